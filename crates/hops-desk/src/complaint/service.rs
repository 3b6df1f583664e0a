//! Use cases of complaints: registering one (directly, from a desk ticket, from a bad review
//! by its consultation number, or from a follow-up call), the steps of its status flow with who
//! did what when, the complainant's number in clear (`PersonalUnmask`, audited), the cause
//! categories, the monthly trend of causes and the XLSX export.
//!
//! Agents (`DeskWork`) register, investigate, record rectification and reply; the review that
//! closes a case needs `DeskManage` and someone other than who recorded the rectification.

use hops_contracts::activity::Consultations;
use hops_kernel::{DepartmentId, DoctorId, Instant, LocalDay};
use hops_platform::crypto::Field;
use hops_platform::tabular::{self, Table};
use hops_platform::web::Paging;
use hops_platform::{Access, Error, FieldError, Permission, Result, Tx};

use super::model::Action;
use super::model::{self, Cause, Draft, REPLY_CHANNELS, Source, Status, Trend, Verdict};
/// How complaints are filtered.
pub use super::store::Filter;
use super::store::{self, ComplaintRow, NewComplaint, StepWrite};
use crate::followup::calls as followup;
use crate::ticket::service as tickets;
use crate::ticket::store as ticket_store;
use hops_platform::flow::{self, HistoryRow};

/// The complainant's phone: encrypted for the complaint's row, blind-indexed, masked.
pub const PHONE: Field = Field::new("desk_complaints", "phone_enc", "desk_complaints.phone");

// ---- causes ----

/// The hospital's categories (the defaults until it saves its own).
pub async fn causes(access: &Access) -> Result<Vec<Cause>> {
    access.require(Permission::DeskWork)?;
    let mut c = access.tenant().read().await?;
    let stored = store::causes(&mut c).await?;
    Ok(if stored.is_empty() { model::default_causes() } else { stored })
}

/// Stores the default categories the first time a complaint needs them.
async fn ensure_causes(tx: &mut Tx) -> Result<Vec<Cause>> {
    let stored = store::causes(tx).await?;
    if !stored.is_empty() {
        return Ok(stored);
    }
    let defaults = model::default_causes();
    store::save_causes(tx, &defaults).await?;
    Ok(defaults)
}

/// Replaces the category list (each checked by [`model::check_cause`]).
pub async fn save_causes(access: &Access, list: &[Cause]) -> Result<Vec<Cause>> {
    access.require(Permission::DeskManage)?;
    let mut errors = Vec::new();
    for (i, c) in list.iter().enumerate() {
        errors.extend(model::check_cause(c, &list[..i]).into_iter().map(|m| FieldError::new("causes", format!("第 {} 个：{m}", i + 1))));
    }
    if list.is_empty() {
        errors.push(FieldError::new("causes", "至少要有 1 个原因分类"));
    }
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    let mut tx = access.tenant().write().await?;
    store::save_causes(&mut tx, list).await?;
    let names: Vec<&str> = list.iter().filter(|c| c.active).map(|c| c.name.as_str()).collect();
    access.audit(&mut tx, "desk.complaint.causes", "desk_complaint_causes", &names.join("、")).await?;
    let saved = store::causes(&mut tx).await?;
    tx.commit().await?;
    Ok(saved)
}

// ---- registering ----

/// Where a new complaint comes from.
#[derive(Clone, Debug)]
pub enum Origin {
    Direct,
    /// A desk ticket, by number (or id).
    Ticket(String),
    /// A bad review, by the 问诊单号 of its consultation.
    Review(String),
    /// A follow-up call task, by id.
    Followup(i64),
}

/// What an origin brings: the patient, doctor and department it is about, a suggested cause.
#[derive(Default)]
struct Linked {
    ticket_id: Option<i64>,
    task_id: Option<i64>,
    review_ref: String,
    patient_id: Option<i64>,
    doctor_id: Option<i64>,
    department_id: Option<i64>,
    review_reason: Option<&'static str>,
}

