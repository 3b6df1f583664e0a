//! Use cases of weekday templates and bulk setting: read and save the templates, preview a bulk
//! setting, apply it — in one transaction, all or nothing: a date where a pool would fall below
//! its places taken refuses the whole range, naming every such date and pool. Also the list of
//! closed dates.

use std::collections::{BTreeMap, BTreeSet};

use hops_kernel::LocalDay;
use hops_platform::db::{Conn, Scoped};
use hops_platform::jobs::{self, Enqueue};
use hops_platform::{Access, Error, FieldError, Permission, Result};

use super::model::{self, DaySetting, Pool, PoolKey, PoolKind, SettingProblem};
use super::service::{DayRef, ReleaseVip, settings};
use super::store;
use super::template::{self, BulkRequest, Expansion, Skip, Source, Templates};
use super::template_store;

fn invalid(problems: Vec<SettingProblem>) -> Error {
    Error::invalid(problems.into_iter().map(|p| FieldError::new(p.field, p.message)).collect())
}

/// The employer, special-package and resource codes pools may name.
struct Known {
    employers: BTreeSet<String>,
    specials: BTreeSet<String>,
    resources: BTreeSet<String>,
}

impl Known {
    async fn load(access: &Access) -> Result<Known> {
        let employers = crate::group::service::list(access).await?.into_iter().map(|e| e.code).collect();
        let cat = crate::catalogue::service::load(access).await?;
        let mut c = access.tenant().read().await?;
        let resources = crate::catalogue::store::resources(&mut c).await?.into_iter().map(|(c, _)| c).collect();
        let specials = cat.packages.values().filter(|p| p.special_pool).map(|p| p.code.clone()).collect();
        Ok(Known { employers, specials, resources })
    }

    fn contains(&self, k: &PoolKey) -> bool {
        match k.kind {
            PoolKind::Group => self.employers.contains(&k.key),
            PoolKind::Special => self.specials.contains(&k.key),
            PoolKind::Resource => self.resources.contains(&k.key),
            PoolKind::Individual | PoolKind::Vip => true,
        }
    }
}

/// The closed dates in `from ..= to` with their reasons.
pub async fn closed_days(access: &Access, from: LocalDay, to: LocalDay) -> Result<Vec<(LocalDay, String)>> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::closed_days(&mut c, from, to).await?)
}

/// The weekday templates.
pub async fn templates(access: &Access) -> Result<Templates> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    Ok(template_store::templates(&mut c).await?)
}

