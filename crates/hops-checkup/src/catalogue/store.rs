//! SQL of the catalogue: resources, items, packages with their items, rules (migration 0010).

use std::collections::BTreeMap;

use hops_kernel::{Instant, Money, Sex};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{Applicability, Catalogue, Item, Marital, Package, Rule};

fn applicability(r: &AnyRow) -> sqlx::Result<Applicability> {
    let sex: Option<String> = r.try_get("sex")?;
    let marital: String = r.try_get("marital")?;
    let age = |c: &str| -> sqlx::Result<Option<u32>> { Ok(r.try_get::<Option<i32>, _>(c)?.and_then(|v| u32::try_from(v).ok())) };
    Ok(Applicability {
        sex: sex.as_deref().and_then(Sex::from_code),
        min_age: age("min_age")?,
        max_age: age("max_age")?,
        marital: Marital::from_code(&marital).unwrap_or_default(),
    })
}

fn age(a: Option<u32>) -> Option<i32> {
    a.and_then(|v| i32::try_from(v).ok())
}

/// The whole catalogue of the hospital.
pub async fn catalogue<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Catalogue> {
    let mut cat = Catalogue::default();
    let rows = c
        .query(
            "SELECT code, name, category, body_part, meaning, target_group, price_fen, sex, min_age, max_age, marital, preparation, \
             resource, active FROM checkup_items WHERE hospital_id = $1 ORDER BY code",
        )
        .fetch_all(c.conn())
        .await?;
    for r in rows {
        let item = Item {
            code: r.try_get("code")?,
            name: r.try_get("name")?,
            category: r.try_get("category")?,
            body_part: r.try_get("body_part")?,
            meaning: r.try_get("meaning")?,
            target_group: r.try_get("target_group")?,
            price: Money(r.try_get("price_fen")?),
            applicability: applicability(&r)?,
            preparation: r.try_get("preparation")?,
            resource: r.try_get("resource")?,
            active: r.try_get::<i16, _>("active")? != 0,
        };
        cat.items.insert(item.code.clone(), item);
    }
    let members = c
        .query("SELECT package_code, item_code FROM checkup_package_items WHERE hospital_id = $1 ORDER BY package_code, position")
        .fetch_all(c.conn())
        .await?;
    let mut by_package: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in members {
        by_package.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    let rows = c
        .query(
            "SELECT code, name, target_group, description, price_fen, sex, min_age, max_age, marital, special_pool, active \
             FROM checkup_packages WHERE hospital_id = $1 ORDER BY code",
        )
        .fetch_all(c.conn())
        .await?;
    for r in rows {
        let code: String = r.try_get("code")?;
        let p = Package {
            items: by_package.remove(&code).unwrap_or_default(),
            code,
            name: r.try_get("name")?,
            target_group: r.try_get("target_group")?,
            description: r.try_get("description")?,
            price: Money(r.try_get("price_fen")?),
            applicability: applicability(&r)?,
            special_pool: r.try_get::<i16, _>("special_pool")? != 0,
            active: r.try_get::<i16, _>("active")? != 0,
        };
        cat.packages.insert(p.code.clone(), p);
    }
    cat.rules = rules(c).await?.into_iter().map(|(_, r, _)| r).collect();
    Ok(cat)
}

/// Every rule with its id and note.
pub async fn rules<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<(i64, Rule, String)>> {
    let rows = c
        .query("SELECT id, kind, item_a, item_b, note FROM checkup_rules WHERE hospital_id = $1 ORDER BY kind, item_a, item_b")
        .fetch_all(c.conn())
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let (kind, a, b): (String, String, String) = (r.try_get("kind")?, r.try_get("item_a")?, r.try_get("item_b")?);
        if let Some(rule) = Rule::from_parts(&kind, &a, Some(&b)) {
            out.push((r.try_get("id")?, rule, r.try_get("note")?));
        }
    }
    Ok(out)
}

/// Resource codes and names.
pub async fn resources<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<(String, String)>> {
    let rows = c.query("SELECT code, name FROM checkup_resources WHERE hospital_id = $1 ORDER BY code").fetch_all(c.conn()).await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
}

