//! JSON API of complaints: registering, the list, a case with its history, the steps of its
//! status flow, the complainant's number, the monthly trend of causes and the categories.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use hops_platform::web::Param;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Paging, Routes, Scope};
use hops_platform::{Error, Permission};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::pages::parse_month;
use crate::complaint::model::{Cause, Draft, Source, Status};
use crate::complaint::service::{self, Detail, Origin, StepInput};
use crate::complaint::store::{ComplaintRow, Filter};

const TAG: &str = "投诉";

pub fn routes() -> Routes {
    let step = |summary: &'static str, describe: &'static str| {
        ApiDoc::new(TAG, summary).describe(describe).body::<ComplaintStepIn>().returns::<ComplaintOut>()
    };
    Routes::scoped(Scope::AllPeople)
        .api(
            Method::Get,
            "/api/v1/desk/complaints",
            ApiDoc::new(TAG, "投诉列表（新的在前）")
                .query_as("status", Param::OneOf(&["registered", "investigating", "rectifying", "replied", "closed"]), "registered | investigating | rectifying | replied | closed")
                .query_as("source", Param::OneOf(&["direct", "ticket", "review", "followup"]), "direct | ticket | review | followup")
                .query("cause", "原因分类编码")
                .query("q", "编号、投诉人、事由或医生")
                .query_as("page", Param::PAGE, "页码（每页 50 条）")
                .returns::<ComplaintPage>(),
            list,
        )
        .api(
            Method::Post,
            "/api/v1/desk/complaints",
            ApiDoc::new(TAG, "登记投诉")
                .describe("source：direct（直接登记）| ticket（reference 为工单编号）| review（reference 为差评的问诊单号，须为 1–2 星）| followup（reference 为回访任务号）。来源带出患者、医生和科室；所有字段问题一次返回 422。")
                .body::<ComplaintIn>()
                .returns::<ComplaintOut>()
                .status(201),
            create,
        )
        .api(Method::Get, "/api/v1/desk/complaints/{complaint_id}", ApiDoc::new(TAG, "投诉详情与处理记录").returns::<ComplaintOut>(), get)
        .api(
            Method::Post,
            "/api/v1/desk/complaints/{complaint_id}/investigate",
            step("开始调查（已登记 → 调查中）", "须指定责任科室 department_id。"),
            investigate,
        )
        .api(
            Method::Post,
            "/api/v1/desk/complaints/{complaint_id}/rectify",
            step("登记调查结果与整改措施（调查中 → 整改中）", "须填 investigation、verdict（founded | partly | unfounded）、cause_code；不属实以外须填 rectification。"),
            rectify,
        )
        .api(
            Method::Post,
            "/api/v1/desk/complaints/{complaint_id}/reply",
            step("登记回复患者（整改中 → 已回复）", "须填 reply 与 reply_channel（phone | sms | wechat | letter | onsite）。"),
            reply,
        )
        .api(
            Method::Post,
            "/api/v1/desk/complaints/{complaint_id}/review",
            step("复核（已回复 → 已结案，或退回整改中）", "需要客服配置权限，且复核人不能是登记整改措施的人；approve=false 退回整改。须填 note。"),
            review,
        )
        .api(
            Method::Post,
            "/api/v1/desk/complaints/{complaint_id}/reveal",
            ApiDoc::new(TAG, "查看投诉人完整手机号").describe("需要查看个人信息权限；每次查看均记入审计日志。").returns::<ComplaintPhoneOut>(),
            reveal,
        )
        .api(
            Method::Get,
            "/api/v1/desk/complaints/trend",
            ApiDoc::new(TAG, "投诉原因月度趋势（北京时间）")
                .query_as("from", Param::Month, "开始月份 YYYY-MM")
                .query_as("to", Param::Month, "结束月份 YYYY-MM（含，最多 24 个月）")
                .returns::<TrendOut>(),
            trend,
        )
        .api(Method::Get, "/api/v1/desk/complaint-causes", ApiDoc::new(TAG, "投诉原因分类").returns::<ComplaintCausesIo>(), causes)
        .api(
            Method::Put,
            "/api/v1/desk/complaint-causes",
            ApiDoc::new(TAG, "保存投诉原因分类")
                .describe("需要客服配置权限。列表即新的顺序；未列出的已有分类被停用（已归类的投诉保留）。")
                .body::<ComplaintCausesIo>()
                .returns::<ComplaintCausesIo>(),
            save_causes,
        )
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintEventOut {
    at: String,
    actor: String,
    action: String,
    from_status: Option<String>,
    to_status: String,
    note: String,
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintOut {
    id: i64,
    number: String,
    source: String,
    ticket_id: Option<i64>,
    followup_task_id: Option<i64>,
    review_ref: String,
    complainant: String,
    /// Masked.
    phone: String,
    subject: String,
    description: String,
    department_id: Option<i64>,
    doctor_name: String,
    cause_code: Option<String>,
    cause_name: String,
    verdict: Option<String>,
    /// registered | investigating | rectifying | replied | closed
    status: String,
    status_label: String,
    received_at: String,
    investigation: String,
    rectification: String,
    reply: String,
    reply_channel: String,
    review_note: String,
    closed_at: Option<String>,
    events: Vec<ComplaintEventOut>,
}

fn out(c: ComplaintRow, events: Vec<ComplaintEventOut>) -> ComplaintOut {
    ComplaintOut {
        id: c.id,
        number: c.number,
        source: c.source.code().into(),
        ticket_id: c.ticket_id,
        followup_task_id: c.followup_task_id,
        review_ref: c.review_ref,
        complainant: c.complainant,
        phone: c.phone_masked,
        subject: c.subject,
        description: c.description,
        department_id: c.department_id,
        doctor_name: c.doctor_name,
        cause_code: c.cause_code,
        cause_name: c.cause_name,
        verdict: c.verdict.map(|v| v.code().into()),
        status: c.status.code().into(),
        status_label: c.status.label_zh().into(),
        received_at: c.received_at.format_second(),
        investigation: c.investigation,
        rectification: c.rectification,
        reply: c.reply,
        reply_channel: c.reply_channel,
        review_note: c.review_note,
        closed_at: c.closed_at.map(|t| t.format_second()),
        events,
    }
}

fn detail_out(d: Detail) -> ComplaintOut {
    let events = d
        .events
        .into_iter()
        .map(|e| ComplaintEventOut {
            at: e.at.format_second(),
            actor: e.actor_name,
            action: e.action,
            from_status: e.from_status.map(|s| s.code().into()),
            to_status: e.to_status.code().into(),
            note: e.note,
        })
        .collect();
    out(d.complaint, events)
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    source: Option<String>,
    cause: Option<String>,
    q: Option<String>,
    page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintPage {
    total: i64,
    page: i64,
    items: Vec<ComplaintOut>,
}

async fn list(api: Api, Query(q): Query<ListQuery>) -> ApiResult<Json<ComplaintPage>> {
    let status = match q.status.as_deref().unwrap_or("").trim() {
        "" => None,
        s => Some(
            Status::from_code(s)
                .ok_or_else(|| Error::invalid_field("status", "状态应为 registered、investigating、rectifying、replied 或 closed"))?,
        ),
    };
    let source = match q.source.as_deref().unwrap_or("").trim() {
        "" => None,
        s => Some(Source::from_code(s).ok_or_else(|| Error::invalid_field("source", "来源应为 direct、ticket、review 或 followup"))?),
    };
    let f = Filter { status, source, cause: q.cause.unwrap_or_default(), q: q.q.unwrap_or_default(), ..Default::default() };
    let paging = Paging::new(q.page, 50);
    let (rows, total) = service::list(api.access(), &f, paging).await?;
    Ok(Json(ComplaintPage { total, page: paging.page, items: rows.into_iter().map(|r| out(r, Vec::new())).collect() }))
}

#[derive(Deserialize, ToSchema)]
pub struct ComplaintIn {
    /// direct | ticket | review | followup
    #[serde(default)]
    source: String,
    /// The ticket number, the bad review's 问诊单号, or the follow-up task id.
    #[serde(default)]
    reference: String,
    complainant: String,
    #[serde(default)]
    phone: String,
    subject: String,
    description: String,
    department_id: Option<i64>,
    doctor_id: Option<i64>,
    #[serde(default)]
    cause_code: String,
    /// When it was received, if earlier (`2026-03-01 14:30`, China time); empty for now.
    #[serde(default)]
    received_at: String,
}

async fn create(api: Api, Json(b): Json<ComplaintIn>) -> ApiResult<(StatusCode, Json<ComplaintOut>)> {
    api.access().require(Permission::DeskWork)?;
    let r = b.reference.trim().to_string();
    let origin = match b.source.trim() {
        "" | "direct" => Origin::Direct,
        "ticket" => Origin::Ticket(r),
        "review" => Origin::Review(r),
        "followup" => Origin::Followup(r.parse().map_err(|_| Error::invalid_field("reference", "回访任务号应为数字"))?),
        _ => return Err(Error::invalid_field("source", "来源应为 direct、ticket、review 或 followup").into()),
    };
    let draft = Draft {
        complainant: b.complainant,
        phone: b.phone,
        subject: b.subject,
        description: b.description,
        department_id: b.department_id,
        doctor_id: b.doctor_id,
        cause_code: b.cause_code,
        received_at: b.received_at,
    };
    let row = service::create(api.access(), &origin, &draft).await?;
    Ok((StatusCode::CREATED, Json(detail_out(service::get(api.access(), row.id).await?))))
}

async fn get(api: Api, Path(id): Path<i64>) -> ApiResult<Json<ComplaintOut>> {
    Ok(Json(detail_out(service::get(api.access(), id).await?)))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ComplaintStepIn {
    department_id: Option<i64>,
    investigation: String,
    cause_code: String,
    /// founded | partly | unfounded
    verdict: String,
    rectification: String,
    reply: String,
    /// phone | sms | wechat | letter | onsite
    reply_channel: String,
    /// Review: true closes the case, false sends it back to rectification.
    approve: Option<bool>,
    note: String,
}

async fn run(api: Api, id: i64, step: &str, b: ComplaintStepIn) -> ApiResult<Json<ComplaintOut>> {
    let input = StepInput {
        department_id: b.department_id,
        investigation: b.investigation,
        cause_code: b.cause_code,
        verdict: b.verdict,
        rectification: b.rectification,
        reply: b.reply,
        reply_channel: b.reply_channel,
        approve: b.approve.unwrap_or(true),
        note: b.note,
    };
    service::step(api.access(), id, step, &input).await?;
    Ok(Json(detail_out(service::get(api.access(), id).await?)))
}

async fn investigate(api: Api, Path(id): Path<i64>, Json(b): Json<ComplaintStepIn>) -> ApiResult<Json<ComplaintOut>> {
    run(api, id, "investigate", b).await
}

async fn rectify(api: Api, Path(id): Path<i64>, Json(b): Json<ComplaintStepIn>) -> ApiResult<Json<ComplaintOut>> {
    run(api, id, "rectify", b).await
}

async fn reply(api: Api, Path(id): Path<i64>, Json(b): Json<ComplaintStepIn>) -> ApiResult<Json<ComplaintOut>> {
    run(api, id, "reply", b).await
}

async fn review(api: Api, Path(id): Path<i64>, Json(b): Json<ComplaintStepIn>) -> ApiResult<Json<ComplaintOut>> {
    run(api, id, "review", b).await
}

#[derive(Serialize, ToSchema)]
pub struct ComplaintPhoneOut {
    phone: String,
}

async fn reveal(api: Api, Path(id): Path<i64>) -> ApiResult<Json<ComplaintPhoneOut>> {
    Ok(Json(ComplaintPhoneOut { phone: service::reveal_phone(api.access(), id).await? }))
}

#[derive(Deserialize)]
pub struct TrendQuery {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TrendRowOut {
    cause: String,
    counts: Vec<i64>,
    total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TrendOut {
    months: Vec<String>,
    rows: Vec<TrendRowOut>,
    totals: Vec<i64>,
}

async fn trend(api: Api, Query(q): Query<TrendQuery>) -> ApiResult<Json<TrendOut>> {
    api.access().require(Permission::DeskWork)?;
    let from = parse_month("from", q.from.as_deref().unwrap_or(""));
    let to = parse_month("to", q.to.as_deref().unwrap_or(""));
    let (from, to) = match (from, to) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(a), Err(b)) => return Err(Error::invalid([a.fields(), b.fields()].concat()).into()),
        (Err(e), _) | (_, Err(e)) => return Err(e.into()),
    };
    let t = service::trend(api.access(), from, to).await?;
    Ok(Json(TrendOut {
        months: t.months,
        rows: t.rows.into_iter().map(|(cause, counts)| TrendRowOut { total: counts.iter().sum(), cause, counts }).collect(),
        totals: t.totals,
    }))
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct CauseIo {
    code: String,
    name: String,
    /// The bad-review reason family it stands for (回复慢, 态度 …), or empty.
    #[serde(default)]
    review_reason: String,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Serialize, ToSchema)]
pub struct ComplaintCausesIo {
    causes: Vec<CauseIo>,
}

fn causes_out(list: Vec<Cause>) -> ComplaintCausesIo {
    ComplaintCausesIo {
        causes: list
            .into_iter()
            .map(|c| CauseIo { code: c.code, name: c.name, review_reason: c.review_reason, active: c.active })
            .collect(),
    }
}

async fn causes(api: Api) -> ApiResult<Json<ComplaintCausesIo>> {
    Ok(Json(causes_out(service::causes(api.access()).await?)))
}

async fn save_causes(api: Api, Json(b): Json<ComplaintCausesIo>) -> ApiResult<Json<ComplaintCausesIo>> {
    let list: Vec<Cause> = b
        .causes
        .into_iter()
        .map(|c| Cause {
            code: c.code.trim().into(),
            name: c.name.trim().into(),
            review_reason: c.review_reason.trim().into(),
            active: c.active,
        })
        .collect();
    Ok(Json(causes_out(service::save_causes(api.access(), &list).await?)))
}
