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

/// A serde error (as axum's rejections word it, in English) said in Chinese: the field path,
/// what is wrong, the values allowed, the position. Unknown wordings are kept after a Chinese lead.
pub fn serde_message_zh(text: &str) -> String {
    let mut t = text.trim();
    for lead in [
        "Failed to deserialize the JSON body into the target type:",
        "Failed to parse the request body as JSON:",
        "Failed to deserialize form body:",
        "Failed to deserialize form:",
    ] {
        if let Some(rest) = t.strip_prefix(lead) {
            t = rest.trim();
        }
    }
    let (t, position) = match t.rfind(" at line ") {
        Some(i) => {
            let words: Vec<&str> = t[i + 9..].split(' ').collect();
            match (words.first(), words.get(2)) {
                (Some(line), Some(column)) => (&t[..i], format!("（第 {line} 行第 {column} 列）")),
                _ => (t, String::new()),
            }
        }
        None => (t, String::new()),
    };
    // serde_path_to_error puts the field's path first: `items[0].kind: unknown variant …`.
    let (path, what) = match t.split_once(": ") {
        Some((p, w)) if !p.contains(' ') => (format!("字段 {p}："), w),
        _ => (String::new(), t),
    };
    let ticked = |s: &str| s.split('`').skip(1).step_by(2).map(str::to_string).collect::<Vec<_>>();
    let said = if let Some(rest) = what.strip_prefix("unknown variant ") {
        let v = ticked(rest);
        match v.split_first() {
            Some((got, allowed)) if !allowed.is_empty() => format!("取值“{got}”无效，可选值：{}", allowed.join("、")),
            Some((got, _)) => format!("取值“{got}”无效"),
            None => "取值无效".to_string(),
        }
    } else if let Some(rest) = what.strip_prefix("missing field ") {
        format!("缺少必填字段 {}", ticked(rest).first().map_or(rest, String::as_str))
    } else if let Some(rest) = what.strip_prefix("unknown field ") {
        format!("不认识的字段 {}", ticked(rest).first().map_or(rest, String::as_str))
    } else if let Some(rest) = what.strip_prefix("duplicate field ") {
        format!("字段 {} 重复", ticked(rest).first().map_or(rest, String::as_str))
    } else if let Some(rest) = what.strip_prefix("invalid type: ") {
        let expected = rest.split_once(", expected ").map_or("", |(_, e)| e);
        format!("类型不对，应为{}", expected_zh(expected))
    } else if let Some(rest) = what.strip_prefix("invalid value: ") {
        let expected = rest.split_once(", expected ").map_or("", |(_, e)| e);
        format!("取值无效，应为{}", expected_zh(expected))
    } else if what.starts_with("invalid length") {
        let expected = what.split_once(", expected ").map_or("", |(_, e)| e);
        format!("个数不对，应为{}", expected_zh(expected))
    } else if what.starts_with("invalid digit") || what.starts_with("cannot parse integer") {
        "数字格式不对".to_string()
    } else if what.starts_with("number too large") || what.starts_with("number too small") || what.contains("out of range") {
        "数字超出范围".to_string()
    } else if what.starts_with("invalid float literal") {
        "小数格式不对".to_string()
    } else if what.starts_with("provided string was not `true` or `false`") {
        "应为 true 或 false".to_string()
    } else if what.starts_with("EOF while parsing") {
        "内容不完整".to_string()
    } else if what.starts_with("expected") || what.starts_with("trailing") || what.starts_with("key must be") {
        "格式不对".to_string()
    } else {
        format!("无法读取（{what}）")
    };
    format!("{path}{said}{position}")
}

/// What serde says it expected, in Chinese where it is a type.
fn expected_zh(e: &str) -> String {
    let e = e.trim();
    let known = [
        ("a string", "文字"),
        ("a sequence", "列表"),
        ("a map", "对象"),
        ("a boolean", "true 或 false"),
        ("a borrowed string", "文字"),
        ("i64", "整数"),
        ("i32", "整数"),
        ("i16", "整数"),
        ("u64", "非负整数"),
        ("u32", "非负整数"),
        ("u16", "非负整数"),
        ("u8", "非负整数"),
        ("usize", "非负整数"),
        ("f64", "数字"),
        ("f32", "数字"),
    ];
    if let Some((_, zh)) = known.iter().find(|(en, _)| *en == e) {
        return format!(" {zh}");
    }
    if e.starts_with("struct ") || e.starts_with("a map") {
        return " 对象".to_string();
    }
    if e.starts_with("a sequence") || e.starts_with("tuple") {
        return " 列表".to_string();
    }
    if e.is_empty() { String::new() } else { format!(" {e}") }
}

fn json_rejection(r: &JsonRejection) -> Error {
    match r {
        JsonRejection::JsonDataError(e) => {
            Error::client(422, "invalid_body", format!("请求内容的字段不符合要求：{}", serde_message_zh(&e.body_text())))
        }
        JsonRejection::JsonSyntaxError(e) => {
            Error::bad_request("malformed_json", format!("JSON 格式错误：{}", serde_message_zh(&e.body_text())))
        }
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
    Error::client(r.status().as_u16().max(400), "invalid_form", format!("表单内容无效：{}", serde_message_zh(&r.body_text())))
}

#[cfg(test)]
mod tests {
    use super::serde_message_zh as zh;

    #[test]
    fn serde_errors_are_said_in_chinese() {
        let cases = [
            (
                "Failed to deserialize the JSON body into the target type: status: unknown variant `gone`, expected one of `draft`, `published` at line 1 column 16",
                "字段 status：取值“gone”无效，可选值：draft、published（第 1 行第 16 列）",
            ),
            (
                "Failed to deserialize the JSON body into the target type: missing field `name` at line 1 column 2",
                "缺少必填字段 name（第 1 行第 2 列）",
            ),
            (
                "Failed to deserialize the JSON body into the target type: items[0].count: invalid type: string \"x\", expected i64 at line 1 column 30",
                "字段 items[0].count：类型不对，应为 整数（第 1 行第 30 列）",
            ),
            ("Failed to parse the request body as JSON: EOF while parsing an object at line 1 column 5", "内容不完整（第 1 行第 5 列）"),
            ("Failed to deserialize form body: invalid digit found in string", "数字格式不对"),
            ("Failed to deserialize form body: days: invalid type: sequence, expected a string", "字段 days：类型不对，应为 文字"),
        ];
        for (en, want) in cases {
            assert_eq!(zh(en), want, "{en}");
        }
        // Nothing English is left of the known wordings; unknown ones are kept, after Chinese.
        assert_eq!(zh("something new"), "无法读取（something new）");
    }
}
