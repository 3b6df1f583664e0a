//! The analytics module's part of 我的待办 (see `hops_platform::web::work`): for those who manage
//! performance, doctors' disputes to resolve and ranking feedback to answer; for a doctor, their
//! own performance sheets to confirm.

use hops_platform::web::{Paging, WorkItem};
use hops_platform::{Access, Result};

use crate::performance::model::Month;
use crate::performance::service::{self as performance, Waiting};
use crate::rankings::service as rankings;

pub async fn items(access: &Access) -> Result<Vec<WorkItem>> {
    let mut out = Vec::new();
    let (kind, months) = performance::waiting(access).await?;
    let count: i64 = months.iter().map(|(_, n)| n).sum();
    let month = |m: &str| Month::parse(m).map_or_else(|_| m.to_string(), |m| m.label_zh());
    let note = months.iter().map(|(m, n)| format!("{} {n} 张", month(m))).collect::<Vec<_>>().join(" · ");
    // The oldest month with something waiting, filtered to those sheets.
    let href = |status: &str| match months.first() {
        Some((m, _)) => format!("/performance?month={m}&status={status}"),
        None => "/performance".to_string(),
    };
    match kind {
        Waiting::Disputes => out.push(WorkItem::new("待处理的绩效异议", count, "张", href("disputed")).note(note).in_nav("/performance")),
        Waiting::ToConfirm => out.push(WorkItem::new("待我确认的绩效单", count, "张", "/performance").note(note).in_nav("/performance")),
        Waiting::Nothing => {}
    }
    if access.can(rankings::HANDLE_FEEDBACK) && access.can(rankings::READ) {
        let (_, open) = rankings::feedback(access, "open", Paging::new(None, 1)).await?;
        out.push(WorkItem::new("待处理的排行榜反馈", open, "条", "/rankings/feedback?status=open").in_nav("/rankings"));
    }
    Ok(out)
}
