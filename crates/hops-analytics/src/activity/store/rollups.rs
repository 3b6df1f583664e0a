//! SQL of the roll-ups (migration 0008): reading the rows a change affects, writing deltas,
//! and reading periods. What the roll-ups mean is in [`crate::activity::rollup`].

use std::collections::HashMap;

use hops_kernel::{Instant, LocalDay, PeriodRange};
use hops_platform::Tx;
use hops_platform::db::{BINDS_PER_STATEMENT, Conn, Scoped, rows_per_statement};
use sqlx::Row;

use super::{placeholders, sum};
use crate::activity::rollup::{CellDelta, DailyCell, PatientDelta, SUM_COLUMNS, Sums};

/// The rows of `consultation_daily` on the given days.
pub async fn daily_cells<C: Conn>(c: &mut Scoped<C>, days: &[i32]) -> sqlx::Result<Vec<DailyCell>> {
    let mut out = Vec::new();
    for chunk in days.chunks(BINDS_PER_STATEMENT) {
        let sql = format!(
            "SELECT day, department_id, doctor_id, kind, {} FROM consultation_daily WHERE hospital_id = $1 AND day IN ({})",
            SUM_COLUMNS.join(", "),
            placeholders(2, chunk.len())
        );
        let mut q = c.query_built(sql);
        for d in chunk {
            q = q.bind(*d);
        }
        for r in q.fetch_all(c.conn()).await? {
            let mut sums: Sums = [0; 11];
            for (i, s) in sums.iter_mut().enumerate() {
                *s = r.try_get(4 + i)?;
            }
            out.push(DailyCell {
                day: LocalDay(r.try_get(0)?),
                department: r.try_get(1)?,
                doctor: r.try_get(2)?,
                kind: r.try_get(3)?,
                sums,
            });
        }
    }
    Ok(out)
}

/// Every day with consultations.
pub async fn consultation_days<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<i32>> {
    let rows =
        c.query("SELECT DISTINCT created_day FROM consultations WHERE hospital_id = $1 ORDER BY created_day").fetch_all(c.conn()).await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

/// Adds a delta to `consultation_period`, creating rows as needed.
pub async fn add_period_cells(tx: &mut Tx, delta: &CellDelta) -> sqlx::Result<()> {
    let mut keys: Vec<_> = delta.keys().collect();
    keys.sort();
    const PER_ROW: usize = 5 + 11;
    for chunk in keys.chunks(rows_per_statement(PER_ROW)) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, {})", placeholders(2 + i * PER_ROW, PER_ROW))).collect();
        let updates: Vec<String> = SUM_COLUMNS.iter().map(|c| format!("{c} = consultation_period.{c} + excluded.{c}")).collect();
        let sql = format!(
            "INSERT INTO consultation_period (hospital_id, period_kind, period_start, department_id, doctor_id, kind, {}) VALUES {} \
             ON CONFLICT (hospital_id, period_kind, period_start, department_id, doctor_id, kind) DO UPDATE SET {}",
            SUM_COLUMNS.join(", "),
            values.join(", "),
            updates.join(", ")
        );
        let mut q = tx.query_built(sql);
        for k in chunk {
            q = q.bind(k.period.code()).bind(k.start.0).bind(k.department).bind(k.doctor).bind(k.kind.clone());
            for v in delta[*k] {
                q = q.bind(v);
            }
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// The consultation days of each of these patients (patients without any are left out).
pub async fn patient_days<C: Conn>(c: &mut Scoped<C>, patients: &[i64]) -> sqlx::Result<HashMap<i64, Vec<LocalDay>>> {
    let mut out: HashMap<i64, Vec<LocalDay>> = HashMap::new();
    for chunk in patients.chunks(BINDS_PER_STATEMENT) {
        let sql = format!(
            "SELECT patient_id, created_day FROM consultations WHERE hospital_id = $1 AND patient_id IN ({})",
            placeholders(2, chunk.len())
        );
        let mut q = c.query_built(sql);
        for p in chunk {
            q = q.bind(*p);
        }
        for r in q.fetch_all(c.conn()).await? {
            out.entry(r.try_get(0)?).or_default().push(LocalDay(r.try_get(1)?));
        }
    }
    Ok(out)
}

/// Up to `limit` (patient, consultation day) pairs of the patients after `after`, by patient.
pub async fn patient_days_page<C: Conn>(c: &mut Scoped<C>, after: i64, limit: i64) -> sqlx::Result<Vec<(i64, LocalDay)>> {
    let rows = c
        .query(
            "SELECT patient_id, created_day FROM consultations WHERE hospital_id = $1 AND patient_id > $2 \
             ORDER BY patient_id, created_at LIMIT $3",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, LocalDay(r.try_get(1)?)))).collect()
}

