//! The whole catalogue as one XLSX workbook (体检目录导入导出): sheets 项目, 套餐, 规则 and 资源,
//! headers `中文名（key）`. Export is audited; import checks every row of every sheet against
//! the catalogue as it would be afterwards and then writes everything in one transaction, or
//! nothing and every problem with its sheet, row and column. Columns: `docs/checkup.md`.

use std::collections::{BTreeMap, BTreeSet};

use hops_kernel::{Money, MoneyError, Sex};
use hops_platform::tabular::{self, Column, Table, cell};
use hops_platform::{Access, FieldError, Permission, Result};

use super::drafts;
use super::model::{Applicability, Catalogue, Item, Marital, Package, Rule};
use super::store;

pub const ITEMS: &str = "项目";
pub const PACKAGES: &str = "套餐";
pub const RULES: &str = "规则";
pub const RESOURCES: &str = "资源";

const fn col(key: &'static str, label: &'static str, required: bool, note: &'static str) -> Column {
    Column { key, label, required, note, example: "" }
}

pub const ITEM_COLUMNS: &[Column] = &[
    col("code", "项目编码", true, "唯一，1–32 位字母、数字、- 或 _；已有的项目按编码更新"),
    col("name", "项目名称", true, "不超过 60 字"),
    col("category", "项目类别", true, "如 检验、影像、妇科；不超过 30 字"),
    col("body_part", "身体部位", true, "一般检查、头颈、胸部、腹部、盆腔、血液、心血管、骨骼、内分泌、其他"),
    col("price", "价格", true, "元，两位小数，如 120.00"),
    col("sex", "性别限制", false, "男 或 女；留空为不限"),
    col("min_age", "最小年龄", false, "0–120 的整数；留空为不限"),
    col("max_age", "最大年龄", false, "0–120 的整数；留空为不限"),
    col("marital", "婚姻限制", false, "不限、已婚 或 未婚；留空为不限"),
    col("resource", "稀缺资源", false, "资源编码（见「资源」表）；留空为无"),
    col("active", "启用", false, "是 或 否；留空为 是"),
    col("meaning", "检查意义", false, "不超过 1000 字"),
    col("target_group", "适用人群", false, "不超过 200 字"),
    col("preparation", "检前须知", false, "如 空腹；不超过 500 字"),
];

pub const PACKAGE_COLUMNS: &[Column] = &[
    col("code", "套餐编码", true, "唯一，1–32 位字母、数字、- 或 _；已有的套餐按编码更新"),
    col("name", "套餐名称", true, "不超过 60 字"),
    col("price", "价格", true, "元，两位小数"),
    col("items", "包含项目", true, "项目编码，以 | 分隔，如 BLOOD|LIVER"),
    col("sex", "性别限制", false, "男 或 女；留空为不限"),
    col("min_age", "最小年龄", false, "0–120 的整数；留空为不限"),
    col("max_age", "最大年龄", false, "0–120 的整数；留空为不限"),
    col("marital", "婚姻限制", false, "不限、已婚 或 未婚；留空为不限"),
    col("special_pool", "单独号源", false, "是 或 否（特殊套餐单独设置号源）；留空为 否"),
    col("active", "上架", false, "是 或 否；留空为 是"),
    col("target_group", "适用人群", false, "不超过 200 字"),
    col("description", "套餐介绍", false, "不超过 2000 字"),
];

pub const RULE_COLUMNS: &[Column] = &[
    col("kind", "规则类型", true, "互斥、依赖 或 必检"),
    col("item_a", "项目A", true, "项目编码"),
    col("item_b", "项目B", false, "项目编码：互斥、依赖须填（依赖：选 A 须同时选 B）；必检留空"),
    col("note", "备注", false, "不超过 200 字"),
];

pub const RESOURCE_COLUMNS: &[Column] =
    &[col("code", "资源编码", true, "唯一，1–32 位字母、数字、- 或 _"), col("name", "资源名称", true, "如 胃肠镜、核磁共振；不超过 30 字")];

