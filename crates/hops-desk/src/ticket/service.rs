//! Use cases of tickets: open from any channel, reply and note, move through the status flow,
//! assign, reclassify, tag, merge, attach files; lists for the agent workspace; the SLA clocks
//! kept in step with every change and watched by jobs that warn and escalate.

use std::collections::HashMap;

use hops_contracts::desk::TicketResolved;
use hops_kernel::Instant;
use hops_platform::crypto::Field;
use hops_platform::db::Engine;
use hops_platform::flow::{self, HistoryRow};
use hops_platform::jobs::{self, BoxFuture, Enqueue, Job, JobRun};
use hops_platform::notify::{self, Address, Channel, Message, Text, Topic, Var};
use hops_platform::web::Paging;
use hops_platform::{Access, Error, FieldError, Permission, Result, Tx};
use serde::{Deserialize, Serialize};

pub(crate) use super::history::status_changes;
use super::history::{self, all_changes, me, record};
use super::model::{self, Action, Status, TicketDraft, TicketInput};
pub use super::queue::{Queue, TicketsWaiting, filter_for, waiting};
use super::store::{self, AttachmentRow, EventRow, Filter, SlaSnapshot, TicketRow};
use crate::setup::service::{self as setup, Settings};
use crate::sla::clock::{self, Sla, Targets};

/// The job that looks at a ticket when one of its SLA clocks is about to run out or has.
pub const SLA_CHECK_JOB: &str = "desk.sla_check";

/// A ticket's clock ran out and the ticket was escalated to its team's lead: in the lead's
/// in-app inbox, and by SMS and e-mail to the phone and address the lead gave for
/// notifications. Urgent (quiet hours do not hold it); work, so nobody opts out of it.
pub const SLA_ESCALATION: Topic = Topic {
    code: "desk.sla_escalation",
    label: "工单超时升级",
    key: "SLA_ESCALATION",
    vars: &[
        Var { name: "ticket", label: "工单号" },
        Var { name: "subject", label: "工单主题" },
        Var { name: "clock", label: "超时环节（首次响应/解决）" },
        Var { name: "due", label: "应完成时间" },
        Var { name: "lead", label: "班组长姓名" },
    ],
    urgent: true,
    opt_out: false,
    texts: &[
        Text {
            channel: Channel::InApp,
            subject: "工单 ${ticket} ${clock}已超时",
            body: "「${subject}」${clock}应于 ${due} 前完成，已升级至${lead}，请尽快处理。",
        },
        Text {
            channel: Channel::Sms, subject: "", body: "工单${ticket}${clock}已超时（应于${due}前完成），已升级给您，请尽快处理。"
        },
        Text {
            channel: Channel::Email,
            subject: "【工单升级】${ticket} ${clock}已超时",
            body: "${lead}您好：\n\n工单 ${ticket}「${subject}」${clock}应于 ${due} 前完成，现已超时并升级给您，请登录运营平台尽快处理。\n\n本邮件由互联网医院运营平台自动发送，请勿直接回复。",
        },
    ],
};
/// The requester's phone: encrypted for the ticket's row, blind-indexed, masked.
pub const REQUESTER_PHONE: Field = Field::new("desk_tickets", "requester_phone_enc", "desk.requester_phone");
/// An attachment's content, encrypted for the attachment's row and its ticket (row key
/// `{ticket}:{id}`). (Version-1 ciphertexts were bound to `desk.attachment:{ticket}:{id}`.)
pub const ATTACHMENT: Field = Field::new("desk_attachments", "data_enc", "desk.attachment");

/// A ticket with its SLA clocks as of now.
#[derive(Clone, Debug)]
pub struct Listed {
    pub ticket: TicketRow,
    pub sla: Option<Sla>,
}

/// Everything the ticket page shows.
#[derive(Clone, Debug)]
pub struct TicketView {
    pub ticket: TicketRow,
    pub sla: Option<Sla>,
    /// The conversation with the status changes (from the status history) in time order.
    pub events: Vec<EventRow>,
    pub attachments: Vec<AttachmentRow>,
    /// The status history (the one record of status changes, which the SLA clocks read).
    pub history: Vec<HistoryRow>,
}

