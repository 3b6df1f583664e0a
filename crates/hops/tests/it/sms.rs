//! Verification codes by SMS through the local sandbox that speaks Alibaba Cloud's `SendSms`
//! protocol, on both backends: the code arrives, a wrong code counts, a right one is used up,
//! limits on resending and attempts, expiry, nothing in clear in the job queue, and a request
//! with a bad signature refused by the sandbox.

use hops_kernel::{Clock, Phone};
use hops_platform::sms;
use hops_testkit::{Backend, TestApp, both_backends};
use serde_json::Value;

both_backends!(verification_codes);

/// The newest code the sandbox delivered to `phone` (waits up to 10 s for the job).
async fn received(app: &TestApp, phone: &str, after: usize) -> (String, usize) {
    for _ in 0..100 {
        let v: Value = reqwest::get(format!("{}/sandbox/sms/outbox?phone={phone}", app.url)).await.unwrap().json().await.unwrap();
        let messages = v["messages"].as_array().unwrap();
        if messages.len() > after {
            let text = messages[0]["text"].as_str().unwrap();
            assert!(text.starts_with("【hops演示】您的验证码为 "), "{text}");
            let code: String = text.chars().filter(char::is_ascii_digit).take(6).collect();
            return (code, messages.len());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no message for {phone}");
}

async fn verification_codes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let h = app.hospital("sms", &[]).await;
    let access = app.system(h);
    let phone = Phone::parse("13800138000").unwrap();

    sms::send_code(&access, &phone, "test.identify", "test").await.unwrap();
    let (code, n) = received(&app, "13800138000", 0).await;
    assert_eq!(code.len(), 6);
    // Too soon for another; a wrong code counts and says how many tries are left.
    let e = sms::send_code(&access, &phone, "test.identify", "test").await.unwrap_err();
    assert_eq!((e.status(), e.code()), (429, "too_soon"));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let e = sms::check_code(&access, &phone, "test.identify", wrong).await.unwrap_err();
    assert_eq!(e.fields()[0].message, "验证码不正确，还可再试 4 次");
    let e = sms::check_code(&access, &phone, "other.purpose", &code).await.unwrap_err();
    assert_eq!(e.fields()[0].message, "请先获取验证码", "codes are per purpose");
    sms::check_code(&access, &phone, "test.identify", &code).await.unwrap();
    let e = sms::check_code(&access, &phone, "test.identify", &code).await.unwrap_err();
    assert_eq!(e.fields()[0].message, "请先获取验证码", "a code is used once");

    // A minute later another code; five wrong tries void it; an old one expires.
    app.clock.advance_seconds(61);
    sms::send_code(&access, &phone, "test.identify", "test").await.unwrap();
    let (code, n) = received(&app, "13800138000", n).await;
    for _ in 0..5 {
        assert!(sms::check_code(&access, &phone, "test.identify", wrong).await.is_err());
    }
    let e = sms::check_code(&access, &phone, "test.identify", &code).await.unwrap_err();
    assert_eq!(e.fields()[0].message, "验证码错误次数过多，请重新获取");
    app.clock.advance_seconds(61);
    sms::send_code(&access, &phone, "test.identify", "test").await.unwrap();
    let (code, _) = received(&app, "13800138000", n).await;
    app.clock.advance_seconds(sms::CODE_TTL_SECONDS + 1);
    let e = sms::check_code(&access, &phone, "test.identify", &code).await.unwrap_err();
    assert_eq!(e.fields()[0].message, "验证码已过期，请重新获取");

    // Nothing personal in clear in the job queue or the audit log.
    {
        use sqlx::Row;
        let mut c = hops_platform::db::connect_one(app.database_url()).await.unwrap();
        for sql in ["SELECT payload FROM jobs WHERE kind = 'sms.send'", "SELECT detail || target FROM audit_log WHERE action = 'sms.code'"]
        {
            let rows = sqlx::query(sql).fetch_all(&mut c).await.unwrap();
            assert!(!rows.is_empty(), "{sql}");
            for r in rows {
                let text: String = r.get(0);
                assert!(!text.contains("13800138000") && !text.contains(&code), "{sql}: {text}");
            }
        }
    }

    // The sandbox checks signatures like the real service.
    let timestamp = app.clock.now().to_timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let req = sms::aliyun::SendSms {
        access_key_id: sms::SANDBOX_KEY_ID,
        phone: "13800138000",
        sign_name: "hops演示",
        template_code: "SMS_SANDBOX_VERIFY",
        template_param: r#"{"code":"123456"}"#,
        timestamp: &timestamp,
        nonce: "n-1",
    };
    let mut form = req.params("not-the-secret");
    let r: Value = reqwest::Client::new().post(format!("{}/sandbox/sms/", app.url)).form(&form).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["Code"], "SignatureDoesNotMatch");
    form = req.params(sms::SANDBOX_SECRET);
    let r: Value = reqwest::Client::new().post(format!("{}/sandbox/sms/", app.url)).form(&form).send().await.unwrap().json().await.unwrap();
    assert_eq!(r["Code"], "OK");
    app.stop().await;
}
