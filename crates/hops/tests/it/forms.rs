//! The forms engine over HTTP on both backends: bad definitions named at their fields with
//! nothing changed, the version rule (an answered version never changes), a desk satisfaction
//! survey's answers stored as a response of its form, permissions and data scope, tenant
//! isolation, the console pages, the XLSX export read back; the data migration of both earlier
//! questionnaire models; and the editor and the H5 renderer in headless Chromium.

use std::borrow::Cow;

use hops_platform::Role;
use hops_testkit::{Backend, Browser, PASSWORD, TestApp, TestDb, both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::Row;
use thirtyfour::prelude::*;

use super::desk_followup::{Desk, consultation, generate, setup, standard_plan, tasks};

both_backends!(definitions_versions_and_answers);
both_backends!(permissions_tenants_pages_and_export);
both_backends!(existing_questionnaires_migrate);

fn fields(b: &Value) -> Vec<(String, String)> {
    b["error"]["fields"]
        .as_array()
        .map(|a| a.iter().map(|f| (f["field"].as_str().unwrap().to_string(), f["message"].as_str().unwrap().to_string())).collect())
        .unwrap_or_default()
}

fn survey() -> Value {
    json!({"name": "吸烟与健康", "intro": "两分钟", "scoring": "sum", "bands": [{"from": 0, "label": "低"}, {"from": 5, "label": "高"}],
    "sections": [{"title": "吸烟"}, {"title": "体征", "condition": ""}],
    "questions": [
        {"code": "smoking", "kind": "single", "text": "您是否吸烟？", "required": true,
         "options": [{"label": "不吸烟", "score": 0}, {"label": "吸烟", "score": 3}]},
        {"code": "cigarettes", "kind": "number", "text": "每天吸烟多少支？", "min": 1, "max": 100, "unit": "支",
         "required": true, "condition": "smoking = 吸烟"},
        {"code": "health", "kind": "scale", "text": "健康自评", "min": 1, "max": 5, "section": 1},
        {"code": "checked", "kind": "date", "text": "上次体检", "latest": "today", "section": 1}
    ]})
}

/// The number of forms of the hospital (by the operator's list).
async fn count(d: &Desk) -> usize {
    let (s, b) = d.op(Method::GET, "/api/v1/forms", None).await;
    assert_eq!(s, 200, "{b}");
    b.as_array().unwrap().len()
}

/// A desk questionnaire with one answered call (满意 = 4, then 5): the form's id and the task's.
async fn answered_call(d: &Desk) -> (i64, i64) {
    let (qid, plan) = standard_plan(d).await;
    consultation(d, "C1", "P1", "D1", d.now().plus_seconds(-4 * 86_400), "", "").await;
    generate(d, plan).await;
    let task = tasks(d, "").await[0]["id"].as_i64().unwrap();
    let body = json!({"outcome": "reached", "answers": ["满意", "5", "回复再快些"]});
    let (s, b) = d.call(&d.agent, Method::POST, &format!("/api/v1/desk/followup/tasks/{task}/calls"), Some(body)).await;
    assert_eq!(s, 200, "{b}");
    (qid, task)
}

async fn definitions_versions_and_answers(backend: Backend) {
    let d = setup(backend).await;
    // A body of the wrong shape: every field named, nothing created.
    let mut bad = survey();
    bad["name"] = json!(" ");
    bad["questions"][3]["kind"] = json!("bogus");
    let (s, b) = d.op(Method::POST, "/api/v1/forms", Some(bad)).await;
    assert_eq!(s, 422, "{b}");
    let f: Vec<String> = fields(&b).into_iter().map(|(f, _)| f).collect();
    assert_eq!(f, ["questions[3].kind", "name"]);
    // A definition that breaks the engine's rules: each problem at its question.
    let mut bad = survey();
    bad["questions"][0]["options"] = json!([{"label": "吸烟"}]);
    bad["questions"][1]["min"] = json!(200);
    bad["questions"][2]["condition"] = json!("ghost 已填");
    let (s, b) = d.op(Method::POST, "/api/v1/forms", Some(bad)).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(
        fields(&b),
        [
            ("questions[0].options".to_string(), "单选题「您是否吸烟？」至少要有两个选项".to_string()),
            ("questions[1].range".to_string(), "数值题「每天吸烟多少支？」的下限 200 大于上限 100".to_string()),
            ("questions[2].condition".to_string(), "条件中的问题 ghost 不存在或不在此题之前".to_string()),
        ]
    );
    assert_eq!(count(&d).await, 0, "nothing created");

    // Created; read back as sent.
    let (s, b) = d.op(Method::POST, "/api/v1/forms", Some(survey())).await;
    assert_eq!(s, 201, "{b}");
    let id = b["form"]["id"].as_i64().unwrap();
    assert_eq!((b["version"].as_i64(), b["form"]["owner"].as_str(), b["scoring"].as_str()), (Some(1), Some("forms"), Some("sum")));
    assert_eq!(b["questions"][1]["condition"], "smoking = 吸烟");
    assert_eq!((b["questions"][1]["min"].as_f64(), b["questions"][3]["latest"].as_str()), (Some(1.0), Some("today")));
    assert_eq!(b["sections"][1]["title"], "体征");
    // Unchanged: the version stays; changed without answers: replaced in place.
    let (_, b) = d.op(Method::PUT, &format!("/api/v1/forms/{id}"), Some(survey())).await;
    assert_eq!(b["version"], 1);
    let mut changed = survey();
    changed["questions"][2]["text"] = json!("您如何评价自己的健康？");
    let (s, b) = d.op(Method::PUT, &format!("/api/v1/forms/{id}"), Some(changed)).await;
    assert_eq!((s, b["version"].as_i64(), b["versions"].as_array().unwrap().len()), (200, Some(1), 1), "{b}");
    assert_eq!(d.op(Method::GET, "/api/v1/forms/999999999", None).await.0, 404);

    // A desk satisfaction survey is a form of the engine, owned by the desk; its call's answers
    // are a response of version 1, about the task's patient.
    let (qid, task) = answered_call(&d).await;
    let (_, list) = d.op(Method::GET, "/api/v1/forms", None).await;
    let desk = list.as_array().unwrap().iter().find(|f| f["id"] == qid).unwrap().clone();
    assert_eq!((desk["owner"].as_str(), desk["responses"].as_i64()), (Some("desk"), Some(1)));
    let (s, b) = d.op(Method::PUT, &format!("/api/v1/forms/{qid}"), Some(survey())).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("owned_by_module")), "edited in the desk only: {b}");
    let (s, r) = d.op(Method::GET, &format!("/api/v1/forms/{qid}/responses"), None).await;
    assert_eq!(s, 200, "{r}");
    let item = &r["items"][0];
    assert_eq!((r["total"].as_i64(), item["version"].as_i64(), item["score"].as_str()), (Some(1), Some(1), Some("4.50")));
    assert!(item["subject"].as_str().unwrap().starts_with("person:"), "{item}");
    assert_eq!(item["context"], format!("desk_followup_task:{task}"));
    assert_eq!(item["answers"][0], json!({"code": "q1", "values": ["满意"], "score": 4}));
    assert_eq!(item["answers"][2], json!({"code": "q3", "values": ["回复再快些"], "score": null}));

    // Editing the answered questionnaire in the desk publishes version 2; the answers keep 1.
    let mut q = super::desk_followup::questionnaire();
    q["questions"][0]["text"] = json!("您对医生的态度满意吗？");
    let (s, b) = d.op(Method::PUT, &format!("/api/v1/desk/followup/questionnaires/{qid}"), Some(q)).await;
    assert_eq!(s, 200, "{b}");
    let (_, f) = d.op(Method::GET, &format!("/api/v1/forms/{qid}"), None).await;
    let versions: Vec<(i64, i64)> =
        f["versions"].as_array().unwrap().iter().map(|v| (v["version"].as_i64().unwrap(), v["responses"].as_i64().unwrap())).collect();
    assert_eq!((f["version"].as_i64(), versions), (Some(2), vec![(2, 0), (1, 1)]));
    assert_eq!(f["questions"][0]["text"], "您对医生的态度满意吗？");
    let (_, old) = d.op(Method::GET, &format!("/api/v1/forms/{qid}?version=1"), None).await;
    assert_eq!(old["questions"][0]["text"], "您对医生的服务态度满意吗？");
    let (_, detail) = d.call(&d.agent, Method::GET, &format!("/api/v1/desk/followup/tasks/{task}"), None).await;
    assert_eq!(detail["answers"][0]["question"], "您对医生的服务态度满意吗？", "the answer shows the question as asked");
    assert_eq!(detail["questions"][0]["text"], "您对医生的态度满意吗？", "the next call asks the new version");
    d.app.stop().await;
}

