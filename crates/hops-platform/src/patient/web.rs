//! The patient login's pages and the extractors every module's patient page takes.
//!
//! - [`PatientPage`] (and [`ContactPage`]-like aliases a module declares with its own
//!   [`SignInKind`]): the hospital's [`Site`] and the signed-in visitor's [`Access`]; without a
//!   live session of that kind a GET is sent to the kind's sign-in page with a site-local
//!   `next`, anything else gets a 401 page inside the H5 shell — never the staff `/login`.
//! - [`PatientVisit`]: the same with the session optional (pages that also serve visitors).
//! - Pages: `/p/{hospital}/login` (SMS code; WeChat when configured), the WeChat round trip
//!   `/p/{hospital}/login/wechat` → WeChat → `/p/{hospital}/login/wechat/back`, `/p/{hospital}/me`
//!   (the phone signed in, the WeChat binding and its removal), `/p/{hospital}/logout`.
//!
//! Errors on patient pages render inside the H5 shell ([`Site::fail`], [`Site::message`]) with
//! a link back to the H5 home.

// Handlers answer with a page either way; `Err` is the page of a refusal, not a rare error.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::marker::PhantomData;

use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::model::{self, Kind};
use super::service::{Back, Signed, Site, site};
use crate::core::Access;
use crate::error::Error;
use crate::throttle::ClientKey;
use crate::web::pages::url_encode;
use crate::web::{AppState, Method, Routes, Scope, cookie, set_cookie};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Visitor)
        .public(Method::Get, "/p/{hospital_code}", "患者服务首页", home)
        .public(Method::Get, "/p/{hospital_code}/login", "患者登录：手机号验证码", sign_in_page)
        .public(Method::Post, "/p/{hospital_code}/login", "患者登录：获取验证码、登录", sign_in)
        .public(Method::Get, "/p/{hospital_code}/login/wechat", "患者登录：跳转微信授权", wechat_begin)
        .public(Method::Get, "/p/{hospital_code}/login/wechat/back", "患者登录：微信授权回调", wechat_back)
        .public(Method::Get, "/p/{hospital_code}/me", "患者：我的（登录手机号、微信绑定）", me)
        .public_confirmed(Method::Post, "/p/{hospital_code}/me/wechat/unbind", "患者：解除微信绑定", unbind)
        .public(Method::Post, "/p/{hospital_code}/logout", "患者：退出登录", sign_out)
}

pub type R = Result<Response, Response>;

/// The browser's nonce for WeChat's round trip (binds `state` and a pending binding to it).
const BROWSER_COOKIE: &str = "hops_wx";
/// A pending openid binding waiting for the patient's SMS code.
const BIND_COOKIE: &str = "hops_wx_bind";
/// WeChat sign-ins started by one caller: each stores a one-time `state`.
const WECHAT_RATE: crate::throttle::Rate =
    crate::throttle::Rate { name: "patient.wechat", per_hour: 60, burst: 10, hospital_per_hour: 12_000, message: "微信登录太频繁" };

#[derive(Template)]
#[template(path = "patient/message.html")]
struct MessagePage<'a> {
    hospital: &'a str,
    base: &'a str,
    service: &'a str,
    title: &'a str,
    message: &'a str,
    back: &'a str,
    back_label: &'a str,
}

fn message_page(hospital: &str, base: &str, status: StatusCode, title: &str, message: &str, back: &str) -> Response {
    let back_label = if back == base { "返回首页" } else { "返回" };
    let page = MessagePage { hospital, base, service: "患者服务", title, message, back, back_label };
    (status, Html(page.render().unwrap_or_else(|_| message.to_string()))).into_response()
}

/// The messages of a refusal: its fields' messages, else its own.
pub fn messages(e: &Error) -> Vec<String> {
    if e.fields().is_empty() { vec![e.public_message()] } else { e.fields().iter().map(|f| f.message.clone()).collect() }
}

/// `page` answering `status` (a form shown again with what was wrong).
pub fn with_status(status: u16, mut page: Response) -> Response {
    *page.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    page
}

/// A page of a hospital that could not be found (no shell of a hospital to show it in).
fn no_site(e: Error) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(error = %e, "patient page");
    }
    message_page("互联网医院", "/", status, "出错了", &e.public_message(), "/")
}

impl Site {
    /// A page inside the H5 shell that says one thing, with a way back and the home link.
    pub fn message(&self, status: StatusCode, title: &str, message: &str, back: &str) -> Response {
        message_page(&self.name, &self.home(), status, title, message, back)
    }

