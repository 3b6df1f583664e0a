//! The route table: every route is registered here with its description, so the router, the
//! OpenAPI document, the API docs page and the tenancy test all read one list.

use std::collections::BTreeMap;

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use serde_json::{Value, json};
use utoipa::openapi::{RefOr, Schema};

use super::AppState;

type Schemas = Vec<(String, RefOr<Schema>)>;
/// Registers a type's schema (and the schemas it refers to); returns its name.
pub type SchemaFn = fn(&mut Schemas) -> String;

fn collect<T: utoipa::ToSchema>(v: &mut Schemas) -> String {
    let name = T::name().to_string();
    v.push((name.clone(), <T as utoipa::PartialSchema>::schema()));
    T::schemas(v);
    name
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
    fn filter(self) -> MethodFilter {
        match self {
            Method::Get => MethodFilter::GET,
            Method::Post => MethodFilter::POST,
            Method::Put => MethodFilter::PUT,
            Method::Delete => MethodFilter::DELETE,
        }
    }
}

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (login, health, assets, docs).
    Public,
    /// A signed-in user of some hospital; the handler works on that hospital's data only.
    Tenant,
}

/// Whose data a route reaches — its declared data scope (security issue 12, finding 7). The
/// route-walking test (tests/it/tenancy.rs) walks every route as each role and as a patient of
/// another person, checks each declaration, and fails on a route that declares none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Not declared: the route-walking test fails.
    Undeclared,
    /// No tenant data: sign-in, health, assets, documentation, the sandboxes, callbacks.
    Public,
    /// The hospital's own settings, catalogues, staff and aggregate figures: no row about a
    /// patient or customer.
    Hospital,
    /// Rows about patients, filtered where they are read by the caller's data scope
    /// ([`crate::DataScope`]): a doctor or nurse sees their departments' patients only.
    People,
    /// Rows about patients or customers for hospital-wide work (bookings, tickets, complaints,
    /// imports, the audit log): only roles whose data scope is "all" hold the permission.
    AllPeople,
    /// The caller's own account and records (a doctor's own performance sheets).
    Own,
    /// The hospital's public pages: an anonymous visitor sees published data; a patient or an
    /// employer's contact only what the phone they proved reaches.
    Visitor,
}

/// Description of an API operation for the OpenAPI document.
#[derive(Clone, Debug)]
pub struct ApiDoc {
    pub tag: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub request: Option<SchemaFn>,
    pub response: Option<SchemaFn>,
    pub response_status: u16,
    pub query: Vec<(&'static str, &'static str)>,
    pub errors: Vec<(u16, &'static str)>,
}

impl ApiDoc {
    pub fn new(tag: &'static str, summary: &'static str) -> Self {
        ApiDoc { tag, summary, description: "", request: None, response: None, response_status: 200, query: Vec::new(), errors: Vec::new() }
    }
    pub fn describe(mut self, d: &'static str) -> Self {
        self.description = d;
        self
    }
    pub fn body<T: utoipa::ToSchema>(mut self) -> Self {
        self.request = Some(collect::<T>);
        self
    }
    pub fn returns<T: utoipa::ToSchema>(mut self) -> Self {
        self.response = Some(collect::<T>);
        self
    }
    pub fn status(mut self, s: u16) -> Self {
        self.response_status = s;
        self
    }
    pub fn query(mut self, name: &'static str, description: &'static str) -> Self {
        self.query.push((name, description));
        self
    }
    pub fn error(mut self, status: u16, meaning: &'static str) -> Self {
        self.errors.push((status, meaning));
        self
    }
}

#[derive(Clone, Debug)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    /// `Some` for JSON API routes.
    pub api: Option<ApiDoc>,
    /// Whose data the route reaches.
    pub scope: Scope,
}

impl RouteSpec {
    pub fn is_api(&self) -> bool {
        self.api.is_some()
    }
    /// The `{name}` parameters of the path.
    pub fn params(&self) -> Vec<&'static str> {
        self.path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect()
    }
}

/// Collects routes and their descriptions.
pub struct Routes {
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
    /// The data scope of the routes added next.
    scope: Scope,
}

impl Default for Routes {
    fn default() -> Self {
        Routes { router: Router::new(), specs: Vec::new(), scope: Scope::Undeclared }
    }
}

impl Routes {
    /// Routes whose data scope is `scope` (until [`Routes::scope`] says otherwise).
    pub fn scoped(scope: Scope) -> Self {
        Routes { scope, ..Routes::default() }
    }

    /// The data scope of the routes added from here on.
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    fn add<H, T>(mut self, spec: RouteSpec, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        assert!(
            !self.specs.iter().any(|s| s.path == spec.path && s.method == spec.method),
            "route {} {} registered twice",
            spec.method.as_str(),
            spec.path
        );
        self.router = self.router.route(spec.path, on(spec.method.filter(), handler));
        self.specs.push(spec);
        self
    }

