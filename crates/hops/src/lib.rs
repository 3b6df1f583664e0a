//! The hops binary's wiring, as a library so tests can start the real application in-process:
//! which modules make up the product ([`modules`]), how the database, keys and jobs are opened
//! ([`open`]), and the HTTP server with its job workers ([`Server`]).
//!
//! The command line (`src/main.rs`, `src/cli/`) is a thin layer over these functions.

mod server;

use std::sync::Arc;

use anyhow::Context as _;
use hops_kernel::Clock;
use hops_platform::Core;
use hops_platform::config::Config;
use hops_platform::crypto::Keyring;
use hops_platform::db::Db;
use hops_platform::jobs::{Jobs, Registry};
use hops_platform::web::Module;

pub use server::{Server, base_url, bind};

/// Every business module of the product, in navigation order.
pub fn modules() -> Vec<Arc<dyn Module>> {
    vec![
        Arc::new(hops_analytics::AnalyticsModule),
        Arc::new(hops_reports::ReportsModule),
        Arc::new(hops_desk::DeskModule),
        Arc::new(hops_checkup::CheckupModule),
        Arc::new(hops_master::MasterModule),
    ]
}

/// Connects to the configured database without migrating: PostgreSQL when
/// `config.database_url` is set, else the embedded SQLite database under `config.data_dir`.
pub async fn connect(config: &Config) -> anyhow::Result<Db> {
    match &config.database_url {
        Some(url) => Db::connect(url.expose()).await.context("无法连接数据库"),
        None => Db::open_sqlite_dir(&config.data_dir)
            .await
            .with_context(|| format!("无法打开数据目录 {} 中的 SQLite 数据库", config.data_dir.display())),
    }
}

/// Opens everything the application needs: connects (see [`connect`]), applies pending
/// migrations, loads (or creates on first start) the key file, re-encrypts what was encrypted
/// before ciphertexts were bound to their rows (once, see [`reencrypt`]), registers the
/// modules' job kinds, builds the [`Core`] and gives the rows of older installations' person
/// roles their person ([`hops_platform::people::adopt`], once, between migrations 0041 and 0042). The returned [`Db`] is the same database the
/// core uses, for platform-wide work such as `audit verify`.
pub async fn open(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<(Db, Arc<Core>)> {
    open_with(config, clock, &modules()).await
}

/// [`open`] with these modules instead of the product's (tests add an example module).
pub async fn open_with(config: &Config, clock: Arc<dyn Clock>, modules: &[Arc<dyn Module>]) -> anyhow::Result<(Db, Arc<Core>)> {
    let db = connect(config).await?;
    // The people of older installations are adopted between two migrations: after the one
    // that creates `people`, before the one that drops the roles' own copies.
    db.migrate_before(hops_platform::people::adopt::DROPS_ROLE_COLUMNS).await.context("数据库迁移失败")?;
    let keyring = Keyring::load_or_create(&config.key_file)?;
    db.check_key_fingerprint(&keyring.fingerprint()).await?;
    reencrypt(&db, &keyring).await?;
    let jobs = Jobs::new(Registry {
        handlers: modules.iter().flat_map(|m| m.jobs()).collect(),
        schedules: modules.iter().flat_map(|m| m.schedules()).collect(),
        subscriptions: modules.iter().flat_map(|m| m.subscriptions()).collect(),
    });
    let core = Core::new(db.clone(), keyring, clock, config.clone(), jobs);
    let mut services = hops_platform::services::Services::default();
    for m in modules {
        m.provide(&mut services);
    }
    core.set_services(services);
    let roles: Vec<_> = modules.iter().flat_map(|m| m.person_roles()).collect();
    hops_platform::people::adopt::run(&core, &roles).await.context("人员合并（患者与体检人归为同一人员）失败")?;
    db.migrate().await.context("数据库迁移失败")?;
    for m in modules {
        m.on_start(&core).await.with_context(|| format!("模块 {} 启动失败", m.name()))?;
    }
    Ok((db, core))
}

/// Every encrypted column of the product: the platform's and each module's.
pub fn encrypted_columns() -> Vec<hops_platform::reencrypt::Column> {
    let mut columns = hops_platform::reencrypt::platform_columns();
    columns.extend(modules().iter().flat_map(|m| m.encrypted_columns()));
    columns
}

/// The data migration binding every field ciphertext to its hospital, table, row and column
/// (security issue 12, finding 8); done once per installation, resumed if interrupted. See
/// [`hops_platform::reencrypt`].
pub async fn reencrypt(db: &Db, keyring: &Keyring) -> anyhow::Result<hops_platform::reencrypt::Report> {
    hops_platform::reencrypt::run(db, keyring, &encrypted_columns()).await.context("个人信息密文重新加密（绑定所在记录）失败")
}
