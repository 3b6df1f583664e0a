//! Business calendars: when clocks run (SLA, schedules, quotas, rosters).
//!
//! A [`Calendar`] is a weekly schedule (open intervals per weekday, in minutes of the China local
//! day), plus holidays (closed all day, whatever the schedule says — also on a 7×24 calendar)
//! and make-up workdays (调休上班日: open with the [workday hours](Calendar::workday_hours)).
//!
//! Business time is counted in **microseconds** (`i64`, named `business_us` / "business µs"),
//! exactly, with integer arithmetic only; the conversions walk day by day (and whole weeks at a
//! time when no holiday or make-up workday is in the way), never minute by minute.
//!
//! Text form (see [`Calendar::parse`]): `7x24`, `daily 08:00-20:00`,
//! `mon-fri 08:00-12:00,13:30-17:30; sat 09:00-12:00`, optionally followed by
//! `; holidays 2026-02-15..2026-02-23,2026-04-04` and `; workdays 2026-02-14,2026-02-28`.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use hops_kernel::{Instant, LocalDay};
use thiserror::Error;

/// Microseconds in a minute.
pub const MICROS_PER_MINUTE: i64 = 60_000_000;
/// Minutes in a day; `24:00` is written as minute 1440.
pub const MINUTES_PER_DAY: u16 = 1_440;

const MICROS_PER_DAY: i128 = 86_400_000_000;
const WEEKDAY_CODES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAY_LABELS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];

/// A problem with a calendar or its text form. Parsing and validation return every problem.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CalendarError {
    /// Nothing was given.
    #[error("营业时间不能为空，例如 7x24、daily 08:00-20:00 或 mon-fri 08:00-12:00,13:30-17:30")]
    Empty,
    /// A weekday name that is not `mon` … `sun`.
    #[error("无法识别的星期：“{0}”，可用 mon、tue、wed、thu、fri、sat、sun，或 mon-fri 这样的范围")]
    UnknownWeekday(String),
    /// A weekday range that runs backwards (`fri-mon`).
    #[error("星期范围颠倒：“{0}”，应从前往后写，例如 mon-fri")]
    ReversedWeekdays(String),
    /// A weekday given twice.
    #[error("{0}的营业时间重复设置")]
    DuplicateWeekday(&'static str),
    /// A clause with weekdays but no intervals.
    #[error("“{0}”缺少营业时间段，例如 mon-fri 08:00-17:30；休息日写 closed 或不写")]
    MissingIntervals(String),
    /// An interval that is not `HH:MM-HH:MM`.
    #[error("时间段格式无效：“{0}”，应为 08:00-12:00 这样的形式")]
    InvalidInterval(String),
    /// A time of day outside 00:00–24:00 (or minutes ≥ 60).
    #[error("时间超出范围：“{0}”，应在 00:00 到 24:00 之间")]
    MinuteOutOfRange(String),
    /// An interval whose start is not before its end.
    #[error("时间段开始时间须早于结束时间：“{0}”")]
    ReversedInterval(String),
    /// Two intervals of the same weekday overlap.
    #[error("{day}的时间段重叠：{first} 与 {second}")]
    OverlappingIntervals { day: &'static str, first: String, second: String },
    /// The weekly schedule has no open time at all: SLA clocks would never run.
    #[error("每周没有任何营业时间，SLA 无法计时")]
    NoOpenHours,
    /// A date that is not `2026-02-15` (or a range not `2026-02-15..2026-02-23`).
    #[error("日期无效：“{0}”，应为 2026-02-15 或 2026-02-15..2026-02-23")]
    InvalidDate(String),
    /// A date range that runs backwards.
    #[error("日期范围颠倒：“{0}”")]
    ReversedDates(String),
    /// A day that is both a holiday and a make-up workday.
    #[error("{0} 不能同时是节假日和调休上班日")]
    HolidayAndWorkday(LocalDay),
    /// A `holidays` or `workdays` clause without dates.
    #[error("“{0}”缺少日期，例如 holidays 2026-10-01..2026-10-07")]
    MissingDates(String),
    /// `holidays` or `workdays` given twice.
    #[error("“{0}”重复设置")]
    DuplicateClause(&'static str),
}

/// An open interval of a day, `[start, end)` in minutes after local midnight; `end` may be 1440
/// (24:00).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    start: u16,
    end: u16,
}

impl Interval {
    /// The whole day, 00:00–24:00.
    pub const ALL_DAY: Interval = Interval { start: 0, end: MINUTES_PER_DAY };

    /// `[start, end)` in minutes of the day; `start < end <= 1440`.
    pub fn new(start: u16, end: u16) -> Result<Interval, CalendarError> {
        if start >= MINUTES_PER_DAY || end > MINUTES_PER_DAY {
            return Err(CalendarError::MinuteOutOfRange(format!("{}-{}", hhmm(start), hhmm(end))));
        }
        if start >= end {
            return Err(CalendarError::ReversedInterval(format!("{}-{}", hhmm(start), hhmm(end))));
        }
        Ok(Interval { start, end })
    }

    /// For presets whose values are known to be valid (checked by tests).
    pub const fn new_unchecked(start: u16, end: u16) -> Interval {
        Interval { start, end }
    }

    /// Start, minutes after midnight.
    pub fn start(self) -> u16 {
        self.start
    }

    /// End (exclusive), minutes after midnight; 1440 is 24:00.
    pub fn end(self) -> u16 {
        self.end
    }

    /// Length in microseconds.
    pub fn len_us(self) -> i64 {
        i64::from(self.end - self.start) * MICROS_PER_MINUTE
    }

    fn start_us(self) -> i128 {
        i128::from(self.start) * i128::from(MICROS_PER_MINUTE)
    }

    fn end_us(self) -> i128 {
        i128::from(self.end) * i128::from(MICROS_PER_MINUTE)
    }
}

/// `08:00-12:00`.
impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", hhmm(self.start), hhmm(self.end))
    }
}

fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A business calendar in China local time (UTC+8). Always valid: intervals sorted and disjoint,
/// some open time every week, no day both holiday and make-up workday.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    /// Monday = 0 … Sunday = 6.
    week: [Vec<Interval>; 7],
    holidays: BTreeSet<LocalDay>,
    workdays: BTreeSet<LocalDay>,
}

impl Calendar {
    /// The general constructor: the open intervals of each weekday, Monday first. Intervals are
    /// sorted; overlapping intervals (touching ones are fine) and a week without any open time
    /// are rejected, every problem named.
    pub fn new(week: [Vec<Interval>; 7]) -> Result<Calendar, Vec<CalendarError>> {
        let mut errors = Vec::new();
        let mut week = week;
        for (i, day) in week.iter_mut().enumerate() {
            day.sort();
            for pair in day.windows(2) {
                if pair[1].start < pair[0].end {
                    errors.push(CalendarError::OverlappingIntervals {
                        day: WEEKDAY_LABELS[i],
                        first: pair[0].to_string(),
                        second: pair[1].to_string(),
                    });
                }
            }
        }
        if week.iter().all(Vec::is_empty) {
            errors.push(CalendarError::NoOpenHours);
        }
        if errors.is_empty() { Ok(Calendar { week, holidays: BTreeSet::new(), workdays: BTreeSet::new() }) } else { Err(errors) }
    }

    /// Open around the clock every day (7×24).
    pub fn always() -> Calendar {
        Calendar::from_week_unchecked(std::array::from_fn(|_| vec![Interval::ALL_DAY]))
    }

    /// Open every day from `open` to `close` (minutes of the day): 7×12 08:00–20:00 is
    /// `daily(8 * 60, 20 * 60)`.
    pub fn daily(open: u16, close: u16) -> Result<Calendar, Vec<CalendarError>> {
        let interval = Interval::new(open, close).map_err(|e| vec![e])?;
        Calendar::new(std::array::from_fn(|_| vec![interval]))
    }

