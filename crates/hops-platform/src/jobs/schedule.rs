//! Recurring work: a module declares what runs when ([`crate::web::Module::schedules`]), in
//! China time, working days taken from each hospital's business calendar; the scheduler
//! enqueues one job per hospital and due time (its idempotency key is the due time, so two
//! servers, or a restart, never enqueue a time twice), and the workers run it like any job.
//!
//! After downtime only the latest missed time runs, once: a daily job that missed three days
//! runs once when the server is back, not three times.

use std::sync::Arc;

use hops_kernel::{HospitalId, Instant, LocalDay};
use serde::{Deserialize, Serialize};

use super::{Enqueue, Job, JobHandler, enqueue};
use crate::core::Core;
use crate::error::Result;

/// When recurring work falls due, China time (Asia/Shanghai, no daylight saving).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Every {
    /// Every `n` minutes from midnight (`n` from 1 to 720, dividing the day evenly).
    Minutes(u16),
    /// Every day at `hour:minute`.
    Day { hour: u8, minute: u8 },
    /// Every working day of the hospital's business calendar (weekends, public holidays and
    /// 调休 make-up days) at `hour:minute`.
    Workday { hour: u8, minute: u8 },
    /// Every week on `weekday` (1 = Monday … 7 = Sunday) at `hour:minute`.
    Week { weekday: u8, hour: u8, minute: u8 },
    /// Every month on `day` (1–28) at `hour:minute`.
    Month { day: u8, hour: u8, minute: u8 },
}

/// How far back (or ahead) a due day is looked for: a month's, and the longest run of days
/// off (the Spring Festival's) are well under this.
const WORKDAY_LOOKBACK: i32 = 40;

impl Every {
    /// Whether the rule is well formed (checked when the job system starts).
    pub fn check(self) -> std::result::Result<(), String> {
        let time_ok = |h: u8, m: u8| h < 24 && m < 60;
        let ok = match self {
            Every::Minutes(n) => (1..=720).contains(&n) && 1440 % n == 0,
            Every::Day { hour, minute } | Every::Workday { hour, minute } => time_ok(hour, minute),
            Every::Week { weekday, hour, minute } => (1..=7).contains(&weekday) && time_ok(hour, minute),
            Every::Month { day, hour, minute } => (1..=28).contains(&day) && time_ok(hour, minute),
        };
        if ok { Ok(()) } else { Err(format!("invalid schedule {self:?}")) }
    }

    /// Whether the rule needs the hospital's working days.
    pub fn needs_calendar(self) -> bool {
        matches!(self, Every::Workday { .. })
    }

    /// The rule in Chinese, for the console.
    pub fn label_zh(self) -> String {
        const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
        match self {
            Every::Minutes(n) if n % 60 == 0 => format!("每 {} 小时", n / 60),
            Every::Minutes(n) => format!("每 {n} 分钟"),
            Every::Day { hour, minute } => format!("每天 {hour:02}:{minute:02}"),
            Every::Workday { hour, minute } => format!("每个工作日 {hour:02}:{minute:02}"),
            Every::Week { weekday, hour, minute } => {
                format!("每周{} {hour:02}:{minute:02}", WEEKDAYS[usize::from(weekday.clamp(1, 7) - 1)])
            }
            Every::Month { day, hour, minute } => format!("每月 {day} 日 {hour:02}:{minute:02}"),
        }
    }

    /// The latest time the rule fell due at or before `now`; `None` when none did within the
    /// look-back (a calendar without working days).
    pub fn latest(self, now: Instant, is_workday: impl Fn(LocalDay) -> bool) -> Option<Instant> {
        if let Every::Minutes(n) = self {
            let (step, start) = (i64::from(n) * 60_000_000, now.local_day().start());
            return Some(Instant(start.0 + (now.0 - start.0).div_euclid(step) * step));
        }
        let today = now.local_day();
        (0..=WORKDAY_LOOKBACK).filter_map(|back| self.on(today.plus_days(-back), &is_workday)).find(|t| *t <= now)
    }

    /// The first time the rule falls due after `now`; `None` when none does within the look-ahead.
    pub fn next(self, now: Instant, is_workday: impl Fn(LocalDay) -> bool) -> Option<Instant> {
        if let Every::Minutes(n) = self {
            return self.latest(now, |_| true).map(|t| t.plus_seconds(i64::from(n) * 60));
        }
        let today = now.local_day();
        (0..=WORKDAY_LOOKBACK).filter_map(|ahead| self.on(today.plus_days(ahead), &is_workday)).find(|t| *t > now)
    }