/// How a ticket enters: typed by an agent now, or brought from another system with its own
/// number and times (imports, the bot's hand-over).
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub external_ref: Option<String>,
    pub created_at: Option<Instant>,
    /// Taken by this agent at once (status open), else new in the team's queue.
    pub owner: Option<i64>,
}

fn targets(s: &SlaSnapshot) -> Targets {
    let minutes = |m: Option<i64>| m.and_then(|m| u32::try_from(m).ok());
    Targets {
        first_response: minutes(s.first_response_minutes),
        resolution: minutes(s.resolution_minutes),
        warn_at_percent: u8::try_from(s.warn_pct.clamp(1, 100)).ok(),
    }
}

/// The ticket's clocks at `now` (None when it runs on no policy or its calendar is gone).
pub fn evaluate(settings: &Settings, t: &TicketRow, changes: &[(Instant, Status)], now: Instant) -> Option<Sla> {
    let cal = settings.calendar(t.sla.calendar_code.as_deref()?)?;
    let timeline = model::timeline(t.created_at, t.first_response_at, changes);
    Some(clock::evaluate(&cal, &targets(&t.sla), &timeline, now))
}

fn snapshot(settings: &Settings, category: &str, priority: model::Priority) -> SlaSnapshot {
    settings.policy_for(category, priority).map_or_else(SlaSnapshot::default, |p| SlaSnapshot {
        name: p.name.clone(),
        calendar_code: Some(p.calendar_code.clone()),
        first_response_minutes: p.first_response_minutes,
        resolution_minutes: p.resolution_minutes,
        warn_pct: p.warn_pct,
    })
}

fn actor_event(access: &Access, id: i64, ticket: i64, at: Instant, kind: &str, body: String, status: Option<Status>) -> EventRow {
    EventRow {
        id,
        ticket_id: ticket,
        at,
        kind: kind.into(),
        actor_id: access.actor().user_id.map(|u| u.0),
        actor_name: access.actor().display_name.clone(),
        body,
        status,
    }
}

/// Recomputes the stored due times after a change and asks the job queue to look again when
/// a warning or a breach is due.
async fn refresh(access: &Access, tx: &mut Tx, settings: &Settings, t: &mut TicketRow) -> Result<()> {
    let changes = all_changes(tx, t.id).await?;
    let now = access.now();
    let sla = evaluate(settings, t, &changes, now);
    t.first_response_due = sla.as_ref().and_then(|s| s.first_response.due);
    t.resolution_due = sla.as_ref().and_then(|s| s.resolution.due);
    store::update(tx, t).await?;
    if let Some(s) = &sla {
        let (a, b) = (s.first_response.alarm(now), s.resolution.alarm(now));
        let alarms = [a.warn_at, a.breach_at, b.warn_at, b.breach_at];
        for at in alarms.into_iter().flatten().filter(|at| *at > now) {
            jobs::enqueue(access, tx, Enqueue::job::<SlaCheck>(&TicketRef { ticket: t.id }).at(at)).await?;
        }
    }
    Ok(())
}

/// Opens a ticket. The category's team gets it; the SLA policy in force is copied onto it.
pub async fn open(access: &Access, input: &TicketInput, origin: Origin) -> Result<TicketRow> {
    access.require(Permission::DeskWork)?;
    let settings = setup::load(access).await?;
    let draft = input.check(&settings.active_category_codes()).map_err(Error::invalid)?;
    open_checked(access, &settings, &draft, origin).await
}

pub(crate) async fn open_checked(access: &Access, settings: &Settings, d: &TicketDraft, origin: Origin) -> Result<TicketRow> {
    let now = access.now();
    let created_at = origin.created_at.unwrap_or(now);
    let mut tx = access.tenant().write().await?;
    let id = tx.next_id(access.engine()).await?;
    let status = if origin.owner.is_some() { Status::Open } else { Status::New };
    let mut t = new_row(access, settings, d, id, created_at, status, origin.owner, origin.external_ref.clone());
    let search = format!("{} {} {}", d.subject, d.description, d.requester_name);
    if let Err(e) = store::insert(&mut tx, &t, &search).await {
        if hops_platform::db::is_unique_violation(&e) {
            return Err(Error::conflict("duplicate_ticket", format!("外部单号 {} 已导入", origin.external_ref.unwrap_or_default())));
        }
        return Err(e.into());
    }
    record(access, &mut tx, id, (None, t.status, Action::Create), &d.description, me(access), created_at).await?;
    refresh(access, &mut tx, settings, &mut t).await?;
    let detail = format!("{} {}（{}，{}）", t.number, t.subject, d.channel.label_zh(), settings.category_name(&t.category_code));
    access.audit(&mut tx, "desk.ticket.open", &format!("desk_ticket:{id}"), &detail).await?;
    tx.commit().await?;
    Ok(t)
}

