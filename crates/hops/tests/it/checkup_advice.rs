//! The health questionnaire with add-on recommendations and invoice requests, over HTTP on both
//! backends: the questionnaire's round trip, an invalid one changing nothing, recommendations
//! with merged reasons that leave out chosen and inapplicable items, the console's forms and
//! permissions; invoice requests (paid bookings only, checked titles, one open request per
//! booking, issuing, cancelling, export); and both on the patient H5 pages.

use hops_platform::Role;
use hops_platform::accounts::service::{self as accounts, NewUserInput};
use hops_testkit::{Backend, Browser, PASSWORD, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

use super::checkup::{Api, book, day_after, person, setup};

both_backends!(questionnaire_and_recommendations);
both_backends!(console_questionnaire);
both_backends!(invoice_requests);
both_backends!(patient_questionnaire_and_invoice);

/// Adds an agent (may book, may not manage the catalogue) to the test hospital; returns a token.
async fn agent(api: &Api) -> String {
    let h = accounts::hospital_by_code(&api.app.core, "tj").await.unwrap().unwrap();
    let input = NewUserInput { username: "agent", display_name: "客服", role: Role::Agent, password: PASSWORD };
    accounts::create_user(&api.app.system(h.id), input).await.unwrap();
    api.app.token("tj", "agent").await
}

async fn as_user(api: &Api, token: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    call(&api.app.client(), method, &format!("{}{path}", api.app.url), token, body).await
}

fn questionnaire() -> Value {
    json!({
        "questions": [
            {"code": "smoking", "text": "您是否吸烟？", "kind": "single", "options": ["不吸烟", "已戒烟", "吸烟"], "active": true},
            {"code": "drink", "text": "您饮酒的频率？", "kind": "single", "options": ["从不", "偶尔", "经常"], "active": true},
            {"code": "family", "text": "直系亲属中有无以下疾病？", "kind": "multi", "options": ["肝病", "肿瘤", "无"], "active": true},
            {"code": "breast", "text": "近两年做过乳腺检查吗？", "kind": "single", "options": ["做过", "没做过"], "active": true}
        ],
        "rules": [
            {"question": "smoking", "answer": "吸烟", "item": "CT", "reason": "长期吸烟者肺癌风险高，建议低剂量螺旋CT", "sex": null, "min_age": null, "max_age": null},
            {"question": "drink", "answer": "经常", "item": "LIVER", "reason": "经常饮酒易致肝损伤", "sex": null, "min_age": null, "max_age": null},
            {"question": "drink", "answer": "经常", "item": "USABD", "reason": "饮酒者脂肪肝多见", "sex": null, "min_age": null, "max_age": null},
            {"question": "family", "answer": "肝病", "item": "USABD", "reason": "有肝病家族史", "sex": null, "min_age": null, "max_age": null},
            {"question": "breast", "answer": "没做过", "item": "MAMMO", "reason": "40 岁以上女性建议乳腺钼靶", "sex": "女", "min_age": 40, "max_age": null},
            {"question": "breast", "answer": "没做过", "item": "TCT", "reason": "已婚女性宜做宫颈筛查", "sex": null, "min_age": null, "max_age": null}
        ]
    })
}

/// Adds an abdominal ultrasound and a mammography for women from 40 to the test catalogue
/// (see `checkup::setup`).
async fn more_items(api: &Api) {
    for i in [
        json!({"code": "USABD", "name": "腹部彩超", "category": "超声", "body_part": "腹部", "price": "120.00"}),
        json!({"code": "MAMMO", "name": "乳腺钼靶", "category": "影像", "body_part": "胸部", "price": "260.00",
               "applicability": {"sex": "女", "min_age": 40}}),
    ] {
        let (s, b) = api.call(Method::POST, "/api/v1/checkup/items", Some(i)).await;
        assert_eq!(s, 200, "{b}");
    }
}

/// The test catalogue with [`more_items`] and the questionnaire above.
async fn with_questionnaire(backend: Backend) -> Api {
    let api = setup(backend).await;
    more_items(&api).await;
    let (s, b) = api.call(Method::PUT, "/api/v1/checkup/questionnaire", Some(questionnaire())).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b, questionnaire(), "the saved questionnaire is answered back");
    api
}

/// Item codes and reasons of the recommendations for a request.
async fn recommend(api: &Api, body: Value) -> Vec<(String, Vec<String>)> {
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/recommendations", Some(body)).await;
    assert_eq!(s, 200, "{b}");
    b["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let reasons = r["reasons"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect();
            (r["item_code"].as_str().unwrap().to_string(), reasons)
        })
        .collect()
}

fn recs(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    list.iter().map(|(c, r)| (c.to_string(), r.iter().map(|s| s.to_string()).collect())).collect()
}

