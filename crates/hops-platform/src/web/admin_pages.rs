//! System administration: users and roles, the audit log, background jobs, hospitals.

use crate::web::{AppState, Param};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::{JobId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::{ApiResult, PageError, PageResult};
use super::extract::{Api, Form, Json, Page};
use super::routes::{ApiDoc, Method, Routes, Scope};
use super::shell::{Pager, Paging, Shell};
use crate::accounts::model::{Permission, Role};
use crate::accounts::service::{self as accounts, NewUserInput, UserUpdate};
use crate::accounts::store::UserRow;
use crate::audit;
use crate::error::{Error, FieldError};
use crate::jobs::{self, JobRow, Status};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/users", "用户列表", users_page)
        .page(Method::Get, "/users/new", "新建用户", user_new_page)
        .page(Method::Post, "/users", "创建用户", user_create)
        .page(Method::Get, "/users/import", "批量导入用户", users_import_page)
        .page(Method::Post, "/users/import", "上传用户导入文件", users_import)
        .page(Method::Get, "/users/template.xlsx", "下载用户导入模板", users_template)
        .page(Method::Get, "/users/export.xlsx", "导出用户", users_export)
        .page(Method::Get, "/users/{user_id}", "编辑用户", user_edit_page)
        .page(Method::Post, "/users/{user_id}", "保存用户", user_update)
        .page_confirmed(Method::Post, "/users/{user_id}/password", "重置密码", user_password)
        .scope(Scope::AllPeople)
        .page(Method::Get, "/audit", "审计日志", audit_page)
        .scope(Scope::Hospital)
        .page(Method::Get, "/jobs", "后台任务", jobs_page)
        .page(Method::Post, "/jobs/{job_id}/requeue", "重新执行任务", job_requeue_page)
        .page(Method::Get, "/hospitals", "医院列表", hospitals_page)
        .api(Method::Get, "/api/v1/users", ApiDoc::new("用户", "用户列表").returns::<Vec<UserOut>>(), api_users)
        .api(
            Method::Post,
            "/api/v1/users",
            ApiDoc::new("用户", "创建用户").body::<UserIn>().returns::<UserOut>().status(201),
            api_user_create,
        )
        .api(Method::Get, "/api/v1/users/{user_id}", ApiDoc::new("用户", "用户详情").returns::<UserOut>(), api_user_get)
        .scope(Scope::AllPeople)
        .api(
            Method::Get,
            "/api/v1/audit",
            ApiDoc::new("审计", "审计日志（新的在前）")
                .query("action", "按操作前缀筛选，如 patient.")
                .query_as("page", Param::PAGE, "页码")
                .returns::<AuditPage>(),
            api_audit,
        )
        .scope(Scope::Hospital)
        .api(
            Method::Get,
            "/api/v1/jobs",
            ApiDoc::new("后台任务", "任务列表")
                .query_as("status", Param::OneOf(&["queued", "running", "done", "dead"]), "queued|running|done|dead")
                .query_as("page", Param::PAGE, "页码")
                .returns::<JobPage>(),
            api_jobs,
        )
        .api(Method::Get, "/api/v1/jobs/{job_id}", ApiDoc::new("后台任务", "任务详情").returns::<JobOut>(), api_job)
        .api(Method::Post, "/api/v1/jobs/{job_id}/requeue", ApiDoc::new("后台任务", "重新执行失败任务").status(204), api_job_requeue)
        .api(
            Method::Post,
            "/api/v1/jobs/probe",
            ApiDoc::new("后台任务", "投递探测任务")
                .describe("投递若干个探测任务，每个等待 sleep_ms 毫秒后记录完成，用于端到端检查后台任务。")
                .body::<ProbeIn>()
                .returns::<ProbeOut>()
                .status(201),
            api_probe,
        )
}

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(anyhow::Error::from)?))
}

// ---- users ----

pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub totp: bool,
    pub locked: bool,
    pub disabled: bool,
    pub created: String,
}

