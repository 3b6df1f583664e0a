//! Pages and API of the leaderboards: the console ranking with its method and publication,
//! the method form, the feedback inbox, the public page of a published month (no login) with
//! its feedback form, and the JSON API.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::PeriodRange;
use hops_platform::accounts::service::SessionInfo;
use hops_platform::charts::BarChart;
use hops_platform::web::{AppState, Form, Method, Page, PageError, PageResult, Pager, Paging, Routes, Scope, Shell, group_digits};
use hops_platform::{Access, Error, Permission, Result};
use serde::Deserialize;

use super::model::{self, Board, Entry, FeedbackDraft, RankKind, Settings, SettingsDraft};
use super::service::{self, FeedbackOutcome, PublicRanking, Ranking};
use super::store::FeedbackRow;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/rankings", "排行榜", ranking_page)
        .page_confirmed(Method::Post, "/rankings/publish", "发布月度排行榜", publish)
        .page(Method::Get, "/rankings/settings", "排行榜规则", settings_page)
        .page(Method::Post, "/rankings/settings", "保存排行榜规则", settings_save)
        .scope(Scope::AllPeople)
        .page(Method::Get, "/rankings/feedback", "排行榜反馈", feedback_page)
        .page(Method::Post, "/rankings/feedback/handle", "处理排行榜反馈", feedback_handle)
        .page(Method::Post, "/rankings/feedback/reveal", "查看反馈人联系方式", feedback_reveal)
        .scope(Scope::Visitor)
        .public(Method::Get, "/p/{hospital_code}/rankings/{month}", "公开排行榜（无需登录）", public_page)
        .public(Method::Post, "/p/{hospital_code}/rankings/{month}/feedback", "提交排行榜反馈（无需登录）", public_feedback)
        .scope(Scope::Hospital)
        .merge(super::api::routes())
}

// ---- shared ----

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

use hops_platform::web::FormErrors;

fn dash() -> String {
    "—".into()
}

fn fixed(v: Option<f64>, places: usize) -> String {
    v.map(|x| format!("{x:.places$}")).unwrap_or_else(dash)
}

fn percent(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(dash)
}

pub(super) fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// The month of `?month=` (default: the last finished month) and the kind of `?kind=`.
pub(super) fn month_and_kind(access: &Access, month: Option<&str>, kind: Option<&str>) -> Result<(PeriodRange, RankKind)> {
    let month = match month.map(str::trim).filter(|s| !s.is_empty()) {
        None => model::month_of(access.now().local_day()).previous(),
        Some(s) => model::parse_month(s).ok_or_else(|| Error::invalid_field("month", "月份应为 YYYY-MM，如 2026-10"))?,
    };
    let kind = match kind.map(str::trim).filter(|s| !s.is_empty()) {
        None => RankKind::Doctor,
        Some(k) => RankKind::parse(k).ok_or_else(|| Error::invalid_field("kind", "kind 应为 doctor（医生）或 department（科室）"))?,
    };
    Ok((month, kind))
}

/// One line of a leaderboard, formatted for people.
pub struct RowView {
    pub rank: String,
    pub code: String,
    pub name: String,
    pub department: String,
    pub title: String,
    pub consultations: String,
    pub volume: String,
    pub ratings: String,
    pub rating_mean: String,
    pub satisfaction: String,
    pub reply: String,
    pub revisit: String,
    pub s_volume: String,
    pub s_satisfaction: String,
    pub s_reply: String,
    pub s_revisit: String,
    pub composite: String,
}

fn row_view(e: &Entry) -> RowView {
    let i = &e.indicators;
    let s = e.scores;
    let score = |f: fn(&model::Scores) -> f64| s.as_ref().map(|s| format!("{:.1}", f(s))).unwrap_or_else(dash);
    RowView {
        rank: e.rank.map(|r| r.to_string()).unwrap_or_default(),
        code: e.subject.code.clone(),
        name: e.subject.name.clone(),
        department: e.subject.department.clone(),
        title: e.subject.title.clone(),
        consultations: group_digits(e.subject.sums.consultations),
        volume: group_digits(i.volume),
        ratings: group_digits(e.subject.sums.rated),
        rating_mean: fixed(i.rating_mean, 2),
        satisfaction: fixed(i.satisfaction, 2),
        reply: fixed(i.reply_minutes, 1),
        revisit: percent(i.revisit_rate),
        s_volume: score(|s| s.volume),
        s_satisfaction: score(|s| s.satisfaction),
        s_reply: score(|s| s.reply),
        s_revisit: score(|s| s.revisit),
        composite: fixed(e.composite, 2),
    }
}

