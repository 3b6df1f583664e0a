//! Database access: one code path for SQLite and PostgreSQL through sqlx's `Any` driver.
//!
//! Tenant data is reached only through [`Tenant`], a handle bound to one hospital. Its
//! statements get the hospital id bound as `$1` by the handle itself and are refused unless
//! they filter or insert by `hospital_id`, so no store function can forget the tenant.
//! Cross-tenant access (the job worker, `hops audit verify`, hospital management) goes through
//! [`Db::system`], which only platform code and the binary's wiring use.

mod ids;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use hops_kernel::HospitalId;
use sqlx::any::{AnyArguments, AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Connection, Executor, Transaction};

pub type Q = Query<'static, Any, AnyArguments>;

/// Bind parameters per statement for `IN (…)` lists and multi-row statements. sqlx's SQLite
/// driver looks every parameter up by name, a linear scan in SQLite, so binding grows with the
/// square of a statement's parameters (a 1,600-parameter upsert spent more time there than in
/// SQLite itself); a few hundred balance that against the round trip each statement costs.
pub const BINDS_PER_STATEMENT: usize = 240;

/// Rows per multi-row statement whose rows bind `binds_per_row` parameters each.
pub const fn rows_per_statement(binds_per_row: usize) -> usize {
    let n = BINDS_PER_STATEMENT / binds_per_row;
    if n == 0 { 1 } else { n }
}

/// Which engine a [`Db`] talks to. Engine-specific SQL branches on this, in store modules only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The database: a writer and a reader pool. On SQLite the writer is a single connection, so
/// write transactions queue in the application instead of failing with "database is locked";
/// readers run concurrently under WAL. On PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Db {
    engine: Engine,
    writer: AnyPool,
    reader: AnyPool,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else {
            anyhow::bail!("不支持的数据库地址（应以 sqlite: 或 postgres:// 开头）");
        };
        let options = AnyConnectOptions::from_str(url)?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
        let db = match engine {
            Engine::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Db { engine, writer: pool.clone(), reader: pool }
            }
            Engine::Sqlite => {
                owner_only_sqlite_file(url)?;
                let writer = sqlite_pool(1).connect_with(options.clone()).await?;
                let reader = sqlite_pool(4).connect_with(options).await?;
                Db { engine, writer, reader }
            }
        };
        Ok(db)
    }

    /// Opens (creating if needed) the embedded SQLite database in `dir` (created 0700, the
    /// database 0600).
    pub async fn open_sqlite_dir(dir: &Path) -> anyhow::Result<Db> {
        #[cfg(unix)]
        if !dir.exists() {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        }
        std::fs::create_dir_all(dir)?;
        let path = dir.join("hops.db");
        Db::connect(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Applies pending migrations of this engine.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        self.migrator().run(&self.writer).await?;
        Ok(())
    }

    /// Applies pending migrations of this engine numbered below `version` (for a start-up step
    /// that must run between two migrations, such as [`crate::people::adopt`]).
    pub async fn migrate_before(&self, version: i64) -> anyhow::Result<()> {
        self.migrator().run_to(version - 1, &self.writer).await?;
        Ok(())
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.engine {
            Engine::Sqlite => &SQLITE_MIGRATOR,
            Engine::Postgres => &POSTGRES_MIGRATOR,
        }
    }

    /// A value the installation recorded under `name` (a start-up step done, the key's
    /// fingerprint), if any.
    pub async fn installation(&self, name: &str) -> anyhow::Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM installation WHERE name = $1").bind(name).fetch_optional(&self.reader).await?)
    }

    /// Records `value` under `name` for the installation (replacing what was there).
    pub async fn set_installation(&self, name: &str, value: &str) -> anyhow::Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM installation WHERE name = $1").bind(name).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO installation (name, value) VALUES ($1, $2)").bind(name).bind(value).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether migration `version` is applied.
    pub async fn migration_applied(&self, version: i64) -> anyhow::Result<bool> {
        let r: Option<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE version = $1 AND success = TRUE")
            .bind(version)
            .fetch_optional(&self.reader)
            .await?;
        Ok(r.is_some())
    }

    /// Records the key fingerprint on first start; afterwards refuses a different key, whose
    /// ciphertexts the rest of the installation could not read.
    pub async fn check_key_fingerprint(&self, fingerprint: &str) -> anyhow::Result<()> {
        let mut tx = self.writer.begin().await?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT value FROM installation WHERE name = 'key_fingerprint'").fetch_optional(&mut *tx).await?;
        match stored {
            Some(s) if s == fingerprint => {}
            Some(_) => anyhow::bail!(
                "密钥文件与此数据库不匹配：数据库中的个人信息是用另一个密钥加密的。请使用该安装原有的密钥文件（key_file / HOPS_KEY_FILE）"
            ),
            None => {
                sqlx::query("INSERT INTO installation (name, value) VALUES ('key_fingerprint', $1)")
                    .bind(fingerprint)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// A handle bound to one hospital: the only way to tenant data.
    pub fn tenant(&self, hospital: HospitalId) -> Tenant {
        Tenant { db: self.clone(), hospital }
    }

    /// Unscoped access for platform-wide work (job claims, audit verification, hospitals).
    pub fn system(&self) -> System {
        System { db: self.clone() }
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(60))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(
                    // 64 MiB of page cache and memory-mapped reads: index inserts into
                    // millions of rows stay in memory instead of re-reading pages.
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                     PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456; PRAGMA temp_store = MEMORY;",
                )
                .await?;
                Ok(())
            })
        })
}

