//! One confirmation mechanism for destructive and outward-facing posts: every form that asks
//! (`data-confirm`) posts to a route that is carried out only once confirmed, so a browser
//! without the script is asked by the server instead of acting on one click.

use hops_platform::web::routes::RouteSpec;
use hops_testkit::{Backend, Browser, PASSWORD, TestApp, both_backends, screenshot};
use reqwest::Method;
use thirtyfour::prelude::*;

use crate::checkup::setup;

both_backends!(every_form_that_asks_posts_to_a_confirmed_route);

/// Forms that ask only in some states, and are not destructive in the others, with the reason.
const ASK_SOMETIMES: &[(&str, &str)] = &[
    ("/performance/generate", "asks only when regenerating an open month; the first generation is not destructive"),
    ("/forms/", "asks only when a saved form already has answers (a new version is published)"),
    // One route for pay, cancel, refund and reschedule: the handler confirms cancel and refund.
    ("/orders/", "checkup H5 order actions: the handler asks for cancel and refund (web::confirm::ask)"),
    ("/checkup/capacity/bulk", "preview or apply: the handler asks before applying (web::confirm::ask)"),
];

/// The `action` of each form with a `data-confirm` (on the form or on one of its buttons).
fn asking_forms(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in html.match_indices("<form") {
        let end = html[i..].find("</form>").map_or(html.len(), |e| i + e);
        let form = &html[i..end];
        if !form.contains("data-confirm") {
            continue;
        }
        if let Some(a) = form.split("action=\"").nth(1).and_then(|s| s.split('"').next()) {
            out.push(a.to_string());
        }
    }
    out
}

/// Whether a template's action (`/checkup/rules/{{ r.id }}/delete`, `{{ base }}/me/wechat/unbind`)
/// is this route's path: segment by segment, template values matching path parameters; a leading
/// `{{ base }}` stands for the route's first segments.
fn matches(action: &str, spec: &RouteSpec) -> bool {
    let norm = |s: &str| {
        s.split('/').filter(|p| !p.is_empty()).map(|p| if p.contains('{') { "*".to_string() } else { p.to_string() }).collect::<Vec<_>>()
    };
    let route = norm(spec.path);
    match action.strip_prefix("{{ base }}") {
        Some(rest) => {
            let rest = norm(rest);
            route.len() > rest.len() && route[route.len() - rest.len()..] == rest[..]
        }
        None => norm(action) == route,
    }
}

async fn every_form_that_asks_posts_to_a_confirmed_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut missing = Vec::new();
    let mut seen = 0;
    for krate in std::fs::read_dir(&crates).unwrap().flatten() {
        let dir = krate.path().join("templates");
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else { continue };
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let html = std::fs::read_to_string(&p).unwrap();
                for action in asking_forms(&html) {
                    seen += 1;
                    if ASK_SOMETIMES.iter().any(|(a, _)| action.contains(a)) {
                        continue;
                    }
                    let routes: Vec<&RouteSpec> = app.specs().iter().filter(|s| matches(&action, s)).collect();
                    if routes.is_empty() || !routes.iter().any(|s| s.confirm) {
                        missing.push(format!("{}: {action}", p.display()));
                    }
                }
            }
        }
    }
    assert!(seen >= 20, "the templates were found ({seen} asking forms)");
    assert!(missing.is_empty(), "forms that ask but post to a route without the confirmation step: {missing:#?}");
    app.stop().await;
}

async fn rules(api: &crate::checkup::Api) -> usize {
    api.call(Method::GET, "/api/v1/checkup/rules", None).await.1.as_array().unwrap().len()
}

/// In Chromium: deleting a rule asks first — dismissed, nothing happens; accepted, it is
/// deleted. With the script's confirmation taken away (as without JavaScript), the server asks
/// on its own page, and its button carries the deletion out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destructive_post_is_confirmed_with_and_without_the_script() {
    let api = setup(Backend::Sqlite).await;
    let before = rules(&api).await;
    let browser = Browser::start().await;
    let d = &browser.driver;
    d.set_window_rect(0, 0, 1440, 900).await.unwrap();
    d.goto(format!("{}/checkup/rules", api.app.url)).await.unwrap();
    d.find(By::Id("hospital")).await.unwrap().send_keys("tj").await.unwrap();
    d.find(By::Id("username")).await.unwrap().send_keys("operator").await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    d.find(By::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for("项目规则").await;
    let delete = "form[action$='/delete'] button[type=submit]";
    d.find(By::Css(delete)).await.unwrap().click().await.unwrap();
    assert_eq!(d.get_alert_text().await.unwrap(), "删除这条规则？");
    d.dismiss_alert().await.unwrap();
    assert_eq!(rules(&api).await, before, "dismissed: nothing deleted");
    d.find(By::Css(delete)).await.unwrap().click().await.unwrap();
    d.accept_alert().await.unwrap();
    browser.wait_for("已删除").await;
    assert_eq!(rules(&api).await, before - 1, "accepted: deleted at once, no second question");
    screenshot(d, "confirm-1-deleted").await;
    // Without the script's part: the form posts without `_confirmed`.
    d.execute("document.querySelectorAll('form[data-confirm]').forEach(f => f.removeAttribute('data-confirm'))", vec![]).await.unwrap();
    d.find(By::Css(delete)).await.unwrap().click().await.unwrap();
    let t = browser.wait_for("请确认").await;
    assert!(t.contains("请确认：删除项目规则") && t.contains("确认删除项目规则") && t.contains("取消"), "{t}");
    assert_eq!(rules(&api).await, before - 1, "asked, not yet deleted");
    screenshot(d, "confirm-2-server-asks").await;
    d.find(By::Id("confirm-yes")).await.unwrap().click().await.unwrap();
    browser.wait_for("已删除").await;
    assert_eq!(rules(&api).await, before - 2, "confirmed on the server's page: deleted");
    browser.quit().await;
    api.app.stop().await;
}
