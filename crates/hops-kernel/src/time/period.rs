//! Reporting periods: calendar weeks (Monday–Sunday, ISO 8601 numbering), months, quarters,
//! half years and years of the Shanghai calendar.

use jiff::civil::Date;

use super::{LocalDay, TimeError};

/// The kind of a reporting period.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// January–March, April–June, July–September, October–December.
    Quarter,
    /// January–June or July–December.
    Half,
    /// A calendar year.
    Year,
}

impl Period {
    /// Every kind, shortest first.
    pub const ALL: [Period; 5] = [Period::Week, Period::Month, Period::Quarter, Period::Half, Period::Year];

    /// Reads a code: `week`, `month`, `quarter`, `half`, `year` (case-insensitive, trimmed).
    pub fn parse(s: &str) -> Result<Period, TimeError> {
        let t = s.trim();
        Period::ALL.into_iter().find(|p| p.code().eq_ignore_ascii_case(t)).ok_or_else(|| TimeError::UnknownPeriod(t.to_owned()))
    }

    /// The stable code used in URLs and storage (`week`, `month`, …).
    pub fn code(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Half => "half",
            Period::Year => "year",
        }
    }

    /// The kind's name for users: 周, 月, 季度, 半年, 年.
    pub fn label_zh(self) -> &'static str {
        match self {
            Period::Week => "周",
            Period::Month => "月",
            Period::Quarter => "季度",
            Period::Half => "半年",
            Period::Year => "年",
        }
    }

    /// Length in months of the calendar-aligned kinds; `None` for weeks.
    fn months(self) -> Option<i32> {
        match self {
            Period::Week => None,
            Period::Month => Some(1),
            Period::Quarter => Some(3),
            Period::Half => Some(6),
            Period::Year => Some(12),
        }
    }
}

/// One concrete period: the days `start..end_exclusive`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct PeriodRange {
    /// Which kind of period.
    pub kind: Period,
    /// The first day.
    pub start: LocalDay,
    /// The day after the last day.
    pub end_exclusive: LocalDay,
}

impl PeriodRange {
    /// The period of the given kind that contains `day`.
    pub fn containing(kind: Period, day: LocalDay) -> PeriodRange {
        match kind.months() {
            None => {
                let start = day.plus_days(-i32::from(day.weekday().to_monday_zero_offset()));
                PeriodRange { kind, start, end_exclusive: start.plus_days(7) }
            }
            Some(len) => {
                let date = day.to_date();
                let month_index = i32::from(date.year()) * 12 + i32::from(date.month()) - 1;
                let first = month_index - month_index.rem_euclid(len);
                PeriodRange { kind, start: first_of_month(first), end_exclusive: first_of_month(first + len) }
            }
        }
    }

    /// The period of the same kind just before this one (环比).
    pub fn previous(self) -> PeriodRange {
        PeriodRange::containing(self.kind, self.start.plus_days(-1))
    }

    /// The period of the same kind just after this one.
    pub fn next(self) -> PeriodRange {
        PeriodRange::containing(self.kind, self.end_exclusive)
    }

    /// The same period one year earlier (同比): the same month, quarter, half or year of the
    /// previous year; for weeks, the week 52 weeks earlier (which keeps the ISO week number
    /// except just after a 53-week year).
    pub fn year_ago(self) -> PeriodRange {
        match self.kind.months() {
            None => PeriodRange::containing(self.kind, self.start.plus_days(-364)),
            Some(_) => {
                let start = self.start.to_date();
                // `start` is always the first of a month, so the day exists a year earlier.
                let day = Date::new(start.year().saturating_sub(1), start.month(), 1)
                    .map(LocalDay::from_date)
                    .unwrap_or(self.start.plus_days(-365));
                PeriodRange::containing(self.kind, day)
            }
        }
    }

    /// Whether `day` lies in this period.
    pub fn contains(self, day: LocalDay) -> bool {
        self.start <= day && day < self.end_exclusive
    }

    /// Number of days in the period.
    pub fn days(self) -> i32 {
        self.end_exclusive.days_since(self.start)
    }

    /// The last day of the period (inclusive).
    pub fn last_day(self) -> LocalDay {
        self.end_exclusive.plus_days(-1)
    }

