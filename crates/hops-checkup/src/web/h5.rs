//! Patient H5 pages (`/p/{hospital_code}/checkup…`): packages with items by body part, live
//! validation and price, a date from live availability, identification by SMS code (which signs
//! the patient in through the platform's patient login), payment
//! through WeChat Pay (the sandbox locally), my orders with cancel, refund and reschedule.
//! Mobile-first, server-rendered, a few lines of script for the live price (works without).

// Handlers answer with a page either way; `Err` is the page of a refusal, not a rare error.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hops_kernel::{LocalDay, Money};
use hops_platform::Error;
use hops_platform::patient::web::messages;
use hops_platform::patient::{Kind, PatientPage, PatientVisit};
use hops_platform::throttle::ClientKey;
use hops_platform::web::{Method, Routes, Scope};
use serde::Deserialize;

use crate::booking::service::{BookingRequest, Refusal};
use crate::booking::store::ListedBooking;
use crate::catalogue::model::{BODY_PARTS, Catalogue, Package, Selection, Violation, validate};
use crate::h5::{Identified, Patient, Site};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Visitor)
        .public(Method::Get, "/p/{hospital_code}/checkup", "体检预约（患者端）：套餐", home)
        .public(Method::Get, "/p/{hospital_code}/checkup/packages/{package}", "体检预约（患者端）：选择项目与日期", package_page)
        .public(Method::Post, "/p/{hospital_code}/checkup/packages/{package}/check", "体检预约（患者端）：校验与计价", check)
        .public(Method::Get, "/p/{hospital_code}/checkup/book", "体检预约（患者端）：身份验证", book_page)
        .public(Method::Post, "/p/{hospital_code}/checkup/book", "体检预约（患者端）：提交预约", book)
        .public(Method::Get, "/p/{hospital_code}/checkup/orders", "体检预约（患者端）：我的预约", orders)
        .public(Method::Get, "/p/{hospital_code}/checkup/orders/{booking}", "体检预约（患者端）：预约详情", order)
        .public(Method::Post, "/p/{hospital_code}/checkup/orders/{booking}/{action}", "体检预约（患者端）：支付、取消、退款、改约", act)
        .public(Method::Get, "/p/{hospital_code}/checkup/login", "体检预约（患者端）：登录（转到患者登录）", login_page)
}

pub(super) type R = Result<Response, Response>;

/// The site of a patient page, for the checkup's use cases.
pub(super) fn checkup_site(v: PatientVisit) -> (Site, Option<Patient>) {
    let patient = v.signed.as_ref().map(|p| Patient::from(&p.signed));
    (Site(v.site), patient)
}

/// The signed-in patient on the hospital's checkup pages.
pub(super) fn signed_in(p: PatientPage) -> (Site, Patient) {
    let patient = Patient::from(&p.signed);
    (Site(p.site), patient)
}

// ---- packages ----

struct PackageCard {
    package: Package,
    list_price: Money,
    items: usize,
    who: String,
}

#[derive(Template)]
#[template(path = "h5_home.html")]
struct HomePage {
    hospital: String,
    base: String,
    packages: Vec<PackageCard>,
}

async fn home(v: PatientVisit) -> R {
    let (s, _) = checkup_site(v);
    let cat = crate::catalogue::service::load(&s.access).await.map_err(|e| s.fail(e))?;
    let packages = crate::catalogue::audit::on_sale(&cat)
        .into_iter()
        .map(|p| PackageCard {
            list_price: p.items.iter().filter_map(|c| cat.items.get(c)).map(|i| i.price).sum(),
            items: p.items.len(),
            who: if p.applicability.is_restricted() { p.applicability.describe() } else { "不限".into() },
            package: p.clone(),
        })
        .collect();
    s.render(HomePage { hospital: s.name.clone(), base: format!("/p/{}/checkup", s.code), packages })
}

/// An item on the selection page.
struct Choice {
    code: String,
    name: String,
    price: Money,
    meaning: String,
    in_package: bool,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "h5_package.html")]
