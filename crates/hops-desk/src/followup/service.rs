//! Use cases of follow-up configuration: questionnaires, plans, key patients (marked one by one
//! or imported), and generating call tasks from the plans' audiences — completed consultations
//! and completed checkups (read through the interfaces of `hops_contracts`, provided by the
//! analytics and checkup modules) and
//! key patients — once per plan and event, by hand or every morning (the schedule
//! [`FollowupDaily`]). Calls, results and exports are in [`super::calls`].

use std::collections::HashMap;

use hops_contracts::activity::Consultations;
use hops_contracts::checkup::Bookings;
use hops_kernel::{DepartmentId, DoctorId, Instant, LocalDay, PatientId, PersonId};
use hops_platform::core::Tx;
use hops_platform::jobs::{BoxFuture, Every, Job, JobRun, Tick};
use hops_platform::tabular::{self, Column, ImportReport, RowError, Table};
use hops_platform::web::Paging;
use hops_platform::{Access, Error, FieldError, Permission, Result};

use super::model::{self, Audience, Plan, PlanDraft};
/// How call tasks are filtered.
pub use super::store::TaskFilter;
use super::store::{self, KeyPatientRow, NewTask, PlanRow};

/// How far back generation looks for events whose follow-up is due: an event whose call fell
/// due more than this many days ago is not called any more.
pub const LOOKBACK_DAYS: i32 = 14;

/// Calls fall due at 09:00 China time.
const CALL_HOUR_SECONDS: i64 = 9 * 3600;

/// The daily job that generates every active plan's call tasks ([`FollowupDaily`]).
pub const DAILY_JOB: &str = "desk.followup_daily";
/// It runs at 07:00 China time, so the morning's calls are in the agents' queue before 09:00.
pub const DAILY_AT: Every = Every::Day { hour: 7, minute: 0 };

// ---- questionnaires (kept in the forms engine: see [`super::surveys`]) ----

pub use super::surveys::{QuestionnaireDraft, QuestionnaireRow, Questions, questionnaire, questionnaires, save_questionnaire};

// ---- plans ----

pub async fn plans(access: &Access) -> Result<Vec<PlanRow>> {
    access.require(Permission::FollowupWork)?;
    let mut c = access.tenant().read().await?;
    Ok(store::plans(&mut c).await?)
}

pub async fn plan(access: &Access, id: i64) -> Result<PlanRow> {
    access.require(Permission::FollowupWork)?;
    let mut c = access.tenant().read().await?;
    store::plan(&mut c, id).await?.ok_or_else(|| Error::not_found("回访计划"))
}

/// Creates (`id` None) or updates a plan; every problem at once, nothing saved on any.
pub async fn save_plan(access: &Access, id: Option<i64>, d: &PlanDraft) -> Result<i64> {
    access.require(Permission::DeskManage)?;
    let (plan, mut errors) = match model::check_plan(d) {
        Ok(p) => (Some(p), Vec::new()),
        Err(e) => (None, e),
    };
    if let Some(dept) = d.department_id.filter(|_| Audience::from_code(&d.audience) == Some(Audience::Consultation))
        && hops_master::service::department(access, DepartmentId(dept)).await.is_err()
    {
        errors.push(FieldError::new("department_id", "所选科室不存在"));
    }
    let mut tx = access.tenant().write().await?;
    if let Some(id) = id
        && store::plan(&mut tx, id).await?.is_none()
    {
        return Err(Error::not_found("回访计划"));
    }
    if let Some(q) = d.questionnaire_id {
        match super::surveys::questionnaire_in(&mut tx, q).await? {
            Some(row) if row.active => {}
            Some(_) => errors.push(FieldError::new("questionnaire_id", "所选问卷已停用")),
            None => errors.push(FieldError::new("questionnaire_id", "所选问卷不存在")),
        }
    }
    let name = d.name.trim();
    if !name.is_empty()
        && let Some(other) = store::plan_named(&mut tx, name).await?
        && Some(other) != id
    {
        errors.push(FieldError::new("name", format!("已有名为「{name}」的回访计划")));
    }
    let plan = match plan {
        Some(p) if errors.is_empty() => p,
        _ => return Err(Error::invalid(errors)),
    };
    let id = match id {
        Some(id) => id,
        None => tx.next_id(access.engine()).await?,
    };
    store::save_plan(&mut tx, id, &plan, access.now()).await?;
    let detail = format!(
        "{}：{}，{} 天后，最多 {} 次{}",
        plan.name,
        plan.audience.label_zh(),
        plan.delay_days,
        plan.retry.max_attempts,
        if plan.active { "" } else { "（停用）" }
    );
    access.audit(&mut tx, "desk.followup.plan.save", &format!("desk_followup_plan:{id}"), &detail).await?;
    tx.commit().await?;
    Ok(id)
}

