//! Helpers shared by several adapters: CSV and line reading, text and time parsing, the
//! post-id rules, the traffic roll-up, the channel table. Nothing here names an adapter;
//! only [`crate::ingest::REGISTRY`] does.

pub mod actions;
pub mod channel;
pub mod columns;
pub mod country;
pub mod csv;
pub mod encoding;
pub mod json;
pub mod limits;
pub mod meta;
pub mod post_ids;
pub mod traffic;
pub mod twitter;
pub mod util;
pub mod walk;
