//! Use cases of accounts: hospitals, users, login with lockout and TOTP, sessions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use hops_kernel::{HospitalId, Instant, UserId};

use super::model::{self, Permission, Role};
use super::store::{self, NewSession, NewUser};
/// The rows the services return.
pub use super::store::{HospitalRow, UserRow};
use crate::core::{Access, Actor, Core};
use crate::crypto::{Field, random_token, sha256_hex};
use crate::error::{Error, FieldError, Result};

/// Absolute lifetime of a session, whatever its activity.
const SESSION_MAX_SECONDS: i64 = 12 * 3600;
/// A user's TOTP secret, encrypted for the user's row.
pub const TOTP_SECRET: Field = Field::new("users", "totp_secret", "users.totp_secret");

pub fn hash_password(password: &str) -> String {
    Argon2::default().hash_password(password.as_bytes()).expect("argon2 hashing with valid defaults").to_string()
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Runs password hashing — deliberately slow, tens of milliseconds of CPU — on the blocking
/// pool, never on the async workers that serve every other request, and at most one per core
/// less one at a time, so a flood of sign-ins queues up instead of starving the server.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1))
    });
    let _slot = slots.acquire().await.expect("the hashing semaphore is never closed");
    tokio::task::spawn_blocking(work).await.expect("password hashing does not panic")
}

async fn hash_off_workers(password: &str) -> String {
    let password = zeroize::Zeroizing::new(password.to_string());
    hashing(move || hash_password(&password)).await
}

async fn verify_off_workers(password: &str, hash: &str) -> bool {
    let (password, hash) = (zeroize::Zeroizing::new(password.to_string()), hash.to_string());
    hashing(move || {
        let started = std::time::Instant::now();
        let ok = verify_password(&password, &hash);
        VERIFY_MICROS.store(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
        ok
    })
    .await
}

/// How long the last password verification took (µs): what a skipped dummy verification waits.
static VERIFY_MICROS: AtomicU64 = AtomicU64::new(50_000);

/// Verifications against the dummy hash (an unknown hospital or user, a locked or disabled
/// account), server-wide. They only hide whether an account exists; a flood of made-up names
/// from ever new addresses escapes the per-caller and per-account limits, and hashing each one
/// would leave no CPU for real sign-ins (bench/login_flood.py measured 4 s sign-ins).
pub const LOGIN_DUMMY_RATE: crate::throttle::Rate =
    crate::throttle::Rate {
        name: "auth.login.dummy", per_hour: 1_800, burst: 30, hospital_per_hour: 1_800, message: "登录失败次数过多"
    };

/// A wrong name costs the same time as a wrong password: a verification against the dummy hash,
/// or — once [`LOGIN_DUMMY_RATE`] is spent — a wait as long as a verification takes, which costs
/// no CPU.
async fn verify_dummy(core: &Core, password: &str) {
    if core.throttle.check(&LOGIN_DUMMY_RATE, 0, "dummy").is_ok() {
        verify_off_workers(password, dummy_hash()).await;
    } else {
        tokio::time::sleep(std::time::Duration::from_micros(VERIFY_MICROS.load(Ordering::Relaxed))).await;
    }
}

/// A hash of a random password, verified against when the user does not exist, so a wrong
/// username costs the same time as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token(16)))
}

// ---- hospitals ----

pub struct NewHospital<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub grade: &'a str,
    pub is_platform: bool,
}

fn check_hospital_code(code: &str) -> std::result::Result<(), String> {
    let ok = (2..=32).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok { Ok(()) } else { Err("医院编码须为 2–32 位字母、数字、- 或 _".into()) }
}

/// Creates a hospital (tenant). Platform-level: the caller is the command line or a platform admin.
pub async fn create_hospital(core: &Arc<Core>, h: NewHospital<'_>) -> Result<HospitalId> {
    let mut errors = Vec::new();
    if let Err(e) = check_hospital_code(h.code) {
        errors.push(FieldError::new("code", e));
    }
    if h.name.trim().is_empty() || h.name.chars().count() > 100 {
        errors.push(FieldError::new("name", "医院名称不能为空且不超过 100 字"));
    }
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    let system = core.db().system();
    let mut tx = system.write().await?;
    if store::hospital_by_code(&mut tx, h.code).await?.is_some() {
        return Err(Error::conflict("duplicate", format!("医院编码 {} 已存在", h.code)));
    }
    let id = crate::db::system_ids(&mut tx, core.engine(), 1).await?[0];
    let row = HospitalRow {
        id: HospitalId(id),
        code: h.code.into(),
        name: h.name.trim().into(),
        grade: h.grade.into(),
        is_platform: h.is_platform,
        created_at: core.now(),
    };
    store::insert_hospital(&mut tx, &row).await?;
    tx.commit().await?;
    core.act_as_system(row.id).audit_read("hospital.create", &format!("hospital:{id}"), &format!("{} {}", row.code, row.name)).await?;
    Ok(row.id)
}