/// A ticket from another system's history, checked (see [`super::import`]).
#[derive(Clone, Debug)]
pub struct HistoricTicket {
    pub external_ref: String,
    pub draft: TicketDraft,
    pub owner: Option<i64>,
    pub created_at: Instant,
    pub first_response_at: Option<Instant>,
    pub resolved_at: Option<Instant>,
    pub closed_at: Option<Instant>,
}

/// The ticket with this number (`GD…`, any case), if any.
pub async fn by_number(access: &Access, number: &str) -> Result<Option<TicketRow>> {
    access.require(Permission::DeskWork)?;
    let mut c = access.tenant().read().await?;
    let Some(id) = store::id_by_number(&mut c, &number.trim().to_ascii_uppercase()).await? else { return Ok(None) };
    Ok(store::get(&mut c, id).await?)
}

pub async fn external_exists(access: &Access, external: &str) -> Result<bool> {
    let mut c = access.tenant().read().await?;
    Ok(store::by_external_ref(&mut c, external).await?.is_some())
}

/// Stores imported history in one transaction: each ticket with its milestones as events
/// (created, first reply, resolved, closed), on the SLA policy in force now.
pub(crate) async fn import_history(access: &Access, settings: &Settings, rows: &[HistoricTicket], file: &str) -> Result<usize> {
    let mut tx = access.tenant().write().await?;
    for r in rows {
        let ids = tx.next_ids(access.engine(), 2).await?;
        let d = &r.draft;
        let status = super::import::final_status(r);
        let mut t = new_row(access, settings, d, ids[0], r.created_at, status, r.owner, Some(r.external_ref.clone()));
        (t.first_response_at, t.resolved_at, t.closed_at) = (r.first_response_at, r.resolved_at, r.closed_at);
        store::insert(&mut tx, &t, &format!("{} {} {}", d.subject, d.description, r.external_ref)).await?;
        let event = |id: i64, at: Instant, kind: &str, body: &str, status: Option<Status>| EventRow {
            id,
            ticket_id: t.id,
            at,
            kind: kind.into(),
            actor_id: r.owner,
            actor_name: "历史导入".into(),
            body: body.into(),
            status,
        };
        let who = (r.owner, "历史导入");
        record(access, &mut tx, t.id, (None, Status::New, Action::Create), &d.description, who, r.created_at).await?;
        if let Some(at) = r.first_response_at {
            store::insert_event(&mut tx, &event(ids[1], at, "reply", "（原系统记录的首次回复）", None)).await?;
        }
        let mut current = Status::New;
        if let Some(at) = r.resolved_at {
            record(access, &mut tx, t.id, (Some(current), Status::Resolved, Action::Resolve), "", who, at).await?;
            current = Status::Resolved;
        }
        if let Some(at) = r.closed_at {
            record(access, &mut tx, t.id, (Some(current), Status::Closed, Action::Close), "", who, at).await?;
        }
        refresh(access, &mut tx, settings, &mut t).await?;
    }
    access.audit(&mut tx, "desk.ticket.import", "desk_tickets", &format!("{file}：导入历史工单 {} 张", rows.len())).await?;
    tx.commit().await?;
    Ok(rows.len())
}

/// A new ticket's row: the category's team, the SLA policy in force copied on, the phone sealed.
#[allow(clippy::too_many_arguments)]
fn new_row(
    access: &Access,
    settings: &Settings,
    d: &TicketDraft,
    id: i64,
    created_at: Instant,
    status: Status,
    owner: Option<i64>,
    external_ref: Option<String>,
) -> TicketRow {
    TicketRow {
        id,
        number: model::number(id),
        channel: d.channel,
        category_code: d.category.clone(),
        priority: d.priority,
        subject: d.subject.clone(),
        status,
        requester_kind: d.requester_kind,
        requester_name: d.requester_name.clone(),
        requester_phone: d.requester_phone.as_ref().map(|p| access.seal(REQUESTER_PHONE, id, p.as_str(), p.masked())),
        team_code: settings.category(&d.category).and_then(|c| c.team_code.clone()),
        owner_id: owner,
        tags: d.tags.join(","),
        external_ref,
        merged_into: None,
        sla: snapshot(settings, &d.category, d.priority),
        first_response_due: None,
        resolution_due: None,
        escalated_at: None,
        created_at,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        updated_at: access.now(),
    }
}

