//! 我的待办: each role's home shows its own work with counts that match the data — tickets by
//! their SLA clocks (overdue and due today on an office-hours calendar, not by the wall clock),
//! the unassigned and the escalated, today's follow-up calls within the data scope, complaints
//! waiting for a step (review by another than who rectified), knowledge awaiting review,
//! approvals, performance sheets to confirm or disputes to resolve, today's check-ins — the same
//! counts on the navigation's badges, and nobody sees another's items or items beyond their
//! permissions. Hospital figures stay on the home of those whose job they are. A module that
//! fails does not break the page. On both backends.

use std::sync::Arc;

use hops_analytics::performance::model::{Answer, Month};
use hops_desk::kb::model::ArticleInput;
use hops_desk::ticket::model::TicketInput;
use hops_desk::ticket::service::{self as tickets, Origin};
use hops_kernel::{Instant, UserId};
use hops_master::model::DoctorDraft;
use hops_platform::Role;
use hops_platform::accounts::service::{self as accounts, NewUserInput, UserUpdate};
use hops_platform::web::{BoxFuture, Module, Routes, WorkItem};
use hops_platform::{Access, Result};
use hops_testkit::{Backend, PASSWORD, TestApp, between, both_backends};
use reqwest::Method;
use serde_json::json;

use super::desk_followup::{Desk, consultation, generate, paid_checkup, setup, standard_plan};

both_backends!(each_role_sees_its_own_work);
both_backends!(a_failing_module_leaves_the_home_page_working);

