//! Group checkups through the HTTP API on both backends: cards of the three kinds and family
//! cards split what an order costs between employer and person, only listed people may book
//! (and only as themselves), lists are imported whole or not at all, progress counts and
//! reminders follow the bookings, and the check-in desk verifies the person before recording
//! who checked them in.

use hops_kernel::LocalDay;
use hops_testkit::{Backend, TestApp, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

use crate::checkup::{Api, day_after, id_number, setup};

both_backends!(group_cards_split_and_listing);
both_backends!(group_console_and_desk);

async fn upload(app: &TestApp, token: &str, path: &str, csv: String) -> (u16, Value) {
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("名单.csv"));
    let r = app.client().post(format!("{}{path}", app.url)).bearer_auth(token).multipart(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn person(name: &str, n: u32) -> Value {
    json!({"name": name, "id_number": id_number(n), "phone": format!("1370000{n:04}")})
}

async fn book(api: &Api, who: Value, date: &str, extra: Value) -> (u16, Value) {
    let mut body = json!({"pool": "group", "employer": "ACME", "date": date, "person": who});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    if extra.get("group_card").is_some() {
        body.as_object_mut().unwrap().remove("employer");
    }
    api.call(Method::POST, "/api/v1/checkup/bookings", Some(body)).await
}

async fn group_used(api: &Api, date: &str) -> i64 {
    let (_, day) = api.call(Method::GET, &format!("/api/v1/checkup/capacity/{date}"), None).await;
    day["pools"].as_array().unwrap().iter().filter(|p| p["kind"] == "group").map(|p| p["used"].as_i64().unwrap()).sum()
}

async fn roster(api: &Api) -> Value {
    let (s, r) = api.call(Method::GET, "/api/v1/checkup/employers/ACME/roster", None).await;
    assert_eq!(s, 200, "{r}");
    r
}

async fn group_cards_split_and_listing(backend: Backend) {
    let mut api = setup(backend).await;
    let (from, to, date) = (day_after(&api, 1), day_after(&api, 30), day_after(&api, 2));
    let employer = json!({"code": "ACME", "name": "示例科技有限公司", "contact_name": "人事 王芳", "contact_phone": "13800001111",
                          "window_from": from, "window_to": to, "addon_pct": 80});
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/employers", Some(employer)).await;
    assert_eq!(s, 204, "{b}");
    let (_, list) = api.call(Method::GET, "/api/v1/checkup/employers", None).await;
    assert_eq!(list[0]["contact_phone"], "138****1111");
    assert_eq!(list[0]["addon_pct"], 80);
    let (s, b) = api
        .call(
            Method::PUT,
            &format!("/api/v1/checkup/capacity/{date}"),
            Some(json!({"individual": 10, "groups": {"ACME": 3}, "resources": {"mri": 5}})),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    // Cards: invalid ones are refused whole and change nothing.
    for (bad, field) in [
        (json!({"code": "X", "name": "额度卡", "kind": "amount", "package": "BASIC"}), "budget"),
        (json!({"code": "X", "name": "自选卡", "kind": "menu", "package": "BASIC", "menu_items": ["NOPE"]}), "menu_items"),
        (json!({"code": "X", "name": "卡", "kind": "fixed", "package": "NOPE"}), "package"),
        (json!({"code": "X", "name": "卡", "kind": "gold", "package": "BASIC"}), "kind"),
        (json!({"code": "X", "name": "家属卡", "kind": "fixed", "package": "BASIC", "payer": "person", "person_pct": 120}), "person_pct"),
    ] {
        let (s, b) = api.call(Method::POST, "/api/v1/checkup/employers/ACME/plans", Some(bad)).await;
        assert_eq!(s, 422, "{b}");
        assert!(b["error"]["fields"].as_array().unwrap().iter().any(|f| f["field"] == field), "{field}: {b}");
    }
    for plan in [
        json!({"code": "STAFF", "name": "员工卡", "kind": "fixed", "package": "BASIC"}),
        json!({"code": "BUDGET", "name": "金额卡", "kind": "amount", "package": "BASIC", "budget": "200.00"}),
        json!({"code": "MENU", "name": "自选卡", "kind": "menu", "package": "BASIC", "menu_items": ["MRI", "CT"], "menu_pick": 1}),
        json!({"code": "FAMILY", "name": "家属卡", "kind": "fixed", "package": "BASIC", "payer": "person", "person_pct": 90}),
    ] {
        let (s, b) = api.call(Method::POST, "/api/v1/checkup/employers/ACME/plans", Some(plan)).await;
        assert_eq!(s, 204, "{b}");
    }
    let (_, plans) = api.call(Method::GET, "/api/v1/checkup/employers/ACME/plans", None).await;
    assert_eq!(
        plans.as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect::<Vec<_>>(),
        ["BUDGET", "FAMILY", "MENU", "STAFF"]
    );

    // Per-item discounts: unknown items refused, nothing changed.
    let (s, _) = api.call(Method::PUT, "/api/v1/checkup/employers/ACME/discounts", Some(json!({"items": {"NOPE": 50}}))).await;
    assert_eq!(s, 422);
    let (s, d) = api.call(Method::PUT, "/api/v1/checkup/employers/ACME/discounts", Some(json!({"items": {"MRI": 50}}))).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d, json!({"default_pct": 80, "items": {"MRI": 50}}));

    // The list: a file with a bad row is refused whole, every problem listed.
    let header = "姓名,身份证号,手机号,部门,体检卡,关系,员工身份证号\n";
    let line = |name: &str, n: u32, plan: &str, relation: &str, of: &str| {
        format!("{name},{},1370000{n:04},研发部,{plan},{relation},{of}\n", id_number(n))
    };
    let good = [
        line("甲员工", 1, "STAFF", "", ""),
        line("乙员工", 2, "BUDGET", "", ""),
        line("丙员工", 3, "MENU", "", ""),
        line("丁家属", 4, "FAMILY", "配偶", &id_number(1)),
        line("戊员工", 6, "STAFF", "本人", ""),
    ]
    .concat();
    let bad = format!("{header}{good}{}", line("己员工", 7, "GOLD", "", ""));
    let (s, r) = upload(&api.app, &api.token, "/api/v1/checkup/employers/ACME/roster/import", bad).await;
    assert_eq!(s, 422, "{r}");
    assert_eq!(r["committed"], false);
    assert_eq!(r["errors"], json!([{"row": 7, "column": "体检卡", "message": "体检卡 GOLD 不存在，请先在单位中设置"}]));
    assert_eq!(roster(&api).await["people"], json!([]));
    let (s, r) = upload(&api.app, &api.token, "/api/v1/checkup/employers/ACME/roster/import", format!("{header}{good}")).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["inserted"].as_i64(), r["updated"].as_i64()), (Some(5), Some(0)));
    let (_, r) = upload(&api.app, &api.token, "/api/v1/checkup/employers/ACME/roster/import", format!("{header}{good}")).await;
    assert_eq!((r["inserted"].as_i64(), r["updated"].as_i64()), (Some(0), Some(5)), "re-import updates by identity number");
    let people = roster(&api).await["people"].clone();
    assert_eq!(people.as_array().unwrap().len(), 5);
    let card =
        |name: &str| people.as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["card_number"].as_str().unwrap().to_string();
    assert!(people.to_string().contains("********"), "numbers are masked: {people}");
    assert!(!people.to_string().contains(&id_number(1)), "no identity number in clear");

    // Only listed people book, nothing taken otherwise.
    let (s, b) = book(&api, person("路人甲", 99), &date, json!({})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (422, Some("not_listed")), "{b}");
    let (s, b) = book(&api, person("冒名者", 1), &date, json!({})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (422, Some("not_listed")), "a listed number under another name: {b}");
    let (s, b) = book(&api, person("戊员工", 6), &date, json!({"group_card": card("丙员工")})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (422, Some("not_listed")), "someone else's card: {b}");
    let (s, b) = book(&api, person("甲员工", 1), &date, json!({"package": "HEAD"})).await;
    assert_eq!(s, 422, "another package than the card's: {b}");
    let (s, b) = book(&api, person("甲员工", 1), &day_after(&api, 40), json!({})).await;
    assert_eq!(s, 422, "outside the window: {b}");
    assert_eq!(group_used(&api, &date).await, 0);

    // Fixed card: the employer pays the package; nothing to pay, booked at once.
    let (s, a) = book(&api, person("甲员工", 1), &date, json!({})).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!((a["status"].as_str(), a["total"].as_str(), a["employer_pays"].as_str()), (Some("paid"), Some("0.00"), Some("100.00")));
    assert_eq!(a["hold_until"], Value::Null);
    let (s, b) = book(&api, person("甲员工", 1), &day_after(&api, 3), json!({})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("duplicate_booking")), "one group booking per person: {b}");
    // Amount card of 200: the package (100) fits, the MRI (800) does not: the person pays it at
    // the item's 50 % discount.
    let (s, b) = book(&api, person("乙员工", 2), &date, json!({"add_items": ["MRI"]})).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(
        (b["status"].as_str(), b["total"].as_str(), b["employer_pays"].as_str()),
        (Some("pending_payment"), Some("400.00"), Some("100.00"))
    );
    // Menu card (pick 1 of MRI, CT), by card number: the MRI is covered.
    let (s, c) = book(&api, person("丙员工", 3), &date, json!({"group_card": card("丙员工"), "add_items": ["MRI"]})).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!((c["total"].as_str(), c["employer_pays"].as_str(), c["pool"].as_str()), (Some("0.00"), Some("900.00"), Some("group")));
    // The employer's 3 places are taken: the family member gets capacity_full, nothing else.
    let (s, b) = book(&api, person("丁家属", 4), &date, json!({})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("capacity_full")), "{b}");
    assert_eq!(group_used(&api, &date).await, 3);
    api.call(
        Method::PUT,
        &format!("/api/v1/checkup/capacity/{date}"),
        Some(json!({"individual": 10, "groups": {"ACME": 5}, "resources": {"mri": 5}})),
    )
    .await;
    // Family card: the family member pays 90 % of everything.
    let (s, b) = book(&api, person("丁家属", 4), &date, json!({})).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!((b["total"].as_str(), b["employer_pays"].as_str()), (Some("90.00"), Some("0.00")));

    // Progress, export, reminders to the one not booked.
    let r = roster(&api).await;
    assert_eq!(r["counts"], json!({"not_booked": 1, "booked": 4, "checked_in": 0, "completed": 0}));
    let resp = api
        .app
        .client()
        .get(format!("{}/api/v1/checkup/employers/ACME/roster.xlsx", api.app.url))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.unwrap().starts_with(b"PK"), "an XLSX workbook");
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/employers/ACME/remind", None).await;
    assert_eq!((s, b["sent"].as_i64()), (200, Some(1)), "{b}");

    // A covered booking can be cancelled (nothing was paid), giving its place back.
    let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{}/cancel", c["id"]), None).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("cancelled")), "{b}");
    assert_eq!(group_used(&api, &date).await, 3);
    let r = roster(&api).await;
    assert_eq!(r["counts"], json!({"not_booked": 2, "booked": 3, "checked_in": 0, "completed": 0}), "cancelled counts as not booked");

    // Check-in on the day: the wrong person is refused and changes nothing; then the right one.
    let check_in = format!("/api/v1/checkup/bookings/{}/check-in", a["id"]);
    let (s, b) = api.call(Method::POST, &check_in, Some(json!({"id_number": id_number(1), "name": "甲员工"}))).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("wrong_day")), "{b}");
    api.app.clock.set(LocalDay::parse(&date).unwrap().start().plus_seconds(8 * 3600));
    api.token = api.app.token("tj", "operator").await;
    let (s, b) = api.call(Method::POST, &check_in, Some(json!({"id_number": id_number(6), "name": "甲员工"}))).await;
    assert_eq!((s, b["error"]["code"].as_str()), (422, Some("identity_mismatch")), "{b}");
    let (_, got) = api.call(Method::GET, &format!("/api/v1/checkup/bookings/{}", a["id"]), None).await;
    assert_eq!(got["status"], "paid");
    let (s, b) = api.call(Method::POST, &check_in, Some(json!({"id_number": id_number(1), "name": "甲员工"}))).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("checked_in")), "{b}");
    let (s, b) = api.call(Method::POST, &check_in, Some(json!({"id_number": id_number(1), "name": "甲员工"}))).await;
    assert_eq!(s, 409, "checked in once: {b}");
    let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{}/complete", a["id"]), None).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("completed")), "{b}");
    assert_eq!(roster(&api).await["counts"]["completed"], 1);
}

