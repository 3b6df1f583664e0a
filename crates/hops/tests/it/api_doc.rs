//! The API is what its document says. The document: every schema named once (two types of one
//! name fail the document's build), every `$ref` resolving, parameters typed (ids as integers,
//! days as `format: date`, codes as text, pages as integers), each operation declaring the
//! statuses its shape can answer. The responses: every API route walked as an administrator
//! with the fixtures of its own hospital, as a role without most permissions and without a
//! token, each response held to the document by the test app (status, content type, schema).

use hops_platform::Role;
use hops_platform::web::routes::Access as RouteAccess;
use hops_testkit::{Backend, TestApp, both_backends, http_method};
use serde_json::Value;

use crate::tenancy::{b_fixtures, call_route, fill_path, session};

both_backends!(the_document_describes_the_api, every_api_route_answers_as_documented);

async fn document(app: &TestApp) -> Value {
    let r = app.client().get(format!("{}/api/v1/openapi.json", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(o) => {
            if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                out.push(r);
            }
            o.values().for_each(|v| refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

async fn the_document_describes_the_api(backend: Backend) {
    let app = TestApp::spawn_with_modules(backend, vec![crate::example_module::module()]).await;
    let doc = document(&app).await;
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in &all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{r} is not a component"));
        assert!(schemas.contains_key(name), "{r} does not resolve");
    }
    assert!(!schemas.contains_key("Vec"), "lists are not components");
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let what = format!("{method} {path}");
            let responses = op["responses"].as_object().unwrap();
            let declares = |s: &str| responses.contains_key(s);
            for p in op["parameters"].as_array().into_iter().flatten() {
                let (name, schema) = (p["name"].as_str().unwrap(), &p["schema"]);
                let want = match (p["in"].as_str().unwrap(), name) {
                    ("path", "date") => ("string", Some("date")),
                    ("path", "year") => ("integer", Some("int32")),
                    ("path", n) if n.ends_with("_code") => ("string", None),
                    ("path", n) if n.ends_with("_id") => ("integer", Some("int64")),
                    ("query", "page" | "per_page") => ("integer", Some("int64")),
                    _ => continue,
                };
                assert_eq!((schema["type"].as_str().unwrap(), schema["format"].as_str()), want, "{what}: parameter {name}");
                assert_eq!(p["required"], p["in"] == "path", "{what}: parameter {name} required");
            }
            if op.get("security").is_some() {
                assert!(declares("401") && declares("403"), "{what}: signed-in routes answer 401 and 403");
            }
            assert!(declares("413"), "{what}: the body limit answers every route");
            if op["requestBody"]["content"].get("application/json").is_some() {
                for s in ["400", "415", "422"] {
                    assert!(declares(s), "{what}: a JSON body can be refused with {s}");
                }
            }
            if path.contains("_id}") {
                assert!(declares("404"), "{what}: a record in the path can be missing");
            }
            let ok = responses.keys().filter(|s| s.starts_with('2')).count();
            assert!(ok >= 1, "{what}: no success status");
        }
    }
    assert!(operations > 150, "{operations} operations");
    // The checkup catalogue's items are the checkup's, not another module's type of that name.
    let items = &doc["paths"]["/api/v1/checkup/items"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    let item = match items["items"]["$ref"].as_str() {
        Some(r) => &schemas[r.rsplit('/').next().unwrap()],
        None => &items["items"],
    };
    for field in ["code", "name", "price", "body_part"] {
        assert!(item["properties"].get(field).is_some(), "checkup item without {field}: {item}");
    }
    // The knowledge base has its API.
    for (path, method) in [
        ("/api/v1/desk/kb/articles", "get"),
        ("/api/v1/desk/kb/articles", "post"),
        ("/api/v1/desk/kb/articles/{article_id}", "put"),
        ("/api/v1/desk/kb/articles/{article_id}/variants", "put"),
        ("/api/v1/desk/kb/articles/{article_id}/versions", "get"),
        ("/api/v1/desk/kb/import", "post"),
        ("/api/v1/desk/kb/export.xlsx", "get"),
    ] {
        assert!(doc["paths"][path].get(method).is_some(), "{method} {path} is not documented");
    }
    app.stop().await;
}

async fn every_api_route_answers_as_documented(backend: Backend) {
    let app = TestApp::spawn_with_modules(backend, vec![crate::example_module::module()]).await;
    let h = app.hospital("ha", &[Role::HospitalAdmin, Role::Agent]).await;
    let ids = b_fixtures(&app, h).await;
    let doc = document(&app).await;
    let api: Vec<_> = app.specs().iter().filter(|s| s.is_api() && !s.path.ends_with("/logout")).cloned().collect();
    for role in [Role::HospitalAdmin, Role::Agent] {
        let s = session(&app, role).await;
        for spec in &api {
            let (status, body) = call_route(&app, &doc, spec, &fill_path(spec, &ids), &s).await;
            assert!(status < 500, "{} {} as {}: {status} {body}", spec.method.as_str(), spec.path, role.code());
        }
    }
    for spec in api.iter().filter(|s| s.access == RouteAccess::Tenant) {
        let r = app.client().request(http_method(spec.method), format!("{}{}", app.url, fill_path(spec, &ids))).send().await.unwrap();
        assert_eq!(r.status(), 401, "{} {} without a token", spec.method.as_str(), spec.path);
    }
    let violations = app.conformance().violations();
    assert!(violations.is_empty(), "{} responses broke the document:\n{}", violations.len(), violations.join("\n"));
    let checked = app.conformance().checked();
    let answered = |ok: bool| {
        api.iter()
            .filter(|s| checked.iter().any(|(m, t, status)| m == s.method.as_str() && t == s.path && (!ok || (200..300).contains(status))))
            .count()
    };
    assert_eq!(answered(false), api.len(), "every operation answered at least once");
    // Most operations succeed with the fixtures and the sample bodies; those that do not were
    // still held to their declared refusals above.
    let succeeded = answered(true);
    eprintln!("{} (operation, status) pairs seen; {succeeded} of {} operations answered a success", checked.len(), api.len());
    assert!(succeeded * 10 >= api.len() * 6, "only {succeeded} of {} operations answered a success", api.len());
    app.stop().await;
}
