//! Revenue R per contract year: consultations and payments around contract-year boundaries
//! (midnight Shanghai time, UTC offsets, refunds, unpaid orders), summed here by plain
//! iteration and compared with `GET /api/v1/revenue`; the defaults (calendar year, 1800 万元,
//! no recharges or consultation payments) when nothing is saved; the settings form (hospital
//! administrators only; bad input refused with every problem and nothing changed); the page and
//! the dashboard tile — on both backends.

use hops_kernel::{Instant, LocalDay, Money};
use hops_platform::Role;
use hops_testkit::{Backend, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(revenue_r_per_contract_year);

/// A consultation: id, created, paid, refunded, amount.
type Cons = (&'static str, &'static str, Option<&'static str>, Option<&'static str>, &'static str);
/// A payment: id, kind, paid, amount.
type Pay = (&'static str, &'static str, &'static str, &'static str);

const CONSULTATIONS: &[Cons] = &[
    // One second before the contract starts (2026-03-15): in the calendar year 2026 only.
    ("K1", "2026-03-14 23:59:59", Some("2026-03-15 00:00:10"), None, "100.00"),
    // Its first second, once in Shanghai time and once in UTC.
    ("K2", "2026-03-15 00:00:00", Some("2026-03-15 00:01:00"), None, "200.00"),
    ("K3", "2026-03-14T16:00:00Z", Some("2026-03-14T16:05:00Z"), None, "33.33"),
    // Refunded, and never paid: not revenue.
    ("K4", "2026-06-01 10:00:00", Some("2026-06-01 10:01:00"), Some("2026-06-02 09:00:00"), "500.00"),
    ("K5", "2026-07-01 10:00:00", None, None, "80.00"),
    // Created on the last day of the year, and on New Year's Eve but paid in January.
    ("K6", "2027-03-14 23:59:59", Some("2027-03-15 00:00:30"), None, "12.34"),
    ("K8", "2026-12-31 23:00:00", Some("2027-01-01 00:00:05"), None, "10.00"),
    // The next contract year.
    ("K7", "2027-03-15 00:00:00", Some("2027-03-15 00:02:00"), None, "45.00"),
];

const PAYMENTS: &[Pay] = &[
    ("Y1", "outpatient", "2026-03-15 00:00:00", "128.50"),
    ("Y2", "recharge", "2026-05-01 09:00:00", "1000.00"),
    ("Y3", "consultation", "2026-03-15 00:01:00", "200.00"),
    ("Y4", "prescription", "2027-03-14 23:59:59", "50.00"),
    ("Y5", "other", "2027-03-15 00:00:00", "20.01"),
    ("Y6", "outpatient", "2026-03-14 23:59:59", "70.00"),
    // 2026-10-31T16:00:00Z is November 1st in Shanghai.
    ("Y7", "other", "2026-10-31T16:00:00Z", "9.99"),
];

const DEFAULT_COMPONENTS: &[&str] = &["consultations", "payments_outpatient", "payments_prescription", "payments_other"];

fn t(s: &str) -> Instant {
    Instant::parse(s).unwrap()
}

fn day(s: &str) -> LocalDay {
    LocalDay::parse(s).unwrap()
}

fn fen(s: &str) -> i64 {
    Money::parse(s).unwrap().0
}

/// Revenue R by definition (docs/kpis.md) from the raw rows: the chosen components over the
/// days `[from, through]`.
fn expected(components: &[&str], from: &str, through: &str) -> i64 {
    let (a, b) = (day(from).start(), day(through).plus_days(1).start());
    let within = |x: Instant| x >= a && x < b;
    let mut sum = 0;
    if components.contains(&"consultations") {
        for (_, created, paid, refunded, amount) in CONSULTATIONS {
            if paid.is_some() && refunded.is_none() && within(t(created)) {
                sum += fen(amount);
            }
        }
    }
    for (_, kind, paid, amount) in PAYMENTS {
        if components.contains(&format!("payments_{kind}").as_str()) && within(t(paid)) {
            sum += fen(amount);
        }
    }
    sum
}

fn yuan(fen: i64) -> Value {
    json!(Money(fen).to_yuan_string())
}

async fn ingest(app: &TestApp, token: &str, kind: &str, rows: Value) {
    let (s, r) =
        call(&app.client(), Method::POST, &format!("{}/api/v1/ingest/{kind}", app.url), token, Some(json!({ "rows": rows }))).await;
    assert_eq!(s, 200, "{kind}: {r}");
}

async fn setup(app: &TestApp, token: &str) {
    ingest(app, token, "departments", json!([{"code": "CARD", "name": "心血管内科"}])).await;
    ingest(app, token, "doctors", json!([{"code": "D1", "name": "王医生", "department_code": "CARD", "title": "主任医师"}])).await;
    ingest(app, token, "patients", json!([{"external_id": "P1", "name": "患者甲", "sex": "女", "registered_at": "2025-01-05 09:00:00"}]))
        .await;
    let rows: Vec<Value> = CONSULTATIONS
        .iter()
        .map(|(id, created, paid, refunded, amount)| {
            json!({"external_id": id, "patient_external_id": "P1", "department_code": "CARD", "doctor_code": "D1", "kind": "text",
                   "created_at": created, "paid_at": paid, "refunded_at": refunded, "amount": amount})
        })
        .collect();
    ingest(app, token, "consultations", json!(rows)).await;
    let rows: Vec<Value> = PAYMENTS
        .iter()
        .map(|(id, kind, paid, amount)| json!({"external_id": id, "patient_external_id": "P1", "kind": kind, "paid_at": paid, "amount": amount}))
        .collect();
    ingest(app, token, "payments", json!(rows)).await;
}

async fn revenue(app: &TestApp, token: &str, at: Option<&str>) -> (u16, Value) {
    let query = at.map(|a| format!("?at={a}")).unwrap_or_default();
    call(&app.client(), Method::GET, &format!("{}/api/v1/revenue{query}", app.url), token, None).await
}

/// Checks one answer of the API against the definition.
fn check(r: &Value, components: &[&str], first: &str, last: &str, as_of: &str, target_fen: i64) {
    assert_eq!(r["contract_year"], json!({"start": first, "end": last}), "{r}");
    assert_eq!(r["as_of"], as_of);
    let total = expected(components, first, as_of);
    assert_eq!(r["total"], yuan(total), "total of {first}..{as_of}: {r}");
    assert_eq!(r["target"], yuan(target_fen));
    let progress = ((total as f64 / target_fen as f64) * 10_000.0).round() / 10_000.0;
    assert_eq!(r["progress"].as_f64(), Some(progress), "{r}");
    let codes: Vec<&str> = r["components"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, components);
    for c in r["components"].as_array().unwrap() {
        assert_eq!(c["amount"], yuan(expected(&[c["code"].as_str().unwrap()], first, as_of)), "{c}");
    }
    let months = r["months"].as_array().unwrap();
    if let Some(last_month) = months.last() {
        assert_eq!(last_month["cumulative"], r["total"], "the chart ends at the total");
    }
}

async fn text(r: reqwest::Response) -> (u16, String) {
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

async fn revenue_r_per_contract_year(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.clock.set(t("2027-03-14 12:00:00"));
    let h = app.hospital("h1", &[Role::Operator, Role::HospitalAdmin, Role::Nurse]).await;
    let op = app.token("h1", "operator").await;
    setup(&app, &op).await;

    // ---- defaults: the calendar year, 1800 万元, no recharges or consultation payments ----
    let (s, r) = revenue(&app, &op, None).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["configured"], false);
    check(&r, DEFAULT_COMPONENTS, "2027-01-01", "2027-12-31", "2027-03-14", 1_800_000_000);
    assert_eq!((r["total"].clone(), r["target"].clone()), (json!("62.34"), json!("18000000.00")), "K6 + Y4, by hand");
    assert_eq!(r["months"].as_array().unwrap().len(), 3, "January to March");
    let (_, r) = revenue(&app, &op, Some("2026-06-30")).await;
    check(&r, DEFAULT_COMPONENTS, "2026-01-01", "2026-12-31", "2026-06-30", 1_800_000_000);
    assert_eq!(r["total"], "531.83", "K1 + K2 + K3 + Y1 + Y6, by hand");
    assert_eq!(r["components"][0], json!({"code": "consultations", "label": "问诊收入", "amount": "333.33"}));
    let months: Vec<&str> = r["months"].as_array().unwrap().iter().map(|m| m["cumulative"].as_str().unwrap()).collect();
    assert_eq!(months, ["0.00", "0.00", "531.83", "531.83", "531.83", "531.83"]);
    // Bad days are explained.
    for bad in ["2026-13-01", "abc", "2026-02-30"] {
        let (s, e) = revenue(&app, &op, Some(bad)).await;
        assert_eq!((s, e["error"]["code"].clone()), (422, json!("validation_failed")), "{bad}: {e}");
    }
    let nurse = app.token("h1", "nurse").await;
    assert_eq!(revenue(&app, &nurse, None).await.0, 403);

    // ---- the page says the defaults apply; operators see but cannot change the settings ----
    let (web, csrf) = app.web_login("h1", "operator").await;
    let (s, page) = text(web.get(format!("{}/kpis/revenue", app.url)).send().await.unwrap()).await;
    assert_eq!(s, 200);
    for needle in ["未设置合同起始日，按自然年统计", "¥62.34", "2027-01-01 至 2027-12-31", "1800<small>万元", "<svg", "门诊缴费"]
    {
        assert!(page.contains(needle), "revenue page lacks {needle}");
    }
    let (_, page) = text(web.get(format!("{}/kpis", app.url)).send().await.unwrap()).await;
    assert!(page.contains("href=\"/kpis/revenue\""), "the KPI page links to revenue R");
    let (s, page) = text(web.get(format!("{}/kpis/revenue/settings", app.url)).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert!(page.contains("<fieldset disabled>") && page.contains("只有医院管理员可以修改"), "{page}");
    let form = |csrf: &str, start: &str, target: &str, components: &[&str]| {
        let mut f =
            vec![("_csrf".to_string(), csrf.to_string()), ("contract_start".into(), start.into()), ("target_wan".into(), target.into())];
        f.extend(components.iter().map(|c| ("components".to_string(), c.to_string())));
        f
    };
    let r = web
        .post(format!("{}/kpis/revenue/settings", app.url))
        .form(&form(&csrf, "2026-03-15", "0.05", DEFAULT_COMPONENTS))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let after = revenue(&app, &op, None).await.1;
    assert_eq!(after["configured"], false, "refused: nothing saved");

    // ---- bad input: 422 naming every problem, nothing saved ----
    let admin = app.admin_session("h1", "hospital_admin").await;
    let post = |f: Vec<(String, String)>| admin.web.post(format!("{}/kpis/revenue/settings", app.url)).form(&f).send();
    let (s, page) = text(post(form(&admin.csrf, "2026-02-30", "0", &[])).await.unwrap()).await;
    assert_eq!(s, 422);
    for needle in ["“2026-02-30”不是有效日期", "年度目标须大于 0", "请至少选择一项", "value=\"2026-02-30\""] {
        assert!(page.contains(needle), "the form lacks {needle}");
    }
    for (start, target, components, message) in [
        ("2026/3/40", "1800", DEFAULT_COMPONENTS, "不是有效日期"),
        ("", "1800", DEFAULT_COMPONENTS, "请填写合同起始日"),
        ("2026-03-15", "0", DEFAULT_COMPONENTS, "年度目标须大于 0"),
        ("2026-03-15", "-5", DEFAULT_COMPONENTS, "年度目标须大于 0"),
        ("2026-03-15", "一千八百", DEFAULT_COMPONENTS, "不是有效金额"),
        ("2026-03-15", "1800", &[][..], "请至少选择一项"),
        ("2026-03-15", "1800", &["payments_gift"][..], "未知的收入构成"),
    ] {
        let (s, page) = text(post(form(&admin.csrf, start, target, components)).await.unwrap()).await;
        assert_eq!(s, 422, "{start} {target} {components:?}");
        assert!(page.contains(message), "{start} {target} {components:?}: lacks {message}");
    }
    assert_eq!(revenue(&app, &op, None).await.1, after, "refused settings changed nothing");
    let audit = || async { hops_platform::audit::list(&app.system(h).tenant(), "revenue.", 0, 10).await.unwrap().0 };
    assert!(audit().await.is_empty());

    // ---- the contract year from 15 March, through the form ----
    let r = post(form(&admin.csrf, "2026-03-15", "0.05", DEFAULT_COMPONENTS)).await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/kpis/revenue/settings?saved=1"));
    let entries = audit().await;
    assert_eq!(entries.len(), 1);
    assert!(entries[0].detail.contains("合同起始日 2026-03-15；年度目标 0.05 万元"), "{}", entries[0].detail);
    let target = 50_000;
    let (s, r) = revenue(&app, &op, None).await;
    assert_eq!(s, 200);
    assert_eq!(r["configured"], true);
    check(&r, DEFAULT_COMPONENTS, "2026-03-15", "2027-03-14", "2027-03-14", target);
    // K2 + K3 + K6 + K8 (255.67) + Y1 (128.50) + Y4 (50.00) + Y7 (9.99), by hand.
    assert_eq!((r["total"].clone(), r["progress"].clone()), (json!("444.16"), json!(0.8883)));
    assert_eq!(r["months"].as_array().unwrap().len(), 13, "March 2026 to March 2027");
    assert_eq!(r["months"][0], json!({"month": "2026-03", "amount": "361.83", "cumulative": "361.83"}));
    for (at, first, last, as_of) in [
        // Before the contract starts: its first year, nothing counted yet.
        ("2026-03-14", "2026-03-15", "2027-03-14", "2026-03-14"),
        ("2026-03-15", "2026-03-15", "2027-03-14", "2026-03-15"),
        ("2026-10-31", "2026-03-15", "2027-03-14", "2026-10-31"),
        ("2026-11-01", "2026-03-15", "2027-03-14", "2026-11-01"),
        ("2027-03-15", "2027-03-15", "2028-03-14", "2027-03-15"),
        ("2027-12-31", "2027-03-15", "2028-03-14", "2027-12-31"),
    ] {
        let (s, r) = revenue(&app, &op, Some(at)).await;
        assert_eq!(s, 200, "{r}");
        check(&r, DEFAULT_COMPONENTS, first, last, as_of, target);
    }
    assert_eq!(revenue(&app, &op, Some("2026-03-14")).await.1["total"], "0.00", "K1 and Y6 precede the contract");
    assert_eq!(revenue(&app, &op, Some("2026-03-15")).await.1["total"], "361.83", "K2 + K3 + Y1");
    assert_eq!(revenue(&app, &op, Some("2027-03-15")).await.1["total"], "65.01", "K7 + Y5");

    // ---- other components: recharges and consultation payments when chosen ----
    let all =
        ["consultations", "payments_recharge", "payments_outpatient", "payments_consultation", "payments_prescription", "payments_other"];
    let r = post(form(&admin.csrf, "2026-03-15", "1,800", &all)).await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, r) = revenue(&app, &op, None).await;
    check(&r, &all, "2026-03-15", "2027-03-14", "2027-03-14", 1_800_000_000);
    assert_eq!(r["total"], "1644.16", "444.16 + Y2 + Y3");
    let (_, page) = text(web.get(format!("{}/kpis/revenue", app.url)).send().await.unwrap()).await;
    assert!(page.contains("同时计入了“问诊收入”与“问诊缴费”"), "double counting is pointed out");
    let only_payments = ["payments_other"];
    assert_eq!(post(form(&admin.csrf, "2026-03-15", "0.05", &only_payments)).await.unwrap().status(), 303);
    let (_, r) = revenue(&app, &op, Some("2026-11-01")).await;
    check(&r, &only_payments, "2026-03-15", "2027-03-14", "2026-11-01", target);
    assert_eq!(r["total"], "9.99");
    assert_eq!(post(form(&admin.csrf, "2026-03-15", "0.05", DEFAULT_COMPONENTS)).await.unwrap().status(), 303);
    assert_eq!(audit().await.len(), 4);

    // ---- the page and the dashboard tile ----
    let (s, page) = text(web.get(format!("{}/kpis/revenue", app.url)).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert!(!page.contains("未设置合同起始日"));
    for needle in ["2026-03-15 至 2027-03-14", "¥444.16", "88.8%", "0.05<small>万元", "2026年3月", "¥361.83", "未计入：充值、问诊缴费"]
    {
        assert!(page.contains(needle), "revenue page lacks {needle}");
    }
    let (_, page) = text(web.get(format!("{}/kpis/revenue?at=2026-03-14", app.url)).send().await.unwrap()).await;
    assert!(page.contains("2026-03-14 合同尚未开始") && page.contains("¥0.00"), "{page}");
    let (s, page) = text(web.get(format!("{}/kpis/revenue?at=2026-13-01", app.url)).send().await.unwrap()).await;
    assert_eq!(s, 422, "{page}");
    let (_, home) = text(web.get(format!("{}/", app.url)).send().await.unwrap()).await;
    for needle in ["合同年度累计收入", "¥444.16", "目标 0.05 万元 · 完成 88.8%", "href=\"/kpis/revenue\""] {
        assert!(home.contains(needle), "dashboard lacks {needle}");
    }
    assert!(!home.contains("累计收入 R"), "no formula letter in a card label");
    app.stop().await;
}
