//! SQL of the leaderboards: per-subject sums of a month, the hospital's settings, published
//! months (their frozen inputs) and public feedback.

use hops_kernel::{Instant, LocalDay};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{RankKind, Settings, Subject, Sums, Weights};
use crate::activity::store::sum;

/// Per doctor (or department) id: the sums of consultations created on the days
/// `[from, to)`, read from the module's daily aggregates (`consultation_daily`, maintained on
/// ingest with the same definitions as the KPIs: replies count when paid and replied to).
pub async fn sums_by<C: Conn>(c: &mut Scoped<C>, kind: RankKind, from: LocalDay, to: LocalDay) -> sqlx::Result<Vec<(i64, Sums)>> {
    let group = match kind {
        RankKind::Doctor => "doctor_id",
        RankKind::Department => "department_id",
    };
    let sql = format!(
        "SELECT {group}, {}, {}, {}, {}, {}, {}, {} FROM consultation_daily \
         WHERE hospital_id = $1 AND day >= $2 AND day < $3 GROUP BY {group}",
        sum("created"),
        sum("completed"),
        sum("rated"),
        sum("rating_sum"),
        sum("reply_count"),
        sum("reply_micros"),
        sum("CASE WHEN kind = 'revisit' THEN created ELSE 0 END"),
    );
    let rows = c.query_built(sql).bind(from.0).bind(to.0).fetch_all(c.conn()).await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                Sums {
                    consultations: r.try_get(1)?,
                    completed: r.try_get(2)?,
                    rated: r.try_get(3)?,
                    rating_sum: r.try_get(4)?,
                    replies: r.try_get(5)?,
                    reply_micros: r.try_get(6)?,
                    revisits: r.try_get(7)?,
                },
            ))
        })
        .collect()
}

// ---- settings ----

const SETTINGS_COLUMNS: &str = "weight_volume, weight_satisfaction, weight_reply, weight_revisit, prior_weight, min_sample";

fn settings_of(r: &AnyRow) -> sqlx::Result<Settings> {
    Ok(Settings {
        weights: Weights {
            volume: r.try_get("weight_volume")?,
            satisfaction: r.try_get("weight_satisfaction")?,
            reply: r.try_get("weight_reply")?,
            revisit: r.try_get("weight_revisit")?,
        },
        prior_weight: r.try_get("prior_weight")?,
        min_sample: r.try_get("min_sample")?,
    })
}

/// The hospital's settings, when it has saved any.
pub struct SettingsRow {
    pub settings: Settings,
    pub updated_at: Instant,
    pub updated_by: String,
}

pub async fn settings<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Option<SettingsRow>> {
    let r = c
        .query(
            "SELECT weight_volume, weight_satisfaction, weight_reply, weight_revisit, prior_weight, min_sample, updated_at, updated_by \
             FROM ranking_settings WHERE hospital_id = $1",
        )
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| {
        Ok(SettingsRow { settings: settings_of(&r)?, updated_at: Instant(r.try_get("updated_at")?), updated_by: r.try_get("updated_by")? })
    })
    .transpose()
}

