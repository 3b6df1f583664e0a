//! The knowledge base's JSON API on both backends: articles created, read, saved as new
//! versions, their variants replaced, listed and searched; refused input (422 at its fields)
//! changes nothing; a role without the knowledge base gets 403 and another hospital's ids 404;
//! import (all or nothing, or the good rows) and export. Every response is also held to the API
//! document by the test app.

use hops_desk::kb::model::ArticleInput;
use hops_desk::kb::service as kb;
use hops_platform::Role;
use hops_testkit::{TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(kb_articles_over_the_api, kb_import_and_export_over_the_api);

const ARTICLES: &str = "/api/v1/desk/kb/articles";

struct Kb {
    app: TestApp,
    editor: String,
    agent: String,
}

impl Kb {
    async fn new(backend: hops_testkit::Backend) -> Kb {
        let app = TestApp::spawn(backend).await;
        app.hospital("kf", &[Role::ContentReviewer, Role::Agent]).await;
        let editor = app.token("kf", "content_reviewer").await;
        let agent = app.token("kf", "agent").await;
        Kb { app, editor, agent }
    }

    async fn call(&self, token: &str, m: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        call(&self.app.client(), m, &format!("{}{path}", self.app.url), token, body).await
    }

    async fn total(&self) -> i64 {
        let (s, page) = self.call(&self.editor, Method::GET, ARTICLES, None).await;
        assert_eq!(s, 200, "{page}");
        page["total"].as_i64().unwrap()
    }
}

fn fields(v: &Value) -> Vec<&str> {
    v["error"]["fields"].as_array().map(|f| f.iter().filter_map(|e| e["field"].as_str()).collect()).unwrap_or_default()
}

async fn kb_articles_over_the_api(backend: hops_testkit::Backend) {
    let k = Kb::new(backend).await;
    let article = json!({
        "question": "怎么预约挂号？",
        "variants": ["如何挂号", "在哪里约号"],
        "answer": "您好，请在首页点击**预约挂号**。",
        "category": "挂号预约"
    });
    let (s, a) = k.call(&k.editor, Method::POST, ARTICLES, Some(article.clone())).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!((a["version"].as_i64(), a["status"].as_str()), (Some(1), Some("published")));
    assert_eq!(a["variants"], json!(["如何挂号", "在哪里约号"]));
    let id = a["id"].as_i64().unwrap();
    let one = format!("{ARTICLES}/{id}");
    let (s, got) = k.call(&k.editor, Method::GET, &one, None).await;
    assert_eq!((s, &got["question"]), (200, &json!("怎么预约挂号？")));

    // A save is a new version; replacing the variants is one too, and keeps the rest.
    let edited = json!({"question": "怎么预约挂号？", "answer": "首页 → 预约挂号", "category": "挂号预约", "status": "draft"});
    let (s, a) = k.call(&k.editor, Method::PUT, &one, Some(edited)).await;
    assert_eq!((s, a["version"].as_i64(), a["status"].as_str(), a["variants"].clone()), (200, Some(2), Some("draft"), json!([])));
    let (s, a) = k.call(&k.editor, Method::PUT, &format!("{one}/variants"), Some(json!({"variants": ["挂号流程", "挂号流程", " "]}))).await;
    assert_eq!((s, a["version"].as_i64(), a["variants"].clone()), (200, Some(3), json!(["挂号流程"])), "{a}");
    assert_eq!((a["answer"].as_str(), a["status"].as_str()), (Some("首页 → 预约挂号"), Some("draft")));
    let (s, versions) = k.call(&k.editor, Method::GET, &format!("{one}/versions"), None).await;
    assert_eq!(s, 200);
    let numbers: Vec<i64> = versions.as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert_eq!(versions[2]["variants"], json!(["如何挂号", "在哪里约号"]));

    // Listing and search (question, variants, answer), by status and category, paged.
    let second = json!({"question": "报告多久能出？", "answer": "一般 3 个工作日。", "category": "体检报告"});
    assert_eq!(k.call(&k.editor, Method::POST, ARTICLES, Some(second)).await.0, 201);
    for (query, want) in [
        ("", 2),
        ("?q=挂号流程", 1),
        ("?q=工作日", 1),
        ("?status=draft", 1),
        ("?status=published", 1),
        ("?category=体检报告", 1),
        ("?q=没有这个", 0),
    ] {
        let (s, page) = k.call(&k.editor, Method::GET, &format!("{ARTICLES}{query}"), None).await;
        assert_eq!((s, page["total"].as_i64()), (200, Some(want)), "{query}: {page}");
        assert_eq!(page["items"].as_array().unwrap().len() as i64, want);
    }
    let (s, page) = k.call(&k.editor, Method::GET, &format!("{ARTICLES}?page=2"), None).await;
    assert_eq!((s, page["page"].as_i64(), page["items"].as_array().map(Vec::len)), (200, Some(2), Some(0)));
    let (s, e) = k.call(&k.editor, Method::GET, &format!("{ARTICLES}?status=nonsense"), None).await;
    assert_eq!((s, fields(&e)), (422, vec!["status"]));

    // Refused input is named at its fields and changes nothing.
    let (s, e) = k.call(&k.editor, Method::POST, ARTICLES, Some(json!({"question": " ", "answer": "", "status": "x"}))).await;
    assert_eq!((s, fields(&e)), (422, vec!["question", "answer", "status"]), "{e}");
    let (s, e) = k.call(&k.editor, Method::POST, ARTICLES, Some(json!({"question": "报告多久能出？", "answer": "重复"}))).await;
    assert_eq!((s, fields(&e)), (422, vec!["question"]), "{e}");
    let (s, e) = k.call(&k.editor, Method::PUT, &one, Some(json!({"question": "怎么预约挂号？", "answer": "x".repeat(5001)}))).await;
    assert_eq!((s, fields(&e)), (422, vec!["answer"]), "{e}");
    let (s, e) = k.call(&k.editor, Method::POST, ARTICLES, Some(json!({"question": 5}))).await;
    assert_eq!((s, e["error"]["code"].as_str()), (422, Some("invalid_body")), "{e}");
    assert_eq!(k.total().await, 2);
    assert_eq!(k.call(&k.editor, Method::GET, &one, None).await.1["version"], 3);

    // A role without the knowledge base: 403 everywhere, nothing written.
    for (m, path, body) in [
        (Method::GET, ARTICLES.to_string(), None),
        (Method::POST, ARTICLES.to_string(), Some(article.clone())),
        (Method::GET, one.clone(), None),
        (Method::PUT, one.clone(), Some(article.clone())),
        (Method::PUT, format!("{one}/variants"), Some(json!({"variants": []}))),
        (Method::GET, format!("{one}/versions"), None),
        (Method::GET, "/api/v1/desk/kb/export.xlsx".to_string(), None),
    ] {
        let (s, e) = k.call(&k.agent, m.clone(), &path, body).await;
        assert_eq!(s, 403, "{m} {path}: {e}");
    }
    assert_eq!(k.call(&k.editor, Method::GET, &one, None).await.1["version"], 3);
    let (s, _) = k.call("not-a-token", Method::GET, ARTICLES, None).await;
    assert_eq!(s, 401);

    // Another hospital's article: 404 whatever the call, and it stays as it was.
    let other = k.app.hospital("qt", &[]).await;
    let theirs = kb::save(
        &k.app.system(other),
        None,
        &ArticleInput { question: "别院的问题".into(), answer: "别院的答案".into(), ..Default::default() },
    )
    .await
    .unwrap();
    let path = format!("{ARTICLES}/{}", theirs.id);
    for (m, path, body) in [
        (Method::GET, path.clone(), None),
        (Method::PUT, path.clone(), Some(article.clone())),
        (Method::PUT, format!("{path}/variants"), Some(json!({"variants": ["改掉"]}))),
        (Method::GET, format!("{path}/versions"), None),
    ] {
        let (s, e) = k.call(&k.editor, m.clone(), &path, body).await;
        assert_eq!(s, 404, "{m} {path}: {e}");
        assert!(!e.to_string().contains("别院"), "{e}");
    }
    let still = kb::get(&k.app.system(other), theirs.id).await.unwrap();
    assert_eq!((still.version, still.variants.len()), (1, 0));
    k.app.stop().await;
}

async fn upload(k: &Kb, token: &str, name: &str, bytes: Vec<u8>, mode: Option<&str>) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    if let Some(mode) = mode {
        form = form.text("mode", mode.to_string());
    }
    let r = k.app.client().post(format!("{}/api/v1/desk/kb/import", k.app.url)).bearer_auth(token).multipart(form).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

async fn kb_import_and_export_over_the_api(backend: hops_testkit::Backend) {
    let k = Kb::new(backend).await;
    let header = "标准问题,相似问法,答案,分类,状态\n";
    let good = format!("{header}怎么挂号,如何挂号|在哪挂号,点首页的预约挂号,挂号,已发布\n报告多久出,,3 个工作日,报告,草稿\n");
    let bad = format!("{header}怎么缴费,,,缴费,已发布\n怎么退款,,原路退回,退款,不知道\n能开发票吗,,能,发票,已发布\n");

    // All or nothing: one bad row, nothing imported, each problem named.
    let (s, r) = upload(&k, &k.editor, "kb.csv", bad.clone().into_bytes(), None).await;
    assert_eq!((s, r["committed"].as_bool()), (422, Some(false)), "{r}");
    let rows: Vec<i64> = r["errors"].as_array().unwrap().iter().map(|e| e["row"].as_i64().unwrap()).collect();
    assert_eq!(rows, [2, 3]);
    assert_eq!(k.total().await, 0);
    // The good rows only, when asked.
    let (s, r) = upload(&k, &k.editor, "kb.csv", bad.into_bytes(), Some("skip_bad")).await;
    assert_eq!((s, r["inserted"].as_i64(), r["errors"].as_array().map(Vec::len)), (200, Some(1), Some(2)), "{r}");
    let (s, r) = upload(&k, &k.editor, "kb.csv", good.clone().into_bytes(), None).await;
    assert_eq!((s, r["inserted"].as_i64(), r["updated"].as_i64()), (200, Some(2), Some(0)), "{r}");
    assert_eq!(k.total().await, 3);
    // The same file again changes nothing; a file of no known format is refused.
    let (s, r) = upload(&k, &k.editor, "kb.csv", good.into_bytes(), None).await;
    assert_eq!((s, r["inserted"].as_i64(), r["updated"].as_i64()), (200, Some(0), Some(0)), "{r}");
    let (s, r) = upload(&k, &k.editor, "kb.xlsx", b"not a workbook".to_vec(), None).await;
    assert!(s == 400 || s == 422, "{s} {r}");
    assert_eq!(k.total().await, 3);
    // No permission: refused before the file is read.
    let (s, _) = upload(&k, &k.agent, "kb.csv", b"x".to_vec(), None).await;
    assert_eq!(s, 403);

    // Export: the import's columns, importable again unchanged.
    let r = k.app.client().get(format!("{}/api/v1/desk/kb/export.xlsx", k.app.url)).bearer_auth(&k.editor).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], hops_platform::web::pages::XLSX);
    let bytes = r.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"PK"));
    let (s, r) = upload(&k, &k.editor, "kb.xlsx", bytes, None).await;
    assert_eq!((s, r["total"].as_i64(), r["inserted"].as_i64(), r["updated"].as_i64()), (200, Some(3), Some(0), Some(0)), "{r}");
    k.app.stop().await;
}
