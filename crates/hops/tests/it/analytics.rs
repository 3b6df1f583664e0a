//! Activity ingest and KPIs. Every KPI is computed here independently, by plain iteration over
//! the rows this test sends, and must match `GET /api/v1/kpis` exactly — including period
//! boundaries at midnight Shanghai time, timestamps given in UTC, refunds, missing ratings,
//! leap days and year boundaries — on both backends.

use std::collections::{HashMap, HashSet};

use hops_kernel::{Instant, LocalDay, Money, Period, PeriodRange};
use hops_platform::Role;
use hops_testkit::{Backend, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    kpis_match_an_independent_computation,
    a_period_under_way_is_compared_with_the_same_days,
    bad_batches_change_nothing,
    corrections_move_aggregates,
    rollups_equal_a_rebuild
);

struct C {
    id: &'static str,
    patient: &'static str,
    dept: &'static str,
    doctor: &'static str,
    kind: &'static str,
    created: &'static str,
    paid: Option<&'static str>,
    accepted: Option<&'static str>,
    reply: Option<&'static str>,
    completed: Option<&'static str>,
    cancelled: Option<&'static str>,
    refunded: Option<&'static str>,
    amount: &'static str,
    rating: Option<i64>,
}

#[allow(clippy::too_many_arguments)]
const fn c(
    id: &'static str,
    patient: &'static str,
    dept: &'static str,
    doctor: &'static str,
    kind: &'static str,
    created: &'static str,
    paid: Option<&'static str>,
    accepted: Option<&'static str>,
    reply: Option<&'static str>,
    completed: Option<&'static str>,
    amount: &'static str,
    rating: Option<i64>,
) -> C {
    C { id, patient, dept, doctor, kind, created, paid, accepted, reply, completed, cancelled: None, refunded: None, amount, rating }
}

fn consultations() -> Vec<C> {
    let mut v = vec![
        // Exactly midnight at the start of October, Shanghai time.
        c(
            "C1",
            "P1",
            "CARD",
            "D1",
            "text",
            "2026-10-01 00:00:00",
            Some("2026-10-01 00:01:00"),
            Some("2026-10-01 00:03:00"),
            Some("2026-10-01 00:06:00"),
            Some("2026-10-01 01:00:00"),
            "30.00",
            Some(5),
        ),
        // One second before: September.
        c(
            "C2",
            "P1",
            "CARD",
            "D1",
            "text",
            "2026-09-30 23:59:59",
            Some("2026-10-01 00:00:30"),
            Some("2026-10-01 00:02:00"),
            Some("2026-10-01 00:04:00"),
            Some("2026-10-01 02:00:00"),
            "25.50",
            Some(2),
        ),
        // The last second of October, given with an explicit offset.
        c("C3", "P2", "RESP", "D2", "图文", "2026-10-31T23:59:59+08:00", None, None, None, None, "40.00", None),
        // Midnight November 1st in UTC is 08:00 Shanghai: November.
        c("C4", "P2", "RESP", "D2", "video", "2026-11-01T00:00:00Z", Some("2026-11-01T00:01:00Z"), None, None, None, "80.00", None),
        // 2026-10-31T16:00:00Z is November 1st 00:00 Shanghai: November, not October.
        c(
            "C5",
            "P3",
            "RESP",
            "D2",
            "phone",
            "2026-10-31T16:00:00Z",
            Some("2026-10-31T16:02:00Z"),
            Some("2026-10-31T16:03:00Z"),
            Some("2026-10-31T16:04:00Z"),
            Some("2026-10-31T16:30:00Z"),
            "60.00",
            Some(4),
        ),
        // Paid then refunded: counted as paid, not as revenue.
        c("C6", "P3", "CARD", "D1", "video", "2026-10-15 09:00:00", Some("2026-10-15 09:05:00"), None, None, None, "120.00", None),
        // Revisit by a returning patient (P1 had C2 in September); no rating; slow reply.
        c(
            "C7",
            "P1",
            "RESP",
            "D2",
            "复诊",
            "2026-10-20 20:00:00",
            Some("2026-10-20 20:00:10"),
            Some("2026-10-20 20:10:00"),
            Some("2026-10-20 20:40:10"),
            Some("2026-10-20 21:00:00"),
            "15.00",
            None,
        ),
        // Free consultation, rated 3, by a patient new to consultations.
        c(
            "C8",
            "P4",
            "CARD",
            "D3",
            "revisit",
            "2026-10-31 12:00:00",
            Some("2026-10-31 12:00:00"),
            Some("2026-10-31 12:01:00"),
            Some("2026-10-31 12:02:00"),
            Some("2026-10-31 12:30:00"),
            "0.00",
            Some(3),
        ),
        // A year earlier (同比), and a leap day.
        c(
            "C9",
            "P2",
            "CARD",
            "D1",
            "text",
            "2025-10-10 10:00:00",
            Some("2025-10-10 10:01:00"),
            Some("2025-10-10 10:02:00"),
            Some("2025-10-10 10:12:00"),
            Some("2025-10-10 11:00:00"),
            "20.00",
            Some(5),
        ),
        c(
            "C10",
            "P2",
            "CARD",
            "D1",
            "text",
            "2024-02-29 23:30:00",
            Some("2024-02-29 23:31:00"),
            Some("2024-02-29 23:32:00"),
            Some("2024-02-29 23:35:00"),
            Some("2024-03-01 00:10:00"),
            "33.33",
            Some(4),
        ),
        // New Year's Eve, and the first second of the new year.
        c("C11", "P4", "RESP", "D2", "text", "2025-12-31 23:59:59", None, None, None, None, "10.00", None),
        c("C12", "P4", "RESP", "D2", "text", "2026-01-01 00:00:00", Some("2026-01-01 00:00:01"), None, None, None, "10.00", None),
    ];
    v[2].cancelled = Some("2026-11-01 00:10:00");
    v[5].refunded = Some("2026-10-16 10:00:00");
    v
}

