//! `top_voices`: who carried a campaign, ranked by the audience they could reach, without
//! naming ordinary supporters.
//!
//! Readings to keep:
//! - Voices: the authors of *collected* posts that take part in the campaign
//!   ([`super::key_accounts`]: campaign posts, and replies to, quotes and reposts of them, in
//!   the window). An author is (platform, account id), else (platform, handle); posts with
//!   neither are left out; no cross-platform linking.
//! - `followers`: the author's largest count on those posts; `posts`: those posts, every
//!   kind (originals, replies, quotes, reposts); `reposts_received`, `engagements_received`:
//!   Σ `shares` and Σ engagements (docs/metrics.md#engagements-of-a-post) over the author's
//!   posts that are not reposts (a repost's figures are the original's); 0 when the author
//!   only reposted, null when none of its other posts has the figure.
//! - Rank per (campaign, platform): followers descending (an author without a count last),
//!   then posts descending, then the author's key ascending (deterministic; the key itself
//!   is never written). The first `top_voices` ranks are kept (pipeline key, default 20).
//! - `account_handle` of a named author: the handle of its latest post that has one, else,
//!   for a key account, the account as the pipeline writes it.
//! - Naming: an author is named when it is a key account of the campaign, one of its own
//!   accounts (an own post), one of its targets (by handle or a known id), or has at least
//!   `min_followers_to_name` followers (pipeline key, default 5,000); `named_because` says
//!   which, first of `key`, `own`, `target`, `followers`. For any other author
//!   `account_handle` is null and `followers` is rounded down to one significant figure
//!   (4,870 → 4,000; under 10 exact): an exact count next to a post count can point to one
//!   person in a public collection. No author id is ever written.
//!
//! User docs: docs/metrics.md#top-voices.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::key_accounts::{known_accounts, window_posts, WindowPost, Who};
use super::Scope;

/// The `top_voices` table (registry entry).
pub const TOP_VOICES: super::registry::Table = super::registry::Table {
    name: "top_voices",
    key: &["campaign", "platform", "rank"],
    columns: &[
        "campaign",
        "platform",
        "rank",
        "account_handle",
        "named",
        "named_because",
        "is_key",
        "followers",
        "posts",
        "reposts_received",
        "engagements_received",
    ],
    compute: super::registry::Compute::Scopes(top_voices),
};

fn schema() -> Schema {
    Schema::from_iter([
        Field::new("campaign".into(), DataType::String),
        Field::new("platform".into(), DataType::String),
        Field::new("rank".into(), DataType::Int64),
        Field::new("account_handle".into(), DataType::String),
        Field::new("named".into(), DataType::Boolean),
        Field::new("named_because".into(), DataType::String),
        Field::new("is_key".into(), DataType::Boolean),
        Field::new("followers".into(), DataType::Int64),
        Field::new("posts".into(), DataType::Int64),
        Field::new("reposts_received".into(), DataType::Int64),
        Field::new("engagements_received".into(), DataType::Int64),
    ])
}

/// docs/metrics.md#top-voices `top_voices` for every campaign, sorted by (campaign,
/// platform, rank).
pub fn top_voices(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let mut frames = vec![DataFrame::empty_with_schema(&schema()).lazy()];
    for s in scopes {
        frames.push(top_voices_one(s)?.lazy());
    }
    Ok(concat(frames, UnionArgs::default())?.sort(["campaign", "platform", "rank"], Default::default()))
}

/// `n` rounded down to one significant figure (under 10: `n`).
pub fn one_figure(n: i64) -> i64 {
    let mut p = 1;
    while n / p >= 10 {
        p *= 10;
    }
    n / p * p
}

/// (platform, account id or `@handle`): who an author is; never written.
pub(crate) type AuthorKey = (String, String);

/// One author's taking-part collected posts, added up.
#[derive(Default)]
pub(crate) struct Voice {
    /// The handle of its latest post (by time, then post id) that has one.
    handle: Option<(Option<i64>, String, String)>,
    followers: Option<i64>,
    posts: i64,
    /// (Σ, how many values) over its posts that are not reposts.
    shares: (i64, i64),
    engagements: (i64, i64),
    originals: i64,
    own: bool,
    /// The key account it is (index in the campaign's list).
    key: Option<usize>,
    target: bool,
}

