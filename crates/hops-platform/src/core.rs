//! The platform core shared by every module: database, keys, clock, configuration, jobs.
//! [`Access`] is who acts on which hospital; services take it and nothing else.

use std::sync::Arc;

use hops_kernel::{Clock, HospitalId, Instant, Phone, UserId};
use sqlx::{Any, Transaction};

use crate::accounts::model::{DataScope, Permission, Role, VisitorKind};
use crate::audit;
use crate::config::Config;
use crate::crypto::{Binding, CryptoError, Field, Keyring, RowKey, Sealed};
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
    /// The interfaces modules provide one another (set once, at start).
    services: std::sync::OnceLock<crate::services::Services>,
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
            services: std::sync::OnceLock::new(),
        })
    }

    /// Installs the interfaces the modules provide (once, at start, before any request).
    pub fn set_services(&self, services: crate::services::Services) {
        let _ = self.services.set(services);
    }

    /// The implementation of interface `T` a module provides (see [`crate::services`]).
    pub fn service<T: ?Sized + Send + Sync + 'static>(&self) -> Result<Arc<T>> {
        match self.services.get() {
            Some(s) => s.get::<T>(),
            None => Err(Error::Internal(anyhow::anyhow!("services are not installed yet"))),
        }
    }

    /// What approvals of subjects of `kind` set off (see [`crate::flow::Approvable`]).
    pub fn approvable(&self, kind: &str) -> Option<Arc<dyn crate::flow::Approvable>> {
        self.services.get().and_then(|s| s.approvable_for(kind))
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

    /// This server's address as browsers and callers outside reach it: the configured
    /// `public_url`, else where it listens. Never taken from a request header.
    pub fn public_url(&self) -> String {
        self.config.public_url.clone().or_else(|| self.local_url().map(str::to_string)).unwrap_or_default()
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

    /// Acts on `hospital` for someone on its public pages: never the system, only what
    /// [`Visitor::can`] allows, and recorded in the audit log as that visitor (phone masked).
    pub fn act_as_visitor(self: &Arc<Self>, hospital: HospitalId, visitor: Visitor) -> Access {
        Access { core: self.clone(), hospital, actor: Actor::visitor(visitor) }
    }
}

/// Who is acting.
#[derive(Clone, Debug)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub username: String,
    pub display_name: String,
    /// A console user's role; `None` for the system itself (which may do everything) and for
    /// visitors (who may do only what their [`Visitor`] kind allows).
    pub role: Option<Role>,
    /// Someone on a public page, not a console user.
    pub visitor: Option<Visitor>,
    /// Codes of the departments a console user works in (a nurse's care teams), for roles whose
    /// data scope is [`DataScope::Department`].
    pub departments: Vec<String>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            user_id: None, username: "system".into(), display_name: "系统".into(), role: None, visitor: None, departments: Vec::new()
        }
    }

    pub fn visitor(v: Visitor) -> Actor {
        Actor {
            user_id: None,
            username: v.kind().code().into(),
            display_name: v.label_zh(),
            role: None,
            visitor: Some(v),
            departments: Vec::new(),
        }
    }

    /// Whether this actor is the system itself (command line, demo generator, job handlers).
    pub fn is_system(&self) -> bool {
        self.role.is_none() && self.visitor.is_none()
    }

    /// Which people's data this actor sees (RuoYi's data scope): the system sees everyone;
    /// visitors only what their proven phone reaches ([`DataScope::Own`]).
    pub fn data_scope(&self) -> DataScope {
        match (&self.visitor, self.role) {
            (Some(_), _) => DataScope::Own,
            (None, Some(r)) => r.data_scope(),
            (None, None) => DataScope::All,
        }
    }

    /// The phone a visitor proved with an SMS code, if any.
    pub fn proven_phone(&self) -> Option<&Phone> {
        self.visitor.as_ref().and_then(Visitor::phone)
    }
}

/// Someone on a hospital's public pages. A patient session proves one phone, nothing more:
/// what a visitor may reach is decided by the phone they proved, never by what they typed.
#[derive(Clone, Debug)]
pub enum Visitor {
    /// No proof at all: public catalogue, published leaderboards, the FAQ bot.
    Anonymous,
    /// A patient who proved `phone` with an SMS code: their own bookings, those whose person's
    /// stored phone is this phone.
    Patient(Phone),
    /// An employer's contact who proved `phone`: the employers whose contact phone it is.
    Contact(Phone),
}

