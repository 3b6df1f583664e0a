//! Use cases of forms. Two kinds of caller:
//!
//! - the forms console (`FormsManage`): list, read, create and edit the hospital's own forms
//!   (owner `forms`), try a form out without storing anything, read and export the answers
//!   (hospital-wide: only for data scope "all"; exports need `DataExport` and are audited);
//! - modules that keep their questionnaires here (the desk's satisfaction surveys, the checkup
//!   health questionnaire): they check their own permission, then [`define`] a form and
//!   [`submit`] answers inside their own transaction, and read forms and responses on their own
//!   connection ([`form_in`], [`forms_of`], [`definition_in`], [`responses_in`]). What is
//!   specific stays in the module (satisfaction figures, recommendation rules).
//!
//! Every change is audited in its transaction (`forms.save`, `forms.response`).

use std::collections::BTreeMap;

use hops_kernel::LocalDay;

use super::model::{self, Answer, Definition, RawAnswers, Score, Subject, VersionStep};
use super::store::{self, NewResponse};
pub use super::store::{FormRow, ResponseRow, VersionRow};
use crate::db::{Conn, Scoped};
use crate::tabular::{self, Table};
use crate::web::Paging;
use crate::{Access, DataScope, Error, FieldError, Permission, Result, Tx};

/// The owner of the forms the console creates and edits.
pub const OWNER: &str = "forms";

/// A form with the definition of one of its versions (the current one unless asked otherwise).
#[derive(Clone, Debug)]
pub struct Form {
    pub row: FormRow,
    pub version: i32,
    pub definition: Definition,
}

/// The label of a form's owner, as shown.
pub fn owner_zh(owner: &str) -> &str {
    match owner {
        OWNER => "通用问卷",
        "desk" => "服务台 · 回访满意度",
        "checkup" => "体检 · 健康问卷",
        other => other,
    }
}

// ---- for modules (the caller has checked its own permission) ----

/// A form's current definition on the caller's connection.
pub async fn form_in<C: Conn>(c: &mut Scoped<C>, id: i64) -> Result<Option<Form>> {
    let Some(row) = store::form(c, id).await? else { return Ok(None) };
    let definition = store::definition(c, id, row.version).await?.unwrap_or_default();
    Ok(Some(Form { version: row.version, row, definition }))
}

/// The form with this code (e.g. `checkup.advice`), if it exists.
pub async fn form_by_code_in<C: Conn>(c: &mut Scoped<C>, code: &str) -> Result<Option<Form>> {
    match store::form_by_code(c, code).await? {
        Some(row) => form_in(c, row.id).await,
        None => Ok(None),
    }
}

/// Every form of an owner with its current definition.
pub async fn forms_of<C: Conn>(c: &mut Scoped<C>, owner: &str) -> Result<Vec<Form>> {
    let mut out = Vec::new();
    for row in store::forms(c, Some(owner)).await? {
        let definition = store::definition(c, row.id, row.version).await?.unwrap_or_default();
        out.push(Form { version: row.version, row, definition });
    }
    Ok(out)
}

/// One version's definition.
pub async fn definition_in<C: Conn>(c: &mut Scoped<C>, form: i64, version: i32) -> Result<Option<Definition>> {
    Ok(store::definition(c, form, version).await?)
}

/// These responses with their answers (the ones that exist).
pub async fn responses_in<C: Conn>(c: &mut Scoped<C>, ids: &[i64]) -> Result<Vec<ResponseRow>> {
    Ok(store::responses_by_id(c, ids).await?)
}

/// Whether another of the owner's forms (not `id`) has this name.
pub async fn name_taken<C: Conn>(c: &mut Scoped<C>, owner: &str, name: &str, id: Option<i64>) -> Result<bool> {
    Ok(store::form_named(c, owner, name.trim()).await?.is_some_and(|other| Some(other) != id))
}

