//! Use cases of the agents' call tasks: the queue, a task with its script and questionnaire,
//! recording a call (outcome, note, answers; the retry rule decides what follows), the number
//! in clear for the call (`PersonalUnmask`, audited), and the satisfaction results per doctor
//! and department with their XLSX export. Answers are stored by the platform's forms engine
//! (one response per answered call, keyed by the task's subject, linked from the task); the
//! figures are the desk's own.

use std::collections::HashMap;

use hops_contracts::checkup::Bookings;
use hops_kernel::{LocalDay, PatientId};
use hops_platform::forms::{self, Subject};
use hops_platform::tabular::{self, Table};
use hops_platform::web::Paging;
use hops_platform::{Access, Error, FieldError, Permission, Result};

use super::model::{self, Next, Outcome, TaskStatus};
use super::questionnaire::{self, Answer, CallScore, Kind, Question, Satisfaction};
use super::store::{self, AttemptRow, PlanRow, TaskFilter, TaskRow};

pub async fn tasks(access: &Access, f: &TaskFilter, paging: Paging) -> Result<(Vec<TaskRow>, i64)> {
    access.require(Permission::FollowupWork)?;
    let scope = scope(access).await?;
    let mut c = access.tenant().read().await?;
    Ok(store::tasks(&mut c, f, scope.as_deref(), paging.offset(), paging.per_page).await?)
}

/// The calls of today within the caller's data scope — pending tasks due before today ends —
/// and how many of them were due on an earlier day; `None` for those who do not work follow-up.
pub async fn today(access: &Access) -> Result<Option<(i64, i64)>> {
    if !access.can(Permission::FollowupWork) {
        return Ok(None);
    }
    let scope = scope(access).await?;
    let today = access.now().local_day();
    let mut c = access.tenant().read().await?;
    Ok(Some(store::due_by(&mut c, scope.as_deref(), today.start(), today.plus_days(1).start()).await?))
}

/// The caller's data scope on tasks: `None` all, else the departments whose consultations'
/// tasks they see (a nurse: their care teams' departments; see the master data's scope).
async fn scope(access: &Access) -> Result<Option<Vec<i64>>> {
    Ok(hops_master::service::department_scope(access).await?.map(|ids| ids.into_iter().map(|d| d.0).collect()))
}

/// A task with what the agent needs for the call.
pub struct TaskDetail {
    pub task: TaskRow,
    pub plan: PlanRow,
    /// The questionnaire to ask (its current questions).
    pub questions: Vec<Question>,
    pub questionnaire_name: String,
    pub attempts: Vec<AttemptRow>,
    pub answers: Vec<Answer>,
}

pub async fn task(access: &Access, id: i64) -> Result<TaskDetail> {
    access.require(Permission::FollowupWork)?;
    let scope = scope(access).await?;
    let mut c = access.tenant().read().await?;
    let task = store::task_in_scope(&mut c, id, scope.as_deref()).await?.ok_or_else(|| Error::not_found("回访任务"))?;
    let plan = store::plan(&mut c, task.plan_id).await?.ok_or_else(|| Error::not_found("回访计划"))?;
    let q = match task.questionnaire_id {
        Some(q) => super::surveys::questionnaire_in(&mut c, q).await?,
        None => None,
    };
    let mut answers = Vec::new();
    if let Some(r) = task.response_id
        && let Some(r) = forms::service::responses_in(&mut c, &[r]).await?.pop()
    {
        let d = forms::service::definition_in(&mut c, r.form_id, r.version).await?.unwrap_or_default();
        answers = r.answers.iter().map(|a| questionnaire::answer_of(&d, a)).collect();
    }
    Ok(TaskDetail {
        attempts: store::attempts(&mut c, id).await?,
        answers,
        questions: q.as_ref().map(|q| q.questions.clone()).unwrap_or_default(),
        questionnaire_name: q.map(|q| q.name).unwrap_or_default(),
        task,
        plan,
    })
}

/// A call as the agent records it.
#[derive(Clone, Debug, Default)]
pub struct CallInput {
    pub outcome: String,
    pub note: String,
    /// Answers by question (index 0 = question 1), empty when not asked.
    pub answers: Vec<String>,
    /// The person answered the phone but did not want to answer the questionnaire.
    pub survey_declined: bool,
}

