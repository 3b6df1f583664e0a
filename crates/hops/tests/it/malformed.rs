//! Malformed requests on every route get a clear 4xx (JSON under /api), never a 500.

use hops_platform::Role;
use hops_platform::web::routes::Access as RouteAccess;
use hops_testkit::{Backend, TestApp, both_backends, http_method};
use serde_json::Value;

both_backends!(malformed_requests_never_500);

async fn malformed_requests_never_500(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.hospital("ha", &[Role::HospitalAdmin]).await;
    let admin = app.admin_session("ha", "hospital_admin").await;
    let max = app.core.config.max_body_bytes;
    let huge = vec![b'{'; max + 1024];
    let mut cases = 0;
    for spec in app.specs() {
        if spec.path.ends_with("/logout") {
            continue;
        }
        // Path parameters that are not ids: text, overflow, negative.
        let mut paths = vec![spec.path.to_string()];
        if !spec.params().is_empty() {
            paths = ["abc", "99999999999999999999999", "-1", "%00"]
                .iter()
                .map(|bad| spec.params().iter().fold(spec.path.to_string(), |p, n| p.replace(&format!("{{{n}}}"), bad)))
                .collect();
        }
        for path in paths {
            let url = format!("{}{path}?page=abc&per_page=-5&status=nonsense&q=%FF", app.url);
            let m = http_method(spec.method);
            let mut requests = Vec::new();
            if spec.is_api() {
                let c = app.client();
                requests.push(
                    c.request(m.clone(), &url).bearer_auth(&admin.token).header("content-type", "application/json").body("{\"name\": "),
                );
                requests.push(
                    c.request(m.clone(), &url).bearer_auth(&admin.token).header("content-type", "application/json").body("[1, 2, 3]"),
                );
                requests.push(
                    c.request(m.clone(), &url)
                        .bearer_auth(&admin.token)
                        .header("content-type", "application/json")
                        .body("{\"name\": 5, \"code\": null, \"count\": -1}"),
                );
                requests.push(c.request(m.clone(), &url).bearer_auth(&admin.token).header("content-type", "text/plain").body("hello"));
                requests.push(
                    c.request(m.clone(), &url)
                        .bearer_auth(&admin.token)
                        .header("content-type", "multipart/form-data; boundary=x")
                        .body("--x\r\nbroken"),
                );
                requests.push(
                    c.request(m.clone(), &url).bearer_auth(&admin.token).header("content-type", "application/json").body(huge.clone()),
                );
            } else if spec.access == RouteAccess::Tenant {
                let c = &admin.web;
                requests.push(
                    c.request(m.clone(), &url)
                        .header("x-csrf-token", &admin.csrf)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body("name=%E4%&&=&code[]=1&disabled=maybe"),
                );
                requests.push(
                    c.request(m.clone(), &url)
                        .header("x-csrf-token", &admin.csrf)
                        .header("content-type", "multipart/form-data; boundary=x")
                        .body("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\nnot a zip\r\n--x--\r\n"),
                );
                requests.push(
                    c.request(m.clone(), &url)
                        .header("x-csrf-token", &admin.csrf)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(huge.clone()),
                );
            } else {
                requests.push(
                    app.client()
                        .request(m.clone(), &url)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body("hospital=%ZZ&&password"),
                );
                requests.push(app.client().request(m.clone(), &url).header("content-type", "application/json").body(huge.clone()));
            }
            for req in requests {
                let oversized = req
                    .try_clone()
                    .and_then(|r| r.build().ok())
                    .and_then(|r| r.body().and_then(|b| b.as_bytes()).map(|b| b.len() > max))
                    .unwrap_or(false);
                let r = match req.send().await {
                    Ok(r) => r,
                    // A route that does not read bodies may answer and close before an oversized
                    // body is fully sent; the client then sees a broken pipe. Nothing was accepted.
                    Err(e) if oversized && e.is_request() => continue,
                    Err(e) => panic!("{} {path}: {e}", spec.method.as_str()),
                };
                let status = r.status().as_u16();
                let is_json = r.headers().get("content-type").is_some_and(|v| v.to_str().unwrap_or("").starts_with("application/json"));
                let text = r.text().await.unwrap_or_default();
                assert!(status < 500, "{} {path} answered {status}: {text}", spec.method.as_str());
                if path.starts_with("/api/") && status >= 400 && spec.path != "/api/docs" {
                    assert!(is_json, "{} {path}: API error must be JSON: {text}", spec.method.as_str());
                    let v: Value = serde_json::from_str(&text).unwrap();
                    assert!(v["error"]["code"].is_string() && v["error"]["message"].is_string(), "{path}: {text}");
                }
                cases += 1;
            }
        }
    }
    assert!(cases > 200, "{cases} cases");
    // Unknown routes and methods answer in the caller's format too.
    let r = app.client().get(format!("{}/api/v1/nowhere", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "not_found");
    let r = app.client().delete(format!("{}/api/v1/auth/login", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "method_not_allowed");
    let r = app.client().get(format!("{}/nowhere", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("页面或记录不存在"));
    app.stop().await;
}
