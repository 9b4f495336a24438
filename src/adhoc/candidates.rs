//! `rallylens campaigns --lake DIR`: the campaigns a lake seems to hold, found without a
//! pipeline (docs/campaigns.md).
//!
//! Four kinds of candidate, each with the `rallylens analyze` flags that size it up:
//! - `tag`: a campaign tag on rows of posts, actions or traffic (first and last day, rows
//!   per table);
//! - `hashtag`: a burst of a hashtag's daily original posts on one platform
//!   ([`super::bursts`]), with its distinct authors (originals and reposts, as
//!   `hashtag_daily` counts them);
//! - `own_engagements`: a burst of an own account's daily engagements (the engagements of
//!   the owned posts it published that day; own = `origin` `owned`, as a lake without a
//!   pipeline knows it);
//! - `social_referrals`: a burst of a site's daily sessions from the social channels
//!   (daily traffic rows only; range rows cannot be split into days).
//!
//! Readings to keep:
//! - Days are calendar days in `--tz` (UTC by default); traffic rows are already days.
//! - Observed days: a platform's days are those with at least one post of that platform
//!   (an own account's, those between its first and last owned post); a site's, those with
//!   at least one daily traffic row. Days outside are gaps, never zeros, so exports years
//!   apart do not make a burst at the start of each.
//! - The suggested id is the campaign tag carried by at least half of the burst's posts
//!   (hashtag and own candidates), so that tagged rows stay members when the line is pasted;
//!   else a name made of what burst and its first day.
//! - Minimums (a burst below them is left out): [`MIN_POSTS`] posts and [`MIN_AUTHORS`]
//!   authors for a hashtag, [`MIN_ENGAGEMENTS`] engagements, [`MIN_SESSIONS`] sessions.
//! - No handle of an ordinary supporter is printed: authors are counted, never named; own
//!   accounts are the organisation's.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

use super::bursts::{bursts, Burst, GAP, TRAFFIC_GAP};
use crate::metrics::scope::{engagements, local_day, lower};
use crate::metrics::Lake;

/// Fewest original posts in a hashtag burst.
pub const MIN_POSTS: i64 = 20;
/// Fewest distinct authors in a hashtag burst.
pub const MIN_AUTHORS: i64 = 5;
/// Fewest engagements in an own account's burst.
pub const MIN_ENGAGEMENTS: i64 = 100;
/// Fewest social referral sessions in a site's burst.
pub const MIN_SESSIONS: i64 = 50;

/// What a candidate was found from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Tag,
    Hashtag,
    OwnEngagements,
    SocialReferrals,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Tag => "tag",
            Kind::Hashtag => "hashtag",
            Kind::OwnEngagements => "own_engagements",
            Kind::SocialReferrals => "social_referrals",
        }
    }
}

/// One candidate campaign (a line of `rallylens campaigns`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub kind: Kind,
    /// The suggested campaign id.
    pub id: String,
    /// What it was found from: the tag, `#hashtag`, `platform:account`, or the site.
    pub subject: String,
    pub platform: Option<String>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub peak: Option<NaiveDate>,
    pub peak_value: Option<i64>,
    /// Σ over the burst of posts, engagements or sessions (`unit`); null for tags.
    pub total: Option<i64>,
    pub unit: &'static str,
    /// Distinct authors of the burst's uses (hashtags only).
    pub authors: Option<i64>,
    /// The baseline median per day the burst's first day was judged against.
    pub baseline: Option<f64>,
    /// Rows per table carrying the tag (tags only).
    pub posts: Option<i64>,
    pub actions: Option<i64>,
    pub traffic: Option<i64>,
    pub tz: String,
    /// The arguments of `rallylens analyze` that size it up (after `rallylens`).
    pub args: Vec<String>,
    /// `args` as one shell command line.
    pub command: String,
}

fn day_of(d: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(d + 719_163).expect("a date polars holds")
}

