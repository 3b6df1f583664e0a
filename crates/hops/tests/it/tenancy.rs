//! Tenant isolation on every registered route: a user of hospital A calling any route with
//! hospital B's ids gets 403 or 404 and never sees B's data. New routes are covered
//! automatically; a route with a parameter or request body this test does not know fails it.

use std::collections::HashMap;

use hops_kernel::HospitalId;
use hops_master::model::{DepartmentDraft, DoctorDraft, PatientDraft};
use hops_platform::accounts::service as accounts;
use hops_platform::web::Method;
use hops_platform::web::routes::{Access as RouteAccess, RouteSpec, Scope};
use hops_platform::{Role, jobs};
use hops_testkit::{Backend, PASSWORD, TestApp, both_backends, http_method};
use serde_json::{Value, json};

both_backends!(no_route_crosses_tenants, every_route_keeps_to_its_data_scope);

const B_MARKERS: &[&str] = &["乙院科室", "乙院医生", "乙院患者", "yi-user", "乙院项目", "乙院套餐", "乙院单位", "乙院工单", "乙院知识"];

/// Path parameters that are not record ids.
const NOT_IDS: &[&str] = &["date", "year"];

/// A published report (January 2025) and a report subscriber of B.
async fn report_fixtures(access: &hops_platform::Access) -> (i64, i64) {
    let january = hops_kernel::PeriodRange::containing(hops_kernel::Period::Month, hops_kernel::LocalDay::parse("2025-01-15").unwrap());
    let report = hops_reports::service::publish(access, january).await.unwrap();
    let draft =
        hops_reports::model::SubscriberDraft { name: "乙院订阅人".into(), email: "yi@example.cn".into(), kinds: vec!["month".into()] };
    let subscriber = hops_reports::service::add_subscriber(access, &draft).await.unwrap();
    (report.0, subscriber.0)
}

/// A pending approval of B: publishing approval switched on, February 2025 submitted.
async fn approval_fixture(access: &hops_platform::Access) -> i64 {
    let february = hops_kernel::PeriodRange::containing(hops_kernel::Period::Month, hops_kernel::LocalDay::parse("2025-02-15").unwrap());
    hops_reports::approval::set_required(access, true).await.unwrap();
    hops_reports::approval::submit(access, february, "乙院报告请审批").await.unwrap()
}

