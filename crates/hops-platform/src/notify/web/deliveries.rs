//! The delivery records: list, filters, paging.

use super::*;

#[derive(Deserialize, Default)]
pub(super) struct DeliveryQuery {
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

pub(super) struct DeliveryView {
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

pub(super) fn delivery_view(state: &AppState, d: &DeliveryRow) -> DeliveryView {
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
pub(super) struct DeliveriesPage {
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

pub(super) async fn deliveries_page(page: Page, Query(q): Query<DeliveryQuery>) -> PageResult<Response> {
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
pub(super) struct DeliveryOut {
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
pub(super) struct DeliveryPage {
    total: i64,
    page: i64,
    items: Vec<DeliveryOut>,
}

pub(super) async fn api_deliveries(
    State(state): State<AppState>,
    api: Api,
    Query(q): Query<DeliveryQuery>,
) -> ApiResult<Json<DeliveryPage>> {
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
