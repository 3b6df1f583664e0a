//! Console pages of the capacity calendar: the weekday templates with their bulk application to
//! a range of dates (previewed first), and closed dates (close with a reason, open again).

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::LocalDay;
use hops_platform::web::{Form, Method, Page, PageResult, Routes, Scope, Shell};
use hops_platform::{Error, FieldError, Permission};
use serde::Deserialize;

use super::pages_catalogue::{FormErrors, render};
use crate::capacity::model::{DaySetting, PoolKind};
use crate::capacity::service as capacity;
use crate::capacity::template::{self, BulkRequest, Source, Templates};
use crate::capacity::template_service::{self as templates, BulkOutcome};
use crate::catalogue::service as catalogue;
use hops_platform::web::flash;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/checkup/capacity/templates", "号源模板", templates_page)
        .page(Method::Post, "/checkup/capacity/templates", "保存号源模板", save_templates)
        .page(Method::Post, "/checkup/capacity/bulk", "批量设置号源", bulk)
        .page(Method::Get, "/checkup/closed", "不开放日期", closed_page)
        .page(Method::Post, "/checkup/closed", "设置不开放日期", close_day)
        .page_confirmed(Method::Post, "/checkup/closed/open", "恢复开放", open_day)
}

/// Messages shown after a redirect, by code (never text from the query string).
const FLASH: &[(&str, &str)] = &[("templates_saved", "号源模板已保存"), ("closed", "已设置为不开放"), ("opened", "已恢复开放")];

#[derive(Deserialize, Default)]
pub struct Q {
    ok: Option<String>,
    applied: Option<usize>,
    skipped: Option<usize>,
}

/// A pool of the template table: its label and form-field suffix (`individual`, `groups.E001`
/// …, as the checks name fields).
struct PoolSpec {
    label: String,
    field: String,
}

/// One input of the template table.
pub struct Cell {
    /// "周一 个检", for screen readers.
    label: String,
    name: String,
    value: String,
    error: bool,
}

/// A weekday column of the template table: whether it has a template.
pub struct WeekdayHead {
    weekday: u8,
    label: &'static str,
    on: bool,
}

/// A pool row of the template table: one input per weekday.
pub struct PoolRow {
    label: String,
    cells: Vec<Cell>,
}

/// The bulk form as typed, and what its preview found.
#[derive(Default)]
pub struct BulkDraft {
    from: String,
    to: String,
    weekdays: BTreeSet<u8>,
}

