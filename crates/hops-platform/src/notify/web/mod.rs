//! Notifications in the console and the API: every user's in-app inbox (the bell in the header
//! counts the unread) and the phone and e-mail they receive notifications at; for those who run
//! the hospital's notifications, the delivery records with filters, the texts per topic and
//! channel, quiet hours and opt-outs. The providers' sandboxes are in [`sandbox`].

mod deliveries;
mod inbox;
mod opt_outs;
pub mod sandbox;
mod settings;
mod templates;

use crate::web::Param;
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
use deliveries::*;
use inbox::*;
use opt_outs::*;
use settings::*;
use templates::*;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Own)
        .page(Method::Get, "/notifications", "站内消息", inbox_page)
        .page(Method::Post, "/notifications/read-all", "全部标为已读", read_all_page)
        .page(Method::Post, "/notifications/{notification_id}/read", "标为已读", read_page)
        .page(Method::Post, "/notifications/contact", "保存接收通知的联系方式", contact_save)
        .api(
            Method::Get,
            "/api/v1/notifications",
            ApiDoc::new("消息通知", "我的站内消息（新的在前）").query_as("page", Param::PAGE, "页码").returns::<InboxPage>(),
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
        .page_confirmed(Method::Post, "/notify/opt-outs/remove", "取消退订", opt_out_remove)
        .api(
            Method::Get,
            "/api/v1/notify/deliveries",
            ApiDoc::new("消息通知", "消息发送记录（新的在前，收件人已脱敏）")
                .query_as(
                    "status",
                    Param::OneOf(&["queued", "deferred", "sent", "failed", "skipped"]),
                    "queued|deferred|sent|failed|skipped",
                )
                .query_as("channel", Param::OneOf(&["sms", "wechat", "email", "in_app"]), "sms|wechat|email|in_app")
                .query("topic", "消息类型，如 checkup.group_reminder")
                .query("recipient", "按收件人查找：手机号、电子邮箱或 openid（精确匹配）")
                .query_as("from", Param::Date, "创建日期起（含），如 2026-11-01")
                .query_as("to", Param::Date, "创建日期止（含）")
                .query_as("page", Param::PAGE, "页码")
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
        .page_confirmed(Method::Post, "/notify/templates/reset", "恢复默认模板", template_reset)
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

#[derive(Deserialize)]
pub(super) struct PageQuery {
    pub(super) page: Option<i64>,
    pub(super) ok: Option<String>,
}