fn user_view(u: &UserRow, now: hops_kernel::Instant) -> UserView {
    UserView {
        id: u.id.0,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role.label_zh(),
        totp: u.totp_enabled,
        locked: crate::accounts::model::is_locked(u.locked_until, now),
        disabled: u.disabled,
        created: u.created_at.format_minute(),
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    shell: Shell,
    users: Vec<UserView>,
    q: String,
    role: String,
    roles: Vec<RoleOption>,
    pager: Pager,
}

#[derive(Deserialize)]
struct UsersQuery {
    q: Option<String>,
    role: Option<String>,
    page: Option<i64>,
}

async fn users_page(page: Page, Query(query): Query<UsersQuery>) -> PageResult<Html<String>> {
    let access = page.access();
    let q = query.q.unwrap_or_default();
    let role = query.role.unwrap_or_default();
    let role_filter = match role.as_str() {
        "" => None,
        code => Some(parse_role(code)?),
    };
    let now = access.now();
    let needle = q.trim().to_lowercase();
    // Staff lists are short (tens to hundreds): filter in memory, page the result.
    let matching: Vec<UserRow> = accounts::list_users(access)
        .await?
        .into_iter()
        .filter(|u| role_filter.is_none_or(|r| u.role == r))
        .filter(|u| needle.is_empty() || u.username.to_lowercase().contains(&needle) || u.display_name.contains(q.trim()))
        .collect();
    let paging = Paging::new(query.page, 50);
    let total = matching.len() as i64;
    let users = matching.iter().skip(paging.offset() as usize).take(paging.per_page as usize).map(|u| user_view(u, now)).collect();
    let base = format!("/users?q={}&role={}", super::pages::url_encode(&q), super::pages::url_encode(&role));
    render(UsersPage {
        shell: page.shell("用户与角色"),
        users,
        roles: role_options(access, role_filter),
        q,
        role,
        pager: Pager::new(paging, total, &base),
    })
}

pub struct RoleOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn role_options(access: &crate::core::Access, selected: Option<Role>) -> Vec<RoleOption> {
    Role::ALL
        .into_iter()
        .filter(|r| *r != Role::PlatformAdmin || access.can(Permission::HospitalManage))
        .map(|r| RoleOption { code: r.code(), label: r.label_zh(), selected: Some(r) == selected })
        .collect()
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct UserFormPage {
    shell: Shell,
    id: Option<i64>,
    username: String,
    display_name: String,
    disabled: bool,
    departments: String,
    roles: Vec<RoleOption>,
    errors: Vec<FieldError>,
}

impl UserFormPage {
    fn error_for(&self, field: &str) -> String {
        self.errors.iter().filter(|e| e.field == field).map(|e| e.message.clone()).collect::<Vec<_>>().join("；")
    }
}

async fn user_new_page(page: Page) -> PageResult<Html<String>> {
    page.access().require(Permission::UserManage)?;
    render(UserFormPage {
        shell: page.shell("新建用户"),
        id: None,
        username: String::new(),
        display_name: String::new(),
        disabled: false,
        departments: String::new(),
        roles: role_options(page.access(), Some(Role::Operator)),
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
struct UserFormData {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
    disabled: Option<String>,
    #[serde(default)]
    departments: String,
}

fn parse_role(code: &str) -> Result<Role, Error> {
    Role::from_code(code).ok_or_else(|| Error::invalid_field("role", "请选择有效的角色"))
}

async fn user_create(page: Page, Form(f): Form<UserFormData>) -> PageResult<Response> {
    let access = page.access();
    let result = match parse_role(&f.role) {
        Ok(role) => {
            accounts::create_user(
                access,
                NewUserInput { username: &f.username, display_name: &f.display_name, role, password: &f.password },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(Error::Client { status: 422, fields, .. }) => {
            let t = UserFormPage {
                shell: page.shell("新建用户"),
                id: None,
                username: f.username,
                display_name: f.display_name,
                disabled: false,
                departments: String::new(),
                roles: role_options(access, Role::from_code(&f.role)),
                errors: fields,
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

async fn user_edit_page(page: Page, Path(id): Path<i64>) -> PageResult<Html<String>> {
    let u = accounts::get_user(page.access(), UserId(id)).await?;
    render(UserFormPage {
        shell: page.shell(format!("编辑用户 {}", u.username)),
        id: Some(id),
        username: u.username,
        display_name: u.display_name,
        disabled: u.disabled,
        departments: u.departments.join(","),
        roles: role_options(page.access(), Some(u.role)),
        errors: Vec::new(),
    })
}

async fn user_update(page: Page, Path(id): Path<i64>, Form(f): Form<UserFormData>) -> PageResult<Response> {
    let access = page.access();
    let existing = accounts::get_user(access, UserId(id)).await?;
    let result = match parse_role(&f.role) {
        Ok(role) => {
            accounts::update_user(
                access,
                UserId(id),
                UserUpdate { display_name: &f.display_name, role, disabled: f.disabled.is_some(), departments: &f.departments },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/users").into_response()),
        Err(Error::Client { status: 422, fields, .. }) => {
            let t = UserFormPage {
                shell: page.shell(format!("编辑用户 {}", existing.username)),
                id: Some(id),
                username: existing.username,
                display_name: f.display_name,
                disabled: f.disabled.is_some(),
                departments: f.departments.clone(),
                roles: role_options(access, Role::from_code(&f.role)),
                errors: fields,
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

async fn user_password(page: Page, Path(id): Path<i64>, Form(f): Form<UserFormData>) -> PageResult<Response> {
    match accounts::reset_password(page.access(), UserId(id), &f.password).await {
        Ok(()) => Ok(Redirect::to("/users").into_response()),
        Err(Error::Client { status: 422, fields, .. }) => {
            let u = accounts::get_user(page.access(), UserId(id)).await?;
            let t = UserFormPage {
                shell: page.shell(format!("编辑用户 {}", u.username)),
                id: Some(id),
                username: u.username,
                display_name: u.display_name,
                disabled: u.disabled,
                departments: u.departments.join(","),
                roles: role_options(page.access(), Some(u.role)),
                errors: fields,
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response())
        }
        Err(e) => Err(PageError(e)),
    }
}

// ---- staff import and export ----

#[derive(Template)]
#[template(path = "users_import.html")]
struct UsersImportPage {
    shell: Shell,
    created: Vec<accounts::ImportedUser>,
    errors: Vec<crate::tabular::RowError>,
    file_error: Option<String>,
    columns: &'static [crate::tabular::Column],
}

async fn users_import_page(page: Page) -> PageResult<Html<String>> {
    page.access().require(Permission::UserManage)?;
    render(UsersImportPage {
        shell: page.shell("批量导入用户"),
        created: Vec::new(),
        errors: Vec::new(),
        file_error: None,
        columns: accounts::USER_COLUMNS,
    })
}

async fn users_import(
    page: Page,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult<Response> {
    let access = page.access();
    let upload = super::upload::read(access, Permission::UserManage, mp).await?;
    let mut t = UsersImportPage {
        shell: page.shell("批量导入用户"),
        created: Vec::new(),
        errors: Vec::new(),
        file_error: None,
        columns: accounts::USER_COLUMNS,
    };
    let table = match upload.table().await {
        Ok(table) => table,
        Err(e @ Error::Client { .. }) => {
            t.file_error = Some(e.public_message());
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response());
        }
        Err(e) => return Err(PageError(e)),
    };
    match accounts::import_users(access, &table).await? {
        Ok(created) => {
            t.created = created;
            Ok(render(t)?.into_response())
        }
        Err(errors) => {
            t.errors = errors;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response())
        }
    }
}

async fn users_template(page: Page) -> PageResult<Response> {
    page.access().require(Permission::UserManage)?;
    Ok(super::xlsx("users.xlsx", "用户导入模板.xlsx", crate::tabular::template_xlsx("用户", accounts::USER_COLUMNS)?))
}

async fn users_export(page: Page) -> PageResult<Response> {
    let access = page.access();
    access.require(Permission::DataExport)?;
    let users = accounts::list_users(access).await?;
    let now = access.now();
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            let v = user_view(u, now);
            let status = if v.disabled {
                "已停用"
            } else if v.locked {
                "已锁定"
            } else {
                "正常"
            };
            vec![
                v.username,
                v.display_name,
                v.role.to_string(),
                if v.totp { "已绑定" } else { "未绑定" }.to_string(),
                status.to_string(),
                v.created,
            ]
        })
        .collect();
    let bytes = crate::tabular::write_xlsx("用户", &["用户名", "姓名", "角色", "动态验证码", "状态", "创建时间"], &rows)?;
    access.audit_read("export", "users", &format!("导出用户 {} 个", rows.len())).await?;
    Ok(super::xlsx("users.xlsx", &format!("用户_{}.xlsx", now.local_day()), bytes))
}

// ---- audit ----

pub struct AuditView {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub action_label: String,
    pub target: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPageT {
    shell: Shell,
    entries: Vec<AuditView>,
    action: String,
    /// Every named action (code, name), by name, for the filter.
    actions: Vec<(&'static str, &'static str)>,
    pager: Pager,
}

#[derive(Deserialize)]
struct ListQuery {
    page: Option<i64>,
    action: Option<String>,
    status: Option<String>,
}

async fn audit_page(page: Page, Query(q): Query<ListQuery>) -> PageResult<Html<String>> {
    let access = page.access();
    access.require(Permission::AuditRead)?;
    let paging = Paging::new(q.page, 50);
    let action = q.action.unwrap_or_default();
    let (entries, total) = audit::list(&access.tenant(), &action, paging.offset(), paging.per_page).await?;
    let base = format!("/audit?action={}", super::pages::url_encode(&action));
    render(AuditPageT {
        shell: page.shell("审计日志"),
        entries: entries
            .into_iter()
            .map(|e| AuditView {
                seq: e.seq,
                at: e.at.format_second(),
                actor: e.actor_name,
                action_label: page.state().action_label(&e.action),
                action: e.action,
                target: e.target,
                detail: e.detail,
            })
            .collect(),
        action,
        actions: page.state().actions(),
        pager: Pager::new(paging, total, &base),
    })
}

// ---- jobs ----

pub struct JobView {
    pub id: i64,
    pub kind: String,
    pub label: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub attempts: String,
    pub run_at: String,
    pub created: String,
    pub error: String,
    pub dead: bool,
}

fn job_view(jobs: &jobs::Jobs, j: &JobRow) -> JobView {
    JobView {
        id: j.id.0,
        kind: j.kind.clone(),
        label: jobs.label_zh(&j.kind).to_string(),
        status: j.status.label_zh(),
        status_class: match j.status {
            Status::Done => "badge-ok",
            Status::Dead => "badge-bad",
            Status::Running => "badge-info",
            Status::Queued => "badge-muted",
        },
        attempts: format!("{}/{}", j.attempts, j.max_attempts),
        run_at: j.run_at.format_second(),
        created: j.created_at.format_second(),
        error: j.last_error.clone().unwrap_or_default(),
        dead: j.status == Status::Dead,
    }
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    shell: Shell,
    jobs: Vec<JobView>,
    schedules: Vec<ScheduleView>,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    pager: Pager,
}

/// A schedule's line on the jobs page.
struct ScheduleView {
    label: &'static str,
    rule: String,
    last: String,
    last_status: &'static str,
    next: String,
}

fn parse_status(s: Option<&str>) -> Result<Option<Status>, Error> {
    match s.unwrap_or("") {
        "" => Ok(None),
        code => {
            Status::from_code(code).map(Some).ok_or_else(|| Error::bad_request("invalid_status", "状态应为 queued、running、done 或 dead"))
        }
    }
}

async fn jobs_page(page: Page, Query(q): Query<ListQuery>) -> PageResult<Html<String>> {
    let access = page.access();
    let status = parse_status(q.status.as_deref())?;
    let paging = Paging::new(q.page, 50);
    let (rows, total) = jobs::list(access, status, paging.offset(), paging.per_page).await?;
    let status_code = status.map(Status::code).unwrap_or("").to_string();
    let registry = &access.core().jobs;
    let schedules = jobs::schedule::overview(access)
        .await?
        .into_iter()
        .map(|o| ScheduleView {
            label: o.label_zh,
            rule: o.rule_zh,
            last_status: o.last.as_ref().map_or("", |(_, s)| s.label_zh()),
            last: o.last.map_or("尚未运行".into(), |(due, _)| due),
            next: o.next.map_or("—".into(), |t| t.format_minute()),
        })
        .collect();
    render(JobsPage {
        shell: page.shell("后台任务"),
        jobs: rows.iter().map(|j| job_view(registry, j)).collect(),
        schedules,
        pager: Pager::new(paging, total, &format!("/jobs?status={status_code}")),
        status: status_code,
        statuses: Status::ALL.iter().map(|s| (s.code(), s.label_zh())).collect(),
    })
}

async fn job_requeue_page(page: Page, Path(id): Path<i64>) -> PageResult<Response> {
    jobs::requeue(page.access(), JobId(id)).await?;
    Ok(Redirect::to("/jobs?status=dead").into_response())
}

// ---- hospitals ----

pub struct HospitalView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub grade: String,
    pub platform: bool,
    pub created: String,
}

#[derive(Template)]
#[template(path = "hospitals.html")]
struct HospitalsPage {
    shell: Shell,
    hospitals: Vec<HospitalView>,
}

async fn hospitals_page(page: Page) -> PageResult<Html<String>> {
    let rows = accounts::list_hospitals(page.access()).await?;
    render(HospitalsPage {
        shell: page.shell("医院（租户）"),
        hospitals: rows
            .into_iter()
            .map(|h| HospitalView {
                id: h.id.0,
                code: h.code,
                name: h.name,
                grade: h.grade,
                platform: h.is_platform,
                created: h.created_at.format_minute(),
            })
            .collect(),
    })
}

// ---- API ----

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    totp_enabled: bool,
    disabled: bool,
    created_at: String,
}

fn user_out(u: &UserRow) -> UserOut {
    UserOut {
        id: u.id.0,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role.code().into(),
        totp_enabled: u.totp_enabled,
        disabled: u.disabled,
        created_at: u.created_at.to_string(),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct UserIn {
    username: String,
    display_name: String,
    /// One of platform_admin, hospital_admin, operator, agent, content_reviewer, doctor, nurse, finance, auditor.
    role: String,
    password: String,
}

async fn api_users(api: Api) -> ApiResult<Json<Vec<UserOut>>> {
    Ok(Json(accounts::list_users(api.access()).await?.iter().map(user_out).collect()))
}

async fn api_user_get(api: Api, Path(id): Path<i64>) -> ApiResult<Json<UserOut>> {
    Ok(Json(user_out(&accounts::get_user(api.access(), UserId(id)).await?)))
}

async fn api_user_create(api: Api, Json(u): Json<UserIn>) -> ApiResult<(axum::http::StatusCode, Json<UserOut>)> {
    let role = parse_role(&u.role)?;
    let id = accounts::create_user(
        api.access(),
        NewUserInput { username: &u.username, display_name: &u.display_name, role, password: &u.password },
    )
    .await?;
    let created = accounts::get_user(api.access(), id).await?;
    Ok((axum::http::StatusCode::CREATED, Json(user_out(&created))))
}

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    /// The action's Chinese name.
    action_label: String,
    target: String,
    detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    total: i64,
    page: i64,
    items: Vec<AuditOut>,
}

async fn api_audit(State(state): State<AppState>, api: Api, Query(q): Query<ListQuery>) -> ApiResult<Json<AuditPage>> {
    let access = api.access();
    access.require(Permission::AuditRead)?;
    let paging = Paging::new(q.page, 100);
    let (entries, total) = audit::list(&access.tenant(), q.action.as_deref().unwrap_or(""), paging.offset(), paging.per_page).await?;
    Ok(Json(AuditPage {
        total,
        page: paging.page,
        items: entries
            .into_iter()
            .map(|e| AuditOut {
                seq: e.seq,
                at: e.at.to_string(),
                actor: e.actor_name,
                action_label: state.action_label(&e.action),
                action: e.action,
                target: e.target,
                detail: e.detail,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct JobOut {
    id: i64,
    kind: String,
    status: String,
    attempts: i32,
    max_attempts: i32,
    run_at: String,
    created_at: String,
    finished_at: Option<String>,
    last_error: Option<String>,
}

fn job_out(j: &JobRow) -> JobOut {
    JobOut {
        id: j.id.0,
        kind: j.kind.clone(),
        status: j.status.code().into(),
        attempts: j.attempts,
        max_attempts: j.max_attempts,
        run_at: j.run_at.to_string(),
        created_at: j.created_at.to_string(),
        finished_at: j.finished_at.map(|t| t.to_string()),
        last_error: j.last_error.clone(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct JobPage {
    total: i64,
    page: i64,
    items: Vec<JobOut>,
}

async fn api_jobs(api: Api, Query(q): Query<ListQuery>) -> ApiResult<Json<JobPage>> {
    let status = parse_status(q.status.as_deref())?;
    let paging = Paging::new(q.page, 100);
    let (rows, total) = jobs::list(api.access(), status, paging.offset(), paging.per_page).await?;
    Ok(Json(JobPage { total, page: paging.page, items: rows.iter().map(job_out).collect() }))
}

async fn api_job(api: Api, Path(id): Path<i64>) -> ApiResult<Json<JobOut>> {
    Ok(Json(job_out(&jobs::get(api.access(), JobId(id)).await?)))
}

async fn api_job_requeue(api: Api, Path(id): Path<i64>) -> ApiResult<axum::http::StatusCode> {
    jobs::requeue(api.access(), JobId(id)).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ProbeIn {
    count: u32,
    sleep_ms: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ProbeOut {
    job_ids: Vec<i64>,
}

async fn api_probe(api: Api, Json(p): Json<ProbeIn>) -> ApiResult<(axum::http::StatusCode, Json<ProbeOut>)> {
    let ids = jobs::enqueue_probes(api.access(), p.count, p.sleep_ms).await?;
    Ok((axum::http::StatusCode::CREATED, Json(ProbeOut { job_ids: ids.into_iter().map(|i| i.0).collect() })))
}
