//! History from other systems: tickets and hotline call records from CSV/XLSX with their own
//! times, so a hospital's SLA figures start with its past. A call record becomes a hotline
//! ticket: answered = first response, hung up = resolved; a missed call has no first response
//! (a breach of that clock, which is what it was).

use std::collections::HashMap;

use hops_kernel::{Instant, Phone};
use hops_platform::tabular::{self, Column, ImportReport, Mode, RowError};
use hops_platform::{Access, Permission, Result};

use super::model::{self, Channel, Priority, RequesterKind, Status, TicketDraft};
use super::service::{self as tickets, HistoricTicket};
use crate::setup::service::{self as setup, Settings};

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Tickets,
    Calls,
}

pub const TICKET_COLUMNS: &[Column] = &[
    Column {
        key: "number", label: "原工单号", required: true, note: "原系统中的工单号，不能重复", example: "KF2025-000123"
    },
    Column {
        key: "channel",
        label: "渠道",
        required: true,
        note: "400热线、在线客服、微信群、电子邮件、医助请求、现场、系统故障",
        example: "在线客服",
    },
    Column { key: "category", label: "分类", required: true, note: "本院工单分类的编码或名称", example: "挂号预约" },
    Column { key: "priority", label: "优先级", required: false, note: "紧急、高、普通（默认）、低", example: "普通" },
    Column { key: "subject", label: "主题", required: true, note: "", example: "预约后收不到短信" },
    Column { key: "description", label: "描述", required: false, note: "", example: "" },
    Column { key: "requester_name", label: "请求人", required: false, note: "", example: "王女士" },
    Column { key: "requester_phone", label: "电话", required: false, note: "加密保存", example: "13800138000" },
    Column { key: "agent", label: "处理人", required: false, note: "本系统的用户名", example: "agent01" },
    Column { key: "created_at", label: "创建时间", required: true, note: "2025-03-01 09:30", example: "2025-03-01 09:30" },
    Column { key: "first_reply_at", label: "首次回复时间", required: false, note: "", example: "2025-03-01 09:36" },
    Column { key: "resolved_at", label: "解决时间", required: false, note: "", example: "2025-03-01 11:02" },
    Column { key: "closed_at", label: "关闭时间", required: false, note: "", example: "2025-03-02 09:00" },
];

pub const CALL_COLUMNS: &[Column] = &[
    Column {
        key: "call_id", label: "通话编号", required: true, note: "呼叫中心的通话编号，不能重复", example: "C20250301093000123"
    },
    Column { key: "caller", label: "主叫号码", required: false, note: "加密保存", example: "13800138000" },
    Column { key: "agent", label: "坐席", required: false, note: "本系统的用户名", example: "agent01" },
    Column { key: "started_at", label: "来电时间", required: true, note: "", example: "2025-03-01 09:30:00" },
    Column { key: "answered_at", label: "接听时间", required: false, note: "未接来电留空", example: "2025-03-01 09:30:12" },
    Column { key: "ended_at", label: "挂机时间", required: false, note: "", example: "2025-03-01 09:34:40" },
    Column { key: "category", label: "分类", required: false, note: "默认 业务咨询", example: "业务咨询" },
    Column { key: "summary", label: "小结", required: false, note: "", example: "咨询复诊开药" },
];

fn time(row: &[String], idx: Option<usize>, label: &str, required: bool, errs: &mut Vec<(String, String)>) -> Option<Instant> {
    match tabular::cell(row, idx).trim() {
        "" if required => {
            errs.push((label.into(), "不能为空".into()));
            None
        }
        "" => None,
        t => Instant::parse(t).map_err(|e| errs.push((label.into(), e.to_string()))).ok(),
    }
}

fn category_code(settings: &Settings, text: &str) -> Option<String> {
    let t = text.trim();
    settings.categories.iter().find(|c| c.active && (c.code == t || c.name == t)).map(|c| c.code.clone())
}

