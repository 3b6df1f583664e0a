//! Pages and API of reports: pick a period, preview, edit 结论与措施, publish, history and
//! downloads, subscribers.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_analytics::kpi::model as kpi;
use hops_kernel::Period;
use hops_platform::charts::{BarChart, LineChart, LineSeries};
use hops_platform::jobs::JobHandler;
use hops_platform::web::Param;
use hops_platform::web::{
    Api, ApiDoc, ApiResult, Form, Json, Method, Module, NavItem, Page, PageError, PageResult, Pager, Paging, Routes, Scope, Section, Shell,
};
use hops_platform::{Error, FieldError, Permission, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{self, Change, Report};
use crate::service::{self, PUBLISH, READ};
use crate::store::{File, ReportId, ReportRow, SubscriberId, SubscriberRow};

mod api;
mod flow;
use api::*;

/// The reports module.
pub struct ReportsModule;

impl Module for ReportsModule {
    fn audit_actions(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("report.publish", "发布报告"),
            ("report.send", "发送报告"),
            ("report.delivered", "报告已送达"),
            ("report.download", "下载报告"),
            ("report.preview_download", "下载报告预览"),
            ("report.subscriber.add", "添加报告订阅人"),
            ("report.subscriber.remove", "移除报告订阅人"),
            ("report.subscriber.update", "修改报告订阅人"),
            ("report.conclusions", "保存报告结论"),
        ]
    }

    fn name(&self) -> &'static str {
        "reports"
    }

    fn nav(&self) -> Vec<NavItem> {
        vec![NavItem { section: Section::Analytics, label: "运营报告", href: "/reports", permission: Permission::AnalyticsRead }]
    }

    fn jobs(&self) -> Vec<std::sync::Arc<dyn JobHandler>> {
        vec![service::DeliveryJob.handler()]
    }

    fn topics(&self) -> Vec<&'static hops_platform::notify::Topic> {
        vec![&service::REPORT_PUBLISHED]
    }

    fn provide(&self, services: &mut hops_platform::services::Services) {
        services.approvable(std::sync::Arc::new(crate::approval::ReportApprovals));
    }

    fn routes(&self) -> Routes {
        Routes::scoped(Scope::Hospital)
            .merge(flow::routes())
            .page(Method::Get, "/reports", "运营报告", reports_page)
            .page(Method::Post, "/reports/conclusions", "保存结论与措施", conclusions_form)
            .page_confirmed(Method::Post, "/reports/publish", "发布报告", publish_form)
            .page(Method::Get, "/reports/preview.pdf", "预览报告 PDF", preview_pdf)
            .page(Method::Get, "/reports/preview.xlsx", "预览报告 Excel", preview_xlsx)
            .page(Method::Get, "/reports/history", "已发布报告", history_page)
            .page(Method::Get, "/reports/{report_id}/pdf", "下载已发布报告 PDF", published_pdf)
            .page(Method::Get, "/reports/{report_id}/xlsx", "下载已发布报告 Excel", published_xlsx)
            .page_confirmed(Method::Post, "/reports/{report_id}/send", "立即发送给订阅人", send_form)
            .page(Method::Get, "/reports/subscribers", "报告订阅人", subscribers_page)
            .page(Method::Post, "/reports/subscribers", "添加订阅人", subscriber_add_form)
            .page_confirmed(Method::Post, "/reports/subscribers/{subscriber_id}/delete", "删除订阅人", subscriber_delete_form)
            .api(
                Method::Get,
                "/api/v1/reports/preview",
                ApiDoc::new("运营报告", "预览一个周期的报告数据")
                    .describe("返回报告（PDF/Excel）所呈现的全部数字：指标（含环比、同比，取值格式同 /api/v1/kpis）、趋势、科室占比、医生排行、满意度与差评原因、概况与结论。")
                    .query_as("period", Param::OneOf(&["week", "month", "quarter", "half", "year"]), "week|month|quarter|half|year，默认 month")
                    .query("at", "YYYY-MM-DD 或 YYYY-MM，默认上一个已结束的周期")
                    .returns::<PreviewOut>(),
                api_preview,
            )
            .api(
                Method::Put,
                "/api/v1/reports/conclusions",
                ApiDoc::new("运营报告", "保存结论与措施（草稿）")
                    .body::<ConclusionsIn>()
                    .returns::<SavedOut>()
                    .error(409, "该周期报告已发布，不可修改")
                    .error(422, "内容过长或周期无效"),
                api_conclusions,
            )
            .api(
                Method::Post,
                "/api/v1/reports",
                ApiDoc::new("运营报告", "发布报告")
                    .describe("生成并保存该周期的 PDF 与 Excel（发布后不可修改），并安排次日 8 点邮件发送给订阅人。每个周期只能发布一次。")
                    .body::<PublishIn>()
                    .returns::<ReportOut>()
                    .status(201)
                    .error(409, "该周期报告已发布")
                    .error(422, "周期尚未结束或无效")
                    .error(503, "服务器未安装中文字体"),
                api_publish,
            )
            .api(
                Method::Get,
                "/api/v1/reports",
                ApiDoc::new("运营报告", "已发布报告列表")
                    .query_as("kind", Param::OneOf(&["week", "month", "quarter", "half", "year"]), "week|month|quarter|half|year（可选）")
                    .query_as("page", Param::PAGE, "页码，从 1 开始")
                    .returns::<ReportListOut>(),
                api_list,
            )
            .api(
                Method::Get,
                "/api/v1/reports/{report_id}",
                ApiDoc::new("运营报告", "已发布报告（含发布时的数字）").returns::<ReportDetailOut>(),
                api_get,
            )
            .api(
                Method::Get,
                "/api/v1/reports/{report_id}/pdf",
                ApiDoc::new("运营报告", "下载已发布报告 PDF").file(PDF),
                api_pdf,
            )
            .api(
                Method::Get,
                "/api/v1/reports/{report_id}/xlsx",
                ApiDoc::new("运营报告", "下载已发布报告 Excel").file(XLSX),
                api_xlsx,
            )
            .api(
                Method::Post,
                "/api/v1/reports/{report_id}/deliveries",
                ApiDoc::new("运营报告", "立即发送给尚未收到的订阅人").returns::<JobOut>().status(202),
                api_send,
            )
            .api(
                Method::Get,
                "/api/v1/report-subscribers",
                ApiDoc::new("运营报告", "报告订阅人列表").returns::<Vec<SubscriberOut>>(),
                api_subscribers,
            )
            .api(
                Method::Post,
                "/api/v1/report-subscribers",
                ApiDoc::new("运营报告", "添加订阅人").body::<SubscriberIn>().returns::<SubscriberOut>().status(201).error(422, "姓名、邮箱或报告类型有误"),
                api_subscriber_add,
            )
            .api(
                Method::Put,
                "/api/v1/report-subscribers/{subscriber_id}",
                ApiDoc::new("运营报告", "修改订阅人").body::<SubscriberIn>().returns::<SubscriberOut>().error(422, "姓名、邮箱或报告类型有误"),
                api_subscriber_update,
            )
            .api(
                Method::Delete,
                "/api/v1/report-subscribers/{subscriber_id}",
                ApiDoc::new("运营报告", "删除订阅人").status(204),
                api_subscriber_delete,
            )
    }
}