    /// An error as a page inside the H5 shell (internal errors logged, never shown in detail).
    pub fn fail(&self, e: Error) -> Response {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!(error = %e, "patient page");
        }
        let title = match status.as_u16() {
            401 => "请先登录",
            404 => "未找到",
            429 => "操作太频繁",
            _ => "出错了",
        };
        self.message(status, title, &e.public_message(), "javascript:history.back()")
    }

    /// Renders a page of this site (a template error is a page too).
    pub fn render(&self, t: impl Template) -> R {
        t.render().map(|h| Html(h).into_response()).map_err(|e| self.fail(Error::Internal(e.into())))
    }

    /// The `Set-Cookie` of a session of `kind` (every patient page of the hospital).
    pub fn session_cookie(&self, kind: Kind, token: &str) -> String {
        set_cookie(self.access.core(), kind.cookie(), token, &self.home(), Some(kind.absolute_seconds()))
    }

    /// The `Set-Cookie` that clears a session cookie of `kind`.
    pub fn clear_cookie(&self, kind: Kind) -> String {
        set_cookie(self.access.core(), kind.cookie(), "", &self.home(), Some(0))
    }

    /// The patient sign-in page, back to `next` afterwards.
    pub fn sign_in_path(&self, next: &str) -> String {
        format!("{}/login?next={}", self.home(), url_encode(next))
    }
}

/// A kind of session a patient page asks for, and where its sign-in page is.
pub trait SignInKind: Send + Sync + 'static {
    const KIND: Kind;
    /// The sign-in page of this kind on `site`, back to `next` (a path of the site) afterwards.
    fn sign_in(site: &Site, next: &str) -> String;
}

/// Patients sign in on the hospital's one sign-in page.
pub struct AsPatient;

impl SignInKind for AsPatient {
    const KIND: Kind = Kind::Patient;
    fn sign_in(site: &Site, next: &str) -> String {
        site.sign_in_path(next)
    }
}

/// A patient page with a live session of kind `K`: the site and the visitor's access.
pub struct SignedIn<K: SignInKind = AsPatient> {
    pub site: Site,
    pub signed: Signed,
    token: String,
    kind: PhantomData<K>,
}

/// A patient's page (`Visitor::Patient` of the proven phone).
pub type PatientPage = SignedIn<AsPatient>;
/// A patient page that also serves visitors who have not signed in.
pub type PatientVisit = Visit<AsPatient>;

impl<K: SignInKind> SignedIn<K> {
    pub fn access(&self) -> &Access {
        &self.signed.access
    }

    /// The session's cookie token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The token forms of the session's pages carry, so a page of another site cannot submit
    /// them (on top of the SameSite cookie).
    pub fn form_token(&self) -> String {
        crate::crypto::sha256_hex(&format!("h5-form:{}", self.token))[..32].to_string()
    }

    /// Refuses a form without the session's [`SignedIn::form_token`] (`_t`).
    pub fn check_form(&self, form: &BTreeMap<String, String>) -> Result<(), Response> {
        if form.get("_t").is_some_and(|t| *t == self.form_token()) {
            Ok(())
        } else {
            Err(self.site.message(StatusCode::FORBIDDEN, "页面已过期", "页面已过期，请返回刷新后重试。", &self.site.home()))
        }
    }
}

/// A patient page where signing in is optional: the site and the session of kind `K`, if any.
pub struct Visit<K: SignInKind = AsPatient> {
    pub site: Site,
    pub signed: Option<SignedIn<K>>,
}

async fn visit<K: SignInKind>(parts: &Parts, state: &AppState) -> Result<Visit<K>, Response> {
    let code = model::hospital_of(parts.uri.path()).ok_or_else(|| no_site(Error::not_found("医院")))?;
    let s = site(state.core(), code).await.map_err(no_site)?;
    let Some(token) = cookie(&parts.headers, K::KIND.cookie()).map(str::to_string) else { return Ok(Visit { site: s, signed: None }) };
    match s.resolve(K::KIND, &token).await {
        Ok(Some(signed)) => Ok(Visit { site: s.clone(), signed: Some(SignedIn { site: s, signed, token, kind: PhantomData }) }),
        Ok(None) => Ok(Visit { site: s, signed: None }),
        Err(e) => Err(s.fail(e)),
    }
}

impl<K: SignInKind> FromRequestParts<AppState> for Visit<K> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        visit::<K>(parts, state).await
    }
}