fn i32s(df: &DataFrame, c: &str) -> Result<Vec<Option<i32>>> {
    Ok(df.column(c)?.cast(&DataType::Int32)?.i32()?.iter().collect())
}
fn i64s(df: &DataFrame, c: &str) -> Result<Vec<Option<i64>>> {
    Ok(df.column(c)?.cast(&DataType::Int64)?.i64()?.iter().collect())
}
fn strs(df: &DataFrame, c: &str) -> Result<Vec<Option<String>>> {
    Ok(df.column(c)?.str()?.iter().map(|v| v.map(str::to_string)).collect())
}
fn bools(df: &DataFrame, c: &str) -> Result<Vec<bool>> {
    Ok(df.column(c)?.bool()?.iter().map(|v| v == Some(true)).collect())
}

/// The candidates of the lake at `dir`, days in `tz`; `lake_arg` is the lake as the user
/// named it (for the printed commands).
pub fn find(dir: &Path, lake_arg: &str, tz: chrono_tz::Tz) -> Result<Vec<Candidate>> {
    let lake = Lake::open(dir)?;
    let posts = lake
        .posts
        .clone()
        .select([
            col("platform"),
            col("post_id"),
            col("origin"),
            coalesce(&[lower(col("account_handle")), col("account_id")]).alias("account"),
            crate::metrics::hashtags::author_key().alias("author"),
            local_day("created_at", &tz).cast(DataType::Int32).alias("d"),
            col("hashtags"),
            col("is_repost").fill_null(lit(false)).not().alias("original"),
            col("campaign"),
            engagements().alias("engagements"),
        ])
        .collect()
        .map_err(|e| anyhow::anyhow!("reading the posts of {}: {e}", dir.display()))?;
    let observed = observed_days(&posts)?;
    let mut out = tags(&lake, &posts, &tz)?;
    out.extend(hashtags(&posts, &observed)?);
    out.extend(own(&posts, &observed)?);
    out.extend(referrals(&lake)?);
    let tz_name = tz.name().to_string();
    for c in &mut out {
        c.tz = tz_name.clone();
        c.args = args(c, lake_arg);
        c.command = std::iter::once("rallylens".to_string())
            .chain(c.args.iter().map(|a| quote(a)))
            .collect::<Vec<_>>()
            .join(" ");
    }
    out.sort_by(|a, b| (a.kind, a.start, &a.subject).cmp(&(b.kind, b.start, &b.subject)));
    Ok(out)
}

/// Each platform's observed days (days with a post), sorted.
fn observed_days(posts: &DataFrame) -> Result<HashMap<String, Vec<i32>>> {
    let df = posts
        .clone()
        .lazy()
        .filter(col("d").is_not_null())
        .select([col("platform"), col("d")])
        .unique(None, UniqueKeepStrategy::Any)
        .sort(["platform", "d"], Default::default())
        .collect()?;
    let mut m: HashMap<String, Vec<i32>> = HashMap::new();
    for (p, d) in strs(&df, "platform")?.into_iter().zip(i32s(&df, "d")?) {
        if let (Some(p), Some(d)) = (p, d) {
            m.entry(p).or_default().push(d);
        }
    }
    Ok(m)
}

/// The runs of equal keys in rows sorted by key: `same(i, j)` says rows i and j share it.
fn runs(n: usize, same: impl Fn(usize, usize) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && same(i, j) {
            j += 1;
        }
        out.push(i..j);
        i = j;
    }
    out
}

/// The series over `days` (observed, sorted) with `values` (0 where absent).
fn series(days: &[i32], values: &BTreeMap<i32, i64>) -> Vec<(NaiveDate, i64)> {
    days.iter().map(|d| (day_of(*d), values.get(d).copied().unwrap_or(0))).collect()
}

fn in_burst(b: &Burst, d: i32) -> bool {
    let d = day_of(d);
    b.start <= d && d <= b.end
}

/// The tag at least half of `tags` carry (nulls count as untagged), if any.
fn dominant<'a>(tags: impl Iterator<Item = Option<&'a str>>) -> Option<String> {
    let mut n = 0usize;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for t in tags {
        n += 1;
        if let Some(t) = t {
            *counts.entry(t).or_default() += 1;
        }
    }
    counts.into_iter().filter(|(_, c)| 2 * c >= n).max_by_key(|(_, c)| *c).map(|(t, _)| t.to_string())
}

fn blank(kind: Kind, id: String, subject: String, start: NaiveDate, end: NaiveDate, unit: &'static str) -> Candidate {
    Candidate {
        kind,
        id,
        subject,
        platform: None,
        start,
        end,
        peak: None,
        peak_value: None,
        total: None,
        unit,
        authors: None,
        baseline: None,
        posts: None,
        actions: None,
        traffic: None,
        tz: String::new(),
        args: Vec::new(),
        command: String::new(),
    }
}