/// Adds a delta to `period_patients`.
pub async fn add_period_patients(tx: &mut Tx, delta: &PatientDelta) -> sqlx::Result<()> {
    let mut keys: Vec<_> = delta.keys().collect();
    keys.sort();
    for chunk in keys.chunks(rows_per_statement(4)) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, {})", placeholders(2 + i * 4, 4))).collect();
        let sql = format!(
            "INSERT INTO period_patients (hospital_id, period_kind, period_start, patients, returning_patients) VALUES {} \
             ON CONFLICT (hospital_id, period_kind, period_start) DO UPDATE SET patients = period_patients.patients + excluded.patients, \
             returning_patients = period_patients.returning_patients + excluded.returning_patients",
            values.join(", ")
        );
        let mut q = tx.query_built(sql);
        for k in chunk {
            let (patients, returning) = delta[*k];
            q = q.bind(k.0.code()).bind(k.1.0).bind(patients).bind(returning);
        }
        q.execute(tx.conn()).await?;
    }
    Ok(())
}

/// Removes every roll-up row of the hospital (before a rebuild).
pub async fn clear(tx: &mut Tx) -> sqlx::Result<()> {
    for sql in [
        "DELETE FROM consultation_period WHERE hospital_id = $1",
        "DELETE FROM period_patients WHERE hospital_id = $1",
        "DELETE FROM activity_daily WHERE hospital_id = $1",
        "DELETE FROM review_reason_daily WHERE hospital_id = $1",
    ] {
        tx.query(sql).execute(tx.conn()).await?;
    }
    Ok(())
}

/// Hospitals waiting for a rebuild (see migration 0008).
pub async fn pending_rebuild<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<bool> {
    Ok(c.query("SELECT hospital_id FROM rollup_rebuilds WHERE hospital_id = $1").fetch_optional(c.conn()).await?.is_some())
}

pub async fn rebuilt(tx: &mut Tx) -> sqlx::Result<()> {
    tx.query("DELETE FROM rollup_rebuilds WHERE hospital_id = $1").execute(tx.conn()).await?;
    Ok(())
}

// ---- other activity, per day ----

/// Where a group of daily metrics comes from: the rows of `table` whose `column` (an instant)
/// falls on the day, and per metric the SQL aggregate over them.
pub struct Source {
    pub table: &'static str,
    pub column: &'static str,
    pub metrics: &'static [(&'static str, &'static str)],
}

