//! The audit log is append-only and tamper-evident: `hops audit verify` finds an edited or a
//! deleted entry, even when someone with database rights disables the guard triggers.

use std::process::Command;

use hops_platform::Role;
use hops_platform::audit;
use hops_testkit::{Backend, TestApp, both_backends};

both_backends!(tampering_is_detected, the_log_speaks_chinese);

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

/// Every audit action the code writes by name has a Chinese name for the audit log: the
/// literal actions of every `audit(…)`/`audit_read(…)` call in the sources, and the actions
/// composed at run time (ticket replies and notes, complaint steps, imports).
#[test]
fn every_audit_action_has_a_chinese_name() {
    let mut named: std::collections::HashSet<&str> = audit::PLATFORM_ACTIONS.iter().map(|(c, _)| *c).collect();
    for m in hops::modules() {
        named.extend(m.audit_actions().iter().map(|(c, _)| *c));
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("tests") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split("audit(").skip(1).chain(text.split("audit_read(").skip(1)) {
                    // The action is the first argument that is a string literal, before the first `)`.
                    let head = &part[..part.find(')').unwrap_or(part.len()).min(200)];
                    let args: Vec<&str> = head.split(',').map(str::trim).collect();
                    let literal = args.iter().take(2).find_map(|a| a.strip_prefix('"').and_then(|a| a.strip_suffix('"')));
                    if let Some(action) = literal
                        && action.contains('.')
                        && !action.contains(' ')
                    {
                        found.push((action.to_string(), path.display().to_string()));
                    }
                }
            }
        }
    }
    assert!(found.len() > 100, "the scan finds the actions: {}", found.len());
    let missing: Vec<_> = found.iter().filter(|(a, _)| !named.contains(a.as_str())).collect();
    assert!(missing.is_empty(), "audit actions without a Chinese name: {missing:?}");
    for composed in [
        "desk.ticket.reply",
        "desk.ticket.note",
        "desk.complaint.register",
        "desk.complaint.review_reject",
        "patient.import",
        "ingest.payments",
    ] {
        assert!(named.contains(composed), "{composed}");
    }
}

/// The audit log page names actions in Chinese (the code only as the cell's tooltip) and
/// filters by a named action.
async fn the_log_speaks_chinese(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.hospital("h1", &[Role::Operator, Role::HospitalAdmin]).await;
    app.token("h1", "operator").await;
    let admin = app.admin_session("h1", "hospital_admin").await;
    let page = admin.web.get(format!("{}/audit", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<td title=\"auth.login\">登录</td>"), "{page}");
    assert!(page.contains("<option value=\"auth.login\">登录</option>"), "the filter lists named actions");
    assert!(!page.contains("其他操作"), "every action written here is named");
    let only = admin.web.get(format!("{}/audit?action=auth.totp_enrolled", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(only.contains("绑定动态验证码") && !only.contains("<td title=\"auth.login\">"), "filtered");
    app.stop().await;
}
