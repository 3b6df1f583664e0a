//! The WeChat messaging protocol (微信公众平台 / 小程序服务端接口), pure: the access-token
//! requests (`cgi-bin/token`, `cgi-bin/stable_token`) and their answers, the bodies of a mini
//! program's subscribe message (`cgi-bin/message/subscribe/send`) and of an official account's
//! template message (`cgi-bin/message/template/send`), the limits WeChat puts on each kind of
//! subscribe-message field, and the error codes. Used by the HTTP sender and by the local
//! sandbox that plays WeChat's side.

use serde_json::{Value, json};

pub const TOKEN_PATH: &str = "/cgi-bin/token";
pub const STABLE_TOKEN_PATH: &str = "/cgi-bin/stable_token";
pub const SUBSCRIBE_PATH: &str = "/cgi-bin/message/subscribe/send";
pub const TEMPLATE_PATH: &str = "/cgi-bin/message/template/send";
/// How long a token lives (seconds), as WeChat answers.
pub const TOKEN_SECONDS: i64 = 7_200;

/// Error codes that concern us.
pub const INVALID_CREDENTIAL: i64 = 40001;
pub const INVALID_APPID: i64 = 40013;
pub const INVALID_TOKEN: i64 = 40014;
pub const INVALID_TEMPLATE: i64 = 40037;
pub const INVALID_OPENID: i64 = 40003;
pub const TOKEN_MISSING: i64 = 41001;
pub const TOKEN_EXPIRED: i64 = 42001;
pub const USER_REFUSED: i64 = 43101;
pub const INVALID_ARGUMENT: i64 = 47003;
pub const INVALID_SECRET: i64 = 40125;
pub const BUSY: i64 = -1;
pub const FREQUENCY_LIMIT: i64 = 45009;

/// Which message the configured app sends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    /// A mini program's subscribe message (订阅消息): the user agreed to receive it.
    #[default]
    Subscribe,
    /// An official account's template message (模板消息) to a follower.
    Template,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Subscribe => "subscribe",
            Kind::Template => "template",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim() {
            "subscribe" => Some(Kind::Subscribe),
            "template" => Some(Kind::Template),
            _ => None,
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Kind::Subscribe => SUBSCRIBE_PATH,
            Kind::Template => TEMPLATE_PATH,
        }
    }
}

/// The query of `GET cgi-bin/token`.
pub fn token_query(appid: &str, secret: &str) -> [(&'static str, String); 3] {
    [("grant_type", "client_credential".into()), ("appid", appid.into()), ("secret", secret.into())]
}

/// The body of `POST cgi-bin/stable_token` (a token shared by every server of the app;
/// `force_refresh` only after WeChat said the token is bad).
pub fn stable_token_body(appid: &str, secret: &str, force_refresh: bool) -> Value {
    json!({ "grant_type": "client_credential", "appid": appid, "secret": secret, "force_refresh": force_refresh })
}

/// A token answer: the token and its lifetime, or WeChat's error.
pub fn token_answer(v: &Value) -> Result<(String, i64), WechatError> {
    match v["access_token"].as_str() {
        Some(t) if !t.is_empty() => Ok((t.to_string(), v["expires_in"].as_i64().unwrap_or(TOKEN_SECONDS))),
        _ => Err(WechatError::of(v)),
    }
}

/// An `errcode`/`errmsg` answer other than 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WechatError {
    pub code: i64,
    pub message: String,
}

impl WechatError {
    pub fn of(v: &Value) -> WechatError {
        WechatError {
            code: v["errcode"].as_i64().unwrap_or(-2),
            message: v["errmsg"].as_str().map_or_else(|| format!("无法识别的应答：{v}"), str::to_string),
        }
    }

    /// The token was refused: fetch a fresh one and try once more.
    pub fn token_refused(&self) -> bool {
        matches!(self.code, INVALID_CREDENTIAL | INVALID_TOKEN | TOKEN_EXPIRED | TOKEN_MISSING)
    }

    /// Worth retrying later (WeChat busy, rate limits).
    pub fn transient(&self) -> bool {
        matches!(self.code, BUSY | FREQUENCY_LIMIT) || self.token_refused()
    }
}

impl std::fmt::Display for WechatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let meaning = match self.code {
            INVALID_CREDENTIAL | INVALID_TOKEN | TOKEN_EXPIRED | TOKEN_MISSING => "接口调用凭证无效或已过期",
            INVALID_APPID => "AppID 无效",
            INVALID_SECRET => "AppSecret 无效",
            INVALID_TEMPLATE => "模板 ID 无效",
            INVALID_OPENID => "openid 无效",
            USER_REFUSED => "用户未订阅或拒收该消息",
            INVALID_ARGUMENT => "模板字段内容不符合要求",
            FREQUENCY_LIMIT => "接口调用超过频率限制",
            BUSY => "微信系统繁忙",
            _ => "微信接口返回错误",
        };
        write!(f, "{meaning}（errcode {}：{}）", self.code, self.message)
    }
}

/// What a send answered: the message id (template messages have one), or the error.
pub fn send_answer(v: &Value) -> Result<String, WechatError> {
    if v["errcode"].as_i64() != Some(0) {
        return Err(WechatError::of(v));
    }
    Ok(v["msgid"].as_i64().map(|m| m.to_string()).or_else(|| v["msgid"].as_str().map(str::to_string)).unwrap_or_default())
}

/// One message to a user.
pub struct Message<'a> {
    pub kind: Kind,
    pub openid: &'a str,
    pub template_id: &'a str,
    /// `(key, value)`: `thing1`, `time2`, … (subscribe) or `keyword1`, … (template).
    pub fields: &'a [(String, String)],
    /// The mini-program page (subscribe) or the web page (template) opened from the message.
    pub link: &'a str,
}