async fn linked(access: &Access, origin: &Origin, errors: &mut Vec<FieldError>) -> Result<Linked> {
    let mut l = Linked::default();
    match origin {
        Origin::Direct => {}
        Origin::Ticket(reference) => match ticket(access, reference).await? {
            Some((id, _)) => l.ticket_id = Some(id),
            None => errors.push(FieldError::new("ticket", format!("没有编号为「{}」的工单", reference.trim()))),
        },
        Origin::Review(number) => match access.core().service::<dyn Consultations>()?.by_number(access, number).await? {
            Some(c) if c.rating.is_some_and(|r| r <= 2) => {
                l.review_ref = c.number;
                l.patient_id = Some(c.patient.0);
                l.doctor_id = Some(c.doctor.0);
                l.department_id = Some(c.department.0);
                l.review_reason = c.review_reasons.first().copied();
            }
            Some(_) => errors.push(FieldError::new("review_ref", format!("问诊单 {} 不是差评（评分须为 1–2 星）", number.trim()))),
            None => errors.push(FieldError::new("review_ref", format!("没有问诊单号为「{}」的问诊", number.trim()))),
        },
        Origin::Followup(id) => match followup::task(access, *id).await {
            Ok(d) => {
                l.task_id = Some(*id);
                l.patient_id = d.task.patient_id;
                l.doctor_id = d.task.doctor_id;
                l.department_id = d.task.department_id;
            }
            Err(Error::Client { status: 404, .. }) => errors.push(FieldError::new("followup_task_id", "回访任务不存在")),
            Err(e) => return Err(e),
        },
    }
    Ok(l)
}

/// The ticket with this number (or id), with its number, subject and requester's name.
async fn ticket(access: &Access, reference: &str) -> Result<Option<(i64, (String, String, String))>> {
    let r = reference.trim();
    let found = match tickets::by_number(access, r).await? {
        Some(t) => Some(t),
        None => match r.parse::<i64>() {
            Ok(id) => {
                let mut c = access.tenant().read().await?;
                ticket_store::get(&mut c, id).await?
            }
            Err(_) => None,
        },
    };
    Ok(found.map(|t| (t.id, (t.number, t.subject, t.requester_name))))
}

/// What the registration form starts with for an origin (the patient, the subject …).
#[derive(Default)]
pub struct Prefill {
    pub complainant: String,
    pub subject: String,
    pub description: String,
    pub department_id: Option<i64>,
    pub about: String,
}

/// Prefills the registration form from its origin; an unknown origin is refused (404).
pub async fn prefill(access: &Access, origin: &Origin) -> Result<Prefill> {
    access.require(Permission::DeskWork)?;
    let mut p = Prefill::default();
    match origin {
        Origin::Direct => {}
        Origin::Ticket(r) => {
            let (_, (number, subject, requester)) = ticket(access, r).await?.ok_or_else(|| Error::not_found("工单"))?;
            p.complainant = requester;
            p.subject = subject.chars().take(60).collect();
            p.about = format!("工单 {number}");
        }
        Origin::Review(number) => {
            let c =
                access.core().service::<dyn Consultations>()?.by_number(access, number).await?.ok_or_else(|| Error::not_found("问诊"))?;
            p.complainant = hops_master::service::patient(access, c.patient).await?.name;
            let doctor = hops_master::service::doctor(access, c.doctor).await?;
            p.subject = format!("差评：{}", c.review.chars().take(40).collect::<String>());
            p.description = c.review.clone();
            p.department_id = Some(c.department.0);
            p.about = format!("问诊 {} · {} · {} 星", c.number, doctor.name, c.rating.unwrap_or(0));
        }
        Origin::Followup(id) => {
            let t = followup::task(access, *id).await?.task;
            p.complainant = t.patient_name.clone();
            p.subject = "回访中反映的问题".into();
            p.department_id = t.department_id;
            p.about = format!(
                "回访任务 {} · {}{}",
                t.id,
                t.plan_name,
                if t.doctor_name.is_empty() { String::new() } else { format!(" · {}", t.doctor_name) }
            );
        }
    }
    Ok(p)
}

