//! SQL of payments, refunds and handled notifications (migration 0011).

use hops_kernel::{Instant, LocalDay, Money};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::model::{Method, PayStatus, RefundStatus};

#[derive(Clone, Debug)]
pub struct PaymentRow {
    pub id: i64,
    pub booking_id: i64,
    pub method: Method,
    pub out_trade_no: String,
    pub transaction_id: Option<String>,
    pub amount: Money,
    pub status: PayStatus,
    pub paid_at: Option<Instant>,
}

fn payment_row(r: &sqlx::any::AnyRow) -> sqlx::Result<PaymentRow> {
    let (method, status): (String, String) = (r.try_get("method")?, r.try_get("status")?);
    Ok(PaymentRow {
        id: r.try_get("id")?,
        booking_id: r.try_get("booking_id")?,
        method: Method::from_code(&method).ok_or_else(|| sqlx::Error::Decode(format!("payment method {method}").into()))?,
        out_trade_no: r.try_get("out_trade_no")?,
        transaction_id: r.try_get("transaction_id")?,
        amount: Money(r.try_get("amount_fen")?),
        status: PayStatus::from_code(&status).ok_or_else(|| sqlx::Error::Decode(format!("payment status {status}").into()))?,
        paid_at: r.try_get::<Option<i64>, _>("paid_at")?.map(Instant),
    })
}

const PAYMENT_COLUMNS: &str = "id, booking_id, method, out_trade_no, transaction_id, amount_fen, status, paid_at";

#[allow(clippy::too_many_arguments)]
pub async fn insert_payment(
    tx: &mut Tx,
    id: i64,
    booking: i64,
    method: Method,
    out_trade_no: &str,
    amount: Money,
    status: PayStatus,
    note: &str,
    by: Option<i64>,
    now: Instant,
) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_payments (hospital_id, id, booking_id, method, out_trade_no, amount_fen, status, note, recorded_by, created_at, \
         paid_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10)",
    )
    .bind(id)
    .bind(booking)
    .bind(method.code())
    .bind(out_trade_no.to_string())
    .bind(amount.fen())
    .bind(status.code())
    .bind(note.to_string())
    .bind(by)
    .bind(now.0)
    .bind((status == PayStatus::Paid).then_some(now.0))
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn payment_by_trade_no<C: Conn>(c: &mut Scoped<C>, out_trade_no: &str) -> sqlx::Result<Option<PaymentRow>> {
    let sql = format!("SELECT {PAYMENT_COLUMNS} FROM checkup_payments WHERE hospital_id = $1 AND out_trade_no = $2");
    c.query_built(sql).bind(out_trade_no.to_string()).fetch_optional(c.conn()).await?.as_ref().map(payment_row).transpose()
}

pub async fn payments_of<C: Conn>(c: &mut Scoped<C>, booking: i64) -> sqlx::Result<Vec<PaymentRow>> {
    let sql = format!("SELECT {PAYMENT_COLUMNS} FROM checkup_payments WHERE hospital_id = $1 AND booking_id = $2 ORDER BY id");
    c.query_built(sql).bind(booking).fetch_all(c.conn()).await?.iter().map(payment_row).collect()
}

