//! Service-desk tickets over HTTP on both backends: SLA clocks as a table (calendars 7×24, 7×12
//! and office hours with holidays and a make-up workday; pending pauses, resolve and reopen,
//! breaches before a pause, the year's end), the status flow and its refusals, validation that
//! changes nothing, permissions, masking and search by phone, merge, attachments, escalation by
//! the job queue.

use hops_desk::setup::model::check_calendar;
use hops_desk::setup::service as setup;
use hops_kernel::Instant;
use hops_platform::Role;
use hops_testkit::{Backend, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(sla_clock_table);
both_backends!(ticket_flow_and_refusals);
both_backends!(sla_warns_and_escalates_through_jobs);

pub struct Desk {
    pub app: TestApp,
    pub hospital: hops_kernel::HospitalId,
    token: std::sync::Mutex<String>,
}

impl Desk {
    pub async fn call(&self, m: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let token = self.token.lock().unwrap().clone();
        call(&self.app.client(), m, &format!("{}{path}", self.app.url), &token, body).await
    }

    /// Moves the clock and signs in again (sessions do not survive time travel).
    pub async fn at(&self, local: &str) {
        self.app.clock.set(Instant::parse(local).expect("time"));
        let token = self.app.token("kf", "operator").await;
        *self.token.lock().unwrap() = token;
    }
}

/// A hospital `kf` with an operator (who may do everything on the desk), an agent and a doctor;
/// the desk's presets plus an office-hours calendar over the 2026 National Day holidays.
pub async fn desk(backend: Backend) -> Desk {
    desk_on(TestApp::spawn(backend).await).await
}

/// [`desk`] on an app of the caller's (another configuration).
pub async fn desk_on(app: TestApp) -> Desk {
    let h = app.hospital("kf", &[Role::Operator, Role::Agent, Role::Doctor]).await;
    office_hours(&app.system(h)).await;
    let token = app.token("kf", "operator").await;
    Desk { app, hospital: h, token: std::sync::Mutex::new(token) }
}

/// The desk's presets plus an office-hours calendar over the 2026 National Day holidays and the
/// policy of category `assist` on it (1 hour to respond, 2 working days to resolve).
pub async fn office_hours(sys: &hops_platform::Access) {
    setup::load(sys).await.unwrap();
    let office =
        check_calendar("office", "工作日办公时间", "mon-fri 08:00-12:00,13:30-17:30", "2026-10-01..2026-10-08", "2026-10-10", false);
    setup::save_calendar(sys, &office.unwrap()).await.unwrap();
    let policy = hops_desk::setup::model::check_policy(
        "assist",
        "",
        "操作协助：1 小时响应，2 个工作日解决",
        "office",
        "60",
        "960",
        "",
        &["assist".to_string()],
        &["office".to_string()],
    )
    .unwrap();
    setup::save_policy(sys, &policy).await.unwrap();
}

/// What happens to a ticket after it is opened, at a local time.
#[derive(Clone, Copy)]
enum Step {
    Reply(&'static str),
    ReplyAndPend(&'static str),
    Resume(&'static str),
    Resolve(&'static str),
    Reopen(&'static str),
}

struct Case {
    name: &'static str,
    category: &'static str,
    priority: &'static str,
    created: &'static str,
    steps: &'static [Step],
    now: &'static str,
    first_due: Option<&'static str>,
    first_breached: bool,
    resolution_due: Option<&'static str>,
    resolution_breached: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "7×12: opened at 19:55, the clocks continue the next morning",
        category: "consult",
        priority: "normal",
        created: "2026-11-20 19:55",
        steps: &[],
        now: "2026-11-20 19:56",
        first_due: Some("2026-11-21 08:05:00"),
        first_breached: false,
        resolution_due: Some("2026-11-21 11:55:00"),
        resolution_breached: false,
    },
    Case {
        name: "7×24 fault: no reply after 31 minutes is a breach",
        category: "fault",
        priority: "normal",
        created: "2026-11-22 10:00",
        steps: &[],
        now: "2026-11-22 10:31",
        first_due: Some("2026-11-22 10:30:00"),
        first_breached: true,
        resolution_due: Some("2026-11-22 12:00:00"),
        resolution_breached: false,
    },
    Case {
        name: "pending on the customer pauses the resolution clock",
        category: "consult",
        priority: "normal",
        created: "2026-11-23 09:00",
        steps: &[Step::ReplyAndPend("2026-11-23 09:05"), Step::Resume("2026-11-23 11:05")],
        now: "2026-11-23 11:10",
        first_due: Some("2026-11-23 09:10:00"),
        first_breached: false,
        resolution_due: Some("2026-11-23 15:00:00"),
        resolution_breached: false,
    },
    Case {
        name: "7×12: a pause over the night counts only its open hours",
        category: "consult",
        priority: "normal",
        created: "2026-11-23 19:00",
        steps: &[Step::ReplyAndPend("2026-11-23 19:30"), Step::Resume("2026-11-24 09:00")],
        now: "2026-11-24 09:01",
        first_due: Some("2026-11-23 19:10:00"),
        first_breached: true,
        resolution_due: Some("2026-11-24 12:30:00"),
        resolution_breached: false,
    },
    Case {
        name: "while paused the resolution due time is unknown",
        category: "consult",
        priority: "normal",
        created: "2026-11-23 09:00",
        steps: &[Step::ReplyAndPend("2026-11-23 09:05")],
        now: "2026-11-23 18:00",
        first_due: Some("2026-11-23 09:10:00"),
        first_breached: false,
        resolution_due: None,
        resolution_breached: false,
    },
    Case {
        name: "office hours skip the National Day holidays and work the make-up Saturday",
        category: "assist",
        priority: "normal",
        created: "2026-09-30 16:00",
        steps: &[Step::Reply("2026-09-30 16:30")],
        now: "2026-10-09 09:00",
        first_due: Some("2026-09-30 17:00:00"),
        first_breached: false,
        resolution_due: Some("2026-10-10 16:00:00"),
        resolution_breached: false,
    },
    Case {
        name: "the year's end: due in the new year, China time",
        category: "fault",
        priority: "normal",
        created: "2026-12-31 23:00",
        steps: &[Step::Reply("2026-12-31 23:20")],
        now: "2027-01-01 00:30",
        first_due: Some("2026-12-31 23:30:00"),
        first_breached: false,
        resolution_due: Some("2027-01-01 01:00:00"),
        resolution_breached: false,
    },
    Case {
        name: "resolved and reopened: the time in between does not count",
        category: "consult",
        priority: "normal",
        created: "2026-11-23 09:00",
        steps: &[Step::Reply("2026-11-23 09:05"), Step::Resolve("2026-11-23 10:00"), Step::Reopen("2026-11-23 12:00")],
        now: "2026-11-23 12:30",
        first_due: Some("2026-11-23 09:10:00"),
        first_breached: false,
        resolution_due: Some("2026-11-23 15:00:00"),
        resolution_breached: false,
    },
    Case {
        name: "resolved after the due time is a breach",
        category: "fault",
        priority: "normal",
        created: "2026-11-22 10:00",
        steps: &[Step::Reply("2026-11-22 10:10"), Step::Resolve("2026-11-22 12:30")],
        now: "2026-11-22 13:00",
        first_due: Some("2026-11-22 10:30:00"),
        first_breached: false,
        resolution_due: Some("2026-11-22 12:00:00"),
        resolution_breached: true,
    },
    Case {
        name: "a breach before a pause stays a breach",
        category: "fault",
        priority: "normal",
        created: "2026-11-22 10:00",
        steps: &[Step::Reply("2026-11-22 10:40"), Step::ReplyAndPend("2026-11-22 12:10")],
        now: "2026-11-22 13:00",
        first_due: Some("2026-11-22 10:30:00"),
        first_breached: true,
        resolution_due: Some("2026-11-22 12:00:00"),
        resolution_breached: true,
    },
    Case {
        name: "an urgent consultation runs on the urgent policy (7×24, 30 min / 2 h)",
        category: "consult",
        priority: "urgent",
        created: "2026-11-22 21:00",
        steps: &[],
        now: "2026-11-22 21:10",
        first_due: Some("2026-11-22 21:30:00"),
        first_breached: false,
        resolution_due: Some("2026-11-22 23:00:00"),
        resolution_breached: false,
    },
    Case {
        name: "met exactly at the due time is in time",
        category: "fault",
        priority: "normal",
        created: "2026-11-22 10:00",
        steps: &[Step::Reply("2026-11-22 10:30"), Step::Resolve("2026-11-22 12:00")],
        now: "2026-11-22 12:01",
        first_due: Some("2026-11-22 10:30:00"),
        first_breached: false,
        resolution_due: Some("2026-11-22 12:00:00"),
        resolution_breached: false,
    },
];

async fn sla_clock_table(backend: Backend) {
    let d = desk(backend).await;
    let mut failures = Vec::new();
    for c in CASES {
        d.at(c.created).await;
        let (s, t) = d
            .call(
                Method::POST,
                "/api/v1/desk/tickets",
                Some(json!({"channel": "hotline", "category": c.category, "priority": c.priority, "subject": c.name})),
            )
            .await;
        assert_eq!(s, 201, "{}: {t}", c.name);
        let id = t["id"].as_i64().unwrap();
        for step in c.steps {
            let (at, path, body) = match *step {
                Step::Reply(at) => (at, "replies", json!({"body": "您好，已收到"})),
                Step::ReplyAndPend(at) => (at, "replies", json!({"body": "请补充截图", "then": "pend"})),
                Step::Resume(at) => (at, "status", json!({"action": "resume"})),
                Step::Resolve(at) => (at, "status", json!({"action": "resolve"})),
                Step::Reopen(at) => (at, "status", json!({"action": "reopen"})),
            };
            d.at(at).await;
            let (s, b) = d.call(Method::POST, &format!("/api/v1/desk/tickets/{id}/{path}"), Some(body)).await;
            assert_eq!(s, 200, "{} at {at}: {b}", c.name);
        }
        d.at(c.now).await;
        let (s, b) = d.call(Method::GET, &format!("/api/v1/desk/tickets/{id}"), None).await;
        assert_eq!(s, 200, "{b}");
        let t = &b["ticket"];
        let got = (
            t["first_response_due"].as_str().map(str::to_string),
            t["first_response_breached"].as_bool().unwrap(),
            t["resolution_due"].as_str().map(str::to_string),
            t["resolution_breached"].as_bool().unwrap(),
        );
        let want = (c.first_due.map(str::to_string), c.first_breached, c.resolution_due.map(str::to_string), c.resolution_breached);
        if got != want {
            failures.push(format!("{}:\n   got  {got:?}\n   want {want:?}", c.name));
        }
    }
    assert!(failures.is_empty(), "SLA rows that differ:\n{}", failures.join("\n"));
    d.app.stop().await;
}

async fn ticket_flow_and_refusals(backend: Backend) {
    let d = desk(backend).await;
    d.at("2026-11-23 09:00").await;
    // Every problem at once, nothing stored.
    let (s, b) = d
        .call(
            Method::POST,
            "/api/v1/desk/tickets",
            Some(json!({"channel": "fax", "category": "nope", "priority": "max", "subject": "", "requester_phone": "12345"})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    let fields: Vec<&str> = b["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["channel", "category", "priority", "subject", "requester_phone"]);
    let (_, list) = d.call(Method::GET, "/api/v1/desk/tickets", None).await;
    assert_eq!(list["total"], 0);

    // A patient's call; the phone is masked in lists, found by the full number.
    let (s, t) = d
        .call(
            Method::POST,
            "/api/v1/desk/tickets",
            Some(json!({"channel": "hotline", "category": "logistics", "subject": "药品还没收到", "description": "处方 3 天前开的",
                        "requester_name": "王女士", "requester_phone": "13912345678", "tags": "物流,催单"})),
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let id = t["id"].as_i64().unwrap();
    assert_eq!(t["requester_phone"], "139****5678");
    assert_eq!(t["team"], "assistant");
    assert_eq!(t["status"], "new");
    let (_, found) = d.call(Method::GET, "/api/v1/desk/tickets?q=13912345678", None).await;
    assert_eq!(found["total"], 1, "{found}");
    let (_, other) = d.call(Method::GET, "/api/v1/desk/tickets?q=13912345679", None).await;
    assert_eq!(other["total"], 0);
    let (_, by_text) = d.call(Method::GET, "/api/v1/desk/tickets?q=%E8%8D%AF%E5%93%81", None).await;
    assert_eq!(by_text["total"], 1);
    let number = t["number"].as_str().unwrap().to_string();
    let (_, by_number) = d.call(Method::GET, &format!("/api/v1/desk/tickets?q={}", number.to_lowercase()), None).await;
    assert_eq!(by_number["total"], 1);

    // The status flow refuses what does not follow and changes nothing.
    let (s, b) = d.call(Method::POST, &format!("/api/v1/desk/tickets/{id}/status"), Some(json!({"action": "close"}))).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("invalid_status")), "{b}");
    let (s, _) = d.call(Method::POST, &format!("/api/v1/desk/tickets/{id}/replies"), Some(json!({"body": "  "}))).await;
    assert_eq!(s, 422);
    let (_, detail) = d.call(Method::GET, &format!("/api/v1/desk/tickets/{id}"), None).await;
    assert_eq!(detail["ticket"]["status"], "new");
    assert_eq!(detail["events"].as_array().unwrap().len(), 1);

    // Reply (first response), note, resolve, close, reopen.
    d.at("2026-11-23 09:04").await;
    let (s, b) = d.call(Method::POST, &format!("/api/v1/desk/tickets/{id}/replies"), Some(json!({"body": "正在为您查询物流"}))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!((b["status"].as_str(), b["first_response_at"].as_str()), (Some("open"), Some("2026-11-23 09:04:00")));
    let (s, _) = d
        .call(Method::POST, &format!("/api/v1/desk/tickets/{id}/replies"), Some(json!({"body": "快递停滞，已联系药房", "public": false})))
        .await;
    assert_eq!(s, 200);
    for (action, status) in [("resolve", "resolved"), ("close", "closed"), ("reopen", "open")] {
        let (s, b) = d.call(Method::POST, &format!("/api/v1/desk/tickets/{id}/status"), Some(json!({"action": action}))).await;
        assert_eq!((s, b["status"].as_str()), (200, Some(status)), "{action}: {b}");
    }
    let (_, detail) = d.call(Method::GET, &format!("/api/v1/desk/tickets/{id}"), None).await;
    let kinds: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["status", "reply", "status", "note", "status", "status", "status"]);

    // Reclassifying takes the new policy; assigning only to desk staff.
    let (s, b) = d
        .call(
            Method::POST,
            &format!("/api/v1/desk/tickets/{id}/classify"),
            Some(json!({"category": "fault", "priority": "high", "tags": "故障"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["sla_policy"], "系统故障：0.5 小时响应，2 小时修复");
    let h = hops_platform::accounts::service::hospital_by_code(&d.app.core, "kf").await.unwrap().unwrap();
    let people = hops_platform::accounts::service::directory(&d.app.system(h.id)).await.unwrap();
    let doctor = people.iter().find(|p| p.username == "doctor").unwrap().id.0;
    let agent = people.iter().find(|p| p.username == "agent").unwrap().id.0;
    let (s, _) = d.call(Method::POST, &format!("/api/v1/desk/tickets/{id}/assign"), Some(json!({"owner_id": doctor}))).await;
    assert_eq!(s, 422);
    let (s, b) = d.call(Method::POST, &format!("/api/v1/desk/tickets/{id}/assign"), Some(json!({"owner_id": agent}))).await;
    assert_eq!((s, b["owner_id"].as_i64()), (200, Some(agent)));

    // The agent sees it in their queue; a doctor may not work tickets at all.
    let agent_token = d.app.token("kf", "agent").await;
    let (_, mine) = call(&d.app.client(), Method::GET, &format!("{}/api/v1/desk/tickets?queue=mine", d.app.url), &agent_token, None).await;
    assert_eq!(mine["total"], 1, "{mine}");
    let doctor_token = d.app.token("kf", "doctor").await;
    let (s, _) = call(&d.app.client(), Method::GET, &format!("{}/api/v1/desk/tickets", d.app.url), &doctor_token, None).await;
    assert_eq!(s, 403);

    // Merge a duplicate into it: the duplicate is closed and points at it.
    let (_, dup) = d
        .call(Method::POST, "/api/v1/desk/tickets", Some(json!({"channel": "chat", "category": "logistics", "subject": "药还没到"})))
        .await;
    let dup_id = dup["id"].as_i64().unwrap();
    let (s, _) = d.call(Method::POST, &format!("/api/v1/desk/tickets/{dup_id}/merge"), Some(json!({"into": dup_id}))).await;
    assert_eq!(s, 422);
    let (s, b) = d.call(Method::POST, &format!("/api/v1/desk/tickets/{dup_id}/merge"), Some(json!({"into": id}))).await;
    assert_eq!((s, b["id"].as_i64()), (200, Some(id)), "{b}");
    let (_, merged) = d.call(Method::GET, &format!("/api/v1/desk/tickets/{dup_id}"), None).await;
    assert_eq!((merged["ticket"]["status"].as_str(), merged["ticket"]["merged_into"].as_i64()), (Some("closed"), Some(id)));
    let (s, b) = d.call(Method::POST, &format!("/api/v1/desk/tickets/{dup_id}/replies"), Some(json!({"body": "x"}))).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("merged")));

    // Export: the tickets of the queue, phones masked; agents may not export.
    let (web, _) = d.app.web_login("kf", "operator").await;
    let r = web.get(format!("{}/desk/tickets.xlsx?queue=all", d.app.url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let table = hops_platform::tabular::parse(&r.bytes().await.unwrap(), "tickets.xlsx").unwrap();
    assert_eq!(table.rows.len(), 1, "the merged duplicate is not listed");
    assert_eq!(table.rows[0][0], number);
    assert!(table.rows[0].contains(&"139****5678".to_string()), "{:?}", table.rows[0]);
    assert!(!table.rows.iter().flatten().any(|c| c.contains("13912345678")));
    let (agent_web, _) = d.app.web_login("kf", "agent").await;
    let r = agent_web.get(format!("{}/desk/tickets.xlsx", d.app.url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    d.app.stop().await;
}

async fn sla_warns_and_escalates_through_jobs(backend: Backend) {
    let d = desk(backend).await;
    d.at("2026-11-22 10:00").await;
    let (_, t) = d
        .call(Method::POST, "/api/v1/desk/tickets", Some(json!({"channel": "system", "category": "fault", "subject": "处方流转中断"})))
        .await;
    let id = t["id"].as_i64().unwrap();
    let h = hops_platform::accounts::service::hospital_by_code(&d.app.core, "kf").await.unwrap().unwrap();
    let sys = d.app.system(h.id);
    // At 80 % of the 30 minutes a warning, after the due time an escalation — once each.
    d.at("2026-11-22 10:25").await;
    hops_desk::ticket::service::check_sla(&sys, id).await.unwrap();
    d.at("2026-11-22 10:31").await;
    hops_desk::ticket::service::check_sla(&sys, id).await.unwrap();
    hops_desk::ticket::service::check_sla(&sys, id).await.unwrap();
    let (_, b) = d.call(Method::GET, &format!("/api/v1/desk/tickets/{id}"), None).await;
    let kinds: Vec<&str> = b["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["status", "warn", "escalate"], "{b}");
    assert_eq!(b["ticket"]["escalated"], true);
    // The job queue holds the checks the ticket asked for (warning and breach of both clocks).
    let jobs = hops_platform::jobs::list(&sys, None, 0, 50).await.map(|(j, _)| j.len()).unwrap_or(0);
    assert!(jobs >= 2, "{jobs} jobs");
    d.app.stop().await;
}

both_backends!(history_import_and_attainment);

async fn history_import_and_attainment(backend: Backend) {
    use hops_desk::ticket::import::{Kind, import};
    use hops_platform::tabular::Mode;
    let d = desk(backend).await;
    d.at("2026-11-22 12:00").await;
    let h = hops_platform::accounts::service::hospital_by_code(&d.app.core, "kf").await.unwrap().unwrap();
    let sys = d.app.system(h.id);
    // Faults (7×24, 30 min / 2 h): one in time, one replied late and fixed late, one still open.
    let tickets = "原工单号,渠道,分类,主题,处理人,创建时间,首次回复时间,解决时间,关闭时间\n\
                   OLD-1,系统故障,系统故障,处方流转中断,agent,2026-10-08 09:00,2026-10-08 09:20,2026-10-08 10:30,2026-10-09 09:00\n\
                   OLD-2,系统故障,fault,支付回调失败,agent,2026-10-20 23:50,2026-10-21 00:40,2026-10-21 03:00,\n\
                   OLD-3,在线客服,业务咨询,怎么开发票,,2026-11-02 10:00,,,\n";
    // A bad row (reply before creation, unknown agent) rejects the whole file.
    let bad = format!("{tickets}OLD-4,在线客服,业务咨询,x,nobody,2026-11-02 10:00,2026-11-02 09:00,,\n");
    let r = import(&sys, bad.as_bytes(), "old.csv", Kind::Tickets, Mode::AllOrNothing).await.unwrap();
    assert!(!r.committed);
    let mut columns: Vec<&str> = r.rejected.iter().map(|e| e.column.as_str()).collect();
    columns.sort();
    assert_eq!(columns, ["处理人", "首次回复/接听时间"], "{:?}", r.rejected);
    let (_, none) = d.call(Method::GET, "/api/v1/desk/tickets", None).await;
    assert_eq!(none["total"], 0);
    let r = import(&sys, tickets.as_bytes(), "old.csv", Kind::Tickets, Mode::AllOrNothing).await.unwrap();
    assert!(r.committed && r.inserted == 3, "{:?}", r.rejected);
    // Once only.
    let again = import(&sys, tickets.as_bytes(), "old.csv", Kind::Tickets, Mode::AllOrNothing).await.unwrap();
    assert!(!again.committed && again.rejected.len() == 3);
    // Calls: answered in time, and a missed call (no first response: breached).
    let calls = "通话编号,主叫号码,坐席,来电时间,接听时间,挂机时间\n\
                 C1,13800001111,agent,2026-11-03 09:00:00,2026-11-03 09:00:20,2026-11-03 09:05:00\n\
                 C2,13800002222,,2026-11-03 21:00:00,,2026-11-03 21:00:30\n";
    let r = import(&sys, calls.as_bytes(), "calls.csv", Kind::Calls, Mode::AllOrNothing).await.unwrap();
    assert!(r.committed && r.inserted == 2, "{:?}", r.rejected);
    let (_, b) = d.call(Method::GET, "/api/v1/desk/tickets?q=OLD-2", None).await;
    let t = &b["items"][0];
    assert_eq!(
        (t["status"].as_str(), t["first_response_breached"].as_bool(), t["resolution_breached"].as_bool()),
        (Some("resolved"), Some(true), Some(true)),
        "{b}"
    );
    assert_eq!(t["created_at"], "2026-10-20 23:50:00");

    let from = hops_kernel::LocalDay::parse("2026-10-01").unwrap();
    let to = hops_kernel::LocalDay::parse("2026-11-30").unwrap();
    let r = hops_desk::ticket::report::attainment_report(&sys, from, to).await.unwrap();
    let f = r.overall.sla.first_response;
    // In time: OLD-1, C1; late: OLD-2, and OLD-3 and C2 are past their due time unanswered.
    assert_eq!((r.overall.tickets, f.met_in_time, f.breached, f.open), (5, 2, 3, 0));
    let fix = r.overall.sla.resolution;
    // OLD-1 in time (1.5 h of 2 h), OLD-2 late, C1 in time (7×12, 5 min), OLD-3 and C2 overdue.
    assert_eq!((fix.met_in_time, fix.breached, fix.open), (2, 3, 0), "{:?}", r.overall);
    let months: Vec<(&str, usize)> = r.by_month.iter().map(|l| (l.label.as_str(), l.tickets)).collect();
    assert_eq!(months, [("2026-10", 2), ("2026-11", 3)]);
    let faults = r.by_category.iter().find(|l| l.label == "系统故障").unwrap();
    assert_eq!(faults.sla.first_response.on_time_basis_points(), Some(5_000));
    assert_eq!(hops_desk::ticket::report::percent(faults.sla.first_response.on_time_basis_points()), "50.0%");
    d.app.stop().await;
}

both_backends!(calendar_hours_are_edited_in_a_form);

/// Weekly hours are a row per weekday, not a text to type: a refused form comes back as typed
/// with each problem at its row and saves nothing; a saved one is shown in Chinese and opens
/// for editing as it was saved.
async fn calendar_hours_are_edited_in_a_form(backend: Backend) {
    let d = desk(backend).await;
    let (web, csrf) = d.app.web_login("kf", "operator").await;
    let url = |p: &str| format!("{}{p}", d.app.url);
    let page = web.get(url("/desk/settings")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"wd0_mode\"") && page.contains("营业时段") && !page.contains("mon-fri"), "no text form to type");
    let calendars = |d: &Desk| {
        let access = d.app.system(d.hospital);
        async move { setup::load(&access).await.unwrap().calendars.iter().map(|c| (c.code.clone(), c.hours.clone())).collect::<Vec<_>>() }
    };
    let before = calendars(&d).await;
    let mut form: Vec<(String, String)> =
        [("_csrf", csrf.as_str()), ("code", "clinic"), ("name", "门诊时间")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut day = |i: usize, mode: &str, slots: &[(&str, &str)]| {
        form.push((format!("wd{i}_mode"), mode.into()));
        for (a, b) in slots {
            form.push((format!("wd{i}_from"), a.to_string()));
            form.push((format!("wd{i}_to"), b.to_string()));
        }
    };
    day(0, "hours", &[("12:00", "08:00"), ("", "")]);
    day(1, "hours", &[("08:00", "12:00"), ("13:30", "17:30")]);
    day(5, "all", &[]);
    let r = web.post(url("/desk/settings/calendars")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("周一：第 1 段的开始时间须早于结束时间") && html.contains("class=\"has-error\""), "{html}");
    assert!(html.contains("value=\"13:30\"") && html.contains("value=\"门诊时间\""), "the form comes back as typed");
    assert_eq!(calendars(&d).await, before, "nothing saved");
    // Fixed: Monday and Tuesday mornings and afternoons, Saturday all day.
    form.retain(|(k, _)| !k.starts_with("wd0"));
    form.extend([("wd0_mode", "hours"), ("wd0_from", "08:00"), ("wd0_to", "12:00")].map(|(k, v)| (k.to_string(), v.to_string())));
    let r = web.post(url("/desk/settings/calendars")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let saved = calendars(&d).await;
    let clinic = saved.iter().find(|(c, _)| c == "clinic").expect("saved").1.clone();
    assert_eq!(clinic, "mon 08:00-12:00; tue 08:00-12:00,13:30-17:30; sat 00:00-24:00");
    let page = web.get(url("/desk/settings?calendar=clinic")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("修改服务日历：门诊时间") && page.contains("value=\"13:30\"") && page.contains("周一 08:00-12:00"), "{page}");
    d.app.stop().await;
}
