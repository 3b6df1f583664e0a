//! Setting up tenants and accounts: `init`, `hospital …`, `user …`. Everything goes through the
//! platform's services, acting as the system, so rules and audit entries are the same as in
//! the console.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use hops_kernel::SystemClock;
use hops_platform::accounts::model::{check_password, check_username};
use hops_platform::accounts::service::HospitalRow;
use hops_platform::accounts::service::{self, NewHospital, NewUserInput};
use hops_platform::db::Db;
use hops_platform::{Core, Role};

use super::Globals;
use super::term::{read_password, table};

async fn open(globals: &Globals) -> anyhow::Result<(Db, Arc<Core>)> {
    let config = globals.load_and_log()?;
    hops::open(&config, Arc::new(SystemClock)).await
}

/// Runs `f` on the opened core and closes the database whatever the outcome.
pub(super) async fn with_core<F, Fut>(globals: &Globals, f: F) -> anyhow::Result<ExitCode>
where
    F: FnOnce(Arc<Core>) -> Fut,
    Fut: Future<Output = anyhow::Result<ExitCode>>,
{
    let (db, core) = open(globals).await?;
    let outcome = f(core).await;
    db.close().await;
    outcome
}

pub(super) async fn hospital(core: &Arc<Core>, code: &str) -> anyhow::Result<HospitalRow> {
    match service::hospital_by_code(core, code.trim()).await? {
        Some(h) => Ok(h),
        None => bail!("医院编码 {code} 不存在（用 hops hospital list 查看所有医院）"),
    }
}

/// How to repeat the global options in suggested commands.
fn data_hint(globals: &Globals) -> String {
    globals.data_flag().map(|d| format!(" --data {}", d.display())).unwrap_or_default()
}

pub async fn init(
    globals: &Globals,
    code: &str,
    name: &str,
    grade: Option<&str>,
    admin: &str,
    admin_name: &str,
) -> anyhow::Result<ExitCode> {
    with_core(globals, |core| async move {
        let admin = admin.trim();
        check_username(admin).map_err(|e| anyhow::anyhow!("管理员用户名无效: {e}"))?;
        if service::hospital_by_code(&core, code.trim()).await?.is_some() {
            bail!("医院编码 {code} 已存在；如需为它添加管理员，请用 hops user add --hospital {code} --role hospital_admin …");
        }
        // Check the password before creating anything, so a weak one leaves nothing behind.
        let password = read_password("HOPS_ADMIN_PASSWORD", "管理员密码")?;
        check_password(&password, admin).map_err(|e| anyhow::anyhow!("管理员密码不符合要求: {e}"))?;
        let hospital =
            service::create_hospital(&core, NewHospital { code: code.trim(), name, grade: grade.unwrap_or("").trim(), is_platform: false })
                .await?;
        let access = core.act_as_system(hospital);
        let input = NewUserInput { username: admin, display_name: admin_name, role: Role::HospitalAdmin, password: &password };
        if let Err(e) = service::create_user(&access, input).await {
            return Err(anyhow::Error::from(e).context(format!(
                "医院 {code} 已创建，但管理员账户创建失败；请用 hops user add --hospital {code} --role hospital_admin 重试"
            )));
        }
        let data = data_hint(globals);
        let url = hops::base_url(core.config.listen);
        println!("已创建医院 {code}（{}），管理员账户 {admin}。", name.trim());
        println!();
        println!("下一步:");
        println!("  1. 启动服务:   hops{data} serve");
        println!("  2. 在浏览器打开 {url} ，以医院编码 {code}、用户名 {admin} 和刚设置的密码登录；");
        println!("     管理员首次登录时须用手机验证器应用（如 Microsoft Authenticator）扫码绑定动态验证码。");
        println!("  3. 添加其他用户: hops{data} user add --hospital {code} --username <用户名> --name <姓名> --role operator");
        println!("  4. 备份密钥文件 {}（与数据库分开保存；丢失后加密字段无法读取）。", core.config.key_file.display());
        Ok(ExitCode::SUCCESS)
    })
    .await
}

pub async fn hospital_create(globals: &Globals, code: &str, name: &str, grade: Option<&str>) -> anyhow::Result<ExitCode> {
    with_core(globals, |core| async move {
        let id =
            service::create_hospital(&core, NewHospital { code: code.trim(), name, grade: grade.unwrap_or("").trim(), is_platform: false })
                .await?;
        println!("已创建医院 {code}（{}），ID {id}。", name.trim());
        println!(
            "添加管理员: hops{} user add --hospital {code} --username <用户名> --name <姓名> --role hospital_admin",
            data_hint(globals)
        );
        Ok(ExitCode::SUCCESS)
    })
    .await
}

