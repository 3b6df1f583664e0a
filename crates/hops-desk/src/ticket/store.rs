//! SQL of tickets, their history and attachments (migration 0018).

use hops_kernel::Instant;
use hops_platform::Tx;
use hops_platform::crypto::Sealed;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::model::{Channel, Priority, RequesterKind, Status};

/// A ticket as stored.
#[derive(Clone, Debug)]
pub struct TicketRow {
    pub id: i64,
    pub number: String,
    pub channel: Channel,
    pub category_code: String,
    pub priority: Priority,
    pub subject: String,
    pub status: Status,
    pub requester_kind: RequesterKind,
    pub requester_name: String,
    /// Encrypted, blind index and masked form (None when no phone was given).
    pub requester_phone: Option<Sealed>,
    pub team_code: Option<String>,
    pub owner_id: Option<i64>,
    pub tags: String,
    pub external_ref: Option<String>,
    pub merged_into: Option<i64>,
    pub sla: SlaSnapshot,
    pub first_response_due: Option<Instant>,
    pub resolution_due: Option<Instant>,
    pub escalated_at: Option<Instant>,
    pub created_at: Instant,
    pub first_response_at: Option<Instant>,
    pub resolved_at: Option<Instant>,
    pub closed_at: Option<Instant>,
    pub updated_at: Instant,
}

/// The SLA targets a ticket runs on, copied from its policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlaSnapshot {
    pub name: String,
    pub calendar_code: Option<String>,
    pub first_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    pub warn_pct: i64,
}

const COLUMNS: &str = "id, number, channel, category_code, priority, subject, status, requester_kind, requester_name, \
    requester_phone_enc, requester_phone_bidx, requester_phone_masked, team_code, owner_id, tags, external_ref, merged_into, \
    sla_name, calendar_code, first_response_minutes, resolution_minutes, warn_pct, first_response_due, resolution_due, \
    escalated_at, created_at, first_response_at, resolved_at, closed_at, updated_at";

fn instant(r: &sqlx::any::AnyRow, col: &str) -> sqlx::Result<Option<Instant>> {
    Ok(r.try_get::<Option<i64>, _>(col)?.map(Instant))
}

fn decode<T>(what: &str, v: &str, f: impl Fn(&str) -> Option<T>) -> sqlx::Result<T> {
    f(v).ok_or_else(|| sqlx::Error::Decode(format!("unknown ticket {what} {v}").into()))
}

