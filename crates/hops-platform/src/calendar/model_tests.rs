//! Tests of `calendar.rs`: table-driven rows with readable China local times, and generated
//! properties (`open_between(s, add(s, d)) == d`, monotone `add`, a minute-by-minute reference).
use super::*;
use crate::calendar::holidays::china_2026;

/// A China local time `2026-11-23 10:30` (also `…:00.000001`, or RFC 3339 with an offset).
fn t(s: &str) -> Instant {
    Instant::parse(s).unwrap_or_else(|e| panic!("test time {s}: {e}"))
}

fn day(s: &str) -> LocalDay {
    LocalDay::parse(s).unwrap_or_else(|e| panic!("test date {s}: {e}"))
}

/// Business µs of `n` minutes.
fn m(n: i64) -> i64 {
    n * MICROS_PER_MINUTE
}

fn cal(text: &str) -> Calendar {
    Calendar::parse(text).unwrap_or_else(|e| panic!("test calendar {text}: {e:?}"))
}

/// Weekday office hours (the desk's preset of that name).
const OFFICE: &str = "mon-fri 08:00-12:00,13:30-17:30";

fn office_2026() -> Calendar {
    cal(OFFICE).with_days(china_2026().holidays, china_2026().workdays).unwrap()
}

/// The calendars the tables use, by name.
fn named(name: &str) -> Calendar {
    match name {
        "7x24" => Calendar::always(),
        "7x24+2026" => cal("7x24").with_days(china_2026().holidays, china_2026().workdays).unwrap(),
        "7x12" => cal("daily 08:00-20:00"),
        "office" => cal(OFFICE),
        "office+2026" => office_2026(),
        "office+sat" => cal("mon-fri 08:00-12:00,13:30-17:30; sat 09:00-12:00"),
        "office+sat+makeup" => cal("mon-fri 08:00-12:00,13:30-17:30; sat 09:00-12:00; workdays 2026-11-21"),
        "tue-fri+makeup" => cal("tue-fri 09:00-17:00; workdays 2026-11-21"),
        "night" => cal("daily 20:00-24:00,00:00-08:00"),
        "festival30" => cal("mon-fri 08:00-12:00,13:30-17:30; holidays 2026-02-01..2026-03-02"),
        other => panic!("no test calendar {other}"),
    }
}

const ALL: [&str; 10] =
    ["7x24", "7x24+2026", "7x12", "office", "office+2026", "office+sat", "office+sat+makeup", "tue-fri+makeup", "night", "festival30"];