/// Records a call on a pending task. The outcome and the plan's retry rule decide whether the
/// task is done, called again later or given up; 要求不再回访 also keeps the person out of
/// every later plan. Bad input (every problem at once) changes nothing.
pub async fn record_call(access: &Access, id: i64, input: &CallInput) -> Result<TaskRow> {
    access.require(Permission::FollowupWork)?;
    let detail = task(access, id).await?;
    let t = &detail.task;
    if t.status != TaskStatus::Pending {
        return Err(Error::conflict(
            "invalid_status",
            format!("回访任务已{}，不能再记录通话", t.status.label_zh().trim_start_matches('已')),
        ));
    }
    let mut errors = Vec::new();
    let outcome = Outcome::from_code(&input.outcome);
    if outcome.is_none() {
        errors.push(FieldError::new("outcome", "请选择通话结果"));
    }
    let note = input.note.trim();
    if note.chars().count() > 500 {
        errors.push(FieldError::new("note", "通话备注不能超过 500 个字"));
    }
    let any_answer = input.answers.iter().any(|a| !a.trim().is_empty());
    let mut answers = Vec::new();
    match outcome {
        Some(o) if o.is_contact() && !detail.questions.is_empty() && !input.survey_declined => {
            match questionnaire::check_answers(&detail.questions, &input.answers) {
                Ok(a) => answers = a,
                Err(e) => errors.extend(e),
            }
        }
        Some(o) if !o.is_contact() && any_answer => {
            errors.push(FieldError::new("answers", format!("通话结果为「{}」时不能记录问卷答案", o.label_zh())));
        }
        _ => {}
    }
    let outcome = match outcome {
        Some(o) if errors.is_empty() => o,
        _ => return Err(Error::invalid(errors)),
    };
    let now = access.now();
    let attempt = t.attempts + 1;
    let (status, due) = match model::next_step(&detail.plan.plan.retry, attempt, outcome, now) {
        Next::Completed => (TaskStatus::Completed, t.due_at),
        Next::Retry(at) => (TaskStatus::Pending, at),
        Next::Failed => (TaskStatus::Failed, t.due_at),
    };
    let answered = !answers.is_empty();
    let mut tx = access.tenant().write().await?;
    // The answers go to the forms engine, keyed by whom the task calls.
    let response = match (answered, t.questionnaire_id) {
        (true, Some(form)) => {
            let subject = Subject::parse(&t.subject).ok_or_else(|| Error::conflict("no_subject", "回访对象无法识别，不能记录问卷"))?;
            let raw = questionnaire::raw_answers(&input.answers);
            Some(forms::service::submit(access, &mut tx, form, subject, &format!("desk_followup_task:{id}"), &raw).await?.id)
        }
        _ => None,
    };
    if !store::record_call(&mut tx, id, t.attempts, outcome, status, due, response, now).await? {
        return Err(Error::conflict("invalid_status", "该任务刚被其他坐席处理，请刷新后查看"));
    }
    let attempt_id = tx.next_id(access.engine()).await?;
    let actor = access.actor();
    store::insert_attempt(&mut tx, attempt_id, id, outcome, note, (actor.user_id.map(|u| u.0), &actor.display_name), now).await?;
    if outcome == Outcome::OptOut {
        store::opt_out(&mut tx, &t.subject, id, now).await?;
    }
    let next = match status {
        TaskStatus::Pending => format!("，{} 再次拨打", due.format_minute()),
        s => format!("，任务{}", s.label_zh()),
    };
    let detail_text = format!("第 {attempt} 次：{}{next}{}", outcome.label_zh(), if answered { "，已记录问卷" } else { "" });
    access.audit(&mut tx, "desk.followup.call", &format!("desk_followup_task:{id}"), &detail_text).await?;
    let row = store::task(&mut tx, id).await?.ok_or_else(|| Error::not_found("回访任务"))?;
    tx.commit().await?;
    Ok(row)
}

/// The task's phone number in clear, for the call: from master data (the patient) or the
/// checkup booking. Needs `PersonalUnmask`; audited here and by the owning module.
pub async fn reveal_phone(access: &Access, id: i64) -> Result<String> {
    access.require(Permission::FollowupWork)?;
    access.require(Permission::PersonalUnmask)?;
    let t = task(access, id).await?.task;
    let phone = match (t.patient_id, t.booking_id) {
        (Some(p), _) => hops_master::service::reveal_patient(access, PatientId(p)).await?.phone,
        (None, Some(b)) => access.core().service::<dyn Bookings>()?.reveal_phone(access, b).await?,
        (None, None) => String::new(),
    };
    if phone.is_empty() {
        return Err(Error::conflict("no_phone", "该患者没有登记手机号"));
    }
    access.audit_read("desk.followup.reveal", &format!("desk_followup_task:{id}"), "回访时查看完整手机号").await?;
    Ok(phone)
}

