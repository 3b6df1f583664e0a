//! SQL of activity data: idempotent upserts by external id, and the aggregates KPIs are made of.

use hops_kernel::{DepartmentId, DoctorId, Instant, PatientId};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use crate::kpi::{ConsultationSums, OtherSums};
use crate::model::{Appointment, Consultation, Payment, Prescription};

/// Returns whether the row was new.
async fn upserted(r: sqlx::Result<sqlx::any::AnyRow>, new_id: i64) -> sqlx::Result<bool> {
    Ok(r?.try_get::<i64, _>(0)? == new_id)
}

pub struct ConsultationRefs {
    pub patient: PatientId,
    pub department: DepartmentId,
    pub doctor: DoctorId,
}

pub async fn upsert_consultation(tx: &mut Tx, new_id: i64, c: &Consultation, r: &ConsultationRefs, now: Instant) -> sqlx::Result<bool> {
    let t = |x: Option<Instant>| x.map(|i| i.0);
    let q = tx
        .query(
            "INSERT INTO consultations (hospital_id, id, external_id, patient_id, department_id, doctor_id, kind, created_at, created_day, paid_at, \
             accepted_at, first_reply_at, completed_at, cancelled_at, refunded_at, amount_fen, rating, review, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
             ON CONFLICT (hospital_id, external_id) DO UPDATE SET patient_id = excluded.patient_id, department_id = excluded.department_id, \
             doctor_id = excluded.doctor_id, kind = excluded.kind, created_at = excluded.created_at, created_day = excluded.created_day, \
             paid_at = excluded.paid_at, accepted_at = excluded.accepted_at, first_reply_at = excluded.first_reply_at, \
             completed_at = excluded.completed_at, cancelled_at = excluded.cancelled_at, refunded_at = excluded.refunded_at, \
             amount_fen = excluded.amount_fen, rating = excluded.rating, review = excluded.review, updated_at = excluded.updated_at \
             RETURNING id",
        )
        .bind(new_id)
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
    upserted(q.fetch_one(tx.conn()).await, new_id).await
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
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql =
            format!("SELECT external_id, id FROM consultations WHERE hospital_id = $1 AND external_id IN ({})", placeholders.join(", "));
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

fn sum(expr: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")
}

/// The created days (Shanghai) of the stored consultations with these external ids.
pub async fn stored_days(tx: &mut Tx, external_ids: &[&str]) -> sqlx::Result<Vec<i32>> {
    let mut out = Vec::new();
    for chunk in external_ids.chunks(500) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT DISTINCT created_day FROM consultations WHERE hospital_id = $1 AND external_id IN ({})",
            placeholders.join(", ")
        );
        let mut q = tx.query_built(sql);
        for e in chunk {
            q = q.bind(e.to_string());
        }
        for r in q.fetch_all(tx.conn()).await? {
            out.push(r.try_get(0)?);
        }
    }
    Ok(out)
}

/// Recomputes the daily aggregates of the given days from the raw rows.
pub async fn refresh_daily(tx: &mut Tx, days: &[i32]) -> sqlx::Result<()> {
    let flag = |col: &str| sum(&format!("CASE WHEN {col} IS NOT NULL THEN 1 ELSE 0 END"));
    for chunk in days.chunks(200) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let list = placeholders.join(", ");
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

/// One period's consultation sums: additive ones from the daily aggregates, distinct patients
/// from the raw rows.
pub async fn consultation_sums<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant) -> sqlx::Result<ConsultationSums> {
    let (from_day, to_day) = (from.local_day().0, to.local_day().0);
    let cols = [
        "created",
        "paid",
        "completed",
        "refunded",
        "accepted",
        "reply_count",
        "reply_micros",
        "rated",
        "rating_sum",
        "good",
        "revenue_fen",
    ];
    let sums: Vec<String> = cols.iter().map(|c| sum(c)).collect();
    let sql = format!(
        "SELECT {}, {}, COUNT(DISTINCT CASE WHEN completed > 0 THEN doctor_id END) FROM consultation_daily \
         WHERE hospital_id = $1 AND day >= $2 AND day < $3",
        sums.join(", "),
        sum("CASE WHEN kind = 'revisit' THEN created ELSE 0 END"),
    );
    let r = c.query_built(sql).bind(from_day).bind(to_day).fetch_one(c.conn()).await?;
    let g = |i: usize| r.try_get::<i64, _>(i);
    let patients: i64 = c
        .query("SELECT COUNT(DISTINCT patient_id) FROM consultations WHERE hospital_id = $1 AND created_at >= $2 AND created_at < $3")
        .bind(from.0)
        .bind(to.0)
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    Ok(ConsultationSums {
        created: g(0)?,
        paid: g(1)?,
        completed: g(2)?,
        refunded: g(3)?,
        accepted: g(4)?,
        reply_count: g(5)?,
        reply_micros: g(6)?,
        rated: g(7)?,
        rating_sum: g(8)?,
        good: g(9)?,
        revenue_fen: g(10)?,
        revisit: g(11)?,
        active_doctors: g(12)?,
        patients,
    })
}

/// Per consultation kind: created, paid, completed, refunded.
pub async fn by_kind<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant) -> sqlx::Result<Vec<(String, [i64; 4])>> {
    let sql = format!(
        "SELECT kind, {}, {}, {}, {} FROM consultation_daily WHERE hospital_id = $1 AND day >= $2 AND day < $3 GROUP BY kind",
        sum("created"),
        sum("paid"),
        sum("completed"),
        sum("refunded")
    );
    let rows = c.query_built(sql).bind(from.local_day().0).bind(to.local_day().0).fetch_all(c.conn()).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, [r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?]))).collect()
}

