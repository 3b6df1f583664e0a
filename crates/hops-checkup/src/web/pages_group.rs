//! Console pages of group checkups (团检单位: cards, discounts, list and progress, reminders)
//! and the check-in desk (签到台).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::LocalDay;
use hops_platform::tabular::{self, ImportReport, RowError};
use hops_platform::web::upload;
use hops_platform::web::{Form, Method, Page, PageError, PageResult, Pager, Paging, Routes, Scope};
use hops_platform::{Error, Permission};
use serde::Deserialize;

use crate::booking::desk;
use crate::booking::store::ListedBooking;
use crate::group::drafts::{self, EmployerDraft, PlanDraft};
use crate::group::model::{CardKind, Payer, Plan, Progress};
use crate::group::service::{self as group, Tracked};
use crate::group::{Employer, roster};
use hops_platform::web::flash;

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople)
        .page(Method::Get, "/checkup/groups", "团检单位", employers)
        .page(Method::Post, "/checkup/groups", "保存团检单位", save_employer)
        .page(Method::Get, "/checkup/groups/{employer_code}", "团检单位详情", detail)
        .page(Method::Post, "/checkup/groups/{employer_code}/plans", "保存团检卡", save_plan)
        .page(Method::Post, "/checkup/groups/{employer_code}/discounts", "保存加项折扣", save_discounts)
        .page(Method::Post, "/checkup/groups/{employer_code}/roster", "导入团检名单", import_roster)
        .page(Method::Get, "/checkup/groups/{employer_code}/roster.xlsx", "导出团检进度", export_roster)
        .page(Method::Get, "/checkup/groups/{employer_code}/roster-template.xlsx", "团检名单模板", roster_template)
        .page_confirmed(Method::Post, "/checkup/groups/{employer_code}/remind", "提醒未预约人员", remind)
        .page(Method::Get, "/checkup/desk", "签到台", desk_page)
        .page(Method::Post, "/checkup/desk/{booking_id}/check-in", "签到", check_in)
        .page(Method::Post, "/checkup/desk/{booking_id}/complete", "完成体检", complete)
}

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

/// Messages shown after a redirect, by code (never text from the query string).
const FLASH: &[(&str, &str)] = &[
    ("saved", "已保存"),
    ("plan_saved", "团检卡已保存"),
    ("discounts_saved", "加项折扣已保存"),
    ("checked_in", "已签到"),
    ("completed", "已完成体检"),
];

