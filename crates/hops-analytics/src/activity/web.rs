//! The ingest page and API of activity data.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use hops_platform::tabular::{self, Column, ImportReport, Mode, RowError, Table};
use hops_platform::web::upload;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Page, PageError, PageResult, Routes, Scope, Shell};
use hops_platform::{Error, Permission};
use serde::{Deserialize, Serialize};
use serde_json::Value as JsonValue;
use utoipa::ToSchema;

use super::service::{self, INGEST_KINDS};

pub(crate) fn routes() -> Routes {
    // Ingest writes patients and their activity: for roles that see every patient.
    let mut r = Routes::scoped(Scope::AllPeople)
        .page(Method::Get, "/ingest", "数据接入", ingest_page)
        .page(Method::Post, "/ingest", "上传数据文件", ingest_upload)
        .page(Method::Get, "/ingest/template.xlsx", "下载数据模板", ingest_template);
    macro_rules! ingest {
            ($slug:literal, $summary:literal) => {
                r = r.api(
                    Method::Post,
                    concat!("/api/v1/ingest/", $slug),
                    ApiDoc::new("数据接入", $summary)
                        .describe("按 external_id（科室、医生为 code）幂等：重复发送同一行即更新、不会重复。默认整批校验，任何一行有误则整批不写入并返回逐行错误；mode=skip_bad 时只写入无误的行。行号从 1 开始。列见 docs/ingest.md。")
                        .body::<IngestRequest>()
                        .returns::<IngestResponse>()
                        .error_returns::<IngestResponse>(422, "有错误行，整批未写入（返回逐行错误）"),
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
