//! One person per human per hospital: the start-up step that moves what patients and checkup
//! persons held into people, merging by ID-card number, every number still readable.
//! (Work in progress of issue 13, item 1: the roles' services do not read people yet.)

use std::sync::Arc;

use hops_kernel::{IdCardNumber, Instant, LocalDay, ManualClock, PersonId, Phone};
use hops_platform::accounts::service::{self as accounts, NewHospital};
use hops_platform::people::{adopt, service as people};
use hops_testkit::{Backend, TestDb, both_backends};
use sqlx::Row;

both_backends!(roles_are_adopted_by_one_person_each);

fn roles() -> Vec<adopt::Role> {
    vec![
        adopt::Role { table: "patients", id_number: hops_master::service::ID_NUMBER, phone: hops_master::service::PHONE },
        adopt::Role {
            table: "checkup_persons",
            id_number: hops_checkup::booking::service::PERSON_ID_NUMBER,
            phone: hops_checkup::booking::service::PERSON_PHONE,
        },
    ]
}

async fn roles_are_adopted_by_one_person_each(b: Backend) {
    let tdb = TestDb::create(&b).await;
    let clock = Arc::new(ManualClock::new(Instant::parse("2026-12-07 10:00").unwrap()));
    let (_, core) = hops::open(&tdb.config(), clock).await.unwrap();
    let h = accounts::create_hospital(&core, NewHospital { code: "pp", name: "医院", grade: "", is_platform: false }).await.unwrap();
    let access = core.act_as_system(h);
    let born = LocalDay::parse("1980-05-06").unwrap();
    let shared = IdCardNumber::generate(110101, born, 12);
    let alone = IdCardNumber::generate(310101, LocalDay::parse("1990-01-02").unwrap(), 7);
    // Two patients (one without numbers) in master data, as the master service keeps them today.
    let draft = |ext: &str, name: &str, id: &str, phone: &str, sex: &str| hops_master::model::PatientDraft {
        external_id: ext.into(),
        name: name.into(),
        sex: sex.into(),
        birth_date: String::new(),
        id_number: id.into(),
        phone: phone.into(),
        channel: "app".into(),
        registered_at: "2026-01-05".into(),
    };
    let sex_of = |n: &IdCardNumber| n.sex().code().to_string();
    hops_master::service::create_patient(&access, &draft("P1", "王芳", shared.as_str(), "13900000001", &sex_of(&shared))).await.unwrap();
    hops_master::service::create_patient(&access, &draft("P2", "李雷", "", "", "M")).await.unwrap();
    // Two checkup persons: the same human as P1 (same number, another phone), and someone else.
    for (n, phone, name) in [(&shared, "13900000009", "王芳"), (&alone, "13900000002", "赵敏")] {
        let mut tx = access.tenant().write().await.unwrap();
        let id = tx.next_id(access.engine()).await.unwrap();
        let p = Phone::parse(phone).unwrap();
        let idn = access.seal(hops_checkup::booking::service::PERSON_ID_NUMBER, id, n.as_str(), n.masked());
        let ph = access.seal(hops_checkup::booking::service::PERSON_PHONE, id, p.as_str(), p.masked());
        tx.query(
            "INSERT INTO checkup_persons (hospital_id, id, name, sex, birth_date, id_number_enc, id_number_bidx, id_number_masked, \
             phone_enc, phone_bidx, phone_masked, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, 0)",
        )
        .bind(id)
        .bind(name)
        .bind(n.sex().code())
        .bind(n.birth_date().0)
        .bind(idn.enc)
        .bind(idn.bidx)
        .bind(idn.masked)
        .bind(ph.enc)
        .bind(ph.bidx)
        .bind(ph.masked)
        .execute(tx.conn())
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    let report = adopt::run(&core, &roles()).await.unwrap();
    assert_eq!((report.adopted, report.created), (4, 3), "four role rows, three humans");
    assert!(adopt::run(&core, &roles()).await.unwrap().already_done);

    // Every role row has its person; the same number is one person.
    let mut c = access.tenant().read().await.unwrap();
    let mut person_of = Vec::new();
    for table in ["patients", "checkup_persons"] {
        let rows =
            c.query_built(format!("SELECT person_id FROM {table} WHERE hospital_id = $1 ORDER BY id")).fetch_all(c.conn()).await.unwrap();
        for r in &rows {
            person_of.push(PersonId(r.get::<Option<i64>, _>(0).expect("person_id set")));
        }
    }
    drop(c);
    assert_eq!(person_of[0], person_of[2], "patient P1 and the checkup person with the same number are one person");
    assert_ne!(person_of[0], person_of[3]);
    assert_ne!(person_of[1], person_of[3]);

    // Every number still reads, from the person; the phone is the latest one given.
    let p1 = people::reveal(&access, person_of[0], "测试").await.unwrap();
    assert_eq!(p1.id_number.as_deref(), Some(shared.as_str()));
    assert_eq!(p1.phone.as_deref(), Some("13900000009"));
    let row = people::get(&access, person_of[0]).await.unwrap();
    assert_eq!((row.name.as_str(), row.birth_date, row.phone_masked.as_str()), ("王芳", Some(born), "139****0009"));
    let other = people::reveal(&access, person_of[3], "测试").await.unwrap();
    assert_eq!((other.id_number.as_deref(), other.phone.as_deref()), (Some(alone.as_str()), Some("13900000002")));
    let bare = people::reveal(&access, person_of[1], "测试").await.unwrap();
    assert_eq!((bare.id_number, bare.phone), (None, None));
    assert_eq!(people::find_by_id_number(&access, &alone).await.unwrap(), Some(person_of[3]));
    assert_eq!(people::find_by_phone(&access, &Phone::parse("13900000002").unwrap()).await.unwrap(), vec![person_of[3]]);
}
