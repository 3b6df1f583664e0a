//! Doctor pages.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::{DepartmentId, DoctorId};
use hops_platform::web::{Form, Method, Page, PageError, PageResult, Pager, Paging, Routes, Scope, Shell};
use hops_platform::{Access, Permission};
use serde::Deserialize;

use super::FormErrors;
use crate::model::{DoctorDraft, TITLES};
use crate::service;
use crate::store::{DoctorFilter, DoctorRow};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/doctors", "医生列表", list)
        .page(Method::Get, "/doctors/new", "新建医生", new_form)
        .page(Method::Post, "/doctors", "创建医生", create)
        .page(Method::Get, "/doctors/{doctor_id}", "医生详情", detail)
        .page(Method::Post, "/doctors/{doctor_id}", "保存医生", update)
}

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(hops_platform::Error::Internal(e.into())))?))
}

pub struct Choice {
    pub value: String,
    /// The department code (the form submits codes, filters use ids).
    pub code: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    department: Option<String>,
    title: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "doctors.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<DoctorRow>,
    q: String,
    departments: Vec<Choice>,
    titles: Vec<Choice>,
    pager: Pager,
    can_write: bool,
    filtered: bool,
}

async fn department_choices(access: &Access, selected: &str) -> hops_platform::Result<Vec<Choice>> {
    Ok(service::department_choices(access)
        .await?
        .into_iter()
        .map(|(code, id, name)| Choice {
            selected: selected == id.0.to_string() || selected == code,
            value: id.0.to_string(),
            label: format!("{name}（{code}）"),
            code,
        })
        .collect())
}

async fn list(page: Page, Query(q): Query<ListQuery>) -> PageResult<Html<String>> {
    let access = page.access();
    let paging = Paging::new(q.page, 30);
    let text = q.q.unwrap_or_default();
    let dept_text = q.department.unwrap_or_default();
    let department = match dept_text.trim() {
        "" => None,
        s => Some(DepartmentId(s.parse().map_err(|_| PageError(hops_platform::Error::bad_request("invalid_department", "科室参数无效")))?)),
    };
    let title = q.title.unwrap_or_default();
    let filter = DoctorFilter { q: text.trim(), department, title: title.trim() };
    let (rows, total) = service::list_doctors(access, &filter, paging).await?;
    let enc = hops_platform::web::pages::url_encode;
    let base = format!("/doctors?q={}&department={}&title={}", enc(&text), enc(&dept_text), enc(&title));
    render(ListPage {
        shell: page.shell("医生"),
        rows,
        filtered: !text.is_empty() || department.is_some() || !title.is_empty(),
        q: text,
        departments: department_choices(access, &dept_text).await?,
        titles: TITLES
            .iter()
            .map(|t| Choice { value: t.to_string(), code: String::new(), label: t.to_string(), selected: *t == title })
            .collect(),
        pager: Pager::new(paging, total, &base),
        can_write: access.can(Permission::MasterWrite),
    })
}

#[derive(Template)]
#[template(path = "doctor_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    draft: DoctorDraft,
    departments: Vec<Choice>,
    titles: Vec<Choice>,
    errors: FormErrors,
    can_write: bool,
}

async fn form_page(page: &Page, title: String, id: Option<i64>, draft: DoctorDraft, errors: FormErrors) -> PageResult<Html<String>> {
    let access = page.access();
    let departments = department_choices(access, &draft.department_code).await?;
    let titles = TITLES
        .iter()
        .map(|t| Choice { value: t.to_string(), code: String::new(), label: t.to_string(), selected: *t == draft.title })
        .collect();
    render(FormPage { shell: page.shell(title), id, draft, departments, titles, errors, can_write: access.can(Permission::MasterWrite) })
}

async fn new_form(page: Page) -> PageResult<Html<String>> {
    page.access().require(Permission::MasterWrite)?;
    let draft = DoctorDraft { title: "主治医师".into(), online_clinic: "是".into(), ..Default::default() };
    form_page(&page, "新建医生".into(), None, draft, FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct DoctorForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    department_code: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    specialty: String,
    online_clinic: Option<String>,
}

impl DoctorForm {
    fn draft(self) -> DoctorDraft {
        DoctorDraft {
            code: self.code,
            name: self.name,
            department_code: self.department_code,
            title: self.title,
            specialty: self.specialty,
            online_clinic: if self.online_clinic.is_some() { "是" } else { "否" }.into(),
        }
    }
}

async fn create(page: Page, Form(f): Form<DoctorForm>) -> PageResult<Response> {
    let draft = f.draft();
    match service::create_doctor(page.access(), &draft).await {
        Ok(id) => Ok(Redirect::to(&format!("/doctors/{id}")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, form_page(&page, "新建医生".into(), None, draft, errors).await?)
                .into_response())
        }
    }
}

fn draft_of(d: &DoctorRow) -> DoctorDraft {
    DoctorDraft {
        code: d.code.clone(),
        name: d.name.clone(),
        department_code: d.department_code.clone(),
        title: d.title.clone(),
        specialty: d.specialty.clone(),
        online_clinic: if d.online_clinic { "是" } else { "否" }.into(),
    }
}

async fn detail(page: Page, Path(id): Path<i64>) -> PageResult<Html<String>> {
    let d = service::doctor(page.access(), DoctorId(id)).await?;
    form_page(&page, format!("医生 · {}", d.name), Some(id), draft_of(&d), FormErrors::default()).await
}

async fn update(page: Page, Path(id): Path<i64>, Form(f): Form<DoctorForm>) -> PageResult<Response> {
    let existing = service::doctor(page.access(), DoctorId(id)).await?;
    let draft = f.draft();
    match service::update_doctor(page.access(), DoctorId(id), &draft).await {
        Ok(()) => Ok(Redirect::to(&format!("/doctors/{id}")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let html = form_page(&page, format!("医生 · {}", existing.name), Some(id), draft, errors).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}
