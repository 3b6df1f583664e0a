//! The checkup catalogue workbook through the HTTP API and the command line, on both backends:
//! export → import into an empty hospital → export gives the same workbook; a workbook with
//! bad rows is refused whole with every problem by sheet, row and column, and changes nothing;
//! `hops checkup audit|export|import` with their exit codes.

use std::process::Command;

use hops_checkup::catalogue::model::{Applicability, Item, Marital, Package, Rule};
use hops_checkup::catalogue::service;
use hops_kernel::{Money, Sex};
use hops_platform::tabular::{self, Table};
use hops_platform::{Access, Role};
use hops_testkit::{Backend, TestApp, both_backends};
use serde_json::Value;

both_backends!(round_trip_through_the_api, bad_workbook_changes_nothing, command_line);

fn item(code: &str, name: &str, fen: i64) -> Item {
    Item {
        code: code.into(),
        name: name.into(),
        category: "检验".into(),
        body_part: "血液".into(),
        meaning: String::new(),
        target_group: String::new(),
        price: Money(fen),
        applicability: Applicability::anyone(),
        preparation: String::new(),
        resource: None,
        active: true,
    }
}

/// Resources, items (one restricted, one with a resource, one inactive), packages and one rule
/// of each kind.
async fn catalogue(access: &Access) {
    service::save_resource(access, "mri", "核磁共振").await.unwrap();
    let tct = Item {
        category: "妇科".into(),
        body_part: "盆腔".into(),
        meaning: "宫颈癌筛查\n第二行".into(),
        applicability: Applicability { sex: Some(Sex::Female), min_age: Some(20), max_age: Some(65), marital: Marital::Married },
        ..item("TCT", "宫颈TCT", 20000)
    };
    let mri = Item { resource: Some("mri".into()), preparation: "去除金属物品".into(), ..item("MRI", "头颅核磁", 80050) };
    for i in [item("BLOOD", "血常规", 3000), item("LIVER", "肝功能", 6005), item("CT", "胸部CT", 30000), tct, mri] {
        service::save_item(access, &i).await.unwrap();
    }
    service::save_item(access, &Item { active: false, ..item("OLD", "旧项目", 100) }).await.unwrap();
    let package = |code: &str, items: &[&str]| Package {
        code: code.into(),
        name: format!("套餐{code}"),
        target_group: "成人".into(),
        description: "含早餐".into(),
        price: Money(88800),
        applicability: Applicability { min_age: Some(18), ..Applicability::anyone() },
        items: items.iter().map(|s| s.to_string()).collect(),
        special_pool: false,
        active: true,
    };
    service::save_package(access, &package("BASIC", &["LIVER", "BLOOD", "CT"])).await.unwrap();
    service::save_package(access, &Package { special_pool: true, active: false, ..package("HEAD", &["BLOOD", "MRI"]) }).await.unwrap();
    service::add_rule(access, &Rule::Exclusive("CT".into(), "MRI".into()), "不可同日").await.unwrap();
    service::add_rule(access, &Rule::Requires("MRI".into(), "BLOOD".into()), "").await.unwrap();
    service::add_rule(access, &Rule::Required("BLOOD".into()), "").await.unwrap();
}

