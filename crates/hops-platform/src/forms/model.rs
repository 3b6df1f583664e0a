//! Questionnaires as pure rules: a form's definition (sections, questions of six kinds,
//! conditions, scoring), the checks of a definition before it is saved, the checks of a
//! person's answers (which questions apply, required ones, choices, ranges, dates), the score
//! of an answered form, and the rule of versions. Nothing here does I/O or reads the clock:
//! "today" is passed in.
//!
//! Messages are in Chinese and name the question; fields are the question's code for answers
//! (`smoking`) and `questions[n].<part>` / `sections[n].<part>` for a definition.

use std::collections::{BTreeMap, BTreeSet};

use hops_kernel::LocalDay;

use crate::error::FieldError;

/// At most this many questions and sections in one form.
pub const MAX_QUESTIONS: usize = 100;
pub const MAX_SECTIONS: usize = 20;
/// At most this many options per choice question.
pub const MAX_OPTIONS: usize = 20;
/// Free-text answers are at most this long (characters).
pub const MAX_TEXT: usize = 500;
/// Scores of options lie within ±this.
pub const MAX_SCORE: i32 = 1000;

/// What a question asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One of the options (单选).
    Single,
    /// Any of the options (多选).
    Multiple,
    /// A whole number on a scale, e.g. 1–5 (评分); the number is its score.
    Scale,
    /// A number with a unit and a range, e.g. 体重 30–250 kg (数值).
    Number,
    /// Free text (文本).
    Text,
    /// A calendar day (日期).
    Date,
}

impl Kind {
    pub const ALL: [Kind; 6] = [Kind::Single, Kind::Multiple, Kind::Scale, Kind::Number, Kind::Text, Kind::Date];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::Scale => "scale",
            Kind::Number => "number",
            Kind::Text => "text",
            Kind::Date => "date",
        }
    }

    /// The code, the Chinese label, or an older name (`multi`, `rating`).
    pub fn from_code(s: &str) -> Option<Kind> {
        match s.trim() {
            "single" | "单选" => Some(Kind::Single),
            "multiple" | "multi" | "多选" => Some(Kind::Multiple),
            "scale" | "rating" | "评分" | "量表" => Some(Kind::Scale),
            "number" | "数值" | "数字" => Some(Kind::Number),
            "text" | "文本" | "填空" => Some(Kind::Text),
            "date" | "日期" => Some(Kind::Date),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::Single => "单选",
            Kind::Multiple => "多选",
            Kind::Scale => "评分",
            Kind::Number => "数值",
            Kind::Text => "文本",
            Kind::Date => "日期",
        }
    }

    pub fn is_choice(self) -> bool {
        matches!(self, Kind::Single | Kind::Multiple)
    }
}

/// An option of a choice question, with its score (none: not counted, e.g. 「不清楚」).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub score: Option<i32>,
}

impl Choice {
    pub fn new(label: &str, score: Option<i32>) -> Choice {
        Choice { label: label.to_string(), score }
    }
}

/// A bound of a date question: a fixed day, or the day of answering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayLimit {
    Day(LocalDay),
    Today,
}

impl DayLimit {
    pub fn resolve(self, today: LocalDay) -> LocalDay {
        match self {
            DayLimit::Day(d) => d,
            DayLimit::Today => today,
        }
    }

    /// `2026-01-01` or `today`.
    pub fn code(self) -> String {
        match self {
            DayLimit::Day(d) => d.to_string(),
            DayLimit::Today => "today".into(),
        }
    }

    pub fn from_code(s: &str) -> Option<DayLimit> {
        match s.trim() {
            "today" | "今天" => Some(DayLimit::Today),
            other => LocalDay::parse(other).ok().map(DayLimit::Day),
        }
    }

    pub fn label_zh(self) -> String {
        match self {
            DayLimit::Day(d) => d.to_string(),
            DayLimit::Today => "今天".into(),
        }
    }
}

pub use super::condition::{Clause, Condition, Op};

