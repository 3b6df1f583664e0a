//! Notifications on both backends: a reminder reaches a patient through each channel's sandbox
//! speaking the real protocol (Alibaba Cloud SMS, Tencent Cloud SMS with TC3-HMAC-SHA256, a
//! WeChat subscribe message with its access token, e-mail to an SMTP sink that checks the
//! login) and a wrongly signed request is refused by each; an escalated ticket reaches its team
//! lead in the console's bell, by SMS and by e-mail; opt-outs and quiet hours hold and are
//! recorded; a failing provider is retried through the job queue and finally recorded failed;
//! the hospital's texts are checked (unknown variables refused, nothing saved); the delivery
//! list filters and pages in Chinese with recipients masked and nothing personal in clear; and
//! no sandbox exists without the opt-in.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hops_checkup::group::service::REMINDER;
use hops_kernel::{Clock, HospitalId, Instant, Phone};
use hops_platform::config::Secret;
use hops_platform::notify::config::{SmsAccount, SmsProvider, TENCENT_SANDBOX_APP_ID, TENCENT_SANDBOX_SECRET_ID, WECHAT_SANDBOX_APPID};
use hops_platform::notify::email::SmtpSettings;
use hops_platform::notify::{self, Address, Channel, DeliveryRow, Filter, Message, Status, service, tencent, wechat};
use hops_platform::{Access, Role};
use hops_testkit::{Backend, SmtpSink, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

both_backends!(
    a_reminder_reaches_a_patient_by_sms_through_both_providers,
    a_reminder_reaches_a_patient_by_wechat_and_by_email,
    an_escalated_ticket_reaches_the_team_lead_in_app_by_sms_and_by_email,
    opt_outs_hold_and_are_recorded,
    quiet_hours_hold_messages_until_they_end,
    a_failing_provider_is_retried_then_recorded_failed,
    templates_are_the_hospitals_and_checked,
    the_delivery_list_filters_and_pages_with_nothing_in_clear,
    no_sandbox_without_the_opt_in
);

/// Every topic of the product: its default texts pass the checks a hospital's texts pass, and
/// a topic that goes by SMS or WeChat has a server-wide template setting
/// (`HOPS_SMS_TEMPLATE_{key}`) documented in the configuration template.
#[test]
fn every_topic_is_valid_and_configurable() {
    let topics: Vec<&notify::Topic> =
        notify::platform_topics().into_iter().chain(hops::modules().iter().flat_map(|m| m.topics())).collect();
    assert!(topics.len() >= 4, "{topics:?}");
    let mut codes: Vec<&str> = topics.iter().map(|t| t.code).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), topics.len(), "topic codes are unique");
    for t in &topics {
        for text in t.texts {
            let default = t.default_template(text.channel).unwrap();
            assert_eq!(notify::model::check_template(t, text.channel, &default), Ok(()), "{} {:?}", t.code, text.channel);
        }
        if t.channels().any(|c| matches!(c, Channel::Sms | Channel::Wechat)) {
            assert!(hops_platform::notify::config::TEMPLATE_KEYS.contains(&t.key), "{}: add {} to TEMPLATE_KEYS", t.code, t.key);
            assert!(hops_platform::config::EXAMPLE.contains(&format!("HOPS_SMS_TEMPLATE_{}", t.key)), "{} is not documented", t.key);
        }
    }
}

const PHONE: &str = "13900000001";
const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

/// 10:00 on a weekday in Shanghai: outside the default quiet hours (21:00–08:00).
fn morning() -> Instant {
    Instant::parse("2026-11-24 10:00").unwrap()
}

async fn app_with(backend: Backend, adjust: impl FnOnce(&mut hops_platform::config::Config)) -> (TestApp, HospitalId, Access) {
    let app = TestApp::spawn_with(backend, adjust).await;
    app.clock.set(morning());
    let h = app.hospital("tz", &[Role::Operator, Role::Agent]).await;
    let access = app.system(h);
    (app, h, access)
}

fn reminder(to: Vec<Address>) -> Message {
    let vars = [
        ("name", "张三".to_string()),
        ("employer", "示例科技有限公司".to_string()),
        ("window", "2026-12-01 至 2026-12-31".to_string()),
        ("card", "TJ0001".to_string()),
    ];
    Message::new(&REMINDER, "checkup_employer:ACME", &vars, to)
}

fn phone(p: &str) -> Address {
    Address::Phone(Phone::parse(p).unwrap())
}

/// Queues `msg` as a module does, in a transaction of its own; the deliveries' ids and states.
async fn send(access: &Access, msg: &Message) -> Vec<(i64, Channel, Status)> {
    let mut tx = access.tenant().write().await.unwrap();
    let queued = notify::enqueue(access, &mut tx, msg).await.unwrap();
    tx.commit().await.unwrap();
    queued.deliveries
}

async fn record(access: &Access, id: i64) -> DeliveryRow {
    let (rows, _) = service::deliveries(access, Filter::default(), None, 0, 500).await.unwrap();
    rows.into_iter().find(|r| r.id == id).unwrap_or_else(|| panic!("delivery {id} not recorded"))
}

