//! Notifications in the console and the API: every user's in-app inbox (the bell in the header
//! counts the unread) and the phone and e-mail they receive notifications at; for those who run
//! the hospital's notifications, the delivery records with filters, the texts per topic and
//! channel, quiet hours and opt-outs. The providers' sandboxes are in [`sandbox`].

pub mod sandbox;

use askama::Template as Askama;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::config::SmsProvider;
use super::model::{Channel, QuietHours, Status, Template, Topic};
use super::service::{self, template_label_zh};
use super::store::{DeliveryRow, Filter};
use super::{gateway, wechat};
use crate::accounts::model::Permission;
use crate::error::{Error, FieldError};
use crate::web::AppState;
use crate::web::error::{ApiResult, PageError, PageResult};
use crate::web::extract::{Api, Form, Json, Page};
use crate::web::routes::{ApiDoc, Method, Routes, Scope};
use crate::web::shell::{NavItem, Pager, Paging, Section, Shell};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Own)
        .page(Method::Get, "/notifications", "站内消息", inbox_page)
        .page(Method::Post, "/notifications/read-all", "全部标为已读", read_all_page)
        .page(Method::Post, "/notifications/{notification_id}/read", "标为已读", read_page)
        .page(Method::Post, "/notifications/contact", "保存接收通知的联系方式", contact_save)
        .api(
            Method::Get,
            "/api/v1/notifications",
            ApiDoc::new("消息通知", "我的站内消息（新的在前）").query("page", "页码").returns::<InboxPage>(),
            api_inbox,
        )
        .api(Method::Post, "/api/v1/notifications/read-all", ApiDoc::new("消息通知", "全部标为已读").returns::<Marked>(), api_read_all)
        .api(
            Method::Post,
            "/api/v1/notifications/{notification_id}/read",
            ApiDoc::new("消息通知", "标为已读").status(204).error(404, "不是我的消息"),
            api_read,
        )
        .scope(Scope::AllPeople)
        .page(Method::Get, "/notify/deliveries", "消息发送记录", deliveries_page)
        .page(Method::Get, "/notify/opt-outs", "退订名单", opt_outs_page)
        .page(Method::Post, "/notify/opt-outs", "登记退订", opt_out_add)
        .page(Method::Post, "/notify/opt-outs/remove", "取消退订", opt_out_remove)
        .api(
            Method::Get,
            "/api/v1/notify/deliveries",
            ApiDoc::new("消息通知", "消息发送记录（新的在前，收件人已脱敏）")
                .query("status", "queued|deferred|sent|failed|skipped")
                .query("channel", "sms|wechat|email|in_app")
                .query("topic", "消息类型，如 checkup.group_reminder")
                .query("recipient", "按收件人查找：手机号、电子邮箱或 openid（精确匹配）")
                .query("from", "创建日期起（含），如 2026-11-01")
                .query("to", "创建日期止（含）")
                .query("page", "页码")
                .returns::<DeliveryPage>(),
            api_deliveries,
        )
        .api(
            Method::Post,
            "/api/v1/notify/opt-outs",
            ApiDoc::new("消息通知", "登记退订")
                .describe("收件人（手机号、电子邮箱或 openid）不再接收该类消息。")
                .body::<OptOutIn>()
                .status(201),
            api_opt_out,
        )
        .scope(Scope::Hospital)
        .page(Method::Get, "/notify/templates", "消息模板", templates_page)
        .page(Method::Get, "/notify/templates/edit", "编辑消息模板", template_edit_page)
        .page(Method::Post, "/notify/templates", "保存消息模板", template_save)
        .page(Method::Post, "/notify/templates/reset", "恢复默认模板", template_reset)
        .page(Method::Get, "/notify/settings", "免打扰与渠道", settings_page)
        .page(Method::Post, "/notify/settings", "保存免打扰时段", settings_save)
        .api(Method::Get, "/api/v1/notify/quiet-hours", ApiDoc::new("消息通知", "免打扰时段").returns::<QuietHoursIo>(), api_quiet_hours)
        .api(
            Method::Put,
            "/api/v1/notify/quiet-hours",
            ApiDoc::new("消息通知", "设置免打扰时段").body::<QuietHoursIo>().returns::<QuietHoursIo>(),
            api_save_quiet_hours,
        )
        .api(
            Method::Put,
            "/api/v1/notify/templates",
            ApiDoc::new("消息通知", "保存本院的消息模板")
                .describe("变量写作 ${name}；使用该消息类型没有的变量时整体拒绝（422），并列出可用的变量。")
                .body::<TemplateIn>()
                .status(204),
            api_save_template,
        )
}

