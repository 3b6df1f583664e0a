//! Pages and API of activity data and KPIs.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use hops_kernel::{LocalDay, Period, PeriodRange};
use hops_platform::charts::BarChart;
use hops_platform::tabular::{self, Column, ImportReport, Mode, RowError, Table};
use hops_platform::web::upload;
use hops_platform::web::{
    Api, ApiDoc, ApiResult, BoxFuture, ChartPanel, Json, Method, Module, NavItem, Page, PageError, PageResult, Routes, Scope, Section,
    Shell, Tile, group_digits,
};
use hops_platform::{Access, Error, Permission, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value as JsonValue;
use utoipa::ToSchema;

use crate::kpi::{self, Value};
use crate::service::{self, INGEST_KINDS, KpiSet};

/// The analytics module.
pub struct AnalyticsModule;

impl Module for AnalyticsModule {
    fn name(&self) -> &'static str {
        "analytics"
    }

    /// Rebuilds the roll-ups an interrupted rebuild left marked stale.
    fn on_start<'a>(&'a self, core: &'a std::sync::Arc<hops_platform::Core>) -> BoxFuture<'a, Result<()>> {
        Box::pin(crate::upkeep::rebuild_pending(core))
    }

    fn nav(&self) -> Vec<NavItem> {
        vec![
            NavItem { section: Section::Analytics, label: "运营指标", href: "/kpis", permission: Permission::AnalyticsRead },
            NavItem { section: Section::Analytics, label: "数据接入", href: "/ingest", permission: Permission::ActivityIngest },
            NavItem { section: Section::Analytics, label: "医生绩效", href: "/performance", permission: Permission::AnalyticsRead },
            NavItem { section: Section::Analytics, label: "我的绩效", href: "/performance", permission: Permission::OwnPerformance },
            NavItem { section: Section::Analytics, label: "排行榜", href: "/rankings", permission: Permission::AnalyticsRead },
        ]
    }

    fn encrypted_columns(&self) -> Vec<hops_platform::reencrypt::Column> {
        vec![hops_platform::reencrypt::Column::new(crate::rankings::service::CONTACT)]
    }

    fn routes(&self) -> Routes {
        let mut r = Routes::scoped(Scope::Hospital)
            .merge(crate::performance::web::routes())
            .merge(crate::rankings::web::routes())
            .merge(crate::revenue::web::routes())
            .scope(Scope::Hospital)
        .page(Method::Get, "/kpis", "运营指标", kpis_page)
            .scope(Scope::AllPeople)
        .page(Method::Get, "/ingest", "数据接入", ingest_page)
            .page(Method::Post, "/ingest", "上传数据文件", ingest_upload)
            .page(Method::Get, "/ingest/template.xlsx", "下载数据模板", ingest_template)
            .scope(Scope::Hospital)
        .api(
                Method::Get,
                "/api/v1/kpis",
                ApiDoc::new("运营指标", "一个周期的全部指标（含环比、同比）")
                    .describe("period 为 week|month|quarter|half|year；at 为周期内任意日期（YYYY-MM-DD）或月份（YYYY-MM），默认今天。比率为小数（0.8312），金额为以元为单位的字符串。同一周期的结果会缓存数秒（有数据变更即失效）；请求头 Cache-Control: no-cache 可要求重新计算。")
                    .query("period", "week|month|quarter|half|year")
                    .query("at", "YYYY-MM-DD 或 YYYY-MM")
                    .returns::<KpiResponse>(),
                api_kpis,
            );
        // Ingest writes patients and their activity: for roles that see every patient.
        r = r.scope(Scope::AllPeople);
        macro_rules! ingest {
            ($slug:literal, $summary:literal) => {
                r = r.api(
                    Method::Post,
                    concat!("/api/v1/ingest/", $slug),
                    ApiDoc::new("数据接入", $summary)
                        .describe("按 external_id（科室、医生为 code）幂等：重复发送同一行即更新、不会重复。默认整批校验，任何一行有误则整批不写入并返回逐行错误；mode=skip_bad 时只写入无误的行。行号从 1 开始。列见 docs/ingest.md。")
                        .body::<IngestRequest>()
                        .returns::<IngestResponse>()
                        .error(422, "有错误行，整批未写入"),
                    |api: Api, Json(body): Json<IngestRequest>| async move { api_ingest(api, $slug, body).await },
                );
            };
        }
        ingest!("departments", "接入科室");
        ingest!("doctors", "接入医生");
        ingest!("patients", "接入患者");
        ingest!("consultations", "接入问诊");
        ingest!("appointments", "接入预约挂号");
        ingest!("payments", "接入充值缴费与医保结算");
        ingest!("prescriptions", "接入处方流转");
        r
    }

    fn tiles<'a>(&'a self, access: &'a Access) -> BoxFuture<'a, Result<Vec<Tile>>> {
        Box::pin(async move {
            if !access.can(Permission::AnalyticsRead) {
                return Ok(Vec::new());
            }
            let set = service::kpis(access, PeriodRange::containing(Period::Month, access.now().local_day())).await?;
            let tile = |key: &str, label: &str| {
                let v = find(&set.current, key);
                Tile {
                    label: label.into(),
                    value: match v {
                        Value::Money(m) => compact_money(*m),
                        other => show(other),
                    },
                    sub: format!("环比 {}", delta(v, find(&set.previous, key))),
                    href: "/kpis".into(),
                }
            };
            // Today and this week from the daily counts; this week against the same days of last week.
            let today = access.now().local_day();
            let days = service::daily_consultations(access, 14).await?;
            let count = |from: LocalDay, to: LocalDay| days.iter().filter(|(d, _)| from <= *d && *d <= to).map(|(_, n)| n).sum::<i64>();
            let monday = PeriodRange::containing(Period::Week, today).start;
            let (this_week, last_week) = (count(monday, today), count(monday.plus_days(-7), today.plus_days(-7)));
            Ok(vec![
                Tile {
                    label: "今日问诊量".into(),
                    value: group_digits(count(today, today)),
                    sub: format!("昨日 {}", group_digits(count(today.plus_days(-1), today.plus_days(-1)))),
                    href: "/kpis?period=week".into(),
                },
                Tile {
                    label: "本周问诊量".into(),
                    value: group_digits(this_week),
                    sub: format!("较上周同期 {}", delta(&Value::Count(this_week), &Value::Count(last_week))),
                    href: "/kpis?period=week".into(),
                },
                tile("consultations_created", "本月问诊量"),
                tile("consultation_revenue", "本月问诊收入"),
                tile("good_review_rate", "本月好评率"),
                crate::revenue::web::tile(access).await?,
            ])
        })
    }

    fn charts<'a>(&'a self, access: &'a Access) -> BoxFuture<'a, Result<Vec<ChartPanel>>> {
        Box::pin(async move {
            if !access.can(Permission::AnalyticsRead) {
                return Ok(Vec::new());
            }
            let month = PeriodRange::containing(Period::Month, access.now().local_day());
            let daily = service::daily_consultations(access, 30).await?;
            let labels: Vec<String> = daily.iter().map(|(d, _)| format!("{}", d.to_date().day())).collect();
            let values: Vec<i64> = daily.iter().map(|(_, n)| *n).collect();
            let set = service::kpis(access, month).await?;
            let (dl, dv): (Vec<String>, Vec<i64>) = set.department_share.iter().take(8).map(|d| (d.name.clone(), d.consultations)).unzip();
            let top = service::top_doctors(access, month, 10).await?;
            let (tl, tv): (Vec<String>, Vec<i64>) = top.iter().map(|(name, _, n)| (name.clone(), *n)).unzip();
            let reasons = service::bad_review_reasons(access, month).await?;
            let (rl, rv): (Vec<String>, Vec<i64>) = reasons.iter().map(|(r, n)| (r.to_string(), *n)).unzip();
            let mut panels = vec![
                ChartPanel {
                    title: "近 30 天问诊量".into(),
                    subtitle: format!("合计 {}", group_digits(values.iter().sum())),
                    svg: BarChart { labels: &labels, values: &values, unit: "单" }.svg(),
                    href: "/kpis".into(),
                },
                ChartPanel {
                    title: "本月科室占比（支付问诊）".into(),
                    subtitle: set.range.label_zh(),
                    svg: BarChart { labels: &dl, values: &dv, unit: "单" }.svg(),
                    href: "/kpis".into(),
                },
                ChartPanel {
                    title: "本月医生完成问诊 Top 10".into(),
                    subtitle: set.range.label_zh(),
                    svg: BarChart { labels: &tl, values: &tv, unit: "单" }.svg(),
                    href: "/kpis".into(),
                },
            ];
            if !rv.is_empty() {
                panels.push(ChartPanel {
                    title: "本月差评原因".into(),
                    subtitle: format!("评分 ≤ 2 的评价 {} 条，按内容归类", group_digits(rv.iter().sum())),
                    svg: BarChart { labels: &rl, values: &rv, unit: "条" }.svg(),
                    href: "/kpis".into(),
                });
            }
            Ok(panels)
        })
    }
}

