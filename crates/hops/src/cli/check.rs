//! Checks for operators: `audit verify`, `config check`, `healthcheck`.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use hops_kernel::{HospitalId, SystemClock};
use hops_platform::accounts::service;
use hops_platform::crypto::Keyring;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Globals;
use super::run::database_label;

pub async fn audit_verify(globals: &Globals) -> anyhow::Result<ExitCode> {
    let config = globals.load_and_log()?;
    let (db, core) = hops::open(&config, Arc::new(SystemClock)).await?;
    let outcome = async {
        let v = hops_platform::audit::verify(&db.system()).await?;
        println!("已检查 {} 家医院、{} 条审计记录。", v.hospitals, v.entries);
        if v.findings.is_empty() {
            println!("审计日志完整");
            return Ok(ExitCode::SUCCESS);
        }
        let codes: HashMap<HospitalId, String> =
            service::all_hospitals(&core).await.map(|hs| hs.into_iter().map(|h| (h.id, h.code)).collect()).unwrap_or_default();
        println!("发现 {} 处问题，审计日志可能被篡改:", v.findings.len());
        for f in &v.findings {
            let code = codes.get(&f.hospital).map(|c| format!("（{c}）")).unwrap_or_default();
            println!("  医院 {}{code} 第 {} 条: {}", f.hospital, f.seq, f.problem);
        }
        Ok(ExitCode::from(2))
    }
    .await;
    db.close().await;
    outcome
}

pub async fn config_check(globals: &Globals) -> anyhow::Result<ExitCode> {
    let config = globals.load()?;
    println!("配置有效:");
    for line in config.describe().lines() {
        println!("  {line}");
    }
    println!();
    let mut problems = 0;
    let mut report = |ok: bool, what: &str, text: String| {
        if !ok {
            problems += 1;
        }
        println!("{} {what}: {text}", if ok { "[正常]" } else { "[问题]" });
    };

    match tracing_subscriber::EnvFilter::try_new(&config.log) {
        Ok(_) => report(true, "日志设置", config.log.clone()),
        Err(e) => report(false, "日志设置", format!("log = {:?} 无效: {e}", config.log)),
    }

    if config.data_dir.is_dir() {
        let probe = config.data_dir.join(".hops-write-check");
        match std::fs::write(&probe, b"ok").and_then(|()| std::fs::remove_file(&probe)) {
            Ok(()) => report(true, "数据目录", format!("{} 可写", config.data_dir.display())),
            Err(e) => report(false, "数据目录", format!("{} 不可写: {e}", config.data_dir.display())),
        }
    } else if config.data_dir.exists() {
        report(false, "数据目录", format!("{} 不是目录", config.data_dir.display()));
    } else {
        report(true, "数据目录", format!("{} 尚不存在，首次启动时创建", config.data_dir.display()));
    }

    if config.key_file.exists() {
        match Keyring::load_or_create(&config.key_file) {
            Ok(_) => report(true, "密钥文件", format!("{} 有效", config.key_file.display())),
            Err(e) => report(false, "密钥文件", e.to_string()),
        }
    } else {
        report(true, "密钥文件", format!("{} 尚不存在，首次启动时创建（请随后单独备份）", config.key_file.display()));
    }

    let sqlite_missing = config.database_url.is_none() && !config.data_dir.join("hops.db").exists();
    if sqlite_missing {
        report(true, "数据库", format!("{}，尚未创建，首次启动时创建", database_label(&config)));
    } else {
        match tokio::time::timeout(Duration::from_secs(15), hops::connect(&config)).await {
            Ok(Ok(db)) => {
                db.close().await;
                report(true, "数据库", format!("{}，连接成功", database_label(&config)));
            }
            Ok(Err(e)) => report(false, "数据库", format!("{}，{}", database_label(&config), super::term::explain(&e))),
            Err(_) => report(false, "数据库", format!("{}，15 秒内未能连接", database_label(&config))),
        }
    }

    println!();
    if problems == 0 {
        println!("检查通过。");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("发现 {problems} 个问题。");
        Ok(ExitCode::FAILURE)
    }
}

/// `http://host[:port][/prefix]` → (`host:port`, `host[:port]` for the Host header, prefix).
fn split_url(url: &str) -> anyhow::Result<(String, String, String)> {
    let Some(rest) = url.trim().strip_prefix("http://") else {
        bail!("地址 {url} 无效：仅支持 http://（如 http://127.0.0.1:8080）");
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    if authority.is_empty() {
        bail!("地址 {url} 缺少主机名");
    }
    let has_port = match authority.rfind(']') {
        Some(i) => authority[i..].contains(':'),
        None => authority.contains(':'),
    };
    let connect = if has_port { authority.to_string() } else { format!("{authority}:80") };
    Ok((connect, authority.to_string(), path.to_string()))
}

/// The status code of `GET {path}/healthz` over plain HTTP/1.1.
async fn probe(connect: &str, host: &str, path: &str) -> anyhow::Result<u16> {
    let mut stream = TcpStream::connect(connect).await.map_err(|e| anyhow::anyhow!("无法连接 {connect}: {e}"))?;
    let request = format!("GET {path}/healthz HTTP/1.1\r\nHost: {host}\r\nUser-Agent: hops-healthcheck\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.contains(&b'\n') && head.len() < 4096 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let status = line.lines().next().unwrap_or("");
    let mut parts = status.split_whitespace();
    match (parts.next(), parts.next().and_then(|c| c.parse::<u16>().ok())) {
        (Some(v), Some(code)) if v.starts_with("HTTP/") => Ok(code),
        _ => bail!("响应不是 HTTP: {:?}", status.chars().take(80).collect::<String>()),
    }
}

pub async fn healthcheck(globals: &Globals, url: Option<&str>) -> anyhow::Result<ExitCode> {
    let url = match url {
        Some(u) => u.to_string(),
        None => hops::base_url(globals.load()?.listen),
    };
    let (connect, host, path) = split_url(&url)?;
    let target = format!("http://{host}{path}/healthz");
    let status = match tokio::time::timeout(Duration::from_secs(5), probe(&connect, &host, &path)).await {
        Ok(r) => r?,
        Err(_) => bail!("{target} 在 5 秒内没有响应"),
    };
    if status == 200 {
        println!("正常: {target} 返回 200");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("异常: {target} 返回 {status}");
        Ok(ExitCode::FAILURE)
    }
}

#[cfg(test)]
mod tests {
    use super::split_url;

    #[test]
    fn urls_split_into_address_host_and_prefix() {
        let s = |u: &str| split_url(u).unwrap();
        assert_eq!(s("http://127.0.0.1:8080"), ("127.0.0.1:8080".into(), "127.0.0.1:8080".into(), "".into()));
        assert_eq!(s("http://localhost/"), ("localhost:80".into(), "localhost".into(), "".into()));
        assert_eq!(s("http://[::1]:9000/hops/"), ("[::1]:9000".into(), "[::1]:9000".into(), "/hops".into()));
        assert_eq!(s("http://[::1]"), ("[::1]:80".into(), "[::1]".into(), "".into()));
        assert!(split_url("https://x").is_err());
        assert!(split_url("http://").is_err());
    }
}