#[test]
fn is_open_table() {
    let rows: &[(&str, &str, &str, bool)] = &[
        ("office: opening minute", "office", "2026-11-23 08:00", true),
        ("office: 1 µs before opening", "office", "2026-11-23 07:59:59.999999", false),
        ("office: last µs of the morning", "office", "2026-11-23 11:59:59.999999", true),
        ("office: noon is lunch (end exclusive)", "office", "2026-11-23 12:00", false),
        ("office: afternoon opening", "office", "2026-11-23 13:30", true),
        ("office: closing time is closed", "office", "2026-11-23 17:30", false),
        ("office: Saturday", "office", "2026-11-21 10:00", false),
        ("office: Sunday", "office", "2026-11-22 10:00", false),
        ("office 2026: National Day holiday (Thursday)", "office+2026", "2026-10-01 10:00", false),
        ("office 2026: make-up Saturday 2026-10-10", "office+2026", "2026-10-10 10:00", true),
        ("office 2026: make-up Saturday 2026-02-14", "office+2026", "2026-02-14 09:00", true),
        ("office 2026: make-up day keeps lunch", "office+2026", "2026-02-14 12:30", false),
        ("office 2026: ordinary Friday", "office+2026", "2026-11-20 10:00", true),
        ("7x24: midnight", "7x24", "2026-11-23 00:00", true),
        ("7x24: last µs of the year", "7x24", "2026-12-31 23:59:59.999999", true),
        ("7x24 with holidays: National Day is closed", "7x24+2026", "2026-10-01 12:00", false),
        ("7x24 with holidays: day after the holiday", "7x24+2026", "2026-10-08 00:00", true),
        ("7x12: 00:00Z is 08:00 in China", "7x12", "2026-11-23T00:00:00Z", true),
        ("7x12: 15:59:59Z is 23:59:59 in China", "7x12", "2026-11-23T15:59:59Z", false),
        ("7x24: 16:00Z is China midnight", "7x24", "2026-11-23T16:00:00Z", true),
        ("7x12: 12:00Z is 20:00 in China, closed", "7x12", "2026-11-23T12:00:00Z", false),
        ("Saturday hours: 09:00", "office+sat", "2026-11-21 09:00", true),
        ("Saturday hours: 12:00", "office+sat", "2026-11-21 12:00", false),
        ("Saturday hours: Sunday", "office+sat", "2026-11-22 10:00", false),
        ("make-up Saturday uses Monday's hours", "office+sat+makeup", "2026-11-21 13:30", true),
        ("make-up day, Monday closed: Tuesday's hours", "tue-fri+makeup", "2026-11-21 16:59", true),
        ("Monday closed stays closed", "tue-fri+makeup", "2026-11-23 10:00", false),
        ("night: 23:59", "night", "2026-11-23 23:59", true),
        ("night: 07:59", "night", "2026-11-24 07:59", true),
        ("night: 08:00", "night", "2026-11-24 08:00", false),
        ("festival: closed inside the 30 days", "festival30", "2026-02-16 10:00", false),
    ];
    for (name, c, at, open) in rows {
        assert_eq!(named(c).is_open(t(at)), *open, "{name}");
    }
}

#[test]
fn open_between_table() {
    let rows: &[(&str, &str, &str, &str, i64)] = &[
        ("7x24: one hour", "7x24", "2026-11-23 10:00", "2026-11-23 11:00", m(60)),
        ("empty range", "7x24", "2026-11-23 10:00", "2026-11-23 10:00", 0),
        ("reversed range", "7x24", "2026-11-23 11:00", "2026-11-23 10:00", 0),
        ("office: across lunch", "office", "2026-11-23 11:00", "2026-11-23 14:00", m(90)),
        ("office: whole day", "office", "2026-11-23 00:00", "2026-11-24 00:00", m(480)),
        ("office: whole week", "office", "2026-11-23 00:00", "2026-11-30 00:00", m(2_400)),
        ("office: weekend only", "office", "2026-11-21 00:00", "2026-11-23 00:00", 0),
        ("office: Friday evening to Monday morning", "office", "2026-11-20 17:00", "2026-11-23 09:00", m(90)),
        ("office: 2 µs around lunch", "office", "2026-11-23 11:59:59.999999", "2026-11-23 13:30:00.000001", 2),
        ("office: a night", "office", "2026-11-23 17:30", "2026-11-24 08:00", 0),
        ("office: month end", "office", "2026-11-30 17:00", "2026-12-01 09:00", m(90)),
        ("office: year end", "office", "2026-12-31 17:00", "2027-01-01 09:00", m(90)),
        ("office: UTC Friday evening is China Saturday", "office", "2026-11-20T16:00:00Z", "2026-11-22T16:00:00Z", 0),
        ("office: UTC Sunday 16:00 is China Monday", "office", "2026-11-22T16:00:00Z", "2026-11-23T01:00:00Z", m(60)),
        ("office 2026: Spring Festival with make-up Saturday", "office+2026", "2026-02-13 00:00", "2026-02-25 00:00", m(3 * 480)),
        ("office 2026: the whole year, 248 working days", "office+2026", "2026-01-01 00:00", "2027-01-01 00:00", m(248 * 480)),
        ("office 2026: National Day week", "office+2026", "2026-09-30 12:00", "2026-10-09 00:00", m(240 + 480)),
        ("7x24: year end", "7x24", "2026-12-31 23:00", "2027-01-01 01:00", m(120)),
        ("7x24: a leap of a year", "7x24", "2026-01-01 00:00", "2027-01-01 00:00", m(365 * 1_440)),
        ("7x24 with holidays: National Day", "7x24+2026", "2026-09-30 12:00", "2026-10-08 12:00", m(24 * 60)),
        ("7x12: month end night", "7x12", "2026-01-31 19:00", "2026-02-01 09:00", m(120)),
        ("night: across midnight", "night", "2026-11-23 22:00", "2026-11-24 06:00", m(480)),
        ("Saturday hours: a week", "office+sat", "2026-11-23 00:00", "2026-11-30 00:00", m(2_400 + 180)),
        ("make-up Saturday: a week", "office+sat+makeup", "2026-11-16 00:00", "2026-11-23 00:00", m(2_400 + 480)),
        ("festival: 30 closed days", "festival30", "2026-01-31 00:00", "2026-03-03 00:00", 0),
        ("festival: first day after", "festival30", "2026-01-31 00:00", "2026-03-04 00:00", m(480)),
    ];
    for (name, c, from, to, expected) in rows {
        assert_eq!(named(c).open_between(t(from), t(to)), *expected, "{name}");
    }
}

