//! Rate limits on the pages anyone can call without signing in: the bot chat, its hand-over to a
//! person and SMS verification codes. Over the limit the caller gets 429 with a Chinese message,
//! on the same page, and nothing is recorded or sent; other callers are not affected.

use hops_desk::kb::DEMO_FAQ;
use hops_platform::Role;
use hops_platform::tabular::Mode;
use hops_testkit::{Backend, TestApp, both_backends};

both_backends!(public_pages_are_rate_limited, login_floods_are_cut_and_forwarded_for_needs_a_configured_proxy);

/// POSTs a form as the caller behind a local proxy at `addr`; status, page and the bot cookie.
async fn post(app: &TestApp, path: &str, addr: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
    let mut req = app.client().post(format!("{}{path}", app.url)).header("x-forwarded-for", addr).form(form);
    if let Some(c) = cookie {
        req = req.header("cookie", format!("hops_bot={c}"));
    }
    let r = req.send().await.unwrap();
    let set = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("hops_bot="))
        .map(|v| v.split(';').next().unwrap().to_string());
    (r.status().as_u16(), r.text().await.unwrap(), set)
}

async fn public_pages_are_rate_limited(backend: Backend) {
    // Behind a proxy on this machine, as the callers' addresses are told by X-Forwarded-For.
    let app = TestApp::spawn_with(backend, |c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let h = app.hospital("kf", &[Role::Agent]).await;
    let sys = app.system(h);
    assert!(hops_desk::kb::service::import(&sys, DEMO_FAQ.as_bytes(), "faq.csv", Mode::AllOrNothing).await.unwrap().committed);
    let today = app.core.now().local_day();
    let conversations = || async { hops_desk::bot::service::daily(&sys, today, today).await.unwrap()[0].conversations };

    // Ten questions at once from one address (each a new conversation), then a pause is asked for.
    let mut session = None;
    for _ in 0..10 {
        let (s, page, set) = post(&app, "/p/kf/bot", "198.51.100.1", None, &[("question", "怎么挂号")]).await;
        assert_eq!(s, 200, "{page}");
        session = set.or(session);
    }
    assert_eq!(conversations().await, 10);
    let (s, page, _) = post(&app, "/p/kf/bot", "198.51.100.1", None, &[("question", "怎么挂号")]).await;
    assert_eq!(s, 429, "{page}");
    assert!(page.contains("您提问太频繁了，请") && page.contains("秒后再试") && page.contains("id=\"question\""), "{page}");
    assert_eq!(conversations().await, 10, "a refused question is not recorded");
    // Another address is served.
    let (s, _, _) = post(&app, "/p/kf/bot", "198.51.100.2", None, &[("question", "怎么挂号")]).await;
    assert_eq!(s, 200);

    // Hand-over: three at once from one address, then refused; one ticket for the conversation.
    let session = session.expect("the chat sets its cookie");
    for _ in 0..3 {
        let (s, page, _) =
            post(&app, "/p/kf/bot/handover", "198.51.100.3", Some(&session), &[("name", "王女士"), ("phone", "13700001234")]).await;
        assert_eq!(s, 303, "{page}");
    }
    let (s, page, _) =
        post(&app, "/p/kf/bot/handover", "198.51.100.3", Some(&session), &[("name", "王女士"), ("phone", "13700001234")]).await;
    assert_eq!(s, 429, "{page}");
    assert!(page.contains("转人工请求太频繁"), "{page}");
    let tickets = hops_desk::bot::service::daily(&sys, today, today).await.unwrap()[0].handed_over;
    assert_eq!(tickets, 1);

    // SMS codes on the group contacts' sign-in page: five numbers from one address, then refused
    // and nothing sent for the sixth.
    for i in 0..5 {
        let phone = format!("1390000000{i}");
        let (s, page, _) = post(&app, "/p/kf/checkup/group/login", "198.51.100.4", None, &[("phone", &phone), ("send_code", "1")]).await;
        assert_eq!(s, 200, "{page}");
        assert!(page.contains("验证码已发送"), "{page}");
    }
    let (s, page, _) = post(&app, "/p/kf/checkup/group/login", "198.51.100.4", None, &[("phone", "13900000009"), ("send_code", "1")]).await;
    assert_eq!(s, 429, "{page}");
    assert!(page.contains("获取验证码太频繁，请"), "{page}");
    while hops_platform::jobs::run_one(&app.core, "test").await.unwrap() {}
    let outbox: serde_json::Value =
        reqwest::get(format!("{}/sandbox/sms/outbox?phone=13900000009", app.url)).await.unwrap().json().await.unwrap();
    assert_eq!(outbox["messages"].as_array().map(Vec::len), Some(0), "{outbox}");
    app.stop().await;
}

async fn login_status(app: &TestApp, forwarded: &str, hospital: &str, username: &str) -> (u16, String) {
    let r = app
        .client()
        .post(format!("{}/api/v1/auth/login", app.url))
        .header("x-forwarded-for", forwarded)
        .json(&serde_json::json!({"hospital": hospital, "username": username, "password": "Wrong-Passw0rd!"}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().await.unwrap();
    (status, body["error"]["message"].as_str().unwrap_or_default().to_string())
}

/// Failed sign-ins are limited per account (from anywhere) and per caller (whatever the
/// account), before any password is hashed; good ones never are. Without a configured proxy,
/// X-Forwarded-For is not believed, so a script cannot pose as many callers.
async fn login_floods_are_cut_and_forwarded_for_needs_a_configured_proxy(backend: Backend) {
    let proxy = vec!["127.0.0.1/32".parse().unwrap()];
    let app = TestApp::spawn_with(backend.clone(), |c| c.trusted_proxies = proxy).await;
    app.hospital("h1", &[Role::Operator, Role::Agent]).await;
    // Good sign-ins are never counted: many of them, one after another, from one address.
    for _ in 0..40 {
        app.token("h1", "agent").await;
    }
    // Behind the proxy, one account guessed from ever new addresses is paused once its failures
    // go over the burst of ten.
    for i in 0..11 {
        assert_eq!(login_status(&app, &format!("198.51.100.{i}"), "h1", "operator").await.0, 401);
    }
    let (status, message) = login_status(&app, "198.51.100.99", "h1", "operator").await;
    assert_eq!(status, 429);
    assert!(message.starts_with("该账户登录失败次数过多，请 "), "{message}");
    app.stop().await;

    // Without a trusted proxy: many accounts (real or not) from one caller claiming ever new
    // addresses are cut once the caller's failures go over the burst of 30.
    let app = TestApp::spawn(backend).await;
    app.hospital("h1", &[Role::Operator]).await;
    let mut statuses = Vec::new();
    for i in 0..36 {
        statuses.push(login_status(&app, &format!("203.0.113.{i}"), "h1", &format!("user{i}")).await.0);
    }
    assert_eq!(statuses[..31], [401; 31], "{statuses:?}");
    assert_eq!(statuses[31..], [429; 5], "{statuses:?}");
    let (_, message) = login_status(&app, "203.0.113.200", "nope", "x").await;
    assert!(message.starts_with("登录失败次数过多，请 "), "an unknown hospital too: {message}");
    app.stop().await;
}
