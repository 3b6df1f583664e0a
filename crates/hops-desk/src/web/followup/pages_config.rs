//! Follow-up configuration pages: plans (list, form, generating tasks), questionnaires (list,
//! form with one question a line) and key patients (mark by number, import a list, unmark).

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::PatientId;
use hops_platform::Permission;
use hops_platform::tabular::{self, ImportReport};
use hops_platform::web::upload;
use hops_platform::web::{Form, Method, Page, PageResult, Pager, Paging, Routes, Scope, Shell};
use serde::Deserialize;

use crate::followup::model::{Audience, PlanDraft};
use crate::followup::questionnaire;
use crate::followup::service::QuestionnaireRow;
use crate::followup::service::{self, KeyPatientView, QuestionnaireDraft, Questions};
use crate::followup::store::PlanRow;
use crate::web::common::{Choice, FormErrors, opt_id, refusal_message, render, xlsx};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/desk/followup/plans", "回访计划", plans)
        .page(Method::Get, "/desk/followup/plans/form", "新建或编辑回访计划", plan_form)
        .page(Method::Post, "/desk/followup/plans/form", "保存回访计划", save_plan)
        .page(Method::Post, "/desk/followup/plans/generate", "按全部计划生成回访任务", generate_all)
        .page(Method::Post, "/desk/followup/plans/{plan_id}/generate", "按计划生成回访任务", generate)
        .page(Method::Get, "/desk/followup/questionnaires", "满意度问卷", questionnaires)
        .page(Method::Get, "/desk/followup/questionnaires/form", "新建或编辑问卷", questionnaire_form)
        .page(Method::Post, "/desk/followup/questionnaires/form", "保存问卷", save_questionnaire)
        .scope(Scope::AllPeople)
        .page(Method::Get, "/desk/followup/key-patients", "重点患者", keys)
        .page(Method::Post, "/desk/followup/key-patients", "标记重点患者", mark_key)
        .page(Method::Post, "/desk/followup/key-patients/import", "导入重点患者名单", import_keys)
        .page(Method::Get, "/desk/followup/key-patients/template.xlsx", "重点患者导入模板", key_template)
        .page(Method::Post, "/desk/followup/key-patients/{patient_id}/unmark", "取消重点患者", unmark_key)
}

#[derive(Deserialize, Default)]
pub struct Q {
    ok: Option<String>,
    id: Option<i64>,
    created: Option<usize>,
    existing: Option<usize>,
    opted: Option<usize>,
    page: Option<i64>,
}

/// Messages shown after a redirect, by code (never text from the query string).
const FLASH: &[(&str, &str)] = &[("saved", "已保存"), ("marked", "已标记为重点患者"), ("unmarked", "已取消重点患者")];

/// The message after a redirect: the platform's by code, or a generation's counts.
fn flash(q: &Q) -> Option<String> {
    if q.ok.as_deref() == Some("generated") {
        return Some(format!(
            "已生成回访任务：新建 {} 个，已有任务的事件 {} 个，要求不再回访跳过 {} 个",
            q.created.unwrap_or(0),
            q.existing.unwrap_or(0),
            q.opted.unwrap_or(0)
        ));
    }
    hops_platform::web::flash(q.ok.as_deref(), FLASH)
}

// ---- plans ----

#[derive(Template)]
#[template(path = "desk_followup_plans.html")]
struct PlansPage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<PlanRow>,
    questionnaires: Vec<QuestionnaireRow>,
    can_manage: bool,
    error: String,
    lookback: i32,
}

async fn plans_view(page: &Page, q: &Q, error: String) -> PageResult<Html<String>> {
    let access = page.access();
    render(PlansPage {
        shell: page.shell("回访计划").with_flash(flash(q)),
        tab: "plans",
        rows: service::plans(access).await?,
        questionnaires: service::questionnaires(access).await?,
        can_manage: access.can(Permission::DeskManage),
        error,
        lookback: service::LOOKBACK_DAYS,
    })
}

