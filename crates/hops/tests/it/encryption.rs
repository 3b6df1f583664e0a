//! Field encryption binds a ciphertext to where it is stored (security issue 12, finding 8): a
//! ciphertext copied into another row, or into another hospital's row, does not decrypt there.
//! Ciphertexts written before (bound to a context string only) are re-encrypted once at start-up,
//! bound to their rows, unless they sit where they do not belong.

use std::sync::Arc;

use hops_desk::ticket::model::TicketInput;
use hops_desk::ticket::service::{self as tickets, Origin};
use hops_kernel::{HospitalId, PatientId, Phone};
use hops_master::model::PatientDraft;
use hops_master::service as master;
use hops_platform::accounts::service::{self as accounts, NewHospital, NewUserInput};
use hops_platform::crypto::{Binding, CIPHER_VERSION, Field, Keyring, LEGACY_VERSION, cipher_version, sha256_hex};
use hops_platform::{Access, Core, Error, Role};
use hops_testkit::{Backend, PASSWORD, TestApp, TestDb, both_backends, call};
use reqwest::Method;
use serde_json::json;
use sqlx::AnyConnection;

both_backends!(copied_ciphertext_is_refused, legacy_ciphertexts_are_rebound_once);

const ID_A: &str = "11010519491231002X";
const PHONE_A: &str = "13812345678";
const ID_B: &str = "110105195001010012";
const PHONE_B: &str = "13987654321";
const ID_C: &str = "330106198503070016";
const PHONE_C: &str = "13700001111";

fn draft(name: &str, id_number: &str, phone: &str) -> PatientDraft {
    PatientDraft { name: name.into(), id_number: id_number.into(), phone: phone.into(), ..PatientDraft::default() }
}

async fn patient(access: &Access, name: &str, id_number: &str, phone: &str) -> i64 {
    master::create_patient(access, &draft(name, id_number, phone)).await.expect("create patient").0
}

/// The person (the `people` row keeping the numbers) of a patient.
async fn person(access: &Access, patient: i64) -> i64 {
    master::patient(access, PatientId(patient)).await.expect("patient").person_id.0
}

async fn blob(conn: &mut AnyConnection, sql: &'static str, id: i64) -> Vec<u8> {
    sqlx::query_scalar(sql).bind(id).fetch_one(conn).await.expect("read ciphertext")
}

async fn write(conn: &mut AnyConnection, sql: &'static str, id: i64, value: Vec<u8>) {
    let done = sqlx::query(sql).bind(id).bind(value).execute(conn).await.expect("write ciphertext");
    assert_eq!(done.rows_affected(), 1, "{sql}");
}

async fn ticket(access: &Access, phone: &str) -> i64 {
    let input = TicketInput {
        channel: "hotline".into(),
        category: "logistics".into(),
        subject: "药品还没收到".into(),
        requester_name: "王女士".into(),
        requester_phone: phone.into(),
        ..TicketInput::default()
    };
    tickets::open(access, &input, Origin { external_ref: None, created_at: None, owner: None }).await.expect("open ticket").id
}

fn refused(r: Result<impl std::fmt::Debug, Error>) {
    match r {
        Err(e) => assert_eq!((e.status(), e.code()), (409, "undecryptable"), "{e}"),
        Ok(v) => panic!("a copied ciphertext decrypted: {v:?}"),
    }
}

