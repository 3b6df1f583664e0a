//! Monthly leaderboards: a small dataset whose ranking is computed here by hand and
//! independently, small-sample correction and weights changing the order, refused settings
//! changing nothing, publication to the public page (no login, no other hospital's data), and
//! public feedback landing in the console — on both backends.

use std::collections::BTreeMap;

use hops_kernel::Instant;
use hops_platform::Role;
use hops_testkit::{Backend, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(rankings_are_fair_configurable_and_public);

/// One consultation of the dataset.
struct Cons {
    id: String,
    doctor: &'static str,
    kind: &'static str,
    created: Instant,
    /// Minutes from payment to first reply; `None`: not even paid.
    reply: Option<i64>,
    completed: bool,
    rating: Option<i64>,
}

fn dept_of(doctor: &str) -> &'static str {
    match doctor {
        "D1" | "D2" => "CARD",
        "D3" => "RESP",
        _ => "PEDS",
    }
}

fn t(s: &str) -> Instant {
    Instant::parse(s).unwrap()
}

/// October 2026:
/// - D1 王医生 (心血管内科): 5 completed, one rating of 5, replies in 2 minutes, no revisits;
///   plus one consultation a second before October and one at the first second of November,
///   both rated 1, which must not count;
/// - D2 李医生 (心血管内科): 50 completed, 40 × 5 + 10 × 4 (mean 4.8), replies in 30 minutes,
///   10 revisits;
/// - D3 张医生 (呼吸内科): 20 completed, all rated 4, replies in 10 minutes, 10 revisits, plus
///   one consultation created and never paid;
/// - D4 赵医生 (儿科): 3 completed — below the minimum sample of 5.
fn dataset() -> Vec<Cons> {
    let base = t("2026-10-01 00:00:00");
    let mut v = Vec::new();
    let mut n = 0i64;
    let mut add = |doctor: &'static str, kind: &'static str, reply: Option<i64>, completed: bool, rating: Option<i64>| {
        // The first consultation is exactly at midnight on October 1st (Shanghai time).
        let created = base.plus_minutes(n * 97);
        n += 1;
        v.push(Cons { id: format!("K{n}"), doctor, kind, created, reply, completed, rating });
    };
    for i in 0..5 {
        add("D1", "text", Some(2), true, (i == 0).then_some(5));
    }
    for i in 0..50 {
        add("D2", if i < 10 { "revisit" } else { "text" }, Some(30), true, Some(if i < 40 { 5 } else { 4 }));
    }
    for i in 0..20 {
        add("D3", if i < 10 { "复诊" } else { "图文" }, Some(10), true, Some(4));
    }
    add("D3", "text", None, false, None);
    for _ in 0..3 {
        add("D4", "video", Some(5), true, None);
    }
    for (id, at) in [("OUT1", "2026-09-30 23:59:59"), ("OUT2", "2026-11-01 00:00:00")] {
        v.push(Cons { id: id.into(), doctor: "D1", kind: "text", created: t(at), reply: Some(2), completed: true, rating: Some(1) });
    }
    v
}