/// Replaces the weekday templates (weekdays left out have none); refuses, changing nothing, a
/// count out of range or a code that does not exist.
pub async fn save_templates(access: &Access, t: &Templates) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let known = Known::load(access).await?;
    let problems = template::check_templates(t, |k| known.contains(k));
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let mut tx = access.tenant().write().await?;
    template_store::replace(&mut tx, t, access.now()).await?;
    let days: Vec<String> = t.iter().map(|(w, s)| format!("{}{}", template::weekday_label(*w), s.individual + s.vip)).collect();
    let detail =
        if days.is_empty() { "清空号源模板".to_string() } else { format!("号源模板（个检+VIP）：{}", days.join("、")) };
    access.audit(&mut tx, "checkup.capacity.templates", "checkup_capacity_templates", &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// What a bulk setting does (or did): the dates it sets, how many of them change, the chosen
/// dates it leaves alone.
#[derive(Clone, Debug, Default)]
pub struct BulkOutcome {
    pub dates: Vec<LocalDay>,
    pub changed: usize,
    pub skipped: Vec<(LocalDay, Skip)>,
}

/// Checks the range and the settings a request gives (codes as they stand now).
async fn check(access: &Access, req: &BulkRequest) -> Result<()> {
    let problems = template::check_range(req, access.now().local_day());
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let known = Known::load(access).await?;
    let problems = match &req.source {
        Source::Template(t) if t.is_empty() => {
            vec![SettingProblem { field: "template".into(), message: "还没有号源模板，请先保存模板".into() }]
        }
        Source::Template(t) => template::check_templates(t, |k| known.contains(k)),
        Source::Setting(s) => model::check_setting(s, &[], |k| known.contains(k)),
    };
    if problems.is_empty() { Ok(()) } else { Err(invalid(problems)) }
}

/// The expansion of the request over the range with its closed dates, the range's pools by
/// date, and the refusal when a pool would fall below its places taken.
async fn plan<C: Conn>(c: &mut Scoped<C>, req: &BulkRequest) -> Result<(Expansion, BTreeMap<LocalDay, Vec<Pool>>)> {
    let closed: BTreeMap<LocalDay, String> = store::closed_days(c, req.from, req.to).await?.into_iter().collect();
    let e = template::expand(req, &closed);
    let current = by_day(store::pools(c, req.from, req.to).await?);
    let short = template::shortfalls(&e.dates, &current);
    if short.is_empty() { Ok((e, current)) } else { Err(invalid(short)) }
}

fn by_day(rows: Vec<store::PoolRow>) -> BTreeMap<LocalDay, Vec<Pool>> {
    let mut out: BTreeMap<LocalDay, Vec<Pool>> = BTreeMap::new();
    for r in rows {
        out.entry(r.day).or_default().push(r.pool);
    }
    out
}

fn outcome(e: Expansion, current: &BTreeMap<LocalDay, Vec<Pool>>) -> BulkOutcome {
    let changed = e.dates.iter().filter(|(d, s)| template::changes(s, current.get(d).map_or(&[], Vec::as_slice))).count();
    BulkOutcome { dates: e.dates.into_iter().map(|(d, _)| d).collect(), changed, skipped: e.skipped }
}

/// What applying the request would do, changing nothing; refused as [`apply_bulk`] would be.
pub async fn preview_bulk(access: &Access, req: &BulkRequest) -> Result<BulkOutcome> {
    access.require(Permission::CheckupManage)?;
    check(access, req).await?;
    let mut c = access.tenant().read().await?;
    let (e, current) = plan(&mut c, req).await?;
    Ok(outcome(e, &current))
}

/// Sets every date of the expansion (pools left out close) in one transaction. Any date where a
/// pool would fall below its places taken refuses the whole request, listing every such date
/// and pool; nothing changes then.
pub async fn apply_bulk(access: &Access, req: &BulkRequest) -> Result<BulkOutcome> {
    access.require(Permission::CheckupManage)?;
    check(access, req).await?;
    let cutoff = settings(access).await?.vip_cutoff_hours;
    let mut tx = access.tenant().write().await?;
    // Closed dates and pools are read inside the transaction: what is checked is what is written.
    let (e, current) = plan(&mut tx, req).await?;
    for (day, setting) in &e.dates {
        write_day(access, &mut tx, *day, setting, current.get(day).map_or(&[], Vec::as_slice), cutoff).await?;
    }
    let out = outcome(e, &current);
    let how = match &req.source {
        Source::Template(_) => "按模板",
        Source::Setting(_) => "统一",
    };
    let weekdays = if req.weekdays.is_empty() {
        "每天".to_string()
    } else {
        req.weekdays.iter().map(|w| template::weekday_label(*w)).collect::<Vec<_>>().join("、")
    };
    let detail = format!(
        "{how}设置 {} 至 {}（{weekdays}）号源：{} 天，其中 {} 天有变化，跳过 {} 天",
        req.from,
        req.to,
        out.dates.len(),
        out.changed,
        out.skipped.len()
    );
    access.audit(&mut tx, "checkup.capacity.bulk", &format!("checkup_days:{}..{}", req.from, req.to), &detail).await?;
    tx.commit().await?;
    Ok(out)
}

/// Writes one date's pools as `set_day` does: the named pools, the others closed, and the VIP
/// release job when VIP places are given.
async fn write_day(
    access: &Access,
    tx: &mut hops_platform::Tx,
    day: LocalDay,
    setting: &DaySetting,
    current: &[Pool],
    cutoff: i64,
) -> Result<()> {
    let now = access.now();
    let wanted: BTreeMap<PoolKey, i64> = setting.pools().into_iter().collect();
    for (key, n) in &wanted {
        store::set_capacity(tx, day, key, *n, now).await?;
    }
    for pool in current.iter().filter(|p| !wanted.contains_key(&p.key)) {
        store::set_capacity(tx, day, &pool.key, 0, now).await?;
    }
    if setting.vip > 0 {
        let key = format!("vip:{day}");
        let at = model::vip_release_at(day, cutoff);
        jobs::enqueue(access, tx, Enqueue::job::<ReleaseVip>(&DayRef { day: day.0 }).key(&key).at(at)).await?;
    }
    Ok(())
}
