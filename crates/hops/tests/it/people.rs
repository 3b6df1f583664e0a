//! One person per human per hospital: a database of the shape before people (patients and
//! checkup persons each keeping their own name and sealed numbers, some of them still of the
//! version before ciphertexts were bound to their rows) is opened by the application, which
//! re-encrypts, moves every role's person into `people` (merged by ID-card number), and drops
//! the roles' own columns. Nothing readable is lost: every number reads through the services.

use std::sync::Arc;

use hops_kernel::{HospitalId, IdCardNumber, Instant, LocalDay, ManualClock, PatientId, Phone};
use hops_master::service::{self as master, PatientQuery};
use hops_platform::crypto::{Binding, Field, Keyring};
use hops_platform::people::service as people;
use hops_platform::web::Paging;
use hops_platform::{Access, Visitor};
use hops_testkit::{Backend, TestDb, both_backends};
use sqlx::AnyConnection;

both_backends!(a_database_of_the_earlier_shape_moves_to_one_person_per_human, a_patient_who_books_a_checkup_is_one_person);

const H: i64 = 7;
const PHONE_A: &str = "13900000001";
const PHONE_C: &str = "13900000003";
const PHONE_X: &str = "13900000009";
const PHONE_Y: &str = "13900000002";

fn number(area: u32, born: &str, seq: u16) -> IdCardNumber {
    IdCardNumber::generate(area, LocalDay::parse(born).unwrap(), seq)
}

async fn exec(c: &mut AnyConnection, sql: String) {
    sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(c).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A sealed number as the earlier releases wrote it at `field` of row `id`: `(enc, bidx,
/// masked)`; `legacy` writes the version bound to the context only.
struct Sealer<'a> {
    k: &'a Keyring,
}

impl Sealer<'_> {
    fn seal(&self, field: Field, id: i64, clear: &str, masked: String, legacy: bool) -> (Vec<u8>, String, String) {
        let enc = if legacy {
            self.k.encrypt_legacy(field.context, clear.as_bytes())
        } else {
            self.k.encrypt(&Binding::new(field, H, id), clear)
        };
        (enc, self.k.blind_index(field.context, H, clear), masked)
    }
}

