//! Status history and approvals for every module's flows.
//!
//! * **History.** [`record`] writes one row per status change inside the caller's
//!   transaction, so the change and its row commit (or roll back) together; [`Flow::record`]
//!   first checks the change against the flow's table. [`history`] reads a subject's rows
//!   through a connection the caller opened after its own permission checks (the platform does
//!   not know who may see a ticket or a sheet).
//! * **Approvals.** [`request`] (in the caller's transaction) asks the holders of a permission
//!   to decide; [`decide`] lets one of them — never the requester (four-eyes) — approve or
//!   reject. What an approval sets off is the subject module's [`Approvable`], found by the
//!   subject's kind: its `approve` does the change and [`settle`]s the approval in one
//!   transaction. [`pending`] is the inbox "待我审批".
//! * **Settings.** Per hospital and flow, whether a change needs approval first
//!   ([`approval_required`], [`set_approval_required`]).

use hops_kernel::Instant;

use super::model::{Coded, Decision, Flow, Subject};
use super::store::{self, ApprovalRow, HistoryRow};
use crate::db::{Conn, Scoped};
use crate::jobs::BoxFuture;
use crate::web::Paging;
use crate::{Access, Error, Permission, Result, Tx};

/// One status change to record.
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    /// None when the subject is created with its first status.
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub action: &'a str,
    pub note: &'a str,
}

/// Records a status change of `subject` by the acting user, now, inside `tx`.
pub async fn record(access: &Access, tx: &mut Tx, subject: Subject, change: Change<'_>) -> Result<i64> {
    let actor = access.actor();
    record_as(access, tx, subject, change, (actor.user_id.map(|u| u.0), &actor.display_name), access.now()).await
}

/// [`record`] with the actor and time given: imports of other systems' history, and changes the
/// system makes on someone's behalf (e.g. 客户已回复).
pub async fn record_as(
    access: &Access,
    tx: &mut Tx,
    subject: Subject,
    change: Change<'_>,
    actor: (Option<i64>, &str),
    at: Instant,
) -> Result<i64> {
    if change.note.chars().count() > 20_000 {
        return Err(Error::invalid_field("note", "说明不能超过 20000 个字"));
    }
    let id = tx.next_id(access.engine()).await?;
    let row = HistoryRow {
        id,
        subject_kind: subject.kind.to_string(),
        subject_id: subject.id,
        from: change.from.map(str::to_string),
        to: change.to.to_string(),
        action: change.action.to_string(),
        actor_id: actor.0,
        actor_name: actor.1.to_string(),
        at,
        note: change.note.trim().to_string(),
    };
    store::insert_history(tx, &row).await?;
    Ok(id)
}

impl<S: Coded, A: Coded> Flow<S, A> {
    /// Checks `action` against the table (409 `invalid_status` with the table's message when it
    /// does not follow) and records the change of subject `id`; the new state.
    pub async fn record(&self, access: &Access, tx: &mut Tx, id: i64, from: S, action: A, note: &str) -> Result<S> {
        let to = self.next(from, action).map_err(|m| Error::conflict("invalid_status", m))?;
        let change = Change { from: Some(from.code()), to: to.code(), action: action.code(), note };
        record(access, tx, self.subject(id), change).await?;
        Ok(to)
    }

    /// Records that subject `id` was created in state `to` (history has no earlier state).
    pub async fn created(&self, access: &Access, tx: &mut Tx, id: i64, to: S, action: A, note: &str) -> Result<()> {
        record(access, tx, self.subject(id), Change { from: None, to: to.code(), action: action.code(), note }).await?;
        Ok(())
    }
}

/// A subject's history, oldest first, read through `c` — a connection the caller opened after
/// checking that the actor may see the subject.
pub async fn history<C: Conn>(c: &mut Scoped<C>, subject: Subject) -> Result<Vec<HistoryRow>> {
    Ok(store::history(c, subject.kind, &[subject.id]).await?)
}

/// The histories of many subjects of one kind (lists, reports), per subject oldest first.
pub async fn histories<C: Conn>(c: &mut Scoped<C>, kind: &str, ids: &[i64]) -> Result<Vec<HistoryRow>> {
    Ok(store::history(c, kind, ids).await?)
}

/// Forgets the history of a subject deleted in `tx` (a performance sheet dropped at
/// regeneration).
pub async fn forget(tx: &mut Tx, subject: Subject) -> Result<()> {
    Ok(store::delete_history(tx, subject.kind, subject.id).await?)
}

// ---- approvals ----

/// An approval: what is asked about which subject, by whom, who may decide, and the decision.
pub type Approval = ApprovalRow;

