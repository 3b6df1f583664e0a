//! Who a patient is on the H5 pages (security finding 1). The SMS code proves one phone and
//! nothing more: a booking is shown or changed only when its person's stored phone is the
//! phone the session proved; an identity number on file with another phone is refused before
//! anything is shown or booked; a refused attempt issues no session; the stored phone of a
//! person never changes through the public pages (an operator may change it, audited).

use hops_testkit::{Backend, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

use super::checkup::{Api, day_after, id_number, setup};

both_backends!(a_session_proves_a_phone_not_an_identity);

/// What a submission of the booking form came to.
struct Attempt {
    status: u16,
    /// The session cookie's value, if one was issued.
    session: Option<String>,
    location: String,
    page: String,
}

pub(crate) async fn outbox(api: &Api, phone: &str) -> Vec<Value> {
    let v: Value = reqwest::get(format!("{}/sandbox/sms/outbox?phone={phone}", api.app.url)).await.unwrap().json().await.unwrap();
    v["messages"].as_array().cloned().unwrap_or_default()
}

/// The verification code of the message to `phone` after the `before` it had (messages go out
/// through the job queue, a moment later).
pub(crate) async fn new_code(api: &Api, phone: &str, before: usize) -> String {
    for _ in 0..100 {
        let messages = outbox(api, phone).await;
        if messages.len() > before {
            return messages[0]["text"].as_str().unwrap().chars().filter(char::is_ascii_digit).take(6).collect();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no new code for {phone}");
}

/// The codes of one phone are a minute apart at least: move the clock on between them.
fn next_minute(api: &Api) {
    api.app.clock.advance_seconds(61);
}

/// Asks for a code for `phone` on the booking form, then submits the form with it.
async fn attempt(api: &Api, client: &reqwest::Client, query: &str, name: &str, id: &str, phone: &str) -> Attempt {
    let base = format!("{}/p/tj/checkup", api.app.url);
    let form = |code: &str| {
        vec![
            ("query", query.to_string()),
            ("package", "BASIC".to_string()),
            ("request", hops_platform::crypto::random_token(8)),
            ("name", name.to_string()),
            ("id_number", id.to_string()),
            ("phone", phone.to_string()),
            ("married", String::new()),
            ("code", code.to_string()),
        ]
    };
    let mut send = form("");
    send.push(("send_code", "1".into()));
    let before = outbox(api, phone).await.len();
    let r = client.post(format!("{base}/book")).form(&send).send().await.unwrap();
    assert_eq!(r.status(), 200, "the code is sent: {}", r.text().await.unwrap());
    let code = new_code(api, phone, before).await;
    let r = client.post(format!("{base}/book")).form(&form(&code)).send().await.unwrap();
    let status = r.status().as_u16();
    let session = r
        .headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().unwrap().split(';').next().unwrap().strip_prefix("hops_patient=").map(str::to_string))
        .filter(|t| !t.is_empty());
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    Attempt { status, session, location, page: r.text().await.unwrap() }
}

/// Signs in with a phone on the login page; returns the client holding the session.
async fn sign_in(api: &Api, phone: &str) -> reqwest::Client {
    let base = format!("{}/p/tj", api.app.url);
    let client = api.app.browser_client();
    let before = outbox(api, phone).await.len();
    let r = client.post(format!("{base}/login")).form(&[("phone", phone), ("send_code", "1")]).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let code = new_code(api, phone, before).await;
    let r = client.post(format!("{base}/login")).form(&[("phone", phone), ("code", code.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    client
}

fn booking_id(location: &str) -> i64 {
    location.rsplit('/').next().unwrap().parse().unwrap()
}

/// The booking numbers on the patient's "my bookings" page.
async fn my_orders(api: &Api, client: &reqwest::Client) -> String {
    let r = client.get(format!("{}/p/tj/checkup/orders", api.app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

async fn number_of(api: &Api, id: i64) -> String {
    let (s, b) = api.call(Method::GET, &format!("/api/v1/checkup/bookings/{id}"), None).await;
    assert_eq!(s, 200, "{b}");
    b["number"].as_str().unwrap().to_string()
}

async fn a_session_proves_a_phone_not_an_identity(backend: Backend) {
    let api = setup(backend).await;
    let (day2, day3) = (day_after(&api, 2), day_after(&api, 3));
    for d in [&day2, &day3] {
        let (s, b) = api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{d}"), Some(json!({"individual": 10}))).await;
        assert_eq!(s, 200, "{b}");
    }
    let basic = |date: &str| format!("package=BASIC&keep=BLOOD&keep=LIVER&keep=DR&date={date}");
    let (victim_id, victim_phone) = (id_number(301), "13900000301");
    let (mallory_id, mallory_phone) = (id_number(302), "13900000302");

    // The victim books with their own phone.
    let victim = api.app.browser_client();
    let a = attempt(&api, &victim, &basic(&day2), "王秀英", &victim_id, victim_phone).await;
    assert_eq!(a.status, 303, "{}", a.page);
    assert!(a.session.is_some());
    let victims = booking_id(&a.location);
    let victims_number = number_of(&api, victims).await;

    // Mallory: her own phone, the victim's name and identity number. Refused before anything
    // is shown or booked; no session.
    let mallory = api.app.browser_client();
    let a = attempt(&api, &mallory, &basic(&day3), "王秀英", &victim_id, mallory_phone).await;
    assert_eq!(a.status, 403, "{}", a.page);
    assert!(a.session.is_none(), "a refused attempt issues no session");
    assert!(a.page.contains("登记的手机号与本次验证的手机号不一致"), "{}", a.page);
    assert!(!a.page.contains(&victims_number));

    // A booking refused by the package rules issues no session either: the cervical test is
    // for married women, and the identity number (even: a man's) is known only at submission.
    next_minute(&api);
    let a = attempt(&api, &mallory, &format!("{}&add=TCT", basic(&day3)), "莫立", &mallory_id, mallory_phone).await;
    assert_eq!(a.status, 422, "{}", a.page);
    assert!(a.session.is_none(), "a refused attempt issues no session");
    assert!(a.page.contains("宫颈TCT"), "{}", a.page);
    let r = mallory.get(format!("{}/p/tj/checkup/orders/{victims}", api.app.url)).send().await.unwrap();
    let to = r.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    assert_eq!((r.status().as_u16(), to.starts_with("/p/tj/login?next=")), (303, true), "no session, nothing shown: to sign in");

    // Signed in with her own phone, Mallory sees nothing of the victim's and changes nothing.
    next_minute(&api);
    let mallory = sign_in(&api, mallory_phone).await;
    let page = my_orders(&api, &mallory).await;
    assert!(!page.contains(&victims_number), "{page}");
    let order = format!("{}/p/tj/checkup/orders/{victims}", api.app.url);
    assert_eq!(mallory.get(&order).send().await.unwrap().status(), 404);
    for action in ["cancel", "refund", "pay"] {
        let r = mallory.post(format!("{order}/{action}")).form(&[("date", day3.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 404, "{action}");
    }
    let r = mallory.post(format!("{order}/reschedule")).form(&[("date", day3.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = mallory.post(format!("{order}/refund")).form(&[("_confirmed", "1"), ("reason", "行程变更")]).send().await.unwrap();
    assert_eq!(r.status(), 404, "with a reason too");
    // The owner's refund without the page's confirmation (no script) is asked first: nothing yet.
    let r = victim.post(format!("{order}/refund")).form(&[("reason", "行程变更")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("请确认：申请退款") && page.contains("value=\"行程变更\"") && page.contains("name=\"_confirmed\""), "{page}");
    // The owner's refund without a reason is refused at the field, and nothing changes.
    let r = victim.post(format!("{order}/refund")).form(&[("_confirmed", "1"), ("reason", "  ")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("请填写退款原因"));
    let (_, b) = api.call(Method::GET, &format!("/api/v1/checkup/bookings/{victims}"), None).await;
    assert_eq!((b["status"].as_str(), b["date"].as_str()), (Some("pending_payment"), Some(day2.as_str())), "{b}");

    // A namesake (same name, another identity number) books on another day with her phone:
    // her own booking, shown to her; the victim's stays hidden from her.
    next_minute(&api);
    let namesake = api.app.browser_client();
    let a = attempt(&api, &namesake, &basic(&day3), "王秀英", &id_number(303), mallory_phone).await;
    assert_eq!(a.status, 303, "{}", a.page);
    let theirs = number_of(&api, booking_id(&a.location)).await;
    let page = my_orders(&api, &namesake).await;
    assert!(page.contains(&theirs) && !page.contains(&victims_number), "{page}");

    // The victim's session still shows the victim's booking, and only it.
    let page = my_orders(&api, &victim).await;
    assert!(page.contains(&victims_number) && !page.contains(&theirs), "{page}");

    // An operator changes the victim's phone (booking for them in the console): audited, and
    // the old phone's session no longer reaches the bookings.
    let body = json!({"package": "BASIC", "date": day3, "pool": "individual",
                      "person": {"name": "王秀英", "id_number": victim_id, "phone": "13900000399"}});
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/bookings", Some(body)).await;
    assert_eq!(s, 201, "{b}");
    let h = hops_platform::accounts::service::hospital_by_code(&api.app.core, "tj").await.unwrap().unwrap().id;
    let tenant = api.app.system(h).tenant();
    let (changes, _) = hops_platform::audit::list(&tenant, "checkup.person.contact", 0, 10).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert!(changes[0].detail.contains("139****0301") && changes[0].detail.contains("139****0399"), "{}", changes[0].detail);
    assert_eq!(changes[0].actor_name, "运营专员", "the operator who changed it");
    // The patients' own actions are recorded as the patient (phone masked), never as the system.
    let (all, _) = hops_platform::audit::list(&tenant, "", 0, 500).await.unwrap();
    assert!(all.iter().all(|e| !e.detail.contains(victim_phone) && !e.actor_name.contains(victim_phone)));
    assert!(all.iter().any(|e| e.actor_name == "患者 139****0301" && e.action.starts_with("checkup.booking")), "the victim's booking");
    let public = |e: &&hops_platform::audit::Entry| ["sms.", "checkup.booking", "checkup.h5"].iter().any(|p| e.action.starts_with(p));
    assert!(all.iter().filter(public).all(|e| e.actor_name != "系统"), "no public action runs as the system");
    let page = my_orders(&api, &victim).await;
    assert!(!page.contains(&victims_number), "{page}");
    assert_eq!(victim.get(format!("{}/p/tj/checkup/orders/{victims}", api.app.url)).send().await.unwrap().status(), 404);
    api.app.stop().await;
}
