//! Doctor performance: a month computed by hand matches the sheets to the fen (kinds, refunds,
//! the timeout threshold, a free consultation, the month boundary, a complaint and an
//! adjustment); invalid settings change nothing; the verification flow confirm / dispute /
//! resolve / lock, with a locked month refusing changes; doctors see only their own sheets;
//! other hospitals' sheets are not found. On both backends.

use hops_kernel::HospitalId;
use hops_platform::Role;
use hops_platform::accounts::service::{self as accounts, NewUserInput};
use hops_testkit::{Backend, PASSWORD, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    month_matches_a_hand_computation,
    invalid_settings_change_nothing,
    verification_flow_and_lock,
    doctors_see_only_their_own_sheets,
);

async fn ingest(app: &TestApp, token: &str, kind: &str, rows: Value) {
    let (s, r) =
        call(&app.client(), Method::POST, &format!("{}/api/v1/ingest/{kind}", app.url), token, Some(json!({ "rows": rows }))).await;
    assert_eq!(s, 200, "ingest {kind}: {r}");
}

#[allow(clippy::too_many_arguments)]
fn cons(
    id: &str,
    doctor: &str,
    kind: &str,
    created: &str,
    paid: Option<&str>,
    reply: Option<&str>,
    completed: Option<&str>,
    refunded: Option<&str>,
    amount: &str,
) -> Value {
    json!({
        "external_id": id, "patient_external_id": "P1", "department_code": "CARD", "doctor_code": doctor, "kind": kind,
        "created_at": created, "paid_at": paid, "first_reply_at": reply, "completed_at": completed, "refunded_at": refunded,
        "amount": amount,
    })
}

/// October 2026, computed by hand with the formula of [`FORMULA`]:
///
/// D001 — text C1 (reply exactly 30 min after payment: no timeout) and C2 (31 min: timeout),
/// video C3 completed but refunded (no count, no revenue), revisit C4 free (¥0.00: counts, adds
/// no revenue), phone C6 created 23:59:59 on the last day (October) and completed in November,
/// video C7 paid but not completed (revenue only; reply after 45 min: timeout); C5 was created
/// one second before October. Text 2 × ¥5 = 10.00, phone 1 × ¥15 = 15.00, revisit 1 × ¥3 = 3.00,
/// revenue 30.00 + 25.50 + 0.00 + 60.00 + 80.00 = 195.50 × 33.33 % = 65.16015 → 65.16,
/// timeouts 2 × −2.00 = −4.00: 89.16.
///
/// D002 — text C8 at 02:00Z (10:00 Shanghai): 5.00 + 9.99 × 33.33 % = 3.329667 → 3.33: 8.33;
/// C9 at 16:30Z on the 31st is November 1st in Shanghai.
///
/// D003 — only a refunded, never answered consultation and an unpaid one: no sheet.
async fn load_october(app: &TestApp, token: &str) {
    ingest(app, token, "departments", json!([{"code": "CARD", "name": "心血管内科"}])).await;
    ingest(
        app,
        token,
        "doctors",
        json!([
            {"code": "D001", "name": "王医生", "department_code": "CARD", "title": "主任医师"},
            {"code": "D002", "name": "李医生", "department_code": "CARD", "title": "主治医师"},
            {"code": "D003", "name": "张医生", "department_code": "CARD", "title": "住院医师"},
        ]),
    )
    .await;
    ingest(app, token, "patients", json!([{"external_id": "P1", "name": "患者甲", "sex": "女", "registered_at": "2026-01-01 08:00:00"}]))
        .await;
    let rows = vec![
        cons(
            "C1",
            "D001",
            "text",
            "2026-10-01 00:00:00",
            Some("2026-10-01 00:01:00"),
            Some("2026-10-01 00:31:00"),
            Some("2026-10-01 01:00:00"),
            None,
            "30.00",
        ),
        cons(
            "C2",
            "D001",
            "图文",
            "2026-10-05 10:00:00",
            Some("2026-10-05 10:00:00"),
            Some("2026-10-05 10:31:00"),
            Some("2026-10-05 11:00:00"),
            None,
            "25.50",
        ),
        cons(
            "C3",
            "D001",
            "video",
            "2026-10-10 09:00:00",
            Some("2026-10-10 09:01:00"),
            Some("2026-10-10 09:06:00"),
            Some("2026-10-10 09:30:00"),
            Some("2026-10-11 09:00:00"),
            "120.00",
        ),
        cons(
            "C4",
            "D001",
            "revisit",
            "2026-10-20 20:00:00",
            Some("2026-10-20 20:00:00"),
            Some("2026-10-20 20:01:00"),
            Some("2026-10-20 20:30:00"),
            None,
            "0.00",
        ),
        cons(
            "C5",
            "D001",
            "phone",
            "2026-09-30 23:59:59",
            Some("2026-10-01 00:00:30"),
            Some("2026-10-01 00:02:00"),
            Some("2026-10-01 01:00:00"),
            None,
            "60.00",
        ),
        cons(
            "C6",
            "D001",
            "phone",
            "2026-10-31 23:59:59",
            Some("2026-10-31 23:59:59"),
            Some("2026-11-01 00:05:00"),
            Some("2026-11-01 00:10:00"),
            None,
            "60.00",
        ),
        cons("C7", "D001", "video", "2026-10-12 08:00:00", Some("2026-10-12 08:00:00"), Some("2026-10-12 08:45:00"), None, None, "80.00"),
        cons(
            "C8",
            "D002",
            "text",
            "2026-10-15T02:00:00Z",
            Some("2026-10-15T02:00:00Z"),
            Some("2026-10-15T02:02:00Z"),
            Some("2026-10-15T02:20:00Z"),
            None,
            "9.99",
        ),
        cons(
            "C9",
            "D002",
            "text",
            "2026-10-31T16:30:00Z",
            Some("2026-10-31T16:30:00Z"),
            Some("2026-10-31T16:31:00Z"),
            Some("2026-10-31T16:40:00Z"),
            None,
            "9.99",
        ),
        cons("C10", "D003", "phone", "2026-10-03 12:00:00", Some("2026-10-03 12:00:00"), None, None, Some("2026-10-03 13:00:00"), "40.00"),
        cons("C11", "D003", "text", "2026-10-04 12:00:00", None, None, None, None, "20.00"),
    ];
    ingest(app, token, "consultations", json!(rows)).await;
}