impl Message<'_> {
    /// The JSON body, each subscribe-message value cut to what its kind allows ([`fit`]).
    pub fn body(&self) -> Value {
        let data: serde_json::Map<String, Value> = self
            .fields
            .iter()
            .map(|(k, v)| {
                let value = if self.kind == Kind::Subscribe { fit(k, v) } else { v.clone() };
                (k.clone(), json!({ "value": value }))
            })
            .collect();
        let mut body = json!({ "touser": self.openid, "template_id": self.template_id, "data": data });
        match self.kind {
            Kind::Subscribe => {
                body["miniprogram_state"] = json!("formal");
                body["lang"] = json!("zh_CN");
                if !self.link.is_empty() {
                    body["page"] = json!(self.link);
                }
            }
            Kind::Template => {
                if !self.link.is_empty() {
                    body["url"] = json!(self.link);
                }
            }
        }
        body
    }
}

/// The kind of a subscribe-message field: its key without the trailing number
/// (`thing1` → `thing`).
pub fn field_kind(key: &str) -> &str {
    key.trim_end_matches(|c: char| c.is_ascii_digit())
}

/// The most characters a value of a subscribe-message field kind may have (WeChat refuses
/// longer ones with 47003); `None` for kinds without a length rule here.
pub fn max_chars(kind: &str) -> Option<usize> {
    match kind {
        "thing" => Some(20),
        "number" | "letter" | "character_string" => Some(32),
        "symbol" | "phrase" => Some(5),
        "name" => Some(10),
        "phone_number" => Some(17),
        "car_number" => Some(8),
        "time" | "date" => Some(32),
        "amount" => Some(13),
        _ => None,
    }
}

/// Cuts `value` to what its field's kind allows (a `thing` longer than 20 characters ends
/// with `…` at the 20th); an empty value becomes `-` (WeChat refuses empty fields).
pub fn fit(key: &str, value: &str) -> String {
    if value.trim().is_empty() {
        return "-".into();
    }
    let Some(max) = max_chars(field_kind(key)) else { return value.to_string() };
    if value.chars().count() <= max {
        return value.to_string();
    }
    if field_kind(key) == "thing" {
        value.chars().take(max - 1).chain(std::iter::once('…')).collect()
    } else {
        value.chars().take(max).collect()
    }
}

/// Whether a received subscribe-message value keeps its kind's rules (the sandbox's check).
pub fn value_ok(key: &str, value: &str) -> bool {
    let kind = field_kind(key);
    let len_ok = max_chars(kind).is_none_or(|m| value.chars().count() <= m);
    let form_ok = match kind {
        "number" => !value.is_empty() && value.chars().all(|c| c.is_ascii_digit() || c == '.'),
        "phrase" => value.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        _ => true,
    };
    len_ok && form_ok && !value.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_body_follows_the_documentation() {
        let fields = vec![("thing1".to_string(), "体检".repeat(15)), ("time2".to_string(), "2026-12-01".to_string())];
        let m = Message { kind: Kind::Subscribe, openid: "oUser", template_id: "TPL", fields: &fields, link: "pages/checkup/index" };
        let b = m.body();
        assert_eq!(b["touser"], "oUser");
        assert_eq!(b["template_id"], "TPL");
        assert_eq!(b["page"], "pages/checkup/index");
        assert_eq!(b["miniprogram_state"], "formal");
        assert_eq!(b["data"]["time2"]["value"], "2026-12-01");
        let thing = b["data"]["thing1"]["value"].as_str().unwrap();
        assert_eq!(thing.chars().count(), 20);
        assert!(thing.ends_with('…') && value_ok("thing1", thing));
        let t = Message { kind: Kind::Template, link: "https://h.example.cn/p", ..m }.body();
        assert_eq!(t["url"], "https://h.example.cn/p");
        assert_eq!(t["data"]["thing1"]["value"].as_str().unwrap().chars().count(), 30, "template messages are not cut");
        assert!(t.get("page").is_none());
    }

    #[test]
    fn answers() {
        assert_eq!(token_answer(&json!({"access_token": "T", "expires_in": 7200})), Ok(("T".into(), 7200)));
        let e = token_answer(&json!({"errcode": 40125, "errmsg": "invalid appsecret"})).unwrap_err();
        assert_eq!(e.code, INVALID_SECRET);
        assert!(e.to_string().contains("AppSecret 无效"));
        assert_eq!(send_answer(&json!({"errcode": 0, "errmsg": "ok", "msgid": 200228332})), Ok("200228332".into()));
        assert_eq!(send_answer(&json!({"errcode": 0, "errmsg": "ok"})), Ok(String::new()));
        let e = send_answer(&json!({"errcode": 42001, "errmsg": "access_token expired"})).unwrap_err();
        assert!(e.token_refused() && e.transient());
        let e = send_answer(&json!({"errcode": 43101, "errmsg": "user refuse to accept the msg"})).unwrap_err();
        assert!(!e.transient());
        assert!(send_answer(&json!({"unexpected": true})).is_err());
    }

    #[test]
    fn field_rules() {
        assert_eq!(field_kind("character_string12"), "character_string");
        assert!(value_ok("number3", "12.5") && !value_ok("number3", "12a"));
        assert!(value_ok("phrase1", "已预约") && !value_ok("phrase1", "待预约了吗啊"));
        assert!(!value_ok("thing1", ""));
        assert_eq!(fit("phrase1", "一二三四五六"), "一二三四五");
        assert_eq!(fit("character_string4", ""), "-");
        assert_eq!(fit("keyword1", &"长".repeat(50)).chars().count(), 50, "no rule, no cut");
    }
}
