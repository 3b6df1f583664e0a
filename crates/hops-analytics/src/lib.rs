//! Internet-hospital activity data (SPEC §1): ingest of consultations, appointments, payments
//! and prescriptions (plus master data through the master module), and the KPIs built on them.

pub mod kpi;
pub mod model;
pub mod service;
pub mod store;
mod web;

pub use web::AnalyticsModule;
