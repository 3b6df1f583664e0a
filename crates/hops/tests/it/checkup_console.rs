//! The checkup console's forms and the capacity calendar, on both backends: items and packages
//! created and edited through the forms (and seen through the API), refused forms that keep the
//! input and save nothing, closing and reopening a date, weekday templates, bulk setting of a
//! range (chosen weekdays only, closed dates skipped, all or nothing), and the reconciliation
//! page with its export.

use std::collections::BTreeMap;

use hops_kernel::{Clock, LocalDay};
use hops_testkit::{Backend, both_backends};
use reqwest::Method;
use serde_json::{Value, json};

use super::checkup::{Api, book, day_after, setup};

both_backends!(catalogue_forms);
both_backends!(closed_dates_form);
both_backends!(weekday_templates_and_bulk);
both_backends!(bulk_refusal_changes_nothing);
both_backends!(reconciliation_page);
both_backends!(centre_details_form);

/// A signed-in console user.
struct Web {
    client: reqwest::Client,
    csrf: String,
    url: String,
}

impl Web {
    async fn login(api: &Api, username: &str) -> Web {
        let (client, csrf) = api.app.web_login("tj", username).await;
        Web { client, csrf, url: api.app.url.clone() }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self.client.get(format!("{}{path}", self.url)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Posts a form (CSRF added); the status, the redirect target and the page.
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Option<String>, String) {
        let mut form: Vec<(&str, &str)> = form.to_vec();
        form.push(("_csrf", &self.csrf));
        let r = self.client.post(format!("{}{path}", self.url)).form(&form).send().await.unwrap();
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
        (status, location, r.text().await.unwrap())
    }
}

async fn find(api: &Api, list: &str, code: &str) -> Option<Value> {
    let (s, all) = api.call(Method::GET, &format!("/api/v1/checkup/{list}"), None).await;
    assert_eq!(s, 200, "{all}");
    all.as_array().unwrap().iter().find(|v| v["code"] == code).cloned()
}

async fn count(api: &Api, list: &str) -> usize {
    api.call(Method::GET, &format!("/api/v1/checkup/{list}"), None).await.1.as_array().unwrap().len()
}

async fn catalogue_forms(backend: Backend) {
    let api = setup(backend).await;
    let web = Web::login(&api, "operator").await;
    let (s, html) = web.get("/checkup/items/form").await;
    assert_eq!(s, 200);
    assert!(html.contains("新增体检项目") && html.contains("<option value=\"头颈\">头颈</option>"), "standard body parts offered");
    assert!(html.contains("核磁共振（mri）"), "scarce resources offered");

    // A new item through the form, every field, seen through the API.
    let item = [
        ("code", "ECG"),
        ("name", "心电图"),
        ("category", "功能检查"),
        ("body_part", "心血管"),
        ("meaning", "发现心律失常"),
        ("target_group", "成年人"),
        ("price", "25.50"),
        ("sex", "F"),
        ("min_age", "18"),
        ("max_age", "70"),
        ("marital", "married"),
        ("preparation", "检查前静息 5 分钟"),
        ("resource", "mri"),
        ("active", "1"),
    ];
    let (s, loc, _) = web.post("/checkup/items/form", &item).await;
    assert_eq!((s, loc.as_deref()), (303, Some("/checkup/items?ok=item_saved")));
    let expected = json!({"code": "ECG", "name": "心电图", "category": "功能检查", "body_part": "心血管", "meaning": "发现心律失常",
        "target_group": "成年人", "price": "25.50", "applicability": {"sex": "女", "min_age": 18, "max_age": 70, "marital": "married"},
        "preparation": "检查前静息 5 分钟", "resource": "mri", "active": true});
    assert_eq!(find(&api, "items", "ECG").await, Some(expected));
    let (_, html) = web.get("/checkup/items?ok=item_saved").await;
    assert!(html.contains("体检项目已保存") && html.contains("href=\"/checkup/items/form?code=ECG\""), "saved, with an edit link");

    // Edit: the form shows the item; the code stays; restrictions cleared, stopped.
    let (_, html) = web.get("/checkup/items/form?code=ECG").await;
    assert!(
        html.contains("value=\"25.50\"") && html.contains("readonly") && html.contains("<option value=\"心血管\" selected>"),
        "prefilled"
    );
    let edit = [
        ("editing", "1"),
        ("code", "ECG"),
        ("name", "常规心电图"),
        ("category", "功能检查"),
        ("body_part", "心血管"),
        ("price", "30"),
        ("sex", ""),
        ("min_age", ""),
        ("max_age", ""),
        ("marital", "any"),
        ("resource", ""),
    ];
    let (s, _, _) = web.post("/checkup/items/form", &edit).await;
    assert_eq!(s, 303);
    let ecg = find(&api, "items", "ECG").await.unwrap();
    assert_eq!(
        (&ecg["name"], &ecg["price"], &ecg["active"], &ecg["resource"]),
        (&json!("常规心电图"), &json!("30.00"), &json!(false), &Value::Null)
    );
    assert_eq!(ecg["applicability"], json!({"sex": null, "min_age": null, "max_age": null, "marital": "any"}));

    // Refused: every problem next to its field, the input kept, nothing saved.
    let bad = [
        ("code", "BLOOD"),
        ("name", ""),
        ("category", "检验"),
        ("body_part", "血液"),
        ("price", "abc"),
        ("min_age", "60"),
        ("max_age", "20"),
    ];
    let (s, _, html) = web.post("/checkup/items/form", &bad).await;
    assert_eq!(s, 422);
    for m in [
        "请修正下列 4 处问题",
        "项目编码 BLOOD 已存在",
        "价格应为元",
        "请填写项目名称",
        "最大年龄 20 小于最小年龄 60",
        "value=\"abc\"",
        "value=\"60\"",
    ] {
        assert!(html.contains(m), "{m} shown");
    }
    assert_eq!(count(&api, "items").await, 7);
    assert_eq!(find(&api, "items", "BLOOD").await.unwrap()["name"], "血常规", "the existing item is untouched");

    // A package: items as checkboxes by body part, every field.
    let (_, html) = web.get("/checkup/packages/form").await;
    assert!(html.contains("<legend>血液</legend>") && html.contains("name=\"items\" value=\"TCT\""), "items by body part");
    let package = [
        ("code", "WOMAN"),
        ("name", "女性套餐"),
        ("price", "300.00"),
        ("items", "TCT"),
        ("items", "BLOOD"),
        ("items", "ECG"),
        ("target_group", "已婚女性"),
        ("description", "含宫颈筛查"),
        ("sex", "F"),
        ("min_age", "20"),
        ("max_age", ""),
        ("marital", "married"),
        ("special_pool", "1"),
        ("active", "1"),
    ];
    // ECG was taken off (above): a package on sale cannot hold it, said at the items.
    let (s, _, html) = web.post("/checkup/packages/form", &package).await;
    assert_eq!(s, 422);
    assert!(html.contains("套餐启用后无法预约") && html.contains("包含已停用的项目「常规心电图」"), "{html}");
    assert_eq!(count(&api, "packages").await, 2, "nothing saved");
    let mut on = edit.to_vec();
    on.push(("active", "1"));
    let (s, _, _) = web.post("/checkup/items/form", &on).await;
    assert_eq!(s, 303);
    let (s, loc, _) = web.post("/checkup/packages/form", &package).await;
    assert_eq!((s, loc.as_deref()), (303, Some("/checkup/packages?ok=package_saved")));
    let expected = json!({"code": "WOMAN", "name": "女性套餐", "target_group": "已婚女性", "description": "含宫颈筛查", "price": "300.00",
        "list_price": "260.00", "applicability": {"sex": "女", "min_age": 20, "max_age": null, "marital": "married"},
        "items": ["TCT", "BLOOD", "ECG"], "special_pool": true, "active": true});
    assert_eq!(find(&api, "packages", "WOMAN").await, Some(expected));
    let (_, html) = web.get("/checkup/packages?ok=package_saved").await;
    assert!(html.contains("体检套餐已保存") && html.contains("href=\"/checkup/packages/form?code=WOMAN\""));

    // Edit: kept items keep their order, new ones follow; unchecked flags clear.
    let (_, html) = web.get("/checkup/packages/form?code=WOMAN").await;
    assert!(html.contains("value=\"TCT\" checked") && !html.contains("value=\"DR\" checked"), "the package's items are checked");
    let edit = [
        ("editing", "1"),
        ("code", "WOMAN"),
        ("name", "女性套餐"),
        ("price", "280"),
        ("items", "BLOOD"),
        ("items", "DR"),
        ("items", "TCT"),
    ];
    let (s, _, _) = web.post("/checkup/packages/form", &edit).await;
    assert_eq!(s, 303);
    let woman = find(&api, "packages", "WOMAN").await.unwrap();
    assert_eq!(woman["items"], json!(["TCT", "BLOOD", "DR"]));
    assert_eq!((&woman["price"], &woman["special_pool"], &woman["active"]), (&json!("280.00"), &json!(false), &json!(false)));

    // Refused: no items, a code in use.
    let (s, _, html) = web.post("/checkup/packages/form", &[("code", "BASIC"), ("name", "空套餐"), ("price", "1")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("套餐至少包含一个项目") && html.contains("套餐编码 BASIC 已存在") && html.contains("value=\"空套餐\""));
    assert_eq!(count(&api, "packages").await, 3);
    assert_eq!(find(&api, "packages", "BASIC").await.unwrap()["name"], "基础套餐");

    // Without the permission to manage the catalogue there is no form.
    let nurse = Web::login(&api, "nurse").await;
    assert_eq!(nurse.get("/checkup/items/form").await.0, 403);
    assert_eq!(nurse.post("/checkup/items/form", &item).await.0, 403);
    api.app.stop().await;
}

async fn closed_dates_form(backend: Backend) {
    let api = setup(backend).await;
    let web = Web::login(&api, "operator").await;
    let (booked, free) = (day_after(&api, 2), day_after(&api, 5));
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{booked}"), Some(json!({"individual": 4}))).await;
    let (s, b) = book(&api, &booked, 2, json!({})).await;
    assert_eq!(s, 201, "{b}");
    let closed_reason = |date: String| {
        let api = &api;
        async move { api.call(Method::GET, &format!("/api/v1/checkup/capacity/{date}"), None).await.1["closed"].clone() }
    };

    // A date with a booking is not closed; the reason and the input are shown.
    let (s, _, html) = web.post("/checkup/closed", &[("date", &booked), ("reason", "设备检修")]).await;
    assert_eq!(s, 409);
    assert!(html.contains(&format!("{booked} 已有 1 个有效预约，请先为受检人改约再关闭")) && html.contains("value=\"设备检修\""));
    assert_eq!(closed_reason(booked.clone()).await, Value::Null);
    let (s, _, html) = web.post("/checkup/closed", &[("date", &free), ("reason", " ")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("请填写不开放的原因"));
    assert_eq!(closed_reason(free.clone()).await, Value::Null);
    let (_, html) = web.get("/checkup/closed").await;
    assert!(html.contains("今后没有不开放的日期"));

    // Closed with a reason, listed, then open again.
    let (s, loc, _) = web.post("/checkup/closed", &[("date", &free), ("reason", "国庆节")]).await;
    assert_eq!((s, loc.as_deref()), (303, Some("/checkup/closed?ok=closed")));
    assert_eq!(closed_reason(free.clone()).await, "国庆节");
    let (_, html) = web.get("/checkup/closed?ok=closed").await;
    assert!(html.contains("已设置为不开放") && html.contains(&format!("<td class=\"nowrap\">{free}</td>")) && html.contains("国庆节"));
    let (s, loc, _) = web.post("/checkup/closed/open", &[("_confirmed", "1"), ("date", &free)]).await;
    assert_eq!((s, loc.as_deref()), (303, Some("/checkup/closed?ok=opened")));
    assert_eq!(closed_reason(free.clone()).await, Value::Null);
    let (_, html) = web.get("/checkup/closed?ok=opened").await;
    assert!(html.contains("已恢复开放") && html.contains("今后没有不开放的日期"));
    api.app.stop().await;
}

/// Every pool of a date: `kind:key` → (capacity, used).
async fn pools(api: &Api, date: &str) -> BTreeMap<String, (i64, i64)> {
    let (s, b) = api.call(Method::GET, &format!("/api/v1/checkup/capacity/{date}"), None).await;
    assert_eq!(s, 200, "{b}");
    b["pools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                format!("{}:{}", p["kind"].as_str().unwrap(), p["key"].as_str().unwrap()),
                (p["capacity"].as_i64().unwrap(), p["used"].as_i64().unwrap()),
            )
        })
        .collect()
}

fn expect(pools: &[(&str, i64)]) -> BTreeMap<String, (i64, i64)> {
    pools.iter().map(|(k, n)| (k.to_string(), (*n, 0))).collect()
}

fn weekday_label(d: LocalDay) -> &'static str {
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][usize::from(d.weekday().to_monday_zero_offset().unsigned_abs())]
}

