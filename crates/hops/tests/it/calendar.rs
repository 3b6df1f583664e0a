//! The business calendar (系统设置 → 节假日): a hospital keeps each year's public holidays and
//! make-up workdays, bad input changes nothing, only those allowed may change it, and the desk's
//! office-hours clocks follow it.

use hops_desk::setup::service as setup;
use hops_kernel::{Instant, LocalDay};
use hops_platform::Role;
use hops_platform::calendar::service as calendar;
use hops_testkit::{Backend, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::json;

both_backends!(a_hospitals_holidays_drive_office_hours_clocks);

fn at(s: &str) -> Instant {
    Instant::parse(s).unwrap()
}

async fn a_hospitals_holidays_drive_office_hours_clocks(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let h = app.hospital("cal", &[Role::Operator, Role::Agent]).await;
    let operator = app.token("cal", "operator").await;
    let agent = app.token("cal", "agent").await;
    let url = |p: &str| format!("{}{p}", app.url);

    // 2026 ships with hops; 2027 is unknown until someone enters it.
    let (s, v) = call(&app.client(), Method::GET, &url("/api/v1/calendar/2026"), &agent, None).await;
    assert_eq!((s, v["own"].as_bool(), v["holidays"].as_array().map(Vec::len)), (200, Some(false), Some(33)), "{v}");
    let (s, _) = call(&app.client(), Method::GET, &url("/api/v1/calendar/2027"), &agent, None).await;
    assert_eq!(s, 404);

    // Bad input: every problem named at its field, nothing saved.
    let bad = json!({"holidays": ["2027-02-06..2027-02-12", "2026-12-31", "2027-02-30"], "workdays": ["2027-02-08", "2027-02-10"]});
    let (s, v) = call(&app.client(), Method::PUT, &url("/api/v1/calendar/2027"), &operator, Some(bad)).await;
    assert_eq!(s, 422, "{v}");
    let fields: Vec<(String, String)> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_string(), f["message"].as_str().unwrap().to_string()))
        .collect();
    assert!(fields.iter().any(|(f, m)| f == "holidays" && m.contains("2026-12-31 不在 2027 年内")), "{fields:?}");
    assert!(fields.iter().any(|(f, m)| f == "holidays" && m.contains("2027-02-30")), "{fields:?}");
    assert!(fields.iter().any(|(f, m)| f == "workdays" && m.contains("不能同时是放假日和调休上班日")), "{fields:?}");
    assert!(fields.iter().any(|(f, m)| f == "workdays" && m.contains("调休上班日应为周六或周日")), "{fields:?}");
    assert_eq!(call(&app.client(), Method::GET, &url("/api/v1/calendar/2027"), &agent, None).await.0, 404, "nothing saved");

    // An agent may read the calendar, not change it.
    let good = json!({"holidays": ["2027-01-01", "2027-02-06..2027-02-12"], "workdays": ["2027-02-14"], "source": "院办按国务院通知录入"});
    let (s, _) = call(&app.client(), Method::PUT, &url("/api/v1/calendar/2027"), &agent, Some(good.clone())).await;
    assert_eq!(s, 403);
    let (s, v) = call(&app.client(), Method::PUT, &url("/api/v1/calendar/2027"), &operator, Some(good)).await;
    assert_eq!((s, v["own"].as_bool(), v["holidays"].as_array().map(Vec::len)), (200, Some(true), Some(8)), "{v}");

    // The desk's office-hours preset follows the public holidays of every known year; 7×24 does
    // not stop for them.
    let sys = app.system(h);
    let s = setup::load(&sys).await.unwrap();
    let office = s.calendar("office").unwrap();
    for closed in ["2026-10-01 10:00", "2027-02-08 10:00", "2027-01-01 10:00"] {
        assert!(!office.is_open(at(closed)), "office hours closed on {closed}");
    }
    assert!(office.is_open(at("2027-02-14 10:00")), "a make-up Sunday is worked");
    assert!(office.is_open(at("2027-02-15 10:00")), "an ordinary Monday");
    assert!(s.calendar("7x24").unwrap().is_open(at("2027-02-08 10:00")));
    let public = calendar::public_days(&sys).await.unwrap();
    assert!(public.is_workday(LocalDay::parse("2027-02-14").unwrap()) && !public.is_workday(LocalDay::parse("2027-02-09").unwrap()));

    // A hospital's correction of a shipped year wins, and can be undone.
    let (s, _) =
        call(&app.client(), Method::PUT, &url("/api/v1/calendar/2026"), &operator, Some(json!({"holidays": ["2026-10-01..2026-10-08"]})))
            .await;
    assert_eq!(s, 200);
    assert_eq!(calendar::year(&sys, 2026).await.unwrap().unwrap().arrangement.holidays.len(), 8);
    let (web, csrf) = app.web_login("cal", "operator").await;
    let r = web.post(url("/calendar/2026/reset")).form(&[("_confirmed", "1"), ("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let y = calendar::year(&sys, 2026).await.unwrap().unwrap();
    assert!(!y.own && y.arrangement.holidays.len() == 33, "back to the shipped 2026");
    let r = web.post(url("/calendar/2026/reset")).form(&[("_confirmed", "1"), ("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 404, "nothing of the hospital's own to reset");

    // The page: the year grid, and a refused form shown again with its message at the field.
    let page = web.get(url("/calendar/2027")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("2027 年（本院版本）") && page.contains("cal-day holiday") && page.contains("院办按国务院通知录入"), "{page}");
    let r = web
        .post(url("/calendar/2028"))
        .form(&[("_csrf", csrf.as_str()), ("holidays", "2028-10-01..2028-10-07"), ("workdays", "2028-10-11"), ("source", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("调休上班日应为周六或周日") && page.contains("2028-10-01..2028-10-07"), "typed text kept: {page}");
    assert!(calendar::year(&sys, 2028).await.unwrap().is_none());
    // Audited.
    let (entries, _) = hops_platform::audit::list(&sys.tenant(), "calendar.", 0, 50).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["calendar.year.reset", "calendar.year.save", "calendar.year.save"], "newest first");
    app.stop().await;
}

/// The page as an operator sees it in Chromium: the year grid with holidays and make-up days.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calendar_page_in_a_browser() {
    use thirtyfour::prelude::*;
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.hospital("cal", &[Role::Operator]).await;
    let browser = hops_testkit::Browser::start().await;
    let d = &browser.driver;
    d.goto(format!("{}/calendar/2026", app.url)).await.unwrap();
    d.find(By::Id("hospital")).await.unwrap().send_keys("cal").await.unwrap();
    d.find(By::Id("username")).await.unwrap().send_keys("operator").await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys(hops_testkit::PASSWORD).await.unwrap();
    d.find(By::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let grid =
        d.query(By::Css("table.cal-year")).wait(std::time::Duration::from_secs(10), std::time::Duration::from_millis(100)).first().await;
    let grid = grid.expect("the year grid");
    assert_eq!(grid.find_all(By::Css("td.cal-day.holiday")).await.unwrap().len(), 33, "the 2026 holidays");
    assert_eq!(grid.find_all(By::Css("td.cal-day.workday")).await.unwrap().len(), 6, "the 2026 make-up workdays");
    let text = browser.body_text().await;
    assert!(text.contains("2026 年（系统内置）") && text.contains("节假日安排"), "{text}");
    hops_testkit::screenshot(d, "calendar-2026").await;
    grid.scroll_into_view().await.unwrap();
    hops_testkit::screenshot(d, "calendar-2026-grid").await;
    browser.quit().await;
    app.stop().await;
}