async fn plans(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    plans_view(&page, &q, String::new()).await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PlanForm {
    id: String,
    name: String,
    audience: String,
    department_id: String,
    delay_days: String,
    repeat_days: String,
    script: String,
    questionnaire_id: String,
    max_attempts: String,
    retry_no_answer_hours: String,
    retry_refused_hours: String,
    retry_family_hours: String,
    active: String,
}

#[derive(Template)]
#[template(path = "desk_followup_plan_form.html")]
struct PlanFormPage {
    shell: Shell,
    f: PlanForm,
    audiences: Vec<(Choice, bool)>,
    departments: Vec<Choice>,
    questionnaires: Vec<Choice>,
    errors: FormErrors,
}

async fn plan_form_view(page: &Page, f: PlanForm, errors: FormErrors) -> PageResult<Html<String>> {
    let access = page.access();
    let mut departments = vec![Choice::new("", "全部科室", &f.department_id)];
    departments.extend(
        hops_master::service::department_choices(access).await?.into_iter().map(|(_, id, name)| Choice::new(id.0, name, &f.department_id)),
    );
    let mut questionnaires = vec![Choice::new("", "不做问卷", &f.questionnaire_id)];
    questionnaires.extend(
        service::questionnaires(access).await?.into_iter().filter(|q| q.active).map(|q| Choice::new(q.id, q.name, &f.questionnaire_id)),
    );
    let title = if f.id.is_empty() { "新建回访计划" } else { "编辑回访计划" };
    render(PlanFormPage {
        shell: page.shell(title),
        audiences: Audience::ALL.iter().map(|a| (Choice::new(a.code(), a.label_zh(), &f.audience), a.available())).collect(),
        departments,
        questionnaires,
        f,
        errors,
    })
}

async fn plan_form(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    page.access().require(Permission::DeskManage)?;
    let f = match q.id {
        Some(id) => {
            let r = service::plan(page.access(), id).await?;
            let p = r.plan;
            PlanForm {
                id: id.to_string(),
                name: p.name,
                audience: p.audience.code().into(),
                department_id: p.department_id.map(|d| d.to_string()).unwrap_or_default(),
                delay_days: p.delay_days.to_string(),
                repeat_days: p.repeat_days.to_string(),
                script: p.script,
                questionnaire_id: p.questionnaire_id.map(|d| d.to_string()).unwrap_or_default(),
                max_attempts: p.retry.max_attempts.to_string(),
                retry_no_answer_hours: p.retry.no_answer_hours.to_string(),
                retry_refused_hours: p.retry.refused_hours.to_string(),
                retry_family_hours: p.retry.family_hours.to_string(),
                active: if p.active { "1".into() } else { String::new() },
            }
        }
        None => PlanForm {
            audience: "consultation".into(),
            delay_days: "3".into(),
            repeat_days: "0".into(),
            max_attempts: "3".into(),
            retry_no_answer_hours: "4".into(),
            retry_refused_hours: "24".into(),
            retry_family_hours: "0".into(),
            active: "1".into(),
            script: "您好，我是示范医院互联网医院的客服，看到您前几天在我们平台问诊，想了解一下您现在恢复得怎么样？对医生的服务是否满意？占用您两分钟时间做个简短回访。".into(),
            ..Default::default()
        },
    };
    plan_form_view(&page, f, FormErrors::default()).await
}

async fn save_plan(page: Page, Form(f): Form<PlanForm>) -> PageResult<Response> {
    let access = page.access();
    access.require(Permission::DeskManage)?;
    let id = f.id.trim().parse::<i64>().ok();
    let ids = (opt_id("department_id", &f.department_id), opt_id("questionnaire_id", &f.questionnaire_id));
    let result = match ids {
        (Ok(department_id), Ok(questionnaire_id)) => {
            let draft = PlanDraft {
                name: f.name.clone(),
                audience: f.audience.clone(),
                department_id,
                delay_days: f.delay_days.clone(),
                repeat_days: f.repeat_days.clone(),
                script: f.script.clone(),
                questionnaire_id,
                max_attempts: f.max_attempts.clone(),
                retry_no_answer_hours: f.retry_no_answer_hours.clone(),
                retry_refused_hours: f.retry_refused_hours.clone(),
                retry_family_hours: f.retry_family_hours.clone(),
                active: f.active == "1",
            };
            service::save_plan(access, id, &draft).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/desk/followup/plans?ok=saved").into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, plan_form_view(&page, f, errors).await?).into_response())
        }
    }
}

fn generated_redirect(g: &service::Generated) -> Response {
    Redirect::to(&format!("/desk/followup/plans?ok=generated&created={}&existing={}&opted={}", g.created, g.existing, g.opted_out))
        .into_response()
}

async fn generate(page: Page, Path(id): Path<i64>) -> PageResult<Response> {
    match service::generate(page.access(), id).await {
        Ok(g) => Ok(generated_redirect(&g)),
        Err(e) => {
            let (status, message) = refusal_message(e)?;
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::CONFLICT);
            Ok((code, plans_view(&page, &Q::default(), message).await?).into_response())
        }
    }
}

async fn generate_all(page: Page) -> PageResult<Response> {
    Ok(generated_redirect(&service::generate_all(page.access()).await?))
}

// ---- questionnaires ----

#[derive(Template)]
#[template(path = "desk_followup_questionnaires.html")]
struct QuestionnairesPage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<QuestionnaireRow>,
    can_manage: bool,
}

