//! Console forms of the catalogue: create and edit an item or a package. A refused form comes
//! back with the user's input and every problem next to its field; nothing is saved then.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::Query;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_kernel::{Money, Sex};
use hops_platform::web::{Form, Method, Page, PageError, PageResult, Routes, Scope, Shell};
use hops_platform::{Error, FieldError, Permission};
use serde::Deserialize;

use crate::catalogue::drafts;
use crate::catalogue::model::{Applicability, BODY_PARTS, Catalogue, Item, Marital, Package};
use crate::catalogue::service as catalogue;

pub(super) fn render(t: impl Template) -> PageResult<Html<String>> {
    Ok(Html(t.render().map_err(|e| PageError(Error::Internal(e.into())))?))
}

pub fn routes() -> Routes {
    Routes::scoped(Scope::Hospital)
        .page(Method::Get, "/checkup/items/form", "体检项目表单", item_form)
        .page(Method::Post, "/checkup/items/form", "保存体检项目", save_item)
        .page(Method::Get, "/checkup/packages/form", "体检套餐表单", package_form)
        .page(Method::Post, "/checkup/packages/form", "保存体检套餐", save_package)
}

pub use hops_platform::web::FormErrors;

#[derive(Deserialize, Default)]
pub struct CodeQuery {
    code: Option<String>,
}

/// What the applicability fields of a form hold, as typed.
#[derive(Default, Clone)]
pub struct WhoDraft {
    /// "" | M | F
    sex: String,
    min_age: String,
    max_age: String,
    /// any | married | unmarried
    marital: String,
}

impl WhoDraft {
    fn read(&mut self, key: &str, v: String) {
        match key {
            "sex" => self.sex = v,
            "min_age" => self.min_age = v,
            "max_age" => self.max_age = v,
            "marital" => self.marital = v,
            _ => {}
        }
    }

    fn of(a: &Applicability) -> WhoDraft {
        WhoDraft {
            sex: a.sex.map_or("", Sex::code).into(),
            min_age: a.min_age.map(|n| n.to_string()).unwrap_or_default(),
            max_age: a.max_age.map(|n| n.to_string()).unwrap_or_default(),
            marital: a.marital.code().into(),
        }
    }

    fn parse(&self, fields: &mut Vec<FieldError>) -> Applicability {
        let sex = match self.sex.trim() {
            "" => None,
            s => Sex::from_code(s).or_else(|| {
                fields.push(FieldError::new("sex", "请选择性别限制"));
                None
            }),
        };
        let mut age = |field: &str, v: &str| match v.trim() {
            "" => None,
            v => v.parse::<u32>().ok().or_else(|| {
                fields.push(FieldError::new(field, "年龄须为 0–120 的整数"));
                None
            }),
        };
        let (min_age, max_age) = (age("min_age", &self.min_age), age("max_age", &self.max_age));
        let marital = Marital::from_code(&self.marital).unwrap_or_else(|| {
            fields.push(FieldError::new("marital", "请选择婚姻限制"));
            Marital::Any
        });
        Applicability { sex, min_age, max_age, marital }
    }
}

fn price(yuan: &str, fields: &mut Vec<FieldError>) -> Money {
    if yuan.trim().is_empty() {
        fields.push(FieldError::new("price", "请填写价格"));
        return Money(0);
    }
    Money::parse(yuan).unwrap_or_else(|_| {
        fields.push(FieldError::new("price", "价格应为元，最多两位小数，如 120.00"));
        Money(0)
    })
}

/// A choice of a select box.
pub struct Opt {
    value: String,
    label: String,
    selected: bool,
}

