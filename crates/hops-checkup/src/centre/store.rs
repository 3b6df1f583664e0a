//! SQL of the centre's details (one row per hospital).

use hops_kernel::Instant;
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::model::Centre;

pub async fn get<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Option<Centre>> {
    let r = c
        .query("SELECT name, address, phone, arrival, directions FROM checkup_centre WHERE hospital_id = $1")
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| {
        Ok(Centre {
            name: r.try_get("name")?,
            address: r.try_get("address")?,
            phone: r.try_get("phone")?,
            arrival: r.try_get("arrival")?,
            directions: r.try_get("directions")?,
        })
    })
    .transpose()
}

pub async fn put(tx: &mut Tx, c: &Centre, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_centre (hospital_id, name, address, phone, arrival, directions, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (hospital_id) DO UPDATE SET name = excluded.name, address = excluded.address, phone = excluded.phone, \
         arrival = excluded.arrival, directions = excluded.directions, updated_at = excluded.updated_at",
    )
    .bind(c.name.clone())
    .bind(c.address.clone())
    .bind(c.phone.clone())
    .bind(c.arrival.clone())
    .bind(c.directions.clone())
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}