/// What a module (or the console) saves: the form's own fields and its definition. `id` None
/// creates the form; `code` None names it `<owner>.<id>`.
pub struct FormSpec<'a> {
    pub id: Option<i64>,
    pub owner: &'a str,
    pub code: Option<String>,
    pub name: &'a str,
    pub intro: &'a str,
    pub active: bool,
}

/// What [`define`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Defined {
    pub id: i64,
    pub step: VersionStep,
}

/// Creates or changes a form in the caller's transaction. The definition is checked whole
/// (with the name: 1–40 characters, unique among the owner's forms) and every problem refused
/// at once; then the version rule ([`model::next_version`]) decides whether the current version
/// is kept, replaced (no answers yet) or followed by a new one (answers keep theirs).
pub async fn define(access: &Access, tx: &mut Tx, spec: &FormSpec<'_>, d: &Definition) -> Result<Defined> {
    define_checked(access, tx, spec, d, Vec::new()).await
}

async fn define_checked(access: &Access, tx: &mut Tx, spec: &FormSpec<'_>, d: &Definition, mut errors: Vec<FieldError>) -> Result<Defined> {
    let name = spec.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        errors.push(FieldError::new("name", "请填写问卷名称（不超过 40 个字）"));
    }
    if spec.intro.trim().chars().count() > 500 {
        errors.push(FieldError::new("intro", "开场说明不能超过 500 个字"));
    }
    let current = match spec.id {
        Some(id) => Some(store::form(tx, id).await?.filter(|f| f.owner == spec.owner).ok_or_else(|| Error::not_found("问卷"))?),
        None => None,
    };
    if !name.is_empty()
        && let Some(other) = store::form_named(tx, spec.owner, name).await?
        && Some(other) != spec.id
    {
        errors.push(FieldError::new("name", format!("已有名为「{name}」的问卷")));
    }
    errors.extend(model::check_definition(d));
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    let (id, step) = match &current {
        Some(f) => {
            let before = store::definition(tx, f.id, f.version).await?;
            let answered = store::versions(tx, f.id).await?.iter().any(|v| v.version == f.version && v.responses > 0);
            (f.id, model::next_version(f.version, before.as_ref() != Some(d), answered))
        }
        None => (tx.next_id(access.engine()).await?, model::next_version(0, true, false)),
    };
    let now = access.now();
    let row = FormRow {
        id,
        code: current.as_ref().map(|f| f.code.clone()).or_else(|| spec.code.clone()).unwrap_or_else(|| format!("{}.{id}", spec.owner)),
        owner: spec.owner.to_string(),
        name: name.to_string(),
        intro: spec.intro.trim().to_string(),
        active: spec.active,
        version: step.version(),
        responses: 0,
        updated_at: now,
    };
    store::save_form(tx, &row, now).await?;
    if !matches!(step, VersionStep::Keep(_)) {
        let actor = access.actor();
        store::write_version(tx, id, step.version(), d, (actor.user_id.map(|u| u.0), &actor.display_name), now).await?;
    }
    let what = match step {
        VersionStep::Keep(v) => format!("第 {v} 版未变"),
        VersionStep::Replace(v) => format!("修改第 {v} 版（尚无回答）"),
        VersionStep::New(v) => format!("发布第 {v} 版"),
    };
    let detail = format!("{name}：{what}，{} 道题{}", d.questions.len(), if spec.active { "" } else { "（停用）" });
    access.audit(tx, "forms.save", &format!("form:{id}"), &detail).await?;
    Ok(Defined { id, step })
}

/// What [`submit`] stored.
#[derive(Clone, Debug)]
pub struct Submitted {
    pub id: i64,
    pub version: i32,
    pub answers: Vec<Answer>,
}

