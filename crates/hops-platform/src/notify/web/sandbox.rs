//! The local sandboxes of the notification providers: each plays the provider's side of its
//! real protocol on this server and checks requests as the provider would, so the adapters are
//! tested for real:
//! - `/sandbox/sms/` — Alibaba Cloud `SendSms`: the HMAC-SHA1 signature, the access key, the
//!   timestamp's freshness, the template;
//! - `/sandbox/tencent-sms/` — Tencent Cloud SMS API 3.0: the TC3-HMAC-SHA256 signature over the
//!   headers and body actually received, the SecretId, the credential scope, a timestamp within
//!   five minutes, the SMS application, the template and its parameter count;
//! - `/sandbox/wechat/cgi-bin/…` — WeChat: access tokens for the right AppID and AppSecret
//!   (`token`, `stable_token`) with their lifetime, and subscribe/template messages only with a
//!   live token, a known template, its fields and the values each field kind allows.
//!
//! What arrived is kept in memory per server (this server's own address, never a request
//! header): `/sandbox/sms/outbox?phone=…` and `/sandbox/wechat/outbox?openid=…` show it. They
//! exist only where the operator opted in (`HOPS_SANDBOX`, `hops demo`) and the channel has no
//! real account; else every path answers 404. E-mail has no sandbox here: tests use an SMTP
//! sink (`hops_testkit::SmtpSink`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::notify::config::{
    ALIYUN_SANDBOX_KEY_ID, ALIYUN_SANDBOX_SECRET, TENCENT_SANDBOX_APP_ID, TENCENT_SANDBOX_SECRET_ID, TENCENT_SANDBOX_SECRET_KEY,
    WECHAT_SANDBOX_APPID, WECHAT_SANDBOX_SECRET, sandbox_template,
};
use crate::notify::model::{self, Channel, Topic};
use crate::notify::{aliyun, gateway, tencent, wechat};
use crate::web::{AppState, Method, Routes, Scope};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Public)
        .public(Method::Post, "/sandbox/sms/", "短信沙箱：发送短信（阿里云 SendSms 协议）", aliyun_send)
        .public(Method::Post, "/sandbox/tencent-sms/", "短信沙箱：发送短信（腾讯云短信 API 3.0）", tencent_send)
        .public(Method::Get, "/sandbox/sms/outbox", "短信沙箱：某手机号收到的短信", sms_outbox)
        .public(Method::Get, "/sandbox/wechat/cgi-bin/token", "微信沙箱：获取接口调用凭证", wechat_token)
        .public(Method::Post, "/sandbox/wechat/cgi-bin/stable_token", "微信沙箱：获取稳定版接口调用凭证", wechat_stable_token)
        .public(Method::Post, "/sandbox/wechat/cgi-bin/message/subscribe/send", "微信沙箱：发送订阅消息", wechat_subscribe)
        .public(Method::Post, "/sandbox/wechat/cgi-bin/message/template/send", "微信沙箱：发送模板消息", wechat_template)
        .public(Method::Get, "/sandbox/wechat/outbox", "微信沙箱：某 openid 收到的消息", wechat_outbox)
}

/// The server a message belongs to (several test servers share one process).
fn server_of(state: &AppState) -> String {
    state.core().local_url().unwrap_or("").to_string()
}

/// The topic a sandbox template stands for (`SMS_SANDBOX_GROUP_REMINDER` …).
fn topic_of(state: &AppState, provider: &str, template: &str) -> Option<&'static Topic> {
    crate::notify::platform_topics()
        .into_iter()
        .chain(state.modules().iter().flat_map(|m| m.topics()))
        .find(|t| sandbox_template(provider, t.key) == template)
}

/// What arrived for one recipient (a phone, an openid) at one server, and when.
struct Arrived<T> {
    server: String,
    to: String,
    at: String,
    item: T,
}

type Outbox<T> = Mutex<Vec<Arrived<T>>>;

fn keep<T>(list: &Outbox<T>, state: &AppState, to: &str, item: T) {
    let arrived = Arrived { server: server_of(state), to: to.to_string(), at: state.core().now().format_second(), item };
    let mut list = list.lock().unwrap_or_else(|e| e.into_inner());
    if list.len() > 10_000 {
        list.drain(..5_000);
    }
    list.push(arrived);
}

