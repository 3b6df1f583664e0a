//! Payment (支付管理, seed 004 (一)4(2)): WeChat Pay API v3 behind an adapter ([`gateway`]), a
//! local sandbox speaking the same protocol (the module's `web::sandbox`), on-site and offline
//! payments recorded by staff, refunds through the job queue, and the daily reconciliation.

pub mod gateway;
pub mod model;
pub mod reconcile;
pub mod service;
pub(crate) mod store;
pub mod wechat;
