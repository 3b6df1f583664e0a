//! WeChat web authorisation for official accounts (网页授权, OAuth 2.0, `snsapi_base`): the
//! protocol as pure functions, and the one HTTP call (`sns/oauth2/access_token`) behind the
//! configured addresses. The patient is sent to
//! `{oauth}/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code&scope=snsapi_base&state=…#wechat_redirect`;
//! WeChat sends them back to `redirect_uri?code=…&state=…`; the code is exchanged once for the
//! user's `openid` at `{api}/sns/oauth2/access_token`. Errors come as `{"errcode", "errmsg"}`.
//! The addresses are the app's (`HOPS_WECHAT_OAUTH_BASE`, `HOPS_WECHAT_API_BASE`), or this
//! server's simulator at `/sandbox/wechat` where the sandbox is on
//! ([`crate::notify::web::sandbox`]).

use serde_json::Value;

use crate::core::Core;
use crate::notify::config::WechatAccount;
use crate::notify::gateway::{self, Failure, WECHAT_SANDBOX_PATH};
pub use crate::notify::wechat::WechatError;

pub const AUTHORIZE_PATH: &str = "/connect/oauth2/authorize";
pub const ACCESS_TOKEN_PATH: &str = "/sns/oauth2/access_token";
pub const SCOPE: &str = "snsapi_base";
/// `code` is invalid (unknown, expired, or of another app).
pub const INVALID_CODE: i64 = 40029;
/// `code` has been used already.
pub const CODE_USED: i64 = 40163;

/// The app patients sign in with: the configured WeChat app when web authorisation is on
/// (`HOPS_WECHAT_LOGIN`), else the sandbox's where the operator opted in.
pub fn login_account(core: &Core) -> Option<&WechatAccount> {
    gateway::wechat_account(core).filter(|a| a.login)
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Where the patient's browser is sent to authorise.
pub fn authorize_url(oauth_base: &str, appid: &str, redirect_uri: &str, state: &str) -> String {
    format!(
        "{oauth_base}{AUTHORIZE_PATH}?appid={}&redirect_uri={}&response_type=code&scope={SCOPE}&state={}#wechat_redirect",
        encode(appid),
        encode(redirect_uri),
        encode(state)
    )
}

/// The query of `GET sns/oauth2/access_token`.
pub fn token_query<'a>(appid: &'a str, secret: &'a str, code: &'a str) -> [(&'static str, &'a str); 4] {
    [("appid", appid), ("secret", secret), ("code", code), ("grant_type", "authorization_code")]
}

/// The openid of a token answer, or WeChat's error.
pub fn openid_of(v: &Value) -> Result<String, WechatError> {
    match v["openid"].as_str() {
        Some(o) if !o.is_empty() && v["errcode"].as_i64().unwrap_or(0) == 0 => Ok(o.to_string()),
        _ => Err(WechatError::of(v)),
    }
}

/// The address browsers are sent to for the app: the configured one, or this server's simulator.
pub fn oauth_base(core: &Core, a: &WechatAccount) -> String {
    a.oauth_base.clone().unwrap_or_else(|| format!("{}{WECHAT_SANDBOX_PATH}", core.public_url()))
}

/// Exchanges an authorisation code for the user's openid.
pub async fn exchange(core: &Core, a: &WechatAccount, code: &str) -> Result<Result<String, WechatError>, Failure> {
    let base = match &a.api_base {
        Some(b) => b.clone(),
        None => gateway::local(core, WECHAT_SANDBOX_PATH)?,
    };
    let r = gateway::http()
        .get(format!("{base}{ACCESS_TOKEN_PATH}"))
        .query(&token_query(&a.appid, a.secret.expose(), code))
        .send()
        .await
        .map_err(gateway::network)?;
    Ok(openid_of(&gateway::answer(r).await?))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_authorize_address_is_wechats() {
        let u = authorize_url("https://open.weixin.qq.com", "wx520c15f417810387", "https://h.example/p/tj/login/wechat/back", "a&b");
        assert_eq!(
            u,
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx520c15f417810387\
             &redirect_uri=https%3A%2F%2Fh.example%2Fp%2Ftj%2Flogin%2Fwechat%2Fback&response_type=code&scope=snsapi_base&state=a%26b#wechat_redirect"
        );
    }

    #[test]
    fn token_answers() {
        let ok =
            json!({"access_token": "ACCESS_TOKEN", "expires_in": 7200, "refresh_token": "R", "openid": "OPENID", "scope": "snsapi_base"});
        assert_eq!(openid_of(&ok).unwrap(), "OPENID");
        let used = json!({"errcode": 40163, "errmsg": "code been used"});
        assert_eq!(openid_of(&used).unwrap_err().code, CODE_USED);
        assert_eq!(openid_of(&json!({})).unwrap_err().code, -2);
    }
}