fn cons_json(c: &Cons) -> Value {
    let paid = c.reply.map(|_| c.created.plus_minutes(1));
    json!({
        "external_id": c.id, "patient_external_id": if c.doctor == "D4" { "P2" } else { "P1" }, "department_code": dept_of(c.doctor),
        "doctor_code": c.doctor, "kind": c.kind, "created_at": c.created.format_second(),
        "paid_at": paid.map(|p| p.format_second()), "accepted_at": paid.map(|p| p.format_second()),
        "first_reply_at": paid.zip(c.reply).map(|(p, r)| p.plus_minutes(r).format_second()),
        "completed_at": c.completed.then(|| c.created.plus_minutes(60).format_second()),
        "amount": "30.00", "rating": c.rating, "review": "",
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The ranking by definition, from the raw rows: `(code, composite)` best first, and the codes
/// below the minimum sample. Weights in the order volume, satisfaction, reply, revisit.
fn expected(rows: &[Cons], by: fn(&Cons) -> &'static str, w: [f64; 4], m: f64, min: usize) -> (Vec<(String, f64)>, Vec<String>) {
    let (from, to) = (t("2026-10-01 00:00:00"), t("2026-11-01 00:00:00"));
    let october: Vec<&Cons> = rows.iter().filter(|c| c.created >= from && c.created < to).collect();
    let ratings: Vec<i64> = october.iter().filter_map(|c| c.rating).collect();
    let mu = ratings.iter().sum::<i64>() as f64 / ratings.len() as f64;
    let mut groups: BTreeMap<&str, Vec<&Cons>> = BTreeMap::new();
    for c in &october {
        groups.entry(by(c)).or_default().push(c);
    }
    // (code, volume, satisfaction, reply minutes, revisit rate)
    let mut ranked = Vec::new();
    let mut unranked = Vec::new();
    for (code, cs) in groups {
        let completed = cs.iter().filter(|c| c.completed).count();
        if completed < min {
            unranked.push(code.to_string());
            continue;
        }
        let r: Vec<i64> = cs.iter().filter_map(|c| c.rating).collect();
        let satisfaction = (m * mu + r.iter().sum::<i64>() as f64) / (m + r.len() as f64);
        let replies: Vec<i64> = cs.iter().filter_map(|c| c.reply).collect();
        let reply = replies.iter().sum::<i64>() as f64 / replies.len() as f64;
        let revisit = cs.iter().filter(|c| matches!(c.kind, "revisit" | "复诊")).count() as f64 / cs.len() as f64;
        ranked.push((code.to_string(), completed as f64, satisfaction, reply, revisit));
    }
    let scale = |xs: Vec<f64>, lower_better: bool| -> Vec<f64> {
        let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
        xs.iter()
            .map(|x| {
                if hi == lo {
                    100.0
                } else if lower_better {
                    100.0 * (hi - x) / (hi - lo)
                } else {
                    100.0 * (x - lo) / (hi - lo)
                }
            })
            .collect()
    };
    let v = scale(ranked.iter().map(|r| r.1).collect(), false);
    let s = scale(ranked.iter().map(|r| r.2).collect(), false);
    let p = scale(ranked.iter().map(|r| r.3).collect(), true);
    let q = scale(ranked.iter().map(|r| r.4).collect(), false);
    let mut out: Vec<(String, f64, f64)> =
        ranked.iter().enumerate().map(|(i, r)| (r.0.clone(), round2(w[0] * v[i] + w[1] * s[i] + w[2] * p[i] + w[3] * q[i]), r.1)).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.total_cmp(&a.2)));
    (out.into_iter().map(|(c, x, _)| (c, x)).collect(), unranked)
}

async fn ingest(app: &TestApp, token: &str, kind: &str, rows: Value) {
    let (s, r) =
        call(&app.client(), Method::POST, &format!("{}/api/v1/ingest/{kind}", app.url), token, Some(json!({ "rows": rows }))).await;
    assert_eq!(s, 200, "{kind}: {r}");
}

async fn setup(app: &TestApp, token: &str) {
    ingest(
        app,
        token,
        "departments",
        json!([{"code": "CARD", "name": "心血管内科"}, {"code": "RESP", "name": "呼吸内科"}, {"code": "PEDS", "name": "儿科"}]),
    )
    .await;
    ingest(
        app,
        token,
        "doctors",
        json!([
            {"code": "D1", "name": "王医生", "department_code": "CARD", "title": "主任医师"},
            {"code": "D2", "name": "李医生", "department_code": "CARD", "title": "主治医师"},
            {"code": "D3", "name": "张医生", "department_code": "RESP", "title": "副主任医师"},
            {"code": "D4", "name": "赵医生", "department_code": "PEDS", "title": "住院医师"},
        ]),
    )
    .await;
    ingest(
        app,
        token,
        "patients",
        json!([{"external_id": "P1", "name": "患者甲", "sex": "女"}, {"external_id": "P2", "name": "患者乙", "sex": "男"}]),
    )
    .await;
    ingest(app, token, "consultations", Value::Array(dataset().iter().map(cons_json).collect())).await;
}

async fn ranking(app: &TestApp, token: &str, kind: &str) -> Value {
    let (s, r) = call(&app.client(), Method::GET, &format!("{}/api/v1/rankings?month=2026-10&kind={kind}", app.url), token, None).await;
    assert_eq!(s, 200, "{r}");
    r
}

fn codes(r: &Value, list: &str) -> Vec<String> {
    r[list].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap().to_string()).collect()
}

