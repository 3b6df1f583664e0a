//! The KPI page and API.

use askama::Template;
use axum::extract::Query;
use axum::http::header;
use axum::response::Html;
use hops_kernel::{LocalDay, Period, PeriodRange};
use hops_platform::Error;
use hops_platform::charts::BarChart;
use hops_platform::web::Param;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Page, PageError, PageResult, Routes, Scope, Shell, group_digits};
use serde::{Deserialize, Serialize};
use serde_json::Value as JsonValue;
use utoipa::ToSchema;

use super::model::Value;
use super::service::{self, KpiSet};

pub(crate) fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/kpis", "运营指标", kpis_page)
        .page(Method::Get, "/kpis/definitions", "指标口径", definitions_page)
        .api(
                Method::Get,
                "/api/v1/kpis",
                ApiDoc::new("运营指标", "一个周期的全部指标（含环比、同比）")
                    .describe("period 为 week|month|quarter|half|year；at 为周期内任意日期（YYYY-MM-DD）或月份（YYYY-MM），默认今天。进行中的周期只统计至今天，并与上一周期和去年同一周期的相同天数对比（本月至今对比上月同期），compared 给出各列实际覆盖的日期。比率为小数（0.8312），金额为以元为单位的字符串。同一周期的结果会缓存数秒（有数据变更即失效）；请求头 Cache-Control: no-cache 可要求重新计算。")
                    .query_as("period", Param::OneOf(&["week", "month", "quarter", "half", "year"]), "week|month|quarter|half|year")
                    .query("at", "YYYY-MM-DD 或 YYYY-MM")
                    .returns::<KpiResponse>(),
                api_kpis,
            )
}

pub(crate) fn find<'a>(set: &'a [(String, Value)], key: &str) -> &'a Value {
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

/// Days `start`–`end` (inclusive).
#[derive(Serialize, ToSchema)]
pub struct DaysOut {
    start: String,
    end: String,
}

impl DaysOut {
    fn of(s: hops_kernel::DaySpan) -> DaysOut {
        DaysOut { start: s.start.to_string(), end: s.last_day().to_string() }
    }
}

/// The days each column covers: while the period is under way (`partial`), its days so far
/// and the same days of the previous period and of a year earlier.
#[derive(Serialize, ToSchema)]
pub struct ComparedOut {
    partial: bool,
    current: DaysOut,
    previous: DaysOut,
    year_ago: DaysOut,
    /// What is compared with what, for people.
    note: String,
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
    compared: ComparedOut,
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
        compared: ComparedOut {
            partial: set.spans.partial,
            current: DaysOut::of(set.spans.current),
            previous: DaysOut::of(set.spans.previous),
            year_ago: DaysOut::of(set.spans.year_ago),
            note: set.spans.explain(),
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
    /// Whether the change is for the better (`None`: no change, or neither way is better).
    pub good: Option<bool>,
}

#[derive(Template)]
#[template(path = "kpis.html")]
struct KpisPage {
    shell: Shell,
    period: String,
    at: String,
    label: String,
    explain: String,
    columns: [String; 5],
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
            label: super::model::label_zh(key),
            value: show(v),
            previous: show(p),
            year_ago: show(y),
            mom: delta(v, p),
            yoy: delta(v, y),
            up: match (number(v), number(p)) {
                (Some(a), Some(b)) if a != b => Some(a > b),
                _ => None,
            },
            good: match (number(v), number(p), super::model::better(key)) {
                (Some(a), Some(b), super::model::Better::Higher) if a != b => Some(a > b),
                (Some(a), Some(b), super::model::Better::Lower) if a != b => Some(a < b),
                _ => None,
            },
        }
    };
    let rows = super::model::KPIS.iter().map(|k| row(k.key)).collect();
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
        explain: set.spans.explain(),
        columns: [
            set.spans.current_name(),
            set.spans.previous_name(),
            set.spans.previous_change(),
            set.spans.year_ago_name().into(),
            set.spans.year_ago_change().into(),
        ],
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

#[derive(Template)]
#[template(path = "kpi_definitions.html")]
struct DefinitionsPage {
    shell: Shell,
    kpis: &'static [super::model::Kpi],
    kinds: String,
}

/// 指标口径: how every KPI is counted, and what is compared with what.
async fn definitions_page(page: Page) -> PageResult<Html<String>> {
    page.access().require(hops_platform::Permission::AnalyticsRead)?;
    render(DefinitionsPage {
        shell: page.shell("指标口径"),
        kpis: super::model::KPIS,
        kinds: super::model::KINDS.iter().map(|(_, name)| *name).collect::<Vec<_>>().join("、"),
    })
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