/// The home page of `username` of hospital `fu`.
async fn home(app: &TestApp, username: &str) -> String {
    let (c, _) = app.web_login("fu", username).await;
    let r = c.get(format!("{}/", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200, "home of {username}");
    r.text().await.unwrap()
}

/// The work item `label` on a home page: its count and its markup (its badges and note).
fn item(html: &str, label: &str) -> Option<(i64, String)> {
    let at = html.find(&format!("data-work=\"{label}\""))?;
    let rest = &html[at..];
    let card = &rest[..rest.find("</a>").unwrap_or(rest.len())];
    Some((between(card, "class=\"work-count\">", "<").parse().unwrap(), card.to_string()))
}

fn count(html: &str, label: &str) -> Option<i64> {
    item(html, label).map(|(n, _)| n)
}

/// The kinds of work the user has and that have nothing waiting (已处理完).
fn done(html: &str) -> String {
    if html.contains("class=\"work-idle") { between(html, "class=\"work-idle", "</div>") } else { String::new() }
}

/// The badge of the navigation entry `href`, when it has one: what it says to a screen reader
/// and the number shown.
fn badge(html: &str, href: &str) -> Option<(String, String)> {
    let entry = |s: &&str| s.contains(&format!("href=\"{href}\""));
    let link = html.split("<a class=\"nav-link").skip(1).map(|s| &s[..s.find("</a>").unwrap_or(s.len())]).find(entry)?;
    let b = &link[link.find("nav-count")?..];
    Some((between(b, "aria-label=\"", "\""), between(b, "\">", "<")))
}

fn shows(said: &str, number: &str) -> Option<(String, String)> {
    Some((said.to_string(), number.to_string()))
}

/// The navigation entries of a page.
fn nav(html: &str) -> Vec<String> {
    html.split("<a class=\"nav-link").skip(1).map(|s| between(s, "href=\"", "\"")).collect()
}

async fn user(sys: &Access, username: &str, name: &str, role: Role) -> UserId {
    accounts::create_user(sys, NewUserInput { username, display_name: name, role, password: PASSWORD }).await.unwrap()
}

async fn id_of(sys: &Access, username: &str) -> UserId {
    accounts::directory(sys).await.unwrap().into_iter().find(|c| c.username == username).unwrap().id
}

/// A ticket of `category` opened at `at` (China time) for `owner` (None: the team's queue).
async fn ticket(d: &Desk, at: &str, category: &str, subject: &str, owner: Option<UserId>) -> i64 {
    d.app.clock.set(Instant::parse(at).unwrap());
    let input = TicketInput {
        channel: "hotline".into(),
        category: category.into(),
        priority: "normal".into(),
        subject: subject.into(),
        requester_kind: "patient".into(),
        requester_name: "患者".into(),
        ..Default::default()
    };
    let origin = Origin { owner: owner.map(|u| u.0), ..Default::default() };
    tickets::open(&d.app.system(d.h), &input, origin).await.unwrap().id
}

async fn each_role_sees_its_own_work(backend: Backend) {
    let mut d = setup(backend).await;
    let sys = d.app.system(d.h);
    super::desk_tickets::office_hours(&sys).await;
    let agent = id_of(&sys, "agent").await;
    let operator = id_of(&sys, "operator").await;
    let nurse = id_of(&sys, "nurse").await;
    user(&sys, "supervisor", "周主管", Role::Operator).await;
    user(&sys, "reviewer", "宋雅琴", Role::ContentReviewer).await;
    // A doctor of 儿科 (EK) whose account is his 工号 (so it is linked to him).
    let doctor = DoctorDraft {
        code: "D101".into(),
        name: "王建国".into(),
        department_code: "EK".into(),
        title: "主任医师".into(),
        ..Default::default()
    };
    hops_master::service::create_doctor(&sys, &doctor).await.unwrap();
    user(&sys, "D101", "王建国", Role::Doctor).await;
    user(&sys, "finance", "赵丽娟", Role::Finance).await;
    user(&sys, "auditor", "钱志强", Role::Auditor).await;
    // The nurse's care team is 内科 (NK): she calls its patients only.
    accounts::update_user(&sys, nurse, UserUpdate { display_name: "刘芳", role: Role::Nurse, disabled: false, departments: "NK" })
        .await
        .unwrap();
    // The operator leads the ops team (system faults): its escalations reach him.
    let settings = hops_desk::setup::service::load(&sys).await.unwrap();
    let mut ops = settings.team("ops").unwrap().clone();
    ops.lead_user_id = Some(operator.0);
    hops_desk::setup::service::save_team(&sys, &ops).await.unwrap();

    // Friday 2026-11-20. A fault (7×24: 30 minutes to respond) opened at 12:00 is overdue at
    // 13:00; an 操作协助 ticket (office hours 08:00–12:00, 13:30–17:30: 1 hour to respond)
    // opened at 11:50 is not — 70 minutes have passed, but only 10 business minutes — and is due
    // at 14:20 today; one answered at 12:20 is due to be resolved next week.
    let t_overdue = ticket(&d, "2026-11-20 12:00", "fault", "处方流转失败", Some(agent)).await;
    let t_operator = ticket(&d, "2026-11-20 12:00", "fault", "支付回调失败", Some(operator)).await;
    ticket(&d, "2026-11-20 11:50", "assist", "医生不会开电子处方", Some(agent)).await;
    let t_answered = ticket(&d, "2026-11-20 12:10", "assist", "如何上传检查报告", Some(agent)).await;
    d.app.clock.set(Instant::parse("2026-11-20 12:20").unwrap());
    tickets::reply(&sys, t_answered, "您好，已远程协助", true, None).await.unwrap();
    ticket(&d, "2026-11-20 12:55", "consult", "复诊开药需要带什么", None).await;
    d.app.clock.set(Instant::parse("2026-11-20 13:00").unwrap());
    for t in [t_overdue, t_operator] {
        tickets::check_sla(&sys, t).await.unwrap();
    }
    let view = tickets::get(&sys, t_answered).await.unwrap();
    let due = view.sla.unwrap().resolution.due.unwrap();
    assert!(due.local_day() > Instant::parse("2026-11-20 13:00").unwrap().local_day(), "resolution due {}", due.format_minute());

    // Follow-up: calls of 内科 due yesterday (overdue) and this morning, and one of 儿科.
    d.operator = d.app.token("fu", "operator").await;
    let (_, plan) = standard_plan(&d).await;
    consultation(&d, "C-NK-1", "P1", "D1", Instant::parse("2026-11-16 09:00").unwrap(), "", "").await;
    consultation(&d, "C-NK-2", "P2", "D1", Instant::parse("2026-11-17 08:00").unwrap(), "", "").await;
    consultation(&d, "C-EK-1", "P3", "D101", Instant::parse("2026-11-17 09:00").unwrap(), "", "").await;
    assert_eq!(generate(&d, plan).await["created"], 3);

    // Complaints: one just registered; one replied after the operator recorded the rectification
    // (so another manager reviews it).
    let complaint = |subject: &str| json!({"complainant": "张女士", "phone": "138 0013 8000", "subject": subject, "description": "医生两个小时没有回复"});
    let agent_token = d.app.token("fu", "agent").await;
    let (s, _) = d.call(&agent_token, Method::POST, "/api/v1/desk/complaints", Some(complaint("回复太慢"))).await;
    assert_eq!(s, 201);
    let (_, c) = d.call(&agent_token, Method::POST, "/api/v1/desk/complaints", Some(complaint("态度差"))).await;
    let c = c["id"].as_i64().unwrap();
    let dept = hops_master::service::department_choices(&sys).await.unwrap()[0].1.0;
    let rectify = json!({"investigation": "语气生硬", "verdict": "founded", "cause_code": "attitude", "rectification": "约谈医生"});
    let op = d.operator.clone();
    for (token, step, body) in [
        (&agent_token, "investigate", json!({"department_id": dept})),
        (&op, "rectify", rectify),
        (&agent_token, "reply", json!({"reply": "已致歉", "reply_channel": "phone"})),
    ] {
        let (s, b) = d.call(token, Method::POST, &format!("/api/v1/desk/complaints/{c}/{step}"), Some(body)).await;
        assert_eq!(s, 200, "{step}: {b}");
    }

    // Knowledge written from an unanswered question, waiting for review.
    let draft = ArticleInput {
        question: "夜间可以在线问诊吗？".into(),
        answer: "每天 8:00–22:00 提供问诊。".into(),
        status: "draft".into(),
        ..Default::default()
    };
    hops_desk::kb::service::save(&sys, None, &draft).await.unwrap();

    // A report submitted for approval by the supervisor: the operator decides it.
    hops_reports::approval::set_required(&sys, true).await.unwrap();
    let supervisor_token = d.app.token("fu", "supervisor").await;
    let (s, b) =
        d.call(&supervisor_token, Method::POST, "/api/v1/reports/submissions", Some(json!({"period": "month", "at": "2026-10"}))).await;
    assert_eq!(s, 201, "{b}");

    // Performance of November: 王建国 (D101) has a sheet to confirm; 王医生's (D1) is disputed
    // (recorded on his behalf), for the operator to resolve.
    let november = Month::parse("2026-11").unwrap();
    hops_demo::performance(&sys, november).await.unwrap();
    let sheets = hops_analytics::performance::service::month(&sys, november).await.unwrap().sheets;
    let wang = sheets.iter().find(|s| s.sheet.doctor_code == "D1").unwrap().sheet.id;
    hops_analytics::performance::service::answer(&sys, wang, Answer::Dispute, "问诊量统计有误").await.unwrap();

    // Someone booked for today's checkup and paid: to check in at the desk.
    paid_checkup(&sys).await;

    // The agent: her tickets by the SLA clock, the queue nobody took, today's calls (all
    // departments), complaints to move on, today's check-ins; no review, approval or knowledge.
    let h = home(&d.app, "agent").await;
    let (n, card) = item(&h, "我的工单").expect("my tickets");
    assert_eq!(n, 3, "three of hers active: {card}");
    assert!(card.contains("已超时 1") && card.contains("今日到期 1"), "one past the SLA, one due today: {card}");
    assert_eq!(count(&h, "待领取工单"), Some(1));
    let (n, card) = item(&h, "今日回访").expect("calls");
    assert_eq!(n, 3, "{card}");
    assert!(card.contains("逾期未回访 1"), "{card}");
    let (n, card) = item(&h, "待处理的投诉").expect("complaints");
    assert!(n == 1 && card.contains("待调查 1"), "{card}");
    assert_eq!(count(&h, "今日待签到体检"), Some(1));
    for not_hers in ["待复核结案的投诉", "待审核发布的知识", "待我审批", "升级给我的工单", "待处理的绩效异议", "待我确认的绩效单"]
    {
        assert!(item(&h, not_hers).is_none(), "agent sees {not_hers}");
    }
    assert_eq!(badge(&h, "/desk/tickets"), shows("4 项待办，其中 1 项已逾期", "4"));
    assert_eq!(badge(&h, "/desk/followup"), shows("3 项待办，其中 1 项已逾期", "3"));
    assert_eq!(badge(&h, "/checkup/desk"), shows("1 项待办", "1"));
    assert!(!h.contains("医院运营概况"), "no hospital figures on an agent's home");

    // The operator: his own overdue fault, both escalations of his team, the rest of the desk,
    // the complaint he rectified is not his to review, the approval, the dispute, the draft.
    let h = home(&d.app, "operator").await;
    let (n, card) = item(&h, "我的工单").unwrap();
    assert!(n == 1 && card.contains("已超时 1"), "{card}");
    assert_eq!(count(&h, "升级给我的工单"), Some(2));
    assert!(item(&h, "待复核结案的投诉").is_none() && done(&h).contains("待复核结案的投诉"), "he recorded the rectification");
    let (n, card) = item(&h, "待我审批").unwrap();
    assert!(n == 1 && card.contains("发布"), "{card}");
    let (n, card) = item(&h, "待处理的绩效异议").unwrap();
    assert!(n == 1 && card.contains("2026年11月"), "{card}");
    let anchor = h.split("<a class=\"work-item").find(|a| a.contains("待处理的绩效异议")).unwrap_or_default();
    assert!(anchor.contains("href=\"/performance?month=2026-11&#38;status=disputed\""), "the disputes of the month, filtered: {anchor}");
    assert_eq!(count(&h, "待审核发布的知识"), Some(1));
    assert_eq!(badge(&h, "/approvals"), shows("1 项待办", "1"));
    assert!(h.contains("医院运营概况"), "operators keep the hospital's figures below their work");
    assert!(h.find("我的待办").unwrap() < h.find("医院运营概况").unwrap(), "work first");

    // The supervisor reviews the complaint; his own submission is not his to approve.
    let h = home(&d.app, "supervisor").await;
    assert_eq!(count(&h, "待复核结案的投诉"), Some(1));
    assert!(item(&h, "待我审批").is_none(), "four eyes: not his own request");
    assert!(item(&h, "我的工单").is_none() && done(&h).contains("我的工单"), "another's tickets are not his");

    // The nurse: 内科's calls only.
    let h = home(&d.app, "nurse").await;
    let (n, card) = item(&h, "今日回访").unwrap();
    assert!(n == 2 && card.contains("逾期未回访 1"), "{card}");
    assert!(item(&h, "我的工单").is_none() && item(&h, "待处理的投诉").is_none());
    assert_eq!(badge(&h, "/desk/followup"), shows("2 项待办，其中 1 项已逾期", "2"));
    assert!(!h.contains("医院运营概况") && !h.contains("还没有数据"), "no hospital figures for a nurse");

    // The doctor: his sheet to confirm, nothing of the desk.
    let h = home(&d.app, "D101").await;
    let (n, card) = item(&h, "待我确认的绩效单").unwrap();
    assert!(n == 1 && card.contains("2026年11月"), "{card}");
    assert_eq!(badge(&h, "/performance"), shows("1 项待办", "1"));
    assert!(!nav(&h).iter().any(|l| l.starts_with("/desk/")), "{:?}", nav(&h));
    assert!(!h.contains("医院运营概况") && !h.contains("注册患者"), "no hospital charts for a doctor");

    // The content reviewer: what she reviews, in her navigation too.
    let h = home(&d.app, "reviewer").await;
    assert_eq!(count(&h, "待审核发布的知识"), Some(1));
    assert_eq!(badge(&h, "/desk/kb"), shows("1 项待办", "1"));
    let links = nav(&h);
    assert!(links.contains(&"/desk/kb".to_string()) && links.contains(&"/desk/kb/unanswered".to_string()), "{links:?}");
    assert!(!h.contains("还没有数据"));
    let (c, _) = d.app.web_login("fu", "reviewer").await;
    for page in ["/desk/kb?status=draft", "/desk/kb/unanswered"] {
        let r = c.get(format!("{}{page}", d.app.url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{page}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("href=\"/desk/bot\""), "no tab to the desk's bot page she may not open: {page}");
    }
    assert_eq!(c.get(format!("{}/desk/tickets", d.app.url)).send().await.unwrap().status(), 403);

    // Finance and the auditor: nothing waits — said so, with the useful links — and the figures
    // below.
    for role in ["finance", "auditor"] {
        let h = home(&d.app, role).await;
        assert!(h.contains("id=\"work-empty\"") && h.contains("暂无待办"), "{role}: {}", between(&h, "我的待办", "</section>"));
        assert!(between(&h, "id=\"work-empty\"", "</section>").contains("href=\"/approvals\""), "{role}: links to where work would be");
        assert!(h.contains("医院运营概况"), "{role}");
        assert!(badge(&h, "/approvals").is_none(), "{role}: another's report is not theirs to approve");
    }

    // Done work leaves the list: the agent answers the overdue ticket's customer and resolves it.
    tickets::act(&sys, t_overdue, hops_desk::ticket::model::Action::Resolve, "已修复").await.unwrap();
    let h = home(&d.app, "agent").await;
    let (n, card) = item(&h, "我的工单").unwrap();
    assert!(n == 2 && !card.contains("已超时"), "{card}");
    d.app.stop().await;
}

/// A module whose work cannot be read.
struct Broken;

impl Module for Broken {
    fn name(&self) -> &'static str {
        "broken"
    }
    fn routes(&self) -> Routes {
        Routes::default()
    }
    fn work<'a>(&'a self, _access: &'a Access) -> BoxFuture<'a, Result<Vec<WorkItem>>> {
        Box::pin(async { Err(hops_platform::Error::Internal(anyhow::anyhow!("the broken module's store is down"))) })
    }
}

async fn a_failing_module_leaves_the_home_page_working(backend: Backend) {
    let app = TestApp::spawn_with_modules(backend, vec![Arc::new(Broken)]).await;
    let h = app.hospital("fu", &[Role::Agent]).await;
    let sys = app.system(h);
    hops_desk::setup::service::load(&sys).await.unwrap();
    let input = TicketInput {
        channel: "hotline".into(),
        category: "consult".into(),
        priority: "normal".into(),
        subject: "咨询".into(),
        requester_kind: "patient".into(),
        ..Default::default()
    };
    tickets::open(&sys, &input, Origin { owner: Some(id_of(&sys, "agent").await.0), ..Default::default() }).await.unwrap();
    let page = home(&app, "agent").await;
    assert!(page.contains("部分待办暂时无法读取"), "says the list may be incomplete");
    assert_eq!(count(&page, "我的工单"), Some(1), "the other modules' work is there");
    let (c, _) = app.web_login("fu", "agent").await;
    assert_eq!(c.get(format!("{}/desk/tickets", app.url)).send().await.unwrap().status(), 200, "other pages too");
    app.stop().await;
}

/// Signs `username` of the demo hospital in (after signing anyone else out); the home's text.
async fn sign_in(browser: &hops_testkit::Browser, url: &str, hospital: &str, username: &str) -> String {
    use thirtyfour::prelude::*;
    let d = &browser.driver;
    d.delete_all_cookies().await.unwrap();
    d.goto(format!("{url}/login")).await.unwrap();
    d.find(By::Id("hospital")).await.unwrap().send_keys(hospital).await.unwrap();
    d.find(By::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys(hops_demo::DEMO_PASSWORD).await.unwrap();
    d.find(By::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for("我的待办").await
}

/// The demo hospital's homes in Chromium at 1440×900, as the agent, the doctor, the content
/// reviewer and the operator see them: each their own work first, people by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_demo_role_sees_its_workbench() {
    use thirtyfour::prelude::*;
    let app = TestApp::spawn(Backend::Sqlite).await;
    let demo = hops_demo::ensure_demo_with_patients(&app.core, 300).await.unwrap();
    let h = accounts::hospital_by_code(&app.core, &demo.hospital_code).await.unwrap().unwrap();
    let doctor = accounts::directory(&app.system(h.id)).await.unwrap().into_iter().find(|c| c.username == "D0001").unwrap();
    assert!(!doctor.display_name.contains("D0001"), "the doctor's account carries the doctor's name: {}", doctor.display_name);
    let browser = hops_testkit::Browser::start().await;
    let d = &browser.driver;
    d.set_window_rect(0, 0, 1440, 900).await.unwrap();
    let text = sign_in(&browser, &app.url, &demo.hospital_code, "agent").await;
    for expected in ["我的工单", "已超时", "待领取工单", "今日回访", "待处理的投诉", "欢迎，林晓燕（客服/医助）"]
    {
        assert!(text.contains(expected), "agent's home lacks {expected}: {text}");
    }
    assert!(!text.contains("医院运营概况") && !text.contains("注册患者"), "{text}");
    let badge = d.find(By::Css("a.nav-link[href='/desk/tickets'] .nav-count")).await.expect("the queue's count in the navigation");
    assert!(badge.text().await.unwrap().parse::<i64>().unwrap() > 0);
    hops_testkit::screenshot(d, "workbench-agent").await;
    d.find(By::Css("a.work-item[data-work='我的工单']")).await.unwrap().click().await.unwrap();
    let text = browser.wait_for("我的工单").await;
    assert!(text.contains("林晓燕 客服"), "the queue names the owner with her title: {text}");
    hops_testkit::screenshot(d, "workbench-agent-tickets").await;

    // The small demo's D0001 may have seen no patient last month: one completed consultation of
    // his, loaded as the hospital's data arrives, and the month's sheets generated again.
    let sys = app.system(h.id);
    let last_month = Month::containing(sys.now().local_day()).previous();
    let (_, (doctor_id, _)) = hops_master::service::doctor_ids(&sys).await.unwrap().into_iter().find(|(code, _)| code == "D0001").unwrap();
    let department = hops_master::service::doctor(&sys, doctor_id).await.unwrap().department_code;
    let at = last_month.range().start.plus_days(9).start().plus_minutes(10 * 60).format_second();
    let patient = hops_master::service::patient_registrations(&sys).await.unwrap()[0].0.clone();
    let headers =
        ["external_id", "patient_external_id", "department_code", "doctor_code", "kind", "created_at", "paid_at", "completed_at", "amount"];
    let row = ["C-WORKBENCH", patient.as_str(), department.as_str(), "D0001", "text", at.as_str(), at.as_str(), at.as_str(), "30.00"];
    let table = hops_platform::tabular::Table {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: vec![row.iter().map(|c| c.to_string()).collect()],
    };
    let r =
        hops_analytics::activity::service::ingest(&sys, "consultations", &table, hops_platform::tabular::Mode::AllOrNothing).await.unwrap();
    assert!(r.committed, "{:?}", r.rejected);
    hops_analytics::performance::service::generate(&sys, last_month).await.unwrap();
    let text = sign_in(&browser, &app.url, &demo.hospital_code, "D0001").await;
    assert!(text.contains(&format!("欢迎，{}（医生）", doctor.display_name)), "{text}");
    d.find(By::Css("a.work-item[data-work='待我确认的绩效单']")).await.expect("his sheet to confirm");
    assert!(!text.contains("医院运营概况") && !text.contains("注册患者") && !text.contains("工单"), "{text}");
    hops_testkit::screenshot(d, "workbench-doctor").await;

    let text = sign_in(&browser, &app.url, &demo.hospital_code, "reviewer").await;
    assert!(text.contains("待审核发布的知识") && text.contains("知识库") && text.contains("未解答问题"), "{text}");
    assert!(!text.contains("还没有数据"), "{text}");
    hops_testkit::screenshot(d, "workbench-reviewer").await;
    d.find(By::Css("a.nav-link[href='/desk/kb/unanswered']")).await.unwrap().click().await.unwrap();
    let text = browser.wait_for("未能解答的问题").await;
    assert!(!text.contains("服务器出错"), "{text}");
    hops_testkit::screenshot(d, "workbench-reviewer-unanswered").await;

    let text = sign_in(&browser, &app.url, &demo.hospital_code, "operator").await;
    assert!(text.contains("医院运营概况") && text.contains("待审核发布的知识"), "{text}");
    assert!(text.find("我的待办").unwrap() < text.find("医院运营概况").unwrap(), "work first, figures below");
    hops_testkit::screenshot(d, "workbench-operator").await;
    browser.quit().await;
    app.stop().await;
}
