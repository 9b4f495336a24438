//! Integration tests: one binary (every test binary links the whole crate), one module
//! per area.

mod analyze;
mod common;
mod duckdb;
mod help;
mod hostile;
mod ingest_cli;
mod kill;
mod pipeline;
mod privacy;
mod run;
mod synth;
