//! Follow-up as pure rules: audiences, call outcomes and what each one means for the task
//! (done, call again after the plan's interval, or give up), plan checks, and the task's
//! source key that makes generation idempotent. Questionnaires are in [`super::questionnaire`].

use hops_kernel::{Instant, LocalDay, PersonId};
use hops_platform::FieldError;

/// Whom a plan follows up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Patients of completed internet-hospital consultations (hops-analytics).
    Consultation,
    /// People whose checkup booking is completed (hops-checkup).
    Checkup,
    /// Patients the hospital marked as key patients (重点患者), called regularly.
    KeyPatient,
    /// Patients on a care plan (SPEC §4, not built yet: plans cannot use it).
    CarePlan,
}

impl Audience {
    pub const ALL: [Audience; 4] = [Audience::Consultation, Audience::Checkup, Audience::KeyPatient, Audience::CarePlan];

    pub fn code(self) -> &'static str {
        match self {
            Audience::Consultation => "consultation",
            Audience::Checkup => "checkup",
            Audience::KeyPatient => "key_patient",
            Audience::CarePlan => "care_plan",
        }
    }

    pub fn from_code(s: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.code() == s.trim() || a.label_zh() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Audience::Consultation => "问诊后回访",
            Audience::Checkup => "体检后回访",
            Audience::KeyPatient => "重点患者定期回访",
            Audience::CarePlan => "全病程管理患者",
        }
    }

    /// When the delay counts from, as shown with the plan.
    pub fn event_zh(self) -> &'static str {
        match self {
            Audience::Consultation => "问诊完成",
            Audience::Checkup => "体检日期",
            Audience::KeyPatient => "标记为重点患者",
            Audience::CarePlan => "入组",
        }
    }

    /// Whether plans may use it (care plans come with SPEC §4).
    pub fn available(self) -> bool {
        self != Audience::CarePlan
    }
}

/// What came of one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 接通: spoke with the patient.
    Reached,
    /// 家属代接: a family member answered.
    Family,
    /// 无人接听
    NoAnswer,
    /// 拒接 (or 占线)
    Refused,
    /// 号码错误: someone else's number.
    WrongNumber,
    /// 空号/停机
    InvalidNumber,
    /// 要求不再回访: never call this person again.
    OptOut,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Outcome::Reached,
        Outcome::Family,
        Outcome::NoAnswer,
        Outcome::Refused,
        Outcome::WrongNumber,
        Outcome::InvalidNumber,
        Outcome::OptOut,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::Family => "family",
            Outcome::NoAnswer => "no_answer",
            Outcome::Refused => "refused",
            Outcome::WrongNumber => "wrong_number",
            Outcome::InvalidNumber => "invalid_number",
            Outcome::OptOut => "opt_out",
        }
    }

    pub fn from_code(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == s.trim() || o.label_zh() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Reached => "接通",
            Outcome::Family => "家属代接",
            Outcome::NoAnswer => "无人接听",
            Outcome::Refused => "拒接",
            Outcome::WrongNumber => "号码错误",
            Outcome::InvalidNumber => "空号/停机",
            Outcome::OptOut => "要求不再回访",
        }
    }

    /// Whether someone answered, so a questionnaire can be recorded.
    pub fn is_contact(self) -> bool {
        matches!(self, Outcome::Reached | Outcome::Family)
    }
}

/// Where a task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    /// Waiting for its (next) call at `due_at`.
    Pending,
    Completed,
    /// Given up: attempts used up, a wrong or dead number, or the person opted out.
    Failed,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 3] = [TaskStatus::Pending, TaskStatus::Completed, TaskStatus::Failed];

    pub fn code(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
        }
    }

    pub fn from_code(s: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|x| x.code() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TaskStatus::Pending => "待回访",
            TaskStatus::Completed => "已完成",
            TaskStatus::Failed => "未成功",
        }
    }
}

