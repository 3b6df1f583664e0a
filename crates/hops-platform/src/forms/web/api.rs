//! JSON API of forms: list, read (any version), create and change the hospital's own forms, and
//! the answers of a form.

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;
use crate::forms::model::{Band, Choice, Condition, DayLimit, Definition, Kind, Method, Question, Scoring, Section, Subject};
use crate::forms::service::{self, Form, FormDraft, FormRow, VersionRow};
use crate::web::error::ApiResult;
use crate::web::extract::{Api, Json};
use crate::web::shell::Paging;

#[derive(Serialize, ToSchema)]
pub struct FormOut {
    id: i64,
    code: String,
    /// The module that keeps it: forms (this console), desk, checkup …
    owner: String,
    owner_label: String,
    name: String,
    intro: String,
    active: bool,
    /// The current version.
    version: i32,
    responses: i64,
    updated_at: String,
}

impl From<FormRow> for FormOut {
    fn from(r: FormRow) -> Self {
        FormOut {
            owner_label: service::owner_zh(&r.owner).to_string(),
            id: r.id,
            code: r.code,
            owner: r.owner,
            name: r.name,
            intro: r.intro,
            active: r.active,
            version: r.version,
            responses: r.responses,
            updated_at: r.updated_at.format_second(),
        }
    }
}

#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct OptionIo {
    label: String,
    /// Counted towards the form's score; none for an option that is not (e.g. 不清楚).
    #[serde(default)]
    score: Option<i32>,
}

#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct QuestionIo {
    /// Letters, digits, - or _; answers, conditions and exports name the question by it.
    code: String,
    /// single | multiple | scale | number | text | date
    kind: String,
    text: String,
    #[serde(default)]
    help: String,
    #[serde(default)]
    required: bool,
    #[serde(default = "yes")]
    active: bool,
    /// Index of its section (0 the first).
    #[serde(default)]
    section: usize,
    #[serde(default)]
    options: Vec<OptionIo>,
    /// Scale (whole numbers) and number.
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    decimals: u8,
    /// Date: YYYY-MM-DD or today.
    #[serde(default)]
    earliest: Option<String>,
    #[serde(default)]
    latest: Option<String>,
    /// Asked only when this holds on earlier answers: `smoking = 吸烟 且 age >= 40`.
    #[serde(default)]
    condition: String,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct SectionIo {
    #[serde(default)]
    title: String,
    #[serde(default)]
    condition: String,
}

#[derive(Deserialize, Serialize, ToSchema, Clone)]
pub struct BandIo {
    from: f64,
    label: String,
}