fn t(s: &str) -> Instant {
    Instant::parse(s).unwrap()
}

fn in_range(x: Instant, r: &PeriodRange) -> bool {
    x >= r.start.start() && x < r.end_exclusive.start()
}

fn rate(n: i64, d: i64) -> Value {
    if d == 0 { Value::Null } else { json!(((n as f64 / d as f64) * 10_000.0).round() / 10_000.0) }
}

fn avg(sum: f64, n: i64, places: i32) -> Value {
    if n == 0 {
        Value::Null
    } else {
        let f = 10f64.powi(places);
        json!(((sum / n as f64) * f).round() / f)
    }
}

fn yuan(fen: i64) -> Value {
    json!(Money(fen).to_yuan_string())
}

/// The KPIs of one period, by definition (docs/kpis.md), from the raw rows.
fn expected(r: &PeriodRange, registrations: &[(&str, &str)], doctors: i64) -> HashMap<String, Value> {
    let all = consultations();
    let cs: Vec<&C> = all.iter().filter(|c| in_range(t(c.created), r)).collect();
    let n = |f: &dyn Fn(&C) -> bool| cs.iter().filter(|c| f(c)).count() as i64;
    let created = cs.len() as i64;
    let paid = n(&|c| c.paid.is_some());
    let replies: Vec<i64> = cs.iter().filter_map(|c| Some(t(c.reply?).0 - t(c.paid?).0)).collect();
    let ratings: Vec<i64> = cs.iter().filter_map(|c| c.rating).collect();
    let revenue: i64 = cs.iter().filter(|c| c.paid.is_some() && c.refunded.is_none()).map(|c| Money::parse(c.amount).unwrap().0).sum();
    let active: HashSet<&str> = cs.iter().filter(|c| c.completed.is_some()).map(|c| c.doctor).collect();
    let patients: HashSet<&str> = cs.iter().map(|c| c.patient).collect();
    let returning = patients.iter().filter(|p| all.iter().any(|c| c.patient == **p && t(c.created) < r.start.start())).count() as i64;
    let kind_of = |k: &str| {
        match k {
            "图文" => "text",
            "复诊" => "revisit",
            other => other,
        }
        .to_string()
    };
    let mut m: HashMap<String, Value> = HashMap::from([
        ("registrations_new".into(), json!(registrations.iter().filter(|(_, at)| in_range(t(at), r)).count())),
        ("consultations_created".into(), json!(created)),
        ("consultations_paid".into(), json!(paid)),
        ("consultations_completed".into(), json!(n(&|c| c.completed.is_some()))),
        ("consultations_refunded".into(), json!(n(&|c| c.refunded.is_some()))),
        ("conversion_rate".into(), rate(paid, created)),
        ("acceptance_rate".into(), rate(n(&|c| c.accepted.is_some()), paid)),
        ("avg_first_reply_minutes".into(), avg(replies.iter().sum::<i64>() as f64 / 60e6, replies.len() as i64, 2)),
        ("active_doctors".into(), json!(active.len())),
        ("doctor_activity_rate".into(), rate(active.len() as i64, doctors)),
        ("satisfaction_avg".into(), avg(ratings.iter().sum::<i64>() as f64, ratings.len() as i64, 2)),
        ("good_review_rate".into(), rate(ratings.iter().filter(|r| **r >= 4).count() as i64, ratings.len() as i64)),
        ("consultation_revenue".into(), yuan(revenue)),
        ("revisit_share".into(), rate(n(&|c| kind_of(c.kind) == "revisit"), created)),
        ("returning_patient_rate".into(), rate(returning, patients.len() as i64)),
    ]);
    for kind in ["text", "video", "phone", "revisit"] {
        let k = |f: &dyn Fn(&C) -> bool| cs.iter().filter(|c| kind_of(c.kind) == kind && f(c)).count() as i64;
        m.insert(format!("consultations_created_{kind}"), json!(k(&|_| true)));
        m.insert(format!("consultations_paid_{kind}"), json!(k(&|c| c.paid.is_some())));
        m.insert(format!("consultations_completed_{kind}"), json!(k(&|c| c.completed.is_some())));
        m.insert(format!("consultations_refunded_{kind}"), json!(k(&|c| c.refunded.is_some())));
    }
    // Appointments, payments and prescriptions (see `ingest_others`).
    let appt = [("A1", "2026-10-01 00:00:00"), ("A2", "2026-09-30 23:59:59"), ("A3", "2026-10-31 15:59:59Z")];
    m.insert("appointments".into(), json!(appt.iter().filter(|(_, at)| in_range(t(at), r)).count()));
    let pays = [
        ("2026-10-02 10:00:00", 12_850, 6_000),
        ("2026-10-31 23:59:59", 10_000, 0),
        ("2026-11-01 00:00:00", 5_000, 2_000),
        ("2025-10-03 08:00:00", 7_000, 3_500),
    ];
    let in_p: Vec<_> = pays.iter().filter(|(at, _, _)| in_range(t(at), r)).collect();
    m.insert("payments_total".into(), yuan(in_p.iter().map(|p| p.1).sum()));
    m.insert("insurance_settlements".into(), json!(in_p.iter().filter(|p| p.2 > 0).count()));
    m.insert("insurance_amount".into(), yuan(in_p.iter().map(|p| p.2).sum()));
    let rx = [
        ("2026-10-01 00:10:00", Some("2026-11-02 10:00:00")),
        ("2026-10-20 20:30:00", Some("2026-10-21 18:00:00")),
        ("2026-10-31 12:10:00", None),
    ];
    m.insert("prescriptions_issued".into(), json!(rx.iter().filter(|(i, _)| in_range(t(i), r)).count()));
    m.insert("prescriptions_delivered".into(), json!(rx.iter().filter(|(_, d)| d.is_some_and(|d| in_range(t(d), r))).count()));
    m
}