pub async fn save_settings(tx: &mut Tx, s: &Settings, now: Instant, by: &str) -> sqlx::Result<()> {
    let q = tx
        .query(
            "INSERT INTO ranking_settings (hospital_id, weight_volume, weight_satisfaction, weight_reply, weight_revisit, prior_weight, \
             min_sample, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (hospital_id) DO UPDATE SET weight_volume = excluded.weight_volume, \
             weight_satisfaction = excluded.weight_satisfaction, weight_reply = excluded.weight_reply, \
             weight_revisit = excluded.weight_revisit, prior_weight = excluded.prior_weight, min_sample = excluded.min_sample, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(s.weights.volume)
        .bind(s.weights.satisfaction)
        .bind(s.weights.reply)
        .bind(s.weights.revisit)
        .bind(s.prior_weight)
        .bind(s.min_sample)
        .bind(now.0)
        .bind(by.to_string());
    q.execute(tx.conn()).await?;
    Ok(())
}

// ---- publications ----

/// A published month: the settings it was ranked with, when and by whom.
pub struct PublicationRow {
    /// First day of the month.
    pub month: LocalDay,
    pub settings: Settings,
    pub published_at: Instant,
    pub published_by: String,
}

fn publication_of(r: &AnyRow) -> sqlx::Result<PublicationRow> {
    let month: i64 = r.try_get("month")?;
    Ok(PublicationRow {
        month: LocalDay(i32::try_from(month).unwrap_or_default()),
        settings: settings_of(r)?,
        published_at: Instant(r.try_get("published_at")?),
        published_by: r.try_get("published_by")?,
    })
}

pub async fn publication<C: Conn>(c: &mut Scoped<C>, month: LocalDay) -> sqlx::Result<Option<PublicationRow>> {
    let sql = format!(
        "SELECT month, {SETTINGS_COLUMNS}, published_at, published_by FROM ranking_publications WHERE hospital_id = $1 AND month = $2"
    );
    let r = c.query_built(sql).bind(i64::from(month.0)).fetch_optional(c.conn()).await?;
    r.as_ref().map(publication_of).transpose()
}

/// Every published month, newest first.
pub async fn publications<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<PublicationRow>> {
    let sql = format!(
        "SELECT month, {SETTINGS_COLUMNS}, published_at, published_by FROM ranking_publications WHERE hospital_id = $1 ORDER BY month DESC"
    );
    let rows = c.query_built(sql).fetch_all(c.conn()).await?;
    rows.iter().map(publication_of).collect()
}

/// Replaces the publication of `month` (its settings and every subject's frozen inputs).
pub async fn replace_publication(
    tx: &mut Tx,
    month: LocalDay,
    s: &Settings,
    now: Instant,
    by: &str,
    subjects: &[(RankKind, Vec<Subject>)],
) -> sqlx::Result<()> {
    let m = i64::from(month.0);
    tx.query("DELETE FROM ranking_entries WHERE hospital_id = $1 AND month = $2").bind(m).execute(tx.conn()).await?;
    let q = tx
        .query(
            "INSERT INTO ranking_publications (hospital_id, month, weight_volume, weight_satisfaction, weight_reply, weight_revisit, \
             prior_weight, min_sample, published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (hospital_id, month) DO UPDATE SET weight_volume = excluded.weight_volume, \
             weight_satisfaction = excluded.weight_satisfaction, weight_reply = excluded.weight_reply, \
             weight_revisit = excluded.weight_revisit, prior_weight = excluded.prior_weight, min_sample = excluded.min_sample, \
             published_at = excluded.published_at, published_by = excluded.published_by",
        )
        .bind(m)
        .bind(s.weights.volume)
        .bind(s.weights.satisfaction)
        .bind(s.weights.reply)
        .bind(s.weights.revisit)
        .bind(s.prior_weight)
        .bind(s.min_sample)
        .bind(now.0)
        .bind(by.to_string());
    q.execute(tx.conn()).await?;
    for (kind, list) in subjects {
        for x in list {
            let q = tx
                .query(
                    "INSERT INTO ranking_entries (hospital_id, month, kind, subject_id, code, name, department, title, consultations, \
                     completed, rated, rating_sum, replies, reply_micros, revisits) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                )
                .bind(m)
                .bind(kind.code())
                .bind(x.id)
                .bind(x.code.clone())
                .bind(x.name.clone())
                .bind(x.department.clone())
                .bind(x.title.clone())
                .bind(x.sums.consultations)
                .bind(x.sums.completed)
                .bind(x.sums.rated)
                .bind(x.sums.rating_sum)
                .bind(x.sums.replies)
                .bind(x.sums.reply_micros)
                .bind(x.sums.revisits);
            q.execute(tx.conn()).await?;
        }
    }
    Ok(())
}

/// The frozen inputs of a published month.
pub async fn entries<C: Conn>(c: &mut Scoped<C>, month: LocalDay, kind: RankKind) -> sqlx::Result<Vec<Subject>> {
    let rows = c
        .query(
            "SELECT subject_id, code, name, department, title, consultations, completed, rated, rating_sum, replies, reply_micros, revisits \
             FROM ranking_entries WHERE hospital_id = $1 AND month = $2 AND kind = $3 ORDER BY subject_id",
        )
        .bind(i64::from(month.0))
        .bind(kind.code())
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Subject {
                id: r.try_get("subject_id")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                department: r.try_get("department")?,
                title: r.try_get("title")?,
                sums: Sums {
                    consultations: r.try_get("consultations")?,
                    completed: r.try_get("completed")?,
                    rated: r.try_get("rated")?,
                    rating_sum: r.try_get("rating_sum")?,
                    replies: r.try_get("replies")?,
                    reply_micros: r.try_get("reply_micros")?,
                    revisits: r.try_get("revisits")?,
                },
            })
        })
        .collect()
}

// ---- feedback ----

