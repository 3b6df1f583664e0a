//! The patient login's use cases: a hospital's patient site, proving a phone by SMS code,
//! opening, resolving and ending sessions of a kind, and WeChat's web authorisation with the
//! openid → phone binding (proved once by SMS code, removable by the patient). Every sign-in,
//! binding and unbinding is audited as the visitor, phone masked.

use std::sync::Arc;

use hops_kernel::Phone;

use super::model::{self, IDLE_SECONDS, Kind, PENDING_SECONDS};
use super::store::{self, NewSession, Pending};
use super::wechat;
use crate::core::{Access, Core, Visitor};
use crate::crypto::{Field, random_token, sha256_hex};
use crate::error::{Error, Result};
use crate::sms;

/// The blind-index namespace of the sessions' phones: the people registry's, so a session's
/// phone finds the person it proved.
const PHONE_CONTEXT: &str = crate::people::service::PHONE.context;
/// The phone a session proved, encrypted for its row (keyed by the token's hash).
pub const SESSION_PHONE: Field = Field::new("patient_sessions", "phone_enc", PHONE_CONTEXT);
/// The phone an openid is bound to, encrypted for its row (keyed by the openid's index).
pub const BINDING_PHONE: Field = Field::new("patient_wechat_bindings", "phone_enc", PHONE_CONTEXT);
/// The namespace of openids' blind indexes (an openid is never stored in clear).
const OPENID_CONTEXT: &str = "patient.wechat_openid";
const STATE: &str = "state";
const BIND: &str = "bind";

/// A hospital's patient pages: the hospital, and an anonymous visitor's access to it.
#[derive(Clone)]
pub struct Site {
    pub access: Access,
    pub code: String,
    pub name: String,
}

/// Finds the hospital of a patient page (`/p/{code}/…`).
pub async fn site(core: &Arc<Core>, code: &str) -> Result<Site> {
    let (access, h) =
        crate::accounts::service::public_site(core, code, Visitor::Anonymous).await?.ok_or_else(|| Error::not_found("医院"))?;
    Ok(Site { access, code: h.code, name: h.name })
}

/// A live session: the visitor's access as the phone it proved.
pub struct Signed {
    pub access: Access,
    pub phone: Phone,
    pub kind: Kind,
}

/// Parses a typed phone number, refused at `field`.
pub fn parse_phone(phone: &str, field: &str) -> Result<Phone> {
    Phone::parse(phone.trim()).map_err(|e| Error::invalid_field(field, e.to_string()))
}

/// What WeChat's return came to.
pub enum Back {
    /// The openid is bound: signed in (the cookie token), off to `next`.
    SignedIn { token: String, next: String },
    /// A first visit: the patient proves a phone by SMS code once; `bind` is the pending
    /// binding's token (for a cookie).
    MustBind { bind: String, next: String },
}

impl Site {
    /// The hospital's patient home (every patient page lives under it).
    pub fn home(&self) -> String {
        model::home(&self.code)
    }

    /// Acts as a visitor of `kind` who proved `phone`.
    pub fn as_visitor(&self, kind: Kind, phone: Phone) -> Access {
        self.access.core().act_as_visitor(self.access.hospital(), kind.visitor(phone))
    }

    /// Sends a sign-in code for `purpose` to `phone` (the platform's SMS limits apply).
    pub async fn send_code(&self, phone: &Phone, purpose: &str, caller: &str) -> Result<()> {
        sms::send_code(&self.access, phone, purpose, caller).await
    }

    /// Checks the code sent to `phone` (used up when right).
    pub async fn prove(&self, phone: &Phone, purpose: &str, code: &str) -> Result<()> {
        if code.trim().is_empty() {
            return Err(Error::invalid_field("code", "请输入短信验证码"));
        }
        sms::check_code(&self.access, phone, purpose, code.trim()).await
    }

