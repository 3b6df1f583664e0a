//! The patient's selection page (`/p/{hospital}/checkup/packages/{package}`): the date first,
//! then the package's items folded by body part, then the add-ons that fit the package — and
//! the person, as far as the questionnaire said (`catalogue::model::Package::fits`, the rule
//! the booking refuses unfit items by) — with the questionnaire's recommendations badged and
//! explained but never ticked, and the price of what is ticked. Errors of a submitted selection
//! stand at the date and the items they concern.
//!
//! Every form of these pages is read here, within bounds: a patient page is open to anyone, and
//! a patient's session proves one phone, nothing about what it posts. Health answers travel
//! only in POST bodies (the questionnaire posts them; the selection page carries them on in
//! hidden fields of its POST form) and never in a query string or a redirect.

// Handlers answer with a page either way; `Err` is the page of a refusal, not a rare error.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use hops_kernel::{Money, Sex};
use hops_platform::patient::PatientVisit;
use hops_platform::web::FormErrors;
use hops_platform::{Error, FieldError};

use super::h5::{R, checkup_site};
use crate::advice::model::{Answers, MAX_QUESTIONS, Respondent};
use crate::advice::service::{self as advice, AdviceRequest};
use crate::catalogue::model::{BODY_PARTS, Catalogue, Item, Package, Selection, Violation, add_ons, validate};
use crate::h5::Site;

/// At most this many fields in one form, …
const MAX_FIELDS: usize = 400;
/// … this many item codes (kept and added together), …
const MAX_CODES: usize = 300;
/// … this many answers to one question, …
const MAX_ANSWERS: usize = 20;
/// … and this many characters in one name or value.
const MAX_CHARS: usize = 100;

/// The selection a form carries: package items kept, items added, the date.
#[derive(Default, Debug)]
pub(super) struct Chosen {
    pub(super) keep: Vec<String>,
    pub(super) add: Vec<String>,
    pub(super) date: String,
    /// The form lists the kept package items (`sel=1`): none kept means none. Without it and
    /// without any `keep` (a first visit) the whole package is kept.
    pub(super) listed: bool,
}

/// What a selection or questionnaire form posts: the package, the selection, and the health
/// answers with what the person said of themselves.
#[derive(Default, Debug)]
pub(super) struct Posted {
    pub(super) package: String,
    pub(super) chosen: Chosen,
    pub(super) answers: Answers,
    pub(super) sex: String,
    pub(super) age: String,
    pub(super) married: String,
    /// Sent by the questionnaire's own button: check the answers and recommend.
    pub(super) answered: bool,
    /// Carried by the selection page once the questionnaire was answered: recommend.
    pub(super) advised: bool,
}

fn too_much() -> Error {
    Error::client(413, "form_too_large", "提交的内容超出限制，请返回重新选择")
}

/// Reads a form (`application/x-www-form-urlencoded`, repeated `keep`, `add` and `a.<question>`
/// fields), refusing one beyond the bounds above.
pub(super) fn posted(body: &str) -> Result<Posted, Error> {
    let mut p = Posted::default();
    for (n, (k, v)) in url::form_urlencoded::parse(body.as_bytes()).enumerate() {
        if n >= MAX_FIELDS || k.chars().count() > MAX_CHARS || v.chars().count() > MAX_CHARS {
            return Err(too_much());
        }
        let v = v.trim().to_string();
        match &*k {
            "keep" | "add" if p.chosen.keep.len() + p.chosen.add.len() >= MAX_CODES => return Err(too_much()),
            "keep" => p.chosen.keep.push(v),
            "add" => p.chosen.add.push(v),
            "date" => p.chosen.date = v,
            "sel" => p.chosen.listed = true,
            "package" => p.package = v,
            "sex" => p.sex = v,
            "age" => p.age = v,
            "married" => p.married = v,
            "answered" => p.answered = true,
            "advised" => p.advised = true,
            _ => {
                if let Some(code) = k.strip_prefix("a.") {
                    if !p.answers.contains_key(code) && p.answers.len() >= MAX_QUESTIONS {
                        return Err(too_much());
                    }
                    let given = p.answers.entry(code.to_string()).or_default();
                    if given.len() >= MAX_ANSWERS {
                        return Err(too_much());
                    }
                    given.push(v);
                }
            }
        }
    }
    Ok(p)
}