/// Patient A's numbers copied by SQL into patient B's person's row (same hospital) and into
/// patient C's of another hospital; a ticket's requester phone copied to tickets of both hospitals, an
/// attachment copied to another attachment and one moved to another ticket. Revealing the copies is refused (409 `undecryptable`) and never shows A's numbers;
/// A's own row still reveals.
async fn copied_ciphertext_is_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h1 = app.hospital("h1", &[Role::Agent]).await;
    let h2 = app.hospital("h2", &[Role::Agent]).await;
    let (s1, s2) = (app.system(h1), app.system(h2));
    let a = patient(&s1, "张三", ID_A, PHONE_A).await;
    let bp = patient(&s1, "李四", ID_B, PHONE_B).await;
    let c = patient(&s2, "王五", ID_C, PHONE_C).await;
    let mut conn = hops_platform::db::connect_one(app.database_url()).await.unwrap();
    let a_phone = blob(&mut conn, "SELECT phone_enc FROM people WHERE id = $1", person(&s1, a).await).await;
    let a_id = blob(&mut conn, "SELECT id_number_enc FROM people WHERE id = $1", person(&s1, a).await).await;
    for target in [person(&s1, bp).await, person(&s2, c).await] {
        write(&mut conn, "UPDATE people SET phone_enc = $2 WHERE id = $1", target, a_phone.clone()).await;
        write(&mut conn, "UPDATE people SET id_number_enc = $2 WHERE id = $1", target, a_id.clone()).await;
    }

    // Over HTTP, as an agent who may unmask: A as before, B and C refused with a clear message.
    let client = app.client();
    let reveal = |token: String, id: i64| {
        let (client, url) = (client.clone(), format!("{}/api/v1/patients/{id}/reveal", app.url));
        async move { call(&client, Method::POST, &url, &token, None).await }
    };
    let (s, r) = reveal(app.token("h1", "agent").await, a).await;
    assert_eq!((s, r["id_number"].as_str(), r["phone"].as_str()), (200, Some(ID_A), Some(PHONE_A)), "{r}");
    for (hospital, id) in [("h1", bp), ("h2", c)] {
        let (s, r) = reveal(app.token(hospital, "agent").await, id).await;
        assert_eq!(s, 409, "{r}");
        assert_eq!(r["error"]["code"], "undecryptable", "{r}");
        assert!(r["error"]["message"].as_str().unwrap().contains("密文不属于这条记录"), "{r}");
        let text = r.to_string();
        assert!(!text.contains(PHONE_A) && !text.contains(ID_A), "{text}");
    }
    // The same through the services (as the system, which may do everything).
    refused(master::reveal_patient(&s1, PatientId(bp)).await.map(|r| r.phone));
    refused(master::reveal_patient(&s2, PatientId(c)).await.map(|r| r.phone));
    // Editing B keeps masked fields by decrypting them: refused as well, nothing written.
    refused(master::update_patient(&s1, PatientId(bp), &draft("李四", "", "139****4321")).await);

    // Desk tickets: the requester's phone, and an attachment, copied to another ticket.
    let t1 = ticket(&s1, PHONE_A).await;
    let t2 = ticket(&s1, PHONE_B).await;
    let t3 = ticket(&s2, PHONE_C).await;
    let t1_phone = blob(&mut conn, "SELECT requester_phone_enc FROM desk_tickets WHERE id = $1", t1).await;
    for target in [t2, t3] {
        write(&mut conn, "UPDATE desk_tickets SET requester_phone_enc = $2 WHERE id = $1", target, t1_phone.clone()).await;
    }
    assert_eq!(tickets::requester_phone(&s1, t1).await.unwrap(), PHONE_A);
    refused(tickets::requester_phone(&s1, t2).await);
    refused(tickets::requester_phone(&s2, t3).await);
    let png = |tag: &str| [&b"\x89PNG\r\n\x1a\n"[..], tag.as_bytes()].concat();
    let a1 = tickets::attach(&s1, t1, "a.png", &png("病历-张三")).await.unwrap().id;
    let a2 = tickets::attach(&s1, t2, "b.png", &png("病历-李四")).await.unwrap().id;
    let a1_data = blob(&mut conn, "SELECT data_enc FROM desk_attachments WHERE id = $1", a1).await;
    write(&mut conn, "UPDATE desk_attachments SET data_enc = $2 WHERE id = $1", a2, a1_data).await;
    assert_eq!(tickets::attachment(&s1, t1, a1).await.unwrap().1, png("病历-张三"));
    refused(tickets::attachment(&s1, t2, a2).await.map(|(_, bytes)| bytes));
    // An attachment's row moved to another ticket does not decrypt there either.
    let t4 = ticket(&s1, PHONE_B).await;
    sqlx::query("UPDATE desk_attachments SET ticket_id = $2 WHERE id = $1").bind(a1).bind(t4).execute(&mut conn).await.unwrap();
    refused(tickets::attachment(&s1, t4, a1).await.map(|(_, bytes)| bytes));
    app.stop().await;
}

const TOTP: Field = hops_platform::accounts::service::TOTP_SECRET;
const SMS_PHONE: Field = Field::new("jobs", "payload.phone", "sms.phone");
const SMS_PARAMS: Field = Field::new("jobs", "payload.params", "sms.params");

