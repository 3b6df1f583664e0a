//! Import (upload page, template download, result with row errors) and Excel export.

use askama::Template;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::response::{Html, IntoResponse, Response};
use hops_platform::tabular::RowError;
use hops_platform::web::upload::{self, Upload};
use hops_platform::web::{Method, Page, PageError, PageResult, Routes, Scope, Shell};
use hops_platform::{Error, Permission};

use crate::import::{self, ImportReport, Kind, Mode};

pub fn routes() -> Routes {
    let mut r = Routes::default();
    macro_rules! kind_routes {
        ($kind:expr, $slug:literal, $scope:expr) => {
            r = r
                .scope($scope)
                .page(Method::Get, concat!("/", $slug, "/import"), "批量导入", |page: Page| upload_page(page, $kind))
                .page(
                    Method::Post,
                    concat!("/", $slug, "/import"),
                    "上传导入文件",
                    |page: Page, mp: Result<Multipart, MultipartRejection>| upload(page, $kind, mp),
                )
                .page(Method::Get, concat!("/", $slug, "/template.xlsx"), "下载导入模板", |page: Page| template(page, $kind))
                .page(Method::Get, concat!("/", $slug, "/export.xlsx"), "导出 Excel", |page: Page| export(page, $kind));
        };
    }
    kind_routes!(Kind::Departments, "departments", Scope::Hospital);
    kind_routes!(Kind::Doctors, "doctors", Scope::Hospital);
    // The export lists the patients of the caller's data scope; the import is for roles that
    // see every patient (master data writers).
    kind_routes!(Kind::Patients, "patients", Scope::People);
    r
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    shell: Shell,
    slug: &'static str,
    label: &'static str,
    columns: &'static [hops_platform::tabular::Column],
    report: Option<ImportReport>,
    errors: Vec<RowError>,
    file_error: Option<String>,
}

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

fn page_for(page: &Page, kind: Kind, report: Option<ImportReport>, file_error: Option<String>) -> ImportPage {
    let errors = report.as_ref().map(|r| r.rejected.iter().take(500).cloned().collect()).unwrap_or_default();
    ImportPage {
        shell: page.shell(format!("批量导入{}", kind.label_zh())),
        slug: kind.slug(),
        label: kind.label_zh(),
        columns: kind.columns(),
        report,
        errors,
        file_error,
    }
}

async fn upload_page(page: Page, kind: Kind) -> PageResult<Html<String>> {
    page.access().require(Permission::MasterImport)?;
    render(page_for(&page, kind, None, None))
}

/// The import mode a form or API call asks for.
pub(super) fn mode_of(upload: &Upload) -> Mode {
    if upload.field("mode") == "skip_bad" { Mode::SkipBad } else { Mode::AllOrNothing }
}

async fn upload(page: Page, kind: Kind, mp: Result<Multipart, MultipartRejection>) -> PageResult<Response> {
    let access = page.access();
    let upload = upload::read(access, Permission::MasterImport, mp).await?;
    let mode = mode_of(&upload);
    let table = match upload.table().await {
        Ok(table) => table,
        Err(Error::Client { message, .. }) => {
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(page_for(&page, kind, None, Some(message)))?).into_response());
        }
        Err(e) => return Err(PageError(e)),
    };
    let report = import::import(access, kind, &table, mode).await?;
    let status = if report.committed { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, render(page_for(&page, kind, Some(report), None))?).into_response())
}

fn xlsx(filename: String, bytes: Vec<u8>) -> Response {
    hops_platform::web::xlsx(&format!("{}.xlsx", filename.split('_').next().unwrap_or("export")), &filename, bytes)
}

async fn template(page: Page, kind: Kind) -> PageResult<Response> {
    page.access().require(Permission::MasterImport)?;
    Ok(xlsx(format!("{}_{}导入模板.xlsx", kind.slug(), kind.label_zh()), import::template(kind)?))
}

async fn export(page: Page, kind: Kind) -> PageResult<Response> {
    let bytes = import::export(page.access(), kind).await?;
    let day = page.access().now().local_day();
    Ok(xlsx(format!("{}_{}_{day}.xlsx", kind.slug(), kind.label_zh()), bytes))
}