/// The marital status as the forms say it (`yes`, `no`; anything else: not said).
pub(super) fn married(said: &str) -> Option<bool> {
    match said {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

impl Posted {
    /// What the person said of themselves (anything unclear is unknown).
    pub(super) fn respondent(&self) -> Respondent {
        Respondent {
            sex: match self.sex.as_str() {
                "M" => Some(Sex::Male),
                "F" => Some(Sex::Female),
                _ => None,
            },
            age: self.age.parse().ok().filter(|a| *a <= 120),
            married: married(&self.married),
        }
    }

    /// The selection of `package`: its items not kept are removed; added items already in it
    /// are not added again.
    pub(super) fn selection(&self, package: &Package) -> Selection {
        let c = &self.chosen;
        let remove = if c.listed || !c.keep.is_empty() {
            package.items.iter().filter(|i| !c.keep.contains(i)).cloned().collect()
        } else {
            Vec::new()
        };
        Selection { package: package.code.clone(), add: c.add.iter().filter(|a| !package.items.contains(a)).cloned().collect(), remove }
    }

    /// The selection as form fields (`package=…&sel=1&keep=…&add=…&date=…`): the booking page's
    /// hidden `query` and its link back. No health answer is ever part of it.
    pub(super) fn selection_query(&self, package: &Package) -> String {
        let sel = self.selection(package);
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        q.append_pair("package", &package.code).append_pair("sel", "1");
        for k in package.items.iter().filter(|i| !sel.remove.contains(i)) {
            q.append_pair("keep", k);
        }
        for a in &sel.add {
            q.append_pair("add", a);
        }
        q.append_pair("date", &self.chosen.date);
        q.finish()
    }

    /// The answers and what the person said, as hidden fields of the next POST form, so the
    /// recommendations survive a step without ever entering a URL.
    pub(super) fn carried(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> =
            self.answers.iter().flat_map(|(q, given)| given.iter().map(move |a| (format!("a.{q}"), a.clone()))).collect();
        for (k, v) in [("sex", &self.sex), ("age", &self.age), ("married", &self.married)] {
            if !v.is_empty() {
                out.push((k.into(), v.clone()));
            }
        }
        if self.answered || self.advised {
            out.push(("advised".into(), "1".into()));
        }
        out
    }
}

// ---- the page ----

/// An item on the selection page.
pub(super) struct Choice {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) price: Money,
    pub(super) meaning: String,
    pub(super) in_package: bool,
    pub(super) chosen: bool,
    /// Why the questionnaire recommends it (none: not recommended).
    pub(super) reasons: Vec<String>,
    /// What goes with it (items it needs, chosen items it cannot be taken with).
    pub(super) notes: Vec<String>,
    pub(super) error: String,
}

/// The items of one body part.
pub(super) struct Group {
    pub(super) part: String,
    pub(super) choices: Vec<Choice>,
}

impl Group {
    fn ticked(&self) -> usize {
        self.choices.iter().filter(|c| c.chosen).count()
    }

    fn unticked(&self) -> usize {
        self.choices.len() - self.ticked()
    }

    /// Folded unless something in it needs the patient.
    fn open(&self) -> bool {
        self.choices.iter().any(|c| !c.error.is_empty() || !c.reasons.is_empty())
    }
}

pub(super) struct Day {
    value: String,
    label: String,
    weekday: &'static str,
    left: i64,
}

#[derive(Template)]
#[template(path = "h5_package.html")]
struct PackagePage {
    hospital: String,
    base: String,
    package: Package,
    days: Vec<Day>,
    date: String,
    included: Vec<Group>,
    recommended: Vec<Choice>,
    add_ons: Vec<Group>,
    /// Whom the add-ons fit ("男性、18 岁及以上"), empty for anyone.
    who: String,
    carried: Vec<(String, String)>,
    advised: bool,
    summary: Summary,
    errors: FormErrors,
}

/// Price and problems of a selection: shown live as the patient ticks (the list), or after a
/// refused submission, whose problems stand at their items.
#[derive(Template)]
#[template(path = "h5_summary.html")]
pub(super) struct Summary {
    total: Option<Money>,
    violations: Vec<Violation>,
    at_items: bool,
}

pub(super) fn summary(cat: &Catalogue, sel: &Selection) -> Summary {
    match validate(cat, sel, None) {
        Ok(p) => Summary { total: Some(p.total), violations: Vec::new(), at_items: false },
        Err(v) => Summary { total: None, violations: v, at_items: false },
    }
}

/// Violations as field errors: at each item they name (`item.<code>`), else for the page.
pub(super) fn at_items(v: &[Violation]) -> Vec<FieldError> {
    v.iter()
        .flat_map(|v| {
            if v.items.is_empty() {
                vec![FieldError::new("", v.message.clone())]
            } else {
                v.items.iter().map(|c| FieldError::new(format!("item.{c}"), v.message.clone())).collect()
            }
        })
        .collect()
}

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

fn rank(item: &Item) -> usize {
    BODY_PARTS.iter().position(|b| *b == item.body_part).unwrap_or(BODY_PARTS.len())
}

fn grouped(choices: Vec<(usize, String, Choice)>) -> Vec<Group> {
    let mut groups: BTreeMap<usize, Group> = BTreeMap::new();
    for (rank, part, c) in choices {
        groups.entry(rank).or_insert_with(|| Group { part, choices: Vec::new() }).choices.push(c);
    }
    groups.into_values().collect()
}

/// The selection page for what was posted (or asked for in a link), with `errors` of a
/// refused submission at their fields (`date`, `item.<code>`; others for the page).
pub(super) async fn package_view(s: &Site, cat: &Catalogue, p: &Package, posted: &Posted, errors: Vec<FieldError>) -> R {
    let sel = posted.selection(p);
    let person = posted.respondent();
    // Recommendations for the package as kept, whatever was added: ticking one keeps its badge.
    let mut advised: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let mut order = Vec::new();
    if posted.answered || posted.advised {
        let questionnaire = advice::load(&s.access).await.map_err(|e| s.fail(e))?;
        let request =
            AdviceRequest { package: p.code.clone(), add: Vec::new(), remove: sel.remove.clone(), answers: posted.answers.clone(), person };
        // Answers that do not check were refused by the questionnaire; here they recommend nothing.
        for r in advice::recommend_in(cat, &questionnaire, &request).unwrap_or_default() {
            let mut notes = Vec::new();
            if !r.requires.is_empty() {
                notes.push(format!("须同时加选{}", cat.labels(&r.requires)));
            }
            if !r.replaces.is_empty() {
                notes.push(format!("与{}不能同时选择，选它时请去掉后者", cat.labels(&r.replaces)));
            }
            order.push(r.item_code.clone());
            advised.insert(r.item_code, (r.reasons, notes));
        }
    }
    let mut errors = errors;
    let choice = |i: &Item, in_package: bool, chosen: bool| {
        let (reasons, notes) = advised.get(&i.code).cloned().unwrap_or_default();
        Choice {
            code: i.code.clone(),
            name: i.name.clone(),
            price: i.price,
            meaning: i.meaning.clone(),
            in_package,
            chosen,
            reasons,
            notes,
            error: String::new(),
        }
    };
    let included: Vec<_> = p
        .items
        .iter()
        .filter_map(|c| cat.items.get(c))
        .map(|i| (rank(i), i.body_part.clone(), choice(i, true, !sel.remove.contains(&i.code))))
        .collect();
    // The add-ons that fit, and whatever fitting or not was ticked (so the total never counts
    // an item the page does not show).
    let known = person.known();
    let mut offered: Vec<&Item> = add_ons(cat, p, &known);
    for code in &sel.add {
        if let Some(i) = cat.items.get(code).filter(|i| !offered.iter().any(|o| o.code == i.code)) {
            offered.push(i);
        }
    }
    let mut recommended: Vec<Choice> = Vec::new();
    let mut others = Vec::new();
    for i in offered {
        let c = choice(i, false, sel.add.contains(&i.code));
        if c.reasons.is_empty() { others.push((rank(i), i.body_part.clone(), c)) } else { recommended.push(c) }
    }
    recommended.sort_by_key(|c| order.iter().position(|o| *o == c.code));
    others.sort_by(|a, b| (a.0, &a.2.code).cmp(&(b.0, &b.2.code)));
    let mut included = grouped(included);
    let mut add_ons = grouped(others);
    // Each item's error at the item; an item the page does not show has its error at the add-ons.
    let shown: BTreeSet<String> =
        included.iter().chain(&add_ons).flat_map(|g| &g.choices).chain(&recommended).map(|c| c.code.clone()).collect();
    for e in &mut errors {
        if let Some(code) = e.field.strip_prefix("item.")
            && !shown.contains(code)
        {
            e.field = "add".into();
        }
    }
    let errors = FormErrors::new(errors);
    for c in included.iter_mut().chain(add_ons.iter_mut()).flat_map(|g| g.choices.iter_mut()).chain(recommended.iter_mut()) {
        c.error = errors.get(&format!("item.{}", c.code));
    }
    let today = s.access.now().local_day();
    let avail =
        crate::capacity::service::availability(&s.access, today.plus_days(1), today.plus_days(30), &p.code).await.map_err(|e| s.fail(e))?;
    let days = avail
        .into_iter()
        .filter(|a| !a.closed)
        .map(|a| Day {
            value: a.day.to_string(),
            label: format!("{}月{}日", a.day.to_date().month(), a.day.to_date().day()),
            weekday: WEEKDAYS[a.day.weekday().to_monday_zero_offset() as usize],
            left: a.remaining,
        })
        .collect();
    let mut summary = summary(cat, &sel);
    summary.at_items = !errors.is_empty();
    let refused = !errors.is_empty();
    let page = PackagePage {
        hospital: s.name.clone(),
        base: format!("/p/{}/checkup", s.code),
        who: p.applicability.meet(&known).unwrap_or_else(|| p.applicability.clone()).describe(),
        package: p.clone(),
        days,
        date: posted.chosen.date.clone(),
        included,
        recommended,
        add_ons,
        carried: posted.carried(),
        advised: posted.answered || posted.advised,
        summary,
        errors,
    };
    let mut response = s.render(page)?;
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// The package on sale with this code, or the page saying it is not.
pub(super) async fn on_sale(s: &Site, package: &str) -> Result<(Arc<Catalogue>, Package), axum::response::Response> {
    let cat = crate::catalogue::service::load(&s.access).await.map_err(|e| s.fail(e))?;
    match cat.packages.get(package).filter(|p| p.active).cloned() {
        Some(p) => Ok((cat, p)),
        None => Err(s.fail(Error::not_found("套餐"))),
    }
}

/// `GET …/packages/{package}`: the selection in a link (`keep`, `add`, `date`); anything else
/// in the query — answers above all — is not read.
pub(super) async fn package_page(v: PatientVisit, Path((_, package)): Path<(String, String)>, RawQuery(raw): RawQuery) -> R {
    let (s, _) = checkup_site(v);
    let (cat, p) = on_sale(&s, &package).await?;
    let link = posted(raw.as_deref().unwrap_or("")).map_err(|e| s.fail(e))?;
    let posted = Posted { chosen: link.chosen, ..Posted::default() };
    package_view(&s, &cat, &p, &posted, Vec::new()).await
}

/// `POST …/packages/{package}/check`: the live price and problems of the form as it stands.
pub(super) async fn check(v: PatientVisit, Path((_, package)): Path<(String, String)>, body: String) -> R {
    let (s, _) = checkup_site(v);
    let (cat, p) = on_sale(&s, &package).await?;
    let form = posted(&body).map_err(|e| s.fail(e))?;
    s.render(summary(&cat, &form.selection(&p)))
}
