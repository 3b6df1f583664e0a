//! Pages and API of doctor performance: the month list with totals, status and export, the
//! sheet with its trace and the verification forms, the formula settings, and
//! `GET /api/v1/performance`.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::Money;
use hops_platform::flow::web::{HistoryItem, items as items_of};
use hops_platform::web::Param;
use hops_platform::web::pages::url_encode;
use hops_platform::web::{Api, ApiDoc, ApiResult, Form, Json, Method, Page, PageError, PageResult, Pager, Paging, Routes, Scope, Shell};
use hops_platform::{Access, Error, Permission};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::activity::model::ConsultationKind;

use super::model::{self, AdjustmentDraft, Answer, FormulaDraft, LineKind, Month, Status};
use super::service::{self, MonthView, SheetDetail, Viewer};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Own)
        .page(Method::Get, "/performance", "医生绩效", list_page)
        .page(Method::Post, "/performance/generate", "生成月度绩效单", generate)
        .page_confirmed(Method::Post, "/performance/lock", "锁定月度绩效", lock)
        .page(Method::Get, "/performance/export.xlsx", "导出月度绩效（Excel）", export)
        .page(Method::Get, "/performance/settings", "绩效方案", settings_page)
        .page(Method::Post, "/performance/settings", "保存绩效方案", save_settings)
        .page(Method::Get, "/performance/sheets/{sheet_id}", "绩效单", sheet_page)
        .page(Method::Post, "/performance/sheets/{sheet_id}/confirm", "确认绩效单", confirm)
        .page(Method::Post, "/performance/sheets/{sheet_id}/dispute", "对绩效单提出异议", dispute)
        .page(Method::Post, "/performance/sheets/{sheet_id}/resolve", "处理绩效异议", resolve)
        .page(Method::Post, "/performance/sheets/{sheet_id}/adjust", "调整绩效单（投诉成立或人工调整）", adjust)
        .api(
            Method::Get,
            "/api/v1/performance",
            ApiDoc::new("医生绩效", "一个月的医生绩效单（合计、状态与计算明细）")
                .describe(
                    "month 为 YYYY-MM（北京时间自然月，问诊按下单时间归月），默认上个月。state 为 not_generated（未生成）、open（核对中）或 locked（已锁定）。\
                     金额为以元为单位、两位小数的字符串，按分精确计算。运营人员可见全部医生；医生账号（用户名为医生工号）只返回本人的绩效单。",
                )
                .query_as("month", Param::Month, "YYYY-MM，默认上个月")
                .returns::<PerformanceMonthOut>()
                .error(422, "month 格式有误"),
            api_month,
        )
}

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

/// `?month=`; empty means the month before today's (the month usually being checked).
fn parse_month(access: &Access, s: Option<&str>) -> Result<Month, Error> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Month::containing(access.now().local_day()).previous()),
        Some(s) => Month::parse(s).map_err(|m| Error::invalid_field("month", m)),
    }
}

use hops_platform::web::FormErrors;
use hops_platform::web::flash;

// ---- API ----

#[derive(Serialize, ToSchema)]
pub struct FormulaOut {
    /// Unit price per completed, not refunded consultation, yuan.
    price_text: String,
    price_video: String,
    price_phone: String,
    price_revisit: String,
    /// The doctor's share of consultation revenue, percent (e.g. "30", "12.5").
    share_percent: String,
    /// A first reply later than this many minutes after payment is a timeout.
    timeout_minutes: i64,
    /// Deducted per timeout, yuan.
    timeout_deduction: String,
    /// Deducted per upheld complaint, yuan.
    complaint_deduction: String,
}

#[derive(Serialize, ToSchema)]
pub struct LineOut {
    /// text, video, phone, revisit, revenue_share, timeouts, complaints or manual.
    kind: String,
    /// What the line is for (Chinese).
    item: String,
    count: i64,
    /// The unit, as printed (e.g. "¥5.00/单", "¥60.00 × 30%").
    unit: String,
    /// Yuan, two decimals; negative for deductions.
    amount: String,
}

