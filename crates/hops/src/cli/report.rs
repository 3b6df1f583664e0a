//! `hops report --period month --at 2026-10 --format pdf|xlsx --out FILE`: the same report as
//! the console's preview, written to a file (not published, not sent).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use hops_platform::accounts::service as accounts;

use super::Globals;
use super::admin::{hospital, with_core};

/// The output format: `--format`, else the file's extension, else PDF.
fn format_of(format: Option<&str>, out: &Path) -> anyhow::Result<&'static str> {
    let f = match format.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => f.to_lowercase(),
        None => out.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_else(|| "pdf".into()),
    };
    match f.as_str() {
        "pdf" => Ok("pdf"),
        "xlsx" | "excel" => Ok("xlsx"),
        other => bail!("不支持的格式 {other}，应为 pdf 或 xlsx"),
    }
}

pub async fn run(
    globals: &Globals,
    period: &str,
    at: Option<&str>,
    format: Option<&str>,
    out: &Path,
    code: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let format = format_of(format, out)?;
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
        let access = core.act_as_system(h.id);
        let range = hops_reports::service::parse_range(Some(period), at, access.now().local_day())
            .map_err(|e| anyhow::anyhow!(e.public_message()))?;
        let report = hops_reports::service::build(&access, range).await.map_err(|e| anyhow::anyhow!(e.public_message()))?;
        let (title, label) = (report.title, report.label.clone());
        let bytes = match format {
            "pdf" => hops_reports::service::render_pdf(report).await,
            _ => hops_reports::service::render_xlsx(&report),
        }
        .map_err(|e| anyhow::anyhow!(e.public_message()))?;
        std::fs::write(out, &bytes).with_context(|| format!("无法写入 {}", out.display()))?;
        println!("已生成 {}《{title}》{label}：{}（{} KB）", h.name, out.display(), bytes.len().div_ceil(1024));
        Ok(ExitCode::SUCCESS)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_flag_or_extension() {
        assert_eq!(format_of(None, Path::new("r.xlsx")).unwrap(), "xlsx");
        assert_eq!(format_of(None, Path::new("r")).unwrap(), "pdf");
        assert_eq!(format_of(Some("PDF"), Path::new("r.xlsx")).unwrap(), "pdf");
        assert!(format_of(Some("docx"), Path::new("r")).unwrap_err().to_string().contains("pdf 或 xlsx"));
    }
}
