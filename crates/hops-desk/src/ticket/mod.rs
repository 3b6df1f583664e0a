//! Tickets from every channel: `model` (status flow, validation, the SLA timeline from the
//! history), `store` (SQL), `service` (use cases), `queue` (the agent workspace's lists and what waits), `import` (history from CSV/XLSX).

mod history;
pub mod import;
pub mod model;
mod queue;
pub mod report;
pub mod service;
pub(crate) mod store;
