//! Use cases of revenue R: the hospital's settings and the cumulative revenue of the contract
//! year containing a day.
//!
//! Reading needs `AnalyticsRead`; the contract start, target and components decide the figure
//! the operation service fees are paid on, so changing them needs `AnalyticsConfigure`
//! (hospital and platform administrators) and is audited as `revenue.settings`.

use hops_kernel::{Instant, LocalDay, Money};
use hops_platform::{Access, Error, Permission, Result};

use super::model::{self, Component, Settings, SettingsDraft};
use super::store;
use crate::activity::store::rollups;

pub const READ: Permission = Permission::AnalyticsRead;
pub const CONFIGURE: Permission = Permission::AnalyticsConfigure;

/// The settings in force and when they were last saved (`None`: the defaults apply).
pub struct Current {
    pub settings: Settings,
    pub updated: Option<(Instant, String)>,
}

async fn load(access: &Access, today: LocalDay) -> Result<Current> {
    let mut c = access.tenant().read().await?;
    Ok(match store::settings(&mut c).await? {
        Some(r) => Current { settings: r.settings, updated: Some((r.updated_at, r.updated_by)) },
        None => Current { settings: Settings::defaults(today), updated: None },
    })
}

/// The settings in force today.
pub async fn settings(access: &Access) -> Result<Current> {
    access.require(READ)?;
    load(access, access.now().local_day()).await
}

/// Saves the settings; invalid input changes nothing and names every problem.
pub async fn save_settings(access: &Access, draft: &SettingsDraft) -> Result<Settings> {
    access.require(CONFIGURE)?;
    let s = model::settings(draft).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    store::save_settings(&mut tx, &s, access.now(), &access.actor().display_name).await?;
    access.audit(&mut tx, "revenue.settings", "revenue_settings", &model::describe(&s)).await?;
    tx.commit().await?;
    Ok(s)
}

/// One calendar month (or part of one) of the contract year.
pub struct MonthPoint {
    /// `2026年3月`.
    pub label: String,
    /// First day counted.
    pub start: LocalDay,
    pub amount: Money,
    /// From the start of the contract year to the end of this month (or today).
    pub cumulative: Money,
}

/// Revenue R of a contract year, up to and including a day.
pub struct Cumulative {
    /// First day of the contract year.
    pub start: LocalDay,
    /// Day after its last day.
    pub end_exclusive: LocalDay,
    /// The day counted up to (inclusive): the day asked for, or the last day of a past year.
    pub as_of: LocalDay,
    /// Whether the hospital saved settings (otherwise the defaults apply).
    pub configured: bool,
    pub updated: Option<(Instant, String)>,
    pub settings: Settings,
    pub total: Money,
    /// Per counted component.
    pub parts: Vec<(Component, Money)>,
    pub target: Money,
    /// total ÷ target (1.0 = reached).
    pub progress: Option<f64>,
    /// Months from the start of the contract year to the month of `as_of`.
    pub by_month: Vec<MonthPoint>,
}

impl Cumulative {
    pub fn last_day(&self) -> LocalDay {
        self.end_exclusive.plus_days(-1)
    }
}

/// Revenue R of the contract year containing `today`, counted over `[start, today]`.
pub async fn cumulative(access: &Access, today: LocalDay) -> Result<Cumulative> {
    access.require(READ)?;
    let current = load(access, today).await?;
    let s = current.settings;
    let (start, end_exclusive) = model::contract_year(s.contract_start, today);
    let until = today.plus_days(1).min(end_exclusive);
    let mut pieces = Vec::new();
    {
        let mut c = access.tenant().read().await?;
        for (from, to) in model::month_pieces(start, until) {
            pieces.push((from, rollups::activity_sums(&mut c, from, to).await?));
        }
    }
    let tally = model::tally(&s.components, &pieces);
    Ok(Cumulative {
        start,
        end_exclusive,
        as_of: today.min(end_exclusive.plus_days(-1)),
        configured: current.updated.is_some(),
        updated: current.updated,
        total: tally.total,
        parts: tally.parts,
        target: s.target,
        progress: model::progress(tally.total, s.target),
        by_month: tally
            .months
            .into_iter()
            .map(|m| MonthPoint { label: model::month_label(m.start), start: m.start, amount: m.amount, cumulative: m.cumulative })
            .collect(),
        settings: s,
    })
}
