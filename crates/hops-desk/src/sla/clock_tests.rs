//! Tests of `clock.rs`: table-driven rows with readable China local times, alarms, attainment,
//! and generated properties (the alarm instants are where the state changes).
use hops_platform::calendar::holidays::china_2026;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::*;
use crate::sla::presets;

/// A China local time `2026-11-23 10:30`.
fn t(s: &str) -> Instant {
    Instant::parse(s).unwrap_or_else(|e| panic!("test time {s}: {e}"))
}

/// Business µs of `n` minutes.
fn m(n: i64) -> i64 {
    n * MICROS_PER_MINUTE
}

/// A number in `0..n` (0 when `n` ≤ 1).
fn below(rng: &mut StdRng, n: i64) -> i64 {
    rng.random_range(0..n.max(1))
}

fn pending(from: &str, to: Option<&str>) -> Stop {
    Stop { from: t(from), to: to.map(t), reason: StopReason::Pending }
}

fn resolved(from: &str, to: Option<&str>) -> Stop {
    Stop { from: t(from), to: to.map(t), reason: StopReason::Resolved }
}

fn targets(first_response: Option<u32>, resolution: Option<u32>) -> Targets {
    Targets { first_response, resolution, warn_at_percent: Some(80) }
}

fn named(name: &str) -> Calendar {
    match name {
        "7x24" => presets::seven_by_24(),
        "7x12" => presets::seven_by_12(),
        "office" => presets::office_hours(),
        "office+2026" => {
            let year = china_2026();
            presets::office_hours().with_days(year.holidays, year.workdays).unwrap()
        }
        other => panic!("no test calendar {other}"),
    }
}

/// What a row expects of one clock; `remaining` is checked as target − elapsed.
struct Expect {
    due: Option<&'static str>,
    met_at: Option<&'static str>,
    elapsed: i64,
    status: ClockStatus,
}

fn check(name: &str, state: &ClockState, target_minutes: Option<u32>, e: &Expect) {
    let shown = |i: Option<Instant>| i.map(|i| i.to_string());
    assert_eq!(shown(state.due), shown(e.due.map(t)), "{name}: due");
    assert_eq!(state.met_at, e.met_at.map(t), "{name}: met_at");
    assert_eq!(state.elapsed, e.elapsed, "{name}: elapsed");
    assert_eq!(state.status(), e.status, "{name}: status");
    let target = target_minutes.map(|mins| m(i64::from(mins)));
    assert_eq!(state.target, target, "{name}: target");
    assert_eq!(state.remaining, target.map_or(0, |t| t - e.elapsed), "{name}: remaining");
    let s = e.status;
    assert_eq!(state.breached, matches!(s, ClockStatus::Breached | ClockStatus::MetLate), "{name}: breached");
    match s {
        ClockStatus::Paused => assert!(state.paused, "{name}: paused"),
        ClockStatus::Running | ClockStatus::Warning => assert!(!state.paused, "{name}: not paused"),
        _ => {}
    }
    if s == ClockStatus::Warning {
        assert!(state.warning, "{name}: warning");
    }
    if matches!(s, ClockStatus::Running | ClockStatus::Breached | ClockStatus::MetInTime | ClockStatus::MetLate | ClockStatus::NoTarget) {
        assert!(!state.warning, "{name}: no warning");
    }
}

