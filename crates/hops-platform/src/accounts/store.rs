//! SQL of accounts, sessions and hospitals.

use hops_kernel::{HospitalId, Instant, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::accounts::model::Role;
use crate::core::Tx;
use crate::db::Scoped;

#[derive(Clone, Debug)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_enabled: bool,
    pub failed_logins: i32,
    pub locked_until: Option<Instant>,
    pub disabled: bool,
    pub created_at: Instant,
    /// The time step of the last TOTP code accepted (a code is good once).
    pub totp_last_step: Option<i64>,
    /// Codes of the departments the user works in (data scope "department").
    pub departments: Vec<String>,
}

const USER_COLS: &str = "id, username, display_name, role, password_hash, totp_secret, totp_enabled, failed_logins, locked_until, \
                         disabled, created_at, totp_last_step, departments";

fn user(r: &AnyRow) -> sqlx::Result<UserRow> {
    let role: String = r.try_get("role")?;
    Ok(UserRow {
        id: UserId(r.try_get("id")?),
        username: r.try_get("username")?,
        display_name: r.try_get("display_name")?,
        role: Role::from_code(&role).ok_or_else(|| sqlx::Error::Decode(format!("unknown role {role}").into()))?,
        password_hash: r.try_get("password_hash")?,
        totp_secret: r.try_get("totp_secret")?,
        totp_enabled: r.try_get::<i16, _>("totp_enabled")? != 0,
        failed_logins: r.try_get("failed_logins")?,
        locked_until: r.try_get::<Option<i64>, _>("locked_until")?.map(Instant),
        disabled: r.try_get::<i16, _>("disabled")? != 0,
        created_at: Instant(r.try_get("created_at")?),
        totp_last_step: r.try_get("totp_last_step")?,
        departments: r.try_get::<String, _>("departments")?.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect(),
    })
}

pub async fn user_by_username<C: std::ops::DerefMut<Target = AnyConnection>>(
    c: &mut Scoped<C>,
    username: &str,
) -> sqlx::Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE hospital_id = $1 AND username = $2");
    let row = c.query_built(sql).bind(username).fetch_optional(c.conn()).await?;
    row.as_ref().map(user).transpose()
}

pub async fn user_by_id<C: std::ops::DerefMut<Target = AnyConnection>>(c: &mut Scoped<C>, id: UserId) -> sqlx::Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE hospital_id = $1 AND id = $2");
    let row = c.query_built(sql).bind(id.0).fetch_optional(c.conn()).await?;
    row.as_ref().map(user).transpose()
}

pub async fn list_users<C: std::ops::DerefMut<Target = AnyConnection>>(c: &mut Scoped<C>) -> sqlx::Result<Vec<UserRow>> {
    let sql = format!("SELECT {USER_COLS} FROM users WHERE hospital_id = $1 ORDER BY username");
    let rows = c.query_built(sql).fetch_all(c.conn()).await?;
    rows.iter().map(user).collect()
}

pub struct NewUser<'a> {
    pub id: UserId,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub now: Instant,
}

pub async fn insert_user(tx: &mut Tx, u: NewUser<'_>) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO users (hospital_id, id, username, display_name, role, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(u.id.0)
    .bind(u.username)
    .bind(u.display_name)
    .bind(u.role.code())
    .bind(u.password_hash)
    .bind(u.now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn set_login_state(tx: &mut Tx, id: UserId, failed: i32, locked_until: Option<Instant>, now: Instant) -> sqlx::Result<()> {
    tx.query("UPDATE users SET failed_logins = $3, locked_until = $4, updated_at = $5 WHERE hospital_id = $1 AND id = $2")
        .bind(id.0)
        .bind(failed)
        .bind(locked_until.map(|t| t.0))
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn set_password(tx: &mut Tx, id: UserId, hash: &str, now: Instant) -> sqlx::Result<u64> {
    let r = tx
        .query("UPDATE users SET password_hash = $3, failed_logins = 0, locked_until = NULL, updated_at = $4 WHERE hospital_id = $1 AND id = $2")
        .bind(id.0)
        .bind(hash)
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected())
}

pub async fn set_user_flags(
    tx: &mut Tx,
    id: UserId,
    role: Role,
    display_name: &str,
    disabled: bool,
    departments: &[String],
    now: Instant,
) -> sqlx::Result<u64> {
    let r = tx
        .query(
            "UPDATE users SET role = $3, display_name = $4, disabled = $5, departments = $6, updated_at = $7 \
             WHERE hospital_id = $1 AND id = $2",
        )
        .bind(id.0)
        .bind(role.code())
        .bind(display_name)
        .bind(i16::from(disabled))
        .bind(departments.join(","))
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected())
}

/// Records `step` as the user's last accepted TOTP step unless that step (or a later one) was
/// already used; false when it was (a replayed code, also by a concurrent request).
pub async fn use_totp_step(tx: &mut Tx, id: UserId, step: i64) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE users SET totp_last_step = $3 WHERE hospital_id = $1 AND id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $3)",
        )
        .bind(id.0)
        .bind(step)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_totp(tx: &mut Tx, id: UserId, secret: Option<&[u8]>, enabled: bool, now: Instant) -> sqlx::Result<()> {
    tx.query("UPDATE users SET totp_secret = $3, totp_enabled = $4, updated_at = $5 WHERE hospital_id = $1 AND id = $2")
        .bind(id.0)
        .bind(secret)
        .bind(i16::from(enabled))
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct SessionRow {
    pub kind: String,
    pub csrf: String,
    pub totp_verified: bool,
    pub last_seen_at: Instant,
    pub expires_at: Instant,
}

pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: UserId,
    pub kind: &'a str,
    pub csrf: &'a str,
    pub totp_verified: bool,
    pub now: Instant,
    pub expires_at: Instant,
}

