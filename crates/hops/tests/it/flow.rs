//! Status flows and approvals (hops_platform::flow): a status change and its history row commit
//! together — a refused or failed change leaves none —; approvals are decided by someone else
//! holding the approver's permission (four-eyes), never across hospitals; the inbox in Chromium.

use hops_kernel::{LocalDay, Period, PeriodRange};
use hops_platform::flow::{self, Subject};
use hops_platform::{Access, Role};
use hops_testkit::{Backend, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    history_rows_commit_with_their_change_only,
    approvals_are_four_eyes_and_stay_in_their_hospital,
    older_status_records_are_backfilled
);

/// (from, to, action) of a subject's history, oldest first.
async fn history(access: &Access, subject: Subject) -> Vec<(Option<String>, String, String)> {
    let mut c = access.tenant().read().await.unwrap();
    flow::service::history(&mut c, subject).await.unwrap().into_iter().map(|h| (h.from, h.to, h.action)).collect()
}

fn row(from: Option<&str>, to: &str, action: &str) -> (Option<String>, String, String) {
    (from.map(str::to_string), to.to_string(), action.to_string())
}

async fn history_rows_commit_with_their_change_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let h = app.hospital("fl", &[Role::Operator]).await;
    let sys = app.system(h);

    // A ticket: created (new), started; a refused action writes nothing.
    use hops_desk::ticket::{model as tm, service as tickets};
    let input =
        tm::TicketInput { channel: "chat".into(), category: "consult".into(), subject: "无法登录".into(), ..Default::default() };
    let t = tickets::open(&sys, &input, tickets::Origin::default()).await.unwrap();
    let subject = tm::FLOW.subject(t.id);
    assert_eq!(history(&sys, subject).await, [row(None, "new", "create")]);
    tickets::act(&sys, t.id, tm::Action::Start, "开始处理").await.unwrap();
    let e = tickets::act(&sys, t.id, tm::Action::Close, "").await.unwrap_err();
    assert_eq!((e.status(), e.public_message()), (409, "工单当前为“处理中”，不能关闭".to_string()));
    assert_eq!(history(&sys, subject).await, [row(None, "new", "create"), row(Some("new"), "open", "start")]);
    // The SLA clocks read the same rows: resolving stops the resolution clock.
    tickets::act(&sys, t.id, tm::Action::Resolve, "").await.unwrap();
    let v = tickets::get(&sys, t.id).await.unwrap();
    assert_eq!(v.history.len(), 3);
    assert_eq!(v.events.iter().filter(|e| e.kind == "status").count(), 3, "the conversation shows each change once");

    // A complaint: a step with bad input changes nothing, a good one writes one row.
    use hops_desk::complaint::{model as cm, service as complaints};
    let draft =
        cm::Draft {
            complainant: "王女士".into(), subject: "候诊太久".into(), description: "等了两小时".into(), ..Default::default()
        };
    let c = complaints::create(&sys, &complaints::Origin::Direct, &draft).await.unwrap();
    let subject = cm::FLOW.subject(c.id);
    let bad = complaints::StepInput { department_id: None, ..Default::default() };
    assert_eq!(complaints::step(&sys, c.id, "investigate", &bad).await.unwrap_err().status(), 422);
    assert_eq!(history(&sys, subject).await, [row(None, "registered", "register")]);
    let e = complaints::step(&sys, c.id, "reply", &bad).await.unwrap_err();
    assert_eq!(e.status(), 409, "{e:?}");
    assert_eq!(history(&sys, subject).await.len(), 1);

    // A booking: paid at the counter, a refused cancellation and a failed check-in leave no row,
    // the check-in and completion do.
    use hops_checkup::booking::model as bm;
    let (_, booking) = crate::tenancy::checkup_fixtures(&sys).await;
    let subject = bm::FLOW.subject(booking);
    assert!(history(&sys, subject).await.is_empty(), "the booking's first status is on the booking");
    hops_checkup::payment::service::record_offline(&sys, booking, hops_checkup::payment::model::Method::Onsite, "").await.unwrap();
    assert_eq!(history(&sys, subject).await, [row(Some("pending_payment"), "paid", "pay")]);
    assert_eq!(hops_checkup::booking::service::cancel(&sys, booking).await.unwrap_err().status(), 409);
    app.clock.advance_seconds(2 * 86_400); // the booking's day
    let e = hops_checkup::booking::desk::check_in(&sys, booking, "11010519491231002X", "别人").await.unwrap_err();
    assert_eq!(e.status(), 422);
    assert_eq!(history(&sys, subject).await.len(), 1, "refused and failed changes write no history");
    hops_checkup::booking::desk::check_in(&sys, booking, "11010519491231002X", "乙院患者").await.unwrap();
    hops_checkup::booking::desk::complete(&sys, booking).await.unwrap();
    let actions: Vec<String> = history(&sys, subject).await.into_iter().map(|r| r.2).collect();
    assert_eq!(actions, ["pay", "check_in", "complete"]);

    // The console shows the booking's history with Chinese labels only.
    let (web, _) = app.web_login("fl", "operator").await;
    let page = web.get(format!("{}/checkup/bookings/{booking}", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("状态记录") && page.contains("待支付 → 已支付") && page.contains("完成体检"), "{page}");
    assert!(!page.contains("checked_in"), "no raw codes");
    let token = app.token("fl", "operator").await;
    let (s, b) = call(&app.client(), Method::GET, &format!("{}/api/v1/checkup/bookings/{booking}/history", app.url), &token, None).await;
    assert_eq!((s, b[2]["to_label"].as_str()), (200, Some("已完成")), "{b}");
    app.stop().await;
}