#[test]
fn first_response_table() {
    use ClockStatus::*;
    struct Row {
        name: &'static str,
        cal: &'static str,
        target: Option<u32>,
        created: &'static str,
        reply: Option<&'static str>,
        stops: Vec<Stop>,
        now: &'static str,
        expect: Expect,
    }
    let row = |name, cal, target, created, reply, now, expect| Row { name, cal, target, created, reply, stops: vec![], now, expect };
    let rows = vec![
        row(
            "7x24: running",
            "7x24",
            Some(30),
            "2026-11-23 10:00",
            None,
            "2026-11-23 10:10",
            Expect { due: Some("2026-11-23 10:30"), met_at: None, elapsed: m(10), status: Running },
        ),
        row(
            "7x24: 1 µs before the warning",
            "7x24",
            Some(30),
            "2026-11-23 10:00",
            None,
            "2026-11-23 10:23:59.999999",
            Expect { due: Some("2026-11-23 10:30"), met_at: None, elapsed: m(24) - 1, status: Running },
        ),
        row(
            "7x24: warning at 80 %",
            "7x24",
            Some(30),
            "2026-11-23 10:00",
            None,
            "2026-11-23 10:24",
            Expect { due: Some("2026-11-23 10:30"), met_at: None, elapsed: m(24), status: Warning },
        ),
        row(
            "7x24: at the due instant, not yet breached",
            "7x24",
            Some(30),
            "2026-11-23 10:00",
            None,
            "2026-11-23 10:30",
            Expect { due: Some("2026-11-23 10:30"), met_at: None, elapsed: m(30), status: Warning },
        ),
        row(
            "7x24: breached by 1 µs",
            "7x24",
            Some(30),
            "2026-11-23 10:00",
            None,
            "2026-11-23 10:30:00.000001",
            Expect { due: Some("2026-11-23 10:30"), met_at: None, elapsed: m(30) + 1, status: Breached },
        ),
        row(
            "7x24: met exactly at due",
            "7x24",
            Some(30),
            "2026-11-23 10:00",
            Some("2026-11-23 10:30"),
            "2026-11-23 12:00",
            Expect { due: Some("2026-11-23 10:30"), met_at: Some("2026-11-23 10:30"), elapsed: m(30), status: MetInTime },
        ),
        row(
            "7x24: met 1 µs late",
            "7x24",
            Some(30),
            "2026-11-23 10:00",
            Some("2026-11-23 10:30:00.000001"),
            "2026-11-23 12:00",
            Expect { due: Some("2026-11-23 10:30"), met_at: Some("2026-11-23 10:30:00.000001"), elapsed: m(30) + 1, status: MetLate },
        ),
        row(
            "a reply after now is not known yet",
            "7x24",
            Some(30),
            "2026-11-23 10:00",
            Some("2026-11-23 11:00"),
            "2026-11-23 10:10",
            Expect { due: Some("2026-11-23 10:30"), met_at: None, elapsed: m(10), status: Running },
        ),
        row(
            "a reply before creation counts at creation",
            "7x24",
            Some(30),
            "2026-11-23 10:00",
            Some("2026-11-23 09:00"),
            "2026-11-23 10:10",
            Expect { due: Some("2026-11-23 10:30"), met_at: Some("2026-11-23 10:00"), elapsed: 0, status: MetInTime },
        ),
        row(
            "no target",
            "7x24",
            None,
            "2026-11-23 10:00",
            None,
            "2026-11-30 10:00",
            Expect { due: None, met_at: None, elapsed: m(7 * 1_440), status: NoTarget },
        ),
        row(
            "office: Friday evening, due Monday morning",
            "office",
            Some(10),
            "2026-11-20 17:25",
            None,
            "2026-11-21 10:00",
            Expect { due: Some("2026-11-23 08:05"), met_at: None, elapsed: m(5), status: Running },
        ),
        row(
            "office: created on Saturday, warning Monday",
            "office",
            Some(10),
            "2026-11-21 10:00",
            None,
            "2026-11-23 08:09",
            Expect { due: Some("2026-11-23 08:10"), met_at: None, elapsed: m(9), status: Warning },
        ),
        row(
            "office: reply on Sunday is in time",
            "office",
            Some(10),
            "2026-11-20 17:25",
            Some("2026-11-22 10:00"),
            "2026-11-23 10:00",
            Expect { due: Some("2026-11-23 08:05"), met_at: Some("2026-11-22 10:00"), elapsed: m(5), status: MetInTime },
        ),
        row(
            "office 2026: make-up Saturday, due after the Spring Festival",
            "office+2026",
            Some(10),
            "2026-02-14 17:25",
            None,
            "2026-02-20 10:00",
            Expect { due: Some("2026-02-24 08:05"), met_at: None, elapsed: m(5), status: Running },
        ),
        row(
            "7x12: UTC 11:55 is China 19:55; due next morning",
            "7x12",
            Some(10),
            "2026-11-23T11:55:00Z",
            None,
            "2026-11-24T00:05:00Z",
            Expect { due: Some("2026-11-24 08:05"), met_at: None, elapsed: m(10), status: Warning },
        ),
        row(
            "7x12: China 08:05:00.000001 is breached",
            "7x12",
            Some(10),
            "2026-11-23T11:55:00Z",
            None,
            "2026-11-24T00:05:00.000001Z",
            Expect { due: Some("2026-11-24 08:05"), met_at: None, elapsed: m(10) + 1, status: Breached },
        ),
        row(
            "7x24: year end",
            "7x24",
            Some(30),
            "2026-12-31 23:50",
            None,
            "2027-01-01 00:10",
            Expect { due: Some("2027-01-01 00:20"), met_at: None, elapsed: m(20), status: Running },
        ),
        Row {
            stops: vec![pending("2026-11-23 10:05", Some("2026-11-23 10:20"))],
            ..row(
                "pending does not pause the first response",
                "7x24",
                Some(30),
                "2026-11-23 10:00",
                None,
                "2026-11-23 10:31",
                Expect { due: Some("2026-11-23 10:30"), met_at: None, elapsed: m(31), status: Breached },
            )
        },
        Row {
            stops: vec![pending("2026-11-23 10:05", None)],
            ..row(
                "paused resolution, first response runs",
                "7x24",
                Some(30),
                "2026-11-23 10:00",
                None,
                "2026-11-23 10:20",
                Expect { due: Some("2026-11-23 10:30"), met_at: None, elapsed: m(20), status: Running },
            )
        },
    ];
    for r in &rows {
        let timeline = Timeline { created_at: t(r.created), first_response_at: r.reply.map(t), stops: r.stops.clone() };
        let sla = evaluate(&named(r.cal), &targets(r.target, Some(60)), &timeline, t(r.now));
        check(r.name, &sla.first_response, r.target, &r.expect);
    }
}

