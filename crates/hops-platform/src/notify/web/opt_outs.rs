//! Opt-outs per recipient and topic.

use super::*;

pub(super) struct OptOutView {
    key: String,
    topic: String,
    topic_label: String,
    recipient: String,
    at: String,
    by: String,
}

#[derive(Askama)]
#[template(path = "notify/opt_outs.html")]
pub(super) struct OptOutsPage {
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

pub(super) async fn opt_outs_view(
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

pub(super) async fn opt_outs_page(page: Page, Query(q): Query<PageQuery>) -> PageResult<Html<String>> {
    opt_outs_view(&page, Paging::new(q.page, 50), String::new(), String::new(), Vec::new(), q.ok.is_some()).await
}

#[derive(Deserialize)]
pub(super) struct OptOutForm {
    #[serde(default)]
    address: String,
    #[serde(default)]
    topic: String,
}

pub(super) async fn opt_out_add(page: Page, Form(f): Form<OptOutForm>) -> PageResult<Response> {
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
pub(super) struct RemoveForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    topic: String,
}

pub(super) async fn opt_out_remove(page: Page, Form(f): Form<RemoveForm>) -> PageResult<Response> {
    service::remove_opt_out(page.access(), &f.key, &f.topic).await?;
    Ok(Redirect::to("/notify/opt-outs?ok=1").into_response())
}

#[derive(Deserialize, ToSchema)]
pub(super) struct OptOutIn {
    /// A mobile number, an e-mail address or a WeChat openid.
    address: String,
    /// The topic, e.g. `checkup.group_reminder`.
    topic: String,
}

pub(super) async fn api_opt_out(State(state): State<AppState>, api: Api, Json(o): Json<OptOutIn>) -> ApiResult<StatusCode> {
    api.access().require(Permission::NotifyManage)?;
    service::opt_out(api.access(), &o.address, topic_by_code(&state, &o.topic)?).await?;
    Ok(StatusCode::CREATED)
}
