//! The demo hospital.