/// The delivery once it reached `want` (waits up to 15 s for the job).
async fn settled(access: &Access, id: i64, want: Status) -> DeliveryRow {
    let mut last = None;
    for _ in 0..150 {
        let r = record(access, id).await;
        if r.status == want {
            return r;
        }
        last = Some(r);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("delivery {id} never became {want:?}: {last:?}");
}

async fn get_json(url: &str) -> (u16, Value) {
    let r = reqwest::get(url).await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post_json(url: &str, body: &Value) -> Value {
    reqwest::Client::new().post(url).json(body).send().await.unwrap().json().await.unwrap()
}

async fn sms_outbox(app: &TestApp, phone: &str) -> Vec<Value> {
    get_json(&format!("{}/sandbox/sms/outbox?phone={phone}", app.url)).await.1["messages"].as_array().cloned().unwrap_or_default()
}

async fn wechat_outbox(app: &TestApp, openid: &str) -> Vec<Value> {
    get_json(&format!("{}/sandbox/wechat/outbox?openid={openid}", app.url)).await.1["messages"].as_array().cloned().unwrap_or_default()
}

/// A Tencent Cloud `SendSms` request signed with `key`, posted to this app's sandbox.
async fn tencent_request(app: &TestApp, key: &str, timestamp: i64, body: &str, sent_body: &str) -> Value {
    let host = app.url.trim_start_matches("http://").to_string();
    let signed = tencent::Signed {
        headers: &[("content-type", tencent::CONTENT_TYPE), ("host", &host)],
        payload: body.as_bytes(),
        timestamp,
        service: tencent::SERVICE,
    };
    reqwest::Client::new()
        .post(format!("{}/sandbox/tencent-sms/", app.url))
        .header("Authorization", signed.authorization(TENCENT_SANDBOX_SECRET_ID, key))
        .header("Content-Type", tencent::CONTENT_TYPE)
        .header("X-TC-Action", tencent::ACTION)
        .header("X-TC-Version", tencent::VERSION)
        .header("X-TC-Timestamp", timestamp.to_string())
        .header("X-TC-Region", "ap-guangzhou")
        .body(sent_body.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn a_reminder_reaches_a_patient_by_sms_through_both_providers(backend: Backend) {
    // Alibaba Cloud, the default provider of the sandbox.
    let (app, _, access) = app_with(backend.clone(), |_| {}).await;
    let d = send(&access, &reminder(vec![phone(PHONE)])).await;
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].1, d[0].2), (Channel::Sms, Status::Queued));
    let r = settled(&access, d[0].0, Status::Sent).await;
    assert_eq!((r.provider.as_str(), r.recipient_masked.as_str()), ("aliyun:sandbox", "139****0001"));
    assert_eq!(r.template, "default:SMS_SANDBOX_GROUP_REMINDER");
    assert_eq!(r.attempts, 1);
    assert!(r.provider_message_id.as_deref().is_some_and(|m| !m.is_empty()), "{r:?}");
    let got = sms_outbox(&app, PHONE).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["provider"], "aliyun");
    assert_eq!(
        got[0]["text"],
        "【hops演示】张三您好，示例科技有限公司为您安排了团体体检，请于2026-12-01 至 2026-12-31预约，体检卡号TJ0001。"
    );
    // A request signed with another secret is refused, and nothing arrives.
    let timestamp = app.clock.now().to_timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let forged = hops_platform::notify::aliyun::SendSms {
        access_key_id: hops_platform::sms::SANDBOX_KEY_ID,
        phone: PHONE,
        sign_name: "hops演示",
        template_code: "SMS_SANDBOX_GROUP_REMINDER",
        template_param: r#"{"name":"x","employer":"x","window":"x","card":"x"}"#,
        timestamp: &timestamp,
        nonce: "n-1",
    };
    let r: Value = reqwest::Client::new()
        .post(format!("{}/sandbox/sms/", app.url))
        .form(&forged.params("not-the-secret"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["Code"], "SignatureDoesNotMatch");
    assert_eq!(sms_outbox(&app, PHONE).await.len(), 1);
    app.stop().await;

    // Tencent Cloud: the same reminder, its parameters in the order of the text.
    let (app, _, access) = app_with(backend, |c| c.notify.sms_provider = SmsProvider::Tencent).await;
    let d = send(&access, &reminder(vec![phone(PHONE)])).await;
    let r = settled(&access, d[0].0, Status::Sent).await;
    assert_eq!((r.provider.as_str(), r.template.as_str()), ("tencent:sandbox", "default:SANDBOX_GROUP_REMINDER"));
    assert!(r.provider_message_id.as_deref().is_some_and(|m| m.starts_with("2028:")), "{r:?}");
    let got = sms_outbox(&app, PHONE).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["provider"], "tencent");
    assert_eq!(
        got[0]["text"],
        "【hops演示】张三您好，示例科技有限公司为您安排了团体体检，请于2026-12-01 至 2026-12-31预约，体检卡号TJ0001。"
    );
    // The sandbox checks the TC3 signature over what it received.
    let now = app.clock.now().0 / 1_000_000;
    let body = json!({"PhoneNumberSet": ["+8613900000002"], "SmsSdkAppId": TENCENT_SANDBOX_APP_ID, "SignName": "hops演示",
                      "TemplateId": "SANDBOX_GROUP_REMINDER", "TemplateParamSet": ["李四", "单位", "下周", "TJ2"]})
    .to_string();
    let key = hops_platform::notify::config::TENCENT_SANDBOX_SECRET_KEY;
    let wrong_key = tencent_request(&app, "not-the-key", now, &body, &body).await;
    assert_eq!(wrong_key["Response"]["Error"]["Code"], "AuthFailure.SignatureFailure", "{wrong_key}");
    let tampered = tencent_request(&app, key, now, &body, &body.replace("李四", "王五")).await;
    assert_eq!(tampered["Response"]["Error"]["Code"], "AuthFailure.SignatureFailure", "{tampered}");
    let stale = tencent_request(&app, key, now - 301, &body, &body).await;
    assert_eq!(stale["Response"]["Error"]["Code"], "AuthFailure.SignatureExpire", "{stale}");
    assert!(sms_outbox(&app, "13900000002").await.is_empty(), "nothing refused arrived");
    let good = tencent_request(&app, key, now, &body, &body).await;
    assert_eq!(good["Response"]["SendStatusSet"][0]["Code"], "Ok", "{good}");
    assert_eq!(
        sms_outbox(&app, "13900000002").await[0]["text"],
        "【hops演示】李四您好，单位为您安排了团体体检，请于下周预约，体检卡号TJ2。"
    );
    app.stop().await;
}