#[allow(clippy::too_many_arguments)]
async fn insert_role(
    c: &mut AnyConnection,
    table: &str,
    id: i64,
    name: &str,
    sex: &str,
    birth: Option<i32>,
    id_number: Option<(Vec<u8>, String, String)>,
    phone: Option<(Vec<u8>, String, String)>,
    extra: (&str, String),
) {
    let (idn_enc, idn_bidx, idn_masked) = id_number.map_or((None, None, String::new()), |(e, b, m)| (Some(e), Some(b), m));
    let (ph_enc, ph_bidx, ph_masked) = phone.map_or((None, None, String::new()), |(e, b, m)| (Some(e), Some(b), m));
    let sql = format!(
        "INSERT INTO {table} (hospital_id, id, name, sex, birth_date, id_number_enc, id_number_bidx, id_number_masked, \
         phone_enc, phone_bidx, phone_masked, created_at, updated_at, {}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 0, {})",
        extra.0, extra.1
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(H)
        .bind(id)
        .bind(name)
        .bind(sex)
        .bind(birth)
        .bind(idn_enc)
        .bind(idn_bidx)
        .bind(idn_masked)
        .bind(ph_enc)
        .bind(ph_bidx)
        .bind(ph_masked)
        .execute(c)
        .await
        .unwrap_or_else(|e| panic!("{table} {id}: {e}"));
}

async fn person_of_checkup_person(c: &mut AnyConnection, id: i64) -> i64 {
    sqlx::query_scalar("SELECT person_id FROM checkup_persons WHERE hospital_id = $1 AND id = $2")
        .bind(H)
        .bind(id)
        .fetch_one(c)
        .await
        .unwrap()
}

async fn own_bookings(core: &Arc<hops_platform::Core>, phone: &str) -> Vec<i64> {
    let visitor: Access = core.act_as_visitor(HospitalId(H), Visitor::Patient(Phone::parse(phone).unwrap()));
    hops_checkup::booking::service::own(&visitor).await.unwrap().iter().map(|b| b.booking.id).collect()
}

async fn a_database_of_the_earlier_shape_moves_to_one_person_per_human(b: Backend) {
    let db = TestDb::create(&b).await;
    let config = db.config();
    // The shape of the installations before people took the roles' columns.
    let engine = if db.url.starts_with("sqlite") { "sqlite" } else { "postgres" };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations").join(engine);
    let migrator = sqlx::migrate::Migrator::new(dir).await.unwrap();
    let mut c = hops_platform::db::connect_one(&db.url).await.unwrap();
    migrator.run_to(hops_platform::people::adopt::DROPS_ROLE_COLUMNS - 1, &mut c).await.unwrap();
    let k = Keyring::load_or_create(&config.key_file).unwrap();
    let s = Sealer { k: &k };
    exec(
        &mut c,
        format!("INSERT INTO hospitals (id, code, name, grade, is_platform, created_at) VALUES ({H}, 'mg', '迁移医院', '三甲', 0, 0)"),
    )
    .await;

    let (id_a, id_c, id_d, id_y) = (
        number(110101, "1980-05-06", 12),
        number(310101, "1975-03-02", 3),
        number(440101, "1990-07-08", 5),
        number(320101, "1988-01-02", 7),
    );
    let (pid, pph) = (master::ID_NUMBER, master::PHONE);
    let idn = |n: &IdCardNumber, id: i64, field: Field, legacy: bool| Some(s.seal(field, id, n.as_str(), n.masked(), legacy));
    let ph = |p: &str, id: i64, field: Field, legacy: bool| {
        let p = Phone::parse(p).unwrap();
        Some(s.seal(field, id, p.as_str(), p.masked(), legacy))
    };
    let patient_extra = |ext: &str| ("external_id, channel, registered_at", format!("'{ext}', 'app', 1000000000000"));
    // A: numbers of today's binding. B: no numbers. D: numbers of the version before binding.
    insert_role(
        &mut c,
        "patients",
        101,
        "王芳",
        id_a.sex().code(),
        None,
        idn(&id_a, 101, pid, false),
        ph(PHONE_A, 101, pph, false),
        patient_extra("P1"),
    )
    .await;
    insert_role(&mut c, "patients", 102, "李雷", "M", Some(LocalDay::parse("1970-01-01").unwrap().0), None, None, patient_extra("P2"))
        .await;
    // C: their own ID-card number, but in the phone column a copy of A's phone made before the
    // upgrade (its index names C's phone): unreadable to the application before and after.
    let mut copied = ph(PHONE_A, 103, pph, true).unwrap();
    copied.1 = k.blind_index(pph.context, H, PHONE_C);
    insert_role(&mut c, "patients", 103, "张三", id_c.sex().code(), None, idn(&id_c, 103, pid, false), Some(copied), patient_extra("P3"))
        .await;
    insert_role(
        &mut c,
        "patients",
        104,
        "赵六",
        id_d.sex().code(),
        None,
        idn(&id_d, 104, pid, true),
        ph("13900000004", 104, pph, true),
        patient_extra("P4"),
    )
    .await;
    // Checkup persons: X is patient A (same number) with another phone; Y is someone new.
    let (cid, cph) = (hops_checkup::booking::service::PERSON_ID_NUMBER, hops_checkup::booking::service::PERSON_PHONE);
    let birth = |n: &IdCardNumber| Some(n.birth_date().0);
    let married = ("married", "1".to_string());
    insert_role(
        &mut c,
        "checkup_persons",
        201,
        "王芳",
        id_a.sex().code(),
        birth(&id_a),
        idn(&id_a, 201, cid, false),
        ph(PHONE_X, 201, cph, false),
        married.clone(),
    )
    .await;
    insert_role(
        &mut c,
        "checkup_persons",
        202,
        "周七",
        id_y.sex().code(),
        birth(&id_y),
        idn(&id_y, 202, cid, false),
        ph(PHONE_Y, 202, cph, false),
        married,
    )
    .await;
    // X was changed after A: X's phone is the person's.
    exec(&mut c, format!("UPDATE patients SET updated_at = 1000 WHERE hospital_id = {H} AND id = 101")).await;
    exec(&mut c, format!("UPDATE checkup_persons SET updated_at = 2000 WHERE hospital_id = {H} AND id = 201")).await;
    exec(
        &mut c,
        format!(
            "INSERT INTO checkup_packages (hospital_id, code, name, price_fen, updated_at) VALUES ({H}, 'BASIC', '基础套餐', 30000, 0)"
        ),
    )
    .await;
    for (booking, person) in [(301, 201), (302, 202)] {
        exec(
            &mut c,
            format!(
                "INSERT INTO checkup_bookings (hospital_id, id, number, person_id, package_code, day, channel, status, total_fen, created_at, updated_at) \
                 VALUES ({H}, {booking}, 'TJ{booking}', {person}, 'BASIC', 20800, 'individual', 'paid', 30000, 0, 0)"
            ),
        )
        .await;
    }

    // The same human asked twice not to be called again, once as each role.
    exec(&mut c, format!("INSERT INTO desk_followup_optouts (hospital_id, subject, task_id, at) VALUES ({H}, 'patient:101', NULL, 5), ({H}, 'checkup-person:201', NULL, 6), ({H}, 'checkup-person:202', NULL, 7)"))
        .await;

    // The application opens it.
    let clock = Arc::new(ManualClock::new(Instant::parse("2026-12-07 10:00").unwrap()));
    let (database, core) = hops::open_with(&config, clock.clone(), &hops::modules()).await.unwrap();
    let access = core.act_as_system(HospitalId(H));
    let all = PatientQuery { q: "", sex: "", channel: "" };
    let (patients, total) = master::list_patients(&access, &all, Paging::new(None, 50)).await.unwrap();
    assert_eq!(total, 4);
    let by_ext = |e: &str| patients.iter().find(|p| p.external_id.as_deref() == Some(e)).unwrap_or_else(|| panic!("{e}")).clone();
    let (a, bp, cp, d) = (by_ext("P1"), by_ext("P2"), by_ext("P3"), by_ext("P4"));
    assert_eq!((a.name.as_str(), a.birth), ("王芳", Some(id_a.birth_date())));
    assert_eq!((bp.name.as_str(), bp.birth, bp.id_number_masked.as_str()), ("李雷", Some(LocalDay::parse("1970-01-01").unwrap()), ""));
    // Patient A and checkup person X are one person; the phone is the later one given (X's).
    assert_eq!(person_of_checkup_person(&mut c, 201).await, a.person_id.0);
    assert_ne!(person_of_checkup_person(&mut c, 202).await, a.person_id.0);
    let reveal = |id: PatientId| master::reveal_patient(&access, id);
    let r = reveal(a.id).await.unwrap();
    assert_eq!((r.id_number.as_str(), r.phone.as_str()), (id_a.as_str(), PHONE_X));
    assert_eq!(reveal(bp.id).await.unwrap().id_number, "");
    // D's numbers of the earlier version were re-encrypted, then moved: readable.
    let r = reveal(d.id).await.unwrap();
    assert_eq!((r.id_number.as_str(), r.phone.as_str()), (id_d.as_str(), "13900000004"));
    // C's copied phone did not come along (it never read); the audit log says where.
    let r = reveal(cp.id).await.unwrap();
    assert_eq!((r.id_number.as_str(), r.phone.as_str()), (id_c.as_str(), ""));
    let (lost, _) = hops_platform::audit::list(&access.tenant(), "person.adopt_unreadable", 0, 10).await.unwrap();
    assert_eq!(lost.len(), 1);
    assert!(lost[0].detail.contains("patients 第 103 行的手机号"), "{}", lost[0].detail);
    let (merged, _) = hops_platform::audit::list(&access.tenant(), "person.adopt_merged", 0, 10).await.unwrap();
    assert_eq!(merged.len(), 1, "A's earlier phone is named where it went");
    assert!(merged[0].detail.contains("139****0009") && merged[0].detail.contains("139****0001"), "{}", merged[0].detail);
    // Checkup reads its persons through people: phones for the desk, a patient's own bookings.
    let bookings = hops_checkup::booking::service::BookingsService;
    use hops_contracts::checkup::Bookings as _;
    assert_eq!(bookings.reveal_phone(&access, 301).await.unwrap(), PHONE_X);
    assert_eq!(bookings.reveal_phone(&access, 302).await.unwrap(), PHONE_Y);
    assert_eq!(own_bookings(&core, PHONE_X).await, vec![301]);
    assert_eq!(own_bookings(&core, PHONE_Y).await, vec![302]);
    assert!(own_bookings(&core, PHONE_A).await.is_empty(), "A's earlier phone is not theirs any more");
    // Found by exact numbers through people's indexes.
    assert_eq!(people::find_by_id_number(&access, &id_y).await.unwrap().map(|p| p.0), Some(person_of_checkup_person(&mut c, 202).await));
    let (found, _) =
        master::list_patients(&access, &PatientQuery { q: id_c.as_str(), sex: "", channel: "" }, Paging::new(None, 10)).await.unwrap();
    assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), vec![cp.id]);
    // Opt-outs are the person's: one for A (asked as patient and as checkup person), one for Y.
    let mut optouts: Vec<String> =
        sqlx::query_scalar("SELECT subject FROM desk_followup_optouts WHERE hospital_id = $1").bind(H).fetch_all(&mut c).await.unwrap();
    optouts.sort();
    let mut expected = vec![format!("person:{}", a.person_id.0), format!("person:{}", person_of_checkup_person(&mut c, 202).await)];
    expected.sort();
    assert_eq!(optouts, expected);
    // The roles' own copies are gone; five humans in all.
    assert!(sqlx::query("SELECT phone_enc FROM patients").fetch_all(&mut c).await.is_err());
    assert!(sqlx::query("SELECT id_number_enc FROM checkup_persons").fetch_all(&mut c).await.is_err());
    let humans: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE hospital_id = $1").bind(H).fetch_one(&mut c).await.unwrap();
    assert_eq!(humans, 5);
    database.close().await;

    // A second start changes nothing.
    let (database, core) = hops::open_with(&config, clock, &hops::modules()).await.unwrap();
    let again = master::reveal_patient(&core.act_as_system(HospitalId(H)), a.id).await.unwrap();
    assert_eq!(again.phone, PHONE_X);
    database.close().await;
}