fn entry<'a>(r: &'a Value, code: &str) -> &'a Value {
    r["ranked"].as_array().unwrap().iter().chain(r["unranked"].as_array().unwrap()).find(|e| e["code"] == code).unwrap()
}

fn close(v: &Value, want: f64, tolerance: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() <= tolerance)
}

/// The API ranking equals the independent computation.
fn assert_matches(r: &Value, want: &(Vec<(String, f64)>, Vec<String>)) {
    let got: Vec<(String, f64)> = r["ranked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["code"].as_str().unwrap().to_string(), e["composite"].as_f64().unwrap()))
        .collect();
    assert_eq!(got.len(), want.0.len(), "{r}");
    for ((gc, gx), (wc, wx)) in got.iter().zip(&want.0) {
        assert_eq!(gc, wc, "order: got {got:?}, want {:?}", want.0);
        assert!((gx - wx).abs() < 0.011, "{gc}: composite {gx} ≠ {wx}");
    }
    assert_eq!(codes(r, "unranked"), want.1);
}

async fn put_settings(app: &TestApp, token: &str, w: [f64; 4], m: i64, min: i64) -> (u16, Value) {
    let body =
        json!({"weights": {"volume": w[0], "satisfaction": w[1], "reply": w[2], "revisit": w[3]}, "prior_weight": m, "min_sample": min});
    call(&app.client(), Method::PUT, &format!("{}/api/v1/rankings/settings", app.url), token, Some(body)).await
}

async fn text(r: reqwest::Response) -> (u16, String) {
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

async fn rankings_are_fair_configurable_and_public(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.hospital("h1", &[Role::Operator, Role::HospitalAdmin]).await;
    app.hospital("h2", &[Role::Operator]).await;
    let op = app.token("h1", "operator").await;
    setup(&app, &op).await;
    let rows = dataset();
    let doctor = |c: &Cons| c.doctor;
    let department = |c: &Cons| dept_of(c.doctor);
    let defaults = [0.4, 0.3, 0.2, 0.1];

    // ---- default method, by hand ----
    let r = ranking(&app, &op, "doctor").await;
    // μ = (5 + 240 + 80) / 71; D1 = 0.3 × 100 × (S1 − S3) / (S2 − S3) + 0.2 × 100 = 42.27;
    // D2 = 0.4 × 100 + 0.3 × 100 + 0.1 × 100 × 0.2 / (10/21) = 74.20;
    // D3 = 0.4 × 100 × 15/45 + 0.2 × 100 × 20/28 + 0.1 × 100 = 37.62.
    let mu = 325.0 / 71.0;
    assert!(close(&r["method"]["prior_mean"], mu, 1e-4), "{}", r["method"]);
    assert_eq!(r["method"]["ratings"], 71);
    assert_eq!(r["method"]["prior_weight"], 10);
    assert_eq!(r["method"]["min_sample"], 5);
    assert_eq!(r["method"]["weights"], json!({"volume": 0.4, "satisfaction": 0.3, "reply": 0.2, "revisit": 0.1}));
    let method = r["method"]["text"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect::<Vec<_>>().join("\n");
    assert!(
        method.contains("(m × μ + 评分总和) ÷ (m + 评分条数)") && method.contains("m = 10") && method.contains("问诊量 × 40%"),
        "{method}"
    );
    assert_eq!(codes(&r, "ranked"), ["D2", "D1", "D3"]);
    assert_eq!(codes(&r, "unranked"), ["D4"]);
    for (code, composite) in [("D2", 74.20), ("D1", 42.27), ("D3", 37.62)] {
        assert!(close(&entry(&r, code)["composite"], composite, 0.005), "{code}: {}", entry(&r, code));
    }
    assert_eq!(entry(&r, "D1")["rank"], 2);
    assert_eq!(entry(&r, "D4")["rank"], Value::Null);
    assert_eq!(entry(&r, "D4")["scores"], Value::Null);
    // Month boundaries: D1's consultations a second before and at the first second of November
    // do not count.
    let d1 = entry(&r, "D1");
    assert_eq!((d1["consultations"].clone(), d1["completed"].clone(), d1["ratings"].clone()), (json!(5), json!(5), json!(1)));
    assert!(close(&d1["rating_mean"], 5.0, 1e-9) && close(&d1["first_reply_minutes"], 2.0, 1e-9) && close(&d1["revisit_rate"], 0.0, 1e-9));
    assert!(close(&d1["satisfaction"], (10.0 * mu + 5.0) / 11.0, 1e-4));
    assert!(close(&entry(&r, "D2")["satisfaction"], (10.0 * mu + 240.0) / 60.0, 1e-4));
    assert_eq!(entry(&r, "D2")["department"], "心血管内科");
    // D3's unpaid consultation counts for the revisit rate, not for volume.
    assert_eq!((entry(&r, "D3")["consultations"].clone(), entry(&r, "D3")["completed"].clone()), (json!(21), json!(20)));
    assert!(close(&entry(&r, "D3")["revisit_rate"], 10.0 / 21.0, 1e-4));
    assert_matches(&r, &expected(&rows, doctor, defaults, 10.0, 5));
    // Departments: CARD = 0.4 × 100 + 0.3 × 100 = 70; RESP = 0.2 × 100 + 0.1 × 100 = 30.
    let r = ranking(&app, &op, "department").await;
    assert_eq!(codes(&r, "ranked"), ["CARD", "RESP"]);
    assert_eq!(codes(&r, "unranked"), ["PEDS"]);
    assert!(close(&entry(&r, "CARD")["composite"], 70.0, 1e-9) && close(&entry(&r, "RESP")["composite"], 30.0, 1e-9), "{r}");
    assert_eq!(entry(&r, "CARD")["department"], Value::Null);
    assert_matches(&r, &expected(&rows, department, defaults, 10.0, 5));

    // ---- small-sample correction and weights change the order ----
    let admin = app.admin_session("h1", "hospital_admin").await;
    let satisfaction_only = [0.0, 1.0, 0.0, 0.0];
    assert_eq!(put_settings(&app, &admin.token, satisfaction_only, 10, 5).await.0, 200);
    let r = ranking(&app, &op, "doctor").await;
    // One 5-star rating (plain mean 5.0) does not beat fifty averaging 4.8.
    assert_eq!(codes(&r, "ranked"), ["D2", "D1", "D3"]);
    assert!(entry(&r, "D1")["rating_mean"].as_f64() > entry(&r, "D2")["rating_mean"].as_f64());
    assert_matches(&r, &expected(&rows, doctor, satisfaction_only, 10.0, 5));
    // Without the correction (m = 0) it would.
    assert_eq!(put_settings(&app, &admin.token, satisfaction_only, 0, 5).await.0, 200);
    assert_eq!(codes(&ranking(&app, &op, "doctor").await, "ranked"), ["D1", "D2", "D3"]);
    let volume_only = [1.0, 0.0, 0.0, 0.0];
    assert_eq!(put_settings(&app, &admin.token, volume_only, 10, 5).await.0, 200);
    let r = ranking(&app, &op, "doctor").await;
    assert_eq!(codes(&r, "ranked"), ["D2", "D3", "D1"]);
    assert_matches(&r, &expected(&rows, doctor, volume_only, 10.0, 5));
    let reply_only = [0.0, 0.0, 1.0, 0.0];
    let (s, saved) = put_settings(&app, &admin.token, reply_only, 10, 5).await;
    assert_eq!(s, 200, "{saved}");
    assert_eq!(saved["updated_by"], "医院管理员");
    let r = ranking(&app, &op, "doctor").await;
    assert_eq!(codes(&r, "ranked"), ["D1", "D3", "D2"]);
    assert_matches(&r, &expected(&rows, doctor, reply_only, 10.0, 5));
    // A higher minimum sample moves D1 (5 completed) out of the ranking.
    assert_eq!(put_settings(&app, &admin.token, reply_only, 10, 6).await.0, 200);
    let r = ranking(&app, &op, "doctor").await;
    assert_eq!((codes(&r, "ranked"), codes(&r, "unranked")), (vec!["D3".to_string(), "D2".into()], vec!["D1".to_string(), "D4".into()]));

    // ---- invalid settings are refused and change nothing ----
    let before = call(&app.client(), Method::GET, &format!("{}/api/v1/rankings/settings", app.url), &op, None).await.1;
    let (s, e) = put_settings(&app, &admin.token, [0.5, 0.3, 0.2, 0.1], 10, 5).await;
    assert_eq!((s, e["error"]["code"].clone()), (422, json!("validation_failed")), "{e}");
    assert_eq!(e["error"]["fields"][0]["field"], "weights");
    assert!(e["error"]["message"].as_str().unwrap().contains("四项权重之和须为 1"), "{e}");
    let (s, e) = put_settings(&app, &admin.token, [-0.1, 0.6, 0.4, 0.1], -1, 0).await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = e["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["weight_volume", "prior_weight", "min_sample"], "{e}");
    assert!(e["error"]["fields"][0]["message"].as_str().unwrap().contains("不能为负数"));
    // Only hospital administrators may change the method.
    assert_eq!(put_settings(&app, &op, defaults, 10, 5).await.0, 403);
    // The console form names the problem next to the field.
    let form = |v: &'static str| {
        [
            ("_csrf", admin.csrf.as_str()),
            ("weight_volume", v),
            ("weight_satisfaction", "30%"),
            ("weight_reply", "0.2"),
            ("weight_revisit", "0.1"),
            ("prior_weight", "10"),
            ("min_sample", "5"),
        ]
    };
    let (s, page) = text(admin.web.post(format!("{}/rankings/settings", app.url)).form(&form("0.5")).send().await.unwrap()).await;
    assert_eq!(s, 422);
    assert!(page.contains("id=\"weights-error\"") && page.contains("当前为 1.1"), "{page}");
    let (s, page) = text(admin.web.post(format!("{}/rankings/settings", app.url)).form(&form("四成")).send().await.unwrap()).await;
    assert_eq!(s, 422);
    assert!(page.contains("问诊量权重“四成”不是数字"), "{page}");
    let after = call(&app.client(), Method::GET, &format!("{}/api/v1/rankings/settings", app.url), &op, None).await.1;
    assert_eq!(before, after, "refused settings changed nothing");
    // A valid form restores the defaults (percentages accepted).
    let r = admin.web.post(format!("{}/rankings/settings", app.url)).form(&form("40%")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let after = call(&app.client(), Method::GET, &format!("{}/api/v1/rankings/settings", app.url), &op, None).await.1;
    assert_eq!(after["weights"], json!({"volume": 0.4, "satisfaction": 0.3, "reply": 0.2, "revisit": 0.1}));
    assert_eq!((after["prior_weight"].clone(), after["min_sample"].clone()), (json!(10), json!(5)));

    // ---- the console page ----
    let (web, csrf) = app.web_login("h1", "operator").await;
    let (s, page) = text(web.get(format!("{}/rankings?month=2026-10&kind=doctor", app.url)).send().await.unwrap()).await;
    assert_eq!(s, 200);
    for needle in ["王医生", "李医生", "排名方法", "贝叶斯", "<svg", "74.20", "未参与排名", "赵医生", "未发布"] {
        assert!(page.contains(needle), "console page lacks {needle}");
    }
    let (s, page) = text(web.get(format!("{}/rankings?month=2025-01", app.url)).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert!(page.contains("没有问诊数据"), "empty state");
    assert_eq!(web.get(format!("{}/rankings?month=2026-13", app.url)).send().await.unwrap().status(), 422);

    // ---- publication and the public page ----
    let public = app.client();
    let url = |h: &str, m: &str| format!("{}/p/{h}/rankings/{m}", app.url);
    assert_eq!(public.get(url("h1", "2026-10")).send().await.unwrap().status(), 404, "not published yet");
    let publish = |m: &'static str| {
        web.post(format!("{}/rankings/publish", app.url)).form(&[("_confirmed", "1"), ("_csrf", csrf.as_str()), ("month", m)])
    };
    let this_month = app.core.now().local_day().to_string()[..7].to_string();
    let (s, page) = text(
        web.post(format!("{}/rankings/publish", app.url))
            .form(&[("_confirmed", "1"), ("_csrf", csrf.as_str()), ("month", this_month.as_str())])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422);
    assert!(page.contains("尚未结束"), "the current month cannot be published");
    let (s, page) = text(publish("2026-10").send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert!(page.contains("已发布2026年10月排行榜"), "{page}");
    // Hospital 2 publishes its own October.
    publish_h2(&app).await;
    let (s, page) = text(public.get(url("h1", "2026-10")).send().await.unwrap()).await;
    assert_eq!(s, 200, "{page}");
    for needle in [
        "测试医院h1",
        "2026年10月医生与科室排行榜",
        "李医生",
        "王医生",
        "心血管内科",
        "74.20",
        "70.00",
        "排名方法",
        "m = 10",
        "另有 1 位医生",
    ] {
        assert!(page.contains(needle), "public page lacks {needle}");
    }
    for leak in ["乙院医生", "乙院科室", "测试医院h2"] {
        assert!(!page.contains(leak), "public page of h1 shows {leak}");
    }
    let (s, page2) = text(public.get(url("h2", "2026-10")).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert!(page2.contains("乙院医生") && !page2.contains("王医生") && !page2.contains("李医生"), "{page2}");
    // A published month is frozen: changing the method afterwards changes the console, not the public page.
    assert_eq!(put_settings(&app, &admin.token, volume_only, 10, 5).await.0, 200);
    let (_, page) = text(public.get(url("h1", "2026-10")).send().await.unwrap()).await;
    assert!(page.contains("74.20") && page.contains("问诊量 × 40%"), "published ranking changed");
    assert!(close(&entry(&ranking(&app, &op, "doctor").await, "D2")["composite"], 100.0, 1e-9));
    assert_eq!(put_settings(&app, &admin.token, defaults, 10, 5).await.0, 200);
    for (h, m) in [("nope", "2026-10"), ("h1", "2026-13"), ("h1", "2026-09"), ("h1", "202610"), ("%00", "2026-10")] {
        assert_eq!(public.get(url(h, m)).send().await.unwrap().status(), 404, "{h} {m}");
    }

    // ---- public feedback ----
    let feedback = |h: &str, fields: &[(&str, &str)]| public.post(format!("{}/feedback", url(h, "2026-10"))).form(fields).send();
    let r = feedback("h1", &[("name", "张女士"), ("contact", "138 1234 5678"), ("message", "希望增加儿科医生的排名")]).await.unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, "/p/h1/rankings/2026-10?sent=1#feedback");
    let (_, page) = text(public.get(format!("{}{location}", app.url)).send().await.unwrap()).await;
    assert!(page.contains("感谢您的反馈"));
    // A double submit is kept once; a bot filling the hidden field is thanked and ignored.
    let again = feedback("h1", &[("name", "张女士"), ("message", "希望增加儿科医生的排名")]).await.unwrap();
    assert_eq!(again.status(), 303);
    let bot = feedback("h1", &[("message", "便宜推广"), ("website", "http://spam.example")]).await.unwrap();
    assert_eq!(bot.status(), 303);
    // Bad feedback: 4xx with the reason, never a 500.
    let long = "很".repeat(501);
    let long_contact = "1".repeat(65);
    for (fields, status, reason) in [
        (vec![("name", "张女士"), ("message", "  ")], 422, "请填写反馈内容"),
        (vec![("message", long.as_str())], 422, "不能超过 500 字"),
        (vec![("message", "\0\u{1}")], 422, "请填写反馈内容"),
        (vec![("message", "ok"), ("contact", long_contact.as_str())], 422, "联系方式不能超过"),
    ] {
        let (s, page) = text(feedback("h1", &fields).await.unwrap()).await;
        assert_eq!(s, status, "{fields:?}");
        assert!(page.contains(reason), "{fields:?}: {reason}");
    }
    assert_eq!(feedback("nope", &[("message", "x")]).await.unwrap().status(), 404);
    let r = public.post(format!("{}/feedback", url("h1", "2026-13"))).form(&[("message", "x")]).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = public.post(format!("{}/feedback", url("h1", "2026-10"))).json(&json!({"message": "x"})).send().await.unwrap();
    assert!(r.status().is_client_error(), "JSON body: {}", r.status());
    // A signed-in visitor's browser carries its CSRF token in the form and can send too.
    let (_, page) = text(web.get(url("h1", "2026-10")).send().await.unwrap()).await;
    assert!(page.contains(&format!("name=\"_csrf\" value=\"{csrf}\"")));
    let r = web
        .post(format!("{}/feedback", url("h1", "2026-10")))
        .form(&[("_csrf", csrf.as_str()), ("message", "数据很透明")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // The feedback lands in the console, masked.
    let (s, page) = text(web.get(format!("{}/rankings/feedback", app.url)).send().await.unwrap()).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("希望增加儿科医生的排名") && page.contains("数据很透明") && page.contains("138****5678") && page.contains("张**")
    );
    assert!(!page.contains("13812345678") && !page.contains("张女士") && !page.contains("便宜推广"));
    assert_eq!(page.matches("希望增加儿科医生的排名").count(), 1, "stored once");
    assert_eq!(page.matches("id=\"fb-").count(), 2);
    let (_, other) =
        text(app.web_login("h2", "operator").await.0.get(format!("{}/rankings/feedback", app.url)).send().await.unwrap()).await;
    assert!(!other.contains("希望增加儿科医生的排名") && other.contains("还没有反馈"), "hospital 2 sees no feedback of hospital 1");
    let id = page
        .split("id=\"fb-")
        .skip(1)
        .find(|row| row.contains("希望增加儿科医生的排名"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    // Handling needs a note.
    let handle = |note: &'static str| {
        web.post(format!("{}/rankings/feedback/handle", app.url))
            .form(&[("_csrf", csrf.as_str()), ("id", id.as_str()), ("reply", note)])
            .send()
    };
    let (s, page) = text(handle("").await.unwrap()).await;
    assert_eq!(s, 422);
    assert!(page.contains("请填写处理说明"));
    assert_eq!(handle("已核实，下月起增加儿科排名").await.unwrap().status(), 303);
    let (_, page) = text(web.get(format!("{}/rankings/feedback?status=handled", app.url)).send().await.unwrap()).await;
    assert!(page.contains("已核实，下月起增加儿科排名") && page.contains("希望增加儿科医生的排名"), "{page}");
    // The contact in clear: administrators only, audited.
    let reveal = |c: &reqwest::Client, token: &str| {
        c.post(format!("{}/rankings/feedback/reveal", app.url)).form(&[("_csrf", token), ("id", id.as_str())]).send()
    };
    assert_eq!(reveal(&web, &csrf).await.unwrap().status(), 403);
    let (s, page) = text(reveal(&admin.web, &admin.csrf).await.unwrap()).await;
    assert_eq!(s, 200);
    assert!(page.contains("13812345678") && page.contains("张女士"));

    // ---- soft rate limit: a burst is refused with 429, and accepted again later ----
    let mut refused = None;
    for i in 0..40 {
        let r = feedback("h1", &[("message", &format!("第 {i} 条意见"))]).await.unwrap();
        if r.status() == 429 {
            refused = Some(i);
            let page = r.text().await.unwrap();
            assert!(page.contains("请稍后再试"));
            break;
        }
        assert_eq!(r.status(), 303);
    }
    // Two messages were stored before the burst: the 29th of the burst is the 31st in the window.
    assert_eq!(refused, Some(28));
    app.clock.advance_seconds(11 * 60);
    assert_eq!(feedback("h1", &[("message", "过一会儿再提")]).await.unwrap().status(), 303);
    app.stop().await;
}

/// Hospital 2: one department and doctor with six completed consultations in October, published.
async fn publish_h2(app: &TestApp) {
    let token = app.token("h2", "operator").await;
    ingest(app, &token, "departments", json!([{"code": "CARD", "name": "乙院科室"}])).await;
    ingest(app, &token, "doctors", json!([{"code": "D1", "name": "乙院医生", "department_code": "CARD", "title": "主任医师"}])).await;
    ingest(app, &token, "patients", json!([{"external_id": "P1", "name": "乙院患者", "sex": "女"}])).await;
    let cons: Vec<Value> = (0..6)
        .map(|i| {
            json!({"external_id": format!("B{i}"), "patient_external_id": "P1", "department_code": "CARD", "doctor_code": "D1", "kind": "text",
                   "created_at": format!("2026-10-1{i} 09:00:00"), "paid_at": format!("2026-10-1{i} 09:01:00"),
                   "first_reply_at": format!("2026-10-1{i} 09:03:00"), "completed_at": format!("2026-10-1{i} 10:00:00"),
                   "amount": "20", "rating": 3})
        })
        .collect();
    ingest(app, &token, "consultations", Value::Array(cons)).await;
    let (web, csrf) = app.web_login("h2", "operator").await;
    let r = web
        .post(format!("{}/rankings/publish", app.url))
        .form(&[("_confirmed", "1"), ("_csrf", csrf.as_str()), ("month", "2026-10")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
