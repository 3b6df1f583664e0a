//! SQL of persons and bookings (migration 0010).

use hops_kernel::{Instant, LocalDay, Money, PersonId};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::model::Status;
use crate::capacity::model::{PoolKey, PoolKind};
use crate::catalogue::model::Source;

/// The join from a booking (`b`) to its person as the platform keeps them (`p`: name, sex,
/// birth date, masked and indexed numbers), through the checkup role (`cp`: marital status).
/// `people` is read here and written only through `hops_platform::people::service`.
const PERSON_JOIN: &str = "JOIN checkup_persons cp ON cp.hospital_id = b.hospital_id AND cp.id = b.person_id \
                           JOIN people p ON p.hospital_id = cp.hospital_id AND p.id = cp.person_id";

/// The checkup role of a person (its id), if they have one.
pub async fn role_of(tx: &mut Tx, person: PersonId) -> sqlx::Result<Option<i64>> {
    let r = tx
        .query("SELECT id FROM checkup_persons WHERE hospital_id = $1 AND person_id = $2")
        .bind(person.0)
        .fetch_optional(tx.conn())
        .await?;
    r.map(|r| r.try_get(0)).transpose()
}

/// Gives person `person` the checkup role `id`.
pub async fn insert_role(tx: &mut Tx, id: i64, person: PersonId, married: Option<bool>, now: Instant) -> sqlx::Result<()> {
    tx.query("INSERT INTO checkup_persons (hospital_id, id, person_id, married, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
        .bind(id)
        .bind(person.0)
        .bind(married.map(i16::from))
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Records a checkup person's marital status.
pub async fn set_married(tx: &mut Tx, id: i64, married: bool, now: Instant) -> sqlx::Result<()> {
    tx.query("UPDATE checkup_persons SET married = $3, updated_at = $4 WHERE hospital_id = $1 AND id = $2")
        .bind(id)
        .bind(i16::from(married))
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A booking as stored.
#[derive(Clone, Debug)]
pub struct BookingRow {
    pub id: i64,
    pub number: String,
    pub person_id: i64,
    pub package_code: String,
    pub day: LocalDay,
    pub channel: String,
    pub employer_code: Option<String>,
    pub status: Status,
    pub total: Money,
    pub hold_until: Option<Instant>,
    pub idem_key: Option<String>,
    pub request_hash: String,
    pub created_by: Option<i64>,
    pub created_at: Instant,
    /// The listed employee or family member of a group booking.
    pub employee_id: Option<i64>,
    /// What the employer pays (`total` is what the person pays).
    pub employer_pays: Money,
    /// Who booked on the person's behalf (an employer contact), empty when they booked themselves.
    pub booked_by: String,
    pub checked_in_at: Option<Instant>,
    pub checked_in_by: Option<i64>,
}

impl BookingRow {
    /// See [`super::model::can_cancel`].
    pub fn can_cancel(&self) -> bool {
        super::model::can_cancel(self.status, self.total)
    }

    /// See [`super::model::can_refund`].
    pub fn can_refund(&self) -> bool {
        super::model::can_refund(self.status, self.total)
    }
}

/// `person:day` while a booking holds places.
pub fn active_key(person: i64, day: LocalDay) -> String {
    format!("{person}:{}", day.0)
}

const BOOKING_COLUMNS: &str = "id, number, person_id, package_code, day, channel, employer_code, status, total_fen, hold_until, idem_key, \
                               request_hash, created_by, created_at, employee_id, employer_fen, booked_by, checked_in_at, checked_in_by";

fn booking_row(r: &sqlx::any::AnyRow) -> sqlx::Result<BookingRow> {
    let status: String = r.try_get("status")?;
    Ok(BookingRow {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        person_id: r.try_get("person_id")?,
        package_code: r.try_get("package_code")?,
        day: LocalDay(r.try_get("day")?),
        channel: r.try_get("channel")?,
        employer_code: r.try_get("employer_code")?,
        status: Status::from_code(&status).ok_or_else(|| sqlx::Error::Decode(format!("unknown booking status {status}").into()))?,
        total: Money(r.try_get("total_fen")?),
        hold_until: r.try_get::<Option<i64>, _>("hold_until")?.map(Instant),
        idem_key: r.try_get("idem_key")?,
        request_hash: r.try_get("request_hash")?,
        created_by: r.try_get("created_by")?,
        created_at: Instant(r.try_get("created_at")?),
        employee_id: r.try_get("employee_id")?,
        employer_pays: Money(r.try_get("employer_fen")?),
        booked_by: r.try_get("booked_by")?,
        checked_in_at: r.try_get::<Option<i64>, _>("checked_in_at")?.map(Instant),
        checked_in_by: r.try_get("checked_in_by")?,
    })
}

/// Inserts a booking with its items and the places it took. Fails with a unique violation when
/// the person already holds a booking that day or the idempotency key was used.
pub async fn insert_booking(
    tx: &mut Tx,
    b: &BookingRow,
    items: &[(String, Money, Source)],
    pools: &[PoolKey],
    now: Instant,
) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO checkup_bookings (hospital_id, id, number, person_id, package_code, day, channel, employer_code, status, total_fen, \
         hold_until, active_key, idem_key, request_hash, created_by, created_at, updated_at, employee_id, employer_fen, booked_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, $18, $19)",
    )
    .bind(b.id)
    .bind(b.number.clone())
    .bind(b.person_id)
    .bind(b.package_code.clone())
    .bind(b.day.0)
    .bind(b.channel.clone())
    .bind(b.employer_code.clone())
    .bind(b.status.code())
    .bind(b.total.fen())
    .bind(b.hold_until.map(|t| t.0))
    .bind(b.status.holds_places().then(|| active_key(b.person_id, b.day)))
    .bind(b.idem_key.clone())
    .bind(b.request_hash.clone())
    .bind(b.created_by)
    .bind(now.0)
    .bind(b.employee_id)
    .bind(b.employer_pays.fen())
    .bind(b.booked_by.clone())
    .execute(tx.conn())
    .await?;
    // Many rows per statement: a package has a dozen items or more, and each statement is a
    // round trip while the booking's transaction is open.
    for chunk in items.chunks(hops_platform::db::rows_per_statement(4)) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, $2, ${}, ${}, ${})", 3 + 3 * i, 4 + 3 * i, 5 + 3 * i)).collect();
        let sql = format!(
            "INSERT INTO checkup_booking_items (hospital_id, booking_id, item_code, price_fen, source) VALUES {}",
            values.join(", ")
        );
        let mut q = tx.query_built(sql).bind(b.id);
        for (code, price, source) in chunk {
            q = q.bind(code.clone()).bind(price.fen()).bind(match source {
                Source::Package => "package",
                Source::Added => "added",
            });
        }
        q.execute(tx.conn()).await?;
    }
    insert_pools(tx, b.id, b.day, pools).await
}