struct PackagePage {
    hospital: String,
    base: String,
    package: Package,
    groups: Vec<(String, Vec<Choice>)>,
    days: Vec<(String, String, i64)>,
    date: String,
    summary: Summary,
}

/// Price and problems of a selection, shown live.
#[derive(Template)]
#[template(path = "h5_summary.html")]
struct Summary {
    total: Option<Money>,
    violations: Vec<Violation>,
}

/// What the selection form carries: package items kept, items added, the date.
#[derive(Default)]
pub struct Chosen {
    pub(super) keep: Vec<String>,
    pub(super) add: Vec<String>,
    pub(super) date: String,
}

/// Reads repeated `keep=…&add=…` form fields (serde_urlencoded does not collect repeats).
pub(super) fn chosen(query: &str) -> Chosen {
    let mut c = Chosen::default();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "keep" => c.keep.push(v.into_owned()),
            "add" => c.add.push(v.into_owned()),
            "date" => c.date = v.into_owned(),
            _ => {}
        }
    }
    c
}

fn selection(cat: &Catalogue, package: &str, c: &Chosen, first_visit: bool) -> Selection {
    let items = cat.packages.get(package).map(|p| p.items.clone()).unwrap_or_default();
    let remove = if first_visit { Vec::new() } else { items.iter().filter(|i| !c.keep.contains(i)).cloned().collect() };
    Selection { package: package.to_string(), add: c.add.iter().filter(|a| !items.contains(a)).cloned().collect(), remove }
}

fn summary(cat: &Catalogue, sel: &Selection) -> Summary {
    match validate(cat, sel, None) {
        Ok(p) => Summary { total: Some(p.total), violations: Vec::new() },
        Err(v) => Summary { total: None, violations: v },
    }
}

async fn package_page(v: PatientVisit, Path((_, package)): Path<(String, String)>, raw: axum::extract::RawQuery) -> R {
    let (s, _) = checkup_site(v);
    let cat = crate::catalogue::service::load(&s.access).await.map_err(|e| s.fail(e))?;
    let Some(p) = cat.packages.get(&package).filter(|p| p.active).cloned() else { return Err(s.fail(Error::not_found("套餐"))) };
    let query = raw.0.unwrap_or_default();
    let c = chosen(&query);
    let sel = selection(&cat, &package, &c, query.is_empty());
    let mut groups: BTreeMap<usize, (String, Vec<Choice>)> = BTreeMap::new();
    for item in cat.items.values().filter(|i| i.active) {
        let in_package = p.items.contains(&item.code);
        let chosen = if in_package { !sel.remove.contains(&item.code) } else { sel.add.contains(&item.code) };
        let rank = BODY_PARTS.iter().position(|b| *b == item.body_part).unwrap_or(BODY_PARTS.len());
        groups.entry(rank).or_insert_with(|| (item.body_part.clone(), Vec::new())).1.push(Choice {
            code: item.code.clone(),
            name: item.name.clone(),
            price: item.price,
            meaning: item.meaning.clone(),
            in_package,
            chosen,
        });
    }
    for (_, list) in groups.values_mut() {
        list.sort_by_key(|c| (!c.in_package, c.code.clone()));
    }
    let today = s.access.now().local_day();
    let avail = crate::capacity::service::availability(&s.access, today.plus_days(1), today.plus_days(30), &package)
        .await
        .map_err(|e| s.fail(e))?;
    let days = avail
        .into_iter()
        .filter(|a| !a.closed)
        .map(|a| (a.day.to_string(), format!("{} 周{}", a.day, WEEKDAYS[a.day.weekday().to_monday_zero_offset() as usize]), a.remaining))
        .collect();
    s.render(PackagePage {
        hospital: s.name.clone(),
        base: format!("/p/{}/checkup", s.code),
        summary: summary(&cat, &sel),
        package: p,
        groups: groups.into_values().collect(),
        days,
        date: c.date,
    })
}

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

