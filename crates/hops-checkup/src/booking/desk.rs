//! The check-in desk (防替检): on the day, staff verify the person in front of them against the
//! booking — the identity number read from their card must be the booking's — and record who
//! checked them in; once every item is done the booking is completed.

use hops_kernel::IdCardNumber;
use hops_platform::{Access, Error, Permission, Result};

use super::model::{Action, Status};
use super::store::{self, BookingRow};

/// Today's bookings at the desk (paid, checked in, completed), or the one with order number
/// `number`; people masked.
pub async fn today(access: &Access, number: &str, paging: hops_platform::web::Paging) -> Result<(Vec<store::ListedBooking>, i64)> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::at_desk(&mut c, access.now().local_day(), number, paging.offset(), paging.per_page).await?)
}

/// What waits at the desk today for those who check people in: [paid bookings of today to
/// check in, checked in and not yet completed]; `None` for everyone else.
pub async fn waiting(access: &Access) -> Result<Option<[i64; 2]>> {
    if !(access.can(Permission::CheckupBook) && access.can(Permission::CheckupRead)) {
        return Ok(None);
    }
    let mut c = access.tenant().read().await?;
    Ok(Some(store::at_desk_waiting(&mut c, access.now().local_day()).await?))
}

/// Checks a paid booking in on its day after verifying the person: `id_number` (from their
/// identity card) must be the booked person's and `name` their name. A mismatch changes
/// nothing, is refused, and is written to the audit log.
pub async fn check_in(access: &Access, id: i64, id_number: &str, name: &str) -> Result<BookingRow> {
    access.require(Permission::CheckupBook)?;
    let today = access.now().local_day();
    let mut tx = access.tenant().write().await?;
    let b = store::booking(&mut tx, id).await?.ok_or_else(|| Error::not_found("预约"))?;
    let number = IdCardNumber::parse(id_number.trim(), today).map_err(|e| Error::invalid_field("id_number", e.to_string()))?;
    if !b.status.can_check_in() {
        let hint = if b.status == Status::PendingPayment { "，请先完成支付" } else { "" };
        return Err(Error::conflict("invalid_status", format!("预约当前为“{}”，不能签到{hint}", b.status.label_zh())));
    }
    if b.day != today {
        return Err(Error::conflict("wrong_day", format!("该预约的体检日期为 {}，今天不能签到", b.day)));
    }
    let (person, person_name) = store::person_of(&mut tx, b.person_id).await?.ok_or_else(|| Error::not_found("受检人"))?;
    let on_file = hops_platform::people::service::on_file_in(access, &mut tx, &number).await?;
    if on_file.is_none_or(|p| p.id != person) || person_name != name.trim() {
        drop(tx);
        // Recorded: a possible stand-in (替检) is worth a look.
        let mut tx = access.tenant().write().await?;
        access
            .audit(&mut tx, "checkup.booking.check_in_refused", &format!("checkup_booking:{id}"), &format!("{} 身份核验不符", b.number))
            .await?;
        tx.commit().await?;
        return Err(Error::client(422, "identity_mismatch", "身份证号或姓名与预约人不符，不能签到"));
    }
    let now = access.now();
    let by = access.actor().user_id.map(|u| u.0);
    if !store::check_in(&mut tx, id, by, now).await? {
        return Err(Error::conflict("invalid_status", "预约状态已变化，请刷新后重试"));
    }
    super::history::recorded(access, &mut tx, id, Status::Paid, Action::CheckIn, "").await?;
    access.audit(&mut tx, "checkup.booking.check_in", &format!("checkup_booking:{id}"), &format!("{} 签到", b.number)).await?;
    tx.commit().await?;
    Ok(BookingRow { status: Status::CheckedIn, checked_in_at: Some(now), checked_in_by: by, ..b })
}

/// Marks a checked-in booking completed (every item done).
pub async fn complete(access: &Access, id: i64) -> Result<BookingRow> {
    access.require(Permission::CheckupBook)?;
    let mut tx = access.tenant().write().await?;
    let b = store::booking(&mut tx, id).await?.ok_or_else(|| Error::not_found("预约"))?;
    if b.status != Status::CheckedIn || !super::history::change(access, &mut tx, id, Status::CheckedIn, Action::Complete, "").await? {
        return Err(Error::conflict("invalid_status", format!("预约当前为“{}”，签到后才能完成", b.status.label_zh())));
    }
    access.audit(&mut tx, "checkup.booking.complete", &format!("checkup_booking:{id}"), &format!("{} 完成体检", b.number)).await?;
    let (person, _) = store::person_of(&mut tx, b.person_id).await?.ok_or_else(|| Error::not_found("受检人"))?;
    let done = hops_contracts::checkup::BookingCompleted { booking: id, person: person.0, day: b.day.0 };
    hops_platform::jobs::publish(access, &mut tx, &done).await?;
    tx.commit().await?;
    Ok(BookingRow { status: Status::Completed, ..b })
}