fn opts(list: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Opt> {
    list.into_iter().map(|(value, label)| Opt { selected: value == current, value, label }).collect()
}

fn who_opts(d: &WhoDraft) -> (Vec<Opt>, Vec<Opt>) {
    let sexes =
        std::iter::once((String::new(), "不限".to_string())).chain(Sex::ALL.map(|s| (s.code().into(), format!("仅{}性", s.label_zh()))));
    let marital = Marital::ALL.map(|m| (m.code().to_string(), m.label_zh().to_string()));
    (opts(sexes, &d.sex), opts(marital, if d.marital.is_empty() { "any" } else { &d.marital }))
}

// ---- items ----

/// An item form as typed.
#[derive(Default, Clone)]
pub struct ItemDraft {
    code: String,
    name: String,
    category: String,
    body_part: String,
    meaning: String,
    target_group: String,
    price: String,
    who: WhoDraft,
    preparation: String,
    resource: String,
    active: bool,
    /// The form edits an existing item.
    editing: bool,
}

impl ItemDraft {
    fn read(pairs: Vec<(String, String)>) -> ItemDraft {
        let mut d = ItemDraft::default();
        for (k, v) in pairs {
            match k.as_str() {
                "code" => d.code = v,
                "name" => d.name = v,
                "category" => d.category = v,
                "body_part" => d.body_part = v,
                "meaning" => d.meaning = v,
                "target_group" => d.target_group = v,
                "price" => d.price = v,
                "preparation" => d.preparation = v,
                "resource" => d.resource = v,
                "active" => d.active = v == "1",
                "editing" => d.editing = v == "1",
                other => d.who.read(other, v),
            }
        }
        d
    }

    fn of(i: &Item) -> ItemDraft {
        ItemDraft {
            code: i.code.clone(),
            name: i.name.clone(),
            category: i.category.clone(),
            body_part: i.body_part.clone(),
            meaning: i.meaning.clone(),
            target_group: i.target_group.clone(),
            price: i.price.to_yuan_string(),
            who: WhoDraft::of(&i.applicability),
            preparation: i.preparation.clone(),
            resource: i.resource.clone().unwrap_or_default(),
            active: i.active,
            editing: true,
        }
    }

    fn parse(&self, fields: &mut Vec<FieldError>) -> Item {
        Item {
            code: self.code.trim().to_string(),
            name: self.name.trim().to_string(),
            category: self.category.trim().to_string(),
            body_part: self.body_part.trim().to_string(),
            meaning: self.meaning.trim().to_string(),
            target_group: self.target_group.trim().to_string(),
            price: price(&self.price, fields),
            applicability: self.who.parse(fields),
            preparation: self.preparation.trim().to_string(),
            resource: Some(self.resource.trim().to_string()).filter(|r| !r.is_empty()),
            active: self.active,
        }
    }
}

#[derive(Template)]
#[template(path = "checkup_item_form.html")]
struct ItemFormPage {
    shell: Shell,
    draft: ItemDraft,
    errors: FormErrors,
    body_parts: Vec<Opt>,
    categories: Vec<String>,
    sexes: Vec<Opt>,
    maritals: Vec<Opt>,
    resources: Vec<Opt>,
}

async fn item_page(page: &Page, draft: ItemDraft, errors: FormErrors) -> PageResult<Html<String>> {
    let access = page.access();
    let cat = catalogue::catalogue(access).await?;
    let mut parts: Vec<String> = BODY_PARTS.iter().map(|s| s.to_string()).collect();
    let existing: BTreeSet<&String> = cat.items.values().map(|i| &i.body_part).collect();
    parts.extend(existing.into_iter().filter(|p| !BODY_PARTS.contains(&p.as_str())).cloned());
    let mut body_parts = opts(parts.into_iter().map(|p| (p.clone(), p)), &draft.body_part);
    body_parts.insert(0, Opt { value: String::new(), label: "请选择身体部位".into(), selected: draft.body_part.is_empty() });
    let categories: BTreeSet<String> = cat.items.values().map(|i| i.category.clone()).collect();
    let resources = std::iter::once((String::new(), "无".to_string()))
        .chain(catalogue::resources(access).await?.into_iter().map(|(c, n)| (c.clone(), format!("{n}（{c}）"))));
    let (sexes, maritals) = who_opts(&draft.who);
    let title = if draft.editing { format!("编辑体检项目 · {}", draft.code) } else { "新增体检项目".into() };
    render(ItemFormPage {
        shell: page.shell(title),
        resources: opts(resources, draft.resource.trim()),
        body_parts,
        categories: categories.into_iter().collect(),
        sexes,
        maritals,
        draft,
        errors,
    })
}

async fn item_form(page: Page, Query(q): Query<CodeQuery>) -> PageResult<Html<String>> {
    page.access().require(Permission::CheckupManage)?;
    let draft = match q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            let cat = catalogue::catalogue(page.access()).await?;
            ItemDraft::of(cat.items.get(code).ok_or_else(|| Error::not_found("体检项目"))?)
        }
        None => ItemDraft { active: true, ..ItemDraft::default() },
    };
    item_page(&page, draft, FormErrors::default()).await
}