    /// Office hours: the same intervals Monday to Friday, weekends closed.
    pub fn weekdays(intervals: &[Interval]) -> Result<Calendar, Vec<CalendarError>> {
        Calendar::new(std::array::from_fn(|i| if i < 5 { intervals.to_vec() } else { Vec::new() }))
    }

    /// For presets whose schedule is known to be valid (checked by tests).
    pub fn from_week_unchecked(week: [Vec<Interval>; 7]) -> Calendar {
        Calendar { week, holidays: BTreeSet::new(), workdays: BTreeSet::new() }
    }

    /// This calendar with these holidays (closed all day) and make-up workdays (open with the
    /// [workday hours](Calendar::workday_hours)), replacing any it had. A day in both sets is
    /// rejected.
    pub fn with_days(self, holidays: BTreeSet<LocalDay>, workdays: BTreeSet<LocalDay>) -> Result<Calendar, Vec<CalendarError>> {
        let both: Vec<CalendarError> = holidays.intersection(&workdays).map(|d| CalendarError::HolidayAndWorkday(*d)).collect();
        if both.is_empty() { Ok(Calendar { holidays, workdays, ..self }) } else { Err(both) }
    }

    /// The weekly schedule, Monday = 0 … Sunday = 6.
    pub fn week(&self) -> &[Vec<Interval>; 7] {
        &self.week
    }

    /// Days closed all day.
    pub fn holidays(&self) -> &BTreeSet<LocalDay> {
        &self.holidays
    }

    /// Make-up workdays (调休上班日).
    pub fn workdays(&self) -> &BTreeSet<LocalDay> {
        &self.workdays
    }