pub const APPOINTMENTS: Source = Source { table: "appointments", column: "booked_at", metrics: &[("appointments", "COUNT(*)")] };
pub const PAYMENTS: Source = Source {
    table: "payments",
    column: "paid_at",
    metrics: &[
        ("payments_fen", "COALESCE(SUM(amount_fen), 0)"),
        ("insurance_settlements", "COALESCE(SUM(CASE WHEN insurance_fen > 0 THEN 1 ELSE 0 END), 0)"),
        ("insurance_fen", "COALESCE(SUM(insurance_fen), 0)"),
        // Per payment kind, for what counts as revenue R (crate::revenue).
        ("payments_fen_recharge", "COALESCE(SUM(CASE WHEN kind = 'recharge' THEN amount_fen ELSE 0 END), 0)"),
        ("payments_fen_outpatient", "COALESCE(SUM(CASE WHEN kind = 'outpatient' THEN amount_fen ELSE 0 END), 0)"),
        ("payments_fen_consultation", "COALESCE(SUM(CASE WHEN kind = 'consultation' THEN amount_fen ELSE 0 END), 0)"),
        ("payments_fen_prescription", "COALESCE(SUM(CASE WHEN kind = 'prescription' THEN amount_fen ELSE 0 END), 0)"),
        ("payments_fen_other", "COALESCE(SUM(CASE WHEN kind = 'other' THEN amount_fen ELSE 0 END), 0)"),
    ],
};
/// Consultations per created day: the count (the dashboard's daily trend) and the revenue
/// (the KPI `consultation_revenue`, by day for contract-year revenue R, whose year need not
/// start on a period boundary).
pub const CONSULTATIONS: Source = Source {
    table: "consultations",
    column: "created_at",
    metrics: &[
        ("consultations_created", "COUNT(*)"),
        ("consultation_revenue_fen", "COALESCE(SUM(CASE WHEN paid_at IS NOT NULL AND refunded_at IS NULL THEN amount_fen ELSE 0 END), 0)"),
    ],
};
pub const PRESCRIPTIONS_ISSUED: Source =
    Source { table: "prescriptions", column: "issued_at", metrics: &[("prescriptions_issued", "COUNT(*)")] };
pub const PRESCRIPTIONS_DELIVERED: Source =
    Source { table: "prescriptions", column: "delivered_at", metrics: &[("prescriptions_delivered", "COUNT(*)")] };
pub const SOURCES: [&Source; 5] = [&APPOINTMENTS, &PAYMENTS, &PRESCRIPTIONS_ISSUED, &PRESCRIPTIONS_DELIVERED, &CONSULTATIONS];

/// The stored instants of `source.column` of the rows with these external ids (the days an
/// update takes rows away from).
pub async fn stored_instants(tx: &mut Tx, source: &Source, external_ids: &[&str]) -> sqlx::Result<Vec<Instant>> {
    let mut out = Vec::new();
    for chunk in external_ids.chunks(BINDS_PER_STATEMENT) {
        let sql = format!(
            // No `{col} IS NOT NULL` here: with it SQLite may walk the index on that column
            // (all delivered prescriptions) instead of looking up the external ids.
            "SELECT {col} FROM {table} WHERE hospital_id = $1 AND external_id IN ({})",
            placeholders(2, chunk.len()),
            col = source.column,
            table = source.table
        );
        let mut q = tx.query_built(sql);
        for e in chunk {
            q = q.bind(e.to_string());
        }
        for r in q.fetch_all(tx.conn()).await? {
            out.extend(r.try_get::<Option<i64>, _>(0)?.map(Instant));
        }
    }
    Ok(out)
}

/// The first and last instant of `source.column`, if any.
pub async fn span<C: Conn>(c: &mut Scoped<C>, source: &Source) -> sqlx::Result<Option<(Instant, Instant)>> {
    let sql = format!("SELECT MIN({col}), MAX({col}) FROM {} WHERE hospital_id = $1", source.table, col = source.column);
    let r = c.query_built(sql).fetch_one(c.conn()).await?;
    let (a, b): (Option<i64>, Option<i64>) = (r.try_get(0)?, r.try_get(1)?);
    Ok(a.zip(b).map(|(a, b)| (Instant(a), Instant(b))))
}

/// Recomputes the source's metrics of the given days from the raw rows.
pub async fn refresh_activity(tx: &mut Tx, source: &Source, days: &[LocalDay]) -> sqlx::Result<()> {
    let aggregates: Vec<&str> = source.metrics.iter().map(|(_, agg)| *agg).collect();
    let read = format!(
        "SELECT {} FROM {} WHERE hospital_id = $1 AND {col} >= $2 AND {col} < $3",
        aggregates.iter().map(|a| format!("CAST({a} AS BIGINT)")).collect::<Vec<_>>().join(", "),
        source.table,
        col = source.column
    );
    for day in days {
        let r = tx.query_built(read.clone()).bind(day.start().0).bind(day.plus_days(1).start().0).fetch_one(tx.conn()).await?;
        for (i, (metric, _)) in source.metrics.iter().enumerate() {
            let value: i64 = r.try_get(i)?;
            tx.query(
                "INSERT INTO activity_daily (hospital_id, metric, day, value) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (hospital_id, metric, day) DO UPDATE SET value = excluded.value",
            )
            .bind(*metric)
            .bind(day.0)
            .bind(value)
            .execute(tx.conn())
            .await?;
        }
    }
    Ok(())
}