    /// The label for users: `2026年第47周` (ISO week numbering), `2026年11月`, `2026年第4季度`,
    /// `2026年上半年`, `2026年`.
    pub fn label_zh(self) -> String {
        let date = self.start.to_date();
        let year = date.year();
        match self.kind {
            Period::Week => {
                let iso = date.iso_week_date();
                format!("{}年第{}周", iso.year(), iso.week())
            }
            Period::Month => format!("{year}年{}月", date.month()),
            Period::Quarter => format!("{year}年第{}季度", (date.month() - 1) / 3 + 1),
            Period::Half if date.month() <= 6 => format!("{year}年上半年"),
            Period::Half => format!("{year}年下半年"),
            Period::Year => format!("{year}年"),
        }
    }
}

/// Consecutive days `start..end_exclusive`: a whole period, or the first days of one.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct DaySpan {
    /// The first day.
    pub start: LocalDay,
    /// The day after the last day.
    pub end_exclusive: LocalDay,
}

impl DaySpan {
    /// Number of days.
    pub fn days(self) -> i32 {
        self.end_exclusive.days_since(self.start)
    }

    /// The last day (inclusive).
    pub fn last_day(self) -> LocalDay {
        self.end_exclusive.plus_days(-1)
    }

    /// For people: `2026年12月1日–7日`, `2026年11月28日–12月4日`, `2025年12月29日–2026年1月4日`,
    /// or `2026年12月1日` for one day.
    pub fn label_zh(self) -> String {
        let (a, b) = (self.start.to_date(), self.last_day().to_date());
        let first = format!("{}年{}月{}日", a.year(), a.month(), a.day());
        if b <= a {
            first
        } else if a.year() != b.year() {
            format!("{first}–{}年{}月{}日", b.year(), b.month(), b.day())
        } else if a.month() != b.month() {
            format!("{first}–{}月{}日", b.month(), b.day())
        } else {
            format!("{first}–{}日", b.day())
        }
    }
}

impl PeriodRange {
    /// All the period's days.
    pub fn span(self) -> DaySpan {
        DaySpan { start: self.start, end_exclusive: self.end_exclusive }
    }

    /// The first `days` days of the period (all of it when it is shorter, none when `days` ≤ 0).
    pub fn first_days(self, days: i32) -> DaySpan {
        let end = self.start.plus_days(days.clamp(0, self.days()));
        DaySpan { start: self.start, end_exclusive: end }
    }

    /// The days of `earlier` (a period of the same kind) matching this period's days up to
    /// `through`: for weeks, as many days; for months and longer, up to the same day of the
    /// corresponding month (the 31st of a month matches the last day of a shorter one).
    /// `上季度同期` of 1 October – 7 December is 1 July – 7 September.
    pub fn same_part_of(self, earlier: PeriodRange, through: LocalDay) -> DaySpan {
        let through = through.max(self.start).min(self.last_day());
        if self.kind.months().is_none() {
            return earlier.first_days(through.days_since(self.start) + 1);
        }
        let index = |d: Date| i32::from(d.year()) * 12 + i32::from(d.month()) - 1;
        let (start, t) = (self.start.to_date(), through.to_date());
        let month = first_of_month(index(earlier.start.to_date()) + index(t) - index(start));
        let month_date = month.to_date();
        let day = i32::from(t.day()).min(i32::from(month_date.days_in_month()));
        let end = month.plus_days(day).min(earlier.end_exclusive);
        DaySpan { start: earlier.start, end_exclusive: end }
    }

    /// While the period is under way on `today`: how many of its days have begun (today
    /// included). `None` once it is over or before it begins.
    pub fn elapsed_on(self, today: LocalDay) -> Option<i32> {
        self.contains(today).then(|| today.days_since(self.start) + 1)
    }
}

fn first_of_month(month_index: i32) -> LocalDay {
    let year = month_index.div_euclid(12);
    let month = month_index.rem_euclid(12) + 1;
    match (i16::try_from(year), i8::try_from(month)) {
        (Ok(y), Ok(m)) => Date::new(y, m, 1).map(LocalDay::from_date).unwrap_or_else(|_| clamp(year)),
        _ => clamp(year),
    }
}

