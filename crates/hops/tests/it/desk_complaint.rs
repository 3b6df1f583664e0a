//! Complaints over HTTP on both backends: registering directly, from a bad review (cause
//! suggested from its text) and from a follow-up task, every problem at once with nothing
//! stored, the status flow with who/when at each step, permissions (review needs a manager other
//! than who recorded the rectification), masking, the monthly trend of causes across a month
//! boundary in China time, cause categories, and the XLSX export read back.

use hops_kernel::Instant;
use hops_platform::Role;
use hops_platform::accounts::service::{self as accounts, NewUserInput};
use hops_testkit::{Backend, PASSWORD, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

use super::desk_followup::{Desk, consultation, generate, setup, standard_plan, tasks};

both_backends!(register_from_every_origin);
both_backends!(status_flow_and_permissions);
both_backends!(trend_across_a_month_boundary_and_export);
both_backends!(complaint_pages);

fn fields(b: &Value) -> Vec<String> {
    b["error"]["fields"].as_array().map(|a| a.iter().map(|f| f["field"].as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

fn direct(subject: &str) -> Value {
    json!({"complainant": "张女士", "phone": "138 0013 8000", "subject": subject, "description": "医生两个小时没有回复"})
}

async fn create(d: &Desk, body: Value) -> Value {
    let (s, b) = d.call(&d.agent, Method::POST, "/api/v1/desk/complaints", Some(body)).await;
    assert_eq!(s, 201, "{b}");
    b
}

async fn count(d: &Desk) -> i64 {
    d.call(&d.agent, Method::GET, "/api/v1/desk/complaints", None).await.1["total"].as_i64().unwrap()
}

async fn register_from_every_origin(backend: Backend) {
    let d = setup(backend).await;
    // Directly: the phone sealed and shown masked; the number is TS + day + sequence.
    let c = create(&d, direct("医生回复不及时")).await;
    let day = d.now().local_day().to_string().replace('-', "");
    assert_eq!(c["number"], format!("TS{day}001"));
    assert_eq!(
        (c["phone"].as_str(), c["status"].as_str(), c["source"].as_str()),
        (Some("138****8000"), Some("registered"), Some("direct"))
    );
    assert_eq!(c["events"][0]["to_status"], "registered");
    // Every problem at once, nothing stored.
    let bad =
        json!({"complainant": "", "phone": "12345", "subject": "", "description": "", "department_id": 999_999, "cause_code": "nope"});
    let (s, b) = d.call(&d.agent, Method::POST, "/api/v1/desk/complaints", Some(bad)).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(fields(&b), ["complainant", "phone", "subject", "description", "department_id", "cause_code"]);
    let mut unknown_ticket = direct("工单转投诉");
    unknown_ticket["source"] = json!("ticket");
    unknown_ticket["reference"] = json!("T-NOPE");
    let (s, b) = d.call(&d.agent, Method::POST, "/api/v1/desk/complaints", Some(unknown_ticket)).await;
    assert_eq!((s, fields(&b)), (422, vec!["ticket".to_string()]), "{b}");
    assert_eq!(count(&d).await, 1);

    // From a bad review: patient, doctor and department from the consultation, the cause from
    // its text. A good review is not a complaint.
    consultation(&d, "C-BAD", "P2", "D2", d.now().plus_seconds(-3600), "1", "医生回复太慢了，等了一下午").await;
    consultation(&d, "C-GOOD", "P3", "D1", d.now().plus_seconds(-3600), "5", "很好").await;
    let mut review = direct("差评转投诉");
    review["source"] = json!("review");
    review["reference"] = json!("C-BAD");
    let c = create(&d, review.clone()).await;
    assert_eq!(
        (c["source"].as_str(), c["review_ref"].as_str(), c["doctor_name"].as_str()),
        (Some("review"), Some("C-BAD"), Some("李医生"))
    );
    assert_eq!((c["cause_code"].as_str(), c["cause_name"].as_str()), (Some("reply_slow"), Some("回复不及时")));
    review["reference"] = json!("C-GOOD");
    let (s, b) = d.call(&d.agent, Method::POST, "/api/v1/desk/complaints", Some(review)).await;
    assert_eq!((s, fields(&b)), (422, vec!["review_ref".to_string()]), "{b}");

    // From a follow-up task.
    let (_, plan_id) = standard_plan(&d).await;
    consultation(&d, "C-FU", "P1", "D1", d.now().plus_seconds(-4 * 86_400), "", "").await;
    generate(&d, plan_id).await;
    let task = tasks(&d, "").await[0]["id"].as_i64().unwrap();
    let mut fu = direct("回访中反映态度差");
    fu["source"] = json!("followup");
    fu["reference"] = json!(task.to_string());
    fu["cause_code"] = json!("attitude");
    let c = create(&d, fu).await;
    assert_eq!(
        (c["followup_task_id"].as_i64(), c["doctor_name"].as_str(), c["cause_name"].as_str()),
        (Some(task), Some("王医生"), Some("服务态度"))
    );
    assert_eq!(count(&d).await, 3);
    // Search and filters.
    let (_, b) = d.call(&d.agent, Method::GET, "/api/v1/desk/complaints?source=review", None).await;
    assert_eq!(b["total"], 1);
    let (_, b) = d.call(&d.agent, Method::GET, "/api/v1/desk/complaints?q=%E6%80%81%E5%BA%A6", None).await;
    assert_eq!(b["total"], 1, "search 态度 in the subject");
    d.app.stop().await;
}

async fn step(d: &Desk, token: &str, id: i64, step: &str, body: Value) -> (u16, Value) {
    d.call(token, Method::POST, &format!("/api/v1/desk/complaints/{id}/{step}"), Some(body)).await
}

async fn status_flow_and_permissions(backend: Backend) {
    let mut d = setup(backend).await;
    let input = NewUserInput { username: "supervisor", display_name: "客服主管", role: Role::Operator, password: PASSWORD };
    accounts::create_user(&d.app.system(d.h), input).await.unwrap();
    let supervisor = d.app.token("fu", "supervisor").await;
    let id = create(&d, direct("态度差")).await["id"].as_i64().unwrap();
    let dept = hops_master::service::department_choices(&d.app.system(d.h)).await.unwrap()[0].1.0;

    // Out of order, or with missing fields: refused, nothing changes.
    let (s, b) = step(&d, &d.agent, id, "reply", json!({"reply": "x", "reply_channel": "phone"})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("invalid_status")), "{b}");
    let (s, b) = step(&d, &d.agent, id, "investigate", json!({})).await;
    assert_eq!((s, fields(&b)), (422, vec!["department_id".to_string()]), "{b}");
    let (s, _) = step(&d, &d.agent, id, "investigate", json!({"department_id": dept})).await;
    assert_eq!(s, 200);
    let (s, b) = step(&d, &d.agent, id, "rectify", json!({"verdict": "maybe"})).await;
    assert_eq!((s, fields(&b)), (422, vec!["investigation".into(), "verdict".into(), "cause_code".into(), "rectification".into()]), "{b}");
    let (_, c) = d.call(&d.agent, Method::GET, &format!("/api/v1/desk/complaints/{id}"), None).await;
    assert_eq!((c["status"].as_str(), c["investigation"].as_str()), (Some("investigating"), Some("")));
    // The operator records the rectification; the agent replies.
    let rectify = json!({"investigation": "医生当天门诊量大，回复时语气生硬", "verdict": "founded", "cause_code": "attitude", "rectification": "约谈医生，纳入月度考核"});
    let (s, b) = step(&d, &d.operator, id, "rectify", rectify).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("rectifying")), "{b}");
    let (s, b) = step(&d, &d.agent, id, "reply", json!({"reply": "已约谈医生并致歉", "reply_channel": "phone"})).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("replied")), "{b}");
    // Review: not by an agent, not by who recorded the rectification; sent back, then closed.
    let (s, _) = step(&d, &d.agent, id, "review", json!({"note": "同意"})).await;
    assert_eq!(s, 403);
    let (s, b) = step(&d, &d.operator, id, "review", json!({"note": "同意", "approve": true})).await;
    assert_eq!((s, fields(&b)), (422, vec!["note".to_string()]), "{b}");
    let (s, b) = step(&d, &supervisor, id, "review", json!({"note": "整改措施需写明考核办法", "approve": false})).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("rectifying")), "{b}");
    step(&d, &d.agent, id, "reply", json!({"reply": "已约谈医生，扣减当月绩效", "reply_channel": "wechat"})).await;
    d.advance(3600).await;
    let supervisor = d.app.token("fu", "supervisor").await;
    let (s, b) = step(&d, &supervisor, id, "review", json!({"note": "同意结案", "approve": true})).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("closed")), "{b}");
    assert_eq!(b["closed_at"], d.now().format_second());
    let history: Vec<(String, String)> = b["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap().to_string(), e["to_status"].as_str().unwrap().to_string()))
        .collect();
    let agent = Role::Agent.label_zh().to_string();
    let operator = Role::Operator.label_zh().to_string();
    let want = [
        (agent.clone(), "registered"),
        (agent.clone(), "investigating"),
        (operator, "rectifying"),
        (agent.clone(), "replied"),
        ("客服主管".to_string(), "rectifying"),
        (agent, "replied"),
        ("客服主管".to_string(), "closed"),
    ];
    assert_eq!(history, want.iter().map(|(a, s)| (a.clone(), s.to_string())).collect::<Vec<_>>());
    let (s, _) = step(&d, &supervisor, id, "review", json!({"note": "再次"})).await;
    assert_eq!(s, 409);
    // The number in clear: not for the nurse; the agent's look is audited.
    let (s, _) = d.call(&d.nurse, Method::POST, &format!("/api/v1/desk/complaints/{id}/reveal"), None).await;
    assert_eq!(s, 403);
    let (s, b) = d.call(&d.agent, Method::POST, &format!("/api/v1/desk/complaints/{id}/reveal"), None).await;
    assert_eq!((s, b["phone"].as_str()), (200, Some("13800138000")));
    let (entries, _) = hops_platform::audit::list(&d.app.system(d.h).tenant(), "desk.complaint.", 0, 50).await.unwrap();
    let actions: Vec<&str> = entries.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "desk.complaint.create",
            "desk.complaint.investigate",
            "desk.complaint.rectify",
            "desk.complaint.reply",
            "desk.complaint.review_reject",
            "desk.complaint.reply",
            "desk.complaint.review",
            "desk.complaint.reveal"
        ]
    );
    assert!(entries.iter().all(|e| !e.detail.contains("13800138000")));
    d.app.stop().await;
}

