//! Complaint pages and API: complaint cases with their steps, the monthly trend of causes and the
//! cause categories. The files live in `web/complaint/`.

mod api;
mod pages;

use hops_platform::Permission;
use hops_platform::web::{NavItem, Routes, Section};

pub(super) fn nav() -> Vec<NavItem> {
    let item = |label, href, permission| NavItem { section: Section::Desk, label, href, permission };
    vec![item("投诉管理", "/desk/complaints", Permission::DeskWork), item("投诉原因趋势", "/desk/complaints/trend", Permission::DeskWork)]
}

pub(super) fn routes() -> Routes {
    pages::routes().merge(api::routes())
}
