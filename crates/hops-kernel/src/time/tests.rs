use super::*;

const HOUR: i64 = 3_600 * MICROS_PER_SECOND;

fn at(s: &str) -> Instant {
    Instant::parse(s).unwrap()
}

#[test]
fn parse_accepted_forms() {
    // 2026-11-22T00:00:00Z = 1_795_305_600 s since the epoch.
    let base = Instant(1_795_305_600 * MICROS_PER_SECOND);
    let cases: &[(&str, Instant)] = &[
        ("2026-11-22T00:00:00Z", base),
        ("2026-11-22T00:00:00z", base),
        ("2026-11-22t00:00:00Z", base),
        ("2026-11-22T08:00:00+08:00", base),
        ("2026-11-22 08:00:00+08:00", base),
        ("2026-11-22T08:00:00+08:00[Asia/Shanghai]", base),
        ("2026-11-21T19:00:00-05:00", base),
        ("2026-11-22T08:00:00", base),
        ("2026-11-22 08:00:00", base),
        ("2026-11-22 08:00", base),
        ("  2026-11-22 08:00\n", base),
        ("2026-11-22", base.plus_seconds(-8 * 3_600)),
        ("2026-11-22 08:00:01.5", Instant(base.0 + 1_500_000)),
        ("2026-11-22T08:00:00.000001+08:00", Instant(base.0 + 1)),
        ("1970-01-01T00:00:00Z", Instant(0)),
        ("1970-01-01 08:00", Instant(0)),
        ("1969-12-31T23:59:59Z", Instant(-MICROS_PER_SECOND)),
    ];
    for &(s, want) in cases {
        assert_eq!(Instant::parse(s), Ok(want), "{s:?}");
        assert_eq!(s.parse::<Instant>(), Ok(want), "{s:?}");
    }
}

#[test]
fn parse_rejects_bad_input() {
    let cases: &[(&str, TimeError)] = &[
        ("", TimeError::EmptyInstant),
        ("   ", TimeError::EmptyInstant),
        ("yesterday", TimeError::InvalidInstant("yesterday".into())),
        ("2026-11-22 25:00", TimeError::InvalidInstant("2026-11-22 25:00".into())),
        ("2026-02-30 08:00", TimeError::InvalidInstant("2026-02-30 08:00".into())),
        ("2026-11-22 08:60", TimeError::InvalidInstant("2026-11-22 08:60".into())),
        ("22/11/2026 08:00", TimeError::InvalidInstant("22/11/2026 08:00".into())),
        ("2026年11月22日", TimeError::InvalidInstant("2026年11月22日".into())),
        ("1795305600", TimeError::InvalidInstant("1795305600".into())),
        ("2026-11-22T08:00:00+26:00", TimeError::InvalidInstant("2026-11-22T08:00:00+26:00".into())),
    ];
    for (s, want) in cases {
        assert_eq!(Instant::parse(s).as_ref(), Err(want), "{s:?}");
    }
    let msg = Instant::parse("x").unwrap_err().to_string();
    assert!(msg.contains("时间格式无效"), "{msg}");
    assert_eq!(TimeError::EmptyInstant.to_string(), "时间不能为空");
}

#[test]
fn display_is_rfc3339_in_shanghai() {
    let cases: &[(Instant, &str)] = &[
        (Instant(0), "1970-01-01T08:00:00+08:00"),
        (at("2026-11-22T06:03:09Z"), "2026-11-22T14:03:09+08:00"),
        (at("2026-11-22T16:00:00Z"), "2026-11-23T00:00:00+08:00"),
        (Instant(1), "1970-01-01T08:00:00.000001+08:00"),
        (Instant(-1), "1970-01-01T07:59:59.999999+08:00"),
        (Instant(123_456_789), "1970-01-01T08:02:03.456789+08:00"),
    ];
    for &(instant, want) in cases {
        assert_eq!(instant.to_string(), want);
        assert_eq!(Instant::parse(want), Ok(instant), "round trip {want}");
    }
}

#[test]
fn display_round_trips_over_a_range() {
    let mut i = Instant(-3_000_000_000 * MICROS_PER_SECOND);
    while i.0 < 5_000_000_000 * MICROS_PER_SECOND {
        assert_eq!(Instant::parse(&i.to_string()), Ok(i));
        i = Instant(i.0 + 7_777_777_777_777);
    }
}

