//! The service desk's console pages, API, patient chat page and jobs.

mod api_kb;
mod api_ticket;
mod bot;
mod common;
mod complaint;
mod followup;
mod pages_kb;
mod pages_setup;
mod pages_ticket;

use std::sync::Arc;

use hops_platform::Permission;
use hops_platform::jobs::{JobHandler, Schedule};
use hops_platform::reencrypt::{Column, Legacy};
use hops_platform::web::{Module, NavItem, Routes, Section};

use crate::followup::service as followups;
use crate::ticket::service as tickets;

/// The service-desk module.
pub struct DeskModule;

impl Module for DeskModule {
    fn name(&self) -> &'static str {
        "desk"
    }

    fn topics(&self) -> Vec<&'static hops_platform::notify::Topic> {
        vec![&crate::ticket::service::SLA_ESCALATION]
    }

    fn nav(&self) -> Vec<NavItem> {
        let item = |label, href, permission| NavItem { section: Section::Desk, label, href, permission };
        let mut v = vec![
            item("工单队列", "/desk/tickets", Permission::DeskWork),
            item("智能客服", "/desk/bot", Permission::DeskWork),
            item("SLA 达成", "/desk/sla", Permission::DeskWork),
        ];
        v.extend(followup::nav());
        v.extend(complaint::nav());
        v.push(item("客服设置", "/desk/settings", Permission::DeskManage));
        v
    }

    fn routes(&self) -> Routes {
        api_ticket::routes()
            .merge(pages_ticket::routes())
            .merge(bot::routes())
            .merge(pages_kb::routes())
            .merge(api_kb::routes())
            .merge(pages_setup::routes())
            .merge(followup::routes())
            .merge(complaint::routes())
    }

    fn jobs(&self) -> Vec<Arc<dyn JobHandler>> {
        vec![Arc::new(tickets::SlaCheck)]
    }

    fn schedules(&self) -> Vec<Schedule> {
        vec![Schedule::new(followups::FollowupDaily, followups::DAILY_AT)]
    }

    fn encrypted_columns(&self) -> Vec<Column> {
        vec![
            Column::new(tickets::REQUESTER_PHONE).indexed_by("requester_phone_bidx"),
            // Bound to ticket and attachment (as version 1 was); up to 10 MB each.
            Column::new(tickets::ATTACHMENT)
                .legacy(Legacy::Sql("'desk.attachment:' || CAST(ticket_id AS TEXT) || ':' || CAST(id AS TEXT)"))
                .bound_to("CAST(ticket_id AS TEXT) || ':' || CAST(id AS TEXT)")
                .batch(8),
            Column::new(crate::complaint::service::PHONE).indexed_by("phone_bidx"),
        ]
    }
}