/// The sheets of the workbook, in order, with their columns.
pub const SHEETS: [(&str, &[Column]); 4] =
    [(ITEMS, ITEM_COLUMNS), (PACKAGES, PACKAGE_COLUMNS), (RULES, RULE_COLUMNS), (RESOURCES, RESOURCE_COLUMNS)];

/// One problem of an import: sheet, spreadsheet row (headers are row 1), column, message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub sheet: String,
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "「{}」第 {} 行", self.sheet, self.row)?;
        if !self.column.is_empty() {
            write!(f, " {}", self.column)?;
        }
        write!(f, "：{}", self.message)
    }
}

/// What an import did (or would have done) to one kind of entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub added: usize,
    pub updated: usize,
    /// In the file and already in the catalogue exactly so.
    pub unchanged: usize,
}

impl Counts {
    fn count<T: PartialEq>(&mut self, before: Option<&T>, after: &T) -> bool {
        match before {
            None => self.added += 1,
            Some(b) if b == after => {
                self.unchanged += 1;
                return false;
            }
            Some(_) => self.updated += 1,
        }
        true
    }

    fn describe(&self, label: &str) -> String {
        format!("{label}新增 {}、更新 {}、未变 {}", self.added, self.updated, self.unchanged)
    }
}

/// The outcome of an import: written whole (`committed`), or nothing and every problem.
#[derive(Clone, Debug, Default)]
pub struct ImportSummary {
    pub committed: bool,
    pub items: Counts,
    pub packages: Counts,
    /// Rules are only added; `unchanged` counts those already present.
    pub rules: Counts,
    pub resources: Counts,
    pub problems: Vec<Problem>,
}

impl ImportSummary {
    /// "项目新增 3、更新 1、未变 0；套餐…"
    pub fn describe(&self) -> String {
        [self.items.describe("项目"), self.packages.describe("套餐"), self.rules.describe("规则"), self.resources.describe("资源")]
            .join("；")
    }
}

/// The catalogue as a workbook. Audited as an export.
pub async fn export(access: &Access) -> Result<Vec<u8>> {
    access.require(Permission::CheckupRead)?;
    let (cat, rules, resources) = {
        let mut c = access.tenant().read().await?;
        (store::catalogue(&mut c).await?, store::rules(&mut c).await?, store::resources(&mut c).await?)
    };
    let sheets = workbook(&cat, &rules, &resources);
    let bytes = tabular::write_workbook(&sheets)?;
    let detail = format!(
        "导出体检目录：项目 {} 个、套餐 {} 个、规则 {} 条、资源 {} 个",
        cat.items.len(),
        cat.packages.len(),
        rules.len(),
        resources.len()
    );
    access.audit_read("export", "checkup_catalogue", &detail).await?;
    Ok(bytes)
}

fn headers(columns: &[Column]) -> Vec<String> {
    columns.iter().map(Column::header).collect()
}

