//! SQL of complaints (migration 0019): cause categories, complaint cases, their history, the
//! counts behind the monthly trend, and the ticket a complaint is raised from.

use hops_kernel::{Instant, LocalDay};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{Cause, Source, Status, Verdict};

fn decode(what: &str, v: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown complaint {what} {v}").into())
}

// ---- causes ----

pub async fn causes<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<Cause>> {
    let rows = c
        .query("SELECT code, name, review_reason, active FROM desk_complaint_causes WHERE hospital_id = $1 ORDER BY position, code")
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Cause {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                review_reason: r.try_get("review_reason")?,
                active: r.try_get::<i16, _>("active")? != 0,
            })
        })
        .collect()
}

/// Stores the categories in this order; stored ones not listed are stopped (kept for the
/// complaints that use them).
pub async fn save_causes(tx: &mut Tx, list: &[Cause]) -> sqlx::Result<()> {
    tx.query("UPDATE desk_complaint_causes SET active = 0, position = position + 1000 WHERE hospital_id = $1").execute(tx.conn()).await?;
    for (i, c) in list.iter().enumerate() {
        tx.query(
            "INSERT INTO desk_complaint_causes (hospital_id, code, name, review_reason, position, active) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (hospital_id, code) DO UPDATE SET name = excluded.name, review_reason = excluded.review_reason, \
             position = excluded.position, active = excluded.active",
        )
        .bind(c.code.clone())
        .bind(c.name.clone())
        .bind(c.review_reason.clone())
        .bind(i as i32)
        .bind(i16::from(c.active))
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

// ---- complaints ----

pub struct NewComplaint<'a> {
    pub number: &'a str,
    pub source: Source,
    pub ticket_id: Option<i64>,
    pub followup_task_id: Option<i64>,
    pub review_ref: &'a str,
    pub patient_id: Option<i64>,
    pub complainant: &'a str,
    pub phone: Option<&'a hops_platform::crypto::Sealed>,
    pub subject: &'a str,
    pub description: &'a str,
    pub department_id: Option<i64>,
    pub doctor: Option<(i64, String)>,
    pub cause_code: Option<&'a str>,
    pub received_at: Instant,
    pub created_by: Option<i64>,
}

pub async fn insert(tx: &mut Tx, id: i64, n: &NewComplaint<'_>, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_complaints (hospital_id, id, number, source, ticket_id, followup_task_id, review_ref, patient_id, complainant, \
         phone_enc, phone_bidx, phone_masked, subject, description, department_id, doctor_id, doctor_name, cause_code, status, \
         received_at, received_day, created_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 'registered', $19, $20, $21, $22)",
    )
    .bind(id)
    .bind(n.number.to_string())
    .bind(n.source.code())
    .bind(n.ticket_id)
    .bind(n.followup_task_id)
    .bind(n.review_ref.to_string())
    .bind(n.patient_id)
    .bind(n.complainant.to_string())
    .bind(n.phone.map(|p| p.enc.clone()))
    .bind(n.phone.map(|p| p.bidx.clone()))
    .bind(n.phone.map(|p| p.masked.clone()).unwrap_or_default())
    .bind(n.subject.to_string())
    .bind(n.description.to_string())
    .bind(n.department_id)
    .bind(n.doctor.as_ref().map(|d| d.0))
    .bind(n.doctor.as_ref().map(|d| d.1.clone()).unwrap_or_default())
    .bind(n.cause_code.map(str::to_string))
    .bind(n.received_at.0)
    .bind(n.received_at.local_day().0)
    .bind(n.created_by)
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Complaints received on `day` so far (for the next number).
pub async fn count_on_day(tx: &mut Tx, day: LocalDay) -> sqlx::Result<i64> {
    tx.query("SELECT COUNT(*) FROM desk_complaints WHERE hospital_id = $1 AND received_day = $2")
        .bind(day.0)
        .fetch_one(tx.conn())
        .await?
        .try_get(0)
}

#[derive(Clone, Debug)]
pub struct ComplaintRow {
    pub id: i64,
    pub number: String,
    pub source: Source,
    pub ticket_id: Option<i64>,
    pub ticket_number: String,
    pub followup_task_id: Option<i64>,
    pub review_ref: String,
    pub patient_id: Option<i64>,
    pub complainant: String,
    pub phone_masked: String,
    pub has_phone: bool,
    pub subject: String,
    pub description: String,
    pub department_id: Option<i64>,
    pub doctor_id: Option<i64>,
    pub doctor_name: String,
    pub cause_code: Option<String>,
    pub cause_name: String,
    pub verdict: Option<Verdict>,
    pub status: Status,
    pub received_at: Instant,
    pub investigation: String,
    pub rectification: String,
    pub reply: String,
    pub reply_channel: String,
    pub review_note: String,
    pub rectified_by: Option<i64>,
    pub closed_at: Option<Instant>,
}

const SELECT: &str = "SELECT c.id, c.number, c.source, c.ticket_id, COALESCE(t.number, '') AS ticket_number, c.followup_task_id, c.review_ref, \
     c.patient_id, c.complainant, c.phone_masked, CASE WHEN c.phone_enc IS NULL THEN 0 ELSE 1 END AS has_phone, c.subject, c.description, \
     c.department_id, c.doctor_id, c.doctor_name, c.cause_code, COALESCE(k.name, '') AS cause_name, c.verdict, c.status, c.received_at, \
     c.investigation, c.rectification, c.reply, c.reply_channel, c.review_note, c.rectified_by, c.closed_at \
     FROM desk_complaints c LEFT JOIN desk_complaint_causes k ON k.hospital_id = c.hospital_id AND k.code = c.cause_code \
     LEFT JOIN desk_tickets t ON t.hospital_id = c.hospital_id AND t.id = c.ticket_id";

fn row(r: &AnyRow) -> sqlx::Result<ComplaintRow> {
    let source: String = r.try_get("source")?;
    let status: String = r.try_get("status")?;
    let verdict: String = r.try_get("verdict")?;
    Ok(ComplaintRow {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        source: Source::from_code(&source).ok_or_else(|| decode("source", &source))?,
        ticket_id: r.try_get("ticket_id")?,
        ticket_number: r.try_get("ticket_number")?,
        followup_task_id: r.try_get("followup_task_id")?,
        review_ref: r.try_get("review_ref")?,
        patient_id: r.try_get("patient_id")?,
        complainant: r.try_get("complainant")?,
        phone_masked: r.try_get("phone_masked")?,
        has_phone: r.try_get::<i32, _>("has_phone")? != 0,
        subject: r.try_get("subject")?,
        description: r.try_get("description")?,
        department_id: r.try_get("department_id")?,
        doctor_id: r.try_get("doctor_id")?,
        doctor_name: r.try_get("doctor_name")?,
        cause_code: r.try_get("cause_code")?,
        cause_name: r.try_get("cause_name")?,
        verdict: Verdict::from_code(&verdict),
        status: Status::from_code(&status).ok_or_else(|| decode("status", &status))?,
        received_at: Instant(r.try_get("received_at")?),
        investigation: r.try_get("investigation")?,
        rectification: r.try_get("rectification")?,
        reply: r.try_get("reply")?,
        reply_channel: r.try_get("reply_channel")?,
        review_note: r.try_get("review_note")?,
        rectified_by: r.try_get("rectified_by")?,
        closed_at: r.try_get::<Option<i64>, _>("closed_at")?.map(Instant),
    })
}

pub async fn get<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<ComplaintRow>> {
    c.query_built(format!("{SELECT} WHERE c.hospital_id = $1 AND c.id = $2"))
        .bind(id)
        .fetch_optional(c.conn())
        .await?
        .as_ref()
        .map(row)
        .transpose()
}

/// Filters of the complaint list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub source: Option<Source>,
    pub cause: String,
    pub department_id: Option<i64>,
    /// Received on these days (inclusive), when given.
    pub from: Option<LocalDay>,
    pub to: Option<LocalDay>,
    /// Part of the number, complainant, subject or doctor.
    pub q: String,
    /// Only those not yet replied to (已登记, 调查中, 整改中).
    pub open: bool,
}