/// The top 10 by composite score as a bar chart (empty when nobody is ranked).
fn top_chart(board: &Board) -> String {
    let top: Vec<&Entry> = board.ranked.iter().take(10).collect();
    if top.is_empty() {
        return String::new();
    }
    let labels: Vec<String> = top.iter().map(|e| e.subject.name.clone()).collect();
    let values: Vec<i64> = top.iter().map(|e| e.composite.unwrap_or(0.0).round() as i64).collect();
    BarChart { labels: &labels, values: &values, unit: "分" }.svg()
}

// ---- console: ranking ----

#[derive(Deserialize)]
struct RankQuery {
    month: Option<String>,
    kind: Option<String>,
    /// Page of the ranked table and of the unranked table.
    page: Option<i64>,
    upage: Option<i64>,
    /// Column to sort by ([`SORTS`]); default the rank.
    sort: Option<String>,
}

/// Rows a table shows per page.
const PER_PAGE: i64 = 50;

/// The columns a table can be sorted by: code, heading, and the order (best first: most
/// volume, highest satisfaction, fastest reply, most revisits).
const SORTS: &[(&str, &str)] =
    &[("rank", "名次"), ("volume", "完成问诊"), ("satisfaction", "满意度"), ("reply", "首次响应"), ("revisit", "复诊率")];

/// The entries in the order of `sort` (ties and missing values after, by rank then name).
fn sorted<'a>(entries: &'a [Entry], sort: &str) -> Vec<&'a Entry> {
    let mut v: Vec<&Entry> = entries.iter().collect();
    let key = |e: &Entry| -> Option<f64> {
        let i = &e.indicators;
        match sort {
            "volume" => Some(-(i.volume as f64)),
            "satisfaction" => i.satisfaction.map(|x| -x),
            "reply" => i.reply_minutes,
            "revisit" => i.revisit_rate.map(|x| -x),
            _ => e.rank.map(|r| r as f64),
        }
    };
    v.sort_by(|a, b| {
        let (x, y) = (key(a), key(b));
        match (x, y) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then(a.rank.cmp(&b.rank))
        .then(a.subject.name.cmp(&b.subject.name))
    });
    v
}

/// One page of sorted entries, as rows, with its pager (its page number in `param`).
fn page_of(entries: &[Entry], sort: &str, page: Option<i64>, base: &str, param: &str) -> (Vec<RowView>, Pager) {
    let paging = Paging::new(page, PER_PAGE);
    let all = sorted(entries, sort);
    let rows = all.iter().skip(usize::try_from(paging.offset()).unwrap_or(0)).take(PER_PAGE as usize).map(|e| row_view(e)).collect();
    (rows, Pager::named(paging, all.len() as i64, base, param))
}

#[derive(Template)]
#[template(path = "rankings.html")]
struct RankingPage {
    shell: Shell,
    month: String,
    label: String,
    kind: &'static str,
    who: &'static str,
    rows: Vec<RowView>,
    unranked: Vec<RowView>,
    /// All ranked and unranked subjects (the tables show a page of each).
    ranked_total: usize,
    unranked_total: usize,
    pager: Pager,
    upager: Pager,
    /// The sortable headings: (code, heading, link, whether it is the current order).
    sorts: Vec<(&'static str, &'static str, String, bool)>,
    method: Vec<String>,
    chart: String,
    /// Nobody had consultations in the month.
    no_data: bool,
    published: Option<String>,
    public_url: String,
    can_publish: bool,
    ended: bool,
    can_configure: bool,
    error: Option<String>,
}