fn january() -> PeriodRange {
    PeriodRange::containing(Period::Month, LocalDay::parse("2025-01-15").unwrap())
}

async fn decide(app: &TestApp, token: &str, id: i64, decision: &str, comment: &str) -> (u16, Value) {
    let body = json!({"decision": decision, "comment": comment});
    call(&app.client(), Method::POST, &format!("{}/api/v1/approvals/{id}/decision", app.url), token, Some(body)).await
}

async fn approvals_are_four_eyes_and_stay_in_their_hospital(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let h = app.hospital("ap", &[Role::Operator, Role::Doctor, Role::HospitalAdmin]).await;
    let sys = app.system(h);
    let (operator, doctor) = (app.token("ap", "operator").await, app.token("ap", "doctor").await);
    let admin = app.admin_session("ap", "hospital_admin").await.token;
    let url = |p: &str| format!("{}{p}", app.url);
    let client = app.client();
    let period = json!({"period": "month", "at": "2025-01"});

    // Off by default: published directly, as always.
    let (s, b) = call(&client, Method::POST, &url("/api/v1/reports/submissions"), &operator, Some(period.clone())).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("approval_not_required")), "{b}");
    // Only those who configure the figures switch it on.
    let (s, _) = call(&client, Method::PUT, &url("/api/v1/reports/approval-setting"), &operator, Some(json!({"required": true}))).await;
    assert_eq!(s, 403);
    let (s, _) = call(&client, Method::PUT, &url("/api/v1/reports/approval-setting"), &admin, Some(json!({"required": true}))).await;
    assert_eq!(s, 200);
    let (s, b) = call(&client, Method::POST, &url("/api/v1/reports"), &operator, Some(period.clone())).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("approval_required")), "{b}");

    // The operator submits; not to themself: their inbox is empty, the admin's has it.
    let (s, b) = call(&client, Method::POST, &url("/api/v1/reports/submissions"), &operator, Some(period.clone())).await;
    assert_eq!((s, b["decision"].as_str()), (201, Some("pending")), "{b}");
    let id = b["id"].as_i64().unwrap();
    let (s, b) = call(&client, Method::POST, &url("/api/v1/reports/submissions"), &operator, Some(period.clone())).await;
    assert_eq!(s, 409, "submitted twice: {b}");
    let (_, mine) = call(&client, Method::GET, &url("/api/v1/approvals"), &operator, None).await;
    assert_eq!(mine["total"], 0, "{mine}");
    let (_, theirs) = call(&client, Method::GET, &url("/api/v1/approvals"), &admin, None).await;
    assert_eq!((theirs["total"].as_i64(), theirs["items"][0]["subject_title"].as_str()), (Some(1), Some("2025年1月的月报")), "{theirs}");

    // Four-eyes: the requester cannot approve; someone without the permission gets 403; nothing
    // changes either way.
    let (s, b) = decide(&app, &operator, id, "approved", "").await;
    assert_eq!((s, b["error"]["code"].as_str()), (403, Some("four_eyes")), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("不能审批自己提交的申请"));
    let (s, _) = decide(&app, &doctor, id, "approved", "").await;
    assert_eq!(s, 403);
    let (_, list) = call(&client, Method::GET, &url("/api/v1/reports"), &admin, None).await;
    assert_eq!(list["total"], 0, "not published");
    let subject = hops_reports::model::flow::FLOW.subject(hops_reports::model::flow::subject_id(january()));
    assert_eq!(history(&sys, subject).await, [row(Some("draft"), "submitted", "submit")]);

    // A rejection needs a comment, and sends the report back to 未发布.
    let (s, _) = decide(&app, &admin, id, "rejected", " ").await;
    assert_eq!(s, 422);
    let (s, b) = decide(&app, &admin, id, "rejected", "结论需补充整改措施").await;
    assert_eq!((s, b["decision"].as_str(), b["decided_by"].as_str()), (200, Some("rejected"), Some("医院管理员")), "{b}");
    let (s, b) = decide(&app, &admin, id, "approved", "").await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("approval_decided")), "{b}");

    // Submitted again and approved by the admin: published, with the approver as publisher.
    let (_, b) = call(&client, Method::POST, &url("/api/v1/reports/submissions"), &operator, Some(period.clone())).await;
    let again = b["id"].as_i64().unwrap();
    let (s, b) = decide(&app, &admin, again, "approved", "同意发布").await;
    assert_eq!((s, b["decision"].as_str()), (200, Some("approved")), "{b}");
    let (_, list) = call(&client, Method::GET, &url("/api/v1/reports"), &admin, None).await;
    assert_eq!(list["total"], 1, "{list}");
    let actions: Vec<String> = history(&sys, subject).await.into_iter().map(|r| r.2).collect();
    assert_eq!(actions, ["submit", "reject", "submit", "approve"]);
    let (web, _) = app.web_login("ap", "operator").await;
    let page = web.get(url("/reports?period=month&at=2025-01")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("审批通过并发布") && page.contains("待审批 → 已发布") && page.contains("同意发布"), "the period's history");

    // Another hospital sees neither the approval nor the history.
    let other = app.hospital("bp", &[Role::HospitalAdmin]).await;
    let b_admin = app.admin_session("bp", "hospital_admin").await.token;
    let (s, _) = call(&client, Method::GET, &url(&format!("/api/v1/approvals/{again}")), &b_admin, None).await;
    assert_eq!(s, 404);
    let (s, _) = decide(&app, &b_admin, id, "approved", "").await;
    assert_eq!(s, 404);
    let (_, theirs) = call(&client, Method::GET, &url("/api/v1/approvals"), &b_admin, None).await;
    assert_eq!(theirs["total"], 0);
    assert!(history(&app.system(other), subject).await.is_empty());
    // Audited: the request and both decisions.
    let (entries, _) = hops_platform::audit::list(&sys.tenant(), "flow.approval.", 0, 50).await.unwrap();
    let audited: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(audited, ["flow.approval.approve", "flow.approval.request", "flow.approval.reject", "flow.approval.request"]);
    app.stop().await;
}

