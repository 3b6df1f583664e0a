//! One patient login for every patient page of a hospital (`/p/{hospital}/…`; issue 13,
//! item 2). A session proves one phone — by SMS code, or by WeChat's web authorisation of an
//! openid bound once to a phone proved by SMS code — and nothing more: its actor is a
//! [`crate::Visitor`] of that phone (`Patient`, or `Contact` for an employer's contact), with
//! only the visitor's grants. Sessions are random 256-bit tokens kept as hashes, the phone
//! sealed for the row, ending after two idle hours or at their kind's absolute limit, one per
//! sign-in, deleted at sign-out; their cookie (`web::set_cookie`, path `/p/{hospital}`) serves
//! every patient page of that hospital and no other.
//!
//! Rooms: `model` (kinds, lifetimes, the `next` rule), `store` (SQL, migration 0033),
//! `service` (sign-in, sessions, WeChat binding), `wechat` (the OAuth protocol and its one
//! call), `web` (the [`web::PatientPage`] extractor, the sign-in and 我的 pages, the H5 error
//! page).

pub mod model;
pub mod sandbox;
pub mod service;
pub(crate) mod store;
pub mod web;
pub mod wechat;

pub use model::Kind;
pub use service::{Signed, Site, site};
pub use web::{AsPatient, PatientPage, PatientVisit, SignInKind, SignedIn, Visit};