fn find<'a>(set: &'a [(String, Value)], key: &str) -> &'a Value {
    set.iter().find(|(k, _)| k == key).map(|(_, v)| v).unwrap_or(&Value::Rate(None))
}

/// Money short enough for a dashboard tile: from 10万 on, in 万元 with one decimal
/// (¥2,977.5万); below, to the fen.
pub(crate) fn compact_money(m: hops_kernel::Money) -> String {
    if m.0.abs() < 10_000_000 {
        return m.to_string();
    }
    let tenths = (m.0 as f64 / 100_000.0).round() as i64; // 0.1 万元 = 1,000 yuan = 100,000 fen
    let sign = if tenths < 0 { "-" } else { "" };
    format!("{sign}¥{}.{}万", group_digits(tenths.abs() / 10), tenths.abs() % 10)
}

/// A value for people: counts with separators, rates as percentages, money as ¥.
pub fn show(v: &Value) -> String {
    match v {
        Value::Count(n) => group_digits(*n),
        Value::Rate(Some(r)) => format!("{:.1}%", r * 100.0),
        Value::Average(Some(a)) => format!("{a:.2}"),
        Value::Rate(None) | Value::Average(None) => "—".into(),
        Value::Money(m) => m.to_string(),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Count(n) => Some(*n as f64),
        Value::Rate(r) | Value::Average(r) => *r,
        Value::Money(m) => Some(m.0 as f64),
    }
}

