//! Console pages of forms (系统管理 → 问卷): the list, the editor (text form with a live preview
//! through the H5 renderer; forms a module keeps are shown read-only), trying a form out without
//! storing anything, and the answers with their XLSX export.

use askama::Template;
use axum::extract::{Path, Query, RawQuery};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::h5::{H5Form, raw_answers};
use crate::accounts::model::Permission;
use crate::error::{Error, FieldError};
use crate::forms::lines;
use crate::forms::model::{self, Band, Definition, Method, RawAnswers, Scoring, Subject, num};
use crate::forms::service::{self, FormDraft, FormRow, ResponseRow, VersionRow, owner_zh};
use crate::web::error::{PageError, PageResult};
use crate::web::extract::{Form, Page};
use crate::web::forms::{FormErrors, flash};
use crate::web::pages::xlsx;
use crate::web::shell::{Pager, Paging, Shell};

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

const FLASH: &[(&str, &str)] =
    &[("created", "问卷已创建"), ("saved", "已保存"), ("kept", "内容未变，版本不变"), ("version", "已发布新版本：已有回答仍按原版本保存")];

#[derive(Deserialize, Default)]
pub struct Q {
    ok: Option<String>,
    version: Option<i32>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "forms/list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<FormRow>,
}

impl ListPage {
    fn owner(&self, r: &FormRow) -> String {
        owner_zh(&r.owner).to_string()
    }
}

pub(super) async fn list(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    let rows = service::list(page.access()).await?;
    render(ListPage { shell: page.shell("问卷").with_flash(flash(q.ok.as_deref(), FLASH)), rows })
}

/// The editor's fields as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct EditorForm {
    name: String,
    intro: String,
    active: String,
    scoring: String,
    bands: String,
    definition: String,
}

/// `0=无；5=轻度；10=中度`.
fn bands_text(bands: &[Band]) -> String {
    bands.iter().map(|b| format!("{}={}", num(b.from), b.label)).collect::<Vec<_>>().join("；")
}