fn received((sum, n): (i64, i64), originals: i64) -> Option<i64> {
    if originals == 0 {
        Some(0)
    } else {
        (n > 0).then_some(sum)
    }
}

/// Every author of a campaign's taking-part collected posts ([`Voice`]s by [`AuthorKey`]),
/// and the posts they were added up from.
pub(crate) type Voices = (BTreeMap<AuthorKey, Voice>, std::sync::Arc<Vec<WindowPost>>);

/// The scope's [`Voices`], computed on first use and kept with the scope (`top_voices`
/// and the recap's posts, [`super::recap`], read them).
pub(crate) fn voices(s: &Scope) -> PolarsResult<std::sync::Arc<Voices>> {
    s.voices
        .get_or_init(|| compute_voices(s).map(std::sync::Arc::new).map_err(|e| e.to_string()))
        .clone()
        .map_err(|e| PolarsError::ComputeError(e.into()))
}

fn compute_voices(s: &Scope) -> PolarsResult<Voices> {
    let c = s.campaign;
    let clock = crate::timing::Clock::new(format!("  voices {}: ", c.id));
    let handles: Vec<String> = c.key_accounts.iter().map(|k| k.account.clone()).chain(c.targets.clone()).collect();
    let known = known_accounts(s, &handles)?;
    clock.mark("known accounts");
    let keys: Vec<(Option<&str>, &str)> =
        c.key_accounts.iter().map(|k| (Some(k.platform.as_str()), k.account.as_str())).collect();
    let key_who = Who::new(&keys, &known);
    let targets: Vec<(Option<&str>, &str)> = c.targets.iter().map(|t| (None, t.as_str())).collect();
    let target_who = Who::new(&targets, &known);
    // (platform, author key) → voice; BTreeMap: the key order is the last tie-break.
    let mut voices: BTreeMap<AuthorKey, Voice> = BTreeMap::new();
    let posts = window_posts(s)?;
    clock.mark("window posts");
    for p in posts.iter().filter(|p| p.collected && p.takes_part) {
        let Some(author) = author_of(p) else { continue };
        let (h, id) = (p.handle.as_deref(), p.account_id.as_deref());
        let v = voices.entry(author).or_default();
        if let Some(handle) = &p.handle {
            let this = (p.created_at, p.post_id.clone(), handle.clone());
            if v.handle.as_ref().is_none_or(|old| this > *old) {
                v.handle = Some(this);
            }
        }
        v.followers = v.followers.max(p.followers).or(p.followers);
        v.posts += 1;
        if !p.repost {
            v.originals += 1;
            if let Some(x) = p.shares {
                v.shares = (v.shares.0 + x, v.shares.1 + 1);
            }
            if let Some(x) = p.engagements {
                v.engagements = (v.engagements.0 + x, v.engagements.1 + 1);
            }
        }
        v.own |= p.own;
        v.key = v.key.or(key_who.find(&p.platform, h, id));
        v.target |= target_who.find(&p.platform, h, id).is_some();
    }
    clock.mark("voices");
    Ok((voices, posts))
}

/// Who wrote a post: (platform, account id), else (platform, `@handle`); None for neither.
pub(crate) fn author_of(p: &WindowPost) -> Option<AuthorKey> {
    match (&p.account_id, &p.handle) {
        (Some(id), _) => Some((p.platform.clone(), id.clone())),
        (None, Some(h)) => Some((p.platform.clone(), format!("@{h}"))),
        (None, None) => None,
    }
}

/// Why an author may be named (see the module docs), first of `key`, `own`, `target`,
/// `followers`; None: an ordinary supporter, never named. The one place the rule is written.
pub(crate) fn named_because(c: &crate::schema::Campaign, v: &Voice) -> Option<&'static str> {
    if v.key.is_some() {
        Some("key")
    } else if v.own {
        Some("own")
    } else if v.target {
        Some("target")
    } else if v.followers.is_some_and(|f| f >= c.min_followers_to_name) {
        Some("followers")
    } else {
        None
    }
}

/// A named author's handle: of its latest post, else as the pipeline names the key
/// account (posts that carry only an id). Call only for a named author.
pub(crate) fn shown_handle(c: &crate::schema::Campaign, v: &Voice) -> Option<String> {
    v.handle.as_ref().map(|h| h.2.clone()).or_else(|| v.key.map(|i| c.key_accounts[i].account.clone()))
}

