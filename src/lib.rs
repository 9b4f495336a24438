//! rallylens: did the campaign work?
//!
//! `exports --ingest--> lake (Parquet) --analyze--> metric tables --render--> charts + report`
//!
//! - [`ingest`]: one adapter per export format, detected from content.
//! - [`lake`]: the hive-partitioned Parquet lake, its manifest and atomic commits.
//! - [`model`]: the canonical tables (docs/lake.md) as Rust records and Arrow schemas.

pub mod channel;
pub mod cli;
pub mod cli_docs;
pub mod ingest;
pub mod lake;
pub mod model;
pub mod privacy;
pub mod pseudo;
pub mod pipeline;
pub mod metrics;
pub mod render;
pub mod run;
pub mod say;
pub mod support;
pub mod synth;
pub mod timing;
