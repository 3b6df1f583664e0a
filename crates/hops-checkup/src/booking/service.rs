//! Use cases of bookings: book (validate the selection for the verified person, take every
//! pool it needs in one transaction, hold the places until payment), cancel, reschedule, and
//! let unpaid holds expire through the job queue.

use hops_contracts::checkup::{Bookings, CompletedCheckup, PersonBooking};
use hops_kernel::{IdCardNumber, LocalDay, Money, PersonId, Phone};
use hops_platform::crypto::Field;
use hops_platform::jobs::{self, BoxFuture, Enqueue, Job, JobRun};
use hops_platform::people::model::Person as PlatformPerson;
use hops_platform::people::service as people;
use hops_platform::{Access, Error, FieldError, Permission, Result, Tx, Visitor, db};
use serde::{Deserialize, Serialize};

use super::model::{self, Person, Status};
use super::store::{self, BookingRow};
use crate::capacity::model::{Channel, PoolKey, pools_for};
use crate::capacity::service as capacity;
use crate::catalogue::model::{Catalogue, Selection, Violation, validate};
use crate::group::model as group_model;
use crate::group::service as group;

/// The blind-index namespace of identity numbers on employers' lists (a booking finds its
/// listed person by it). A checkup person's own numbers are their person's
/// (`hops_platform::people`).
pub const ID_CONTEXT: &str = "checkup_persons.id_number";
/// Likewise for phones on employers' lists and of employer contacts (and patients' H5
/// sessions).
pub const PHONE_CONTEXT: &str = "checkup_persons.phone";
/// Where checkup persons' identity numbers were kept before they became their person's
/// (migration 0042 dropped the column): read once at start-up by
/// `hops_platform::people::adopt`, and by the re-encryption of older installations before it.
pub const PERSON_ID_NUMBER: Field = Field::new("checkup_persons", "id_number_enc", ID_CONTEXT);
/// Likewise for checkup persons' phones.
pub const PERSON_PHONE: Field = Field::new("checkup_persons", "phone_enc", PHONE_CONTEXT);

/// The job that lets an unpaid booking's places go when its hold runs out.
pub const EXPIRE_HOLD_JOB: &str = "checkup.expire_hold";

/// A booking request as it arrives (text fields are checked here).
#[derive(Clone, Debug, Default)]
pub struct BookingRequest {
    pub package: String,
    pub add_items: Vec<String>,
    pub remove_items: Vec<String>,
    pub date: String,
    /// `individual`, `vip` or `group`.
    pub pool: String,
    /// The employer of a group booking.
    pub employer: Option<String>,
    /// The group card of a group booking (names the employer too).
    pub group_card: Option<String>,
    /// Who books on the person's behalf (an employer contact), empty when they book themselves.
    pub booked_by: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub married: Option<bool>,
    /// The client's `Idempotency-Key`.
    pub idempotency_key: Option<String>,
}

impl BookingRequest {
    /// A fingerprint of what is asked (an idempotency key re-used for another request is refused).
    fn fingerprint(&self) -> String {
        let text = format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}|{:?}|{}",
            self.package,
            self.add_items.join(","),
            self.remove_items.join(","),
            self.date,
            self.pool,
            self.employer.as_deref().unwrap_or(""),
            self.name,
            self.id_number,
            self.phone,
            self.married,
            self.group_card.as_deref().unwrap_or("")
        );
        hops_platform::crypto::sha256_hex(&text)
    }
}

/// Why a booking was not made, beyond the platform's errors.
#[derive(Debug)]
pub enum Refusal {
    /// The selection breaks the catalogue's rules (every violation).
    Rules(Vec<Violation>),
}

/// The result of a booking request: the booking, and whether it was made by this request
/// (false: an earlier request with the same idempotency key made it).
pub struct Booked {
    pub booking: BookingRow,
    pub created: bool,
}