// ---- key patients ----

/// A key patient with their name and masked phone from master data.
pub struct KeyPatientView {
    pub row: KeyPatientRow,
    pub external_id: String,
    pub name: String,
    pub phone_masked: String,
}

pub async fn key_patients(access: &Access, paging: Paging) -> Result<(Vec<KeyPatientView>, i64)> {
    access.require(Permission::DeskWork)?;
    let (rows, total) = {
        let mut c = access.tenant().read().await?;
        store::key_patients(&mut c, paging.offset(), paging.per_page).await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let p = hops_master::service::patient(access, PatientId(row.patient_id)).await?;
        out.push(KeyPatientView { row, external_id: p.external_id.unwrap_or_default(), name: p.name, phone_masked: p.phone_masked });
    }
    Ok((out, total))
}

fn check_reason(reason: &str) -> std::result::Result<String, String> {
    let r = reason.trim();
    if r.chars().count() > 100 { Err("标记原因不能超过 100 个字".into()) } else { Ok(r.to_string()) }
}

/// Marks a master-data patient (by id) as a key patient; marking again updates the reason.
pub async fn mark_key_patient(access: &Access, patient: PatientId, reason: &str) -> Result<()> {
    access.require(Permission::DeskManage)?;
    let p = hops_master::service::patient(access, patient).await?;
    let reason = check_reason(reason).map_err(|e| Error::invalid_field("reason", e))?;
    let mut tx = access.tenant().write().await?;
    store::mark_key(&mut tx, patient.0, &reason, access.actor().user_id.map(|u| u.0), access.now()).await?;
    access.audit(&mut tx, "desk.followup.key.mark", &format!("patient:{patient}"), &format!("{} {reason}", p.name)).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks the patient with this 患者编号 (external id).
pub async fn mark_key_patient_by_number(access: &Access, external_id: &str, reason: &str) -> Result<PatientId> {
    access.require(Permission::DeskManage)?;
    let number = external_id.trim();
    let found = hops_master::service::patient_ids(access, &[number]).await?;
    let mut errors = Vec::new();
    let id = found.get(number).copied();
    if id.is_none() {
        errors.push(FieldError::new(
            "external_id",
            if number.is_empty() { "请填写患者编号".to_string() } else { format!("没有患者编号为「{number}」的患者") },
        ));
    }
    if let Err(e) = check_reason(reason) {
        errors.push(FieldError::new("reason", e));
    }
    match id {
        Some(id) if errors.is_empty() => {
            mark_key_patient(access, id, reason).await?;
            Ok(id)
        }
        _ => Err(Error::invalid(errors)),
    }
}

pub async fn unmark_key_patient(access: &Access, patient: PatientId) -> Result<()> {
    access.require(Permission::DeskManage)?;
    let mut tx = access.tenant().write().await?;
    if !store::unmark_key(&mut tx, patient.0).await? {
        return Err(Error::not_found("重点患者"));
    }
    access.audit(&mut tx, "desk.followup.key.unmark", &format!("patient:{patient}"), "取消重点患者").await?;
    tx.commit().await?;
    Ok(())
}

/// Columns of the key-patient import.
pub const KEY_COLUMNS: &[Column] = &[
    Column { key: "external_id", label: "患者编号", required: true, note: "主数据中的患者编号", example: "P000001" },
    Column { key: "reason", label: "标记原因", required: false, note: "不超过 100 个字", example: "慢病随访" },
];

/// Marks every patient of an uploaded list, all or nothing: any unknown number or bad cell
/// rejects the file, and nothing is marked.
pub async fn import_key_patients(access: &Access, table: &Table) -> Result<ImportReport> {
    access.require(Permission::DeskManage)?;
    let mut report = ImportReport { total: table.rows.len(), ..Default::default() };
    let cols = match table.locate(KEY_COLUMNS) {
        Ok(c) => c,
        Err(e) => {
            report.rejected = e;
            return Ok(report);
        }
    };
    let numbers: Vec<&str> = table.rows.iter().map(|r| tabular::cell(r, cols[0]).trim()).collect();
    let found = hops_master::service::patient_ids(access, &numbers).await?;
    let mut good = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        let n = numbers[i];
        let line = i + 2;
        match found.get(n) {
            Some(id) => match check_reason(tabular::cell(row, cols[1])) {
                Ok(reason) => good.push((*id, reason)),
                Err(m) => report.rejected.push(RowError { row: line, column: "标记原因".into(), message: m }),
            },
            None if n.is_empty() => {
                report.rejected.push(RowError { row: line, column: "患者编号".into(), message: "缺少患者编号".into() })
            }
            None => {
                report.rejected.push(RowError {
                    row: line, column: "患者编号".into(), message: format!("没有患者编号为「{n}」的患者")
                })
            }
        }
    }
    if !report.rejected.is_empty() || good.is_empty() {
        return Ok(report);
    }
    let mut tx = access.tenant().write().await?;
    let now = access.now();
    for (id, reason) in &good {
        let existed = store::key_patient(&mut tx, id.0).await?.is_some();
        store::mark_key(&mut tx, id.0, reason, access.actor().user_id.map(|u| u.0), now).await?;
        report.count(!existed);
    }
    let detail = format!("导入重点患者 {} 人（新增 {}）", good.len(), report.inserted);
    access.audit(&mut tx, "desk.followup.key.import", "desk_key_patients", &detail).await?;
    tx.commit().await?;
    report.committed = true;
    Ok(report)
}

