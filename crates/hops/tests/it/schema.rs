//! Both engines' migrations produce the same tables and columns (types compared by family),
//! and every tenant table keys on hospital_id.

use std::collections::BTreeMap;

use hops_testkit::{Backend, TestDb};
use sqlx::Row;

type Schema = BTreeMap<String, BTreeMap<String, String>>;

/// Tables that belong to the installation, not to a hospital.
const PLATFORM_TABLES: &[&str] = &["hospitals", "installation"];

fn family(t: &str) -> String {
    let t = t.to_lowercase();
    if t.contains("int") {
        "integer".into()
    } else if t.contains("text") || t.contains("char") {
        "text".into()
    } else if t.contains("blob") || t.contains("bytea") {
        "bytes".into()
    } else if t.contains("double") || t.contains("real") || t.contains("float") {
        "float".into()
    } else {
        t
    }
}

async fn sqlite_schema(url: &str) -> Schema {
    let mut c = hops_platform::db::connect_one(url).await.unwrap();
    let tables: Vec<String> =
        sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'")
            .fetch_all(&mut c)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    let mut s = Schema::new();
    for t in tables {
        let cols =
            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT name, type FROM pragma_table_info('{t}')"))).fetch_all(&mut c).await.unwrap();
        s.insert(t, cols.iter().map(|r| (r.get::<String, _>(0), family(&r.get::<String, _>(1)))).collect());
    }
    s
}

async fn postgres_schema(url: &str) -> Schema {
    let mut c = hops_platform::db::connect_one(url).await.unwrap();
    let rows = sqlx::query("SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'")
        .fetch_all(&mut c)
        .await
        .unwrap();
    let mut s = Schema::new();
    for r in rows {
        s.entry(r.get(0)).or_default().insert(r.get(1), family(&r.get::<String, _>(2)));
    }
    s
}

#[tokio::test]
async fn migrations_match_across_engines() {
    let sqlite = TestDb::create(&Backend::Sqlite).await;
    let db = hops_platform::db::Db::connect(&sqlite.url).await.unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap(); // idempotent
    let mut lite = sqlite_schema(&sqlite.url).await;
    // Id allocation differs by design: a sequence on PostgreSQL, a row on SQLite.
    assert!(lite.remove("id_alloc").is_some());
    for (table, cols) in &lite {
        if !PLATFORM_TABLES.contains(&table.as_str()) {
            assert!(cols.contains_key("hospital_id"), "tenant table {table} lacks hospital_id");
        }
    }
    let Some(pg) = Backend::postgres() else {
        eprintln!("HOPS_TEST_DATABASE_URL not set: PostgreSQL schema not compared");
        return;
    };
    let pgdb = TestDb::create(&pg).await;
    let db = hops_platform::db::Db::connect(&pgdb.url).await.unwrap();
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    let pg_schema = postgres_schema(&pgdb.url).await;
    assert_eq!(lite, pg_schema, "SQLite and PostgreSQL schemas differ");
    // Every tenant table's primary key includes hospital_id (Citus-ready).
    let mut c = hops_platform::db::connect_one(&pgdb.url).await.unwrap();
    let rows = sqlx::query(
        "SELECT tc.table_name::text, string_agg(kcu.column_name::text, ',') FROM information_schema.table_constraints tc \
         JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_name = tc.table_name \
         WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public' GROUP BY tc.table_name",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    for r in rows {
        let (table, cols): (String, String) = (r.get(0), r.get(1));
        if !PLATFORM_TABLES.contains(&table.as_str()) && !table.starts_with("_sqlx") {
            assert!(cols.split(',').any(|c| c == "hospital_id"), "primary key of {table} lacks hospital_id: {cols}");
        }
    }
    db.close().await;
}
