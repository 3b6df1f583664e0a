//! Time in the Asia/Shanghai calendar.
//!
//! * [`Instant`]: a point in time, integer microseconds since the Unix epoch (UTC); what the
//!   database stores.
//! * [`LocalDay`]: a calendar day in China, integer days since 1970-01-01. China has used UTC+8
//!   without daylight saving time since 1991, so `day = floor((µs + 8 h) / 1 day)`; every
//!   conversion in this module uses that fixed offset (also for older instants, where the real
//!   Asia/Shanghai rules briefly had DST in 1986–1991; only [`Instant::to_shanghai`] follows the
//!   tz database).
//! * [`Clock`]: the only way the current time enters the system ([`SystemClock`] in production,
//!   [`ManualClock`] in tests).
//! * [`Period`] / [`PeriodRange`]: reporting periods (week, month, quarter, half year, year).

mod clock;
mod period;

pub use clock::{Clock, ManualClock, SystemClock};
pub use period::{DaySpan, Period, PeriodRange};

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::Zoned;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::{Offset, TimeZone};
use thiserror::Error;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;
const SHANGHAI_OFFSET_MICROS: i64 = 8 * 3_600 * MICROS_PER_SECOND;
const SHANGHAI_OFFSET: Offset = Offset::constant(8);

/// A time or date the user typed (or an import file contained) could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimeError {
    /// Nothing was given where a time was required.
    #[error("时间不能为空")]
    EmptyInstant,
    /// The text is not a recognised date-time.
    #[error("时间格式无效：“{0}”，应为 2026-11-22 08:00、2026-11-22 08:00:00 或带时区的 ISO 8601 时间")]
    InvalidInstant(String),
    /// Nothing was given where a date was required.
    #[error("日期不能为空")]
    EmptyDate,
    /// The text is not of the form `2026-11-22`.
    #[error("日期格式无效：“{0}”，应为 2026-11-22")]
    InvalidDate(String),
    /// Well-formed, but no such day exists (e.g. 2026-02-30).
    #[error("日期不存在：“{0}”")]
    NonexistentDate(String),
    /// The value is outside the supported range (years -9999 to 9999).
    #[error("时间超出支持范围：“{0}”")]
    OutOfRange(String),
    /// Not one of `week`, `month`, `quarter`, `half`, `year`.
    #[error("未知的统计周期：“{0}”，可选 week（周）、month（月）、quarter（季度）、half（半年）、year（年）")]
    UnknownPeriod(String),
}

/// A point in time: microseconds since 1970-01-01T00:00:00Z.
///
/// Arithmetic saturates at the ends of the `i64` range instead of overflowing.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Instant(pub i64);

impl Instant {
    /// The Unix epoch.
    pub const EPOCH: Instant = Instant(0);

    /// Converts from a jiff timestamp (sub-microsecond precision is dropped).
    pub fn from_timestamp(ts: Timestamp) -> Instant {
        Instant(ts.as_microsecond())
    }

    /// Converts to a jiff timestamp. Values beyond jiff's range (years -9999..=9999) are clamped
    /// to `Timestamp::MIN` / `Timestamp::MAX`.
    pub fn to_timestamp(self) -> Timestamp {
        Timestamp::from_microsecond(self.0).unwrap_or(if self.0 < 0 { Timestamp::MIN } else { Timestamp::MAX })
    }

    /// This instant plus `seconds` (may be negative).
    pub fn plus_seconds(self, seconds: i64) -> Instant {
        Instant(self.0.saturating_add(seconds.saturating_mul(MICROS_PER_SECOND)))
    }

    /// This instant plus `minutes` (may be negative).
    pub fn plus_minutes(self, minutes: i64) -> Instant {
        self.plus_seconds(minutes.saturating_mul(60))
    }

    /// Whole seconds from `earlier` to `self`, truncated toward zero (negative if `earlier` is
    /// actually later).
    pub fn seconds_since(self, earlier: Instant) -> i64 {
        self.0.saturating_sub(earlier.0) / MICROS_PER_SECOND
    }

    /// The Shanghai calendar day this instant falls on.
    pub fn local_day(self) -> LocalDay {
        let shifted = i128::from(self.0) + i128::from(SHANGHAI_OFFSET_MICROS);
        let day = shifted.div_euclid(i128::from(MICROS_PER_DAY));
        // |i64::MAX| / µs per day ≈ 1.07e8, well inside i32.
        LocalDay(day as i32)
    }

    /// This instant in the Asia/Shanghai time zone (from the bundled tz database).
    pub fn to_shanghai(self) -> Zoned {
        self.to_timestamp().to_zoned(shanghai_tz().clone())
    }

    /// `"2026-11-22 14:03"` in Shanghai time (seconds truncated).
    pub fn format_minute(self) -> String {
        let dt = self.shanghai_datetime();
        format!("{:04}-{:02}-{:02} {:02}:{:02}", dt.year(), dt.month(), dt.day(), dt.hour(), dt.minute())
    }

    /// `"2026-11-22 14:03:09"` in Shanghai time (sub-seconds truncated).
    pub fn format_second(self) -> String {
        let dt = self.shanghai_datetime();
        format!("{} {:02}:{:02}:{:02}", self.local_day(), dt.hour(), dt.minute(), dt.second())
    }

