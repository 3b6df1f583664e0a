//! Test kit: the real application on port 0 with a fresh database per test, on SQLite always
//! and on PostgreSQL when `HOPS_TEST_DATABASE_URL` is set (each test gets its own database,
//! dropped afterwards), plus helpers for signing in and for driving headless Chromium, and a
//! local SMTP sink.

mod browser;
pub mod conformance;
mod smtp;

use std::path::PathBuf;
use std::sync::Arc;

use hops_kernel::{Clock, HospitalId, Instant, ManualClock, SystemClock};
use hops_platform::accounts::service::{self as accounts, NewHospital, NewUserInput};
use hops_platform::config::{Config, Secret};
use hops_platform::db::Db;
use hops_platform::{Access, Core, Role};
use serde_json::{Value, json};

pub use browser::{Browser, screenshot, screenshot_dir};
pub use conformance::Conformance;
pub use smtp::{ReceivedMail, SmtpSink};

/// A password every test account shares; it satisfies the password policy.
pub const PASSWORD: &str = "Test-Passw0rd!";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    /// Admin URL of a PostgreSQL server (its database is used only to create and drop others).
    Postgres(String),
}

impl Backend {
    /// PostgreSQL from `HOPS_TEST_DATABASE_URL`, if set.
    pub fn postgres() -> Option<Backend> {
        std::env::var("HOPS_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()).map(Backend::Postgres)
    }
}

/// Runs a test body on SQLite, and on PostgreSQL when `HOPS_TEST_DATABASE_URL` is set. CI
/// sets it, so there a PostgreSQL problem fails the test instead of skipping it.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                match $crate::Backend::postgres() {
                    Some(b) => super::$name(b).await,
                    None => eprintln!("HOPS_TEST_DATABASE_URL not set: PostgreSQL variant not run"),
                }
            }
        }
    )*};
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), hops_platform::crypto::random_token(6).to_lowercase().replace(['-', '_'], "x"))
}

