//! The questionnaire and its recommendation rules as pure data: checking a questionnaire before
//! it is saved, checking a person's answers, and [`recommend`]ing add-on items with their
//! reasons. Nothing here does I/O.
//!
//! The questions are a form of the platform's forms engine (`checkup.advice`, single and
//! multiple choice, not scored): [`to_definition`] and [`from_definition`] convert, and the
//! engine checks the questions and the answers; the recommendation rules are the checkup's own.

use std::collections::{BTreeMap, BTreeSet};

use hops_kernel::{LocalDay, Money, Sex};
use hops_platform::FieldError;
use hops_platform::forms::model::{self as forms, Definition};

use crate::catalogue::model::{Applicability, Catalogue, Marital, Rule};

/// At most this many questions: the questionnaire is meant to be short.
pub const MAX_QUESTIONS: usize = 30;
pub const MAX_RULES: usize = 500;
/// The questionnaire's code in the forms engine.
pub const FORM_CODE: &str = "checkup.advice";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionKind {
    /// One answer (单选).
    Single,
    /// Any number of answers (多选).
    Multi,
}

impl QuestionKind {
    pub fn code(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multi => "multi",
        }
    }

    pub fn from_code(s: &str) -> Option<QuestionKind> {
        match s.trim() {
            "single" | "单选" => Some(QuestionKind::Single),
            "multi" | "多选" => Some(QuestionKind::Multi),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            QuestionKind::Single => "单选",
            QuestionKind::Multi => "多选",
        }
    }

    fn forms_kind(self) -> forms::Kind {
        match self {
            QuestionKind::Single => forms::Kind::Single,
            QuestionKind::Multi => forms::Kind::Multiple,
        }
    }
}

/// The questions as the form's definition: every question (inactive ones kept, not asked),
/// optional, options without scores.
pub fn to_definition(questions: &[Question]) -> Definition {
    Definition::of(
        questions
            .iter()
            .map(|q| {
                let mut f = forms::Question::new(&q.code, q.kind.forms_kind(), &q.text);
                f.active = q.active;
                f.choices = q.options.iter().map(|o| forms::Choice::new(o, None)).collect();
                f
            })
            .collect(),
    )
}

/// The questions of the form's definition (choice questions only; others are not the
/// questionnaire's).
pub fn from_definition(d: &Definition) -> Vec<Question> {
    d.questions
        .iter()
        .filter(|q| q.kind.is_choice())
        .map(|q| Question {
            code: q.code.clone(),
            text: q.text.clone(),
            kind: if q.kind == forms::Kind::Multiple { QuestionKind::Multi } else { QuestionKind::Single },
            options: q.choices.iter().map(|c| c.label.clone()).collect(),
            active: q.active,
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// The hospital's own code, e.g. `smoking`.
    pub code: String,
    /// The question as asked ("您是否吸烟？").
    pub text: String,
    pub kind: QuestionKind,
    pub options: Vec<String>,
    /// Inactive questions are not asked.
    pub active: bool,
}

/// "This answer recommends this item, for this reason" — for everyone, or only for one sex or
/// an age range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdviceRule {
    /// Question code.
    pub question: String,
    /// One of the question's options.
    pub answer: String,
    /// Item code.
    pub item: String,
    /// Shown to the person ("长期吸烟者肺癌风险高，建议低剂量螺旋 CT 筛查").
    pub reason: String,
    pub sex: Option<Sex>,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
}

impl AdviceRule {
    /// Who the rule is for.
    pub fn who(&self) -> Applicability {
        Applicability { sex: self.sex, min_age: self.min_age, max_age: self.max_age, marital: Marital::Any }
    }
}

/// A hospital's questionnaire: questions in the order asked, and the rules in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Questionnaire {
    pub questions: Vec<Question>,
    pub rules: Vec<AdviceRule>,
}

