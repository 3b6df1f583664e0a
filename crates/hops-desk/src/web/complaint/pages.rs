//! Complaint pages: the list (filters, search, paging, export), registering a complaint (from a
//! ticket, a bad review, a follow-up task or directly), a case with its steps and history, the
//! monthly trend of causes with its chart, and the cause categories.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::LocalDay;
use hops_platform::web::{Form, Method, Page, PageResult, Pager, Paging, Routes, Scope, Shell};
use hops_platform::{Access, Error, Permission};
use serde::Deserialize;

use crate::complaint::model::{self, REPLY_CHANNELS, Source, Status, Trend, Verdict};
use crate::complaint::service::{self, Detail, Origin, StepInput};
use crate::complaint::store::{ComplaintRow, Filter};
use crate::web::common::{Choice, FormErrors, opt_id, refusal_message, render, xlsx};
use hops_platform::charts::StackedBarChart;

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople)
        .page(Method::Get, "/desk/complaints", "投诉管理", list)
        .page(Method::Get, "/desk/complaints.xlsx", "导出投诉 Excel", export)
        .page(Method::Get, "/desk/complaints/new", "登记投诉", new_form)
        .page(Method::Post, "/desk/complaints/new", "保存投诉登记", create)
        .page(Method::Get, "/desk/complaints/trend", "投诉原因月度趋势", trend)
        .page(Method::Get, "/desk/complaints/causes", "投诉原因分类", causes)
        .page(Method::Post, "/desk/complaints/causes", "保存投诉原因分类", save_causes)
        .page(Method::Get, "/desk/complaints/{complaint_id}", "投诉详情", detail)
        .page(Method::Post, "/desk/complaints/{complaint_id}/investigate", "投诉转调查", investigate)
        .page(Method::Post, "/desk/complaints/{complaint_id}/rectify", "登记调查结果与整改措施", rectify)
        .page(Method::Post, "/desk/complaints/{complaint_id}/reply", "登记回复患者", reply)
        .page(Method::Post, "/desk/complaints/{complaint_id}/review", "复核投诉", review)
        .page(Method::Post, "/desk/complaints/{complaint_id}/reveal", "查看投诉人完整手机号", reveal)
}

async fn department_choices(page: &Page, current: &str, all_label: &str) -> Result<Vec<Choice>, Error> {
    let mut v = vec![Choice::new("", all_label, current)];
    v.extend(
        hops_master::service::department_choices(page.access()).await?.into_iter().map(|(_, id, name)| Choice::new(id.0, name, current)),
    );
    Ok(v)
}

async fn cause_choices(page: &Page, current: &str, all_label: &str, only_active: bool) -> Result<Vec<Choice>, Error> {
    let mut v = vec![Choice::new("", all_label, current)];
    v.extend(
        service::causes(page.access())
            .await?
            .into_iter()
            .filter(|c| c.active || !only_active)
            .map(|c| Choice::new(&c.code, if c.active { c.name } else { format!("{}（停用）", c.name) }, current)),
    );
    Ok(v)
}

// ---- list and export ----

#[derive(Deserialize, Default, Clone)]
pub struct ListQ {
    status: Option<String>,
    source: Option<String>,
    cause: Option<String>,
    department: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    page: Option<i64>,
    ok: Option<String>,
}

/// The list's filter of complaints not yet replied to (已登记, 调查中, 整改中).
const OPEN: &str = "open";

fn filter_of(q: &ListQ) -> Result<Filter, Error> {
    let day = |field: &str, s: &Option<String>| match s.as_deref().map(str::trim).unwrap_or("") {
        "" => Ok(None),
        t => LocalDay::parse(t).map(Some).map_err(|_| Error::invalid_field(field, "日期格式应为 YYYY-MM-DD")),
    };
    Ok(Filter {
        status: q.status.as_deref().and_then(Status::from_code),
        open: q.status.as_deref() == Some(OPEN),
        source: q.source.as_deref().and_then(Source::from_code),
        cause: q.cause.clone().unwrap_or_default(),
        department_id: opt_id("department", q.department.as_deref().unwrap_or(""))?,
        from: day("from", &q.from)?,
        to: day("to", &q.to)?,
        q: q.q.clone().unwrap_or_default(),
    })
}

#[derive(Template)]
#[template(path = "desk_complaints.html")]
struct ListPage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<ComplaintRow>,
    pager: Pager,
    statuses: Vec<Choice>,
    sources: Vec<Choice>,
    causes: Vec<Choice>,
    departments: Vec<Choice>,
    from: String,
    to: String,
    q: String,
    query: String,
    can_export: bool,
    error: String,
}

