//! The agents' follow-up pages: the call-task queue (due first, filters, search, paging) and a
//! task with its script, questionnaire and call history, where the call is recorded.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_platform::web::{Form, Method, Page, PageResult, Pager, Paging, Routes, Scope, Shell};
use hops_platform::{Error, Permission};
use serde::Deserialize;

use crate::followup::calls::{self, CallInput, TaskDetail};
use crate::followup::model::{Outcome, TaskStatus};
use crate::followup::questionnaire::Kind;
use crate::followup::service;
use crate::followup::store::{TaskFilter, TaskRow};
use crate::web::common::{Choice, FormErrors, refusal_message, render};
use hops_platform::web::flash;

pub fn routes() -> Routes {
    Routes::scoped(Scope::People)
        .page(Method::Get, "/desk/followup", "回访任务", queue)
        .page(Method::Get, "/desk/followup/tasks/{task_id}", "回访任务详情", task_page)
        .page(Method::Post, "/desk/followup/tasks/{task_id}/calls", "记录回访通话", record)
        .page(Method::Post, "/desk/followup/tasks/{task_id}/reveal", "查看回访对象完整手机号", reveal)
}

#[derive(Deserialize, Default)]
pub struct Q {
    status: Option<String>,
    plan: Option<String>,
    due: Option<String>,
    q: Option<String>,
    page: Option<i64>,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "desk_followup_tasks.html")]
struct QueuePage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<TaskRow>,
    pager: Pager,
    statuses: Vec<Choice>,
    plans: Vec<Choice>,
    dues: Vec<Choice>,
    q: String,
    now: hops_kernel::Instant,
    can_manage: bool,
    error: String,
}

/// Messages shown after a redirect, by code (never text from the query string).
const FLASH: &[(&str, &str)] = &[("called", "通话已记录")];

async fn queue(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    let access = page.access();
    let paging = Paging::new(q.page, 30);
    let status_code = q.status.clone().unwrap_or_else(|| "pending".into());
    let status = TaskStatus::from_code(&status_code);
    let plan_id = q.plan.as_deref().and_then(|p| p.trim().parse::<i64>().ok());
    // 已到期: due by now; 今日应回访: due before today ends (the home page's 今日回访).
    let due = q.due.as_deref().filter(|d| matches!(*d, "1" | "today")).unwrap_or("");
    let text = q.q.clone().unwrap_or_default();
    let now = access.now();
    let due_by = match due {
        "1" => Some(now),
        "today" => Some(hops_kernel::Instant(now.local_day().plus_days(1).start().0 - 1)),
        _ => None,
    };
    let f = TaskFilter { status, plan_id, due_by, q: text.clone() };
    let (rows, total) = calls::tasks(access, &f, paging).await?;
    let plans = service::plans(access).await?;
    let plan_code = plan_id.map(|p| p.to_string()).unwrap_or_default();
    let base = format!(
        "/desk/followup?status={}&plan={plan_code}&due={due}&q={}",
        status.map_or("", TaskStatus::code),
        hops_platform::web::pages::url_encode(&text)
    );
    let mut statuses = vec![Choice::new("", "全部状态", status.map_or("", TaskStatus::code))];
    statuses.extend(TaskStatus::ALL.iter().map(|s| Choice::new(s.code(), s.label_zh(), status.map_or("", TaskStatus::code))));
    let mut plan_choices = vec![Choice::new("", "全部计划", &plan_code)];
    plan_choices.extend(plans.iter().map(|p| Choice::new(p.id, p.plan.name.clone(), &plan_code)));
    render(QueuePage {
        shell: page.shell("回访任务").with_flash(flash(q.ok.as_deref(), FLASH)),
        tab: "tasks",
        rows,
        pager: Pager::new(paging, total, &base),
        statuses,
        plans: plan_choices,
        dues: [("", "全部时间"), ("today", "今日应回访（含逾期）"), ("1", "已到期")].iter().map(|(v, l)| Choice::new(v, *l, due)).collect(),
        q: text,
        now,
        can_manage: access.can(Permission::DeskManage),
        error: String::new(),
    })
}