async fn check(v: PatientVisit, Path((_, package)): Path<(String, String)>, body: String) -> R {
    let (s, _) = checkup_site(v);
    let cat = crate::catalogue::service::load(&s.access).await.map_err(|e| s.fail(e))?;
    s.render(summary(&cat, &selection(&cat, &package, &chosen(&body), false)))
}

// ---- identification and booking ----

#[derive(Template)]
#[template(path = "h5_book.html")]
struct BookPage {
    hospital: String,
    base: String,
    package: Package,
    date: String,
    query: String,
    total: Money,
    items: Vec<(String, Money, bool)>,
    f_name: String,
    f_id_number: String,
    f_phone: String,
    f_married: String,
    /// Identifies this submission: a second click books nothing twice (Idempotency-Key).
    f_request: String,
    notice: String,
    errors: Vec<String>,
}

async fn book_view(s: &Site, query: &str, form: BTreeMap<String, String>, notice: String, errors: Vec<String>) -> R {
    let cat = crate::catalogue::service::load(&s.access).await.map_err(|e| s.fail(e))?;
    let c = chosen(query);
    let package = form
        .get("package")
        .cloned()
        .or_else(|| url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "package").map(|(_, v)| v.into_owned()))
        .unwrap_or_default();
    let Some(p) = cat.packages.get(&package).cloned() else { return Err(s.fail(Error::not_found("套餐"))) };
    let sel = selection(&cat, &package, &c, false);
    let priced = match validate(&cat, &sel, None) {
        Ok(priced) => priced,
        Err(v) => {
            let back = format!("/p/{}/checkup/packages/{package}?{query}", s.code);
            let text = v.iter().map(|v| v.message.clone()).collect::<Vec<_>>().join("；");
            return Err(s.message(StatusCode::UNPROCESSABLE_ENTITY, "请调整所选项目", &text, &back));
        }
    };
    if LocalDay::parse(&c.date).is_err() {
        let back = format!("/p/{}/checkup/packages/{package}?{query}", s.code);
        return Err(s.message(StatusCode::UNPROCESSABLE_ENTITY, "请选择体检日期", "请先选择一个可预约的日期", &back));
    }
    let f = |k: &str| form.get(k).cloned().unwrap_or_default();
    let items = priced
        .items
        .iter()
        .map(|(code, price, src)| {
            (cat.items.get(code).map_or(code.clone(), |i| i.name.clone()), *price, *src == crate::catalogue::model::Source::Added)
        })
        .collect();
    s.render(BookPage {
        hospital: s.name.clone(),
        base: format!("/p/{}/checkup", s.code),
        package: p,
        date: c.date,
        query: query.to_string(),
        total: priced.total,
        items,
        f_name: f("name"),
        f_id_number: f("id_number"),
        f_phone: f("phone"),
        f_married: f("married"),
        f_request: form.get("request").cloned().unwrap_or_else(|| hops_platform::crypto::random_token(12)),
        notice,
        errors,
    })
}

async fn book_page(v: PatientVisit, raw: axum::extract::RawQuery) -> R {
    let (s, _) = checkup_site(v);
    book_view(&s, &raw.0.unwrap_or_default(), BTreeMap::new(), String::new(), Vec::new()).await
}