async fn a_reminder_reaches_a_patient_by_wechat_and_by_email(backend: Backend) {
    let sink = SmtpSink::with_login("notify", "s3cret").await;
    let url = sink.url(Some(("notify", "s3cret")));
    let (app, _, access) =
        app_with(backend.clone(), |c| c.notify.smtp = Some(SmtpSettings { url, from: "示范医院 <notify@hops.test>".into() })).await;
    let d = send(&access, &reminder(vec![Address::OpenId(OPENID.into()), Address::Email("zhang.san@example.cn".into())])).await;
    let channels: Vec<Channel> = d.iter().map(|x| x.1).collect();
    assert_eq!(channels, [Channel::Wechat, Channel::Email]);
    // WeChat: a subscribe message with a token the sandbox issued, each field within its kind's rules.
    let w = settled(&access, d[0].0, Status::Sent).await;
    assert_eq!((w.provider.as_str(), w.recipient_masked.as_str()), ("wechat:sandbox", "oUpF****eS6o"));
    let got = wechat_outbox(&app, OPENID).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["kind"], "subscribe");
    assert_eq!(got[0]["template_id"], "sandbox-group_reminder");
    assert_eq!(
        got[0]["data"],
        json!({"thing1": "张三", "thing2": "示例科技有限公司", "time3": "2026-12-01 至 2026-12-31", "character_string4": "TJ0001"})
    );
    // E-mail: through the SMTP server after logging in, the record keeps its Message-ID.
    let e = settled(&access, d[1].0, Status::Sent).await;
    assert_eq!((e.provider.as_str(), e.recipient_masked.as_str()), ("smtp", "z***@example.cn"));
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!((mails[0].recipients.clone(), mails[0].user.as_deref()), (vec!["zhang.san@example.cn".to_string()], Some("notify")));
    let message_id = e.provider_message_id.clone().unwrap();
    assert!(mails[0].data.contains(&format!("Message-ID: {message_id}")), "{}", mails[0].data);

    // WeChat's side refuses a wrong secret, a token it did not issue, and a field too long.
    let wechat = format!("{}/sandbox/wechat/cgi-bin", app.url);
    let r = post_json(&format!("{wechat}/stable_token"), &wechat::stable_token_body(WECHAT_SANDBOX_APPID, "not-the-secret", false)).await;
    assert_eq!(r["errcode"], wechat::INVALID_SECRET);
    let send_with = |token: &str| format!("{wechat}/message/subscribe/send?access_token={token}");
    let body = json!({"touser": OPENID, "template_id": "sandbox-group_reminder", "data": {"thing1": {"value": "李四"}}});
    assert_eq!(post_json(&send_with("forged"), &body).await["errcode"], wechat::INVALID_CREDENTIAL);
    let secret = hops_platform::notify::config::WECHAT_SANDBOX_SECRET;
    let query = wechat::token_query(WECHAT_SANDBOX_APPID, secret).map(|(k, v)| format!("{k}={v}")).join("&");
    let token = get_json(&format!("{wechat}/token?{query}")).await.1["access_token"].as_str().unwrap().to_string();
    let long = json!({"touser": OPENID, "template_id": "sandbox-group_reminder", "data": {"thing1": {"value": "一二三四五六七八九十一二三四五六七八九十一"}}});
    assert_eq!(post_json(&send_with(&token), &long).await["errcode"], wechat::INVALID_ARGUMENT);
    // Two hours later the token has expired there.
    app.clock.advance_seconds(wechat::TOKEN_SECONDS + 1);
    assert_eq!(post_json(&send_with(&token), &body).await["errcode"], wechat::TOKEN_EXPIRED);
    assert_eq!(wechat_outbox(&app, OPENID).await.len(), 1, "nothing refused arrived");
    // The adapter fetches a fresh token by itself when its own has run out.
    let d = send(&access, &reminder(vec![Address::OpenId(OPENID.into())])).await;
    settled(&access, d[0].0, Status::Sent).await;
    assert_eq!(wechat_outbox(&app, OPENID).await.len(), 2);
    app.stop().await;

    // An official account sends template messages; a wrong SMTP password is refused for good.
    let url = sink.url(Some(("notify", "wrong")));
    let (app, _, access) = app_with(backend, |c| {
        c.notify.wechat_kind = wechat::Kind::Template;
        c.notify.smtp = Some(SmtpSettings { url, from: "hops <notify@hops.test>".into() });
    })
    .await;
    let d = send(&access, &reminder(vec![Address::OpenId(OPENID.into()), Address::Email("li@example.cn".into())])).await;
    settled(&access, d[0].0, Status::Sent).await;
    assert_eq!(wechat_outbox(&app, OPENID).await[0]["kind"], "template");
    let failed = settled(&access, d[1].0, Status::Failed).await;
    assert_eq!(failed.attempts, 1, "a refused login is not retried");
    assert!(failed.last_error.as_deref().is_some_and(|e| e.contains("535") && e.contains("l***@example.cn")), "{failed:?}");
    assert_eq!(sink.mails().len(), 1, "no second mail");
    assert!(sink.refused_logins() >= 1);
    app.stop().await;
}

