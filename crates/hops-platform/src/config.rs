//! Configuration: defaults, then a TOML file, then `HOPS_*` environment variables, then
//! command-line flags. Secrets may come from `HOPS_*_FILE` files and are never printed.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A secret value: `Debug` and `Display` never show it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"[redacted]\"")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Directory of the embedded database, the key file and uploads.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; `None` means embedded SQLite in `data_dir`.
    pub database_url: Option<Secret>,
    pub listen: SocketAddr,
    /// The field-encryption master key; created on first start. Never stored in the database.
    pub key_file: PathBuf,
    /// Idle time after which a session ends.
    pub session_idle_minutes: i64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Background job workers in this process (0 disables them).
    pub job_workers: usize,
    /// Whether this process enqueues the modules' recurring work when it falls due
    /// (`HOPS_SCHEDULER`, default on; several servers may all run it: a due time is enqueued
    /// once whoever gets there first). Test apps turn it off and enqueue due work themselves.
    pub scheduler: bool,
    /// `tracing` filter, e.g. `info` or `hops=debug,info`.
    pub log: String,
    /// Serve the local SMS and WeChat Pay sandboxes for services without a real account
    /// (`HOPS_SANDBOX=1`; always on in `hops demo`). Off by default: without it and without an
    /// account, text messages and online payment are off.
    pub sandbox: bool,
    /// This server's public address (`HOPS_PUBLIC_URL`, e.g. `https://hops.hospital.cn`): the
    /// base of callbacks and return pages; cookies are `Secure` and HSTS is sent when it is https.
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`HOPS_TRUSTED_PROXIES`, addresses or
    /// networks, comma-separated). Empty: the peer's address is the caller's, whatever it sends.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The bearer token `/metrics` asks for (`HOPS_METRICS_TOKEN` or `HOPS_METRICS_TOKEN_FILE`);
    /// without one, `/metrics` answers only callers on this machine.
    pub metrics_token: Option<Secret>,
    /// The accounts notifications go out on: SMS, WeChat, e-mail (environment only; see
    /// [`crate::notify::config`]).
    pub notify: crate::notify::config::NotifyConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<Secret>,
    listen: Option<String>,
    key_file: Option<PathBuf>,
    session_idle_minutes: Option<i64>,
    max_body_bytes: Option<usize>,
    job_workers: Option<usize>,
    scheduler: Option<bool>,
    log: Option<String>,
    sandbox: Option<bool>,
    public_url: Option<String>,
    trusted_proxies: Option<Vec<String>>,
}

pub const EXAMPLE: &str = r#"# hops configuration (TOML). Every key may also be set as an environment variable
# HOPS_<KEY> (e.g. HOPS_LISTEN), and secrets as HOPS_<KEY>_FILE pointing to a file.

# Where the embedded database, the encryption key file and uploads live.
data_dir = "./hops-data"

# PostgreSQL instead of embedded SQLite (recommended for vendors running many hospitals):
# database_url = "postgres://hops@127.0.0.1:5432/hops"

listen = "127.0.0.1:8080"

# Master key for field encryption (ID-card and mobile numbers). Created on first start.
# Back it up separately from the database: without it encrypted fields cannot be read.
# key_file = "./hops-data/hops.key"

session_idle_minutes = 30
max_body_bytes = 10485760
job_workers = 2
# Enqueue recurring work (daily follow-up generation, …) when it falls due.
scheduler = true
log = "info"

# This server's public address: callbacks and return pages are built on it, and when it is
# https cookies are marked Secure and HSTS is sent. Also HOPS_PUBLIC_URL.
# public_url = "https://hops.hospital.cn"

# Reverse proxies in front of hops (nginx, a load balancer) whose X-Forwarded-For header is
# believed for rate limits and the payer's address. Without it the peer's address counts and the
# header is ignored. Also HOPS_TRUSTED_PROXIES="127.0.0.1,10.0.0.0/8".
# trusted_proxies = ["127.0.0.1"]

# /metrics (Prometheus) answers only callers on this machine, unless a bearer token is set in
# the environment: HOPS_METRICS_TOKEN (or HOPS_METRICS_TOKEN_FILE naming a file that holds it).

# Local sandboxes of the SMS and WeChat Pay services (published keys, no real messages or
# money) for services that have no real account configured. For trials only; `hops demo`
# always runs with them. Off by default: without an account the feature is off. HOPS_SANDBOX=1.
# sandbox = false

