//! Extractors: the signed-in user (for pages and for the API) and request bodies whose
//! rejections are clear, Chinese and 4xx.

use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::{ApiError, PageError};
use super::shell::Shell;
use crate::accounts::service::{SessionInfo, SessionKind};
use crate::core::Access;
use crate::error::Error;

/// A signed-in browser user, for console pages.
pub struct Page {
    pub session: SessionInfo,
    state: AppState,
    path: String,
    /// The user's unread in-app messages (the bell in the header).
    unread: i64,
    /// What waits for the user (我的待办; the navigation's counts).
    work: std::sync::Arc<super::Work>,
}

impl Page {
    pub fn access(&self) -> &Access {
        &self.session.access
    }
    /// The layout around a page: navigation for this user, title and active item.
    pub fn shell(&self, title: impl Into<String>) -> Shell {
        Shell::new(&self.state, &self.session, title.into(), &self.path, self.unread, &self.work)
    }
    /// What waits for the user (see [`super::work`]).
    pub fn work(&self) -> std::sync::Arc<super::Work> {
        self.work.clone()
    }
    pub fn state(&self) -> &AppState {
        &self.state
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path().to_string();
        let Some(session) = parts.extensions.get::<SessionInfo>().cloned() else {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let target = format!("/login?next={}", super::pages::url_encode(next));
            return Err(Redirect::to(&target).into_response());
        };
        if session.kind != SessionKind::Web {
            return Err(PageError(Error::unauthenticated("请在网页登录")).into_response());
        }
        if session.must_enrol_totp && !path.starts_with("/account/totp") {
            return Err(Redirect::to("/account/totp").into_response());
        }
        let unread = crate::notify::service::unread_count(&session.access).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "unread notifications not counted");
            0
        });
        let work = super::work::of(state, &session.access).await;
        Ok(Page { session, state: state.clone(), path, unread, work })
    }
}

/// A signed-in API caller (bearer token, or the browser session for same-origin scripts).
pub struct Api {
    pub session: SessionInfo,
}

impl Api {
    pub fn access(&self) -> &Access {
        &self.session.access
    }
}

impl FromRequestParts<AppState> for Api {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(session) = parts.extensions.get::<SessionInfo>().cloned() else {
            return Err(ApiError(Error::unauthenticated("缺少或无效的访问令牌（Authorization: Bearer <token>）")));
        };
        if session.must_enrol_totp {
            return Err(ApiError(Error::client(403, "totp_enrolment_required", "请先绑定动态验证码")));
        }
        Ok(Api { session })
    }
}

/// A JSON body; malformed or mistyped JSON is a 400/422 with the parser's explanation.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rejection) => Err(ApiError(json_rejection(&rejection))),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The value of cookie `name` in a request's headers; `None` when absent or empty.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get_all(axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name && !v.is_empty()).then_some(v)
    })
}

/// A `Set-Cookie` value — the one way cookies are written: `HttpOnly`, `SameSite=Lax`, limited
/// to `path`, and `Secure` when the server's public address is https (never guessed from a
/// request header). `max_age`: `None` lasts the browser session, `Some(0)` clears the cookie.
pub fn set_cookie(core: &crate::Core, name: &str, value: &str, path: &str, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax");
    if let Some(seconds) = max_age {
        c.push_str(&format!("; Max-Age={seconds}"));
    }
    if core.config.https() {
        c.push_str("; Secure");
    }
    c
}

fn json_rejection(r: &JsonRejection) -> Error {
    match r {
        JsonRejection::JsonDataError(e) => Error::client(422, "invalid_body", format!("请求内容的字段不符合要求: {}", e.body_text())),
        JsonRejection::JsonSyntaxError(e) => Error::bad_request("malformed_json", format!("JSON 格式错误: {}", e.body_text())),
        JsonRejection::MissingJsonContentType(_) => {
            Error::client(415, "unsupported_media_type", "请求头须为 Content-Type: application/json")
        }
        other => Error::client(other.status().as_u16(), "invalid_body", format!("无法读取请求内容: {}", other.body_text())),
    }
}

/// A form body for console pages.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(rejection) => Err(PageError(form_rejection(&rejection))),
        }
    }
}

fn form_rejection(r: &FormRejection) -> Error {
    Error::client(r.status().as_u16().max(400), "invalid_form", format!("表单内容无效: {}", r.body_text()))
}