/// Stores one person's answers to the form's current version in the caller's transaction,
/// after checking them whole ([`model::check_answers`]; problems on the questions' codes, 422).
/// `context` names what asked them (`desk_followup_task:12`).
pub async fn submit(access: &Access, tx: &mut Tx, form: i64, subject: Subject, context: &str, raw: &RawAnswers) -> Result<Submitted> {
    let f = form_in(tx, form).await?.ok_or_else(|| Error::not_found("问卷"))?;
    let answers = model::check_answers(&f.definition, raw, access.now().local_day()).map_err(Error::invalid)?;
    let id = tx.next_id(access.engine()).await?;
    let actor = access.actor();
    let subject_code = subject.code();
    let response = NewResponse {
        id,
        form_id: form,
        version: f.version,
        subject: &subject_code,
        context,
        answers: &answers,
        actor: (actor.user_id.map(|u| u.0), &actor.display_name),
    };
    store::insert_response(tx, &response, access.now()).await?;
    let detail = format!("{} 第 {} 版：{}，{} 题", f.row.name, f.version, subject.label_zh(), answers.len());
    access.audit(tx, "forms.response", &format!("form_response:{id}"), &detail).await?;
    Ok(Submitted { id, version: f.version, answers })
}

// ---- the forms console ----

pub async fn list(access: &Access) -> Result<Vec<FormRow>> {
    access.require(Permission::FormsManage)?;
    let mut c = access.tenant().read().await?;
    Ok(store::forms(&mut c, None).await?)
}

/// A form with one version's definition (the current one without `version`) and its versions.
pub async fn get(access: &Access, id: i64, version: Option<i32>) -> Result<(Form, Vec<VersionRow>)> {
    access.require(Permission::FormsManage)?;
    let mut c = access.tenant().read().await?;
    let row = store::form(&mut c, id).await?.ok_or_else(|| Error::not_found("问卷"))?;
    let v = version.unwrap_or(row.version);
    let definition = store::definition(&mut c, id, v).await?.ok_or_else(|| Error::not_found("问卷版本"))?;
    let versions = store::versions(&mut c, id).await?;
    Ok((Form { row, version: v, definition }, versions))
}

/// A form as typed in the console: its fields and its definition (or the problems of the text
/// it was read from, reported with every other problem).
pub struct FormDraft {
    pub name: String,
    pub intro: String,
    pub active: bool,
    pub definition: std::result::Result<Definition, Vec<FieldError>>,
}

/// Creates (`id` None) or changes one of the hospital's own forms (owner `forms`); forms that
/// a module keeps are edited in that module. Bad input (every problem at once) changes nothing.
pub async fn save(access: &Access, id: Option<i64>, draft: &FormDraft) -> Result<Defined> {
    access.require(Permission::FormsManage)?;
    let mut tx = access.tenant().write().await?;
    if let Some(id) = id {
        let f = store::form(&mut tx, id).await?.ok_or_else(|| Error::not_found("问卷"))?;
        if f.owner != OWNER {
            return Err(Error::conflict(
                "owned_by_module",
                format!("问卷「{}」由「{}」维护，请在该模块中修改", f.name, owner_zh(&f.owner)),
            ));
        }
    }
    let (d, errors) = match &draft.definition {
        Ok(d) => (d.clone(), Vec::new()),
        Err(e) => (Definition::default(), e.clone()),
    };
    let spec = FormSpec { id, owner: OWNER, code: None, name: &draft.name, intro: &draft.intro, active: draft.active };
    // Text that could not be read comes with an empty definition: its problems and the name's.
    let defined = define_checked(access, &mut tx, &spec, &d, errors).await?;
    tx.commit().await?;
    Ok(defined)
}

/// Checks answers against a form as a person would send them, storing nothing: the answers
/// kept and the score, or every problem.
pub async fn try_out(
    access: &Access,
    id: i64,
    raw: &RawAnswers,
) -> Result<std::result::Result<(Vec<Answer>, Option<Score>), Vec<FieldError>>> {
    let (f, _) = get(access, id, None).await?;
    Ok(model::check_answers(&f.definition, raw, access.now().local_day()).map(|a| {
        let s = model::score(&f.definition.scoring, &a);
        (a, s)
    }))
}

