//! Status flows and approvals, a convention rather than an engine (`docs/module.md`, "Status
//! flows and approvals"): each module declares its flows' transition tables in its `model`
//! ([`model::Flow`]), writes one `status_history` row per status change in the transaction of
//! the change ([`service::record`], [`model::Flow::record`]), and asks for approvals
//! ([`service::request`]) that someone else holding the approver's permission decides
//! ([`service::decide`]); the module carries out what was approved ([`service::Approvable`]).
//! `web` has the history timeline partial every detail page includes and the inbox 待我审批.

pub mod model;
pub mod service;
pub(crate) mod store;
pub mod web;

pub use model::{Coded, Decision, Flow, Subject, Table};
pub use service::{Approvable, Approval, Change, Request};
pub use store::{ApprovalRow, HistoryRow};
