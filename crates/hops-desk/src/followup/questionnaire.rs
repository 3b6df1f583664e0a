//! Satisfaction questionnaires as pure rules: questions (single choice with scores, a 1–5
//! rating, free text), their one-line-per-question text form for the console, the checks of
//! answers given on a call, and the satisfaction figures per doctor and department.
//!
//! The questionnaires live in the platform's forms engine (`hops_platform::forms`): a desk
//! questionnaire is a form owned by `desk` whose questions are coded `q1`, `q2` … (a rating is a
//! 1–5 scale), scored by the mean ([`to_definition`], [`from_definition`]); answers are checked
//! by the engine ([`check_answers`]). What is the desk's own stays here: the line format, the
//! 1–5 score scale, and the figures.
//!
//! Scores are on one scale, 1–5 (an option may carry no score, e.g. 「不清楚」). A call's score
//! is the mean of its scored answers; a call is 满意 when that mean is at least 4. A group's
//! average is the mean of its calls' scores (each call weighs the same) and its satisfaction
//! rate the share of its scored calls that are 满意.

use std::collections::BTreeMap;

use hops_kernel::LocalDay;
use hops_platform::FieldError;
use hops_platform::forms::model::{self as forms, Definition, Method, RawAnswers, Scoring};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Single,
    Rating,
    Text,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Rating => "rating",
            Kind::Text => "text",
        }
    }

    pub fn from_code(s: &str) -> Option<Kind> {
        match s.trim() {
            "single" | "单选" => Some(Kind::Single),
            "rating" | "评分" => Some(Kind::Rating),
            "text" | "文本" | "填空" => Some(Kind::Text),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Single => "单选",
            Kind::Rating => "评分",
            Kind::Text => "文本",
        }
    }

    /// The kind in the forms engine.
    pub fn forms_kind(self) -> forms::Kind {
        match self {
            Kind::Single => forms::Kind::Single,
            Kind::Rating => forms::Kind::Scale,
            Kind::Text => forms::Kind::Text,
        }
    }

    /// The desk's kind of a forms question (a desk form holds only these three).
    pub fn of(k: forms::Kind) -> Kind {
        match k {
            forms::Kind::Single | forms::Kind::Multiple => Kind::Single,
            forms::Kind::Scale => Kind::Rating,
            _ => Kind::Text,
        }
    }
}

/// An option of a single-choice question, with its score (none: not counted): the forms
/// engine's.
pub use hops_platform::forms::model::Choice;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub kind: Kind,
    pub text: String,
    /// Single choice only.
    pub choices: Vec<Choice>,
    pub required: bool,
}

/// The options as stored: `非常满意=5|满意=4|不清楚`.
pub fn choices_to_text(choices: &[Choice]) -> String {
    hops_platform::forms::lines::join_choices(choices, "|")
}

/// Reads options as stored (see [`choices_to_text`]); separators `|`, `；` or `;`.
pub fn choices_from_text(text: &str) -> Result<Vec<Choice>, String> {
    let mut out = Vec::new();
    for part in text.split(['|', ';', '；']).map(str::trim).filter(|p| !p.is_empty()) {
        let (label, score) = match part.rsplit_once(['=', '＝']) {
            Some((l, s)) => {
                let score = s.trim().parse::<i32>().ok().filter(|v| (1..=5).contains(v));
                (l.trim(), Some(score.ok_or_else(|| format!("选项「{}」的分值应为 1–5 的整数", l.trim()))?))
            }
            None => (part, None),
        };
        out.push(Choice { label: label.to_string(), score });
    }
    Ok(out)
}

