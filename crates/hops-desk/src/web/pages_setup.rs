//! Console pages of the desk's settings (business calendars, SLA policies, categories, teams,
//! canned replies), the SLA attainment report, and the import of ticket and call history.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::LocalDay;
use hops_platform::accounts::service::{Colleague, directory};
use hops_platform::calendar::{Calendar, WeekForm};
use hops_platform::tabular::{ImportReport, Mode};
use hops_platform::web::upload;
use hops_platform::web::{Form, FormErrors, Method, Page, PageError, PageResult, Routes, Scope, Shell};
use hops_platform::{Error, Permission, charts};
use serde::Deserialize;

use crate::setup::model::{self, Canned, Category, Team, check_calendar, check_policy};
use crate::setup::service::{self as setup, Settings};
use crate::ticket::import::{self, Kind};
use crate::ticket::model::Priority;
use crate::ticket::report::{self, Report, percent};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/desk/settings", "客服设置", settings_page)
        .page(Method::Post, "/desk/settings/calendars", "保存服务日历", save_calendar)
        .page(Method::Post, "/desk/settings/policies", "保存 SLA 策略", save_policy)
        .page_confirmed(Method::Post, "/desk/settings/policies/delete", "删除 SLA 策略", delete_policy)
        .page(Method::Post, "/desk/settings/categories", "保存工单分类", save_category)
        .page(Method::Post, "/desk/settings/teams", "保存班组", save_team)
        .page(Method::Post, "/desk/settings/canned", "保存快捷回复", save_canned)
        .page(Method::Get, "/desk/sla", "SLA 达成", sla_page)
        .scope(Scope::AllPeople)
        .page(Method::Get, "/desk/import", "导入历史工单", import_page)
        .page(Method::Post, "/desk/import", "导入历史工单", import_upload)
        .page(Method::Get, "/desk/import/template.xlsx", "历史工单导入模板", import_template)
}

fn render<T: Template>(t: T) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

#[derive(Template)]
#[template(path = "desk_settings.html")]
struct SettingsPage {
    shell: Shell,
    s: Settings,
    people: Vec<Colleague>,
    priorities: Vec<(&'static str, &'static str)>,
    error: String,
    /// The calendar form: a new calendar, one being edited, or one refused (as typed).
    cal: CalendarDraft,
    /// Its weekly hours (the platform's week form, included by the template as `week`).
    week: WeekForm,
}

/// The calendar form's fields other than the weekly hours.
#[derive(Default)]
struct CalendarDraft {
    /// Editing a saved calendar (its code cannot change).
    editing: bool,
    code: String,
    name: String,
    holidays: String,
    workdays: String,
    public_holidays: bool,
    errors: FormErrors,
}

impl CalendarDraft {
    fn new() -> (CalendarDraft, WeekForm) {
        let office = Calendar::parse("mon-fri 08:00-12:00,13:30-17:30").expect("a valid preset");
        (CalendarDraft { public_holidays: true, ..Default::default() }, WeekForm::of(&office))
    }

    fn of(def: &model::CalendarDef) -> (CalendarDraft, WeekForm) {
        let week = Calendar::parse(&def.hours).map(|c| WeekForm::of(&c)).unwrap_or_else(|_| CalendarDraft::new().1);
        let draft = CalendarDraft {
            editing: true,
            code: def.code.clone(),
            name: def.name.clone(),
            holidays: model::format_dates(&def.holidays),
            workdays: model::format_dates(&def.workdays),
            public_holidays: def.public_holidays,
            errors: FormErrors::default(),
        };
        (draft, week)
    }
}

