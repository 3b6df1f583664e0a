//! Patient H5 pages (`/p/{hospital_code}/checkup…`): packages; the selection page (date first,
//! items folded by body part, fitting add-ons, live price — `h5_select`); the booking page with
//! the order and identification by SMS code (which signs the patient in through the platform's
//! patient login), every refusal at its field; payment through WeChat Pay (the sandbox locally),
//! my orders with cancel, refund and reschedule. Mobile-first, server-rendered, a few lines of
//! script for the live price (works without).

// Handlers answer with a page either way; `Err` is the page of a refusal, not a rare error.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, RawQuery};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use hops_kernel::{LocalDay, Money};
use hops_platform::patient::web::with_status;
use hops_platform::patient::{Kind, PatientPage, PatientVisit};
use hops_platform::throttle::ClientKey;
use hops_platform::web::{FormErrors, Method, Routes, Scope};
use hops_platform::{Error, FieldError};
use serde::Deserialize;

use super::h5_select::{Posted, at_items, check, married, on_sale, package_page, package_view, posted};
use crate::booking::service::{BookingRequest, Refusal};
use crate::booking::store::ListedBooking;
use crate::catalogue::model::{Catalogue, Package, validate};
use crate::h5::{Identified, Patient, Site};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Visitor)
        .public(Method::Get, "/p/{hospital_code}/checkup", "体检预约（患者端）：套餐", home)
        .public(Method::Get, "/p/{hospital_code}/checkup/packages/{package}", "体检预约（患者端）：选择日期与项目", package_page)
        .public(Method::Post, "/p/{hospital_code}/checkup/packages/{package}/check", "体检预约（患者端）：校验与计价", check)
        .public(Method::Get, "/p/{hospital_code}/checkup/book", "体检预约（患者端）：确认预约与身份验证", book_page)
        .public(Method::Post, "/p/{hospital_code}/checkup/book", "体检预约（患者端）：确认所选、获取验证码、提交预约", book)
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

// ---- identification and booking ----

/// A line of the order on the booking page.
struct Line {
    code: String,
    name: String,
    price: Money,
    added: bool,
    error: String,
}

/// What the patient typed into the identification form, kept as typed when it is refused.
#[derive(Default)]
struct Identify {
    name: String,
    id_number: String,
    phone: String,
    married: String,
    code: String,
    /// Identifies this submission: a second click books nothing twice (Idempotency-Key).
    request: String,
}

#[derive(Template)]
#[template(path = "h5_book.html")]
struct BookPage {
    hospital: String,
    base: String,
    package: Package,
    date: String,
    /// The selection as form fields (no health answer is part of it).
    query: String,
    back: String,
    total: Money,
    lines: Vec<Line>,
    f: Identify,
    notice: String,
    errors: FormErrors,
}

/// The problems of the selection itself — the date (given, open, with places left) and the
/// catalogue's rules without a person — at their fields.
async fn selection_problems(s: &Site, cat: &Catalogue, p: &Package, form: &Posted) -> Result<Vec<FieldError>, Response> {
    let mut errors = Vec::new();
    let today = s.access.now().local_day();
    let date = form.chosen.date.as_str();
    match LocalDay::parse(date) {
        Err(_) if date.is_empty() => errors.push(FieldError::new("date", "请选择体检日期")),
        Err(_) => errors.push(FieldError::new("date", "请从列表中选择体检日期")),
        Ok(day) => match crate::booking::model::check_day(day, today) {
            Err(e) => errors.push(FieldError::new("date", e)),
            Ok(()) => {
                let avail = crate::capacity::service::availability(&s.access, day, day, &p.code).await.map_err(|e| s.fail(e))?;
                match avail.first() {
                    Some(a) if a.closed => errors.push(FieldError::new("date", format!("{day} 不开放体检，请选择其他日期"))),
                    Some(a) if a.remaining <= 0 => errors.push(FieldError::new("date", format!("{day} 已约满，请选择其他日期"))),
                    _ => {}
                }
            }
        },
    }
    if let Err(v) = validate(cat, &form.selection(p), None) {
        errors.extend(at_items(&v));
    }
    Ok(errors)
}

/// The booking page for a selection: the order with its price and the identification form
/// (`errors` at their fields) — or, when the selection itself has problems, the selection page
/// with them at the date and the items (422).
async fn book_view(s: &Site, form: &Posted, f: Identify, notice: &str, errors: Vec<FieldError>) -> R {
    let (cat, p) = on_sale(s, &form.package).await?;
    let problems = selection_problems(s, &cat, &p, form).await?;
    let priced = match validate(&cat, &form.selection(&p), None) {
        Ok(priced) if problems.is_empty() => priced,
        _ => return package_view(s, &cat, &p, form, problems).await,
    };
    let errors = FormErrors::new(errors);
    let lines = priced
        .items
        .iter()
        .map(|(code, price, src)| Line {
            name: cat.items.get(code).map_or(code.clone(), |i| i.name.clone()),
            price: *price,
            added: *src == crate::catalogue::model::Source::Added,
            error: errors.get(&format!("item.{code}")),
            code: code.clone(),
        })
        .collect();
    let query = form.selection_query(&p);
    s.render(BookPage {
        hospital: s.name.clone(),
        base: format!("/p/{}/checkup", s.code),
        back: format!("/p/{}/checkup/packages/{}?{query}", s.code, p.code),
        package: p,
        date: form.chosen.date.clone(),
        query,
        total: priced.total,
        lines,
        f: Identify { request: if f.request.is_empty() { hops_platform::crypto::random_token(12) } else { f.request }, ..f },
        notice: notice.into(),
        errors,
    })
}

