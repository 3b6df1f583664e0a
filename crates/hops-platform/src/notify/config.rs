//! The accounts notifications go out on, read with the rest of the configuration from the
//! environment (`HOPS_SMS_*`, `HOPS_WECHAT_*`, `HOPS_SMTP_*`; secrets also from `*_FILE`). A
//! configuration that cannot be read stops the server at start-up with its reason. Without an
//! account a channel is off, unless the sandbox is on (`config.sandbox`): then it goes to this
//! server's simulator of the provider ([`crate::notify::sandbox`]).

use std::collections::BTreeMap;
use std::fmt;

use super::email::SmtpSettings;
use super::wechat::Kind;
use crate::config::{Secret, secret};

/// The provider-template keys a deployment may configure (`HOPS_SMS_TEMPLATE_{KEY}`,
/// `HOPS_WECHAT_TEMPLATE_{KEY}`): one per topic that goes by SMS or WeChat. A topic whose key
/// is missing here cannot be given a server-wide template (the `hops` crate's tests check every
/// module's topics against this list).
pub const TEMPLATE_KEYS: &[&str] = &["VERIFY", "GROUP_REMINDER", "SLA_ESCALATION"];

/// Which SMS service.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SmsProvider {
    /// Alibaba Cloud SMS (`SendSms`, signature 1.0).
    #[default]
    Aliyun,
    /// Tencent Cloud SMS (API 3.0, TC3-HMAC-SHA256).
    Tencent,
}

impl SmsProvider {
    pub fn code(self) -> &'static str {
        match self {
            SmsProvider::Aliyun => "aliyun",
            SmsProvider::Tencent => "tencent",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            SmsProvider::Aliyun => "阿里云短信",
            SmsProvider::Tencent => "腾讯云短信",
        }
    }

    pub fn parse(s: &str) -> Option<SmsProvider> {
        match s.trim() {
            "aliyun" => Some(SmsProvider::Aliyun),
            "tencent" => Some(SmsProvider::Tencent),
            _ => None,
        }
    }
}

pub const ALIYUN_SANDBOX_KEY_ID: &str = "LTAI-hops-sandbox";
pub const ALIYUN_SANDBOX_SECRET: &str = "hops-sms-sandbox-secret";
pub const TENCENT_SANDBOX_SECRET_ID: &str = "AKID-hops-sandbox";
pub const TENCENT_SANDBOX_SECRET_KEY: &str = "hops-tencent-sms-sandbox-key";
pub const TENCENT_SANDBOX_APP_ID: &str = "1400000000";
pub const WECHAT_SANDBOX_APPID: &str = "wxh0p5sandb0x0001";
pub const WECHAT_SANDBOX_SECRET: &str = "hops-wechat-sandbox-app-secret";
pub const SANDBOX_SIGN_NAME: &str = "hops演示";

/// The provider template of a topic in the sandboxes: what they know to render.
pub fn sandbox_template(provider: &str, key: &str) -> String {
    match provider {
        "aliyun" => format!("SMS_SANDBOX_{key}"),
        "tencent" => format!("SANDBOX_{key}"),
        _ => format!("sandbox-{}", key.to_lowercase()),
    }
}

/// An SMS account.
#[derive(Clone)]
pub struct SmsAccount {
    pub provider: SmsProvider,
    /// AccessKey ID (Alibaba) or SecretId (Tencent).
    pub key_id: String,
    pub secret: Secret,
    pub sign_name: String,
    /// Tencent: the SMS application (`SmsSdkAppId`) and the region.
    pub sdk_app_id: String,
    pub region: String,
    /// Provider template codes by topic key ([`TEMPLATE_KEYS`]).
    pub templates: BTreeMap<String, String>,
    /// The service's address; `None` for the sandbox on this server.
    pub endpoint: Option<String>,
}

impl fmt::Debug for SmsAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsAccount")
            .field("provider", &self.provider)
            .field("key_id", &self.key_id)
            .field("sandbox", &self.endpoint.is_none())
            .finish_non_exhaustive()
    }
}

