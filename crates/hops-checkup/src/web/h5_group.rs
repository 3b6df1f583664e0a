//! The employer contact's H5 pages (团检代预约, `/p/{hospital_code}/checkup/group…`): sign in
//! with an SMS code to the contact phone, the employers with their progress, the list of
//! listed people (masked) with a filter and pages, and booking a person's card on a date of
//! the employer's window on their behalf. Plain forms, no script.

// Handlers answer with a page either way; `Err` is the page of a refusal, not a rare error.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hops_kernel::{LocalDay, Money};
use hops_platform::patient::web::{messages, with_status};
use hops_platform::patient::{Kind, Visit};
use hops_platform::throttle::ClientKey;
use hops_platform::web::{Method, Routes, Scope};
use serde::Deserialize;

use super::h5::R;
use crate::booking::service::Refusal;
use crate::group::model::{Progress, Relation};
use crate::h5::Site;
use crate::h5::group::{AsContact, Contact, ContactPage, GroupBooking, Person};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Visitor)
        .public(Method::Get, "/p/{hospital_code}/checkup/group", "团检代预约（单位联系人）：登录与单位", home)
        .public(Method::Post, "/p/{hospital_code}/checkup/group/login", "团检代预约（单位联系人）：短信验证码登录", login)
        .public(Method::Post, "/p/{hospital_code}/checkup/group/logout", "团检代预约（单位联系人）：退出", logout)
        .public(Method::Get, "/p/{hospital_code}/checkup/group/employers/{employer}", "团检代预约（单位联系人）：人员名单与进度", roster)
        .public(Method::Get, "/p/{hospital_code}/checkup/group/people/{person}", "团检代预约（单位联系人）：人员与可约日期", person)
        .public(Method::Post, "/p/{hospital_code}/checkup/group/people/{person}/book", "团检代预约（单位联系人）：代预约", book)
}

const PER_PAGE: usize = 20;
const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

fn base(s: &Site) -> String {
    format!("{}/checkup/group", s.home())
}

/// A signed-in contact on one hospital's pages.
struct Signed {
    site: Site,
    contact: Contact,
    page: ContactPage,
}

impl Signed {
    fn form_token(&self) -> String {
        self.page.form_token()
    }
}

/// The signed-in contact of a contact session, or `None` when the phone is no longer an
/// employer's contact phone.
async fn contact_of(page: ContactPage) -> Result<Option<Signed>, Response> {
    let site = Site(page.site.clone());
    match site.contact(&page.signed).await {
        Ok(Some(contact)) => Ok(Some(Signed { site, contact, page })),
        Ok(None) => Ok(None),
        Err(e) => Err(site.fail(e)),
    }
}

/// The signed-in contact; a page asking to sign in otherwise (GET: back to the sign-in page).
async fn signed_in(page: ContactPage, get: bool) -> Result<Signed, Response> {
    let site = Site(page.site.clone());
    match contact_of(page).await? {
        Some(me) => Ok(me),
        None if get => Err(Redirect::to(&base(&site)).into_response()),
        None => Err(site.message(StatusCode::UNAUTHORIZED, "请先登录", "登录已过期，请用联系人手机号重新获取验证码登录。", &base(&site))),
    }
}

// ---- sign in ----

#[derive(Template)]
#[template(path = "h5_group_login.html")]
struct LoginPage {
    hospital: String,
    base: String,
    action: String,
    next: String,
    form_token: String,
    phone: String,
    notice: String,
    errors: Vec<String>,
}

fn login_page(s: &Site, phone: &str, notice: &str, errors: Vec<String>) -> R {
    s.render(LoginPage {
        hospital: s.name.clone(),
        base: base(s),
        action: format!("{}/login", base(s)),
        next: String::new(),
        form_token: String::new(),
        phone: phone.to_string(),
        notice: notice.to_string(),
        errors,
    })
}

