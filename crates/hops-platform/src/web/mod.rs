//! The web shell: application state, the module interface, router assembly and the
//! middleware every request passes (sessions, CSRF, security headers, JSON errors, metrics).

mod admin_pages;
mod auth_pages;
pub mod confirm;
pub mod error;
pub mod extract;
pub mod forms;
mod metrics;
mod middleware;
mod ops;
pub mod pages;
pub mod routes;
pub mod shell;
pub mod upload;
pub mod work;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;

use crate::core::{Access, Core};
use crate::error::Result;
pub use crate::jobs::BoxFuture;
use crate::jobs::JobHandler;
pub use error::{ApiError, ApiResult, PageError, PageResult};
pub use extract::{Api, Form, Json, Page, cookie, set_cookie};
pub use forms::{FormErrors, flash};
pub use pages::{download, qr_svg, xlsx};
pub use routes::{ApiDoc, Method, Param, RouteSpec, Routes, Scope};
pub use shell::{ChartPanel, NavItem, Pager, Paging, Section, Shell, Tile, group_digits};
pub use work::{Work, WorkItem};

/// A business area plugged into the platform.
pub trait Module: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// Its entries in the console navigation.
    fn nav(&self) -> Vec<NavItem> {
        Vec::new()
    }
    /// Its pages and API operations.
    fn routes(&self) -> Routes;
    /// Its background job kinds (run when enqueued).
    fn jobs(&self) -> Vec<Arc<dyn JobHandler>> {
        Vec::new()
    }
    /// Its recurring work, run per hospital by the scheduler ([`crate::jobs::schedule`]).
    fn schedules(&self) -> Vec<crate::jobs::Schedule> {
        Vec::new()
    }
    /// The interfaces it offers other modules ([`crate::services`]).
    fn provide(&self, _services: &mut crate::services::Services) {}
    /// The other modules' events it reacts to ([`crate::jobs::events`]).
    fn subscriptions(&self) -> Vec<crate::jobs::Subscription> {
        Vec::new()
    }
    /// The topics of the notifications it sends (their variables and default texts), so a
    /// hospital can edit their texts and the sandboxes can render them.
    fn topics(&self) -> Vec<&'static crate::notify::Topic> {
        Vec::new()
    }
    /// Its columns of encrypted personal data, for the re-encryption at upgrade
    /// ([`crate::reencrypt`]). Every column the module encrypts must be listed.
    fn encrypted_columns(&self) -> Vec<crate::reencrypt::Column> {
        Vec::new()
    }
    /// Its tables whose rows were roles of a person before the person's columns moved to
    /// `people` (migration 0042 drops them): read once at start-up by [`crate::people::adopt`].
    /// A new module gives its role rows a `person_id` from the start and declares nothing.
    fn person_roles(&self) -> Vec<crate::people::adopt::Role> {
        Vec::new()
    }
    /// The Chinese names of the audit actions it writes (code → name), for the audit log.
    fn audit_actions(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
    /// Its patient pages as links on the patient's 我的 page: (label, path under `/p/{hospital}`).
    fn h5_links(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
    /// What waits for the signed-in user in this module (我的待办 on the home page, counts on
    /// the navigation): the user's own work, within their permissions and data scope — nothing
    /// when they lack them — counted with a bounded query or two, since every console page asks
    /// (remembered a few seconds, see [`work`]). An error leaves the module's items out; the
    /// page still shows.
    fn work<'a>(&'a self, _access: &'a Access) -> BoxFuture<'a, Result<Vec<WorkItem>>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    /// Its headline figures on the home dashboard (shown to those whose job is hospital figures:
    /// holders of `AnalyticsRead`).
    fn tiles<'a>(&'a self, _access: &'a Access) -> BoxFuture<'a, Result<Vec<Tile>>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    /// Work to do once when the application opens, after migrations (e.g. rebuilding derived
    /// data an interrupted run left stale). An error stops the start with its message.
    fn on_start<'a>(&'a self, _core: &'a Arc<Core>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async { Ok(()) })
    }
    /// Its charts on the home dashboard.
    fn charts<'a>(&'a self, _access: &'a Access) -> BoxFuture<'a, Result<Vec<ChartPanel>>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

struct Shared {
    core: Arc<Core>,
    modules: Vec<Arc<dyn Module>>,
    nav: Vec<NavItem>,
    specs: Vec<RouteSpec>,
    openapi: serde_json::Value,
    metrics: metrics::Metrics,
    /// Audit action code → Chinese name, the platform's and every module's.
    action_labels: std::collections::HashMap<&'static str, &'static str>,
}

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn core(&self) -> &Arc<Core> {
        &self.0.core
    }
    pub fn nav(&self) -> &[NavItem] {
        &self.0.nav
    }
    pub fn specs(&self) -> &[RouteSpec] {
        &self.0.specs
    }
    pub fn modules(&self) -> &[Arc<dyn Module>] {
        &self.0.modules
    }
    pub fn openapi(&self) -> &serde_json::Value {
        &self.0.openapi
    }
    /// Every named audit action (code, name), ordered by code (so an area's actions stand together).
    pub fn actions(&self) -> Vec<(&'static str, &'static str)> {
        let mut v: Vec<(&'static str, &'static str)> = self.0.action_labels.iter().map(|(c, l)| (*c, *l)).collect();
        v.sort();
        v
    }
    /// The Chinese name of an audit action.
    pub fn action_label(&self, action: &str) -> String {
        crate::audit::action_label(&self.0.action_labels, action)
    }
}

/// The whole application: platform pages and every module's routes behind the middleware.
pub struct App {
    pub router: Router,
    pub specs: Vec<RouteSpec>,
}

pub fn app(core: Arc<Core>, modules: Vec<Arc<dyn Module>>) -> App {
    let mut routes = pages::routes()
        .merge(crate::notify::web::routes())
        .merge(crate::notify::web::sandbox::routes())
        .merge(crate::forms::web::routes())
        .merge(crate::flow::web::routes())
        .merge(crate::patient::web::routes())
        .merge(crate::patient::sandbox::routes());
    let mut nav = pages::nav();
    nav.extend(crate::notify::web::nav());
    nav.extend(crate::forms::web::nav());
    nav.extend(crate::flow::web::nav());
    for m in &modules {
        routes = routes.merge(m.routes());
        nav.extend(m.nav());
    }
    let (router, specs) = routes.into_parts();
    let openapi = routes::openapi(&specs, env!("CARGO_PKG_VERSION"));
    let max_body = core.config.max_body_bytes;
    let action_labels = crate::audit::PLATFORM_ACTIONS.iter().chain(modules.iter().flat_map(|m| m.audit_actions())).copied().collect();
    let state = AppState(Arc::new(Shared {
        core,
        modules,
        nav,
        specs: specs.clone(),
        openapi,
        metrics: metrics::Metrics::default(),
        action_labels,
    }));
    let router = router
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), middleware::metrics))
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::sessions))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(middleware::panic_response))
        // Outermost, so every error — ours, axum's, the body limit's — answers in one format.
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::errors_and_headers))
        .with_state(state);
    App { router, specs }
}