impl SmsAccount {
    /// The published sandbox account of `provider` (no real messages).
    pub fn sandbox(provider: SmsProvider) -> SmsAccount {
        let (key_id, secret) = match provider {
            SmsProvider::Aliyun => (ALIYUN_SANDBOX_KEY_ID, ALIYUN_SANDBOX_SECRET),
            SmsProvider::Tencent => (TENCENT_SANDBOX_SECRET_ID, TENCENT_SANDBOX_SECRET_KEY),
        };
        SmsAccount {
            provider,
            key_id: key_id.into(),
            secret: Secret::new(secret),
            sign_name: SANDBOX_SIGN_NAME.into(),
            sdk_app_id: TENCENT_SANDBOX_APP_ID.into(),
            region: "ap-guangzhou".into(),
            templates: TEMPLATE_KEYS.iter().map(|k| (k.to_string(), sandbox_template(provider.code(), k))).collect(),
            endpoint: None,
        }
    }

    pub fn is_sandbox(&self) -> bool {
        self.endpoint.is_none()
    }

    /// `HOPS_SMS_PROVIDER` (aliyun, the default, or tencent) and its settings; `None` without
    /// the provider's key id.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Option<SmsAccount>> {
        let provider = provider(env)?;
        let (id_var, secret_var, default_endpoint) = match provider {
            SmsProvider::Aliyun => ("HOPS_SMS_ACCESS_KEY_ID", "HOPS_SMS_ACCESS_KEY_SECRET", "https://dysmsapi.aliyuncs.com/"),
            SmsProvider::Tencent => ("HOPS_SMS_SECRET_ID", "HOPS_SMS_SECRET_KEY", "https://sms.tencentcloudapi.com/"),
        };
        let Some(key_id) = env(id_var) else { return Ok(None) };
        let need = |k: &str| env(k).ok_or_else(|| anyhow::anyhow!("设置了 {id_var} 时必须同时设置 {k}"));
        let secret = secret(env, secret_var)?.ok_or_else(|| anyhow::anyhow!("设置了 {id_var} 时必须同时设置 {secret_var}_FILE"))?;
        let mut templates = BTreeMap::new();
        for key in TEMPLATE_KEYS {
            if let Some(code) = env(&format!("HOPS_SMS_TEMPLATE_{key}")) {
                templates.insert(key.to_string(), code.trim().to_string());
            }
        }
        if !templates.contains_key("VERIFY") {
            anyhow::bail!("设置了 {id_var} 时必须同时设置 HOPS_SMS_TEMPLATE_VERIFY（验证码短信模板）");
        }
        let (sdk_app_id, region) = match provider {
            SmsProvider::Aliyun => (String::new(), "cn-hangzhou".to_string()),
            SmsProvider::Tencent => (need("HOPS_SMS_SDK_APP_ID")?, env("HOPS_SMS_REGION").unwrap_or_else(|| "ap-guangzhou".into())),
        };
        Ok(Some(SmsAccount {
            provider,
            key_id: key_id.trim().to_string(),
            secret,
            sign_name: need("HOPS_SMS_SIGN_NAME")?,
            sdk_app_id,
            region,
            templates,
            endpoint: Some(env("HOPS_SMS_ENDPOINT").unwrap_or_else(|| default_endpoint.into())),
        }))
    }
}

fn provider(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<SmsProvider> {
    match env("HOPS_SMS_PROVIDER") {
        None => Ok(SmsProvider::Aliyun),
        Some(p) => SmsProvider::parse(&p).ok_or_else(|| anyhow::anyhow!("HOPS_SMS_PROVIDER 应为 aliyun 或 tencent，实际为 {p:?}")),
    }
}

/// How the access token is fetched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenMode {
    /// `cgi-bin/stable_token`: one token shared by every server of the app (recommended).
    #[default]
    Stable,
    /// `cgi-bin/token`: each fetch invalidates the previous token after five minutes.
    Basic,
}

/// A WeChat app: a mini program (subscribe messages) or an official account (template messages).
#[derive(Clone)]
pub struct WechatAccount {
    pub appid: String,
    pub secret: Secret,
    pub kind: Kind,
    pub token: TokenMode,
    /// Template ids by topic key ([`TEMPLATE_KEYS`]).
    pub templates: BTreeMap<String, String>,
    /// `https://api.weixin.qq.com`; `None` for the sandbox on this server.
    pub api_base: Option<String>,
    /// Patients may sign in by the official account's web authorisation (网页授权,
    /// `HOPS_WECHAT_LOGIN=1`; always in the sandbox): see [`crate::patient`].
    pub login: bool,
    /// `https://open.weixin.qq.com` (`HOPS_WECHAT_OAUTH_BASE`); `None` for the sandbox.
    pub oauth_base: Option<String>,
}