fn yes_no(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

fn age_text(a: Option<u32>) -> String {
    a.map(|a| a.to_string()).unwrap_or_default()
}

/// Sex, min age, max age, marital as cells.
fn applicability_cells(a: &Applicability) -> [String; 4] {
    [a.sex.map(|s| s.label_zh().to_string()).unwrap_or_default(), age_text(a.min_age), age_text(a.max_age), a.marital.label_zh().into()]
}

/// The sheets of the workbook (pure): what [`export`] writes and [`import`] reads.
pub fn workbook(cat: &Catalogue, rules: &[(i64, Rule, String)], resources: &[(String, String)]) -> Vec<(&'static str, Table)> {
    let items = cat
        .items
        .values()
        .map(|i| {
            let mut row = vec![i.code.clone(), i.name.clone(), i.category.clone(), i.body_part.clone(), i.price.to_yuan_string()];
            row.extend(applicability_cells(&i.applicability));
            row.extend([
                i.resource.clone().unwrap_or_default(),
                yes_no(i.active),
                i.meaning.clone(),
                i.target_group.clone(),
                i.preparation.clone(),
            ]);
            row
        })
        .collect();
    let packages = cat
        .packages
        .values()
        .map(|p| {
            let mut row = vec![p.code.clone(), p.name.clone(), p.price.to_yuan_string(), p.items.join("|")];
            row.extend(applicability_cells(&p.applicability));
            row.extend([yes_no(p.special_pool), yes_no(p.active), p.target_group.clone(), p.description.clone()]);
            row
        })
        .collect();
    let rules = rules
        .iter()
        .map(|(_, r, note)| {
            let items = r.items();
            vec![r.kind_label().into(), items[0].to_string(), items.get(1).map(|b| b.to_string()).unwrap_or_default(), note.clone()]
        })
        .collect();
    let resources = resources.iter().map(|(c, n)| vec![c.clone(), n.clone()]).collect();
    let table = |columns: &[Column], rows| Table { headers: headers(columns), rows };
    vec![
        (ITEMS, table(ITEM_COLUMNS, items)),
        (PACKAGES, table(PACKAGE_COLUMNS, packages)),
        (RULES, table(RULE_COLUMNS, rules)),
        (RESOURCES, table(RESOURCE_COLUMNS, resources)),
    ]
}

/// Reads a workbook like [`export`]'s and imports it whole or not at all: items and packages
/// are added or updated by code, resources likewise, rules added unless present. Nothing is
/// deleted. Problems of the file itself (not an Excel workbook) are errors; problems of its
/// rows come back in the summary with `committed` false.
pub async fn import(access: &Access, bytes: &[u8], filename: &str) -> Result<ImportSummary> {
    access.require(Permission::CheckupManage)?;
    let book = tabular::read_workbook(bytes, filename).await?;
    let mut tx = access.tenant().write().await?;
    let cat = store::catalogue(&mut tx).await?;
    let resources = store::resources(&mut tx).await?;
    let plan = plan(&cat, &resources, &book);
    let mut summary = plan.summary;
    if !summary.problems.is_empty() {
        return Ok(summary);
    }
    // An active package the workbook would keep from being sold refuses the workbook.
    let mut after = cat.clone();
    after.items.extend(plan.items.iter().map(|i| (i.code.clone(), i.clone())));
    after.packages.extend(plan.packages.iter().map(|p| (p.code.clone(), p.clone())));
    after.rules.extend(plan.rules.iter().map(|(r, _)| r.clone()));
    for (code, why) in super::audit::newly_blocked(&cat, &after) {
        summary.problems.push(Problem {
            sheet: PACKAGES.into(),
            // A package the workbook does not list is blocked by its items or rules.
            row: plan.package_rows.get(&code).copied().unwrap_or(0),
            column: String::new(),
            message: format!(
                "套餐「{}」（{code}）导入后无法预约：{}。请调整，或将其状态设为停用",
                after.packages[&code].name,
                why.join("；")
            ),
        });
    }
    if !summary.problems.is_empty() {
        return Ok(summary);
    }
    let now = access.now();
    for (code, name) in &plan.resources {
        store::upsert_resource(&mut tx, code, name).await?;
    }
    for item in &plan.items {
        store::upsert_item(&mut tx, item, now).await?;
    }
    for package in &plan.packages {
        store::upsert_package(&mut tx, package, now).await?;
    }
    let ids = tx.next_ids(access.engine(), plan.rules.len()).await?;
    for ((rule, note), id) in plan.rules.iter().zip(ids) {
        store::insert_rule(&mut tx, id, rule, note).await?;
    }
    access.audit(&mut tx, "checkup.catalogue.import", "checkup_catalogue", &format!("导入体检目录：{}", summary.describe())).await?;
    tx.commit().await?;
    summary.committed = true;
    Ok(summary)
}

/// What an import writes: entries new or changed, and what it found.
#[derive(Default)]
struct Plan {
    resources: Vec<(String, String)>,
    items: Vec<Item>,
    packages: Vec<Package>,
    rules: Vec<(Rule, String)>,
    /// The spreadsheet row of each package, by code.
    package_rows: std::collections::BTreeMap<String, usize>,
    summary: ImportSummary,
}

fn label(columns: &[Column], key: &str) -> String {
    columns.iter().find(|c| c.key == key).map_or_else(|| key.to_string(), |c| c.label.to_string())
}

/// A sheet's non-blank data rows with their spreadsheet row numbers, and where its columns are.
type Rows<'a> = (Vec<(usize, &'a [String])>, Vec<Option<usize>>);