pub async fn insert_session(tx: &mut Tx, s: NewSession<'_>) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO sessions (hospital_id, id, user_id, kind, csrf, totp_verified, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
    )
    .bind(s.id_hash)
    .bind(s.user_id.0)
    .bind(s.kind)
    .bind(s.csrf)
    .bind(i16::from(s.totp_verified))
    .bind(s.now.0)
    .bind(s.expires_at.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A session with its user and the hospital's name, in one round trip (every request asks).
pub async fn session_with_user<C: std::ops::DerefMut<Target = AnyConnection>>(
    c: &mut Scoped<C>,
    id_hash: &str,
) -> sqlx::Result<Option<(SessionRow, UserRow, String)>> {
    let users = USER_COLS.split(", ").map(|col| format!("u.{col}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT s.kind, s.csrf, s.totp_verified, s.last_seen_at, s.expires_at, {users}, h.name AS hospital_name \
         FROM sessions s JOIN users u ON u.hospital_id = s.hospital_id AND u.id = s.user_id JOIN hospitals h ON h.id = s.hospital_id \
         WHERE s.hospital_id = $1 AND s.id = $2"
    );
    let row = c.query_built(sql).bind(id_hash.to_string()).fetch_optional(c.conn()).await?;
    row.map(|r| {
        let session = SessionRow {
            kind: r.try_get("kind")?,
            csrf: r.try_get("csrf")?,
            totp_verified: r.try_get::<i16, _>("totp_verified")? != 0,
            last_seen_at: Instant(r.try_get("last_seen_at")?),
            expires_at: Instant(r.try_get("expires_at")?),
        };
        Ok((session, user(&r)?, r.try_get("hospital_name")?))
    })
    .transpose()
}

pub async fn touch_session(tx: &mut Tx, id_hash: &str, now: Instant) -> sqlx::Result<()> {
    tx.query("UPDATE sessions SET last_seen_at = $3 WHERE hospital_id = $1 AND id = $2")
        .bind(id_hash)
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn mark_session_totp(tx: &mut Tx, id_hash: &str) -> sqlx::Result<()> {
    tx.query("UPDATE sessions SET totp_verified = 1 WHERE hospital_id = $1 AND id = $2").bind(id_hash).execute(tx.conn()).await?;
    Ok(())
}

pub async fn delete_session(tx: &mut Tx, id_hash: &str) -> sqlx::Result<()> {
    tx.query("DELETE FROM sessions WHERE hospital_id = $1 AND id = $2").bind(id_hash).execute(tx.conn()).await?;
    Ok(())
}

pub async fn delete_user_sessions(tx: &mut Tx, user: UserId) -> sqlx::Result<()> {
    tx.query("DELETE FROM sessions WHERE hospital_id = $1 AND user_id = $2").bind(user.0).execute(tx.conn()).await?;
    Ok(())
}

// ---- hospitals (platform-wide, not tenant-scoped) ----

#[derive(Clone, Debug)]
pub struct HospitalRow {
    pub id: HospitalId,
    pub code: String,
    pub name: String,
    pub grade: String,
    pub is_platform: bool,
    pub created_at: Instant,
}

fn hospital(r: &AnyRow) -> sqlx::Result<HospitalRow> {
    Ok(HospitalRow {
        id: HospitalId(r.try_get("id")?),
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        grade: r.try_get("grade")?,
        is_platform: r.try_get::<i16, _>("is_platform")? != 0,
        created_at: Instant(r.try_get("created_at")?),
    })
}

pub async fn hospital_by_code(c: &mut AnyConnection, code: &str) -> sqlx::Result<Option<HospitalRow>> {
    let row = sqlx::query("SELECT id, code, name, grade, is_platform, created_at FROM hospitals WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(hospital).transpose()
}

pub async fn hospital_by_id(c: &mut AnyConnection, id: HospitalId) -> sqlx::Result<Option<HospitalRow>> {
    let row = sqlx::query("SELECT id, code, name, grade, is_platform, created_at FROM hospitals WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(hospital).transpose()
}

pub async fn list_hospitals(c: &mut AnyConnection) -> sqlx::Result<Vec<HospitalRow>> {
    let rows = sqlx::query("SELECT id, code, name, grade, is_platform, created_at FROM hospitals ORDER BY id").fetch_all(&mut *c).await?;
    rows.iter().map(hospital).collect()
}

pub async fn insert_hospital(c: &mut AnyConnection, h: &HospitalRow) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO hospitals (id, code, name, grade, is_platform, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(h.id.0)
        .bind(&h.code)
        .bind(&h.name)
        .bind(&h.grade)
        .bind(i16::from(h.is_platform))
        .bind(h.created_at.0)
        .execute(&mut *c)
        .await?;
    Ok(())
}
