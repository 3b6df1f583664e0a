//! Master data.
