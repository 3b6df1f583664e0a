//! SQL of master data. Every statement runs on a tenant-bound connection (`$1` = hospital).

use hops_kernel::{DepartmentId, DoctorId, Instant, LocalDay, PatientId, PersonId, Sex};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;
use sqlx::any::AnyRow;

// ---- departments ----

#[derive(Clone, Debug)]
pub struct DepartmentRow {
    pub id: DepartmentId,
    pub code: String,
    pub name: String,
    pub category: String,
    pub online: bool,
    pub doctors: i64,
    pub updated_at: Instant,
}

fn department(r: &AnyRow) -> sqlx::Result<DepartmentRow> {
    Ok(DepartmentRow {
        id: DepartmentId(r.try_get("id")?),
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        category: r.try_get("category")?,
        online: r.try_get::<i16, _>("online")? != 0,
        doctors: r.try_get("doctors")?,
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

const DEPT_SELECT: &str = "SELECT d.id, d.code, d.name, d.category, d.online, d.updated_at, \
    (SELECT COUNT(*) FROM doctors x WHERE x.hospital_id = d.hospital_id AND x.department_id = d.id) AS doctors \
    FROM departments d";

pub async fn list_departments<C: Conn>(c: &mut Scoped<C>, q: &str, offset: i64, limit: i64) -> sqlx::Result<(Vec<DepartmentRow>, i64)> {
    let like = hops_platform::db::contains_pattern(q);
    let total: i64 = c
        .query(
            "SELECT COUNT(*) FROM departments WHERE hospital_id = $1 AND ($2 = '' OR code LIKE $3 ESCAPE '\\' OR name LIKE $3 ESCAPE '\\')",
        )
        .bind(q)
        .bind(&like)
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    let rows = c
        .query_built(format!(
            "{DEPT_SELECT} WHERE d.hospital_id = $1 AND ($2 = '' OR d.code LIKE $3 ESCAPE '\\' OR d.name LIKE $3 ESCAPE '\\') ORDER BY d.code LIMIT $4 OFFSET $5"
        ))
        .bind(q)
        .bind(&like)
        .bind(limit)
        .bind(offset)
        .fetch_all(c.conn())
        .await?;
    Ok((rows.iter().map(department).collect::<sqlx::Result<_>>()?, total))
}

pub async fn department_by_id<C: Conn>(c: &mut Scoped<C>, id: DepartmentId) -> sqlx::Result<Option<DepartmentRow>> {
    let r = c.query_built(format!("{DEPT_SELECT} WHERE d.hospital_id = $1 AND d.id = $2")).bind(id.0).fetch_optional(c.conn()).await?;
    r.as_ref().map(department).transpose()
}

/// Department ids by code, for resolving doctors' department codes.
pub async fn department_ids<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<(String, DepartmentId, String)>> {
    let rows = c.query("SELECT code, id, name FROM departments WHERE hospital_id = $1").fetch_all(c.conn()).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, DepartmentId(r.try_get(1)?), r.try_get(2)?))).collect()
}

pub struct DepartmentWrite<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub category: &'a str,
    pub online: bool,
    pub now: Instant,
}

/// Inserts, or updates the department with the same code. Returns its id and whether it is new.
pub async fn upsert_department(tx: &mut Tx, new_id: DepartmentId, d: DepartmentWrite<'_>) -> sqlx::Result<(DepartmentId, bool)> {
    let r = tx
        .query(
            "INSERT INTO departments (hospital_id, id, code, name, category, online, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
             ON CONFLICT (hospital_id, code) DO UPDATE SET name = excluded.name, category = excluded.category, online = excluded.online, updated_at = excluded.updated_at \
             RETURNING id",
        )
        .bind(new_id.0)
        .bind(d.code)
        .bind(d.name)
        .bind(d.category)
        .bind(i16::from(d.online))
        .bind(d.now.0)
        .fetch_one(tx.conn())
        .await?;
    let id = DepartmentId(r.try_get(0)?);
    Ok((id, id == new_id))
}

pub async fn update_department(tx: &mut Tx, id: DepartmentId, d: DepartmentWrite<'_>) -> sqlx::Result<u64> {
    let r = tx
        .query(
            "UPDATE departments SET code = $3, name = $4, category = $5, online = $6, updated_at = $7 WHERE hospital_id = $1 AND id = $2",
        )
        .bind(id.0)
        .bind(d.code)
        .bind(d.name)
        .bind(d.category)
        .bind(i16::from(d.online))
        .bind(d.now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected())
}

// ---- doctors ----