/// Complaints matching `f`, newest first; and how many.
pub async fn list<C: Conn>(c: &mut Scoped<C>, f: &Filter, offset: i64, limit: i64) -> sqlx::Result<(Vec<ComplaintRow>, i64)> {
    let filter = "c.hospital_id = $1 AND ($2 = '' OR c.status = $2) AND ($3 = '' OR c.source = $3) AND ($4 = '' OR c.cause_code = $4) \
                  AND ($5 = 0 OR c.department_id = $5) AND c.received_day >= $6 AND c.received_day <= $7 \
                  AND ($8 = '' OR c.number = $8 OR c.complainant LIKE $9 ESCAPE '\\' OR c.subject LIKE $9 ESCAPE '\\' OR c.doctor_name LIKE $9 ESCAPE '\\') \
                  AND ($10 = 0 OR c.status IN ('registered', 'investigating', 'rectifying'))";
    let q = f.q.trim().to_string();
    let like = hops_platform::db::contains_pattern(&q);
    let bind = |x: hops_platform::db::Q| {
        x.bind(f.status.map_or("", Status::code).to_string())
            .bind(f.source.map_or("", Source::code).to_string())
            .bind(f.cause.trim().to_string())
            .bind(f.department_id.unwrap_or(0))
            .bind(f.from.map_or(i32::MIN, |d| d.0))
            .bind(f.to.map_or(i32::MAX, |d| d.0))
            .bind(q.clone())
            .bind(like.clone())
            .bind(i64::from(f.open))
    };
    let total: i64 =
        bind(c.query_built(format!("SELECT COUNT(*) FROM desk_complaints c WHERE {filter}"))).fetch_one(c.conn()).await?.try_get(0)?;
    // Integers, not input: the page size and offset are ours.
    let sql = format!("{SELECT} WHERE {filter} ORDER BY c.received_at DESC, c.id DESC LIMIT {} OFFSET {}", limit.max(1), offset.max(0));
    let rows = bind(c.query_built(sql)).fetch_all(c.conn()).await?;
    Ok((rows.iter().map(row).collect::<sqlx::Result<_>>()?, total))
}

