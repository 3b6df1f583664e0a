//! SQL of employers.

use hops_kernel::{Instant, LocalDay};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::Employer;

pub async fn employers<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<Employer>> {
    let rows = c
        .query("SELECT code, name, contact_name, window_from, window_to FROM checkup_employers WHERE hospital_id = $1 ORDER BY code")
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            let (from, to): (Option<i32>, Option<i32>) = (r.try_get(3)?, r.try_get(4)?);
            Ok(Employer {
                code: r.try_get(0)?,
                name: r.try_get(1)?,
                contact_name: r.try_get(2)?,
                window: from.zip(to).map(|(a, b)| (LocalDay(a), LocalDay(b))),
            })
        })
        .collect()
}

pub async fn upsert(tx: &mut Tx, e: &Employer, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_employers (hospital_id, code, name, contact_name, window_from, window_to, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hospital_id, code) DO UPDATE SET name = excluded.name, \
         contact_name = excluded.contact_name, window_from = excluded.window_from, window_to = excluded.window_to, \
         updated_at = excluded.updated_at",
    )
    .bind(e.code.clone())
    .bind(e.name.clone())
    .bind(e.contact_name.clone())
    .bind(e.window.map(|w| w.0.0))
    .bind(e.window.map(|w| w.1.0))
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}