#[test]
fn resolution_table() {
    use ClockStatus::*;
    struct Row {
        name: &'static str,
        cal: &'static str,
        target: Option<u32>,
        created: &'static str,
        stops: Vec<Stop>,
        now: &'static str,
        expect: Expect,
    }
    // Office hours, 4 business hours: created Monday 09:00 → due 14:30 without stops.
    let office = |name, stops, now, expect| Row { name, cal: "office", target: Some(240), created: "2026-11-23 09:00", stops, now, expect };
    let rows = vec![
        office(
            "running, no stops",
            vec![],
            "2026-11-23 10:00",
            Expect { due: Some("2026-11-23 14:30"), met_at: None, elapsed: m(60), status: Running },
        ),
        office(
            "pending inside hours shifts the due time",
            vec![pending("2026-11-23 10:00", Some("2026-11-23 11:00"))],
            "2026-11-23 15:00",
            Expect { due: Some("2026-11-23 15:30"), met_at: None, elapsed: m(210), status: Warning },
        ),
        office(
            "pending inside lunch changes nothing",
            vec![pending("2026-11-23 12:05", Some("2026-11-23 13:25"))],
            "2026-11-23 14:00",
            Expect { due: Some("2026-11-23 14:30"), met_at: None, elapsed: m(210), status: Warning },
        ),
        Row {
            created: "2026-11-23 16:00",
            ..office(
                "pending over the night changes nothing",
                vec![pending("2026-11-23 18:00", Some("2026-11-24 07:00"))],
                "2026-11-24 10:00",
                Expect { due: Some("2026-11-24 10:30"), met_at: None, elapsed: m(210), status: Warning },
            )
        },
        Row {
            created: "2026-11-23 16:00",
            ..office(
                "pending overlapping closing time",
                vec![pending("2026-11-23 17:00", Some("2026-11-24 09:00"))],
                "2026-11-24 10:00",
                Expect { due: Some("2026-11-24 12:00"), met_at: None, elapsed: m(120), status: Running },
            )
        },
        office(
            "pending for several days",
            vec![pending("2026-11-23 10:00", Some("2026-11-26 10:00"))],
            "2026-11-26 11:00",
            Expect { due: Some("2026-11-26 14:30"), met_at: None, elapsed: m(120), status: Running },
        ),
        office(
            "paused now: due unknown, remaining frozen",
            vec![pending("2026-11-23 10:00", None)],
            "2026-11-24 15:00",
            Expect { due: None, met_at: None, elapsed: m(60), status: Paused },
        ),
        office(
            "a pause ending after now is still running",
            vec![pending("2026-11-23 10:00", Some("2026-11-25 09:00"))],
            "2026-11-24 15:00",
            Expect { due: None, met_at: None, elapsed: m(60), status: Paused },
        ),
        office(
            "paused after the due time: still breached",
            vec![pending("2026-11-23 15:00", None)],
            "2026-11-24 10:00",
            Expect { due: Some("2026-11-23 14:30"), met_at: None, elapsed: m(270), status: Breached },
        ),
        office(
            "paused inside the warning window",
            vec![pending("2026-11-23 13:45", None)],
            "2026-11-23 15:00",
            Expect { due: None, met_at: None, elapsed: m(195), status: Paused },
        ),
        office(
            "resolved in time",
            vec![resolved("2026-11-23 13:00", None)],
            "2026-11-24 10:00",
            Expect { due: Some("2026-11-23 14:30"), met_at: Some("2026-11-23 13:00"), elapsed: m(180), status: MetInTime },
        ),
        office(
            "resolved exactly at due",
            vec![resolved("2026-11-23 14:30", None)],
            "2026-11-24 10:00",
            Expect { due: Some("2026-11-23 14:30"), met_at: Some("2026-11-23 14:30"), elapsed: m(240), status: MetInTime },
        ),
        office(
            "resolved 1 µs after due",
            vec![resolved("2026-11-23 14:30:00.000001", None)],
            "2026-11-24 10:00",
            Expect { due: Some("2026-11-23 14:30"), met_at: Some("2026-11-23 14:30:00.000001"), elapsed: m(240) + 1, status: MetLate },
        ),
        Row {
            created: "2026-11-23 13:30",
            ..office(
                "resolved in the evening after a 17:30 due: late",
                vec![resolved("2026-11-23 18:00", None)],
                "2026-11-24 10:00",
                Expect { due: Some("2026-11-23 17:30"), met_at: Some("2026-11-23 18:00"), elapsed: m(240), status: MetLate },
            )
        },
        office(
            "resolved then reopened: the clock runs again",
            vec![resolved("2026-11-23 10:00", Some("2026-11-24 09:00"))],
            "2026-11-24 10:00",
            Expect { due: Some("2026-11-24 12:00"), met_at: None, elapsed: m(120), status: Running },
        ),
        office(
            "reopened, resolved again after due",
            vec![resolved("2026-11-23 10:00", Some("2026-11-24 09:00")), resolved("2026-11-24 12:30", None)],
            "2026-11-25 10:00",
            Expect { due: Some("2026-11-24 12:00"), met_at: Some("2026-11-24 12:30"), elapsed: m(240), status: MetLate },
        ),
        office(
            "resolved while pending: met, due never reached",
            vec![pending("2026-11-23 10:00", None), resolved("2026-11-24 09:00", None)],
            "2026-11-25 10:00",
            Expect { due: None, met_at: Some("2026-11-24 09:00"), elapsed: m(60), status: MetInTime },
        ),
        office(
            "overlapping pauses count once",
            vec![pending("2026-11-23 10:30", Some("2026-11-23 11:30")), pending("2026-11-23 10:00", Some("2026-11-23 11:00"))],
            "2026-11-23 15:00",
            Expect { due: Some("2026-11-23 16:00"), met_at: None, elapsed: m(180), status: Running },
        ),
        office(
            "a pause beginning exactly at due does not move it",
            vec![pending("2026-11-23 14:30", Some("2026-11-23 16:00"))],
            "2026-11-23 17:00",
            Expect { due: Some("2026-11-23 14:30"), met_at: None, elapsed: m(300), status: Breached },
        ),
        office(
            "resolved twice without a reopen: met at the first",
            vec![resolved("2026-11-23 15:00", None), resolved("2026-11-23 14:00", None)],
            "2026-11-24 10:00",
            Expect { due: Some("2026-11-23 14:30"), met_at: Some("2026-11-23 14:00"), elapsed: m(210), status: MetInTime },
        ),
        office(
            "a pause inside another pause",
            vec![pending("2026-11-23 10:00", Some("2026-11-23 14:00")), pending("2026-11-23 10:30", Some("2026-11-23 11:00"))],
            "2026-11-23 15:00",
            Expect { due: Some("2026-11-23 17:00"), met_at: None, elapsed: m(120), status: Running },
        ),
        office(
            "a pause from before creation counts from creation",
            vec![pending("2026-11-23 08:00", Some("2026-11-23 09:30"))],
            "2026-11-23 10:00",
            Expect { due: Some("2026-11-23 15:00"), met_at: None, elapsed: m(30), status: Running },
        ),
        office(
            "a pause after now is not known yet",
            vec![pending("2026-11-23 11:00", Some("2026-11-23 12:00"))],
            "2026-11-23 10:00",
            Expect { due: Some("2026-11-23 14:30"), met_at: None, elapsed: m(60), status: Running },
        ),
        office(
            "an empty pause is ignored",
            vec![pending("2026-11-23 10:00", Some("2026-11-23 10:00"))],
            "2026-11-23 10:30",
            Expect { due: Some("2026-11-23 14:30"), met_at: None, elapsed: m(90), status: Running },
        ),
        office(
            "with a pause: at due, not breached",
            vec![pending("2026-11-23 10:00", Some("2026-11-23 11:00"))],
            "2026-11-23 15:30",
            Expect { due: Some("2026-11-23 15:30"), met_at: None, elapsed: m(240), status: Warning },
        ),
        office(
            "with a pause: breached by 1 µs",
            vec![pending("2026-11-23 10:00", Some("2026-11-23 11:00"))],
            "2026-11-23 15:30:00.000001",
            Expect { due: Some("2026-11-23 15:30"), met_at: None, elapsed: m(240) + 1, status: Breached },
        ),
        Row {
            cal: "office+2026",
            created: "2026-02-13 15:00",
            ..office(
                "office 2026: due on the make-up Saturday",
                vec![],
                "2026-02-13 16:00",
                Expect { due: Some("2026-02-14 09:30"), met_at: None, elapsed: m(60), status: Running },
            )
        },
        Row {
            cal: "office+2026",
            created: "2026-02-13 15:00",
            ..office(
                "office 2026: pending over the Spring Festival",
                vec![pending("2026-02-13 16:00", Some("2026-02-24 08:00"))],
                "2026-02-24 10:00",
                Expect { due: Some("2026-02-24 11:00"), met_at: None, elapsed: m(180), status: Running },
            )
        },
        Row {
            cal: "7x24",
            target: Some(120),
            created: "2026-12-31 23:00",
            ..office(
                "7x24: pending over the year end",
                vec![pending("2026-12-31 23:30", Some("2027-01-01 01:00"))],
                "2027-01-01 01:30",
                Expect { due: Some("2027-01-01 02:30"), met_at: None, elapsed: m(60), status: Running },
            )
        },
        Row {
            cal: "7x24",
            target: Some(120),
            created: "2026-11-30 23:00",
            ..office(
                "7x24: month end, China midnight is 16:00 UTC",
                vec![],
                "2026-11-30T16:30:00Z",
                Expect { due: Some("2026-12-01 01:00"), met_at: None, elapsed: m(90), status: Running },
            )
        },
        Row {
            target: None,
            ..office(
                "no resolution target",
                vec![resolved("2026-11-23 10:00", None)],
                "2026-11-24 10:00",
                Expect { due: None, met_at: Some("2026-11-23 10:00"), elapsed: m(60), status: NoTarget },
            )
        },
    ];
    for r in &rows {
        let timeline = Timeline { created_at: t(r.created), first_response_at: None, stops: r.stops.clone() };
        let sla = evaluate(&named(r.cal), &targets(Some(10), r.target), &timeline, t(r.now));
        check(r.name, &sla.resolution, r.target, &r.expect);
    }
    // Paused after the due time: both flags, and nothing left to schedule.
    let timeline = Timeline { created_at: t("2026-11-23 09:00"), first_response_at: None, stops: vec![pending("2026-11-23 15:00", None)] };
    let sla = evaluate(&named("office"), &targets(None, Some(240)), &timeline, t("2026-11-24 10:00"));
    assert!(sla.resolution.paused && sla.resolution.breached);
    assert_eq!(sla.resolution.alarm(t("2026-11-24 10:00")), Alarm::default());
}

