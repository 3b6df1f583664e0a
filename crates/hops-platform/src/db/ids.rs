//! Id allocation, unique across tables, tenants and processes, without identity columns (which
//! would differ between engines and break composite `(hospital_id, id)` keys).
//!
//! PostgreSQL: a sequence (non-transactional, no contention). SQLite: the `id_alloc` row,
//! updated inside the caller's write transaction. SQLite writes are serialised anyway, and a
//! rollback takes the counter back with it, so nothing is cached in memory.

use sqlx::{AnyConnection, Row};

use super::Engine;

pub async fn allocate(conn: &mut AnyConnection, engine: Engine, n: usize) -> sqlx::Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let n = i64::try_from(n).expect("id block fits i64");
    match engine {
        Engine::Postgres => {
            let rows = sqlx::query("SELECT nextval('hops_ids') FROM generate_series(1, $1)").bind(n).fetch_all(&mut *conn).await?;
            rows.iter().map(|r| r.try_get::<i64, _>(0)).collect()
        }
        Engine::Sqlite => {
            let row = sqlx::query("UPDATE id_alloc SET next_id = next_id + $1 WHERE name = 'global' RETURNING next_id")
                .bind(n)
                .fetch_one(&mut *conn)
                .await?;
            let end: i64 = row.try_get(0)?;
            Ok((end - n..end).collect())
        }
    }
}
