//! SQL of employers, group plans, discounts and listed people (migrations 0010, 0014).

use std::collections::BTreeMap;

use hops_kernel::{Instant, LocalDay, Money};
use hops_platform::Tx;
use hops_platform::crypto::Sealed;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::Employer;
use super::model::{CardKind, Discounts, Payer, Plan, Relation};

const EMPLOYER_COLUMNS: &str = "code, name, contact_name, contact_phone_masked, window_from, window_to, addon_pct";

fn employer_row(r: &sqlx::any::AnyRow) -> sqlx::Result<Employer> {
    let (from, to): (Option<i32>, Option<i32>) = (r.try_get(4)?, r.try_get(5)?);
    Ok(Employer {
        code: r.try_get(0)?,
        name: r.try_get(1)?,
        contact_name: r.try_get(2)?,
        contact_phone_masked: r.try_get(3)?,
        window: from.zip(to).map(|(a, b)| (LocalDay(a), LocalDay(b))),
        addon_pct: u32::try_from(r.try_get::<i32, _>(6)?).unwrap_or(100),
    })
}

pub async fn employers<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<Employer>> {
    let rows = c
        .query_built(format!("SELECT {EMPLOYER_COLUMNS} FROM checkup_employers WHERE hospital_id = $1 ORDER BY code"))
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(employer_row).collect()
}

/// The employers whose contact has this phone (by blind index).
pub async fn employers_of_contact<C: Conn>(c: &mut Scoped<C>, phone_bidx: &str) -> sqlx::Result<Vec<Employer>> {
    let rows = c
        .query_built(format!(
            "SELECT {EMPLOYER_COLUMNS} FROM checkup_employers WHERE hospital_id = $1 AND contact_phone_bidx = $2 ORDER BY code"
        ))
        .bind(phone_bidx.to_string())
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(employer_row).collect()
}

/// Creates or updates an employer; the contact phone changes only when `phone` is given.
pub async fn upsert(tx: &mut Tx, e: &Employer, phone: Option<&Sealed>, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_employers (hospital_id, code, name, contact_name, window_from, window_to, addon_pct, contact_phone_enc, \
         contact_phone_bidx, contact_phone_masked, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, ''), $11) \
         ON CONFLICT (hospital_id, code) DO UPDATE SET name = excluded.name, contact_name = excluded.contact_name, \
         window_from = excluded.window_from, window_to = excluded.window_to, addon_pct = excluded.addon_pct, \
         contact_phone_enc = COALESCE(excluded.contact_phone_enc, checkup_employers.contact_phone_enc), \
         contact_phone_bidx = COALESCE(excluded.contact_phone_bidx, checkup_employers.contact_phone_bidx), \
         contact_phone_masked = CASE WHEN $10 IS NULL THEN checkup_employers.contact_phone_masked ELSE excluded.contact_phone_masked END, \
         updated_at = excluded.updated_at",
    )
    .bind(e.code.clone())
    .bind(e.name.clone())
    .bind(e.contact_name.clone())
    .bind(e.window.map(|w| w.0.0))
    .bind(e.window.map(|w| w.1.0))
    .bind(i32::try_from(e.addon_pct).unwrap_or(100))
    .bind(phone.map(|p| p.enc.clone()))
    .bind(phone.map(|p| p.bidx.clone()))
    .bind(phone.map(|p| p.masked.clone()))
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn plan_row(r: &sqlx::any::AnyRow) -> sqlx::Result<Plan> {
    let kind: String = r.try_get("kind")?;
    let budget: Option<i64> = r.try_get("budget_fen")?;
    let menu: String = r.try_get("menu_items")?;
    let pick: Option<i32> = r.try_get("menu_pick")?;
    let payer: String = r.try_get("payer")?;
    let pct: i32 = r.try_get("person_pct")?;
    Ok(Plan {
        employer: r.try_get("employer_code")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kind: match kind.as_str() {
            "amount" => CardKind::Amount { budget: Money(budget.unwrap_or(0)) },
            "menu" => CardKind::Menu {
                items: menu.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
                pick: pick.and_then(|p| u32::try_from(p).ok()),
            },
            _ => CardKind::Fixed,
        },
        package: r.try_get("package_code")?,
        payer: if payer == "person" { Payer::Person { pct: u32::try_from(pct).unwrap_or(100) } } else { Payer::Employer },
    })
}

const PLAN_COLUMNS: &str = "employer_code, code, name, kind, package_code, budget_fen, menu_items, menu_pick, payer, person_pct";

pub async fn plans<C: Conn>(c: &mut Scoped<C>, employer: &str) -> sqlx::Result<Vec<Plan>> {
    let rows = c
        .query_built(format!("SELECT {PLAN_COLUMNS} FROM checkup_group_plans WHERE hospital_id = $1 AND employer_code = $2 ORDER BY code"))
        .bind(employer.to_string())
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(plan_row).collect()
}

