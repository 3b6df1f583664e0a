//! The HTTP adapter of notifications: signs and sends SMS (Alibaba Cloud or Tencent Cloud),
//! fetches and caches WeChat access tokens and sends WeChat messages, and sends e-mail through
//! SMTP — to the configured services, or to this server's sandboxes when the operator opted in
//! and no account is configured. The protocols themselves are the pure modules beside it.
//! Nothing here logs an address or a message in clear; errors name the provider's code.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use hops_kernel::Instant;
use serde_json::{Value, json};

use super::config::{SmsAccount, SmsProvider, TokenMode, WechatAccount};
use super::email::{Attachment, Mail, Mailer};
use super::{aliyun, tencent, wechat};
use crate::Core;

/// Where the sandboxes answer on this server.
pub const ALIYUN_SANDBOX_PATH: &str = "/sandbox/sms/";
pub const TENCENT_SANDBOX_PATH: &str = "/sandbox/tencent-sms/";
pub const WECHAT_SANDBOX_PATH: &str = "/sandbox/wechat";

/// Why a message did not go out, and whether trying again later may help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub transient: bool,
}

impl Failure {
    pub fn permanent(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), transient: false }
    }
    pub fn transient(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), transient: true }
    }
}

pub(crate) fn http() -> &'static reqwest::Client {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    HTTP.get_or_init(|| reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("http client"))
}

pub(crate) fn local(core: &Core, path: &str) -> Result<String, Failure> {
    core.local_url().map(|u| format!("{u}{path}")).ok_or_else(|| Failure::transient("沙箱：服务尚未启动"))
}

pub(crate) fn network(e: reqwest::Error) -> Failure {
    Failure::transient(format!("无法连接服务商：{}", e.without_url()))
}

/// Reads a JSON answer; a 5xx (or an unreadable answer) is worth another try.
pub(crate) async fn answer(r: reqwest::Response) -> Result<Value, Failure> {
    let status = r.status();
    let text = r.text().await.map_err(network)?;
    match serde_json::from_str::<Value>(&text) {
        Ok(v) if !status.is_server_error() => Ok(v),
        _ => Err(Failure::transient(format!("服务商应答 HTTP {}：{}", status.as_u16(), text.chars().take(200).collect::<String>()))),
    }
}

// ---- SMS ----

/// Whether this server serves the SMS sandboxes: no SMS account, and the operator opted in.
pub fn sms_sandbox_on(core: &Core) -> bool {
    core.config.notify.sms.is_none() && core.config.sandbox
}

/// The SMS account messages go out on: the configured one, else the sandbox of the configured
/// provider where opted in, else none (text messages are off).
pub fn sms_account(core: &Core) -> Option<&SmsAccount> {
    static ALIYUN: OnceLock<SmsAccount> = OnceLock::new();
    static TENCENT: OnceLock<SmsAccount> = OnceLock::new();
    core.config.notify.sms.as_ref().or_else(|| {
        sms_sandbox_on(core).then(|| match core.config.notify.sms_provider {
            SmsProvider::Aliyun => ALIYUN.get_or_init(|| SmsAccount::sandbox(SmsProvider::Aliyun)),
            SmsProvider::Tencent => TENCENT.get_or_init(|| SmsAccount::sandbox(SmsProvider::Tencent)),
        })
    })
}

/// Sends one text message from the provider's template `template` with `params` (in the
/// template's order); the provider's message id.
pub async fn send_sms(
    core: &Core,
    account: &SmsAccount,
    phone: &str,
    template: &str,
    params: &[(String, String)],
) -> Result<String, Failure> {
    match account.provider {
        SmsProvider::Aliyun => send_aliyun(core, account, phone, template, params).await,
        SmsProvider::Tencent => send_tencent(core, account, phone, template, params).await,
    }
}

