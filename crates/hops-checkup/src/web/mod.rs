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
mod h5_select;
mod pages;
mod pages_advice;
mod pages_booking;
mod pages_capacity;
mod pages_catalogue;
mod pages_centre;
mod pages_group;
mod pages_invoice;
mod pages_reconcile;
mod sandbox;
mod transfer;

use std::sync::Arc;

use hops_platform::Permission;
use hops_platform::jobs::JobHandler;
use hops_platform::reencrypt::{Column, Key};
use hops_platform::web::{Module, NavItem, Routes, Section, WorkItem};

use crate::booking::service as booking;
use crate::capacity::service::ReleaseVip;
use crate::payment::service::SendRefund;

/// The health-checkup module.
pub struct CheckupModule;

impl Module for CheckupModule {
    fn audit_actions(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("checkup.booking.create", "体检预约"),
            ("checkup.centre", "修改体检中心信息"),
            ("checkup.booking.check_in", "体检签到"),
            ("checkup.booking.check_in_refused", "签到核验不符"),
            ("checkup.booking.complete", "完成体检"),
            ("checkup.booking.refund", "体检退款"),
            ("checkup.booking.reschedule", "体检改约"),
            ("checkup.capacity.set", "设置号源"),
            ("checkup.capacity.bulk", "批量设置号源"),
            ("checkup.capacity.closed", "设置停诊日"),
            ("checkup.capacity.release_vip", "释放VIP号源"),
            ("checkup.capacity.templates", "保存号源模板"),
            ("checkup.catalogue.import", "导入体检目录"),
            ("checkup.employer.save", "保存团检单位"),
            ("checkup.group.proxy_book", "单位代约"),
            ("checkup.group_discounts.set", "设置团检优惠"),
            ("checkup.group_plan.save", "保存团检方案"),
            ("checkup.invoice.request", "申请发票"),
            ("checkup.invoice.issue", "登记开票"),
            ("checkup.invoice.cancel", "作废发票申请"),
            ("checkup.item.save", "保存体检项目"),
            ("checkup.package.save", "保存体检套餐"),
            ("checkup.payment.start", "发起支付"),
            ("checkup.payment.paid", "支付成功"),
            ("checkup.payment.failed", "支付失败"),
            ("checkup.payment.late", "逾期到账"),
            ("checkup.payment.record", "登记线下收款"),
            ("checkup.person.contact", "修改受检人手机号"),
            ("checkup.refund.refused", "退款被拒"),
            ("checkup.refund.done", "退款到账"),
            ("checkup.resource.save", "保存检查资源"),
            ("checkup.roster.import", "导入团检名单"),
            ("checkup.roster.export", "导出团检名单"),
            ("checkup.roster.remind", "提醒团检人员"),
            ("checkup.rule.add", "新增项目规则"),
            ("checkup.rule.delete", "删除项目规则"),
            ("checkup.settings.save", "保存体检设置"),
            ("checkup.questionnaire.save", "保存健康问卷"),
            ("checkup.questionnaire.question", "保存问卷题目"),
            ("checkup.questionnaire.question_delete", "删除问卷题目"),
            ("checkup.questionnaire.rule_add", "新增加项推荐规则"),
            ("checkup.questionnaire.rule_delete", "删除加项推荐规则"),
        ]
    }

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

    /// Today's bookings to check in at the desk, for those who check people in.
    fn work<'a>(&'a self, access: &'a hops_platform::Access) -> hops_platform::web::BoxFuture<'a, hops_platform::Result<Vec<WorkItem>>> {
        Box::pin(async move {
            let Some([paid, checked_in]) = crate::booking::desk::waiting(access).await? else {
                return Ok(Vec::new());
            };
            let note = if checked_in > 0 { format!("已签到、体检进行中 {checked_in} 人") } else { String::new() };
            Ok(vec![WorkItem::new("今日待签到体检", paid, "人", "/checkup/desk").note(note).in_nav("/checkup/desk")])
        })
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
            .merge(pages_centre::routes())
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