#[test]
fn alarms_table() {
    struct Row {
        name: &'static str,
        cal: &'static str,
        created: &'static str,
        reply: Option<&'static str>,
        stops: Vec<Stop>,
        now: &'static str,
        first_response: (Option<&'static str>, Option<&'static str>),
        resolution: (Option<&'static str>, Option<&'static str>),
    }
    // 7x24: response 30 min (warn at 24), resolution 120 min (warn at 96).
    let rows = vec![
        Row {
            name: "7x24: both clocks running",
            cal: "7x24",
            created: "2026-11-23 10:00",
            reply: None,
            stops: vec![],
            now: "2026-11-23 10:10",
            first_response: (Some("2026-11-23 10:24"), Some("2026-11-23 10:30:00.000001")),
            resolution: (Some("2026-11-23 11:36"), Some("2026-11-23 12:00:00.000001")),
        },
        Row {
            name: "7x24: in the warning window, the breach is still ahead",
            cal: "7x24",
            created: "2026-11-23 10:00",
            reply: None,
            stops: vec![],
            now: "2026-11-23 10:25",
            first_response: (None, Some("2026-11-23 10:30:00.000001")),
            resolution: (Some("2026-11-23 11:36"), Some("2026-11-23 12:00:00.000001")),
        },
        Row {
            name: "7x24: at the due instant",
            cal: "7x24",
            created: "2026-11-23 10:00",
            reply: None,
            stops: vec![],
            now: "2026-11-23 10:30",
            first_response: (None, Some("2026-11-23 10:30:00.000001")),
            resolution: (Some("2026-11-23 11:36"), Some("2026-11-23 12:00:00.000001")),
        },
        Row {
            name: "7x24: breached, replied, paused: nothing to schedule",
            cal: "7x24",
            created: "2026-11-23 10:00",
            reply: Some("2026-11-23 10:05"),
            stops: vec![pending("2026-11-23 10:10", None)],
            now: "2026-11-23 10:31",
            first_response: (None, None),
            resolution: (None, None),
        },
        Row {
            name: "7x24: first response breached, resolution running",
            cal: "7x24",
            created: "2026-11-23 10:00",
            reply: None,
            stops: vec![],
            now: "2026-11-23 10:31",
            first_response: (None, None),
            resolution: (Some("2026-11-23 11:36"), Some("2026-11-23 12:00:00.000001")),
        },
        Row {
            name: "office: Friday evening, alarms on Monday",
            cal: "office",
            created: "2026-11-20 17:25",
            reply: None,
            stops: vec![],
            now: "2026-11-20 17:26",
            first_response: (Some("2026-11-23 08:19"), Some("2026-11-23 08:25:00.000001")),
            resolution: (Some("2026-11-23 09:31"), Some("2026-11-23 09:55:00.000001")),
        },
        Row {
            name: "office: after a pause, alarms shifted",
            cal: "office",
            created: "2026-11-23 09:00",
            reply: Some("2026-11-23 09:10"),
            stops: vec![pending("2026-11-23 10:00", Some("2026-11-23 11:00"))],
            now: "2026-11-23 11:30",
            first_response: (None, None),
            resolution: (Some("2026-11-23 11:36"), Some("2026-11-23 12:00:00.000001")),
        },
        Row {
            name: "resolved: nothing to schedule",
            cal: "office",
            created: "2026-11-23 09:00",
            reply: Some("2026-11-23 09:10"),
            stops: vec![resolved("2026-11-23 10:00", None)],
            now: "2026-11-23 11:30",
            first_response: (None, None),
            resolution: (None, None),
        },
    ];
    let tg = Targets { first_response: Some(30), resolution: Some(120), warn_at_percent: Some(80) };
    for r in &rows {
        let timeline = Timeline { created_at: t(r.created), first_response_at: r.reply.map(t), stops: r.stops.clone() };
        let alarms = breach_at(&named(r.cal), &tg, &timeline, t(r.now));
        let expect = |(w, b): (Option<&str>, Option<&str>)| Alarm { warn_at: w.map(t), breach_at: b.map(t) };
        assert_eq!(alarms.first_response, expect(r.first_response), "{}: first response", r.name);
        assert_eq!(alarms.resolution, expect(r.resolution), "{}: resolution", r.name);
    }
}

