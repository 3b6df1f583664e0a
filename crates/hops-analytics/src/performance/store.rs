//! SQL of doctor performance: the formula, months, sheets, adjustments and events, and the
//! per-doctor activity sums of a month.

use hops_kernel::{DoctorId, Instant, Money};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{Activity, Adjustment, AdjustmentKind, Formula, Status};
use crate::activity::store::sum;

fn decode(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value:?} in performance tables").into())
}

const FORMULA_COLUMNS: &str = "price_text_fen, price_video_fen, price_phone_fen, price_revisit_fen, share_bp, timeout_minutes, \
    timeout_deduction_fen, complaint_deduction_fen";

fn formula(r: &AnyRow) -> sqlx::Result<Formula> {
    let m = |c: &str| r.try_get::<i64, _>(c).map(Money);
    Ok(Formula {
        prices: [m("price_text_fen")?, m("price_video_fen")?, m("price_phone_fen")?, m("price_revisit_fen")?],
        share_bp: r.try_get("share_bp")?,
        timeout_minutes: r.try_get("timeout_minutes")?,
        timeout_deduction: m("timeout_deduction_fen")?,
        complaint_deduction: m("complaint_deduction_fen")?,
    })
}

// ---- formula ----

/// The saved formula, when it was saved and by whom.
pub async fn settings<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Option<(Formula, Instant, String)>> {
    let r = c
        .query_built(format!("SELECT {FORMULA_COLUMNS}, updated_at, updated_by FROM performance_settings WHERE hospital_id = $1"))
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| Ok((formula(&r)?, Instant(r.try_get("updated_at")?), r.try_get("updated_by")?))).transpose()
}

