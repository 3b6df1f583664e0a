//! Checkup booking through the HTTP API on both backends: the catalogue and its audit, rule
//! violations listed whole, capacity that never overbooks under 500 simultaneous requests,
//! cancellation giving places back, duplicates, idempotent retries, rescheduling that changes
//! nothing when the new date is full, VIP release at the cut-off, unpaid holds expiring
//! through the job queue, and bad input changing nothing.

use hops_kernel::{Clock, IdCardNumber, LocalDay};
use hops_platform::Role;
use hops_testkit::{Backend, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(catalogue_rules_and_audit);
both_backends!(never_overbooked_under_concurrency);
both_backends!(booking_lifecycle);
both_backends!(console_pages);

/// A person born in 1985 or later (`n` distinguishes people; even `n` are men).
pub(crate) fn id_number(n: u32) -> String {
    let birth = LocalDay::parse("1985-03-01").unwrap().plus_days((n % 3000) as i32);
    IdCardNumber::generate(110105, birth, (n % 999) as u16 + 1).as_str().to_string()
}

pub(crate) fn person(n: u32) -> Value {
    json!({"name": format!("受检{}", char::from_u32(0x4e00 + n % 5000).unwrap()), "id_number": id_number(n), "phone": format!("139{:08}", n)})
}

pub(crate) struct Api {
    pub(crate) app: TestApp,
    pub(crate) token: String,
}

impl Api {
    pub(crate) async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        call(&self.app.client(), method, &format!("{}{path}", self.app.url), &self.token, body).await
    }
}

/// A hospital with items A–F, packages, and an operator's token.
pub(crate) async fn setup(backend: Backend) -> Api {
    setup_on(TestApp::spawn(backend).await).await
}

/// [`setup`] on an app started by the caller.
pub(crate) async fn setup_on(app: TestApp) -> Api {
    app.hospital("tj", &[Role::Operator, Role::Nurse]).await;
    let token = app.token("tj", "operator").await;
    let api = Api { app, token };
    let (s, _) = api.call(Method::POST, "/api/v1/checkup/resources", Some(json!({"code": "mri", "name": "核磁共振"}))).await;
    assert_eq!(s, 204);
    let items = [
        json!({"code": "BLOOD", "name": "血常规", "category": "检验", "body_part": "血液", "price": "30.00"}),
        json!({"code": "LIVER", "name": "肝功能", "category": "检验", "body_part": "血液", "price": "60.00", "preparation": "空腹"}),
        json!({"code": "CT", "name": "胸部CT", "category": "影像", "body_part": "胸部", "price": "300.00"}),
        json!({"code": "DR", "name": "胸部DR", "category": "影像", "body_part": "胸部", "price": "80.00"}),
        json!({"code": "MRI", "name": "头颅核磁", "category": "影像", "body_part": "头颈", "price": "800.00", "resource": "mri"}),
        json!({"code": "TCT", "name": "宫颈TCT", "category": "妇科", "body_part": "盆腔", "price": "200.00",
               "applicability": {"sex": "女", "marital": "married"}}),
    ];
    for i in items {
        let (s, b) = api.call(Method::POST, "/api/v1/checkup/items", Some(i)).await;
        assert_eq!(s, 200, "{b}");
    }
    for p in [
        json!({"code": "BASIC", "name": "基础套餐", "price": "100.00", "items": ["BLOOD", "LIVER", "DR"]}),
        json!({"code": "HEAD", "name": "头部专项", "price": "900.00", "items": ["BLOOD", "MRI"], "special_pool": true}),
    ] {
        let (s, b) = api.call(Method::POST, "/api/v1/checkup/packages", Some(p)).await;
        assert_eq!(s, 200, "{b}");
    }
    for r in [
        json!({"kind": "exclusive", "item_a": "CT", "item_b": "DR"}),
        json!({"kind": "requires", "item_a": "MRI", "item_b": "BLOOD"}),
        json!({"kind": "required", "item_a": "BLOOD"}),
    ] {
        let (s, b) = api.call(Method::POST, "/api/v1/checkup/rules", Some(r)).await;
        assert_eq!(s, 201, "{b}");
    }
    api
}