// ---- shared ----

#[derive(Deserialize)]
struct PeriodQuery {
    period: Option<String>,
    at: Option<String>,
    /// What was just done (`saved`, `published`), for the confirmation message.
    done: Option<String>,
}

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

use hops_platform::web::pages::{PDF, XLSX};

fn file_name(title: &str, label: &str, ext: &str) -> String {
    format!("{title}-{label}.{ext}")
}

fn ascii_name(kind: Period, start: impl std::fmt::Display, ext: &str) -> String {
    format!("report-{}-{start}.{ext}", kind.code())
}

fn report_id(raw: &str) -> Result<ReportId> {
    raw.parse().map_err(|_| Error::not_found("报告"))
}

fn subscriber_id(raw: &str) -> Result<SubscriberId> {
    raw.parse().map_err(|_| Error::not_found("订阅人"))
}

// ---- view models ----

pub struct ChangeView {
    pub text: String,
    pub arrow: &'static str,
    /// Colour by tone (good / bad / neutral), separate from the arrow's direction: the design
    /// system's `delta-up`/`delta-down` classes tie colour to direction.
    pub style: &'static str,
}

fn change_view(c: &Change) -> ChangeView {
    ChangeView {
        text: c.text.clone(),
        arrow: c.arrow(),
        style: match c.good {
            Some(true) => "color: var(--c-ok); font-weight: 600",
            Some(false) => "color: var(--c-bad); font-weight: 600",
            None => "color: var(--c-muted)",
        },
    }
}

