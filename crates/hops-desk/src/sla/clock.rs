//! The SLA clocks of a ticket: first response and resolution, on a business [`Calendar`].
//!
//! * Targets are business **minutes** of the calendar; every result (elapsed, remaining) is in
//!   business **microseconds**, exact.
//! * The first-response clock runs from `created_at` until the first reply; it never pauses.
//! * The resolution clock runs from `created_at`, except during [`Stop`]s: pending on the
//!   customer (paused) and resolved (stopped; a reopen ends the stop and the clock runs again).
//!   It is met while the ticket is resolved, at the moment it was resolved.
//! * Everything is judged "as known at `now`": stops and replies after `now` are ignored, and a
//!   stop ending after `now` is still running.
//! * Breach is judged on instants: a clock met exactly at its due instant is in time; one
//!   microsecond later is breached (also when that microsecond falls in closed hours).

use hops_kernel::Instant;

use hops_platform::calendar::{Calendar, MICROS_PER_MINUTE};

/// The targets of a ticket's SLA, in business minutes of its calendar.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Targets {
    /// First reply within this many business minutes; `None` = not measured.
    pub first_response: Option<u32>,
    /// Resolved within this many business minutes; `None` = not measured.
    pub resolution: Option<u32>,
    /// Warn when this percentage of a clock's target has elapsed (e.g. 80 = warn with 20 % of
    /// the time left). A percentage rather than minutes so that one setting fits a 10-minute
    /// and a one-week target alike. `None` = no warnings; values above 100 count as 100 (warn
    /// only at the due instant itself).
    pub warn_at_percent: Option<u8>,
}

/// Why the resolution clock stopped.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum StopReason {
    /// Waiting for the customer (待客户反馈): the clock is paused.
    Pending,
    /// Resolved (已解决): the clock is met; a reopen ends the stop and the clock runs again.
    Resolved,
}

impl StopReason {
    pub fn label(self) -> &'static str {
        match self {
            StopReason::Pending => "待客户反馈",
            StopReason::Resolved => "已解决",
        }
    }
}

/// An interval during which the resolution clock does not run: `[from, to)`, `to = None` while
/// it lasts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Stop {
    pub from: Instant,
    pub to: Option<Instant>,
    pub reason: StopReason,
}

/// What the clocks need to know about a ticket. Stops may come in any order and may overlap
/// (their union counts); a stop before `created_at` counts from `created_at`; a stop with
/// `to <= from` is ignored; a reply before `created_at` counts as at `created_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    pub created_at: Instant,
    pub first_response_at: Option<Instant>,
    pub stops: Vec<Stop>,
}

/// The state of one clock at `now`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ClockState {
    /// The target in business µs; `None` when not measured (then nothing else is set: `due`,
    /// `warn_at`, `breached`, `warning` are empty/false and `remaining` is 0).
    pub target: Option<i64>,
    /// When the target runs out. `None` without a target, and while paused before the target
    /// was reached (the due time depends on when the pause ends). A due time already passed
    /// before a pause stays known.
    pub due: Option<Instant>,
    /// When the warning starts (`warn_at_percent` of the target elapsed); `None` as for `due`,
    /// or without warnings.
    pub warn_at: Option<Instant>,
    /// When the clock was met (first reply; resolution while the ticket is resolved).
    pub met_at: Option<Instant>,
    /// Met after `due`, or not met and `now` is after `due`.
    pub breached: bool,
    /// Not met, not breached, and at least `warn_at_percent` of the target has elapsed (also
    /// while paused in that window).
    pub warning: bool,
    /// Paused now (resolution clock, pending on the customer).
    pub paused: bool,
    /// Business µs left: target − elapsed; negative = overdue by. Frozen while paused and once
    /// met. 0 without a target.
    pub remaining: i64,
    /// Business µs used, up to `met_at` or `now`, stops excluded.
    pub elapsed: i64,
}

impl ClockState {
    /// The clock's state as one value (for lists, filters and attainment).
    pub fn status(&self) -> ClockStatus {
        match (self.target, self.met_at) {
            (None, _) => ClockStatus::NoTarget,
            (Some(_), Some(_)) if self.breached => ClockStatus::MetLate,
            (Some(_), Some(_)) => ClockStatus::MetInTime,
            (Some(_), None) if self.breached => ClockStatus::Breached,
            (Some(_), None) if self.paused => ClockStatus::Paused,
            (Some(_), None) if self.warning => ClockStatus::Warning,
            (Some(_), None) => ClockStatus::Running,
        }
    }

