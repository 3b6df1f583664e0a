//! JSON API of invoice requests (发票申请).

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use hops_platform::Error;
use hops_platform::web::Param;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Paging, Routes, Scope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::invoice::model::{InvoiceDraft, InvoiceStatus, TitleKind};
use crate::invoice::service as invoice;
use crate::invoice::store::InvoiceRow;

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople)
        .api(
            Method::Post,
            "/api/v1/checkup/bookings/{booking_id}/invoice",
            ApiDoc::new("发票", "申请发票")
                .describe(
                    "仅已支付、已签到、已完成的预约可申请（否则 409 invalid_status）；金额为受检人实付金额（预约总价）。\
                     单位抬头须填写有效的统一社会信用代码（GB 32100-2015 校验位），个人抬头须填写姓名，另须电子邮箱；\
                     有误返回 422 并列出字段。每个预约同时只能有一份未作废的申请，重复申请返回 409 duplicate_invoice；个人实付 ¥0.00 的预约无需开票，返回 409 nothing_to_invoice。\
                     预约退款或取消时，待开票的申请自动作废。",
                )
                .body::<InvoiceIn>()
                .returns::<InvoiceOut>()
                .status(201),
            request,
        )
        .api(
            Method::Get,
            "/api/v1/checkup/invoices",
            ApiDoc::new("发票", "发票申请列表（新的在前）")
                .query_as(
                    "status",
                    Param::OneOf(&["requested", "issued", "cancelled"]),
                    "requested（待开票）| issued（已开票）| cancelled（已作废），不填为全部",
                )
                .query_as("page", Param::PAGE, "页码（从 1 开始，每页 50 条）")
                .returns::<InvoicePage>(),
            list,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/invoices/{invoice_id}/issued",
            ApiDoc::new("发票", "登记已开具的电子发票号码")
                .describe("需要体检目录管理权限。发票在医院电子发票系统中开具；只有待开票的申请可登记，发票号码为 8–20 位数字且不能重复。")
                .body::<IssuedIn>()
                .returns::<InvoiceOut>(),
            issued,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/invoices/{invoice_id}/cancel",
            ApiDoc::new("发票", "作废未开具的发票申请（之后可重新申请）").body::<InvoiceCancelIn>().returns::<InvoiceOut>(),
            cancel,
        )
}

#[derive(Deserialize, ToSchema)]
pub struct InvoiceIn {
    /// personal | company
    title_kind: String,
    /// The person's name, or the company's full name.
    title: String,
    /// 统一社会信用代码 (company titles).
    #[serde(default)]
    tax_number: String,
    email: String,
}

impl InvoiceIn {
    pub(super) fn draft(&self) -> Result<InvoiceDraft, Error> {
        let kind = TitleKind::from_code(&self.title_kind)
            .ok_or_else(|| Error::invalid_field("title_kind", "抬头类型应为 personal（个人）或 company（单位）"))?;
        Ok(InvoiceDraft { title_kind: kind, title: self.title.clone(), tax_number: self.tax_number.clone(), email: self.email.clone() })
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceOut {
    id: i64,
    booking_id: i64,
    booking_number: String,
    title_kind: String,
    title: String,
    tax_number: String,
    email: String,
    /// Yuan: what the person paid.
    amount: String,
    /// requested | issued | cancelled
    status: String,
    status_label: String,
    invoice_number: Option<String>,
    requested_at: String,
    issued_at: Option<String>,
    /// Why it was cancelled.
    note: String,
}

impl From<InvoiceRow> for InvoiceOut {
    fn from(r: InvoiceRow) -> Self {
        InvoiceOut {
            id: r.id,
            booking_id: r.booking_id,
            booking_number: r.booking_number,
            title_kind: r.title_kind.code().into(),
            title: r.title,
            tax_number: r.tax_number,
            email: r.email,
            amount: r.amount.to_yuan_string(),
            status: r.status.code().into(),
            status_label: r.status.label_zh().into(),
            invoice_number: r.invoice_number,
            requested_at: r.requested_at.format_second(),
            issued_at: r.issued_at.map(|t| t.format_second()),
            note: r.note,
        }
    }
}

async fn request(api: Api, Path(booking): Path<i64>, Json(body): Json<InvoiceIn>) -> ApiResult<(StatusCode, Json<InvoiceOut>)> {
    // Permission before the body's checks, so a refusal does not depend on the body.
    api.access().require(hops_platform::Permission::CheckupBook)?;
    let row = invoice::request(api.access(), booking, &body.draft()?).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct InvoicePage {
    total: i64,
    page: i64,
    items: Vec<InvoiceOut>,
}

/// `requested` … or empty for all; anything else is refused.
pub(super) fn status_param(s: Option<&str>) -> Result<Option<InvoiceStatus>, Error> {
    match s.map(str::trim).unwrap_or("") {
        "" => Ok(None),
        code => InvoiceStatus::from_code(code)
            .map(Some)
            .ok_or_else(|| Error::invalid_field("status", "状态应为 requested、issued 或 cancelled")),
    }
}

async fn list(api: Api, Query(q): Query<ListQuery>) -> ApiResult<Json<InvoicePage>> {
    let paging = Paging::new(q.page, 50);
    let (rows, total) = invoice::list(api.access(), status_param(q.status.as_deref())?, paging).await?;
    Ok(Json(InvoicePage { total, page: paging.page, items: rows.into_iter().map(Into::into).collect() }))
}

#[derive(Deserialize, ToSchema)]
pub struct IssuedIn {
    /// The e-invoice number (8–20 digits).
    invoice_number: String,
}

async fn issued(api: Api, Path(id): Path<i64>, Json(body): Json<IssuedIn>) -> ApiResult<Json<InvoiceOut>> {
    Ok(Json(invoice::mark_issued(api.access(), id, &body.invoice_number).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct InvoiceCancelIn {
    reason: String,
}

async fn cancel(api: Api, Path(id): Path<i64>, Json(body): Json<InvoiceCancelIn>) -> ApiResult<Json<InvoiceOut>> {
    Ok(Json(invoice::cancel(api.access(), id, &body.reason).await?.into()))
}
