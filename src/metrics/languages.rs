//! Languages: the `by_language` table (key campaign, platform, lang): in which languages the
//! campaign's conversation ran, and how the organisation's own posts in each language did.
//!
//! Readings to keep:
//! - Posts: the campaign's posts in its window (own and collected), by platform and `lang` as
//!   the export gave it; a null language is `und` (BCP 47's "undetermined"). Codes are not
//!   merged (`en` and `en-gb` stay apart): the table shows what the platforms said.
//! - `own_posts`, `collected_posts`: counts of each kind.
//! - `engagements`, `engagement_rate`, `rate_basis`: over the own posts with engagements only,
//!   by the headline rule of `engagement_by_content_type`
//!   ([`super::engagement::headline_rate`]: the first basis > 0 for every post, ratio of
//!   sums); null when there is no such post or no such basis, never 0.
//! - `authors`: distinct authors (account id, else lower-cased handle) of the language's
//!   posts, own and collected; a count only, no author is named.
//! - `share_of_posts`: the language's posts over all the campaign's posts on that platform
//!   (the shares of a platform add up to 1).
//!
//! User docs: docs/metrics.md#languages.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use super::engagement::{headline_rate, BASES};
use super::Scope;

/// The language of posts whose export gave none.
pub const UNDETERMINED: &str = "und";

/// The `by_language` table (registry entry).
pub const BY_LANGUAGE: super::registry::Table = super::registry::Table {
    name: "by_language",
    key: &["campaign", "platform", "lang"],
    columns: &[
        "campaign",
        "platform",
        "lang",
        "own_posts",
        "collected_posts",
        "engagements",
        "rate_basis",
        "engagement_rate",
        "authors",
        "share_of_posts",
    ],
    compute: super::registry::Compute::Scopes(by_language),
};

/// One (platform, lang) group of a campaign.
#[derive(Default)]
struct Group {
    own: i64,
    collected: i64,
    /// Own posts with engagements: (e, bases).
    rated: Vec<(i64, [Option<i64>; 3])>,
    authors: BTreeSet<String>,
}

