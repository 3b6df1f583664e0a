//! Errors at the web edge: JSON for the API, an HTML page for the console.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::error::Error;

fn status_of(e: &Error) -> StatusCode {
    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn log(e: &Error) {
    if let Error::Internal(inner) = e {
        tracing::error!(error = %format!("{inner:#}"), "internal error");
    }
}

/// The JSON body of every API error: `{"error": {"code", "message", "fields"?}}`.
pub fn error_json(code: &str, message: &str, fields: &[crate::error::FieldError]) -> serde_json::Value {
    let mut detail = json!({ "code": code, "message": message });
    if !fields.is_empty() {
        detail["fields"] = fields.iter().map(|f| json!({ "field": f.field, "message": f.message })).collect();
    }
    json!({ "error": detail })
}

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log(&self.0);
        let body = error_json(self.0.code(), &self.0.public_message(), self.0.fields());
        (status_of(&self.0), axum::Json(body)).into_response()
    }
}

/// An error answered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub Error);

impl<E: Into<Error>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
}

pub fn error_page(status: StatusCode, message: &str) -> Response {
    let title = match status.as_u16() {
        401 => "请先登录",
        403 => "没有权限",
        404 => "页面或记录不存在",
        409 => "操作冲突",
        413 => "上传内容过大",
        422 => "输入有误",
        400..=499 => "请求有误",
        _ => "服务器出错了",
    };
    let html = ErrorPage { status: status.as_u16(), title, message }.render().unwrap_or_else(|_| message.to_string());
    (status, Html(html)).into_response()
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        log(&self.0);
        if self.0.status() == 401 {
            return axum::response::Redirect::to("/login").into_response();
        }
        error_page(status_of(&self.0), &self.0.public_message())
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
pub type PageResult<T = Response> = Result<T, PageError>;
