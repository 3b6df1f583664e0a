//! The patient H5 booking flow in real headless Chromium at a phone's viewport (390×844):
//! choose a package → swap items with live validation and price → pick a date → identify with
//! an SMS code (read from the SMS sandbox) → pay in the WeChat Pay sandbox → my orders → refund.
//! Screenshots of every step go to <build dir>/screenshots/h5-*.png.

use std::time::Duration;

use hops_kernel::{Clock, IdCardNumber, LocalDay};
use hops_testkit::{Backend, Browser};
use reqwest::Method;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

use super::checkup::{day_after, setup};

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
