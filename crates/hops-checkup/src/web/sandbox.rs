//! The local WeChat Pay sandbox: a simulator of WeChat Pay's side of API v3, served by this
//! server under `/sandbox/wechatpay` only where the operator opted in (`HOPS_SANDBOX`, always in
//! `hops demo`) and no real merchant is configured; else every path answers 404. It checks the
//! merchant's request signatures, answers with signed responses, shows a cashier page where
//! the payer confirms, and sends encrypted, signed callbacks — the same bytes on the wire as
//! the real service, so the adapter is tested for real. Orders live in memory, per server (its
//! own address, never a request header), and callbacks go only to this server's own
//! notification path: the published sandbox keys cannot make it call anywhere else.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use hops_platform::web::{Method, Routes, Scope};
use serde::Deserialize;

use serde_json::json;

use crate::payment::gateway::{self, SANDBOX_PATH};
use crate::payment::wechat::{self, ApiV3Key, OrderRequest, PrivateKey, PublicKey, RefundRequest};

pub fn routes() -> Routes {
    Routes::scoped(Scope::Public)
        .public(Method::Post, "/sandbox/wechatpay/v3/pay/transactions/h5", "微信支付沙箱：H5 下单", h5_order)
        .public(Method::Get, "/sandbox/wechatpay/v3/pay/transactions/out-trade-no/{out_trade_no}", "微信支付沙箱：查询订单", query)
        .public(Method::Post, "/sandbox/wechatpay/v3/refund/domestic/refunds", "微信支付沙箱：申请退款", refund)
        .public(Method::Get, "/sandbox/wechatpay/cashier/{prepay_id}", "微信支付沙箱：收银台", cashier)
        .public(Method::Post, "/sandbox/wechatpay/cashier/{prepay_id}", "微信支付沙箱：确认支付", confirm)
}

#[derive(Clone)]
struct Order {
    /// The merchant server the order came from (several servers may share one process in
    /// tests; each has its own order numbers).
    merchant: String,
    request: OrderRequest,
    transaction_id: Option<String>,
    state: &'static str,
    success_time: Option<String>,
}

struct Sandbox {
    merchant: PublicKey,
    platform: PrivateKey,
    api_v3_key: ApiV3Key,
    orders: Mutex<HashMap<String, Order>>,
    http: reqwest::Client,
}

fn sandbox(state: &AppState) -> Option<&'static Sandbox> {
    static S: OnceLock<Sandbox> = OnceLock::new();
    if !gateway::sandbox_on(state.core()) {
        return None;
    }
    Some(S.get_or_init(|| Sandbox {
        merchant: PublicKey::from_pem(gateway::SANDBOX_MERCHANT_PUB).expect("sandbox key"),
        platform: PrivateKey::from_pem(gateway::SANDBOX_PLATFORM_KEY).expect("sandbox key"),
        api_v3_key: ApiV3Key::new(gateway::SANDBOX_API_V3_KEY).expect("sandbox key"),
        orders: Mutex::new(HashMap::new()),
        http: reqwest::Client::new(),
    }))
}

type AppState = axum::extract::State<hops_platform::web::AppState>;

/// The simulator keeps the server's clock (tests move it; the real service has its own).
fn now_seconds(state: &AppState) -> i64 {
    state.core().now().0 / 1_000_000
}

/// The merchant server an order belongs to: this server (several test servers share a process).
fn merchant_of(state: &AppState) -> String {
    state.core().local_url().unwrap_or("").to_string()
}

/// Where a callback may go: this server's own notification path, whatever address the order
/// named (its path is kept, its host never followed).
fn notice_target(state: &AppState, notify_url: &str) -> Option<String> {
    let path = notify_url.find(gateway::NOTIFY_PATH).map(|i| &notify_url[i..])?;
    let hospital = &path[gateway::NOTIFY_PATH.len()..];
    let plain = !hospital.is_empty() && hospital.bytes().all(|b| b.is_ascii_digit());
    Some(format!("{}{path}", state.core().local_url()?)).filter(|_| plain)
}

