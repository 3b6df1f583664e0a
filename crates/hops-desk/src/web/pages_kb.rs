//! Console pages of the knowledge base (list, search, edit with versions, import, export) and of
//! the bot (daily self-service share, unanswered questions grouped for editors, conversations).

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_platform::charts;
use hops_platform::tabular::{ImportReport, Mode};
use hops_platform::web::upload;
use hops_platform::web::{Form, Method, Page, PageError, PageResult, Pager, Paging, Routes, Scope, Shell};
use hops_platform::{Error, FieldError, Permission};
use serde::Deserialize;

use crate::bot::service::{self as bot, DayShare, Group, Outcome};
use crate::bot::store::{SessionRow, TurnRow};
use crate::kb::model::{ArticleInput, ArticleStatus, answer_html};
use crate::kb::service as kb;
use crate::kb::store::ArticleRow;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/desk/kb", "知识库", list)
        .page(Method::Get, "/desk/kb/new", "新建知识", new_form)
        .page(Method::Post, "/desk/kb", "新建知识", create)
        .page(Method::Get, "/desk/kb/{article_id}", "编辑知识", edit_form)
        .page(Method::Post, "/desk/kb/{article_id}", "保存知识", update)
        .page(Method::Post, "/desk/kb/import", "导入知识库", import)
        .page(Method::Get, "/desk/kb.xlsx", "导出知识库 Excel", export)
        .page(Method::Get, "/desk/kb/template.xlsx", "知识库导入模板", template)
        .scope(Scope::AllPeople)
        .page(Method::Get, "/desk/bot", "智能客服", bot_page)
        .page(Method::Get, "/desk/bot/conversations/{session_id}", "智能客服会话", conversation)
        .page(Method::Get, "/desk/kb/unanswered", "未解答问题", unanswered_page)
}

fn render<T: Template>(t: T) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

#[derive(Template)]
#[template(path = "desk_kb.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<ArticleRow>,
    pager: Pager,
    q: String,
    category: String,
    status: String,
    categories: Vec<String>,
    statuses: Vec<(&'static str, &'static str)>,
    report: Option<ImportReport>,
    bot_tab: bool,
    kb_tabs: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQ {
    q: Option<String>,
    category: Option<String>,
    status: Option<String>,
    page: Option<i64>,
    ok: Option<String>,
}

fn statuses() -> Vec<(&'static str, &'static str)> {
    ArticleStatus::ALL.iter().map(|s| (s.code(), s.label_zh())).collect()
}

async fn list_view(page: &Page, q: ListQ, report: Option<ImportReport>) -> PageResult<Html<String>> {
    let access = page.access();
    let paging = Paging::new(q.page, 30);
    let text = q.q.clone().unwrap_or_default();
    let category = q.category.clone().unwrap_or_default();
    let status = q.status.as_deref().and_then(ArticleStatus::parse);
    let (rows, total) = kb::list(access, &text, &category, status, paging).await?;
    let flash = match q.ok.as_deref() {
        Some("saved") => Some("已保存，新版本即时生效".to_string()),
        _ => None,
    };
    let st = status.map_or("", ArticleStatus::code).to_string();
    let enc = hops_platform::web::pages::url_encode;
    render(ListPage {
        shell: page.shell("知识库").with_flash(flash),
        pager: Pager::new(paging, total, &format!("/desk/kb?q={}&category={}&status={st}", enc(&text), enc(&category))),
        rows,
        q: text,
        category,
        status: st,
        categories: kb::categories(access).await?,
        statuses: statuses(),
        report,
        bot_tab: access.can(Permission::DeskWork),
        kb_tabs: true,
    })
}

async fn list(page: Page, Query(q): Query<ListQ>) -> PageResult<Html<String>> {
    list_view(&page, q, None).await
}

#[derive(Template)]
#[template(path = "desk_kb_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    f: ArticleForm,
    errors: Vec<FieldError>,
    statuses: Vec<(&'static str, &'static str)>,
    preview: String,
    versions: Vec<(i64, String, String, String)>,
}

