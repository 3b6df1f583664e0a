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
mod work;

use std::sync::Arc;

use hops_platform::Permission;
use hops_platform::jobs::{JobHandler, Schedule};
use hops_platform::reencrypt::{Column, Legacy};
use hops_platform::web::{BoxFuture, Module, NavItem, Routes, Section, WorkItem};
use hops_platform::{Access, Result};

use crate::followup::service as followups;
use crate::ticket::service as tickets;

/// The service-desk module.
pub struct DeskModule;

impl Module for DeskModule {
    fn audit_actions(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("desk.attachment.read", "查看工单附件"),
            ("desk.calendar.save", "保存服务日历"),
            ("desk.canned.save", "保存快捷回复"),
            ("desk.category.save", "保存工单分类"),
            ("desk.complaint.causes", "保存投诉原因"),
            ("desk.complaint.create", "登记投诉"),
            ("desk.complaint.register", "登记投诉"),
            ("desk.complaint.investigate", "开始调查投诉"),
            ("desk.complaint.rectify", "登记整改措施"),
            ("desk.complaint.reply", "回复投诉人"),
            ("desk.complaint.review", "复核结案"),
            ("desk.complaint.review_reject", "复核退回整改"),
            ("desk.complaint.reveal", "查看投诉人手机号"),
            ("desk.followup.call", "记录回访"),
            ("desk.followup.generate", "生成回访任务"),
            ("desk.followup.key.import", "导入重点患者"),
            ("desk.followup.key.mark", "标记重点患者"),
            ("desk.followup.key.unmark", "取消重点患者"),
            ("desk.followup.plan.save", "保存回访计划"),
            ("desk.followup.questionnaire.save", "保存回访问卷"),
            ("desk.followup.reveal", "查看回访对象手机号"),
            ("desk.kb.save", "保存知识库文章"),
            ("desk.kb.import", "导入知识库"),
            ("desk.kb.export", "导出知识库"),
            ("desk.setup.defaults", "载入客服预设"),
            ("desk.sla.save", "保存服务时限"),
            ("desk.sla.delete", "删除服务时限"),
            ("desk.team.save", "保存客服小组"),
            ("desk.ticket.open", "新建工单"),
            ("desk.ticket.reply", "回复工单"),
            ("desk.ticket.note", "工单内部备注"),
            ("desk.ticket.assign", "分派工单"),
            ("desk.ticket.attach", "上传工单附件"),
            ("desk.ticket.classify", "工单分类"),
            ("desk.ticket.customer", "修改工单联系人"),
            ("desk.ticket.import", "导入工单"),
            ("desk.ticket.merge", "合并工单"),
            ("desk.ticket.sla", "工单时限变更"),
            ("desk.ticket.status", "工单状态变更"),
            ("desk.ticket.unmask_phone", "查看工单联系人手机号"),
        ]
    }

    fn name(&self) -> &'static str {
        "desk"
    }

    fn topics(&self) -> Vec<&'static hops_platform::notify::Topic> {
        vec![&crate::ticket::service::SLA_ESCALATION]
    }

    fn h5_links(&self) -> Vec<(&'static str, &'static str)> {
        vec![("智能客服", "/bot")]
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
        v.push(item("知识库", "/desk/kb", Permission::KbEdit));
        v.push(item("未解答问题", "/desk/kb/unanswered", Permission::KbEdit));
        v.push(item("客服设置", "/desk/settings", Permission::DeskManage));
        v
    }

    fn work<'a>(&'a self, access: &'a Access) -> BoxFuture<'a, Result<Vec<WorkItem>>> {
        Box::pin(work::items(access))
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