/// An answer signed with the sandbox platform key.
fn signed(s: &Sandbox, now: i64, status: StatusCode, body: serde_json::Value) -> Response {
    let text = body.to_string();
    let (ts, nonce) = (now.to_string(), gateway::nonce());
    let sig = s.platform.sign(&wechat::response_message(&ts, &nonce, &text));
    (
        status,
        [
            ("content-type", "application/json".to_string()),
            ("wechatpay-timestamp", ts),
            ("wechatpay-nonce", nonce),
            ("wechatpay-signature", sig),
            ("wechatpay-serial", gateway::SANDBOX_PLATFORM_SERIAL.to_string()),
        ],
        text,
    )
        .into_response()
}

/// Checks the merchant's `Authorization` header against the request.
fn authorized(s: &Sandbox, now: i64, headers: &HeaderMap, method: &str, path_and_query: &str, body: &str) -> bool {
    let Some(fields) = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(wechat::parse_authorization) else {
        return false;
    };
    let (Some(ts), Some(nonce), Some(sig)) = (fields.get("timestamp"), fields.get("nonce_str"), fields.get("signature")) else {
        return false;
    };
    let Ok(ts) = ts.parse::<i64>() else { return false };
    fields.get("mchid").is_some_and(|m| m == gateway::SANDBOX_MCHID)
        && (now - ts).abs() <= 300
        && s.merchant.verify(&wechat::request_message(method, path_and_query, ts, nonce, body), sig).is_ok()
}

fn error(s: &Sandbox, now: i64, status: StatusCode, code: &str, message: &str) -> Response {
    signed(s, now, status, json!({ "code": code, "message": message }))
}