impl Questionnaire {
    /// The questionnaire with surrounding spaces trimmed from every code, text and option.
    pub fn trimmed(mut self) -> Questionnaire {
        for q in &mut self.questions {
            q.code = q.code.trim().to_string();
            q.text = q.text.trim().to_string();
            q.options = q.options.iter().map(|o| o.trim().to_string()).collect();
        }
        for r in &mut self.rules {
            r.question = r.question.trim().to_string();
            r.answer = r.answer.trim().to_string();
            r.item = r.item.trim().to_string();
            r.reason = r.reason.trim().to_string();
        }
        self
    }
}

/// Options written one a line or separated by `|` (the console's text box, the stored form).
pub fn split_options(text: &str) -> Vec<String> {
    text.split(['\n', '|']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// What is known of the person answering; unknown parts are `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Respondent {
    pub sex: Option<Sex>,
    pub age: Option<u32>,
    pub married: Option<bool>,
}

impl Respondent {
    /// What is known of the person as a restriction (an age is a range of one year), for
    /// [`crate::catalogue::model::Package::fits`].
    pub fn known(&self) -> Applicability {
        Applicability {
            sex: self.sex,
            min_age: self.age,
            max_age: self.age,
            marital: match self.married {
                Some(true) => Marital::Married,
                Some(false) => Marital::Unmarried,
                None => Marital::Any,
            },
        }
    }
}

/// Chosen options by question code.
pub type Answers = BTreeMap<String, Vec<String>>;

/// An item worth adding, with every reason the answers gave for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recommendation {
    pub item_code: String,
    pub item_name: String,
    pub price: Money,
    pub reasons: Vec<String>,
    /// Items the recommended one depends on (依赖) that are not chosen yet: adding it adds them.
    pub requires: Vec<String>,
    /// Chosen items it excludes (互斥), e.g. the chest X-ray a low-dose CT replaces.
    pub replaces: Vec<String>,
}

/// Whether `a` surely admits the person: a restriction on something unknown does not.
fn admits(a: &Applicability, p: &Respondent) -> bool {
    let sex = a.sex.is_none_or(|s| p.sex == Some(s));
    let age = match (a.min_age, a.max_age) {
        (None, None) => true,
        (lo, hi) => p.age.is_some_and(|age| lo.is_none_or(|m| age >= m) && hi.is_none_or(|m| age <= m)),
    };
    let marital = match a.marital {
        Marital::Any => true,
        Marital::Married => p.married == Some(true),
        Marital::Unmarried => p.married == Some(false),
    };
    sex && age && marital
}

fn text(out: &mut Vec<FieldError>, field: String, label: &str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 {
        out.push(FieldError::new(field, format!("请填写{label}")));
    } else if n > max {
        out.push(FieldError::new(field, format!("{label}不能超过 {max} 个字")));
    }
}

/// Checks a whole questionnaire against the catalogue: every problem at once, by field
/// (`questions[0].options`, `rules[3].item` …).
pub fn check_questionnaire(q: &Questionnaire, cat: &Catalogue) -> Vec<FieldError> {
    let mut out = Vec::new();
    if q.questions.len() > MAX_QUESTIONS {
        out.push(FieldError::new("questions", format!("问卷最多 {MAX_QUESTIONS} 个问题")));
    }
    if q.rules.len() > MAX_RULES {
        out.push(FieldError::new("rules", format!("推荐规则最多 {MAX_RULES} 条")));
    }
    // The questions by the forms engine's rules (codes, texts, options).
    out.extend(forms::check_definition(&to_definition(&q.questions)).into_iter().filter(|e| e.field != "questions"));
    let mut rules = BTreeSet::new();
    for (n, r) in q.rules.iter().enumerate() {
        let f = |name: &str| format!("rules[{n}].{name}");
        match q.questions.iter().find(|x| x.code == r.question) {
            None => out.push(FieldError::new(f("question"), format!("推荐规则指向不存在的问题 {}", r.question))),
            Some(x) if !x.options.iter().any(|o| o.trim() == r.answer) => {
                out.push(FieldError::new(f("answer"), format!("问题「{}」没有选项「{}」，推荐规则无法生效", x.text.trim(), r.answer)))
            }
            Some(_) => {}
        }
        match cat.items.get(&r.item) {
            None => out.push(FieldError::new(f("item"), format!("项目 {} 不存在", r.item))),
            Some(item) => {
                let own_range = !matches!((r.min_age, r.max_age), (Some(a), Some(b)) if a > b);
                if item.applicability.is_restricted() && own_range && !item.applicability.compatible(&r.who()) {
                    let who = item.applicability.describe();
                    out.push(FieldError::new(f("item"), format!("{}仅适用于{who}，与这条规则的适用人群没有交集", cat.label(&r.item))));
                }
                if !rules.insert((&r.question, &r.answer, &r.item)) {
                    out.push(FieldError::new(
                        f("item"),
                        format!("问题 {} 的答案「{}」重复推荐{}", r.question, r.answer, cat.label(&r.item)),
                    ));
                }
            }
        }
        text(&mut out, f("reason"), "推荐理由", &r.reason, 200);
        for (field, v) in [("min_age", r.min_age), ("max_age", r.max_age)] {
            if v.is_some_and(|v| v > 120) {
                out.push(FieldError::new(f(field), "年龄须在 0–120 岁之间"));
            }
        }
        if let (Some(a), Some(b)) = (r.min_age, r.max_age)
            && a > b
        {
            out.push(FieldError::new(f("max_age"), format!("最大年龄 {b} 小于最小年龄 {a}")));
        }
    }
    out
}