/// The newest twenty of what arrived for `to` at this server, each as `view` shows it with
/// its time.
fn outbox<T>(list: &Outbox<T>, state: &AppState, to: &str, view: impl Fn(&T) -> Value) -> Response {
    let server = server_of(state);
    let list = list.lock().unwrap_or_else(|e| e.into_inner());
    let shown: Vec<Value> = list
        .iter()
        .rev()
        .filter(|a| a.server == server && a.to == to.trim())
        .take(20)
        .map(|a| {
            let mut v = view(&a.item);
            v["at"] = json!(a.at);
            v
        })
        .collect();
    axum::Json(json!({ "messages": shown })).into_response()
}

// ---- SMS ----

struct Sms {
    provider: &'static str,
    template: String,
    text: String,
}

static SMS_OUTBOX: Outbox<Sms> = Mutex::new(Vec::new());

fn aliyun_answer(status: StatusCode, code: &str, message: &str) -> Response {
    let id = crate::crypto::random_token(12);
    (status, axum::Json(json!({ "Code": code, "Message": message, "RequestId": id, "BizId": id }))).into_response()
}

async fn aliyun_send(State(state): State<AppState>, body: Bytes) -> Response {
    if !gateway::sms_sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let params: BTreeMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    if params.get("AccessKeyId").map(String::as_str) != Some(ALIYUN_SANDBOX_KEY_ID) {
        return aliyun_answer(StatusCode::NOT_FOUND, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    }
    if !aliyun::verify(ALIYUN_SANDBOX_SECRET, "POST", &params) {
        return aliyun_answer(StatusCode::BAD_REQUEST, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.");
    }
    let now = state.core().now();
    let fresh =
        params.get("Timestamp").and_then(|t| hops_kernel::Instant::parse(t).ok()).is_some_and(|t| (now.seconds_since(t)).abs() <= 15 * 60);
    if !fresh {
        return aliyun_answer(StatusCode::BAD_REQUEST, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.");
    }
    if params.get("Action").map(String::as_str) != Some(aliyun::ACTION) {
        return aliyun_answer(StatusCode::BAD_REQUEST, "InvalidAction", "Specified action is not valid.");
    }
    let phone = params.get("PhoneNumbers").cloned().unwrap_or_default();
    if hops_kernel::Phone::parse(&phone).is_err() {
        return aliyun_answer(StatusCode::OK, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号");
    }
    let template = params.get("TemplateCode").cloned().unwrap_or_default();
    let Some(text) = topic_of(&state, "aliyun", &template).and_then(|t| t.default_text(Channel::Sms)) else {
        return aliyun_answer(StatusCode::OK, "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法(不存在或被拉黑)");
    };
    let values: BTreeMap<String, String> = params
        .get("TemplateParam")
        .and_then(|p| serde_json::from_str::<BTreeMap<String, Value>>(p).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
        .collect();
    let missing: Vec<&str> = model::placeholders(text.body).unwrap_or_default().into_iter().filter(|n| !values.contains_key(*n)).collect();
    if !missing.is_empty() {
        return aliyun_answer(StatusCode::OK, "isv.TEMPLATE_MISSING_PARAMETERS", &format!("模板变量缺少对应参数值：{}", missing.join(",")));
    }
    let sign = params.get("SignName").cloned().unwrap_or_default();
    let text = format!("【{sign}】{}", model::render(text.body, &values));
    keep(&SMS_OUTBOX, &state, &phone, Sms { provider: "aliyun", template, text });
    aliyun_answer(StatusCode::OK, "OK", "OK")
}

fn tencent_error(code: &str, message: &str) -> Response {
    axum::Json(json!({ "Response": { "Error": { "Code": code, "Message": message }, "RequestId": crate::crypto::random_token(12) } }))
        .into_response()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

async fn tencent_send(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if !gateway::sms_sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(auth) = tencent::parse_authorization(header(&headers, "authorization")) else {
        return tencent_error("AuthFailure.InvalidAuthorization", "Authorization 格式不正确");
    };
    if auth.secret_id != TENCENT_SANDBOX_SECRET_ID {
        return tencent_error("AuthFailure.SecretIdNotFound", "SecretId 不存在");
    }
    let now = state.core().now().0.div_euclid(1_000_000);
    let Ok(timestamp) = header(&headers, "x-tc-timestamp").parse::<i64>() else {
        return tencent_error("MissingParameter", "缺少 X-TC-Timestamp");
    };
    if (now - timestamp).abs() > tencent::MAX_SKEW_SECONDS {
        return tencent_error("AuthFailure.SignatureExpire", "签名过期，请求时间与服务器时间相差超过五分钟");
    }
    if !auth.signed_headers.iter().any(|h| h == "content-type") || !auth.signed_headers.iter().any(|h| h == "host") {
        return tencent_error("AuthFailure.SignatureFailure", "签名须包含 content-type 和 host");
    }
    let signed_headers: Vec<(&str, &str)> = auth.signed_headers.iter().map(|h| (h.as_str(), header(&headers, h))).collect();
    let signed = tencent::Signed { headers: &signed_headers, payload: &body, timestamp, service: &auth.service };
    if auth.service != tencent::SERVICE
        || auth.date != tencent::utc_date(timestamp)
        || !tencent::verify(&signed, TENCENT_SANDBOX_SECRET_KEY, &auth.signature)
    {
        return tencent_error(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        );
    }
    if header(&headers, "x-tc-action") != tencent::ACTION || header(&headers, "x-tc-version") != tencent::VERSION {
        return tencent_error("InvalidAction", "接口不存在或版本不正确");
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return tencent_error("InvalidParameter", "请求体不是 JSON");
    };
    if request["SmsSdkAppId"].as_str() != Some(TENCENT_SANDBOX_APP_ID) {
        return tencent_error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId 不存在");
    }
    let template = request["TemplateId"].as_str().unwrap_or("").to_string();
    let Some(text) = topic_of(&state, "tencent", &template).and_then(|t| t.default_text(Channel::Sms)) else {
        return tencent_error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审核或内容不匹配");
    };
    let values: Vec<String> = request["TemplateParamSet"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap_or("").to_string()).collect())
        .unwrap_or_default();
    let names = model::placeholders(text.body).unwrap_or_default();
    if names.len() != values.len() {
        return tencent_error("FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "请求内容与审核通过的模板内容不匹配");
    }
    let phone = request["PhoneNumberSet"][0].as_str().unwrap_or("").to_string();
    let status = match phone.strip_prefix("+86").map(hops_kernel::Phone::parse) {
        Some(Ok(p)) => {
            let vars = names.iter().map(|n| n.to_string()).zip(values).collect();
            let text = format!("【{}】{}", request["SignName"].as_str().unwrap_or(""), model::render(text.body, &vars));
            keep(&SMS_OUTBOX, &state, p.as_str(), Sms { provider: "tencent", template, text });
            json!({ "SerialNo": format!("2028:{}", crate::crypto::random_token(8)), "PhoneNumber": phone, "Fee": 1, "Code": "Ok", "Message": "send success", "IsoCode": "CN" })
        }
        _ => json!({ "PhoneNumber": phone, "Code": "InvalidParameterValue.IncorrectPhoneNumber", "Message": "手机号格式错误" }),
    };
    axum::Json(json!({ "Response": { "SendStatusSet": [status], "RequestId": crate::crypto::random_token(12) } })).into_response()
}

#[derive(Deserialize)]
pub struct PhoneQuery {
    phone: String,
}

async fn sms_outbox(State(state): State<AppState>, Query(q): Query<PhoneQuery>) -> Response {
    if !gateway::sms_sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    outbox(&SMS_OUTBOX, &state, &q.phone, |m| json!({ "text": m.text, "provider": m.provider, "template": m.template }))
}

// ---- WeChat ----

struct Token {
    server: String,
    token: String,
    expires: hops_kernel::Instant,
}

static TOKENS: Mutex<Vec<Token>> = Mutex::new(Vec::new());

struct WechatMessage {
    kind: wechat::Kind,
    template: String,
    fields: Vec<(String, String)>,
    link: String,
}

static WECHAT_OUTBOX: Outbox<WechatMessage> = Mutex::new(Vec::new());
static MESSAGE_IDS: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(2_000_000_000);

fn wechat_error(code: i64, message: &str) -> Response {
    axum::Json(json!({ "errcode": code, "errmsg": format!("{message} rid: {}", crate::crypto::random_token(6)) })).into_response()
}

/// Checks the credentials and hands out a token: the live one (stable tokens, unless forced),
/// or a new one valid for two hours of the server's clock.
fn issue(state: &AppState, grant: &str, appid: &str, secret: &str, reuse: bool) -> Response {
    if grant != "client_credential" {
        return wechat_error(40002, "invalid grant_type");
    }
    if appid != WECHAT_SANDBOX_APPID {
        return wechat_error(wechat::INVALID_APPID, "invalid appid");
    }
    if secret != WECHAT_SANDBOX_SECRET {
        return wechat_error(wechat::INVALID_SECRET, "invalid appsecret");
    }
    let (server, now) = (server_of(state), state.core().now());
    let mut tokens = TOKENS.lock().unwrap_or_else(|e| e.into_inner());
    if reuse && let Some(t) = tokens.iter().rev().find(|t| t.server == server && t.expires > now) {
        return axum::Json(json!({ "access_token": t.token, "expires_in": t.expires.seconds_since(now) })).into_response();
    }
    let token = crate::crypto::random_token(32);
    // Each server has its own clock (tests): only this server's expired tokens go.
    tokens.retain(|t| t.server != server || t.expires > now);
    tokens.push(Token { server, token: token.clone(), expires: now.plus_seconds(wechat::TOKEN_SECONDS) });
    axum::Json(json!({ "access_token": token, "expires_in": wechat::TOKEN_SECONDS })).into_response()
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    appid: String,
    #[serde(default)]
    secret: String,
}

async fn wechat_token(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    if !gateway::wechat_sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    issue(&state, &q.grant_type, &q.appid, &q.secret, false)
}

async fn wechat_stable_token(State(state): State<AppState>, body: Bytes) -> Response {
    if !gateway::wechat_sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else { return wechat_error(47001, "data format error") };
    let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
    issue(&state, &s("grant_type"), &s("appid"), &s("secret"), !v["force_refresh"].as_bool().unwrap_or(false))
}

#[derive(Deserialize)]
pub struct SendQuery {
    access_token: Option<String>,
}

async fn wechat_subscribe(State(state): State<AppState>, Query(q): Query<SendQuery>, body: Bytes) -> Response {
    wechat_send(state, wechat::Kind::Subscribe, q, body)
}

async fn wechat_template(State(state): State<AppState>, Query(q): Query<SendQuery>, body: Bytes) -> Response {
    wechat_send(state, wechat::Kind::Template, q, body)
}

fn wechat_send(state: AppState, kind: wechat::Kind, q: SendQuery, body: Bytes) -> Response {
    if !gateway::wechat_sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let (server, now) = (server_of(&state), state.core().now());
    let Some(given) = q.access_token.filter(|t| !t.is_empty()) else { return wechat_error(wechat::TOKEN_MISSING, "access_token missing") };
    {
        let tokens = TOKENS.lock().unwrap_or_else(|e| e.into_inner());
        match tokens.iter().find(|t| t.server == server && t.token == given) {
            None => return wechat_error(wechat::INVALID_CREDENTIAL, "invalid credential, access_token is invalid or not latest"),
            Some(t) if t.expires <= now => return wechat_error(wechat::TOKEN_EXPIRED, "access_token expired"),
            Some(_) => {}
        }
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else { return wechat_error(47001, "data format error") };
    let openid = v["touser"].as_str().unwrap_or("").to_string();
    if !model::valid_openid(&openid) {
        return wechat_error(wechat::INVALID_OPENID, "invalid openid");
    }
    let template = v["template_id"].as_str().unwrap_or("").to_string();
    let Some(text) = topic_of(&state, "wechat", &template).and_then(|t| t.default_text(Channel::Wechat)) else {
        return wechat_error(wechat::INVALID_TEMPLATE, "invalid template_id");
    };
    let keys: Vec<String> = model::wechat_fields(text.body).map(|(f, _)| f.into_iter().map(|(k, _)| k).collect()).unwrap_or_default();
    let mut fields = Vec::new();
    for (key, value) in v["data"].as_object().into_iter().flatten() {
        let value = value["value"].as_str().unwrap_or("");
        let ok = keys.contains(key) && (kind == wechat::Kind::Template || wechat::value_ok(key, value));
        if !ok {
            return wechat_error(wechat::INVALID_ARGUMENT, &format!("argument invalid! data.{key}.value invalid"));
        }
        fields.push((key.clone(), value.to_string()));
    }
    if fields.is_empty() {
        return wechat_error(wechat::INVALID_ARGUMENT, "argument invalid! data is empty");
    }
    let link = v[if kind == wechat::Kind::Subscribe { "page" } else { "url" }].as_str().unwrap_or("").to_string();
    keep(&WECHAT_OUTBOX, &state, &openid, WechatMessage { kind, template, fields, link });
    let msgid = MESSAGE_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    axum::Json(json!({ "errcode": 0, "errmsg": "ok", "msgid": msgid })).into_response()
}

#[derive(Deserialize)]
pub struct OpenIdQuery {
    openid: String,
}

async fn wechat_outbox(State(state): State<AppState>, Query(q): Query<OpenIdQuery>) -> Response {
    if !gateway::wechat_sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    outbox(&WECHAT_OUTBOX, &state, &q.openid, |m| {
        let data: serde_json::Map<String, Value> = m.fields.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        json!({ "kind": m.kind.code(), "template_id": m.template, "data": data, "link": m.link })
    })
}
