//! Periodic operations reports.
