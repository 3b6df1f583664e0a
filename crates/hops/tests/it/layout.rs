//! The console's layout as its users meet it, on the demo hospital in Chromium at 1280×900: no
//! page scrolls sideways (a wide table scrolls inside its card, its action column reachable),
//! long lists page, a package's long item list folds, the case step bar keeps its connectors
//! between the labels. Screenshots of every page are saved for a person to look at.

use hops_testkit::{Backend, Browser, TestApp, screenshot};
use thirtyfour::prelude::*;

const PAGES: &[(&str, &str)] = &[
    ("/", "home"),
    ("/kpis", "kpis"),
    ("/kpis/definitions", "kpi-definitions"),
    ("/rankings", "rankings"),
    ("/reports", "reports"),
    ("/checkup/bookings", "checkup-bookings"),
    ("/checkup/invoices", "checkup-invoices"),
    ("/checkup/packages", "checkup-packages"),
    ("/checkup/centre", "checkup-centre"),
    ("/desk/tickets", "desk-tickets"),
    ("/desk/followup/plans", "desk-followup-plans"),
    ("/desk/complaints", "desk-complaints"),
    ("/desk/complaints/trend", "desk-complaint-trend"),
    ("/desk/complaints/causes", "desk-complaint-causes"),
    ("/desk/settings", "desk-settings"),
    ("/desk/bot", "desk-bot"),
];

async fn demo_hospital(app: &TestApp, code: &str) -> hops_kernel::HospitalId {
    hops_platform::accounts::service::hospital_by_code(&app.core, code).await.unwrap().expect("the demo hospital").id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_fit_the_window_and_long_lists_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let demo = hops_demo::ensure_demo_with_patients(&app.core, 300).await.unwrap();
    let operator = demo.accounts.iter().find(|a| a.username == "operator").unwrap();
    let browser = Browser::start().await;
    let d = &browser.driver;
    d.set_window_rect(0, 0, 1280, 900).await.unwrap();
    d.goto(format!("{}/login", app.url)).await.unwrap();
    d.find(By::Id("hospital")).await.unwrap().send_keys(&demo.hospital_code).await.unwrap();
    d.find(By::Id("username")).await.unwrap().send_keys(&operator.username).await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys(&operator.password).await.unwrap();
    d.find(By::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for("首页").await;
    let mut wide = Vec::new();
    for (path, name) in PAGES {
        d.goto(format!("{}{path}", app.url)).await.unwrap();
        let text = browser.body_text().await;
        assert!(!text.contains("服务器出错") && !text.contains("错误代码"), "{path}: {text}");
        let v = d.execute("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]", vec![]).await.unwrap();
        let (scroll, client): (i64, i64) = v.convert().unwrap();
        if scroll > client + 1 {
            wide.push(format!("{path}: {scroll} > {client}"));
        }
        screenshot(d, &format!("layout-{name}")).await;
    }
    assert!(wide.is_empty(), "pages that scroll sideways: {wide:?}");
    // The weekly hours of a desk calendar, a row per weekday, opened for editing.
    let office = hops_desk::setup::service::load(&app.system(demo_hospital(&app, &demo.hospital_code).await)).await.unwrap();
    let code = office.calendars.first().map(|c| c.code.clone()).unwrap_or_default();
    d.goto(format!("{}/desk/settings?calendar={code}#calendar-form", app.url)).await.unwrap();
    browser.wait_for("修改服务日历").await;
    screenshot(d, "layout-desk-calendar-form").await;
    // Long lists page: at most 50 ranked doctors a page, with a pager.
    d.goto(format!("{}/rankings?kind=doctor", app.url)).await.unwrap();
    if let Ok(table) = d.find(By::Id("ranking-table")).await {
        assert!(table.find_all(By::Css("tbody tr")).await.unwrap().len() <= 50);
        assert!(browser.body_text().await.contains("页，共"), "a pager under the table");
    }
    // The package list folds each package's items: the page stays short.
    d.goto(format!("{}/checkup/packages", app.url)).await.unwrap();
    for row in d.find_all(By::Css("table.data tbody tr")).await.unwrap() {
        let h = row.rect().await.unwrap().height;
        assert!(h < 200.0, "a package row is {h} px tall");
    }
    assert!(!d.find_all(By::Css("details.fold")).await.unwrap().is_empty(), "long item lists folded");
    // A complaint's step bar: its connectors sit between the steps, never over their labels.
    d.goto(format!("{}/desk/complaints", app.url)).await.unwrap();
    if let Ok(first) = d.find(By::Css("table.data tbody a[href^='/desk/complaints/']")).await {
        first.click().await.unwrap();
        let steps = d.find(By::Id("progress")).await.unwrap();
        let items = steps.find_all(By::Css("li")).await.unwrap();
        assert!(items.len() >= 3, "the case's steps");
        let mut prev: Option<(f64, f64)> = None;
        for li in &items {
            let r = li.rect().await.unwrap();
            // Steps on one line follow each other without overlapping.
            if let Some((right, y)) = prev.filter(|(_, y)| (r.y - y).abs() < 2.0) {
                assert!(r.x >= right - 0.5, "a step overlaps the one before it: {} < {right} (y {y})", r.x);
            }
            prev = Some((r.x + r.width, r.y));
        }
        screenshot(d, "layout-desk-complaint-steps").await;
    }
    browser.quit().await;
    app.stop().await;
}
