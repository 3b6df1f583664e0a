//! JSON API of payments, refunds and reconciliation, and the WeChat Pay callback endpoint.

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hops_kernel::LocalDay;
use hops_platform::Error;
use hops_platform::throttle::ClientKey;
use hops_platform::web::Param;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Routes, Scope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::payment::gateway;
use crate::payment::model::Method as PayMethod;
use crate::payment::service::{self as pay, NotifyError};
use crate::payment::wechat::SignedHeaders;

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople)
        .api(
            Method::Post,
            "/api/v1/checkup/bookings/{booking_id}/pay",
            ApiDoc::new("体检支付", "发起微信支付（H5），返回支付页地址")
                .body::<PayIn>()
                .returns::<PayOut>()
                .error(409, "预约状态不能支付或无需支付")
                .error(502, "支付通道暂不可用")
                .error(503, "在线支付未开通（未配置微信支付商户）"),
            start,
        )
        .api(
            Method::Get,
            "/api/v1/checkup/bookings/{booking_id}/payments",
            ApiDoc::new("体检支付", "预约的收款与退款记录").returns::<MoneyOut>(),
            money,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/bookings/{booking_id}/payments",
            ApiDoc::new("体检支付", "登记检中或线下收款（预约变为已支付）").body::<RecordIn>().status(204),
            record,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/bookings/{booking_id}/refund",
            ApiDoc::new("体检支付", "退款：释放号源，微信支付原路退回（异步），检中/线下收款登记为已退")
                .body::<RefundIn>()
                .returns::<super::api_booking::BookingOut>()
                .error(409, "预约状态不能退款"),
            refund,
        )
        .api(
            Method::Get,
            "/api/v1/checkup/reconciliation",
            ApiDoc::new("体检支付", "按日对账：收款、退款与预约状态不符的清单")
                .query_required("date", Param::Date, "日期 YYYY-MM-DD")
                .returns::<ReconcileOut>(),
            reconcile,
        )
        .scope(Scope::Public)
        .public(Method::Post, "/pay/wechat/notify/{hospital_id}", "微信支付回调通知", notify)
}

#[derive(Deserialize, ToSchema)]
pub struct PayIn {
    /// Where the payer returns after paying (a path on this server).
    return_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PayOut {
    pay_url: String,
}

/// The payer's address (`payer_client_ip`) is the caller's as the rate limits see it: the
/// peer, or what a local proxy appended to X-Forwarded-For.
async fn start(api: Api, ClientKey(ip): ClientKey, Path(id): Path<i64>, Json(p): Json<PayIn>) -> ApiResult<Json<PayOut>> {
    let back = p.return_url.as_deref().and_then(hops_platform::web::pages::safe_path).unwrap_or("/");
    let url = pay::start_wechat(api.access(), id, &ip, back).await?;
    Ok(Json(PayOut { pay_url: url }))
}

#[derive(Serialize, ToSchema)]
pub struct PaymentOut {
    method: String,
    method_label: String,
    out_trade_no: String,
    transaction_id: Option<String>,
    amount: String,
    status: String,
    paid_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RefundOut {
    out_refund_no: String,
    amount: String,
    status: String,
    status_label: String,
}

#[derive(Serialize, ToSchema)]
pub struct MoneyOut {
    payments: Vec<PaymentOut>,
    refunds: Vec<RefundOut>,
}

async fn money(api: Api, Path(id): Path<i64>) -> ApiResult<Json<MoneyOut>> {
    let (payments, refunds) = pay::money_of(api.access(), id).await?;
    Ok(Json(MoneyOut {
        payments: payments
            .into_iter()
            .map(|p| PaymentOut {
                method: p.method.code().into(),
                method_label: p.method.label_zh().into(),
                out_trade_no: p.out_trade_no,
                transaction_id: p.transaction_id,
                amount: p.amount.to_yuan_string(),
                status: p.status.code().into(),
                paid_at: p.paid_at.map(|t| t.format_second()),
            })
            .collect(),
        refunds: refunds
            .into_iter()
            .map(|r| RefundOut {
                out_refund_no: r.out_refund_no,
                amount: r.amount.to_yuan_string(),
                status: r.status.code().into(),
                status_label: r.status.label_zh().into(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct RecordIn {
    /// onsite | offline
    method: String,
    #[serde(default)]
    note: String,
}

async fn record(api: Api, Path(id): Path<i64>, Json(r): Json<RecordIn>) -> ApiResult<StatusCode> {
    let method = PayMethod::from_code(r.method.trim())
        .ok_or_else(|| Error::invalid_field("method", "收款方式应为 onsite（检中）或 offline（线下）"))?;
    pay::record_offline(api.access(), id, method, &r.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct RefundIn {
    reason: String,
}

async fn refund(api: Api, Path(id): Path<i64>, Json(r): Json<RefundIn>) -> ApiResult<Json<super::api_booking::BookingOut>> {
    let b = pay::refund(api.access(), id, &r.reason).await?;
    Ok(Json(super::api_booking::out(&b)))
}

#[derive(Deserialize)]
pub struct DateQuery {
    /// Missing is refused by the handler (after the permission check), not by the extractor.
    #[serde(default)]
    date: String,
}

#[derive(Serialize, ToSchema)]
pub struct MismatchOut {
    booking_number: String,
    kind: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReconcileOut {
    date: String,
    bookings: usize,
    mismatches: Vec<MismatchOut>,
}

async fn reconcile(api: Api, Query(q): Query<DateQuery>) -> ApiResult<Json<ReconcileOut>> {
    api.access().require(hops_platform::Permission::CheckupRead)?;
    let day = LocalDay::parse(q.date.trim()).map_err(|_| Error::invalid_field("date", "日期格式应为 YYYY-MM-DD"))?;
    let (n, mismatches) = pay::reconcile(api.access(), day).await?;
    Ok(Json(ReconcileOut {
        date: day.to_string(),
        bookings: n,
        mismatches: mismatches
            .into_iter()
            .map(|m| MismatchOut { booking_number: m.booking_number, kind: m.kind.into(), message: m.message })
            .collect(),
    }))
}

/// WeChat Pay's callback: 204 when handled (or handled before), 401 for a bad signature and
/// 400 for anything else wrong — WeChat Pay then retries later.
async fn notify(
    state: axum::extract::State<hops_platform::web::AppState>,
    headers: HeaderMap,
    Path(hospital): Path<i64>,
    body: Bytes,
) -> Response {
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("");
    let signed = SignedHeaders {
        timestamp: h("wechatpay-timestamp"),
        nonce: h("wechatpay-nonce"),
        signature: h("wechatpay-signature"),
        serial: h("wechatpay-serial"),
    };
    let body = String::from_utf8_lossy(&body);
    let Some(gw) = gateway::for_server(state.core()) else {
        return (StatusCode::NOT_FOUND, axum::Json(json!({ "code": "FAIL", "message": "在线支付未开通" }))).into_response();
    };
    match pay::notify(state.core(), gw, hospital, signed, &body).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            let status = match e {
                NotifyError::BadSignature => StatusCode::UNAUTHORIZED,
                NotifyError::Invalid(_) => StatusCode::BAD_REQUEST,
                NotifyError::Internal(ref inner) if inner.status() < 500 => StatusCode::BAD_REQUEST,
                NotifyError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            tracing::warn!(hospital, error = %e, "wechat pay notification refused");
            (status, axum::Json(json!({ "code": "FAIL", "message": e.to_string() }))).into_response()
        }
    }
}
