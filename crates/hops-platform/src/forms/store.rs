//! SQL of forms (migration 0030): forms, their versions (sections and questions), responses and
//! their answers.

use hops_kernel::Instant;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::model::{Answer, Band, Choice, Condition, DayLimit, Definition, Kind, Method, Question, Scoring, Section, num};
use crate::Tx;
use crate::db::{Conn, Scoped};

fn decode(what: &str, v: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown form {what} {v}").into())
}

/// A form as listed: its current version and how many responses it has.
#[derive(Clone, Debug)]
pub struct FormRow {
    pub id: i64,
    pub code: String,
    pub owner: String,
    pub name: String,
    pub intro: String,
    pub active: bool,
    pub version: i32,
    /// Responses over every version.
    pub responses: i64,
    pub updated_at: Instant,
}

const FORM_SELECT: &str = "SELECT f.id, f.code, f.owner, f.name, f.intro, f.active, f.version, f.updated_at, \
     (SELECT COUNT(*) FROM form_responses r WHERE r.hospital_id = f.hospital_id AND r.form_id = f.id) AS responses \
     FROM forms f WHERE f.hospital_id = $1";

fn form_row(r: &AnyRow) -> sqlx::Result<FormRow> {
    Ok(FormRow {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        owner: r.try_get("owner")?,
        name: r.try_get("name")?,
        intro: r.try_get("intro")?,
        active: r.try_get::<i16, _>("active")? != 0,
        version: r.try_get("version")?,
        responses: r.try_get("responses")?,
        updated_at: Instant(r.try_get("updated_at")?),
    })
}

/// Forms of one owner (or all), active first, by name.
pub(crate) async fn forms<C: Conn>(c: &mut Scoped<C>, owner: Option<&str>) -> sqlx::Result<Vec<FormRow>> {
    let rows = c
        .query_built(format!("{FORM_SELECT} AND ($2 = '' OR f.owner = $2) ORDER BY f.active DESC, f.name, f.id"))
        .bind(owner.unwrap_or("").to_string())
        .fetch_all(c.conn())
        .await?;
    rows.iter().map(form_row).collect()
}

pub(crate) async fn form<C: Conn>(c: &mut Scoped<C>, id: i64) -> sqlx::Result<Option<FormRow>> {
    c.query_built(format!("{FORM_SELECT} AND f.id = $2")).bind(id).fetch_optional(c.conn()).await?.as_ref().map(form_row).transpose()
}

pub(crate) async fn form_by_code<C: Conn>(c: &mut Scoped<C>, code: &str) -> sqlx::Result<Option<FormRow>> {
    c.query_built(format!("{FORM_SELECT} AND f.code = $2"))
        .bind(code.to_string())
        .fetch_optional(c.conn())
        .await?
        .as_ref()
        .map(form_row)
        .transpose()
}

/// The id of the owner's form with this name, if any.
pub(crate) async fn form_named<C: Conn>(c: &mut Scoped<C>, owner: &str, name: &str) -> sqlx::Result<Option<i64>> {
    let r = c
        .query("SELECT id FROM forms WHERE hospital_id = $1 AND owner = $2 AND name = $3")
        .bind(owner.to_string())
        .bind(name.to_string())
        .fetch_optional(c.conn())
        .await?;
    r.map(|r| r.try_get(0)).transpose()
}

/// Inserts or updates a form's own row.
pub(crate) async fn save_form(tx: &mut Tx, f: &FormRow, now: Instant) -> sqlx::Result<()> {
    tx.query(
        "INSERT INTO forms (hospital_id, id, code, owner, name, intro, active, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         ON CONFLICT (hospital_id, id) DO UPDATE SET name = excluded.name, intro = excluded.intro, active = excluded.active, \
         version = excluded.version, updated_at = excluded.updated_at",
    )
    .bind(f.id)
    .bind(f.code.clone())
    .bind(f.owner.clone())
    .bind(f.name.clone())
    .bind(f.intro.clone())
    .bind(i16::from(f.active))
    .bind(f.version)
    .bind(now.0)
    .execute(tx.conn())
    .await?;
    Ok(())
}

// ---- versions ----

/// A version of a form, with how many responses answered it.
#[derive(Clone, Debug)]
pub struct VersionRow {
    pub version: i32,
    pub created_at: Instant,
    pub created_by_name: String,
    pub responses: i64,
}

