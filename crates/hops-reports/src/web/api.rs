//! The reports API (types and handlers; routes in `super`).

use super::*;

// ---- API ----

#[derive(Serialize, ToSchema)]
pub struct PreviewOut {
    /// Report numbers: title, hospital, period, kpis (value/previous/year_ago as in /api/v1/kpis, with mom/yoy changes),
    /// department_share, doctors, trend, reviews, summary, conclusions.
    #[schema(value_type = Object)]
    report: serde_json::Value,
    /// The published report of this period, if any.
    published: Option<ReportOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    id: i64,
    /// week, month, quarter, half or year.
    kind: String,
    title: String,
    label: String,
    start: String,
    end: String,
    conclusions: String,
    published_at: String,
    published_by: String,
    pdf_bytes: i64,
    xlsx_bytes: i64,
    /// Addresses it was e-mailed to so far.
    delivered: i64,
}

fn report_out(r: &ReportRow) -> ReportOut {
    ReportOut {
        id: r.id.0,
        kind: r.kind.code().into(),
        title: r.title.clone(),
        label: r.label.clone(),
        start: r.start.to_string(),
        end: r.end.to_string(),
        conclusions: r.conclusions.clone(),
        published_at: r.published_at.to_string(),
        published_by: r.published_by.clone(),
        pdf_bytes: r.pdf_bytes,
        xlsx_bytes: r.xlsx_bytes,
        delivered: r.delivered,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReportDetailOut {
    report: ReportOut,
    /// The numbers as published (same shape as the preview's `report`).
    #[schema(value_type = Object)]
    numbers: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct ReportListOut {
    items: Vec<ReportOut>,
    total: i64,
    page: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct ConclusionsIn {
    /// week, month, quarter, half or year.
    period: String,
    /// A date YYYY-MM-DD or month YYYY-MM inside the period.
    at: String,
    /// 结论与措施, at most 5000 characters; empty restores the generated suggestion.
    conclusions: String,
}

#[derive(Serialize, ToSchema)]
pub struct SavedOut {
    saved: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct PublishIn {
    pub(super) period: String,
    pub(super) at: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ReportJobOut)]
pub struct JobOut {
    job_id: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct SubscriberIn {
    name: String,
    email: String,
    /// Report kinds received: week, month, quarter, half, year.
    kinds: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SubscriberOut {
    id: i64,
    name: String,
    email: String,
    kinds: Vec<String>,
    created_at: String,
}

fn subscriber_out(s: &SubscriberRow) -> SubscriberOut {
    SubscriberOut {
        id: s.id.0,
        name: s.name.clone(),
        email: s.email.clone(),
        kinds: s.kinds.iter().map(|k| k.code().to_string()).collect(),
        created_at: s.created_at.to_string(),
    }
}

pub(super) async fn api_preview(api: Api, Query(q): Query<PeriodQuery>) -> ApiResult<Json<PreviewOut>> {
    let access = api.access();
    let range = service::parse_range(q.period.as_deref(), q.at.as_deref(), access.now().local_day())?;
    let report = service::build(access, range).await?;
    let published = service::published(access, range).await?;
    Ok(Json(PreviewOut { report: model::numbers(&report), published: published.as_ref().map(report_out) }))
}

pub(super) async fn api_conclusions(api: Api, Json(body): Json<ConclusionsIn>) -> ApiResult<Json<SavedOut>> {
    let access = api.access();
    let range = service::parse_range(Some(&body.period), Some(&body.at), access.now().local_day())?;
    service::save_conclusions(access, range, &body.conclusions).await?;
    Ok(Json(SavedOut { saved: true }))
}

pub(super) async fn api_publish(api: Api, Json(body): Json<PublishIn>) -> ApiResult<(StatusCode, Json<ReportOut>)> {
    let access = api.access();
    let range = service::parse_range(Some(&body.period), Some(&body.at), access.now().local_day())?;
    let id = service::publish(access, range).await?;
    Ok((StatusCode::CREATED, Json(report_out(&service::get(access, id).await?))))
}

pub(super) async fn api_list(api: Api, Query(q): Query<HistoryQuery>) -> ApiResult<Json<ReportListOut>> {
    let kind = match q.kind.as_deref().filter(|k| !k.is_empty()) {
        Some(k) => Some(Period::parse(k).map_err(|_| Error::invalid_field("kind", "kind 应为 week、month、quarter、half 或 year"))?),
        None => None,
    };
    let paging = Paging::new(q.page, 50);
    let (rows, total) = service::list(api.access(), kind, paging).await?;
    Ok(Json(ReportListOut { items: rows.iter().map(report_out).collect(), total, page: paging.page }))
}

pub(super) async fn api_get(api: Api, Path(id): Path<String>) -> ApiResult<Json<ReportDetailOut>> {
    let id = report_id(&id)?;
    let row = service::get(api.access(), id).await?;
    let numbers = service::numbers(api.access(), id).await?;
    Ok(Json(ReportDetailOut { report: report_out(&row), numbers }))
}

pub(super) async fn api_file(api: &Api, raw: &str, which: File) -> ApiResult<Response> {
    let (row, bytes) = service::file(api.access(), report_id(raw)?, which).await?;
    let (ct, ext) = if which == File::Pdf { (PDF, "pdf") } else { (XLSX, "xlsx") };
    Ok(hops_platform::web::download(ct, &ascii_name(row.kind, row.start, ext), &file_name(&row.title, &row.label, ext), bytes))
}

pub(super) async fn api_pdf(api: Api, Path(id): Path<String>) -> ApiResult<Response> {
    api_file(&api, &id, File::Pdf).await
}

pub(super) async fn api_xlsx(api: Api, Path(id): Path<String>) -> ApiResult<Response> {
    api_file(&api, &id, File::Xlsx).await
}

pub(super) async fn api_send(api: Api, Path(id): Path<String>) -> ApiResult<(StatusCode, Json<JobOut>)> {
    let job = service::send_now(api.access(), report_id(&id)?).await?;
    Ok((StatusCode::ACCEPTED, Json(JobOut { job_id: job.0 })))
}

pub(super) async fn api_subscribers(api: Api) -> ApiResult<Json<Vec<SubscriberOut>>> {
    Ok(Json(service::subscribers(api.access()).await?.iter().map(subscriber_out).collect()))
}

fn draft_of(body: SubscriberIn) -> model::SubscriberDraft {
    model::SubscriberDraft { name: body.name, email: body.email, kinds: body.kinds }
}

async fn find_subscriber(api: &Api, id: SubscriberId) -> Result<SubscriberRow> {
    service::subscribers(api.access()).await?.into_iter().find(|s| s.id == id).ok_or_else(|| Error::not_found("订阅人"))
}

pub(super) async fn api_subscriber_add(api: Api, Json(body): Json<SubscriberIn>) -> ApiResult<(StatusCode, Json<SubscriberOut>)> {
    let id = service::add_subscriber(api.access(), &draft_of(body)).await?;
    Ok((StatusCode::CREATED, Json(subscriber_out(&find_subscriber(&api, id).await?))))
}

pub(super) async fn api_subscriber_update(
    api: Api,
    Path(id): Path<String>,
    Json(body): Json<SubscriberIn>,
) -> ApiResult<Json<SubscriberOut>> {
    let id = subscriber_id(&id)?;
    service::update_subscriber(api.access(), id, &draft_of(body)).await?;
    Ok(Json(subscriber_out(&find_subscriber(&api, id).await?)))
}

pub(super) async fn api_subscriber_delete(api: Api, Path(id): Path<String>) -> ApiResult<StatusCode> {
    service::remove_subscriber(api.access(), subscriber_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