fn from_burst(
    kind: Kind,
    id: String,
    subject: String,
    platform: Option<String>,
    b: &Burst,
    unit: &'static str,
) -> Candidate {
    let mut c = blank(kind, id, subject, b.start, b.end, unit);
    c.platform = platform;
    c.peak = Some(b.peak);
    c.peak_value = Some(b.peak_value);
    c.total = Some(b.total);
    c.baseline = Some(b.baseline);
    c
}

/// Campaign tags: first and last day over the three tables, rows per table.
fn tags(lake: &Lake, posts: &DataFrame, tz: &chrono_tz::Tz) -> Result<Vec<Candidate>> {
    let by_tag = |lf: LazyFrame, first: Expr, last: Expr| -> Result<DataFrame> {
        Ok(lf
            .filter(col("campaign").is_not_null())
            .group_by([col("campaign")])
            .agg([
                first.min().cast(DataType::Int32).alias("first"),
                last.max().cast(DataType::Int32).alias("last"),
                len().cast(DataType::Int64).alias("rows"),
            ])
            .collect()?)
    };
    let p = by_tag(posts.clone().lazy(), col("d"), col("d"))?;
    let a = by_tag(
        lake.actions.clone().select([col("campaign"), local_day("occurred_at", tz).alias("d")]),
        col("d"),
        col("d"),
    )
    .context("reading the actions' campaign tags")?;
    let t = by_tag(
        lake.traffic.clone().select([col("campaign"), col("date_start"), col("date_end")]),
        col("date_start"),
        col("date_end"),
    )
    .context("reading the traffic's campaign tags")?;
    // tag → (first, last, [posts, actions, traffic])
    let mut m: BTreeMap<String, (Option<i32>, Option<i32>, [i64; 3])> = BTreeMap::new();
    for (i, df) in [p, a, t].iter().enumerate() {
        let (tags, first, last, rows) =
            (strs(df, "campaign")?, i32s(df, "first")?, i32s(df, "last")?, i64s(df, "rows")?);
        for j in 0..df.height() {
            let e = m.entry(tags[j].clone().expect("filtered")).or_insert((None, None, [0; 3]));
            e.0 = match (e.0, first[j]) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            };
            e.1 = match (e.1, last[j]) {
                (Some(x), Some(y)) => Some(x.max(y)),
                (x, y) => x.or(y),
            };
            e.2[i] = rows[j].unwrap_or(0);
        }
    }
    Ok(m.into_iter()
        .filter_map(|(tag, (first, last, rows))| {
            // A tag none of whose rows has a day (actions without times) cannot be a window.
            let (first, last) = (first?, last?);
            let mut c = blank(Kind::Tag, tag.clone(), tag, day_of(first), day_of(last), "rows");
            c.posts = Some(rows[0]);
            c.actions = Some(rows[1]);
            c.traffic = Some(rows[2]);
            Some(c)
        })
        .collect())
}

