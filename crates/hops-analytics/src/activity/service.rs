//! Use cases of activity data: ingest (all or nothing, or good rows only), and the lookups other
//! modules read consultations through.

use std::collections::{HashMap, HashSet};

use hops_contracts::activity::{Consultation, Consultations};
use hops_kernel::{DepartmentId, Instant};
use hops_platform::jobs::BoxFuture;
use hops_platform::tabular::{Column, ImportReport, Mode, RowError, Table};
use hops_platform::{Access, Error, FieldError, Permission, Result};

use super::model::{self, Cells, Kind};
use super::store::{self, AppointmentRefs, ConsultationRefs, rollups};
use super::upkeep;

/// Every ingest kind, master data first (they go to the master module).
pub const INGEST_KINDS: &[&str] = &["departments", "doctors", "patients", "consultations", "appointments", "payments", "prescriptions"];

/// The columns of any ingest kind.
pub fn columns(slug: &str) -> Option<&'static [Column]> {
    match master_kind(slug) {
        Some(k) => Some(k.columns()),
        None => Kind::from_slug(slug).map(Kind::columns),
    }
}

/// The Chinese name of any ingest kind.
pub fn label_zh(slug: &str) -> &'static str {
    match master_kind(slug) {
        Some(k) => k.label_zh(),
        None => Kind::from_slug(slug).map(Kind::label_zh).unwrap_or("数据"),
    }
}

fn master_kind(slug: &str) -> Option<hops_master::import::Kind> {
    use hops_master::import::Kind as M;
    match slug {
        "departments" => Some(M::Departments),
        "doctors" => Some(M::Doctors),
        "patients" => Some(M::Patients),
        _ => None,
    }
}

/// Ingests a table of any kind (`departments` … `prescriptions`).
pub async fn ingest(access: &Access, slug: &str, table: &Table, mode: Mode) -> Result<ImportReport> {
    if let Some(k) = master_kind(slug) {
        return hops_master::import::import(access, k, table, mode).await;
    }
    let kind = Kind::from_slug(slug)
        .ok_or_else(|| Error::bad_request("unknown_kind", format!("未知的数据类型 {slug}，应为 {}", INGEST_KINDS.join("、"))))?;
    access.require(Permission::ActivityIngest)?;
    let mut report = ImportReport { total: table.rows.len(), ..Default::default() };
    let idx = match table.locate(kind.columns()) {
        Ok(i) => i,
        Err(e) => {
            report.rejected = e;
            return Ok(report);
        }
    };
    let rows: Vec<RowCells<'_>> = table.rows.iter().map(|r| RowCells { idx: &idx, columns: kind.columns(), row: r }).collect();
    match kind {
        Kind::Consultations => ingest_consultations(access, &rows, mode, &mut report).await?,
        Kind::Appointments => ingest_appointments(access, &rows, mode, &mut report).await?,
        Kind::Payments => ingest_payments(access, &rows, mode, &mut report).await?,
        Kind::Prescriptions => ingest_prescriptions(access, &rows, mode, &mut report).await?,
    }
    Ok(report)
}

struct RowCells<'a> {
    idx: &'a [Option<usize>],
    columns: &'static [Column],
    row: &'a [String],
}