async fn book(v: PatientVisit, ClientKey(caller): ClientKey, axum::Form(form): axum::Form<BTreeMap<String, String>>) -> R {
    let (s, _) = checkup_site(v);
    let query = form.get("query").cloned().unwrap_or_default();
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    if form.contains_key("send_code") {
        return match s.send_code(&field("phone"), &caller).await {
            Ok(()) => book_view(&s, &query, form.clone(), "验证码已发送，请查看短信".into(), Vec::new()).await,
            Err(e) if e.status() < 500 => {
                let mut page = book_view(&s, &query, form.clone(), String::new(), messages(&e)).await?;
                *page.status_mut() = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
                Ok(page)
            }
            Err(e) => Err(s.fail(e)),
        };
    }
    let c = chosen(&query);
    let cat = crate::catalogue::service::load(&s.access).await.map_err(|e| s.fail(e))?;
    let sel = selection(&cat, &field("package"), &c, false);
    let request = BookingRequest {
        package: sel.package,
        add_items: sel.add,
        remove_items: sel.remove,
        date: c.date,
        pool: "individual".into(),
        employer: None,
        group_card: None,
        booked_by: String::new(),
        name: field("name"),
        id_number: field("id_number"),
        phone: field("phone"),
        married: match field("married").as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        idempotency_key: form.get("request").map(|r| format!("h5-{r}")),
    };
    match s.identify_and_book(&request, &field("code")).await {
        Ok(Identified::Booked { token, booked }) => {
            let to = format!("/p/{}/checkup/orders/{}", s.code, booked.booking.id);
            Ok(([(header::SET_COOKIE, s.session_cookie(Kind::Patient, &token))], Redirect::to(&to)).into_response())
        }
        // No session: the code is used up, a corrected submission asks for a new one.
        Ok(Identified::Refused(Refusal::Rules(v))) => {
            let mut errors: Vec<String> = v.into_iter().map(|v| v.message).collect();
            errors.push("请调整后重新获取验证码提交".into());
            let mut page = book_view(&s, &query, form.clone(), String::new(), errors).await?;
            *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page)
        }
        Err(e) if e.status() < 500 => {
            let mut page = book_view(&s, &query, form.clone(), String::new(), messages(&e)).await?;
            *page.status_mut() = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            Ok(page)
        }
        Err(e) => Err(s.fail(e)),
    }
}

// ---- my orders ----

#[derive(Template)]
#[template(path = "h5_orders.html")]
struct OrdersPage {
    hospital: String,
    base: String,
    orders: Vec<ListedBooking>,
    names: BTreeMap<String, String>,
}

impl OrdersPage {
    fn package_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.names.get(code).map_or(code, String::as_str)
    }
}

/// The old sign-in address of the checkup pages: the hospital's one patient sign-in, back to
/// my bookings.
async fn login_page(v: PatientVisit) -> Response {
    let orders = format!("{}/checkup/orders", v.site.home());
    Redirect::to(&v.site.sign_in_path(&orders)).into_response()
}

async fn orders(p: PatientPage) -> R {
    let (s, p) = signed_in(p);
    let list = s.my_bookings(&p).await.map_err(|e| s.fail(e))?;
    let cat = crate::catalogue::service::load(&s.access).await.map_err(|e| s.fail(e))?;
    s.render(OrdersPage {
        hospital: s.name.clone(),
        base: format!("/p/{}/checkup", s.code),
        orders: list,
        names: cat.packages.values().map(|p| (p.code.clone(), p.name.clone())).collect(),
    })
}

#[derive(Template)]
#[template(path = "h5_order.html")]
struct OrderPage {
    hospital: String,
    base: String,
    order: ListedBooking,
    package: String,
    items: Vec<(String, Money, bool)>,
    hold_minutes: i64,
    notice: String,
    /// For a paid booking: the check-in code (the order number as a QR code, SVG) and what
    /// the booked items ask of the person beforehand, item by item.
    check_in_qr: Option<String>,
    preparation: Vec<(String, String)>,
    /// Where to go (for a paid booking, when the hospital gave it).
    centre: Option<crate::centre::model::Centre>,
    /// Back from the cashier with the payment not yet confirmed: the page looks again shortly.
    confirming: bool,
}

#[derive(Deserialize)]
pub struct OrderQuery {
    ok: Option<String>,
}

