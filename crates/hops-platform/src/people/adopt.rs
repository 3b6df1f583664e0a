//! The start-up step that gives every row of a person role (a patient, a checkup person) its
//! person: what the role's row held — name, sex, birth date and the two sealed numbers — moves
//! into [`super`]'s `people`, merged by ID-card number (a patient who also booked a checkup is
//! one person), and the role keeps `person_id`. Ciphertexts are bound to their rows, so they are
//! opened with the role's field and sealed anew for the person's row: this is Rust, not SQL.
//!
//! Rows are taken in batches, each in its own transaction, only those without a person yet, so
//! a start interrupted half-way resumes where it stopped; a finished installation records
//! `people = v1` in `installation` and later starts skip the work. Nothing is logged by value.

use std::sync::Arc;

use hops_kernel::{HospitalId, IdCardNumber, LocalDay, Phone, Sex};

use super::model::Person;
use super::{service, store};
use crate::Core;
use crate::crypto::Field;
use crate::error::Result;

/// The `installation` row recording that every role row has its person.
pub const DONE_NAME: &str = "people";
const DONE_VALUE: &str = "v1";
const BATCH: i64 = 200;

/// A table whose rows are a role of a person. It has the conventional columns `id`, `name`,
/// `sex`, `birth_date`, `id_number_enc`/`_bidx`/`_masked`, `phone_enc`/`_bidx`/`_masked` and
/// `person_id`; its numbers were sealed with these fields.
#[derive(Clone, Copy, Debug)]
pub struct Role {
    pub table: &'static str,
    pub id_number: Field,
    pub phone: Field,
}

/// What the step did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub already_done: bool,
    /// Role rows given a person.
    pub adopted: usize,
    /// People created (fewer than `adopted` when rows merged by ID-card number).
    pub created: usize,
}

/// Gives every role row of `roles` its person, unless the installation records it as done.
pub async fn run(core: &Arc<Core>, roles: &[Role]) -> anyhow::Result<Report> {
    let system = core.db().system();
    {
        let mut c = system.read().await?;
        let done: Option<String> =
            sqlx::query_scalar("SELECT value FROM installation WHERE name = $1").bind(DONE_NAME).fetch_optional(&mut *c).await?;
        if done.as_deref() == Some(DONE_VALUE) {
            return Ok(Report { already_done: true, ..Report::default() });
        }
    }
    let hospitals = crate::accounts::service::all_hospitals(core).await?;
    let mut report = Report::default();
    for h in &hospitals {
        for role in roles {
            adopt_role(core, h.id, role, &mut report).await?;
        }
    }
    let mut tx = system.write().await?;
    sqlx::query("DELETE FROM installation WHERE name = $1").bind(DONE_NAME).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO installation (name, value) VALUES ($1, $2)").bind(DONE_NAME).bind(DONE_VALUE).execute(&mut *tx).await?;
    tx.commit().await?;
    if report.adopted > 0 {
        tracing::info!(adopted = report.adopted, created = report.created, "role rows given their person");
    }
    Ok(report)
}

async fn adopt_role(core: &Arc<Core>, hospital: HospitalId, role: &Role, report: &mut Report) -> Result<()> {
    let access = core.act_as_system(hospital);
    let today = access.now().local_day();
    loop {
        let mut tx = access.tenant().write().await?;
        let rows = store::roles_without_person(&mut tx, role.table, BATCH).await?;
        if rows.is_empty() {
            return Ok(());
        }
        for r in &rows {
            let id = r.id;
            // A number that no longer reads stops the step (named by place, never by value)
            // rather than being dropped: nothing accepted is lost.
            let unreadable = |what: &str| {
                crate::error::Error::Internal(anyhow::anyhow!(
                    "{} 第 {id} 行（医院 {hospital}）的{what}不是有效号码，请核对后重新启动",
                    role.table
                ))
            };
            let id_number = match &r.id_number_enc {
                Some(b) => Some(IdCardNumber::parse(&access.reveal(role.id_number, id, b)?, today).map_err(|_| unreadable("身份证号"))?),
                None => None,
            };
            let phone = match &r.phone_enc {
                Some(b) => Some(Phone::parse(&access.reveal(role.phone, id, b)?).map_err(|_| unreadable("手机号"))?),
                None => None,
            };
            let mut person = Person {
                name: r.name.clone(),
                sex: Sex::from_code(&r.sex).or_else(|| id_number.as_ref().map(IdCardNumber::sex)).unwrap_or(Sex::Male),
                birth_date: r.birth_date.map(LocalDay),
                id_number,
                phone,
            };
            // What the number says wins over what was typed beside it (a person checks).
            if let Some(n) = &person.id_number {
                person.sex = n.sex();
                person.birth_date = Some(n.birth_date());
            }
            if person.name.trim().is_empty() {
                person.name = "（未登记姓名）".into();
            }
            let (person_id, created) = service::upsert_in(&access, &mut tx, &person).await?;
            report.created += usize::from(created);
            // The role's own copies stay until the migration that drops them (after this step).
            store::set_person(&mut tx, role.table, id, person_id).await?;
            report.adopted += 1;
        }
        tx.commit().await?;
    }
}
