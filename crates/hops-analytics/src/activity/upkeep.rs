//! Keeping the daily aggregates and the period roll-ups ([`crate::activity::rollup`]) in step with the
//! raw rows: inside each ingest batch's transaction (read what the batch affects, write the
//! rows, add the difference), and by a full rebuild from the raw rows (after migration 0008,
//! for data ingested before it).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use hops_kernel::{HospitalId, Instant, LocalDay};
use hops_platform::{Access, Core, Result, Tx};

use crate::activity::rollup::{self, CellDelta, DailyCell, PatientDelta};
use crate::activity::store::rollups::{self as rs, Source};
use crate::activity::store::{self};

/// Holds the hospital's ingest lock for the rest of the transaction: roll-ups are read, then
/// rewritten, so two batches of one hospital must not interleave.
pub async fn lock(access: &Access, tx: &mut Tx) -> Result<()> {
    tx.serialize(access.engine(), "analytics.ingest").await?;
    Ok(())
}

/// A consultation batch's footprint, taken before its rows are written.
pub struct ConsultationChange {
    days: Vec<i32>,
    patients: Vec<i64>,
    cells_before: Vec<DailyCell>,
    patients_before: HashMap<i64, Vec<LocalDay>>,
}

/// Reads what a batch of consultations (external id, created day, patient) is about to change:
/// the days and patients it touches — its own and those of the stored rows it replaces.
pub async fn before_consultations(tx: &mut Tx, batch: &[(&str, LocalDay, i64)]) -> Result<ConsultationChange> {
    let external: Vec<&str> = batch.iter().map(|(e, _, _)| *e).collect();
    let stored = store::stored_keys(tx, &external).await?;
    let mut days: HashSet<i32> = stored.iter().map(|(d, _)| *d).collect();
    days.extend(batch.iter().map(|(_, d, _)| d.0));
    let mut patients: HashSet<i64> = stored.iter().map(|(_, p)| *p).collect();
    patients.extend(batch.iter().map(|(_, _, p)| *p));
    let mut days: Vec<i32> = days.into_iter().collect();
    days.sort_unstable();
    let mut patients: Vec<i64> = patients.into_iter().collect();
    patients.sort_unstable();
    let cells_before = rs::daily_cells(tx, &days).await?;
    let patients_before = rs::patient_days(tx, &patients).await?;
    Ok(ConsultationChange { days, patients, cells_before, patients_before })
}

/// After the rows are written: recomputes the touched days and adds the difference to the
/// period roll-ups.
pub async fn after_consultations(tx: &mut Tx, change: ConsultationChange) -> Result<()> {
    store::refresh_daily(tx, &change.days).await?;
    rs::refresh_review_reasons(tx, &change.days).await?;
    let days: Vec<LocalDay> = change.days.iter().map(|d| LocalDay(*d)).collect();
    rs::refresh_activity(tx, &rs::CONSULTATIONS, &days).await?;
    let cells_after = rs::daily_cells(tx, &change.days).await?;
    rs::add_period_cells(tx, &rollup::cell_delta(&change.cells_before, &cells_after)).await?;
    let patients_after = rs::patient_days(tx, &change.patients).await?;
    rs::add_period_patients(tx, &rollup::patient_delta(&change.patients_before, &patients_after)).await?;
    Ok(())
}

/// The days of a source whose metrics a batch changes: the days of the stored rows it
/// replaces and of its own instants.
pub async fn activity_days(
    tx: &mut Tx,
    source: &Source,
    external_ids: &[&str],
    new: impl Iterator<Item = Instant>,
) -> Result<Vec<LocalDay>> {
    let mut days: HashSet<LocalDay> = rs::stored_instants(tx, source, external_ids).await?.into_iter().map(Instant::local_day).collect();
    days.extend(new.map(Instant::local_day));
    let mut days: Vec<LocalDay> = days.into_iter().collect();
    days.sort_unstable();
    Ok(days)
}

/// After the rows are written: recomputes the source's metrics of those days.
pub async fn after_activity(tx: &mut Tx, source: &Source, days: &[LocalDay]) -> Result<()> {
    rs::refresh_activity(tx, source, days).await?;
    Ok(())
}

/// Rebuilds every aggregate and roll-up of the hospital from the raw rows, in one transaction.
pub async fn rebuild(access: &Access) -> Result<()> {
    let mut tx = access.tenant().write().await?;
    lock(access, &mut tx).await?;
    rs::clear(&mut tx).await?;
    let days = rs::consultation_days(&mut tx).await?;
    for chunk in days.chunks(31) {
        store::refresh_daily(&mut tx, chunk).await?;
        rs::refresh_review_reasons(&mut tx, chunk).await?;
        let mut cells = CellDelta::new();
        rollup::roll_up(&mut cells, &rs::daily_cells(&mut tx, chunk).await?, 1);
        rs::add_period_cells(&mut tx, &cells).await?;
    }
    rebuild_patients(&mut tx).await?;
    for source in rs::SOURCES {
        if let Some((first, last)) = rs::span(&mut tx, source).await? {
            let (first, last) = (first.local_day(), last.local_day());
            let days: Vec<LocalDay> = (0..=last.days_since(first)).map(|i| first.plus_days(i)).collect();
            rs::refresh_activity(&mut tx, source, &days).await?;
        }
    }
    rs::rebuilt(&mut tx).await?;
    access.audit(&mut tx, "analytics.rebuild", "rollups", "由原始数据重建汇总").await?;
    tx.commit().await?;
    Ok(())
}

/// `period_patients` from every patient's consultation days, read a page of patients at a time.
async fn rebuild_patients(tx: &mut Tx) -> Result<()> {
    const PAGE: i64 = 100_000;
    let mut after = i64::MIN;
    loop {
        let rows = rs::patient_days_page(tx, after, PAGE).await?;
        let full = rows.len() as i64 == PAGE;
        let mut by_patient: Vec<(i64, Vec<LocalDay>)> = Vec::new();
        for (p, d) in rows {
            match by_patient.last_mut() {
                Some((q, days)) if *q == p => days.push(d),
                _ => by_patient.push((p, vec![d])),
            }
        }
        if full {
            // The last patient may continue on the next page: read all of theirs at once.
            if let Some((p, _)) = by_patient.pop() {
                let days = rs::patient_days(tx, &[p]).await?.remove(&p).unwrap_or_default();
                by_patient.push((p, days));
            }
        }
        let mut delta = PatientDelta::new();
        for (_, days) in &by_patient {
            rollup::add_patient(&mut delta, days, 1);
        }
        rs::add_period_patients(tx, &delta).await?;
        match by_patient.last() {
            Some((p, _)) if full => after = *p,
            _ => return Ok(()),
        }
    }
}

/// Rebuilds the roll-ups of every hospital that migration 0008 marked (run at start-up).
pub async fn rebuild_pending(core: &Arc<Core>) -> Result<()> {
    for h in hops_platform::accounts::service::all_hospitals(core).await? {
        let access = core.act_as_system(HospitalId(h.id.0));
        let pending = {
            let mut c = access.tenant().read().await?;
            rs::pending_rebuild(&mut c).await?
        };
        if pending {
            tracing::info!(hospital = h.id.0, "rebuilding analytics roll-ups from raw rows");
            rebuild(&access).await?;
        }
    }
    Ok(())
}
