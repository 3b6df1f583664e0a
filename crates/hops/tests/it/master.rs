//! Master data through the API: create, validate, search, mask, reveal (audited), import all or
//! nothing, export masked.

use hops_platform::Role;
use hops_platform::tabular;
use hops_testkit::{Backend, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    crud_validation_and_masking,
    import_is_all_or_nothing,
    export_is_masked_and_audited,
    concurrent_writes_never_lock,
    search_wildcards_are_literal
);

/// `%` and `_` typed in a search box are characters, not wildcards: searching "%" does not list
/// every patient, "_" does not match any one character.
async fn search_wildcards_are_literal(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::Operator]).await;
    let access = app.system(h);
    for name in ["张三", "李四", "王_五"] {
        let draft = hops_master::model::PatientDraft { name: name.into(), sex: "男".into(), ..Default::default() };
        hops_master::service::create_patient(&access, &draft).await.unwrap();
    }
    let search = |q: &'static str| {
        let access = access.clone();
        async move {
            let query = hops_master::service::PatientQuery { q, sex: "", channel: "" };
            let (rows, total) =
                hops_master::service::list_patients(&access, &query, hops_platform::web::Paging::new(None, 50)).await.unwrap();
            (rows.into_iter().map(|r| r.name).collect::<Vec<_>>(), total)
        }
    };
    assert_eq!(search("%").await, (vec![], 0));
    assert_eq!(search("张_").await, (vec![], 0));
    assert_eq!(search("_").await, (vec!["王_五".to_string()], 1));
    assert_eq!(search("张").await.1, 1);
    let (_, total) = hops_master::service::list_departments(&access, "%", hops_platform::web::Paging::new(None, 10)).await.unwrap();
    assert_eq!(total, 0);
    app.stop().await;
}

