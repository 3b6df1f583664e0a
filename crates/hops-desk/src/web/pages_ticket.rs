//! The agent workspace: queues (mine, team, unassigned, escalated, all; most urgent first), a new
//! ticket form, and the ticket page with its clocks, history, reply box with canned replies,
//! status actions, assignment, classification, merge and attachments.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::Instant;
use hops_platform::accounts::service::{Colleague, directory};
use hops_platform::web::upload;
use hops_platform::web::{Form, Method, Page, PageError, PageResult, Pager, Paging, Routes, Scope, Shell};
use hops_platform::{Error, FieldError, Permission};
use serde::Deserialize;

use super::api_ticket::queue_param;
use crate::setup::service::{self as setup, Settings};
use crate::sla::clock::{ClockState, ClockStatus};
use crate::ticket::model::{self, Action, Channel, Priority, RequesterKind, TicketInput};
use crate::ticket::service::{self as tickets, Listed, Origin, Queue, TicketView};
use hops_platform::web::flash;

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople)
        .page(Method::Get, "/desk/tickets", "工单队列", list)
        .page(Method::Get, "/desk/tickets.xlsx", "导出工单 Excel", export)
        .page(Method::Get, "/desk/tickets/new", "新建工单", new_form)
        .page(Method::Post, "/desk/tickets", "新建工单", create)
        .page(Method::Get, "/desk/tickets/{ticket_id}", "工单详情", show)
        .page(Method::Post, "/desk/tickets/{ticket_id}/reply", "回复或备注", reply)
        .page(Method::Post, "/desk/tickets/{ticket_id}/status", "变更工单状态", status)
        .page(Method::Post, "/desk/tickets/{ticket_id}/assign", "指派工单", assign)
        .page(Method::Post, "/desk/tickets/{ticket_id}/classify", "修改分类和优先级", classify)
        .page(Method::Post, "/desk/tickets/{ticket_id}/merge", "合并工单", merge)
        .page(Method::Post, "/desk/tickets/{ticket_id}/attachments", "上传附件", upload)
        .page(Method::Get, "/desk/tickets/{ticket_id}/attachments/{attachment_id}", "下载附件", download)
        .page(Method::Post, "/desk/tickets/{ticket_id}/phone", "查看请求人电话", phone)
}

fn render<T: Template>(t: T) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

/// One clock as a badge: label, CSS class and the due time.
pub struct ClockView {
    pub label: &'static str,
    pub class: &'static str,
    pub due: String,
    pub left: String,
}

fn human_minutes(us: i64) -> String {
    let m = us.abs() / 60_000_000;
    let s = if m >= 60 * 24 {
        format!("{} 天 {} 小时", m / 1440, (m % 1440) / 60)
    } else if m >= 60 {
        format!("{} 小时 {} 分", m / 60, m % 60)
    } else {
        format!("{m} 分钟")
    };
    if us < 0 { format!("超时 {s}") } else { format!("剩余 {s}") }
}

pub fn clock_view(c: &ClockState) -> ClockView {
    let status = c.status();
    let class = match status {
        ClockStatus::Breached | ClockStatus::MetLate => "badge-bad",
        ClockStatus::Warning => "badge-warn",
        ClockStatus::MetInTime => "badge-ok",
        _ => "badge-muted",
    };
    let left = match status {
        ClockStatus::Running | ClockStatus::Warning | ClockStatus::Breached | ClockStatus::Paused => human_minutes(c.remaining),
        _ => String::new(),
    };
    ClockView { label: status.label(), class, due: c.due.map(Instant::format_minute).unwrap_or_default(), left }
}

/// A ticket row of a queue.
pub struct Row {
    pub l: Listed,
    pub category: String,
    pub owner: String,
    /// The clock that matters now: first response until answered, then resolution.
    pub clock: Option<ClockView>,
    pub clock_name: &'static str,
}

fn name_of(people: &[Colleague], id: Option<i64>) -> String {
    id.and_then(|i| people.iter().find(|p| p.id.0 == i)).map_or_else(String::new, Colleague::label)
}