# Notifications (消息通知: reminders, escalations, reports; see docs/notify.md) go out by SMS,
# WeChat, e-mail and the console's in-app inbox. Their accounts are set in the environment only;
# secrets may come from HOPS_*_FILE files. Texts, quiet hours and opt-outs are set per hospital
# in the console (系统管理 → 消息通知).
#
# E-mail (reports to subscribers, escalations to team leads):
#   HOPS_SMTP_URL   smtps://user:pass@smtp.example.com:465 (TLS),
#                   smtp://user:pass@smtp.example.com:587?tls=required (STARTTLS),
#                   or smtp://host:25 for a relay on this machine; or HOPS_SMTP_URL_FILE naming
#                   a file that holds the URL (it carries the password).
#   HOPS_SMTP_FROM  the sender, e.g. "运营平台 <reports@hospital.cn>".
# Without HOPS_SMTP_URL e-mail is off: reports are still published, their delivery jobs fail
# saying so and are retried with back-off (see the jobs page); other e-mails are recorded failed.
#
# WeChat messages: a mini program's subscribe messages (订阅消息, the default) or an official
# account's template messages (模板消息). Without HOPS_WECHAT_APPID WeChat messages are off,
# unless the sandbox is on (/sandbox/wechat/outbox?openid=… shows them). With it:
#   HOPS_WECHAT_APPID                     the AppID
#   HOPS_WECHAT_APPSECRET_FILE            file with the AppSecret (or HOPS_WECHAT_APPSECRET)
#   HOPS_WECHAT_MESSAGE                   optional: subscribe (mini program) or template (official account)
#   HOPS_WECHAT_TOKEN                     optional: stable (cgi-bin/stable_token, default) or basic (cgi-bin/token)
#   HOPS_WECHAT_TEMPLATE_GROUP_REMINDER   template id of group-checkup reminders (a hospital may set its own)
#   HOPS_WECHAT_API_BASE                  optional, defaults to https://api.weixin.qq.com
#   HOPS_WECHAT_LOGIN                     optional: 1 lets patients sign in on the H5 pages by the
#                                         official account's web authorisation (网页授权, snsapi_base);
#                                         the app's 网页授权域名 must be public_url's host
#   HOPS_WECHAT_OAUTH_BASE                optional, defaults to https://open.weixin.qq.com

# Checkup payments through WeChat Pay API v3 are also set in the environment only. Without
# HOPS_WECHATPAY_MCHID online payment is off (patients pay at the centre), unless the sandbox is
# on (sandbox = true): then the server pays through its own simulator (/sandbox/wechatpay; no real
# money, published keys). With it, all of these are required:
#   HOPS_WECHATPAY_MCHID               merchant id (商户号)
#   HOPS_WECHATPAY_APPID               the app id the merchant is bound to
#   HOPS_WECHATPAY_SERIAL              serial number of the merchant API certificate
#   HOPS_WECHATPAY_KEY_FILE            file with the merchant private key (apiclient_key.pem)
#   HOPS_WECHATPAY_PLATFORM_KEY_FILE   file with the WeChat Pay public key (微信支付公钥)
#   HOPS_WECHATPAY_PLATFORM_SERIAL     its id (PUB_KEY_ID_…)
#   HOPS_WECHATPAY_API_V3_KEY_FILE     file with the 32-character APIv3 key
#   HOPS_PUBLIC_URL                    this server's public https address (callbacks, return pages)
#   HOPS_WECHATPAY_API_BASE            optional, defaults to https://api.mch.weixin.qq.com

# Text messages (verification codes, reminders, escalations) through Alibaba Cloud SMS or
# Tencent Cloud SMS, environment only. Without the provider's key id text messages are off (no
# verification codes, no reminders), unless the sandbox is on: then they go to the local sandbox
# of the chosen provider's protocol (/sandbox/sms/outbox?phone=… shows them; nothing is sent).
#   HOPS_SMS_PROVIDER                 optional: aliyun (default) or tencent
# Alibaba Cloud (signature 1.0, HMAC-SHA1):
#   HOPS_SMS_ACCESS_KEY_ID            AccessKey ID of a RAM user allowed to send SMS
#   HOPS_SMS_ACCESS_KEY_SECRET_FILE   file with its AccessKey secret
# Tencent Cloud (API 3.0, TC3-HMAC-SHA256):
#   HOPS_SMS_SECRET_ID                SecretId of a CAM user allowed to send SMS
#   HOPS_SMS_SECRET_KEY_FILE          file with its SecretKey
#   HOPS_SMS_SDK_APP_ID               the SMS application (SmsSdkAppId, 1400…)
#   HOPS_SMS_REGION                   optional, defaults to ap-guangzhou
# Both:
#   HOPS_SMS_SIGN_NAME                the approved signature (短信签名)
#   HOPS_SMS_TEMPLATE_VERIFY          template of the verification code (variable ${code})
#   HOPS_SMS_TEMPLATE_GROUP_REMINDER  optional: template of group-checkup reminders (${name} ${employer} ${window} ${card})
#   HOPS_SMS_TEMPLATE_SLA_ESCALATION  optional: template of ticket escalations to team leads (${ticket} ${clock} ${due})
#   HOPS_SMS_ENDPOINT                 optional, defaults to the provider's address
# Tencent's templates number their variables ({1}, {2} …): they are filled in the order the
# variables first appear in the hospital's SMS text (消息通知 → 模板).
"#;