async fn crud_validation_and_masking(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::Operator, Role::Agent]).await;
    let op = app.token("h1", "operator").await;
    let c = app.client();
    let u = |p: &str| format!("{}{p}", app.url);
    let (s, d) =
        call(&c, Method::POST, &u("/api/v1/departments"), &op, Some(json!({"code": "CARD", "name": "心血管内科", "category": "内科"})))
            .await;
    assert_eq!(s, 201, "{d}");
    let (s, e) = call(&c, Method::POST, &u("/api/v1/departments"), &op, Some(json!({"code": "CARD", "name": "重复"}))).await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["fields"][0]["field"], "code");
    let (s, e) = call(
        &c,
        Method::POST,
        &u("/api/v1/doctors"),
        &op,
        Some(json!({"code": "D1", "name": "王医生", "department_code": "NOPE", "title": "教授"})),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let (s, doc) = call(
        &c,
        Method::POST,
        &u("/api/v1/doctors"),
        &op,
        Some(json!({"code": "D1", "name": "王医生", "department_code": "CARD", "title": "主任医师"})),
    )
    .await;
    assert_eq!(s, 201, "{doc}");
    assert_eq!(doc["department_name"], "心血管内科");
    // Patients: every field problem is reported at once, nothing is stored.
    let (s, e) =
        call(&c, Method::POST, &u("/api/v1/patients"), &op, Some(json!({"name": "", "id_number": "110105194912310021", "phone": "12345"})))
            .await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = e["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"name") && fields.contains(&"id_number") && fields.contains(&"phone"), "{e}");
    let (_, list) = call(&c, Method::GET, &u("/api/v1/patients"), &op, None).await;
    assert_eq!(list["total"], 0);
    let (s, p) = call(
        &c,
        Method::POST,
        &u("/api/v1/patients"),
        &op,
        Some(json!({"name": "张三", "id_number": "11010519491231002X", "phone": "138 1234 5678", "channel": "微信公众号"})),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    assert_eq!(p["id_number"], "110***********002X");
    assert_eq!(p["phone"], "138****5678");
    assert_eq!(p["sex"], "女");
    assert_eq!(p["birth_date"], "1949-12-31");
    let (s, _) =
        call(&c, Method::POST, &u("/api/v1/patients"), &op, Some(json!({"name": "李四", "id_number": "11010519491231002x"}))).await;
    assert_eq!(s, 422, "the same ID number twice");
    // Exact search by phone or ID number goes through the blind index.
    for q in ["13812345678", "11010519491231002X", "张"] {
        let (_, found) = call(&c, Method::GET, &u(&format!("/api/v1/patients?q={q}")), &op, None).await;
        assert_eq!(found["total"], 1, "search {q}");
    }
    let (_, none) = call(&c, Method::GET, &u("/api/v1/patients?q=13912345678"), &op, None).await;
    assert_eq!(none["total"], 0);
    // Numbers are not stored in clear anywhere in the database.
    let mut conn = hops_platform::db::connect_one(app.database_url()).await.unwrap();
    let rows: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT id_number_enc FROM people").fetch_all(&mut conn).await.unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|(blob,)| !String::from_utf8_lossy(blob).contains("11010519491231002X")));
    // Unmasking: the operator may not; the agent may, and it is audited.
    let id = p["id"].as_i64().unwrap();
    let (s, _) = call(&c, Method::POST, &u(&format!("/api/v1/patients/{id}/reveal")), &op, None).await;
    assert_eq!(s, 403);
    let agent = app.token("h1", "agent").await;
    let (s, r) = call(&c, Method::POST, &u(&format!("/api/v1/patients/{id}/reveal")), &agent, None).await;
    assert_eq!(s, 200);
    assert_eq!(r["id_number"], "11010519491231002X");
    assert_eq!(r["phone"], "13812345678");
    let (reveals, _) = hops_platform::audit::list(&app.system(h).tenant(), "person.reveal", 0, 10).await.unwrap();
    assert_eq!(reveals.len(), 1);
    assert_eq!(reveals[0].actor_name, Role::Agent.label_zh());
    // The audit trail never holds the number in clear.
    let (all, _) = hops_platform::audit::list(&app.system(h).tenant(), "", 0, 1000).await.unwrap();
    assert!(all.iter().all(|e| !e.detail.contains("11010519491231002X") && !e.detail.contains("13812345678")));
    // Update keeps masked fields as they were.
    let (s, p2) = call(
        &c,
        Method::PUT,
        &u(&format!("/api/v1/patients/{id}")),
        &op,
        Some(json!({"name": "张三丰", "id_number": "110***********002X", "phone": "138****5678"})),
    )
    .await;
    assert_eq!(s, 200, "{p2}");
    assert_eq!(p2["name"], "张三丰");
    assert_eq!(p2["phone"], "138****5678");
    app.stop().await;
}

fn csv(rows: &[&str]) -> Vec<u8> {
    rows.join("\n").into_bytes()
}

async fn upload(app: &TestApp, token: &str, kind: &str, name: &str, bytes: Vec<u8>, mode: &str) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()))
        .text("mode", mode.to_string());
    let r = app.client().post(format!("{}/api/v1/{kind}/import", app.url)).bearer_auth(token).multipart(form).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn import_is_all_or_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.hospital("h1", &[Role::Operator]).await;
    let op = app.token("h1", "operator").await;
    let (s, r) =
        upload(&app, &op, "departments", "d.csv", csv(&["科室编码,科室名称,科室类别", "CARD,心血管内科,内科", "RESP,呼吸科,内科"]), "all")
            .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["inserted"], 2);
    // One bad row among good ones: nothing is written, every problem is listed.
    let file = csv(&[
        "外部编号,姓名,身份证号,手机号,注册时间",
        "P1,张三,11010519491231002X,13812345678,2026-01-05 09:30",
        "P2,,110105194912310021,1381234,2026-13-01",
        "P3,王五,,13912345678,",
        "P1,赵六,330106198503070016,,",
    ]);
    let (s, r) = upload(&app, &op, "patients", "p.csv", file.clone(), "all").await;
    assert_eq!(s, 422, "{r}");
    assert_eq!(r["committed"], false);
    let errors = r["errors"].as_array().unwrap();
    let has = |row: i64, col: &str| errors.iter().any(|e| e["row"] == row && e["column"] == col);
    assert!(has(3, "姓名") && has(3, "身份证号") && has(3, "手机号") && has(3, "注册时间"), "{r}");
    assert!(has(4, "性别"), "no ID number and no sex: {r}");
    assert!(has(5, "外部编号"), "duplicate external id: {r}");
    assert!(!errors.iter().any(|e| e["row"] == 2), "row 2 is fine");
    let (_, list) = call(&app.client(), Method::GET, &format!("{}/api/v1/patients", app.url), &op, None).await;
    assert_eq!(list["total"], 0, "nothing half-imported");
    // Asking for the good rows imports exactly them.
    let (s, r) = upload(&app, &op, "patients", "p.csv", file, "skip_bad").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["inserted"], 1);
    assert_eq!(r["rejected_rows"], 3);
    // Re-importing updates by external id instead of duplicating.
    let (s, r) = upload(&app, &op, "patients", "p.csv", csv(&["external_id,name,id_number", "P1,张三改,11010519491231002X"]), "all").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["inserted"].as_i64(), r["updated"].as_i64()), (Some(0), Some(1)));
    // XLSX works the same, including numbers typed as numbers.
    let xlsx = tabular::write_xlsx(
        "医生",
        &["医生工号", "医生姓名", "科室编码", "职称"],
        &[vec!["D1".into(), "李医生".into(), "CARD".into(), "主治医师".into()]],
    )
    .unwrap();
    let (s, r) = upload(&app, &op, "doctors", "d.xlsx", xlsx, "all").await;
    assert_eq!(s, 200, "{r}");
    // Unknown columns and wrong files are explained.
    let (s, r) = upload(&app, &op, "doctors", "d.csv", csv(&["工号,颜色", "D2,红"]), "all").await;
    assert_eq!(s, 422);
    assert!(r["errors"].as_array().unwrap().iter().any(|e| e["column"] == "颜色"), "{r}");
    let (s, r) = upload(&app, &op, "doctors", "d.pdf", b"%PDF".to_vec(), "all").await;
    assert_eq!(s, 400, "{r}");
    app.stop().await;
}

