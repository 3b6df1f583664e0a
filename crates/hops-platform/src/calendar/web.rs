//! Pages and API of the business calendar: 系统设置 → 节假日.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::LocalDay;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::holidays::{self, HolidayArrangement};
use super::service::{self, Year};
use crate::accounts::model::Permission;
use crate::error::Error;
use crate::web::error::{ApiResult, PageError, PageResult};
use crate::web::extract::{Api, Form, Json, Page};
use crate::web::forms::{FormErrors, flash};
use crate::web::routes::{ApiDoc, Method, Routes, Scope};
use crate::web::shell::Shell;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/calendar", "节假日安排", list_page)
        .page(Method::Get, "/calendar/{year}", "某年的节假日安排", year_page)
        .page(Method::Post, "/calendar/{year}", "保存某年的节假日安排", year_save)
        .page_confirmed(Method::Post, "/calendar/{year}/reset", "恢复系统内置安排", year_reset)
        .api(Method::Get, "/api/v1/calendar", ApiDoc::new("节假日", "已知年份的法定节假日与调休").returns::<Vec<YearOut>>(), api_years)
        .api(Method::Get, "/api/v1/calendar/{year}", ApiDoc::new("节假日", "某年的法定节假日与调休").returns::<YearOut>(), api_year)
        .api(
            Method::Put,
            "/api/v1/calendar/{year}",
            ApiDoc::new("节假日", "保存本院某年的节假日与调休")
                .describe("日期可逐个或以范围 2026-10-01..2026-10-07 书写，以逗号或换行分隔；调休上班日须为周六或周日。")
                .body::<YearIn>()
                .returns::<YearOut>(),
            api_save,
        )
}

const FLASH: &[(&str, &str)] = &[("saved", "节假日安排已保存"), ("reset", "已恢复为系统内置安排")];

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(anyhow::Error::from)?))
}

fn year_param(year: i64) -> Result<i16, Error> {
    i16::try_from(year).ok().filter(|y| (2000..=2100).contains(y)).ok_or_else(|| Error::not_found("年份"))
}

/// A year in the list.
pub struct YearRow {
    pub year: i16,
    pub holidays: usize,
    pub workdays: usize,
    pub source: String,
    pub own: bool,
}

/// One day cell of the year grid.
pub struct DayCell {
    pub day: u8,
    /// `holiday`, `workday` (调休上班), `weekend` or `` (a working day).
    pub class: &'static str,
    pub title: String,
}

pub struct MonthRow {
    pub month: u8,
    pub days: Vec<DayCell>,
}

fn months(a: &HolidayArrangement) -> Vec<MonthRow> {
    let mut out = Vec::new();
    for month in 1..=12u8 {
        let mut days = Vec::new();
        for day in 1..=31u8 {
            let Ok(d) = LocalDay::parse(&format!("{:04}-{month:02}-{day:02}", a.year)) else { break };
            let weekend = d.weekday().to_monday_zero_offset() >= 5;
            let (class, what) = if a.holidays.contains(&d) {
                ("holiday", "放假")
            } else if a.workdays.contains(&d) {
                ("workday", "调休上班")
            } else if weekend {
                ("weekend", "周末")
            } else {
                ("", "工作日")
            };
            days.push(DayCell { day, class, title: format!("{d} {what}") });
        }
        out.push(MonthRow { month, days });
    }
    out
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    shell: Shell,
    years: Vec<YearRow>,
    /// The year shown and edited.
    year: i16,
    known: bool,
    own: bool,
    shipped: bool,
    holidays: String,
    workdays: String,
    source: String,
    months: Vec<MonthRow>,
    can_manage: bool,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    ok: Option<String>,
}

