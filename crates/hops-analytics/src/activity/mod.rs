//! Activity data of the internet hospital (SPEC §1): ingest of consultations, appointments,
//! payments and prescriptions (master kinds are handed to `hops_master`), the roll-ups kept in
//! step inside each ingest (`rollup` defines them, `upkeep` maintains or rebuilds them),
//! bad-review reasons (`reviews`), and the lookups other modules read consultations through.

pub mod model;
pub mod reviews;
pub mod rollup;
pub mod service;
pub(crate) mod store;
pub mod upkeep;
pub(crate) mod web;
