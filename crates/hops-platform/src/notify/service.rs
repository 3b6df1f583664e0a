//! Use cases of notifications: queueing a message (one delivery per recipient and channel, in
//! the caller's transaction), the send job with its retries, sending at once for callers that
//! keep their own batch (reports with attachments), the hospital's templates, quiet hours and
//! opt-outs, the delivery records, the staff's in-app inbox and their notification contacts.

use std::collections::BTreeMap;
use std::sync::Arc;

use hops_kernel::{Phone, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::email::Attachment;
use super::gateway::{self, Failure};
use super::model::{self, Address, Channel, Content, QuietHours, Status, Template, Topic};
use super::store::{self, DeliveryRow, Filter, InboxRow, NewDelivery, OptOutRow, Outcome};
use crate::accounts::model::Permission;
use crate::core::{Access, Tx};
use crate::crypto::Field;
use crate::db::{Conn, Scoped};
use crate::error::{Error, FieldError, Result};
use crate::jobs::{self, BoxFuture, Enqueue, Job, JobHandler, JobRun};

/// The job that sends one delivery.
pub const SEND_JOB: &str = "notify.send";
/// Attempts before a delivery that keeps failing is recorded failed (back-off 10 s, 20 s, …).
pub const MAX_ATTEMPTS: i32 = 5;

/// A delivery's address, bound to its row.
pub(crate) const RECIPIENT: Field = Field::new("notify_deliveries", "recipient_enc", "notify.recipient");
/// A delivery's rendered content (it may name the person), bound to its row.
pub(crate) const CONTENT: Field = Field::new("notify_deliveries", "content_enc", "notify.content");
/// A staff member's phone and e-mail for notifications, bound to their row (the user).
pub(crate) const CONTACT_PHONE: Field = Field::new("notify_contacts", "phone_enc", "notify.contact_phone");
pub(crate) const CONTACT_EMAIL: Field = Field::new("notify_contacts", "email_enc", "notify.contact_email");

/// The namespace of recipients' keys.
const RECIPIENT_CONTEXT: &str = "notify.recipient";

/// The key a recipient's opt-outs (and the delivery list's search) are kept under — the one
/// place it is made: today the blind index of the address (phone, openid, e-mail, staff
/// account) in this hospital; when a person service exists, the person's key goes here.
pub fn recipient_key(access: &Access, address: &Address) -> String {
    access.blind_index(RECIPIENT_CONTEXT, &address.normalized())
}

/// A message to send.
#[derive(Clone, Debug)]
pub struct Message {
    pub topic: &'static Topic,
    /// What it is about (`checkup_employer:ACME`, `desk_ticket:12`, `report:3`): shown with the
    /// delivery, and how a caller sending its own batch finds its earlier attempts.
    pub reference: String,
    pub vars: BTreeMap<String, String>,
    pub to: Vec<Address>,
    /// The console page an in-app message opens.
    pub link: String,
}

impl Message {
    pub fn new(topic: &'static Topic, reference: impl Into<String>, vars: &[(&str, String)], to: Vec<Address>) -> Message {
        Message {
            topic,
            reference: reference.into(),
            vars: vars.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            to,
            link: String::new(),
        }
    }

    pub fn with_link(mut self, link: impl Into<String>) -> Message {
        self.link = link.into();
        self
    }

    fn check(&self) -> Result<()> {
        match self.vars.keys().find(|k| !self.topic.has_var(k)) {
            Some(k) => Err(Error::Internal(anyhow::anyhow!("topic {} has no variable {k}", self.topic.code))),
            None => Ok(()),
        }
    }
}

/// The refusal when text messages are off (no account, no sandbox).
pub fn sms_unavailable() -> Error {
    Error::client(503, "sms_unavailable", "短信服务未开通，暂不能发送验证码或短信，请联系医院工作人员")
}

/// Whether `topic` can go out on `channel` in this hospital now: the channel has an account
/// (or the sandbox), and the provider template is known (the hospital's own or the server's).
/// Refused with what to configure.
pub async fn ready(access: &Access, topic: &'static Topic, channel: Channel) -> Result<()> {
    let mut c = access.tenant().read().await?;
    let t = template_of(&mut c, topic, channel).await?.ok_or_else(|| Error::conflict("channel_off", "该消息不通过此渠道发送"))?;
    if !t.enabled {
        return Err(Error::conflict("channel_disabled", format!("本院已停用「{}」的{}", topic.label, channel.label_zh())));
    }
    match route(access, topic, channel, &t) {
        Ok(_) => Ok(()),
        Err(_) if channel == Channel::Sms && gateway::sms_account(access.core()).is_none() => Err(sms_unavailable()),
        Err(f) => Err(Error::conflict("not_configured", f.message)),
    }
}

/// How a delivery goes: the provider's name (`aliyun`, `tencent:sandbox` …) and the provider
/// template; refused when the channel has no account or no template.
fn route(access: &Access, topic: &Topic, channel: Channel, t: &Template) -> Result<(String, String), Failure> {
    let core = access.core();
    let own = t.provider_template.trim();
    let pick = |configured: Option<&String>, var: &str, what: &str| -> Result<String, Failure> {
        if !own.is_empty() {
            return Ok(own.to_string());
        }
        configured.cloned().ok_or_else(|| {
            Failure::permanent(format!(
                "未配置「{}」的{what}（环境变量 {var}_{}，或在 消息通知 → 模板 中填写本院的服务商模板编号）",
                topic.label, topic.key
            ))
        })
    };
    let sandbox = |is: bool| if is { ":sandbox" } else { "" };
    match channel {
        Channel::Sms => {
            let a = gateway::sms_account(core).ok_or_else(|| Failure::permanent("短信服务未开通（未配置短信账户）"))?;
            let code = pick(a.templates.get(topic.key), "HOPS_SMS_TEMPLATE", "短信模板")?;
            Ok((format!("{}{}", a.provider.code(), sandbox(a.is_sandbox())), code))
        }
        Channel::Wechat => {
            let a = gateway::wechat_account(core).ok_or_else(|| Failure::permanent("微信消息未开通（未配置 HOPS_WECHAT_APPID）"))?;
            let code = pick(a.templates.get(topic.key), "HOPS_WECHAT_TEMPLATE", "微信消息模板")?;
            Ok((format!("wechat{}", sandbox(a.is_sandbox())), code))
        }
        Channel::Email => match &core.config.notify.smtp {
            Some(_) => Ok(("smtp".into(), String::new())),
            None => Err(Failure::permanent(format!("未配置邮件服务器（环境变量 {}）", super::email::SMTP_URL_ENV))),
        },
        Channel::InApp => Ok(("inapp".into(), String::new())),
    }
}

/// The template of `topic` on `channel` in this hospital: its own, else the default; `None`
/// when the topic does not use the channel.
async fn template_of<C: Conn>(c: &mut Scoped<C>, topic: &Topic, channel: Channel) -> Result<Option<Template>> {
    let Some(default) = topic.default_template(channel) else { return Ok(None) };
    let own = store::templates(c, Some(topic.code)).await?.into_iter().find(|(_, ch, _)| *ch == channel).map(|(_, _, t)| t);
    Ok(Some(own.unwrap_or(default)))
}

async fn quiet_hours_of<C: Conn>(c: &mut Scoped<C>) -> Result<QuietHours> {
    Ok(store::quiet_hours(c).await?.unwrap_or_default())
}

/// One recipient on one channel, with the name a mail is addressed to.
struct Target {
    channel: Channel,
    address: Address,
    name: String,
}

/// Staff addresses become their inbox and the phone and e-mail they gave; disabled or unknown
/// accounts are dropped.
async fn targets(access: &Access, to: &[Address]) -> Result<Vec<Target>> {
    let mut out = Vec::new();
    let staff: Vec<UserId> = to.iter().filter_map(|a| if let Address::Staff(u) = a { Some(*u) } else { None }).collect();
    let people = if staff.is_empty() { Vec::new() } else { crate::accounts::service::directory(access).await? };
    for a in to {
        match a {
            Address::Staff(u) => {
                let Some(person) = people.iter().find(|p| p.id == *u) else { continue };
                out.push(Target { channel: Channel::InApp, address: a.clone(), name: person.display_name.clone() });
                let contact = {
                    let mut c = access.tenant().read().await?;
                    store::contact(&mut c, *u).await?.unwrap_or_default()
                };
                // A contact that does not decrypt (logged by place) costs that channel, not the
                // message: the inbox still gets it.
                let phone =
                    contact.phone_enc.as_ref().and_then(|b| access.reveal(CONTACT_PHONE, u.0, b).ok()).and_then(|p| Phone::parse(&p).ok());
                if let Some(phone) = phone {
                    out.push(Target { channel: Channel::Sms, address: Address::Phone(phone), name: person.display_name.clone() });
                }
                if let Some(email) = contact.email_enc.as_ref().and_then(|b| access.reveal(CONTACT_EMAIL, u.0, b).ok()) {
                    out.push(Target { channel: Channel::Email, address: Address::Email(email), name: person.display_name.clone() });
                }
            }
            other => {
                let channel = other.channel().expect("direct addresses have a channel");
                out.push(Target { channel, address: other.clone(), name: String::new() });
            }
        }
    }
    Ok(out)
}

/// What became of each delivery of a queued message.
#[derive(Clone, Debug, Default)]
pub struct Queued {
    pub deliveries: Vec<(i64, Channel, Status)>,
}

impl Queued {
    /// Whether anything will reach the recipient (now or after quiet hours).
    pub fn reached(&self) -> bool {
        self.deliveries.iter().any(|(_, _, s)| matches!(s, Status::Queued | Status::Deferred | Status::Sent))
    }
}

fn content_json(c: &Content, name: &str) -> String {
    json!({
        "subject": c.subject, "body": c.body, "params": c.params, "fields": c.fields,
        "link": c.link, "template": c.provider_template, "name": name,
    })
    .to_string()
}

struct Sealed {
    content: Content,
    name: String,
}

fn open_content(text: &str) -> anyhow::Result<Sealed> {
    let v: serde_json::Value = serde_json::from_str(text)?;
    let pairs = |k: &str| -> Vec<(String, String)> { serde_json::from_value(v[k].clone()).unwrap_or_default() };
    let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
    Ok(Sealed {
        content: Content {
            subject: s("subject"),
            body: s("body"),
            params: pairs("params"),
            fields: pairs("fields"),
            link: s("link"),
            provider_template: s("template"),
        },
        name: s("name"),
    })
}

/// Queues `msg` inside the caller's transaction: one delivery per recipient and channel the
/// topic uses and the hospital has not switched off. A recipient who opted out is recorded
/// skipped; a channel without an account or template is recorded failed (with what to
/// configure); a message that is not urgent and falls due in quiet hours waits for their end
/// (the job's run-at). The address and the content are stored encrypted for the delivery, and
/// the job's payload holds only the delivery's id.
pub async fn enqueue(access: &Access, tx: &mut Tx, msg: &Message) -> Result<Queued> {
    msg.check()?;
    let topic = msg.topic;
    let now = access.now();
    let quiet = quiet_hours_of(tx).await?;
    let mut templates: BTreeMap<Channel, Template> = BTreeMap::new();
    for channel in topic.channels() {
        if let Some(t) = template_of(tx, topic, channel).await? {
            templates.insert(channel, t);
        }
    }
    let mut queued = Queued::default();
    for target in targets(access, &msg.to).await? {
        let Some(t) = templates.get(&target.channel).filter(|t| t.enabled) else { continue };
        let key = recipient_key(access, &target.address);
        let mut content = model::render_content(target.channel, t, &msg.vars, &msg.link);
        let routed = route(access, topic, target.channel, t);
        let (provider, template_code) = routed.clone().unwrap_or_else(|_| ("none".into(), String::new()));
        content.provider_template = template_code.clone();
        let release = if topic.urgent { None } else { quiet.release(now) };
        let (status, error) = if topic.opt_out && store::opted_out(tx, &key, topic.code).await? {
            (Status::Skipped, Some(format!("收件人已退订「{}」", topic.label)))
        } else if let Err(f) = &routed {
            (Status::Failed, Some(f.message.clone()))
        } else if release.is_some() {
            (Status::Deferred, None)
        } else {
            (Status::Queued, None)
        };
        let id = tx.next_id(access.engine()).await?;
        let due = release.unwrap_or(now);
        store::insert_delivery(
            tx,
            NewDelivery {
                id,
                topic: topic.code,
                channel: target.channel,
                provider: &provider,
                reference: &msg.reference,
                recipient_key: &key,
                recipient_masked: &if target.channel == Channel::InApp { target.name.clone() } else { target.address.masked() },
                recipient_enc: access.encrypt(RECIPIENT, id, &target.address.value()),
                content_enc: access.encrypt(CONTENT, id, &content_json(&content, &target.name)),
                template: &template_label(t.custom, &template_code),
                urgent: topic.urgent,
                status,
                last_error: error.as_deref(),
                due_at: due,
                now,
            },
        )
        .await?;
        if matches!(status, Status::Queued | Status::Deferred) {
            jobs::enqueue(access, tx, Enqueue::job::<SendJob>(&DeliveryRef { delivery: id }).at(due)).await?;
        }
        queued.deliveries.push((id, target.channel, status));
    }
    Ok(queued)
}

/// `custom:SMS_123` / `default` — which text a delivery used.
fn template_label(custom: bool, code: &str) -> String {
    let which = if custom { "custom" } else { "default" };
    if code.is_empty() { which.to_string() } else { format!("{which}:{code}") }
}

/// How `template_label` reads in the console.
pub fn template_label_zh(label: &str) -> String {
    let (which, code) = label.split_once(':').unwrap_or((label, ""));
    let which = if which == "custom" { "本院模板" } else { "默认模板" };
    if code.is_empty() { which.to_string() } else { format!("{which} · {code}") }
}

/// Sends one delivery through its channel; the provider's message id.
async fn transmit(access: &Access, row: &DeliveryRow, address: &Address, sealed: &Sealed) -> Result<String, Failure> {
    let core = access.core();
    let c = &sealed.content;
    match (row.channel, address) {
        (Channel::Sms, Address::Phone(p)) => {
            let a = gateway::sms_account(core).ok_or_else(|| Failure::permanent("短信服务未开通（未配置短信账户）"))?;
            gateway::send_sms(core, a, p.as_str(), &c.provider_template, &c.params).await
        }
        (Channel::Wechat, Address::OpenId(o)) => {
            let a = gateway::wechat_account(core).ok_or_else(|| Failure::permanent("微信消息未开通（未配置 HOPS_WECHAT_APPID）"))?;
            gateway::send_wechat(core, a, o, &c.provider_template, &c.fields, &c.link).await
        }
        (Channel::Email, Address::Email(e)) => gateway::send_email(core, &sealed.name, e, &c.subject, &c.body, &[]).await,
        _ => Err(Failure::permanent("收件地址与渠道不符")),
    }
}

/// The job that sends a queued delivery. Before sending it looks again: a recipient who opted
/// out meanwhile is skipped, a delivery that falls in quiet hours (a retry, or changed
/// settings) waits again. A refusal that retrying cannot cure fails the delivery at once;
/// others are retried by the job queue with back-off, and the last failure is recorded.
pub struct SendJob;

/// The payload of [`SendJob`].
#[derive(Serialize, Deserialize)]
pub struct DeliveryRef {
    delivery: i64,
}

impl SendJob {
    /// Records the outcome in the job's transaction (and queues the delivery again at
    /// `requeue_at`).
    async fn finish(job: &mut JobRun, id: i64, o: Outcome<'_>, requeue_at: Option<hops_kernel::Instant>) -> anyhow::Result<()> {
        let (a, tx) = job.tx().await?;
        store::record(tx, id, o, a.now()).await?;
        if let Some(at) = requeue_at {
            jobs::enqueue(a, tx, Enqueue::job::<SendJob>(&DeliveryRef { delivery: id }).at(at)).await?;
        }
        Ok(())
    }
}

fn outcome(status: Status) -> Outcome<'static> {
    Outcome { status, attempted: false, last_error: None, provider_message_id: None, due_at: None, sent_at: None }
}

