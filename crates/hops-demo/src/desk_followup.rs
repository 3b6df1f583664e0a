//! The demo hospital's follow-up and complaints, built through the desk's own services: a
//! satisfaction questionnaire; plans after a consultation (one department, so the queue stays a
//! size an agent team works), after a checkup and for key patients (monthly); twenty key
//! patients; the tasks those plans generate, most of them called with outcomes and answers whose
//! scores differ by doctor; and about eighty complaints received over the last six months with
//! their causes, the older ones through the whole flow to 已结案.

use anyhow::Context;
use hops_desk::complaint::model::Draft;
use hops_desk::complaint::service::{self as complaints, Origin, StepInput};
use hops_desk::followup::calls::{self, CallInput};
use hops_desk::followup::model::PlanDraft;
use hops_desk::followup::service::TaskFilter;
use hops_desk::followup::service::{self as followup, QuestionnaireDraft, Questions};
use hops_master::service::PatientQuery;
use hops_platform::Access;
use hops_platform::web::Paging;

/// A small deterministic generator (the demo is the same on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

const QUESTIONS: &str = "单选|您对医生的服务态度满意吗？|非常满意=5；满意=4；一般=3；不满意=2；非常不满意=1
评分|请为医生的专业水平打分（1–5 分）
单选|您的问题解决了吗？|已解决=5；部分解决=3；未解决=1；不清楚
文本|您还有什么意见或建议？|选填";

const SUGGESTIONS: &[&str] = &["", "", "希望医生回复再快一点", "挺好的，谢谢", "药寄得有点慢", "", "希望能开通夜间问诊"];

/// Complaint subjects per cause code, as patients put them.
const COMPLAINTS: &[(&str, &str, u64)] = &[
    ("reply_slow", "医生回复太慢，等了一下午", 24),
    ("attitude", "客服接电话态度不耐烦", 14),
    ("explain", "医生没解释清楚检查结果", 10),
    ("waiting", "视频问诊排队时间太长", 9),
    ("delivery", "药品快递三天还没到", 12),
    ("refund", "取消问诊后退款迟迟不到账", 5),
    ("price", "复诊续方收费比线下贵", 4),
    ("system", "App 上传检查报告一直失败", 8),
    ("process", "开具处方后不知道怎么取药", 5),
    ("skill", "医生开的药吃了没效果", 3),
];

pub async fn followup(access: &Access) -> anyhow::Result<()> {
    let q = QuestionnaireDraft {
        name: "问诊满意度调查".into(),
        intro: "耽误您一分钟，做个简短的满意度调查".into(),
        active: true,
        questions: Questions::Lines(QUESTIONS.into()),
    };
    let questionnaire = followup::save_questionnaire(access, None, &q).await.context("回访问卷")?;
    let department = hops_master::service::department_choices(access).await?.first().map(|d| d.1.0);
    let script = "您好，我是示范人民医院互联网医院的客服，看到您前几天在我们平台问诊，想了解一下您现在恢复得怎么样？对医生的服务是否满意？";
    let plans = [
        ("问诊后 3 天回访", "consultation", department, "3", "0", script),
        (
            "体检后 7 天回访",
            "checkup",
            None,
            "7",
            "0",
            "您好，这里是示范人民医院健康管理中心，您的体检报告已出，想了解一下您对体检服务的感受。",
        ),
        ("重点患者月度回访", "key_patient", None, "0", "30", "您好，这里是示范人民医院，例行了解您近期的身体情况和用药情况。"),
    ];
    for (name, audience, dept, delay, repeat, text) in plans {
        let d = PlanDraft {
            name: name.into(),
            audience: audience.into(),
            department_id: dept,
            delay_days: delay.into(),
            repeat_days: repeat.into(),
            script: text.into(),
            questionnaire_id: Some(questionnaire),
            max_attempts: "3".into(),
            retry_no_answer_hours: "4".into(),
            retry_refused_hours: "24".into(),
            retry_family_hours: "0".into(),
            active: true,
        };
        followup::save_plan(access, None, &d).await.with_context(|| format!("回访计划 {name}"))?;
    }
    let query = PatientQuery { q: "", sex: "", channel: "" };
    let (patients, _) = hops_master::service::list_patients(access, &query, Paging { page: 1, per_page: 20 }).await?;
    let reasons = ["高血压随访", "糖尿病随访", "术后康复", "孕期管理", "慢阻肺随访"];
    for (i, p) in patients.iter().enumerate() {
        followup::mark_key_patient(access, p.id, reasons[i % reasons.len()]).await?;
    }
    followup::generate_all(access).await.context("生成回访任务")?;
    call_tasks(access).await?;
    complaint_cases(access).await
}

