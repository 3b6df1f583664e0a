//! SQL of the recommendation rules (migrations 0015, 0032). The questions are a form of the
//! platform's forms engine (`checkup.advice`), read through its service.

use hops_kernel::Sex;
use hops_platform::Tx;
use hops_platform::db::{Conn, Scoped};
use hops_platform::forms;
use sqlx::Row;

use super::model::{AdviceRule, FORM_CODE, Questionnaire, from_definition};

fn age(r: &sqlx::any::AnyRow, column: &str) -> sqlx::Result<Option<u32>> {
    Ok(r.try_get::<Option<i32>, _>(column)?.and_then(|v| u32::try_from(v).ok()))
}

/// The form holding the questions (none before the first save) and its id.
pub async fn form<C: Conn>(c: &mut Scoped<C>) -> hops_platform::Result<Option<forms::Form>> {
    forms::service::form_by_code_in(c, FORM_CODE).await
}

/// The whole questionnaire, questions and rules in their order.
pub async fn questionnaire<C: Conn>(c: &mut Scoped<C>) -> hops_platform::Result<Questionnaire> {
    let questions = form(c).await?.map(|f| from_definition(&f.definition)).unwrap_or_default();
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

/// Replaces the rules with `rules` (checked already).
pub async fn replace_rules(tx: &mut Tx, rules: &[AdviceRule]) -> sqlx::Result<()> {
    tx.query("DELETE FROM checkup_advice_rules WHERE hospital_id = $1").execute(tx.conn()).await?;
    for (n, r) in rules.iter().enumerate() {
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
