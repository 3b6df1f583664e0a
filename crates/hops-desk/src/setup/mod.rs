//! Service-desk settings: teams, categories, business calendars, SLA policies, canned replies.

mod defaults;
pub mod model;
pub mod service;
pub(crate) mod store;
