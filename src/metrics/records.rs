//! `records`: personal bests (docs/metrics.md#personal-bests). One row per (record,
//! platform): the best figure over every campaign of the pipeline, and the biggest own post
//! per platform over the whole lake, with the record it broke.
//!
//! Readings to keep:
//! - Records, in this fixed order (the table's row order): `biggest_own_post` (one row per
//!   platform, sorted), `most_signups_first_week`, `most_unique_actors`, `most_moved_up`,
//!   `largest_social_uplift`, `fastest_target_response`. Campaign records have platform
//!   `all` (a key column is never null); a post record names its platform.
//! - Post records: every own post of the lake (`own` of the scopes' posts, which hold the
//!   whole lake: own for any campaign of the pipeline, or `origin = owned`), also those
//!   outside every campaign window; engagements as docs/metrics.md#engagements-of-a-post.
//!   Two rows of one post (a Facebook id with and without its page, the join key) count
//!   once, at the larger figure. A post without `created_at` cannot be placed in time and
//!   is left out. `holder_campaign` is the campaign whose campaign posts include it (when
//!   several do, the earliest start, then the smaller id), else null.
//! - Campaign records read the tables computed before: `signups` (days 0–6 summed; a
//!   campaign without sign-up rows has no figure, so cannot hold it), the campaign's
//!   distinct actors as `campaign_kpis.unique_actors` ([`comparison::unique_actors`]),
//!   `ladder_summary` (Σ climbed), `referral_uplift` (`uplift_rel` of `all_social`: relative,
//!   so that campaigns of years with different site traffic compare), `target_response`
//!   (the smallest `latency_hours` that is ≥ 0: a target that spoke before anyone mentioned
//!   it did not respond, whatever the KPI's minimum says).
//! - A "most"/"largest" record needs a value above 0 (a campaign that moved nobody up holds
//!   nothing); the fastest response needs a latency ≥ 0. Without any, the campaign record's
//!   row has a null value and a `reason`; a platform without an own post above 0 engagements
//!   has no row.
//! - The holder: the best value; ties go to the earliest (campaign start, post time), then
//!   the smaller id. `previous_best` / `previous_holder`: the best among the candidates that
//!   came before the holder in that same order, leaving out the holder campaign's own
//!   (the record the holder broke: a campaign's biggest post breaks the best post before
//!   it of another campaign or of no campaign, not the campaign's own earlier post), null
//!   when none did. `set_in_this_run`: the holder is one of the pipeline's campaigns (for a post,
//!   a campaign post of one of them) and beat `previous_best`, or had none before it. A
//!   campaign record's holder is always a pipeline campaign and, ties going to the earlier
//!   one, always beat what came before; so only a post record can be held outside this run
//!   (an own post outside every campaign).
//! - Values are Float64 for every record (`unit` says what they count); no actor id ever,
//!   public post ids only.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use polars::prelude::*;
use serde_json::Value;

use super::registry::{Compute, Done, Table};
use super::{comparison, hashtags, ladder, signups, uplift, Scope};
use crate::model::join_key;

/// The `records` table (registry entry).
pub const RECORDS: Table = Table {
    name: "records",
    key: &["record", "platform"],
    columns: &[
        "record",
        "platform",
        "value",
        "holder_campaign",
        "holder_post_id",
        "previous_best",
        "previous_holder",
        "set_in_this_run",
        "unit",
        "holder_name",
        "previous_holder_post_id",
        "previous_holder_name",
        "candidates",
        "reason",
    ],
    compute: Compute::Derived(records),
};

/// Which way a record is beaten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// The larger value; a holder needs a value above 0.
    More,
    /// The smaller value; a holder needs a value ≥ 0.
    Less,
}

impl Better {
    fn beats(self, a: f64, b: f64) -> bool {
        match self {
            Better::More => a > b,
            Better::Less => a < b,
        }
    }

    fn admits(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Better::More => v > 0.0,
                Better::Less => v >= 0.0,
            }
    }
}

/// One record of the table.
pub struct Record {
    pub name: &'static str,
    /// What the value counts (the `unit` column).
    pub unit: &'static str,
    pub better: Better,
    /// The `reason` of a campaign record nobody holds.
    pub none: &'static str,
}

