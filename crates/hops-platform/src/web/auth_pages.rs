//! Sign-in, sign-out, second-factor enrolment and the home dashboard.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiResult, PageError, PageResult};
use super::extract::{Api, Form, Json, Page};
use super::middleware::SESSION_COOKIE;
use super::pages::safe_next;
use super::routes::{ApiDoc, Method, Routes, Scope};
use super::shell::{ChartPanel, Shell, Tile};
use crate::accounts::model::Permission;
use crate::accounts::service::{self as accounts, LoginInput, SessionKind};
use crate::error::Error;
use crate::throttle::ClientKey;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Public)
        .public(Method::Get, "/login", "登录页", login_page)
        .public(Method::Post, "/login", "登录", login_submit)
        .scope(Scope::Own)
        .page(Method::Post, "/logout", "退出登录", logout)
        .page(Method::Get, "/account/totp", "绑定动态验证码", totp_page)
        .page(Method::Post, "/account/totp", "确认绑定动态验证码", totp_submit)
        .scope(Scope::Hospital)
        .page(Method::Get, "/", "首页", dashboard)
        .scope(Scope::Public)
        .public_api(
            Method::Post,
            "/api/v1/auth/login",
            ApiDoc::new("认证", "登录并取得访问令牌")
                .describe("管理员角色须同时提供 totp（动态验证码，每个验证码只能使用一次）。连续 5 次失败锁定 15 分钟（锁定、停用与未知账户的应答相同）；同一来源或同一账户失败过多时暂停尝试（429）；令牌空闲 30 分钟失效。")
                .body::<LoginRequest>()
                .returns::<LoginResponse>()
                .error(401, "医院编码、账号、密码或动态验证码错误（账户锁定或停用时同样如此）")
                .error(403, "管理员须先在网页端绑定动态验证码")
                .error(429, "登录失败次数过多，请稍后再试"),
            api_login,
        )
        .scope(Scope::Own)
        .api(Method::Post, "/api/v1/auth/logout", ApiDoc::new("认证", "注销当前令牌").status(204), api_logout)
        .api(Method::Get, "/api/v1/me", ApiDoc::new("认证", "当前用户").returns::<MeResponse>(), api_me)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    hospital: String,
    username: String,
    next: String,
    error: Option<String>,
    asset_version: &'static str,
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
    hospital: Option<String>,
}

async fn login_page(Query(q): Query<LoginQuery>) -> PageResult<Html<String>> {
    let page = LoginPage {
        hospital: q.hospital.unwrap_or_default(),
        username: String::new(),
        next: safe_next(q.next.as_deref()),
        error: None,
        asset_version: env!("CARGO_PKG_VERSION"),
    };
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    hospital: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
    next: Option<String>,
}