fn parse_request(r: &BookingRequest, today: LocalDay) -> std::result::Result<(Person, LocalDay, Channel), Vec<FieldError>> {
    let mut fields = Vec::new();
    let name = model::check_name(&r.name).map_err(|e| fields.push(FieldError::new("person.name", e))).ok();
    let id_number =
        IdCardNumber::parse(r.id_number.trim(), today).map_err(|e| fields.push(FieldError::new("person.id_number", e.to_string()))).ok();
    let phone = Phone::parse(&r.phone).map_err(|e| fields.push(FieldError::new("person.phone", e.to_string()))).ok();
    let day = match LocalDay::parse(r.date.trim()) {
        Ok(d) => model::check_day(d, today).map(|_| d).map_err(|e| fields.push(FieldError::new("date", e))).ok(),
        Err(_) => {
            fields.push(FieldError::new("date", "日期格式应为 YYYY-MM-DD"));
            None
        }
    };
    let employer = r.employer.as_deref().map(str::trim).filter(|e| !e.is_empty());
    let card = r.group_card.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let channel = match (r.pool.trim(), employer.or(card.map(|_| ""))) {
        ("individual" | "", _) if card.is_none() => Some(Channel::Individual),
        ("vip", _) if card.is_none() => Some(Channel::Vip),
        ("individual" | "" | "vip", _) => {
            fields.push(FieldError::new("group_card", "团检卡只用于团检预约（pool 为 group）"));
            None
        }
        // The employer code; empty when only the card names it.
        ("group", Some(e)) => Some(Channel::Group(e.to_string())),
        ("group", None) => {
            fields.push(FieldError::new("employer", "团检预约须指定单位或团检卡"));
            None
        }
        _ => {
            fields.push(FieldError::new("pool", "号源类型应为 individual、vip 或 group"));
            None
        }
    };
    if r.package.trim().is_empty() && !matches!(channel, Some(Channel::Group(_))) {
        fields.push(FieldError::new("package", "请选择套餐"));
    }
    if r.idempotency_key.as_ref().is_some_and(|k| k.is_empty() || k.len() > 100) {
        fields.push(FieldError::new("idempotency_key", "Idempotency-Key 须为 1–100 个字符"));
    }
    match (name, id_number, phone, day, channel) {
        (Some(name), Some(id_number), Some(phone), Some(day), Some(channel)) if fields.is_empty() => {
            Ok((Person { name, id_number, phone, married: r.married }, day, channel))
        }
        _ => Err(fields),
    }
}

/// What can be checked of an individual booking request before anything is proved or taken:
/// its fields (every problem at once), then its selection for the person the identity number
/// names (sex, age on the day, the marital status given). The patient pages check it before
/// spending the SMS code, so a refused request costs the patient nothing.
pub fn precheck(cat: &Catalogue, r: &BookingRequest, today: LocalDay) -> Result<std::result::Result<(), Refusal>> {
    let (person, day, _) = parse_request(r, today).map_err(Error::invalid)?;
    let selection = Selection { package: r.package.trim().to_string(), add: r.add_items.clone(), remove: r.remove_items.clone() };
    Ok(validate(cat, &selection, Some(&person.profile(day))).map(|_| ()).map_err(Refusal::Rules))
}

/// Who books, which decides what happens to a person already on file.
enum Booker {
    /// Staff (or the system): may change a person's stored phone; the change is audited.
    Staff,
    /// A patient for themselves: the phone must be the one they proved, and a person on file
    /// is booked only when their stored phone is that phone.
    Patient(Phone),
    /// An employer contact for a listed person: a stored phone is kept as it is.
    Contact,
}

fn booker(access: &Access) -> Result<Booker> {
    match &access.actor().visitor {
        None => access.require(Permission::CheckupBook).map(|_| Booker::Staff),
        Some(Visitor::Patient(phone)) => access.require(Permission::CheckupSelfService).map(|_| Booker::Patient(*phone)),
        Some(Visitor::Contact(_)) => access.require(Permission::CheckupProxyBook).map(|_| Booker::Contact),
        Some(Visitor::Anonymous) => Err(Error::forbidden()),
    }
}

/// Refusal of a patient whose identity number is on file with another phone. It says no more
/// than needed: whoever typed the number proved only their own phone.
fn not_your_phone() -> Error {
    Error::client(
        403,
        "phone_mismatch",
        "该身份证号已登记的手机号与本次验证的手机号不一致，不能预约或查看。请使用登记的手机号验证；如需更换手机号，请联系体检中心。",
    )
}

