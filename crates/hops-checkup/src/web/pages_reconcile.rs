//! Console page of the daily reconciliation: a date, the summary, the mismatch list with
//! Chinese labels, and its XLSX export.

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, Response};
use hops_kernel::LocalDay;
use hops_platform::web::{Method, Page, PageResult, Routes, Scope, Shell};
use hops_platform::{Error, Permission};
use serde::Deserialize;

use super::pages_catalogue::render;
use crate::payment::reconcile::{self, Reconciliation};

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople).page(Method::Get, "/checkup/reconciliation", "体检对账", page_view).page(
        Method::Get,
        "/checkup/reconciliation/export",
        "导出对账差异",
        export,
    )
}

#[derive(Deserialize, Default)]
pub struct DateQuery {
    date: Option<String>,
    /// Export every checked booking, not only the mismatches.
    all: Option<String>,
}

/// The date asked for, today when none; a malformed date is refused.
fn day_of(page: &Page, q: &DateQuery) -> Result<LocalDay, Error> {
    match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(page.access().now().local_day()),
        Some(d) => LocalDay::parse(d).map_err(|_| Error::invalid_field("date", "日期格式应为 YYYY-MM-DD")),
    }
}

/// A mismatch row: booking number, kind label, explanation.
pub struct Row {
    number: String,
    kind: String,
    message: String,
}

#[derive(Template)]
#[template(path = "checkup_reconcile.html")]
struct ReconcilePage {
    shell: Shell,
    r: Reconciliation,
    rows: Vec<Row>,
    prev: LocalDay,
    next: LocalDay,
    can_export: bool,
}

async fn page_view(page: Page, Query(q): Query<DateQuery>) -> PageResult<Html<String>> {
    let day = day_of(&page, &q)?;
    let r = reconcile::day(page.access(), day).await?;
    let rows = r
        .mismatches
        .iter()
        .map(|m| Row { number: m.booking_number.clone(), kind: reconcile::kind_label(m.kind).to_string(), message: m.message.clone() })
        .collect();
    render(ReconcilePage {
        shell: page.shell("体检对账"),
        rows,
        prev: day.plus_days(-1),
        next: day.plus_days(1),
        can_export: page.access().can(Permission::DataExport),
        r,
    })
}

async fn export(page: Page, Query(q): Query<DateQuery>) -> PageResult<Response> {
    let day = day_of(&page, &q)?;
    let all = q.all.as_deref() == Some("1");
    let bytes = reconcile::export(page.access(), day, all).await?;
    let what = if all { "逐单核对" } else { "差异" };
    Ok(hops_platform::web::xlsx(&format!("checkup-reconciliation-{day}.xlsx"), &format!("体检对账{what}_{day}.xlsx"), bytes))
}
