//! Console pages of the checkup module: catalogue (items by body part, packages, rules), the
//! configuration audit, the capacity monitor with its setting form, and bookings.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::{LocalDay, Money};
use hops_platform::web::{Form, Method, Page, PageError, PageResult, Pager, Paging, Routes, Scope};
use hops_platform::{Error, Permission};
use serde::Deserialize;

use crate::booking::model::Status;
use crate::booking::service as booking;
use crate::booking::store::ListedBooking;
use crate::capacity::model::{DaySetting, PoolKind};
use crate::capacity::service as capacity;
use crate::catalogue::audit::Finding;
use crate::catalogue::model::{BODY_PARTS, Item, Package, Rule};
use crate::catalogue::service as catalogue;
use hops_platform::web::flash;

pub fn routes() -> Routes {
    Routes::scoped(Scope::AllPeople)
        .page(Method::Get, "/checkup/items", "体检项目", items)
        .page(Method::Get, "/checkup/packages", "体检套餐", packages)
        .page(Method::Get, "/checkup/rules", "项目规则", rules)
        .page(Method::Post, "/checkup/rules", "新增项目规则", add_rule)
        .page_confirmed(Method::Post, "/checkup/rules/{rule_id}/delete", "删除项目规则", delete_rule)
        .page(Method::Get, "/checkup/audit", "配置审核", audit)
        .page(Method::Get, "/checkup/capacity", "号源监控", capacity_page)
        .page(Method::Post, "/checkup/capacity", "设置号源", set_capacity)
        .page(Method::Get, "/checkup/bookings", "体检预约", bookings)
        .page_confirmed(Method::Post, "/checkup/bookings/{booking_id}/cancel", "取消预约", cancel)
        .page(Method::Post, "/checkup/bookings/{booking_id}/reschedule", "改约", reschedule)
}

fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

/// Messages shown after a redirect, by code (never text from the query string).
const FLASH: &[(&str, &str)] = &[
    ("rule_added", "规则已添加"),
    ("rule_deleted", "规则已删除"),
    ("capacity_saved", "号源已保存"),
    ("cancelled", "预约已取消，号源已释放"),
    ("rescheduled", "已改约"),
    ("item_saved", "体检项目已保存"),
    ("package_saved", "体检套餐已保存"),
];

#[derive(Deserialize, Default)]
pub struct Q {
    q: Option<String>,
    ok: Option<String>,
    date: Option<String>,
    status: Option<String>,
    from: Option<String>,
    page: Option<i64>,
}

/// "女性、40–75 岁" or "不限".
fn who(a: &crate::catalogue::model::Applicability) -> String {
    let d = a.describe();
    if d.is_empty() { "不限".into() } else { d }
}

// ---- catalogue ----

struct ItemView {
    item: Item,
    who: String,
    resource: String,
}

#[derive(Template)]
#[template(path = "checkup_items.html")]
struct ItemsPage {
    shell: hops_platform::web::Shell,
    groups: Vec<(String, Vec<ItemView>)>,
    total: usize,
    q: String,
    can_manage: bool,
}

async fn items(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    let cat = catalogue::catalogue(page.access()).await?;
    let resources: BTreeMap<String, String> = catalogue::resources(page.access()).await?.into_iter().collect();
    let text = q.q.unwrap_or_default().trim().to_string();
    let mut groups: BTreeMap<usize, (String, Vec<ItemView>)> = BTreeMap::new();
    for item in cat.items.values() {
        if !text.is_empty() && !item.name.contains(&text) && !item.code.contains(&text) && !item.category.contains(&text) {
            continue;
        }
        let rank = BODY_PARTS.iter().position(|b| *b == item.body_part).unwrap_or(BODY_PARTS.len());
        groups.entry(rank).or_insert_with(|| (item.body_part.clone(), Vec::new())).1.push(ItemView {
            who: who(&item.applicability),
            resource: item.resource.as_ref().map(|r| resources.get(r).cloned().unwrap_or_else(|| r.clone())).unwrap_or_default(),
            item: item.clone(),
        });
    }
    let shell = page.shell("体检项目").with_flash(flash(q.ok.as_deref(), FLASH));
    let can_manage = page.access().can(Permission::CheckupManage);
    render(ItemsPage { shell, can_manage, total: cat.items.len(), groups: groups.into_values().collect(), q: text })
}