impl Cells for RowCells<'_> {
    fn get(&self, key: &str) -> &str {
        self.columns
            .iter()
            .position(|c| c.key == key)
            .and_then(|i| self.idx[i])
            .and_then(|i| self.row.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

fn label(kind: Kind, field: &str) -> String {
    kind.columns().iter().find(|c| c.key == field).map(|c| c.label.to_string()).unwrap_or_else(|| field.to_string())
}

fn reject(report: &mut ImportReport, kind: Kind, row: usize, errors: Vec<FieldError>) {
    report.rejected.extend(errors.into_iter().map(|e| RowError { row, column: label(kind, &e.field), message: e.message }));
}

/// Parses every row and checks its references (`refs`, on the raw cells, so a row with a bad
/// value still gets its unknown codes reported); rows with an external id seen earlier in the
/// file are rejected. Every problem of every row is reported at once.
fn parse_all<'a, T>(
    kind: Kind,
    rows: &[RowCells<'a>],
    report: &mut ImportReport,
    parse: impl Fn(&RowCells<'a>) -> std::result::Result<T, Vec<FieldError>>,
    refs: impl Fn(&RowCells<'a>) -> Vec<FieldError>,
    external_id: impl Fn(&T) -> &str,
) -> Vec<(usize, T)> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let n = i + 2;
        let mut errors = refs(r);
        match parse(r) {
            Ok(v) if !seen.insert(external_id(&v).to_string()) => {
                errors.push(FieldError::new("external_id", format!("文件中编号 {} 重复", external_id(&v))));
                reject(report, kind, n, errors);
            }
            Ok(v) if errors.is_empty() => out.push((n, v)),
            Ok(_) => reject(report, kind, n, errors),
            Err(e) => {
                errors.splice(0..0, e);
                reject(report, kind, n, errors);
            }
        }
    }
    out
}

/// An unknown non-empty code of `field`, as a row problem.
fn check_ref<V>(r: &RowCells<'_>, field: &str, what: &str, known: &HashMap<String, V>, errors: &mut Vec<FieldError>) {
    let code = r.get(field).trim();
    if !code.is_empty() && !known.contains_key(code) {
        errors.push(unknown(field, what, code));
    }
}

async fn patients_of(access: &Access, ids: impl Iterator<Item = &str>) -> Result<HashMap<String, hops_kernel::PatientId>> {
    let distinct: Vec<&str> = ids.collect::<HashSet<_>>().into_iter().collect();
    hops_master::service::patient_ids(access, &distinct).await
}

async fn departments_of(access: &Access) -> Result<HashMap<String, DepartmentId>> {
    Ok(hops_master::service::department_choices(access).await?.into_iter().map(|(code, id, _)| (code, id)).collect())
}

fn unknown(field: &str, what: &str, code: &str) -> FieldError {
    FieldError::new(field, format!("{what} {code} 不存在（请先导入）"))
}

/// Whether to go on to writing: not when any row is bad and the file is all or nothing.
fn proceed(mode: Mode, report: &ImportReport) -> bool {
    mode == Mode::SkipBad || report.rejected.is_empty()
}

async fn finish(access: &Access, mut tx: hops_platform::Tx, kind: Kind, report: &mut ImportReport) -> Result<()> {
    let detail = format!("共 {} 行：新增 {}，更新 {}，拒绝 {} 行", report.total, report.inserted, report.updated, report.rejected_rows());
    access.audit(&mut tx, &format!("ingest.{}", kind.slug()), kind.slug(), &detail).await?;
    tx.commit().await?;
    report.committed = true;
    Ok(())
}

/// The master data a batch refers to: patients by external id, departments and doctors by code.
struct Refs {
    patients: HashMap<String, hops_kernel::PatientId>,
    departments: HashMap<String, DepartmentId>,
    doctors: HashMap<String, (hops_kernel::DoctorId, DepartmentId)>,
}

impl Refs {
    async fn load(access: &Access, rows: &[RowCells<'_>]) -> Result<Refs> {
        Ok(Refs {
            patients: patients_of(access, rows.iter().map(|r| r.get("patient_external_id").trim())).await?,
            departments: departments_of(access).await?,
            doctors: hops_master::service::doctor_ids(access).await?,
        })
    }

    /// Unknown patient, department and doctor codes of a row (empty optional codes pass).
    fn check(
        r: &RowCells<'_>,
        patients: &HashMap<String, hops_kernel::PatientId>,
        departments: &HashMap<String, DepartmentId>,
        doctors: &HashMap<String, (hops_kernel::DoctorId, DepartmentId)>,
    ) -> Vec<FieldError> {
        let mut e = Vec::new();
        check_ref(r, "patient_external_id", "患者编号", patients, &mut e);
        check_ref(r, "department_code", "科室编码", departments, &mut e);
        check_ref(r, "doctor_code", "医生工号", doctors, &mut e);
        e
    }
}

async fn ingest_consultations(access: &Access, rows: &[RowCells<'_>], mode: Mode, report: &mut ImportReport) -> Result<()> {
    let kind = Kind::Consultations;
    let Refs { patients, departments, doctors } = Refs::load(access, rows).await?;
    let refs = |r: &RowCells<'_>| Refs::check(r, &patients, &departments, &doctors);
    let parsed = parse_all(kind, rows, report, model::consultation, refs, |c| &c.external_id);
    if !proceed(mode, report) {
        return Ok(());
    }
    let valid: Vec<_> = parsed
        .into_iter()
        .map(|(_, c)| {
            let refs =
                ConsultationRefs { patient: patients[&c.patient], department: departments[&c.department], doctor: doctors[&c.doctor].0 };
            (c, refs)
        })
        .collect();
    let mut tx = access.tenant().write().await?;
    upkeep::lock(access, &mut tx).await?;
    let footprint: Vec<(&str, hops_kernel::LocalDay, i64)> =
        valid.iter().map(|(c, r)| (c.external_id.as_str(), c.created_at.local_day(), r.patient.0)).collect();
    let change = upkeep::before_consultations(&mut tx, &footprint).await?;
    let ids = tx.next_ids(access.engine(), valid.len()).await?;
    let now = access.now();
    let rows: Vec<_> = ids.into_iter().zip(valid.iter().map(|(c, refs)| (c, refs))).collect();
    for new in store::upsert_consultations(&mut tx, &rows, now).await? {
        report.count(new)
    }
    upkeep::after_consultations(&mut tx, change).await?;
    finish(access, tx, kind, report).await
}

async fn ingest_appointments(access: &Access, rows: &[RowCells<'_>], mode: Mode, report: &mut ImportReport) -> Result<()> {
    let kind = Kind::Appointments;
    let Refs { patients, departments, doctors } = Refs::load(access, rows).await?;
    let refs = |r: &RowCells<'_>| Refs::check(r, &patients, &departments, &doctors);
    let parsed = parse_all(kind, rows, report, model::appointment, refs, |a| &a.external_id);
    if !proceed(mode, report) {
        return Ok(());
    }
    let mut tx = access.tenant().write().await?;
    upkeep::lock(access, &mut tx).await?;
    let external: Vec<&str> = parsed.iter().map(|(_, a)| a.external_id.as_str()).collect();
    let days = upkeep::activity_days(&mut tx, &rollups::APPOINTMENTS, &external, parsed.iter().map(|(_, a)| a.booked_at)).await?;
    let ids = tx.next_ids(access.engine(), parsed.len()).await?;
    let now = access.now();
    let rows: Vec<_> = ids
        .into_iter()
        .zip(parsed.iter().map(|(_, a)| {
            let doctor = a.doctor.as_ref().map(|d| doctors[d].0);
            (a, AppointmentRefs { patient: patients[&a.patient], department: departments[&a.department], doctor })
        }))
        .collect();
    for new in store::upsert_appointments(&mut tx, &rows, now).await? {
        report.count(new)
    }
    upkeep::after_activity(&mut tx, &rollups::APPOINTMENTS, &days).await?;
    finish(access, tx, kind, report).await
}

async fn ingest_payments(access: &Access, rows: &[RowCells<'_>], mode: Mode, report: &mut ImportReport) -> Result<()> {
    let kind = Kind::Payments;
    let patients = patients_of(access, rows.iter().map(|r| r.get("patient_external_id").trim())).await?;
    let refs = |r: &RowCells<'_>| {
        let mut e = Vec::new();
        check_ref(r, "patient_external_id", "患者编号", &patients, &mut e);
        e
    };
    let parsed = parse_all(kind, rows, report, model::payment, refs, |p| &p.external_id);
    if !proceed(mode, report) {
        return Ok(());
    }
    let mut tx = access.tenant().write().await?;
    upkeep::lock(access, &mut tx).await?;
    let external: Vec<&str> = parsed.iter().map(|(_, p)| p.external_id.as_str()).collect();
    let days = upkeep::activity_days(&mut tx, &rollups::PAYMENTS, &external, parsed.iter().map(|(_, p)| p.paid_at)).await?;
    let ids = tx.next_ids(access.engine(), parsed.len()).await?;
    let now = access.now();
    let rows: Vec<_> = ids.into_iter().zip(parsed.iter().map(|(_, p)| (p, patients[&p.patient]))).collect();
    for new in store::upsert_payments(&mut tx, &rows, now).await? {
        report.count(new)
    }
    upkeep::after_activity(&mut tx, &rollups::PAYMENTS, &days).await?;
    finish(access, tx, kind, report).await
}

async fn ingest_prescriptions(access: &Access, rows: &[RowCells<'_>], mode: Mode, report: &mut ImportReport) -> Result<()> {
    let kind = Kind::Prescriptions;
    let wanted: Vec<&str> = rows.iter().map(|r| r.get("consultation_external_id").trim()).collect::<HashSet<_>>().into_iter().collect();
    let consultations: HashMap<String, i64> = {
        let mut c = access.tenant().read().await?;
        store::consultation_ids(&mut c, &wanted).await?.into_iter().collect()
    };
    let refs = |r: &RowCells<'_>| {
        let mut e = Vec::new();
        check_ref(r, "consultation_external_id", "问诊单号", &consultations, &mut e);
        e
    };
    let parsed = parse_all(kind, rows, report, model::prescription, refs, |p| &p.external_id);
    if !proceed(mode, report) {
        return Ok(());
    }
    let mut tx = access.tenant().write().await?;
    upkeep::lock(access, &mut tx).await?;
    let external: Vec<&str> = parsed.iter().map(|(_, p)| p.external_id.as_str()).collect();
    let issued = upkeep::activity_days(&mut tx, &rollups::PRESCRIPTIONS_ISSUED, &external, parsed.iter().map(|(_, p)| p.issued_at)).await?;
    let delivered =
        upkeep::activity_days(&mut tx, &rollups::PRESCRIPTIONS_DELIVERED, &external, parsed.iter().filter_map(|(_, p)| p.delivered_at))
            .await?;
    let ids = tx.next_ids(access.engine(), parsed.len()).await?;
    let now = access.now();
    let rows: Vec<_> = ids.into_iter().zip(parsed.iter().map(|(_, p)| (p, consultations[&p.consultation]))).collect();
    for new in store::upsert_prescriptions(&mut tx, &rows, now).await? {
        report.count(new)
    }
    upkeep::after_activity(&mut tx, &rollups::PRESCRIPTIONS_ISSUED, &issued).await?;
    upkeep::after_activity(&mut tx, &rollups::PRESCRIPTIONS_DELIVERED, &delivered).await?;
    finish(access, tx, kind, report).await
}

// ---- lookups for other modules (the desk's follow-up and complaints read consultations here) ----

/// Consultations are read by analysts and by service-desk staff who follow patients up.
fn require_consultation_read(access: &Access) -> Result<()> {
    if access.can(Permission::AnalyticsRead) || access.can(Permission::DeskWork) { Ok(()) } else { Err(Error::forbidden()) }
}

/// Consultations as other modules read them ([`hops_contracts::activity::Consultations`]).
pub struct ConsultationsService;

fn consultation(mut c: Consultation) -> Consultation {
    c.review_reasons = super::reviews::reasons(&c.review);
    c
}

impl Consultations for ConsultationsService {
    /// Completed in `[from, to)` (a window of at most 30 days).
    fn completed_between<'a>(&'a self, access: &'a Access, from: Instant, to: Instant) -> BoxFuture<'a, Result<Vec<Consultation>>> {
        Box::pin(async move {
            require_consultation_read(access)?;
            let mut c = access.tenant().read().await?;
            Ok(store::completed_between(&mut c, from, to, 30 * 86_400 * 1_000_000).await?.into_iter().map(consultation).collect())
        })
    }

    fn by_number<'a>(&'a self, access: &'a Access, number: &'a str) -> BoxFuture<'a, Result<Option<Consultation>>> {
        Box::pin(async move {
            require_consultation_read(access)?;
            let mut c = access.tenant().read().await?;
            Ok(store::consultation_by_external_id(&mut c, number.trim()).await?.map(consultation))
        })
    }

    fn review_reason_families(&self) -> Vec<&'static str> {
        crate::activity::reviews::REASONS.iter().map(|(r, _)| *r).collect()
    }
}