// ---- results ----

/// The longest range of the results, in days.
pub const MAX_RANGE_DAYS: i32 = 366;

/// Checks a results range (days as typed, `to` inclusive).
pub fn parse_range(from: &str, to: &str) -> Result<(LocalDay, LocalDay)> {
    let mut errors = Vec::new();
    let f = LocalDay::parse(from.trim()).map_err(|_| errors.push(FieldError::new("from", "开始日期格式应为 YYYY-MM-DD"))).ok();
    let t = LocalDay::parse(to.trim()).map_err(|_| errors.push(FieldError::new("to", "结束日期格式应为 YYYY-MM-DD"))).ok();
    if let (Some(f), Some(t)) = (f, t) {
        if t < f {
            errors.push(FieldError::new("to", "结束日期不能早于开始日期"));
        } else if t.days_since(f) >= MAX_RANGE_DAYS {
            errors.push(FieldError::new("to", format!("统计区间不能超过 {MAX_RANGE_DAYS} 天")));
        }
    }
    match (f, t) {
        (Some(f), Some(t)) if errors.is_empty() => Ok((f, t)),
        _ => Err(Error::invalid(errors)),
    }
}

/// One question's figures: its text, kind, answers and mean score.
pub struct QuestionFigures {
    pub question: String,
    pub kind: Kind,
    pub answers: i64,
    pub scored: i64,
    pub average: Option<f64>,
}

pub struct Results {
    pub from: LocalDay,
    pub to: LocalDay,
    pub overall: Satisfaction,
    pub by_doctor: Vec<Satisfaction>,
    pub by_department: Vec<Satisfaction>,
    pub by_question: Vec<QuestionFigures>,
    pub calls: Vec<CallRow>,
}

/// An answered call with the sum and count of its scored answers.
pub struct CallRow {
    pub call: store::AnsweredCall,
    pub score_sum: i64,
    pub scored: i64,
}

/// Label of calls that are about no doctor (checkups, key patients).
pub const NO_DOCTOR: &str = "（未关联医生）";
pub const NO_DEPARTMENT: &str = "（未关联科室）";

/// Satisfaction of the questionnaires answered on the days `from`–`to` (inclusive).
pub async fn results(access: &Access, from: LocalDay, to: LocalDay) -> Result<Results> {
    access.require(Permission::FollowupWork)?;
    let end = to.plus_days(1);
    let scope = scope(access).await?;
    let (calls, responses, versions) = {
        let mut c = access.tenant().read().await?;
        let calls = store::answered_calls(&mut c, from.0, end.0, scope.as_deref()).await?;
        let ids: Vec<i64> = calls.iter().map(|x| x.response_id).collect();
        let responses: HashMap<i64, forms::ResponseRow> =
            forms::service::responses_in(&mut c, &ids).await?.into_iter().map(|r| (r.id, r)).collect();
        let mut versions: HashMap<(i64, i32), forms::Definition> = HashMap::new();
        for r in responses.values() {
            if let std::collections::hash_map::Entry::Vacant(e) = versions.entry((r.form_id, r.version)) {
                e.insert(forms::service::definition_in(&mut c, r.form_id, r.version).await?.unwrap_or_default());
            }
        }
        (calls, responses, versions)
    };
    let sums_of = |c: &store::AnsweredCall| responses.get(&c.response_id).map_or((0, 0), |r| (r.score_sum, r.scored));
    let answers: Vec<Answer> = calls
        .iter()
        .filter_map(|c| responses.get(&c.response_id))
        .flat_map(|r| {
            let d = versions.get(&(r.form_id, r.version));
            r.answers.iter().map(move |a| questionnaire::answer_of(d.unwrap_or(&forms::Definition::default()), a))
        })
        .collect();
    let score = |group: &str, c: &store::AnsweredCall| {
        let (score_sum, scored) = sums_of(c);
        CallScore { group: group.to_string(), score_sum, scored }
    };
    let name_or = |s: &str, none: &str| if s.is_empty() { none.to_string() } else { s.to_string() };
    let by_doctor = questionnaire::summarize(&calls.iter().map(|c| score(&name_or(&c.doctor_name, NO_DOCTOR), c)).collect::<Vec<_>>());
    let by_department =
        questionnaire::summarize(&calls.iter().map(|c| score(&name_or(&c.department_name, NO_DEPARTMENT), c)).collect::<Vec<_>>());
    let overall = questionnaire::summarize(&calls.iter().map(|c| score("全部", c)).collect::<Vec<_>>()).pop().unwrap_or(Satisfaction {
        group: "全部".into(),
        calls: 0,
        scored_calls: 0,
        average: None,
        satisfied: 0,
    });
    let mut by_question: Vec<QuestionFigures> = Vec::new();
    let mut sums: Vec<i64> = Vec::new();
    for a in &answers {
        let i = match by_question.iter().position(|q| q.question == a.question && q.kind == a.kind) {
            Some(i) => i,
            None => {
                by_question.push(QuestionFigures { question: a.question.clone(), kind: a.kind, answers: 0, scored: 0, average: None });
                sums.push(0);
                by_question.len() - 1
            }
        };
        by_question[i].answers += 1;
        if let Some(s) = a.score {
            by_question[i].scored += 1;
            sums[i] += i64::from(s);
        }
    }
    for (q, s) in by_question.iter_mut().zip(sums) {
        q.average = (q.scored > 0).then(|| s as f64 / q.scored as f64);
    }
    let calls = calls
        .into_iter()
        .map(|c| {
            let (score_sum, scored) = sums_of(&c);
            CallRow { call: c, score_sum, scored }
        })
        .collect();
    Ok(Results { from, to, overall, by_doctor, by_department, by_question, calls })
}

