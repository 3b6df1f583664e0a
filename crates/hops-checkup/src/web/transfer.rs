//! API of the catalogue workbook: download it, upload one (all or nothing, every problem with
//! its sheet, row and column).

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::StatusCode;
use axum::response::Response;
use hops_platform::Permission;
use hops_platform::web::upload;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Routes, Scope};
use serde::Serialize;
use utoipa::ToSchema;

use crate::catalogue::transfer::{self, Counts, ImportSummary};

pub(super) use hops_platform::web::pages::XLSX;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .api(
            Method::Get,
            "/api/v1/checkup/catalogue.xlsx",
            ApiDoc::new("体检目录", "导出体检目录 Excel（项目、套餐、规则、资源四个工作表）").file(XLSX),
            download,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/catalogue/import",
            ApiDoc::new("体检目录", "导入体检目录 Excel（multipart 上传 .xlsx）")
                .describe(
                    "multipart/form-data，字段 file 为导出格式的 .xlsx 文件。整批校验：有任何问题则全部不导入（422），\
                     返回每个问题的工作表、行号与列；否则在一个事务中按编码新增或更新项目、套餐、资源，新增尚无的规则。",
                )
                .upload()
                .returns::<ImportOut>()
                .error_returns::<ImportOut>(422, "文件有误，未导入任何内容（返回每个问题）"),
            import,
        )
}

async fn download(api: Api) -> ApiResult<Response> {
    let bytes = transfer::export(api.access()).await?;
    Ok(hops_platform::web::xlsx("checkup-catalogue.xlsx", "体检目录.xlsx", bytes))
}

#[derive(Serialize, ToSchema)]
pub struct CountsOut {
    added: usize,
    updated: usize,
    /// Already present exactly so.
    unchanged: usize,
}

impl From<Counts> for CountsOut {
    fn from(c: Counts) -> Self {
        CountsOut { added: c.added, updated: c.updated, unchanged: c.unchanged }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProblemOut {
    /// 项目 | 套餐 | 规则 | 资源
    sheet: String,
    /// Spreadsheet row (headers are row 1).
    row: usize,
    column: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = CatalogueImportOut)]
pub struct ImportOut {
    committed: bool,
    items: CountsOut,
    packages: CountsOut,
    rules: CountsOut,
    resources: CountsOut,
    errors: Vec<ProblemOut>,
}

impl From<ImportSummary> for ImportOut {
    fn from(s: ImportSummary) -> Self {
        ImportOut {
            committed: s.committed,
            items: s.items.into(),
            packages: s.packages.into(),
            rules: s.rules.into(),
            resources: s.resources.into(),
            errors: s
                .problems
                .into_iter()
                .map(|p| ProblemOut { sheet: p.sheet, row: p.row, column: p.column, message: p.message })
                .collect(),
        }
    }
}

async fn import(api: Api, mp: Result<Multipart, MultipartRejection>) -> ApiResult<(StatusCode, Json<ImportOut>)> {
    // Permission before reading the upload, so a refusal does not depend on the file.
    let (name, bytes) = upload::read(api.access(), Permission::CheckupManage, mp).await?.into_file()?;
    let summary = transfer::import(api.access(), &bytes, &name).await?;
    let status = if summary.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, Json(summary.into())))
}
