//! SQL of invoice requests (migration 0015), listed with their booking's number and person.

use hops_kernel::{Instant, Money};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::model::{InvoiceDraft, InvoiceStatus, TitleKind};

/// An invoice request as stored, with its booking's order number and person's name.
#[derive(Clone, Debug)]
pub struct InvoiceRow {
    pub id: i64,
    pub booking_id: i64,
    pub booking_number: String,
    pub person_name: String,
    pub title_kind: TitleKind,
    pub title: String,
    pub tax_number: String,
    pub email: String,
    pub amount: Money,
    pub status: InvoiceStatus,
    pub invoice_number: Option<String>,
    pub note: String,
    pub requested_at: Instant,
    pub requested_by: Option<i64>,
    pub issued_at: Option<Instant>,
    pub issued_by: Option<i64>,
}

const COLUMNS: &str = "i.id, i.booking_id, b.number AS booking_number, p.name AS person_name, i.title_kind, i.title, i.tax_number, \
                       i.email, i.amount_fen, i.status, i.invoice_number, i.note, i.requested_at, i.requested_by, i.issued_at, i.issued_by";
const FROM: &str = "checkup_invoice_requests i JOIN checkup_bookings b ON b.hospital_id = i.hospital_id AND b.id = i.booking_id \
                    JOIN checkup_persons cp ON cp.hospital_id = b.hospital_id AND cp.id = b.person_id \
                    JOIN people p ON p.hospital_id = cp.hospital_id AND p.id = cp.person_id";

fn row(r: &sqlx::any::AnyRow) -> sqlx::Result<InvoiceRow> {
    let decode = |what: &str, v: &str| sqlx::Error::Decode(format!("unknown invoice {what} {v}").into());
    let kind: String = r.try_get("title_kind")?;
    let status: String = r.try_get("status")?;
    Ok(InvoiceRow {
        id: r.try_get("id")?,
        booking_id: r.try_get("booking_id")?,
        booking_number: r.try_get("booking_number")?,
        person_name: r.try_get("person_name")?,
        title_kind: TitleKind::from_code(&kind).ok_or_else(|| decode("title kind", &kind))?,
        title: r.try_get("title")?,
        tax_number: r.try_get("tax_number")?,
        email: r.try_get("email")?,
        amount: Money(r.try_get("amount_fen")?),
        status: InvoiceStatus::from_code(&status).ok_or_else(|| decode("status", &status))?,
        invoice_number: r.try_get("invoice_number")?,
        note: r.try_get("note")?,
        requested_at: Instant(r.try_get("requested_at")?),
        requested_by: r.try_get("requested_by")?,
        issued_at: r.try_get::<Option<i64>, _>("issued_at")?.map(Instant),
        issued_by: r.try_get("issued_by")?,
    })
}

pub async fn get<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<InvoiceRow>> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE i.hospital_id = $1 AND i.id = $2");
    c.query_built(sql).bind(id).fetch_optional(c.conn()).await?.as_ref().map(row).transpose()
}

/// The booking's open (requested or issued) request, if any.
pub async fn open_of_booking<C: Conn>(c: &mut Scoped<C>, booking: i64) -> sqlx::Result<Option<InvoiceRow>> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE i.hospital_id = $1 AND i.open_key = $2");
    c.query_built(sql).bind(booking).fetch_optional(c.conn()).await?.as_ref().map(row).transpose()
}

/// Every request of a booking, newest first.
pub async fn of_booking<C: Conn>(c: &mut Scoped<C>, booking: i64) -> sqlx::Result<Vec<InvoiceRow>> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE i.hospital_id = $1 AND i.booking_id = $2 ORDER BY i.id DESC");
    c.query_built(sql).bind(booking).fetch_all(c.conn()).await?.iter().map(row).collect()
}

/// Requests with `status` (all when `None`), newest first, `limit` from `offset`; and how many.
pub async fn list<C: Conn>(
    c: &mut Scoped<C>,
    status: Option<InvoiceStatus>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Vec<InvoiceRow>, i64)> {
    let filter = "i.hospital_id = $1 AND ($2 = '' OR i.status = $2)";
    let status = status.map_or("", InvoiceStatus::code).to_string();
    let total: i64 = c
        .query_built(format!("SELECT COUNT(*) FROM checkup_invoice_requests i WHERE {filter}"))
        .bind(status.clone())
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    // Integers, not input: the page size and offset are ours.
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE {filter} ORDER BY i.id DESC LIMIT {} OFFSET {}", limit.max(1), offset.max(0));
    let rows = c.query_built(sql).bind(status).fetch_all(c.conn()).await?;
    Ok((rows.iter().map(row).collect::<sqlx::Result<_>>()?, total))
}

/// Inserts a requested invoice; fails with a unique violation when the booking has an open one.
pub async fn insert(
    tx: &mut Tx,
    id: i64,
    booking: i64,
    d: &InvoiceDraft,
    amount: Money,
    by: Option<i64>,
    now: Instant,
) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_invoice_requests (hospital_id, id, booking_id, title_kind, title, tax_number, email, amount_fen, status, \
         open_key, requested_at, requested_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $3, $10, $11, $10)",
    )
    .bind(id)
    .bind(booking)
    .bind(d.title_kind.code())
    .bind(d.title.clone())
    .bind(d.tax_number.clone())
    .bind(d.email.clone())
    .bind(amount.fen())
    .bind(InvoiceStatus::Requested.code())
    .bind(now.0)
    .bind(by)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Records the e-invoice number of a requested invoice; false when it is no longer requested.
/// Fails with a unique violation when the number is on another request.
pub async fn mark_issued(tx: &mut Tx, id: i64, number: &str, by: Option<i64>, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE checkup_invoice_requests SET status = $3, invoice_number = $4, issued_at = $5, issued_by = $6, updated_at = $5 \
             WHERE hospital_id = $1 AND id = $2 AND status = $7",
        )
        .bind(id)
        .bind(InvoiceStatus::Issued.code())
        .bind(number.to_string())
        .bind(now.0)
        .bind(by)
        .bind(InvoiceStatus::Requested.code())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Cancels a requested invoice (the booking may then ask again); false when it is no longer
/// requested.
pub async fn cancel(tx: &mut Tx, id: i64, note: &str, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE checkup_invoice_requests SET status = $3, open_key = NULL, note = $4, updated_at = $5 \
             WHERE hospital_id = $1 AND id = $2 AND status = $6",
        )
        .bind(id)
        .bind(InvoiceStatus::Cancelled.code())
        .bind(note.to_string())
        .bind(now.0)
        .bind(InvoiceStatus::Requested.code())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}
