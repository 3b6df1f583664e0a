//! What every console form needs: the field errors of a refused save, to show next to their
//! inputs, and the message shown after a redirect.

use crate::error::{Error, FieldError};

/// The message of each field of a refused save, for re-rendering the form next to its inputs.
/// A refusal without fields keeps its message under the field `""` (the form's own).
#[derive(Default, Debug)]
pub struct FormErrors(Vec<FieldError>);

impl FormErrors {
    pub fn new(fields: Vec<FieldError>) -> FormErrors {
        FormErrors(fields)
    }

    /// The field errors of a validation refusal (422); any other error is passed on.
    pub fn from_error(e: Error) -> Result<FormErrors, Error> {
        match e {
            Error::Client { status: 422, fields, message, .. } if fields.is_empty() => Ok(FormErrors(vec![FieldError::new("", message)])),
            Error::Client { status: 422, fields, .. } => Ok(FormErrors(fields)),
            other => Err(other),
        }
    }

    /// The messages of `field`, joined.
    pub fn get(&self, field: &str) -> String {
        self.0.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect::<Vec<_>>().join("；")
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// Every message, in order.
    pub fn messages(&self) -> Vec<&str> {
        self.0.iter().map(|e| e.message.as_str()).collect()
    }

    /// Every message, joined.
    pub fn get_all(&self) -> String {
        self.messages().join("；")
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<FieldError>> for FormErrors {
    fn from(fields: Vec<FieldError>) -> FormErrors {
        FormErrors(fields)
    }
}

/// The message shown after a redirect (`?ok=code`): looked up by its code in the page's table,
/// never text from the query string.
pub fn flash(code: Option<&str>, messages: &[(&str, &str)]) -> Option<String> {
    let code = code?;
    messages.iter().find(|(c, _)| *c == code).map(|(_, m)| m.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_become_field_messages() {
        let e =
            FormErrors::from_error(Error::invalid(vec![FieldError::new("name", "姓名不能为空"), FieldError::new("name", "过长")])).unwrap();
        assert_eq!(e.get("name"), "姓名不能为空；过长");
        assert!(!e.has("phone"));
        let e = FormErrors::from_error(Error::client(422, "x", "整体不通过")).unwrap();
        assert_eq!(e.get(""), "整体不通过");
        assert!(FormErrors::from_error(Error::forbidden()).is_err(), "other errors pass on");
    }

    #[test]
    fn flash_only_knows_its_codes() {
        const T: &[(&str, &str)] = &[("saved", "已保存")];
        assert_eq!(flash(Some("saved"), T).as_deref(), Some("已保存"));
        assert_eq!(flash(Some("<script>"), T), None);
        assert_eq!(flash(None, T), None);
    }
}
