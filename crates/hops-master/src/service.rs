//! Use cases of master data: permission checks, validation, encryption of personal data,
//! audit, all in one transaction per change.

use hops_kernel::{DepartmentId, DoctorId, IdCardNumber, Instant, PatientId, PersonId, Phone};
use hops_platform::crypto::Field;
use hops_platform::people::model::{Edit, Person};
use hops_platform::people::service::{self as people, PersonEdit};
use hops_platform::web::Paging;
use hops_platform::{Access, DataScope, Error, FieldError, Permission, Result, Role, Tx};

use crate::model::{self, DepartmentDraft, DoctorDraft, PatientDraft};
use crate::store::{self, DepartmentWrite, DoctorWrite, PatientWrite};
/// The rows the services read and return.
pub use crate::store::{DepartmentRow, DoctorFilter, DoctorRow, PatientFilter, PatientRow};

/// Where patients' ID-card numbers were kept before they became their person's (migration
/// 0042 dropped the column): read once at start-up by `hops_platform::people::adopt`, and by
/// the re-encryption of older installations that runs before it.
pub const ID_NUMBER: Field = Field::new("patients", "id_number_enc", "patients.id_number");
/// Likewise for patients' mobile numbers.
pub const PHONE: Field = Field::new("patients", "phone_enc", "patients.phone");

// ---- departments ----

pub async fn list_departments(access: &Access, q: &str, paging: Paging) -> Result<(Vec<DepartmentRow>, i64)> {
    access.require(Permission::MasterRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::list_departments(&mut c, q.trim(), paging.offset(), paging.per_page).await?)
}

pub async fn department(access: &Access, id: DepartmentId) -> Result<DepartmentRow> {
    access.require(Permission::MasterRead)?;
    let mut c = access.tenant().read().await?;
    store::department_by_id(&mut c, id).await?.ok_or_else(|| Error::not_found("科室"))
}

/// All departments (code, id, name), for pickers and code resolution.
pub async fn department_choices(access: &Access) -> Result<Vec<(String, DepartmentId, String)>> {
    access.require(Permission::MasterRead)?;
    let mut c = access.tenant().read().await?;
    let mut v = store::department_ids(&mut c).await?;
    v.sort();
    Ok(v)
}

pub async fn create_department(access: &Access, draft: &DepartmentDraft) -> Result<DepartmentId> {
    access.require(Permission::MasterWrite)?;
    let d = model::department(draft).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    if store::department_ids(&mut tx).await?.iter().any(|(code, _, _)| *code == d.code) {
        return Err(Error::invalid_field("code", format!("科室编码 {} 已存在", d.code)));
    }
    let new_id = DepartmentId(tx.next_id(access.engine()).await?);
    let write = DepartmentWrite { code: &d.code, name: &d.name, category: &d.category, online: d.online, now: access.now() };
    let (id, _) = store::upsert_department(&mut tx, new_id, write).await?;
    access.audit(&mut tx, "department.create", &format!("department:{id}"), &format!("{} {}", d.code, d.name)).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_department(access: &Access, id: DepartmentId, draft: &DepartmentDraft) -> Result<()> {
    access.require(Permission::MasterWrite)?;
    let d = model::department(draft).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    let before = store::department_by_id(&mut tx, id).await?.ok_or_else(|| Error::not_found("科室"))?;
    if before.code != d.code && store::department_ids(&mut tx).await?.iter().any(|(code, _, _)| *code == d.code) {
        return Err(Error::invalid_field("code", format!("科室编码 {} 已存在", d.code)));
    }
    store::update_department(
        &mut tx,
        id,
        DepartmentWrite { code: &d.code, name: &d.name, category: &d.category, online: d.online, now: access.now() },
    )
    .await?;
    access.audit(&mut tx, "department.update", &format!("department:{id}"), &format!("{} {}", d.code, d.name)).await?;
    tx.commit().await?;
    Ok(())
}

// ---- doctors ----

pub async fn list_doctors(access: &Access, f: &DoctorFilter<'_>, paging: Paging) -> Result<(Vec<DoctorRow>, i64)> {
    access.require(Permission::MasterRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::list_doctors(&mut c, f, paging.offset(), paging.per_page).await?)
}

pub async fn doctor(access: &Access, id: DoctorId) -> Result<DoctorRow> {
    access.require(Permission::MasterRead)?;
    let mut c = access.tenant().read().await?;
    store::doctor_by_id(&mut c, id).await?.ok_or_else(|| Error::not_found("医生"))
}

async fn resolve_department(tx: &mut Tx, code: &str) -> Result<DepartmentId> {
    store::department_ids(tx)
        .await?
        .into_iter()
        .find(|(c, _, _)| c == code)
        .map(|(_, id, _)| id)
        .ok_or_else(|| Error::invalid_field("department_code", format!("科室编码 {code} 不存在")))
}

pub async fn create_doctor(access: &Access, draft: &DoctorDraft) -> Result<DoctorId> {
    access.require(Permission::MasterWrite)?;
    let d = model::doctor(draft).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    let department_id = resolve_department(&mut tx, &d.department_code).await?;
    let new_id = DoctorId(tx.next_id(access.engine()).await?);
    let write = doctor_write(&d, department_id, access.now());
    let (id, created) = store::upsert_doctor(&mut tx, new_id, write).await?;
    if !created {
        return Err(Error::invalid_field("code", format!("医生工号 {} 已存在", d.code)));
    }
    access.audit(&mut tx, "doctor.create", &format!("doctor:{id}"), &format!("{} {}", d.code, d.name)).await?;
    tx.commit().await?;
    Ok(id)
}

fn doctor_write(d: &model::Doctor, department_id: DepartmentId, now: Instant) -> DoctorWrite<'_> {
    DoctorWrite {
        code: &d.code,
        name: &d.name,
        department_id,
        title: &d.title,
        specialty: &d.specialty,
        online_clinic: d.online_clinic,
        now,
    }
}

