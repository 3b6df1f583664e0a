//! Use cases of the centre's details.

use hops_platform::{Access, Error, Permission, Result};

use super::model::{self, Centre};
use super::store;

/// The details, if the hospital gave them (anyone who sees a booking may read them: they are
/// what a patient is shown).
pub async fn get(access: &Access) -> Result<Option<Centre>> {
    let mut c = access.tenant().read().await?;
    Ok(store::get(&mut c).await?)
}

/// Saves the details (checkup managers); audited. Refused with every problem at its field.
pub async fn save(access: &Access, draft: &Centre) -> Result<Centre> {
    access.require(Permission::CheckupManage)?;
    let centre = model::check(draft).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    store::put(&mut tx, &centre, access.now()).await?;
    access.audit(&mut tx, "checkup.centre", "checkup_centre", &centre.name).await?;
    tx.commit().await?;
    Ok(centre)
}
