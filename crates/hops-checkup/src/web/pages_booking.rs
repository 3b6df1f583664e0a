//! A booking's page in the console (its facts and status history) and its history in the API.

use askama::Template;
use axum::extract::Path;
use axum::response::Html;
use hops_platform::flow::web::{HistoryItem, HistoryOut, history_out, items};
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Page, PageError, PageResult, Routes, Scope};
use hops_platform::{Error, Permission};

use crate::booking::history;
use crate::booking::model::FLOW;
use crate::booking::service as booking;
use crate::booking::store::BookingRow;

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople).page(Method::Get, "/checkup/bookings/{booking_id}", "预约详情", page).api(
        Method::Get,
        "/api/v1/checkup/bookings/{booking_id}/history",
        ApiDoc::new("体检预约", "预约的状态记录")
            .describe("每次状态变更：时间、操作人、从何状态到何状态、说明。")
            .returns::<Vec<HistoryOut>>()
            .error(404, "没有这个预约"),
        api_history,
    )
}

#[derive(Template)]
#[template(path = "checkup_booking.html")]
struct BookingPage {
    shell: hops_platform::web::Shell,
    b: BookingRow,
    /// The package's and the employer's names (codes are the system's).
    package: String,
    employer: Option<String>,
    can_book: bool,
    history: Vec<HistoryItem>,
}

async fn page(page: Page, Path(id): Path<i64>) -> PageResult<Html<String>> {
    let access = page.access();
    let b = booking::get(access, id).await?;
    let rows = history::of(access, id).await?;
    let cat = crate::catalogue::service::catalogue(access).await?;
    let package = cat.packages.values().find(|p| p.code == b.package_code).map_or_else(|| b.package_code.clone(), |p| p.name.clone());
    let employer = match &b.employer_code {
        Some(code) => Some(
            crate::group::service::employers(access).await?.into_iter().find(|e| &e.code == code).map_or_else(|| code.clone(), |e| e.name),
        ),
        None => None,
    };
    let t = BookingPage {
        package,
        employer,
        shell: page.shell(format!("预约 {}", b.number)),
        can_book: access.can(Permission::CheckupBook),
        history: items(&FLOW, &rows),
        b,
    };
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

async fn api_history(api: Api, Path(id): Path<i64>) -> ApiResult<Json<Vec<HistoryOut>>> {
    Ok(Json(history_out(&FLOW, &history::of(api.access(), id).await?)))
}