async fn export_is_masked_and_audited(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::Operator, Role::Nurse]).await;
    let access = app.system(h);
    hops_master::service::create_patient(
        &access,
        &hops_master::model::PatientDraft {
            name: "张三".into(),
            id_number: "11010519491231002X".into(),
            phone: "13812345678".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (c, _) = app.web_login("h1", "operator").await;
    let r = c.get(format!("{}/patients/export.xlsx", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let t = tabular::parse(&bytes, "x.xlsx").unwrap();
    assert_eq!(t.rows.len(), 1);
    let row = t.rows[0].join(",");
    assert!(row.contains("110***********002X") && row.contains("138****5678"), "{row}");
    assert!(!row.contains("11010519491231002X") && !row.contains("13812345678"));
    let (exports, _) = hops_platform::audit::list(&access.tenant(), "export", 0, 10).await.unwrap();
    assert_eq!(exports.len(), 1);
    // A nurse may read but not export.
    let (n, _) = app.web_login("h1", "nurse").await;
    assert_eq!(n.get(format!("{}/patients/export.xlsx", app.url)).send().await.unwrap().status(), 403);
    app.stop().await;
}

/// Many clients writing and reading at once: every request succeeds (no "database is locked").
async fn concurrent_writes_never_lock(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.hospital("h1", &[Role::Operator]).await;
    let op = app.token("h1", "operator").await;
    let mut tasks = Vec::new();
    for i in 0..48 {
        let c = app.client();
        let url = app.url.clone();
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let body = json!({"name": format!("并发{i}"), "sex": if i % 2 == 0 { "男" } else { "女" }, "external_id": format!("C{i}")});
            let (s, b) = call(&c, Method::POST, &format!("{url}/api/v1/patients"), &op, Some(body)).await;
            assert_eq!(s, 201, "{b}");
            let (s, _) = call(&c, Method::GET, &format!("{url}/api/v1/patients?q=并发"), &op, None).await;
            assert_eq!(s, 200);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (_, list) = call(&app.client(), Method::GET, &format!("{}/api/v1/patients?q=并发", app.url), &op, None).await;
    assert_eq!(list["total"], 48);
    app.stop().await;
}
