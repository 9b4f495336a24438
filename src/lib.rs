//! rallylens: did the campaign work?
//!
//! `exports --ingest--> lake (Parquet) --analyze--> metric tables --render--> charts + report`
//!
//! - [`ingest`]: one adapter per export format, detected from content.
//! - [`lake`]: the hive-partitioned Parquet lake, its manifest and atomic commits.
//! - [`schema`]: what every stage shares: the canonical tables (docs/lake.md) as Rust records
//!   and Arrow schemas, the record sink, the channels, the checked campaigns.

pub mod adhoc;
pub mod cli;
pub mod compare;
pub mod cli_docs;
pub mod ingest;
pub mod lake;
pub mod privacy;
pub mod pseudo;
pub mod pipeline;
pub mod metrics;
pub mod render;
pub mod say;
pub mod schema;
pub mod sql;
pub mod spark;
pub mod support;
pub mod synth;
#[cfg(test)]
pub(crate) mod testkit;
pub mod timing;

/// `crate::model::…` paths keep working: the records live in [`schema::model`].
pub use schema::model;
/// `crate::run::…` paths keep working: `run` is part of [`pipeline`].
pub use pipeline::run;