#[test]
fn formats() {
    let cases: &[(&str, &str, &str)] = &[
        ("2026-11-22T06:03:59.999Z", "2026-11-22 14:03", "2026-11-22 14:03:59"),
        ("2026-11-22 00:00", "2026-11-22 00:00", "2026-11-22 00:00:00"),
        ("2026-12-31T16:00:00Z", "2027-01-01 00:00", "2027-01-01 00:00:00"),
        ("1969-12-31T15:59:59Z", "1969-12-31 23:59", "1969-12-31 23:59:59"),
        ("0999-05-06 07:08:09", "0999-05-06 07:08", "0999-05-06 07:08:09"),
    ];
    for &(s, minute, second) in cases {
        assert_eq!(at(s).format_minute(), minute, "{s}");
        assert_eq!(at(s).format_second(), second, "{s}");
    }
}

#[test]
fn local_day_boundaries() {
    let cases: &[(i64, i32)] =
        &[(0, 0), (16 * HOUR - 1, 0), (16 * HOUR, 1), (-8 * HOUR, 0), (-8 * HOUR - 1, -1), (-32 * HOUR, -1), (-32 * HOUR - 1, -2)];
    for &(micros, want) in cases {
        assert_eq!(Instant(micros).local_day(), LocalDay(want), "{micros}");
    }
    assert_eq!(at("2026-11-22 00:00").local_day().to_string(), "2026-11-22");
    assert_eq!(at("2026-11-21 23:59:59.999999").local_day().to_string(), "2026-11-21");
    // Extremes do not overflow.
    assert!(Instant(i64::MAX).local_day().0 > 100_000_000);
    assert!(Instant(i64::MIN).local_day().0 < -100_000_000);
}

#[test]
fn arithmetic() {
    let t = at("2026-11-22 08:00");
    assert_eq!(t.plus_seconds(60), t.plus_minutes(1));
    assert_eq!(t.plus_minutes(-90).format_minute(), "2026-11-22 06:30");
    assert_eq!(t.plus_minutes(60 * 24).local_day().to_string(), "2026-11-23");
    assert_eq!(t.plus_seconds(75).seconds_since(t), 75);
    assert_eq!(t.seconds_since(t.plus_seconds(75)), -75);
    assert_eq!(Instant(t.0 + 1_999_999).seconds_since(t), 1);
    assert_eq!(Instant(t.0 - 1_999_999).seconds_since(t), -1);
    assert_eq!(Instant(i64::MAX).plus_seconds(1), Instant(i64::MAX));
    assert_eq!(Instant(0).plus_seconds(i64::MIN), Instant(i64::MIN));
    assert_eq!(Instant(i64::MAX).seconds_since(Instant(i64::MIN)), i64::MAX / MICROS_PER_SECOND);
}

#[test]
fn timestamp_conversion() {
    let ts: Timestamp = "2026-11-22T00:00:00.123456789Z".parse().unwrap();
    let i = Instant::from_timestamp(ts);
    assert_eq!(i.0 % MICROS_PER_SECOND, 123_456);
    assert_eq!(i.to_timestamp().to_string(), "2026-11-22T00:00:00.123456Z");
    assert_eq!(Instant(i64::MAX).to_timestamp(), Timestamp::MAX);
    assert_eq!(Instant(i64::MIN).to_timestamp(), Timestamp::MIN);
}

#[test]
fn to_shanghai_uses_the_tz_database() {
    let z = at("2026-11-22T06:03:00Z").to_shanghai();
    assert_eq!(z.time_zone().iana_name(), Some("Asia/Shanghai"));
    assert_eq!((z.hour(), z.minute()), (14, 3));
    assert_eq!(z.offset(), Offset::constant(8));
}

