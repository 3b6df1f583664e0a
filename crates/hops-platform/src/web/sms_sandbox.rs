//! The local SMS sandbox: Alibaba Cloud's `SendSms` side of the protocol, served by this server
//! under `/sandbox/sms/` when no SMS account is configured. It checks each request's signature
//! and freshness like the real service and keeps the messages in memory, so the demo and the
//! tests can read a verification code (`GET /sandbox/sms/outbox?phone=…`). It exists only where
//! the operator opted in (`HOPS_SANDBOX`, `hops demo`) and no real account is configured; else
//! both paths answer 404. Messages are kept per server (this server's own address, never a
//! request header).

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{AppState, Method, Routes, Scope};
use crate::sms::{self, SANDBOX_SECRET, aliyun};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Public).public(Method::Post, "/sandbox/sms/", "短信沙箱：发送短信（阿里云 SendSms 协议）", send).public(
        Method::Get,
        "/sandbox/sms/outbox",
        "短信沙箱：某手机号收到的短信",
        outbox,
    )
}

struct Message {
    server: String,
    phone: String,
    text: String,
    at: String,
}

static OUTBOX: Mutex<Vec<Message>> = Mutex::new(Vec::new());

/// The server a message belongs to (several test servers share one process).
fn server_of(state: &AppState) -> String {
    state.core().local_url().unwrap_or("").to_string()
}

fn answer(status: StatusCode, code: &str, message: &str) -> Response {
    let id = crate::crypto::random_token(12);
    (status, axum::Json(json!({ "Code": code, "Message": message, "RequestId": id, "BizId": id }))).into_response()
}

async fn send(State(state): State<AppState>, axum::Form(params): axum::Form<BTreeMap<String, String>>) -> Response {
    if !sms::sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    if params.get("AccessKeyId").map(String::as_str) != Some(sms::SANDBOX_KEY_ID) {
        return answer(StatusCode::NOT_FOUND, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");
    }
    if !aliyun::verify(SANDBOX_SECRET, "POST", &params) {
        return answer(StatusCode::BAD_REQUEST, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.");
    }
    let now = state.core().now();
    let fresh =
        params.get("Timestamp").and_then(|t| hops_kernel::Instant::parse(t).ok()).is_some_and(|t| (now.seconds_since(t)).abs() <= 15 * 60);
    if !fresh {
        return answer(StatusCode::BAD_REQUEST, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.");
    }
    if params.get("Action").map(String::as_str) != Some(aliyun::ACTION) {
        return answer(StatusCode::BAD_REQUEST, "InvalidAction", "Specified action is not valid.");
    }
    let phone = params.get("PhoneNumbers").cloned().unwrap_or_default();
    if hops_kernel::Phone::parse(&phone).is_err() {
        return answer(StatusCode::OK, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号");
    }
    let values: serde_json::Value = params.get("TemplateParam").and_then(|p| serde_json::from_str(p).ok()).unwrap_or_default();
    let sign = params.get("SignName").cloned().unwrap_or_default();
    let text = match values["code"].as_str() {
        Some(code) => format!("【{sign}】您的验证码为 {code}，{} 分钟内有效，请勿告诉他人。", sms::CODE_TTL_SECONDS / 60),
        None => format!("【{sign}】{}", values),
    };
    let mut outbox = OUTBOX.lock().unwrap_or_else(|e| e.into_inner());
    if outbox.len() > 10_000 {
        outbox.drain(..5_000);
    }
    outbox.push(Message { server: server_of(&state), phone, text, at: now.format_second() });
    answer(StatusCode::OK, "OK", "OK")
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    phone: String,
}

async fn outbox(State(state): State<AppState>, Query(q): Query<OutboxQuery>) -> Response {
    if !sms::sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let server = server_of(&state);
    let outbox = OUTBOX.lock().unwrap_or_else(|e| e.into_inner());
    let list: Vec<serde_json::Value> = outbox
        .iter()
        .rev()
        .filter(|m| m.server == server && m.phone == q.phone.trim())
        .take(20)
        .map(|m| json!({ "text": m.text, "at": m.at }))
        .collect();
    axum::Json(json!({ "messages": list })).into_response()
}
