//! Console page of invoice requests: a list by status with paging, the form to record an issued
//! e-invoice's number, cancelling, and the XLSX export.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_platform::web::{Form, Method, Page, PageError, PageResult, Pager, Paging, Routes, Scope};
use hops_platform::{Error, Permission};
use serde::Deserialize;

use super::api_invoice::status_param;
use crate::invoice::model::InvoiceStatus;
use crate::invoice::service as invoice;
use crate::invoice::store::InvoiceRow;
use hops_platform::web::flash;

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople)
        .page(Method::Get, "/checkup/invoices", "发票申请", list)
        .page(Method::Get, "/checkup/invoices.xlsx", "导出发票申请 Excel", export)
        .page(Method::Post, "/checkup/invoices/{invoice_id}/issued", "登记已开发票", issued)
        .page_confirmed(Method::Post, "/checkup/invoices/{invoice_id}/cancel", "作废发票申请", cancel)
}

/// Messages shown after a redirect, by code (never text from the query string).
const FLASH: &[(&str, &str)] = &[("issued", "已登记开票，发票申请变为“已开票”"), ("cancelled", "发票申请已作废")];

#[derive(Deserialize, Default)]
pub struct Q {
    status: Option<String>,
    page: Option<i64>,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "checkup_invoices.html")]
struct InvoicesPage {
    shell: hops_platform::web::Shell,
    rows: Vec<InvoiceRow>,
    pager: Pager,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    can_manage: bool,
    can_export: bool,
    error: String,
}

async fn list(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    view(&page, q, String::new()).await
}

async fn view(page: &Page, q: Q, error: String) -> PageResult<Html<String>> {
    let access = page.access();
    let paging = Paging::new(q.page, 30);
    let status = status_param(q.status.as_deref()).unwrap_or(None);
    let (rows, total) = invoice::list(access, status, paging).await?;
    let code = status.map_or("", InvoiceStatus::code);
    let html = InvoicesPage {
        shell: page.shell("发票申请").with_flash(flash(q.ok.as_deref(), FLASH)),
        rows,
        pager: Pager::new(paging, total, &format!("/checkup/invoices?status={code}")),
        status: code.to_string(),
        statuses: InvoiceStatus::ALL.iter().map(|s| (s.code(), s.label_zh())).collect(),
        can_manage: access.can(Permission::CheckupManage),
        can_export: access.can(Permission::DataExport),
        error,
    }
    .render()
    .map_err(|e| PageError(Error::Internal(e.into())))?;
    Ok(Html(html))
}

async fn export(page: Page, Query(q): Query<Q>) -> PageResult<Response> {
    let status = status_param(q.status.as_deref())?;
    let bytes = invoice::export(page.access(), status).await?;
    let name = format!("发票申请_{}.xlsx", page.access().now().local_day());
    Ok(hops_platform::web::xlsx("checkup-invoices.xlsx", &name, bytes))
}

/// A refused change is shown on the list with its reason.
async fn refused(page: &Page, e: Error) -> PageResult<Response> {
    match &e {
        Error::Client { status: status @ (409 | 422), .. } => {
            let code = axum::http::StatusCode::from_u16(*status).unwrap_or(axum::http::StatusCode::CONFLICT);
            let message = match e.fields() {
                [] => e.public_message(),
                fields => fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；"),
            };
            Ok((code, view(page, Q::default(), message).await?).into_response())
        }
        _ => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IssuedForm {
    invoice_number: String,
}

async fn issued(page: Page, Path(id): Path<i64>, Form(f): Form<IssuedForm>) -> PageResult<Response> {
    match invoice::mark_issued(page.access(), id, &f.invoice_number).await {
        Ok(_) => Ok(Redirect::to("/checkup/invoices?ok=issued").into_response()),
        Err(e) => refused(&page, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    reason: String,
}

async fn cancel(page: Page, Path(id): Path<i64>, Form(f): Form<CancelForm>) -> PageResult<Response> {
    match invoice::cancel(page.access(), id, &f.reason).await {
        Ok(_) => Ok(Redirect::to("/checkup/invoices?ok=cancelled").into_response()),
        Err(e) => refused(&page, e).await,
    }
}
