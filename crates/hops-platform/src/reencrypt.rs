//! The re-encryption at upgrade (security issue 12, finding 8): field ciphertexts written
//! before it (version 1) were bound to a context string only, so one copied into another row
//! or hospital decrypted there. This data migration rewrites each of them as a version-2
//! ciphertext bound to the hospital, table, row and column it sits in ([`crate::crypto`]).
//!
//! It runs once at start-up, after the SQL migrations and the key check (`hops::open`), before
//! anything is served: every [`Column`] of every module, hospital by hospital, in batches of
//! rows, each batch in its own transaction. A row is rewritten only if it still holds the
//! ciphertext that was read (compare and swap), and version-2 ciphertexts are skipped, so a
//! start interrupted half-way resumes where it stopped. When all is done the installation
//! records `field_encryption = v2` (table `installation`) and later starts skip the work; delete
//! that row to run it again (e.g. after restoring a table from an old backup).
//!
//! A version-1 ciphertext is not re-encrypted — left as it is, which the application refuses to
//! decrypt — when it does not decrypt with its context, or when its value does not match the
//! blind index stored beside it: it was copied there from another row or hospital before the
//! upgrade, and binding it to its new row would make the copy good. Such rows are counted in
//! the [`Report`] and logged by place (table, column, hospital, row), never by value.

use anyhow::Context as _;
use base64::Engine as _;
use sqlx::{Any, AnyConnection, Row, Transaction};
use zeroize::Zeroizing;

use crate::crypto::{Binding, CIPHER_VERSION, Field, Keyring, LEGACY_VERSION, RowKey, cipher_version};
use crate::db::Db;

/// The `installation` row recording that every field ciphertext is of version 2.
pub const DONE_NAME: &str = "field_encryption";
const DONE_VALUE: &str = "v2";

/// How a table's rows are keyed (besides `hospital_id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A `BIGINT` column, `id` for most tables.
    Id(&'static str),
    /// A text column (an employer's `code`, a session's `token_hash`).
    Text(&'static str),
}

impl Key {
    fn column(self) -> &'static str {
        match self {
            Key::Id(c) | Key::Text(c) => c,
        }
    }
}

/// The associated data of a column's version-1 ciphertexts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legacy {
    /// The field's context ([`Field::context`]).
    Context,
    /// An SQL expression over the row giving the text (e.g. the desk's attachments were bound
    /// to `desk.attachment:{ticket}:{id}`); fixed text of the code, never input.
    Sql(&'static str),
}

/// A column of ciphertexts to bring to version 2: each module lists its own
/// ([`crate::web::Module::encrypted_columns`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Table, column and context. The table has `hospital_id`.
    pub field: Field,
    pub key: Key,
    /// The column of the value's blind index ([`Field::context`], hospital), if the value has
    /// one: a ciphertext whose value does not match it is not re-encrypted.
    pub index: Option<&'static str>,
    pub legacy: Legacy,
    /// The row a ciphertext is bound to, when not the key: an SQL expression over the row giving
    /// its text (the desk's attachments are bound to `{ticket}:{id}`); fixed text of the code.
    pub row: Option<&'static str>,
    /// Rows per transaction (small for large values such as attachments).
    pub batch: i64,
    /// The migration that dropped the column (its values moved elsewhere after it was brought
    /// to version 2): once it is applied there is nothing here to do.
    pub dropped_by: Option<i64>,
}

impl Column {
    /// A column of rows keyed by `id`, version 1 bound to the field's context.
    pub const fn new(field: Field) -> Column {
        Column { field, key: Key::Id("id"), index: None, legacy: Legacy::Context, row: None, batch: 500, dropped_by: None }
    }

    pub const fn keyed_by(self, key: Key) -> Column {
        Column { key, ..self }
    }

    pub const fn indexed_by(self, column: &'static str) -> Column {
        Column { index: Some(column), ..self }
    }

    pub const fn legacy(self, legacy: Legacy) -> Column {
        Column { legacy, ..self }
    }

    pub const fn bound_to(self, row: &'static str) -> Column {
        Column { row: Some(row), ..self }
    }

    pub const fn batch(self, rows: i64) -> Column {
        Column { batch: rows, ..self }
    }

    pub const fn dropped_by(self, migration: i64) -> Column {
        Column { dropped_by: Some(migration), ..self }
    }
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The installation had recorded the work as done: nothing was read.
    pub already_done: bool,
    /// Version-1 ciphertexts rewritten as version 2.
    pub rewritten: u64,
    /// Ciphertexts found already of version 2.
    pub current: u64,
    /// Ciphertexts left as they were: not decryptable with their context, of an unknown
    /// version, or not matching their row's blind index (see the module's documentation).
    pub refused: u64,
}

