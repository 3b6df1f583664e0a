//! The most used path in real headless Chromium: login → dashboard → patient list.

use std::time::Duration;

use hops_testkit::{Backend, Browser, TestApp};
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_dashboard_patient_list() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let demo = hops_demo::ensure_demo_with_patients(&app.core, 300).await.unwrap();
    let operator = demo.accounts.iter().find(|a| a.username == "operator").unwrap();
    let browser = Browser::start().await;
    let d = &browser.driver;
    d.goto(format!("{}/patients", app.url)).await.unwrap();
    assert!(d.current_url().await.unwrap().path().starts_with("/login"), "signed-out users land on the login page");
    d.find(By::Id("hospital")).await.unwrap().send_keys(&demo.hospital_code).await.unwrap();
    d.find(By::Id("username")).await.unwrap().send_keys(&operator.username).await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys(&operator.password).await.unwrap();
    d.find(By::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    // Back to where we wanted to go: the patient list.
    let table =
        d.query(By::Id("patients-table")).wait(Duration::from_secs(10), Duration::from_millis(100)).first().await.expect("patient table");
    let rows = table.find_all(By::Css("tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 30, "first page of 30 patients");
    let text = browser.body_text().await;
    assert!(text.contains("共 300 位患者"), "{text}");
    assert!(text.contains("****"), "numbers are masked");
    hops_testkit::screenshot(d, "patients").await;
    // The dashboard shows the headline figures.
    d.find(By::LinkText("首页")).await.unwrap().click().await.unwrap();
    d.query(By::ClassName("stat-grid")).first().await.expect("dashboard tiles");
    let text = browser.body_text().await;
    for expected in [demo.hospital_name.as_str(), "注册患者", "300", "医生", "科室"] {
        assert!(text.contains(expected), "dashboard lacks {expected}: {text}");
    }
    assert!(!text.contains("服务器出错") && !text.contains("错误代码"), "{text}");
    hops_testkit::screenshot(d, "dashboard").await;
    // Search by full mobile number finds exactly one patient.
    d.goto(format!("{}/patients?q=%E5%BC%A0", app.url)).await.unwrap();
    let text = browser.body_text().await;
    assert!(text.contains("位患者"), "{text}");
    browser.quit().await;
    app.stop().await;
}
