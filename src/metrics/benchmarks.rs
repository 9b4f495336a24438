//! Benchmarks: the `benchmarks` table (key campaign, platform, content_type, benchmark):
//! each row of `engagement_by_content_type` against the account's own normal and against
//! the published figures of the benchmarks file (docs/metrics.md#benchmarks).
//!
//! Readings to keep:
//! - Own baseline posts: own posts (the campaign's own accounts, as in its scope) with
//!   non-null engagements, created on the `benchmark_days` days before `start` (days in the
//!   campaign's time zone, `start − N` … `start − 1`), and outside the window of every
//!   campaign of the pipeline (each window in its own campaign's time zone). They need not
//!   belong to any campaign: this is the account's everyday output.
//! - The baseline rate is `Σ e / Σ b` on the basis of the campaign's row (its `rate_basis`),
//!   with the rules of engagement.rs: null when a post lacks that basis, a basis of 0 adds 0
//!   to the denominator, `Σ b = 0` is null; each null has a reason. No basis on the campaign
//!   row, no baseline.
//! - Its interval: engagement.rs's bootstrap of the ratio of sums (posts ordered by
//!   `post_id`), seed [`super::stats::SEED`] XOR xxh3 of
//!   `"own_baseline\x1f<campaign>\x1f<platform>\x1f<content_type>"`; resamples whose basis
//!   sums to 0 are left out; none under 2 posts.
//! - `index` = campaign rate / benchmark value; null when either is null or the value is 0.
//! - Published entries apply to the rows of their platform and content type (`all`: every
//!   content type). `campaign_rate` is the campaign's rate on the entry's basis
//!   (`rate_by_<basis>`); the index is given only for the formula `ratio_of_sums`, as
//!   another formula measures something else.
//!
//! User docs: docs/metrics.md#benchmarks.

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::NaiveDate;
use polars::prelude::*;
use serde_json::Value;

use super::engagement::{self, Ratio, BASES};
use super::registry::{Compute, Done, Table};
use super::scope::local_day;
use super::Scope;
use crate::pipeline::benchmarks::{Published, OWN_BASELINE, RATIO_OF_SUMS};

/// One own post before a campaign: post id, engagements, figure per basis of [`BASES`].
type PostRow = (String, i64, [Option<i64>; 3]);

/// Every campaign's own posts before its window, by (campaign, platform, content_type).
pub(crate) struct OwnBaselines {
    /// campaign id → the first and last day of its benchmark span.
    spans: BTreeMap<String, (NaiveDate, NaiveDate)>,
    /// Posts sorted by `post_id`.
    groups: BTreeMap<(String, String, String), Vec<PostRow>>,
}

/// A group's own baseline rate on one basis.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BaselineRate {
    pub value: Option<f64>,
    pub ci: Option<(f64, f64)>,
    pub posts: i64,
    /// Why `value` is null.
    pub reason: Option<String>,
    /// The first and last day of the span (None for a campaign without scope).
    pub span: Option<(NaiveDate, NaiveDate)>,
}

/// The seed of a group's baseline interval.
pub fn baseline_seed(campaign: &str, platform: &str, content_type: &str) -> u64 {
    engagement::group_seed(&format!("{OWN_BASELINE}\u{1f}{campaign}"), platform, content_type)
}

