//! JSON API of group checkups (employers, group cards, discounts, employee lists, progress,
//! reminders) and of the check-in desk.

use std::collections::BTreeMap;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path};
use axum::http::StatusCode;
use axum::response::Response;
use hops_platform::web::upload;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Routes, Scope};
use hops_platform::{Error, Permission};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::api_booking::{BookingOut, out};
use super::transfer::XLSX;
use crate::booking::desk;
use crate::group::drafts::{self, EmployerDraft, PlanDraft};
use crate::group::model::{CardKind, Payer, Plan, Progress};
use crate::group::{Employer, service as group};

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople)
        .api(Method::Get, "/api/v1/checkup/employers", ApiDoc::new("团检", "团检单位列表").returns::<Vec<EmployerOut>>(), list_employers)
        .api(
            Method::Post,
            "/api/v1/checkup/employers",
            ApiDoc::new("团检", "新建或修改团检单位")
                .describe("contact_phone：单位联系人手机号，联系人凭短信验证码可为员工代预约；不填则不修改。addon_pct：员工自费加项按原价的百分比支付。")
                .body::<EmployerIn>()
                .status(204),
            save_employer,
        )
        .api(
            Method::Get,
            "/api/v1/checkup/employers/{employer_code}/plans",
            ApiDoc::new("团检", "单位的团检卡（固定套餐卡、金额卡、自选卡）").returns::<Vec<PlanIo>>(),
            list_plans,
        )
        .api(Method::Post, "/api/v1/checkup/employers/{employer_code}/plans", ApiDoc::new("团检", "新建或修改团检卡").body::<PlanIo>().status(204), save_plan)
        .api(
            Method::Get,
            "/api/v1/checkup/employers/{employer_code}/discounts",
            ApiDoc::new("团检", "单位的加项折扣（默认与按项目）").returns::<DiscountsIo>(),
            get_discounts,
        )
        .api(
            Method::Put,
            "/api/v1/checkup/employers/{employer_code}/discounts",
            ApiDoc::new("团检", "设置按项目的加项折扣（整体替换）").body::<DiscountsIo>().returns::<DiscountsIo>(),
            put_discounts,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/employers/{employer_code}/roster/import",
            ApiDoc::new("团检", "导入团检名单（multipart 上传 .xlsx/.csv）")
                .describe(
                    "字段 file。列：姓名、身份证号、手机号、部门、体检卡、关系、员工身份证号（亲属填写所属员工）。整批校验，\
                     有任何问题则全部不导入（422，列出每行每列的问题）；否则按身份证号新增或更新，不删除任何人。",
                )
                .upload()
                .returns::<RosterImportOut>()
                .error_returns::<RosterImportOut>(422, "名单有误，未导入任何人（返回每行每列的问题）"),
            import_roster,
        )
        .api(
            Method::Get,
            "/api/v1/checkup/employers/{employer_code}/roster",
            ApiDoc::new("团检", "团检名单与每人的预约进度（脱敏）").returns::<RosterOut>(),
            roster,
        )
        .api(
            Method::Get,
            "/api/v1/checkup/employers/{employer_code}/roster.xlsx",
            ApiDoc::new("团检", "导出团检进度 Excel（脱敏）").file(XLSX),
            export_roster,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/employers/{employer_code}/remind",
            ApiDoc::new("团检", "短信提醒名单中尚未预约的人")
                .returns::<RemindOut>()
                .error(409, "未配置团检提醒短信模板")
                .error(503, "短信服务未开通"),
            remind,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/bookings/{booking_id}/check-in",
            ApiDoc::new("体检预约", "签到：核验受检人身份证号与姓名后签到（记录签到人）")
                .describe("须为已支付且体检日期为今天的预约。身份证号或姓名与预约人不符时 422 identity_mismatch，不做任何改变并记入审计日志。")
                .body::<CheckInIn>()
                .returns::<BookingOut>(),
            check_in,
        )
        .api(
            Method::Post,
            "/api/v1/checkup/bookings/{booking_id}/complete",
            ApiDoc::new("体检预约", "完成体检（已签到的预约）").returns::<BookingOut>(),
            complete,
        )
}

