//! Use cases of the knowledge base: save an article (each save is a new version), list and
//! search, the version history, import (all or nothing, or the good rows) and export.

use std::collections::HashMap;

use hops_platform::tabular::{self, ImportReport, Mode, RowError};
use hops_platform::web::Paging;
use hops_platform::{Access, Error, Permission, Result, db};

use super::model::{self, ArticleDraft, ArticleInput, ArticleStatus};
use super::store::{self, ArticleRow};

fn by(access: &Access) -> String {
    access.actor().display_name.clone()
}

/// Saves an article: a new one (`id` None) or a new version of an existing one. The standard
/// question is unique in the hospital.
pub async fn save(access: &Access, id: Option<i64>, input: &ArticleInput) -> Result<ArticleRow> {
    access.require(Permission::KbEdit)?;
    if let Some(id) = id {
        // Another hospital's (or a deleted) article is 404 whatever the input.
        get(access, id).await?;
    }
    let d = input.check().map_err(Error::invalid)?;
    let mut tx = access.tenant().write().await?;
    if let Some(other) = store::by_question(&mut tx, &d.question).await?
        && Some(other.id) != id
    {
        return Err(Error::invalid_field("question", format!("已有相同标准问题的知识（编号 {}）", other.id)));
    }
    let now = access.now();
    let (id, version, insert) = match id {
        Some(id) => {
            let old = store::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("知识"))?;
            (id, old.version + 1, false)
        }
        None => (tx.next_id(access.engine()).await?, 1, true),
    };
    if let Err(e) = store::save(&mut tx, id, version, &d, now, &by(access), insert).await {
        if db::is_unique_violation(&e) {
            return Err(Error::invalid_field("question", "已有相同标准问题的知识"));
        }
        return Err(e.into());
    }
    let detail = format!("{} 第 {version} 版（{}）", d.question, d.status.label_zh());
    access.audit(&mut tx, "desk.kb.save", &format!("desk_kb:{id}"), &detail).await?;
    let row = store::get(&mut tx, id).await?.ok_or_else(|| Error::not_found("知识"))?;
    tx.commit().await?;
    Ok(row)
}

pub async fn get(access: &Access, id: i64) -> Result<ArticleRow> {
    let mut c = access.tenant().read().await?;
    store::get(&mut c, id).await?.ok_or_else(|| Error::not_found("知识"))
}

/// An article for its editors.
pub async fn article(access: &Access, id: i64) -> Result<ArticleRow> {
    access.require(Permission::KbEdit)?;
    get(access, id).await
}

/// Replaces an article's variant phrasings (a new version, the rest unchanged).
pub async fn set_variants(access: &Access, id: i64, variants: &[String]) -> Result<ArticleRow> {
    let a = article(access, id).await?;
    let input = ArticleInput {
        question: a.question,
        variants: variants.join("\n"),
        answer: a.answer,
        category: a.category,
        status: a.status.code().into(),
    };
    save(access, Some(id), &input).await
}

/// An article's saved versions, newest first; 404 for an article not in the hospital.
pub async fn versions(access: &Access, id: i64) -> Result<Vec<(i64, ArticleDraft, hops_kernel::Instant, String)>> {
    article(access, id).await?;
    let mut c = access.tenant().read().await?;
    Ok(store::versions(&mut c, id).await?)
}

pub async fn list(
    access: &Access,
    text: &str,
    category: &str,
    status: Option<ArticleStatus>,
    paging: Paging,
) -> Result<(Vec<ArticleRow>, i64)> {
    access.require(Permission::KbEdit)?;
    let mut c = access.tenant().read().await?;
    Ok(store::list(&mut c, text.trim(), category.trim(), status, paging.offset(), paging.per_page).await?)
}

pub async fn categories(access: &Access) -> Result<Vec<String>> {
    let mut c = access.tenant().read().await?;
    Ok(store::categories(&mut c).await?)
}