/// Registers a complaint; every problem at once, nothing stored on any. The department,
/// doctor and patient default to those of the origin; a bad review suggests its cause.
pub async fn create(access: &Access, origin: &Origin, d: &Draft) -> Result<ComplaintRow> {
    access.require(Permission::DeskWork)?;
    let mut errors = Vec::new();
    let phone = model::check_draft(d).unwrap_or_else(|e| {
        errors.extend(e);
        None
    });
    let received = model::check_received(&d.received_at, access.now()).unwrap_or_else(|e| {
        errors.push(e);
        access.now()
    });
    let l = linked(access, origin, &mut errors).await?;
    let department = d.department_id.or(l.department_id);
    if let Some(dept) = d.department_id
        && hops_master::service::department(access, DepartmentId(dept)).await.is_err()
    {
        errors.push(FieldError::new("department_id", "所选科室不存在"));
    }
    let doctor = match d.doctor_id.or(l.doctor_id) {
        Some(doc) => match hops_master::service::doctor(access, DoctorId(doc)).await {
            Ok(row) => Some((doc, row.name)),
            Err(_) => {
                errors.push(FieldError::new("doctor_id", "所选医生不存在"));
                None
            }
        },
        None => None,
    };
    let mut tx = access.tenant().write().await?;
    let causes = ensure_causes(&mut tx).await?;
    let cause = match d.cause_code.trim() {
        "" => l.review_reason.and_then(|r| causes.iter().find(|c| c.active && c.review_reason == r)).map(|c| c.code.clone()),
        code => match causes.iter().find(|c| c.code == code && c.active) {
            Some(c) => Some(c.code.clone()),
            None => {
                errors.push(FieldError::new("cause_code", "请选择有效的原因分类"));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    let now = access.now();
    let seq = store::count_on_day(&mut tx, received.local_day()).await? + 1;
    let number = model::number(received.local_day(), seq);
    let source = match origin {
        Origin::Direct => Source::Direct,
        Origin::Ticket(_) => Source::Ticket,
        Origin::Review(_) => Source::Review,
        Origin::Followup(_) => Source::Followup,
    };
    let id = tx.next_id(access.engine()).await?;
    let sealed = phone.map(|p| access.seal(PHONE, id, p.as_str(), p.masked()));
    let actor = access.actor().user_id.map(|u| u.0);
    let new = NewComplaint {
        number: &number,
        source,
        ticket_id: l.ticket_id,
        followup_task_id: l.task_id,
        review_ref: &l.review_ref,
        patient_id: l.patient_id,
        complainant: d.complainant.trim(),
        phone: sealed.as_ref(),
        subject: d.subject.trim(),
        description: d.description.trim(),
        department_id: department,
        doctor,
        cause_code: cause.as_deref(),
        received_at: received,
        created_by: actor,
    };
    store::insert(&mut tx, id, &new, now).await?;
    model::FLOW.created(access, &mut tx, id, Status::Registered, Action::Register, source.label_zh()).await?;
    let detail = format!("{number} {}：{}", source.label_zh(), d.subject.trim());
    access.audit(&mut tx, "desk.complaint.create", &format!("desk_complaint:{id}"), &detail).await?;
    let row = store::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("投诉"))?;
    tx.commit().await?;
    Ok(row)
}

// ---- reading ----

pub async fn list(access: &Access, f: &Filter, paging: Paging) -> Result<(Vec<ComplaintRow>, i64)> {
    access.require(Permission::DeskWork)?;
    let mut c = access.tenant().read().await?;
    Ok(store::list(&mut c, f, paging.offset(), paging.per_page).await?)
}

/// Complaints waiting for the signed-in user's step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Waiting {
    /// 已登记: to investigate (name the responsible department).
    pub registered: i64,
    /// 调查中: to record the findings and the rectification.
    pub investigating: i64,
    /// 整改中: to reply to the complainant.
    pub rectifying: i64,
    /// 已回复, for a reviewer (`DeskManage`) who did not record the rectification: to review.
    pub to_review: i64,
}

impl Waiting {
    /// Not yet replied to (the list's filter 待处理).
    pub fn open(&self) -> i64 {
        self.registered + self.investigating + self.rectifying
    }
}

/// What waits for the signed-in user among the complaints; `None` for those who do not work the desk.
pub async fn waiting(access: &Access) -> Result<Option<Waiting>> {
    if !access.can(Permission::DeskWork) {
        return Ok(None);
    }
    let mut c = access.tenant().read().await?;
    let [registered, investigating, rectifying, replied] = store::waiting(&mut c, access.actor().user_id.map_or(-1, |u| u.0)).await?;
    let to_review = if access.can(Permission::DeskManage) { replied } else { 0 };
    Ok(Some(Waiting { registered, investigating, rectifying, to_review }))
}

/// One step of a complaint's history (from the status history).
#[derive(Clone, Debug)]
pub struct EventRow {
    pub at: hops_kernel::Instant,
    pub actor_name: String,
    pub action: String,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub note: String,
}

pub struct Detail {
    pub complaint: ComplaintRow,
    /// The status history as the API has always shown it.
    pub events: Vec<EventRow>,
    /// The status history as stored (for the timeline).
    pub history: Vec<HistoryRow>,
    pub department_name: String,
}

pub async fn get(access: &Access, id: i64) -> Result<Detail> {
    access.require(Permission::DeskWork)?;
    let (complaint, history) = {
        let mut c = access.tenant().read().await?;
        let complaint = store::get(&mut c, id).await?.ok_or_else(|| Error::not_found("投诉"))?;
        (complaint, flow::service::history(&mut c, model::FLOW.subject(id)).await?)
    };
    let events = history
        .iter()
        .filter_map(|h| {
            Some(EventRow {
                at: h.at,
                actor_name: h.actor_name.clone(),
                action: h.action.clone(),
                from_status: h.from.as_deref().and_then(Status::from_code),
                to_status: Status::from_code(&h.to)?,
                note: h.note.clone(),
            })
        })
        .collect();
    let department_name = match complaint.department_id {
        Some(d) => hops_master::service::department(access, DepartmentId(d)).await.map(|r| r.name).unwrap_or_default(),
        None => String::new(),
    };
    Ok(Detail { complaint, events, history, department_name })
}

/// The complainant's number in clear. Needs `PersonalUnmask`; audited.
pub async fn reveal_phone(access: &Access, id: i64) -> Result<String> {
    access.require(Permission::DeskWork)?;
    access.require(Permission::PersonalUnmask)?;
    let enc = {
        let mut c = access.tenant().read().await?;
        store::get(&mut c, id).await?.ok_or_else(|| Error::not_found("投诉"))?;
        store::phone_enc(&mut c, id).await?
    };
    let Some(enc) = enc else { return Err(Error::conflict("no_phone", "该投诉没有登记手机号")) };
    let phone = access.reveal(PHONE, id, &enc)?;
    access.audit_read("desk.complaint.reveal", &format!("desk_complaint:{id}"), "查看投诉人完整手机号").await?;
    Ok(phone)
}

// ---- steps ----

/// What a step records (the fields it does not use are ignored).
#[derive(Clone, Debug, Default)]
pub struct StepInput {
    pub department_id: Option<i64>,
    pub investigation: String,
    pub cause_code: String,
    pub verdict: String,
    pub rectification: String,
    pub reply: String,
    pub reply_channel: String,
    /// Review: pass (close) or send back to rectification.
    pub approve: bool,
    pub note: String,
}

/// Moves a complaint one step: `investigate` (responsible department), `rectify` (findings,
/// cause, verdict, measures), `reply` (what the patient was told, how), `review` (approve to
/// close, or send back to 整改中). Bad input or a wrong status changes nothing.
pub async fn step(access: &Access, id: i64, step: &str, s: &StepInput) -> Result<ComplaintRow> {
    access.require(Permission::DeskWork)?;
    let (from, to) = model::step_statuses(step).ok_or_else(|| Error::not_found("操作"))?;
    if step == "review" {
        access.require(Permission::DeskManage)?;
    }
    let current = get(access, id).await?.complaint;
    if current.status != from {
        return Err(Error::conflict(
            "invalid_status",
            format!("投诉当前为“{}”，此操作需要“{}”状态", current.status.label_zh(), from.label_zh()),
        ));
    }
    let mut errors = Vec::new();
    let mut tx = access.tenant().write().await?;
    let causes = ensure_causes(&mut tx).await?;
    let (write, note, to) = match step {
        "investigate" => {
            let dept = match s.department_id {
                Some(d) if hops_master::service::department(access, DepartmentId(d)).await.is_ok() => d,
                Some(_) => {
                    errors.push(FieldError::new("department_id", "所选科室不存在"));
                    0
                }
                None => {
                    errors.push(FieldError::new("department_id", "请选择责任科室"));
                    0
                }
            };
            (StepWrite::Investigate { department_id: dept }, s.note.trim().to_string(), to)
        }
        "rectify" => {
            model::check_text(&mut errors, "investigation", "调查结果", &s.investigation);
            let verdict = Verdict::from_code(&s.verdict);
            if verdict.is_none() {
                errors.push(FieldError::new("verdict", "请选择调查结论：属实、部分属实或不属实"));
            }
            if !causes.iter().any(|c| c.code == s.cause_code.trim() && c.active) {
                errors.push(FieldError::new("cause_code", "请选择原因分类"));
            }
            if verdict != Some(Verdict::Unfounded) || !s.rectification.trim().is_empty() {
                model::check_text(&mut errors, "rectification", "整改措施", &s.rectification);
            }
            let w = StepWrite::Rectify {
                investigation: s.investigation.trim(),
                cause_code: s.cause_code.trim(),
                verdict: verdict.unwrap_or(Verdict::Founded),
                rectification: s.rectification.trim(),
                by: access.actor().user_id.map(|u| u.0),
            };
            (w, verdict.map(|v| v.label_zh().to_string()).unwrap_or_default(), to)
        }
        "reply" => {
            model::check_text(&mut errors, "reply", "回复患者的内容", &s.reply);
            if !REPLY_CHANNELS.iter().any(|(c, _)| *c == s.reply_channel.trim()) {
                errors.push(FieldError::new("reply_channel", "请选择回复方式"));
            }
            let note = model::reply_channel_label(s.reply_channel.trim()).to_string();
            (StepWrite::Reply { reply: s.reply.trim(), channel: s.reply_channel.trim() }, note, to)
        }
        _ => {
            model::check_text(&mut errors, "note", "复核意见", &s.note);
            let me = access.actor().user_id.map(|u| u.0);
            if s.approve && me.is_some() && me == current.rectified_by {
                errors.push(FieldError::new("note", "复核须由登记整改措施以外的人完成"));
            }
            let to = if s.approve { Status::Closed } else { Status::Rectifying };
            (StepWrite::Review { note: s.note.trim(), to }, s.note.trim().to_string(), to)
        }
    };
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    if !store::apply_step(&mut tx, id, from, &write, access.now()).await? {
        return Err(Error::conflict("invalid_status", "投诉状态已变化，请刷新后重试"));
    }
    let action = match Action::parse(step) {
        Some(Action::Review) if !s.approve => Action::ReviewReject,
        Some(a) => a,
        None => return Err(Error::not_found("操作")),
    };
    model::FLOW.record(access, &mut tx, id, from, action, &note).await?;
    let action = action.code();
    let detail = format!("{}：{} → {}", current.number, from.label_zh(), to.label_zh());
    access.audit(&mut tx, &format!("desk.complaint.{action}"), &format!("desk_complaint:{id}"), &detail).await?;
    let row = store::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("投诉"))?;
    tx.commit().await?;
    Ok(row)
}