fn top_voices_one(s: &Scope) -> PolarsResult<DataFrame> {
    let c = s.campaign;
    let all = voices(s)?;
    let voices = &all.0;
    // Per platform, ranked.
    let mut by_platform: BTreeMap<&str, Vec<(&AuthorKey, &Voice)>> = BTreeMap::new();
    for (k, v) in voices {
        by_platform.entry(k.0.as_str()).or_default().push((k, v));
    }
    let mut rows: Vec<(String, i64, &Voice)> = Vec::new();
    for (platform, mut list) in by_platform {
        // followers desc (None last), posts desc, author key asc.
        list.sort_by(|(ka, a), (kb, b)| {
            b.followers
                .is_some()
                .cmp(&a.followers.is_some())
                .then(b.followers.cmp(&a.followers))
                .then(b.posts.cmp(&a.posts))
                .then(ka.1.cmp(&kb.1))
        });
        for (rank, (_, v)) in list.into_iter().take(c.top_voices).enumerate() {
            rows.push((platform.to_string(), rank as i64 + 1, v));
        }
    }
    let because = |v: &Voice| named_because(c, v);
    let n = rows.len();
    let named: Vec<bool> = rows.iter().map(|(_, _, v)| because(v).is_some()).collect();
    DataFrame::new(
        n,
        vec![
            Column::new("campaign".into(), vec![c.id.clone(); n]),
            Column::new("platform".into(), rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>()),
            Column::new("rank".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
            Column::new(
                "account_handle".into(),
                rows.iter()
                    .zip(&named)
                    .map(|((_, _, v), named)| if *named { shown_handle(c, v) } else { None })
                    .collect::<Vec<_>>(),
            ),
            Column::new("named".into(), named.clone()),
            Column::new("named_because".into(), rows.iter().map(|r| because(r.2)).collect::<Vec<_>>()),
            Column::new("is_key".into(), rows.iter().map(|r| r.2.key.is_some()).collect::<Vec<_>>()),
            Column::new(
                "followers".into(),
                rows.iter()
                    .zip(&named)
                    .map(|((_, _, v), named)| if *named { v.followers } else { v.followers.map(one_figure) })
                    .collect::<Vec<_>>(),
            ),
            Column::new("posts".into(), rows.iter().map(|r| r.2.posts).collect::<Vec<_>>()),
            Column::new(
                "reposts_received".into(),
                rows.iter().map(|r| received(r.2.shares, r.2.originals)).collect::<Vec<_>>(),
            ),
            Column::new(
                "engagements_received".into(),
                rows.iter().map(|r| received(r.2.engagements, r.2.originals)).collect::<Vec<_>>(),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::key_accounts::tests::{post, tagged, with_scopes, PIPE};

    /// Every text an output folder holds: report, metrics.json and charts as bytes, and
    /// each metric table's cells, decoded (Parquet pages are compressed).
    fn output_texts(out: &std::path::Path) -> Vec<(String, String)> {
        let mut texts = Vec::new();
        let mut stack = vec![out.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "parquet") {
                    let df = ParquetReader::new(std::fs::File::open(&p).unwrap()).finish().unwrap();
                    for c in df.columns() {
                        let c = c.cast(&DataType::String).unwrap();
                        let cells: Vec<String> = c.str().unwrap().iter().flatten().map(String::from).collect();
                        texts.push((format!("{}:{}", p.display(), c.name()), cells.join("\n")));
                    }
                } else {
                    texts.push((p.display().to_string(), String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into()));
                }
            }
        }
        texts
    }

    #[test]
    fn no_output_names_a_small_supporter() {
        // quiet_quinn (4 999 followers, one under the threshold) and tiny_tom (12, a reply to
        // the campaign post) are ordinary supporters: never named, neither by handle nor by
        // id. bigvoice (5 000, the threshold) and smallkey (a key account with 100) are.
        let a1 = tagged(post("a1", "amnesty", "2012-10-02T09:00:00Z", Some(700_000)));
        let q = tagged(post("q1", "quiet_quinn", "2012-10-03T09:00:00Z", Some(4_999)));
        let mut t = post("t1", "tiny_tom", "2012-10-03T10:00:00Z", Some(12));
        t.in_reply_to_post_id = Some("a1".into());
        let b = tagged(post("b1", "bigvoice", "2012-10-04T09:00:00Z", Some(5_000)));
        let k = tagged(post("k1", "smallkey", "2012-10-05T09:00:00Z", Some(100)));
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        crate::testkit::write_records(&root, "t", &[a1, q, t, b, k], &[], &[], &[]).unwrap();
        let toml = format!("{PIPE}key_accounts=[{{platform='twitter',account='smallkey',label='expert'}}]\n");
        let pipe = crate::pipeline::Pipeline::parse(&d.path().join("p.toml"), &toml).unwrap();
        let out = d.path().join("out");
        crate::metrics::analyze::analyze(&pipe, &root, &out).unwrap();
        let prov = crate::render::report::Provenance {
            pipeline: "p.toml".into(),
            lake: "lake".into(),
            files: vec![],
            failed: vec![],
        };
        crate::render::render(&out, &prov, "t", "now").unwrap();
        let texts = output_texts(&out);
        let report = &texts.iter().find(|(n, _)| n.ends_with("report.md")).unwrap().1;
        // The check can fail: the named ones are there, in the report and the table.
        for named in ["bigvoice", "smallkey", "amnesty"] {
            assert!(report.contains(named), "{named} missing from the report");
            assert!(texts.iter().any(|(n, t)| n.contains("top_voices") && t.contains(named)), "{named}");
        }
        assert!(report.contains("| not named |"), "{report}");
        for (name, text) in &texts {
            for hidden in ["quiet_quinn", "tiny_tom"] {
                assert!(!text.to_lowercase().contains(hidden), "{name} names {hidden}");
            }
            // 4 999 is shown as 4 000 wherever top_voices goes.
            if name.contains("top_voices") {
                assert!(!text.contains("4999"), "{name}: the exact count of an unnamed author");
            }
        }
    }

    #[test]
    fn one_significant_figure_rounds_down() {
        assert_eq!([0, 7, 10, 19, 4870, 4999, 12_345].map(one_figure), [0, 7, 10, 10, 4000, 4000, 10_000]);
    }

    #[test]
    fn ranks_names_and_hides_ordinary_supporters() {
        // Window 10-01..10-21; min_followers_to_name 5 000, 4 ranks kept.
        // amnesty (own, 700 000): a1 tagged, 10 shares, 5 reactions.
        let mut a1 = tagged(post("a1", "amnesty", "2012-10-02T09:00:00Z", Some(700_000)));
        (a1.shares, a1.reactions) = (Some(10), Some(5));
        // shell (target, 200 000): replies to a1 without the hashtag, no figures.
        let mut s1 = post("s1", "shell", "2012-10-03T09:00:00Z", Some(200_000));
        s1.in_reply_to_post_id = Some("a1".into());
        // bigfan (6 000 ≥ 5 000): two tagged posts, 3 + 4 shares, 1 + 2 reactions; the
        // later one under a new handle, which is the one shown.
        let mut b1 = tagged(post("b1", "bigfan", "2012-10-04T09:00:00Z", Some(6_000)));
        (b1.shares, b1.reactions) = (Some(3), Some(1));
        let mut b2 = tagged(post("b2", "bigfan", "2012-10-05T09:00:00Z", Some(5_900)));
        (b2.shares, b2.reactions) = (Some(4), Some(2));
        b2.account_handle = Some("bigfan2012".into());
        // deltawatch (key, 900): one repost of a1 (no figures of its own).
        let mut d1 = post("d1", "deltawatch", "2012-10-06T09:00:00Z", Some(900));
        (d1.is_repost, d1.reposted_post_id) = (Some(true), Some("a1".into()));
        // ann_private (4 870, under the threshold): one tagged post, 2 shares. Hidden.
        let mut p1 = tagged(post("p1", "ann_private", "2012-10-07T09:00:00Z", Some(4_870)));
        p1.shares = Some(2);
        // bob_private (4 870 too, two posts): ranks before ann on posts. Hidden, and cut:
        // 6 voices, 4 ranks kept: amnesty, shell, bigfan, bob_private.
        let b = |id: &str| tagged(post(id, "bob_private", "2012-10-08T09:00:00Z", Some(4_870)));
        // cat_private: no follower count: last. An owned export's post is no voice.
        let c1 = tagged(post("c1", "cat_private", "2012-10-08T10:00:00Z", None));
        let mut o1 = tagged(post("o1", "amnesty", "2012-10-08T11:00:00Z", Some(1)));
        o1.origin = "owned";
        let toml = format!(
            "{PIPE}top_voices=4\nkey_accounts=[{{platform='twitter',account='deltawatch',label='organisation'}}]\n"
        );
        let posts = [a1, s1, b1, b2, d1, p1, b("q1"), b("q2"), c1, o1];
        with_scopes(&posts, &[], &toml, |s| {
            let df = top_voices(s).unwrap().collect().unwrap();
            TOP_VOICES.check_computed(&df).unwrap();
            let strs = |c: &str| -> Vec<Option<String>> {
                df.column(c).unwrap().str().unwrap().iter().map(|v| v.map(String::from)).collect()
            };
            let i64s = |c: &str| -> Vec<Option<i64>> { df.column(c).unwrap().i64().unwrap().iter().collect() };
            let so = |v: &[Option<&str>]| v.iter().map(|x| x.map(String::from)).collect::<Vec<_>>();
            assert_eq!(i64s("rank"), [Some(1), Some(2), Some(3), Some(4)]);
            assert_eq!(strs("account_handle"), so(&[Some("amnesty"), Some("shell"), Some("bigfan2012"), None]));
            assert_eq!(strs("named_because"), so(&[Some("own"), Some("target"), Some("followers"), None]));
            // bob_private's 4 870 shows as 4 000.
            assert_eq!(i64s("followers"), [Some(700_000), Some(200_000), Some(6_000), Some(4_000)]);
            assert_eq!(i64s("posts"), [Some(1), Some(1), Some(2), Some(2)]);
            // amnesty 10; shell null (no figure); bigfan 3 + 4 = 7; bob null.
            assert_eq!(i64s("reposts_received"), [Some(10), None, Some(7), None]);
            // amnesty 10 + 5 = 15; bigfan (3 + 1) + (4 + 2) = 10.
            assert_eq!(i64s("engagements_received"), [Some(15), None, Some(10), None]);
        });
        // All ranks: deltawatch (key, 900) is 4th, after bob and ann (4 870 each; bob has
        // more posts), and named though small; a reposter received 0; cat last, unnamed.
        // eze, a key account named by id, posts without a handle (50 followers): shown by
        // the id the pipeline gives, after deltawatch.
        let toml = format!(
            "{PIPE}key_accounts=[{{platform='twitter',account='deltawatch'}},{{platform='twitter',account='u-eze'}}]\n"
        );
        let mut e1 = tagged(post("e1", "eze", "2012-10-10T10:00:00Z", Some(50)));
        e1.account_handle = None;
        let mut d1 = post("d1", "deltawatch", "2012-10-06T09:00:00Z", Some(900));
        (d1.is_repost, d1.reposted_post_id) = (Some(true), Some("a1".into()));
        let a1 = tagged(post("a1", "amnesty", "2012-10-02T09:00:00Z", Some(700_000)));
        let p1 = tagged(post("p1", "ann_private", "2012-10-07T09:00:00Z", Some(4_870)));
        let q1 = tagged(post("q1", "bob_private", "2012-10-08T09:00:00Z", Some(4_870)));
        let q2 = tagged(post("q2", "bob_private", "2012-10-09T09:00:00Z", Some(10)));
        let c1 = tagged(post("c1", "cat_private", "2012-10-08T10:00:00Z", None));
        with_scopes(&[a1, d1, p1, q1, q2, c1, e1], &[], &toml, |s| {
            let df = top_voices(s).unwrap().collect().unwrap();
            let handles: Vec<Option<&str>> = df.column("account_handle").unwrap().str().unwrap().iter().collect();
            assert_eq!(handles, [Some("amnesty"), None, None, Some("deltawatch"), Some("u-eze"), None]);
            let key: Vec<Option<bool>> = df.column("is_key").unwrap().bool().unwrap().iter().collect();
            assert_eq!(key, [Some(false), Some(false), Some(false), Some(true), Some(true), Some(false)]);
            let rr: Vec<Option<i64>> = df.column("reposts_received").unwrap().i64().unwrap().iter().collect();
            // deltawatch only reposted: 0. The tagged posts without a shares figure: null.
            assert_eq!(rr, [None, None, None, Some(0), None, None]);
            let f: Vec<Option<i64>> = df.column("followers").unwrap().i64().unwrap().iter().collect();
            assert_eq!(f, [Some(700_000), Some(4_000), Some(4_000), Some(900), Some(50), None]);
        });
    }
}