/// A registered patient books a checkup with the same ID-card number (and a new phone): one
/// person, whose patient page lists the booking, and whose phone is the one given last.
async fn a_patient_who_books_a_checkup_is_one_person(b: Backend) {
    use super::checkup::{book, day_after, person, setup};
    let api = setup(b).await;
    let h = hops_platform::accounts::service::hospital_by_code(&api.app.core, "tj").await.unwrap().unwrap().id;
    let system = api.app.system(h);
    let who = person(7);
    let draft = hops_master::model::PatientDraft {
        name: who["name"].as_str().unwrap().into(),
        id_number: who["id_number"].as_str().unwrap().into(),
        phone: "13700000007".into(),
        channel: "app".into(),
        ..hops_master::model::PatientDraft::default()
    };
    let patient = master::create_patient(&system, &draft).await.unwrap();
    let day = day_after(&api, 3);
    let (s, b) =
        api.call(reqwest::Method::PUT, &format!("/api/v1/checkup/capacity/{day}"), Some(serde_json::json!({"individual": 10}))).await;
    assert_eq!(s, 200, "{b}");
    let (s, booked) = book(&api, &day, 7, serde_json::json!({})).await;
    assert_eq!(s, 201, "{booked}");
    let number = booked["number"].as_str().unwrap().to_string();
    let p = master::patient(&system, patient).await.unwrap();
    assert_eq!(p.phone_masked, "139****0007", "the phone given with the booking is the person's now");
    let (rows, _) = master::list_patients(&system, &PatientQuery { q: "", sex: "", channel: "" }, Paging::new(None, 10)).await.unwrap();
    assert_eq!(rows.len(), 1, "still one patient");
    let mut c = hops_platform::db::connect_one(api.app.database_url()).await.unwrap();
    let humans: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE hospital_id = $1").bind(h.0).fetch_one(&mut c).await.unwrap();
    assert_eq!(humans, 1);
    // The patient's page shows the checkup booking; someone without checkups sees the empty state.
    let (web, _) = api.app.web_login("tj", "operator").await;
    let page = web.get(format!("{}/patients/{}", api.app.url, patient.0)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("体检预约") && page.contains(&number), "{page}");
    let other =
        master::create_patient(&system, &hops_master::model::PatientDraft { name: "钱八".into(), sex: "女".into(), ..Default::default() })
            .await
            .unwrap();
    let page = web.get(format!("{}/patients/{}", api.app.url, other.0)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("该患者暂无体检预约"), "{page}");
    api.app.stop().await;
}
