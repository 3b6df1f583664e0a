//! The official public holidays and make-up workdays (法定节假日与调休) of a year, as the State
//! Council's General Office publishes them each November for the next year. hops ships the years
//! it knows; a hospital's administrators enter or correct a year in the console
//! (系统设置 → 节假日), and their version wins.

use std::collections::BTreeSet;

use hops_kernel::LocalDay;

use crate::error::FieldError;

/// A year's public holidays and make-up workdays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HolidayArrangement {
    pub year: i16,
    /// Days off (放假), weekends inside a holiday run included.
    pub holidays: BTreeSet<LocalDay>,
    /// Make-up workdays (调休上班).
    pub workdays: BTreeSet<LocalDay>,
    /// Where the dates come from (the notice's title and date, or who entered them).
    pub source: String,
}

/// The years hops ships.
pub const SHIPPED_YEARS: [i16; 1] = [2026];

/// The arrangement hops ships for `year`, if it knows it.
pub fn shipped(year: i16) -> Option<HolidayArrangement> {
    (year == 2026).then(china_2026)
}

/// 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04):
///
/// * 元旦 1月1日–3日放假，1月4日（周日）上班；
/// * 春节 2月15日–23日放假，2月14日（周六）、2月28日（周六）上班；
/// * 清明节 4月4日–6日；
/// * 劳动节 5月1日–5日放假，5月9日（周六）上班；
/// * 端午节 6月19日–21日；
/// * 中秋节 9月25日–27日；
/// * 国庆节 10月1日–7日放假，9月20日（周日）、10月10日（周六）上班。
pub fn china_2026() -> HolidayArrangement {
    const RUNS: [(&str, &str); 7] = [
        ("2026-01-01", "2026-01-03"),
        ("2026-02-15", "2026-02-23"),
        ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"),
        ("2026-06-19", "2026-06-21"),
        ("2026-09-25", "2026-09-27"),
        ("2026-10-01", "2026-10-07"),
    ];
    const WORKDAYS: [&str; 6] = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"];
    // Constant, valid dates (the tests count them: 33 holidays, 6 workdays).
    let mut holidays = BTreeSet::new();
    for (from, to) in RUNS {
        if let (Ok(mut d), Ok(to)) = (LocalDay::parse(from), LocalDay::parse(to)) {
            while d <= to {
                holidays.insert(d);
                d = d.plus_days(1);
            }
        }
    }
    let workdays = WORKDAYS.into_iter().filter_map(|d| LocalDay::parse(d).ok()).collect();
    HolidayArrangement {
        year: 2026, holidays, workdays, source: "国务院办公厅关于2026年部分节假日安排的通知（2025-11-04）".into()
    }
}

/// Dates typed one per line or separated by commas, spaces or 、, and inclusive ranges such as
/// `2026-10-01..2026-10-08`; every bad one named under `field`.
pub fn parse_days(field: &str, text: &str, errs: &mut Vec<FieldError>) -> BTreeSet<LocalDay> {
    let mut out = BTreeSet::new();
    for part in text.split([',', '，', '\n', '\r', ' ', '、', ';', '；']).map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once("..").unwrap_or((part, part));
        match (LocalDay::parse(a.trim()), LocalDay::parse(b.trim())) {
            (Ok(from), Ok(to)) if from <= to && to.days_since(from) <= 366 => {
                let mut d = from;
                while d <= to {
                    out.insert(d);
                    d = d.plus_days(1);
                }
            }
            (Ok(_), Ok(_)) => errs.push(FieldError::new(field, format!("日期范围“{part}”颠倒或超过一年"))),
            (Err(e), _) | (_, Err(e)) => errs.push(FieldError::new(field, e.to_string())),
        }
    }
    out
}

/// Days as text, consecutive days written as one range: `2026-10-01..2026-10-07, 2026-10-10`.
pub fn format_days<'a>(days: impl IntoIterator<Item = &'a LocalDay>) -> String {
    let mut runs: Vec<(LocalDay, LocalDay)> = Vec::new();
    for &d in days {
        match runs.last_mut() {
            Some((_, to)) if to.plus_days(1) == d => *to = d,
            _ => runs.push((d, d)),
        }
    }
    runs.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}..{b}") }).collect::<Vec<_>>().join(", ")
}