async fn ranking_view(page: &Page, q: &RankQuery, flash: Option<String>, error: Option<String>) -> Result<RankingPage> {
    let access = page.access();
    let (month, kind) = month_and_kind(access, q.month.as_deref(), q.kind.as_deref())?;
    let r: Ranking = service::ranking(access, month, kind).await?;
    let code = model::month_code(month);
    let hospital = service::hospital_code(access).await?;
    let sort = q.sort.as_deref().filter(|s| SORTS.iter().any(|(c, _)| c == s)).unwrap_or("rank").to_string();
    let here = format!("/rankings?month={code}&kind={}", kind.code());
    let (rows, pager) = page_of(&r.board.ranked, &sort, q.page, &format!("{here}&sort={sort}"), "page");
    let (unranked, upager) = page_of(&r.board.unranked, &sort, q.upage, &format!("{here}&sort={sort}"), "upage");
    let sorts = SORTS.iter().map(|(c, label)| (*c, *label, format!("{here}&sort={c}#ranking-table"), *c == sort)).collect();
    Ok(RankingPage {
        shell: page.shell(format!("排行榜 · {}", month.label_zh())).with_flash(flash),
        label: month.label_zh(),
        kind: kind.code(),
        who: kind.label_zh(),
        rows,
        unranked,
        ranked_total: r.board.ranked.len(),
        unranked_total: r.board.unranked.len(),
        pager,
        upager,
        sorts,
        method: model::method_text(&r.board, kind),
        chart: top_chart(&r.board),
        no_data: r.board.ranked.is_empty() && r.board.unranked.is_empty(),
        published: r.published.map(|p| format!("{} 由 {} 发布", p.at.format_minute(), p.by)),
        public_url: format!("/p/{hospital}/rankings/{code}"),
        can_publish: access.can(service::PUBLISH),
        ended: model::has_ended(month, access.now().local_day()),
        can_configure: access.can(service::CONFIGURE),
        month: code,
        error,
    })
}

async fn ranking_page(page: Page, Query(q): Query<RankQuery>) -> PageResult<Html<String>> {
    let view = ranking_view(&page, &q, None, None).await?;
    render(view)
}

#[derive(Deserialize)]
struct PublishForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    kind: String,
}