/// Every encrypted value of the fixture, read raw: (what, ciphertext).
async fn snapshot(conn: &mut AnyConnection) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for (table, column, key) in [
        ("people", "id_number_enc", "id"),
        ("people", "phone_enc", "id"),
        ("desk_tickets", "requester_phone_enc", "id"),
        ("desk_attachments", "data_enc", "id"),
        ("patient_sessions", "phone_enc", "token_hash"),
        ("checkup_employers", "contact_phone_enc", "code"),
        ("users", "totp_secret", "id"),
    ] {
        let sql = format!("SELECT CAST({key} AS TEXT), {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY 1");
        let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await.unwrap();
        out.extend(rows.into_iter().map(|(k, v)| (format!("{table}.{column}:{k}"), v)));
    }
    let jobs: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, payload FROM jobs WHERE kind = 'sms.send' ORDER BY id").fetch_all(&mut *conn).await.unwrap();
    out.extend(jobs.into_iter().map(|(id, p)| (format!("jobs.payload:{id}"), p.into_bytes())));
    out
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(text: &serde_json::Value) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text.as_str().unwrap()).unwrap()
}

async fn hospital(core: &Arc<Core>, code: &str) -> HospitalId {
    accounts::create_hospital(core, NewHospital { code, name: code, grade: "三级甲等", is_platform: false }).await.unwrap()
}