/// Change against a comparison value: "+12.3%" / "-4.0%" / "—"; for rates, in percentage points.
pub fn delta(now: &Value, then: &Value) -> String {
    match (number(now), number(then), now) {
        (Some(a), Some(b), Value::Rate(_)) => format!("{:+.1} 个百分点", (a - b) * 100.0),
        (Some(a), Some(b), _) if b != 0.0 => format!("{:+.1}%", (a - b) / b.abs() * 100.0),
        _ => "—".into(),
    }
}

/// `at`: a date or a month inside the period; default today.
fn parse_range(period: Option<&str>, at: Option<&str>, today: LocalDay) -> std::result::Result<PeriodRange, Error> {
    let kind = Period::parse(period.unwrap_or("month"))
        .map_err(|_| Error::invalid_field("period", "period 应为 week、month、quarter、half 或 year"))?;
    let day = match at.map(str::trim).filter(|s| !s.is_empty()) {
        None => today,
        Some(s) if s.len() == 7 => {
            LocalDay::parse(&format!("{s}-01")).map_err(|_| Error::invalid_field("at", "at 应为 YYYY-MM-DD 或 YYYY-MM"))?
        }
        Some(s) => LocalDay::parse(s).map_err(|_| Error::invalid_field("at", "at 应为 YYYY-MM-DD 或 YYYY-MM"))?,
    };
    Ok(PeriodRange::containing(kind, day))
}

// ---- API ----

#[derive(Serialize, ToSchema)]
pub struct PeriodOut {
    /// week, month, quarter, half or year.
    kind: String,
    /// First day.
    start: String,
    /// Last day (inclusive).
    end: String,
    label: String,
}