/// docs/metrics.md#languages for every campaign, sorted by (campaign, platform, lang).
pub fn by_language(scopes: &[Scope]) -> PolarsResult<LazyFrame> {
    let mut rows: Vec<(String, String, String, Group, i64)> = Vec::new();
    for s in scopes {
        let mut cols = vec![col("platform"), col("lang"), col("own"), col("engagements")];
        cols.extend(BASES.iter().map(|b| col(*b)));
        cols.extend([col("account_id"), col("account_handle")]);
        let df = s.posts.clone().filter(col("campaign_post")).select(cols).collect()?;
        let text = |c: &str| -> PolarsResult<StringChunked> { Ok(df.column(c)?.str()?.clone()) };
        let int = |c: &str| -> PolarsResult<Int64Chunked> { Ok(df.column(c)?.cast(&DataType::Int64)?.i64()?.clone()) };
        let (platform, lang, id, handle) =
            (text("platform")?, text("lang")?, text("account_id")?, text("account_handle")?);
        let own = df.column("own")?.bool()?.clone();
        let e = int("engagements")?;
        let bases = [int(BASES[0])?, int(BASES[1])?, int(BASES[2])?];
        let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
        for r in 0..df.height() {
            let lang = lang.get(r).map(str::trim).filter(|l| !l.is_empty()).unwrap_or(UNDETERMINED);
            let g = groups.entry((platform.get(r).unwrap_or_default().to_string(), lang.to_string())).or_default();
            if own.get(r) == Some(true) {
                g.own += 1;
                if let Some(e) = e.get(r) {
                    g.rated.push((e, std::array::from_fn(|k| bases[k].get(r))));
                }
            } else {
                g.collected += 1;
            }
            if let Some(a) = id.get(r).map(str::to_string).or_else(|| handle.get(r).map(str::to_lowercase)) {
                g.authors.insert(a);
            }
        }
        let mut per_platform: BTreeMap<String, i64> = BTreeMap::new();
        for ((p, _), g) in &groups {
            *per_platform.entry(p.clone()).or_default() += g.own + g.collected;
        }
        for ((p, l), g) in groups {
            let total = per_platform[&p];
            rows.push((s.campaign.id.clone(), p, l, g, total));
        }
    }
    rows.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    let rates: Vec<Option<(&'static str, i64, f64)>> = rows.iter().map(|r| headline_rate(&r.3.rated)).collect();
    let df = df!(
        "campaign" => rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        "platform" => rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        "lang" => rows.iter().map(|r| r.2.as_str()).collect::<Vec<_>>(),
        "own_posts" => rows.iter().map(|r| r.3.own).collect::<Vec<i64>>(),
        "collected_posts" => rows.iter().map(|r| r.3.collected).collect::<Vec<i64>>(),
        "engagements" => rows
            .iter()
            .map(|r| (!r.3.rated.is_empty()).then(|| r.3.rated.iter().map(|p| p.0).sum::<i64>()))
            .collect::<Vec<Option<i64>>>(),
        "rate_basis" => rates.iter().map(|r| r.map(|r| r.0)).collect::<Vec<Option<&str>>>(),
        "engagement_rate" => rates.iter().map(|r| r.map(|r| r.2)).collect::<Vec<Option<f64>>>(),
        "authors" => rows.iter().map(|r| r.3.authors.len() as i64).collect::<Vec<i64>>(),
        "share_of_posts" => rows
            .iter()
            .map(|r| (r.3.own + r.3.collected) as f64 / r.4 as f64)
            .collect::<Vec<f64>>(),
    )?;
    Ok(df.lazy())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Micros, Post};
    use crate::pipeline::Pipeline;
    use crate::pseudo::Pseudonymizer;

    fn post(id: &str, origin: &'static str, handle: &str, lang: Option<&str>) -> Post {
        Post {
            platform: "twitter".into(),
            post_id: id.into(),
            origin,
            account_id: Some(format!("u-{handle}")),
            account_handle: Some(handle.into()),
            created_at: Micros::parse_iso("2024-03-05T12:00:00Z"),
            content_type: "text",
            lang: lang.map(str::to_string),
            hashtags: vec!["climate".into()],
            ..Default::default()
        }
    }

    fn table(posts: &[Post]) -> DataFrame {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        crate::testkit::write_records(&root, "t", posts, &[], &[], &[]).unwrap();
        let pipe = Pipeline::parse(
            std::path::Path::new("p.toml"),
            "[output]\ndir='o'\n[[campaigns]]\nid='c1'\nstart=2024-03-01\nend=2024-03-31\nhashtags=['climate']\n",
        )
        .unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap().materialize().unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let s = Scope::new(&lake, &pipe.campaigns[0], &pipe.ladder, None, &key).unwrap();
        let df = by_language(&[s]).unwrap().collect().unwrap();
        BY_LANGUAGE.check_computed(&df).unwrap();
        df
    }

    #[test]
    fn languages_hand_worked() {
        // Twitter campaign posts (all use #climate, all on 2024-03-05):
        // | post | origin    | author | lang | e (reactions) | impressions |
        // | o1   | owned     | org    | en   | 10            | 100 |
        // | o2   | owned     | org    | en   | 30            | 300 |
        // | o3   | owned     | org    | sw   | null          | 50  |  no engagements: out of the rate
        // | c1   | collected | ann    | en   | 5             | -   |
        // | c2   | collected | bob    | sw   | -             | -   |
        // | c3   | collected | bob    | sw   | -             | -   |  the same author as c2
        // | c4   | collected | cat    | null | -             | -   |  -> und
        // | x1   | collected | dan    | en   | (no hashtag: not a campaign post)
        let mut o1 = post("o1", "owned", "org", Some("en"));
        (o1.reactions, o1.impressions) = (Some(10), Some(100));
        let mut o2 = post("o2", "owned", "org", Some("en"));
        (o2.reactions, o2.impressions) = (Some(30), Some(300));
        let mut o3 = post("o3", "owned", "org", Some("sw"));
        o3.impressions = Some(50);
        let mut c1 = post("c1", "collected", "ann", Some("en"));
        c1.reactions = Some(5);
        let c2 = post("c2", "collected", "bob", Some("sw"));
        let c3 = post("c3", "collected", "bob", Some("sw"));
        let c4 = post("c4", "collected", "cat", None);
        let mut x1 = post("x1", "collected", "dan", Some("en"));
        x1.hashtags.clear();
        let df = table(&[o1, o2, o3, c1, c2, c3, c4, x1]);
        let langs: Vec<Option<&str>> = df.column("lang").unwrap().str().unwrap().iter().collect();
        assert_eq!(langs, [Some("en"), Some("sw"), Some("und")]);
        let int = |c: &str| -> Vec<Option<i64>> { df.column(c).unwrap().i64().unwrap().iter().collect() };
        assert_eq!(int("own_posts"), [Some(2), Some(1), Some(0)]);
        assert_eq!(int("collected_posts"), [Some(1), Some(2), Some(1)]);
        // en: own o1 + o2 = 10 + 30 = 40 (c1's 5 is a collected post's); sw: o3 has none: null.
        assert_eq!(int("engagements"), [Some(40), None, None]);
        // en: impressions for both (reach, none): 40 / (100 + 300) = 0.1.
        let rate: Vec<Option<f64>> = df.column("engagement_rate").unwrap().f64().unwrap().iter().collect();
        assert_eq!(rate, [Some(0.1), None, None]);
        let basis: Vec<Option<&str>> = df.column("rate_basis").unwrap().str().unwrap().iter().collect();
        assert_eq!(basis, [Some("impressions"), None, None]);
        // en: org, ann = 2; sw: org, u-bob (c2 and c3 share the id) = 2; und: cat = 1.
        assert_eq!(int("authors"), [Some(2), Some(2), Some(1)]);
        // 7 campaign posts: en 3/7, sw 3/7, und 1/7.
        let share: Vec<f64> = df.column("share_of_posts").unwrap().f64().unwrap().into_no_null_iter().collect();
        for (got, want) in share.iter().zip([3.0 / 7.0, 3.0 / 7.0, 1.0 / 7.0]) {
            assert!((got - want).abs() < 1e-12, "{share:?}");
        }
    }

    #[test]
    fn no_campaign_no_rows() {
        let df = by_language(&[]).unwrap().collect().unwrap();
        assert_eq!(df.height(), 0);
        BY_LANGUAGE.check_computed(&df).unwrap();
    }
}