const FORMULA: &[(&str, &str)] = &[
    ("price_text", "5.00"),
    ("price_video", "20"),
    ("price_phone", "15.00"),
    ("price_revisit", "3"),
    ("share_percent", "33.33"),
    ("timeout_minutes", "30"),
    ("timeout_deduction", "2.00"),
    ("complaint_deduction", "50.00"),
];

/// Posts a console form; returns the status and the body.
async fn post(c: &reqwest::Client, csrf: &str, url: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf)];
    form.extend_from_slice(fields);
    let r = c.post(url).form(&form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

struct Setup {
    app: TestApp,
    h: HospitalId,
    token: String,
    op: reqwest::Client,
    csrf: String,
}

impl Setup {
    async fn new(b: Backend) -> Setup {
        let app = TestApp::spawn(b).await;
        let h = app.hospital("h1", &[Role::Operator, Role::Finance]).await;
        for (code, name) in [("D001", "王医生"), ("D002", "李医生"), ("d002x", "不是医生工号")] {
            accounts::create_user(
                &app.system(h),
                NewUserInput { username: code, display_name: name, role: Role::Doctor, password: PASSWORD },
            )
            .await
            .unwrap();
        }
        let token = app.token("h1", "operator").await;
        load_october(&app, &token).await;
        let (op, csrf) = app.web_login("h1", "operator").await;
        Setup { app, h, token, op, csrf }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.url)
    }

    async fn save_formula(&self) {
        let (s, body) = post(&self.op, &self.csrf, &self.url("/performance/settings"), FORMULA).await;
        assert_eq!(s, 303, "{body}");
    }

    async fn generate(&self, month: &str) -> (u16, String) {
        post(&self.op, &self.csrf, &self.url("/performance/generate"), &[("month", month)]).await
    }

    async fn month(&self, token: &str, month: &str) -> Value {
        let (s, v) = call(&self.app.client(), Method::GET, &self.url(&format!("/api/v1/performance?month={month}")), token, None).await;
        assert_eq!(s, 200, "{v}");
        v
    }

    async fn sheet(&self, month: &str, doctor: &str) -> Value {
        let v = self.month(&self.token, month).await;
        v["sheets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["doctor_code"] == doctor)
            .cloned()
            .unwrap_or_else(|| panic!("no sheet of {doctor}: {v}"))
    }
}

fn amounts(sheet: &Value) -> Vec<(String, i64, String)> {
    sheet["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["kind"].as_str().unwrap().to_string(), l["count"].as_i64().unwrap(), l["amount"].as_str().unwrap().to_string()))
        .collect()
}

fn line(kind: &str, count: i64, amount: &str) -> (String, i64, String) {
    (kind.to_string(), count, amount.to_string())
}

async fn month_matches_a_hand_computation(b: Backend) {
    let s = Setup::new(b).await;
    // Nothing to generate with before a formula exists.
    let (st, body) = s.generate("2026-10").await;
    assert_eq!(st, 409, "{body}");
    assert!(body.contains("还没有设置绩效方案"));
    assert_eq!(s.month(&s.token, "2026-10").await["state"], "not_generated");
    s.save_formula().await;
    let (st, body) = s.generate("2026-10").await;
    assert_eq!(st, 303, "{body}");

    let m = s.month(&s.token, "2026-10").await;
    assert_eq!(m["state"], "open");
    assert_eq!(m["formula"]["share_percent"], "33.33");
    assert_eq!(m["formula"]["price_video"], "20.00");
    let codes: Vec<&str> = m["sheets"].as_array().unwrap().iter().map(|s| s["doctor_code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["D001", "D002"], "only doctors with activity get a sheet");

    let d1 = s.sheet("2026-10", "D001").await;
    assert_eq!(
        amounts(&d1),
        vec![
            line("text", 2, "10.00"),
            line("video", 0, "0.00"),
            line("phone", 1, "15.00"),
            line("revisit", 1, "3.00"),
            line("revenue_share", 5, "65.16"),
            line("timeouts", 2, "-4.00"),
            line("complaints", 0, "0.00"),
        ]
    );
    assert_eq!(d1["total"], "89.16");
    assert_eq!(d1["status"], "draft");
    assert_eq!(d1["lines"][4]["unit"], "¥195.50 × 33.33%");
    assert_eq!(d1["lines"][0]["unit"], "¥5.00/单");
    let d2 = s.sheet("2026-10", "D002").await;
    assert_eq!(amounts(&d2)[0], line("text", 1, "5.00"));
    assert_eq!(amounts(&d2)[4], line("revenue_share", 1, "3.33"));
    assert_eq!(d2["total"], "8.33");
    assert_eq!(m["total"], "97.49");

    // An upheld complaint and a manual adjustment, each with its reason.
    let id = d1["id"].as_i64().unwrap();
    let adjust = s.url(&format!("/performance/sheets/{id}/adjust"));
    let (st, body) = post(&s.op, &s.csrf, &adjust, &[("kind", "complaint"), ("reason", "患者投诉回复慢，经核实成立")]).await;
    assert_eq!(st, 303, "{body}");
    let (st, body) = post(&s.op, &s.csrf, &adjust, &[("kind", "manual"), ("amount", "12.34"), ("reason", "夜班补贴")]).await;
    assert_eq!(st, 303, "{body}");
    let d1 = s.sheet("2026-10", "D001").await;
    let got = amounts(&d1);
    assert_eq!(got[6], line("complaints", 1, "-50.00"));
    assert_eq!(got[7], line("manual", 1, "12.34"));
    assert_eq!(d1["lines"][7]["item"], "人工调整：夜班补贴");
    assert_eq!(d1["total"], "51.50");
    assert_eq!(s.month(&s.token, "2026-10").await["total"], "59.83");

    // Regenerating keeps the adjustments and gives the same figures.
    assert_eq!(s.generate("2026-10").await.0, 303);
    assert_eq!(s.sheet("2026-10", "D001").await["total"], "51.50");
    assert_eq!(s.month(&s.token, "2026-10").await["sheets"].as_array().unwrap().len(), 2);

    // The sheet page prints the trace; the month before is empty.
    let page = s.op.get(s.url(&format!("/performance/sheets/{id}"))).send().await.unwrap().text().await.unwrap();
    for want in ["¥195.50 × 33.33%", "¥65.16", "超时扣款（首次回复晚于支付后 30 分钟）", "-¥50.00", "夜班补贴", "¥51.50"]
    {
        assert!(page.contains(want), "sheet page lacks {want}");
    }
    let list = s.op.get(s.url("/performance?month=2026-09")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("还没有生成绩效单"));
    let list = s.op.get(s.url("/performance?month=2026-10")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("¥59.83") && list.contains("王医生"));

    // Export: the sheets and their trace lines; audited as an export.
    let r = s.op.get(s.url("/performance/export.xlsx?month=2026-10")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let t = hops_platform::tabular::parse(&r.bytes().await.unwrap(), "x.xlsx").unwrap();
    assert_eq!(t.rows.len(), (8 + 1) + (7 + 1), "the lines and a total row of each sheet");
    assert!(t.rows.iter().any(|r| r[1] == "D001" && r[5] == "合计" && r[8] == "51.50"));
    assert!(t.rows.iter().any(|r| r[1] == "D001" && r[5].starts_with("问诊收入分成") && r[8] == "65.16"));
    let h = s.app.system(s.h);
    let (exports, _) = hops_platform::audit::list(&h.tenant(), "export", 0, 10).await.unwrap();
    assert_eq!(exports.len(), 1);
    assert!(exports[0].target.contains("performance:2026-10"));
    let (adjusts, _) = hops_platform::audit::list(&h.tenant(), "performance.", 0, 100).await.unwrap();
    let actions: Vec<&str> = adjusts.iter().map(|e| e.action.as_str()).collect();
    for a in ["performance.settings", "performance.generate", "performance.adjust"] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
    s.app.stop().await;
}

async fn invalid_settings_change_nothing(b: Backend) {
    let s = Setup::new(b).await;
    s.save_formula().await;
    let bad: &[(&str, &str)] = &[
        ("price_text", "-1"),
        ("price_video", "20.001"),
        ("price_phone", ""),
        ("price_revisit", "3"),
        ("share_percent", "120"),
        ("timeout_minutes", "0"),
        ("timeout_deduction", "abc"),
        ("complaint_deduction", "50"),
    ];
    let (st, body) = post(&s.op, &s.csrf, &s.url("/performance/settings"), bad).await;
    assert_eq!(st, 422);
    for (field, _) in &bad[..3] {
        assert!(body.contains(&format!("id=\"{field}\"")), "{field} re-rendered");
    }
    assert_eq!(body.matches("class=\"field-error\"").count(), 6, "one message per bad field");
    assert!(body.contains("分成比例应为 0–100"));
    // Nothing changed: the page still shows the saved formula, and a generation uses it.
    let page = s.op.get(s.url("/performance/settings")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("value=\"33.33\"") && page.contains("value=\"5.00\""));
    assert_eq!(s.generate("2026-10").await.0, 303);
    assert_eq!(s.sheet("2026-10", "D001").await["total"], "89.16");
    // Only people who manage performance may change it.
    let (fin, fcsrf) = s.app.web_login("h1", "finance").await;
    let (st, _) = post(&fin, &fcsrf, &s.url("/performance/settings"), FORMULA).await;
    assert_eq!(st, 403);
    assert_eq!(post(&fin, &fcsrf, &s.url("/performance/generate"), &[("month", "2026-10")]).await.0, 403);
    // A bad month is a clear 422.
    let (st, v) = call(&s.app.client(), Method::GET, &s.url("/api/v1/performance?month=2026-13"), &s.token, None).await;
    assert_eq!((st, v["error"]["code"].as_str()), (422, Some("validation_failed")));
    s.app.stop().await;
}

async fn verification_flow_and_lock(b: Backend) {
    let s = Setup::new(b).await;
    s.save_formula().await;
    assert_eq!(s.generate("2026-10").await.0, 303);
    let d1 = s.sheet("2026-10", "D001").await["id"].as_i64().unwrap();
    let d2 = s.sheet("2026-10", "D002").await["id"].as_i64().unwrap();
    let sheet_url = |id: i64, action: &str| s.url(&format!("/performance/sheets/{id}/{action}"));
    let (doc, dcsrf) = s.app.web_login("h1", "D001").await;

    // The doctor disputes: a comment is required.
    let (st, body) = post(&doc, &dcsrf, &sheet_url(d1, "dispute"), &[("comment", "  ")]).await;
    assert_eq!(st, 422);
    assert!(body.contains("请填写异议说明"));
    assert_eq!(s.sheet("2026-10", "D001").await["status"], "draft");
    let (st, _) = post(&doc, &dcsrf, &sheet_url(d1, "dispute"), &[("comment", "10 月 12 日的视频问诊已完成，未计入单价")]).await;
    assert_eq!(st, 303);
    assert_eq!(s.sheet("2026-10", "D001").await["status"], "disputed");
    // A second dispute while one is open is a conflict.
    assert_eq!(post(&doc, &dcsrf, &sheet_url(d1, "dispute"), &[("comment", "再次")]).await.0, 409);
    // The doctor cannot resolve or adjust.
    assert_eq!(post(&doc, &dcsrf, &sheet_url(d1, "resolve"), &[("comment", "自己处理")]).await.0, 403);
    assert_eq!(post(&doc, &dcsrf, &sheet_url(d1, "adjust"), &[("kind", "manual"), ("amount", "100"), ("reason", "x")]).await.0, 403);

    // The month cannot be locked while a dispute is open.
    let (st, body) = post(&s.op, &s.csrf, &s.url("/performance/lock"), &[("_confirmed", "1"), ("month", "2026-10")]).await;
    assert_eq!(st, 409);
    assert!(body.contains("有异议的绩效单未处理"));

    // The operator resolves with an adjustment; a bad amount is reported and changes nothing.
    let (st, body) =
        post(&s.op, &s.csrf, &sheet_url(d1, "resolve"), &[("comment", "已核实"), ("kind", "manual"), ("amount", "1.234")]).await;
    assert_eq!(st, 422);
    assert!(body.contains("两位小数"));
    assert_eq!(s.sheet("2026-10", "D001").await["status"], "disputed");
    let (st, body) = post(
        &s.op,
        &s.csrf,
        &sheet_url(d1, "resolve"),
        &[("comment", "已核实，补计视频问诊 1 单"), ("kind", "manual"), ("amount", "20.00")],
    )
    .await;
    assert_eq!(st, 303, "{body}");
    let sheet = s.sheet("2026-10", "D001").await;
    assert_eq!((sheet["status"].as_str(), sheet["total"].as_str()), (Some("resolved"), Some("109.16")));
    assert_eq!(sheet["lines"][7]["item"], "人工调整：已核实，补计视频问诊 1 单");
    // Resolving again is not possible.
    assert_eq!(post(&s.op, &s.csrf, &sheet_url(d1, "resolve"), &[("comment", "再处理")]).await.0, 409);

    // The doctor confirms; a later change of the total sends it back to them.
    assert_eq!(post(&doc, &dcsrf, &sheet_url(d1, "confirm"), &[]).await.0, 303);
    assert_eq!(s.sheet("2026-10", "D001").await["status"], "confirmed");
    assert_eq!(post(&doc, &dcsrf, &sheet_url(d1, "dispute"), &[("comment", "改主意")]).await.0, 409);
    let (st, _) = post(&s.op, &s.csrf, &sheet_url(d1, "adjust"), &[("kind", "complaint"), ("reason", "投诉成立")]).await;
    assert_eq!(st, 303);
    let sheet = s.sheet("2026-10", "D001").await;
    assert_eq!((sheet["status"].as_str(), sheet["total"].as_str()), (Some("draft"), Some("59.16")));
    assert_eq!(post(&doc, &dcsrf, &sheet_url(d1, "confirm"), &[("comment", "同意")]).await.0, 303);

    // The operator records D002's answer on their behalf: a note is required.
    assert_eq!(post(&s.op, &s.csrf, &sheet_url(d2, "confirm"), &[]).await.0, 422);
    assert_eq!(post(&s.op, &s.csrf, &sheet_url(d2, "confirm"), &[("comment", "医生电话确认")]).await.0, 303);
    let page = s.op.get(s.url(&format!("/performance/sheets/{d2}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("代医生确认") && page.contains("医生电话确认"));
    let page = doc.get(s.url(&format!("/performance/sheets/{d1}"))).send().await.unwrap().text().await.unwrap();
    for want in ["医生提出异议", "处理异议", "已核实，补计视频问诊 1 单", "医生确认", "已确认"] {
        assert!(page.contains(want), "history lacks {want}");
    }

    // Lock: no more changes, no regeneration; the figures stay.
    let (st, body) = post(&s.op, &s.csrf, &s.url("/performance/lock"), &[("_confirmed", "1"), ("month", "2026-10")]).await;
    assert_eq!(st, 303, "{body}");
    let m = s.month(&s.token, "2026-10").await;
    assert_eq!(m["state"], "locked");
    assert!(m["locked_at"].is_string());
    let (st, body) = s.generate("2026-10").await;
    assert_eq!(st, 409);
    assert!(body.contains("已锁定"));
    assert_eq!(post(&s.op, &s.csrf, &sheet_url(d1, "adjust"), &[("kind", "manual"), ("amount", "1"), ("reason", "x")]).await.0, 409);
    assert_eq!(post(&s.op, &s.csrf, &sheet_url(d2, "resolve"), &[("comment", "x")]).await.0, 409);
    assert_eq!(post(&doc, &dcsrf, &sheet_url(d1, "dispute"), &[("comment", "锁定后异议")]).await.0, 409);
    assert_eq!(post(&s.op, &s.csrf, &s.url("/performance/lock"), &[("_confirmed", "1"), ("month", "2026-10")]).await.0, 409);
    // A new formula does not touch a locked month.
    let mut changed: Vec<(&str, &str)> = FORMULA.to_vec();
    changed[0] = ("price_text", "100.00");
    assert_eq!(post(&s.op, &s.csrf, &s.url("/performance/settings"), &changed).await.0, 303);
    let after = s.month(&s.token, "2026-10").await;
    assert_eq!(after["sheets"], m["sheets"]);
    assert_eq!(after["formula"]["price_text"], "5.00");
    // Locking a month never generated is refused.
    assert_eq!(post(&s.op, &s.csrf, &s.url("/performance/lock"), &[("_confirmed", "1"), ("month", "2026-08")]).await.0, 409);

    let (entries, _) = hops_platform::audit::list(&s.app.system(s.h).tenant(), "performance.", 0, 100).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for a in ["performance.dispute", "performance.resolve", "performance.confirm", "performance.adjust", "performance.lock"] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
    s.app.stop().await;
}

async fn doctors_see_only_their_own_sheets(b: Backend) {
    let s = Setup::new(b).await;
    s.save_formula().await;
    assert_eq!(s.generate("2026-10").await.0, 303);
    let d1 = s.sheet("2026-10", "D001").await["id"].as_i64().unwrap();
    let d2 = s.sheet("2026-10", "D002").await["id"].as_i64().unwrap();

    let (doc, dcsrf) = s.app.web_login("h1", "D001").await;
    let r = doc.get(s.url(&format!("/performance/sheets/{d1}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("¥89.16"));
    let r = doc.get(s.url(&format!("/performance/sheets/{d2}"))).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(!r.text().await.unwrap().contains("李医生"));
    assert_eq!(post(&doc, &dcsrf, &s.url(&format!("/performance/sheets/{d2}/confirm")), &[]).await.0, 403);
    // Their list shows their own sheets only; the API too.
    let list = doc.get(s.url("/performance")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("我的绩效") && list.contains("¥89.16") && !list.contains("¥8.33"));
    let token = s.app.token("h1", "D001").await;
    let m = s.month(&token, "2026-10").await;
    let codes: Vec<&str> = m["sheets"].as_array().unwrap().iter().map(|s| s["doctor_code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["D001"]);
    // Management and export are not for doctors.
    assert_eq!(post(&doc, &dcsrf, &s.url("/performance/generate"), &[("month", "2026-10")]).await.0, 403);
    assert_eq!(doc.get(s.url("/performance/export.xlsx?month=2026-10")).send().await.unwrap().status(), 403);
    // A doctor account whose username is no doctor code sees nothing.
    let (other, _) = s.app.web_login("h1", "d002x").await;
    assert_eq!(other.get(s.url("/performance")).send().await.unwrap().status(), 403);
    assert_eq!(other.get(s.url(&format!("/performance/sheets/{d2}"))).send().await.unwrap().status(), 403);

    // Another hospital's operator: its ids are not found, its lists are empty.
    s.app.hospital("h2", &[Role::Operator]).await;
    let (ob, ocsrf) = s.app.web_login("h2", "operator").await;
    let r = ob.get(s.url(&format!("/performance/sheets/{d1}"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("王医生"));
    for action in ["confirm", "dispute", "resolve", "adjust"] {
        let (st, body) = post(
            &ob,
            &ocsrf,
            &s.url(&format!("/performance/sheets/{d1}/{action}")),
            &[("comment", "x"), ("kind", "manual"), ("amount", "1"), ("reason", "x")],
        )
        .await;
        assert_eq!(st, 404, "{action}: {body}");
    }
    let tb = s.app.token("h2", "operator").await;
    let m = s.month(&tb, "2026-10").await;
    assert_eq!((m["state"].as_str(), m["sheets"].as_array().unwrap().len()), (Some("not_generated"), 0));
    assert_eq!(s.sheet("2026-10", "D001").await["status"], "draft", "nothing changed in hospital h1");
    s.app.stop().await;
}
