//! Use cases of capacity: read and set a date's pools, availability for a package, settings
//! (hold time, VIP cut-off), and — for bookings — taking and giving back places.

use std::collections::{BTreeMap, BTreeSet};

use hops_kernel::LocalDay;
use hops_platform::jobs::{self, BoxFuture, Enqueue, Job, JobRun};
use hops_platform::{Access, Error, FieldError, Permission, Result, Tx};
use serde::{Deserialize, Serialize};

use super::model::{self, DaySetting, Pool, PoolKey, PoolKind};
use super::store;
use crate::booking::model::DEFAULT_HOLD_MINUTES;

/// Hours before a date starts when its unused VIP places go to the individual pool, unless
/// the hospital says otherwise.
pub const DEFAULT_VIP_CUTOFF_HOURS: i64 = 24;

/// The hospital's booking settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    pub hold_minutes: i64,
    pub vip_cutoff_hours: i64,
}

/// The settings, for people who may see them.
pub async fn get_settings(access: &Access) -> Result<Settings> {
    access.require(Permission::CheckupRead)?;
    settings(access).await
}

/// The settings, for use cases that checked their own permission.
pub(crate) async fn settings(access: &Access) -> Result<Settings> {
    let mut c = access.tenant().read().await?;
    let s = store::settings(&mut c).await?;
    Ok(s.map_or(Settings { hold_minutes: DEFAULT_HOLD_MINUTES, vip_cutoff_hours: DEFAULT_VIP_CUTOFF_HOURS }, |(h, v)| Settings {
        hold_minutes: h,
        vip_cutoff_hours: v,
    }))
}