async fn locked(access: &Access, tx: &mut Tx, id: i64) -> Result<TicketRow> {
    let t = store::get_for_update(tx, id, access.engine() == Engine::Postgres).await?.ok_or_else(|| Error::not_found("工单"))?;
    if let Some(into) = t.merged_into {
        return Err(Error::conflict("merged", format!("工单已合并到 {}，请在该工单上处理", model::number(into))));
    }
    Ok(t)
}

/// A public reply (counts as the first response) or an internal note, optionally with a
/// status action in the same step (e.g. reply and wait for the customer).
pub async fn reply(access: &Access, id: i64, body: &str, public: bool, then: Option<Action>) -> Result<TicketRow> {
    access.require(Permission::DeskWork)?;
    let body = model::check_body(body).map_err(|e| Error::invalid(vec![e]))?;
    let settings = setup::load(access).await?;
    let mut tx = access.tenant().write().await?;
    let mut t = locked(access, &mut tx, id).await?;
    let now = access.now();
    let next = match then {
        Some(a) => Some((model::transition(t.status, a).map_err(|m| Error::conflict("invalid_status", m))?, a)),
        // Answering a new ticket starts work on it.
        None if public && t.status == Status::New => Some((Status::Open, Action::Start)),
        None => None,
    };
    let event_id = tx.next_id(access.engine()).await?;
    let kind = if public { "reply" } else { "note" };
    store::insert_event(&mut tx, &actor_event(access, event_id, id, now, kind, body.clone(), None)).await?;
    if public && t.first_response_at.is_none() {
        t.first_response_at = Some(now);
    }
    if t.owner_id.is_none() && public {
        t.owner_id = access.actor().user_id.map(|u| u.0);
    }
    if let Some((s, action)) = next {
        record(access, &mut tx, id, (Some(t.status), s, action), "", me(access), now).await?;
        apply_status(access, &mut tx, &mut t, s, now).await?;
    }
    t.updated_at = now;
    store::append_search_text(&mut tx, id, &body).await?;
    refresh(access, &mut tx, &settings, &mut t).await?;
    let what = if public { "回复" } else { "内部备注" };
    access.audit(&mut tx, &format!("desk.ticket.{kind}"), &format!("desk_ticket:{id}"), &format!("{} {what}", t.number)).await?;
    tx.commit().await?;
    Ok(t)
}

/// Sets a ticket's status and its times; a resolution is published
/// ([`hops_contracts::desk::TicketResolved`]) in the transaction of the change.
async fn apply_status(access: &Access, tx: &mut Tx, t: &mut TicketRow, s: Status, now: Instant) -> Result<()> {
    if s == Status::Resolved && t.status != Status::Resolved {
        let resolved = TicketResolved {
            ticket: t.id,
            number: t.number.clone(),
            category: t.category_code.clone(),
            seconds_open: now.seconds_since(t.created_at),
        };
        jobs::publish(access, tx, &resolved).await?;
    }
    set_status(t, s, now);
    Ok(())
}

fn set_status(t: &mut TicketRow, s: Status, now: Instant) {
    match s {
        Status::Resolved => t.resolved_at = Some(now),
        Status::Closed => t.closed_at = Some(now),
        Status::Open | Status::New => {
            t.resolved_at = None;
            t.closed_at = None;
        }
        Status::Pending => {}
    }
    t.status = s;
}