/// A database of its own for one test.
pub struct TestDb {
    pub url: String,
    pub dir: PathBuf,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn create(backend: &Backend) -> TestDb {
        let dir = std::env::temp_dir().join(unique("hops_test"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        match backend {
            Backend::Sqlite => TestDb { url: format!("sqlite://{}?mode=rwc", dir.join("hops.db").display()), dir, pg: None },
            Backend::Postgres(admin) => {
                let name = unique("hops_t");
                let mut c =
                    hops_platform::db::connect_one(admin).await.unwrap_or_else(|e| panic!("PostgreSQL unreachable at {admin}: {e}"));
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut c).await.expect("create test database");
                let url = replace_db(admin, &name);
                TestDb { url, dir, pg: Some((admin.clone(), name)) }
            }
        }
    }

    pub fn config(&self) -> Config {
        let mut config = Config::from_env(None).expect("default configuration");
        config.data_dir = self.dir.clone();
        config.key_file = self.dir.join("hops.key");
        config.database_url = Some(Secret::new(self.url.clone()));
        config.job_workers = 2;
        // Recurring work runs when a test says so (`jobs::enqueue_due`), not when a real
        // half-minute happens to pass mid-test.
        config.scheduler = false;
        // Test apps talk to the local SMS and WeChat Pay sandboxes (the tests of production
        // without them switch this off).
        config.sandbox = true;
        config
    }
}

fn replace_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    format!("{prefix}/{db}{query}")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin, name)) = self.pg.take() {
            // Drop from a thread with its own runtime: Drop may run inside or outside tokio.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    if let Ok(mut c) = hops_platform::db::connect_one(&admin).await {
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                            .execute(&mut c)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A running application.
pub struct TestApp {
    pub url: String,
    pub core: Arc<Core>,
    pub db: Db,
    pub clock: Arc<ManualClock>,
    pub backend: Backend,
    server: Option<hops::Server>,
    test_db: TestDb,
    conformance: Arc<Conformance>,
}

/// The environment variable that starts every test app's clock at a chosen instant instead of
/// now (e.g. `2026-11-23T23:58:30+08:00`, just before midnight in China), to run the suite at the
/// moments that break date arithmetic.
pub const CLOCK_START_ENV: &str = "HOPS_TEST_CLOCK_START";

#[allow(clippy::disallowed_methods)]
fn wall_clock_now() -> Instant {
    match std::env::var(CLOCK_START_ENV) {
        Ok(v) if !v.trim().is_empty() => Instant::parse(&v).unwrap_or_else(|e| panic!("{CLOCK_START_ENV}={v}: {e}")),
        _ => SystemClock.now(),
    }
}

impl TestApp {
    /// Starts the app on a fresh database, with a manual clock set to the current time (or to
    /// [`CLOCK_START_ENV`]).
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, |_| {}).await
    }

    /// Like [`TestApp::spawn`] with the configuration changed by `adjust` first (e.g. without
    /// the sandboxes, as `hops serve` runs by default).
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::start(backend, adjust, hops::modules()).await
    }

    /// Like [`TestApp::spawn`] with `extra` modules after the product's (the example module of
    /// `docs/module.md`).
    pub async fn spawn_with_modules(backend: Backend, extra: Vec<Arc<dyn hops_platform::web::Module>>) -> TestApp {
        let mut modules = hops::modules();
        modules.extend(extra);
        TestApp::start(backend, |_| {}, modules).await
    }

    async fn start(backend: Backend, adjust: impl FnOnce(&mut Config), modules: Vec<Arc<dyn hops_platform::web::Module>>) -> TestApp {
        let test_db = TestDb::create(&backend).await;
        let clock = Arc::new(ManualClock::new(wall_clock_now()));
        let mut config = test_db.config();
        adjust(&mut config);
        let (db, core) = hops::open_with(&config, clock.clone(), &modules).await.expect("open app");
        let listener = hops::bind("127.0.0.1:0".parse().expect("addr")).await.expect("bind");
        let mut conformance = None;
        let server = hops::Server::start_wrapped(core.clone(), listener, modules, |specs, router| {
            let c = Arc::new(Conformance::new(hops_platform::web::routes::openapi(specs, "test")));
            conformance = Some(c.clone());
            router.layer(axum::middleware::from_fn(move |req, next| check_response(c.clone(), req, next)))
        })
        .await
        .expect("start server");
        let conformance = conformance.expect("wrapped");
        TestApp { url: server.url.clone(), core, db, clock, backend, server: Some(server), test_db, conformance }
    }

    /// The API responses this app answered, held to its OpenAPI document.
    pub fn conformance(&self) -> &Conformance {
        &self.conformance
    }

    pub fn specs(&self) -> &[hops_platform::web::RouteSpec] {
        self.server.as_ref().expect("running").specs()
    }

    pub fn database_url(&self) -> &str {
        &self.test_db.url
    }

    pub fn data_dir(&self) -> &std::path::Path {
        &self.test_db.dir
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// A hospital with one user per given role (usernames are the role codes).
    pub async fn hospital(&self, code: &str, roles: &[Role]) -> HospitalId {
        let h = accounts::create_hospital(
            &self.core,
            NewHospital { code, name: &format!("测试医院{code}"), grade: "三级甲等", is_platform: false },
        )
        .await
        .expect("create hospital");
        let access = self.core.act_as_system(h);
        for r in roles {
            accounts::create_user(&access, NewUserInput { username: r.code(), display_name: r.label_zh(), role: *r, password: PASSWORD })
                .await
                .expect("create user");
        }
        h
    }

    pub fn system(&self, h: HospitalId) -> Access {
        self.core.act_as_system(h)
    }

    /// A bearer token for `username` of `hospital` (not for TOTP admins; see `login_admin`).
    pub async fn token(&self, hospital: &str, username: &str) -> String {
        let r = self
            .client()
            .post(format!("{}/api/v1/auth/login", self.url))
            .json(&json!({"hospital": hospital, "username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("login");
        let status = r.status();
        let body: Value = r.json().await.expect("login json");
        assert_eq!(status, 200, "login of {username}@{hospital} failed: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// A plain HTTP client without redirects or cookies.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn browser_client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
    }

    /// Signs in through the login form; returns the client (with its cookie) and the CSRF token.
    pub async fn web_login(&self, hospital: &str, username: &str) -> (reqwest::Client, String) {
        let c = self.browser_client();
        let r = c
            .post(format!("{}/login", self.url))
            .form(&[("hospital", hospital), ("username", username), ("password", PASSWORD)])
            .send()
            .await
            .expect("login");
        assert_eq!(r.status(), 303, "web login of {username}@{hospital}");
        let page = c.get(format!("{}/", self.url)).send().await.expect("home").text().await.expect("text");
        let csrf = page.split("name=\"_csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).expect("csrf token on page").to_string();
        (c, csrf)
    }

    /// Signs a TOTP admin in through the web (enrolling the second factor) and through the API.
    pub async fn admin_session(&self, hospital: &str, username: &str) -> AdminSession {
        let web = self.browser_client();
        let r = web
            .post(format!("{}/login", self.url))
            .form(&[("hospital", hospital), ("username", username), ("password", PASSWORD)])
            .send()
            .await
            .expect("login");
        assert_eq!(r.headers()["location"], "/account/totp", "admin is sent to enrolment");
        let page = web.get(format!("{}/account/totp", self.url)).send().await.expect("totp page").text().await.expect("text");
        let secret = between(&page, "id=\"totp-secret\">", "<");
        let csrf = between(&page, "name=\"_csrf\" value=\"", "\"");
        let code = accounts::totp_code(&secret, self.core.now()).expect("code");
        let r = web
            .post(format!("{}/account/totp", self.url))
            .form(&[("_csrf", csrf.as_str()), ("code", code.as_str())])
            .send()
            .await
            .expect("enrol");
        assert_eq!(r.headers()["location"], "/", "enrolled");
        // A code is good once: the API login waits for the next one.
        self.clock.advance_seconds(30);
        let code = accounts::totp_code(&secret, self.core.now()).expect("code");
        let body = json!({"hospital": hospital, "username": username, "password": PASSWORD, "totp": code});
        let r = self.client().post(format!("{}/api/v1/auth/login", self.url)).json(&body).send().await.expect("api login");
        assert_eq!(r.status(), 200);
        let token = r.json::<Value>().await.expect("json")["token"].as_str().expect("token").to_string();
        AdminSession { web, csrf, token, totp_secret: secret }
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
        self.db.close().await;
    }
}

/// A test fails when a response of its app broke the API document (see [`conformance`]).
impl Drop for TestApp {
    fn drop(&mut self) {
        let violations = self.conformance.violations();
        if !violations.is_empty() && !std::thread::panicking() {
            let n = violations.len();
            let shown: Vec<String> = violations.into_iter().take(60).collect();
            panic!("{n} API responses broke the OpenAPI document:\n{}", shown.join("\n"));
        }
    }
}

/// Records an API response against the document (the body is read and passed on unchanged).
async fn check_response(c: Arc<Conformance>, req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let res = next.run(req).await;
    if !path.starts_with("/api/") || c.operation(&method, &path).is_none() {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let content_type = parts.headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let _ = c.check(&method, &path, parts.status.as_u16(), content_type, &bytes);
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// A signed-in administrator: browser cookie + CSRF token, and an API token.
pub struct AdminSession {
    pub web: reqwest::Client,
    pub csrf: String,
    pub token: String,
    pub totp_secret: String,
}

/// The text between `start` and the next `end` in `s` (panics when absent: tests only).
pub fn between(s: &str, start: &str, end: &str) -> String {
    s.split(start).nth(1).and_then(|r| r.split(end).next()).unwrap_or_else(|| panic!("{start:?} not found")).to_string()
}

/// The HTTP method of a registered route, for reqwest.
pub fn http_method(m: hops_platform::web::Method) -> reqwest::Method {
    use hops_platform::web::Method;
    match m {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// Shorthand for authorised JSON calls.
pub async fn call(client: &reqwest::Client, method: reqwest::Method, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = client.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}