// ---- generating tasks ----

/// What generation did for one plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Generated {
    /// New call tasks.
    pub created: usize,
    /// Events that already had their task.
    pub existing: usize,
    /// People who asked not to be called again.
    pub opted_out: usize,
}

impl Generated {
    fn add(&mut self, g: Generated) {
        self.created += g.created;
        self.existing += g.existing;
        self.opted_out += g.opted_out;
    }
}

fn at_call_hour(day: LocalDay) -> Instant {
    day.start().plus_seconds(CALL_HOUR_SECONDS)
}

/// A candidate task before the transaction: everything but the ids.
struct Candidate {
    key: String,
    source_ref: String,
    subject: String,
    patient_id: Option<i64>,
    booking_id: Option<i64>,
    name: String,
    phone_masked: String,
    doctor: Option<(i64, String)>,
    department: Option<(i64, String)>,
    event_at: Instant,
    due_at: Instant,
}

/// Names and masked phones of master-data patients, looked up once each.
#[derive(Default)]
/// Patients as a task shows them — name, masked phone — and the person they are, read once each.
struct People(HashMap<i64, (String, String, PersonId)>);

impl People {
    async fn get(&mut self, access: &Access, id: PatientId) -> Result<(String, String, PersonId)> {
        if let Some(p) = self.0.get(&id.0) {
            return Ok(p.clone());
        }
        let p = hops_master::service::patient(access, id).await?;
        self.0.insert(id.0, (p.name.clone(), p.phone_masked.clone(), p.person_id));
        Ok((p.name, p.phone_masked, p.person_id))
    }
}