/// A question of a form.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    /// The form's own code for it (`smoking`): answers, conditions and exports name it.
    pub code: String,
    pub text: String,
    /// A hint shown under the question.
    pub help: String,
    pub kind: Kind,
    pub required: bool,
    /// Inactive questions stay in the definition (rules elsewhere may name them) but are not asked.
    pub active: bool,
    /// Index of its section.
    pub section: usize,
    /// Single and multiple choice.
    pub choices: Vec<Choice>,
    /// Scale (whole numbers, both required) and number (either may be open).
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Number: its unit (kg, mmHg …) and the digits allowed after the point.
    pub unit: String,
    pub decimals: u8,
    /// Date: the earliest and latest day allowed.
    pub earliest: Option<DayLimit>,
    pub latest: Option<DayLimit>,
    /// Asked only when this holds (on earlier answers).
    pub condition: Condition,
}

impl Question {
    /// A question of `kind` with everything else empty (active, optional, section 0).
    pub fn new(code: &str, kind: Kind, text: &str) -> Question {
        Question {
            code: code.to_string(),
            text: text.to_string(),
            help: String::new(),
            kind,
            required: false,
            active: true,
            section: 0,
            choices: Vec::new(),
            min: None,
            max: None,
            unit: String::new(),
            decimals: 0,
            earliest: None,
            latest: None,
            condition: Condition::default(),
        }
    }

    /// The range as shown: `1–5`, `30–250 kg`, `≥ 0`, `2020-01-01 至 今天`.
    pub fn range_zh(&self) -> String {
        let unit = if self.unit.is_empty() { String::new() } else { format!(" {}", self.unit) };
        match self.kind {
            Kind::Scale | Kind::Number => match (self.min, self.max) {
                (Some(a), Some(b)) => format!("{}–{}{unit}", num(a), num(b)),
                (Some(a), None) => format!("≥ {}{unit}", num(a)),
                (None, Some(b)) => format!("≤ {}{unit}", num(b)),
                (None, None) => unit.trim().to_string(),
            },
            Kind::Date => match (self.earliest, self.latest) {
                (None, None) => String::new(),
                (a, b) => format!("{} 至 {}", a.map_or("不限".into(), DayLimit::label_zh), b.map_or("不限".into(), DayLimit::label_zh)),
            },
            _ => String::new(),
        }
    }

    /// The scale's points, lowest first (empty for other kinds).
    pub fn points(&self) -> Vec<i64> {
        match (self.kind, self.min, self.max) {
            (Kind::Scale, Some(a), Some(b)) if b >= a && b - a <= 20.0 => (a as i64..=b as i64).collect(),
            _ => Vec::new(),
        }
    }
}

/// A number as written: `5`, `37.5`.
pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// A titled part of a form, asked only when its condition holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub condition: Condition,
}

/// How an answered form is scored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// No score.
    #[default]
    None,
    /// The sum of the scored answers (总分), e.g. PHQ-9.
    Sum,
    /// Their mean (平均分), e.g. a 1–5 satisfaction survey.
    Mean,
}

impl Method {
    pub const ALL: [Method; 3] = [Method::None, Method::Sum, Method::Mean];

    pub fn code(self) -> &'static str {
        match self {
            Method::None => "none",
            Method::Sum => "sum",
            Method::Mean => "mean",
        }
    }

    pub fn from_code(s: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.code() == s.trim() || m.label_zh() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Method::None => "不计分",
            Method::Sum => "总分",
            Method::Mean => "平均分",
        }
    }
}

/// A result band: from this score on (up to the next band), this label (`5 → 轻度`).
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub from: f64,
    pub label: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scoring {
    pub method: Method,
    /// Ascending by `from`; a score below the first band has none.
    pub bands: Vec<Band>,
}

/// What a version of a form asks: its sections (at least one, the first may be untitled), its
/// questions in order, and how it is scored.
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    pub sections: Vec<Section>,
    pub questions: Vec<Question>,
    pub scoring: Scoring,
}

impl Default for Definition {
    fn default() -> Self {
        Definition { sections: vec![Section::default()], questions: Vec::new(), scoring: Scoring::default() }
    }
}

impl Definition {
    /// One untitled section with these questions.
    pub fn of(questions: Vec<Question>) -> Definition {
        Definition { questions, ..Definition::default() }
    }

    pub fn question(&self, code: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.code == code)
    }

    /// The asked (active) questions with their number as shown (1-based).
    pub fn asked(&self) -> impl Iterator<Item = (usize, &Question)> {
        self.questions.iter().filter(|q| q.active).enumerate().map(|(i, q)| (i + 1, q))
    }
}

fn count(s: &str) -> usize {
    s.trim().chars().count()
}

