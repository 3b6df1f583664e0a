//! SQL of the business calendar (migration 0024).

use hops_kernel::Instant;
use sqlx::Row;

use crate::Tx;
use crate::db::{Conn, Scoped};

/// A year as stored: holidays and workdays as comma-separated dates, the source.
pub struct YearRow {
    pub year: i16,
    pub holidays: String,
    pub workdays: String,
    pub source: String,
    pub updated_at: Instant,
}

pub async fn years<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<YearRow>> {
    let rows = c
        .query("SELECT year, holidays, workdays, source, updated_at FROM business_years WHERE hospital_id = $1 ORDER BY year")
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(YearRow {
                year: i16::try_from(r.try_get::<i32, _>("year")?).unwrap_or_default(),
                holidays: r.try_get("holidays")?,
                workdays: r.try_get("workdays")?,
                source: r.try_get("source")?,
                updated_at: Instant(r.try_get("updated_at")?),
            })
        })
        .collect()
}

pub async fn upsert(tx: &mut Tx, year: i16, holidays: &str, workdays: &str, source: &str, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO business_years (hospital_id, year, holidays, workdays, source, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (hospital_id, year) DO UPDATE SET holidays = excluded.holidays, workdays = excluded.workdays, \
         source = excluded.source, updated_at = excluded.updated_at",
    )
    .bind(i32::from(year))
    .bind(holidays.to_string())
    .bind(workdays.to_string())
    .bind(source.to_string())
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Removes the hospital's own version of `year`; false when it had none.
pub async fn delete(tx: &mut Tx, year: i16) -> sqlx::Result<bool> {
    let r = tx.query("DELETE FROM business_years WHERE hospital_id = $1 AND year = $2").bind(i32::from(year)).execute(tx.conn()).await?;
    Ok(r.rows_affected() == 1)
}
