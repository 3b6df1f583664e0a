//! SQL of the service-desk settings (migration 0018).

use hops_kernel::{Instant, LocalDay};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::model::{CalendarDef, Canned, Category, Policy, Team};
use crate::ticket::model::Priority;

pub async fn teams<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<Team>> {
    let rows = c.query("SELECT code, name, lead_user_id FROM desk_teams WHERE hospital_id = $1 ORDER BY code").fetch_all(c.conn()).await?;
    let members =
        c.query("SELECT team_code, user_id FROM desk_team_members WHERE hospital_id = $1 ORDER BY user_id").fetch_all(c.conn()).await?;
    rows.iter()
        .map(|r| {
            let code: String = r.try_get("code")?;
            let mut m = Vec::new();
            for x in &members {
                if x.try_get::<String, _>("team_code")? == code {
                    m.push(x.try_get("user_id")?);
                }
            }
            Ok(Team { name: r.try_get("name")?, lead_user_id: r.try_get("lead_user_id")?, members: m, code })
        })
        .collect()
}

pub async fn upsert_team(tx: &mut Tx, t: &Team) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_teams (hospital_id, code, name, lead_user_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (hospital_id, code) DO UPDATE SET name = excluded.name, lead_user_id = excluded.lead_user_id",
    )
    .bind(t.code.clone())
    .bind(t.name.clone())
    .bind(t.lead_user_id)
    .execute(tx.conn())
    .await?;
    tx.query("DELETE FROM desk_team_members WHERE hospital_id = $1 AND team_code = $2").bind(t.code.clone()).execute(tx.conn()).await?;
    for m in &t.members {
        tx.query("INSERT INTO desk_team_members (hospital_id, team_code, user_id) VALUES ($1, $2, $3)")
            .bind(t.code.clone())
            .bind(*m)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

pub async fn categories<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<Category>> {
    let rows = c
        .query("SELECT code, name, team_code, active, position FROM desk_categories WHERE hospital_id = $1 ORDER BY position, code")
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Category {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                team_code: r.try_get("team_code")?,
                active: r.try_get::<i16, _>("active")? != 0,
                position: i64::from(r.try_get::<i32, _>("position")?),
            })
        })
        .collect()
}

pub async fn upsert_category(tx: &mut Tx, c: &Category) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_categories (hospital_id, code, name, team_code, active, position) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (hospital_id, code) DO UPDATE SET name = excluded.name, team_code = excluded.team_code, \
         active = excluded.active, position = excluded.position",
    )
    .bind(c.code.clone())
    .bind(c.name.clone())
    .bind(c.team_code.clone())
    .bind(i16::from(c.active))
    .bind(i32::try_from(c.position).unwrap_or(0))
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn days(text: &str) -> Vec<LocalDay> {
    text.split(',').filter_map(|d| LocalDay::parse(d.trim()).ok()).collect()
}

fn join_days(d: &[LocalDay]) -> String {
    d.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

pub async fn calendars<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<CalendarDef>> {
    let rows = c
        .query("SELECT code, name, hours, holidays, workdays, public_holidays FROM desk_calendars WHERE hospital_id = $1 ORDER BY code")
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CalendarDef {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                hours: r.try_get("hours")?,
                holidays: days(&r.try_get::<String, _>("holidays")?),
                workdays: days(&r.try_get::<String, _>("workdays")?),
                public_holidays: r.try_get::<i16, _>("public_holidays")? != 0,
            })
        })
        .collect()
}

pub async fn upsert_calendar(tx: &mut Tx, c: &CalendarDef, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_calendars (hospital_id, code, name, hours, holidays, workdays, public_holidays, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (hospital_id, code) DO UPDATE SET name = excluded.name, hours = excluded.hours, holidays = excluded.holidays, \
         workdays = excluded.workdays, public_holidays = excluded.public_holidays, updated_at = excluded.updated_at",
    )
    .bind(c.code.clone())
    .bind(c.name.clone())
    .bind(c.hours.clone())
    .bind(join_days(&c.holidays))
    .bind(join_days(&c.workdays))
    .bind(i16::from(c.public_holidays))
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn policies<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<Policy>> {
    let rows = c
        .query(
            "SELECT category_code, priority, name, calendar_code, first_response_minutes, resolution_minutes, warn_pct \
             FROM desk_sla_policies WHERE hospital_id = $1 ORDER BY category_code, priority",
        )
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            let p: String = r.try_get("priority")?;
            Ok(Policy {
                category_code: r.try_get("category_code")?,
                priority: Priority::parse(&p),
                name: r.try_get("name")?,
                calendar_code: r.try_get("calendar_code")?,
                first_response_minutes: r.try_get::<Option<i32>, _>("first_response_minutes")?.map(i64::from),
                resolution_minutes: r.try_get::<Option<i32>, _>("resolution_minutes")?.map(i64::from),
                warn_pct: i64::from(r.try_get::<i32, _>("warn_pct")?),
            })
        })
        .collect()
}

pub async fn upsert_policy(tx: &mut Tx, p: &Policy) -> sqlx::Result<()> {
    let to_i32 = |m: Option<i64>| m.map(|v| i32::try_from(v).unwrap_or(i32::MAX));
    tx.query(
        "INSERT INTO desk_sla_policies (hospital_id, category_code, priority, name, calendar_code, first_response_minutes, \
         resolution_minutes, warn_pct) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (hospital_id, category_code, priority) DO UPDATE SET name = excluded.name, calendar_code = excluded.calendar_code, \
         first_response_minutes = excluded.first_response_minutes, resolution_minutes = excluded.resolution_minutes, \
         warn_pct = excluded.warn_pct",
    )
    .bind(p.category_code.clone())
    .bind(p.priority.map_or("", Priority::code))
    .bind(p.name.clone())
    .bind(p.calendar_code.clone())
    .bind(to_i32(p.first_response_minutes))
    .bind(to_i32(p.resolution_minutes))
    .bind(to_i32(Some(p.warn_pct)))
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn delete_policy(tx: &mut Tx, category: &str, priority: &str) -> sqlx::Result<u64> {
    let r = tx
        .query("DELETE FROM desk_sla_policies WHERE hospital_id = $1 AND category_code = $2 AND priority = $3")
        .bind(category.to_string())
        .bind(priority.to_string())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected())
}

pub async fn canned<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<Canned>> {
    let rows =
        c.query("SELECT code, title, body FROM desk_canned_replies WHERE hospital_id = $1 ORDER BY code").fetch_all(c.conn()).await?;
    rows.iter().map(|r| Ok(Canned { code: r.try_get("code")?, title: r.try_get("title")?, body: r.try_get("body")? })).collect()
}

pub async fn upsert_canned(tx: &mut Tx, c: &Canned) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO desk_canned_replies (hospital_id, code, title, body) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (hospital_id, code) DO UPDATE SET title = excluded.title, body = excluded.body",
    )
    .bind(c.code.clone())
    .bind(c.title.clone())
    .bind(c.body.clone())
    .execute(tx.conn())
    .await?;
    Ok(())
}
