//! Use cases of the catalogue: read it, save items and packages, add and remove rules, check a
//! selection, audit the configuration. Every change is validated whole and audited.

use std::collections::BTreeSet;
use std::sync::Arc;

use hops_platform::{Access, Error, Permission, Result};

use super::audit::{self, Finding};
use super::drafts;
use super::model::{Catalogue, Item, Package, Priced, Profile, Rule, Selection, Violation};
use super::store;

/// The whole catalogue (items, packages, rules).
pub async fn catalogue(access: &Access) -> Result<Arc<Catalogue>> {
    access.require(Permission::CheckupRead)?;
    load(access).await
}

/// The catalogue for use cases that have checked their own permission (booking, H5 pages):
/// kept in memory per hospital and read again only when its revision has moved (one small
/// query instead of four on every booking).
pub(crate) async fn load(access: &Access) -> Result<Arc<Catalogue>> {
    const KEY: &str = "checkup.catalogue";
    let mut c = access.tenant().read().await?;
    // The revision first: the rows read after it are at least as new, so a catalogue is never
    // kept under a newer revision than its own.
    let revision = store::revision(&mut c).await?;
    let generation = u64::try_from(revision).unwrap_or(0);
    if let Some(cat) = access.core().shelf.get::<Catalogue>(access.hospital(), KEY, generation) {
        return Ok(cat);
    }
    let cat = Arc::new(store::catalogue(&mut c).await?);
    access.core().shelf.put(access.hospital(), KEY, generation, cat.clone());
    Ok(cat)
}

pub async fn resources(access: &Access) -> Result<Vec<(String, String)>> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::resources(&mut c).await?)
}

pub async fn save_resource(access: &Access, code: &str, name: &str) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let mut fields = Vec::new();
    if let Err(e) = drafts::check_code(code) {
        fields.push(hops_platform::FieldError::new("code", e));
    }
    if name.trim().is_empty() || name.chars().count() > 30 {
        fields.push(hops_platform::FieldError::new("name", "请填写资源名称（不超过 30 个字）"));
    }
    if !fields.is_empty() {
        return Err(Error::invalid(fields));
    }
    let mut tx = access.tenant().write().await?;
    store::upsert_resource(&mut tx, code, name.trim()).await?;
    access.audit(&mut tx, "checkup.resource.save", &format!("checkup_resource:{code}"), name.trim()).await?;
    tx.commit().await?;
    Ok(())
}

/// Creates or updates an item (by code).
pub async fn save_item(access: &Access, item: &Item) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let mut tx = access.tenant().write().await?;
    let known: BTreeSet<String> = store::resources(&mut tx).await?.into_iter().map(|(c, _)| c).collect();
    let problems = drafts::check_item(item, &known);
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    let cat = store::catalogue(&mut tx).await?;
    let mut after = cat.clone();
    after.items.insert(item.code.clone(), item.clone());
    refuse_blocking(&cat, &after, "")?;
    store::upsert_item(&mut tx, item, access.now()).await?;
    access.audit(&mut tx, "checkup.item.save", &format!("checkup_item:{}", item.code), &item.name).await?;
    tx.commit().await?;
    Ok(())
}

/// Creates or updates a package (by code) with its item list.
pub async fn save_package(access: &Access, package: &Package) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let mut tx = access.tenant().write().await?;
    let cat = store::catalogue(&mut tx).await?;
    let problems = drafts::check_package(package, &cat);
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    let mut after = cat.clone();
    after.packages.insert(package.code.clone(), package.clone());
    if let Some((_, blockers)) = audit::newly_blocked(&cat, &after).into_iter().find(|(code, _)| *code == package.code) {
        let message = format!("套餐启用后无法预约：{}。请调整项目，或先保存为停用", blockers.join("；"));
        return Err(Error::invalid_field("items", message));
    }
    store::upsert_package(&mut tx, package, access.now()).await?;
    let detail = format!("{}（{} 项，{}）", package.name, package.items.len(), package.price);
    access.audit(&mut tx, "checkup.package.save", &format!("checkup_package:{}", package.code), &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses a change (at `field`) that would keep an active package from being sold, naming
/// the packages and why: an invalid package is never on sale.
fn refuse_blocking(before: &Catalogue, after: &Catalogue, field: &str) -> Result<()> {
    let blocked = audit::newly_blocked(before, after);
    if blocked.is_empty() {
        return Ok(());
    }
    let named: Vec<String> = blocked.iter().map(|(code, why)| format!("{}（{}）", after.packages[code].name, why.join("；"))).collect();
    Err(Error::invalid_field(field, format!("此修改会使在售套餐无法预约：{}。请先调整或停用这些套餐", named.join("；"))))
}

/// Every rule with its id and note.
pub async fn rules(access: &Access) -> Result<Vec<(i64, Rule, String)>> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    Ok(store::rules(&mut c).await?)
}

/// Adds a rule; returns its id.
pub async fn add_rule(access: &Access, rule: &Rule, note: &str) -> Result<i64> {
    access.require(Permission::CheckupManage)?;
    if note.chars().count() > 200 {
        return Err(Error::invalid_field("note", "备注不能超过 200 个字"));
    }
    let mut tx = access.tenant().write().await?;
    let cat = store::catalogue(&mut tx).await?;
    let problems = drafts::check_rule(rule, &cat);
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    let mut after = cat.clone();
    after.rules.push(rule.clone());
    refuse_blocking(&cat, &after, "")?;
    let id = tx.next_id(access.engine()).await?;
    if !store::insert_rule(&mut tx, id, rule, note.trim()).await? {
        return Err(Error::conflict("duplicate_rule", "相同的规则已存在"));
    }
    let detail = format!("{}：{}", rule.kind_label(), cat.labels(rule.items().iter().map(|s| s.to_string()).collect::<Vec<_>>().iter()));
    access.audit(&mut tx, "checkup.rule.add", &format!("checkup_rule:{id}"), &detail).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_rule(access: &Access, id: i64) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let mut tx = access.tenant().write().await?;
    let Some(rule) = store::delete_rule(&mut tx, id).await? else {
        return Err(Error::not_found("规则"));
    };
    let detail = format!("{}：{}", rule.kind_label(), rule.items().join("、"));
    access.audit(&mut tx, "checkup.rule.delete", &format!("checkup_rule:{id}"), &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Validates a selection for a person (if known) and prices it: every violation at once.
pub async fn check(
    access: &Access,
    selection: &Selection,
    person: Option<&Profile>,
) -> Result<std::result::Result<Priced, Vec<Violation>>> {
    access.require(Permission::CheckupRead)?;
    let cat = load(access).await?;
    Ok(super::model::validate(&cat, selection, person))
}

/// The configuration audit: every contradiction in the catalogue.
pub async fn audit(access: &Access) -> Result<Vec<Finding>> {
    access.require(Permission::CheckupRead)?;
    let cat = load(access).await?;
    Ok(audit::audit(&cat))
}
