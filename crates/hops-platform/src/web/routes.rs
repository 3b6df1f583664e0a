//! The route table: every route is registered here with its description, so the router, the
//! OpenAPI document, the API docs page and the tenancy test all read one list.

use std::collections::BTreeMap;

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use serde_json::{Value, json};
use utoipa::openapi::{RefOr, Schema};

use super::AppState;

pub type Schemas = Vec<(String, RefOr<Schema>)>;
/// Registers a type's schema (and the schemas it refers to); returns the schema to use: a
/// reference to the named component, or the array itself for a list (`Vec<T>` has no name of
/// its own: utoipa would call every list `Vec`).
pub type SchemaFn = fn(&mut Schemas) -> Value;

fn collect<T: utoipa::ToSchema>(v: &mut Schemas) -> Value {
    let schema = <T as utoipa::PartialSchema>::schema();
    T::schemas(v);
    if matches!(schema, RefOr::T(Schema::Array(_))) {
        return serde_json::to_value(schema).expect("schemas serialise");
    }
    let name = T::name().to_string();
    v.push((name.clone(), schema));
    schema_ref(&name)
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

/// The type of a path or query parameter, as the document declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// A record id: an integer (int64).
    Id,
    /// An integer, at least `min` (a page number: 1).
    Int { min: i64 },
    /// Text or a code.
    Text,
    /// A calendar day, `2026-11-22` (`format: date`).
    Date,
    /// A month, `2026-11`.
    Month,
    /// A year, `2026`.
    Year,
    /// A flag: `1`/`true` or `0`/`false`.
    Flag,
    /// One of these codes.
    OneOf(&'static [&'static str]),
}

impl Param {
    /// A page number (from 1).
    pub const PAGE: Param = Param::Int { min: 1 };

    /// The parameter's JSON schema.
    pub fn schema(self) -> Value {
        match self {
            Param::Id => json!({"type": "integer", "format": "int64"}),
            Param::Int { min } => json!({"type": "integer", "format": "int64", "minimum": min}),
            Param::Text => json!({"type": "string"}),
            Param::Date => json!({"type": "string", "format": "date"}),
            Param::Month => json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}),
            Param::Year => json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": 9999}),
            Param::Flag => json!({"type": "string", "enum": ["1", "0", "true", "false"]}),
            Param::OneOf(codes) => json!({"type": "string", "enum": codes}),
        }
    }

    /// The type of path parameter `name` when the route does not declare it: `…_id` is an id,
    /// `date` a day, `year` a year, `code` and `…_code` text; any other name must be declared.
    fn by_name(name: &str) -> Option<Param> {
        match name {
            "id" => Some(Param::Id),
            "date" => Some(Param::Date),
            "year" => Some(Param::Year),
            "code" => Some(Param::Text),
            n if n.ends_with("_id") => Some(Param::Id),
            n if n.ends_with("_code") => Some(Param::Text),
            _ => None,
        }
    }
}

/// A query parameter of an API operation.
#[derive(Clone, Debug)]
pub struct QueryParam {
    pub name: &'static str,
    pub kind: Param,
    pub description: &'static str,
    pub required: bool,
}

