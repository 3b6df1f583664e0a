//! Internet-hospital activity data (SPEC §1): ingest of consultations, appointments, payments
//! and prescriptions (plus master data through the master module), and the KPIs built on them.

pub mod kpi;
pub mod model;
pub mod performance;
pub mod rankings;
pub mod revenue;
pub mod reviews;
pub mod rollup;
pub mod service;
pub(crate) mod store;
pub mod upkeep;
mod web;

pub use web::AnalyticsModule;

#[cfg(test)]
mod docs_tests {
    //! The documentation lists what the code does: every ingest column and every KPI.

    #[test]
    fn ingest_doc_lists_every_column() {
        let doc = include_str!("../../../docs/ingest.md");
        for kind in crate::service::INGEST_KINDS {
            let section = doc.split(&format!("## `{kind}`")).nth(1).unwrap_or_else(|| panic!("docs/ingest.md lacks {kind}"));
            let section = section.split("\n## ").next().unwrap_or("");
            for c in crate::service::columns(kind).unwrap() {
                assert!(section.contains(&format!("| `{}` | {} |", c.key, c.label)), "docs/ingest.md {kind} lacks column {}", c.key);
            }
        }
    }

    #[test]
    fn kpi_doc_lists_every_kpi() {
        let doc = include_str!("../../../docs/kpis.md");
        for k in crate::kpi::KPIS {
            assert!(doc.contains(&format!("| `{}` | {} |", k.key, k.label_zh)), "docs/kpis.md lacks {}", k.key);
        }
    }
}