pub struct KpiView {
    pub label: String,
    pub value: String,
    pub previous: String,
    pub year_ago: String,
    pub mom: ChangeView,
    pub yoy: ChangeView,
}

pub struct PreviewView {
    pub title: &'static str,
    pub label: String,
    pub start: String,
    pub end: String,
    pub overview: String,
    pub highlights: Vec<String>,
    pub problems: Vec<String>,
    /// The KPI table's value and comparison headings ([`Report::columns`]).
    pub columns: [String; 5],
    /// What is compared with what.
    pub compared: String,
    pub kpis: Vec<KpiView>,
    pub trend_chart: String,
    pub department_chart: String,
    pub departments: Vec<(String, String, String)>,
    /// Departments not listed (the preview lists the first 12).
    pub departments_more: usize,
    pub doctor_chart: String,
    pub doctors: Vec<model::DoctorLine>,
    pub leaderboard: Option<model::Leaderboard>,
    pub satisfaction: Vec<(String, String)>,
    pub reasons: Vec<(&'static str, i64)>,
    pub conclusions: String,
    pub conclusions_suggested: bool,
}

fn preview_view(r: &Report) -> PreviewView {
    let labels: Vec<String> = r.trend.iter().map(|t| t.label.clone()).collect();
    let values: Vec<Vec<i64>> = (0..kpi::KINDS.len()).map(|k| r.trend.iter().map(|t| t.by_kind[k]).collect()).collect();
    let series: Vec<LineSeries<'_>> = kpi::KINDS.iter().zip(&values).map(|((_, name), v)| LineSeries { name, values: v }).collect();
    let trend_chart = if r.trend.iter().any(|t| t.created > 0) {
        LineChart { labels: &labels, series: &series, unit: "单" }.svg()
    } else {
        String::new()
    };
    let depts: Vec<_> = r.departments.iter().take(10).collect();
    let dl: Vec<String> = depts.iter().map(|d| d.name.clone()).collect();
    let dv: Vec<i64> = depts.iter().map(|d| d.consultations).collect();
    let department_chart = if dv.is_empty() { String::new() } else { BarChart { labels: &dl, values: &dv, unit: "单" }.svg() };
    let docl: Vec<String> = r.doctors.iter().map(|d| d.name.clone()).collect();
    let docv: Vec<i64> = r.doctors.iter().map(|d| d.completed).collect();
    let doctor_chart = if docv.is_empty() { String::new() } else { BarChart { labels: &docl, values: &docv, unit: "单" }.svg() };
    let kpi_value = |k: &str| r.kpi(k).map(|l| model::show(&l.value)).unwrap_or_default();
    PreviewView {
        title: r.title,
        label: r.label.clone(),
        start: r.range.start.to_string(),
        end: r.range.last_day().to_string(),
        overview: r.summary.overview.clone(),
        highlights: r.summary.highlights.clone(),
        problems: r.summary.problems.clone(),
        columns: r.columns(),
        compared: r.spans.explain(),
        kpis: r
            .kpis
            .iter()
            .map(|l| KpiView {
                label: l.label.clone(),
                value: model::show(&l.value),
                previous: model::show(&l.previous),
                year_ago: model::show(&l.year_ago),
                mom: change_view(&l.mom),
                yoy: change_view(&l.yoy),
            })
            .collect(),
        trend_chart,
        department_chart,
        departments_more: r.departments.len().saturating_sub(12),
        departments: r
            .departments
            .iter()
            .take(12)
            .map(|d| {
                (d.name.clone(), model::group_digits(d.consultations), d.share.map(|s| format!("{:.1}%", s * 100.0)).unwrap_or_default())
            })
            .collect(),
        doctor_chart,
        doctors: r.doctors.clone(),
        leaderboard: r.leaderboard.clone(),
        satisfaction: vec![
            ("平均评分".into(), kpi_value("satisfaction_avg")),
            ("好评率".into(), kpi_value("good_review_rate")),
            ("评价数".into(), model::group_digits(r.reviews.rated())),
            ("差评数（1–2 分）".into(), model::group_digits(r.reviews.bad())),
        ],
        reasons: r.reviews.reasons.clone(),
        conclusions: r.conclusions.clone(),
        conclusions_suggested: r.conclusions_suggested,
    }
}

/// A published report for lists.
pub struct HistoryRow {
    pub id: i64,
    pub kind: &'static str,
    pub title: String,
    pub label: String,
    pub period: String,
    pub published_at: String,
    pub published_by: String,
    pub pdf_size: String,
    pub delivered: i64,
}

fn size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 { format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0) } else { format!("{} KB", (bytes + 1023) / 1024) }
}

