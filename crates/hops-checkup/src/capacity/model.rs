//! Capacity (号源) as pure data: the pools of a date, which pools a booking takes from, the VIP
//! release cut-off, weekday templates and closed dates.
//!
//! A date has an individual pool (个检), a VIP-reserved pool, one pool per employer (团检), one
//! per special package (特殊套餐, not taking from the ordinary pools) and one per scarce
//! resource (胃肠镜, MRI …). A booking takes one place from its base pool and one from each
//! resource pool its items need — all or none, in one transaction.

use std::collections::BTreeMap;

use hops_kernel::{Instant, LocalDay};

/// The largest capacity a pool may be given on one date.
pub const MAX_CAPACITY: i64 = 100_000;

hops_kernel::coded! {
    /// The kind of a date's pool of places.
    #[derive(PartialOrd, Ord)]
    pub PoolKind {
        Individual = "individual", "个检";
        Vip = "vip", "VIP 预留";
        Group = "group", "团检";
        Special = "special", "特殊套餐";
        Resource = "resource", "稀缺资源";
    }
}

/// One pool of a date: its kind and, for group, special and resource pools, the employer,
/// package or resource code ("" otherwise).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolKey {
    pub kind: PoolKind,
    pub key: String,
}

impl PoolKey {
    pub fn individual() -> PoolKey {
        PoolKey { kind: PoolKind::Individual, key: String::new() }
    }
    pub fn vip() -> PoolKey {
        PoolKey { kind: PoolKind::Vip, key: String::new() }
    }
    pub fn of(kind: PoolKind, key: &str) -> PoolKey {
        PoolKey { kind, key: key.to_string() }
    }
}

/// A pool's state on a date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    pub key: PoolKey,
    pub capacity: i64,
    pub used: i64,
}

impl Pool {
    pub fn remaining(&self) -> i64 {
        (self.capacity - self.used).max(0)
    }
}

/// The capacities to set on one date (the body of `PUT /api/v1/checkup/capacity/{date}`).
/// Pools not named are closed (capacity 0).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaySetting {
    pub individual: i64,
    pub vip: i64,
    pub groups: BTreeMap<String, i64>,
    pub specials: BTreeMap<String, i64>,
    pub resources: BTreeMap<String, i64>,
}

impl DaySetting {
    pub fn pools(&self) -> Vec<(PoolKey, i64)> {
        let mut out = vec![(PoolKey::individual(), self.individual), (PoolKey::vip(), self.vip)];
        let keyed = [(PoolKind::Group, &self.groups), (PoolKind::Special, &self.specials), (PoolKind::Resource, &self.resources)];
        for (kind, map) in keyed {
            out.extend(map.iter().map(|(k, n)| (PoolKey::of(kind, k), *n)));
        }
        out
    }
}

/// A problem with a capacity setting: the field (`individual`, `groups.E001` …) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingProblem {
    pub field: String,
    pub message: String,
}

fn field_of(key: &PoolKey) -> String {
    match key.kind {
        PoolKind::Individual | PoolKind::Vip => key.kind.code().to_string(),
        PoolKind::Group => format!("groups.{}", key.key),
        PoolKind::Special => format!("specials.{}", key.key),
        PoolKind::Resource => format!("resources.{}", key.key),
    }
}

/// Checks a setting against the pools as they stand: counts within 0 … [`MAX_CAPACITY`], and
/// no pool below the places already taken (pools left out count as 0). `known` says whether a
/// group, special or resource code exists.
pub fn check_setting(new: &DaySetting, current: &[Pool], known: impl Fn(&PoolKey) -> bool) -> Vec<SettingProblem> {
    let mut out = Vec::new();
    let wanted: BTreeMap<PoolKey, i64> = new.pools().into_iter().collect();
    for (key, n) in &wanted {
        let field = field_of(key);
        if !(0..=MAX_CAPACITY).contains(n) {
            out.push(SettingProblem { field, message: format!("{}号源须在 0 到 {MAX_CAPACITY} 之间", key.kind.label_zh()) });
        } else if !key.key.is_empty() && !known(key) {
            let what = match key.kind {
                PoolKind::Group => "团检单位",
                PoolKind::Special => "套餐",
                _ => "稀缺资源",
            };
            out.push(SettingProblem { field, message: format!("{what} {} 不存在", key.key) });
        }
    }
    for pool in current {
        let n = wanted.get(&pool.key).copied().unwrap_or(0);
        if (0..pool.used).contains(&n) {
            out.push(SettingProblem {
                field: field_of(&pool.key),
                message: format!("{}{} 已预约 {} 人，号源不能少于 {}", pool.key.kind.label_zh(), pool.key.key, pool.used, pool.used),
            });
        }
    }
    out
}

/// Where a booking asks to take its place from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Channel {
    Individual,
    Vip,
    /// An employer's pool, by employer code.
    Group(String),
}

/// The pools a booking takes one place from: its base pool — the employer's for group
/// bookings, the package's own for a special package, else individual or VIP — and each
/// scarce resource its items need.
pub fn pools_for(channel: &Channel, package: &str, special_pool: bool, resources: &[String]) -> Vec<PoolKey> {
    let base = match channel {
        Channel::Group(employer) => PoolKey::of(PoolKind::Group, employer),
        _ if special_pool => PoolKey::of(PoolKind::Special, package),
        Channel::Individual => PoolKey::individual(),
        Channel::Vip => PoolKey::vip(),
    };
    let mut out = vec![base];
    out.extend(resources.iter().map(|r| PoolKey::of(PoolKind::Resource, r)));
    out
}

/// When the unused VIP places of `day` go to the individual pool: `cutoff_hours` before the
/// day starts (Asia/Shanghai).
pub fn vip_release_at(day: LocalDay, cutoff_hours: i64) -> Instant {
    day.start().plus_seconds(-cutoff_hours * 3600)
}