async fn login_submit(State(state): State<AppState>, ClientKey(caller): ClientKey, Form(f): Form<LoginForm>) -> PageResult<Response> {
    let totp = f.totp.trim();
    let result = accounts::login(
        state.core(),
        LoginInput {
            hospital: &f.hospital,
            username: &f.username,
            password: &f.password,
            totp: (!totp.is_empty()).then_some(totp),
            kind: SessionKind::Web,
            caller: &caller,
        },
    )
    .await;
    match result {
        Ok(outcome) => {
            let target = if outcome.must_enrol_totp { "/account/totp".to_string() } else { safe_next(f.next.as_deref()) };
            let cookie = super::set_cookie(state.core(), SESSION_COOKIE, &outcome.token, "/", None);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&target)).into_response())
        }
        Err(Error::Client { status, message, .. }) => {
            let page = LoginPage {
                hospital: f.hospital,
                username: f.username,
                next: safe_next(f.next.as_deref()),
                error: Some(message),
                asset_version: env!("CARGO_PKG_VERSION"),
            };
            let code = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::UNAUTHORIZED);
            Ok((code, Html(page.render().map_err(anyhow::Error::from)?)).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

async fn logout(page: Page) -> PageResult<Response> {
    accounts::logout(&page.session).await?;
    let clear = super::set_cookie(page.session.access.core(), SESSION_COOKIE, "", "/", Some(0));
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    shell: Shell,
    qr_svg: String,
    secret: String,
    error: Option<String>,
}

async fn totp_page(page: Page) -> PageResult<Response> {
    if !page.session.must_enrol_totp {
        return Ok(Redirect::to("/").into_response());
    }
    render_totp(&page, None).await
}

async fn render_totp(page: &Page, error: Option<String>) -> PageResult<Response> {
    let enrolment = accounts::begin_totp(page.access()).await?;
    let qr_svg = super::qr_svg(&enrolment.otpauth_url, 200)?;
    let t = TotpPage { shell: page.shell("绑定动态验证码"), qr_svg, secret: enrolment.secret_base32, error };
    Ok(Html(t.render().map_err(anyhow::Error::from)?).into_response())
}

#[derive(Deserialize)]
struct TotpForm {
    #[serde(default)]
    code: String,
}

async fn totp_submit(page: Page, Form(f): Form<TotpForm>) -> PageResult<Response> {
    match accounts::finish_totp(&page.session, &f.code).await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(Error::Client { message, .. }) => render_totp(&page, Some(message)).await,
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    shell: Shell,
    work: std::sync::Arc<super::Work>,
    /// Where a user with nothing waiting can go: the kinds of work with nothing now, then the
    /// navigation's entries (label, href).
    links: Vec<(String, String)>,
    /// Hospital figures are shown (the user's job is them).
    figures: bool,
    tiles: Vec<Tile>,
    charts: Vec<ChartPanel>,
    jobs: Vec<(String, i64)>,
    today: String,
}

/// Whose home shows the hospital's figures below their work: those whose job is the figures
/// (operators, administrators, finance, auditors). Clinical and service staff see their work.
pub const HOME_FIGURES: Permission = Permission::AnalyticsRead;

async fn dashboard(page: Page) -> PageResult<Html<String>> {
    let access = page.access();
    access.require(Permission::DashboardView)?;
    let figures = access.can(HOME_FIGURES);
    // The modules' figures, remembered per user for a few seconds (cleared by any change of
    // the hospital, see crate::memo): a dashboard left open or opened by many stays cheap.
    let key = format!("dashboard:{}", access.actor().user_id.map_or(0, |u| u.0));
    let cached = if figures { access.core().memo.get::<(Vec<Tile>, Vec<ChartPanel>)>(access.hospital(), &key) } else { None };
    let (tiles, charts) = match cached {
        _ if !figures => (Vec::new(), Vec::new()),
        Some(cached) => (*cached).clone(),
        None => {
            let mut tiles = Vec::new();
            let mut charts = Vec::new();
            for m in page.state().modules() {
                tiles.extend(m.tiles(access).await?);
                charts.extend(m.charts(access).await?);
            }
            access.core().memo.put(access.hospital(), &key, std::sync::Arc::new((tiles.clone(), charts.clone())));
            (tiles, charts)
        }
    };
    let jobs = if access.can(Permission::JobsManage) {
        crate::jobs::counts(access).await?.into_iter().map(|(s, n)| (s.label_zh().to_string(), n)).collect()
    } else {
        Vec::new()
    };
    let today = access.now().local_day().to_string();
    let shell = page.shell("首页");
    let work = page.work();
    let mut links: Vec<(String, String)> = work.idle().iter().map(|w| (w.label.clone(), w.href.clone())).collect();
    for l in shell.nav.iter().flat_map(|g| &g.links).filter(|l| l.href != "/") {
        if !links.iter().any(|(_, h)| h.split('?').next() == Some(l.href)) {
            links.push((l.label.to_string(), l.href.to_string()));
        }
    }
    links.truncate(12);
    let t = DashboardPage { shell, work, links, figures, tiles, charts, jobs, today };
    Ok(Html(t.render().map_err(anyhow::Error::from)?))
}

// ---- API ----

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Hospital code (医院编码).
    hospital: String,
    username: String,
    password: String,
    /// Six-digit TOTP code; required for admin roles.
    totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    /// Seconds of inactivity after which the token stops working.
    idle_timeout_seconds: i64,
}

async fn api_login(
    State(state): State<AppState>,
    ClientKey(caller): ClientKey,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let outcome = accounts::login(
        state.core(),
        LoginInput {
            hospital: &req.hospital,
            username: &req.username,
            password: &req.password,
            totp: req.totp.as_deref(),
            kind: SessionKind::Api,
            caller: &caller,
        },
    )
    .await?;
    Ok(Json(LoginResponse { token: outcome.token, idle_timeout_seconds: state.core().config.session_idle_minutes * 60 }))
}

async fn api_logout(api: Api) -> ApiResult<axum::http::StatusCode> {
    accounts::logout(&api.session).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    hospital_id: i64,
    hospital_name: String,
    user_id: Option<i64>,
    username: String,
    display_name: String,
    role: String,
    role_label: String,
}

async fn api_me(api: Api) -> ApiResult<Json<MeResponse>> {
    let a = api.access();
    let actor = a.actor();
    Ok(Json(MeResponse {
        hospital_id: a.hospital().0,
        hospital_name: api.session.hospital_name.clone(),
        user_id: actor.user_id.map(|u| u.0),
        username: actor.username.clone(),
        display_name: actor.display_name.clone(),
        role: actor.role.map(|r| r.code()).unwrap_or("system").into(),
        role_label: actor.role.map(|r| r.label_zh()).unwrap_or("系统").into(),
    }))
}
