//! Pages and API of revenue R: the contract-year page (figure, target, progress, components,
//! cumulative chart by month), its settings form, `GET /api/v1/revenue` and the dashboard tile.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::{LocalDay, Money};
use hops_platform::charts::{LineChart, LineSeries};
use hops_platform::web::{
    Api, ApiDoc, ApiResult, Form, Json, Method, Page, PageError, PageResult, Routes, Scope, Shell, Tile, group_digits,
};
use hops_platform::{Access, Error, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{self, Component, SettingsDraft};
use super::service::{self, Cumulative};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/kpis/revenue", "合同年度累计收入", revenue_page)
        .page(Method::Get, "/kpis/revenue/settings", "累计收入设置", settings_page)
        .page(Method::Post, "/kpis/revenue/settings", "保存累计收入设置", settings_save)
        .api(
            Method::Get,
            "/api/v1/revenue",
            ApiDoc::new("运营指标", "合同年度累计收入 R")
                .describe(
                    "at（YYYY-MM-DD，默认今天）所在合同年度、从年度首日至 at（含）的累计收入 R，即所选收入构成之和：\
                     问诊收入按下单日（北京时间）计已支付且未退款问诊的金额，各类缴费按缴费日计。未设置时按自然年、\
                     年度目标 1800 万元、收入构成为问诊收入 + 门诊缴费 + 处方缴费 + 其他缴费（configured 为 false）。\
                     contract_year.end 为年度最后一天（含）；金额为以元为单位的字符串；progress = total ÷ target。口径见 docs/kpis.md。",
                )
                .query("at", "YYYY-MM-DD，默认今天")
                .returns::<RevenueResponse>(),
            api_revenue,
        )
}

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

/// `?at=`: a day, default today.
fn parse_at(at: Option<&str>, today: LocalDay) -> std::result::Result<LocalDay, Error> {
    match at.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today),
        Some(s) => LocalDay::parse(s).map_err(|_| Error::invalid_field("at", "at 应为 YYYY-MM-DD 格式的日期，如 2026-10-31")),
    }
}

/// `12.3%`.
fn percent(progress: Option<f64>) -> String {
    progress.map(|p| format!("{:.1}%", p * 100.0)).unwrap_or_else(|| "—".into())
}

/// `1,234.57 万元` (rounded half away from zero to 0.01 万元).
fn wan2(m: Money) -> String {
    let sign = if m.0 < 0 { "-" } else { "" };
    let hundredths = (m.0.unsigned_abs() + 5_000) / 10_000;
    format!("{sign}{}.{:02} 万元", group_digits((hundredths / 100) as i64), hundredths % 100)
}

/// The cumulative line by month, in whole 万元 from 10 万元 on and in whole 元 below (the chart
/// draws integers; the axis keeps to six digits). The table beside it has the exact amounts.
fn chart(c: &Cumulative) -> (String, &'static str) {
    if c.by_month.is_empty() {
        return (String::new(), "");
    }
    let max = c.by_month.iter().map(|m| m.cumulative.0).max().unwrap_or(0);
    let (divisor, unit) = if max >= 10 * model::FEN_PER_WAN { (model::FEN_PER_WAN, "万元") } else { (100, "元") };
    let values: Vec<i64> = c.by_month.iter().map(|m| (m.cumulative.0 + divisor / 2).div_euclid(divisor)).collect();
    let mut labels: Vec<String> = Vec::new();
    for m in &c.by_month {
        let short = format!("{}月", m.start.to_date().month());
        labels.push(if labels.contains(&short) { format!("次年{short}") } else { short });
    }
    let series = [LineSeries { name: "累计收入", values: &values }];
    (LineChart { labels: &labels, series: &series, unit }.svg(), unit)
}

// ---- page ----

pub struct PartView {
    pub code: &'static str,
    pub label: &'static str,
    pub amount: String,
    pub share: String,
}

pub struct MonthView {
    pub label: String,
    pub amount: String,
    pub cumulative: String,
}

#[derive(Template)]
#[template(path = "revenue.html")]
struct RevenuePage {
    shell: Shell,
    at: String,
    start: String,
    last_day: String,
    as_of: String,
    /// The contract had not started on the day asked for.
    not_started: bool,
    configured: bool,
    updated: Option<String>,
    total: String,
    total_wan: String,
    target_wan: String,
    percent: String,
    /// Value of the `<progress>` bar, 0–100.
    bar: String,
    reached: bool,
    remaining: String,
    parts: Vec<PartView>,
    excluded: Vec<&'static str>,
    months: Vec<MonthView>,
    chart: String,
    chart_unit: &'static str,
    double_counts: bool,
    can_configure: bool,
}

#[derive(Deserialize)]
struct AtQuery {
    at: Option<String>,
}