/// A message from the customer (e.g. through the bot's chat after hand-over): recorded in the
/// history; a ticket pending on the customer runs again.
pub async fn customer_message(access: &Access, id: i64, body: &str) -> Result<TicketRow> {
    let body = model::check_body(body).map_err(|e| Error::invalid(vec![e]))?;
    let settings = setup::load(access).await?;
    let mut tx = access.tenant().write().await?;
    let mut t = locked(access, &mut tx, id).await?;
    let now = access.now();
    let ids = tx.next_ids(access.engine(), 1).await?;
    let who = if t.requester_name.is_empty() { "患者".to_string() } else { t.requester_name.clone() };
    let ev = EventRow {
        id: ids[0],
        ticket_id: id,
        at: now,
        kind: "customer".into(),
        actor_id: None,
        actor_name: who,
        body: body.clone(),
        status: None,
    };
    store::insert_event(&mut tx, &ev).await?;
    if t.status == Status::Pending {
        record(access, &mut tx, id, (Some(Status::Pending), Status::Open, Action::Resume), "客户已回复", (None, "系统"), now).await?;
        set_status(&mut t, Status::Open, now);
    }
    t.updated_at = now;
    store::append_search_text(&mut tx, id, &body).await?;
    refresh(access, &mut tx, &settings, &mut t).await?;
    access.audit(&mut tx, "desk.ticket.customer", &format!("desk_ticket:{id}"), &format!("{} 客户留言", t.number)).await?;
    tx.commit().await?;
    Ok(t)
}

/// Moves a ticket through the status flow, with an optional internal note.
pub async fn act(access: &Access, id: i64, action: Action, note: &str) -> Result<TicketRow> {
    access.require(Permission::DeskWork)?;
    let settings = setup::load(access).await?;
    let mut tx = access.tenant().write().await?;
    let mut t = locked(access, &mut tx, id).await?;
    let to = model::transition(t.status, action).map_err(|m| Error::conflict("invalid_status", m))?;
    let now = access.now();
    record(access, &mut tx, id, (Some(t.status), to, action), note, me(access), now).await?;
    apply_status(access, &mut tx, &mut t, to, now).await?;
    t.updated_at = now;
    refresh(access, &mut tx, &settings, &mut t).await?;
    access.audit(&mut tx, "desk.ticket.status", &format!("desk_ticket:{id}"), &format!("{} {}", t.number, action.label_zh())).await?;
    tx.commit().await?;
    Ok(t)
}

/// Gives a ticket to a person and/or a team (None owner = back to the team's queue).
pub async fn assign(access: &Access, id: i64, owner: Option<i64>, team: Option<String>) -> Result<TicketRow> {
    access.require(Permission::DeskWork)?;
    let settings = setup::load(access).await?;
    let people = hops_platform::accounts::service::directory(access).await?;
    let owner_name = match owner {
        Some(o) => Some(
            people
                .iter()
                .find(|c| c.id.0 == o && c.role.can(Permission::DeskWork))
                .map(|c| c.display_name.clone())
                .ok_or_else(|| Error::invalid_field("owner", "只能指派给有客服权限的在职人员"))?,
        ),
        None => None,
    };
    if let Some(tc) = &team
        && settings.team(tc).is_none()
    {
        return Err(Error::invalid_field("team", format!("没有班组“{tc}”")));
    }
    let mut tx = access.tenant().write().await?;
    let mut t = locked(access, &mut tx, id).await?;
    let now = access.now();
    t.owner_id = owner;
    if team.is_some() {
        t.team_code = team;
    }
    t.updated_at = now;
    let team_name = t.team_code.as_deref().and_then(|c| settings.team(c)).map_or("—".to_string(), |x| x.name.clone());
    let body = format!("处理人：{}；班组：{team_name}", owner_name.as_deref().unwrap_or("（待领取）"));
    let ev = tx.next_id(access.engine()).await?;
    store::insert_event(&mut tx, &actor_event(access, ev, id, now, "assign", body.clone(), None)).await?;
    store::update(&mut tx, &t).await?;
    access.audit(&mut tx, "desk.ticket.assign", &format!("desk_ticket:{id}"), &format!("{} {body}", t.number)).await?;
    tx.commit().await?;
    Ok(t)
}