/// The text of a refusal: the message, or every field's message.
fn reason(e: &Error) -> Option<String> {
    match e {
        Error::Client { message, fields, .. } if fields.is_empty() => Some(message.clone()),
        Error::Client { fields, .. } => Some(fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；")),
        Error::Internal(_) => None,
    }
}

// ---- employers ----

#[derive(Template)]
#[template(path = "checkup_groups.html")]
struct EmployersPage {
    shell: hops_platform::web::Shell,
    rows: Vec<(Employer, BTreeMap<Progress, usize>, usize)>,
    can_manage: bool,
    error: String,
    form: EmployerForm,
}

impl EmployersPage {
    fn count(&self, counts: &BTreeMap<Progress, usize>, code: &str) -> usize {
        Progress::from_code(code).and_then(|p| counts.get(&p).copied()).unwrap_or(0)
    }
    fn booked(&self, counts: &BTreeMap<Progress, usize>) -> usize {
        counts.iter().filter(|(p, _)| **p != Progress::NotBooked).map(|(_, n)| n).sum()
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct EmployerForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact_name: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    window_from: String,
    #[serde(default)]
    window_to: String,
    #[serde(default)]
    addon_pct: String,
}

#[derive(Deserialize, Default)]
pub struct Q {
    ok: Option<String>,
    progress: Option<String>,
    q: Option<String>,
    page: Option<i64>,
    reminded: Option<usize>,
}

async fn employers(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    employers_view(&page, &q, String::new(), EmployerForm { addon_pct: "100".into(), ..Default::default() }).await
}

async fn employers_view(page: &Page, q: &Q, error: String, form: EmployerForm) -> PageResult<Html<String>> {
    let access = page.access();
    render(EmployersPage {
        shell: page.shell("团检单位").with_flash(flash(q.ok.as_deref(), FLASH)),
        rows: group::progress(access).await?,
        can_manage: access.can(Permission::CheckupManage),
        error,
        form,
    })
}

fn employer_of(f: &EmployerForm) -> Result<Employer, Error> {
    let draft = EmployerDraft {
        code: f.code.clone(),
        name: f.name.clone(),
        contact_name: f.contact_name.clone(),
        window_from: f.window_from.clone(),
        window_to: f.window_to.clone(),
        addon_pct: f.addon_pct.clone(),
    };
    drafts::employer(&draft).map_err(Error::invalid)
}

async fn save_employer(page: Page, Form(f): Form<EmployerForm>) -> PageResult<Response> {
    let access = page.access();
    let result = match employer_of(&f) {
        Ok(e) => group::save(access, &e, Some(f.contact_phone.as_str())).await.map(|_| e.code),
        Err(e) => Err(e),
    };
    match result {
        Ok(code) => Ok(Redirect::to(&format!("/checkup/groups/{}?ok=saved", hops_platform::web::pages::url_encode(&code))).into_response()),
        Err(e) => match reason(&e) {
            Some(m) => Ok((StatusCode::UNPROCESSABLE_ENTITY, employers_view(&page, &Q::default(), m, f).await?).into_response()),
            None => Err(e.into()),
        },
    }
}

// ---- one employer ----

#[derive(Template)]
#[template(path = "checkup_group.html")]
struct DetailPage {
    shell: hops_platform::web::Shell,
    employer: Employer,
    plans: Vec<Plan>,
    discounts: String,
    packages: Vec<(String, String)>,
    people: Vec<Tracked>,
    counts: Vec<(&'static str, &'static str, usize)>,
    listed: usize,
    progress: String,
    q: String,
    pager: Pager,
    can_manage: bool,
    error: String,
    report: Option<ImportReport>,
    row_errors: Vec<RowError>,
}

impl DetailPage {
    fn not_booked(&self) -> usize {
        self.counts.first().map_or(0, |c| c.2)
    }
    fn booked(&self) -> usize {
        self.listed - self.not_booked()
    }
    fn package_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.packages.iter().find(|(c, _)| c == code).map_or(code, |(_, n)| n.as_str())
    }
    fn card_terms(&self, p: &Plan) -> String {
        let covers = match &p.kind {
            CardKind::Fixed => "套餐内项目".to_string(),
            CardKind::Amount { budget } => format!("额度 {budget} 元内的项目"),
            CardKind::Menu { items, pick } => match pick {
                Some(n) => format!("套餐 + 自选 {n} 项（{}）", items.join("、")),
                None => format!("套餐 + 自选（{}）", items.join("、")),
            },
        };
        match p.payer {
            Payer::Employer => format!("单位支付{covers}"),
            Payer::Person { pct } => format!("本人按 {pct}% 支付全部项目"),
        }
    }
    fn employer_form(&self) -> EmployerForm {
        let e = &self.employer;
        EmployerForm {
            code: e.code.clone(),
            name: e.name.clone(),
            contact_name: e.contact_name.clone(),
            contact_phone: String::new(),
            window_from: e.window.map(|w| w.0.to_string()).unwrap_or_default(),
            window_to: e.window.map(|w| w.1.to_string()).unwrap_or_default(),
            addon_pct: e.addon_pct.to_string(),
        }
    }
}

async fn detail(page: Page, Path(code): Path<String>, Query(q): Query<Q>) -> PageResult<Html<String>> {
    detail_view(&page, &code, &q, String::new(), None).await
}

async fn detail_view(page: &Page, code: &str, q: &Q, error: String, report: Option<ImportReport>) -> PageResult<Html<String>> {
    let access = page.access();
    let (employer, people, counts) = group::roster(access, code).await?;
    let plans = group::plans(access, code).await?;
    let discounts = group::discounts(access, code).await?;
    let cat = crate::catalogue::service::catalogue(access).await?;
    let progress = q.progress.clone().unwrap_or_default();
    let text = q.q.clone().unwrap_or_default();
    let wanted = Progress::from_code(&progress);
    let filtered: Vec<Tracked> = people
        .iter()
        .filter(|t| wanted.is_none_or(|p| t.progress == p))
        .filter(|t| text.trim().is_empty() || t.person.name.contains(text.trim()) || t.person.department.contains(text.trim()))
        .cloned()
        .collect();
    let paging = Paging::new(q.page, 50);
    let enc = hops_platform::web::pages::url_encode;
    let base = format!("/checkup/groups/{}?progress={}&q={}", enc(code), enc(&progress), enc(&text));
    let pager = Pager::new(paging, filtered.len() as i64, &base);
    let people = filtered.into_iter().skip(paging.offset() as usize).take(paging.per_page as usize).collect();
    let row_errors = report.as_ref().map(|r| r.rejected.clone()).unwrap_or_default();
    render(DetailPage {
        shell: page
            .shell("团检单位详情")
            .with_flash(q.reminded.map(|n| format!("已向 {n} 位未预约人员发送短信提醒")).or_else(|| flash(q.ok.as_deref(), FLASH))),
        discounts: discounts.per_item.iter().map(|(i, p)| format!("{i} {p}")).collect::<Vec<_>>().join("\n"),
        plans,
        packages: cat.packages.values().filter(|p| p.active).map(|p| (p.code.clone(), p.name.clone())).collect(),
        listed: counts.values().sum(),
        counts: Progress::ALL.iter().map(|p| (p.code(), p.label_zh(), counts[p])).collect(),
        people,
        employer,
        progress,
        q: text,
        pager,
        can_manage: access.can(Permission::CheckupManage),
        error,
        report,
        row_errors,
    })
}

/// A refused change, shown on the employer's page.
async fn refused_on(page: &Page, code: &str, e: Error) -> PageResult<Response> {
    match reason(&e) {
        Some(m) => Ok((StatusCode::UNPROCESSABLE_ENTITY, detail_view(page, code, &Q::default(), m, None).await?).into_response()),
        None => Err(e.into()),
    }
}

fn back(code: &str, ok: &str) -> Response {
    Redirect::to(&format!("/checkup/groups/{}?ok={ok}", hops_platform::web::pages::url_encode(code))).into_response()
}

#[derive(Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    package: String,
    #[serde(default)]
    budget: String,
    #[serde(default)]
    menu_items: String,
    #[serde(default)]
    menu_pick: String,
    #[serde(default)]
    payer: String,
    #[serde(default)]
    person_pct: String,
}

