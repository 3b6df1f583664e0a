//! The text form of a definition, as the console's editor holds it: one question a line, a
//! section a `#` line. Pure; problems name their line.
//!
//! ```text
//! # 吸烟与饮酒
//! 单选|smoking|您是否吸烟？|不吸烟=0；已戒烟=1；吸烟=2
//! 数值|cigarettes|每天吸烟多少支？|范围：1-100|单位：支|条件：smoking = 吸烟
//! # 女性健康 | 条件：sex = 女
//! 日期|lmp|末次月经日期|范围：2020-01-01~今天|选填|说明：不记得可不填
//! ```
//!
//! After the kind, code and text, parts in any order: the options (choice questions, `；`
//! between them, `=分值` after one that scores), `范围：a-b` (评分、数值；日期 `a~b`, `今天`
//! allowed), `单位：kg`, `小数：1`, `选填`, `停用`, `条件：…`, `说明：…`.

use super::model::{Choice, Condition, DayLimit, Definition, Kind, Question, Section, num};
use crate::error::FieldError;

/// Options joined by `sep`, each `label` or `label=score`.
pub fn join_choices(choices: &[Choice], sep: &str) -> String {
    choices
        .iter()
        .map(|c| match c.score {
            Some(s) => format!("{}={s}", c.label),
            None => c.label.clone(),
        })
        .collect::<Vec<_>>()
        .join(sep)
}

/// Options as written in a line: `非常满意=5；满意=4；不清楚`.
pub fn choices_to_text(choices: &[Choice]) -> String {
    join_choices(choices, "；")
}

/// Reads options (`；`, `;` or a new line between them; `=分值` after one that scores).
pub fn choices_from_text(text: &str) -> Result<Vec<Choice>, String> {
    let mut out = Vec::new();
    for part in text.split([';', '；', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        match part.rsplit_once(['=', '＝']) {
            Some((label, score)) => {
                let score = score.trim().parse::<i32>().map_err(|_| format!("选项「{}」的分值应为整数", label.trim()))?;
                out.push(Choice { label: label.trim().to_string(), score: Some(score) });
            }
            None => out.push(Choice { label: part.to_string(), score: None }),
        }
    }
    Ok(out)
}

fn part<'a>(p: &'a str, key: &str) -> Option<&'a str> {
    p.strip_prefix(key).and_then(|r| r.strip_prefix(['：', ':'])).map(str::trim)
}

/// The definition as lines (see the module's documentation); scoring is kept apart.
pub fn to_lines(d: &Definition) -> String {
    let mut lines = Vec::new();
    for (i, s) in d.sections.iter().enumerate() {
        if i > 0 || !s.title.is_empty() || !s.condition.is_empty() {
            let cond = if s.condition.is_empty() { String::new() } else { format!(" | 条件：{}", s.condition.to_text()) };
            lines.push(format!("# {}{cond}", s.title));
        }
        lines.extend(d.questions.iter().filter(|q| q.section == i).map(question_line));
    }
    lines.join("\n")
}

fn question_line(q: &Question) -> String {
    let mut parts = vec![q.kind.label_zh().to_string(), q.code.clone(), q.text.clone()];
    if q.kind.is_choice() {
        parts.push(choices_to_text(&q.choices));
    }
    match q.kind {
        Kind::Scale | Kind::Number if q.min.is_some() || q.max.is_some() => {
            parts.push(format!("范围：{}-{}", q.min.map(num).unwrap_or_default(), q.max.map(num).unwrap_or_default()))
        }
        Kind::Date if q.earliest.is_some() || q.latest.is_some() => parts.push(format!(
            "范围：{}~{}",
            q.earliest.map(DayLimit::label_zh).unwrap_or_default(),
            q.latest.map(DayLimit::label_zh).unwrap_or_default()
        )),
        _ => {}
    }
    if !q.unit.is_empty() {
        parts.push(format!("单位：{}", q.unit));
    }
    if q.decimals > 0 {
        parts.push(format!("小数：{}", q.decimals));
    }
    if !q.required {
        parts.push("选填".into());
    }
    if !q.active {
        parts.push("停用".into());
    }
    if !q.condition.is_empty() {
        parts.push(format!("条件：{}", q.condition.to_text()));
    }
    if !q.help.is_empty() {
        parts.push(format!("说明：{}", q.help));
    }
    parts.join("|")
}

fn bound(s: &str) -> Result<Option<f64>, ()> {
    match s.trim() {
        "" => Ok(None),
        t => t.parse::<f64>().map(Some).map_err(|_| ()),
    }
}