impl Job for SendJob {
    const KIND: &'static str = SEND_JOB;
    const LABEL: &'static str = "发送通知";
    type Payload = DeliveryRef;
    fn max_attempts(&self) -> i32 {
        MAX_ATTEMPTS
    }
    fn run<'a>(&'a self, job: &'a mut JobRun, p: DeliveryRef) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let a = &job.access.clone();
            let id = p.delivery;
            let (found, opted_out, quiet) = {
                let mut c = a.tenant().read().await?;
                let found = store::delivery_sealed(&mut c, id).await?;
                let opted_out = match &found {
                    Some((row, _, _)) => store::opted_out(&mut c, &row.recipient_key, &row.topic).await?,
                    None => false,
                };
                (found, opted_out, quiet_hours_of(&mut c).await?)
            };
            let Some((row, recipient, content)) = found.filter(|(row, _, _)| row.status.open()) else {
                return Ok(());
            };
            if opted_out {
                let reason = "发送前收件人已退订";
                return Self::finish(job, id, Outcome { last_error: Some(reason), ..outcome(Status::Skipped) }, None).await;
            }
            if !row.urgent
                && let Some(at) = quiet.release(a.now())
            {
                return Self::finish(job, id, Outcome { due_at: Some(at), ..outcome(Status::Deferred) }, Some(at)).await;
            }
            let address = Address::from_value(row.channel, &a.reveal(RECIPIENT, id, &recipient)?)
                .ok_or_else(|| anyhow::anyhow!("delivery {id}: unreadable address"))?;
            let sealed = open_content(&a.reveal(CONTENT, id, &content)?)?;
            if let Address::Staff(user) = address {
                let (_, tx) = job.tx().await?;
                let inbox = tx.next_id(a.engine()).await?;
                let c = &sealed.content;
                let m = store::NewInbox {
                    id: inbox,
                    user,
                    topic: &row.topic,
                    title: &c.subject,
                    body: &c.body,
                    link: &c.link,
                    delivery: id,
                    now: a.now(),
                };
                store::insert_inbox(tx, m).await?;
                let inbox = inbox.to_string();
                let o = Outcome { attempted: true, provider_message_id: Some(&inbox), sent_at: Some(a.now()), ..outcome(Status::Sent) };
                store::record(tx, id, o, a.now()).await?;
                return Ok(());
            }
            // A provider's error may echo the recipient: it is kept and logged masked.
            let sent = transmit(a, &row, &address, &sealed).await.map_err(|f| Failure { message: address.scrub(&f.message), ..f });
            match sent {
                Ok(message_id) => {
                    let o = Outcome {
                        attempted: true,
                        provider_message_id: Some(&message_id),
                        sent_at: Some(a.now()),
                        ..outcome(Status::Sent)
                    };
                    Self::finish(job, id, o, None).await
                }
                Err(f) if !f.transient => {
                    Self::finish(job, id, Outcome { attempted: true, last_error: Some(&f.message), ..outcome(Status::Failed) }, None).await
                }
                Err(f) => {
                    let last = job.attempt >= MAX_ATTEMPTS;
                    let status = if last { Status::Failed } else { Status::Queued };
                    // The attempt is recorded although the job fails (and its own transaction
                    // rolls back): the record is the failure's, like the queue's own.
                    let mut tx = a.tenant().write().await?;
                    store::record(&mut tx, id, Outcome { attempted: true, last_error: Some(&f.message), ..outcome(status) }, a.now())
                        .await?;
                    tx.commit().await?;
                    tracing::warn!(delivery = id, channel = row.channel.code(), attempt = job.attempt, error = %f.message, "notification not sent");
                    Err(anyhow::anyhow!(f.message))
                }
            }
        })
    }
}

