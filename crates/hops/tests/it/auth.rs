//! Sign-in, lockout, idle timeout, TOTP for admins, CSRF, password policy.

use hops_platform::Role;
use hops_platform::accounts::service as accounts;
use hops_testkit::{Backend, PASSWORD, TestApp, both_backends, call};
use reqwest::Method;
use serde_json::json;

both_backends!(
    api_login_and_me,
    lockout_after_five_failures,
    idle_timeout_ends_session,
    admin_needs_totp,
    csrf_is_required_for_cookie_sessions,
    weak_passwords_are_refused,
    staff_import_and_export,
    login_never_redirects_off_site,
    a_totp_code_is_good_once,
    admins_are_managed_by_the_platform
);

/// A TOTP code seen over someone's shoulder (or replayed from a log) does not sign in again
/// within its 30-second window (nor in the next one, the allowed skew).
async fn a_totp_code_is_good_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.hospital("h1", &[Role::HospitalAdmin]).await;
    let admin = app.admin_session("h1", "hospital_admin").await;
    app.clock.advance_seconds(30);
    let code = accounts::totp_code(&admin.totp_secret, app.core.now()).unwrap();
    let login = || {
        let body = json!({"hospital": "h1", "username": "hospital_admin", "password": PASSWORD, "totp": code});
        app.client().post(format!("{}/api/v1/auth/login", app.url)).json(&body).send()
    };
    assert_eq!(login().await.unwrap().status(), 200);
    let r = login().await.unwrap();
    assert_eq!(r.status(), 401, "the same code again");
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "totp_invalid");
    app.clock.advance_seconds(20);
    assert_eq!(login().await.unwrap().status(), 401, "still refused while the code is within the skew");
    app.clock.advance_seconds(30);
    let code = accounts::totp_code(&admin.totp_secret, app.core.now()).unwrap();
    let body = json!({"hospital": "h1", "username": "hospital_admin", "password": PASSWORD, "totp": code});
    let r = app.client().post(format!("{}/api/v1/auth/login", app.url)).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 200, "the next code works");
    app.stop().await;
}

/// A hospital administrator manages the hospital's staff, not its peers nor the platform's
/// administrators: no reset of password or second factor, no demotion, no disabling.
async fn admins_are_managed_by_the_platform(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::HospitalAdmin, Role::Operator]).await;
    let sys = app.system(h);
    let peer = accounts::create_user(
        &sys,
        accounts::NewUserInput { username: "peer", display_name: "另一位管理员", role: Role::HospitalAdmin, password: PASSWORD },
    )
    .await
    .unwrap();
    let users = accounts::list_users(&sys).await.unwrap();
    let me = users.iter().find(|u| u.username == "hospital_admin").unwrap().id;
    let operator = users.iter().find(|u| u.username == "operator").unwrap().id;
    let admin = app.admin_session("h1", "hospital_admin").await;
    let post = |path: String, form: Vec<(&'static str, &'static str)>| {
        let mut form = form;
        form.push(("_csrf", Box::leak(admin.csrf.clone().into_boxed_str())));
        admin.web.post(format!("{}{path}", app.url)).form(&form).send()
    };
    // On the peer: refused, and nothing changes.
    let r = post(format!("/users/{peer}/password"), vec![("_confirmed", "1"), ("password", "Taken-0ver!x")]).await.unwrap();
    assert_eq!(r.status(), 403);
    let r = post(format!("/users/{peer}"), vec![("display_name", "x"), ("role", "nurse"), ("disabled", "on")]).await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("只能由平台管理员"));
    let peer_now = accounts::list_users(&sys).await.unwrap().into_iter().find(|u| u.id == peer).unwrap();
    assert_eq!((peer_now.role, peer_now.disabled), (Role::HospitalAdmin, false));
    // The hospital's other staff and the admin's own account: allowed.
    let r = post(format!("/users/{operator}"), vec![("display_name", "运营"), ("role", "nurse")]).await.unwrap();
    assert_eq!(r.status(), 303);
    let r = post(format!("/users/{me}"), vec![("display_name", "院内管理员"), ("role", "hospital_admin")]).await.unwrap();
    assert_eq!(r.status(), 303);
    // The platform (the system here) may.
    accounts::reset_totp(&sys, peer).await.unwrap();
    app.stop().await;
}

