//! SQL of activity data: idempotent upserts by external id, the daily aggregates, and (in
//! [`rollups`]) the period roll-ups KPIs are read from.

pub mod rollups;

use hops_contracts::activity::Consultation as Brief;
use hops_kernel::{DepartmentId, DoctorId, Instant, PatientId};
use std::collections::HashSet;

use hops_platform::Tx;
use hops_platform::db::{BINDS_PER_STATEMENT, Conn, Q, Scoped, rows_per_statement};
use sqlx::Row;

use crate::activity::model::{Appointment, Consultation, Payment, Prescription};

/// `SUM(expr)` as a BIGINT, 0 over no rows (the one spelling of a sum in this crate's SQL).
pub(crate) fn sum(expr: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")
}

/// `$from, $from+1, …` — `n` bind placeholders for an `IN (…)` list or a VALUES row.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (0..n).map(|i| format!("${}", i + from)).collect::<Vec<_>>().join(", ")
}

pub struct ConsultationRefs {
    pub patient: PatientId,
    pub department: DepartmentId,
    pub doctor: DoctorId,
}

/// Inserts or updates by external id a batch of `(new id, row)` into `table`, several rows per
/// statement: `columns` start with `id, external_id` and are bound by `bind` in that order (the
/// hospital comes first, bound by the tenant handle); every column but `id` and `external_id`
/// is updated on conflict. Returns per row whether it was new (in no particular order).
/// External ids must be distinct within the batch.
async fn upsert_by_external_id<T>(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    rows: &[(i64, T)],
    bind: impl Fn(Q, &T) -> Q,
) -> sqlx::Result<Vec<bool>> {
    let n = columns.len();
    let updates: Vec<String> = columns[2..].iter().map(|c| format!("{c} = excluded.{c}")).collect();
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(rows_per_statement(n)) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, {})", placeholders(2 + i * n, n))).collect();
        let sql = format!(
            "INSERT INTO {table} (hospital_id, {}) VALUES {} ON CONFLICT (hospital_id, external_id) DO UPDATE SET {} RETURNING id",
            columns.join(", "),
            values.join(", "),
            updates.join(", ")
        );
        let mut q = tx.query_built(sql);
        for (id, row) in chunk {
            q = bind(q.bind(*id), row);
        }
        let new_ids: HashSet<i64> = chunk.iter().map(|(id, _)| *id).collect();
        for r in q.fetch_all(tx.conn()).await? {
            out.push(new_ids.contains(&r.try_get::<i64, _>(0)?));
        }
    }
    Ok(out)
}

fn micros(x: Option<Instant>) -> Option<i64> {
    x.map(|i| i.0)
}

pub async fn upsert_consultations(
    tx: &mut Tx,
    rows: &[(i64, (&Consultation, &ConsultationRefs))],
    now: Instant,
) -> sqlx::Result<Vec<bool>> {
    let columns = [
        "id",
        "external_id",
        "patient_id",
        "department_id",
        "doctor_id",
        "kind",
        "created_at",
        "created_day",
        "paid_at",
        "accepted_at",
        "first_reply_at",
        "completed_at",
        "cancelled_at",
        "refunded_at",
        "amount_fen",
        "rating",
        "review",
        "updated_at",
    ];
    upsert_by_external_id(tx, "consultations", &columns, rows, |q, (c, r)| {
        q.bind(c.external_id.clone())
            .bind(r.patient.0)
            .bind(r.department.0)
            .bind(r.doctor.0)
            .bind(c.kind.code())
            .bind(c.created_at.0)
            .bind(c.created_at.local_day().0)
            .bind(micros(c.paid_at))
            .bind(micros(c.accepted_at))
            .bind(micros(c.first_reply_at))
            .bind(micros(c.completed_at))
            .bind(micros(c.cancelled_at))
            .bind(micros(c.refunded_at))
            .bind(c.amount.0)
            .bind(c.rating)
            .bind(c.review.clone())
            .bind(now.0)
    })
    .await
}

pub struct AppointmentRefs {
    pub patient: PatientId,
    pub department: DepartmentId,
    pub doctor: Option<DoctorId>,
}

