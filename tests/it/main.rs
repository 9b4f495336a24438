//! Integration tests: one binary (every test binary links the whole crate), one module
//! per area.

mod adhoc;
mod analyze;
mod cli;
mod common;
mod compare;
mod duckdb;
mod figures;
mod help;
mod hostile;
mod ingest_cli;
mod kill;
mod pipeline;
mod post_ids;
mod privacy;
mod recap;
mod run;
mod s3;
mod server;
mod spark;
mod spark4;
mod sql;
mod synth;