async fn consultation_candidates(access: &Access, plan: &Plan, now: Instant) -> Result<Vec<Candidate>> {
    let delay = i64::from(plan.delay_days) * 86_400;
    let to = now.plus_seconds(-delay);
    let from = to.plus_seconds(-i64::from(LOOKBACK_DAYS) * 86_400);
    let rows = access.core().service::<dyn Consultations>()?.completed_between(access, from, to).await?;
    let departments: HashMap<i64, String> =
        hops_master::service::department_choices(access).await?.into_iter().map(|(_, id, name)| (id.0, name)).collect();
    let mut doctors: HashMap<i64, String> = HashMap::new();
    let mut people = People::default();
    let mut out = Vec::new();
    for c in rows.into_iter().filter(|c| plan.department_id.is_none_or(|d| d == c.department.0)) {
        let Some(done) = c.completed_at else { continue };
        let (name, phone, person) = people.get(access, c.patient).await?;
        if let std::collections::hash_map::Entry::Vacant(e) = doctors.entry(c.doctor.0) {
            e.insert(hops_master::service::doctor(access, DoctorId(c.doctor.0)).await?.name);
        }
        out.push(Candidate {
            key: model::source_key(Audience::Consultation, c.id, 0),
            source_ref: c.number.clone(),
            subject: model::person_subject(person),
            patient_id: Some(c.patient.0),
            booking_id: None,
            name,
            phone_masked: phone,
            doctor: Some((c.doctor.0, doctors[&c.doctor.0].clone())),
            department: Some((c.department.0, departments.get(&c.department.0).cloned().unwrap_or_default())),
            event_at: done,
            due_at: done.plus_seconds(delay),
        });
    }
    Ok(out)
}

async fn checkup_candidates(access: &Access, plan: &Plan, now: Instant) -> Result<Vec<Candidate>> {
    let bookings = access.core().service::<dyn Bookings>()?;
    let last = now.local_day().plus_days(-plan.delay_days);
    let mut out = Vec::new();
    for back in 0..=LOOKBACK_DAYS {
        let day = last.plus_days(-back);
        let mut page = 1;
        loop {
            let paging = Paging { page, per_page: 500 };
            let (rows, total) = bookings.completed_on(access, day, paging).await?;
            for b in rows {
                out.push(Candidate {
                    key: model::source_key(Audience::Checkup, b.booking, 0),
                    source_ref: b.number.clone(),
                    subject: model::person_subject(b.person),
                    patient_id: None,
                    booking_id: Some(b.booking),
                    name: b.name,
                    phone_masked: b.phone_masked,
                    doctor: None,
                    department: None,
                    event_at: at_call_hour(day),
                    due_at: at_call_hour(day.plus_days(plan.delay_days)),
                });
            }
            if page * paging.per_page >= total {
                break;
            }
            page += 1;
        }
    }
    Ok(out)
}

async fn key_candidates(access: &Access, plan: &Plan, now: Instant) -> Result<Vec<Candidate>> {
    let today = now.local_day();
    let mut people = People::default();
    let mut out = Vec::new();
    let mut page = 1;
    loop {
        let paging = Paging { page, per_page: 1000 };
        let (rows, total) = {
            let mut c = access.tenant().read().await?;
            store::key_patients(&mut c, paging.offset(), paging.per_page).await?
        };
        for k in &rows {
            let Some((cycle, day)) = model::key_cycle_due(k.marked_at.local_day(), plan.delay_days, plan.repeat_days, today) else {
                continue;
            };
            // Only cycles that fell due within the look-back window are called.
            if today.days_since(day) > LOOKBACK_DAYS {
                continue;
            }
            let (name, phone, person) = people.get(access, PatientId(k.patient_id)).await?;
            out.push(Candidate {
                key: model::source_key(Audience::KeyPatient, k.patient_id, cycle),
                source_ref: if k.reason.is_empty() { "重点患者".into() } else { k.reason.clone() },
                subject: model::person_subject(person),
                patient_id: Some(k.patient_id),
                booking_id: None,
                name,
                phone_masked: phone,
                doctor: None,
                department: None,
                event_at: k.marked_at,
                due_at: at_call_hour(day),
            });
        }
        if page * paging.per_page >= total {
            break;
        }
        page += 1;
    }
    Ok(out)
}

/// Creates the call tasks of one plan for every event whose follow-up fell due in the last
/// [`LOOKBACK_DAYS`] days (up to now). Idempotent: an event that has its task gets no other,
/// and people who asked not to be called again are skipped.
pub async fn generate(access: &Access, plan_id: i64) -> Result<Generated> {
    access.require(Permission::DeskManage)?;
    let row = plan(access, plan_id).await?;
    if !row.plan.active {
        return Err(Error::conflict("plan_inactive", format!("回访计划「{}」已停用，启用后才能生成任务", row.plan.name)));
    }
    let candidates = candidates(access, &row.plan).await?;
    let mut tx = access.tenant().write().await?;
    let done = insert_candidates(access, &mut tx, &row, &candidates).await?;
    tx.commit().await?;
    Ok(done)
}

