//! The example module of `docs/module.md`: a department directory (科室通讯录). It owns no
//! table, reads master data only through `hops_master::service`, declares each route's data
//! scope and API responses, has a patient page on the platform's patient login
//! (`PatientPage`), and is registered in the test app the tenancy tests walk (`tenancy.rs`
//! spawns with it), so it is held to the rules of the product's modules.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::Html;
use hops_kernel::DepartmentId;
use hops_master::service as master;
use hops_platform::Permission;
use hops_platform::patient::PatientPage;
use hops_platform::web::error::{ApiResult, PageResult};
use hops_platform::web::{Api, ApiDoc, Json, Method, Module, NavItem, Page, Pager, Paging, Routes, Scope, Section, Shell};
use hops_testkit::{Backend, TestApp, both_backends, call};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The module: its name, navigation entry and routes.
pub struct DirectoryModule;

impl Module for DirectoryModule {
    fn name(&self) -> &'static str {
        "directory"
    }

    fn nav(&self) -> Vec<NavItem> {
        vec![NavItem { section: Section::MasterData, label: "科室通讯录", href: "/directory", permission: Permission::MasterRead }]
    }

    fn routes(&self) -> Routes {
        // Departments and doctors are hospital data, not patients': scope `Hospital`.
        Routes::scoped(Scope::Hospital)
            .page(Method::Get, "/directory", "科室通讯录", directory_page)
            .api(
                Method::Get,
                "/api/v1/directory/departments/{department_id}",
                ApiDoc::new("科室通讯录", "科室及其医生").returns::<DepartmentOut>(),
                api_department,
            )
            // The patients' page: what a signed-in patient's proven phone reaches: scope `Visitor`.
            .merge(Routes::scoped(Scope::Visitor).public(Method::Get, "/p/{hospital_code}/directory", "科室通讯录（患者端）", patient_page))
    }

    fn h5_links(&self) -> Vec<(&'static str, &'static str)> {
        vec![("科室通讯录", "/directory")]
    }
}

/// The module in an `Arc`, as `TestApp::spawn_with_modules` takes it.
pub fn module() -> Arc<dyn Module> {
    Arc::new(DirectoryModule)
}

// ---- web ----

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    shell: Shell,
    departments: Vec<master::DepartmentRow>,
    pager: Pager,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    page: Option<i64>,
}

async fn directory_page(page: Page, Query(q): Query<ListQuery>) -> PageResult<Html<String>> {
    let paging = Paging::new(q.page, 50);
    // The service checks the permission (MasterRead) before anything is read.
    let (departments, total) = master::list_departments(page.access(), "", paging).await?;
    let t = DirectoryPage { shell: page.shell("科室通讯录"), departments, pager: Pager::new(paging, total, "/directory?") };
    Ok(Html(t.render().map_err(anyhow::Error::from)?))
}

#[derive(Template)]
#[template(path = "directory_h5.html")]
struct PatientDirectoryPage {
    hospital: String,
    base: String,
    phone: String,
}

/// A patient page: without a session the patient is sent to the hospital's sign-in and back.
async fn patient_page(page: PatientPage) -> hops_platform::patient::web::R {
    let site = &page.site;
    site.render(PatientDirectoryPage {
        hospital: site.name.clone(),
        base: format!("{}/directory", site.home()),
        phone: page.signed.phone.masked(),
    })
}

/// A department and its doctors.
#[derive(Serialize, ToSchema)]
#[schema(as = DirectoryDepartmentOut)]
struct DepartmentOut {
    code: String,
    name: String,
    doctors: Vec<DoctorOut>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DirectoryDoctorOut)]
struct DoctorOut {
    code: String,
    name: String,
    title: String,
}

async fn api_department(api: Api, Path(id): Path<i64>) -> ApiResult<Json<DepartmentOut>> {
    let access = api.access();
    // Another hospital's id is "not found": the service reads through the caller's hospital.
    let d = master::department(access, DepartmentId(id)).await?;
    let filter = master::DoctorFilter { q: "", department: Some(d.id), title: "" };
    let (doctors, _) = master::list_doctors(access, &filter, Paging::new(None, 500)).await?;
    Ok(Json(DepartmentOut {
        code: d.code,
        name: d.name,
        doctors: doctors.into_iter().map(|r| DoctorOut { code: r.code, name: r.name, title: r.title }).collect(),
    }))
}

// ---- its own test ----

both_backends!(the_directory_lists_departments_with_their_doctors);

async fn the_directory_lists_departments_with_their_doctors(backend: Backend) {
    let app = TestApp::spawn_with_modules(backend, vec![module()]).await;
    let h = app.hospital("dir", &[hops_platform::Role::Operator, hops_platform::Role::ContentReviewer]).await;
    let sys = app.system(h);
    let dept =
        hops_master::model::DepartmentDraft { code: "NK".into(), name: "内科".into(), category: "内科".into(), online: "是".into() };
    let id = master::create_department(&sys, &dept).await.unwrap();
    let operator = app.token("dir", "operator").await;
    let (s, v) =
        call(&app.client(), reqwest::Method::GET, &format!("{}/api/v1/directory/departments/{}", app.url, id.0), &operator, None).await;
    assert_eq!((s, v["name"].as_str()), (200, Some("内科")), "{v}");
    assert_eq!(v["doctors"].as_array().map(Vec::len), Some(0));
    // Without MasterRead (the content reviewer): refused; an unknown id: not found.
    let reviewer = app.token("dir", "content_reviewer").await;
    let url = format!("{}/api/v1/directory/departments/{}", app.url, id.0);
    assert_eq!(call(&app.client(), reqwest::Method::GET, &url, &reviewer, None).await.0, 403);
    let missing = format!("{}/api/v1/directory/departments/999999999", app.url);
    assert_eq!(call(&app.client(), reqwest::Method::GET, &missing, &operator, None).await.0, 404);
    // The page, with its navigation entry.
    let (web, _) = app.web_login("dir", "operator").await;
    let page = web.get(format!("{}/directory", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("科室通讯录") && page.contains("内科") && page.contains("href=\"/directory\""), "{page}");
    // The patient page: to the hospital's sign-in without a session, the proven phone with one.
    let r = app.client().get(format!("{}/p/dir/directory", app.url)).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/p/dir/login?next=%2Fp%2Fdir%2Fdirectory"));
    let site = hops_platform::patient::site(&app.core, "dir").await.unwrap();
    let phone = hops_kernel::Phone::parse("13900000777").unwrap();
    let token = site.open(hops_platform::patient::Kind::Patient, &phone, "测试").await.unwrap();
    let r =
        app.client().get(format!("{}/p/dir/directory", app.url)).header("cookie", format!("hops_patient={token}")).send().await.unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("139****0777") && page.contains("h5-main"), "{page}");
    app.stop().await;
}