/// When to call again after an outcome, and how often at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryRule {
    /// Calls per task, the first included (1–10).
    pub max_attempts: i32,
    /// Hours until the next call after 无人接听 (0: no retry).
    pub no_answer_hours: i32,
    /// Hours until the next call after 拒接 (0: no retry).
    pub refused_hours: i32,
    /// Hours until a call to reach the patient in person after 家属代接 (0: a family member's
    /// answer completes the task).
    pub family_hours: i32,
}

/// What a recorded outcome does to the task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    Completed,
    /// Call again at this instant.
    Retry(Instant),
    Failed,
}

/// The task's next step after its `attempt`-th call (1-based) ended with `outcome` at `now`.
pub fn next_step(rule: &RetryRule, attempt: i32, outcome: Outcome, now: Instant) -> Next {
    let retry = |hours: i32, otherwise: Next| {
        if hours > 0 && attempt < rule.max_attempts { Next::Retry(now.plus_seconds(i64::from(hours) * 3600)) } else { otherwise }
    };
    match outcome {
        Outcome::Reached => Next::Completed,
        Outcome::Family => retry(rule.family_hours, Next::Completed),
        Outcome::NoAnswer => retry(rule.no_answer_hours, Next::Failed),
        Outcome::Refused => retry(rule.refused_hours, Next::Failed),
        Outcome::WrongNumber | Outcome::InvalidNumber | Outcome::OptOut => Next::Failed,
    }
}

/// A plan as typed (numbers as text, so every problem is named at once).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanDraft {
    pub name: String,
    pub audience: String,
    pub department_id: Option<i64>,
    pub delay_days: String,
    pub repeat_days: String,
    pub script: String,
    pub questionnaire_id: Option<i64>,
    pub max_attempts: String,
    pub retry_no_answer_hours: String,
    pub retry_refused_hours: String,
    pub retry_family_hours: String,
    pub active: bool,
}

/// A checked plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub name: String,
    pub audience: Audience,
    /// Only for consultations: follow up this department's patients only.
    pub department_id: Option<i64>,
    pub delay_days: i32,
    /// Key patients: call again every so many days (0: once).
    pub repeat_days: i32,
    pub script: String,
    pub questionnaire_id: Option<i64>,
    pub retry: RetryRule,
    pub active: bool,
}

fn number(out: &mut Vec<FieldError>, field: &str, label: &str, text: &str, min: i32, max: i32, default: Option<i32>) -> i32 {
    let t = text.trim();
    if t.is_empty()
        && let Some(d) = default
    {
        return d;
    }
    match t.parse::<i32>() {
        Ok(v) if (min..=max).contains(&v) => v,
        _ => {
            out.push(FieldError::new(field, format!("{label}应为 {min}–{max} 的整数")));
            min
        }
    }
}