impl fmt::Debug for WechatAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatAccount")
            .field("appid", &self.appid)
            .field("kind", &self.kind)
            .field("sandbox", &self.api_base.is_none())
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

impl WechatAccount {
    pub fn sandbox(kind: Kind) -> WechatAccount {
        WechatAccount {
            appid: WECHAT_SANDBOX_APPID.into(),
            secret: Secret::new(WECHAT_SANDBOX_SECRET),
            kind,
            token: TokenMode::Stable,
            templates: TEMPLATE_KEYS.iter().map(|k| (k.to_string(), sandbox_template("wechat", k))).collect(),
            api_base: None,
            login: true,
            oauth_base: None,
        }
    }

    pub fn is_sandbox(&self) -> bool {
        self.api_base.is_none()
    }

    /// `HOPS_WECHAT_APPID` and its settings; `None` without it.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Option<WechatAccount>> {
        let kind = kind(env)?;
        let Some(appid) = env("HOPS_WECHAT_APPID") else { return Ok(None) };
        let secret = secret(env, "HOPS_WECHAT_APPSECRET")?
            .ok_or_else(|| anyhow::anyhow!("设置了 HOPS_WECHAT_APPID 时必须同时设置 HOPS_WECHAT_APPSECRET_FILE"))?;
        let token = match env("HOPS_WECHAT_TOKEN").as_deref().map(str::trim) {
            None | Some("stable") => TokenMode::Stable,
            Some("basic") => TokenMode::Basic,
            Some(v) => anyhow::bail!("HOPS_WECHAT_TOKEN 应为 stable 或 basic，实际为 {v:?}"),
        };
        let templates = TEMPLATE_KEYS
            .iter()
            .filter_map(|k| env(&format!("HOPS_WECHAT_TEMPLATE_{k}")).map(|t| (k.to_string(), t.trim().to_string())))
            .collect();
        Ok(Some(WechatAccount {
            appid: appid.trim().to_string(),
            secret,
            kind,
            token,
            templates,
            api_base: Some(
                env("HOPS_WECHAT_API_BASE").unwrap_or_else(|| "https://api.weixin.qq.com".into()).trim_end_matches('/').to_string(),
            ),
            login: match env("HOPS_WECHAT_LOGIN").as_deref().map(str::trim) {
                None | Some("" | "0" | "false") => false,
                Some("1" | "true") => true,
                Some(v) => anyhow::bail!("HOPS_WECHAT_LOGIN 应为 1 或 0，实际为 {v:?}"),
            },
            oauth_base: Some(
                env("HOPS_WECHAT_OAUTH_BASE").unwrap_or_else(|| "https://open.weixin.qq.com".into()).trim_end_matches('/').to_string(),
            ),
        }))
    }
}

