//! The employer contact's proxy booking (团检代预约) on the H5 pages, on both backends: the
//! contact signs in with an SMS code (read from the SMS sandbox), sees their employer and its
//! list, and books a person's card on their behalf — in headless Chromium at a phone's
//! viewport (screenshots: <build dir>/screenshots/h5-group-*.png) and over plain HTTP, where wrong
//! codes, phones that are no contact, crafted requests for another employer's people and
//! refused bookings change nothing.

use std::time::Duration;

use hops_checkup::group::Employer;
use hops_testkit::{Backend, Browser, TestApp, both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

use crate::checkup::{Api, day_after, id_number, setup};

both_backends!(contact_books_on_a_phone);
both_backends!(contact_sees_and_books_only_their_own);

const CONTACT: &str = "13800001111";
const OTHER_CONTACT: &str = "13800002222";
const BASE: &str = "/p/tj/checkup/group";

async fn upload(api: &Api, employer: &str, csv: String) {
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("名单.csv"));
    let url = format!("{}/api/v1/checkup/employers/{employer}/roster/import", api.app.url);
    let r = api.app.client().post(url).bearer_auth(&api.token).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// A listed person's name: 职工 and a character (`n` distinguishes them).
fn staff(n: u32) -> String {
    format!("职工{}", char::from_u32(0x4e00 + n).unwrap())
}

/// Two employers with their contacts, cards and lists: ACME (window days 1–30; 甲乙丙 and 24
/// more employees on a fixed card, 丁家属 on a family card paying 90 %), OTHER (庚员工).
/// Places: ACME 10 and OTHER 5 on days 1–5, ACME 1 on day 6.
async fn fixture(backend: Backend) -> Api {
    let api = setup(backend).await;
    let (from, to) = (day_after(&api, 1), day_after(&api, 30));
    for (code, name, contact, phone) in
        [("ACME", "示例科技有限公司", "人事 王芳", CONTACT), ("OTHER", "另一家公司", "行政 李强", OTHER_CONTACT)]
    {
        let e = json!({"code": code, "name": name, "contact_name": contact, "contact_phone": phone, "window_from": from, "window_to": to});
        let (s, b) = api.call(Method::POST, "/api/v1/checkup/employers", Some(e)).await;
        assert_eq!(s, 204, "{b}");
        let plan = json!({"code": "STAFF", "name": "员工卡", "kind": "fixed", "package": "BASIC"});
        let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/employers/{code}/plans"), Some(plan)).await;
        assert_eq!(s, 204, "{b}");
    }
    let family = json!({"code": "FAMILY", "name": "家属卡", "kind": "fixed", "package": "BASIC", "payer": "person", "person_pct": 90});
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/employers/ACME/plans", Some(family)).await;
    assert_eq!(s, 204, "{b}");
    for n in 1..=6 {
        let groups = if n == 6 { json!({"ACME": 1}) } else { json!({"ACME": 10, "OTHER": 5}) };
        let (s, b) = api
            .call(
                Method::PUT,
                &format!("/api/v1/checkup/capacity/{}", day_after(&api, n)),
                Some(json!({"individual": 10, "groups": groups})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let header = "姓名,身份证号,手机号,部门,体检卡,关系,员工身份证号\n";
    let line = |name: &str, n: u32, plan: &str, relation: &str, of: &str| {
        format!("{name},{},1370000{n:04},研发部,{plan},{relation},{of}\n", id_number(n))
    };
    let mut acme = [line("甲员工", 1, "STAFF", "", ""), line("乙员工", 2, "STAFF", "", ""), line("丙员工", 3, "STAFF", "", "")].concat();
    acme += &line("丁家属", 4, "FAMILY", "配偶", &id_number(1));
    for n in 10..34 {
        acme += &line(&staff(n), n, "STAFF", "", "");
    }
    upload(&api, "ACME", format!("{header}{acme}")).await;
    upload(&api, "OTHER", format!("{header}{}", line("庚员工", 50, "STAFF", "", ""))).await;
    api
}

async fn roster(api: &Api, employer: &str) -> Value {
    let (s, r) = api.call(Method::GET, &format!("/api/v1/checkup/employers/{employer}/roster"), None).await;
    assert_eq!(s, 200, "{r}");
    r
}

async fn person_id(api: &Api, employer: &str, name: &str) -> i64 {
    let r = roster(api, employer).await;
    r["people"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["id"].as_i64().unwrap()
}

async fn group_used(api: &Api, date: &str, employer: &str) -> i64 {
    let (_, day) = api.call(Method::GET, &format!("/api/v1/checkup/capacity/{date}"), None).await;
    day["pools"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "group" && p["key"] == employer)
        .map(|p| p["used"].as_i64().unwrap())
        .sum()
}

/// How many SMS the sandbox holds for `phone` (newest first).
async fn sms(app: &TestApp, phone: &str) -> Vec<String> {
    let v: Value = reqwest::get(format!("{}/sandbox/sms/outbox?phone={phone}", app.url)).await.unwrap().json().await.unwrap();
    v["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap().to_string()).collect()
}

/// The newest code sent to `phone` once there are more than `before` messages.
async fn code_after(app: &TestApp, phone: &str, before: usize) -> String {
    for _ in 0..100 {
        let list = sms(app, phone).await;
        if list.len() > before {
            return list[0].chars().filter(char::is_ascii_digit).take(6).collect();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no code arrived for {phone}");
}

// ---- in the browser ----

async fn shot(d: &WebDriver, name: &str) {
    hops_testkit::screenshot(d, &format!("h5-group-{name}")).await;
}

async fn click(d: &WebDriver, e: WebElement) {
    d.execute("arguments[0].scrollIntoView({block: 'center'});", vec![e.to_json().unwrap()]).await.unwrap();
    e.click().await.unwrap();
}

async fn contact_books_on_a_phone(backend: Backend) {
    let api = fixture(backend).await;
    let app = &api.app;
    let date = day_after(&api, 2);
    let jia = person_id(&api, "ACME", "甲员工").await;
    let browser = Browser::start().await;
    let d = &browser.driver;
    d.set_window_rect(0, 0, 390, 844).await.unwrap();

    // 1. Sign in with a code to the contact phone.
    d.goto(format!("{}{BASE}", app.url)).await.unwrap();
    browser.wait_for("单位联系人登录").await;
    d.find(By::Id("phone")).await.unwrap().send_keys(CONTACT).await.unwrap();
    d.find(By::Id("send-code")).await.unwrap().click().await.unwrap();
    browser.wait_for("验证码已发送").await;
    let code = code_after(app, CONTACT, 0).await;
    d.find(By::Id("code")).await.unwrap().send_keys(&code).await.unwrap();
    shot(d, "1-sign-in").await;
    d.find(By::Id("sign-in")).await.unwrap().click().await.unwrap();

    // 2. The employer with its progress; not another employer.
    let t = browser.wait_for("我的团检单位").await;
    assert!(t.contains("示例科技有限公司") && t.contains("名单共 28 人") && t.contains("未预约"), "{t}");
    assert!(!t.contains("另一家公司"), "{t}");
    shot(d, "2-employers").await;
    d.find(By::Id("open-ACME")).await.unwrap().click().await.unwrap();

    // 3. The list, 未预约 first, masked, in pages.
    let t = browser.wait_for("第 1 / 2 页").await;
    assert!(t.contains("甲员工") && t.contains("137****0001") && t.contains("未预约 28"), "{t}");
    assert!(!d.source().await.unwrap().contains(&id_number(1)), "no identity number in the page");
    shot(d, "3-list").await;
    d.find(By::Id("next")).await.unwrap().click().await.unwrap();
    let t = browser.wait_for("第 2 / 2 页").await;
    assert!(!t.contains("甲员工"), "{t}");
    d.execute("window.scrollTo(0, document.body.scrollHeight);", vec![]).await.unwrap();
    shot(d, "3b-list-page-2").await;
    d.find(By::Id("prev")).await.unwrap().click().await.unwrap();
    browser.wait_for("第 1 / 2 页").await;
    click(d, d.find(By::Id(format!("book-{jia}"))).await.unwrap()).await;

    // 4. Dates of the window with the employer's places; book.
    let t = browser.wait_for("选择体检日期").await;
    assert!(t.contains("甲员工") && t.contains("员工卡") && t.contains("基础套餐") && t.contains("余 10"), "{t}");
    let source = d.source().await.unwrap();
    assert!(!source.contains(&id_number(1)) && !source.contains("13700000001"), "the person's numbers stay on the server");
    click(d, d.find(By::Css(format!("input[name=date][value='{date}']"))).await.unwrap().find(By::XPath("..")).await.unwrap()).await;
    shot(d, "4-date").await;
    click(d, d.find(By::Id("confirm-book")).await.unwrap()).await;

    // 5. Booked and paid at once: the card covers everything.
    let t = browser.wait_for("代预约成功").await;
    assert!(t.contains("已支付") && t.contains(&date) && t.contains("单位联系人 人事 王芳") && t.contains("费用由单位承担"), "{t}");
    shot(d, "5-booked").await;

    // 6. The person shows as 已预约 in the list.
    d.find(By::Css("a.g-back")).await.unwrap().click().await.unwrap();
    let t = browser.wait_for("未预约 27").await;
    assert!(!t.contains("甲员工"), "{t}");
    d.find(By::Id("filter-booked")).await.unwrap().click().await.unwrap();
    let t = browser.wait_for("甲员工").await;
    assert!(t.contains("已预约") && t.contains(&format!("体检日期 {date}")), "{t}");
    shot(d, "6-booked-list").await;
    assert_eq!(roster(&api, "ACME").await["counts"]["booked"], 1);
    assert_eq!(group_used(&api, &date, "ACME").await, 1);
    browser.quit().await;
}

// ---- over HTTP ----

/// A contact's browser over plain HTTP: the session cookie kept by hand.
struct Contact {
    app_url: String,
    client: reqwest::Client,
    cookie: String,
}

impl Contact {
    async fn send(&self, method: Method, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let mut req = self.client.request(method, format!("{}{path}", self.app_url));
        if !self.cookie.is_empty() {
            req = req.header("cookie", format!("hops_contact={}", self.cookie));
        }
        if !form.is_empty() {
            req = req.form(form);
        }
        let r = req.send().await.unwrap();
        let cookie = r.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string());
        (r.status().as_u16(), r.text().await.unwrap(), cookie)
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let (s, b, _) = self.send(Method::GET, path, &[]).await;
        (s, b)
    }

    /// The form token of the signed-in pages.
    async fn form_token(&self) -> String {
        let (_, page) = self.get(BASE).await;
        let at = page.find("name=\"_t\" value=\"").expect("a signed-in page") + 17;
        page[at..at + 32].to_string()
    }
}

async fn sign_in(api: &Api, phone: &str, code: Option<&str>) -> (u16, String, Option<String>) {
    let c = Contact { app_url: api.app.url.clone(), client: api.app.client(), cookie: String::new() };
    let before = sms(&api.app, phone).await.len();
    let (s, page, _) = c.send(Method::POST, &format!("{BASE}/login"), &[("phone", phone), ("send_code", "1")]).await;
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("验证码已发送"), "{page}");
    let sent = code_after(&api.app, phone, before).await;
    let code = code.map_or(sent.clone(), |c| if c == sent { "000000".to_string() } else { c.to_string() });
    c.send(Method::POST, &format!("{BASE}/login"), &[("phone", phone), ("code", &code)]).await
}

async fn contact_sees_and_books_only_their_own(backend: Backend) {
    let api = fixture(backend).await;
    let app = &api.app;
    let (d2, d6) = (day_after(&api, 2), day_after(&api, 6));
    let anon = Contact { app_url: app.url.clone(), client: app.client(), cookie: String::new() };
    let (s, page) = anon.get(BASE).await;
    assert!(s == 200 && page.contains("单位联系人登录") && !page.contains("我的团检单位"), "{page}");
    let (s, _) = anon.get(&format!("{BASE}/employers/ACME")).await;
    assert_eq!(s, 303, "no session: back to sign-in");

    // A wrong code is refused: no session.
    let (s, page, cookie) = sign_in(&api, CONTACT, Some("123456")).await;
    assert_eq!(s, 422, "{page}");
    assert!(page.contains("验证码不正确") && cookie.is_none(), "{page}");
    // A phone that is no employer's contact is refused after its code: no session.
    let (s, page, cookie) = sign_in(&api, "13900009999", None).await;
    assert_eq!(s, 403, "{page}");
    assert!(page.contains("不是本院团检单位的联系人") && cookie.is_none(), "{page}");

    // The contact signs in: a hash-only, HttpOnly, SameSite cookie for the hospital's patient
    // pages (the platform's patient login, a contact's session).
    app.clock.advance_seconds(61);
    let (s, _, cookie) = sign_in(&api, CONTACT, None).await;
    assert_eq!(s, 303);
    let cookie = cookie.expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/p/tj;"), "{cookie}");
    let token = cookie.trim_start_matches("hops_contact=").split(';').next().unwrap().to_string();
    let c = Contact { app_url: app.url.clone(), client: app.client(), cookie: token.clone() };
    let (_, page) = c.get(BASE).await;
    assert!(page.contains("示例科技有限公司") && !page.contains("另一家公司"), "{page}");
    let t = c.form_token().await;

    // The list in pages of 20, numbers masked.
    let (_, page) = c.get(&format!("{BASE}/employers/ACME")).await;
    assert!(page.contains("第 1 / 2 页") && page.matches("class=\"h5-card g-row\"").count() == 20, "{page}");
    assert!(!page.contains(&id_number(1)) && !page.contains("13700000001") && page.contains("137****0001"), "{page}");
    let (_, page) = c.get(&format!("{BASE}/employers/ACME?progress=not_booked&page=2")).await;
    assert_eq!(page.matches("class=\"h5-card g-row\"").count(), 8, "{page}");
    let (_, page) = c.get(&format!("{BASE}/employers/ACME?progress=completed")).await;
    assert!(page.contains("没有「已完成」的人员"), "{page}");

    // Another employer's list and people are not there, and cannot be booked.
    let geng = person_id(&api, "OTHER", "庚员工").await;
    let (s, page) = c.get(&format!("{BASE}/employers/OTHER")).await;
    assert!(s == 404 && !page.contains("庚员工"), "{s} {page}");
    let (s, page) = c.get(&format!("{BASE}/people/{geng}")).await;
    assert!(s == 404 && !page.contains("庚员工"), "{s} {page}");
    let (s, page, _) = c.send(Method::POST, &format!("{BASE}/people/{geng}/book"), &[("_t", &t), ("date", &d2), ("request", "x1")]).await;
    assert!(s == 404 && !page.contains("庚员工"), "{s} {page}");
    assert_eq!(group_used(&api, &d2, "OTHER").await, 0);
    assert_eq!(roster(&api, "OTHER").await["counts"]["not_booked"], 1);
    // Nor does the session reach another hospital, even one where the phone is a contact.
    let hb = app.hospital("hb", &[]).await;
    let e = Employer {
        code: "ACME".into(),
        name: "乙院单位".into(),
        contact_name: "某人".into(),
        contact_phone_masked: String::new(),
        window: None,
        addon_pct: 100,
    };
    hops_checkup::group::service::save(&app.system(hb), &e, Some(CONTACT)).await.unwrap();
    let (_, page) = c.get("/p/hb/checkup/group").await;
    assert!(page.contains("单位联系人登录") && !page.contains("乙院单位"), "{page}");

    // Refusals say why in Chinese and change nothing.
    let jia = person_id(&api, "ACME", "甲员工").await;
    let yi = person_id(&api, "ACME", "乙员工").await;
    let bing = person_id(&api, "ACME", "丙员工").await;
    let book = |who: i64, date: String, request: &'static str, t: String| {
        let c = &c;
        async move { c.send(Method::POST, &format!("{BASE}/people/{who}/book"), &[("_t", &t), ("date", &date), ("request", request)]).await }
    };
    let (s, _, _) = c.send(Method::POST, &format!("{BASE}/people/{jia}/book"), &[("date", &d2), ("request", "r0")]).await;
    assert_eq!(s, 403, "a form without the session's token");
    let (s, page, _) = book(jia, day_after(&api, 40), "r1", t.clone()).await;
    assert!(s == 422 && page.contains("团检预约日期为"), "outside the window: {s} {page}");
    let (s, _, _) = book(yi, d6.clone(), "r2", t.clone()).await;
    assert_eq!(s, 303, "the last place of day 6");
    let (s, page, _) = book(bing, d6.clone(), "r3", t.clone()).await;
    assert!(s == 409 && page.contains("号源已约满"), "{s} {page}");
    let (s, page, _) = book(yi, d2.clone(), "r4", t.clone()).await;
    assert!(s == 409 && page.contains("请勿重复预约"), "{s} {page}");
    assert_eq!((group_used(&api, &d6, "ACME").await, group_used(&api, &d2, "ACME").await), (1, 0));
    assert_eq!(roster(&api, "ACME").await["counts"]["booked"], 1);
    // The same submission again books nothing twice.
    let (s, _, _) = book(yi, d6.clone(), "r2", t.clone()).await;
    assert_eq!(s, 303);
    assert_eq!(group_used(&api, &d6, "ACME").await, 1);

    // A family card: booked, the person pays their part themselves.
    let ding = person_id(&api, "ACME", "丁家属").await;
    let (s, _, _) = book(ding, d2.clone(), "r5", t.clone()).await;
    assert_eq!(s, 303);
    let (_, page) = c.get(&format!("{BASE}/people/{ding}?ok=booked")).await;
    assert!(
        page.contains("代预约成功") && page.contains("待支付") && page.contains("¥90.00") && page.contains("须由受检人本人支付"),
        "{page}"
    );
    let (_, page) = c.get(&format!("{BASE}/people/{yi}")).await;
    assert!(page.contains("已支付") && page.contains("单位联系人 人事 王芳") && page.contains(&d6), "{page}");

    // Signing out ends the session on the server.
    let (s, _, cleared) = c.send(Method::POST, &format!("{BASE}/logout"), &[("_t", &t)]).await;
    assert!(s == 303 && cleared.unwrap().contains("Max-Age=0"));
    let (_, page) = c.get(BASE).await;
    assert!(page.contains("单位联系人登录"), "{page}");
}