/// B's ids (and codes) by path parameter name.
pub(crate) async fn b_fixtures(app: &TestApp, b: HospitalId) -> HashMap<&'static str, String> {
    let access = app.system(b);
    let dept = hops_master::service::create_department(
        &access,
        &DepartmentDraft { code: "BDEPT".into(), name: "乙院科室".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let doctor = hops_master::service::create_doctor(
        &access,
        &DoctorDraft {
            code: "BDOC".into(),
            name: "乙院医生".into(),
            department_code: "BDEPT".into(),
            title: "主任医师".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let patient = hops_master::service::create_patient(
        &access,
        &PatientDraft {
            name: "乙院患者".into(),
            id_number: "11010519491231002X".into(),
            phone: "13912345678".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let user = accounts::create_user(
        &access,
        accounts::NewUserInput { username: "yi-user", display_name: "乙院用户", role: Role::Nurse, password: PASSWORD },
    )
    .await
    .unwrap();
    let job = jobs::enqueue_probes(&access, 1, 0).await.unwrap()[0];
    let notification = notification_fixture(&access, user).await;
    let (report, subscriber) = report_fixtures(&access).await;
    let approval = approval_fixture(&access).await;
    let sheet = performance_sheet(&access).await;
    let (rule, booking) = checkup_fixtures(&access).await;
    let employer = checkup_employer(&access).await;
    let ids = HashMap::from([
        ("department_id", dept.0),
        ("doctor_id", doctor.0),
        ("patient_id", patient.0),
        ("user_id", user.0),
        ("job_id", job.0),
        ("report_id", report),
        ("subscriber_id", subscriber),
        ("sheet_id", sheet),
        ("rule_id", rule),
        ("booking_id", booking),
        ("notification_id", notification),
        ("approval_id", approval),
    ]);
    let mut out: HashMap<&'static str, String> = ids.into_iter().map(|(k, v)| (k, v.to_string())).collect();
    out.insert("employer_code", employer);
    out.insert("invoice_id", checkup_invoice(&access, booking).await.to_string());
    let (ticket, attachment, article, session) = desk_fixtures(&access).await;
    out.insert("ticket_id", ticket.to_string());
    out.insert("attachment_id", attachment.to_string());
    out.insert("article_id", article.to_string());
    out.insert("session_id", session.to_string());
    // ---- desk follow-up and complaints (hops_desk::followup / complaint) ----
    for (k, v) in desk_followup_fixtures(&access, patient).await {
        out.insert(k, v.to_string());
    }
    out
}

/// An in-app message to B's user (through the notifications' job), its id.
async fn notification_fixture(access: &hops_platform::Access, user: hops_kernel::UserId) -> i64 {
    use hops_platform::notify::{self, Address, Message, Status, service};
    let vars = [
        ("ticket", "乙院工单".to_string()),
        ("subject", "乙院工单".to_string()),
        ("clock", "解决".to_string()),
        ("due", "2025-01-01 10:00".to_string()),
        ("lead", "乙院用户".to_string()),
    ];
    let message = Message::new(&hops_desk::ticket::service::SLA_ESCALATION, "desk_ticket:1", &vars, vec![Address::Staff(user)]);
    let mut tx = access.tenant().write().await.unwrap();
    let delivery = notify::enqueue(access, &mut tx, &message).await.unwrap().deliveries[0].0;
    tx.commit().await.unwrap();
    for _ in 0..100 {
        let (rows, _) = service::deliveries(access, notify::Filter::default(), None, 0, 50).await.unwrap();
        if let Some(id) = rows.iter().find(|r| r.id == delivery && r.status == Status::Sent).and_then(|r| r.provider_message_id.clone()) {
            return id.parse().unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the in-app message was never delivered");
}

/// B's follow-up questionnaire, key-patient plan with its call task (B's patient marked as a key
/// patient), and a complaint.
async fn desk_followup_fixtures(access: &hops_platform::Access, patient: hops_kernel::PatientId) -> Vec<(&'static str, i64)> {
    use hops_desk::followup::{calls, model::PlanDraft, questionnaire, service};
    let draft = service::QuestionnaireDraft {
        name: "乙院问卷".into(),
        intro: String::new(),
        active: true,
        questions: service::Questions::List(questionnaire::from_lines("评分|乙院服务满意度").unwrap()),
    };
    let questionnaire = service::save_questionnaire(access, None, &draft).await.unwrap();
    let plan = PlanDraft {
        name: "乙院重点患者回访".into(),
        audience: "key_patient".into(),
        delay_days: "0".into(),
        script: "乙院话术".into(),
        questionnaire_id: Some(questionnaire),
        max_attempts: "3".into(),
        retry_no_answer_hours: "4".into(),
        retry_refused_hours: "24".into(),
        active: true,
        ..Default::default()
    };
    let plan = service::save_plan(access, None, &plan).await.unwrap();
    service::mark_key_patient(access, patient, "乙院患者").await.unwrap();
    assert_eq!(service::generate(access, plan).await.unwrap().created, 1);
    let task = calls::tasks(access, &Default::default(), hops_platform::web::Paging::new(None, 10)).await.unwrap().0[0].id;
    let draft = hops_desk::complaint::model::Draft {
        complainant: "乙院患者".into(),
        phone: "13912345678".into(),
        subject: "乙院投诉".into(),
        description: "乙院患者投诉".into(),
        ..Default::default()
    };
    let complaint = hops_desk::complaint::service::create(access, &hops_desk::complaint::service::Origin::Direct, &draft).await.unwrap().id;
    // The questionnaire is a form of the forms engine with the same id.
    vec![("questionnaire_id", questionnaire), ("form_id", questionnaire), ("plan_id", plan), ("task_id", task), ("complaint_id", complaint)]
}

/// A ticket of B with an attachment, a knowledge-base article and a bot conversation.
async fn desk_fixtures(access: &hops_platform::Access) -> (i64, i64, i64, i64) {
    use hops_desk::{bot, kb, ticket};
    let input = ticket::model::TicketInput {
        channel: "chat".into(),
        category: "consult".into(),
        subject: "乙院工单".into(),
        requester_phone: "13912345678".into(),
        ..Default::default()
    };
    let t = ticket::service::open(access, &input, ticket::service::Origin::default()).await.unwrap();
    let a = ticket::service::attach(access, t.id, "乙院.txt", "乙院附件".as_bytes()).await.unwrap();
    let article = kb::model::ArticleInput { question: "乙院知识".into(), answer: "乙院答案".into(), ..Default::default() };
    let art = kb::service::save(access, None, &article).await.unwrap();
    let reply = bot::service::ask(access, None, "h5", "乙院知识").await.unwrap();
    let (session, _) = bot::service::conversation_of(access, &reply.session).await.unwrap().unwrap();
    (t.id, a.id, art.id, session.id)
}

/// An employer of B with a card (its code is what the routes take).
async fn checkup_employer(access: &hops_platform::Access) -> String {
    use hops_checkup::group::model::{CardKind, Payer, Plan};
    let employer = hops_checkup::group::Employer {
        code: "BEMP".into(),
        name: "乙院单位".into(),
        contact_name: "乙院联系人".into(),
        contact_phone_masked: String::new(),
        window: None,
        addon_pct: 100,
    };
    hops_checkup::group::service::save(access, &employer, Some("13912340000")).await.unwrap();
    let plan = Plan {
        employer: "BEMP".into(),
        code: "BCARD".into(),
        name: "乙院单位卡".into(),
        kind: CardKind::Fixed,
        package: "BPKG".into(),
        payer: Payer::Employer,
    };
    hops_checkup::group::service::save_plan(access, &plan).await.unwrap();
    "BEMP".into()
}

/// An invoice request of B's booking (paid for it at the counter).
async fn checkup_invoice(access: &hops_platform::Access, booking: i64) -> i64 {
    use hops_checkup::invoice::model::{InvoiceDraft, TitleKind};
    hops_checkup::payment::service::record_offline(access, booking, hops_checkup::payment::model::Method::Onsite, "").await.unwrap();
    let draft = InvoiceDraft {
        title_kind: TitleKind::Personal,
        title: "乙院患者".into(),
        tax_number: String::new(),
        email: "yi@example.cn".into(),
    };
    hops_checkup::invoice::service::request(access, booking, &draft).await.unwrap().id
}

/// A one-row table for the activity ingest.
fn table(headers: &[&str], row: &[&str]) -> hops_platform::tabular::Table {
    hops_platform::tabular::Table {
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: vec![row.iter().map(|c| c.to_string()).collect()],
    }
}

/// A performance sheet of B's doctor for October 2026.
async fn performance_sheet(access: &hops_platform::Access) -> i64 {
    use hops_analytics::performance::{model, service};
    use hops_platform::tabular::Mode;
    let patients = table(&["external_id", "name", "sex"], &["BP1", "乙院病人", "女"]);
    assert!(hops_analytics::activity::service::ingest(access, "patients", &patients, Mode::AllOrNothing).await.unwrap().committed);
    let consultations = table(
        &[
            "external_id",
            "patient_external_id",
            "department_code",
            "doctor_code",
            "kind",
            "created_at",
            "paid_at",
            "completed_at",
            "amount",
        ],
        &["BC1", "BP1", "BDEPT", "BDOC", "text", "2026-10-08 09:00:00", "2026-10-08 09:00:00", "2026-10-08 09:30:00", "30.00"],
    );
    assert!(
        hops_analytics::activity::service::ingest(access, "consultations", &consultations, Mode::AllOrNothing).await.unwrap().committed
    );
    let formula = model::FormulaDraft {
        price_text: "5".into(),
        price_video: "5".into(),
        price_phone: "5".into(),
        price_revisit: "5".into(),
        share_percent: "10".into(),
        timeout_minutes: "30".into(),
        timeout_deduction: "1".into(),
        complaint_deduction: "1".into(),
    };
    service::save_settings(access, &formula).await.unwrap();
    let month = model::Month::parse("2026-10").unwrap();
    service::generate(access, month).await.unwrap();
    service::month(access, month).await.unwrap().sheets[0].sheet.id
}

/// A well-formed body for each request schema, so a refusal is about the tenant, not the body.
/// A checkup rule and a booking of B (the booking's person is marked as B's).
pub(crate) async fn checkup_fixtures(access: &hops_platform::Access) -> (i64, i64) {
    use hops_checkup::catalogue::model::{Applicability, Item, Package, Rule};
    use hops_kernel::Money;
    let item = |code: &str| Item {
        code: code.into(),
        name: format!("乙院项目{code}"),
        category: "检验".into(),
        body_part: "血液".into(),
        meaning: String::new(),
        target_group: String::new(),
        price: Money(100),
        applicability: Applicability::anyone(),
        preparation: String::new(),
        resource: None,
        active: true,
    };
    for code in ["BA", "BB"] {
        hops_checkup::catalogue::service::save_item(access, &item(code)).await.unwrap();
    }
    let package = Package {
        code: "BPKG".into(),
        name: "乙院套餐".into(),
        target_group: String::new(),
        description: String::new(),
        price: Money(100),
        applicability: Applicability::anyone(),
        items: vec!["BA".into()],
        special_pool: false,
        active: true,
    };
    hops_checkup::catalogue::service::save_package(access, &package).await.unwrap();
    let rule = hops_checkup::catalogue::service::add_rule(access, &Rule::Exclusive("BA".into(), "BB".into()), "").await.unwrap();
    let day = access.now().local_day().plus_days(2);
    let setting = hops_checkup::capacity::model::DaySetting { individual: 5, ..Default::default() };
    hops_checkup::capacity::service::set_day(access, day, &setting).await.unwrap();
    let request = hops_checkup::booking::service::BookingRequest {
        package: "BPKG".into(),
        date: day.to_string(),
        name: "乙院患者".into(),
        id_number: "11010519491231002X".into(),
        phone: "13912345678".into(),
        ..Default::default()
    };
    let booked = hops_checkup::booking::service::book(access, &request).await.unwrap().unwrap_or_else(|_| panic!("rules"));
    (rule, booked.booking.id)
}

pub(crate) fn sample_body(schema: &str) -> Value {
    match schema {
        "DepartmentIn" => json!({"code": "X1", "name": "某科室"}),
        "DoctorIn" => json!({"code": "X1", "name": "某医生", "department_code": "BDEPT", "title": "主治医师"}),
        "PatientIn" => json!({"name": "某患者", "sex": "男"}),
        "UserIn" => json!({"username": "someone", "display_name": "某人", "role": "nurse", "password": PASSWORD}),
        "ProbeIn" => json!({"count": 1, "sleep_ms": 0}),
        "LoginRequest" => json!({"hospital": "a", "username": "x", "password": "y"}),
        "IngestRequest" => json!({"rows": []}),
        "ConclusionsIn" => json!({"period": "month", "at": "2025-01", "conclusions": "某结论"}),
        "PublishIn" => json!({"period": "month", "at": "2025-01"}),
        "SubscriberIn" => json!({"name": "某人", "email": "someone@example.cn", "kinds": ["month"]}),
        "RankingSettingsIn" => {
            json!({"weights": {"volume": 0.4, "satisfaction": 0.3, "reply": 0.2, "revisit": 0.1}, "prior_weight": 10, "min_sample": 5})
        }
        "ItemIn" => json!({"code": "X1", "name": "某项目", "category": "检验", "body_part": "血液", "price": "1.00"}),
        "PackageIn" => json!({"code": "X1", "name": "某套餐", "price": "1.00", "items": ["BA"]}),
        "RuleIn" => json!({"kind": "required", "item_a": "BA"}),
        "CheckIn" => json!({"package": "BPKG"}),
        "ResourceIn" => json!({"code": "X1", "name": "某资源"}),
        "EmployerIn" => json!({"code": "X1", "name": "某单位"}),
        "PlanIo" => json!({"code": "X1", "name": "某卡", "kind": "fixed", "package": "BPKG"}),
        "DiscountsIo" => json!({"items": {"BA": 50}}),
        "CheckInIn" => json!({"id_number": "11010519491231002X", "name": "乙院患者"}),
        "CapacityIn" => json!({"individual": 1}),
        "BookingIn" => json!({"package": "BPKG", "date": "2020-01-01", "person": {"name": "某人", "id_number": "x", "phone": "x"}}),
        "RescheduleIn" => json!({"date": "2020-01-01"}),
        "YearIn" => json!({"holidays": ["2030-10-01"]}),
        "SettingsIo" => json!({"hold_minutes": 15, "vip_cutoff_hours": 24}),
        "ClosedIn" => json!({"reason": "设备检修"}),
        "PayIn" => json!({}),
        "RecordIn" => json!({"method": "onsite"}),
        "RefundIn" => json!({"reason": "行程变更"}),
        "TemplatesIo" => json!({"weekdays": [{"weekday": 1, "setting": {"individual": 1}}]}),
        "BulkIn" => json!({"from": "2030-01-01", "to": "2030-01-07", "template": true}),
        "QuestionnaireIo" => json!({"questions": [], "rules": []}),
        "RecommendIn" => json!({"package": "BPKG", "answers": {}}),
        "InvoiceIn" => json!({"title_kind": "personal", "title": "某人", "email": "someone@example.cn"}),
        "IssuedIn" => json!({"invoice_number": "12345678"}),
        "InvoiceCancelIn" => json!({"reason": "抬头有误"}),
        // ---- desk follow-up and complaints ----
        "FollowupPlanIn" => json!({"name": "某计划", "audience": "checkup", "delay_days": 1, "script": "话术", "max_attempts": 1,
                                   "retry_no_answer_hours": 0, "retry_refused_hours": 0}),
        "FormIn" => json!({"name": "某问卷", "questions": [{"code": "q1", "kind": "scale", "text": "打分", "min": 1, "max": 5}]}),
        "FollowupQuestionnaireIn" => json!({"name": "某问卷", "questions": [{"kind": "rating", "text": "打分"}]}),
        "FollowupCallIn" => json!({"outcome": "no_answer"}),
        "KeyPatientIn" => json!({"external_id": "BP1"}),
        "ComplaintIn" => json!({"complainant": "某人", "subject": "某事", "description": "某内容"}),
        "ComplaintStepIn" => json!({"department_id": 1, "note": "某意见"}),
        "ComplaintCausesIo" => json!({"causes": [{"code": "x1", "name": "某原因"}]}),
        "TicketIn" => json!({"channel": "chat", "category": "consult", "subject": "某问题"}),
        "ReplyIn" => json!({"body": "某回复"}),
        "StatusIn" => json!({"action": "resolve"}),
        "AssignIn" => json!({}),
        "ClassifyIn" => json!({"category": "consult", "priority": "normal"}),
        "MergeIn" => json!({"into": 1}),
        "AskIn" => json!({"question": "怎么挂号"}),
        "KbArticleIn" => json!({"question": "某问题", "answer": "某答案"}),
        "KbVariantsIn" => json!({"variants": ["某问法"]}),
        // ---- status flows and approvals ----
        "DecisionIn" => json!({"decision": "approved", "comment": "同意"}),
        "ApprovalSettingIo" => json!({"required": true}),
        // ---- notifications ----
        "OptOutIn" => json!({"address": "13900000000", "topic": "checkup.group_reminder"}),
        "QuietHoursIo" => json!({"enabled": true, "start": "21:00", "end": "08:00"}),
        "TemplateIn" => json!({"topic": "checkup.group_reminder", "channel": "email", "subject": "某主题", "body": "${name}"}),
        other => panic!("tenancy test has no sample body for request schema {other}: add one"),
    }
}

async fn no_route_crosses_tenants(backend: Backend) {
    // With the example module of docs/module.md: it is held to the same rules.
    let app = TestApp::spawn_with_modules(backend, vec![crate::example_module::module()]).await;
    app.hospital("ha", &[Role::HospitalAdmin]).await;
    let b = app.hospital("hb", &[]).await;
    let ids = b_fixtures(&app, b).await;
    let admin = app.admin_session("ha", "hospital_admin").await;
    let session = Session { web: admin.web, csrf: admin.csrf, token: admin.token };
    let openapi: Value = app.client().get(format!("{}/api/v1/openapi.json", app.url)).send().await.unwrap().json().await.unwrap();
    let mut checked = 0;
    for spec in app.specs() {
        // Public routes hold no tenant data; signing out would end the sessions this test uses.
        if spec.access == RouteAccess::Public || spec.path.ends_with("/logout") {
            continue;
        }
        let mut path = spec.path.to_string();
        // Dates are not ids: a route by date works on the caller's own hospital.
        let own_data = spec.params().iter().all(|p| NOT_IDS.contains(p));
        for p in spec.params().into_iter().filter(|p| !NOT_IDS.contains(p)) {
            let id = ids.get(p).unwrap_or_else(|| {
                panic!("route {} has parameter {{{p}}} without a hospital-B fixture in the tenancy test: add one", spec.path)
            });
            path = path.replace(&format!("{{{p}}}"), id);
        }
        path = path.replace("{date}", "2030-01-01").replace("{year}", "2030");
        let (status, body) = call_route(&app, &openapi, spec, &path, &session).await;
        if own_data {
            // Routes without ids work on A's own data; they must not show B's.
            assert!(status < 500, "{} {} answered {status}", spec.method.as_str(), spec.path);
        } else {
            assert!(status == 403 || status == 404, "{} {} with hospital B's ids answered {status}: {body}", spec.method.as_str(), path);
        }
        for m in B_MARKERS {
            assert!(!body.contains(m), "{} {} leaked hospital B's data ({m})", spec.method.as_str(), path);
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} routes checked");
    // Without a session, every tenant route refuses.
    for spec in app.specs().iter().filter(|s| s.access == RouteAccess::Tenant) {
        let path = spec.params().iter().fold(spec.path.to_string(), |p, name| p.replace(&format!("{{{name}}}"), "1"));
        let r = app.client().request(http_method(spec.method), format!("{}{path}", app.url)).send().await.unwrap();
        let s = r.status().as_u16();
        assert!(s == 401 || s == 303 || s == 403, "{} {} without a session answered {s}", spec.method.as_str(), spec.path);
    }
    app.stop().await;
}

/// Patients outside the doctor's and the nurse's departments (the fixtures' patients: one with
/// no consultation, one with a consultation in another department) and another doctor.
const OUT_OF_SCOPE: &[&str] = &["乙院患者", "乙院病人"];
const OTHER_DOCTOR: &str = "乙院医生";
const IN_SCOPE: &str = "甲科患者";

/// `spec`'s path with the fixtures' ids (and a day and a year for the routes by date).
pub(crate) fn fill_path(spec: &RouteSpec, ids: &HashMap<&'static str, String>) -> String {
    let mut path = spec.path.to_string();
    for p in spec.params().into_iter().filter(|p| !NOT_IDS.contains(p)) {
        let id = ids.get(p).unwrap_or_else(|| panic!("route {} has parameter {{{p}}} without a fixture: add one", spec.path));
        path = path.replace(&format!("{{{p}}}"), id);
    }
    path.replace("{date}", "2030-01-01").replace("{year}", "2030")
}

/// A session of one role: the browser (cookie, CSRF token) and an API token.
pub(crate) struct Session {
    web: reqwest::Client,
    csrf: String,
    token: String,
}

pub(crate) async fn session(app: &TestApp, role: Role) -> Session {
    if role.requires_totp() {
        let a = app.admin_session("ha", role.code()).await;
        return Session { web: a.web, csrf: a.csrf, token: a.token };
    }
    let (web, csrf) = app.web_login("ha", role.code()).await;
    Session { web, csrf, token: app.token("ha", role.code()).await }
}

/// Calls `spec` on `path` as `s` (a well-formed body for writes); status and body.
pub(crate) async fn call_route(app: &TestApp, openapi: &Value, spec: &RouteSpec, path: &str, s: &Session) -> (u16, String) {
    let url = format!("{}{path}", app.url);
    let res = if spec.is_api() {
        let mut req = app.client().request(http_method(spec.method), &url).bearer_auth(&s.token);
        if matches!(spec.method, Method::Post | Method::Put) {
            let op = &openapi["paths"][spec.path][spec.method.as_str().to_lowercase()];
            if let Some(r) = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str() {
                req = req.json(&sample_body(r.rsplit('/').next().unwrap()));
            } else if spec.path.ends_with("/import") {
                let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.csv"));
                req = req.multipart(form);
            }
        }
        req.send().await.unwrap()
    } else {
        let req = s.web.request(http_method(spec.method), &url);
        match spec.method {
            Method::Get => req.send().await.unwrap(),
            // Confirmed, so that a route with a confirmation step ([`hops_platform::web::confirm`])
            // is walked to its handler.
            _ => req.form(&[("_csrf", s.csrf.as_str()), ("name", "x"), ("code", "X1"), ("_confirmed", "1")]).send().await.unwrap(),
        }
    };
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// Every route declares its data scope, and keeps to it when walked as each role of a hospital
/// and as a patient of another person:
/// - `AllPeople` routes refuse the roles whose data scope is not "all" (doctor, nurse);
/// - `People` routes show a doctor or nurse no patient outside their departments, and answer
///   403/404 for such a patient's records;
/// - `Hospital` routes show them no patient at all; `Own` routes no one else's records;
/// - `Visitor` routes show a patient who proved another phone nothing of this person's booking.
async fn every_route_keeps_to_its_data_scope(backend: Backend) {
    // With the example module of docs/module.md: it is held to the same rules.
    let app = TestApp::spawn_with_modules(backend, vec![crate::example_module::module()]).await;
    // The platform's administrator lives in the platform's own tenant; every hospital role here.
    let roles: Vec<Role> = Role::ALL.into_iter().filter(|r| *r != Role::PlatformAdmin).collect();
    let h = app.hospital("ha", &roles).await;
    let undeclared: Vec<String> =
        app.specs().iter().filter(|s| s.scope == Scope::Undeclared).map(|s| format!("{} {}", s.method.as_str(), s.path)).collect();
    assert!(undeclared.is_empty(), "routes without a declared data scope: {undeclared:?}");
    let ids = b_fixtures(&app, h).await;
    // The doctor's department (内科, NK): the doctor record the `doctor` account names, and one
    // patient with a consultation there. The nurse's care team works in NK too.
    let access = app.system(h);
    hops_master::service::create_department(&access, &DepartmentDraft { code: "NK".into(), name: "内科".into(), ..Default::default() })
        .await
        .unwrap();
    let doctor = DoctorDraft {
        code: "doctor".into(),
        name: "甲科医生".into(),
        department_code: "NK".into(),
        title: "主治医师".into(),
        ..Default::default()
    };
    hops_master::service::create_doctor(&access, &doctor).await.unwrap();
    let mode = hops_platform::tabular::Mode::AllOrNothing;
    let patients = table(&["external_id", "name", "sex"], &["NP1", IN_SCOPE, "男"]);
    assert!(hops_analytics::activity::service::ingest(&access, "patients", &patients, mode).await.unwrap().committed);
    let consultation = table(
        &[
            "external_id",
            "patient_external_id",
            "department_code",
            "doctor_code",
            "kind",
            "created_at",
            "paid_at",
            "completed_at",
            "amount",
        ],
        &["NC1", "NP1", "NK", "doctor", "text", "2026-10-09 09:00:00", "2026-10-09 09:00:00", "2026-10-09 09:30:00", "30.00"],
    );
    assert!(hops_analytics::activity::service::ingest(&access, "consultations", &consultation, mode).await.unwrap().committed);
    let nurse = accounts::list_users(&access).await.unwrap().into_iter().find(|u| u.role == Role::Nurse).unwrap();
    accounts::update_user(
        &access,
        nurse.id,
        accounts::UserUpdate { display_name: "护士", role: Role::Nurse, disabled: false, departments: "NK" },
    )
    .await
    .unwrap();

    let openapi: Value = app.client().get(format!("{}/api/v1/openapi.json", app.url)).send().await.unwrap().json().await.unwrap();
    let path_of = |spec: &RouteSpec| fill_path(spec, &ids);
    let mut walked = 0;
    // Every breach, so one run names them all.
    let mut breaches: Vec<String> = Vec::new();
    for role in roles {
        let s = session(&app, role).await;
        // Written out, not read from the code under test: the doctor and the nurse see their
        // departments' patients only.
        let limited = matches!(role, Role::Doctor | Role::Nurse);
        assert_eq!(role.data_scope() != hops_platform::DataScope::All, limited, "{}'s data scope", role.code());
        for spec in app.specs().iter().filter(|s| s.access == RouteAccess::Tenant && !s.path.ends_with("/logout")) {
            // Roles that see everything only read (their writes would change the fixtures);
            // the doctor and the nurse try everything.
            if !limited && spec.method != Method::Get {
                continue;
            }
            let path = path_of(spec);
            let (status, body) = call_route(&app, &openapi, spec, &path, &s).await;
            let what = format!("{} {} as {}", spec.method.as_str(), path, role.code());
            if status >= 500 {
                breaches.push(format!("{what} answered {status}"));
            }
            walked += 1;
            if !limited {
                continue;
            }
            let has_ids = spec.params().iter().any(|p| !NOT_IDS.contains(p));
            match spec.scope {
                Scope::AllPeople if status != 403 && status != 404 => {
                    breaches.push(format!("{what} (hospital-wide people data) answered {status}"))
                }
                Scope::People | Scope::Own if has_ids && status != 403 && status != 404 => {
                    breaches.push(format!("{what} (another's record) answered {status}"))
                }
                _ => {}
            }
            for m in OUT_OF_SCOPE {
                if body.contains(m) {
                    breaches.push(format!("{what} showed a patient outside the role's departments ({m})"));
                }
            }
            if spec.scope == Scope::Own && body.contains(OTHER_DOCTOR) {
                breaches.push(format!("{what} showed another doctor's records"));
            }
        }
        // What each sees in the patient register: the department's patients, or everyone.
        let page = s.web.get(format!("{}/patients", app.url)).send().await.unwrap();
        let (status, page) = (page.status().as_u16(), page.text().await.unwrap());
        if limited {
            assert!(status == 200 && page.contains(IN_SCOPE), "{}: {status}", role.code());
            assert!(OUT_OF_SCOPE.iter().all(|m| !page.contains(m)), "{} sees patients outside their departments", role.code());
        } else if status == 200 {
            assert!(page.contains(IN_SCOPE) && OUT_OF_SCOPE.iter().all(|m| page.contains(m)), "{} sees everyone", role.code());
        }
    }
    assert!(breaches.is_empty(), "{} breaches:\n{}", breaches.len(), breaches.join("\n"));
    assert!(walked > 300, "only {walked} role × route calls");

    // A patient who proved another phone, on every public page of the hospital with the ids
    // of this person's booking.
    let visitor = app.browser_client();
    let base = format!("{}/p/ha/login", app.url);
    let r = visitor.post(&base).form(&[("phone", "13900000777"), ("send_code", "1")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let mut code = String::new();
    for _ in 0..100 {
        let v: Value = reqwest::get(format!("{}/sandbox/sms/outbox?phone=13900000777", app.url)).await.unwrap().json().await.unwrap();
        if let Some(m) = v["messages"][0]["text"].as_str() {
            code = m.chars().filter(char::is_ascii_digit).take(6).collect();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let r = visitor.post(&base).form(&[("phone", "13900000777"), ("code", code.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303, "signed in");
    let public_ids: HashMap<&str, String> = HashMap::from([
        ("hospital_code", "ha".to_string()),
        ("code", "ha".to_string()),
        ("booking", ids["booking_id"].clone()),
        ("package", "BPKG".to_string()),
        ("action", "cancel".to_string()),
        ("employer", "BEMP".to_string()),
        ("person", "1".to_string()),
        ("month", "2025-01".to_string()),
    ]);
    let mut visited = 0;
    for spec in app.specs().iter().filter(|s| s.scope == Scope::Visitor) {
        let mut path = spec.path.to_string();
        for p in spec.params() {
            let v =
                public_ids.get(p).unwrap_or_else(|| panic!("public route {} has parameter {{{p}}} without a fixture: add one", spec.path));
            path = path.replace(&format!("{{{p}}}"), v);
        }
        let url = format!("{}{path}", app.url);
        let req = visitor.request(http_method(spec.method), &url);
        let r = match spec.method {
            Method::Get => req.send().await.unwrap(),
            _ => req.form(&[("date", "2030-01-01"), ("reason", "x")]).send().await.unwrap(),
        };
        let status = r.status().as_u16();
        let body = r.text().await.unwrap_or_default();
        let what = format!("{} {path} as a patient of another phone", spec.method.as_str());
        assert!(status < 500, "{what} answered {status}");
        assert!(!body.contains("乙院患者") && !body.contains("139****5678"), "{what} showed the booking's person");
        if spec.params().contains(&"booking") {
            assert!([303, 401, 403, 404].contains(&status), "{what} answered {status}: {body}");
        }
        visited += 1;
    }
    assert!(visited > 10, "only {visited} public routes walked");
    let booking = hops_checkup::booking::service::get(&access, ids["booking_id"].parse().unwrap()).await.unwrap();
    assert_eq!(booking.status.code(), "paid", "the other person's booking is untouched");
    app.stop().await;
}