/// The catalogue's revision (0 before its first change).
pub async fn revision<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<i64> {
    let r = c.query("SELECT revision FROM checkup_catalogue_revision WHERE hospital_id = $1").fetch_optional(c.conn()).await?;
    Ok(r.map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
}

/// Raises the revision; every write of this module calls it in its transaction.
async fn bump(tx: &mut Tx) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_catalogue_revision (hospital_id, revision) VALUES ($1, 1) \
         ON CONFLICT (hospital_id) DO UPDATE SET revision = checkup_catalogue_revision.revision + 1",
    )
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn upsert_resource(tx: &mut Tx, code: &str, name: &str) -> sqlx::Result<()> {
    bump(tx).await?;
    tx.query(
        "INSERT INTO checkup_resources (hospital_id, code, name) VALUES ($1, $2, $3) \
         ON CONFLICT (hospital_id, code) DO UPDATE SET name = excluded.name",
    )
    .bind(code.to_string())
    .bind(name.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn upsert_item(tx: &mut Tx, i: &Item, now: Instant) -> sqlx::Result<()> {
    bump(tx).await?;
    tx.query(
        "INSERT INTO checkup_items (hospital_id, code, name, category, body_part, meaning, target_group, price_fen, sex, min_age, \
         max_age, marital, preparation, resource, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (hospital_id, code) DO UPDATE SET name = excluded.name, category = excluded.category, body_part = excluded.body_part, \
         meaning = excluded.meaning, target_group = excluded.target_group, price_fen = excluded.price_fen, sex = excluded.sex, \
         min_age = excluded.min_age, max_age = excluded.max_age, marital = excluded.marital, preparation = excluded.preparation, \
         resource = excluded.resource, active = excluded.active, updated_at = excluded.updated_at",
    )
    .bind(i.code.clone())
    .bind(i.name.clone())
    .bind(i.category.clone())
    .bind(i.body_part.clone())
    .bind(i.meaning.clone())
    .bind(i.target_group.clone())
    .bind(i.price.fen())
    .bind(i.applicability.sex.map(|s| s.code()))
    .bind(age(i.applicability.min_age))
    .bind(age(i.applicability.max_age))
    .bind(i.applicability.marital.code())
    .bind(i.preparation.clone())
    .bind(i.resource.clone())
    .bind(i16::from(i.active))
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Inserts or replaces a package and its item list.
pub async fn upsert_package(tx: &mut Tx, p: &Package, now: Instant) -> sqlx::Result<()> {
    bump(tx).await?;
    tx.query(
        "INSERT INTO checkup_packages (hospital_id, code, name, target_group, description, price_fen, sex, min_age, max_age, marital, \
         special_pool, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (hospital_id, code) DO UPDATE SET name = excluded.name, target_group = excluded.target_group, \
         description = excluded.description, price_fen = excluded.price_fen, sex = excluded.sex, min_age = excluded.min_age, \
         max_age = excluded.max_age, marital = excluded.marital, special_pool = excluded.special_pool, active = excluded.active, \
         updated_at = excluded.updated_at",
    )
    .bind(p.code.clone())
    .bind(p.name.clone())
    .bind(p.target_group.clone())
    .bind(p.description.clone())
    .bind(p.price.fen())
    .bind(p.applicability.sex.map(|s| s.code()))
    .bind(age(p.applicability.min_age))
    .bind(age(p.applicability.max_age))
    .bind(p.applicability.marital.code())
    .bind(i16::from(p.special_pool))
    .bind(i16::from(p.active))
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    tx.query("DELETE FROM checkup_package_items WHERE hospital_id = $1 AND package_code = $2")
        .bind(p.code.clone())
        .execute(tx.conn())
        .await?;
    for (n, item) in p.items.iter().enumerate() {
        tx.query("INSERT INTO checkup_package_items (hospital_id, package_code, item_code, position) VALUES ($1, $2, $3, $4)")
            .bind(p.code.clone())
            .bind(item.clone())
            .bind(n as i32)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// Adds a rule; returns false when the same rule exists already.
pub async fn insert_rule(tx: &mut Tx, id: i64, rule: &Rule, note: &str) -> sqlx::Result<bool> {
    bump(tx).await?;
    let items = rule.items();
    let r = tx
        .query(
            "INSERT INTO checkup_rules (hospital_id, id, kind, item_a, item_b, note) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (hospital_id, kind, item_a, item_b) DO NOTHING",
        )
        .bind(id)
        .bind(rule.kind_code())
        .bind(items[0].to_string())
        .bind(items.get(1).map_or(String::new(), |b| b.to_string()))
        .bind(note.to_string())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Deletes a rule; returns the deleted rule.
pub async fn delete_rule(tx: &mut Tx, id: i64) -> sqlx::Result<Option<Rule>> {
    bump(tx).await?;
    let r = tx
        .query("DELETE FROM checkup_rules WHERE hospital_id = $1 AND id = $2 RETURNING kind, item_a, item_b")
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    Ok(r.and_then(|r| {
        let (k, a, b): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        Rule::from_parts(&k, &a, Some(&b))
    }))
}