/// Changes category and priority; the SLA targets follow the policy of the new class, counted
/// from the ticket's creation (Zammad's rule).
pub async fn classify(access: &Access, id: i64, category: &str, priority: &str, tags: &str) -> Result<TicketRow> {
    access.require(Permission::DeskWork)?;
    let settings = setup::load(access).await?;
    let mut errs = Vec::new();
    let category = category.trim().to_string();
    if !settings.active_category_codes().contains(&category) {
        errs.push(FieldError::new("category", format!("没有分类“{category}”或该分类已停用")));
    }
    let priority = model::Priority::parse(priority);
    if priority.is_none() {
        errs.push(FieldError::new("priority", "优先级应为 紧急、高、普通 或 低"));
    }
    let tags = model::parse_tags(tags).unwrap_or_else(|m| {
        errs.push(FieldError::new("tags", m));
        Vec::new()
    });
    let (Some(priority), true) = (priority, errs.is_empty()) else {
        return Err(Error::invalid(errs));
    };
    let mut tx = access.tenant().write().await?;
    let mut t = locked(access, &mut tx, id).await?;
    let now = access.now();
    let moved = t.category_code != category || t.priority != priority;
    if moved {
        t.team_code = settings.category(&category).and_then(|c| c.team_code.clone()).or(t.team_code.clone());
        t.sla = snapshot(&settings, &category, priority);
    }
    let body = format!("分类：{}；优先级：{}；标签：{}", settings.category_name(&category), priority.label_zh(), tags.join("、"));
    t.category_code = category;
    t.priority = priority;
    t.tags = tags.join(",");
    t.updated_at = now;
    let ev = tx.next_id(access.engine()).await?;
    store::insert_event(&mut tx, &actor_event(access, ev, id, now, "classify", body.clone(), None)).await?;
    refresh(access, &mut tx, &settings, &mut t).await?;
    access.audit(&mut tx, "desk.ticket.classify", &format!("desk_ticket:{id}"), &format!("{} {body}", t.number)).await?;
    tx.commit().await?;
    Ok(t)
}

/// Merges a duplicate into another ticket: the duplicate is closed and points at the other,
/// both histories say so.
pub async fn merge(access: &Access, from: i64, into: i64) -> Result<TicketRow> {
    access.require(Permission::DeskWork)?;
    if from == into {
        return Err(Error::invalid_field("into", "不能合并到工单自身"));
    }
    let settings = setup::load(access).await?;
    let mut tx = access.tenant().write().await?;
    // Lock in id order so two opposite merges cannot deadlock.
    let (a, b) = if from < into { (from, into) } else { (into, from) };
    let first = locked(access, &mut tx, a).await?;
    let second = locked(access, &mut tx, b).await?;
    let (mut dup, target) = if first.id == from { (first, second) } else { (second, first) };
    let now = access.now();
    let ids = tx.next_ids(access.engine(), 2).await?;
    store::insert_event(&mut tx, &actor_event(access, ids[0], dup.id, now, "merge", format!("合并到 {}", target.number), None)).await?;
    store::insert_event(&mut tx, &actor_event(access, ids[1], target.id, now, "merge", format!("{} 已合并到本工单", dup.number), None))
        .await?;
    if dup.status != Status::Closed {
        model::FLOW.record(access, &mut tx, dup.id, dup.status, Action::Merge, &format!("合并到 {}", target.number)).await?;
        if dup.resolved_at.is_none() {
            dup.resolved_at = Some(now);
        }
        set_status(&mut dup, Status::Closed, now);
    }
    dup.merged_into = Some(target.id);
    dup.updated_at = now;
    refresh(access, &mut tx, &settings, &mut dup).await?;
    access.audit(&mut tx, "desk.ticket.merge", &format!("desk_ticket:{}", dup.id), &format!("{} → {}", dup.number, target.number)).await?;
    tx.commit().await?;
    Ok(target)
}