#[test]
fn local_day_parse_and_display() {
    let cases: &[(&str, &str)] = &[
        ("2026-11-22", "2026-11-22"),
        ("1970-01-01", "1970-01-01"),
        ("2026-1-5", "2026-01-05"),
        ("2026/11/22", "2026-11-22"),
        ("2026/1/5", "2026-01-05"),
        (" 2024-02-29 ", "2024-02-29"),
        ("0001-01-01", "0001-01-01"),
        ("9999-12-31", "9999-12-31"),
    ];
    for &(s, want) in cases {
        let d = LocalDay::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        assert_eq!(d.to_string(), want);
        assert_eq!(want.parse::<LocalDay>(), Ok(d));
    }
    assert_eq!(LocalDay::parse("1970-01-01"), Ok(LocalDay(0)));
    assert_eq!(LocalDay::parse("1969-12-31"), Ok(LocalDay(-1)));
    assert_eq!(LocalDay::parse("2026-11-22"), Ok(LocalDay(20_779)));
}

#[test]
fn local_day_parse_rejects_bad_input() {
    let invalid = |s: &str| TimeError::InvalidDate(s.into());
    let nonexistent = |s: &str| TimeError::NonexistentDate(s.into());
    let cases: Vec<(&str, TimeError)> = vec![
        ("", TimeError::EmptyDate),
        ("  ", TimeError::EmptyDate),
        ("2026-11", invalid("2026-11")),
        ("2026-11-22-1", invalid("2026-11-22-1")),
        ("26-11-22", invalid("26-11-22")),
        ("20261122", invalid("20261122")),
        ("2026-11-22T08:00", invalid("2026-11-22T08:00")),
        ("2026-11/22", invalid("2026-11/22")),
        ("2026-011-22", invalid("2026-011-22")),
        ("2026-+1-22", invalid("2026-+1-22")),
        ("２０２６-11-22", invalid("２０２６-11-22")),
        ("abcd-ef-gh", invalid("abcd-ef-gh")),
        ("2026-02-29", nonexistent("2026-02-29")),
        ("2026-13-01", nonexistent("2026-13-01")),
        ("2026-00-10", nonexistent("2026-00-10")),
        ("2026-04-31", nonexistent("2026-04-31")),
    ];
    for (s, want) in cases {
        assert_eq!(LocalDay::parse(s), Err(want), "{s:?}");
    }
    assert_eq!(LocalDay::parse("2026-02-30").unwrap_err().to_string(), "日期不存在：“2026-02-30”");
}

#[test]
fn local_day_matches_jiff_for_many_days() {
    let mut date = Date::constant(1890, 1, 1);
    let mut expected = LocalDay::from_date(date).0;
    assert_eq!(expected, -29_219);
    while date < Date::constant(2110, 1, 1) {
        let d = LocalDay::from_date(date);
        assert_eq!(d.0, expected);
        assert_eq!(d.to_date(), date);
        assert_eq!(d.weekday(), date.weekday(), "{date}");
        date = date.tomorrow().unwrap();
        expected += 1;
    }
}

#[test]
fn local_day_start_and_clamping() {
    let d = LocalDay::parse("2026-11-22").unwrap();
    assert_eq!(d.start(), at("2026-11-22 00:00"));
    assert_eq!(d.start().local_day(), d);
    assert_eq!(d.start().plus_seconds(-1).local_day(), d.plus_days(-1));
    assert_eq!(d.plus_days(10).to_string(), "2026-12-02");
    assert_eq!(d.plus_days(-22).to_string(), "2026-10-31");
    assert_eq!(d.plus_days(10).days_since(d), 10);
    assert_eq!(LocalDay(i32::MAX).plus_days(1), LocalDay(i32::MAX));
    assert_eq!(LocalDay(i32::MAX).to_date(), Date::MAX);
    assert_eq!(LocalDay(i32::MIN).to_date(), Date::MIN);
    assert_eq!(LocalDay(0).weekday(), Weekday::Thursday);
    assert_eq!(d.weekday(), Weekday::Sunday);
}

#[test]
fn age_on_a_day() {
    let birth = LocalDay::parse("1988-02-29").unwrap();
    let cases = [("2026-02-28", 37), ("2026-03-01", 38), ("2028-02-29", 40), ("1988-02-29", 0), ("1980-01-01", 0)];
    for (day, age) in cases {
        assert_eq!(birth.age_on(LocalDay::parse(day).unwrap()), age, "{day}");
    }
}
