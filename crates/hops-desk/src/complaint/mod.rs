//! Complaints (投诉, seed 001 患者投诉管理 and 差评原因归纳): a case registered directly, from a
//! desk ticket, a bad review or a follow-up call; investigated by the responsible department,
//! rectified, answered to the patient and reviewed; root-cause categories and their monthly
//! trend.

pub mod model;
pub mod service;
pub(crate) mod store;
