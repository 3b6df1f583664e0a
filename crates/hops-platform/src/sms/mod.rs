//! Verification codes by text message (短信验证码) and their limits. The SMS providers —
//! Alibaba Cloud `SendSms` ([`aliyun`]) or Tencent Cloud SMS — their sandboxes and the accounts
//! are those of [`crate::notify`]; without an account and without the sandbox opt-in
//! (`HOPS_SANDBOX`, always in `hops demo`), text messages are off: asking for a code is refused
//! with a clear message ([`unavailable`]).
//!
//! Codes go out through the job queue (`sms.send`), urgent and outside the notification
//! records (a code is never shown or kept in clear): a code accepted is never lost, and the
//! job payload holds the phone number and the template values encrypted for that job only.
//! Nothing here logs a number or a code in clear.

mod store;

use std::sync::Arc;

use hops_kernel::{JobId, Phone};
use serde::{Deserialize, Serialize};

use crate::core::Access;
use crate::crypto::Field;
use crate::error::{Error, Result};
use crate::jobs::{self, BoxFuture, Enqueue, Job, JobHandler, JobRun};
pub use crate::notify::aliyun;
use crate::notify::config::{ALIYUN_SANDBOX_KEY_ID, ALIYUN_SANDBOX_SECRET};
use crate::notify::gateway;

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

/// The Alibaba Cloud sandbox's published account (`/sandbox/sms/`).
pub const SANDBOX_PATH: &str = gateway::ALIYUN_SANDBOX_PATH;
pub const SANDBOX_KEY_ID: &str = ALIYUN_SANDBOX_KEY_ID;
pub const SANDBOX_SECRET: &str = ALIYUN_SANDBOX_SECRET;

/// Whether this server serves the SMS sandboxes (see [`gateway::sms_sandbox_on`]).
pub fn sandbox_on(core: &crate::Core) -> bool {
    gateway::sms_sandbox_on(core)
}

/// The refusal when text messages are off (no account, no sandbox).
pub fn unavailable() -> Error {
    crate::notify::service::sms_unavailable()
}

/// Sends one message now (the job's work). `template` is a topic key (`VERIFY`; jobs queued
/// before notifications existed say `verify` or `group_reminder`); the values go in the order
/// of the topic's text (Tencent numbers them), or as they are for a topic of a module.
async fn send_now(core: &crate::Core, phone: &str, template: &str, params: &serde_json::Value) -> anyhow::Result<()> {
    let key = template.to_uppercase();
    let account = gateway::sms_account(core).ok_or_else(|| anyhow::anyhow!("短信服务未开通（未配置短信账户）"))?;
    let code = account.templates.get(&key).ok_or_else(|| anyhow::anyhow!("短信模板 HOPS_SMS_TEMPLATE_{key} 未配置"))?;
    let topic = crate::notify::platform_topics().into_iter().find(|t| t.key == key);
    let order = topic.and_then(|t| t.default_text(crate::notify::Channel::Sms)).map_or("", |t| t.body);
    let names = crate::notify::model::placeholders(order).unwrap_or_default();
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let values: Vec<(String, String)> = if names.is_empty() {
        params.as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), text(v))).collect()).unwrap_or_default()
    } else {
        names.iter().map(|n| (n.to_string(), text(&params[*n]))).collect()
    };
    gateway::send_sms(core, account, phone, code, &values).await.map(|_| ()).map_err(|f| anyhow::anyhow!(scrub(&f.message, phone, &values)))
}

/// A provider's error as kept and logged: without the number or the template's values (the
/// code), should the provider echo them.
fn scrub(message: &str, phone: &str, values: &[(String, String)]) -> String {
    let mut out = message.replace(phone, &hops_kernel::Phone::parse(phone).map_or_else(|_| "***".to_string(), |p| p.masked()));
    for (_, v) in values.iter().filter(|(_, v)| v.chars().count() >= 4) {
        out = out.replace(v.as_str(), "***");
    }
    out
}

/// Queues a message from `template` (a topic key, `VERIFY`) with `params` to `phone`, inside
/// the caller's transaction; refused ([`unavailable`]) when text messages are off.
pub async fn enqueue(access: &Access, tx: &mut crate::Tx, phone: &Phone, template: &str, params: serde_json::Value) -> Result<()> {
    if gateway::sms_account(access.core()).is_none() {
        return Err(unavailable());
    }
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    // The job's id first: the phone and parameters are encrypted for this job only.
    let id = tx.next_id(access.engine()).await?;
    let payload = Queued {
        phone: b64.encode(access.encrypt(PHONE, id, phone.as_str())),
        template: template.to_string(),
        params: b64.encode(access.encrypt(PARAMS, id, &params.to_string())),
    };
    jobs::enqueue_as(access, tx, JobId(id), Enqueue::job::<SendJob>(&payload)).await?;
    Ok(())
}

/// A queued message: phone and template values encrypted for its job only (base64).
#[derive(Serialize, Deserialize)]
pub struct Queued {
    phone: String,
    template: String,
    params: String,
}

/// The job that sends queued messages.
pub struct SendJob;

impl Job for SendJob {
    const KIND: &'static str = SEND_JOB;
    const LABEL: &'static str = "发送短信验证码";
    type Payload = Queued;
    fn max_attempts(&self) -> i32 {
        5
    }
    fn run<'a>(&'a self, job: &'a mut JobRun, q: Queued) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            use base64::Engine;
            let b64 = base64::engine::general_purpose::STANDARD;
            let (a, id) = (&job.access, job.id.0);
            let phone = a.reveal(PHONE, id, &b64.decode(&q.phone)?)?;
            let params: serde_json::Value = serde_json::from_str(&a.reveal(PARAMS, id, &b64.decode(&q.params)?)?)?;
            // Nothing to record: the send is the work (the worker completes the job).
            send_now(job.access.core(), &phone, &q.template, &params).await
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
    if gateway::sms_account(access.core()).is_none() {
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
    enqueue(access, &mut tx, phone, crate::notify::VERIFY.key, serde_json::json!({ "code": code })).await?;
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

#[cfg(test)]
mod tests {
    #[test]
    fn provider_errors_are_kept_without_number_or_code() {
        let values = [("code".to_string(), "482913".to_string())];
        let kept = super::scrub("isv.BUSINESS_LIMIT_CONTROL 13912345678 触发限流（482913）", "13912345678", &values);
        assert_eq!(kept, "isv.BUSINESS_LIMIT_CONTROL 139****5678 触发限流（***）");
    }
}