/// Refuses statements that are not bound to the tenant. A programming error, caught by tests.
fn assert_scoped(sql: &str) {
    assert!(sql.contains("hospital_id") && sql.contains("$1"), "tenant statement must use hospital_id = $1: {sql}");
}

/// Data of one hospital.
#[derive(Clone)]
pub struct Tenant {
    db: Db,
    hospital: HospitalId,
}

impl Tenant {
    pub fn hospital(&self) -> HospitalId {
        self.hospital
    }

    pub fn engine(&self) -> Engine {
        self.db.engine
    }

    /// A read connection (concurrent with other readers).
    pub async fn read(&self) -> sqlx::Result<Scoped<PoolConnection<Any>>> {
        let conn = self.db.reader.acquire().await?;
        Ok(Scoped { conn, hospital: self.hospital })
    }

    /// A write transaction; commit with [`Scoped::commit`], dropped means rolled back.
    pub async fn write(&self) -> sqlx::Result<Scoped<Transaction<'static, Any>>> {
        let conn = self.db.writer.begin().await?;
        Ok(Scoped { conn, hospital: self.hospital })
    }
}

/// Anything that is a connection: a pooled connection or a transaction.
pub trait Conn: std::ops::DerefMut<Target = AnyConnection> + Send {}
impl<T: std::ops::DerefMut<Target = AnyConnection> + Send> Conn for T {}

/// A connection or transaction bound to one hospital.
pub struct Scoped<C> {
    conn: C,
    hospital: HospitalId,
}

impl<C> Scoped<C>
where
    C: std::ops::DerefMut<Target = AnyConnection>,
{
    pub fn hospital(&self) -> HospitalId {
        self.hospital
    }

    /// A statement with the hospital id already bound as `$1`.
    pub fn query(&self, sql: &'static str) -> Q {
        assert_scoped(sql);
        sqlx::query(sql).bind(self.hospital.0)
    }

    /// Same as [`Scoped::query`] for SQL assembled at run time from fixed fragments
    /// (never from user input: values are always bound).
    pub fn query_built(&self, sql: String) -> Q {
        assert_scoped(&sql);
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(self.hospital.0)
    }

    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

impl Scoped<Transaction<'static, Any>> {
    /// A fresh id, unique across tables and tenants (allocated inside this transaction).
    pub async fn next_id(&mut self, engine: Engine) -> sqlx::Result<i64> {
        Ok(ids::allocate(&mut self.conn, engine, 1).await?[0])
    }

    /// `n` fresh ids for a bulk insert.
    pub async fn next_ids(&mut self, engine: Engine, n: usize) -> sqlx::Result<Vec<i64>> {
        ids::allocate(&mut self.conn, engine, n).await
    }

    /// Waits until no other transaction of this hospital holds `topic`, then holds it until
    /// this transaction ends — for work that reads, then rewrites derived rows (roll-ups). On
    /// PostgreSQL a transaction-scoped advisory lock; SQLite has a single writer anyway.
    pub async fn serialize(&mut self, engine: Engine, topic: &str) -> sqlx::Result<()> {
        if let Engine::Postgres = engine {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(format!("{}:{topic}", self.hospital.0))
                .execute(&mut *self.conn)
                .await?;
        }
        Ok(())
    }
}

impl Scoped<Transaction<'static, Any>> {
    pub async fn commit(self) -> sqlx::Result<()> {
        self.conn.commit().await
    }
}

/// Platform-wide access across tenants.
#[derive(Clone)]
pub struct System {
    db: Db,
}

impl System {
    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> bool {
        match self.db.reader.acquire().await {
            Ok(mut c) => sqlx::query("SELECT 1").execute(&mut *c).await.is_ok(),
            Err(_) => false,
        }
    }
    pub fn engine(&self) -> Engine {
        self.db.engine
    }
    pub async fn read(&self) -> sqlx::Result<PoolConnection<Any>> {
        self.db.reader.acquire().await
    }
    pub async fn write(&self) -> sqlx::Result<Transaction<'static, Any>> {
        self.db.writer.begin().await
    }
}

/// Allocates `n` ids on a system transaction.
pub async fn system_ids(tx: &mut AnyConnection, engine: Engine, n: usize) -> sqlx::Result<Vec<i64>> {
    ids::allocate(tx, engine, n).await
}

/// Whether an error is a unique-constraint violation (for turning races into 409s).
/// A `LIKE` pattern matching `text` anywhere, with `%`, `_` and `\` taken literally (what a
/// person types in a search box); use it as `column LIKE $n ESCAPE '\'`.
pub fn contains_pattern(text: &str) -> String {
    format!("%{}%", escape_like(text))
}

/// A `LIKE` pattern matching values that start with `text` taken literally; `ESCAPE '\'` too.
pub fn prefix_pattern(text: &str) -> String {
    format!("{}%", escape_like(text))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Creates a new SQLite database file readable by this user only (0600; SQLite gives its
/// journal and WAL files the database's permissions), in a directory created 0700. An existing
/// file is left as it is. In-memory databases have no file.
fn owner_only_sqlite_file(url: &str) -> anyhow::Result<()> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" || std::path::Path::new(path).exists() {
        return Ok(());
    }
    let path = std::path::Path::new(path);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        }
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    }
    Ok(())
}

pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(e) => {
            e.is_unique_violation() || e.message().contains("UNIQUE constraint failed") || e.code().as_deref() == Some("23505")
        }
        _ => false,
    }
}

/// Opens a single connection outside the pools (used by schema tests and tooling).
pub async fn connect_one(url: &str) -> sqlx::Result<AnyConnection> {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(url).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
        assert_eq!(prefix_pattern("auth."), "auth.%");
        assert_eq!(contains_pattern(""), "%%");
    }
}