/// Checks a plan; every problem by field.
pub fn check_plan(d: &PlanDraft) -> Result<Plan, Vec<FieldError>> {
    let mut out = Vec::new();
    let name = d.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 40 {
        out.push(FieldError::new("name", "请填写计划名称（不超过 40 个字）"));
    }
    let audience = match Audience::from_code(&d.audience) {
        Some(a) if a.available() => Some(a),
        Some(_) => {
            out.push(FieldError::new("audience", "全病程管理（护理计划）尚未上线，暂不能按护理计划回访"));
            None
        }
        None => {
            out.push(FieldError::new("audience", "请选择回访对象：问诊后、体检后或重点患者"));
            None
        }
    };
    let delay_days = number(&mut out, "delay_days", "回访时间（事件后天数）", &d.delay_days, 0, 365, None);
    let repeat_days = match audience {
        Some(Audience::KeyPatient) => {
            let r = number(&mut out, "repeat_days", "重复间隔天数", &d.repeat_days, 0, 365, Some(0));
            if (1..7).contains(&r) {
                out.push(FieldError::new("repeat_days", "重复间隔至少 7 天（填 0 表示只回访一次）"));
            }
            r
        }
        _ => 0,
    };
    let script = d.script.trim().to_string();
    if script.is_empty() {
        out.push(FieldError::new("script", "请填写回访话术，坐席按话术与患者沟通"));
    } else if script.chars().count() > 2000 {
        out.push(FieldError::new("script", "回访话术不能超过 2000 个字"));
    }
    let max_attempts = number(&mut out, "max_attempts", "最多拨打次数", &d.max_attempts, 1, 10, None);
    let no_answer_hours = number(&mut out, "retry_no_answer_hours", "无人接听后重拨间隔（小时）", &d.retry_no_answer_hours, 0, 720, None);
    let refused_hours = number(&mut out, "retry_refused_hours", "拒接后重拨间隔（小时）", &d.retry_refused_hours, 0, 720, None);
    let family_hours = number(&mut out, "retry_family_hours", "家属代接后再联系本人间隔（小时）", &d.retry_family_hours, 0, 720, Some(0));
    match audience {
        Some(a) if out.is_empty() => Ok(Plan {
            name,
            audience: a,
            department_id: if a == Audience::Consultation { d.department_id } else { None },
            delay_days,
            repeat_days,
            script,
            questionnaire_id: d.questionnaire_id,
            retry: RetryRule { max_attempts, no_answer_hours, refused_hours, family_hours },
            active: d.active,
        }),
        _ => Err(out),
    }
}

/// The event key of a task: one task per plan and key.
pub fn source_key(audience: Audience, id: i64, cycle: i64) -> String {
    match audience {
        Audience::Consultation => format!("consultation:{id}"),
        Audience::Checkup => format!("booking:{id}"),
        Audience::KeyPatient => format!("key:{id}:{cycle}"),
        Audience::CarePlan => format!("care:{id}"),
    }
}

/// The cycles of a key patient marked on `marked` that are due by `today`: the first `delay`
/// days after marking, then every `repeat` days (only the first when `repeat` is 0). Only the
/// latest due cycle is called (an agent does not call a patient three times in a row to catch
/// up), so this returns it with its day.
pub fn key_cycle_due(marked: LocalDay, delay: i32, repeat: i32, today: LocalDay) -> Option<(i64, LocalDay)> {
    let first = marked.plus_days(delay);
    if today < first {
        return None;
    }
    if repeat <= 0 {
        return Some((0, first));
    }
    let n = today.days_since(first) / repeat;
    Some((i64::from(n), first.plus_days(n * repeat)))
}