/// Whether the actor may act on booking `id`: staff (or the system) holding `staff`, or a
/// patient whose proven phone is the stored phone of the booking's person. Anyone else's
/// booking is "not found", never "not yours".
pub async fn authorize(access: &Access, id: i64, staff: Permission) -> Result<()> {
    let proven = match &access.actor().visitor {
        None => {
            access.require(staff)?;
            None
        }
        Some(Visitor::Patient(phone)) => {
            access.require(Permission::CheckupSelfService)?;
            Some(people::phone_index(access, phone))
        }
        Some(_) => return Err(Error::forbidden()),
    };
    let mut c = access.tenant().read().await?;
    match (store::person_phone_bidx_of_booking(&mut c, id).await?, proven) {
        (Some(_), None) => Ok(()),
        (Some(Some(stored)), Some(proven)) if stored == proven => Ok(()),
        _ => Err(Error::not_found("预约")),
    }
}

/// A patient's own bookings: those whose person's stored phone is the proven phone, newest
/// first.
pub async fn own(access: &Access) -> Result<Vec<store::ListedBooking>> {
    access.require(Permission::CheckupSelfService)?;
    let phone = access.actor().proven_phone().ok_or_else(Error::forbidden)?;
    let bidx = people::phone_index(access, phone);
    let mut c = access.tenant().read().await?;
    Ok(store::list_where(&mut c, "p.phone_bidx = $2", |q| q.bind(bidx), 100, 0).await?)
}

/// The items of a booking (code, price, source code).
pub async fn items(access: &Access, id: i64) -> Result<Vec<(String, Money, String)>> {
    authorize(access, id, Permission::CheckupRead).await?;
    let mut c = access.tenant().read().await?;
    Ok(store::items_of(&mut c, id).await?)
}

/// The checkup person a booking is for, inside the booking's transaction: the role of the
/// person on file with the identity number (brought up to date as the booker may), else a new
/// person and role (`new_role` is its id).
async fn take_person(access: &Access, tx: &mut Tx, booker: &Booker, person: &Person, new_role: i64) -> Result<i64> {
    let on_file = people::on_file_in(access, tx, &person.id_number).await?;
    let mut keep_phone = false;
    if let Some(on_file) = &on_file {
        // Anti-impersonation: an identity number stays bound to the name it was first given with.
        if on_file.name != person.name {
            return Err(Error::invalid_field("person.name", "姓名与该身份证号已登记的姓名不一致，请核对"));
        }
        let new_phone = !on_file.has_phone(access, &person.phone);
        match booker {
            // Whoever typed the number proved only their own phone.
            Booker::Patient(_) if new_phone => return Err(not_your_phone()),
            // The contact books with the list's numbers; the person's own stay as they are.
            Booker::Contact => keep_phone = true,
            Booker::Staff if new_phone => {
                let detail = format!("{} 手机号 {} → {}", person.name, on_file.phone_masked, person.phone.masked());
                access.audit(tx, "checkup.person.contact", &format!("person:{}", on_file.id), &detail).await?;
            }
            Booker::Staff | Booker::Patient(_) => {}
        }
    }
    let given = PlatformPerson {
        name: person.name.clone(),
        sex: person.id_number.sex(),
        birth_date: Some(person.id_number.birth_date()),
        id_number: Some(person.id_number),
        phone: (!keep_phone || on_file.as_ref().is_some_and(|p| p.phone_masked.is_empty())).then_some(person.phone),
    };
    let (person_id, _) = people::upsert_in(access, tx, &given).await?;
    let now = access.now();
    match store::role_of(tx, person_id).await? {
        Some(role) => {
            if let (Some(married), false) = (person.married, matches!(booker, Booker::Contact)) {
                store::set_married(tx, role, married, now).await?;
            }
            Ok(role)
        }
        None => {
            store::insert_role(tx, new_role, person_id, person.married, now).await?;
            Ok(new_role)
        }
    }
}

