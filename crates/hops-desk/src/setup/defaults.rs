//! What a hospital's service desk starts with: the calendars, categories, SLA policies (the
//! seeds' targets) and canned replies. Everything here can be changed in the console.

use super::model::{CalendarDef, Canned, Category, Policy, Team};
use crate::ticket::model::Priority;

pub fn default_calendars() -> Vec<CalendarDef> {
    // 7×24 and 7×12 run through holidays (the seeds ask for support around the clock); office
    // hours close on public holidays and open on make-up workdays.
    let cal = |code: &str, name: &str, hours: &str, public_holidays: bool| CalendarDef {
        code: code.into(),
        name: name.into(),
        hours: hours.into(),
        holidays: Vec::new(),
        workdays: Vec::new(),
        public_holidays,
    };
    vec![
        cal("7x24", "7×24 小时", "7x24", false),
        cal("7x12", "7×12 小时（08:00–20:00）", "daily 08:00-20:00", false),
        cal("office", "工作日办公时间（法定节假日休息）", "mon-fri 08:00-12:00,13:30-17:30", true),
    ]
}

pub fn default_teams() -> Vec<Team> {
    vec![
        Team { code: "service".into(), name: "客服组".into(), lead_user_id: None, members: Vec::new() },
        Team { code: "assistant".into(), name: "医助组".into(), lead_user_id: None, members: Vec::new() },
        Team { code: "ops".into(), name: "运维组".into(), lead_user_id: None, members: Vec::new() },
    ]
}

pub fn default_categories() -> Vec<Category> {
    let cat = |position: i64, code: &str, name: &str, team: &str| Category {
        code: code.into(),
        name: name.into(),
        team_code: Some(team.into()),
        active: true,
        position,
    };
    vec![
        cat(1, "consult", "业务咨询", "service"),
        cat(2, "booking", "挂号预约", "service"),
        cat(3, "refund", "退费退款", "service"),
        cat(4, "complaint", "投诉建议", "service"),
        cat(5, "call_patient", "呼叫患者上线", "assistant"),
        cat(6, "logistics", "物流查询", "assistant"),
        cat(7, "assist", "操作协助", "assistant"),
        cat(8, "fault", "系统故障", "ops"),
        cat(9, "report_request", "报表/模板需求", "ops"),
    ]
}

/// The seeds' targets: ≤ 10 min first reply and 4 h for common issues (003); 0.5 h response
/// and 2 h fix for faults (000), 30 min response for urgent ones (003); one week for report and
/// template requests (003).
pub fn default_policies() -> Vec<Policy> {
    let p = |cat: &str, pri: Option<Priority>, name: &str, cal: &str, first: i64, fix: i64| Policy {
        category_code: cat.into(),
        priority: pri,
        name: name.into(),
        calendar_code: cal.into(),
        first_response_minutes: Some(first),
        resolution_minutes: Some(fix),
        warn_pct: 80,
    };
    vec![
        p("", None, "常规问题：10 分钟首次回复，4 小时解决", "7x12", 10, 4 * 60),
        p("fault", None, "系统故障：0.5 小时响应，2 小时修复", "7x24", 30, 2 * 60),
        p("", Some(Priority::Urgent), "紧急：30 分钟响应，2 小时解决", "7x24", 30, 2 * 60),
        p("report_request", None, "报表/模板需求：10 分钟首次回复，1 周完成", "7x24", 10, 7 * 24 * 60),
    ]
}

pub fn default_canned() -> Vec<Canned> {
    let c = |code: &str, title: &str, body: &str| Canned { code: code.into(), title: title.into(), body: body.into() };
    vec![
        c("greet", "问候", "您好，这里是互联网医院客服，很高兴为您服务。请问有什么可以帮您？"),
        c("wait", "请稍候", "您反馈的问题我们已经收到，正在为您核实处理，请您稍候。"),
        c("logistics", "物流已查询", "您好，已为您查询药品配送进度，快递单号及最新物流信息已发送至您的手机，请注意查收。"),
        c("refund", "退款说明", "您好，退款已提交，将按原支付渠道退回，一般 1–3 个工作日到账，请留意。"),
        c("done", "问题已解决", "您好，您反馈的问题已处理完毕。如仍有疑问，欢迎随时联系我们，祝您早日康复！"),
    ]
}