async fn list(page: Page, Query(q): Query<ListQ>) -> PageResult<Response> {
    let access = page.access();
    let (f, error) = match filter_of(&q) {
        Ok(f) => (f, String::new()),
        Err(e) => (Filter::default(), refusal_message(e)?.1),
    };
    let paging = Paging::new(q.page, 30);
    let (rows, total) = service::list(access, &f, paging).await?;
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    let query = format!(
        "status={}&source={}&cause={}&department={}&from={}&to={}&q={}",
        s(&q.status),
        s(&q.source),
        hops_platform::web::pages::url_encode(&s(&q.cause)),
        s(&q.department),
        hops_platform::web::pages::url_encode(&s(&q.from)),
        hops_platform::web::pages::url_encode(&s(&q.to)),
        hops_platform::web::pages::url_encode(&s(&q.q))
    );
    let mut statuses = vec![Choice::new("", "全部状态", &s(&q.status)), Choice::new(OPEN, "待处理（未回复）", &s(&q.status))];
    statuses.extend(Status::ALL.iter().map(|x| Choice::new(x.code(), x.label_zh(), &s(&q.status))));
    let mut sources = vec![Choice::new("", "全部来源", &s(&q.source))];
    sources.extend(Source::ALL.iter().map(|x| Choice::new(x.code(), x.label_zh(), &s(&q.source))));
    let flash = match q.ok.as_deref() {
        Some("created") => Some("投诉已登记".to_string()),
        _ => None,
    };
    let code = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = render(ListPage {
        shell: page.shell("投诉管理").with_flash(flash),
        tab: "list",
        rows,
        pager: Pager::new(paging, total, &format!("/desk/complaints?{query}")),
        statuses,
        sources,
        causes: cause_choices(&page, &s(&q.cause), "全部原因", false).await?,
        departments: department_choices(&page, &s(&q.department), "全部科室").await?,
        from: s(&q.from),
        to: s(&q.to),
        q: s(&q.q),
        query,
        can_export: access.can(Permission::DataExport),
        error,
    })?;
    Ok((code, html).into_response())
}

async fn export(page: Page, Query(q): Query<ListQ>) -> PageResult<Response> {
    let access = page.access();
    let f = filter_of(&q)?;
    let (from, to) = match (f.from, f.to) {
        (Some(a), Some(b)) if b.days_since(a) < 730 => (a, b),
        _ => service::last_twelve_months(access.now().local_day()),
    };
    let bytes = service::export(access, &f, from, to).await?;
    Ok(xlsx("complaints.xlsx", &format!("投诉_{}.xlsx", access.now().local_day()), bytes))
}

// ---- registering ----

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewForm {
    source: String,
    reference: String,
    ticket: String,
    review_ref: String,
    followup_task_id: String,
    complainant: String,
    phone: String,
    subject: String,
    description: String,
    department_id: String,
    cause_code: String,
    received_at: String,
}

impl NewForm {
    /// The origin named by the form (query links set one of the three references).
    fn origin(&self) -> Result<Origin, Error> {
        let source = if !self.ticket.is_empty() {
            "ticket"
        } else if !self.review_ref.is_empty() {
            "review"
        } else if !self.followup_task_id.is_empty() {
            "followup"
        } else {
            self.source.as_str()
        };
        let reference = [&self.ticket, &self.review_ref, &self.followup_task_id, &self.reference]
            .into_iter()
            .find(|r| !r.trim().is_empty())
            .map(|r| r.trim().to_string())
            .unwrap_or_default();
        let need = |what: &str| Error::invalid_field("reference", format!("请填写{what}"));
        match source {
            "" | "direct" => Ok(Origin::Direct),
            "ticket" if reference.is_empty() => Err(need("工单编号")),
            "ticket" => Ok(Origin::Ticket(reference)),
            "review" if reference.is_empty() => Err(need("差评对应的问诊单号")),
            "review" => Ok(Origin::Review(reference)),
            "followup" => reference.parse::<i64>().map(Origin::Followup).map_err(|_| need("回访任务号（数字）")),
            _ => Err(Error::invalid_field("source", "请选择投诉来源")),
        }
    }
}