/// Stores an attachment, encrypted; type judged from its content, size limited.
pub async fn attach(access: &Access, id: i64, file_name: &str, bytes: &[u8]) -> Result<AttachmentRow> {
    access.require(Permission::DeskWork)?;
    let name = model::clean_file_name(file_name);
    let content_type = model::attachment_type(&name, bytes).map_err(|m| Error::invalid_field("file", m))?;
    let mut tx = access.tenant().write().await?;
    let t = locked(access, &mut tx, id).await?;
    let now = access.now();
    let ids = tx.next_ids(access.engine(), 2).await?;
    let a = AttachmentRow {
        id: ids[0],
        ticket_id: id,
        file_name: name.clone(),
        content_type: content_type.into(),
        size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
        sha256: hops_platform::crypto::sha256_bytes_hex(bytes),
        created_at: now,
    };
    let enc = access.encrypt_bytes(ATTACHMENT, attachment_row(id, a.id).as_str(), bytes);
    store::insert_attachment(&mut tx, &a, enc, access.actor().user_id.map(|u| u.0)).await?;
    store::insert_event(&mut tx, &actor_event(access, ids[1], id, now, "attach", name.clone(), None)).await?;
    access
        .audit(&mut tx, "desk.ticket.attach", &format!("desk_ticket:{id}"), &format!("{} 附件 {name}（{} 字节）", t.number, a.size))
        .await?;
    tx.commit().await?;
    Ok(a)
}

/// What an attachment's ciphertext is bound to besides hospital, table and column: the
/// attachment and its ticket, so it decrypts neither in another row nor moved to another ticket.
fn attachment_row(ticket: i64, id: i64) -> String {
    format!("{ticket}:{id}")
}

/// An attachment's content (audited: it may show medical records).
pub async fn attachment(access: &Access, ticket: i64, id: i64) -> Result<(AttachmentRow, Vec<u8>)> {
    access.require(Permission::DeskWork)?;
    let mut c = access.tenant().read().await?;
    let (meta, enc) = store::attachment(&mut c, ticket, id).await?.ok_or_else(|| Error::not_found("附件"))?;
    drop(c);
    let bytes = access.reveal_bytes(ATTACHMENT, attachment_row(ticket, id).as_str(), &enc)?;
    let mut tx = access.tenant().write().await?;
    access.audit(&mut tx, "desk.attachment.read", &format!("desk_ticket:{ticket}"), &meta.file_name).await?;
    tx.commit().await?;
    Ok((meta, bytes))
}

/// The requester's phone in clear (needs `PersonalUnmask`; audited).
pub async fn requester_phone(access: &Access, id: i64) -> Result<String> {
    access.require(Permission::PersonalUnmask)?;
    let mut c = access.tenant().read().await?;
    let t = store::get(&mut c, id).await?.ok_or_else(|| Error::not_found("工单"))?;
    drop(c);
    let p = t.requester_phone.ok_or_else(|| Error::not_found("请求人电话"))?;
    let clear = access.reveal(REQUESTER_PHONE, id, &p.enc)?;
    let mut tx = access.tenant().write().await?;
    access.audit(&mut tx, "desk.ticket.unmask_phone", &format!("desk_ticket:{id}"), &format!("{} 查看请求人电话", t.number)).await?;
    tx.commit().await?;
    Ok(clear)
}

/// The blind index of a phone typed into the search box (exact match only).
pub fn phone_index(access: &Access, phone: &hops_kernel::Phone) -> String {
    access.blind_index(REQUESTER_PHONE.context, phone.as_str())
}

pub async fn get(access: &Access, id: i64) -> Result<TicketView> {
    access.require(Permission::DeskWork)?;
    let settings = setup::load(access).await?;
    let mut c = access.tenant().read().await?;
    let ticket = store::get(&mut c, id).await?.ok_or_else(|| Error::not_found("工单"))?;
    let mut events = store::events(&mut c, id).await?;
    let attachments = store::attachments(&mut c, id).await?;
    let history = flow::service::history(&mut c, model::FLOW.subject(id)).await?;
    let changes = history::merge(id, &mut events, &history);
    let sla = evaluate(&settings, &ticket, &changes, access.now());
    Ok(TicketView { ticket, sla, events, attachments, history })
}

/// A page of tickets (most urgent first) with their clocks.
pub async fn list(access: &Access, filter: &Filter, paging: Paging) -> Result<(Vec<Listed>, i64)> {
    access.require(Permission::DeskWork)?;
    let settings = setup::load(access).await?;
    let mut c = access.tenant().read().await?;
    let (rows, total) = store::list(&mut c, filter, paging.offset(), paging.per_page).await?;
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let mut changes: HashMap<i64, Vec<(Instant, Status)>> = HashMap::new();
    for (t, at, s) in status_changes(&mut c, &ids).await? {
        changes.entry(t).or_default().push((at, s));
    }
    let now = access.now();
    let listed = rows
        .into_iter()
        .map(|t| {
            let sla = evaluate(&settings, &t, changes.get(&t.id).map_or(&[][..], Vec::as_slice), now);
            Listed { ticket: t, sla }
        })
        .collect();
    Ok((listed, total))
}

