//! Shared vocabulary of hops (kernel): the small, pure types every other crate speaks in.
//!
//! * [`ids`] — typed ids ([`HospitalId`], [`PatientId`], …) and the [`define_id!`] macro;
//! * [`time`] — [`Instant`] (µs since the epoch), [`LocalDay`] (Shanghai calendar day),
//!   [`Clock`], reporting [`Period`]s;
//! * [`money`] — [`Money`] in integer fen;
//! * [`idcard`] and [`regions`] — the 18-digit resident identity card number (GB 11643-1999) and
//!   administrative region codes;
//! * [`phone`] — mainland mobile numbers;
//! * [`sex`] — [`Sex`];
//! * [`coded!`] — enums with a stable code and a Chinese label.
//!
//! No I/O and no reading of the system time except in [`SystemClock`]. Types here are not
//! `Serialize` by design: the web layer defines its own API types. Personal data types
//! ([`IdCardNumber`], [`Phone`]) have no `Display` and a masked `Debug`. See
//! docs/ARCHITECTURE.md.

pub mod coded;
pub mod idcard;
pub mod ids;
pub mod money;
pub mod phone;
pub mod regions;
pub mod sex;
pub mod time;

pub use idcard::{IdCardError, IdCardNumber};
pub use ids::{DepartmentId, DoctorId, HospitalId, JobId, ParseIdError, PatientId, PersonId, UserId};
pub use money::{Money, MoneyError};
pub use phone::{Phone, PhoneError};
pub use regions::{COUNTIES, PROVINCES};
pub use sex::Sex;
pub use time::{Clock, DaySpan, Instant, LocalDay, ManualClock, Period, PeriodRange, SystemClock, TimeError};