/// `next` after signing in is followed only when it is a path of this site: what browsers
/// strip (tabs, line breaks) or rewrite (`\` as `/`) cannot turn it into another site.
async fn login_never_redirects_off_site(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.hospital("h1", &[Role::Operator]).await;
    for (next, expected) in [
        ("/\t/evil.example/", "/"),
        ("/\n/evil.example/", "/"),
        ("/\r\n/evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("\\/evil.example/", "/"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/ /evil.example/", "/"),
        ("/reports?month=2026-11", "/reports?month=2026-11"),
    ] {
        let r = app
            .browser_client()
            .post(format!("{}/login", app.url))
            .form(&[("hospital", "h1"), ("username", "operator"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{next:?}");
        assert_eq!(r.headers()["location"], expected, "{next:?}");
    }
    app.stop().await;
}

async fn api_login_and_me(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.hospital("h1", &[Role::Operator]).await;
    let token = app.token("h1", "operator").await;
    let (s, me) = call(&app.client(), Method::GET, &format!("{}/api/v1/me", app.url), &token, None).await;
    assert_eq!(s, 200);
    assert_eq!(me["username"], "operator");
    assert_eq!(me["role"], "operator");
    let (s, body) = call(&app.client(), Method::GET, &format!("{}/api/v1/me", app.url), "1.bogus", None).await;
    assert_eq!(s, 401);
    assert_eq!(body["error"]["code"], "unauthenticated");
    // Unknown hospital, unknown user and wrong password all look the same.
    for (h, u, p) in [("nope", "operator", PASSWORD), ("h1", "nobody", PASSWORD), ("h1", "operator", "Wrong-Passw0rd!")] {
        let r = app
            .client()
            .post(format!("{}/api/v1/auth/login", app.url))
            .json(&json!({"hospital": h, "username": u, "password": p}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["message"], "医院编码、用户名或密码错误（连续输错 5 次账户将锁定 15 分钟）");
    }
    // Logout ends the token.
    let (s, _) = call(&app.client(), Method::POST, &format!("{}/api/v1/auth/logout", app.url), &token, None).await;
    assert_eq!(s, 204);
    let (s, _) = call(&app.client(), Method::GET, &format!("{}/api/v1/me", app.url), &token, None).await;
    assert_eq!(s, 401);
    app.stop().await;
}

/// Five failures lock the account for 15 minutes. The caller is told no more than for an unknown
/// account (same status, same message); the audit log keeps the truth.
async fn lockout_after_five_failures(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::Operator, Role::Doctor]).await;
    let login = |user: &'static str, pw: &'static str| {
        let c = app.client();
        let url = format!("{}/api/v1/auth/login", app.url);
        async move {
            let r = c.post(url).json(&json!({"hospital": "h1", "username": user, "password": pw})).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<serde_json::Value>().await.unwrap()["error"].clone())
        }
    };
    let unknown = login("nobody", "Wrong-Passw0rd!").await;
    assert_eq!(unknown.0, 401);
    for _ in 0..5 {
        assert_eq!(login("operator", "Wrong-Passw0rd!").await, unknown, "a failure looks like an unknown account");
    }
    assert_eq!(login("operator", PASSWORD).await, unknown, "locked, even with the right password, and not told so");
    app.clock.advance_seconds(14 * 60);
    assert_eq!(login("operator", PASSWORD).await, unknown);
    app.clock.advance_seconds(61);
    assert_eq!(login("operator", PASSWORD).await.0, 200, "unlocked after 15 minutes");
    // A disabled account answers the same way too.
    let doctor = accounts::list_users(&app.system(h)).await.unwrap().into_iter().find(|u| u.username == "doctor").unwrap();
    accounts::update_user(
        &app.system(h),
        doctor.id,
        accounts::UserUpdate { display_name: "医生", role: Role::Doctor, disabled: true, departments: "" },
    )
    .await
    .unwrap();
    assert_eq!(login("doctor", PASSWORD).await, unknown);
    let tenant = app.system(h).tenant();
    let (locks, _) = hops_platform::audit::list(&tenant, "auth.locked", 0, 10).await.unwrap();
    assert_eq!(locks.len(), 1, "the lock is audited");
    let (failures, _) = hops_platform::audit::list(&tenant, "auth.login_failed", 0, 10).await.unwrap();
    assert_eq!(failures.len(), 5);
    let (refusals, _) = hops_platform::audit::list(&tenant, "auth.login_refused", 0, 10).await.unwrap();
    let why: Vec<&str> = refusals.iter().map(|e| e.detail.as_str()).collect();
    assert_eq!(why, ["账户已停用", "账户已锁定", "账户已锁定"], "newest first");
    app.stop().await;
}

async fn idle_timeout_ends_session(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.hospital("h1", &[Role::Operator]).await;
    let token = app.token("h1", "operator").await;
    let me = format!("{}/api/v1/me", app.url);
    app.clock.advance_seconds(29 * 60);
    assert_eq!(call(&app.client(), Method::GET, &me, &token, None).await.0, 200, "activity within 30 minutes keeps it");
    app.clock.advance_seconds(29 * 60);
    assert_eq!(call(&app.client(), Method::GET, &me, &token, None).await.0, 200);
    app.clock.advance_seconds(30 * 60);
    assert_eq!(call(&app.client(), Method::GET, &me, &token, None).await.0, 401, "30 idle minutes end it");
    // Pages redirect to the login form instead.
    let (c, _) = app.web_login("h1", "operator").await;
    app.clock.advance_seconds(31 * 60);
    let r = c.get(format!("{}/patients", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?next="));
    app.stop().await;
}

async fn admin_needs_totp(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::HospitalAdmin]).await;
    let url = format!("{}/api/v1/auth/login", app.url);
    let body = json!({"hospital": "h1", "username": "hospital_admin", "password": PASSWORD});
    let r = app.client().post(&url).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "totp_enrolment_required");
    // The web login leads to the enrolment page, which shows a QR code.
    let c = app.browser_client();
    let r = c
        .post(format!("{}/login", app.url))
        .form(&[("hospital", "h1"), ("username", "hospital_admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/account/totp");
    let r = c.get(format!("{}/users", app.url)).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/account/totp", "nothing else until enrolled");
    let page = c.get(format!("{}/account/totp", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<svg"), "QR code");
    let csrf = page.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let scanned = page.split("id=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let r = c.post(format!("{}/account/totp", app.url)).form(&[("_csrf", csrf.as_str()), ("code", "000000")]).send().await.unwrap();
    assert_eq!(r.status(), 200, "a wrong code re-renders the page");
    // The wrong attempt keeps the secret just scanned (the phone already holds it).
    let page = r.text().await.unwrap();
    let secret = page.split("id=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert_eq!(secret, scanned, "the secret is not rotated by a mistyped code");
    assert!(page.contains("验证码不正确"));
    let code = accounts::totp_code(&secret, app.core.now()).unwrap();
    let r = c.post(format!("{}/account/totp", app.url)).form(&[("_csrf", csrf.as_str()), ("code", code.as_str())]).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/");
    assert_eq!(c.get(format!("{}/users", app.url)).send().await.unwrap().status(), 200);
    // Now the API needs the code, and takes it.
    let r = app.client().post(&url).json(&body).send().await.unwrap();
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"]["code"], "totp_required");
    let mut with_code = body.clone();
    with_code["totp"] = json!(code);
    assert_eq!(app.client().post(&url).json(&with_code).send().await.unwrap().status(), 401, "the enrolment's code is used up");
    app.clock.advance_seconds(30);
    with_code["totp"] = json!(accounts::totp_code(&secret, app.core.now()).unwrap());
    assert_eq!(app.client().post(&url).json(&with_code).send().await.unwrap().status(), 200);
    with_code["totp"] = json!("123456");
    let r = app.client().post(&url).json(&with_code).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let (enrolled, _) = hops_platform::audit::list(&app.system(h).tenant(), "auth.totp_enrolled", 0, 10).await.unwrap();
    assert_eq!(enrolled.len(), 1);
    app.stop().await;
}

async fn csrf_is_required_for_cookie_sessions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::Operator]).await;
    let (c, csrf) = app.web_login("h1", "operator").await;
    let form = [("code", "CARD"), ("name", "心血管内科"), ("category", "内科")];
    let r = c.post(format!("{}/departments", app.url)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 403, "no token, refused");
    let r = c.post(format!("{}/departments", app.url)).form(&[("_csrf", "forged"), ("code", "CARD"), ("name", "x")]).send().await.unwrap();
    assert_eq!(r.status(), 403, "wrong token, refused");
    let (rows, _) = hops_master::service::list_departments(&app.system(h), "", hops_platform::web::Paging::new(None, 10)).await.unwrap();
    assert!(rows.is_empty());
    let mut with = vec![("_csrf", csrf.as_str())];
    with.extend(form);
    let r = c.post(format!("{}/departments", app.url)).form(&with).send().await.unwrap();
    assert_eq!(r.status(), 303, "with the token it works");
    app.stop().await;
}

async fn weak_passwords_are_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::Operator]).await;
    let access = app.system(h);
    let err = accounts::create_user(
        &access,
        accounts::NewUserInput { username: "weak", display_name: "弱", role: Role::Nurse, password: "password" },
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), 422);
    assert_eq!(err.fields()[0].field, "password");
    assert!(accounts::list_users(&access).await.unwrap().iter().all(|u| u.username != "weak"), "nothing created");
    app.stop().await;
}