async fn publish(page: Page, Form(f): Form<PublishForm>) -> PageResult<Response> {
    let access = page.access();
    let month = model::parse_month(f.month.trim()).ok_or_else(|| Error::invalid_field("month", "请选择要发布的月份（YYYY-MM）"))?;
    let kind = RankKind::parse(&f.kind).unwrap_or(RankKind::Doctor);
    let back = RankQuery { month: Some(model::month_code(month)), kind: Some(kind.code().into()), page: None, upage: None, sort: None };
    match service::publish(access, month).await {
        Ok(p) => {
            let flash = format!("已发布{}排行榜，公开页面即刻生效", p.month.label_zh());
            Ok(render(ranking_view(&page, &back, Some(flash), None).await?)?.into_response())
        }
        Err(e) if e.status() == 422 => {
            let view = ranking_view(&page, &back, None, Some(e.public_message())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(view)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- console: method ----

#[derive(Template)]
#[template(path = "rankings_settings.html")]
struct SettingsPage {
    shell: Shell,
    draft: SettingsDraft,
    errors: FormErrors,
    can_configure: bool,
    updated: Option<String>,
    defaults: SettingsDraft,
}

async fn settings_view(page: &Page, draft: Option<SettingsDraft>, errors: FormErrors, flash: Option<String>) -> Result<SettingsPage> {
    let access = page.access();
    let m = service::method(access).await?;
    Ok(SettingsPage {
        shell: page.shell("排行榜规则").with_flash(flash),
        draft: draft.unwrap_or_else(|| SettingsDraft::from_settings(&m.settings)),
        errors,
        can_configure: access.can(service::CONFIGURE),
        updated: m.updated.map(|(at, by)| format!("{} 由 {} 修改", at.format_minute(), by)),
        defaults: SettingsDraft::from_settings(&Settings::default()),
    })
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn settings_page(page: Page, Query(q): Query<SavedQuery>) -> PageResult<Html<String>> {
    let flash = q.saved.map(|_| "排行榜规则已保存，之后计算与发布的排行榜将使用新规则".to_string());
    render(settings_view(&page, None, FormErrors::default(), flash).await?)
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    weight_volume: String,
    #[serde(default)]
    weight_satisfaction: String,
    #[serde(default)]
    weight_reply: String,
    #[serde(default)]
    weight_revisit: String,
    #[serde(default)]
    prior_weight: String,
    #[serde(default)]
    min_sample: String,
}

async fn settings_save(page: Page, Form(f): Form<SettingsForm>) -> PageResult<Response> {
    let draft = SettingsDraft {
        weight_volume: f.weight_volume,
        weight_satisfaction: f.weight_satisfaction,
        weight_reply: f.weight_reply,
        weight_revisit: f.weight_revisit,
        prior_weight: f.prior_weight,
        min_sample: f.min_sample,
    };
    match service::save_method(page.access(), &draft).await {
        Ok(_) => Ok(Redirect::to("/rankings/settings?saved=1").into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let view = settings_view(&page, Some(draft), errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(view)?).into_response())
        }
    }
}

// ---- console: feedback ----

pub struct FeedbackView {
    pub id: i64,
    pub received: String,
    pub month: String,
    pub month_label: String,
    pub name: String,
    pub contact: String,
    pub has_identity: bool,
    pub message: String,
    pub open: bool,
    pub handled: String,
    pub reply: String,
    /// The problem with the last attempt to handle it.
    pub error: String,
}

/// A feedback giver's identity in clear, after an audited reveal.
pub struct Revealed {
    pub id: i64,
    pub name: String,
    pub contact: String,
}

fn feedback_view(r: &FeedbackRow) -> FeedbackView {
    let month = model::month_of(r.month);
    FeedbackView {
        id: r.id,
        received: r.created_at.format_minute(),
        month: model::month_code(month),
        month_label: month.label_zh(),
        name: if r.name.is_empty() { "匿名".into() } else { model::mask_name(&r.name) },
        contact: r.contact_masked.clone(),
        has_identity: !r.name.is_empty() || r.contact_enc.is_some(),
        message: r.message.clone(),
        open: r.status == "open",
        handled: r.handled_at.map(|t| format!("{} · {}", t.format_minute(), r.handled_by)).unwrap_or_default(),
        reply: r.reply.clone(),
        error: String::new(),
    }
}

#[derive(Template)]
#[template(path = "rankings_feedback.html")]
struct FeedbackPage {
    shell: Shell,
    rows: Vec<FeedbackView>,
    status: String,
    pager: Pager,
    hospital: String,
    can_handle: bool,
    can_reveal: bool,
    revealed: Option<Revealed>,
}

#[derive(Deserialize)]
struct FeedbackQuery {
    status: Option<String>,
    page: Option<String>,
    handled: Option<String>,
}

async fn feedback_list_view(
    page: &Page,
    status: &str,
    page_no: Option<i64>,
    flash: Option<String>,
    revealed: Option<Revealed>,
    error: Option<(i64, String)>,
) -> Result<FeedbackPage> {
    let access = page.access();
    let status = match status {
        "open" | "handled" => status,
        _ => "",
    };
    let paging = Paging::new(page_no, 30);
    let (rows, total) = service::feedback(access, status, paging).await?;
    Ok(FeedbackPage {
        shell: page.shell("排行榜反馈").with_flash(flash),
        rows: rows
            .iter()
            .map(|r| {
                let mut v = feedback_view(r);
                if let Some((id, message)) = &error
                    && *id == r.id
                {
                    v.error = message.clone();
                }
                v
            })
            .collect(),
        status: status.to_string(),
        pager: Pager::new(paging, total, &format!("/rankings/feedback?status={status}")),
        hospital: service::hospital_code(access).await?,
        can_handle: access.can(service::HANDLE_FEEDBACK),
        can_reveal: access.can(Permission::PersonalUnmask),
        revealed,
    })
}

async fn feedback_page(page: Page, Query(q): Query<FeedbackQuery>) -> PageResult<Html<String>> {
    let page_no = q.page.as_deref().and_then(|p| p.trim().parse::<i64>().ok());
    let flash = q.handled.map(|_| "已记录处理结果".to_string());
    render(feedback_list_view(&page, q.status.as_deref().unwrap_or(""), page_no, flash, None, None).await?)
}

#[derive(Deserialize)]
struct FeedbackActionForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    status: String,
}

fn feedback_id(f: &FeedbackActionForm) -> Result<i64> {
    f.id.trim().parse::<i64>().map_err(|_| Error::invalid_field("id", "请选择一条反馈"))
}

async fn feedback_handle(page: Page, Form(f): Form<FeedbackActionForm>) -> PageResult<Response> {
    // Permission before the form is looked at: nothing is told to those who may not act.
    page.access().require(service::HANDLE_FEEDBACK)?;
    let id = feedback_id(&f)?;
    match service::handle_feedback(page.access(), id, &f.reply).await {
        Ok(()) => {
            let status = if f.status == "open" { "open" } else { "" };
            Ok(Redirect::to(&format!("/rankings/feedback?status={status}&handled=1")).into_response())
        }
        Err(e) if e.status() == 422 => {
            let error = Some((id, e.public_message()));
            let view = feedback_list_view(&page, &f.status, None, None, None, error).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(view)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn feedback_reveal(page: Page, Form(f): Form<FeedbackActionForm>) -> PageResult<Html<String>> {
    page.access().require(service::READ)?;
    page.access().require(hops_platform::Permission::PersonalUnmask)?;
    let id = feedback_id(&f)?;
    let (name, contact) = service::reveal_contact(page.access(), id).await?;
    render(feedback_list_view(&page, &f.status, None, None, Some(Revealed { id, name, contact }), None).await?)
}

// ---- the public page ----

pub struct PublicRow {
    pub rank: String,
    pub name: String,
    pub department: String,
    pub title: String,
    pub volume: String,
    pub satisfaction: String,
    pub reply: String,
    pub revisit: String,
    pub composite: String,
}

fn public_row(e: &Entry) -> PublicRow {
    let v = row_view(e);
    PublicRow {
        rank: v.rank,
        name: v.name,
        department: v.department,
        title: v.title,
        volume: v.volume,
        satisfaction: v.satisfaction,
        reply: v.reply,
        revisit: v.revisit,
        composite: v.composite,
    }
}

#[derive(Default)]
pub struct FeedbackFields {
    pub name: String,
    pub contact: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "rankings_public.html")]
struct PublicPage {
    asset_version: &'static str,
    hospital_name: String,
    action: String,
    label: String,
    published_at: String,
    doctors: Vec<PublicRow>,
    departments: Vec<PublicRow>,
    doctors_unranked: usize,
    departments_unranked: usize,
    min_sample: i64,
    method: Vec<String>,
    chart: String,
    months: Vec<(String, String, bool)>,
    form: FeedbackFields,
    errors: FormErrors,
    sent: bool,
    notice: Option<String>,
    csrf: Option<String>,
    message_max: usize,
}

#[derive(Template)]
#[template(path = "rankings_public_missing.html")]
struct PublicMissing {
    asset_version: &'static str,
}

fn public_missing() -> PageResult<Response> {
    Ok((StatusCode::NOT_FOUND, render(PublicMissing { asset_version: env!("CARGO_PKG_VERSION") })?).into_response())
}

fn public_view(p: PublicRanking, csrf: Option<String>) -> PublicPage {
    let code = model::month_code(p.month);
    PublicPage {
        asset_version: env!("CARGO_PKG_VERSION"),
        action: format!("/p/{}/rankings/{code}/feedback#feedback", p.hospital_code),
        label: p.month.label_zh(),
        published_at: p.published_at.format_minute(),
        doctors: p.doctors.ranked.iter().map(public_row).collect(),
        departments: p.departments.ranked.iter().map(public_row).collect(),
        doctors_unranked: p.doctors.unranked.len(),
        departments_unranked: p.departments.unranked.len(),
        min_sample: p.doctors.settings.min_sample,
        method: model::method_text(&p.doctors, RankKind::Doctor),
        chart: top_chart(&p.doctors),
        months: p
            .months
            .iter()
            .map(|m| (format!("/p/{}/rankings/{}", p.hospital_code, model::month_code(*m)), m.label_zh(), *m == p.month))
            .collect(),
        hospital_name: p.hospital_name,
        form: FeedbackFields::default(),
        errors: FormErrors::default(),
        sent: false,
        notice: None,
        csrf,
        message_max: model::FEEDBACK_MESSAGE_MAX,
    }
}

#[derive(Deserialize)]
struct PublicQuery {
    sent: Option<String>,
}

async fn public_page(
    State(state): State<AppState>,
    Path((hospital, month)): Path<(String, String)>,
    Query(q): Query<PublicQuery>,
    session: Option<Extension<SessionInfo>>,
) -> PageResult<Response> {
    let Some(p) = service::public_ranking(state.core(), &hospital, &month).await? else { return public_missing() };
    let mut view = public_view(p, session.map(|s| s.0.csrf));
    view.sent = q.sent.is_some();
    Ok(render(view)?.into_response())
}

#[derive(Deserialize)]
struct PublicFeedbackForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    message: String,
    /// Hidden from people; bots fill it in.
    #[serde(default)]
    website: String,
}

async fn public_feedback(
    State(state): State<AppState>,
    Path((hospital, month)): Path<(String, String)>,
    session: Option<Extension<SessionInfo>>,
    Form(f): Form<PublicFeedbackForm>,
) -> PageResult<Response> {
    let draft = FeedbackDraft { name: f.name, contact: f.contact, message: f.message };
    let outcome = service::submit_feedback(state.core(), &hospital, &month, &draft, !f.website.trim().is_empty()).await;
    let (status, errors, notice) = match outcome {
        Ok(FeedbackOutcome::NotFound) => return public_missing(),
        Ok(_) => return Ok(Redirect::to(&format!("/p/{hospital}/rankings/{month}?sent=1#feedback")).into_response()),
        Err(e) if e.status() == 429 => (StatusCode::TOO_MANY_REQUESTS, FormErrors::default(), Some(e.public_message())),
        Err(e) => match FormErrors::from_error(e) {
            Ok(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
            Err(e) => return Err(e.into()),
        },
    };
    let Some(p) = service::public_ranking(state.core(), &hospital, &month).await? else { return public_missing() };
    let mut view = public_view(p, session.map(|s| s.0.csrf));
    view.form = FeedbackFields { name: draft.name, contact: draft.contact, message: draft.message };
    view.errors = errors;
    view.notice = notice;
    Ok((status, render(view)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, rank: Option<usize>, volume: i64, reply: Option<f64>) -> Entry {
        Entry {
            subject: model::Subject {
                id: 0,
                code: name.into(),
                name: name.into(),
                department: String::new(),
                title: String::new(),
                sums: model::Sums::default(),
            },
            indicators: model::Indicators { volume, rating_mean: None, satisfaction: None, reply_minutes: reply, revisit_rate: None },
            scores: None,
            composite: None,
            rank,
        }
    }

    #[test]
    fn tables_sort_by_a_column_and_page() {
        let all = vec![entry("甲", Some(2), 30, Some(12.0)), entry("乙", Some(1), 10, None), entry("丙", Some(3), 50, Some(3.5))];
        let names = |sort: &str| sorted(&all, sort).iter().map(|e| e.subject.name.clone()).collect::<Vec<_>>();
        assert_eq!(names("rank"), ["乙", "甲", "丙"]);
        assert_eq!(names("volume"), ["丙", "甲", "乙"], "most first");
        assert_eq!(names("reply"), ["丙", "甲", "乙"], "fastest first, none last");
        let many: Vec<Entry> = (1..=120).map(|i| entry(&format!("医生{i:03}"), Some(i), 1, None)).collect();
        let (rows, pager) = page_of(&many, "rank", Some(3), "/rankings?month=2026-10&kind=doctor&sort=rank", "page");
        assert_eq!((rows.len(), pager.pages, pager.total), (20, 3, 120));
        assert_eq!(rows[0].rank, "101");
        assert_eq!(pager.prev.as_deref(), Some("/rankings?month=2026-10&kind=doctor&sort=rank&page=2"));
        assert!(pager.next.is_none());
        // The second table of the page pages on its own parameter.
        let (_, pager) = page_of(&many, "rank", Some(2), "/rankings?sort=rank", "upage");
        assert_eq!(pager.next.as_deref(), Some("/rankings?sort=rank&upage=3"));
    }
}