/// The hospital with this code. A code that cannot be one (hospital codes are 2–32 letters,
/// digits, `-` or `_`, as typed into addresses) is no hospital and never reaches the database,
/// which refuses some bytes outright.
pub async fn hospital_by_code(core: &Core, code: &str) -> Result<Option<HospitalRow>> {
    if !(2..=32).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')) {
        return Ok(None);
    }
    let mut c = core.db().system().read().await?;
    Ok(store::hospital_by_code(&mut c, code).await?)
}

pub async fn hospital(core: &Core, id: HospitalId) -> Result<Option<HospitalRow>> {
    let mut c = core.db().system().read().await?;
    Ok(store::hospital_by_id(&mut c, id).await?)
}

/// All hospitals (platform administrators only).
pub async fn list_hospitals(access: &Access) -> Result<Vec<HospitalRow>> {
    access.require(Permission::HospitalManage)?;
    all_hospitals(access.core()).await
}

/// All hospitals, for platform-level callers that act for the installation itself (the
/// command line), not for a signed-in user.
pub async fn all_hospitals(core: &Core) -> Result<Vec<HospitalRow>> {
    let mut c = core.db().system().read().await?;
    Ok(store::list_hospitals(&mut c).await?)
}

// ---- users ----

pub struct NewUserInput<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password: &'a str,
}

pub async fn create_user(access: &Access, input: NewUserInput<'_>) -> Result<UserId> {
    access.require(Permission::UserManage)?;
    let username = input.username.trim();
    let mut errors = Vec::new();
    if let Err(e) = model::check_username(username) {
        errors.push(FieldError::new("username", e));
    }
    if input.display_name.trim().is_empty() || input.display_name.chars().count() > 50 {
        errors.push(FieldError::new("display_name", "姓名不能为空且不超过 50 字"));
    }
    if let Err(e) = model::check_password(input.password, username) {
        errors.push(FieldError::new("password", e));
    }
    // Nobody hands out more than they hold.
    if input.role == Role::PlatformAdmin && !access.can(Permission::HospitalManage) {
        errors.push(FieldError::new("role", "无权创建平台管理员"));
    }
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    // Hashed before the write transaction: the single writer is not held while hashing.
    let hash = hash_off_workers(input.password).await;
    let tenant = access.tenant();
    let mut tx = tenant.write().await?;
    if store::user_by_username(&mut tx, username).await?.is_some() {
        return Err(Error::invalid_field("username", format!("用户名 {username} 已被使用")));
    }
    let id = UserId(tx.next_id(access.engine()).await?);
    store::insert_user(
        &mut tx,
        NewUser { id, username, display_name: input.display_name.trim(), role: input.role, password_hash: &hash, now: access.now() },
    )
    .await?;
    access.audit(&mut tx, "user.create", &format!("user:{id}"), &format!("{username} {}", input.role.code())).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn list_users(access: &Access) -> Result<Vec<UserRow>> {
    access.require(Permission::UserManage)?;
    let mut c = access.tenant().read().await?;
    Ok(store::list_users(&mut c).await?)
}

/// A colleague as others may see them: for assigning work and showing who did what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Colleague {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl Colleague {
    /// How lists and assignments show a colleague: their name and title, "王建国 医生".
    pub fn label(&self) -> String {
        format!("{} {}", self.display_name, self.role.title_zh())
    }
}

/// The hospital's enabled staff accounts by display name (no secrets, no permission needed
/// beyond being signed in to the hospital).
pub async fn directory(access: &Access) -> Result<Vec<Colleague>> {
    let mut c = access.tenant().read().await?;
    let mut v: Vec<Colleague> = store::list_users(&mut c)
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| Colleague { id: u.id, username: u.username, display_name: u.display_name, role: u.role })
        .collect();
    v.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.0.cmp(&b.id.0)));
    Ok(v)
}

