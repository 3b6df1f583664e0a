//! `hops kb eval <kb-file> <queries-file> [--pad-to N] [--misses]`: the FAQ bot against the plain
//! BM25 baseline on a knowledge base in the import format and a query file, side by side (needs
//! no database or configuration); `hops kb import <file>`: a hospital's knowledge base from a file.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use hops_desk::bot::eval;
use hops_platform::tabular::Mode;

use super::Globals;
use super::admin::with_core;
use super::checkup::{pick, public};

pub fn eval(kb: &Path, queries: &Path, pad_to: Option<usize>, misses: bool) -> anyhow::Result<ExitCode> {
    let report = eval::run(kb, queries, &eval::Options { pad_to, show_misses: misses })?;
    print!("{report}");
    Ok(ExitCode::SUCCESS)
}

/// `hops kb import <file>`: the knowledge base from CSV/XLSX into a hospital, all or nothing.
pub async fn import(globals: &Globals, file: &Path, code: Option<&str>) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取文件 {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    with_core(globals, |core| async move {
        let h = pick(&core, code).await?;
        let report = hops_desk::kb::service::import(&core.act_as_system(h.id), &bytes, &name, Mode::AllOrNothing).await.map_err(public)?;
        if report.committed {
            println!("已导入 {} 的知识库：共 {} 行，新增 {} 条，更新 {} 条", h.name, report.total, report.inserted, report.updated);
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("文件有 {} 处问题，未导入任何内容：", report.rejected.len());
        for e in &report.rejected {
            eprintln!("  第 {} 行 {}：{}", e.row, e.column, e.message);
        }
        Ok(ExitCode::from(1))
    })
    .await
}
