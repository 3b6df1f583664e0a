//! The employer contact's H5 pages (团检代预约, `/p/{hospital_code}/checkup/group…`): sign in
//! with an SMS code to the contact phone, the employers with their progress, the list of
//! listed people (masked) with a filter and pages, and booking a person's card on a date of
//! the employer's window on their behalf. Plain forms, no script.

// Handlers answer with a page either way; `Err` is the page of a refusal, not a rare error.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hops_kernel::{LocalDay, Money};
use hops_platform::Error;
use hops_platform::throttle::ClientKey;
use hops_platform::web::{AppState, Method, Routes, Scope};
use serde::Deserialize;

use super::h5::{R, fail, message, render};
use crate::booking::service::Refusal;
use crate::group::model::{Progress, Relation};
use crate::h5::group::{CONTACT_SESSION_HOURS, Contact, GroupBooking, Person};
use crate::h5::{Site, site};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Visitor)
        .public(Method::Get, "/p/{hospital_code}/checkup/group", "团检代预约（单位联系人）：登录与单位", home)
        .public(Method::Post, "/p/{hospital_code}/checkup/group/login", "团检代预约（单位联系人）：短信验证码登录", login)
        .public(Method::Post, "/p/{hospital_code}/checkup/group/logout", "团检代预约（单位联系人）：退出", logout)
        .public(Method::Get, "/p/{hospital_code}/checkup/group/employers/{employer}", "团检代预约（单位联系人）：人员名单与进度", roster)
        .public(Method::Get, "/p/{hospital_code}/checkup/group/people/{person}", "团检代预约（单位联系人）：人员与可约日期", person)
        .public(Method::Post, "/p/{hospital_code}/checkup/group/people/{person}/book", "团检代预约（单位联系人）：代预约", book)
}

const COOKIE: &str = "hops_h5_contact";
const PER_PAGE: usize = 20;
const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

fn base(s: &Site) -> String {
    format!("/p/{}/checkup/group", s.code)
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    hops_platform::web::cookie(headers, COOKIE).map(str::to_string)
}

/// The form token of a session: forms of the contact's pages carry it, so a page of another
/// site cannot submit them (on top of the SameSite cookie).
fn form_token(token: &str) -> String {
    hops_platform::crypto::sha256_hex(&format!("h5-contact-form:{token}"))[..32].to_string()
}

/// A signed-in contact on one hospital's pages.
struct Signed {
    site: Site,
    contact: Contact,
    token: String,
}

impl Signed {
    fn check_form(&self, form: &BTreeMap<String, String>) -> Result<(), Response> {
        if form.get("_t").is_some_and(|t| *t == form_token(&self.token)) {
            Ok(())
        } else {
            Err(message(StatusCode::FORBIDDEN, "页面已过期", "页面已过期，请返回刷新后重试。", &base(&self.site)))
        }
    }
}

/// The signed-in contact, or `None` (no cookie, an expired session, or a phone that is no
/// longer an employer's contact phone).
async fn contact(state: &AppState, headers: &HeaderMap, code: &str) -> Result<(Site, Option<(Contact, String)>), Response> {
    let s = site(state.core(), code).await.map_err(fail)?;
    let found = match cookie_token(headers) {
        Some(t) => s.contact(&t).await.map_err(fail)?.map(|c| (c, t)),
        None => None,
    };
    Ok((s, found))
}

/// The signed-in contact; a page asking to sign in otherwise (GET: back to the sign-in page).
async fn signed_in(state: &AppState, headers: &HeaderMap, code: &str, get: bool) -> Result<Signed, Response> {
    match contact(state, headers, code).await? {
        (site, Some((contact, token))) => Ok(Signed { site, contact, token }),
        (s, None) if get => Err(Redirect::to(&base(&s)).into_response()),
        (s, None) => Err(message(StatusCode::UNAUTHORIZED, "请先登录", "登录已过期，请用联系人手机号重新获取验证码登录。", &base(&s))),
    }
}

// ---- sign in ----

#[derive(Template)]
#[template(path = "h5_group_login.html")]
struct LoginPage {
    hospital: String,
    base: String,
    form_token: String,
    phone: String,
    notice: String,
    errors: Vec<String>,
}

fn login_page(s: &Site, phone: &str, notice: &str, errors: Vec<String>) -> R {
    render(LoginPage {
        hospital: s.name.clone(),
        base: base(s),
        form_token: String::new(),
        phone: phone.to_string(),
        notice: notice.to_string(),
        errors,
    })
}

fn messages(e: &Error) -> Vec<String> {
    if e.fields().is_empty() { vec![e.public_message()] } else { e.fields().iter().map(|f| f.message.clone()).collect() }
}

