//! The hospital's texts per topic and channel.

use super::*;

pub(super) struct TemplateRow {
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
pub(super) struct TemplatesPage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<TemplateRow>,
}

pub(super) async fn templates_page(page: Page, Query(q): Query<PageQuery>) -> PageResult<Html<String>> {
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
pub(super) struct TemplateFormPage {
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
pub(super) struct TemplateQuery {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    channel: String,
}

pub(super) fn template_form(
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

pub(super) async fn template_edit_page(page: Page, Query(q): Query<TemplateQuery>) -> PageResult<Html<String>> {
    page.access().require(Permission::NotifyManage)?;
    let topic = editable_topic(page.state(), &q.topic).map_err(|_| Error::not_found("消息类型"))?;
    let channel = channel_of(&q.channel).map_err(|_| Error::not_found("渠道"))?;
    let t = service::template(page.access(), topic, channel).await?;
    template_form(&page, topic, channel, t, Vec::new())
}

#[derive(Deserialize)]
pub(super) struct TemplateFormData {
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

pub(super) async fn template_save(page: Page, Form(f): Form<TemplateFormData>) -> PageResult<Response> {
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

pub(super) async fn template_reset(page: Page, Form(q): Form<TemplateQuery>) -> PageResult<Response> {
    let topic = editable_topic(page.state(), &q.topic)?;
    service::reset_template(page.access(), topic, channel_of(&q.channel)?).await?;
    Ok(Redirect::to("/notify/templates?ok=1").into_response())
}

#[derive(Deserialize, ToSchema)]
pub(super) struct TemplateIn {
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

pub(super) fn yes() -> bool {
    true
}

pub(super) async fn api_save_template(State(state): State<AppState>, api: Api, Json(t): Json<TemplateIn>) -> ApiResult<StatusCode> {
    api.access().require(Permission::NotifyManage)?;
    let topic = editable_topic(&state, &t.topic)?;
    let channel = channel_of(&t.channel)?;
    let draft = Template { subject: t.subject, body: t.body, provider_template: t.provider_template, enabled: t.enabled, custom: true };
    service::save_template(api.access(), topic, channel, &draft).await?;
    Ok(StatusCode::NO_CONTENT)
}
