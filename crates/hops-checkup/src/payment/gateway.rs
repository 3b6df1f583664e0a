//! The WeChat Pay adapter: merchant configuration and an HTTP client that signs every request
//! and verifies every answer's signature (API v3). Without a merchant (`HOPS_WECHATPAY_*`)
//! online payment is off, unless the operator opted into the sandbox (`HOPS_SANDBOX`, always in
//! `hops demo`): then it talks to the simulator this server carries (`/sandbox/wechatpay`), with
//! the published sandbox keys, at this server's own address.

use std::fmt;
use std::sync::{Arc, OnceLock};

use hops_platform::{Core, Error};

use serde::de::DeserializeOwned;

use super::wechat::{
    self, ApiV3Key, OrderRequest, OrderResponse, PrivateKey, PublicKey, Refund, RefundRequest, SignedHeaders, Transaction,
};

/// Where the sandbox lives on this server.
pub const SANDBOX_PATH: &str = "/sandbox/wechatpay";
pub const SANDBOX_MCHID: &str = "1900000109";
pub const SANDBOX_APPID: &str = "wx8888888888888888";
pub const SANDBOX_MERCHANT_SERIAL: &str = "3775B6A45ACD588826D15E583A95F5DD********";
pub const SANDBOX_PLATFORM_SERIAL: &str = "PUB_KEY_ID_0119000001092025010100000000000000";
pub const SANDBOX_API_V3_KEY: &str = "hopsSandboxApiV3Key0123456789abc";
pub const SANDBOX_MERCHANT_KEY: &str = include_str!("keys/sandbox_merchant_key.pem");
pub const SANDBOX_MERCHANT_PUB: &str = include_str!("keys/sandbox_merchant_pub.pem");
pub const SANDBOX_PLATFORM_KEY: &str = include_str!("keys/sandbox_platform_key.pem");
pub const SANDBOX_PLATFORM_PUB: &str = include_str!("keys/sandbox_platform_pub.pem");

/// A merchant's WeChat Pay settings. Keys never appear in `Debug` output or logs.
pub struct WechatPayConfig {
    pub mchid: String,
    pub appid: String,
    pub merchant_serial: String,
    pub merchant_key: PrivateKey,
    pub platform_key: PublicKey,
    pub platform_serial: String,
    pub api_v3_key: ApiV3Key,
    /// `https://api.mch.weixin.qq.com`; `None` in sandbox mode (this server's own simulator).
    pub api_base: Option<String>,
}

impl fmt::Debug for WechatPayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatPayConfig")
            .field("mchid", &self.mchid)
            .field("appid", &self.appid)
            .field("sandbox", &self.is_sandbox())
            .field("keys", &"[redacted]")
            .finish()
    }
}

impl WechatPayConfig {
    /// The sandbox merchant (published keys; the simulator plays WeChat Pay).
    pub fn sandbox() -> WechatPayConfig {
        WechatPayConfig {
            mchid: SANDBOX_MCHID.into(),
            appid: SANDBOX_APPID.into(),
            merchant_serial: SANDBOX_MERCHANT_SERIAL.into(),
            merchant_key: PrivateKey::from_pem(SANDBOX_MERCHANT_KEY).expect("sandbox merchant key"),
            platform_key: PublicKey::from_pem(SANDBOX_PLATFORM_PUB).expect("sandbox platform key"),
            platform_serial: SANDBOX_PLATFORM_SERIAL.into(),
            api_v3_key: ApiV3Key::new(SANDBOX_API_V3_KEY).expect("sandbox APIv3 key"),
            api_base: None,
        }
    }

    /// From `HOPS_WECHATPAY_*`: `None` without `HOPS_WECHATPAY_MCHID`; with it, every other
    /// setting is required (keys from files: `…_KEY_FILE`, `…_PLATFORM_KEY_FILE`,
    /// `…_API_V3_KEY_FILE`).
    pub fn from_env() -> anyhow::Result<Option<WechatPayConfig>> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let Some(mchid) = var("HOPS_WECHATPAY_MCHID") else { return Ok(None) };
        let need = |k: &str| var(k).ok_or_else(|| anyhow::anyhow!("设置了 HOPS_WECHATPAY_MCHID 时必须同时设置 {k}"));
        let file = |k: &str| -> anyhow::Result<String> {
            let path = need(k)?;
            std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("读取 {k}（{path}）失败：{e}"))
        };
        Ok(Some(WechatPayConfig {
            mchid,
            appid: need("HOPS_WECHATPAY_APPID")?,
            merchant_serial: need("HOPS_WECHATPAY_SERIAL")?,
            merchant_key: PrivateKey::from_pem(&file("HOPS_WECHATPAY_KEY_FILE")?)?,
            platform_key: PublicKey::from_pem(&file("HOPS_WECHATPAY_PLATFORM_KEY_FILE")?)?,
            platform_serial: need("HOPS_WECHATPAY_PLATFORM_SERIAL")?,
            api_v3_key: ApiV3Key::new(file("HOPS_WECHATPAY_API_V3_KEY_FILE")?.trim())?,
            api_base: Some(var("HOPS_WECHATPAY_API_BASE").unwrap_or_else(|| "https://api.mch.weixin.qq.com".into())),
        }))
    }

    pub fn is_sandbox(&self) -> bool {
        self.api_base.is_none()
    }

    /// Where WeChat Pay is called: the configured base, or the simulator at this server's own
    /// address (never one taken from a request).
    pub fn api_base(&self, core: &Core) -> String {
        self.api_base.clone().unwrap_or_else(|| format!("{}{SANDBOX_PATH}", core.local_url().unwrap_or("http://127.0.0.1")))
    }
}

