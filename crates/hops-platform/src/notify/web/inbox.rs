//! The in-app inbox of console users, and the contacts they receive notifications at.

use super::*;

pub(super) struct InboxView {
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
pub(super) struct InboxPageView {
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

pub(super) async fn inbox_view(
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

pub(super) async fn inbox_page(page: Page, Query(q): Query<PageQuery>) -> PageResult<Html<String>> {
    inbox_view(&page, Paging::new(q.page, 30), String::new(), String::new(), Vec::new(), q.ok.is_some()).await
}

pub(super) async fn read_page(page: Page, Path(id): Path<i64>) -> PageResult<Response> {
    service::mark_read(page.access(), Some(id)).await?;
    Ok(Redirect::to("/notifications").into_response())
}

pub(super) async fn read_all_page(page: Page) -> PageResult<Response> {
    service::mark_read(page.access(), None).await?;
    Ok(Redirect::to("/notifications").into_response())
}

#[derive(Deserialize)]
pub(super) struct ContactForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    /// Removes both.
    clear: Option<String>,
}

pub(super) async fn contact_save(page: Page, Form(f): Form<ContactForm>) -> PageResult<Response> {
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
pub(super) struct InboxOut {
    id: i64,
    topic: String,
    title: String,
    body: String,
    link: String,
    created_at: String,
    read: bool,
}

#[derive(Serialize, ToSchema)]
pub(super) struct InboxPage {
    total: i64,
    unread: i64,
    page: i64,
    items: Vec<InboxOut>,
}

pub(super) async fn api_inbox(api: Api, Query(q): Query<PageQuery>) -> ApiResult<Json<InboxPage>> {
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
pub(super) struct Marked {
    marked: u64,
}

pub(super) async fn api_read_all(api: Api) -> ApiResult<Json<Marked>> {
    Ok(Json(Marked { marked: service::mark_read(api.access(), None).await? }))
}

pub(super) async fn api_read(api: Api, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    service::mark_read(api.access(), Some(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
