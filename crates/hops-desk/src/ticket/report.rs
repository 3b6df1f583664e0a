//! SLA attainment of the tickets opened in a period: overall, per month, per category and per
//! agent (the owner), each clock met in time / breached / still running, judged as of now.

use std::collections::{BTreeMap, HashMap};

use hops_kernel::{Instant, LocalDay};
use hops_platform::accounts::service::directory;
use hops_platform::{Access, Permission, Result};

use super::model::Status;
use super::service::evaluate;
use super::store;
use crate::setup::service as setup;
use crate::sla::clock::{Attainment, Sla, attainment};

/// One line of the report.
#[derive(Clone, Debug, Default)]
pub struct Line {
    pub label: String,
    pub tickets: usize,
    pub sla: Attainment,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub from: Option<LocalDay>,
    pub to: Option<LocalDay>,
    pub overall: Line,
    pub by_month: Vec<Line>,
    pub by_category: Vec<Line>,
    pub by_agent: Vec<Line>,
}

fn line(label: String, slas: &[Sla]) -> Line {
    Line { label, tickets: slas.len(), sla: attainment(slas) }
}

/// The report of tickets created on `from ..= to` (China days).
pub async fn attainment_report(access: &Access, from: LocalDay, to: LocalDay) -> Result<Report> {
    access.require(Permission::DeskWork)?;
    let settings = setup::load(access).await?;
    let people: HashMap<i64, String> = directory(access).await?.into_iter().map(|c| (c.id.0, c.display_name)).collect();
    let mut c = access.tenant().read().await?;
    let rows = store::created_between(&mut c, from.start(), to.plus_days(1).start()).await?;
    let ids: Vec<i64> = rows.iter().map(|t| t.id).collect();
    let mut changes: HashMap<i64, Vec<(Instant, Status)>> = HashMap::new();
    for (t, at, s) in super::service::status_changes(&mut c, &ids).await? {
        changes.entry(t).or_default().push((at, s));
    }
    drop(c);
    let now = access.now();
    let mut all = Vec::new();
    let mut months: BTreeMap<String, Vec<Sla>> = BTreeMap::new();
    let mut categories: BTreeMap<String, Vec<Sla>> = BTreeMap::new();
    let mut agents: BTreeMap<String, Vec<Sla>> = BTreeMap::new();
    for t in &rows {
        let Some(sla) = evaluate(&settings, t, changes.get(&t.id).map_or(&[][..], Vec::as_slice), now) else { continue };
        months.entry(t.created_at.local_day().to_string()[..7].to_string()).or_default().push(sla);
        categories.entry(settings.category_name(&t.category_code)).or_default().push(sla);
        let agent = t.owner_id.and_then(|o| people.get(&o).cloned()).unwrap_or_else(|| "（未分配）".into());
        agents.entry(agent).or_default().push(sla);
        all.push(sla);
    }
    Ok(Report {
        from: Some(from),
        to: Some(to),
        overall: line("全部".into(), &all),
        by_month: months.into_iter().map(|(k, v)| line(k, &v)).collect(),
        by_category: categories.into_iter().map(|(k, v)| line(k, &v)).collect(),
        by_agent: agents.into_iter().map(|(k, v)| line(k, &v)).collect(),
    })
}

/// A rate in basis points as `95.2%`, or `—` when nothing was judged.
pub fn percent(bp: Option<u64>) -> String {
    bp.map_or("—".into(), |b| format!("{}.{}%", b / 100, (b % 100) / 10))
}

const EXPORT_HEADERS: [&str; 16] = [
    "工单号",
    "原单号",
    "渠道",
    "分类",
    "优先级",
    "主题",
    "状态",
    "请求人",
    "电话（脱敏）",
    "处理人",
    "创建时间",
    "首次回复",
    "解决时间",
    "首次响应到期",
    "首次响应",
    "解决",
];

/// The tickets of a filter as XLSX (phones masked), at most 100,000; audited.
pub async fn export(access: &Access, filter: &store::Filter) -> Result<Vec<u8>> {
    access.require(Permission::DeskWork)?;
    access.require(Permission::DataExport)?;
    let settings = setup::load(access).await?;
    let people: HashMap<i64, String> = directory(access).await?.into_iter().map(|c| (c.id.0, c.display_name)).collect();
    let (rows, _) = super::service::list(access, filter, hops_platform::web::Paging { page: 1, per_page: 100_000 }).await?;
    let fmt = |t: Option<Instant>| t.map(Instant::format_minute).unwrap_or_default();
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|l| {
            let t = &l.ticket;
            let clock = |c: Option<&crate::sla::clock::ClockState>| c.map_or(String::new(), |c| c.status().label().to_string());
            vec![
                t.number.clone(),
                t.external_ref.clone().unwrap_or_default(),
                t.channel.label_zh().into(),
                settings.category_name(&t.category_code),
                t.priority.label_zh().into(),
                t.subject.clone(),
                t.status.label_zh().into(),
                t.requester_name.clone(),
                t.requester_phone.as_ref().map(|p| p.masked.clone()).unwrap_or_default(),
                t.owner_id.and_then(|o| people.get(&o).cloned()).unwrap_or_default(),
                t.created_at.format_minute(),
                fmt(t.first_response_at),
                fmt(t.resolved_at),
                fmt(l.sla.and_then(|s| s.first_response.due)),
                clock(l.sla.as_ref().map(|s| &s.first_response)),
                clock(l.sla.as_ref().map(|s| &s.resolution)),
            ]
        })
        .collect();
    let bytes = hops_platform::tabular::write_xlsx("工单", &EXPORT_HEADERS, &table)?;
    access.audit_read("export", "desk_tickets", &format!("导出工单 {} 张", table.len())).await?;
    Ok(bytes)
}