#[test]
fn add_table() {
    let rows: &[(&str, &str, &str, i64, &str)] = &[
        ("office: inside the morning", "office", "2026-11-23 09:00", m(60), "2026-11-23 10:00"),
        ("office: ends exactly at lunch", "office", "2026-11-23 11:00", m(60), "2026-11-23 12:00"),
        ("office: across lunch", "office", "2026-11-23 11:30", m(60), "2026-11-23 14:00"),
        ("office: starts during lunch", "office", "2026-11-23 12:15", m(30), "2026-11-23 14:00"),
        ("office: across the night", "office", "2026-11-23 17:00", m(60), "2026-11-24 08:30"),
        ("office: Friday to Monday", "office", "2026-11-20 17:00", m(60), "2026-11-23 08:30"),
        ("office: starts on Saturday", "office", "2026-11-21 10:00", m(30), "2026-11-23 08:30"),
        ("office: starts before opening", "office", "2026-11-23 06:00", m(30), "2026-11-23 08:30"),
        ("office: zero from closed time is the start", "office", "2026-11-21 10:00", 0, "2026-11-21 10:00"),
        ("office: 1 µs before noon plus 1 µs", "office", "2026-11-23 11:59:59.999999", 1, "2026-11-23 12:00"),
        ("office: 1 µs from closed time", "office", "2026-11-23 12:00", 1, "2026-11-23 13:30:00.000001"),
        ("office: one week of business time", "office", "2026-11-23 08:00", m(168 * 60), "2026-12-21 17:30"),
        ("office: month end", "office", "2026-11-30 17:00", m(60), "2026-12-01 08:30"),
        ("office: year end", "office", "2026-12-31 17:00", m(60), "2027-01-01 08:30"),
        ("office: UTC Friday 16:00 is China Saturday", "office", "2026-11-20T16:00:00Z", m(60), "2026-11-23 09:00"),
        ("office 2026: Friday into make-up Saturday", "office+2026", "2026-02-13 17:00", m(60), "2026-02-14 08:30"),
        ("office 2026: make-up Saturday over the Spring Festival", "office+2026", "2026-02-14 17:00", m(60), "2026-02-24 08:30"),
        ("office 2026: into make-up Saturday 2026-02-28", "office+2026", "2026-02-27 17:30", m(240), "2026-02-28 12:00"),
        ("office 2026: over National Day", "office+2026", "2026-09-30 17:00", m(60), "2026-10-08 08:30"),
        ("office 2026: one week of business over National Day", "office+2026", "2026-09-28 08:00", m(168 * 60), "2026-10-30 17:30"),
        ("office 2026: the year's 248 working days", "office+2026", "2026-01-01 00:00", m(248 * 480), "2026-12-31 17:30"),
        ("festival: 30 closed days", "festival30", "2026-01-30 17:00", m(60), "2026-03-03 08:30"),
        ("7x24: plain", "7x24", "2026-11-23 10:00", m(30), "2026-11-23 10:30"),
        ("7x24: over China midnight", "7x24", "2026-11-23 23:50", m(20), "2026-11-24 00:10"),
        ("7x24: over the year end", "7x24", "2026-12-31 23:30", m(60), "2027-01-01 00:30"),
        ("7x24: a year", "7x24", "2026-01-01 00:00", m(365 * 1_440), "2027-01-01 00:00"),
        ("7x24 with holidays: over National Day", "7x24+2026", "2026-09-30 23:00", m(120), "2026-10-08 01:00"),
        ("7x12: evening to morning", "7x12", "2026-11-23 19:30", m(60), "2026-11-24 08:30"),
        ("7x12: starts at closing time", "7x12", "2026-11-23 20:00", 1, "2026-11-24 08:00:00.000001"),
        ("7x12: month end", "7x12", "2026-01-31 19:00", m(120), "2026-02-01 09:00"),
        ("7x12: UTC 15:59:59 is China 23:59:59", "7x12", "2026-11-23T15:59:59Z", m(60), "2026-11-24 09:00"),
        ("Saturday hours: Friday to Saturday", "office+sat", "2026-11-20 17:00", m(60), "2026-11-21 09:30"),
        ("Saturday hours: Saturday to Monday", "office+sat", "2026-11-21 11:30", m(60), "2026-11-23 08:30"),
        ("make-up Saturday with Monday's hours", "office+sat+makeup", "2026-11-21 07:00", m(300), "2026-11-21 14:30"),
        ("make-up day, Monday closed: Tuesday's hours", "tue-fri+makeup", "2026-11-20 16:00", m(120), "2026-11-21 10:00"),
        ("night: across midnight", "night", "2026-11-23 22:00", m(240), "2026-11-24 02:00"),
        ("night: from the day", "night", "2026-11-23 12:00", m(60), "2026-11-23 21:00"),
    ];
    for (name, c, start, business, expected) in rows {
        let c = named(c);
        let got = c.add(t(start), *business);
        assert_eq!(got, Some(t(expected)), "{name}: got {:?}", got.map(|g| g.to_string()));
        assert_eq!(c.open_between(t(start), t(expected)), *business, "{name}: round trip");
    }
}