fn with_status(status: u16, page: Response) -> Response {
    let mut page = page;
    *page.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    page
}

async fn login(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ClientKey(caller): ClientKey,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> R {
    let s = site(state.core(), &code).await.map_err(fail)?;
    let phone = form.get("phone").map_or("", |p| p.trim());
    if form.contains_key("send_code") {
        return match s.contact_send_code(phone, &caller).await {
            Ok(()) => login_page(&s, phone, "验证码已发送，请查看短信", Vec::new()),
            Err(e) if e.status() < 500 => Ok(with_status(e.status(), login_page(&s, phone, "", messages(&e))?)),
            Err(e) => Err(fail(e)),
        };
    }
    match s.contact_sign_in(phone, form.get("code").map_or("", String::as_str)).await {
        Ok(token) => {
            let cookie = hops_platform::web::set_cookie(state.core(), COOKIE, &token, &base(&s), Some(CONTACT_SESSION_HOURS * 3600));
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&base(&s))).into_response())
        }
        Err(e) if e.status() < 500 => Ok(with_status(e.status(), login_page(&s, phone, "", messages(&e))?)),
        Err(e) => Err(fail(e)),
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> R {
    let (s, found) = contact(&state, &headers, &code).await?;
    if let Some((_, token)) = &found
        && form.get("_t").is_some_and(|t| *t == form_token(token))
    {
        s.contact_sign_out(token).await.map_err(fail)?;
    }
    let clear = hops_platform::web::set_cookie(state.core(), COOKIE, "", &base(&s), Some(0));
    Ok(([(header::SET_COOKIE, clear)], Redirect::to(&base(&s))).into_response())
}

// ---- employers ----

struct EmployerCard {
    code: String,
    name: String,
    window: String,
    listed: usize,
    counts: Vec<(&'static str, &'static str, usize)>,
}

#[derive(Template)]
#[template(path = "h5_group_home.html")]
struct HomePage {
    hospital: String,
    base: String,
    form_token: String,
    employers: Vec<EmployerCard>,
}

fn window(w: Option<(LocalDay, LocalDay)>) -> String {
    w.map_or_else(|| "不限".to_string(), |(a, b)| format!("{a} 至 {b}"))
}

async fn home(State(state): State<AppState>, headers: HeaderMap, Path(code): Path<String>) -> R {
    let (s, found) = contact(&state, &headers, &code).await?;
    let Some((c, token)) = found else { return login_page(&s, "", "", Vec::new()) };
    let employers = s
        .contact_overview(&c)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|o| EmployerCard {
            code: o.employer.code.clone(),
            name: o.employer.name.clone(),
            window: window(o.employer.window),
            listed: o.listed,
            counts: Progress::ALL.iter().map(|p| (p.code(), p.label_zh(), o.counts.get(p).copied().unwrap_or(0))).collect(),
        })
        .collect();
    render(HomePage { hospital: s.name.clone(), base: base(&s), form_token: form_token(&token), employers })
}

// ---- the list ----

struct Row {
    id: i64,
    name: String,
    relation: &'static str,
    department: String,
    phone_masked: String,
    card: String,
    progress: Progress,
    booked: Option<GroupBooking>,
}

