//! Helpers shared by the follow-up and complaint pages: field errors next to their fields, the
//! XLSX download, flash messages, optional ids from forms.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use hops_platform::{Error, FieldError};

/// Field errors of a refused form, shown next to their fields.
#[derive(Default)]
pub struct FormErrors(Vec<FieldError>);

impl FormErrors {
    /// The field errors of a validation refusal (422); any other error is passed on.
    pub fn from_error(e: Error) -> Result<FormErrors, Error> {
        match e {
            Error::Client { status: 422, fields, message, .. } if fields.is_empty() => Ok(FormErrors(vec![FieldError::new("", message)])),
            Error::Client { status: 422, fields, .. } => Ok(FormErrors(fields)),
            other => Err(other),
        }
    }
    pub fn get(&self, field: &str) -> String {
        self.0.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect::<Vec<_>>().join("；")
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
    /// Whether any field starting with `prefix` has an error (questions `q1`, `q2` …).
    pub fn all(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.message.as_str()).collect()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A refused change shown as a message: 409/422 become text, anything else passes on.
pub fn refusal_message(e: Error) -> Result<(u16, String), Error> {
    match &e {
        Error::Client { status: status @ (409 | 422), .. } => {
            let message = match e.fields() {
                [] => e.public_message(),
                fields => fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；"),
            };
            Ok((*status, message))
        }
        _ => Err(e),
    }
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An XLSX download named `name` (Chinese allowed), with `ascii` for old clients.
pub fn xlsx(ascii: &str, name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", hops_platform::web::pages::url_encode(name));
    ([(header::CONTENT_TYPE, XLSX.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

/// An id from a form's select ("" = none); anything else is a field error.
pub fn opt_id(field: &str, s: &str) -> Result<Option<i64>, Error> {
    match s.trim() {
        "" => Ok(None),
        t => t.parse::<i64>().map(Some).map_err(|_| Error::invalid_field(field, "选项无效，请重新选择")),
    }
}

/// Renders a template or fails with an internal error.
pub fn render<T: askama::Template>(t: T) -> Result<axum::response::Html<String>, hops_platform::web::PageError> {
    t.render().map(axum::response::Html).map_err(|e| hops_platform::web::PageError(Error::Internal(e.into())))
}

/// `(value, label, selected)` choices for a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl ToString, label: impl Into<String>, current: &str) -> Choice {
        let value = value.to_string();
        let selected = value == current;
        Choice { value, label: label.into(), selected }
    }
}
