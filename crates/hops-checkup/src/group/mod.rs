//! Group checkups (团检, seed 004 (一)3(2)): employers with their contact and booking window.
//! Employee lists, group cards, add-on discounts, family members and progress build on this.

pub mod service;
pub mod store;

/// An employer (团检单位).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Employer {
    pub code: String,
    pub name: String,
    pub contact_name: String,
    /// The dates its employees may book, inclusive.
    pub window: Option<(hops_kernel::LocalDay, hops_kernel::LocalDay)>,
}