#[derive(Template)]
#[template(path = "desk_complaint_new.html")]
struct NewPage {
    shell: Shell,
    f: NewForm,
    about: String,
    locked: bool,
    sources: Vec<Choice>,
    departments: Vec<Choice>,
    causes: Vec<Choice>,
    errors: FormErrors,
}

async fn new_view(page: &Page, f: NewForm, about: String, errors: FormErrors) -> PageResult<Html<String>> {
    let locked = !(f.ticket.is_empty() && f.review_ref.is_empty() && f.followup_task_id.is_empty());
    render(NewPage {
        shell: page.shell("登记投诉"),
        sources: Source::ALL
            .iter()
            .map(|s| Choice::new(s.code(), s.label_zh(), if f.source.is_empty() { "direct" } else { &f.source }))
            .collect(),
        departments: department_choices(page, &f.department_id, "待定").await?,
        causes: cause_choices(page, &f.cause_code, "待调查后确定", true).await?,
        locked,
        about,
        f,
        errors,
    })
}

async fn new_form(page: Page, Query(mut f): Query<NewForm>) -> PageResult<Html<String>> {
    page.access().require(Permission::DeskWork)?;
    let origin = f.origin()?;
    let p = service::prefill(page.access(), &origin).await?;
    if f.complainant.is_empty() {
        f.complainant = p.complainant;
    }
    if f.subject.is_empty() {
        f.subject = p.subject;
    }
    if f.description.is_empty() {
        f.description = p.description;
    }
    if f.department_id.is_empty() {
        f.department_id = p.department_id.map(|d| d.to_string()).unwrap_or_default();
    }
    new_view(&page, f, p.about, FormErrors::default()).await
}

async fn create(page: Page, Form(f): Form<NewForm>) -> PageResult<Response> {
    let access = page.access();
    access.require(Permission::DeskWork)?;
    let parsed = f.origin().and_then(|o| Ok((o, opt_id("department_id", &f.department_id)?)));
    let result = match parsed {
        Ok((origin, department_id)) => {
            let draft = model::Draft {
                complainant: f.complainant.clone(),
                phone: f.phone.clone(),
                subject: f.subject.clone(),
                description: f.description.clone(),
                department_id,
                doctor_id: None,
                cause_code: f.cause_code.clone(),
                received_at: f.received_at.clone(),
            };
            service::create(access, &origin, &draft).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(row) => Ok(Redirect::to(&format!("/desk/complaints/{}?ok=created", row.id)).into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, new_view(&page, f, String::new(), errors).await?).into_response())
        }
    }
}

// ---- a case ----

