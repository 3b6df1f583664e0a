//! SQL of verification codes (migration 0012).

use hops_kernel::Instant;
use sqlx::Row;

use crate::Tx;

/// When codes were sent to the phone for the purpose since `since`, newest first.
pub async fn recent(tx: &mut Tx, phone_bidx: &str, purpose: &str, since: Instant) -> sqlx::Result<Vec<Instant>> {
    let rows = tx
        .query(
            "SELECT created_at FROM sms_codes WHERE hospital_id = $1 AND phone_bidx = $2 AND purpose = $3 AND created_at >= $4 \
             ORDER BY created_at DESC",
        )
        .bind(phone_bidx.to_string())
        .bind(purpose.to_string())
        .bind(since.0)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(|r| Ok(Instant(r.try_get(0)?))).collect()
}

pub async fn insert(tx: &mut Tx, id: i64, phone_bidx: &str, purpose: &str, hash: &str, now: Instant, expires: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO sms_codes (hospital_id, id, phone_bidx, purpose, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(phone_bidx.to_string())
    .bind(purpose.to_string())
    .bind(hash.to_string())
    .bind(now.0)
    .bind(expires.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The newest unused code: id, expiry, wrong attempts so far.
pub async fn latest_open(tx: &mut Tx, phone_bidx: &str, purpose: &str) -> sqlx::Result<Option<(i64, Instant, i32)>> {
    let r = tx
        .query(
            "SELECT id, expires_at, attempts FROM sms_codes WHERE hospital_id = $1 AND phone_bidx = $2 AND purpose = $3 AND used_at IS NULL \
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(phone_bidx.to_string())
        .bind(purpose.to_string())
        .fetch_optional(tx.conn())
        .await?;
    r.map(|r| Ok((r.try_get(0)?, Instant(r.try_get(1)?), r.try_get(2)?))).transpose()
}

pub async fn hash_of(tx: &mut Tx, id: i64) -> sqlx::Result<String> {
    tx.query("SELECT code_hash FROM sms_codes WHERE hospital_id = $1 AND id = $2").bind(id).fetch_one(tx.conn()).await?.try_get(0)
}

pub async fn count_attempt(tx: &mut Tx, id: i64) -> sqlx::Result<()> {
    tx.query("UPDATE sms_codes SET attempts = attempts + 1 WHERE hospital_id = $1 AND id = $2").bind(id).execute(tx.conn()).await?;
    Ok(())
}

pub async fn use_up(tx: &mut Tx, id: i64, now: Instant) -> sqlx::Result<()> {
    tx.query("UPDATE sms_codes SET used_at = $3 WHERE hospital_id = $1 AND id = $2").bind(id).bind(now.0).execute(tx.conn()).await?;
    Ok(())
}
