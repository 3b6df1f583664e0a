//! Approval of report publishing (issue 13 item 7): off by default (a report is published
//! directly, as always); a hospital that switches it on submits a finished period's report
//! (提交发布), and someone else holding the publishing permission approves it in 待我审批 —
//! which publishes it, the approval and the publication in one transaction — or rejects it
//! (back to 未发布). Every step is a row of the report's status history (`model::flow`).

use hops_kernel::PeriodRange;
use hops_platform::flow::{self, Approvable, Approval, Decision, HistoryRow, Request};
use hops_platform::jobs::BoxFuture;
use hops_platform::{Access, Error, Permission, Result, Tx};

use crate::model::flow::{Action, FLOW, Status, period_of, subject_id};
use crate::model::kind_name;
use crate::service::{PUBLISH, READ, already_published};
use crate::store;

/// Who switches approval on and off: those who decide how the hospital's figures are made.
pub const CONFIGURE: Permission = Permission::AnalyticsConfigure;

/// Whether publishing needs approval in this hospital.
pub async fn required(access: &Access) -> Result<bool> {
    let mut c = access.tenant().read().await?;
    flow::service::approval_required(&mut c, FLOW.kind).await
}

/// Switches publishing approval on or off (audited).
pub async fn set_required(access: &Access, on: bool) -> Result<()> {
    flow::service::set_approval_required(access, FLOW.kind, "报告发布", on, CONFIGURE).await
}

/// What the report page shows of a period's flow.
pub struct PeriodFlow {
    pub status: Status,
    pub pending: Option<Approval>,
    pub history: Vec<HistoryRow>,
    pub approval_required: bool,
}

/// The period's status, pending submission, history and whether approval is on.
pub async fn period(access: &Access, range: PeriodRange) -> Result<PeriodFlow> {
    access.require(READ)?;
    let mut c = access.tenant().read().await?;
    let subject = FLOW.subject(subject_id(range));
    let approvals = flow::service::approvals_of(&mut c, subject).await?;
    let pending = approvals.into_iter().find(|a| a.decision == Decision::Pending);
    let status = if store::published(&mut c, range.kind, range.start).await?.is_some() {
        Status::Published
    } else if pending.is_some() {
        Status::Submitted
    } else {
        Status::Draft
    };
    let history = flow::service::history(&mut c, subject).await?;
    let approval_required = flow::service::approval_required(&mut c, FLOW.kind).await?;
    Ok(PeriodFlow { status, pending, history, approval_required })
}

fn title(range: PeriodRange) -> String {
    format!("{}的{}", range.label_zh(), kind_name(range.kind))
}

/// Submits a finished period's report for publishing approval; the approval's id. 409 when
/// approval is off, the report is published or already submitted; 422 before the period ends.
pub async fn submit(access: &Access, range: PeriodRange, note: &str) -> Result<i64> {
    access.require(PUBLISH)?;
    let current = period(access, range).await?;
    if !current.approval_required {
        return Err(Error::conflict("approval_not_required", "本院报告发布无需审批，可直接发布"));
    }
    if current.status == Status::Published {
        return Err(already_published(range));
    }
    let today = access.now().local_day();
    if range.end_exclusive > today {
        return Err(Error::invalid_field("at", format!("{}尚未结束（至 {} 止），结束后才能提交发布", range.label_zh(), range.last_day())));
    }
    let mut tx = access.tenant().write().await?;
    let id = subject_id(range);
    FLOW.record(access, &mut tx, id, current.status, Action::Submit, note).await?;
    let t = title(range);
    let request = Request { subject: FLOW.subject(id), title: &t, request: "publish", request_label: "发布", approver: PUBLISH, note };
    let approval = flow::service::request(access, &mut tx, &request).await?;
    tx.commit().await?;
    Ok(approval)
}

/// Records a publication in its transaction: directly (未发布 → 已发布), or as the approval of a
/// submission (待审批 → 已发布, the approval settled with it).
pub(crate) async fn published(access: &Access, tx: &mut Tx, range: PeriodRange, approval: Option<(&Approval, &str)>) -> Result<()> {
    let id = subject_id(range);
    match approval {
        None => {
            let submitted = flow::service::approvals_of(tx, FLOW.subject(id)).await?.iter().any(|a| a.decision == Decision::Pending);
            let from = if submitted { Status::Submitted } else { Status::Draft };
            FLOW.record(access, tx, id, from, Action::Publish, "").await?;
        }
        Some((a, comment)) => {
            flow::service::settle(access, tx, a, Decision::Approved, comment).await?;
            FLOW.record(access, tx, id, Status::Submitted, Action::Approve, comment).await?;
        }
    }
    Ok(())
}

/// What an approval of a report's publishing sets off (provided to the platform).
pub struct ReportApprovals;

impl Approvable for ReportApprovals {
    fn kind(&self) -> &'static str {
        FLOW.kind
    }

    fn link(&self, id: i64) -> String {
        period_of(id).map_or_else(|| "/reports".into(), |r| format!("/reports?period={}&at={}", r.kind.code(), r.start))
    }

    fn approve<'a>(&'a self, access: &'a Access, approval: &'a Approval, comment: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let range = period_of(approval.subject_id).ok_or_else(|| Error::not_found("报告周期"))?;
            crate::service::publish_as(access, range, Some((approval, comment))).await?;
            Ok(())
        })
    }

    fn reject<'a>(&'a self, access: &'a Access, tx: &'a mut Tx, approval: &'a Approval, comment: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            FLOW.record(access, tx, approval.subject_id, Status::Submitted, Action::Reject, comment).await?;
            Ok(())
        })
    }
}
