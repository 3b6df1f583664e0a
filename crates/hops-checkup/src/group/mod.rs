//! Group checkups (团检, seed 004 (一)3(2)): employers with their contact and booking window,
//! the group cards (plans) they pay for with add-on discounts, the list of employees and their
//! family members, and booking progress per employer with reminders to those not booked.

pub mod drafts;
pub mod model;
pub mod roster;
pub mod service;
pub(crate) mod store;

/// An employer (团检单位).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Employer {
    pub code: String,
    pub name: String,
    pub contact_name: String,
    /// The contact's phone, masked (the contact books on employees' behalf after an SMS code).
    pub contact_phone_masked: String,
    /// The dates its employees may book, inclusive.
    pub window: Option<(hops_kernel::LocalDay, hops_kernel::LocalDay)>,
    /// Share of an add-on item's list price the employee pays, in percent.
    pub addon_pct: u32,
}