    /// Reads an instant. Accepted:
    ///
    /// * RFC 3339 / ISO 8601 with an offset: `2026-11-22T00:00:00Z`, `2026-11-22T08:00:00+08:00`,
    ///   `2026-11-22 08:00:00+08:00`, optionally with a `[Asia/Shanghai]` annotation;
    /// * without an offset, meaning Shanghai time: `2026-11-22T08:00:00`, `2026-11-22 08:00:00`,
    ///   `2026-11-22 08:00`, fractional seconds allowed, and a bare date `2026-11-22` (00:00).
    ///
    /// Surrounding whitespace is ignored.
    pub fn parse(s: &str) -> Result<Instant, TimeError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(TimeError::EmptyInstant);
        }
        if let Ok(ts) = t.parse::<Timestamp>() {
            return Ok(Instant::from_timestamp(ts));
        }
        let dt = t.parse::<DateTime>().map_err(|_| TimeError::InvalidInstant(t.to_owned()))?;
        SHANGHAI_OFFSET.to_timestamp(dt).map(Instant::from_timestamp).map_err(|_| TimeError::OutOfRange(t.to_owned()))
    }

    fn shanghai_datetime(self) -> DateTime {
        SHANGHAI_OFFSET.to_datetime(self.to_timestamp())
    }
}

/// RFC 3339 with the Shanghai offset: `2026-11-22T14:03:09+08:00`, with `.ffffff` only when the
/// microseconds are not zero. [`Instant::parse`] reads it back exactly.
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dt = self.shanghai_datetime();
        write!(f, "{}T{:02}:{:02}:{:02}", self.local_day(), dt.hour(), dt.minute(), dt.second())?;
        let micros = dt.subsec_nanosecond() / 1_000;
        if micros != 0 {
            write!(f, ".{micros:06}")?;
        }
        f.write_str("+08:00")
    }
}

impl FromStr for Instant {
    type Err = TimeError;

    fn from_str(s: &str) -> Result<Instant, TimeError> {
        Instant::parse(s)
    }
}

fn shanghai_tz() -> &'static TimeZone {
    static TZ: OnceLock<TimeZone> = OnceLock::new();
    TZ.get_or_init(|| TimeZone::get("Asia/Shanghai").unwrap_or_else(|_| TimeZone::fixed(SHANGHAI_OFFSET)))
}

/// A calendar day in China: days since 1970-01-01 (day 0).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalDay(pub i32);

impl LocalDay {
    /// Converts from a civil date.
    pub fn from_date(date: Date) -> LocalDay {
        let days = days_from_civil(i32::from(date.year()), date.month() as u32, date.day() as u32);
        LocalDay(days)
    }

    /// Converts to a civil date. Days beyond jiff's range (years -9999..=9999) are clamped to
    /// `Date::MIN` / `Date::MAX`.
    pub fn to_date(self) -> Date {
        let (y, m, d) = civil_from_days(self.0);
        match i16::try_from(y) {
            Ok(y) => Date::new(y, m as i8, d as i8).unwrap_or(if y < 0 { Date::MIN } else { Date::MAX }),
            Err(_) if y < 0 => Date::MIN,
            Err(_) => Date::MAX,
        }
    }

    /// Reads `2026-11-22` (also `2026-1-5` and `2026/11/22`; surrounding whitespace ignored).
    pub fn parse(s: &str) -> Result<LocalDay, TimeError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(TimeError::EmptyDate);
        }
        let invalid = || TimeError::InvalidDate(t.to_owned());
        let sep = if t.contains('/') { '/' } else { '-' };
        let mut parts = t.split(sep);
        let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        let all_digits = |p: &str, min: usize, max: usize| (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(y, 4, 4) || !all_digits(m, 1, 2) || !all_digits(d, 1, 2) {
            return Err(invalid());
        }
        let (y, m, d): (i16, i8, i8) =
            (y.parse().map_err(|_| invalid())?, m.parse().map_err(|_| invalid())?, d.parse().map_err(|_| invalid())?);
        Date::new(y, m, d).map(LocalDay::from_date).map_err(|_| TimeError::NonexistentDate(t.to_owned()))
    }

    /// 00:00 of this day in Shanghai.
    pub fn start(self) -> Instant {
        Instant(i64::from(self.0) * MICROS_PER_DAY - SHANGHAI_OFFSET_MICROS)
    }

    /// This day plus `days` (may be negative; saturates).
    pub fn plus_days(self, days: i32) -> LocalDay {
        LocalDay(self.0.saturating_add(days))
    }

    /// Days from `earlier` to `self` (negative if `earlier` is later).
    pub fn days_since(self, earlier: LocalDay) -> i32 {
        self.0.saturating_sub(earlier.0)
    }

    /// Age in full years on `day` of someone born on this day (0 before it). Someone born on
    /// 29 February has their birthday on 1 March in common years.
    pub fn age_on(self, day: LocalDay) -> u32 {
        let (birth, on) = (self.to_date(), day.to_date());
        let mut years = i32::from(on.year()) - i32::from(birth.year());
        if (on.month(), on.day()) < (birth.month(), birth.day()) {
            years -= 1;
        }
        u32::try_from(years).unwrap_or(0)
    }

    /// The day of the week.
    pub fn weekday(self) -> Weekday {
        // 1970-01-01 was a Thursday (Monday-zero offset 3).
        const BY_OFFSET: [Weekday; 7] =
            [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday, Weekday::Saturday, Weekday::Sunday];
        BY_OFFSET[(i64::from(self.0) + 3).rem_euclid(7) as usize]
    }
}

/// `2026-11-22`.
impl fmt::Display for LocalDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let date = self.to_date();
        write!(f, "{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
    }
}

impl FromStr for LocalDay {
    type Err = TimeError;

    fn from_str(s: &str) -> Result<LocalDay, TimeError> {
        LocalDay::parse(s)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400) as u32; // [0, 399]
    let mp = (m + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe as i32 - 719_468
}

/// Inverse of [`days_from_civil`]: (year, month 1..=12, day 1..=31).
fn civil_from_days(z: i32) -> (i64, u32, u32) {
    let z = i64::from(z) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097) as u32; // [0, 146096]
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = i64::from(yoe) + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests;