/// The codes forms use: 1–32 letters, digits, `-` or `_`.
pub fn check_code(code: &str) -> Result<(), String> {
    let ok = (1..=32).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if ok { Ok(()) } else { Err("编码须为 1–32 位字母、数字、- 或 _".into()) }
}

/// Every problem of a definition, by field: codes, texts, options, ranges, units, conditions
/// (which may only look back at earlier questions), sections and scoring.
pub fn check_definition(d: &Definition) -> Vec<FieldError> {
    let mut out = Vec::new();
    if d.questions.len() > MAX_QUESTIONS {
        out.push(FieldError::new("questions", format!("问卷最多 {MAX_QUESTIONS} 个问题")));
    }
    if d.sections.is_empty() || d.sections.len() > MAX_SECTIONS {
        out.push(FieldError::new("sections", format!("问卷应有 1–{MAX_SECTIONS} 个部分")));
    }
    for (n, s) in d.sections.iter().enumerate() {
        if count(&s.title) > 40 || (n > 0 && count(&s.title) == 0) {
            out.push(FieldError::new(format!("sections[{n}].title"), "请填写部分标题（不超过 40 个字）"));
        }
        let before: Vec<&Question> = d.questions.iter().filter(|q| q.section < n).collect();
        check_condition(&mut out, format!("sections[{n}].condition"), &s.condition, &before);
    }
    let mut codes = BTreeSet::new();
    for (n, q) in d.questions.iter().enumerate() {
        let f = |name: &str| format!("questions[{n}].{name}");
        if let Err(e) = check_code(&q.code) {
            out.push(FieldError::new(f("code"), format!("问题编码 {}：{e}", q.code)));
        } else if !codes.insert(q.code.as_str()) {
            out.push(FieldError::new(f("code"), format!("问题编码 {} 重复", q.code)));
        }
        match count(&q.text) {
            0 => out.push(FieldError::new(f("text"), "请填写问题")),
            n if n > 200 => out.push(FieldError::new(f("text"), "问题不能超过 200 个字")),
            _ => {}
        }
        if count(&q.help) > 200 {
            out.push(FieldError::new(f("help"), "说明不能超过 200 个字"));
        }
        if q.section >= d.sections.len() || n > 0 && q.section < d.questions[n - 1].section {
            out.push(FieldError::new(f("section"), "问题所属部分无效（部分须按顺序排列）"));
        }
        check_kind(&mut out, &f, q);
        check_condition(&mut out, f("condition"), &q.condition, &d.questions[..n].iter().collect::<Vec<_>>());
    }
    let mut last = f64::NEG_INFINITY;
    for b in &d.scoring.bands {
        if !b.from.is_finite() || b.from <= last || count(&b.label) == 0 || count(&b.label) > 20 {
            out.push(FieldError::new(
                "scoring",
                "结果分级应按分数从低到高排列，每级写明名称（不超过 20 个字），如「0=无；5=轻度；10=中度」",
            ));
            break;
        }
        last = b.from;
    }
    if d.scoring.method == Method::None && !d.scoring.bands.is_empty() {
        out.push(FieldError::new("scoring", "不计分的问卷不能设结果分级"));
    }
    out
}