/// What a successful call answers with.
#[derive(Clone, Debug)]
enum Body {
    None,
    Json(SchemaFn),
    /// A file of this media type.
    File(&'static str),
}

/// Description of an API operation for the OpenAPI document: every status the route can answer.
/// From its shape the document declares 400 (a parameter or body that does not parse), 401 and
/// 403 (signed-in routes: no or an expired token, a missing permission or second factor), 404
/// (a record in the path), 409 (writes of signed-in users: a duplicate or a status that no
/// longer allows it), 413 (every route: the body limit), 415 (JSON bodies) and 422 (bodies, query
/// parameters and days in the path, which handlers check); `error` adds what else the handler
/// answers (429, 503…) and `status`/`also` its success statuses.
#[derive(Clone, Debug)]
pub struct ApiDoc {
    pub tag: &'static str,
    pub summary: &'static str,
    pub description: &'static str,
    pub request: Option<SchemaFn>,
    /// A multipart upload: the file field `file` and these text fields (name, description).
    pub upload: Option<Vec<(&'static str, &'static str)>>,
    response: Body,
    pub response_status: u16,
    /// Other success statuses answering the same body (e.g. 200 for an idempotent replay of a 201).
    pub also: Vec<(u16, &'static str)>,
    pub query: Vec<QueryParam>,
    /// Path parameters whose type is not given by their name.
    pub path: Vec<(&'static str, Param)>,
    pub errors: Vec<(u16, &'static str)>,
    /// Errors answered with another body than the error's, e.g. an import's row report (422).
    pub error_bodies: Vec<(u16, &'static str, SchemaFn)>,
}

impl ApiDoc {
    pub fn new(tag: &'static str, summary: &'static str) -> Self {
        ApiDoc {
            tag,
            summary,
            description: "",
            request: None,
            upload: None,
            response: Body::None,
            response_status: 200,
            also: Vec::new(),
            query: Vec::new(),
            path: Vec::new(),
            errors: Vec::new(),
            error_bodies: Vec::new(),
        }
    }
    pub fn describe(mut self, d: &'static str) -> Self {
        self.description = d;
        self
    }
    pub fn body<T: utoipa::ToSchema>(mut self) -> Self {
        self.request = Some(collect::<T>);
        self
    }
    /// A `multipart/form-data` upload with the file in field `file`.
    pub fn upload(mut self) -> Self {
        self.upload.get_or_insert_with(Vec::new);
        self
    }
    /// A text field of the upload form.
    pub fn upload_field(mut self, name: &'static str, description: &'static str) -> Self {
        self.upload.get_or_insert_with(Vec::new).push((name, description));
        self
    }
    pub fn returns<T: utoipa::ToSchema>(mut self) -> Self {
        self.response = Body::Json(collect::<T>);
        self
    }
    /// Answers a file of `media_type` (a download).
    pub fn file(mut self, media_type: &'static str) -> Self {
        self.response = Body::File(media_type);
        self
    }
    pub fn status(mut self, s: u16) -> Self {
        self.response_status = s;
        self
    }
    /// Also answers `status` with the same body.
    pub fn also(mut self, status: u16, meaning: &'static str) -> Self {
        self.also.push((status, meaning));
        self
    }
    /// An optional text query parameter.
    pub fn query(self, name: &'static str, description: &'static str) -> Self {
        self.query_as(name, Param::Text, description)
    }
    /// An optional query parameter of type `kind`.
    pub fn query_as(mut self, name: &'static str, kind: Param, description: &'static str) -> Self {
        self.query.push(QueryParam { name, kind, description, required: false });
        self
    }
    /// A query parameter the route cannot do without (400 when absent).
    pub fn query_required(mut self, name: &'static str, kind: Param, description: &'static str) -> Self {
        self.query.push(QueryParam { name, kind, description, required: true });
        self
    }
    /// The type of path parameter `name` (needed when its name does not say it).
    pub fn path(mut self, name: &'static str, kind: Param) -> Self {
        self.path.push((name, kind));
        self
    }
    pub fn error(mut self, status: u16, meaning: &'static str) -> Self {
        self.errors.push((status, meaning));
        self
    }
    /// Answers `status` with `T` (or, from the extractors, the error body).
    pub fn error_returns<T: utoipa::ToSchema>(mut self, status: u16, meaning: &'static str) -> Self {
        self.error_bodies.push((status, meaning, collect::<T>));
        self
    }
    /// The type of path parameter `name`.
    fn path_param(&self, name: &str) -> Option<Param> {
        self.path.iter().find(|(n, _)| *n == name).map(|(_, k)| *k).or_else(|| Param::by_name(name))
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
    /// A form post carried out only once confirmed ([`super::confirm`]).
    pub confirm: bool,
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
        self.add(RouteSpec { method, path, access: Access::Tenant, summary, api: None, scope, confirm: false }, handler)
    }

    /// A destructive or outward-facing form post for signed-in users (cancel, delete, send,
    /// publish…): carried out only with `_confirmed=1`, which the form's `data-confirm` adds once
    /// the user agrees; without it the server asks on a confirmation page ([`super::confirm`]).
    pub fn page_confirmed<H, T>(self, method: Method, path: &'static str, summary: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.confirmed(Access::Tenant, method, path, summary, handler)
    }

    /// [`Routes::page_confirmed`] for a route anyone may call (a patient's own pages).
    pub fn public_confirmed<H, T>(self, method: Method, path: &'static str, summary: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.confirmed(Access::Public, method, path, summary, handler)
    }

    fn confirmed<H, T>(self, access: Access, method: Method, path: &'static str, summary: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let scope = self.scope;
        let handler = handler.layer(axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| {
            super::confirm::step(summary, req, next)
        }));
        self.add(RouteSpec { method, path, access, summary, api: None, scope, confirm: true }, handler)
    }

    /// A route anyone may call.
    pub fn public<H, T>(self, method: Method, path: &'static str, summary: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let scope = self.scope;
        self.add(RouteSpec { method, path, access: Access::Public, summary, api: None, scope, confirm: false }, handler)
    }

    /// A JSON API operation for signed-in users (bearer token).
    pub fn api<H, T>(self, method: Method, path: &'static str, doc: ApiDoc, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        assert!(path.starts_with("/api/"), "API routes live under /api/: {path}");
        let scope = self.scope;
        self.add(RouteSpec { method, path, access: Access::Tenant, summary: doc.summary, api: Some(doc), scope, confirm: false }, handler)
    }

    /// A JSON API operation anyone may call (login).
    pub fn public_api<H, T>(self, method: Method, path: &'static str, doc: ApiDoc, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let scope = self.scope;
        self.add(RouteSpec { method, path, access: Access::Public, summary: doc.summary, api: Some(doc), scope, confirm: false }, handler)
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

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

/// The statuses an operation answers, each with its meaning and body (see [`ApiDoc`]).
fn responses(s: &RouteSpec, doc: &ApiDoc, schemas: &mut Schemas, error: &Value) -> serde_json::Map<String, Value> {
    let mut responses = serde_json::Map::new();
    let ok = match &doc.response {
        Body::Json(resp) => json!({"description": "成功", "content": json_content(resp(schemas))}),
        Body::File(media_type) => {
            json!({"description": "成功（文件）", "content": {*media_type: {"schema": {"type": "string", "format": "binary"}}}})
        }
        Body::None => json!({"description": "成功"}),
    };
    for (status, meaning) in &doc.also {
        let mut also = ok.clone();
        also["description"] = json!(meaning);
        responses.insert(status.to_string(), also);
    }
    responses.insert(doc.response_status.to_string(), ok);
    let has_body = doc.request.is_some() || doc.upload.is_some();
    let params = s.params();
    let mut errors: Vec<(u16, &str)> = Vec::new();
    if has_body || !doc.query.is_empty() || !params.is_empty() {
        errors.push((400, "请求格式错误（参数或请求内容无法解析）"));
    }
    if s.access == Access::Tenant {
        errors.extend([(401, "未登录或令牌无效"), (403, "没有权限（或须先绑定动态验证码）")]);
    }
    let kinds: Vec<Option<Param>> = params.iter().map(|p| doc.path_param(p)).collect();
    if kinds.iter().any(|k| !matches!(k, Some(Param::Date | Param::Month))) {
        errors.push((404, "不存在（或属于其他医院）"));
    }
    // The body limit answers every route, whether it reads a body or not.
    errors.push((413, "请求内容过大"));
    // Every write of a signed-in user can meet a record that exists (unique keys answer 409
    // `duplicate`) or a status that no longer allows it (status flows answer 409).
    if s.access == Access::Tenant && s.method != Method::Get {
        errors.push((409, "与现有记录或当前状态冲突"));
    }
    if doc.request.is_some() {
        errors.push((415, "请求头须为 Content-Type: application/json"));
    }
    // Days and months in the path are checked by the handler (422), not by the router.
    if has_body || !doc.query.is_empty() || kinds.iter().any(|k| matches!(k, Some(Param::Date | Param::Month))) {
        errors.push((422, "输入校验失败（error.fields 列出各字段的问题）"));
    }
    errors.extend(doc.errors.iter().copied());
    for (status, d) in errors {
        responses.insert(status.to_string(), json!({"description": d, "content": json_content(error.clone())}));
    }
    for (status, d, body) in &doc.error_bodies {
        let schema = json!({"anyOf": [error.clone(), body(schemas)]});
        responses.insert(status.to_string(), json!({"description": d, "content": json_content(schema)}));
    }
    responses
}

fn parameters(s: &RouteSpec, doc: &ApiDoc) -> Vec<Value> {
    let mut params: Vec<Value> = s
        .params()
        .into_iter()
        .map(|p| {
            let kind = doc.path_param(p).unwrap_or_else(|| {
                panic!("{} {}: declare the type of path parameter {{{p}}} with ApiDoc::path", s.method.as_str(), s.path)
            });
            json!({"name": p, "in": "path", "required": true, "schema": kind.schema()})
        })
        .collect();
    params.extend(doc.query.iter().map(|q| {
        let mut v = json!({"name": q.name, "in": "query", "required": q.required, "schema": q.kind.schema()});
        if !q.description.is_empty() {
            v["description"] = json!(q.description);
        }
        v
    }));
    params
}

fn request_body(doc: &ApiDoc, schemas: &mut Schemas) -> Option<Value> {
    if let Some(req) = doc.request {
        return Some(json!({"required": true, "content": json_content(req(schemas))}));
    }
    let fields = doc.upload.as_ref()?;
    let mut properties = serde_json::Map::new();
    properties.insert("file".into(), json!({"type": "string", "format": "binary", "description": "文件（.xlsx 或 .csv）"}));
    for (name, d) in fields {
        properties.insert((*name).into(), json!({"type": "string", "description": d}));
    }
    Some(
        json!({"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "properties": properties, "required": ["file"]}}}}),
    )
}

/// The components of the document by name. Two different schemas registered under one name
/// (two Rust types of the same name in different modules) would overwrite each other and make
/// the document lie about one of them: that is a programming error, refused here, naming both.
pub fn components(schemas: Schemas) -> Result<serde_json::Map<String, Value>, Vec<String>> {
    let mut out = serde_json::Map::new();
    let mut clashes = Vec::new();
    for (name, schema) in schemas {
        let value = serde_json::to_value(schema).expect("schemas serialise");
        match out.get(&name) {
            Some(existing) if *existing != value => {
                if !clashes.iter().any(|c: &String| c.starts_with(&format!("{name}:"))) {
                    clashes.push(format!("{name}: {existing} ≠ {value}"));
                }
            }
            Some(_) => {}
            None => {
                out.insert(name, value);
            }
        }
    }
    if clashes.is_empty() { Ok(out) } else { Err(clashes) }
}

/// Builds the OpenAPI 3.1 document from the API routes. Panics when two different types
/// register one schema name (see [`components`]) or a path parameter's type is unknown: the
/// route table is static, so every test that starts the application catches either.
pub fn openapi(specs: &[RouteSpec], version: &str) -> Value {
    let mut schemas: Schemas = Vec::new();
    let error = collect::<ErrorBody>(&mut schemas);
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
                s.path.trim_start_matches("/api/v1/").replace(['/', '{', '}', '-', '.'], "_")
            )),
        );
        let params = parameters(s, doc);
        if !params.is_empty() {
            op.insert("parameters".into(), Value::Array(params));
        }
        if let Some(body) = request_body(doc, &mut schemas) {
            op.insert("requestBody".into(), body);
        }
        op.insert("responses".into(), Value::Object(responses(s, doc, &mut schemas, &error)));
        if s.access == Access::Tenant {
            op.insert("security".into(), json!([{"bearer": []}]));
        }
        paths.entry(s.path).or_default().insert(s.method.as_str().to_lowercase(), Value::Object(op));
    }
    let components = components(schemas).unwrap_or_else(|clashes| {
        panic!("schema names registered by different types (rename one, or #[schema(as = …)]):\n{}", clashes.join("\n"))
    });
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

#[cfg(test)]
mod tests {
    use super::*;

    mod a {
        #[derive(utoipa::ToSchema)]
        #[allow(dead_code)]
        pub struct Item {
            pub code: String,
        }
    }

    mod b {
        #[derive(utoipa::ToSchema)]
        #[allow(dead_code)]
        pub struct Item {
            pub id: i64,
        }
    }

    #[test]
    fn one_name_two_types_is_refused() {
        let mut v = Schemas::new();
        collect::<a::Item>(&mut v);
        collect::<a::Item>(&mut v);
        assert!(components(v.clone()).is_ok(), "one type registered twice is fine");
        collect::<b::Item>(&mut v);
        let clashes = components(v).unwrap_err();
        assert_eq!(clashes.len(), 1);
        assert!(clashes[0].starts_with("Item: "), "{clashes:?}");
    }

    #[test]
    fn parameters_are_typed_by_name_or_declaration() {
        assert_eq!(Param::by_name("ticket_id"), Some(Param::Id));
        assert_eq!(Param::by_name("employer_code"), Some(Param::Text));
        assert_eq!(Param::by_name("date"), Some(Param::Date));
        assert_eq!(Param::by_name("victims"), None);
        let doc = ApiDoc::new("t", "s").path("victims", Param::Text);
        assert_eq!(doc.path_param("victims"), Some(Param::Text));
        assert_eq!(Param::Date.schema()["format"], "date");
        assert_eq!(Param::OneOf(&["a", "b"]).schema()["enum"], json!(["a", "b"]));
    }
}