// ---- bad-review reasons, per day ----

/// Recomputes the bad-review reasons of the given consultation days.
pub async fn refresh_review_reasons(tx: &mut Tx, days: &[i32]) -> sqlx::Result<()> {
    for day in days {
        let texts: Vec<String> = tx
            .query("SELECT review FROM consultations WHERE hospital_id = $1 AND created_day = $2 AND rating <= 2")
            .bind(*day)
            .fetch_all(tx.conn())
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<sqlx::Result<_>>()?;
        tx.query("DELETE FROM review_reason_daily WHERE hospital_id = $1 AND day = $2").bind(*day).execute(tx.conn()).await?;
        for (reason, n) in crate::activity::reviews::tally(texts.iter().map(String::as_str)) {
            tx.query("INSERT INTO review_reason_daily (hospital_id, day, reason, n) VALUES ($1, $2, $3, $4)")
                .bind(*day)
                .bind(reason)
                .bind(n)
                .execute(tx.conn())
                .await?;
        }
    }
    Ok(())
}

// ---- reads ----

/// The period's consultation cells summed per `group` column (`kind`, `department_id` or
/// `doctor_id`), read as `K`.
pub async fn period_sums_by<C: Conn, K>(c: &mut Scoped<C>, range: PeriodRange, group: &'static str) -> sqlx::Result<Vec<(K, Sums)>>
where
    K: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let sums: Vec<String> = SUM_COLUMNS.iter().map(|c| sum(c)).collect();
    let sql = format!(
        "SELECT {group}, {} FROM consultation_period WHERE hospital_id = $1 AND period_kind = $2 AND period_start = $3 GROUP BY {group}",
        sums.join(", ")
    );
    let rows = c.query_built(sql).bind(range.kind.code()).bind(range.start.0).fetch_all(c.conn()).await?;
    keyed_sums(&rows)
}

/// Rows of a key and the [`SUM_COLUMNS`] after it, read as `(K, Sums)`.
fn keyed_sums<K>(rows: &[sqlx::any::AnyRow]) -> sqlx::Result<Vec<(K, Sums)>>
where
    K: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    rows.iter()
        .map(|r| {
            let mut s: Sums = [0; 11];
            for (i, v) in s.iter_mut().enumerate() {
                *v = r.try_get(1 + i)?;
            }
            Ok((r.try_get(0)?, s))
        })
        .collect()
}

/// Distinct doctors with a completed consultation in the period.
pub async fn active_doctors<C: Conn>(c: &mut Scoped<C>, range: PeriodRange) -> sqlx::Result<i64> {
    c.query(
        "SELECT COUNT(DISTINCT doctor_id) FROM consultation_period WHERE hospital_id = $1 AND period_kind = $2 AND period_start = $3 \
         AND completed > 0",
    )
    .bind(range.kind.code())
    .bind(range.start.0)
    .fetch_one(c.conn())
    .await?
    .try_get(0)
}

/// Distinct patients with a consultation in the period, and the returning ones among them.
pub async fn period_patients<C: Conn>(c: &mut Scoped<C>, range: PeriodRange) -> sqlx::Result<(i64, i64)> {
    let r = c
        .query("SELECT patients, returning_patients FROM period_patients WHERE hospital_id = $1 AND period_kind = $2 AND period_start = $3")
        .bind(range.kind.code())
        .bind(range.start.0)
        .fetch_optional(c.conn())
        .await?;
    match r {
        Some(r) => Ok((r.try_get(0)?, r.try_get(1)?)),
        None => Ok((0, 0)),
    }
}

