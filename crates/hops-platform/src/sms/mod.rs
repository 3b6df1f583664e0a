//! Text messages (短信): the Alibaba Cloud SMS protocol ([`aliyun`]) behind one sender, a local
//! sandbox speaking the same protocol (`/sandbox/sms`, in `web::sms_sandbox`) for servers that
//! opted in (`HOPS_SANDBOX`, always in `hops demo`) and have no account, and verification codes
//! (验证码) with their limits. Without an account and without the opt-in, text messages are off:
//! asking for a code or queueing a message is refused with a clear message ([`unavailable`]).
//!
//! Messages go out through the job queue (`sms.send`): a message accepted is never lost, and the
//! job payload holds the phone number and the template values encrypted for that job only.
//! Nothing here logs a number or a code in clear.

pub mod aliyun;
mod store;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use hops_kernel::{JobId, Phone};
use serde_json::json;

use crate::core::Access;
use crate::crypto::Field;
use crate::error::{Error, Result};
use crate::jobs::{self, BoxFuture, Enqueue, JobHandler, JobRun};

/// How long a verification code is valid.
pub const CODE_TTL_SECONDS: i64 = 300;
/// How soon another code may be asked for the same phone and purpose.
pub const RESEND_SECONDS: i64 = 60;
/// Wrong tries before a code is void.
pub const MAX_ATTEMPTS: i32 = 5;
/// Codes per phone and purpose in 24 hours.
pub const MAX_PER_DAY: i64 = 10;
/// Codes asked for by one caller (address), whatever the phone: every code is
/// a paid message, and a script cycling through numbers must not send them on our account.
pub const CODE_RATE: crate::throttle::Rate =
    crate::throttle::Rate { name: "sms.code", per_hour: 10, burst: 5, hospital_per_hour: 1_200, message: "获取验证码太频繁" };

pub const SEND_JOB: &str = "sms.send";
/// The phone of a queued message, inside its job's payload (bound to the job).
pub(crate) const PHONE: Field = Field::new("jobs", "payload.phone", "sms.phone");
/// The template parameters of a queued message (they may name the person), likewise.
pub(crate) const PARAMS: Field = Field::new("jobs", "payload.params", "sms.params");
const CODE_CONTEXT: &str = "sms.code";

pub const SANDBOX_PATH: &str = "/sandbox/sms/";
pub const SANDBOX_KEY_ID: &str = "LTAI-hops-sandbox";
pub const SANDBOX_SECRET: &str = "hops-sms-sandbox-secret";

/// An SMS account: Alibaba Cloud (`HOPS_SMS_*`) or the local sandbox.
pub struct SmsConfig {
    pub access_key_id: String,
    secret: String,
    pub sign_name: String,
    /// Template codes by our template name (`verify` …).
    pub templates: BTreeMap<String, String>,
    /// `https://dysmsapi.aliyuncs.com/`; `None` for the sandbox on this server.
    pub endpoint: Option<String>,
}

impl fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsConfig").field("access_key_id", &self.access_key_id).field("sandbox", &self.endpoint.is_none()).finish()
    }
}

impl SmsConfig {
    pub fn sandbox() -> SmsConfig {
        SmsConfig {
            access_key_id: SANDBOX_KEY_ID.into(),
            secret: SANDBOX_SECRET.into(),
            sign_name: "hops演示".into(),
            templates: [("verify", "SMS_SANDBOX_VERIFY"), ("group_reminder", "SMS_SANDBOX_GROUP_REMINDER")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            endpoint: None,
        }
    }

    /// `HOPS_SMS_ACCESS_KEY_ID`, `HOPS_SMS_ACCESS_KEY_SECRET_FILE`, `HOPS_SMS_SIGN_NAME`,
    /// `HOPS_SMS_TEMPLATE_VERIFY` (and `HOPS_SMS_ENDPOINT`, `HOPS_SMS_TEMPLATE_GROUP_REMINDER`);
    /// `None` without the first.
    pub fn from_env() -> anyhow::Result<Option<SmsConfig>> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let Some(id) = var("HOPS_SMS_ACCESS_KEY_ID") else { return Ok(None) };
        let need = |k: &str| var(k).ok_or_else(|| anyhow::anyhow!("设置了 HOPS_SMS_ACCESS_KEY_ID 时必须同时设置 {k}"));
        let path = need("HOPS_SMS_ACCESS_KEY_SECRET_FILE")?;
        let secret =
            std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("读取 HOPS_SMS_ACCESS_KEY_SECRET_FILE（{path}）失败：{e}"))?;
        Ok(Some(SmsConfig {
            access_key_id: id,
            secret: secret.trim().to_string(),
            sign_name: need("HOPS_SMS_SIGN_NAME")?,
            templates: [("verify".to_string(), need("HOPS_SMS_TEMPLATE_VERIFY")?)]
                .into_iter()
                // Optional: group reminders are refused with a clear message without it.
                .chain(var("HOPS_SMS_TEMPLATE_GROUP_REMINDER").map(|t| ("group_reminder".to_string(), t)))
                .collect(),
            endpoint: Some(var("HOPS_SMS_ENDPOINT").unwrap_or_else(|| "https://dysmsapi.aliyuncs.com/".into())),
        }))
    }

    pub fn is_sandbox(&self) -> bool {
        self.endpoint.is_none()
    }
}

