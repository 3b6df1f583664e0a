//! The demo hospital's service desk: the FAQ knowledge base, the agent in the service team
//! (the operator leads it and receives escalations), three months of ticket and hotline history
//! imported through the desk's own import (so the SLA report has figures), a few open tickets
//! in the queues, and today's bot conversations.

use anyhow::Context;
use hops_desk::kb::DEMO_FAQ;
use hops_desk::kb::model::ArticleInput;
use hops_desk::setup::model::Team;
use hops_desk::ticket::import::{Kind, import};
use hops_kernel::Instant;
use hops_platform::Access;
use hops_platform::accounts::service::directory;
use hops_platform::tabular::Mode;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const SUBJECTS: &[(&str, &str, &str)] = &[
    ("在线客服", "booking", "预约挂号后没收到短信"),
    ("400热线", "booking", "专家号约不上，想加号"),
    ("在线客服", "refund", "取消预约后退款未到账"),
    ("微信群", "consult", "复诊开药需要带什么材料"),
    ("医助请求", "call_patient", "患者未上线，请呼叫患者进入视频问诊"),
    ("医助请求", "logistics", "患者询问处方药物流进度"),
    ("医助请求", "assist", "医生不会开电子处方，请协助操作"),
    ("系统故障", "fault", "处方流转到药房失败"),
    ("400热线", "consult", "医保卡线上支付不了"),
    ("电子邮件", "report_request", "需要上月问诊量统计报表"),
    ("现场", "complaint", "患者投诉医生回复太慢"),
    ("在线客服", "consult", "发票在哪里下载"),
];

const DRAFTS: &[(&str, &str)] = &[
    ("夜间可以在线问诊吗？", "您好，本院互联网医院每天 8:00–22:00 提供图文和视频问诊；夜间如有急症请立即拨打 120 或前往急诊就医。"),
    (
        "线上复诊可以用医保个人账户支付吗？",
        "您好，已开通医保线上支付的复诊，可在支付页面选择“医保支付”，使用个人账户余额结算，具体以支付页面显示为准。",
    ),
];