/// One row, checked: the ticket and its history.
fn read_row(
    kind: Kind,
    row: &[String],
    idx: &[Option<usize>],
    settings: &Settings,
    agents: &HashMap<String, i64>,
) -> std::result::Result<HistoricTicket, Vec<(String, String)>> {
    let mut errs: Vec<(String, String)> = Vec::new();
    let cell = |i: usize| tabular::cell(row, idx[i]).trim().to_string();
    let agent_of = |name: &str, errs: &mut Vec<(String, String)>, label: &str| match name {
        "" => None,
        n => {
            let id = agents.get(n).copied();
            if id.is_none() {
                errs.push((label.into(), format!("没有用户名为“{n}”的客服人员")));
            }
            id
        }
    };
    let phone_of = |p: &str, errs: &mut Vec<(String, String)>, label: &str| match p {
        "" => None,
        p => Phone::parse(p).map_err(|e| errs.push((label.into(), e.to_string()))).ok(),
    };
    let (external, draft, owner, created, first, resolved, closed) = match kind {
        Kind::Tickets => {
            let external = cell(0);
            if external.is_empty() {
                errs.push(("原工单号".into(), "不能为空".into()));
            }
            let channel = Channel::parse(&cell(1));
            if channel.is_none() {
                errs.push(("渠道".into(), format!("无法识别“{}”", cell(1))));
            }
            let category = category_code(settings, &cell(2));
            if category.is_none() {
                errs.push(("分类".into(), format!("没有分类“{}”", cell(2))));
            }
            let priority = if cell(3).is_empty() { Some(Priority::Normal) } else { Priority::parse(&cell(3)) };
            if priority.is_none() {
                errs.push(("优先级".into(), "应为 紧急、高、普通 或 低".into()));
            }
            let subject = cell(4);
            if subject.is_empty() || subject.chars().count() > model::SUBJECT_MAX {
                errs.push(("主题".into(), format!("不能为空，且不超过 {} 个字", model::SUBJECT_MAX)));
            }
            let phone = phone_of(&cell(7), &mut errs, "电话");
            let owner = agent_of(&cell(8), &mut errs, "处理人");
            let created = time(row, idx[9], "创建时间", true, &mut errs);
            let first = time(row, idx[10], "首次回复时间", false, &mut errs);
            let resolved = time(row, idx[11], "解决时间", false, &mut errs);
            let closed = time(row, idx[12], "关闭时间", false, &mut errs);
            let draft = TicketDraft {
                channel: channel.unwrap_or(Channel::Chat),
                category: category.unwrap_or_default(),
                priority: priority.unwrap_or(Priority::Normal),
                subject,
                description: cell(5),
                requester_kind: RequesterKind::Patient,
                requester_name: cell(6).chars().take(model::NAME_MAX).collect(),
                requester_phone: phone,
                tags: vec!["历史导入".into()],
            };
            (external, draft, owner, created, first, resolved, closed)
        }
        Kind::Calls => {
            let external = cell(0);
            if external.is_empty() {
                errs.push(("通话编号".into(), "不能为空".into()));
            }
            let phone = phone_of(&cell(1), &mut errs, "主叫号码");
            let owner = agent_of(&cell(2), &mut errs, "坐席");
            let created = time(row, idx[3], "来电时间", true, &mut errs);
            let answered = time(row, idx[4], "接听时间", false, &mut errs);
            let ended = time(row, idx[5], "挂机时间", false, &mut errs);
            let category = if cell(6).is_empty() { category_code(settings, "consult") } else { category_code(settings, &cell(6)) };
            if category.is_none() {
                errs.push(("分类".into(), format!("没有分类“{}”", cell(6))));
            }
            let who = phone.as_ref().map_or("未知号码".to_string(), Phone::masked);
            let subject = if answered.is_some() { format!("来电 {who}") } else { format!("未接来电 {who}") };
            let draft = TicketDraft {
                channel: Channel::Hotline,
                category: category.unwrap_or_default(),
                priority: Priority::Normal,
                subject,
                description: cell(7),
                requester_kind: RequesterKind::Patient,
                requester_name: String::new(),
                requester_phone: phone,
                tags: vec!["通话记录".into()],
            };
            // A call ends when it is hung up: answered calls are resolved then.
            let resolved = answered.and(ended);
            (external, draft, owner, created, answered, resolved, resolved)
        }
    };
    if let Some(c) = created {
        for (label, t) in [("首次回复/接听时间", first), ("解决/挂机时间", resolved), ("关闭时间", closed)] {
            if t.is_some_and(|t| t < c) {
                errs.push((label.into(), "早于创建时间".into()));
            }
        }
    }
    if let (Some(r), Some(c)) = (resolved, closed)
        && c < r
    {
        errs.push(("关闭时间".into(), "早于解决时间".into()));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let created = created.unwrap_or(Instant::EPOCH);
    Ok(HistoricTicket {
        external_ref: external,
        draft,
        owner,
        created_at: created,
        first_response_at: first,
        resolved_at: resolved.or(closed),
        closed_at: closed,
    })
}

/// Imports history; all or nothing unless `mode` keeps the good rows. Numbers already
/// imported are refused (a file can be imported once).
pub async fn import(access: &Access, bytes: &[u8], filename: &str, kind: Kind, mode: Mode) -> Result<ImportReport> {
    access.require(Permission::DeskManage)?;
    let table = tabular::read(bytes, filename).await?;
    let columns = match kind {
        Kind::Tickets => TICKET_COLUMNS,
        Kind::Calls => CALL_COLUMNS,
    };
    let mut report = ImportReport { total: table.rows.len(), ..Default::default() };
    let idx = match table.locate(columns) {
        Ok(i) => i,
        Err(e) => {
            report.rejected = e;
            return Ok(report);
        }
    };
    let settings = setup::load(access).await?;
    let agents: HashMap<String, i64> = hops_platform::accounts::service::directory(access)
        .await?
        .into_iter()
        .filter(|c| c.role.can(Permission::DeskWork))
        .map(|c| (c.username, c.id.0))
        .collect();
    let mut good = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, row) in table.rows.iter().enumerate() {
        let line = i + 2;
        match read_row(kind, row, &idx, &settings, &agents) {
            Ok(t) => {
                if let Some(first) = seen.insert(t.external_ref.clone(), line) {
                    report
                        .rejected
                        .push(RowError { row: line, column: columns[0].label.into(), message: format!("与第 {first} 行重复") });
                } else if tickets::external_exists(access, &t.external_ref).await? {
                    report.rejected.push(RowError { row: line, column: columns[0].label.into(), message: "已导入过".into() });
                } else {
                    good.push(t);
                }
            }
            Err(errs) => report.rejected.extend(errs.into_iter().map(|(column, message)| RowError { row: line, column, message })),
        }
    }
    if !report.rejected.is_empty() && mode == Mode::AllOrNothing {
        return Ok(report);
    }
    let n = tickets::import_history(access, &settings, &good, filename).await?;
    report.inserted = n;
    report.committed = true;
    Ok(report)
}

/// The status a historic ticket ends in.
pub fn final_status(t: &HistoricTicket) -> Status {
    if t.closed_at.is_some() {
        Status::Closed
    } else if t.resolved_at.is_some() {
        Status::Resolved
    } else if t.first_response_at.is_some() {
        Status::Open
    } else {
        Status::New
    }
}

pub fn template(kind: Kind) -> Result<Vec<u8>> {
    match kind {
        Kind::Tickets => tabular::template_xlsx("历史工单", TICKET_COLUMNS),
        Kind::Calls => tabular::template_xlsx("通话记录", CALL_COLUMNS),
    }
}