pub async fn get_user(access: &Access, id: UserId) -> Result<UserRow> {
    access.require(Permission::UserManage)?;
    let mut c = access.tenant().read().await?;
    store::user_by_id(&mut c, id).await?.ok_or_else(|| Error::not_found("用户"))
}

/// A readable random password that satisfies the policy (for imported staff accounts).
pub fn generate_password() -> String {
    let token = random_token(9).replace(['-', '_'], "x");
    format!("Hp-{token}7")
}

/// A staff account created by an import, with its one-time initial password.
pub struct ImportedUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

pub const USER_COLUMNS: &[crate::tabular::Column] = &[
    crate::tabular::Column {
        key: "username", label: "用户名", required: true, note: "3–32 位字母、数字或 . _ -", example: "zhangsan"
    },
    crate::tabular::Column { key: "display_name", label: "姓名", required: true, note: "", example: "张三" },
    crate::tabular::Column {
        key: "role",
        label: "角色",
        required: true,
        note: "运营专员、客服/医助、医生、护士、财务、审计员等（中文名称或英文代码）",
        example: "运营专员",
    },
];

/// Creates staff accounts from a table, all or nothing; each gets a random initial password,
/// returned once so the administrator can hand it over.
pub async fn import_users(
    access: &Access,
    table: &crate::tabular::Table,
) -> Result<std::result::Result<Vec<ImportedUser>, Vec<crate::tabular::RowError>>> {
    use crate::tabular::{RowError, cell};
    access.require(Permission::UserManage)?;
    let idx = match table.locate(USER_COLUMNS) {
        Ok(i) => i,
        Err(e) => return Ok(Err(e)),
    };
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut tx = access.tenant().write().await?;
    let existing: std::collections::HashSet<String> = store::list_users(&mut tx).await?.into_iter().map(|u| u.username).collect();
    let mut seen = std::collections::HashSet::new();
    for (i, row) in table.rows.iter().enumerate() {
        let n = i + 2;
        let username = cell(row, idx[0]).to_string();
        let name = cell(row, idx[1]).to_string();
        let role_text = cell(row, idx[2]);
        let mut err = |column: &str, message: String| errors.push(RowError { row: n, column: column.into(), message });
        if let Err(e) = model::check_username(&username) {
            err("用户名", e);
        } else if existing.contains(&username) {
            err("用户名", format!("用户名 {username} 已存在"));
        } else if !seen.insert(username.clone()) {
            err("用户名", format!("文件中用户名 {username} 重复"));
        }
        if name.trim().is_empty() || name.chars().count() > 50 {
            err("姓名", "姓名不能为空且不超过 50 字".into());
        }
        let role = Role::from_code(role_text).or_else(|| Role::ALL.into_iter().find(|r| r.label_zh() == role_text));
        match role {
            None => err("角色", format!("角色“{role_text}”无效")),
            Some(r) if r.requires_totp() || r == Role::PlatformAdmin => err("角色", "管理员账户请逐个创建，不能批量导入".into()),
            Some(r) => rows.push((username, name, r)),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let mut created = Vec::new();
    for (username, name, role) in rows {
        let password = generate_password();
        let id = UserId(tx.next_id(access.engine()).await?);
        let hash = hash_off_workers(&password).await;
        store::insert_user(
            &mut tx,
            NewUser { id, username: &username, display_name: name.trim(), role, password_hash: &hash, now: access.now() },
        )
        .await?;
        created.push(ImportedUser { username, display_name: name.trim().to_string(), password });
    }
    access.audit(&mut tx, "user.import", "users", &format!("批量创建 {} 个账户", created.len())).await?;
    tx.commit().await?;
    Ok(Ok(created))
}

pub struct UserUpdate<'a> {
    pub display_name: &'a str,
    pub role: Role,
    pub disabled: bool,
    /// Department codes, separated by commas or spaces (a nurse's care teams).
    pub departments: &'a str,
}

/// Department codes as typed: separated by commas (also Chinese ones) or spaces, each a code of
/// letters, digits, `_` or `-`; at most 20, duplicates dropped.
pub fn parse_department_codes(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut codes: Vec<String> = Vec::new();
    for c in text.split([',', '，', '、', ' ', '\n']).map(str::trim).filter(|c| !c.is_empty()) {
        if c.len() > 32 || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-') {
            return Err(format!("科室编码“{c}”无效：应为字母、数字、下划线或连字符，不超过 32 位"));
        }
        if !codes.iter().any(|k| k == c) {
            codes.push(c.to_string());
        }
    }
    if codes.len() > 20 {
        return Err("所属科室最多 20 个".into());
    }
    Ok(codes)
}

