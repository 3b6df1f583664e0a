//! SQL of the group bookings an employer's contact sees for the employer's list.

use hops_kernel::{LocalDay, Money};
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use crate::booking::model::Status;

/// A group booking as a contact sees it.
#[derive(Clone, Debug)]
pub struct GroupBooking {
    pub id: i64,
    pub employee_id: i64,
    pub number: String,
    pub day: LocalDay,
    pub status: Status,
    /// What the person pays.
    pub total: Money,
    pub employer_pays: Money,
    pub booked_by: String,
}

/// The bookings of an employer's listed people that hold places or are done, by date.
pub async fn bookings_of_employer<C: Conn>(c: &mut Scoped<C>, employer: &str) -> sqlx::Result<Vec<GroupBooking>> {
    let rows = c
        .query(
            "SELECT id, employee_id, number, day, status, total_fen, employer_fen, booked_by FROM checkup_bookings \
             WHERE hospital_id = $1 AND employer_code = $2 AND employee_id IS NOT NULL \
             AND status IN ('pending_payment', 'paid', 'checked_in', 'completed') ORDER BY day, id",
        )
        .bind(employer.to_string())
        .fetch_all(c.conn())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let status: String = r.try_get(4)?;
        let Some(status) = Status::from_code(&status) else { continue };
        out.push(GroupBooking {
            id: r.try_get(0)?,
            employee_id: r.try_get(1)?,
            number: r.try_get(2)?,
            day: LocalDay(r.try_get(3)?),
            status,
            total: Money(r.try_get(5)?),
            employer_pays: Money(r.try_get(6)?),
            booked_by: r.try_get(7)?,
        });
    }
    Ok(out)
}