#[test]
fn next_open_table() {
    let rows: &[(&str, &str, &str, &str)] = &[
        ("office: open now", "office", "2026-11-23 09:15", "2026-11-23 09:15"),
        ("office: lunch", "office", "2026-11-23 12:00", "2026-11-23 13:30"),
        ("office: Friday closing", "office", "2026-11-20 17:30", "2026-11-23 08:00"),
        ("office 2026: make-up Saturday", "office+2026", "2026-02-13 18:00", "2026-02-14 08:00"),
        ("office 2026: after the Spring Festival", "office+2026", "2026-02-14 18:00", "2026-02-24 08:00"),
        ("festival: 30 closed days", "festival30", "2026-01-31 00:00", "2026-03-03 08:00"),
        ("7x24", "7x24", "2026-11-23 03:17", "2026-11-23 03:17"),
        ("7x24 with holidays: National Day", "7x24+2026", "2026-10-01 05:00", "2026-10-08 00:00"),
        ("7x12: UTC midnight is China 08:00", "7x12", "2026-11-22T23:00:00Z", "2026-11-23 08:00"),
    ];
    for (name, c, at, expected) in rows {
        assert_eq!(named(c).next_open(t(at)), Some(t(expected)), "{name}");
    }
}

#[test]
fn extreme_values_terminate() {
    let office = office_2026();
    assert_eq!(office.add(t("2026-11-23 10:00"), i64::MAX), None, "beyond the representable instants");
    assert_eq!(office.add(Instant(i64::MAX - 1), m(60)), None);
    assert_eq!(Calendar::always().add(t("2026-11-23 10:00"), -5), Some(t("2026-11-23 10:00")), "negative counts as 0");
    // A century of business time: whole weeks are skipped, so this is a few thousand steps.
    let century = m(100 * 52 * 2_400);
    let end = office.add(t("2026-01-01 00:00"), century).unwrap();
    assert_eq!(office.open_between(t("2026-01-01 00:00"), end), century);
    assert!(Calendar::always().open_between(Instant(i64::MIN), Instant(i64::MAX)) > 0);
}

