//! Patient H5 pages of the questionnaire and of invoice requests: from the selection page, a
//! short questionnaire that recommends add-on items with their reasons and adds the chosen ones
//! to the selection; from my orders, an invoice request for one's own paid booking. Plain forms
//! that work without script.

// Handlers answer with a page either way; `Err` is the page of a refusal, not a rare error.
#![allow(clippy::result_large_err)]

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use hops_kernel::{Money, Sex};
use hops_platform::forms::web::H5Form;
use hops_platform::patient::web::messages;
use hops_platform::patient::{PatientPage, PatientVisit};
use hops_platform::web::{Method, Routes, Scope};
use hops_platform::{Error, FieldError};

use super::h5::{Chosen, R, checkup_site, chosen, signed_in};
use crate::advice::model::{Answers, Respondent, to_definition};
use crate::advice::service::{self as advice, AdviceRequest};
use crate::h5::{Patient, Site};
use crate::invoice::model::{InvoiceDraft, TitleKind, can_invoice};
use crate::invoice::service as invoice;
use crate::invoice::store::InvoiceRow;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Visitor)
        .public(Method::Get, "/p/{hospital_code}/checkup/packages/{package}/advice", "体检预约（患者端）：健康问卷与加项推荐", advice_page)
        .public(Method::Get, "/p/{hospital_code}/checkup/packages/{package}/advice/add", "体检预约（患者端）：加入推荐项目", add)
        .public(Method::Get, "/p/{hospital_code}/checkup/invoice/{booking}", "体检预约（患者端）：发票申请", invoice_page)
        .public(Method::Post, "/p/{hospital_code}/checkup/invoice/{booking}", "体检预约（患者端）：提交发票申请", request_invoice)
}

// ---- questionnaire ----

/// The questionnaire form as sent: the selection, who answers, the answers (`a.<code>=option`).
struct Sent {
    chosen: Chosen,
    sex: String,
    age: String,
    married: String,
    answers: Answers,
    answered: bool,
    picks: Vec<String>,
}

fn sent(query: &str) -> Sent {
    let mut s = Sent {
        chosen: chosen(query),
        sex: String::new(),
        age: String::new(),
        married: String::new(),
        answers: Answers::new(),
        answered: false,
        picks: Vec::new(),
    };
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "sex" => s.sex = v.into_owned(),
            "age" => s.age = v.into_owned(),
            "married" => s.married = v.into_owned(),
            "answered" => s.answered = true,
            "pick" => s.picks.push(v.into_owned()),
            _ => {
                if let Some(code) = k.strip_prefix("a.") {
                    s.answers.entry(code.to_string()).or_default().push(v.into_owned());
                }
            }
        }
    }
    s
}

impl Sent {
    fn respondent(&self) -> Respondent {
        Respondent {
            sex: match self.sex.as_str() {
                "M" => Some(Sex::Male),
                "F" => Some(Sex::Female),
                _ => None,
            },
            age: self.age.trim().parse().ok().filter(|a| *a <= 120),
            married: match self.married.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
        }
    }

    /// `keep=…&add=…&date=…` of the selection, for links back to the selection page.
    fn selection_query(&self, keep: &[String], add: &[String]) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for k in keep {
            q.append_pair("keep", k);
        }
        for a in add {
            q.append_pair("add", a);
        }
        q.append_pair("date", &self.chosen.date);
        q.finish()
    }
}

struct Shown {
    code: String,
    name: String,
    price: Money,
    reasons: Vec<String>,
    /// Names of the items added with it, and of the chosen items it replaces.
    requires: String,
    replaces: String,
}

#[derive(Template)]
#[template(path = "h5_advice.html")]
struct AdvicePage {
    hospital: String,
    base: String,
    package_code: String,
    package_name: String,
    /// The package is for one sex: not asked.
    package_sex: bool,
    /// The questions, by the forms engine's H5 renderer (inputs `a.<code>`).
    h5form: H5Form,
    s: Sent,
    shown: Option<Vec<Shown>>,
    errors: Vec<String>,
    back: String,
}