/// What a module asks to be approved.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    pub subject: Subject,
    /// What the subject is, as the inbox shows it (e.g. 2025年1月 月报).
    pub title: &'a str,
    /// What is asked: a code (`publish`) and its label (发布).
    pub request: &'a str,
    pub request_label: &'a str,
    /// Who may decide: the holders of this permission (other than the requester).
    pub approver: Permission,
    pub note: &'a str,
}

/// What an approval of a module's subject sets off, provided by the module
/// ([`crate::services::Services::approvable`]) for its subject kind.
pub trait Approvable: Send + Sync + 'static {
    /// The subject kind (the flow's `kind`) this carries out.
    fn kind(&self) -> &'static str;
    /// The console page of subject `id`, linked from the inbox.
    fn link(&self, id: i64) -> String;
    /// Carries out an approved request as the approver: the change and [`settle`] in one
    /// transaction (so the approval is recorded only with the change).
    fn approve<'a>(&'a self, access: &'a Access, approval: &'a Approval, comment: &'a str) -> BoxFuture<'a, Result<()>>;
    /// Inside the rejection's transaction, after [`settle`]: e.g. the subject's status back.
    fn reject<'a>(&'a self, access: &'a Access, tx: &'a mut Tx, approval: &'a Approval, comment: &'a str) -> BoxFuture<'a, Result<()>>;
}

/// Asks for an approval inside the caller's transaction; 409 while the same request about the
/// subject is still pending.
pub async fn request(access: &Access, tx: &mut Tx, r: &Request<'_>) -> Result<i64> {
    let open = store::approvals_of(tx, r.subject.kind, r.subject.id).await?;
    if open.iter().any(|a| a.decision == Decision::Pending && a.request == r.request) {
        return Err(Error::conflict("approval_pending", format!("“{}”的{}申请正在审批中，请勿重复提交", r.title, r.request_label)));
    }
    if r.note.chars().count() > 2000 {
        return Err(Error::invalid_field("note", "申请说明不能超过 2000 个字"));
    }
    let id = tx.next_id(access.engine()).await?;
    let actor = access.actor();
    let row = ApprovalRow {
        id,
        subject_kind: r.subject.kind.to_string(),
        subject_id: r.subject.id,
        subject_title: r.title.to_string(),
        request: r.request.to_string(),
        request_label: r.request_label.to_string(),
        requested_by: actor.user_id.map(|u| u.0),
        requested_by_name: actor.display_name.clone(),
        requested_at: access.now(),
        request_note: r.note.trim().to_string(),
        approver_permission: r.approver.code(),
        decision: Decision::Pending,
        decided_by: None,
        decided_by_name: None,
        decided_at: None,
        comment: String::new(),
    };
    store::insert_approval(tx, &row).await?;
    let detail = format!("{}：{}（待审批）", r.request_label, r.title);
    access.audit(tx, "flow.approval.request", &format!("approval:{id}"), &detail).await?;
    Ok(id)
}

/// Whether the actor may decide `a`: holds its permission and did not ask for it.
pub fn may_decide(access: &Access, a: &Approval) -> std::result::Result<(), Error> {
    let permission = Permission::from_code(&a.approver_permission);
    if !permission.is_some_and(|p| access.can(p)) {
        return Err(Error::client(403, "forbidden", "您没有审批此申请的权限"));
    }
    let me = access.actor().user_id.map(|u| u.0);
    if me.is_some() && me == a.requested_by {
        return Err(Error::client(403, "four_eyes", "不能审批自己提交的申请，请由其他有权限的人审批"));
    }
    Ok(())
}

/// An approval of the hospital that the actor may see: the requester, or one who may decide.
pub async fn get(access: &Access, id: i64) -> Result<Approval> {
    let mut c = access.tenant().read().await?;
    let a = store::approval(&mut c, id).await?.ok_or_else(|| Error::not_found("审批"))?;
    let mine = access.actor().user_id.is_some_and(|u| Some(u.0) == a.requested_by);
    let approver = Permission::from_code(&a.approver_permission).is_some_and(|p| access.can(p));
    if !mine && !approver {
        return Err(Error::forbidden());
    }
    Ok(a)
}

/// The approvals of a subject, newest first, read through the caller's connection (after its
/// own checks, as for [`history`]).
pub async fn approvals_of<C: Conn>(c: &mut Scoped<C>, subject: Subject) -> Result<Vec<Approval>> {
    Ok(store::approvals_of(c, subject.kind, subject.id).await?)
}

