//! JSON API of tickets: open, list the queues, read one with its history and SLA clocks,
//! reply/note, move through the status flow, assign, reclassify, merge.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use hops_platform::web::Param;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Paging, Routes, Scope};
use hops_platform::{Error, Permission};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::sla::clock::{ClockState, Sla};
use crate::ticket::model::{Action, TicketInput};
use crate::ticket::service::{self as tickets, Listed, Origin, Queue};
use crate::ticket::store::{EventRow, TicketRow};

const TAG: &str = "客服工单";

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople)
        .api(
            Method::Get,
            "/api/v1/desk/tickets",
            ApiDoc::new(TAG, "工单队列（最紧急的在前）")
                .query_as("queue", Param::OneOf(&["mine", "team", "unassigned", "escalated", "all"]), "mine（我的）| team（班组）| unassigned（待领取）| escalated（升级给我）| all（全部，默认）")
                .query("q", "工单号（GD…）、手机号（精确）或文字")
                .query_as("page", Param::PAGE, "页码（从 1 开始，每页 50 条）")
                .returns::<TicketPage>(),
            list,
        )
        .api(
            Method::Post,
            "/api/v1/desk/tickets",
            ApiDoc::new(TAG, "新建工单")
                .describe(
                    "渠道 channel：hotline（400热线）、chat（在线客服）、wechat_group（微信群）、email、assistant（医助请求）、walk_in（现场）、\
                     system（系统故障）、bot（智能客服转人工）。分类取医院配置的分类编码；优先级 urgent/high/normal/low（默认 normal）。\
                     工单按分类/优先级套用 SLA 策略，返回首次响应与解决的到期时间。字段有误返回 422 并列出全部问题。",
                )
                .body::<TicketIn>()
                .returns::<TicketOut>()
                .status(201),
            create,
        )
        .api(Method::Get, "/api/v1/desk/tickets/{ticket_id}", ApiDoc::new(TAG, "工单详情（含处理记录）").returns::<TicketDetail>(), get)
        .api(
            Method::Post,
            "/api/v1/desk/tickets/{ticket_id}/replies",
            ApiDoc::new(TAG, "回复客户或写内部备注")
                .describe("public=true 为回复客户（首次回复即首次响应），false 为内部备注。then 可同时执行状态操作，如 pend（等待客户回复，暂停解决时限）。")
                .body::<ReplyIn>()
                .returns::<TicketOut>(),
            reply,
        )
        .api(
            Method::Post,
            "/api/v1/desk/tickets/{ticket_id}/status",
            ApiDoc::new(TAG, "变更状态")
                .describe("action：start、pend、resume、resolve、close、reopen；不允许的变更返回 409 invalid_status。")
                .body::<StatusIn>()
                .returns::<TicketOut>(),
            status,
        )
        .api(
            Method::Post,
            "/api/v1/desk/tickets/{ticket_id}/assign",
            ApiDoc::new(TAG, "指派处理人/班组").describe("owner_id 为空表示退回班组待领取。").body::<AssignIn>().returns::<TicketOut>(),
            assign,
        )
        .api(
            Method::Post,
            "/api/v1/desk/tickets/{ticket_id}/classify",
            ApiDoc::new(TAG, "修改分类、优先级和标签").describe("分类或优先级变化时按新策略重算 SLA（仍从创建时起算）。").body::<ClassifyIn>().returns::<TicketOut>(),
            classify,
        )
        .api(
            Method::Post,
            "/api/v1/desk/tickets/{ticket_id}/merge",
            ApiDoc::new(TAG, "合并到另一工单").describe("本工单关闭并指向目标工单。").body::<MergeIn>().returns::<TicketOut>(),
            merge,
        )
}

#[derive(Deserialize, ToSchema, Default)]
pub struct TicketIn {
    channel: String,
    category: String,
    #[serde(default)]
    priority: String,
    subject: String,
    #[serde(default)]
    description: String,
    /// patient | doctor | staff (default patient)
    #[serde(default)]
    requester_kind: String,
    #[serde(default)]
    requester_name: String,
    /// Mobile number; stored encrypted, shown masked.
    #[serde(default)]
    requester_phone: String,
    /// Comma-separated.
    #[serde(default)]
    tags: String,
}

