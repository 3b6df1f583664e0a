//! Production without sandboxes (security finding 3). `hops serve` without SMS and WeChat Pay
//! accounts and without the explicit opt-in (`HOPS_SANDBOX`) serves no sandbox: no one can
//! read a verification code or fake a payment, and the features say they are off. With the
//! opt-in, the console says so on every page, and outgoing calls go to configured addresses
//! only, never to one taken from a request's `Host` header.

use hops_testkit::{Backend, TestApp, both_backends};
use reqwest::Method;
use serde_json::json;

use super::checkup::{book, day_after, setup, setup_on};

both_backends!(
    serve_without_accounts_or_opt_in_has_no_sandbox,
    the_sandbox_never_follows_the_host_header,
    an_https_public_address_makes_cookies_secure,
    metrics_need_a_token_or_this_machine
);

/// The real binary: `hops serve` with no SMS or WeChat Pay account and no `HOPS_SANDBOX` serves no
/// sandbox; with `HOPS_SANDBOX=1` it does, and says so on stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hops_serve_has_sandboxes_only_on_opt_in() {
    for opt_in in [false, true] {
        let tdb = hops_testkit::TestDb::create(&Backend::Sqlite).await;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = tdb.dir.join("stderr.log");
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hops"));
        cmd.arg("--data").arg(&tdb.dir).args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
        for k in [
            "HOPS_SANDBOX",
            "HOPS_SMS_ACCESS_KEY_ID",
            "HOPS_SMS_SECRET_ID",
            "HOPS_SMS_PROVIDER",
            "HOPS_WECHAT_APPID",
            "HOPS_WECHATPAY_MCHID",
            "HOPS_DATABASE_URL",
        ] {
            cmd.env_remove(k);
        }
        if opt_in {
            cmd.env("HOPS_SANDBOX", "1");
        }
        let mut server =
            cmd.env("HOPS_LOG", "warn").stdout(std::process::Stdio::null()).stderr(std::fs::File::create(&log).unwrap()).spawn().unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while reqwest::get(format!("{url}/healthz")).await.is_err() {
            assert!(std::time::Instant::now() < deadline, "hops serve never answered");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let outbox = reqwest::get(format!("{url}/sandbox/sms/outbox?phone=13900000001")).await.unwrap().status().as_u16();
        let cashier = reqwest::get(format!("{url}/sandbox/wechatpay/cashier/wx1")).await.unwrap().status().as_u16();
        let wechat = reqwest::get(format!("{url}/sandbox/wechat/outbox?openid=x")).await.unwrap().status().as_u16();
        server.kill().unwrap();
        server.wait().unwrap();
        let stderr = std::fs::read_to_string(&log).unwrap();
        if opt_in {
            assert_eq!((outbox, wechat), (200, 200));
            assert!(stderr.contains("SANDBOX ON"), "{stderr}");
        } else {
            assert_eq!((outbox, cashier, wechat), (404, 404, 404));
            assert!(!stderr.contains("SANDBOX ON"), "{stderr}");
        }
    }
}

/// The embedded database and the key file are the operator's alone (0600).
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_and_key_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = hops_testkit::TestApp::spawn(Backend::Sqlite).await;
    for file in ["hops.db", "hops.key"] {
        let mode = std::fs::metadata(app.data_dir().join(file)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file} is {mode:o}");
    }
    app.stop().await;
}

