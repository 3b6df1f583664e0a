//! A local SMTP sink for tests: a small SMTP server on 127.0.0.1 that keeps every message it
//! accepts. With credentials it behaves like a submission server: it offers `AUTH PLAIN LOGIN`,
//! refuses a wrong user or password (535) and refuses mail before authentication (530) — the
//! e-mail channel's equivalent of the other sandboxes' signature checks. (A maintained crate
//! for this, `mailin-embedded`, runs its own threads and is not in the lock file; the protocol
//! the tests need is these few commands.)

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// One message as it arrived.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// The envelope's recipients (`RCPT TO`).
    pub recipients: Vec<String>,
    /// The message's headers and body, dot-unstuffed.
    pub data: String,
    /// The user it was sent as (`None` without authentication).
    pub user: Option<String>,
}

#[derive(Default)]
struct Log {
    mails: Vec<ReceivedMail>,
    refused_logins: usize,
}

/// A running sink; it stops with the test's runtime.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    log: Arc<Mutex<Log>>,
}

impl SmtpSink {
    /// A sink that takes mail from anyone.
    pub async fn open() -> SmtpSink {
        SmtpSink::start(None).await
    }

    /// A sink that takes mail only from `user` with `password`.
    pub async fn with_login(user: &str, password: &str) -> SmtpSink {
        SmtpSink::start(Some((user.to_string(), password.to_string()))).await
    }

    async fn start(login: Option<(String, String)>) -> SmtpSink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP sink");
        let port = listener.local_addr().expect("address").port();
        let log: Arc<Mutex<Log>> = Arc::default();
        let shared = log.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (log, login) = (shared.clone(), login.clone());
                tokio::spawn(async move {
                    let _ = session(socket, log, login).await;
                });
            }
        });
        SmtpSink { port, log }
    }

    /// `smtp://127.0.0.1:PORT` with `user:password@` when given.
    pub fn url(&self, login: Option<(&str, &str)>) -> String {
        match login {
            Some((u, p)) => format!("smtp://{u}:{p}@127.0.0.1:{}", self.port),
            None => format!("smtp://127.0.0.1:{}", self.port),
        }
    }

    /// Every message accepted so far.
    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).mails.clone()
    }

    /// How many logins were refused.
    pub fn refused_logins(&self) -> usize {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).refused_logins
    }
}

async fn session(socket: tokio::net::TcpStream, log: Arc<Mutex<Log>>, login: Option<(String, String)>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ESMTP\r\n").await?;
    let mut recipients = Vec::new();
    let mut user: Option<String> = None;
    let check = |u: &str, p: &str| login.as_ref().is_some_and(|(lu, lp)| lu == u && lp == p);
    let decode = |s: &str| B64.decode(s.trim()).ok().and_then(|b| String::from_utf8(b).ok()).unwrap_or_default();
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_uppercase();
        let reply: String = if upper.starts_with("EHLO") {
            if login.is_some() { "250-sink\r\n250-8BITMIME\r\n250 AUTH PLAIN LOGIN\r\n" } else { "250-sink\r\n250 8BITMIME\r\n" }.into()
        } else if upper.starts_with("AUTH PLAIN") {
            let initial = line[10..].trim().to_string();
            let text = if initial.is_empty() {
                write.write_all(b"334 \r\n").await?;
                decode(&lines.next_line().await?.unwrap_or_default())
            } else {
                decode(&initial)
            };
            let parts: Vec<&str> = text.split('\0').collect();
            let (u, p) = (parts.get(1).copied().unwrap_or(""), parts.get(2).copied().unwrap_or(""));
            authenticate(&log, &mut user, check(u, p), u)
        } else if upper.starts_with("AUTH LOGIN") {
            write.write_all(format!("334 {}\r\n", B64.encode("Username:")).as_bytes()).await?;
            let u = decode(&lines.next_line().await?.unwrap_or_default());
            write.write_all(format!("334 {}\r\n", B64.encode("Password:")).as_bytes()).await?;
            let p = decode(&lines.next_line().await?.unwrap_or_default());
            authenticate(&log, &mut user, check(&u, &p), &u)
        } else if upper.starts_with("MAIL FROM:") {
            if login.is_some() && user.is_none() { "530 5.7.0 Authentication required\r\n".into() } else { "250 OK\r\n".into() }
        } else if upper.starts_with("RCPT TO:") {
            recipients.push(line[8..].trim().trim_matches(['<', '>']).to_string());
            "250 OK\r\n".into()
        } else if upper.starts_with("DATA") {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut data = String::new();
            while let Some(l) = lines.next_line().await? {
                if l == "." {
                    break;
                }
                data.push_str(l.strip_prefix('.').filter(|_| l.starts_with("..")).unwrap_or(&l));
                data.push('\n');
            }
            let mail = ReceivedMail { recipients: std::mem::take(&mut recipients), data, user: user.clone() };
            log.lock().unwrap_or_else(|p| p.into_inner()).mails.push(mail);
            "250 queued\r\n".into()
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            break;
        } else {
            "250 OK\r\n".into()
        };
        write.write_all(reply.as_bytes()).await?;
    }
    Ok(())
}

fn authenticate(log: &Mutex<Log>, user: &mut Option<String>, ok: bool, name: &str) -> String {
    if ok {
        *user = Some(name.to_string());
        "235 2.7.0 Authentication successful\r\n".into()
    } else {
        log.lock().unwrap_or_else(|p| p.into_inner()).refused_logins += 1;
        "535 5.7.8 Authentication credentials invalid\r\n".into()
    }
}
