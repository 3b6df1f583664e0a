//! The employer contact's side of the H5 pages (团检代预约, issue 4 item 7): a contact proves
//! their phone with an SMS code; the session (the platform's patient login, kind contact) is
//! bound to that phone, and at every request
//! reaches exactly the employers whose contact phone it is (in this hospital). The contact sees
//! their lists with progress and books a listed person's card on their behalf; the person's
//! numbers are read here from the list and never leave the server.

use std::collections::BTreeMap;

use hops_kernel::{LocalDay, Phone};
use hops_platform::db::{Conn, Scoped};
use hops_platform::patient::service::parse_phone;
use hops_platform::patient::{Kind, SignInKind, Signed, SignedIn};
use hops_platform::{Error, Result};

use super::{Site, group_store};
use crate::booking::service::{self as booking, Booked, BookingRequest, PHONE_CONTEXT, Refusal};
use crate::capacity::model::Channel;
use crate::catalogue::model::{Selection, validate};
use crate::group::Employer;
use crate::group::model::{Plan, Progress, Split, split};
use crate::group::service::{EMPLOYEE_ID_NUMBER, EMPLOYEE_PHONE, Tracked, tracked};
use crate::group::store as group_db;
pub use group_store::GroupBooking;

/// The purpose of the contact's SMS codes (limits per phone are the platform's).
pub const PURPOSE: &str = "checkup.group_contact";

/// Contacts sign in through the platform's patient login, as their own kind of session, on
/// the group portal's sign-in page.
pub struct AsContact;

impl SignInKind for AsContact {
    const KIND: Kind = Kind::Contact;
    fn sign_in(site: &hops_platform::patient::Site, _next: &str) -> String {
        format!("{}/checkup/group", site.home())
    }
}

/// A page of the group portal with a contact's session.
pub type ContactPage = SignedIn<AsContact>;

/// A signed-in contact: access as the phone they proved, and the employers it is the contact
/// phone of.
pub struct Contact {
    pub access: hops_platform::Access,
    pub employers: Vec<Employer>,
}

impl Contact {
    /// One of the contact's employers; any other is "not found" (never "not yours").
    pub fn employer(&self, code: &str) -> Result<&Employer> {
        self.employers.iter().find(|e| e.code == code).ok_or_else(|| Error::not_found("团检单位"))
    }
}

/// An employer with its progress counts and how many it lists.
pub struct Overview {
    pub employer: Employer,
    pub counts: BTreeMap<Progress, usize>,
    pub listed: usize,
}

/// An employer's list as the contact sees it (numbers masked).
pub struct Roster {
    pub employer: Employer,
    pub people: Vec<Tracked>,
    pub counts: BTreeMap<Progress, usize>,
    /// The booking that holds places (or is done) per listed person.
    pub bookings: BTreeMap<i64, GroupBooking>,
    /// The employer's cards by code.
    pub plans: BTreeMap<String, Plan>,
}

/// One listed person with what the contact may book for them.
pub struct Person {
    pub employer: Employer,
    pub person: Tracked,
    pub plan: Plan,
    pub package_name: String,
    pub booking: Option<GroupBooking>,
    /// Who pays what for the card's package (`None`: the package is gone from the catalogue).
    pub split: Option<Split>,
    /// Bookable dates within the employer's window with the places left for this card.
    pub days: Vec<(LocalDay, i64)>,
    /// How long an unpaid booking is held for the person to pay their part.
    pub hold_minutes: i64,
}

impl Site {
    /// Sends a sign-in code to `phone`, whoever's it is: whether it is a contact's phone shows
    /// only to someone who can read the code.
    pub async fn contact_send_code(&self, phone: &str, caller: &str) -> Result<()> {
        let phone = parse_phone(phone, "phone")?;
        self.0.send_code(&phone, PURPOSE, caller).await
    }

    /// Checks the code and signs the contact in (a session of the contact kind); returns the
    /// cookie token. A phone that is no employer's contact is refused after the code (403
    /// `not_contact`), and no session made.
    pub async fn contact_sign_in(&self, phone: &str, code: &str) -> Result<String> {
        let phone = parse_phone(phone, "phone")?;
        self.0.prove(&phone, PURPOSE, code).await?;
        let employers = self.employers_of(&phone).await?;
        if employers.is_empty() {
            return Err(Error::client(403, "not_contact", "该手机号不是本院团检单位的联系人，不能代预约。如有疑问请联系体检中心。"));
        }
        let names = employers.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join("、");
        self.0.open(Kind::Contact, &phone, &format!("短信验证码；团检单位：{names}")).await
    }

    async fn employers_of(&self, phone: &Phone) -> Result<Vec<Employer>> {
        let bidx = self.access.blind_index(PHONE_CONTEXT, phone.as_str());
        Ok(group_db::employers_of_contact(&mut self.access.tenant().read().await?, &bidx).await?)
    }

    /// The contact of a live contact session, if the phone is still some employer's contact
    /// phone (checked at every request).
    pub async fn contact(&self, signed: &Signed) -> Result<Option<Contact>> {
        let employers = self.employers_of(&signed.phone).await?;
        Ok((!employers.is_empty()).then(|| Contact { access: signed.access.clone(), employers }))
    }

    /// The contact's employers with their progress.
    pub async fn contact_overview(&self, contact: &Contact) -> Result<Vec<Overview>> {
        let mut c = self.access.tenant().read().await?;
        let mut out = Vec::with_capacity(contact.employers.len());
        for e in &contact.employers {
            let (employer, people, counts) = tracked(&mut c, &e.code).await?;
            out.push(Overview { employer, counts, listed: people.len() });
        }
        Ok(out)
    }

