//! The patient side (H5 pages in WeChat's browser). A patient proves a phone with an SMS code,
//! and that is all a session proves: the session acts as a [`Visitor::Patient`] of that phone
//! and reaches exactly the bookings whose person's stored phone is it (the booking service
//! checks ownership, not these pages). A refused booking opens no session; an identity number
//! on file is booked only with the phone stored for it.

pub mod group;
pub mod group_store;
pub(crate) mod store;

use std::sync::Arc;

use hops_kernel::{IdCardNumber, Phone};
use hops_platform::crypto::Field;
use hops_platform::{Access, Core, Error, Result, Visitor, sms};

use crate::booking::service::{self as booking, Booked, BookingRequest, PHONE_CONTEXT, Refusal};
use crate::booking::store::{BookingRow, ListedBooking};

/// The phone a patient's session proved: encrypted for the session's row (keyed by the hash of
/// its token), blind-indexed as a person's phone.
pub const SESSION_PHONE: Field = Field::new("checkup_h5_sessions", "phone_enc", PHONE_CONTEXT);

/// How long a patient stays signed in on the H5 pages.
pub const SESSION_HOURS: i64 = 12;
const PURPOSE: &str = "checkup.identify";

/// A hospital's H5 pages: the hospital, and an anonymous visitor's access to it (the public
/// catalogue and places left, nothing else).
pub struct Site {
    pub access: Access,
    pub code: String,
    pub name: String,
}

/// Finds the hospital of an H5 address (`/p/{code}/checkup`).
pub async fn site(core: &Arc<Core>, code: &str) -> Result<Site> {
    let (access, h) =
        hops_platform::accounts::service::public_site(core, code, Visitor::Anonymous).await?.ok_or_else(|| Error::not_found("医院"))?;
    Ok(Site { access, code: h.code, name: h.name })
}

/// A signed-in patient: access as the phone they proved.
pub struct Patient {
    pub access: Access,
}

/// What an identify-and-book submission came to: the session token only when a booking was
/// made (or found again by its idempotency key).
pub enum Identified {
    Booked { token: String, booked: Box<Booked> },
    Refused(Refusal),
}

impl Site {
    fn as_patient(&self, phone: Phone) -> Patient {
        Patient { access: self.access.core().act_as_visitor(self.access.hospital(), Visitor::Patient(phone)) }
    }

    /// Sends the identification code to `phone`.
    pub async fn send_code(&self, phone: &str, caller: &str) -> Result<()> {
        let phone = Phone::parse(phone).map_err(|e| Error::invalid_field("person.phone", e.to_string()))?;
        sms::send_code(&self.access, &phone, PURPOSE, caller).await
    }

    /// Checks the code sent to `phone` (used up when right).
    async fn prove(&self, phone: &str, code: &str) -> Result<Patient> {
        let phone = Phone::parse(phone).map_err(|e| Error::invalid_field("person.phone", e.to_string()))?;
        if code.trim().is_empty() {
            return Err(Error::invalid_field("code", "请输入短信验证码"));
        }
        sms::check_code(&self.access, &phone, PURPOSE, code).await?;
        Ok(self.as_patient(phone))
    }

    /// Opens a session for a patient who proved their phone; returns the cookie token.
    async fn open_session(&self, p: &Patient) -> Result<String> {
        let phone = p.access.actor().proven_phone().ok_or_else(Error::forbidden)?;
        let token = hops_platform::crypto::random_token(32);
        let token_hash = hops_platform::crypto::sha256_hex(&token);
        let sealed = p.access.seal(SESSION_PHONE, &token_hash, phone.as_str(), phone.masked());
        let now = p.access.now();
        let mut tx = p.access.tenant().write().await?;
        store::insert(&mut tx, &token_hash, &sealed, now, now.plus_seconds(SESSION_HOURS * 3600)).await?;
        p.access.audit(&mut tx, "checkup.h5.identify", &format!("phone:{}", phone.masked()), "短信验证通过").await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Signs a patient in with their phone and its code (to see their bookings); returns the
    /// cookie token.
    pub async fn sign_in(&self, phone: &str, code: &str) -> Result<String> {
        let p = self.prove(phone, code).await?;
        self.open_session(&p).await
    }

    /// Checks the code sent to the booking's phone and books as that phone. Only a booking made
    /// opens a session: a refused attempt (rules, an identity on file with another phone,
    /// capacity, …) signs nobody in.
    pub async fn identify_and_book(&self, r: &BookingRequest, code: &str) -> Result<Identified> {
        let today = self.access.now().local_day();
        IdCardNumber::parse(r.id_number.trim(), today).map_err(|e| Error::invalid_field("person.id_number", e.to_string()))?;
        let p = self.prove(&r.phone, code).await?;
        match booking::book(&p.access, r).await? {
            Ok(booked) => Ok(Identified::Booked { token: self.open_session(&p).await?, booked: Box::new(booked) }),
            Err(refusal) => Ok(Identified::Refused(refusal)),
        }
    }

    /// The patient of a cookie token, if the session is alive.
    pub async fn patient(&self, token: &str) -> Result<Option<Patient>> {
        let token_hash = hops_platform::crypto::sha256_hex(token);
        let found = {
            let mut c = self.access.tenant().read().await?;
            store::find(&mut c, &token_hash, self.access.now()).await?
        };
        let Some(enc) = found else { return Ok(None) };
        let clear = self.access.reveal(SESSION_PHONE, &token_hash, &enc)?;
        let phone = Phone::parse(&clear).map_err(|e| Error::Internal(anyhow::anyhow!("stored session phone: {e}")))?;
        Ok(Some(self.as_patient(phone)))
    }

    /// Ends a patient's session.
    pub async fn sign_out(&self, token: &str) -> Result<()> {
        let mut tx = self.access.tenant().write().await?;
        store::delete(&mut tx, &hops_platform::crypto::sha256_hex(token), self.access.now()).await?;
        tx.commit().await?;
        Ok(())
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

    pub async fn refund(&self, p: &Patient, id: i64) -> Result<BookingRow> {
        crate::payment::service::refund(&p.access, id, "受检人在线申请退款").await
    }

    pub async fn reschedule(&self, p: &Patient, id: i64, date: &str) -> Result<BookingRow> {
        booking::reschedule(&p.access, id, date).await
    }

    /// Starts paying one of the patient's bookings; returns the address of the payment page.
    pub async fn pay(&self, p: &Patient, id: i64, ip: &str) -> Result<String> {
        let back = format!("/p/{}/checkup/orders/{id}", self.code);
        crate::payment::service::start_wechat(&p.access, id, ip, &back).await
    }
}
