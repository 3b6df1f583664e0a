//! SLA clocks: business calendars (`calendar`) and the first-response / resolution clocks of a
//! ticket with pauses (`clock`), and the procurement documents' presets (`presets`). Pure: no I/O,
//! no `now()`.

pub mod calendar;
pub mod clock;
pub mod presets;