#[test]
fn parse_round_trip_table() {
    let rows: &[(&str, &str)] = &[
        ("7x24", "7x24"),
        ("7×24", "7x24"),
        ("daily 08:00-20:00", "daily 08:00-20:00"),
        ("mon-fri 08:00-12:00,13:30-17:30", "mon-fri 08:00-12:00,13:30-17:30"),
        ("mon-fri 08:00-12:00,13:30-17:30; sat 09:00-12:00", "mon-fri 08:00-12:00,13:30-17:30; sat 09:00-12:00"),
        ("  MON-FRI 8:00-12:00，13:30-17:30；SAT 09:00 - 12:00 ", "mon-fri 08:00-12:00,13:30-17:30; sat 09:00-12:00"),
        ("mon,tue,wed,thu,fri 08:00-17:00", "mon-fri 08:00-17:00"),
        ("mon 08:00-12:00; wed 08:00-12:00", "mon 08:00-12:00; wed 08:00-12:00"),
        ("sat,sun 09:00-12:00; mon-fri 13:30-17:30,08:00-12:00", "mon-fri 08:00-12:00,13:30-17:30; sat-sun 09:00-12:00"),
        ("daily 00:00-24:00", "7x24"),
        ("mon-sun 08:00-20:00", "daily 08:00-20:00"),
        ("daily 20:00-24:00,00:00-08:00", "daily 00:00-08:00,20:00-24:00"),
        ("mon-fri 08:00-17:30; sat,sun closed", "mon-fri 08:00-17:30"),
        ("mon-fri 08:00-12:00,12:00-17:00", "mon-fri 08:00-12:00,12:00-17:00"),
        (
            "7x24; holidays 2026-10-01..2026-10-07, 2026-09-25; workdays 2026-10-10",
            "7x24; holidays 2026-09-25,2026-10-01..2026-10-07; workdays 2026-10-10",
        ),
        (
            "workdays 2026-2-14; daily 08:00-20:00; holidays 2026-02-15..2026-02-16,2026-02-17",
            "daily 08:00-20:00; holidays 2026-02-15..2026-02-17; workdays 2026-02-14",
        ),
    ];
    for (text, canonical) in rows {
        let c = Calendar::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        assert_eq!(c.to_string(), *canonical, "{text}");
        assert_eq!(Calendar::parse(canonical), Ok(c.clone()), "{text}: round trip");
        assert_eq!(canonical.parse::<Calendar>(), Ok(c), "{text}: FromStr");
    }
    for name in ALL {
        let c = named(name);
        assert_eq!(Calendar::parse(&c.to_string()), Ok(c), "{name}: round trip");
    }
}