/// The inbox as an operator sees it in Chromium: a colleague's submission, approved with a
/// comment after the confirmation dialog; the report is published.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_approvals_inbox_in_a_browser() {
    use thirtyfour::prelude::*;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let h = app.hospital("inbox", &[Role::Operator]).await;
    let sys = app.system(h);
    let colleague = hops_platform::accounts::service::NewUserInput {
        username: "colleague",
        display_name: "李运营",
        role: Role::Operator,
        password: hops_testkit::PASSWORD,
    };
    hops_platform::accounts::service::create_user(&sys, colleague).await.unwrap();
    hops_reports::approval::set_required(&sys, true).await.unwrap();
    let token = app.token("inbox", "colleague").await;
    let (s, b) = call(
        &app.client(),
        Method::POST,
        &format!("{}/api/v1/reports/submissions", app.url),
        &token,
        Some(json!({"period": "month", "at": "2025-01"})),
    )
    .await;
    assert_eq!(s, 201, "{b}");

    let browser = hops_testkit::Browser::start().await;
    let d = &browser.driver;
    d.goto(format!("{}/approvals", app.url)).await.unwrap();
    d.find(By::Id("hospital")).await.unwrap().send_keys("inbox").await.unwrap();
    d.find(By::Id("username")).await.unwrap().send_keys("operator").await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys(hops_testkit::PASSWORD).await.unwrap();
    d.find(By::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let table = d.query(By::Id("approvals")).wait(std::time::Duration::from_secs(10), std::time::Duration::from_millis(100)).first().await;
    let table = table.expect("the inbox's table");
    let text = browser.body_text().await;
    assert!(text.contains("待我审批") && text.contains("2025年1月的月报") && text.contains("李运营") && text.contains("发布"), "{text}");
    hops_testkit::screenshot(d, "approvals-inbox").await;
    table.find(By::Css("textarea[name=comment]")).await.unwrap().send_keys("数据已核对，同意发布").await.unwrap();
    // Dismissing the confirmation changes nothing.
    table.find(By::Css("button[value=approved]")).await.unwrap().click().await.unwrap();
    d.dismiss_alert().await.unwrap();
    assert!(d.find(By::Id("approvals")).await.is_ok(), "still pending");
    table.find(By::Css("button[value=approved]")).await.unwrap().click().await.unwrap();
    d.accept_alert().await.unwrap();
    let empty =
        d.query(By::Css(".empty-title")).wait(std::time::Duration::from_secs(20), std::time::Duration::from_millis(100)).first().await;
    assert!(empty.is_ok(), "the inbox is empty after approving");
    let text = browser.body_text().await;
    assert!(text.contains("已审批通过") && text.contains("没有待您审批的申请"), "{text}");
    hops_testkit::screenshot(d, "approvals-inbox-approved").await;
    let published = hops_reports::service::published(&sys, january()).await.unwrap().expect("published on approval");
    assert_eq!(published.published_by, "运营专员");
    browser.quit().await;
    app.stop().await;
}

