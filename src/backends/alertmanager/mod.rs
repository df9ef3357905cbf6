//! Alertmanager (API v2): its alerts, and the silences the console reads and writes.

pub mod feed;
pub mod lookup;
pub mod parse;
mod silence_parse;
pub mod silences;
#[cfg(test)]
mod write_tests;