async fn order(p: PatientPage, Path((_, id)): Path<(String, i64)>, Query(q): Query<OrderQuery>) -> R {
    let (s, p) = signed_in(p);
    let (order, items) = s.my_booking_items(&p, id).await.map_err(|e| s.fail(e))?;
    let cat = crate::catalogue::service::load(&s.access).await.map_err(|e| s.fail(e))?;
    let now = s.access.now();
    let hold_minutes = order.booking.hold_until.map_or(0, |t| (t.seconds_since(now) / 60).max(0));
    use crate::booking::model::Status;
    // Back from the cashier: the payment's notification may still be on its way.
    let confirming = q.ok.as_deref() == Some("paid") && order.booking.status == Status::PendingPayment;
    let notice = match q.ok.as_deref() {
        Some("paid") if confirming => "正在确认支付结果，页面将自动刷新…",
        Some("paid") if matches!(order.booking.status, Status::Paid | Status::CheckedIn) => "支付成功！请按下方信息准时到检",
        Some("cancelled") => "预约已取消",
        Some("refunded") => "已申请退款，款项将原路退回",
        Some("rescheduled") => "已改约",
        _ => "",
    };
    // Paid and not yet through the centre: the person still comes for the checkup.
    let paid = matches!(order.booking.status, Status::Paid | Status::CheckedIn);
    let check_in_qr = if paid { Some(hops_platform::web::qr_svg(&order.booking.number, 180).map_err(|e| s.fail(e))?) } else { None };
    let preparation = if paid {
        items
            .iter()
            .filter_map(|(c, _, _)| cat.items.get(c))
            .filter(|i| !i.preparation.trim().is_empty())
            .map(|i| (i.name.clone(), i.preparation.trim().to_string()))
            .collect()
    } else {
        Vec::new()
    };
    s.render(OrderPage {
        hospital: s.name.clone(),
        base: format!("/p/{}/checkup", s.code),
        package: cat.packages.get(&order.booking.package_code).map_or(order.booking.package_code.clone(), |p| p.name.clone()),
        check_in_qr,
        preparation,
        items: items.into_iter().map(|(c, price, src)| (cat.items.get(&c).map_or(c, |i| i.name.clone()), price, src == "added")).collect(),
        centre: if paid { crate::centre::service::get(&s.access).await.map_err(|e| s.fail(e))? } else { None },
        confirming,
        order,
        hold_minutes,
        notice: notice.into(),
    })
}

async fn act(
    p: PatientPage,
    ClientKey(payer_ip): ClientKey,
    Path((_, id, action)): Path<(String, i64, String)>,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> R {
    let (s, p) = signed_in(p);
    let here = format!("/p/{}/checkup/orders/{id}", s.code);
    // Cancelling and refunding are carried out once confirmed (hops_platform::web::confirm).
    let what = match action.as_str() {
        "cancel" => Some("取消预约"),
        "refund" => Some("申请退款"),
        _ => None,
    };
    if let Some(what) = what {
        // Only the patient's own booking is asked about (another's is not found, as below).
        s.my_booking(&p, id).await.map_err(|e| s.fail(e))?;
        if let Some(page) = hops_platform::web::confirm::ask(&format!("{here}/{action}"), what, form.clone().into_iter().collect()) {
            return Ok(page);
        }
    }
    let result = match action.as_str() {
        "pay" => match s.pay(&p, id, &payer_ip).await {
            Ok(url) => return Ok(Redirect::to(&url).into_response()),
            Err(e) => Err(e),
        },
        "cancel" => s.cancel(&p, id).await.map(|_| "cancelled"),
        "refund" => s.refund(&p, id, form.get("reason").map_or("", String::as_str)).await.map(|_| "refunded"),
        "reschedule" => s.reschedule(&p, id, form.get("date").map_or("", String::as_str)).await.map(|_| "rescheduled"),
        _ => Err(Error::not_found("操作")),
    };
    match result {
        Ok(done) => Ok(Redirect::to(&format!("{here}?ok={done}")).into_response()),
        Err(e) if e.status() < 500 => {
            Ok(s.message(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::CONFLICT), "未能完成", &e.public_message(), &here))
        }
        Err(e) => Err(s.fail(e)),
    }
}
