//! SQL of the weekday capacity templates (migration 0016).

use hops_kernel::Instant;
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::model::{DaySetting, PoolKind};
use super::template::Templates;

/// The hospital's templates, by ISO weekday.
pub async fn templates<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Templates> {
    let rows = c
        .query("SELECT weekday, kind, pool_key, capacity FROM checkup_capacity_templates WHERE hospital_id = $1 ORDER BY weekday, kind, pool_key")
        .fetch_all(c.conn())
        .await?;
    let mut out = Templates::new();
    for r in rows {
        let weekday = u8::try_from(r.try_get::<i16, _>("weekday")?).map_err(|e| sqlx::Error::Decode(e.into()))?;
        let kind: String = r.try_get("kind")?;
        let (key, n): (String, i64) = (r.try_get("pool_key")?, r.try_get("capacity")?);
        let s: &mut DaySetting = out.entry(weekday).or_default();
        match PoolKind::from_code(&kind) {
            Some(PoolKind::Individual) => s.individual = n,
            Some(PoolKind::Vip) => s.vip = n,
            Some(PoolKind::Group) => _ = s.groups.insert(key, n),
            Some(PoolKind::Special) => _ = s.specials.insert(key, n),
            Some(PoolKind::Resource) => _ = s.resources.insert(key, n),
            None => {}
        }
    }
    Ok(out)
}

/// Replaces every template of the hospital with `t` (a weekday's individual and VIP rows are
/// written even when 0, so the weekday keeps its template).
pub async fn replace(tx: &mut Tx, t: &Templates, now: Instant) -> sqlx::Result<()> {
    tx.query("DELETE FROM checkup_capacity_templates WHERE hospital_id = $1").execute(tx.conn()).await?;
    for (weekday, setting) in t {
        for (key, n) in setting.pools() {
            tx.query(
                "INSERT INTO checkup_capacity_templates (hospital_id, weekday, kind, pool_key, capacity, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(i16::from(*weekday))
            .bind(key.kind.code())
            .bind(key.key)
            .bind(n)
            .bind(now.0)
            .execute(tx.conn())
            .await?;
        }
    }
    Ok(())
}