/// `/metrics` answers callers on this machine, or the holder of the configured token; a scrape
/// does not count the jobs table each time.
async fn metrics_need_a_token_or_this_machine(backend: Backend) {
    let proxy = vec!["127.0.0.1/32".parse().unwrap()];
    let app = hops_testkit::TestApp::spawn_with(backend.clone(), |c| c.trusted_proxies = proxy.clone()).await;
    let get = |forwarded: Option<&str>, token: Option<&str>| {
        let mut r = app.client().get(format!("{}/metrics", app.url));
        if let Some(f) = forwarded {
            r = r.header("x-forwarded-for", f);
        }
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(get(None, None).await.unwrap().status(), 200, "this machine");
    assert_eq!(get(Some("203.0.113.9"), None).await.unwrap().status(), 403, "through the proxy, from outside");
    let body = get(None, None).await.unwrap().text().await.unwrap();
    assert!(body.contains("hops_jobs"), "{body}");
    app.stop().await;
    let app = hops_testkit::TestApp::spawn_with(backend, |c| {
        c.trusted_proxies = proxy;
        c.metrics_token = Some(hops_platform::config::Secret::new("s3cret-token"));
    })
    .await;
    let get = |token: Option<&str>| {
        let mut r = app.client().get(format!("{}/metrics", app.url)).header("x-forwarded-for", "203.0.113.9");
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 401);
    assert_eq!(get(Some("wrong")).await.unwrap().status(), 401);
    assert_eq!(get(Some("s3cret-token")).await.unwrap().status(), 200);
    // The job counts are reused between scrapes: a job queued now shows after the cache ages.
    let h = app.hospital("tj", &[]).await;
    hops_platform::jobs::enqueue_probes(&app.system(h), 3, 0).await.unwrap();
    let body = get(Some("s3cret-token")).await.unwrap().text().await.unwrap();
    assert!(!body.contains("hops_jobs{status="), "counted at the first scrape (no jobs then), not at this one: {body}");
    app.stop().await;
}

/// Behind https (the configured public address says so) every cookie is `Secure` and every
/// answer carries HSTS; without it neither, whatever a request claims (`X-Forwarded-Proto`).
async fn an_https_public_address_makes_cookies_secure(backend: Backend) {
    for (public_url, secure) in [(Some("https://hops.example.cn"), true), (None, false)] {
        let app = hops_testkit::TestApp::spawn_with(backend.clone(), |c| c.public_url = public_url.map(str::to_string)).await;
        app.hospital("tj", &[hops_platform::Role::Operator]).await;
        let r = app
            .client()
            .post(format!("{}/login", app.url))
            .header("x-forwarded-proto", "https")
            .form(&[("hospital", "tj"), ("username", "operator"), ("password", hops_testkit::PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        assert_eq!(cookie.contains("; Secure"), secure, "{cookie}");
        assert_eq!(r.headers().contains_key("strict-transport-security"), secure);
        let r = app.client().get(format!("{}/p/tj/login", app.url)).send().await.unwrap();
        assert_eq!(r.headers().contains_key("strict-transport-security"), secure);
        app.stop().await;
    }
}

async fn serve_without_accounts_or_opt_in_has_no_sandbox(backend: Backend) {
    let api = setup_on(TestApp::spawn_with(backend, |c| c.sandbox = false).await).await;
    let app = &api.app;
    let client = app.client();
    // The sandboxes are not there.
    for (method, path) in [
        (Method::GET, "/sandbox/sms/outbox?phone=13900000001"),
        (Method::POST, "/sandbox/sms/"),
        (Method::POST, "/sandbox/tencent-sms/"),
        (Method::GET, "/sandbox/wechat/outbox?openid=x"),
        (Method::POST, "/sandbox/wechatpay/v3/pay/transactions/h5"),
        (Method::GET, "/sandbox/wechatpay/v3/pay/transactions/out-trade-no/X1?mchid=1900000109"),
        (Method::POST, "/sandbox/wechatpay/v3/refund/domestic/refunds"),
        (Method::GET, "/sandbox/wechatpay/cashier/wx1"),
        (Method::POST, "/sandbox/wechatpay/cashier/wx1"),
    ] {
        let r = client.request(method.clone(), format!("{}{path}", app.url)).form(&[("a", "b")]).send().await.unwrap();
        assert_eq!(r.status(), 404, "{method} {path}");
    }
    // No verification code can be had: the patient is told text messages are off.
    let r = client.post(format!("{}/p/tj/login", app.url)).form(&[("phone", "13900000001"), ("send_code", "1")]).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.text().await.unwrap().contains("短信服务未开通"));
    // A callback signed with the published sandbox key is not even looked at.
    let r =
        client.post(format!("{}/pay/wechat/notify/1", app.url)).header("content-type", "application/json").body("{}").send().await.unwrap();
    assert_eq!(r.status(), 404);
    // The console carries no sandbox banner.
    let (web, _) = app.web_login("tj", "operator").await;
    let page = web.get(format!("{}/", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("沙箱模式"));

    // Online payment is refused with what to do instead; booking itself works.
    let date = day_after(&api, 2);
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(json!({"individual": 10}))).await;
    let (s, b) = book(&api, &date, 1, json!({})).await;
    assert_eq!(s, 201, "{b}");
    let id = b["id"].as_i64().unwrap();
    let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{id}/pay"), Some(json!({}))).await;
    assert_eq!(s, 503, "{b}");
    assert!(b.to_string().contains("在线支付未开通"), "{b}");
    api.app.stop().await;
}

async fn the_sandbox_never_follows_the_host_header(backend: Backend) {
    let api = setup(backend).await;
    let date = day_after(&api, 2);
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(json!({"individual": 10}))).await;
    let (s, b) = book(&api, &date, 1, json!({})).await;
    assert_eq!(s, 201, "{b}");
    let id = b["id"].as_i64().unwrap();
    // The caller names another host: the server still calls its own sandbox, and the payer is
    // sent to this server.
    let r = api
        .app
        .client()
        .post(format!("{}/api/v1/checkup/bookings/{id}/pay", api.app.url))
        .bearer_auth(&api.token)
        .header("host", "attacker.example:9")
        .json(&json!({"return_url": "/p/tj/checkup"}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let b: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{b}");
    let url = b["pay_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/sandbox/wechatpay/cashier/", api.app.url)), "{url}");
    assert!(!url.contains("attacker"), "{url}");
    // The console says the sandboxes are on.
    let (web, _) = api.app.web_login("tj", "operator").await;
    let page = web.get(format!("{}/", api.app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("沙箱模式"), "banner");
    api.app.stop().await;
}
