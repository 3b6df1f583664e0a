//! SQL of the bot's conversations (migration 0018): sessions by token hash, their turns, daily
//! figures and the unanswered questions.

use hops_kernel::Instant;
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

/// A conversation.
#[derive(Clone, Debug)]
pub struct SessionRow {
    pub id: i64,
    pub channel: String,
    pub started_at: Instant,
    pub last_at: Instant,
    pub questions: i64,
    pub answered: i64,
    pub handed_over_ticket: Option<i64>,
}

const SESSION_COLUMNS: &str = "id, channel, started_at, last_at, questions, answered, handed_over_ticket";

fn session(r: &sqlx::any::AnyRow) -> sqlx::Result<SessionRow> {
    Ok(SessionRow {
        id: r.try_get("id")?,
        channel: r.try_get("channel")?,
        started_at: Instant(r.try_get("started_at")?),
        last_at: Instant(r.try_get("last_at")?),
        questions: i64::from(r.try_get::<i32, _>("questions")?),
        answered: i64::from(r.try_get::<i32, _>("answered")?),
        handed_over_ticket: r.try_get("handed_over_ticket")?,
    })
}

pub async fn session_by_token<C: Conn>(c: &mut Scoped<C>, token_hash: &str) -> sqlx::Result<Option<SessionRow>> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM desk_bot_sessions WHERE hospital_id = $1 AND token_hash = $2");
    c.query_built(sql).bind(token_hash.to_string()).fetch_optional(c.conn()).await?.as_ref().map(session).transpose()
}

pub async fn get_session<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<SessionRow>> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM desk_bot_sessions WHERE hospital_id = $1 AND id = $2");
    c.query_built(sql).bind(id).fetch_optional(c.conn()).await?.as_ref().map(session).transpose()
}

pub async fn insert_session(tx: &mut Tx, id: i64, token_hash: &str, channel: &str, now: Instant) -> sqlx::Result<()> {
    tx.query("INSERT INTO desk_bot_sessions (hospital_id, id, token_hash, channel, started_at, last_at) VALUES ($1, $2, $3, $4, $5, $5)")
        .bind(id)
        .bind(token_hash.to_string())
        .bind(channel.to_string())
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// One question and what the bot did with it.
#[derive(Clone, Debug)]
pub struct TurnRow {
    pub session_id: i64,
    pub seq: i64,
    pub at: Instant,
    pub question: String,
    pub outcome: String,
    pub article_id: Option<i64>,
    pub confidence: Option<f64>,
}

/// Appends a turn and counts it on the session.
pub async fn add_turn(tx: &mut Tx, t: &TurnRow) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_bot_turns (hospital_id, session_id, seq, at, question, outcome, article_id, confidence) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(t.session_id)
    .bind(i32::try_from(t.seq).unwrap_or(i32::MAX))
    .bind(t.at.0)
    .bind(t.question.clone())
    .bind(t.outcome.clone())
    .bind(t.article_id)
    // Always a double: a NULL would prepare the statement with another type on PostgreSQL, and
    // the next value would not fit the cached statement. No candidate = confidence 0.
    .bind(t.confidence.unwrap_or(0.0))
    .execute(tx.conn())
    .await?;
    let answered = i32::from(t.outcome == "answered");
    tx.query(
        "UPDATE desk_bot_sessions SET questions = questions + 1, answered = answered + $3, last_at = $4 WHERE hospital_id = $1 AND id = $2",
    )
    .bind(t.session_id)
    .bind(answered)
    .bind(t.at.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn set_handed_over(tx: &mut Tx, session: i64, ticket: i64) -> sqlx::Result<()> {
    tx.query("UPDATE desk_bot_sessions SET handed_over_ticket = $3 WHERE hospital_id = $1 AND id = $2")
        .bind(session)
        .bind(ticket)
        .execute(tx.conn())
        .await?;
    Ok(())
}

fn turn(r: &sqlx::any::AnyRow) -> sqlx::Result<TurnRow> {
    Ok(TurnRow {
        session_id: r.try_get("session_id")?,
        seq: i64::from(r.try_get::<i32, _>("seq")?),
        at: Instant(r.try_get("at")?),
        question: r.try_get("question")?,
        outcome: r.try_get("outcome")?,
        article_id: r.try_get("article_id")?,
        confidence: r.try_get("confidence")?,
    })
}

pub async fn turns<C: Conn>(c: &mut Scoped<C>, session: i64) -> sqlx::Result<Vec<TurnRow>> {
    c.query(
        "SELECT session_id, seq, at, question, outcome, article_id, confidence FROM desk_bot_turns \
         WHERE hospital_id = $1 AND session_id = $2 ORDER BY seq",
    )
    .bind(session)
    .fetch_all(c.conn())
    .await?
    .iter()
    .map(turn)
    .collect()
}

/// Questions the bot could not answer since `from`, newest first (at most `limit`).
pub async fn unanswered<C: Conn>(c: &mut Scoped<C>, from: Instant, limit: i64) -> sqlx::Result<Vec<TurnRow>> {
    let sql = format!(
        "SELECT session_id, seq, at, question, outcome, article_id, confidence FROM desk_bot_turns \
         WHERE hospital_id = $1 AND outcome = 'unsure' AND at >= $2 ORDER BY at DESC LIMIT {}",
        limit.max(1)
    );
    c.query_built(sql).bind(from.0).fetch_all(c.conn()).await?.iter().map(turn).collect()
}

/// A page of conversations, newest first, and how many there are since `from`.
pub async fn sessions<C: Conn>(c: &mut Scoped<C>, from: Instant, offset: i64, limit: i64) -> sqlx::Result<(Vec<SessionRow>, i64)> {
    let total: i64 = c
        .query("SELECT COUNT(*) FROM desk_bot_sessions WHERE hospital_id = $1 AND started_at >= $2 AND questions > 0")
        .bind(from.0)
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    let sql = format!(
        "SELECT {SESSION_COLUMNS} FROM desk_bot_sessions WHERE hospital_id = $1 AND started_at >= $2 AND questions > 0 \
         ORDER BY started_at DESC, id DESC LIMIT {} OFFSET {}",
        limit.max(1),
        offset.max(0)
    );
    let rows = c.query_built(sql).bind(from.0).fetch_all(c.conn()).await?;
    Ok((rows.iter().map(session).collect::<sqlx::Result<_>>()?, total))
}

/// Conversations started in `[from, to)` with at least one question: (started at, answered
/// questions, handed over) — the daily self-service share is computed from these.
pub async fn outcomes<C: Conn>(c: &mut Scoped<C>, from: Instant, to: Instant) -> sqlx::Result<Vec<(Instant, i64, bool)>> {
    let rows = c
        .query(
            "SELECT started_at, answered, handed_over_ticket FROM desk_bot_sessions \
             WHERE hospital_id = $1 AND started_at >= $2 AND started_at < $3 AND questions > 0",
        )
        .bind(from.0)
        .bind(to.0)
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                Instant(r.try_get("started_at")?),
                i64::from(r.try_get::<i32, _>("answered")?),
                r.try_get::<Option<i64>, _>("handed_over_ticket")?.is_some(),
            ))
        })
        .collect()
}