async fn download(app: &TestApp, token: &str) -> (u16, Vec<(String, Table)>) {
    let r = app.client().get(format!("{}/api/v1/checkup/catalogue.xlsx", app.url)).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    if status != 200 {
        return (status, Vec::new());
    }
    assert!(r.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    (status, tabular::parse_workbook(&r.bytes().await.unwrap(), "c.xlsx").unwrap())
}

async fn upload(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let url = format!("{}/api/v1/checkup/catalogue/import", app.url);
    let r = app.client().post(url).bearer_auth(token).multipart(form).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

fn workbook(sheets: &[(String, Table)]) -> Vec<u8> {
    let named: Vec<(&str, Table)> = sheets.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
    tabular::write_workbook(&named).unwrap()
}

async fn round_trip_through_the_api(b: Backend) {
    let app = TestApp::spawn(b).await;
    let full = app.hospital("full", &[Role::Operator, Role::Agent]).await;
    let empty = app.hospital("empty", &[Role::Operator, Role::Agent]).await;
    catalogue(&app.system(full)).await;
    let (op_full, op_empty) = (app.token("full", "operator").await, app.token("empty", "operator").await);
    let (s, first) = download(&app, &op_full).await;
    assert_eq!(s, 200);
    let names: Vec<&str> = first.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["项目", "套餐", "规则", "资源"]);
    let items = &first[0].1;
    assert_eq!(
        items.headers[..5],
        ["项目编码（code）", "项目名称（name）", "项目类别（category）", "身体部位（body_part）", "价格（price）"]
    );
    let liver = items.rows.iter().find(|r| r[0] == "LIVER").unwrap();
    assert_eq!(liver[4], "60.05", "money as yuan text with two decimals");
    assert!(first[1].1.rows.iter().any(|r| r[0] == "BASIC" && r[3] == "LIVER|BLOOD|CT"), "{:?}", first[1].1.rows);
    let kinds: Vec<&str> = first[2].1.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(kinds, ["互斥", "必检", "依赖"]);
    // Exports are audited.
    let (exports, _) = hops_platform::audit::list(&app.system(full).tenant(), "export", 0, 10).await.unwrap();
    assert!(exports.iter().any(|e| e.target == "checkup_catalogue"), "{exports:?}");

    // An agent may read the catalogue and export it, but not import.
    let agent = app.token("empty", "agent").await;
    let (s, r) = upload(&app, &agent, "c.xlsx", workbook(&first)).await;
    assert_eq!(s, 403, "{r}");
    assert_eq!(download(&app, &agent).await.0, 200);

    let (s, r) = upload(&app, &op_empty, "目录.xlsx", workbook(&first)).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["committed"], true);
    assert_eq!((r["items"]["added"].as_i64(), r["packages"]["added"].as_i64()), (Some(6), Some(2)), "{r}");
    assert_eq!((r["rules"]["added"].as_i64(), r["resources"]["added"].as_i64()), (Some(3), Some(1)), "{r}");
    let (_, second) = download(&app, &op_empty).await;
    assert_eq!(second, first, "export → import → export gives the same workbook");
    let (imports, _) = hops_platform::audit::list(&app.system(empty).tenant(), "checkup.catalogue.import", 0, 10).await.unwrap();
    assert_eq!(imports.len(), 1, "one audit entry per import");
    assert!(imports[0].detail.contains("项目新增 6"), "{}", imports[0].detail);

    // The same file again changes nothing; an edited one updates by code.
    let (s, r) = upload(&app, &op_empty, "目录.xlsx", workbook(&first)).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (r["items"]["unchanged"].as_i64(), r["rules"]["unchanged"].as_i64(), r["rules"]["added"].as_i64()),
        (Some(6), Some(3), Some(0))
    );
    let mut edited = first.clone();
    edited[0].1.rows.iter_mut().find(|r| r[0] == "LIVER").unwrap()[4] = "65".into();
    let (s, r) = upload(&app, &op_empty, "目录.xlsx", workbook(&edited)).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["items"]["updated"].as_i64(), r["items"]["unchanged"].as_i64()), (Some(1), Some(5)));
    let (_, third) = download(&app, &op_empty).await;
    assert_eq!(third[0].1.rows.iter().find(|r| r[0] == "LIVER").unwrap()[4], "65.00");
    app.stop().await;
}

