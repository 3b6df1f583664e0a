//! Operations endpoints: health, metrics, the OpenAPI document and its docs page, assets.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use super::AppState;
use super::error::{PageResult, error_page};
use super::routes::{Method, Routes, Scope};
use crate::throttle::ClientKey;

pub fn routes() -> Routes {
    Routes::scoped(Scope::Public)
        .public(Method::Get, "/healthz", "健康检查", healthz)
        .public(Method::Get, "/metrics", "Prometheus 指标", metrics)
        .public(Method::Get, "/api/v1/openapi.json", "OpenAPI 文档", openapi)
        .public(Method::Get, "/api/docs", "API 文档", docs)
        .public(Method::Get, "/assets/{file}", "静态资源", asset)
}

async fn healthz(State(state): State<AppState>) -> Response {
    let db_ok = state.core().db().system().ping().await;
    let body = serde_json::json!({
        "status": if db_ok { "ok" } else { "unavailable" },
        "database": if db_ok { "ok" } else { "unreachable" },
        "version": env!("CARGO_PKG_VERSION"),
    });
    let status = if db_ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(body)).into_response()
}

/// Who may read `/metrics`: the holder of the configured token, else callers on this machine
/// (the caller as the trusted proxies tell it, so a local proxy does not open it to the world).
fn may_scrape(state: &AppState, caller: &str, headers: &axum::http::HeaderMap) -> Result<(), Box<Response>> {
    let core = state.core();
    match &core.config.metrics_token {
        Some(token) => {
            let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
            let ok = given.is_some_and(|g| bool::from(subtle::ConstantTimeEq::ct_eq(g.as_bytes(), token.expose().as_bytes())));
            if ok {
                Ok(())
            } else {
                Err(Box::new((StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "需要指标令牌").into_response()))
            }
        }
        None => {
            let local = caller.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if local {
                Ok(())
            } else {
                Err(Box::new((StatusCode::FORBIDDEN, "指标仅限本机访问（或配置 HOPS_METRICS_TOKEN）").into_response()))
            }
        }
    }
}

async fn metrics(State(state): State<AppState>, ClientKey(caller): ClientKey, headers: axum::http::HeaderMap) -> Response {
    if let Err(refused) = may_scrape(&state, &caller, &headers) {
        return *refused;
    }
    let mut out = String::new();
    super::middleware::render_metrics(&state, &mut out);
    out.push_str("# HELP hops_jobs Jobs in the queue by status (counted at most every 30 seconds).\n# TYPE hops_jobs gauge\n");
    if let Ok(counts) = crate::jobs::status_counts(state.core()).await {
        for (status, n) in counts {
            out.push_str(&format!("hops_jobs{{status=\"{status}\"}} {n}\n"));
        }
    }
    out.push_str(&format!(
        "# HELP hops_build_info Build information.\n# TYPE hops_build_info gauge\nhops_build_info{{version=\"{}\"}} 1\n",
        env!("CARGO_PKG_VERSION")
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

async fn openapi(State(state): State<AppState>) -> Response {
    axum::Json(state.openapi().clone()).into_response()
}

struct DocOp {
    method: String,
    path: String,
    summary: String,
    description: String,
    auth: bool,
    params: Vec<(String, String)>,
    request: String,
    response: String,
    errors: Vec<(String, String)>,
}

struct DocTag {
    name: String,
    ops: Vec<DocOp>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    title: String,
    description: String,
    tags: Vec<DocTag>,
    asset_version: &'static str,
}

/// Renders a schema reference as readable JSON of its component (one level deep).
fn schema_text(doc: &Value, schema: Option<&Value>) -> String {
    let Some(schema) = schema else { return String::new() };
    let resolved = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .and_then(|name| doc["components"]["schemas"].get(name))
        .unwrap_or(schema);
    serde_json::to_string_pretty(resolved).unwrap_or_default()
}

async fn docs(State(state): State<AppState>) -> PageResult<Html<String>> {
    let doc = state.openapi();
    let mut tags: Vec<DocTag> = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let Some(ops) = item.as_object() else { continue };
            for (method, op) in ops {
                let tag = op["tags"][0].as_str().unwrap_or("其他").to_string();
                let json_schema = |v: &Value| v["content"]["application/json"]["schema"].clone();
                let ok = op["responses"].as_object().and_then(|r| r.iter().find(|(k, _)| k.starts_with('2')).map(|(_, v)| json_schema(v)));
                let d = DocOp {
                    method: method.clone(),
                    path: path.clone(),
                    summary: op["summary"].as_str().unwrap_or("").into(),
                    description: op["description"].as_str().unwrap_or("").into(),
                    auth: op.get("security").is_some(),
                    params: op["parameters"]
                        .as_array()
                        .map(|ps| {
                            ps.iter()
                                .map(|p| {
                                    (
                                        format!("{} ({})", p["name"].as_str().unwrap_or(""), p["in"].as_str().unwrap_or("")),
                                        p["description"].as_str().unwrap_or("").to_string(),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    request: schema_text(doc, op.get("requestBody").map(json_schema).as_ref().filter(|v| !v.is_null())),
                    response: schema_text(doc, ok.as_ref().filter(|v| !v.is_null())),
                    errors: op["responses"]
                        .as_object()
                        .map(|r| {
                            r.iter()
                                .filter(|(k, _)| !k.starts_with('2'))
                                .map(|(k, v)| (k.clone(), v["description"].as_str().unwrap_or("").to_string()))
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                match tags.iter_mut().find(|t| t.name == tag) {
                    Some(t) => t.ops.push(d),
                    None => tags.push(DocTag { name: tag, ops: vec![d] }),
                }
            }
        }
    }
    let page = DocsPage {
        title: doc["info"]["title"].as_str().unwrap_or("API").into(),
        description: doc["info"]["description"].as_str().unwrap_or("").into(),
        tags,
        asset_version: env!("CARGO_PKG_VERSION"),
    };
    Ok(Html(page.render().map_err(anyhow::Error::from)?))
}

const CSS: &str = include_str!("../../assets/app.css");
const JS: &str = include_str!("../../assets/app.js");
const FAVICON: &str = include_str!("../../assets/favicon.svg");

async fn asset(Path(file): Path<String>) -> Response {
    let (body, ty) = match file.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "application/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return error_page(StatusCode::NOT_FOUND, "静态资源不存在"),
    };
    ([(header::CONTENT_TYPE, ty), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}