/// 2026-01-31 23:30 in China is still January there, but 2026-01-31 15:30 UTC; 30 minutes after
/// midnight on 2026-02-01 in China is 2026-01-31 16:30 UTC.
fn china(s: &str) -> Instant {
    Instant::parse(s).unwrap()
}

async fn trend_across_a_month_boundary_and_export(backend: Backend) {
    let d = setup(backend).await;
    let with_cause = |subject: &str, cause: &str| {
        let mut b = direct(subject);
        b["cause_code"] = json!(cause);
        b
    };
    d.app.clock.set(china("2026-01-31 23:30:00"));
    create(&d, with_cause("一月投诉", "attitude")).await;
    d.app.clock.set(china("2026-02-01 00:30:00"));
    create(&d, with_cause("二月投诉一", "reply_slow")).await;
    create(&d, with_cause("二月投诉二", "reply_slow")).await;
    create(&d, direct("未归类")).await;
    d.app.clock.set(china("2026-03-10 10:00:00"));
    let (s, t) = d.call(&d.agent, Method::GET, "/api/v1/desk/complaints/trend?from=2026-01&to=2026-03", None).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["months"], json!(["2026-01", "2026-02", "2026-03"]));
    let row = |name: &str| t["rows"].as_array().unwrap().iter().find(|r| r["cause"] == name).cloned().unwrap();
    assert_eq!(row("服务态度")["counts"], json!([1, 0, 0]));
    assert_eq!(row("回复不及时")["counts"], json!([0, 2, 0]));
    assert_eq!(row("未归类")["counts"], json!([0, 1, 0]));
    assert_eq!(t["totals"], json!([1, 3, 0]));
    let (s, b) = d.call(&d.agent, Method::GET, "/api/v1/desk/complaints/trend?from=2026-13&to=x", None).await;
    assert_eq!((s, fields(&b)), (422, vec!["from".to_string(), "to".to_string()]), "{b}");

    // Categories: a bad list changes nothing; stopping a used category keeps its history.
    let (_, before) = d.op(Method::GET, "/api/v1/desk/complaint-causes", None).await;
    let (s, b) = d
        .op(
            Method::PUT,
            "/api/v1/desk/complaint-causes",
            Some(json!({"causes": [{"code": "a", "name": "甲"}, {"code": "a", "name": "乙"}]})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(d.op(Method::GET, "/api/v1/desk/complaint-causes", None).await.1, before);
    let (s, _) =
        d.call(&d.agent, Method::PUT, "/api/v1/desk/complaint-causes", Some(json!({"causes": [{"code": "a", "name": "甲"}]}))).await;
    assert_eq!(s, 403);
    let list =
        json!({"causes": [{"code": "reply_slow", "name": "回复不及时", "review_reason": "回复慢"}, {"code": "drug", "name": "药品问题"}]});
    let (s, b) = d.op(Method::PUT, "/api/v1/desk/complaint-causes", Some(list)).await;
    assert_eq!(s, 200, "{b}");
    let (_, t) = d.call(&d.agent, Method::GET, "/api/v1/desk/complaints/trend?from=2026-01&to=2026-02", None).await;
    let names: Vec<&str> = t["rows"].as_array().unwrap().iter().map(|r| r["cause"].as_str().unwrap()).collect();
    assert_eq!(names, ["回复不及时", "药品问题", "服务态度", "未归类"], "stopped but used categories stay");

    // The console edits the categories in a form (a row each; no codes to type): a duplicate name
    // is refused at its row and changes nothing; a new row is added and a category stopped.
    let (web, csrf) = d.app.web_login("fu", "operator").await;
    let page = web.get(format!("{}/desk/complaints/causes", d.app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("value=\"药品问题\"") && page.contains("<option value=\"回复慢\" selected>") && !page.contains("reply_slow|"));
    let form = |rows: &[(&str, &str, &str, &str)]| {
        let mut f = vec![("_csrf".to_string(), csrf.clone())];
        for (code, name, reason, active) in rows {
            f.extend(
                [("code", code), ("name", name), ("review_reason", reason), ("active", active)]
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            );
        }
        f
    };
    let (_, before) = d.op(Method::GET, "/api/v1/desk/complaint-causes", None).await;
    let bad = form(&[("reply_slow", "回复不及时", "回复慢", "1"), ("drug", "药品问题", "", "1"), ("", "药品问题", "", "1")]);
    let r = web.post(format!("{}/desk/complaints/causes", d.app.url)).form(&bad).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("class=\"has-error\"") && html.contains("名称「药品问题」重复"), "{html}");
    assert_eq!(d.op(Method::GET, "/api/v1/desk/complaint-causes", None).await.1, before, "nothing saved");
    let good =
        form(&[("reply_slow", "回复不及时", "回复慢", "1"), ("drug", "药品问题", "", "0"), ("", "预约挂号", "", "1"), ("", "", "", "1")]);
    let r = web.post(format!("{}/desk/complaints/causes", d.app.url)).form(&good).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, saved) = d.op(Method::GET, "/api/v1/desk/complaint-causes", None).await;
    let saved: Vec<(String, bool)> = saved["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_string(), c["active"].as_bool().unwrap()))
        .collect();
    assert_eq!(saved[..3], [("回复不及时".into(), true), ("药品问题".into(), false), ("预约挂号".into(), true)]);
    assert!(saved[3..].iter().all(|(_, active)| !active), "rows left out are stopped, kept for their complaints");

    // The export: the complaints of the range and the trend, phones masked.
    let r = web.get(format!("{}/desk/complaints.xlsx?from=2026-01-01&to=2026-02-28", d.app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let book = hops_platform::tabular::parse_workbook(&bytes, "x.xlsx").unwrap();
    assert_eq!(book[0].0, "投诉明细");
    assert_eq!(book[0].1.rows.len(), 4);
    assert!(book[0].1.rows.iter().all(|r| r[4] == "138****8000"));
    assert_eq!(book[0].1.rows[3][1], "2026-01-31 23:30", "received time in China time");
    assert_eq!(book[1].0, "原因月度趋势");
    assert_eq!(book[1].1.headers, ["原因分类", "2026-01", "2026-02", "合计"]);
    assert!(book[1].1.rows.contains(&vec!["回复不及时".to_string(), "0".into(), "2".into(), "2".into()]));
    assert_eq!(book[1].1.rows.last().unwrap(), &vec!["合计".to_string(), "1".into(), "3".into(), "4".into()]);
    let page = web.get(format!("{}/desk/complaints/trend?from=2026-01&to=2026-02", d.app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<svg") && page.contains("2026-02 回复不及时：2 件"), "stacked chart with tooltips");
    d.app.stop().await;
}

async fn complaint_pages(backend: Backend) {
    let d = setup(backend).await;
    let (web, csrf) = d.app.web_login("fu", "agent").await;
    let url = |p: &str| format!("{}{p}", d.app.url);
    let html = web.get(url("/desk/complaints")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("没有符合条件的投诉"));
    consultation(&d, "C-BAD", "P2", "D2", d.now().plus_seconds(-3600), "2", "客服态度很差").await;
    let html = web.get(url("/desk/complaints/new?review_ref=C-BAD")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("问诊 C-BAD · 李医生 · 2 星") && html.contains("value=\"患者2\""), "prefilled from the review");
    // A refused form keeps the input and names every field; nothing is stored.
    let form = [
        ("_csrf", csrf.as_str()),
        ("review_ref", "C-BAD"),
        ("complainant", "患者2"),
        ("phone", "123"),
        ("subject", ""),
        ("description", "态度差"),
    ];
    let r = web.post(url("/desk/complaints/new")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("请修正下列 2 处问题") && html.contains("value=\"123\""), "{html}");
    assert_eq!(count(&d).await, 0);
    let form =
        [("_csrf", csrf.as_str()), ("review_ref", "C-BAD"), ("complainant", "患者2"), ("subject", "客服态度差"), ("description", "态度差")];
    let r = web.post(url("/desk/complaints/new")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let html = web.get(url(&location)).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("投诉已登记") && html.contains("服务态度") && html.contains("开始调查"), "{html}");
    let id = location.trim_start_matches("/desk/complaints/").split('?').next().unwrap().to_string();
    let r = web
        .post(url(&format!("/desk/complaints/{id}/investigate")))
        .form(&[("_csrf", csrf.as_str()), ("department_id", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请选择责任科室"));
    for p in ["/desk/complaints/trend", "/desk/complaints/causes", "/desk/complaints"] {
        assert_eq!(web.get(url(p)).send().await.unwrap().status(), 200, "{p}");
    }
    // Agents see the categories but cannot change them.
    let r = web
        .post(url("/desk/complaints/causes"))
        .form(&[("_csrf", csrf.as_str()), ("code", ""), ("name", "甲"), ("review_reason", ""), ("active", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    d.app.stop().await;
}
