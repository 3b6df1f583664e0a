//! Use cases of the satisfaction questionnaires, kept in the platform's forms engine: list and
//! read them (their current version), and save one from a question list (API) or the console's
//! text form — desk rules first ([`questionnaire::check`]), then the engine's, every problem
//! at once. A questionnaire that has answers gets a new version when edited; answers keep
//! theirs. Re-exported by [`super::service`].

use hops_kernel::Instant;
use hops_platform::db::{Conn, Scoped};
use hops_platform::forms::{self, FormSpec};
use hops_platform::{Access, Error, FieldError, Permission, Result};

use super::questionnaire::{self, Question};
use super::store;

/// The owner of the desk's forms in the forms engine.
pub const OWNER: &str = "desk";

/// A satisfaction questionnaire: the form's fields and its current questions.
#[derive(Clone, Debug)]
pub struct QuestionnaireRow {
    pub id: i64,
    pub name: String,
    pub intro: String,
    pub active: bool,
    pub questions: Vec<Question>,
    /// The current version in the forms engine.
    pub version: i32,
    /// Calls that recorded answers to it (every version).
    pub answered: i64,
    pub updated_at: Instant,
}

fn row(f: forms::Form) -> QuestionnaireRow {
    QuestionnaireRow {
        id: f.row.id,
        name: f.row.name,
        intro: f.row.intro,
        active: f.row.active,
        questions: questionnaire::from_definition(&f.definition),
        version: f.version,
        answered: f.row.responses,
        updated_at: f.row.updated_at,
    }
}

/// The desk's questionnaires on the caller's connection, active first, by name.
pub(crate) async fn all_in<C: Conn>(c: &mut Scoped<C>) -> Result<Vec<QuestionnaireRow>> {
    let ids = store::questionnaire_ids(c).await?;
    Ok(forms::service::forms_of(c, OWNER).await?.into_iter().filter(|f| ids.contains(&f.row.id)).map(row).collect())
}

/// One questionnaire on the caller's connection.
pub(crate) async fn questionnaire_in<C: Conn>(c: &mut Scoped<C>, id: i64) -> Result<Option<QuestionnaireRow>> {
    if !store::questionnaire_ids(c).await?.contains(&id) {
        return Ok(None);
    }
    Ok(forms::service::form_in(c, id).await?.filter(|f| f.row.owner == OWNER).map(row))
}

pub async fn questionnaires(access: &Access) -> Result<Vec<QuestionnaireRow>> {
    access.require(Permission::FollowupWork)?;
    let mut c = access.tenant().read().await?;
    all_in(&mut c).await
}

pub async fn questionnaire(access: &Access, id: i64) -> Result<QuestionnaireRow> {
    access.require(Permission::FollowupWork)?;
    let mut c = access.tenant().read().await?;
    questionnaire_in(&mut c, id).await?.ok_or_else(|| Error::not_found("问卷"))
}

/// The questions of a questionnaire being saved: a list (API) or the console's text form.
pub enum Questions {
    List(Vec<Question>),
    Lines(String),
}

pub struct QuestionnaireDraft {
    pub name: String,
    pub intro: String,
    pub active: bool,
    pub questions: Questions,
}

/// Creates (`id` None) or changes a questionnaire; every problem at once, nothing saved on any.
pub async fn save_questionnaire(access: &Access, id: Option<i64>, d: &QuestionnaireDraft) -> Result<i64> {
    access.require(Permission::DeskManage)?;
    let mut errors = Vec::new();
    let questions = match &d.questions {
        Questions::List(q) => q.clone(),
        Questions::Lines(text) => questionnaire::from_lines(text).unwrap_or_else(|e| {
            errors.extend(e);
            Vec::new()
        }),
    };
    let name = d.name.trim().to_string();
    let mut problems = questionnaire::check(&name, &questions);
    if !errors.is_empty() {
        // The lines could not be read: report them, not "at least one question".
        problems.retain(|p| p.field != "questions");
    }
    errors.extend(problems);
    if d.intro.trim().chars().count() > 500 {
        errors.push(FieldError::new("intro", "开场说明不能超过 500 个字"));
    }
    let mut tx = access.tenant().write().await?;
    if let Some(id) = id
        && questionnaire_in(&mut tx, id).await?.is_none()
    {
        return Err(Error::not_found("问卷"));
    }
    if !name.is_empty() && forms::service::name_taken(&mut tx, OWNER, &name, id).await? {
        errors.push(FieldError::new("name", format!("已有名为「{name}」的问卷")));
    }
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    let spec = FormSpec { id, owner: OWNER, code: None, name: &name, intro: &d.intro, active: d.active };
    let defined = forms::service::define(access, &mut tx, &spec, &questionnaire::to_definition(&questions)).await?;
    store::register_questionnaire(&mut tx, defined.id).await?;
    let detail = format!("{name}：{} 道题，第 {} 版{}", questions.len(), defined.step.version(), if d.active { "" } else { "（停用）" });
    access.audit(&mut tx, "desk.followup.questionnaire.save", &format!("desk_questionnaire:{}", defined.id), &detail).await?;
    tx.commit().await?;
    Ok(defined.id)
}
