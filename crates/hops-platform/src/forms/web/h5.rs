//! The H5 renderer: a form's questions as plain inputs for any module's patient pages (and the
//! console's preview). A page's template holds an [`H5Form`] in a field named `h5form` and
//! includes `forms/h5_questions.html` inside its own `<form>`; the inputs are named
//! `<prefix><code>` (a choice question's options share the name), so the page reads them back
//! with [`raw_answers`]. Without script every question shows, a conditional one with its
//! condition in words; `app.js` hides those whose condition does not hold (`data-show-if`) and
//! disables their inputs, so hidden answers are not sent. The server checks authoritatively.

use serde_json::json;

use crate::error::FieldError;
use crate::forms::model::{Condition, Definition, Kind, Op, RawAnswers, num};

/// One option or scale point, with whether it is chosen.
pub struct H5Option {
    pub label: String,
    pub value: String,
    pub checked: bool,
}

pub struct H5Question {
    /// Its number as shown.
    pub n: usize,
    pub code: String,
    /// The inputs' name: prefix and code.
    pub name: String,
    pub text: String,
    pub help: String,
    /// The kind's code: single, multiple, scale, number, text, date.
    pub kind: &'static str,
    /// What kind of answer, as shown (单选, 可多选, 1–5 分, kg …).
    pub hint: String,
    pub required: bool,
    pub options: Vec<H5Option>,
    /// The typed value (number, text, date).
    pub value: String,
    pub unit: String,
    pub min: String,
    pub max: String,
    /// The condition for `data-show-if` (JSON), empty without one; and in words.
    pub cond: String,
    pub note: String,
    pub error: String,
}

impl H5Question {
    pub fn is_choice(&self) -> bool {
        matches!(self.kind, "single" | "multiple" | "scale")
    }
    pub fn input_type(&self) -> &'static str {
        match self.kind {
            "single" | "scale" => "radio",
            "multiple" => "checkbox",
            "date" => "date",
            _ => "text",
        }
    }
    pub fn role(&self) -> &'static str {
        if self.input_type() == "radio" { "radiogroup" } else { "group" }
    }
}

pub struct H5Section {
    pub title: String,
    pub cond: String,
    pub note: String,
    pub questions: Vec<H5Question>,
}

/// A form ready for `forms/h5_questions.html`.
pub struct H5Form {
    pub sections: Vec<H5Section>,
}

impl H5Form {
    /// The asked questions of `d` with inputs named `prefix + code`, the values typed so far, and
    /// the problems of a refused try (fields are question codes).
    pub fn new(d: &Definition, prefix: &str, values: &RawAnswers, errors: &[FieldError]) -> H5Form {
        let names = |c: &Condition| -> (String, String) {
            if c.is_empty() {
                return (String::new(), String::new());
            }
            let any: Vec<Vec<serde_json::Value>> = c
                .any
                .iter()
                .map(|g| g.iter().map(|cl| json!({"q": format!("{prefix}{}", cl.code), "op": cl.op.symbol(), "v": cl.value})).collect())
                .collect();
            let words = c
                .any
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|cl| {
                            let text = d.question(&cl.code).map_or(cl.code.as_str(), |q| q.text.as_str());
                            match cl.op {
                                Op::Answered => format!("已回答「{text}」"),
                                Op::Eq => format!("「{text}」选“{}”", cl.value),
                                Op::Ne => format!("「{text}」未选“{}”", cl.value),
                                op => format!("「{text}」{} {}", op.symbol(), cl.value),
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("且")
                })
                .collect::<Vec<_>>()
                .join("，或");
            (json!(any).to_string(), format!("（当{words}时回答）"))
        };
        let mut sections: Vec<H5Section> = d
            .sections
            .iter()
            .map(|s| {
                let (cond, note) = names(&s.condition);
                H5Section { title: s.title.clone(), cond, note, questions: Vec::new() }
            })
            .collect();
        for (n, q) in d.asked() {
            let given = values.get(&q.code).cloned().unwrap_or_default();
            let chosen = |v: &str| given.iter().any(|g| g.trim() == v);
            let options = match q.kind {
                Kind::Single | Kind::Multiple => q
                    .choices
                    .iter()
                    .map(|c| H5Option { label: c.label.clone(), value: c.label.clone(), checked: chosen(&c.label) })
                    .collect(),
                Kind::Scale => q
                    .points()
                    .iter()
                    .map(|p| H5Option { label: p.to_string(), value: p.to_string(), checked: chosen(&p.to_string()) })
                    .collect(),
                _ => Vec::new(),
            };
            let hint = match q.kind {
                Kind::Single => "单选".to_string(),
                Kind::Multiple => "可多选".to_string(),
                Kind::Scale => format!("{} 分", q.range_zh()),
                Kind::Number if q.min.is_some() || q.max.is_some() => q.range_zh(),
                Kind::Number => q.unit.clone(),
                Kind::Date => match q.range_zh() {
                    r if r.is_empty() => "日期".into(),
                    r => format!("日期，{r}"),
                },
                Kind::Text => String::new(),
            };
            let (cond, note) = names(&q.condition);
            let error = errors.iter().filter(|e| e.field == q.code).map(|e| e.message.as_str()).collect::<Vec<_>>().join("；");
            let h5 = H5Question {
                n,
                code: q.code.clone(),
                name: format!("{prefix}{}", q.code),
                text: q.text.clone(),
                help: q.help.clone(),
                kind: q.kind.code(),
                hint,
                required: q.required,
                options,
                value: if q.kind.is_choice() || q.kind == Kind::Scale { String::new() } else { given.first().cloned().unwrap_or_default() },
                unit: q.unit.clone(),
                min: q.min.map(num).unwrap_or_default(),
                max: q.max.map(num).unwrap_or_default(),
                cond,
                note,
                error,
            };
            if let Some(s) = sections.get_mut(q.section) {
                s.questions.push(h5);
            }
        }
        sections.retain(|s| !s.questions.is_empty());
        H5Form { sections }
    }

    pub fn is_empty(&self) -> bool {
        self.sections.is_empty()
    }
}

/// The answers of a submitted form: every pair whose name starts with `prefix`, by code.
pub fn raw_answers<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>, prefix: &str) -> RawAnswers {
    let mut out = RawAnswers::new();
    for (k, v) in pairs {
        if let Some(code) = k.strip_prefix(prefix).filter(|c| !c.is_empty()) {
            out.entry(code.to_string()).or_default().push(v.to_string());
        }
    }
    out
}
