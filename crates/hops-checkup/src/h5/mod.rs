//! The patient side (H5 pages in WeChat's browser). A patient signs in through the platform's
//! patient login (`hops_platform::patient`: an SMS code, or WeChat bound to a proven phone),
//! and that is all a session proves: it acts as a `Visitor::Patient` of that phone and reaches
//! exactly the bookings whose person's stored phone is it (the booking service checks
//! ownership, not these pages). A refused booking opens no session; an identity number on file
//! is booked only with the phone stored for it.

pub mod group;
pub mod group_store;

use hops_kernel::Phone;
use hops_platform::patient::{self, Kind, Signed};
use hops_platform::{Access, Error, Result};

use crate::booking::service::{self as booking, Booked, BookingRequest, Refusal};
use crate::booking::store::{BookingRow, ListedBooking};

/// The SMS purpose of the booking form's code (limits per phone are the platform's).
const PURPOSE: &str = "checkup.identify";

/// A hospital's H5 pages: the platform's patient site, with the checkup's use cases.
pub struct Site(pub patient::Site);

impl std::ops::Deref for Site {
    type Target = patient::Site;
    fn deref(&self) -> &patient::Site {
        &self.0
    }
}

/// A signed-in patient: access as the phone they proved.
pub struct Patient {
    pub access: Access,
}

impl From<&Signed> for Patient {
    fn from(s: &Signed) -> Patient {
        Patient { access: s.access.clone() }
    }
}

/// What an identify-and-book submission came to: the session token only when a booking was
/// made (or found again by its idempotency key).
pub enum Identified {
    Booked { token: String, booked: Box<Booked> },
    Refused(Refusal),
}

impl Site {
    /// Sends the identification code to `phone`.
    pub async fn send_code(&self, phone: &str, caller: &str) -> Result<()> {
        let phone = patient::service::parse_phone(phone, "person.phone")?;
        self.0.send_code(&phone, PURPOSE, caller).await
    }

    /// Checks the code sent to the booking's phone and books as that phone. Only a booking made
    /// opens a session (the platform's patient login): a refused attempt (rules, an identity on
    /// file with another phone, capacity, …) signs nobody in. What the request itself says is
    /// checked first — its fields, and its selection for the person its identity number names —
    /// so a refusal there leaves the code unspent.
    pub async fn identify_and_book(&self, r: &BookingRequest, code: &str) -> Result<Identified> {
        let today = self.access.now().local_day();
        let cat = crate::catalogue::service::load(&self.access).await?;
        if let Err(refusal) = booking::precheck(&cat, r, today)? {
            return Ok(Identified::Refused(refusal));
        }
        let phone: Phone = patient::service::parse_phone(&r.phone, "person.phone")?;
        self.0.prove(&phone, PURPOSE, code).await?;
        let p = Patient { access: self.as_visitor(Kind::Patient, phone) };
        match booking::book(&p.access, r).await? {
            Ok(booked) => {
                let token = self.0.open(Kind::Patient, &phone, "短信验证码（体检预约）").await?;
                Ok(Identified::Booked { token, booked: Box::new(booked) })
            }
            Err(refusal) => Ok(Identified::Refused(refusal)),
        }
    }

    /// The patient's bookings, newest first.
    pub async fn my_bookings(&self, p: &Patient) -> Result<Vec<ListedBooking>> {
        booking::own(&p.access).await
    }

    /// One of the patient's bookings (404 for anyone else's).
    pub async fn my_booking(&self, p: &Patient, id: i64) -> Result<ListedBooking> {
        self.my_bookings(p).await?.into_iter().find(|b| b.booking.id == id).ok_or_else(|| Error::not_found("预约"))
    }

    /// One of the patient's bookings with its items (code, price, source code).
    pub async fn my_booking_items(&self, p: &Patient, id: i64) -> Result<(ListedBooking, Vec<(String, hops_kernel::Money, String)>)> {
        let b = self.my_booking(p, id).await?;
        Ok((b, booking::items(&p.access, id).await?))
    }

    pub async fn cancel(&self, p: &Patient, id: i64) -> Result<BookingRow> {
        booking::cancel(&p.access, id).await
    }

    /// The patient's refund, with the reason they give (checked by the refund itself; the
    /// audit names the patient as who asked).
    pub async fn refund(&self, p: &Patient, id: i64, reason: &str) -> Result<BookingRow> {
        // Someone else's booking is "not found" before anything about the request is said.
        self.my_booking(p, id).await?;
        crate::payment::service::refund(&p.access, id, reason).await
    }

    pub async fn reschedule(&self, p: &Patient, id: i64, date: &str) -> Result<BookingRow> {
        booking::reschedule(&p.access, id, date).await
    }

    /// Starts paying one of the patient's bookings; returns the address of the payment page.
    pub async fn pay(&self, p: &Patient, id: i64, ip: &str) -> Result<String> {
        // Back to the booking, which says whether the payment arrived (a success page once it has).
        let back = format!("/p/{}/checkup/orders/{id}?ok=paid", self.code);
        crate::payment::service::start_wechat(&p.access, id, ip, &back).await
    }
}