async fn an_escalated_ticket_reaches_the_team_lead_in_app_by_sms_and_by_email(backend: Backend) {
    use hops_desk::setup::model::Team;
    let sink = SmtpSink::open().await;
    let url = sink.url(None);
    let app = TestApp::spawn_with(backend, |c| c.notify.smtp = Some(SmtpSettings { url, from: "hops <desk@hops.test>".into() })).await;
    let d = super::desk_tickets::desk_on(app).await;
    d.at("2026-11-22 09:00").await;
    let app = &d.app;
    let h = hops_platform::accounts::service::hospital_by_code(&app.core, "kf").await.unwrap().unwrap().id;
    let sys = app.system(h);
    let users = hops_platform::accounts::service::list_users(&sys).await.unwrap();
    let agent = users.iter().find(|u| u.role == Role::Agent).unwrap().id;
    // The agent leads the ops team (system faults) and gives a phone and an e-mail for notifications.
    let team = Team { code: "ops".into(), name: "运维组".into(), lead_user_id: Some(agent.0), members: Vec::new() };
    hops_desk::setup::service::save_team(&sys, &team).await.unwrap();
    let (web, csrf) = app.web_login("kf", "agent").await;
    let contact = format!("{}/notifications/contact", app.url);
    let r = web.post(&contact).form(&[("_csrf", csrf.as_str()), ("phone", "1390000"), ("email", "lead@")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("手机号应为11位数字") && page.contains("不是有效的电子邮箱地址"), "both mistakes named");
    let r =
        web.post(&contact).form(&[("_csrf", csrf.as_str()), ("phone", "13900000009"), ("email", "Lead@Example.cn")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let page = web.get(format!("{}/notifications", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("139****0009") && page.contains("l***@example.cn") && !page.contains("13900000009"), "masked");
    assert!(!page.contains("bell-count"), "nothing unread yet");

    // A fault at 10:00 (30 minutes to respond); at 10:31 the check escalates it, at night.
    d.at("2026-11-22 22:00").await;
    let (_, t) = d
        .call(Method::POST, "/api/v1/desk/tickets", Some(json!({"channel": "system", "category": "fault", "subject": "处方流转中断"})))
        .await;
    let id = t["id"].as_i64().unwrap();
    d.at("2026-11-22 22:31").await;
    hops_desk::ticket::service::check_sla(&sys, id).await.unwrap();
    hops_desk::ticket::service::check_sla(&sys, id).await.unwrap();
    let (rows, _) =
        service::deliveries(&sys, Filter { topic: Some("desk.sla_escalation".into()), ..Filter::default() }, None, 0, 50).await.unwrap();
    let mut channels: Vec<Channel> = rows.iter().map(|r| r.channel).collect();
    channels.sort();
    assert_eq!(channels, [Channel::Sms, Channel::Email, Channel::InApp], "once, on every channel, urgent despite the hour");
    for r in &rows {
        settled(&sys, r.id, Status::Sent).await;
    }
    let sms = sms_outbox(app, "13900000009").await;
    assert_eq!(sms.len(), 1);
    let text = sms[0]["text"].as_str().unwrap();
    assert!(text.starts_with("【hops演示】工单GD") && text.contains("首次响应已超时"), "{text}");
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].recipients, ["lead@example.cn"]);
    // The bell: one unread; the message opens the ticket; reading it clears the bell.
    let (web, csrf) = app.web_login("kf", "agent").await;
    let home = web.get(format!("{}/", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("<span class=\"bell-count\">1</span>"), "the bell counts one");
    let page = web.get(format!("{}/notifications", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("首次响应已超时") && page.contains("处方流转中断") && page.contains(&format!("href=\"/desk/tickets/{id}\"")),
        "{page:.2000}"
    );
    let token = app.token("kf", "agent").await;
    let (s, inbox) = call(&app.client(), Method::GET, &format!("{}/api/v1/notifications", app.url), &token, None).await;
    assert_eq!((s, inbox["unread"].as_i64()), (200, Some(1)), "{inbox}");
    let message = inbox["items"][0]["id"].as_i64().unwrap();
    // Another's message is not mine to mark.
    let other = app.token("kf", "operator").await;
    let (s, _) = call(&app.client(), Method::POST, &format!("{}/api/v1/notifications/{message}/read", app.url), &other, None).await;
    assert_eq!(s, 404);
    let r = web.post(format!("{}/notifications/{message}/read", app.url)).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let home = web.get(format!("{}/", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(!home.contains("bell-count"), "read: the bell is quiet");
    d.app.stop().await;
}

async fn opt_outs_hold_and_are_recorded(backend: Backend) {
    let (app, _, access) = app_with(backend, |_| {}).await;
    let token = app.token("tz", "operator").await;
    let api = |m: Method, path: &str, body: Option<Value>| {
        let (client, url, token) = (app.client(), format!("{}{path}", app.url), token.clone());
        async move { call(&client, m, &url, &token, body).await }
    };
    // Bad input: named in Chinese, nothing recorded.
    let (s, e) = api(Method::POST, "/api/v1/notify/opt-outs", Some(json!({"address": "1390000", "topic": "checkup.group_reminder"}))).await;
    assert_eq!((s, e["error"]["fields"][0]["field"].as_str()), (422, Some("address")), "{e}");
    assert!(e["error"]["fields"][0]["message"].as_str().unwrap().contains("手机号应为11位数字"));
    let (s, e) = api(Method::POST, "/api/v1/notify/opt-outs", Some(json!({"address": PHONE, "topic": "sms.verify"}))).await;
    assert_eq!(s, 422);
    assert!(e.to_string().contains("「短信验证码」不能退订"), "{e}");
    let (s, _) = api(Method::POST, "/api/v1/notify/opt-outs", Some(json!({"address": PHONE, "topic": "no.such"}))).await;
    assert_eq!(s, 422);
    assert_eq!(service::opt_outs(&access, 0, 10).await.unwrap().1, 0, "nothing recorded");
    // An agent may not record opt-outs.
    let agent = app.token("tz", "agent").await;
    let (s, _) = call(
        &app.client(),
        Method::POST,
        &format!("{}/api/v1/notify/opt-outs", app.url),
        &agent,
        Some(json!({"address": PHONE, "topic": "checkup.group_reminder"})),
    )
    .await;
    assert_eq!(s, 403);
    // The patient opts out (typed with spaces); twice is a conflict.
    let (s, _) =
        api(Method::POST, "/api/v1/notify/opt-outs", Some(json!({"address": "139 0000 0001", "topic": "checkup.group_reminder"}))).await;
    assert_eq!(s, 201);
    let (s, e) = api(Method::POST, "/api/v1/notify/opt-outs", Some(json!({"address": PHONE, "topic": "checkup.group_reminder"}))).await;
    assert_eq!((s, e["error"]["code"].as_str()), (409, Some("already_opted_out")));
    // The next reminder to that phone is recorded skipped and sent nowhere; another phone gets it.
    let d = send(&access, &reminder(vec![phone(PHONE), phone("13900000003")])).await;
    assert_eq!(d.iter().map(|x| x.2).collect::<Vec<_>>(), [Status::Skipped, Status::Queued]);
    let skipped = record(&access, d[0].0).await;
    assert_eq!(skipped.last_error.as_deref(), Some("收件人已退订「团检预约提醒」"));
    assert_eq!((skipped.recipient_masked.as_str(), skipped.attempts), ("139****0001", 0));
    settled(&access, d[1].0, Status::Sent).await;
    assert!(sms_outbox(&app, PHONE).await.is_empty());
    assert_eq!(sms_outbox(&app, "13900000003").await.len(), 1);
    // An opt-out recorded while a message waits in quiet hours holds at the send.
    app.clock.set(Instant::parse("2026-11-24 23:00").unwrap());
    let d = send(&access, &reminder(vec![phone("13900000003")])).await;
    assert_eq!(d[0].2, Status::Deferred);
    service::opt_out(&access, "13900000003", &REMINDER).await.unwrap();
    app.clock.set(Instant::parse("2026-11-25 08:00:01").unwrap());
    let r = settled(&access, d[0].0, Status::Skipped).await;
    assert_eq!(r.last_error.as_deref(), Some("发送前收件人已退订"));
    assert_eq!(sms_outbox(&app, "13900000003").await.len(), 1, "no second message");
    // The list shows them masked; taking one back sends again.
    let (list, total) = service::opt_outs(&access, 0, 10).await.unwrap();
    assert_eq!(total, 2);
    assert!(list.iter().all(|o| o.recipient_masked.contains("****")));
    let (web, csrf) = app.web_login("tz", "operator").await;
    let page = web.get(format!("{}/notify/opt-outs", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("139****0001") && page.contains("团检预约提醒") && !page.contains(PHONE));
    let key = list.iter().find(|o| o.recipient_masked == "139****0001").unwrap().recipient_key.clone();
    // Without the script's `_confirmed`, the server asks first, changing nothing; its page posts
    // the same fields again, confirmed.
    let form = [("_csrf", csrf.as_str()), ("key", key.as_str()), ("topic", "checkup.group_reminder"), ("_confirmed", "1")];
    let remove = |n: usize| web.post(format!("{}/notify/opt-outs/remove", app.url)).form(&form[..n]).send();
    let page = remove(3).await.unwrap().text().await.unwrap();
    assert!(page.contains("请确认：取消退订") && page.contains("name=\"_confirmed\" value=\"1\"") && page.contains(&key), "{page}");
    assert!(service::opt_outs(&access, 0, 50).await.unwrap().0.iter().any(|o| o.recipient_key == key), "nothing done yet");
    assert_eq!(remove(4).await.unwrap().status(), 303);
    let d = send(&access, &reminder(vec![phone(PHONE)])).await;
    settled(&access, d[0].0, Status::Sent).await;
    app.stop().await;
}

async fn quiet_hours_hold_messages_until_they_end(backend: Backend) {
    let (app, _, access) = app_with(backend, |_| {}).await;
    let token = app.token("tz", "operator").await;
    let url = format!("{}/api/v1/notify/quiet-hours", app.url);
    let (s, q) = call(&app.client(), Method::GET, &url, &token, None).await;
    assert_eq!((s, q), (200, json!({"enabled": true, "start": "21:00", "end": "08:00"})), "the default");
    // Bad input is named and changes nothing.
    let (s, e) = call(&app.client(), Method::PUT, &url, &token, Some(json!({"enabled": true, "start": "22:00", "end": "22:00"}))).await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["fields"][0]["message"], "结束时间不能与开始时间相同");
    let (s, e) = call(&app.client(), Method::PUT, &url, &token, Some(json!({"enabled": true, "start": "9点", "end": "25:00"}))).await;
    assert_eq!((s, e["error"]["fields"].as_array().map(Vec::len)), (422, Some(2)));
    let (_, q) = call(&app.client(), Method::GET, &url, &token, None).await;
    assert_eq!(q["start"], "21:00", "unchanged");
    let (s, _) = call(&app.client(), Method::PUT, &url, &token, Some(json!({"enabled": true, "start": "22:00", "end": "07:30"}))).await;
    assert_eq!(s, 200);

    // At 22:30 a reminder waits for 07:30 the next morning; an urgent escalation does not.
    app.clock.set(Instant::parse("2026-11-24 22:30").unwrap());
    let d = send(&access, &reminder(vec![phone(PHONE)])).await;
    assert_eq!(d[0].2, Status::Deferred);
    let waiting = record(&access, d[0].0).await;
    assert_eq!(waiting.due_at, Instant::parse("2026-11-25 07:30").unwrap());
    let users = hops_platform::accounts::service::list_users(&access).await.unwrap();
    let agent = users.iter().find(|u| u.role == Role::Agent).unwrap().id;
    let vars = [
        ("ticket", "GD1".to_string()),
        ("subject", "x".to_string()),
        ("clock", "解决".to_string()),
        ("due", "22:00".to_string()),
        ("lead", "李".to_string()),
    ];
    let urgent = Message::new(&hops_desk::ticket::service::SLA_ESCALATION, "desk_ticket:1", &vars, vec![Address::Staff(agent)]);
    let u = send(&access, &urgent).await;
    settled(&access, u[0].0, Status::Sent).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(record(&access, d[0].0).await.status, Status::Deferred, "still waiting");
    assert!(sms_outbox(&app, PHONE).await.is_empty());
    // The console says so in Chinese.
    let (web, _) = app.web_login("tz", "operator").await;
    let page = web.get(format!("{}/notify/deliveries?status=deferred", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("免打扰延后") && page.contains("2026-11-25 07:30"), "deferred, until when");
    // At 07:30 it goes.
    app.clock.set(Instant::parse("2026-11-25 07:30:01").unwrap());
    let sent = settled(&access, d[0].0, Status::Sent).await;
    assert!(sent.sent_at.unwrap() >= Instant::parse("2026-11-25 07:30").unwrap());
    assert_eq!(sms_outbox(&app, PHONE).await.len(), 1);
    app.stop().await;
}

/// A provider that answers every `SendSms` with Alibaba Cloud's flow-control error (and an
/// invalid-number error for numbers ending in 0000); counts the requests.
async fn throttling_provider() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/", listener.local_addr().unwrap().port());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(at) = text.find("\r\n\r\n") {
                        let length: usize = text[..at]
                            .lines()
                            .find_map(|l| l.to_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                            .unwrap_or(0);
                        if buf.len() >= at + 4 + length {
                            break;
                        }
                    }
                }
                seen.fetch_add(1, Ordering::SeqCst);
                let text = String::from_utf8_lossy(&buf).to_string();
                let body = if text.contains("PhoneNumbers=13900000000&") {
                    r#"{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"非法手机号"}"#
                } else {
                    r#"{"Code":"isv.BUSINESS_LIMIT_CONTROL","Message":"触发分钟级流控Permits:1"}"#
                };
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, count)
}

async fn a_failing_provider_is_retried_then_recorded_failed(backend: Backend) {
    let (endpoint, requests) = throttling_provider().await;
    let account = SmsAccount {
        provider: SmsProvider::Aliyun,
        key_id: "LTAI-test".into(),
        secret: Secret::new("test-secret"),
        sign_name: "示范医院".into(),
        sdk_app_id: String::new(),
        region: "cn-hangzhou".into(),
        templates: [("VERIFY".to_string(), "SMS_1".to_string()), ("GROUP_REMINDER".to_string(), "SMS_2".to_string())].into_iter().collect(),
        endpoint: Some(endpoint),
    };
    let (app, _, access) = app_with(backend, |c| c.notify.sms = Some(account)).await;
    // A real account: no sandbox here.
    assert_eq!(get_json(&format!("{}/sandbox/sms/outbox?phone={PHONE}", app.url)).await.0, 404);
    let d = send(&access, &reminder(vec![phone(PHONE)])).await;
    let id = d[0].0;
    let mut attempts = 0;
    for attempt in 1..=service::MAX_ATTEMPTS {
        // Each attempt fails; the job queue tries again after its back-off (the clock is moved
        // to the retry's time once the job waits for it, never while it runs).
        // The queue is read before the record: an attempt's failure is recorded before its job
        // waits again, so a waiting retry seen here is never one whose attempt the record lacks.
        let mut r = record(&access, id).await;
        for _ in 0..150 {
            let (queued, _) = hops_platform::jobs::list(&access, Some(hops_platform::jobs::Status::Queued), 0, 50).await.unwrap();
            r = record(&access, id).await;
            if r.attempts >= attempt {
                break;
            }
            if let Some(job) = queued.iter().find(|j| j.kind == service::SEND_JOB && j.run_at > app.clock.now()) {
                app.clock.set(job.run_at.plus_seconds(1));
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(r.attempts, attempt, "{r:?}");
        assert!(r.last_error.as_deref().is_some_and(|e| e.contains("isv.BUSINESS_LIMIT_CONTROL")), "{r:?}");
        let expected = if attempt < service::MAX_ATTEMPTS { Status::Queued } else { Status::Failed };
        assert_eq!(r.status, expected, "after attempt {attempt}");
        attempts = r.attempts;
    }
    app.clock.advance_seconds(3600);
    assert_eq!(attempts, 5);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(requests.load(Ordering::SeqCst), 5, "five attempts, then no more");
    assert_eq!(record(&access, id).await.status, Status::Failed);
    let (dead, _) = hops_platform::jobs::list(&access, Some(hops_platform::jobs::Status::Dead), 0, 10).await.unwrap();
    assert!(dead.iter().any(|j| j.kind == service::SEND_JOB), "the job is a dead letter a person can requeue");
    // A refusal retrying cannot cure fails at once.
    let d = send(&access, &reminder(vec![phone("13900000000")])).await;
    let r = settled(&access, d[0].0, Status::Failed).await;
    assert_eq!(r.attempts, 1);
    assert!(r.last_error.as_deref().is_some_and(|e| e.contains("isv.MOBILE_NUMBER_ILLEGAL")), "{r:?}");
    app.stop().await;
}

async fn templates_are_the_hospitals_and_checked(backend: Backend) {
    let (app, _, access) = app_with(backend, |_| {}).await;
    let other = app.system(app.hospital("tb", &[]).await);
    let token = app.token("tz", "operator").await;
    let url = format!("{}/api/v1/notify/templates", app.url);
    // Unknown variables are refused with the ones the topic has; nothing is saved.
    let bad = json!({"topic": "checkup.group_reminder", "channel": "sms", "body": "${name}，请于${deadline}前预约${"});
    let (s, e) = call(&app.client(), Method::PUT, &url, &token, Some(bad)).await;
    assert_eq!(s, 422, "{e}");
    let message = e["error"]["fields"][0]["message"].as_str().unwrap();
    assert!(message.contains("缺少配对"), "{message}");
    let bad = json!({"topic": "checkup.group_reminder", "channel": "email", "subject": "提醒 ${deadline}", "body": "${name}"});
    let (s, e) = call(&app.client(), Method::PUT, &url, &token, Some(bad)).await;
    assert_eq!(s, 422);
    let message = e["error"]["fields"][0]["message"].as_str().unwrap();
    assert!(message.contains("未知变量 ${deadline}") && message.contains("${name}（姓名）"), "{message}");
    let (s, e) =
        call(&app.client(), Method::PUT, &url, &token, Some(json!({"topic": "checkup.group_reminder", "channel": "in_app", "body": "x"})))
            .await;
    assert_eq!(s, 422, "{e}");
    let t = service::template(&access, &REMINDER, Channel::Email).await.unwrap();
    assert!(!t.custom, "nothing saved");
    // The console form says the same next to the field, and keeps what was typed.
    let (web, csrf) = app.web_login("tz", "operator").await;
    let r = web
        .post(format!("{}/notify/templates", app.url))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("topic", "checkup.group_reminder"),
            ("channel", "email"),
            ("subject", "提醒"),
            ("body", "${nmae}您好"),
            ("enabled", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("未知变量 ${nmae}") && page.contains("${nmae}您好"), "{page:.3000}");
    // A good text is the hospital's own: its next e-mail uses it, another hospital's does not.
    let good = json!({"topic": "checkup.group_reminder", "channel": "email", "subject": "【示范医院】${employer}体检提醒", "body": "${name}：请于${window}预约。"});
    let (s, _) = call(&app.client(), Method::PUT, &url, &token, Some(good)).await;
    assert_eq!(s, 204);
    let page = web.get(format!("{}/notify/templates", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("本院模板") && page.contains("【示范医院】${employer}体检提醒"));
    let ours = service::template(&access, &REMINDER, Channel::Email).await.unwrap();
    let theirs = service::template(&other, &REMINDER, Channel::Email).await.unwrap();
    assert_eq!((ours.custom, ours.subject.as_str()), (true, "【示范医院】${employer}体检提醒"));
    assert_eq!((theirs.custom, theirs.subject.as_str()), (false, "${employer}团体体检预约提醒"));
    // Switching SMS off for the reminder: no SMS delivery, and reminders by SMS are refused.
    let off = json!({"topic": "checkup.group_reminder", "channel": "sms", "body": "${name}您好，请预约。", "enabled": false});
    assert_eq!(call(&app.client(), Method::PUT, &url, &token, Some(off)).await.0, 204);
    assert!(send(&access, &reminder(vec![phone(PHONE)])).await.is_empty());
    let e = notify::ready(&access, &REMINDER, Channel::Sms).await.unwrap_err();
    assert_eq!(e.code(), "channel_disabled");
    assert!(send(&other, &reminder(vec![phone(PHONE)])).await.len() == 1, "the other hospital still sends");
    // A doctor-like role without the permission sees none of it.
    let agent = app.token("tz", "agent").await;
    assert_eq!(
        call(&app.client(), Method::PUT, &url, &agent, Some(json!({"topic": "checkup.group_reminder", "channel": "sms", "body": "x"})))
            .await
            .0,
        403
    );
    app.stop().await;
}

async fn the_delivery_list_filters_and_pages_with_nothing_in_clear(backend: Backend) {
    let (app, _, access) = app_with(backend, |_| {}).await;
    // One reminder in the morning (sent), 51 the next night (waiting).
    app.clock.set(Instant::parse("2026-11-23 10:00").unwrap());
    let d = send(&access, &reminder(vec![phone(PHONE)])).await;
    settled(&access, d[0].0, Status::Sent).await;
    app.clock.set(Instant::parse("2026-11-24 23:00").unwrap());
    let many: Vec<Address> = (0..51).map(|i| phone(&format!("1380000{i:04}"))).collect();
    assert_eq!(send(&access, &reminder(many)).await.len(), 51);
    let (web, _) = app.web_login("tz", "operator").await;
    let get = |q: &str| {
        let (web, url) = (web.clone(), format!("{}/notify/deliveries{q}", app.url));
        async move {
            let r = web.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let rows = |page: &str| page.matches("<tr id=\"delivery-").count();
    let (s, all) = get("").await;
    assert_eq!(s, 200);
    assert_eq!(rows(&all), 50, "a page of fifty");
    assert!(all.contains("共 52 条") && all.contains("团检预约提醒") && all.contains("短信") && all.contains("已发送"), "Chinese labels");
    assert!(all.contains("阿里云短信（沙箱）") && all.contains("默认模板 · SMS_SANDBOX_GROUP_REMINDER"));
    assert!(!all.contains(">sms<") && !all.contains(">sent<"), "no raw codes");
    let (_, second) = get("?page=2").await;
    assert_eq!(rows(&second), 2);
    let (_, sent) = get("?status=sent").await;
    assert_eq!(rows(&sent), 1);
    assert!(sent.contains("139****0001") && !sent.contains(PHONE), "masked");
    let (_, found) = get("?recipient=13800000007").await;
    assert_eq!(rows(&found), 1, "found by the number, shown masked");
    assert!(found.contains("138****0007"));
    assert_eq!(found.matches("13800000007").count(), 1, "in clear only in the search box");
    let (_, by_day) = get("?from=2026-11-23&to=2026-11-23").await;
    assert_eq!(rows(&by_day), 1);
    let (_, none) = get("?channel=wechat").await;
    assert!(none.contains("没有发送记录"));
    let (s, bad) = get("?from=2026-13-01&status=nope").await;
    assert_eq!(s, 422);
    assert!(bad.contains("日期“2026-13-01”无效") && bad.contains("请选择有效的状态"), "{bad:.3000}");
    // The API, for the same.
    let token = app.token("tz", "operator").await;
    let (s, b) =
        call(&app.client(), Method::GET, &format!("{}/api/v1/notify/deliveries?status=deferred&page=2", app.url), &token, None).await;
    assert_eq!((s, b["total"].as_i64(), b["items"].as_array().map(Vec::len)), (200, Some(51), Some(0)), "{b}");
    let (_, b) = call(&app.client(), Method::GET, &format!("{}/api/v1/notify/deliveries?status=deferred", app.url), &token, None).await;
    assert_eq!(b["items"][0]["status_label"], "免打扰延后");
    // Nothing personal in clear in the job queue, the records or the audit log.
    let mut c = hops_platform::db::connect_one(app.database_url()).await.unwrap();
    use sqlx::Row;
    for sql in [
        "SELECT payload FROM jobs WHERE kind = 'notify.send'",
        "SELECT recipient_masked || template || reference || COALESCE(last_error, '') || COALESCE(provider_message_id, '') FROM notify_deliveries",
        "SELECT detail || target FROM audit_log",
    ] {
        let found = sqlx::query(sql).fetch_all(&mut c).await.unwrap();
        for r in found {
            let text: String = r.get(0);
            assert!(!text.contains(PHONE) && !text.contains("13800000007") && !text.contains("张三"), "{sql}: {text}");
        }
    }
    let payloads = sqlx::query("SELECT payload FROM jobs WHERE kind = 'notify.send'").fetch_all(&mut c).await.unwrap();
    assert_eq!(payloads.len(), 52);
    let payload: Value = serde_json::from_str(&payloads[0].get::<String, _>(0)).unwrap();
    assert_eq!(payload.as_object().unwrap().keys().collect::<Vec<_>>(), ["delivery"], "the payload is an id");
    // An agent (no permission) sees no records.
    let (agent, _) = app.web_login("tz", "agent").await;
    assert_eq!(agent.get(format!("{}/notify/deliveries", app.url)).send().await.unwrap().status(), 403);
    app.stop().await;
}

async fn no_sandbox_without_the_opt_in(backend: Backend) {
    let (app, _, access) = app_with(backend.clone(), |c| c.sandbox = false).await;
    let client = app.client();
    for (method, path) in [
        (Method::POST, "/sandbox/sms/"),
        (Method::POST, "/sandbox/tencent-sms/"),
        (Method::GET, "/sandbox/sms/outbox?phone=13900000001"),
        (Method::GET, "/sandbox/wechat/cgi-bin/token?grant_type=client_credential&appid=wxh0p5sandb0x0001&secret=x"),
        (Method::POST, "/sandbox/wechat/cgi-bin/stable_token"),
        (Method::POST, "/sandbox/wechat/cgi-bin/message/subscribe/send?access_token=x"),
        (Method::POST, "/sandbox/wechat/cgi-bin/message/template/send?access_token=x"),
        (Method::GET, "/sandbox/wechat/outbox?openid=x"),
    ] {
        let r = client.request(method.clone(), format!("{}{path}", app.url)).body("{}").send().await.unwrap();
        assert_eq!(r.status(), 404, "{method} {path}");
    }
    // The channels are off, and say so: reminders by SMS are refused; a message queued anyway
    // is recorded failed with what to configure, never sent.
    let e = notify::ready(&access, &REMINDER, Channel::Sms).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (503, "sms_unavailable"));
    let d = send(&access, &reminder(vec![phone(PHONE), Address::OpenId(OPENID.into()), Address::Email("a@example.cn".into())])).await;
    assert!(d.iter().all(|x| x.2 == Status::Failed), "{d:?}");
    let errors: Vec<String> = last_errors(&access, &d).await;
    assert_eq!(
        errors,
        ["短信服务未开通（未配置短信账户）", "微信消息未开通（未配置 HOPS_WECHAT_APPID）", "未配置邮件服务器（环境变量 HOPS_SMTP_URL）"]
    );
    let (web, _) = app.web_login("tz", "operator").await;
    let page = web.get(format!("{}/notify/settings", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("未开通（未配置账户）") && !page.contains("沙箱"), "{page:.3000}");
    app.stop().await;
    // With the opt-in but a real SMS account, only the SMS sandboxes are gone.
    let account = SmsAccount { endpoint: Some("http://127.0.0.1:9/".into()), ..SmsAccount::sandbox(SmsProvider::Aliyun) };
    let (app, _, _) = app_with(backend, |c| c.notify.sms = Some(account)).await;
    assert_eq!(get_json(&format!("{}/sandbox/sms/outbox?phone={PHONE}", app.url)).await.0, 404);
    assert_eq!(app.client().post(format!("{}/sandbox/tencent-sms/", app.url)).send().await.unwrap().status(), 404);
    assert_eq!(get_json(&format!("{}/sandbox/wechat/outbox?openid={OPENID}", app.url)).await.0, 200);
    app.stop().await;
}

/// The last errors of deliveries, in order.
async fn last_errors(access: &Access, d: &[(i64, Channel, Status)]) -> Vec<String> {
    let mut out = Vec::new();
    for (id, _, _) in d {
        out.push(record(access, *id).await.last_error.unwrap_or_default());
    }
    out
}
