//! Health-checkup booking platform (SPEC §3, seed 004), part 1: catalogue and rules, capacity
//! pools, individual and group booking. Each business area keeps the four rooms (`model`,
//! `store`, `service`, and the module's `web`).

pub mod advice;
pub mod booking;
pub mod capacity;
pub mod catalogue;
pub mod centre;
pub mod group;
pub mod h5;
pub mod invoice;
pub mod payment;
mod web;

pub use web::CheckupModule;
