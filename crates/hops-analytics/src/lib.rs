//! Internet-hospital activity data (SPEC §1) and what is built on it, one area per folder with the
//! same rooms: `activity` (ingest, roll-ups, bad-review reasons), `kpi` (formulas, KPI sets, the
//! dashboard), `rankings`, `performance` (doctors' monthly sheets) and `revenue` (R per contract
//! year).

pub mod activity;
pub mod kpi;
pub mod performance;
pub mod rankings;
pub mod revenue;
mod web;
mod work;

pub use web::AnalyticsModule;

#[cfg(test)]
mod docs_tests {
    //! The documentation lists what the code does: every ingest column and every KPI.

    #[test]
    fn ingest_doc_lists_every_column() {
        let doc = include_str!("../../../docs/ingest.md");
        for kind in crate::activity::service::INGEST_KINDS {
            let section = doc.split(&format!("## `{kind}`")).nth(1).unwrap_or_else(|| panic!("docs/ingest.md lacks {kind}"));
            let section = section.split("\n## ").next().unwrap_or("");
            for c in crate::activity::service::columns(kind).unwrap() {
                assert!(section.contains(&format!("| `{}` | {} |", c.key, c.label)), "docs/ingest.md {kind} lacks column {}", c.key);
            }
        }
    }

    #[test]
    fn kpi_doc_lists_every_kpi() {
        let doc = include_str!("../../../docs/kpis.md");
        for k in crate::kpi::model::KPIS {
            let row = doc.lines().find(|l| l.starts_with(&format!("| `{}` | {} |", k.key, k.label_zh)));
            assert!(row.is_some_and(|r| r.ends_with(&format!("| {} |", k.definition_zh))), "docs/kpis.md: {} differs from the page", k.key);
        }
    }
}