async fn revenue_page(page: Page, Query(q): Query<AtQuery>) -> PageResult<Html<String>> {
    let access = page.access();
    let day = parse_at(q.at.as_deref(), access.now().local_day())?;
    let c = service::cumulative(access, day).await?;
    let share = |m: Money| if c.total.0 > 0 { format!("{:.1}%", m.0 as f64 / c.total.0 as f64 * 100.0) } else { "—".into() };
    let remaining = c.target.0.saturating_sub(c.total.0);
    let (chart, chart_unit) = chart(&c);
    render(RevenuePage {
        shell: page.shell("合同年度累计收入"),
        at: day.to_string(),
        start: c.start.to_string(),
        last_day: c.last_day().to_string(),
        as_of: c.as_of.to_string(),
        not_started: day < c.start,
        configured: c.configured,
        updated: c.updated.as_ref().map(|(at, by)| format!("{} 由 {} 修改", at.format_minute(), by)),
        total: c.total.to_string(),
        total_wan: wan2(c.total),
        target_wan: model::wan(c.target),
        percent: percent(c.progress),
        bar: format!("{:.2}", c.progress.unwrap_or(0.0).clamp(0.0, 1.0) * 100.0),
        reached: c.progress.is_some_and(|p| p >= 1.0),
        remaining: if remaining > 0 { wan2(Money(remaining)) } else { String::new() },
        parts: c
            .parts
            .iter()
            .map(|(comp, m)| PartView { code: comp.code(), label: comp.label_zh(), amount: m.to_string(), share: share(*m) })
            .collect(),
        excluded: Component::ALL.into_iter().filter(|x| !c.settings.components.contains(x)).map(Component::label_zh).collect(),
        months: c
            .by_month
            .iter()
            .map(|m| MonthView { label: m.label.clone(), amount: m.amount.to_string(), cumulative: m.cumulative.to_string() })
            .collect(),
        chart,
        chart_unit,
        double_counts: model::double_counts(&c.settings.components),
        can_configure: access.can(service::CONFIGURE),
    })
}

// ---- settings ----

use hops_platform::web::FormErrors;

pub struct Choice {
    pub code: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub checked: bool,
    pub default: bool,
}

#[derive(Template)]
#[template(path = "revenue_settings.html")]
struct SettingsPage {
    shell: Shell,
    draft: SettingsDraft,
    choices: Vec<Choice>,
    errors: FormErrors,
    can_configure: bool,
    updated: Option<String>,
    default_target: String,
}

