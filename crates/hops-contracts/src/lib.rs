//! What the business modules offer one another, so that none depends on another's crate:
//! service interfaces (a module provides one with [`hops_platform::web::Module::provide`],
//! another asks for it with [`hops_platform::Core::service`]) and domain events (published with
//! [`hops_platform::jobs::publish`], received through
//! [`hops_platform::web::Module::subscriptions`]).
//!
//! Everything here is plain data and signatures; the rules stay in the owning module. An
//! interface takes the caller's [`hops_platform::Access`]: the provider checks permissions and
//! audits as it does for its own pages. Events carry identifiers and facts, never personal data
//! in clear.

pub mod activity;
pub mod checkup;
pub mod desk;
