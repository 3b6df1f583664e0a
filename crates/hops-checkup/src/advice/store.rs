//! SQL of the questionnaire and its recommendation rules (migration 0015).

use hops_kernel::Sex;
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use sqlx::Row;

use super::model::{AdviceRule, Question, QuestionKind, Questionnaire};

fn age(r: &sqlx::any::AnyRow, column: &str) -> sqlx::Result<Option<u32>> {
    Ok(r.try_get::<Option<i32>, _>(column)?.and_then(|v| u32::try_from(v).ok()))
}

/// The whole questionnaire, questions and rules in their order.
pub async fn questionnaire<C: Conn>(c: &mut Scoped<C>) -> sqlx::Result<Questionnaire> {
    let rows = c
        .query("SELECT code, prompt, kind, options, active FROM checkup_questions WHERE hospital_id = $1 ORDER BY position, code")
        .fetch_all(c.conn())
        .await?;
    let mut questions = Vec::with_capacity(rows.len());
    for r in rows {
        let kind: String = r.try_get("kind")?;
        let options: String = r.try_get("options")?;
        questions.push(Question {
            code: r.try_get("code")?,
            text: r.try_get("prompt")?,
            kind: QuestionKind::from_code(&kind).unwrap_or(QuestionKind::Multi),
            options: super::model::split_options(&options),
            active: r.try_get::<i16, _>("active")? != 0,
        });
    }
    let rows = c
        .query(
            "SELECT question_code, answer, item_code, reason, sex, min_age, max_age FROM checkup_advice_rules WHERE hospital_id = $1 \
             ORDER BY position",
        )
        .fetch_all(c.conn())
        .await?;
    let mut rules = Vec::with_capacity(rows.len());
    for r in rows {
        let sex: Option<String> = r.try_get("sex")?;
        rules.push(AdviceRule {
            question: r.try_get("question_code")?,
            answer: r.try_get("answer")?,
            item: r.try_get("item_code")?,
            reason: r.try_get("reason")?,
            sex: sex.as_deref().and_then(Sex::from_code),
            min_age: age(&r, "min_age")?,
            max_age: age(&r, "max_age")?,
        });
    }
    Ok(Questionnaire { questions, rules })
}

/// Replaces the questionnaire with `q` (checked already).
pub async fn replace(tx: &mut Tx, q: &Questionnaire) -> sqlx::Result<()> {
    tx.query("DELETE FROM checkup_advice_rules WHERE hospital_id = $1").execute(tx.conn()).await?;
    tx.query("DELETE FROM checkup_questions WHERE hospital_id = $1").execute(tx.conn()).await?;
    for (n, question) in q.questions.iter().enumerate() {
        tx.query(
            "INSERT INTO checkup_questions (hospital_id, code, prompt, kind, options, position, active) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(question.code.clone())
        .bind(question.text.clone())
        .bind(question.kind.code())
        .bind(question.options.join("\n"))
        .bind(n as i32)
        .bind(i16::from(question.active))
        .execute(tx.conn())
        .await?;
    }
    for (n, r) in q.rules.iter().enumerate() {
        tx.query(
            "INSERT INTO checkup_advice_rules (hospital_id, question_code, answer, item_code, reason, sex, min_age, max_age, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(r.question.clone())
        .bind(r.answer.clone())
        .bind(r.item.clone())
        .bind(r.reason.clone())
        .bind(r.sex.map(|s| s.code()))
        .bind(r.min_age.and_then(|v| i32::try_from(v).ok()))
        .bind(r.max_age.and_then(|v| i32::try_from(v).ok()))
        .bind(n as i32)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}
