//! JSON API of the knowledge base: articles (list and search, read, create, a new version by
//! saving), their variant phrasings, the version history, import and export. Like the console's
//! pages, every operation needs the permission to edit the knowledge base.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use hops_platform::Permission;
use hops_platform::tabular::Mode;
use hops_platform::web::Param;
use hops_platform::web::pages::XLSX;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Paging, Routes, Scope, upload};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::kb::model::{ArticleDraft, ArticleInput, ArticleStatus};
use crate::kb::service as kb;
use crate::kb::store::ArticleRow;

const TAG: &str = "知识库";
const PER_PAGE: i64 = 50;
const STATUSES: &[&str] = &["draft", "published", "archived"];

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .api(
            Method::Get,
            "/api/v1/desk/kb/articles",
            ApiDoc::new(TAG, "知识列表（最近修改的在前）")
                .query("q", "在标准问题、相似问法和答案中查找")
                .query("category", "分类（精确）")
                .query_as("status", Param::OneOf(STATUSES), "draft（草稿）| published（已发布）| archived（已停用）")
                .query_as("page", Param::PAGE, "页码（从 1 开始，每页 50 条）")
                .returns::<KbArticlePage>(),
            list,
        )
        .api(
            Method::Post,
            "/api/v1/desk/kb/articles",
            ApiDoc::new(TAG, "新建知识")
                .describe("标准问题在本院唯一。字段有误返回 422 并在 error.fields 中列出全部问题，不保存任何内容。")
                .body::<KbArticleIn>()
                .returns::<KbArticleOut>()
                .status(201),
            create,
        )
        .api(Method::Get, "/api/v1/desk/kb/articles/{article_id}", ApiDoc::new(TAG, "知识详情（当前版本）").returns::<KbArticleOut>(), get)
        .api(
            Method::Put,
            "/api/v1/desk/kb/articles/{article_id}",
            ApiDoc::new(TAG, "修改知识（保存为新版本，即时生效）").body::<KbArticleIn>().returns::<KbArticleOut>(),
            update,
        )
        .api(
            Method::Put,
            "/api/v1/desk/kb/articles/{article_id}/variants",
            ApiDoc::new(TAG, "整体替换相似问法（保存为新版本）").body::<KbVariantsIn>().returns::<KbArticleOut>(),
            set_variants,
        )
        .api(
            Method::Get,
            "/api/v1/desk/kb/articles/{article_id}/versions",
            ApiDoc::new(TAG, "知识的历史版本（新的在前）").returns::<Vec<KbVersionOut>>(),
            versions,
        )
        .api(
            Method::Post,
            "/api/v1/desk/kb/import",
            ApiDoc::new(TAG, "导入知识（multipart 上传 .xlsx/.csv）")
                .describe(
                    "列：标准问题、相似问法（多个用 | 分隔）、答案、分类、状态（与导出相同）。已有的标准问题有变化时保存为新版本。\
                     mode 为 all（默认：有任何错误则全部不导入，422）或 skip_bad（导入正确的行，返回错误行）。",
                )
                .upload()
                .upload_field("mode", "all（默认）或 skip_bad")
                .returns::<KbImportOut>()
                .error_returns::<KbImportOut>(422, "有错误行，未导入（mode=all）"),
            import,
        )
        .api(
            Method::Get,
            "/api/v1/desk/kb/export.xlsx",
            ApiDoc::new(TAG, "导出全部知识 Excel（列同导入，可修改后再导入）").file(XLSX),
            export,
        )
}

/// An article's status.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KbStatus {
    Draft,
    Published,
    Archived,
}

