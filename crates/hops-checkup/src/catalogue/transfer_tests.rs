//! The catalogue workbook without a database: what an export writes reads back as the same
//! catalogue, and a bad file is refused whole with every problem named.

// Prices are written yuan_fen (200_00 is ¥200.00).
#![allow(clippy::inconsistent_digit_grouping)]

use hops_kernel::{Money, Sex};
use hops_platform::tabular::{self, Table};

use super::*;

fn item(code: &str, fen: i64) -> Item {
    Item {
        code: code.into(),
        name: format!("项目{code}"),
        category: "检验".into(),
        body_part: "血液".into(),
        meaning: "多行\n说明".into(),
        target_group: String::new(),
        price: Money(fen),
        applicability: Applicability::anyone(),
        preparation: String::new(),
        resource: None,
        active: true,
    }
}

/// A catalogue, its rules with ids and notes, its resources.
type Sample = (Catalogue, Vec<(i64, Rule, String)>, Vec<(String, String)>);

fn sample() -> Sample {
    let mut cat = Catalogue::default();
    let tct = Item {
        applicability: Applicability { sex: Some(Sex::Female), min_age: Some(20), max_age: Some(65), marital: Marital::Married },
        ..item("TCT", 200_00)
    };
    let mri = Item { resource: Some("mri".into()), active: false, ..item("MRI", 800_50) };
    for i in [item("BLOOD", 30_00), item("LIVER", 60_05), tct, mri] {
        cat.items.insert(i.code.clone(), i);
    }
    let p = Package {
        code: "BASIC".into(),
        name: "基础套餐".into(),
        target_group: "成人".into(),
        description: String::new(),
        price: Money(88_00),
        applicability: Applicability { min_age: Some(18), ..Applicability::anyone() },
        items: vec!["LIVER".into(), "BLOOD".into()],
        special_pool: true,
        active: true,
    };
    cat.packages.insert(p.code.clone(), p);
    let rules = vec![
        (1, Rule::Exclusive("MRI".into(), "TCT".into()), "不可同日".into()),
        (2, Rule::Requires("LIVER".into(), "BLOOD".into()), String::new()),
        (3, Rule::Required("BLOOD".into()), String::new()),
    ];
    cat.rules = rules.iter().map(|(_, r, _)| r.clone()).collect();
    (cat, rules, vec![("mri".into(), "核磁共振".into())])
}

/// The workbook written to XLSX and read back.
fn through_xlsx(sheets: &[(&str, Table)]) -> Vec<(String, Table)> {
    tabular::parse_workbook(&tabular::write_workbook(sheets).unwrap(), "c.xlsx").unwrap()
}

#[test]
fn export_reads_back_into_an_empty_catalogue() {
    let (cat, rules, resources) = sample();
    let sheets = workbook(&cat, &rules, &resources);
    assert_eq!(sheets[0].1.headers[0], "项目编码（code）");
    let plan = plan(&Catalogue::default(), &[], &through_xlsx(&sheets));
    assert!(plan.summary.problems.is_empty(), "{:?}", plan.summary.problems);
    assert_eq!(plan.items, cat.items.values().cloned().collect::<Vec<_>>());
    assert_eq!(plan.packages, cat.packages.values().cloned().collect::<Vec<_>>());
    assert_eq!(plan.rules, rules.iter().map(|(_, r, n)| (r.clone(), n.clone())).collect::<Vec<_>>());
    assert_eq!(plan.resources, resources);
    assert_eq!(plan.summary.items, Counts { added: 4, updated: 0, unchanged: 0 });
    // The same file again changes nothing.
    let again = plan_of(&cat, &resources, &sheets);
    assert_eq!((again.items.len(), again.packages.len(), again.rules.len()), (0, 0, 0));
    assert_eq!(again.summary.rules, Counts { added: 0, updated: 0, unchanged: 3 });
}

fn plan_of(cat: &Catalogue, resources: &[(String, String)], sheets: &[(&str, Table)]) -> Plan {
    plan(cat, resources, &through_xlsx(sheets))
}

fn sheet(name: &'static str, headers: &[&str], rows: &[&[&str]]) -> (&'static str, Table) {
    let text = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    (name, Table { headers: text(headers), rows: rows.iter().map(|r| text(r)).collect() })
}

#[test]
fn every_problem_is_named_and_nothing_planned_to_be_written_counts() {
    let (cat, _, resources) = sample();
    let sheets = [
        sheet(
            ITEMS,
            &["code", "项目名称", "项目类别", "身体部位（body_part）", "price", "sex", "min_age"],
            &[
                &["NEW", "新项目", "检验", "血液", "12.5", "", ""],
                &["BAD", "坏价格", "检验", "血液", "十二元", "男", "x"],
                &["NEW", "重复", "检验", "血液", "1", "", ""],
                &["", "", "", "", "", "", ""],
                &["FLOAT", "浮点", "检验", "血液", "0.30000000000000004", "其他", ""],
            ],
        ),
        sheet(PACKAGES, &["code", "name", "price", "items"], &[&["P1", "套餐一", "100", "NEW|GHOST｜BLOOD"]]),
        sheet(RULES, &["kind", "item_a", "item_b"], &[&["互斥", "NEW", "NOPE"], &["必检", "BLOOD", "LIVER"], &["随便", "A", ""]]),
        sheet(RESOURCES, &["code", "name", "颜色"], &[]),
    ];
    let plan = plan(&cat, &resources, &through_xlsx(&sheets));
    let has = |sheet: &str, row: usize, column: &str| {
        plan.summary.problems.iter().any(|p| p.sheet == sheet && p.row == row && p.column == column)
    };
    assert!(has(ITEMS, 3, "价格") && has(ITEMS, 3, "最小年龄"), "{:?}", plan.summary.problems);
    assert!(has(ITEMS, 4, "项目编码"), "duplicate code: {:?}", plan.summary.problems);
    assert!(has(ITEMS, 6, "性别限制"), "{:?}", plan.summary.problems);
    assert!(!plan.summary.problems.iter().any(|p| p.sheet == ITEMS && (p.row == 2 || p.row == 5)), "{:?}", plan.summary.problems);
    assert!(
        plan.summary.problems.iter().any(|p| p.sheet == PACKAGES && p.row == 2 && p.column == "包含项目" && p.message.contains("GHOST"))
    );
    assert!(has(RULES, 2, "项目B") && has(RULES, 3, "项目B") && has(RULES, 4, "规则类型"), "{:?}", plan.summary.problems);
    assert!(has(RESOURCES, 1, "颜色"), "{:?}", plan.summary.problems);
    assert_eq!(plan.items.iter().find(|i| i.code == "FLOAT").map(|i| i.price), Some(Money(30)), "float noise rounds to the fen");
    assert_eq!(plan.items.iter().find(|i| i.code == "NEW").map(|i| i.price), Some(Money(12_50)));
    let shown = plan.summary.problems[0].to_string();
    assert!(shown.starts_with("「项目」第 3 行 "), "{shown}");
}

#[test]
fn files_without_catalogue_sheets_or_rows_are_refused() {
    let plan = plan(&Catalogue::default(), &[], &through_xlsx(&[sheet("Sheet1", &["a"], &[&["1"]])]));
    assert!(plan.summary.problems[0].message.contains("没有「项目」"));
    let plan = plan_of(&Catalogue::default(), &[], &[sheet(RULES, &["kind", "item_a"], &[])]);
    assert_eq!(plan.summary.problems[0].message, "文件中没有数据行");
}
