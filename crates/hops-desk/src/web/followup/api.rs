//! JSON API of follow-up: plans, questionnaires, key patients, call tasks and satisfaction
//! results.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use hops_kernel::PatientId;
use hops_platform::web::Param;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Paging, Routes, Scope};
use hops_platform::{Error, FieldError, Permission};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::followup::calls::{self, CallInput};
use crate::followup::model::{PlanDraft, TaskStatus};
use crate::followup::questionnaire::{self, Choice, Kind, Question, Satisfaction, fmt_average, fmt_rate};
use crate::followup::service::QuestionnaireRow;
use crate::followup::service::{self, QuestionnaireDraft, Questions};
use crate::followup::store::{PlanRow, TaskFilter, TaskRow};

const TAG: &str = "回访";

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .api(Method::Get, "/api/v1/desk/followup/plans", ApiDoc::new(TAG, "回访计划列表").returns::<Vec<FollowupPlanOut>>(), plans)
        .api(
            Method::Post,
            "/api/v1/desk/followup/plans",
            ApiDoc::new(TAG, "新建回访计划")
                .describe("需要客服配置权限。audience：consultation（问诊后）| checkup（体检后）| key_patient（重点患者）；care_plan（全病程管理）尚未上线，返回 422。所有字段问题一次返回。")
                .body::<FollowupPlanIn>()
                .returns::<FollowupPlanOut>()
                .status(201),
            create_plan,
        )
        .api(
            Method::Put,
            "/api/v1/desk/followup/plans/{plan_id}",
            ApiDoc::new(TAG, "修改回访计划").body::<FollowupPlanIn>().returns::<FollowupPlanOut>(),
            update_plan,
        )
        .api(
            Method::Post,
            "/api/v1/desk/followup/plans/{plan_id}/generate",
            ApiDoc::new(TAG, "按计划生成回访任务")
                .describe("为最近 14 天内到期的事件生成任务；同一计划同一事件只生成一次，要求不再回访的患者跳过。")
                .returns::<GeneratedOut>(),
            generate,
        )
        .api(
            Method::Get,
            "/api/v1/desk/followup/questionnaires",
            ApiDoc::new(TAG, "满意度问卷列表").returns::<Vec<FollowupQuestionnaireOut>>(),
            questionnaires,
        )
        .api(
            Method::Post,
            "/api/v1/desk/followup/questionnaires",
            ApiDoc::new(TAG, "新建满意度问卷")
                .describe("题型 kind：single（单选，options 每项可带 1–5 分的 score）| rating（1–5 分）| text（文字）。")
                .body::<FollowupQuestionnaireIn>()
                .returns::<FollowupQuestionnaireOut>()
                .status(201),
            create_questionnaire,
        )
        .api(
            Method::Put,
            "/api/v1/desk/followup/questionnaires/{questionnaire_id}",
            ApiDoc::new(TAG, "修改满意度问卷").body::<FollowupQuestionnaireIn>().returns::<FollowupQuestionnaireOut>(),
            update_questionnaire,
        )
        .scope(Scope::People)
        .api(
            Method::Get,
            "/api/v1/desk/followup/tasks",
            ApiDoc::new(TAG, "回访任务（待回访的按应回访时间在前）")
                .query_as("status", Param::OneOf(&["pending", "completed", "failed"]), "pending | completed | failed，不填为全部")
                .query_as("plan", Param::Id, "回访计划编号")
                .query_as("due", Param::Flag, "1：只看已到期")
                .query("q", "患者姓名、来源单号或任务号")
                .query_as("page", Param::PAGE, "页码（每页 50 条）")
                .returns::<FollowupTaskPage>(),
            tasks,
        )
        .api(Method::Get, "/api/v1/desk/followup/tasks/{task_id}", ApiDoc::new(TAG, "回访任务详情").returns::<FollowupTaskDetailOut>(), task)
        .api(
            Method::Post,
            "/api/v1/desk/followup/tasks/{task_id}/calls",
            ApiDoc::new(TAG, "记录回访通话")
                .describe("outcome：reached 接通 | family 家属代接 | no_answer 无人接听 | refused 拒接 | wrong_number 号码错误 | invalid_number 空号/停机 | opt_out 要求不再回访。接通或家属代接时按问卷填写 answers（按题目顺序）。无人接听、拒接按计划间隔安排重拨。")
                .body::<FollowupCallIn>()
                .returns::<FollowupTaskOut>(),
            record_call,
        )
        .api(
            Method::Post,
            "/api/v1/desk/followup/tasks/{task_id}/reveal",
            ApiDoc::new(TAG, "查看回访对象完整手机号").describe("需要查看个人信息权限；每次查看均记入审计日志。").returns::<PhoneOut>(),
            reveal,
        )
        .scope(Scope::AllPeople)
        .api(
            Method::Get,
            "/api/v1/desk/followup/key-patients",
            ApiDoc::new(TAG, "重点患者").query_as("page", Param::PAGE, "页码（每页 50 条）").returns::<KeyPatientPage>(),
            key_patients,
        )
        .api(
            Method::Post,
            "/api/v1/desk/followup/key-patients",
            ApiDoc::new(TAG, "标记重点患者（按患者编号）").body::<KeyPatientIn>().returns::<KeyPatientOut>().status(201),
            mark_key,
        )
        .api(
            Method::Delete,
            "/api/v1/desk/followup/key-patients/{patient_id}",
            ApiDoc::new(TAG, "取消重点患者").status(204),
            unmark_key,
        )
        .scope(Scope::People)
        .api(
            Method::Get,
            "/api/v1/desk/followup/results",
            ApiDoc::new(TAG, "回访满意度（按医生、科室）")
                .query_as("from", Param::Date, "开始日期 YYYY-MM-DD")
                .query_as("to", Param::Date, "结束日期 YYYY-MM-DD（含）")
                .returns::<ResultsOut>(),
            results,
        )
}

