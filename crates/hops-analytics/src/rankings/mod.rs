//! Monthly leaderboards of doctors and departments (SPEC §1, seed 002 十一): a composite of
//! volume, small-sample-corrected satisfaction, first-reply time and revisit rate, with
//! per-hospital weights; monthly publication to a public page without login, whose feedback
//! form lands in the console; JSON API. The formulas are in [`model`].

mod api;
pub mod model;
pub mod service;
pub(crate) mod store;
pub(crate) mod web;
