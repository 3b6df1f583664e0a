//! Status history and approvals in the console and the API: the history timeline partial
//! (`flow/history.html`, included by each flow's detail page with a `history` field built by
//! [`items`]), the approvals inbox 待我审批 (`/approvals`), and `/api/v1/approvals`.

use crate::web::Param;
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{Coded, Decision, Flow};
use super::service::{self, Approval};
use super::store::HistoryRow;
use crate::Access;
use crate::accounts::model::Permission;
use crate::error::Error;
use crate::web::error::{ApiResult, PageError, PageResult};
use crate::web::extract::{Api, Form, Json, Page};
use crate::web::forms::{FormErrors, flash};
use crate::web::routes::{ApiDoc, Method, Routes, Scope};
use crate::web::shell::{NavItem, Pager, Paging, Section, Shell};
use crate::web::work::WorkItem;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/approvals", "待我审批", inbox_page)
        .page_confirmed(Method::Post, "/approvals/{approval_id}/decide", "审批", decide_form)
        .api(
            Method::Get,
            "/api/v1/approvals",
            ApiDoc::new("审批", "待我审批")
                .describe("我有权审批、且不是我提交的待审批申请，先提交的在前。")
                .query_as("page", Param::PAGE, "页码，从 1 开始")
                .returns::<ApprovalPage>(),
            api_pending,
        )
        .api(
            Method::Get,
            "/api/v1/approvals/{approval_id}",
            ApiDoc::new("审批", "一项审批申请")
                .returns::<ApprovalOut>()
                .error(403, "既不是申请人也没有审批权限")
                .error(404, "没有这项审批"),
            api_get,
        )
        .api(
            Method::Post,
            "/api/v1/approvals/{approval_id}/decision",
            ApiDoc::new("审批", "审批：通过或驳回")
                .describe("通过后由申请所属的业务执行（如发布报告）；申请人不能审批自己的申请。")
                .body::<DecisionIn>()
                .returns::<ApprovalOut>()
                .error(403, "没有审批权限，或审批自己提交的申请")
                .error(404, "没有这项审批")
                .error(409, "该申请已审批，或所申请的操作已不能执行")
                .error(422, "驳回未填写意见，或意见过长"),
            api_decide,
        )
}

pub fn nav() -> Vec<NavItem> {
    vec![NavItem { section: Section::Overview, label: "待我审批", href: "/approvals", permission: Permission::DashboardView }]
}

/// 待我审批 as the actor's work (see [`crate::web::work`]): how many approvals wait for them and
/// what they ask for; nothing when none waits.
pub async fn work(access: &Access) -> crate::error::Result<Vec<WorkItem>> {
    let kinds = service::pending_kinds(access).await?;
    let count: i64 = kinds.iter().map(|(_, n)| n).sum();
    if count == 0 {
        return Ok(Vec::new());
    }
    let note = kinds.iter().map(|(label, n)| format!("{label} {n}")).collect::<Vec<_>>().join(" · ");
    Ok(vec![WorkItem::new("待我审批", count, "项", "/approvals").note(note).in_nav("/approvals")])
}

/// A status change as the timeline shows it: Chinese labels only.
pub struct HistoryItem {
    pub at: String,
    pub actor: String,
    /// Empty on the row that created the subject.
    pub from: &'static str,
    pub to: &'static str,
    pub action: &'static str,
    pub note: String,
}

/// The timeline of `rows` (oldest first) of a subject of `flow`.
pub fn items<S: Coded, A: Coded>(flow: &Flow<S, A>, rows: &[HistoryRow]) -> Vec<HistoryItem> {
    rows.iter()
        .map(|r| HistoryItem {
            at: r.at.format_minute(),
            actor: if r.actor_name.is_empty() { "系统".into() } else { r.actor_name.clone() },
            from: r.from.as_deref().map_or("", |c| flow.state_label(c)),
            to: flow.state_label(&r.to),
            action: flow.action_label(&r.action),
            note: r.note.clone(),
        })
        .collect()
}

/// A status change in the API.
#[derive(Serialize, ToSchema)]
pub struct HistoryOut {
    pub at: String,
    pub actor: String,
    /// The state before (a code; absent on the row that created the subject).
    pub from: Option<String>,
    pub from_label: String,
    pub to: String,
    pub to_label: String,
    pub action: String,
    pub action_label: String,
    pub note: String,
}

/// The API form of `rows` of a subject of `flow`.
pub fn history_out<S: Coded, A: Coded>(flow: &Flow<S, A>, rows: &[HistoryRow]) -> Vec<HistoryOut> {
    rows.iter()
        .map(|r| HistoryOut {
            at: r.at.format_second(),
            actor: r.actor_name.clone(),
            from: r.from.clone(),
            from_label: r.from.as_deref().map_or(String::new(), |c| flow.state_label(c).to_string()),
            to: r.to.clone(),
            to_label: flow.state_label(&r.to).to_string(),
            action: r.action.clone(),
            action_label: flow.action_label(&r.action).to_string(),
            note: r.note.clone(),
        })
        .collect()
}

// ---- the inbox ----

pub struct ApprovalView {
    pub id: i64,
    pub title: String,
    pub request: String,
    pub requested_by: String,
    pub requested_at: String,
    pub note: String,
    pub link: String,
}

fn approval_view(access: &Access, a: &Approval) -> ApprovalView {
    ApprovalView {
        id: a.id,
        title: a.subject_title.clone(),
        request: a.request_label.clone(),
        requested_by: a.requested_by_name.clone(),
        requested_at: a.requested_at.format_minute(),
        note: a.request_note.clone(),
        link: access.core().approvable(&a.subject_kind).map(|h| h.link(a.subject_id)).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "flow/approvals.html")]