/// The ticket a job is about.
#[derive(Serialize, Deserialize)]
pub struct TicketRef {
    ticket: i64,
}

/// Run by the job queue when a clock's warning or breach time has come ([`check_sla_in`]).
pub struct SlaCheck;

impl Job for SlaCheck {
    const KIND: &'static str = SLA_CHECK_JOB;
    const LABEL: &'static str = "SLA 预警与升级";
    type Payload = TicketRef;
    fn run<'a>(&'a self, job: &'a mut JobRun, p: TicketRef) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let settings = setup::load(&job.access).await?;
            let people = hops_platform::accounts::service::directory(&job.access).await?;
            let (access, tx) = job.tx().await?;
            check_sla_in(access, tx, &settings, &people, p.ticket).await?;
            Ok(())
        })
    }
}

/// [`check_sla_in`] in a transaction of its own.
pub async fn check_sla(access: &Access, id: i64) -> Result<()> {
    let settings = setup::load(access).await?;
    let people = hops_platform::accounts::service::directory(access).await?;
    let mut tx = access.tenant().write().await?;
    check_sla_in(access, &mut tx, &settings, &people, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Records the warning or escalates to the team lead, once per clock and due time (so a
/// second run changes nothing).
async fn check_sla_in(
    access: &Access,
    tx: &mut Tx,
    settings: &Settings,
    people: &[hops_platform::accounts::service::Colleague],
    id: i64,
) -> Result<()> {
    let Some(mut t) = store::get_for_update(tx, id, access.engine() == Engine::Postgres).await? else {
        return Ok(());
    };
    let changes = all_changes(tx, id).await?;
    let now = access.now();
    let Some(sla) = evaluate(settings, &t, &changes, now) else {
        return Ok(());
    };
    let lead = t.team_code.as_deref().and_then(|c| settings.team(c)).and_then(|team| team.lead_user_id);
    let lead_name = lead.and_then(|l| people.iter().find(|p| p.id.0 == l)).map_or("班组长".to_string(), |p| p.display_name.clone());
    let mut changed = false;
    for (label, state) in [("首次响应", &sla.first_response), ("解决", &sla.resolution)] {
        let Some(due) = state.due else { continue };
        let key = due.format_minute();
        if state.breached && state.met_at.is_none() {
            let body = format!("{label}已超时（应于 {key} 前完成），已升级至{lead_name}");
            if !store::has_event(tx, id, "escalate", &body).await? {
                let ev = tx.next_id(access.engine()).await?;
                store::insert_event(tx, &system_event(ev, id, now, "escalate", body)).await?;
                t.escalated_at = Some(now);
                changed = true;
                if let Some(lead) = lead {
                    let vars = [
                        ("ticket", t.number.clone()),
                        ("subject", t.subject.clone()),
                        ("clock", label.to_string()),
                        ("due", key.clone()),
                        ("lead", lead_name.clone()),
                    ];
                    let to = vec![Address::Staff(hops_kernel::UserId(lead))];
                    let message =
                        Message::new(&SLA_ESCALATION, format!("desk_ticket:{id}"), &vars, to).with_link(format!("/desk/tickets/{id}"));
                    notify::enqueue(access, tx, &message).await?;
                }
            }
        } else if state.warning {
            let body = format!("{label}即将超时（应于 {key} 前完成）");
            if !store::has_event(tx, id, "warn", &body).await? {
                let ev = tx.next_id(access.engine()).await?;
                store::insert_event(tx, &system_event(ev, id, now, "warn", body)).await?;
                changed = true;
            }
        }
    }
    if changed {
        store::update(tx, &t).await?;
        access.audit(tx, "desk.ticket.sla", &format!("desk_ticket:{id}"), &format!("{} SLA 预警/升级", t.number)).await?;
    }
    Ok(())
}

fn system_event(id: i64, ticket: i64, at: Instant, kind: &str, body: String) -> EventRow {
    EventRow { id, ticket_id: ticket, at, kind: kind.into(), actor_id: None, actor_name: "系统".into(), body, status: None }
}
