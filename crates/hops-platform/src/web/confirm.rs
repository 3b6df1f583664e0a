//! The confirmation step of destructive and outward-facing form posts (cancelling a paid
//! booking, a refund, deleting a rule, a group SMS…). Their forms carry `data-confirm`: the
//! embedded script asks and, when the user agrees, adds `_confirmed=1`. A post that arrives
//! without it — no script, or a browser that blocked it — is not carried out: the server answers
//! with a confirmation page that posts the same fields again with `_confirmed=1`. Routes opt in
//! with [`super::Routes::confirmed`].

use askama::Template;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

/// The form field a confirmed post carries.
pub const FIELD: &str = "_confirmed";
/// The largest form a confirmation step reads (confirmed forms are short).
const MAX_FORM: usize = 64 * 1024;

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage<'a> {
    action: &'a str,
    what: &'a str,
    fields: Vec<(String, String)>,
}

/// Whether a form body says it was confirmed.
fn confirmed(pairs: &[(String, String)]) -> bool {
    pairs.iter().any(|(k, v)| k == FIELD && v == "1")
}

/// For a route that confirms only some of its posts (one route, several actions): `None` when
/// the posted fields say the user confirmed, else the confirmation page of `what` that posts
/// them again to `action`.
pub fn ask(action: &str, what: &str, pairs: Vec<(String, String)>) -> Option<Response> {
    if confirmed(&pairs) {
        return None;
    }
    Some(page(action, what, pairs))
}

fn page(action: &str, what: &str, pairs: Vec<(String, String)>) -> Response {
    let page = ConfirmPage { action, what, fields: pairs.into_iter().filter(|(k, _)| k != FIELD).collect() };
    match page.render() {
        Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(_) => super::error::error_page(StatusCode::INTERNAL_SERVER_ERROR, "确认页面无法显示").into_response(),
    }
}

/// The middleware of a route that needs a confirmation (`what`: the route's summary, e.g.
/// `取消预约`).
pub async fn step(what: &'static str, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
        return super::error::error_page(StatusCode::PAYLOAD_TOO_LARGE, "表单内容过长").into_response();
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&bytes).into_owned().collect();
    if confirmed(&pairs) {
        return next.run(Request::from_parts(parts, Body::from(bytes))).await;
    }
    let action = parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string());
    page(&action, what, pairs)
}
