//! SQL of reports: drafts of the conclusions, published reports (insert and read only — a
//! published report is never updated), subscribers, deliveries, and the period figures the
//! KPI set does not carry (doctor ranking, rating distribution, bad-review texts).

use hops_kernel::{Instant, LocalDay, Period};
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;
use sqlx::any::AnyRow;

hops_kernel::define_id!(
    /// A published report.
    ReportId
);
hops_kernel::define_id!(
    /// A report subscriber.
    SubscriberId
);

// ---- drafts ----

pub async fn draft<C: Conn>(c: &mut Scoped<C>, kind: Period, start: LocalDay) -> sqlx::Result<Option<String>> {
    let r = c
        .query("SELECT conclusions FROM report_drafts WHERE hospital_id = $1 AND period_kind = $2 AND period_start = $3")
        .bind(kind.code())
        .bind(start.0)
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| r.try_get(0)).transpose()
}

pub async fn save_draft(tx: &mut Tx, new_id: i64, kind: Period, start: LocalDay, text: &str, now: Instant, by: &str) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO report_drafts (hospital_id, id, period_kind, period_start, conclusions, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hospital_id, period_kind, period_start) DO UPDATE SET \
         conclusions = excluded.conclusions, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(new_id)
    .bind(kind.code())
    .bind(start.0)
    .bind(text.to_string())
    .bind(now.0)
    .bind(by.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

// ---- published reports ----

/// A published report without its files.
#[derive(Clone, Debug)]
pub struct ReportRow {
    pub id: ReportId,
    pub kind: Period,
    pub start: LocalDay,
    pub end: LocalDay,
    pub title: String,
    pub label: String,
    pub conclusions: String,
    pub published_at: Instant,
    pub published_by: String,
    pub pdf_bytes: i64,
    pub xlsx_bytes: i64,
    /// Addresses it was e-mailed to.
    pub delivered: i64,
}

const REPORT_COLUMNS: &str = "r.id, r.period_kind, r.period_start, r.period_end, r.title, r.label, r.conclusions, r.published_at, r.published_by, \
     CAST(LENGTH(r.pdf) AS BIGINT), CAST(LENGTH(r.xlsx) AS BIGINT), \
     (SELECT COUNT(*) FROM report_deliveries d WHERE d.hospital_id = r.hospital_id AND d.report_id = r.id)";

fn report_row(r: &AnyRow) -> sqlx::Result<ReportRow> {
    let kind: String = r.try_get(1)?;
    Ok(ReportRow {
        id: ReportId(r.try_get(0)?),
        kind: Period::parse(&kind).map_err(|e| sqlx::Error::Decode(e.to_string().into()))?,
        start: LocalDay(r.try_get(2)?),
        end: LocalDay(r.try_get(3)?),
        title: r.try_get(4)?,
        label: r.try_get(5)?,
        conclusions: r.try_get(6)?,
        published_at: Instant(r.try_get(7)?),
        published_by: r.try_get(8)?,
        pdf_bytes: r.try_get(9)?,
        xlsx_bytes: r.try_get(10)?,
        delivered: r.try_get(11)?,
    })
}

pub struct NewReport<'a> {
    pub id: ReportId,
    pub kind: Period,
    pub start: LocalDay,
    pub end: LocalDay,
    pub title: &'a str,
    pub label: &'a str,
    pub conclusions: &'a str,
    pub numbers: &'a str,
    pub pdf: &'a [u8],
    pub xlsx: &'a [u8],
    pub published_at: Instant,
    pub published_by: &'a str,
}

