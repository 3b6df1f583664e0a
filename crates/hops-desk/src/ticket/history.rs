//! A ticket's status changes in the platform's status history — the one record of them, which
//! the SLA clocks read and the ticket's conversation shows in place.

use hops_kernel::Instant;
use hops_platform::db::{Conn, Scoped};
use hops_platform::flow::{self, Change, HistoryRow};
use hops_platform::{Access, Error, Result, Tx};

use super::model::{self, Action, Status};
use super::store::EventRow;

pub(crate) async fn all_changes(tx: &mut Tx, id: i64) -> Result<Vec<(Instant, Status)>> {
    Ok(status_changes(tx, &[id]).await?.into_iter().map(|(_, at, s)| (at, s)).collect())
}

/// The status changes of many tickets from the status history, per ticket in time order (the
/// SLA clocks' timeline).
pub(crate) async fn status_changes<C: Conn>(c: &mut Scoped<C>, tickets: &[i64]) -> Result<Vec<(i64, Instant, Status)>> {
    let rows = flow::service::histories(c, model::FLOW.kind, tickets).await?;
    rows.into_iter()
        .map(|r| {
            let s = Status::parse(&r.to)
                .ok_or_else(|| Error::Internal(anyhow::anyhow!("status_history of ticket {}: {}", r.subject_id, r.to)))?;
            Ok((r.subject_id, r.at, s))
        })
        .collect()
}

/// Records a status change of ticket `id` by `actor` at `at` (imports keep their own times).
pub(crate) async fn record(
    access: &Access,
    tx: &mut Tx,
    id: i64,
    change: (Option<Status>, Status, Action),
    note: &str,
    actor: (Option<i64>, &str),
    at: Instant,
) -> Result<()> {
    let (from, to, action) = change;
    let c = Change { from: from.map(Status::code), to: to.code(), action: action.code(), note };
    flow::service::record_as(access, tx, model::FLOW.subject(id), c, actor, at).await?;
    Ok(())
}

pub(crate) fn me(access: &Access) -> (Option<i64>, &str) {
    (access.actor().user_id.map(|u| u.0), access.actor().display_name.as_str())
}

/// Puts the status changes into the conversation where they happened (as the `status` events
/// it has always shown) and returns them as the SLA timeline's (time, status) pairs.
pub(crate) fn merge(ticket: i64, events: &mut Vec<EventRow>, history: &[HistoryRow]) -> Vec<(Instant, Status)> {
    let mut changes = Vec::new();
    for h in history {
        let status = Status::parse(&h.to);
        if let Some(s) = status {
            changes.push((h.at, s));
        }
        events.push(EventRow {
            id: h.id,
            ticket_id: ticket,
            at: h.at,
            kind: "status".into(),
            actor_id: h.actor_id,
            actor_name: h.actor_name.clone(),
            body: h.note.clone(),
            status,
        });
    }
    events.sort_by_key(|e| (e.at, e.id));
    changes
}
