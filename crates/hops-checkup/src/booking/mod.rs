//! Bookings (预约): one verified person, one package selection, one date; places held until
//! payment (expiring through the job queue), cancellation, rescheduling, idempotent requests.

pub mod desk;
pub mod history;
pub mod model;
pub mod service;
pub(crate) mod store;