/// The real merchant from `HOPS_WECHATPAY_*`, if configured (read once; a configuration that
/// cannot be read stops the server at start-up with its reason).
pub fn live() -> Option<&'static Gateway> {
    static G: OnceLock<Option<Gateway>> = OnceLock::new();
    G.get_or_init(|| match WechatPayConfig::from_env() {
        Ok(c) => c.map(|c| Gateway::new(Arc::new(c))),
        Err(e) => panic!("微信支付配置有误：{e:#}"),
    })
    .as_ref()
}

/// Whether this server serves the WeChat Pay sandbox: no merchant, and the operator opted in.
pub fn sandbox_on(core: &Core) -> bool {
    live().is_none() && core.config.sandbox
}

/// The gateway payments go through: the real merchant, else the sandbox where opted in, else
/// none (online payment is off).
pub fn for_server(core: &Core) -> Option<&'static Gateway> {
    static SANDBOX: OnceLock<Gateway> = OnceLock::new();
    live().or_else(|| sandbox_on(core).then(|| SANDBOX.get_or_init(|| Gateway::new(Arc::new(WechatPayConfig::sandbox())))))
}

/// The refusal when online payment is off.
pub fn unavailable() -> Error {
    Error::client(503, "payment_unavailable", "在线支付未开通，请到体检中心现场支付")
}

/// Where WeChat Pay sends its notifications for `hospital`.
pub fn notify_url(core: &Core, hospital: i64) -> String {
    format!("{}{NOTIFY_PATH}{hospital}", core.public_url())
}

/// The path of the payment notifications (followed by the hospital's id).
pub const NOTIFY_PATH: &str = "/pay/wechat/notify/";

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("微信支付请求失败：{0}")]
    Transport(String),
    #[error("微信支付应答签名无效")]
    BadSignature,
    #[error("微信支付返回错误 {code}：{message}")]
    Refused { status: u16, code: String, message: String },
    #[error("微信支付应答无法解析：{0}")]
    Decode(String),
}

/// A random nonce for a request (WeChat Pay allows up to 32 characters).
pub fn nonce() -> String {
    hops_platform::crypto::random_token(16).chars().take(32).collect()
}

/// The HTTP client of the WeChat Pay API v3.
#[derive(Clone)]
pub struct Gateway {
    config: Arc<WechatPayConfig>,
    http: reqwest::Client,
}

impl Gateway {
    pub fn new(config: Arc<WechatPayConfig>) -> Gateway {
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build().expect("http client");
        Gateway { config, http }
    }

    pub fn config(&self) -> &WechatPayConfig {
        &self.config
    }

    /// One signed request; the answer's signature is checked before its body is read.
    async fn call<T: DeserializeOwned>(
        &self,
        base: &str,
        method: &str,
        path: &str,
        body: Option<String>,
        now_seconds: i64,
    ) -> Result<T, GatewayError> {
        let c = &self.config;
        let nonce = nonce();
        let body = body.unwrap_or_default();
        let auth = wechat::authorization(&c.mchid, &c.merchant_serial, &c.merchant_key, (method, path, now_seconds, &nonce, &body));
        let url = format!("{base}{path}");
        let req = match method {
            "GET" => self.http.get(&url),
            _ => self.http.post(&url).header("content-type", "application/json").body(body),
        };
        let res = req
            .header("authorization", auth)
            .header("accept", "application/json")
            .header("user-agent", "hops-checkup")
            .send()
            .await
            .map_err(|e| GatewayError::Transport(e.to_string()))?;
        let status = res.status().as_u16();
        let h = |k: &str| res.headers().get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let (ts, n, sig, serial) = (h("wechatpay-timestamp"), h("wechatpay-nonce"), h("wechatpay-signature"), h("wechatpay-serial"));
        let text = res.text().await.map_err(|e| GatewayError::Transport(e.to_string()))?;
        let headers = SignedHeaders { timestamp: &ts, nonce: &n, signature: &sig, serial: &serial };
        wechat::verify_signed(&c.platform_key, &c.platform_serial, &headers, &text, now_seconds).map_err(|_| GatewayError::BadSignature)?;
        if !(200..300).contains(&status) {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            return Err(GatewayError::Refused {
                status,
                code: v["code"].as_str().unwrap_or("").to_string(),
                message: v["message"].as_str().unwrap_or("").to_string(),
            });
        }
        serde_json::from_str(&text).map_err(|e| GatewayError::Decode(e.to_string()))
    }

    /// `POST /v3/pay/transactions/h5`: an order paid in a mobile browser; answers `h5_url`.
    pub async fn h5_order(&self, base: &str, order: &OrderRequest, now_seconds: i64) -> Result<OrderResponse, GatewayError> {
        let body = serde_json::to_string(order).map_err(|e| GatewayError::Decode(e.to_string()))?;
        self.call(base, "POST", "/v3/pay/transactions/h5", Some(body), now_seconds).await
    }

    /// `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=…`.
    pub async fn query(&self, base: &str, out_trade_no: &str, now_seconds: i64) -> Result<Transaction, GatewayError> {
        let path = format!("/v3/pay/transactions/out-trade-no/{out_trade_no}?mchid={}", self.config.mchid);
        self.call(base, "GET", &path, None, now_seconds).await
    }

    /// `POST /v3/refund/domestic/refunds`.
    pub async fn refund(&self, base: &str, refund: &RefundRequest, now_seconds: i64) -> Result<Refund, GatewayError> {
        let body = serde_json::to_string(refund).map_err(|e| GatewayError::Decode(e.to_string()))?;
        self.call(base, "POST", "/v3/refund/domestic/refunds", Some(body), now_seconds).await
    }
}
