//! Patient pages. Numbers are masked; showing them in clear is a permission and is audited.

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::PatientId;
use hops_platform::Permission;
use hops_platform::web::{Form, Method, Page, PageError, PageResult, Pager, Paging, Routes, Scope, Shell};
use serde::Deserialize;

use super::FormErrors;
use crate::model::PatientDraft;
use crate::service::{self, PatientQuery, Revealed};
use crate::store::PatientRow;

pub fn routes() -> Routes {
    Routes::scoped(Scope::People)
        .page(Method::Get, "/patients", "患者列表", list)
        .page(Method::Get, "/patients/new", "新建患者", new_form)
        .page(Method::Post, "/patients", "创建患者", create)
        .page(Method::Get, "/patients/{patient_id}", "患者详情", detail)
        .page(Method::Get, "/patients/{patient_id}/edit", "编辑患者", edit_form)
        .page(Method::Post, "/patients/{patient_id}", "保存患者", update)
        .page_confirmed(Method::Post, "/patients/{patient_id}/reveal", "查看完整证件号与手机号", reveal)
}

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(hops_platform::Error::Internal(e.into())))?))
}

pub fn age(p: &PatientRow, today: hops_kernel::LocalDay) -> String {
    match p.birth {
        Some(b) => {
            let d = b.to_date();
            let t = today.to_date();
            let mut years = t.year() - d.year();
            if (t.month(), t.day()) < (d.month(), d.day()) {
                years -= 1;
            }
            format!("{}岁", years.max(0))
        }
        None => String::new(),
    }
}

pub struct Row {
    pub p: PatientRow,
    pub age: String,
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    sex: Option<String>,
    channel: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "patients.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<Row>,
    q: String,
    sex: String,
    channel: String,
    channels: Vec<String>,
    pager: Pager,
    can_write: bool,
    filtered: bool,
}

async fn list(page: Page, Query(q): Query<ListQuery>) -> PageResult<Html<String>> {
    let access = page.access();
    let paging = Paging::new(q.page, 30);
    let (text, sex, channel) = (q.q.unwrap_or_default(), q.sex.unwrap_or_default(), q.channel.unwrap_or_default());
    let (rows, total) = service::list_patients(access, &PatientQuery { q: &text, sex: &sex, channel: &channel }, paging).await?;
    let today = access.now().local_day();
    let enc = hops_platform::web::pages::url_encode;
    let base = format!("/patients?q={}&sex={}&channel={}", enc(&text), enc(&sex), enc(&channel));
    render(ListPage {
        shell: page.shell("患者"),
        rows: rows.into_iter().map(|p| Row { age: age(&p, today), p }).collect(),
        filtered: !text.is_empty() || !sex.is_empty() || !channel.is_empty(),
        q: text,
        sex,
        channel,
        channels: service::channels(access).await?,
        pager: Pager::new(paging, total, &base),
        can_write: access.can(Permission::MasterWrite),
    })
}

#[derive(Template)]
#[template(path = "patient_detail.html")]
struct DetailPage {
    shell: Shell,
    row: Row,
    revealed: Option<Revealed>,
    can_reveal: bool,
    can_write: bool,
    /// The person's checkup bookings (one person: a patient who also booked a checkup), when
    /// the caller may read checkups.
    checkups: Option<Vec<hops_contracts::checkup::PersonBooking>>,
}

async fn show(page: &Page, id: i64, revealed: Option<Revealed>) -> PageResult<Html<String>> {
    let access = page.access();
    let p = service::patient(access, PatientId(id)).await?;
    let today = access.now().local_day();
    let checkups = match access.core().service::<dyn hops_contracts::checkup::Bookings>() {
        Ok(bookings) if access.can(Permission::CheckupRead) => Some(bookings.of_person(access, p.person_id).await?),
        _ => None,
    };
    render(DetailPage {
        shell: page.shell(format!("患者 · {}", p.name)),
        row: Row { age: age(&p, today), p },
        revealed,
        can_reveal: access.can(Permission::PersonalUnmask),
        can_write: access.can(Permission::MasterWrite),
        checkups,
    })
}

async fn detail(page: Page, Path(id): Path<i64>) -> PageResult<Html<String>> {
    show(&page, id, None).await
}

async fn reveal(page: Page, Path(id): Path<i64>) -> PageResult<Html<String>> {
    let r = service::reveal_patient(page.access(), PatientId(id)).await?;
    show(&page, id, Some(r)).await
}

#[derive(Template)]
#[template(path = "patient_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    draft: PatientDraft,
    errors: FormErrors,
}

async fn new_form(page: Page) -> PageResult<Html<String>> {
    page.access().require(Permission::MasterWrite)?;
    render(FormPage { shell: page.shell("新建患者"), id: None, draft: PatientDraft::default(), errors: FormErrors::default() })
}

#[derive(Deserialize)]
pub struct PatientForm {
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    channel: String,
}

impl PatientForm {
    fn draft(self) -> PatientDraft {
        PatientDraft {
            external_id: self.external_id,
            name: self.name,
            sex: self.sex,
            birth_date: self.birth_date,
            id_number: self.id_number,
            phone: self.phone,
            channel: self.channel,
            registered_at: String::new(),
        }
    }
}

async fn create(page: Page, Form(f): Form<PatientForm>) -> PageResult<Response> {
    let draft = f.draft();
    match service::create_patient(page.access(), &draft).await {
        Ok(id) => Ok(Redirect::to(&format!("/patients/{id}")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let t = FormPage { shell: page.shell("新建患者"), id: None, draft, errors };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response())
        }
    }
}

async fn edit_form(page: Page, Path(id): Path<i64>) -> PageResult<Html<String>> {
    page.access().require(Permission::MasterWrite)?;
    let p = service::patient(page.access(), PatientId(id)).await?;
    let draft = PatientDraft {
        external_id: p.external_id.clone().unwrap_or_default(),
        name: p.name.clone(),
        sex: p.sex.label_zh().into(),
        birth_date: p.birth.map(|b| b.to_string()).unwrap_or_default(),
        id_number: p.id_number_masked.clone(),
        phone: p.phone_masked.clone(),
        channel: p.channel.clone(),
        registered_at: String::new(),
    };
    render(FormPage { shell: page.shell(format!("编辑患者 · {}", p.name)), id: Some(id), draft, errors: FormErrors::default() })
}

async fn update(page: Page, Path(id): Path<i64>, Form(f): Form<PatientForm>) -> PageResult<Response> {
    let existing = service::patient(page.access(), PatientId(id)).await?;
    let draft = f.draft();
    match service::update_patient(page.access(), PatientId(id), &draft).await {
        Ok(()) => Ok(Redirect::to(&format!("/patients/{id}")).into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let t = FormPage { shell: page.shell(format!("编辑患者 · {}", existing.name)), id: Some(id), draft, errors };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(t)?).into_response())
        }
    }
}
