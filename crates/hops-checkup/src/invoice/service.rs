//! Use cases of invoice requests: a person (H5, their own bookings only) or staff ask for an
//! invoice of a paid booking; the hospital issues it in its e-invoice system and records the
//! number here, or cancels the request; lists and the XLSX export.

use hops_platform::web::Paging;
use hops_platform::{Access, Error, Permission, Result, db, tabular};

use super::model::{self, InvoiceDraft, InvoiceStatus};
use super::store::{self, InvoiceRow};
use crate::booking::service::authorize;
use crate::booking::store as bookings;

/// Asks for an invoice of a booking: staff on the person's behalf, or a signed-in patient for
/// one of their own bookings (404 for anyone else's).
pub async fn request(access: &Access, booking_id: i64, draft: &InvoiceDraft) -> Result<InvoiceRow> {
    authorize(access, booking_id, Permission::CheckupBook).await?;
    create(access, booking_id, draft).await
}

/// The invoice requests of a booking (a patient's: only of their own), newest first.
pub async fn of_booking(access: &Access, booking_id: i64) -> Result<Vec<InvoiceRow>> {
    authorize(access, booking_id, Permission::CheckupRead).await?;
    let mut c = access.tenant().read().await?;
    Ok(store::of_booking(&mut c, booking_id).await?)
}

fn duplicate(open: &InvoiceRow) -> Error {
    let what = match open.status {
        InvoiceStatus::Issued => format!("已开具发票（发票号码 {}）", open.invoice_number.as_deref().unwrap_or("")),
        _ => format!("已于 {} 申请发票，正在开具", open.requested_at.format_minute()),
    };
    Error::conflict("duplicate_invoice", format!("预约 {} {what}，请勿重复申请", open.booking_number))
}

/// Records the request: the booking must have been paid and have no open request; the amount is
/// what the person paid (the booking's total).
async fn create(access: &Access, booking_id: i64, draft: &InvoiceDraft) -> Result<InvoiceRow> {
    let mut tx = access.tenant().write().await?;
    let b = bookings::booking(&mut tx, booking_id).await?.ok_or_else(|| Error::not_found("预约"))?;
    if !model::can_invoice(b.status) {
        return Err(Error::conflict("invalid_status", format!("预约当前为“{}”，只有已支付的预约可以申请发票", b.status.label_zh())));
    }
    if b.total.fen() == 0 {
        return Err(Error::conflict("nothing_to_invoice", format!("预约 {} 个人支付金额为 ¥0.00，无需开具发票", b.number)));
    }
    let problems = model::check_draft(draft);
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    if let Some(open) = store::open_of_booking(&mut tx, booking_id).await? {
        return Err(duplicate(&open));
    }
    let d = draft.normalized();
    let id = tx.next_id(access.engine()).await?;
    let now = access.now();
    if let Err(e) = store::insert(&mut tx, id, booking_id, &d, b.total, access.actor().user_id.map(|u| u.0), now).await {
        if db::is_unique_violation(&e) {
            drop(tx);
            // Another request for the booking got there first.
            let mut c = access.tenant().read().await?;
            if let Some(open) = store::open_of_booking(&mut c, booking_id).await? {
                return Err(duplicate(&open));
            }
        }
        return Err(e.into());
    }
    let detail = format!("{} {}抬头 {}，{}", b.number, d.title_kind.label_zh(), d.title, b.total);
    access.audit(&mut tx, "checkup.invoice.request", &format!("checkup_invoice:{id}"), &detail).await?;
    let row = store::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("发票申请"))?;
    tx.commit().await?;
    Ok(row)
}

pub async fn get(access: &Access, id: i64) -> Result<InvoiceRow> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    store::get(&mut c, id).await?.ok_or_else(|| Error::not_found("发票申请"))
}

/// Requests by status (all when `None`), newest first, and how many there are.
pub async fn list(access: &Access, status: Option<InvoiceStatus>, paging: Paging) -> Result<(Vec<InvoiceRow>, i64)> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::list(&mut c, status, paging.offset(), paging.per_page).await?)
}