pub(crate) fn day_after(api: &Api, n: i32) -> String {
    api.app.clock.now().local_day().plus_days(n).to_string()
}

async fn catalogue_rules_and_audit(backend: Backend) {
    let api = setup(backend).await;
    let (_, audit) = api.call(Method::GET, "/api/v1/checkup/audit", None).await;
    assert_eq!(audit, json!([]), "a consistent catalogue has no findings");
    // Every violation at once, naming the items.
    let check = json!({"package": "BASIC", "add_items": ["CT", "TCT", "NOPE"], "remove_items": ["BLOOD"], "sex": "男", "age": 40});
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/check", Some(check)).await;
    assert_eq!(s, 200);
    let codes: Vec<&str> = b["violations"].as_array().unwrap().iter().map(|v| v["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["exclusive", "not_applicable", "required", "unknown_item"], "{b}");
    assert!(b.to_string().contains("「胸部CT」与「胸部DR」不能同时选择"), "{b}");
    // A valid swap is priced: BASIC 100 less DR's share (80/170 of 100 = 47.06), plus CT 300.
    let (_, b) = api
        .call(Method::POST, "/api/v1/checkup/check", Some(json!({"package": "BASIC", "add_items": ["CT"], "remove_items": ["DR"]})))
        .await;
    assert_eq!(b["total"], "352.94", "{b}");
    // A rule that would keep a package on sale from being booked is refused, naming it, and
    // nothing changes.
    let (s, b) =
        api.call(Method::POST, "/api/v1/checkup/rules", Some(json!({"kind": "exclusive", "item_a": "BLOOD", "item_b": "LIVER"}))).await;
    assert_eq!(s, 422, "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("基础套餐"), "{b}");
    let (_, rules) = api.call(Method::GET, "/api/v1/checkup/rules", None).await;
    assert_eq!(rules.as_array().unwrap().len(), 3, "{rules}");
    // Likewise taking off an item a package on sale holds.
    let dr_off = json!({"code": "DR", "name": "胸部DR", "category": "影像", "body_part": "胸部", "price": "80.00", "active": false});
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/items", Some(dr_off)).await;
    assert_eq!(s, 422, "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("基础套餐"), "{b}");
    let home = api.app.client().get(format!("{}/p/tj/checkup", api.app.url)).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("基础套餐"), "on sale");
    // Off sale, contradictions can be drafted, and the audit finds them: a cycle and a package
    // that breaks its own rules. Put back on sale as it stands, the package is refused.
    let basic = json!({"code": "BASIC", "name": "基础套餐", "price": "100.00", "items": ["BLOOD", "LIVER", "DR"]});
    let off = |p: &Value| {
        let mut p = p.clone();
        p["active"] = json!(false);
        p
    };
    for p in [&basic, &json!({"code": "HEAD", "name": "头部专项", "price": "900.00", "items": ["BLOOD", "MRI"], "special_pool": true})]
    {
        let (s, b) = api.call(Method::POST, "/api/v1/checkup/packages", Some(off(p))).await;
        assert_eq!(s, 200, "{b}");
    }
    for r in [
        json!({"kind": "requires", "item_a": "BLOOD", "item_b": "MRI"}),
        json!({"kind": "exclusive", "item_a": "BLOOD", "item_b": "LIVER"}),
    ] {
        let (s, b) = api.call(Method::POST, "/api/v1/checkup/rules", Some(r)).await;
        assert_eq!(s, 201, "{b}");
    }
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/packages", Some(basic.clone())).await;
    assert_eq!(s, 422, "{b}");
    let home = api.app.client().get(format!("{}/p/tj/checkup", api.app.url)).send().await.unwrap().text().await.unwrap();
    assert!(!home.contains("基础套餐"), "what cannot be booked is not on the patients' pages");
    assert_eq!(b["error"]["fields"][0]["field"], "items", "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("不能同时选择"), "{b}");
    let (_, audit) = api.call(Method::GET, "/api/v1/checkup/audit", None).await;
    let kinds: Vec<&str> = audit.as_array().unwrap().iter().map(|f| f["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"dependency_cycle"), "{audit}");
    assert!(kinds.contains(&"package_exclusive"), "{audit}");
    assert!(kinds.contains(&"package_missing_dependency"), "BASIC has BLOOD, which now needs MRI: {audit}");
    // Bad input: every problem named, nothing saved.
    let bad = json!({"code": "坏 code", "name": "", "category": "检验", "body_part": "血液", "price": "abc", "applicability": {"min_age": 60, "max_age": 20}, "resource": "ghost"});
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/items", Some(bad)).await;
    assert_eq!(s, 422, "{b}");
    let fields: Vec<&str> = b["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["price"], "money is parsed first: {b}");
    let bad = json!({"code": "坏 code", "name": "", "category": "检验", "body_part": "血液", "price": "1", "applicability": {"min_age": 60, "max_age": 20}, "resource": "ghost"});
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/items", Some(bad)).await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = b["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["code", "name", "max_age", "resource"], "{b}");
    let (_, items) = api.call(Method::GET, "/api/v1/checkup/items", None).await;
    assert_eq!(items.as_array().unwrap().len(), 6);
    let (s, _) = api
        .call(
            Method::POST,
            "/api/v1/checkup/packages",
            Some(json!({"code": "X", "name": "空", "price": "1", "items": ["NOPE", "BLOOD", "BLOOD"]})),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = api.call(Method::POST, "/api/v1/checkup/rules", Some(json!({"kind": "exclusive", "item_a": "DR", "item_b": "CT"}))).await;
    assert_eq!(s, 422, "the same exclusion the other way round is refused");
    // A nurse has no access to the checkup catalogue.
    let nurse = api.app.token("tj", "nurse").await;
    let (s, _) = call(&api.app.client(), Method::GET, &format!("{}/api/v1/checkup/items", api.app.url), &nurse, None).await;
    assert_eq!(s, 403);
    api.app.stop().await;
}

pub(crate) async fn book(api: &Api, date: &str, n: u32, extra: Value) -> (u16, Value) {
    let mut body = json!({"package": "BASIC", "date": date, "pool": "individual", "person": person(n)});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    api.call(Method::POST, "/api/v1/checkup/bookings", Some(body)).await
}

pub(crate) async fn used(api: &Api, date: &str, kind: &str) -> (i64, i64) {
    let (s, b) = api.call(Method::GET, &format!("/api/v1/checkup/capacity/{date}"), None).await;
    assert_eq!(s, 200, "{b}");
    let pool = b["pools"].as_array().unwrap().iter().find(|p| p["kind"] == kind).cloned().unwrap_or(json!({"capacity": 0, "used": 0}));
    (pool["capacity"].as_i64().unwrap(), pool["used"].as_i64().unwrap())
}

/// Fires `n` bookings of distinct people at once; returns the statuses and error codes.
async fn storm(api: &Api, date: &str, people: std::ops::Range<u32>) -> Vec<(u16, String)> {
    let client = api.app.client();
    let mut set = tokio::task::JoinSet::new();
    for n in people {
        let (client, url, token) = (client.clone(), format!("{}/api/v1/checkup/bookings", api.app.url), api.token.clone());
        let body = json!({"package": "BASIC", "date": date, "pool": "individual", "person": person(n)});
        set.spawn(async move {
            let (s, b) = call(&client, Method::POST, &url, &token, Some(body)).await;
            (s, b["error"]["code"].as_str().unwrap_or("").to_string())
        });
    }
    set.join_all().await
}

async fn never_overbooked_under_concurrency(backend: Backend) {
    let api = setup(backend).await;
    let date = day_after(&api, 10);
    let (s, b) = api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(json!({"individual": 100}))).await;
    assert_eq!(s, 200, "{b}");
    let results = storm(&api, &date, 0..500).await;
    let ok: Vec<_> = results.iter().filter(|(s, _)| *s == 201).collect();
    let full = results.iter().filter(|(s, c)| *s == 409 && c == "capacity_full").count();
    assert_eq!(
        ok.len(),
        100,
        "exactly the capacity succeeds: {:?}",
        results.iter().filter(|(s, _)| *s != 201 && *s != 409).take(3).collect::<Vec<_>>()
    );
    assert_eq!(full, 400, "every other request is told the date is full");
    assert_eq!(used(&api, &date, "individual").await, (100, 100));
    // Cancelling 10 lets exactly 10 more through.
    let (_, list) = book(&api, &date, 100_000, json!({})).await;
    assert_eq!(list["error"]["code"], "capacity_full");
    let booked = booked_ids(&api).await;
    for id in booked.iter().take(10) {
        let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{id}/cancel"), None).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["status"], "cancelled");
    }
    assert_eq!(used(&api, &date, "individual").await, (100, 90));
    let results = storm(&api, &date, 1000..1100).await;
    assert_eq!(results.iter().filter(|(s, _)| *s == 201).count(), 10);
    assert_eq!(results.iter().filter(|(s, c)| *s == 409 && c == "capacity_full").count(), 90);
    assert_eq!(used(&api, &date, "individual").await, (100, 100));
    api.app.stop().await;
}

/// Ids of the hospital's bookings that hold places, from the database.
pub(crate) async fn booked_ids(api: &Api) -> Vec<i64> {
    use sqlx::Row;
    let mut c = hops_platform::db::connect_one(api.app.database_url()).await.unwrap();
    sqlx::query("SELECT id FROM checkup_bookings WHERE status = 'pending_payment' ORDER BY id")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect()
}

async fn booking_lifecycle(backend: Backend) {
    let mut api = setup(backend).await;
    let (d1, d2, d3) = (day_after(&api, 3), day_after(&api, 4), day_after(&api, 5));
    api.call(
        Method::PUT,
        &format!("/api/v1/checkup/capacity/{d1}"),
        Some(json!({"individual": 5, "vip": 2, "specials": {"HEAD": 1}, "resources": {"mri": 1}})),
    )
    .await;
    let (s, b) = api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{d2}"), Some(json!({"individual": 1}))).await;
    assert_eq!(s, 200, "{b}");

    // A booking: 201 with its total; the same Idempotency-Key replays it (200), another
    // request under that key is refused.
    let body = json!({"package": "BASIC", "date": d1, "pool": "individual", "person": person(1)});
    let req = |b: &Value| {
        api.app
            .client()
            .post(format!("{}/api/v1/checkup/bookings", api.app.url))
            .bearer_auth(&api.token)
            .header("Idempotency-Key", "k-1")
            .json(b)
    };
    let r = req(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let first: Value = r.json().await.unwrap();
    assert_eq!(first["total"], "100.00");
    assert_eq!(first["status"], "pending_payment");
    let r = req(&body).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["id"], first["id"]);
    let mut other = body.clone();
    other["date"] = json!(d2);
    assert_eq!(req(&other).send().await.unwrap().status(), 422);
    assert_eq!(used(&api, &d1, "individual").await, (5, 1), "the replay took no second place");

    // The same person again that day: duplicate. A rule violation: 422 with every violation.
    let (s, b) = book(&api, &d1, 1, json!({})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("duplicate_booking")), "{b}");
    let (s, b) = book(&api, &d1, 2, json!({"add_items": ["CT", "TCT"], "remove_items": ["BLOOD"]})).await;
    assert_eq!(s, 422);
    assert_eq!(b["error"]["code"], "rule_violation");
    assert_eq!(b["error"]["violations"].as_array().unwrap().len(), 3, "exclusive, required and (a man) TCT: {b}");
    // Bad input: every field named; nothing taken.
    let (s, b) = api
        .call(
            Method::POST,
            "/api/v1/checkup/bookings",
            Some(json!({"package": "BASIC", "date": "2020-01-01", "pool": "x",
            "person": {"name": "", "id_number": "123", "phone": "1"}})),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(b["error"]["fields"].as_array().unwrap().len(), 5, "{b}");
    assert_eq!(used(&api, &d1, "individual").await, (5, 1));

    // A special package takes its own pool and the scarce resource, not the individual pool.
    let (s, b) = book(&api, &d1, 3, json!({"package": "HEAD"})).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(used(&api, &d1, "special").await, (1, 1));
    assert_eq!(used(&api, &d1, "resource").await, (1, 1));
    assert_eq!(used(&api, &d1, "individual").await, (5, 1));
    let (s, b) = book(&api, &d1, 4, json!({"package": "HEAD"})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("capacity_full")));

    // Lowering a pool below its bookings is refused and changes nothing.
    let (s, _) = api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{d1}"), Some(json!({"individual": 0, "vip": 2}))).await;
    assert_eq!(s, 422);
    assert_eq!(used(&api, &d1, "special").await, (1, 1));

    // Rescheduling to a full date changes nothing; to a free one moves the places.
    let id = first["id"].as_i64().unwrap();
    book(&api, &d2, 5, json!({})).await;
    let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{id}/reschedule"), Some(json!({"date": d2}))).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("capacity_full")));
    assert_eq!(used(&api, &d1, "individual").await, (5, 1));
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{d3}"), Some(json!({"individual": 1}))).await;
    let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{id}/reschedule"), Some(json!({"date": d3}))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!((used(&api, &d1, "individual").await, used(&api, &d3, "individual").await), ((5, 0), (1, 1)));

    // VIP places: bookable before the cut-off, released to the individual pool after it.
    let (s, vip) = book(&api, &d1, 6, json!({"pool": "vip"})).await;
    assert_eq!(s, 201);
    // Paid, so that its hold does not run out when the clock moves on.
    let (s, _) =
        api.call(Method::POST, &format!("/api/v1/checkup/bookings/{}/payments", vip["id"]), Some(json!({"method": "onsite"}))).await;
    assert_eq!(s, 204);
    api.app.clock.set(LocalDay::parse(&d1).unwrap().start().plus_seconds(-23 * 3600));
    api.token = api.app.token("tj", "operator").await;
    let (s, b) = book(&api, &d1, 7, json!({"pool": "vip"})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("capacity_full")), "after the cut-off: {b}");
    assert_eq!(used(&api, &d1, "vip").await, (1, 1), "the unused VIP place was released");
    assert_eq!(used(&api, &d1, "individual").await.0, 6, "into the individual pool");

    // An unpaid booking's hold runs out: the job queue gives its places back.
    let (held, _) = used(&api, &d1, "individual").await;
    let before = used(&api, &d1, "individual").await.1;
    let (s, b) = book(&api, &d1, 8, json!({})).await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(used(&api, &d1, "individual").await, (held, before + 1));
    api.app.clock.advance_seconds(16 * 60);
    let booking = b["id"].as_i64().unwrap();
    let mut status = String::new();
    for _ in 0..100 {
        let (_, b) = api.call(Method::GET, &format!("/api/v1/checkup/bookings/{booking}"), None).await;
        status = b["status"].as_str().unwrap_or("").to_string();
        if status == "expired" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "expired");
    assert_eq!(used(&api, &d1, "individual").await, (held, before));
    // A closed date takes no bookings; a date with bookings cannot be closed.
    let d4 = day_after(&api, 6);
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{d4}"), Some(json!({"individual": 3}))).await;
    let (s, _) = api.call(Method::PUT, &format!("/api/v1/checkup/closed/{d4}"), Some(json!({"reason": ""}))).await;
    assert_eq!(s, 422, "a reason is required");
    let (s, _) = api.call(Method::PUT, &format!("/api/v1/checkup/closed/{d4}"), Some(json!({"reason": "设备检修"}))).await;
    assert_eq!(s, 204);
    let (s, b) = book(&api, &d4, 20, json!({})).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("closed")));
    let (_, av) = api.call(Method::GET, &format!("/api/v1/checkup/availability?from={d4}&to={d4}&package=BASIC"), None).await;
    assert_eq!(av[0]["closed"], true, "{av}");
    api.call(Method::DELETE, &format!("/api/v1/checkup/closed/{d4}"), None).await;
    let (s, _) = book(&api, &d4, 20, json!({})).await;
    assert_eq!(s, 201);
    let (s, b) = api.call(Method::PUT, &format!("/api/v1/checkup/closed/{d4}"), Some(json!({"reason": "设备检修"}))).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("has_bookings")));

    // An expired booking cannot be cancelled.
    let (s, b) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{booking}/cancel"), None).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("invalid_status")));
    api.app.stop().await;
}

