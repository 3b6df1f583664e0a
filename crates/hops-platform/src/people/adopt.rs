//! The start-up step that gives every row of a person role (a patient, a checkup person) its
//! person: what the role's row held — name, sex, birth date and the two sealed numbers — moves
//! into [`super`]'s `people`, merged by ID-card number (a patient who also booked a checkup is
//! one person), and the role keeps `person_id`. Ciphertexts are bound to their rows, so they are
//! opened with the role's field and sealed anew for the person's row: this is Rust, not SQL.
//!
//! Rows are taken in batches, each in its own transaction, only those without a person yet, so
//! a start interrupted half-way resumes where it stopped; a finished installation records
//! `people = v1` in `installation` and later starts skip the work. Rows merged into one person
//! keep the name and phone of the later changed one; a phone set aside so is named, masked, in
//! the audit log (`person.adopt_merged`), as is a number that did not decrypt where it was
//! stored (`person.adopt_unreadable`). Nothing is logged by value.

use std::collections::HashMap;
use std::sync::Arc;

use hops_kernel::{HospitalId, IdCardNumber, LocalDay, PersonId, Phone, Sex};

use super::model::Person;
use super::{service, store};
use crate::Core;
use crate::crypto::Field;
use crate::error::Result;

/// The migration that drops the roles' own columns (and makes `person_id` required): the step
/// runs after every migration before it and before it.
pub const DROPS_ROLE_COLUMNS: i64 = 42;

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
    /// Numbers left behind because they did not decrypt where they were stored.
    pub unreadable: usize,
}

/// Gives every role row of `roles` its person, unless the installation records it as done.
pub async fn run(core: &Arc<Core>, roles: &[Role]) -> anyhow::Result<Report> {
    let db = core.db();
    // Done, or past the migration after which the roles' columns are gone (a database migrated
    // by other means than the application's start).
    if db.installation(DONE_NAME).await?.as_deref() == Some(DONE_VALUE) || db.migration_applied(DROPS_ROLE_COLUMNS).await? {
        return Ok(Report { already_done: true, ..Report::default() });
    }
    let hospitals = crate::accounts::service::all_hospitals(core).await?;
    let mut report = Report::default();
    for h in &hospitals {
        let mut seen = HashMap::new();
        for role in roles {
            adopt_role(core, h.id, role, &mut seen, &mut report).await?;
        }
    }
    db.set_installation(DONE_NAME, DONE_VALUE).await?;
    if report.adopted > 0 {
        tracing::info!(adopted = report.adopted, created = report.created, unreadable = report.unreadable, "role rows given their person");
    }
    Ok(report)
}

/// When a person was last changed as a role row said it, and where: of the rows merged into
/// one person, the later changed one gives the name and phone.
struct Seen {
    updated_at: i64,
    place: String,
}

async fn adopt_role(
    core: &Arc<Core>,
    hospital: HospitalId,
    role: &Role,
    seen: &mut HashMap<PersonId, Seen>,
    report: &mut Report,
) -> Result<()> {
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
            // A ciphertext that does not open here (a copy from another row, refused by the
            // re-encryption) was unreadable to the application already: the person is given
            // without it, and the audit log says where.
            let mut lost = Vec::new();
            let id_number = match r.id_number_enc.as_deref().map(|b| access.reveal(role.id_number, id, b)) {
                Some(Ok(clear)) => Some(IdCardNumber::parse(&clear, today).map_err(|_| unreadable("身份证号"))?),
                Some(Err(_)) => {
                    lost.push("身份证号");
                    None
                }
                None => None,
            };
            let phone = match r.phone_enc.as_deref().map(|b| access.reveal(role.phone, id, b)) {
                Some(Ok(clear)) => Some(Phone::parse(&clear).map_err(|_| unreadable("手机号"))?),
                Some(Err(_)) => {
                    lost.push("手机号");
                    None
                }
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
            let place = format!("{} 第 {id} 行", role.table);
            // Merged by ID-card number with a person adopted before: the later changed row
            // gives the name and phone (a person found without having been seen in this run
            // was adopted by an interrupted earlier start: the row at hand is taken as later).
            let on_file = match &person.id_number {
                Some(n) => service::on_file_in(&access, &mut tx, n).await?,
                None => None,
            };
            if let Some(p) = &on_file {
                let before = seen.get(&p.id);
                let later = before.is_none_or(|s| r.updated_at >= s.updated_at);
                if let Some(phone) = &person.phone
                    && !p.phone_masked.is_empty()
                    && !p.has_phone(&access, phone)
                {
                    let (kept, other) =
                        if later { (phone.masked(), p.phone_masked.clone()) } else { (p.phone_masked.clone(), phone.masked()) };
                    let earlier = before.map_or("此前合并的记录", |s| s.place.as_str());
                    let detail = format!("{place}与{earlier}为同一身份证号，合并为同一人员：保留较新的手机号 {kept}，不再使用 {other}");
                    access.audit(&mut tx, "person.adopt_merged", &format!("person:{}", p.id), &detail).await?;
                }
                if !later {
                    person.name = p.name.clone();
                    if !p.phone_masked.is_empty() {
                        person.phone = None;
                    }
                }
            }
            let (person_id, created) = service::upsert_in(&access, &mut tx, &person).await?;
            let newest = seen.get(&person_id).map_or(r.updated_at, |s| s.updated_at.max(r.updated_at));
            let place_of_newest = if newest == r.updated_at { place.clone() } else { seen[&person_id].place.clone() };
            seen.insert(person_id, Seen { updated_at: newest, place: place_of_newest });
            report.created += usize::from(created);
            if !lost.is_empty() {
                let detail = format!("{place}的{}无法解密（不属于该行的密文副本），未带入人员", lost.join("、"));
                access.audit(&mut tx, "person.adopt_unreadable", &format!("person:{person_id}"), &detail).await?;
                report.unreadable += lost.len();
            }
            // The role's own copies stay until the migration that drops them (after this step).
            store::set_person(&mut tx, role.table, id, person_id).await?;
            report.adopted += 1;
        }
        tx.commit().await?;
    }
}