fn cons_json(c: &C) -> Value {
    json!({
        "external_id": c.id, "patient_external_id": c.patient, "department_code": c.dept, "doctor_code": c.doctor, "kind": c.kind,
        "created_at": c.created, "paid_at": c.paid, "accepted_at": c.accepted, "first_reply_at": c.reply, "completed_at": c.completed,
        "cancelled_at": c.cancelled, "refunded_at": c.refunded, "amount": c.amount, "rating": c.rating, "review": "",
    })
}

async fn ingest(app: &TestApp, token: &str, kind: &str, rows: Value) -> (u16, Value) {
    call(&app.client(), Method::POST, &format!("{}/api/v1/ingest/{kind}", app.url), token, Some(json!({ "rows": rows }))).await
}

const REGISTRATIONS: &[(&str, &str)] =
    &[("P1", "2024-01-05 09:00:00"), ("P2", "2024-02-01 10:00:00"), ("P3", "2026-10-01 00:00:00"), ("P4", "2025-12-31 23:59:59")];

async fn setup(app: &TestApp, token: &str) {
    let (s, r) =
        ingest(app, token, "departments", json!([{"code": "CARD", "name": "心血管内科"}, {"code": "RESP", "name": "呼吸内科"}])).await;
    assert_eq!(s, 200, "{r}");
    let doctors = json!([
        {"code": "D1", "name": "王医生", "department_code": "CARD", "title": "主任医师"},
        {"code": "D2", "name": "李医生", "department_code": "RESP", "title": "主治医师"},
        {"code": "D3", "name": "张医生", "department_code": "CARD", "title": "住院医师"},
        {"code": "D4", "name": "赵医生", "department_code": "RESP", "title": "住院医师"},
    ]);
    assert_eq!(ingest(app, token, "doctors", doctors).await.0, 200);
    let patients: Vec<Value> = REGISTRATIONS
        .iter()
        .map(|(id, at)| json!({"external_id": id, "name": format!("患者{id}"), "sex": "女", "registered_at": at}))
        .collect();
    let (s, r) = ingest(app, token, "patients", json!(patients)).await;
    assert_eq!(s, 200, "{r}");
}

