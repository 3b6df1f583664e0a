//! Weekday templates (号源模板) and bulk setting of a date range, as pure data: which dates of a
//! range get which setting (chosen weekdays only, closed dates skipped, weekdays without a
//! template skipped), whether a date would change, and every date and pool a setting would cut
//! below its places taken. Nothing here does I/O.

use std::collections::{BTreeMap, BTreeSet};

use hops_kernel::LocalDay;

use super::model::{DaySetting, Pool, PoolKey, SettingProblem, check_setting};

/// The longest range one bulk setting may cover, in days.
pub const MAX_BULK_DAYS: i32 = 366;

const WEEKDAY_LABELS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

/// The ISO weekday of a date: 1 = Monday … 7 = Sunday.
pub fn iso_weekday(day: LocalDay) -> u8 {
    day.weekday().to_monday_one_offset().unsigned_abs()
}

/// "周一" … "周日" for 1 … 7 ("" otherwise).
pub fn weekday_label(weekday: u8) -> &'static str {
    WEEKDAY_LABELS.get(usize::from(weekday).wrapping_sub(1)).copied().unwrap_or("")
}

/// The hospital's weekday templates: a setting per ISO weekday. A weekday without one is not
/// set from the template.
pub type Templates = BTreeMap<u8, DaySetting>;

/// What a bulk setting gives each date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The template of the date's weekday.
    Template(Templates),
    /// The same setting on every date.
    Setting(DaySetting),
}

/// A bulk setting: the dates `from ..= to` whose weekday is in `weekdays` (every day when
/// empty) get their setting from `source`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkRequest {
    pub from: LocalDay,
    pub to: LocalDay,
    pub weekdays: BTreeSet<u8>,
    pub source: Source,
}

/// Why a chosen date is left as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// Closed, with the reason.
    Closed(String),
    /// Its weekday has no template.
    NoTemplate,
}

impl Skip {
    pub fn code(&self) -> &'static str {
        match self {
            Skip::Closed(_) => "closed",
            Skip::NoTemplate => "no_template",
        }
    }

    /// "不开放：国庆" or "周日无号源模板".
    pub fn message(&self, day: LocalDay) -> String {
        match self {
            Skip::Closed(reason) => format!("不开放：{reason}"),
            Skip::NoTemplate => format!("{}无号源模板", weekday_label(iso_weekday(day))),
        }
    }
}

/// The dates a bulk setting sets, with their settings, and the chosen dates it leaves alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expansion {
    pub dates: Vec<(LocalDay, DaySetting)>,
    pub skipped: Vec<(LocalDay, Skip)>,
}

/// Checks the range of a bulk setting: `from` not after `to`, not in the past, at most
/// [`MAX_BULK_DAYS`] days, weekdays 1–7.
pub fn check_range(req: &BulkRequest, today: LocalDay) -> Vec<SettingProblem> {
    let mut out = Vec::new();
    let problem = |field: &str, message: String| SettingProblem { field: field.into(), message };
    if req.from < today {
        out.push(problem("from", format!("开始日期 {} 已过，不能再设置号源", req.from)));
    }
    if req.to < req.from {
        out.push(problem("to", format!("结束日期 {} 早于开始日期 {}", req.to, req.from)));
    } else if req.to.days_since(req.from) >= MAX_BULK_DAYS {
        out.push(problem("to", format!("一次最多设置 {MAX_BULK_DAYS} 天")));
    }
    if req.weekdays.iter().any(|w| !(1..=7).contains(w)) {
        out.push(problem("weekdays", "星期须为 1（周一）到 7（周日）".into()));
    }
    out
}

/// Checks templates: weekdays 1–7 and each weekday's setting as [`check_setting`] does for a
/// date (`known` says whether a group, special or resource code exists). Fields are
/// `w{weekday}.{field}`, messages start with the weekday.
pub fn check_templates(t: &Templates, known: impl Fn(&PoolKey) -> bool) -> Vec<SettingProblem> {
    let mut out = Vec::new();
    for (weekday, setting) in t {
        if !(1..=7).contains(weekday) {
            out.push(SettingProblem { field: "weekday".into(), message: format!("星期 {weekday} 无效，须为 1–7") });
            continue;
        }
        for p in check_setting(setting, &[], &known) {
            out.push(SettingProblem {
                field: format!("w{weekday}.{}", p.field),
                message: format!("{}：{}", weekday_label(*weekday), p.message),
            });
        }
    }
    out
}

/// The dates of the range that get a setting, and the chosen ones skipped (closed, or no
/// template for their weekday). Dates of weekdays not chosen are neither.
pub fn expand(req: &BulkRequest, closed: &BTreeMap<LocalDay, String>) -> Expansion {
    let mut out = Expansion::default();
    let mut day = req.from;
    while day <= req.to {
        let weekday = iso_weekday(day);
        if req.weekdays.is_empty() || req.weekdays.contains(&weekday) {
            let setting = match &req.source {
                Source::Setting(s) => Some(s),
                Source::Template(t) => t.get(&weekday),
            };
            match (closed.get(&day), setting) {
                (Some(reason), _) => out.skipped.push((day, Skip::Closed(reason.clone()))),
                (None, None) => out.skipped.push((day, Skip::NoTemplate)),
                (None, Some(s)) => out.dates.push((day, s.clone())),
            }
        }
        day = day.plus_days(1);
    }
    out
}

