//! The Tencent Cloud SMS protocol (腾讯云短信 API 3.0, `SendSms`, version 2021-01-11) with the
//! TC3-HMAC-SHA256 signature: canonical request, string to sign, the derived key chain and the
//! `Authorization` header, and the answer's status. Pure: the caller passes the timestamp. Used
//! by the HTTP sender and by the local sandbox that plays Tencent Cloud's side.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
pub const SERVICE: &str = "sms";
pub const ACTION: &str = "SendSms";
pub const VERSION: &str = "2021-01-11";
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// Requests older or newer than this are refused (`AuthFailure.SignatureExpire`).
pub const MAX_SKEW_SECONDS: i64 = 300;

fn hmac(key: &[u8], msg: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("any key length");
    mac.update(msg.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The UTC date of a Unix timestamp, `2019-02-25` (the credential scope's date is UTC, not
/// Beijing time).
pub fn utc_date(timestamp: i64) -> String {
    jiff::Timestamp::from_second(timestamp).map(|t| t.strftime("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// What one signature covers: a POST to `/` with an empty query string.
pub struct Signed<'a> {
    /// Lower-case header names and trimmed values, e.g. `[("content-type", …), ("host", …)]`.
    pub headers: &'a [(&'a str, &'a str)],
    pub payload: &'a [u8],
    pub timestamp: i64,
    pub service: &'a str,
}

impl Signed<'_> {
    /// `content-type;host` — the names, sorted.
    pub fn signed_headers(&self) -> String {
        let mut names: Vec<String> = self.headers.iter().map(|(k, _)| k.to_ascii_lowercase()).collect();
        names.sort();
        names.join(";")
    }

    pub fn canonical_request(&self) -> String {
        let mut headers: Vec<(String, String)> =
            self.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_ascii_lowercase())).collect();
        headers.sort();
        let canonical: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
        format!("POST\n/\n\n{canonical}\n{}\n{}", self.signed_headers(), sha256_hex(self.payload))
    }

    pub fn credential_scope(&self) -> String {
        format!("{}/{}/tc3_request", utc_date(self.timestamp), self.service)
    }

    pub fn string_to_sign(&self) -> String {
        format!("{ALGORITHM}\n{}\n{}\n{}", self.timestamp, self.credential_scope(), sha256_hex(self.canonical_request().as_bytes()))
    }

    /// Hex HMAC-SHA256 of the string to sign under the key derived from the secret, the date
    /// and the service.
    pub fn signature(&self, secret_key: &str) -> String {
        let date = hmac(format!("TC3{secret_key}").as_bytes(), &utc_date(self.timestamp));
        let service = hmac(&date, self.service);
        let signing = hmac(&service, "tc3_request");
        hex::encode(hmac(&signing, &self.string_to_sign()))
    }

    /// The `Authorization` header.
    pub fn authorization(&self, secret_id: &str, secret_key: &str) -> String {
        format!(
            "{ALGORITHM} Credential={secret_id}/{}, SignedHeaders={}, Signature={}",
            self.credential_scope(),
            self.signed_headers(),
            self.signature(secret_key)
        )
    }
}

/// The parts of an `Authorization` header.
#[derive(Debug, PartialEq, Eq)]
pub struct Authorization {
    pub secret_id: String,
    pub date: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Reads `TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(header: &str) -> Option<Authorization> {
    let rest = header.strip_prefix(ALGORITHM)?.trim_start();
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',').map(str::trim) {
        let (k, v) = part.split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => return None,
        }
    }
    let mut scope = credential?.split('/');
    let (id, date, service, term) = (scope.next()?, scope.next()?, scope.next()?, scope.next()?);
    if term != "tc3_request" || scope.next().is_some() {
        return None;
    }
    Some(Authorization {
        secret_id: id.to_string(),
        date: date.to_string(),
        service: service.to_string(),
        signed_headers: signed?.split(';').map(str::to_string).collect(),
        signature: signature?.to_string(),
    })
}

/// Whether `given` (hex) is the signature of `signed` for `secret_key`, compared in constant time.
pub fn verify(signed: &Signed<'_>, secret_key: &str, given: &str) -> bool {
    let Ok(given) = hex::decode(given) else { return false };
    let date = hmac(format!("TC3{secret_key}").as_bytes(), &utc_date(signed.timestamp));
    let service = hmac(&date, signed.service);
    let signing = hmac(&service, "tc3_request");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&signing).expect("any key length");
    mac.update(signed.string_to_sign().as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// One `SendSms` request: its JSON body.
pub struct SendSms<'a> {
    /// 11-digit mainland number; sent as `+86…`.
    pub phone: &'a str,
    pub sdk_app_id: &'a str,
    pub sign_name: &'a str,
    pub template_id: &'a str,
    /// The template's `{1}`, `{2}` … in order.
    pub params: &'a [String],
}

impl SendSms<'_> {
    pub fn body(&self) -> String {
        json!({
            "PhoneNumberSet": [format!("+86{}", self.phone)],
            "SmsSdkAppId": self.sdk_app_id,
            "SignName": self.sign_name,
            "TemplateId": self.template_id,
            "TemplateParamSet": self.params,
        })
        .to_string()
    }
}

/// What Tencent Cloud answered: the message's serial number, or the error code and message
/// (`Response.Error`, or the first `SendStatusSet` entry whose `Code` is not `Ok`).
pub fn outcome(answer: &Value) -> Result<String, (String, String)> {
    let r = &answer["Response"];
    if let Some(e) = r.get("Error") {
        return Err((e["Code"].as_str().unwrap_or("").to_string(), e["Message"].as_str().unwrap_or("").to_string()));
    }
    let status = &r["SendStatusSet"][0];
    match status["Code"].as_str() {
        Some("Ok") => Ok(status["SerialNo"].as_str().unwrap_or("").to_string()),
        Some(code) => Err((code.to_string(), status["Message"].as_str().unwrap_or("").to_string())),
        None => Err(("InvalidResponse".into(), format!("无法识别的应答：{answer}"))),
    }
}

/// Errors worth retrying: limits, and the service's own faults.
pub fn transient(code: &str) -> bool {
    code.starts_with("LimitExceeded")
        || code.starts_with("InternalError")
        || code == "RequestLimitExceeded"
        || code == "FailedOperation.ServiceBusy"
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC_PAYLOAD: &str = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

    fn doc() -> Signed<'static> {
        Signed {
            headers: &[("content-type", CONTENT_TYPE), ("host", "cvm.tencentcloudapi.com")],
            payload: DOC_PAYLOAD.as_bytes(),
            timestamp: 1551113065,
            service: "cvm",
        }
    }

    /// The example of Tencent Cloud's "Signature v3" documentation (CVM DescribeInstances,
    /// SecretKey `Gu5t9xGARNpq86cd98joQYCN3EXAMPLE`): every published intermediate value and the
    /// signature, byte for byte.
    #[test]
    fn documented_example() {
        let s = doc();
        assert_eq!(sha256_hex(DOC_PAYLOAD.as_bytes()), "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064");
        assert_eq!(
            s.canonical_request(),
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n\
             35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        assert_eq!(
            s.string_to_sign(),
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(s.signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"), "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
        assert_eq!(
            s.authorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    /// The date is UTC: 00:44 in Beijing on the 26th is still the 25th.
    #[test]
    fn credential_date_is_utc() {
        assert_eq!(utc_date(1551113065), "2019-02-25");
        assert_eq!(utc_date(1551113065 + 8 * 3600), "2019-02-26");
    }

    #[test]
    fn authorization_round_trip_and_tampering() {
        let s = doc();
        let header = s.authorization("AKIDsandbox", "secret");
        let a = parse_authorization(&header).unwrap();
        assert_eq!((a.secret_id.as_str(), a.date.as_str(), a.service.as_str()), ("AKIDsandbox", "2019-02-25", "cvm"));
        assert_eq!(a.signed_headers, ["content-type", "host"]);
        assert!(verify(&s, "secret", &a.signature));
        assert!(!verify(&s, "other", &a.signature), "another key");
        let changed = Signed { payload: br#"{"Limit": 2}"#, ..doc() };
        assert!(!verify(&changed, "secret", &a.signature), "another body");
        let later = Signed { timestamp: 1551113066, ..doc() };
        assert!(!verify(&later, "secret", &a.signature), "another time");
        assert!(!verify(&s, "secret", "zz"), "not hex");
        assert_eq!(parse_authorization("HMAC-SHA1 Credential=a/b/c/tc3_request"), None);
        assert_eq!(parse_authorization("TC3-HMAC-SHA256 Credential=a/b/c/other, SignedHeaders=host, Signature=00"), None);
    }

    #[test]
    fn send_sms_body_and_answers() {
        let params = vec!["张三".to_string(), "2026-12-01".to_string()];
        let body =
            SendSms { phone: "13812345678", sdk_app_id: "1400000000", sign_name: "示范医院", template_id: "100001", params: &params }
                .body();
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["PhoneNumberSet"][0], "+8613812345678");
        assert_eq!(v["TemplateParamSet"], json!(["张三", "2026-12-01"]));
        let ok = json!({"Response": {"SendStatusSet": [{"SerialNo": "5000:1045", "PhoneNumber": "+8613812345678", "Code": "Ok", "Message": "send success"}], "RequestId": "r"}});
        assert_eq!(outcome(&ok), Ok("5000:1045".into()));
        let refused =
            json!({"Response": {"SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberThirtySecondLimit", "Message": "30秒内限1条"}]}});
        let (code, _) = outcome(&refused).unwrap_err();
        assert!(transient(&code));
        let auth = json!({"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "The provided credentials could not be validated."}}});
        assert_eq!(outcome(&auth).unwrap_err().0, "AuthFailure.SignatureFailure");
        assert!(!transient("AuthFailure.SignatureFailure"));
    }
}