fn figures_table(first: &str, rows: &[Satisfaction]) -> Table {
    Table {
        headers: [first, "回访问卷数", "计分问卷数", "平均分（1–5）", "满意数（≥4 分）", "满意率"].iter().map(|s| s.to_string()).collect(),
        rows: rows
            .iter()
            .map(|s| {
                vec![
                    s.group.clone(),
                    s.calls.to_string(),
                    s.scored_calls.to_string(),
                    questionnaire::fmt_average(s.average),
                    s.satisfied.to_string(),
                    questionnaire::fmt_rate(s.rate()),
                ]
            })
            .collect(),
    }
}

/// The results as a workbook: per doctor, per department, per question, and every answered
/// call (no phone numbers). Needs `DataExport`; audited.
pub async fn export_results(access: &Access, from: LocalDay, to: LocalDay) -> Result<Vec<u8>> {
    access.require(Permission::FollowupWork)?;
    access.require(Permission::DataExport)?;
    let r = results(access, from, to).await?;
    let questions = Table {
        headers: ["题目", "题型", "回答数", "计分回答数", "平均分"].iter().map(|s| s.to_string()).collect(),
        rows: r
            .by_question
            .iter()
            .map(|q| {
                vec![
                    q.question.clone(),
                    q.kind.label_zh().into(),
                    q.answers.to_string(),
                    q.scored.to_string(),
                    questionnaire::fmt_average(q.average),
                ]
            })
            .collect(),
    };
    let calls = Table {
        headers: ["任务编号", "回访计划", "患者", "医生", "科室", "回访时间", "问卷得分"].iter().map(|s| s.to_string()).collect(),
        rows: r
            .calls
            .iter()
            .map(|r| {
                let c = &r.call;
                vec![
                    c.task_id.to_string(),
                    c.plan_name.clone(),
                    c.patient_name.clone(),
                    c.doctor_name.clone(),
                    c.department_name.clone(),
                    c.answered_at.format_minute(),
                    questionnaire::fmt_average((r.scored > 0).then(|| r.score_sum as f64 / r.scored as f64)),
                ]
            })
            .collect(),
    };
    let bytes = tabular::write_workbook(&[
        ("按医生", figures_table("医生", &r.by_doctor)),
        ("按科室", figures_table("科室", &r.by_department)),
        ("按题目", questions),
        ("回访明细", calls),
    ])?;
    access.audit_read("export", "desk_followup_results", &format!("导出回访满意度 {from} 至 {to}（{} 份问卷）", r.calls.len())).await?;
    Ok(bytes)
}