/// Whether setting a date with `current` pools to `setting` changes any capacity (pools not
/// named count as 0 on both sides).
pub fn changes(setting: &DaySetting, current: &[Pool]) -> bool {
    let wanted: BTreeMap<PoolKey, i64> = setting.pools().into_iter().filter(|(_, n)| *n != 0).collect();
    let now: BTreeMap<PoolKey, i64> = current.iter().filter(|p| p.capacity != 0).map(|p| (p.key.clone(), p.capacity)).collect();
    wanted != now
}

/// Every date and pool whose new capacity would fall below the places already taken there.
/// Fields are `{date}.{field}`; messages name the date, its weekday and the pool.
pub fn shortfalls(dates: &[(LocalDay, DaySetting)], current: &BTreeMap<LocalDay, Vec<Pool>>) -> Vec<SettingProblem> {
    let mut out = Vec::new();
    for (day, setting) in dates {
        let Some(pools) = current.get(day) else { continue };
        for p in check_setting(setting, pools, |_| true) {
            let label = weekday_label(iso_weekday(*day));
            out.push(SettingProblem { field: format!("{day}.{}", p.field), message: format!("{day}（{label}）{}", p.message) });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::model::PoolKind;

    fn day(s: &str) -> LocalDay {
        LocalDay::parse(s).unwrap()
    }

    fn setting(individual: i64, vip: i64) -> DaySetting {
        DaySetting { individual, vip, ..DaySetting::default() }
    }

    fn request(from: &str, to: &str, weekdays: &[u8], source: Source) -> BulkRequest {
        BulkRequest { from: day(from), to: day(to), weekdays: weekdays.iter().copied().collect(), source }
    }

    #[test]
    fn weekdays_are_iso() {
        // 2026-11-23 is a Monday.
        let cases = [("2026-11-23", 1, "周一"), ("2026-11-28", 6, "周六"), ("2026-11-29", 7, "周日"), ("1970-01-01", 4, "周四")];
        for (d, n, label) in cases {
            assert_eq!(iso_weekday(day(d)), n, "{d}");
            assert_eq!(weekday_label(n), label);
        }
        assert_eq!(weekday_label(0), "");
        assert_eq!(weekday_label(8), "");
    }

    #[test]
    fn expansion_table() {
        let templates: Templates = BTreeMap::from([(1, setting(100, 10)), (3, setting(80, 5)), (6, setting(40, 0))]);
        let closed = BTreeMap::from([(day("2026-11-25"), "设备检修".to_string())]);
        // (request, dates set with their individual places, skipped dates with their reason code)
        type Case = (BulkRequest, Vec<(&'static str, i64)>, Vec<(&'static str, &'static str)>);
        let cases: Vec<Case> = vec![
            // One week, every day, from the template: Tue/Thu/Fri/Sun have none; Wed is closed.
            (
                request("2026-11-23", "2026-11-29", &[], Source::Template(templates.clone())),
                vec![("2026-11-23", 100), ("2026-11-28", 40)],
                vec![
                    ("2026-11-24", "no_template"),
                    ("2026-11-25", "closed"),
                    ("2026-11-26", "no_template"),
                    ("2026-11-27", "no_template"),
                    ("2026-11-29", "no_template"),
                ],
            ),
            // Only Mondays and Wednesdays of two weeks.
            (
                request("2026-11-23", "2026-12-06", &[1, 3], Source::Template(templates.clone())),
                vec![("2026-11-23", 100), ("2026-11-30", 100), ("2026-12-02", 80)],
                vec![("2026-11-25", "closed")],
            ),
            // An explicit setting on weekdays 1–5 of one week.
            (
                request("2026-11-23", "2026-11-29", &[1, 2, 3, 4, 5], Source::Setting(setting(7, 1))),
                vec![("2026-11-23", 7), ("2026-11-24", 7), ("2026-11-26", 7), ("2026-11-27", 7)],
                vec![("2026-11-25", "closed")],
            ),
            // One day; a weekday filter that excludes it leaves nothing, not even a skip.
            (request("2026-11-24", "2026-11-24", &[], Source::Setting(setting(3, 0))), vec![("2026-11-24", 3)], vec![]),
            (request("2026-11-24", "2026-11-24", &[7], Source::Setting(setting(3, 0))), vec![], vec![]),
            (request("2026-11-25", "2026-11-25", &[], Source::Setting(setting(3, 0))), vec![], vec![("2026-11-25", "closed")]),
        ];
        for (n, (req, dates, skipped)) in cases.into_iter().enumerate() {
            let e = expand(&req, &closed);
            let got: Vec<(String, i64)> = e.dates.iter().map(|(d, s)| (d.to_string(), s.individual)).collect();
            let want: Vec<(String, i64)> = dates.iter().map(|(d, i)| (d.to_string(), *i)).collect();
            assert_eq!(got, want, "case {n}: dates");
            let got: Vec<(String, &str)> = e.skipped.iter().map(|(d, s)| (d.to_string(), s.code())).collect();
            let want: Vec<(String, &str)> = skipped.iter().map(|(d, c)| (d.to_string(), *c)).collect();
            assert_eq!(got, want, "case {n}: skipped");
        }
        let e = expand(&request("2026-11-25", "2026-11-29", &[3, 7], Source::Template(templates)), &closed);
        let messages: Vec<String> = e.skipped.iter().map(|(d, s)| s.message(*d)).collect();
        assert_eq!(messages, ["不开放：设备检修", "周日无号源模板"]);
    }

    #[test]
    fn range_checks() {
        let today = day("2026-11-22");
        let fields = |from: &str, to: &str, weekdays: &[u8]| -> Vec<String> {
            check_range(&request(from, to, weekdays, Source::Setting(setting(1, 0))), today).into_iter().map(|p| p.field).collect()
        };
        assert_eq!(fields("2026-11-22", "2026-11-22", &[]), Vec::<String>::new(), "today is allowed");
        assert_eq!(fields("2026-11-23", "2027-11-23", &[1, 7]), Vec::<String>::new(), "366 days");
        assert_eq!(fields("2026-11-23", "2027-11-24", &[]), ["to"], "367 days");
        assert_eq!(fields("2026-11-21", "2026-11-30", &[]), ["from"], "in the past");
        assert_eq!(fields("2026-11-30", "2026-11-23", &[]), ["to"], "to before from");
        assert_eq!(fields("2026-11-21", "2026-11-20", &[0, 8]), ["from", "to", "weekdays"]);
        let p = check_range(&request("2026-11-30", "2026-11-23", &[], Source::Setting(setting(1, 0))), today);
        assert_eq!(p[0].message, "结束日期 2026-11-23 早于开始日期 2026-11-30");
    }

    #[test]
    fn template_checks_name_the_weekday() {
        let mut bad = setting(-1, 0);
        bad.groups.insert("NOPE".into(), 3);
        let t: Templates = BTreeMap::from([(1, setting(10, 0)), (2, bad), (9, setting(1, 0))]);
        let p = check_templates(&t, |k| k.key != "NOPE");
        let got: Vec<(&str, &str)> = p.iter().map(|p| (p.field.as_str(), p.message.as_str())).collect();
        assert_eq!(
            got,
            [
                ("w2.individual", "周二：个检号源须在 0 到 100000 之间"),
                ("w2.groups.NOPE", "周二：团检单位 NOPE 不存在"),
                ("weekday", "星期 9 无效，须为 1–7")
            ]
        );
    }

    #[test]
    fn changes_compare_capacities() {
        let pool = |kind, key: &str, capacity, used| Pool { key: PoolKey::of(kind, key), capacity, used };
        let current = vec![pool(PoolKind::Individual, "", 10, 2), pool(PoolKind::Vip, "", 0, 0), pool(PoolKind::Resource, "mri", 4, 0)];
        let mut same = setting(10, 0);
        same.resources.insert("mri".into(), 4);
        assert!(!changes(&same, &current), "same capacities, zero VIP either way");
        assert!(changes(&setting(10, 0), &current), "the MRI pool would close");
        assert!(changes(&setting(11, 0), &current));
        assert!(!changes(&setting(0, 0), &[]), "nothing set and nothing to set");
        assert!(changes(&setting(1, 0), &[]));
    }

    #[test]
    fn shortfalls_list_every_date_and_pool() {
        let pool = |kind, key: &str, capacity, used| Pool { key: PoolKey::of(kind, key), capacity, used };
        let current = BTreeMap::from([
            (day("2026-11-23"), vec![pool(PoolKind::Individual, "", 10, 6), pool(PoolKind::Group, "E1", 5, 2)]),
            (day("2026-11-24"), vec![pool(PoolKind::Individual, "", 10, 3)]),
            (day("2026-11-25"), vec![pool(PoolKind::Individual, "", 10, 9)]),
        ]);
        let mut keep_group = setting(5, 0);
        keep_group.groups.insert("E1".into(), 2);
        let dates = vec![(day("2026-11-23"), setting(5, 0)), (day("2026-11-24"), setting(5, 0)), (day("2026-11-25"), keep_group)];
        let p = shortfalls(&dates, &current);
        let got: Vec<(&str, &str)> = p.iter().map(|p| (p.field.as_str(), p.message.as_str())).collect();
        assert_eq!(
            got,
            [
                ("2026-11-23.individual", "2026-11-23（周一）个检 已预约 6 人，号源不能少于 6"),
                ("2026-11-23.groups.E1", "2026-11-23（周一）团检E1 已预约 2 人，号源不能少于 2"),
                ("2026-11-25.individual", "2026-11-25（周三）个检 已预约 9 人，号源不能少于 9"),
            ]
        );
        assert!(shortfalls(&dates[1..2], &current).is_empty());
    }
}