async fn settings_view(page: &Page, draft: Option<SettingsDraft>, errors: FormErrors, flash: Option<String>) -> Result<SettingsPage> {
    let access = page.access();
    let current = service::settings(access).await?;
    let draft = draft.unwrap_or_else(|| SettingsDraft::from_settings(&current.settings));
    Ok(SettingsPage {
        shell: page.shell("累计收入设置").with_flash(flash),
        choices: Component::ALL
            .into_iter()
            .map(|c| Choice {
                code: c.code(),
                label: c.label_zh(),
                help: c.help_zh(),
                checked: draft.components.iter().any(|d| d.trim() == c.code()),
                default: Component::DEFAULT.contains(&c),
            })
            .collect(),
        draft,
        errors,
        can_configure: access.can(service::CONFIGURE),
        updated: current.updated.map(|(at, by)| format!("{} 由 {} 修改", at.format_minute(), by)),
        default_target: model::wan(model::DEFAULT_TARGET),
    })
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn settings_page(page: Page, Query(q): Query<SavedQuery>) -> PageResult<Html<String>> {
    let flash = q.saved.map(|_| "累计收入设置已保存".to_string());
    render(settings_view(&page, None, FormErrors::default(), flash).await?)
}

/// The form as pairs: the component boxes repeat `components`.
fn draft_of(pairs: &[(String, String)]) -> SettingsDraft {
    let mut d = SettingsDraft::default();
    for (k, v) in pairs {
        match k.as_str() {
            "contract_start" => d.contract_start = v.clone(),
            "target_wan" => d.target_wan = v.clone(),
            "components" => d.components.push(v.clone()),
            _ => {}
        }
    }
    d
}

async fn settings_save(page: Page, Form(pairs): Form<Vec<(String, String)>>) -> PageResult<Response> {
    let draft = draft_of(&pairs);
    match service::save_settings(page.access(), &draft).await {
        Ok(_) => Ok(Redirect::to("/kpis/revenue/settings?saved=1").into_response()),
        Err(Error::Client { status: 422, fields, .. }) => {
            let view = settings_view(&page, Some(draft), FormErrors::new(fields), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(view)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- dashboard ----

/// The dashboard tile: revenue R of the contract year so far against its target.
pub(crate) async fn tile(access: &Access) -> Result<Tile> {
    let c = service::cumulative(access, access.now().local_day()).await?;
    Ok(Tile {
        label: "合同年度累计收入".into(),
        value: crate::kpi::web::compact_money(c.total),
        sub: format!("目标 {} 万元 · 完成 {}", model::wan(c.target), percent(c.progress)),
        href: "/kpis/revenue".into(),
    })
}

// ---- API ----

#[derive(Serialize, ToSchema)]
pub struct ContractYearOut {
    /// First day of the contract year.
    start: String,
    /// Last day of the contract year (inclusive).
    end: String,
}

#[derive(Serialize, ToSchema)]
pub struct RevenueComponentOut {
    /// consultations, payments_recharge, payments_outpatient, payments_consultation,
    /// payments_prescription or payments_other.
    code: String,
    label: String,
    /// Yuan, two decimals.
    amount: String,
}

#[derive(Serialize, ToSchema)]
pub struct RevenueMonthOut {
    /// YYYY-MM.
    month: String,
    /// Revenue R counted in this month (within the contract year, up to as_of).
    amount: String,
    /// From the start of the contract year to the end of this month (or as_of).
    cumulative: String,
}

#[derive(Serialize, ToSchema)]
pub struct RevenueResponse {
    contract_year: ContractYearOut,
    /// The last day counted: `at`, or the last day of the contract year.
    as_of: String,
    /// Whether the hospital saved settings; false: the defaults apply.
    configured: bool,
    /// Revenue R in yuan, two decimals.
    total: String,
    /// The year's target in yuan, two decimals.
    target: String,
    /// total ÷ target, 4 decimals (1.0 = target reached).
    progress: Option<f64>,
    /// The counted components, in order.
    components: Vec<RevenueComponentOut>,
    /// Per calendar month of the contract year, up to as_of.
    months: Vec<RevenueMonthOut>,
}

async fn api_revenue(api: Api, Query(q): Query<AtQuery>) -> ApiResult<Json<RevenueResponse>> {
    let access = api.access();
    let day = parse_at(q.at.as_deref(), access.now().local_day())?;
    let c = service::cumulative(access, day).await?;
    Ok(Json(RevenueResponse {
        contract_year: ContractYearOut { start: c.start.to_string(), end: c.last_day().to_string() },
        as_of: c.as_of.to_string(),
        configured: c.configured,
        total: c.total.to_yuan_string(),
        target: c.target.to_yuan_string(),
        progress: c.progress.map(|p| (p * 10_000.0).round() / 10_000.0),
        components: c
            .parts
            .iter()
            .map(|(comp, m)| RevenueComponentOut { code: comp.code().into(), label: comp.label_zh().into(), amount: m.to_yuan_string() })
            .collect(),
        months: c
            .by_month
            .iter()
            .map(|m| {
                let d = m.start.to_date();
                RevenueMonthOut {
                    month: format!("{:04}-{:02}", d.year(), d.month()),
                    amount: m.amount.to_yuan_string(),
                    cumulative: m.cumulative.to_yuan_string(),
                }
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revenue::model::Settings;
    use crate::revenue::service::MonthPoint;

    fn cumulative(months: &[(&str, i64)]) -> Cumulative {
        let day = |s: &str| LocalDay::parse(s).unwrap();
        let settings = Settings::defaults(day("2026-03-15"));
        Cumulative {
            start: day("2026-03-15"),
            end_exclusive: day("2027-03-15"),
            as_of: day("2027-03-14"),
            configured: true,
            updated: None,
            total: Money(months.last().map(|m| m.1).unwrap_or(0)),
            parts: Vec::new(),
            target: settings.target,
            progress: None,
            by_month: months
                .iter()
                .map(|(d, fen)| MonthPoint { label: String::new(), start: day(d), amount: Money::ZERO, cumulative: Money(*fen) })
                .collect(),
            settings,
        }
    }

    #[test]
    fn figures_in_wan() {
        assert_eq!(wan2(Money(1_234_567_890)), "1,234.57 万元");
        assert_eq!(wan2(Money(4_999)), "0.00 万元");
        assert_eq!(wan2(Money(5_000)), "0.01 万元");
        assert_eq!(wan2(Money(-15_000)), "-0.02 万元");
        assert_eq!(percent(Some(0.88832)), "88.8%");
        assert_eq!(percent(None), "—");
    }

    #[test]
    fn the_chart_names_a_repeated_month_and_scales_to_wan() {
        let (svg, unit) = chart(&cumulative(&[("2026-03-15", 36_183), ("2026-04-01", 44_416), ("2027-03-01", 9_999_999)]));
        assert_eq!(unit, "元");
        assert!(svg.contains(">3月</text>") && svg.contains(">次年3月</text>"), "{svg}");
        assert!(svg.contains("次年3月 累计收入：100000 元"), "rounded to the yuan: {svg}");
        let (svg, unit) = chart(&cumulative(&[("2026-03-15", 10 * model::FEN_PER_WAN), ("2026-04-01", 1_804_999_999)]));
        assert_eq!(unit, "万元");
        assert!(svg.contains("4月 累计收入：1805 万元"), "{svg}");
        assert_eq!(chart(&cumulative(&[])), (String::new(), ""));
    }
}