fn history_row(r: &ReportRow) -> HistoryRow {
    HistoryRow {
        id: r.id.0,
        kind: model::kind_name(r.kind),
        title: r.title.clone(),
        label: r.label.clone(),
        period: format!("{} 至 {}", r.start, r.end),
        published_at: r.published_at.format_minute(),
        published_by: r.published_by.clone(),
        pdf_size: size(r.pdf_bytes),
        delivered: r.delivered,
    }
}

// ---- pages ----

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    shell: Shell,
    periods: Vec<(&'static str, &'static str)>,
    period: String,
    at: String,
    query: String,
    preview: PreviewView,
    published: Option<HistoryRow>,
    can_publish: bool,
    finished: bool,
    error: Option<String>,
    recent: Vec<HistoryRow>,
    flow: flow::FlowPanel,
    /// The flow panel's history, under the name the timeline partial reads.
    history: Vec<hops_platform::flow::web::HistoryItem>,
}

async fn reports_page_with(page: &Page, q: &PeriodQuery, error: Option<String>) -> PageResult<Html<String>> {
    let access = page.access();
    let range = service::parse_range(q.period.as_deref(), q.at.as_deref(), access.now().local_day())?;
    let report = service::build(access, range).await?;
    let published = service::published(access, range).await?;
    let (recent, _) = service::list(access, None, Paging::new(None, 8)).await?;
    let mut panel = flow::panel(access, range).await?;
    let flash = match (q.done.as_deref(), &published) {
        (Some("published"), Some(p)) => Some(format!("已发布{}{}，订阅人将在 8 点收到邮件。", p.label, model::kind_name(p.kind))),
        (Some("saved"), _) => Some("结论与措施已保存。".to_string()),
        (Some("submitted"), _) => Some("已提交发布，等待其他有发布权限的人审批。".to_string()),
        (Some("setting"), _) => Some("报告发布审批设置已保存。".to_string()),
        _ => None,
    };
    render(ReportsPage {
        shell: page.shell("运营报告").with_flash(flash),
        periods: Period::ALL.iter().map(|p| (p.code(), model::kind_name(*p))).collect(),
        period: range.kind.code().into(),
        at: range.start.to_string(),
        query: format!("period={}&at={}", range.kind.code(), range.start),
        preview: preview_view(&report),
        published: published.as_ref().map(history_row),
        can_publish: access.can(PUBLISH),
        finished: range.end_exclusive <= access.now().local_day(),
        error,
        recent: recent.iter().map(history_row).collect(),
        history: std::mem::take(&mut panel.history),
        flow: panel,
    })
}