/// The consultation cells of the days `[from, to)` summed per `group` column, as
/// [`period_sums_by`] sums a whole period (for a part of one: the same cells, by day).
pub async fn span_sums_by<C: Conn, K>(c: &mut Scoped<C>, from: LocalDay, to: LocalDay, group: &'static str) -> sqlx::Result<Vec<(K, Sums)>>
where
    K: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let sums: Vec<String> = SUM_COLUMNS.iter().map(|c| sum(c)).collect();
    let sql = format!(
        "SELECT {group}, {} FROM consultation_daily WHERE hospital_id = $1 AND day >= $2 AND day < $3 GROUP BY {group}",
        sums.join(", ")
    );
    let rows = c.query_built(sql).bind(from.0).bind(to.0).fetch_all(c.conn()).await?;
    keyed_sums(&rows)
}

/// Distinct doctors with a completed consultation on the days `[from, to)` (as
/// [`active_doctors`] for a whole period).
pub async fn span_active_doctors<C: Conn>(c: &mut Scoped<C>, from: LocalDay, to: LocalDay) -> sqlx::Result<i64> {
    c.query("SELECT COUNT(DISTINCT doctor_id) FROM consultation_daily WHERE hospital_id = $1 AND day >= $2 AND day < $3 AND completed > 0")
        .bind(from.0)
        .bind(to.0)
        .fetch_one(c.conn())
        .await?
        .try_get(0)
}

/// Distinct patients with a consultation on the days `[from, to)`, and those among them with
/// one before `from` (as [`period_patients`] keeps for a whole period). "Before" is asked of the
/// patient's own rows by `created_at` (before `from`'s first instant, the same as an earlier
/// `created_day`), so the lookup is one seek in `consultations_patient` per patient of the days
/// — not a scan of the history before them (`created_day` made SQLite walk that, 159 s for a
/// quarter of the demo).
pub async fn span_patients<C: Conn>(c: &mut Scoped<C>, from: LocalDay, to: LocalDay) -> sqlx::Result<(i64, i64)> {
    let r = c
        .query_built(format!(
            "SELECT COUNT(*), {} FROM (SELECT DISTINCT patient_id FROM consultations WHERE hospital_id = $1 AND created_day >= $2 \
             AND created_day < $3) x",
            sum("CASE WHEN EXISTS (SELECT 1 FROM consultations e WHERE e.hospital_id = $1 AND e.patient_id = x.patient_id \
                 AND e.created_at < $4) THEN 1 ELSE 0 END")
        ))
        .bind(from.0)
        .bind(to.0)
        .bind(from.start().0)
        .fetch_one(c.conn())
        .await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

/// The daily metrics summed over the days `[from, to)`.
pub async fn activity_sums<C: Conn>(c: &mut Scoped<C>, from: LocalDay, to: LocalDay) -> sqlx::Result<HashMap<String, i64>> {
    let rows = c
        .query_built(format!(
            "SELECT metric, {} FROM activity_daily WHERE hospital_id = $1 AND day >= $2 AND day < $3 GROUP BY metric",
            sum("value")
        ))
        .bind(from.0)
        .bind(to.0)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// One daily metric per day over `[from, to)` (days without a row are left out).
pub async fn metric_by_day<C: Conn>(c: &mut Scoped<C>, metric: &str, from: LocalDay, to: LocalDay) -> sqlx::Result<Vec<(LocalDay, i64)>> {
    let rows = c
        .query("SELECT day, value FROM activity_daily WHERE hospital_id = $1 AND metric = $2 AND day >= $3 AND day < $4 ORDER BY day")
        .bind(metric.to_string())
        .bind(from.0)
        .bind(to.0)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| Ok((LocalDay(r.try_get(0)?), r.try_get(1)?))).collect()
}

/// Bad reviews per reason over the days `[from, to)`.
pub async fn review_reasons<C: Conn>(c: &mut Scoped<C>, from: LocalDay, to: LocalDay) -> sqlx::Result<HashMap<String, i64>> {
    let rows = c
        .query_built(format!(
            "SELECT reason, {} FROM review_reason_daily WHERE hospital_id = $1 AND day >= $2 AND day < $3 GROUP BY reason",
            sum("n")
        ))
        .bind(from.0)
        .bind(to.0)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}