/// Books a checkup. Errors: 422 `invalid` (fields), 409 `capacity_full`, 409
/// `duplicate_booking`, 422 `idempotency_key_reused`, 403 `phone_mismatch` (a patient whose
/// identity number is on file with another phone); rule violations come back as [`Refusal`].
pub async fn book(access: &Access, r: &BookingRequest) -> Result<std::result::Result<Booked, Refusal>> {
    let booker = booker(access)?;
    let today = access.now().local_day();
    let (person, day, channel) = parse_request(r, today).map_err(Error::invalid)?;
    if let Booker::Patient(proven) = &booker
        && person.phone != *proven
    {
        return Err(Error::invalid_field("person.phone", "请填写本人接收验证码的手机号"));
    }
    let fingerprint = r.fingerprint();
    if let Some(key) = &r.idempotency_key
        && let Some(done) = replay(access, key, &fingerprint).await?
    {
        return Ok(Ok(done));
    }
    let id_bidx = access.blind_index(ID_CONTEXT, person.id_number.as_str());
    let cat = crate::catalogue::service::load(access).await?;
    // A group booking: only for a listed person, under their card, within the window.
    let (channel, terms) = match channel {
        Channel::Group(code) => {
            let mut c = access.tenant().read().await?;
            let t = group::terms(&mut c, &code, r.group_card.as_deref().map(str::trim).filter(|c| !c.is_empty()), &id_bidx, &person.name)
                .await?;
            if let Some((from, to)) = t.employer.window
                && (day < from || day > to)
            {
                return Err(Error::invalid_field("date", format!("{} 的团检预约日期为 {from} 至 {to}", t.employer.name)));
            }
            if !r.package.trim().is_empty() && r.package.trim() != t.plan.package {
                let name = cat.packages.get(&t.plan.package).map_or(t.plan.package.as_str(), |p| p.name.as_str());
                return Err(Error::invalid_field("package", format!("该团检卡的套餐为「{name}」")));
            }
            (Channel::Group(t.employer.code.clone()), Some(t))
        }
        other => (other, None),
    };
    let package_code = terms.as_ref().map_or_else(|| r.package.trim().to_string(), |t| t.plan.package.clone());
    let selection = Selection { package: package_code, add: r.add_items.clone(), remove: r.remove_items.clone() };
    let priced = match validate(&cat, &selection, Some(&person.profile(day))) {
        Ok(p) => p,
        Err(v) => return Ok(Err(Refusal::Rules(v))),
    };
    let package = &cat.packages[&selection.package];
    // Who pays what: the person pays it all, or a group card splits it with the employer.
    let (person_pays, employer_pays) = match &terms {
        Some(t) => {
            let split = group_model::split(&priced, &t.plan, &t.discounts);
            (split.person, split.employer)
        }
        None => (priced.total, Money(0)),
    };
    let pools = pools_for(&channel, &package.code, package.special_pool, &priced.resources);
    let settings = capacity::settings(access).await?;

    capacity::release_vip_if_due(access, day, settings.vip_cutoff_hours).await?;
    let mut tx = access.tenant().write().await?;
    if crate::capacity::store::is_closed(&mut tx, day).await? {
        return Err(Error::conflict("closed", format!("{day} 不开放体检")));
    }
    let now = access.now();
    // The checkup role's id (used if new), the booking's and its expiry job's, in one round trip.
    let ids = tx.next_ids(access.engine(), 3).await?;
    let checkup_person = take_person(access, &mut tx, &booker, &person, ids[0]).await?;
    // A second active booking of the person on the day is refused by the unique active key at
    // the insert below (no query of its own on this hot path).
    // One group booking per listed person (any date), checked in the booking's transaction.
    if let Some(t) = &terms
        && store::listed_holds_booking(&mut tx, t.listed.id).await?
    {
        return Err(Error::conflict("duplicate_booking", "该受检人已有本单位的团检预约，请勿重复预约"));
    }
    let id = ids[1];
    let booking = BookingRow {
        id,
        number: model::number(id),
        person_id: checkup_person,
        package_code: package.code.clone(),
        day,
        channel: match &channel {
            Channel::Individual => "individual",
            Channel::Vip => "vip",
            Channel::Group(_) => "group",
        }
        .to_string(),
        employer_code: match &channel {
            Channel::Group(e) => Some(e.clone()),
            _ => None,
        },
        // Nothing to pay (a group card covers it all): booked at once, no hold.
        status: if person_pays.fen() == 0 { Status::Paid } else { Status::PendingPayment },
        total: person_pays,
        hold_until: (person_pays.fen() > 0).then(|| model::hold_until(now, settings.hold_minutes)),
        idem_key: r.idempotency_key.clone(),
        request_hash: fingerprint.clone(),
        created_by: access.actor().user_id.map(|u| u.0),
        created_at: now,
        employee_id: terms.as_ref().map(|t| t.listed.id),
        employer_pays,
        booked_by: r.booked_by.clone(),
        checked_in_at: None,
        checked_in_by: None,
    };
    if let Err(e) = store::insert_booking(&mut tx, &booking, &priced.items, &pools, now).await {
        if db::is_unique_violation(&e) {
            drop(tx);
            // Another request of the same person and day, or with the same key, got there first.
            if let Some(key) = &r.idempotency_key
                && let Some(done) = replay(access, key, &fingerprint).await?
            {
                return Ok(Ok(done));
            }
            return Err(duplicate(day));
        }
        return Err(e.into());
    }
    if let Some(hold) = booking.hold_until {
        let expire = Enqueue::job::<ExpireHold>(&BookingRef { booking: id }).at(hold);
        jobs::enqueue_as(access, &mut tx, hops_kernel::JobId(ids[2]), expire).await?;
    }
    // Places last, just before the audit entry and the commit: the pool rows stay locked (on
    // PostgreSQL) only for that tail, so concurrent bookings of a date queue as briefly as
    // possible. Running out rolls back everything above.
    if let Some(full) = capacity::take_all(access, &mut tx, day, &pools).await? {
        return Err(capacity_full(&full, day));
    }
    let detail = format!("{} {} {}，{}", booking.number, package.name, day, booking.total);
    access.audit(&mut tx, "checkup.booking.create", &format!("checkup_booking:{id}"), &detail).await?;
    if booking.status == Status::Paid {
        // Nothing to pay (a group card covers it): paid as booked.
        publish_paid(access, &mut tx, &booking, Money(0)).await?;
    }
    tx.commit().await?;
    Ok(Ok(Booked { booking, created: true }))
}

