//! Hostile spreadsheets through every route that accepts a file: a 2 KB workbook whose sheet
//! spans A1:XFD1048576 (read as a dense range that is 17 billion cells: the process aborts), the
//! same with only the dimension declared, and a 1 MB zip bomb (a sheet of 1 GiB of zeros). The
//! least privileged role is refused (403) before a byte of the body is read; the most
//! privileged role gets a 4xx in Chinese and nothing is imported; the server stays up.

use std::io::Write;
use std::time::Duration;

use hops_kernel::Clock;
use hops_platform::Role;
use hops_platform::web::routes::Access as RouteAccess;
use hops_testkit::{Backend, TestApp, both_backends, call, http_method};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(bombs_through_every_upload_route);

/// A part of a zip written by hand, so the test decides what the directory declares.
struct Part {
    name: &'static str,
    /// 0 stored, 8 deflated.
    method: u16,
    crc: u32,
    size: u32,
    data: Vec<u8>,
}

fn stored(name: &'static str, xml: &str) -> Part {
    Part { name, method: 0, crc: crc32fast::hash(xml.as_bytes()), size: xml.len() as u32, data: xml.as_bytes().to_vec() }
}

fn zip(parts: &[Part]) -> Vec<u8> {
    let (mut out, mut directory) = (Vec::new(), Vec::new());
    for p in parts {
        let offset = out.len() as u32;
        let name = p.name.as_bytes();
        // version, flags, method, time, date (1980-01-01), crc, sizes, name length, extra length.
        let mut fields = Vec::new();
        fields.extend(20u16.to_le_bytes());
        fields.extend(0u16.to_le_bytes());
        fields.extend(p.method.to_le_bytes());
        fields.extend(0u16.to_le_bytes());
        fields.extend(0x21u16.to_le_bytes());
        fields.extend(p.crc.to_le_bytes());
        fields.extend((p.data.len() as u32).to_le_bytes());
        fields.extend(p.size.to_le_bytes());
        fields.extend((name.len() as u16).to_le_bytes());
        fields.extend(0u16.to_le_bytes());
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend(&fields);
        out.extend(name);
        out.extend(&p.data);
        directory.extend(0x0201_4b50u32.to_le_bytes());
        directory.extend(20u16.to_le_bytes());
        directory.extend(&fields);
        // comment length, disk, internal and external attributes, offset of the local header.
        directory.extend([0u8; 10]);
        directory.extend(offset.to_le_bytes());
        directory.extend(name);
    }
    let start = out.len() as u32;
    out.extend(&directory);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((parts.len() as u16).to_le_bytes());
    out.extend((parts.len() as u16).to_le_bytes());
    out.extend((directory.len() as u32).to_le_bytes());
    out.extend(start.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

/// A valid one-sheet workbook around the given sheet.
fn workbook(sheet: Part) -> Vec<u8> {
    let rels = "http://schemas.openxmlformats.org/package/2006/relationships";
    let doc = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    zip(&[
        stored(
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        stored(
            "_rels/.rels",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{rels}"><Relationship Id="rId1" Type="{doc}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        stored(
            "xl/workbook.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{doc}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        stored(
            "xl/_rels/workbook.xml.rels",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{rels}"><Relationship Id="rId1" Type="{doc}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        sheet,
    ])
}

/// Cells at A1 and XFD1048576, the used range declared to match.
fn dimension_bomb() -> Vec<u8> {
    workbook(stored(
        "xl/worksheets/sheet1.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>"#
        ),
    ))
}

/// Only the used range declared, no cells.
fn dimension_only() -> Vec<u8> {
    workbook(stored(
        "xl/worksheets/sheet1.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><dimension ref="A1:XFD1048576"/><sheetData/></worksheet>"#
        ),
    ))
}

/// A sheet of 1 GiB of zeros in about 1 MB: one MiB deflated, the same bytes repeated (each
/// copy is self-contained, ending byte-aligned and not final), then an empty final block.
fn zip_bomb() -> Vec<u8> {
    const MIB: usize = 1 << 20;
    let zeros = vec![0u8; MIB];
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&zeros).unwrap();
    encoder.flush().unwrap();
    let chunk = encoder.get_ref().clone();
    let mut data = Vec::with_capacity(chunk.len() * 1024 + 2);
    let (mut crc, mut one) = (crc32fast::Hasher::new(), crc32fast::Hasher::new());
    one.update(&zeros);
    for _ in 0..1024 {
        data.extend(&chunk);
        crc.combine(&one);
    }
    data.extend([0x03, 0x00]);
    workbook(Part { name: "xl/worksheets/sheet1.xml", method: 8, crc: crc.finalize(), size: (1024 * MIB) as u32, data })
}

/// A route that accepts a file.
struct Route {
    path: String,
    api: bool,
    /// Other fields of the form.
    fields: &'static [(&'static str, &'static str)],
    /// Whether the file is read as a table (a ticket attachment is stored as sent).
    parsed: bool,
}

/// Each request on a connection of its own (`connection: close`): a refused upload is answered
/// without its body being read, and the server then closes that connection. When that happens
/// while a large body is still being sent, the client sees a reset instead of the answer (the
/// refused role's uploads only: `refused`); those are sent again until an answer arrives.
async fn post(app: &TestApp, c: &reqwest::Client, auth: &str, route: &Route, file: &[u8], name: &str, refused: bool) -> (u16, String) {
    let url = format!("{}{}", app.url, route.path);
    let mut attempts = 0;
    loop {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in route.fields {
            form = form.text(*k, *v);
        }
        form = form.part("file", reqwest::multipart::Part::bytes(file.to_vec()).file_name(name.to_string()));
        let req = if route.api { c.post(&url).bearer_auth(auth) } else { c.post(&url).header("x-csrf-token", auth) };
        attempts += 1;
        match req.multipart(form).header("connection", "close").timeout(Duration::from_secs(30)).send().await {
            Ok(r) => return (r.status().as_u16(), r.text().await.unwrap_or_default()),
            Err(e) if refused && e.is_request() && attempts < 10 => continue,
            Err(e) => panic!("{} (attempt {attempts}): {e}", route.path),
        }
    }
}

async fn healthy(app: &TestApp, after: &str) {
    let r = app.client().get(format!("{}/healthz", app.url)).send().await.unwrap_or_else(|e| panic!("server down after {after}: {e}"));
    assert_eq!(r.status(), 200, "after {after}");
}

async fn bombs_through_every_upload_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let hospital = app.hospital("up", &[Role::HospitalAdmin, Role::Doctor]).await;
    let admin = app.admin_session("up", "hospital_admin").await;
    let (doctor_web, doctor_csrf) = app.web_login("up", "doctor").await;
    let doctor_token = app.token("up", "doctor").await;
    let c = app.client();

    // An employer for the roster routes and a ticket for the attachment route.
    let day = |n: i32| app.clock.now().local_day().plus_days(n).to_string();
    let employer = json!({"code": "ACME", "name": "示例科技有限公司", "contact_name": "人事 王芳", "contact_phone": "13800001111",
                          "window_from": day(1), "window_to": day(30), "addon_pct": 80});
    let (s, b) = call(&c, Method::POST, &format!("{}/api/v1/checkup/employers", app.url), &admin.token, Some(employer)).await;
    assert_eq!(s, 204, "{b}");
    let ticket = json!({"channel": "hotline", "category": "consult", "priority": "normal", "subject": "附件测试"});
    let (s, t) = call(&c, Method::POST, &format!("{}/api/v1/desk/tickets", app.url), &admin.token, Some(ticket)).await;
    assert_eq!(s, 201, "{t}");
    let ticket = t["id"].as_i64().unwrap();

    let page = |path: &str, fields: &'static [(&'static str, &'static str)]| Route { path: path.into(), api: false, fields, parsed: true };
    let api = |path: &str| Route { path: path.into(), api: true, fields: &[], parsed: true };
    let routes = vec![
        page("/departments/import", &[("mode", "skip_bad")]),
        page("/doctors/import", &[]),
        page("/patients/import", &[]),
        page("/ingest", &[("kind", "consultations")]),
        page("/desk/kb/import", &[]),
        page("/desk/import", &[("kind", "tickets")]),
        page("/desk/followup/key-patients/import", &[]),
        page("/checkup/groups/ACME/roster", &[]),
        page("/users/import", &[]),
        Route { path: format!("/desk/tickets/{ticket}/attachments"), api: false, fields: &[], parsed: false },
        api("/api/v1/departments/import"),
        api("/api/v1/doctors/import"),
        api("/api/v1/patients/import"),
        api("/api/v1/checkup/catalogue/import"),
        api("/api/v1/checkup/employers/ACME/roster/import"),
        api("/api/v1/desk/kb/import"),
    ];
    // Every route that takes a file is in the list: each is a POST of the route table.
    for r in &routes {
        let template = r.path.replace("ACME", "{employer_code}").replace(&format!("/{ticket}/"), "/{ticket_id}/");
        assert!(
            app.specs().iter().any(|s| s.path == template && s.method == hops_platform::web::Method::Post),
            "{template} is not a POST route"
        );
    }

    let bombs: [(&str, Vec<u8>); 3] = [("bomb.xlsx", dimension_bomb()), ("dimension.xlsx", dimension_only()), ("zeros.xlsx", zip_bomb())];
    assert!(bombs[0].1.len() < 5_000 && bombs[1].1.len() < 5_000, "workbook bombs are small");
    assert!(bombs[2].1.len() < 2_000_000, "zip bomb: {} bytes", bombs[2].1.len());

    for route in &routes {
        // The least privileged: 403 before the body is read — a body that is not even a
        // valid multipart stream is refused the same way.
        let (client, auth) = if route.api { (&c, doctor_token.as_str()) } else { (&doctor_web, doctor_csrf.as_str()) };
        for (name, file) in &bombs {
            let (status, body) = post(&app, client, auth, route, file, name, true).await;
            assert_eq!(status, 403, "doctor, {name} to {}: {body}", route.path);
        }
        let url = format!("{}{}", app.url, route.path);
        let broken =
            client.post(url).header("connection", "close").header("content-type", "multipart/form-data; boundary=x").body("--x\r\nbroken");
        let broken = if route.api { broken.bearer_auth(auth) } else { broken.header("x-csrf-token", auth) };
        assert_eq!(broken.send().await.unwrap().status(), 403, "doctor, broken body to {}", route.path);
        healthy(&app, &format!("the doctor's uploads to {}", route.path)).await;

        // The most privileged: refused with what to change, in Chinese.
        let (client, auth) = if route.api { (&c, admin.token.as_str()) } else { (&admin.web, admin.csrf.as_str()) };
        for (name, file) in &bombs {
            let (status, body) = post(&app, client, auth, route, file, name, false).await;
            healthy(&app, &format!("{name} to {}", route.path)).await;
            if !route.parsed {
                // Stored encrypted as sent, never opened.
                assert!(status < 500, "admin, {name} to {}: {status} {body}", route.path);
                continue;
            }
            assert!((400..500).contains(&status), "admin, {name} to {}: {status} {body}", route.path);
            let expected = match *name {
                "bomb.xlsx" => Some("超过 256 列（已用到 A 列至 XFD 列），请删除多余的列后重试"),
                "zeros.xlsx" => Some("疑似“压缩炸弹”，已拒绝读取"),
                _ => None,
            };
            if let Some(m) = expected {
                let shown = if route.api {
                    serde_json::from_str::<Value>(&body).unwrap()["error"]["message"].as_str().unwrap().to_string()
                } else {
                    body
                };
                assert!(shown.contains(m), "admin, {name} to {}: {status} {shown}", route.path);
            }
        }
    }

    // Nothing was imported.
    for kind in ["departments", "doctors", "patients"] {
        let (s, list) = call(&c, Method::GET, &format!("{}/api/v1/{kind}", app.url), &admin.token, None).await;
        assert_eq!(s, 200, "{list}");
        assert_eq!(list["total"], 0, "{kind}: {list}");
    }
    let (_, roster) = call(&c, Method::GET, &format!("{}/api/v1/checkup/employers/ACME/roster", app.url), &admin.token, None).await;
    assert_eq!(roster["people"], json!([]), "{roster}");
    let users = hops_platform::accounts::service::directory(&app.system(hospital)).await.unwrap();
    assert_eq!(users.len(), 2, "no user was imported");

    // Any other route given a file does not read it as a table.
    let listed: Vec<String> =
        routes.iter().map(|r| r.path.replace("ACME", "{employer_code}").replace(&format!("/{ticket}/"), "/{ticket_id}/")).collect();
    let mut others = 0;
    for spec in app.specs() {
        let unsafe_method = matches!(spec.method, hops_platform::web::Method::Post | hops_platform::web::Method::Put);
        if !unsafe_method || spec.access != RouteAccess::Tenant || listed.iter().any(|p| p == spec.path) || spec.path.ends_with("/logout") {
            continue;
        }
        let path = spec.params().iter().fold(spec.path.to_string(), |p, n| p.replace(&format!("{{{n}}}"), "999999"));
        let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bombs[0].1.clone()).file_name("bomb.xlsx"));
        let req = if spec.is_api() {
            c.request(http_method(spec.method), format!("{}{path}", app.url)).bearer_auth(&admin.token)
        } else {
            admin.web.request(http_method(spec.method), format!("{}{path}", app.url)).header("x-csrf-token", &admin.csrf)
        };
        let r = req.multipart(form).header("connection", "close").timeout(Duration::from_secs(30)).send().await;
        let r = r.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = r.status().as_u16();
        let body = r.text().await.unwrap_or_default();
        assert!(status < 500 && !body.contains("超过 256 列"), "{} {path} read the file: {status} {body}", spec.method.as_str());
        others += 1;
    }
    assert!(others > 50, "only {others} other routes tried");
    healthy(&app, "every route").await;

    app.stop().await;
}