async fn ingest_others(app: &TestApp, token: &str) {
    let (s, r) = ingest(
        app,
        token,
        "appointments",
        json!([
            {"external_id": "A1", "patient_external_id": "P1", "department_code": "CARD", "doctor_code": "D1", "booked_at": "2026-10-01 00:00:00", "visit_date": "2026-10-03", "status": "visited"},
            {"external_id": "A2", "patient_external_id": "P2", "department_code": "RESP", "booked_at": "2026-09-30 23:59:59", "visit_date": "2026-10-01", "status": "no_show"},
            {"external_id": "A3", "patient_external_id": "P3", "department_code": "RESP", "booked_at": "2026-10-31 15:59:59Z", "visit_date": "2026-11-02", "status": "booked"},
        ]),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = ingest(
        app,
        token,
        "payments",
        json!([
            {"external_id": "Y1", "patient_external_id": "P1", "kind": "outpatient", "amount": "128.50", "paid_at": "2026-10-02 10:00:00", "insurance_amount": "60"},
            {"external_id": "Y2", "patient_external_id": "P2", "kind": "recharge", "amount": 100, "paid_at": "2026-10-31 23:59:59"},
            {"external_id": "Y3", "patient_external_id": "P3", "kind": "prescription", "amount": "50.00", "paid_at": "2026-11-01 00:00:00", "insurance_amount": "20.00"},
            {"external_id": "Y4", "patient_external_id": "P2", "kind": "门诊缴费", "amount": "70", "paid_at": "2025-10-03 08:00:00", "insurance_amount": "35"},
        ]),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = ingest(
        app,
        token,
        "prescriptions",
        json!([
            {"external_id": "R1", "consultation_external_id": "C1", "issued_at": "2026-10-01 00:10:00", "reviewed_at": "2026-10-01 00:20:00", "dispensed_at": "2026-10-01 02:00:00", "delivery": "courier", "shipped_at": "2026-10-01 06:00:00", "delivered_at": "2026-11-02 10:00:00", "amount": "88.00"},
            {"external_id": "R2", "consultation_external_id": "C7", "issued_at": "2026-10-20 20:30:00", "delivery": "pickup", "delivered_at": "2026-10-21 18:00:00", "amount": "30"},
            {"external_id": "R3", "consultation_external_id": "C8", "issued_at": "2026-10-31 12:10:00", "delivery": "courier", "amount": "45.5"},
        ]),
    )
    .await;
    assert_eq!(s, 200, "{r}");
}

async fn kpis_match_an_independent_computation(b: Backend) {
    let app = TestApp::spawn(b).await;
    // After every period below, so that each is compared whole (a period under way is compared
    // with the same days: `a_period_under_way_is_compared_with_the_same_days`).
    app.clock.set(Instant::parse("2027-03-01 10:00:00").unwrap());
    app.hospital("h1", &[Role::Operator]).await;
    let token = app.token("h1", "operator").await;
    setup(&app, &token).await;
    let rows: Vec<Value> = consultations().iter().map(cons_json).collect();
    let (s, r) = ingest(&app, &token, "consultations", json!(rows)).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["inserted"], 12);
    // Re-sending updates, never duplicates.
    let (s, r) = ingest(&app, &token, "consultations", json!(rows)).await;
    assert_eq!((s, r["inserted"].clone(), r["updated"].clone()), (200, json!(0), json!(12)));
    ingest_others(&app, &token).await;
    let cases = [
        (Period::Month, "2026-10", "2026-10-01"),
        (Period::Month, "2026-11-01", "2026-11-01"),
        (Period::Week, "2026-10-01", "2026-10-01"),
        (Period::Quarter, "2026-10-31", "2026-10-31"),
        (Period::Half, "2026-07-01", "2026-07-01"),
        (Period::Year, "2026-06-15", "2026-06-15"),
        (Period::Month, "2024-02", "2024-02-01"),
        (Period::Year, "2025-12-31", "2025-12-31"),
        (Period::Month, "2025-02", "2025-02-01"),
    ];
    for (period, at, day) in cases {
        let (s, got) =
            call(&app.client(), Method::GET, &format!("{}/api/v1/kpis?period={}&at={at}", app.url, period.code()), &token, None).await;
        assert_eq!(s, 200, "{got}");
        let range = PeriodRange::containing(period, LocalDay::parse(day).unwrap());
        assert_eq!(got["period"]["start"], json!(range.start.to_string()));
        assert_eq!(got["period"]["end"], json!(range.last_day().to_string()));
        for (which, r) in [("value", range), ("previous", range.previous()), ("year_ago", range.year_ago())] {
            let want = expected(&r, REGISTRATIONS, 4);
            for (key, v) in &want {
                assert_eq!(&got["kpis"][key][which], v, "{} {at}: {key}.{which}", period.code());
            }
            assert_eq!(got["kpis"].as_object().unwrap().len(), want.len(), "every KPI is checked");
        }
    }
    // Department share of paid consultations in October: CARD has C1, C6, C8; RESP has C7.
    let (_, got) = call(&app.client(), Method::GET, &format!("{}/api/v1/kpis?period=month&at=2026-10", app.url), &token, None).await;
    assert_eq!(
        got["department_share"],
        json!([
            {"department_code": "CARD", "department_name": "心血管内科", "consultations": 3, "share": 0.75},
            {"department_code": "RESP", "department_name": "呼吸内科", "consultations": 1, "share": 0.25},
        ])
    );
    // Bad parameters are explained.
    let (s, e) = call(&app.client(), Method::GET, &format!("{}/api/v1/kpis?period=decade", app.url), &token, None).await;
    assert_eq!((s, e["error"]["code"].clone()), (422, json!("validation_failed")));
    let (s, _) = call(&app.client(), Method::GET, &format!("{}/api/v1/kpis?at=2026-13", app.url), &token, None).await;
    assert_eq!(s, 422);
    app.stop().await;
}

/// The same days of a period as `span` (for the independent computation, which counts by
/// `start` and `end_exclusive`).
fn days(kind: Period, span: hops_kernel::DaySpan) -> PeriodRange {
    PeriodRange { kind, start: span.start, end_exclusive: span.end_exclusive }
}

async fn a_period_under_way_is_compared_with_the_same_days(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::Operator]).await;
    let token = app.token("h1", "operator").await;
    setup(&app, &token).await;
    let rows: Vec<Value> = consultations().iter().map(cons_json).collect();
    assert_eq!(ingest(&app, &token, "consultations", json!(rows)).await.0, 200);
    ingest_others(&app, &token).await;
    let d = |s: &str| LocalDay::parse(s).unwrap();
    // On 20 October, October so far against 1–20 September and 1–20 October 2025; on 5 November,
    // the fourth quarter so far against 1 July – 5 August; a week on its Wednesday against the
    // Monday–Wednesday before.
    for (today, period, previous_last) in [
        ("2026-10-20", Period::Month, "2026-09-20"),
        ("2026-11-05", Period::Quarter, "2026-08-05"),
        ("2026-10-28", Period::Week, "2026-10-21"),
        ("2026-10-01", Period::Month, "2026-09-01"),
    ] {
        app.clock.set(d(today).start().plus_seconds(10 * 3600));
        let url = format!("{}/api/v1/kpis?period={}", app.url, period.code());
        let (s, got) = call(&app.client(), Method::GET, &url, &token, None).await;
        assert_eq!(s, 200, "{got}");
        let range = PeriodRange::containing(period, d(today));
        let c = &got["compared"];
        assert_eq!((c["partial"].clone(), c["current"]["end"].clone()), (json!(true), json!(today)), "{c}");
        assert_eq!(c["previous"]["end"], json!(previous_last), "{c}");
        assert!(c["note"].as_str().unwrap().contains("同期"), "{c}");
        let spans = hops_analytics::kpi::model::Spans::of(range, d(today));
        for (which, span) in [("value", spans.current), ("previous", spans.previous), ("year_ago", spans.year_ago)] {
            let want = expected(&days(period, span), REGISTRATIONS, 4);
            for (key, v) in &want {
                assert_eq!(&got["kpis"][key][which], v, "{} on {today}: {key}.{which}", period.code());
            }
        }
    }
    // The page and the home page say what is compared.
    let (web, _) = app.web_login("h1", "operator").await;
    let get = |path: &str| {
        let (web, url) = (web.clone(), format!("{}{path}", app.url));
        async move { web.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let page = get("/kpis?period=month").await;
    assert!(page.contains("本月至今") && page.contains("上月同期") && page.contains("较上月同期"), "{page}");
    assert!(!page.contains("docs/kpis.md") && page.contains("href=\"/kpis/definitions\""));
    let definitions = get("/kpis/definitions").await;
    assert!(definitions.contains("相同天数") && definitions.contains("本期下单的问诊中已支付"), "{definitions}");
    let home = get("/").await;
    assert!(home.contains("较上月同期"), "the month's tiles compare with the same days of last month");
    // A finished period is compared whole, and summing a whole period day by day gives exactly its
    // roll-up: one definition either way.
    app.clock.set(d("2027-03-01").start().plus_seconds(10 * 3600));
    let access = app.system(h);
    for (period, day) in
        [(Period::Month, "2026-10-05"), (Period::Quarter, "2026-10-05"), (Period::Week, "2026-10-01"), (Period::Year, "2026-01-01")]
    {
        let range = PeriodRange::containing(period, d(day));
        let set = hops_analytics::kpi::service::compute_kpis(&access, range).await.unwrap();
        assert!(!set.spans.partial);
        let by_day = hops_analytics::kpi::service::values_by_day(&access, range.span()).await.unwrap();
        assert_eq!(by_day, set.current, "{range:?}");
        let by_day = hops_analytics::kpi::service::values_by_day(&access, range.previous().span()).await.unwrap();
        assert_eq!(by_day, set.previous, "{range:?}");
    }
    app.stop().await;
}

async fn bad_batches_change_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.hospital("h1", &[Role::Operator, Role::Nurse]).await;
    let token = app.token("h1", "operator").await;
    setup(&app, &token).await;
    let mut rows: Vec<Value> = consultations().iter().take(3).map(cons_json).collect();
    rows.push(json!({"external_id": "X1", "patient_external_id": "P404", "department_code": "CARD", "doctor_code": "D9", "kind": "text", "created_at": "2026-10-02 10:00:00", "amount": "10", "rating": 7}));
    rows.push(json!({"external_id": "X2", "patient_external_id": "P1", "department_code": "CARD", "doctor_code": "D1", "kind": "text", "created_at": "2026-10-02 10:00:00", "paid_at": "2026-10-02 09:00:00", "amount": "10.001"}));
    rows.push(json!({"external_id": "X3", "patient_external_id": "P1", "department_code": "CARD", "doctor_code": "D1", "kind": "门诊", "created_at": "2026-10-02 10:00:00", "amount": "10", "colour": "red"}));
    let (s, r) = ingest(&app, &token, "consultations", json!(rows)).await;
    assert_eq!(s, 422, "{r}");
    assert_eq!(r["committed"], false);
    let has = |row: i64, col: &str| r["errors"].as_array().unwrap().iter().any(|e| e["row"] == row && e["column"] == col);
    assert!(has(6, "colour"), "unknown field: {r}");
    // Without the malformed field, every bad cell is listed by row and column.
    rows[5].as_object_mut().unwrap().remove("colour");
    let (s, r) = ingest(&app, &token, "consultations", json!(rows)).await;
    assert_eq!(s, 422, "{r}");
    let has = |row: i64, col: &str| r["errors"].as_array().unwrap().iter().any(|e| e["row"] == row && e["column"] == col);
    assert!(has(4, "评分") && has(5, "支付时间") && has(5, "金额（元）") && has(6, "问诊类型"), "{r}");
    assert!(has(4, "患者编号") || has(4, "医生工号"), "unknown references: {r}");
    let (_, k) = call(&app.client(), Method::GET, &format!("{}/api/v1/kpis?period=year&at=2026-01-01", app.url), &token, None).await;
    assert_eq!(k["kpis"]["consultations_created"]["value"], 0, "nothing written");
    // The good rows only, when asked.
    let (s, r) = call(
        &app.client(),
        Method::POST,
        &format!("{}/api/v1/ingest/consultations", app.url),
        &token,
        Some(json!({"rows": rows, "mode": "skip_bad"})),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["inserted"].clone(), r["rejected_rows"].clone()), (json!(3), json!(3)));
    // Prescriptions of unknown consultations, and permissions.
    let (s, r) = ingest(&app, &token, "prescriptions", json!([{"external_id": "R9", "consultation_external_id": "C404", "issued_at": "2026-10-01 10:00:00", "delivery": "pickup", "amount": "1"}])).await;
    assert_eq!(s, 422, "{r}");
    let nurse = app.token("h1", "nurse").await;
    assert_eq!(ingest(&app, &nurse, "payments", json!([])).await.0, 403);
    assert_eq!(call(&app.client(), Method::GET, &format!("{}/api/v1/kpis", app.url), &nurse, None).await.0, 403);
    app.stop().await;
}