fn plan_of(code: &str, f: PlanForm) -> Result<Plan, Error> {
    let draft = PlanDraft {
        code: f.code,
        name: f.name,
        kind: f.kind,
        package: f.package,
        budget: f.budget,
        menu_items: f.menu_items.split([',', '，', '、', ' ']).map(str::to_string).collect(),
        menu_pick: f.menu_pick,
        payer: f.payer,
        person_pct: f.person_pct,
    };
    drafts::plan(code, &draft).map_err(Error::invalid)
}

async fn save_plan(page: Page, Path(code): Path<String>, Form(f): Form<PlanForm>) -> PageResult<Response> {
    let result = match plan_of(&code, f) {
        Ok(plan) => group::save_plan(page.access(), &plan).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(back(&code, "plan_saved")),
        Err(e) => refused_on(&page, &code, e).await,
    }
}

#[derive(Deserialize)]
pub struct DiscountsForm {
    #[serde(default)]
    lines: String,
}

/// Lines of `项目编码 百分比`.
fn discounts_of(text: &str) -> Result<BTreeMap<String, u32>, Error> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()) {
        let mut parts = line.split_whitespace();
        let (Some(item), Some(pct), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::invalid_field("lines", format!("第 {} 行应为“项目编码 百分比”", n + 1)));
        };
        let pct =
            pct.trim_end_matches('%').parse().map_err(|_| Error::invalid_field("lines", format!("第 {} 行的百分比应为整数", n + 1)))?;
        out.insert(item.to_string(), pct);
    }
    Ok(out)
}