impl FormPage {
    fn error(&self, field: &str) -> String {
        self.errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect::<Vec<_>>().join("；")
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ArticleForm {
    question: String,
    variants: String,
    answer: String,
    category: String,
    status: String,
}

impl ArticleForm {
    fn input(&self) -> ArticleInput {
        ArticleInput {
            question: self.question.clone(),
            variants: self.variants.clone(),
            answer: self.answer.clone(),
            category: self.category.clone(),
            status: self.status.clone(),
        }
    }
}

async fn form_page(page: &Page, id: Option<i64>, f: ArticleForm, errors: Vec<FieldError>) -> PageResult<Html<String>> {
    let versions = match id {
        Some(id) => {
            kb::versions(page.access(), id).await?.into_iter().map(|(v, d, at, by)| (v, d.question, at.format_minute(), by)).collect()
        }
        None => Vec::new(),
    };
    render(FormPage {
        shell: page.shell(if id.is_some() { "编辑知识" } else { "新建知识" }),
        preview: answer_html(&f.answer),
        id,
        f,
        errors,
        statuses: statuses(),
        versions,
    })
}

#[derive(Deserialize, Default)]
pub struct NewQ {
    question: Option<String>,
}

async fn new_form(page: Page, Query(q): Query<NewQ>) -> PageResult<Html<String>> {
    page.access().require(Permission::KbEdit)?;
    let f = ArticleForm { question: q.question.unwrap_or_default(), status: "published".into(), ..Default::default() };
    form_page(&page, None, f, Vec::new()).await
}

async fn save(page: Page, id: Option<i64>, f: ArticleForm) -> PageResult<Response> {
    match kb::save(page.access(), id, &f.input()).await {
        Ok(_) => Ok(Redirect::to("/desk/kb?ok=saved").into_response()),
        Err(e @ Error::Client { status: 422, .. }) => {
            let errors = e.fields().to_vec();
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, form_page(&page, id, f, errors).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn create(page: Page, Form(f): Form<ArticleForm>) -> PageResult<Response> {
    save(page, None, f).await
}

async fn edit_form(page: Page, Path(id): Path<i64>) -> PageResult<Html<String>> {
    page.access().require(Permission::KbEdit)?;
    let a = kb::get(page.access(), id).await?;
    let f = ArticleForm {
        question: a.question,
        variants: a.variants.join("\n"),
        answer: a.answer,
        category: a.category,
        status: a.status.code().into(),
    };
    form_page(&page, Some(id), f, Vec::new()).await
}

async fn update(page: Page, Path(id): Path<i64>, Form(f): Form<ArticleForm>) -> PageResult<Response> {
    save(page, Some(id), f).await
}

async fn import(page: Page, mp: Result<Multipart, MultipartRejection>) -> PageResult<Response> {
    let upload = upload::read(page.access(), Permission::KbEdit, mp).await?;
    let mode = if upload.field("mode") == "skip" { Mode::SkipBad } else { Mode::AllOrNothing };
    let (name, bytes) = upload.into_file()?;
    let report = kb::import(page.access(), &bytes, &name, mode).await?;
    Ok(list_view(&page, ListQ::default(), Some(report)).await?.into_response())
}

async fn export(page: Page) -> PageResult<Response> {
    let bytes = kb::export(page.access()).await?;
    Ok(hops_platform::web::xlsx("kb.xlsx", &format!("知识库_{}.xlsx", page.access().now().local_day()), bytes))
}

async fn template(page: Page) -> PageResult<Response> {
    page.access().require(Permission::KbEdit)?;
    Ok(hops_platform::web::xlsx("kb-template.xlsx", "知识库导入模板.xlsx", kb::template()?))
}

#[derive(Template)]
#[template(path = "desk_bot.html")]
struct BotPage {
    shell: Shell,
    days: Vec<DayShare>,
    chart: String,
    total: i64,
    resolved: i64,
    groups: Vec<Group>,
    sessions: Vec<SessionRow>,
    pager: Pager,
    can_edit: bool,
    bot_tab: bool,
    kb_tabs: bool,
}

impl BotPage {
    fn share(&self) -> String {
        if self.total == 0 { "—".into() } else { format!("{:.1}%", self.resolved as f64 * 100.0 / self.total as f64) }
    }
}

#[derive(Deserialize, Default)]
pub struct BotQ {
    page: Option<i64>,
}

async fn bot_page(page: Page, Query(q): Query<BotQ>) -> PageResult<Html<String>> {
    let access = page.access();
    let today = access.now().local_day();
    let from = today.plus_days(-29);
    let days = bot::daily(access, from, today).await?;
    let labels: Vec<String> = days.iter().map(|d| d.day.to_string()[5..].to_string()).collect();
    let shares: Vec<i64> = days.iter().map(|d| d.percent().map_or(0, |p| p.round() as i64)).collect();
    let counts: Vec<i64> = days.iter().map(|d| d.conversations).collect();
    let series = [charts::LineSeries { name: "自助解决率 %", values: &shares }, charts::LineSeries { name: "会话数", values: &counts }];
    let chart = charts::LineChart { labels: &labels, series: &series, unit: "" }.svg();
    let can_edit = access.can(Permission::KbEdit);
    let groups = if can_edit { bot::unanswered(access, 30).await? } else { Vec::new() };
    let paging = Paging::new(q.page, 20);
    let (sessions, total_sessions) = bot::conversations(access, from.start(), paging).await?;
    render(BotPage {
        shell: page.shell("智能客服"),
        total: days.iter().map(|d| d.conversations).sum(),
        resolved: days.iter().map(|d| d.resolved).sum(),
        days,
        chart,
        groups,
        sessions,
        pager: Pager::new(paging, total_sessions, "/desk/bot?"),
        can_edit,
        bot_tab: true,
        kb_tabs: can_edit,
    })
}

#[derive(Template)]
#[template(path = "desk_kb_unanswered.html")]
struct UnansweredPage {
    shell: Shell,
    groups: Vec<Group>,
    bot_tab: bool,
    kb_tabs: bool,
}

/// The questions the bot could not answer, grouped, for those who write the knowledge base (the
/// content reviewers among them, who do not work the desk's conversations).
async fn unanswered_page(page: Page) -> PageResult<Html<String>> {
    let access = page.access();
    let groups = bot::unanswered(access, 30).await?;
    render(UnansweredPage { shell: page.shell("未解答问题"), groups, bot_tab: access.can(Permission::DeskWork), kb_tabs: true })
}

#[derive(Template)]
#[template(path = "desk_bot_conversation.html")]
struct ConversationPage {
    shell: Shell,
    session: SessionRow,
    turns: Vec<(TurnRow, &'static str)>,
}

async fn conversation(page: Page, Path(id): Path<i64>) -> PageResult<Html<String>> {
    let (session, turns) = bot::conversation(page.access(), id).await?;
    let turns = turns.into_iter().map(|t| {
        let label = Outcome::parse(&t.outcome).map_or("", Outcome::label_zh);
        (t, label)
    });
    render(ConversationPage { shell: page.shell("智能客服会话"), session, turns: turns.collect() })
}