/// A corrected row (its created time moved to another month) leaves the old month's figures.
async fn corrections_move_aggregates(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.hospital("h1", &[Role::Operator]).await;
    let token = app.token("h1", "operator").await;
    setup(&app, &token).await;
    let all = consultations();
    let mut row = cons_json(&all[5]); // C6, created 2026-10-15, paid, refunded
    assert_eq!(ingest(&app, &token, "consultations", json!([row.clone()])).await.0, 200);
    let month = |at: &'static str| {
        let c = app.client();
        let url = format!("{}/api/v1/kpis?period=month&at={at}", app.url);
        let token = token.clone();
        async move { call(&c, Method::GET, &url, &token, None).await.1 }
    };
    assert_eq!(month("2026-10").await["kpis"]["consultations_paid"]["value"], 1);
    row["created_at"] = json!("2026-09-15 09:00:00");
    row["paid_at"] = json!("2026-09-15 09:05:00");
    row["refunded_at"] = Value::Null;
    let (s, r) = ingest(&app, &token, "consultations", json!([row])).await;
    assert_eq!((s, r["updated"].clone()), (200, json!(1)));
    let oct = month("2026-10").await;
    assert_eq!(oct["kpis"]["consultations_created"]["value"], 0, "{oct}");
    assert_eq!(oct["kpis"]["consultations_created"]["previous"], 1);
    assert_eq!(oct["kpis"]["consultation_revenue"]["previous"], "120.00", "no longer refunded");
    assert_eq!(oct["department_share"], json!([]));
    // A corrected registration leaves its old month: P3 registered 2026-10-01 00:00, moved back one second.
    assert_eq!(oct["kpis"]["registrations_new"]["value"], 1, "{oct}");
    let (s, r) = ingest(
        &app,
        &token,
        "patients",
        json!([{"external_id": "P3", "name": "患者P3", "sex": "女", "registered_at": "2026-09-30 23:59:59", "channel": "公众号"}]),
    )
    .await;
    assert_eq!((s, r["updated"].clone()), (200, json!(1)), "{r}");
    let oct = month("2026-10").await;
    assert_eq!(
        (oct["kpis"]["registrations_new"]["value"].clone(), oct["kpis"]["registrations_new"]["previous"].clone()),
        (json!(0), json!(1))
    );
    app.stop().await;
}