async fn save_discounts(page: Page, Path(code): Path<String>, Form(f): Form<DiscountsForm>) -> PageResult<Response> {
    let result = match discounts_of(&f.lines) {
        Ok(d) => group::set_discounts(page.access(), &code, &d).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(back(&code, "discounts_saved")),
        Err(e) => refused_on(&page, &code, e).await,
    }
}

async fn import_roster(page: Page, Path(code): Path<String>, mp: Result<Multipart, MultipartRejection>) -> PageResult<Response> {
    let access = page.access();
    // Permission and the employer before reading the upload, so a refusal does not depend on it.
    access.require(Permission::CheckupManage)?;
    group::employer(access, &code).await?;
    let table = match upload::read(access, Permission::CheckupManage, mp).await {
        Ok(upload) => upload.table().await,
        Err(e) => Err(e),
    };
    let table = match table {
        Ok(t) => t,
        Err(e) => return refused_on(&page, &code, e).await,
    };
    let report = group::import_roster(access, &code, &table).await?;
    let status = if report.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, detail_view(&page, &code, &Q::default(), String::new(), Some(report)).await?).into_response())
}

async fn export_roster(page: Page, Path(code): Path<String>) -> PageResult<Response> {
    Ok(hops_platform::web::xlsx(
        &format!("roster-{code}.xlsx"),
        &format!("团检进度-{code}.xlsx"),
        group::export_progress(page.access(), &code).await?,
    ))
}

async fn roster_template(page: Page, Path(code): Path<String>) -> PageResult<Response> {
    group::employer(page.access(), &code).await?;
    Ok(hops_platform::web::xlsx("roster-template.xlsx", "团检名单模板.xlsx", tabular::template_xlsx("团检名单", roster::COLUMNS)?))
}

async fn remind(page: Page, Path(code): Path<String>) -> PageResult<Response> {
    match group::remind(page.access(), &code).await {
        Ok(n) => {
            Ok(Redirect::to(&format!("/checkup/groups/{}?reminded={n}", hops_platform::web::pages::url_encode(&code))).into_response())
        }
        Err(e) => refused_on(&page, &code, e).await,
    }
}

// ---- check-in desk ----

#[derive(Template)]
#[template(path = "checkup_desk.html")]
struct DeskPage {
    shell: hops_platform::web::Shell,
    today: LocalDay,
    rows: Vec<ListedBooking>,
    pager: Pager,
    q: String,
    can_book: bool,
    error: String,
}

async fn desk_page(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    desk_view(&page, &q, String::new()).await
}

async fn desk_view(page: &Page, q: &Q, error: String) -> PageResult<Html<String>> {
    let access = page.access();
    let today = access.now().local_day();
    let number = q.q.clone().unwrap_or_default();
    let paging = Paging::new(q.page, 50);
    let (rows, total) = desk::today(access, &number, paging).await?;
    let base = format!("/checkup/desk?q={}", hops_platform::web::pages::url_encode(&number));
    render(DeskPage {
        shell: page.shell("签到台").with_flash(flash(q.ok.as_deref(), FLASH)),
        today,
        rows,
        pager: Pager::new(paging, total, &base),
        q: number,
        can_book: access.can(Permission::CheckupBook),
        error,
    })
}

#[derive(Deserialize)]
pub struct CheckInForm {
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    name: String,
}

async fn desk_refused(page: &Page, e: Error) -> PageResult<Response> {
    match reason(&e) {
        Some(m) => {
            Ok((StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY), desk_view(page, &Q::default(), m).await?)
                .into_response())
        }
        None => Err(e.into()),
    }
}

async fn check_in(page: Page, Path(id): Path<i64>, Form(f): Form<CheckInForm>) -> PageResult<Response> {
    match desk::check_in(page.access(), id, &f.id_number, &f.name).await {
        Ok(_) => Ok(Redirect::to("/checkup/desk?ok=checked_in").into_response()),
        Err(e) => desk_refused(&page, e).await,
    }
}

async fn complete(page: Page, Path(id): Path<i64>) -> PageResult<Response> {
    match desk::complete(page.access(), id).await {
        Ok(_) => Ok(Redirect::to("/checkup/desk?ok=completed").into_response()),
        Err(e) => desk_refused(&page, e).await,
    }
}
