//! SLA clocks: the first-response / resolution clocks of a ticket with pauses (`clock`, on the
//! platform's business calendars, `hops_platform::calendar`), and the procurement documents'
//! presets (`presets`). Pure: no I/O, no `now()`.

pub mod clock;
pub mod presets;
