//! SQL of people.

use hops_kernel::{Instant, LocalDay, PersonId, Sex};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::core::Tx;
use crate::db::{Conn, Scoped};

/// A person as stored: numbers masked, their ciphertexts beside for the one who may reveal.
#[derive(Clone, Debug)]
pub struct PersonRow {
    pub id: PersonId,
    pub name: String,
    pub sex: Sex,
    pub birth_date: Option<LocalDay>,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub(crate) id_number_enc: Option<Vec<u8>>,
    pub(crate) phone_enc: Option<Vec<u8>>,
    pub(crate) phone_bidx: Option<String>,
    pub created_at: Instant,
    pub updated_at: Instant,
}

const COLS: &str =
    "id, name, sex, birth_date, id_number_masked, phone_masked, id_number_enc, phone_enc, phone_bidx, created_at, updated_at";

fn person(r: &AnyRow) -> sqlx::Result<PersonRow> {
    let sex: String = r.try_get("sex")?;
    Ok(PersonRow {
        id: PersonId(r.try_get("id")?),
        name: r.try_get("name")?,
        sex: Sex::from_code(&sex).unwrap_or(Sex::Male),
        birth_date: r.try_get::<Option<i32>, _>("birth_date")?.map(LocalDay),
        id_number_masked: r.try_get("id_number_masked")?,
        phone_masked: r.try_get("phone_masked")?,
        id_number_enc: r.try_get("id_number_enc")?,
        phone_enc: r.try_get("phone_enc")?,
        phone_bidx: r.try_get("phone_bidx")?,
        created_at: Instant(r.try_get("created_at")?),
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

/// A person's columns as written: numbers already sealed (or absent).
pub struct PersonWrite<'a> {
    pub name: &'a str,
    pub sex: Sex,
    pub birth_date: Option<LocalDay>,
    /// `(enc, bidx, masked)`
    pub id_number: Option<(&'a [u8], &'a str, &'a str)>,
    pub phone: Option<(&'a [u8], &'a str, &'a str)>,
    pub now: Instant,
}

pub async fn insert(tx: &mut Tx, id: PersonId, p: &PersonWrite<'_>) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO people (hospital_id, id, name, sex, birth_date, id_number_enc, id_number_bidx, id_number_masked, \
         phone_enc, phone_bidx, phone_masked, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(id.0)
    .bind(p.name.to_string())
    .bind(p.sex.code())
    .bind(p.birth_date.map(|d| d.0))
    .bind(p.id_number.map(|n| n.0.to_vec()))
    .bind(p.id_number.map(|n| n.1.to_string()))
    .bind(p.id_number.map_or(String::new(), |n| n.2.to_string()))
    .bind(p.phone.map(|n| n.0.to_vec()))
    .bind(p.phone.map(|n| n.1.to_string()))
    .bind(p.phone.map_or(String::new(), |n| n.2.to_string()))
    .bind(p.now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Updates name, sex and birth date, and the numbers: each number not given is kept, or with
/// `replace` removed.
pub async fn update(tx: &mut Tx, id: PersonId, p: &PersonWrite<'_>, replace: bool) -> sqlx::Result<bool> {
    let set = |col: &str, n: u8| if replace { format!("{col} = ${n}") } else { format!("{col} = COALESCE(${n}, {col})") };
    let masked = |col: &str, n: u8| if replace { format!("{col} = COALESCE(${n}, '')") } else { format!("{col} = COALESCE(${n}, {col})") };
    let r = tx
        .query_built(format!(
            "UPDATE people SET name = $3, sex = $4, birth_date = $5, updated_at = $6, {}, {}, {}, {}, {}, {} \
             WHERE hospital_id = $1 AND id = $2",
            set("id_number_enc", 7),
            set("id_number_bidx", 8),
            masked("id_number_masked", 9),
            set("phone_enc", 10),
            set("phone_bidx", 11),
            masked("phone_masked", 12)
        ))
        .bind(id.0)
        .bind(p.name.to_string())
        .bind(p.sex.code())
        .bind(p.birth_date.map(|d| d.0))
        .bind(p.now.0)
        .bind(p.id_number.map(|n| n.0.to_vec()))
        .bind(p.id_number.map(|n| n.1.to_string()))
        .bind(p.id_number.map(|n| n.2.to_string()))
        .bind(p.phone.map(|n| n.0.to_vec()))
        .bind(p.phone.map(|n| n.1.to_string()))
        .bind(p.phone.map(|n| n.2.to_string()))
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// A row of a person role (a patient, a checkup person) that has no person yet, as
/// [`super::adopt`] reads it: numbers still sealed for the role's row.
pub struct RoleRow {
    pub id: i64,
    pub name: String,
    pub sex: String,
    pub birth_date: Option<i32>,
    pub id_number_enc: Option<Vec<u8>>,
    pub phone_enc: Option<Vec<u8>>,
    pub updated_at: i64,
}

/// Up to `limit` rows of role `table` without a person, by id. `table` is a module's declared
/// constant, never input.
pub async fn roles_without_person(tx: &mut Tx, table: &str, limit: i64) -> sqlx::Result<Vec<RoleRow>> {
    let rows = tx
        .query_built(format!(
            "SELECT id, name, sex, birth_date, id_number_enc, phone_enc, updated_at FROM {table} \
             WHERE hospital_id = $1 AND person_id IS NULL ORDER BY id LIMIT {limit}"
        ))
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(RoleRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                sex: r.try_get("sex")?,
                birth_date: r.try_get("birth_date")?,
                id_number_enc: r.try_get("id_number_enc")?,
                phone_enc: r.try_get("phone_enc")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .collect()
}

/// Gives role row `id` of `table` its person.
pub async fn set_person(tx: &mut Tx, table: &str, id: i64, person: PersonId) -> sqlx::Result<()> {
    tx.query_built(format!("UPDATE {table} SET person_id = $3 WHERE hospital_id = $1 AND id = $2"))
        .bind(id)
        .bind(person.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn get<C: Conn>(c: &mut Scoped<C>, id: PersonId) -> sqlx::Result<Option<PersonRow>> {
    let r =
        c.query_built(format!("SELECT {COLS} FROM people WHERE hospital_id = $1 AND id = $2")).bind(id.0).fetch_optional(c.conn()).await?;
    r.as_ref().map(person).transpose()
}

/// The people of these ids (those that exist), in no particular order.
pub async fn many<C: Conn>(c: &mut Scoped<C>, ids: &[PersonId]) -> sqlx::Result<Vec<PersonRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        // Ids are numbers, written into the statement.
        let list = chunk.iter().map(|i| i.0.to_string()).collect::<Vec<_>>().join(",");
        let rows =
            c.query_built(format!("SELECT {COLS} FROM people WHERE hospital_id = $1 AND id IN ({list})")).fetch_all(c.conn()).await?;
        for r in &rows {
            out.push(person(r)?);
        }
    }
    Ok(out)
}

pub async fn by_id_number<C: Conn>(c: &mut Scoped<C>, bidx: &str) -> sqlx::Result<Option<PersonId>> {
    let r = c
        .query("SELECT id FROM people WHERE hospital_id = $1 AND id_number_bidx = $2")
        .bind(bidx.to_string())
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| Ok(PersonId(r.try_get(0)?))).transpose()
}

pub async fn by_phone<C: Conn>(c: &mut Scoped<C>, bidx: &str) -> sqlx::Result<Vec<PersonId>> {
    let rows = c
        .query("SELECT id FROM people WHERE hospital_id = $1 AND phone_bidx = $2 ORDER BY id")
        .bind(bidx.to_string())
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| Ok(PersonId(r.try_get(0)?))).collect()
}
