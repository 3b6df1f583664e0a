//! Service desk (SPEC §2, seeds 000–004): tickets from every channel with SLA clocks on business
//! calendars, the knowledge base and the patients' FAQ bot, follow-up and complaints. Each
//! business area keeps the four rooms (`model`, `store`, `service`, and the module's `web`).

pub mod bot;
pub mod complaint;
pub mod followup;
pub mod kb;
pub mod setup;
pub mod sla;
pub mod ticket;
mod web;

pub use web::DeskModule;