    /// The hours of a make-up workday: Monday's, or if Monday is closed those of the first open
    /// day of the week (Tuesday, …). A make-up workday always gets these hours, whatever its own
    /// weekday's schedule.
    pub fn workday_hours(&self) -> &[Interval] {
        self.week.iter().find(|d| !d.is_empty()).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The open intervals of a day, holidays and make-up workdays applied.
    pub fn hours_on(&self, day: LocalDay) -> &[Interval] {
        if self.holidays.contains(&day) {
            &[]
        } else if self.workdays.contains(&day) {
            self.workday_hours()
        } else {
            &self.week[weekday_index(day)]
        }
    }

    /// Business microseconds of a whole day.
    pub fn open_on(&self, day: LocalDay) -> i64 {
        total_us(self.hours_on(day))
    }

    /// Whether the calendar is open at `t`.
    pub fn is_open(&self, t: Instant) -> bool {
        let day = t.local_day();
        let offset = i128::from(t.0) - day_start(day);
        self.hours_on(day).iter().any(|iv| iv.start_us() <= offset && offset < iv.end_us())
    }

    /// Business microseconds in `[from, to)`; 0 when `to <= from`. Saturates at `i64::MAX`.
    pub fn open_between(&self, from: Instant, to: Instant) -> i64 {
        if to <= from {
            return 0;
        }
        let (d0, d1) = (from.local_day(), to.local_day());
        let off0 = i128::from(from.0) - day_start(d0);
        let off1 = i128::from(to.0) - day_start(d1);
        let total = if d0 == d1 {
            overlap(self.hours_on(d0), off0, off1)
        } else {
            overlap(self.hours_on(d0), off0, MICROS_PER_DAY) + self.whole_days(d0.plus_days(1), d1) + overlap(self.hours_on(d1), 0, off1)
        };
        i64::try_from(total).unwrap_or(i64::MAX)
    }

    /// The earliest instant at which `business_us` business microseconds have elapsed since
    /// `start` (when `start` is outside the hours, the clock starts at the next opening; `start`
    /// itself for 0 or less). `None` only when the answer is beyond the representable instants.
    /// `open_between(start, add(start, d)) == d`, and `add` is monotone in `d`.
    pub fn add(&self, start: Instant, business_us: i64) -> Option<Instant> {
        if business_us <= 0 {
            return Some(start);
        }
        let week_total = self.week_total();
        if week_total == 0 {
            return None;
        }
        let mut remaining = i128::from(business_us);
        let mut day = start.local_day();
        let from = i128::from(start.0) - day_start(day);
        for iv in self.hours_on(day) {
            if iv.end_us() <= from {
                continue;
            }
            let begin = iv.start_us().max(from);
            let available = iv.end_us() - begin;
            if remaining <= available {
                return to_instant(day_start(day) + begin + remaining);
            }
            remaining -= available;
        }
        loop {
            day = next_day(day)?;
            // Skip whole weeks that hold no holiday or make-up workday, while more than a week
            // of business time remains: a year ahead costs a few dozen steps, not 365.
            if remaining > week_total {
                let free_days = self.next_special(day).map_or(i64::MAX, |s| i64::from(s.days_since(day)));
                let weeks = (free_days / 7).min(i64::try_from((remaining - 1) / week_total).unwrap_or(i64::MAX));
                if weeks > 0 {
                    let days = i32::try_from(weeks.saturating_mul(7)).ok()?;
                    day = LocalDay(day.0.checked_add(days)?);
                    remaining -= i128::from(weeks) * week_total;
                }
            }
            for iv in self.hours_on(day) {
                let length = iv.end_us() - iv.start_us();
                if remaining <= length {
                    return to_instant(day_start(day) + iv.start_us() + remaining);
                }
                remaining -= length;
            }
        }
    }

    /// `t` when the calendar is open at `t`, otherwise the start of the next open interval.
    /// `None` only beyond the representable instants.
    pub fn next_open(&self, t: Instant) -> Option<Instant> {
        if self.week_total() == 0 {
            return None;
        }
        let mut day = t.local_day();
        let from = i128::from(t.0) - day_start(day);
        if let Some(iv) = self.hours_on(day).iter().find(|iv| iv.end_us() > from) {
            return to_instant(day_start(day) + iv.start_us().max(from));
        }
        loop {
            day = next_day(day)?;
            if let Some(iv) = self.hours_on(day).first() {
                return to_instant(day_start(day) + iv.start_us());
            }
        }
    }

    /// Reads the text form. Clauses separated by `;` (or `；`), case-insensitive:
    ///
    /// * `7x24` (or `7×24`): every day 00:00–24:00;
    /// * `daily 08:00-20:00`: every day these intervals;
    /// * `mon-fri 08:00-12:00,13:30-17:30`, `sat 09:00-12:00`, `sat,sun closed`: weekdays
    ///   (`mon` … `sun`, ranges and `,` lists) and their intervals (`HH:MM-HH:MM`, `24:00` as an
    ///   end, `,` between intervals); a weekday not mentioned is closed;
    /// * `holidays 2026-10-01..2026-10-07,2026-09-25` and `workdays 2026-09-20`: holidays and
    ///   make-up workdays (dates and inclusive ranges).
    ///
    /// Every problem is returned, each in Chinese.
    pub fn parse(text: &str) -> Result<Calendar, Vec<CalendarError>> {
        parse_calendar(text)
    }

    /// A label for the console: `周一至周五 08:00-12:00、13:30-17:30；周六 09:00-12:00`,
    /// `7×24 小时`, `每天 08:00-20:00`, with `（节假日 N 天，调休上班 M 天）` when there are any.
    pub fn label(&self) -> String {
        let mut out = match self.schedule_shape() {
            Shape::AlwaysOpen => "7×24 小时".to_owned(),
            Shape::Daily(ivs) => format!("每天 {}", join_intervals(ivs, "、")),
            Shape::Runs(runs) => runs
                .iter()
                .map(|(a, b, ivs)| {
                    let days =
                        if a == b { WEEKDAY_LABELS[*a].to_owned() } else { format!("{}至{}", WEEKDAY_LABELS[*a], WEEKDAY_LABELS[*b]) };
                    format!("{days} {}", join_intervals(ivs, "、"))
                })
                .collect::<Vec<_>>()
                .join("；"),
        };
        if !self.holidays.is_empty() || !self.workdays.is_empty() {
            out.push_str(&format!("（节假日 {} 天，调休上班 {} 天）", self.holidays.len(), self.workdays.len()));
        }
        out
    }

    fn week_total(&self) -> i128 {
        self.week.iter().map(|d| i128::from(total_us(d))).sum()
    }

    /// The first holiday or make-up workday on or after `day`.
    fn next_special(&self, day: LocalDay) -> Option<LocalDay> {
        let h = self.holidays.range(day..).next();
        let w = self.workdays.range(day..).next();
        match (h, w) {
            (Some(h), Some(w)) => Some(*h.min(w)),
            (h, w) => h.or(w).copied(),
        }
    }

    /// Business microseconds of the whole days in `[from, to)`, by whole weeks plus the
    /// difference each holiday or make-up workday in the range makes.
    fn whole_days(&self, from: LocalDay, to: LocalDay) -> i128 {
        if to <= from {
            return 0;
        }
        let n = i64::from(to.days_since(from));
        let mut total = i128::from(n / 7) * self.week_total();
        for i in 0..(n % 7) {
            total += i128::from(total_us(&self.week[weekday_index(from.plus_days(i as i32))]));
        }
        let normal = |d: &LocalDay| i128::from(total_us(&self.week[weekday_index(*d)]));
        for d in self.holidays.range(from..to) {
            total -= normal(d);
        }
        for d in self.workdays.range(from..to) {
            total += i128::from(total_us(self.workday_hours())) - normal(d);
        }
        total
    }

    fn schedule_shape(&self) -> Shape<'_> {
        if self.week.iter().all(|d| d.as_slice() == [Interval::ALL_DAY]) {
            return Shape::AlwaysOpen;
        }
        if self.week.iter().all(|d| *d == self.week[0]) {
            return Shape::Daily(&self.week[0]);
        }
        let mut runs: Vec<(usize, usize, &[Interval])> = Vec::new();
        for (i, day) in self.week.iter().enumerate() {
            if day.is_empty() {
                continue;
            }
            match runs.last_mut() {
                Some((_, end, ivs)) if *end + 1 == i && *ivs == day.as_slice() => *end = i,
                _ => runs.push((i, i, day)),
            }
        }
        Shape::Runs(runs)
    }
}