/// The post record (one row per platform).
pub const BIGGEST_OWN_POST: &str = "biggest_own_post";

/// Every record, in the table's order.
pub const RECORDS_IN_ORDER: &[Record] = &[
    Record { name: BIGGEST_OWN_POST, unit: "engagements", better: Better::More, none: "" },
    Record {
        name: "most_signups_first_week",
        unit: "sign-ups",
        better: Better::More,
        none: "no campaign has a sign-up in its first week",
    },
    Record {
        name: "most_unique_actors",
        unit: "actors",
        better: Better::More,
        none: "no campaign has an actor (own accounts and targets left out) in its window",
    },
    Record {
        name: "most_moved_up",
        unit: "supporters",
        better: Better::More,
        none: "no campaign moved a supporter up the ladder",
    },
    Record {
        name: "largest_social_uplift",
        unit: "relative uplift",
        better: Better::More,
        none: "no campaign has a social referral uplift above 0",
    },
    Record {
        name: "fastest_target_response",
        unit: "hours",
        better: Better::Less,
        none: "no target responded after being mentioned",
    },
];

/// The platform of a campaign record.
pub const ALL: &str = "all";

/// A value that may hold a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub value: f64,
    /// When it happened: a campaign's start (days since 1970-01-01), a post's `created_at`
    /// (µs).
    pub at: i64,
    /// After `at`, ties go to the smaller id: the campaign id, or the post id.
    pub id: String,
    /// The campaign (for a post: the campaign whose campaign posts include it).
    pub campaign: Option<String>,
    pub post_id: Option<String>,
}

impl Candidate {
    fn in_this_run(&self) -> bool {
        self.campaign.is_some()
    }
}

/// Who holds a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub holder: Candidate,
    /// The best that came before the holder (the record it broke).
    pub previous: Option<Candidate>,
    pub set_in_this_run: bool,
    /// How many candidates were compared.
    pub candidates: usize,
}

/// The holder of a record among `cands` (those `better` does not admit are left out),
/// and the best that came before it; None when no candidate is admitted.
pub fn hold(cands: Vec<Candidate>, better: Better) -> Option<Held> {
    let mut cands: Vec<Candidate> = cands.into_iter().filter(|c| better.admits(c.value)).collect();
    cands.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
    // The first of the best: a later equal value does not take the record.
    let best_of = |xs: &[Candidate]| -> Option<usize> {
        (0..xs.len()).fold(None, |best, i| match best {
            Some(j) if !better.beats(xs[i].value, xs[j].value) => Some(j),
            _ => Some(i),
        })
    };
    let h = best_of(&cands)?;
    let holder = cands[h].clone();
    // What the holder broke: the best before it that is not its own campaign's (an earlier
    // post of the same campaign is no record the campaign broke).
    let earlier: Vec<Candidate> = cands[..h]
        .iter()
        .filter(|c| holder.campaign.is_none() || c.campaign != holder.campaign)
        .cloned()
        .collect();
    let previous = best_of(&earlier).map(|i| earlier[i].clone());
    let set_in_this_run = holder.in_this_run() && previous.as_ref().is_none_or(|p| better.beats(holder.value, p.value));
    Some(Held { holder, previous, set_in_this_run, candidates: cands.len() })
}

/// One row of the table.
struct Row {
    record: &'static str,
    platform: String,
    unit: &'static str,
    held: Option<Held>,
    reason: Option<&'static str>,
}

/// docs/metrics.md#personal-bests: the `records` table (no part of `metrics.json`).
fn records(d: &Done<'_>) -> Result<(DataFrame, Value)> {
    let mut rows: Vec<Row> = Vec::new();
    let post = &RECORDS_IN_ORDER[0];
    for (platform, cands) in own_post_candidates(d.scopes)? {
        if let Some(held) = hold(cands, post.better) {
            rows.push(Row { record: post.name, platform, unit: post.unit, held: Some(held), reason: None });
        }
    }
    let per_campaign = campaign_values(d)?;
    for r in &RECORDS_IN_ORDER[1..] {
        let cands = d
            .scopes
            .iter()
            .filter_map(|s| {
                let c = s.campaign;
                let v = per_campaign.get(r.name)?.get(c.id.as_str())?;
                Some(Candidate {
                    value: *v,
                    at: crate::model::Day::from_naive(c.start).0 as i64,
                    id: c.id.clone(),
                    campaign: Some(c.id.clone()),
                    post_id: None,
                })
            })
            .collect();
        let held = hold(cands, r.better);
        let reason = held.is_none().then_some(r.none);
        rows.push(Row { record: r.name, platform: ALL.into(), unit: r.unit, held, reason });
    }
    let names: BTreeMap<&str, &str> =
        d.scopes.iter().map(|s| (s.campaign.id.as_str(), s.campaign.name.as_str())).collect();
    Ok((frame(&rows, &names)?, Value::Null))
}

