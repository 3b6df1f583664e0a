//! Terminal helpers: aligned tables with Chinese text, reading a password, explaining errors.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::bail;

/// Columns of a terminal: CJK and full-width characters take two.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let c = c as u32;
            let wide = matches!(c,
                0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
                | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// Renders rows under headers, columns aligned, separated by two spaces.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(width(cell));
            }
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < cells.len() {
                out.push_str(&" ".repeat(widths[i] - width(cell) + 2));
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    };
    let mut out = line(headers.to_vec());
    out.push_str(&line(widths.iter().map(|w| "─".repeat(*w)).collect::<Vec<_>>().iter().map(String::as_str).collect()));
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// A password from the environment variable `env_key`, else one line of standard input.
pub fn read_password(env_key: &str, what: &str) -> anyhow::Result<String> {
    if let Ok(v) = std::env::var(env_key)
        && !v.is_empty()
    {
        return Ok(v);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("请输入{what}（输入内容会显示在屏幕上；也可用环境变量 {env_key} 提供）: ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    let n = stdin.lock().read_line(&mut line).map_err(|e| anyhow::anyhow!("无法读取标准输入: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']);
    if n == 0 || password.is_empty() {
        bail!("未提供{what}：请设置环境变量 {env_key}，或在标准输入中输入一行密码");
    }
    Ok(password.to_string())
}

/// The message for `错误: …`: a platform client error shows its own message (and each field's),
/// anything else its chain of causes.
pub fn explain(e: &anyhow::Error) -> String {
    use hops_platform::Error;
    match e.downcast_ref::<Error>() {
        Some(Error::Client { message, fields, .. }) => {
            let mut out = message.clone();
            if fields.len() > 1 {
                for f in fields {
                    out.push_str(&format!("\n  - {}", f.message));
                }
            }
            out
        }
        Some(Error::Internal(inner)) => causes(inner),
        None => causes(e),
    }
}

/// `a: b: c` like `{:#}`, without repeating a cause its predecessor already quoted (sqlx
/// errors include their source in their own message).
fn causes(e: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut last = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !last.is_empty() && last.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
        last = text;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_columns_align() {
        let t = table(&["角色", "用户名"], &[vec!["医生".into(), "doc".into()], vec!["admin".into(), "a".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "角色   用户名");
        assert_eq!(lines[2], "医生   doc");
        assert_eq!(lines[3], "admin  a");
    }

    #[test]
    fn client_errors_are_explained_plainly() {
        let e: anyhow::Error = hops_platform::Error::invalid(vec![
            hops_platform::FieldError::new("username", "用户名太短"),
            hops_platform::FieldError::new("password", "密码至少 10 位"),
        ])
        .into();
        assert_eq!(explain(&e), "有 2 处输入需要修改\n  - 用户名太短\n  - 密码至少 10 位");
    }

    #[test]
    fn repeated_causes_are_dropped() {
        #[derive(Debug)]
        struct Inner;
        impl std::fmt::Display for Inner {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("db gone")
            }
        }
        impl std::error::Error for Inner {}
        #[derive(Debug)]
        struct Outer(Inner);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "error returned from database: {}", self.0)
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = anyhow::Error::new(Outer(Inner)).context("无法连接数据库");
        assert_eq!(explain(&e), "无法连接数据库: error returned from database: db gone");
    }
}
