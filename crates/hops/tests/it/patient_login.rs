//! The platform's one patient login (issue 13, item 2): sessions bound to the phone they
//! proved, of one kind and one hospital, ending when idle, at their limit or at sign-out; WeChat
//! web authorisation through the local simulator of WeChat's protocol, with its one-time
//! `state`, its single-use codes, the openid → phone binding proved once by SMS code, and its
//! removal; the simulator only with the sandbox opt-in. A browser test signs a patient in by
//! WeChat twice (binding, then WeChat alone).

use hops_kernel::Phone;
use hops_platform::notify::config::{WECHAT_SANDBOX_APPID, WECHAT_SANDBOX_SECRET};
use hops_platform::patient::{self, Kind};
use hops_testkit::{Backend, Browser, TestApp, both_backends};
use reqwest::Method;
use serde_json::Value;
use thirtyfour::prelude::*;

use super::checkup::{Api, book, day_after, setup, setup_on};
use super::h5_identity::{new_code, outbox};

both_backends!(
    sessions_keep_to_their_phone_kind_hospital_and_time,
    wechat_sign_in_binds_once_and_refuses_replays,
    no_wechat_simulator_without_the_opt_in,
    wechat_signs_a_patient_in_in_a_browser,
    a_signed_in_patient_hands_over_with_the_proven_phone,
);

const PHONE: &str = "13900000501";

/// The value of cookie `name` a response sets, if any (empty when cleared).
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.split(';').next()?.strip_prefix(&format!("{name}=")).map(str::to_string))
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

/// Signs `phone` in on the hospital's sign-in page with `client`; the response to the code.
async fn sign_in_with(api: &Api, client: &reqwest::Client, hospital: &str, phone: &str, next: &str) -> reqwest::Response {
    let url = format!("{}/p/{hospital}/login", api.app.url);
    let before = outbox(api, phone).await.len();
    let r = client.post(&url).form(&[("phone", phone), ("send_code", "1"), ("next", next)]).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let code = new_code(api, phone, before).await;
    client.post(&url).form(&[("phone", phone), ("code", code.as_str()), ("next", next)]).send().await.unwrap()
}

/// GETs `path` with a session cookie set by hand: (status, location or page).
async fn with_cookie(app: &TestApp, path: &str, cookie: &str, token: &str) -> (u16, String) {
    let r = app.client().get(format!("{}{path}", app.url)).header("cookie", format!("{cookie}={token}")).send().await.unwrap();
    let status = r.status().as_u16();
    let to = location(&r);
    (status, if status == 303 { to } else { r.text().await.unwrap() })
}

/// The form token of a signed-in patient's pages (from 我的).
async fn form_token(app: &TestApp, client: &reqwest::Client) -> String {
    let page = client.get(format!("{}/p/tj/me", app.url)).send().await.unwrap().text().await.unwrap();
    let at = page.find("name=\"_t\" value=\"").expect("a signed-in page") + 17;
    page[at..at + 32].to_string()
}

async fn audit(app: &TestApp, action: &str) -> Vec<hops_platform::audit::Entry> {
    let h = hops_platform::accounts::service::hospital_by_code(&app.core, "tj").await.unwrap().unwrap().id;
    hops_platform::audit::list(&app.system(h).tenant(), action, 0, 100).await.unwrap().0
}