struct PackageView {
    package: Package,
    list_price: Money,
    who: String,
    /// The items' names: the first few always shown, all of them folded.
    item_preview: String,
    item_names: String,
    folded: bool,
}

/// Item names a package row shows before folding the rest.
const PREVIEW_ITEMS: usize = 4;

#[derive(Template)]
#[template(path = "checkup_packages.html")]
struct PackagesPage {
    shell: hops_platform::web::Shell,
    packages: Vec<PackageView>,
    can_manage: bool,
}

async fn packages(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    let cat = catalogue::catalogue(page.access()).await?;
    let packages = cat
        .packages
        .values()
        .map(|p| PackageView {
            list_price: p.items.iter().filter_map(|c| cat.items.get(c)).map(|i| i.price).sum(),
            who: who(&p.applicability),
            item_preview: p
                .items
                .iter()
                .take(PREVIEW_ITEMS)
                .map(|c| cat.items.get(c).map_or(c.as_str(), |i| i.name.as_str()))
                .collect::<Vec<_>>()
                .join("、"),
            item_names: p.items.iter().map(|c| cat.items.get(c).map_or(c.as_str(), |i| i.name.as_str())).collect::<Vec<_>>().join("、"),
            folded: p.items.len() > PREVIEW_ITEMS,
            package: p.clone(),
        })
        .collect();
    let shell = page.shell("体检套餐").with_flash(flash(q.ok.as_deref(), FLASH));
    render(PackagesPage { shell, can_manage: page.access().can(Permission::CheckupManage), packages })
}

struct RuleView {
    id: i64,
    kind: &'static str,
    text: String,
    note: String,
}

#[derive(Template)]
#[template(path = "checkup_rules.html")]
struct RulesPage {
    shell: hops_platform::web::Shell,
    rules: Vec<RuleView>,
    items: Vec<(String, String)>,
    can_manage: bool,
    error: String,
}

async fn rules(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    rules_view(&page, q, String::new()).await
}

async fn rules_view(page: &Page, q: Q, error: String) -> PageResult<Html<String>> {
    let access = page.access();
    let cat = catalogue::catalogue(access).await?;
    let rules = catalogue::rules(access)
        .await?
        .into_iter()
        .map(|(id, r, note)| {
            let text = match &r {
                Rule::Exclusive(a, b) => format!("{}与{}不能同时选择", cat.label(a), cat.label(b)),
                Rule::Requires(a, b) => format!("选择{}须同时选择{}", cat.label(a), cat.label(b)),
                Rule::Required(a) => format!("{}为必检项目（对适用人群）", cat.label(a)),
            };
            RuleView { id, kind: r.kind_label(), text, note }
        })
        .collect();
    let items = cat.items.values().map(|i| (i.code.clone(), i.name.clone())).collect();
    let shell = page.shell("项目规则").with_flash(flash(q.ok.as_deref(), FLASH));
    render(RulesPage { shell, rules, items, can_manage: access.can(Permission::CheckupManage), error })
}

/// A refused change, shown on its page with every reason.
async fn refused<F, Fut>(status: u16, e: Error, view: F) -> PageResult<Response>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = PageResult<Html<String>>>,
{
    let message = match &e {
        Error::Client { message, fields, .. } if fields.is_empty() => message.clone(),
        Error::Client { fields, .. } => fields.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("；"),
        Error::Internal(_) => return Err(e.into()),
    };
    let code = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::UNPROCESSABLE_ENTITY);
    Ok((code, view(message).await?).into_response())
}

#[derive(Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    item_a: String,
    #[serde(default)]
    item_b: String,
    #[serde(default)]
    note: String,
}