/// Approves or rejects a pending approval. 404 when it is not the hospital's, 403 without the
/// approver's permission or for the requester (four-eyes), 409 once decided; a rejection
/// needs a comment (422).
pub async fn decide(access: &Access, id: i64, decision: Decision, comment: &str) -> Result<Approval> {
    let a = {
        let mut c = access.tenant().read().await?;
        store::approval(&mut c, id).await?.ok_or_else(|| Error::not_found("审批"))?
    };
    may_decide(access, &a)?;
    if a.decision != Decision::Pending {
        return Err(already_decided(&a));
    }
    let comment = comment.trim();
    match decision {
        Decision::Pending => return Err(Error::invalid_field("decision", "请选择通过或驳回")),
        Decision::Rejected if comment.is_empty() => return Err(Error::invalid_field("comment", "驳回时请填写审批意见")),
        _ if comment.chars().count() > 2000 => return Err(Error::invalid_field("comment", "审批意见不能超过 2000 个字")),
        _ => {}
    }
    let handler = access.core().approvable(&a.subject_kind);
    match (decision, handler) {
        (Decision::Approved, Some(h)) => h.approve(access, &a, comment).await?,
        (_, handler) => {
            let mut tx = access.tenant().write().await?;
            settle(access, &mut tx, &a, decision, comment).await?;
            if let (Decision::Rejected, Some(h)) = (decision, handler) {
                h.reject(access, &mut tx, &a, comment).await?;
            }
            tx.commit().await?;
        }
    }
    let mut c = access.tenant().read().await?;
    store::approval(&mut c, id).await?.ok_or_else(|| Error::not_found("审批"))
}

fn already_decided(a: &Approval) -> Error {
    let by = a.decided_by_name.clone().unwrap_or_default();
    Error::conflict("approval_decided", format!("该申请已由{by}{}，不能再审批", a.decision.label_zh().trim_start_matches('已')))
}

/// Records the decision inside the transaction of what it sets off; 409 when someone decided
/// meanwhile (nothing of the transaction must then commit). Checks the decider as [`decide`].
pub async fn settle(access: &Access, tx: &mut Tx, a: &Approval, decision: Decision, comment: &str) -> Result<()> {
    may_decide(access, a)?;
    let actor = access.actor();
    if !store::decide(tx, a.id, decision, actor.user_id.map(|u| u.0), &actor.display_name, access.now(), comment).await? {
        let mut now = a.clone();
        if let Some(current) = store::approval(tx, a.id).await? {
            now = current;
        }
        return Err(already_decided(&now));
    }
    let what = if decision == Decision::Approved { "flow.approval.approve" } else { "flow.approval.reject" };
    let detail = format!(
        "{}：{}，{}{}",
        a.request_label,
        a.subject_title,
        decision.label_zh(),
        if comment.is_empty() { String::new() } else { format!("（{comment}）") }
    );
    access.audit(tx, what, &format!("approval:{}", a.id), &detail).await?;
    Ok(())
}

/// The codes of the permissions the actor holds (an approval names the one its approver needs).
fn held(access: &Access) -> Vec<String> {
    Permission::all().into_iter().filter(|p| access.can(*p)).map(Permission::code).collect()
}

/// The approvals waiting for the actor ("待我审批"): pending, of a permission the actor holds,
/// not asked by the actor; oldest first, and how many.
pub async fn pending(access: &Access, paging: Paging) -> Result<(Vec<Approval>, i64)> {
    let codes = held(access);
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    let mut c = access.tenant().read().await?;
    let me = access.actor().user_id.map(|u| u.0);
    Ok(store::pending(&mut c, &codes, me, paging.offset(), paging.per_page).await?)
}

/// How many approvals wait for the actor (as [`pending`]) per thing asked for (request label).
pub async fn pending_kinds(access: &Access) -> Result<Vec<(String, i64)>> {
    let codes = held(access);
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    let mut c = access.tenant().read().await?;
    Ok(store::pending_kinds(&mut c, &codes, access.actor().user_id.map(|u| u.0)).await?)
}

/// Whether changes of `kind` need approval first in this hospital (off unless switched on).
pub async fn approval_required<C: Conn>(c: &mut Scoped<C>, kind: &str) -> Result<bool> {
    Ok(store::approval_required(c, kind).await?)
}

/// Switches approval of `kind` on or off; the caller names the permission that may (e.g. the
/// module's configuration permission). Audited.
pub async fn set_approval_required(access: &Access, kind: &str, label: &str, on: bool, permission: Permission) -> Result<()> {
    access.require(permission)?;
    let mut tx = access.tenant().write().await?;
    store::set_approval_required(&mut tx, kind, on, access.now(), &access.actor().display_name).await?;
    let detail = format!("{label}{}", if on { "须经审批" } else { "无需审批" });
    access.audit(&mut tx, "flow.settings", &format!("flow:{kind}"), &detail).await?;
    tx.commit().await?;
    Ok(())
}
