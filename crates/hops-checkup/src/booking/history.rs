//! The one place a booking's status changes after it is made: the conditional update of the
//! booking and its status-history row, in the caller's transaction; and the history read back.

use hops_platform::flow::{self, Change, HistoryRow};
use hops_platform::{Access, Error, Permission, Result, Tx};

use super::model::{Action, FLOW, Status};
use super::store;

/// Moves booking `id` from `from` by `action` (refused with the flow's message when the table
/// does not allow it) and records the change; false when the booking's status changed
/// meanwhile (nothing written).
pub(crate) async fn change(access: &Access, tx: &mut Tx, id: i64, from: Status, action: Action, note: &str) -> Result<bool> {
    let to = FLOW.next(from, action).map_err(|m| Error::conflict("invalid_status", m))?;
    if !store::transition(tx, id, from, to, access.now()).await? {
        return Ok(false);
    }
    recorded(access, tx, id, from, action, note).await?;
    Ok(true)
}

/// Records a change already written by its own statement (check-in, which also stores who and
/// when).
pub(crate) async fn recorded(access: &Access, tx: &mut Tx, id: i64, from: Status, action: Action, note: &str) -> Result<()> {
    let to = FLOW.next(from, action).map_err(|m| Error::conflict("invalid_status", m))?;
    let change = Change { from: Some(from.code()), to: to.code(), action: action.code(), note };
    flow::service::record(access, tx, FLOW.subject(id), change).await?;
    // Money no longer held (refunded, cancelled): a waiting invoice request goes with it.
    if crate::invoice::model::can_invoice(from) && !crate::invoice::model::can_invoice(to) {
        crate::invoice::service::void_waiting(
            access,
            tx,
            id,
            &format!("预约已{}，发票申请自动作废", to.label_zh().trim_start_matches('已')),
        )
        .await?;
    }
    Ok(())
}

/// A booking's status history, oldest first.
pub async fn of(access: &Access, id: i64) -> Result<Vec<HistoryRow>> {
    access.require(Permission::CheckupRead)?;
    let mut c = access.tenant().read().await?;
    store::booking(&mut c, id).await?.ok_or_else(|| Error::not_found("预约"))?;
    flow::service::history(&mut c, FLOW.subject(id)).await
}
