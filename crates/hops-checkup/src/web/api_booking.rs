//! JSON API of bookings and booking settings.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Routes, Scope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::api::ViolationOut;
use crate::booking::service::{self as booking, Booked, BookingRequest, Refusal};
use crate::booking::store::BookingRow;
use crate::capacity::service::{self as capacity, Settings};

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople)
        .api(
            Method::Post,
            "/api/v1/checkup/bookings",
            ApiDoc::new("体检预约", "预约体检")
                .describe(
                    "性别与年龄取自身份证号。成功 201；号源已满 409 capacity_full；同一受检人当日已有预约 409 duplicate_booking；\
                     不符合项目规则 422 rule_violation（error.violations 列出全部违规）。请求头 Idempotency-Key 使重试安全：\
                     同一 Key 再次请求返回原预约（200）。未支付的预约在保留时间（默认 15 分钟）后自动释放号源。",
                )
                .body::<BookingIn>()
                .returns::<BookingOut>()
                .status(201)
                .also(200, "同一 Idempotency-Key 的重试：返回原预约")
                .error(409, "号源已满（capacity_full）或当日已有预约（duplicate_booking）"),
            create,
        )
        .api(Method::Get, "/api/v1/checkup/bookings/{booking_id}", ApiDoc::new("体检预约", "预约详情（脱敏）").returns::<BookingOut>(), get)
        .api(
            Method::Post,
            "/api/v1/checkup/bookings/{booking_id}/cancel",
            ApiDoc::new("体检预约", "取消未支付的预约（释放号源）").returns::<BookingOut>(),
            cancel,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/bookings/{booking_id}/reschedule",
            ApiDoc::new("体检预约", "改约到另一日期（新日期号源不足时不做任何改变）").body::<RescheduleIn>().returns::<BookingOut>(),
            reschedule,
        )
        .api(Method::Get, "/api/v1/checkup/settings", ApiDoc::new("号源", "预约设置").returns::<SettingsIo>(), get_settings)
        .api(
            Method::Put,
            "/api/v1/checkup/settings",
            ApiDoc::new("号源", "修改预约设置（未支付保留分钟数、VIP 号源提前释放小时数）").body::<SettingsIo>().returns::<SettingsIo>(),
            put_settings,
        )
}

#[derive(Deserialize, ToSchema)]
pub struct PersonIn {
    name: String,
    id_number: String,
    phone: String,
    married: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
pub struct BookingIn {
    /// Package code; a group booking may leave it out (its card names the package).
    #[serde(default)]
    package: String,
    #[serde(default)]
    add_items: Vec<String>,
    #[serde(default)]
    remove_items: Vec<String>,
    date: String,
    /// individual | vip | group
    #[serde(default)]
    pool: String,
    /// Employer code of a group booking.
    employer: Option<String>,
    /// Group card number of a group booking (names the employer; the person must be its holder).
    group_card: Option<String>,
    person: PersonIn,
}

#[derive(Serialize, ToSchema)]
pub struct BookingOut {
    id: i64,
    number: String,
    status: String,
    status_label: String,
    package: String,
    date: String,
    pool: String,
    employer: Option<String>,
    /// What the person pays, yuan.
    total: String,
    /// What the employer pays (group bookings), yuan.
    employer_pays: String,
    /// Unpaid bookings hold their places until then.
    hold_until: Option<String>,
}

pub(super) fn out(b: &BookingRow) -> BookingOut {
    BookingOut {
        id: b.id,
        number: b.number.clone(),
        status: b.status.code().into(),
        status_label: b.status.label_zh().into(),
        package: b.package_code.clone(),
        date: b.day.to_string(),
        pool: b.channel.clone(),
        employer: b.employer_code.clone(),
        total: b.total.to_yuan_string(),
        employer_pays: b.employer_pays.to_yuan_string(),
        hold_until: b.hold_until.map(|t| t.format_second()),
    }
}

async fn create(api: Api, headers: HeaderMap, Json(b): Json<BookingIn>) -> ApiResult<Response> {
    let key = headers.get("idempotency-key").map(|v| v.to_str().unwrap_or("").trim().to_string());
    let request = BookingRequest {
        package: b.package,
        add_items: b.add_items.iter().map(|s| s.trim().to_string()).collect(),
        remove_items: b.remove_items.iter().map(|s| s.trim().to_string()).collect(),
        date: b.date,
        pool: b.pool,
        employer: b.employer,
        group_card: b.group_card,
        booked_by: String::new(),
        name: b.person.name,
        id_number: b.person.id_number,
        phone: b.person.phone,
        married: b.person.married,
        idempotency_key: key,
    };
    Ok(match booking::book(api.access(), &request).await? {
        Ok(Booked { booking, created }) => {
            let status = if created { StatusCode::CREATED } else { StatusCode::OK };
            (status, axum::Json(out(&booking))).into_response()
        }
        Err(Refusal::Rules(violations)) => {
            let n = violations.len();
            let violations: Vec<ViolationOut> = violations.into_iter().map(Into::into).collect();
            let body = json!({ "error": {
                "code": "rule_violation",
                "message": format!("所选项目不符合体检规则（{n} 处），请调整后再预约"),
                "violations": violations,
            }});
            (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response()
        }
    })
}

async fn get(api: Api, Path(id): Path<i64>) -> ApiResult<Json<BookingOut>> {
    Ok(Json(out(&booking::get(api.access(), id).await?)))
}

async fn cancel(api: Api, Path(id): Path<i64>) -> ApiResult<Json<BookingOut>> {
    Ok(Json(out(&booking::cancel(api.access(), id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct RescheduleIn {
    date: String,
}

async fn reschedule(api: Api, Path(id): Path<i64>, Json(r): Json<RescheduleIn>) -> ApiResult<Json<BookingOut>> {
    Ok(Json(out(&booking::reschedule(api.access(), id, &r.date).await?)))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct SettingsIo {
    hold_minutes: i64,
    vip_cutoff_hours: i64,
}

async fn get_settings(api: Api) -> ApiResult<Json<SettingsIo>> {
    let s = capacity::get_settings(api.access()).await?;
    Ok(Json(SettingsIo { hold_minutes: s.hold_minutes, vip_cutoff_hours: s.vip_cutoff_hours }))
}

async fn put_settings(api: Api, Json(s): Json<SettingsIo>) -> ApiResult<Json<SettingsIo>> {
    capacity::save_settings(api.access(), Settings { hold_minutes: s.hold_minutes, vip_cutoff_hours: s.vip_cutoff_hours }).await?;
    Ok(Json(s))
}