fn duplicate(day: LocalDay) -> Error {
    Error::conflict("duplicate_booking", format!("该受检人在 {day} 已有预约，请勿重复预约"))
}

fn capacity_full(pool: &PoolKey, day: LocalDay) -> Error {
    let what = if pool.key.is_empty() { pool.kind.label_zh().to_string() } else { format!("{}（{}）", pool.kind.label_zh(), pool.key) };
    Error::conflict("capacity_full", format!("{day} 的{what}号源已约满，请选择其他日期"))
}

/// The booking an earlier request with this idempotency key made, if any.
async fn replay(access: &Access, key: &str, fingerprint: &str) -> Result<Option<Booked>> {
    let mut c = access.tenant().read().await?;
    match store::booking_by_idem_key(&mut c, key).await? {
        Some(b) if b.request_hash == fingerprint => Ok(Some(Booked { booking: b, created: false })),
        Some(_) => Err(Error::client(422, "idempotency_key_reused", "该 Idempotency-Key 已用于另一个预约请求")),
        None => Ok(None),
    }
}

pub async fn get(access: &Access, id: i64) -> Result<BookingRow> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    store::booking(&mut c, id).await?.ok_or_else(|| Error::not_found("预约"))
}

/// Cancels an unpaid booking and gives its places back.
pub async fn cancel(access: &Access, id: i64) -> Result<BookingRow> {
    authorize(access, id, Permission::CheckupBook).await?;
    end(access, id, Status::Cancelled, "checkup.booking.cancel").await
}

/// Ends a booking that holds places (cancel, expiry): status, places back, audit.
async fn end(access: &Access, id: i64, to: Status, action: &str) -> Result<BookingRow> {
    let mut tx = access.tenant().write().await?;
    let b = end_in(access, &mut tx, id, to, action).await?;
    tx.commit().await?;
    Ok(b)
}

/// [`end`] inside the caller's transaction.
async fn end_in(access: &Access, tx: &mut Tx, id: i64, to: Status, action: &str) -> Result<BookingRow> {
    let b = store::booking(tx, id).await?.ok_or_else(|| Error::not_found("预约"))?;
    let allowed = match to {
        Status::Cancelled => b.can_cancel(),
        Status::Expired => b.status == Status::PendingPayment,
        _ => false,
    };
    if !allowed {
        let hint = if b.status == Status::Paid { "，已支付的预约请申请退款" } else { "" };
        return Err(Error::conflict(
            "invalid_status",
            format!("预约当前为“{}”，不能{}{hint}", b.status.label_zh(), to.label_zh().trim_start_matches('已')),
        ));
    }
    let step = if to == Status::Cancelled { model::Action::Cancel } else { model::Action::Expire };
    if !super::history::change(access, tx, id, b.status, step, "").await? {
        return Err(Error::conflict("invalid_status", "预约状态已变化，请刷新后重试"));
    }
    let pools = store::pools_of(tx, id).await?;
    capacity::give_back_all(access, tx, b.day, &pools).await?;
    access.audit(tx, action, &format!("checkup_booking:{id}"), &format!("{} {}", b.number, b.day)).await?;
    Ok(BookingRow { status: to, ..b })
}