#[derive(Serialize, ToSchema)]
pub struct KpiValueOut {
    /// Number, fraction, or money as a yuan string; null when undefined (e.g. no ratings).
    #[schema(value_type = Object)]
    value: JsonValue,
    #[schema(value_type = Object)]
    previous: JsonValue,
    #[schema(value_type = Object)]
    year_ago: JsonValue,
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentShareOut {
    department_code: String,
    department_name: String,
    consultations: i64,
    share: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct KpiResponse {
    period: PeriodOut,
    #[schema(value_type = Object)]
    kpis: serde_json::Map<String, JsonValue>,
    department_share: Vec<DepartmentShareOut>,
}

fn json_value(v: &Value) -> JsonValue {
    match v {
        Value::Count(n) => JsonValue::from(*n),
        Value::Rate(r) | Value::Average(r) => r.map(JsonValue::from).unwrap_or(JsonValue::Null),
        Value::Money(m) => JsonValue::from(m.to_yuan_string()),
    }
}

fn kpi_json(set: &KpiSet) -> KpiResponse {
    let mut kpis = serde_json::Map::new();
    for (key, v) in &set.current {
        let out = KpiValueOut {
            value: json_value(v),
            previous: json_value(find(&set.previous, key)),
            year_ago: json_value(find(&set.year_ago, key)),
        };
        kpis.insert(key.clone(), serde_json::to_value(out).expect("serialisable"));
    }
    KpiResponse {
        period: PeriodOut {
            kind: set.range.kind.code().into(),
            start: set.range.start.to_string(),
            end: set.range.last_day().to_string(),
            label: set.range.label_zh(),
        },
        kpis,
        department_share: set
            .department_share
            .iter()
            .map(|d| DepartmentShareOut {
                department_code: d.code.clone(),
                department_name: d.name.clone(),
                consultations: d.consultations,
                share: d.share,
            })
            .collect(),
    }
}

#[derive(Deserialize)]
struct KpiQuery {
    period: Option<String>,
    at: Option<String>,
}

/// `Cache-Control: no-cache` asks for a fresh computation instead of the set remembered for a
/// few seconds (the benchmark times the computation this way).
async fn api_kpis(api: Api, headers: axum::http::HeaderMap, Query(q): Query<KpiQuery>) -> ApiResult<Json<KpiResponse>> {
    let range = parse_range(q.period.as_deref(), q.at.as_deref(), api.access().now().local_day())?;
    let fresh = headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("no-cache"));
    let set = if fresh { service::compute_kpis(api.access(), range).await? } else { service::kpis(api.access(), range).await? };
    Ok(Json(kpi_json(&set)))
}

#[derive(Deserialize, ToSchema)]
pub struct IngestRequest {
    /// Rows as objects keyed by the documented column names; values are strings or numbers.
    #[schema(value_type = Vec<Object>)]
    rows: Vec<serde_json::Map<String, JsonValue>>,
    /// `all` (default) or `skip_bad`.
    mode: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IngestErrorOut {
    /// Row number in `rows`, from 1.
    row: usize,
    column: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct IngestResponse {
    committed: bool,
    total: usize,
    inserted: usize,
    updated: usize,
    rejected_rows: usize,
    errors: Vec<IngestErrorOut>,
}

pub const MAX_BATCH: usize = 50_000;

/// JSON rows to a table in the kind's column order; unknown keys and non-scalar values are errors.
fn rows_to_table(columns: &[Column], rows: &[serde_json::Map<String, JsonValue>]) -> (Table, Vec<RowError>) {
    let mut errors = Vec::new();
    let headers = columns.iter().map(|c| c.key.to_string()).collect();
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let n = i + 2;
        for key in row.keys() {
            if !columns.iter().any(|c| c.key == key) {
                errors.push(RowError { row: n, column: key.clone(), message: "未知字段".into() });
            }
        }
        out.push(
            columns
                .iter()
                .map(|c| match row.get(c.key) {
                    None | Some(JsonValue::Null) => String::new(),
                    Some(JsonValue::String(s)) => s.clone(),
                    Some(JsonValue::Number(n)) => n.to_string(),
                    Some(JsonValue::Bool(b)) => b.to_string(),
                    Some(_) => {
                        errors.push(RowError { row: n, column: c.label.into(), message: "值应为字符串或数字".into() });
                        String::new()
                    }
                })
                .collect(),
        );
    }
    (Table { headers, rows: out }, errors)
}

fn parse_mode(s: Option<&str>) -> std::result::Result<Mode, Error> {
    match s.unwrap_or("all") {
        "all" | "" => Ok(Mode::AllOrNothing),
        "skip_bad" => Ok(Mode::SkipBad),
        other => Err(Error::invalid_field("mode", format!("mode 应为 all 或 skip_bad，而不是 {other}"))),
    }
}

async fn api_ingest(api: Api, slug: &'static str, body: IngestRequest) -> ApiResult<(StatusCode, Json<IngestResponse>)> {
    let mode = parse_mode(body.mode.as_deref())?;
    if body.rows.len() > MAX_BATCH {
        return Err(Error::bad_request("batch_too_large", format!("单批最多 {MAX_BATCH} 行")).into());
    }
    let columns = service::columns(slug).expect("known kind");
    let (table, shape_errors) = rows_to_table(columns, &body.rows);
    // Unknown fields or non-scalar values make the batch malformed: nothing is written,
    // whatever the mode (a value silently dropped would be data lost).
    let report = if shape_errors.is_empty() {
        service::ingest(api.access(), slug, &table, mode).await?
    } else {
        ImportReport { total: table.rows.len(), rejected: shape_errors, ..Default::default() }
    };
    let status = if report.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let rejected_rows = report.rejected_rows();
    Ok((
        status,
        Json(IngestResponse {
            committed: report.committed,
            total: report.total,
            inserted: report.inserted,
            updated: report.updated,
            rejected_rows,
            errors: report
                .rejected
                .into_iter()
                .map(|e| IngestErrorOut { row: e.row.saturating_sub(1), column: e.column, message: e.message })
                .collect(),
        }),
    ))
}

// ---- pages ----

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

pub struct KpiRow {
    pub label: String,
    pub value: String,
    pub previous: String,
    pub year_ago: String,
    pub mom: String,
    pub yoy: String,
    pub up: Option<bool>,
}

#[derive(Template)]
#[template(path = "kpis.html")]
struct KpisPage {
    shell: Shell,
    period: String,
    at: String,
    label: String,
    start: String,
    end: String,
    rows: Vec<KpiRow>,
    kinds: Vec<KpiRow>,
    shares: Vec<(String, String, String)>,
    chart: String,
    periods: Vec<(&'static str, &'static str)>,
}

async fn kpis_page(page: Page, Query(q): Query<KpiQuery>) -> PageResult<Html<String>> {
    let access = page.access();
    let range = parse_range(q.period.as_deref(), q.at.as_deref(), access.now().local_day())?;
    let set = service::kpis(access, range).await?;
    let row = |key: &str| {
        let (v, p, y) = (find(&set.current, key), find(&set.previous, key), find(&set.year_ago, key));
        KpiRow {
            label: kpi::label_zh(key),
            value: show(v),
            previous: show(p),
            year_ago: show(y),
            mom: delta(v, p),
            yoy: delta(v, y),
            up: match (number(v), number(p)) {
                (Some(a), Some(b)) if a != b => Some(a > b),
                _ => None,
            },
        }
    };
    let rows = kpi::KPIS.iter().map(|k| row(k.key)).collect();
    let kinds =
        set.current.iter().filter(|(k, _)| k.starts_with("consultations_") && k.matches('_').count() == 2).map(|(k, _)| row(k)).collect();
    let labels: Vec<String> = set.department_share.iter().take(10).map(|d| d.name.clone()).collect();
    let values: Vec<i64> = set.department_share.iter().take(10).map(|d| d.consultations).collect();
    let chart = if values.is_empty() { String::new() } else { BarChart { labels: &labels, values: &values, unit: "单" }.svg() };
    render(KpisPage {
        shell: page.shell("运营指标"),
        period: range.kind.code().into(),
        at: range.start.to_string(),
        label: range.label_zh(),
        start: range.start.to_string(),
        end: range.last_day().to_string(),
        rows,
        kinds,
        shares: set
            .department_share
            .iter()
            .map(|d| (d.name.clone(), group_digits(d.consultations), d.share.map(|s| format!("{:.1}%", s * 100.0)).unwrap_or_default()))
            .collect(),
        chart,
        periods: Period::ALL.iter().map(|p| (p.code(), p.label_zh())).collect(),
    })
}

pub struct KindView {
    pub slug: &'static str,
    pub label: &'static str,
    pub columns: &'static [Column],
}

#[derive(Template)]
#[template(path = "ingest.html")]
struct IngestPage {
    shell: Shell,
    kinds: Vec<KindView>,
    selected: String,
    report: Option<ImportReport>,
    errors: Vec<RowError>,
    file_error: Option<String>,
}

fn kind_views() -> Vec<KindView> {
    INGEST_KINDS.iter().map(|s| KindView { slug: s, label: service::label_zh(s), columns: service::columns(s).expect("known") }).collect()
}

#[derive(Deserialize)]
struct KindQuery {
    kind: Option<String>,
}

async fn ingest_page(page: Page, Query(q): Query<KindQuery>) -> PageResult<Html<String>> {
    page.access().require(Permission::ActivityIngest)?;
    let selected = q.kind.filter(|k| INGEST_KINDS.contains(&k.as_str())).unwrap_or_else(|| "consultations".into());
    render(IngestPage {
        shell: page.shell("数据接入"), kinds: kind_views(), selected, report: None, errors: Vec::new(), file_error: None
    })
}

async fn ingest_upload(page: Page, mp: Result<Multipart, MultipartRejection>) -> PageResult<Response> {
    let access = page.access();
    let upload = upload::read(access, Permission::ActivityIngest, mp).await?;
    let kind = upload.field("kind").to_string();
    let mode = if upload.field("mode") == "skip_bad" { Mode::SkipBad } else { Mode::AllOrNothing };
    let mut t = IngestPage {
        shell: page.shell("数据接入"),
        kinds: kind_views(),
        selected: kind.clone(),
        report: None,
        errors: Vec::new(),
        file_error: None,
    };
    if !INGEST_KINDS.contains(&kind.as_str()) {
        t.file_error = Some("请选择数据类型".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response());
    }
    let table = match upload.table().await {
        Ok(table) => table,
        Err(e @ Error::Client { .. }) => {
            t.file_error = Some(e.public_message());
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response());
        }
        Err(e) => return Err(PageError(e)),
    };
    let report = service::ingest(access, &kind, &table, mode).await?;
    let status = if report.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    t.errors = report.rejected.iter().take(500).cloned().collect();
    t.report = Some(report);
    Ok((status, render(t)?).into_response())
}

async fn ingest_template(page: Page, Query(q): Query<KindQuery>) -> PageResult<Response> {
    page.access().require(Permission::ActivityIngest)?;
    let kind = q.kind.unwrap_or_default();
    let columns = service::columns(&kind).ok_or_else(|| PageError(Error::bad_request("unknown_kind", "未知的数据类型")))?;
    let bytes = tabular::template_xlsx(service::label_zh(&kind), columns)?;
    let filename = format!("{}导入模板.xlsx", service::label_zh(&kind));
    Ok(hops_platform::web::xlsx(&format!("{kind}.xlsx"), &filename, bytes))
}

#[cfg(test)]
mod tests {
    use hops_kernel::Money;

    #[test]
    fn compact_money_for_tiles() {
        assert_eq!(super::compact_money(Money(9_999_999)), Money(9_999_999).to_string(), "below 10万: exact");
        assert_eq!(super::compact_money(Money(10_000_000)), "¥10.0万");
        assert_eq!(super::compact_money(Money(297_749_312)), "¥297.7万");
        assert_eq!(super::compact_money(Money(16_225_604_279)), "¥16,225.6万");
        assert_eq!(super::compact_money(Money(-16_225_604_279)), "-¥16,225.6万");
    }
}