/// Data as releases before the upgrade stored it (version 1, bound to a context only), among
/// it two copies made before the upgrade (patient A's phone in patient B's row and in patient C's
/// row of another hospital). Opening the installation re-encrypts every value bound to its row;
/// the copies are left unreadable; a second start does nothing; a run that finds version-2
/// values (an interrupted one) skips them.
async fn legacy_ciphertexts_are_rebound_once(b: Backend) {
    let tdb = TestDb::create(&b).await;
    let config = tdb.config();
    let clock = Arc::new(hops_kernel::SystemClock);
    let (db, core) = hops::open(&config, clock.clone()).await.unwrap();
    let k: &Keyring = &core.keyring;
    let h1 = hospital(&core, "m1").await;
    let h2 = hospital(&core, "m2").await;
    let (s1, s2) = (core.act_as_system(h1), core.act_as_system(h2));
    let (pa, pb, pc) =
        (patient(&s1, "张三", ID_A, PHONE_A).await, patient(&s1, "李四", ID_B, PHONE_B).await, patient(&s2, "王五", ID_C, PHONE_C).await);
    // The numbers are their people's rows'.
    let (a, bp, c) = (person(&s1, pa).await, person(&s1, pb).await, person(&s2, pc).await);
    let t = ticket(&s1, PHONE_A).await;
    let png = [&b"\x89PNG\r\n\x1a\n"[..], "病历".as_bytes()].concat();
    let att = tickets::attach(&s1, t, "a.png", &png).await.unwrap().id;
    let user = accounts::create_user(&s1, NewUserInput { username: "agent1", display_name: "客服", role: Role::Agent, password: PASSWORD })
        .await
        .unwrap();
    let mut tx = s1.tenant().write().await.unwrap();
    hops_platform::sms::enqueue(&s1, &mut tx, &Phone::parse(PHONE_A).unwrap(), "verify", json!({"code": "123456"})).await.unwrap();
    tx.commit().await.unwrap();

    // Back to version 1, as before the upgrade.
    let mut conn = hops_platform::db::connect_one(tdb.url.as_str()).await.unwrap();
    let legacy = |context: &str, plain: &[u8]| k.encrypt_legacy(context, plain);
    for (id, number, phone) in [(a, ID_A, PHONE_A), (bp, ID_B, PHONE_A), (c, ID_C, PHONE_A)] {
        write(&mut conn, "UPDATE people SET id_number_enc = $2 WHERE id = $1", id, legacy("people.id_number", number.as_bytes())).await;
        // A's phone everywhere: right for A, a copy for B and for C (whose indexes name theirs).
        write(&mut conn, "UPDATE people SET phone_enc = $2 WHERE id = $1", id, legacy("people.phone", phone.as_bytes())).await;
    }
    write(
        &mut conn,
        "UPDATE desk_tickets SET requester_phone_enc = $2 WHERE id = $1",
        t,
        legacy("desk.requester_phone", PHONE_A.as_bytes()),
    )
    .await;
    write(&mut conn, "UPDATE desk_attachments SET data_enc = $2 WHERE id = $1", att, legacy(&format!("desk.attachment:{t}:{att}"), &png))
        .await;
    let secret_hex = "00112233445566778899aabbccddeeff00112233";
    write(&mut conn, "UPDATE users SET totp_secret = $2 WHERE id = $1", user.0, legacy("users.totp_secret", secret_hex.as_bytes())).await;
    let token = "legacy-session-token";
    sqlx::query(
        "INSERT INTO patient_sessions (hospital_id, token_hash, kind, phone_enc, phone_bidx, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, 'patient', $3, $4, $5, $5, $6)",
    )
    .bind(h1.0)
    .bind(sha256_hex(token))
    .bind(legacy("people.phone", PHONE_A.as_bytes()))
    .bind(k.blind_index("people.phone", h1.0, PHONE_A))
    .bind(core.now().0)
    .bind(core.now().plus_seconds(3600).0)
    .execute(&mut conn)
    .await
    .unwrap();
    // An employer's contact (keyed by code).
    let index = |context: &str, plain: &str| k.blind_index(context, h1.0, plain);
    sqlx::query(
        "INSERT INTO checkup_employers (hospital_id, code, name, contact_phone_enc, contact_phone_bidx, updated_at) \
         VALUES ($1, 'ACME', '某单位', $2, $3, 0)",
    )
    .bind(h1.0)
    .bind(legacy("checkup_persons.phone", PHONE_B.as_bytes()))
    .bind(index("checkup_persons.phone", PHONE_B))
    .execute(&mut conn)
    .await
    .unwrap();
    let (job, payload): (i64, String) =
        sqlx::query_as("SELECT id, payload FROM jobs WHERE kind = 'sms.send'").fetch_one(&mut conn).await.unwrap();
    let mut payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    payload["phone"] = json!(b64(&legacy("sms.phone", PHONE_A.as_bytes())));
    payload["params"] = json!(b64(&legacy("sms.params", br#"{"code":"123456"}"#)));
    sqlx::query("UPDATE jobs SET payload = $2 WHERE id = $1").bind(job).bind(payload.to_string()).execute(&mut conn).await.unwrap();
    sqlx::query("DELETE FROM installation WHERE name = 'field_encryption'").execute(&mut conn).await.unwrap();
    let before = snapshot(&mut conn).await;
    assert_eq!(before.len(), 12, "{:?}", before.iter().map(|(w, _)| w).collect::<Vec<_>>());
    assert!(before.iter().filter(|(w, _)| !w.starts_with("jobs.")).all(|(_, v)| cipher_version(v) == Some(LEGACY_VERSION)));
    // The application does not read version 1.
    refused(master::reveal_patient(&s1, PatientId(pa)).await.map(|r| r.phone));
    db.close().await;

    // The next start re-encrypts.
    let (db, core) = hops::open(&config, clock.clone()).await.unwrap();
    let k: &Keyring = &core.keyring;
    let (s1, s2) = (core.act_as_system(h1), core.act_as_system(h2));
    let after = snapshot(&mut conn).await;
    assert_eq!(after.len(), 12);
    let version = |what: &str| {
        let (_, v) = after.iter().find(|(w, _)| w == what).unwrap_or_else(|| panic!("{what}"));
        cipher_version(v)
    };
    for what in [
        format!("people.id_number_enc:{a}"),
        format!("people.phone_enc:{a}"),
        format!("people.id_number_enc:{bp}"),
        format!("people.id_number_enc:{c}"),
        format!("desk_tickets.requester_phone_enc:{t}"),
        format!("desk_attachments.data_enc:{att}"),
        format!("users.totp_secret:{}", user.0),
        format!("patient_sessions.phone_enc:{}", sha256_hex(token)),
        "checkup_employers.contact_phone_enc:ACME".to_string(),
    ] {
        assert_eq!(version(&what), Some(CIPHER_VERSION), "{what}");
    }
    // Bound to their rows: readable where they are.
    let r = master::reveal_patient(&s1, PatientId(pa)).await.unwrap();
    assert_eq!((r.id_number.as_str(), r.phone.as_str()), (ID_A, PHONE_A));
    assert_eq!(tickets::requester_phone(&s1, t).await.unwrap(), PHONE_A);
    assert_eq!(tickets::attachment(&s1, t, att).await.unwrap().1, png);
    let totp = blob(&mut conn, "SELECT totp_secret FROM users WHERE id = $1", user.0).await;
    assert_eq!(k.decrypt(&Binding::new(TOTP, h1.0, user.0), &totp).unwrap(), secret_hex);
    let raw = |what: &str| after.iter().find(|(w, _)| w == what).map(|(_, v)| v.clone()).unwrap();
    let at = |field: Field, row: i64| Binding::new(field, h1.0, row);
    let person_id = raw(&format!("people.id_number_enc:{a}"));
    assert_eq!(k.decrypt(&at(hops_platform::people::service::ID_NUMBER, a), &person_id).unwrap(), ID_A);
    let contact = raw("checkup_employers.contact_phone_enc:ACME");
    let employer = Binding::new(hops_checkup::group::service::EMPLOYER_CONTACT_PHONE, h1.0, "ACME");
    assert_eq!(k.decrypt(&employer, &contact).unwrap(), PHONE_B);
    assert!(k.decrypt(&Binding::new(hops_checkup::group::service::EMPLOYER_CONTACT_PHONE, h1.0, "ACME2"), &contact).is_err());
    let site = hops_platform::patient::site(&core, "m1").await.unwrap();
    let patient = site.resolve(hops_platform::patient::Kind::Patient, token).await.unwrap().expect("the session lives on");
    assert_eq!(patient.access.actor().proven_phone().map(Phone::as_str), Some(PHONE_A));
    let (payload,): (String,) = sqlx::query_as("SELECT payload FROM jobs WHERE id = $1").bind(job).fetch_one(&mut conn).await.unwrap();
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(k.decrypt(&Binding::new(SMS_PHONE, h1.0, job), &unb64(&payload["phone"])).unwrap(), PHONE_A);
    assert_eq!(k.decrypt(&Binding::new(SMS_PARAMS, h1.0, job), &unb64(&payload["params"])).unwrap(), r#"{"code":"123456"}"#);
    assert!(k.decrypt(&Binding::new(SMS_PHONE, h1.0, job + 1), &unb64(&payload["phone"])).is_err());
    // …and nowhere else: A's rebound phone copied into B's row does not decrypt there.
    assert!(
        k.decrypt(
            &Binding::new(hops_platform::people::service::PHONE, h1.0, bp),
            &blob(&mut conn, "SELECT phone_enc FROM people WHERE id = $1", a).await
        )
        .is_err()
    );
    // The copies made before the upgrade were not made good: left as they were, refused.
    assert_eq!(version(&format!("people.phone_enc:{bp}")), Some(LEGACY_VERSION));
    assert_eq!(version(&format!("people.phone_enc:{c}")), Some(LEGACY_VERSION));
    refused(master::reveal_patient(&s1, PatientId(pb)).await.map(|r| r.phone));
    refused(master::reveal_patient(&s2, PatientId(pc)).await.map(|r| r.phone));
    db.close().await;

    // A second start does nothing: every value stays byte for byte.
    let (db, core) = hops::open(&config, clock.clone()).await.unwrap();
    assert_eq!(snapshot(&mut conn).await, after);
    let report = hops::reencrypt(&db, &core.keyring).await.unwrap();
    assert!(report.already_done, "{report:?}");
    // A run that did not record its end (interrupted) starts again and skips what it did.
    sqlx::query("DELETE FROM installation WHERE name = 'field_encryption'").execute(&mut conn).await.unwrap();
    let report = hops::reencrypt(&db, &core.keyring).await.unwrap();
    assert_eq!(report, hops_platform::reencrypt::Report { already_done: false, rewritten: 0, current: 11, refused: 2 });
    assert_eq!(snapshot(&mut conn).await, after);
    let done: String =
        sqlx::query_scalar("SELECT value FROM installation WHERE name = 'field_encryption'").fetch_one(&mut conn).await.unwrap();
    assert_eq!(done, "v2");
    db.close().await;
}