/// The booking a job is about.
#[derive(Serialize, Deserialize)]
pub struct BookingRef {
    booking: i64,
}

/// Lets an unpaid booking's places go when its hold runs out; does nothing to a booking paid,
/// cancelled or rescheduled meanwhile (so running twice is harmless).
pub struct ExpireHold;

impl Job for ExpireHold {
    const KIND: &'static str = EXPIRE_HOLD_JOB;
    const LABEL: &'static str = "释放超时未付的预约";
    type Payload = BookingRef;
    fn run<'a>(&'a self, job: &'a mut JobRun, p: BookingRef) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let (access, tx) = job.tx().await?;
            let b = store::booking(tx, p.booking).await?;
            if b.is_some_and(|b| b.status == Status::PendingPayment && b.hold_until.is_some_and(|t| t <= access.now())) {
                end_in(access, tx, p.booking, Status::Expired, "checkup.booking.expire").await?;
            }
            Ok(())
        })
    }
}

/// Moves a booking to another date: the places of the new date are taken and the old ones
/// given back in one transaction, or nothing changes.
pub async fn reschedule(access: &Access, id: i64, date: &str) -> Result<BookingRow> {
    authorize(access, id, Permission::CheckupBook).await?;
    let today = access.now().local_day();
    let day = LocalDay::parse(date.trim()).map_err(|_| Error::invalid_field("date", "日期格式应为 YYYY-MM-DD"))?;
    model::check_day(day, today).map_err(|e| Error::invalid_field("date", e))?;
    let settings = capacity::settings(access).await?;
    capacity::release_vip_if_due(access, day, settings.vip_cutoff_hours).await?;
    let mut tx = access.tenant().write().await?;
    let b = store::booking(&mut tx, id).await?.ok_or_else(|| Error::not_found("预约"))?;
    if !b.status.can_reschedule() {
        return Err(Error::conflict("invalid_status", format!("预约当前为“{}”，不能改约", b.status.label_zh())));
    }
    if b.day == day {
        return Err(Error::invalid_field("date", "新日期与原预约日期相同"));
    }
    check_still_valid(&mut tx, &b, day).await?;
    if crate::capacity::store::is_closed(&mut tx, day).await? {
        return Err(Error::conflict("closed", format!("{day} 不开放体检")));
    }
    if store::holds_day(&mut tx, b.person_id, day, Some(id)).await? {
        return Err(duplicate(day));
    }
    let pools = store::pools_of(&mut tx, id).await?;
    if let Some(full) = capacity::take_all(access, &mut tx, day, &pools).await? {
        return Err(capacity_full(&full, day));
    }
    capacity::give_back_all(access, &mut tx, b.day, &pools).await?;
    let now = access.now();
    store::move_day(&mut tx, &b, day, now).await?;
    store::set_pools(&mut tx, id, day, &pools).await?;
    access
        .audit(&mut tx, "checkup.booking.reschedule", &format!("checkup_booking:{id}"), &format!("{} {} → {day}", b.number, b.day))
        .await?;
    tx.commit().await?;
    Ok(BookingRow { day, ..b })
}

/// Bookings by date and status, or by order number; people masked.
pub async fn list(
    access: &Access,
    day: Option<LocalDay>,
    status: Option<Status>,
    number: &str,
    paging: hops_platform::web::Paging,
) -> Result<(Vec<store::ListedBooking>, i64)> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::list(&mut c, day, status, number, paging.offset(), paging.per_page).await?)
}