async fn view(page: &Page, year: i16, typed: Option<&YearForm>, errors: FormErrors, ok: Option<&str>) -> PageResult<Html<String>> {
    let access = page.access();
    access.require(Permission::DashboardView)?;
    let all = service::years(access).await?;
    let current: Option<&Year> = all.iter().find(|y| y.arrangement.year == year);
    let shown = current.map(|y| y.arrangement.clone()).unwrap_or(HolidayArrangement {
        year,
        holidays: Default::default(),
        workdays: Default::default(),
        source: String::new(),
    });
    render(CalendarPage {
        shell: page.shell("节假日安排").with_flash(flash(ok, FLASH)),
        years: all
            .iter()
            .map(|y| YearRow {
                year: y.arrangement.year,
                holidays: y.arrangement.holidays.len(),
                workdays: y.arrangement.workdays.len(),
                source: y.arrangement.source.clone(),
                own: y.own,
            })
            .collect(),
        year,
        known: current.is_some(),
        own: current.is_some_and(|y| y.own),
        shipped: holidays::shipped(year).is_some(),
        holidays: typed.map_or_else(|| holidays::format_days(&shown.holidays), |f| f.holidays.clone()),
        workdays: typed.map_or_else(|| holidays::format_days(&shown.workdays), |f| f.workdays.clone()),
        source: typed.map_or_else(|| shown.source.clone(), |f| f.source.clone()),
        months: months(&shown),
        can_manage: access.can(Permission::CalendarManage),
        errors,
    })
}

/// The list opens on the current year.
async fn list_page(page: Page, Query(q): Query<ListQuery>) -> PageResult<Html<String>> {
    let year = page.access().now().local_day().to_date().year();
    view(&page, year, None, FormErrors::default(), q.ok.as_deref()).await
}

async fn year_page(page: Page, Path(year): Path<i64>, Query(q): Query<ListQuery>) -> PageResult<Html<String>> {
    let year = year_param(year)?;
    view(&page, year, None, FormErrors::default(), q.ok.as_deref()).await
}

#[derive(Deserialize)]
pub struct YearForm {
    #[serde(default)]
    holidays: String,
    #[serde(default)]
    workdays: String,
    #[serde(default)]
    source: String,
}

async fn year_save(page: Page, Path(year): Path<i64>, Form(f): Form<YearForm>) -> PageResult<Response> {
    let year = year_param(year)?;
    match service::save_year(page.access(), year, &f.holidays, &f.workdays, &f.source).await {
        Ok(_) => Ok(Redirect::to(&format!("/calendar/{year}?ok=saved")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e).map_err(PageError)?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, view(&page, year, Some(&f), errors, None).await?).into_response())
        }
    }
}

async fn year_reset(page: Page, Path(year): Path<i64>) -> PageResult<Response> {
    let year = year_param(year)?;
    service::reset_year(page.access(), year).await?;
    Ok(Redirect::to(&format!("/calendar/{year}?ok=reset")).into_response())
}

// ---- API ----

/// A year's public holidays and make-up workdays.
#[derive(Serialize, ToSchema)]
pub struct YearOut {
    year: i16,
    /// Days off (放假), `YYYY-MM-DD`.
    holidays: Vec<String>,
    /// Make-up workdays (调休上班), `YYYY-MM-DD`.
    workdays: Vec<String>,
    source: String,
    /// The hospital's own version (else the arrangement hops ships).
    own: bool,
}

fn year_out(y: &Year) -> YearOut {
    YearOut {
        year: y.arrangement.year,
        holidays: y.arrangement.holidays.iter().map(ToString::to_string).collect(),
        workdays: y.arrangement.workdays.iter().map(ToString::to_string).collect(),
        source: y.arrangement.source.clone(),
        own: y.own,
    }
}

/// The hospital's version of a year. Dates one by one or as ranges (`2026-10-01..2026-10-07`).
#[derive(Deserialize, ToSchema)]
pub struct YearIn {
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    workdays: Vec<String>,
    #[serde(default)]
    source: String,
}

async fn api_years(api: Api) -> ApiResult<Json<Vec<YearOut>>> {
    api.access().require(Permission::DashboardView)?;
    Ok(Json(service::years(api.access()).await?.iter().map(year_out).collect()))
}

async fn api_year(api: Api, Path(year): Path<i64>) -> ApiResult<Json<YearOut>> {
    api.access().require(Permission::DashboardView)?;
    let year = year_param(year)?;
    let y = service::year(api.access(), year).await?.ok_or_else(|| Error::not_found("该年份的节假日安排"))?;
    Ok(Json(year_out(&y)))
}

async fn api_save(api: Api, Path(year): Path<i64>, Json(body): Json<YearIn>) -> ApiResult<Json<YearOut>> {
    let year = year_param(year)?;
    let y = service::save_year(api.access(), year, &body.holidays.join(","), &body.workdays.join(","), &body.source).await?;
    Ok(Json(year_out(&y)))
}
