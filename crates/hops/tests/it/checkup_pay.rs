//! Checkup payments through the local WeChat Pay sandbox, over HTTP on both backends: pay
//! (signed order, cashier, encrypted signed callback), tampered and replayed callbacks, refund
//! (asynchronous, notified), on-site payment, a payment arriving after the hold ran out (kept
//! and refunded), and the day's reconciliation.

use hops_checkup::payment::gateway::{SANDBOX_API_V3_KEY, SANDBOX_APPID, SANDBOX_MCHID, SANDBOX_PLATFORM_KEY, SANDBOX_PLATFORM_SERIAL};
use hops_checkup::payment::wechat::{self, ApiV3Key, PrivateKey};
use hops_kernel::Clock;
use hops_testkit::{Backend, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

use super::checkup::{Api, book, day_after, setup, used};

both_backends!(pay_refund_and_reconcile);
both_backends!(callbacks_are_verified_and_idempotent);

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Pays a booking through the sandbox cashier as a payer would; returns where the payer lands.
async fn pay(api: &Api, booking: i64) -> String {
    let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{booking}/pay"), Some(json!({"return_url": "/done"}))).await;
    assert_eq!(s, 200, "{b}");
    let url = b["pay_url"].as_str().unwrap().to_string();
    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains("¥100.00") && page.contains("确认支付"), "the cashier shows the amount");
    let action = page.split("action=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let back = page.split("name=\"redirect_url\" value=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let r = no_redirects().post(format!("{}{action}", api.app.url)).form(&[("redirect_url", back.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    r.headers()["location"].to_str().unwrap().to_string()
}

async fn status(api: &Api, booking: i64) -> String {
    let (_, b) = api.call(Method::GET, &format!("/api/v1/checkup/bookings/{booking}"), None).await;
    b["status"].as_str().unwrap_or("").to_string()
}

async fn money(api: &Api, booking: i64) -> Value {
    api.call(Method::GET, &format!("/api/v1/checkup/bookings/{booking}/payments"), None).await.1
}

/// Waits (up to 10 s) until the booking's refunds are all `status`.
async fn refunds_become(api: &Api, booking: i64, status: &str) -> Value {
    let mut m = Value::Null;
    for _ in 0..100 {
        m = money(api, booking).await;
        let r = m["refunds"].as_array().unwrap();
        if !r.is_empty() && r.iter().all(|r| r["status"] == status) {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let jobs: Vec<String> = {
        use sqlx::Row;
        let mut c = hops_platform::db::connect_one(api.app.database_url()).await.unwrap();
        sqlx::query("SELECT kind, status, COALESCE(last_error, '') FROM jobs WHERE kind = 'checkup.refund'")
            .fetch_all(&mut c)
            .await
            .unwrap()
            .iter()
            .map(|r| format!("{} {} {}", r.get::<String, _>(0), r.get::<String, _>(1), r.get::<String, _>(2)))
            .collect()
    };
    panic!("refunds of {booking} did not become {status}: {m}; refund jobs: {jobs:?}");
}

async fn pay_refund_and_reconcile(backend: Backend) {
    let mut api = setup(backend).await;
    let date = day_after(&api, 2);
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(json!({"individual": 10}))).await;

    // WeChat Pay: the payer confirms in the cashier and lands back on our page, paid.
    let (_, b) = book(&api, &date, 2, json!({})).await;
    let first = b["id"].as_i64().unwrap();
    let landing = pay(&api, first).await;
    assert!(landing.ends_with("/done"), "{landing}");
    assert_eq!(status(&api, first).await, "paid");
    let m = money(&api, first).await;
    assert_eq!((m["payments"][0]["method"].as_str(), m["payments"][0]["status"].as_str()), (Some("wechat"), Some("paid")), "{m}");
    assert!(m["payments"][0]["transaction_id"].as_str().is_some_and(|t| t.starts_with("4200")));
    let (s, _) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{first}/pay"), Some(json!({}))).await;
    assert_eq!(s, 409, "a paid booking is not paid twice");
    let (s, _) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{first}/cancel"), None).await;
    assert_eq!(s, 409, "a paid booking is refunded, not cancelled");

    // Refund: places back at once; WeChat Pay refunds asynchronously and notifies.
    let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{first}/refund"), Some(json!({"reason": ""}))).await;
    assert_eq!(s, 422, "a reason is required: {b}");
    let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{first}/refund"), Some(json!({"reason": "行程变更"}))).await;
    assert_eq!((s, b["status"].as_str()), (200, Some("refunded")), "{b}");
    assert_eq!(used(&api, &date, "individual").await, (10, 0));
    refunds_become(&api, first, "success").await;

    // On-site payment recorded by staff; its refund is recorded as returned at once.
    let (_, b) = book(&api, &date, 4, json!({})).await;
    let second = b["id"].as_i64().unwrap();
    let (s, _) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{second}/payments"), Some(json!({"method": "wechat"}))).await;
    assert_eq!(s, 422, "WeChat payments are confirmed by WeChat Pay only");
    let (s, b) = api
        .call(Method::POST, &format!("/api/v1/checkup/bookings/{second}/payments"), Some(json!({"method": "onsite", "note": "收费处"})))
        .await;
    assert_eq!(s, 204, "{b}");
    assert_eq!(status(&api, second).await, "paid");

    // Paid after the hold ran out: the money is kept on record and sent back.
    let (_, b) = book(&api, &date, 6, json!({})).await;
    let late = b["id"].as_i64().unwrap();
    let (_, p) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{late}/pay"), Some(json!({}))).await;
    let pay_url = p["pay_url"].as_str().unwrap_or_else(|| panic!("{p}")).to_string();
    api.app.clock.advance_seconds(16 * 60);
    api.token = api.app.token("tj", "operator").await;
    let mut expired = false;
    for _ in 0..100 {
        if status(&api, late).await == "expired" {
            expired = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(expired, "the hold ran out");
    let page = reqwest::get(&pay_url).await.unwrap().text().await.unwrap();
    let action = page.split("action=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    no_redirects().post(format!("{}{action}", api.app.url)).form(&[("redirect_url", "/done")]).send().await.unwrap();
    assert_eq!(status(&api, late).await, "expired", "a late payment does not revive the booking");
    let m = refunds_become(&api, late, "success").await;
    assert_eq!(m["payments"][0]["status"], "paid", "{m}");

    // Reconciliation of the checkup day: everything adds up; an unpaid "paid" booking would not.
    let today = api.app.clock.now().local_day().to_string();
    for d in [&date, &today] {
        let (s, r) = api.call(Method::GET, &format!("/api/v1/checkup/reconciliation?date={d}"), None).await;
        assert_eq!(s, 200);
        assert_eq!(r["mismatches"], json!([]), "{d}: {r}");
    }
    let (_, r) = api.call(Method::GET, &format!("/api/v1/checkup/reconciliation?date={date}"), None).await;
    assert_eq!(r["bookings"], 3);
    {
        let mut c = hops_platform::db::connect_one(api.app.database_url()).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE checkup_payments SET status = 'closed' WHERE booking_id = {second}")))
            .execute(&mut c)
            .await
            .unwrap();
    }
    let (_, r) = api.call(Method::GET, &format!("/api/v1/checkup/reconciliation?date={date}"), None).await;
    assert_eq!(r["mismatches"][0]["kind"], "paid_without_payment", "{r}");
    let (s, _) = api.call(Method::GET, "/api/v1/checkup/reconciliation?date=x", None).await;
    assert_eq!(s, 422);
    api.app.stop().await;
}

/// A callback as WeChat Pay would send it, signed with `key` (the sandbox platform key unless
/// testing a forgery).
fn callback(id: &str, out_trade_no: &str, total: i64, now: i64, key: &PrivateKey) -> (Vec<(&'static str, String)>, String) {
    let plain = json!({"mchid": SANDBOX_MCHID, "appid": SANDBOX_APPID, "out_trade_no": out_trade_no, "transaction_id": "4200000000000000000001",
        "trade_type": "MWEB", "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "success_time": "2026-01-01T00:00:00+08:00",
        "amount": {"total": total, "payer_total": total, "currency": "CNY"}});
    let resource =
        ApiV3Key::new(SANDBOX_API_V3_KEY).unwrap().encrypt(&plain.to_string(), "abcdefghijkl", "transaction", "transaction").unwrap();
    let body = json!({"id": id, "create_time": "2026-01-01T00:00:00+08:00", "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功", "resource": resource})
    .to_string();
    let ts = now.to_string();
    let sig = key.sign(&wechat::response_message(&ts, "nonce-1", &body));
    let headers = vec![
        ("wechatpay-timestamp", ts),
        ("wechatpay-nonce", "nonce-1".to_string()),
        ("wechatpay-signature", sig),
        ("wechatpay-serial", SANDBOX_PLATFORM_SERIAL.to_string()),
    ];
    (headers, body)
}

async fn send(api: &Api, hospital: i64, headers: &[(&'static str, String)], body: &str) -> u16 {
    let mut req =
        reqwest::Client::new().post(format!("{}/pay/wechat/notify/{hospital}", api.app.url)).header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req.body(body.to_string()).send().await.unwrap().status().as_u16()
}

async fn callbacks_are_verified_and_idempotent(backend: Backend) {
    let api = setup(backend).await;
    let date = day_after(&api, 2);
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(json!({"individual": 10}))).await;
    let (_, b) = book(&api, &date, 2, json!({})).await;
    let booking = b["id"].as_i64().unwrap();
    let (s, _) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{booking}/pay"), Some(json!({}))).await;
    assert_eq!(s, 200);
    let out_trade_no = {
        use sqlx::Row;
        let mut c = hops_platform::db::connect_one(api.app.database_url()).await.unwrap();
        sqlx::query("SELECT out_trade_no FROM checkup_payments").fetch_one(&mut c).await.unwrap().get::<String, _>(0)
    };
    let hospital = hospital_of(&api).await;
    let platform = PrivateKey::from_pem(SANDBOX_PLATFORM_KEY).unwrap();
    let forger = PrivateKey::from_pem(include_str!("../../../hops-checkup/src/payment/keys/sandbox_merchant_key.pem")).unwrap();
    let now = api.app.clock.now().0 / 1_000_000;

    // Forged, altered, stale, wrongly encrypted or wrong-amount callbacks change nothing.
    let (h, body) = callback("EV-1", &out_trade_no, 100_00, now, &forger);
    assert_eq!(send(&api, hospital, &h, &body).await, 401, "signed with another key");
    let (h, body) = callback("EV-1", &out_trade_no, 100_00, now, &platform);
    assert_eq!(send(&api, hospital, &h, &body.replace("\"EV-1\"", "\"EV-9\"")).await, 401, "body changed after signing");
    let (h, body) = callback("EV-1", &out_trade_no, 100_00, now - 600, &platform);
    assert_eq!(send(&api, hospital, &h, &body).await, 401, "ten minutes old");
    let (h, body) = callback("EV-2", &out_trade_no, 1, now, &platform);
    assert_eq!(send(&api, hospital, &h, &body).await, 400, "amount differs from the order");
    let (h, body) = callback("EV-3", "TJP0X0", 100_00, now, &platform);
    assert_eq!(send(&api, hospital, &h, &body).await, 400, "unknown order");
    assert_eq!(status(&api, booking).await, "pending_payment");
    assert_eq!(money(&api, booking).await["payments"][0]["status"], "pending");

    // The genuine callback pays; delivered again (WeChat Pay retries), it changes nothing.
    let (h, body) = callback("EV-4", &out_trade_no, 100_00, now, &platform);
    assert_eq!(send(&api, hospital, &h, &body).await, 204);
    assert_eq!(status(&api, booking).await, "paid");
    assert_eq!(send(&api, hospital, &h, &body).await, 204);
    let (h, body) = callback("EV-5", &out_trade_no, 100_00, now, &platform);
    assert_eq!(send(&api, hospital, &h, &body).await, 204, "another notice of the same payment");
    let m = money(&api, booking).await;
    assert_eq!((m["payments"].as_array().unwrap().len(), m["refunds"].as_array().unwrap().len()), (1, 0), "{m}");
    // Another hospital's endpoint does not know the order.
    assert_eq!(send(&api, hospital + 1_000_000, &h, &body).await, 400);
    api.app.stop().await;
}

async fn hospital_of(api: &Api) -> i64 {
    use sqlx::Row;
    let mut c = hops_platform::db::connect_one(api.app.database_url()).await.unwrap();
    sqlx::query("SELECT id FROM hospitals WHERE code = 'tj'").fetch_one(&mut c).await.unwrap().get::<i64, _>(0)
}