/// Bursts of each (platform, hashtag) with at least [`MIN_POSTS`] original posts in all.
fn hashtags(posts: &DataFrame, observed: &HashMap<String, Vec<i32>>) -> Result<Vec<Candidate>> {
    let uses = posts
        .clone()
        .lazy()
        .filter(col("d").is_not_null())
        .select([
            col("platform"),
            col("post_id"),
            col("d"),
            col("hashtags"),
            col("original"),
            col("author"),
            col("campaign"),
        ])
        .explode(cols(["hashtags"]), ExplodeOptions { empty_as_null: true, keep_nulls: false })
        .with_column(lower(col("hashtags")).str().strip_chars_start(lit("#")).alias("hashtag"))
        .filter(col("hashtag").is_not_null().and(col("hashtag").neq(lit(""))))
        .unique_stable(Some(cols(["platform", "post_id", "hashtag"])), UniqueKeepStrategy::First)
        .select([col("platform"), col("hashtag"), col("d"), col("original"), col("author"), col("campaign")]);
    let big = uses
        .clone()
        .group_by([col("platform"), col("hashtag")])
        .agg([col("original").cast(DataType::Int64).sum().alias("n")])
        .filter(col("n").gt_eq(lit(MIN_POSTS)))
        .select([col("platform"), col("hashtag")]);
    let df = uses
        .join(big, [col("platform"), col("hashtag")], [col("platform"), col("hashtag")], JoinArgs::new(JoinType::Inner))
        .sort(["platform", "hashtag", "d"], Default::default())
        .collect()?;
    let (platform, hashtag, d, original, author, campaign) = (
        strs(&df, "platform")?,
        strs(&df, "hashtag")?,
        i32s(&df, "d")?,
        bools(&df, "original")?,
        strs(&df, "author")?,
        strs(&df, "campaign")?,
    );
    let mut out = Vec::new();
    for std::ops::Range { start: i, end: j } in
        runs(df.height(), |i, j| platform[j] == platform[i] && hashtag[j] == hashtag[i])
    {
        let (p, h) = (platform[i].clone().unwrap_or_default(), hashtag[i].clone().unwrap_or_default());
        let mut values: BTreeMap<i32, i64> = BTreeMap::new();
        for k in (i..j).filter(|&k| original[k]) {
            *values.entry(d[k].expect("filtered")).or_default() += 1;
        }
        let days = observed.get(&p).map(Vec::as_slice).unwrap_or(&[]);
        for b in bursts(&series(days, &values), GAP) {
            let rows: Vec<usize> = (i..j).filter(|&k| in_burst(&b, d[k].expect("filtered"))).collect();
            let authors: HashSet<&str> = rows.iter().filter_map(|&k| author[k].as_deref()).collect();
            if b.total < MIN_POSTS || (authors.len() as i64) < MIN_AUTHORS {
                continue;
            }
            let tag = dominant(rows.iter().filter(|&&k| original[k]).map(|&k| campaign[k].as_deref()));
            let id = tag.unwrap_or_else(|| format!("{h}-{}", b.start));
            let mut c = from_burst(Kind::Hashtag, id, format!("#{h}"), Some(p.clone()), &b, "posts");
            c.authors = Some(authors.len() as i64);
            out.push(c);
        }
    }
    Ok(out)
}

/// Bursts of each own account's daily engagements (owned posts with engagement figures).
fn own(posts: &DataFrame, observed: &HashMap<String, Vec<i32>>) -> Result<Vec<Candidate>> {
    let df = posts
        .clone()
        .lazy()
        .filter(
            col("origin")
                .eq(lit("owned"))
                .and(col("d").is_not_null())
                .and(col("engagements").is_not_null())
                .and(col("account").is_not_null()),
        )
        .select([col("platform"), col("account"), col("d"), col("engagements"), col("campaign")])
        .sort(["platform", "account", "d"], Default::default())
        .collect()?;
    let (platform, account, d, eng, campaign) = (
        strs(&df, "platform")?,
        strs(&df, "account")?,
        i32s(&df, "d")?,
        i64s(&df, "engagements")?,
        strs(&df, "campaign")?,
    );
    let mut out = Vec::new();
    for std::ops::Range { start: i, end: j } in
        runs(df.height(), |i, j| platform[j] == platform[i] && account[j] == account[i])
    {
        let (p, a) = (platform[i].clone().unwrap_or_default(), account[i].clone().unwrap_or_default());
        let mut values: BTreeMap<i32, i64> = BTreeMap::new();
        for k in i..j {
            *values.entry(d[k].expect("filtered")).or_default() += eng[k].unwrap_or(0);
        }
        let (first, last) = (d[i].expect("filtered"), d[j - 1].expect("filtered"));
        let days: Vec<i32> =
            observed.get(&p).into_iter().flatten().copied().filter(|x| (first..=last).contains(x)).collect();
        for b in bursts(&series(&days, &values), GAP) {
            if b.total < MIN_ENGAGEMENTS {
                continue;
            }
            let tag =
                dominant((i..j).filter(|&k| in_burst(&b, d[k].expect("filtered"))).map(|k| campaign[k].as_deref()));
            let id = tag.unwrap_or_else(|| format!("{p}-{a}-{}", b.start));
            out.push(from_burst(Kind::OwnEngagements, id, format!("{p}:{a}"), Some(p.clone()), &b, "engagements"));
        }
    }
    Ok(out)
}