#[test]
fn parse_errors_table() {
    use CalendarError as E;
    let rows: Vec<(&str, &str, Vec<CalendarError>)> = vec![
        ("empty text", "", vec![E::Empty]),
        ("only separators", "  ;  ； ", vec![E::Empty]),
        ("unknown weekday", "mon-fry 08:00-12:00", vec![E::UnknownWeekday("fry".into()), E::NoOpenHours]),
        ("Chinese weekday is unknown", "周一 08:00-12:00", vec![E::UnknownWeekday("周一".into()), E::NoOpenHours]),
        ("reversed weekday range", "fri-mon 08:00-12:00", vec![E::ReversedWeekdays("fri-mon".into()), E::NoOpenHours]),
        ("weekday twice", "mon 08:00-12:00; mon 13:00-17:00", vec![E::DuplicateWeekday("周一")]),
        ("weekdays without hours", "mon-fri", vec![E::MissingIntervals("mon-fri".into()), E::NoOpenHours]),
        ("hours without minutes", "mon 8-12", vec![E::InvalidInterval("8-12".into()), E::NoOpenHours]),
        ("hour 25", "mon 08:00-25:00", vec![E::MinuteOutOfRange("08:00-25:00".into()), E::NoOpenHours]),
        ("minute 60", "mon 08:60-09:00", vec![E::MinuteOutOfRange("08:60-09:00".into()), E::NoOpenHours]),
        ("24:30", "mon 08:00-24:30", vec![E::MinuteOutOfRange("08:00-24:30".into()), E::NoOpenHours]),
        ("start at 24:00", "mon 24:00-24:00", vec![E::MinuteOutOfRange("24:00-24:00".into()), E::NoOpenHours]),
        ("reversed interval", "mon 12:00-08:00", vec![E::ReversedInterval("12:00-08:00".into()), E::NoOpenHours]),
        ("empty interval", "mon 08:00-08:00", vec![E::ReversedInterval("08:00-08:00".into()), E::NoOpenHours]),
        (
            "overlapping intervals",
            "mon 08:00-12:00,11:00-13:00",
            vec![E::OverlappingIntervals { day: "周一", first: "08:00-12:00".into(), second: "11:00-13:00".into() }],
        ),
        ("closed all week", "sat,sun closed", vec![E::NoOpenHours]),
        ("daily closed", "daily closed", vec![E::NoOpenHours]),
        (
            "every problem named",
            "mon-fry 08:00-12:00; tue 12:00-08:00; wed 08:00-12:00,11:00-13:00",
            vec![
                E::UnknownWeekday("fry".into()),
                E::ReversedInterval("12:00-08:00".into()),
                E::OverlappingIntervals { day: "周三", first: "08:00-12:00".into(), second: "11:00-13:00".into() },
            ],
        ),
        ("7x24 and daily", "7x24; sat 08:00-20:00", vec![E::DuplicateWeekday("周六")]),
        ("reversed dates", "7x24; holidays 2026-10-01..2026-09-30", vec![E::ReversedDates("2026-10-01..2026-09-30".into())]),
        ("nonexistent date", "7x24; holidays 2026-02-30", vec![E::InvalidDate("2026-02-30".into())]),
        ("range of decades", "7x24; holidays 2026-01-01..2099-01-01", vec![E::InvalidDate("2026-01-01..2099-01-01".into())]),
        ("holiday and workday", "7x24; holidays 2026-10-10; workdays 2026-10-10", vec![E::HolidayAndWorkday(day("2026-10-10"))]),
        ("holidays without dates", "7x24; holidays", vec![E::MissingDates("holidays".into())]),
        ("holidays twice", "7x24; holidays 2026-10-01; holidays 2026-10-02", vec![E::DuplicateClause("holidays")]),
    ];
    for (name, text, expected) in rows {
        assert_eq!(Calendar::parse(text), Err(expected), "{name}");
    }
}

#[test]
fn error_messages_are_chinese() {
    let rows: &[(CalendarError, &str)] = &[
        (
            CalendarError::UnknownWeekday("fry".into()),
            "无法识别的星期：“fry”，可用 mon、tue、wed、thu、fri、sat、sun，或 mon-fri 这样的范围",
        ),
        (CalendarError::NoOpenHours, "每周没有任何营业时间，SLA 无法计时"),
        (
            CalendarError::OverlappingIntervals { day: "周一", first: "08:00-12:00".into(), second: "11:00-13:00".into() },
            "周一的时间段重叠：08:00-12:00 与 11:00-13:00",
        ),
        (CalendarError::HolidayAndWorkday(day("2026-10-10")), "2026-10-10 不能同时是节假日和调休上班日"),
    ];
    for (error, message) in rows {
        assert_eq!(error.to_string(), *message);
    }
}