fn check_kind(out: &mut Vec<FieldError>, f: &dyn Fn(&str) -> String, q: &Question) {
    let t = q.text.trim();
    if q.kind.is_choice() {
        let options = &q.choices;
        if options.iter().all(|o| o.label.trim().is_empty()) {
            out.push(FieldError::new(f("options"), format!("问题「{t}」没有选项")));
        } else if q.kind == Kind::Single && options.len() < 2 {
            out.push(FieldError::new(f("options"), format!("单选题「{t}」至少要有两个选项")));
        }
        if options.len() > MAX_OPTIONS {
            out.push(FieldError::new(f("options"), format!("每个问题最多 {MAX_OPTIONS} 个选项")));
        }
        let mut seen = BTreeSet::new();
        for o in options {
            let l = &o.label;
            if l.trim().is_empty() || l.chars().count() > 30 || l.contains(['|', '\n', '\r', '\t']) {
                out.push(FieldError::new(f("options"), format!("选项「{l}」须为 1–30 个字，且不含 | 或换行")));
            } else if l.contains(['=', '＝']) {
                out.push(FieldError::new(f("options"), format!("选项「{l}」不能含有等号（等号用于写分值）")));
            } else if !seen.insert(l.trim()) {
                out.push(FieldError::new(f("options"), format!("选项「{}」重复", l.trim())));
            }
            if o.score.is_some_and(|s| s.abs() > MAX_SCORE) {
                out.push(FieldError::new(f("options"), format!("选项「{l}」的分值应在 ±{MAX_SCORE} 之内")));
            }
        }
    } else if !q.choices.is_empty() {
        out.push(FieldError::new(f("options"), format!("{}题不需要选项", q.kind.label_zh())));
    }
    match q.kind {
        Kind::Scale => {
            let ok = match (q.min, q.max) {
                (Some(a), Some(b)) => {
                    a.fract() == 0.0 && b.fract() == 0.0 && a < b && b - a <= 20.0 && a.abs() <= 100.0 && b.abs() <= 100.0
                }
                _ => false,
            };
            if !ok {
                out.push(FieldError::new(f("range"), format!("评分题「{t}」应有整数分值范围（最多 21 档），如 1–5 或 0–10")));
            }
        }
        Kind::Number => {
            if let (Some(a), Some(b)) = (q.min, q.max)
                && a > b
            {
                out.push(FieldError::new(f("range"), format!("数值题「{t}」的下限 {} 大于上限 {}", num(a), num(b))));
            }
            if q.min.is_some_and(|v| !v.is_finite()) || q.max.is_some_and(|v| !v.is_finite()) {
                out.push(FieldError::new(f("range"), "范围应为有限的数"));
            }
            if q.unit.chars().count() > 10 {
                out.push(FieldError::new(f("unit"), "单位不能超过 10 个字"));
            }
            if q.decimals > 4 {
                out.push(FieldError::new(f("decimals"), "小数位数应为 0–4"));
            }
        }
        Kind::Date => {
            if let (Some(DayLimit::Day(a)), Some(DayLimit::Day(b))) = (q.earliest, q.latest)
                && a > b
            {
                out.push(FieldError::new(f("range"), format!("日期题「{t}」的最早日期 {a} 晚于最晚日期 {b}")));
            }
        }
        _ => {}
    }
    if !matches!(q.kind, Kind::Scale | Kind::Number) && (q.min.is_some() || q.max.is_some()) {
        out.push(FieldError::new(f("range"), format!("{}题不需要数值范围", q.kind.label_zh())));
    }
}

/// A condition may refer only to `earlier` questions, compare choices with their options and
/// order only numbers, scores and days.
fn check_condition(out: &mut Vec<FieldError>, field: String, c: &Condition, earlier: &[&Question]) {
    for clause in c.any.iter().flatten() {
        let Some(q) = earlier.iter().find(|q| q.code == clause.code) else {
            out.push(FieldError::new(&field, format!("条件中的问题 {} 不存在或不在此题之前", clause.code)));
            continue;
        };
        let bad = match clause.op {
            Op::Answered => None,
            Op::Eq | Op::Ne if q.kind.is_choice() && !q.choices.iter().any(|o| o.label == clause.value) => {
                Some(format!("条件中的「{}」不是问题 {} 的选项", clause.value, q.code))
            }
            op if op.is_order() && q.kind.is_choice() || op.is_order() && q.kind == Kind::Text => {
                Some(format!("问题 {} 是{}题，条件不能比较大小", q.code, q.kind.label_zh()))
            }
            op if op.is_order() && q.kind == Kind::Date && LocalDay::parse(&clause.value).is_err() => {
                Some(format!("条件中的「{}」应为日期 YYYY-MM-DD", clause.value))
            }
            op if op.is_order() && matches!(q.kind, Kind::Scale | Kind::Number) && clause.value.parse::<f64>().is_err() => {
                Some(format!("条件中的「{}」应为数", clause.value))
            }
            _ => None,
        };
        if let Some(m) = bad {
            out.push(FieldError::new(&field, m));
        }
    }
}

/// One checked answer: the question's code, the values (the chosen options in the question's
/// order; one value for other kinds) and the score it earns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub code: String,
    pub values: Vec<String>,
    pub score: Option<i32>,
}

impl Answer {
    /// The values as shown: options joined with 「；」.
    pub fn text(&self) -> String {
        self.values.join("；")
    }
}