fn day_bound(s: &str) -> Result<Option<DayLimit>, ()> {
    match s.trim() {
        "" | "不限" => Ok(None),
        t => DayLimit::from_code(t).map(Some).ok_or(()),
    }
}

/// Reads the lines (see the module's documentation) into sections and questions; every problem
/// of the text names its line (field `definition`). Scoring is left as it is in `base`.
pub fn from_lines(text: &str, base: &Definition) -> Result<Definition, Vec<FieldError>> {
    let mut d = Definition { sections: vec![Section::default()], questions: Vec::new(), scoring: base.scoring.clone() };
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let err = |m: String| FieldError::new("definition", format!("第 {} 行：{m}", i + 1));
        let line = line.trim();
        if let Some(title) = line.strip_prefix(['#', '＃']) {
            let (title, cond) = match title.split_once(['|', '｜']) {
                Some((t, c)) => (t, part(c.trim(), "条件").unwrap_or(c.trim())),
                None => (title, ""),
            };
            let condition = Condition::parse(cond).unwrap_or_else(|e| {
                errors.push(err(e));
                Condition::default()
            });
            let s = Section { title: title.trim().to_string(), condition };
            if d.questions.is_empty() && d.sections.len() == 1 {
                d.sections[0] = s;
            } else {
                d.sections.push(s);
            }
            continue;
        }
        let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        let Some(kind) = Kind::from_code(parts[0]) else {
            errors.push(err("题型应为 单选、多选、评分、数值、文本 或 日期，格式如「评分|q1|请为本次服务打分|范围：1-5」".into()));
            continue;
        };
        if parts.len() < 3 {
            errors.push(err("每行至少要有 题型|编码|题目".into()));
            continue;
        }
        let mut q = Question::new(parts[1], kind, parts[2]);
        q.required = true;
        q.section = d.sections.len() - 1;
        if kind == Kind::Scale {
            (q.min, q.max) = (Some(1.0), Some(5.0));
        }
        let mut rest = &parts[3..];
        if kind.is_choice() {
            match rest.first() {
                Some(opts) if !opts.contains(['：', ':']) => {
                    match choices_from_text(opts) {
                        Ok(c) => q.choices = c,
                        Err(m) => errors.push(err(m)),
                    }
                    rest = &rest[1..];
                }
                _ => {}
            }
        }
        for p in rest {
            if *p == "选填" {
                q.required = false;
            } else if *p == "必答" {
                q.required = true;
            } else if *p == "停用" {
                q.active = false;
            } else if let Some(c) = part(p, "条件") {
                match Condition::parse(c) {
                    Ok(c) => q.condition = c,
                    Err(m) => errors.push(err(m)),
                }
            } else if let Some(h) = part(p, "说明") {
                q.help = h.to_string();
            } else if let Some(u) = part(p, "单位") {
                q.unit = u.to_string();
            } else if let Some(x) = part(p, "小数") {
                match x.parse::<u8>() {
                    Ok(v) => q.decimals = v,
                    Err(_) => errors.push(err(format!("小数位数「{x}」应为 0–4 的整数"))),
                }
            } else if let Some(r) = part(p, "范围") {
                if kind == Kind::Date {
                    let (a, b) = r.split_once(['~', '～', '至']).unwrap_or((r, ""));
                    match (day_bound(a), day_bound(b)) {
                        (Ok(a), Ok(b)) => (q.earliest, q.latest) = (a, b),
                        _ => errors.push(err(format!("日期范围「{r}」应写成 2020-01-01~今天"))),
                    }
                } else {
                    // A leading minus belongs to the number: split at the first '-' or '–' after it.
                    let at = r.char_indices().skip(1).find(|(_, c)| matches!(c, '-' | '–' | '~' | '～')).map(|(i, _)| i);
                    let (a, b) = match at {
                        Some(i) => {
                            let sep = r[i..].chars().next().map_or(1, char::len_utf8);
                            (&r[..i], &r[i + sep..])
                        }
                        None => (r, ""),
                    };
                    match (bound(a), bound(b)) {
                        (Ok(a), Ok(b)) => (q.min, q.max) = (a, b),
                        _ => errors.push(err(format!("范围「{r}」应写成 1-5 或 30-250"))),
                    }
                }
            } else if !p.is_empty() {
                errors.push(err(format!("看不懂「{p}」：可写 选项、范围：、单位：、小数：、选填、停用、条件：、说明：")));
            }
        }
        d.questions.push(q);
    }
    if errors.is_empty() { Ok(d) } else { Err(errors) }
}