#[derive(Template)]
#[template(path = "h5_group_roster.html")]
struct RosterPage {
    hospital: String,
    base: String,
    form_token: String,
    employer: String,
    employer_code: String,
    window: String,
    /// (code, label, count, chosen)
    filters: Vec<(&'static str, &'static str, usize, bool)>,
    filter_label: &'static str,
    rows: Vec<Row>,
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct RosterQuery {
    progress: Option<String>,
    page: Option<usize>,
}

async fn roster(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((code, employer)): Path<(String, String)>,
    Query(q): Query<RosterQuery>,
) -> R {
    let me = signed_in(&state, &headers, &code, true).await?;
    let r = me.site.contact_roster(&me.contact, &employer).await.map_err(|e| {
        if e.status() == 404 {
            message(StatusCode::NOT_FOUND, "未找到单位", "您不是该单位的联系人，或单位不存在。", &base(&me.site))
        } else {
            fail(e)
        }
    })?;
    // 未预约 first: the people the contact is here for.
    let chosen = match q.progress.as_deref() {
        Some("all") => None,
        Some(p) => Some(Progress::from_code(p).unwrap_or(Progress::NotBooked)),
        None => Some(Progress::NotBooked),
    };
    let mut filters: Vec<_> = Progress::ALL.iter().map(|p| (p.code(), p.label_zh(), r.counts[p], chosen == Some(*p))).collect();
    filters.push(("all", "全部", r.people.len(), chosen.is_none()));
    let filter_label = chosen.map_or("全部", Progress::label_zh);
    let mut bookings = r.bookings;
    let matching: Vec<_> = r.people.into_iter().filter(|t| chosen.is_none_or(|p| t.progress == p)).collect();
    let pages = matching.len().div_ceil(PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let rows = matching
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|t| Row {
            id: t.person.id,
            relation: if t.person.relation == Relation::Employee { "" } else { t.person.relation.label_zh() },
            department: t.person.department,
            phone_masked: t.person.phone_masked,
            card: r.plans.get(&t.person.plan).map_or_else(|| t.person.plan.clone(), |p| p.name.clone()),
            progress: t.progress,
            booked: bookings.remove(&t.person.id),
            name: t.person.name,
        })
        .collect();
    let here = format!("{}/employers/{}?progress={}", base(&me.site), r.employer.code, chosen.map_or("all", Progress::code));
    render(RosterPage {
        hospital: me.site.name.clone(),
        base: base(&me.site),
        form_token: form_token(&me.token),
        employer: r.employer.name.clone(),
        employer_code: r.employer.code.clone(),
        window: window(r.employer.window),
        filters,
        filter_label,
        rows,
        page,
        pages,
        prev: (page > 1).then(|| format!("{here}&page={}", page - 1)),
        next: (page < pages).then(|| format!("{here}&page={}", page + 1)),
    })
}

// ---- one person: dates and booking ----

#[derive(Template)]
#[template(path = "h5_group_person.html")]
struct PersonPage {
    hospital: String,
    base: String,
    form_token: String,
    p: Person,
    relation: &'static str,
    /// (value, label, places left)
    days: Vec<(String, String, i64)>,
    date: String,
    employer_pays: Option<Money>,
    person_pays: Option<Money>,
    request: String,
    notice: String,
    errors: Vec<String>,
}

#[derive(Deserialize)]
pub struct PersonQuery {
    ok: Option<String>,
}

async fn person_page(me: &Signed, id: i64, date: &str, notice: &str, errors: Vec<String>) -> R {
    let p = me.site.contact_person(&me.contact, id).await.map_err(|e| {
        if e.status() == 404 {
            message(StatusCode::NOT_FOUND, "未找到受检人", "该人员不在您所联系单位的名单中。", &base(&me.site))
        } else {
            fail(e)
        }
    })?;
    let days = p
        .days
        .iter()
        .map(|(d, left)| (d.to_string(), format!("{} 周{}", d, WEEKDAYS[d.weekday().to_monday_zero_offset() as usize]), *left))
        .collect();
    render(PersonPage {
        hospital: me.site.name.clone(),
        base: base(&me.site),
        form_token: form_token(&me.token),
        relation: p.person.person.relation.label_zh(),
        employer_pays: p.split.as_ref().map(|s| s.employer),
        person_pays: p.split.as_ref().map(|s| s.person),
        days,
        date: date.to_string(),
        p,
        request: hops_platform::crypto::random_token(12),
        notice: notice.to_string(),
        errors,
    })
}

async fn person(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, i64)>,
    Query(q): Query<PersonQuery>,
) -> R {
    let me = signed_in(&state, &headers, &code, true).await?;
    let notice = match q.ok.as_deref() {
        Some("booked") => "代预约成功",
        Some("again") => "该预约此前已提交成功，未重复预约",
        _ => "",
    };
    person_page(&me, id, "", notice, Vec::new()).await
}

async fn book(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((code, id)): Path<(String, i64)>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> R {
    let me = signed_in(&state, &headers, &code, false).await?;
    me.check_form(&form)?;
    let date = form.get("date").map_or("", |d| d.trim());
    let request = form.get("request").map_or("", String::as_str);
    let here = format!("{}/people/{id}", base(&me.site));
    match me.site.contact_book(&me.contact, id, date, request).await {
        Ok(Ok(b)) => Ok(Redirect::to(&format!("{here}?ok={}", if b.created { "booked" } else { "again" })).into_response()),
        Ok(Err(Refusal::Rules(v))) => {
            let errors = v.into_iter().map(|v| v.message).collect();
            Ok(with_status(422, person_page(&me, id, date, "", errors).await?))
        }
        Err(e) if e.status() == 404 => {
            Err(message(StatusCode::NOT_FOUND, "未找到受检人", "该人员不在您所联系单位的名单中。", &base(&me.site)))
        }
        Err(e) if e.status() < 500 => Ok(with_status(e.status(), person_page(&me, id, date, "", messages(&e)).await?)),
        Err(e) => Err(fail(e)),
    }
}