impl<K: SignInKind> FromRequestParts<AppState> for SignedIn<K> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let v = visit::<K>(parts, state).await?;
        if let Some(signed) = v.signed {
            return Ok(signed);
        }
        let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let target = K::sign_in(&v.site, here);
        if parts.method == axum::http::Method::GET || parts.method == axum::http::Method::HEAD {
            return Err(Redirect::to(&target).into_response());
        }
        Err(v.site.message(
            StatusCode::UNAUTHORIZED,
            "请先登录",
            "登录已过期，请重新获取短信验证码登录后再试。",
            &K::sign_in(&v.site, &v.site.home()),
        ))
    }
}

// ---- sign in ----

#[derive(Template)]
#[template(path = "patient/sign_in.html")]
struct SignInPage {
    hospital: String,
    base: String,
    action: String,
    next: String,
    phone: String,
    notice: String,
    errors: Vec<String>,
    /// The WeChat sign-in link, when WeChat login is on.
    wechat: Option<String>,
    /// A WeChat sign-in waits for the phone to be proved once.
    binding: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
    bind: Option<String>,
}

fn sign_in_view(s: &Site, next: &str, phone: &str, notice: &str, errors: Vec<String>, binding: bool) -> R {
    let wechat = super::wechat::login_account(s.access.core()).map(|_| format!("{}/login/wechat?next={}", s.home(), url_encode(next)));
    s.render(SignInPage {
        hospital: s.name.clone(),
        base: s.home(),
        action: format!("{}/login", s.home()),
        next: next.to_string(),
        phone: phone.to_string(),
        notice: notice.to_string(),
        errors,
        wechat,
        binding,
    })
}

async fn sign_in_page(v: PatientVisit, Query(q): Query<NextQuery>) -> R {
    let next = model::next_of(&v.site.code, q.next.as_deref());
    if v.signed.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    sign_in_view(&v.site, &next, "", "", Vec::new(), q.bind.is_some())
}

/// The pending WeChat binding of this browser, if any: (binding token, browser nonce).
fn pending_bind(headers: &HeaderMap) -> Option<(String, String)> {
    Some((cookie(headers, BIND_COOKIE)?.to_string(), cookie(headers, BROWSER_COOKIE)?.to_string()))
}

