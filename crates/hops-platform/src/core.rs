//! The platform core shared by every module: database, keys, clock, configuration, jobs.
//! [`Access`] is who acts on which hospital; services take it and nothing else.

use std::sync::Arc;

use hops_kernel::{Clock, HospitalId, Instant, UserId};
use sqlx::{Any, Transaction};

use crate::accounts::model::{Permission, Role};
use crate::audit;
use crate::config::Config;
use crate::crypto::Keyring;
use crate::db::{Db, Engine, Scoped, Tenant};
use crate::error::{Error, Result};
use crate::jobs::Jobs;
use crate::memo::{Memo, Shelf};
use crate::throttle::Throttle;

pub type Tx = Scoped<Transaction<'static, Any>>;

pub struct Core {
    db: Db,
    pub keyring: Keyring,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    pub jobs: Jobs,
    /// Computed read models, remembered briefly (see [`crate::memo`]).
    pub memo: Memo,
    /// Costly derived values that know when they are stale (see [`crate::memo::Shelf`]).
    pub shelf: Shelf,
    /// Rate limits of what anyone may call unauthenticated (see [`crate::throttle`]).
    pub throttle: Throttle,
    /// Where this server answers (`http://127.0.0.1:8080`), once it listens: the local
    /// sandboxes of the payment and SMS services are reached there.
    local_url: std::sync::OnceLock<String>,
}

impl Core {
    pub fn new(db: Db, keyring: Keyring, clock: Arc<dyn Clock>, config: Config, jobs: Jobs) -> Arc<Core> {
        Arc::new(Core {
            db,
            keyring,
            clock,
            config,
            jobs,
            memo: Memo::default(),
            shelf: Shelf::default(),
            throttle: Throttle::default(),
            local_url: std::sync::OnceLock::new(),
        })
    }

    pub(crate) fn db(&self) -> &Db {
        &self.db
    }

    pub fn engine(&self) -> Engine {
        self.db.engine()
    }

    /// Records where the server listens (set once, at start).
    pub fn set_local_url(&self, url: &str) {
        let _ = self.local_url.set(url.to_string());
    }

    /// Where this server answers, if it listens.
    pub fn local_url(&self) -> Option<&str> {
        self.local_url.get().map(String::as_str)
    }

    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Acts on `hospital` as the system itself (command line, demo generator, job handlers).
    /// Web handlers never call this: they get their [`Access`] from the signed-in session.
    pub fn act_as_system(self: &Arc<Self>, hospital: HospitalId) -> Access {
        Access { core: self.clone(), hospital, actor: Actor::system() }
    }

    pub(crate) fn access_for(self: &Arc<Self>, hospital: HospitalId, actor: Actor) -> Access {
        Access { core: self.clone(), hospital, actor }
    }
}

/// Who is acting.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub username: String,
    pub display_name: String,
    /// `None` for the system itself, which may do everything.
    pub role: Option<Role>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor { user_id: None, username: "system".into(), display_name: "系统".into(), role: None }
    }
}

/// An actor bound to one hospital: the only way services reach tenant data.
#[derive(Clone)]
pub struct Access {
    core: Arc<Core>,
    hospital: HospitalId,
    actor: Actor,
}

impl Access {
    pub fn hospital(&self) -> HospitalId {
        self.hospital
    }
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    pub fn core(&self) -> &Arc<Core> {
        &self.core
    }
    pub fn tenant(&self) -> Tenant {
        self.core.db.tenant(self.hospital)
    }
    pub fn keyring(&self) -> &Keyring {
        &self.core.keyring
    }
    pub fn now(&self) -> Instant {
        self.core.clock.now()
    }
    pub fn engine(&self) -> Engine {
        self.core.db.engine()
    }

    pub fn can(&self, p: Permission) -> bool {
        self.actor.role.is_none_or(|r| r.can(p))
    }

    /// Fails with 403 unless the actor holds `p`.
    pub fn require(&self, p: Permission) -> Result<()> {
        if self.can(p) { Ok(()) } else { Err(Error::forbidden()) }
    }

    /// Appends an audit entry inside `tx`, so the entry and the change commit together.
    /// Every audited change also clears the hospital's remembered read models ([`Memo`]).
    pub async fn audit(&self, tx: &mut Tx, action: &str, target: &str, detail: &str) -> Result<()> {
        self.core.memo.clear(self.hospital);
        audit::append(tx, self.engine(), &self.actor, self.now(), action, target, detail).await
    }

    /// Records a sensitive read (unmasking, export) in its own transaction.
    pub async fn audit_read(&self, action: &str, target: &str, detail: &str) -> Result<()> {
        let mut tx = self.tenant().write().await?;
        self.audit(&mut tx, action, target, detail).await?;
        tx.commit().await?;
        Ok(())
    }
}
