//! Capacity (号源, seed 004 (一)2(1)): pools per date — individual, VIP-reserved (released to
//! the individual pool at a cut-off when unused), per employer, per special package, per
//! scarce resource — closed dates, and the hospital's hold and cut-off settings. Places are
//! taken by conditional updates inside the booking's transaction, so nothing overbooks. Weekday
//! templates and bulk setting of a date range: `template` (pure), `template_store`,
//! `template_service`.

pub mod model;
pub mod service;
pub(crate) mod store;
pub mod template;
pub mod template_service;
pub mod template_store;