struct InboxPage {
    shell: Shell,
    items: Vec<ApprovalView>,
    pager: Pager,
    errors: FormErrors,
    /// The approval the errors belong to, and the comment typed.
    failed: Option<i64>,
    comment: String,
}

impl InboxPage {
    fn failed_on(&self, id: &i64) -> bool {
        self.failed == Some(*id)
    }
}

const FLASH: &[(&str, &str)] = &[("approved", "已审批通过"), ("rejected", "已驳回")];

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    page: Option<i64>,
    ok: Option<String>,
}

async fn inbox(page: &Page, paging: Paging, ok: Option<&str>, failed: Option<(i64, String, FormErrors)>) -> PageResult<Html<String>> {
    let access = page.access();
    access.require(Permission::DashboardView)?;
    let (rows, total) = service::pending(access, paging).await?;
    let (failed, comment, errors) = match failed {
        Some((id, c, e)) => (Some(id), c, e),
        None => (None, String::new(), FormErrors::default()),
    };
    let t = InboxPage {
        shell: page.shell("待我审批").with_flash(flash(ok, FLASH)),
        items: rows.iter().map(|a| approval_view(access, a)).collect(),
        pager: Pager::new(paging, total, "/approvals"),
        errors,
        failed,
        comment,
    };
    Ok(Html(t.render().map_err(anyhow::Error::from)?))
}

async fn inbox_page(page: Page, Query(q): Query<InboxQuery>) -> PageResult<Html<String>> {
    inbox(&page, Paging::new(q.page, 20), q.ok.as_deref(), None).await
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

async fn decide_form(page: Page, Path(id): Path<i64>, Form(f): Form<DecideForm>) -> PageResult<Response> {
    // Another hospital's or an unknown approval is not found, whatever the form says.
    service::get(page.access(), id).await?;
    let decision = Decision::parse(&f.decision).filter(|d| *d != Decision::Pending);
    let result = match decision {
        Some(d) => service::decide(page.access(), id, d, &f.comment).await.map(|_| d),
        None => Err(Error::invalid_field("decision", "请选择通过或驳回")),
    };
    match result {
        Ok(d) => Ok(Redirect::to(&format!("/approvals?ok={}", d.code())).into_response()),
        Err(e) if e.status() == 422 || e.status() == 409 => {
            let status = axum::http::StatusCode::from_u16(e.status()).unwrap_or(axum::http::StatusCode::UNPROCESSABLE_ENTITY);
            let errors = if e.status() == 409 {
                FormErrors::from_error(Error::invalid_field("comment", e.public_message())).map_err(PageError)?
            } else {
                FormErrors::from_error(e).map_err(PageError)?
            };
            Ok((status, inbox(&page, Paging::new(None, 20), None, Some((id, f.comment, errors))).await?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

// ---- API ----

/// An approval.
#[derive(Serialize, ToSchema)]
pub struct ApprovalOut {
    id: i64,
    /// The flow of the subject, e.g. `report`.
    subject_kind: String,
    subject_id: i64,
    subject_title: String,
    /// What is asked (`publish`) and as shown (发布).
    request: String,
    request_label: String,
    requested_by: String,
    requested_at: String,
    request_note: String,
    /// pending | approved | rejected
    decision: String,
    decision_label: String,
    decided_by: Option<String>,
    decided_at: Option<String>,
    comment: String,
}

pub fn approval_out(a: &Approval) -> ApprovalOut {
    ApprovalOut {
        id: a.id,
        subject_kind: a.subject_kind.clone(),
        subject_id: a.subject_id,
        subject_title: a.subject_title.clone(),
        request: a.request.clone(),
        request_label: a.request_label.clone(),
        requested_by: a.requested_by_name.clone(),
        requested_at: a.requested_at.format_second(),
        request_note: a.request_note.clone(),
        decision: a.decision.code().into(),
        decision_label: a.decision.label_zh().into(),
        decided_by: a.decided_by_name.clone(),
        decided_at: a.decided_at.map(|t| t.format_second()),
        comment: a.comment.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApprovalPage {
    total: i64,
    page: i64,
    items: Vec<ApprovalOut>,
}

/// A decision: `approved` or `rejected` (a rejection needs a comment).
#[derive(Deserialize, ToSchema)]
pub struct DecisionIn {
    decision: String,
    #[serde(default)]
    comment: String,
}

async fn api_pending(api: Api, Query(q): Query<InboxQuery>) -> ApiResult<Json<ApprovalPage>> {
    let paging = Paging::new(q.page, 50);
    let (rows, total) = service::pending(api.access(), paging).await?;
    Ok(Json(ApprovalPage { total, page: paging.page, items: rows.iter().map(approval_out).collect() }))
}

async fn api_get(api: Api, Path(id): Path<i64>) -> ApiResult<Json<ApprovalOut>> {
    Ok(Json(approval_out(&service::get(api.access(), id).await?)))
}

async fn api_decide(api: Api, Path(id): Path<i64>, Json(body): Json<DecisionIn>) -> ApiResult<Json<ApprovalOut>> {
    let decision = Decision::parse(&body.decision)
        .filter(|d| *d != Decision::Pending)
        .ok_or_else(|| Error::invalid_field("decision", "decision 应为 approved（通过）或 rejected（驳回）"))?;
    Ok(Json(approval_out(&service::decide(api.access(), id, decision, &body.comment).await?)))
}
