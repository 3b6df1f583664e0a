//! Employee lists (团检名单) read from a spreadsheet: columns, and the checks of every row
//! before anything is written (all or nothing).

use std::collections::{BTreeMap, BTreeSet};

use hops_kernel::{IdCardNumber, LocalDay, Phone};
use hops_platform::tabular::{Column, RowError, Table, cell};

use super::model::Relation;
use crate::booking::model::check_name;

pub const COLUMNS: &[Column] = &[
    Column { key: "name", label: "姓名", required: true, note: "2–30 个字", example: "张三" },
    Column { key: "id_number", label: "身份证号", required: true, note: "18 位居民身份证号", example: "110105198503010012" },
    Column { key: "phone", label: "手机号", required: true, note: "11 位手机号，用于短信通知", example: "13912345678" },
    Column { key: "department", label: "部门", required: false, note: "可空", example: "财务部" },
    Column { key: "plan", label: "体检卡", required: true, note: "单位已设置的体检卡代码", example: "STAFF" },
    Column {
        key: "relation", label: "关系", required: false, note: "本人（空）、配偶、子女、父母、其他亲属", example: "本人"
    },
    Column {
        key: "employee_id_number",
        label: "员工身份证号",
        required: false,
        note: "亲属所属员工的身份证号（员工须在名单中）",
        example: "",
    },
];

/// One person of a list, checked.
#[derive(Clone, Debug)]
pub struct Row {
    pub line: usize,
    pub name: String,
    pub id_number: IdCardNumber,
    pub phone: Phone,
    pub department: String,
    pub plan: String,
    pub relation: Relation,
    /// The employee a family member belongs to.
    pub employee: Option<IdCardNumber>,
}

/// Checks every row of a list. `plans` are the employer's card codes; `listed` says whether an
/// identity number (plain) is already on the employer's list as an employee. Returns the rows,
/// or every problem found.
pub fn read(
    table: &Table,
    plans: &BTreeSet<String>,
    listed: impl Fn(&IdCardNumber) -> bool,
    today: LocalDay,
) -> Result<Vec<Row>, Vec<RowError>> {
    let idx = table.locate(COLUMNS)?;
    let col = |key: &str| idx[COLUMNS.iter().position(|c| c.key == key).expect("known column")];
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in table.rows.iter().enumerate() {
        let line = i + 2;
        let mut err = |column: &str, message: String| errors.push(RowError { row: line, column: column.into(), message });
        let name = check_name(cell(r, col("name"))).map_err(|m| err("姓名", m)).ok();
        let id_number = IdCardNumber::parse(cell(r, col("id_number")), today).map_err(|e| err("身份证号", e.to_string())).ok();
        let phone = Phone::parse(cell(r, col("phone"))).map_err(|e| err("手机号", e.to_string())).ok();
        let department = cell(r, col("department")).trim().to_string();
        if department.chars().count() > 40 {
            err("部门", "部门不能超过 40 个字".into());
        }
        let plan = cell(r, col("plan")).trim().to_string();
        if !plans.contains(&plan) {
            err(
                "体检卡",
                if plan.is_empty() {
                    "请填写体检卡代码".into()
                } else {
                    format!("体检卡 {plan} 不存在，请先在单位中设置")
                },
            );
        }
        let relation = Relation::parse(cell(r, col("relation")));
        if relation.is_none() {
            err("关系", format!("无法识别的关系“{}”，应为本人、配偶、子女、父母或其他亲属", cell(r, col("relation"))));
        }
        let employee_text = cell(r, col("employee_id_number")).trim();
        let employee = match relation {
            Some(Relation::Employee) if !employee_text.is_empty() => {
                err("员工身份证号", "本人一行不填员工身份证号".into());
                None
            }
            Some(Relation::Employee) | None => None,
            Some(_) if employee_text.is_empty() => {
                err("员工身份证号", "亲属须填写所属员工的身份证号".into());
                None
            }
            Some(_) => IdCardNumber::parse(employee_text, today).map_err(|e| err("员工身份证号", e.to_string())).ok(),
        };
        if let Some(id) = &id_number
            && let Some(first) = seen.insert(id.as_str().to_string(), line)
        {
            err("身份证号", format!("与第 {first} 行重复"));
        }
        if let (Some(name), Some(id_number), Some(phone), Some(relation)) = (name, id_number, phone, relation) {
            rows.push(Row { line, name, id_number, phone, department, plan, relation, employee });
        }
    }
    // A family member's employee must be an employee of this list, in the file or already listed.
    let employees_in_file: BTreeSet<&str> =
        rows.iter().filter(|r| r.relation == Relation::Employee).map(|r| r.id_number.as_str()).collect();
    for r in &rows {
        if let Some(e) = &r.employee
            && !employees_in_file.contains(e.as_str())
            && !listed(e)
        {
            errors.push(RowError { row: r.line, column: "员工身份证号".into(), message: "所属员工不在名单中".into() });
        }
    }
    if table.rows.is_empty() {
        errors.push(RowError { row: 2, column: String::new(), message: "名单中没有人员".into() });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u16, birth: &str) -> String {
        IdCardNumber::generate(110105, LocalDay::parse(birth).unwrap(), n).as_str().to_string()
    }

    fn table(rows: Vec<Vec<String>>) -> Table {
        Table {
            headers: ["姓名", "身份证号", "手机号", "部门", "体检卡", "关系", "员工身份证号"].map(String::from).to_vec(), rows
        }
    }

    fn row(name: &str, id: &str, plan: &str, relation: &str, employee: &str) -> Vec<String> {
        [name, id, "13912345678", "财务部", plan, relation, employee].map(String::from).to_vec()
    }

    #[test]
    fn rows_are_checked_whole() {
        let today = LocalDay::parse("2026-11-22").unwrap();
        let plans: BTreeSet<String> = ["STAFF".to_string(), "FAMILY".to_string()].into();
        let (a, b, c) = (id(1, "1980-01-01"), id(2, "1982-02-02"), id(3, "2010-03-03"));
        let good =
            table(vec![row("张三", &a, "STAFF", "", ""), row("李四", &b, "FAMILY", "配偶", &a), row("张小三", &c, "FAMILY", "child", &a)]);
        let rows = read(&good, &plans, |_| false, today).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].relation, Relation::Spouse);
        assert_eq!(rows[1].employee.as_ref().map(|e| e.as_str()), Some(a.as_str()));

        // Family of an employee already listed before this file.
        let family_only = table(vec![row("李四", &b, "FAMILY", "配偶", &a)]);
        assert!(read(&family_only, &plans, |e| e.as_str() == a, today).is_ok());
        let errs = read(&family_only, &plans, |_| false, today).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].message, "所属员工不在名单中");

        // Every problem, each on its row and column.
        let bad = table(vec![
            row("张三", &a, "STAFF", "", ""),
            row("张三", &a, "STAFF", "", ""),
            row("王", "110105198503010019", "NOPE", "同事", ""),
            row("赵六", &b, "FAMILY", "配偶", ""),
            row("钱七", &c, "STAFF", "", &a),
        ]);
        let errs = read(&bad, &plans, |_| false, today).unwrap_err();
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(
            got,
            vec![(3, "身份证号"), (4, "姓名"), (4, "身份证号"), (4, "体检卡"), (4, "关系"), (5, "员工身份证号"), (6, "员工身份证号")]
        );
    }
}