#[derive(Clone, Debug)]
pub struct DoctorRow {
    pub id: DoctorId,
    pub code: String,
    pub name: String,
    pub department_id: DepartmentId,
    pub department_code: String,
    pub department_name: String,
    pub title: String,
    pub specialty: String,
    pub online_clinic: bool,
    pub updated_at: Instant,
}

fn doctor(r: &AnyRow) -> sqlx::Result<DoctorRow> {
    Ok(DoctorRow {
        id: DoctorId(r.try_get("id")?),
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        department_id: DepartmentId(r.try_get("department_id")?),
        department_code: r.try_get("department_code")?,
        department_name: r.try_get("department_name")?,
        title: r.try_get("title")?,
        specialty: r.try_get("specialty")?,
        online_clinic: r.try_get::<i16, _>("online_clinic")? != 0,
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

const DOC_SELECT: &str = "SELECT o.id, o.code, o.name, o.department_id, d.code AS department_code, d.name AS department_name, \
    o.title, o.specialty, o.online_clinic, o.updated_at \
    FROM doctors o JOIN departments d ON d.hospital_id = o.hospital_id AND d.id = o.department_id";

pub struct DoctorFilter<'a> {
    pub q: &'a str,
    pub department: Option<DepartmentId>,
    pub title: &'a str,
}

pub async fn list_doctors<C: Conn>(
    c: &mut Scoped<C>,
    f: &DoctorFilter<'_>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Vec<DoctorRow>, i64)> {
    let like = hops_platform::db::contains_pattern(f.q);
    let dept = f.department.map(|d| d.0).unwrap_or(0);
    let filter = "o.hospital_id = $1 AND ($2 = '' OR o.code LIKE $3 ESCAPE '\\' OR o.name LIKE $3 ESCAPE '\\' OR o.specialty LIKE $3 ESCAPE '\\') AND ($4 = 0 OR o.department_id = $4) AND ($5 = '' OR o.title = $5)";
    let total: i64 = c
        .query_built(format!("SELECT COUNT(*) FROM doctors o WHERE {filter}"))
        .bind(f.q)
        .bind(&like)
        .bind(dept)
        .bind(f.title)
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    let rows = c
        .query_built(format!("{DOC_SELECT} WHERE {filter} ORDER BY d.code, o.code LIMIT $6 OFFSET $7"))
        .bind(f.q)
        .bind(&like)
        .bind(dept)
        .bind(f.title)
        .bind(limit)
        .bind(offset)
        .fetch_all(c.conn())
        .await?;
    Ok((rows.iter().map(doctor).collect::<sqlx::Result<_>>()?, total))
}

pub async fn doctor_by_id<C: Conn>(c: &mut Scoped<C>, id: DoctorId) -> sqlx::Result<Option<DoctorRow>> {
    let r = c.query_built(format!("{DOC_SELECT} WHERE o.hospital_id = $1 AND o.id = $2")).bind(id.0).fetch_optional(c.conn()).await?;
    r.as_ref().map(doctor).transpose()
}

pub struct DoctorWrite<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub department_id: DepartmentId,
    pub title: &'a str,
    pub specialty: &'a str,
    pub online_clinic: bool,
    pub now: Instant,
}

pub async fn upsert_doctor(tx: &mut Tx, new_id: DoctorId, d: DoctorWrite<'_>) -> sqlx::Result<(DoctorId, bool)> {
    let r = tx
        .query(
            "INSERT INTO doctors (hospital_id, id, code, name, department_id, title, specialty, online_clinic, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
             ON CONFLICT (hospital_id, code) DO UPDATE SET name = excluded.name, department_id = excluded.department_id, title = excluded.title, \
             specialty = excluded.specialty, online_clinic = excluded.online_clinic, updated_at = excluded.updated_at RETURNING id",
        )
        .bind(new_id.0)
        .bind(d.code)
        .bind(d.name)
        .bind(d.department_id.0)
        .bind(d.title)
        .bind(d.specialty)
        .bind(i16::from(d.online_clinic))
        .bind(d.now.0)
        .fetch_one(tx.conn())
        .await?;
    let id = DoctorId(r.try_get(0)?);
    Ok((id, id == new_id))
}

pub async fn update_doctor(tx: &mut Tx, id: DoctorId, d: DoctorWrite<'_>) -> sqlx::Result<u64> {
    let r = tx
        .query(
            "UPDATE doctors SET code = $3, name = $4, department_id = $5, title = $6, specialty = $7, online_clinic = $8, updated_at = $9 \
             WHERE hospital_id = $1 AND id = $2",
        )
        .bind(id.0)
        .bind(d.code)
        .bind(d.name)
        .bind(d.department_id.0)
        .bind(d.title)
        .bind(d.specialty)
        .bind(i16::from(d.online_clinic))
        .bind(d.now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected())
}

// ---- patients ----

/// A patient as read: the role's own columns and its person's (numbers masked).
#[derive(Clone, Debug)]
pub struct PatientRow {
    pub id: PatientId,
    pub person_id: PersonId,
    pub external_id: Option<String>,
    pub name: String,
    pub sex: Sex,
    pub birth: Option<LocalDay>,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub channel: String,
    pub registered_at: Instant,
    pub updated_at: Instant,
}

fn patient(r: &AnyRow) -> sqlx::Result<PatientRow> {
    let sex: String = r.try_get("sex")?;
    Ok(PatientRow {
        id: PatientId(r.try_get("id")?),
        person_id: PersonId(r.try_get("person_id")?),
        external_id: r.try_get("external_id")?,
        name: r.try_get("name")?,
        sex: Sex::from_code(&sex).unwrap_or(Sex::Female),
        birth: r.try_get::<Option<i32>, _>("birth_date")?.map(LocalDay),
        id_number_masked: r.try_get("id_number_masked")?,
        phone_masked: r.try_get("phone_masked")?,
        channel: r.try_get("channel")?,
        registered_at: Instant(r.try_get("registered_at")?),
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

/// A patient's columns: the role's (`patients`) and its person's (`people`, the platform's
/// registry, read here and written only through `hops_platform::people::service`).
const PAT_COLS: &str = "patients.id, patients.person_id, patients.external_id, pe.name, pe.sex, pe.birth_date, pe.id_number_masked, \
                        pe.phone_masked, patients.channel, patients.registered_at, \
                        CASE WHEN pe.updated_at > patients.updated_at THEN pe.updated_at ELSE patients.updated_at END AS updated_at";
const PAT_FROM: &str = "patients JOIN people pe ON pe.hospital_id = patients.hospital_id AND pe.id = patients.person_id";

pub struct PatientFilter<'a> {
    /// Name or external id, partial.
    pub q: &'a str,
    /// Blind indexes (people's) of the search text as an exact ID-card and as a phone number;
    /// empty when it is not one.
    pub id_bidx: &'a str,
    pub phone_bidx: &'a str,
    pub sex: &'a str,
    pub channel: &'a str,
    /// The caller's data scope: `None` every patient, else those with a consultation in one of
    /// these departments.
    pub departments: Option<&'a [DepartmentId]>,
}

/// The SQL condition of a data scope on `patients` (ids are numbers, written in the statement).
fn in_departments(departments: Option<&[DepartmentId]>) -> String {
    match departments {
        None => String::new(),
        Some([]) => " AND 1 = 0".to_string(),
        Some(ids) => {
            let list = ids.iter().map(|d| d.0.to_string()).collect::<Vec<_>>().join(",");
            format!(
                " AND EXISTS (SELECT 1 FROM consultations sc WHERE sc.hospital_id = patients.hospital_id \
                 AND sc.patient_id = patients.id AND sc.department_id IN ({list}))"
            )
        }
    }
}

pub async fn list_patients<C: Conn>(
    c: &mut Scoped<C>,
    f: &PatientFilter<'_>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Vec<PatientRow>, i64)> {
    let like = hops_platform::db::contains_pattern(f.q);
    let filter = format!(
        "patients.hospital_id = $1 AND ($2 = '' OR pe.name LIKE $3 ESCAPE '\\' OR patients.external_id LIKE $3 ESCAPE '\\' \
         OR pe.id_number_bidx = $4 OR pe.phone_bidx = $5) AND ($6 = '' OR pe.sex = $6) AND ($7 = '' OR patients.channel = $7){}",
        in_departments(f.departments)
    );
    let total: i64 = c
        .query_built(format!("SELECT COUNT(*) FROM {PAT_FROM} WHERE {filter}"))
        .bind(f.q)
        .bind(&like)
        .bind(f.id_bidx)
        .bind(f.phone_bidx)
        .bind(f.sex)
        .bind(f.channel)
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    let rows = c
        .query_built(format!(
            "SELECT {PAT_COLS} FROM {PAT_FROM} WHERE {filter} ORDER BY patients.registered_at DESC, patients.id DESC LIMIT $8 OFFSET $9"
        ))
        .bind(f.q)
        .bind(&like)
        .bind(f.id_bidx)
        .bind(f.phone_bidx)
        .bind(f.sex)
        .bind(f.channel)
        .bind(limit)
        .bind(offset)
        .fetch_all(c.conn())
        .await?;
    Ok((rows.iter().map(patient).collect::<sqlx::Result<_>>()?, total))
}

pub async fn patient_by_id<C: Conn>(c: &mut Scoped<C>, id: PatientId) -> sqlx::Result<Option<PatientRow>> {
    patient_in_scope(c, id, None).await
}

/// A patient within a data scope ([`PatientFilter::departments`]); `None` outside it.
pub async fn patient_in_scope<C: Conn>(
    c: &mut Scoped<C>,
    id: PatientId,
    departments: Option<&[DepartmentId]>,
) -> sqlx::Result<Option<PatientRow>> {
    let r = c
        .query_built(format!(
            "SELECT {PAT_COLS} FROM {PAT_FROM} WHERE patients.hospital_id = $1 AND patients.id = $2{}",
            in_departments(departments)
        ))
        .bind(id.0)
        .fetch_optional(c.conn())
        .await?;
    r.as_ref().map(patient).transpose()
}

/// The patient with this external id.
pub async fn patient_by_external_id<C: Conn>(c: &mut Scoped<C>, external_id: &str) -> sqlx::Result<Option<PatientId>> {
    let r =
        c.query("SELECT id FROM patients WHERE hospital_id = $1 AND external_id = $2").bind(external_id).fetch_optional(c.conn()).await?;
    r.map(|r| Ok(PatientId(r.try_get(0)?))).transpose()
}

/// The patient role of a person, if they have one.
pub async fn patient_of_person<C: Conn>(c: &mut Scoped<C>, person: PersonId) -> sqlx::Result<Option<PatientId>> {
    let r = c.query("SELECT id FROM patients WHERE hospital_id = $1 AND person_id = $2").bind(person.0).fetch_optional(c.conn()).await?;
    r.map(|r| Ok(PatientId(r.try_get(0)?))).transpose()
}

/// A patient role as stored (the person is written through the people service).
pub struct PatientWrite<'a> {
    pub person_id: PersonId,
    pub external_id: Option<&'a str>,
    pub channel: &'a str,
    pub registered_at: Instant,
    pub now: Instant,
}

/// Binds a patient's columns as `$3…$7` (after `$1` hospital and `$2` id).
fn bind_patient(q: hops_platform::db::Q, p: &PatientWrite<'_>) -> hops_platform::db::Q {
    q.bind(p.person_id.0).bind(p.external_id.map(str::to_string)).bind(p.channel.to_string()).bind(p.registered_at.0).bind(p.now.0)
}

pub async fn insert_patient(tx: &mut Tx, id: PatientId, p: &PatientWrite<'_>) -> sqlx::Result<()> {
    let q = tx
        .query(
            "INSERT INTO patients (hospital_id, id, person_id, external_id, channel, registered_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(id.0);
    bind_patient(q, p).execute(tx.conn()).await?;
    count_registration(tx, p.registered_at, p.channel, 1).await
}

/// Adds `n` to the registrations of a day and channel (`patient_daily`, migration 0009): every
/// patient write goes through [`insert_patient`] or [`update_patient`], which keep it exact.
async fn count_registration(tx: &mut Tx, at: Instant, channel: &str, n: i64) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO patient_daily (hospital_id, day, channel, registrations) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (hospital_id, day, channel) DO UPDATE SET registrations = patient_daily.registrations + excluded.registrations",
    )
    .bind(at.local_day().0)
    .bind(channel.to_string())
    .bind(n)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn update_patient(tx: &mut Tx, id: PatientId, p: &PatientWrite<'_>) -> sqlx::Result<u64> {
    let old = tx
        .query("SELECT registered_at, channel FROM patients WHERE hospital_id = $1 AND id = $2")
        .bind(id.0)
        .fetch_optional(tx.conn())
        .await?
        .map(|r| Ok::<_, sqlx::Error>((Instant(r.try_get(0)?), r.try_get::<String, _>(1)?)))
        .transpose()?;
    if let Some((at, channel)) = old {
        count_registration(tx, at, &channel, -1).await?;
        count_registration(tx, p.registered_at, p.channel, 1).await?;
    }
    let q = tx
        .query(
            "UPDATE patients SET person_id = $3, external_id = $4, channel = $5, registered_at = $6, updated_at = $7 \
             WHERE hospital_id = $1 AND id = $2",
        )
        .bind(id.0);
    Ok(bind_patient(q, p).execute(tx.conn()).await?.rows_affected())
}

pub async fn channels<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<String>> {
    let rows = c
        .query("SELECT DISTINCT channel FROM patients WHERE hospital_id = $1 AND channel <> '' ORDER BY channel")
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

/// Headline counts: departments, doctors, online doctors, patients, patients registered since `since`.
pub async fn counts<C: Conn>(c: &mut Scoped<C>, since: LocalDay) -> sqlx::Result<[i64; 5]> {
    let r = c
        .query(
            "SELECT (SELECT COUNT(*) FROM departments WHERE hospital_id = $1), \
                    (SELECT COUNT(*) FROM doctors WHERE hospital_id = $1), \
                    (SELECT COUNT(*) FROM doctors WHERE hospital_id = $1 AND online_clinic = 1), \
                    (SELECT CAST(COALESCE(SUM(registrations), 0) AS BIGINT) FROM patient_daily WHERE hospital_id = $1), \
                    (SELECT CAST(COALESCE(SUM(registrations), 0) AS BIGINT) FROM patient_daily WHERE hospital_id = $1 AND day >= $2)",
        )
        .bind(since.0)
        .fetch_one(c.conn())
        .await?;
    Ok([r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?, r.try_get(4)?])
}

/// Patients registered on the days `[bounds[i], bounds[i + 1])` (Shanghai), for each i.
pub async fn registrations<C: Conn>(c: &mut Scoped<C>, bounds: &[LocalDay]) -> sqlx::Result<Vec<i64>> {
    let mut out = Vec::with_capacity(bounds.len().saturating_sub(1));
    for w in bounds.windows(2) {
        let n: i64 = c
            .query(
                "SELECT CAST(COALESCE(SUM(registrations), 0) AS BIGINT) FROM patient_daily WHERE hospital_id = $1 AND day >= $2 AND day < $3",
            )
            .bind(w[0].0)
            .bind(w[1].0)
            .fetch_one(c.conn())
            .await?
            .try_get(0)?;
        out.push(n);
    }
    Ok(out)
}

/// Patients per acquisition channel, largest first.
pub async fn by_channel<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = c
        .query(
            "SELECT channel, CAST(SUM(registrations) AS BIGINT) AS n FROM patient_daily WHERE hospital_id = $1 \
             GROUP BY channel HAVING SUM(registrations) > 0 ORDER BY n DESC, channel",
        )
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

pub async fn patient_ids<C: Conn>(c: &mut Scoped<C>, external_ids: &[&str]) -> sqlx::Result<Vec<(String, PatientId)>> {
    if external_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..external_ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!("SELECT external_id, id FROM patients WHERE hospital_id = $1 AND external_id IN ({})", placeholders.join(", "));
    let mut q = c.query_built(sql);
    for e in external_ids {
        q = q.bind(e.to_string());
    }
    let rows = q.fetch_all(c.conn()).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, PatientId(r.try_get(1)?)))).collect()
}