/// The status changes recorded before the status history (ticket and complaint events,
/// performance answers, locked months, published reports, booking changes in the audit log) are
/// moved or copied into it by migration 0041, on both engines.
async fn older_status_records_are_backfilled(backend: Backend) {
    use sqlx::Row;
    let db = hops_testkit::TestDb::create(&backend).await;
    let folder = if db.url.starts_with("sqlite") { "sqlite" } else { "postgres" };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(folder);
    let mut before = sqlx::migrate::Migrator::new(path.clone()).await.unwrap();
    before.migrations = std::borrow::Cow::Owned(before.migrations.iter().filter(|m| m.version < 40).cloned().collect());
    let mut c = hops_platform::db::connect_one(&db.url).await.unwrap();
    before.run(&mut c).await.unwrap();
    let minute = 60_000_000_i64;
    for sql in [
        "INSERT INTO hospitals (id, code, name, grade, created_at) VALUES (7, 'old', '旧院', '三级甲等', 0)",
        // A ticket: opened, started, resolved, with a reply between.
        "INSERT INTO desk_categories (hospital_id, code, name) VALUES (7, 'consult', '咨询')",
        "INSERT INTO desk_tickets (hospital_id, id, number, channel, category_code, priority, subject, status, requester_kind, created_at, updated_at) \
         VALUES (7, 100, 'GD00000100', 'chat', 'consult', 'normal', '旧工单', 'resolved', 'patient', 0, 0)",
        "INSERT INTO desk_ticket_events (hospital_id, id, ticket_id, at, kind, actor_name, body, status) VALUES (7, 101, 100, 60000000, 'status', '小王', '说明', 'new')",
        "INSERT INTO desk_ticket_events (hospital_id, id, ticket_id, at, kind, actor_name, body, status) VALUES (7, 102, 100, 120000000, 'reply', '小王', '您好', NULL)",
        "INSERT INTO desk_ticket_events (hospital_id, id, ticket_id, at, kind, actor_name, body, status) VALUES (7, 103, 100, 120000000, 'status', '小王', '', 'open')",
        "INSERT INTO desk_ticket_events (hospital_id, id, ticket_id, at, kind, actor_name, body, status) VALUES (7, 104, 100, 180000000, 'status', '小王', '', 'resolved')",
        // A complaint with two steps.
        "INSERT INTO desk_complaints (hospital_id, id, number, source, complainant, subject, description, status, received_at, received_day, updated_at) \
         VALUES (7, 200, 'TS20250101001', 'phone', '王女士', '旧投诉', '内容', 'investigating', 0, 0, 0)",
        "INSERT INTO desk_complaint_events (hospital_id, id, complaint_id, at, actor_name, action, from_status, to_status, note) VALUES (7, 201, 200, 60000000, '小李', 'register', NULL, 'registered', '电话')",
        "INSERT INTO desk_complaint_events (hospital_id, id, complaint_id, at, actor_name, action, from_status, to_status, note) VALUES (7, 202, 200, 120000000, '小李', 'investigate', 'registered', 'investigating', '')",
        // A locked month, a published report, and a booking paid then refunded (audit only).
        "INSERT INTO performance_months (hospital_id, month, price_text_fen, price_video_fen, price_phone_fen, price_revisit_fen, share_bp, timeout_minutes, \
         timeout_deduction_fen, complaint_deduction_fen, generated_at, generated_by, locked_at, locked_by) VALUES (7, '2025-01', 0, 0, 0, 0, 0, 0, 0, 0, 0, '小张', 240000000, '小张')",
        "INSERT INTO reports (hospital_id, id, period_kind, period_start, period_end, title, label, conclusions, numbers, pdf, xlsx, published_at, published_by) \
         VALUES (7, 300, 'month', 20089, 20119, '运营月报', '2025年1月', '', '{}', X'00', X'00', 300000000, '小赵')",
        "INSERT INTO audit_log (hospital_id, seq, at, actor_id, actor_name, action, target, detail, prev_hash, hash) VALUES (7, 1, 60000000, NULL, '小孙', 'checkup.payment.record', 'checkup_booking:400', '', '', 'a')",
        "INSERT INTO audit_log (hospital_id, seq, at, actor_id, actor_name, action, target, detail, prev_hash, hash) VALUES (7, 2, 120000000, NULL, '小孙', 'checkup.booking.refund', 'checkup_booking:400', '', 'a', 'b')",
        "INSERT INTO audit_log (hospital_id, seq, at, actor_id, actor_name, action, target, detail, prev_hash, hash) VALUES (7, 3, 120000000, NULL, '小孙', 'checkup.booking.reschedule', 'checkup_booking:400', '', 'b', 'c')",
    ] {
        let sql = if folder == "postgres" { sql.replace("X'00'", "'\\x00'::bytea") } else { sql.to_string() };
        sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(&mut c).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let after = sqlx::migrate::Migrator::new(path).await.unwrap();
    after.run(&mut c).await.unwrap();
    let rows = sqlx::query(
        "SELECT subject_kind, subject_id, COALESCE(from_status, '-') AS f, to_status, action, actor_name, at, note FROM status_history \
         WHERE hospital_id = 7 ORDER BY subject_kind, subject_id, at, id",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let got: Vec<String> = rows
        .iter()
        .map(|r| {
            let (k, id, f, t, a): (String, i64, String, String, String) = (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
            format!("{k}:{id} {f}>{t} {a} {} {}", r.get::<String, _>(5), r.get::<i64, _>(6) / minute)
        })
        .collect();
    assert_eq!(
        got,
        [
            "checkup_booking:400 pending_payment>paid pay 小孙 1",
            "checkup_booking:400 paid>refunded refund 小孙 2",
            "desk_complaint:200 ->registered register 小李 1",
            "desk_complaint:200 registered>investigating investigate 小李 2",
            "desk_ticket:100 ->new create 小王 1",
            "desk_ticket:100 new>open start 小王 2",
            "desk_ticket:100 open>resolved resolve 小王 3",
            "performance_month:202501 open>locked lock 小张 4",
            "report:2020089 draft>published publish 小赵 5",
        ]
    );
    // Moved, not copied: the old tables keep no status records.
    let left: i64 = sqlx::query("SELECT COUNT(*) FROM desk_ticket_events WHERE kind = 'status'").fetch_one(&mut c).await.unwrap().get(0);
    assert_eq!(left, 0);
    let kinds: i64 = sqlx::query("SELECT COUNT(*) FROM desk_ticket_events").fetch_one(&mut c).await.unwrap().get(0);
    assert_eq!(kinds, 1, "the reply stays in the conversation");
}