pub fn nav() -> Vec<NavItem> {
    vec![NavItem { section: Section::System, label: "消息通知", href: "/notify/deliveries", permission: Permission::NotifyManage }]
}

/// Every topic of the product: the platform's and the modules'.
pub fn topics(state: &AppState) -> Vec<&'static Topic> {
    let mut all = super::platform_topics();
    all.extend(state.modules().iter().flat_map(|m| m.topics()));
    all
}

/// The topics a hospital edits (those with a text worth changing: verification codes are not).
fn editable_topics(state: &AppState) -> Vec<&'static Topic> {
    topics(state).into_iter().filter(|t| t.code != super::VERIFY.code).collect()
}

fn topic_by_code(state: &AppState, code: &str) -> Result<&'static Topic, Error> {
    topics(state).into_iter().find(|t| t.code == code).ok_or_else(|| Error::invalid_field("topic", "请选择有效的消息类型"))
}

/// A topic whose texts a hospital edits.
fn editable_topic(state: &AppState, code: &str) -> Result<&'static Topic, Error> {
    editable_topics(state).into_iter().find(|t| t.code == code).ok_or_else(|| Error::invalid_field("topic", "请选择有效的消息类型"))
}

fn topic_label(state: &AppState, code: &str) -> String {
    topics(state).into_iter().find(|t| t.code == code).map_or_else(|| code.to_string(), |t| t.label.to_string())
}

fn channel_of(code: &str) -> Result<Channel, Error> {
    Channel::from_code(code).ok_or_else(|| Error::invalid_field("channel", "请选择有效的渠道"))
}

/// How a provider code reads: `aliyun:sandbox` → 阿里云短信（沙箱）.
pub fn provider_label(code: &str) -> String {
    let (name, sandbox) = code.split_once(':').map_or((code, false), |(n, s)| (n, s == "sandbox"));
    let label = match name {
        "aliyun" => SmsProvider::Aliyun.label_zh(),
        "tencent" => SmsProvider::Tencent.label_zh(),
        "wechat" => "微信",
        "smtp" => "SMTP 邮件",
        "inapp" => "站内消息",
        _ => "未开通",
    };
    if sandbox { format!("{label}（沙箱）") } else { label.to_string() }
}

fn render(t: impl Askama) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(anyhow::Error::from)?))
}

/// The messages of one field, for the forms.
fn error_for(errors: &[FieldError], field: &str) -> String {
    errors.iter().filter(|e| e.field == field).map(|e| e.message.as_str()).collect::<Vec<_>>().join("；")
}

/// A 422 page with the form again, or the error as it is.
fn form_errors(e: Error) -> Result<Vec<FieldError>, PageError> {
    match e {
        Error::Client { status: 422, fields, message, .. } if fields.is_empty() => Ok(vec![FieldError::new("", message)]),
        Error::Client { status: 422, fields, .. } => Ok(fields),
        other => Err(PageError(other)),
    }
}

/// What a form post came to: saved, or the field errors to show the form again with.
fn saved<T>(result: Result<T, Error>) -> Result<Result<T, Vec<FieldError>>, PageError> {
    match result {
        Ok(v) => Ok(Ok(v)),
        Err(e) => form_errors(e).map(Err),
    }
}

fn unprocessable(html: Html<String>) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
}