pub async fn save_settings(tx: &mut Tx, f: &Formula, now: Instant, by: &str) -> sqlx::Result<()> {
    tx.query_built(format!(
        "INSERT INTO performance_settings (hospital_id, {FORMULA_COLUMNS}, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (hospital_id) DO UPDATE SET price_text_fen = excluded.price_text_fen, price_video_fen = excluded.price_video_fen, \
         price_phone_fen = excluded.price_phone_fen, price_revisit_fen = excluded.price_revisit_fen, share_bp = excluded.share_bp, \
         timeout_minutes = excluded.timeout_minutes, timeout_deduction_fen = excluded.timeout_deduction_fen, \
         complaint_deduction_fen = excluded.complaint_deduction_fen, updated_at = excluded.updated_at, updated_by = excluded.updated_by"
    ))
    .bind(f.prices[0].0)
    .bind(f.prices[1].0)
    .bind(f.prices[2].0)
    .bind(f.prices[3].0)
    .bind(f.share_bp)
    .bind(f.timeout_minutes)
    .bind(f.timeout_deduction.0)
    .bind(f.complaint_deduction.0)
    .bind(now.0)
    .bind(by.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

// ---- activity ----

/// Per doctor, the activity of the consultations created in `[from, to)`; a timeout is a paid
/// consultation whose first reply came more than `timeout_micros` after payment.
pub async fn activity<C: Conn>(
    c: &mut Scoped<C>,
    from: Instant,
    to: Instant,
    timeout_micros: i64,
) -> sqlx::Result<Vec<(DoctorId, Activity)>> {
    let done =
        |kind: &str| sum(&format!("CASE WHEN kind = '{kind}' AND completed_at IS NOT NULL AND refunded_at IS NULL THEN 1 ELSE 0 END"));
    let sql = format!(
        "SELECT doctor_id, {}, {}, {}, {}, {}, {}, {} FROM consultations \
         WHERE hospital_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY doctor_id ORDER BY doctor_id",
        done("text"),
        done("video"),
        done("phone"),
        done("revisit"),
        sum("CASE WHEN paid_at IS NOT NULL AND refunded_at IS NULL THEN 1 ELSE 0 END"),
        sum("CASE WHEN paid_at IS NOT NULL AND refunded_at IS NULL THEN amount_fen ELSE 0 END"),
        sum("CASE WHEN paid_at IS NOT NULL AND first_reply_at IS NOT NULL AND first_reply_at - paid_at > $4 THEN 1 ELSE 0 END"),
    );
    let rows = c.query_built(sql).bind(from.0).bind(to.0).bind(timeout_micros).fetch_all(c.conn()).await?;
    rows.iter()
        .map(|r| {
            let g = |i: usize| r.try_get::<i64, _>(i);
            Ok((DoctorId(g(0)?), Activity { completed: [g(1)?, g(2)?, g(3)?, g(4)?], paid: g(5)?, revenue: Money(g(6)?), timeouts: g(7)? }))
        })
        .collect()
}

// ---- months ----

pub struct MonthRow {
    pub formula: Formula,
    pub generated_at: Instant,
    pub generated_by: String,
    pub locked_at: Option<Instant>,
    pub locked_by: Option<String>,
}

pub async fn month<C: Conn>(c: &mut Scoped<C>, month: &str) -> sqlx::Result<Option<MonthRow>> {
    let r = c
        .query_built(format!(
            "SELECT {FORMULA_COLUMNS}, generated_at, generated_by, locked_at, locked_by FROM performance_months \
             WHERE hospital_id = $1 AND month = $2"
        ))
        .bind(month.to_string())
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| {
        Ok(MonthRow {
            formula: formula(&r)?,
            generated_at: Instant(r.try_get("generated_at")?),
            generated_by: r.try_get("generated_by")?,
            locked_at: r.try_get::<Option<i64>, _>("locked_at")?.map(Instant),
            locked_by: r.try_get("locked_by")?,
        })
    })
    .transpose()
}

/// Takes the month's row lock for the rest of the transaction (PostgreSQL; SQLite has one
/// writer anyway) and returns it: `None` when the month was never generated.
pub async fn month_for_update(tx: &mut Tx, month: &str) -> sqlx::Result<Option<MonthRow>> {
    tx.query("UPDATE performance_months SET generated_by = generated_by WHERE hospital_id = $1 AND month = $2")
        .bind(month.to_string())
        .execute(tx.conn())
        .await?;
    self::month(tx, month).await
}

/// Records a generation of `month` with the formula used.
pub async fn upsert_month(tx: &mut Tx, month: &str, f: &Formula, now: Instant, by: &str) -> sqlx::Result<()> {
    tx.query_built(format!(
        "INSERT INTO performance_months (hospital_id, month, {FORMULA_COLUMNS}, generated_at, generated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (hospital_id, month) DO UPDATE SET price_text_fen = excluded.price_text_fen, price_video_fen = excluded.price_video_fen, \
         price_phone_fen = excluded.price_phone_fen, price_revisit_fen = excluded.price_revisit_fen, share_bp = excluded.share_bp, \
         timeout_minutes = excluded.timeout_minutes, timeout_deduction_fen = excluded.timeout_deduction_fen, \
         complaint_deduction_fen = excluded.complaint_deduction_fen, generated_at = excluded.generated_at, generated_by = excluded.generated_by"
    ))
    .bind(month.to_string())
    .bind(f.prices[0].0)
    .bind(f.prices[1].0)
    .bind(f.prices[2].0)
    .bind(f.prices[3].0)
    .bind(f.share_bp)
    .bind(f.timeout_minutes)
    .bind(f.timeout_deduction.0)
    .bind(f.complaint_deduction.0)
    .bind(now.0)
    .bind(by.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Locks an unlocked month; returns whether it did.
pub async fn lock_month(tx: &mut Tx, month: &str, now: Instant, by: &str) -> sqlx::Result<bool> {
    let r = tx
        .query("UPDATE performance_months SET locked_at = $3, locked_by = $4 WHERE hospital_id = $1 AND month = $2 AND locked_at IS NULL")
        .bind(month.to_string())
        .bind(now.0)
        .bind(by.to_string())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

// ---- sheets ----

#[derive(Clone, Debug)]
pub struct SheetRow {
    pub id: i64,
    pub month: String,
    pub doctor_id: DoctorId,
    pub doctor_code: String,
    pub doctor_name: String,
    pub department_name: String,
    pub activity: Activity,
    pub total: Money,
    pub status: Status,
    pub updated_at: Instant,
}

const SHEET_SELECT: &str = "SELECT id, month, doctor_id, doctor_code, doctor_name, department_name, text_count, video_count, phone_count, \
    revisit_count, paid_count, revenue_fen, timeout_count, total_fen, status, updated_at FROM performance_sheets";

fn sheet(r: &AnyRow) -> sqlx::Result<SheetRow> {
    let g = |c: &str| r.try_get::<i64, _>(c);
    let status: String = r.try_get("status")?;
    Ok(SheetRow {
        id: g("id")?,
        month: r.try_get("month")?,
        doctor_id: DoctorId(g("doctor_id")?),
        doctor_code: r.try_get("doctor_code")?,
        doctor_name: r.try_get("doctor_name")?,
        department_name: r.try_get("department_name")?,
        activity: Activity {
            completed: [g("text_count")?, g("video_count")?, g("phone_count")?, g("revisit_count")?],
            paid: g("paid_count")?,
            revenue: Money(g("revenue_fen")?),
            timeouts: g("timeout_count")?,
        },
        total: Money(g("total_fen")?),
        status: Status::parse(&status).ok_or_else(|| decode("status", &status))?,
        updated_at: Instant(g("updated_at")?),
    })
}

/// The sheets of a month, by doctor code.
pub async fn sheets_of_month<C: Conn>(c: &mut Scoped<C>, month: &str) -> sqlx::Result<Vec<SheetRow>> {
    let rows = c
        .query_built(format!("{SHEET_SELECT} WHERE hospital_id = $1 AND month = $2 ORDER BY doctor_code, id"))
        .bind(month.to_string())
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(sheet).collect()
}

/// One doctor's sheets, newest month first.
pub async fn sheets_of_doctor<C: Conn>(c: &mut Scoped<C>, doctor: DoctorId) -> sqlx::Result<Vec<SheetRow>> {
    let rows = c
        .query_built(format!("{SHEET_SELECT} WHERE hospital_id = $1 AND doctor_id = $2 ORDER BY month DESC"))
        .bind(doctor.0)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(sheet).collect()
}

/// How many sheets of status `status` each month not locked holds (oldest month first); only
/// `doctor`'s when given.
pub async fn open_sheets<C: Conn>(c: &mut Scoped<C>, status: Status, doctor: Option<DoctorId>) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = c
        .query(
            "SELECT s.month, COUNT(*) FROM performance_sheets s JOIN performance_months m ON m.hospital_id = s.hospital_id AND m.month = s.month \
             WHERE s.hospital_id = $1 AND s.status = $2 AND m.locked_at IS NULL AND ($3 = 0 OR s.doctor_id = $3) GROUP BY s.month ORDER BY s.month",
        )
        .bind(status.code())
        .bind(doctor.map_or(0, |d| d.0))
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

pub async fn sheet_by_id<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<SheetRow>> {
    let r = c.query_built(format!("{SHEET_SELECT} WHERE hospital_id = $1 AND id = $2")).bind(id).fetch_optional(c.conn()).await?;
    r.as_ref().map(sheet).transpose()
}

pub struct SheetWrite<'a> {
    pub doctor_code: &'a str,
    pub doctor_name: &'a str,
    pub department_name: &'a str,
    pub activity: &'a Activity,
    pub total: Money,
    pub status: Status,
    pub now: Instant,
}

/// Binds a sheet's names, inputs, total, status and time as `$3…$15`.
fn bind_sheet(q: hops_platform::db::Q, s: &SheetWrite<'_>) -> hops_platform::db::Q {
    let a = s.activity;
    q.bind(s.doctor_code.to_string())
        .bind(s.doctor_name.to_string())
        .bind(s.department_name.to_string())
        .bind(a.completed[0])
        .bind(a.completed[1])
        .bind(a.completed[2])
        .bind(a.completed[3])
        .bind(a.paid)
        .bind(a.revenue.0)
        .bind(a.timeouts)
        .bind(s.total.0)
        .bind(s.status.code())
        .bind(s.now.0)
}

pub async fn insert_sheet(tx: &mut Tx, id: i64, month: &str, doctor: DoctorId, s: &SheetWrite<'_>) -> sqlx::Result<()> {
    let q = tx
        .query(
            "INSERT INTO performance_sheets (hospital_id, id, doctor_code, doctor_name, department_name, text_count, video_count, phone_count, \
             revisit_count, paid_count, revenue_fen, timeout_count, total_fen, status, updated_at, month, doctor_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(id);
    bind_sheet(q, s).bind(month.to_string()).bind(doctor.0).execute(tx.conn()).await?;
    Ok(())
}

/// Replaces a sheet's names, inputs, total and status (regeneration).
pub async fn update_sheet(tx: &mut Tx, id: i64, s: &SheetWrite<'_>) -> sqlx::Result<()> {
    let q = tx
        .query(
            "UPDATE performance_sheets SET doctor_code = $3, doctor_name = $4, department_name = $5, text_count = $6, video_count = $7, \
             phone_count = $8, revisit_count = $9, paid_count = $10, revenue_fen = $11, timeout_count = $12, total_fen = $13, status = $14, \
             updated_at = $15 WHERE hospital_id = $1 AND id = $2",
        )
        .bind(id);
    bind_sheet(q, s).execute(tx.conn()).await?;
    Ok(())
}

/// Sets a sheet's total and status (answers, resolutions, adjustments).
pub async fn set_sheet_state(tx: &mut Tx, id: i64, total: Money, status: Status, now: Instant) -> sqlx::Result<()> {
    tx.query("UPDATE performance_sheets SET total_fen = $3, status = $4, updated_at = $5 WHERE hospital_id = $1 AND id = $2")
        .bind(id)
        .bind(total.0)
        .bind(status.code())
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Deletes a sheet and its history (a draft whose doctor no longer has activity).
pub async fn delete_sheet(tx: &mut Tx, id: i64) -> sqlx::Result<()> {
    for sql in [
        "DELETE FROM performance_events WHERE hospital_id = $1 AND sheet_id = $2",
        "DELETE FROM performance_adjustments WHERE hospital_id = $1 AND sheet_id = $2",
        "DELETE FROM performance_sheets WHERE hospital_id = $1 AND id = $2",
    ] {
        tx.query(sql).bind(id).execute(tx.conn()).await?;
    }
    Ok(())
}

// ---- adjustments ----

#[derive(Clone, Debug)]
pub struct AdjustmentRow {
    pub id: i64,
    pub sheet_id: i64,
    pub adjustment: Adjustment,
    pub created_at: Instant,
    pub created_by: String,
}

const ADJUSTMENT_SELECT: &str =
    "SELECT a.id, a.sheet_id, a.kind, a.amount_fen, a.reason, a.created_at, a.created_by FROM performance_adjustments a";

fn adjustment(r: &AnyRow) -> sqlx::Result<AdjustmentRow> {
    let kind: String = r.try_get("kind")?;
    Ok(AdjustmentRow {
        id: r.try_get("id")?,
        sheet_id: r.try_get("sheet_id")?,
        adjustment: Adjustment {
            kind: AdjustmentKind::parse(&kind).ok_or_else(|| decode("adjustment kind", &kind))?,
            amount: Money(r.try_get("amount_fen")?),
            reason: r.try_get("reason")?,
        },
        created_at: Instant(r.try_get("created_at")?),
        created_by: r.try_get("created_by")?,
    })
}

/// A sheet's adjustments in the order they were made.
pub async fn adjustments<C: Conn>(c: &mut Scoped<C>, sheet_id: i64) -> sqlx::Result<Vec<AdjustmentRow>> {
    let rows = c
        .query_built(format!("{ADJUSTMENT_SELECT} WHERE a.hospital_id = $1 AND a.sheet_id = $2 ORDER BY a.created_at, a.id"))
        .bind(sheet_id)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(adjustment).collect()
}

/// Every adjustment of a month's sheets, in the order they were made.
pub async fn adjustments_of_month<C: Conn>(c: &mut Scoped<C>, month: &str) -> sqlx::Result<Vec<AdjustmentRow>> {
    let rows = c
        .query_built(format!(
            "{ADJUSTMENT_SELECT} JOIN performance_sheets s ON s.hospital_id = a.hospital_id AND s.id = a.sheet_id \
             WHERE a.hospital_id = $1 AND s.month = $2 ORDER BY a.created_at, a.id"
        ))
        .bind(month.to_string())
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(adjustment).collect()
}

pub async fn insert_adjustment(tx: &mut Tx, id: i64, sheet_id: i64, a: &Adjustment, now: Instant, by: &str) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO performance_adjustments (hospital_id, id, sheet_id, kind, amount_fen, reason, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(sheet_id)
    .bind(a.kind.code())
    .bind(a.amount.0)
    .bind(a.reason.clone())
    .bind(now.0)
    .bind(by.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

// ---- events ----

#[derive(Clone, Debug)]
pub struct EventRow {
    pub at: Instant,
    pub actor_name: String,
    pub action: String,
    pub comment: String,
}

/// A sheet's history, oldest first.
pub async fn events<C: Conn>(c: &mut Scoped<C>, sheet_id: i64) -> sqlx::Result<Vec<EventRow>> {
    let rows = c
        .query("SELECT at, actor_name, action, comment FROM performance_events WHERE hospital_id = $1 AND sheet_id = $2 ORDER BY at, id")
        .bind(sheet_id)
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(EventRow {
                at: Instant(r.try_get("at")?),
                actor_name: r.try_get("actor_name")?,
                action: r.try_get("action")?,
                comment: r.try_get("comment")?,
            })
        })
        .collect()
}

pub async fn insert_event(tx: &mut Tx, id: i64, sheet_id: i64, now: Instant, actor: &str, action: &str, comment: &str) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO performance_events (hospital_id, id, sheet_id, at, actor_name, action, comment) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(sheet_id)
    .bind(now.0)
    .bind(actor.to_string())
    .bind(action.to_string())
    .bind(comment.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}
