//! Use cases of the questionnaire: read it, replace it whole (API) or change one question or
//! rule (console) — every change checked whole against the catalogue and audited — and
//! recommend add-on items for a selection and answers. The questions are saved as the form
//! `checkup.advice` of the platform's forms engine (a new version once it has answers), the
//! rules in the checkup's own table, in one transaction.

use std::collections::BTreeSet;

use hops_platform::forms::{self, FormSpec};
use hops_platform::{Access, Error, FieldError, Permission, Result};

use super::model::{self, AdviceRule, Answers, Question, Questionnaire, Recommendation, Respondent};
use super::store;
use crate::catalogue::model::Catalogue;

/// The questionnaire with its rules.
pub async fn questionnaire(access: &Access) -> Result<Questionnaire> {
    access.require(Permission::CheckupBrowse)?;
    load(access).await
}

/// The questionnaire for use cases that have checked their own permission (the H5 pages).
pub(crate) async fn load(access: &Access) -> Result<Questionnaire> {
    let mut c = access.tenant().read().await?;
    store::questionnaire(&mut c).await
}

/// Replaces the whole questionnaire: all or nothing, every problem at once.
pub async fn save(access: &Access, q: Questionnaire) -> Result<Questionnaire> {
    access.require(Permission::CheckupManage)?;
    let detail = format!("{} 个问题，{} 条推荐规则", q.questions.len(), q.rules.len());
    change(access, "checkup.questionnaire.save", |current| {
        *current = q;
        Ok(detail)
    })
    .await
}

/// Applies `edit` to the stored questionnaire and saves the result if it passes the checks,
/// in one transaction; `edit` returns the audit detail.
async fn change<F>(access: &Access, action: &str, edit: F) -> Result<Questionnaire>
where
    F: FnOnce(&mut Questionnaire) -> Result<String>,
{
    let mut tx = access.tenant().write().await?;
    let mut q = store::questionnaire(&mut tx).await?;
    let detail = edit(&mut q)?;
    let q = q.trimmed();
    let cat = crate::catalogue::store::catalogue(&mut tx).await?;
    let problems = model::check_questionnaire(&q, &cat);
    if !problems.is_empty() {
        return Err(Error::invalid(problems));
    }
    let id = store::form(&mut tx).await?.map(|f| f.row.id);
    let spec = FormSpec { id, owner: "checkup", code: Some(model::FORM_CODE.into()), name: "健康问卷", intro: "", active: true };
    forms::service::define(access, &mut tx, &spec, &model::to_definition(&q.questions)).await?;
    store::replace_rules(&mut tx, &q.rules).await?;
    access.audit(&mut tx, action, "checkup_questionnaire", &detail).await?;
    tx.commit().await?;
    Ok(q)
}

/// Adds a question, or replaces the one with its code; `position` (0-based) moves it there.
pub async fn save_question(access: &Access, question: Question, position: Option<usize>) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let code = question.code.trim().to_string();
    change(access, "checkup.questionnaire.question", |q| {
        let at = match (q.questions.iter().position(|x| x.code == code), position) {
            (Some(i), None) => {
                q.questions[i] = question;
                i
            }
            (old, p) => {
                if let Some(i) = old {
                    q.questions.remove(i);
                }
                let i = p.unwrap_or(q.questions.len()).min(q.questions.len());
                q.questions.insert(i, question);
                i
            }
        };
        Ok(format!("问题 {code}（第 {} 题）", at + 1))
    })
    .await
    .map(|_| ())
}

/// Deletes a question and the rules of its answers.
pub async fn delete_question(access: &Access, code: &str) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let code = code.trim();
    change(access, "checkup.questionnaire.question_delete", |q| {
        let before = q.questions.len();
        q.questions.retain(|x| x.code != code);
        if q.questions.len() == before {
            return Err(Error::not_found("问题"));
        }
        let rules = q.rules.len();
        q.rules.retain(|r| r.question != code);
        Ok(format!("删除问题 {code}（及其 {} 条推荐规则）", rules - q.rules.len()))
    })
    .await
    .map(|_| ())
}

/// Adds a recommendation rule at the end. Problems are named by the rule's own fields
/// (`item`, `reason` …), as the console's form has them.
pub async fn add_rule(access: &Access, rule: AdviceRule) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    let mut at = 0;
    let result = change(access, "checkup.questionnaire.rule_add", |q| {
        let detail = format!("{}：{} → {}", rule.question.trim(), rule.answer.trim(), rule.item.trim());
        q.rules.push(rule);
        at = q.rules.len() - 1;
        Ok(detail)
    })
    .await;
    match result {
        Err(Error::Client { status: 422, fields, .. }) => {
            let prefix = format!("rules[{at}].");
            let fields = fields
                .into_iter()
                .map(|f| match f.field.strip_prefix(&prefix) {
                    Some(name) => FieldError::new(name, f.message),
                    None => f,
                })
                .collect();
            Err(Error::invalid(fields))
        }
        other => other.map(|_| ()),
    }
}

/// Deletes the rule recommending `item` for `answer` to `question`.
pub async fn delete_rule(access: &Access, question: &str, answer: &str, item: &str) -> Result<()> {
    access.require(Permission::CheckupManage)?;
    change(access, "checkup.questionnaire.rule_delete", |q| {
        let before = q.rules.len();
        q.rules.retain(|r| !(r.question == question && r.answer == answer && r.item == item));
        if q.rules.len() == before {
            return Err(Error::not_found("推荐规则"));
        }
        Ok(format!("{question}：{answer} → {item}"))
    })
    .await
    .map(|_| ())
}

/// A selection and the answers to recommend for.
#[derive(Clone, Debug, Default)]
pub struct AdviceRequest {
    pub package: String,
    pub add: Vec<String>,
    pub remove: Vec<String>,
    pub answers: Answers,
    pub person: Respondent,
}

/// The items the answers recommend for this selection and person (see [`model::recommend`]).
pub async fn recommend(access: &Access, r: &AdviceRequest) -> Result<Vec<Recommendation>> {
    access.require(Permission::CheckupBrowse)?;
    let cat = crate::catalogue::service::load(access).await?;
    recommend_in(&cat, &load(access).await?, r)
}

/// [`recommend`] over a catalogue and questionnaire already read (the H5 pages).
pub(crate) fn recommend_in(cat: &Catalogue, q: &Questionnaire, r: &AdviceRequest) -> Result<Vec<Recommendation>> {
    let Some(package) = cat.packages.get(r.package.trim()).filter(|p| p.active) else {
        return Err(Error::invalid_field("package", format!("套餐 {} 不存在或已下架", r.package.trim())));
    };
    let mut selected: BTreeSet<String> = package.items.iter().filter(|c| !r.remove.contains(c)).cloned().collect();
    selected.extend(r.add.iter().map(|c| c.trim().to_string()));
    // A package for one sex says the person's sex when they have not.
    let person = Respondent { sex: r.person.sex.or(package.applicability.sex), ..r.person };
    let mut list = model::recommend(&q.questions, &q.rules, &r.answers, &person, &selected, cat).map_err(Error::invalid)?;
    // Only what the package offers the person: the catalogue's one rule of what fits.
    let known = person.known();
    list.retain(|rec| cat.items.get(&rec.item_code).is_some_and(|i| package.fits(i, &known)));
    Ok(list)
}
