//! Revenue R per contract year (合同年度累计收入 R, issue #3 item 8; seed 000): the figure the
//! operation service fees are settled on — base fee in full from 1800 万元, incremental fee in
//! tiers up to 3000 万 and 5000 万元.
//!
//! * **Settings** (`/kpis/revenue/settings`, per hospital): the contract start date (contract
//!   years run from anniversary to anniversary), the year's target in 万元 and which components
//!   count. Without settings: the calendar year, 1800 万元, and consultations + outpatient,
//!   prescription and other payments (why: [`model`]).
//! * **Figure** (`/kpis/revenue`, `GET /api/v1/revenue`, a dashboard tile): the sum of the chosen
//!   components from the first day of the contract year to today inclusive, from the daily
//!   metrics kept on ingest (`activity_daily`), exact in fen, with progress against the target
//!   and a cumulative line by calendar month.

pub mod model;
pub mod service;
pub(crate) mod store;
pub(crate) mod web;
