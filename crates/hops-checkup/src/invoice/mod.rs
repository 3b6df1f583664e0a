//! Invoice requests (发票申请, seed 004): a person asks for an invoice of a paid booking with a
//! personal or company title (a company's 统一社会信用代码 checked), to an e-mail address; the
//! hospital issues it in its own e-invoice system (out of scope) and records the number here.
//! One open request per booking; the amount is what the person paid.

pub mod model;
pub mod service;
pub(crate) mod store;