/// The real account from `HOPS_SMS_*`, if one is configured (read once; a configuration that
/// cannot be read stops the server at start-up with its reason).
pub fn live() -> Option<&'static SmsConfig> {
    static C: OnceLock<Option<SmsConfig>> = OnceLock::new();
    C.get_or_init(|| SmsConfig::from_env().unwrap_or_else(|e| panic!("短信配置有误：{e:#}"))).as_ref()
}

/// Whether this server serves the SMS sandbox: no real account, and the operator opted in.
pub fn sandbox_on(core: &crate::Core) -> bool {
    live().is_none() && core.config.sandbox
}

/// The account messages go out on: the real one, else the sandbox where opted in, else none.
pub fn account(core: &crate::Core) -> Option<&'static SmsConfig> {
    static SANDBOX: OnceLock<SmsConfig> = OnceLock::new();
    live().or_else(|| sandbox_on(core).then(|| SANDBOX.get_or_init(SmsConfig::sandbox)))
}

/// The refusal when text messages are off (no account, no sandbox).
pub fn unavailable() -> Error {
    Error::client(503, "sms_unavailable", "短信服务未开通，暂不能发送验证码或短信，请联系医院工作人员")
}

/// Sends one message now (the job's work): a signed `SendSms` request; `Code: OK` or an error.
async fn send_now(core: &crate::Core, phone: &str, template: &str, params: &serde_json::Value) -> anyhow::Result<()> {
    let c = account(core).ok_or_else(|| anyhow::anyhow!("短信服务未开通（未配置短信账户）"))?;
    let template_code = c.templates.get(template).ok_or_else(|| anyhow::anyhow!("短信模板 {template} 未配置"))?;
    let endpoint = match &c.endpoint {
        Some(e) => e.clone(),
        None => format!("{}{SANDBOX_PATH}", core.local_url().ok_or_else(|| anyhow::anyhow!("短信沙箱：服务尚未启动"))?),
    };
    let timestamp = core.now().to_timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let nonce = crate::crypto::random_token(16);
    let param_text = params.to_string();
    let req = aliyun::SendSms {
        access_key_id: &c.access_key_id,
        phone,
        sign_name: &c.sign_name,
        template_code,
        template_param: &param_text,
        timestamp: &timestamp,
        nonce: &nonce,
    };
    let form = req.params(&c.secret);
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    let http = HTTP.get_or_init(|| reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build().expect("http client"));
    let r = http.post(&endpoint).form(&form).send().await?;
    let body: serde_json::Value = r.json().await?;
    if body["Code"] == "OK" { Ok(()) } else { Err(anyhow::anyhow!("短信发送失败：{} {}", body["Code"], body["Message"])) }
}

/// Queues a message from `template` with `params` to `phone`, inside the caller's transaction;
/// refused ([`unavailable`]) when text messages are off.
pub async fn enqueue(access: &Access, tx: &mut crate::Tx, phone: &Phone, template: &str, params: serde_json::Value) -> Result<()> {
    if account(access.core()).is_none() {
        return Err(unavailable());
    }
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    // The job's id first: the phone and parameters are encrypted for this job only.
    let id = tx.next_id(access.engine()).await?;
    let payload = json!({
        "phone": b64.encode(access.encrypt(PHONE, id, phone.as_str())),
        "template": template,
        "params": b64.encode(access.encrypt(PARAMS, id, &params.to_string())),
    });
    jobs::enqueue_as(access, tx, JobId(id), Enqueue { kind: SEND_JOB, payload, idem_key: None, run_at: None }).await?;
    Ok(())
}

/// The job that sends queued messages.
pub struct SendJob;