    /// An HTML page (or form post) for signed-in users.
    pub fn page<H, T>(self, method: Method, path: &'static str, summary: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let scope = self.scope;
        self.add(RouteSpec { method, path, access: Access::Tenant, summary, api: None, scope }, handler)
    }

    /// A route anyone may call.
    pub fn public<H, T>(self, method: Method, path: &'static str, summary: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let scope = self.scope;
        self.add(RouteSpec { method, path, access: Access::Public, summary, api: None, scope }, handler)
    }

    /// A JSON API operation for signed-in users (bearer token).
    pub fn api<H, T>(self, method: Method, path: &'static str, doc: ApiDoc, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        assert!(path.starts_with("/api/"), "API routes live under /api/: {path}");
        let scope = self.scope;
        self.add(RouteSpec { method, path, access: Access::Tenant, summary: doc.summary, api: Some(doc), scope }, handler)
    }

    /// A JSON API operation anyone may call (login).
    pub fn public_api<H, T>(self, method: Method, path: &'static str, doc: ApiDoc, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let scope = self.scope;
        self.add(RouteSpec { method, path, access: Access::Public, summary: doc.summary, api: Some(doc), scope }, handler)
    }

    pub fn merge(mut self, other: Routes) -> Self {
        for s in &other.specs {
            assert!(
                !self.specs.iter().any(|t| t.path == s.path && t.method == s.method),
                "route {} {} registered twice",
                s.method.as_str(),
                s.path
            );
        }
        self.router = self.router.merge(other.router);
        self.specs.extend(other.specs);
        self
    }

    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ErrorDetail {
    /// Machine-readable code, e.g. `validation_failed`, `not_found`, `forbidden`.
    code: String,
    /// What went wrong, in Chinese, for a person.
    message: String,
    /// Per-field problems (validation only).
    fields: Option<Vec<ErrorField>>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct ErrorField {
    field: String,
    message: String,
}

/// Builds the OpenAPI 3.1 document from the API routes.
pub fn openapi(specs: &[RouteSpec], version: &str) -> Value {
    let mut schemas: Schemas = Vec::new();
    let error_name = collect::<ErrorBody>(&mut schemas);
    let mut paths: BTreeMap<&str, serde_json::Map<String, Value>> = BTreeMap::new();
    for s in specs {
        let Some(doc) = &s.api else { continue };
        let mut op = serde_json::Map::new();
        op.insert("tags".into(), json!([doc.tag]));
        op.insert("summary".into(), json!(doc.summary));
        if !doc.description.is_empty() {
            op.insert("description".into(), json!(doc.description));
        }
        op.insert(
            "operationId".into(),
            json!(format!(
                "{}_{}",
                s.method.as_str().to_lowercase(),
                s.path.trim_start_matches("/api/v1/").replace(['/', '{', '}', '-'], "_")
            )),
        );
        let mut params: Vec<Value> = s
            .params()
            .into_iter()
            .map(|p| json!({"name": p, "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}))
            .collect();
        params.extend(
            doc.query
                .iter()
                .map(|(n, d)| json!({"name": n, "in": "query", "required": false, "description": d, "schema": {"type": "string"}})),
        );
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        if let Some(req) = doc.request {
            let name = req(&mut schemas);
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}}),
            );
        }
        let mut responses = serde_json::Map::new();
        let ok = match doc.response {
            Some(resp) => {
                let name = resp(&mut schemas);
                json!({"description": "成功", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}})
            }
            None => json!({"description": "成功"}),
        };
        responses.insert(doc.response_status.to_string(), ok);
        let err = |d: &str| json!({"description": d, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{error_name}")}}}});
        let mut errors: Vec<(u16, &str)> = vec![(400, "请求格式错误"), (422, "输入校验失败")];
        if s.access == Access::Tenant {
            errors.extend([(401, "未登录或令牌无效"), (403, "没有权限")]);
        }
        if !s.params().is_empty() {
            errors.push((404, "不存在（或属于其他医院）"));
        }
        if doc.request.is_some() {
            errors.push((415, "请求头须为 Content-Type: application/json"));
        }
        errors.extend(doc.errors.iter().copied());
        for (status, d) in errors {
            responses.insert(status.to_string(), err(d));
        }
        op.insert("responses".into(), Value::Object(responses));
        if s.access == Access::Tenant {
            op.insert("security".into(), json!([{"bearer": []}]));
        }
        paths.entry(s.path).or_default().insert(s.method.as_str().to_lowercase(), Value::Object(op));
    }
    let components: serde_json::Map<String, Value> =
        schemas.into_iter().map(|(n, s)| (n, serde_json::to_value(s).expect("schemas serialise"))).collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "hops API",
            "version": version,
            "description": "hops（互联网医院运营平台）JSON API。先以 POST /api/v1/auth/login 取得令牌，之后在请求头 Authorization: Bearer <token> 中携带。所有错误均为 {\"error\": {\"code\", \"message\"}}。个人信息（身份证号、手机号）默认脱敏。"
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}
        }
    })
}
