//! SQL of the job queue.

use hops_kernel::{HospitalId, Instant, JobId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::model::Status;
use crate::core::Tx;
use crate::db::{Engine, Scoped};

#[derive(Clone, Debug)]
pub struct JobRow {
    pub hospital: HospitalId,
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    pub idem_key: Option<String>,
    pub status: Status,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: Instant,
    pub lease_owner: Option<String>,
    pub last_error: Option<String>,
    pub created_at: Instant,
    pub finished_at: Option<Instant>,
}

const COLS: &str =
    "hospital_id, id, kind, payload, idem_key, status, attempts, max_attempts, run_at, lease_owner, last_error, created_at, finished_at";

fn job(r: &AnyRow) -> sqlx::Result<JobRow> {
    let status: String = r.try_get("status")?;
    Ok(JobRow {
        hospital: HospitalId(r.try_get("hospital_id")?),
        id: JobId(r.try_get("id")?),
        kind: r.try_get("kind")?,
        payload: r.try_get("payload")?,
        idem_key: r.try_get("idem_key")?,
        status: Status::from_code(&status).unwrap_or(Status::Dead),
        attempts: r.try_get("attempts")?,
        max_attempts: r.try_get("max_attempts")?,
        run_at: Instant(r.try_get("run_at")?),
        lease_owner: r.try_get("lease_owner")?,
        last_error: r.try_get("last_error")?,
        created_at: Instant(r.try_get("created_at")?),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(Instant),
    })
}

pub struct NewJob<'a> {
    pub id: JobId,
    pub kind: &'a str,
    pub payload: &'a str,
    pub idem_key: Option<&'a str>,
    pub max_attempts: i32,
    pub run_at: Instant,
    pub now: Instant,
}

/// Inserts a job; with an idempotency key already used for this kind, returns the existing id.
pub async fn insert(tx: &mut Tx, j: NewJob<'_>) -> sqlx::Result<(JobId, bool)> {
    let inserted = tx
        .query(
            "INSERT INTO jobs (hospital_id, id, kind, payload, idem_key, status, attempts, max_attempts, run_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $8, $8) ON CONFLICT (hospital_id, kind, idem_key) DO NOTHING",
        )
        .bind(j.id.0)
        .bind(j.kind)
        .bind(j.payload)
        .bind(j.idem_key)
        .bind(j.max_attempts)
        .bind(j.run_at.0)
        .bind(j.now.0)
        .execute(tx.conn())
        .await?
        .rows_affected()
        == 1;
    if inserted {
        return Ok((j.id, true));
    }
    let row = tx
        .query("SELECT id FROM jobs WHERE hospital_id = $1 AND kind = $2 AND idem_key = $3")
        .bind(j.kind)
        .bind(j.idem_key)
        .fetch_one(tx.conn())
        .await?;
    Ok((JobId(row.try_get(0)?), false))
}