// ---- the inbox ----

struct InboxView {
    id: i64,
    title: String,
    body: String,
    link: String,
    topic: String,
    at: String,
    unread: bool,
}

#[derive(Askama)]
#[template(path = "notify/inbox.html")]
struct InboxPageView {
    shell: Shell,
    items: Vec<InboxView>,
    unread: i64,
    pager: Pager,
    phone: String,
    email: String,
    phone_masked: Option<String>,
    email_masked: Option<String>,
    errors: Vec<FieldError>,
}

impl InboxPageView {
    fn error_for(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
    ok: Option<String>,
}

async fn inbox_view(
    page: &Page,
    paging: Paging,
    phone: String,
    email: String,
    errors: Vec<FieldError>,
    ok: bool,
) -> PageResult<Html<String>> {
    let access = page.access();
    let (rows, total, unread) = service::inbox(access, paging.offset(), paging.per_page).await?;
    let (phone_masked, email_masked) = service::my_contact(access).await?;
    let state = page.state();
    render(InboxPageView {
        shell: page.shell("站内消息").with_flash(ok.then(|| "接收通知的联系方式已保存".to_string())),
        items: rows
            .into_iter()
            .map(|r| InboxView {
                id: r.id,
                topic: topic_label(state, &r.topic),
                title: r.title,
                body: r.body,
                link: crate::web::pages::safe_path(&r.link).unwrap_or("").to_string(),
                at: r.created_at.format_minute(),
                unread: r.read_at.is_none(),
            })
            .collect(),
        unread,
        pager: Pager::new(paging, total, "/notifications"),
        phone,
        email,
        phone_masked,
        email_masked,
        errors,
    })
}

async fn inbox_page(page: Page, Query(q): Query<PageQuery>) -> PageResult<Html<String>> {
    inbox_view(&page, Paging::new(q.page, 30), String::new(), String::new(), Vec::new(), q.ok.is_some()).await
}

async fn read_page(page: Page, Path(id): Path<i64>) -> PageResult<Response> {
    service::mark_read(page.access(), Some(id)).await?;
    Ok(Redirect::to("/notifications").into_response())
}

async fn read_all_page(page: Page) -> PageResult<Response> {
    service::mark_read(page.access(), None).await?;
    Ok(Redirect::to("/notifications").into_response())
}

#[derive(Deserialize)]
struct ContactForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    /// Removes both.
    clear: Option<String>,
}