impl OwnBaselines {
    /// The own posts before each scope's campaign (see the module docs).
    pub fn of(scopes: &[Scope]) -> PolarsResult<OwnBaselines> {
        // Inside any campaign's window, each in its own time zone.
        let in_a_window = scopes
            .iter()
            .map(|s| {
                let (c, day) = (s.campaign, local_day("created_at", &s.campaign.tz));
                day.clone().gt_eq(lit(c.start)).and(day.lt_eq(lit(c.end)))
            })
            .reduce(|a, b| a.or(b))
            .unwrap_or(lit(false))
            .fill_null(lit(false));
        let mut spans = BTreeMap::new();
        let mut groups: BTreeMap<(String, String, String), Vec<PostRow>> = BTreeMap::new();
        for s in scopes {
            let c = s.campaign;
            let (first, last) =
                (c.start - chrono::Duration::days(c.benchmark_days as i64), c.start - chrono::Duration::days(1));
            spans.insert(c.id.clone(), (first, last));
            let df = s
                .posts
                .clone()
                .filter(
                    col("own")
                        .and(col("engagements").is_not_null())
                        .and(col("day").gt_eq(lit(first)))
                        .and(col("day").lt_eq(lit(last))),
                )
                .filter(in_a_window.clone().not())
                .select([
                    col("platform"),
                    col("content_type"),
                    col("post_id"),
                    col("engagements").cast(DataType::Int64),
                    col("reach").cast(DataType::Int64),
                    col("impressions").cast(DataType::Int64),
                    col("followers").cast(DataType::Int64),
                ])
                .collect()?;
            let text = |n: &str| -> PolarsResult<StringChunked> { Ok(df.column(n)?.str()?.clone()) };
            let int = |n: &str| -> PolarsResult<Int64Chunked> { Ok(df.column(n)?.i64()?.clone()) };
            let (platform, ct, id, e) =
                (text("platform")?, text("content_type")?, text("post_id")?, int("engagements")?);
            let b = [int("reach")?, int("impressions")?, int("followers")?];
            for r in 0..df.height() {
                let key =
                    (c.id.clone(), platform.get(r).unwrap_or_default().into(), ct.get(r).unwrap_or_default().into());
                let row = (
                    id.get(r).unwrap_or_default().to_string(),
                    e.get(r).unwrap_or(0),
                    [b[0].get(r), b[1].get(r), b[2].get(r)],
                );
                groups.entry(key).or_default().push(row);
            }
        }
        for rows in groups.values_mut() {
            rows.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Ok(OwnBaselines { spans, groups })
    }

    /// The own baseline of (campaign, platform, content_type) on basis `BASES[k]`; its
    /// interval only when `with_ci`.
    pub fn rate(&self, campaign: &str, platform: &str, content_type: &str, k: usize, with_ci: bool) -> BaselineRate {
        let span = self.spans.get(campaign).copied();
        let key = (campaign.to_string(), platform.to_string(), content_type.to_string());
        let rows = self.groups.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let n = rows.len() as i64;
        let days = span.map_or(String::new(), |(a, b)| format!("{a}..{b}"));
        if rows.is_empty() {
            return BaselineRate {
                value: None,
                ci: None,
                posts: 0,
                reason: Some(format!(
                    "no own {platform} {content_type} post with engagements on {days} outside every campaign window"
                )),
                span,
            };
        }
        let e: i64 = rows.iter().map(|r| r.1).sum();
        let nulls = rows.iter().filter(|r| r.2[k].is_none()).count() as i64;
        let sum: i64 = rows.iter().filter_map(|r| r.2[k]).sum();
        let ratio = Ratio::of(e, sum, nulls);
        let reason = ratio.why(BASES[k], n, &format!("own {platform} {content_type} posts of {days}"));
        let ci = match ratio {
            Ratio::Value(_) if with_ci => {
                let e: Vec<f64> = rows.iter().map(|r| r.1 as f64).collect();
                let b: Vec<f64> = rows.iter().map(|r| r.2[k].expect("no nulls") as f64).collect();
                engagement::ratio_ci(&e, &b, baseline_seed(campaign, platform, content_type))
            }
            _ => None,
        };
        BaselineRate { value: ratio.value(), ci, posts: n, reason, span }
    }
}

/// `rate / benchmark`, or why it has none (a null `rate` is explained elsewhere).
pub(crate) fn index(rate: Option<f64>, benchmark: &BaselineRate) -> (Option<f64>, Option<String>) {
    match (rate, benchmark.value) {
        (_, None) => (None, benchmark.reason.clone()),
        (Some(r), Some(v)) if v > 0.0 => (Some(r / v), None),
        (Some(_), Some(_)) => (None, Some("the own baseline's rate is 0 (no engagements)".into())),
        (None, Some(_)) => (None, None),
    }
}

/// The `benchmarks` table (registry entry).
pub const BENCHMARKS: Table = Table {
    name: "benchmarks",
    key: &["campaign", "platform", "content_type", "benchmark"],
    columns: &[
        "campaign",
        "platform",
        "content_type",
        "benchmark",
        "basis",
        "value",
        "ci_low",
        "ci_high",
        "source",
        "campaign_rate",
        "index",
        "formula",
        "posts",
        "reason",
    ],
    compute: Compute::Derived(benchmarks),
};

/// One row of the table.
#[derive(Default)]
struct Row {
    campaign: String,
    platform: String,
    content_type: String,
    benchmark: String,
    basis: Option<String>,
    value: Option<f64>,
    ci: Option<(f64, f64)>,
    source: String,
    campaign_rate: Option<f64>,
    index: Option<f64>,
    formula: String,
    posts: Option<i64>,
    reason: Option<String>,
}

/// docs/metrics.md#benchmarks: for each row of `engagement_by_content_type`, its own
/// baseline row and a row per published entry that applies; sorted by the key.
fn benchmarks(done: &Done<'_>) -> Result<(DataFrame, Value)> {
    let eng = done.table(&engagement::ENGAGEMENT_BY_CONTENT_TYPE)?;
    let rows = rows(eng, done.scopes, &done.pipeline.benchmarks)?;
    Ok((frame(&rows)?, Value::Null))
}

fn rows(eng: &DataFrame, scopes: &[Scope], published: &[Published]) -> Result<Vec<Row>> {
    let baselines = OwnBaselines::of(scopes)?;
    let text = |n: &str| -> Result<StringChunked> { Ok(eng.column(n)?.str()?.clone()) };
    let num = |n: &str| -> Result<Float64Chunked> { Ok(eng.column(n)?.f64()?.clone()) };
    let (campaign, platform, ct, basis) =
        (text("campaign")?, text("platform")?, text("content_type")?, text("rate_basis")?);
    let rate = num("engagement_rate")?;
    let rate_by = [num("rate_by_reach")?, num("rate_by_impressions")?, num("rate_by_followers")?];
    let mut out = Vec::new();
    for r in 0..eng.height() {
        let (c, p, t) = (campaign.get(r).unwrap_or(""), platform.get(r).unwrap_or(""), ct.get(r).unwrap_or(""));
        let row = |benchmark: &str| Row {
            campaign: c.into(),
            platform: p.into(),
            content_type: t.into(),
            benchmark: benchmark.into(),
            ..Default::default()
        };
        // The own baseline, on the row's basis.
        let mut own = row(OWN_BASELINE);
        own.formula = RATIO_OF_SUMS.into();
        own.campaign_rate = rate.get(r);
        match basis.get(r).and_then(|b| BASES.iter().position(|x| *x == b)) {
            Some(k) => {
                let base = baselines.rate(c, p, t, k, true);
                let days = base.span.map_or(String::new(), |(a, b)| format!(" {a}..{b}"));
                own.source = format!("own {p} {t} posts{days}, outside every campaign window");
                (own.index, own.reason) = index(own.campaign_rate, &base);
                (own.basis, own.value, own.ci, own.posts) =
                    (Some(BASES[k].into()), base.value, base.ci, Some(base.posts));
            }
            None => {
                own.source = format!("own {p} {t} posts");
                own.reason = Some("the campaign's row has no rate basis".into());
            }
        }
        out.push(own);
        for e in published.iter().filter(|e| e.applies_to(p, t)) {
            let mut x = row(&e.id);
            let k = BASES.iter().position(|b| *b == e.basis).expect("checked basis");
            (x.basis, x.value, x.source, x.formula) =
                (Some(e.basis.clone()), Some(e.value), e.cited(), e.formula.clone());
            x.campaign_rate = rate_by[k].get(r);
            x.index = match x.campaign_rate {
                Some(cr) if e.formula == RATIO_OF_SUMS && e.value > 0.0 => Some(cr / e.value),
                _ => None,
            };
            x.reason = if e.formula != RATIO_OF_SUMS {
                Some(format!("index: the formula {} is not rallylens's {RATIO_OF_SUMS}", e.formula))
            } else if x.campaign_rate.is_none() {
                Some(format!("index: the campaign has no rate on {}", e.basis))
            } else if e.value == 0.0 {
                Some("index: the published value is 0".into())
            } else {
                None
            };
            out.push(x);
        }
    }
    out.sort_by(|a, b| {
        (&a.campaign, &a.platform, &a.content_type, &a.benchmark).cmp(&(
            &b.campaign,
            &b.platform,
            &b.content_type,
            &b.benchmark,
        ))
    });
    Ok(out)
}

fn frame(rows: &[Row]) -> PolarsResult<DataFrame> {
    df!(
        "campaign" => rows.iter().map(|r| r.campaign.as_str()).collect::<Vec<_>>(),
        "platform" => rows.iter().map(|r| r.platform.as_str()).collect::<Vec<_>>(),
        "content_type" => rows.iter().map(|r| r.content_type.as_str()).collect::<Vec<_>>(),
        "benchmark" => rows.iter().map(|r| r.benchmark.as_str()).collect::<Vec<_>>(),
        "basis" => rows.iter().map(|r| r.basis.as_deref()).collect::<Vec<Option<&str>>>(),
        "value" => rows.iter().map(|r| r.value).collect::<Vec<Option<f64>>>(),
        "ci_low" => rows.iter().map(|r| r.ci.map(|c| c.0)).collect::<Vec<Option<f64>>>(),
        "ci_high" => rows.iter().map(|r| r.ci.map(|c| c.1)).collect::<Vec<Option<f64>>>(),
        "source" => rows.iter().map(|r| r.source.as_str()).collect::<Vec<_>>(),
        "campaign_rate" => rows.iter().map(|r| r.campaign_rate).collect::<Vec<Option<f64>>>(),
        "index" => rows.iter().map(|r| r.index).collect::<Vec<Option<f64>>>(),
        "formula" => rows.iter().map(|r| r.formula.as_str()).collect::<Vec<_>>(),
        "posts" => rows.iter().map(|r| r.posts).collect::<Vec<Option<i64>>>(),
        "reason" => rows.iter().map(|r| r.reason.clone()).collect::<Vec<Option<String>>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Post;
    use crate::pipeline::Pipeline;
    use crate::pseudo::Pseudonymizer;

    /// c1: window March 2024, 30 benchmark days (2024-01-31..2024-02-29); c2: a window of
    /// three days inside c1's benchmark span (its baseline then needs c1's to move).
    const PIPE: &str = "[output]\ndir='o'\n[[campaigns]]\nid='c1'\nstart=2024-03-01\nend=2024-03-31\n\
                        benchmark_days=30\nbaseline={start=2024-01-01,end=2024-01-09}\n\
                        [[campaigns]]\nid='c2'\nstart=2024-02-10\nend=2024-02-12\n";

    /// An own (owned-export) Facebook post at noon UTC on `day`.
    fn post(id: &str, ct: &'static str, day: &str, e: Option<i64>, reach: Option<i64>) -> Post {
        Post {
            platform: "facebook".into(),
            post_id: id.into(),
            origin: "owned",
            account_id: Some("page-1".into()),
            account_handle: Some("ourpage".into()),
            created_at: crate::model::Micros::parse_iso(&format!("{day}T12:00:00Z")),
            content_type: ct,
            reactions: e,
            reach,
            ..Default::default()
        }
    }

    /// | post | type  | day        | e    | reach |                                       |
    /// | cp1  | photo | 2024-03-05 | 12   | 100   | c1 campaign post                      |
    /// | cp2  | photo | 2024-03-06 | 8    | 100   | c1 campaign post: photo 20/200 = 0.1  |
    /// | cv1  | video | 2024-03-07 | 4    | 40    | c1 campaign post: video 4/40 = 0.1    |
    /// | b1   | photo | 2024-02-20 | 3    | 0     | baseline, a zero basis                |
    /// | b2   | photo | 2024-02-21 | 5    | 100   | baseline                              |
    /// | b3   | photo | 2024-02-11 | 100  | 100   | inside c2's window: out               |
    /// | b4   | photo | 2024-01-15 | 100  | 100   | before the 30 days: out               |
    /// | b5   | photo | 2024-02-22 | 100  | 1     | collected, not own: out               |
    /// | b6   | video | 2024-02-22 | 2    | null  | baseline, no reach                    |
    /// | b7   | photo | 2024-02-25 | null | 100   | no engagements: out                   |
    fn fixture() -> Vec<Post> {
        let mut cp1 = post("cp1", "photo", "2024-03-05", Some(12), Some(100));
        cp1.campaign = Some("c1".into());
        let mut cp2 = post("cp2", "photo", "2024-03-06", Some(8), Some(100));
        cp2.campaign = Some("c1".into());
        let mut cv1 = post("cv1", "video", "2024-03-07", Some(4), Some(40));
        cv1.campaign = Some("c1".into());
        let mut b5 = post("b5", "photo", "2024-02-22", Some(100), Some(1));
        (b5.origin, b5.account_id, b5.account_handle) = ("collected", Some("u-9".into()), Some("someone".into()));
        vec![
            cp1,
            cp2,
            cv1,
            post("b1", "photo", "2024-02-20", Some(3), Some(0)),
            post("b2", "photo", "2024-02-21", Some(5), Some(100)),
            post("b3", "photo", "2024-02-11", Some(100), Some(100)),
            post("b4", "photo", "2024-01-15", Some(100), Some(100)),
            b5,
            post("b6", "video", "2024-02-22", Some(2), None),
            post("b7", "photo", "2024-02-25", None, Some(100)),
        ]
    }

    /// engagement_by_content_type and the benchmark rows of the fixture, with `published`.
    fn tables(published: &[Published]) -> (DataFrame, Vec<Row>) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        crate::testkit::write_records(&root, "t", &fixture(), &[], &[], &[]).unwrap();
        let pipe = Pipeline::parse(std::path::Path::new("p.toml"), PIPE).unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let scopes = Scope::new_all(&lake, &pipe.campaigns, &pipe.ladder, None, &key).unwrap();
        let eng = engagement::engagement_by_content_type(&scopes).unwrap().collect().unwrap();
        let rows = rows(&eng, &scopes, published).unwrap();
        (eng, rows)
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() <= 1e-12)
    }

