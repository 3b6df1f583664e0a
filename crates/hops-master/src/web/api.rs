//! JSON API of master data. Personal numbers are masked in every response; the reveal
//! operation returns them in clear to holders of the unmask permission, and is audited.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query};
use axum::http::StatusCode;
use hops_kernel::{DepartmentId, DoctorId, PatientId};
use hops_platform::Permission;
use hops_platform::web::Param;
use hops_platform::web::upload;
use hops_platform::web::{Api, ApiDoc, ApiResult, Json, Method, Paging, Routes, Scope};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::import::{self, Kind};
use crate::model::{DepartmentDraft, DoctorDraft, PatientDraft};
use crate::service::{self, PatientQuery};
use crate::store::{DepartmentRow, DoctorFilter, DoctorRow, PatientRow};

pub fn routes() -> Routes {
    let list = |tag, summary| {
        ApiDoc::new(tag, summary).query("q", "搜索").query_as("page", Param::PAGE, "页码（从 1 开始）").query_as(
            "per_page",
            Param::Int { min: 1 },
            "每页条数（1–200，默认 50）",
        )
    };
    Routes::scoped(Scope::Hospital)
        .api(Method::Get, "/api/v1/departments", list("科室", "科室列表").returns::<DepartmentPage>(), list_departments)
        .api(
            Method::Post,
            "/api/v1/departments",
            ApiDoc::new("科室", "新建科室").body::<DepartmentIn>().returns::<DepartmentOut>().status(201),
            create_department,
        )
        .api(Method::Get, "/api/v1/departments/{department_id}", ApiDoc::new("科室", "科室详情").returns::<DepartmentOut>(), get_department)
        .api(
            Method::Put,
            "/api/v1/departments/{department_id}",
            ApiDoc::new("科室", "修改科室").body::<DepartmentIn>().returns::<DepartmentOut>(),
            update_department,
        )
        .api(
            Method::Get,
            "/api/v1/doctors",
            list("医生", "医生列表").query_as("department_id", Param::Id, "科室编号").query("title", "职称").returns::<DoctorPage>(),
            list_doctors,
        )
        .api(
            Method::Post,
            "/api/v1/doctors",
            ApiDoc::new("医生", "新建医生").body::<DoctorIn>().returns::<DoctorOut>().status(201),
            create_doctor,
        )
        .api(Method::Get, "/api/v1/doctors/{doctor_id}", ApiDoc::new("医生", "医生详情").returns::<DoctorOut>(), get_doctor)
        .api(
            Method::Put,
            "/api/v1/doctors/{doctor_id}",
            ApiDoc::new("医生", "修改医生").body::<DoctorIn>().returns::<DoctorOut>(),
            update_doctor,
        )
        .scope(Scope::People)
        .api(
            Method::Get,
            "/api/v1/patients",
            list("患者", "患者列表（脱敏）")
                .query_as("sex", Param::OneOf(&["男", "女"]), "男|女")
                .query("channel", "来源渠道")
                .returns::<PatientPage>(),
            list_patients,
        )
        .api(
            Method::Post,
            "/api/v1/patients",
            ApiDoc::new("患者", "新建患者").body::<PatientIn>().returns::<PatientOut>().status(201),
            create_patient,
        )
        .api(Method::Get, "/api/v1/patients/{patient_id}", ApiDoc::new("患者", "患者详情（脱敏）").returns::<PatientOut>(), get_patient)
        .api(
            Method::Put,
            "/api/v1/patients/{patient_id}",
            ApiDoc::new("患者", "修改患者").body::<PatientIn>().returns::<PatientOut>(),
            update_patient,
        )
        .api(
            Method::Post,
            "/api/v1/patients/{patient_id}/reveal",
            ApiDoc::new("患者", "查看完整身份证号与手机号")
                .describe("需要“查看个人信息”权限；每次调用记入审计日志。")
                .returns::<RevealOut>(),
            reveal_patient,
        )
        .scope(Scope::Hospital)
        .api(Method::Post, "/api/v1/departments/import", import_doc("科室"), import_departments)
        .api(Method::Post, "/api/v1/doctors/import", import_doc("医生"), import_doctors)
        .scope(Scope::AllPeople)
        .api(Method::Post, "/api/v1/patients/import", import_doc("患者"), import_patients)
}