/// Every roll-up row of the database as text, zero rows left out (a delta may leave a row at 0
/// where a rebuild writes none).
async fn rollup_rows(app: &TestApp) -> Vec<String> {
    use sqlx::Row;
    let mut c = hops_platform::db::connect_one(app.database_url()).await.unwrap();
    let tables = [
        (
            "consultation_daily",
            "day, department_id, doctor_id, kind",
            "created, paid, completed, refunded, accepted, reply_count, reply_micros, rated, rating_sum, good, revenue_fen",
        ),
        (
            "consultation_period",
            "period_kind, period_start, department_id, doctor_id, kind",
            "created, paid, completed, refunded, accepted, reply_count, reply_micros, rated, rating_sum, good, revenue_fen",
        ),
        ("period_patients", "period_kind, period_start", "patients, returning_patients"),
        ("activity_daily", "metric, day", "value"),
        ("review_reason_daily", "day, reason", "n"),
    ];
    let mut out = Vec::new();
    for (table, key, values) in tables {
        let sql = format!(
            "SELECT CAST({} AS TEXT), CAST({} AS TEXT) FROM {table} ORDER BY {key}",
            key.split(", ").collect::<Vec<_>>().join(" || '|' || "),
            values.split(", ").collect::<Vec<_>>().join(" || '|' || ")
        );
        for r in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut c).await.unwrap() {
            let (k, v): (String, String) = (r.get(0), r.get(1));
            if v.split('|').any(|x| x != "0") {
                out.push(format!("{table} {k} = {v}"));
            }
        }
    }
    out
}

