//! SQL of capacity: pools per date (taking and giving back places with conditional updates, so
//! no interleaving can overbook), VIP release, closed dates.

use hops_kernel::{Instant, LocalDay};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::model::{Pool, PoolKey, PoolKind};

/// A pool row: the pool, and whether its VIP places were released.
pub struct PoolRow {
    pub day: LocalDay,
    pub pool: Pool,
    pub released: bool,
}

/// The pools of the dates `from ..= to`, by date and pool.
pub async fn pools<C: Conn>(c: &mut Scoped<C>, from: LocalDay, to: LocalDay) -> sqlx::Result<Vec<PoolRow>> {
    let rows = c
        .query(
            "SELECT day, kind, pool_key, capacity, used, released FROM checkup_pools WHERE hospital_id = $1 AND day >= $2 AND day <= $3 \
             ORDER BY day, kind, pool_key",
        )
        .bind(from.0)
        .bind(to.0)
        .fetch_all(c.conn())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let kind: String = r.try_get("kind")?;
        let Some(kind) = PoolKind::from_code(&kind) else { continue };
        out.push(PoolRow {
            day: LocalDay(r.try_get("day")?),
            pool: Pool { key: PoolKey { kind, key: r.try_get("pool_key")? }, capacity: r.try_get("capacity")?, used: r.try_get("used")? },
            released: r.try_get::<i16, _>("released")? != 0,
        });
    }
    Ok(out)
}

/// Sets a pool's capacity (creating the pool).
pub async fn set_capacity(tx: &mut Tx, day: LocalDay, key: &PoolKey, capacity: i64, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_pools (hospital_id, day, kind, pool_key, capacity, used, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6) \
         ON CONFLICT (hospital_id, day, kind, pool_key) DO UPDATE SET capacity = excluded.capacity, updated_at = excluded.updated_at",
    )
    .bind(day.0)
    .bind(key.kind.code())
    .bind(key.key.clone())
    .bind(capacity)
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Takes one place from a pool if one is left; returns whether it did. One conditional
/// statement: concurrent takers queue on the row and each sees the others' places.
pub async fn take(tx: &mut Tx, day: LocalDay, key: &PoolKey, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE checkup_pools SET used = used + 1, updated_at = $5 WHERE hospital_id = $1 AND day = $2 AND kind = $3 \
             AND pool_key = $4 AND used < capacity",
        )
        .bind(day.0)
        .bind(key.kind.code())
        .bind(key.key.clone())
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Gives one place back to a pool.
pub async fn give_back(tx: &mut Tx, day: LocalDay, key: &PoolKey, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "UPDATE checkup_pools SET used = used - 1, updated_at = $5 WHERE hospital_id = $1 AND day = $2 AND kind = $3 \
         AND pool_key = $4 AND used > 0",
    )
    .bind(day.0)
    .bind(key.kind.code())
    .bind(key.key.clone())
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Releases the unused VIP places of `day` to its individual pool, once; returns how many
/// moved (0 if already released or none were left).
pub async fn release_vip(tx: &mut Tx, day: LocalDay, now: Instant) -> sqlx::Result<i64> {
    let r = tx
        .query(
            "UPDATE checkup_pools SET released_places = capacity - used, capacity = used, released = 1, updated_at = $3 \
             WHERE hospital_id = $1 AND day = $2 AND kind = 'vip' AND pool_key = '' AND released = 0 RETURNING released_places",
        )
        .bind(day.0)
        .bind(now.0)
        .fetch_optional(tx.conn())
        .await?;
    let moved: i64 = match r {
        Some(r) => r.try_get(0)?,
        None => return Ok(0),
    };
    if moved > 0 {
        tx.query(
            "INSERT INTO checkup_pools (hospital_id, day, kind, pool_key, capacity, used, updated_at) VALUES ($1, $2, 'individual', '', $3, 0, $4) \
             ON CONFLICT (hospital_id, day, kind, pool_key) DO UPDATE SET capacity = checkup_pools.capacity + excluded.capacity, \
             updated_at = excluded.updated_at",
        )
        .bind(day.0)
        .bind(moved)
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    }
    Ok(moved)
}

/// Closed dates in `from ..= to` with their reasons.
pub async fn closed_days<C: Conn>(c: &mut Scoped<C>, from: LocalDay, to: LocalDay) -> sqlx::Result<Vec<(LocalDay, String)>> {
    let rows = c
        .query("SELECT day, reason FROM checkup_closed_days WHERE hospital_id = $1 AND day >= $2 AND day <= $3 ORDER BY day")
        .bind(from.0)
        .bind(to.0)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| Ok((LocalDay(r.try_get(0)?), r.try_get(1)?))).collect()
}

pub async fn is_closed<C: Conn>(c: &mut Scoped<C>, day: LocalDay) -> sqlx::Result<bool> {
    Ok(c.query("SELECT 1 FROM checkup_closed_days WHERE hospital_id = $1 AND day = $2")
        .bind(day.0)
        .fetch_optional(c.conn())
        .await?
        .is_some())
}

pub async fn set_closed(tx: &mut Tx, day: LocalDay, closed: bool, reason: &str) -> sqlx::Result<()> {
    if closed {
        tx.query(
            "INSERT INTO checkup_closed_days (hospital_id, day, reason) VALUES ($1, $2, $3) \
             ON CONFLICT (hospital_id, day) DO UPDATE SET reason = excluded.reason",
        )
        .bind(day.0)
        .bind(reason.to_string())
        .execute(tx.conn())
        .await?;
    } else {
        tx.query("DELETE FROM checkup_closed_days WHERE hospital_id = $1 AND day = $2").bind(day.0).execute(tx.conn()).await?;
    }
    Ok(())
}

/// The hospital's hold time (minutes) and VIP cut-off (hours), if set.
pub async fn settings<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Option<(i64, i64)>> {
    let r = c.query("SELECT hold_minutes, vip_cutoff_hours FROM checkup_settings WHERE hospital_id = $1").fetch_optional(c.conn()).await?;
    r.map(|r| Ok((i64::from(r.try_get::<i32, _>(0)?), i64::from(r.try_get::<i32, _>(1)?)))).transpose()
}

pub async fn save_settings(tx: &mut Tx, hold_minutes: i64, vip_cutoff_hours: i64, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_settings (hospital_id, hold_minutes, vip_cutoff_hours, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (hospital_id) DO UPDATE SET hold_minutes = excluded.hold_minutes, vip_cutoff_hours = excluded.vip_cutoff_hours, \
         updated_at = excluded.updated_at",
    )
    .bind(hold_minutes as i32)
    .bind(vip_cutoff_hours as i32)
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}