/// Checks a year as typed: dates that parse, all inside the year, no day both off and on, and
/// make-up workdays only on a Saturday or Sunday (the only days that can be made up).
pub fn check_year(year: i16, holidays: &str, workdays: &str, source: &str) -> Result<HolidayArrangement, Vec<FieldError>> {
    let mut errs = Vec::new();
    if !(2000..=2100).contains(&year) {
        errs.push(FieldError::new("year", "年份应在 2000–2100 之间"));
    }
    let h = parse_days("holidays", holidays, &mut errs);
    let w = parse_days("workdays", workdays, &mut errs);
    let outside =
        |days: &BTreeSet<LocalDay>| days.iter().filter(|d| d.to_date().year() != year).map(ToString::to_string).collect::<Vec<_>>();
    for (field, days) in [("holidays", &h), ("workdays", &w)] {
        let out = outside(days);
        if !out.is_empty() {
            errs.push(FieldError::new(field, format!("{} 不在 {year} 年内", out.join("、"))));
        }
    }
    let both: Vec<String> = h.intersection(&w).map(ToString::to_string).collect();
    if !both.is_empty() {
        errs.push(FieldError::new("workdays", format!("{} 不能同时是放假日和调休上班日", both.join("、"))));
    }
    let weekdays: Vec<String> = w.iter().filter(|d| d.weekday().to_monday_zero_offset() < 5).map(ToString::to_string).collect();
    if !weekdays.is_empty() {
        errs.push(FieldError::new("workdays", format!("调休上班日应为周六或周日：{} 本来就是工作日", weekdays.join("、"))));
    }
    let source = source.trim();
    if source.chars().count() > 200 {
        errs.push(FieldError::new("source", "来源不超过 200 个字"));
    }
    if errs.is_empty() { Ok(HolidayArrangement { year, holidays: h, workdays: w, source: source.to_string() }) } else { Err(errs) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> LocalDay {
        LocalDay::parse(s).unwrap()
    }

    #[test]
    fn china_2026_arrangement() {
        let a = china_2026();
        assert_eq!((a.year, a.holidays.len(), a.workdays.len()), (2026, 33, 6));
        assert!(a.holidays.is_disjoint(&a.workdays));
        let rows: &[(&str, bool, bool)] = &[
            ("2026-01-01", true, false),
            ("2026-01-03", true, false),
            ("2026-01-04", false, true),
            ("2026-02-14", false, true),
            ("2026-02-15", true, false),
            ("2026-02-23", true, false),
            ("2026-02-24", false, false),
            ("2026-02-28", false, true),
            ("2026-04-06", true, false),
            ("2026-05-05", true, false),
            ("2026-05-09", false, true),
            ("2026-06-19", true, false),
            ("2026-09-20", false, true),
            ("2026-09-25", true, false),
            ("2026-10-07", true, false),
            ("2026-10-08", false, false),
            ("2026-10-10", false, true),
        ];
        for (d, holiday, workday) in rows {
            assert_eq!(a.holidays.contains(&day(d)), *holiday, "{d} holiday");
            assert_eq!(a.workdays.contains(&day(d)), *workday, "{d} workday");
        }
        // Every make-up workday is a weekend day, and the shipped year passes its own check.
        assert!(a.workdays.iter().all(|d| d.weekday().to_monday_zero_offset() >= 5));
        let again = check_year(2026, &format_days(&a.holidays), &format_days(&a.workdays), &a.source).unwrap();
        assert_eq!(again, a);
        assert_eq!(shipped(2026), Some(a));
        assert_eq!(shipped(2027), None);
    }

    #[test]
    fn days_are_written_as_runs() {
        let days: BTreeSet<LocalDay> = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-10"].map(day).into();
        assert_eq!(format_days(&days), "2026-10-01..2026-10-03, 2026-10-10");
        assert_eq!(format_days(&BTreeSet::new()), "");
    }

    #[test]
    fn a_year_is_checked_field_by_field() {
        let e = check_year(2027, "2027-02-06..2027-02-12\n2026-12-31", "2027-02-08、2027-02-10、2027-13-01", "").unwrap_err();
        let messages: Vec<String> = e.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
        assert!(messages.iter().any(|m| m.starts_with("workdays:") && m.contains("2027-13-01")), "{messages:?}");
        assert!(messages.iter().any(|m| m.starts_with("holidays:") && m.contains("2026-12-31 不在 2027 年内")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("2027-02-08、2027-02-10 不能同时是放假日和调休上班日")), "{messages:?}");
        // 2027-02-10 is a Wednesday: it cannot be a make-up workday.
        assert!(messages.iter().any(|m| m.contains("调休上班日应为周六或周日") && m.contains("2027-02-10")), "{messages:?}");
        assert!(check_year(1999, "", "", "").is_err());
        assert!(check_year(2027, "2027-01-01", "", "院办录入").is_ok());
    }
}