/// Bursts of each site's daily social referral sessions (daily rows; a null site is one
/// series of its own, printed as "(unknown site)").
fn referrals(lake: &Lake) -> Result<Vec<Candidate>> {
    let social = lit(Series::new("".into(), crate::schema::channels::SOCIAL.to_vec())).implode(false);
    let df = lake
        .traffic
        .clone()
        .filter(col("date_start").eq(col("date_end")))
        .select([
            col("site").fill_null(lit("")).alias("site"),
            col("date_start").cast(DataType::Int32).alias("d"),
            when(col("channel").is_in(social, false).fill_null(lit(false)))
                .then(col("sessions").fill_null(lit(0i64)))
                .otherwise(lit(0i64))
                .alias("s"),
        ])
        .group_by([col("site"), col("d")])
        .agg([col("s").sum().cast(DataType::Int64).alias("s")])
        .sort(["site", "d"], Default::default())
        .collect()
        .map_err(|e| anyhow::anyhow!("reading the traffic's daily rows: {e}"))?;
    let (site, d, s) = (strs(&df, "site")?, i32s(&df, "d")?, i64s(&df, "s")?);
    let mut out = Vec::new();
    for std::ops::Range { start: i, end: j } in runs(df.height(), |i, j| site[j] == site[i]) {
        let name = site[i].clone().unwrap_or_default();
        let series: Vec<(NaiveDate, i64)> = (i..j).filter_map(|k| Some((day_of(d[k]?), s[k].unwrap_or(0)))).collect();
        for b in bursts(&series, TRAFFIC_GAP) {
            if b.total < MIN_SESSIONS {
                continue;
            }
            let subject = if name.is_empty() { "(unknown site)".to_string() } else { name.clone() };
            let id = if name.is_empty() { format!("referrals-{}", b.start) } else { format!("{name}-{}", b.start) };
            out.push(from_burst(Kind::SocialReferrals, id, subject, None, &b, "sessions"));
        }
    }
    Ok(out)
}

/// The `rallylens analyze` arguments that size a candidate up.
fn args(c: &Candidate, lake: &str) -> Vec<String> {
    let mut a: Vec<String> = ["analyze", "--lake", lake, "--campaign", &c.id].iter().map(|s| s.to_string()).collect();
    a.extend(["--start".into(), c.start.to_string(), "--end".into(), c.end.to_string()]);
    match c.kind {
        Kind::Tag => {}
        Kind::Hashtag => a.extend(["--hashtag".into(), c.subject.trim_start_matches('#').to_string()]),
        Kind::OwnEngagements => a.extend(["--own".into(), c.subject.clone()]),
        Kind::SocialReferrals => {
            if c.subject != "(unknown site)" {
                a.extend(["--site".into(), c.subject.clone()]);
            }
        }
    }
    if c.tz != "UTC" {
        a.extend(["--tz".into(), c.tz.clone()]);
    }
    a
}

/// `s` quoted for a POSIX shell when it needs it.
pub fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The candidates as a text table, each followed by its command.
pub fn to_text(cands: &[Candidate]) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let opt = |v: Option<i64>| v.map_or("-".to_string(), |v| crate::support::thousands_i64(v));
    let _ = writeln!(
        o,
        "{:<17} {:<28} {:<10} {:<10} {:<10} {:>10} {:>8} {:>9}  what",
        "kind", "id", "start", "end", "peak", "total", "authors", "baseline"
    );
    for c in cands {
        let what = match c.kind {
            Kind::Tag => {
                format!("tag: {} posts, {} actions, {} traffic rows", opt(c.posts), opt(c.actions), opt(c.traffic))
            }
            Kind::Hashtag => format!("{} {} on {}", c.unit, c.subject, c.platform.as_deref().unwrap_or("?")),
            _ => format!("{} {}", c.unit, c.subject),
        };
        let _ = writeln!(
            o,
            "{:<17} {:<28} {:<10} {:<10} {:<10} {:>10} {:>8} {:>9}  {what}",
            c.kind.as_str(),
            c.id,
            c.start,
            c.end,
            c.peak.map_or("-".into(), |d| d.to_string()),
            opt(c.total),
            opt(c.authors),
            c.baseline.map_or("-".into(), |b| format!("{b:.1}")),
        );
        let _ = writeln!(o, "  {}", c.command);
    }
    if cands.is_empty() {
        o.push_str("(no candidates: no campaign tag and no burst above the minimums of docs/campaigns.md)\n");
    }
    o
}

