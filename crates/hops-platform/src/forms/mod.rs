//! Questionnaires (问卷) for every module: one engine for the desk's satisfaction surveys, the
//! checkup health questionnaire and what comes next (care pathways, campaign surveys,
//! acceptance checklists). See `docs/forms.md`.
//!
//! A form has versions; a version has sections and questions of six kinds (single and multiple
//! choice, scale, number with unit and range, text, date), conditions on earlier answers, and
//! scoring (sum or mean, with result bands). Answers are stored per person (a subject reference,
//! `patient:<id>` / `checkup_person:<id>`) and version: a version that has answers never changes,
//! an edit makes the next one.
//!
//! Rooms: [`model`] (pure: definitions, their checks, answers, conditions, scoring, the version
//! rule), [`lines`] (the editor's text form), [`store`] (SQL), [`service`] (use cases for the
//! console and for modules), [`web`] (console editor, answers and export, the API, and the H5
//! renderer any module's patient pages include: `templates/forms/h5_questions.html` over
//! [`web::H5Form`]).

pub mod condition;
pub mod lines;
pub mod model;
pub mod service;
pub(crate) mod store;
pub mod web;

#[cfg(test)]
mod model_tests;

pub use model::{Answer, Definition, Kind, Question, RawAnswers, Subject};
pub use service::{Form, FormSpec, ResponseRow, define, submit};
