//! E-mail through SMTP: a small adapter over lettre's SMTP transport (rustls, no OpenSSL), for
//! notifications and for the reports' PDF attachments. Settings come from the environment
//! (read with the rest of the configuration, [`crate::notify::config`]):
//!
//! - `HOPS_SMTP_URL` (or `HOPS_SMTP_URL_FILE`, a file holding it): `smtps://user:pass@smtp.example.com:465` (TLS),
//!   `smtp://user:pass@smtp.example.com:587?tls=required` (STARTTLS), or `smtp://host:port`
//!   (unencrypted — only for a relay on the same machine or network);
//! - `HOPS_SMTP_FROM`: the sender, e.g. `运营平台 <reports@hospital.cn>`.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as Part, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::gateway::Failure;

pub const SMTP_URL_ENV: &str = "HOPS_SMTP_URL";
pub const SMTP_FROM_ENV: &str = "HOPS_SMTP_FROM";

/// Where and as whom to send. `Debug` hides the URL, which may carry a password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    pub url: String,
    pub from: String,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings").field("url", &"[redacted]").field("from", &self.from).finish()
    }
}

impl SmtpSettings {
    /// From `HOPS_SMTP_URL` (or, since it may carry a password, the file named by
    /// `HOPS_SMTP_URL_FILE`) and `HOPS_SMTP_FROM`; `None` when no URL is set.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Option<SmtpSettings>> {
        let url = match env(SMTP_URL_ENV) {
            Some(url) => url,
            None => match env(&format!("{SMTP_URL_ENV}_FILE")) {
                Some(path) => std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("无法读取 {SMTP_URL_ENV}_FILE（{path}）：{e}"))?,
                None => return Ok(None),
            },
        };
        if url.trim().is_empty() {
            return Ok(None);
        }
        let from = env(SMTP_FROM_ENV).filter(|v| !v.trim().is_empty()).unwrap_or_else(|| "hops <reports@localhost>".into());
        let settings = SmtpSettings { url: url.trim().to_string(), from: from.trim().to_string() };
        Mailer::new(&settings).map_err(anyhow::Error::msg)?;
        Ok(Some(settings))
    }
}

/// A file attached to a mail.
pub struct Attachment<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
}

/// One message, with files attached or none.
pub struct Mail<'a> {
    pub to_name: &'a str,
    pub to_email: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachments: &'a [Attachment<'a>],
    /// The `Date` header (from the application's clock).
    pub date: hops_kernel::Instant,
}

/// An SMTP connection pool for one batch of mails.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(settings: &SmtpSettings) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
            .map_err(|e| format!("邮件服务器地址 {SMTP_URL_ENV} 无效：{e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from: Mailbox = settings.from.parse().map_err(|e| format!("发件人 {SMTP_FROM_ENV}（{}）无效：{e}", settings.from))?;
        Ok(Mailer { transport, from })
    }

    /// Sends one mail; its `Message-ID` when the server accepted it. Errors name the recipient
    /// masked only; SMTP's temporary refusals (4xx) and lost connections are worth a retry.
    pub async fn send(&self, m: &Mail<'_>) -> Result<String, Failure> {
        let masked = super::model::mask_email(m.to_email);
        let address = m.to_email.parse().map_err(|e| Failure::permanent(format!("收件人地址 {masked} 无效：{e}")))?;
        let to = Mailbox::new((!m.to_name.is_empty()).then(|| m.to_name.to_string()), address);
        let date = std::time::UNIX_EPOCH + Duration::from_micros(u64::try_from(m.date.0).unwrap_or(0));
        let domain = self.from.email.domain().to_string();
        let message_id = format!("<{}@{domain}>", crate::crypto::random_token(16));
        let builder = Message::builder().from(self.from.clone()).to(to).subject(m.subject).date(date).message_id(Some(message_id.clone()));
        let message = if m.attachments.is_empty() {
            builder.singlepart(SinglePart::plain(m.body.to_string()))
        } else {
            let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(m.body.to_string()));
            for a in m.attachments {
                let content_type = ContentType::parse(a.content_type).map_err(|e| Failure::permanent(format!("附件类型无效：{e}")))?;
                parts = parts.singlepart(Part::new(a.name.to_string()).body(a.bytes.to_vec(), content_type));
            }
            builder.multipart(parts)
        }
        .map_err(|e| Failure::permanent(format!("邮件内容无效：{e}")))?;
        self.transport
            .send(message)
            .await
            .map_err(|e| Failure { message: format!("发送给 {masked} 失败：{e}"), transient: !e.is_permanent() })?;
        Ok(message_id)
    }
}