/// The console: an employer and a card saved through the forms (a bad one shows its reason and
/// saves nothing), a list uploaded, progress shown, and a check-in through the desk form.
async fn group_console_and_desk(backend: Backend) {
    let mut api = setup(backend).await;
    let (web, csrf) = api.app.web_login("tj", "operator").await;
    let url = |p: &str| format!("{}{p}", api.app.url);
    let (from, to, date) = (day_after(&api, 1), day_after(&api, 30), day_after(&api, 2));
    let form = |code: &str, from: &str| {
        vec![
            ("_csrf", csrf.clone()),
            ("code", code.to_string()),
            ("name", "示例物流有限公司".to_string()),
            ("contact_name", "办公室 李明".to_string()),
            ("contact_phone", "13800002222".to_string()),
            ("window_from", from.to_string()),
            ("window_to", to.clone()),
            ("addon_pct", "90".to_string()),
        ]
    };
    let r = web.post(url("/checkup/groups")).form(&form("WL", &day_after(&api, 40))).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("预约截止日期早于开始日期"));
    let (_, list) = api.call(Method::GET, "/api/v1/checkup/employers", None).await;
    assert_eq!(list, json!([]), "nothing saved");
    let r = web.post(url("/checkup/groups")).form(&form("WL", &from)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let card =
        [("_csrf", csrf.as_str()), ("code", "STAFF"), ("name", "员工卡"), ("kind", "fixed"), ("package", "BASIC"), ("payer", "employer")];
    assert_eq!(web.post(url("/checkup/groups/WL/plans")).form(&card).send().await.unwrap().status(), 303);
    let roster =
        format!("姓名,身份证号,手机号,体检卡\n甲员工,{},13700000001,STAFF\n乙员工,{},13700000002,STAFF\n", id_number(1), id_number(2));
    let upload = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(roster.into_bytes()).file_name("名单.csv"));
    let r = web.post(url(&format!("/checkup/groups/WL/roster?_csrf={csrf}"))).multipart(upload).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("名单已导入：新增 2 人"));
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(json!({"individual": 5, "groups": {"WL": 5}}))).await;
    let (s, b) = api
        .call(
            Method::POST,
            "/api/v1/checkup/bookings",
            Some(json!({"pool": "group", "employer": "WL", "date": date, "person": person("甲员工", 1)})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let page = web.get(url("/checkup/groups")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("示例物流有限公司") && page.contains("已预约 1 / 2"), "progress on the list");
    let page = web.get(url("/checkup/groups/WL?progress=not_booked")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("乙员工") && !page.contains("甲员工"), "filtered to those not booked");
    assert!(page.contains("短信提醒未预约的 1 人"));

    // The desk on the day: a wrong identity number is refused, the right one checks in.
    api.app.clock.set(LocalDay::parse(&date).unwrap().start().plus_seconds(9 * 3600));
    api.token = api.app.token("tj", "operator").await;
    let (web, csrf) = api.app.web_login("tj", "operator").await;
    let page = web.get(url("/checkup/desk")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("甲员工"), "today's paid booking is on the desk");
    let desk = format!("/checkup/desk/{}/check-in", b["id"]);
    let r = web.post(url(&desk)).form(&[("_csrf", csrf.as_str()), ("name", "甲员工"), ("id_number", &id_number(2))]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("身份证号或姓名与预约人不符"));
    let r = web.post(url(&desk)).form(&[("_csrf", csrf.as_str()), ("name", "甲员工"), ("id_number", &id_number(1))]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, got) = api.call(Method::GET, &format!("/api/v1/checkup/bookings/{}", b["id"]), None).await;
    assert_eq!(got["status"], "checked_in");
}
