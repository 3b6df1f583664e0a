//! SQL of activity data: idempotent upserts by external id, the daily aggregates, and (in
//! [`rollups`]) the period roll-ups KPIs are read from.

pub mod rollups;

use hops_kernel::{DepartmentId, DoctorId, Instant, PatientId};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use crate::model::{Appointment, Consultation, Payment, Prescription};

/// `SUM(expr)` as a BIGINT, 0 over no rows (the one spelling of a sum in this crate's SQL).
pub(crate) fn sum(expr: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")
}

/// `$from, $from+1, …` — `n` bind placeholders for an `IN (…)` list or a VALUES row.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (0..n).map(|i| format!("${}", i + from)).collect::<Vec<_>>().join(", ")
}

/// Returns whether the row was new.
async fn upserted(r: sqlx::Result<sqlx::any::AnyRow>, new_id: i64) -> sqlx::Result<bool> {
    Ok(r?.try_get::<i64, _>(0)? == new_id)
}

pub struct ConsultationRefs {
    pub patient: PatientId,
    pub department: DepartmentId,
    pub doctor: DoctorId,
}

/// Inserts or updates (by external id) a batch of consultations, 50 rows per statement; returns
/// per row whether it was new (in no particular order). External ids must be distinct.
pub async fn upsert_consultations(tx: &mut Tx, rows: &[(i64, &Consultation, &ConsultationRefs)], now: Instant) -> sqlx::Result<Vec<bool>> {
    const COLS: usize = 18;
    let t = |x: Option<Instant>| x.map(|i| i.0);
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(50) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, {})", placeholders(2 + i * COLS, COLS))).collect();
        let sql = format!(
            "INSERT INTO consultations (hospital_id, id, external_id, patient_id, department_id, doctor_id, kind, created_at, created_day, paid_at, \
             accepted_at, first_reply_at, completed_at, cancelled_at, refunded_at, amount_fen, rating, review, updated_at) VALUES {} \
             ON CONFLICT (hospital_id, external_id) DO UPDATE SET patient_id = excluded.patient_id, department_id = excluded.department_id, \
             doctor_id = excluded.doctor_id, kind = excluded.kind, created_at = excluded.created_at, created_day = excluded.created_day, \
             paid_at = excluded.paid_at, accepted_at = excluded.accepted_at, first_reply_at = excluded.first_reply_at, \
             completed_at = excluded.completed_at, cancelled_at = excluded.cancelled_at, refunded_at = excluded.refunded_at, \
             amount_fen = excluded.amount_fen, rating = excluded.rating, review = excluded.review, updated_at = excluded.updated_at \
             RETURNING id",
            values.join(", ")
        );
        let mut q = tx.query_built(sql);
        for (new_id, c, r) in chunk {
            q = q
                .bind(*new_id)
                .bind(c.external_id.clone())
                .bind(r.patient.0)
                .bind(r.department.0)
                .bind(r.doctor.0)
                .bind(c.kind.code())
                .bind(c.created_at.0)
                .bind(c.created_at.local_day().0)
                .bind(t(c.paid_at))
                .bind(t(c.accepted_at))
                .bind(t(c.first_reply_at))
                .bind(t(c.completed_at))
                .bind(t(c.cancelled_at))
                .bind(t(c.refunded_at))
                .bind(c.amount.0)
                .bind(c.rating)
                .bind(c.review.clone())
                .bind(now.0);
        }
        let new_ids: std::collections::HashSet<i64> = chunk.iter().map(|(id, _, _)| *id).collect();
        for r in q.fetch_all(tx.conn()).await? {
            out.push(new_ids.contains(&r.try_get::<i64, _>(0)?));
        }
    }
    Ok(out)
}

pub async fn upsert_appointment(
    tx: &mut Tx,
    new_id: i64,
    a: &Appointment,
    patient: PatientId,
    department: DepartmentId,
    doctor: Option<DoctorId>,
    now: Instant,
) -> sqlx::Result<bool> {
    let q = tx
        .query(
            "INSERT INTO appointments (hospital_id, id, external_id, patient_id, department_id, doctor_id, booked_at, visit_date, status, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (hospital_id, external_id) DO UPDATE SET patient_id = excluded.patient_id, department_id = excluded.department_id, \
             doctor_id = excluded.doctor_id, booked_at = excluded.booked_at, visit_date = excluded.visit_date, status = excluded.status, \
             updated_at = excluded.updated_at RETURNING id",
        )
        .bind(new_id)
        .bind(a.external_id.clone())
        .bind(patient.0)
        .bind(department.0)
        .bind(doctor.map(|d| d.0))
        .bind(a.booked_at.0)
        .bind(a.visit_date.0)
        .bind(a.status)
        .bind(now.0);
    upserted(q.fetch_one(tx.conn()).await, new_id).await
}

pub async fn upsert_payment(tx: &mut Tx, new_id: i64, p: &Payment, patient: PatientId, now: Instant) -> sqlx::Result<bool> {
    let q = tx
        .query(
            "INSERT INTO payments (hospital_id, id, external_id, patient_id, kind, amount_fen, paid_at, insurance_fen, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (hospital_id, external_id) DO UPDATE SET patient_id = excluded.patient_id, kind = excluded.kind, \
             amount_fen = excluded.amount_fen, paid_at = excluded.paid_at, insurance_fen = excluded.insurance_fen, updated_at = excluded.updated_at \
             RETURNING id",
        )
        .bind(new_id)
        .bind(p.external_id.clone())
        .bind(patient.0)
        .bind(p.kind)
        .bind(p.amount.0)
        .bind(p.paid_at.0)
        .bind(p.insurance.0)
        .bind(now.0);
    upserted(q.fetch_one(tx.conn()).await, new_id).await
}

pub async fn upsert_prescription(tx: &mut Tx, new_id: i64, p: &Prescription, consultation: i64, now: Instant) -> sqlx::Result<bool> {
    let t = |x: Option<Instant>| x.map(|i| i.0);
    let q = tx
        .query(
            "INSERT INTO prescriptions (hospital_id, id, external_id, consultation_id, issued_at, reviewed_at, dispensed_at, delivery, shipped_at, \
             delivered_at, amount_fen, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (hospital_id, external_id) DO UPDATE SET consultation_id = excluded.consultation_id, issued_at = excluded.issued_at, \
             reviewed_at = excluded.reviewed_at, dispensed_at = excluded.dispensed_at, delivery = excluded.delivery, shipped_at = excluded.shipped_at, \
             delivered_at = excluded.delivered_at, amount_fen = excluded.amount_fen, updated_at = excluded.updated_at RETURNING id",
        )
        .bind(new_id)
        .bind(p.external_id.clone())
        .bind(consultation)
        .bind(p.issued_at.0)
        .bind(t(p.reviewed_at))
        .bind(t(p.dispensed_at))
        .bind(p.delivery)
        .bind(t(p.shipped_at))
        .bind(t(p.delivered_at))
        .bind(p.amount.0)
        .bind(now.0);
    upserted(q.fetch_one(tx.conn()).await, new_id).await
}

/// Consultation ids by external id.
pub async fn consultation_ids<C: Conn>(c: &mut Scoped<C>, external_ids: &[&str]) -> sqlx::Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in external_ids.chunks(500) {
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
    for chunk in external_ids.chunks(500) {
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
    for chunk in days.chunks(200) {
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