/// A question of the call form, with the answer typed so far.
struct QuestionView {
    field: String,
    kind: Kind,
    text: String,
    required: bool,
    options: Vec<String>,
    value: String,
}

#[derive(Template)]
#[template(path = "desk_followup_task.html")]
struct TaskPage {
    shell: Shell,
    d: TaskDetail,
    questions: Vec<QuestionView>,
    outcomes: Vec<Choice>,
    note: String,
    declined: bool,
    phone: String,
    can_unmask: bool,
    errors: FormErrors,
    error: String,
    now: hops_kernel::Instant,
}

async fn task_view(page: &Page, id: i64, form: &HashMap<String, String>, errors: FormErrors, phone: String) -> PageResult<Html<String>> {
    let access = page.access();
    let d = calls::task(access, id).await?;
    let questions = d
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let field = format!("q{}", i + 1);
            QuestionView {
                value: form.get(&field).cloned().unwrap_or_default(),
                field,
                kind: q.kind,
                text: q.text.clone(),
                required: q.required,
                options: q.choices.iter().map(|c| c.label.clone()).collect(),
            }
        })
        .collect();
    let current = form.get("outcome").cloned().unwrap_or_default();
    let mut outcomes = vec![Choice::new("", "请选择通话结果", &current)];
    outcomes.extend(Outcome::ALL.iter().map(|o| Choice::new(o.code(), o.label_zh(), &current)));
    let error = if errors.is_empty() { String::new() } else { format!("未保存：请修正下列 {} 处问题", errors.len()) };
    render(TaskPage {
        shell: page.shell(format!("回访 · {}", d.task.patient_name)),
        questions,
        outcomes,
        note: form.get("note").cloned().unwrap_or_default(),
        declined: form.get("survey_declined").is_some_and(|v| v == "1"),
        phone,
        can_unmask: access.can(Permission::PersonalUnmask),
        errors,
        error,
        now: access.now(),
        d,
    })
}

async fn task_page(page: Page, Path(id): Path<i64>) -> PageResult<Html<String>> {
    task_view(&page, id, &HashMap::new(), FormErrors::default(), String::new()).await
}

async fn record(page: Page, Path(id): Path<i64>, Form(f): Form<HashMap<String, String>>) -> PageResult<Response> {
    let access = page.access();
    let n = f.keys().filter_map(|k| k.strip_prefix('q')?.parse::<usize>().ok()).max().unwrap_or(0);
    let input = CallInput {
        outcome: f.get("outcome").cloned().unwrap_or_default(),
        note: f.get("note").cloned().unwrap_or_default(),
        answers: (1..=n).map(|i| f.get(&format!("q{i}")).cloned().unwrap_or_default()).collect(),
        survey_declined: f.get("survey_declined").is_some_and(|v| v == "1"),
    };
    match calls::record_call(access, id, &input).await {
        Ok(_) => Ok(Redirect::to("/desk/followup?ok=called").into_response()),
        Err(e) => match FormErrors::from_error(e) {
            Ok(errors) => Ok((StatusCode::UNPROCESSABLE_ENTITY, task_view(&page, id, &f, errors, String::new()).await?).into_response()),
            Err(e) => {
                let (status, message) = refusal_message(e)?;
                let code = StatusCode::from_u16(status).unwrap_or(StatusCode::CONFLICT);
                let errors = FormErrors::from_error(Error::invalid_field("", message)).unwrap_or_default();
                Ok((code, task_view(&page, id, &f, errors, String::new()).await?).into_response())
            }
        },
    }
}

async fn reveal(page: Page, Path(id): Path<i64>) -> PageResult<Response> {
    match calls::reveal_phone(page.access(), id).await {
        Ok(phone) => Ok(task_view(&page, id, &HashMap::new(), FormErrors::default(), phone).await?.into_response()),
        Err(e) => {
            let (status, message) = refusal_message(e)?;
            let errors = FormErrors::from_error(Error::invalid_field("", message)).unwrap_or_default();
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::CONFLICT);
            Ok((code, task_view(&page, id, &HashMap::new(), errors, String::new()).await?).into_response())
        }
    }
}
