//! Use cases of people. Masked reads follow the role a module reads them through (the module
//! checks its own permission first); clear numbers only through [`reveal`].

use std::collections::HashMap;

use hops_kernel::{IdCardNumber, LocalDay, PersonId, Phone, Sex};

use super::model::{Edit, Person, Sealed};
pub use super::store::PersonRow;
use super::store::{self, PersonWrite};
use crate::accounts::model::Permission;
use crate::core::{Access, Tx};
use crate::crypto::Field;
use crate::error::{Error, FieldError, Result};

/// A person's ID-card number, bound to their row.
pub const ID_NUMBER: Field = Field::new("people", "id_number_enc", "people.id_number");
/// A person's mobile number, bound to their row.
pub const PHONE: Field = Field::new("people", "phone_enc", "people.phone");

/// A person's numbers in clear (see [`reveal`]).
#[derive(Clone, Debug, Default)]
pub struct Revealed {
    pub id_number: Option<String>,
    pub phone: Option<String>,
}

/// The blind index people are found by for an ID-card number.
pub fn id_number_index(access: &Access, id: &IdCardNumber) -> String {
    access.blind_index(ID_NUMBER.context, id.as_str())
}

/// The blind index people are found by for a mobile number.
pub fn phone_index(access: &Access, phone: &Phone) -> String {
    access.blind_index(PHONE.context, phone.as_str())
}

fn seal_id(access: &Access, id: PersonId, n: &IdCardNumber) -> Sealed<IdCardNumber> {
    Sealed::new(access.seal(ID_NUMBER, id.0, n.as_str(), n.masked()))
}

fn seal_phone(access: &Access, id: PersonId, p: &Phone) -> Sealed<Phone> {
    Sealed::new(access.seal(PHONE, id.0, p.as_str(), p.masked()))
}

/// How [`write`] treats a person's row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Write {
    Insert,
    /// Numbers not given are kept.
    Merge,
    /// Numbers not given are removed.
    Replace,
}

/// Writes `p` as person `id`: numbers sealed for that row.
async fn write(access: &Access, tx: &mut Tx, id: PersonId, p: &Person, how: Write) -> Result<()> {
    let id_number = p.id_number.as_ref().map(|n| seal_id(access, id, n));
    let phone = p.phone.as_ref().map(|n| seal_phone(access, id, n));
    let w = PersonWrite {
        name: p.name.trim(),
        sex: p.sex,
        birth_date: p.birth(),
        id_number: id_number.as_ref().map(|s| (s.enc.as_slice(), s.bidx.as_str(), s.masked.as_str())),
        phone: phone.as_ref().map(|s| (s.enc.as_slice(), s.bidx.as_str(), s.masked.as_str())),
        now: access.now(),
    };
    if how == Write::Insert {
        store::insert(tx, id, &w).await?;
    } else if !store::update(tx, id, &w, how == Write::Replace).await? {
        return Err(Error::not_found("人员"));
    }
    Ok(())
}

/// The person a role is being given, inside the caller's transaction: the one on file with
/// this ID-card number (name, sex, birth date and phone brought up to date), else a new one.
/// Returns the person and whether it is new. Refused field by field when `p` does not check.
pub async fn upsert_in(access: &Access, tx: &mut Tx, p: &Person) -> Result<(PersonId, bool)> {
    let errors = p.check();
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    if let Some(n) = &p.id_number
        && let Some(id) = store::by_id_number(tx, &id_number_index(access, n)).await?
    {
        write(access, tx, id, p, Write::Merge).await?;
        return Ok((id, false));
    }
    let id = PersonId(tx.next_id(access.engine()).await?);
    write(access, tx, id, p, Write::Insert).await?;
    Ok((id, true))
}

/// A person as an edit form gives them back: each number kept as stored or set anew.
#[derive(Clone, Debug)]
pub struct PersonEdit {
    pub name: String,
    pub sex: Sex,
    pub birth_date: Option<LocalDay>,
    pub id_number: Edit<IdCardNumber>,
    pub phone: Edit<Phone>,
}