    /// The next instants at which this clock's state changes by itself, for the job queue:
    /// nothing when it has no target, is met or is paused (a reply, a resolve or the end of the
    /// pause changes the timeline, and the service recomputes).
    pub fn alarm(&self, now: Instant) -> Alarm {
        if self.target.is_none() || self.met_at.is_some() || self.paused {
            return Alarm::default();
        }
        Alarm {
            warn_at: self.warn_at.filter(|w| *w > now && !self.warning),
            breach_at: self.due.filter(|d| *d >= now).and_then(|d| d.0.checked_add(1)).map(Instant),
        }
    }
}

/// A clock's state in one word.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClockStatus {
    NoTarget,
    Running,
    Warning,
    Paused,
    Breached,
    MetInTime,
    MetLate,
}

impl ClockStatus {
    pub fn label(self) -> &'static str {
        match self {
            ClockStatus::NoTarget => "无时限",
            ClockStatus::Running => "计时中",
            ClockStatus::Warning => "即将超时",
            ClockStatus::Paused => "已暂停",
            ClockStatus::Breached => "已超时",
            ClockStatus::MetInTime => "按时完成",
            ClockStatus::MetLate => "超时完成",
        }
    }
}

/// Both clocks of a ticket at `now`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Sla {
    pub first_response: ClockState,
    pub resolution: ClockState,
}

/// When a job should wake up for one clock.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Alarm {
    /// The warning starts then (only when still ahead of `now`).
    pub warn_at: Option<Instant>,
    /// The first instant judged breached, `due` + 1 µs (only when still ahead of `now`).
    pub breach_at: Option<Instant>,
}

/// The alarms of both clocks.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Alarms {
    pub first_response: Alarm,
    pub resolution: Alarm,
}

/// Evaluates both clocks of `timeline` at `now`.
pub fn evaluate(calendar: &Calendar, targets: &Targets, timeline: &Timeline, now: Instant) -> Sla {
    let created = timeline.created_at;
    let replied = timeline.first_response_at.filter(|r| *r <= now).map(|r| r.max(created));
    let first_response = clock(calendar, created, &[], targets.first_response, targets.warn_at_percent, replied, now);

    // Met while a resolved stop is running at `now`: at the earliest such stop's start.
    let resolved = timeline
        .stops
        .iter()
        .filter(|s| s.reason == StopReason::Resolved && s.from <= now && s.to.is_none_or(|to| to > now))
        .map(|s| s.from.max(created))
        .min();
    // Judged as known at `judge`: the stops that began before it (at `now`: up to and
    // including it), any still running at `judge` open-ended.
    let judge = resolved.unwrap_or(now);
    let mut known: Vec<(Instant, Option<Instant>)> = timeline
        .stops
        .iter()
        .filter(|s| if resolved.is_some() { s.from < judge } else { s.from <= judge })
        .map(|s| (s.from.max(created), s.to.filter(|to| *to <= judge)))
        .filter(|(from, to)| to.is_none_or(|to| to > *from))
        .collect();
    known.sort_by_key(|(from, _)| *from);
    let stops = merge(known);
    let resolution = clock(calendar, created, &stops, targets.resolution, targets.warn_at_percent, resolved, now);
    Sla { first_response, resolution }
}

/// The alarms of both clocks at `now` (see [`ClockState::alarm`]): the service schedules jobs
/// at these instants and re-evaluates when they fire.
pub fn breach_at(calendar: &Calendar, targets: &Targets, timeline: &Timeline, now: Instant) -> Alarms {
    let sla = evaluate(calendar, targets, timeline, now);
    Alarms { first_response: sla.first_response.alarm(now), resolution: sla.resolution.alarm(now) }
}

/// Counts of one clock over many tickets. Clocks without a target are only in `no_target`.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Met at or before the due instant.
    pub met_in_time: u64,
    /// Met late, or not met and past due.
    pub breached: u64,
    /// Not met and not (yet) breached, paused included.
    pub open: u64,
    pub no_target: u64,
}

impl Tally {
    /// The on-time rate in basis points (10000 = 100 %), `met_in_time / (met_in_time +
    /// breached)` rounded half up; `None` when nothing is judged yet.
    pub fn on_time_basis_points(&self) -> Option<u64> {
        let judged = self.met_in_time + self.breached;
        (judged > 0).then(|| (self.met_in_time * 20_000 + judged) / (2 * judged))
    }