/// Answers are personal data: hospital-wide lists and exports are for data scope "all".
fn require_all_people(access: &Access) -> Result<()> {
    access.require(Permission::FormsManage)?;
    if access.actor().data_scope() != DataScope::All {
        return Err(Error::forbidden());
    }
    Ok(())
}

/// A form's responses, newest first.
pub async fn responses(access: &Access, id: i64, paging: Paging) -> Result<(FormRow, Vec<ResponseRow>, i64)> {
    require_all_people(access)?;
    let mut c = access.tenant().read().await?;
    let row = store::form(&mut c, id).await?.ok_or_else(|| Error::not_found("问卷"))?;
    let (rows, total) = store::responses(&mut c, id, paging.offset(), paging.per_page).await?;
    Ok((row, rows, total))
}

/// The most responses one export holds.
pub const MAX_EXPORT: i64 = 50_000;

/// Every response of a form as a workbook: one row a response, one column a question (of every
/// version, newest first), the score and its band; whom it is about as a reference (人员 #12),
/// never a name or number. Needs `DataExport`; audited.
pub async fn export(access: &Access, id: i64) -> Result<(String, Vec<u8>)> {
    require_all_people(access)?;
    access.require(Permission::DataExport)?;
    let mut c = access.tenant().read().await?;
    let row = store::form(&mut c, id).await?.ok_or_else(|| Error::not_found("问卷"))?;
    let (rows, total) = store::responses(&mut c, id, 0, MAX_EXPORT).await?;
    let mut defs: BTreeMap<i32, Definition> = BTreeMap::new();
    for v in store::versions(&mut c, id).await? {
        defs.insert(v.version, store::definition(&mut c, id, v.version).await?.unwrap_or_default());
    }
    drop(c);
    // Columns: the questions of every version, the newest version's order first.
    let mut columns: Vec<(String, String)> = Vec::new();
    for d in defs.values().rev() {
        for q in &d.questions {
            if !columns.iter().any(|(code, _)| *code == q.code) {
                columns.push((q.code.clone(), q.text.clone()));
            }
        }
    }
    let mut headers: Vec<String> = ["编号", "提交时间", "对象", "来源", "版本", "记录人"].iter().map(|s| s.to_string()).collect();
    headers.extend(columns.iter().map(|(code, text)| format!("{text}（{code}）")));
    headers.extend(["得分".to_string(), "结果分级".to_string()]);
    let table_rows = rows
        .iter()
        .map(|r| {
            let scoring = defs.get(&r.version).map(|d| d.scoring.clone()).unwrap_or_default();
            let score = model::score_of(&scoring, r.score_sum, r.scored);
            let mut cells = vec![
                r.id.to_string(),
                r.submitted_at.format_minute(),
                Subject::parse(&r.subject).map_or_else(|| r.subject.clone(), Subject::label_zh),
                r.context.clone(),
                format!("第 {} 版", r.version),
                r.actor_name.clone(),
            ];
            cells.extend(columns.iter().map(|(code, _)| r.answers.iter().find(|a| a.code == *code).map(Answer::text).unwrap_or_default()));
            cells.push(score.as_ref().map(|s| model::num((s.value * 100.0).round() / 100.0)).unwrap_or_default());
            cells.push(score.and_then(|s| s.band).unwrap_or_default());
            cells
        })
        .collect();
    let bytes = tabular::write_workbook(&[("回答", Table { headers, rows: table_rows })])?;
    let detail = format!("导出问卷「{}」的回答（{} 份{}）", row.name, rows.len(), if total > MAX_EXPORT { "，仅最近的部分" } else { "" });
    access.audit_read("export", &format!("form:{id}"), &detail).await?;
    Ok((row.name, bytes))
}

/// Today in China, for callers that check answers themselves.
pub fn today(access: &Access) -> LocalDay {
    access.now().local_day()
}