/// `GET …/book?package=…&keep=…&add=…&date=…`: a selection in a link.
async fn book_page(v: PatientVisit, RawQuery(raw): RawQuery) -> R {
    let (s, _) = checkup_site(v);
    let link = posted(raw.as_deref().unwrap_or("")).map_err(|e| s.fail(e))?;
    let form = Posted { package: link.package, chosen: link.chosen, ..Posted::default() };
    book_view(&s, &form, Identify::default(), "", Vec::new()).await
}

/// A refusal of the identification form at the fields it concerns: the service's `person.*`
/// fields at their inputs, a refusal without a field where it belongs (a full or taken date at
/// the date, another phone on file at the phone, codes asked for too often at the code), and
/// anything else for the form.
fn at_fields(e: &Error) -> Vec<FieldError> {
    const FIELDS: [&str; 6] = ["name", "id_number", "phone", "married", "code", "date"];
    let field = |f: &str| {
        let f = f.strip_prefix("person.").unwrap_or(f);
        if FIELDS.contains(&f) { f.to_string() } else { "form".to_string() }
    };
    if !e.fields().is_empty() {
        return e.fields().iter().map(|f| FieldError::new(field(&f.field), f.message.clone())).collect();
    }
    let at = match e.code() {
        "capacity_full" | "closed" | "duplicate_booking" => "date",
        "phone_mismatch" => "phone",
        "too_soon" | "too_many" | "too_many_requests" | "sms_unavailable" => "code",
        _ => "form",
    };
    vec![FieldError::new(at, e.public_message())]
}

/// The fields of the identification form (one value each), within bounds.
fn identify_fields(body: &str) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    for (n, (k, v)) in url::form_urlencoded::parse(body.as_bytes()).enumerate() {
        // The selection travels in `query` (read by `posted` within its own bounds).
        if n >= 30 || v.len() > 20_000 || (k != "query" && v.chars().count() > 100) {
            return Err(Error::client(413, "form_too_large", "提交的内容超出限制，请返回重新填写"));
        }
        out.insert(k.into_owned(), v.into_owned());
    }
    Ok(out)
}

/// `POST …/book`: from the selection page (`step=review`) the booking page or the selection's
/// problems; from the booking page an SMS code (`send_code`) or the booking.
async fn book(v: PatientVisit, ClientKey(caller): ClientKey, body: String) -> R {
    let (s, _) = checkup_site(v);
    if url::form_urlencoded::parse(body.as_bytes()).any(|(k, v)| k == "step" && v == "review") {
        let form = posted(&body).map_err(|e| s.fail(e))?;
        return book_view(&s, &form, Identify::default(), "", Vec::new()).await;
    }
    let fields = identify_fields(&body).map_err(|e| s.fail(e))?;
    let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let link = posted(&field("query")).map_err(|e| s.fail(e))?;
    let form = Posted { package: link.package, chosen: link.chosen, ..Posted::default() };
    let f = Identify {
        name: field("name"),
        id_number: field("id_number"),
        phone: field("phone"),
        married: field("married"),
        code: field("code"),
        request: field("request"),
    };
    let refused = |e: &Error| e.status() < 500 || e.code() == "sms_unavailable";
    if fields.contains_key("send_code") {
        return match s.send_code(&f.phone, &caller).await {
            Ok(()) => book_view(&s, &form, f, "验证码已发送，请查看短信", Vec::new()).await,
            Err(e) if refused(&e) => Ok(with_status(e.status(), book_view(&s, &form, f, "", at_fields(&e)).await?)),
            Err(e) => Err(s.fail(e)),
        };
    }
    let (_, p) = on_sale(&s, &form.package).await?;
    let sel = form.selection(&p);
    let request = BookingRequest {
        package: p.code.clone(),
        add_items: sel.add,
        remove_items: sel.remove,
        date: form.chosen.date.clone(),
        pool: "individual".into(),
        employer: None,
        group_card: None,
        booked_by: String::new(),
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        phone: f.phone.clone(),
        married: married(&f.married),
        idempotency_key: (!f.request.is_empty()).then(|| format!("h5-{}", f.request)),
    };
    match s.identify_and_book(&request, &f.code).await {
        Ok(Identified::Booked { token, booked }) => {
            let to = format!("/p/{}/checkup/orders/{}", s.code, booked.booking.id);
            Ok(([(header::SET_COOKIE, s.session_cookie(Kind::Patient, &token))], Redirect::to(&to)).into_response())
        }
        // No session. Only the unstated marital status stands in the way: asked at its field.
        Ok(Identified::Refused(Refusal::Rules(v))) => {
            let errors = v
                .iter()
                .flat_map(|v| match v.code {
                    "marital_unknown" => vec![FieldError::new("married", v.message.clone())],
                    _ => at_items(std::slice::from_ref(v)),
                })
                .collect();
            Ok(with_status(422, book_view(&s, &form, f, "", errors).await?))
        }
        Err(e) if refused(&e) => Ok(with_status(e.status(), book_view(&s, &form, f, "", at_fields(&e)).await?)),
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
