//! The rules of the patient login, pure: who a session is for, how long it lives, and the
//! cookies that carry it.

use hops_kernel::{Instant, Phone};

use crate::accounts::model::VisitorKind;
use crate::core::Visitor;

/// Who a session signs in. A session of one kind never opens the pages of the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A patient: their own bookings, the bot's hand-over with their proven phone.
    Patient,
    /// An employer's contact (团检单位联系人): the group portal.
    Contact,
}

impl Kind {
    /// As stored (`patient_sessions.kind`): the visitor kind's code.
    pub fn code(self) -> &'static str {
        self.visitor_kind().code()
    }

    pub fn visitor_kind(self) -> VisitorKind {
        match self {
            Kind::Patient => VisitorKind::Patient,
            Kind::Contact => VisitorKind::Contact,
        }
    }

    /// The actor of a session of this kind that proved `phone`.
    pub fn visitor(self, phone: Phone) -> Visitor {
        match self {
            Kind::Patient => Visitor::Patient(phone),
            Kind::Contact => Visitor::Contact(phone),
        }
    }

    /// The cookie that carries the session (path `/p/{hospital}`: every patient page of the
    /// hospital, nothing else).
    pub fn cookie(self) -> &'static str {
        match self {
            Kind::Patient => "hops_patient",
            Kind::Contact => "hops_contact",
        }
    }

    /// At most this long after signing in.
    pub fn absolute_seconds(self) -> i64 {
        match self {
            Kind::Patient => 12 * 3600,
            Kind::Contact => 8 * 3600,
        }
    }
}

/// A session unused this long has ended.
pub const IDLE_SECONDS: i64 = 2 * 3600;
/// A session's use is recorded at most this often (a write per page view is not worth it).
pub const TOUCH_SECONDS: i64 = 60;
/// How long a WeChat `state` or a pending binding lives.
pub const PENDING_SECONDS: i64 = 10 * 60;
/// The SMS purpose of a patient's sign-in code (limits per phone are the platform's).
pub const SIGN_IN_PURPOSE: &str = "patient.sign_in";

/// Whether a session's use at `last_seen` should be recorded again at `now`.
pub fn should_touch(last_seen: Instant, now: Instant) -> bool {
    now.seconds_since(last_seen) >= TOUCH_SECONDS
}

/// The path every patient page of a hospital lives under (the cookies' path).
pub fn home(hospital_code: &str) -> String {
    format!("/p/{hospital_code}")
}

/// The hospital code of a patient page's path (`/p/{code}/…`).
pub fn hospital_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/p/")?;
    let code = rest.split('/').next()?;
    (!code.is_empty()).then_some(code)
}

/// Where to go after signing in: `next` when it is a page of this hospital, else its home.
pub fn next_of(hospital_code: &str, next: Option<&str>) -> String {
    let home = home(hospital_code);
    match next.and_then(crate::web::pages::safe_path) {
        Some(n) if n == home || n.starts_with(&format!("{home}/")) || n.starts_with(&format!("{home}?")) => n.to_string(),
        _ => format!("{home}/me"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_the_hospitals_pages() {
        assert_eq!(next_of("tj", Some("/p/tj/checkup/orders?x=1")), "/p/tj/checkup/orders?x=1");
        assert_eq!(next_of("tj", Some("/p/tjx/checkup")), "/p/tj/me");
        assert_eq!(next_of("tj", Some("/p/other/checkup")), "/p/tj/me");
        assert_eq!(next_of("tj", Some("//evil.example/p/tj")), "/p/tj/me");
        assert_eq!(next_of("tj", Some("/p/tj/\t/evil")), "/p/tj/me");
        assert_eq!(next_of("tj", Some("/login")), "/p/tj/me");
        assert_eq!(next_of("tj", None), "/p/tj/me");
    }

    #[test]
    fn the_hospital_of_a_patient_page() {
        assert_eq!(hospital_of("/p/tj/checkup/orders"), Some("tj"));
        assert_eq!(hospital_of("/p/tj"), Some("tj"));
        assert_eq!(hospital_of("/p//x"), None);
        assert_eq!(hospital_of("/checkup"), None);
    }

    #[test]
    fn kinds_are_apart() {
        assert_ne!(Kind::Patient.code(), Kind::Contact.code());
        assert_ne!(Kind::Patient.cookie(), Kind::Contact.cookie());
        assert!(matches!(Kind::Contact.visitor(Phone::parse("13800001234").unwrap()), Visitor::Contact(_)));
    }
}