#[test]
fn constructors() {
    let office = [Interval::new(8 * 60, 12 * 60).unwrap(), Interval::new(13 * 60 + 30, 17 * 60 + 30).unwrap()];
    assert_eq!(Calendar::daily(8 * 60, 20 * 60), Ok(cal("daily 08:00-20:00")));
    assert_eq!(Calendar::weekdays(&office), Ok(cal("mon-fri 08:00-12:00,13:30-17:30")));
    assert_eq!(Calendar::always(), cal("7x24"));
    assert_eq!(Calendar::daily(20 * 60, 8 * 60), Err(vec![CalendarError::ReversedInterval("20:00-08:00".into())]));
    assert_eq!(Interval::new(0, 1_441), Err(CalendarError::MinuteOutOfRange("00:00-24:01".into())));
    assert_eq!(Interval::new(1_440, 1_440), Err(CalendarError::MinuteOutOfRange("24:00-24:00".into())));
    assert_eq!(Calendar::new(Default::default()), Err(vec![CalendarError::NoOpenHours]));
    assert_eq!(Calendar::weekdays(&[]), Err(vec![CalendarError::NoOpenHours]));
    let both = [day("2026-10-10")].into_iter().collect::<BTreeSet<_>>();
    assert_eq!(Calendar::always().with_days(both.clone(), both), Err(vec![CalendarError::HolidayAndWorkday(day("2026-10-10"))]));
    let unsorted = Calendar::new(std::array::from_fn(|_| vec![office[1], office[0]])).unwrap();
    assert_eq!(unsorted.week()[0], office.to_vec(), "intervals are sorted");
}

#[test]
fn labels() {
    let rows: &[(&str, &str)] = &[
        ("7x24", "7×24 小时"),
        ("7x12", "每天 08:00-20:00"),
        ("office", "周一至周五 08:00-12:00、13:30-17:30"),
        ("office+sat", "周一至周五 08:00-12:00、13:30-17:30；周六 09:00-12:00"),
        ("office+2026", "周一至周五 08:00-12:00、13:30-17:30（节假日 33 天，调休上班 6 天）"),
    ];
    for (name, label) in rows {
        assert_eq!(named(name).label(), *label, "{name}");
    }
}

/// A small deterministic generator (64-bit LCG, high bits).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: i64) -> i64 {
        let wide = (self.next() << 31) ^ self.next();
        (wide % n.max(1) as u64) as i64
    }
}

#[test]
fn property_add_then_open_between_is_identity_and_add_is_monotone() {
    let mut rng = Lcg(2026);
    let year = t("2026-01-01 00:00");
    for i in 0..4_000 {
        let c = named(ALL[i % ALL.len()]);
        let mut start = Instant(year.0 + rng.below(400 * 1_440) * MICROS_PER_MINUTE);
        if rng.below(2) == 0 {
            start = Instant(start.0 + rng.below(MICROS_PER_MINUTE));
        }
        let d = match rng.below(4) {
            0 => rng.below(m(120)),
            1 => m(rng.below(3 * 1_440)),
            2 => rng.below(m(3 * 1_440)),
            _ => rng.below(m(60 * 1_440)),
        };
        let end = c.add(start, d).unwrap();
        assert!(end >= start);
        assert_eq!(c.open_between(start, end), d, "case {i}: {c} from {start} + {d}");
        if d > 0 {
            let before = Instant(end.0 - 1);
            assert_eq!(c.open_between(start, before), d - 1, "case {i}: earliest");
            assert!(c.is_open(before), "case {i}: the last µs counted is open");
        }
        let more = d + rng.below(m(600));
        assert!(c.add(start, more).unwrap() >= end, "case {i}: monotone");
        let mid = Instant(start.0 + rng.below(end.0 - start.0 + 1));
        assert_eq!(c.open_between(start, mid) + c.open_between(mid, end), d, "case {i}: additive");
        assert_eq!(c.next_open(start), Some(Instant(c.add(start, 1).unwrap().0 - 1)), "case {i}: next_open");
    }
}

#[test]
fn property_open_between_matches_a_minute_by_minute_walk() {
    let mut rng = Lcg(7);
    let year = t("2026-01-01 00:00");
    for i in 0..400 {
        let c = named(ALL[i % ALL.len()]);
        let from = year.plus_minutes(rng.below(380 * 1_440));
        let to = from.plus_minutes(rng.below(3 * 1_440));
        let mut expected = 0;
        let mut at = from;
        while at < to {
            if c.is_open(at) {
                expected += MICROS_PER_MINUTE;
            }
            at = at.plus_minutes(1);
        }
        assert_eq!(c.open_between(from, to), expected, "case {i}: {c} {from}..{to}");
    }
}
