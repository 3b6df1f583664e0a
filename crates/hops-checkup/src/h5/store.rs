//! SQL of H5 patient sessions (migration 0013) and the bookings of an identity.

use hops_kernel::Instant;
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use crate::booking::store::{ListedBooking, list_where};

pub async fn insert(tx: &mut Tx, token_hash: &str, id_bidx: &str, phone_bidx: &str, now: Instant, expires: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_h5_sessions (hospital_id, token_hash, id_number_bidx, phone_bidx, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash.to_string())
    .bind(id_bidx.to_string())
    .bind(phone_bidx.to_string())
    .bind(now.0)
    .bind(expires.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The identity (blind index) of a live session.
pub async fn find<C: Conn>(c: &mut Scoped<C>, token_hash: &str, now: Instant) -> sqlx::Result<Option<String>> {
    let r = c
        .query("SELECT id_number_bidx FROM checkup_h5_sessions WHERE hospital_id = $1 AND token_hash = $2 AND expires_at > $3")
        .bind(token_hash.to_string())
        .bind(now.0)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| r.try_get(0)).transpose()
}

/// The bookings of the person with this identity number (blind index), newest first.
pub async fn bookings_of<C: Conn>(c: &mut Scoped<C>, id_bidx: &str) -> sqlx::Result<Vec<ListedBooking>> {
    list_where(c, "p.id_number_bidx = $2", |q| q.bind(id_bidx.to_string()), 100, 0).await
}