#[derive(Deserialize, Default)]
pub struct DetailQ {
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "desk_complaint.html")]
struct DetailPage {
    shell: Shell,
    d: Detail,
    f: StepForm,
    phone: String,
    can_unmask: bool,
    can_review: bool,
    departments: Vec<Choice>,
    causes: Vec<Choice>,
    verdicts: Vec<Choice>,
    channels: Vec<Choice>,
    steps: Vec<(&'static str, bool, bool)>,
    errors: FormErrors,
    history: Vec<hops_platform::flow::web::HistoryItem>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct StepForm {
    department_id: String,
    investigation: String,
    cause_code: String,
    verdict: String,
    rectification: String,
    reply: String,
    reply_channel: String,
    decision: String,
    note: String,
}

async fn detail_view(
    page: &Page,
    id: i64,
    mut f: StepForm,
    phone: String,
    errors: FormErrors,
    ok: Option<&str>,
) -> PageResult<Html<String>> {
    let access = page.access();
    let d = service::get(access, id).await?;
    let c = &d.complaint;
    if f.department_id.is_empty() {
        f.department_id = c.department_id.map(|x| x.to_string()).unwrap_or_default();
    }
    if f.cause_code.is_empty() {
        f.cause_code = c.cause_code.clone().unwrap_or_default();
    }
    let order = Status::ALL.iter().position(|s| *s == c.status).unwrap_or(0);
    let steps = Status::ALL.iter().enumerate().map(|(i, s)| (s.label_zh(), i <= order, i == order)).collect();
    let flash = match ok {
        Some("created") => Some(format!("投诉已登记，编号 {}", c.number)),
        Some("step") => Some(format!("已保存，投诉当前为“{}”", c.status.label_zh())),
        _ => None,
    };
    render(DetailPage {
        shell: page.shell(format!("投诉 {}", c.number)).with_flash(flash),
        departments: department_choices(page, &f.department_id, "请选择责任科室").await?,
        causes: cause_choices(page, &f.cause_code, "请选择原因分类", true).await?,
        verdicts: Verdict::ALL.iter().map(|v| Choice::new(v.code(), v.label_zh(), &f.verdict)).collect(),
        channels: REPLY_CHANNELS.iter().map(|(c, l)| Choice::new(c, *l, &f.reply_channel)).collect(),
        can_unmask: access.can(Permission::PersonalUnmask),
        can_review: access.can(Permission::DeskManage),
        steps,
        phone,
        errors,
        f,
        history: hops_platform::flow::web::items(&crate::complaint::model::FLOW, &d.history),
        d,
    })
}

async fn detail(page: Page, Path(id): Path<i64>, Query(q): Query<DetailQ>) -> PageResult<Html<String>> {
    detail_view(&page, id, StepForm::default(), String::new(), FormErrors::default(), q.ok.as_deref()).await
}

async fn run_step(page: Page, id: i64, step: &str, f: StepForm) -> PageResult<Response> {
    let input = match opt_id("department_id", &f.department_id) {
        Ok(department_id) => Ok(StepInput {
            department_id,
            investigation: f.investigation.clone(),
            cause_code: f.cause_code.clone(),
            verdict: f.verdict.clone(),
            rectification: f.rectification.clone(),
            reply: f.reply.clone(),
            reply_channel: f.reply_channel.clone(),
            approve: f.decision != "reject",
            note: f.note.clone(),
        }),
        Err(e) => Err(e),
    };
    let result = match input {
        Ok(input) => service::step(page.access(), id, step, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/desk/complaints/{id}?ok=step")).into_response()),
        Err(e) => {
            let (status, errors) = match FormErrors::from_error(e) {
                Ok(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
                Err(e) => {
                    let (status, message) = refusal_message(e)?;
                    (
                        StatusCode::from_u16(status).unwrap_or(StatusCode::CONFLICT),
                        FormErrors::from_error(Error::invalid_field("", message))?,
                    )
                }
            };
            Ok((status, detail_view(&page, id, f, String::new(), errors, None).await?).into_response())
        }
    }
}

async fn investigate(page: Page, Path(id): Path<i64>, Form(f): Form<StepForm>) -> PageResult<Response> {
    run_step(page, id, "investigate", f).await
}

async fn rectify(page: Page, Path(id): Path<i64>, Form(f): Form<StepForm>) -> PageResult<Response> {
    run_step(page, id, "rectify", f).await
}

async fn reply(page: Page, Path(id): Path<i64>, Form(f): Form<StepForm>) -> PageResult<Response> {
    run_step(page, id, "reply", f).await
}

async fn review(page: Page, Path(id): Path<i64>, Form(f): Form<StepForm>) -> PageResult<Response> {
    run_step(page, id, "review", f).await
}

async fn reveal(page: Page, Path(id): Path<i64>) -> PageResult<Response> {
    match service::reveal_phone(page.access(), id).await {
        Ok(phone) => Ok(detail_view(&page, id, StepForm::default(), phone, FormErrors::default(), None).await?.into_response()),
        Err(e) => {
            let (status, message) = refusal_message(e)?;
            let errors = FormErrors::from_error(Error::invalid_field("", message))?;
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::CONFLICT);
            Ok((code, detail_view(&page, id, StepForm::default(), String::new(), errors, None).await?).into_response())
        }
    }
}

// ---- trend and causes ----

#[derive(Deserialize, Default)]
pub struct TrendQ {
    from: Option<String>,
    to: Option<String>,
}

/// `2026-03` (or a date in that month) as the month's first day.
pub fn parse_month(field: &str, s: &str) -> Result<LocalDay, Error> {
    let t = s.trim();
    let day = if t.len() == 7 { format!("{t}-01") } else { t.to_string() };
    LocalDay::parse(&day).map_err(|_| Error::invalid_field(field, "月份格式应为 YYYY-MM"))
}

#[derive(Template)]
#[template(path = "desk_complaint_trend.html")]
struct TrendPage {
    shell: Shell,
    tab: &'static str,
    from: String,
    to: String,
    t: Trend,
    chart: String,
    export_href: String,
    can_export: bool,
    error: String,
}

async fn trend(page: Page, Query(q): Query<TrendQ>) -> PageResult<Response> {
    let access = page.access();
    let (df, dt) = service::last_twelve_months(access.now().local_day());
    let from_text = q.from.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| df.to_string()[..7].to_string());
    let to_text = q.to.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| dt.to_string()[..7].to_string());
    let parsed = parse_month("from", &from_text).and_then(|f| Ok((f, parse_month("to", &to_text)?)));
    let ((t, error), (rf, rt)) = match parsed {
        Ok((f, to)) => match service::trend(access, f, to).await {
            Ok(t) => ((t, String::new()), (f, to)),
            Err(e) => ((service::trend(access, df, dt).await?, refusal_message(e)?.1), (df, dt)),
        },
        Err(e) => ((service::trend(access, df, dt).await?, refusal_message(e)?.1), (df, dt)),
    };
    let last = hops_kernel::PeriodRange::containing(hops_kernel::Period::Month, rt).last_day();
    let first = hops_kernel::PeriodRange::containing(hops_kernel::Period::Month, rf).start;
    let export_href = format!("/desk/complaints.xlsx?from={first}&to={last}");
    let chart = if t.totals.iter().all(|v| *v == 0) {
        String::new()
    } else {
        StackedBarChart { labels: &t.months, series: &t.rows, unit: "件" }.svg()
    };
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let html = render(TrendPage {
        shell: page.shell("投诉原因趋势"),
        tab: "trend",
        from: from_text,
        to: to_text,
        t,
        chart,
        export_href,
        can_export: access.can(Permission::DataExport),
        error,
    })?;
    Ok((status, html).into_response())
}

#[derive(Template)]
#[template(path = "desk_complaint_causes.html")]
struct CausesPage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<model::CauseRow>,
    /// The bad-review reason families a category can stand for.
    reasons: Vec<&'static str>,
    can_manage: bool,
    errors: FormErrors,
}

