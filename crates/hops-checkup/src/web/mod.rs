//! The checkup module's API and jobs.

mod api;
mod api_advice;
mod api_booking;
mod api_capacity;
mod api_group;
mod api_invoice;
mod api_pay;
mod h5;
mod h5_advice;
mod h5_group;
mod pages;
mod pages_advice;
mod pages_booking;
mod pages_capacity;
mod pages_catalogue;
mod pages_group;
mod pages_invoice;
mod pages_reconcile;
mod sandbox;
mod transfer;

use std::sync::Arc;

use hops_platform::Permission;
use hops_platform::jobs::JobHandler;
use hops_platform::reencrypt::{Column, Key};
use hops_platform::web::{Module, NavItem, Routes, Section};

use crate::booking::service as booking;
use crate::capacity::service::ReleaseVip;
use crate::payment::service::SendRefund;

/// The health-checkup module.
pub struct CheckupModule;

impl Module for CheckupModule {
    fn name(&self) -> &'static str {
        "checkup"
    }

    fn nav(&self) -> Vec<NavItem> {
        let item = |label, href| NavItem { section: Section::Checkup, label, href, permission: Permission::CheckupRead };
        vec![
            item("体检预约", "/checkup/bookings"),
            item("号源监控", "/checkup/capacity"),
            item("体检目录", "/checkup/items"),
            item("团检单位", "/checkup/groups"),
            item("签到台", "/checkup/desk"),
            item("体检对账", "/checkup/reconciliation"),
            item("健康问卷", "/checkup/questionnaire"),
            item("发票申请", "/checkup/invoices"),
        ]
    }

    fn h5_links(&self) -> Vec<(&'static str, &'static str)> {
        vec![("体检预约", "/checkup"), ("我的体检预约", "/checkup/orders")]
    }

    fn topics(&self) -> Vec<&'static hops_platform::notify::Topic> {
        vec![&crate::group::service::REMINDER]
    }

    fn encrypted_columns(&self) -> Vec<Column> {
        use crate::group::service as group;
        vec![
            // Checkup persons' own numbers, until they became their person's (`people`).
            Column::new(booking::PERSON_ID_NUMBER)
                .indexed_by("id_number_bidx")
                .dropped_by(hops_platform::people::adopt::DROPS_ROLE_COLUMNS),
            Column::new(booking::PERSON_PHONE).indexed_by("phone_bidx").dropped_by(hops_platform::people::adopt::DROPS_ROLE_COLUMNS),
            Column::new(group::EMPLOYEE_ID_NUMBER).indexed_by("id_number_bidx"),
            Column::new(group::EMPLOYEE_PHONE).indexed_by("phone_bidx"),
            Column::new(group::EMPLOYER_CONTACT_PHONE).keyed_by(Key::Text("code")).indexed_by("contact_phone_bidx"),
        ]
    }

    fn person_roles(&self) -> Vec<hops_platform::people::adopt::Role> {
        vec![hops_platform::people::adopt::Role {
            table: "checkup_persons",
            id_number: booking::PERSON_ID_NUMBER,
            phone: booking::PERSON_PHONE,
        }]
    }

    fn routes(&self) -> Routes {
        match crate::payment::gateway::live() {
            Some(g) => tracing::info!(config = ?g.config(), "checkup payments"),
            None => tracing::info!("checkup payments: no WeChat Pay merchant configured (online payment off unless the sandbox is on)"),
        }
        api::routes()
            .merge(api_booking::routes())
            .merge(api_pay::routes())
            .merge(api_group::routes())
            .merge(transfer::routes())
            .merge(pages::routes())
            .merge(pages_booking::routes())
            .merge(pages_group::routes())
            .merge(api_capacity::routes())
            .merge(pages_capacity::routes())
            .merge(pages_catalogue::routes())
            .merge(pages_reconcile::routes())
            .merge(sandbox::routes())
            .merge(h5::routes())
            .merge(api_advice::routes())
            .merge(api_invoice::routes())
            .merge(pages_advice::routes())
            .merge(pages_invoice::routes())
            .merge(h5_advice::routes())
            .merge(h5_group::routes())
    }

    fn provide(&self, services: &mut hops_platform::services::Services) {
        services.provide::<dyn hops_contracts::checkup::Bookings>(Arc::new(booking::BookingsService));
    }

    fn jobs(&self) -> Vec<Arc<dyn JobHandler>> {
        vec![Arc::new(booking::ExpireHold), Arc::new(ReleaseVip), Arc::new(SendRefund)]
    }
}
