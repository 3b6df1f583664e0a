//! Patient H5 pages of the questionnaire and of invoice requests: from the selection page, a
//! short questionnaire whose answers — posted, never in a URL — bring the patient back to the
//! selection page with the recommended add-ons badged and explained, for them to tick; from my
//! orders, an invoice request for one's own paid booking. Plain forms that work without script.

// Handlers answer with a page either way; `Err` is the page of a refusal, not a rare error.
#![allow(clippy::result_large_err)]

use askama::Template;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use hops_kernel::Money;
use hops_platform::forms::web::H5Form;
use hops_platform::patient::web::{messages, with_status};
use hops_platform::patient::{PatientPage, PatientVisit};
use hops_platform::web::{FormErrors, Method, Routes, Scope};
use hops_platform::{Error, FieldError};

use super::h5::{R, checkup_site, signed_in};
use super::h5_select::{Posted, on_sale, package_view, posted};
use crate::advice::model::{check_answers, to_definition};
use crate::advice::service as advice;
use crate::catalogue::model::Package;
use crate::h5::{Patient, Site};
use crate::invoice::model::{InvoiceDraft, TitleKind, can_invoice};
use crate::invoice::service as invoice;
use crate::invoice::store::InvoiceRow;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Visitor)
        .public(Method::Get, "/p/{hospital_code}/checkup/packages/{package}/advice", "体检预约（患者端）：健康问卷", advice_page)
        .public(
            Method::Post,
            "/p/{hospital_code}/checkup/packages/{package}/advice",
            "体检预约（患者端）：提交健康问卷，查看加项推荐",
            advise,
        )
        .public(Method::Get, "/p/{hospital_code}/checkup/invoice/{booking}", "体检预约（患者端）：发票申请", invoice_page)
        .public(Method::Post, "/p/{hospital_code}/checkup/invoice/{booking}", "体检预约（患者端）：提交发票申请", request_invoice)
}

// ---- questionnaire ----

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
    s: Posted,
    /// The selection's package items kept (all of them on a first visit).
    keep: Vec<String>,
    errors: FormErrors,
    back: String,
}

/// The questionnaire for a selection, filled in as `s` says, with `errors` at their questions
/// (`answers.<code>`) and fields (`age`).
async fn questionnaire_view(site: &Site, p: &Package, s: Posted, errors: Vec<FieldError>) -> R {
    let questionnaire = advice::load(&site.access).await.map_err(|e| site.fail(e))?;
    let at_questions: Vec<FieldError> =
        errors.iter().filter_map(|f| Some(FieldError::new(f.field.strip_prefix("answers.")?, f.message.clone()))).collect();
    let removed = s.selection(p).remove;
    let keep = p.items.iter().filter(|i| !removed.contains(i)).cloned().collect();
    let refused = !errors.is_empty();
    let page = AdvicePage {
        hospital: site.name.clone(),
        base: format!("/p/{}/checkup", site.code),
        package_code: p.code.clone(),
        package_name: p.name.clone(),
        package_sex: p.applicability.sex.is_some(),
        h5form: H5Form::new(&to_definition(&questionnaire.questions), "a.", &s.answers, &at_questions),
        back: format!("/p/{}/checkup/packages/{}?{}", site.code, p.code, s.selection_query(p)),
        keep,
        s,
        errors: FormErrors::new(errors),
    };
    Ok(with_status(if refused { 422 } else { 200 }, site.render(page)?))
}

/// `GET …/advice`: the questionnaire for the selection in a link. Answers are never read from
/// a query string.
async fn advice_page(v: PatientVisit, Path((_, package)): Path<(String, String)>, RawQuery(raw): RawQuery) -> R {
    let (site, _) = checkup_site(v);
    let (_, p) = on_sale(&site, &package).await?;
    let link = posted(raw.as_deref().unwrap_or("")).map_err(|e| site.fail(e))?;
    questionnaire_view(&site, &p, Posted { chosen: link.chosen, ..Posted::default() }, Vec::new()).await
}

/// `POST …/advice`: from the selection page, the questionnaire (filled in as answered before);
/// from the questionnaire itself (`answered`), the answers checked — refused at their
/// questions — and then the selection page with the recommendations, none of them ticked.
async fn advise(v: PatientVisit, Path((_, package)): Path<(String, String)>, body: String) -> R {
    let (site, _) = checkup_site(v);
    let (cat, p) = on_sale(&site, &package).await?;
    let s = posted(&body).map_err(|e| site.fail(e))?;
    if !s.answered {
        return questionnaire_view(&site, &p, s, Vec::new()).await;
    }
    let questionnaire = advice::load(&site.access).await.map_err(|e| site.fail(e))?;
    let mut errors = check_answers(&questionnaire.questions, &s.answers);
    if !s.age.is_empty() && s.respondent().age.is_none() {
        errors.push(FieldError::new("age", "年龄须为 0–120 之间的整数，也可不填"));
    }
    if !errors.is_empty() {
        return questionnaire_view(&site, &p, s, errors).await;
    }
    package_view(&site, &cat, &p, &s, Vec::new()).await
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