fn row(l: Listed, settings: &Settings, people: &[Colleague]) -> Row {
    let (clock, clock_name) = match &l.sla {
        Some(s) if s.first_response.target.is_some() && s.first_response.met_at.is_none() => {
            (Some(clock_view(&s.first_response)), "首次响应")
        }
        Some(s) if s.resolution.target.is_some() => (Some(clock_view(&s.resolution)), "解决"),
        _ => (None, ""),
    };
    Row { category: settings.category_name(&l.ticket.category_code), owner: name_of(people, l.ticket.owner_id), clock, clock_name, l }
}

#[derive(Template)]
#[template(path = "desk_tickets.html")]
struct QueuePage {
    shell: Shell,
    rows: Vec<Row>,
    pager: Pager,
    queue: &'static str,
    queues: Vec<(&'static str, &'static str)>,
    q: String,
    can_export: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQ {
    queue: Option<String>,
    q: Option<String>,
    page: Option<i64>,
    ok: Option<String>,
}

async fn list(page: Page, Query(q): Query<ListQ>) -> PageResult<Html<String>> {
    let access = page.access();
    access.require(Permission::DeskWork)?;
    let queue = queue_param(q.queue.as_deref(), Queue::Mine).unwrap_or(Queue::Mine);
    let search = q.q.clone().unwrap_or_default();
    let filter = tickets::filter_for(access, queue, &search).await?;
    let paging = Paging::new(q.page, 30);
    let (rows, total) = tickets::list(access, &filter, paging).await?;
    let settings = setup::load(access).await?;
    let people = directory(access).await?;
    let flash = q.ok.as_deref().map(|n| format!("工单 {n} 已创建"));
    render(QueuePage {
        shell: page.shell("工单队列").with_flash(flash),
        rows: rows.into_iter().map(|l| row(l, &settings, &people)).collect(),
        pager: Pager::new(
            paging,
            total,
            &format!("/desk/tickets?queue={}&q={}", queue.code(), hops_platform::web::pages::url_encode(&search)),
        ),
        queue: queue.code(),
        queues: Queue::ALL.iter().map(|q| (q.code(), q.label_zh())).collect(),
        q: search,
        can_export: access.can(Permission::DataExport),
    })
}

async fn export(page: Page, Query(q): Query<ListQ>) -> PageResult<Response> {
    let access = page.access();
    let queue = queue_param(q.queue.as_deref(), Queue::All).unwrap_or(Queue::All);
    let filter = tickets::filter_for(access, queue, q.q.as_deref().unwrap_or("")).await?;
    let bytes = crate::ticket::report::export(access, &filter).await?;
    let name = format!("工单_{}.xlsx", access.now().local_day());
    Ok(hops_platform::web::xlsx("tickets.xlsx", &name, bytes))
}

#[derive(Template)]
#[template(path = "desk_ticket_new.html")]
struct NewPage {
    shell: Shell,
    f: NewForm,
    errors: Vec<FieldError>,
    channels: Vec<(&'static str, &'static str)>,
    priorities: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    categories: Vec<(String, String)>,
}

impl NewPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect::<Vec<_>>().join("；")
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewForm {
    channel: String,
    category: String,
    priority: String,
    subject: String,
    description: String,
    requester_kind: String,
    requester_name: String,
    requester_phone: String,
    tags: String,
}

fn pairs<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|v| (code(*v), label(*v))).collect()
}

async fn new_page(page: &Page, f: NewForm, errors: Vec<FieldError>) -> PageResult<Html<String>> {
    let settings = setup::load(page.access()).await?;
    render(NewPage {
        shell: page.shell("新建工单"),
        f,
        errors,
        channels: pairs(&Channel::ALL, Channel::code, Channel::label_zh),
        priorities: pairs(&Priority::ALL, Priority::code, Priority::label_zh),
        kinds: pairs(&RequesterKind::ALL, RequesterKind::code, RequesterKind::label_zh),
        categories: settings.categories.iter().filter(|c| c.active).map(|c| (c.code.clone(), c.name.clone())).collect(),
    })
}

async fn new_form(page: Page) -> PageResult<Html<String>> {
    page.access().require(Permission::DeskWork)?;
    new_page(&page, NewForm { channel: "hotline".into(), priority: "normal".into(), ..Default::default() }, Vec::new()).await
}