    /// The list of one of the contact's employers.
    pub async fn contact_roster(&self, contact: &Contact, employer: &str) -> Result<Roster> {
        let e = contact.employer(employer)?;
        let mut c = self.access.tenant().read().await?;
        let (employer, people, counts) = tracked(&mut c, &e.code).await?;
        let bookings = group_store::bookings_of_employer(&mut c, &e.code).await?.into_iter().map(|b| (b.employee_id, b)).collect();
        let plans = group_db::plans(&mut c, &e.code).await?.into_iter().map(|p| (p.code.clone(), p)).collect();
        Ok(Roster { employer, people, counts, bookings, plans })
    }

    /// A listed person of one of the contact's employers with their card (404 for anyone else:
    /// a person of another employer or hospital is "not found", never "not yours").
    async fn listed_of<C: Conn>(&self, c: &mut Scoped<C>, contact: &Contact, id: i64) -> Result<(Employer, Tracked, Plan)> {
        for e in &contact.employers {
            let (employer, people, _) = tracked(c, &e.code).await?;
            if let Some(t) = people.into_iter().find(|t| t.person.id == id) {
                let plan = group_db::plans(c, &employer.code)
                    .await?
                    .into_iter()
                    .find(|p| p.code == t.person.plan)
                    .ok_or_else(|| Error::conflict("no_card", "该受检人的体检卡已不存在，请联系体检中心"))?;
                return Ok((employer, t, plan));
            }
        }
        Err(Error::not_found("受检人"))
    }

    /// A listed person of one of the contact's employers, their card, booking and the dates
    /// they can be booked on.
    pub async fn contact_person(&self, contact: &Contact, id: i64) -> Result<Person> {
        let mut c = self.access.tenant().read().await?;
        let (employer, person, plan) = self.listed_of(&mut c, contact, id).await?;
        let booking = group_store::bookings_of_employer(&mut c, &employer.code).await?.into_iter().find(|b| b.employee_id == id);
        let discounts = group_db::discounts(&mut c, &employer).await?;
        drop(c);
        let cat = crate::catalogue::service::load(&self.access).await?;
        let package_name = cat.packages.get(&plan.package).map_or_else(|| plan.package.clone(), |p| p.name.clone());
        let selection = Selection { package: plan.package.clone(), add: Vec::new(), remove: Vec::new() };
        let split = validate(&cat, &selection, None).ok().map(|priced| split(&priced, &plan, &discounts));
        let days = self.group_days(&employer, &plan.package).await?;
        let hold_minutes = crate::capacity::service::settings(&self.access).await?.hold_minutes;
        Ok(Person { employer, person, plan, package_name, booking, split, days, hold_minutes })
    }

    /// Dates from tomorrow within the employer's window (30 days without one, at most 93),
    /// closed dates left out, with the places left for a group booking of `package` under this
    /// employer (its group pool and the scarce resources of the package's items).
    async fn group_days(&self, e: &Employer, package: &str) -> Result<Vec<(LocalDay, i64)>> {
        let today = self.access.now().local_day();
        let (mut from, mut to) = (today.plus_days(1), today.plus_days(30));
        if let Some((a, b)) = e.window {
            from = from.max(a);
            to = b.min(today.plus_days(crate::booking::model::MAX_DAYS_AHEAD));
        }
        to = to.min(from.plus_days(92));
        if to < from {
            return Ok(Vec::new());
        }
        let channel = Channel::Group(e.code.clone());
        let days = crate::capacity::service::availability_for(&self.access, from, to, package, &channel).await?;
        Ok(days.into_iter().filter(|d| !d.closed).map(|d| (d.day, d.remaining)).collect())
    }

    /// Books a listed person's card on `date` for them: pool `group`, their employer, their
    /// name and numbers from the list, booked by the contact. `request` makes a repeated
    /// submission book nothing twice. Refusals (capacity, window, duplicate, rules) change
    /// nothing.
    pub async fn contact_book(
        &self,
        contact: &Contact,
        id: i64,
        date: &str,
        request: &str,
    ) -> Result<std::result::Result<Booked, Refusal>> {
        let ((e, person, plan), (id_enc, phone_enc)) = {
            let mut c = self.access.tenant().read().await?;
            let found = self.listed_of(&mut c, contact, id).await?;
            let sealed = group_db::sealed_numbers(&mut c, id).await?.ok_or_else(|| Error::not_found("受检人"))?;
            (found, sealed)
        };
        if LocalDay::parse(date.trim()).is_err() {
            return Err(Error::invalid_field("date", "请选择体检日期"));
        }
        let contact_name = e.contact_name.trim();
        let request = BookingRequest {
            package: plan.package.clone(),
            date: date.trim().to_string(),
            pool: "group".into(),
            employer: Some(e.code.clone()),
            booked_by: if contact_name.is_empty() { "单位联系人".into() } else { format!("单位联系人 {contact_name}") },
            name: person.person.name.clone(),
            id_number: self.access.reveal(EMPLOYEE_ID_NUMBER, id, &id_enc)?,
            phone: self.access.reveal(EMPLOYEE_PHONE, id, &phone_enc)?,
            idempotency_key: (!request.is_empty() && request.len() <= 60).then(|| format!("group-h5-{request}")),
            ..Default::default()
        };
        let outcome = booking::book(&contact.access, &request).await?;
        if let Ok(b) = &outcome
            && b.created
        {
            let mut tx = contact.access.tenant().write().await?;
            let detail = format!("{} 为 {}（{}）代预约 {}", request.booked_by, request.name, person.person.id_number_masked, b.booking.day);
            contact.access.audit(&mut tx, "checkup.group.proxy_book", &format!("checkup_booking:{}", b.booking.id), &detail).await?;
            tx.commit().await?;
        }
        Ok(outcome)
    }
}