/// Who a task calls, as recorded for opt-outs and answers: the person (one for a patient who
/// also had a checkup, so an opt-out holds for both).
pub fn person_subject(person: PersonId) -> String {
    hops_platform::forms::model::Subject::Person(person.0).code()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: RetryRule = RetryRule { max_attempts: 3, no_answer_hours: 4, refused_hours: 24, family_hours: 0 };

    #[test]
    fn next_steps_table() {
        let now = Instant(1_000_000_000_000);
        let h = |n: i64| Next::Retry(now.plus_seconds(n * 3600));
        let cases = [
            (RULE, 1, Outcome::Reached, Next::Completed),
            (RULE, 1, Outcome::Family, Next::Completed),
            (RetryRule { family_hours: 2, ..RULE }, 1, Outcome::Family, h(2)),
            (RetryRule { family_hours: 2, ..RULE }, 3, Outcome::Family, Next::Completed),
            (RULE, 1, Outcome::NoAnswer, h(4)),
            (RULE, 2, Outcome::NoAnswer, h(4)),
            (RULE, 3, Outcome::NoAnswer, Next::Failed),
            (RULE, 1, Outcome::Refused, h(24)),
            (RetryRule { refused_hours: 0, ..RULE }, 1, Outcome::Refused, Next::Failed),
            (RULE, 1, Outcome::WrongNumber, Next::Failed),
            (RULE, 1, Outcome::InvalidNumber, Next::Failed),
            (RULE, 1, Outcome::OptOut, Next::Failed),
            (RetryRule { max_attempts: 1, ..RULE }, 1, Outcome::NoAnswer, Next::Failed),
        ];
        for (rule, attempt, outcome, want) in cases {
            assert_eq!(next_step(&rule, attempt, outcome, now), want, "{rule:?} {attempt} {outcome:?}");
        }
    }

    fn draft() -> PlanDraft {
        PlanDraft {
            name: "问诊后 3 天回访".into(),
            audience: "consultation".into(),
            department_id: Some(7),
            delay_days: "3".into(),
            repeat_days: String::new(),
            script: "您好，这里是示范医院互联网医院……".into(),
            questionnaire_id: None,
            max_attempts: "3".into(),
            retry_no_answer_hours: "4".into(),
            retry_refused_hours: "24".into(),
            retry_family_hours: String::new(),
            active: true,
        }
    }

    #[test]
    fn plans_table() {
        let p = check_plan(&draft()).unwrap();
        assert_eq!((p.audience, p.delay_days, p.department_id, p.retry), (Audience::Consultation, 3, Some(7), RULE));
        let fields = |d: PlanDraft| check_plan(&d).err().unwrap_or_default().into_iter().map(|f| f.field).collect::<Vec<_>>();
        assert_eq!(fields(PlanDraft { audience: "care_plan".into(), ..draft() }), ["audience"]);
        assert_eq!(
            fields(PlanDraft { name: " ".into(), delay_days: "x".into(), script: String::new(), max_attempts: "0".into(), ..draft() }),
            ["name", "delay_days", "script", "max_attempts"]
        );
        assert_eq!(fields(PlanDraft { audience: "key_patient".into(), repeat_days: "3".into(), ..draft() }), ["repeat_days"]);
        assert_eq!(
            fields(PlanDraft { retry_no_answer_hours: "-1".into(), retry_refused_hours: "721".into(), ..draft() }),
            ["retry_no_answer_hours", "retry_refused_hours"]
        );
        // The department filter is for consultations only.
        let k = check_plan(&PlanDraft { audience: "key_patient".into(), repeat_days: "30".into(), ..draft() }).unwrap();
        assert_eq!((k.department_id, k.repeat_days), (None, 30));
        assert_eq!(check_plan(&PlanDraft { audience: "checkup".into(), repeat_days: "30".into(), ..draft() }).unwrap().repeat_days, 0);
    }

    #[test]
    fn key_cycles() {
        let d = |s: &str| LocalDay::parse(s).unwrap();
        assert_eq!(key_cycle_due(d("2026-01-01"), 7, 30, d("2026-01-07")), None);
        assert_eq!(key_cycle_due(d("2026-01-01"), 7, 30, d("2026-01-08")), Some((0, d("2026-01-08"))));
        assert_eq!(key_cycle_due(d("2026-01-01"), 7, 30, d("2026-02-06")), Some((0, d("2026-01-08"))));
        assert_eq!(key_cycle_due(d("2026-01-01"), 7, 30, d("2026-02-07")), Some((1, d("2026-02-07"))));
        assert_eq!(key_cycle_due(d("2026-01-01"), 7, 0, d("2026-12-31")), Some((0, d("2026-01-08"))));
        assert_eq!(source_key(Audience::KeyPatient, 5, 2), "key:5:2");
        assert_eq!(person_subject(PersonId(3)), "person:3");
    }

    #[test]
    fn codes_round_trip() {
        for a in Audience::ALL {
            assert_eq!(Audience::from_code(a.code()), Some(a));
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::from_code(o.code()), Some(o));
            assert_eq!(Outcome::from_code(o.label_zh()), Some(o));
        }
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::from_code(s.code()), Some(s));
        }
    }
}