impl SettingsPage {
    fn calendar_label(&self, code: &str) -> String {
        self.s.calendar(code).map_or_else(|| code.to_string(), |c| c.label())
    }
    fn calendar_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.s.calendars.iter().find(|c| c.code == code).map_or(code, |c| c.name.as_str())
    }
    fn team_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.s.team(code).map_or(code, |t| t.name.as_str())
    }
    fn person(&self, id: &Option<i64>) -> String {
        id.and_then(|i| self.people.iter().find(|p| p.id.0 == i)).map_or_else(|| "—".into(), Colleague::label)
    }
    fn members(&self, t: &Team) -> String {
        t.members.iter().filter_map(|m| self.people.iter().find(|p| p.id.0 == *m)).map(Colleague::label).collect::<Vec<_>>().join("、")
    }
    fn minutes(&self, m: &Option<i64>) -> String {
        match m {
            None => "不考核".into(),
            Some(m) if m % 1440 == 0 => format!("{} 天", m / 1440),
            Some(m) if m % 60 == 0 => format!("{} 小时", m / 60),
            Some(m) => format!("{m} 分钟"),
        }
    }
}

#[derive(Deserialize, Default)]
pub struct OkQ {
    ok: Option<String>,
    /// A calendar to edit, by code.
    calendar: Option<String>,
}

async fn settings_view(page: &Page, ok: bool, error: String, cal: Option<(CalendarDraft, WeekForm)>) -> PageResult<Html<String>> {
    let access = page.access();
    access.require(Permission::DeskManage)?;
    let s = setup::load(access).await?;
    let people = directory(access).await?.into_iter().filter(|c| c.role.can(Permission::DeskWork)).collect();
    let (cal, week) = cal.unwrap_or_else(CalendarDraft::new);
    render(SettingsPage {
        shell: page.shell("客服设置").with_flash(ok.then(|| "已保存".to_string())),
        s,
        people,
        priorities: Priority::ALL.iter().map(|p| (p.code(), p.label_zh())).collect(),
        error,
        cal,
        week,
    })
}

async fn settings_page(page: Page, Query(q): Query<OkQ>) -> PageResult<Html<String>> {
    let editing = match q.calendar.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            let s = setup::load(page.access()).await?;
            let def = s.calendars.iter().find(|c| c.code == code).ok_or_else(|| Error::not_found("服务日历"))?;
            Some(CalendarDraft::of(def))
        }
        None => None,
    };
    settings_view(&page, q.ok.is_some(), String::new(), editing).await
}