/// Each campaign record's figure by campaign (campaigns without a figure absent).
fn campaign_values(d: &Done<'_>) -> Result<BTreeMap<&'static str, BTreeMap<String, f64>>> {
    let mut out: BTreeMap<&'static str, BTreeMap<String, f64>> = BTreeMap::new();
    let sign = d.table(&signups::SIGNUPS)?;
    let week: Vec<bool> = sign.column("day_since_launch")?.i64()?.iter().map(|d| d.is_some_and(|d| d < 7)).collect();
    out.insert("most_signups_first_week", fold(sign, "signups", |i| week[i], |a, b| a + b)?);
    let mut actors = BTreeMap::new();
    for s in d.scopes {
        if let Some(n) = comparison::unique_actors(s)? {
            actors.insert(s.campaign.id.clone(), n as f64);
        }
    }
    out.insert("most_unique_actors", actors);
    let ladder = ladder::ladder_headline(d.table(&ladder::LADDER_SUMMARY)?.clone().lazy()).collect()?;
    out.insert("most_moved_up", fold(&ladder, "moved_up", |_| true, |a, b| a + b)?);
    let up = d.table(&uplift::REFERRAL_UPLIFT)?;
    let channel = up.column("channel")?.str()?;
    let social: Vec<bool> = channel.iter().map(|c| c == Some("all_social")).collect();
    out.insert("largest_social_uplift", fold(up, "uplift_rel", |i| social[i], |a, _| a)?);
    let tr = d.table(&hashtags::TARGET_RESPONSE)?;
    let latency: Vec<bool> = tr.column("latency_hours")?.f64()?.iter().map(|l| l.is_some_and(|l| l >= 0.0)).collect();
    out.insert("fastest_target_response", fold(tr, "latency_hours", |i| latency[i], f64::min)?);
    Ok(out)
}

/// `column` (as f64) of the rows `keep` of a table with a `campaign` column, folded by
/// campaign with `f`; null values are left out.
fn fold(
    df: &DataFrame,
    column: &str,
    keep: impl Fn(usize) -> bool,
    f: impl Fn(f64, f64) -> f64,
) -> Result<BTreeMap<String, f64>> {
    let camp = df.column("campaign")?.str()?;
    let values = df.column(column)?.cast(&DataType::Float64)?;
    let values = values.f64()?;
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for (i, (c, v)) in camp.iter().zip(values.iter()).enumerate() {
        let (Some(c), Some(v)) = (c, v) else { continue };
        if keep(i) {
            out.entry(c.to_string()).and_modify(|x| *x = f(*x, v)).or_insert(v);
        }
    }
    Ok(out)
}

/// The lake's own posts with engagements, by platform: one candidate per post (see the
/// module docs), from the scopes' posts (each holds every post of the lake, in the same
/// row order, with the campaign's `own` and `campaign_post`).
fn own_post_candidates(scopes: &[Scope]) -> Result<BTreeMap<String, Vec<Candidate>>> {
    let Some(first) = scopes.first() else { return Ok(BTreeMap::new()) };
    let base = first
        .posts
        .clone()
        .select([
            col("platform"),
            col("post_id"),
            col("created_at").cast(DataType::Int64).alias("at"),
            col("engagements"),
        ])
        .collect()?;
    let n = base.height();
    let mut own = vec![false; n];
    let mut campaign: Vec<Option<&str>> = vec![None; n];
    // The earliest campaign (start, then id) whose campaign posts include a post holds it.
    let mut order: Vec<&Scope> = scopes.iter().collect();
    order.sort_by(|a, b| (a.campaign.start, &a.campaign.id).cmp(&(b.campaign.start, &b.campaign.id)));
    for s in order {
        let flags = s.posts.clone().select([col("own"), col("campaign_post")]).collect()?;
        if flags.height() != n {
            bail!("records: the scopes of {} and {} hold different posts", first.campaign.id, s.campaign.id);
        }
        let is_own = flags.column("own")?.bool()?;
        let member = flags.column("campaign_post")?.bool()?;
        for (i, (o, m)) in is_own.iter().zip(member.iter()).enumerate() {
            own[i] |= o == Some(true);
            if m == Some(true) && campaign[i].is_none() {
                campaign[i] = Some(s.campaign.id.as_str());
            }
        }
    }
    let platform = base.column("platform")?.str()?;
    let post_id = base.column("post_id")?.str()?;
    let at = base.column("at")?.i64()?;
    let eng = base.column("engagements")?.i64()?;
    // One candidate per (platform, join key): the larger figure, then the earlier row.
    let mut posts: BTreeMap<(String, String), Candidate> = BTreeMap::new();
    for i in 0..n {
        let (Some(p), Some(id), Some(at), Some(e)) = (platform.get(i), post_id.get(i), at.get(i), eng.get(i)) else {
            continue;
        };
        if !own[i] {
            continue;
        }
        let c = Candidate {
            value: e as f64,
            at,
            id: id.to_string(),
            campaign: campaign[i].map(String::from),
            post_id: Some(id.to_string()),
        };
        let key = (p.to_string(), join_key(p, id).to_string());
        match posts.get(&key) {
            Some(x) if !(c.value > x.value || (c.value == x.value && (c.at, &c.id) < (x.at, &x.id))) => {}
            _ => {
                posts.insert(key, c);
            }
        }
    }
    let mut out: BTreeMap<String, Vec<Candidate>> = BTreeMap::new();
    for ((p, _), c) in posts {
        out.entry(p).or_default().push(c);
    }
    Ok(out)
}

/// The rows as a frame with [`RECORDS`]' columns.
fn frame(rows: &[Row], names: &BTreeMap<&str, &str>) -> Result<DataFrame> {
    fn holder(r: &Row) -> Option<&Candidate> {
        r.held.as_ref().map(|h| &h.holder)
    }
    fn previous(r: &Row) -> Option<&Candidate> {
        r.held.as_ref().and_then(|h| h.previous.as_ref())
    }
    let name = |c: Option<&Candidate>| {
        c.and_then(|c| c.campaign.as_deref()).and_then(|id| names.get(id)).map(|n| n.to_string())
    };
    let strs = |f: &dyn Fn(&Row) -> Option<String>| rows.iter().map(f).collect::<Vec<Option<String>>>();
    let floats = |f: &dyn Fn(&Row) -> Option<f64>| rows.iter().map(f).collect::<Vec<Option<f64>>>();
    let columns = vec![
        Column::new("record".into(), rows.iter().map(|r| r.record).collect::<Vec<_>>()),
        Column::new("platform".into(), rows.iter().map(|r| r.platform.as_str()).collect::<Vec<_>>()),
        Column::new("value".into(), floats(&|r| holder(r).map(|h| h.value))),
        Column::new("holder_campaign".into(), strs(&|r| holder(r).and_then(|h| h.campaign.clone()))),
        Column::new("holder_post_id".into(), strs(&|r| holder(r).and_then(|h| h.post_id.clone()))),
        Column::new("previous_best".into(), floats(&|r| previous(r).map(|p| p.value))),
        Column::new("previous_holder".into(), strs(&|r| previous(r).and_then(|p| p.campaign.clone()))),
        Column::new(
            "set_in_this_run".into(),
            rows.iter().map(|r| r.held.as_ref().is_some_and(|h| h.set_in_this_run)).collect::<Vec<_>>(),
        ),
        Column::new("unit".into(), rows.iter().map(|r| r.unit).collect::<Vec<_>>()),
        Column::new("holder_name".into(), strs(&|r| name(holder(r)))),
        Column::new("previous_holder_post_id".into(), strs(&|r| previous(r).and_then(|p| p.post_id.clone()))),
        Column::new("previous_holder_name".into(), strs(&|r| name(previous(r)))),
        Column::new(
            "candidates".into(),
            rows.iter().map(|r| r.held.as_ref().map_or(0, |h| h.candidates as i64)).collect::<Vec<_>>(),
        ),
        Column::new("reason".into(), rows.iter().map(|r| r.reason).collect::<Vec<_>>()),
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn camp(id: &str, at: i64, value: f64) -> Candidate {
        Candidate { value, at, id: id.into(), campaign: Some(id.into()), post_id: None }
    }

    fn post(id: &str, at: i64, value: f64, campaign: Option<&str>) -> Candidate {
        Candidate { value, at, id: id.into(), campaign: campaign.map(String::from), post_id: Some(id.into()) }
    }

    /// A record broken: 2008 had 120 sign-ups, 2010 had 80, 2012 has 200. In time order
    /// the best before 2012 is 120 (2008): 2012 holds 200 and broke 120.
    #[test]
    fn a_later_campaign_breaks_the_record() {
        let h =
            hold(vec![camp("c2012", 300, 200.0), camp("c2008", 100, 120.0), camp("c2010", 200, 80.0)], Better::More)
                .unwrap();
        assert_eq!(h.holder.id, "c2012");
        assert_eq!(h.previous.as_ref().map(|p| (p.id.as_str(), p.value)), Some(("c2008", 120.0)));
        assert!(h.set_in_this_run);
        assert_eq!(h.candidates, 3);
    }

    /// A record not broken by this run: own posts of 15 (campaign a, t=1), 40 (outside
    /// every campaign, t=2) and 30 (campaign b, t=3). 40 holds, outside the campaigns;
    /// before it came 15 (a). Campaign b's 30 broke nothing.
    #[test]
    fn a_post_outside_the_campaigns_keeps_the_record() {
        let h = hold(
            vec![post("p1", 1, 15.0, Some("a")), post("p2", 2, 40.0, None), post("p3", 3, 30.0, Some("b"))],
            Better::More,
        )
        .unwrap();
        assert_eq!((h.holder.id.as_str(), h.holder.campaign.as_deref()), ("p2", None));
        assert_eq!(h.previous.as_ref().map(|p| (p.value, p.campaign.as_deref())), Some((15.0, Some("a"))));
        assert!(!h.set_in_this_run);
    }

    /// The record a campaign broke is not its own: own posts of 60 (campaign a, t=1), 50
    /// (b, t=3), 20 (no campaign, t=4) and 80 (b, t=5). 80 holds; before it came 60, 50
    /// and 20, but 50 is b's own: b broke a's 60. A post outside the campaigns compares
    /// with every earlier post: 70 (none, t=6) after 65 (none, t=2) and 60 (a) broke 65.
    #[test]
    fn a_campaign_breaks_the_best_before_it_of_others() {
        let cands = vec![
            post("p1", 1, 60.0, Some("a")),
            post("p3", 3, 50.0, Some("b")),
            post("p4", 4, 20.0, None),
            post("p5", 5, 80.0, Some("b")),
        ];
        let h = hold(cands, Better::More).unwrap();
        assert_eq!(h.holder.id, "p5");
        assert_eq!(h.previous.map(|p| p.id), Some("p1".to_string()));
        let h = hold(
            vec![post("p1", 1, 60.0, Some("a")), post("p2", 2, 65.0, None), post("p6", 6, 70.0, None)],
            Better::More,
        )
        .unwrap();
        assert_eq!((h.holder.id.as_str(), h.previous.map(|p| p.id)), ("p6", Some("p2".to_string())));
        assert!(!h.set_in_this_run);
    }

    /// Ties: 40 at t=5 (id "b") and 40 at t=5 (id "a") and 40 at t=9: the earliest, then the
    /// smaller id, holds ("a"); nothing came before it. The smallest latency wins for
    /// `Less`: 3.5 h (t=2) over 3.5 h (t=4) and 7 h (t=1), and it broke 7.
    #[test]
    fn ties_go_to_the_earliest_then_the_smaller_id() {
        let h = hold(vec![camp("b", 5, 40.0), camp("c", 9, 40.0), camp("a", 5, 40.0)], Better::More).unwrap();
        assert_eq!((h.holder.id.as_str(), h.previous.clone()), ("a", None));
        assert!(h.set_in_this_run);
        let h = hold(vec![camp("x", 4, 3.5), camp("y", 2, 3.5), camp("z", 1, 7.0)], Better::Less).unwrap();
        assert_eq!(h.holder.id, "y");
        assert_eq!(h.previous.map(|p| p.value), Some(7.0));
    }

    /// Only values above 0 hold a "most" record, and latencies ≥ 0 the fastest response:
    /// 0 sign-ups (a) and NaN (b) are not candidates; −2 h (a target that spoke before its
    /// first mention) is not a response time, so 0 h holds, over nothing.
    #[test]
    fn zero_negative_and_nan_hold_nothing() {
        assert_eq!(hold(vec![camp("a", 1, 0.0), camp("b", 2, f64::NAN)], Better::More), None);
        let h = hold(vec![camp("a", 1, -2.0), camp("b", 2, 0.0)], Better::Less).unwrap();
        assert_eq!((h.holder.id.as_str(), h.previous, h.candidates), ("b", None, 1));
    }

    use crate::model::{Action, Micros, Post};
    use crate::pipeline::Pipeline;

    fn ts(s: &str) -> Option<Micros> {
        Micros::parse_iso(s)
    }

    /// End to end through analyze, on a lake made by hand. Campaigns `old` (March 2010,
    /// #oldtag) and `new` (May 2012, #newtag), own account @amnesty on Twitter.
    #[test]
    fn analyze_writes_the_records() {
        std::thread::Builder::new().stack_size(64 << 20).spawn(records_end_to_end).unwrap().join().unwrap();
    }

    fn records_end_to_end() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        let p = |platform: &str, id: &str, origin: &'static str, handle: &str, at: &str, tag: &str, r: i64| Post {
            platform: platform.into(),
            post_id: id.into(),
            origin,
            account_id: Some(format!("u-{handle}")),
            account_handle: Some(handle.into()),
            created_at: ts(at),
            content_type: "text",
            hashtags: if tag.is_empty() { vec![] } else { vec![tag.into()] },
            reactions: Some(r),
            ..Default::default()
        };
        let mut t1 = p("twitter", "t1", "collected", "amnesty", "2010-03-02T12:00:00Z", "oldtag", 10);
        t1.shares = Some(5); // 10 + 5 = 15 engagements
        let posts = vec![
            t1,
            // Between the campaigns: own, in no campaign, 40.
            p("twitter", "t2", "collected", "amnesty", "2011-01-01T12:00:00Z", "", 40),
            p("twitter", "t3", "collected", "amnesty", "2012-05-02T12:00:00Z", "newtag", 30),
            // 40 again, later: a tie goes to the earlier t2.
            p("twitter", "t4", "collected", "amnesty", "2012-05-05T12:00:00Z", "newtag", 40),
            // Not own (another author): 500 counts for no record.
            p("twitter", "t5", "collected", "someone", "2012-05-03T12:00:00Z", "newtag", 500),
            // Facebook, from the page's own export: 100 (old) then 250 + 50 = 300 (new).
            p("facebook", "f1", "owned", "page", "2010-03-03T12:00:00Z", "oldtag", 100),
            {
                let mut f2 = p("facebook", "f2", "owned", "page", "2012-05-03T12:00:00Z", "newtag", 250);
                f2.comments = Some(50);
                f2
            },
            // No time: cannot be placed, left out although it is the biggest.
            {
                let mut f3 = p("facebook", "f3", "owned", "page", "2012-05-03T12:00:00Z", "", 900);
                f3.created_at = None;
                f3
            },
        ];
        // Sign-ups of `old`: 1, 2, 3 March (days 0–2) and 9 March (day 8): first week 3.
        // `new` has no sign_petition action at all: no figure, no candidate.
        let sign = |actor: &str, at: &str| Action {
            platform: "petition".into(),
            actor_id: actor.into(),
            action: "sign_petition".into(),
            occurred_at: ts(at),
            campaign: Some("old".into()),
            ..Default::default()
        };
        let actions = vec![
            sign("x1", "2010-03-01T10:00:00Z"),
            sign("x2", "2010-03-02T10:00:00Z"),
            sign("x3", "2010-03-03T10:00:00Z"),
            sign("x4", "2010-03-09T10:00:00Z"),
        ];
        crate::testkit::write_records(&root, "t", &posts, &actions, &[], &[]).unwrap();
        let pipe = Pipeline::parse(
            std::path::Path::new("p.toml"),
            "[output]\ndir='o'\n\
             [[campaigns]]\nid='new'\nname='New 2012'\nstart=2012-05-01\nend=2012-05-10\nhashtags=['newtag']\nown_accounts={twitter=['amnesty']}\n\
             [[campaigns]]\nid='old'\nname='Old 2010'\nstart=2010-03-01\nend=2010-03-10\nhashtags=['oldtag']\nown_accounts={twitter=['amnesty']}\n",
        )
        .unwrap();
        let out = d.path().join("out");
        crate::metrics::analyze::analyze(&pipe, &root, &out).unwrap();
        let file = std::fs::File::open(out.join("metrics/records.parquet")).unwrap();
        let df = ParquetReader::new(file).finish().unwrap();
        RECORDS.check_computed(&df).unwrap();
        let s = |c: &str| -> Vec<Option<String>> {
            df.column(c).unwrap().str().unwrap().iter().map(|v| v.map(String::from)).collect()
        };
        let f = |c: &str| -> Vec<Option<f64>> { df.column(c).unwrap().f64().unwrap().iter().collect() };
        let some = |v: &[&str]| v.iter().map(|x| Some(x.to_string())).collect::<Vec<_>>();
        assert_eq!(
            s("record"),
            some(&[
                "biggest_own_post",
                "biggest_own_post",
                "most_signups_first_week",
                "most_unique_actors",
                "most_moved_up",
                "largest_social_uplift",
                "fastest_target_response",
            ])
        );
        assert_eq!(s("platform"), some(&["facebook", "twitter", "all", "all", "all", "all", "all"]));
        // facebook: f2's 300 broke f1's 100 (old), set by `new`.
        // twitter: t2's 40 (2011, no campaign) holds; before it t1's 15 (old); t4's 40
        // only ties. most_signups_first_week: old, 3, nothing before. most_unique_actors:
        // old's 4 signers against new's 1 (@someone's t5; @amnesty's own posts are
        // excluded); new started later, so nothing came before old's 4. most_moved_up:
        // x1..x4 and @someone act once each in their window, so
        // nobody was on the ladder at the start: no climb. No traffic, no target.
        assert_eq!(f("value"), [Some(300.0), Some(40.0), Some(3.0), Some(4.0), None, None, None]);
        assert_eq!(
            s("holder_campaign"),
            [Some("new".into()), None, Some("old".into()), Some("old".into()), None, None, None]
        );
        assert_eq!(s("holder_post_id"), [Some("f2".into()), Some("t2".into()), None, None, None, None, None]);
        assert_eq!(f("previous_best"), [Some(100.0), Some(15.0), None, None, None, None, None]);
        assert_eq!(s("previous_holder"), [Some("old".into()), Some("old".into()), None, None, None, None, None]);
        assert_eq!(s("previous_holder_post_id"), [Some("f1".into()), Some("t1".into()), None, None, None, None, None]);
        assert_eq!(s("holder_name")[0].as_deref(), Some("New 2012"));
        assert_eq!(s("previous_holder_name")[1].as_deref(), Some("Old 2010"));
        let set: Vec<Option<bool>> = df.column("set_in_this_run").unwrap().bool().unwrap().iter().collect();
        assert_eq!(set, [Some(true), Some(false), Some(true), Some(true), Some(false), Some(false), Some(false)]);
        // Candidates: facebook f1, f2 (f3 has no time); twitter t1–t4; sign-ups: old only
        // (new has no figure); actors: both.
        let n: Vec<Option<i64>> = df.column("candidates").unwrap().i64().unwrap().iter().collect();
        assert_eq!(n, [Some(2), Some(4), Some(1), Some(2), Some(0), Some(0), Some(0)]);
        assert_eq!(s("reason")[4].as_deref(), Some("no campaign moved a supporter up the ladder"));
        assert_eq!(s("reason")[0], None);
    }
}
