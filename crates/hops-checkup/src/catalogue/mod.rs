//! Catalogue and rules (体检项目与套餐, seed 004 (一)1(2), (六)1): items with body part, meaning,
//! target group, price, restrictions and scarce resources; packages; mutual exclusion,
//! dependency and required-item rules; validation of a selection naming every violation; the
//! configuration audit.

pub mod audit;
pub mod drafts;
pub mod model;
pub mod service;
pub(crate) mod store;
pub mod transfer;

#[cfg(test)]
mod model_tests;
