//! The WeChat Pay API v3 protocol (微信支付 APIv3), as far as checkups need it: request signing
//! (`WECHATPAY2-SHA256-RSA2048`), verification of response and callback signatures with the
//! platform (微信支付公钥) key, AES-256-GCM resource decryption with the APIv3 key, and the
//! JSON shapes of orders, queries, refunds and notifications. Pure: no I/O and no clock — the
//! caller passes timestamps and nonces. Used by the HTTP adapter and by the local sandbox
//! that plays WeChat Pay's side.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};

/// The authorization scheme of API v3 requests.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WechatError {
    #[error("密钥格式不正确：{0}")]
    Key(String),
    #[error("签名验证失败")]
    BadSignature,
    #[error("回调数据解密失败")]
    Decrypt,
    #[error("APIv3 密钥须为 32 个字符")]
    ApiV3Key,
}

fn pem_der(pem: &str) -> Result<Vec<u8>, WechatError> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).map(str::trim).collect();
    B64.decode(body).map_err(|e| WechatError::Key(e.to_string()))
}

/// A merchant's private key (PKCS#8 PEM, as downloaded from the merchant platform).
pub struct PrivateKey(SigningKey<Sha256>);

impl PrivateKey {
    pub fn from_pem(pem: &str) -> Result<PrivateKey, WechatError> {
        let key = RsaPrivateKey::from_pkcs8_der(&pem_der(pem)?).map_err(|e| WechatError::Key(e.to_string()))?;
        Ok(PrivateKey(SigningKey::new(key)))
    }

    /// SHA256withRSA (PKCS#1 v1.5) of `message`, base64.
    pub fn sign(&self, message: &str) -> String {
        B64.encode(self.0.sign(message.as_bytes()).to_bytes())
    }
}

/// A public key that signatures are checked with (the 微信支付公钥, or the merchant's public key
/// on the sandbox's side).
pub struct PublicKey(VerifyingKey<Sha256>);

impl PublicKey {
    pub fn from_pem(pem: &str) -> Result<PublicKey, WechatError> {
        let key = RsaPublicKey::from_public_key_der(&pem_der(pem)?).map_err(|e| WechatError::Key(e.to_string()))?;
        Ok(PublicKey(VerifyingKey::new(key)))
    }

    pub fn verify(&self, message: &str, signature_b64: &str) -> Result<(), WechatError> {
        let bytes = B64.decode(signature_b64.trim()).map_err(|_| WechatError::BadSignature)?;
        let sig = Signature::try_from(bytes.as_slice()).map_err(|_| WechatError::BadSignature)?;
        self.0.verify(message.as_bytes(), &sig).map_err(|_| WechatError::BadSignature)
    }
}