/// Raw answers by question code, as typed or sent.
pub type RawAnswers = BTreeMap<String, Vec<String>>;

/// Checks a person's answers on `today`: every problem at once, each on the question's code.
/// Questions whose section or own condition does not hold (on the earlier answers kept) are not
/// asked and their answers are dropped; an answer to a question the form does not ask is
/// refused. Returns the answers kept, in the form's order.
pub fn check_answers(d: &Definition, raw: &RawAnswers, today: LocalDay) -> Result<Vec<Answer>, Vec<FieldError>> {
    let mut errors = Vec::new();
    for code in raw.keys() {
        if !d.questions.iter().any(|q| q.active && q.code == *code) {
            errors.push(FieldError::new(code.as_str(), format!("问卷中没有问题 {code}")));
        }
    }
    let mut kept: RawAnswers = BTreeMap::new();
    let mut out = Vec::new();
    for (n, q) in d.asked() {
        let applies = d.sections.get(q.section).is_none_or(|s| s.condition.holds(&kept)) && q.condition.holds(&kept);
        if !applies {
            continue;
        }
        let values: Vec<String> = raw.get(&q.code).map_or(Vec::new(), |v| {
            let mut seen = BTreeSet::new();
            v.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty() && seen.insert(s.clone())).collect()
        });
        if values.is_empty() {
            if q.required {
                errors.push(FieldError::new(q.code.as_str(), format!("第 {n} 题为必答题：{}", q.text)));
            }
            continue;
        }
        match check_one(q, &values, today) {
            Ok(a) => {
                kept.insert(q.code.clone(), a.values.clone());
                out.push(a);
            }
            Err(messages) => errors.extend(messages.into_iter().map(|m| FieldError::new(q.code.as_str(), m))),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

fn check_one(q: &Question, values: &[String], today: LocalDay) -> Result<Answer, Vec<String>> {
    let t = q.text.trim();
    let mut errors = Vec::new();
    let answer = |values: Vec<String>, score| Answer { code: q.code.clone(), values, score };
    if q.kind.is_choice() {
        let distinct: BTreeSet<&str> = values.iter().map(String::as_str).collect();
        if q.kind == Kind::Single && distinct.len() > 1 {
            errors.push(format!("「{t}」只能选一项"));
        }
        for v in &distinct {
            if !q.choices.iter().any(|o| o.label == *v) {
                errors.push(format!("「{t}」没有选项「{v}」"));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let chosen: Vec<&Choice> = q.choices.iter().filter(|o| distinct.contains(o.label.as_str())).collect();
        let scores: Vec<i32> = chosen.iter().filter_map(|o| o.score).collect();
        let score = (!scores.is_empty()).then(|| scores.iter().sum());
        return Ok(answer(chosen.iter().map(|o| o.label.clone()).collect(), score));
    }
    if values.len() > 1 {
        return Err(vec![format!("「{t}」只能填一个答案")]);
    }
    let v = values[0].as_str();
    match q.kind {
        Kind::Scale => match v.parse::<i64>() {
            Ok(x) if q.points().contains(&x) => Ok(answer(vec![x.to_string()], i32::try_from(x).ok())),
            _ => Err(vec![format!("「{t}」请选择 {} 分", q.range_zh())]),
        },
        Kind::Number => {
            let Ok(x) = v.parse::<f64>().map_err(|_| ()).and_then(|x| if x.is_finite() { Ok(x) } else { Err(()) }) else {
                return Err(vec![format!("「{t}」应填写数字")]);
            };
            let decimals = v.split_once('.').map_or(0, |(_, f)| f.len());
            if decimals > usize::from(q.decimals) {
                errors.push(if q.decimals == 0 {
                    format!("「{t}」应为整数")
                } else {
                    format!("「{t}」最多 {} 位小数", q.decimals)
                });
            }
            if q.min.is_some_and(|m| x < m) || q.max.is_some_and(|m| x > m) {
                errors.push(format!("「{t}」应在 {} 之间", q.range_zh()));
            }
            if errors.is_empty() { Ok(answer(vec![num(x)], None)) } else { Err(errors) }
        }
        Kind::Date => {
            let Ok(day) = LocalDay::parse(v) else { return Err(vec![format!("「{t}」日期格式应为 YYYY-MM-DD")]) };
            if let Some(e) = q.earliest
                && day < e.resolve(today)
            {
                errors.push(format!("「{t}」不能早于 {}", e.resolve(today)));
            }
            if let Some(l) = q.latest
                && day > l.resolve(today)
            {
                errors.push(format!("「{t}」不能晚于 {}{}", l.resolve(today), if l == DayLimit::Today { "（今天）" } else { "" }));
            }
            if errors.is_empty() { Ok(answer(vec![day.to_string()], None)) } else { Err(errors) }
        }
        _ if v.chars().count() > MAX_TEXT => Err(vec![format!("「{t}」的回答不能超过 {MAX_TEXT} 个字")]),
        _ => Ok(answer(vec![v.to_string()], None)),
    }
}

/// The score of an answered form.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// Sum of the scored answers and how many there were.
    pub sum: i64,
    pub scored: i64,
    /// The form's figure: the sum or the mean, by its method.
    pub value: f64,
    pub band: Option<String>,
}

/// The score of these answers by the form's scoring (`None`: not scored, or no scored answer).
pub fn score(scoring: &Scoring, answers: &[Answer]) -> Option<Score> {
    let scores: Vec<i64> = answers.iter().filter_map(|a| a.score).map(i64::from).collect();
    score_of(scoring, scores.iter().sum(), scores.len() as i64)
}

/// [`score`] from a stored sum and count.
pub fn score_of(scoring: &Scoring, sum: i64, scored: i64) -> Option<Score> {
    if scoring.method == Method::None || scored == 0 {
        return None;
    }
    let value = if scoring.method == Method::Mean { sum as f64 / scored as f64 } else { sum as f64 };
    let band = scoring.bands.iter().rev().find(|b| value >= b.from).map(|b| b.label.clone());
    Some(Score { sum, scored, value, band })
}

/// What saving a changed definition does to the form's versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionStep {
    /// Nothing changed: no new version.
    Keep(i32),
    /// The current version has no answers yet: it is replaced in place.
    Replace(i32),
    /// The current version has answers: they keep the version they answered, and the change
    /// becomes a new version.
    New(i32),
}

impl VersionStep {
    pub fn version(self) -> i32 {
        match self {
            VersionStep::Keep(v) | VersionStep::Replace(v) | VersionStep::New(v) => v,
        }
    }
}

/// The version rule: answers are never re-read against questions they were not given.
/// `current` is 0 for a new form.
pub fn next_version(current: i32, changed: bool, answered: bool) -> VersionStep {
    match (current, changed, answered) {
        (0, _, _) => VersionStep::New(1),
        (v, false, _) => VersionStep::Keep(v),
        (v, true, false) => VersionStep::Replace(v),
        (v, true, true) => VersionStep::New(v + 1),
    }
}

/// Whom answers are about: a person (`hops_platform::people`), `person:<id>`. Answers recorded
/// before people existed were keyed by role (`patient:<id>`, `checkup_person:<id>`); migration
/// 0043 moved those it could to their person, and the others still read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A person: `person:<id>`.
    Person(i64),
    /// A master-data patient, as recorded before people: `patient:<id>`.
    Patient(i64),
    /// A checkup booking's person, as recorded before people: `checkup_person:<id>`.
    CheckupPerson(i64),
}

impl Subject {
    pub fn code(self) -> String {
        match self {
            Subject::Person(id) => format!("person:{id}"),
            Subject::Patient(id) => format!("patient:{id}"),
            Subject::CheckupPerson(id) => format!("checkup_person:{id}"),
        }
    }

    pub fn parse(s: &str) -> Option<Subject> {
        let (kind, id) = s.trim().split_once(':')?;
        let id = id.parse::<i64>().ok().filter(|v| *v > 0)?;
        match kind {
            "person" => Some(Subject::Person(id)),
            "patient" => Some(Subject::Patient(id)),
            "checkup_person" | "checkup-person" => Some(Subject::CheckupPerson(id)),
            _ => None,
        }
    }

    /// As shown in lists: 人员 #12 (患者 #12, 体检人 #7 for older answers), never a name or
    /// number.
    pub fn label_zh(self) -> String {
        match self {
            Subject::Person(id) => format!("人员 #{id}"),
            Subject::Patient(id) => format!("患者 #{id}"),
            Subject::CheckupPerson(id) => format!("体检人 #{id}"),
        }
    }
}