enum Shape<'a> {
    AlwaysOpen,
    Daily(&'a [Interval]),
    Runs(Vec<(usize, usize, &'a [Interval])>),
}

/// The text form [`Calendar::parse`] reads back: `7x24`, `daily 08:00-20:00` or
/// `mon-fri 08:00-12:00,13:30-17:30; sat 09:00-12:00`, then `; holidays …; workdays …` with
/// runs of consecutive days written as `2026-02-15..2026-02-23`.
impl fmt::Display for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut clauses = match self.schedule_shape() {
            Shape::AlwaysOpen => vec!["7x24".to_owned()],
            Shape::Daily(ivs) => vec![format!("daily {}", join_intervals(ivs, ","))],
            Shape::Runs(runs) => runs
                .iter()
                .map(|(a, b, ivs)| {
                    let days = if a == b { WEEKDAY_CODES[*a].to_owned() } else { format!("{}-{}", WEEKDAY_CODES[*a], WEEKDAY_CODES[*b]) };
                    format!("{days} {}", join_intervals(ivs, ","))
                })
                .collect(),
        };
        if !self.holidays.is_empty() {
            clauses.push(format!("holidays {}", date_runs(&self.holidays)));
        }
        if !self.workdays.is_empty() {
            clauses.push(format!("workdays {}", date_runs(&self.workdays)));
        }
        f.write_str(&clauses.join("; "))
    }
}

impl FromStr for Calendar {
    type Err = Vec<CalendarError>;

    fn from_str(s: &str) -> Result<Calendar, Vec<CalendarError>> {
        Calendar::parse(s)
    }
}