/// A questionnaire as the console's text area holds it, one question a line:
/// `单选|您对医生的服务态度满意吗？|非常满意=5；满意=4；一般=3；不满意=1`,
/// `评分|请为本次问诊打分`, `文本|您还有什么意见或建议？|选填`.
pub fn to_lines(questions: &[Question]) -> String {
    questions
        .iter()
        .map(|q| {
            let mut parts = vec![q.kind.label_zh().to_string(), q.text.clone()];
            if q.kind == Kind::Single {
                parts.push(choices_to_text(&q.choices).replace('|', "；"));
            }
            if !q.required {
                parts.push("选填".into());
            }
            parts.join("|")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the text form (see [`to_lines`]); problems name their line.
pub fn from_lines(text: &str) -> Result<Vec<Question>, Vec<FieldError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let mut parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        let required = if parts.len() > 2 && parts.last() == Some(&"选填") {
            parts.pop();
            false
        } else {
            true
        };
        let err = |m: String| FieldError::new("questions", format!("第 {} 行：{m}", i + 1));
        let Some(kind) = parts.first().and_then(|k| Kind::from_code(k)) else {
            errors.push(err("题型应为 单选、评分 或 文本，格式如「评分|请为本次服务打分」".into()));
            continue;
        };
        let text = parts.get(1).copied().unwrap_or("").to_string();
        let choices = match (kind, parts.get(2)) {
            (Kind::Single, Some(opts)) => match choices_from_text(opts) {
                Ok(c) => c,
                Err(m) => {
                    errors.push(err(m));
                    continue;
                }
            },
            (Kind::Single, None) => Vec::new(),
            (_, Some(extra)) => {
                errors.push(err(format!("{}题不需要选项（多余的「{extra}」）", kind.label_zh())));
                continue;
            }
            (_, None) => Vec::new(),
        };
        out.push(Question { kind, text, choices, required });
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Every problem of a questionnaire (name and questions).
pub fn check(name: &str, questions: &[Question]) -> Vec<FieldError> {
    let mut out = Vec::new();
    let n = name.trim().chars().count();
    if n == 0 || n > 40 {
        out.push(FieldError::new("name", "请填写问卷名称（不超过 40 个字）"));
    }
    if questions.is_empty() {
        out.push(FieldError::new("questions", "问卷至少要有 1 道题"));
    } else if questions.len() > 30 {
        out.push(FieldError::new("questions", "问卷最多 30 道题"));
    }
    for (i, q) in questions.iter().enumerate() {
        let err = |m: &str| FieldError::new("questions", format!("第 {} 题：{m}", i + 1));
        let len = q.text.trim().chars().count();
        if len == 0 || len > 200 {
            out.push(err("请填写题目（不超过 200 个字）"));
        }
        if q.kind == Kind::Single {
            if !(2..=10).contains(&q.choices.len()) {
                out.push(err("单选题应有 2–10 个选项"));
            }
            let mut seen = std::collections::HashSet::new();
            for c in &q.choices {
                if c.label.is_empty() || c.label.chars().count() > 30 {
                    out.push(err("选项不能为空，且不超过 30 个字"));
                } else if !seen.insert(c.label.as_str()) {
                    out.push(err(&format!("选项「{}」重复", c.label)));
                }
                if c.score.is_some_and(|s| !(1..=5).contains(&s)) {
                    out.push(err(&format!("选项「{}」的分值应为 1–5", c.label)));
                }
            }
        }
    }
    out
}

/// One recorded answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// 1-based position of the question.
    pub position: i32,
    pub kind: Kind,
    pub question: String,
    pub answer: String,
    pub score: Option<i32>,
}

/// The code of the question at `position` (1-based) in the forms engine.
pub fn code(position: usize) -> String {
    format!("q{position}")
}

fn position(code: &str) -> i32 {
    code.strip_prefix('q').and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// The questions as a form's definition: codes `q1` …, a rating a 1–5 scale, scored by the mean.
pub fn to_definition(questions: &[Question]) -> Definition {
    let list = questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut f = forms::Question::new(&code(i + 1), q.kind.forms_kind(), q.text.trim());
            f.required = q.required;
            f.choices = q.choices.clone();
            if q.kind == Kind::Rating {
                (f.min, f.max) = (Some(1.0), Some(5.0));
            }
            f
        })
        .collect();
    Definition { scoring: Scoring { method: Method::Mean, bands: Vec::new() }, ..Definition::of(list) }
}

/// The questions of a desk form's definition (asked ones, in order).
pub fn from_definition(d: &Definition) -> Vec<Question> {
    d.asked()
        .map(|(_, q)| Question { kind: Kind::of(q.kind), text: q.text.clone(), choices: q.choices.clone(), required: q.required })
        .collect()
}

/// A stored answer of the forms engine as the desk shows it, with its question as asked in
/// `d` (the version it answered).
pub fn answer_of(d: &Definition, a: &forms::Answer) -> Answer {
    let q = d.question(&a.code);
    Answer {
        position: position(&a.code),
        kind: q.map_or(Kind::Text, |q| Kind::of(q.kind)),
        question: q.map_or_else(|| a.code.clone(), |q| q.text.clone()),
        answer: a.text(),
        score: a.score,
    }
}

/// The answers of a call (`answers[i]` for question `i + 1`) by question code.
pub fn raw_answers(answers: &[String]) -> RawAnswers {
    answers.iter().enumerate().filter(|(_, a)| !a.trim().is_empty()).map(|(i, a)| (code(i + 1), vec![a.clone()])).collect()
}

/// Checks the answers of a call (`answers[i]` for question `i + 1`, empty when not answered)
/// with the forms engine; problems are reported on fields `q1`, `q2` … and `answers`.
pub fn check_answers(questions: &[Question], answers: &[String]) -> Result<Vec<Answer>, Vec<FieldError>> {
    let d = to_definition(questions);
    let known = &answers[..answers.len().min(questions.len())];
    // No date questions: the day does not matter.
    let mut result = forms::check_answers(&d, &raw_answers(known), LocalDay(0)).map(|list| list.iter().map(|a| answer_of(&d, a)).collect());
    if answers.len() > questions.len() && answers[questions.len()..].iter().any(|a| !a.trim().is_empty()) {
        let extra = FieldError::new("answers", format!("答案多于问卷的 {} 道题", questions.len()));
        result = Err(result.err().unwrap_or_default().into_iter().chain([extra]).collect());
    }
    result
}

/// The scores of one answered call: the sum and number of its scored answers, and who it was
/// about.
#[derive(Clone, Debug, PartialEq)]
pub struct CallScore {
    pub group: String,
    pub score_sum: i64,
    pub scored: i64,
}

/// Satisfaction figures of one group (a doctor, a department).
#[derive(Clone, Debug, PartialEq)]
pub struct Satisfaction {
    pub group: String,
    /// Answered questionnaires.
    pub calls: i64,
    /// Of which with at least one scored answer.
    pub scored_calls: i64,
    /// Mean call score (1–5), `None` without scored calls.
    pub average: Option<f64>,
    /// Scored calls with a score of at least 4.
    pub satisfied: i64,
}

impl Satisfaction {
    /// Share of scored calls that are 满意, `None` without scored calls.
    pub fn rate(&self) -> Option<f64> {
        (self.scored_calls > 0).then(|| self.satisfied as f64 / self.scored_calls as f64)
    }
}

/// A call is 满意 from this mean score on.
pub const SATISFIED_FROM: f64 = 4.0;

/// Figures per group, by number of calls (most first), then group name.
pub fn summarize(calls: &[CallScore]) -> Vec<Satisfaction> {
    let mut by: BTreeMap<&str, (i64, i64, f64, i64)> = BTreeMap::new();
    for c in calls {
        let e = by.entry(c.group.as_str()).or_default();
        e.0 += 1;
        if c.scored > 0 {
            let mean = c.score_sum as f64 / c.scored as f64;
            e.1 += 1;
            e.2 += mean;
            if mean >= SATISFIED_FROM {
                e.3 += 1;
            }
        }
    }
    let mut out: Vec<Satisfaction> = by
        .into_iter()
        .map(|(g, (calls, scored_calls, sum, satisfied))| Satisfaction {
            group: g.to_string(),
            calls,
            scored_calls,
            average: (scored_calls > 0).then(|| sum / scored_calls as f64),
            satisfied,
        })
        .collect();
    out.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.group.cmp(&b.group)));
    out
}