/// Where configuration values come from, for error messages.
pub struct Sources<'a> {
    pub file: Option<&'a Path>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

impl Config {
    /// Loads the configuration: defaults, file, environment.
    pub fn load(sources: Sources<'_>) -> anyhow::Result<Config> {
        let env = sources.env;
        let file_path = sources.file.map(Path::to_path_buf).or_else(|| env("HOPS_CONFIG").map(PathBuf::from));
        let file: FileConfig = match &file_path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("无法读取配置文件 {}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| anyhow::anyhow!("配置文件 {} 有误: {e}", p.display()))?
            }
            None => FileConfig::default(),
        };
        let data_dir = env("HOPS_DATA").map(PathBuf::from).or(file.data_dir).unwrap_or_else(|| PathBuf::from("./hops-data"));
        let database_url = secret(env, "HOPS_DATABASE_URL")?.or(file.database_url);
        let listen_text = env("HOPS_LISTEN").or(file.listen).unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen =
            listen_text.parse().map_err(|_| anyhow::anyhow!("监听地址无效: {listen_text}（应为 IP:端口，例如 127.0.0.1:8080）"))?;
        let key_file = env("HOPS_KEY_FILE").map(PathBuf::from).or(file.key_file).unwrap_or_else(|| data_dir.join("hops.key"));
        let session_idle_minutes = number(env, "HOPS_SESSION_IDLE_MINUTES")?.or(file.session_idle_minutes).unwrap_or(30);
        let max_body_bytes = number(env, "HOPS_MAX_BODY_BYTES")?.or(file.max_body_bytes).unwrap_or(10 * 1024 * 1024);
        let job_workers = number(env, "HOPS_JOB_WORKERS")?.or(file.job_workers).unwrap_or(2);
        let scheduler = match env("HOPS_SCHEDULER").as_deref().map(str::trim) {
            Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(v) => anyhow::bail!("HOPS_SCHEDULER 应为 1 或 0，实际为 {v:?}"),
            None => file.scheduler.unwrap_or(true),
        };
        let log = env("HOPS_LOG").or(file.log).unwrap_or_else(|| "info".into());
        let sandbox = match env("HOPS_SANDBOX").as_deref().map(str::trim) {
            Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(v) => anyhow::bail!("HOPS_SANDBOX 应为 1 或 0，实际为 {v:?}"),
            None => file.sandbox.unwrap_or(false),
        };
        let public_url = env("HOPS_PUBLIC_URL").or(file.public_url).map(|u| u.trim().trim_end_matches('/').to_string());
        let proxies: Vec<String> = match env("HOPS_TRUSTED_PROXIES") {
            Some(v) => v.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect(),
            None => file.trusted_proxies.unwrap_or_default(),
        };
        let trusted_proxies = proxies
            .iter()
            .map(|p| {
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| anyhow::anyhow!("trusted_proxies 中的 {p:?} 不是有效的 IP 地址或网段（如 10.0.0.0/8）"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let metrics_token = secret(env, "HOPS_METRICS_TOKEN")?.filter(|t| !t.expose().is_empty());
        let notify = crate::notify::config::NotifyConfig::from_env(env)?;
        let config = Config {
            data_dir,
            database_url,
            listen,
            key_file,
            session_idle_minutes,
            max_body_bytes,
            job_workers,
            scheduler,
            log,
            sandbox,
            public_url,
            trusted_proxies,
            metrics_token,
            notify,
        };
        config.validate()?;
        Ok(config)
    }

    /// Loads from the process environment.
    pub fn from_env(file: Option<&Path>) -> anyhow::Result<Config> {
        Config::load(Sources { file, env: &|k| std::env::var(k).ok().filter(|v| !v.is_empty()) })
    }

    /// Whether the public address is https (cookies `Secure`, HSTS).
    pub fn https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if let Some(url) = &self.database_url {
            let u = url.expose();
            if !(u.starts_with("postgres://") || u.starts_with("postgresql://") || u.starts_with("sqlite:")) {
                anyhow::bail!("database_url 应以 postgres:// 或 sqlite: 开头");
            }
        }
        if !(5..=24 * 60).contains(&self.session_idle_minutes) {
            anyhow::bail!("session_idle_minutes 应在 5 到 1440 之间");
        }
        if self.max_body_bytes < 1024 {
            anyhow::bail!("max_body_bytes 过小（至少 1024）");
        }
        if let Some(u) = &self.public_url {
            let ok = (u.starts_with("https://") || u.starts_with("http://")) && !u.contains(['?', '#', ' ']);
            if !ok {
                anyhow::bail!("public_url 应为 https://域名 形式的地址（不含路径参数），实际为 {u:?}");
            }
        }
        Ok(())
    }

    /// A human-readable summary with secrets redacted.
    pub fn describe(&self) -> String {
        let db = match &self.database_url {
            Some(url) => redact_url(url.expose()),
            None => format!("SQLite（{}）", self.data_dir.join("hops.db").display()),
        };
        format!(
            "数据目录: {}\n数据库: {db}\n监听地址: {}\n密钥文件: {}\n会话空闲超时: {} 分钟\n请求体上限: {} 字节\n后台任务线程: {}\n定时任务: {}\n日志: {}\n公网地址: {}\n可信代理: {}\n沙箱: {}\n{}",
            self.data_dir.display(),
            self.listen,
            self.key_file.display(),
            self.session_idle_minutes,
            self.max_body_bytes,
            self.job_workers,
            if self.scheduler { "开启" } else { "关闭" },
            self.log,
            self.public_url.as_deref().unwrap_or("未设置"),
            if self.trusted_proxies.is_empty() {
                "无（不采信 X-Forwarded-For）".to_string()
            } else {
                self.trusted_proxies.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            },
            if self.sandbox { "开启（短信、微信消息、微信支付为本地模拟，仅供试用）" } else { "关闭" },
            self.notify.describe(self.sandbox)
        )
    }
}

pub(crate) fn secret(env: &dyn Fn(&str) -> Option<String>, key: &str) -> anyhow::Result<Option<Secret>> {
    if let Some(v) = env(key) {
        return Ok(Some(Secret(v)));
    }
    match env(&format!("{key}_FILE")) {
        Some(path) => {
            let v = std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("无法读取 {key}_FILE（{path}）: {e}"))?;
            Ok(Some(Secret(v.trim().to_string())))
        }
        None => Ok(None),
    }
}