// ---- trend and export ----

/// Complaints per cause and month for the months of `from`–`to` (China time).
pub async fn trend(access: &Access, from: LocalDay, to: LocalDay) -> Result<Trend> {
    access.require(Permission::DeskWork)?;
    let months = model::months(from, to);
    let (start, end) = match (months.first(), months.last()) {
        (Some(a), Some(b)) => (a.start, b.end_exclusive),
        _ => return Err(Error::invalid_field("to", "结束月份不能早于开始月份")),
    };
    if months.len() > 24 {
        return Err(Error::invalid_field("to", "趋势最多显示 24 个月"));
    }
    let causes = causes(access).await?;
    let mut c = access.tenant().read().await?;
    let rows = store::received_between(&mut c, start, end).await?;
    Ok(model::trend(&months, &causes, &rows))
}

/// The trend of the 12 months up to `today`'s.
pub fn last_twelve_months(today: LocalDay) -> (LocalDay, LocalDay) {
    let this = hops_kernel::PeriodRange::containing(hops_kernel::Period::Month, today);
    let mut first = this;
    for _ in 0..11 {
        first = first.previous();
    }
    (first.start, this.last_day())
}

pub const EXPORT_HEADERS: [&str; 16] = [
    "投诉编号",
    "登记时间",
    "来源",
    "投诉人",
    "联系电话",
    "事由",
    "投诉内容",
    "责任科室",
    "涉及医生",
    "原因分类",
    "调查结论",
    "调查结果",
    "整改措施",
    "回复患者",
    "状态",
    "结案时间",
];

