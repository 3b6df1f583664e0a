//! The service desk, owned by `hops-desk`.

use hops_platform::jobs::Event;
use serde::{Deserialize, Serialize};

/// A ticket was resolved (by an agent, or closed as resolved).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketResolved {
    pub ticket: i64,
    pub number: String,
    /// The category's code.
    pub category: String,
    /// Seconds from opening to resolution.
    pub seconds_open: i64,
}

impl Event for TicketResolved {
    const NAME: &'static str = "desk.ticket.resolved";
}
