//! SQL of H5 patient sessions (migrations 0013, 0021): the phone a patient proved.

use hops_kernel::Instant;
use hops_platform::Tx;
use hops_platform::crypto::Sealed;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

pub async fn insert(tx: &mut Tx, token_hash: &str, phone: &Sealed, now: Instant, expires: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_h5_sessions (hospital_id, token_hash, phone_enc, phone_bidx, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash.to_string())
    .bind(phone.enc.clone())
    .bind(phone.bidx.clone())
    .bind(now.0)
    .bind(expires.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The proven phone (encrypted) of a live session.
pub async fn find<C: Conn>(c: &mut Scoped<C>, token_hash: &str, now: Instant) -> sqlx::Result<Option<Vec<u8>>> {
    let r = c
        .query("SELECT phone_enc FROM checkup_h5_sessions WHERE hospital_id = $1 AND token_hash = $2 AND expires_at > $3")
        .bind(token_hash.to_string())
        .bind(now.0)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| r.try_get(0)).transpose()
}

/// Ends a session, and every expired one of the hospital with it.
pub async fn delete(tx: &mut Tx, token_hash: &str, now: Instant) -> sqlx::Result<()> {
    tx.query("DELETE FROM checkup_h5_sessions WHERE hospital_id = $1 AND (token_hash = $2 OR expires_at <= $3)")
        .bind(token_hash.to_string())
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}