/// Patients with a consultation in `[from, to)` who also had one before `from`.
pub async fn returning_patients<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant) -> sqlx::Result<i64> {
    let r = c
        .query(
            "SELECT COUNT(DISTINCT p.patient_id) FROM consultations p WHERE p.hospital_id = $1 AND p.created_at >= $2 AND p.created_at < $3 \
             AND EXISTS (SELECT 1 FROM consultations e WHERE e.hospital_id = p.hospital_id AND e.patient_id = p.patient_id AND e.created_at < $2)",
        )
        .bind(from.0)
        .bind(to.0)
        .fetch_one(c.conn())
        .await?;
    r.try_get(0)
}

/// Paid consultations per department in `[from, to)`.
pub async fn paid_by_department<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant) -> sqlx::Result<Vec<(DepartmentId, i64)>> {
    let sql = format!(
        "SELECT department_id, {} AS n FROM consultation_daily WHERE hospital_id = $1 AND day >= $2 AND day < $3 GROUP BY department_id",
        sum("paid")
    );
    let rows = c.query_built(sql).bind(from.local_day().0).bind(to.local_day().0).fetch_all(c.conn()).await?;
    Ok(rows
        .iter()
        .map(|r| Ok((DepartmentId(r.try_get(0)?), r.try_get(1)?)))
        .collect::<sqlx::Result<Vec<_>>>()?
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect())
}

pub async fn other_sums<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant) -> sqlx::Result<OtherSums> {
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM appointments WHERE hospital_id = $1 AND booked_at >= $2 AND booked_at < $3), \
         (SELECT {} FROM payments WHERE hospital_id = $1 AND paid_at >= $2 AND paid_at < $3), \
         (SELECT COUNT(*) FROM payments WHERE hospital_id = $1 AND paid_at >= $2 AND paid_at < $3 AND insurance_fen > 0), \
         (SELECT {} FROM payments WHERE hospital_id = $1 AND paid_at >= $2 AND paid_at < $3), \
         (SELECT COUNT(*) FROM prescriptions WHERE hospital_id = $1 AND issued_at >= $2 AND issued_at < $3), \
         (SELECT COUNT(*) FROM prescriptions WHERE hospital_id = $1 AND delivered_at >= $2 AND delivered_at < $3)",
        sum("amount_fen"),
        sum("insurance_fen")
    );
    let r = c.query_built(sql).bind(from.0).bind(to.0).fetch_one(c.conn()).await?;
    Ok(OtherSums {
        appointments: r.try_get(0)?,
        payments_fen: r.try_get(1)?,
        insurance_settlements: r.try_get(2)?,
        insurance_fen: r.try_get(3)?,
        prescriptions_issued: r.try_get(4)?,
        prescriptions_delivered: r.try_get(5)?,
    })
}

/// Consultations created per Shanghai day in `[from_day, to_day)`.
pub async fn daily_created<C: Conn>(c: &mut Scoped<C>, from_day: i32, to_day: i32) -> sqlx::Result<Vec<(i32, i64)>> {
    let sql = format!(
        "SELECT day, {} FROM consultation_daily WHERE hospital_id = $1 AND day >= $2 AND day < $3 GROUP BY day ORDER BY day",
        sum("created")
    );
    let rows = c.query_built(sql).bind(from_day).bind(to_day).fetch_all(c.conn()).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Doctors with the most completed consultations created in `[from, to)`.
pub async fn top_doctors<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant, limit: i64) -> sqlx::Result<Vec<(DoctorId, i64)>> {
    let sql = format!(
        "SELECT doctor_id, {} AS n FROM consultation_daily WHERE hospital_id = $1 AND day >= $2 AND day < $3 \
         GROUP BY doctor_id HAVING {} > 0 ORDER BY n DESC, doctor_id LIMIT $4",
        sum("completed"),
        sum("completed")
    );
    let rows = c.query_built(sql).bind(from.local_day().0).bind(to.local_day().0).bind(limit).fetch_all(c.conn()).await?;
    rows.iter().map(|r| Ok((DoctorId(r.try_get(0)?), r.try_get(1)?))).collect()
}

/// Review texts of consultations rated ≤ 2 created in `[from, to)`.
pub async fn bad_reviews<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant, limit: i64) -> sqlx::Result<Vec<String>> {
    let rows = c
        .query(
            "SELECT review FROM consultations WHERE hospital_id = $1 AND created_at >= $2 AND created_at < $3 AND rating <= 2 \
             ORDER BY created_at DESC LIMIT $4",
        )
        .bind(from.0)
        .bind(to.0)
        .bind(limit)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

/// Per doctor, over consultations created in `[from, to)`: completed, rated, rating sum, good
/// ratings (≥ 4), replies and the sum of (first reply − paid) in µs — the `limit` doctors with
/// the most completed consultations, most first.
pub async fn doctor_stats<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant, limit: i64) -> sqlx::Result<Vec<(DoctorId, [i64; 6])>> {
    let sql = format!(
        "SELECT doctor_id, {completed} AS n, {}, {}, {}, {}, {} FROM consultation_daily WHERE hospital_id = $1 AND day >= $2 AND day < $3 \
         GROUP BY doctor_id HAVING {completed} > 0 ORDER BY n DESC, doctor_id LIMIT $4",
        sum("rated"),
        sum("rating_sum"),
        sum("good"),
        sum("reply_count"),
        sum("reply_micros"),
        completed = sum("completed"),
    );
    let rows = c.query_built(sql).bind(from.local_day().0).bind(to.local_day().0).bind(limit).fetch_all(c.conn()).await?;
    rows.iter()
        .map(|r| Ok((DoctorId(r.try_get(0)?), [r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?, r.try_get(6)?])))
        .collect()
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