/// `4.33`, or `—`.
pub fn fmt_average(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.2}"))
}

/// `87.5%`, or `—`.
pub fn fmt_rate(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{:.1}%", v * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = "单选|您对医生的服务态度满意吗？|非常满意=5；满意=4；一般=3；不满意=1；不清楚\n评分|请为本次问诊打分\n\n文本|您还有什么意见或建议？|选填";

    #[test]
    fn lines_round_trip() {
        let q = from_lines(LINES).unwrap();
        assert_eq!(q.len(), 3);
        assert_eq!(q[0].choices[0], Choice { label: "非常满意".into(), score: Some(5) });
        assert_eq!(q[0].choices[4], Choice { label: "不清楚".into(), score: None });
        assert_eq!((q[1].kind, q[2].kind, q[2].required), (Kind::Rating, Kind::Text, false));
        assert!(check("满意度", &q).is_empty());
        assert_eq!(from_lines(&to_lines(&q)).unwrap(), q);
    }

    #[test]
    fn bad_questionnaires_table() {
        let msgs = |t: &str| match from_lines(t) {
            Ok(q) => check("问卷", &q).into_iter().map(|e| e.message).collect::<Vec<_>>(),
            Err(e) => e.into_iter().map(|e| e.message).collect(),
        };
        assert_eq!(msgs("多选|a|x；y"), ["第 1 行：题型应为 单选、评分 或 文本，格式如「评分|请为本次服务打分」"]);
        assert_eq!(msgs("评分|a\n单选|b|x=6；y"), ["第 2 行：选项「x」的分值应为 1–5 的整数"]);
        assert_eq!(msgs("评分|a|x"), ["第 1 行：评分题不需要选项（多余的「x」）"]);
        assert_eq!(msgs("单选|b|只有一个=5"), ["第 1 题：单选题应有 2–10 个选项"]);
        assert_eq!(msgs("单选|b|是=5；是=1\n评分|"), ["第 1 题：选项「是」重复", "第 2 题：请填写题目（不超过 200 个字）"]);
        assert_eq!(msgs(""), ["问卷至少要有 1 道题"]);
        assert_eq!(check(" ", &from_lines("评分|a").unwrap())[0].field, "name");
    }

    #[test]
    fn answers_table() {
        let q = from_lines(LINES).unwrap();
        let a = |v: &[&str]| check_answers(&q, &v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let ok = a(&["满意", "5", ""]).unwrap();
        assert_eq!(ok.iter().map(|x| (x.position, x.score)).collect::<Vec<_>>(), [(1, Some(4)), (2, Some(5))]);
        assert_eq!(a(&["不清楚", "3", "挺好"]).unwrap().iter().map(|x| x.score).collect::<Vec<_>>(), [None, Some(3), None]);
        let fields = |v: &[&str]| a(v).unwrap_err().into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(&["", "", ""]), ["q1", "q2"]);
        assert_eq!(fields(&["很好", "6", ""]), ["q1", "q2"]);
        assert_eq!(fields(&["满意", "4", "", "多余"]), ["answers"]);
    }

    #[test]
    fn satisfaction_by_hand() {
        let c = |g: &str, sum: i64, n: i64| CallScore { group: g.into(), score_sum: sum, scored: n };
        // 王医生: calls of 5.0, 3.5 and 4.0 → average 4.1667, 2 of 3 satisfied; one unscored call.
        let calls = [c("王医生", 10, 2), c("王医生", 7, 2), c("李医生", 2, 1), c("王医生", 4, 1), c("王医生", 0, 0)];
        let s = summarize(&calls);
        assert_eq!(s[0].group, "王医生");
        assert_eq!((s[0].calls, s[0].scored_calls, s[0].satisfied), (4, 3, 2));
        assert!((s[0].average.unwrap() - 12.5 / 3.0).abs() < 1e-9);
        assert_eq!(fmt_average(s[0].average), "4.17");
        assert_eq!(fmt_rate(s[0].rate()), "66.7%");
        assert_eq!((s[1].group.as_str(), s[1].satisfied, fmt_rate(s[1].rate())), ("李医生", 0, "0.0%".to_string()));
        assert_eq!(fmt_rate(summarize(&[c("x", 0, 0)])[0].rate()), "—");
    }
}