/// Desk demo data; idempotent per fresh demo hospital.
pub async fn desk(access: &Access) -> anyhow::Result<()> {
    let r = hops_desk::kb::service::import(access, DEMO_FAQ.as_bytes(), "faq-demo.csv", Mode::AllOrNothing).await?;
    anyhow::ensure!(r.committed, "demo FAQ rejected: {:?}", r.rejected);
    // Two answers written from questions the bot could not answer, waiting for the content
    // reviewer before they go live.
    for (question, answer) in DRAFTS {
        let input = ArticleInput {
            question: question.to_string(),
            answer: answer.to_string(),
            category: "问诊服务".into(),
            status: "draft".into(),
            ..Default::default()
        };
        hops_desk::kb::service::save(access, None, &input).await.context("demo KB draft")?;
    }
    let settings = hops_desk::setup::service::load(access).await?;
    let people = directory(access).await?;
    let id = |u: &str| people.iter().find(|p| p.username == u).map(|p| p.id.0);
    for t in &settings.teams {
        let (lead, members) = match t.code.as_str() {
            "service" => (id("operator"), vec![id("agent")].into_iter().flatten().collect()),
            "assistant" => (id("operator"), vec![id("nurse"), id("agent")].into_iter().flatten().collect()),
            _ => (id("operator"), Vec::new()),
        };
        hops_desk::setup::service::save_team(access, &Team { lead_user_id: lead, members, ..t.clone() }).await?;
    }
    let mut rng = StdRng::seed_from_u64(20261122);
    let now = access.now();
    let minute = 60_000_000i64;
    let mut csv = String::from("原工单号,渠道,分类,主题,请求人,电话,处理人,创建时间,首次回复时间,解决时间,关闭时间\n");
    for n in 0..360 {
        let (channel, category, subject) = SUBJECTS[rng.random_range(0..SUBJECTS.len())];
        // Spread over the last 90 days, 08:00–21:59 China time.
        let day = now.local_day().plus_days(-rng.random_range(2..92));
        let created = Instant(day.start().0 + (8 * 60 + rng.random_range(0..14 * 60)) * minute);
        let fmt = |t: Instant| t.format_second();
        // Most are answered within minutes; one in eight waits too long.
        let reply = created.0 + if rng.random_range(0..8) == 0 { rng.random_range(15..90) } else { rng.random_range(1..9) } * minute;
        let fixed = reply + if rng.random_range(0..6) == 0 { rng.random_range(240..900) } else { rng.random_range(10..200) } * minute;
        let closed = fixed + 24 * 60 * minute;
        let phone = format!("139{:08}", rng.random_range(0..100_000_000u32));
        // Nurses work follow-up calls, not the ticket queue: every ticket was the agent's.
        let agent = "agent";
        csv.push_str(&format!(
            "HIS-{n:05},{channel},{category},{subject},患者{n},{phone},{agent},{},{},{},{}\n",
            fmt(created),
            fmt(Instant(reply)),
            fmt(Instant(fixed)),
            fmt(Instant(closed))
        ));
    }
    let r = import(access, csv.as_bytes(), "demo-history.csv", Kind::Tickets, Mode::AllOrNothing).await?;
    anyhow::ensure!(r.committed, "demo ticket history rejected: {:?}", r.rejected.first());
    let mut calls = String::from("通话编号,主叫号码,坐席,来电时间,接听时间,挂机时间\n");
    for n in 0..200 {
        let day = now.local_day().plus_days(-rng.random_range(1..60));
        let start = Instant(day.start().0 + (8 * 60 + rng.random_range(0..12 * 60)) * minute);
        // Calls missed in the last days still wait for a call back (open tickets); older ones
        // were called back long ago.
        let missed = rng.random_range(0..12) == 0 && day >= now.local_day().plus_days(-3);
        let answered = Instant(start.0 + rng.random_range(5..60) * 1_000_000);
        let ended = Instant(answered.0 + rng.random_range(60..600) * 1_000_000);
        let phone = format!("138{:08}", rng.random_range(0..100_000_000u32));
        let a = if missed { String::new() } else { answered.format_second() };
        calls.push_str(&format!("CALL{n:05},{phone},agent,{},{a},{}\n", start.format_second(), ended.format_second()));
    }
    let r = import(access, calls.as_bytes(), "demo-calls.csv", Kind::Calls, Mode::AllOrNothing).await?;
    anyhow::ensure!(r.committed, "demo calls rejected: {:?}", r.rejected.first());
    // Today: patients ask the bot; some hand over to a person, whose tickets wait in the queue.
    let questions: &[&[&str]] = &[
        &["咋在手机上挂号", "挂号要提前几天"],
        &["药寄出来多久能到", "我的药快递到哪了"],
        &["医保卡可以线上用吗"],
        &["发票怎么开"],
        &["我头疼吃什么药"],
        &["你们有没有停车券", "转人工"],
        &["复诊怎么开药", "处方有效期多久"],
        &["体检报告在哪看"],
        &["可以帮我挂个明天的号吗", "人工客服"],
        &["视频问诊怎么进"],
    ];
    open_tickets(access, &people).await?;
    for (i, turns) in questions.iter().cycle().take(24).enumerate() {
        let mut token: Option<String> = None;
        for q in turns.iter() {
            let reply = hops_desk::bot::service::ask(access, token.as_deref(), "h5", q).await.context("demo bot question")?;
            token = Some(reply.session);
        }
        if turns.iter().any(|q| q.contains("人工")) && i % 2 == 0 {
            let phone = format!("1370000{:04}", i);
            hops_desk::bot::service::handover(access, token.as_deref().unwrap_or(""), &format!("患者{i}"), &phone).await?;
        }
    }
    Ok(())
}

/// The agent's open tickets this morning: a system fault answered too late (its clock has run
/// out), a consultation due soon and a prescription question waiting on the patient.
async fn open_tickets(access: &Access, people: &[hops_platform::accounts::service::Colleague]) -> anyhow::Result<()> {
    use hops_desk::ticket::model::{Action, TicketInput};
    use hops_desk::ticket::service::{self as tickets, Origin};
    let agent = people.iter().find(|p| p.username == "agent").map(|p| p.id.0);
    let now = access.now();
    let open = [
        ("fault", "system", "处方流转到药房失败，患者无法取药", 90),
        ("consult", "chat", "复诊开药需要带什么材料", 4),
        ("logistics", "assistant", "患者询问处方药物流进度", 40),
    ];
    for (i, (category, channel, subject, minutes_ago)) in open.into_iter().enumerate() {
        let input = TicketInput {
            channel: channel.into(),
            category: category.into(),
            priority: "normal".into(),
            subject: subject.into(),
            requester_kind: "patient".into(),
            requester_name: format!("患者{}", 30 + i),
            ..Default::default()
        };
        let origin = Origin { owner: agent, created_at: Some(now.plus_minutes(-minutes_ago)), ..Default::default() };
        let t = tickets::open(access, &input, origin).await.context("demo open ticket")?;
        if category == "logistics" {
            tickets::reply(access, t.id, "您好，已为您查询物流，请提供处方单号以便核实。", true, Some(Action::Pend)).await?;
        }
    }
    Ok(())
}
