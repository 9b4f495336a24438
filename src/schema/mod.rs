//! What every stage shares: the lake's records ([`model`]), the record sink adapters write
//! to ([`record`]), the canonical traffic channels ([`channels`]) and the checked campaigns
//! and ladder the metrics measure ([`campaign`]). It depends on no stage.

pub mod campaign;
pub mod channels;
pub mod country;
pub mod model;
pub mod record;

pub use campaign::{Campaign, Ladder, Rung};
pub use model::*;
pub use record::{limit_repeats, Out, Reject, Repeat, Repeats, Warning};
