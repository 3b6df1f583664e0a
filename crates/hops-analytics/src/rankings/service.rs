//! Use cases of the leaderboards: the live ranking of a month, the hospital's method, monthly
//! publication (the inputs are frozen, so a published ranking never changes afterwards), the
//! public page and its feedback.
//!
//! Who may do what (the platform's permission table has no ranking-specific entries):
//! reading rankings and feedback needs `AnalyticsRead`; the method (weights, prior, minimum
//! sample) is hospital policy about how its doctors are judged in public, so it needs
//! `UserManage` (hospital administrators); publishing a month and handling feedback are the
//! operations team's monthly work on activity data, so they need `ActivityIngest` (运营专员 and
//! administrators, not finance or auditors); a feedback giver's contact in clear needs
//! `PersonalUnmask` and is audited.

use std::collections::HashMap;
use std::sync::Arc;

use hops_kernel::{Instant, PeriodRange};
use hops_master::service::DoctorFilter;
use hops_platform::accounts::service as accounts;
use hops_platform::accounts::service::HospitalRow;
use hops_platform::crypto::Field;
use hops_platform::web::Paging;
use hops_platform::{Access, Core, Error, Permission, Result};

use super::model::{self, Board, FeedbackDraft, RankKind, Settings, SettingsDraft, Subject};
use super::store::{self, FeedbackRow, NewFeedback};

pub const READ: Permission = Permission::AnalyticsRead;
pub const CONFIGURE: Permission = Permission::AnalyticsConfigure;
pub const PUBLISH: Permission = Permission::AnalyticsPublish;
pub const HANDLE_FEEDBACK: Permission = Permission::AnalyticsPublish;
/// The contact a feedback giver left: encrypted for the feedback's row, shown masked.
pub const CONTACT: Field = Field::new("ranking_feedback", "contact_enc", "ranking_feedback.contact");

// ---- method ----

/// The hospital's method and when it was last changed (`None`: the defaults).
pub struct Method {
    pub settings: Settings,
    pub updated: Option<(Instant, String)>,
}

async fn load_method(access: &Access) -> Result<Method> {
    let mut c = access.tenant().read().await?;
    Ok(match store::settings(&mut c).await? {
        Some(r) => Method { settings: r.settings, updated: Some((r.updated_at, r.updated_by)) },
        None => Method { settings: Settings::default(), updated: None },
    })
}

pub async fn method(access: &Access) -> Result<Method> {
    access.require(READ)?;
    load_method(access).await
}

fn describe(s: &Settings) -> String {
    let w = &s.weights;
    format!(
        "权重 问诊量 {} / 满意度 {} / 首次响应 {} / 复诊率 {}；先验权重 m = {}；最低样本量 {}",
        model::decimal(w.volume),
        model::decimal(w.satisfaction),
        model::decimal(w.reply),
        model::decimal(w.revisit),
        s.prior_weight,
        s.min_sample
    )
}

/// Saves the method; invalid input changes nothing and names every problem.
pub async fn save_method(access: &Access, draft: &SettingsDraft) -> Result<Settings> {
    access.require(CONFIGURE)?;
    let s = model::settings(draft).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    store::save_settings(&mut tx, &s, access.now(), &access.actor().display_name).await?;
    access.audit(&mut tx, "rankings.settings", "ranking_settings", &describe(&s)).await?;
    tx.commit().await?;
    Ok(s)
}

// ---- live rankings ----

/// Every doctor of the hospital by id (through the master module's API).
async fn doctors(access: &Access) -> Result<HashMap<i64, hops_master::service::DoctorRow>> {
    let filter = DoctorFilter { q: "", department: None, title: "" };
    let mut out = HashMap::new();
    for page in 1.. {
        let (rows, total) = hops_master::service::list_doctors(access, &filter, Paging::new(Some(page), 500)).await?;
        let empty = rows.is_empty();
        out.extend(rows.into_iter().map(|d| (d.id.0, d)));
        if empty || out.len() as i64 >= total {
            break;
        }
    }
    Ok(out)
}

/// The subjects of a month as the data stands now, named from master data.
async fn live_subjects(access: &Access, month: PeriodRange, kind: RankKind) -> Result<Vec<Subject>> {
    let sums = {
        let mut c = access.tenant().read().await?;
        store::sums_by(&mut c, kind, month.start, month.end_exclusive).await?
    };
    if sums.is_empty() {
        return Ok(Vec::new());
    }
    let unknown = || ("?".to_string(), "（未知）".to_string());
    Ok(match kind {
        RankKind::Doctor => {
            let doctors = doctors(access).await?;
            sums.into_iter()
                .map(|(id, sums)| match doctors.get(&id) {
                    Some(d) => Subject {
                        id,
                        code: d.code.clone(),
                        name: d.name.clone(),
                        department: d.department_name.clone(),
                        title: d.title.clone(),
                        sums,
                    },
                    None => {
                        let (code, name) = unknown();
                        Subject { id, code, name, department: String::new(), title: String::new(), sums }
                    }
                })
                .collect()
        }
        RankKind::Department => {
            let names: HashMap<i64, (String, String)> =
                hops_master::service::department_choices(access).await?.into_iter().map(|(code, id, name)| (id.0, (code, name))).collect();
            sums.into_iter()
                .map(|(id, sums)| {
                    let (code, name) = names.get(&id).cloned().unwrap_or_else(unknown);
                    Subject { id, code, name, department: String::new(), title: String::new(), sums }
                })
                .collect()
        }
    })
}