async fn create(page: Page, Form(f): Form<NewForm>) -> PageResult<Response> {
    let input = TicketInput {
        channel: f.channel.clone(),
        category: f.category.clone(),
        priority: f.priority.clone(),
        subject: f.subject.clone(),
        description: f.description.clone(),
        requester_kind: f.requester_kind.clone(),
        requester_name: f.requester_name.clone(),
        requester_phone: f.requester_phone.clone(),
        tags: f.tags.clone(),
    };
    let me = page.access().actor().user_id.map(|u| u.0);
    match tickets::open(page.access(), &input, Origin { owner: me, ..Default::default() }).await {
        Ok(t) => Ok(Redirect::to(&format!("/desk/tickets/{}?ok=created", t.id)).into_response()),
        Err(e @ Error::Client { status: 422, .. }) => {
            let errors = e.fields().to_vec();
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, new_page(&page, f, errors).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "desk_ticket.html")]
struct TicketPage {
    shell: Shell,
    v: TicketView,
    category: String,
    owner: String,
    team: String,
    first: Option<ClockView>,
    resolution: Option<ClockView>,
    actions: Vec<(&'static str, &'static str)>,
    people: Vec<Colleague>,
    settings: Settings,
    priorities: Vec<(&'static str, &'static str)>,
    error: String,
    can_unmask: bool,
    phone: String,
}

impl TicketPage {
    fn is_owner(&self, id: &i64) -> bool {
        self.v.ticket.owner_id == Some(*id)
    }
}

#[derive(Deserialize, Default)]
pub struct ShowQ {
    ok: Option<String>,
}

/// Messages shown after a redirect, by code (never text from the query string).
const FLASH: &[(&str, &str)] = &[
    ("created", "工单已创建"),
    ("replied", "已发送回复"),
    ("noted", "已添加内部备注"),
    ("status", "工单状态已更新"),
    ("assigned", "已指派"),
    ("classified", "分类和优先级已更新"),
    ("merged", "已合并"),
    ("attached", "附件已上传"),
];

async fn ticket_page(page: &Page, id: i64, ok: Option<&str>, error: String, phone: String) -> PageResult<Html<String>> {
    let access = page.access();
    let v = tickets::get(access, id).await?;
    let settings = setup::load(access).await?;
    let people: Vec<Colleague> = directory(access).await?.into_iter().filter(|c| c.role.can(Permission::DeskWork)).collect();
    let sla = v.sla;
    render(TicketPage {
        shell: page.shell(format!("工单 {}", v.ticket.number)).with_flash(flash(ok, FLASH)),
        category: settings.category_name(&v.ticket.category_code),
        owner: name_of(&people, v.ticket.owner_id),
        team: v.ticket.team_code.as_deref().and_then(|c| settings.team(c)).map_or_else(String::new, |t| t.name.clone()),
        first: sla.as_ref().filter(|s| s.first_response.target.is_some()).map(|s| clock_view(&s.first_response)),
        resolution: sla.as_ref().filter(|s| s.resolution.target.is_some()).map(|s| clock_view(&s.resolution)),
        actions: model::actions(v.ticket.status).into_iter().map(|a| (a.code(), a.label_zh())).collect(),
        people,
        priorities: pairs(&Priority::ALL, Priority::code, Priority::label_zh),
        settings,
        error,
        can_unmask: access.can(Permission::PersonalUnmask),
        phone,
        v,
    })
}

async fn show(page: Page, Path(id): Path<i64>, Query(q): Query<ShowQ>) -> PageResult<Html<String>> {
    ticket_page(&page, id, q.ok.as_deref(), String::new(), String::new()).await
}

/// A refused change is shown on the ticket page with its reason (and nothing changed).
async fn refused(page: &Page, id: i64, e: Error) -> PageResult<Response> {
    match &e {
        Error::Client { status: status @ (409 | 422), .. } => {
            let code = axum::http::StatusCode::from_u16(*status).unwrap_or(axum::http::StatusCode::CONFLICT);
            let message = match e.fields() {
                [] => e.public_message(),
                fields => fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；"),
            };
            Ok((code, ticket_page(page, id, None, message, String::new()).await?).into_response())
        }
        _ => Err(e.into()),
    }
}

fn done<T>(r: hops_platform::Result<T>, id: i64, ok: &str) -> Result<Response, Error> {
    r.map(|_| Redirect::to(&format!("/desk/tickets/{id}?ok={ok}")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReplyForm {
    body: String,
    /// "reply" or "note".
    kind: String,
    then: String,
}

async fn reply(page: Page, Path(id): Path<i64>, Form(f): Form<ReplyForm>) -> PageResult<Response> {
    let public = f.kind != "note";
    let then = Action::parse(&f.then);
    let r = tickets::reply(page.access(), id, &f.body, public, then).await;
    match done(r, id, if public { "replied" } else { "noted" }) {
        Ok(resp) => Ok(resp),
        Err(e) => refused(&page, id, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    action: String,
    note: String,
}

async fn status(page: Page, Path(id): Path<i64>, Form(f): Form<StatusForm>) -> PageResult<Response> {
    let r = match Action::parse(&f.action) {
        Some(a) => tickets::act(page.access(), id, a, &f.note).await,
        None => Err(Error::invalid_field("action", "请选择状态操作")),
    };
    match done(r, id, "status") {
        Ok(resp) => Ok(resp),
        Err(e) => refused(&page, id, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssignForm {
    owner: String,
    team: String,
}

async fn assign(page: Page, Path(id): Path<i64>, Form(f): Form<AssignForm>) -> PageResult<Response> {
    let owner = match f.owner.trim() {
        "" => Ok(None),
        "me" => Ok(page.access().actor().user_id.map(|u| u.0)),
        o => o.parse::<i64>().map(Some).map_err(|_| Error::invalid_field("owner", "请选择处理人")),
    };
    let r = match owner {
        Ok(o) => tickets::assign(page.access(), id, o, Some(f.team.trim().to_string()).filter(|t| !t.is_empty())).await,
        Err(e) => Err(e),
    };
    match done(r, id, "assigned") {
        Ok(resp) => Ok(resp),
        Err(e) => refused(&page, id, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClassifyForm {
    category: String,
    priority: String,
    tags: String,
}

async fn classify(page: Page, Path(id): Path<i64>, Form(f): Form<ClassifyForm>) -> PageResult<Response> {
    match done(tickets::classify(page.access(), id, &f.category, &f.priority, &f.tags).await, id, "classified") {
        Ok(resp) => Ok(resp),
        Err(e) => refused(&page, id, e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MergeForm {
    into: String,
}

async fn merge(page: Page, Path(id): Path<i64>, Form(f): Form<MergeForm>) -> PageResult<Response> {
    let access = page.access();
    let number = f.into.trim().to_ascii_uppercase();
    let r = match tickets::by_number(access, &number).await {
        Ok(Some(into)) => tickets::merge(access, id, into.id).await.map(|t| t.id),
        Ok(None) => Err(Error::invalid_field("into", format!("没有工单号为“{number}”的工单"))),
        Err(e) => Err(e),
    };
    match r {
        Ok(into) => Ok(Redirect::to(&format!("/desk/tickets/{into}?ok=merged")).into_response()),
        Err(e) => refused(&page, id, e).await,
    }
}

async fn upload(page: Page, Path(id): Path<i64>, mp: Result<Multipart, MultipartRejection>) -> PageResult<Response> {
    // The ticket first: another hospital's id is 404 whatever the body.
    tickets::get(page.access(), id).await?;
    let r = match upload::read(page.access(), Permission::DeskWork, mp).await?.into_file() {
        Ok((name, bytes)) => tickets::attach(page.access(), id, &name, &bytes).await,
        Err(e) => Err(e),
    };
    match done(r, id, "attached") {
        Ok(resp) => Ok(resp),
        Err(e) => refused(&page, id, e).await,
    }
}

async fn download(page: Page, Path((id, att)): Path<(i64, i64)>) -> PageResult<Response> {
    let (meta, bytes) = tickets::attachment(page.access(), id, att).await?;
    Ok(hops_platform::web::download(&meta.content_type, &format!("attachment-{att}"), &meta.file_name, bytes))
}

async fn phone(page: Page, Path(id): Path<i64>) -> PageResult<Html<String>> {
    let clear = tickets::requester_phone(page.access(), id).await?;
    ticket_page(&page, id, None, String::new(), clear).await
}
