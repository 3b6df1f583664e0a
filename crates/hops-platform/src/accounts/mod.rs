//! Hospitals (tenants), users, roles and permissions, sign-in with lockout and TOTP, sessions.

pub mod model;
pub mod service;
pub(crate) mod store;