async fn staff_import_and_export(b: Backend) {
    let app = TestApp::spawn(b).await;
    let h = app.hospital("h1", &[Role::HospitalAdmin]).await;
    let admin = app.admin_session("h1", "hospital_admin").await;
    let upload = |csv: &'static str| {
        let form =
            reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("staff.csv"));
        admin.web.post(format!("{}/users/import?_csrf={}", app.url, admin.csrf)).multipart(form).send()
    };
    // A bad row (unknown role, an admin role, a duplicate) rejects the whole file.
    let r = upload("用户名,姓名,角色\nli.si,李四,运营专员\nwang,王五,院长\nli.si,李四,护士\nboss,老板,hospital_admin").await.unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("院长") && page.contains("重复") && page.contains("管理员账户请逐个创建"), "{page}");
    assert_eq!(accounts::list_users(&app.system(h)).await.unwrap().len(), 1, "nothing created");
    let r = upload("username,display_name,role\nli.si,李四,运营专员\nzhao,赵六,nurse").await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let password = hops_testkit::between(&page, "<td class=\"mono\">li.si</td><td>李四</td><td class=\"mono\">", "<");
    let login = json!({"hospital": "h1", "username": "li.si", "password": password});
    assert_eq!(
        app.client().post(format!("{}/api/v1/auth/login", app.url)).json(&login).send().await.unwrap().status(),
        200,
        "the one-time password works"
    );
    let r = admin.web.get(format!("{}/users/export.xlsx", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let t = hops_platform::tabular::parse(&r.bytes().await.unwrap(), "u.xlsx").unwrap();
    assert_eq!(t.rows.len(), 3);
    assert!(t.rows.iter().any(|r| r[0] == "zhao" && r[2] == "护士"));
    app.stop().await;
}