async fn questionnaire_and_recommendations(backend: Backend) {
    let api = setup(backend).await;
    more_items(&api).await;
    let (s, b) = api.call(Method::GET, "/api/v1/checkup/questionnaire", None).await;
    assert_eq!((s, b), (200, json!({"questions": [], "rules": []})));
    let (s, b) = api.call(Method::PUT, "/api/v1/checkup/questionnaire", Some(questionnaire())).await;
    assert_eq!((s, b), (200, questionnaire()));
    let (s, b) = api.call(Method::GET, "/api/v1/checkup/questionnaire", None).await;
    assert_eq!((s, b), (200, questionnaire()), "round trip");

    // Smoker and drinker with liver disease in the family, on BASIC (blood, liver, chest DR):
    // the CT replaces the DR; liver function is in the package; the ultrasound has two reasons.
    let smoker =
        json!({"package": "BASIC", "answers": {"smoking": ["吸烟"], "drink": ["经常"], "family": ["肝病", "无"]}, "sex": "男", "age": 45});
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/recommendations", Some(smoker.clone())).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b,
        json!({"recommendations": [
            {"item_code": "CT", "item_name": "胸部CT", "price": "300.00", "reasons": ["长期吸烟者肺癌风险高，建议低剂量螺旋CT"], "requires": [], "replaces": ["DR"]},
            {"item_code": "USABD", "item_name": "腹部彩超", "price": "120.00", "reasons": ["饮酒者脂肪肝多见", "有肝病家族史"], "requires": [], "replaces": []}
        ]})
    );
    // Liver function removed from the package: recommended again; the CT added already: not.
    let mut body = smoker.clone();
    body["remove_items"] = json!(["LIVER"]);
    body["add_items"] = json!(["CT"]);
    assert_eq!(recommend(&api, body).await, recs(&[("LIVER", &["经常饮酒易致肝损伤"]), ("USABD", &["饮酒者脂肪肝多见", "有肝病家族史"])]));
    // Restricted items and rules: a married woman of 45 gets both, one of 35 only the cervical
    // screening, an unmarried one neither; a man nothing; nobody known nothing restricted.
    let breast = |extra: Value| {
        let mut b = json!({"package": "BASIC", "answers": {"breast": ["没做过"]}});
        b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        b
    };
    let cases = [
        (
            json!({"sex": "女", "age": 45, "married": true}),
            recs(&[("MAMMO", &["40 岁以上女性建议乳腺钼靶"]), ("TCT", &["已婚女性宜做宫颈筛查"])]),
        ),
        (json!({"sex": "女", "age": 35, "married": true}), recs(&[("TCT", &["已婚女性宜做宫颈筛查"])])),
        (json!({"sex": "女", "age": 45, "married": false}), recs(&[("MAMMO", &["40 岁以上女性建议乳腺钼靶"])])),
        (json!({"sex": "男", "age": 45, "married": true}), recs(&[])),
        (json!({"age": 45}), recs(&[])),
    ];
    for (who, expected) in cases {
        assert_eq!(recommend(&api, breast(who.clone())).await, expected, "{who}");
    }

    // Unknown questions and options, an unknown package: 422 naming each.
    let (s, b) = api
        .call(
            Method::POST,
            "/api/v1/checkup/recommendations",
            Some(json!({"package": "BASIC", "answers": {"smoking": ["偶尔"], "ghost": ["是"], "drink": ["从不", "经常"]}})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(
        b["error"]["fields"],
        json!([
            {"field": "answers.drink", "message": "「您饮酒的频率？」只能选一项"},
            {"field": "answers.ghost", "message": "问卷中没有问题 ghost"},
            {"field": "answers.smoking", "message": "「您是否吸烟？」没有选项「偶尔」"}
        ])
    );
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/recommendations", Some(json!({"package": "NOPE", "answers": {}}))).await;
    assert_eq!((s, b["error"]["fields"][0]["field"].as_str()), (422, Some("package")), "{b}");

    // An invalid questionnaire: every problem at once, nothing changed.
    let bad = json!({
        "questions": [
            {"code": "smoking", "text": "您是否吸烟？", "kind": "single", "options": ["不吸烟", "吸烟"]},
            {"code": "smoking", "text": "重复的编码", "kind": "single", "options": ["是", "否"]},
            {"code": "empty", "text": "没有选项", "kind": "multi", "options": []}
        ],
        "rules": [
            {"question": "smoking", "answer": "偶尔", "item": "CT", "reason": "选项不存在"},
            {"question": "smoking", "answer": "吸烟", "item": "NOPE", "reason": "项目不存在"},
            {"question": "ghost", "answer": "是", "item": "CT", "reason": "问题不存在"}
        ]
    });
    let (s, b) = api.call(Method::PUT, "/api/v1/checkup/questionnaire", Some(bad)).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(
        b["error"]["fields"],
        json!([
            {"field": "questions[1].code", "message": "问题编码 smoking 重复"},
            {"field": "questions[2].options", "message": "问题「没有选项」没有选项"},
            {"field": "rules[0].answer", "message": "问题「您是否吸烟？」没有选项「偶尔」，推荐规则无法生效"},
            {"field": "rules[1].item", "message": "项目 NOPE 不存在"},
            {"field": "rules[2].question", "message": "推荐规则指向不存在的问题 ghost"}
        ])
    );
    let bad_kind = json!({"questions": [{"code": "x", "text": "x", "kind": "both", "options": ["a", "b"]}]});
    let (s, b) = api.call(Method::PUT, "/api/v1/checkup/questionnaire", Some(bad_kind)).await;
    assert_eq!((s, b["error"]["fields"][0]["field"].as_str()), (422, Some("questions[0].kind")), "{b}");
    let (_, b) = api.call(Method::GET, "/api/v1/checkup/questionnaire", None).await;
    assert_eq!(b, questionnaire(), "nothing changed");

    // An agent reads and recommends but does not edit; a nurse sees nothing of it.
    let agent = agent(&api).await;
    assert_eq!(as_user(&api, &agent, Method::GET, "/api/v1/checkup/questionnaire", None).await.0, 200);
    let (s, _) = as_user(&api, &agent, Method::POST, "/api/v1/checkup/recommendations", Some(smoker)).await;
    assert_eq!(s, 200);
    let (s, b) = as_user(&api, &agent, Method::PUT, "/api/v1/checkup/questionnaire", Some(json!({"questions": [], "rules": []}))).await;
    assert_eq!((s, b["error"]["code"].as_str()), (403, Some("forbidden")));
    let nurse = api.app.token("tj", "nurse").await;
    assert_eq!(as_user(&api, &nurse, Method::GET, "/api/v1/checkup/questionnaire", None).await.0, 403);
    let (_, b) = api.call(Method::GET, "/api/v1/checkup/questionnaire", None).await;
    assert_eq!(b, questionnaire(), "the refused edit changed nothing");
    // Replacing it with an empty one is allowed (and audited).
    let (s, _) = api.call(Method::PUT, "/api/v1/checkup/questionnaire", Some(json!({"questions": [], "rules": []}))).await;
    assert_eq!(s, 200);
    assert_eq!(audit_count(&api, "checkup.questionnaire.save").await, 2);
    api.app.stop().await;
}

async fn audit_count(api: &Api, action: &str) -> i64 {
    use sqlx::Row;
    let mut c = hops_platform::db::connect_one(api.app.database_url()).await.unwrap();
    let sql = format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'");
    sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_one(&mut c).await.unwrap().get::<i64, _>(0)
}

async fn console_questionnaire(backend: Backend) {
    let api = with_questionnaire(backend).await;
    let (web, csrf) = api.app.web_login("tj", "operator").await;
    let url = |p: &str| format!("{}{p}", api.app.url);
    let page = web.get(url("/checkup/questionnaire")).send().await.unwrap().text().await.unwrap();
    for text in ["您是否吸烟？", "长期吸烟者肺癌风险高，建议低剂量螺旋CT", "「乳腺钼靶」", "女性、40 岁及以上", "新增推荐规则"]
    {
        assert!(page.contains(text), "{text}");
    }
    // A rule added through the form, then one refused with its reason.
    let post = |path: &'static str, form: Vec<(&'static str, &'static str)>| {
        let mut form = form;
        form.push(("_csrf", csrf.as_str()));
        web.post(url(path)).form(&form).send()
    };
    let r = post(
        "/checkup/questionnaire/rules",
        vec![
            ("answer", "drink|偶尔"),
            ("item", "LIVER"),
            ("reason", "偶尔饮酒也宜查肝功能"),
            ("sex", ""),
            ("min_age", "30"),
            ("max_age", ""),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let (_, q) = api.call(Method::GET, "/api/v1/checkup/questionnaire", None).await;
    assert_eq!(
        q["rules"][6],
        json!({"question": "drink", "answer": "偶尔", "item": "LIVER", "reason": "偶尔饮酒也宜查肝功能", "sex": null, "min_age": 30, "max_age": null})
    );
    let r =
        post("/checkup/questionnaire/rules", vec![("answer", "drink|偶尔"), ("item", "LIVER"), ("reason", "再来一次"), ("min_age", "abc")])
            .await
            .unwrap();
    assert_eq!(r.status(), 422);
    let r = post("/checkup/questionnaire/rules", vec![("answer", "drink|偶尔"), ("item", "LIVER"), ("reason", "再来一次")]).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("问题 drink 的答案「偶尔」重复推荐「肝功能」"));
    // Editing a question: an option some rules answer to cannot go; a new question goes first.
    let r = post(
        "/checkup/questionnaire/questions",
        vec![("editing", "1"), ("code", "drink"), ("text", "您饮酒吗？"), ("kind", "single"), ("options", "从不\n偶尔"), ("active", "1")],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("问题「您饮酒吗？」没有选项「经常」，推荐规则无法生效"));
    let r = post(
        "/checkup/questionnaire/questions",
        vec![
            ("code", "sitting"),
            ("text", "您是否长期伏案工作？"),
            ("kind", "single"),
            ("options", "是|否"),
            ("position", "1"),
            ("active", "1"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let (_, q) = api.call(Method::GET, "/api/v1/checkup/questionnaire", None).await;
    let codes: Vec<&str> = q["questions"].as_array().unwrap().iter().map(|x| x["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["sitting", "smoking", "drink", "family", "breast"]);
    assert_eq!(q["questions"][0]["options"], json!(["是", "否"]));
    // Deleting a question deletes its rules; deleting a rule.
    let r = post("/checkup/questionnaire/questions/delete", vec![("_confirmed", "1"), ("code", "drink")]).await.unwrap();
    assert_eq!(r.status(), 303);
    let r =
        post("/checkup/questionnaire/rules/delete", vec![("_confirmed", "1"), ("question", "smoking"), ("answer", "吸烟"), ("item", "CT")])
            .await
            .unwrap();
    assert_eq!(r.status(), 303);
    let (_, q) = api.call(Method::GET, "/api/v1/checkup/questionnaire", None).await;
    let rules: Vec<(&str, &str)> =
        q["rules"].as_array().unwrap().iter().map(|r| (r["question"].as_str().unwrap(), r["item"].as_str().unwrap())).collect();
    assert_eq!(rules, [("family", "USABD"), ("breast", "MAMMO"), ("breast", "TCT")]);
    // An agent sees the page without the forms and cannot post them.
    agent(&api).await;
    let (agent_web, agent_csrf) = api.app.web_login("tj", "agent").await;
    let page = agent_web.get(url("/checkup/questionnaire")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("您是否长期伏案工作？") && !page.contains("新增推荐规则"));
    let r = agent_web
        .post(url("/checkup/questionnaire/questions/delete"))
        .form(&[("_confirmed", "1"), ("_csrf", agent_csrf.as_str()), ("code", "sitting")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let (_, after) = api.call(Method::GET, "/api/v1/checkup/questionnaire", None).await;
    assert_eq!(after, q, "nothing changed");
    api.app.stop().await;
}

/// Books person `n` on the day after tomorrow and pays at the counter; returns the booking id.
async fn paid_booking(api: &Api, n: u32) -> i64 {
    let (s, b) = book(api, &day_after(api, 2), n, json!({})).await;
    assert_eq!(s, 201, "{b}");
    let id = b["id"].as_i64().unwrap();
    let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{id}/payments"), Some(json!({"method": "onsite"}))).await;
    assert_eq!(s, 204, "{b}");
    id
}

async fn invoices(api: &Api, query: &str) -> Value {
    let (s, b) = api.call(Method::GET, &format!("/api/v1/checkup/invoices{query}"), None).await;
    assert_eq!(s, 200, "{b}");
    b
}

async fn invoice_requests(backend: Backend) {
    let api = setup(backend).await;
    let date = day_after(&api, 2);
    let (s, b) = api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(json!({"individual": 10}))).await;
    assert_eq!(s, 200, "{b}");
    let company =
        json!({"title_kind": "company", "title": "示例科技有限公司", "tax_number": " 91350100m000100y43 ", "email": " fp@example.cn "});

    // Unpaid: refused.
    let (s, unpaid) = book(&api, &date, 1, json!({})).await;
    assert_eq!(s, 201);
    let path = |id: i64| format!("/api/v1/checkup/bookings/{id}/invoice");
    let (s, b) = api.call(Method::POST, &path(unpaid["id"].as_i64().unwrap()), Some(company.clone())).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("invalid_status")), "{b}");
    assert_eq!(b["error"]["message"], "预约当前为“待支付”，只有已支付的预约可以申请发票");

    // Paid: a wrong tax number and e-mail are named, and nothing is recorded.
    let first = paid_booking(&api, 2).await;
    let mut bad = company.clone();
    bad["tax_number"] = json!("91350100M000100Y44");
    bad["email"] = json!("fp@example");
    let (s, b) = api.call(Method::POST, &path(first), Some(bad)).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(
        b["error"]["fields"],
        json!([
            {"field": "tax_number", "message": "统一社会信用代码校验位不正确，请核对"},
            {"field": "email", "message": "请填写正确的电子邮箱，电子发票将发送到该邮箱"}
        ])
    );
    let (s, b) = api.call(Method::POST, &path(first), Some(json!({"title_kind": "personal", "title": "", "email": "a@b.cn"}))).await;
    assert_eq!((s, b["error"]["fields"][0]["field"].as_str()), (422, Some("title")), "{b}");
    assert_eq!(invoices(&api, "").await["total"], 0);

    // The request: the amount is what was paid, the tax number in capitals.
    let (s, b) = api.call(Method::POST, &path(first), Some(company.clone())).await;
    assert_eq!(s, 201, "{b}");
    let id = b["id"].as_i64().unwrap();
    let number = b["booking_number"].as_str().unwrap().to_string();
    assert_eq!(
        (b["status"].as_str(), b["amount"].as_str(), b["tax_number"].as_str(), b["email"].as_str(), b["title_kind"].as_str()),
        (Some("requested"), Some("100.00"), Some("91350100M000100Y43"), Some("fp@example.cn"), Some("company"))
    );
    let (s, b) = api.call(Method::POST, &path(first), Some(company.clone())).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("duplicate_invoice")), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().ends_with("申请发票，正在开具，请勿重复申请"), "{b}");
    let list = invoices(&api, "?status=requested").await;
    assert_eq!((list["total"].as_i64(), list["items"][0]["id"].as_i64()), (Some(1), Some(id)));
    assert_eq!(invoices(&api, "?status=issued").await["total"], 0);
    assert_eq!(api.call(Method::GET, "/api/v1/checkup/invoices?status=bogus", None).await.0, 422);

    // Issuing needs CheckupManage; the number is checked; then the request is issued, once.
    let agent = agent(&api).await;
    let issued = |id: i64| format!("/api/v1/checkup/invoices/{id}/issued");
    let (s, _) = as_user(&api, &agent, Method::POST, &issued(id), Some(json!({"invoice_number": "26330000000012345678"}))).await;
    assert_eq!(s, 403);
    let (s, b) = api.call(Method::POST, &issued(id), Some(json!({"invoice_number": "12AB"}))).await;
    assert_eq!((s, b["error"]["message"].as_str()), (422, Some("发票号码应为 8–20 位数字")));
    let (s, b) = api.call(Method::POST, &issued(id), Some(json!({"invoice_number": " 26330000000012345678 "}))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!((b["status"].as_str(), b["invoice_number"].as_str()), (Some("issued"), Some("26330000000012345678")));
    assert!(b["issued_at"].is_string());
    let (s, b) = api.call(Method::POST, &issued(id), Some(json!({"invoice_number": "26330000000012345679"}))).await;
    assert_eq!((s, b["error"]["message"].as_str()), (409, Some("发票申请当前为“已开票”，不能再登记开票")));
    let (s, b) = api.call(Method::POST, &path(first), Some(company.clone())).await;
    assert_eq!(s, 409);
    assert_eq!(b["error"]["message"], format!("预约 {number} 已开具发票（发票号码 26330000000012345678），请勿重复申请"));

    // A personal title (an agent may ask); a number used already; cancelling lets it ask again.
    let second = paid_booking(&api, 3).await;
    let personal = json!({"title_kind": "personal", "title": "张三", "tax_number": "110105198501010011", "email": "zhang@example.cn"});
    let (s, b) = as_user(&api, &agent, Method::POST, &path(second), Some(personal.clone())).await;
    assert_eq!(s, 201, "{b}");
    let id2 = b["id"].as_i64().unwrap();
    assert_eq!((b["title"].as_str(), b["tax_number"].as_str()), (Some("张三"), Some("")), "a person's tax number is not kept");
    let (s, b) = api.call(Method::POST, &issued(id2), Some(json!({"invoice_number": "26330000000012345678"}))).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("duplicate_invoice_number")));
    let cancel = format!("/api/v1/checkup/invoices/{id2}/cancel");
    assert_eq!(api.call(Method::POST, &cancel, Some(json!({"reason": " "}))).await.0, 422);
    let (s, b) = api.call(Method::POST, &cancel, Some(json!({"reason": "抬头有误"}))).await;
    assert_eq!((s, b["status"].as_str(), b["note"].as_str()), (200, Some("cancelled"), Some("抬头有误")));
    let (s, _) = api.call(Method::POST, &path(second), Some(personal)).await;
    assert_eq!(s, 201);

    // Refunded: refused.
    let third = paid_booking(&api, 4).await;
    let (s, _) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{third}/refund"), Some(json!({"reason": "行程变更"}))).await;
    assert_eq!(s, 200);
    let (s, b) = api.call(Method::POST, &path(third), Some(company.clone())).await;
    assert_eq!((s, b["error"]["message"].as_str()), (409, Some("预约当前为“已退款”，只有已支付的预约可以申请发票")));

    let all = invoices(&api, "").await;
    let statuses: Vec<&str> = all["items"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!((all["total"].as_i64(), statuses), (Some(3), vec!["requested", "cancelled", "issued"]), "newest first");
    assert_eq!(invoices(&api, "?status=requested&page=2").await["items"], json!([]));
    assert_eq!(audit_count(&api, "checkup.invoice.request").await, 3);
    assert_eq!(audit_count(&api, "checkup.invoice.issue").await, 1);

    // The console: the list by status, issuing through the form, the export.
    let (web, csrf) = api.app.web_login("tj", "operator").await;
    let page = web.get(format!("{}/checkup/invoices?status=requested", api.app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("张三") && !page.contains("示例科技有限公司"), "filtered by status");
    let new_id = invoices(&api, "?status=requested").await["items"][0]["id"].as_i64().unwrap();
    let r = web
        .post(format!("{}/checkup/invoices/{new_id}/issued", api.app.url))
        .form(&[("_csrf", csrf.as_str()), ("invoice_number", "26330000000012345678")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "the number is taken");
    let r = web
        .post(format!("{}/checkup/invoices/{new_id}/issued", api.app.url))
        .form(&[("_csrf", csrf.as_str()), ("invoice_number", "12345678")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = web.get(format!("{}/checkup/invoices.xlsx", api.app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let t = hops_platform::tabular::parse(&r.bytes().await.unwrap(), "x.xlsx").unwrap();
    assert_eq!(t.headers[..5], ["申请编号", "订单号", "受检人", "抬头类型", "发票抬头"]);
    assert_eq!(t.rows.len(), 3);
    assert_eq!(t.rows[2][4..10], ["示例科技有限公司", "91350100M000100Y43", "fp@example.cn", "100.00", "已开票", "26330000000012345678"]);
    assert_eq!(t.rows[0][8..10], ["已开票", "12345678"]);
    assert_eq!(audit_count(&api, "export").await, 1);

    // A waiting request goes with the money: refunded, the request is voided, saying why.
    let fourth = paid_booking(&api, 5).await;
    let (s, b) = api.call(Method::POST, &path(fourth), Some(company.clone())).await;
    assert_eq!(s, 201, "{b}");
    let (s, _) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{fourth}/refund"), Some(json!({"reason": "行程变更"}))).await;
    assert_eq!(s, 200);
    let cancelled = invoices(&api, "?status=cancelled").await;
    let voided = cancelled["items"].as_array().unwrap().iter().find(|i| i["booking_id"] == fourth).unwrap_or_else(|| panic!("{cancelled}"));
    assert_eq!(voided["note"], "预约已退款，发票申请自动作废", "{voided}");
    // Nothing to invoice: a booking the person paid nothing for.
    let free = paid_booking(&api, 6).await;
    {
        let mut c = hops_platform::db::connect_one(api.app.database_url()).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE checkup_bookings SET total_fen = 0 WHERE id = {free}")))
            .execute(&mut c)
            .await
            .unwrap();
    }
    let (s, b) = api.call(Method::POST, &path(free), Some(company.clone())).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("nothing_to_invoice")), "{b}");
    api.app.stop().await;
}

/// Identifies a patient on the H5 pages with the SMS code and books BASIC on `date`; returns
/// the client holding the patient's session, the booking id and the session's cookie value.
async fn h5_book(api: &Api, n: u32, date: &str) -> (reqwest::Client, i64, String) {
    let base = format!("{}/p/tj/checkup", api.app.url);
    let p = person(n);
    let phone = p["phone"].as_str().unwrap();
    let client = api.app.browser_client();
    let query = format!("package=BASIC&keep=BLOOD&keep=LIVER&keep=DR&date={date}");
    let form = |code: &str| {
        vec![
            ("query", query.clone()),
            ("package", "BASIC".to_string()),
            ("request", format!("r{n}")),
            ("name", p["name"].as_str().unwrap().to_string()),
            ("id_number", p["id_number"].as_str().unwrap().to_string()),
            ("phone", phone.to_string()),
            ("married", String::new()),
            ("code", code.to_string()),
        ]
    };
    let mut send = form("");
    send.push(("send_code", "1".into()));
    let r = client.post(format!("{base}/book")).form(&send).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let mut code = String::new();
    for _ in 0..100 {
        let v: Value = reqwest::get(format!("{}/sandbox/sms/outbox?phone={phone}", api.app.url)).await.unwrap().json().await.unwrap();
        if let Some(m) = v["messages"][0]["text"].as_str() {
            code = m.chars().filter(char::is_ascii_digit).take(6).collect();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let r = client.post(format!("{base}/book")).form(&form(&code)).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let id = r.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().parse().unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    let token = cookie.split(';').next().unwrap().strip_prefix("hops_patient=").unwrap().to_string();
    (client, id, token)
}

async fn patient_questionnaire_and_invoice(backend: Backend) {
    let api = with_questionnaire(backend).await;
    let date = day_after(&api, 2);
    let (s, _) = api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(json!({"individual": 10}))).await;
    assert_eq!(s, 200);
    let base = format!("{}/p/tj/checkup", api.app.url);
    let get = |path: String| {
        let client = api.app.client();
        async move {
            let r = client.get(path).send().await.unwrap();
            let status = r.status().as_u16();
            let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
            (status, location, r.text().await.unwrap())
        }
    };

    // The selection page offers the questionnaire; it asks the active questions.
    let (s, _, page) = get(format!("{base}/packages/BASIC")).await;
    assert!(s == 200 && page.contains("填写健康问卷，获取加项建议"));
    let selection = format!("sel=1&keep=BLOOD&keep=LIVER&keep=DR&date={date}");
    let (s, _, page) = get(format!("{base}/packages/BASIC/advice?{selection}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("您是否吸烟？") && page.contains("近两年做过乳腺检查吗？") && !page.contains("为您推荐"));
    // Answers (posted): the selection page with the recommendations, their reasons and what
    // they exclude, none ticked; chosen items left out.
    let post = |body: String| {
        let client = api.app.client();
        let url = format!("{base}/packages/BASIC/advice");
        async move {
            let r = client.post(url).header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let answers = "answered=1&a.smoking=%E5%90%B8%E7%83%9F&a.drink=%E7%BB%8F%E5%B8%B8&sex=M&age=45";
    let (s, page) = post(format!("{selection}&{answers}")).await;
    assert_eq!(s, 200);
    for text in [
        "为您推荐",
        "胸部CT",
        "推荐理由：长期吸烟者肺癌风险高，建议低剂量螺旋CT",
        "与「胸部DR」不能同时选择，选它时请去掉后者",
        "腹部彩超",
        "推荐理由：饮酒者脂肪肝多见",
        "+¥120.00",
    ] {
        assert!(page.contains(text), "{text}: {page}");
    }
    assert!(page.contains(r#"name="add" value="CT">"#) && page.contains(r#"name="add" value="USABD">"#), "not ticked");
    assert!(!page.contains("经常饮酒易致肝损伤"), "liver function is in the package");
    let (s, page) = post(format!("{selection}&answered=1&a.smoking=%E5%81%B6%E5%B0%94")).await;
    assert!(s == 422 && page.contains("「您是否吸烟？」没有选项「偶尔」"), "{s}");
    // The patient ticks them and drops the DR the CT excludes: the price follows.
    let client = api.app.client();
    let r = client
        .post(format!("{base}/packages/BASIC/check"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("sel=1&keep=BLOOD&keep=LIVER&add=CT&add=USABD")
        .send()
        .await
        .unwrap();
    // BASIC 100.00 less DR's share (80/170 of 100 = 47.06), plus CT 300 and the ultrasound 120.
    assert!(r.text().await.unwrap().contains("¥472.94"));

    // Invoices: only with a session, only one's own booking, only once paid.
    let (patient, id, _) = h5_book(&api, 21, &date).await;
    let (other, _, _) = h5_book(&api, 22, &date).await;
    let invoice = format!("{base}/invoice/{id}");
    let r = api.app.client().get(&invoice).send().await.unwrap();
    let to = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    assert_eq!((r.status().as_u16(), to.starts_with("/p/tj/login?next=")), (303, true), "no session: to sign in");
    assert_eq!(other.get(&invoice).send().await.unwrap().status(), 404, "someone else's booking");
    let page = patient.get(&invoice).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("只有已支付的预约可以申请发票") && !page.contains("submit-invoice"));
    let (s, _) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{id}/payments"), Some(json!({"method": "onsite"}))).await;
    assert_eq!(s, 204);
    let order = patient.get(format!("{base}/orders/{id}")).send().await.unwrap().text().await.unwrap();
    assert!(order.contains("申请发票"));
    let page = patient.get(&invoice).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("submit-invoice") && page.contains("¥100.00"));
    let r = patient
        .post(&invoice)
        .form(&[("title_kind", "company"), ("title", "示例科技有限公司"), ("tax_number", "91350100M000100Y44"), ("email", "fp@example.cn")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("统一社会信用代码校验位不正确"));
    let r = other.post(&invoice).form(&[("title_kind", "personal"), ("title", "冒名"), ("email", "x@example.cn")]).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(invoices(&api, "").await["total"], 0, "nothing recorded");
    let r = patient
        .post(&invoice)
        .form(&[("title_kind", "company"), ("title", "示例科技有限公司"), ("tax_number", "91350100M000100Y43"), ("email", "fp@example.cn")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
        (303, format!("/p/tj/checkup/invoice/{id}?ok=requested").as_str())
    );
    let page = patient.get(format!("{invoice}?ok=requested")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("发票申请已提交") && page.contains("待开票") && !page.contains("submit-invoice"));
    let list = invoices(&api, "").await;
    assert_eq!((list["total"].as_i64(), list["items"][0]["booking_id"].as_i64()), (Some(1), Some(id)));
    assert_eq!(list["items"][0]["title"], "示例科技有限公司");
    api.app.stop().await;
}

async fn shot(d: &WebDriver, name: &str) {
    hops_testkit::screenshot(d, name).await;
}

async fn click(d: &WebDriver, css: &str) {
    let e = d.find(By::Css(css)).await.unwrap();
    d.execute("arguments[0].scrollIntoView({block: 'center'});", vec![e.to_json().unwrap()]).await.unwrap();
    e.click().await.unwrap();
}

/// On a phone (390×844): the questionnaire from the selection page, its recommendations added
/// to the selection, and an invoice request; the console pages. Screenshots of each step go to
/// <build dir>/screenshots/h5-advice-*.png and checkup-*.png.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questionnaire_and_invoice_in_a_browser() {
    let api = with_questionnaire(Backend::Sqlite).await;
    let date = day_after(&api, 2);
    let (s, _) = api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(json!({"individual": 10}))).await;
    assert_eq!(s, 200);
    let browser = Browser::start().await;
    let d = &browser.driver;
    d.set_window_rect(0, 0, 390, 844).await.unwrap();
    let base = format!("{}/p/tj/checkup", api.app.url);
    d.goto(format!("{base}/packages/BASIC")).await.unwrap();
    browser.wait_for("合计").await;
    click(d, "#advice").await;
    browser.wait_for("您是否吸烟？").await;
    shot(d, "h5-advice-1-questions").await;
    for css in [
        "input[name='a.smoking'][value='吸烟']",
        "input[name='a.drink'][value='经常']",
        "input[name='a.family'][value='肝病']",
        "#sex option[value='M']",
    ] {
        click(d, css).await;
    }
    d.find(By::Id("age")).await.unwrap().send_keys("45").await.unwrap();
    click(d, "#get-advice").await;
    let t = browser.wait_for("为您推荐").await;
    assert!(t.contains("胸部CT") && t.contains("与「胸部DR」不能同时选择") && t.contains("有肝病家族史"), "{t}");
    shot(d, "h5-advice-2-recommendations").await;
    // Suggested, not ticked: the patient ticks them and drops the DR.
    for css in ["#recommended input[value=CT]", "#recommended input[value=USABD]"] {
        assert!(!d.find(By::Css(css)).await.unwrap().is_selected().await.unwrap(), "{css}");
        click(d, css).await;
    }
    click(d, "#included details:nth-of-type(1) > summary").await;
    click(d, "input[name=keep][value=DR]").await;
    let t = browser.wait_for("¥472.94").await;
    assert!(t.contains("合计"), "{t}");
    shot(d, "h5-advice-3-added").await;

    // An invoice for a paid booking, with the patient's session.
    let (_, id, token) = h5_book(&api, 31, &date).await;
    let (s, _) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{id}/payments"), Some(json!({"method": "onsite"}))).await;
    assert_eq!(s, 204);
    let mut cookie = Cookie::new("hops_patient", token);
    cookie.set_path("/p/tj");
    d.add_cookie(cookie).await.unwrap();
    d.goto(format!("{base}/orders/{id}")).await.unwrap();
    browser.wait_for("已支付").await;
    click(d, "#invoice").await;
    browser.wait_for("开票金额").await;
    click(d, "#title_kind option[value='company']").await;
    let title = d.find(By::Id("title")).await.unwrap();
    title.clear().await.unwrap();
    title.send_keys("示例科技有限公司").await.unwrap();
    d.find(By::Id("tax_number")).await.unwrap().send_keys("91350100M000100Y44").await.unwrap();
    d.find(By::Id("email")).await.unwrap().send_keys("fp@example.cn").await.unwrap();
    shot(d, "h5-advice-4-invoice-form").await;
    click(d, "#submit-invoice").await;
    browser.wait_for("校验位不正确").await;
    shot(d, "h5-advice-5-invoice-refused").await;
    let tax = d.find(By::Id("tax_number")).await.unwrap();
    tax.clear().await.unwrap();
    tax.send_keys("91350100M000100Y43").await.unwrap();
    click(d, "#submit-invoice").await;
    let t = browser.wait_for("发票申请已提交").await;
    assert!(t.contains("待开票") && t.contains("91350100M000100Y43"), "{t}");
    shot(d, "h5-advice-6-invoice-requested").await;

    // The console pages at a desktop size, signed in as the operator.
    d.set_window_rect(0, 0, 1366, 900).await.unwrap();
    // Signed out, the page sends us to the login form and back (no race between the login's
    // redirect and a second navigation).
    d.goto(format!("{}/checkup/questionnaire", api.app.url)).await.unwrap();
    d.find(By::Id("hospital")).await.unwrap().send_keys("tj").await.unwrap();
    d.find(By::Id("username")).await.unwrap().send_keys("operator").await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    click(d, "button[type=submit]").await;
    browser.wait_for("加项推荐规则").await;
    shot(d, "checkup-questionnaire").await;
    d.goto(format!("{}/checkup/invoices", api.app.url)).await.unwrap();
    let t = browser.wait_for("示例科技有限公司").await;
    assert!(t.contains("待开票") && t.contains("登记开票"), "{t}");
    shot(d, "checkup-invoices").await;
    browser.quit().await;
    api.app.stop().await;
}