/// A new entry may not take a code already in use (editing goes through the entry's own form).
fn code_taken(fields: &mut Vec<FieldError>, editing: bool, taken: bool, code: &str, what: &str) {
    if !editing && taken {
        fields.push(FieldError::new("code", format!("{what}编码 {code} 已存在，请在列表中编辑该{what}")));
    }
}

async fn save_item(page: Page, Form(pairs): Form<Vec<(String, String)>>) -> PageResult<Response> {
    let access = page.access();
    access.require(Permission::CheckupManage)?;
    let draft = ItemDraft::read(pairs);
    let mut fields = Vec::new();
    let item = draft.parse(&mut fields);
    let cat = catalogue::catalogue(access).await?;
    code_taken(&mut fields, draft.editing, cat.items.contains_key(&item.code), &item.code, "项目");
    let result = if fields.is_empty() {
        catalogue::save_item(access, &item).await
    } else {
        // Typing errors first; the rest of the entry is checked too, so every problem shows.
        let known: BTreeSet<String> = catalogue::resources(access).await?.into_iter().map(|(c, _)| c).collect();
        let more: Vec<FieldError> = drafts::check_item(&item, &known).into_iter().filter(|e| !fields_has(&fields, &e.field)).collect();
        fields.extend(more);
        Err(Error::invalid(fields))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/checkup/items?ok=item_saved").into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, item_page(&page, draft, errors).await?).into_response())
        }
    }
}

fn fields_has(fields: &[FieldError], field: &str) -> bool {
    fields.iter().any(|f| f.field == field)
}

// ---- packages ----

/// A package form as typed; `items` are the checked item codes, in form order.
#[derive(Default, Clone)]
pub struct PackageDraft {
    code: String,
    name: String,
    target_group: String,
    description: String,
    price: String,
    who: WhoDraft,
    items: Vec<String>,
    special_pool: bool,
    active: bool,
    editing: bool,
}

impl PackageDraft {
    fn of(p: &Package) -> PackageDraft {
        PackageDraft {
            code: p.code.clone(),
            name: p.name.clone(),
            target_group: p.target_group.clone(),
            description: p.description.clone(),
            price: p.price.to_yuan_string(),
            who: WhoDraft::of(&p.applicability),
            items: p.items.clone(),
            special_pool: p.special_pool,
            active: p.active,
            editing: true,
        }
    }

    /// Reads the form's fields (the item checkboxes repeat `items`).
    fn read(pairs: Vec<(String, String)>) -> PackageDraft {
        let mut d = PackageDraft::default();
        for (k, v) in pairs {
            match k.as_str() {
                "code" => d.code = v,
                "name" => d.name = v,
                "target_group" => d.target_group = v,
                "description" => d.description = v,
                "price" => d.price = v,
                "items" => d.items.push(v),
                "special_pool" => d.special_pool = v == "1",
                "active" => d.active = v == "1",
                "editing" => d.editing = v == "1",
                other => d.who.read(other, v),
            }
        }
        d
    }