    fn find<'a>(rows: &'a [Row], ct: &str, benchmark: &str) -> &'a Row {
        rows.iter().find(|r| r.content_type == ct && r.benchmark == benchmark).expect("row")
    }

    #[test]
    fn a_baseline_rate_counts_its_zero_basis_post() {
        let (eng, rows) = tables(&[]);
        let photo = find(&rows, "photo", OWN_BASELINE);
        // Baseline photos b1, b2 (b3 in c2's window, b4 too early, b5 not own, b7 without
        // engagements): (3 + 5) / (0 + 100) = 0.08; leaving b1's 0 out would give 0.05.
        assert_eq!((photo.posts, photo.basis.as_deref()), (Some(2), Some("reach")));
        assert!(close(photo.value, 0.08));
        // Resamples of (b1, b2): {b1, b1} sums reach 0 (left out), {b1, b2} 8/100 = 0.08,
        // {b2, b2} 10/200 = 0.05: the interval runs from 0.05 to 0.08.
        assert_eq!(photo.ci, Some((0.05, 0.08)));
        // The campaign's photos: (12 + 8) / 200 = 0.1; index 0.1 / 0.08 = 1.25.
        assert!(close(photo.campaign_rate, 0.1) && close(photo.index, 1.25));
        assert_eq!(photo.source, "own facebook photo posts 2024-01-31..2024-02-29, outside every campaign window");
        assert_eq!(photo.reason, None);
        // The same index is the last column of engagement_by_content_type.
        let col = eng.column("index_vs_own_baseline").unwrap().f64().unwrap();
        let ct = eng.column("content_type").unwrap().str().unwrap();
        let at = |t: &str| (0..eng.height()).find(|&r| ct.get(r) == Some(t)).unwrap();
        assert!(close(col.get(at("photo")), 1.25));
        assert_eq!(eng.get_column_names().last().map(|c| c.as_str()), Some("index_vs_own_baseline"));
    }

    #[test]
    fn a_baseline_without_the_basis_has_no_value_and_says_why() {
        let (eng, rows) = tables(&[]);
        // Video: the campaign's basis is reach (4/40), b6 has no reach.
        let video = find(&rows, "video", OWN_BASELINE);
        assert_eq!((video.value, video.index, video.ci, video.posts), (None, None, None, Some(1)));
        let why = "reach missing for 1 of 1 own facebook video posts of 2024-01-31..2024-02-29";
        assert_eq!(video.reason.as_deref(), Some(why));
        let reason = eng.column("reason").unwrap().str().unwrap();
        let ct = eng.column("content_type").unwrap().str().unwrap();
        let r = (0..eng.height()).find(|&r| ct.get(r) == Some("video")).unwrap();
        let full = format!(
            "rate_by_impressions: impressions missing for 1 of 1 posts; rate_by_followers: followers missing for 1 \
             of 1 posts; index_vs_own_baseline: {why}"
        );
        assert_eq!(reason.get(r), Some(full.as_str()));
        assert_eq!(eng.column("index_vs_own_baseline").unwrap().f64().unwrap().get(r), None);
    }

    #[test]
    fn published_entries_apply_by_platform_and_type_and_index_only_on_the_same_formula() {
        let entry = |id: &str, ct: &str, formula: &str, basis: &str, value: f64| Published {
            id: id.into(),
            source: "A report".into(),
            url: None,
            year: 2024,
            platform: "facebook".into(),
            content_type: ct.into(),
            formula: formula.into(),
            basis: basis.into(),
            value,
        };
        let published = [
            entry("fb_all", "all", RATIO_OF_SUMS, "reach", 0.05),
            entry("fb_photo_median", "photo", "median_of_accounts", "reach", 0.2),
            entry("fb_followers", "video", RATIO_OF_SUMS, "followers", 0.01),
        ];
        let (_, rows) = tables(&published);
        let keys: Vec<(&str, &str)> = rows.iter().map(|r| (r.content_type.as_str(), r.benchmark.as_str())).collect();
        // Sorted by the key; fb_photo_median applies to photos only, fb_followers to videos.
        assert_eq!(
            keys,
            [
                ("photo", "fb_all"),
                ("photo", "fb_photo_median"),
                ("photo", OWN_BASELINE),
                ("video", "fb_all"),
                ("video", "fb_followers"),
                ("video", OWN_BASELINE)
            ]
        );
        // fb_all: photo 0.1 / 0.05 = 2, video 0.1 / 0.05 = 2.
        let all = find(&rows, "photo", "fb_all");
        assert!(close(all.index, 2.0) && close(find(&rows, "video", "fb_all").index, 2.0));
        assert_eq!((all.source.as_str(), all.ci, all.posts), ("A report, 2024", None, None));
        // Another formula: the value is listed, never indexed.
        let median = find(&rows, "photo", "fb_photo_median");
        assert!(close(median.value, 0.2) && close(median.campaign_rate, 0.1));
        assert_eq!(median.index, None);
        assert_eq!(
            median.reason.as_deref(),
            Some("index: the formula median_of_accounts is not rallylens's ratio_of_sums")
        );
        // The campaign's videos have no follower figure: no rate on that basis, no index.
        let f = find(&rows, "video", "fb_followers");
        assert_eq!((f.campaign_rate, f.index), (None, None));
        assert_eq!(f.reason.as_deref(), Some("index: the campaign has no rate on followers"));
    }

    #[test]
    fn the_frame_has_the_declared_columns() {
        let (_, rows) = tables(&[]);
        let df = frame(&rows).unwrap();
        BENCHMARKS.check_computed(&df).unwrap();
        assert_eq!(df.height(), 2);
        BENCHMARKS.check_computed(&frame(&[]).unwrap()).unwrap();
    }
}