#[test]
fn warnings_table() {
    // 7x24, 100 minutes, created 10:00: the warning starts when the percentage has elapsed.
    let rows: &[(&str, Option<u8>, &str, bool)] = &[
        ("no warnings configured", None, "2026-11-23 11:39", false),
        ("50 %: before", Some(50), "2026-11-23 10:49:59.999999", false),
        ("50 %: at", Some(50), "2026-11-23 10:50", true),
        ("80 %: before", Some(80), "2026-11-23 11:19", false),
        ("80 %: at", Some(80), "2026-11-23 11:20", true),
        ("100 %: only at the due instant", Some(100), "2026-11-23 11:40", true),
        ("100 %: not before", Some(100), "2026-11-23 11:39:59.999999", false),
        ("over 100 % counts as 100 %", Some(250), "2026-11-23 11:40", true),
        ("0 %: from the start", Some(0), "2026-11-23 10:00", true),
        ("past due is a breach, not a warning", Some(80), "2026-11-23 11:40:00.000001", false),
    ];
    for (name, percent, now, warning) in rows {
        let tg = Targets { first_response: Some(100), resolution: None, warn_at_percent: *percent };
        let timeline = Timeline { created_at: t("2026-11-23 10:00"), first_response_at: None, stops: vec![] };
        let state = evaluate(&presets::seven_by_24(), &tg, &timeline, t(now)).first_response;
        assert_eq!(state.warning, *warning, "{name}");
        assert_eq!(state.status() == ClockStatus::Warning, *warning, "{name}: status");
    }
}