/// Claims the next due job of any hospital (or one whose lease ran out: its worker died).
pub async fn claim(
    conn: &mut AnyConnection,
    engine: Engine,
    kinds: &[&str],
    worker: &str,
    now: Instant,
    lease_until: Instant,
) -> sqlx::Result<Option<JobRow>> {
    // Kinds are our own constants, never user input; they are inlined as quoted literals.
    let kinds_sql = kinds.iter().map(|k| format!("'{}'", k.replace('\'', ""))).collect::<Vec<_>>().join(", ");
    let lock = match engine {
        Engine::Postgres => "FOR UPDATE SKIP LOCKED",
        Engine::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3 \
         WHERE (hospital_id, id) = (SELECT hospital_id, id FROM jobs \
             WHERE kind IN ({kinds_sql}) AND ((status = 'queued' AND run_at <= $3) OR (status = 'running' AND lease_until < $3)) \
             ORDER BY run_at, id LIMIT 1 {lock}) \
         RETURNING {COLS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(worker).bind(lease_until.0).bind(now.0).fetch_optional(&mut *conn).await?;
    row.as_ref().map(job).transpose()
}

/// Sets the lease of a just-claimed job to its kind's own length.
pub async fn set_lease(conn: &mut AnyConnection, job: &JobRow, until: Instant) -> sqlx::Result<()> {
    sqlx::query("UPDATE jobs SET lease_until = $1 WHERE hospital_id = $2 AND id = $3")
        .bind(until.0)
        .bind(job.hospital.0)
        .bind(job.id.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks a job done, only if this worker still holds its lease. False: the lease was lost.
pub async fn complete(tx: &mut Tx, id: JobId, worker: &str, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE jobs SET status = 'done', finished_at = $4, updated_at = $4, lease_owner = NULL, lease_until = NULL, last_error = NULL \
             WHERE hospital_id = $1 AND id = $2 AND lease_owner = $3 AND status = 'running'",
        )
        .bind(id.0)
        .bind(worker)
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Records a failure: back to the queue at `retry_at`, or dead when `retry_at` is `None`.
pub async fn fail(tx: &mut Tx, id: JobId, worker: &str, error: &str, retry_at: Option<Instant>, now: Instant) -> sqlx::Result<bool> {
    let (status, run_at, finished) = match retry_at {
        Some(t) => ("queued", t.0, None),
        None => ("dead", now.0, Some(now.0)),
    };
    let r = tx
        .query(
            "UPDATE jobs SET status = $4, run_at = $5, finished_at = $6, last_error = $7, updated_at = $8, lease_owner = NULL, lease_until = NULL \
             WHERE hospital_id = $1 AND id = $2 AND lease_owner = $3 AND status = 'running'",
        )
        .bind(id.0)
        .bind(worker)
        .bind(status)
        .bind(run_at)
        .bind(finished)
        .bind(error)
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Puts a dead job back in the queue with a fresh set of attempts.
pub async fn requeue(tx: &mut Tx, id: JobId, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $3, finished_at = NULL, updated_at = $3 \
             WHERE hospital_id = $1 AND id = $2 AND status = 'dead'",
        )
        .bind(id.0)
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn get<C: std::ops::DerefMut<Target = AnyConnection>>(c: &mut Scoped<C>, id: JobId) -> sqlx::Result<Option<JobRow>> {
    let row =
        c.query_built(format!("SELECT {COLS} FROM jobs WHERE hospital_id = $1 AND id = $2")).bind(id.0).fetch_optional(c.conn()).await?;
    row.as_ref().map(job).transpose()
}

pub async fn list<C: std::ops::DerefMut<Target = AnyConnection>>(
    c: &mut Scoped<C>,
    status: Option<Status>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Vec<JobRow>, i64)> {
    let status = status.map(Status::code).unwrap_or("");
    let total: i64 = c
        .query("SELECT COUNT(*) FROM jobs WHERE hospital_id = $1 AND ($2 = '' OR status = $2)")
        .bind(status)
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    let rows = c
        .query_built(format!(
            "SELECT {COLS} FROM jobs WHERE hospital_id = $1 AND ($2 = '' OR status = $2) ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(c.conn())
        .await?;
    Ok((rows.iter().map(job).collect::<sqlx::Result<_>>()?, total))
}

pub async fn counts<C: std::ops::DerefMut<Target = AnyConnection>>(c: &mut Scoped<C>) -> sqlx::Result<Vec<(Status, i64)>> {
    let rows = c.query("SELECT status, COUNT(*) FROM jobs WHERE hospital_id = $1 GROUP BY status").fetch_all(c.conn()).await?;
    rows.iter().map(|r| Ok((Status::from_code(&r.try_get::<String, _>(0)?).unwrap_or(Status::Dead), r.try_get(1)?))).collect()
}

/// The latest job of a kind (the last enqueued) in this hospital, if any.
pub async fn last_of_kind<C: std::ops::DerefMut<Target = AnyConnection>>(c: &mut Scoped<C>, kind: &str) -> sqlx::Result<Option<JobRow>> {
    let row = c
        .query_built(format!("SELECT {COLS} FROM jobs WHERE hospital_id = $1 AND kind = $2 ORDER BY created_at DESC, id DESC LIMIT 1"))
        .bind(kind)
        .fetch_optional(c.conn())
        .await?;
    row.as_ref().map(job).transpose()
}

/// Counts per status over all hospitals (for /metrics).
pub async fn counts_all(conn: &mut AnyConnection) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetch_all(&mut *conn).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

pub async fn insert_probe(tx: &mut Tx, id: i64, job: JobId, worker: &str, now: Instant) -> sqlx::Result<()> {
    tx.query("INSERT INTO job_probes (hospital_id, id, job_id, worker, completed_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(job.0)
        .bind(worker)
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}
