//! Notifications (消息通知): one way for every module to tell a patient or a colleague
//! something, by SMS (Alibaba Cloud or Tencent Cloud), WeChat (a mini program's subscribe
//! messages or an official account's template messages), e-mail (SMTP) or the console's in-app
//! inbox. See `docs/notify.md`.
//!
//! A module declares its [`Topic`]s (variables, default text per channel, urgency, whether
//! recipients may opt out; `web::Module::topics`) and queues a [`Message`] inside the
//! transaction of the change that asked for it ([`enqueue`]): one delivery record per recipient
//! and channel, sent by a job (`notify.send`) with retries and back-off. A hospital edits its
//! own texts (unknown variables refused), sets its quiet hours (Asia/Shanghai; messages that are
//! not urgent wait for their end through the job's run-at) and records opt-outs per recipient
//! and topic, keyed by [`recipient_key`]. Every delivery keeps the recipient masked (and
//! encrypted for the send), the channel, topic, template, status, attempts, the last error and
//! the provider's message id; nothing is logged in clear.
//!
//! Rooms: [`model`] (pure rules), [`store`] (SQL), [`service`] (use cases), [`web`] (console
//! pages and API; `web::sandbox`: each provider's side of its protocol, served only with
//! `HOPS_SANDBOX` and no real account); the protocols are pure modules ([`aliyun`],
//! [`tencent`], [`wechat`]) under one HTTP adapter ([`gateway`]) and the SMTP adapter
//! ([`email`]); the accounts are read with the configuration ([`config`]).

pub mod aliyun;
pub mod config;
pub mod email;
pub mod gateway;
pub mod model;
pub mod service;
pub(crate) mod store;
pub mod tencent;
pub mod web;
pub mod wechat;

pub use model::{Address, Channel, Status, Template, Text, Topic, Var};
pub use service::{Message, Queued, Sent, enqueue, ready, recipient_key, send_now};
pub use store::{DeliveryRow, Filter};

/// Verification codes (the `sms` module's): SMS only, urgent, no opt-out. Its text gives the
/// order of Tencent Cloud's template parameters and what the sandboxes show.
pub const VERIFY: Topic = Topic {
    code: "sms.verify",
    label: "短信验证码",
    key: "VERIFY",
    vars: &[Var { name: "code", label: "验证码" }],
    urgent: true,
    opt_out: false,
    texts: &[Text { channel: Channel::Sms, subject: "", body: "您的验证码为 ${code}，5 分钟内有效，请勿告诉他人。" }],
};

/// The platform's own topics (the modules declare theirs).
pub fn platform_topics() -> Vec<&'static Topic> {
    vec![&VERIFY]
}