pub(crate) async fn versions<C: Conn>(c: &mut Scoped<C>, form: i64) -> sqlx::Result<Vec<VersionRow>> {
    let rows = c
        .query(
            "SELECT v.version, v.created_at, v.created_by_name, (SELECT COUNT(*) FROM form_responses r WHERE r.hospital_id = v.hospital_id \
             AND r.form_id = v.form_id AND r.version = v.version) AS responses \
             FROM form_versions v WHERE v.hospital_id = $1 AND v.form_id = $2 ORDER BY v.version DESC",
        )
        .bind(form)
        .fetch_all(c.conn())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(VersionRow {
                version: r.try_get("version")?,
                created_at: Instant(r.try_get("created_at")?),
                created_by_name: r.try_get("created_by_name")?,
                responses: r.try_get("responses")?,
            })
        })
        .collect()
}

fn options_text(choices: &[Choice]) -> String {
    super::lines::join_choices(choices, "\n")
}

/// Options as stored: one a line, `label` or `label=score` (labels never hold `=`).
fn options_from(text: &str) -> Vec<Choice> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.rsplit_once('=').and_then(|(label, s)| s.trim().parse::<i32>().ok().map(|s| (label, s))) {
            Some((label, s)) => Choice { label: label.trim().to_string(), score: Some(s) },
            None => Choice { label: l.to_string(), score: None },
        })
        .collect()
}

fn bands_text(bands: &[Band]) -> String {
    bands.iter().map(|b| format!("{}={}", num(b.from), b.label)).collect::<Vec<_>>().join("\n")
}

fn bands_from(text: &str) -> Vec<Band> {
    text.lines()
        .filter_map(|l| {
            l.split_once('=').and_then(|(f, label)| Some(Band { from: f.trim().parse().ok()?, label: label.trim().to_string() }))
        })
        .collect()
}

/// A range bound as stored: the number as written, '' when open.
fn bound(text: &str) -> Option<f64> {
    text.trim().parse().ok()
}

fn limit(v: Option<DayLimit>) -> String {
    v.map(DayLimit::code).unwrap_or_default()
}

fn condition(text: &str) -> sqlx::Result<Condition> {
    Condition::parse(text).map_err(|e| decode("condition", &e))
}

/// A version's definition, if it exists.
pub(crate) async fn definition<C: Conn>(c: &mut Scoped<C>, form: i64, version: i32) -> sqlx::Result<Option<Definition>> {
    let Some(v) = c
        .query("SELECT scoring, bands FROM form_versions WHERE hospital_id = $1 AND form_id = $2 AND version = $3")
        .bind(form)
        .bind(version)
        .fetch_optional(c.conn())
        .await?
    else {
        return Ok(None);
    };
    let method: String = v.try_get("scoring")?;
    let scoring = Scoring { method: Method::from_code(&method).unwrap_or_default(), bands: bands_from(&v.try_get::<String, _>("bands")?) };
    let rows = c
        .query("SELECT title, shown_if FROM form_sections WHERE hospital_id = $1 AND form_id = $2 AND version = $3 ORDER BY position")
        .bind(form)
        .bind(version)
        .fetch_all(c.conn())
        .await?;
    let mut sections = Vec::with_capacity(rows.len());
    for r in rows {
        sections.push(Section { title: r.try_get("title")?, condition: condition(&r.try_get::<String, _>("shown_if")?)? });
    }
    let rows = c
        .query(
            "SELECT section, code, kind, text, help, required, active, options, min_value, max_value, unit, decimals, earliest, latest, \
             shown_if FROM form_questions WHERE hospital_id = $1 AND form_id = $2 AND version = $3 ORDER BY position",
        )
        .bind(form)
        .bind(version)
        .fetch_all(c.conn())
        .await?;
    let mut questions = Vec::with_capacity(rows.len());
    for r in rows {
        let kind: String = r.try_get("kind")?;
        let day = |col: &str| -> sqlx::Result<Option<DayLimit>> { Ok(DayLimit::from_code(&r.try_get::<String, _>(col)?)) };
        questions.push(Question {
            section: usize::try_from(r.try_get::<i32, _>("section")?).unwrap_or(0),
            code: r.try_get("code")?,
            kind: Kind::from_code(&kind).ok_or_else(|| decode("question kind", &kind))?,
            text: r.try_get("text")?,
            help: r.try_get("help")?,
            required: r.try_get::<i16, _>("required")? != 0,
            active: r.try_get::<i16, _>("active")? != 0,
            choices: options_from(&r.try_get::<String, _>("options")?),
            min: bound(&r.try_get::<String, _>("min_value")?),
            max: bound(&r.try_get::<String, _>("max_value")?),
            unit: r.try_get("unit")?,
            decimals: u8::try_from(r.try_get::<i32, _>("decimals")?).unwrap_or(0),
            earliest: day("earliest")?,
            latest: day("latest")?,
            condition: condition(&r.try_get::<String, _>("shown_if")?)?,
        });
    }
    if sections.is_empty() {
        sections.push(Section::default());
    }
    Ok(Some(Definition { sections, questions, scoring }))
}

