//! Console page of the health questionnaire: its questions and recommendation rules, with forms
//! to add, edit and delete them (permission `CheckupManage`; everyone with `CheckupRead` sees it).

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_platform::web::{Form, Method, Page, PageError, PageResult, Routes, Scope};
use hops_platform::{Error, FieldError, Permission};
use serde::Deserialize;

use crate::advice::model::{AdviceRule, Question, QuestionKind, split_options};
use crate::advice::service as advice;
use crate::catalogue::service as catalogue;
use hops_platform::web::flash;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/checkup/questionnaire", "健康问卷", page)
        .page(Method::Post, "/checkup/questionnaire/questions", "保存问卷问题", save_question)
        .page_confirmed(Method::Post, "/checkup/questionnaire/questions/delete", "删除问卷问题", delete_question)
        .page(Method::Post, "/checkup/questionnaire/rules", "新增加项推荐规则", add_rule)
        .page_confirmed(Method::Post, "/checkup/questionnaire/rules/delete", "删除加项推荐规则", delete_rule)
}

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

/// Messages shown after a redirect, by code (never text from the query string).
const FLASH: &[(&str, &str)] = &[
    ("question_saved", "问题已保存"),
    ("question_deleted", "问题及其推荐规则已删除"),
    ("rule_added", "推荐规则已添加"),
    ("rule_deleted", "推荐规则已删除"),
];

#[derive(Deserialize, Default)]
pub struct Q {
    ok: Option<String>,
    edit: Option<String>,
}

struct QuestionView {
    n: usize,
    question: Question,
    rules: usize,
}

struct RuleView {
    rule: AdviceRule,
    question: String,
    item: String,
    who: String,
}

/// The question form's values (a new question, the one edited, or what was just refused).
#[derive(Default)]
struct QuestionDraft {
    editing: bool,
    code: String,
    text: String,
    kind: String,
    options: String,
    position: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "checkup_questionnaire.html")]
struct QuestionnairePage {
    shell: hops_platform::web::Shell,
    questions: Vec<QuestionView>,
    rules: Vec<RuleView>,
    /// `code|option` and "问题 · 选项" of every answer, for the rule form.
    answers: Vec<(String, String)>,
    items: Vec<(String, String)>,
    draft: QuestionDraft,
    can_manage: bool,
    error: String,
    fields: Vec<FieldError>,
}

impl QuestionnairePage {
    /// Messages of the form fields named `name` (the whole list's `questions[3].options` too).
    fn error_for(&self, name: &str) -> String {
        let suffix = format!(".{name}");
        let list: Vec<&str> =
            self.fields.iter().filter(|f| f.field == name || f.field.ends_with(&suffix)).map(|f| f.message.as_str()).collect();
        list.join("；")
    }
}

async fn page(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    let draft = QuestionDraft { kind: "single".into(), active: true, ..QuestionDraft::default() };
    view(&page, q, draft, String::new(), Vec::new()).await
}

async fn view(page: &Page, q: Q, draft: QuestionDraft, error: String, fields: Vec<FieldError>) -> PageResult<Html<String>> {
    let access = page.access();
    let questionnaire = advice::questionnaire(access).await?;
    let cat = catalogue::catalogue(access).await?;
    let mut draft = draft;
    if let Some(code) = q.edit.as_deref()
        && let Some((n, x)) = questionnaire.questions.iter().enumerate().find(|(_, x)| x.code == code)
    {
        draft = QuestionDraft {
            editing: true,
            code: x.code.clone(),
            text: x.text.clone(),
            kind: x.kind.code().into(),
            options: x.options.join("\n"),
            position: (n + 1).to_string(),
            active: x.active,
        };
    }
    let text_of = |code: &str| questionnaire.questions.iter().find(|x| x.code == code).map_or(code.to_string(), |x| x.text.clone());
    let rules = questionnaire
        .rules
        .iter()
        .map(|r| RuleView {
            question: text_of(&r.question),
            item: cat.label(&r.item),
            who: match r.who().describe() {
                d if d.is_empty() => "不限".into(),
                d => d,
            },
            rule: r.clone(),
        })
        .collect();
    let answers = questionnaire
        .questions
        .iter()
        .flat_map(|x| x.options.iter().map(move |o| (format!("{}|{o}", x.code), format!("{} · {o}", x.text))))
        .collect();
    let questions = questionnaire
        .questions
        .iter()
        .enumerate()
        .map(|(n, x)| QuestionView {
            n: n + 1,
            rules: questionnaire.rules.iter().filter(|r| r.question == x.code).count(),
            question: x.clone(),
        })
        .collect();
    render(QuestionnairePage {
        shell: page.shell("健康问卷").with_flash(flash(q.ok.as_deref(), FLASH)),
        questions,
        rules,
        answers,
        items: cat.items.values().filter(|i| i.active).map(|i| (i.code.clone(), format!("{}（{}）", i.name, i.code))).collect(),
        draft,
        can_manage: access.can(Permission::CheckupManage),
        error,
        fields,
    })
}

