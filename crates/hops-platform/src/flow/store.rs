//! SQL of status history, approvals and the flows' settings (migrations 0040, 0041).

use hops_kernel::Instant;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::Decision;
use crate::Tx;
use crate::db::{Conn, Scoped};

/// One status change as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryRow {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    /// None on the row that created the subject.
    pub from: Option<String>,
    pub to: String,
    pub action: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub at: Instant,
    pub note: String,
}

const HISTORY: &str = "id, subject_kind, subject_id, from_status, to_status, action, actor_id, actor_name, at, note";

fn history_row(r: &AnyRow) -> sqlx::Result<HistoryRow> {
    Ok(HistoryRow {
        id: r.try_get("id")?,
        subject_kind: r.try_get("subject_kind")?,
        subject_id: r.try_get("subject_id")?,
        from: r.try_get("from_status")?,
        to: r.try_get("to_status")?,
        action: r.try_get("action")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        at: Instant(r.try_get("at")?),
        note: r.try_get("note")?,
    })
}

pub async fn insert_history(tx: &mut Tx, h: &HistoryRow) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO status_history (hospital_id, id, subject_kind, subject_id, from_status, to_status, action, actor_id, actor_name, at, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(h.id)
    .bind(h.subject_kind.clone())
    .bind(h.subject_id)
    .bind(h.from.clone())
    .bind(h.to.clone())
    .bind(h.action.clone())
    .bind(h.actor_id)
    .bind(h.actor_name.clone())
    .bind(h.at.0)
    .bind(h.note.clone())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The history of some subjects of one kind, per subject in time order.
pub async fn history<C: Conn>(c: &mut Scoped<C>, kind: &str, ids: &[i64]) -> sqlx::Result<Vec<HistoryRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT {HISTORY} FROM status_history WHERE hospital_id = $1 AND subject_kind = $2 AND subject_id IN ({list}) \
             ORDER BY subject_id, at, id"
        );
        let rows = c.query_built(sql).bind(kind.to_string()).fetch_all(c.conn()).await?;
        for r in &rows {
            out.push(history_row(r)?);
        }
    }
    Ok(out)
}

/// Forgets the history of a subject that is deleted with it.
pub async fn delete_history(tx: &mut Tx, kind: &str, id: i64) -> sqlx::Result<()> {
    tx.query("DELETE FROM status_history WHERE hospital_id = $1 AND subject_kind = $2 AND subject_id = $3")
        .bind(kind.to_string())
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// An approval as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApprovalRow {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    pub subject_title: String,
    pub request: String,
    pub request_label: String,
    pub requested_by: Option<i64>,
    pub requested_by_name: String,
    pub requested_at: Instant,
    pub request_note: String,
    pub approver_permission: String,
    pub decision: Decision,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<Instant>,
    pub comment: String,
}

const APPROVAL: &str = "id, subject_kind, subject_id, subject_title, request, request_label, requested_by, requested_by_name, \
     requested_at, request_note, approver_permission, decision, decided_by, decided_by_name, decided_at, comment";

fn approval_row(r: &AnyRow) -> sqlx::Result<ApprovalRow> {
    let decision: String = r.try_get("decision")?;
    Ok(ApprovalRow {
        id: r.try_get("id")?,
        subject_kind: r.try_get("subject_kind")?,
        subject_id: r.try_get("subject_id")?,
        subject_title: r.try_get("subject_title")?,
        request: r.try_get("request")?,
        request_label: r.try_get("request_label")?,
        requested_by: r.try_get("requested_by")?,
        requested_by_name: r.try_get("requested_by_name")?,
        requested_at: Instant(r.try_get("requested_at")?),
        request_note: r.try_get("request_note")?,
        approver_permission: r.try_get("approver_permission")?,
        decision: Decision::parse(&decision).ok_or_else(|| sqlx::Error::Decode(format!("approvals.decision {decision}").into()))?,
        decided_by: r.try_get("decided_by")?,
        decided_by_name: r.try_get("decided_by_name")?,
        decided_at: r.try_get::<Option<i64>, _>("decided_at")?.map(Instant),
        comment: r.try_get("comment")?,
    })
}

