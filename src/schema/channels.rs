//! The canonical traffic channels (docs/lake.md#traffic): what ingest maps sources to and
//! what the metrics sum as "social".

/// The canonical channels, in the order reports list them.
pub const CHANNELS: [&str; 12] = [
    "facebook",
    "twitter",
    "instagram",
    "flickr",
    "youtube",
    "linkedin",
    "other_social",
    "search",
    "email",
    "direct",
    "referral",
    "other",
];

/// The social channels (the first seven of [`CHANNELS`]); every other channel is the
/// control of docs/metrics.md#referral-uplift.
pub const SOCIAL: [&str; 7] = ["facebook", "twitter", "instagram", "flickr", "youtube", "linkedin", "other_social"];

/// True for the channels docs/metrics.md#referral-uplift sums as "all social".
pub fn is_social(channel: &str) -> bool {
    SOCIAL.contains(&channel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn social_is_the_head_of_channels() {
        assert_eq!(SOCIAL[..], CHANNELS[..7]);
        assert_eq!(CHANNELS.iter().filter(|c| is_social(c)).count(), 7);
    }
}