/// A publication: when and by whom.
#[derive(Clone, Debug)]
pub struct Published {
    pub month: PeriodRange,
    pub at: Instant,
    pub by: String,
}

fn published(p: &store::PublicationRow) -> Published {
    Published { month: model::month_of(p.month), at: p.published_at, by: p.published_by.clone() }
}

/// A month's ranking of one kind, computed now with the hospital's current method.
pub struct Ranking {
    pub month: PeriodRange,
    pub kind: RankKind,
    pub board: Board,
    pub published: Option<Published>,
}

pub async fn ranking(access: &Access, month: PeriodRange, kind: RankKind) -> Result<Ranking> {
    access.require(READ)?;
    let method = load_method(access).await?;
    let subjects = live_subjects(access, month, kind).await?;
    let publication = {
        let mut c = access.tenant().read().await?;
        store::publication(&mut c, month.start).await?
    };
    Ok(Ranking { month, kind, board: model::board(method.settings, subjects), published: publication.as_ref().map(published) })
}

/// Published months, newest first.
pub async fn publications(access: &Access) -> Result<Vec<Published>> {
    access.require(READ)?;
    let mut c = access.tenant().read().await?;
    Ok(store::publications(&mut c).await?.iter().map(published).collect())
}

/// Publishes a finished month: freezes its inputs and the current method, so the public page
/// shows exactly this ranking until the month is published again.
pub async fn publish(access: &Access, month: PeriodRange) -> Result<Published> {
    access.require(PUBLISH)?;
    let label = month.label_zh();
    if !model::has_ended(month, access.now().local_day()) {
        return Err(Error::invalid_field("month", format!("{label}尚未结束，月份结束后才能发布排行榜")));
    }
    let method = load_method(access).await?;
    let doctors = live_subjects(access, month, RankKind::Doctor).await?;
    let departments = live_subjects(access, month, RankKind::Department).await?;
    if doctors.is_empty() {
        return Err(Error::invalid_field("month", format!("{label}没有问诊数据，无法发布排行榜")));
    }
    let ranked = |list: &[Subject]| list.iter().filter(|s| s.sums.completed >= method.settings.min_sample).count();
    let detail = format!(
        "发布{label}排行榜：医生 {} 位参与排名，科室 {} 个参与排名；{}",
        ranked(&doctors),
        ranked(&departments),
        describe(&method.settings)
    );
    let now = access.now();
    let by = access.actor().display_name.clone();
    let mut tx = access.tenant().write().await?;
    let subjects = [(RankKind::Doctor, doctors), (RankKind::Department, departments)];
    store::replace_publication(&mut tx, month.start, &method.settings, now, &by, &subjects).await?;
    access.audit(&mut tx, "rankings.publish", &format!("rankings:{}", model::month_code(month)), &detail).await?;
    tx.commit().await?;
    Ok(Published { month, at: now, by })
}

/// The hospital's code, for the address of its public pages.
pub async fn hospital_code(access: &Access) -> Result<String> {
    Ok(accounts::hospital(access.core(), access.hospital()).await?.map(|h| h.code).unwrap_or_default())
}

// ---- the public page ----
//
// The public has no session. These functions act as an anonymous visitor of the hospital named
// in the address, and do only what the public page needs: read a published month, store feedback.

async fn public_access(core: &Arc<Core>, hospital_code: &str) -> Result<Option<(Access, HospitalRow)>> {
    if !model::plausible_hospital_code(hospital_code) {
        return Ok(None);
    }
    accounts::public_site(core, hospital_code, hops_platform::Visitor::Anonymous).await
}

/// A published month as the public sees it.
pub struct PublicRanking {
    pub hospital_code: String,
    pub hospital_name: String,
    pub month: PeriodRange,
    pub published_at: Instant,
    pub doctors: Board,
    pub departments: Board,
    /// Every published month of the hospital, newest first.
    pub months: Vec<PeriodRange>,
}

