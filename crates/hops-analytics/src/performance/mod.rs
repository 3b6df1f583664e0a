//! Doctor performance (医生绩效, SPEC §1 item 7, seed 002 七): a configurable monthly formula per
//! hospital, per-doctor monthly sheets computed exactly in fen with a printed trace, and their
//! verification flow.
//!
//! * **Formula** (`/performance/settings`): a unit price per completed, not refunded
//!   consultation of each kind (图文/视频/电话/复诊), the doctor's share (0–100 %) of the revenue
//!   of paid, not refunded consultations, a deduction per timeout (first reply more than N
//!   minutes after payment — exactly N minutes is not a timeout) and per upheld complaint.
//!   Consultations count in the month of their `created_at` (Asia/Shanghai), as for the KPIs.
//! * **Sheets** (`/performance?month=YYYY-MM`): generated per month for doctors with activity
//!   (or with adjustments), regenerated at will until the month is locked. A month keeps the
//!   formula it was generated with; a sheet keeps its inputs, so its trace is recomputed exactly
//!   and never drifts. Upheld complaints and manual adjustments (+/−) are recorded on the sheet
//!   with a reason (complaints will later come from the service desk).
//! * **Verification**: `draft` → the doctor confirms or disputes (with a comment) → an operator
//!   resolves a dispute (comment, optionally an adjustment) → the operator locks the month (no
//!   more changes, refused while disputes are open). An operator may record the doctor's answer
//!   on their behalf with a note. A confirmed sheet whose total changes goes back to `draft`.
//! * **Doctors** are users with role `doctor` whose **username equals the doctor code (工号)**
//!   of the hospital: they see and answer only their own sheets. Staff with `AnalyticsRead` see
//!   all sheets; those who also hold `ActivityIngest` (operator, hospital admin) manage them.
//! * Every change and every export is audited.

pub mod model;
pub mod service;
pub(crate) mod store;
pub mod web;