const TEMPLATES: &str = r#"{"weekdays": [
    {"weekday": 1, "setting": {"individual": 10, "vip": 2, "resources": {"mri": 3}}},
    {"weekday": 3, "setting": {"individual": 8}},
    {"weekday": 6, "setting": {"individual": 4, "specials": {"HEAD": 2}}}]}"#;

async fn weekday_templates_and_bulk(backend: Backend) {
    let api = setup(backend).await;
    let web = Web::login(&api, "operator").await;
    let (s, b) = api.call(Method::GET, "/api/v1/checkup/capacity/templates", None).await;
    assert_eq!((s, b), (200, json!({"weekdays": []})));

    // Round trip through the API.
    let (s, saved) = api.call(Method::PUT, "/api/v1/checkup/capacity/templates", Some(serde_json::from_str(TEMPLATES).unwrap())).await;
    assert_eq!(s, 200, "{saved}");
    let empty = json!({});
    let expected = json!({"weekdays": [
        {"weekday": 1, "label": "周一", "setting": {"individual": 10, "vip": 2, "groups": empty, "specials": empty, "resources": {"mri": 3}}},
        {"weekday": 3, "label": "周三", "setting": {"individual": 8, "vip": 0, "groups": empty, "specials": empty, "resources": empty}},
        {"weekday": 6, "label": "周六", "setting": {"individual": 4, "vip": 0, "groups": empty, "specials": {"HEAD": 2}, "resources": empty}}]});
    assert_eq!(saved, expected);
    assert_eq!(api.call(Method::GET, "/api/v1/checkup/capacity/templates", None).await.1, expected);
    let bad = json!({"weekdays": [{"weekday": 2, "setting": {"individual": -1, "groups": {"NOPE": 1}}}]});
    let (s, b) = api.call(Method::PUT, "/api/v1/checkup/capacity/templates", Some(bad)).await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = b["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["w2.individual", "w2.groups.NOPE"], "{b}");
    let twice = json!({"weekdays": [{"weekday": 2, "setting": {}}, {"weekday": 2, "setting": {}}]});
    assert_eq!(api.call(Method::PUT, "/api/v1/checkup/capacity/templates", Some(twice)).await.0, 422);
    assert_eq!(api.call(Method::GET, "/api/v1/checkup/capacity/templates", None).await.1, expected, "refusals change nothing");

    // The console shows and saves the same templates.
    let (_, html) = web.get("/checkup/capacity/templates").await;
    assert!(html.contains("name=\"w1.individual\" value=\"10\"") && html.contains("name=\"w1.resources.mri\" value=\"3\""), "values shown");
    let (s, _, html) = web.post("/checkup/capacity/templates", &[("w1.on", "1"), ("w1.individual", "abc")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("周一：个检号源须在 0 到 100000 之间") && html.contains("value=\"abc\""));
    assert_eq!(api.call(Method::GET, "/api/v1/checkup/capacity/templates", None).await.1, expected);
    let (s, loc, _) =
        web.post("/checkup/capacity/templates", &[("w2.on", "1"), ("w2.individual", "6"), ("w2.vip", ""), ("w7.individual", "99")]).await;
    assert_eq!((s, loc.as_deref()), (303, Some("/checkup/capacity/templates?ok=templates_saved")));
    let only_tuesday = json!({"weekdays": [{"weekday": 2, "label": "周二", "setting": {"individual": 6, "vip": 0, "groups": empty, "specials": empty, "resources": empty}}]});
    assert_eq!(
        api.call(Method::GET, "/api/v1/checkup/capacity/templates", None).await.1,
        only_tuesday,
        "a weekday without 有模板 has none"
    );
    api.call(Method::PUT, "/api/v1/checkup/capacity/templates", Some(serde_json::from_str(TEMPLATES).unwrap())).await;

    // Bulk over two weeks from the next Monday: Mondays and Wednesdays only, a closed Wednesday skipped.
    let today = api.app.clock.now().local_day();
    let monday = (1..=7).map(|n| today.plus_days(n)).find(|d| d.weekday().to_monday_zero_offset() == 0).unwrap();
    let day = |n: i32| monday.plus_days(n).to_string();
    api.call(Method::PUT, &format!("/api/v1/checkup/closed/{}", day(9)), Some(json!({"reason": "设备检修"}))).await;
    let body = json!({"from": day(0), "to": day(13), "weekdays": [1, 3], "template": true, "dry_run": true});
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/capacity/bulk", Some(body.clone())).await;
    let skipped = json!([{"date": day(9), "reason": "closed", "message": "不开放：设备检修"}]);
    assert_eq!((s, b), (200, json!({"applied": false, "set": 3, "changed": 3, "dates": [day(0), day(2), day(7)], "skipped": skipped})));
    for n in 0..14 {
        assert_eq!(pools(&api, &day(n)).await, BTreeMap::new(), "a dry run changes nothing ({})", day(n));
    }
    let mut body = body;
    body["dry_run"] = json!(false);
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/capacity/bulk", Some(body)).await;
    assert_eq!((s, b), (200, json!({"applied": true, "set": 3, "changed": 3, "dates": [day(0), day(2), day(7)], "skipped": skipped})));
    let monday_pools = expect(&[("individual:", 10), ("vip:", 2), ("resource:mri", 3)]);
    for n in 0..14 {
        let want = match n {
            0 | 7 => monday_pools.clone(),
            2 => expect(&[("individual:", 8), ("vip:", 0)]),
            _ => BTreeMap::new(),
        };
        assert_eq!(pools(&api, &day(n)).await, want, "{} ({})", day(n), weekday_label(monday.plus_days(n)));
    }

    // Every weekday: those without a template are skipped and said so.
    let (s, b) =
        api.call(Method::POST, "/api/v1/checkup/capacity/bulk", Some(json!({"from": day(14), "to": day(20), "template": true}))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!((&b["set"], &b["dates"]), (&json!(3), &json!([day(14), day(16), day(19)])));
    let reasons: Vec<(&str, &str)> =
        b["skipped"].as_array().unwrap().iter().map(|s| (s["reason"].as_str().unwrap(), s["message"].as_str().unwrap())).collect();
    assert_eq!(
        reasons,
        [
            ("no_template", "周二无号源模板"),
            ("no_template", "周四无号源模板"),
            ("no_template", "周五无号源模板"),
            ("no_template", "周日无号源模板")
        ]
    );
    assert_eq!(pools(&api, &day(19)).await, expect(&[("individual:", 4), ("vip:", 0), ("special:HEAD", 2)]));

    // The console previews (nothing changes), then applies.
    let form = [("from", day(7)), ("to", day(13)), ("wd", "1".into()), ("wd", "3".into()), ("wd", "6".into())];
    let mut preview: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    preview.push(("action", "preview"));
    let (s, _, html) = web.post("/checkup/capacity/bulk", &preview).await;
    assert_eq!(s, 200);
    let says = format!("将设置 2 天（{} 至 {}），其中 1 天号源有变化，跳过 1 天", day(7), day(12));
    assert!(html.contains(&says) && html.contains(&format!("{}：不开放：设备检修", day(9))), "{says}");
    assert_eq!(pools(&api, &day(12)).await, BTreeMap::new());
    let mut apply = preview.clone();
    apply.pop();
    apply.push(("action", "apply"));
    // Applying is asked first (without the page's script, by the server): nothing changes yet.
    let (s, _, html) = web.post("/checkup/capacity/bulk", &apply).await;
    assert!(s == 200 && html.contains("请确认：批量设置号源"), "{html}");
    assert_eq!(pools(&api, &day(12)).await, BTreeMap::new());
    apply.push(("_confirmed", "1"));
    let (s, loc, _) = web.post("/checkup/capacity/bulk", &apply).await;
    assert_eq!((s, loc.as_deref()), (303, Some("/checkup/capacity/templates?applied=2&skipped=1")));
    assert_eq!(pools(&api, &day(12)).await, expect(&[("individual:", 4), ("vip:", 0), ("special:HEAD", 2)]));
    assert_eq!(pools(&api, &day(7)).await, monday_pools);
    let (_, html) = web.get("/checkup/capacity/templates?applied=2&skipped=1").await;
    assert!(html.contains("已按模板设置 2 天号源，跳过 1 天"));
    api.app.stop().await;
}

async fn bulk_refusal_changes_nothing(backend: Backend) {
    let api = setup(backend).await;
    let web = Web::login(&api, "operator").await;
    let from = api.app.clock.now().local_day().plus_days(2);
    let day = |n: i32| from.plus_days(n).to_string();
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{}", day(0)), Some(json!({"individual": 5, "vip": 1}))).await;
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{}", day(1)), Some(json!({"individual": 5}))).await;
    let third = json!({"individual": 5, "specials": {"HEAD": 2}, "resources": {"mri": 2}});
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{}", day(2)), Some(third)).await;
    for (n, d) in [(2, 0), (4, 0), (6, 0), (8, 1), (10, 1)] {
        let (s, b) = book(&api, &day(d), n, json!({})).await;
        assert_eq!(s, 201, "{b}");
    }
    let (s, b) = book(&api, &day(2), 12, json!({"package": "HEAD"})).await;
    assert_eq!(s, 201, "{b}");
    let mut before = Vec::new();
    for n in 0..7 {
        before.push(api.call(Method::GET, &format!("/api/v1/checkup/capacity/{}", day(n)), None).await.1);
    }
    let unchanged = |what: &'static str| {
        let (api, before) = (&api, &before);
        async move {
            for (n, b) in (0..).zip(before) {
                let d = from.plus_days(n);
                assert_eq!(&api.call(Method::GET, &format!("/api/v1/checkup/capacity/{d}"), None).await.1, b, "{what}: {d} unchanged");
            }
        }
    };

    // One place a day would cut three dates below their bookings: refused whole, each named.
    let body = json!({"from": day(0), "to": day(6), "setting": {"individual": 1}});
    let (s, b) = api.call(Method::POST, "/api/v1/checkup/capacity/bulk", Some(body)).await;
    assert_eq!(s, 422, "{b}");
    let (w0, w1, w2) = (weekday_label(from), weekday_label(from.plus_days(1)), weekday_label(from.plus_days(2)));
    let expected = json!([
        {"field": format!("{}.individual", day(0)), "message": format!("{}（{w0}）个检 已预约 3 人，号源不能少于 3", day(0))},
        {"field": format!("{}.individual", day(1)), "message": format!("{}（{w1}）个检 已预约 2 人，号源不能少于 2", day(1))},
        {"field": format!("{}.resources.mri", day(2)), "message": format!("{}（{w2}）稀缺资源mri 已预约 1 人，号源不能少于 1", day(2))},
        {"field": format!("{}.specials.HEAD", day(2)), "message": format!("{}（{w2}）特殊套餐HEAD 已预约 1 人，号源不能少于 1", day(2))},
    ]);
    assert_eq!(b["error"]["fields"], expected);
    unchanged("refused bulk").await;

    // The range is checked: not in the past, at most 366 days, template or setting.
    let yesterday = from.plus_days(-3).to_string();
    for (body, field, message) in [
        (json!({"from": yesterday, "to": day(0), "setting": {}}), "from", format!("开始日期 {yesterday} 已过，不能再设置号源")),
        (json!({"from": day(0), "to": from.plus_days(366).to_string(), "setting": {}}), "to", "一次最多设置 366 天".to_string()),
        (json!({"from": day(6), "to": day(0), "setting": {}}), "to", format!("结束日期 {} 早于开始日期 {}", day(0), day(6))),
        (
            json!({"from": day(0), "to": day(6), "template": true, "setting": {}}),
            "template",
            "请选择按模板（template: true）或给出号源（setting），两者只能取其一".into(),
        ),
        (json!({"from": day(0), "to": day(6), "template": true}), "template", "还没有号源模板，请先保存模板".into()),
        (json!({"from": day(0), "to": day(6), "weekdays": [0], "setting": {}}), "weekdays", "星期须为 1（周一）到 7（周日）".into()),
    ] {
        let (s, b) = api.call(Method::POST, "/api/v1/checkup/capacity/bulk", Some(body)).await;
        assert_eq!(s, 422, "{b}");
        assert_eq!(b["error"]["fields"], json!([{"field": field, "message": message}]));
    }
    unchanged("bad ranges").await;

    // Through the console: every weekday's template gives one place; refused with every reason.
    let all: Vec<Value> = (1..=7).map(|w| json!({"weekday": w, "setting": {"individual": 1}})).collect();
    assert_eq!(api.call(Method::PUT, "/api/v1/checkup/capacity/templates", Some(json!({"weekdays": all}))).await.0, 200);
    let weekdays: Vec<String> = (1..=7).map(|w| w.to_string()).collect();
    let (start, end) = (day(0), day(6));
    let mut form: Vec<(&str, &str)> = vec![("from", &start), ("to", &end)];
    form.extend(weekdays.iter().map(|w| ("wd", w.as_str())));
    form.push(("action", "apply"));
    form.push(("_confirmed", "1"));
    let (s, _, html) = web.post("/checkup/capacity/bulk", &form).await;
    assert_eq!(s, 422);
    assert!(html.contains("未设置任何日期") && html.contains(&format!("{}（{w0}）个检 已预约 3 人，号源不能少于 3", day(0))));
    assert!(html.contains(&format!("{}（{w2}）特殊套餐HEAD 已预约 1 人", day(2))), "every date and pool listed");
    unchanged("refused console bulk").await;
    api.app.stop().await;
}

async fn reconciliation_page(backend: Backend) {
    let api = setup(backend).await;
    let web = Web::login(&api, "operator").await;
    let date = day_after(&api, 2);
    api.call(Method::PUT, &format!("/api/v1/checkup/capacity/{date}"), Some(json!({"individual": 10}))).await;
    let mut numbers = Vec::new();
    for n in [2, 4] {
        let (s, b) = book(&api, &date, n, json!({})).await;
        assert_eq!(s, 201, "{b}");
        let id = b["id"].as_i64().unwrap();
        let (s, _) = api.call(Method::POST, &format!("/api/v1/checkup/bookings/{id}/payments"), Some(json!({"method": "onsite"}))).await;
        assert_eq!(s, 204);
        let (_, b) = api.call(Method::GET, &format!("/api/v1/checkup/bookings/{id}"), None).await;
        numbers.push((id, b["number"].as_str().unwrap().to_string()));
    }
    let (_, html) = web.get(&format!("/checkup/reconciliation?date={date}")).await;
    assert!(html.contains("全部相符，没有差异") && html.contains("2<small>单</small>"), "two bookings, all matching");
    // The counter took 90 yuan for a 100-yuan booking.
    {
        let mut c = hops_platform::db::connect_one(api.app.database_url()).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE checkup_payments SET amount_fen = 9000 WHERE booking_id = {}", numbers[1].0)))
            .execute(&mut c)
            .await
            .unwrap();
    }
    let (s, html) = web.get(&format!("/checkup/reconciliation?date={date}")).await;
    assert_eq!(s, 200);
    let row = format!(
        "<tr><td class=\"mono\"><a href=\"/checkup/bookings?q={0}\">{0}</a></td><td><span class=\"badge badge-bad\">金额不符</span></td><td>应收 ¥100.00，实收 ¥90.00</td></tr>",
        numbers[1].1
    );
    assert!(html.contains(&row), "the mismatch, labelled");
    let differences = hops_testkit::between(&html, "差异清单", "逐单核对");
    assert!(!differences.contains(&numbers[0].1), "the matching booking is not a difference");
    // Every checked booking, matched or not, with its money.
    let checked = hops_testkit::between(&html, "逐单核对（2 单）", "</table>");
    assert!(checked.contains(&numbers[0].1) && checked.contains("badge-ok\">相符"), "{checked}");
    assert!(checked.contains(&numbers[1].1) && checked.contains("¥90.00") && checked.contains("badge-bad\">金额不符"), "{checked}");
    for stat in [
        "核对预约</div><div class=\"stat-value\">2<small>单</small>",
        "账实相符</div><div class=\"stat-value\">1<small>单</small>",
        "差异</div><div class=\"stat-value\">1<small>条</small>",
        "¥190.00",
    ] {
        assert!(html.contains(stat), "summary: {stat}");
    }
    let r = web.client.get(format!("{}/checkup/reconciliation/export?date={date}", api.app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let table = hops_platform::tabular::parse(&r.bytes().await.unwrap(), "x.xlsx").unwrap();
    assert_eq!(table.headers, ["对账日期", "预约号", "差异类型", "说明"]);
    assert_eq!(table.rows, [vec![date.clone(), numbers[1].1.clone(), "金额不符".into(), "应收 ¥100.00，实收 ¥90.00".into()]]);
    let r = web.client.get(format!("{}/checkup/reconciliation/export?date={date}&all=1", api.app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let mut table = hops_platform::tabular::parse(&r.bytes().await.unwrap(), "x.xlsx").unwrap();
    assert_eq!(table.headers, ["对账日期", "预约号", "预约状态", "应收（元）", "已收（元）", "已退（元）", "结果", "说明"]);
    table.rows.sort();
    let mut expected = vec![
        vec![
            date.clone(),
            numbers[0].1.clone(),
            "已支付".into(),
            "100.00".into(),
            "100.00".into(),
            "0.00".into(),
            "相符".into(),
            String::new(),
        ],
        vec![
            date.clone(),
            numbers[1].1.clone(),
            "已支付".into(),
            "100.00".into(),
            "90.00".into(),
            "0.00".into(),
            "金额不符".into(),
            "应收 ¥100.00，实收 ¥90.00".into(),
        ],
    ];
    expected.sort();
    assert_eq!(table.rows, expected);

    let (_, html) = web.get(&format!("/checkup/reconciliation?date={}", day_after(&api, 20))).await;
    assert!(html.contains("没有需要核对的预约"), "empty state");
    assert_eq!(web.get("/checkup/reconciliation?date=x").await.0, 422);
    let nurse = Web::login(&api, "nurse").await;
    assert_eq!(nurse.get(&format!("/checkup/reconciliation?date={date}")).await.0, 403);
    api.app.stop().await;
}

/// Where patients go: refused details keep the input and save nothing; saved ones are previewed
/// as the patient sees them, with the map link.
async fn centre_details_form(backend: Backend) {
    let api = setup(backend).await;
    let web = Web::login(&api, "operator").await;
    let (s, html) = web.get("/checkup/centre").await;
    assert_eq!(s, 200);
    assert!(html.contains("尚未填写") && html.contains("aria-current=\"page\">体检中心信息"), "{html}");
    let bad = [("name", ""), ("address", "北京"), ("phone", "12ab"), ("arrival", "07:30 到检"), ("directions", "")];
    let (s, _, html) = web.post("/checkup/centre", &bad).await;
    assert_eq!(s, 422);
    assert!(html.contains("请填写体检中心名称") && html.contains("请填写完整地址") && html.contains("咨询电话应为"), "{html}");
    assert!(html.contains("value=\"07:30 到检\""), "the input is kept");
    assert!(web.get("/checkup/centre").await.1.contains("尚未填写"), "nothing saved");
    let good = [
        ("name", "示范医院健康管理中心"),
        ("address", "北京市朝阳区示范路 1 号 门诊楼 3 层"),
        ("phone", "010-88886666"),
        ("arrival", "07:30–10:00 空腹到检"),
        ("directions", "地铁 10 号线示范站 B 口"),
    ];
    let (s, location, _) = web.post("/checkup/centre", &good).await;
    assert_eq!((s, location.as_deref()), (303, Some("/checkup/centre?ok=saved")));
    let (_, html) = web.get("/checkup/centre?ok=saved").await;
    assert!(html.contains("体检中心信息已保存") && !html.contains("尚未填写"), "{html}");
    assert!(html.contains("href=\"https://uri.amap.com/search?keyword=") && html.contains("href=\"tel:010-88886666\""), "{html}");
    // A role without the checkup may neither see nor change them.
    let nurse = Web::login(&api, "nurse").await;
    assert_eq!(nurse.get("/checkup/centre").await.0, 403);
    assert_eq!(nurse.post("/checkup/centre", &good).await.0, 403);
    let (_, html) = web.get("/checkup/centre").await;
    assert!(html.contains("示范医院健康管理中心"), "unchanged by the refused post");
    api.app.stop().await;
}

/// Workflow 3 of the tour, in Chromium: a package whose items break a rule cannot be put on sale
/// — the form says why and saves nothing; without the clash it is saved and on sale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_that_breaks_the_rules_is_not_put_on_sale_in_a_browser() {
    use hops_testkit::{Browser, PASSWORD, screenshot};
    use thirtyfour::prelude::*;
    let api = setup(Backend::Sqlite).await;
    let browser = Browser::start().await;
    let d = &browser.driver;
    d.set_window_rect(0, 0, 1440, 900).await.unwrap();
    d.goto(format!("{}/checkup/packages/form", api.app.url)).await.unwrap();
    d.find(By::Id("hospital")).await.unwrap().send_keys("tj").await.unwrap();
    d.find(By::Id("username")).await.unwrap().send_keys("operator").await.unwrap();
    d.find(By::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    d.find(By::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for("保存套餐").await;
    d.find(By::Id("code")).await.unwrap().send_keys("CHEST").await.unwrap();
    d.find(By::Id("name")).await.unwrap().send_keys("胸部专项").await.unwrap();
    d.find(By::Id("price")).await.unwrap().send_keys("350").await.unwrap();
    // CT and DR exclude each other (the catalogue's rule); BLOOD is required.
    for code in ["BLOOD", "CT", "DR"] {
        let b = d.find(By::Css(format!("input[name=items][value={code}]"))).await.unwrap();
        b.scroll_into_view().await.unwrap();
        b.click().await.unwrap();
    }
    let active = d.find(By::Css("input[name=active]")).await.unwrap();
    if active.attr("checked").await.unwrap().is_none() {
        active.click().await.unwrap();
    }
    d.find(By::Css(".form-actions button[type=submit]")).await.unwrap().click().await.unwrap();
    let t = browser.wait_for("未保存").await;
    assert!(t.contains("「胸部CT」与「胸部DR」不能同时选择"), "{t}");
    assert!(find(&api, "packages", "CHEST").await.is_none(), "nothing saved");
    screenshot(d, "checkup-package-refused").await;
    // Without DR it is valid, saved and on sale; the patients' page offers it.
    let dr = d.find(By::Css("input[name=items][value=DR]")).await.unwrap();
    dr.scroll_into_view().await.unwrap();
    dr.click().await.unwrap();
    d.find(By::Css(".form-actions button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for("体检套餐已保存").await;
    assert_eq!(find(&api, "packages", "CHEST").await.unwrap()["active"], true);
    screenshot(d, "checkup-package-saved").await;
    let h5 = reqwest::get(format!("{}/p/tj/checkup", api.app.url)).await.unwrap().text().await.unwrap();
    assert!(h5.contains("胸部专项"), "on sale to patients");
    browser.quit().await;
    api.app.stop().await;
}