/// A refused setting is shown on the page with every reason; nothing changed.
async fn outcome(page: &Page, r: Result<(), Error>) -> PageResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to("/desk/settings?ok=1").into_response()),
        Err(e @ Error::Client { status: 409 | 422, .. }) => {
            let msg = match e.fields() {
                [] => e.public_message(),
                f => f.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；"),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, settings_view(page, false, msg, None).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The calendar form: code, name, the weekly hours by row ([`WeekForm`]), public holidays,
/// extra holidays and make-up workdays. A refused form comes back as typed, each problem at its
/// field or weekday row; nothing is saved.
async fn save_calendar(page: Page, Form(pairs): Form<Vec<(String, String)>>) -> PageResult<Response> {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut week = WeekForm::from_pairs(&pairs);
    let draft = CalendarDraft {
        editing: field("editing") == "1",
        code: field("code"),
        name: field("name"),
        holidays: field("holidays"),
        workdays: field("workdays"),
        public_holidays: pairs.iter().any(|(k, _)| k == "public_holidays"),
        errors: FormErrors::default(),
    };
    let hours = week.calendar().map(|c| c.to_string());
    let checked = check_calendar(
        &draft.code,
        &draft.name,
        hours.as_deref().unwrap_or("7x24"),
        &draft.holidays,
        &draft.workdays,
        draft.public_holidays,
    );
    let r = match (hours, checked) {
        (Ok(_), Ok(def)) => setup::save_calendar(page.access(), &def).await,
        (h, c) => Err(Error::invalid(h.err().into_iter().flatten().chain(c.err().into_iter().flatten()).collect())),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/desk/settings?ok=1").into_response()),
        Err(e @ Error::Client { status: 422, .. }) => {
            let draft = CalendarDraft { errors: FormErrors::from_error(e)?, ..draft };
            let html = settings_view(&page, false, "服务日历未保存，请按标出的位置修改".into(), Some((draft, week))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => outcome(&page, Err(e)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PolicyForm {
    category: String,
    priority: String,
    name: String,
    calendar: String,
    first_response_minutes: String,
    resolution_minutes: String,
    warn_pct: String,
}

async fn save_policy(page: Page, Form(f): Form<PolicyForm>) -> PageResult<Response> {
    let s = setup::load(page.access()).await?;
    let cats: Vec<String> = s.categories.iter().map(|c| c.code.clone()).collect();
    let cals: Vec<String> = s.calendars.iter().map(|c| c.code.clone()).collect();
    let r = match check_policy(
        &f.category,
        &f.priority,
        &f.name,
        &f.calendar,
        &f.first_response_minutes,
        &f.resolution_minutes,
        &f.warn_pct,
        &cats,
        &cals,
    ) {
        Ok(p) => setup::save_policy(page.access(), &p).await,
        Err(errs) => Err(Error::invalid(errs)),
    };
    outcome(&page, r).await
}

async fn delete_policy(page: Page, Form(f): Form<PolicyForm>) -> PageResult<Response> {
    outcome(&page, setup::delete_policy(page.access(), f.category.trim(), f.priority.trim()).await).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CategoryForm {
    code: String,
    name: String,
    team: String,
    active: String,
    position: String,
}

async fn save_category(page: Page, Form(f): Form<CategoryForm>) -> PageResult<Response> {
    let mut errs = Vec::new();
    let code = model::check_code("code", &f.code, &mut errs);
    let name = model::check_name("name", &f.name, 30, &mut errs);
    let position = f.position.trim().parse::<i64>().unwrap_or(0);
    let r = if errs.is_empty() {
        let c = Category {
            code,
            name,
            team_code: Some(f.team.trim().to_string()).filter(|t| !t.is_empty()),
            active: f.active != "0",
            position,
        };
        setup::save_category(page.access(), &c).await
    } else {
        Err(Error::invalid(errs))
    };
    outcome(&page, r).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TeamForm {
    code: String,
    name: String,
    lead: String,
    /// Usernames, comma-separated.
    members: String,
}

async fn save_team(page: Page, Form(f): Form<TeamForm>) -> PageResult<Response> {
    let access = page.access();
    let people = directory(access).await?;
    let mut errs = Vec::new();
    let code = model::check_code("code", &f.code, &mut errs);
    let name = model::check_name("name", &f.name, 30, &mut errs);
    let find = |u: &str, errs: &mut Vec<hops_platform::FieldError>| {
        let found = people.iter().find(|p| p.username == u || p.display_name == u).filter(|p| p.role.can(Permission::DeskWork));
        if found.is_none() {
            errs.push(hops_platform::FieldError::new("members", format!("“{u}”不是有客服权限的在职人员")));
        }
        found.map(|p| p.id.0)
    };
    let lead = match f.lead.trim() {
        "" => None,
        u => find(u, &mut errs),
    };
    let members: Vec<i64> =
        f.members.split([',', '，', '、', ' ']).map(str::trim).filter(|u| !u.is_empty()).filter_map(|u| find(u, &mut errs)).collect();
    let r = if errs.is_empty() {
        setup::save_team(access, &Team { code, name, lead_user_id: lead, members }).await
    } else {
        Err(Error::invalid(errs))
    };
    outcome(&page, r).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CannedForm {
    code: String,
    title: String,
    body: String,
}

async fn save_canned(page: Page, Form(f): Form<CannedForm>) -> PageResult<Response> {
    let mut errs = Vec::new();
    let code = model::check_code("code", &f.code, &mut errs);
    let title = model::check_name("title", &f.title, 30, &mut errs);
    if f.body.trim().is_empty() || f.body.chars().count() > 2000 {
        errs.push(hops_platform::FieldError::new("body", "回复内容不能为空，且不超过 2000 字"));
    }
    let r = if errs.is_empty() {
        setup::save_canned(page.access(), &Canned { code, title, body: f.body.trim().to_string() }).await
    } else {
        Err(Error::invalid(errs))
    };
    outcome(&page, r).await
}

#[derive(Template)]
#[template(path = "desk_sla.html")]
struct SlaPage {
    shell: Shell,
    r: Report,
    from: String,
    to: String,
    chart: String,
    error: String,
}

impl SlaPage {
    fn pct(&self, bp: Option<u64>) -> String {
        percent(bp)
    }
    fn sections(&self) -> Vec<(&'static str, &[report::Line])> {
        vec![("按月", &self.r.by_month), ("按分类", &self.r.by_category), ("按处理人", &self.r.by_agent)]
    }
}

#[derive(Deserialize, Default)]
pub struct PeriodQ {
    from: Option<String>,
    to: Option<String>,
}

async fn sla_page(page: Page, Query(q): Query<PeriodQ>) -> PageResult<Html<String>> {
    let access = page.access();
    let today = access.now().local_day();
    let mut error = String::new();
    let mut day = |s: Option<&str>, default: LocalDay| match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => default,
        Some(s) => LocalDay::parse(s).unwrap_or_else(|e| {
            error = e.to_string();
            default
        }),
    };
    let from = day(q.from.as_deref(), today.plus_days(-89));
    let to = day(q.to.as_deref(), today);
    let (from, to) = if from <= to { (from, to) } else { (to, from) };
    let r = report::attainment_report(access, from, to).await?;
    let labels: Vec<String> = r.by_month.iter().map(|l| l.label.clone()).collect();
    let first: Vec<i64> = r.by_month.iter().map(|l| l.sla.first_response.on_time_basis_points().map_or(0, |b| (b / 100) as i64)).collect();
    let fix: Vec<i64> = r.by_month.iter().map(|l| l.sla.resolution.on_time_basis_points().map_or(0, |b| (b / 100) as i64)).collect();
    let series =
        [charts::LineSeries { name: "首次响应达成率 %", values: &first }, charts::LineSeries { name: "解决达成率 %", values: &fix }];
    let chart = if labels.is_empty() { String::new() } else { charts::LineChart { labels: &labels, series: &series, unit: "%" }.svg() };
    render(SlaPage { shell: page.shell("SLA 达成"), r, from: from.to_string(), to: to.to_string(), chart, error })
}

#[derive(Template)]
#[template(path = "desk_import.html")]
struct ImportPage {
    shell: Shell,
    report: Option<ImportReport>,
    kind: &'static str,
}

async fn import_page(page: Page) -> PageResult<Html<String>> {
    page.access().require(Permission::DeskManage)?;
    render(ImportPage { shell: page.shell("导入历史工单"), report: None, kind: "tickets" })
}

async fn import_upload(page: Page, mp: Result<Multipart, MultipartRejection>) -> PageResult<Response> {
    let upload = upload::read(page.access(), Permission::DeskManage, mp).await?;
    let kind = if upload.field("kind") == "calls" { Kind::Calls } else { Kind::Tickets };
    let mode = if upload.field("mode") == "skip" { Mode::SkipBad } else { Mode::AllOrNothing };
    let (name, bytes) = upload.into_file()?;
    let report = import::import(page.access(), &bytes, &name, kind, mode).await?;
    let kind = if kind == Kind::Calls { "calls" } else { "tickets" };
    Ok(render(ImportPage { shell: page.shell("导入历史工单"), report: Some(report), kind })?.into_response())
}

#[derive(Deserialize, Default)]
pub struct KindQ {
    kind: Option<String>,
}

async fn import_template(page: Page, Query(q): Query<KindQ>) -> PageResult<Response> {
    page.access().require(Permission::DeskManage)?;
    let (kind, name) = if q.kind.as_deref() == Some("calls") {
        (Kind::Calls, "通话记录导入模板.xlsx")
    } else {
        (Kind::Tickets, "历史工单导入模板.xlsx")
    };
    let bytes = import::template(kind)?;
    Ok(hops_platform::web::xlsx("template.xlsx", name, bytes))
}