async fn add_rule(page: Page, Form(f): Form<RuleForm>) -> PageResult<Response> {
    page.access().require(Permission::CheckupManage)?;
    let b = if f.kind == "required" { None } else { Some(f.item_b.as_str()) };
    let result = match Rule::from_parts(&f.kind, &f.item_a, b) {
        Some(rule) => catalogue::add_rule(page.access(), &rule, &f.note).await.map(|_| ()),
        None => Err(Error::invalid_field("kind", "请选择规则类型；互斥与依赖须选择两个项目")),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/checkup/rules?ok=rule_added").into_response()),
        Err(e @ Error::Client { status: 409 | 422, .. }) => {
            let status = e.status();
            refused(status, e, |m| rules_view(&page, Q::default(), m)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn delete_rule(page: Page, Path(id): Path<i64>) -> PageResult<Response> {
    catalogue::delete_rule(page.access(), id).await?;
    Ok(Redirect::to("/checkup/rules?ok=rule_deleted").into_response())
}

#[derive(Template)]
#[template(path = "checkup_audit.html")]
struct AuditPage {
    shell: hops_platform::web::Shell,
    findings: Vec<Finding>,
}

async fn audit(page: Page) -> PageResult<Html<String>> {
    let findings = catalogue::audit(page.access()).await?;
    render(AuditPage { shell: page.shell("配置审核"), findings })
}

// ---- capacity ----

struct DayRow {
    day: LocalDay,
    weekday: &'static str,
    closed: Option<String>,
    /// (label, used, capacity, percent)
    pools: Vec<(String, i64, i64, i64)>,
}

#[derive(Template)]
#[template(path = "checkup_capacity.html")]
struct CapacityPage {
    shell: hops_platform::web::Shell,
    days: Vec<DayRow>,
    from: LocalDay,
    prev: LocalDay,
    next: LocalDay,
    can_manage: bool,
    form_date: String,
    employers: Vec<(String, String)>,
    specials: Vec<(String, String)>,
    resources: Vec<(String, String)>,
    error: String,
}

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

async fn capacity_page(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    capacity_view(&page, q, String::new()).await
}

async fn capacity_view(page: &Page, q: Q, error: String) -> PageResult<Html<String>> {
    let access = page.access();
    let today = access.now().local_day();
    let from = q.from.as_deref().and_then(|s| LocalDay::parse(s).ok()).unwrap_or(today);
    let cat = catalogue::catalogue(access).await?;
    let employers: Vec<(String, String)> = crate::group::service::employers(access).await?.into_iter().map(|e| (e.code, e.name)).collect();
    let resources = catalogue::resources(access).await?;
    let specials: Vec<(String, String)> =
        cat.packages.values().filter(|p| p.special_pool).map(|p| (p.code.clone(), p.name.clone())).collect();
    let name = |kind: PoolKind, key: &str| -> String {
        let list = match kind {
            PoolKind::Group => &employers,
            PoolKind::Special => &specials,
            PoolKind::Resource => &resources,
            PoolKind::Individual | PoolKind::Vip => return kind.label_zh().to_string(),
        };
        let n = list.iter().find(|(c, _)| c == key).map_or(key, |(_, n)| n.as_str());
        format!("{} · {n}", kind.label_zh())
    };
    let mut days = Vec::new();
    for n in 0..14 {
        let day = from.plus_days(n);
        let mut view = capacity::day(access, day).await?;
        view.pools.sort_by(|a, b| a.key.cmp(&b.key));
        let pools = view
            .pools
            .iter()
            .filter(|p| p.capacity > 0 || p.used > 0)
            .map(|p| {
                let pct = if p.capacity > 0 { (p.used * 100 / p.capacity).min(100) } else { 100 };
                (name(p.key.kind, &p.key.key), p.used, p.capacity, pct)
            })
            .collect();
        days.push(DayRow { day, weekday: WEEKDAYS[day.weekday().to_monday_zero_offset() as usize], closed: view.closed, pools });
    }
    let shell = page.shell("号源监控").with_flash(flash(q.ok.as_deref(), FLASH));
    render(CapacityPage {
        shell,
        days,
        from,
        prev: from.plus_days(-14),
        next: from.plus_days(14),
        can_manage: access.can(Permission::CheckupManage),
        form_date: q.date.unwrap_or_else(|| today.plus_days(1).to_string()),
        employers,
        specials,
        resources,
        error,
    })
}

async fn set_capacity(page: Page, Form(f): Form<BTreeMap<String, String>>) -> PageResult<Response> {
    let date = f.get("date").cloned().unwrap_or_default();
    let num = |k: &str| f.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()).map(|v| v.parse::<i64>().unwrap_or(-1)).unwrap_or(0);
    let keyed = |prefix: &str| -> BTreeMap<String, i64> {
        f.keys()
            .filter_map(|k| k.strip_prefix(prefix))
            .map(|code| (code.to_string(), num(&format!("{prefix}{code}"))))
            .filter(|(_, n)| *n != 0)
            .collect()
    };
    let setting = DaySetting {
        individual: num("individual"),
        vip: num("vip"),
        groups: keyed("group."),
        specials: keyed("special."),
        resources: keyed("resource."),
    };
    let q = Q { date: Some(date.clone()), ..Q::default() };
    let result = match LocalDay::parse(date.trim()) {
        Ok(day) => capacity::set_day(page.access(), day, &setting).await.map(|_| day),
        Err(_) => Err(Error::invalid_field("date", "日期格式应为 YYYY-MM-DD")),
    };
    match result {
        Ok(day) => Ok(Redirect::to(&format!("/checkup/capacity?from={day}&ok=capacity_saved")).into_response()),
        Err(e @ Error::Client { status: 422, .. }) => refused(422, e, |m| capacity_view(&page, q, m)).await,
        Err(e) => Err(e.into()),
    }
}

// ---- bookings ----

#[derive(Template)]
#[template(path = "checkup_bookings.html")]
struct BookingsPage {
    shell: hops_platform::web::Shell,
    rows: Vec<ListedBooking>,
    pager: Pager,
    date: String,
    status: String,
    q: String,
    statuses: Vec<(&'static str, &'static str)>,
    can_book: bool,
    package_names: BTreeMap<String, String>,
    employer_names: BTreeMap<String, String>,
    error: String,
}

impl BookingsPage {
    fn package_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.package_names.get(code).map_or(code, String::as_str)
    }
    fn pool_label(&self, b: &ListedBooking) -> String {
        let kind = PoolKind::from_code(&b.booking.channel).map_or("", PoolKind::label_zh);
        match &b.booking.employer_code {
            Some(e) => format!("{kind}（{}）", self.employer_names.get(e).map_or(e.as_str(), String::as_str)),
            None => kind.to_string(),
        }
    }
}

async fn bookings(page: Page, Query(q): Query<Q>) -> PageResult<Html<String>> {
    bookings_view(&page, q, String::new()).await
}

async fn bookings_view(page: &Page, q: Q, error: String) -> PageResult<Html<String>> {
    let access = page.access();
    let paging = Paging::new(q.page, 30);
    let date = q.date.unwrap_or_default();
    let status = q.status.unwrap_or_default();
    let number = q.q.unwrap_or_default();
    let day = LocalDay::parse(date.trim()).ok();
    let (rows, total) = booking::list(access, day, Status::from_code(&status), &number, paging).await?;
    let enc = hops_platform::web::pages::url_encode;
    let base = format!("/checkup/bookings?date={}&status={}&q={}", enc(&date), enc(&status), enc(&number));
    let cat = catalogue::catalogue(access).await?;
    render(BookingsPage {
        shell: page.shell("体检预约").with_flash(flash(q.ok.as_deref(), FLASH)),
        rows,
        pager: Pager::new(paging, total, &base),
        date,
        status,
        q: number,
        statuses: Status::ALL.iter().map(|s| (s.code(), s.label_zh())).collect(),
        can_book: access.can(Permission::CheckupBook),
        package_names: cat.packages.values().map(|p| (p.code.clone(), p.name.clone())).collect(),
        employer_names: crate::group::service::employers(access).await?.into_iter().map(|e| (e.code, e.name)).collect(),
        error,
    })
}

/// A refused change is shown on the list with its reason.
async fn booking_error(page: &Page, e: Error) -> PageResult<Response> {
    match e {
        Error::Client { status: status @ (409 | 422), .. } => refused(status, e, |m| bookings_view(page, Q::default(), m)).await,
        e => Err(e.into()),
    }
}

async fn cancel(page: Page, Path(id): Path<i64>) -> PageResult<Response> {
    match booking::cancel(page.access(), id).await {
        Ok(_) => Ok(Redirect::to("/checkup/bookings?ok=cancelled").into_response()),
        Err(e) => booking_error(&page, e).await,
    }
}

#[derive(Deserialize)]
pub struct RescheduleForm {
    #[serde(default)]
    date: String,
}

async fn reschedule(page: Page, Path(id): Path<i64>, Form(f): Form<RescheduleForm>) -> PageResult<Response> {
    match booking::reschedule(page.access(), id, &f.date).await {
        Ok(_) => Ok(Redirect::to("/checkup/bookings?ok=rescheduled").into_response()),
        Err(e) => booking_error(&page, e).await,
    }
}