fn join_intervals(ivs: &[Interval], sep: &str) -> String {
    ivs.iter().map(Interval::to_string).collect::<Vec<_>>().join(sep)
}

fn date_runs(days: &BTreeSet<LocalDay>) -> String {
    let mut runs: Vec<(LocalDay, LocalDay)> = Vec::new();
    for d in days {
        match runs.last_mut() {
            Some((_, end)) if end.plus_days(1) == *d => *end = *d,
            _ => runs.push((*d, *d)),
        }
    }
    runs.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}..{b}") }).collect::<Vec<_>>().join(",")
}

fn weekday_index(day: LocalDay) -> usize {
    day.weekday().to_monday_zero_offset().unsigned_abs() as usize
}

fn total_us(ivs: &[Interval]) -> i64 {
    ivs.iter().map(|iv| iv.len_us()).sum()
}

/// Local midnight of `day` in µs since the epoch, without overflow.
fn day_start(day: LocalDay) -> i128 {
    i128::from(day.0) * MICROS_PER_DAY + i128::from(LocalDay(0).start().0)
}

fn day_start_checked(day: LocalDay) -> Option<i64> {
    i64::try_from(day_start(day)).ok()
}

fn next_day(day: LocalDay) -> Option<LocalDay> {
    let next = LocalDay(day.0.checked_add(1)?);
    day_start_checked(next)?;
    Some(next)
}

fn to_instant(us: i128) -> Option<Instant> {
    i64::try_from(us).ok().map(Instant)
}

/// Business µs of `ivs` inside `[from, to)` (offsets from midnight).
fn overlap(ivs: &[Interval], from: i128, to: i128) -> i128 {
    ivs.iter().map(|iv| (iv.end_us().min(to) - iv.start_us().max(from)).max(0)).sum()
}

// ---- text form ----

fn parse_calendar(text: &str) -> Result<Calendar, Vec<CalendarError>> {
    let mut errors = Vec::new();
    let mut week: [Option<Vec<Interval>>; 7] = Default::default();
    let mut holidays: Option<BTreeSet<LocalDay>> = None;
    let mut workdays: Option<BTreeSet<LocalDay>> = None;
    let normalized = text.replace('；', ";").replace('，', ",").replace('×', "x").replace('：', ":").to_lowercase();
    let clauses: Vec<&str> = normalized.split(';').map(str::trim).filter(|c| !c.is_empty()).collect();
    if clauses.is_empty() {
        return Err(vec![CalendarError::Empty]);
    }
    for clause in clauses {
        let (head, body) = match clause.split_once(char::is_whitespace) {
            Some((h, b)) => (h, b.split_whitespace().collect::<String>()),
            None => (clause, String::new()),
        };
        let days: Vec<usize> = match head {
            "7x24" => {
                if !body.is_empty() {
                    errors.push(CalendarError::InvalidInterval(body.clone()));
                }
                set_days(&mut week, &(0..7).collect::<Vec<_>>(), vec![Interval::ALL_DAY], &mut errors);
                continue;
            }
            "holidays" | "workdays" => {
                let (slot, name) = if head == "holidays" { (&mut holidays, "holidays") } else { (&mut workdays, "workdays") };
                if slot.is_some() {
                    errors.push(CalendarError::DuplicateClause(name));
                }
                if body.is_empty() {
                    errors.push(CalendarError::MissingDates(clause.to_owned()));
                }
                let set = slot.get_or_insert_with(BTreeSet::new);
                parse_dates(&body, set, &mut errors);
                continue;
            }
            "daily" => (0..7).collect(),
            _ => parse_weekdays(head).unwrap_or_else(|e| {
                errors.push(e);
                Vec::new()
            }),
        };
        if body.is_empty() {
            errors.push(CalendarError::MissingIntervals(clause.to_owned()));
            continue;
        }
        let intervals = if body == "closed" { Vec::new() } else { parse_intervals(&body, &mut errors) };
        set_days(&mut week, &days, intervals, &mut errors);
    }
    let holidays = holidays.unwrap_or_default();
    let workdays = workdays.unwrap_or_default();
    errors.extend(holidays.intersection(&workdays).map(|d| CalendarError::HolidayAndWorkday(*d)));
    let week = week.map(Option::unwrap_or_default);
    match Calendar::new(week) {
        Ok(calendar) if errors.is_empty() => Ok(Calendar { holidays, workdays, ..calendar }),
        Ok(_) => Err(errors),
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

fn set_days(week: &mut [Option<Vec<Interval>>; 7], days: &[usize], intervals: Vec<Interval>, errors: &mut Vec<CalendarError>) {
    for &d in days {
        if week[d].is_some() {
            errors.push(CalendarError::DuplicateWeekday(WEEKDAY_LABELS[d]));
        } else {
            week[d] = Some(intervals.clone());
        }
    }
}

fn weekday_code(s: &str) -> Option<usize> {
    WEEKDAY_CODES.iter().position(|c| *c == s)
}

fn parse_weekdays(head: &str) -> Result<Vec<usize>, CalendarError> {
    let mut days = Vec::new();
    for part in head.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (
                    weekday_code(a).ok_or_else(|| CalendarError::UnknownWeekday(a.to_owned()))?,
                    weekday_code(b).ok_or_else(|| CalendarError::UnknownWeekday(b.to_owned()))?,
                );
                if a > b {
                    return Err(CalendarError::ReversedWeekdays(part.to_owned()));
                }
                days.extend(a..=b);
            }
            None => days.push(weekday_code(part).ok_or_else(|| CalendarError::UnknownWeekday(part.to_owned()))?),
        }
    }
    if days.is_empty() {
        return Err(CalendarError::UnknownWeekday(head.to_owned()));
    }
    Ok(days)
}

