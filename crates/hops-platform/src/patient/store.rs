//! SQL of the patient login (migration 0033): sessions, the one-time values of WeChat's web
//! authorisation, and openid → phone bindings.

use hops_kernel::Instant;
use sqlx::Row;

use crate::core::Tx;
use crate::crypto::Sealed;
use crate::db::{Conn, Scoped};

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub kind: &'a str,
    pub phone: &'a Sealed,
    pub now: Instant,
    pub expires: Instant,
}

/// Stores a new session, and forgets the hospital's sessions past their absolute expiry.
pub async fn insert_session(tx: &mut Tx, s: &NewSession<'_>) -> sqlx::Result<()> {
    tx.query("DELETE FROM patient_sessions WHERE hospital_id = $1 AND expires_at <= $2").bind(s.now.0).execute(tx.conn()).await?;
    tx.query(
        "INSERT INTO patient_sessions (hospital_id, token_hash, kind, phone_enc, phone_bidx, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
    )
    .bind(s.token_hash.to_string())
    .bind(s.kind.to_string())
    .bind(s.phone.enc.clone())
    .bind(s.phone.bidx.clone())
    .bind(s.now.0)
    .bind(s.expires.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The proven phone (encrypted) and last use of a live session of `kind`: used since
/// `idle_since` and not past its absolute expiry.
pub async fn find_session<C: Conn>(
    c: &mut Scoped<C>,
    token_hash: &str,
    kind: &str,
    now: Instant,
    idle_since: Instant,
) -> sqlx::Result<Option<(Vec<u8>, Instant)>> {
    let r = c
        .query(
            "SELECT phone_enc, last_seen_at FROM patient_sessions WHERE hospital_id = $1 AND token_hash = $2 AND kind = $3 \
             AND expires_at > $4 AND last_seen_at > $5",
        )
        .bind(token_hash.to_string())
        .bind(kind.to_string())
        .bind(now.0)
        .bind(idle_since.0)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| Ok((r.try_get(0)?, Instant(r.try_get(1)?)))).transpose()
}

/// Records a session's use.
pub async fn touch(tx: &mut Tx, token_hash: &str, now: Instant) -> sqlx::Result<()> {
    tx.query("UPDATE patient_sessions SET last_seen_at = $3 WHERE hospital_id = $1 AND token_hash = $2")
        .bind(token_hash.to_string())
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Ends a session, and every session of the hospital past its absolute expiry with it.
pub async fn delete_session(tx: &mut Tx, token_hash: &str, now: Instant) -> sqlx::Result<()> {
    tx.query("DELETE FROM patient_sessions WHERE hospital_id = $1 AND (token_hash = $2 OR expires_at <= $3)")
        .bind(token_hash.to_string())
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A one-time value of the WeChat sign-in.
pub struct Pending {
    pub browser_hash: String,
    pub openid_bidx: String,
    pub next: String,
}

/// Stores a one-time value, and forgets the hospital's expired ones.
pub async fn insert_pending(tx: &mut Tx, token_hash: &str, purpose: &str, p: &Pending, now: Instant, expires: Instant) -> sqlx::Result<()> {
    tx.query("DELETE FROM patient_wechat_pending WHERE hospital_id = $1 AND expires_at <= $2").bind(now.0).execute(tx.conn()).await?;
    tx.query(
        "INSERT INTO patient_wechat_pending (hospital_id, token_hash, purpose, browser_hash, openid_bidx, next, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(token_hash.to_string())
    .bind(purpose.to_string())
    .bind(p.browser_hash.clone())
    .bind(p.openid_bidx.clone())
    .bind(p.next.clone())
    .bind(expires.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Takes a live one-time value of `purpose` (deleting it, with every expired one): `None` when
/// unknown, expired or already taken.
pub async fn take_pending(tx: &mut Tx, token_hash: &str, purpose: &str, now: Instant) -> sqlx::Result<Option<Pending>> {
    let r = tx
        .query(
            "SELECT browser_hash, openid_bidx, next, expires_at FROM patient_wechat_pending \
             WHERE hospital_id = $1 AND token_hash = $2 AND purpose = $3",
        )
        .bind(token_hash.to_string())
        .bind(purpose.to_string())
        .fetch_optional(tx.conn())
        .await?;
    let deleted = tx
        .query("DELETE FROM patient_wechat_pending WHERE hospital_id = $1 AND (token_hash = $2 OR expires_at <= $3)")
        .bind(token_hash.to_string())
        .bind(now.0)
        .execute(tx.conn())
        .await?
        .rows_affected();
    let Some(r) = r else { return Ok(None) };
    let expires: i64 = r.try_get(3)?;
    if expires <= now.0 || deleted == 0 {
        return Ok(None);
    }
    Ok(Some(Pending { browser_hash: r.try_get(0)?, openid_bidx: r.try_get(1)?, next: r.try_get(2)? }))
}

/// Binds an openid to a phone (again: the newest proof wins).
pub async fn bind(tx: &mut Tx, openid_bidx: &str, phone: &Sealed, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO patient_wechat_bindings (hospital_id, openid_bidx, phone_enc, phone_bidx, phone_masked, bound_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hospital_id, openid_bidx) DO UPDATE SET \
         phone_enc = excluded.phone_enc, phone_bidx = excluded.phone_bidx, phone_masked = excluded.phone_masked, bound_at = excluded.bound_at",
    )
    .bind(openid_bidx.to_string())
    .bind(phone.enc.clone())
    .bind(phone.bidx.clone())
    .bind(phone.masked.clone())
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The bound phone (encrypted) of an openid.
pub async fn bound_phone<C: Conn>(c: &mut Scoped<C>, openid_bidx: &str) -> sqlx::Result<Option<Vec<u8>>> {
    let r = c
        .query("SELECT phone_enc FROM patient_wechat_bindings WHERE hospital_id = $1 AND openid_bidx = $2")
        .bind(openid_bidx.to_string())
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| r.try_get(0)).transpose()
}

/// How many openids are bound to a phone.
pub async fn bindings_of_phone<C: Conn>(c: &mut Scoped<C>, phone_bidx: &str) -> sqlx::Result<i64> {
    c.query("SELECT COUNT(*) FROM patient_wechat_bindings WHERE hospital_id = $1 AND phone_bidx = $2")
        .bind(phone_bidx.to_string())
        .fetch_one(c.conn())
        .await?
        .try_get(0)
}

/// Removes every binding of a phone; how many there were.
pub async fn unbind_phone(tx: &mut Tx, phone_bidx: &str) -> sqlx::Result<u64> {
    Ok(tx
        .query("DELETE FROM patient_wechat_bindings WHERE hospital_id = $1 AND phone_bidx = $2")
        .bind(phone_bidx.to_string())
        .execute(tx.conn())
        .await?
        .rows_affected())
}