/// Rows arriving one by one, out of order, and corrected afterwards — including a patient's
/// first visit arriving after their later ones, and rows moving between patients, days,
/// doctors and periods — leave exactly the roll-ups a rebuild from the raw rows computes, and
/// the same KPIs.
async fn rollups_equal_a_rebuild(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::Operator]).await;
    let token = app.token("h1", "operator").await;
    setup(&app, &token).await;
    let mut rows: Vec<Value> = consultations().iter().map(cons_json).collect();
    rows.reverse();
    for row in &rows {
        let (s, r) = ingest(&app, &token, "consultations", json!([row])).await;
        assert_eq!(s, 200, "{r}");
    }
    ingest_others(&app, &token).await;
    // Corrections: C6 moves to September and to P1; C4 moves to doctor D3 and gets a bad review;
    // a payment and a delivery move to other days.
    let mut c6 = cons_json(&consultations()[5]);
    c6["created_at"] = json!("2026-09-15 09:00:00");
    c6["paid_at"] = json!("2026-09-15 09:05:00");
    c6["patient_external_id"] = json!("P1");
    let mut c4 = cons_json(&consultations()[3]);
    c4["department_code"] = json!("CARD");
    c4["doctor_code"] = json!("D3");
    c4["rating"] = json!(1);
    c4["review"] = json!("医生回复太慢，态度也不好");
    let (s, r) = ingest(&app, &token, "consultations", json!([c6, c4])).await;
    assert_eq!((s, r["updated"].clone()), (200, json!(2)), "{r}");
    let (s, _) = ingest(
        &app,
        &token,
        "payments",
        json!([{"external_id": "Y2", "patient_external_id": "P2", "kind": "recharge", "amount": 300, "paid_at": "2026-12-01 08:00:00"}]),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = ingest(&app, &token, "prescriptions", json!([{"external_id": "R1", "consultation_external_id": "C1", "issued_at": "2026-10-01 00:10:00", "delivery": "courier", "delivered_at": "2026-10-05 10:00:00", "amount": "88.00"}])).await;
    assert_eq!(s, 200);
    let kpis = || async {
        let mut out = Vec::new();
        for q in [
            "period=month&at=2026-10",
            "period=month&at=2026-09",
            "period=week&at=2026-11-01",
            "period=quarter&at=2026-10",
            "period=year&at=2026-01",
            "period=month&at=2026-12",
        ] {
            out.push(call(&app.client(), Method::GET, &format!("{}/api/v1/kpis?{q}", app.url), &token, None).await.1);
        }
        out
    };
    let (rows_before, kpis_before) = (rollup_rows(&app).await, kpis().await);
    assert!(rows_before.iter().any(|r| r.starts_with("review_reason_daily") && r.contains("回复慢")), "{rows_before:#?}");
    assert_eq!(kpis_before[1]["kpis"]["consultations_paid"]["value"], 2, "C2 and the moved C6 in September");
    assert_eq!(kpis_before[5]["kpis"]["payments_total"]["value"], "300.00");
    hops_analytics::activity::upkeep::rebuild(&app.system(h)).await.unwrap();
    assert_eq!(rollup_rows(&app).await, rows_before, "incremental roll-ups differ from a rebuild");
    assert_eq!(kpis().await, kpis_before);
    app.stop().await;
}
