//! The Alibaba Cloud SMS protocol (阿里云短信服务 `SendSms`, RPC style, signature version 1.0):
//! percent-encoding, the canonical query, the string to sign and its HMAC-SHA1 signature. Pure:
//! the caller passes the timestamp and nonce. Used by the HTTP sender and by the local sandbox
//! that plays Alibaba Cloud's side. One of the SMS providers of [`crate::notify`].

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

pub const ACTION: &str = "SendSms";
pub const VERSION: &str = "2017-05-25";

/// Percent-encoding of the protocol: RFC 3986 unreserved characters stay, everything else is
/// `%XX` of its UTF-8 bytes (so a space is `%20`, `*` is `%2A`, `~` stays).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `k=v&…` of the parameters (without `Signature`), sorted by key, each part encoded.
pub fn canonical_query(params: &BTreeMap<String, String>) -> String {
    params.iter().filter(|(k, _)| *k != "Signature").map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect::<Vec<_>>().join("&")
}

/// `METHOD&%2F&encode(canonical query)`.
pub fn string_to_sign(method: &str, params: &BTreeMap<String, String>) -> String {
    format!("{method}&{}&{}", encode("/"), encode(&canonical_query(params)))
}

/// Base64 of HMAC-SHA1 over the string to sign, keyed with the secret followed by `&`.
pub fn signature(secret: &str, method: &str, params: &BTreeMap<String, String>) -> String {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(format!("{secret}&").as_bytes()).expect("any key length");
    mac.update(string_to_sign(method, params).as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

/// Whether `params` (including `Signature`) carry a valid signature for `secret`, compared in
/// constant time.
pub fn verify(secret: &str, method: &str, params: &BTreeMap<String, String>) -> bool {
    let Some(given) = params.get("Signature").and_then(|s| B64.decode(s).ok()) else { return false };
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(format!("{secret}&").as_bytes()).expect("any key length");
    mac.update(string_to_sign(method, params).as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// The signed parameters of one `SendSms` request.
pub struct SendSms<'a> {
    pub access_key_id: &'a str,
    pub phone: &'a str,
    pub sign_name: &'a str,
    pub template_code: &'a str,
    /// The template's variables as a JSON object, e.g. `{"code":"123456"}`.
    pub template_param: &'a str,
    /// ISO 8601 UTC, e.g. `2026-11-22T08:00:00Z`.
    pub timestamp: &'a str,
    pub nonce: &'a str,
}

impl SendSms<'_> {
    pub fn params(&self, secret: &str) -> BTreeMap<String, String> {
        let mut p: BTreeMap<String, String> = [
            ("AccessKeyId", self.access_key_id),
            ("Action", ACTION),
            ("Format", "JSON"),
            ("PhoneNumbers", self.phone),
            ("RegionId", "cn-hangzhou"),
            ("SignName", self.sign_name),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", self.nonce),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", self.template_code),
            ("TemplateParam", self.template_param),
            ("Timestamp", self.timestamp),
            ("Version", VERSION),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let sig = signature(secret, "POST", &p);
        p.insert("Signature".into(), sig);
        p
    }
}

/// What Alibaba Cloud answered: the message's `BizId`, or the error code and message.
pub fn outcome(answer: &serde_json::Value) -> Result<String, (String, String)> {
    match answer["Code"].as_str() {
        Some("OK") => Ok(answer["BizId"].as_str().unwrap_or("").to_string()),
        Some(code) => Err((code.to_string(), answer["Message"].as_str().unwrap_or("").to_string())),
        None => Err(("InvalidResponse".into(), format!("无法识别的应答：{answer}"))),
    }
}

/// Errors worth retrying: flow control and the service's own faults.
pub fn transient(code: &str) -> bool {
    matches!(code, "isv.BUSINESS_LIMIT_CONTROL" | "isp.SYSTEM_ERROR" | "SignatureNonceUsed" | "ServiceUnavailable")
        || code.starts_with("Throttling")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// The example of Alibaba Cloud's RPC signature documentation (DescribeRegions, AccessKeyId
    /// `testid`, secret `testsecret`): the published string to sign and signature.
    #[test]
    fn documented_example() {
        let p = params(&[
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ]);
        assert_eq!(
            string_to_sign("GET", &p),
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(signature("testsecret", "GET", &p), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
    }

    #[test]
    fn encoding_table() {
        let cases = [
            ("a b", "a%20b"),
            ("*", "%2A"),
            ("~-_.", "~-_."),
            ("验证码", "%E9%AA%8C%E8%AF%81%E7%A0%81"),
            ("{\"code\":\"1\"}", "%7B%22code%22%3A%221%22%7D"),
            ("+/=", "%2B%2F%3D"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(encode(plain), encoded);
        }
    }

    #[test]
    fn send_sms_round_trip_and_tampering() {
        let req = SendSms {
            access_key_id: "LTAI-sandbox",
            phone: "13812345678",
            sign_name: "示范医院",
            template_code: "SMS_000001",
            template_param: r#"{"code":"123456"}"#,
            timestamp: "2026-11-22T08:00:00Z",
            nonce: "n-1",
        };
        let mut p = req.params("secret");
        assert!(verify("secret", "POST", &p));
        assert!(!verify("other", "POST", &p), "another secret");
        assert!(!verify("secret", "GET", &p), "another method");
        p.insert("PhoneNumbers".into(), "13900000000".into());
        assert!(!verify("secret", "POST", &p), "a changed phone number");
        p.remove("Signature");
        assert!(!verify("secret", "POST", &p), "no signature");
    }

    #[test]
    fn answers() {
        let ok = serde_json::json!({"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r"});
        assert_eq!(outcome(&ok), Ok("900619746936498440^0".into()));
        let limited = serde_json::json!({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"});
        assert!(transient(&outcome(&limited).unwrap_err().0));
        let bad = serde_json::json!({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"});
        assert!(!transient(&outcome(&bad).unwrap_err().0));
    }
}