async fn send_aliyun(core: &Core, a: &SmsAccount, phone: &str, template: &str, params: &[(String, String)]) -> Result<String, Failure> {
    let endpoint = match &a.endpoint {
        Some(e) => e.clone(),
        None => local(core, ALIYUN_SANDBOX_PATH)?,
    };
    let timestamp = core.now().to_timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let nonce = crate::crypto::random_token(16);
    let values: serde_json::Map<String, Value> = params.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let param_text = Value::Object(values).to_string();
    let req = aliyun::SendSms {
        access_key_id: &a.key_id,
        phone,
        sign_name: &a.sign_name,
        template_code: template,
        template_param: &param_text,
        timestamp: &timestamp,
        nonce: &nonce,
    };
    let r = http().post(&endpoint).form(&req.params(a.secret.expose())).send().await.map_err(network)?;
    aliyun::outcome(&answer(r).await?).map_err(|(code, message)| Failure {
        transient: aliyun::transient(&code),
        message: format!("阿里云短信发送失败：{code} {message}"),
    })
}

/// `host[:port]` of an address, as the HTTP client sends it in `Host`.
fn host_of(endpoint: &str) -> Result<String, Failure> {
    let url = url::Url::parse(endpoint).map_err(|e| Failure::permanent(format!("短信服务地址 {endpoint} 无效：{e}")))?;
    let host = url.host_str().ok_or_else(|| Failure::permanent(format!("短信服务地址 {endpoint} 缺少主机名")))?;
    Ok(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    })
}

async fn send_tencent(core: &Core, a: &SmsAccount, phone: &str, template: &str, params: &[(String, String)]) -> Result<String, Failure> {
    let endpoint = match &a.endpoint {
        Some(e) => e.clone(),
        None => local(core, TENCENT_SANDBOX_PATH)?,
    };
    let host = host_of(&endpoint)?;
    let values: Vec<String> = params.iter().map(|(_, v)| v.clone()).collect();
    let body =
        tencent::SendSms { phone, sdk_app_id: &a.sdk_app_id, sign_name: &a.sign_name, template_id: template, params: &values }.body();
    let timestamp = core.now().0.div_euclid(1_000_000);
    let signed = tencent::Signed {
        headers: &[("content-type", tencent::CONTENT_TYPE), ("host", &host)],
        payload: body.as_bytes(),
        timestamp,
        service: tencent::SERVICE,
    };
    let r = http()
        .post(&endpoint)
        .header("Authorization", signed.authorization(&a.key_id, a.secret.expose()))
        .header("Content-Type", tencent::CONTENT_TYPE)
        .header("X-TC-Action", tencent::ACTION)
        .header("X-TC-Version", tencent::VERSION)
        .header("X-TC-Timestamp", timestamp.to_string())
        .header("X-TC-Region", &a.region)
        .body(body)
        .send()
        .await
        .map_err(network)?;
    tencent::outcome(&answer(r).await?).map_err(|(code, message)| Failure {
        transient: tencent::transient(&code),
        message: format!("腾讯云短信发送失败：{code} {message}"),
    })
}

// ---- WeChat ----

/// Whether this server serves the WeChat sandbox: no WeChat app, and the operator opted in.
pub fn wechat_sandbox_on(core: &Core) -> bool {
    core.config.notify.wechat.is_none() && core.config.sandbox
}

/// The WeChat app messages go out on: the configured one, else the sandbox where opted in.
pub fn wechat_account(core: &Core) -> Option<&WechatAccount> {
    static SUBSCRIBE: OnceLock<WechatAccount> = OnceLock::new();
    static TEMPLATE: OnceLock<WechatAccount> = OnceLock::new();
    core.config.notify.wechat.as_ref().or_else(|| {
        wechat_sandbox_on(core).then(|| match core.config.notify.wechat_kind {
            wechat::Kind::Subscribe => SUBSCRIBE.get_or_init(|| WechatAccount::sandbox(wechat::Kind::Subscribe)),
            wechat::Kind::Template => TEMPLATE.get_or_init(|| WechatAccount::sandbox(wechat::Kind::Template)),
        })
    })
}

fn wechat_base(core: &Core, a: &WechatAccount) -> Result<String, Failure> {
    match &a.api_base {
        Some(b) => Ok(b.clone()),
        None => local(core, WECHAT_SANDBOX_PATH),
    }
}

