//! The knowledge base and the patients' FAQ bot on both backends: import (all or nothing), the
//! bot answering paraphrases, refusing what it does not know and medical questions, hand-over to
//! a person; and in headless Chromium the patient's chat ending in the agent's queue.

use std::time::Duration;

use hops_desk::kb::DEMO_FAQ;
use hops_desk::setup::model::Team;
use hops_desk::setup::service as setup;
use hops_platform::Role;
use hops_platform::tabular::Mode;
use hops_testkit::{Backend, Browser, PASSWORD, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::json;
use thirtyfour::prelude::*;

both_backends!(kb_import_and_bot_answers);

async fn kb_import_and_bot_answers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let h = app.hospital("kf", &[Role::Operator, Role::Agent]).await;
    let sys = app.system(h);
    // A file with one bad row changes nothing.
    let bad = format!("{DEMO_FAQ}没有答案的问题,,,挂号预约\n");
    let r = hops_desk::kb::service::import(&sys, bad.as_bytes(), "faq.csv", Mode::AllOrNothing).await.unwrap();
    assert!(!r.committed && r.rejected.len() == 1, "{:?}", r.rejected);
    assert_eq!(r.rejected[0].row, DEMO_FAQ.lines().count() + 1);
    let token = app.token("kf", "operator").await;
    let ask = |q: &str| {
        let (app, token) = (&app, &token);
        let q = q.to_string();
        async move { call(&app.client(), Method::POST, &format!("{}/api/v1/bot/ask", app.url), token, Some(json!({"question": q}))).await }
    };
    let (s, b) = ask("怎么挂号").await;
    assert_eq!((s, b["answered"].as_bool()), (200, Some(false)), "an empty knowledge base answers nothing: {b}");
    let r = hops_desk::kb::service::import(&sys, DEMO_FAQ.as_bytes(), "faq.csv", Mode::AllOrNothing).await.unwrap();
    assert!(r.committed, "{:?}", r.rejected);
    assert_eq!(r.inserted, DEMO_FAQ.lines().count() - 1);
    // Importing the same file again changes nothing.
    let again = hops_desk::kb::service::import(&sys, DEMO_FAQ.as_bytes(), "faq.csv", Mode::AllOrNothing).await.unwrap();
    assert_eq!((again.inserted, again.updated), (0, 0));

    // A colloquial paraphrase is answered from the right article.
    let (s, b) = ask("咋在手机上挂号啊").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["answered"], true, "{b}");
    assert_eq!(b["outcome"], "answered");
    assert!(b["answer"].as_str().unwrap().contains("预约挂号"), "{b}");
    let session = b["session"].as_str().unwrap().to_string();
    // Off-topic: not answered, says so, offers close questions.
    let (_, b) = call(
        &app.client(),
        Method::POST,
        &format!("{}/api/v1/bot/ask", app.url),
        &token,
        Some(json!({"question": "今天天气怎么样", "session": session})),
    )
    .await;
    assert_eq!((b["answered"].as_bool(), b["outcome"].as_str()), (Some(false), Some("unsure")), "{b}");
    assert!(b["message"].as_str().unwrap().contains("转人工"));
    assert_eq!(b["session"], session.as_str());
    // A medical question goes to a doctor, never answered.
    let (_, b) = ask("我头疼发烧38度吃什么药好").await;
    assert_eq!((b["answered"].as_bool(), b["outcome"].as_str()), (Some(false), Some("doctor")), "{b}");
    let (s, b) = ask("   ").await;
    assert_eq!(s, 422, "{b}");

    // Hand-over: a ticket in the service team's queue with the conversation.
    let t = hops_desk::bot::service::handover(&sys, &session, "李先生", "13800001111").await.unwrap();
    assert_eq!(t.channel.code(), "bot");
    assert_eq!(t.team_code.as_deref(), Some("service"));
    let again = hops_desk::bot::service::handover(&sys, &session, "", "").await.unwrap();
    assert_eq!(again.id, t.id, "asking twice makes one ticket");
    let (_, detail) = call(&app.client(), Method::GET, &format!("{}/api/v1/desk/tickets/{}", app.url, t.id), &token, None).await;
    let first = detail["events"][0]["body"].as_str().unwrap();
    assert!(first.contains("咋在手机上挂号啊") && first.contains("今天天气怎么样"), "{first}");
    assert_eq!(detail["ticket"]["requester_phone"], "138****1111");
    let err = hops_desk::bot::service::handover(&sys, "no-such-session", "", "").await.unwrap_err();
    assert_eq!(err.status(), 404);

    // The daily share: two conversations today, one answered without a person? The first was
    // handed over; the third (doctor) had no answer: none resolved alone.
    let today = app.core.now().local_day();
    let days = hops_desk::bot::service::daily(&sys, today, today).await.unwrap();
    assert_eq!((days[0].conversations, days[0].resolved, days[0].handed_over), (3, 0, 1), "{days:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patient_chat_hands_over_to_the_agents_queue() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let h = app.hospital("kf", &[Role::Agent]).await;
    let sys = app.system(h);
    assert!(hops_desk::kb::service::import(&sys, DEMO_FAQ.as_bytes(), "faq.csv", Mode::AllOrNothing).await.unwrap().committed);
    // The agent works in the service team.
    let people = hops_platform::accounts::service::directory(&sys).await.unwrap();
    let agent = people.iter().find(|p| p.username == "agent").unwrap().id.0;
    setup::load(&sys).await.unwrap();
    setup::save_team(&sys, &Team { code: "service".into(), name: "客服组".into(), lead_user_id: None, members: vec![agent] })
        .await
        .unwrap();

    let browser = Browser::start().await;
    let d = &browser.driver;
    d.goto(format!("{}/p/kf/bot", app.url)).await.unwrap();
    let ask = |q: &'static str| async move {
        let box_ = d.find(By::Id("question")).await.unwrap();
        box_.send_keys(q).await.unwrap();
        d.find(By::Css("#ask-form button[type=submit]")).await.unwrap().click().await.unwrap();
        d.query(By::Css(".chat-msg.me")).wait(Duration::from_secs(10), Duration::from_millis(100)).first().await.unwrap();
    };
    // A question it knows, in the patient's words.
    ask("我的药快递到哪了").await;
    let text = browser.body_text().await;
    assert!(text.contains("物流"), "{text}");
    let answered = d.find_all(By::Css(".chat-msg.bot[data-outcome=answered]")).await.unwrap();
    assert_eq!(answered.len(), 1, "{text}");
    // One it does not know.
    ask("可以帮我叫个外卖吗").await;
    let unsure = d.find_all(By::Css(".chat-msg.bot[data-outcome=unsure]")).await.unwrap();
    assert_eq!(unsure.len(), 1, "{}", browser.body_text().await);
    hops_testkit::screenshot(d, "bot-1-unsure").await;
    // The patient asks for a person.
    let handover = d.find(By::Id("handover")).await.unwrap();
    if handover.attr("open").await.unwrap().is_none() {
        d.find(By::Css("#handover summary")).await.unwrap().click().await.unwrap();
    }
    d.find(By::Id("name")).await.unwrap().send_keys("张女士").await.unwrap();
    d.find(By::Id("phone")).await.unwrap().send_keys("13700001234").await.unwrap();
    d.find(By::Id("handover-submit")).await.unwrap().click().await.unwrap();
    let note = d.query(By::Id("handed-over")).wait(Duration::from_secs(10), Duration::from_millis(100)).first().await.unwrap();
    let note = note.text().await.unwrap();
    let number: String = note.split("工单号").nth(1).unwrap().trim().chars().take(10).collect();
    assert!(number.starts_with("GD"), "{note}");
    hops_testkit::screenshot(d, "bot-2-handed-over").await;

    // The agent signs in and finds it in the team queue, with the conversation.
    d.goto(format!("{}/desk/tickets?queue=team", app.url)).await.unwrap();
    d.find(By::Id("hospital")).await.unwrap().send_keys("kf").await.unwrap();
    d.find(By::Id("username")).await.unwrap().send_keys("agent").await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    d.find(By::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let table = d.query(By::Id("tickets")).wait(Duration::from_secs(10), Duration::from_millis(100)).first().await.expect("queue");
    let rows = table.find_all(By::Css("tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 1);
    let row = rows[0].text().await.unwrap();
    assert!(row.contains(&number) && row.contains("智能客服转人工") && row.contains("137****1234"), "{row}");
    hops_testkit::screenshot(d, "bot-3-agent-queue").await;
    d.find(By::LinkText(&number)).await.unwrap().click().await.unwrap();
    let events = d.query(By::Id("events")).wait(Duration::from_secs(10), Duration::from_millis(100)).first().await.unwrap();
    let history = events.text().await.unwrap();
    assert!(history.contains("我的药快递到哪了") && history.contains("可以帮我叫个外卖吗"), "{history}");
    // The agent answers; the patient sees it in the chat.
    d.find(By::Id("reply-body")).await.unwrap().send_keys("您好，停车场对就诊患者前两小时免费。").await.unwrap();
    d.find(By::Css("#reply-form button[type=submit]")).await.unwrap().click().await.unwrap();
    d.query(By::Css(".event-reply")).wait(Duration::from_secs(10), Duration::from_millis(100)).first().await.unwrap();
    hops_testkit::screenshot(d, "bot-4-ticket").await;
    let replies = hops_desk::bot::service::daily(&sys, app.core.now().local_day(), app.core.now().local_day()).await.unwrap();
    assert_eq!(replies[0].handed_over, 1);
    browser.quit().await;
    app.stop().await;
}