fn row(r: &sqlx::any::AnyRow) -> sqlx::Result<TicketRow> {
    let enc: Option<Vec<u8>> = r.try_get("requester_phone_enc")?;
    let bidx: Option<String> = r.try_get("requester_phone_bidx")?;
    Ok(TicketRow {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        channel: decode("channel", &r.try_get::<String, _>("channel")?, Channel::parse)?,
        category_code: r.try_get("category_code")?,
        priority: decode("priority", &r.try_get::<String, _>("priority")?, Priority::parse)?,
        subject: r.try_get("subject")?,
        status: decode("status", &r.try_get::<String, _>("status")?, Status::parse)?,
        requester_kind: decode("requester kind", &r.try_get::<String, _>("requester_kind")?, RequesterKind::parse)?,
        requester_name: r.try_get("requester_name")?,
        requester_phone: match (enc, bidx) {
            (Some(enc), Some(bidx)) => Some(Sealed { enc, bidx, masked: r.try_get("requester_phone_masked")? }),
            _ => None,
        },
        team_code: r.try_get("team_code")?,
        owner_id: r.try_get("owner_id")?,
        tags: r.try_get("tags")?,
        external_ref: r.try_get("external_ref")?,
        merged_into: r.try_get("merged_into")?,
        sla: SlaSnapshot {
            name: r.try_get("sla_name")?,
            calendar_code: r.try_get("calendar_code")?,
            first_response_minutes: r.try_get::<Option<i32>, _>("first_response_minutes")?.map(i64::from),
            resolution_minutes: r.try_get::<Option<i32>, _>("resolution_minutes")?.map(i64::from),
            warn_pct: i64::from(r.try_get::<i32, _>("warn_pct")?),
        },
        first_response_due: instant(r, "first_response_due")?,
        resolution_due: instant(r, "resolution_due")?,
        escalated_at: instant(r, "escalated_at")?,
        created_at: Instant(r.try_get("created_at")?),
        first_response_at: instant(r, "first_response_at")?,
        resolved_at: instant(r, "resolved_at")?,
        closed_at: instant(r, "closed_at")?,
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

fn opt_i32(v: Option<i64>) -> Option<i32> {
    v.map(|m| i32::try_from(m).unwrap_or(i32::MAX))
}

/// Inserts a ticket with its search text (subject, description, name — never the phone).
pub async fn insert(tx: &mut Tx, t: &TicketRow, search_text: &str) -> sqlx::Result<()> {
    let phone = t.requester_phone.as_ref();
    tx.query(
        "INSERT INTO desk_tickets (hospital_id, id, number, channel, category_code, priority, subject, status, requester_kind, \
         requester_name, requester_phone_enc, requester_phone_bidx, requester_phone_masked, team_code, owner_id, tags, external_ref, \
         merged_into, sla_name, calendar_code, first_response_minutes, resolution_minutes, warn_pct, first_response_due, \
         resolution_due, escalated_at, created_at, first_response_at, resolved_at, closed_at, updated_at, search_text) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, \
         $25, $26, $27, $28, $29, $30, $31, $32)",
    )
    .bind(t.id)
    .bind(t.number.clone())
    .bind(t.channel.code())
    .bind(t.category_code.clone())
    .bind(t.priority.code())
    .bind(t.subject.clone())
    .bind(t.status.code())
    .bind(t.requester_kind.code())
    .bind(t.requester_name.clone())
    .bind(phone.map(|p| p.enc.clone()))
    .bind(phone.map(|p| p.bidx.clone()))
    .bind(phone.map_or(String::new(), |p| p.masked.clone()))
    .bind(t.team_code.clone())
    .bind(t.owner_id)
    .bind(t.tags.clone())
    .bind(t.external_ref.clone())
    .bind(t.merged_into)
    .bind(t.sla.name.clone())
    .bind(t.sla.calendar_code.clone())
    .bind(opt_i32(t.sla.first_response_minutes))
    .bind(opt_i32(t.sla.resolution_minutes))
    .bind(opt_i32(Some(t.sla.warn_pct)))
    .bind(t.first_response_due.map(|i| i.0))
    .bind(t.resolution_due.map(|i| i.0))
    .bind(t.escalated_at.map(|i| i.0))
    .bind(t.created_at.0)
    .bind(t.first_response_at.map(|i| i.0))
    .bind(t.resolved_at.map(|i| i.0))
    .bind(t.closed_at.map(|i| i.0))
    .bind(t.updated_at.0)
    .bind(search_text.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Writes back what changes over a ticket's life (status, owner, classification, SLA
/// snapshot and dues, milestones).
pub async fn update(tx: &mut Tx, t: &TicketRow) -> sqlx::Result<()> {
    tx.query(
        "UPDATE desk_tickets SET status = $3, category_code = $4, priority = $5, team_code = $6, owner_id = $7, tags = $8, \
         merged_into = $9, sla_name = $10, calendar_code = $11, first_response_minutes = $12, resolution_minutes = $13, \
         warn_pct = $14, first_response_due = $15, resolution_due = $16, escalated_at = $17, first_response_at = $18, \
         resolved_at = $19, closed_at = $20, updated_at = $21 WHERE hospital_id = $1 AND id = $2",
    )
    .bind(t.id)
    .bind(t.status.code())
    .bind(t.category_code.clone())
    .bind(t.priority.code())
    .bind(t.team_code.clone())
    .bind(t.owner_id)
    .bind(t.tags.clone())
    .bind(t.merged_into)
    .bind(t.sla.name.clone())
    .bind(t.sla.calendar_code.clone())
    .bind(opt_i32(t.sla.first_response_minutes))
    .bind(opt_i32(t.sla.resolution_minutes))
    .bind(opt_i32(Some(t.sla.warn_pct)))
    .bind(t.first_response_due.map(|i| i.0))
    .bind(t.resolution_due.map(|i| i.0))
    .bind(t.escalated_at.map(|i| i.0))
    .bind(t.first_response_at.map(|i| i.0))
    .bind(t.resolved_at.map(|i| i.0))
    .bind(t.closed_at.map(|i| i.0))
    .bind(t.updated_at.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Appends text to a ticket's search text (replies and notes are searchable).
pub async fn append_search_text(tx: &mut Tx, id: i64, text: &str) -> sqlx::Result<()> {
    tx.query("UPDATE desk_tickets SET search_text = search_text || ' ' || $3 WHERE hospital_id = $1 AND id = $2")
        .bind(id)
        .bind(text.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn get<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<TicketRow>> {
    let sql = format!("SELECT {COLUMNS} FROM desk_tickets WHERE hospital_id = $1 AND id = $2");
    c.query_built(sql).bind(id).fetch_optional(c.conn()).await?.as_ref().map(row).transpose()
}

/// The ticket locked for change (PostgreSQL row lock; SQLite has one writer).
pub async fn get_for_update(tx: &mut Tx, id: i64, postgres: bool) -> sqlx::Result<Option<TicketRow>> {
    let lock = if postgres { " FOR UPDATE" } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM desk_tickets WHERE hospital_id = $1 AND id = $2{lock}");
    tx.query_built(sql).bind(id).fetch_optional(tx.conn()).await?.as_ref().map(row).transpose()
}

/// The id of the ticket with this number (`GD…`).
pub async fn id_by_number<C: Conn>(c: &mut Scoped<C>, number: &str) -> sqlx::Result<Option<i64>> {
    let r = c
        .query("SELECT id FROM desk_tickets WHERE hospital_id = $1 AND number = $2")
        .bind(number.to_string())
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| r.try_get(0)).transpose()
}

pub async fn by_external_ref<C: Conn>(c: &mut Scoped<C>, external: &str) -> sqlx::Result<Option<i64>> {
    let r = c
        .query("SELECT id FROM desk_tickets WHERE hospital_id = $1 AND external_ref = $2")
        .bind(external.to_string())
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| r.try_get(0)).transpose()
}

/// Which tickets a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Only active tickets (new, open, pending).
    pub active: bool,
    pub owner: Option<i64>,
    /// Tickets of these teams (any owner).
    pub teams: Option<Vec<String>>,
    /// Only tickets nobody owns.
    pub unassigned: bool,
    /// Only tickets escalated (to a lead of `teams`).
    pub escalated: bool,
    /// Ticket number (exact), phone blind index (exact) or text (substring).
    pub number: Option<String>,
    pub phone_bidx: Option<String>,
    pub text: Option<String>,
}

/// The due time that matters now: first response until answered, then resolution. Tickets
/// whose clock is stopped sort last.
const NEXT_DUE: &str = "COALESCE(CASE WHEN first_response_at IS NULL THEN first_response_due END, resolution_due, 9000000000000000000)";

/// Appends `frag` with its `?` replaced by the next placeholder (`$1` is the hospital).
fn push(sql: &mut String, binds: &mut Vec<String>, frag: &str, v: String) {
    binds.push(v);
    sql.push_str(&frag.replace('?', &format!("${}", binds.len() + 1)));
}

fn where_clause(f: &Filter) -> (String, Vec<String>) {
    let mut sql = String::from("hospital_id = $1 AND merged_into IS NULL");
    let mut binds: Vec<String> = Vec::new();
    if f.active {
        sql.push_str(" AND status IN ('new', 'open', 'pending')");
    }
    // Integers are ours, not input.
    if let Some(o) = f.owner {
        sql.push_str(&format!(" AND owner_id = {o}"));
    }
    if let Some(teams) = &f.teams {
        if teams.is_empty() {
            sql.push_str(" AND 1 = 0");
        } else {
            sql.push_str(" AND team_code IN (");
            for (i, t) in teams.iter().enumerate() {
                push(&mut sql, &mut binds, if i == 0 { "?" } else { ", ?" }, t.clone());
            }
            sql.push(')');
        }
    }
    if f.unassigned {
        sql.push_str(" AND owner_id IS NULL");
    }
    if f.escalated {
        sql.push_str(" AND escalated_at IS NOT NULL");
    }
    if let Some(n) = &f.number {
        push(&mut sql, &mut binds, " AND (number = ?", n.clone());
        push(&mut sql, &mut binds, " OR external_ref = ?)", n.clone());
    }
    if let Some(p) = &f.phone_bidx {
        push(&mut sql, &mut binds, " AND requester_phone_bidx = ?", p.clone());
    }
    if let Some(t) = &f.text {
        push(&mut sql, &mut binds, " AND search_text LIKE ? ESCAPE '\\'", hops_platform::db::contains_pattern(t));
    }
    (sql, binds)
}

/// A page of tickets, most urgent (earliest due) first, and how many match.
pub async fn list<C: Conn>(c: &mut Scoped<C>, f: &Filter, offset: i64, limit: i64) -> sqlx::Result<(Vec<TicketRow>, i64)> {
    let (w, binds) = where_clause(f);
    let mut q = c.query_built(format!("SELECT COUNT(*) FROM desk_tickets WHERE {w}"));
    for b in &binds {
        q = q.bind(b.clone());
    }
    let total: i64 = q.fetch_one(c.conn()).await?.try_get(0)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM desk_tickets WHERE {w} ORDER BY {NEXT_DUE}, created_at DESC, id DESC LIMIT {} OFFSET {}",
        limit.max(1),
        offset.max(0)
    );
    let mut q = c.query_built(sql);
    for b in &binds {
        q = q.bind(b.clone());
    }
    let rows = q.fetch_all(c.conn()).await?;
    Ok((rows.iter().map(row).collect::<sqlx::Result<_>>()?, total))
}

/// What waits for agent `me` among the active tickets: [own, own with a clock past its due time
/// at `now`, own not overdue whose next due time is before `day_end`, unassigned, escalated to a
/// team `me` leads]. A clock is overdue when it is not met and its due time has passed.
pub async fn waiting<C: Conn>(c: &mut Scoped<C>, me: i64, now: Instant, day_end: Instant) -> sqlx::Result<[i64; 5]> {
    let sql = format!(
        "SELECT COALESCE(SUM(mine), 0), COALESCE(SUM(mine * late), 0), COALESCE(SUM(mine * (1 - late) * today), 0), \
         COALESCE(SUM(free), 0), COALESCE(SUM(escalated), 0) FROM (SELECT \
         CASE WHEN owner_id = $2 THEN 1 ELSE 0 END AS mine, \
         CASE WHEN (first_response_at IS NULL AND first_response_due < $3) OR resolution_due < $3 THEN 1 ELSE 0 END AS late, \
         CASE WHEN {NEXT_DUE} < $4 THEN 1 ELSE 0 END AS today, \
         CASE WHEN owner_id IS NULL THEN 1 ELSE 0 END AS free, \
         CASE WHEN escalated_at IS NOT NULL AND desk_teams.lead_user_id = $2 THEN 1 ELSE 0 END AS escalated \
         FROM desk_tickets LEFT JOIN desk_teams ON desk_teams.hospital_id = desk_tickets.hospital_id AND desk_teams.code = desk_tickets.team_code \
         WHERE desk_tickets.hospital_id = $1 AND merged_into IS NULL AND status IN ('new', 'open', 'pending')) AS waiting"
    );
    let r = c.query_built(sql).bind(me).bind(now.0).bind(day_end.0).fetch_one(c.conn()).await?;
    Ok([r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?])
}

/// Every ticket created in `[from, to)` (attainment reports), oldest first.
pub async fn created_between<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant) -> sqlx::Result<Vec<TicketRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM desk_tickets WHERE hospital_id = $1 AND merged_into IS NULL AND created_at >= $2 AND created_at < $3 \
         ORDER BY created_at, id"
    );
    c.query_built(sql).bind(from.0).bind(to.0).fetch_all(c.conn()).await?.iter().map(row).collect()
}

/// One entry of a ticket's history.
#[derive(Clone, Debug)]
pub struct EventRow {
    pub id: i64,
    pub ticket_id: i64,
    pub at: Instant,
    pub kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub body: String,
    pub status: Option<Status>,
}

pub async fn insert_event(tx: &mut Tx, e: &EventRow) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_ticket_events (hospital_id, id, ticket_id, at, kind, actor_id, actor_name, body, status) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.id)
    .bind(e.ticket_id)
    .bind(e.at.0)
    .bind(e.kind.clone())
    .bind(e.actor_id)
    .bind(e.actor_name.clone())
    .bind(e.body.clone())
    .bind(e.status.map(Status::code))
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn event_row(r: &sqlx::any::AnyRow) -> sqlx::Result<EventRow> {
    let status: Option<String> = r.try_get("status")?;
    Ok(EventRow {
        id: r.try_get("id")?,
        ticket_id: r.try_get("ticket_id")?,
        at: Instant(r.try_get("at")?),
        kind: r.try_get("kind")?,
        actor_id: r.try_get("actor_id")?,
        actor_name: r.try_get("actor_name")?,
        body: r.try_get("body")?,
        status: status.map(|s| decode("status", &s, Status::parse)).transpose()?,
    })
}

/// A ticket's history, oldest first.
pub async fn events<C: Conn>(c: &mut Scoped<C>, ticket: i64) -> sqlx::Result<Vec<EventRow>> {
    c.query(
        "SELECT id, ticket_id, at, kind, actor_id, actor_name, body, status FROM desk_ticket_events \
         WHERE hospital_id = $1 AND ticket_id = $2 ORDER BY at, id",
    )
    .bind(ticket)
    .fetch_all(c.conn())
    .await?
    .iter()
    .map(event_row)
    .collect()
}

/// Whether the ticket already has an event of `kind` with `body` (SLA warnings fire once).
pub async fn has_event<C: Conn>(c: &mut Scoped<C>, ticket: i64, kind: &str, body: &str) -> sqlx::Result<bool> {
    let r = c
        .query("SELECT 1 FROM desk_ticket_events WHERE hospital_id = $1 AND ticket_id = $2 AND kind = $3 AND body = $4")
        .bind(ticket)
        .bind(kind.to_string())
        .bind(body.to_string())
        .fetch_optional(c.conn())
        .await?;
    Ok(r.is_some())
}

/// An attachment's metadata (the content is fetched on its own).
#[derive(Clone, Debug)]
pub struct AttachmentRow {
    pub id: i64,
    pub ticket_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: Instant,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_attachment(tx: &mut Tx, a: &AttachmentRow, data_enc: Vec<u8>, by: Option<i64>) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_attachments (hospital_id, id, ticket_id, file_name, content_type, size, sha256, data_enc, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(a.id)
    .bind(a.ticket_id)
    .bind(a.file_name.clone())
    .bind(a.content_type.clone())
    .bind(a.size)
    .bind(a.sha256.clone())
    .bind(data_enc)
    .bind(a.created_at.0)
    .bind(by)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn attachments<C: Conn>(c: &mut Scoped<C>, ticket: i64) -> sqlx::Result<Vec<AttachmentRow>> {
    let rows = c
        .query(
            "SELECT id, ticket_id, file_name, content_type, size, sha256, created_at FROM desk_attachments \
             WHERE hospital_id = $1 AND ticket_id = $2 ORDER BY id",
        )
        .bind(ticket)
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AttachmentRow {
                id: r.try_get("id")?,
                ticket_id: r.try_get("ticket_id")?,
                file_name: r.try_get("file_name")?,
                content_type: r.try_get("content_type")?,
                size: r.try_get("size")?,
                sha256: r.try_get("sha256")?,
                created_at: Instant(r.try_get("created_at")?),
            })
        })
        .collect()
}

/// An attachment of a ticket: metadata and encrypted content.
pub async fn attachment<C: Conn>(c: &mut Scoped<C>, ticket: i64, id: i64) -> sqlx::Result<Option<(AttachmentRow, Vec<u8>)>> {
    let r = c
        .query(
            "SELECT id, ticket_id, file_name, content_type, size, sha256, created_at, data_enc FROM desk_attachments \
             WHERE hospital_id = $1 AND ticket_id = $2 AND id = $3",
        )
        .bind(ticket)
        .bind(id)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| {
        Ok((
            AttachmentRow {
                id: r.try_get("id")?,
                ticket_id: r.try_get("ticket_id")?,
                file_name: r.try_get("file_name")?,
                content_type: r.try_get("content_type")?,
                size: r.try_get("size")?,
                sha256: r.try_get("sha256")?,
                created_at: Instant(r.try_get("created_at")?),
            },
            r.try_get("data_enc")?,
        ))
    })
    .transpose()
}