/// Writes a version (replacing it when it exists): its scoring, sections and questions.
pub(crate) async fn write_version(
    tx: &mut Tx,
    form: i64,
    version: i32,
    d: &Definition,
    by: (Option<i64>, &str),
    now: Instant,
) -> sqlx::Result<()> {
    for table in ["form_questions", "form_sections"] {
        tx.query_built(format!("DELETE FROM {table} WHERE hospital_id = $1 AND form_id = $2 AND version = $3"))
            .bind(form)
            .bind(version)
            .execute(tx.conn())
            .await?;
    }
    tx.query(
        "INSERT INTO form_versions (hospital_id, form_id, version, scoring, bands, created_at, created_by, created_by_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (hospital_id, form_id, version) DO UPDATE SET scoring = excluded.scoring, \
         bands = excluded.bands, created_at = excluded.created_at, created_by = excluded.created_by, created_by_name = excluded.created_by_name",
    )
    .bind(form)
    .bind(version)
    .bind(d.scoring.method.code())
    .bind(bands_text(&d.scoring.bands))
    .bind(now.0)
    .bind(by.0)
    .bind(by.1.to_string())
    .execute(tx.conn())
    .await?;
    for (n, s) in d.sections.iter().enumerate() {
        tx.query("INSERT INTO form_sections (hospital_id, form_id, version, position, title, shown_if) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(form)
            .bind(version)
            .bind(n as i32)
            .bind(s.title.clone())
            .bind(s.condition.to_text())
            .execute(tx.conn())
            .await?;
    }
    for (n, q) in d.questions.iter().enumerate() {
        tx.query(
            "INSERT INTO form_questions (hospital_id, form_id, version, position, section, code, kind, text, help, required, active, options, \
             min_value, max_value, unit, decimals, earliest, latest, shown_if) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
        )
        .bind(form)
        .bind(version)
        .bind(n as i32)
        .bind(i32::try_from(q.section).unwrap_or(0))
        .bind(q.code.clone())
        .bind(q.kind.code())
        .bind(q.text.clone())
        .bind(q.help.clone())
        .bind(i16::from(q.required))
        .bind(i16::from(q.active))
        .bind(options_text(&q.choices))
        .bind(q.min.map(num).unwrap_or_default())
        .bind(q.max.map(num).unwrap_or_default())
        .bind(q.unit.clone())
        .bind(i32::from(q.decimals))
        .bind(limit(q.earliest))
        .bind(limit(q.latest))
        .bind(q.condition.to_text())
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

// ---- responses ----

/// One person's answers to one version.
#[derive(Clone, Debug)]
pub struct ResponseRow {
    pub id: i64,
    pub form_id: i64,
    pub version: i32,
    /// `patient:<id>` or `checkup_person:<id>`.
    pub subject: String,
    pub context: String,
    pub score_sum: i64,
    pub scored: i64,
    pub submitted_at: Instant,
    pub actor_name: String,
    pub answers: Vec<Answer>,
}

/// A response to insert.
pub(crate) struct NewResponse<'a> {
    pub id: i64,
    pub form_id: i64,
    pub version: i32,
    pub subject: &'a str,
    pub context: &'a str,
    pub answers: &'a [Answer],
    pub actor: (Option<i64>, &'a str),
}

pub(crate) async fn insert_response(tx: &mut Tx, r: &NewResponse<'_>, now: Instant) -> sqlx::Result<()> {
    let scores: Vec<i64> = r.answers.iter().filter_map(|a| a.score).map(i64::from).collect();
    tx.query(
        "INSERT INTO form_responses (hospital_id, id, form_id, version, subject, context, score_sum, scored, submitted_at, submitted_day, \
         actor_id, actor_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(r.id)
    .bind(r.form_id)
    .bind(r.version)
    .bind(r.subject.to_string())
    .bind(r.context.to_string())
    .bind(scores.iter().sum::<i64>())
    .bind(scores.len() as i32)
    .bind(now.0)
    .bind(now.local_day().0)
    .bind(r.actor.0)
    .bind(r.actor.1.to_string())
    .execute(tx.conn())
    .await?;
    for (n, a) in r.answers.iter().enumerate() {
        tx.query("INSERT INTO form_answers (hospital_id, response_id, code, position, value, score) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(r.id)
            .bind(a.code.clone())
            .bind(n as i32)
            .bind(a.values.join("\n"))
            .bind(a.score)
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

const RESPONSE_SELECT: &str = "SELECT r.id, r.form_id, r.version, r.subject, r.context, r.score_sum, r.scored, r.submitted_at, r.actor_name \
     FROM form_responses r WHERE r.hospital_id = $1";

async fn with_answers<C: Conn>(c: &mut Scoped<C>, rows: Vec<AnyRow>) -> sqlx::Result<Vec<ResponseRow>> {
    let mut out: Vec<ResponseRow> = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(ResponseRow {
            id: r.try_get("id")?,
            form_id: r.try_get("form_id")?,
            version: r.try_get("version")?,
            subject: r.try_get("subject")?,
            context: r.try_get("context")?,
            score_sum: r.try_get("score_sum")?,
            scored: i64::from(r.try_get::<i32, _>("scored")?),
            submitted_at: Instant(r.try_get("submitted_at")?),
            actor_name: r.try_get("actor_name")?,
            answers: Vec::new(),
        });
    }
    // Ids are numbers from our own rows, written in the statement.
    for chunk in out.chunks_mut(500) {
        let ids = chunk.iter().map(|r| r.id.to_string()).collect::<Vec<_>>().join(",");
        let rows = c
            .query_built(format!(
                "SELECT response_id, code, value, score FROM form_answers WHERE hospital_id = $1 AND response_id IN ({ids}) \
                 ORDER BY response_id, position"
            ))
            .fetch_all(c.conn())
            .await?;
        for a in rows {
            let id: i64 = a.try_get("response_id")?;
            if let Some(r) = chunk.iter_mut().find(|r| r.id == id) {
                let value: String = a.try_get("value")?;
                r.answers.push(Answer {
                    code: a.try_get("code")?,
                    values: value.lines().map(str::to_string).collect(),
                    score: a.try_get("score")?,
                });
            }
        }
    }
    Ok(out)
}

/// Responses of a form, newest first, `limit` from `offset`; and how many there are.
pub(crate) async fn responses<C: Conn>(c: &mut Scoped<C>, form: i64, offset: i64, limit: i64) -> sqlx::Result<(Vec<ResponseRow>, i64)> {
    let total: i64 = c
        .query("SELECT COUNT(*) FROM form_responses WHERE hospital_id = $1 AND form_id = $2")
        .bind(form)
        .fetch_one(c.conn())
        .await?
        .try_get(0)?;
    // Integers, not input: the page size and offset are ours.
    let sql = format!(
        "{RESPONSE_SELECT} AND r.form_id = $2 ORDER BY r.submitted_at DESC, r.id DESC LIMIT {} OFFSET {}",
        limit.max(1),
        offset.max(0)
    );
    let rows = c.query_built(sql).bind(form).fetch_all(c.conn()).await?;
    Ok((with_answers(c, rows).await?, total))
}

/// These responses (those that exist), by id.
pub(crate) async fn responses_by_id<C: Conn>(c: &mut Scoped<C>, ids: &[i64]) -> sqlx::Result<Vec<ResponseRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let rows = c.query_built(format!("{RESPONSE_SELECT} AND r.id IN ({list}) ORDER BY r.id")).fetch_all(c.conn()).await?;
        out.extend(with_answers(c, rows).await?);
    }
    Ok(out)
}