    /// When the rule falls due on `day`, if it does (day rules only).
    fn on(self, day: LocalDay, is_workday: &impl Fn(LocalDay) -> bool) -> Option<Instant> {
        let (due, hour, minute) = match self {
            Every::Minutes(_) => return None,
            Every::Day { hour, minute } => (true, hour, minute),
            Every::Workday { hour, minute } => (is_workday(day), hour, minute),
            Every::Week { weekday, hour, minute } => (day.weekday().to_monday_one_offset() == weekday as i8, hour, minute),
            Every::Month { day: d, hour, minute } => (day.to_date().day() == d as i8, hour, minute),
        };
        due.then(|| day.start().plus_seconds(i64::from(hour) * 3600 + i64::from(minute) * 60))
    }
}

/// The payload of a scheduled job: the time it fell due.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Tick {
    due_at: i64,
}

impl Tick {
    pub fn due(self) -> Instant {
        Instant(self.due_at)
    }
}

/// A recurring job: its kind (a [`Job`] taking a [`Tick`]) and when it runs.
#[derive(Clone)]
pub struct Schedule {
    pub every: Every,
    pub(crate) handler: Arc<dyn JobHandler>,
}

impl Schedule {
    /// Runs `job` per hospital `every` so often.
    pub fn new<J: Job<Payload = Tick>>(job: J, every: Every) -> Schedule {
        Schedule { every, handler: Arc::new(job) }
    }

    /// What it does, in Chinese: its job's label.
    pub fn label_zh(&self) -> &'static str {
        self.handler.label_zh()
    }

    pub fn kind(&self) -> &'static str {
        self.handler.kind()
    }
}

/// Enqueues every schedule's latest due time for every hospital, unless enqueued already.
/// Run by the scheduler every half minute; callable directly (tests, the command line).
/// Returns how many jobs it created.
pub async fn enqueue_due(core: &Arc<Core>) -> Result<usize> {
    let schedules = core.jobs.schedules.clone();
    if schedules.is_empty() {
        return Ok(0);
    }
    let now = core.now();
    let mut created = 0;
    for hospital in crate::accounts::service::all_hospitals(core).await? {
        let access = core.act_as_system(hospital.id);
        let calendar = match schedules.iter().any(|s| s.every.needs_calendar()) {
            true => Some(crate::calendar::service::public_days(&access).await?),
            false => None,
        };
        let is_workday = |d: LocalDay| calendar.as_ref().is_some_and(|c| c.is_workday(d));
        let mut tx = None;
        let mut due_now: Vec<(&Schedule, Instant)> = Vec::new();
        for s in schedules.iter() {
            let Some(due) = s.every.latest(now, is_workday) else { continue };
            if remembered(core, hospital.id, s.kind()) != Some(due) {
                due_now.push((s, due));
            }
        }
        for (s, due) in &due_now {
            let tx = match &mut tx {
                Some(tx) => tx,
                None => tx.insert(access.tenant().write().await?),
            };
            let key = due.format_minute();
            let e = Enqueue { kind: s.kind(), payload: serde_json::to_string(&Tick { due_at: due.0 }), idem_key: Some(&key), run_at: None };
            if enqueue(&access, tx, e).await?.1 {
                created += 1;
            }
        }
        if let Some(tx) = tx {
            tx.commit().await?;
            for (s, due) in due_now {
                remember(core, hospital.id, s.kind(), due);
            }
        }
    }
    Ok(created)
}

/// A schedule as the console shows it for one hospital.
pub struct Overview {
    pub label_zh: &'static str,
    pub rule_zh: String,
    /// The latest run enqueued: its due time (`YYYY-MM-DD HH:MM`) and the job's state.
    pub last: Option<(String, super::Status)>,
    pub next: Option<Instant>,
}

/// Every schedule of the application for the caller's hospital: rule, latest run, next due.
pub async fn overview(access: &crate::Access) -> Result<Vec<Overview>> {
    access.require(crate::Permission::JobsManage)?;
    let schedules = access.core().jobs.schedules.clone();
    let calendar = crate::calendar::service::public_days(access).await?;
    let mut c = access.tenant().read().await?;
    let mut out = Vec::with_capacity(schedules.len());
    for s in schedules.iter() {
        let last =
            super::store::last_of_kind(&mut c, s.kind()).await?.map(|j| (j.idem_key.unwrap_or_else(|| j.run_at.format_minute()), j.status));
        let next = s.every.next(access.now(), |d| calendar.is_workday(d));
        out.push(Overview { label_zh: s.label_zh(), rule_zh: s.every.label_zh(), last, next });
    }
    Ok(out)
}

fn remembered(core: &Core, hospital: HospitalId, kind: &'static str) -> Option<Instant> {
    core.jobs.enqueued.lock().unwrap_or_else(|p| p.into_inner()).get(&(hospital, kind)).copied()
}

