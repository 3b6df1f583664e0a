//! Use cases of employers.

use hops_platform::{Access, Error, FieldError, Permission, Result};

use super::{Employer, store};
use crate::catalogue::drafts::check_code;

pub async fn employers(access: &Access) -> Result<Vec<Employer>> {
    access.require(Permission::CheckupRead)?;
    list(access).await
}

pub(crate) async fn list(access: &Access) -> Result<Vec<Employer>> {
    let mut c = access.tenant().read().await?;
    Ok(store::employers(&mut c).await?)
}

/// Creates or updates an employer (by code).
pub async fn save(access: &Access, e: &Employer) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let mut fields = Vec::new();
    if let Err(m) = check_code(&e.code) {
        fields.push(FieldError::new("code", m));
    }
    if e.name.trim().is_empty() || e.name.chars().count() > 60 {
        fields.push(FieldError::new("name", "请填写单位名称（不超过 60 个字）"));
    }
    if e.contact_name.chars().count() > 30 {
        fields.push(FieldError::new("contact_name", "联系人不能超过 30 个字"));
    }
    if let Some((from, to)) = e.window
        && to < from
    {
        fields.push(FieldError::new("window_to", "预约截止日期早于开始日期"));
    }
    if !fields.is_empty() {
        return Err(Error::invalid(fields));
    }
    let mut tx = access.tenant().write().await?;
    store::upsert(&mut tx, e, access.now()).await?;
    access.audit(&mut tx, "checkup.employer.save", &format!("checkup_employer:{}", e.code), &e.name).await?;
    tx.commit().await?;
    Ok(())
}
