//! `hops import KIND FILE`: the same ingest as the console and the API, from the command line,
//! with a progress display and, for `--skip-bad`, a rejects file next to the input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use hops_platform::accounts::service as accounts;
use hops_platform::tabular::{self, Mode, RowError};
use indicatif::{ProgressBar, ProgressStyle};

use super::Globals;
use super::admin::{hospital, with_core};

pub async fn run(globals: &Globals, kind: &str, file: &Path, code: Option<&str>, skip_bad: bool) -> anyhow::Result<ExitCode> {
    if hops_analytics::activity::service::columns(kind).is_none() {
        bail!("未知的数据类型 {kind}，应为 {}", hops_analytics::activity::service::INGEST_KINDS.join("、"));
    }
    let bytes = std::fs::read(file).with_context(|| format!("无法读取文件 {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    with_core(globals, |core| async move {
        let h = match code {
            Some(c) => hospital(&core, c).await?,
            None => {
                let all: Vec<_> = accounts::all_hospitals(&core).await?.into_iter().filter(|h| !h.is_platform).collect();
                match all.as_slice() {
                    [one] => one.clone(),
                    [] => bail!("还没有医院（用 hops init 创建）"),
                    _ => bail!("有多家医院，请用 --hospital 指定医院编码"),
                }
            }
        };
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})")?);
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message(format!("读取 {name}"));
        let table = tabular::read(bytes.as_slice(), &name).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
        bar.set_message(format!(
            "校验并写入 {} 行{}数据到 {}",
            table.rows.len(),
            hops_analytics::activity::service::label_zh(kind),
            h.name
        ));
        let access = core.act_as_system(h.id);
        let mode = if skip_bad { Mode::SkipBad } else { Mode::AllOrNothing };
        let report = hops_analytics::activity::service::ingest(&access, kind, &table, mode)
            .await
            .map_err(|e| anyhow::anyhow!(e.public_message()))?;
        bar.finish_and_clear();
        if report.committed {
            println!("导入完成：共 {} 行，新增 {}，更新 {}。", report.total, report.inserted, report.updated);
        }
        if report.rejected.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        if report.committed {
            let rejects = rejects_path(file);
            write_rejects(&rejects, &table, &report.rejected)?;
            println!("跳过有误的 {} 行，已写入 {}（含每行的问题说明）。", report.rejected_rows(), rejects.display());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("文件有 {} 行存在问题，未导入任何数据：", report.rejected_rows());
        for e in report.rejected.iter().take(50) {
            eprintln!("  第 {} 行 {}: {}", e.row, e.column, e.message);
        }
        if report.rejected.len() > 50 {
            eprintln!("  …… 共 {} 处问题（用 --skip-bad 只导入无误的行，并把有误的行写入 rejects 文件）", report.rejected.len());
        }
        Ok(ExitCode::from(1))
    })
    .await
}

fn rejects_path(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".rejects.csv");
    PathBuf::from(s)
}

/// The rejected rows as they were, each with its problems, as CSV (UTF-8 with BOM for Excel).
fn write_rejects(path: &Path, table: &tabular::Table, errors: &[RowError]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["行号".to_string(), "问题".to_string()];
    header.extend(table.headers.iter().cloned());
    w.write_record(&header)?;
    let mut rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
    rows.sort_unstable();
    rows.dedup();
    for n in rows {
        let problems: Vec<String> = errors.iter().filter(|e| e.row == n).map(|e| format!("{}: {}", e.column, e.message)).collect();
        let mut record = vec![n.to_string(), problems.join("；")];
        if let Some(r) = n.checked_sub(2).and_then(|i| table.rows.get(i)) {
            record.extend(r.iter().cloned());
        }
        w.write_record(&record)?;
    }
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(w.into_inner()?);
    std::fs::write(path, bytes).with_context(|| format!("无法写入 {}", path.display()))?;
    Ok(())
}
