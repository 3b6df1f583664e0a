//! Health-checkup bookings, owned by `hops-checkup`.

use hops_kernel::{LocalDay, PersonId};
use hops_platform::jobs::{BoxFuture, Event};
use hops_platform::web::Paging;
use hops_platform::{Access, Result};
use serde::{Deserialize, Serialize};

/// A completed checkup as other modules see it (name and phone masked as on the console).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletedCheckup {
    pub booking: i64,
    /// The order number (预约单号).
    pub number: String,
    /// The person booked (`hops_platform::people`): one for a patient who also consulted.
    pub person: PersonId,
    pub day: LocalDay,
    pub name: String,
    pub phone_masked: String,
}

/// A person's booking in their history: order number, date, package and status (in Chinese).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonBooking {
    pub booking: i64,
    pub number: String,
    pub day: LocalDay,
    pub package: String,
    pub status_label: String,
}

/// Reading bookings (needs the permission to read checkups).
pub trait Bookings: Send + Sync {
    /// The checkups completed on `day`, a page at a time, and how many there are.
    fn completed_on<'a>(&'a self, access: &'a Access, day: LocalDay, paging: Paging)
    -> BoxFuture<'a, Result<(Vec<CompletedCheckup>, i64)>>;
    /// A person's bookings, newest first (at most 50).
    fn of_person<'a>(&'a self, access: &'a Access, person: PersonId) -> BoxFuture<'a, Result<Vec<PersonBooking>>>;
    /// The booked person's phone number in clear: needs the permission to unmask; audited.
    fn reveal_phone<'a>(&'a self, access: &'a Access, booking: i64) -> BoxFuture<'a, Result<String>>;
}

/// A booking was paid (online, at the counter or offline).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingPaid {
    pub booking: i64,
    /// The person booked (`hops_platform::people`).
    pub person: i64,
    /// The checkup date (days since 1970-01-01, China time).
    pub day: i32,
    /// Amount paid, in fen.
    pub amount_fen: i64,
}

impl Event for BookingPaid {
    const NAME: &'static str = "checkup.booking.paid";
}

/// A booked person's checkup was completed at the centre.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingCompleted {
    pub booking: i64,
    /// The person booked (`hops_platform::people`).
    pub person: i64,
    pub day: i32,
}

impl Event for BookingCompleted {
    const NAME: &'static str = "checkup.booking.completed";
}