pub async fn upsert_appointments(tx: &mut Tx, rows: &[(i64, (&Appointment, AppointmentRefs))], now: Instant) -> sqlx::Result<Vec<bool>> {
    let columns = ["id", "external_id", "patient_id", "department_id", "doctor_id", "booked_at", "visit_date", "status", "updated_at"];
    upsert_by_external_id(tx, "appointments", &columns, rows, |q, (a, r)| {
        q.bind(a.external_id.clone())
            .bind(r.patient.0)
            .bind(r.department.0)
            .bind(r.doctor.map(|d| d.0))
            .bind(a.booked_at.0)
            .bind(a.visit_date.0)
            .bind(a.status)
            .bind(now.0)
    })
    .await
}

pub async fn upsert_payments(tx: &mut Tx, rows: &[(i64, (&Payment, PatientId))], now: Instant) -> sqlx::Result<Vec<bool>> {
    let columns = ["id", "external_id", "patient_id", "kind", "amount_fen", "paid_at", "insurance_fen", "updated_at"];
    upsert_by_external_id(tx, "payments", &columns, rows, |q, (p, patient)| {
        q.bind(p.external_id.clone()).bind(patient.0).bind(p.kind).bind(p.amount.0).bind(p.paid_at.0).bind(p.insurance.0).bind(now.0)
    })
    .await
}

/// Rows are `(new id, (prescription, consultation id))`.
pub async fn upsert_prescriptions(tx: &mut Tx, rows: &[(i64, (&Prescription, i64))], now: Instant) -> sqlx::Result<Vec<bool>> {
    let columns = [
        "id",
        "external_id",
        "consultation_id",
        "issued_at",
        "reviewed_at",
        "dispensed_at",
        "delivery",
        "shipped_at",
        "delivered_at",
        "amount_fen",
        "updated_at",
    ];
    upsert_by_external_id(tx, "prescriptions", &columns, rows, |q, (p, consultation)| {
        q.bind(p.external_id.clone())
            .bind(*consultation)
            .bind(p.issued_at.0)
            .bind(micros(p.reviewed_at))
            .bind(micros(p.dispensed_at))
            .bind(p.delivery)
            .bind(micros(p.shipped_at))
            .bind(micros(p.delivered_at))
            .bind(p.amount.0)
            .bind(now.0)
    })
    .await
}

/// Consultation ids by external id.
pub async fn consultation_ids<C: Conn>(c: &mut Scoped<C>, external_ids: &[&str]) -> sqlx::Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in external_ids.chunks(BINDS_PER_STATEMENT) {
        let sql = format!(
            "SELECT external_id, id FROM consultations WHERE hospital_id = $1 AND external_id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut q = c.query_built(sql);
        for e in chunk {
            q = q.bind(e.to_string());
        }
        for r in q.fetch_all(c.conn()).await? {
            out.push((r.try_get(0)?, r.try_get(1)?));
        }
    }
    Ok(out)
}