#[derive(Deserialize, ToSchema)]
pub struct EmployerIn {
    code: String,
    name: String,
    #[serde(default)]
    contact_name: String,
    /// The contact's phone; unchanged when absent.
    contact_phone: Option<String>,
    window_from: Option<String>,
    window_to: Option<String>,
    /// Percent of an add-on's list price the employee pays (default 100).
    addon_pct: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct EmployerOut {
    code: String,
    name: String,
    contact_name: String,
    /// Masked.
    contact_phone: String,
    window_from: Option<String>,
    window_to: Option<String>,
    addon_pct: u32,
}

fn employer_out(e: Employer) -> EmployerOut {
    EmployerOut {
        code: e.code,
        name: e.name,
        contact_name: e.contact_name,
        contact_phone: e.contact_phone_masked,
        window_from: e.window.map(|w| w.0.to_string()),
        window_to: e.window.map(|w| w.1.to_string()),
        addon_pct: e.addon_pct,
    }
}

async fn list_employers(api: Api) -> ApiResult<Json<Vec<EmployerOut>>> {
    Ok(Json(group::employers(api.access()).await?.into_iter().map(employer_out).collect()))
}

async fn save_employer(api: Api, Json(e): Json<EmployerIn>) -> ApiResult<StatusCode> {
    let draft = EmployerDraft {
        code: e.code,
        name: e.name,
        contact_name: e.contact_name,
        window_from: e.window_from.unwrap_or_default(),
        window_to: e.window_to.unwrap_or_default(),
        addon_pct: e.addon_pct.map(|p| p.to_string()).unwrap_or_default(),
    };
    let employer = drafts::employer(&draft).map_err(Error::invalid)?;
    group::save(api.access(), &employer, e.contact_phone.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct PlanIo {
    code: String,
    name: String,
    /// fixed | amount | menu
    kind: String,
    package: String,
    /// Amount cards: the budget in yuan.
    budget: Option<String>,
    /// Menu cards: the items to choose from.
    #[serde(default)]
    menu_items: Vec<String>,
    /// Menu cards: how many menu items the card covers (all when absent).
    menu_pick: Option<u32>,
    /// employer (default) | person (family plans: the person pays person_pct % of every item).
    #[serde(default)]
    payer: String,
    person_pct: Option<u32>,
}

fn plan_out(p: Plan) -> PlanIo {
    let (budget, menu_items, menu_pick) = match &p.kind {
        CardKind::Fixed => (None, vec![], None),
        CardKind::Amount { budget } => (Some(budget.to_yuan_string()), vec![], None),
        CardKind::Menu { items, pick } => (None, items.clone(), *pick),
    };
    let (payer, person_pct) = match p.payer {
        Payer::Employer => ("employer", None),
        Payer::Person { pct } => ("person", Some(pct)),
    };
    PlanIo {
        code: p.code,
        name: p.name,
        kind: p.kind.code().into(),
        package: p.package,
        budget,
        menu_items,
        menu_pick,
        payer: payer.into(),
        person_pct,
    }
}

async fn list_plans(api: Api, Path(code): Path<String>) -> ApiResult<Json<Vec<PlanIo>>> {
    Ok(Json(group::plans(api.access(), &code).await?.into_iter().map(plan_out).collect()))
}

async fn save_plan(api: Api, Path(code): Path<String>, Json(p): Json<PlanIo>) -> ApiResult<StatusCode> {
    let draft = PlanDraft {
        code: p.code,
        name: p.name,
        kind: p.kind,
        package: p.package,
        budget: p.budget.unwrap_or_default(),
        menu_items: p.menu_items,
        menu_pick: p.menu_pick.map(|n| n.to_string()).unwrap_or_default(),
        payer: p.payer,
        person_pct: p.person_pct.map(|n| n.to_string()).unwrap_or_default(),
    };
    let plan = drafts::plan(&code, &draft).map_err(Error::invalid)?;
    group::save_plan(api.access(), &plan).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct DiscountsIo {
    /// The employer's default (read only here; set with the employer).
    #[serde(default)]
    default_pct: u32,
    /// Percent of list price the employee pays, per item code.
    #[serde(default)]
    items: BTreeMap<String, u32>,
}

async fn get_discounts(api: Api, Path(code): Path<String>) -> ApiResult<Json<DiscountsIo>> {
    let d = group::discounts(api.access(), &code).await?;
    Ok(Json(DiscountsIo { default_pct: d.default_pct, items: d.per_item }))
}

async fn put_discounts(api: Api, Path(code): Path<String>, Json(d): Json<DiscountsIo>) -> ApiResult<Json<DiscountsIo>> {
    group::set_discounts(api.access(), &code, &d.items).await?;
    get_discounts(api, Path(code)).await
}

#[derive(Serialize, ToSchema)]
pub struct RowErrorOut {
    row: usize,
    column: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct RosterImportOut {
    committed: bool,
    total: usize,
    inserted: usize,
    updated: usize,
    errors: Vec<RowErrorOut>,
}

async fn import_roster(
    api: Api,
    Path(code): Path<String>,
    mp: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<RosterImportOut>)> {
    // Permission and the employer before reading the upload, so a refusal does not depend on it.
    api.access().require(Permission::CheckupManage)?;
    group::employer(api.access(), &code).await?;
    let table = upload::read(api.access(), Permission::CheckupManage, mp).await?.table().await?;
    let r = group::import_roster(api.access(), &code, &table).await?;
    let status = if r.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let errors = r.rejected.into_iter().map(|e| RowErrorOut { row: e.row, column: e.column, message: e.message }).collect();
    Ok((status, Json(RosterImportOut { committed: r.committed, total: r.total, inserted: r.inserted, updated: r.updated, errors })))
}

#[derive(Serialize, ToSchema)]
pub struct ListedOut {
    id: i64,
    name: String,
    department: String,
    /// Masked.
    id_number: String,
    /// Masked.
    phone: String,
    /// self | spouse | child | parent | other
    relation: String,
    plan: String,
    card_number: String,
    /// not_booked | booked | checked_in | completed
    progress: String,
}

#[derive(Serialize, ToSchema)]
pub struct RosterOut {
    employer: String,
    /// Count per progress code.
    counts: BTreeMap<String, usize>,
    people: Vec<ListedOut>,
}

async fn roster(api: Api, Path(code): Path<String>) -> ApiResult<Json<RosterOut>> {
    let (e, people, counts) = group::roster(api.access(), &code).await?;
    let people = people
        .into_iter()
        .map(|t| ListedOut {
            id: t.person.id,
            name: t.person.name,
            department: t.person.department,
            id_number: t.person.id_number_masked,
            phone: t.person.phone_masked,
            relation: t.person.relation.code().into(),
            plan: t.person.plan,
            card_number: t.person.card_number,
            progress: t.progress.code().into(),
        })
        .collect();
    let counts = counts.into_iter().map(|(p, n): (Progress, usize)| (p.code().to_string(), n)).collect();
    Ok(Json(RosterOut { employer: e.code, counts, people }))
}

async fn export_roster(api: Api, Path(code): Path<String>) -> ApiResult<Response> {
    let bytes = group::export_progress(api.access(), &code).await?;
    Ok(hops_platform::web::xlsx(&format!("roster-{code}.xlsx"), &format!("团检进度-{code}.xlsx"), bytes))
}

#[derive(Serialize, ToSchema)]
pub struct RemindOut {
    /// Messages queued.
    sent: usize,
}

async fn remind(api: Api, Path(code): Path<String>) -> ApiResult<Json<RemindOut>> {
    Ok(Json(RemindOut { sent: group::remind(api.access(), &code).await? }))
}

#[derive(Deserialize, ToSchema)]
pub struct CheckInIn {
    /// Read from the person's identity card.
    id_number: String,
    name: String,
}

async fn check_in(api: Api, Path(id): Path<i64>, Json(c): Json<CheckInIn>) -> ApiResult<Json<BookingOut>> {
    Ok(Json(out(&desk::check_in(api.access(), id, &c.id_number, &c.name).await?)))
}

async fn complete(api: Api, Path(id): Path<i64>) -> ApiResult<Json<BookingOut>> {
    Ok(Json(out(&desk::complete(api.access(), id).await?)))
}