/// Complaints waiting for a step: [已登记, 调查中, 整改中, 已回复 and not rectified by `me`
/// (the review is another's: four eyes)].
pub async fn waiting<C: Conn>(c: &mut Scoped<C>, me: i64) -> sqlx::Result<[i64; 4]> {
    let r = c
        .query(
            "SELECT COALESCE(SUM(CASE WHEN status = 'registered' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'investigating' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'rectifying' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'replied' AND (rectified_by IS NULL OR rectified_by <> $2) THEN 1 ELSE 0 END), 0) \
             FROM desk_complaints WHERE hospital_id = $1 AND status <> 'closed'",
        )
        .bind(me)
        .fetch_one(c.conn())
        .await?;
    Ok([r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?])
}

/// What a step writes besides the status.
pub enum StepWrite<'a> {
    Investigate { department_id: i64 },
    Rectify { investigation: &'a str, cause_code: &'a str, verdict: Verdict, rectification: &'a str, by: Option<i64> },
    Reply { reply: &'a str, channel: &'a str },
    Review { note: &'a str, to: Status },
}

/// Applies a step to a complaint in status `from`; false when its status changed meanwhile.
pub async fn apply_step(tx: &mut Tx, id: i64, from: Status, w: &StepWrite<'_>, now: Instant) -> sqlx::Result<bool> {
    let cond = "WHERE hospital_id = $1 AND id = $2 AND status = $3";
    let q = match w {
        StepWrite::Investigate { department_id } => tx
            .query_built(format!("UPDATE desk_complaints SET status = 'investigating', department_id = $4, updated_at = $5 {cond}"))
            .bind(id)
            .bind(from.code())
            .bind(*department_id)
            .bind(now.0),
        StepWrite::Rectify { investigation, cause_code, verdict, rectification, by } => tx
            .query_built(format!(
                "UPDATE desk_complaints SET status = 'rectifying', investigation = $4, cause_code = $5, verdict = $6, rectification = $7, \
                 rectified_by = $8, updated_at = $9 {cond}"
            ))
            .bind(id)
            .bind(from.code())
            .bind(investigation.to_string())
            .bind(cause_code.to_string())
            .bind(verdict.code())
            .bind(rectification.to_string())
            .bind(*by)
            .bind(now.0),
        StepWrite::Reply { reply, channel } => tx
            .query_built(format!("UPDATE desk_complaints SET status = 'replied', reply = $4, reply_channel = $5, updated_at = $6 {cond}"))
            .bind(id)
            .bind(from.code())
            .bind(reply.to_string())
            .bind(channel.to_string())
            .bind(now.0),
        StepWrite::Review { note, to } => tx
            .query_built(format!("UPDATE desk_complaints SET status = $4, review_note = $5, closed_at = $6, updated_at = $7 {cond}"))
            .bind(id)
            .bind(from.code())
            .bind(to.code())
            .bind(note.to_string())
            .bind((*to == Status::Closed).then_some(now.0))
            .bind(now.0),
    };
    Ok(q.execute(tx.conn()).await?.rows_affected() == 1)
}

/// The complainant's encrypted phone.
pub async fn phone_enc<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<Vec<u8>>> {
    let r = c.query("SELECT phone_enc FROM desk_complaints WHERE hospital_id = $1 AND id = $2").bind(id).fetch_optional(c.conn()).await?;
    Ok(r.map(|r| r.try_get::<Option<Vec<u8>>, _>(0)).transpose()?.flatten())
}

/// (received day, cause) of the complaints received on `[from, to)`.
pub async fn received_between<C: Conn>(c: &mut Scoped<C>, from: LocalDay, to: LocalDay) -> sqlx::Result<Vec<(LocalDay, Option<String>)>> {
    let rows = c
        .query("SELECT received_day, cause_code FROM desk_complaints WHERE hospital_id = $1 AND received_day >= $2 AND received_day < $3")
        .bind(from.0)
        .bind(to.0)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| Ok((LocalDay(r.try_get("received_day")?), r.try_get("cause_code")?))).collect()
}
