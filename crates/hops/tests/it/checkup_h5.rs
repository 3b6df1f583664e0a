//! The patient H5 booking flow, on both backends over HTTP and in real headless Chromium at a
//! phone's viewport (390×844): the date first, the items folded by body part, only the add-ons
//! that fit the package (never the gynaecology items on a men's package — refused when posted
//! anyway, with nothing saved), the questionnaire's recommendations suggested with their
//! reasons and never ticked, its answers posted and never in an address, every refusal at its
//! field; then an SMS code (read from the SMS sandbox), payment in the WeChat Pay sandbox, my
//! orders, a refund. Screenshots of every step go to <build dir>/screenshots/h5-*.png.

use std::time::Duration;

use hops_kernel::{Clock, IdCardNumber, LocalDay};
use hops_testkit::{Backend, Browser, both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

use super::checkup::{Api, booked_ids, day_after, id_number, setup};
use super::h5_identity::{new_code, outbox};

both_backends!(unfit_add_ons_are_neither_offered_nor_booked);
both_backends!(health_answers_are_posted_never_in_an_address);

/// The test catalogue (see `checkup::setup`) with a package for men (blood, liver, chest DR for
/// ¥100), a questionnaire recommending the chest CT to smokers and the cervical test (married
/// women) to the unscreened, and places on the next five days.
async fn with_mens_package(backend: Backend) -> Api {
    let api = setup(backend).await;
    let men =
        json!({"code": "MEN", "name": "男士套餐", "price": "100.00", "items": ["BLOOD", "LIVER", "DR"], "applicability": {"sex": "男"}});
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/packages", Some(men)).await;
    assert_eq!(s, 200, "{b}");
    let questionnaire = json!({
        "questions": [
            {"code": "smoking", "text": "您是否吸烟？", "kind": "single", "options": ["不吸烟", "吸烟"], "active": true},
            {"code": "screening", "text": "近三年做过宫颈癌筛查吗？", "kind": "single", "options": ["做过", "没做过"], "active": true}
        ],
        "rules": [
            {"question": "smoking", "answer": "吸烟", "item": "CT", "reason": "长期吸烟者肺癌风险高，建议低剂量螺旋CT"},
            {"question": "screening", "answer": "没做过", "item": "TCT", "reason": "已婚女性宜定期做宫颈筛查"}
        ]
    });
    let (s, b) = api.call(Method::PUT, "/api/v1/checkup/questionnaire", Some(questionnaire)).await;
    assert_eq!(s, 200, "{b}");
    for n in 1..=5 {
        let d = day_after(&api, n);
        let (s, b) = api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{d}"), Some(json!({"individual": 20}))).await;
        assert_eq!(s, 200, "{b}");
    }
    api
}

/// A form's fields as a body (`application/x-www-form-urlencoded`, repeats kept).
fn form(fields: &[(&str, &str)]) -> String {
    let mut u = reqwest::Url::parse("http://form/").unwrap();
    u.query_pairs_mut().extend_pairs(fields);
    u.query().unwrap_or_default().to_string()
}

/// Posts a form; the status, the `Location` (if any), whether a session cookie was set, the page.
async fn post(client: &reqwest::Client, url: &str, body: String) -> (u16, String, bool, String) {
    let r = client.post(url).header("content-type", "application/x-www-form-urlencoded").body(body).send().await.unwrap();
    let status = r.status().as_u16();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("hops_patient=") && !c.to_str().unwrap().starts_with("hops_patient=;"));
    (status, location, session, r.text().await.unwrap())
}

/// Every address a page links, submits or fetches to (`href`, `action`, `formaction`, `src`,
/// `data-live`).
fn addresses(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [" href=\"", " action=\"", " formaction=\"", " src=\"", " data-live=\""] {
        for (at, _) in page.match_indices(attr) {
            let rest = &page[at + attr.len()..];
            out.push(rest[..rest.find('"').unwrap_or(rest.len())].to_string());
        }
    }
    out
}

