//! Integration tests against the real application: HTTP on port 0, real databases (SQLite
//! always; PostgreSQL too when HOPS_TEST_DATABASE_URL is set), real Chromium for pages.

mod analytics;
mod audit;
mod auth;
mod browser;
mod calendar;
mod checkup;
mod checkup_advice;
mod checkup_console;
mod checkup_group;
mod checkup_group_h5;
mod checkup_h5;
mod checkup_pay;
mod checkup_transfer;
mod desk_bot;
mod desk_complaint;
mod desk_followup;
mod desk_tickets;
mod encryption;
mod example_module;
mod h5_identity;
mod install;
mod jobs;
mod malformed;
mod master;
mod notify;
mod performance;
mod production;
mod rankings;
mod reports;
mod revenue;
mod schema;
mod sms;
mod tenancy;
mod throttle;
mod uploads;
