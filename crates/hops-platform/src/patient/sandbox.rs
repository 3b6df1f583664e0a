//! The simulator of WeChat's web authorisation (`/sandbox/wechat/connect/oauth2/authorize`,
//! `/sandbox/wechat/sns/oauth2/access_token`): it speaks WeChat's protocol — the consent page
//! lets the tester enter an openid and sends the browser back to `redirect_uri` with a `code`
//! and the same `state`; the token endpoint checks the AppID, the AppSecret and the code, which
//! is good once and for five minutes. Served only where the WeChat sandbox is
//! ([`crate::notify::gateway::wechat_sandbox_on`]: the operator opted in, no WeChat app);
//! else 404. Codes are kept in memory per server.

// Refusals are pages of their own (WeChat shows them in its browser).
#![allow(clippy::result_large_err)]

use std::sync::Mutex;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::Instant;
use serde::Deserialize;
use serde_json::json;

use super::wechat::{CODE_USED, INVALID_CODE};
use crate::notify::config::{WECHAT_SANDBOX_APPID, WECHAT_SANDBOX_SECRET};
use crate::notify::gateway::{WECHAT_SANDBOX_PATH, wechat_sandbox_on};
use crate::notify::wechat::{INVALID_APPID, INVALID_SECRET};
use crate::web::{AppState, Method, Routes, Scope};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Public)
        .public(Method::Get, "/sandbox/wechat/connect/oauth2/authorize", "微信沙箱：网页授权页", authorize)
        .public(Method::Get, "/sandbox/wechat/connect/oauth2/authorize/confirm", "微信沙箱：同意或拒绝网页授权", confirm)
        .public(
            Method::Get,
            "/sandbox/wechat/sns/oauth2/access_token",
            "微信沙箱：用 code 换取网页授权 access_token 与 openid",
            access_token,
        )
}

/// A code given out: at which server, for which app and user, until when, whether used.
struct Code {
    server: String,
    code: String,
    appid: String,
    openid: String,
    expires: Instant,
    used: bool,
}

static CODES: Mutex<Vec<Code>> = Mutex::new(Vec::new());
const CODE_SECONDS: i64 = 300;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuthorizeQuery {
    appid: String,
    redirect_uri: String,
    response_type: String,
    scope: String,
    state: String,
    openid: String,
    allow: Option<String>,
}

#[derive(Template)]
#[template(path = "patient/sandbox_authorize.html")]
struct AuthorizePage {
    hospital: &'static str,
    base: &'static str,
    appid: String,
    redirect_uri: String,
    state: String,
    openid: String,
}

/// What WeChat says on its own page for a request it refuses.
fn refused(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Html(format!("<!doctype html><meta charset=\"utf-8\"><title>微信授权（沙箱）</title><p>{message}</p>")))
        .into_response()
}

/// The checks WeChat makes before showing its page: the app, and a return address on the
/// app's authorised domain (this server's public address).
fn check(state: &AppState, q: &AuthorizeQuery) -> Result<(), Response> {
    if q.appid != WECHAT_SANDBOX_APPID {
        return Err(refused("appid 无效（沙箱只认本服务器的沙箱 AppID）"));
    }
    let domain = format!("{}/", state.core().public_url());
    if !q.redirect_uri.starts_with(&domain) {
        return Err(refused("redirect_uri 域名与后台配置不一致（10003）"));
    }
    Ok(())
}

async fn authorize(State(state): State<AppState>, Query(q): Query<AuthorizeQuery>) -> Response {
    if !wechat_sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    if let Err(r) = check(&state, &q) {
        return r;
    }
    if q.response_type != "code" || !matches!(q.scope.as_str(), "snsapi_base" | "snsapi_userinfo") {
        return refused("scope 参数错误或没有 scope 权限（10005）");
    }
    let page = AuthorizePage {
        hospital: "微信",
        base: WECHAT_SANDBOX_PATH,
        appid: q.appid,
        redirect_uri: q.redirect_uri,
        state: q.state,
        openid: format!("o-sandbox-{}", crate::crypto::random_token(6)),
    };
    match page.render() {
        Ok(h) => Html(h).into_response(),
        Err(e) => refused(&e.to_string()),
    }
}

async fn confirm(State(state): State<AppState>, Query(q): Query<AuthorizeQuery>) -> Response {
    if !wechat_sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    if let Err(r) = check(&state, &q) {
        return r;
    }
    let sep = if q.redirect_uri.contains('?') { '&' } else { '?' };
    let state_param: String = url::form_urlencoded::byte_serialize(q.state.as_bytes()).collect();
    if q.allow.is_none() || q.openid.trim().is_empty() {
        // Refused: back without a code, as WeChat does.
        return Redirect::to(&format!("{}{sep}state={state_param}", q.redirect_uri)).into_response();
    }
    let code = crate::crypto::random_token(16);
    let server = state.core().local_url().unwrap_or("").to_string();
    let now = state.core().now();
    {
        let mut codes = CODES.lock().unwrap_or_else(|e| e.into_inner());
        codes.retain(|c| c.expires.seconds_since(now) > -3600);
        codes.push(Code {
            server,
            code: code.clone(),
            appid: q.appid,
            openid: q.openid.trim().to_string(),
            expires: now.plus_seconds(CODE_SECONDS),
            used: false,
        });
    }
    Redirect::to(&format!("{}{sep}code={code}&state={state_param}", q.redirect_uri)).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenQuery {
    appid: String,
    secret: String,
    code: String,
    grant_type: String,
}

fn wechat_error(code: i64, message: &str) -> Response {
    axum::Json(json!({ "errcode": code, "errmsg": message })).into_response()
}

async fn access_token(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> Response {
    if !wechat_sandbox_on(state.core()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    if q.grant_type != "authorization_code" {
        return wechat_error(40002, "invalid grant_type");
    }
    if q.appid != WECHAT_SANDBOX_APPID {
        return wechat_error(INVALID_APPID, "invalid appid");
    }
    if q.secret != WECHAT_SANDBOX_SECRET {
        return wechat_error(INVALID_SECRET, "invalid appsecret");
    }
    let server = state.core().local_url().unwrap_or("").to_string();
    let now = state.core().now();
    let mut codes = CODES.lock().unwrap_or_else(|e| e.into_inner());
    let Some(c) = codes.iter_mut().find(|c| c.server == server && c.code == q.code && c.appid == q.appid) else {
        return wechat_error(INVALID_CODE, "invalid code");
    };
    if c.used {
        return wechat_error(CODE_USED, "code been used");
    }
    if c.expires <= now {
        return wechat_error(INVALID_CODE, "invalid code, code expired");
    }
    c.used = true;
    axum::Json(json!({
        "access_token": crate::crypto::random_token(24),
        "expires_in": 7200,
        "refresh_token": crate::crypto::random_token(24),
        "openid": c.openid,
        "scope": "snsapi_base",
    }))
    .into_response()
}
