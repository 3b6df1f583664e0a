//! `hops checkup audit|export|import`: the checkup catalogue's configuration audit and its
//! workbook, through the same services as the console and the API, acting as the system.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use hops_checkup::catalogue::{service, transfer};
use hops_platform::Core;
use hops_platform::accounts::service as accounts;
use hops_platform::accounts::service::HospitalRow;

use super::Globals;
use super::admin::{hospital, with_core};

/// `--hospital`, else the only hospital, else the demo hospital.
pub(super) async fn pick(core: &Arc<Core>, code: Option<&str>) -> anyhow::Result<HospitalRow> {
    if let Some(c) = code {
        return hospital(core, c).await;
    }
    let all: Vec<_> = accounts::all_hospitals(core).await?.into_iter().filter(|h| !h.is_platform).collect();
    match all.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("还没有医院（用 hops init 创建）"),
        _ => match all.iter().find(|h| h.code == hops_demo::HOSPITAL_CODE) {
            Some(demo) => Ok(demo.clone()),
            None => bail!("有多家医院，请用 --hospital 指定医院编码"),
        },
    }
}

pub(super) fn public(e: hops_platform::Error) -> anyhow::Error {
    anyhow::anyhow!(e.public_message())
}

/// Prints every contradiction of the catalogue; exit code 1 when there are any.
pub async fn audit(globals: &Globals, code: Option<&str>) -> anyhow::Result<ExitCode> {
    with_core(globals, |core| async move {
        let h = pick(&core, code).await?;
        let findings = service::audit(&core.act_as_system(h.id)).await.map_err(public)?;
        if findings.is_empty() {
            println!("配置审核通过：未发现矛盾");
            return Ok(ExitCode::SUCCESS);
        }
        println!("{} 的体检目录有 {} 处矛盾：", h.name, findings.len());
        for f in &findings {
            println!("  {}：{}", f.kind_label(), f.message);
        }
        Ok(ExitCode::from(1))
    })
    .await
}

pub async fn export(globals: &Globals, file: &Path, code: Option<&str>) -> anyhow::Result<ExitCode> {
    with_core(globals, |core| async move {
        let h = pick(&core, code).await?;
        let bytes = transfer::export(&core.act_as_system(h.id)).await.map_err(public)?;
        std::fs::write(file, &bytes).with_context(|| format!("无法写入 {}", file.display()))?;
        println!("已导出 {} 的体检目录：{}（{} KB）", h.name, file.display(), bytes.len().div_ceil(1024));
        Ok(ExitCode::SUCCESS)
    })
    .await
}

/// Imports a workbook whole, or nothing and every problem (exit code 1).
pub async fn import(globals: &Globals, file: &Path, code: Option<&str>) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取文件 {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    with_core(globals, |core| async move {
        let h = pick(&core, code).await?;
        let summary = transfer::import(&core.act_as_system(h.id), &bytes, &name).await.map_err(public)?;
        if summary.committed {
            println!("已导入 {} 的体检目录：{}", h.name, summary.describe());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("文件有 {} 处问题，未导入任何内容：", summary.problems.len());
        for p in &summary.problems {
            eprintln!("  {p}");
        }
        Ok(ExitCode::from(1))
    })
    .await
}
