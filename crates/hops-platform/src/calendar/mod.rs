//! The business calendar, for every module: weekly hours with holidays and make-up workdays
//! (`model::Calendar`, pure, with the clocks' business-time arithmetic), the official public
//! holidays of each year (`holidays`: shipped years, parsing and checks), the hospital's own
//! versions (`store`, `service`) and the pages where administrators keep them (`web`).

pub mod holidays;
pub mod model;
pub mod service;
mod store;
pub mod web;
pub mod week_form;

pub use holidays::HolidayArrangement;
pub use model::{Calendar, CalendarError, Interval, MICROS_PER_MINUTE, MINUTES_PER_DAY};
pub use service::PublicDays;
pub use week_form::{DayMode, WeekForm};