/// Replaces the places a booking holds.
pub async fn set_pools(tx: &mut Tx, booking: i64, day: LocalDay, pools: &[PoolKey]) -> sqlx::Result<()> {
    tx.query("DELETE FROM checkup_booking_pools WHERE hospital_id = $1 AND booking_id = $2").bind(booking).execute(tx.conn()).await?;
    insert_pools(tx, booking, day, pools).await
}

/// Records the places a booking holds, in one statement (a booking takes a handful).
async fn insert_pools(tx: &mut Tx, booking: i64, day: LocalDay, pools: &[PoolKey]) -> sqlx::Result<()> {
    if pools.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (0..pools.len()).map(|i| format!("($1, $2, $3, ${}, ${})", 4 + 2 * i, 5 + 2 * i)).collect();
    let sql = format!("INSERT INTO checkup_booking_pools (hospital_id, booking_id, day, kind, pool_key) VALUES {}", values.join(", "));
    let mut q = tx.query_built(sql).bind(booking).bind(day.0);
    for key in pools {
        q = q.bind(key.kind.code()).bind(key.key.clone());
    }
    q.execute(tx.conn()).await?;
    Ok(())
}

/// The places a booking holds.
pub async fn pools_of<C: Conn>(c: &mut Scoped<C>, booking: i64) -> sqlx::Result<Vec<PoolKey>> {
    let rows = c
        .query("SELECT kind, pool_key FROM checkup_booking_pools WHERE hospital_id = $1 AND booking_id = $2 ORDER BY kind, pool_key")
        .bind(booking)
        .fetch_all(c.conn())
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let kind: String = r.try_get(0)?;
        if let Some(kind) = PoolKind::from_code(&kind) {
            out.push(PoolKey { kind, key: r.try_get(1)? });
        }
    }
    Ok(out)
}

