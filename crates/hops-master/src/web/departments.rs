//! Department pages.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::DepartmentId;
use hops_platform::Permission;
use hops_platform::web::{Form, Method, Page, PageError, PageResult, Pager, Paging, Routes, Scope, Shell};
use serde::Deserialize;

use super::FormErrors;
use crate::model::DepartmentDraft;
use crate::service;
use crate::store::DepartmentRow;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/departments", "科室列表", list)
        .page(Method::Get, "/departments/new", "新建科室", new_form)
        .page(Method::Post, "/departments", "创建科室", create)
        .page(Method::Get, "/departments/{department_id}", "科室详情", detail)
        .page(Method::Post, "/departments/{department_id}", "保存科室", update)
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "departments.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<DepartmentRow>,
    q: String,
    pager: Pager,
    can_write: bool,
}

async fn list(page: Page, Query(q): Query<ListQuery>) -> PageResult<Html<String>> {
    let access = page.access();
    let paging = Paging::new(q.page, 30);
    let text = q.q.unwrap_or_default();
    let (rows, total) = service::list_departments(access, &text, paging).await?;
    let base = format!("/departments?q={}", hops_platform::web::pages::url_encode(&text));
    render(ListPage {
        shell: page.shell("科室"),
        rows,
        q: text,
        pager: Pager::new(paging, total, &base),
        can_write: access.can(Permission::MasterWrite),
    })
}

#[derive(Template)]
#[template(path = "department_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    draft: DepartmentDraft,
    doctors: i64,
    errors: FormErrors,
    can_write: bool,
}

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(hops_platform::Error::Internal(e.into())))?))
}

async fn new_form(page: Page) -> PageResult<Html<String>> {
    page.access().require(Permission::MasterWrite)?;
    let draft = DepartmentDraft { online: "是".into(), ..Default::default() };
    render(FormPage { shell: page.shell("新建科室"), id: None, draft, doctors: 0, errors: FormErrors::default(), can_write: true })
}

#[derive(Deserialize)]
pub struct DeptForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    category: String,
    online: Option<String>,
}

impl DeptForm {
    fn draft(self) -> DepartmentDraft {
        DepartmentDraft {
            code: self.code,
            name: self.name,
            category: self.category,
            online: if self.online.is_some() { "是" } else { "否" }.into(),
        }
    }
}

async fn create(page: Page, Form(f): Form<DeptForm>) -> PageResult<Response> {
    let draft = f.draft();
    match service::create_department(page.access(), &draft).await {
        Ok(id) => Ok(Redirect::to(&format!("/departments/{id}")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let t = FormPage { shell: page.shell("新建科室"), id: None, draft, doctors: 0, errors, can_write: true };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response())
        }
    }
}

async fn detail(page: Page, Path(id): Path<i64>) -> PageResult<Html<String>> {
    let access = page.access();
    let d = service::department(access, DepartmentId(id)).await?;
    let draft = DepartmentDraft {
        code: d.code.clone(),
        name: d.name.clone(),
        category: d.category.clone(),
        online: if d.online { "是" } else { "否" }.into(),
    };
    render(FormPage {
        shell: page.shell(format!("科室 · {}", d.name)),
        id: Some(id),
        draft,
        doctors: d.doctors,
        errors: FormErrors::default(),
        can_write: access.can(Permission::MasterWrite),
    })
}

async fn update(page: Page, Path(id): Path<i64>, Form(f): Form<DeptForm>) -> PageResult<Response> {
    let access = page.access();
    let existing = service::department(access, DepartmentId(id)).await?;
    let draft = f.draft();
    match service::update_department(access, DepartmentId(id), &draft).await {
        Ok(()) => Ok(Redirect::to(&format!("/departments/{id}")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let t = FormPage {
                shell: page.shell(format!("科室 · {}", existing.name)),
                id: Some(id),
                draft,
                doctors: existing.doctors,
                errors,
                can_write: true,
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response())
        }
    }
}