impl From<TicketIn> for TicketInput {
    fn from(b: TicketIn) -> Self {
        TicketInput {
            channel: b.channel,
            category: b.category,
            priority: b.priority,
            subject: b.subject,
            description: b.description,
            requester_kind: b.requester_kind,
            requester_name: b.requester_name,
            requester_phone: b.requester_phone,
            tags: b.tags,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TicketOut {
    id: i64,
    number: String,
    channel: String,
    category: String,
    priority: String,
    status: String,
    status_label: String,
    subject: String,
    requester_kind: String,
    requester_name: String,
    /// Masked.
    requester_phone: String,
    team: Option<String>,
    owner_id: Option<i64>,
    tags: Vec<String>,
    created_at: String,
    first_response_at: Option<String>,
    resolved_at: Option<String>,
    closed_at: Option<String>,
    /// The SLA policy in force.
    sla_policy: String,
    /// When the first response is due (absent without a target).
    first_response_due: Option<String>,
    /// When the resolution is due (absent without a target or while the clock is paused).
    resolution_due: Option<String>,
    first_response_breached: bool,
    resolution_breached: bool,
    /// Business minutes left on the resolution clock (negative: overdue by).
    resolution_remaining_minutes: Option<i64>,
    resolution_paused: bool,
    escalated: bool,
    merged_into: Option<i64>,
}

fn fmt(t: Option<hops_kernel::Instant>) -> Option<String> {
    t.map(|t| t.format_second())
}

fn remaining(c: &ClockState) -> Option<i64> {
    c.target.map(|_| c.remaining.div_euclid(60_000_000))
}

pub(super) fn out(t: TicketRow, sla: Option<&Sla>) -> TicketOut {
    TicketOut {
        id: t.id,
        number: t.number,
        channel: t.channel.code().into(),
        category: t.category_code,
        priority: t.priority.code().into(),
        status: t.status.code().into(),
        status_label: t.status.label_zh().into(),
        subject: t.subject,
        requester_kind: t.requester_kind.code().into(),
        requester_name: t.requester_name,
        requester_phone: t.requester_phone.map(|p| p.masked).unwrap_or_default(),
        team: t.team_code,
        owner_id: t.owner_id,
        tags: t.tags.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        created_at: t.created_at.format_second(),
        first_response_at: fmt(t.first_response_at),
        resolved_at: fmt(t.resolved_at),
        closed_at: fmt(t.closed_at),
        sla_policy: t.sla.name,
        first_response_due: fmt(sla.and_then(|s| s.first_response.due)),
        resolution_due: fmt(sla.and_then(|s| s.resolution.due)),
        first_response_breached: sla.is_some_and(|s| s.first_response.breached),
        resolution_breached: sla.is_some_and(|s| s.resolution.breached),
        resolution_remaining_minutes: sla.and_then(|s| remaining(&s.resolution)),
        resolution_paused: sla.is_some_and(|s| s.resolution.paused),
        escalated: t.escalated_at.is_some(),
        merged_into: t.merged_into,
    }
}

fn listed(l: Listed) -> TicketOut {
    out(l.ticket, l.sla.as_ref())
}

#[derive(Deserialize)]
pub struct ListQuery {
    queue: Option<String>,
    q: Option<String>,
    page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct TicketPage {
    total: i64,
    page: i64,
    items: Vec<TicketOut>,
}

pub(super) fn queue_param(q: Option<&str>, default: Queue) -> Result<Queue, Error> {
    match q.map(str::trim).unwrap_or("") {
        "" => Ok(default),
        code => Queue::parse(code).ok_or_else(|| Error::invalid_field("queue", "queue 应为 mine、team、unassigned、escalated 或 all")),
    }
}

async fn list(api: Api, Query(q): Query<ListQuery>) -> ApiResult<Json<TicketPage>> {
    let access = api.access();
    access.require(Permission::DeskWork)?;
    let queue = queue_param(q.queue.as_deref(), Queue::All)?;
    let filter = tickets::filter_for(access, queue, q.q.as_deref().unwrap_or("")).await?;
    let paging = Paging::new(q.page, 50);
    let (rows, total) = tickets::list(access, &filter, paging).await?;
    Ok(Json(TicketPage { total, page: paging.page, items: rows.into_iter().map(listed).collect() }))
}

async fn create(api: Api, Json(body): Json<TicketIn>) -> ApiResult<(StatusCode, Json<TicketOut>)> {
    let access = api.access();
    access.require(Permission::DeskWork)?;
    let t = tickets::open(access, &body.into(), Origin::default()).await?;
    let view = tickets::get(access, t.id).await?;
    Ok((StatusCode::CREATED, Json(out(view.ticket, view.sla.as_ref()))))
}

#[derive(Serialize, ToSchema)]
pub struct EventOut {
    at: String,
    /// status | reply | note | assign | classify | merge | attach | warn | escalate
    kind: String,
    actor: String,
    body: String,
    status: Option<String>,
}

impl From<EventRow> for EventOut {
    fn from(e: EventRow) -> Self {
        EventOut {
            at: e.at.format_second(),
            kind: e.kind,
            actor: e.actor_name,
            body: e.body,
            status: e.status.map(|s| s.code().to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TicketDetail {
    ticket: TicketOut,
    events: Vec<EventOut>,
}

async fn get(api: Api, Path(id): Path<i64>) -> ApiResult<Json<TicketDetail>> {
    let v = tickets::get(api.access(), id).await?;
    Ok(Json(TicketDetail { ticket: out(v.ticket, v.sla.as_ref()), events: v.events.into_iter().map(Into::into).collect() }))
}

async fn fresh(api: &Api, id: i64) -> ApiResult<Json<TicketOut>> {
    let v = tickets::get(api.access(), id).await?;
    Ok(Json(out(v.ticket, v.sla.as_ref())))
}

fn action_param(s: &str) -> Result<Action, Error> {
    Action::parse(s).ok_or_else(|| Error::invalid_field("action", "action 应为 start、pend、resume、resolve、close 或 reopen"))
}

#[derive(Deserialize, ToSchema)]
pub struct ReplyIn {
    body: String,
    #[serde(default = "yes")]
    public: bool,
    #[serde(default)]
    then: Option<String>,
}

fn yes() -> bool {
    true
}

async fn reply(api: Api, Path(id): Path<i64>, Json(b): Json<ReplyIn>) -> ApiResult<Json<TicketOut>> {
    api.access().require(Permission::DeskWork)?;
    let then = b.then.as_deref().filter(|s| !s.trim().is_empty()).map(action_param).transpose()?;
    tickets::reply(api.access(), id, &b.body, b.public, then).await?;
    fresh(&api, id).await
}

#[derive(Deserialize, ToSchema)]
pub struct StatusIn {
    action: String,
    #[serde(default)]
    note: String,
}

async fn status(api: Api, Path(id): Path<i64>, Json(b): Json<StatusIn>) -> ApiResult<Json<TicketOut>> {
    api.access().require(Permission::DeskWork)?;
    tickets::act(api.access(), id, action_param(&b.action)?, &b.note).await?;
    fresh(&api, id).await
}

#[derive(Deserialize, ToSchema)]
pub struct AssignIn {
    #[serde(default)]
    owner_id: Option<i64>,
    #[serde(default)]
    team: Option<String>,
}

async fn assign(api: Api, Path(id): Path<i64>, Json(b): Json<AssignIn>) -> ApiResult<Json<TicketOut>> {
    tickets::assign(api.access(), id, b.owner_id, b.team.filter(|t| !t.trim().is_empty())).await?;
    fresh(&api, id).await
}

#[derive(Deserialize, ToSchema)]
pub struct ClassifyIn {
    category: String,
    priority: String,
    #[serde(default)]
    tags: String,
}

async fn classify(api: Api, Path(id): Path<i64>, Json(b): Json<ClassifyIn>) -> ApiResult<Json<TicketOut>> {
    tickets::classify(api.access(), id, &b.category, &b.priority, &b.tags).await?;
    fresh(&api, id).await
}

#[derive(Deserialize, ToSchema)]
pub struct MergeIn {
    /// The ticket id this one merges into.
    into: i64,
}

async fn merge(api: Api, Path(id): Path<i64>, Json(b): Json<MergeIn>) -> ApiResult<Json<TicketOut>> {
    let target = tickets::merge(api.access(), id, b.into).await?;
    fresh(&api, target.id).await
}