    /// The package; its items keep the order they had in `before` (the package as saved), new
    /// ones follow in form order.
    fn parse(&self, before: Option<&Package>, fields: &mut Vec<FieldError>) -> Package {
        let checked: Vec<String> = self.items.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
        let mut items: Vec<String> = before.map(|p| p.items.iter().filter(|c| checked.contains(c)).cloned().collect()).unwrap_or_default();
        for c in checked {
            if !items.contains(&c) {
                items.push(c);
            }
        }
        Package {
            code: self.code.trim().to_string(),
            name: self.name.trim().to_string(),
            target_group: self.target_group.trim().to_string(),
            description: self.description.trim().to_string(),
            price: price(&self.price, fields),
            applicability: self.who.parse(fields),
            items,
            special_pool: self.special_pool,
            active: self.active,
        }
    }
}

/// An item checkbox of the package form.
pub struct ItemChoice {
    code: String,
    name: String,
    price: Money,
    who: String,
    checked: bool,
    active: bool,
}

#[derive(Template)]
#[template(path = "checkup_package_form.html")]
struct PackageFormPage {
    shell: Shell,
    draft: PackageDraft,
    errors: FormErrors,
    sexes: Vec<Opt>,
    maritals: Vec<Opt>,
    groups: Vec<(String, Vec<ItemChoice>)>,
    /// Sum of the checked items' list prices.
    list_price: Money,
}

fn item_groups(cat: &Catalogue, checked: &[String]) -> Vec<(String, Vec<ItemChoice>)> {
    let mut groups: BTreeMap<usize, (String, Vec<ItemChoice>)> = BTreeMap::new();
    for item in cat.items.values() {
        let rank = BODY_PARTS.iter().position(|b| *b == item.body_part).unwrap_or(BODY_PARTS.len());
        groups.entry(rank).or_insert_with(|| (item.body_part.clone(), Vec::new())).1.push(ItemChoice {
            code: item.code.clone(),
            name: item.name.clone(),
            price: item.price,
            who: item.applicability.describe(),
            checked: checked.contains(&item.code),
            active: item.active,
        });
    }
    groups.into_values().collect()
}

async fn package_page(page: &Page, draft: PackageDraft, errors: FormErrors) -> PageResult<Html<String>> {
    let cat = catalogue::catalogue(page.access()).await?;
    let (sexes, maritals) = who_opts(&draft.who);
    let title = if draft.editing { format!("编辑体检套餐 · {}", draft.code) } else { "新增体检套餐".into() };
    render(PackageFormPage {
        shell: page.shell(title),
        groups: item_groups(&cat, &draft.items),
        list_price: draft.items.iter().filter_map(|c| cat.items.get(c)).map(|i| i.price).sum(),
        sexes,
        maritals,
        draft,
        errors,
    })
}

async fn package_form(page: Page, Query(q): Query<CodeQuery>) -> PageResult<Html<String>> {
    page.access().require(Permission::CheckupManage)?;
    let draft = match q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            let cat = catalogue::catalogue(page.access()).await?;
            PackageDraft::of(cat.packages.get(code).ok_or_else(|| Error::not_found("体检套餐"))?)
        }
        None => PackageDraft { active: true, ..PackageDraft::default() },
    };
    package_page(&page, draft, FormErrors::default()).await
}

async fn save_package(page: Page, Form(pairs): Form<Vec<(String, String)>>) -> PageResult<Response> {
    let access = page.access();
    access.require(Permission::CheckupManage)?;
    let draft = PackageDraft::read(pairs);
    let cat = catalogue::catalogue(access).await?;
    let mut fields = Vec::new();
    let before = cat.packages.get(draft.code.trim());
    let package = draft.parse(before, &mut fields);
    code_taken(&mut fields, draft.editing, before.is_some(), &package.code, "套餐");
    let result = if fields.is_empty() {
        catalogue::save_package(access, &package).await
    } else {
        let more: Vec<FieldError> = drafts::check_package(&package, &cat).into_iter().filter(|e| !fields_has(&fields, &e.field)).collect();
        fields.extend(more);
        Err(Error::invalid(fields))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/checkup/packages?ok=package_saved").into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, package_page(&page, draft, errors).await?).into_response())
        }
    }
}