pub async fn hospital_list(globals: &Globals) -> anyhow::Result<ExitCode> {
    with_core(globals, |core| async move {
        let hospitals = service::all_hospitals(&core).await?;
        if hospitals.is_empty() {
            println!("尚无医院。用 hops init 或 hops hospital create 创建第一家医院。");
            return Ok(ExitCode::SUCCESS);
        }
        let rows: Vec<Vec<String>> = hospitals
            .iter()
            .map(|h| {
                vec![
                    h.id.to_string(),
                    h.code.clone(),
                    h.name.clone(),
                    if h.grade.is_empty() { "—".into() } else { h.grade.clone() },
                    if h.is_platform { "平台".into() } else { "医院".into() },
                    h.created_at.format_minute(),
                ]
            })
            .collect();
        print!("{}", table(&["ID", "编码", "名称", "等级", "类型", "创建时间"], &rows));
        println!("共 {} 家", hospitals.len());
        Ok(ExitCode::SUCCESS)
    })
    .await
}

pub async fn user_add(globals: &Globals, code: &str, username: &str, name: &str, role: Role) -> anyhow::Result<ExitCode> {
    with_core(globals, |core| async move {
        let h = hospital(&core, code).await?;
        let username = username.trim();
        check_username(username).map_err(|e| anyhow::anyhow!("用户名无效: {e}"))?;
        let password = read_password("HOPS_USER_PASSWORD", "密码")?;
        let access = core.act_as_system(h.id);
        service::create_user(&access, NewUserInput { username, display_name: name, role, password: &password }).await?;
        println!("已在 {}（{}）添加用户 {username}，角色: {}。", h.name, h.code, role.label_zh());
        if role.requires_totp() {
            println!("该角色首次登录时须绑定动态验证码（TOTP）。");
        }
        Ok(ExitCode::SUCCESS)
    })
    .await
}

pub async fn user_list(globals: &Globals, code: &str) -> anyhow::Result<ExitCode> {
    with_core(globals, |core| async move {
        let h = hospital(&core, code).await?;
        let users = service::list_users(&core.act_as_system(h.id)).await?;
        println!("{}（{}）的用户:", h.name, h.code);
        if users.is_empty() {
            println!("尚无用户。用 hops user add --hospital {} … 添加。", h.code);
            return Ok(ExitCode::SUCCESS);
        }
        let now = core.now();
        let rows: Vec<Vec<String>> = users
            .iter()
            .map(|u| {
                let status = if u.disabled {
                    "已停用".to_string()
                } else if u.locked_until.is_some_and(|t| t > now) {
                    format!("锁定至 {}", u.locked_until.map(|t| t.format_minute()).unwrap_or_default())
                } else {
                    "正常".to_string()
                };
                let totp = match (u.role.requires_totp(), u.totp_enabled) {
                    (_, true) => "已绑定",
                    (true, false) => "未绑定（首次登录时绑定）",
                    (false, false) => "—",
                };
                vec![
                    u.username.clone(),
                    u.display_name.clone(),
                    u.role.label_zh().into(),
                    totp.into(),
                    status,
                    u.created_at.format_minute(),
                ]
            })
            .collect();
        print!("{}", table(&["用户名", "姓名", "角色", "动态验证码", "状态", "创建时间"], &rows));
        println!("共 {} 人", users.len());
        Ok(ExitCode::SUCCESS)
    })
    .await
}

pub async fn user_reset_password(globals: &Globals, code: &str, username: &str) -> anyhow::Result<ExitCode> {
    with_core(globals, |core| async move {
        let h = hospital(&core, code).await?;
        let access = core.act_as_system(h.id);
        let users = service::list_users(&access).await?;
        let Some(user) = users.iter().find(|u| u.username == username.trim()) else {
            bail!("{}（{}）没有用户 {username}（用 hops user list --hospital {} 查看）", h.name, h.code, h.code);
        };
        let password = read_password("HOPS_USER_PASSWORD", "新密码")?;
        service::reset_password(&access, user.id, &password).await?;
        println!("已重置 {} 的密码；该用户已登录的会话全部失效。", user.username);
        Ok(ExitCode::SUCCESS)
    })
    .await
}

pub async fn user_reset_totp(globals: &Globals, code: &str, username: &str) -> anyhow::Result<ExitCode> {
    with_core(globals, |core| async move {
        let h = hospital(&core, code).await?;
        let access = core.act_as_system(h.id);
        let users = service::list_users(&access).await?;
        let Some(user) = users.iter().find(|u| u.username == username.trim()) else {
            bail!("{}（{}）没有用户 {username}（用 hops user list --hospital {} 查看）", h.name, h.code, h.code);
        };
        service::reset_totp(&access, user.id).await?;
        println!("已解除 {} 的动态验证码绑定；其会话全部失效，下次登录时须重新绑定。", user.username);
        Ok(ExitCode::SUCCESS)
    })
    .await
}
