//! One person per human per hospital. Patients (master data), checked-up persons and, later,
//! enrolled patients and contacts are roles of a person: the role keeps what is its own (an
//! external patient number, a marital status for checkup rules) and a `person_id`; the name,
//! sex, birth date, ID-card number and phone are the person's.
//!
//! The two numbers are kept sealed ([`model::Sealed`]): encrypted for the person's row,
//! blind-indexed (so a person is found by an exact number) and masked for display.
//! [`service::reveal`] is the only way to clear text; it needs `PersonalUnmask`, says why, and
//! writes the audit entry.

pub mod adopt;
pub mod model;
pub mod service;
pub(crate) mod store;