#[derive(Serialize, ToSchema)]
pub struct SheetOut {
    id: i64,
    doctor_code: String,
    doctor_name: String,
    department_name: String,
    /// draft, confirmed, disputed or resolved.
    status: String,
    status_label: String,
    /// Yuan, two decimals (the sum of the lines).
    total: String,
    lines: Vec<LineOut>,
}

#[derive(Serialize, ToSchema)]
pub struct StatusCountsOut {
    draft: usize,
    confirmed: usize,
    disputed: usize,
    resolved: usize,
}

#[derive(Serialize, ToSchema)]
pub struct PerformanceMonthOut {
    /// YYYY-MM.
    month: String,
    label: String,
    /// not_generated, open or locked.
    state: String,
    generated_at: Option<String>,
    locked_at: Option<String>,
    /// The formula the sheets were computed with (null before generation).
    formula: Option<FormulaOut>,
    sheet_count: usize,
    /// Sum of the sheets' totals, yuan.
    total: String,
    by_status: StatusCountsOut,
    sheets: Vec<SheetOut>,
}

fn formula_out(f: &model::Formula) -> FormulaOut {
    let d = FormulaDraft::from_formula(f);
    FormulaOut {
        price_text: d.price_text,
        price_video: d.price_video,
        price_phone: d.price_phone,
        price_revisit: d.price_revisit,
        share_percent: d.share_percent,
        timeout_minutes: f.timeout_minutes,
        timeout_deduction: d.timeout_deduction,
        complaint_deduction: d.complaint_deduction,
    }
}

fn state_code(view: &MonthView) -> &'static str {
    match &view.row {
        None => "not_generated",
        Some(r) if r.locked_at.is_some() => "locked",
        Some(_) => "open",
    }
}