fn clamp(year: i32) -> LocalDay {
    LocalDay::from_date(if year < 0 { Date::MIN } else { Date::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> LocalDay {
        LocalDay::parse(s).unwrap()
    }

    #[test]
    fn first_days_and_labels_of_spans() {
        let dec = PeriodRange::containing(Period::Month, day("2026-12-07"));
        assert_eq!(dec.elapsed_on(day("2026-12-07")), Some(7));
        assert_eq!(dec.elapsed_on(day("2026-11-30")), None);
        assert_eq!(dec.elapsed_on(day("2027-01-01")), None);
        let nov = dec.previous().first_days(7);
        assert_eq!((nov.start, nov.last_day(), nov.days()), (day("2026-11-01"), day("2026-11-07"), 7));
        assert_eq!(nov.label_zh(), "2026年11月1日–7日");
        // A longer month's 31st compares with all of a shorter month, never past its end.
        let feb = PeriodRange::containing(Period::Month, day("2026-02-10"));
        assert_eq!(feb.first_days(31), feb.span());
        assert_eq!(feb.first_days(0).days(), 0);
        let week = PeriodRange::containing(Period::Week, day("2026-12-31")).span();
        assert_eq!(week.label_zh(), "2026年12月28日–2027年1月3日");
        let week = PeriodRange::containing(Period::Week, day("2026-12-02")).span();
        assert_eq!(week.label_zh(), "2026年11月30日–12月6日");
        assert_eq!(dec.first_days(1).label_zh(), "2026年12月1日");
        // Months and longer: up to the same day of the corresponding month.
        let q4 = PeriodRange::containing(Period::Quarter, day("2026-12-07"));
        let q3 = q4.same_part_of(q4.previous(), day("2026-12-07"));
        assert_eq!((q3.start, q3.last_day()), (day("2026-07-01"), day("2026-09-07")));
        let h2 = PeriodRange::containing(Period::Half, day("2026-08-31"));
        assert_eq!(h2.same_part_of(h2.previous(), day("2026-08-31")).last_day(), day("2026-02-28"));
        assert_eq!(dec.same_part_of(dec.previous(), day("2026-12-31")), dec.previous().span());
        assert_eq!(dec.same_part_of(dec.year_ago(), day("2026-12-07")).last_day(), day("2025-12-07"));
        let w = PeriodRange::containing(Period::Week, day("2026-12-09"));
        assert_eq!(w.same_part_of(w.previous(), day("2026-12-09")).last_day(), day("2026-12-02"));
    }

    #[test]
    fn parse_codes() {
        let cases: &[(&str, Option<Period>)] = &[
            ("week", Some(Period::Week)),
            ("month", Some(Period::Month)),
            ("quarter", Some(Period::Quarter)),
            ("half", Some(Period::Half)),
            ("year", Some(Period::Year)),
            (" Year ", Some(Period::Year)),
            ("MONTH", Some(Period::Month)),
            ("", None),
            ("day", None),
            ("weeks", None),
            ("月", None),
        ];
        for &(s, want) in cases {
            assert_eq!(Period::parse(s).ok(), want, "{s:?}");
        }
        let err = Period::parse("day").unwrap_err();
        assert!(err.to_string().contains("未知的统计周期"), "{err}");
        for p in Period::ALL {
            assert_eq!(Period::parse(p.code()), Ok(p));
            assert!(!p.label_zh().is_empty());
        }
    }

    #[test]
    fn containing_table() {
        // (kind, day, start, end_exclusive, label)
        let cases = [
            (Period::Week, "2026-11-22", "2026-11-16", "2026-11-23", "2026年第47周"),
            (Period::Week, "2026-11-16", "2026-11-16", "2026-11-23", "2026年第47周"),
            (Period::Week, "2026-11-23", "2026-11-23", "2026-11-30", "2026年第48周"),
            (Period::Week, "2026-01-01", "2025-12-29", "2026-01-05", "2026年第1周"),
            (Period::Week, "2027-01-01", "2026-12-28", "2027-01-04", "2026年第53周"),
            (Period::Week, "2021-01-03", "2020-12-28", "2021-01-04", "2020年第53周"),
            (Period::Month, "2026-11-22", "2026-11-01", "2026-12-01", "2026年11月"),
            (Period::Month, "2026-12-31", "2026-12-01", "2027-01-01", "2026年12月"),
            (Period::Month, "2024-02-29", "2024-02-01", "2024-03-01", "2024年2月"),
            (Period::Quarter, "2026-11-22", "2026-10-01", "2027-01-01", "2026年第4季度"),
            (Period::Quarter, "2026-01-01", "2026-01-01", "2026-04-01", "2026年第1季度"),
            (Period::Quarter, "2026-06-30", "2026-04-01", "2026-07-01", "2026年第2季度"),
            (Period::Quarter, "2026-07-01", "2026-07-01", "2026-10-01", "2026年第3季度"),
            (Period::Half, "2026-03-15", "2026-01-01", "2026-07-01", "2026年上半年"),
            (Period::Half, "2026-06-30", "2026-01-01", "2026-07-01", "2026年上半年"),
            (Period::Half, "2026-11-22", "2026-07-01", "2027-01-01", "2026年下半年"),
            (Period::Year, "2026-11-22", "2026-01-01", "2027-01-01", "2026年"),
            (Period::Year, "1969-12-31", "1969-01-01", "1970-01-01", "1969年"),
        ];
        for (kind, d, start, end, label) in cases {
            let r = PeriodRange::containing(kind, day(d));
            assert_eq!(r.kind, kind);
            assert_eq!(r.start, day(start), "{kind:?} {d}");
            assert_eq!(r.end_exclusive, day(end), "{kind:?} {d}");
            assert_eq!(r.label_zh(), label, "{kind:?} {d}");
            assert!(r.contains(day(d)));
            assert!(!r.contains(r.end_exclusive));
            assert!(!r.contains(r.start.plus_days(-1)));
        }
    }

    #[test]
    fn weeks_start_on_monday_and_last_seven_days() {
        let mut d = day("2024-12-01");
        for _ in 0..400 {
            let r = PeriodRange::containing(Period::Week, d);
            assert_eq!(r.start.weekday(), jiff::civil::Weekday::Monday);
            assert_eq!(r.days(), 7);
            assert!(r.contains(d));
            d = d.plus_days(1);
        }
    }

    #[test]
    fn previous_and_next() {
        let cases = [
            (Period::Week, "2026-01-01", "2025-12-22", "2026-01-05"),
            (Period::Month, "2026-01-15", "2025-12-01", "2026-02-01"),
            (Period::Month, "2026-03-31", "2026-02-01", "2026-04-01"),
            (Period::Quarter, "2026-02-01", "2025-10-01", "2026-04-01"),
            (Period::Half, "2026-07-01", "2026-01-01", "2027-01-01"),
            (Period::Year, "2026-07-01", "2025-01-01", "2027-01-01"),
        ];
        for (kind, d, prev_start, next_start) in cases {
            let r = PeriodRange::containing(kind, day(d));
            let prev = r.previous();
            assert_eq!(prev.start, day(prev_start), "{kind:?} {d}");
            assert_eq!(prev.end_exclusive, r.start, "{kind:?} {d}");
            let next = r.next();
            assert_eq!(next.start, day(next_start), "{kind:?} {d}");
            assert_eq!(next.previous(), r);
        }
    }

    #[test]
    fn year_ago() {
        let cases = [
            (Period::Week, "2026-11-22", "2025年第47周"),
            (Period::Week, "2026-01-01", "2025年第1周"),
            (Period::Month, "2024-02-29", "2023年2月"),
            (Period::Month, "2026-01-10", "2025年1月"),
            (Period::Quarter, "2026-11-22", "2025年第4季度"),
            (Period::Half, "2026-11-22", "2025年下半年"),
            (Period::Year, "2026-11-22", "2025年"),
        ];
        for (kind, d, label) in cases {
            let r = PeriodRange::containing(kind, day(d)).year_ago();
            assert_eq!(r.kind, kind);
            assert_eq!(r.label_zh(), label, "{kind:?} {d}");
        }
    }

    #[test]
    fn month_lengths() {
        let cases = [("2026-02-10", 28), ("2024-02-10", 29), ("2026-04-10", 30), ("2026-12-10", 31)];
        for (d, n) in cases {
            assert_eq!(PeriodRange::containing(Period::Month, day(d)).days(), n, "{d}");
        }
        assert_eq!(PeriodRange::containing(Period::Year, day("2024-06-01")).days(), 366);
        let q = PeriodRange::containing(Period::Quarter, day("2026-11-22"));
        assert_eq!(q.last_day(), day("2026-12-31"));
    }

    #[test]
    fn extremes_do_not_panic() {
        for d in [LocalDay(i32::MIN), LocalDay(i32::MAX), LocalDay(0), LocalDay(-1)] {
            for kind in Period::ALL {
                let r = PeriodRange::containing(kind, d);
                let _ = (r.previous(), r.next(), r.year_ago(), r.label_zh());
            }
        }
    }
}
