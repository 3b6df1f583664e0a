//! SQL of revenue R: the hospital's settings (`revenue_settings`, migration 0008). The amounts
//! are read from the daily metrics through `crate::activity::store::rollups::activity_sums`.

use hops_kernel::{Instant, LocalDay, Money};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::model::{self, Settings};

/// The hospital's saved settings.
pub struct SettingsRow {
    pub settings: Settings,
    pub updated_at: Instant,
    pub updated_by: String,
}

pub async fn settings<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Option<SettingsRow>> {
    let r = c
        .query("SELECT contract_start, target_fen, components, updated_at, updated_by FROM revenue_settings WHERE hospital_id = $1")
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| {
        let components: String = r.try_get("components")?;
        Ok(SettingsRow {
            settings: Settings {
                contract_start: LocalDay(r.try_get("contract_start")?),
                target: Money(r.try_get("target_fen")?),
                components: model::parse_components(&components),
            },
            updated_at: Instant(r.try_get("updated_at")?),
            updated_by: r.try_get("updated_by")?,
        })
    })
    .transpose()
}

pub async fn save_settings(tx: &mut Tx, s: &Settings, now: Instant, by: &str) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO revenue_settings (hospital_id, contract_start, target_fen, components, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (hospital_id) DO UPDATE SET contract_start = excluded.contract_start, target_fen = excluded.target_fen, \
         components = excluded.components, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(s.contract_start.0)
    .bind(s.target.0)
    .bind(model::components_text(&s.components))
    .bind(now.0)
    .bind(by.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}