fn number<T: std::str::FromStr>(env: &dyn Fn(&str) -> Option<String>, key: &str) -> anyhow::Result<Option<T>> {
    match env(key) {
        Some(v) => v.parse().map(Some).map_err(|_| anyhow::anyhow!("{key} 应为数字，实际为 {v:?}")),
        None => Ok(None),
    }
}

/// `postgres://user:pass@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return "[redacted]".into() };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::load(Sources { file: None, env: &|k| map.get(k).cloned() })
    }

    #[test]
    fn defaults() {
        let c = load(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.session_idle_minutes, 30);
        assert!(c.database_url.is_none());
        assert_eq!(c.key_file, PathBuf::from("./hops-data/hops.key"));
    }

    #[test]
    fn secrets_never_printed() {
        let c = load(&[("HOPS_DATABASE_URL", "postgres://hops:s3cret@db/hops")]).unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(!c.describe().contains("s3cret"));
        assert!(c.describe().contains("postgres://hops:***@db/hops"));
    }

    #[test]
    fn secret_from_file() {
        let dir = std::env::temp_dir().join(format!("hops-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("url");
        std::fs::write(&f, "postgres://a:b@c/d\n").unwrap();
        let c = load(&[("HOPS_DATABASE_URL_FILE", f.to_str().unwrap())]).unwrap();
        assert_eq!(c.database_url.unwrap().expose(), "postgres://a:b@c/d");
    }

    #[test]
    fn bad_values_are_explained() {
        assert!(load(&[("HOPS_LISTEN", "nowhere")]).unwrap_err().to_string().contains("监听地址无效"));
        assert!(load(&[("HOPS_SESSION_IDLE_MINUTES", "x")]).unwrap_err().to_string().contains("应为数字"));
        assert!(load(&[("HOPS_DATABASE_URL", "mysql://x")]).is_err());
        assert!(load(&[("HOPS_SESSION_IDLE_MINUTES", "1")]).is_err());
    }

    #[test]
    fn example_parses() {
        let f: FileConfig = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(f.job_workers, Some(2));
    }
}