pub async fn update_doctor(access: &Access, id: DoctorId, draft: &DoctorDraft) -> Result<()> {
    access.require(Permission::MasterWrite)?;
    let d = model::doctor(draft).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    let before = store::doctor_by_id(&mut tx, id).await?.ok_or_else(|| Error::not_found("医生"))?;
    let department_id = resolve_department(&mut tx, &d.department_code).await?;
    if before.code != d.code {
        let (taken, _) = store::list_doctors(&mut tx, &DoctorFilter { q: &d.code, department: None, title: "" }, 0, 1000).await?;
        if taken.iter().any(|o| o.code == d.code) {
            return Err(Error::invalid_field("code", format!("医生工号 {} 已存在", d.code)));
        }
    }
    store::update_doctor(&mut tx, id, doctor_write(&d, department_id, access.now())).await?;
    access.audit(&mut tx, "doctor.update", &format!("doctor:{id}"), &format!("{} {}", d.code, d.name)).await?;
    tx.commit().await?;
    Ok(())
}

// ---- patients ----

/// The blind indexes of a search text as an exact ID-card number and as a mobile number
/// (empty when it is not one).
fn search_indexes(access: &Access, q: &str) -> (String, String) {
    let id = IdCardNumber::parse(q, access.now().local_day()).map(|n| people::id_number_index(access, &n)).unwrap_or_default();
    let phone = Phone::parse(q).map(|p| people::phone_index(access, &p)).unwrap_or_default();
    (id, phone)
}

pub struct PatientQuery<'a> {
    pub q: &'a str,
    pub sex: &'a str,
    pub channel: &'a str,
}

/// The departments whose patients the caller sees — its data scope — or `None` for all:
/// a doctor their own department (from the doctor record their username names) and the
/// departments on their account; a nurse the departments of their care teams (on the account).
pub async fn department_scope(access: &Access) -> Result<Option<Vec<DepartmentId>>> {
    let actor = access.actor();
    match actor.data_scope() {
        DataScope::All => Ok(None),
        // Visitors never read the register.
        DataScope::Own => Err(Error::forbidden()),
        DataScope::Department => {
            let mut c = access.tenant().read().await?;
            let mut ids = store::department_ids_of(&mut c, &actor.departments).await?;
            if actor.role == Some(Role::Doctor)
                && let Some(d) = store::doctor_department(&mut c, &actor.username).await?
                && !ids.contains(&d)
            {
                ids.push(d);
            }
            Ok(Some(ids))
        }
    }
}

/// Patients matching `q` within the caller's data scope.
pub async fn list_patients(access: &Access, q: &PatientQuery<'_>, paging: Paging) -> Result<(Vec<PatientRow>, i64)> {
    access.require(Permission::MasterRead)?;
    let departments = department_scope(access).await?;
    let text = q.q.trim();
    let (id_bidx, phone_bidx) = search_indexes(access, text);
    let sex = match q.sex {
        "" => "",
        s => model::parse_sex(s).map(|s| s.code()).ok_or_else(|| Error::bad_request("invalid_sex", "性别筛选应为 男 或 女"))?,
    };
    let mut c = access.tenant().read().await?;
    let f = PatientFilter {
        q: text,
        id_bidx: &id_bidx,
        phone_bidx: &phone_bidx,
        sex,
        channel: q.channel.trim(),
        departments: departments.as_deref(),
    };
    Ok(store::list_patients(&mut c, &f, paging.offset(), paging.per_page).await?)
}

/// One patient; 404 outside the caller's data scope (as for another hospital's).
pub async fn patient(access: &Access, id: PatientId) -> Result<PatientRow> {
    access.require(Permission::MasterRead)?;
    let departments = department_scope(access).await?;
    let mut c = access.tenant().read().await?;
    store::patient_in_scope(&mut c, id, departments.as_deref()).await?.ok_or_else(|| Error::not_found("患者"))
}