/// Checks answers against the asked (active) questions: unknown questions and options, and
/// more than one answer to a single-choice question, each by field (`answers.<code>`).
pub fn check_answers(questions: &[Question], answers: &Answers) -> Vec<FieldError> {
    // Choice questions only: the day does not matter.
    let mut out = forms::check_answers(&to_definition(questions), answers, LocalDay(0)).err().unwrap_or_default();
    for e in &mut out {
        e.field = format!("answers.{}", e.field);
    }
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

/// The items the answers recommend, in the order of the questions and rules that first
/// recommend them, each with every reason given for it (the same reason once). Left out: items
/// `selected` already, unknown or inactive items, and items the person cannot take or a rule
/// does not apply to (sex, age, marital status; a restriction on something not known leaves the
/// item out). Invalid answers are refused with every problem.
pub fn recommend(
    questions: &[Question],
    rules: &[AdviceRule],
    answers: &Answers,
    person: &Respondent,
    selected: &BTreeSet<String>,
    cat: &Catalogue,
) -> Result<Vec<Recommendation>, Vec<FieldError>> {
    let problems = check_answers(questions, answers);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out: Vec<Recommendation> = Vec::new();
    for q in questions.iter().filter(|q| q.active) {
        let Some(chosen) = answers.get(&q.code) else { continue };
        for r in rules.iter().filter(|r| r.question == q.code && chosen.iter().any(|c| c.trim() == r.answer)) {
            let Some(item) = cat.items.get(&r.item) else { continue };
            if !item.active || selected.contains(&item.code) || !admits(&r.who(), person) || !admits(&item.applicability, person) {
                continue;
            }
            if let Some(found) = out.iter_mut().find(|x| x.item_code == item.code) {
                if !found.reasons.contains(&r.reason) {
                    found.reasons.push(r.reason.clone());
                }
                continue;
            }
            let closure = cat.closure(&item.code);
            let replaces = cat
                .rules
                .iter()
                .filter_map(|rule| match rule {
                    Rule::Exclusive(a, b) if closure.contains(a) && selected.contains(b) => Some(b.clone()),
                    Rule::Exclusive(a, b) if closure.contains(b) && selected.contains(a) => Some(a.clone()),
                    _ => None,
                })
                .collect::<BTreeSet<_>>();
            out.push(Recommendation {
                item_code: item.code.clone(),
                item_name: item.name.clone(),
                price: item.price,
                reasons: vec![r.reason.clone()],
                requires: closure.into_iter().filter(|c| *c != item.code && !selected.contains(c)).collect(),
                replaces: replaces.into_iter().collect(),
            });
        }
    }
    Ok(out)
}
