//! The knowledge base the FAQ bot answers from: articles with a standard question, variant
//! phrasings, an answer (small safe markup), category, status and versions; import/export.

pub mod model;
pub mod service;
pub(crate) mod store;

/// The demo hospital's FAQ (`data/faq-demo.csv`, the import format): about 90 questions an
/// internet hospital's patients ask, with variants and answers.
pub const DEMO_FAQ: &str = include_str!("../../data/faq-demo.csv");