#[derive(Template)]
#[template(path = "checkup_templates.html")]
struct TemplatesPage {
    shell: Shell,
    can_manage: bool,
    weekdays: Vec<WeekdayHead>,
    rows: Vec<PoolRow>,
    errors: FormErrors,
    bulk: BulkDraft,
    weekday_choices: Vec<(u8, &'static str, bool)>,
    bulk_errors: FormErrors,
    preview: Option<Preview>,
}

/// A bulk setting's preview (or result), for the page.
pub struct Preview {
    set: usize,
    changed: usize,
    first: String,
    last: String,
    /// (date, reason)
    skipped: Vec<(String, String)>,
}

fn preview_of(o: &BulkOutcome) -> Preview {
    Preview {
        set: o.dates.len(),
        changed: o.changed,
        first: o.dates.first().map(ToString::to_string).unwrap_or_default(),
        last: o.dates.last().map(ToString::to_string).unwrap_or_default(),
        skipped: o.skipped.iter().map(|(d, s)| (d.to_string(), s.message(*d))).collect(),
    }
}

async fn pool_specs(page: &Page) -> PageResult<Vec<PoolSpec>> {
    let access = page.access();
    let cat = catalogue::catalogue(access).await?;
    let mut out = vec![
        PoolSpec { label: PoolKind::Individual.label_zh().into(), field: "individual".into() },
        PoolSpec { label: PoolKind::Vip.label_zh().into(), field: "vip".into() },
    ];
    for e in crate::group::service::employers(access).await? {
        out.push(PoolSpec { label: format!("团检 · {}", e.name), field: format!("groups.{}", e.code) });
    }
    for p in cat.packages.values().filter(|p| p.special_pool) {
        out.push(PoolSpec { label: format!("特殊套餐 · {}", p.name), field: format!("specials.{}", p.code) });
    }
    for (code, name) in catalogue::resources(access).await? {
        out.push(PoolSpec { label: format!("资源 · {name}"), field: format!("resources.{code}") });
    }
    Ok(out)
}

/// The value of a pool of a setting by its field suffix.
fn pool_value(s: &DaySetting, field: &str) -> i64 {
    let keyed = |map: &BTreeMap<String, i64>, code: &str| map.get(code).copied().unwrap_or(0);
    match field.split_once('.') {
        None if field == "individual" => s.individual,
        None if field == "vip" => s.vip,
        Some(("groups", code)) => keyed(&s.groups, code),
        Some(("specials", code)) => keyed(&s.specials, code),
        Some(("resources", code)) => keyed(&s.resources, code),
        _ => 0,
    }
}

/// The table: weekdays across, pools down; from the user's input when given, else from the
/// saved templates.
fn table(
    pools: Vec<PoolSpec>,
    saved: &Templates,
    input: Option<&BTreeMap<String, String>>,
    errors: &FormErrors,
) -> (Vec<WeekdayHead>, Vec<PoolRow>) {
    let heads = (1..=7u8)
        .map(|w| WeekdayHead {
            weekday: w,
            label: template::weekday_label(w),
            on: input.map_or_else(|| saved.contains_key(&w), |f| f.contains_key(&format!("w{w}.on"))),
        })
        .collect();
    let rows = pools
        .into_iter()
        .map(|c| {
            let cells = (1..=7u8)
                .map(|w| {
                    let name = format!("w{w}.{}", c.field);
                    let value = match input {
                        Some(f) => f.get(&name).cloned().unwrap_or_default(),
                        None => saved.get(&w).map(|s| pool_value(s, &c.field).to_string()).unwrap_or_default(),
                    };
                    Cell { label: format!("{} {}", template::weekday_label(w), c.label), error: errors.has(&name), name, value }
                })
                .collect();
            PoolRow { label: c.label, cells }
        })
        .collect();
    (heads, rows)
}

struct View {
    input: Option<BTreeMap<String, String>>,
    errors: FormErrors,
    bulk: BulkDraft,
    bulk_errors: FormErrors,
    preview: Option<Preview>,
    flash: Option<String>,
}

async fn view(page: &Page, v: View) -> PageResult<Html<String>> {
    let access = page.access();
    let saved = templates::templates(access).await?;
    let (weekdays, rows) = table(pool_specs(page).await?, &saved, v.input.as_ref(), &v.errors);
    let today = access.now().local_day();
    let mut bulk = v.bulk;
    if bulk.from.is_empty() {
        bulk.from = today.plus_days(1).to_string();
        bulk.to = today.plus_days(28).to_string();
        bulk.weekdays = saved.keys().copied().collect();
    }
    let weekday_choices = (1..=7u8).map(|w| (w, template::weekday_label(w), bulk.weekdays.contains(&w))).collect();
    render(TemplatesPage {
        shell: page.shell("号源模板").with_flash(v.flash),
        can_manage: access.can(Permission::CheckupManage),
        weekdays,
        rows,
        errors: v.errors,
        bulk,
        weekday_choices,
        bulk_errors: v.bulk_errors,
        preview: v.preview,
    })
}

fn blank() -> View {
    View {
        input: None,
        errors: FormErrors::default(),
        bulk: BulkDraft::default(),
        bulk_errors: FormErrors::default(),
        preview: None,
        flash: None,
    }
}

async fn templates_page(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    let flash = match (q.applied, q.skipped) {
        (Some(n), skipped) => {
            Some(format!("已按模板设置 {n} 天号源{}", skipped.filter(|s| *s > 0).map(|s| format!("，跳过 {s} 天")).unwrap_or_default()))
        }
        _ => flash(q.ok.as_deref(), FLASH),
    };
    view(&page, View { flash, ..blank() }).await
}

/// Reads a count: empty is 0, anything but a whole number is out of range (reported by the checks).
fn count(v: Option<&String>) -> i64 {
    v.map(|v| v.trim()).filter(|v| !v.is_empty()).map_or(0, |v| v.parse::<i64>().unwrap_or(-1))
}

fn templates_of(f: &BTreeMap<String, String>) -> Templates {
    let mut out = Templates::new();
    for w in (1..=7u8).filter(|w| f.contains_key(&format!("w{w}.on"))) {
        let prefix = format!("w{w}.");
        let keyed = |kind: &str| -> BTreeMap<String, i64> {
            let p = format!("{prefix}{kind}.");
            f.iter().filter_map(|(k, v)| Some((k.strip_prefix(&p)?.to_string(), count(Some(v))))).filter(|(_, n)| *n != 0).collect()
        };
        let setting = DaySetting {
            individual: count(f.get(&format!("{prefix}individual"))),
            vip: count(f.get(&format!("{prefix}vip"))),
            groups: keyed("groups"),
            specials: keyed("specials"),
            resources: keyed("resources"),
        };
        out.insert(w, setting);
    }
    out
}

async fn save_templates(page: Page, Form(f): Form<BTreeMap<String, String>>) -> PageResult<Response> {
    match templates::save_templates(page.access(), &templates_of(&f)).await {
        Ok(()) => Ok(Redirect::to("/checkup/capacity/templates?ok=templates_saved").into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let html = view(&page, View { input: Some(f), errors, ..blank() }).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

async fn bulk(page: Page, Form(pairs): Form<Vec<(String, String)>>) -> PageResult<Response> {
    let access = page.access();
    // Applying overwrites the dates' capacity: carried out once confirmed (a preview is not).
    if pairs.iter().any(|(k, v)| k == "action" && v == "apply")
        && let Some(ask) = hops_platform::web::confirm::ask("/checkup/capacity/bulk", "批量设置号源", pairs.clone())
    {
        return Ok(ask);
    }
    let mut draft = BulkDraft::default();
    let mut apply = false;
    for (k, v) in pairs {
        match k.as_str() {
            "from" => draft.from = v,
            "to" => draft.to = v,
            "wd" => draft.weekdays.extend(v.trim().parse::<u8>().ok()),
            "action" => apply = v == "apply",
            _ => {}
        }
    }
    let mut fields = Vec::new();
    let mut day =
        |s: &str, field: &str| LocalDay::parse(s).map_err(|_| fields.push(FieldError::new(field, "请选择日期（YYYY-MM-DD）"))).ok();
    let (from, to) = (day(&draft.from, "from"), day(&draft.to, "to"));
    if draft.weekdays.is_empty() {
        fields.push(FieldError::new("weekdays", "请至少选择一个星期"));
    }
    let result = match (from, to) {
        (Some(from), Some(to)) if fields.is_empty() => {
            let req =
                BulkRequest { from, to, weekdays: draft.weekdays.clone(), source: Source::Template(templates::templates(access).await?) };
            if apply { templates::apply_bulk(access, &req).await } else { templates::preview_bulk(access, &req).await }
        }
        _ => Err(Error::invalid(fields)),
    };
    match result {
        Ok(o) if apply => {
            Ok(Redirect::to(&format!("/checkup/capacity/templates?applied={}&skipped={}", o.dates.len(), o.skipped.len())).into_response())
        }
        Ok(o) => Ok(view(&page, View { bulk: draft, preview: Some(preview_of(&o)), ..blank() }).await?.into_response()),
        Err(e) => {
            let bulk_errors = FormErrors::from_error(e)?;
            let html = view(&page, View { bulk: draft, bulk_errors, ..blank() }).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

// ---- closed dates ----

#[derive(Template)]
#[template(path = "checkup_closed.html")]
struct ClosedPage {
    shell: Shell,
    can_manage: bool,
    /// (date, weekday, reason)
    days: Vec<(String, &'static str, String)>,
    date: String,
    reason: String,
    errors: FormErrors,
}

async fn closed_view(page: &Page, date: String, reason: String, errors: FormErrors, flash: Option<String>) -> PageResult<Html<String>> {
    let access = page.access();
    let today = access.now().local_day();
    let days = templates::closed_days(access, today, today.plus_days(template::MAX_BULK_DAYS))
        .await?
        .into_iter()
        .map(|(d, r)| (d.to_string(), template::weekday_label(template::iso_weekday(d)), r))
        .collect();
    render(ClosedPage {
        shell: page.shell("不开放日期").with_flash(flash),
        can_manage: access.can(Permission::CheckupManage),
        days,
        date: if date.is_empty() { today.plus_days(1).to_string() } else { date },
        reason,
        errors,
    })
}

async fn closed_page(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    closed_view(&page, String::new(), String::new(), FormErrors::default(), flash(q.ok.as_deref(), FLASH)).await
}

#[derive(Deserialize)]
pub struct ClosedForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    reason: String,
}

/// A refused close or open: the reason shown with the form as typed (a conflict — bookings
/// hold places there — is shown as the date's problem).
async fn closed_refused(page: &Page, f: ClosedForm, e: Error) -> PageResult<Response> {
    let (status, errors) = match e {
        Error::Client { status: 409, message, .. } => {
            (StatusCode::CONFLICT, FormErrors::from_error(Error::invalid_field("date", message))?)
        }
        e => (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::from_error(e)?),
    };
    Ok((status, closed_view(page, f.date, f.reason, errors, None).await?).into_response())
}

async fn close_day(page: Page, Form(f): Form<ClosedForm>) -> PageResult<Response> {
    let result = match LocalDay::parse(&f.date) {
        Ok(day) => capacity::set_closed(page.access(), day, true, &f.reason).await,
        Err(_) => Err(Error::invalid_field("date", "请选择日期（YYYY-MM-DD）")),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/checkup/closed?ok=closed").into_response()),
        Err(e) => closed_refused(&page, f, e).await,
    }
}

async fn open_day(page: Page, Form(f): Form<ClosedForm>) -> PageResult<Response> {
    let result = match LocalDay::parse(&f.date) {
        Ok(day) => capacity::set_closed(page.access(), day, false, "").await,
        Err(_) => Err(Error::invalid_field("date", "请选择日期（YYYY-MM-DD）")),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/checkup/closed?ok=opened").into_response()),
        Err(e) => closed_refused(&page, ClosedForm { date: String::new(), reason: String::new() }, e).await,
    }
}