impl Visitor {
    pub fn kind(&self) -> VisitorKind {
        match self {
            Visitor::Anonymous => VisitorKind::Anonymous,
            Visitor::Patient(_) => VisitorKind::Patient,
            Visitor::Contact(_) => VisitorKind::Contact,
        }
    }

    pub fn phone(&self) -> Option<&Phone> {
        match self {
            Visitor::Anonymous => None,
            Visitor::Patient(p) | Visitor::Contact(p) => Some(p),
        }
    }

    /// How the audit log names the visitor: the kind and the masked phone.
    pub fn label_zh(&self) -> String {
        match self.phone() {
            Some(p) => format!("{} {}", self.kind().label_zh(), p.masked()),
            None => self.kind().label_zh().to_string(),
        }
    }
}

fn undecryptable(at: &Binding<'_>, e: CryptoError) -> Error {
    tracing::error!(place = %at, error = %e, "stored ciphertext refused: it does not belong where it is stored");
    Error::conflict(
        "undecryptable",
        "该记录中的加密信息无法解密：密文不属于这条记录（可能被复制或篡改），已拒绝显示并记录日志。请联系管理员核查。",
    )
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
    /// Where a value of `field` in `row` of this hospital is stored (its ciphertext's binding).
    pub fn binding<'a>(&self, field: Field, row: impl Into<RowKey<'a>>) -> Binding<'a> {
        Binding::new(field, self.hospital.0, row)
    }

    /// Encrypts `plain` for `field` of `row` in this hospital: it decrypts there and nowhere else.
    pub fn encrypt<'a>(&self, field: Field, row: impl Into<RowKey<'a>>, plain: &str) -> Vec<u8> {
        self.core.keyring.encrypt(&self.binding(field, row), plain)
    }

    /// [`Access::encrypt`] for binary content (attachments).
    pub fn encrypt_bytes<'a>(&self, field: Field, row: impl Into<RowKey<'a>>, plain: &[u8]) -> Vec<u8> {
        self.core.keyring.encrypt_bytes(&self.binding(field, row), plain)
    }

    /// A personal number as stored in `field` of `row`: encrypted for that place, blind-indexed
    /// by the field's context in this hospital, masked.
    pub fn seal<'a>(&self, field: Field, row: impl Into<RowKey<'a>>, normalized: &str, masked: String) -> Sealed {
        self.core.keyring.seal(&self.binding(field, row), normalized, masked)
    }

    /// The blind index of a normalised value in this hospital (`context`: a field's
    /// [`Field::context`], or another namespace such as `"sms.phone"`).
    pub fn blind_index(&self, context: &str, normalized: &str) -> String {
        self.core.keyring.blind_index(context, self.hospital.0, normalized)
    }

    /// Decrypts what was read from `field` of `row`. A ciphertext that belongs elsewhere (copied
    /// from another row, column or hospital, or tampered with) is refused with a clear message
    /// and logged by place, never by value.
    pub fn reveal<'a>(&self, field: Field, row: impl Into<RowKey<'a>>, blob: &[u8]) -> Result<String> {
        let at = self.binding(field, row);
        self.core.keyring.decrypt(&at, blob).map_err(|e| undecryptable(&at, e))
    }

    /// [`Access::reveal`] for binary content.
    pub fn reveal_bytes<'a>(&self, field: Field, row: impl Into<RowKey<'a>>, blob: &[u8]) -> Result<Vec<u8>> {
        let at = self.binding(field, row);
        self.core.keyring.decrypt_bytes(&at, blob).map_err(|e| undecryptable(&at, e))
    }
    pub fn now(&self) -> Instant {
        self.core.clock.now()
    }
    pub fn engine(&self) -> Engine {
        self.core.db.engine()
    }

    pub fn can(&self, p: Permission) -> bool {
        match (&self.actor.visitor, self.actor.role) {
            (Some(v), _) => v.kind().can(p),
            (None, Some(r)) => r.can(p),
            (None, None) => true,
        }
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