    fn count(&mut self, state: &ClockState) {
        match state.status() {
            ClockStatus::NoTarget => self.no_target += 1,
            ClockStatus::MetInTime => self.met_in_time += 1,
            ClockStatus::MetLate | ClockStatus::Breached => self.breached += 1,
            ClockStatus::Running | ClockStatus::Warning | ClockStatus::Paused => self.open += 1,
        }
    }
}

/// Attainment of both clocks.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Attainment {
    pub first_response: Tally,
    pub resolution: Tally,
}

/// Counts met-in-time / breached / open per clock over evaluated SLAs.
pub fn attainment<'a>(slas: impl IntoIterator<Item = &'a Sla>) -> Attainment {
    let mut out = Attainment::default();
    for sla in slas {
        out.first_response.count(&sla.first_response);
        out.resolution.count(&sla.resolution);
    }
    out
}

/// Sorted stops → disjoint stops; an open-ended stop swallows everything after it.
fn merge(sorted: Vec<(Instant, Option<Instant>)>) -> Vec<(Instant, Option<Instant>)> {
    let mut out: Vec<(Instant, Option<Instant>)> = Vec::new();
    for (from, to) in sorted {
        if let Some(last) = out.last_mut() {
            match last.1 {
                None => break,
                Some(end) if from <= end => {
                    last.1 = to.map(|to| to.max(end));
                    continue;
                }
                Some(_) => {}
            }
        }
        out.push((from, to));
    }
    out
}

/// One clock from `start` with disjoint sorted `stops`, judged at `met_at` (or `now`).
fn clock(
    calendar: &Calendar,
    start: Instant,
    stops: &[(Instant, Option<Instant>)],
    target_minutes: Option<u32>,
    warn_at_percent: Option<u8>,
    met_at: Option<Instant>,
    now: Instant,
) -> ClockState {
    let judge = met_at.unwrap_or(now);
    let elapsed = running_between(calendar, start, stops, judge);
    let paused = met_at.is_none() && stops.last().is_some_and(|(from, to)| to.is_none() && *from <= now);
    let Some(minutes) = target_minutes else {
        return ClockState {
            target: None,
            due: None,
            warn_at: None,
            met_at,
            breached: false,
            warning: false,
            paused,
            remaining: 0,
            elapsed,
        };
    };
    let target = i64::from(minutes) * MICROS_PER_MINUTE;
    let due = reach(calendar, start, stops, target);
    let warn_threshold = warn_at_percent.map(|p| {
        // i128: a target of u32::MAX minutes times 100 does not fit in i64.
        let t = i128::from(target) * i128::from(p.min(100)) / 100;
        i64::try_from(t).unwrap_or(target)
    });
    let warn_at = warn_threshold.and_then(|w| reach(calendar, start, stops, w));
    let breached = due.is_some_and(|d| judge > d);
    let warning = met_at.is_none() && !breached && warn_threshold.is_some_and(|w| elapsed >= w);
    ClockState { target: Some(target), due, warn_at, met_at, breached, warning, paused, remaining: target - elapsed, elapsed }
}

/// Business µs in `[start, until)` outside the stops.
fn running_between(calendar: &Calendar, start: Instant, stops: &[(Instant, Option<Instant>)], until: Instant) -> i64 {
    let mut total = calendar.open_between(start, until);
    for (from, to) in stops {
        let end = to.map_or(until, |to| to.min(until));
        total -= calendar.open_between(*from, end);
    }
    total
}

/// The earliest instant at which `business_us` of running time has elapsed since `start`,
/// skipping the stops; `None` when it falls after an open-ended stop (not known yet).
fn reach(calendar: &Calendar, start: Instant, stops: &[(Instant, Option<Instant>)], business_us: i64) -> Option<Instant> {
    let mut cursor = start;
    let mut remaining = business_us;
    for (from, to) in stops {
        if *from >= cursor {
            let candidate = calendar.add(cursor, remaining)?;
            if candidate <= *from {
                return Some(candidate);
            }
            remaining -= calendar.open_between(cursor, *from);
        }
        cursor = cursor.max((*to)?);
    }
    calendar.add(cursor, remaining)
}

#[cfg(test)]
#[path = "clock_tests.rs"]
mod tests;