// ---- plans ----

#[derive(Deserialize, ToSchema)]
pub struct FollowupPlanIn {
    name: String,
    /// consultation | checkup | key_patient
    audience: String,
    department_id: Option<i64>,
    delay_days: i64,
    #[serde(default)]
    repeat_days: i64,
    script: String,
    questionnaire_id: Option<i64>,
    max_attempts: i64,
    retry_no_answer_hours: i64,
    retry_refused_hours: i64,
    #[serde(default)]
    retry_family_hours: i64,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

impl FollowupPlanIn {
    fn draft(&self) -> PlanDraft {
        PlanDraft {
            name: self.name.clone(),
            audience: self.audience.clone(),
            department_id: self.department_id,
            delay_days: self.delay_days.to_string(),
            repeat_days: self.repeat_days.to_string(),
            script: self.script.clone(),
            questionnaire_id: self.questionnaire_id,
            max_attempts: self.max_attempts.to_string(),
            retry_no_answer_hours: self.retry_no_answer_hours.to_string(),
            retry_refused_hours: self.retry_refused_hours.to_string(),
            retry_family_hours: self.retry_family_hours.to_string(),
            active: self.active,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FollowupPlanOut {
    id: i64,
    name: String,
    audience: String,
    audience_label: String,
    department_id: Option<i64>,
    delay_days: i32,
    repeat_days: i32,
    script: String,
    questionnaire_id: Option<i64>,
    max_attempts: i32,
    retry_no_answer_hours: i32,
    retry_refused_hours: i32,
    retry_family_hours: i32,
    active: bool,
    pending: i64,
    completed: i64,
    failed: i64,
}

impl From<PlanRow> for FollowupPlanOut {
    fn from(r: PlanRow) -> Self {
        let p = r.plan;
        FollowupPlanOut {
            id: r.id,
            name: p.name,
            audience: p.audience.code().into(),
            audience_label: p.audience.label_zh().into(),
            department_id: p.department_id,
            delay_days: p.delay_days,
            repeat_days: p.repeat_days,
            script: p.script,
            questionnaire_id: p.questionnaire_id,
            max_attempts: p.retry.max_attempts,
            retry_no_answer_hours: p.retry.no_answer_hours,
            retry_refused_hours: p.retry.refused_hours,
            retry_family_hours: p.retry.family_hours,
            active: p.active,
            pending: r.pending,
            completed: r.completed,
            failed: r.failed,
        }
    }
}

async fn plans(api: Api) -> ApiResult<Json<Vec<FollowupPlanOut>>> {
    Ok(Json(service::plans(api.access()).await?.into_iter().map(Into::into).collect()))
}

async fn create_plan(api: Api, Json(body): Json<FollowupPlanIn>) -> ApiResult<(StatusCode, Json<FollowupPlanOut>)> {
    let id = service::save_plan(api.access(), None, &body.draft()).await?;
    Ok((StatusCode::CREATED, Json(service::plan(api.access(), id).await?.into())))
}

async fn update_plan(api: Api, Path(id): Path<i64>, Json(body): Json<FollowupPlanIn>) -> ApiResult<Json<FollowupPlanOut>> {
    service::save_plan(api.access(), Some(id), &body.draft()).await?;
    Ok(Json(service::plan(api.access(), id).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct GeneratedOut {
    created: usize,
    existing: usize,
    opted_out: usize,
}

async fn generate(api: Api, Path(id): Path<i64>) -> ApiResult<Json<GeneratedOut>> {
    let g = service::generate(api.access(), id).await?;
    Ok(Json(GeneratedOut { created: g.created, existing: g.existing, opted_out: g.opted_out }))
}

// ---- questionnaires ----

#[derive(Deserialize, Serialize, ToSchema, Clone)]
#[schema(as = FollowupOptionIo)]
pub struct OptionIo {
    label: String,
    /// 1–5, or none for an option that is not counted.
    score: Option<i32>,
}

#[derive(Deserialize, Serialize, ToSchema, Clone)]
#[schema(as = FollowupQuestionIo)]
pub struct QuestionIo {
    /// single | rating | text
    kind: String,
    text: String,
    #[serde(default)]
    options: Vec<OptionIo>,
    #[serde(default = "yes")]
    required: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct FollowupQuestionnaireIn {
    name: String,
    #[serde(default)]
    intro: String,
    #[serde(default = "yes")]
    active: bool,
    questions: Vec<QuestionIo>,
}

#[derive(Serialize, ToSchema)]
pub struct FollowupQuestionnaireOut {
    id: i64,
    name: String,
    intro: String,
    active: bool,
    questions: Vec<QuestionIo>,
    answered: i64,
}

impl From<QuestionnaireRow> for FollowupQuestionnaireOut {
    fn from(r: QuestionnaireRow) -> Self {
        FollowupQuestionnaireOut {
            id: r.id,
            name: r.name,
            intro: r.intro,
            active: r.active,
            questions: r
                .questions
                .into_iter()
                .map(|q| QuestionIo {
                    kind: q.kind.code().into(),
                    text: q.text,
                    options: q.choices.into_iter().map(|c| OptionIo { label: c.label, score: c.score }).collect(),
                    required: q.required,
                })
                .collect(),
            answered: r.answered,
        }
    }
}

impl FollowupQuestionnaireIn {
    fn draft(&self) -> Result<QuestionnaireDraft, Error> {
        let mut errors = Vec::new();
        let mut list = Vec::new();
        for (i, q) in self.questions.iter().enumerate() {
            match Kind::from_code(&q.kind) {
                Some(kind) => list.push(Question {
                    kind,
                    text: q.text.trim().to_string(),
                    choices: q.options.iter().map(|o| Choice { label: o.label.trim().to_string(), score: o.score }).collect(),
                    required: q.required,
                }),
                None => errors.push(FieldError::new("questions", format!("第 {} 题：题型应为 single、rating 或 text", i + 1))),
            }
        }
        if !errors.is_empty() {
            errors.extend(questionnaire::check(&self.name, &list).into_iter().filter(|e| e.field != "questions" || !list.is_empty()));
            return Err(Error::invalid(errors));
        }
        Ok(QuestionnaireDraft { name: self.name.clone(), intro: self.intro.clone(), active: self.active, questions: Questions::List(list) })
    }
}

async fn questionnaires(api: Api) -> ApiResult<Json<Vec<FollowupQuestionnaireOut>>> {
    Ok(Json(service::questionnaires(api.access()).await?.into_iter().map(Into::into).collect()))
}

async fn create_questionnaire(
    api: Api,
    Json(body): Json<FollowupQuestionnaireIn>,
) -> ApiResult<(StatusCode, Json<FollowupQuestionnaireOut>)> {
    api.access().require(Permission::DeskManage)?;
    let id = service::save_questionnaire(api.access(), None, &body.draft()?).await?;
    Ok((StatusCode::CREATED, Json(service::questionnaire(api.access(), id).await?.into())))
}

async fn update_questionnaire(
    api: Api,
    Path(id): Path<i64>,
    Json(body): Json<FollowupQuestionnaireIn>,
) -> ApiResult<Json<FollowupQuestionnaireOut>> {
    api.access().require(Permission::DeskManage)?;
    service::questionnaire(api.access(), id).await?;
    service::save_questionnaire(api.access(), Some(id), &body.draft()?).await?;
    Ok(Json(service::questionnaire(api.access(), id).await?.into()))
}

// ---- tasks ----

#[derive(Serialize, ToSchema)]
pub struct FollowupTaskOut {
    id: i64,
    plan_id: i64,
    plan_name: String,
    source: String,
    source_ref: String,
    patient_name: String,
    /// Masked: 138****5678.
    phone: String,
    doctor_name: String,
    department_name: String,
    event_at: String,
    /// pending | completed | failed
    status: String,
    status_label: String,
    due_at: String,
    attempts: i32,
    last_outcome: Option<String>,
    answered_at: Option<String>,
}

impl From<TaskRow> for FollowupTaskOut {
    fn from(t: TaskRow) -> Self {
        FollowupTaskOut {
            id: t.id,
            plan_id: t.plan_id,
            plan_name: t.plan_name,
            source: t.source_kind.code().into(),
            source_ref: t.source_ref,
            patient_name: t.patient_name,
            phone: t.phone_masked,
            doctor_name: t.doctor_name,
            department_name: t.department_name,
            event_at: t.event_at.format_second(),
            status: t.status.code().into(),
            status_label: t.status.label_zh().into(),
            due_at: t.due_at.format_second(),
            attempts: t.attempts,
            last_outcome: t.last_outcome.map(|o| o.code().into()),
            answered_at: t.answered_at.map(|a| a.format_second()),
        }
    }
}

#[derive(Deserialize)]
pub struct TaskQuery {
    status: Option<String>,
    plan: Option<i64>,
    due: Option<String>,
    q: Option<String>,
    page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct FollowupTaskPage {
    total: i64,
    page: i64,
    items: Vec<FollowupTaskOut>,
}

async fn tasks(api: Api, Query(q): Query<TaskQuery>) -> ApiResult<Json<FollowupTaskPage>> {
    let status = match q.status.as_deref().map(str::trim).unwrap_or("") {
        "" => None,
        s => Some(TaskStatus::from_code(s).ok_or_else(|| Error::invalid_field("status", "状态应为 pending、completed 或 failed"))?),
    };
    let due_by = (q.due.as_deref() == Some("1")).then(|| api.access().now());
    let f = TaskFilter { status, plan_id: q.plan, due_by, q: q.q.unwrap_or_default() };
    let paging = Paging::new(q.page, 50);
    let (rows, total) = calls::tasks(api.access(), &f, paging).await?;
    Ok(Json(FollowupTaskPage { total, page: paging.page, items: rows.into_iter().map(Into::into).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct AttemptOut {
    at: String,
    outcome: String,
    outcome_label: String,
    note: String,
    agent: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = FollowupAnswerOut)]
pub struct AnswerOut {
    position: i32,
    question: String,
    answer: String,
    score: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct FollowupTaskDetailOut {
    task: FollowupTaskOut,
    script: String,
    questions: Vec<QuestionIo>,
    attempts: Vec<AttemptOut>,
    answers: Vec<AnswerOut>,
}

async fn task(api: Api, Path(id): Path<i64>) -> ApiResult<Json<FollowupTaskDetailOut>> {
    let d = calls::task(api.access(), id).await?;
    Ok(Json(FollowupTaskDetailOut {
        script: d.plan.plan.script.clone(),
        questions: d
            .questions
            .iter()
            .map(|q| QuestionIo {
                kind: q.kind.code().into(),
                text: q.text.clone(),
                options: q.choices.iter().map(|c| OptionIo { label: c.label.clone(), score: c.score }).collect(),
                required: q.required,
            })
            .collect(),
        attempts: d
            .attempts
            .iter()
            .map(|a| AttemptOut {
                at: a.at.format_second(),
                outcome: a.outcome.code().into(),
                outcome_label: a.outcome.label_zh().into(),
                note: a.note.clone(),
                agent: a.agent_name.clone(),
            })
            .collect(),
        answers: d
            .answers
            .iter()
            .map(|a| AnswerOut { position: a.position, question: a.question.clone(), answer: a.answer.clone(), score: a.score })
            .collect(),
        task: d.task.into(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct FollowupCallIn {
    outcome: String,
    #[serde(default)]
    note: String,
    /// Answers in question order ("" for a question not answered).
    #[serde(default)]
    answers: Vec<String>,
    #[serde(default)]
    survey_declined: bool,
}

async fn record_call(api: Api, Path(id): Path<i64>, Json(body): Json<FollowupCallIn>) -> ApiResult<Json<FollowupTaskOut>> {
    let input = CallInput { outcome: body.outcome, note: body.note, answers: body.answers, survey_declined: body.survey_declined };
    Ok(Json(calls::record_call(api.access(), id, &input).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct PhoneOut {
    phone: String,
}

async fn reveal(api: Api, Path(id): Path<i64>) -> ApiResult<Json<PhoneOut>> {
    Ok(Json(PhoneOut { phone: calls::reveal_phone(api.access(), id).await? }))
}

// ---- key patients ----

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct KeyPatientOut {
    patient_id: i64,
    external_id: String,
    name: String,
    phone: String,
    reason: String,
    marked_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct KeyPatientPage {
    total: i64,
    page: i64,
    items: Vec<KeyPatientOut>,
}

async fn key_patients(api: Api, Query(q): Query<PageQuery>) -> ApiResult<Json<KeyPatientPage>> {
    let paging = Paging::new(q.page, 50);
    let (rows, total) = service::key_patients(api.access(), paging).await?;
    let items = rows
        .into_iter()
        .map(|k| KeyPatientOut {
            patient_id: k.row.patient_id,
            external_id: k.external_id,
            name: k.name,
            phone: k.phone_masked,
            reason: k.row.reason,
            marked_at: k.row.marked_at.format_second(),
        })
        .collect();
    Ok(Json(KeyPatientPage { total, page: paging.page, items }))
}

#[derive(Deserialize, ToSchema)]
pub struct KeyPatientIn {
    /// 患者编号 in master data.
    external_id: String,
    #[serde(default)]
    reason: String,
}

async fn mark_key(api: Api, Json(body): Json<KeyPatientIn>) -> ApiResult<(StatusCode, Json<KeyPatientOut>)> {
    let id = service::mark_key_patient_by_number(api.access(), &body.external_id, &body.reason).await?;
    let p = hops_master::service::patient(api.access(), id).await?;
    Ok((
        StatusCode::CREATED,
        Json(KeyPatientOut {
            patient_id: id.0,
            external_id: p.external_id.unwrap_or_default(),
            name: p.name,
            phone: p.phone_masked,
            reason: body.reason.trim().to_string(),
            marked_at: api.access().now().format_second(),
        }),
    ))
}

async fn unmark_key(api: Api, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    service::unmark_key_patient(api.access(), PatientId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- results ----

#[derive(Deserialize)]
pub struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FigureOut {
    name: String,
    calls: i64,
    scored_calls: i64,
    /// Mean call score (1–5), two decimals; null without scored calls.
    average: Option<String>,
    satisfied: i64,
    /// Percent with one decimal; null without scored calls.
    satisfaction_rate: Option<String>,
}

fn figure(s: &Satisfaction) -> FigureOut {
    FigureOut {
        name: s.group.clone(),
        calls: s.calls,
        scored_calls: s.scored_calls,
        average: s.average.map(|v| fmt_average(Some(v))),
        satisfied: s.satisfied,
        satisfaction_rate: s.rate().map(|v| fmt_rate(Some(v)).trim_end_matches('%').to_string()),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResultsOut {
    from: String,
    to: String,
    overall: FigureOut,
    by_doctor: Vec<FigureOut>,
    by_department: Vec<FigureOut>,
}

async fn results(api: Api, Query(q): Query<RangeQuery>) -> ApiResult<Json<ResultsOut>> {
    let (from, to) = calls::parse_range(q.from.as_deref().unwrap_or(""), q.to.as_deref().unwrap_or(""))?;
    let r = calls::results(api.access(), from, to).await?;
    Ok(Json(ResultsOut {
        from: from.to_string(),
        to: to.to_string(),
        overall: figure(&r.overall),
        by_doctor: r.by_doctor.iter().map(figure).collect(),
        by_department: r.by_department.iter().map(figure).collect(),
    }))
}
