//! Master data: departments, doctors and patients (SPEC §0): pages, API, import and export.
//! Personal numbers are encrypted at rest, found by blind index and masked everywhere.

pub mod import;
pub mod model;
pub mod service;
pub(crate) mod store;
mod web;

pub use web::MasterModule;
