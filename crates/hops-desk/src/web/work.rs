//! The desk's part of 我的待办 (see `hops_platform::web::work`): the agent's own tickets by their
//! SLA clocks, the unassigned and the escalated ones, today's follow-up calls within the user's
//! data scope, complaints waiting for a step, and knowledge awaiting review — each only for
//! those whose permission it is.

use hops_platform::web::WorkItem;
use hops_platform::{Access, Permission, Result};

use crate::complaint::service as complaints;
use crate::followup::calls;
use crate::kb::model::ArticleStatus;
use crate::kb::service as kb;
use crate::ticket::service as tickets;

pub(super) async fn items(access: &Access) -> Result<Vec<WorkItem>> {
    let mut out = Vec::new();
    if let Some(t) = tickets::waiting(access).await? {
        out.push(
            WorkItem::new("我的工单", t.mine, "件", "/desk/tickets?queue=mine")
                .due(t.mine_overdue, "已超时", t.mine_due_today)
                .in_nav("/desk/tickets"),
        );
        out.push(WorkItem::new("待领取工单", t.unassigned, "件", "/desk/tickets?queue=unassigned").in_nav("/desk/tickets"));
        if t.escalated > 0 {
            out.push(WorkItem::new("升级给我的工单", t.escalated, "件", "/desk/tickets?queue=escalated").note("班组工单超时后升级给组长"));
        }
    }
    if let Some((today, overdue)) = calls::today(access).await? {
        out.push(
            WorkItem::new("今日回访", today, "通", "/desk/followup?status=pending&due=today")
                .due(overdue, "逾期未回访", 0)
                .in_nav("/desk/followup"),
        );
    }
    if let Some(c) = complaints::waiting(access).await? {
        let steps = [("待调查", c.registered), ("调查中", c.investigating), ("待回复患者", c.rectifying)];
        let note = steps.iter().filter(|(_, n)| *n > 0).map(|(l, n)| format!("{l} {n}")).collect::<Vec<_>>().join(" · ");
        out.push(WorkItem::new("待处理的投诉", c.open(), "件", "/desk/complaints?status=open").note(note).in_nav("/desk/complaints"));
        if access.can(Permission::DeskManage) {
            out.push(
                WorkItem::new("待复核结案的投诉", c.to_review, "件", "/desk/complaints?status=replied")
                    .note("复核须由登记整改以外的人完成")
                    .in_nav("/desk/complaints"),
            );
        }
    }
    if access.can(Permission::KbEdit) {
        let (_, drafts) = kb::list(access, "", "", Some(ArticleStatus::Draft), hops_platform::web::Paging::new(None, 1)).await?;
        out.push(
            WorkItem::new("待审核发布的知识", drafts, "条", "/desk/kb?status=draft")
                .note("草稿审核后发布，智能客服才会使用")
                .in_nav("/desk/kb"),
        );
    }
    Ok(out)
}