#[test]
fn attainment_counts_and_rate() {
    let cal = presets::seven_by_24();
    let tg = Targets { first_response: Some(30), resolution: Some(120), warn_at_percent: Some(80) };
    let ticket =
        |reply: Option<&str>, stops: Vec<Stop>| Timeline { created_at: t("2026-11-23 10:00"), first_response_at: reply.map(t), stops };
    let now = t("2026-11-23 13:00");
    let slas: Vec<Sla> = [
        ticket(Some("2026-11-23 10:10"), vec![resolved("2026-11-23 11:00", None)]), // in time, in time
        ticket(Some("2026-11-23 10:30"), vec![resolved("2026-11-23 12:00", None)]), // exactly at due, both
        ticket(Some("2026-11-23 10:31"), vec![resolved("2026-11-23 12:01", None)]), // late, late
        ticket(None, vec![]),                                                       // breached, breached (open)
        ticket(Some("2026-11-23 10:20"), vec![pending("2026-11-23 10:30", None)]),  // in time, paused (open)
    ]
    .iter()
    .map(|tl| evaluate(&cal, &tg, tl, now))
    .chain([evaluate(&cal, &tg, &ticket(None, vec![]), t("2026-11-23 10:05"))]) // open, open
    .chain([evaluate(&cal, &Targets { first_response: None, resolution: None, warn_at_percent: None }, &ticket(None, vec![]), now)])
    .collect();
    let a = attainment(&slas);
    assert_eq!(a.first_response, Tally { met_in_time: 3, breached: 2, open: 1, no_target: 1 });
    assert_eq!(a.resolution, Tally { met_in_time: 2, breached: 2, open: 2, no_target: 1 });
    assert_eq!(a.first_response.on_time_basis_points(), Some(6_000));
    assert_eq!(Tally { met_in_time: 2, breached: 1, open: 0, no_target: 0 }.on_time_basis_points(), Some(6_667), "2/3 rounds half up");
    assert_eq!(Tally { met_in_time: 1, breached: 2, open: 0, no_target: 0 }.on_time_basis_points(), Some(3_333));
    assert_eq!(Tally::default().on_time_basis_points(), None);
    assert_eq!(attainment(&[]), Attainment::default());
}