async fn h5_order(state: AppState, headers: HeaderMap, body: Bytes) -> Response {
    let Some(s) = sandbox(&state) else { return StatusCode::NOT_FOUND.into_response() };
    let now = now_seconds(&state);
    let text = String::from_utf8_lossy(&body).to_string();
    if !authorized(s, now, &headers, "POST", "/v3/pay/transactions/h5", &text) {
        return error(s, now, StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误");
    }
    let Ok(order) = serde_json::from_str::<OrderRequest>(&text) else {
        return error(s, now, StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误");
    };
    if order.amount.total <= 0 || order.scene_info.is_none() {
        return error(s, now, StatusCode::BAD_REQUEST, "PARAM_ERROR", "金额或场景信息错误");
    }
    let prepay = format!("wx{}", gateway::nonce());
    let mut orders = s.orders.lock().unwrap_or_else(|e| e.into_inner());
    let merchant = merchant_of(&state);
    if let Some(existing) = orders.values().find(|o| o.merchant == merchant && o.request.out_trade_no == order.out_trade_no)
        && existing.state == "SUCCESS"
    {
        return error(s, now, StatusCode::BAD_REQUEST, "ORDERPAID", "该订单已支付");
    }
    orders.insert(prepay.clone(), Order { merchant, request: order, transaction_id: None, state: "NOTPAY", success_time: None });
    let url = format!("{}{SANDBOX_PATH}/cashier/{prepay}?prepay_id={prepay}", state.core().public_url());
    signed(s, now, StatusCode::OK, json!({ "h5_url": url }))
}

fn transaction(o: &Order) -> serde_json::Value {
    json!({
        "mchid": o.request.mchid, "appid": o.request.appid, "out_trade_no": o.request.out_trade_no,
        "transaction_id": o.transaction_id, "trade_type": "MWEB", "trade_state": o.state,
        "trade_state_desc": if o.state == "SUCCESS" { "支付成功" } else { "未支付" }, "bank_type": "OTHERS",
        "success_time": o.success_time, "payer": { "openid": "oSandboxPayer000000000000000" },
        "amount": { "total": o.request.amount.total, "payer_total": o.request.amount.total, "currency": "CNY", "payer_currency": "CNY" },
    })
}

#[derive(Deserialize)]
pub struct MchQuery {
    mchid: Option<String>,
}

async fn query(state: AppState, headers: HeaderMap, Path(no): Path<String>, Query(q): Query<MchQuery>) -> Response {
    let Some(s) = sandbox(&state) else { return StatusCode::NOT_FOUND.into_response() };
    let now = now_seconds(&state);
    let path = format!("/v3/pay/transactions/out-trade-no/{no}?mchid={}", q.mchid.unwrap_or_default());
    if !authorized(s, now, &headers, "GET", &path, "") {
        return error(s, now, StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误");
    }
    let merchant = merchant_of(&state);
    let found = s
        .orders
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .filter(|o| o.merchant == merchant && o.request.out_trade_no == no)
        .max_by_key(|o| o.state == "SUCCESS")
        .cloned();
    match found {
        Some(o) => signed(s, now, StatusCode::OK, transaction(&o)),
        None => error(s, now, StatusCode::NOT_FOUND, "ORDER_NOT_EXIST", "订单不存在"),
    }
}

/// Sends a callback as WeChat Pay does: the resource encrypted with the APIv3 key, the body
/// signed with the platform key.
async fn send_notice(s: &Sandbox, now: i64, url: &str, event_type: &str, original_type: &str, plain: &serde_json::Value) -> bool {
    let nonce: String = gateway::nonce().chars().take(12).collect();
    let Ok(resource) = s.api_v3_key.encrypt(&plain.to_string(), &nonce, original_type, original_type) else { return false };
    let body = json!({
        "id": format!("EV-{}", gateway::nonce()), "create_time": "2026-01-01T00:00:00+08:00", "resource_type": "encrypt-resource",
        "event_type": event_type, "summary": "沙箱通知", "resource": resource,
    })
    .to_string();
    let (ts, n) = (now.to_string(), gateway::nonce());
    let sig = s.platform.sign(&wechat::response_message(&ts, &n, &body));
    let r = s
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("wechatpay-timestamp", ts)
        .header("wechatpay-nonce", n)
        .header("wechatpay-signature", sig)
        .header("wechatpay-serial", gateway::SANDBOX_PLATFORM_SERIAL)
        .body(body)
        .send()
        .await;
    r.is_ok_and(|r| r.status().is_success())
}

async fn refund(state: AppState, headers: HeaderMap, body: Bytes) -> Response {
    let Some(s) = sandbox(&state) else { return StatusCode::NOT_FOUND.into_response() };
    let now = now_seconds(&state);
    let text = String::from_utf8_lossy(&body).to_string();
    if !authorized(s, now, &headers, "POST", "/v3/refund/domestic/refunds", &text) {
        return error(s, now, StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误");
    }
    let Ok(r) = serde_json::from_str::<RefundRequest>(&text) else {
        return error(s, now, StatusCode::BAD_REQUEST, "PARAM_ERROR", "参数错误");
    };
    let merchant = merchant_of(&state);
    let paid = s.orders.lock().unwrap_or_else(|e| e.into_inner()).values().any(|o| {
        o.merchant == merchant
            && o.request.out_trade_no == r.out_trade_no
            && o.state == "SUCCESS"
            && o.request.amount.total >= r.amount.refund
    });
    if !paid {
        return error(s, now, StatusCode::BAD_REQUEST, "INVALID_REQUEST", "订单未支付或退款金额超过订单金额");
    }
    let answer = json!({
        "refund_id": format!("50300{}", &gateway::nonce()[..10]), "out_refund_no": r.out_refund_no, "out_trade_no": r.out_trade_no,
        "status": "PROCESSING", "amount": { "refund": r.amount.refund, "total": r.amount.total },
    });
    // The refund is settled a moment later and notified, as the real service does.
    // Notifications carry `refund_status` where answers carry `status`.
    let mut notice = answer.clone();
    if let Some(o) = notice.as_object_mut() {
        o.remove("status");
        o.insert("refund_status".into(), json!("SUCCESS"));
    }
    let Some(url) = notice_target(&state, &r.notify_url) else {
        return error(s, now, StatusCode::BAD_REQUEST, "PARAM_ERROR", "notify_url 无效");
    };
    let core = state.core().clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        send_notice(s, core.now().0 / 1_000_000, &url, "REFUND.SUCCESS", "refund", &notice).await;
    });
    signed(s, now, StatusCode::OK, answer)
}

#[derive(Deserialize)]
pub struct CashierQuery {
    redirect_url: Option<String>,
}

async fn cashier(state: AppState, Path(prepay): Path<String>, Query(q): Query<CashierQuery>) -> Response {
    let Some(s) = sandbox(&state) else { return StatusCode::NOT_FOUND.into_response() };
    let Some(o) = s.orders.lock().unwrap_or_else(|e| e.into_inner()).get(&prepay).cloned() else {
        return (StatusCode::NOT_FOUND, Html("<p>订单不存在或已过期</p>".to_string())).into_response();
    };
    let esc = |t: &str| t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let back = esc(&return_to(&state, q.redirect_url.as_deref()));
    let amount = hops_kernel::Money(o.request.amount.total);
    let html = format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>微信支付（沙箱）</title><style>body{{font-family:"PingFang SC","Noto Sans CJK SC",sans-serif;margin:0;background:#f2f2f2;color:#111}}
main{{max-width:420px;margin:0 auto;padding:32px 20px;text-align:center}}.amt{{font-size:40px;font-weight:600;margin:16px 0}}
.tip{{color:#888;font-size:13px}}button{{width:100%;padding:14px;border:0;border-radius:8px;background:#07c160;color:#fff;font-size:17px;margin-top:24px}}
a{{display:block;margin-top:16px;color:#576b95}}</style></head><body><main>
<p class="tip">本页为本地沙箱，模拟微信支付收银台，不会产生真实扣款</p><p>{desc}</p><div class="amt">{amount}</div>
<form method="post" action="{SANDBOX_PATH}/cashier/{prepay}"><input type="hidden" name="redirect_url" value="{back}">
<button type="submit" id="confirm-pay">确认支付</button></form><a href="{back}">取消支付，返回商户</a></main></body></html>"#,
        desc = esc(&o.request.description),
    );
    Html(html).into_response()
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    redirect_url: Option<String>,
}

async fn confirm(state: AppState, Path(prepay): Path<String>, axum::Form(f): axum::Form<ConfirmForm>) -> Response {
    let Some(s) = sandbox(&state) else { return StatusCode::NOT_FOUND.into_response() };
    let now = now_seconds(&state);
    let order = {
        let mut orders = s.orders.lock().unwrap_or_else(|e| e.into_inner());
        let Some(o) = orders.get_mut(&prepay) else { return (StatusCode::NOT_FOUND, "订单不存在").into_response() };
        if o.state != "SUCCESS" {
            o.state = "SUCCESS";
            o.transaction_id = Some(format!("4200{}", &gateway::nonce()[..16]));
            o.success_time = Some("2026-01-01T00:00:00+08:00".into());
        }
        o.clone()
    };
    // Delivered before the payer is sent back, so the merchant page usually shows the result
    // at once; the merchant must still cope with a late or repeated notice.
    if let Some(url) = notice_target(&state, &order.request.notify_url) {
        send_notice(s, now, &url, "TRANSACTION.SUCCESS", "transaction", &transaction(&order)).await;
    }
    Redirect::to(&return_to(&state, f.redirect_url.as_deref())).into_response()
}

/// Where the payer goes back to: a page of this server (its public address or a path), else `/`.
fn return_to(state: &AppState, url: Option<&str>) -> String {
    let base = state.core().public_url();
    let path = url.map(|u| u.strip_prefix(base.as_str()).filter(|p| p.starts_with('/')).unwrap_or(u));
    path.and_then(hops_platform::web::pages::safe_path).unwrap_or("/").to_string()
}