fn bands_from(text: &str) -> Result<Vec<Band>, FieldError> {
    let mut out = Vec::new();
    for part in text.split([';', '；', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let band = part.split_once(['=', '＝']).and_then(|(f, l)| Some(Band { from: f.trim().parse().ok()?, label: l.trim().to_string() }));
        out.push(band.ok_or_else(|| FieldError::new("scoring", format!("结果分级「{part}」应写成「分数=名称」，如「5=轻度」")))?);
    }
    Ok(out)
}

impl EditorForm {
    fn of(row: &FormRow, d: &Definition) -> EditorForm {
        EditorForm {
            name: row.name.clone(),
            intro: row.intro.clone(),
            active: if row.active { "1".into() } else { String::new() },
            scoring: d.scoring.method.code().into(),
            bands: bands_text(&d.scoring.bands),
            definition: lines::to_lines(d),
        }
    }

    fn draft(&self) -> FormDraft {
        let mut errors = Vec::new();
        let method = Method::from_code(&self.scoring).unwrap_or_else(|| {
            errors.push(FieldError::new("scoring", "请选择计分方式"));
            Method::None
        });
        let bands = bands_from(&self.bands).unwrap_or_else(|e| {
            errors.push(e);
            Vec::new()
        });
        let base = Definition { scoring: Scoring { method, bands }, ..Definition::default() };
        let definition = match lines::from_lines(&self.definition, &base) {
            Ok(d) if errors.is_empty() => Ok(d),
            Ok(_) => Err(errors),
            Err(e) => Err(errors.into_iter().chain(e).collect()),
        };
        FormDraft { name: self.name.clone(), intro: self.intro.clone(), active: self.active == "1", definition }
    }
}

const EXAMPLE: &str = "# 基本情况\n单选|smoking|您是否吸烟？|不吸烟=0；已戒烟=1；吸烟=2\n数值|cigarettes|每天吸烟多少支？|范围：1-100|单位：支|条件：smoking = 吸烟\n评分|health|您如何评价自己的健康状况？|范围：1-5\n日期|last_checkup|上次体检日期|范围：2000-01-01~今天|选填\n文本|note|还有什么想告诉我们的？|选填";

#[derive(Template)]
#[template(path = "forms/editor.html")]
struct EditorPage {
    shell: Shell,
    /// None for a new form.
    row: Option<FormRow>,
    /// The version shown (the current one unless an older one was asked for).
    version: i32,
    versions: Vec<VersionRow>,
    f: EditorForm,
    /// Whether this page may change the form (the console's own forms only).
    editable: bool,
    h5form: H5Form,
    errors: FormErrors,
}

impl EditorPage {
    fn owner(&self) -> String {
        self.row.as_ref().map_or(String::new(), |r| owner_zh(&r.owner).to_string())
    }
    /// Answers of the current version: saving a change then publishes a new version.
    fn answered(&self) -> i64 {
        let current = self.row.as_ref().map_or(0, |r| r.version);
        self.versions.iter().find(|v| v.version == current).map_or(0, |v| v.responses)
    }
    fn methods(&self) -> Vec<(&'static str, &'static str, bool)> {
        Method::ALL.iter().map(|m| (m.code(), m.label_zh(), m.code() == self.f.scoring)).collect()
    }
}

fn editor(
    page: &Page,
    row: Option<FormRow>,
    version: i32,
    versions: Vec<VersionRow>,
    f: EditorForm,
    errors: FormErrors,
    flash: Option<String>,
) -> PageResult<Html<String>> {
    let editable = row.as_ref().is_none_or(|r| r.owner == service::OWNER) && version == row.as_ref().map_or(0, |r| r.version);
    // The preview shows what the text says now (or nothing while it cannot be read).
    let preview = f.draft().definition.unwrap_or_default();
    let title = match &row {
        Some(r) => format!("问卷 · {}", r.name),
        None => "新建问卷".to_string(),
    };
    render(EditorPage {
        shell: page.shell(title).with_flash(flash),
        h5form: H5Form::new(&preview, "a.", &RawAnswers::new(), &[]),
        row,
        version,
        versions,
        f,
        editable,
        errors,
    })
}

pub(super) async fn new_form(page: Page) -> PageResult<Html<String>> {
    page.access().require(Permission::FormsManage)?;
    let f = EditorForm { active: "1".into(), scoring: "sum".into(), definition: EXAMPLE.into(), ..Default::default() };
    editor(&page, None, 0, Vec::new(), f, FormErrors::default(), None)
}

pub(super) async fn form_page(page: Page, Path(id): Path<i64>, Query(q): Query<Q>) -> PageResult<Html<String>> {
    let (form, versions) = service::get(page.access(), id, q.version).await?;
    let f = EditorForm::of(&form.row, &form.definition);
    editor(&page, Some(form.row), form.version, versions, f, FormErrors::default(), flash(q.ok.as_deref(), FLASH))
}

async fn save_view(page: &Page, id: Option<i64>, f: EditorForm) -> PageResult<Response> {
    match service::save(page.access(), id, &f.draft()).await {
        Ok(d) => {
            let ok = match d.step {
                model::VersionStep::Keep(_) => "kept",
                model::VersionStep::New(v) if v > 1 => "version",
                _ if id.is_none() => "created",
                _ => "saved",
            };
            Ok(Redirect::to(&format!("/forms/{}?ok={ok}", d.id)).into_response())
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let (row, version, versions) = match id {
                Some(id) => {
                    let (form, versions) = service::get(page.access(), id, None).await?;
                    (Some(form.row), form.version, versions)
                }
                None => (None, 0, Vec::new()),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, editor(page, row, version, versions, f, errors, None)?).into_response())
        }
    }
}

pub(super) async fn create(page: Page, Form(f): Form<EditorForm>) -> PageResult<Response> {
    save_view(&page, None, f).await
}

pub(super) async fn save(page: Page, Path(id): Path<i64>, Form(f): Form<EditorForm>) -> PageResult<Response> {
    save_view(&page, Some(id), f).await
}