pub async fn booking<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<BookingRow>> {
    let sql = format!("SELECT {BOOKING_COLUMNS} FROM checkup_bookings WHERE hospital_id = $1 AND id = $2");
    c.query_built(sql).bind(id).fetch_optional(c.conn()).await?.as_ref().map(booking_row).transpose()
}

pub async fn booking_by_idem_key<C: Conn>(c: &mut Scoped<C>, key: &str) -> sqlx::Result<Option<BookingRow>> {
    let sql = format!("SELECT {BOOKING_COLUMNS} FROM checkup_bookings WHERE hospital_id = $1 AND idem_key = $2");
    c.query_built(sql).bind(key.to_string()).fetch_optional(c.conn()).await?.as_ref().map(booking_row).transpose()
}

/// Whether the person holds a booking on `day` (other than `except`).
pub async fn holds_day<C: Conn>(c: &mut Scoped<C>, person: i64, day: LocalDay, except: Option<i64>) -> sqlx::Result<bool> {
    let r = c
        .query("SELECT id FROM checkup_bookings WHERE hospital_id = $1 AND active_key = $2")
        .bind(active_key(person, day))
        .fetch_optional(c.conn())
        .await?;
    Ok(match r {
        Some(r) => Some(r.try_get::<i64, _>(0)?) != except,
        None => false,
    })
}

/// Moves a booking from status `from` to `to` (clearing its hold on places when `to` holds
/// none); returns false when it was not in `from` any more.
pub async fn transition(tx: &mut Tx, id: i64, from: Status, to: Status, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE checkup_bookings SET status = $3, active_key = CASE WHEN $4 = 1 THEN active_key ELSE NULL END, updated_at = $5 \
             WHERE hospital_id = $1 AND id = $2 AND status = $6",
        )
        .bind(id)
        .bind(to.code())
        .bind(i32::from(to.holds_places()))
        .bind(now.0)
        .bind(from.code())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Moves a booking to another date.
pub async fn move_day(tx: &mut Tx, b: &BookingRow, day: LocalDay, now: Instant) -> sqlx::Result<()> {
    tx.query("UPDATE checkup_bookings SET day = $3, active_key = $4, updated_at = $5 WHERE hospital_id = $1 AND id = $2")
        .bind(b.id)
        .bind(day.0)
        .bind(active_key(b.person_id, day))
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The items of a booking: code, price, source code.
pub async fn items_of<C: Conn>(c: &mut Scoped<C>, booking: i64) -> sqlx::Result<Vec<(String, Money, String)>> {
    let rows = c
        .query(
            "SELECT item_code, price_fen, source FROM checkup_booking_items WHERE hospital_id = $1 AND booking_id = $2 ORDER BY item_code",
        )
        .bind(booking)
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| Ok((r.try_get(0)?, Money(r.try_get(1)?), r.try_get(2)?))).collect()
}

/// A booking in a list, with its person as shown (name, masked ID and phone numbers).
pub struct ListedBooking {
    pub booking: BookingRow,
    /// The person booked (`hops_platform::people`).
    pub person: PersonId,
    pub name: String,
    pub id_number_masked: String,
    pub phone_masked: String,
}