async fn permissions_tenants_pages_and_export(backend: Backend) {
    let d = setup(backend).await;
    let (s, b) = d.op(Method::POST, "/api/v1/forms", Some(survey())).await;
    assert_eq!(s, 201, "{b}");
    let id = b["form"]["id"].as_i64().unwrap();
    let (qid, _) = answered_call(&d).await;
    // Agents and nurses neither design forms nor read their answers.
    for token in [&d.agent, &d.nurse] {
        assert_eq!(d.call(token, Method::GET, "/api/v1/forms", None).await.0, 403);
        assert_eq!(d.call(token, Method::PUT, &format!("/api/v1/forms/{id}"), Some(survey())).await.0, 403);
        assert_eq!(d.call(token, Method::GET, &format!("/api/v1/forms/{qid}/responses"), None).await.0, 403);
    }
    // Another hospital's operator sees none of it.
    d.app.hospital("other", &[Role::Operator]).await;
    let other = d.app.token("other", "operator").await;
    let (_, list) = d.call(&other, Method::GET, "/api/v1/forms", None).await;
    assert_eq!(list, json!([]));
    for (m, path) in [(Method::GET, format!("/api/v1/forms/{id}")), (Method::GET, format!("/api/v1/forms/{qid}/responses"))] {
        assert_eq!(d.call(&other, m, &path, None).await.0, 404, "{path}");
    }
    let (s, _) = d.call(&other, Method::PUT, &format!("/api/v1/forms/{id}"), Some(survey())).await;
    assert_eq!(s, 404);
    let (_, b) = d.op(Method::GET, &format!("/api/v1/forms/{id}"), None).await;
    assert_eq!(b["form"]["name"], "吸烟与健康", "unchanged by the other hospital");

    // The console: list, editor, a refused text naming its line (nothing created), trying out.
    let (web, csrf) = d.app.web_login("fu", "operator").await;
    let url = |p: &str| format!("{}{p}", d.app.url);
    for p in ["/forms".to_string(), "/forms/new".into(), format!("/forms/{id}"), format!("/forms/{qid}"), format!("/forms/{qid}/responses")]
    {
        let r = web.get(url(&p)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{p}");
        let html = r.text().await.unwrap();
        assert!(!html.contains("1390000000") && !html.contains("患者1"), "{p} shows no patient's name or number");
    }
    let form =
        [("_csrf", csrf.as_str()), ("name", "新问卷"), ("scoring", "none"), ("definition", "评分|a|打分\n问答|b|x"), ("active", "1")];
    let r = web.post(url("/forms/new")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("第 2 行：题型应为 单选、多选、评分、数值、文本 或 日期"));
    assert_eq!(count(&d).await, 2, "nothing created");
    let r = web.get(url(&format!("/forms/{id}/try?tried=1&a.smoking=%E5%90%B8%E7%83%9F&a.cigarettes=500"))).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("「每天吸烟多少支？」应在 1–100 支 之间"));
    let r = web.get(url(&format!("/forms/{id}/try?tried=1&a.smoking=%E5%90%B8%E7%83%9F&a.cigarettes=20&a.health=4"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("总分：7（高）"), "3 + 4, banded");
    let (_, list) = d.op(Method::GET, &format!("/api/v1/forms/{id}/responses"), None).await;
    assert_eq!(list["total"], 0, "trying out stores nothing");
    // The console does not edit a module's form.
    let form = [("_csrf", csrf.as_str()), ("name", "改名"), ("scoring", "mean"), ("definition", "评分|q1|打分"), ("active", "1")];
    assert_eq!(web.post(url(&format!("/forms/{qid}"))).form(&form).send().await.unwrap().status(), 409);

    // The export, read back: one row per response, one column per question, the score; whom
    // it is about as a reference only.
    let r = web.get(url(&format!("/forms/{qid}/responses.xlsx"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let book = hops_platform::tabular::parse_workbook(&bytes, "x.xlsx").unwrap();
    let (name, t) = &book[0];
    assert_eq!(name, "回答");
    assert_eq!(
        t.headers,
        [
            "编号",
            "提交时间",
            "对象",
            "来源",
            "版本",
            "记录人",
            "您对医生的服务态度满意吗？（q1）",
            "请为医生的专业水平打分（q2）",
            "您还有什么建议？（q3）",
            "得分",
            "结果分级"
        ]
    );
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0][6..10], ["满意", "5", "回复再快些", "4.5"]);
    assert!(t.rows[0][2].starts_with("人员 #") && t.rows[0][4] == "第 1 版", "{:?}", t.rows[0]);
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("1390000000") && !text.contains("患者1"), "no name or number");
    let (agent_web, _) = d.app.web_login("fu", "agent").await;
    assert_eq!(agent_web.get(url(&format!("/forms/{qid}/responses.xlsx"))).send().await.unwrap().status(), 403);
    let mut c = hops_platform::db::connect_one(d.app.database_url()).await.unwrap();
    let audited: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND target LIKE 'form:%'")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get(0);
    let saved: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action IN ('forms.save', 'forms.response')")
        .fetch_one(&mut c)
        .await
        .unwrap()
        .get(0);
    assert_eq!((audited, saved), (1, 3), "the export, two saves and a response are audited");
    d.app.stop().await;
}

/// Migrates a database to 0029, writes a desk questionnaire with an answered call and a
/// checkup questionnaire with a rule as the earlier models kept them, then migrates on: both
/// are forms now, the answers a response of version 1, the rule intact — read back through the
/// services.
async fn existing_questionnaires_migrate(backend: Backend) {
    let db = TestDb::create(&backend).await;
    let engine = if db.url.starts_with("sqlite") { "sqlite" } else { "postgres" };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(engine);
    let mut before = sqlx::migrate::Migrator::new(dir).await.unwrap();
    before.migrations = Cow::Owned(before.migrations.iter().filter(|m| m.version < 30).cloned().collect());
    let mut c = hops_platform::db::connect_one(&db.url).await.unwrap();
    before.run(&mut c).await.unwrap();
    for sql in [
        "INSERT INTO hospitals (id, code, name, grade, is_platform, created_at) VALUES (7, 'mg', '迁移医院', '三甲', 0, 0)",
        "INSERT INTO desk_followup_questionnaires (hospital_id, id, name, intro, active, updated_at) VALUES (7, 100, '旧问卷', '开场', 1, 5)",
        "INSERT INTO desk_followup_questions (hospital_id, questionnaire_id, position, kind, text, options, required) VALUES \
         (7, 100, 1, 'single', '满意吗？', '满意=5|不满意=1|不清楚', 1), (7, 100, 2, 'rating', '打分', '', 1), (7, 100, 3, 'text', '建议', '', 0)",
        "INSERT INTO desk_followup_plans (hospital_id, id, name, audience, delay_days, repeat_days, script, questionnaire_id, max_attempts, \
         retry_no_answer_hours, retry_busy_hours, retry_family_hours, active, created_at, updated_at) \
         VALUES (7, 200, '体检后回访', 'checkup', 1, 0, '话术', 100, 3, 4, 24, 0, 1, 0, 0)",
        "INSERT INTO desk_followup_tasks (hospital_id, id, plan_id, source_kind, source_key, source_ref, subject, patient_name, phone_masked, \
         event_at, status, due_at, attempts, last_outcome, questionnaire_id, answered_at, answered_day, closed_at, created_at, updated_at) \
         VALUES (7, 300, 200, 'checkup', 'booking:1', 'TJ1', 'checkup-person:9', '张三', '139****0001', 0, 'completed', 0, 1, 'reached', 100, \
         1000000000000, 11, 1000000000000, 0, 1000000000000)",
        "INSERT INTO desk_followup_attempts (hospital_id, id, task_id, at, outcome, note, agent_id, agent_name) \
         VALUES (7, 301, 300, 1000000000000, 'reached', '', NULL, '坐席甲')",
        "INSERT INTO desk_followup_answers (hospital_id, task_id, position, kind, question, answer, score) VALUES \
         (7, 300, 1, 'single', '满意吗？', '满意', 5), (7, 300, 2, 'rating', '打分', '4', 4), (7, 300, 3, 'text', '建议', '无', NULL)",
        "INSERT INTO checkup_items (hospital_id, code, name, category, body_part, price_fen, updated_at) VALUES (7, 'CT', '胸部CT', '影像', '胸部', 30000, 0)",
        "INSERT INTO checkup_questions (hospital_id, code, prompt, kind, options, position, active) VALUES \
         (7, 'smoking', '您是否吸烟？', 'single', '不吸烟\n吸烟', 0, 1), (7, 'family', '家族史', 'multi', '肿瘤\n无', 1, 0)",
        "INSERT INTO checkup_advice_rules (hospital_id, question_code, answer, item_code, reason, sex, min_age, max_age, position) \
         VALUES (7, 'smoking', '吸烟', 'CT', '吸烟者宜查', NULL, 40, NULL, 0)",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    drop(c);
    // Opening the application migrates on; read back through the services as that hospital's
    // system.
    let clock = std::sync::Arc::new(hops_kernel::ManualClock::new(hops_kernel::Instant(1_000_000_000_000)));
    let (database, core) = hops::open_with(&db.config(), clock, &hops::modules()).await.unwrap();
    let access = core.act_as_system(hops_kernel::HospitalId(7));
    let q = hops_desk::followup::service::questionnaire(&access, 100).await.unwrap();
    assert_eq!((q.name.as_str(), q.intro.as_str(), q.answered, q.version), ("旧问卷", "开场", 1, 1));
    let lines = hops_desk::followup::questionnaire::to_lines(&q.questions);
    assert_eq!(lines, "单选|满意吗？|满意=5；不满意=1；不清楚\n评分|打分\n文本|建议|选填");
    let detail = hops_desk::followup::calls::task(&access, 300).await.unwrap();
    let answers: Vec<(i32, &str, Option<i32>)> = detail.answers.iter().map(|a| (a.position, a.answer.as_str(), a.score)).collect();
    assert_eq!(answers, [(1, "满意", Some(5)), (2, "4", Some(4)), (3, "无", None)]);
    let day = hops_kernel::Instant(1_000_000_000_000).local_day();
    let r = hops_desk::followup::calls::results(&access, day, day).await.unwrap();
    assert_eq!((r.overall.calls, r.overall.average), (1, Some(4.5)));
    let (_, responses, _) =
        hops_platform::forms::service::responses(&access, 100, hops_platform::web::Paging::new(None, 10)).await.unwrap();
    assert_eq!((responses[0].subject.as_str(), responses[0].actor_name.as_str()), ("checkup_person:9", "坐席甲"));
    let advice = hops_checkup::advice::service::questionnaire(&access).await.unwrap();
    let codes: Vec<(&str, bool, usize)> = advice.questions.iter().map(|q| (q.code.as_str(), q.active, q.options.len())).collect();
    assert_eq!(codes, [("smoking", true, 2), ("family", false, 2)]);
    assert_eq!((advice.rules.len(), advice.rules[0].min_age), (1, Some(40)));
    database.close().await;
}

async fn click(d: &WebDriver, css: &str) {
    let e = d.find(By::Css(css)).await.unwrap();
    d.execute("arguments[0].scrollIntoView({block: 'center'});", vec![e.to_json().unwrap()]).await.unwrap();
    e.click().await.unwrap();
}

/// The editor and the H5 renderer in headless Chromium: a form written in the editor with a
/// refused line first, its preview, then tried out on a phone-sized window where a conditional
/// question appears only once its condition holds. Screenshots: forms-*.png.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editor_and_h5_renderer_in_a_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.hospital("fm", &[Role::Operator]).await;
    let browser = Browser::start().await;
    let d = &browser.driver;
    d.set_window_rect(0, 0, 1366, 1000).await.unwrap();
    d.goto(format!("{}/forms/new", app.url)).await.unwrap();
    d.find(By::Id("hospital")).await.unwrap().send_keys("fm").await.unwrap();
    d.find(By::Id("username")).await.unwrap().send_keys("operator").await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    click(d, "button[type=submit]").await;
    browser.wait_for("新建问卷").await;
    d.find(By::Id("name")).await.unwrap().send_keys("吸烟调查").await.unwrap();
    let text = d.find(By::Id("definition")).await.unwrap();
    text.clear().await.unwrap();
    text.send_keys("单选|smoking|您是否吸烟？|不吸烟=0；吸烟=3\n数值|cigarettes|每天吸烟多少支？|范围：1-100|单位：支|条件：smoking = 吸烟\n问答|x|错的一行")
        .await
        .unwrap();
    click(d, "#save-form").await;
    let t = browser.wait_for("未保存").await;
    assert!(t.contains("第 3 行：题型应为"), "{t}");
    hops_testkit::screenshot(d, "forms-editor-refused").await;
    let text = d.find(By::Id("definition")).await.unwrap();
    text.clear().await.unwrap();
    text.send_keys("# 吸烟\n单选|smoking|您是否吸烟？|不吸烟=0；吸烟=3\n数值|cigarettes|每天吸烟多少支？|范围：1-100|单位：支|条件：smoking = 吸烟\n评分|health|健康自评|范围：1-5|选填")
        .await
        .unwrap();
    click(d, "#save-form").await;
    let t = browser.wait_for("问卷已创建").await;
    assert!(t.contains("预览") && t.contains("每天吸烟多少支？") && t.contains("第 1 版"), "{t}");
    hops_testkit::screenshot(d, "forms-editor").await;

    // Trying it out on a phone: the number of cigarettes shows once 吸烟 is chosen.
    let path = d.current_url().await.unwrap().path().to_string();
    d.set_window_rect(0, 0, 390, 844).await.unwrap();
    d.goto(format!("{}{path}/try", app.url)).await.unwrap();
    browser.wait_for("您是否吸烟？").await;
    let cigarettes = d.find(By::Id("q-cigarettes")).await.unwrap();
    assert!(!cigarettes.is_displayed().await.unwrap(), "hidden until its condition holds");
    click(d, "input[name='a.smoking'][value='不吸烟']").await;
    assert!(!cigarettes.is_displayed().await.unwrap());
    click(d, "input[name='a.smoking'][value='吸烟']").await;
    assert!(cigarettes.is_displayed().await.unwrap(), "shown once 吸烟 is chosen");
    hops_testkit::screenshot(d, "forms-h5-condition").await;
    click(d, "#try-submit").await;
    let t = browser.wait_for("有 1 处需要修改").await;
    assert!(t.contains("第 2 题为必答题：每天吸烟多少支？"), "{t}");
    d.find(By::Css("input[name='a.cigarettes']")).await.unwrap().send_keys("20").await.unwrap();
    click(d, "input[name='a.health'][value='4']").await;
    hops_testkit::screenshot(d, "forms-h5-filled").await;
    click(d, "#try-submit").await;
    let t = browser.wait_for("检查通过（未保存）").await;
    assert!(t.contains("总分：7") && t.contains("20"), "{t}");
    hops_testkit::screenshot(d, "forms-h5-result").await;
    // Not a smoker: the hidden question's answer is not sent.
    click(d, "input[name='a.smoking'][value='不吸烟']").await;
    click(d, "#try-submit").await;
    // (The page before said 检查通过 too: wait for the new score.)
    let t = browser.wait_for("总分：4").await;
    assert!(t.contains("检查通过（未保存）") && !t.contains("每天吸烟多少支？\n20"), "{t}");
    browser.quit().await;
    app.stop().await;
}
