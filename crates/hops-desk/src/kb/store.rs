//! SQL of the knowledge base (migration 0018): current articles and every saved version.

use hops_kernel::Instant;
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::model::{ArticleDraft, ArticleStatus};

/// An article as stored (current version).
#[derive(Clone, Debug)]
pub struct ArticleRow {
    pub id: i64,
    pub question: String,
    pub variants: Vec<String>,
    pub answer: String,
    pub category: String,
    pub status: ArticleStatus,
    pub version: i64,
    pub updated_at: Instant,
    pub updated_by: String,
}

const COLUMNS: &str = "id, question, variants, answer, category, status, version, updated_at, updated_by";

fn row(r: &sqlx::any::AnyRow) -> sqlx::Result<ArticleRow> {
    let status: String = r.try_get("status")?;
    let variants: String = r.try_get("variants")?;
    Ok(ArticleRow {
        id: r.try_get("id")?,
        question: r.try_get("question")?,
        variants: variants.lines().filter(|v| !v.is_empty()).map(str::to_string).collect(),
        answer: r.try_get("answer")?,
        category: r.try_get("category")?,
        status: ArticleStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("unknown article status {status}").into()))?,
        version: i64::from(r.try_get::<i32, _>("version")?),
        updated_at: Instant(r.try_get("updated_at")?),
        updated_by: r.try_get("updated_by")?,
    })
}

pub async fn get<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<ArticleRow>> {
    let sql = format!("SELECT {COLUMNS} FROM desk_kb_articles WHERE hospital_id = $1 AND id = $2");
    c.query_built(sql).bind(id).fetch_optional(c.conn()).await?.as_ref().map(row).transpose()
}

pub async fn by_question<C: Conn>(c: &mut Scoped<C>, question: &str) -> sqlx::Result<Option<ArticleRow>> {
    let sql = format!("SELECT {COLUMNS} FROM desk_kb_articles WHERE hospital_id = $1 AND question = $2");
    c.query_built(sql).bind(question.to_string()).fetch_optional(c.conn()).await?.as_ref().map(row).transpose()
}

/// All articles (optionally only published), by id.
pub async fn all<C: Conn>(c: &mut Scoped<C>, published_only: bool) -> sqlx::Result<Vec<ArticleRow>> {
    let filter = if published_only { " AND status = 'published'" } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM desk_kb_articles WHERE hospital_id = $1{filter} ORDER BY id");
    c.query_built(sql).fetch_all(c.conn()).await?.iter().map(row).collect()
}

/// A page of articles matching `text` (question, variants, answer) and `category`, newest first.
pub async fn list<C: Conn>(
    c: &mut Scoped<C>,
    text: &str,
    category: &str,
    status: Option<ArticleStatus>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Vec<ArticleRow>, i64)> {
    let like = hops_platform::db::contains_pattern(text);
    let filter = "hospital_id = $1 AND ($2 = '%%' OR question LIKE $2 ESCAPE '\\' OR variants LIKE $2 ESCAPE '\\' OR answer LIKE $2 ESCAPE '\\') \
                  AND ($3 = '' OR category = $3) AND ($4 = '' OR status = $4)";
    let status = status.map_or("", ArticleStatus::code).to_string();
    let total: i64 = c
        .query_built(format!("SELECT COUNT(*) FROM desk_kb_articles WHERE {filter}"))
        .bind(like.clone())
        .bind(category.to_string())
        .bind(status.clone())
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM desk_kb_articles WHERE {filter} ORDER BY updated_at DESC, id DESC LIMIT {} OFFSET {}",
        limit.max(1),
        offset.max(0)
    );
    let rows = c.query_built(sql).bind(like).bind(category.to_string()).bind(status).fetch_all(c.conn()).await?;
    Ok((rows.iter().map(row).collect::<sqlx::Result<_>>()?, total))
}

/// The categories in use, alphabetically.
pub async fn categories<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Vec<String>> {
    let rows = c
        .query("SELECT DISTINCT category FROM desk_kb_articles WHERE hospital_id = $1 AND category <> '' ORDER BY category")
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

/// A fingerprint of the published articles: changes whenever one is saved (the bot rebuilds its
/// index when it does).
pub async fn generation<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<(i64, i64, i64)> {
    let r = c
        .query("SELECT COUNT(*), COALESCE(MAX(updated_at), 0), COALESCE(SUM(version), 0) FROM desk_kb_articles WHERE hospital_id = $1")
        .fetch_one(c.conn())
        .await?;
    Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
}

/// Writes version `version` of an article (insert or update) and keeps it in the history.
pub async fn save(tx: &mut Tx, id: i64, version: i64, d: &ArticleDraft, now: Instant, by: &str, insert: bool) -> sqlx::Result<()> {
    let variants = d.variants.join("\n");
    let v = i32::try_from(version).unwrap_or(i32::MAX);
    let sql = if insert {
        "INSERT INTO desk_kb_articles (hospital_id, id, question, variants, answer, category, status, version, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    } else {
        "UPDATE desk_kb_articles SET question = $3, variants = $4, answer = $5, category = $6, status = $7, version = $8, \
         updated_at = $9, updated_by = $10 WHERE hospital_id = $1 AND id = $2"
    };
    tx.query(sql)
        .bind(id)
        .bind(d.question.clone())
        .bind(variants.clone())
        .bind(d.answer.clone())
        .bind(d.category.clone())
        .bind(d.status.code())
        .bind(v)
        .bind(now.0)
        .bind(by.to_string())
        .execute(tx.conn())
        .await?;
    tx.query(
        "INSERT INTO desk_kb_versions (hospital_id, article_id, version, question, variants, answer, category, status, saved_at, saved_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(v)
    .bind(d.question.clone())
    .bind(variants)
    .bind(d.answer.clone())
    .bind(d.category.clone())
    .bind(d.status.code())
    .bind(now.0)
    .bind(by.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// An article's saved versions, newest first: (version, draft, saved at, saved by).
pub async fn versions<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Vec<(i64, ArticleDraft, Instant, String)>> {
    let rows = c
        .query(
            "SELECT version, question, variants, answer, category, status, saved_at, saved_by FROM desk_kb_versions \
             WHERE hospital_id = $1 AND article_id = $2 ORDER BY version DESC",
        )
        .bind(id)
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            let variants: String = r.try_get("variants")?;
            Ok((
                i64::from(r.try_get::<i32, _>("version")?),
                ArticleDraft {
                    question: r.try_get("question")?,
                    variants: variants.lines().filter(|v| !v.is_empty()).map(str::to_string).collect(),
                    answer: r.try_get("answer")?,
                    category: r.try_get("category")?,
                    status: ArticleStatus::parse(&status).unwrap_or(ArticleStatus::Draft),
                },
                Instant(r.try_get("saved_at")?),
                r.try_get("saved_by")?,
            ))
        })
        .collect()
}
