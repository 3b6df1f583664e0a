//! SQL of notifications (migration 0026): settings, the hospital's own templates, opt-outs,
//! deliveries, the in-app inbox and the staff's notification contacts.

use hops_kernel::{Instant, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{Channel, QuietHours, Status, Template};
use crate::Tx;
use crate::db::{Conn, Scoped};

// ---- settings ----

pub(crate) async fn quiet_hours<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Option<QuietHours>> {
    let r = c
        .query("SELECT quiet_enabled, quiet_start, quiet_end FROM notify_settings WHERE hospital_id = $1")
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| {
        Ok(QuietHours {
            enabled: r.try_get::<i16, _>(0)? != 0,
            start: r.try_get::<i32, _>(1)?.clamp(0, 1439) as u16,
            end: r.try_get::<i32, _>(2)?.clamp(0, 1439) as u16,
        })
    })
    .transpose()
}

pub(crate) async fn save_quiet_hours(tx: &mut Tx, q: &QuietHours, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO notify_settings (hospital_id, quiet_enabled, quiet_start, quiet_end, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (hospital_id) DO UPDATE SET quiet_enabled = $2, quiet_start = $3, quiet_end = $4, updated_at = $5",
    )
    .bind(i16::from(q.enabled))
    .bind(i32::from(q.start))
    .bind(i32::from(q.end))
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

// ---- templates ----

/// The hospital's own templates: `(topic, channel, template)`, of one topic or of all.
pub(crate) async fn templates<C: Conn>(c: &mut Scoped<C>, topic: Option<&str>) -> sqlx::Result<Vec<(String, Channel, Template)>> {
    let sql = "SELECT topic, channel, subject, body, provider_template, enabled FROM notify_templates WHERE hospital_id = $1 \
               AND ($2 = '' OR topic = $2) ORDER BY topic, channel";
    let rows = c.query(sql).bind(topic.unwrap_or("").to_string()).fetch_all(c.conn()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(channel) = Channel::from_code(&r.try_get::<String, _>(1)?) else { continue };
        let t = Template {
            subject: r.try_get(2)?,
            body: r.try_get(3)?,
            provider_template: r.try_get(4)?,
            enabled: r.try_get::<i16, _>(5)? != 0,
            custom: true,
        };
        out.push((r.try_get(0)?, channel, t));
    }
    Ok(out)
}

pub(crate) async fn save_template(tx: &mut Tx, topic: &str, channel: Channel, t: &Template, now: Instant, by: &str) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO notify_templates (hospital_id, topic, channel, subject, body, provider_template, enabled, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (hospital_id, topic, channel) DO UPDATE SET \
         subject = $4, body = $5, provider_template = $6, enabled = $7, updated_at = $8, updated_by = $9",
    )
    .bind(topic.to_string())
    .bind(channel.code())
    .bind(t.subject.clone())
    .bind(t.body.clone())
    .bind(t.provider_template.clone())
    .bind(i16::from(t.enabled))
    .bind(now.0)
    .bind(by.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub(crate) async fn delete_template(tx: &mut Tx, topic: &str, channel: Channel) -> sqlx::Result<bool> {
    let r = tx
        .query("DELETE FROM notify_templates WHERE hospital_id = $1 AND topic = $2 AND channel = $3")
        .bind(topic.to_string())
        .bind(channel.code())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

// ---- opt-outs ----

pub(crate) async fn opted_out<C: Conn>(c: &mut Scoped<C>, key: &str, topic: &str) -> sqlx::Result<bool> {
    let r = c
        .query("SELECT 1 FROM notify_opt_outs WHERE hospital_id = $1 AND recipient_key = $2 AND topic = $3")
        .bind(key.to_string())
        .bind(topic.to_string())
        .fetch_optional(c.conn())
        .await?;
    Ok(r.is_some())
}

/// Records an opt-out; false when it was already there.
pub(crate) async fn add_opt_out(tx: &mut Tx, key: &str, topic: &str, masked: &str, now: Instant, by: &str) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "INSERT INTO notify_opt_outs (hospital_id, recipient_key, topic, recipient_masked, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hospital_id, recipient_key, topic) DO NOTHING",
        )
        .bind(key.to_string())
        .bind(topic.to_string())
        .bind(masked.to_string())
        .bind(now.0)
        .bind(by.to_string())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

pub(crate) async fn remove_opt_out(tx: &mut Tx, key: &str, topic: &str) -> sqlx::Result<bool> {
    let r = tx
        .query("DELETE FROM notify_opt_outs WHERE hospital_id = $1 AND recipient_key = $2 AND topic = $3")
        .bind(key.to_string())
        .bind(topic.to_string())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Clone, Debug)]
pub struct OptOutRow {
    pub recipient_key: String,
    pub topic: String,
    pub recipient_masked: String,
    pub created_at: Instant,
    pub created_by: String,
}

fn opt_out_row(r: &AnyRow) -> sqlx::Result<OptOutRow> {
    Ok(OptOutRow {
        recipient_key: r.try_get(0)?,
        topic: r.try_get(1)?,
        recipient_masked: r.try_get(2)?,
        created_at: Instant(r.try_get(3)?),
        created_by: r.try_get(4)?,
    })
}

/// A page of opt-outs, newest first, and how many there are.
pub(crate) async fn opt_outs<C: Conn>(c: &mut Scoped<C>, offset: i64, limit: i64) -> sqlx::Result<(Vec<OptOutRow>, i64)> {
    let total: i64 = c.query("SELECT COUNT(*) FROM notify_opt_outs WHERE hospital_id = $1").fetch_one(c.conn()).await?.try_get(0)?;
    let sql = format!(
        "SELECT recipient_key, topic, recipient_masked, created_at, created_by FROM notify_opt_outs WHERE hospital_id = $1 \
         ORDER BY created_at DESC, recipient_key, topic LIMIT {} OFFSET {}",
        limit.max(1),
        offset.max(0)
    );
    let rows = c.query_built(sql).fetch_all(c.conn()).await?;
    Ok((rows.iter().map(opt_out_row).collect::<sqlx::Result<_>>()?, total))
}

// ---- deliveries ----

/// One delivery: a message to one recipient on one channel.
#[derive(Clone, Debug)]
pub struct DeliveryRow {
    pub id: i64,
    pub topic: String,
    pub channel: Channel,
    pub provider: String,
    pub reference: String,
    pub recipient_key: String,
    pub recipient_masked: String,
    /// `custom` or `default`, and the provider template (`default:SMS_…`).
    pub template: String,
    pub urgent: bool,
    pub status: Status,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub provider_message_id: Option<String>,
    pub due_at: Instant,
    pub sent_at: Option<Instant>,
    pub created_at: Instant,
    pub updated_at: Instant,
}

const DELIVERY: &str = "id, topic, channel, provider, reference, recipient_key, recipient_masked, template, urgent, status, attempts, \
                        last_error, provider_message_id, due_at, sent_at, created_at, updated_at";

fn delivery(r: &AnyRow) -> sqlx::Result<DeliveryRow> {
    let channel: String = r.try_get("channel")?;
    let status: String = r.try_get("status")?;
    Ok(DeliveryRow {
        id: r.try_get("id")?,
        topic: r.try_get("topic")?,
        channel: Channel::from_code(&channel).unwrap_or(Channel::InApp),
        provider: r.try_get("provider")?,
        reference: r.try_get("reference")?,
        recipient_key: r.try_get("recipient_key")?,
        recipient_masked: r.try_get("recipient_masked")?,
        template: r.try_get("template")?,
        urgent: r.try_get::<i16, _>("urgent")? != 0,
        status: Status::from_code(&status).unwrap_or(Status::Failed),
        attempts: r.try_get("attempts")?,
        last_error: r.try_get("last_error")?,
        provider_message_id: r.try_get("provider_message_id")?,
        due_at: Instant(r.try_get("due_at")?),
        sent_at: r.try_get::<Option<i64>, _>("sent_at")?.map(Instant),
        created_at: Instant(r.try_get("created_at")?),
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

pub(crate) struct NewDelivery<'a> {
    pub id: i64,
    pub topic: &'a str,
    pub channel: Channel,
    pub provider: &'a str,
    pub reference: &'a str,
    pub recipient_key: &'a str,
    pub recipient_masked: &'a str,
    pub recipient_enc: Vec<u8>,
    pub content_enc: Vec<u8>,
    pub template: &'a str,
    pub urgent: bool,
    pub status: Status,
    pub last_error: Option<&'a str>,
    pub due_at: Instant,
    pub now: Instant,
}

pub(crate) async fn insert_delivery(tx: &mut Tx, d: NewDelivery<'_>) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO notify_deliveries (hospital_id, id, topic, channel, provider, reference, recipient_key, recipient_masked, \
         recipient_enc, content_enc, template, urgent, status, attempts, last_error, due_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14, $15, $16, $16)",
    )
    .bind(d.id)
    .bind(d.topic.to_string())
    .bind(d.channel.code())
    .bind(d.provider.to_string())
    .bind(d.reference.to_string())
    .bind(d.recipient_key.to_string())
    .bind(d.recipient_masked.to_string())
    .bind(d.recipient_enc)
    .bind(d.content_enc)
    .bind(d.template.to_string())
    .bind(i16::from(d.urgent))
    .bind(d.status.code())
    .bind(d.last_error.map(str::to_string))
    .bind(d.due_at.0)
    .bind(d.now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A delivery with its encrypted recipient and content.
pub(crate) async fn delivery_sealed<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<(DeliveryRow, Vec<u8>, Vec<u8>)>> {
    let sql = format!("SELECT {DELIVERY}, recipient_enc, content_enc FROM notify_deliveries WHERE hospital_id = $1 AND id = $2");
    let Some(r) = c.query_built(sql).bind(id).fetch_optional(c.conn()).await? else { return Ok(None) };
    Ok(Some((delivery(&r)?, r.try_get("recipient_enc")?, r.try_get("content_enc")?)))
}

/// The latest delivery of `topic` for `reference` to the recipient on `channel` that is not
/// sent or skipped (a caller retrying its own batch picks it up again).
pub(crate) async fn open_delivery<C: Conn>(
    c: &mut Scoped<C>,
    topic: &str,
    reference: &str,
    key: &str,
    channel: Channel,
) -> sqlx::Result<Option<DeliveryRow>> {
    let sql = format!(
        "SELECT {DELIVERY} FROM notify_deliveries WHERE hospital_id = $1 AND reference = $2 AND topic = $3 AND recipient_key = $4 \
         AND channel = $5 AND status IN ('queued', 'deferred', 'failed') ORDER BY id DESC LIMIT 1"
    );
    let r = c
        .query_built(sql)
        .bind(reference.to_string())
        .bind(topic.to_string())
        .bind(key.to_string())
        .bind(channel.code())
        .fetch_optional(c.conn())
        .await?;
    r.as_ref().map(delivery).transpose()
}

/// What became of an attempt.
pub(crate) struct Outcome<'a> {
    pub status: Status,
    /// Adds one to the attempts.
    pub attempted: bool,
    pub last_error: Option<&'a str>,
    pub provider_message_id: Option<&'a str>,
    pub due_at: Option<Instant>,
    pub sent_at: Option<Instant>,
}

pub(crate) async fn record(tx: &mut Tx, id: i64, o: Outcome<'_>, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "UPDATE notify_deliveries SET status = $3, attempts = attempts + $4, last_error = COALESCE($5, last_error), \
         provider_message_id = COALESCE($6, provider_message_id), due_at = COALESCE($7, due_at), sent_at = COALESCE($8, sent_at), \
         updated_at = $9 WHERE hospital_id = $1 AND id = $2",
    )
    .bind(id)
    .bind(o.status.code())
    .bind(i32::from(o.attempted))
    .bind(o.last_error.map(str::to_string))
    .bind(o.provider_message_id.map(str::to_string))
    .bind(o.due_at.map(|t| t.0))
    .bind(o.sent_at.map(|t| t.0))
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Which deliveries a list shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub channel: Option<Channel>,
    pub topic: Option<String>,
    /// The recipient's key ([`super::service::recipient_key`]).
    pub recipient_key: Option<String>,
    /// Created in `[from, to)`.
    pub from: Option<Instant>,
    pub to: Option<Instant>,
}

/// A page of deliveries, newest first, and how many match.
pub(crate) async fn deliveries<C: Conn>(c: &mut Scoped<C>, f: &Filter, offset: i64, limit: i64) -> sqlx::Result<(Vec<DeliveryRow>, i64)> {
    let mut sql = String::from("hospital_id = $1");
    let mut texts: Vec<String> = Vec::new();
    let mut push = |sql: &mut String, clause: &str, value: String| {
        texts.push(value);
        sql.push_str(&clause.replace('?', &format!("${}", texts.len() + 1)));
    };
    if let Some(s) = f.status {
        push(&mut sql, " AND status = ?", s.code().into());
    }
    if let Some(ch) = f.channel {
        push(&mut sql, " AND channel = ?", ch.code().into());
    }
    if let Some(t) = &f.topic {
        push(&mut sql, " AND topic = ?", t.clone());
    }
    if let Some(k) = &f.recipient_key {
        push(&mut sql, " AND recipient_key = ?", k.clone());
    }
    // Instants are ours, not input.
    if let Some(from) = f.from {
        sql.push_str(&format!(" AND created_at >= {}", from.0));
    }
    if let Some(to) = f.to {
        sql.push_str(&format!(" AND created_at < {}", to.0));
    }
    let mut q = c.query_built(format!("SELECT COUNT(*) FROM notify_deliveries WHERE {sql}"));
    for t in &texts {
        q = q.bind(t.clone());
    }
    let total: i64 = q.fetch_one(c.conn()).await?.try_get(0)?;
    let list = format!(
        "SELECT {DELIVERY} FROM notify_deliveries WHERE {sql} ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {}",
        limit.max(1),
        offset.max(0)
    );
    let mut q = c.query_built(list);
    for t in &texts {
        q = q.bind(t.clone());
    }
    let rows = q.fetch_all(c.conn()).await?;
    Ok((rows.iter().map(delivery).collect::<sqlx::Result<_>>()?, total))
}

// ---- in-app inbox ----

#[derive(Clone, Debug)]
pub struct InboxRow {
    pub id: i64,
    pub topic: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: Instant,
    pub read_at: Option<Instant>,
}

pub(crate) struct NewInbox<'a> {
    pub id: i64,
    pub user: UserId,
    pub topic: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    pub delivery: i64,
    pub now: Instant,
}

pub(crate) async fn insert_inbox(tx: &mut Tx, m: NewInbox<'_>) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO notify_inbox (hospital_id, id, user_id, topic, title, body, link, delivery_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(m.id)
    .bind(m.user.0)
    .bind(m.topic.to_string())
    .bind(m.title.to_string())
    .bind(m.body.to_string())
    .bind(m.link.to_string())
    .bind(m.delivery)
    .bind(m.now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn inbox_row(r: &AnyRow) -> sqlx::Result<InboxRow> {
    Ok(InboxRow {
        id: r.try_get(0)?,
        topic: r.try_get(1)?,
        title: r.try_get(2)?,
        body: r.try_get(3)?,
        link: r.try_get(4)?,
        created_at: Instant(r.try_get(5)?),
        read_at: r.try_get::<Option<i64>, _>(6)?.map(Instant),
    })
}

/// A page of a user's messages, newest first; how many there are and how many are unread.
pub(crate) async fn inbox<C: Conn>(c: &mut Scoped<C>, user: UserId, offset: i64, limit: i64) -> sqlx::Result<(Vec<InboxRow>, i64, i64)> {
    let r = c
        .query(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0) FROM notify_inbox \
             WHERE hospital_id = $1 AND user_id = $2",
        )
        .bind(user.0)
        .fetch_one(c.conn())
        .await?;
    let (total, unread): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
    let sql = format!(
        "SELECT id, topic, title, body, link, created_at, read_at FROM notify_inbox WHERE hospital_id = $1 AND user_id = $2 \
         ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {}",
        limit.max(1),
        offset.max(0)
    );
    let rows = c.query_built(sql).bind(user.0).fetch_all(c.conn()).await?;
    Ok((rows.iter().map(inbox_row).collect::<sqlx::Result<_>>()?, total, unread))
}

pub(crate) async fn unread<C: Conn>(c: &mut Scoped<C>, user: UserId) -> sqlx::Result<i64> {
    c.query("SELECT COUNT(*) FROM notify_inbox WHERE hospital_id = $1 AND user_id = $2 AND read_at IS NULL")
        .bind(user.0)
        .fetch_one(c.conn())
        .await?
        .try_get(0)
}

/// Whether message `id` is the user's.
pub(crate) async fn is_users(tx: &mut Tx, user: UserId, id: i64) -> sqlx::Result<bool> {
    let r = tx
        .query("SELECT 1 FROM notify_inbox WHERE hospital_id = $1 AND user_id = $2 AND id = $3")
        .bind(user.0)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    Ok(r.is_some())
}

/// Marks the user's message `id` read, or all of their messages with `None`; how many changed.
pub(crate) async fn mark_read(tx: &mut Tx, user: UserId, id: Option<i64>, now: Instant) -> sqlx::Result<u64> {
    let r = tx
        .query(
            "UPDATE notify_inbox SET read_at = $3 WHERE hospital_id = $1 AND user_id = $2 AND read_at IS NULL \
             AND ($4 = 0 OR id = $4)",
        )
        .bind(user.0)
        .bind(now.0)
        .bind(id.unwrap_or(0))
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected())
}

// ---- staff contacts ----

/// A staff member's notification contacts: encrypted phone and e-mail with their masked forms.
#[derive(Clone, Debug, Default)]
pub struct ContactRow {
    pub phone_enc: Option<Vec<u8>>,
    pub phone_masked: Option<String>,
    pub email_enc: Option<Vec<u8>>,
    pub email_masked: Option<String>,
}

pub(crate) async fn contact<C: Conn>(c: &mut Scoped<C>, user: UserId) -> sqlx::Result<Option<ContactRow>> {
    let r = c
        .query("SELECT phone_enc, phone_masked, email_enc, email_masked FROM notify_contacts WHERE hospital_id = $1 AND user_id = $2")
        .bind(user.0)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| {
        Ok(ContactRow { phone_enc: r.try_get(0)?, phone_masked: r.try_get(1)?, email_enc: r.try_get(2)?, email_masked: r.try_get(3)? })
    })
    .transpose()
}

pub(crate) async fn save_contact(tx: &mut Tx, user: UserId, c: ContactRow, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO notify_contacts (hospital_id, user_id, phone_enc, phone_masked, email_enc, email_masked, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hospital_id, user_id) DO UPDATE SET \
         phone_enc = $3, phone_masked = $4, email_enc = $5, email_masked = $6, updated_at = $7",
    )
    .bind(user.0)
    .bind(c.phone_enc)
    .bind(c.phone_masked)
    .bind(c.email_enc)
    .bind(c.email_masked)
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}