async fn sign_in(
    v: PatientVisit,
    ClientKey(caller): ClientKey,
    headers: HeaderMap,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> R {
    let s = &v.site;
    let phone = form.get("phone").map_or("", |p| p.trim());
    let next = model::next_of(&s.code, form.get("next").map(String::as_str));
    let bind = pending_bind(&headers);
    let refused = |e: Error| -> R { Ok(with_status(e.status(), sign_in_view(s, &next, phone, "", messages(&e), bind.is_some())?)) };
    if form.contains_key("send_code") {
        let sent = match super::service::parse_phone(phone, "phone") {
            Ok(p) => s.send_code(&p, model::SIGN_IN_PURPOSE, &caller).await,
            Err(e) => Err(e),
        };
        return match sent {
            Ok(()) => sign_in_view(s, &next, phone, "验证码已发送，请查看短信", Vec::new(), bind.is_some()),
            Err(e) if e.status() < 500 => refused(e),
            Err(e) => Err(s.fail(e)),
        };
    }
    let code = form.get("code").map_or("", String::as_str);
    match s.sign_in(phone, code, bind.as_ref().map(|(b, n)| (b.as_str(), n.as_str()))).await {
        Ok(token) => {
            let mut r = Redirect::to(&next).into_response();
            append_cookie(&mut r, &s.session_cookie(Kind::Patient, &token));
            if bind.is_some() {
                append_cookie(&mut r, &set_cookie(s.access.core(), BIND_COOKIE, "", &s.home(), Some(0)));
            }
            Ok(r)
        }
        Err(e) if e.status() < 500 => refused(e),
        Err(e) => Err(s.fail(e)),
    }
}

fn append_cookie(r: &mut Response, c: &str) {
    if let Ok(v) = c.parse() {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

async fn sign_out(v: PatientVisit, axum::Form(form): axum::Form<BTreeMap<String, String>>) -> R {
    let s = &v.site;
    if let Some(page) = &v.signed
        && page.check_form(&form).is_ok()
    {
        s.sign_out(page.token()).await.map_err(|e| s.fail(e))?;
    }
    let mut r = Redirect::to(&s.sign_in_path(&s.home())).into_response();
    append_cookie(&mut r, &s.clear_cookie(Kind::Patient));
    Ok(r)
}

// ---- WeChat ----

async fn wechat_begin(v: PatientVisit, ClientKey(caller): ClientKey, headers: HeaderMap, Query(q): Query<NextQuery>) -> R {
    let s = &v.site;
    let next = model::next_of(&s.code, q.next.as_deref());
    s.access.core().throttle.check(&WECHAT_RATE, s.access.hospital().0, &caller).map_err(|e| s.fail(e))?;
    let (browser, fresh) = match cookie(&headers, BROWSER_COOKIE) {
        Some(b) => (b.to_string(), false),
        None => (crate::crypto::random_token(16), true),
    };
    let Some(url) = s.wechat_begin(&browser, &next).await.map_err(|e| s.fail(e))? else {
        return Err(s.message(
            StatusCode::NOT_FOUND,
            "未开通微信登录",
            "本院未开通微信登录，请使用手机号验证码登录。",
            &s.sign_in_path(&next),
        ));
    };
    let mut r = Redirect::to(&url).into_response();
    if fresh {
        append_cookie(&mut r, &set_cookie(s.access.core(), BROWSER_COOKIE, &browser, &s.home(), None));
    }
    Ok(r)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BackQuery {
    code: String,
    state: String,
}

async fn wechat_back(Path(code): Path<String>, State(state): State<AppState>, headers: HeaderMap, Query(q): Query<BackQuery>) -> R {
    let s = site(state.core(), &code).await.map_err(no_site)?;
    let browser = cookie(&headers, BROWSER_COOKIE).unwrap_or("");
    match s.wechat_back(&q.code, &q.state, browser).await {
        Ok(Back::SignedIn { token, next }) => {
            let mut r = Redirect::to(&next).into_response();
            append_cookie(&mut r, &s.session_cookie(Kind::Patient, &token));
            Ok(r)
        }
        Ok(Back::MustBind { bind, next }) => {
            let mut r = Redirect::to(&format!("{}&bind=1", s.sign_in_path(&next))).into_response();
            append_cookie(&mut r, &set_cookie(s.access.core(), BIND_COOKIE, &bind, &s.home(), Some(model::PENDING_SECONDS)));
            Ok(r)
        }
        Err(e) if e.status() < 500 => Err(s.message(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
            "微信登录未完成",
            &e.public_message(),
            &s.sign_in_path(&s.home()),
        )),
        Err(e) => Err(s.fail(e)),
    }
}

// ---- home and me ----

/// The patient pages the modules offer on this site: (label, address).
fn links(state: &AppState, s: &Site) -> Vec<(String, String)> {
    state.modules().iter().flat_map(|m| m.h5_links()).map(|(label, path)| (label.to_string(), format!("{}{path}", s.home()))).collect()
}

#[derive(Template)]
#[template(path = "patient/home.html")]
struct HomePage {
    hospital: String,
    base: String,
    links: Vec<(String, String)>,
    phone: Option<String>,
}

async fn home(v: PatientVisit, State(state): State<AppState>) -> R {
    let s = &v.site;
    let phone = v.signed.as_ref().map(|p| p.signed.phone.masked());
    s.render(HomePage { hospital: s.name.clone(), base: s.home(), links: links(&state, s), phone })
}

#[derive(Template)]
#[template(path = "patient/me.html")]
struct MePage {
    hospital: String,
    base: String,
    phone_masked: String,
    wechat_login: bool,
    bindings: i64,
    links: Vec<(String, String)>,
    notice: String,
    form_token: String,
}

async fn me(p: PatientPage, State(state): State<AppState>, Query(q): Query<BTreeMap<String, String>>) -> R {
    let s = &p.site;
    let bindings = s.wechat_bindings(&p.signed).await.map_err(|e| s.fail(e))?;
    let links =
        state.modules().iter().flat_map(|m| m.h5_links()).map(|(label, path)| (label.to_string(), format!("{}{path}", s.home()))).collect();
    s.render(MePage {
        hospital: s.name.clone(),
        base: s.home(),
        phone_masked: p.signed.phone.masked(),
        wechat_login: super::wechat::login_account(s.access.core()).is_some(),
        bindings,
        links,
        notice: if q.contains_key("unbound") { "已解除微信绑定".into() } else { String::new() },
        form_token: p.form_token(),
    })
}

async fn unbind(p: PatientPage, axum::Form(form): axum::Form<BTreeMap<String, String>>) -> R {
    p.check_form(&form)?;
    let s = &p.site;
    s.unbind(&p.signed).await.map_err(|e| s.fail(e))?;
    Ok(Redirect::to(&format!("{}/me?unbound=1", s.home())).into_response())
}
