//! Middleware: session resolution and CSRF, uniform errors, security headers, metrics.

use std::any::Any;
use std::time::Instant as StdInstant;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::{error_json, error_page};
use crate::accounts::service::{SessionKind, resolve_session};

pub const SESSION_COOKIE: &str = "hops_session";

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Paths of endpoints called by other parties rather than by our users.
pub const EXTERNAL_PREFIXES: [&str; 2] = ["/pay/", "/sandbox/"];

/// Resolves the session (bearer token or cookie) into a [`SessionInfo`] extension, and for
/// cookie sessions requires the CSRF token on every state-changing request.
pub async fn sessions(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Endpoints other parties call (payment callbacks, the payment sandbox standing in for
    // the payment service) never act for a signed-in user, whatever cookies the browser sends.
    if EXTERNAL_PREFIXES.iter().any(|p| req.uri().path().starts_with(p)) {
        return next.run(req).await;
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_string());
    let (token, from_cookie) = match bearer {
        Some(t) => (Some(t), false),
        None => (super::cookie(req.headers(), SESSION_COOKIE).map(str::to_string), true),
    };
    let Some(token) = token else { return next.run(req).await };
    let session = match resolve_session(state.core(), &token).await {
        Ok(s) => s,
        Err(e) => return super::error::ApiError(e).into_response(),
    };
    let Some(session) = session else { return next.run(req).await };
    if !from_cookie && session.kind != SessionKind::Api {
        // A browser session token replayed as a bearer token: refuse, it bypasses CSRF.
        return next.run(req).await;
    }
    let mut req = req;
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if from_cookie && unsafe_method {
        let header_token = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
        let query_token = req.uri().query().and_then(|q| form_field(q.as_bytes(), "_csrf"));
        let mut ok = header_token.or(query_token).is_some_and(|t| t == session.csrf);
        if !ok {
            let is_form = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if is_form {
                let (parts, body) = req.into_parts();
                let limit = state.core().config.max_body_bytes;
                let bytes: Bytes = match axum::body::to_bytes(body, limit).await {
                    Ok(b) => b,
                    Err(_) => return error_response(parts.uri.path(), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "请求内容过大"),
                };
                ok = form_field(&bytes, "_csrf").is_some_and(|t| t == session.csrf);
                req = Request::from_parts(parts, Body::from(bytes));
            }
        }
        if !ok {
            return error_response(req.uri().path(), StatusCode::FORBIDDEN, "csrf_failed", "页面已过期或来源不可信，请刷新页面后重试");
        }
    }
    req.extensions_mut().insert(session);
    next.run(req).await
}

fn error_response(path: &str, status: StatusCode, code: &str, message: &str) -> Response {
    if is_api(path) { (status, axum::Json(error_json(code, message, &[]))).into_response() } else { error_page(status, message) }
}

fn code_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "timeout",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "invalid_body",
        429 => "too_many_requests",
        s if s < 500 => "bad_request",
        _ => "internal",
    }
}

fn message_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "请求格式错误",
        401 => "请先登录",
        403 => "没有权限",
        404 => "请求的地址或记录不存在",
        405 => "不支持此请求方法",
        413 => "请求内容过大",
        415 => "不支持的内容类型",
        422 => "请求内容不符合要求",
        s if s < 500 => "请求有误",
        _ => "服务器内部错误",
    }
}

/// Every error answers in the caller's format: JSON `{"error":{code,message}}` under `/api/`,
/// an HTML page elsewhere, whoever produced it (our handlers, axum's extractors, the body
/// limit). Adds security headers to every response.
pub async fn errors_and_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    let status = res.status();
    let content_type = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let mut res = if status.is_client_error() || status.is_server_error() {
        if is_api(&path) && !content_type.starts_with("application/json") {
            let (parts, body) = res.into_parts();
            let detail =
                axum::body::to_bytes(body, 64 * 1024).await.map(|b| String::from_utf8_lossy(&b).trim().to_string()).unwrap_or_default();
            let message = if detail.is_empty() { message_for(status).to_string() } else { format!("{}: {detail}", message_for(status)) };
            let mut r = (status, axum::Json(error_json(code_for(status), &message, &[]))).into_response();
            if let Some(allow) = parts.headers.get(header::ALLOW) {
                r.headers_mut().insert(header::ALLOW, allow.clone());
            }
            r
        } else if !is_api(&path) && content_type.starts_with("text/plain") {
            error_page(status, message_for(status))
        } else {
            res
        }
    } else {
        res
    };
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
        ),
    );
    if !path.starts_with("/assets/") {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // Served over https (the public address says so): browsers must never fall back to http.
    if state.core().config.https() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    res
}

pub async fn not_found(req: Request) -> Response {
    error_response(req.uri().path(), StatusCode::NOT_FOUND, "not_found", "请求的地址不存在")
}

pub async fn method_not_allowed(req: Request) -> Response {
    error_response(req.uri().path(), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "不支持此请求方法")
}

pub async fn metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = StdInstant::now();
    let method = req.method().as_str().to_string();
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| "unmatched".into());
    let res = next.run(req).await;
    let seconds = start.elapsed().as_secs_f64();
    state.0.metrics.record(&method, &route, res.status().as_u16(), seconds);
    // The route template only: never ids, query strings or bodies (they may hold personal data).
    tracing::info!(target: "hops::access", method, route, status = res.status().as_u16(), ms = (seconds * 1000.0).round() as u64);
    res
}

pub fn panic_response(_err: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(error_json("internal", "服务器内部错误", &[]))).into_response()
}

pub(crate) fn render_metrics(state: &AppState, out: &mut String) {
    state.0.metrics.render(out);
}