/// The selection form of the men's package: everything kept, on `date`.
fn mens(date: &str) -> Vec<(&'static str, String)> {
    [("package", "MEN"), ("sel", "1"), ("keep", "BLOOD"), ("keep", "LIVER"), ("keep", "DR")]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .chain([("date", date.to_string())])
        .collect()
}

/// The same with the chest CT instead of the DR it excludes.
fn mens_ct(date: &str) -> Vec<(&'static str, String)> {
    let mut fields = mens(date);
    fields.retain(|(k, v)| !(*k == "keep" && v == "DR"));
    fields.push(("add", "CT".into()));
    fields
}

fn body(fields: &[(&'static str, String)]) -> String {
    form(&fields.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())
}

/// The identification form for the selection `query` (no code: asks for one).
fn identify(query: &str, n: u32, code: &str) -> String {
    let (id, phone) = (id_number(n), format!("139{n:08}"));
    let request = format!("r{n}");
    let mut fields =
        vec![("query", query), ("request", &request), ("name", "周建国"), ("id_number", &id), ("phone", &phone), ("code", code)];
    if code.is_empty() {
        fields.push(("send_code", "1"));
    }
    form(&fields)
}

async fn unfit_add_ons_are_neither_offered_nor_booked(backend: Backend) {
    let api = with_mens_package(backend).await;
    let base = format!("{}/p/tj/checkup", api.app.url);
    let client = api.app.browser_client();
    let page = client.get(format!("{base}/packages/MEN")).send().await.unwrap().text().await.unwrap();
    // Offered on the men's package: the chest CT and the head MRI, never the cervical test.
    assert!(page.contains(r#"name="add" value="CT""#) && page.contains(r#"name="add" value="MRI""#), "{page}");
    assert!(!page.contains("宫颈TCT") && !page.contains(r#"value="TCT""#) && !page.contains("盆腔"), "{page}");
    assert!(page.contains("只列出适合男性的项目"), "{page}");
    // The date comes first, the items folded by body part.
    assert!(page.find("选择体检日期").unwrap() < page.find("套餐内项目").unwrap());
    assert!(
        page.contains("<summary>血液<span class=\"muted\">2 项</span></summary>") && !page.contains("<details class=\"h5-part\" open>"),
        "{page}"
    );
    // On a package for anyone it is offered: whom an add-on fits is the package's.
    let basic = client.get(format!("{base}/packages/BASIC")).send().await.unwrap().text().await.unwrap();
    assert!(basic.contains(r#"name="add" value="TCT""#));

    // Posted anyway: refused by the live check, the selection step and the booking, naming why.
    let refusal = "「宫颈TCT」仅适用于女性、已婚者，与套餐「男士套餐」的适用人群（男性）不符，不能加选";
    let date = day_after(&api, 2);
    let mut with_tct = mens(&date);
    with_tct.push(("add", "TCT".into()));
    let (s, _, _, live) = post(&client, &format!("{base}/packages/MEN/check"), body(&with_tct)).await;
    assert!(s == 200 && live.contains(refusal), "{live}");
    let mut review = with_tct.clone();
    review.push(("step", "review".into()));
    let (s, _, _, page) = post(&client, &format!("{base}/book"), body(&review)).await;
    assert_eq!(s, 422, "{page}");
    let at_item = &page[page.find(r#"id="item-TCT""#).unwrap()..];
    assert!(page.contains(r#"class="h5-item has-error" id="item-TCT""#) && at_item[..at_item.find("</label>").unwrap()].contains(refusal));
    // With a code for the phone of a man: refused before the code is spent; no session, no booking.
    let before = outbox(&api, "13900000402").await.len();
    let (s, _, _, page) = post(&client, &format!("{base}/book"), identify(&body(&mens(&date)), 402, "")).await;
    assert!(s == 200 && page.contains("验证码已发送"), "{page}");
    let code = new_code(&api, "13900000402", before).await;
    let (s, location, session, page) = post(&client, &format!("{base}/book"), identify(&body(&with_tct), 402, &code)).await;
    assert_eq!((s, location.as_str(), session), (422, "", false), "{page}");
    assert!(page.contains(refusal), "{page}");
    assert_eq!(booked_ids(&api).await, Vec::<i64>::new(), "nothing booked");
    let (s, b) = api
        .call(
            Method::POST,
            "/api/v1/checkup/bookings",
            Some(json!({"package": "MEN", "add_items": ["TCT"], "date": date, "pool": "individual",
                        "person": {"name": "周建国", "id_number": id_number(402), "phone": "13900000402"}})),
        )
        .await;
    assert_eq!((s, b["error"]["violations"][0]["code"].as_str()), (422, Some("not_for_package")), "{b}");
    assert_eq!(booked_ids(&api).await, Vec::<i64>::new(), "nothing booked through the API either");
    // Without it, the same code books.
    let (s, location, session, page) = post(&client, &format!("{base}/book"), identify(&body(&mens(&date)), 402, &code)).await;
    assert_eq!((s, session), (303, true), "{page}");
    assert!(location.starts_with("/p/tj/checkup/orders/"));

    // No date: said at the date, what was ticked kept.
    let mut no_date = mens_ct("");
    no_date.push(("step", "review".into()));
    let (s, _, _, page) = post(&client, &format!("{base}/book"), body(&no_date)).await;
    assert_eq!(s, 422, "{page}");
    assert!(page.contains(r#"<p class="field-error" role="alert" id="date-error">请选择体检日期</p>"#), "{page}");
    assert!(page.contains(r#"name="add" value="CT" checked"#) && page.contains(r#"name="keep" value="DR">"#), "kept as ticked");
    // Bounded: a form of hundreds of codes is refused whole.
    let flood = (0..400).map(|n| format!("add=X{n}")).collect::<Vec<_>>().join("&");
    let (s, _, _, _) = post(&client, &format!("{base}/packages/MEN/check"), flood).await;
    assert_eq!(s, 413);
    api.app.stop().await;
}

async fn health_answers_are_posted_never_in_an_address(backend: Backend) {
    let api = with_mens_package(backend).await;
    let base = format!("{}/p/tj/checkup", api.app.url);
    let client = api.app.browser_client();
    let date = day_after(&api, 2);
    let mut seen: Vec<String> = Vec::new();
    // From the selection page, the questionnaire: a POST carrying the selection.
    let (s, _, _, page) = post(&client, &format!("{base}/packages/MEN/advice"), body(&mens(&date))).await;
    assert!(s == 200 && page.contains("您是否吸烟？") && page.contains(r#"method="post""#), "{page}");
    seen.extend(addresses(&page));
    // An option the question does not have and an age of 200: refused at their fields, the rest
    // of what was given kept.
    let mut bad = mens(&date);
    bad.extend([("a.smoking", "偶尔".into()), ("a.screening", "没做过".into()), ("age", "200".into()), ("answered", "1".into())]);
    let (s, location, _, page) = post(&client, &format!("{base}/packages/MEN/advice"), body(&bad)).await;
    assert_eq!((s, location.as_str()), (422, ""), "{page}");
    assert!(
        page.contains(r#"<div class="form-q has-error" id="q-smoking""#) && page.contains("「您是否吸烟？」没有选项「偶尔」"),
        "{page}"
    );
    assert!(page.contains(r#"id="age-error">年龄须为 0–120 之间的整数，也可不填</p>"#), "{page}");
    assert!(page.contains(r#"name="a.screening" value="没做过" checked"#) && page.contains(r#"value="200""#), "kept");
    seen.extend(addresses(&page));

    // Answered: the selection page again (no redirect), the CT recommended with its reason and
    // not ticked, the total what is ticked; the cervical test (women) not recommended at all.
    let mut answered = mens(&date);
    answered.extend([("a.smoking", "吸烟".into()), ("a.screening", "没做过".into()), ("age", "45".into()), ("answered", "1".into())]);
    let (s, location, _, page) = post(&client, &format!("{base}/packages/MEN/advice"), body(&answered)).await;
    assert_eq!((s, location.as_str()), (200, ""), "{page}");
    let rec = &page[page.find(r#"id="recommended""#).unwrap()..];
    let rec = &rec[..rec.find("</details>").unwrap()];
    assert!(rec.contains("推荐理由：长期吸烟者肺癌风险高，建议低剂量螺旋CT"), "{page}");
    assert!(rec.contains(r#"<input type="checkbox" name="add" value="CT">"#), "not ticked: {page}");
    assert!(page.contains(r#"<strong id="total">¥100.00</strong>"#), "the total counts only what is ticked");
    assert!(!page.contains("宫颈TCT") && page.contains("只列出适合男性、45 岁的项目"), "{page}");
    // The answers ride on in hidden fields of a POST form, and nowhere else.
    assert!(page.contains(r#"<input type="hidden" name="a.smoking" value="吸烟">"#), "{page}");
    assert!(!page.to_lowercase().contains(r#"method="get""#), "no GET form on a page that carries answers");
    seen.extend(addresses(&page));
    // The next step takes the selection only.
    let mut next = mens_ct(&date);
    next.extend([("a.smoking", "吸烟".into()), ("a.screening", "没做过".into()), ("age", "45".into())]);
    next.extend([("advised", "1".into()), ("step", "review".into())]);
    let (s, location, _, page) = post(&client, &format!("{base}/book"), body(&next)).await;
    assert_eq!((s, location.as_str()), (200, ""), "{page}");
    assert!(page.contains("确认预约") && page.contains("胸部CT") && !page.contains("吸烟") && !page.contains("a.smoking"), "{page}");
    seen.extend(addresses(&page));
    let query = body(&mens_ct(&date));
    let before = outbox(&api, "13900000404").await.len();
    let (s, location, _, _) = post(&client, &format!("{base}/book"), identify(&query, 404, "")).await;
    assert_eq!((s, location.as_str()), (200, ""));
    let code = new_code(&api, "13900000404", before).await;
    let (s, location, _, page) = post(&client, &format!("{base}/book"), identify(&query, 404, &code)).await;
    assert_eq!(s, 303, "{page}");
    assert!(location.starts_with("/p/tj/checkup/orders/") && !location.contains('?'), "{location}");
    seen.push(location);

    // Answers in a link are never read.
    let linked = format!("{base}/packages/MEN/advice?answered=1&advised=1&a.smoking=%E5%90%B8%E7%83%9F&age=45");
    let page = client.get(&linked).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("您是否吸烟？") && !page.contains(r#"value="吸烟" checked"#) && !page.contains(r#"value="45""#), "{page}");
    let page =
        client.get(format!("{base}/packages/MEN?advised=1&a.smoking=%E5%90%B8%E7%83%9F")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("为您推荐") && !page.contains("a.smoking"), "{page}");

    // No address any page gave or any redirect went to carries an answer.
    assert!(seen.len() > 10, "{seen:?}");
    for a in &seen {
        for needle in ["a.smoking", "a.screening", "吸烟", "%E5%90%B8%E7%83%9F", "没做过", "&age=", "?age=", "advised", "answered"] {
            assert!(!a.contains(needle), "{a} carries {needle}");
        }
    }
    api.app.stop().await;
}

async fn shot(d: &WebDriver, name: &str) {
    hops_testkit::screenshot(d, &format!("h5-{name}")).await;
}

/// Clicks an element after bringing it to the middle of the screen (the price bar stays at
/// the bottom, as on a phone).
async fn click(d: &WebDriver, e: WebElement) {
    d.execute("arguments[0].scrollIntoView({block: 'center'});", vec![e.to_json().unwrap()]).await.unwrap();
    e.click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patient_books_pays_and_refunds_on_a_phone() {
    let api = setup(Backend::Sqlite).await;
    for n in 1..=5 {
        let d = day_after(&api, n);
        let (s, b) = api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{d}"), Some(json!({"individual": 20}))).await;
        assert_eq!(s, 200, "{b}");
    }
    let app = &api.app;
    // The centre's address, shown once the booking is paid.
    let (web, csrf) = app.web_login("tj", "operator").await;
    let centre = [
        ("_csrf", csrf.as_str()),
        ("name", "示范医院健康管理中心"),
        ("address", "杭州市西湖区示范路 1 号 3 层"),
        ("arrival", "07:30–10:00 空腹到检"),
    ];
    assert_eq!(web.post(format!("{}/checkup/centre", app.url)).form(&centre).send().await.unwrap().status(), 303);
    let today = app.clock.now().local_day();
    let id_number = IdCardNumber::generate(330106, LocalDay::parse("1986-05-17").unwrap(), 11).as_str().to_string();
    let browser = Browser::start().await;
    let d = &browser.driver;
    d.set_window_rect(0, 0, 390, 844).await.unwrap();

    // 1. Packages.
    d.goto(format!("{}/p/tj/checkup", app.url)).await.unwrap();
    let t = browser.body_text().await;
    assert!(t.contains("选择体检套餐") && t.contains("基础套餐") && t.contains("¥100.00"), "{t}");
    shot(d, "1-packages").await;
    d.find(By::Id("pkg-BASIC")).await.unwrap().click().await.unwrap();

    // 2. Items by body part, live price; a swap that breaks a rule is named at once.
    let t = browser.wait_for("合计").await;
    assert!(t.contains("¥100.00") && t.contains("胸部") && t.contains("血液"), "{t}");
    shot(d, "2-package").await;
    // The groups with package items are open; add CT in 胸部: it excludes DR, in the package.
    for s in d.find_all(By::Css("details.h5-part")).await.unwrap() {
        if s.text().await.unwrap().starts_with("胸部") && s.attr("open").await.unwrap().is_none() {
            click(d, s.find(By::Tag("summary")).await.unwrap()).await;
        }
    }
    click(d, d.find(By::Css("input[name=add][value=CT]")).await.unwrap()).await;
    let t = browser.wait_for("不能同时选择").await;
    assert!(t.contains("「胸部CT」与「胸部DR」不能同时选择"), "{t}");
    shot(d, "3-live-violation").await;
    // Swap: drop DR; the price follows (100 − DR's share 47.06 + CT 300).
    click(d, d.find(By::Css("input[name=keep][value=DR]")).await.unwrap()).await;
    browser.wait_for("¥352.94").await;
    let date = today.plus_days(2).to_string();
    click(d, d.find(By::Css(format!("input[name=date][value='{date}']"))).await.unwrap().find(By::XPath("..")).await.unwrap()).await;
    shot(d, "4-swap-and-date").await;
    d.find(By::Id("next")).await.unwrap().click().await.unwrap();

    // 3. Identify: an SMS code to the phone (read from the SMS sandbox), then book.
    let t = browser.wait_for("确认预约").await;
    assert!(t.contains("¥352.94") && t.contains(&date), "{t}");
    d.find(By::Id("name")).await.unwrap().send_keys("周建国").await.unwrap();
    d.find(By::Id("id_number")).await.unwrap().send_keys(&id_number).await.unwrap();
    d.find(By::Id("phone")).await.unwrap().send_keys("13912340001").await.unwrap();
    d.find(By::Id("send-code")).await.unwrap().click().await.unwrap();
    browser.wait_for("验证码已发送").await;
    let mut code = String::new();
    for _ in 0..100 {
        let v: Value = reqwest::get(format!("{}/sandbox/sms/outbox?phone=13912340001", app.url)).await.unwrap().json().await.unwrap();
        if let Some(m) = v["messages"][0]["text"].as_str() {
            code = m.chars().filter(char::is_ascii_digit).take(6).collect();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(code.len(), 6, "the code arrived");
    shot(d, "5-identify").await;
    // A wrong code is refused and nothing is booked.
    d.find(By::Id("code")).await.unwrap().send_keys("999999").await.unwrap();
    d.find(By::Id("submit-booking")).await.unwrap().click().await.unwrap();
    let t = browser.wait_for("验证码").await;
    if code != "999999" {
        assert!(t.contains("验证码不正确"), "{t}");
    }
    let code_input = d.find(By::Id("code")).await.unwrap();
    code_input.clear().await.unwrap();
    code_input.send_keys(&code).await.unwrap();
    d.find(By::Id("submit-booking")).await.unwrap().click().await.unwrap();

    // 4. The order, held for payment; pay in the WeChat Pay sandbox.
    let t = browser.wait_for("预约详情").await;
    assert!(t.contains("待支付") && t.contains("¥352.94") && t.contains("****"), "{t}");
    assert!(!t.contains(&id_number), "the ID number is masked");
    shot(d, "6-order").await;
    d.find(By::Id("pay")).await.unwrap().click().await.unwrap();
    let t = browser.wait_for("确认支付").await;
    assert!(t.contains("¥352.94") && t.contains("沙箱"), "{t}");
    shot(d, "7-cashier").await;
    d.find(By::Id("confirm-pay")).await.unwrap().click().await.unwrap();
    let t = browser.wait_for("已支付").await;
    assert!(t.contains("申请退款") && t.contains("支付成功"), "back from the cashier: a success page; {t}");
    shot(d, "8-paid").await;
    // Where to go: the centre's address with a map link, and when to arrive.
    assert!(t.contains("体检地点") && t.contains("杭州市西湖区示范路 1 号 3 层") && t.contains("07:30–10:00 空腹到检"), "{t}");
    let map = d.find(By::Id("centre-map")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert!(map.starts_with("https://uri.amap.com/search?keyword="), "{map}");
    // Paid: the check-in code, the date, what to bring and the items' preparation.
    assert!(t.contains("到检签到") && t.contains("请携带") && t.contains("肝功能：空腹"), "{t}");
    assert!(d.find(By::Css("#check-in svg")).await.is_ok(), "the check-in QR code");
    d.find(By::Id("check-in")).await.unwrap().scroll_into_view().await.unwrap();
    shot(d, "8b-check-in").await;

    // 5. My orders, then a refund: the places go back and the money is returned.
    d.goto(format!("{}/p/tj/checkup/orders", app.url)).await.unwrap();
    let t = browser.wait_for("我的预约").await;
    assert!(t.contains("基础套餐") && t.contains("已支付") && t.contains(&date), "{t}");
    shot(d, "9-my-orders").await;
    d.find(By::Css("a.h5-order")).await.unwrap().click().await.unwrap();
    browser.wait_for("申请退款").await;
    // The refund asks for a reason and a confirmation; dismissing it changes nothing.
    d.find(By::Id("refund-reason")).await.unwrap().send_keys("行程变更").await.unwrap();
    shot(d, "9b-refund-reason").await;
    d.find(By::Id("refund")).await.unwrap().click().await.unwrap();
    d.dismiss_alert().await.unwrap();
    assert!(browser.body_text().await.contains("已支付"), "still paid");
    d.find(By::Id("refund")).await.unwrap().click().await.unwrap();
    d.accept_alert().await.unwrap();
    let t = browser.wait_for("已退款").await;
    assert!(t.contains("款项将原路退回"), "{t}");
    shot(d, "10-refunded").await;
    let (_, pools) = api.call(Method::GET, &format!("/api/v1/checkup/capacity/{date}"), None).await;
    assert_eq!(pools["pools"].as_array().unwrap().iter().find(|p| p["kind"] == "individual").unwrap()["used"], 0, "{pools}");

    // Another browser (no session) sees no orders: it is sent to sign in with its phone.
    let anon = app.client().get(format!("{}/p/tj/checkup/orders", app.url)).send().await.unwrap();
    assert_eq!(
        (anon.status().as_u16(), anon.headers()["location"].to_str().unwrap()),
        (303, "/p/tj/login?next=%2Fp%2Ftj%2Fcheckup%2Forders")
    );
    browser.quit().await;
}

/// The address the browser is at carries no health answer.
async fn no_answer_in(d: &WebDriver) {
    let url = d.current_url().await.unwrap().to_string();
    for needle in ["smoking", "%E5%90%B8%E7%83%9F", "age=", "advised", "answered"] {
        assert!(!url.contains(needle), "{url} carries {needle}");
    }
}

/// The booking of issue 14.9 on a phone: the date first, the men's package's items folded by
/// body part, no gynaecology among its add-ons, the questionnaire refused at a field, then its
/// recommendation suggested and not ticked; the patient ticks it, swaps the DR for it, meets a
/// refusal at the identity-number field and books with the same code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_on_a_phone_date_first_fitting_add_ons_suggestions_untouched() {
    let api = with_mens_package(Backend::Sqlite).await;
    let app = &api.app;
    let browser = Browser::start().await;
    let d = &browser.driver;
    d.set_window_rect(0, 0, 390, 844).await.unwrap();
    d.goto(format!("{}/p/tj/checkup", app.url)).await.unwrap();
    browser.wait_for("男士套餐").await;
    click(d, d.find(By::Id("pkg-MEN")).await.unwrap()).await;

    // The date first, on the first screen; then the package's items folded by body part.
    let t = browser.wait_for("选择体检日期").await;
    let date_card = d.find(By::Id("date-card")).await.unwrap().rect().await.unwrap();
    let included = d.find(By::Id("included")).await.unwrap().rect().await.unwrap();
    assert!(date_card.y < included.y && date_card.y + date_card.height < 844.0, "{date_card:?} {included:?}");
    let parts = d.find_all(By::Css("#included details.h5-part")).await.unwrap();
    let mut names = Vec::new();
    for p in &parts {
        assert!(p.attr("open").await.unwrap().is_none(), "folded");
        names.push(p.find(By::Tag("summary")).await.unwrap().text().await.unwrap());
    }
    assert!(names.len() == 2 && names[0].starts_with("胸部") && names[0].contains("1 项"), "{names:?}");
    assert!(names[1].starts_with("血液") && names[1].contains("2 项"), "{names:?}");
    assert!(!t.contains("肝功能"), "folded items are not shown: {t}");
    // Only what fits a man: no gynaecology (no 盆腔 group at all).
    assert!(t.contains("只列出适合男性的项目") && !t.contains("盆腔") && !t.contains("宫颈"), "{t}");
    assert!(d.find_all(By::Css("input[value=TCT]")).await.unwrap().is_empty());
    shot(d, "item9-1-date-first").await;
    let date = day_after(&api, 2);
    click(d, d.find(By::Css(format!("input[name=date][value='{date}']"))).await.unwrap().find(By::XPath("..")).await.unwrap()).await;
    // A body part opens without script (<details>): its items show.
    click(d, parts[1].find(By::Tag("summary")).await.unwrap()).await;
    assert!(browser.body_text().await.contains("肝功能"));
    shot(d, "item9-2-folded-and-opened").await;

    // The questionnaire (a POST): an age of 200 is refused at the age, the answers kept.
    click(d, d.find(By::Id("advice")).await.unwrap()).await;
    browser.wait_for("您是否吸烟？").await;
    no_answer_in(d).await;
    click(d, d.find(By::Css("input[name='a.smoking'][value='吸烟']")).await.unwrap()).await;
    click(d, d.find(By::Css("input[name='a.screening'][value='没做过']")).await.unwrap()).await;
    d.find(By::Id("age")).await.unwrap().send_keys("200").await.unwrap();
    click(d, d.find(By::Id("get-advice")).await.unwrap()).await;
    browser.wait_for("年龄须为").await;
    let error = d.find(By::Id("age-error")).await.unwrap();
    assert!(error.is_displayed().await.unwrap());
    assert!(d.find(By::Css("input[name='a.smoking'][value='吸烟']")).await.unwrap().is_selected().await.unwrap(), "kept");
    no_answer_in(d).await;
    d.execute("arguments[0].scrollIntoView({block: 'center'});", vec![error.to_json().unwrap()]).await.unwrap();
    shot(d, "item9-3-questionnaire-refused-at-the-field").await;
    let age = d.find(By::Id("age")).await.unwrap();
    age.clear().await.unwrap();
    age.send_keys("45").await.unwrap();
    click(d, d.find(By::Id("get-advice")).await.unwrap()).await;

    // Back on the selection page: the CT recommended with its reason, not ticked, the total the
    // package's; the date kept.
    let t = browser.wait_for("为您推荐").await;
    no_answer_in(d).await;
    assert!(t.contains("推荐理由：长期吸烟者肺癌风险高，建议低剂量螺旋CT") && !t.contains("宫颈"), "{t}");
    let ct = d.find(By::Css("#recommended input[name=add][value=CT]")).await.unwrap();
    assert!(!ct.is_selected().await.unwrap(), "suggested, not ticked");
    assert_eq!(d.find(By::Id("total")).await.unwrap().text().await.unwrap(), "¥100.00");
    assert!(d.find(By::Css(format!("input[name=date][value='{date}']"))).await.unwrap().is_selected().await.unwrap());
    d.find(By::Id("recommended")).await.unwrap().scroll_into_view().await.unwrap();
    shot(d, "item9-4-recommended-not-ticked").await;
    // The patient ticks it: the rule it meets is said at once; dropping the DR settles the price.
    click(d, ct).await;
    browser.wait_for("不能同时选择").await;
    for p in d.find_all(By::Css("#included details.h5-part")).await.unwrap() {
        if p.attr("open").await.unwrap().is_none() {
            click(d, p.find(By::Tag("summary")).await.unwrap()).await;
        }
    }
    click(d, d.find(By::Css("input[name=keep][value=DR]")).await.unwrap()).await;
    browser.wait_for("¥352.94").await;
    shot(d, "item9-5-ticked").await;
    click(d, d.find(By::Id("next")).await.unwrap()).await;

    // The booking page: the order; a wrong identity number is said at its field, what was typed
    // kept, and the code (not spent) books once it is right.
    let t = browser.wait_for("确认预约").await;
    no_answer_in(d).await;
    assert!(t.contains("胸部CT") && t.contains("¥352.94") && t.contains(&date), "{t}");
    let good_id = IdCardNumber::generate(330106, LocalDay::parse("1986-05-18").unwrap(), 13).as_str().to_string();
    let bad_id = format!("{}{}", &good_id[..17], if good_id.ends_with('0') { '1' } else { '0' });
    d.find(By::Id("name")).await.unwrap().send_keys("周建国").await.unwrap();
    d.find(By::Id("id_number")).await.unwrap().send_keys(&bad_id).await.unwrap();
    d.find(By::Id("phone")).await.unwrap().send_keys("13912340002").await.unwrap();
    let before = outbox(&api, "13912340002").await.len();
    click(d, d.find(By::Id("send-code")).await.unwrap()).await;
    browser.wait_for("验证码已发送").await;
    let code = new_code(&api, "13912340002", before).await;
    d.find(By::Id("code")).await.unwrap().send_keys(&code).await.unwrap();
    click(d, d.find(By::Id("submit-booking")).await.unwrap()).await;
    let t = browser.wait_for("校验位").await;
    assert!(t.contains("确认预约"), "{t}");
    let error = d.find(By::Id("id_number-error")).await.unwrap();
    assert!(error.is_displayed().await.unwrap());
    assert_eq!(d.find(By::Id("name")).await.unwrap().value().await.unwrap().as_deref(), Some("周建国"), "kept");
    assert_eq!(d.find(By::Id("code")).await.unwrap().value().await.unwrap().as_deref(), Some(code.as_str()), "kept");
    d.execute("arguments[0].scrollIntoView({block: 'center'});", vec![error.to_json().unwrap()]).await.unwrap();
    shot(d, "item9-6-refused-at-the-field").await;
    let id = d.find(By::Id("id_number")).await.unwrap();
    id.clear().await.unwrap();
    id.send_keys(&good_id).await.unwrap();
    click(d, d.find(By::Id("submit-booking")).await.unwrap()).await;
    let t = browser.wait_for("预约详情").await;
    no_answer_in(d).await;
    assert!(t.contains("待支付") && t.contains("¥352.94") && t.contains("胸部CT"), "{t}");
    shot(d, "item9-7-booked").await;
    browser.quit().await;
    api.app.stop().await;
}