/// A refused change: the page again, with every reason and the form as it was sent.
async fn refused(page: &Page, e: Error, draft: QuestionDraft) -> PageResult<Response> {
    let status = match &e {
        Error::Client { status: status @ (404 | 409 | 422), .. } => *status,
        _ => return Err(e.into()),
    };
    let fields = e.fields().to_vec();
    let message =
        if fields.is_empty() { e.public_message() } else { fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；") };
    let code = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    Ok((code, view(page, Q::default(), draft, message, fields).await?).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuestionForm {
    editing: String,
    code: String,
    text: String,
    kind: String,
    options: String,
    position: String,
    active: String,
}

async fn save_question(page: Page, Form(f): Form<QuestionForm>) -> PageResult<Response> {
    let draft = QuestionDraft {
        editing: !f.editing.is_empty(),
        code: f.code.trim().to_string(),
        text: f.text.clone(),
        kind: f.kind.clone(),
        options: f.options.clone(),
        position: f.position.clone(),
        active: !f.active.is_empty(),
    };
    let position = match f.position.trim() {
        "" => Ok(None),
        p => p
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .map(|n| Some(n - 1))
            .ok_or_else(|| Error::invalid_field("position", "题序应为 1 以上的整数")),
    };
    let result = match (QuestionKind::from_code(&f.kind), position) {
        (None, _) => Err(Error::invalid_field("kind", "请选择题型（单选或多选）")),
        (_, Err(e)) => Err(e),
        (Some(kind), Ok(position)) => {
            let question =
                Question { code: draft.code.clone(), text: f.text, kind, options: split_options(&f.options), active: draft.active };
            advice::save_question(page.access(), question, position).await
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to("/checkup/questionnaire?ok=question_saved").into_response()),
        Err(e) => refused(&page, e, draft).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeleteQuestionForm {
    code: String,
}

async fn delete_question(page: Page, Form(f): Form<DeleteQuestionForm>) -> PageResult<Response> {
    match advice::delete_question(page.access(), &f.code).await {
        Ok(()) => Ok(Redirect::to("/checkup/questionnaire?ok=question_deleted").into_response()),
        Err(e) => refused(&page, e, QuestionDraft { kind: "single".into(), active: true, ..QuestionDraft::default() }).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RuleForm {
    /// `question code|option`.
    answer: String,
    item: String,
    reason: String,
    sex: String,
    min_age: String,
    max_age: String,
}

fn age(v: &str, field: &str, fields: &mut Vec<FieldError>) -> Option<u32> {
    match v.trim() {
        "" => None,
        s => s.parse().ok().or_else(|| {
            fields.push(FieldError::new(field, "年龄应为 0–120 的整数"));
            None
        }),
    }
}

async fn add_rule(page: Page, Form(f): Form<RuleForm>) -> PageResult<Response> {
    let mut fields = Vec::new();
    let (question, answer) = f.answer.split_once('|').unwrap_or_default();
    if question.is_empty() {
        fields.push(FieldError::new("answer", "请选择问题与答案"));
    }
    let rule = AdviceRule {
        question: question.to_string(),
        answer: answer.to_string(),
        item: f.item.trim().to_string(),
        reason: f.reason,
        sex: super::api_advice::sex(Some(&f.sex), "sex", &mut fields),
        min_age: age(&f.min_age, "min_age", &mut fields),
        max_age: age(&f.max_age, "max_age", &mut fields),
    };
    let result = if fields.is_empty() { advice::add_rule(page.access(), rule).await } else { Err(Error::invalid(fields)) };
    let draft = QuestionDraft { kind: "single".into(), active: true, ..QuestionDraft::default() };
    match result {
        Ok(()) => Ok(Redirect::to("/checkup/questionnaire?ok=rule_added").into_response()),
        Err(e) => refused(&page, e, draft).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeleteRuleForm {
    question: String,
    answer: String,
    item: String,
}

async fn delete_rule(page: Page, Form(f): Form<DeleteRuleForm>) -> PageResult<Response> {
    match advice::delete_rule(page.access(), &f.question, &f.answer, &f.item).await {
        Ok(()) => Ok(Redirect::to("/checkup/questionnaire?ok=rule_deleted").into_response()),
        Err(e) => refused(&page, e, QuestionDraft { kind: "single".into(), active: true, ..QuestionDraft::default() }).await,
    }
}
