//! The satisfaction results page (per doctor, per department, per question, with charts) and
//! its XLSX export.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hops_kernel::LocalDay;
use hops_platform::charts::BarChart;
use hops_platform::web::{Method, Page, PageResult, Routes, Scope, Shell};
use hops_platform::{Error, Permission};
use serde::Deserialize;

use crate::followup::calls::{self, Results};
use crate::followup::questionnaire::{Satisfaction, fmt_average, fmt_rate};
use crate::web::common::{FormErrors, render, xlsx};

pub fn routes() -> Routes {
    Routes::scoped(Scope::People).page(Method::Get, "/desk/followup/results", "回访满意度结果", results).page(
        Method::Get,
        "/desk/followup/results.xlsx",
        "导出回访满意度 Excel",
        export,
    )
}

#[derive(Deserialize, Default)]
pub struct Q {
    from: Option<String>,
    to: Option<String>,
}

/// A row of a figures table, formatted.
pub struct FigureRow {
    pub group: String,
    pub calls: i64,
    pub scored: i64,
    pub average: String,
    pub satisfied: i64,
    pub rate: String,
}

/// A figures table of the page.
pub struct FigureTable {
    pub title: &'static str,
    pub id: &'static str,
    pub first: &'static str,
    pub rows: Vec<FigureRow>,
}

fn rows(list: &[Satisfaction]) -> Vec<FigureRow> {
    list.iter()
        .map(|s| FigureRow {
            group: s.group.clone(),
            calls: s.calls,
            scored: s.scored_calls,
            average: fmt_average(s.average),
            satisfied: s.satisfied,
            rate: fmt_rate(s.rate()),
        })
        .collect()
}

/// Bars of the satisfaction rate (in %) of the groups with the most calls (at most 12).
fn rate_chart(list: &[Satisfaction]) -> String {
    let top: Vec<&Satisfaction> = list.iter().filter(|s| s.scored_calls > 0).take(12).collect();
    if top.is_empty() {
        return String::new();
    }
    let labels: Vec<String> = top.iter().map(|s| s.group.clone()).collect();
    let values: Vec<i64> = top.iter().map(|s| (s.rate().unwrap_or(0.0) * 100.0).round() as i64).collect();
    BarChart { labels: &labels, values: &values, unit: "%" }.svg()
}

#[derive(Template)]
#[template(path = "desk_followup_results.html")]
struct ResultsPage {
    shell: Shell,
    tab: &'static str,
    from: String,
    to: String,
    overall: FigureRow,
    tables: Vec<FigureTable>,
    by_question: Vec<(String, &'static str, i64, String)>,
    doctor_chart: String,
    department_chart: String,
    can_export: bool,
    errors: FormErrors,
}

fn default_range(today: LocalDay) -> (LocalDay, LocalDay) {
    (today.plus_days(-29), today)
}

async fn results(page: Page, Query(q): Query<Q>) -> PageResult<Response> {
    let access = page.access();
    access.require(Permission::FollowupWork)?;
    let (df, dt) = default_range(access.now().local_day());
    let from = q.from.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| df.to_string());
    let to = q.to.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| dt.to_string());
    let (range, errors, status) = match calls::parse_range(&from, &to) {
        Ok(r) => (r, FormErrors::default(), StatusCode::OK),
        Err(e) => ((df, dt), FormErrors::from_error(e)?, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let r: Results = calls::results(access, range.0, range.1).await?;
    let html = render(ResultsPage {
        shell: page.shell("回访满意度结果"),
        tab: "results",
        from,
        to,
        overall: rows(std::slice::from_ref(&r.overall)).remove(0),
        doctor_chart: rate_chart(&r.by_doctor),
        department_chart: rate_chart(&r.by_department),
        tables: vec![
            FigureTable { title: "按医生", id: "by-doctor", first: "医生", rows: rows(&r.by_doctor) },
            FigureTable { title: "按科室", id: "by-department", first: "科室", rows: rows(&r.by_department) },
        ],
        by_question: r.by_question.iter().map(|x| (x.question.clone(), x.kind.label_zh(), x.answers, fmt_average(x.average))).collect(),
        can_export: access.can(Permission::DataExport),
        errors,
    })?;
    Ok((status, html).into_response())
}

async fn export(page: Page, Query(q): Query<Q>) -> PageResult<Response> {
    let access = page.access();
    let (df, dt) = default_range(access.now().local_day());
    let (from, to) = match (q.from.as_deref(), q.to.as_deref()) {
        (Some(f), Some(t)) => calls::parse_range(f, t)?,
        (None, None) => (df, dt),
        _ => return Err(Error::invalid_field("from", "请同时填写开始和结束日期").into()),
    };
    let bytes = calls::export_results(access, from, to).await?;
    Ok(xlsx("followup-satisfaction.xlsx", &format!("回访满意度_{from}_{to}.xlsx"), bytes))
}