pub async fn insert_approval(tx: &mut Tx, a: &ApprovalRow) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO approvals (hospital_id, id, subject_kind, subject_id, subject_title, request, request_label, requested_by, \
         requested_by_name, requested_at, request_note, approver_permission, decision, comment) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', '')",
    )
    .bind(a.id)
    .bind(a.subject_kind.clone())
    .bind(a.subject_id)
    .bind(a.subject_title.clone())
    .bind(a.request.clone())
    .bind(a.request_label.clone())
    .bind(a.requested_by)
    .bind(a.requested_by_name.clone())
    .bind(a.requested_at.0)
    .bind(a.request_note.clone())
    .bind(a.approver_permission.clone())
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn approval<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<ApprovalRow>> {
    let sql = format!("SELECT {APPROVAL} FROM approvals WHERE hospital_id = $1 AND id = $2");
    c.query_built(sql).bind(id).fetch_optional(c.conn()).await?.as_ref().map(approval_row).transpose()
}

/// The approvals of a subject, newest first.
pub async fn approvals_of<C: Conn>(c: &mut Scoped<C>, kind: &str, id: i64) -> sqlx::Result<Vec<ApprovalRow>> {
    let sql = format!(
        "SELECT {APPROVAL} FROM approvals WHERE hospital_id = $1 AND subject_kind = $2 AND subject_id = $3 ORDER BY requested_at DESC, id DESC"
    );
    let rows = c.query_built(sql).bind(kind.to_string()).bind(id).fetch_all(c.conn()).await?;
    rows.iter().map(approval_row).collect()
}

/// Pending approvals that holders of one of `permissions` decide, not requested by `me`,
/// oldest first; and how many there are.
pub async fn pending<C: Conn>(
    c: &mut Scoped<C>,
    permissions: &[&str],
    me: Option<i64>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Vec<ApprovalRow>, i64)> {
    let Some(filter) = pending_filter(permissions) else {
        return Ok((Vec::new(), 0));
    };
    let me = me.unwrap_or(-1);
    let total: i64 = c.query_built(format!("SELECT COUNT(*) {filter}")).bind(me).fetch_one(c.conn()).await?.try_get(0)?;
    let sql = format!("SELECT {APPROVAL} {filter} ORDER BY requested_at, id LIMIT $3 OFFSET $4");
    let rows = c.query_built(sql).bind(me).bind(limit).bind(offset).fetch_all(c.conn()).await?;
    Ok((rows.iter().map(approval_row).collect::<sqlx::Result<_>>()?, total))
}

/// `FROM … WHERE …` of the pending approvals that holders of one of `permissions` decide, not
/// requested by `$2`; `None` without permissions.
fn pending_filter(permissions: &[&str]) -> Option<String> {
    if permissions.is_empty() {
        return None;
    }
    // Permission codes are identifiers from the code (never typed by anyone), quoted anyway.
    let list = permissions.iter().map(|p| format!("'{}'", p.replace('\'', ""))).collect::<Vec<_>>().join(",");
    Some(format!(
        "FROM approvals WHERE hospital_id = $1 AND decision = 'pending' AND approver_permission IN ({list}) \
         AND (requested_by IS NULL OR requested_by <> $2)"
    ))
}

/// How many of [`pending`] ask for each thing (request label), in label order.
pub async fn pending_kinds<C: Conn>(c: &mut Scoped<C>, permissions: &[&str], me: Option<i64>) -> sqlx::Result<Vec<(String, i64)>> {
    let Some(filter) = pending_filter(permissions) else {
        return Ok(Vec::new());
    };
    let sql = format!("SELECT request_label, COUNT(*) {filter} GROUP BY request_label ORDER BY request_label");
    let rows = c.query_built(sql).bind(me.unwrap_or(-1)).fetch_all(c.conn()).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// Records a decision on a pending approval; false when it was no longer pending.
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    decision: Decision,
    by: Option<i64>,
    by_name: &str,
    at: Instant,
    comment: &str,
) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE approvals SET decision = $3, decided_by = $4, decided_by_name = $5, decided_at = $6, comment = $7 \
             WHERE hospital_id = $1 AND id = $2 AND decision = 'pending'",
        )
        .bind(id)
        .bind(decision.code())
        .bind(by)
        .bind(by_name.to_string())
        .bind(at.0)
        .bind(comment.to_string())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn approval_required<C: Conn>(c: &mut Scoped<C>, kind: &str) -> sqlx::Result<bool> {
    let row = c
        .query("SELECT approval_required FROM flow_settings WHERE hospital_id = $1 AND subject_kind = $2")
        .bind(kind.to_string())
        .fetch_optional(c.conn())
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<i16, _>(0)? != 0,
        None => false,
    })
}

pub async fn set_approval_required(tx: &mut Tx, kind: &str, on: bool, at: Instant, by: &str) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO flow_settings (hospital_id, subject_kind, approval_required, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (hospital_id, subject_kind) DO UPDATE SET approval_required = excluded.approval_required, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(kind.to_string())
    .bind(i16::from(on))
    .bind(at.0)
    .bind(by.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}