/// Every job kind of notifications.
pub fn job_handlers() -> Vec<Arc<dyn JobHandler>> {
    vec![Arc::new(SendJob)]
}

/// What [`send_now`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sent {
    Sent,
    /// Opted out, or the hospital switched the channel off for the topic.
    Skipped,
    /// Quiet hours: try again at this time.
    Deferred(hops_kernel::Instant),
    Failed(String),
}

/// Sends an e-mail at once, with files attached, for a caller that runs its own batch job and
/// retries only what is missing (reports): the same opt-out, quiet hours, template and record
/// as [`enqueue`]d messages, one delivery record per recipient and reference, updated by each
/// attempt.
pub async fn send_now(access: &Access, msg: &Message, attachments: &[Attachment<'_>]) -> Result<Sent> {
    msg.check()?;
    let topic = msg.topic;
    let [Address::Email(email)] = msg.to.as_slice() else {
        return Err(Error::Internal(anyhow::anyhow!("send_now sends one e-mail")));
    };
    let address = Address::Email(email.clone());
    let key = recipient_key(access, &address);
    let now = access.now();
    let (template, opted_out, quiet, open) = {
        let mut c = access.tenant().read().await?;
        let t = template_of(&mut c, topic, Channel::Email).await?;
        let opted = topic.opt_out && store::opted_out(&mut c, &key, topic.code).await?;
        let open = store::open_delivery(&mut c, topic.code, &msg.reference, &key, Channel::Email).await?;
        (t, opted, quiet_hours_of(&mut c).await?, open)
    };
    let Some(template) = template else { return Err(Error::Internal(anyhow::anyhow!("topic {} has no e-mail", topic.code))) };
    let name = msg.vars.get("name").cloned().unwrap_or_default();
    let content = model::render_content(Channel::Email, &template, &msg.vars, &msg.link);
    let id = match &open {
        Some(row) => row.id,
        None => {
            let mut tx = access.tenant().write().await?;
            let id = tx.next_id(access.engine()).await?;
            store::insert_delivery(
                &mut tx,
                NewDelivery {
                    id,
                    topic: topic.code,
                    channel: Channel::Email,
                    provider: "smtp",
                    reference: &msg.reference,
                    recipient_key: &key,
                    recipient_masked: &address.masked(),
                    recipient_enc: access.encrypt(RECIPIENT, id, &address.value()),
                    content_enc: access.encrypt(CONTENT, id, &content_json(&content, &name)),
                    template: &template_label(template.custom, ""),
                    urgent: topic.urgent,
                    status: Status::Queued,
                    last_error: None,
                    due_at: now,
                    now,
                },
            )
            .await?;
            tx.commit().await?;
            id
        }
    };
    if opted_out || !template.enabled {
        let reason = if opted_out { format!("收件人已退订「{}」", topic.label) } else { "本院已停用该类邮件".to_string() };
        record_outcome(access, id, Outcome { last_error: Some(&reason), ..outcome(Status::Skipped) }).await?;
        return Ok(Sent::Skipped);
    }
    if !topic.urgent
        && let Some(at) = quiet.release(now)
    {
        record_outcome(access, id, Outcome { due_at: Some(at), ..outcome(Status::Deferred) }).await?;
        return Ok(Sent::Deferred(at));
    }
    let sent = gateway::send_email(access.core(), &name, email, &content.subject, &content.body, attachments).await;
    match sent.map_err(|f| address.scrub(&f.message)) {
        Ok(message_id) => {
            record_outcome(
                access,
                id,
                Outcome { attempted: true, provider_message_id: Some(&message_id), sent_at: Some(access.now()), ..outcome(Status::Sent) },
            )
            .await?;
            Ok(Sent::Sent)
        }
        Err(message) => {
            record_outcome(access, id, Outcome { attempted: true, last_error: Some(&message), ..outcome(Status::Failed) }).await?;
            Ok(Sent::Failed(message))
        }
    }
}

async fn record_outcome(access: &Access, id: i64, o: Outcome<'_>) -> Result<()> {
    let mut tx = access.tenant().write().await?;
    store::record(&mut tx, id, o, access.now()).await?;
    tx.commit().await?;
    Ok(())
}

// ---- templates, quiet hours, opt-outs ----

/// A topic's templates on each of its channels (the hospital's own or the default).
pub struct TopicTemplates {
    pub topic: &'static Topic,
    pub channels: Vec<(Channel, Template)>,
}

pub async fn templates(access: &Access, topics: &[&'static Topic]) -> Result<Vec<TopicTemplates>> {
    access.require(Permission::NotifyManage)?;
    let mut c = access.tenant().read().await?;
    let own = store::templates(&mut c, None).await?;
    Ok(topics
        .iter()
        .map(|topic| TopicTemplates {
            topic,
            channels: topic
                .channels()
                .filter_map(|ch| {
                    let custom = own.iter().find(|(t, c, _)| t == topic.code && *c == ch).map(|(_, _, t)| t.clone());
                    custom.or_else(|| topic.default_template(ch)).map(|t| (ch, t))
                })
                .collect(),
        })
        .collect())
}

pub async fn template(access: &Access, topic: &'static Topic, channel: Channel) -> Result<Template> {
    access.require(Permission::NotifyManage)?;
    let mut c = access.tenant().read().await?;
    template_of(&mut c, topic, channel).await?.ok_or_else(|| Error::not_found("消息模板"))
}

/// Saves the hospital's own text of `topic` on `channel`; every problem at once (unknown
/// variables named with the ones the topic has), nothing saved then.
pub async fn save_template(access: &Access, topic: &'static Topic, channel: Channel, draft: &Template) -> Result<()> {
    access.require(Permission::NotifyManage)?;
    let t = Template {
        subject: draft.subject.trim().to_string(),
        body: draft.body.trim().to_string(),
        provider_template: draft.provider_template.trim().to_string(),
        enabled: draft.enabled,
        custom: true,
    };
    model::check_template(topic, channel, &t).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    store::save_template(&mut tx, topic.code, channel, &t, access.now(), &access.actor().display_name).await?;
    let state = if t.enabled { "启用" } else { "停用" };
    access.audit(&mut tx, "notify.template.save", &format!("notify_template:{}:{}", topic.code, channel.code()), state).await?;
    tx.commit().await?;
    Ok(())
}

/// Goes back to the default text.
pub async fn reset_template(access: &Access, topic: &'static Topic, channel: Channel) -> Result<()> {
    access.require(Permission::NotifyManage)?;
    let mut tx = access.tenant().write().await?;
    if store::delete_template(&mut tx, topic.code, channel).await? {
        access.audit(&mut tx, "notify.template.reset", &format!("notify_template:{}:{}", topic.code, channel.code()), "").await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn quiet_hours(access: &Access) -> Result<QuietHours> {
    access.require(Permission::NotifyManage)?;
    let mut c = access.tenant().read().await?;
    quiet_hours_of(&mut c).await
}

pub async fn save_quiet_hours(access: &Access, enabled: bool, start: &str, end: &str) -> Result<QuietHours> {
    access.require(Permission::NotifyManage)?;
    let q = model::parse_quiet_hours(enabled, start, end).map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    store::save_quiet_hours(&mut tx, &q, access.now()).await?;
    access.audit(&mut tx, "notify.quiet_hours", "notify_settings", &q.describe()).await?;
    tx.commit().await?;
    Ok(q)
}

fn opt_out_topic(topic: &Topic) -> Result<()> {
    if topic.opt_out { Ok(()) } else { Err(Error::invalid_field("topic", format!("「{}」不能退订", topic.label))) }
}

/// Records that the owner of `address` (a mobile number, an e-mail address or a WeChat
/// openid, as typed) does not want messages of `topic`.
pub async fn opt_out(access: &Access, address: &str, topic: &'static Topic) -> Result<()> {
    access.require(Permission::NotifyManage)?;
    opt_out_topic(topic)?;
    let address = Address::parse(address).map_err(|e| Error::invalid_field("address", e))?;
    let key = recipient_key(access, &address);
    let mut tx = access.tenant().write().await?;
    if !store::add_opt_out(&mut tx, &key, topic.code, &address.masked(), access.now(), &access.actor().display_name).await? {
        return Err(Error::conflict("already_opted_out", format!("{} 已退订「{}」", address.masked(), topic.label)));
    }
    access.audit(&mut tx, "notify.opt_out", &format!("notify_topic:{}", topic.code), &address.masked()).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes an opt-out back (by its key, as listed).
pub async fn remove_opt_out(access: &Access, key: &str, topic: &str) -> Result<()> {
    access.require(Permission::NotifyManage)?;
    let mut tx = access.tenant().write().await?;
    if !store::remove_opt_out(&mut tx, key, topic).await? {
        return Err(Error::not_found("退订记录"));
    }
    access.audit(&mut tx, "notify.opt_in", &format!("notify_topic:{topic}"), "").await?;
    tx.commit().await?;
    Ok(())
}

pub async fn opt_outs(access: &Access, offset: i64, limit: i64) -> Result<(Vec<OptOutRow>, i64)> {
    access.require(Permission::NotifyManage)?;
    let mut c = access.tenant().read().await?;
    Ok(store::opt_outs(&mut c, offset, limit).await?)
}

// ---- deliveries ----

/// A page of delivery records, newest first. `recipient` (as typed: phone, e-mail, openid)
/// finds one recipient's deliveries.
pub async fn deliveries(
    access: &Access,
    filter: Filter,
    recipient: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<DeliveryRow>, i64)> {
    access.require(Permission::NotifyManage)?;
    let mut filter = filter;
    if let Some(r) = recipient.map(str::trim).filter(|r| !r.is_empty()) {
        let address = Address::parse(r).map_err(|e| Error::invalid_field("recipient", e))?;
        filter.recipient_key = Some(recipient_key(access, &address));
    }
    let mut c = access.tenant().read().await?;
    Ok(store::deliveries(&mut c, &filter, offset, limit).await?)
}

// ---- the staff's inbox and contacts ----

fn me(access: &Access) -> Result<UserId> {
    access.actor().user_id.ok_or_else(|| Error::client(403, "not_a_user", "只有登录的工作人员有站内消息"))
}

/// A page of my in-app messages; how many I have and how many are unread.
pub async fn inbox(access: &Access, offset: i64, limit: i64) -> Result<(Vec<InboxRow>, i64, i64)> {
    let user = me(access)?;
    let mut c = access.tenant().read().await?;
    Ok(store::inbox(&mut c, user, offset, limit).await?)
}

/// My unread in-app messages (0 for anyone who is not a console user).
pub async fn unread_count(access: &Access) -> Result<i64> {
    let Some(user) = access.actor().user_id else { return Ok(0) };
    let mut c = access.tenant().read().await?;
    Ok(store::unread(&mut c, user).await?)
}

/// Marks my message `id` read (404 when it is not mine), or all of them with `None`.
pub async fn mark_read(access: &Access, id: Option<i64>) -> Result<u64> {
    let user = me(access)?;
    let mut tx = access.tenant().write().await?;
    if let Some(id) = id
        && !store::is_users(&mut tx, user, id).await?
    {
        return Err(Error::not_found("消息"));
    }
    let n = store::mark_read(&mut tx, user, id, access.now()).await?;
    tx.commit().await?;
    Ok(n)
}

/// The phone and e-mail I gave for notifications, masked.
pub async fn my_contact(access: &Access) -> Result<(Option<String>, Option<String>)> {
    let user = me(access)?;
    let mut c = access.tenant().read().await?;
    let row = store::contact(&mut c, user).await?.unwrap_or_default();
    Ok((row.phone_masked, row.email_masked))
}

/// Sets the phone and e-mail I receive notifications at (escalations to team leads go there
/// too): `None` keeps what is there, an empty text removes it. Both checked first, nothing
/// saved on a mistake.
pub async fn save_my_contact(access: &Access, phone: Option<&str>, email: Option<&str>) -> Result<()> {
    let user = me(access)?;
    let mut errors = Vec::new();
    let phone = phone.map(str::trim).map(|p| match p {
        "" => None,
        p => Phone::parse(p).map_err(|e| errors.push(FieldError::new("phone", e.to_string()))).ok(),
    });
    let email = email.map(|e| e.trim().to_lowercase()).map(|e| match e {
        e if e.is_empty() => None,
        e if model::valid_email(&e) => Some(e),
        e => {
            errors.push(FieldError::new("email", format!("“{e}”不是有效的电子邮箱地址")));
            None
        }
    });
    if !errors.is_empty() {
        return Err(Error::invalid(errors));
    }
    let mut tx = access.tenant().write().await?;
    let mut row = store::contact(&mut tx, user).await?.unwrap_or_default();
    if let Some(phone) = phone {
        row.phone_masked = phone.map(|p| p.masked());
        row.phone_enc = phone.map(|p| access.encrypt(CONTACT_PHONE, user.0, p.as_str()));
    }
    if let Some(email) = email {
        row.email_masked = email.as_deref().map(model::mask_email);
        row.email_enc = email.as_deref().map(|e| access.encrypt(CONTACT_EMAIL, user.0, e));
    }
    let detail = format!("手机 {}，邮箱 {}", row.phone_masked.as_deref().unwrap_or("无"), row.email_masked.as_deref().unwrap_or("无"));
    store::save_contact(&mut tx, user, row, access.now()).await?;
    access.audit(&mut tx, "notify.contact", &format!("user:{}", user.0), &detail).await?;
    tx.commit().await?;
    Ok(())
}
