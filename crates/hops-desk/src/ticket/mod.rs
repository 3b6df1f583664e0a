//! Tickets from every channel: `model` (status flow, validation, the SLA timeline from the
//! history), `store` (SQL), `service` (use cases), `import` (history from CSV/XLSX).

mod history;
pub mod import;
pub mod model;
pub mod report;
pub mod service;
pub(crate) mod store;