pub async fn channels(access: &Access) -> Result<Vec<String>> {
    access.require(Permission::MasterRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::channels(&mut c).await?)
}

/// A patient's numbers in clear. Requires the unmask permission; every call is audited.
pub struct Revealed {
    pub id_number: String,
    pub phone: String,
}

/// A patient's numbers in clear, through their person ([`people::reveal`]: needs
/// `PersonalUnmask`, audited as `person.reveal` naming the patient).
pub async fn reveal_patient(access: &Access, id: PatientId) -> Result<Revealed> {
    access.require(Permission::PersonalUnmask)?;
    let row = patient(access, id).await?;
    let r = people::reveal(access, row.person_id, &format!("患者 #{id}：查看完整身份证号与手机号")).await?;
    Ok(Revealed { id_number: r.id_number.unwrap_or_default(), phone: r.phone.unwrap_or_default() })
}

fn duplicate_id_number() -> Error {
    Error::invalid_field("id_number", "该身份证号已登记为其他患者")
}

/// The person a validated patient is.
fn person_of(p: &model::Patient) -> Person {
    Person { name: p.name.clone(), sex: p.sex, birth_date: p.birth, id_number: p.id_number, phone: p.phone }
}

/// Stores validated patient `p` as new patient `id`, inside the caller's transaction: their
/// person is the one on file with the ID-card number (someone who booked a checkup, say), else
/// a new one. A person who is already a patient is refused at the field.
pub(crate) async fn insert_patient_in(access: &Access, tx: &mut Tx, id: PatientId, p: &model::Patient) -> Result<PersonId> {
    if let Some(n) = &p.id_number
        && let Some(on_file) = people::on_file_in(access, tx, n).await?
        && store::patient_of_person(tx, on_file.id).await?.is_some()
    {
        return Err(duplicate_id_number());
    }
    let (person_id, _) = people::upsert_in(access, tx, &person_of(p)).await?;
    let now = access.now();
    let write = PatientWrite {
        person_id,
        external_id: p.external_id.as_deref(),
        channel: &p.channel,
        registered_at: p.registered_at.unwrap_or(now),
        now,
    };
    store::insert_patient(tx, id, &write).await?;
    Ok(person_id)
}

/// Stores validated patient `p` over patient `id` (of person `person`), inside the caller's
/// transaction; each number as `p` has it, or kept as stored where `keep` says so.
pub(crate) async fn update_patient_in(
    access: &Access,
    tx: &mut Tx,
    (id, person): (PatientId, PersonId),
    p: &model::Patient,
    keep: (bool, bool),
) -> Result<()> {
    if let Some(e) = &p.external_id
        && store::patient_by_external_id(tx, e).await?.is_some_and(|other| other != id)
    {
        return Err(Error::invalid_field("external_id", "外部编号已被其他患者使用"));
    }
    let edit = PersonEdit {
        name: p.name.clone(),
        sex: p.sex,
        birth_date: p.birth,
        id_number: if keep.0 { Edit::Keep } else { Edit::Set(p.id_number) },
        phone: if keep.1 { Edit::Keep } else { Edit::Set(p.phone) },
    };
    people::update_in(access, tx, person, &edit).await?;
    let now = access.now();
    let write = PatientWrite {
        person_id: person,
        external_id: p.external_id.as_deref(),
        channel: &p.channel,
        registered_at: p.registered_at.unwrap_or(now),
        now,
    };
    store::update_patient(tx, id, &write).await?;
    Ok(())
}