/// The platform's own encrypted columns (the text messages queued in `jobs` are handled apart,
/// their ciphertexts being inside the payload).
pub fn platform_columns() -> Vec<Column> {
    use crate::notify::service::{CONTACT_EMAIL, CONTACT_PHONE, CONTENT, RECIPIENT};
    vec![
        Column::new(crate::accounts::service::TOTP_SECRET),
        // Notifications were encrypted bound to their rows from the start (version 2): listed so
        // every encrypted column is, found current.
        Column::new(RECIPIENT),
        Column::new(CONTENT),
        Column::new(CONTACT_PHONE).keyed_by(Key::Id("user_id")),
        Column::new(CONTACT_EMAIL).keyed_by(Key::Id("user_id")),
        Column::new(crate::people::service::ID_NUMBER).indexed_by("id_number_bidx"),
        Column::new(crate::people::service::PHONE).indexed_by("phone_bidx"),
        Column::new(crate::patient::service::SESSION_PHONE).keyed_by(Key::Text("token_hash")).indexed_by("phone_bidx"),
        Column::new(crate::patient::service::BINDING_PHONE).keyed_by(Key::Text("openid_bidx")).indexed_by("phone_bidx"),
    ]
}

/// Brings every ciphertext of `columns` (and of queued text messages) to version 2, unless the
/// installation records it as done. See the module's documentation.
pub async fn run(db: &Db, keyring: &Keyring, columns: &[Column]) -> anyhow::Result<Report> {
    let system = db.system();
    if db.installation(DONE_NAME).await?.as_deref() == Some(DONE_VALUE) {
        return Ok(Report { already_done: true, ..Report::default() });
    }
    let hospitals: Vec<i64> = {
        let mut c = system.read().await?;
        sqlx::query_scalar("SELECT id FROM hospitals ORDER BY id").fetch_all(&mut *c).await?
    };
    let mut report = Report::default();
    for column in columns {
        if let Some(m) = column.dropped_by
            && db.migration_applied(m).await?
        {
            continue;
        }
        for &h in &hospitals {
            reencrypt_column(db, keyring, column, h, &mut report)
                .await
                .with_context(|| format!("重新加密 {}.{}（医院 {h}）失败", column.field.table, column.field.column))?;
        }
    }
    for &h in &hospitals {
        reencrypt_sms_jobs(db, keyring, h, &mut report).await.with_context(|| format!("重新加密待发短信（医院 {h}）失败"))?;
    }
    db.set_installation(DONE_NAME, DONE_VALUE).await?;
    if report.rewritten > 0 || report.refused > 0 {
        tracing::info!(rewritten = report.rewritten, refused = report.refused, "field ciphertexts re-encrypted, bound to their rows");
    }
    Ok(report)
}

/// Where the last batch of a column stopped.
enum Cursor {
    Id(i64),
    Text(String),
}