/// Imports articles from CSV/XLSX (columns `question, variants, answer, category[, status]`).
/// An existing standard question gets a new version when anything changed. All or nothing
/// unless `mode` says to keep the good rows.
pub async fn import(access: &Access, bytes: &[u8], filename: &str, mode: Mode) -> Result<ImportReport> {
    access.require(Permission::KbEdit)?;
    let table = tabular::read(bytes, filename).await?;
    let mut report = ImportReport { total: table.rows.len(), ..Default::default() };
    let idx = match table.locate(model::COLUMNS) {
        Ok(i) => i,
        Err(e) => {
            report.rejected = e;
            return Ok(report);
        }
    };
    if table.rows.is_empty() {
        report
            .rejected
            .push(RowError { row: 2, column: String::new(), message: "文件中没有知识（表头下没有数据行）".into() });
        return Ok(report);
    }
    let mut good: Vec<ArticleDraft> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, row) in table.rows.iter().enumerate() {
        let line = i + 2;
        let input = ArticleInput {
            question: tabular::cell(row, idx[0]).into(),
            variants: tabular::cell(row, idx[1]).into(),
            answer: tabular::cell(row, idx[2]).into(),
            category: tabular::cell(row, idx[3]).into(),
            status: tabular::cell(row, idx[4]).into(),
        };
        match input.check() {
            Ok(d) => {
                if let Some(first) = seen.insert(d.question.clone(), line) {
                    report
                        .rejected
                        .push(RowError { row: line, column: "标准问题".into(), message: format!("与第 {first} 行重复") });
                } else {
                    good.push(d);
                }
            }
            Err(errs) => {
                for e in errs {
                    let column = model::COLUMNS.iter().find(|c| c.key == e.field).map_or(e.field.clone(), |c| c.label.to_string());
                    report.rejected.push(RowError { row: line, column, message: e.message });
                }
            }
        }
    }
    if !report.rejected.is_empty() && mode == Mode::AllOrNothing {
        return Ok(report);
    }
    let mut tx = access.tenant().write().await?;
    let now = access.now();
    let who = by(access);
    for d in &good {
        match store::by_question(&mut tx, &d.question).await? {
            Some(old) => {
                let same = old.variants == d.variants && old.answer == d.answer && old.category == d.category && old.status == d.status;
                if !same {
                    store::save(&mut tx, old.id, old.version + 1, d, now, &who, false).await?;
                    report.count(false);
                }
            }
            None => {
                let id = tx.next_id(access.engine()).await?;
                store::save(&mut tx, id, 1, d, now, &who, true).await?;
                report.count(true);
            }
        }
    }
    let detail = format!("{filename}：新增 {}，更新 {}，拒绝 {} 行", report.inserted, report.updated, report.rejected_rows());
    access.audit(&mut tx, "desk.kb.import", "desk_kb", &detail).await?;
    tx.commit().await?;
    report.committed = true;
    Ok(report)
}

/// Every article as XLSX, in the import's columns (so it can be edited and imported again).
pub async fn export(access: &Access) -> Result<Vec<u8>> {
    access.require(Permission::KbEdit)?;
    let mut c = access.tenant().read().await?;
    let rows: Vec<Vec<String>> = store::all(&mut c, false)
        .await?
        .into_iter()
        .map(|a| vec![a.question, a.variants.join("|"), a.answer, a.category, a.status.label_zh().to_string()])
        .collect();
    drop(c);
    let headers: Vec<String> = model::COLUMNS.iter().map(|c| c.header()).collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let bytes = tabular::write_xlsx("知识库", &headers, &rows)?;
    let mut tx = access.tenant().write().await?;
    access.audit(&mut tx, "desk.kb.export", "desk_kb", &format!("导出 {} 条知识", rows.len())).await?;
    tx.commit().await?;
    Ok(bytes)
}

pub fn template() -> Result<Vec<u8>> {
    tabular::template_xlsx("知识库", model::COLUMNS)
}