/// Access tokens by (API address, AppID), with when they stop being used (five minutes before
/// WeChat's expiry).
type Tokens = HashMap<(String, String), (String, Instant)>;

fn tokens() -> &'static Mutex<Tokens> {
    static TOKENS: OnceLock<Mutex<Tokens>> = OnceLock::new();
    TOKENS.get_or_init(Mutex::default)
}

/// The app's access token: the cached one while it is fresh, else a new one from WeChat
/// (`stable_token`, or `token` for apps configured so). `refresh` after WeChat refused the
/// cached one.
pub async fn access_token(core: &Core, a: &WechatAccount, refresh: bool) -> Result<String, Failure> {
    let base = wechat_base(core, a)?;
    let key = (base.clone(), a.appid.clone());
    let now = core.now();
    if !refresh
        && let Some((token, until)) = tokens().lock().unwrap_or_else(|p| p.into_inner()).get(&key)
        && *until > now
    {
        return Ok(token.clone());
    }
    let r = match a.token {
        TokenMode::Stable => http()
            .post(format!("{base}{}", wechat::STABLE_TOKEN_PATH))
            .json(&wechat::stable_token_body(&a.appid, a.secret.expose(), refresh))
            .send()
            .await
            .map_err(network)?,
        TokenMode::Basic => http()
            .get(format!("{base}{}", wechat::TOKEN_PATH))
            .query(&wechat::token_query(&a.appid, a.secret.expose()))
            .send()
            .await
            .map_err(network)?,
    };
    let (token, seconds) = wechat::token_answer(&answer(r).await?)
        .map_err(|e| Failure { transient: e.transient(), message: format!("获取微信接口调用凭证失败：{e}") })?;
    let until = now.plus_seconds((seconds - 300).max(60));
    tokens().lock().unwrap_or_else(|p| p.into_inner()).insert(key, (token.clone(), until));
    Ok(token)
}

/// Sends one subscribe or template message; the message id WeChat gave (template messages).
/// A refused token is fetched anew once.
pub async fn send_wechat(
    core: &Core,
    a: &WechatAccount,
    openid: &str,
    template: &str,
    fields: &[(String, String)],
    link: &str,
) -> Result<String, Failure> {
    let base = wechat_base(core, a)?;
    let body = wechat::Message { kind: a.kind, openid, template_id: template, fields, link }.body();
    let mut refresh = false;
    loop {
        let token = access_token(core, a, refresh).await?;
        let r =
            http().post(format!("{base}{}", a.kind.path())).query(&[("access_token", token)]).json(&body).send().await.map_err(network)?;
        match wechat::send_answer(&answer(r).await?) {
            Ok(id) => return Ok(id),
            Err(e) if e.token_refused() && !refresh => refresh = true,
            Err(e) => return Err(Failure { transient: e.transient(), message: format!("微信消息发送失败：{e}") }),
        }
    }
}

// ---- e-mail ----

/// Sends one e-mail through the configured SMTP server; its `Message-ID`.
pub async fn send_email(
    core: &Core,
    to_name: &str,
    to_email: &str,
    subject: &str,
    body: &str,
    attachments: &[Attachment<'_>],
) -> Result<String, Failure> {
    let settings = core
        .config
        .notify
        .smtp
        .as_ref()
        .ok_or_else(|| Failure::permanent(format!("未配置邮件服务器（环境变量 {}），邮件未能发送", super::email::SMTP_URL_ENV)))?;
    let mailer = Mailer::new(settings).map_err(Failure::permanent)?;
    mailer.send(&Mail { to_name, to_email, subject, body, attachments, date: core.now() }).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn host_as_sent() {
        assert_eq!(super::host_of("https://sms.tencentcloudapi.com/").unwrap(), "sms.tencentcloudapi.com");
        assert_eq!(super::host_of("http://127.0.0.1:8080/sandbox/tencent-sms/").unwrap(), "127.0.0.1:8080");
        assert!(super::host_of("not a url").is_err());
    }
}