async fn sessions_keep_to_their_phone_kind_hospital_and_time(backend: Backend) {
    let api = setup(backend).await;
    let app = &api.app;
    app.hospital("hb", &[]).await;

    // Signed in: an HttpOnly, SameSite cookie for every patient page of the hospital, and only
    // a hash of the token kept.
    let client = app.browser_client();
    let r = sign_in_with(&api, &client, "tj", PHONE, "/p/tj/checkup/orders").await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/p/tj/checkup/orders".to_string()));
    let raw = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(raw.contains("HttpOnly") && raw.contains("SameSite=Lax") && raw.contains("Path=/p/tj;"), "{raw}");
    let token = set_cookie(&r, "hops_patient").expect("a session cookie");
    let (s, page) = with_cookie(app, "/p/tj/me", "hops_patient", &token).await;
    assert!(s == 200 && page.contains("139****0501") && !page.contains(PHONE), "{s} {page}");
    let (s, _) = with_cookie(app, "/p/tj/checkup/orders", "hops_patient", &token).await;
    assert_eq!(s, 200, "one sign-in serves the hospital's checkup pages");

    // A forged token, the token at another hospital, the token as a contact's: refused, and
    // sent to that hospital's patient sign-in (never the staff /login).
    let (s, to) = with_cookie(app, "/p/tj/me", "hops_patient", "forged-token").await;
    assert_eq!((s, to.as_str()), (303, "/p/tj/login?next=%2Fp%2Ftj%2Fme"));
    let (s, to) = with_cookie(app, "/p/hb/me", "hops_patient", &token).await;
    assert_eq!((s, to.as_str()), (303, "/p/hb/login?next=%2Fp%2Fhb%2Fme"), "a session of hospital A is useless at B");
    let (s, to) = with_cookie(app, "/p/hb/checkup/orders", "hops_patient", &token).await;
    assert!(s == 303 && to.starts_with("/p/hb/login"), "{s} {to}");
    let (s, to) = with_cookie(app, "/p/tj/checkup/group/employers/ACME", "hops_contact", &token).await;
    assert_eq!((s, to.as_str()), (303, "/p/tj/checkup/group"), "a patient's session opens no contact page");
    // A contact's session opens no patient page.
    let site = patient::site(&app.core, "tj").await.unwrap();
    let contact = site.open(Kind::Contact, &Phone::parse("13900000502").unwrap(), "测试").await.unwrap();
    let (s, to) = with_cookie(app, "/p/tj/checkup/orders", "hops_patient", &contact).await;
    assert!(s == 303 && to.starts_with("/p/tj/login"), "{s} {to}");
    let (s, to) = with_cookie(app, "/p/tj/me", "hops_patient", &contact).await;
    assert!(s == 303 && to.starts_with("/p/tj/login"), "{s} {to}");
    // A POST without a session gets the H5 page, not a redirect to the staff console.
    let r = app.client().post(format!("{}/p/tj/checkup/orders/1/cancel", app.url)).form(&[("x", "1")]).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let page = r.text().await.unwrap();
    assert!(page.contains("请先登录") && page.contains("/p/tj/login") && page.contains("h5-main"), "{page}");

    // Idle two hours: ended. In use, it lasts twelve hours at most.
    app.clock.advance_seconds(2 * 3600 + 1);
    assert_eq!(with_cookie(app, "/p/tj/me", "hops_patient", &token).await.0, 303, "idle too long");
    app.clock.advance_seconds(61);
    let r = sign_in_with(&api, &client, "tj", PHONE, "/p/tj/me").await;
    let token = set_cookie(&r, "hops_patient").unwrap();
    for _ in 0..7 {
        app.clock.advance_seconds(3600 + 1800);
        assert_eq!(with_cookie(app, "/p/tj/me", "hops_patient", &token).await.0, 200, "in use");
    }
    app.clock.advance_seconds(3600 + 1800);
    assert_eq!(with_cookie(app, "/p/tj/me", "hops_patient", &token).await.0, 303, "past twelve hours");

    // Sign-out ends the session on the server.
    app.clock.advance_seconds(61);
    let r = sign_in_with(&api, &client, "tj", PHONE, "/p/tj/me").await;
    let token = set_cookie(&r, "hops_patient").unwrap();
    let t = form_token(app, &client).await;
    let r = client.post(format!("{}/p/tj/logout", app.url)).form(&[("_t", t.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert!(site.resolve(Kind::Patient, &token).await.unwrap().is_none());

    // Audited as the patient, the phone masked.
    let entries = audit(app, "patient.sign_in").await;
    assert!(entries.iter().any(|e| e.actor_name == "患者 139****0501" && e.detail == "短信验证码"), "{entries:?}");
    assert!(entries.iter().all(|e| !e.detail.contains(PHONE) && !e.target.contains(PHONE) && !e.actor_name.contains(PHONE)));
    api.app.stop().await;
}

/// Starts a WeChat sign-in with `client` (keeping its cookies): the simulator's authorize
/// address and the `state` in it.
async fn begin(api: &Api, client: &reqwest::Client, next: &str) -> (String, String) {
    let r = client.get(format!("{}/p/tj/login/wechat?next={next}", api.app.url)).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let to = location(&r);
    assert!(to.starts_with(&format!("{}/sandbox/wechat/connect/oauth2/authorize?appid=", api.app.url)), "{to}");
    assert!(to.contains("&response_type=code&scope=snsapi_base&state=") && to.ends_with("#wechat_redirect"), "{to}");
    let state = to.split("state=").nth(1).unwrap().trim_end_matches("#wechat_redirect").to_string();
    (to, state)
}

/// The simulator: the tester agrees as `openid`; the return address with `code` and `state`.
async fn agree(api: &Api, authorize: &str, openid: &str) -> String {
    let page = reqwest::get(authorize.trim_end_matches("#wechat_redirect")).await.unwrap();
    assert_eq!(page.status(), 200);
    let url = reqwest::Url::parse(authorize).unwrap();
    let params: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap();
    let r = api
        .app
        .client()
        .get(format!("{}/sandbox/wechat/connect/oauth2/authorize/confirm", api.app.url))
        .query(&[("appid", get("appid")), ("redirect_uri", get("redirect_uri")), ("state", get("state"))])
        .query(&[("openid", openid), ("allow", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    location(&r)
}

async fn wechat_sign_in_binds_once_and_refuses_replays(backend: Backend) {
    let api = setup(backend).await;
    let app = &api.app;
    let next = "%2Fp%2Ftj%2Fcheckup%2Forders";

    // A wrong code is refused with a clear message; nothing is bound, no session.
    let client = app.browser_client();
    let (_, state) = begin(&api, &client, next).await;
    let r = client.get(format!("{}/p/tj/login/wechat/back?code=not-a-code&state={state}", app.url)).send().await.unwrap();
    assert!(set_cookie(&r, "hops_patient").is_none() && set_cookie(&r, "hops_wx_bind").is_none());
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("微信授权码无效或已使用"));

    // A state another browser started is refused.
    let (authorize, _) = begin(&api, &client, next).await;
    let back = agree(&api, &authorize, "o-first").await;
    let r = app.browser_client().get(&back).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("微信登录已失效或已使用"));

    // First visit: WeChat knows the openid, hops does not: prove the phone once.
    let (authorize, _) = begin(&api, &client, next).await;
    let back = agree(&api, &authorize, "o-first").await;
    let r = client.get(&back).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, format!("/p/tj/login?next={next}&bind=1")));
    assert!(set_cookie(&r, "hops_patient").is_none(), "no session before the phone is proved");
    // The same state (and code) again: refused, nothing changed.
    let r = client.get(&back).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let page = r.text().await.unwrap();
    assert!(page.contains("微信登录已失效或已使用") && page.contains("h5-main"), "{page}");
    // The code is single-use at WeChat's token endpoint too, and needs the AppSecret.
    let code = back.split("code=").nth(1).unwrap().split('&').next().unwrap();
    let exchange = |secret: &'static str| {
        let url = format!("{}/sandbox/wechat/sns/oauth2/access_token", app.url);
        let query = patient::wechat::token_query(WECHAT_SANDBOX_APPID, secret, code).map(|(k, v)| (k, v.to_string()));
        async move { app.client().get(url).query(&query).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let v = exchange("wrong-secret").await;
    assert_eq!(v["errcode"], 40125, "{v}");
    let v = exchange(WECHAT_SANDBOX_SECRET).await;
    assert_eq!(v["errcode"], 40163, "{v}");
    let page = client.get(format!("{}/p/tj/login?next={next}&bind=1", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("绑定手机号") && page.contains("首次使用微信登录"), "{page}");
    let r = sign_in_with(&api, &client, "tj", PHONE, "/p/tj/checkup/orders").await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/p/tj/checkup/orders".to_string()));
    assert_eq!(set_cookie(&r, "hops_wx_bind").as_deref(), Some(""), "the pending binding is used up");
    let binds = audit(app, "patient.wechat_bind").await;
    assert_eq!(binds.len(), 1);
    assert_eq!(binds[0].actor_name, "患者 139****0501");

    // Second visit, another browser: WeChat alone signs the bound phone in.
    let other = app.browser_client();
    let (authorize, _) = begin(&api, &other, next).await;
    let r = other.get(agree(&api, &authorize, "o-first").await).send().await.unwrap();
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/p/tj/checkup/orders".to_string()));
    assert!(set_cookie(&r, "hops_patient").is_some());
    let page = other.get(format!("{}/p/tj/checkup/orders", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("我的预约"), "{page}");
    let me = other.get(format!("{}/p/tj/me", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(me.contains("已绑定微信"), "{me}");
    let signed = audit(app, "patient.sign_in").await;
    assert!(signed.iter().any(|e| e.detail == "微信授权" && e.actor_name == "患者 139****0501"), "{signed:?}");

    // The patient unbinds: WeChat must be bound again by SMS code.
    let r = other.post(format!("{}/p/tj/me/wechat/unbind", app.url)).form(&[("_confirmed", "1"), ("_t", "x")]).send().await.unwrap();
    assert_eq!(r.status(), 403, "a form without the session's token changes nothing");
    let me = other.get(format!("{}/p/tj/me", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(me.contains("已绑定微信"), "{me}");
    let t = form_token(app, &other).await;
    let r = other.post(format!("{}/p/tj/me/wechat/unbind", app.url)).form(&[("_confirmed", "1"), ("_t", t.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let me = other.get(format!("{}/p/tj/me?unbound=1", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(me.contains("已解除微信绑定") && me.contains("未绑定微信"), "{me}");
    let (authorize, _) = begin(&api, &other, next).await;
    let r = other.get(agree(&api, &authorize, "o-first").await).send().await.unwrap();
    assert!(location(&r).ends_with("&bind=1"), "{}", location(&r));
    let unbinds = audit(app, "patient.wechat_unbind").await;
    assert_eq!(unbinds.len(), 1);
    assert!(unbinds[0].target == "phone:139****0501" && !unbinds[0].detail.contains(PHONE));
    api.app.stop().await;
}

async fn no_wechat_simulator_without_the_opt_in(backend: Backend) {
    let api = setup_on(TestApp::spawn_with(backend, |c| c.sandbox = false).await).await;
    let app = &api.app;
    for path in [
        "/sandbox/wechat/connect/oauth2/authorize?appid=x&redirect_uri=y&response_type=code&scope=snsapi_base&state=s",
        "/sandbox/wechat/connect/oauth2/authorize/confirm?appid=x&redirect_uri=y&state=s&openid=o&allow=1",
        "/sandbox/wechat/sns/oauth2/access_token?appid=x&secret=y&code=z&grant_type=authorization_code",
    ] {
        assert_eq!(app.client().get(format!("{}{path}", app.url)).send().await.unwrap().status(), 404, "{path}");
    }
    // WeChat login is off: no button, and its address says so inside the H5 shell.
    let page = app.client().get(format!("{}/p/tj/login", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("手机号登录") && !page.contains("微信登录"), "{page}");
    let r = app.client().get(format!("{}/p/tj/login/wechat", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("本院未开通微信登录"));
    api.app.stop().await;
}

async fn a_signed_in_patient_hands_over_with_the_proven_phone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let h = app.hospital("kf", &[hops_platform::Role::Operator, hops_platform::Role::Agent]).await;
    let sys = app.system(h);
    let faq = hops_desk::kb::DEMO_FAQ.as_bytes();
    assert!(hops_desk::kb::service::import(&sys, faq, "faq.csv", hops_platform::tabular::Mode::AllOrNothing).await.unwrap().committed);
    let token = app.token("kf", "operator").await;
    let api = Api { app, token };
    let app = &api.app;

    // Not signed in: the chat offers a phone field and a way to sign in.
    let anon = app.browser_client();
    let page = anon.get(format!("{}/p/kf/bot", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("智能客服") && !page.contains("bot-sign-in"), "{page}");
    let r = anon.post(format!("{}/p/kf/bot", app.url)).form(&[("question", "怎么挂号")]).send().await.unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("id=\"phone\"") && page.contains("/p/kf/login?next=%2Fp%2Fkf%2Fbot"), "{page}");

    // Signed in: the conversation keeps its own cookie; the hand-over carries the proven phone,
    // whatever is typed.
    let client = app.browser_client();
    let r = sign_in_with(&api, &client, "kf", PHONE, "/p/kf/bot").await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/p/kf/bot".to_string()));
    let r = client.post(format!("{}/p/kf/bot", app.url)).form(&[("question", "怎么挂号")]).send().await.unwrap();
    let conversation = set_cookie(&r, "hops_bot").expect("the conversation's own cookie");
    let page = r.text().await.unwrap();
    assert!(page.contains("客服将通过您已验证的手机号") && page.contains("139****0501") && !page.contains("id=\"phone\""), "{page}");
    let r =
        client.post(format!("{}/p/kf/bot/handover", app.url)).form(&[("name", "王女士"), ("phone", "13700001234")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let t = hops_desk::bot::service::handover(&sys, &conversation, "", "").await.unwrap();
    let (s, detail) = api.call(Method::GET, &format!("/api/v1/desk/tickets/{}", t.id), None).await;
    assert_eq!(s, 200, "{detail}");
    assert_eq!(detail["ticket"]["requester_phone"], "139****0501", "{detail}");
    assert!(detail["events"][0]["body"].as_str().unwrap().contains("手机号已通过短信验证"), "{detail}");
    api.app.stop().await;
}

// ---- in a browser ----

async fn shot(d: &WebDriver, name: &str) {
    hops_testkit::screenshot(d, &format!("patient-login-{name}")).await;
}

/// On the simulator's page: agree as `openid`.
async fn wechat_agrees(b: &Browser, openid: &str) {
    let d = &b.driver;
    b.wait_for("微信授权（沙箱）").await;
    let input = d.find(By::Id("openid")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(openid).await.unwrap();
    d.find(By::Id("wx-allow")).await.unwrap().click().await.unwrap();
}

async fn wechat_signs_a_patient_in_in_a_browser(backend: Backend) {
    let api = setup(backend).await;
    let app = &api.app;
    let date = day_after(&api, 2);
    let (s, b) = api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(serde_json::json!({"individual": 10}))).await;
    assert_eq!(s, 200, "{b}");
    let (s, booked) = book(&api, &date, 501, serde_json::json!({})).await;
    assert_eq!(s, 201, "{booked}");
    let number = booked["number"].as_str().unwrap().to_string();
    let browser = Browser::start().await;
    let d = &browser.driver;
    d.set_window_rect(0, 0, 390, 844).await.unwrap();

    // First visit: my bookings → sign in → WeChat → first time: prove the phone by SMS code.
    d.goto(format!("{}/p/tj/checkup/orders", app.url)).await.unwrap();
    browser.wait_for("手机号登录").await;
    d.find(By::Id("wechat-login")).await.unwrap().click().await.unwrap();
    wechat_agrees(&browser, "o-browser-1").await;
    let t = browser.wait_for("绑定手机号").await;
    assert!(t.contains("首次使用微信登录"), "{t}");
    d.find(By::Id("phone")).await.unwrap().send_keys(PHONE).await.unwrap();
    d.find(By::Id("send-code")).await.unwrap().click().await.unwrap();
    browser.wait_for("验证码已发送").await;
    let code = new_code(&api, PHONE, 0).await;
    d.find(By::Id("code")).await.unwrap().send_keys(&code).await.unwrap();
    shot(d, "1-bind").await;
    d.find(By::Id("sign-in")).await.unwrap().click().await.unwrap();
    let t = browser.wait_for("我的预约").await;
    assert!(t.contains(&number), "{t}");
    shot(d, "2-orders-after-binding").await;

    // Second visit (the session gone): WeChat alone signs the patient in.
    d.delete_cookie("hops_patient").await.unwrap();
    d.goto(format!("{}/p/tj/checkup/orders", app.url)).await.unwrap();
    browser.wait_for("手机号登录").await;
    d.find(By::Id("wechat-login")).await.unwrap().click().await.unwrap();
    wechat_agrees(&browser, "o-browser-1").await;
    let t = browser.wait_for("我的预约").await;
    assert!(t.contains(&number) && !t.contains("绑定手机号"), "{t}");
    shot(d, "3-orders-by-wechat").await;
    d.goto(format!("{}/p/tj/me", app.url)).await.unwrap();
    let t = browser.wait_for("已绑定微信").await;
    assert!(t.contains("139****0501"), "{t}");
    shot(d, "4-me").await;
    // The patient unbinds WeChat on 我的 (after confirming), then signs out.
    d.find(By::Id("unbind")).await.unwrap().click().await.unwrap();
    d.accept_alert().await.unwrap();
    let t = browser.wait_for("已解除微信绑定").await;
    assert!(t.contains("未绑定微信"), "{t}");
    shot(d, "5-unbound").await;
    d.find(By::Id("logout")).await.unwrap().click().await.unwrap();
    browser.wait_for("手机号登录").await;
    d.goto(format!("{}/p/tj", app.url)).await.unwrap();
    let t = browser.wait_for("患者服务").await;
    assert!(t.contains("体检预约") && t.contains("智能客服") && t.contains("登录"), "{t}");
    shot(d, "6-home").await;
    browser.quit().await;
    api.app.stop().await;
}
