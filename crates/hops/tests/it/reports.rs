//! Operations reports: the numbers a report shows (and its PDF renders) are the KPI API's,
//! the XLSX reads back with the same values, publish → history → download round trip,
//! published reports refuse changes, subscribers are validated, and the delivery job e-mails
//! the PDF to a local SMTP sink — on both backends.

use std::sync::Arc;

use hops_kernel::{HospitalId, Instant, ManualClock};
use hops_platform::Role;
use hops_platform::crypto::Keyring;
use hops_platform::jobs::{self, Jobs};
use hops_platform::notify::email::SmtpSettings;
use hops_reports::service::DeliveryJob;
use hops_testkit::{Backend, SmtpSink, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(report_numbers_are_the_kpi_apis, publish_download_and_deliver);

/// Reports need a Chinese font; say so instead of failing obscurely.
fn require_fonts() {
    if let Err(e) = hops_reports::pdf::Typesetter::shared() {
        panic!("{e}");
    }
}

async fn ingest(app: &TestApp, token: &str, kind: &str, rows: Value) {
    let (s, r) =
        call(&app.client(), Method::POST, &format!("{}/api/v1/ingest/{kind}", app.url), token, Some(json!({ "rows": rows }))).await;
    assert_eq!(s, 200, "{kind}: {r}");
}

#[allow(clippy::too_many_arguments)]
fn cons(
    id: &str,
    patient: &str,
    dept: &str,
    doctor: &str,
    kind: &str,
    created: &str,
    paid: bool,
    done: bool,
    amount: &str,
    rating: Option<i64>,
    review: &str,
) -> Value {
    let at = |minutes: i64| Instant::parse(created).unwrap().plus_minutes(minutes).to_string();
    json!({
        "external_id": id, "patient_external_id": patient, "department_code": dept, "doctor_code": doctor, "kind": kind,
        "created_at": created, "paid_at": paid.then(|| at(1)), "accepted_at": paid.then(|| at(3)), "first_reply_at": paid.then(|| at(8)),
        "completed_at": done.then(|| at(40)), "amount": amount, "rating": rating, "review": review,
    })
}

/// October 2026 (the report), September 2026 (环比) and October 2025 (同比), with ratings and
/// bad reviews whose reasons the report groups.
async fn setup(app: &TestApp, token: &str) {
    ingest(app, token, "departments", json!([{"code": "CARD", "name": "心血管内科"}, {"code": "PED", "name": "儿科"}])).await;
    ingest(
        app,
        token,
        "doctors",
        json!([
            {"code": "D1", "name": "王医生", "department_code": "CARD", "title": "主任医师"},
            {"code": "D2", "name": "李医生", "department_code": "PED", "title": "主治医师"},
            {"code": "D3", "name": "张医生", "department_code": "PED", "title": "住院医师"},
        ]),
    )
    .await;
    let patients: Vec<Value> = ["P1", "P2", "P3", "P4"]
        .iter()
        .enumerate()
        .map(|(i, p)| json!({"external_id": p, "name": format!("患者{p}"), "sex": "女", "registered_at": format!("2025-0{}-01 09:00:00", i + 1)}))
        .collect();
    ingest(app, token, "patients", json!(patients)).await;
    ingest(
        app,
        token,
        "consultations",
        json!([
            cons("C1", "P1", "CARD", "D1", "text", "2026-10-01 00:00:00", true, true, "30.00", Some(5), "很好"),
            cons(
                "C2",
                "P2",
                "CARD",
                "D1",
                "video",
                "2026-10-05 10:00:00",
                true,
                true,
                "80.00",
                Some(1),
                "等了一个多小时医生才回复，态度冷淡"
            ),
            cons("C3", "P3", "PED", "D2", "text", "2026-10-09 21:00:00", true, true, "25.50", Some(2), "快递一直不动，药迟迟没到"),
            cons("C4", "P4", "PED", "D2", "phone", "2026-10-20 08:00:00", true, true, "60.00", Some(4), ""),
            cons("C5", "P1", "PED", "D3", "revisit", "2026-10-31 23:59:59", true, false, "15.00", None, ""),
            cons("C6", "P2", "CARD", "D1", "text", "2026-10-12 12:00:00", false, false, "30.00", None, ""),
            cons("C7", "P3", "CARD", "D1", "text", "2026-09-15 09:00:00", true, true, "30.00", Some(5), ""),
            cons("C8", "P4", "PED", "D2", "video", "2026-09-30 23:59:59", true, true, "80.00", Some(3), ""),
            cons("C9", "P1", "CARD", "D1", "text", "2025-10-10 10:00:00", true, true, "20.00", Some(4), ""),
        ]),
    )
    .await;
    ingest(
        app,
        token,
        "payments",
        json!([
            {"external_id": "Y1", "patient_external_id": "P1", "kind": "outpatient", "amount": "128.50", "paid_at": "2026-10-02 10:00:00", "insurance_amount": "60"},
            {"external_id": "Y2", "patient_external_id": "P2", "kind": "recharge", "amount": "100", "paid_at": "2026-09-02 10:00:00"},
        ]),
    )
    .await;
}

/// A hospital with data and the clock on 2026-11-02 10:00 (October is over).
async fn app_with_data(b: Backend) -> (TestApp, HospitalId, String) {
    require_fonts();
    let app = TestApp::spawn(b).await;
    app.clock.set(Instant::parse("2026-11-02 10:00:00").unwrap());
    let h = app.hospital("h1", &[Role::Operator, Role::Nurse]).await;
    let token = app.token("h1", "operator").await;
    setup(&app, &token).await;
    (app, h, token)
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

async fn report_numbers_are_the_kpi_apis(b: Backend) {
    let (app, _, token) = app_with_data(b).await;
    for (period, at) in [("month", "2026-10"), ("week", "2026-10-05"), ("quarter", "2026-10-31"), ("year", "2026-06-01")] {
        let (s, kpis) = call(&app.client(), Method::GET, &format!("{}/api/v1/kpis?period={period}&at={at}", app.url), &token, None).await;
        assert_eq!(s, 200, "{kpis}");
        let (s, preview) =
            call(&app.client(), Method::GET, &format!("{}/api/v1/reports/preview?period={period}&at={at}", app.url), &token, None).await;
        assert_eq!(s, 200, "{preview}");
        let report = &preview["report"];
        assert_eq!(report["period"]["start"], kpis["period"]["start"]);
        assert_eq!(report["period"]["end"], kpis["period"]["end"]);
        let want = kpis["kpis"].as_object().unwrap();
        let got = report["kpis"].as_object().unwrap();
        assert_eq!(got.len(), want.len(), "the report carries every KPI");
        for (key, w) in want {
            for which in ["value", "previous", "year_ago"] {
                assert_eq!(got[key][which], w[which], "{period} {at}: {key}.{which}");
            }
        }
        assert_eq!(report["department_share"], kpis["department_share"], "{period} {at}");
        // The trend ends with the report's own period, with its numbers.
        let last = report["trend"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["created"], want["consultations_created"]["value"]);
        assert_eq!(last["by_kind"]["text"], want["consultations_created_text"]["value"]);
    }
    let (_, preview) =
        call(&app.client(), Method::GET, &format!("{}/api/v1/reports/preview?period=month&at=2026-10", app.url), &token, None).await;
    let r = &preview["report"];
    assert_eq!(r["title"], "互联网医院运营月报");
    assert_eq!(r["hospital"], "测试医院h1");
    assert!(preview["published"].is_null());
    // Comparisons: 6 consultations against 2 in September.
    assert_eq!(r["kpis"]["consultations_created"]["mom"], json!({"text": "+200.0%", "direction": "up", "good": true}));
    assert_eq!(r["kpis"]["avg_first_reply_minutes"]["mom"]["text"], "持平");
    // Doctor ranking by completed consultations in October: D1 (C1, C2) and D2 (C3, C4); D3 none.
    assert_eq!(r["doctors"].as_array().unwrap().len(), 2);
    assert_eq!(r["doctors"][0]["name"], "王医生");
    assert_eq!(r["doctors"][0]["completed"], 2);
    assert_eq!(r["doctors"][0]["rating_avg"], 3.0);
    assert_eq!(r["doctors"][0]["good_rate"], 0.5);
    assert_eq!(r["doctors"][0]["reply_minutes"], 7.0);
    assert_eq!(r["doctors"][1]["department"], "儿科");
    // Monthly reports carry the month's official leaderboard; at most two completed
    // consultations per doctor are below its minimum sample, so the three are listed, unranked.
    assert_eq!(r["leaderboard"]["entries"], json!([]));
    assert_eq!(r["leaderboard"]["unranked"], 3);
    assert!(r["leaderboard"]["method"][0].as_str().unwrap().starts_with("综合得分"));
    // Ratings and bad-review reasons (ratings ≤ 2: C2 and C3).
    assert_eq!(r["reviews"]["distribution"], json!([1, 1, 0, 1, 1]));
    assert_eq!(r["reviews"]["bad"], 2);
    assert_eq!(
        r["reviews"]["reasons"],
        json!([{"reason": "回复慢", "count": 1}, {"reason": "态度", "count": 1}, {"reason": "配送", "count": 1}])
    );
    assert!(r["summary"]["overview"].as_str().unwrap().contains("共收到问诊订单 6 单"), "{}", r["summary"]);
    assert_eq!(r["conclusions_suggested"], true);
    // Without a date, a report opens on the last finished period (October on 2 November), not
    // on the two days of November; asked for, November so far is compared with the same two
    // days of October, and no highlight comes from nothing.
    let (_, default) = call(&app.client(), Method::GET, &format!("{}/api/v1/reports/preview?period=month", app.url), &token, None).await;
    assert_eq!(default["report"], preview["report"], "the default is October");
    let (_, november) =
        call(&app.client(), Method::GET, &format!("{}/api/v1/reports/preview?period=month&at=2026-11", app.url), &token, None).await;
    let overview = november["report"]["summary"]["overview"].as_str().unwrap();
    assert!(overview.contains("2026-11-01 至 2026-11-02，截至今天") && overview.contains("较上月同期"), "{overview}");
    for line in november["report"]["summary"]["highlights"].as_array().unwrap() {
        assert!(!line.as_str().unwrap().contains("（0"), "a highlight from zero: {line}");
    }
    // Bad parameters and permissions.
    let (s, _) = call(&app.client(), Method::GET, &format!("{}/api/v1/reports/preview?period=decade", app.url), &token, None).await;
    assert_eq!(s, 422);
    let nurse = app.token("h1", "nurse").await;
    let (s, _) = call(&app.client(), Method::GET, &format!("{}/api/v1/reports/preview", app.url), &nurse, None).await;
    assert_eq!(s, 403);
    app.stop().await;
}

/// Raw bytes of an authorised GET.
async fn bytes(app: &TestApp, token: &str, path: &str) -> (u16, String, Vec<u8>) {
    let r = app.client().get(format!("{}{path}", app.url)).bearer_auth(token).send().await.unwrap();
    let status = r.status().as_u16();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

fn page_count(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let at = text.find("/Type/Pages/Count ").or_else(|| text.find("/Type /Pages /Count ")).expect("page tree");
    text[at..].split("Count ").nth(1).unwrap().chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse().unwrap()
}

async fn publish_download_and_deliver(b: Backend) {
    let (app, h, token) = app_with_data(b).await;
    let client = app.client();
    let url = |p: &str| format!("{}{p}", app.url);
    // Conclusions draft, then publish.
    let text = "1. 缩短首次响应时间至 5 分钟以内。\n2. 差评逐条回访。";
    let (s, r) = call(
        &client,
        Method::PUT,
        &url("/api/v1/reports/conclusions"),
        &token,
        Some(json!({"period": "month", "at": "2026-10", "conclusions": text})),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, e) = call(&client, Method::POST, &url("/api/v1/reports"), &token, Some(json!({"period": "month", "at": "2026-11"}))).await;
    assert_eq!(s, 422, "November is not over: {e}");
    let (s, published) =
        call(&client, Method::POST, &url("/api/v1/reports"), &token, Some(json!({"period": "month", "at": "2026-10"}))).await;
    assert_eq!(s, 201, "{published}");
    let id = published["id"].as_i64().unwrap();
    assert_eq!((published["label"].clone(), published["conclusions"].clone()), (json!("2026年10月"), json!(text)));
    // Immutable: no second publication, no more edits of its conclusions.
    let (s, e) = call(&client, Method::POST, &url("/api/v1/reports"), &token, Some(json!({"period": "month", "at": "2026-10-15"}))).await;
    assert_eq!((s, e["error"]["code"].clone()), (409, json!("already_published")));
    let (s, e) = call(
        &client,
        Method::PUT,
        &url("/api/v1/reports/conclusions"),
        &token,
        Some(json!({"period": "month", "at": "2026-10", "conclusions": "改"})),
    )
    .await;
    assert_eq!((s, e["error"]["code"].clone()), (409, json!("already_published")), "{e}");
    // History and the stored numbers, which are the KPI API's.
    let (s, list) = call(&client, Method::GET, &url("/api/v1/reports?kind=month"), &token, None).await;
    assert_eq!((s, list["total"].clone(), list["items"][0]["id"].clone()), (200, json!(1), json!(id)));
    let (_, detail) = call(&client, Method::GET, &url(&format!("/api/v1/reports/{id}")), &token, None).await;
    let (_, kpis) = call(&client, Method::GET, &url("/api/v1/kpis?period=month&at=2026-10"), &token, None).await;
    for (key, w) in kpis["kpis"].as_object().unwrap() {
        assert_eq!(detail["numbers"]["kpis"][key]["value"], w["value"], "{key}");
    }
    assert_eq!(detail["numbers"]["conclusions"], text);
    // The PDF.
    let (s, ct, pdf) = bytes(&app, &token, &format!("/api/v1/reports/{id}/pdf")).await;
    assert_eq!((s, ct.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let pages = page_count(&pdf);
    assert!((4..=8).contains(&pages), "{pages} pages");
    assert!(pdf.len() < 400_000, "fonts are subset: {} bytes", pdf.len());
    assert_eq!(detail["report"]["pdf_bytes"], json!(pdf.len()));
    // The XLSX reads back with the KPI API's values (first sheet: key in column 2, value in 3).
    let (s, _, xlsx) = bytes(&app, &token, &format!("/api/v1/reports/{id}/xlsx")).await;
    assert_eq!(s, 200);
    let table = hops_platform::tabular::parse(&xlsx, "report.xlsx").unwrap();
    assert_eq!(table.headers[..4], ["指标", "指标键", "本期", "上期"]);
    for (key, w) in kpis["kpis"].as_object().unwrap() {
        let row = table.rows.iter().find(|r| r[1] == *key).unwrap_or_else(|| panic!("{key} in the workbook"));
        for (col, which) in [(2, "value"), (3, "previous"), (5, "year_ago")] {
            let cell = row.get(col).map(String::as_str).unwrap_or("");
            match as_f64(&w[which]) {
                None => assert_eq!(cell, "", "{key}.{which}"),
                Some(v) => {
                    let c: f64 = cell.parse().unwrap_or_else(|_| panic!("{key}.{which}: {cell:?}"));
                    assert!((c - v).abs() < 1e-9, "{key}.{which}: {c} vs {v}");
                }
            }
        }
    }
    // Other tenants and unknown ids.
    let (s, _, _) = bytes(&app, &token, "/api/v1/reports/999999999/pdf").await;
    assert_eq!(s, 404);
    // The console: preview page shows the published state and the downloads work with a cookie.
    let (web, csrf) = app.web_login("h1", "operator").await;
    let page = web.get(url("/reports?period=month&at=2026-10")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已发布") && page.contains("缩短首次响应时间至 5 分钟以内") && page.contains(&format!("/reports/{id}/pdf")));
    assert!(!page.contains("name=\"conclusions\""), "no editor for a published report");
    let r = web.get(url(&format!("/reports/{id}/pdf"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
    let r = web
        .post(url("/reports/conclusions"))
        .form(&[("_csrf", csrf.as_str()), ("period", "month"), ("at", "2026-10"), ("conclusions", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let history = web.get(url("/reports/history")).send().await.unwrap().text().await.unwrap();
    assert!(history.contains("2026年10月"));
    // Preview downloads of an unpublished period.
    let r = web.get(url("/reports/preview.xlsx?period=quarter&at=2026-07-01")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(hops_platform::tabular::parse(&r.bytes().await.unwrap(), "q.xlsx").is_ok());

    // Subscribers: validated, one per address.
    let (s, e) =
        call(&client, Method::POST, &url("/api/v1/report-subscribers"), &token, Some(json!({"name": "", "email": "nope", "kinds": []})))
            .await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = e["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "email", "kinds"]);
    let sub = json!({"name": "王院长", "email": "Yuanzhang@Example.cn", "kinds": ["month", "quarter"]});
    let (s, added) = call(&client, Method::POST, &url("/api/v1/report-subscribers"), &token, Some(sub.clone())).await;
    assert_eq!((s, added["email"].clone()), (201, json!("yuanzhang@example.cn")), "{added}");
    let (s, _) = call(&client, Method::POST, &url("/api/v1/report-subscribers"), &token, Some(sub)).await;
    assert_eq!(s, 422, "same address twice");
    let quarterly = json!({"name": "李主任", "email": "li@example.cn", "kinds": ["quarter"]});
    assert_eq!(call(&client, Method::POST, &url("/api/v1/report-subscribers"), &token, Some(quarterly)).await.0, 201);
    let r = web
        .post(url("/reports/subscribers"))
        .form(&[("_csrf", csrf.as_str()), ("name", "赵科长"), ("email", "bad@"), ("kinds", "month")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("不是有效的电子邮箱地址"));

    // Delivery: the job was scheduled for 08:00 the next morning. Run it as a worker whose
    // clock has reached that time and whose mailer points at a local SMTP sink.
    let sink = SmtpSink::open().await;
    let settings = SmtpSettings { url: sink.url(None), from: "运营平台 <reports@hops.test>".into() };
    let mut config = app.core.config.clone();
    config.notify.smtp = Some(settings);
    let keyring = Keyring::load_or_create(&config.key_file).unwrap();
    let morning = Arc::new(ManualClock::new(Instant::parse("2026-11-03 08:00:01").unwrap()));
    let worker = hops_platform::Core::new(
        app.db.clone(),
        keyring,
        morning,
        config,
        Jobs::new(hops_platform::jobs::Registry { handlers: vec![DeliveryJob.handler()], ..Default::default() }),
    );
    assert!(!jobs::run_one(&app.core, "app-clock").await.unwrap(), "not due before 08:00");
    assert!(jobs::run_one(&worker, "test-worker").await.unwrap(), "the delivery job ran");
    let sent: Vec<(Vec<String>, String)> = sink.mails().into_iter().map(|m| (m.recipients, m.data)).collect();
    assert_eq!(sent.len(), 1, "only the monthly subscriber gets a monthly report");
    let (rcpts, data) = &sent[0];
    assert_eq!(rcpts, &vec!["yuanzhang@example.cn".to_string()]);
    assert!(data.contains("Content-Type: application/pdf"), "{data:.600}");
    assert!(data.contains("JVBERi0"), "the attachment is the PDF (base64 of %PDF-)");
    assert!(data.contains("multipart/mixed"));
    let (_, detail) = call(&client, Method::GET, &url(&format!("/api/v1/reports/{id}")), &token, None).await;
    assert_eq!(detail["report"]["delivered"], 1);
    // Sending again goes only to those who have not received it: nobody.
    let (s, job) = call(&client, Method::POST, &url(&format!("/api/v1/reports/{id}/deliveries")), &token, None).await;
    assert_eq!(s, 202, "{job}");
    // Due at once: whichever worker takes it (the app's own, or this one) finds nobody left.
    let _ = jobs::run_one(&worker, "test-worker").await.unwrap();
    let job_id = hops_kernel::JobId(job["job_id"].as_i64().unwrap());
    let system = app.system(h);
    for _ in 0..100 {
        if jobs::get(&system, job_id).await.unwrap().status == jobs::Status::Done {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(jobs::get(&system, job_id).await.unwrap().status, jobs::Status::Done);
    assert_eq!(sink.mails().len(), 1, "no second mail");
    app.stop().await;
}