/// `None` when the hospital, the month or its publication does not exist.
pub async fn public_ranking(core: &Arc<Core>, hospital_code: &str, month: &str) -> Result<Option<PublicRanking>> {
    let Some(month) = model::parse_month(month) else { return Ok(None) };
    let Some((access, hospital)) = public_access(core, hospital_code).await? else { return Ok(None) };
    let mut c = access.tenant().read().await?;
    let Some(p) = store::publication(&mut c, month.start).await? else { return Ok(None) };
    let doctors = model::board(p.settings, store::entries(&mut c, month.start, RankKind::Doctor).await?);
    let departments = model::board(p.settings, store::entries(&mut c, month.start, RankKind::Department).await?);
    let months = store::publications(&mut c).await?.iter().map(|p| model::month_of(p.month)).collect();
    Ok(Some(PublicRanking {
        hospital_code: hospital.code,
        hospital_name: hospital.name,
        month,
        published_at: p.published_at,
        doctors,
        departments,
        months,
    }))
}

/// What became of a piece of public feedback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedbackOutcome {
    Stored,
    /// The same message for the same month arrived moments ago (a double submit): kept once.
    Duplicate,
    /// The form's hidden trap field was filled in (a bot): thanked, not stored.
    Discarded,
    /// No such hospital or published month.
    NotFound,
}

/// Stores feedback from the public page. Invalid input is a 422 with field errors; too many
/// messages for the hospital in a short window is a 429.
pub async fn submit_feedback(
    core: &Arc<Core>,
    hospital_code: &str,
    month: &str,
    draft: &FeedbackDraft,
    trap: bool,
) -> Result<FeedbackOutcome> {
    let Some(month) = model::parse_month(month) else { return Ok(FeedbackOutcome::NotFound) };
    let Some((access, _)) = public_access(core, hospital_code).await? else { return Ok(FeedbackOutcome::NotFound) };
    let now = access.now();
    let mut c = access.tenant().read().await?;
    if store::publication(&mut c, month.start).await?.is_none() {
        return Ok(FeedbackOutcome::NotFound);
    }
    let f = model::feedback(draft).map_err(Error::invalid)?;
    if trap {
        return Ok(FeedbackOutcome::Discarded);
    }
    let since = now.plus_seconds(-model::FEEDBACK_WINDOW_SECONDS);
    let (recent, duplicate) = store::recent_feedback(&mut c, since, month.start, &f.message).await?;
    drop(c);
    if duplicate {
        return Ok(FeedbackOutcome::Duplicate);
    }
    if recent >= model::FEEDBACK_PER_WINDOW {
        return Err(Error::client(429, "too_many_requests", "近期提交的反馈较多，请稍后再试"));
    }
    let contact_masked = f.contact.as_deref().map(model::mask_contact).unwrap_or_default();
    let mut tx = access.tenant().write().await?;
    let id = tx.next_id(access.engine()).await?;
    let contact_enc = f.contact.as_deref().map(|c| access.encrypt(CONTACT, id, c));
    let row = NewFeedback { id, month: month.start, name: &f.name, contact_enc, contact_masked: &contact_masked, message: &f.message, now };
    store::insert_feedback(&mut tx, &row).await?;
    let detail = format!("公众对{}排行榜的反馈（{} 字）", month.label_zh(), f.message.chars().count());
    access.audit(&mut tx, "rankings.feedback", &format!("ranking_feedback:{id}"), &detail).await?;
    tx.commit().await?;
    Ok(FeedbackOutcome::Stored)
}

// ---- feedback in the console ----

/// `open`, `handled` or `""` for all.
pub async fn feedback(access: &Access, status: &str, paging: Paging) -> Result<(Vec<FeedbackRow>, i64)> {
    access.require(READ)?;
    let status = match status {
        "open" | "handled" => status,
        _ => "",
    };
    let mut c = access.tenant().read().await?;
    Ok(store::list_feedback(&mut c, status, paging.offset(), paging.per_page).await?)
}

/// Records how a piece of feedback was handled.
pub async fn handle_feedback(access: &Access, id: i64, note: &str) -> Result<()> {
    access.require(HANDLE_FEEDBACK)?;
    let note = model::handling_note(note).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    if !store::handle_feedback(&mut tx, id, &note, access.now(), &access.actor().display_name).await? {
        return Err(Error::not_found("反馈"));
    }
    access.audit(&mut tx, "rankings.feedback_handled", &format!("ranking_feedback:{id}"), "已处理排行榜反馈").await?;
    tx.commit().await?;
    Ok(())
}

/// A feedback giver's name and contact in clear; audited.
pub async fn reveal_contact(access: &Access, id: i64) -> Result<(String, String)> {
    access.require(READ)?;
    access.require(Permission::PersonalUnmask)?;
    let row = {
        let mut c = access.tenant().read().await?;
        store::feedback_by_id(&mut c, id).await?.ok_or_else(|| Error::not_found("反馈"))?
    };
    let contact = row.contact_enc.as_deref().map(|b| access.reveal(CONTACT, id, b)).transpose()?.unwrap_or_default();
    access.audit_read("rankings.feedback_reveal", &format!("ranking_feedback:{id}"), "查看反馈人的称呼与联系方式").await?;
    Ok((row.name, contact))
}
