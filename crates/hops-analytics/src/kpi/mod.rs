//! KPIs (SPEC §1, `docs/kpis.md`): the formulas over the activity roll-ups (`model`), a
//! period's KPI set with previous and year-ago periods and the dashboard figures (`service`), the
//! KPI page and API (`web`).

pub mod model;
pub mod service;
pub(crate) mod web;