/// The candidates as CSV (one row each; `command` is the pasteable line).
pub fn to_csv(cands: &[Candidate]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "kind",
        "id",
        "subject",
        "platform",
        "start",
        "end",
        "peak",
        "peak_value",
        "total",
        "unit",
        "authors",
        "baseline",
        "posts",
        "actions",
        "traffic",
        "tz",
        "command",
    ])?;
    let o = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for c in cands {
        w.write_record([
            c.kind.as_str().to_string(),
            c.id.clone(),
            c.subject.clone(),
            c.platform.clone().unwrap_or_default(),
            c.start.to_string(),
            c.end.to_string(),
            c.peak.map(|d| d.to_string()).unwrap_or_default(),
            o(c.peak_value),
            o(c.total),
            c.unit.to_string(),
            o(c.authors),
            c.baseline.map(|b| b.to_string()).unwrap_or_default(),
            o(c.posts),
            o(c.actions),
            o(c.traffic),
            c.tz.clone(),
            c.command.clone(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dominant_tag_needs_half_of_the_rows() {
        // 2 of 4 carry "shell": half is enough.
        assert_eq!(dominant([Some("shell"), None, Some("shell"), Some("x")].into_iter()), Some("shell".into()));
        // 1 of 3: not.
        assert_eq!(dominant([Some("shell"), None, None].into_iter()), None);
    }

    #[test]
    fn quote_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(quote("2012-10-01"), "2012-10-01");
        assert_eq!(quote("Europe/London"), "Europe/London");
        assert_eq!(quote("my lake"), "'my lake'");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }
}

/// How `rallylens campaigns` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns, each candidate followed by its `rallylens analyze` line.
    Table,
    Csv,
    Json,
}

/// `rallylens campaigns`.
#[derive(clap::Args, Debug)]
pub struct CampaignsArgs {
    /// The lake to search: a folder, or s3://BUCKET/PREFIX (docs/object-storage.md).
    #[arg(long, value_name = "DIR|URL")]
    pub lake: std::path::PathBuf,
    /// The IANA time zone of the days (default UTC), e.g. Europe/London; also passed on to the printed commands.
    #[arg(long, value_name = "ZONE", value_parser = parse_tz)]
    pub tz: Option<chrono_tz::Tz>,
    /// table, csv or json (json: every field, with `args`, the command's arguments as a list).
    #[arg(long, value_enum, default_value = "table", value_name = "FORMAT")]
    pub format: Format,
}

fn parse_tz(s: &str) -> Result<chrono_tz::Tz, String> {
    s.parse().map_err(|_| format!("unknown time zone '{s}'; expected an IANA name like Europe/London"))
}

/// Runs `rallylens campaigns`: the candidates on stdout, progress and a summary on stderr.
pub fn cmd(a: &CampaignsArgs, quiet: bool) -> Result<Vec<u8>> {
    let t = std::time::Instant::now();
    if !quiet {
        eprintln!("campaigns: reading {} …", a.lake.display());
    }
    // A lake at a URL is read from its copy in the local cache (crate::lake::store).
    let opened = crate::cli::open_lake(&a.lake, None, false, None, quiet)?;
    let cands = find(opened.dir(), &a.lake.display().to_string(), a.tz.unwrap_or(chrono_tz::UTC))?;
    if !quiet {
        let n = |k: Kind| cands.iter().filter(|c| c.kind == k).count();
        eprintln!(
            "campaigns: {} candidates ({} tags, {} hashtag bursts, {} own-engagement bursts, {} social-referral bursts) in {:.1} s",
            cands.len(),
            n(Kind::Tag),
            n(Kind::Hashtag),
            n(Kind::OwnEngagements),
            n(Kind::SocialReferrals),
            t.elapsed().as_secs_f64()
        );
    }
    Ok(match a.format {
        Format::Table => to_text(&cands).into_bytes(),
        Format::Csv => to_csv(&cands)?.into_bytes(),
        Format::Json => (serde_json::to_string_pretty(&cands)? + "\n").into_bytes(),
    })
}
