//! The patient side (H5 pages in WeChat's browser): a person proves their phone with an SMS
//! code and is then bound to their identity number for the session; they book for themselves,
//! pay, and see, cancel or refund only their own bookings. Patients are not console users: the
//! use cases here check the binding, then act for the hospital through the booking and payment
//! services.

pub mod group;
pub mod group_store;
pub mod store;

use std::sync::Arc;

use hops_kernel::{HospitalId, IdCardNumber, Phone};
use hops_platform::{Access, Core, Error, Result, sms};

use crate::booking::service::{self as booking, Booked, BookingRequest, ID_CONTEXT, PHONE_CONTEXT, Refusal};
use crate::booking::store::{BookingRow, ListedBooking};

/// How long a patient stays signed in on the H5 pages.
pub const SESSION_HOURS: i64 = 12;
const PURPOSE: &str = "checkup.identify";

/// A hospital's H5 pages: the hospital, and acting for it.
pub struct Site {
    pub access: Access,
    pub code: String,
    pub name: String,
}

/// Finds the hospital of an H5 address (`/p/{code}/checkup`).
pub async fn site(core: &Arc<Core>, code: &str) -> Result<Site> {
    let h = hops_platform::accounts::service::hospital_by_code(core, code).await?.ok_or_else(|| Error::not_found("医院"))?;
    Ok(Site { access: core.act_as_system(HospitalId(h.id.0)), code: h.code, name: h.name })
}

/// A signed-in patient: the identity they proved.
pub struct Patient {
    pub id_number_bidx: String,
}

impl Site {
    fn bidx(&self, context: &str, value: &str) -> String {
        self.access.keyring().blind_index(context, self.access.hospital().0, value)
    }

    /// Sends the identification code to `phone`.
    pub async fn send_code(&self, phone: &str, caller: &str) -> Result<()> {
        let phone = Phone::parse(phone).map_err(|e| Error::invalid_field("person.phone", e.to_string()))?;
        sms::send_code(&self.access, &phone, PURPOSE, caller).await
    }

    /// Checks the code sent to the booking's phone, signs the person in (returns the cookie
    /// token) and books. The person stays signed in when the booking itself is refused.
    pub async fn identify_and_book(&self, r: &BookingRequest, code: &str) -> Result<(String, std::result::Result<Booked, Refusal>)> {
        let today = self.access.now().local_day();
        let id = IdCardNumber::parse(r.id_number.trim(), today).map_err(|e| Error::invalid_field("person.id_number", e.to_string()))?;
        let phone = Phone::parse(&r.phone).map_err(|e| Error::invalid_field("person.phone", e.to_string()))?;
        if code.trim().is_empty() {
            return Err(Error::invalid_field("code", "请输入短信验证码"));
        }
        sms::check_code(&self.access, &phone, PURPOSE, code).await?;
        let token = hops_platform::crypto::random_token(32);
        let now = self.access.now();
        let mut tx = self.access.tenant().write().await?;
        store::insert(
            &mut tx,
            &hops_platform::crypto::sha256_hex(&token),
            &self.bidx(ID_CONTEXT, id.as_str()),
            &self.bidx(PHONE_CONTEXT, phone.as_str()),
            now,
            now.plus_seconds(SESSION_HOURS * 3600),
        )
        .await?;
        self.access.audit(&mut tx, "checkup.h5.identify", &format!("phone:{}", phone.masked()), "短信验证通过").await?;
        tx.commit().await?;
        let outcome = booking::book(&self.access, r).await?;
        Ok((token, outcome))
    }

    /// The patient of a cookie token, if the session is alive.
    pub async fn patient(&self, token: &str) -> Result<Option<Patient>> {
        let mut c = self.access.tenant().read().await?;
        let found = store::find(&mut c, &hops_platform::crypto::sha256_hex(token), self.access.now()).await?;
        Ok(found.map(|id_number_bidx| Patient { id_number_bidx }))
    }

    /// The patient's bookings, newest first.
    pub async fn my_bookings(&self, p: &Patient) -> Result<Vec<ListedBooking>> {
        let mut c = self.access.tenant().read().await?;
        Ok(store::bookings_of(&mut c, &p.id_number_bidx).await?)
    }

    /// One of the patient's bookings (404 for anyone else's).
    pub async fn my_booking(&self, p: &Patient, id: i64) -> Result<ListedBooking> {
        self.my_bookings(p).await?.into_iter().find(|b| b.booking.id == id).ok_or_else(|| Error::not_found("预约"))
    }

    /// One of the patient's bookings with its items (code, price, source code).
    pub async fn my_booking_items(&self, p: &Patient, id: i64) -> Result<(ListedBooking, Vec<(String, hops_kernel::Money, String)>)> {
        let b = self.my_booking(p, id).await?;
        let mut c = self.access.tenant().read().await?;
        Ok((b, crate::booking::store::items_of(&mut c, id).await?))
    }

    pub async fn cancel(&self, p: &Patient, id: i64) -> Result<BookingRow> {
        self.my_booking(p, id).await?;
        booking::cancel(&self.access, id).await
    }

    pub async fn refund(&self, p: &Patient, id: i64, origin: &str) -> Result<BookingRow> {
        self.my_booking(p, id).await?;
        crate::payment::service::refund(&self.access, id, "受检人在线申请退款", origin).await
    }

    pub async fn reschedule(&self, p: &Patient, id: i64, date: &str) -> Result<BookingRow> {
        self.my_booking(p, id).await?;
        booking::reschedule(&self.access, id, date).await
    }

    /// Starts paying one of the patient's bookings; returns the address of the payment page.
    pub async fn pay(&self, p: &Patient, id: i64, gw: &crate::payment::gateway::Gateway, origin: &str, ip: &str) -> Result<String> {
        self.my_booking(p, id).await?;
        let back = format!("{origin}/p/{}/checkup/orders/{id}", self.code);
        crate::payment::service::start_wechat(&self.access, gw, origin, id, ip, &back).await
    }
}