/// The string a request signature covers: method, path with query, timestamp, nonce, body,
/// each followed by a newline.
pub fn request_message(method: &str, path_and_query: &str, timestamp: i64, nonce: &str, body: &str) -> String {
    format!("{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The string a response or callback signature covers.
pub fn response_message(timestamp: &str, nonce: &str, body: &str) -> String {
    format!("{timestamp}\n{nonce}\n{body}\n")
}

/// The `Authorization` header of a request.
pub fn authorization(mchid: &str, serial_no: &str, key: &PrivateKey, message: (&str, &str, i64, &str, &str)) -> String {
    let (method, path, timestamp, nonce, body) = message;
    let signature = key.sign(&request_message(method, path, timestamp, nonce, body));
    format!(r#"{SCHEME} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",timestamp="{timestamp}",serial_no="{serial_no}""#)
}

/// The fields of an `Authorization` header (for the sandbox, which checks merchants' requests).
pub fn parse_authorization(header: &str) -> Option<std::collections::BTreeMap<String, String>> {
    let rest = header.strip_prefix(SCHEME)?.trim();
    let mut out = std::collections::BTreeMap::new();
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        out.insert(k.to_string(), v.trim_matches('"').to_string());
    }
    Some(out)
}

/// The APIv3 key (32 characters) that encrypts callback resources.
pub struct ApiV3Key(Aes256Gcm);

impl ApiV3Key {
    pub fn new(key: &str) -> Result<ApiV3Key, WechatError> {
        Aes256Gcm::new_from_slice(key.as_bytes()).map(ApiV3Key).map_err(|_| WechatError::ApiV3Key)
    }

    /// Decrypts a notification's `resource` (AEAD_AES_256_GCM; the ciphertext carries the tag).
    pub fn decrypt(&self, r: &Resource) -> Result<String, WechatError> {
        let nonce = aes_gcm::Nonce::try_from(r.nonce.as_bytes()).map_err(|_| WechatError::Decrypt)?;
        let ct = B64.decode(&r.ciphertext).map_err(|_| WechatError::Decrypt)?;
        let plain = self.0.decrypt(&nonce, Payload { msg: &ct, aad: r.associated_data.as_bytes() }).map_err(|_| WechatError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| WechatError::Decrypt)
    }

    /// Encrypts a resource as WeChat Pay does (the sandbox's side); `nonce` is 12 characters.
    pub fn encrypt(&self, plain: &str, nonce: &str, associated_data: &str, original_type: &str) -> Result<Resource, WechatError> {
        let n = aes_gcm::Nonce::try_from(nonce.as_bytes()).map_err(|_| WechatError::Decrypt)?;
        let ct =
            self.0.encrypt(&n, Payload { msg: plain.as_bytes(), aad: associated_data.as_bytes() }).map_err(|_| WechatError::Decrypt)?;
        Ok(Resource {
            algorithm: "AEAD_AES_256_GCM".into(),
            ciphertext: B64.encode(ct),
            associated_data: associated_data.into(),
            original_type: original_type.into(),
            nonce: nonce.into(),
        })
    }
}

// ---- JSON shapes ----

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Amount {
    pub total: i64,
    #[serde(default = "cny")]
    pub currency: String,
}

fn cny() -> String {
    "CNY".into()
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Payer {
    pub openid: String,
}

/// `POST /v3/pay/transactions/jsapi` (in WeChat) and `/v3/pay/transactions/h5` (other mobile
/// browsers; `scene_info` required there).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct OrderRequest {
    pub appid: String,
    pub mchid: String,
    pub description: String,
    pub out_trade_no: String,
    pub notify_url: String,
    pub amount: Amount,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub payer: Option<Payer>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scene_info: Option<serde_json::Value>,
    /// RFC 3339; the order closes then.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub time_expire: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct OrderResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prepay_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h5_url: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TransactionAmount {
    pub total: i64,
    #[serde(default)]
    pub payer_total: Option<i64>,
    #[serde(default = "cny")]
    pub currency: String,
}

/// A transaction as queried or notified (`original_type` "transaction").
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Transaction {
    pub mchid: String,
    pub appid: String,
    pub out_trade_no: String,
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// SUCCESS, REFUND, NOTPAY, CLOSED, REVOKED, USERPAYING, PAYERROR.
    pub trade_state: String,
    #[serde(default)]
    pub trade_state_desc: String,
    #[serde(default)]
    pub success_time: Option<String>,
    pub amount: TransactionAmount,
}

/// `POST /v3/refund/domestic/refunds`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RefundRequest {
    pub out_trade_no: String,
    pub out_refund_no: String,
    #[serde(default)]
    pub reason: String,
    pub notify_url: String,
    pub amount: RefundAmount,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RefundAmount {
    pub refund: i64,
    pub total: i64,
    #[serde(default = "cny")]
    pub currency: String,
}

/// A refund as answered or notified (`original_type` "refund"; notifications carry
/// `refund_status`, answers `status`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Refund {
    pub out_refund_no: String,
    pub out_trade_no: String,
    #[serde(default)]
    pub refund_id: Option<String>,
    /// SUCCESS, CLOSED, PROCESSING, ABNORMAL.
    #[serde(default, alias = "refund_status")]
    pub status: String,
    pub amount: RefundNoticeAmount,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RefundNoticeAmount {
    pub refund: i64,
    pub total: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Resource {
    pub algorithm: String,
    pub ciphertext: String,
    #[serde(default)]
    pub associated_data: String,
    #[serde(default)]
    pub original_type: String,
    pub nonce: String,
}

/// A callback notification (`TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, …).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Notification {
    pub id: String,
    pub create_time: String,
    pub event_type: String,
    pub resource_type: String,
    pub resource: Resource,
    #[serde(default)]
    pub summary: String,
}

/// The signature headers of a response or callback.
pub struct SignedHeaders<'a> {
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
    pub serial: &'a str,
}

/// Checks a callback or response: the serial names the key we hold, the timestamp is within
/// five minutes of `now_seconds` (no replays of old messages), and the signature is valid.
pub fn verify_signed(key: &PublicKey, key_serial: &str, h: &SignedHeaders<'_>, body: &str, now_seconds: i64) -> Result<(), WechatError> {
    if h.serial != key_serial {
        return Err(WechatError::BadSignature);
    }
    let ts: i64 = h.timestamp.parse().map_err(|_| WechatError::BadSignature)?;
    if (now_seconds - ts).abs() > 300 {
        return Err(WechatError::BadSignature);
    }
    key.verify(&response_message(h.timestamp, h.nonce, body), h.signature)
}

/// The parameters of `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` for a prepay id,
/// signed with the merchant key (`appId\ntimeStamp\nnonceStr\npackage\n`).
pub fn jsapi_params(appid: &str, prepay_id: &str, key: &PrivateKey, timestamp: i64, nonce: &str) -> serde_json::Value {
    let package = format!("prepay_id={prepay_id}");
    let sign = key.sign(&format!("{appid}\n{timestamp}\n{nonce}\n{package}\n"));
    serde_json::json!({ "appId": appid, "timeStamp": timestamp.to_string(), "nonceStr": nonce, "package": package,
                        "signType": "RSA", "paySign": sign })
}

#[cfg(test)]
#[path = "wechat_tests.rs"]
mod tests;