pub async fn create_patient(access: &Access, draft: &PatientDraft) -> Result<PatientId> {
    access.require(Permission::MasterWrite)?;
    let p = model::patient(draft, access.now().local_day()).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    if let Some(e) = &p.external_id
        && store::patient_by_external_id(&mut tx, e).await?.is_some()
    {
        return Err(Error::invalid_field("external_id", "外部编号已被其他患者使用"));
    }
    let id = PatientId(tx.next_id(access.engine()).await?);
    insert_patient_in(access, &mut tx, id, &p).await?;
    let masked = p.id_number.as_ref().map(IdCardNumber::masked).unwrap_or_default();
    access.audit(&mut tx, "patient.create", &format!("patient:{id}"), &format!("{} {masked}", p.name)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a patient. A number sent back as the form showed it (masked), or an ID-card number
/// left empty, keeps the stored one; an emptied phone removes it.
pub async fn update_patient(access: &Access, id: PatientId, draft: &PatientDraft) -> Result<()> {
    access.require(Permission::MasterWrite)?;
    let mut draft = draft.clone();
    let mut tx = access.tenant().write().await?;
    let before = store::patient_by_id(&mut tx, id).await?.ok_or_else(|| Error::not_found("患者"))?;
    let keep_id = draft.id_number.trim().is_empty() || draft.id_number.trim() == before.id_number_masked;
    let keep_phone = draft.phone.trim() == before.phone_masked && !before.phone_masked.is_empty();
    if keep_id {
        draft.id_number.clear();
        if draft.sex.trim().is_empty() {
            draft.sex = before.sex.label_zh().to_string();
        }
    }
    if keep_phone {
        draft.phone.clear();
    }
    if draft.registered_at.trim().is_empty() {
        draft.registered_at = before.registered_at.to_string();
    }
    let p = model::patient(&draft, access.now().local_day()).map_err(Error::invalid)?;
    update_patient_in(access, &mut tx, (id, before.person_id), &p, (keep_id, keep_phone)).await?;
    let after = store::patient_by_id(&mut tx, id).await?.ok_or_else(|| Error::not_found("患者"))?;
    access.audit(&mut tx, "patient.update", &format!("patient:{id}"), &format!("{} {}", p.name, after.id_number_masked)).await?;
    tx.commit().await?;
    Ok(())
}

/// Counts for the dashboard; `None` when the user may not read master data.
pub async fn headline(access: &Access) -> Result<Option<[i64; 5]>> {
    if !access.can(Permission::MasterRead) {
        return Ok(None);
    }
    let today = access.now().local_day();
    let month_start = hops_kernel::PeriodRange::containing(hops_kernel::Period::Month, today).start;
    let mut c = access.tenant().read().await?;
    Ok(Some(store::counts(&mut c, month_start).await?))
}

/// New patients per month over the last 12 months (labels like "2026-03"), oldest first.
pub async fn monthly_registrations(access: &Access) -> Result<Vec<(String, i64)>> {
    access.require(Permission::MasterRead)?;
    let today = access.now().local_day();
    let mut month = hops_kernel::PeriodRange::containing(hops_kernel::Period::Month, today);
    let mut months = vec![month];
    for _ in 0..11 {
        month = month.previous();
        months.push(month);
    }
    months.reverse();
    let mut bounds: Vec<hops_kernel::LocalDay> = months.iter().map(|m| m.start).collect();
    bounds.push(months.last().expect("12 months").end_exclusive);
    let mut c = access.tenant().read().await?;
    let counts = store::registrations(&mut c, &bounds).await?;
    Ok(months.iter().zip(counts).map(|(m, n)| (format!("{}月", m.start.to_date().month()), n)).collect())
}

/// Patients per acquisition channel.
pub async fn patients_by_channel(access: &Access) -> Result<Vec<(String, i64)>> {
    access.require(Permission::MasterRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::by_channel(&mut c).await?.into_iter().map(|(ch, n)| (if ch.is_empty() { "未知".into() } else { ch }, n)).collect())
}

pub(crate) fn field_errors_to_rows(
    row: usize,
    errors: Vec<FieldError>,
    label: impl Fn(&str) -> String,
) -> Vec<hops_platform::tabular::RowError> {
    errors.into_iter().map(|e| hops_platform::tabular::RowError { row, column: label(&e.field), message: e.message }).collect()
}

// ---- lookups for other modules (they resolve references through this API, never our tables) ----

/// Patient ids by external id, for the given external ids (unknown ones are absent).
pub async fn patient_ids(access: &Access, external_ids: &[&str]) -> Result<std::collections::HashMap<String, PatientId>> {
    access.require(Permission::MasterRead)?;
    let mut c = access.tenant().read().await?;
    let mut out = std::collections::HashMap::with_capacity(external_ids.len());
    for chunk in external_ids.chunks(hops_platform::db::BINDS_PER_STATEMENT) {
        out.extend(store::patient_ids(&mut c, chunk).await?);
    }
    Ok(out)
}

/// Every doctor's id and department by doctor code.
pub async fn doctor_ids(access: &Access) -> Result<std::collections::HashMap<String, (DoctorId, DepartmentId)>> {
    access.require(Permission::MasterRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::doctor_ids(&mut c).await?)
}

/// Patients registered on the (Shanghai) days `[from, to)`.
pub async fn registrations_between(access: &Access, from: hops_kernel::LocalDay, to: hops_kernel::LocalDay) -> Result<i64> {
    access.require(Permission::MasterRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::registrations(&mut c, &[from, to]).await?[0])
}

/// Doctors in master data.
pub async fn doctor_count(access: &Access) -> Result<i64> {
    Ok(headline(access).await?.map(|h| h[1]).unwrap_or(0))
}

/// Every patient's external id and registration time, oldest first (for generators and syncs).
pub async fn patient_registrations(access: &Access) -> Result<Vec<(String, Instant)>> {
    access.require(Permission::MasterRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::registrations_list(&mut c).await?)
}