impl CausesPage {
    /// The field name of row `i` (where its problems are reported).
    fn field(&self, i: &usize) -> String {
        format!("cause_{i}")
    }
}

/// Empty rows under the categories, for adding new ones.
const NEW_ROWS: usize = 3;

fn cause_rows(causes: &[model::Cause]) -> Vec<model::CauseRow> {
    causes
        .iter()
        .map(|c| model::CauseRow { code: c.code.clone(), name: c.name.clone(), review_reason: c.review_reason.clone(), active: c.active })
        .chain(std::iter::repeat_n(model::CauseRow { active: true, ..Default::default() }, NEW_ROWS))
        .collect()
}

fn reason_families(access: &Access) -> Result<Vec<&'static str>, Error> {
    Ok(access.core().service::<dyn hops_contracts::activity::Consultations>()?.review_reason_families())
}

#[derive(Deserialize, Default)]
pub struct CausesQ {
    ok: Option<String>,
}

async fn causes(page: Page, Query(q): Query<CausesQ>) -> PageResult<Html<String>> {
    let access = page.access();
    let rows = cause_rows(&service::causes(access).await?);
    let flash = q.ok.as_deref().map(|_| "原因分类已保存".to_string());
    render(CausesPage {
        shell: page.shell("投诉原因分类").with_flash(flash),
        tab: "causes",
        rows,
        reasons: reason_families(access)?,
        can_manage: access.can(Permission::DeskManage),
        errors: FormErrors::default(),
    })
}

/// The form's rows: each row posts `code`, `name`, `review_reason` and `active` in this order.
fn rows_of(pairs: Vec<(String, String)>) -> Vec<model::CauseRow> {
    let mut rows: Vec<model::CauseRow> = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "code" => rows.push(model::CauseRow { code: v, active: true, ..Default::default() }),
            "name" | "review_reason" | "active" => {
                let Some(r) = rows.last_mut() else { continue };
                match k.as_str() {
                    "name" => r.name = v,
                    "review_reason" => r.review_reason = v,
                    _ => r.active = v != "0",
                }
            }
            _ => {}
        }
    }
    rows
}

async fn save_causes(page: Page, Form(pairs): Form<Vec<(String, String)>>) -> PageResult<Response> {
    let access = page.access();
    access.require(Permission::DeskManage)?;
    let rows = rows_of(pairs);
    let result = match model::causes_from_rows(&rows) {
        Ok(list) => service::save_causes(access, &list).await.map(|_| ()),
        Err(e) => Err(Error::invalid(e)),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/desk/complaints/causes?ok=saved").into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let html = render(CausesPage {
                shell: page.shell("投诉原因分类"),
                tab: "causes",
                rows,
                reasons: reason_families(access)?,
                can_manage: true,
                errors,
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
    }
}
