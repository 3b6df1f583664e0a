//! Follow-up (回访) over HTTP on both backends: plans and questionnaires with every problem
//! named at once and nothing saved, agents refused configuration, task generation from
//! consultations, completed checkups and key patients that never creates a task twice, call
//! outcomes with the retry rule, opt-outs, masking and audited unmasking, the satisfaction
//! results per doctor and department against a hand computation, and the XLSX export read back.

use hops_kernel::{HospitalId, Instant};
use hops_master::model::{DepartmentDraft, DoctorDraft};
use hops_platform::Role;
use hops_platform::tabular::{Mode, Table};
use hops_testkit::{Backend, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(plans_refuse_bad_input_and_agents);
both_backends!(generation_is_idempotent);
both_backends!(daily_job_generates_the_mornings_calls);
both_backends!(calls_follow_the_retry_rule);
both_backends!(masking_and_audited_unmasking);
both_backends!(results_by_doctor_and_export);
both_backends!(console_pages);

pub(crate) struct Desk {
    pub(crate) app: TestApp,
    pub(crate) h: HospitalId,
    pub(crate) operator: String,
    pub(crate) agent: String,
    pub(crate) nurse: String,
}

impl Desk {
    pub(crate) async fn call(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        call(&self.app.client(), method, &format!("{}{path}", self.app.url), token, body).await
    }
    pub(crate) async fn op(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call(&self.operator, method, path, body).await
    }
    /// Moves the clock, enqueues the recurring work that fell due and runs the jobs due
    /// meanwhile (the daily follow-up generation among them, as a running server would have)
    /// and signs everyone in again (sessions time out while idle).
    pub(crate) async fn advance(&mut self, seconds: i64) {
        self.app.clock.advance_seconds(seconds);
        self.run_due().await;
        self.operator = self.app.token("fu", "operator").await;
        self.agent = self.app.token("fu", "agent").await;
        self.nurse = self.app.token("fu", "nurse").await;
    }
    /// What the scheduler and the workers of a running server would do now.
    /// (The app's own workers may be running a job meanwhile: it waits for them too.)
    pub(crate) async fn run_due(&self) -> usize {
        use hops_platform::jobs::{self, Status};
        let enqueued = jobs::enqueue_due(&self.app.core).await.unwrap();
        let access = self.app.system(self.h);
        loop {
            while jobs::run_one(&self.app.core, "test").await.unwrap() {}
            let running = jobs::counts(&access).await.unwrap().into_iter().any(|(s, n)| s == Status::Running && n > 0);
            if !running {
                break enqueued;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    pub(crate) fn now(&self) -> Instant {
        use hops_kernel::Clock;
        self.app.clock.now()
    }
}

fn table(headers: &[&str], rows: &[Vec<String>]) -> Table {
    Table { headers: headers.iter().map(|h| h.to_string()).collect(), rows: rows.to_vec() }
}

/// A hospital with two departments and doctors (内科 王医生 D1, 儿科 李医生 D2), patients P1–P4
/// with phones 1390000000n, and an operator, an agent and a nurse.
pub(crate) async fn setup(backend: Backend) -> Desk {
    let app = TestApp::spawn(backend).await;
    let h = app.hospital("fu", &[Role::Operator, Role::Agent, Role::Nurse]).await;
    let access = app.system(h);
    for (code, name) in [("NK", "内科"), ("EK", "儿科")] {
        let d = DepartmentDraft { code: code.into(), name: name.into(), ..Default::default() };
        hops_master::service::create_department(&access, &d).await.unwrap();
    }
    for (code, name, dept) in [("D1", "王医生", "NK"), ("D2", "李医生", "EK")] {
        let d = DoctorDraft {
            code: code.into(),
            name: name.into(),
            department_code: dept.into(),
            title: "主治医师".into(),
            ..Default::default()
        };
        hops_master::service::create_doctor(&access, &d).await.unwrap();
    }
    let patients: Vec<Vec<String>> =
        (1..=4).map(|i| vec![format!("P{i}"), format!("患者{i}"), "女".into(), format!("1390000000{i}")]).collect();
    let t = table(&["external_id", "name", "sex", "phone"], &patients);
    assert!(hops_analytics::activity::service::ingest(&access, "patients", &t, Mode::AllOrNothing).await.unwrap().committed);
    let operator = app.token("fu", "operator").await;
    let agent = app.token("fu", "agent").await;
    let nurse = app.token("fu", "nurse").await;
    Desk { app, h, operator, agent, nurse }
}

/// A consultation completed at `done`, optionally rated with a review.
pub(crate) async fn consultation(d: &Desk, ext: &str, patient: &str, doctor: &str, done: Instant, rating: &str, review: &str) {
    let dept = if doctor == "D1" { "NK" } else { "EK" };
    let created = done.plus_seconds(-1800).format_second();
    let row = vec![
        ext.into(),
        patient.into(),
        dept.into(),
        doctor.into(),
        "text".into(),
        created.clone(),
        created,
        done.format_second(),
        "30.00".into(),
        rating.into(),
        review.into(),
    ];
    let t = table(
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
            "rating",
            "review",
        ],
        &[row],
    );
    let r = hops_analytics::activity::service::ingest(&d.app.system(d.h), "consultations", &t, Mode::AllOrNothing).await.unwrap();
    assert!(r.committed, "{:?}", r.rejected);
}

pub(crate) fn questionnaire() -> Value {
    json!({"name": "问诊满意度", "intro": "耽误您一分钟", "questions": [
        {"kind": "single", "text": "您对医生的服务态度满意吗？", "options": [
            {"label": "非常满意", "score": 5}, {"label": "满意", "score": 4}, {"label": "一般", "score": 3},
            {"label": "不满意", "score": 1}, {"label": "不清楚", "score": null}]},
        {"kind": "rating", "text": "请为医生的专业水平打分"},
        {"kind": "text", "text": "您还有什么建议？", "required": false}
    ]})
}

pub(crate) fn plan(name: &str, audience: &str, questionnaire: Option<i64>) -> Value {
    json!({"name": name, "audience": audience, "delay_days": 3, "script": "您好，这里是互联网医院回访……",
           "questionnaire_id": questionnaire, "max_attempts": 3, "retry_no_answer_hours": 4, "retry_refused_hours": 24})
}

/// A questionnaire and a consultation plan (3 days after, at most 3 calls); their ids.
pub(crate) async fn standard_plan(d: &Desk) -> (i64, i64) {
    let (s, q) = d.op(Method::POST, "/api/v1/desk/followup/questionnaires", Some(questionnaire())).await;
    assert_eq!(s, 201, "{q}");
    let qid = q["id"].as_i64().unwrap();
    let (s, p) = d.op(Method::POST, "/api/v1/desk/followup/plans", Some(plan("问诊后回访", "consultation", Some(qid)))).await;
    assert_eq!(s, 201, "{p}");
    (qid, p["id"].as_i64().unwrap())
}

pub(crate) async fn generate(d: &Desk, plan: i64) -> Value {
    let (s, g) = d.op(Method::POST, &format!("/api/v1/desk/followup/plans/{plan}/generate"), None).await;
    assert_eq!(s, 200, "{g}");
    g
}

pub(crate) async fn tasks(d: &Desk, query: &str) -> Vec<Value> {
    let (s, b) = d.call(&d.agent, Method::GET, &format!("/api/v1/desk/followup/tasks?{query}"), None).await;
    assert_eq!(s, 200, "{b}");
    b["items"].as_array().unwrap().clone()
}

fn fields(b: &Value) -> Vec<String> {
    b["error"]["fields"].as_array().map(|a| a.iter().map(|f| f["field"].as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

async fn plans_refuse_bad_input_and_agents(backend: Backend) {
    let d = setup(backend).await;
    let (qid, _) = standard_plan(&d).await;
    // Every problem at once; nothing saved.
    let bad = json!({"name": " ", "audience": "consultation", "delay_days": 400, "script": "", "questionnaire_id": 999_999,
                     "max_attempts": 0, "retry_no_answer_hours": -1, "retry_refused_hours": 24});
    let (s, b) = d.op(Method::POST, "/api/v1/desk/followup/plans", Some(bad)).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(fields(&b), ["name", "delay_days", "script", "max_attempts", "retry_no_answer_hours", "questionnaire_id"]);
    let (s, b) = d.op(Method::POST, "/api/v1/desk/followup/plans", Some(plan("护理计划回访", "care_plan", None))).await;
    assert_eq!((s, fields(&b)), (422, vec!["audience".to_string()]), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("尚未上线"));
    let (s, b) = d.op(Method::POST, "/api/v1/desk/followup/plans", Some(plan("问诊后回访", "checkup", None))).await;
    assert_eq!((s, fields(&b)), (422, vec!["name".to_string()]), "duplicate name: {b}");
    // Agents work tasks; they do not configure.
    let (s, _) = d.call(&d.agent, Method::POST, "/api/v1/desk/followup/plans", Some(plan("坐席的计划", "checkup", None))).await;
    assert_eq!(s, 403);
    let (s, _) = d.call(&d.agent, Method::PUT, &format!("/api/v1/desk/followup/questionnaires/{qid}"), Some(questionnaire())).await;
    assert_eq!(s, 403);
    let (_, list) = d.call(&d.agent, Method::GET, "/api/v1/desk/followup/plans", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "only the first plan exists: {list}");
    // A questionnaire with bad questions: every problem, nothing changed.
    let bad_q = json!({"name": "", "questions": [{"kind": "multi", "text": "x"}, {"kind": "single", "text": "y", "options": [{"label": "是", "score": 9}]}]});
    let (s, b) = d.op(Method::PUT, &format!("/api/v1/desk/followup/questionnaires/{qid}"), Some(bad_q)).await;
    assert_eq!(s, 422, "{b}");
    let messages: Vec<&str> = b["error"]["fields"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert!(messages.contains(&"第 1 题：题型应为 single、rating 或 text"), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("请填写问卷名称")), "{messages:?}");
    let (_, qs) = d.op(Method::GET, "/api/v1/desk/followup/questionnaires", None).await;
    assert_eq!(qs[0]["name"], "问诊满意度");
    assert_eq!(qs[0]["questions"].as_array().unwrap().len(), 3);
    d.app.stop().await;
}

async fn generation_is_idempotent(backend: Backend) {
    let mut d = setup(backend).await;
    let (_, plan_id) = standard_plan(&d).await;
    let now = d.now();
    let day = 86_400;
    consultation(&d, "C-DUE", "P1", "D1", now.plus_seconds(-4 * day), "5", "").await;
    consultation(&d, "C-EARLY", "P2", "D1", now.plus_seconds(-day), "", "").await;
    consultation(&d, "C-OLD", "P3", "D2", now.plus_seconds(-30 * day), "", "").await;
    let g = generate(&d, plan_id).await;
    assert_eq!(g, json!({"created": 1, "existing": 0, "opted_out": 0}));
    let t = tasks(&d, "status=pending").await;
    assert_eq!(t.len(), 1);
    assert_eq!(
        (t[0]["source_ref"].as_str(), t[0]["doctor_name"].as_str(), t[0]["department_name"].as_str()),
        (Some("C-DUE"), Some("王医生"), Some("内科"))
    );
    // Again: nothing new. Three days later the early one is due too: the morning's job made
    // its task, and generating by hand finds both.
    assert_eq!(generate(&d, plan_id).await, json!({"created": 0, "existing": 1, "opted_out": 0}));
    d.advance(3 * day).await;
    assert_eq!(tasks(&d, "status=pending").await.len(), 2);
    assert_eq!(generate(&d, plan_id).await, json!({"created": 0, "existing": 2, "opted_out": 0}));

    // Key patients: marked (unknown numbers refused), then called every 30 days.
    let (s, b) = d.op(Method::POST, "/api/v1/desk/followup/key-patients", Some(json!({"external_id": "NOPE", "reason": "慢病"}))).await;
    assert_eq!((s, fields(&b)), (422, vec!["external_id".to_string()]), "{b}");
    let (s, b) = d.op(Method::POST, "/api/v1/desk/followup/key-patients", Some(json!({"external_id": "P4", "reason": "糖尿病随访"}))).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["phone"], "139****0004");
    let mut key = plan("重点患者月度回访", "key_patient", None);
    key["delay_days"] = json!(0);
    key["repeat_days"] = json!(30);
    let (s, p) = d.op(Method::POST, "/api/v1/desk/followup/plans", Some(key)).await;
    assert_eq!(s, 201, "{p}");
    let key_plan = p["id"].as_i64().unwrap();
    assert_eq!(generate(&d, key_plan).await["created"], 1);
    assert_eq!(generate(&d, key_plan).await["created"], 0);
    let before = tasks(&d, &format!("plan={key_plan}")).await.len();
    d.advance(30 * day).await;
    assert_eq!(tasks(&d, &format!("plan={key_plan}")).await.len(), before + 1, "the next cycle, made by the morning's job");
    assert_eq!(generate(&d, key_plan).await, json!({"created": 0, "existing": 1, "opted_out": 0}));

    // Completed checkups (through the checkup services): booked, paid, checked in, completed.
    let access = d.app.system(d.h);
    let booking = completed_checkup(&access).await;
    let mut checkup = plan("体检后回访", "checkup", None);
    checkup["delay_days"] = json!(0);
    let (s, p) = d.op(Method::POST, "/api/v1/desk/followup/plans", Some(checkup)).await;
    assert_eq!(s, 201, "{p}");
    let checkup_plan = p["id"].as_i64().unwrap();
    assert_eq!(generate(&d, checkup_plan).await["created"], 1);
    let t = tasks(&d, &format!("plan={checkup_plan}")).await;
    assert_eq!(
        (t[0]["source"].as_str(), t[0]["patient_name"].as_str(), t[0]["phone"].as_str()),
        (Some("checkup"), Some("体检人"), Some("138****0099"))
    );
    assert_eq!(t[0]["source_ref"], booking);
    assert_eq!(generate(&d, checkup_plan).await["created"], 0);
    d.app.stop().await;
}

/// The daily follow-up jobs (any status): their keys (the due time) and statuses.
async fn daily_jobs(d: &Desk) -> Vec<(String, hops_platform::jobs::Status)> {
    let access = d.app.system(d.h);
    let (rows, _) = hops_platform::jobs::list(&access, None, 0, 100).await.unwrap();
    let mut v: Vec<_> = rows
        .into_iter()
        .filter(|j| j.kind == hops_desk::followup::service::DAILY_JOB)
        .map(|j| (j.idem_key.unwrap_or_default(), j.status))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

async fn daily_job_generates_the_mornings_calls(backend: Backend) {
    use hops_platform::jobs::Status::Done;
    let mut d = setup(backend).await;
    let (_, plan_id) = standard_plan(&d).await;
    // The latest 07:00 has passed: the scheduler enqueues it once (a missed morning runs once
    // when the server is back), however often it looks.
    let last = hops_desk::followup::service::DAILY_AT.latest(d.now(), |_| true).unwrap();
    assert_eq!(last.to_shanghai().hour(), 7);
    assert_eq!(d.run_due().await, 1);
    assert_eq!(d.run_due().await, 0, "the same morning is not enqueued twice");
    assert_eq!(daily_jobs(&d).await, vec![(last.format_minute(), Done)]);
    let (s, b) = d.op(Method::PUT, &format!("/api/v1/desk/followup/plans/{plan_id}"), Some(plan("问诊后回访", "consultation", None))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(daily_jobs(&d).await.len(), 1, "saving a plan queues nothing");

    // A consultation whose call is due; the next morning comes and the job makes its task.
    consultation(&d, "C-DUE", "P1", "D1", d.now().plus_seconds(-4 * 86_400), "5", "").await;
    assert_eq!(d.run_due().await, 0);
    assert!(tasks(&d, "status=pending").await.is_empty(), "nothing before the next morning's run");
    let next = last.plus_seconds(86_400);
    d.advance(next.seconds_since(d.now()) + 60).await;
    let t = tasks(&d, "status=pending").await;
    assert_eq!(t.len(), 1);
    assert_eq!(t[0]["source_ref"], "C-DUE");
    assert_eq!(daily_jobs(&d).await, vec![(last.format_minute(), Done), (next.format_minute(), Done)]);
    d.app.stop().await;
}

/// A checkup booking for today, paid on site, checked in and completed; its order number.
async fn completed_checkup(access: &hops_platform::Access) -> String {
    let (id, number, id_number) = paid_checkup(access).await;
    hops_checkup::booking::desk::check_in(access, id, id_number.as_str(), "体检人").await.unwrap();
    hops_checkup::booking::desk::complete(access, id).await.unwrap();
    number
}

/// A checkup booking for today (a package of one item, five places), paid on site: its id, its
/// order number and its person's ID-card number.
pub(crate) async fn paid_checkup(access: &hops_platform::Access) -> (i64, String, hops_kernel::IdCardNumber) {
    use hops_checkup::catalogue::model::{Applicability, Item, Package};
    use hops_kernel::Money;
    let item = Item {
        code: "BLOOD".into(),
        name: "血常规".into(),
        category: "检验".into(),
        body_part: "血液".into(),
        meaning: String::new(),
        target_group: String::new(),
        price: Money(3000),
        applicability: Applicability::anyone(),
        preparation: String::new(),
        resource: None,
        active: true,
    };
    hops_checkup::catalogue::service::save_item(access, &item).await.unwrap();
    let package = Package {
        code: "BASIC".into(),
        name: "基础套餐".into(),
        target_group: String::new(),
        description: String::new(),
        price: Money(3000),
        applicability: Applicability::anyone(),
        items: vec!["BLOOD".into()],
        special_pool: false,
        active: true,
    };
    hops_checkup::catalogue::service::save_package(access, &package).await.unwrap();
    let day = access.now().local_day();
    let setting = hops_checkup::capacity::model::DaySetting { individual: 5, ..Default::default() };
    hops_checkup::capacity::service::set_day(access, day, &setting).await.unwrap();
    let id_number = hops_kernel::IdCardNumber::generate(110105, hops_kernel::LocalDay::parse("1980-05-01").unwrap(), 7);
    let request = hops_checkup::booking::service::BookingRequest {
        package: "BASIC".into(),
        date: day.to_string(),
        name: "体检人".into(),
        id_number: id_number.as_str().into(),
        phone: "13800000099".into(),
        ..Default::default()
    };
    let booked = hops_checkup::booking::service::book(access, &request).await.unwrap().unwrap_or_else(|_| panic!("booking refused"));
    hops_checkup::payment::service::record_offline(access, booked.booking.id, hops_checkup::payment::model::Method::Onsite, "")
        .await
        .unwrap();
    (booked.booking.id, booked.booking.number, id_number)
}

async fn call_task(d: &Desk, id: i64, body: Value) -> (u16, Value) {
    d.call(&d.agent, Method::POST, &format!("/api/v1/desk/followup/tasks/{id}/calls"), Some(body)).await
}

async fn task(d: &Desk, id: i64) -> Value {
    let (s, b) = d.call(&d.agent, Method::GET, &format!("/api/v1/desk/followup/tasks/{id}"), None).await;
    assert_eq!(s, 200, "{b}");
    b
}

async fn calls_follow_the_retry_rule(backend: Backend) {
    let mut d = setup(backend).await;
    let (_, plan_id) = standard_plan(&d).await;
    let day = 86_400;
    consultation(&d, "C1", "P1", "D1", d.now().plus_seconds(-4 * day), "", "").await;
    consultation(&d, "C2", "P2", "D2", d.now().plus_seconds(-4 * day), "", "").await;
    generate(&d, plan_id).await;
    let all = tasks(&d, "").await;
    let id_of = |ext: &str| all.iter().find(|t| t["source_ref"] == ext).unwrap()["id"].as_i64().unwrap();
    let (t1, t2) = (id_of("C1"), id_of("C2"));

    // 无人接听 three times: retried 4 hours later, then given up after the third call.
    for n in 1..=3 {
        let now = d.now();
        let (s, b) = call_task(&d, t1, json!({"outcome": "no_answer"})).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["attempts"], n);
        if n < 3 {
            assert_eq!(
                (b["status"].as_str(), b["due_at"].as_str()),
                (Some("pending"), Some(now.plus_seconds(4 * 3600).format_second().as_str()))
            );
        } else {
            assert_eq!(b["status"], "failed");
        }
        d.advance(4 * 3600).await;
    }
    let (s, b) = call_task(&d, t1, json!({"outcome": "reached"})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("invalid_status")), "{b}");

    // 拒接: 24 hours later. Then bad answers change nothing; good ones complete the task.
    let now = d.now();
    let (_, b) = call_task(&d, t2, json!({"outcome": "refused", "note": "在开车"})).await;
    assert_eq!(b["due_at"], now.plus_seconds(24 * 3600).format_second());
    let before = task(&d, t2).await;
    let (s, b) = call_task(&d, t2, json!({"outcome": "reached", "answers": ["很好", "6"]})).await;
    assert_eq!((s, fields(&b)), (422, vec!["q1".to_string(), "q2".to_string()]), "{b}");
    let (s, b) = call_task(&d, t2, json!({"outcome": "bogus", "note": "x".repeat(501), "answers": ["满意"]})).await;
    assert_eq!((s, fields(&b)), (422, vec!["outcome".to_string(), "note".to_string()]), "{b}");
    let (s, b) = call_task(&d, t2, json!({"outcome": "no_answer", "answers": ["满意", "4"]})).await;
    assert_eq!((s, fields(&b)), (422, vec!["answers".to_string()]), "{b}");
    assert_eq!(task(&d, t2).await, before, "refused calls change nothing");
    let (s, b) = call_task(&d, t2, json!({"outcome": "reached", "answers": ["满意", "5", "希望回复快一点"]})).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("completed")), "{b}");
    let detail = task(&d, t2).await;
    let answers: Vec<(String, Value)> =
        detail["answers"].as_array().unwrap().iter().map(|a| (a["answer"].as_str().unwrap().to_string(), a["score"].clone())).collect();
    assert_eq!(answers, [("满意".into(), json!(4)), ("5".into(), json!(5)), ("希望回复快一点".into(), Value::Null)]);
    let outcomes: Vec<&str> = detail["attempts"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["refused", "reached"]);

    // 要求不再回访: the task fails and the patient gets no task from any later consultation.
    consultation(&d, "C3", "P3", "D1", d.now().plus_seconds(-4 * day), "", "").await;
    generate(&d, plan_id).await;
    let t3 = tasks(&d, "q=C3").await[0]["id"].as_i64().unwrap();
    let (_, b) = call_task(&d, t3, json!({"outcome": "opt_out", "note": "不要再打了"})).await;
    assert_eq!(b["status"], "failed");
    consultation(&d, "C4", "P3", "D2", d.now().plus_seconds(-4 * day), "", "").await;
    // Both of P3's consultations are skipped (C3 had its task before the opt-out).
    assert_eq!(generate(&d, plan_id).await, json!({"created": 0, "existing": 2, "opted_out": 2}));
    // Due tasks first: the queue's pending filter and search.
    assert!(tasks(&d, "status=pending").await.is_empty());
    assert_eq!(tasks(&d, "status=failed").await.len(), 2);
    assert_eq!(tasks(&d, "q=患者2").await.len(), 1);
    d.app.stop().await;
}

async fn masking_and_audited_unmasking(backend: Backend) {
    let d = setup(backend).await;
    let (_, plan_id) = standard_plan(&d).await;
    consultation(&d, "C1", "P1", "D1", d.now().plus_seconds(-4 * 86_400), "", "").await;
    generate(&d, plan_id).await;
    let t = tasks(&d, "").await;
    let id = t[0]["id"].as_i64().unwrap();
    assert_eq!(t[0]["phone"], "139****0001");
    let (_, list) = d.call(&d.agent, Method::GET, "/api/v1/desk/followup/tasks", None).await;
    assert!(!list.to_string().contains("13900000001"), "lists never show the number");
    // The nurse works tasks but may not unmask; the agent may, and it is audited.
    let (s, _) = d.call(&d.nurse, Method::POST, &format!("/api/v1/desk/followup/tasks/{id}/reveal"), None).await;
    assert_eq!(s, 403);
    let (s, b) = d.call(&d.agent, Method::POST, &format!("/api/v1/desk/followup/tasks/{id}/reveal"), None).await;
    assert_eq!((s, b["phone"].as_str()), (200, Some("13900000001")), "{b}");
    let (entries, _) = hops_platform::audit::list(&d.app.system(d.h).tenant(), "desk.followup.reveal", 0, 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].actor_name.as_str(), entries[0].target.clone()), (Role::Agent.label_zh(), format!("desk_followup_task:{id}")));
    assert!(!entries[0].detail.contains("1390000"), "no number in the audit detail");
    // The console: masked until the agent asks, then in clear.
    let (web, csrf) = d.app.web_login("fu", "agent").await;
    let page = web.get(format!("{}/desk/followup/tasks/{id}", d.app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("139****0001") && !page.contains("13900000001"));
    let r = web.post(format!("{}/desk/followup/tasks/{id}/reveal", d.app.url)).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("13900000001"));
    d.app.stop().await;
}

async fn results_by_doctor_and_export(backend: Backend) {
    let d = setup(backend).await;
    let (_, plan_id) = standard_plan(&d).await;
    let ago = d.now().plus_seconds(-4 * 86_400);
    // 王医生 (D1): calls scoring (5+5)/2 = 5.0, (3+4)/2 = 3.5 and (1+2)/2 = 1.5; 不清楚 + 4 = 4.0.
    // 李医生 (D2): (4+4)/2 = 4.0.
    let calls = [
        ("C1", "P1", "D1", ["非常满意", "5"]),
        ("C2", "P2", "D1", ["一般", "4"]),
        ("C3", "P3", "D1", ["不满意", "2"]),
        ("C4", "P4", "D1", ["不清楚", "4"]),
        ("C5", "P1", "D2", ["满意", "4"]),
    ];
    for (ext, p, doc, _) in &calls {
        consultation(&d, ext, p, doc, ago, "", "").await;
    }
    generate(&d, plan_id).await;
    let all = tasks(&d, "").await;
    for (ext, _, _, answers) in &calls {
        let id = all.iter().find(|t| t["source_ref"] == *ext).unwrap()["id"].as_i64().unwrap();
        let (s, b) = call_task(&d, id, json!({"outcome": "reached", "answers": answers})).await;
        assert_eq!(s, 200, "{b}");
    }
    let today = d.now().local_day();
    let (s, r) = d.call(&d.agent, Method::GET, &format!("/api/v1/desk/followup/results?from={today}&to={today}"), None).await;
    assert_eq!(s, 200, "{r}");
    // By hand: 王医生 mean of 5.0, 3.5, 1.5, 4.0 = 3.50; satisfied (≥ 4) 2 of 4 = 50.0%.
    assert_eq!(
        r["by_doctor"][0],
        json!({"name": "王医生", "calls": 4, "scored_calls": 4, "average": "3.50", "satisfied": 2, "satisfaction_rate": "50.0"})
    );
    assert_eq!(
        r["by_doctor"][1],
        json!({"name": "李医生", "calls": 1, "scored_calls": 1, "average": "4.00", "satisfied": 1, "satisfaction_rate": "100.0"})
    );
    assert_eq!(r["by_department"][0]["name"], "内科");
    // Overall: (5 + 3.5 + 1.5 + 4 + 4) / 5 = 3.60, 3 of 5 satisfied.
    assert_eq!((r["overall"]["average"].as_str(), r["overall"]["satisfaction_rate"].as_str()), (Some("3.60"), Some("60.0")));
    let (s, b) = d.call(&d.agent, Method::GET, &format!("/api/v1/desk/followup/results?from={today}&to=2020-01-01"), None).await;
    assert_eq!((s, fields(&b)), (422, vec!["to".to_string()]));

    // The export (operator: may export), read back.
    let (web, _) = d.app.web_login("fu", "operator").await;
    let r = web.get(format!("{}/desk/followup/results.xlsx?from={today}&to={today}", d.app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let book = hops_platform::tabular::parse_workbook(&bytes, "x.xlsx").unwrap();
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["按医生", "按科室", "按题目", "回访明细"]);
    assert_eq!(book[0].1.rows[0], ["王医生", "4", "4", "3.50", "2", "50.0%"]);
    assert_eq!(book[3].1.rows.len(), 5);
    assert!(!String::from_utf8_lossy(&bytes).contains("1390000000"));
    // The agent has no export permission.
    let (agent_web, _) = d.app.web_login("fu", "agent").await;
    let r = agent_web.get(format!("{}/desk/followup/results.xlsx?from={today}&to={today}", d.app.url)).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let page = agent_web.get(format!("{}/desk/followup/results", d.app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<svg") && page.contains("王医生：50 %"), "chart with tooltips");
    d.app.stop().await;
}

async fn console_pages(backend: Backend) {
    let d = setup(backend).await;
    let (web, csrf) = d.app.web_login("fu", "operator").await;
    let url = |p: &str| format!("{}{p}", d.app.url);
    for p in
        ["/desk/followup", "/desk/followup/plans", "/desk/followup/questionnaires", "/desk/followup/key-patients", "/desk/followup/results"]
    {
        let r = web.get(url(p)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{p}");
        let html = r.text().await.unwrap();
        assert!(html.contains("class=\"empty\""), "{p} has its empty state");
    }
    // A refused plan form keeps the input and names every field.
    let form = [
        ("_csrf", csrf.as_str()),
        ("name", ""),
        ("audience", "consultation"),
        ("delay_days", "x"),
        ("script", ""),
        ("max_attempts", "3"),
        ("retry_no_answer_hours", "4"),
        ("retry_refused_hours", "24"),
        ("active", "1"),
    ];
    let r = web.post(url("/desk/followup/plans/form")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("请修正下列 3 处问题") && html.contains("请填写回访话术"), "{html}");
    // The questionnaire form: a bad line is named by its number.
    let form = [("_csrf", csrf.as_str()), ("name", "问卷"), ("questions", "评分|打分\n多选|x|a；b"), ("active", "1")];
    let r = web.post(url("/desk/followup/questionnaires/form")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("第 2 行：题型应为 单选、评分 或 文本"));
    let form = [("_csrf", csrf.as_str()), ("name", "问卷"), ("questions", "评分|打分\n单选|满意吗|满意=5；不满意=1"), ("active", "1")];
    let r = web.post(url("/desk/followup/questionnaires/form")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    // A key-patient list with one unknown number marks nobody.
    let csv = "患者编号,标记原因\nP1,高血压\nNOPE,糖尿病\n";
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("keys.csv");
    let r = web
        .post(url(&format!("/desk/followup/key-patients/import?_csrf={csrf}")))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("没有患者编号为「NOPE」的患者"));
    let (_, keys) = d.op(Method::GET, "/api/v1/desk/followup/key-patients", None).await;
    assert_eq!(keys["total"], 0, "all or nothing");
    let csv = "患者编号,标记原因\nP1,高血压\nP2,糖尿病\n";
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("keys.csv");
    let r = web
        .post(url(&format!("/desk/followup/key-patients/import?_csrf={csrf}")))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, keys) = d.op(Method::GET, "/api/v1/desk/followup/key-patients", None).await;
    assert_eq!(keys["total"], 2);
    // A call recorded through the task page; a refused one keeps the answers typed.
    let (_, plan_id) = standard_plan(&d).await;
    consultation(&d, "C1", "P1", "D1", d.now().plus_seconds(-4 * 86_400), "", "").await;
    generate(&d, plan_id).await;
    let id = tasks(&d, "").await[0]["id"].as_i64().unwrap();
    let (agent, agent_csrf) = d.app.web_login("fu", "agent").await;
    let page = agent.get(url(&format!("/desk/followup/tasks/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("您对医生的服务态度满意吗？") && page.contains("您好，这里是互联网医院回访"));
    let r = agent
        .post(url(&format!("/desk/followup/tasks/{id}/calls")))
        .form(&[("_csrf", agent_csrf.as_str()), ("outcome", "reached"), ("q1", "满意")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("第 2 题为必答题") && html.contains("value=\"满意\" checked"), "{html}");
    let r = agent
        .post(url(&format!("/desk/followup/tasks/{id}/calls")))
        .form(&[("_csrf", agent_csrf.as_str()), ("outcome", "reached"), ("q1", "满意"), ("q2", "4")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(task(&d, id).await["task"]["status"], "completed");
    // Agents see no plan form.
    assert_eq!(agent.get(url("/desk/followup/plans/form")).send().await.unwrap().status(), 403);
    d.app.stop().await;
}

both_backends!(demo_has_followup_and_complaints);

/// The demo hospital shows plans, called tasks with answers, and complaints over months.
async fn demo_has_followup_and_complaints(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    hops_demo::ensure_demo_with_patients(&app.core, 300).await.unwrap();
    let h = hops_platform::accounts::service::hospital_by_code(&app.core, hops_demo::HOSPITAL_CODE).await.unwrap().unwrap();
    let access = app.system(h.id);
    let plans = hops_desk::followup::service::plans(&access).await.unwrap();
    assert_eq!(plans.len(), 3);
    let called = plans.iter().map(|p| p.completed + p.failed).sum::<i64>();
    assert!(called > 0 && plans.iter().map(|p| p.pending).sum::<i64>() > 0, "some tasks called, some left");
    let today = access.now().local_day();
    let r = hops_desk::followup::calls::results(&access, today, today).await.unwrap();
    assert!(r.overall.calls > 0 && !r.by_doctor.is_empty(), "answers: {} calls, {} doctors", r.overall.calls, r.by_doctor.len());
    let (from, to) = hops_desk::complaint::service::last_twelve_months(today);
    let t = hops_desk::complaint::service::trend(&access, from, to).await.unwrap();
    assert!(t.totals.iter().filter(|v| **v > 0).count() >= 6, "complaints over several months: {:?}", t.totals);
    let f = hops_desk::complaint::service::Filter { status: Some(hops_desk::complaint::model::Status::Closed), ..Default::default() };
    assert!(hops_desk::complaint::service::list(&access, &f, hops_platform::web::Paging::new(None, 10)).await.unwrap().1 > 0);
    app.stop().await;
}
