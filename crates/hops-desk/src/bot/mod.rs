//! The patients' FAQ bot: Chinese text normalisation and segmentation (`text`), the matcher that
//! answers from the knowledge base only when confident (`matcher`), the plain BM25 baseline it is
//! measured against (`bm25`), the evaluation behind `hops kb eval` (`eval`), and the rule that
//! routes medical questions to a doctor instead (`triage`).
//!
//! Public API: [`text::Analyzer::shared`] (process-wide; jieba loads once),
//! [`matcher::Index::build`] (per hospital, `Send + Sync`) and [`matcher::Index::ask`] →
//! [`matcher::Answer`] (`answered`, `best`, `alternatives`: [`matcher::Hit`] with `article_id`,
//! `matched_question`, `confidence` 0..1; answered when `confidence ≥` [`matcher::THRESHOLD`]),
//! [`needs_doctor`], [`bm25::Bm25`], [`eval::run`].

pub mod bm25;
pub mod eval;
pub mod matcher;
pub mod service;
pub(crate) mod store;
pub mod text;
pub mod triage;

pub use triage::needs_doctor;