fn month_json(view: &MonthView) -> PerformanceMonthOut {
    PerformanceMonthOut {
        month: view.month.code(),
        label: view.month.label_zh(),
        state: state_code(view).into(),
        generated_at: view.row.as_ref().map(|r| r.generated_at.to_string()),
        locked_at: view.row.as_ref().and_then(|r| r.locked_at).map(|t| t.to_string()),
        formula: view.row.as_ref().map(|r| formula_out(&r.formula)),
        sheet_count: view.sheets.len(),
        total: view.total().to_yuan_string(),
        by_status: StatusCountsOut {
            draft: view.count(Status::Draft),
            confirmed: view.count(Status::Confirmed),
            disputed: view.count(Status::Disputed),
            resolved: view.count(Status::Resolved),
        },
        sheets: view
            .sheets
            .iter()
            .map(|s| SheetOut {
                id: s.sheet.id,
                doctor_code: s.sheet.doctor_code.clone(),
                doctor_name: s.sheet.doctor_name.clone(),
                department_name: s.sheet.department_name.clone(),
                status: s.sheet.status.code().into(),
                status_label: s.sheet.status.label_zh().into(),
                total: s.computed.total.to_yuan_string(),
                lines: s
                    .computed
                    .lines
                    .iter()
                    .map(|l| LineOut {
                        kind: l.kind.code().into(),
                        item: l.item.clone(),
                        count: l.count,
                        unit: l.unit.clone(),
                        amount: l.amount.to_yuan_string(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[derive(Deserialize)]
struct MonthQuery {
    month: Option<String>,
    status: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    page: Option<i64>,
    done: Option<String>,
}

async fn api_month(api: Api, Query(q): Query<MonthQuery>) -> ApiResult<Json<PerformanceMonthOut>> {
    let month = parse_month(api.access(), q.month.as_deref())?;
    Ok(Json(month_json(&service::month(api.access(), month).await?)))
}

// ---- list page ----

pub struct SheetItem {
    pub id: i64,
    pub doctor_code: String,
    pub doctor_name: String,
    pub department: String,
    pub consultations: i64,
    pub revenue: String,
    pub earned: String,
    pub deductions: String,
    pub adjustments: String,
    pub total: String,
    pub status_label: &'static str,
    pub badge: &'static str,
}

pub struct MyItem {
    pub id: i64,
    pub month: String,
    pub total: String,
    pub status_label: &'static str,
    pub badge: &'static str,
}

pub struct StatusChip {
    pub code: &'static str,
    pub label: &'static str,
    pub count: usize,
    pub badge: &'static str,
}

#[derive(Template)]
#[template(path = "performance.html")]
struct ListPage {
    shell: Shell,
    month: String,
    label: String,
    prev: String,
    next: String,
    /// not_generated, open, locked.
    state: &'static str,
    generated: String,
    locked: String,
    formula: String,
    has_settings: bool,
    items: Vec<SheetItem>,
    sheet_count: usize,
    total: String,
    drafts: usize,
    disputed: usize,
    chips: Vec<StatusChip>,
    status: String,
    q: String,
    by_total: bool,
    pager: Pager,
    can_manage: bool,
    can_export: bool,
    /// For a doctor: their sheets of every month (the list above is empty).
    mine: Option<Vec<MyItem>>,
    alert: Option<String>,
    /// The month's status changes (its lock).
    history: Vec<HistoryItem>,
}

/// Messages shown after a redirect, by code (never text from the query string).
const FLASH: &[(&str, &str)] = &[
    ("generated", "已生成绩效单"),
    ("locked", "本月绩效已锁定"),
    ("saved", "绩效方案已保存"),
    ("confirmed", "已确认绩效单"),
    ("disputed", "已提交异议，等待运营人员处理"),
    ("resolved", "异议已处理"),
    ("adjusted", "已记录调整，绩效单已重新计算"),
];

/// The list's filters: status, doctor code or name, order and page.
#[derive(Default)]
struct ListFilter {
    status: String,
    q: String,
    sort: String,
    page: Option<i64>,
}

impl ListFilter {
    fn from_query(q: &MonthQuery) -> ListFilter {
        ListFilter {
            status: q.status.clone().unwrap_or_default(),
            q: q.q.clone().unwrap_or_default().trim().to_string(),
            sort: q.sort.clone().unwrap_or_default(),
            page: q.page,
        }
    }
}

const PER_PAGE: i64 = 50;

async fn list_view(page: &Page, month: Month, f: &ListFilter, alert: Option<String>, done: Option<&str>) -> PageResult<ListPage> {
    let access = page.access();
    let viewer = service::viewer(access).await?;
    let shell = page.shell("医生绩效").with_flash(flash(done, FLASH));
    let mine = service::my_sheets(access).await?.map(|rows| {
        rows.into_iter()
            .map(|s| MyItem {
                id: s.id,
                month: Month::parse(&s.month).map(|m| m.label_zh()).unwrap_or(s.month),
                total: s.total.to_string(),
                status_label: s.status.label_zh(),
                badge: s.status.badge(),
            })
            .collect()
    });
    let view = if mine.is_some() { None } else { Some(service::month(access, month).await?) };
    let settings = if mine.is_some() { None } else { service::settings(access).await? };
    let filter = Status::parse(&f.status);
    let by_total = f.sort == "total";
    let paging = Paging::new(f.page, PER_PAGE);
    let base = format!(
        "/performance?month={}&status={}&q={}&sort={}",
        month.code(),
        filter.map(|s| s.code()).unwrap_or(""),
        url_encode(&f.q),
        if by_total { "total" } else { "" }
    );
    let (mut items, mut chips, mut sheet_count, mut total, mut drafts, mut disputed) = (Vec::new(), Vec::new(), 0, Money::ZERO, 0, 0);
    let (mut state, mut generated, mut locked, mut formula) = ("not_generated", String::new(), String::new(), String::new());
    let mut pager = Pager::new(paging, 0, &base);
    let history = view.as_ref().map(|v| items_of(&model::MONTH_FLOW, &v.history)).unwrap_or_default();
    if let Some(view) = &view {
        state = state_code(view);
        if let Some(r) = &view.row {
            generated = format!("{} 由 {} 生成", r.generated_at.format_minute(), r.generated_by);
            if let Some(at) = r.locked_at {
                locked = format!("{} 由 {} 锁定", at.format_minute(), r.locked_by.clone().unwrap_or_default());
            }
            formula = r.formula.describe();
        }
        sheet_count = view.sheets.len();
        total = view.total();
        drafts = view.count(Status::Draft);
        disputed = view.count(Status::Disputed);
        chips = Status::ALL
            .iter()
            .map(|s| StatusChip { code: s.code(), label: s.label_zh(), count: view.count(*s), badge: s.badge() })
            .collect();
        let mut shown: Vec<&service::SheetView> = view
            .sheets
            .iter()
            .filter(|s| filter.is_none_or(|st| s.sheet.status == st))
            .filter(|s| f.q.is_empty() || s.sheet.doctor_code.contains(&f.q) || s.sheet.doctor_name.contains(&f.q))
            .collect();
        if by_total {
            shown.sort_by_key(|s| std::cmp::Reverse(s.computed.total));
        }
        pager = Pager::new(paging, shown.len() as i64, &base);
        items = shown
            .into_iter()
            .skip(usize::try_from(paging.offset()).unwrap_or(usize::MAX))
            .take(PER_PAGE as usize)
            .map(|s| {
                let c = &s.computed;
                SheetItem {
                    id: s.sheet.id,
                    doctor_code: s.sheet.doctor_code.clone(),
                    doctor_name: s.sheet.doctor_name.clone(),
                    department: s.sheet.department_name.clone(),
                    consultations: s.sheet.activity.completed.iter().sum(),
                    revenue: s.sheet.activity.revenue.to_string(),
                    earned: c.sum(|k| matches!(k, LineKind::Consultations(_) | LineKind::RevenueShare)).to_string(),
                    deductions: c.sum(LineKind::is_deduction).to_string(),
                    adjustments: c.sum(|k| k == LineKind::Manual).to_string(),
                    total: c.total.to_string(),
                    status_label: s.sheet.status.label_zh(),
                    badge: s.sheet.status.badge(),
                }
            })
            .collect();
    }
    Ok(ListPage {
        shell,
        month: month.code(),
        label: month.label_zh(),
        prev: month.previous().code(),
        next: month.next().code(),
        state,
        generated,
        locked,
        formula,
        has_settings: settings.is_some(),
        items,
        sheet_count,
        total: total.to_string(),
        drafts,
        disputed,
        chips,
        status: filter.map(|s| s.code().to_string()).unwrap_or_default(),
        q: f.q.clone(),
        by_total,
        pager,
        can_manage: viewer == (Viewer::Staff { manage: true }),
        can_export: access.can(Permission::AnalyticsRead) && access.can(Permission::DataExport),
        mine,
        alert,
        history,
    })
}

async fn list_page(page: Page, Query(q): Query<MonthQuery>) -> PageResult<Html<String>> {
    let month = parse_month(page.access(), q.month.as_deref())?;
    render(list_view(&page, month, &ListFilter::from_query(&q), None, q.done.as_deref()).await?)
}

#[derive(Deserialize)]
struct MonthForm {
    #[serde(default)]
    month: String,
}

/// Runs a month-level change; on a refusal (409, 422) shows the list again with the reason.
async fn month_action<F, Fut>(page: Page, f: MonthForm, done: &str, run: F) -> PageResult<Response>
where
    F: FnOnce(Access, Month) -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    let month = Month::parse(&f.month).map_err(|m| Error::invalid_field("month", m))?;
    match run(page.access().clone(), month).await {
        Ok(()) => Ok(Redirect::to(&format!("/performance?month={}&done={done}", month.code())).into_response()),
        Err(e @ Error::Client { status: 409 | 422, .. }) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::CONFLICT);
            let t = list_view(&page, month, &ListFilter::default(), Some(e.public_message()), None).await?;
            Ok((status, render(t)?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

async fn generate(page: Page, Form(f): Form<MonthForm>) -> PageResult<Response> {
    month_action(page, f, "generated", |access, month| async move { service::generate(&access, month).await.map(|_| ()) }).await
}

async fn lock(page: Page, Form(f): Form<MonthForm>) -> PageResult<Response> {
    month_action(page, f, "locked", |access, month| async move { service::lock(&access, month).await }).await
}

async fn export(page: Page, Query(q): Query<MonthQuery>) -> PageResult<Response> {
    let month = parse_month(page.access(), q.month.as_deref())?;
    let bytes = service::export(page.access(), month).await?;
    let filename = format!("医生绩效_{}.xlsx", month.code());
    Ok(hops_platform::web::xlsx(&format!("performance-{}.xlsx", month.code()), &filename, bytes))
}

// ---- settings ----

pub struct PriceField {
    pub field: &'static str,
    pub label: String,
    pub value: String,
    pub placeholder: &'static str,
}

#[derive(Template)]
#[template(path = "performance_settings.html")]
struct SettingsPage {
    shell: Shell,
    draft: FormulaDraft,
    prices: Vec<PriceField>,
    errors: FormErrors,
    can_manage: bool,
    updated: String,
}

fn settings_view(page: &Page, draft: FormulaDraft, errors: FormErrors, updated: String, done: Option<&str>) -> SettingsPage {
    let prices = model::KINDS
        .iter()
        .map(|k| PriceField {
            field: model::price_field(*k),
            label: format!("{}单价（元/单）", model::kind_name(*k)),
            value: draft.price(*k).to_string(),
            placeholder: match k {
                ConsultationKind::Text => "5.00",
                ConsultationKind::Video => "20.00",
                ConsultationKind::Phone => "15.00",
                ConsultationKind::Revisit => "3.00",
            },
        })
        .collect();
    let access = page.access();
    SettingsPage {
        shell: page.shell("绩效方案").with_flash(flash(done, FLASH)),
        draft,
        prices,
        errors,
        can_manage: access.can(Permission::AnalyticsRead) && access.can(Permission::AnalyticsPublish),
        updated,
    }
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn settings_page(page: Page, Query(q): Query<DoneQuery>) -> PageResult<Html<String>> {
    let current = service::settings(page.access()).await?;
    let (draft, updated) = match current {
        Some((f, at, by)) => (FormulaDraft::from_formula(&f), format!("{} 由 {by} 保存", at.format_minute())),
        None => (FormulaDraft { timeout_minutes: "30".into(), ..Default::default() }, String::new()),
    };
    render(settings_view(&page, draft, FormErrors::default(), updated, q.done.as_deref()))
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    price_text: String,
    #[serde(default)]
    price_video: String,
    #[serde(default)]
    price_phone: String,
    #[serde(default)]
    price_revisit: String,
    #[serde(default)]
    share_percent: String,
    #[serde(default)]
    timeout_minutes: String,
    #[serde(default)]
    timeout_deduction: String,
    #[serde(default)]
    complaint_deduction: String,
}

async fn save_settings(page: Page, Form(f): Form<SettingsForm>) -> PageResult<Response> {
    let draft = FormulaDraft {
        price_text: f.price_text,
        price_video: f.price_video,
        price_phone: f.price_phone,
        price_revisit: f.price_revisit,
        share_percent: f.share_percent,
        timeout_minutes: f.timeout_minutes,
        timeout_deduction: f.timeout_deduction,
        complaint_deduction: f.complaint_deduction,
    };
    match service::save_settings(page.access(), &draft).await {
        Ok(_) => Ok(Redirect::to("/performance/settings?done=saved").into_response()),
        Err(e) => {
            let fields = service::field_errors(&e).ok_or(PageError(e))?;
            let updated = match service::settings(page.access()).await? {
                Some((_, at, by)) => format!("{} 由 {by} 保存", at.format_minute()),
                None => String::new(),
            };
            let t = settings_view(&page, draft, FormErrors::new(fields), updated, None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response())
        }
    }
}

// ---- sheet page ----

pub struct LineView {
    pub item: String,
    pub count: i64,
    pub unit: String,
    pub amount: String,
}

pub struct AdjustmentView {
    pub at: String,
    pub by: String,
    pub kind: &'static str,
    pub amount: String,
    pub reason: String,
}

pub struct EventView {
    pub at: String,
    pub actor: String,
    pub label: &'static str,
    pub comment: String,
}

fn event_label(action: &str) -> &'static str {
    match action {
        "generated" => "生成绩效单",
        "regenerated" => "重新生成",
        "confirmed" => "医生确认",
        "disputed" => "医生提出异议",
        "confirmed_on_behalf" => "代医生确认",
        "disputed_on_behalf" => "代医生提出异议",
        "resolved" => "处理异议",
        "adjusted" => "调整",
        _ => "其他",
    }
}

/// Which form the errors and values belong to.
#[derive(Default)]
pub struct Submitted {
    pub form: &'static str,
    pub comment: String,
    pub adjustment: AdjustmentDraft,
}

#[derive(Template)]
#[template(path = "performance_sheet.html")]
struct SheetPage {
    shell: Shell,
    id: i64,
    month: String,
    month_label: String,
    doctor_code: String,
    doctor_name: String,
    department: String,
    status_label: &'static str,
    badge: &'static str,
    locked: String,
    formula: String,
    lines: Vec<LineView>,
    total: String,
    adjustments: Vec<AdjustmentView>,
    events: Vec<EventView>,
    /// The sheet's status changes.
    history: Vec<HistoryItem>,
    can_confirm: bool,
    can_dispute: bool,
    can_resolve: bool,
    can_adjust: bool,
    on_behalf: bool,
    disputed: bool,
    errors: FormErrors,
    submitted: Submitted,
    alert: Option<String>,
}

fn sheet_view(
    page: &Page,
    d: SheetDetail,
    errors: FormErrors,
    submitted: Submitted,
    alert: Option<String>,
    done: Option<&str>,
) -> SheetPage {
    let locked = d.locked();
    let may_answer = (d.is_own || d.can_manage) && !locked;
    let s = &d.sheet;
    SheetPage {
        shell: page.shell(format!("绩效单 · {} {}", s.doctor_name, d.month.label_zh())).with_flash(flash(done, FLASH)),
        id: s.id,
        month: d.month.code(),
        month_label: d.month.label_zh(),
        doctor_code: s.doctor_code.clone(),
        doctor_name: s.doctor_name.clone(),
        department: s.department_name.clone(),
        status_label: s.status.label_zh(),
        badge: s.status.badge(),
        locked: match d.month_row.locked_at {
            Some(at) => format!("{} 由 {} 锁定", at.format_minute(), d.month_row.locked_by.clone().unwrap_or_default()),
            None => String::new(),
        },
        formula: d.month_row.formula.describe(),
        lines: d
            .computed
            .lines
            .iter()
            .map(|l| LineView { item: l.item.clone(), count: l.count, unit: l.unit.clone(), amount: l.amount.to_string() })
            .collect(),
        total: d.computed.total.to_string(),
        adjustments: d
            .adjustments
            .iter()
            .map(|a| AdjustmentView {
                at: a.created_at.format_minute(),
                by: a.created_by.clone(),
                kind: a.adjustment.kind.label_zh(),
                amount: match a.adjustment.kind {
                    model::AdjustmentKind::Complaint => Money(-d.month_row.formula.complaint_deduction.0).to_string(),
                    model::AdjustmentKind::Manual => a.adjustment.amount.to_string(),
                },
                reason: a.adjustment.reason.clone(),
            })
            .collect(),
        events: d
            .events
            .iter()
            .map(|e| EventView {
                at: e.at.format_minute(),
                actor: e.actor_name.clone(),
                label: event_label(&e.action),
                comment: e.comment.clone(),
            })
            .collect(),
        history: items_of(&model::FLOW, &d.history),
        can_confirm: may_answer && model::answer(s.status, Answer::Confirm).is_ok(),
        can_dispute: may_answer && model::answer(s.status, Answer::Dispute).is_ok(),
        can_resolve: d.can_manage && !locked && model::resolve(s.status).is_ok(),
        can_adjust: d.can_manage && !locked,
        on_behalf: !d.is_own && d.can_manage,
        disputed: s.status == Status::Disputed,
        errors,
        submitted,
        alert,
    }
}

#[derive(Deserialize)]
struct SheetForm {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

impl SheetForm {
    fn adjustment(&self) -> AdjustmentDraft {
        AdjustmentDraft { kind: self.kind.clone(), amount: self.amount.clone(), reason: self.reason.clone() }
    }
}

async fn sheet_page(page: Page, Path(id): Path<i64>, Query(q): Query<DoneQuery>) -> PageResult<Html<String>> {
    let d = service::sheet(page.access(), id).await?;
    render(sheet_view(&page, d, FormErrors::default(), Submitted::default(), None, q.done.as_deref()))
}

/// Shows the outcome of a change to a sheet: back to the sheet on success; the sheet with the
/// form's errors (422) or the refusal (409) otherwise.
async fn after_change<T>(page: Page, id: i64, done: &str, submitted: Submitted, r: Result<T, Error>) -> PageResult<Response> {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/performance/sheets/{id}?done={done}")).into_response()),
        Err(e @ Error::Client { status: 409 | 422, .. }) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::CONFLICT);
            let (errors, alert) = match service::field_errors(&e) {
                Some(f) => (FormErrors::new(f), None),
                None => (FormErrors::default(), Some(e.public_message())),
            };
            let d = service::sheet(page.access(), id).await?;
            Ok((status, render(sheet_view(&page, d, errors, submitted, alert, None))?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

async fn confirm(page: Page, Path(id): Path<i64>, Form(f): Form<SheetForm>) -> PageResult<Response> {
    let r = service::answer(page.access(), id, Answer::Confirm, &f.comment).await;
    after_change(page, id, "confirmed", Submitted { form: "confirm", comment: f.comment, ..Default::default() }, r).await
}

async fn dispute(page: Page, Path(id): Path<i64>, Form(f): Form<SheetForm>) -> PageResult<Response> {
    let r = service::answer(page.access(), id, Answer::Dispute, &f.comment).await;
    after_change(page, id, "disputed", Submitted { form: "dispute", comment: f.comment, ..Default::default() }, r).await
}

async fn resolve(page: Page, Path(id): Path<i64>, Form(f): Form<SheetForm>) -> PageResult<Response> {
    let adjustment = f.adjustment();
    let r = service::resolve(page.access(), id, &f.comment, &adjustment).await;
    after_change(page, id, "resolved", Submitted { form: "resolve", comment: f.comment, adjustment }, r).await
}

async fn adjust(page: Page, Path(id): Path<i64>, Form(f): Form<SheetForm>) -> PageResult<Response> {
    let adjustment = f.adjustment();
    let r = service::adjust(page.access(), id, &adjustment).await;
    after_change(page, id, "adjusted", Submitted { form: "adjust", adjustment, ..Default::default() }, r).await
}