async fn reencrypt_column(db: &Db, keyring: &Keyring, column: &Column, hospital: i64, report: &mut Report) -> anyhow::Result<()> {
    let Field { table, column: col, context } = column.field;
    let key = column.key.column();
    let index = column.index.map_or_else(|| "NULL".to_string(), str::to_string);
    let legacy = match column.legacy {
        Legacy::Context => "NULL",
        Legacy::Sql(expr) => expr,
    };
    let bound = column.row.unwrap_or("NULL");
    let select = format!(
        "SELECT {key}, {col}, {index}, {legacy}, {bound} FROM {table} WHERE hospital_id = $1 AND {key} > $2 AND {col} IS NOT NULL \
         ORDER BY {key} LIMIT {}",
        column.batch
    );
    let update = format!("UPDATE {table} SET {col} = $3 WHERE hospital_id = $1 AND {key} = $2 AND {col} = $4");
    let mut cursor = match column.key {
        Key::Id(_) => Cursor::Id(i64::MIN),
        Key::Text(_) => Cursor::Text(String::new()),
    };
    loop {
        let mut tx = db.system().write().await?;
        let q = sqlx::query(sqlx::AssertSqlSafe(select.clone())).bind(hospital);
        let q = match &cursor {
            Cursor::Id(id) => q.bind(*id),
            Cursor::Text(k) => q.bind(k.clone()),
        };
        let rows = q.fetch_all(&mut *tx).await?;
        if rows.is_empty() {
            return Ok(());
        }
        for r in &rows {
            cursor = match column.key {
                Key::Id(_) => Cursor::Id(r.try_get(0)?),
                Key::Text(_) => Cursor::Text(r.try_get(0)?),
            };
            let bound: Option<String> = r.try_get(4)?;
            let row = match (&bound, &cursor) {
                (Some(b), _) => RowKey::Key(b),
                (None, Cursor::Id(id)) => RowKey::Id(*id),
                (None, Cursor::Text(k)) => RowKey::Key(k),
            };
            let at = Binding::new(column.field, hospital, row);
            let blob: Vec<u8> = r.try_get(1)?;
            let bidx: Option<String> = r.try_get(2)?;
            let aad: Option<String> = r.try_get(3)?;
            let Some(plain) = legacy_plain(keyring, &at, &blob, aad.as_deref().unwrap_or(context), report) else { continue };
            if let Some(stored) = bidx {
                let matches = std::str::from_utf8(&plain).is_ok_and(|v| keyring.blind_index(context, hospital, v) == stored);
                if !matches {
                    refuse(&at, "its value does not match the row's blind index (copied from elsewhere)", report);
                    continue;
                }
            }
            let fresh = keyring.encrypt_bytes(&at, &plain);
            let q = sqlx::query(sqlx::AssertSqlSafe(update.clone())).bind(hospital);
            let q = match &cursor {
                Cursor::Id(id) => q.bind(*id),
                Cursor::Text(k) => q.bind(k.clone()),
            };
            // Unchanged since it was read, or left to whoever changed it (then of version 2).
            report.rewritten += q.bind(fresh).bind(blob).execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
    }
}

/// The value of a version-1 ciphertext (`None`, counted, for a version-2 one or one refused).
fn legacy_plain(keyring: &Keyring, at: &Binding<'_>, blob: &[u8], aad: &str, report: &mut Report) -> Option<Zeroizing<Vec<u8>>> {
    match cipher_version(blob) {
        Some(CIPHER_VERSION) => {
            report.current += 1;
            None
        }
        Some(LEGACY_VERSION) => match keyring.decrypt_legacy(aad, blob) {
            Ok(plain) => Some(Zeroizing::new(plain)),
            Err(_) => {
                refuse(at, "it does not decrypt with its column's context", report);
                None
            }
        },
        _ => {
            refuse(at, "it is no ciphertext of a known version", report);
            None
        }
    }
}

fn refuse(at: &Binding<'_>, reason: &str, report: &mut Report) {
    report.refused += 1;
    tracing::warn!(place = %at, reason, "version-1 ciphertext left as it is (unreadable): not bound to this row");
}

/// The ciphertexts inside the payloads of text messages (`sms.send` jobs), bound to the job.
async fn reencrypt_sms_jobs(db: &Db, keyring: &Keyring, hospital: i64, report: &mut Report) -> anyhow::Result<()> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut after = i64::MIN;
    loop {
        let mut tx: Transaction<'static, Any> = db.system().write().await?;
        let rows = sqlx::query("SELECT id, payload FROM jobs WHERE hospital_id = $1 AND kind = $2 AND id > $3 ORDER BY id LIMIT 500")
            .bind(hospital)
            .bind(crate::sms::SEND_JOB)
            .bind(after)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        for r in &rows {
            after = r.try_get(0)?;
            let text: String = r.try_get(1)?;
            let Ok(mut payload) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
            let mut changed = 0;
            for field in [crate::sms::PHONE, crate::sms::PARAMS] {
                let name = field.column.trim_start_matches("payload.");
                let Some(blob) = payload.get(name).and_then(|v| v.as_str()).and_then(|s| b64.decode(s).ok()) else { continue };
                let at = Binding::new(field, hospital, after);
                let Some(plain) = legacy_plain(keyring, &at, &blob, field.context, report) else { continue };
                payload[name] = serde_json::Value::String(b64.encode(keyring.encrypt_bytes(&at, &plain)));
                changed += 1;
            }
            if changed > 0 && update_payload(&mut tx, hospital, after, &payload.to_string(), &text).await? {
                report.rewritten += changed;
            }
        }
        tx.commit().await?;
    }
}

/// Rewrites a job's payload if it is still `before`; whether it was.
async fn update_payload(tx: &mut AnyConnection, hospital: i64, id: i64, payload: &str, before: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE jobs SET payload = $3 WHERE hospital_id = $1 AND id = $2 AND payload = $4")
        .bind(hospital)
        .bind(id)
        .bind(payload.to_string())
        .bind(before.to_string())
        .execute(tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
