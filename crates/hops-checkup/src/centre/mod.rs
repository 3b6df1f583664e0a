//! The checkup centre as patients find it: name, address (with a map link), the phone to call,
//! when to arrive and how to get there — shown on a paid booking and its success page.

pub mod model;
pub mod service;
mod store;