/// Calls most generated tasks: outcomes in realistic shares, answers whose scores lean on the
/// doctor (so the per-doctor figures differ), a third of the tasks left for the agents.
async fn call_tasks(access: &Access) -> anyhow::Result<()> {
    let mut rng = Lcg(20_261_122);
    let f = TaskFilter { status: Some(hops_desk::followup::model::TaskStatus::Pending), ..Default::default() };
    let (tasks, _) = calls::tasks(access, &f, Paging { page: 1, per_page: 600 }).await?;
    for t in tasks {
        if rng.next(3) == 0 {
            continue;
        }
        let outcome = match rng.next(100) {
            0..=59 => "reached",
            60..=64 => "family",
            65..=79 => "no_answer",
            80..=86 => "refused",
            87..=90 => "wrong_number",
            91..=94 => "invalid_number",
            95..=96 => "opt_out",
            _ => "reached",
        };
        let lean = t.doctor_id.unwrap_or(0).unsigned_abs() % 3;
        let score = |rng: &mut Lcg| (5 - rng.next(2 + lean)).max(1);
        let answers = if matches!(outcome, "reached" | "family") && rng.next(10) > 0 {
            let attitude = ["非常满意", "满意", "一般", "不满意", "非常不满意"][(5 - score(&mut rng)) as usize];
            let solved = ["已解决", "部分解决", "未解决", "不清楚"][rng.next(4).min(lean + 1) as usize];
            vec![
                attitude.to_string(),
                score(&mut rng).to_string(),
                solved.to_string(),
                SUGGESTIONS[rng.next(SUGGESTIONS.len() as u64) as usize].into(),
            ]
        } else {
            Vec::new()
        };
        let input = CallInput {
            outcome: outcome.into(),
            note: if outcome == "refused" { "患者说正在开会，稍后再打".into() } else { String::new() },
            survey_declined: matches!(outcome, "reached" | "family") && answers.is_empty(),
            answers,
        };
        calls::record_call(access, t.id, &input).await.with_context(|| format!("回访任务 {}", t.id))?;
    }
    Ok(())
}

/// About eighty complaints over the last six months (received times spread back in time), the
/// older ones handled to 已结案, the recent ones at every step of the flow.
async fn complaint_cases(access: &Access) -> anyhow::Result<()> {
    let mut rng = Lcg(8_000_800);
    let departments = hops_master::service::department_choices(access).await?;
    let total_weight: u64 = COMPLAINTS.iter().map(|c| c.2).sum();
    let now = access.now();
    let mut made: Vec<(i64, i64)> = Vec::new();
    for i in 0..80u64 {
        let mut pick = rng.next(total_weight);
        let (cause, subject, _) = COMPLAINTS
            .iter()
            .find(|c| {
                if pick < c.2 {
                    true
                } else {
                    pick -= c.2;
                    false
                }
            })
            .copied()
            .unwrap_or(COMPLAINTS[0]);
        let days_ago = (i * 180 / 80) as i64 + rng.next(3) as i64;
        let at = now.plus_seconds(-(days_ago * 86_400) - rng.next(36_000) as i64);
        let draft = Draft {
            complainant: format!("{}先生", ["张", "王", "李", "赵", "刘", "陈"][rng.next(6) as usize]),
            phone: format!("1390571{:04}", rng.next(10_000)),
            subject: subject.into(),
            description: format!("{subject}。希望医院重视并改进。"),
            department_id: departments.get(rng.next(departments.len() as u64) as usize).map(|d| d.1.0),
            doctor_id: None,
            cause_code: if rng.next(5) == 0 { String::new() } else { cause.into() },
            received_at: at.format_minute(),
        };
        let c = complaints::create(access, &Origin::Direct, &draft).await.with_context(|| format!("投诉 {subject}"))?;
        made.push((c.id, days_ago));
    }
    for (id, days_ago) in made {
        let steps: &[&str] = match days_ago {
            0..=3 => &[],
            4..=10 => &["investigate"],
            11..=20 => &["investigate", "rectify"],
            21..=30 => &["investigate", "rectify", "reply"],
            _ => &["investigate", "rectify", "reply", "review"],
        };
        for step in steps {
            let dept = departments.get(rng.next(departments.len() as u64) as usize).map(|d| d.1.0);
            let cause = COMPLAINTS[rng.next(COMPLAINTS.len() as u64) as usize].0;
            let input = StepInput {
                department_id: dept,
                investigation: "调取问诊记录并与当事人核实，情况基本属实。".into(),
                cause_code: cause.into(),
                verdict: if rng.next(6) == 0 { "partly".into() } else { "founded".into() },
                rectification: "已与当事人沟通，纳入科室月度质控讲评，并优化相关流程。".into(),
                reply: "已电话向患者说明调查结果并致歉，患者表示理解。".into(),
                reply_channel: "phone".into(),
                approve: true,
                note: "整改到位，同意结案。".into(),
            };
            // Keep the cause chosen at registration when there was one.
            let current = complaints::get(access, id).await?.complaint;
            let input = StepInput { cause_code: current.cause_code.clone().unwrap_or(input.cause_code.clone()), ..input };
            complaints::step(access, id, step, &input).await.with_context(|| format!("投诉 {} {step}", current.number))?;
        }
    }
    Ok(())
}
