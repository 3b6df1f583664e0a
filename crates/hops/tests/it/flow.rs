//! Status flows and approvals (hops_platform::flow): a status change and its history row commit
//! together — a refused or failed change leaves none —; approvals are decided by someone else
//! holding the approver's permission (four-eyes), never across hospitals; the inbox in Chromium.

use hops_kernel::{LocalDay, Period, PeriodRange};
use hops_platform::flow::{self, Subject};
use hops_platform::{Access, Role};
use hops_testkit::{Backend, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(history_rows_commit_with_their_change_only, approvals_are_four_eyes_and_stay_in_their_hospital);

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
    let input = tm::TicketInput { channel: "chat".into(), category: "consult".into(), subject: "无法登录".into(), ..Default::default() };
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
    let draft = cm::Draft { complainant: "王女士".into(), subject: "候诊太久".into(), description: "等了两小时".into(), ..Default::default() };
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
    let empty = d.query(By::Css(".empty-title")).wait(std::time::Duration::from_secs(20), std::time::Duration::from_millis(100)).first().await;
    assert!(empty.is_ok(), "the inbox is empty after approving");
    let text = browser.body_text().await;
    assert!(text.contains("已审批通过") && text.contains("没有待您审批的申请"), "{text}");
    hops_testkit::screenshot(d, "approvals-inbox-approved").await;
    let published = hops_reports::service::published(&sys, january()).await.unwrap().expect("published on approval");
    assert_eq!(published.published_by, "运营专员");
    browser.quit().await;
    app.stop().await;
}
