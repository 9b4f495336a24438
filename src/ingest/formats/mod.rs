//! One export format per file; only [`crate::ingest::REGISTRY`] names them.

pub mod action_network_csv;
pub mod action_network_json;
pub mod actions_csv;
pub mod custom_csv;
pub mod facebook_graph_json;
pub mod facebook_insights_csv;
pub mod flickr_json;
pub mod ga4_bigquery_jsonl;
pub mod instagram_dyi_json;
pub mod instagram_graph_json;
pub mod matomo_csv;
pub mod meta_business_suite_csv;
pub mod plausible_csv;
pub mod press_csv;
pub mod twitter_analytics_csv;
pub mod twitter_archive;
pub mod twitter_csv;
pub mod twitter_v1_json;
pub mod twitter_v2_jsonl;
pub mod ua_csv;