impl JobHandler for SendJob {
    fn kind(&self) -> &'static str {
        SEND_JOB
    }
    fn max_attempts(&self) -> i32 {
        5
    }
    fn run<'a>(&'a self, job: &'a JobRun) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD;
            let (a, id) = (&job.access, job.id.0);
            let field = |name: &str| job.payload.get(name).and_then(|v| v.as_str()).ok_or_else(|| anyhow::anyhow!("payload lacks {name}"));
            let phone = a.reveal(PHONE, id, &b64.decode(field("phone")?)?)?;
            let params: serde_json::Value = serde_json::from_str(&a.reveal(PARAMS, id, &b64.decode(field("params")?)?)?)?;
            send_now(job.access.core(), &phone, field("template")?, &params).await?;
            let mut tx = job.access.tenant().write().await?;
            job.complete_in(&mut tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }
}

/// Every job kind of this module.
pub fn job_handlers() -> Vec<Arc<dyn JobHandler>> {
    vec![Arc::new(SendJob)]
}

fn code_hash(access: &Access, id: i64, code: &str) -> String {
    access.blind_index(CODE_CONTEXT, &format!("{id}:{code}"))
}

/// Sends a six-digit verification code for `purpose` (e.g. `checkup.identify`) to `phone`, at
/// the request of `caller` (its address, [`crate::throttle::client_key`]). Refused (429) when
/// the caller has asked for too many codes ([`CODE_RATE`]), within [`RESEND_SECONDS`] of the
/// phone's last code or after [`MAX_PER_DAY`] codes.
pub async fn send_code(access: &Access, phone: &Phone, purpose: &str, caller: &str) -> Result<()> {
    if account(access.core()).is_none() {
        return Err(unavailable());
    }
    access.core().throttle.check(&CODE_RATE, access.hospital().0, caller)?;
    let now = access.now();
    let bidx = access.blind_index(PHONE.context, phone.as_str());
    let mut tx = access.tenant().write().await?;
    let recent = store::recent(&mut tx, &bidx, purpose, now.plus_seconds(-86_400)).await?;
    if let Some(last) = recent.first()
        && now.seconds_since(*last) < RESEND_SECONDS
    {
        let wait = RESEND_SECONDS - now.seconds_since(*last);
        return Err(Error::client(429, "too_soon", format!("验证码已发送，请 {wait} 秒后再试")));
    }
    if recent.len() as i64 >= MAX_PER_DAY {
        return Err(Error::client(429, "too_many", "该手机号今天获取验证码次数过多，请明天再试"));
    }
    let mut digits = [0u8; 4];
    getrandom::fill(&mut digits).expect("operating system randomness");
    let code = format!("{:06}", u32::from_le_bytes(digits) % 1_000_000);
    let id = tx.next_id(access.engine()).await?;
    store::insert(&mut tx, id, &bidx, purpose, &code_hash(access, id, &code), now, now.plus_seconds(CODE_TTL_SECONDS)).await?;
    enqueue(access, &mut tx, phone, "verify", json!({ "code": code })).await?;
    access.audit(&mut tx, "sms.code", &format!("phone:{}", phone.masked()), purpose).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a verification code; a right code is used up. Wrong codes count against the code
/// ([`MAX_ATTEMPTS`]); every refusal says what to do.
pub async fn check_code(access: &Access, phone: &Phone, purpose: &str, code: &str) -> Result<()> {
    let now = access.now();
    let bidx = access.blind_index(PHONE.context, phone.as_str());
    let mut tx = access.tenant().write().await?;
    let Some((id, expires_at, attempts)) = store::latest_open(&mut tx, &bidx, purpose).await? else {
        return Err(Error::invalid_field("code", "请先获取验证码"));
    };
    if expires_at <= now {
        return Err(Error::invalid_field("code", "验证码已过期，请重新获取"));
    }
    if attempts >= MAX_ATTEMPTS {
        return Err(Error::invalid_field("code", "验证码错误次数过多，请重新获取"));
    }
    if code_hash(access, id, code.trim()) != store::hash_of(&mut tx, id).await? {
        store::count_attempt(&mut tx, id).await?;
        tx.commit().await?;
        let left = MAX_ATTEMPTS - attempts - 1;
        let hint = if left > 0 { format!("，还可再试 {left} 次") } else { "，请重新获取".into() };
        return Err(Error::invalid_field("code", format!("验证码不正确{hint}")));
    }
    store::use_up(&mut tx, id, now).await?;
    tx.commit().await?;
    Ok(())
}