/// The rows of a sheet; none when the sheet is absent or its header row is wrong (then with
/// problems).
fn rows<'a>(book: &'a [(String, Table)], sheet: &'static str, columns: &'static [Column], problems: &mut Vec<Problem>) -> Rows<'a> {
    let Some((_, table)) = book.iter().find(|(name, _)| name.trim() == sheet) else { return Default::default() };
    match table.locate(columns) {
        Ok(idx) => {
            let rows = table.rows.iter().enumerate().filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
            (rows.map(|(i, r)| (i + 2, r.as_slice())).collect(), idx)
        }
        Err(errors) => {
            problems.extend(errors.into_iter().map(|e| Problem { sheet: sheet.into(), row: e.row, column: e.column, message: e.message }));
            Default::default()
        }
    }
}

/// One row being read, collecting its problems.
struct Cells<'a> {
    sheet: &'static str,
    columns: &'static [Column],
    idx: &'a [Option<usize>],
    row: usize,
    cells: &'a [String],
    problems: Vec<Problem>,
}

impl<'a> Cells<'a> {
    fn new(sheet: &'static str, columns: &'static [Column], idx: &'a [Option<usize>], (row, cells): (usize, &'a [String])) -> Self {
        Cells { sheet, columns, idx, row, cells, problems: Vec::new() }
    }

    fn text(&self, key: &str) -> String {
        let i = self.columns.iter().position(|c| c.key == key).expect("known column");
        cell(self.cells, self.idx[i]).trim().to_string()
    }

    fn err(&mut self, key: &str, message: impl Into<String>) {
        let column = label(self.columns, key);
        self.problems.push(Problem { sheet: self.sheet.into(), row: self.row, column, message: message.into() });
    }

    fn fields(&mut self, errors: Vec<FieldError>) {
        for e in errors {
            self.err(&e.field, e.message);
        }
    }

    /// Yuan as text; a number cell with float noise (0.30000000000000004) is rounded to the fen.
    fn money(&mut self, key: &str) -> Money {
        let text = self.text(key);
        let parsed = match Money::parse(&text) {
            Err(e @ MoneyError::TooManyDecimals(_)) => text.parse::<f64>().map_or(Err(e), Money::from_yuan_f64),
            other => other,
        };
        parsed.unwrap_or_else(|e| {
            self.err(key, e.to_string());
            Money(0)
        })
    }

    fn age(&mut self, key: &str) -> Option<u32> {
        let text = self.text(key);
        if text.is_empty() {
            return None;
        }
        text.parse().map_err(|_| self.err(key, "年龄应为 0–120 的整数")).ok()
    }

    fn flag(&mut self, key: &str, default: bool) -> bool {
        match self.text(key).to_lowercase().as_str() {
            "" => default,
            "是" | "y" | "yes" | "true" | "1" => true,
            "否" | "n" | "no" | "false" | "0" => false,
            _ => {
                self.err(key, "应为 是 或 否");
                default
            }
        }
    }

    fn applicability(&mut self) -> Applicability {
        let sex = match self.text("sex").as_str() {
            "" | "不限" => None,
            "男" => Some(Sex::Male),
            "女" => Some(Sex::Female),
            s => Sex::from_code(s).or_else(|| {
                self.err("sex", "性别限制应为 男、女 或留空");
                None
            }),
        };
        let (min_age, max_age) = (self.age("min_age"), self.age("max_age"));
        let marital = Marital::from_code(&self.text("marital")).unwrap_or_else(|| {
            self.err("marital", "婚姻限制应为 不限、已婚 或 未婚");
            Marital::Any
        });
        Applicability { sex, min_age, max_age, marital }
    }
}

