//! The platform's error: a client mistake (4xx, with a code and a message a person can act on,
//! optionally per field) or our own fault (5xx, logged with context, never shown in detail).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

#[derive(Debug)]
pub enum Error {
    /// The caller's mistake.
    Client { status: u16, code: &'static str, message: String, fields: Vec<FieldError> },
    /// Our fault.
    Internal(anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn client(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Error::Client { status, code, message: message.into(), fields: Vec::new() }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Error::client(400, code, message)
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Error::client(401, "unauthenticated", message)
    }
    pub fn forbidden() -> Self {
        Error::client(403, "forbidden", "没有执行此操作的权限")
    }
    pub fn not_found(what: &str) -> Self {
        Error::client(404, "not_found", format!("{what}不存在"))
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Error::client(409, code, message)
    }
    /// Validation failure with one entry per offending field.
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [one] => one.message.clone(),
            many => format!("有 {} 处输入需要修改", many.len()),
        };
        Error::Client { status: 422, code: "validation_failed", message, fields }
    }
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Error::invalid(vec![FieldError::new(field, message)])
    }
    pub fn status(&self) -> u16 {
        match self {
            Error::Client { status, .. } => *status,
            Error::Internal(_) => 500,
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            Error::Client { code, .. } => code,
            Error::Internal(_) => "internal",
        }
    }
    /// The message shown to the caller (never internal details).
    pub fn public_message(&self) -> String {
        match self {
            Error::Client { message, .. } => message.clone(),
            Error::Internal(_) => "服务器内部错误，请稍后重试；如持续出现请联系管理员".into(),
        }
    }
    pub fn fields(&self) -> &[FieldError] {
        match self {
            Error::Client { fields, .. } => fields,
            Error::Internal(_) => &[],
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Client { code, message, .. } => write!(f, "{code}: {message}"),
            Error::Internal(e) => write!(f, "internal: {e:#}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::is_unique_violation(&e) {
            return Error::conflict("duplicate", "记录已存在（唯一性冲突）");
        }
        Error::Internal(e.into())
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Internal(e)
    }
}

impl From<crate::crypto::CryptoError> for Error {
    fn from(e: crate::crypto::CryptoError) -> Self {
        Error::Internal(e.into())
    }
}