    /// Opens a session of `kind` for a proven `phone`; `how` is said in the audit entry.
    /// Returns the cookie token (only its hash is kept).
    pub async fn open(&self, kind: Kind, phone: &Phone, how: &str) -> Result<String> {
        let token = random_token(32);
        let token_hash = sha256_hex(&token);
        let access = self.as_visitor(kind, *phone);
        let sealed = access.seal(SESSION_PHONE, &token_hash, phone.as_str(), phone.masked());
        let now = access.now();
        let mut tx = access.tenant().write().await?;
        let new = NewSession {
            token_hash: &token_hash,
            kind: kind.code(),
            phone: &sealed,
            now,
            expires: now.plus_seconds(kind.absolute_seconds()),
        };
        store::insert_session(&mut tx, &new).await?;
        access.audit(&mut tx, "patient.sign_in", &format!("phone:{}", phone.masked()), how).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The session of `kind` behind a cookie token, if it is alive (its use recorded).
    pub async fn resolve(&self, kind: Kind, token: &str) -> Result<Option<Signed>> {
        let token_hash = sha256_hex(token);
        let now = self.access.now();
        let found = {
            let mut c = self.access.tenant().read().await?;
            store::find_session(&mut c, &token_hash, kind.code(), now, now.plus_seconds(-IDLE_SECONDS)).await?
        };
        let Some((enc, last_seen)) = found else { return Ok(None) };
        let clear = self.access.reveal(SESSION_PHONE, &token_hash, &enc)?;
        let phone = Phone::parse(&clear).map_err(|e| Error::Internal(anyhow::anyhow!("stored session phone: {e}")))?;
        if model::should_touch(last_seen, now) {
            let mut tx = self.access.tenant().write().await?;
            store::touch(&mut tx, &token_hash, now).await?;
            tx.commit().await?;
        }
        Ok(Some(Signed { access: self.as_visitor(kind, phone), phone, kind }))
    }

    /// Ends a session (whatever its kind).
    pub async fn sign_out(&self, token: &str) -> Result<()> {
        let mut tx = self.access.tenant().write().await?;
        store::delete_session(&mut tx, &sha256_hex(token), self.access.now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs a patient in with their phone and its code; with a pending WeChat binding of this
    /// browser (`bind`, `browser`), binds the openid to the phone first. Returns the token.
    pub async fn sign_in(&self, phone: &str, code: &str, bind: Option<(&str, &str)>) -> Result<String> {
        let phone = parse_phone(phone, "phone")?;
        self.prove(&phone, model::SIGN_IN_PURPOSE, code).await?;
        let Some((bind, browser)) = bind else { return self.open(Kind::Patient, &phone, "短信验证码").await };
        let access = self.as_visitor(Kind::Patient, phone);
        let now = access.now();
        let mut tx = access.tenant().write().await?;
        let pending = store::take_pending(&mut tx, &sha256_hex(bind), BIND, now).await?;
        match pending.filter(|p| p.browser_hash == sha256_hex(browser)) {
            Some(p) => {
                let sealed = access.seal(BINDING_PHONE, &p.openid_bidx, phone.as_str(), phone.masked());
                store::bind(&mut tx, &p.openid_bidx, &sealed, now).await?;
                access.audit(&mut tx, "patient.wechat_bind", &format!("phone:{}", phone.masked()), "微信授权后短信验证手机号").await?;
                tx.commit().await?;
                self.open(Kind::Patient, &phone, "短信验证码（绑定微信）").await
            }
            None => {
                // The binding ran out (or is another browser's): sign in by the code alone.
                tx.commit().await?;
                self.open(Kind::Patient, &phone, "短信验证码").await
            }
        }
    }

    /// Starts WeChat's web authorisation: stores a one-time `state` bound to this browser's
    /// nonce (`browser`) and returns where to send the browser. `None`: WeChat login is off.
    pub async fn wechat_begin(&self, browser: &str, next: &str) -> Result<Option<String>> {
        let Some(a) = wechat::login_account(self.access.core()) else { return Ok(None) };
        let state = random_token(16);
        let now = self.access.now();
        let mut tx = self.access.tenant().write().await?;
        let p = Pending { browser_hash: sha256_hex(browser), openid_bidx: String::new(), next: next.to_string() };
        store::insert_pending(&mut tx, &sha256_hex(&state), STATE, &p, now, now.plus_seconds(PENDING_SECONDS)).await?;
        tx.commit().await?;
        let redirect = format!("{}{}/login/wechat/back", self.access.core().public_url(), self.home());
        Ok(Some(wechat::authorize_url(&wechat::oauth_base(self.access.core(), a), &a.appid, &redirect, &state)))
    }

    /// WeChat's return with `code` and `state`: the state must be this browser's and unused;
    /// the code is exchanged for the openid. A bound openid signs its phone in; an unbound one
    /// waits for the patient to prove a phone ([`Back::MustBind`]). Refusals change nothing.
    pub async fn wechat_back(&self, code: &str, state: &str, browser: &str) -> Result<Back> {
        let refused = || Error::bad_request("wechat_state", "微信登录已失效或已使用，请返回重新点击“微信登录”。");
        let Some(a) = wechat::login_account(self.access.core()) else {
            return Err(Error::client(503, "wechat_login_off", "本院未开通微信登录，请使用手机号验证码登录。"));
        };
        let now = self.access.now();
        let pending = {
            let mut tx = self.access.tenant().write().await?;
            let p = store::take_pending(&mut tx, &sha256_hex(state.trim()), STATE, now).await?;
            tx.commit().await?;
            p
        };
        let Some(p) = pending.filter(|p| !browser.is_empty() && p.browser_hash == sha256_hex(browser)) else { return Err(refused()) };
        if code.trim().is_empty() {
            return Err(Error::bad_request("wechat_denied", "您未同意微信授权，请使用手机号验证码登录。"));
        }
        let openid = match wechat::exchange(self.access.core(), a, code.trim()).await {
            Ok(Ok(openid)) => openid,
            Ok(Err(e)) if matches!(e.code, wechat::INVALID_CODE | wechat::CODE_USED) => {
                return Err(Error::bad_request("wechat_code", "微信授权码无效或已使用，请返回重新点击“微信登录”。"));
            }
            Ok(Err(e)) => return Err(Error::client(502, "wechat_failed", format!("微信登录失败：{e}"))),
            Err(f) => return Err(Error::client(502, "wechat_failed", format!("微信登录失败：{}", f.message))),
        };
        let openid_bidx = self.access.blind_index(OPENID_CONTEXT, &openid);
        let bound = store::bound_phone(&mut self.access.tenant().read().await?, &openid_bidx).await?;
        if let Some(enc) = bound {
            let clear = self.access.reveal(BINDING_PHONE, &openid_bidx, &enc)?;
            let phone = Phone::parse(&clear).map_err(|e| Error::Internal(anyhow::anyhow!("bound phone: {e}")))?;
            let token = self.open(Kind::Patient, &phone, "微信授权").await?;
            return Ok(Back::SignedIn { token, next: p.next });
        }
        let bind = random_token(16);
        let mut tx = self.access.tenant().write().await?;
        let pending = Pending { browser_hash: p.browser_hash, openid_bidx, next: p.next.clone() };
        store::insert_pending(&mut tx, &sha256_hex(&bind), BIND, &pending, now, now.plus_seconds(PENDING_SECONDS)).await?;
        tx.commit().await?;
        Ok(Back::MustBind { bind, next: p.next })
    }

    /// How many WeChat accounts are bound to the signed-in patient's phone.
    pub async fn wechat_bindings(&self, s: &Signed) -> Result<i64> {
        let bidx = s.access.blind_index(PHONE_CONTEXT, s.phone.as_str());
        Ok(store::bindings_of_phone(&mut s.access.tenant().read().await?, &bidx).await?)
    }

    /// Removes every WeChat binding of the signed-in patient's phone (audited as the patient).
    pub async fn unbind(&self, s: &Signed) -> Result<u64> {
        let bidx = s.access.blind_index(PHONE_CONTEXT, s.phone.as_str());
        let mut tx = s.access.tenant().write().await?;
        let n = store::unbind_phone(&mut tx, &bidx).await?;
        if n > 0 {
            s.access
                .audit(&mut tx, "patient.wechat_unbind", &format!("phone:{}", s.phone.masked()), &format!("解除 {n} 个微信绑定"))
                .await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}