async fn questionnaires(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    let access = page.access();
    render(QuestionnairesPage {
        shell: page.shell("满意度问卷").with_flash(flash(&q)),
        tab: "questionnaires",
        rows: service::questionnaires(access).await?,
        can_manage: access.can(Permission::DeskManage),
    })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct QuestionnaireForm {
    id: String,
    name: String,
    intro: String,
    questions: String,
    active: String,
}

#[derive(Template)]
#[template(path = "desk_followup_questionnaire_form.html")]
struct QuestionnaireFormPage {
    shell: Shell,
    f: QuestionnaireForm,
    answered: i64,
    errors: FormErrors,
}

async fn questionnaire_form(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    page.access().require(Permission::DeskManage)?;
    let (f, answered) = match q.id {
        Some(id) => {
            let r = service::questionnaire(page.access(), id).await?;
            let f = QuestionnaireForm {
                id: id.to_string(),
                name: r.name,
                intro: r.intro,
                questions: questionnaire::to_lines(&r.questions),
                active: if r.active { "1".into() } else { String::new() },
            };
            (f, r.answered)
        }
        None => (
            QuestionnaireForm {
                questions: "单选|您对医生的服务态度满意吗？|非常满意=5；满意=4；一般=3；不满意=2；非常不满意=1\n评分|请为医生的专业水平打分（1–5 分）\n单选|您的问题解决了吗？|已解决=5；部分解决=3；未解决=1\n文本|您还有什么意见或建议？|选填".into(),
                active: "1".into(),
                ..Default::default()
            },
            0,
        ),
    };
    let title = if f.id.is_empty() { "新建满意度问卷" } else { "编辑满意度问卷" };
    render(QuestionnaireFormPage { shell: page.shell(title), f, answered, errors: FormErrors::default() })
}

async fn save_questionnaire(page: Page, Form(f): Form<QuestionnaireForm>) -> PageResult<Response> {
    let access = page.access();
    access.require(Permission::DeskManage)?;
    let id = f.id.trim().parse::<i64>().ok();
    let draft = QuestionnaireDraft {
        name: f.name.clone(),
        intro: f.intro.clone(),
        active: f.active == "1",
        questions: Questions::Lines(f.questions.clone()),
    };
    match service::save_questionnaire(access, id, &draft).await {
        Ok(_) => Ok(Redirect::to("/desk/followup/questionnaires?ok=saved").into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let answered = match id {
                Some(id) => service::questionnaire(access, id).await.map(|q| q.answered).unwrap_or(0),
                None => 0,
            };
            let title = if f.id.is_empty() { "新建满意度问卷" } else { "编辑满意度问卷" };
            let html = render(QuestionnaireFormPage { shell: page.shell(title), f, answered, errors })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

// ---- key patients ----

#[derive(Template)]
#[template(path = "desk_followup_keys.html")]
struct KeysPage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<KeyPatientView>,
    pager: Pager,
    can_manage: bool,
    external_id: String,
    reason: String,
    errors: FormErrors,
    report: Option<ImportReport>,
}

async fn keys_view(
    page: &Page,
    q: &Q,
    form: (String, String),
    errors: FormErrors,
    report: Option<ImportReport>,
) -> PageResult<Html<String>> {
    let access = page.access();
    let paging = Paging::new(q.page, 30);
    let (rows, total) = service::key_patients(access, paging).await?;
    render(KeysPage {
        shell: page.shell("重点患者").with_flash(flash(q)),
        tab: "keys",
        rows,
        pager: Pager::new(paging, total, "/desk/followup/key-patients"),
        can_manage: access.can(Permission::DeskManage),
        external_id: form.0,
        reason: form.1,
        errors,
        report,
    })
}

async fn keys(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    keys_view(&page, &q, Default::default(), FormErrors::default(), None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MarkForm {
    external_id: String,
    reason: String,
}

async fn mark_key(page: Page, Form(f): Form<MarkForm>) -> PageResult<Response> {
    match service::mark_key_patient_by_number(page.access(), &f.external_id, &f.reason).await {
        Ok(_) => Ok(Redirect::to("/desk/followup/key-patients?ok=marked").into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let html = keys_view(&page, &Q::default(), (f.external_id, f.reason), errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}

async fn import_keys(page: Page, mp: Result<Multipart, MultipartRejection>) -> PageResult<Response> {
    let access = page.access();
    let upload = upload::read(access, Permission::DeskManage, mp).await?;
    let report = match upload.table().await {
        Ok(table) => service::import_key_patients(access, &table).await?,
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let html = keys_view(&page, &Q::default(), Default::default(), errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response());
        }
    };
    let status = if report.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok((status, keys_view(&page, &Q::default(), Default::default(), FormErrors::default(), Some(report)).await?).into_response())
}

async fn key_template(page: Page) -> PageResult<Response> {
    page.access().require(Permission::DeskManage)?;
    Ok(xlsx("key-patients-template.xlsx", "重点患者导入模板.xlsx", tabular::template_xlsx("重点患者", service::KEY_COLUMNS)?))
}

async fn unmark_key(page: Page, Path(id): Path<i64>) -> PageResult<Response> {
    service::unmark_key_patient(page.access(), PatientId(id)).await?;
    Ok(Redirect::to("/desk/followup/key-patients?ok=unmarked").into_response())
}