/// Records that the hospital's e-invoice system issued the invoice, with its number. Refused
/// when the request is not waiting any more or the booking was refunded meanwhile.
pub async fn mark_issued(access: &Access, id: i64, invoice_number: &str) -> Result<InvoiceRow> {
    access.require(Permission::CheckupManage)?;
    let mut tx = access.tenant().write().await?;
    let r = store::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("发票申请"))?;
    let number = model::check_invoice_number(invoice_number).map_err(|e| Error::invalid_field("invoice_number", e))?;
    if r.status != InvoiceStatus::Requested {
        return Err(Error::conflict("invalid_status", format!("发票申请当前为“{}”，不能再登记开票", r.status.label_zh())));
    }
    let b = bookings::booking(&mut tx, r.booking_id).await?.ok_or_else(|| Error::not_found("预约"))?;
    if !model::can_invoice(b.status) {
        return Err(Error::conflict("invalid_status", format!("预约已变为“{}”，不能开票，请作废该申请", b.status.label_zh())));
    }
    let now = access.now();
    match store::mark_issued(&mut tx, id, &number, access.actor().user_id.map(|u| u.0), now).await {
        Ok(true) => {}
        Ok(false) => return Err(Error::conflict("invalid_status", "发票申请状态已变化，请刷新后重试")),
        Err(e) if db::is_unique_violation(&e) => {
            return Err(Error::conflict("duplicate_invoice_number", format!("发票号码 {number} 已登记在另一份申请上")));
        }
        Err(e) => return Err(e.into()),
    }
    let detail = format!("{} 发票号码 {number}，{}", r.booking_number, r.amount);
    access.audit(&mut tx, "checkup.invoice.issue", &format!("checkup_invoice:{id}"), &detail).await?;
    let row = store::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("发票申请"))?;
    tx.commit().await?;
    Ok(row)
}

/// Cancels a request that has not been issued (wrong title, the booking refunded); the booking
/// may then ask again.
pub async fn cancel(access: &Access, id: i64, reason: &str) -> Result<InvoiceRow> {
    access.require(Permission::CheckupManage)?;
    let reason = reason.trim();
    let mut tx = access.tenant().write().await?;
    let r = store::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("发票申请"))?;
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::invalid_field("reason", "请填写作废原因（不超过 200 个字）"));
    }
    if r.status != InvoiceStatus::Requested || !store::cancel(&mut tx, id, reason, access.now()).await? {
        return Err(Error::conflict("invalid_status", format!("发票申请当前为“{}”，不能作废", r.status.label_zh())));
    }
    access.audit(&mut tx, "checkup.invoice.cancel", &format!("checkup_invoice:{id}"), &format!("{}：{reason}", r.booking_number)).await?;
    let row = store::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("发票申请"))?;
    tx.commit().await?;
    Ok(row)
}

/// Voids the booking's waiting request (not yet issued) when the booking stops holding money
/// (refunded or cancelled), in the transaction of that change. An issued invoice stays as
/// issued: reversing it (红冲) is the e-invoice system's.
pub(crate) async fn void_waiting(access: &Access, tx: &mut hops_platform::Tx, booking_id: i64, why: &str) -> Result<()> {
    if let Some(open) = store::open_of_booking(tx, booking_id).await?
        && open.status == InvoiceStatus::Requested
        && store::cancel(tx, open.id, why, access.now()).await?
    {
        let detail = format!("{}：{why}", open.booking_number);
        access.audit(tx, "checkup.invoice.cancel", &format!("checkup_invoice:{}", open.id), &detail).await?;
    }
    Ok(())
}

/// The column headers of the export.
pub const EXPORT_HEADERS: [&str; 12] = [
    "申请编号",
    "订单号",
    "受检人",
    "抬头类型",
    "发票抬头",
    "统一社会信用代码",
    "电子邮箱",
    "金额（元）",
    "状态",
    "发票号码",
    "申请时间",
    "开票时间",
];

/// Requests by status as XLSX (at most 100,000, newest first). Audited.
pub async fn export(access: &Access, status: Option<InvoiceStatus>) -> Result<Vec<u8>> {
    access.require(Permission::CheckupRead)?;
    access.require(Permission::DataExport)?;
    let (rows, _) = list(access, status, Paging { page: 1, per_page: 100_000 }).await?;
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.booking_number.clone(),
                r.person_name.clone(),
                r.title_kind.label_zh().to_string(),
                r.title.clone(),
                r.tax_number.clone(),
                r.email.clone(),
                r.amount.to_yuan_string(),
                r.status.label_zh().to_string(),
                r.invoice_number.clone().unwrap_or_default(),
                r.requested_at.format_minute(),
                r.issued_at.map(|t| t.format_minute()).unwrap_or_default(),
            ]
        })
        .collect();
    let bytes = tabular::write_xlsx("发票申请", &EXPORT_HEADERS, &table)?;
    let what = status.map_or("全部", InvoiceStatus::label_zh);
    access.audit_read("export", "checkup_invoices", &format!("导出发票申请（{what}）{} 条", table.len())).await?;
    Ok(bytes)
}