/// Marks a pending payment paid; false when it was not pending (already handled).
pub async fn mark_paid(tx: &mut Tx, id: i64, transaction_id: &str, paid_at: Instant, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE checkup_payments SET status = 'paid', transaction_id = $3, paid_at = $4, updated_at = $5 \
             WHERE hospital_id = $1 AND id = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(transaction_id.to_string())
        .bind(paid_at.0)
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn close_payment(tx: &mut Tx, id: i64, now: Instant) -> sqlx::Result<()> {
    tx.query("UPDATE checkup_payments SET status = 'closed', updated_at = $3 WHERE hospital_id = $1 AND id = $2 AND status = 'pending'")
        .bind(id)
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct RefundRow {
    pub id: i64,
    pub booking_id: i64,
    pub payment_id: i64,
    pub out_refund_no: String,
    pub amount: Money,
    pub status: RefundStatus,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_refund(
    tx: &mut Tx,
    id: i64,
    booking: i64,
    payment: i64,
    out_refund_no: &str,
    amount: Money,
    status: RefundStatus,
    reason: &str,
    now: Instant,
) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_refunds (hospital_id, id, booking_id, payment_id, out_refund_no, amount_fen, status, reason, created_at, done_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9)",
    )
    .bind(id)
    .bind(booking)
    .bind(payment)
    .bind(out_refund_no.to_string())
    .bind(amount.fen())
    .bind(status.code())
    .bind(reason.to_string())
    .bind(now.0)
    .bind((status == RefundStatus::Success).then_some(now.0))
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn refund_row(r: &sqlx::any::AnyRow) -> sqlx::Result<RefundRow> {
    let status: String = r.try_get("status")?;
    Ok(RefundRow {
        id: r.try_get("id")?,
        booking_id: r.try_get("booking_id")?,
        payment_id: r.try_get("payment_id")?,
        out_refund_no: r.try_get("out_refund_no")?,
        amount: Money(r.try_get("amount_fen")?),
        status: RefundStatus::from_code(&status).ok_or_else(|| sqlx::Error::Decode(format!("refund status {status}").into()))?,
    })
}

const REFUND_COLUMNS: &str = "id, booking_id, payment_id, out_refund_no, amount_fen, status";

pub async fn refund(c: &mut Scoped<impl Conn>, id: i64) -> sqlx::Result<Option<RefundRow>> {
    let sql = format!("SELECT {REFUND_COLUMNS} FROM checkup_refunds WHERE hospital_id = $1 AND id = $2");
    c.query_built(sql).bind(id).fetch_optional(c.conn()).await?.as_ref().map(refund_row).transpose()
}

pub async fn refund_by_no(c: &mut Scoped<impl Conn>, out_refund_no: &str) -> sqlx::Result<Option<RefundRow>> {
    let sql = format!("SELECT {REFUND_COLUMNS} FROM checkup_refunds WHERE hospital_id = $1 AND out_refund_no = $2");
    c.query_built(sql).bind(out_refund_no.to_string()).fetch_optional(c.conn()).await?.as_ref().map(refund_row).transpose()
}

pub async fn refunds_of(c: &mut Scoped<impl Conn>, booking: i64) -> sqlx::Result<Vec<RefundRow>> {
    let sql = format!("SELECT {REFUND_COLUMNS} FROM checkup_refunds WHERE hospital_id = $1 AND booking_id = $2 ORDER BY id");
    c.query_built(sql).bind(booking).fetch_all(c.conn()).await?.iter().map(refund_row).collect()
}

/// Moves a processing refund to its outcome; false when it was not processing any more.
pub async fn finish_refund(tx: &mut Tx, id: i64, status: RefundStatus, refund_id: Option<&str>, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE checkup_refunds SET status = $3, refund_id = COALESCE($4, refund_id), done_at = $5, updated_at = $5 \
             WHERE hospital_id = $1 AND id = $2 AND status = 'processing'",
        )
        .bind(id)
        .bind(status.code())
        .bind(refund_id.map(str::to_string))
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Records a notification as handled; false when it was handled before.
pub async fn first_notification(tx: &mut Tx, id: &str, event_type: &str, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "INSERT INTO checkup_payment_events (hospital_id, notification_id, event_type, received_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (hospital_id, notification_id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(event_type.to_string())
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The ledger of every booking whose checkup day is `day` or that received or returned money
/// that day: number, status, total, paid, refunded, refunds still processing.
pub async fn ledgers(c: &mut Scoped<impl Conn>, day: LocalDay) -> sqlx::Result<Vec<(String, String, i64, i64, i64, i64)>> {
    let paid = "SELECT 1 FROM checkup_payments p WHERE p.hospital_id = b.hospital_id AND p.booking_id = b.id";
    let refunds = "SELECT 1 FROM checkup_refunds r WHERE r.hospital_id = b.hospital_id AND r.booking_id = b.id";
    let sql = format!(
        "SELECT b.number, b.status, b.total_fen, \
         CAST(COALESCE((SELECT SUM(p.amount_fen) FROM checkup_payments p WHERE p.hospital_id = b.hospital_id AND p.booking_id = b.id \
              AND p.status = 'paid'), 0) AS BIGINT), \
         CAST(COALESCE((SELECT SUM(r.amount_fen) FROM checkup_refunds r WHERE r.hospital_id = b.hospital_id AND r.booking_id = b.id \
              AND r.status = 'success'), 0) AS BIGINT), \
         CAST((SELECT COUNT(*) FROM checkup_refunds r WHERE r.hospital_id = b.hospital_id AND r.booking_id = b.id \
              AND r.status = 'processing') AS BIGINT) \
         FROM checkup_bookings b WHERE b.hospital_id = $1 AND (b.day = $2 \
           OR EXISTS ({paid} AND p.paid_at >= $3 AND p.paid_at < $4) OR EXISTS ({refunds} AND r.created_at >= $3 AND r.created_at < $4)) \
         ORDER BY b.number"
    );
    let rows = c.query_built(sql).bind(day.0).bind(day.start().0).bind(day.plus_days(1).start().0).fetch_all(c.conn()).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?))).collect()
}