fn kind(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Kind> {
    match env("HOPS_WECHAT_MESSAGE") {
        None => Ok(Kind::Subscribe),
        Some(v) => Kind::parse(&v).ok_or_else(|| anyhow::anyhow!("HOPS_WECHAT_MESSAGE 应为 subscribe 或 template，实际为 {v:?}")),
    }
}

/// The notification accounts of this server.
#[derive(Clone, Debug, Default)]
pub struct NotifyConfig {
    /// The SMS account (`HOPS_SMS_*`).
    pub sms: Option<SmsAccount>,
    /// The provider the SMS sandbox plays when there is no account (`HOPS_SMS_PROVIDER`).
    pub sms_provider: SmsProvider,
    /// The WeChat app (`HOPS_WECHAT_*`).
    pub wechat: Option<WechatAccount>,
    /// The message kind the WeChat sandbox takes when there is no app (`HOPS_WECHAT_MESSAGE`).
    pub wechat_kind: Kind,
    /// The mail server (`HOPS_SMTP_URL`, `HOPS_SMTP_FROM`). E-mail has no sandbox: without it,
    /// e-mails fail saying so.
    pub smtp: Option<SmtpSettings>,
}

impl NotifyConfig {
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<NotifyConfig> {
        Ok(NotifyConfig {
            sms: SmsAccount::from_env(env)?,
            sms_provider: provider(env)?,
            wechat: WechatAccount::from_env(env)?,
            wechat_kind: kind(env)?,
            smtp: SmtpSettings::from_env(env)?,
        })
    }

    /// One line per channel for `hops config check` (no secret).
    pub fn describe(&self, sandbox: bool) -> String {
        let sms = match &self.sms {
            Some(a) => format!("{}（{}）", a.provider.label_zh(), a.key_id),
            None if sandbox => format!("沙箱（{}协议）", self.sms_provider.label_zh()),
            None => "未配置（短信关闭）".into(),
        };
        let wechat = match &self.wechat {
            Some(a) => format!("{}（{}）", if a.kind == Kind::Subscribe { "小程序订阅消息" } else { "公众号模板消息" }, a.appid),
            None if sandbox => "沙箱".into(),
            None => "未配置（微信消息关闭）".into(),
        };
        let email = match &self.smtp {
            Some(s) => format!("{}（{}）", crate::config::redact_url(&s.url), s.from),
            None => "未配置（邮件关闭）".into(),
        };
        format!("短信: {sms}\n微信消息: {wechat}\n邮件: {email}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn nothing_configured_is_every_channel_off() {
        let c = NotifyConfig::from_env(&env(&[])).unwrap();
        assert!(c.sms.is_none() && c.wechat.is_none() && c.smtp.is_none());
        assert_eq!((c.sms_provider, c.wechat_kind), (SmsProvider::Aliyun, Kind::Subscribe));
        assert!(c.describe(false).contains("短信关闭"));
    }

    #[test]
    fn tencent_account_needs_its_settings() {
        let base = [("HOPS_SMS_PROVIDER", "tencent"), ("HOPS_SMS_SECRET_ID", "AKIDx"), ("HOPS_SMS_SECRET_KEY", "s3cr3t-value")];
        let e = NotifyConfig::from_env(&env(&base)).unwrap_err().to_string();
        assert!(e.contains("HOPS_SMS_TEMPLATE_VERIFY"), "{e}");
        let mut full = base.to_vec();
        full.extend([("HOPS_SMS_TEMPLATE_VERIFY", "1001"), ("HOPS_SMS_SIGN_NAME", "示范医院"), ("HOPS_SMS_SDK_APP_ID", "1400006666")]);
        full.push(("HOPS_SMS_TEMPLATE_GROUP_REMINDER", "1002"));
        let c = NotifyConfig::from_env(&env(&full)).unwrap();
        let a = c.sms.unwrap();
        assert_eq!((a.provider, a.region.as_str(), a.templates["GROUP_REMINDER"].as_str()), (SmsProvider::Tencent, "ap-guangzhou", "1002"));
        assert_eq!(a.endpoint.as_deref(), Some("https://sms.tencentcloudapi.com/"));
        assert!(!format!("{a:?}").contains("s3cr3t-value"), "no secret in Debug");
        let e = NotifyConfig::from_env(&env(&[("HOPS_SMS_PROVIDER", "huawei")])).unwrap_err().to_string();
        assert!(e.contains("aliyun 或 tencent"));
    }

    #[test]
    fn wechat_and_smtp() {
        let e = NotifyConfig::from_env(&env(&[("HOPS_WECHAT_APPID", "wx1")])).unwrap_err().to_string();
        assert!(e.contains("HOPS_WECHAT_APPSECRET_FILE"), "{e}");
        let c = NotifyConfig::from_env(&env(&[
            ("HOPS_WECHAT_APPID", "wx1"),
            ("HOPS_WECHAT_APPSECRET", "s"),
            ("HOPS_WECHAT_MESSAGE", "template"),
            ("HOPS_WECHAT_TEMPLATE_GROUP_REMINDER", "T-1"),
            ("HOPS_SMTP_URL", "smtp://user:pw@127.0.0.1:2525"),
        ]))
        .unwrap();
        let w = c.wechat.as_ref().unwrap();
        assert_eq!((w.kind, w.token, w.templates["GROUP_REMINDER"].as_str()), (Kind::Template, TokenMode::Stable, "T-1"));
        assert!(c.describe(false).contains("smtp://user:***@127.0.0.1:2525"), "{}", c.describe(false));
        let e = NotifyConfig::from_env(&env(&[("HOPS_SMTP_URL", "ftp://x")])).unwrap_err().to_string();
        assert!(e.contains("HOPS_SMTP_URL"), "{e}");
    }
}
