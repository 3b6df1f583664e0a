//! Periodic operations reports (SPEC §1.5): weekly, monthly, quarterly, half-year and annual
//! reports for hospital leadership — a PDF typeset with typst (cover, summary, KPI table with
//! 环比/同比 arrows, charts, satisfaction, leaderboard, conclusions), the underlying tables as
//! XLSX, publishing (immutable, audited), history, subscribers and e-mail delivery through the
//! job queue and the platform's notifications (`hops_platform::notify`: SMTP, the hospital's
//! text, quiet hours, opt-outs, delivery records).
//!
//! `model` assembles what a report says from the analytics module's KPI set (pure); `store`
//! holds its SQL; `service` the use cases and the delivery job; `pdf` and `xlsx` render; `web`
//! the console pages and API.

pub mod approval;
pub mod model;
pub mod pdf;
pub mod service;
pub(crate) mod store;
mod web;
pub mod xlsx;

pub use web::ReportsModule;