async fn contact_save(page: Page, Form(f): Form<ContactForm>) -> PageResult<Response> {
    // An empty field keeps what is there; 清除 removes both.
    fn given(clear: bool, v: &str) -> Option<&str> {
        if clear { Some("") } else { Some(v).filter(|v| !v.trim().is_empty()) }
    }
    let clear = f.clear.is_some();
    match saved(service::save_my_contact(page.access(), given(clear, &f.phone), given(clear, &f.email)).await)? {
        Ok(()) => Ok(Redirect::to("/notifications?ok=1").into_response()),
        Err(errors) => Ok(unprocessable(inbox_view(&page, Paging::new(None, 30), f.phone, f.email, errors, false).await?)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct InboxOut {
    id: i64,
    topic: String,
    title: String,
    body: String,
    link: String,
    created_at: String,
    read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct InboxPage {
    total: i64,
    unread: i64,
    page: i64,
    items: Vec<InboxOut>,
}

async fn api_inbox(api: Api, Query(q): Query<PageQuery>) -> ApiResult<Json<InboxPage>> {
    let paging = Paging::new(q.page, 50);
    let (rows, total, unread) = service::inbox(api.access(), paging.offset(), paging.per_page).await?;
    let items = rows
        .into_iter()
        .map(|r| InboxOut {
            id: r.id,
            topic: r.topic,
            title: r.title,
            body: r.body,
            link: r.link,
            created_at: r.created_at.to_string(),
            read: r.read_at.is_some(),
        })
        .collect();
    Ok(Json(InboxPage { total, unread, page: paging.page, items }))
}

#[derive(Serialize, ToSchema)]
pub struct Marked {
    marked: u64,
}

async fn api_read_all(api: Api) -> ApiResult<Json<Marked>> {
    Ok(Json(Marked { marked: service::mark_read(api.access(), None).await? }))
}

async fn api_read(api: Api, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    service::mark_read(api.access(), Some(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- deliveries ----

#[derive(Deserialize, Default)]
struct DeliveryQuery {
    status: Option<String>,
    channel: Option<String>,
    topic: Option<String>,
    recipient: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
}

impl DeliveryQuery {
    /// The filter; every unreadable part named at once.
    fn filter(&self, state: &AppState) -> Result<Filter, Error> {
        let mut errors = Vec::new();
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let status = given(&self.status).map(|s| Status::from_code(&s).ok_or(()));
        let channel = given(&self.channel).map(|c| Channel::from_code(&c).ok_or(()));
        let day = |v: &Option<String>, field: &str, errors: &mut Vec<FieldError>| {
            given(v).and_then(|d| match hops_kernel::LocalDay::parse(&d) {
                Ok(day) => Some(day),
                Err(_) => {
                    errors.push(FieldError::new(field, format!("日期“{d}”无效，应为 2026-11-01 这样的格式")));
                    None
                }
            })
        };
        let from = day(&self.from, "from", &mut errors);
        let to = day(&self.to, "to", &mut errors);
        if matches!(status, Some(Err(()))) {
            errors.push(FieldError::new("status", "请选择有效的状态"));
        }
        if matches!(channel, Some(Err(()))) {
            errors.push(FieldError::new("channel", "请选择有效的渠道"));
        }
        let topic = given(&self.topic);
        if let Some(t) = &topic
            && topic_by_code(state, t).is_err()
        {
            errors.push(FieldError::new("topic", "请选择有效的消息类型"));
        }
        if !errors.is_empty() {
            return Err(Error::invalid(errors));
        }
        Ok(Filter {
            status: status.and_then(Result::ok),
            channel: channel.and_then(Result::ok),
            topic,
            recipient_key: None,
            from: from.map(|d| d.start()),
            to: to.map(|d| d.plus_days(1).start()),
        })
    }

    fn base(&self) -> String {
        let pairs = [
            ("status", &self.status),
            ("channel", &self.channel),
            ("topic", &self.topic),
            ("recipient", &self.recipient),
            ("from", &self.from),
            ("to", &self.to),
        ];
        let q: Vec<String> = pairs
            .iter()
            .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", crate::web::pages::url_encode(v))))
            .collect();
        format!("/notify/deliveries?{}", q.join("&"))
    }
}

struct DeliveryView {
    id: i64,
    created: String,
    topic: String,
    channel: &'static str,
    provider: String,
    recipient: String,
    template: String,
    status: &'static str,
    status_class: &'static str,
    attempts: i32,
    due: String,
    sent: String,
    error: String,
    message_id: String,
    reference: String,
}

fn delivery_view(state: &AppState, d: &DeliveryRow) -> DeliveryView {
    let deferred = d.due_at > d.created_at;
    DeliveryView {
        id: d.id,
        created: d.created_at.format_second(),
        topic: topic_label(state, &d.topic),
        channel: d.channel.label_zh(),
        provider: provider_label(&d.provider),
        recipient: d.recipient_masked.clone(),
        template: template_label_zh(&d.template),
        status: d.status.label_zh(),
        status_class: d.status.badge(),
        attempts: d.attempts,
        due: if deferred { d.due_at.format_minute() } else { String::new() },
        sent: d.sent_at.map(|t| t.format_second()).unwrap_or_default(),
        error: d.last_error.clone().unwrap_or_default(),
        message_id: d.provider_message_id.clone().unwrap_or_default(),
        reference: d.reference.clone(),
    }
}

#[derive(Askama)]
#[template(path = "notify/deliveries.html")]
struct DeliveriesPage {
    shell: Shell,
    tab: &'static str,
    items: Vec<DeliveryView>,
    pager: Pager,
    statuses: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str)>,
    topics: Vec<(&'static str, &'static str)>,
    status: String,
    channel: String,
    topic: String,
    recipient: String,
    from: String,
    to: String,
    errors: Vec<FieldError>,
}

async fn deliveries_page(page: Page, Query(q): Query<DeliveryQuery>) -> PageResult<Response> {
    let access = page.access();
    access.require(Permission::NotifyManage)?;
    let state = page.state();
    let paging = Paging::new(q.page, 50);
    let result = match q.filter(state) {
        Ok(f) => service::deliveries(access, f, q.recipient.as_deref(), paging.offset(), paging.per_page).await,
        Err(e) => Err(e),
    };
    let (rows, total, errors) = match result {
        Ok((rows, total)) => (rows, total, Vec::new()),
        Err(e) => (Vec::new(), 0, form_errors(e)?),
    };
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let view = DeliveriesPage {
        shell: page.shell("消息通知"),
        tab: "deliveries",
        items: rows.iter().map(|d| delivery_view(state, d)).collect(),
        pager: Pager::new(paging, total, &q.base()),
        statuses: Status::ALL.iter().map(|s| (s.code(), s.label_zh())).collect(),
        channels: Channel::ALL.iter().map(|c| (c.code(), c.label_zh())).collect(),
        topics: editable_topics(state).iter().map(|t| (t.code, t.label)).collect(),
        status: s(&q.status),
        channel: s(&q.channel),
        topic: s(&q.topic),
        recipient: s(&q.recipient),
        from: s(&q.from),
        to: s(&q.to),
        errors,
    };
    let bad = !view.errors.is_empty();
    let html = render(view)?;
    Ok(if bad { unprocessable(html) } else { html.into_response() })
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryOut {
    id: i64,
    topic: String,
    topic_label: String,
    channel: String,
    provider: String,
    reference: String,
    /// Masked: `138****5678`, `z***@example.cn`.
    recipient: String,
    template: String,
    status: String,
    status_label: String,
    attempts: i32,
    last_error: Option<String>,
    provider_message_id: Option<String>,
    due_at: String,
    sent_at: Option<String>,
    created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryPage {
    total: i64,
    page: i64,
    items: Vec<DeliveryOut>,
}

async fn api_deliveries(State(state): State<AppState>, api: Api, Query(q): Query<DeliveryQuery>) -> ApiResult<Json<DeliveryPage>> {
    api.access().require(Permission::NotifyManage)?;
    let paging = Paging::new(q.page, 100);
    let filter = q.filter(&state)?;
    let (rows, total) = service::deliveries(api.access(), filter, q.recipient.as_deref(), paging.offset(), paging.per_page).await?;
    let items = rows
        .into_iter()
        .map(|d| DeliveryOut {
            id: d.id,
            topic_label: topic_label(&state, &d.topic),
            topic: d.topic,
            channel: d.channel.code().into(),
            provider: d.provider,
            reference: d.reference,
            recipient: d.recipient_masked,
            template: d.template,
            status: d.status.code().into(),
            status_label: d.status.label_zh().into(),
            attempts: d.attempts,
            last_error: d.last_error,
            provider_message_id: d.provider_message_id,
            due_at: d.due_at.to_string(),
            sent_at: d.sent_at.map(|t| t.to_string()),
            created_at: d.created_at.to_string(),
        })
        .collect();
    Ok(Json(DeliveryPage { total, page: paging.page, items }))
}

// ---- opt-outs ----

struct OptOutView {
    key: String,
    topic: String,
    topic_label: String,
    recipient: String,
    at: String,
    by: String,
}

#[derive(Askama)]
#[template(path = "notify/opt_outs.html")]
struct OptOutsPage {
    shell: Shell,
    tab: &'static str,
    items: Vec<OptOutView>,
    pager: Pager,
    topics: Vec<(&'static str, &'static str)>,
    address: String,
    topic: String,
    errors: Vec<FieldError>,
}

impl OptOutsPage {
    fn error_for(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

async fn opt_outs_view(
    page: &Page,
    paging: Paging,
    address: String,
    topic: String,
    errors: Vec<FieldError>,
    ok: bool,
) -> PageResult<Html<String>> {
    let state = page.state();
    let (rows, total) = service::opt_outs(page.access(), paging.offset(), paging.per_page).await?;
    render(OptOutsPage {
        shell: page.shell("消息通知").with_flash(ok.then(|| "已保存".to_string())),
        tab: "opt_outs",
        items: rows
            .into_iter()
            .map(|r| OptOutView {
                topic_label: topic_label(state, &r.topic),
                key: r.recipient_key,
                topic: r.topic,
                recipient: r.recipient_masked,
                at: r.created_at.format_minute(),
                by: r.created_by,
            })
            .collect(),
        pager: Pager::new(paging, total, "/notify/opt-outs"),
        topics: editable_topics(state).into_iter().filter(|t| t.opt_out).map(|t| (t.code, t.label)).collect(),
        address,
        topic,
        errors,
    })
}

async fn opt_outs_page(page: Page, Query(q): Query<PageQuery>) -> PageResult<Html<String>> {
    opt_outs_view(&page, Paging::new(q.page, 50), String::new(), String::new(), Vec::new(), q.ok.is_some()).await
}

#[derive(Deserialize)]
struct OptOutForm {
    #[serde(default)]
    address: String,
    #[serde(default)]
    topic: String,
}

async fn opt_out_add(page: Page, Form(f): Form<OptOutForm>) -> PageResult<Response> {
    page.access().require(Permission::NotifyManage)?;
    let result = match topic_by_code(page.state(), &f.topic) {
        Ok(topic) => service::opt_out(page.access(), &f.address, topic).await,
        Err(e) => Err(e),
    };
    match saved(result)? {
        Ok(()) => Ok(Redirect::to("/notify/opt-outs?ok=1").into_response()),
        Err(errors) => Ok(unprocessable(opt_outs_view(&page, Paging::new(None, 50), f.address, f.topic, errors, false).await?)),
    }
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    topic: String,
}

async fn opt_out_remove(page: Page, Form(f): Form<RemoveForm>) -> PageResult<Response> {
    service::remove_opt_out(page.access(), &f.key, &f.topic).await?;
    Ok(Redirect::to("/notify/opt-outs?ok=1").into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct OptOutIn {
    /// A mobile number, an e-mail address or a WeChat openid.
    address: String,
    /// The topic, e.g. `checkup.group_reminder`.
    topic: String,
}

async fn api_opt_out(State(state): State<AppState>, api: Api, Json(o): Json<OptOutIn>) -> ApiResult<StatusCode> {
    api.access().require(Permission::NotifyManage)?;
    service::opt_out(api.access(), &o.address, topic_by_code(&state, &o.topic)?).await?;
    Ok(StatusCode::CREATED)
}

// ---- templates ----

struct TemplateRow {
    topic: &'static str,
    topic_label: &'static str,
    channel: &'static str,
    channel_label: &'static str,
    custom: bool,
    enabled: bool,
    excerpt: String,
    urgent: bool,
}

#[derive(Askama)]
#[template(path = "notify/templates.html")]
struct TemplatesPage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<TemplateRow>,
}

async fn templates_page(page: Page, Query(q): Query<PageQuery>) -> PageResult<Html<String>> {
    let list = service::templates(page.access(), &editable_topics(page.state())).await?;
    let mut rows = Vec::new();
    for t in list {
        for (channel, tpl) in t.channels {
            let text = if tpl.subject.is_empty() { tpl.body.clone() } else { format!("{}｜{}", tpl.subject, tpl.body) };
            let excerpt: String = text.chars().take(60).collect();
            rows.push(TemplateRow {
                topic: t.topic.code,
                topic_label: t.topic.label,
                channel: channel.code(),
                channel_label: channel.label_zh(),
                custom: tpl.custom,
                enabled: tpl.enabled,
                excerpt: if text.chars().count() > 60 { format!("{excerpt}…") } else { excerpt },
                urgent: t.topic.urgent,
            });
        }
    }
    render(TemplatesPage {
        shell: page.shell("消息通知").with_flash(q.ok.map(|_| "模板已保存".to_string())), tab: "templates", rows
    })
}

#[derive(Askama)]
#[template(path = "notify/template_form.html")]
struct TemplateFormPage {
    shell: Shell,
    topic: &'static Topic,
    channel: Channel,
    subject_label: Option<&'static str>,
    template: Template,
    default_body: String,
    errors: Vec<FieldError>,
}

impl TemplateFormPage {
    fn error_for(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

#[derive(Deserialize)]
struct TemplateQuery {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    channel: String,
}

fn template_form(
    page: &Page,
    topic: &'static Topic,
    channel: Channel,
    template: Template,
    errors: Vec<FieldError>,
) -> PageResult<Html<String>> {
    render(TemplateFormPage {
        shell: page.shell(format!("{} · {}", topic.label, channel.label_zh())),
        topic,
        channel,
        subject_label: channel.subject_label(),
        default_body: topic.default_text(channel).map(|t| t.body.to_string()).unwrap_or_default(),
        template,
        errors,
    })
}

async fn template_edit_page(page: Page, Query(q): Query<TemplateQuery>) -> PageResult<Html<String>> {
    page.access().require(Permission::NotifyManage)?;
    let topic = editable_topic(page.state(), &q.topic).map_err(|_| Error::not_found("消息类型"))?;
    let channel = channel_of(&q.channel).map_err(|_| Error::not_found("渠道"))?;
    let t = service::template(page.access(), topic, channel).await?;
    template_form(&page, topic, channel, t, Vec::new())
}

#[derive(Deserialize)]
struct TemplateFormData {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    provider_template: String,
    enabled: Option<String>,
}

async fn template_save(page: Page, Form(f): Form<TemplateFormData>) -> PageResult<Response> {
    page.access().require(Permission::NotifyManage)?;
    let topic = editable_topic(page.state(), &f.topic)?;
    let channel = channel_of(&f.channel)?;
    let draft =
        Template { subject: f.subject, body: f.body, provider_template: f.provider_template, enabled: f.enabled.is_some(), custom: true };
    match saved(service::save_template(page.access(), topic, channel, &draft).await)? {
        Ok(()) => Ok(Redirect::to("/notify/templates?ok=1").into_response()),
        Err(errors) => Ok(unprocessable(template_form(&page, topic, channel, draft, errors)?)),
    }
}

async fn template_reset(page: Page, Form(q): Form<TemplateQuery>) -> PageResult<Response> {
    let topic = editable_topic(page.state(), &q.topic)?;
    service::reset_template(page.access(), topic, channel_of(&q.channel)?).await?;
    Ok(Redirect::to("/notify/templates?ok=1").into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct TemplateIn {
    /// The topic, e.g. `checkup.group_reminder`.
    topic: String,
    /// sms | wechat | email | in_app
    channel: String,
    /// E-mail subject or in-app title.
    #[serde(default)]
    subject: String,
    body: String,
    /// The provider's template code or id, when the hospital has its own.
    #[serde(default)]
    provider_template: String,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

async fn api_save_template(State(state): State<AppState>, api: Api, Json(t): Json<TemplateIn>) -> ApiResult<StatusCode> {
    api.access().require(Permission::NotifyManage)?;
    let topic = editable_topic(&state, &t.topic)?;
    let channel = channel_of(&t.channel)?;
    let draft = Template { subject: t.subject, body: t.body, provider_template: t.provider_template, enabled: t.enabled, custom: true };
    service::save_template(api.access(), topic, channel, &draft).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- quiet hours and channels ----

struct ChannelStatus {
    channel: &'static str,
    state: String,
    on: bool,
}

fn channel_statuses(state: &AppState) -> Vec<ChannelStatus> {
    let core = state.core();
    let sms = gateway::sms_account(core).map(|a| {
        let p = if a.is_sandbox() { format!("{}:sandbox", a.provider.code()) } else { a.provider.code().to_string() };
        provider_label(&p)
    });
    let wechat = gateway::wechat_account(core).map(|a| {
        let kind = if a.kind == wechat::Kind::Subscribe { "小程序订阅消息" } else { "公众号模板消息" };
        if a.is_sandbox() { format!("{kind}（沙箱）") } else { format!("{kind}（{}）", a.appid) }
    });
    let email = core.config.notify.smtp.as_ref().map(|s| format!("SMTP（发件人 {}）", s.from));
    [("短信", sms), ("微信消息", wechat), ("电子邮件", email), ("站内消息", Some("控制台铃铛".to_string()))]
        .into_iter()
        .map(|(channel, s)| ChannelStatus { channel, on: s.is_some(), state: s.unwrap_or_else(|| "未开通（未配置账户）".into()) })
        .collect()
}

#[derive(Askama)]
#[template(path = "notify/settings.html")]
struct SettingsPage {
    shell: Shell,
    tab: &'static str,
    enabled: bool,
    start: String,
    end: String,
    channels: Vec<ChannelStatus>,
    errors: Vec<FieldError>,
}

impl SettingsPage {
    fn error_for(&self, field: &str) -> String {
        error_for(&self.errors, field)
    }
}

fn settings_view(page: &Page, q: QuietHours, start: String, end: String, errors: Vec<FieldError>, ok: bool) -> PageResult<Html<String>> {
    render(SettingsPage {
        shell: page.shell("消息通知").with_flash(ok.then(|| "免打扰时段已保存".to_string())),
        tab: "settings",
        enabled: q.enabled,
        start,
        end,
        channels: channel_statuses(page.state()),
        errors,
    })
}

async fn settings_page(page: Page, Query(q): Query<PageQuery>) -> PageResult<Html<String>> {
    let quiet = service::quiet_hours(page.access()).await?;
    settings_view(&page, quiet, QuietHours::format_time(quiet.start), QuietHours::format_time(quiet.end), Vec::new(), q.ok.is_some())
}

#[derive(Deserialize)]
struct SettingsForm {
    enabled: Option<String>,
    #[serde(default)]
    quiet_start: String,
    #[serde(default)]
    quiet_end: String,
}

async fn settings_save(page: Page, Form(f): Form<SettingsForm>) -> PageResult<Response> {
    match saved(service::save_quiet_hours(page.access(), f.enabled.is_some(), &f.quiet_start, &f.quiet_end).await)? {
        Ok(_) => Ok(Redirect::to("/notify/settings?ok=1").into_response()),
        Err(errors) => {
            let shown = QuietHours { enabled: f.enabled.is_some(), ..QuietHours::default() };
            Ok(unprocessable(settings_view(&page, shown, f.quiet_start, f.quiet_end, errors, false)?))
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct QuietHoursIo {
    enabled: bool,
    /// `21:00`
    start: String,
    /// `08:00`; before the start means the next morning.
    end: String,
}

fn quiet_out(q: QuietHours) -> QuietHoursIo {
    QuietHoursIo { enabled: q.enabled, start: QuietHours::format_time(q.start), end: QuietHours::format_time(q.end) }
}

async fn api_quiet_hours(api: Api) -> ApiResult<Json<QuietHoursIo>> {
    Ok(Json(quiet_out(service::quiet_hours(api.access()).await?)))
}

async fn api_save_quiet_hours(api: Api, Json(q): Json<QuietHoursIo>) -> ApiResult<Json<QuietHoursIo>> {
    Ok(Json(quiet_out(service::save_quiet_hours(api.access(), q.enabled, &q.start, &q.end).await?)))
}
