//! SQL of follow-up (migrations 0019, 0031): the desk's list of its questionnaires (forms kept by
//! the platform's forms engine), plans, key patients, call tasks with their attempts and the
//! response each answered call recorded, opt-outs, and the answered calls.

use hops_kernel::Instant;
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{Audience, Outcome, Plan, RetryRule, TaskStatus};

fn decode(what: &str, v: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown follow-up {what} {v}").into())
}

// ---- questionnaires ----

/// The ids of the desk's questionnaires (forms of the forms engine with the same id).
pub async fn questionnaire_ids<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<i64>> {
    let rows = c.query("SELECT id FROM desk_followup_questionnaires WHERE hospital_id = $1 ORDER BY id").fetch_all(c.conn()).await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

/// Lists a form as one of the desk's questionnaires.
pub async fn register_questionnaire(tx: &mut Tx, id: i64) -> sqlx::Result<()> {
    tx.query("INSERT INTO desk_followup_questionnaires (hospital_id, id) VALUES ($1, $2) ON CONFLICT (hospital_id, id) DO NOTHING")
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

// ---- plans ----

#[derive(Clone, Debug)]
pub struct PlanRow {
    pub id: i64,
    pub plan: Plan,
    pub generated_until: Option<Instant>,
    pub pending: i64,
    pub completed: i64,
    pub failed: i64,
    pub updated_at: Instant,
}

const PLAN_SELECT: &str = "SELECT p.id, p.name, p.audience, p.department_id, p.delay_days, p.repeat_days, p.script, p.questionnaire_id, \
     p.max_attempts, p.retry_no_answer_hours, p.retry_busy_hours, p.retry_family_hours, p.active, p.generated_until, p.updated_at, \
     (SELECT COUNT(*) FROM desk_followup_tasks t WHERE t.hospital_id = p.hospital_id AND t.plan_id = p.id AND t.status = 'pending') AS pending, \
     (SELECT COUNT(*) FROM desk_followup_tasks t WHERE t.hospital_id = p.hospital_id AND t.plan_id = p.id AND t.status = 'completed') AS completed, \
     (SELECT COUNT(*) FROM desk_followup_tasks t WHERE t.hospital_id = p.hospital_id AND t.plan_id = p.id AND t.status = 'failed') AS failed \
     FROM desk_followup_plans p WHERE p.hospital_id = $1";

fn plan_row(r: &AnyRow) -> sqlx::Result<PlanRow> {
    let audience: String = r.try_get("audience")?;
    Ok(PlanRow {
        id: r.try_get("id")?,
        plan: Plan {
            name: r.try_get("name")?,
            audience: Audience::from_code(&audience).ok_or_else(|| decode("audience", &audience))?,
            department_id: r.try_get("department_id")?,
            delay_days: r.try_get("delay_days")?,
            repeat_days: r.try_get("repeat_days")?,
            script: r.try_get("script")?,
            questionnaire_id: r.try_get("questionnaire_id")?,
            retry: RetryRule {
                max_attempts: r.try_get("max_attempts")?,
                no_answer_hours: r.try_get("retry_no_answer_hours")?,
                refused_hours: r.try_get("retry_busy_hours")?,
                family_hours: r.try_get("retry_family_hours")?,
            },
            active: r.try_get::<i16, _>("active")? != 0,
        },
        generated_until: r.try_get::<Option<i64>, _>("generated_until")?.map(Instant),
        pending: r.try_get("pending")?,
        completed: r.try_get("completed")?,
        failed: r.try_get("failed")?,
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

pub async fn plans<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<PlanRow>> {
    let rows = c.query_built(format!("{PLAN_SELECT} ORDER BY p.active DESC, p.name")).fetch_all(c.conn()).await?;
    rows.iter().map(plan_row).collect()
}

pub async fn plan<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<PlanRow>> {
    c.query_built(format!("{PLAN_SELECT} AND p.id = $2")).bind(id).fetch_optional(c.conn()).await?.as_ref().map(plan_row).transpose()
}

pub async fn plan_named<C: Conn>(c: &mut Scoped<C>, name: &str) -> sqlx::Result<Option<i64>> {
    let r = c
        .query("SELECT id FROM desk_followup_plans WHERE hospital_id = $1 AND name = $2")
        .bind(name.to_string())
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| r.try_get(0)).transpose()
}

/// Inserts or updates a plan.
pub async fn save_plan(tx: &mut Tx, id: i64, p: &Plan, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_followup_plans (hospital_id, id, name, audience, department_id, delay_days, repeat_days, script, \
         questionnaire_id, max_attempts, retry_no_answer_hours, retry_busy_hours, retry_family_hours, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
         ON CONFLICT (hospital_id, id) DO UPDATE SET name = excluded.name, audience = excluded.audience, \
         department_id = excluded.department_id, delay_days = excluded.delay_days, repeat_days = excluded.repeat_days, \
         script = excluded.script, questionnaire_id = excluded.questionnaire_id, max_attempts = excluded.max_attempts, \
         retry_no_answer_hours = excluded.retry_no_answer_hours, retry_busy_hours = excluded.retry_busy_hours, \
         retry_family_hours = excluded.retry_family_hours, active = excluded.active, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(p.name.clone())
    .bind(p.audience.code())
    .bind(p.department_id)
    .bind(p.delay_days)
    .bind(p.repeat_days)
    .bind(p.script.clone())
    .bind(p.questionnaire_id)
    .bind(p.retry.max_attempts)
    .bind(p.retry.no_answer_hours)
    .bind(p.retry.refused_hours)
    .bind(p.retry.family_hours)
    .bind(i16::from(p.active))
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn set_generated_until(tx: &mut Tx, id: i64, until: Instant) -> sqlx::Result<()> {
    tx.query("UPDATE desk_followup_plans SET generated_until = $3 WHERE hospital_id = $1 AND id = $2")
        .bind(id)
        .bind(until.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

// ---- key patients ----

#[derive(Clone, Debug)]
pub struct KeyPatientRow {
    pub patient_id: i64,
    pub reason: String,
    pub marked_at: Instant,
}

fn key_row(r: &AnyRow) -> sqlx::Result<KeyPatientRow> {
    Ok(KeyPatientRow { patient_id: r.try_get("patient_id")?, reason: r.try_get("reason")?, marked_at: Instant(r.try_get("marked_at")?) })
}

/// Key patients, newest first, `limit` from `offset`; and how many there are.
pub async fn key_patients<C: Conn>(c: &mut Scoped<C>, offset: i64, limit: i64) -> sqlx::Result<(Vec<KeyPatientRow>, i64)> {
    let total: i64 =
        c.query("SELECT COUNT(*) FROM desk_followup_key_patients WHERE hospital_id = $1").fetch_one(c.conn()).await?.try_get(0)?;
    // Integers, not input: the page size and offset are ours.
    let sql = format!(
        "SELECT patient_id, reason, marked_at FROM desk_followup_key_patients WHERE hospital_id = $1 ORDER BY marked_at DESC, patient_id \
         LIMIT {} OFFSET {}",
        limit.max(1),
        offset.max(0)
    );
    let rows = c.query_built(sql).fetch_all(c.conn()).await?;
    Ok((rows.iter().map(key_row).collect::<sqlx::Result<_>>()?, total))
}

pub async fn key_patient<C: Conn>(c: &mut Scoped<C>, patient: i64) -> sqlx::Result<Option<KeyPatientRow>> {
    c.query("SELECT patient_id, reason, marked_at FROM desk_followup_key_patients WHERE hospital_id = $1 AND patient_id = $2")
        .bind(patient)
        .fetch_optional(c.conn())
        .await?
        .as_ref()
        .map(key_row)
        .transpose()
}

/// Marks a patient (keeps the first marking's date; updates the reason).
pub async fn mark_key(tx: &mut Tx, patient: i64, reason: &str, by: Option<i64>, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_followup_key_patients (hospital_id, patient_id, reason, marked_at, marked_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (hospital_id, patient_id) DO UPDATE SET reason = excluded.reason",
    )
    .bind(patient)
    .bind(reason.to_string())
    .bind(now.0)
    .bind(by)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn unmark_key(tx: &mut Tx, patient: i64) -> sqlx::Result<bool> {
    let r = tx
        .query("DELETE FROM desk_followup_key_patients WHERE hospital_id = $1 AND patient_id = $2")
        .bind(patient)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

// ---- tasks ----

/// A task to insert.
pub struct NewTask<'a> {
    pub plan_id: i64,
    pub source_kind: Audience,
    pub source_key: String,
    pub source_ref: String,
    pub subject: String,
    pub patient_id: Option<i64>,
    pub booking_id: Option<i64>,
    pub patient_name: &'a str,
    pub phone_masked: &'a str,
    pub doctor: Option<(i64, String)>,
    pub department: Option<(i64, String)>,
    pub event_at: Instant,
    pub due_at: Instant,
    pub questionnaire_id: Option<i64>,
}

/// Inserts a task unless the plan has one for its source key; whether it was inserted.
pub async fn insert_task(tx: &mut Tx, id: i64, t: &NewTask<'_>, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "INSERT INTO desk_followup_tasks (hospital_id, id, plan_id, source_kind, source_key, source_ref, subject, patient_id, \
             booking_id, patient_name, phone_masked, doctor_id, doctor_name, department_id, department_name, event_at, status, due_at, \
             questionnaire_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'pending', $17, $18, $19, $19) \
             ON CONFLICT (hospital_id, plan_id, source_key) DO NOTHING",
        )
        .bind(id)
        .bind(t.plan_id)
        .bind(t.source_kind.code())
        .bind(t.source_key.clone())
        .bind(t.source_ref.clone())
        .bind(t.subject.clone())
        .bind(t.patient_id)
        .bind(t.booking_id)
        .bind(t.patient_name.to_string())
        .bind(t.phone_masked.to_string())
        .bind(t.doctor.as_ref().map(|d| d.0))
        .bind(t.doctor.as_ref().map(|d| d.1.clone()).unwrap_or_default())
        .bind(t.department.as_ref().map(|d| d.0))
        .bind(t.department.as_ref().map(|d| d.1.clone()).unwrap_or_default())
        .bind(t.event_at.0)
        .bind(t.due_at.0)
        .bind(t.questionnaire_id)
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Clone, Debug)]
pub struct TaskRow {
    pub id: i64,
    pub plan_id: i64,
    pub plan_name: String,
    pub source_kind: Audience,
    pub source_ref: String,
    pub subject: String,
    pub patient_id: Option<i64>,
    pub booking_id: Option<i64>,
    pub patient_name: String,
    pub phone_masked: String,
    pub doctor_id: Option<i64>,
    pub doctor_name: String,
    pub department_id: Option<i64>,
    pub department_name: String,
    pub event_at: Instant,
    pub status: TaskStatus,
    pub due_at: Instant,
    pub attempts: i32,
    pub last_outcome: Option<Outcome>,
    pub questionnaire_id: Option<i64>,
    /// The answers this task's call recorded (a response of the forms engine).
    pub response_id: Option<i64>,
    pub answered_at: Option<Instant>,
    pub closed_at: Option<Instant>,
}

const TASK_SELECT: &str = "SELECT t.id, t.plan_id, p.name AS plan_name, t.source_kind, t.source_ref, t.subject, t.patient_id, t.booking_id, \
     t.patient_name, t.phone_masked, t.doctor_id, t.doctor_name, t.department_id, t.department_name, t.event_at, t.status, t.due_at, \
     t.attempts, t.last_outcome, t.questionnaire_id, t.response_id, t.answered_at, t.closed_at \
     FROM desk_followup_tasks t JOIN desk_followup_plans p ON p.hospital_id = t.hospital_id AND p.id = t.plan_id";

fn task_row(r: &AnyRow) -> sqlx::Result<TaskRow> {
    let kind: String = r.try_get("source_kind")?;
    let status: String = r.try_get("status")?;
    let outcome: Option<String> = r.try_get("last_outcome")?;
    Ok(TaskRow {
        id: r.try_get("id")?,
        plan_id: r.try_get("plan_id")?,
        plan_name: r.try_get("plan_name")?,
        source_kind: Audience::from_code(&kind).ok_or_else(|| decode("source", &kind))?,
        source_ref: r.try_get("source_ref")?,
        subject: r.try_get("subject")?,
        patient_id: r.try_get("patient_id")?,
        booking_id: r.try_get("booking_id")?,
        patient_name: r.try_get("patient_name")?,
        phone_masked: r.try_get("phone_masked")?,
        doctor_id: r.try_get("doctor_id")?,
        doctor_name: r.try_get("doctor_name")?,
        department_id: r.try_get("department_id")?,
        department_name: r.try_get("department_name")?,
        event_at: Instant(r.try_get("event_at")?),
        status: TaskStatus::from_code(&status).ok_or_else(|| decode("status", &status))?,
        due_at: Instant(r.try_get("due_at")?),
        attempts: r.try_get("attempts")?,
        last_outcome: outcome.as_deref().map(|o| Outcome::from_code(o).ok_or_else(|| decode("outcome", o))).transpose()?,
        questionnaire_id: r.try_get("questionnaire_id")?,
        response_id: r.try_get("response_id")?,
        answered_at: r.try_get::<Option<i64>, _>("answered_at")?.map(Instant),
        closed_at: r.try_get::<Option<i64>, _>("closed_at")?.map(Instant),
    })
}

pub async fn task<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<TaskRow>> {
    task_in_scope(c, id, None).await
}

/// A task within a data scope (see [`in_departments`]); `None` outside it.
pub async fn task_in_scope<C: Conn>(c: &mut Scoped<C>, id: i64, departments: Option<&[i64]>) -> sqlx::Result<Option<TaskRow>> {
    c.query_built(format!("{TASK_SELECT} WHERE t.hospital_id = $1 AND t.id = $2{}", in_departments(departments)))
        .bind(id)
        .fetch_optional(c.conn())
        .await?
        .as_ref()
        .map(task_row)
        .transpose()
}

/// Filters of the task queue.
#[derive(Clone, Debug, Default)]
pub struct TaskFilter {
    pub status: Option<TaskStatus>,
    pub plan_id: Option<i64>,
    /// Only tasks due by this instant.
    pub due_by: Option<Instant>,
    /// Part of the patient's name, the source reference, or the task number.
    pub q: String,
}

/// Tasks matching `f`: pending ones first by due time, then the others newest first.
/// The SQL condition of a data scope on tasks: `None` every task, else those about a
/// consultation in one of the departments (ids are numbers, written in the statement).
fn in_departments(departments: Option<&[i64]>) -> String {
    match departments {
        None => String::new(),
        Some([]) => " AND 1 = 0".into(),
        Some(ids) => format!(" AND t.department_id IN ({})", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")),
    }
}

/// Tasks matching `f` within a data scope (see [`in_departments`]): pending ones first by due
/// time, then the others newest first.
pub async fn tasks<C: Conn>(
    c: &mut Scoped<C>,
    f: &TaskFilter,
    departments: Option<&[i64]>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Vec<TaskRow>, i64)> {
    let filter = format!(
        "t.hospital_id = $1 AND ($2 = '' OR t.status = $2) AND ($3 = 0 OR t.plan_id = $3) AND ($4 = 0 OR t.due_at <= $4) \
         AND ($5 = '' OR t.patient_name LIKE $6 ESCAPE '\\' OR t.source_ref = $5 OR CAST(t.id AS TEXT) = $5){}",
        in_departments(departments)
    );
    let q = f.q.trim().to_string();
    let like = hops_platform::db::contains_pattern(&q);
    let bind = |x: hops_platform::db::Q| {
        x.bind(f.status.map_or("", TaskStatus::code).to_string())
            .bind(f.plan_id.unwrap_or(0))
            .bind(f.due_by.map_or(0, |i| i.0))
            .bind(q.clone())
            .bind(like.clone())
    };
    let total: i64 =
        bind(c.query_built(format!("SELECT COUNT(*) FROM desk_followup_tasks t WHERE {filter}"))).fetch_one(c.conn()).await?.try_get(0)?;
    // Integers, not input: the page size and offset are ours.
    let sql = format!(
        "{TASK_SELECT} WHERE {filter} ORDER BY CASE WHEN t.status = 'pending' THEN 0 ELSE 1 END, \
         CASE WHEN t.status = 'pending' THEN t.due_at ELSE -t.updated_at END, t.id LIMIT {} OFFSET {}",
        limit.max(1),
        offset.max(0)
    );
    let rows = bind(c.query_built(sql)).fetch_all(c.conn()).await?;
    Ok((rows.iter().map(task_row).collect::<sqlx::Result<_>>()?, total))
}

/// Pending tasks within a data scope (see [`in_departments`]) due before `day_end`, and how many
/// of them were due before `day_start` (left from an earlier day).
pub async fn due_by<C: Conn>(
    c: &mut Scoped<C>,
    departments: Option<&[i64]>,
    day_start: Instant,
    day_end: Instant,
) -> sqlx::Result<(i64, i64)> {
    let sql = format!(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN t.due_at < $2 THEN 1 ELSE 0 END), 0) FROM desk_followup_tasks t \
         WHERE t.hospital_id = $1 AND t.status = 'pending' AND t.due_at < $3{}",
        in_departments(departments)
    );
    let r = c.query_built(sql).bind(day_start.0).bind(day_end.0).fetch_one(c.conn()).await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

/// Records a call on a pending task: attempts + 1, the outcome, and the new status and due
/// time; false when the task is no longer pending or was called meanwhile.
#[allow(clippy::too_many_arguments)]
pub async fn record_call(
    tx: &mut Tx,
    id: i64,
    seen_attempts: i32,
    outcome: Outcome,
    status: TaskStatus,
    due_at: Instant,
    response: Option<i64>,
    now: Instant,
) -> sqlx::Result<bool> {
    let closed = (status != TaskStatus::Pending).then_some(now.0);
    let answered = response.is_some();
    let answered_at = answered.then_some(now.0);
    let r = tx
        .query(
            "UPDATE desk_followup_tasks SET attempts = attempts + 1, last_outcome = $3, status = $4, due_at = $5, closed_at = $6, \
             answered_at = COALESCE($7, answered_at), answered_day = COALESCE($8, answered_day), updated_at = $9, \
             response_id = COALESCE($11, response_id) WHERE hospital_id = $1 AND id = $2 AND status = 'pending' AND attempts = $10",
        )
        .bind(id)
        .bind(outcome.code())
        .bind(status.code())
        .bind(due_at.0)
        .bind(closed)
        .bind(answered_at)
        .bind(answered.then_some(now.local_day().0))
        .bind(now.0)
        .bind(seen_attempts)
        .bind(response)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_attempt(
    tx: &mut Tx,
    id: i64,
    task: i64,
    outcome: Outcome,
    note: &str,
    agent: (Option<i64>, &str),
    now: Instant,
) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_followup_attempts (hospital_id, id, task_id, at, outcome, note, agent_id, agent_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(task)
    .bind(now.0)
    .bind(outcome.code())
    .bind(note.to_string())
    .bind(agent.0)
    .bind(agent.1.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct AttemptRow {
    pub at: Instant,
    pub outcome: Outcome,
    pub note: String,
    pub agent_name: String,
}

pub async fn attempts<C: Conn>(c: &mut Scoped<C>, task: i64) -> sqlx::Result<Vec<AttemptRow>> {
    let rows = c
        .query("SELECT at, outcome, note, agent_name FROM desk_followup_attempts WHERE hospital_id = $1 AND task_id = $2 ORDER BY at, id")
        .bind(task)
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            let o: String = r.try_get("outcome")?;
            Ok(AttemptRow {
                at: Instant(r.try_get("at")?),
                outcome: Outcome::from_code(&o).ok_or_else(|| decode("outcome", &o))?,
                note: r.try_get("note")?,
                agent_name: r.try_get("agent_name")?,
            })
        })
        .collect()
}

// ---- opt-outs ----

pub async fn opt_out(tx: &mut Tx, subject: &str, task: i64, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_followup_optouts (hospital_id, subject, task_id, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (hospital_id, subject) DO NOTHING",
    )
    .bind(subject.to_string())
    .bind(task)
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn opted_out(tx: &mut Tx, subject: &str) -> sqlx::Result<bool> {
    let r = tx
        .query("SELECT 1 FROM desk_followup_optouts WHERE hospital_id = $1 AND subject = $2")
        .bind(subject.to_string())
        .fetch_optional(tx.conn())
        .await?;
    Ok(r.is_some())
}

// ---- figures of answered calls ----

/// One answered call: the task, who it was about, and the response it recorded.
#[derive(Clone, Debug)]
pub struct AnsweredCall {
    pub task_id: i64,
    pub plan_name: String,
    pub patient_name: String,
    pub doctor_name: String,
    pub department_name: String,
    pub answered_at: Instant,
    pub response_id: i64,
}

/// Calls whose questionnaire was answered on the days `[from, to)`, oldest first.
pub async fn answered_calls<C: Conn>(
    c: &mut Scoped<C>,
    from: i32,
    to: i32,
    departments: Option<&[i64]>,
) -> sqlx::Result<Vec<AnsweredCall>> {
    let rows = c
        .query_built(format!(
            "SELECT t.id, p.name AS plan_name, t.patient_name, t.doctor_name, t.department_name, t.answered_at, t.response_id \
             FROM desk_followup_tasks t JOIN desk_followup_plans p ON p.hospital_id = t.hospital_id AND p.id = t.plan_id \
             WHERE t.hospital_id = $1 AND t.answered_day >= $2 AND t.answered_day < $3 AND t.response_id IS NOT NULL{} \
             ORDER BY t.answered_at, t.id",
            in_departments(departments)
        ))
        .bind(from)
        .bind(to)
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AnsweredCall {
                task_id: r.try_get("id")?,
                plan_name: r.try_get("plan_name")?,
                patient_name: r.try_get("patient_name")?,
                doctor_name: r.try_get("doctor_name")?,
                department_name: r.try_get("department_name")?,
                answered_at: Instant(r.try_get("answered_at")?),
                response_id: r.try_get("response_id")?,
            })
        })
        .collect()
}