/// Bookings filtered by date and status, or found by order number (`number`), newest first.
pub async fn list<C: Conn>(
    c: &mut Scoped<C>,
    day: Option<LocalDay>,
    status: Option<Status>,
    number: &str,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Vec<ListedBooking>, i64)> {
    let filter = "b.hospital_id = $1 AND ($2 = 0 OR b.day = $3) AND ($4 = '' OR b.status = $4) AND ($5 = '' OR b.number = $5)";
    let bind = |q: hops_platform::db::Q| {
        q.bind(i32::from(day.is_some()))
            .bind(day.map_or(0, |d| d.0))
            .bind(status.map_or("", Status::code).to_string())
            .bind(number.trim().to_string())
    };
    let total: i64 =
        bind(c.query_built(format!("SELECT COUNT(*) FROM checkup_bookings b WHERE {filter}"))).fetch_one(c.conn()).await?.try_get(0)?;
    let rows = list_where(c, filter.trim_start_matches("b.hospital_id = $1 AND "), bind, limit, offset).await?;
    Ok((rows, total))
}

/// The bookings of `day` that come to the check-in desk (paid, checked in, completed), or the
/// one with order number `number`, newest first.
pub async fn at_desk<C: Conn>(
    c: &mut Scoped<C>,
    day: LocalDay,
    number: &str,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Vec<ListedBooking>, i64)> {
    let filter = "b.hospital_id = $1 AND b.day = $2 AND b.status IN ('paid', 'checked_in', 'completed') AND ($3 = '' OR b.number = $3)";
    let bind = |q: hops_platform::db::Q| q.bind(day.0).bind(number.trim().to_string());
    let total: i64 =
        bind(c.query_built(format!("SELECT COUNT(*) FROM checkup_bookings b WHERE {filter}"))).fetch_one(c.conn()).await?.try_get(0)?;
    let rows = list_where(c, filter.trim_start_matches("b.hospital_id = $1 AND "), bind, limit, offset).await?;
    Ok((rows, total))
}

/// Bookings of `day` at the desk: [paid (to check in), checked in (items under way)].
pub async fn at_desk_waiting<C: Conn>(c: &mut Scoped<C>, day: LocalDay) -> sqlx::Result<[i64; 2]> {
    let r = c
        .query(
            "SELECT COALESCE(SUM(CASE WHEN status = 'paid' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN status = 'checked_in' THEN 1 ELSE 0 END), 0) \
             FROM checkup_bookings WHERE hospital_id = $1 AND day = $2 AND status IN ('paid', 'checked_in')",
        )
        .bind(day.0)
        .fetch_one(c.conn())
        .await?;
    Ok([r.try_get(0)?, r.try_get(1)?])
}

/// Bookings with their person matching `filter` (SQL over `b` and `p`, parameters from `$2`,
/// bound by `bind`), newest first, `limit` from `offset`.
pub async fn list_where<C: Conn>(
    c: &mut Scoped<C>,
    filter: &str,
    bind: impl FnOnce(hops_platform::db::Q) -> hops_platform::db::Q,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ListedBooking>> {
    let cols = BOOKING_COLUMNS.split(", ").map(|col| format!("b.{}", col.trim())).collect::<Vec<_>>().join(", ");
    // Integers, not input: the page size and offset are ours.
    let paging = format!("LIMIT {} OFFSET {}", limit.max(1), offset.max(0));
    let sql = format!(
        "SELECT {cols}, p.id AS people_id, p.name AS person_name, p.id_number_masked, p.phone_masked FROM checkup_bookings b {PERSON_JOIN} \
         WHERE b.hospital_id = $1 AND {filter} ORDER BY b.id DESC {paging}"
    );
    let rows = bind(c.query_built(sql)).fetch_all(c.conn()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(ListedBooking {
            booking: booking_row(&r)?,
            person: PersonId(r.try_get("people_id")?),
            name: r.try_get("person_name")?,
            id_number_masked: r.try_get("id_number_masked")?,
            phone_masked: r.try_get("phone_masked")?,
        });
    }
    Ok(out)
}

/// Sex code, birth date and marital status of a stored person.
pub async fn person_profile<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<(String, LocalDay, Option<bool>)>> {
    let r = c
        .query(
            "SELECT p.sex, p.birth_date, cp.married FROM checkup_persons cp JOIN people p ON p.hospital_id = cp.hospital_id \
             AND p.id = cp.person_id WHERE cp.hospital_id = $1 AND cp.id = $2",
        )
        .bind(id)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| Ok((r.try_get(0)?, LocalDay(r.try_get(1)?), r.try_get::<Option<i16>, _>(2)?.map(|m| m != 0)))).transpose()
}