pub async fn upsert_plan(tx: &mut Tx, p: &Plan, now: Instant) -> sqlx::Result<()> {
    let (budget, menu, pick) = match &p.kind {
        CardKind::Fixed => (None, String::new(), None),
        CardKind::Amount { budget } => (Some(budget.fen()), String::new(), None),
        CardKind::Menu { items, pick } => (None, items.join(","), pick.map(|p| i32::try_from(p).unwrap_or(i32::MAX))),
    };
    let (payer, pct) = match p.payer {
        Payer::Employer => ("employer", 100),
        Payer::Person { pct } => ("person", i32::try_from(pct).unwrap_or(100)),
    };
    tx.query(
        "INSERT INTO checkup_group_plans (hospital_id, employer_code, code, name, kind, package_code, budget_fen, menu_items, menu_pick, \
         payer, person_pct, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (hospital_id, employer_code, code) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
         package_code = excluded.package_code, budget_fen = excluded.budget_fen, menu_items = excluded.menu_items, \
         menu_pick = excluded.menu_pick, payer = excluded.payer, person_pct = excluded.person_pct, updated_at = excluded.updated_at",
    )
    .bind(p.employer.clone())
    .bind(p.code.clone())
    .bind(p.name.clone())
    .bind(p.kind.code())
    .bind(p.package.clone())
    .bind(budget)
    .bind(menu)
    .bind(pick)
    .bind(payer)
    .bind(pct)
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// An employer's add-on discounts (its default percentage and per-item overrides).
pub async fn discounts<C: Conn>(c: &mut Scoped<C>, employer: &Employer) -> sqlx::Result<Discounts> {
    let rows = c
        .query("SELECT item_code, pct FROM checkup_group_discounts WHERE hospital_id = $1 AND employer_code = $2")
        .bind(employer.code.clone())
        .fetch_all(c.conn())
        .await?;
    let mut per_item = BTreeMap::new();
    for r in rows {
        per_item.insert(r.try_get::<String, _>(0)?, u32::try_from(r.try_get::<i32, _>(1)?).unwrap_or(100));
    }
    Ok(Discounts { default_pct: employer.addon_pct, per_item })
}

/// Replaces an employer's per-item discounts.
pub async fn set_discounts(tx: &mut Tx, employer: &str, per_item: &BTreeMap<String, u32>) -> sqlx::Result<()> {
    tx.query("DELETE FROM checkup_group_discounts WHERE hospital_id = $1 AND employer_code = $2")
        .bind(employer.to_string())
        .execute(tx.conn())
        .await?;
    for (item, pct) in per_item {
        tx.query("INSERT INTO checkup_group_discounts (hospital_id, employer_code, item_code, pct) VALUES ($1, $2, $3, $4)")
            .bind(employer.to_string())
            .bind(item.clone())
            .bind(i32::try_from(*pct).unwrap_or(100))
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// A listed person as shown: numbers masked.
#[derive(Clone, Debug)]
pub struct Listed {
    pub id: i64,
    pub employer: String,
    pub name: String,
    pub department: String,
    pub id_number_masked: String,
    pub phone_masked: String,
    pub relation: Relation,
    pub of_employee: Option<i64>,
    pub plan: String,
    pub card_number: String,
}

const LISTED_COLUMNS: &str =
    "id, employer_code, name, department, id_number_masked, phone_masked, relation, of_employee, plan_code, card_number";

fn listed_row(r: &sqlx::any::AnyRow) -> sqlx::Result<Listed> {
    let relation: String = r.try_get("relation")?;
    Ok(Listed {
        id: r.try_get("id")?,
        employer: r.try_get("employer_code")?,
        name: r.try_get("name")?,
        department: r.try_get("department")?,
        id_number_masked: r.try_get("id_number_masked")?,
        phone_masked: r.try_get("phone_masked")?,
        relation: Relation::parse(&relation).unwrap_or(Relation::Other),
        of_employee: r.try_get("of_employee")?,
        plan: r.try_get("plan_code")?,
        card_number: r.try_get("card_number")?,
    })
}

/// Everyone an employer lists, employees first then family, by name.
pub async fn listed<C: Conn>(c: &mut Scoped<C>, employer: &str) -> sqlx::Result<Vec<Listed>> {
    let rows = c
        .query_built(format!("SELECT {LISTED_COLUMNS} FROM checkup_employees WHERE hospital_id = $1 AND employer_code = $2 ORDER BY id"))
        .bind(employer.to_string())
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(listed_row).collect()
}

/// The listed person of an employer with this identity number (blind index).
pub async fn listed_by_id_number<C: Conn>(c: &mut Scoped<C>, employer: &str, bidx: &str) -> sqlx::Result<Option<Listed>> {
    let r = c
        .query_built(format!(
            "SELECT {LISTED_COLUMNS} FROM checkup_employees WHERE hospital_id = $1 AND employer_code = $2 AND id_number_bidx = $3"
        ))
        .bind(employer.to_string())
        .bind(bidx.to_string())
        .fetch_optional(c.conn())
        .await?;
    r.as_ref().map(listed_row).transpose()
}

/// The listed person holding a group card, with the blind index of their identity number.
pub async fn listed_by_card<C: Conn>(c: &mut Scoped<C>, card: &str) -> sqlx::Result<Option<(Listed, String)>> {
    let r = c
        .query_built(format!("SELECT {LISTED_COLUMNS}, id_number_bidx FROM checkup_employees WHERE hospital_id = $1 AND card_number = $2"))
        .bind(card.to_string())
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| Ok((listed_row(&r)?, r.try_get("id_number_bidx")?))).transpose()
}

/// The encrypted identity number and phone of a listed person.
pub async fn sealed_numbers<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<(Vec<u8>, Vec<u8>)>> {
    let r = c
        .query("SELECT id_number_enc, phone_enc FROM checkup_employees WHERE hospital_id = $1 AND id = $2")
        .bind(id)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// A person to list (numbers sealed by the caller).
pub struct NewListed {
    pub name: String,
    pub department: String,
    pub id_number: Sealed,
    pub phone: Sealed,
    pub relation: Relation,
    pub of_employee_bidx: Option<String>,
    pub plan: String,
}

/// The row of the person an employer lists with this identity number (blind index), if any.
pub async fn listed_id(tx: &mut Tx, employer: &str, id_bidx: &str) -> sqlx::Result<Option<i64>> {
    tx.query("SELECT id FROM checkup_employees WHERE hospital_id = $1 AND employer_code = $2 AND id_number_bidx = $3")
        .bind(employer.to_string())
        .bind(id_bidx.to_string())
        .fetch_optional(tx.conn())
        .await?
        .map(|r| r.try_get::<i64, _>(0))
        .transpose()
}

/// Adds (`listed` false) or updates (`listed`: row `id` lists this identity number, see
/// [`listed_id`]) a listed person; returns whether it was new. The numbers were sealed for
/// row `id`.
pub async fn upsert_listed(tx: &mut Tx, id: i64, listed: bool, employer: &str, p: &NewListed, now: Instant) -> sqlx::Result<bool> {
    let of_employee = match &p.of_employee_bidx {
        Some(b) => tx
            .query("SELECT id FROM checkup_employees WHERE hospital_id = $1 AND employer_code = $2 AND id_number_bidx = $3")
            .bind(employer.to_string())
            .bind(b.clone())
            .fetch_optional(tx.conn())
            .await?
            .map(|r| r.try_get::<i64, _>(0))
            .transpose()?,
        None => None,
    };
    if listed {
        tx.query(
            "UPDATE checkup_employees SET name = $3, department = $4, phone_enc = $5, phone_bidx = $6, phone_masked = $7, relation = $8, \
             of_employee = $9, plan_code = $10, updated_at = $11 WHERE hospital_id = $1 AND id = $2",
        )
        .bind(id)
        .bind(p.name.clone())
        .bind(p.department.clone())
        .bind(p.phone.enc.clone())
        .bind(p.phone.bidx.clone())
        .bind(p.phone.masked.clone())
        .bind(p.relation.code())
        .bind(of_employee)
        .bind(p.plan.clone())
        .bind(now.0)
        .execute(tx.conn())
        .await?;
        return Ok(false);
    }
    tx.query(
        "INSERT INTO checkup_employees (hospital_id, id, employer_code, name, department, id_number_enc, id_number_bidx, id_number_masked, \
         phone_enc, phone_bidx, phone_masked, relation, of_employee, plan_code, card_number, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)",
    )
    .bind(id)
    .bind(employer.to_string())
    .bind(p.name.clone())
    .bind(p.department.clone())
    .bind(p.id_number.enc.clone())
    .bind(p.id_number.bidx.clone())
    .bind(p.id_number.masked.clone())
    .bind(p.phone.enc.clone())
    .bind(p.phone.bidx.clone())
    .bind(p.phone.masked.clone())
    .bind(p.relation.code())
    .bind(of_employee)
    .bind(p.plan.clone())
    .bind(super::model::card_number(employer, id))
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(true)
}

/// The blind indexes of the identity numbers of an employer's employees (not family).
pub async fn employee_id_indexes<C: Conn>(c: &mut Scoped<C>, employer: &str) -> sqlx::Result<std::collections::BTreeSet<String>> {
    let rows = c
        .query("SELECT id_number_bidx FROM checkup_employees WHERE hospital_id = $1 AND employer_code = $2 AND relation = 'self'")
        .bind(employer.to_string())
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}