/// Whether a booking may move to `day`: within its employer's window, and its package and
/// items still fit the person on that day (age changes with the date).
async fn check_still_valid(tx: &mut hops_platform::Tx, b: &BookingRow, day: LocalDay) -> Result<()> {
    if let Some(code) = &b.employer_code
        && let Some(e) = crate::group::store::employers(tx).await?.into_iter().find(|e| e.code == *code)
        && let Some((from, to)) = e.window
        && (day < from || day > to)
    {
        return Err(Error::invalid_field("date", format!("{} 的团检预约日期为 {from} 至 {to}", e.name)));
    }
    let cat = crate::catalogue::store::catalogue(tx).await?;
    let items = store::items_of(tx, b.id).await?;
    let (sex, birth, married) = store::person_profile(tx, b.person_id).await?.ok_or_else(|| Error::not_found("受检人"))?;
    let package_items = cat.packages.get(&b.package_code).map(|p| p.items.clone()).unwrap_or_default();
    let selection = Selection {
        package: b.package_code.clone(),
        add: items.iter().filter(|(_, _, src)| src == "added").map(|(c, _, _)| c.clone()).collect(),
        remove: package_items.iter().filter(|c| !items.iter().any(|(i, _, _)| i == *c)).cloned().collect(),
    };
    let profile = crate::catalogue::model::Profile {
        sex: hops_kernel::Sex::from_code(&sex).unwrap_or(hops_kernel::Sex::Female),
        age: birth.age_on(day),
        married,
    };
    if let Err(v) = validate(&cat, &selection, Some(&profile)) {
        let all: Vec<String> = v.into_iter().map(|v| v.message).collect();
        return Err(Error::client(422, "rule_violation", format!("改约到 {day} 后不符合体检规则：{}", all.join("；"))));
    }
    Ok(())
}

/// The phone number of a booking's person in clear, for staff who must call them (the service
/// desk's follow-up after a checkup). Needs `PersonalUnmask`; every call is audited.
pub async fn reveal_person_phone(access: &Access, booking_id: i64) -> Result<String> {
    access.require(Permission::PersonalUnmask)?;
    let person = {
        let mut c = access.tenant().read().await?;
        store::person_of_booking(&mut c, booking_id).await?.ok_or_else(|| Error::not_found("预约"))?
    };
    let r = people::reveal(access, person, &format!("体检预约 #{booking_id}：查看受检人完整手机号")).await?;
    r.phone.ok_or_else(|| Error::not_found("受检人手机号"))
}

/// Tells other modules that booking `b` was paid `amount`, in the transaction of the payment.
pub(crate) async fn publish_paid(access: &Access, tx: &mut Tx, b: &BookingRow, amount: Money) -> Result<()> {
    let (person, _) = store::person_of(tx, b.person_id).await?.ok_or_else(|| Error::not_found("受检人"))?;
    let paid = hops_contracts::checkup::BookingPaid { booking: b.id, person: person.0, day: b.day.0, amount_fen: amount.fen() };
    jobs::publish(access, tx, &paid).await
}

/// Bookings as other modules read them ([`hops_contracts::checkup::Bookings`]).
pub struct BookingsService;

impl Bookings for BookingsService {
    fn completed_on<'a>(
        &'a self,
        access: &'a Access,
        day: LocalDay,
        paging: hops_platform::web::Paging,
    ) -> BoxFuture<'a, Result<(Vec<CompletedCheckup>, i64)>> {
        Box::pin(async move {
            let (rows, total) = list(access, Some(day), Some(Status::Completed), "", paging).await?;
            let done = rows
                .into_iter()
                .map(|b| CompletedCheckup {
                    booking: b.booking.id,
                    number: b.booking.number,
                    person: b.person,
                    day: b.booking.day,
                    name: b.name,
                    phone_masked: b.phone_masked,
                })
                .collect();
            Ok((done, total))
        })
    }

    fn of_person<'a>(&'a self, access: &'a Access, person: PersonId) -> BoxFuture<'a, Result<Vec<PersonBooking>>> {
        Box::pin(async move {
            access.require(Permission::CheckupRead)?;
            let cat = crate::catalogue::service::load(access).await?;
            let mut c = access.tenant().read().await?;
            let rows = store::list_where(&mut c, "p.id = $2", |q| q.bind(person.0), 50, 0).await?;
            Ok(rows
                .into_iter()
                .map(|b| PersonBooking {
                    package: cat.packages.get(&b.booking.package_code).map_or_else(|| b.booking.package_code.clone(), |p| p.name.clone()),
                    booking: b.booking.id,
                    number: b.booking.number,
                    day: b.booking.day,
                    status_label: b.booking.status.label_zh().to_string(),
                })
                .collect())
        })
    }

    fn reveal_phone<'a>(&'a self, access: &'a Access, booking: i64) -> BoxFuture<'a, Result<String>> {
        Box::pin(reveal_person_phone(access, booking))
    }
}