pub struct NewFeedback<'a> {
    pub id: i64,
    pub month: LocalDay,
    pub name: &'a str,
    pub contact_enc: Option<Vec<u8>>,
    pub contact_masked: &'a str,
    pub message: &'a str,
    pub now: Instant,
}

pub async fn insert_feedback(tx: &mut Tx, f: &NewFeedback<'_>) -> sqlx::Result<()> {
    let q = tx
        .query(
            "INSERT INTO ranking_feedback (hospital_id, id, month, name, contact_enc, contact_masked, message, created_at, status) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open')",
        )
        .bind(f.id)
        .bind(i64::from(f.month.0))
        .bind(f.name.to_string())
        .bind(f.contact_enc.clone())
        .bind(f.contact_masked.to_string())
        .bind(f.message.to_string())
        .bind(f.now.0);
    q.execute(tx.conn()).await?;
    Ok(())
}

/// Feedback received since `since`, and whether the same message for the same month is among it.
pub async fn recent_feedback<C: Conn>(c: &mut Scoped<C>, since: Instant, month: LocalDay, message: &str) -> sqlx::Result<(i64, bool)> {
    let r = c
        .query(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN month = $3 AND message = $4 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM ranking_feedback WHERE hospital_id = $1 AND created_at >= $2",
        )
        .bind(since.0)
        .bind(i64::from(month.0))
        .bind(message.to_string())
        .fetch_one(c.conn())
        .await?;
    Ok((r.try_get(0)?, r.try_get::<i64, _>(1)? > 0))
}

pub struct FeedbackRow {
    pub id: i64,
    pub month: LocalDay,
    pub name: String,
    pub contact_enc: Option<Vec<u8>>,
    pub contact_masked: String,
    pub message: String,
    pub created_at: Instant,
    /// `open` or `handled`.
    pub status: String,
    pub handled_at: Option<Instant>,
    pub handled_by: String,
    pub reply: String,
}

const FEEDBACK_COLUMNS: &str = "id, month, name, contact_enc, contact_masked, message, created_at, status, handled_at, handled_by, reply";

fn feedback_of(r: &AnyRow) -> sqlx::Result<FeedbackRow> {
    let month: i64 = r.try_get("month")?;
    Ok(FeedbackRow {
        id: r.try_get("id")?,
        month: LocalDay(i32::try_from(month).unwrap_or_default()),
        name: r.try_get("name")?,
        contact_enc: r.try_get("contact_enc")?,
        contact_masked: r.try_get("contact_masked")?,
        message: r.try_get("message")?,
        created_at: Instant(r.try_get("created_at")?),
        status: r.try_get("status")?,
        handled_at: r.try_get::<Option<i64>, _>("handled_at")?.map(Instant),
        handled_by: r.try_get("handled_by")?,
        reply: r.try_get("reply")?,
    })
}

/// Feedback newest first, optionally of one status (`""` = all); with the total.
pub async fn list_feedback<C: Conn>(c: &mut Scoped<C>, status: &str, offset: i64, limit: i64) -> sqlx::Result<(Vec<FeedbackRow>, i64)> {
    let filter = "hospital_id = $1 AND ($2 = '' OR status = $2)";
    let total: i64 = c
        .query_built(format!("SELECT COUNT(*) FROM ranking_feedback WHERE {filter}"))
        .bind(status.to_string())
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    let rows = c
        .query_built(format!(
            "SELECT {FEEDBACK_COLUMNS} FROM ranking_feedback WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(status.to_string())
        .bind(limit)
        .bind(offset)
        .fetch_all(c.conn())
        .await?;
    Ok((rows.iter().map(feedback_of).collect::<sqlx::Result<_>>()?, total))
}

pub async fn feedback_by_id<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<FeedbackRow>> {
    let r = c
        .query_built(format!("SELECT {FEEDBACK_COLUMNS} FROM ranking_feedback WHERE hospital_id = $1 AND id = $2"))
        .bind(id)
        .fetch_optional(c.conn())
        .await?;
    r.as_ref().map(feedback_of).transpose()
}

/// Marks feedback handled; returns whether it existed.
pub async fn handle_feedback(tx: &mut Tx, id: i64, reply: &str, now: Instant, by: &str) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE ranking_feedback SET status = 'handled', reply = $3, handled_at = $4, handled_by = $5 WHERE hospital_id = $1 AND id = $2",
        )
        .bind(id)
        .bind(reply.to_string())
        .bind(now.0)
        .bind(by.to_string())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() > 0)
}
