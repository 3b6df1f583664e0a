//! Follow-up (回访) pages and API: the agents' call-task queue and task page, plans,
//! questionnaires, key patients and satisfaction results. The files live in `web/followup/`.

mod api;
mod pages_config;
mod pages_results;
mod pages_tasks;

use hops_platform::Permission;
use hops_platform::web::{NavItem, Routes, Section};

pub(super) fn nav() -> Vec<NavItem> {
    let item = |label, href, permission| NavItem { section: Section::Desk, label, href, permission };
    vec![
        item("回访任务", "/desk/followup", Permission::FollowupWork),
        item("回访计划", "/desk/followup/plans", Permission::DeskManage),
        item("回访满意度", "/desk/followup/results", Permission::FollowupWork),
    ]
}

pub(super) fn routes() -> Routes {
    Routes::default().merge(pages_tasks::routes()).merge(pages_config::routes()).merge(pages_results::routes()).merge(api::routes())
}