/// The complaints matching `f` (phones masked) and the trend of their months as a workbook.
/// Needs `DataExport`; audited.
pub async fn export(access: &Access, f: &Filter, trend_from: LocalDay, trend_to: LocalDay) -> Result<Vec<u8>> {
    access.require(Permission::DeskWork)?;
    access.require(Permission::DataExport)?;
    let (rows, _) = list(access, f, Paging { page: 1, per_page: 100_000 }).await?;
    let departments: std::collections::HashMap<i64, String> =
        hops_master::service::department_choices(access).await?.into_iter().map(|(_, id, name)| (id.0, name)).collect();
    let list = Table {
        headers: EXPORT_HEADERS.iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.number.clone(),
                    r.received_at.format_minute(),
                    r.source.label_zh().into(),
                    r.complainant.clone(),
                    r.phone_masked.clone(),
                    r.subject.clone(),
                    r.description.clone(),
                    r.department_id.and_then(|d| departments.get(&d).cloned()).unwrap_or_default(),
                    r.doctor_name.clone(),
                    r.cause_name.clone(),
                    r.verdict.map(|v| v.label_zh().to_string()).unwrap_or_default(),
                    r.investigation.clone(),
                    r.rectification.clone(),
                    r.reply.clone(),
                    r.status.label_zh().into(),
                    r.closed_at.map(Instant::format_minute).unwrap_or_default(),
                ]
            })
            .collect(),
    };
    let t = trend(access, trend_from, trend_to).await?;
    let mut headers = vec!["原因分类".to_string()];
    headers.extend(t.months.iter().cloned());
    headers.push("合计".into());
    let mut trend_rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|(name, v)| {
            let mut row = vec![name.clone()];
            row.extend(v.iter().map(|x| x.to_string()));
            row.push(v.iter().sum::<i64>().to_string());
            row
        })
        .collect();
    let mut total = vec!["合计".to_string()];
    total.extend(t.totals.iter().map(|x| x.to_string()));
    total.push(t.totals.iter().sum::<i64>().to_string());
    trend_rows.push(total);
    let bytes = tabular::write_workbook(&[("投诉明细", list), ("原因月度趋势", Table { headers, rows: trend_rows })])?;
    access.audit_read("export", "desk_complaints", &format!("导出投诉 {} 条及原因趋势", rows.len())).await?;
    Ok(bytes)
}