impl From<ArticleStatus> for KbStatus {
    fn from(s: ArticleStatus) -> Self {
        match s {
            ArticleStatus::Draft => KbStatus::Draft,
            ArticleStatus::Published => KbStatus::Published,
            ArticleStatus::Archived => KbStatus::Archived,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct KbArticleIn {
    /// The standard question (at most 200 characters, unique in the hospital).
    question: String,
    /// Other phrasings patients use (at most 50); each is also split at `|` and line breaks.
    #[serde(default)]
    variants: Vec<String>,
    /// The answer (at most 5,000 characters): `**bold**`, lines starting with `- ` and web
    /// addresses are shown formatted.
    answer: String,
    #[serde(default)]
    category: String,
    /// Default `published`; only published articles answer patients.
    #[serde(default)]
    #[schema(value_type = Option<KbStatus>)]
    status: String,
}

impl KbArticleIn {
    fn input(self) -> ArticleInput {
        ArticleInput {
            question: self.question,
            variants: self.variants.join("\n"),
            answer: self.answer,
            category: self.category,
            status: self.status,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct KbArticleOut {
    id: i64,
    question: String,
    variants: Vec<String>,
    answer: String,
    category: String,
    status: KbStatus,
    status_label: String,
    /// The current version (1 for a new article).
    version: i64,
    updated_at: String,
    updated_by: String,
}

fn out(a: ArticleRow) -> KbArticleOut {
    KbArticleOut {
        id: a.id,
        question: a.question,
        variants: a.variants,
        answer: a.answer,
        category: a.category,
        status_label: a.status.label_zh().into(),
        status: a.status.into(),
        version: a.version,
        updated_at: a.updated_at.format_second(),
        updated_by: a.updated_by,
    }
}

#[derive(Serialize, ToSchema)]
pub struct KbArticlePage {
    total: i64,
    page: i64,
    per_page: i64,
    items: Vec<KbArticleOut>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    category: Option<String>,
    status: Option<String>,
    page: Option<i64>,
}

async fn list(api: Api, Query(q): Query<ListQuery>) -> ApiResult<Json<KbArticlePage>> {
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(code) => Some(
            ArticleStatus::from_code(code)
                .ok_or_else(|| hops_platform::Error::invalid_field("status", "status 应为 draft、published 或 archived"))?,
        ),
        None => None,
    };
    let paging = Paging::new(q.page, PER_PAGE);
    let (rows, total) = kb::list(api.access(), q.q.as_deref().unwrap_or(""), q.category.as_deref().unwrap_or(""), status, paging).await?;
    Ok(Json(KbArticlePage { total, page: paging.page, per_page: paging.per_page, items: rows.into_iter().map(out).collect() }))
}

async fn create(api: Api, Json(body): Json<KbArticleIn>) -> ApiResult<(StatusCode, Json<KbArticleOut>)> {
    let row = kb::save(api.access(), None, &body.input()).await?;
    Ok((StatusCode::CREATED, Json(out(row))))
}

async fn get(api: Api, Path(id): Path<i64>) -> ApiResult<Json<KbArticleOut>> {
    Ok(Json(out(kb::article(api.access(), id).await?)))
}

async fn update(api: Api, Path(id): Path<i64>, Json(body): Json<KbArticleIn>) -> ApiResult<Json<KbArticleOut>> {
    Ok(Json(out(kb::save(api.access(), Some(id), &body.input()).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct KbVariantsIn {
    /// The article's variant phrasings, replacing the present ones (an empty list removes them).
    variants: Vec<String>,
}

async fn set_variants(api: Api, Path(id): Path<i64>, Json(body): Json<KbVariantsIn>) -> ApiResult<Json<KbArticleOut>> {
    Ok(Json(out(kb::set_variants(api.access(), id, &body.variants).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct KbVersionOut {
    version: i64,
    question: String,
    variants: Vec<String>,
    answer: String,
    category: String,
    status: KbStatus,
    saved_at: String,
    saved_by: String,
}

async fn versions(api: Api, Path(id): Path<i64>) -> ApiResult<Json<Vec<KbVersionOut>>> {
    let rows = kb::versions(api.access(), id).await?;
    let versions = rows.into_iter().map(|(version, d, at, by): (i64, ArticleDraft, hops_kernel::Instant, String)| KbVersionOut {
        version,
        question: d.question,
        variants: d.variants,
        answer: d.answer,
        category: d.category,
        status: d.status.into(),
        saved_at: at.format_second(),
        saved_by: by,
    });
    Ok(Json(versions.collect()))
}

#[derive(Serialize, ToSchema)]
pub struct KbImportOut {
    /// Whether anything was written.
    committed: bool,
    total: usize,
    inserted: usize,
    updated: usize,
    errors: Vec<KbImportErrorOut>,
}

#[derive(Serialize, ToSchema)]
pub struct KbImportErrorOut {
    /// The file's row (the header is row 1).
    row: usize,
    column: String,
    message: String,
}

async fn import(api: Api, mp: Result<Multipart, MultipartRejection>) -> ApiResult<(StatusCode, Json<KbImportOut>)> {
    let upload = upload::read(api.access(), Permission::KbEdit, mp).await?;
    let mode = if upload.field("mode") == "skip_bad" { Mode::SkipBad } else { Mode::AllOrNothing };
    let (name, bytes) = upload.into_file()?;
    let r = kb::import(api.access(), &bytes, &name, mode).await?;
    let status = if r.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let errors = r.rejected.into_iter().map(|e| KbImportErrorOut { row: e.row, column: e.column, message: e.message }).collect();
    Ok((status, Json(KbImportOut { committed: r.committed, total: r.total, inserted: r.inserted, updated: r.updated, errors })))
}

async fn export(api: Api) -> ApiResult<Response> {
    let bytes = kb::export(api.access()).await?;
    Ok(hops_platform::web::xlsx("kb.xlsx", &format!("知识库_{}.xlsx", api.access().now().local_day()), bytes))
}