async fn bad_workbook_changes_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("tj", &[Role::Operator]).await;
    catalogue(&app.system(h)).await;
    let op = app.token("tj", "operator").await;
    let (_, before) = download(&app, &op).await;
    let text = |rows: &[&[&str]]| rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect::<Vec<Vec<String>>>();
    let headers = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let sheets = vec![
        (
            "项目".to_string(),
            Table {
                headers: headers(&["项目编码", "项目名称", "项目类别", "身体部位", "价格"]),
                rows: text(&[
                    &["NEW1", "新项目", "检验", "血液", "12.50"],
                    &["NEW2", "坏价格", "检验", "血液", "十二元"],
                    &["NEW1", "重复的编码", "检验", "血液", "1.00"],
                    &["LIVER", "肝功能（改）", "检验", "血液", "70.00"],
                ]),
            },
        ),
        (
            "套餐".to_string(),
            Table {
                headers: headers(&["code", "name", "price", "items"]),
                rows: text(&[&["NEWPKG", "新套餐", "100.00", "NEW1|GHOST|BLOOD"], &["BASIC", "基础套餐（改）", "99.00", "BLOOD"]]),
            },
        ),
        (
            "规则".to_string(),
            Table {
                headers: headers(&["kind", "item_a", "item_b", "note"]),
                rows: text(&[&["依赖", "NEW1", "BLOOD", ""], &["互斥", "LIVER", "NOPE", ""]]),
            },
        ),
    ];
    let (s, r) = upload(&app, &op, "bad.xlsx", workbook(&sheets)).await;
    assert_eq!(s, 422, "{r}");
    assert_eq!(r["committed"], false);
    let errors = r["errors"].as_array().unwrap();
    let has = |sheet: &str, row: i64, column: &str, says: &str| {
        errors
            .iter()
            .any(|e| e["sheet"] == sheet && e["row"] == row && e["column"] == column && e["message"].as_str().unwrap().contains(says))
    };
    assert!(has("项目", 3, "价格", "金额"), "bad price: {r}");
    assert!(has("项目", 4, "项目编码", "重复"), "duplicate code: {r}");
    assert!(has("套餐", 2, "包含项目", "GHOST"), "unknown item in a package: {r}");
    assert!(has("规则", 3, "项目B", "NOPE"), "rule on a missing item: {r}");
    assert_eq!(errors.len(), 4, "the good rows have no problems: {r}");
    let (_, after) = download(&app, &op).await;
    assert_eq!(after, before, "nothing imported, not even the good rows");
    let (imports, _) = hops_platform::audit::list(&app.system(h).tenant(), "checkup.catalogue.import", 0, 10).await.unwrap();
    assert!(imports.is_empty());
    // Files that are not workbooks are refused as such.
    let (s, r) = upload(&app, &op, "c.csv", b"a,b".to_vec()).await;
    assert_eq!(s, 400, "{r}");
    let (s, r) = upload(&app, &op, "c.xlsx", b"not a zip".to_vec()).await;
    assert_eq!(s, 400, "{r}");
    // Well-formed rows that would put a package on sale that cannot be booked: refused, named.
    let clash = vec![(
        "套餐".to_string(),
        Table {
            headers: headers(&["code", "name", "price", "items"]), rows: text(&[&["CLASH", "冲突套餐", "100.00", "BLOOD|CT|MRI"]])
        },
    )];
    let (s, r) = upload(&app, &op, "clash.xlsx", workbook(&clash)).await;
    assert_eq!(s, 422, "{r}");
    assert!(
        r["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["sheet"] == "套餐" && e["row"] == 2 && e["message"].as_str().unwrap().contains("导入后无法预约")),
        "{r}"
    );
    let (_, after) = download(&app, &op).await;
    assert_eq!(after, before, "nothing imported");
    app.stop().await;
}

fn hops(app: &TestApp, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hops"))
        .arg("--data")
        .arg(app.data_dir())
        .args(args)
        .env("HOPS_DATABASE_URL", app.database_url())
        .env("HOPS_KEY_FILE", app.data_dir().join("hops.key"))
        .env("HOPS_LOG", "warn")
        .output()
        .expect("run hops");
    (out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn command_line(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("tj", &[]).await;
    app.hospital("other", &[]).await;
    let access = app.system(h);
    catalogue(&access).await;
    let (code, out) = hops(&app, &["checkup", "audit", "--hospital", "tj"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("配置审核通过：未发现矛盾"), "{out}");
    // A package holding both items of an exclusion.
    service::save_package(
        &access,
        &Package {
            code: "BOTH".into(),
            name: "冲突套餐".into(),
            target_group: String::new(),
            description: String::new(),
            price: Money(100),
            applicability: Applicability::anyone(),
            items: vec!["BLOOD".into(), "CT".into(), "MRI".into()],
            special_pool: false,
            // A contradictory package is kept off sale (saving it on sale is refused).
            active: false,
        },
    )
    .await
    .unwrap();
    let (code, out) = hops(&app, &["checkup", "audit", "--hospital", "tj"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("套餐含互斥项目：套餐「冲突套餐」同时包含互斥的「胸部CT」与「头颅核磁」"), "{out}");
    assert!(!out.contains("审核通过"), "{out}");

    let file = app.data_dir().join("目录.xlsx");
    let path = file.to_str().unwrap();
    let (code, out) = hops(&app, &["checkup", "export", path, "--hospital", "tj"]);
    assert_eq!(code, 0, "{out}");
    let (code, out) = hops(&app, &["checkup", "import", path, "--hospital", "other"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("项目新增 6"), "{out}");
    // A bad file: every problem printed, nothing imported.
    let mut book = tabular::parse_workbook(&std::fs::read(&file).unwrap(), "c.xlsx").unwrap();
    book[0].1.rows[0][4] = "abc".into();
    book[1].1.rows[0][3] = "GHOST".into();
    std::fs::write(&file, workbook(&book)).unwrap();
    let (code, out) = hops(&app, &["checkup", "import", path, "--hospital", "other"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("未导入任何内容"), "{out}");
    assert!(out.contains("「项目」第 2 行 价格："), "{out}");
    assert!(out.contains("「套餐」第 2 行 包含项目：项目不存在：GHOST"), "{out}");
    app.stop().await;
}
