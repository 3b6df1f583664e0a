//! The audit log is append-only and tamper-evident: `hops audit verify` finds an edited or a
//! deleted entry, even when someone with database rights disables the guard triggers.

use std::process::Command;

use hops_platform::Role;
use hops_platform::audit;
use hops_testkit::{Backend, TestApp, both_backends};

both_backends!(tampering_is_detected);

fn verify_cli(app: &TestApp) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hops"))
        .arg("--data")
        .arg(app.data_dir())
        .args(["audit", "verify"])
        .env("HOPS_DATABASE_URL", app.database_url())
        .env("HOPS_KEY_FILE", app.data_dir().join("hops.key"))
        .output()
        .expect("run hops audit verify");
    (out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn exec(app: &TestApp, sql: &str) -> Result<(), sqlx::Error> {
    let mut c = hops_platform::db::connect_one(app.database_url()).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string())).execute(&mut c).await.map(|_| ())
}

async fn tampering_is_detected(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::Operator, Role::Nurse, Role::Doctor]).await;
    for u in ["operator", "nurse", "doctor"] {
        app.token("h1", u).await;
    }
    let clean = audit::verify(&app.db.system()).await.unwrap();
    assert!(clean.findings.is_empty(), "{:?}", clean.findings);
    assert!(clean.entries >= 7);
    let (code, out) = verify_cli(&app);
    assert_eq!(code, 0, "{out}");
    // The database refuses edits and deletions outright.
    assert!(exec(&app, "UPDATE audit_log SET detail = 'x' WHERE seq = 2").await.is_err());
    assert!(exec(&app, "DELETE FROM audit_log WHERE seq = 2").await.is_err());
    // Someone with rights to drop the guard edits an entry: the chain shows it.
    let drop_guard = if app.is_postgres() {
        "DROP TRIGGER audit_log_no_change ON audit_log"
    } else {
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete"
    };
    exec(&app, drop_guard).await.unwrap();
    exec(&app, &format!("UPDATE audit_log SET actor_name = '某人' WHERE hospital_id = {} AND seq = 3", h.0)).await.unwrap();
    let v = audit::verify(&app.db.system()).await.unwrap();
    assert!(v.findings.iter().any(|f| f.hospital == h && f.seq == 3 && f.problem.contains("被修改")), "{:?}", v.findings);
    let (code, out) = verify_cli(&app);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("被修改"), "{out}");
    // A deleted entry in the middle, and one at the end, are found too.
    exec(&app, &format!("DELETE FROM audit_log WHERE hospital_id = {} AND seq = 5", h.0)).await.unwrap();
    let v = audit::verify(&app.db.system()).await.unwrap();
    assert!(v.findings.iter().any(|f| f.seq == 6 && f.problem.contains("被删除")), "{:?}", v.findings);
    exec(
        &app,
        &format!(
            "DELETE FROM audit_log WHERE hospital_id = {} AND seq = (SELECT MAX(seq) FROM audit_log WHERE hospital_id = {})",
            h.0, h.0
        ),
    )
    .await
    .unwrap();
    let v = audit::verify(&app.db.system()).await.unwrap();
    assert!(v.findings.iter().any(|f| f.problem.contains("链尾")), "{:?}", v.findings);
    app.stop().await;
}
