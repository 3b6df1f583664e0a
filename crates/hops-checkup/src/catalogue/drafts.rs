//! Checks of catalogue entries before they are saved (API, console and XLSX import alike):
//! every problem of an entry at once, as field errors. Pure.

use std::collections::BTreeSet;

use hops_platform::FieldError;

use super::model::{Catalogue, Item, Package, Rule};

const MAX_PRICE_FEN: i64 = 100_000_000;

/// Codes: 1–32 letters, digits, `-` or `_`.
pub fn check_code(code: &str) -> Result<(), String> {
    let ok = (1..=32).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if ok { Ok(()) } else { Err("编码须为 1–32 位字母、数字、- 或 _".into()) }
}

fn text(out: &mut Vec<FieldError>, field: &str, label: &str, value: &str, required: bool, max: usize) {
    let n = value.trim().chars().count();
    if required && n == 0 {
        out.push(FieldError::new(field, format!("请填写{label}")));
    } else if n > max {
        out.push(FieldError::new(field, format!("{label}不能超过 {max} 个字")));
    }
}

fn ages(out: &mut Vec<FieldError>, min: Option<u32>, max: Option<u32>) {
    for (field, v) in [("min_age", min), ("max_age", max)] {
        if v.is_some_and(|v| v > 120) {
            out.push(FieldError::new(field, "年龄须在 0–120 岁之间"));
        }
    }
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        out.push(FieldError::new("max_age", format!("最大年龄 {b} 小于最小年龄 {a}")));
    }
}

/// Checks an item; `resources` are the known resource codes.
pub fn check_item(i: &Item, resources: &BTreeSet<String>) -> Vec<FieldError> {
    let mut out = Vec::new();
    if let Err(e) = check_code(&i.code) {
        out.push(FieldError::new("code", e));
    }
    text(&mut out, "name", "项目名称", &i.name, true, 60);
    text(&mut out, "category", "项目类别", &i.category, true, 30);
    text(&mut out, "body_part", "身体部位", &i.body_part, true, 20);
    text(&mut out, "meaning", "检查意义", &i.meaning, false, 1000);
    text(&mut out, "target_group", "适用人群", &i.target_group, false, 200);
    text(&mut out, "preparation", "检前须知", &i.preparation, false, 500);
    if !(0..=MAX_PRICE_FEN).contains(&i.price.fen()) {
        out.push(FieldError::new("price", "价格须在 0 到 1,000,000 元之间"));
    }
    ages(&mut out, i.applicability.min_age, i.applicability.max_age);
    if let Some(r) = &i.resource
        && !resources.contains(r)
    {
        out.push(FieldError::new("resource", format!("稀缺资源 {r} 不存在，请先在资源中添加")));
    }
    out
}

/// Checks a package against the catalogue's items.
pub fn check_package(p: &Package, cat: &Catalogue) -> Vec<FieldError> {
    let mut out = Vec::new();
    if let Err(e) = check_code(&p.code) {
        out.push(FieldError::new("code", e));
    }
    text(&mut out, "name", "套餐名称", &p.name, true, 60);
    text(&mut out, "target_group", "适用人群", &p.target_group, false, 200);
    text(&mut out, "description", "套餐介绍", &p.description, false, 2000);
    if !(0..=MAX_PRICE_FEN).contains(&p.price.fen()) {
        out.push(FieldError::new("price", "价格须在 0 到 1,000,000 元之间"));
    }
    ages(&mut out, p.applicability.min_age, p.applicability.max_age);
    if p.items.is_empty() {
        out.push(FieldError::new("items", "套餐至少包含一个项目"));
    }
    let mut seen = BTreeSet::new();
    let unknown: Vec<&str> = p.items.iter().filter(|c| !cat.items.contains_key(*c)).map(String::as_str).collect();
    if !unknown.is_empty() {
        out.push(FieldError::new("items", format!("项目不存在：{}", unknown.join("、"))));
    }
    let repeated: Vec<&str> = p.items.iter().filter(|c| !seen.insert(c.as_str())).map(String::as_str).collect();
    if !repeated.is_empty() {
        out.push(FieldError::new("items", format!("项目重复：{}", repeated.join("、"))));
    }
    out
}

/// Checks a new rule against the catalogue.
pub fn check_rule(rule: &Rule, cat: &Catalogue) -> Vec<FieldError> {
    let mut out = Vec::new();
    let items = rule.items();
    for (field, code) in ["item_a", "item_b"].iter().zip(&items) {
        if !cat.items.contains_key(*code) {
            out.push(FieldError::new(*field, format!("项目 {code} 不存在")));
        }
    }
    if items.len() == 2 && items[0] == items[1] {
        out.push(FieldError::new("item_b", "两个项目不能相同"));
    }
    if let Rule::Exclusive(a, b) = rule
        && cat.rules.contains(&Rule::Exclusive(b.clone(), a.clone()))
    {
        out.push(FieldError::new("item_b", format!("{}与{}的互斥规则已存在", cat.label(a), cat.label(b))));
    }
    out
}
