//! What every hops module stands on: database access bound to a tenant, migrations, accounts
//! and permissions, audit, field encryption, the job queue, notifications, configuration,
//! tabular import and export, questionnaires (forms), and the web shell. See `docs/ARCHITECTURE.md`.

pub mod accounts;
pub mod audit;
pub mod calendar;
pub mod charts;
pub mod config;
pub mod core;
pub mod crypto;
pub mod db;
pub mod error;
pub mod flow;
pub mod forms;
pub mod jobs;
pub mod memo;
pub mod notify;
pub mod patient;
pub mod people;
pub mod reencrypt;
pub mod services;
pub mod sms;
pub mod tabular;
pub mod throttle;
pub mod web;

pub use crate::core::{Access, Actor, Core, Tx, Visitor};
pub use accounts::model::{DataScope, Permission, Role};
pub use error::{Error, FieldError, Result};
