//! A pipeline's campaigns and ladder of engagement once checked: what the metrics measure.
//! Their `Debug` text is part of `.analyze-fingerprint` (run.rs): keep fields and order.

use std::collections::BTreeMap;

use chrono::NaiveDate;

/// A checked campaign, as the metrics use it.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    /// What the campaign asked of its supporters, one sentence (white space collapsed):
    /// the first line of its recap (docs/recap.md).
    pub ask: Option<String>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub baseline_start: NaiveDate,
    pub baseline_end: NaiveDate,
    pub tz: chrono_tz::Tz,
    /// platform → lower-case handles/ids without `@`.
    pub own_accounts: BTreeMap<String, Vec<String>>,
    /// Lower-case, without `#`.
    pub hashtags: Vec<String>,
    /// Lower-case handles without `@`.
    pub targets: Vec<String>,
    pub url_prefixes: Vec<String>,
    /// Days before `start` whose own posts are the account's normal (docs/metrics.md#benchmarks).
    pub benchmark_days: u32,
    /// Follower growth (docs/metrics.md#follower-growth): the trend is fitted over this many
    /// days before `start` (default 90).
    pub growth_history_days: u32,
    /// The last day the follower trend is projected to; on or after `end` (default `end`).
    pub project_to: NaiveDate,
    /// What the campaign set out to do, in the file's order (docs/metrics.md#goals).
    pub goals: Vec<Goal>,
    /// Dated events (`[[campaigns.milestones]]`), in the pipeline's order.
    pub milestones: Vec<Milestone>,
    /// Accounts whose taking part is measured (docs/metrics.md#key-accounts): the pipeline's
    /// shared ones and the campaign's own, by (platform, account), later entries winning.
    pub key_accounts: Vec<KeyAccount>,
    /// An author of campaign posts with at least this many followers is named in
    /// `top_voices` (docs/metrics.md#top-voices); default 5,000.
    pub min_followers_to_name: i64,
    /// Ranks kept per (campaign, platform) in `top_voices`; default 20.
    pub top_voices: usize,
}

/// A checked goal: a figure of [`crate::metrics::goals::METRICS`] and the value it should
/// reach (at least, or at most for a latency), optionally by a given day.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// Unique within the campaign: the slug of `label`, else the metric's name.
    pub key: String,
    pub label: Option<String>,
    /// A name in [`crate::metrics::goals::METRICS`].
    pub metric: String,
    /// The target; `true` is 1.0 for a yes/no metric.
    pub target: f64,
    /// Progress is measured up to this day (inclusive, the campaign's days); the whole
    /// window when absent.
    pub by: Option<NaiveDate>,
}

/// A dated event of a campaign: a press release, the target's action, an offline event.
/// Drawn as a marker on the campaign's daily charts and listed in the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    /// The day, in the campaign's time zone.
    pub day: NaiveDate,
    /// The instant (µs since the epoch, UTC) when the pipeline gives a time; None for a day.
    pub at: Option<i64>,
    pub label: String,
    /// `press_release`, `target_action`, `offline_event` or any other word.
    pub kind: String,
}

/// A key account of a campaign (docs/metrics.md#key-accounts).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAccount {
    /// Lower-case.
    pub platform: String,
    /// A handle (lower-case, without `@`) or an account id.
    pub account: String,
    /// `organisation`, `expert`, `media`, `official` or any text; None when not given.
    pub label: Option<String>,
}

impl Campaign {
    /// Days in the window (inclusive).
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }
}

/// A rung of the ladder: its name and action verbs.
#[derive(Debug, Clone, PartialEq)]
pub struct Rung {
    pub name: String,
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ladder {
    pub rungs: Vec<Rung>,
    pub period_days: u32,
}

impl Default for Ladder {
    /// docs/metrics.md#ladder-of-engagement.
    fn default() -> Self {
        let r = |name: &str, a: &[&str]| Rung { name: name.into(), actions: a.iter().map(|s| s.to_string()).collect() };
        Ladder {
            rungs: vec![
                r("react", &["like", "reaction", "favorite", "follow"]),
                r("amplify", &["share", "retweet", "quote", "post"]),
                r("voice", &["comment", "reply", "mention_target", "email_target", "call_target"]),
                r("sign", &["sign_petition", "pledge"]),
                r("commit", &["donate", "attend_event", "volunteer", "host_event", "organize"]),
            ],
            period_days: 7,
        }
    }
}