/// Bookings holding places on `day`.
pub async fn active_on<C: Conn>(c: &mut Scoped<C>, day: LocalDay) -> sqlx::Result<i64> {
    c.query("SELECT COUNT(*) FROM checkup_bookings WHERE hospital_id = $1 AND day = $2 AND active_key IS NOT NULL")
        .bind(day.0)
        .fetch_one(c.conn())
        .await?
        .try_get(0)
}

/// Marks a paid booking checked in by `by`; false when it was not paid any more.
pub async fn check_in(tx: &mut Tx, id: i64, by: Option<i64>, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query(
            "UPDATE checkup_bookings SET status = $3, checked_in_at = $4, checked_in_by = $5, updated_at = $4 \
             WHERE hospital_id = $1 AND id = $2 AND status = $6",
        )
        .bind(id)
        .bind(Status::CheckedIn.code())
        .bind(now.0)
        .bind(by)
        .bind(Status::Paid.code())
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The person of a checkup person (whose numbers the people service reads), and their name.
pub async fn person_of<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<(PersonId, String)>> {
    let r = c
        .query(
            "SELECT p.id, p.name FROM checkup_persons cp JOIN people p ON p.hospital_id = cp.hospital_id AND p.id = cp.person_id \
             WHERE cp.hospital_id = $1 AND cp.id = $2",
        )
        .bind(id)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| Ok((PersonId(r.try_get(0)?), r.try_get(1)?))).transpose()
}

/// Whether a listed person (of an employer's list) holds a booking that takes places.
pub async fn listed_holds_booking(tx: &mut Tx, employee: i64) -> sqlx::Result<bool> {
    let r = tx
        .query("SELECT 1 FROM checkup_bookings WHERE hospital_id = $1 AND employee_id = $2 AND active_key IS NOT NULL")
        .bind(employee)
        .fetch_optional(tx.conn())
        .await?;
    Ok(r.is_some())
}

/// The statuses of the bookings of listed people, by listed person (for progress).
pub async fn statuses_by_employee<C: Conn>(c: &mut Scoped<C>, employer: &str) -> sqlx::Result<Vec<(i64, Status)>> {
    let rows = c
        .query("SELECT employee_id, status FROM checkup_bookings WHERE hospital_id = $1 AND employer_code = $2 AND employee_id IS NOT NULL")
        .bind(employer.to_string())
        .fetch_all(c.conn())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let status: String = r.try_get(1)?;
        if let Some(s) = Status::from_code(&status) {
            out.push((r.try_get(0)?, s));
        }
    }
    Ok(out)
}

/// The phone blind index of a booking's person (`None`: no such booking; `Some(None)`: the
/// person has no phone on file).
pub async fn person_phone_bidx_of_booking<C: Conn>(c: &mut Scoped<C>, booking: i64) -> sqlx::Result<Option<Option<String>>> {
    let r = c
        .query_built(format!("SELECT p.phone_bidx FROM checkup_bookings b {PERSON_JOIN} WHERE b.hospital_id = $1 AND b.id = $2"))
        .bind(booking)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| r.try_get(0)).transpose()
}

/// The person of a booking.
pub async fn person_of_booking<C: Conn>(c: &mut Scoped<C>, booking: i64) -> sqlx::Result<Option<PersonId>> {
    let r = c
        .query_built(format!("SELECT p.id FROM checkup_bookings b {PERSON_JOIN} WHERE b.hospital_id = $1 AND b.id = $2"))
        .bind(booking)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| Ok(PersonId(r.try_get(0)?))).transpose()
}