#[derive(Template)]
#[template(path = "forms/try.html")]
struct TryPage {
    shell: Shell,
    row: FormRow,
    h5form: H5Form,
    tried: bool,
    errors: Vec<String>,
    /// The answers kept, as (question, answer, score).
    kept: Vec<(String, String, String)>,
    score: String,
}

/// Answers as a person would send them, checked and scored; nothing is stored.
pub(super) async fn try_page(page: Page, Path(id): Path<i64>, RawQuery(raw): RawQuery) -> PageResult<Response> {
    let raw = raw.unwrap_or_default();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_bytes()).into_owned().collect();
    let answers = raw_answers(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), "a.");
    let tried = pairs.iter().any(|(k, _)| k == "tried");
    let (form, _) = service::get(page.access(), id, None).await?;
    let (mut kept, mut score, mut fields) = (Vec::new(), String::new(), Vec::new());
    if tried {
        match service::try_out(page.access(), id, &answers).await? {
            Ok((list, s)) => {
                kept = list
                    .iter()
                    .map(|a| {
                        let q = form.definition.question(&a.code).map_or(a.code.clone(), |q| q.text.clone());
                        (q, a.text(), a.score.map(|s| s.to_string()).unwrap_or_default())
                    })
                    .collect();
                score = match s {
                    Some(s) => format!(
                        "{}：{}{}",
                        form.definition.scoring.method.label_zh(),
                        num((s.value * 100.0).round() / 100.0),
                        s.band.map(|b| format!("（{b}）")).unwrap_or_default()
                    ),
                    None => "不计分".into(),
                };
            }
            Err(e) => fields = e,
        }
    }
    let status = if fields.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = render(TryPage {
        shell: page.shell(format!("试填 · {}", form.row.name)),
        h5form: H5Form::new(&form.definition, "a.", &answers, &fields),
        errors: fields.iter().map(|f| f.message.clone()).collect(),
        row: form.row,
        tried,
        kept,
        score,
    })?;
    Ok((status, html).into_response())
}

/// A response as listed: whom it is about as a reference, never a name or number.
pub struct ResponseView {
    pub row: ResponseRow,
    pub subject: String,
    pub score: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "forms/responses.html")]
struct ResponsesPage {
    shell: Shell,
    form: FormRow,
    rows: Vec<ResponseView>,
    pager: Pager,
    can_export: bool,
}

pub(super) async fn responses(page: Page, Path(id): Path<i64>, Query(q): Query<Q>) -> PageResult<Html<String>> {
    let access = page.access();
    let paging = Paging::new(q.page, 30);
    let (form, rows, total) = service::responses(access, id, paging).await?;
    let (current, _) = service::get(access, id, None).await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let summary = r
                .answers
                .iter()
                .take(4)
                .map(|a| {
                    let q = current.definition.question(&a.code).map_or(a.code.as_str(), |q| q.text.as_str());
                    format!("{q}：{}", a.text())
                })
                .collect::<Vec<_>>()
                .join("；");
            let score = model::score_of(&current.definition.scoring, r.score_sum, r.scored)
                .map(|s| num((s.value * 100.0).round() / 100.0) + &s.band.map(|b| format!("（{b}）")).unwrap_or_default())
                .unwrap_or_else(|| "—".into());
            ResponseView {
                subject: Subject::parse(&r.subject).map_or_else(|| r.subject.clone(), Subject::label_zh),
                score,
                summary,
                row: r,
            }
        })
        .collect();
    render(ResponsesPage {
        shell: page.shell(format!("回答 · {}", form.name)),
        pager: Pager::new(paging, total, &format!("/forms/{id}/responses")),
        can_export: access.can(Permission::DataExport),
        form,
        rows,
    })
}

pub(super) async fn export(page: Page, Path(id): Path<i64>) -> PageResult<Response> {
    let (name, bytes) = service::export(page.access(), id).await?;
    Ok(xlsx(&format!("form-{id}-responses.xlsx"), &format!("{name}-回答.xlsx"), bytes))
}