fn import_doc(tag: &'static str) -> ApiDoc {
    ApiDoc::new(tag, "批量导入（multipart 上传 .xlsx/.csv）")
        .describe("multipart/form-data，字段 file 为文件，mode 为 all（默认，有误则全部不导入）或 skip_bad（跳过有误的行）。返回逐行错误。")
        .upload()
        .upload_field("mode", "all（默认）或 skip_bad")
        .returns::<ImportOut>()
        .error_returns::<ImportOut>(422, "有错误行（mode=all 时全部未导入）")
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
    department_id: Option<i64>,
    title: Option<String>,
    sex: Option<String>,
    channel: Option<String>,
}

impl ListQuery {
    fn paging(&self) -> ApiResult<Paging> {
        let per = self.per_page.unwrap_or(50);
        if !(1..=200).contains(&per) {
            return Err(hops_platform::Error::bad_request("invalid_per_page", "per_page 应为 1–200").into());
        }
        Ok(Paging::new(self.page, per))
    }
}

// ---- departments ----

#[derive(Serialize, ToSchema)]
pub struct DepartmentOut {
    id: i64,
    code: String,
    name: String,
    category: String,
    online: bool,
    doctors: i64,
}

impl From<DepartmentRow> for DepartmentOut {
    fn from(d: DepartmentRow) -> Self {
        DepartmentOut { id: d.id.0, code: d.code, name: d.name, category: d.category, online: d.online, doctors: d.doctors }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DepartmentPage {
    total: i64,
    page: i64,
    items: Vec<DepartmentOut>,
}

#[derive(Deserialize, ToSchema)]
pub struct DepartmentIn {
    code: String,
    name: String,
    #[serde(default)]
    category: String,
    /// Defaults to true.
    online: Option<bool>,
}

impl DepartmentIn {
    fn draft(&self) -> DepartmentDraft {
        DepartmentDraft {
            code: self.code.clone(),
            name: self.name.clone(),
            category: self.category.clone(),
            online: self.online.unwrap_or(true).to_string(),
        }
    }
}

async fn list_departments(api: Api, Query(q): Query<ListQuery>) -> ApiResult<Json<DepartmentPage>> {
    let paging = q.paging()?;
    let (rows, total) = service::list_departments(api.access(), q.q.as_deref().unwrap_or(""), paging).await?;
    Ok(Json(DepartmentPage { total, page: paging.page, items: rows.into_iter().map(Into::into).collect() }))
}

async fn get_department(api: Api, Path(id): Path<i64>) -> ApiResult<Json<DepartmentOut>> {
    Ok(Json(service::department(api.access(), DepartmentId(id)).await?.into()))
}

async fn create_department(api: Api, Json(d): Json<DepartmentIn>) -> ApiResult<(StatusCode, Json<DepartmentOut>)> {
    let id = service::create_department(api.access(), &d.draft()).await?;
    Ok((StatusCode::CREATED, Json(service::department(api.access(), id).await?.into())))
}

async fn update_department(api: Api, Path(id): Path<i64>, Json(d): Json<DepartmentIn>) -> ApiResult<Json<DepartmentOut>> {
    service::update_department(api.access(), DepartmentId(id), &d.draft()).await?;
    Ok(Json(service::department(api.access(), DepartmentId(id)).await?.into()))
}

// ---- doctors ----

#[derive(Serialize, ToSchema)]
pub struct DoctorOut {
    id: i64,
    code: String,
    name: String,
    department_id: i64,
    department_code: String,
    department_name: String,
    title: String,
    specialty: String,
    online_clinic: bool,
}

impl From<DoctorRow> for DoctorOut {
    fn from(d: DoctorRow) -> Self {
        DoctorOut {
            id: d.id.0,
            code: d.code,
            name: d.name,
            department_id: d.department_id.0,
            department_code: d.department_code,
            department_name: d.department_name,
            title: d.title,
            specialty: d.specialty,
            online_clinic: d.online_clinic,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DoctorPage {
    total: i64,
    page: i64,
    items: Vec<DoctorOut>,
}

#[derive(Deserialize, ToSchema)]
pub struct DoctorIn {
    code: String,
    name: String,
    department_code: String,
    /// 主任医师, 副主任医师, 主治医师, 住院医师 …
    title: String,
    #[serde(default)]
    specialty: String,
    online_clinic: Option<bool>,
}

impl DoctorIn {
    fn draft(&self) -> DoctorDraft {
        DoctorDraft {
            code: self.code.clone(),
            name: self.name.clone(),
            department_code: self.department_code.clone(),
            title: self.title.clone(),
            specialty: self.specialty.clone(),
            online_clinic: self.online_clinic.unwrap_or(true).to_string(),
        }
    }
}

async fn list_doctors(api: Api, Query(q): Query<ListQuery>) -> ApiResult<Json<DoctorPage>> {
    let paging = q.paging()?;
    let f = DoctorFilter {
        q: q.q.as_deref().unwrap_or(""),
        department: q.department_id.map(DepartmentId),
        title: q.title.as_deref().unwrap_or(""),
    };
    let (rows, total) = service::list_doctors(api.access(), &f, paging).await?;
    Ok(Json(DoctorPage { total, page: paging.page, items: rows.into_iter().map(Into::into).collect() }))
}

async fn get_doctor(api: Api, Path(id): Path<i64>) -> ApiResult<Json<DoctorOut>> {
    Ok(Json(service::doctor(api.access(), DoctorId(id)).await?.into()))
}

async fn create_doctor(api: Api, Json(d): Json<DoctorIn>) -> ApiResult<(StatusCode, Json<DoctorOut>)> {
    let id = service::create_doctor(api.access(), &d.draft()).await?;
    Ok((StatusCode::CREATED, Json(service::doctor(api.access(), id).await?.into())))
}

async fn update_doctor(api: Api, Path(id): Path<i64>, Json(d): Json<DoctorIn>) -> ApiResult<Json<DoctorOut>> {
    service::update_doctor(api.access(), DoctorId(id), &d.draft()).await?;
    Ok(Json(service::doctor(api.access(), DoctorId(id)).await?.into()))
}

// ---- patients ----

#[derive(Serialize, ToSchema)]
pub struct PatientOut {
    id: i64,
    external_id: Option<String>,
    name: String,
    /// 男 or 女.
    sex: String,
    birth_date: Option<String>,
    /// Masked, e.g. 110***********002X.
    id_number: String,
    /// Masked, e.g. 138****5678.
    phone: String,
    channel: String,
    registered_at: String,
}

impl From<PatientRow> for PatientOut {
    fn from(p: PatientRow) -> Self {
        PatientOut {
            id: p.id.0,
            external_id: p.external_id,
            name: p.name,
            sex: p.sex.label_zh().into(),
            birth_date: p.birth.map(|b| b.to_string()),
            id_number: p.id_number_masked,
            phone: p.phone_masked,
            channel: p.channel,
            registered_at: p.registered_at.to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PatientPage {
    total: i64,
    page: i64,
    items: Vec<PatientOut>,
}

#[derive(Deserialize, ToSchema)]
pub struct PatientIn {
    name: String,
    external_id: Option<String>,
    /// 男/女; may be omitted when id_number is given.
    sex: Option<String>,
    birth_date: Option<String>,
    id_number: Option<String>,
    phone: Option<String>,
    channel: Option<String>,
    /// ISO 8601; without offset it is Beijing time.
    registered_at: Option<String>,
}

impl PatientIn {
    fn draft(self) -> PatientDraft {
        PatientDraft {
            external_id: self.external_id.unwrap_or_default(),
            name: self.name,
            sex: self.sex.unwrap_or_default(),
            birth_date: self.birth_date.unwrap_or_default(),
            id_number: self.id_number.unwrap_or_default(),
            phone: self.phone.unwrap_or_default(),
            channel: self.channel.unwrap_or_default(),
            registered_at: self.registered_at.unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RevealOut {
    id_number: String,
    phone: String,
}

async fn list_patients(api: Api, Query(q): Query<ListQuery>) -> ApiResult<Json<PatientPage>> {
    let paging = q.paging()?;
    let pq =
        PatientQuery { q: q.q.as_deref().unwrap_or(""), sex: q.sex.as_deref().unwrap_or(""), channel: q.channel.as_deref().unwrap_or("") };
    let (rows, total) = service::list_patients(api.access(), &pq, paging).await?;
    Ok(Json(PatientPage { total, page: paging.page, items: rows.into_iter().map(Into::into).collect() }))
}

async fn get_patient(api: Api, Path(id): Path<i64>) -> ApiResult<Json<PatientOut>> {
    Ok(Json(service::patient(api.access(), PatientId(id)).await?.into()))
}

async fn create_patient(api: Api, Json(p): Json<PatientIn>) -> ApiResult<(StatusCode, Json<PatientOut>)> {
    let id = service::create_patient(api.access(), &p.draft()).await?;
    Ok((StatusCode::CREATED, Json(service::patient(api.access(), id).await?.into())))
}

async fn update_patient(api: Api, Path(id): Path<i64>, Json(p): Json<PatientIn>) -> ApiResult<Json<PatientOut>> {
    service::update_patient(api.access(), PatientId(id), &p.draft()).await?;
    Ok(Json(service::patient(api.access(), PatientId(id)).await?.into()))
}

async fn reveal_patient(api: Api, Path(id): Path<i64>) -> ApiResult<Json<RevealOut>> {
    let r = service::reveal_patient(api.access(), PatientId(id)).await?;
    Ok(Json(RevealOut { id_number: r.id_number, phone: r.phone }))
}

// ---- import ----

#[derive(Serialize, ToSchema)]
pub struct ImportErrorOut {
    row: usize,
    column: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    committed: bool,
    total: usize,
    inserted: usize,
    updated: usize,
    rejected_rows: usize,
    errors: Vec<ImportErrorOut>,
}

async fn run_import(api: Api, kind: Kind, mp: Result<Multipart, MultipartRejection>) -> ApiResult<(StatusCode, Json<ImportOut>)> {
    // The permission before a byte of the upload is read (the import requires it again).
    let upload = upload::read(api.access(), Permission::MasterImport, mp).await?;
    let mode = super::imports::mode_of(&upload);
    let table = upload.table().await?;
    let r = import::import(api.access(), kind, &table, mode).await?;
    let status = if r.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let rejected_rows = r.rejected_rows();
    Ok((
        status,
        Json(ImportOut {
            committed: r.committed,
            total: r.total,
            inserted: r.inserted,
            updated: r.updated,
            rejected_rows,
            errors: r.rejected.into_iter().map(|e| ImportErrorOut { row: e.row, column: e.column, message: e.message }).collect(),
        }),
    ))
}

async fn import_departments(api: Api, mp: Result<Multipart, MultipartRejection>) -> ApiResult<(StatusCode, Json<ImportOut>)> {
    run_import(api, Kind::Departments, mp).await
}

async fn import_doctors(api: Api, mp: Result<Multipart, MultipartRejection>) -> ApiResult<(StatusCode, Json<ImportOut>)> {
    run_import(api, Kind::Doctors, mp).await
}

async fn import_patients(api: Api, mp: Result<Multipart, MultipartRejection>) -> ApiResult<(StatusCode, Json<ImportOut>)> {
    run_import(api, Kind::Patients, mp).await
}