/// Changes person `id` (the person of a role being edited), inside the caller's transaction:
/// the person as `edit` gives them, a kept number as it was (checked against sex and birth date
/// like a typed one). An ID-card number that is another person's is refused at the field.
pub async fn update_in(access: &Access, tx: &mut Tx, id: PersonId, edit: &PersonEdit) -> Result<()> {
    let stored = store::get(tx, id).await?.ok_or_else(|| Error::not_found("人员"))?;
    let today = access.now().local_day();
    // A kept number is read to check the person as a whole; it is written back sealed anew.
    let id_number = match &edit.id_number {
        Edit::Set(n) => *n,
        Edit::Keep => match &stored.id_number_enc {
            Some(b) => Some(
                IdCardNumber::parse(&access.reveal(ID_NUMBER, id.0, b)?, today)
                    .map_err(|e| Error::Internal(anyhow::anyhow!("stored ID-card number of person {id}: {e}")))?,
            ),
            None => None,
        },
    };
    let phone = match &edit.phone {
        Edit::Set(p) => *p,
        Edit::Keep => match &stored.phone_enc {
            Some(b) => Some(
                Phone::parse(&access.reveal(PHONE, id.0, b)?)
                    .map_err(|e| Error::Internal(anyhow::anyhow!("stored phone of person {id}: {e}")))?,
            ),
            None => None,
        },
    };
    let p = Person { name: edit.name.clone(), sex: edit.sex, birth_date: edit.birth_date, id_number, phone };
    let mut errors = p.check();
    if let Some(n) = &p.id_number
        && let Some(other) = store::by_id_number(tx, &id_number_index(access, n)).await?
        && other != id
    {
        errors.push(FieldError::new("id_number", "该身份证号已登记为另一人"));
    }
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    write(access, tx, id, &p, Write::Replace).await
}

/// The person on file with this ID-card number, inside the caller's transaction.
pub async fn on_file_in(access: &Access, tx: &mut Tx, n: &IdCardNumber) -> Result<Option<PersonRow>> {
    match store::by_id_number(tx, &id_number_index(access, n)).await? {
        Some(id) => Ok(store::get(tx, id).await?),
        None => Ok(None),
    }
}

impl PersonRow {
    /// Whether `phone` is the person's stored phone.
    pub fn has_phone(&self, access: &Access, phone: &Phone) -> bool {
        self.phone_bidx.as_deref() == Some(phone_index(access, phone).as_str())
    }
}

/// One person, masked.
pub async fn get(access: &Access, id: PersonId) -> Result<PersonRow> {
    let mut c = access.tenant().read().await?;
    store::get(&mut c, id).await?.ok_or_else(|| Error::not_found("人员"))
}

/// These people (those that exist), masked, by id.
pub async fn many(access: &Access, ids: &[PersonId]) -> Result<HashMap<PersonId, PersonRow>> {
    let mut c = access.tenant().read().await?;
    Ok(store::many(&mut c, ids).await?.into_iter().map(|p| (p.id, p)).collect())
}

/// The person with this ID-card number, if any.
pub async fn find_by_id_number(access: &Access, n: &IdCardNumber) -> Result<Option<PersonId>> {
    let mut c = access.tenant().read().await?;
    Ok(store::by_id_number(&mut c, &id_number_index(access, n)).await?)
}

/// The people with this mobile number (a family may share one).
pub async fn find_by_phone(access: &Access, phone: &Phone) -> Result<Vec<PersonId>> {
    let mut c = access.tenant().read().await?;
    Ok(store::by_phone(&mut c, &phone_index(access, phone)).await?)
}

/// A person's numbers in clear: needs `PersonalUnmask`; `why` (shown in the audit log, e.g.
/// 「回访时查看完整手机号」) and the person are audited.
pub async fn reveal(access: &Access, id: PersonId, why: &str) -> Result<Revealed> {
    access.require(Permission::PersonalUnmask)?;
    let p = get(access, id).await?;
    let out = Revealed {
        id_number: p.id_number_enc.as_deref().map(|b| access.reveal(ID_NUMBER, id.0, b)).transpose()?,
        phone: p.phone_enc.as_deref().map(|b| access.reveal(PHONE, id.0, b)).transpose()?,
    };
    access.audit_read("person.reveal", &format!("person:{id}"), why).await?;
    Ok(out)
}
