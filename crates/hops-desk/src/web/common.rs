//! Helpers shared by the follow-up and complaint pages: field errors next to their fields, the
//! XLSX download, flash messages, optional ids from forms.

use hops_platform::Error;

pub use hops_platform::web::FormErrors;

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

pub use hops_platform::web::xlsx;

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