async fn console_pages(backend: Backend) {
    let api = setup(backend).await;
    let date = day_after(&api, 2);
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(json!({"individual": 4, "vip": 1}))).await;
    let (s, b) = book(&api, &date, 2, json!({})).await;
    assert_eq!(s, 201, "{b}");
    let (web, csrf) = api.app.web_login("tj", "operator").await;
    let get = |path: &str| {
        let (web, url) = (web.clone(), format!("{}{path}", api.app.url));
        async move {
            let r = web.get(url).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (s, html) = get("/checkup/items").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("血液") && html.contains("血常规") && html.contains("女性、已婚者"),
        "items grouped by body part, restrictions shown"
    );
    let (_, html) = get("/checkup/packages").await;
    assert!(html.contains("基础套餐") && html.contains("170.00"), "list price shown");
    let (_, html) = get("/checkup/audit").await;
    assert!(html.contains("未发现配置矛盾"));
    let (_, html) = get("/checkup/capacity").await;
    assert!(html.contains("个检 <strong>1</strong> / 4"), "quota monitor");
    let (_, html) = get(&format!("/checkup/bookings?date={date}")).await;
    assert!(html.contains("TJ") && html.contains("****"), "bookings listed, people masked");
    assert!(!html.contains(&id_number(2)), "no ID number in clear");

    // Forms: a rule added; a bad capacity refused with its reasons and nothing changed.
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let (web, url) = (web.clone(), format!("{}{path}", api.app.url));
        let mut form = form;
        form.push(("_csrf", csrf.clone()));
        async move {
            let r = web.post(url).form(&form).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.headers().get("location").map(|l| l.to_str().unwrap().to_string()), r.text().await.unwrap())
        }
    };
    let (s, loc, _) =
        post("/checkup/rules", vec![("kind", "exclusive".into()), ("item_a", "LIVER".into()), ("item_b", "MRI".into())]).await;
    assert_eq!((s, loc.as_deref()), (303, Some("/checkup/rules?ok=rule_added")));
    let (s, _, html) =
        post("/checkup/rules", vec![("kind", "exclusive".into()), ("item_a", "LIVER".into()), ("item_b", "LIVER".into())]).await;
    assert_eq!(s, 422);
    assert!(html.contains("两个项目不能相同"), "the reason is shown");
    let (s, _, html) = post("/checkup/capacity", vec![("date", date.clone()), ("individual", "0".into())]).await;
    assert_eq!(s, 422);
    assert!(html.contains("已预约 1 人"), "{}", &html[..200.min(html.len())]);
    assert_eq!(used(&api, &date, "individual").await, (4, 1));
    let (s, loc, _) = post("/checkup/capacity", vec![("date", date.clone()), ("individual", "6".into()), ("vip", "1".into())]).await;
    assert_eq!(s, 303, "{loc:?}");
    assert_eq!(used(&api, &date, "individual").await, (6, 1));
    api.app.stop().await;
}