fn remember(core: &Core, hospital: HospitalId, kind: &'static str, due: Instant) {
    core.jobs.enqueued.lock().unwrap_or_else(|p| p.into_inner()).insert((hospital, kind), due);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: &str, hour: i64, minute: i64) -> Instant {
        LocalDay::parse(day).unwrap().start().plus_seconds(hour * 3600 + minute * 60)
    }

    #[test]
    fn the_latest_due_time_is_at_or_before_now() {
        let now = at("2026-12-07", 15, 10); // a Monday
        let any = |_: LocalDay| true;
        assert_eq!(Every::Minutes(15).latest(now, any), Some(at("2026-12-07", 15, 0)));
        assert_eq!(Every::Minutes(15).latest(at("2026-12-07", 15, 0), any), Some(at("2026-12-07", 15, 0)));
        assert_eq!(Every::Day { hour: 7, minute: 0 }.latest(now, any), Some(at("2026-12-07", 7, 0)));
        assert_eq!(Every::Day { hour: 16, minute: 0 }.latest(now, any), Some(at("2026-12-06", 16, 0)));
        assert_eq!(Every::Week { weekday: 5, hour: 9, minute: 0 }.latest(now, any), Some(at("2026-12-04", 9, 0)));
        assert_eq!(Every::Week { weekday: 1, hour: 9, minute: 0 }.latest(now, any), Some(at("2026-12-07", 9, 0)));
        assert_eq!(Every::Week { weekday: 1, hour: 16, minute: 0 }.latest(now, any), Some(at("2026-11-30", 16, 0)));
        assert_eq!(Every::Month { day: 1, hour: 8, minute: 0 }.latest(now, any), Some(at("2026-12-01", 8, 0)));
        assert_eq!(Every::Month { day: 8, hour: 8, minute: 0 }.latest(now, any), Some(at("2026-11-08", 8, 0)));
    }

    #[test]
    fn the_next_due_time_is_after_now() {
        let now = at("2026-12-07", 15, 10); // a Monday
        let any = |_: LocalDay| true;
        assert_eq!(Every::Minutes(15).next(now, any), Some(at("2026-12-07", 15, 15)));
        assert_eq!(Every::Minutes(15).next(at("2026-12-07", 15, 0), any), Some(at("2026-12-07", 15, 15)));
        assert_eq!(Every::Day { hour: 7, minute: 0 }.next(now, any), Some(at("2026-12-08", 7, 0)));
        assert_eq!(Every::Day { hour: 16, minute: 0 }.next(now, any), Some(at("2026-12-07", 16, 0)));
        assert_eq!(Every::Week { weekday: 1, hour: 9, minute: 0 }.next(now, any), Some(at("2026-12-14", 9, 0)));
        assert_eq!(Every::Month { day: 1, hour: 8, minute: 0 }.next(now, any), Some(at("2027-01-01", 8, 0)));
        let no_weekend = |d: LocalDay| d.weekday().to_monday_zero_offset() < 5;
        assert_eq!(Every::Workday { hour: 9, minute: 0 }.next(at("2026-12-11", 10, 0), no_weekend), Some(at("2026-12-14", 9, 0)));
    }

    #[test]
    fn working_days_follow_the_calendar() {
        // 2026-10-01..07 off (National Day), Saturday 2026-10-10 a make-up working day.
        let off = |d: LocalDay| {
            let s = d.to_string();
            s.as_str() >= "2026-10-01" && s.as_str() <= "2026-10-07"
        };
        let workday = |d: LocalDay| d.to_string() == "2026-10-10" || (d.weekday().to_monday_zero_offset() < 5 && !off(d));
        let rule = Every::Workday { hour: 9, minute: 0 };
        assert_eq!(rule.latest(at("2026-10-07", 12, 0), workday), Some(at("2026-09-30", 9, 0)), "the holiday week is skipped");
        assert_eq!(rule.latest(at("2026-10-10", 9, 30), workday), Some(at("2026-10-10", 9, 0)), "a make-up Saturday runs");
        assert_eq!(rule.latest(at("2026-10-11", 9, 30), workday), Some(at("2026-10-10", 9, 0)), "an ordinary Sunday does not");
        assert_eq!(rule.latest(at("2026-10-11", 9, 30), |_| false), None);
    }

    #[test]
    fn rules_are_checked_and_read_in_chinese() {
        assert!(Every::Minutes(7).check().is_err(), "7 does not divide a day");
        assert!(Every::Minutes(0).check().is_err());
        assert!(Every::Day { hour: 24, minute: 0 }.check().is_err());
        assert!(Every::Month { day: 29, hour: 1, minute: 0 }.check().is_err());
        assert!(Every::Week { weekday: 0, hour: 1, minute: 0 }.check().is_err());
        assert!(Every::Workday { hour: 9, minute: 30 }.check().is_ok());
        assert_eq!(Every::Workday { hour: 9, minute: 30 }.label_zh(), "每个工作日 09:30");
        assert_eq!(Every::Week { weekday: 7, hour: 8, minute: 0 }.label_zh(), "每周日 08:00");
        assert_eq!(Every::Minutes(120).label_zh(), "每 2 小时");
    }
}