pub async fn save_settings(access: &Access, s: Settings) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let mut fields = Vec::new();
    if !(1..=24 * 60).contains(&s.hold_minutes) {
        fields.push(FieldError::new("hold_minutes", "未支付保留时间须为 1–1440 分钟"));
    }
    if !(0..=7 * 24).contains(&s.vip_cutoff_hours) {
        fields.push(FieldError::new("vip_cutoff_hours", "VIP 号源释放时间须为体检前 0–168 小时"));
    }
    if !fields.is_empty() {
        return Err(Error::invalid(fields));
    }
    let mut tx = access.tenant().write().await?;
    store::save_settings(&mut tx, s.hold_minutes, s.vip_cutoff_hours, access.now()).await?;
    let detail = format!("未支付保留 {} 分钟，VIP 号源提前 {} 小时释放", s.hold_minutes, s.vip_cutoff_hours);
    access.audit(&mut tx, "checkup.settings.save", "checkup_settings", &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// A date's pools as people see them.
#[derive(Clone, Debug)]
pub struct DayView {
    pub day: LocalDay,
    pub closed: Option<String>,
    pub pools: Vec<Pool>,
    /// When unused VIP places go to the individual pool, and whether they have.
    pub vip_release_at: hops_kernel::Instant,
    pub vip_released: bool,
}

pub async fn day(access: &Access, day: LocalDay) -> Result<DayView> {
    access.require(Permission::CheckupRead)?;
    let cutoff = settings(access).await?.vip_cutoff_hours;
    let mut c = access.tenant().read().await?;
    let rows = store::pools(&mut c, day, day).await?;
    let closed = store::closed_days(&mut c, day, day).await?.pop().map(|(_, r)| r);
    let vip_released = rows.iter().any(|r| r.pool.key.kind == PoolKind::Vip && r.released);
    Ok(DayView {
        day,
        closed,
        pools: rows.into_iter().map(|r| r.pool).collect(),
        vip_release_at: model::vip_release_at(day, cutoff),
        vip_released,
    })
}

/// Sets a date's pools (pools left out close); refuses, changing nothing, when a pool would
/// fall below the places already taken or names an unknown employer, package or resource.
pub async fn set_day(access: &Access, day: LocalDay, setting: &DaySetting) -> Result<DayView> {
    access.require(Permission::CheckupManage)?;
    let today = access.now().local_day();
    if day < today {
        return Err(Error::invalid_field("date", format!("{day} 已过，不能再设置号源")));
    }
    let cutoff = settings(access).await?.vip_cutoff_hours;
    let employers: BTreeSet<String> = crate::group::service::list(access).await?.into_iter().map(|e| e.code).collect();
    let cat = crate::catalogue::service::load(access).await?;
    let resources: BTreeSet<String> = {
        let mut c = access.tenant().read().await?;
        crate::catalogue::store::resources(&mut c).await?.into_iter().map(|(c, _)| c).collect()
    };
    let known = |k: &PoolKey| match k.kind {
        PoolKind::Group => employers.contains(&k.key),
        PoolKind::Special => cat.packages.get(&k.key).is_some_and(|p| p.special_pool),
        PoolKind::Resource => resources.contains(&k.key),
        PoolKind::Individual | PoolKind::Vip => true,
    };
    let mut tx = access.tenant().write().await?;
    let current: Vec<Pool> = store::pools(&mut tx, day, day).await?.into_iter().map(|r| r.pool).collect();
    let problems = model::check_setting(setting, &current, known);
    if !problems.is_empty() {
        return Err(Error::invalid(problems.into_iter().map(|p| FieldError::new(p.field, p.message)).collect()));
    }
    let now = access.now();
    let wanted: BTreeMap<PoolKey, i64> = setting.pools().into_iter().collect();
    for (key, n) in &wanted {
        store::set_capacity(&mut tx, day, key, *n, now).await?;
    }
    for pool in current.iter().filter(|p| !wanted.contains_key(&p.key)) {
        store::set_capacity(&mut tx, day, &pool.key, 0, now).await?;
    }
    if setting.vip > 0 {
        let at = model::vip_release_at(day, cutoff);
        let key = format!("vip:{day}");
        jobs::enqueue(access, &mut tx, Enqueue::job::<ReleaseVip>(&DayRef { day: day.0 }).key(&key).at(at)).await?;
    }
    let total: i64 = wanted.values().sum();
    access
        .audit(&mut tx, "checkup.capacity.set", &format!("checkup_day:{day}"), &format!("{} 个号源池，合计 {total}", wanted.len()))
        .await?;
    tx.commit().await?;
    let mut c = access.tenant().read().await?;
    let rows = store::pools(&mut c, day, day).await?;
    let vip_released = rows.iter().any(|r| r.pool.key.kind == PoolKind::Vip && r.released);
    Ok(DayView {
        day,
        closed: None,
        pools: rows.into_iter().map(|r| r.pool).collect(),
        vip_release_at: model::vip_release_at(day, cutoff),
        vip_released,
    })
}

/// Closes a date (holiday, maintenance) or opens it again. A date with bookings holding places
/// is not closed: they are moved first.
pub async fn set_closed(access: &Access, day: LocalDay, closed: bool, reason: &str) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    if closed && (reason.trim().is_empty() || reason.chars().count() > 100) {
        return Err(Error::invalid_field("reason", "请填写不开放的原因（不超过 100 个字）"));
    }
    let mut tx = access.tenant().write().await?;
    if closed {
        let n = crate::booking::store::active_on(&mut tx, day).await?;
        if n > 0 {
            return Err(Error::conflict("has_bookings", format!("{day} 已有 {n} 个有效预约，请先为受检人改约再关闭")));
        }
    }
    store::set_closed(&mut tx, day, closed, reason.trim()).await?;
    let detail = if closed { format!("{day} 不开放：{}", reason.trim()) } else { format!("{day} 恢复开放") };
    access.audit(&mut tx, "checkup.capacity.closed", &format!("checkup_day:{day}"), &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// The job that releases a date's unused VIP places at its cut-off.
pub const RELEASE_VIP_JOB: &str = "checkup.release_vip";

/// Releases the date's unused VIP places to its individual pool once the cut-off has passed,
/// in a transaction of its own (so the release stands whatever happens to the booking that
/// triggered it); idempotent. Run before every booking of the date and by the cut-off job.
pub(crate) async fn release_vip_if_due(access: &Access, day: LocalDay, cutoff_hours: i64) -> Result<i64> {
    if access.now() < model::vip_release_at(day, cutoff_hours) {
        return Ok(0);
    }
    let mut tx = access.tenant().write().await?;
    let moved = release_vip_in(access, &mut tx, day, cutoff_hours).await?;
    tx.commit().await?;
    Ok(moved)
}

/// [`release_vip_if_due`] inside the caller's transaction.
async fn release_vip_in(access: &Access, tx: &mut Tx, day: LocalDay, cutoff_hours: i64) -> Result<i64> {
    if access.now() < model::vip_release_at(day, cutoff_hours) {
        return Ok(0);
    }
    let moved = store::release_vip(tx, day, access.now()).await?;
    if moved > 0 {
        access
            .audit(tx, "checkup.capacity.release_vip", &format!("checkup_day:{day}"), &format!("VIP 未用号源 {moved} 个转入个检"))
            .await?;
    }
    Ok(moved)
}

/// The date a job is about.
#[derive(Serialize, Deserialize)]
pub struct DayRef {
    pub(crate) day: i32,
}

/// Moves a date's unused VIP places to the individual pool at the cut-off; a date released
/// already (by a booking after the cut-off) stays as is.
pub struct ReleaseVip;

impl Job for ReleaseVip {
    const KIND: &'static str = RELEASE_VIP_JOB;
    const LABEL: &'static str = "释放 VIP 预留号源";
    type Payload = DayRef;
    fn run<'a>(&'a self, job: &'a mut JobRun, p: DayRef) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let cutoff = get_settings(&job.access).await?.vip_cutoff_hours;
            let (access, tx) = job.tx().await?;
            release_vip_in(access, tx, LocalDay(p.day), cutoff).await?;
            Ok(())
        })
    }
}

