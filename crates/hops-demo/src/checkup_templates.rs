//! The demo's capacity through the capacity calendar, as a centre would set it up: a weekday
//! template (号源模板) drawn from the capacity plan, public holidays closed with their reason,
//! the template applied in bulk to Monday–Saturday of the next [`super::DAYS`], and the dates
//! that differ from it (employers' pools, 调休 working days) set one by one. The pools end up
//! exactly as [`super::capacity_plan`] says.

use anyhow::Context;
use hops_checkup::capacity::model::DaySetting;
use hops_checkup::capacity::service as capacity;
use hops_checkup::capacity::template::{BulkRequest, Source, Templates, iso_weekday};
use hops_checkup::capacity::template_service as templates;
use hops_kernel::LocalDay;
use hops_platform::Access;

use crate::activity::texts::{HOLIDAYS, MAKEUP_WORKDAYS, ymd};

/// The template of each weekday: its first ordinary date in the plan (not a 调休 working day),
/// without employers' pools (those follow the employers' windows, not the weekday).
pub(super) fn template_of(plan: &[(LocalDay, DaySetting)]) -> Templates {
    let mut out = Templates::new();
    for (day, setting) in plan.iter().filter(|(d, _)| !MAKEUP_WORKDAYS.contains(&ymd(*d))) {
        out.entry(iso_weekday(*day)).or_insert_with(|| DaySetting { groups: Default::default(), ..setting.clone() });
    }
    out
}

fn is_holiday(day: LocalDay) -> bool {
    let key = ymd(day);
    HOLIDAYS.iter().any(|&(a, b, _)| (a..=b).contains(&key))
}

/// Sets the capacity of the plan's dates from `today` on (see the module's description).
pub(super) async fn seed(access: &Access, today: LocalDay, plan: &[(LocalDay, DaySetting)]) -> anyhow::Result<()> {
    let template = template_of(plan);
    templates::save_templates(access, &template).await.context("号源模板")?;
    let to = today.plus_days(super::DAYS - 1);
    let mut day = today;
    while day <= to {
        if is_holiday(day) {
            capacity::set_closed(access, day, true, "法定节假日").await.with_context(|| format!("{day} 不开放"))?;
        }
        day = day.plus_days(1);
    }
    let req = BulkRequest { from: today, to, weekdays: (1..=6).collect(), source: Source::Template(template.clone()) };
    templates::apply_bulk(access, &req).await.context("按模板批量设置号源")?;
    for (day, setting) in plan {
        let bulk_set = iso_weekday(*day) <= 6 && !is_holiday(*day);
        if !bulk_set || template.get(&iso_weekday(*day)) != Some(setting) {
            capacity::set_day(access, *day, setting).await.with_context(|| format!("{day} 的号源"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_follows_the_plan() {
        let today = LocalDay::parse("2026-11-23").unwrap();
        let t = template_of(&super::super::capacity_plan(today));
        let weekdays: Vec<u8> = t.keys().copied().collect();
        assert_eq!(weekdays, [1, 2, 3, 4, 5, 6], "Sundays have no template");
        let places: Vec<(i64, i64)> = t.values().map(|s| (s.individual, s.vip)).collect();
        assert_eq!(places, [(100, 10), (80, 10), (80, 10), (80, 10), (70, 8), (40, 6)]);
        assert!(t.values().all(|s| s.groups.is_empty()), "employers' pools are set per date");
        assert_eq!(t[&6].resources["mri"] * 2, t[&1].resources["mri"], "Saturdays have half the scarce places");
    }
}