async fn login(v: Visit<AsContact>, ClientKey(caller): ClientKey, axum::Form(form): axum::Form<BTreeMap<String, String>>) -> R {
    let s = Site(v.site);
    let phone = form.get("phone").map_or("", |p| p.trim());
    if form.contains_key("send_code") {
        return match s.contact_send_code(phone, &caller).await {
            Ok(()) => login_page(&s, phone, "验证码已发送，请查看短信", Vec::new()),
            Err(e) if e.status() < 500 => Ok(with_status(e.status(), login_page(&s, phone, "", messages(&e))?)),
            Err(e) => Err(s.fail(e)),
        };
    }
    match s.contact_sign_in(phone, form.get("code").map_or("", String::as_str)).await {
        Ok(token) => Ok(([(header::SET_COOKIE, s.session_cookie(Kind::Contact, &token))], Redirect::to(&base(&s))).into_response()),
        Err(e) if e.status() < 500 => Ok(with_status(e.status(), login_page(&s, phone, "", messages(&e))?)),
        Err(e) => Err(s.fail(e)),
    }
}

async fn logout(v: Visit<AsContact>, axum::Form(form): axum::Form<BTreeMap<String, String>>) -> R {
    let s = Site(v.site);
    if let Some(page) = &v.signed
        && page.check_form(&form).is_ok()
    {
        s.sign_out(page.token()).await.map_err(|e| s.fail(e))?;
    }
    Ok(([(header::SET_COOKIE, s.clear_cookie(Kind::Contact))], Redirect::to(&base(&s))).into_response())
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

async fn home(v: Visit<AsContact>) -> R {
    let s = Site(v.site.clone());
    let found = match v.signed {
        Some(page) => contact_of(page).await?,
        None => None,
    };
    let Some(me) = found else { return login_page(&s, "", "", Vec::new()) };
    let employers = s
        .contact_overview(&me.contact)
        .await
        .map_err(|e| s.fail(e))?
        .into_iter()
        .map(|o| EmployerCard {
            code: o.employer.code.clone(),
            name: o.employer.name.clone(),
            window: window(o.employer.window),
            listed: o.listed,
            counts: Progress::ALL.iter().map(|p| (p.code(), p.label_zh(), o.counts.get(p).copied().unwrap_or(0))).collect(),
        })
        .collect();
    s.render(HomePage { hospital: s.name.clone(), base: base(&s), form_token: me.form_token(), employers })
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

async fn roster(page: ContactPage, Path((_, employer)): Path<(String, String)>, Query(q): Query<RosterQuery>) -> R {
    let me = signed_in(page, true).await?;
    let r = me.site.contact_roster(&me.contact, &employer).await.map_err(|e| {
        if e.status() == 404 {
            me.site.message(StatusCode::NOT_FOUND, "未找到单位", "您不是该单位的联系人，或单位不存在。", &base(&me.site))
        } else {
            me.site.fail(e)
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
    me.site.render(RosterPage {
        hospital: me.site.name.clone(),
        base: base(&me.site),
        form_token: me.form_token(),
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
            me.site.message(StatusCode::NOT_FOUND, "未找到受检人", "该人员不在您所联系单位的名单中。", &base(&me.site))
        } else {
            me.site.fail(e)
        }
    })?;
    let days = p
        .days
        .iter()
        .map(|(d, left)| (d.to_string(), format!("{} 周{}", d, WEEKDAYS[d.weekday().to_monday_zero_offset() as usize]), *left))
        .collect();
    me.site.render(PersonPage {
        hospital: me.site.name.clone(),
        base: base(&me.site),
        form_token: me.form_token(),
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

async fn person(page: ContactPage, Path((_, id)): Path<(String, i64)>, Query(q): Query<PersonQuery>) -> R {
    let me = signed_in(page, true).await?;
    let notice = match q.ok.as_deref() {
        Some("booked") => "代预约成功",
        Some("again") => "该预约此前已提交成功，未重复预约",
        _ => "",
    };
    person_page(&me, id, "", notice, Vec::new()).await
}

async fn book(page: ContactPage, Path((_, id)): Path<(String, i64)>, axum::Form(form): axum::Form<BTreeMap<String, String>>) -> R {
    let me = signed_in(page, false).await?;
    me.page.check_form(&form)?;
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
            Err(me.site.message(StatusCode::NOT_FOUND, "未找到受检人", "该人员不在您所联系单位的名单中。", &base(&me.site)))
        }
        Err(e) if e.status() < 500 => Ok(with_status(e.status(), person_page(&me, id, date, "", messages(&e)).await?)),
        Err(e) => Err(me.site.fail(e)),
    }
}