/// The events of a plan's audience whose follow-up fell due in the look-back window.
async fn candidates(access: &Access, p: &Plan) -> Result<Vec<Candidate>> {
    let now = access.now();
    match p.audience {
        Audience::Consultation => consultation_candidates(access, p, now).await,
        Audience::Checkup => checkup_candidates(access, p, now).await,
        Audience::KeyPatient => key_candidates(access, p, now).await,
        Audience::CarePlan => Err(Error::conflict("not_available", "全病程管理（护理计划）尚未上线，不能生成回访任务")),
    }
}

/// Creates the tasks of `candidates` that do not exist yet, skipping people who asked not to
/// be called again; audited.
async fn insert_candidates(access: &Access, tx: &mut Tx, row: &PlanRow, candidates: &[Candidate]) -> Result<Generated> {
    let (plan_id, p, now) = (row.id, &row.plan, access.now());
    let mut done = Generated::default();
    let ids = tx.next_ids(access.engine(), candidates.len()).await?;
    let mut skipped: HashMap<String, bool> = HashMap::new();
    for (c, id) in candidates.iter().zip(ids) {
        let out = match skipped.get(&c.subject) {
            Some(v) => *v,
            None => {
                let v = store::opted_out(tx, &c.subject).await?;
                skipped.insert(c.subject.clone(), v);
                v
            }
        };
        if out {
            done.opted_out += 1;
            continue;
        }
        let task = NewTask {
            plan_id,
            source_kind: p.audience,
            source_key: c.key.clone(),
            source_ref: c.source_ref.clone(),
            subject: c.subject.clone(),
            patient_id: c.patient_id,
            booking_id: c.booking_id,
            patient_name: &c.name,
            phone_masked: &c.phone_masked,
            doctor: c.doctor.clone(),
            department: c.department.clone(),
            event_at: c.event_at,
            due_at: c.due_at,
            questionnaire_id: p.questionnaire_id,
        };
        if store::insert_task(tx, id, &task, now).await? {
            done.created += 1;
        } else {
            done.existing += 1;
        }
    }
    store::set_generated_until(tx, plan_id, now).await?;
    let detail = format!("{}：新建 {} 个任务，已有 {}，不再回访 {}", p.name, done.created, done.existing, done.opted_out);
    access.audit(tx, "desk.followup.generate", &format!("desk_followup_plan:{plan_id}"), &detail).await?;
    Ok(done)
}

/// Every morning ([`DAILY_AT`]): generates the call tasks of every active plan that can run
/// ([`generate_all`]), all in the job's one transaction. Idempotent: an event that has its task
/// gets no other.
pub struct FollowupDaily;

impl Job for FollowupDaily {
    const KIND: &'static str = DAILY_JOB;
    const LABEL: &'static str = "生成回访任务";
    type Payload = Tick;
    fn run<'a>(&'a self, job: &'a mut JobRun, _: Tick) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let mut work = Vec::new();
            for row in plans(&job.access).await?.into_iter().filter(|r| r.plan.active && r.plan.audience.available()) {
                let c = candidates(&job.access, &row.plan).await?;
                work.push((row, c));
            }
            if work.is_empty() {
                return Ok(());
            }
            let (access, tx) = job.tx().await?;
            let mut total = Generated::default();
            for (row, c) in &work {
                total.add(insert_candidates(access, tx, row, c).await?);
            }
            tracing::info!(created = total.created, existing = total.existing, opted_out = total.opted_out, "follow-up tasks generated");
            Ok(())
        })
    }
}

/// [`generate`] for every active plan that can run; the totals.
pub async fn generate_all(access: &Access) -> Result<Generated> {
    access.require(Permission::DeskManage)?;
    let mut total = Generated::default();
    for row in plans(access).await?.into_iter().filter(|r| r.plan.active && r.plan.audience.available()) {
        total.add(generate(access, row.id).await?);
    }
    Ok(total)
}