#[derive(Deserialize, ToSchema)]
pub struct FormIn {
    name: String,
    #[serde(default)]
    intro: String,
    #[serde(default = "yes")]
    active: bool,
    /// none | sum | mean
    #[serde(default)]
    scoring: Option<String>,
    #[serde(default)]
    bands: Vec<BandIo>,
    /// Without sections, one untitled section.
    #[serde(default)]
    sections: Vec<SectionIo>,
    questions: Vec<QuestionIo>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionOut {
    version: i32,
    created_at: String,
    created_by: String,
    responses: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FormDetailOut {
    form: FormOut,
    /// The version shown.
    version: i32,
    scoring: String,
    bands: Vec<BandIo>,
    sections: Vec<SectionIo>,
    questions: Vec<QuestionIo>,
    versions: Vec<VersionOut>,
}

fn detail(f: Form, versions: Vec<VersionRow>) -> FormDetailOut {
    let d = f.definition;
    FormDetailOut {
        version: f.version,
        scoring: d.scoring.method.code().into(),
        bands: d.scoring.bands.into_iter().map(|b| BandIo { from: b.from, label: b.label }).collect(),
        sections: d.sections.into_iter().map(|s| SectionIo { title: s.title, condition: s.condition.to_text() }).collect(),
        questions: d
            .questions
            .into_iter()
            .map(|q| QuestionIo {
                code: q.code,
                kind: q.kind.code().into(),
                text: q.text,
                help: q.help,
                required: q.required,
                active: q.active,
                section: q.section,
                options: q.choices.into_iter().map(|c| OptionIo { label: c.label, score: c.score }).collect(),
                min: q.min,
                max: q.max,
                unit: q.unit,
                decimals: q.decimals,
                earliest: q.earliest.map(DayLimit::code),
                latest: q.latest.map(DayLimit::code),
                condition: q.condition.to_text(),
            })
            .collect(),
        versions: versions
            .into_iter()
            .map(|v| VersionOut {
                version: v.version,
                created_at: v.created_at.format_second(),
                created_by: v.created_by_name,
                responses: v.responses,
            })
            .collect(),
        form: f.row.into(),
    }
}

impl FormIn {
    /// The draft, every problem of the body's own shape named at its field.
    fn draft(&self) -> FormDraft {
        let mut errors = Vec::new();
        let method = Method::from_code(self.scoring.as_deref().unwrap_or("none")).unwrap_or_else(|| {
            errors.push(FieldError::new("scoring", "计分方式应为 none、sum 或 mean"));
            Method::None
        });
        let cond = |errors: &mut Vec<FieldError>, field: String, text: &str| {
            Condition::parse(text).unwrap_or_else(|m| {
                errors.push(FieldError::new(field, m));
                Condition::default()
            })
        };
        let mut sections: Vec<Section> = self
            .sections
            .iter()
            .enumerate()
            .map(|(n, s)| Section {
                title: s.title.trim().to_string(),
                condition: cond(&mut errors, format!("sections[{n}].condition"), &s.condition),
            })
            .collect();
        if sections.is_empty() {
            sections.push(Section::default());
        }
        let mut questions = Vec::new();
        for (n, q) in self.questions.iter().enumerate() {
            let condition = cond(&mut errors, format!("questions[{n}].condition"), &q.condition);
            let day =
                |errors: &mut Vec<FieldError>, field: &str, v: &Option<String>| match v.as_deref().map(str::trim).filter(|s| !s.is_empty())
                {
                    None => None,
                    Some(s) => DayLimit::from_code(s).or_else(|| {
                        errors.push(FieldError::new(format!("questions[{n}].{field}"), "日期应为 YYYY-MM-DD 或 today"));
                        None
                    }),
                };
            let (earliest, latest) = (day(&mut errors, "earliest", &q.earliest), day(&mut errors, "latest", &q.latest));
            let Some(kind) = Kind::from_code(&q.kind) else {
                errors.push(FieldError::new(format!("questions[{n}].kind"), "题型应为 single、multiple、scale、number、text 或 date"));
                continue;
            };
            questions.push(Question {
                code: q.code.trim().to_string(),
                text: q.text.trim().to_string(),
                help: q.help.trim().to_string(),
                kind,
                required: q.required,
                active: q.active,
                section: q.section,
                choices: q.options.iter().map(|o| Choice { label: o.label.trim().to_string(), score: o.score }).collect(),
                min: q.min,
                max: q.max,
                unit: q.unit.trim().to_string(),
                decimals: q.decimals,
                earliest,
                latest,
                condition,
            });
        }
        let bands = self.bands.iter().map(|b| Band { from: b.from, label: b.label.trim().to_string() }).collect();
        let definition = Definition { sections, questions, scoring: Scoring { method, bands } };
        FormDraft {
            name: self.name.clone(),
            intro: self.intro.clone(),
            active: self.active,
            definition: if errors.is_empty() { Ok(definition) } else { Err(errors) },
        }
    }
}

pub(super) async fn list(api: Api) -> ApiResult<Json<Vec<FormOut>>> {
    Ok(Json(service::list(api.access()).await?.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize)]
pub struct VersionQuery {
    version: Option<i32>,
    page: Option<i64>,
}

pub(super) async fn get(api: Api, Path(id): Path<i64>, Query(q): Query<VersionQuery>) -> ApiResult<Json<FormDetailOut>> {
    let (f, versions) = service::get(api.access(), id, q.version).await?;
    Ok(Json(detail(f, versions)))
}

pub(super) async fn create(api: Api, Json(body): Json<FormIn>) -> ApiResult<(StatusCode, Json<FormDetailOut>)> {
    let d = service::save(api.access(), None, &body.draft()).await?;
    let (f, versions) = service::get(api.access(), d.id, None).await?;
    Ok((StatusCode::CREATED, Json(detail(f, versions))))
}

pub(super) async fn update(api: Api, Path(id): Path<i64>, Json(body): Json<FormIn>) -> ApiResult<Json<FormDetailOut>> {
    service::save(api.access(), Some(id), &body.draft()).await?;
    let (f, versions) = service::get(api.access(), id, None).await?;
    Ok(Json(detail(f, versions)))
}

#[derive(Serialize, ToSchema)]
pub struct AnswerOut {
    code: String,
    /// The chosen options, or the one value given.
    values: Vec<String>,
    score: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct ResponseOut {
    id: i64,
    version: i32,
    /// Whom it is about: patient:<id> or checkup_person:<id> (a reference, never a name).
    subject: String,
    subject_label: String,
    /// What asked it, e.g. desk_followup_task:12.
    context: String,
    submitted_at: String,
    recorded_by: String,
    /// The form's score by its method, two decimals; null when not scored.
    score: Option<String>,
    band: Option<String>,
    answers: Vec<AnswerOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ResponsePage {
    total: i64,
    page: i64,
    items: Vec<ResponseOut>,
}

pub(super) async fn responses(api: Api, Path(id): Path<i64>, Query(q): Query<VersionQuery>) -> ApiResult<Json<ResponsePage>> {
    let paging = Paging::new(q.page, 50);
    let (_, rows, total) = service::responses(api.access(), id, paging).await?;
    let (current, _) = service::get(api.access(), id, None).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let score = crate::forms::model::score_of(&current.definition.scoring, r.score_sum, r.scored);
            ResponseOut {
                id: r.id,
                version: r.version,
                subject_label: Subject::parse(&r.subject).map_or_else(|| r.subject.clone(), Subject::label_zh),
                subject: r.subject,
                context: r.context,
                submitted_at: r.submitted_at.format_second(),
                recorded_by: r.actor_name,
                score: score.as_ref().map(|s| format!("{:.2}", s.value)),
                band: score.and_then(|s| s.band),
                answers: r.answers.into_iter().map(|a| AnswerOut { code: a.code, values: a.values, score: a.score }).collect(),
            }
        })
        .collect();
    Ok(Json(ResponsePage { total, page: paging.page, items }))
}
