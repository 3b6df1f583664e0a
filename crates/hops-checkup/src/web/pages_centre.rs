//! The console page of the checkup centre's details (address with a map link, phone, arrival
//! time, directions): what a paid booking shows the patient.

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_platform::web::{Form, Method, Page, PageResult, Routes, Scope, Shell, flash};
use hops_platform::{Error, Permission};
use serde::Deserialize;

use super::pages_catalogue::{FormErrors, render};
use crate::centre::model::Centre;
use crate::centre::service as centre;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital).page(Method::Get, "/checkup/centre", "体检中心信息", page).page(
        Method::Post,
        "/checkup/centre",
        "保存体检中心信息",
        save,
    )
}

const FLASH: &[(&str, &str)] = &[("saved", "体检中心信息已保存，患者的预约页面即刻显示新信息")];

#[derive(Template)]
#[template(path = "checkup_centre.html")]
struct CentrePage {
    shell: Shell,
    c: Centre,
    /// Whether the hospital has saved its details (else the form is empty and patients see none).
    saved: bool,
    can_manage: bool,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
pub struct Q {
    ok: Option<String>,
}

async fn page(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    let access = page.access();
    access.require(Permission::CheckupRead)?;
    let stored = centre::get(access).await?;
    render(CentrePage {
        shell: page.shell("体检中心信息").with_flash(flash(q.ok.as_deref(), FLASH)),
        saved: stored.is_some(),
        c: stored.unwrap_or_default(),
        can_manage: access.can(Permission::CheckupManage),
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CentreForm {
    name: String,
    address: String,
    phone: String,
    arrival: String,
    directions: String,
}

async fn save(page: Page, Form(f): Form<CentreForm>) -> PageResult<Response> {
    let access = page.access();
    let draft = Centre { name: f.name, address: f.address, phone: f.phone, arrival: f.arrival, directions: f.directions };
    match centre::save(access, &draft).await {
        Ok(_) => Ok(Redirect::to("/checkup/centre?ok=saved").into_response()),
        Err(e @ Error::Client { status: 422, .. }) => {
            let html = render(CentrePage {
                shell: page.shell("体检中心信息"),
                c: draft,
                saved: centre::get(access).await?.is_some(),
                can_manage: true,
                errors: FormErrors::from_error(e)?,
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