fn parse_intervals(body: &str, errors: &mut Vec<CalendarError>) -> Vec<Interval> {
    let mut out = Vec::new();
    for part in body.split(',').filter(|p| !p.is_empty()) {
        match parse_interval(part) {
            Ok(iv) => out.push(iv),
            Err(e) => errors.push(e),
        }
    }
    out
}

fn parse_interval(part: &str) -> Result<Interval, CalendarError> {
    let invalid = || CalendarError::InvalidInterval(part.to_owned());
    let (a, b) = part.split_once(['-', '–', '~']).ok_or_else(invalid)?;
    let (a, b) = (parse_hhmm(a).ok_or_else(invalid)?, parse_hhmm(b).ok_or_else(invalid)?);
    if a >= MINUTES_PER_DAY || b > MINUTES_PER_DAY {
        return Err(CalendarError::MinuteOutOfRange(part.to_owned()));
    }
    if a >= b {
        return Err(CalendarError::ReversedInterval(part.to_owned()));
    }
    Ok(Interval { start: a, end: b })
}

/// `HH:MM` → minutes; hours and minutes are range-checked (`24:00` allowed, `24:30` and
/// `08:60` out of range → a value above 1440).
fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    let digits = |p: &str| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || m.len() != 2 || !digits(m) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return Some(u16::MAX);
    }
    Some(h * 60 + m)
}

fn parse_dates(body: &str, set: &mut BTreeSet<LocalDay>, errors: &mut Vec<CalendarError>) {
    for part in body.split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once("..").unwrap_or((part, part));
        match (LocalDay::parse(a), LocalDay::parse(b)) {
            (Ok(a), Ok(b)) if a <= b => {
                // A range of more than ten years is a typing mistake, not a holiday.
                if b.days_since(a) > 3_660 {
                    errors.push(CalendarError::InvalidDate(part.to_owned()));
                    continue;
                }
                let mut d = a;
                while d <= b {
                    set.insert(d);
                    d = d.plus_days(1);
                }
            }
            (Ok(_), Ok(_)) => errors.push(CalendarError::ReversedDates(part.to_owned())),
            _ => errors.push(CalendarError::InvalidDate(part.to_owned())),
        }
    }
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
