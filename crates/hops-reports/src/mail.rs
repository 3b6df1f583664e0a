//! Sending reports by e-mail: a small adapter over lettre's SMTP transport (rustls, no
//! OpenSSL). Settings come from the environment:
//!
//! - `HOPS_SMTP_URL` (or `HOPS_SMTP_URL_FILE`, a file holding it): `smtps://user:pass@smtp.example.com:465` (TLS),
//!   `smtp://user:pass@smtp.example.com:587?tls=required` (STARTTLS), or `smtp://host:port`
//!   (unencrypted — only for a relay on the same machine or network);
//! - `HOPS_SMTP_FROM`: the sender, e.g. `运营平台 <reports@hospital.cn>`.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub const SMTP_URL_ENV: &str = "HOPS_SMTP_URL";
pub const SMTP_FROM_ENV: &str = "HOPS_SMTP_FROM";

/// Where and as whom to send. `Debug` hides the URL, which may carry a password.
#[derive(Clone)]
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
    pub fn from_env() -> Option<SmtpSettings> {
        let url = std::env::var(SMTP_URL_ENV)
            .ok()
            .or_else(|| std::env::var(format!("{SMTP_URL_ENV}_FILE")).ok().and_then(|path| std::fs::read_to_string(path).ok()))
            .filter(|v| !v.trim().is_empty())?;
        let from = std::env::var(SMTP_FROM_ENV).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| "hops <reports@localhost>".into());
        Some(SmtpSettings { url: url.trim().to_string(), from: from.trim().to_string() })
    }
}

/// One message with a file attached.
pub struct Mail<'a> {
    pub to_name: &'a str,
    pub to_email: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub attachment_name: &'a str,
    pub attachment_type: &'a str,
    pub attachment: &'a [u8],
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

    pub async fn send(&self, m: &Mail<'_>) -> Result<(), String> {
        let to = Mailbox::new(Some(m.to_name.to_string()), m.to_email.parse().map_err(|e| format!("收件人地址 {} 无效：{e}", m.to_email))?);
        let content_type = ContentType::parse(m.attachment_type).map_err(|e| format!("附件类型无效：{e}"))?;
        let date = std::time::UNIX_EPOCH + Duration::from_micros(u64::try_from(m.date.0).unwrap_or(0));
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject)
            .date(date)
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(m.body.to_string()))
                    .singlepart(Attachment::new(m.attachment_name.to_string()).body(m.attachment.to_vec(), content_type)),
            )
            .map_err(|e| format!("邮件内容无效：{e}"))?;
        self.transport.send(message).await.map_err(|e| format!("发送给 {} 失败：{e}", m.to_email))?;
        Ok(())
    }
}
