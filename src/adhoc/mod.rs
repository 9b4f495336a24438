//! Ad hoc analysis of past campaigns (docs/campaigns.md): find the campaigns a lake holds
//! ([`candidates`], `rallylens campaigns`), by campaign tags and by bursts of a series
//! against its own baseline ([`bursts`]); and size one up without a pipeline file
//! ([`pipeline`], `rallylens analyze --lake DIR --campaign ID --start … --end …`).

pub mod bursts;
pub mod candidates;
pub mod pipeline;