#[test]
fn labels_are_chinese() {
    let rows = [
        (ClockStatus::NoTarget, "无时限"),
        (ClockStatus::Running, "计时中"),
        (ClockStatus::Warning, "即将超时"),
        (ClockStatus::Paused, "已暂停"),
        (ClockStatus::Breached, "已超时"),
        (ClockStatus::MetInTime, "按时完成"),
        (ClockStatus::MetLate, "超时完成"),
    ];
    for (status, label) in rows {
        assert_eq!(status.label(), label);
    }
    assert_eq!(StopReason::Pending.label(), "待客户反馈");
    assert_eq!(StopReason::Resolved.label(), "已解决");
}

/// Random closed pauses (and sometimes one still open) on random calendars: the alarm instants
/// are exactly where `breached` and `warning` change, and elapsed + remaining = target.
#[test]
fn property_alarms_are_where_the_state_changes() {
    let mut rng = StdRng::seed_from_u64(99);
    let calendars = ["7x24", "7x12", "office", "office+2026"];
    let base = t("2026-01-01 00:00");
    let mut scheduled = 0;
    for i in 0..1_500 {
        let cal = named(calendars[i % calendars.len()]);
        let created = base.plus_minutes(below(&mut rng, 360 * 1_440)).plus_seconds(below(&mut rng, 60));
        let mut stops = Vec::new();
        let mut cursor = created;
        for _ in 0..below(&mut rng, 4) {
            let from = cursor.plus_minutes(below(&mut rng, 3 * 1_440));
            let to = from.plus_minutes(1 + below(&mut rng, 2 * 1_440));
            stops.push(Stop { from, to: Some(to), reason: StopReason::Pending });
            cursor = to;
        }
        let now = cursor.plus_minutes(below(&mut rng, 1_440));
        if below(&mut rng, 5) == 0 {
            stops.push(Stop { from: now, to: None, reason: StopReason::Pending });
        }
        let tg = Targets {
            first_response: Some(1 + below(&mut rng, 600) as u32),
            resolution: Some(1 + below(&mut rng, 5 * 1_440) as u32),
            warn_at_percent: Some(below(&mut rng, 101) as u8),
        };
        let timeline = Timeline { created_at: created, first_response_at: None, stops };
        let sla = evaluate(&cal, &tg, &timeline, now);
        let alarms = breach_at(&cal, &tg, &timeline, now);
        for (which, state, alarm) in [(0, sla.first_response, alarms.first_response), (1, sla.resolution, alarms.resolution)] {
            let pick = |s: Sla| if which == 0 { s.first_response } else { s.resolution };
            assert_eq!(state.elapsed + state.remaining, state.target.unwrap(), "case {i}/{which}");
            if let Some(b) = alarm.breach_at {
                scheduled += 1;
                assert!(!pick(evaluate(&cal, &tg, &timeline, Instant(b.0 - 1))).breached, "case {i}/{which}: before breach");
                assert!(pick(evaluate(&cal, &tg, &timeline, b)).breached, "case {i}/{which}: at breach");
                let due = pick(evaluate(&cal, &tg, &timeline, Instant(b.0 - 1)));
                assert_eq!(due.remaining, 0, "case {i}/{which}: at due all the time is used");
            }
            if let Some(w) = alarm.warn_at {
                assert!(!pick(evaluate(&cal, &tg, &timeline, Instant(w.0 - 1))).warning, "case {i}/{which}: before warning");
                assert!(pick(evaluate(&cal, &tg, &timeline, w)).warning, "case {i}/{which}: at warning");
            }
            if state.paused {
                assert_eq!(alarm, Alarm::default(), "case {i}/{which}: paused");
                let later = pick(evaluate(&cal, &tg, &timeline, now.plus_minutes(10_000)));
                assert_eq!(later.remaining, state.remaining, "case {i}/{which}: frozen while paused");
            }
        }
    }
    assert!(scheduled > 500, "the generator produces running clocks ({scheduled})");
}
