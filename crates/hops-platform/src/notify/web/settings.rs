//! Quiet hours and the channels in use.

use super::*;

pub(super) struct ChannelStatus {
    channel: &'static str,
    state: String,
    on: bool,
}

pub(super) fn channel_statuses(state: &AppState) -> Vec<ChannelStatus> {
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
pub(super) struct SettingsPage {
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

pub(super) fn settings_view(
    page: &Page,
    q: QuietHours,
    start: String,
    end: String,
    errors: Vec<FieldError>,
    ok: bool,
) -> PageResult<Html<String>> {
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

pub(super) async fn settings_page(page: Page, Query(q): Query<PageQuery>) -> PageResult<Html<String>> {
    let quiet = service::quiet_hours(page.access()).await?;
    settings_view(&page, quiet, QuietHours::format_time(quiet.start), QuietHours::format_time(quiet.end), Vec::new(), q.ok.is_some())
}

#[derive(Deserialize)]
pub(super) struct SettingsForm {
    enabled: Option<String>,
    #[serde(default)]
    quiet_start: String,
    #[serde(default)]
    quiet_end: String,
}

pub(super) async fn settings_save(page: Page, Form(f): Form<SettingsForm>) -> PageResult<Response> {
    match saved(service::save_quiet_hours(page.access(), f.enabled.is_some(), &f.quiet_start, &f.quiet_end).await)? {
        Ok(_) => Ok(Redirect::to("/notify/settings?ok=1").into_response()),
        Err(errors) => {
            let shown = QuietHours { enabled: f.enabled.is_some(), ..QuietHours::default() };
            Ok(unprocessable(settings_view(&page, shown, f.quiet_start, f.quiet_end, errors, false)?))
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
pub(super) struct QuietHoursIo {
    enabled: bool,
    /// `21:00`
    start: String,
    /// `08:00`; before the start means the next morning.
    end: String,
}

pub(super) fn quiet_out(q: QuietHours) -> QuietHoursIo {
    QuietHoursIo { enabled: q.enabled, start: QuietHours::format_time(q.start), end: QuietHours::format_time(q.end) }
}

pub(super) async fn api_quiet_hours(api: Api) -> ApiResult<Json<QuietHoursIo>> {
    Ok(Json(quiet_out(service::quiet_hours(api.access()).await?)))
}

pub(super) async fn api_save_quiet_hours(api: Api, Json(q): Json<QuietHoursIo>) -> ApiResult<Json<QuietHoursIo>> {
    Ok(Json(quiet_out(service::save_quiet_hours(api.access(), q.enabled, &q.start, &q.end).await?)))
}