/// The created day (Shanghai) and patient of the stored consultations with these external ids.
pub async fn stored_keys(tx: &mut Tx, external_ids: &[&str]) -> sqlx::Result<Vec<(i32, i64)>> {
    let mut out = Vec::new();
    for chunk in external_ids.chunks(BINDS_PER_STATEMENT) {
        let sql = format!(
            "SELECT created_day, patient_id FROM consultations WHERE hospital_id = $1 AND external_id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut q = tx.query_built(sql);
        for e in chunk {
            q = q.bind(e.to_string());
        }
        for r in q.fetch_all(tx.conn()).await? {
            out.push((r.try_get(0)?, r.try_get(1)?));
        }
    }
    Ok(out)
}

/// Recomputes the daily aggregates of the given days from the raw rows.
pub async fn refresh_daily(tx: &mut Tx, days: &[i32]) -> sqlx::Result<()> {
    let flag = |col: &str| sum(&format!("CASE WHEN {col} IS NOT NULL THEN 1 ELSE 0 END"));
    for chunk in days.chunks(BINDS_PER_STATEMENT) {
        let list = placeholders(2, chunk.len());
        let mut q = tx.query_built(format!("DELETE FROM consultation_daily WHERE hospital_id = $1 AND day IN ({list})"));
        for d in chunk {
            q = q.bind(*d);
        }
        q.execute(tx.conn()).await?;
        let sql = format!(
            "INSERT INTO consultation_daily (hospital_id, day, department_id, doctor_id, kind, created, paid, completed, refunded, accepted, \
             reply_count, reply_micros, rated, rating_sum, good, revenue_fen) \
             SELECT hospital_id, created_day, department_id, doctor_id, kind, COUNT(*), {paid}, {completed}, {refunded}, {accepted}, \
             {reply_n}, {reply_sum}, {rated}, {rating_sum}, {good}, {revenue} \
             FROM consultations WHERE hospital_id = $1 AND created_day IN ({list}) \
             GROUP BY hospital_id, created_day, department_id, doctor_id, kind",
            paid = flag("paid_at"),
            completed = flag("completed_at"),
            refunded = flag("refunded_at"),
            accepted = flag("accepted_at"),
            reply_n = sum("CASE WHEN paid_at IS NOT NULL AND first_reply_at IS NOT NULL THEN 1 ELSE 0 END"),
            reply_sum = sum("CASE WHEN paid_at IS NOT NULL AND first_reply_at IS NOT NULL THEN first_reply_at - paid_at ELSE 0 END"),
            rated = flag("rating"),
            rating_sum = sum("COALESCE(rating, 0)"),
            good = sum("CASE WHEN rating >= 4 THEN 1 ELSE 0 END"),
            revenue = sum("CASE WHEN paid_at IS NOT NULL AND refunded_at IS NULL THEN amount_fen ELSE 0 END"),
        );
        let mut q = tx.query_built(sql);
        for d in chunk {
            q = q.bind(*d);
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Ratings 1 … 5 of consultations created in `[from, to)`.
pub async fn rating_distribution<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant) -> sqlx::Result<[i64; 5]> {
    let rows = c
        .query(
            "SELECT CAST(rating AS BIGINT), COUNT(*) FROM consultations WHERE hospital_id = $1 AND created_at >= $2 AND created_at < $3 \
             AND rating IS NOT NULL GROUP BY rating",
        )
        .bind(from.0)
        .bind(to.0)
        .fetch_all(c.conn())
        .await?;
    let mut out = [0; 5];
    for r in rows {
        let rating: i64 = r.try_get(0)?;
        if (1..=5).contains(&rating) {
            out[(rating - 1) as usize] = r.try_get(1)?;
        }
    }
    Ok(out)
}

const BRIEF_COLUMNS: &str = "id, external_id, patient_id, department_id, doctor_id, created_at, completed_at, rating, review";

/// A consultation as other modules see it (follow-up calls, complaints from bad reviews); the
/// service adds the review's reasons.
fn brief(r: &sqlx::any::AnyRow) -> sqlx::Result<Brief> {
    Ok(Brief {
        id: r.try_get("id")?,
        number: r.try_get("external_id")?,
        patient: PatientId(r.try_get("patient_id")?),
        department: DepartmentId(r.try_get("department_id")?),
        doctor: DoctorId(r.try_get("doctor_id")?),
        created_at: Instant(r.try_get("created_at")?),
        completed_at: r.try_get::<Option<i64>, _>("completed_at")?.map(Instant),
        rating: r.try_get::<Option<i16>, _>("rating")?,
        review: r.try_get("review")?,
        review_reasons: Vec::new(),
    })
}

/// Consultations completed in `[from, to)` and created at most `created_within` µs before
/// `from` (so the created-at index bounds the scan), oldest completion first.
pub async fn completed_between<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant, created_within: i64) -> sqlx::Result<Vec<Brief>> {
    let sql = format!(
        "SELECT {BRIEF_COLUMNS} FROM consultations WHERE hospital_id = $1 AND created_at >= $2 AND created_at < $3 \
         AND completed_at >= $4 AND completed_at < $3 ORDER BY completed_at, id"
    );
    let rows = c.query_built(sql).bind(from.0 - created_within).bind(to.0).bind(from.0).fetch_all(c.conn()).await?;
    rows.iter().map(brief).collect()
}

/// The consultation with this external id (问诊单号).
pub async fn consultation_by_external_id<C: Conn>(c: &mut Scoped<C>, external_id: &str) -> sqlx::Result<Option<Brief>> {
    let sql = format!("SELECT {BRIEF_COLUMNS} FROM consultations WHERE hospital_id = $1 AND external_id = $2");
    c.query_built(sql).bind(external_id.to_string()).fetch_optional(c.conn()).await?.as_ref().map(brief).transpose()
}