/// Reads every sheet and checks every row against the catalogue as it would be after the
/// import (pure). The plan is written only when `summary.problems` is empty.
fn plan(cat: &Catalogue, resources: &[(String, String)], book: &[(String, Table)]) -> Plan {
    let mut plan = Plan::default();
    let mut problems = Vec::new();
    if !SHEETS.iter().any(|(s, _)| book.iter().any(|(name, _)| name.trim() == *s)) {
        problems.push(Problem {
            sheet: book.first().map(|(n, _)| n.clone()).unwrap_or_default(),
            row: 1,
            column: String::new(),
            message: "工作簿中没有「项目」「套餐」「规则」「资源」工作表（请以导出的目录文件为模板）".into(),
        });
        plan.summary.problems = problems;
        return plan;
    }
    let (item_rows, item_idx) = rows(book, ITEMS, ITEM_COLUMNS, &mut problems);
    let (package_rows, package_idx) = rows(book, PACKAGES, PACKAGE_COLUMNS, &mut problems);
    let (rule_rows, rule_idx) = rows(book, RULES, RULE_COLUMNS, &mut problems);
    let (resource_rows, resource_idx) = rows(book, RESOURCES, RESOURCE_COLUMNS, &mut problems);
    if item_rows.len() + package_rows.len() + rule_rows.len() + resource_rows.len() == 0 && problems.is_empty() {
        let sheet = SHEETS.iter().find(|(s, _)| book.iter().any(|(n, _)| n.trim() == *s)).map_or(ITEMS, |(s, _)| s);
        problems.push(Problem { sheet: sheet.into(), row: 2, column: String::new(), message: "文件中没有数据行".into() });
    }

    // Resources first: items refer to them.
    let mut known: BTreeMap<String, String> = resources.iter().cloned().collect();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for &r in &resource_rows {
        let mut c = Cells::new(RESOURCES, RESOURCE_COLUMNS, &resource_idx, r);
        let (code, name) = (c.text("code"), c.text("name"));
        if let Err(e) = drafts::check_code(&code) {
            c.err("code", e);
        }
        if name.is_empty() || name.chars().count() > 30 {
            c.err("name", "请填写资源名称（不超过 30 个字）");
        }
        if let Some(first) = seen.get(&code) {
            c.err("code", format!("文件中资源编码 {code} 重复（见第 {first} 行）"));
        } else if !code.is_empty() {
            seen.insert(code.clone(), c.row);
            if plan.summary.resources.count(known.get(&code), &name) {
                plan.resources.push((code.clone(), name.clone()));
            }
            known.insert(code, name);
        }
        problems.append(&mut c.problems);
    }
    let known: BTreeSet<String> = known.into_keys().collect();

    // Items, then packages, each checked against the catalogue after the import.
    let mut after = cat.clone();
    let mut parsed = Vec::new();
    seen.clear();
    for &r in &item_rows {
        let mut c = Cells::new(ITEMS, ITEM_COLUMNS, &item_idx, r);
        let item = Item {
            code: c.text("code"),
            name: c.text("name"),
            category: c.text("category"),
            body_part: c.text("body_part"),
            meaning: c.text("meaning"),
            target_group: c.text("target_group"),
            price: c.money("price"),
            applicability: c.applicability(),
            preparation: c.text("preparation"),
            resource: Some(c.text("resource")).filter(|r| !r.is_empty()),
            active: c.flag("active", true),
        };
        if let Some(first) = seen.get(&item.code) {
            c.err("code", format!("文件中项目编码 {} 重复（见第 {first} 行）", item.code));
            problems.append(&mut c.problems);
            continue;
        }
        if !item.code.is_empty() {
            seen.insert(item.code.clone(), c.row);
            after.items.insert(item.code.clone(), item.clone());
        }
        parsed.push((c, item));
    }
    for (mut c, item) in parsed {
        c.fields(drafts::check_item(&item, &known));
        problems.append(&mut c.problems);
        if plan.summary.items.count(cat.items.get(&item.code), &item) {
            plan.items.push(item);
        }
    }
    let mut parsed = Vec::new();
    seen.clear();
    for &r in &package_rows {
        let mut c = Cells::new(PACKAGES, PACKAGE_COLUMNS, &package_idx, r);
        let items = c.text("items").split(['|', '｜']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        let package = Package {
            code: c.text("code"),
            name: c.text("name"),
            target_group: c.text("target_group"),
            description: c.text("description"),
            price: c.money("price"),
            applicability: c.applicability(),
            items,
            special_pool: c.flag("special_pool", false),
            active: c.flag("active", true),
        };
        if let Some(first) = seen.get(&package.code) {
            c.err("code", format!("文件中套餐编码 {} 重复（见第 {first} 行）", package.code));
            problems.append(&mut c.problems);
            continue;
        }
        if !package.code.is_empty() {
            seen.insert(package.code.clone(), c.row);
            plan.package_rows.insert(package.code.clone(), c.row);
            after.packages.insert(package.code.clone(), package.clone());
        }
        parsed.push((c, package));
    }
    for (mut c, package) in parsed {
        c.fields(drafts::check_package(&package, &after));
        problems.append(&mut c.problems);
        if plan.summary.packages.count(cat.packages.get(&package.code), &package) {
            plan.packages.push(package);
        }
    }

    // Rules: added unless present (an exclusion in either order is the same rule).
    let key = |r: &Rule| match r {
        Rule::Exclusive(a, b) if b < a => Rule::Exclusive(b.clone(), a.clone()),
        r => r.clone(),
    };
    let present: BTreeSet<Rule> = cat.rules.iter().map(key).collect();
    let mut seen: BTreeMap<Rule, usize> = BTreeMap::new();
    for &r in &rule_rows {
        let mut c = Cells::new(RULES, RULE_COLUMNS, &rule_idx, r);
        if let Some((rule, note)) = rule_of(&mut c) {
            let k = key(&rule);
            if let Some(first) = seen.get(&k) {
                c.err("kind", format!("与第 {first} 行的规则重复"));
            } else if present.contains(&k) {
                seen.insert(k, c.row);
                plan.summary.rules.unchanged += 1;
            } else {
                seen.insert(k, c.row);
                let errors = drafts::check_rule(&rule, &after);
                if errors.is_empty() {
                    plan.summary.rules.added += 1;
                    plan.rules.push((rule, note));
                }
                c.fields(errors);
            }
        }
        problems.append(&mut c.problems);
    }
    // In sheet order (rows in order within a sheet), whatever order they were found in.
    problems.sort_by_key(|p| (SHEETS.iter().position(|(s, _)| *s == p.sheet), p.row));
    plan.summary.problems = problems;
    plan
}

/// A rule row's rule and note, or `None` with the row's problems.
fn rule_of(c: &mut Cells<'_>) -> Option<(Rule, String)> {
    let (kind, a, b, note) = (c.text("kind"), c.text("item_a"), c.text("item_b"), c.text("note"));
    let pair = match kind.as_str() {
        "互斥" | "exclusive" | "依赖" | "requires" => true,
        "必检" | "required" => false,
        "" => {
            c.err("kind", "请填写规则类型（互斥、依赖 或 必检）");
            return None;
        }
        _ => {
            c.err("kind", format!("规则类型 {kind} 无效，应为 互斥、依赖 或 必检"));
            return None;
        }
    };
    let before = c.problems.len();
    if a.is_empty() {
        c.err("item_a", "请填写项目A");
    }
    match (pair, b.is_empty()) {
        (true, true) => c.err("item_b", format!("{kind}规则须填写项目B")),
        (false, false) => c.err("item_b", "必检规则只填项目A，项目B 须留空"),
        _ => {}
    }
    if note.chars().count() > 200 {
        c.err("note", "备注不能超过 200 个字");
    }
    if c.problems.len() > before {
        return None;
    }
    Rule::from_parts(&kind, &a, Some(&b)).map(|r| (r, note))
}

#[cfg(test)]
#[path = "transfer_tests.rs"]
mod tests;