/// Ids of the departments with these codes (unknown codes are left out).
pub async fn department_ids_of<C: Conn>(c: &mut Scoped<C>, codes: &[String]) -> sqlx::Result<Vec<DepartmentId>> {
    let mut ids = Vec::new();
    for code in codes {
        let r = c.query("SELECT id FROM departments WHERE hospital_id = $1 AND code = $2").bind(code).fetch_optional(c.conn()).await?;
        if let Some(r) = r {
            ids.push(DepartmentId(r.try_get(0)?));
        }
    }
    Ok(ids)
}

/// The department of the doctor with this code, if there is one.
pub async fn doctor_department<C: Conn>(c: &mut Scoped<C>, code: &str) -> sqlx::Result<Option<DepartmentId>> {
    let r = c.query("SELECT department_id FROM doctors WHERE hospital_id = $1 AND code = $2").bind(code).fetch_optional(c.conn()).await?;
    r.map(|r| r.try_get(0).map(DepartmentId)).transpose()
}

pub async fn doctor_ids<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<std::collections::HashMap<String, (DoctorId, DepartmentId)>> {
    let rows = c.query("SELECT code, id, department_id FROM doctors WHERE hospital_id = $1").fetch_all(c.conn()).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, (DoctorId(r.try_get(1)?), DepartmentId(r.try_get(2)?))))).collect()
}

/// Every patient's external id and registration time, oldest first (patients without an
/// external id are left out).
pub async fn registrations_list<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<(String, Instant)>> {
    let rows = c
        .query(
            "SELECT external_id, registered_at FROM patients WHERE hospital_id = $1 AND external_id IS NOT NULL ORDER BY registered_at, id",
        )
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, Instant(r.try_get(1)?)))).collect()
}