async fn advice_page(v: PatientVisit, Path((_, package)): Path<(String, String)>, RawQuery(raw): RawQuery) -> R {
    let (site, _) = checkup_site(v);
    let cat = crate::catalogue::service::load(&site.access).await.map_err(|e| site.fail(e))?;
    let Some(p) = cat.packages.get(&package).filter(|p| p.active).cloned() else { return Err(site.fail(Error::not_found("套餐"))) };
    let questionnaire = advice::load(&site.access).await.map_err(|e| site.fail(e))?;
    let s = sent(raw.as_deref().unwrap_or(""));
    let request = AdviceRequest {
        package: p.code.clone(),
        add: s.chosen.add.clone(),
        remove: p.items.iter().filter(|i| !s.chosen.keep.is_empty() && !s.chosen.keep.contains(i)).cloned().collect(),
        answers: s.answers.clone(),
        person: s.respondent(),
    };
    let (mut shown, mut errors, mut fields) = (None, Vec::new(), Vec::<FieldError>::new());
    if s.answered {
        let names = |codes: &[String]| codes.iter().map(|c| cat.label(c)).collect::<Vec<_>>().join("、");
        match advice::recommend_in(&cat, &questionnaire, &request) {
            Ok(list) => {
                shown = Some(
                    list.into_iter()
                        .map(|r| Shown {
                            requires: names(&r.requires),
                            replaces: names(&r.replaces),
                            code: r.item_code,
                            name: r.item_name,
                            price: r.price,
                            reasons: r.reasons,
                        })
                        .collect(),
                )
            }
            Err(e) if e.status() == 422 => {
                errors = e.fields().iter().map(|f| f.message.clone()).collect();
                fields =
                    e.fields().iter().filter_map(|f| Some(FieldError::new(f.field.strip_prefix("answers.")?, f.message.clone()))).collect();
            }
            Err(e) => return Err(site.fail(e)),
        }
    }
    let keep = if s.chosen.keep.is_empty() { p.items.clone() } else { s.chosen.keep.clone() };
    let back = format!("/p/{}/checkup/packages/{}?{}", site.code, p.code, s.selection_query(&keep, &s.chosen.add));
    let refused = !errors.is_empty();
    let page = AdvicePage {
        hospital: site.name.clone(),
        base: format!("/p/{}/checkup", site.code),
        package_code: p.code.clone(),
        package_name: p.name.clone(),
        package_sex: p.applicability.sex.is_some(),
        h5form: H5Form::new(&to_definition(&questionnaire.questions), "a.", &s.answers, &fields),
        s,
        shown,
        errors,
        back,
    };
    let mut response = site.render(page)?;
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// Adds the picked recommendations (with the items they depend on) to the selection, drops the
/// chosen items they replace, and goes back to the selection page.
async fn add(v: PatientVisit, Path((_, package)): Path<(String, String)>, RawQuery(raw): RawQuery) -> R {
    let (site, _) = checkup_site(v);
    let cat = crate::catalogue::service::load(&site.access).await.map_err(|e| site.fail(e))?;
    let Some(p) = cat.packages.get(&package).filter(|p| p.active).cloned() else { return Err(site.fail(Error::not_found("套餐"))) };
    let s = sent(raw.as_deref().unwrap_or(""));
    let mut keep: Vec<String> = if s.chosen.keep.is_empty() { p.items.clone() } else { s.chosen.keep.clone() };
    let mut add: Vec<String> = s.chosen.add.clone();
    let mut replaced = BTreeSet::new();
    for pick in s.picks.iter().filter(|c| cat.items.get(*c).is_some_and(|i| i.active)) {
        let closure = cat.closure(pick);
        for c in &closure {
            if p.items.contains(c) {
                if !keep.contains(c) {
                    keep.push(c.clone());
                }
            } else if !add.contains(c) {
                add.push(c.clone());
            }
        }
        for rule in &cat.rules {
            if let crate::catalogue::model::Rule::Exclusive(a, b) = rule {
                if closure.contains(a) {
                    replaced.insert(b.clone());
                } else if closure.contains(b) {
                    replaced.insert(a.clone());
                }
            }
        }
    }
    keep.retain(|c| !replaced.contains(c));
    add.retain(|c| !replaced.contains(c));
    let to = format!("/p/{}/checkup/packages/{}?{}", site.code, p.code, s.selection_query(&keep, &add));
    Ok(Redirect::to(&to).into_response())
}

// ---- invoice requests ----

#[derive(Template)]
#[template(path = "h5_invoice.html")]
struct InvoicePage {
    hospital: String,
    base: String,
    booking_id: i64,
    number: String,
    total: Money,
    status: String,
    /// Paid, checked in or completed.
    can_request: bool,
    requests: Vec<InvoiceRow>,
    f_kind: String,
    f_title: String,
    f_tax_number: String,
    f_email: String,
    notice: String,
    errors: Vec<String>,
}

impl InvoicePage {
    fn has_open(&self) -> bool {
        self.requests.iter().any(|r| r.status.is_open())
    }
}

#[derive(Default)]
struct InvoiceForm {
    kind: String,
    title: String,
    tax_number: String,
    email: String,
}

async fn invoice_view(site: &Site, patient: &Patient, id: i64, f: InvoiceForm, notice: &str, errors: Vec<String>) -> R {
    let requests = invoice::of_booking(&patient.access, id).await.map_err(|e| site.fail(e))?;
    let b = site.my_booking(patient, id).await.map_err(|e| site.fail(e))?;
    site.render(InvoicePage {
        hospital: site.name.clone(),
        base: format!("/p/{}/checkup", site.code),
        booking_id: id,
        number: b.booking.number.clone(),
        total: b.booking.total,
        status: b.booking.status.label_zh().to_string(),
        can_request: can_invoice(b.booking.status),
        requests,
        f_kind: if f.kind.is_empty() { "personal".into() } else { f.kind },
        f_title: if f.title.is_empty() && f.email.is_empty() { b.name.clone() } else { f.title },
        f_tax_number: f.tax_number,
        f_email: f.email,
        notice: notice.to_string(),
        errors,
    })
}

async fn invoice_page(p: PatientPage, Path((_, id)): Path<(String, i64)>, RawQuery(raw): RawQuery) -> R {
    let (site, patient) = signed_in(p);
    let done = raw.as_deref() == Some("ok=requested");
    let notice = if done { "发票申请已提交，开具后将发送到您填写的邮箱" } else { "" };
    invoice_view(&site, &patient, id, InvoiceForm::default(), notice, Vec::new()).await
}

async fn request_invoice(
    p: PatientPage,
    Path((_, id)): Path<(String, i64)>,
    axum::Form(form): axum::Form<std::collections::BTreeMap<String, String>>,
) -> R {
    let (site, patient) = signed_in(p);
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let f = InvoiceForm { kind: field("title_kind"), title: field("title"), tax_number: field("tax_number"), email: field("email") };
    let result = match TitleKind::from_code(&f.kind) {
        Some(title_kind) => {
            let draft = InvoiceDraft { title_kind, title: f.title.clone(), tax_number: f.tax_number.clone(), email: f.email.clone() };
            invoice::request(&patient.access, id, &draft).await
        }
        None => Err(Error::invalid_field("title_kind", "请选择抬头类型（个人或单位）")),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/p/{}/checkup/invoice/{id}?ok=requested", site.code)).into_response()),
        Err(e) if e.status() == 404 => Err(site.fail(e)),
        Err(e) if e.status() < 500 => {
            let mut page = invoice_view(&site, &patient, id, f, "", messages(&e)).await?;
            *page.status_mut() = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            Ok(page)
        }
        Err(e) => Err(site.fail(e)),
    }
}