pub async fn insert_report(tx: &mut Tx, n: NewReport<'_>) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO reports (hospital_id, id, period_kind, period_start, period_end, title, label, conclusions, numbers, pdf, xlsx, \
         published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(n.id.0)
    .bind(n.kind.code())
    .bind(n.start.0)
    .bind(n.end.0)
    .bind(n.title.to_string())
    .bind(n.label.to_string())
    .bind(n.conclusions.to_string())
    .bind(n.numbers.to_string())
    .bind(n.pdf.to_vec())
    .bind(n.xlsx.to_vec())
    .bind(n.published_at.0)
    .bind(n.published_by.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn published<C: Conn>(c: &mut Scoped<C>, kind: Period, start: LocalDay) -> sqlx::Result<Option<ReportRow>> {
    let sql = format!("SELECT {REPORT_COLUMNS} FROM reports r WHERE r.hospital_id = $1 AND r.period_kind = $2 AND r.period_start = $3");
    let r = c.query_built(sql).bind(kind.code()).bind(start.0).fetch_optional(c.conn()).await?;
    r.as_ref().map(report_row).transpose()
}

pub async fn report<C: Conn>(c: &mut Scoped<C>, id: ReportId) -> sqlx::Result<Option<ReportRow>> {
    let sql = format!("SELECT {REPORT_COLUMNS} FROM reports r WHERE r.hospital_id = $1 AND r.id = $2");
    let r = c.query_built(sql).bind(id.0).fetch_optional(c.conn()).await?;
    r.as_ref().map(report_row).transpose()
}

/// Published reports, newest period first; `kind` filters by period kind.
pub async fn list_reports<C: Conn>(
    c: &mut Scoped<C>,
    kind: Option<Period>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Vec<ReportRow>, i64)> {
    let k = kind.map(|k| k.code()).unwrap_or("");
    let sql = format!(
        "SELECT {REPORT_COLUMNS} FROM reports r WHERE r.hospital_id = $1 AND ($2 = '' OR r.period_kind = $2) \
         ORDER BY r.period_start DESC, r.period_kind, r.id DESC LIMIT $3 OFFSET $4"
    );
    let rows = c.query_built(sql).bind(k).bind(limit).bind(offset).fetch_all(c.conn()).await?;
    let total: i64 = c
        .query("SELECT COUNT(*) FROM reports WHERE hospital_id = $1 AND ($2 = '' OR period_kind = $2)")
        .bind(k)
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    Ok((rows.iter().map(report_row).collect::<sqlx::Result<_>>()?, total))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum File {
    Pdf,
    Xlsx,
}

pub async fn report_file<C: Conn>(c: &mut Scoped<C>, id: ReportId, which: File) -> sqlx::Result<Option<Vec<u8>>> {
    let sql = match which {
        File::Pdf => "SELECT pdf FROM reports WHERE hospital_id = $1 AND id = $2",
        File::Xlsx => "SELECT xlsx FROM reports WHERE hospital_id = $1 AND id = $2",
    };
    let r = c.query(sql).bind(id.0).fetch_optional(c.conn()).await?;
    r.map(|r| r.try_get(0)).transpose()
}

pub async fn report_numbers<C: Conn>(c: &mut Scoped<C>, id: ReportId) -> sqlx::Result<Option<String>> {
    let r = c.query("SELECT numbers FROM reports WHERE hospital_id = $1 AND id = $2").bind(id.0).fetch_optional(c.conn()).await?;
    r.map(|r| r.try_get(0)).transpose()
}

// ---- subscribers ----

#[derive(Clone, Debug)]
pub struct SubscriberRow {
    pub id: SubscriberId,
    pub name: String,
    pub email: String,
    pub kinds: Vec<Period>,
    pub created_at: Instant,
}

fn subscriber_row(r: &AnyRow) -> sqlx::Result<SubscriberRow> {
    let kinds: String = r.try_get(3)?;
    Ok(SubscriberRow {
        id: SubscriberId(r.try_get(0)?),
        name: r.try_get(1)?,
        email: r.try_get(2)?,
        kinds: crate::model::parse_kinds(&kinds),
        created_at: Instant(r.try_get(4)?),
    })
}

pub async fn subscribers<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<SubscriberRow>> {
    let rows = c
        .query("SELECT id, name, email, kinds, created_at FROM report_subscribers WHERE hospital_id = $1 ORDER BY name, email")
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(subscriber_row).collect()
}

pub async fn subscriber<C: Conn>(c: &mut Scoped<C>, id: SubscriberId) -> sqlx::Result<Option<SubscriberRow>> {
    let r = c
        .query("SELECT id, name, email, kinds, created_at FROM report_subscribers WHERE hospital_id = $1 AND id = $2")
        .bind(id.0)
        .fetch_optional(c.conn())
        .await?;
    r.as_ref().map(subscriber_row).transpose()
}

pub async fn subscriber_by_email<C: Conn>(c: &mut Scoped<C>, email: &str) -> sqlx::Result<Option<SubscriberRow>> {
    let r = c
        .query("SELECT id, name, email, kinds, created_at FROM report_subscribers WHERE hospital_id = $1 AND email = $2")
        .bind(email.to_string())
        .fetch_optional(c.conn())
        .await?;
    r.as_ref().map(subscriber_row).transpose()
}

pub async fn insert_subscriber(tx: &mut Tx, id: SubscriberId, name: &str, email: &str, kinds: &str, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO report_subscribers (hospital_id, id, name, email, kinds, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(id.0)
    .bind(name.to_string())
    .bind(email.to_string())
    .bind(kinds.to_string())
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub async fn update_subscriber(tx: &mut Tx, id: SubscriberId, name: &str, email: &str, kinds: &str, now: Instant) -> sqlx::Result<bool> {
    let r = tx
        .query("UPDATE report_subscribers SET name = $3, email = $4, kinds = $5, updated_at = $6 WHERE hospital_id = $1 AND id = $2")
        .bind(id.0)
        .bind(name.to_string())
        .bind(email.to_string())
        .bind(kinds.to_string())
        .bind(now.0)
        .execute(tx.conn())
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn delete_subscriber(tx: &mut Tx, id: SubscriberId) -> sqlx::Result<bool> {
    let r = tx.query("DELETE FROM report_subscribers WHERE hospital_id = $1 AND id = $2").bind(id.0).execute(tx.conn()).await?;
    Ok(r.rows_affected() == 1)
}

// ---- deliveries ----

/// Addresses a report was already e-mailed to.
pub async fn delivered_to<C: Conn>(c: &mut Scoped<C>, report: ReportId) -> sqlx::Result<Vec<String>> {
    let rows =
        c.query("SELECT email FROM report_deliveries WHERE hospital_id = $1 AND report_id = $2").bind(report.0).fetch_all(c.conn()).await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

pub async fn record_delivery(tx: &mut Tx, report: ReportId, email: &str, name: &str, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO report_deliveries (hospital_id, report_id, email, subscriber_name, sent_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (hospital_id, report_id, email) DO NOTHING",
    )
    .bind(report.0)
    .bind(email.to_string())
    .bind(name.to_string())
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}