/// Takes one place from each pool (in a fixed order, so concurrent bookings never deadlock);
/// on the first full pool returns it, and the caller drops the transaction.
pub(crate) async fn take_all(access: &Access, tx: &mut Tx, day: LocalDay, pools: &[PoolKey]) -> Result<Option<PoolKey>> {
    let mut sorted = pools.to_vec();
    sorted.sort();
    for key in sorted {
        if !store::take(tx, day, &key, access.now()).await? {
            return Ok(Some(key));
        }
    }
    Ok(None)
}

pub(crate) async fn give_back_all(access: &Access, tx: &mut Tx, day: LocalDay, pools: &[PoolKey]) -> Result<()> {
    for key in pools {
        store::give_back(tx, day, key, access.now()).await?;
    }
    Ok(())
}

/// Free places of one date for one package.
#[derive(Clone, Debug)]
pub struct Availability {
    pub day: LocalDay,
    pub closed: bool,
    /// Places left for an individual booking of the package (the fullest pool it needs).
    pub remaining: i64,
}

/// Free places per date in `from ..= to` for an individual booking of `package` (its special
/// pool or the individual pool — with unreleased VIP places once their cut-off has passed —
/// and the scarce resources of its items).
pub async fn availability(access: &Access, from: LocalDay, to: LocalDay, package: &str) -> Result<Vec<Availability>> {
    availability_for(access, from, to, package, &model::Channel::Individual).await
}

/// [`availability`] for a booking through `channel` (a group booking takes its employer's
/// pool instead of the individual one).
pub async fn availability_for(
    access: &Access,
    from: LocalDay,
    to: LocalDay,
    package: &str,
    channel: &model::Channel,
) -> Result<Vec<Availability>> {
    access.require(Permission::CheckupBrowse)?;
    if to < from || to.days_since(from) > 92 {
        return Err(Error::invalid_field("to", "查询范围须为 1–93 天"));
    }
    let cat = crate::catalogue::service::load(access).await?;
    let Some(p) = cat.packages.get(package).filter(|p| p.active) else {
        return Err(Error::invalid_field("package", format!("套餐 {package} 不存在或已下架")));
    };
    let resources: BTreeSet<String> = p.items.iter().filter_map(|c| cat.items.get(c)?.resource.clone()).collect();
    let needed = model::pools_for(channel, &p.code, p.special_pool, &resources.into_iter().collect::<Vec<_>>());
    let cutoff = settings(access).await?.vip_cutoff_hours;
    let today = access.now().local_day();
    let mut c = access.tenant().read().await?;
    let rows = store::pools(&mut c, from, to).await?;
    let closed: BTreeSet<LocalDay> = store::closed_days(&mut c, from, to).await?.into_iter().map(|(d, _)| d).collect();
    let mut by_day: BTreeMap<LocalDay, Vec<store::PoolRow>> = BTreeMap::new();
    for r in rows {
        by_day.entry(r.day).or_default().push(r);
    }
    let now = access.now();
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        let pools = by_day.remove(&day).unwrap_or_default();
        let left = |key: &PoolKey| -> i64 {
            let own = pools.iter().find(|r| r.pool.key == *key).map_or(0, |r| r.pool.remaining());
            let unreleased_vip =
                || pools.iter().find(|r| r.pool.key.kind == PoolKind::Vip && !r.released).map_or(0, |r| r.pool.remaining());
            if key.kind == PoolKind::Individual && now >= model::vip_release_at(day, cutoff) { own + unreleased_vip() } else { own }
        };
        let is_closed = closed.contains(&day) || day < today;
        let remaining = if is_closed { 0 } else { needed.iter().map(left).min().unwrap_or(0) };
        out.push(Availability { day, closed: is_closed, remaining });
        day = day.plus_days(1);
    }
    Ok(out)
}