async fn reports_page(page: Page, Query(q): Query<PeriodQuery>) -> PageResult<Html<String>> {
    page.access().require(READ)?;
    reports_page_with(&page, &q, None).await
}

#[derive(Deserialize)]
struct ConclusionsFormIn {
    period: Option<String>,
    at: Option<String>,
    conclusions: Option<String>,
}

fn back(range: hops_kernel::PeriodRange, done: &str) -> Response {
    Redirect::to(&format!("/reports?period={}&at={}&done={done}", range.kind.code(), range.start)).into_response()
}

async fn conclusions_form(page: Page, Form(f): Form<ConclusionsFormIn>) -> PageResult<Response> {
    let access = page.access();
    let range = service::parse_range(f.period.as_deref(), f.at.as_deref(), access.now().local_day())?;
    match service::save_conclusions(access, range, f.conclusions.as_deref().unwrap_or("")).await {
        Ok(()) => Ok(back(range, "saved")),
        Err(e) if e.status() == 422 => {
            let q = PeriodQuery { period: f.period, at: f.at, done: None };
            let html = reports_page_with(&page, &q, Some(e.public_message())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn publish_form(page: Page, Form(q): Form<PeriodQuery>) -> PageResult<Response> {
    let access = page.access();
    let range = service::parse_range(q.period.as_deref(), q.at.as_deref(), access.now().local_day())?;
    let published = if crate::approval::required(access).await? {
        crate::approval::submit(access, range, "").await.map(|_| "submitted")
    } else {
        service::publish(access, range).await.map(|_| "published")
    };
    match published {
        Ok(done) => Ok(back(range, done)),
        Err(e) if e.status() == 422 || e.status() == 409 => {
            let html = reports_page_with(&page, &q, Some(e.public_message())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn preview_file(page: &Page, q: &PeriodQuery, which: File) -> PageResult<Response> {
    let access = page.access();
    let range = service::parse_range(q.period.as_deref(), q.at.as_deref(), access.now().local_day())?;
    let report = service::build(access, range).await?;
    let (title, label) = (report.title, report.label.clone());
    let (bytes, ct, ext) = match which {
        File::Pdf => (service::render_pdf(report).await?, PDF, "pdf"),
        File::Xlsx => (service::render_xlsx(&report)?, XLSX, "xlsx"),
    };
    access
        .audit_read("report.preview_download", &format!("report:{}:{}", range.kind.code(), range.start), &format!("{label} {ext}"))
        .await?;
    Ok(hops_platform::web::download(
        ct,
        &ascii_name(range.kind, range.start, ext),
        &file_name(title, &format!("{label}（预览）"), ext),
        bytes,
    ))
}

async fn preview_pdf(page: Page, Query(q): Query<PeriodQuery>) -> PageResult<Response> {
    preview_file(&page, &q, File::Pdf).await
}

async fn preview_xlsx(page: Page, Query(q): Query<PeriodQuery>) -> PageResult<Response> {
    preview_file(&page, &q, File::Xlsx).await
}

#[derive(Deserialize)]
struct HistoryQuery {
    kind: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "report_history.html")]
struct HistoryPage {
    shell: Shell,
    rows: Vec<HistoryRow>,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    pager: Pager,
    can_publish: bool,
}

async fn history_page(page: Page, Query(q): Query<HistoryQuery>) -> PageResult<Html<String>> {
    let access = page.access();
    let kind = q.kind.as_deref().filter(|k| !k.is_empty()).and_then(|k| Period::parse(k).ok());
    let paging = Paging::new(q.page, 20);
    let (rows, total) = service::list(access, kind, paging).await?;
    let code = kind.map(|k| k.code()).unwrap_or("");
    render(HistoryPage {
        shell: page.shell("已发布报告"),
        rows: rows.iter().map(history_row).collect(),
        kinds: Period::ALL.iter().map(|p| (p.code(), model::kind_name(*p))).collect(),
        kind: code.into(),
        pager: Pager::new(paging, total, &format!("/reports/history?kind={code}")),
        can_publish: access.can(PUBLISH),
    })
}

async fn published_file(page: &Page, raw: &str, which: File) -> PageResult<Response> {
    let (row, bytes) = service::file(page.access(), report_id(raw)?, which).await?;
    let (ct, ext) = if which == File::Pdf { (PDF, "pdf") } else { (XLSX, "xlsx") };
    Ok(hops_platform::web::download(ct, &ascii_name(row.kind, row.start, ext), &file_name(&row.title, &row.label, ext), bytes))
}

async fn published_pdf(page: Page, Path(id): Path<String>) -> PageResult<Response> {
    published_file(&page, &id, File::Pdf).await
}

async fn published_xlsx(page: Page, Path(id): Path<String>) -> PageResult<Response> {
    published_file(&page, &id, File::Xlsx).await
}

async fn send_form(page: Page, Path(id): Path<String>) -> PageResult<Response> {
    let id = report_id(&id)?;
    service::send_now(page.access(), id).await?;
    Ok(Redirect::to("/reports/history").into_response())
}

#[derive(Template)]
#[template(path = "report_subscribers.html")]
struct SubscribersPage {
    shell: Shell,
    rows: Vec<SubscriberView>,
    kinds: Vec<(&'static str, &'static str)>,
    draft_name: String,
    draft_email: String,
    draft_kinds: Vec<String>,
    errors: Vec<FieldError>,
    can_publish: bool,
    smtp_configured: bool,
}

impl SubscribersPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect::<Vec<_>>().join("；")
    }
    fn has_error(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }
    fn wants(&self, code: &str) -> bool {
        self.draft_kinds.iter().any(|k| k == code)
    }
}

pub struct SubscriberView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub kinds: String,
    pub created_at: String,
}

fn subscriber_view(s: &SubscriberRow) -> SubscriberView {
    SubscriberView {
        id: s.id.0,
        name: s.name.clone(),
        email: s.email.clone(),
        kinds: s.kinds.iter().map(|k| model::kind_name(*k)).collect::<Vec<_>>().join("、"),
        created_at: s.created_at.format_minute(),
    }
}

async fn subscribers_render(page: &Page, draft: model::SubscriberDraft, errors: Vec<FieldError>) -> PageResult<Html<String>> {
    let access = page.access();
    let rows = service::subscribers(access).await?;
    render(SubscribersPage {
        shell: page.shell("报告订阅人"),
        rows: rows.iter().map(subscriber_view).collect(),
        kinds: Period::ALL.iter().map(|p| (p.code(), model::kind_name(*p))).collect(),
        draft_name: draft.name,
        draft_email: draft.email,
        draft_kinds: if draft.kinds.is_empty() && errors.is_empty() { vec!["month".into()] } else { draft.kinds },
        errors,
        can_publish: access.can(PUBLISH),
        smtp_configured: access.core().config.notify.smtp.is_some(),
    })
}

async fn subscribers_page(page: Page) -> PageResult<Html<String>> {
    subscribers_render(&page, model::SubscriberDraft::default(), Vec::new()).await
}

/// The subscriber form: name, email and one `kinds` field per ticked box.
fn subscriber_draft(pairs: &[(String, String)]) -> model::SubscriberDraft {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    model::SubscriberDraft {
        name: get("name"),
        email: get("email"),
        kinds: pairs.iter().filter(|(n, _)| n == "kinds").map(|(_, v)| v.clone()).collect(),
    }
}

async fn subscriber_add_form(page: Page, Form(pairs): Form<Vec<(String, String)>>) -> PageResult<Response> {
    let draft = subscriber_draft(&pairs);
    match service::add_subscriber(page.access(), &draft).await {
        Ok(_) => Ok(Redirect::to("/reports/subscribers").into_response()),
        Err(Error::Client { status: 422, fields, .. }) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, subscribers_render(&page, draft, fields).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn subscriber_delete_form(page: Page, Path(id): Path<String>) -> PageResult<Response> {
    service::remove_subscriber(page.access(), subscriber_id(&id)?).await?;
    Ok(Redirect::to("/reports/subscribers").into_response())
}