/// Administrators are changed only by the platform's administrators: a hospital administrator
/// may not reset, demote, disable or take over a peer or a platform administrator (their own
/// account excepted, where the other rules allow).
fn may_manage(access: &Access, target: &UserRow) -> Result<()> {
    let admin = matches!(target.role, Role::PlatformAdmin | Role::HospitalAdmin);
    if admin && Some(target.id) != access.actor().user_id && !access.can(Permission::HospitalManage) {
        return Err(Error::client(403, "forbidden", "管理员账户只能由平台管理员修改、重置或停用"));
    }
    Ok(())
}

pub async fn update_user(access: &Access, id: UserId, u: UserUpdate<'_>) -> Result<()> {
    access.require(Permission::UserManage)?;
    if u.display_name.trim().is_empty() || u.display_name.chars().count() > 50 {
        return Err(Error::invalid_field("display_name", "姓名不能为空且不超过 50 字"));
    }
    if u.role == Role::PlatformAdmin && !access.can(Permission::HospitalManage) {
        return Err(Error::invalid_field("role", "无权授予平台管理员"));
    }
    if Some(id) == access.actor().user_id && u.disabled {
        return Err(Error::invalid_field("disabled", "不能停用自己的账户"));
    }
    let departments = parse_department_codes(u.departments).map_err(|e| Error::invalid_field("departments", e))?;
    let mut tx = access.tenant().write().await?;
    let before = store::user_by_id(&mut tx, id).await?.ok_or_else(|| Error::not_found("用户"))?;
    may_manage(access, &before)?;
    store::set_user_flags(&mut tx, id, u.role, u.display_name.trim(), u.disabled, &departments, access.now()).await?;
    if u.disabled {
        store::delete_user_sessions(&mut tx, id).await?;
    }
    let detail = format!(
        "role {}→{}; disabled {}→{}; departments {}→{}",
        before.role.code(),
        u.role.code(),
        before.disabled,
        u.disabled,
        before.departments.join(","),
        departments.join(",")
    );
    access.audit(&mut tx, "user.update", &format!("user:{id}"), &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a user's password (an administrator resetting it, or the command line).
pub async fn reset_password(access: &Access, id: UserId, password: &str) -> Result<()> {
    access.require(Permission::UserManage)?;
    let user = {
        let mut c = access.tenant().read().await?;
        store::user_by_id(&mut c, id).await?.ok_or_else(|| Error::not_found("用户"))?
    };
    may_manage(access, &user)?;
    model::check_password(password, &user.username).map_err(|e| Error::invalid_field("password", e))?;
    let hash = hash_off_workers(password).await;
    let mut tx = access.tenant().write().await?;
    store::set_password(&mut tx, id, &hash, access.now()).await?;
    store::delete_user_sessions(&mut tx, id).await?;
    access.audit(&mut tx, "user.password_reset", &format!("user:{id}"), "").await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a user's second factor (lost phone): they enrol again at their next sign-in.
/// Every session of the user ends.
pub async fn reset_totp(access: &Access, id: UserId) -> Result<()> {
    access.require(Permission::UserManage)?;
    let mut tx = access.tenant().write().await?;
    let user = store::user_by_id(&mut tx, id).await?.ok_or_else(|| Error::not_found("用户"))?;
    may_manage(access, &user)?;
    store::set_totp(&mut tx, id, None, false, access.now()).await?;
    store::delete_user_sessions(&mut tx, id).await?;
    access.audit(&mut tx, "user.totp_reset", &format!("user:{id}"), "").await?;
    tx.commit().await?;
    Ok(())
}

// ---- login and sessions ----

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    /// Browser session (cookie, CSRF token).
    Web,
    /// API bearer token.
    Api,
}

impl SessionKind {
    fn code(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

pub struct LoginInput<'a> {
    pub hospital: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    pub totp: Option<&'a str>,
    pub kind: SessionKind,
    /// Who is calling ([`crate::throttle::client_key`]), for the rate limits.
    pub caller: &'a str,
}

/// Failed sign-ins by one caller (address), whatever the account. Only failures count: a whole
/// hospital's staff may sit behind one address and sign in all morning; a script guessing is
/// paused before it costs a password hash.
pub const LOGIN_CALLER_RATE: crate::throttle::Rate = crate::throttle::Rate {
    name: "auth.login.caller",
    per_hour: 120,
    burst: 30,
    hospital_per_hour: 1_000_000,
    message: "登录失败次数过多",
};
/// Failed sign-ins on one account, from anywhere (guessing from many addresses).
pub const LOGIN_ACCOUNT_RATE: crate::throttle::Rate = crate::throttle::Rate {
    name: "auth.login.account",
    per_hour: 30,
    burst: 10,
    hospital_per_hour: 1_000_000,
    message: "该账户登录失败次数过多",
};

#[derive(Debug)]
pub struct LoginOutcome {
    pub token: String,
    pub csrf: String,
    /// An admin without a second factor yet: the session may only enrol TOTP.
    pub must_enrol_totp: bool,
}

fn bad_credentials() -> Error {
    Error::unauthenticated("医院编码、用户名或密码错误（连续输错 5 次账户将锁定 15 分钟）")
}

/// Signs a user in. Unknown hospital, unknown user, wrong password, a locked or a disabled
/// account all get the same answer in the same time (the audit log keeps the truth); attempts
/// are limited per caller and per account before any password is hashed.
pub async fn login(core: &Arc<Core>, input: LoginInput<'_>) -> Result<LoginOutcome> {
    let now = core.now();
    let throttle = &core.throttle;
    let account = input.username.trim().to_lowercase();
    throttle.paused(&LOGIN_CALLER_RATE, 0, input.caller)?;
    // Every way of failing counts against the caller and (for a known hospital) the account.
    let fail = |hospital: Option<i64>| {
        throttle.failed(&LOGIN_CALLER_RATE, 0, input.caller);
        if let Some(h) = hospital {
            throttle.failed(&LOGIN_ACCOUNT_RATE, h, &account);
        }
        bad_credentials()
    };
    let Some(hospital) = hospital_by_code(core, input.hospital.trim()).await? else {
        verify_dummy(core, input.password).await;
        return Err(fail(None));
    };
    throttle.paused(&LOGIN_ACCOUNT_RATE, hospital.id.0, &account)?;
    let tenant = core.db().tenant(hospital.id);
    // Read and verify outside any write transaction: password hashing is deliberately slow and
    // must not hold the (single) writer.
    let user = {
        let mut c = tenant.read().await?;
        store::user_by_username(&mut c, input.username.trim()).await?
    };
    let Some(user) = user else {
        verify_dummy(core, input.password).await;
        return Err(fail(Some(hospital.id.0)));
    };
    let access = core.access_for(hospital.id, actor_of(&user));
    let refused = if user.disabled {
        Some("账户已停用")
    } else if model::is_locked(user.locked_until, now) {
        Some("账户已锁定")
    } else {
        None
    };
    if let Some(why) = refused {
        // The same work and the same answer as a wrong password: whether an account exists,
        // is locked or disabled is not told to whoever asks.
        verify_dummy(core, input.password).await;
        let mut tx = tenant.write().await?;
        access.audit(&mut tx, "auth.login_refused", &format!("user:{}", user.id), why).await?;
        tx.commit().await?;
        return Err(fail(Some(hospital.id.0)));
    }
    let password_ok = verify_off_workers(input.password, &user.password_hash).await;
    let totp_step = match (user.role.requires_totp() && user.totp_enabled, input.totp) {
        (false, _) => Some(None),
        (true, None) => {
            if password_ok {
                return Err(Error::client(401, "totp_required", "请输入动态验证码"));
            }
            None
        }
        (true, Some(code)) => check_totp(&access, &user, code, now)?.map(Some),
    };
    let mut tx = tenant.write().await?;
    // A code is good once: a step at or before the last one accepted is a replay.
    let totp_ok = match totp_step {
        Some(Some(step)) if password_ok => store::use_totp_step(&mut tx, user.id, step).await?,
        Some(_) => true,
        None => false,
    };
    if !(password_ok && totp_ok) {
        // Count from the stored value, so concurrent failures all count.
        let fresh = store::user_by_id(&mut tx, user.id).await?.ok_or_else(bad_credentials)?;
        let (failed, lock) = model::after_failure(fresh.failed_logins, now);
        store::set_login_state(&mut tx, user.id, failed, lock, now).await?;
        let what = if password_ok { "动态验证码错误" } else { "密码错误" };
        access.audit(&mut tx, "auth.login_failed", &format!("user:{}", user.id), what).await?;
        if lock.is_some() {
            access.audit(&mut tx, "auth.locked", &format!("user:{}", user.id), "连续 5 次失败，锁定 15 分钟").await?;
        }
        tx.commit().await?;
        let refusal = fail(Some(hospital.id.0));
        return Err(if password_ok { Error::client(401, "totp_invalid", "动态验证码错误或已使用") } else { refusal });
    }
    let must_enrol_totp = user.role.requires_totp() && !user.totp_enabled;
    if must_enrol_totp && input.kind == SessionKind::Api {
        return Err(Error::client(403, "totp_enrolment_required", "管理员账户须先在网页端绑定动态验证码后才能使用 API"));
    }
    store::set_login_state(&mut tx, user.id, 0, None, now).await?;
    let token = format!("{}.{}", hospital.id, random_token(32));
    let csrf = random_token(24);
    store::insert_session(
        &mut tx,
        NewSession {
            id_hash: &sha256_hex(&token),
            user_id: user.id,
            kind: input.kind.code(),
            csrf: &csrf,
            totp_verified: !must_enrol_totp,
            now,
            expires_at: now.plus_seconds(SESSION_MAX_SECONDS),
        },
    )
    .await?;
    access.audit(&mut tx, "auth.login", &format!("user:{}", user.id), input.kind.code()).await?;
    tx.commit().await?;
    Ok(LoginOutcome { token, csrf, must_enrol_totp })
}

fn actor_of(user: &UserRow) -> Actor {
    Actor {
        user_id: Some(user.id),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: Some(user.role),
        visitor: None,
        departments: user.departments.clone(),
    }
}

fn totp_for(secret: &[u8]) -> Result<totp_rs::Totp> {
    totp_rs::Builder::new().with_secret(secret.to_vec()).build().map_err(|e| Error::Internal(anyhow::anyhow!("totp: {e:?}")))
}

/// The time step of `code` when it is right for the user's secret (within the allowed skew);
/// whether it was used before is for the caller to check ([`store::use_totp_step`]).
fn check_totp(access: &Access, user: &UserRow, code: &str, now: Instant) -> Result<Option<i64>> {
    let Some(blob) = &user.totp_secret else { return Ok(None) };
    let secret = access.reveal(TOTP_SECRET, user.id.0, blob)?;
    let bytes = hex::decode(secret).map_err(|e| Error::Internal(e.into()))?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(totp_for(&bytes)?.check(&code, (now.0 / 1_000_000) as u64).map(|step| step as i64))
}

/// A live session: who it is and what the browser must echo back.
#[derive(Clone)]
pub struct SessionInfo {
    pub access: Access,
    pub token_hash: String,
    pub csrf: String,
    pub kind: SessionKind,
    pub must_enrol_totp: bool,
    pub hospital_name: String,
    pub idle_seconds: i64,
}

/// Resolves a session token; `None` when unknown, expired, idle too long or the user is disabled.
pub async fn resolve_session(core: &Arc<Core>, token: &str) -> Result<Option<SessionInfo>> {
    let Some((hospital, _)) = token.split_once('.') else { return Ok(None) };
    let Ok(hospital) = hospital.parse::<i64>() else { return Ok(None) };
    let hospital = HospitalId(hospital);
    let token_hash = sha256_hex(token);
    let now = core.now();
    let tenant = core.db().tenant(hospital);
    let (session, user, hospital_name) = {
        let mut c = tenant.read().await?;
        let Some(found) = store::session_with_user(&mut c, &token_hash).await? else { return Ok(None) };
        found
    };
    let idle = core.config.session_idle_minutes;
    if !model::session_alive(session.last_seen_at, session.expires_at, idle, now) || user.disabled {
        let mut tx = tenant.write().await?;
        store::delete_session(&mut tx, &token_hash).await?;
        tx.commit().await?;
        return Ok(None);
    }
    // Refresh the idle clock at most once a minute to keep reads cheap.
    if now.seconds_since(session.last_seen_at) >= 60 {
        let mut tx = tenant.write().await?;
        store::touch_session(&mut tx, &token_hash, now).await?;
        tx.commit().await?;
    }
    Ok(Some(SessionInfo {
        access: core.access_for(hospital, actor_of(&user)),
        token_hash,
        csrf: session.csrf,
        kind: if session.kind == "api" { SessionKind::Api } else { SessionKind::Web },
        must_enrol_totp: !session.totp_verified,
        hospital_name,
        idle_seconds: idle * 60,
    }))
}

pub async fn logout(session: &SessionInfo) -> Result<()> {
    let access = &session.access;
    let mut tx = access.tenant().write().await?;
    store::delete_session(&mut tx, &session.token_hash).await?;
    access.audit(&mut tx, "auth.logout", &format!("user:{}", access.actor().user_id.map(|u| u.0).unwrap_or(0)), "").await?;
    tx.commit().await?;
    Ok(())
}

/// A pending TOTP enrolment: the secret to show once as QR code and text.
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
}

/// Starts (or restarts) TOTP enrolment for the signed-in user.
pub async fn begin_totp(access: &Access) -> Result<Enrolment> {
    let user_id = access.actor().user_id.ok_or_else(Error::forbidden)?;
    let mut tx = access.tenant().write().await?;
    let user = store::user_by_id(&mut tx, user_id).await?.ok_or_else(|| Error::not_found("用户"))?;
    if user.totp_enabled {
        return Err(Error::conflict("totp_already_enabled", "已绑定动态验证码"));
    }
    // The secret already shown and not yet confirmed stays (a mistyped first code must not
    // replace the secret the user has just scanned); otherwise a new one.
    let pending = match &user.totp_secret {
        Some(blob) => hex::decode(access.reveal(TOTP_SECRET, user_id.0, blob)?).ok().and_then(|b| <[u8; 20]>::try_from(b).ok()),
        None => None,
    };
    let secret = match pending {
        Some(secret) => secret,
        None => {
            let mut secret = [0u8; 20];
            getrandom::fill(&mut secret).expect("operating system randomness");
            let blob = access.encrypt(TOTP_SECRET, user_id.0, &hex::encode(secret));
            store::set_totp(&mut tx, user_id, Some(&blob), false, access.now()).await?;
            tx.commit().await?;
            secret
        }
    };
    let secret_base32 = totp_rs::Secret::from(secret).to_base32();
    let hospital = hospital(access.core(), access.hospital()).await?.map(|h| h.code).unwrap_or_default();
    let label = format!("hops:{}@{}", user.username, hospital);
    let otpauth_url = format!("otpauth://totp/{}?secret={secret_base32}&issuer=hops&algorithm=SHA1&digits=6&period=30", url_escape(&label));
    Ok(Enrolment { secret_base32, otpauth_url })
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// Confirms enrolment with a first code; the session then counts as second-factor verified.
pub async fn finish_totp(session: &SessionInfo, code: &str) -> Result<()> {
    let access = &session.access;
    let user_id = access.actor().user_id.ok_or_else(Error::forbidden)?;
    let mut tx = access.tenant().write().await?;
    let user = store::user_by_id(&mut tx, user_id).await?.ok_or_else(|| Error::not_found("用户"))?;
    let Some(step) = check_totp(access, &user, code, access.now())? else {
        return Err(Error::invalid_field("code", "验证码不正确，请核对手机上的时间后重试"));
    };
    if !store::use_totp_step(&mut tx, user_id, step).await? {
        return Err(Error::invalid_field("code", "该验证码已使用，请等待下一个验证码"));
    }
    store::set_totp(&mut tx, user_id, user.totp_secret.as_deref(), true, access.now()).await?;
    store::mark_session_totp(&mut tx, &session.token_hash).await?;
    access.audit(&mut tx, "auth.totp_enrolled", &format!("user:{user_id}"), "").await?;
    tx.commit().await?;
    Ok(())
}

/// The current code for a secret (used by tests and the command line's `user totp-code`).
pub fn totp_code(secret_base32: &str, at: Instant) -> Option<String> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32).ok()?;
    let totp = totp_rs::Builder::new().with_secret(secret).build().ok()?;
    Some(totp.generate((at.0 / 1_000_000) as u64).to_string())
}

/// The hospital of a public page (`/p/{code}/…`) and access to it for `visitor`; `None` for an
/// unknown code and for the platform's own tenant (it has no public pages). Public pages act
/// only through this: as a visitor, never as the system.
pub async fn public_site(core: &Arc<Core>, code: &str, visitor: crate::Visitor) -> Result<Option<(Access, HospitalRow)>> {
    match hospital_by_code(core, code).await? {
        Some(h) if !h.is_platform => Ok(Some((core.act_as_visitor(h.id, visitor), h))),
        _ => Ok(None),
    }
}
