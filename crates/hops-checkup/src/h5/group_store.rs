//! SQL of employer contacts' H5 sessions (migrations 0017, 0021) and of the group bookings a contact
//! sees for an employer's list.

use hops_kernel::{Instant, LocalDay, Money};
use hops_platform::Tx;
use hops_platform::crypto::Sealed;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use crate::booking::model::Status;

pub async fn insert_session(tx: &mut Tx, token_hash: &str, phone: &Sealed, now: Instant, expires: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_contact_sessions (hospital_id, token_hash, phone_enc, phone_bidx, created_at, expires_at) \
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

/// The phone (encrypted, blind index) of a live contact session.
pub async fn find_session<C: Conn>(c: &mut Scoped<C>, token_hash: &str, now: Instant) -> sqlx::Result<Option<(Vec<u8>, String)>> {
    let r = c
        .query("SELECT phone_enc, phone_bidx FROM checkup_contact_sessions WHERE hospital_id = $1 AND token_hash = $2 AND expires_at > $3")
        .bind(token_hash.to_string())
        .bind(now.0)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// Ends a session, and every expired one of the hospital with it.
pub async fn delete_session(tx: &mut Tx, token_hash: &str, now: Instant) -> sqlx::Result<()> {
    tx.query("DELETE FROM checkup_contact_sessions WHERE hospital_id = $1 AND (token_hash = $2 OR expires_at <= $3)")
        .bind(token_hash.to_string())
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A group booking as a contact sees it.
#[derive(Clone, Debug)]
pub struct GroupBooking {
    pub id: i64,
    pub employee_id: i64,
    pub number: String,
    pub day: LocalDay,
    pub status: Status,
    /// What the person pays.
    pub total: Money,
    pub employer_pays: Money,
    pub booked_by: String,
}

/// The bookings of an employer's listed people that hold places or are done, by date.
pub async fn bookings_of_employer<C: Conn>(c: &mut Scoped<C>, employer: &str) -> sqlx::Result<Vec<GroupBooking>> {
    let rows = c
        .query(
            "SELECT id, employee_id, number, day, status, total_fen, employer_fen, booked_by FROM checkup_bookings \
             WHERE hospital_id = $1 AND employer_code = $2 AND employee_id IS NOT NULL \
             AND status IN ('pending_payment', 'paid', 'checked_in', 'completed') ORDER BY day, id",
        )
        .bind(employer.to_string())
        .fetch_all(c.conn())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let status: String = r.try_get(4)?;
        let Some(status) = Status::from_code(&status) else { continue };
        out.push(GroupBooking {
            id: r.try_get(0)?,
            employee_id: r.try_get(1)?,
            number: r.try_get(2)?,
            day: LocalDay(r.try_get(3)?),
            status,
            total: Money(r.try_get(5)?),
            employer_pays: Money(r.try_get(6)?),
            booked_by: r.try_get(7)?,
        });
    }
    Ok(out)
}
