//! Running the application: `serve`, `migrate` and `demo`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use hops::Server;
use hops_kernel::SystemClock;
use hops_platform::Role;
use hops_platform::config::redact_url;

use super::Globals;
use super::term::table;

/// Completes on Ctrl-C or SIGTERM (what container runtimes send to stop a service).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    eprintln!("\n正在停止…");
}

pub async fn serve(globals: &Globals, listen: Option<SocketAddr>) -> anyhow::Result<ExitCode> {
    let config = globals.load_and_log()?;
    let listen = listen.unwrap_or(config.listen);
    let listener = hops::bind(listen).await?;
    let (db, core) = hops::open(&config, Arc::new(SystemClock)).await?;
    let server = Server::start_on(core, listener).await?;
    println!("hops 已启动: {}", server.url);
    println!("数据库: {}", database_label(&config));
    if config.sandbox {
        println!(
            "警告: 沙箱已开启（HOPS_SANDBOX=1）：未配置真实账户的短信、微信消息和微信支付由本机模拟，任何人可读取验证码、模拟付款。仅供试用，切勿用于真实患者。"
        );
    }
    run_until_stopped(server, &db).await
}

/// Serves until Ctrl-C or SIGTERM, then closes the database.
async fn run_until_stopped(server: Server, db: &hops_platform::db::Db) -> anyhow::Result<ExitCode> {
    println!("按 Ctrl-C 停止。");
    let outcome = server.run_until(shutdown_signal()).await;
    db.close().await;
    outcome?;
    println!("hops 已停止。");
    Ok(ExitCode::SUCCESS)
}

pub async fn migrate(globals: &Globals) -> anyhow::Result<ExitCode> {
    let config = globals.load_and_log()?;
    let db = hops::connect(&config).await?;
    let outcome = db.migrate().await;
    db.close().await;
    outcome.map_err(|e| anyhow::anyhow!("数据库迁移失败: {e:#}"))?;
    println!("数据库迁移完成，结构已是最新版本: {}", database_label(&config));
    Ok(ExitCode::SUCCESS)
}

pub async fn demo(globals: &Globals, listen: Option<SocketAddr>, scale: u32, no_serve: bool) -> anyhow::Result<ExitCode> {
    let mut config = globals.load_and_log()?;
    // On the configured database when there is one (a vendor trying hops on their own
    // PostgreSQL), else the embedded SQLite database in the data directory.
    let on = if config.database_url.is_some() {
        "配置的 PostgreSQL 数据库（database_url）"
    } else {
        "数据目录中的内置 SQLite 数据库"
    };
    // The demo is a trial: text messages and payments go to the local sandboxes.
    config.sandbox = true;
    let listen = listen.unwrap_or(config.listen);
    // Check the port before generating data, so a busy port is reported at once.
    let listener = if no_serve { None } else { Some(hops::bind(listen).await?) };
    let (db, core) = hops::open(&config, Arc::new(SystemClock)).await?;
    let started = std::time::Instant::now();
    let generated = tokio::select! {
        r = hops_demo::ensure_demo(&core, scale) => Some(r),
        () = shutdown_signal() => None,
    };
    let info = match generated {
        Some(Ok(info)) => info,
        Some(Err(e)) => {
            db.close().await;
            return Err(anyhow::anyhow!("生成演示数据失败: {}", super::term::explain(&e)));
        }
        None => {
            db.close().await;
            let reset = if config.database_url.is_some() {
                "清空该数据库".to_string()
            } else {
                format!("删除数据目录 {}", config.data_dir.display())
            };
            anyhow::bail!("演示数据生成已中断，数据不完整；请{reset}后重新运行 hops demo");
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let Some(listener) = listener else {
        if info.created {
            println!("演示医院已生成（规模 {scale}），用时 {elapsed:.1} 秒。");
        } else {
            println!("演示医院已存在，未重新生成。");
        }
        db.close().await;
        return Ok(ExitCode::SUCCESS);
    };
    let server = Server::start_on(core, listener).await?;

    println!();
    println!("hops 演示环境已启动");
    println!("  地址:     {}", server.url);
    println!("  医院编码: {}（{}）", info.hospital_code, info.hospital_name);
    println!("  数据库:   {on}");
    println!("  数据目录: {}", config.data_dir.display());
    if !info.created {
        let reset = if config.database_url.is_some() { "清空数据库" } else { "删除数据目录" };
        println!("  演示医院已存在，沿用现有数据（{reset}后再运行可重新生成）。");
    }
    println!();
    println!("演示账户（登录时填写医院编码、用户名和密码）:");
    let admin_labels = [Role::PlatformAdmin.label_zh(), Role::HospitalAdmin.label_zh()];
    let rows: Vec<Vec<String>> = info
        .accounts
        .iter()
        .map(|a| {
            let note = if admin_labels.contains(&a.role_label) { "首次登录须绑定动态验证码" } else { "" };
            vec![a.role_label.to_string(), a.username.clone(), a.password.clone(), note.to_string()]
        })
        .collect();
    print!("{}", table(&["角色", "用户名", "密码", "说明"], &rows));
    println!();
    println!(
        "注意: 管理员账户首次登录时须绑定 TOTP 动态验证码（用 Microsoft Authenticator、Google Authenticator 等应用扫描页面上的二维码）。"
    );
    run_until_stopped(server, &db).await
}

/// Where the data lives, for people (the password of a database URL is hidden).
pub fn database_label(config: &hops_platform::config::Config) -> String {
    match &config.database_url {
        Some(url) => format!("PostgreSQL {}", redact_url(url.expose())),
        None => format!("SQLite {}", config.data_dir.join("hops.db").display()),
    }
}
