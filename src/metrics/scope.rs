//! One campaign's view of the lake: the columns every metric needs, added once.
//!
//! - posts: `day` (calendar day in the campaign's time zone), `engagements` (METRICS.md §1),
//!   `own` (§10.9), `member` (tagged, uses a campaign hashtag, links to a campaign URL, or
//!   mentions/replies to a target), `in_window`, `campaign_post` (= member and in window).
//! - actions: `day`, `in_campaign` (§10.1: tagged, answers a campaign post, or derived from a
//!   collected campaign post), `excluded` (the actor is an own account or a target),
//!   `rung` (1…K on the pipeline's ladder, 0 when the verb is on none).
//! - traffic: the pipeline's site only, when it names one (§10.13).
//!
//! Own accounts and targets are named by handle in the pipeline; actions carry keyed
//! pseudonyms of platform user ids, so the exclusion set is the pseudonyms of every id the
//! lake knows for those handles (and of the handles themselves).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use polars::prelude::*;

use crate::pipeline::{Campaign, Ladder};
use crate::pseudo::Pseudonymizer;

/// Everything the metrics read for one campaign.
#[derive(Clone)]
pub struct Scope<'a> {
    pub campaign: &'a Campaign,
    pub ladder: &'a Ladder,
    pub posts: LazyFrame,
    pub actions: LazyFrame,
    pub traffic: LazyFrame,
    pub accounts: LazyFrame,
}

fn str_series(name: &str, v: &[String]) -> Series {
    Series::new(name.into(), v.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `x` is one of `values` (false for null).
pub(crate) fn one_of(x: Expr, values: &[String]) -> Expr {
    if values.is_empty() {
        return lit(false);
    }
    x.is_in(lit(str_series("", values)).implode(false), false).fill_null(lit(false))
}

/// The calendar day of a UTC timestamp column in `tz`.
pub fn local_day(col_name: &str, tz: &chrono_tz::Tz) -> Expr {
    col(col_name).dt().convert_time_zone(TimeZone::from_chrono(tz)).dt().date()
}

/// METRICS.md §1: reactions + comments + shares + quotes + saves over the non-null fields;
/// null when all five are null.
pub fn engagements() -> Expr {
    let parts = ["reactions", "comments", "shares", "quotes", "saves"];
    let all_null = parts.iter().map(|p| col(*p).is_null()).reduce(|a, b| a.and(b)).expect("five parts");
    when(all_null).then(lit(NULL).cast(DataType::Int64)).otherwise(
        polars::lazy::dsl::sum_horizontal(parts.iter().map(|p| col(*p)).collect::<Vec<_>>(), true)
            .expect("sum")
            .cast(DataType::Int64),
    )
}

impl<'a> Scope<'a> {
    /// Scopes the lake to `campaign`. `site` restricts traffic; `pseudo` is the lake's key
    /// (to recognise own accounts and targets among actors).
    pub fn new(
        lake: &super::Lake,
        campaign: &'a Campaign,
        ladder: &'a Ladder,
        site: Option<&str>,
        pseudo: &Pseudonymizer,
    ) -> PolarsResult<Scope<'a>> {
        let c = campaign;
        let tz = &c.tz;
        let _t = std::time::Instant::now();
        let tm = |w: &str| {
            if std::env::var_os("RALLYLENS_TIMING").is_some() {
                eprintln!("timing:   scope {}: {w} at {:.2} s", c.id, _t.elapsed().as_secs_f64())
            }
        };

        // Own posts: an owned export, or the author is one of the campaign's own accounts.
        let mut own = col("origin").eq(lit("owned"));
        for (platform, accts) in &c.own_accounts {
            let by_author = one_of(col("_lc_handle"), accts).or(one_of(col("_lc_id"), accts));
            own = own.or(col("platform").eq(lit(platform.as_str())).and(by_author));
        }

        // Membership through list columns: a post is marked when any element matches; the mark
        // then holds for every row of the same (platform, post_id) (one row per post in a
        // lake, as LAKE.md dedups them; null keys are never marked).
        let posts_df = lake_posts(lake)?;
        let url_match = |u: &str| c.url_prefixes.iter().any(|p| u.starts_with(p.as_str()));
        let marks = [
            ("_m_tag", any_element(posts_df.column("hashtags")?.list()?, |t| c.hashtags.iter().any(|h| h == t))?),
            ("_m_target", any_element(posts_df.column("mentions")?.list()?, |m| c.targets.iter().any(|h| h == m))?),
            ("_m_url", any_element(posts_df.column("urls")?.list()?, url_match)?),
        ];
        let platform = posts_df.column("platform")?.str()?;
        let post_id = posts_df.column("post_id")?.str()?;
        let mut posts_df = posts_df.clone();
        for (name, rows) in marks {
            let keys: PlHashSet<(&str, &str)> = platform
                .iter()
                .zip(post_id.iter())
                .zip(rows.iter())
                .filter_map(|((p, id), m)| if *m { Some((p?, id?)) } else { None })
                .collect();
            let marked: Vec<bool> = if keys.is_empty() {
                vec![false; posts_df.height()]
            } else {
                platform
                    .iter()
                    .zip(post_id.iter())
                    .map(|(p, id)| p.zip(id).is_some_and(|k| keys.contains(&k)))
                    .collect()
            };
            posts_df.with_column(Column::new(name.into(), marked))?;
        }
        // A reply names its account by handle or by id (twarc2 without the user included):
        // the targets' handles and every id the lake knows for them.
        tm("marks");
        let mut reply_targets = c.targets.clone();
        reply_targets.extend(account_ids_of(lake, &posts_df, &c.targets)?.into_iter().map(|s| s.to_lowercase()));
        tm("account_ids_of");
        let posts = posts_df.clone().lazy();
        let member = col("campaign")
            .eq(lit(c.id.as_str()))
            .fill_null(lit(false))
            .or(col("_m_tag").fill_null(lit(false)))
            .or(col("_m_target").fill_null(lit(false)))
            .or(col("_m_url").fill_null(lit(false)))
            .or(one_of(col("_lc_reply"), &reply_targets));
        let in_window = col("day").gt_eq(lit(c.start)).and(col("day").lt_eq(lit(c.end))).fill_null(lit(false));
        let posts = posts
            .with_columns([
                local_day("created_at", tz).alias("day"),
                engagements().alias("engagements"),
                own.fill_null(lit(false)).alias("own"),
                member.alias("member"),
            ])
            .with_column(in_window.alias("in_window"))
            .with_column(col("member").and(col("in_window")).alias("campaign_post"))
            .drop(cols(["_m_tag", "_m_target", "_m_url", "_lc_handle", "_lc_id", "_lc_reply"]));

        // Campaign actions (§10.1). Expressions, not joins: a scoped action frame then
        // shares the lake's columns and only adds four small ones, so analyze can
        // materialise it once per campaign even for tens of millions of actions.
        let posts = posts.collect()?.lazy();
        tm("posts");
        let campaign_posts =
            posts.clone().filter(col("campaign_post")).select([col("platform"), col("post_id")]).collect()?;
        let mut by_platform: BTreeMap<String, Vec<String>> = Default::default();
        for (p, id) in
            campaign_posts.column("platform")?.str()?.iter().zip(campaign_posts.column("post_id")?.str()?.iter())
        {
            if let (Some(p), Some(id)) = (p, id) {
                by_platform.entry(p.to_string()).or_default().push(id.to_string());
            }
        }
        tm("campaign posts");
        let excluded_ids = excluded_actor_ids(lake, &posts_df, c, pseudo)?;
        tm("excluded ids");
        let actions = scoped_actions(lake, c, ladder, &by_platform, &excluded_ids)?.lazy();
        tm("actions");

        let traffic = match site {
            Some(s) => lake.traffic.clone().filter(col("site").eq(lit(s))),
            None => lake.traffic.clone(),
        };
        Ok(Scope { campaign, ladder, posts, actions, traffic, accounts: lake.accounts.clone() })
    }
}

/// Columns of the lake's actions that do not depend on the campaign, computed once and shared
/// by every scope (each is a pass over all actions: ~10 M rows at scale).
#[derive(Default)]
pub(crate) struct ActionCache {
    /// The actions, in memory.
    frame: Option<DataFrame>,
    /// `rung` for the ladder with these verb lists.
    rung: Option<(Vec<Vec<String>>, Column)>,
    /// `day` per time zone.
    days: Vec<(chrono_tz::Tz, Column)>,
    /// `_actor`: a dense UInt32 code per distinct `actor_id` (first-seen order; null for null),
    /// and the codes by id.
    actors: Option<(Column, Arc<PlHashMap<String, u32>>)>,
    /// The posts, in memory, with `_lc_handle`, `_lc_id`, `_lc_reply`: `account_handle`,
    /// `account_id` and `in_reply_to_account` lower-cased (helper columns of [`Scope::new`]).
    posts: Option<DataFrame>,
}

/// The shared cache of a [`super::Lake`].
pub(crate) type SharedActionCache = Arc<Mutex<ActionCache>>;

/// Rung of each verb: the first rung (1…K) that lists it; 0 for verbs on none.
fn rung_column(actions: &StringChunked, ladder: &Ladder) -> Column {
    let mut of: PlHashMap<&str, i32> = PlHashMap::default();
    for (i, r) in ladder.rungs.iter().enumerate() {
        for a in &r.actions {
            of.entry(a.as_str()).or_insert(i as i32 + 1);
        }
    }
    let v: Vec<i32> = actions.iter().map(|a| a.and_then(|a| of.get(a).copied()).unwrap_or(0)).collect();
    Column::new("rung".into(), v)
}

/// Dense codes of `actor_id` (see [`ActionCache::actors`]).
fn actor_codes(ids: &StringChunked) -> (Column, PlHashMap<String, u32>) {
    let mut dict: PlHashMap<&str, u32> = PlHashMap::default();
    let codes: UInt32Chunked = ids
        .iter()
        .map(|v| {
            v.map(|s| {
                let n = dict.len() as u32;
                *dict.entry(s).or_insert(n)
            })
        })
        .collect();
    let owned = dict.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    (codes.with_name("_actor".into()).into_column(), owned)
}

/// The lake's actions with the campaign's columns (§10.1 membership, exclusion, day, rung;
/// `_actor` for the ladder). Membership and exclusion are one pass in Rust over the
/// actions; `day`, `rung` and `_actor` come from the lake's cache.
fn scoped_actions(
    lake: &super::Lake,
    c: &Campaign,
    ladder: &Ladder,
    campaign_posts: &BTreeMap<String, Vec<String>>,
    excluded_ids: &[String],
) -> PolarsResult<DataFrame> {
    let mut cache = lake.cache.lock().expect("action cache");
    if cache.frame.is_none() {
        cache.frame = Some(lake.actions.clone().collect()?);
    }
    let df = cache.frame.clone().expect("just set");
    let verbs: Vec<Vec<String>> = ladder.rungs.iter().map(|r| r.actions.clone()).collect();
    if cache.rung.as_ref().is_none_or(|(v, _)| *v != verbs) {
        cache.rung = Some((verbs, rung_column(df.column("action")?.str()?, ladder)));
    }
    let rung = cache.rung.as_ref().expect("just set").1.clone();
    let day = match cache.days.iter().find(|(tz, _)| *tz == c.tz) {
        Some((_, d)) => d.clone(),
        None => {
            let d = df.clone().lazy().select([local_day("occurred_at", &c.tz).alias("day")]).collect()?;
            let d = d.column("day")?.clone();
            cache.days.push((c.tz, d.clone()));
            d
        }
    };
    if cache.actors.is_none() {
        let (codes, dict) = actor_codes(df.column("actor_id")?.str()?);
        cache.actors = Some((codes, Arc::new(dict)));
    }
    let (actor, dict) = cache.actors.clone().expect("just set");
    drop(cache);

    // §10.1: tagged with the campaign, or answering / derived from one of its posts (same
    // platform; `post_id`, or an `action_key` of `post:<id>`).
    let sets: Vec<(&str, PlHashSet<&str>)> =
        campaign_posts.iter().map(|(p, ids)| (p.as_str(), ids.iter().map(String::as_str).collect())).collect();
    let id = c.id.as_str();
    let tagged = df.column("campaign")?.str()?;
    let platform = df.column("platform")?.str()?;
    let post = df.column("post_id")?.str()?;
    let akey = df.column("action_key")?.str()?;
    let in_campaign: Vec<bool> = tagged
        .iter()
        .zip(platform.iter())
        .zip(post.iter().zip(akey.iter()))
        .map(|((t, p), (post, key))| {
            if t == Some(id) {
                return true;
            }
            let Some(set) = p.and_then(|p| sets.iter().find(|(sp, _)| *sp == p)).map(|(_, s)| s) else { return false };
            post.is_some_and(|x| set.contains(x))
                || key.and_then(|k| k.strip_prefix("post:")).is_some_and(|x| set.contains(x))
        })
        .collect();

    // Own accounts and targets among the actors, by code.
    let mut is_excluded = vec![false; dict.len()];
    for e in excluded_ids {
        if let Some(&code) = dict.get(e.as_str()) {
            is_excluded[code as usize] = true;
        }
    }
    let excluded: Vec<bool> = actor.u32()?.iter().map(|a| a.is_some_and(|a| is_excluded[a as usize])).collect();

    let mut out = df;
    out.with_column(day)?;
    out.with_column(Column::new("in_campaign".into(), in_campaign))?;
    out.with_column(Column::new("excluded".into(), excluded))?;
    out.with_column(rung)?;
    out.with_column(actor)?;
    Ok(out)
}

/// The lake's posts in memory with the lower-cased helper columns (see [`ActionCache::posts`]),
/// computed once for all campaigns.
fn lake_posts(lake: &super::Lake) -> PolarsResult<DataFrame> {
    let mut cache = lake.cache.lock().expect("lake cache");
    if cache.posts.is_none() {
        let lower = |c: &str, name: &str| col(c).str().to_lowercase().alias(name);
        cache.posts = Some(
            lake.posts
                .clone()
                .with_columns([
                    lower("account_handle", "_lc_handle"),
                    lower("account_id", "_lc_id"),
                    lower("in_reply_to_account", "_lc_reply"),
                ])
                .collect()?,
        );
    }
    Ok(cache.posts.clone().expect("just set"))
}

/// Per row of a list-of-strings column: whether any (non-null) element satisfies `pred`.
fn any_element(list: &ListChunked, pred: impl Fn(&str) -> bool) -> PolarsResult<Vec<bool>> {
    let list = list.rechunk();
    let values = list.get_inner();
    let values = values.str()?;
    let mut out = Vec::with_capacity(list.len());
    for arr in list.downcast_iter() {
        let offsets = arr.offsets();
        for i in 0..arr.len() {
            let (a, b) = offsets.start_end(i);
            let valid = arr.validity().is_none_or(|v| v.get_bit(i));
            out.push(valid && (a..b).any(|j| values.get(j).is_some_and(&pred)));
        }
    }
    Ok(out)
}

/// The platform account ids the lake knows for these handles (posts and follower tables).
fn account_ids_of(lake: &super::Lake, posts: &DataFrame, handles: &[String]) -> PolarsResult<Vec<String>> {
    if handles.is_empty() {
        return Ok(Vec::new());
    }
    let df = concat(
        [
            posts.clone().lazy().select([col("account_id"), col("_lc_handle")]),
            lake.accounts
                .clone()
                .select([col("account_id"), col("account_handle").str().to_lowercase().alias("_lc_handle")]),
        ],
        UnionArgs::default(),
    )?
    .filter(one_of(col("_lc_handle"), handles).and(col("account_id").is_not_null()))
    .select([col("account_id")])
    .unique(None, UniqueKeepStrategy::Any)
    .sort(["account_id"], Default::default())
    .collect()?;
    Ok(df.column("account_id")?.str()?.iter().flatten().map(String::from).collect())
}

/// Pseudonyms of the campaign's own accounts and targets: every account id the lake knows
/// for their handles (posts and follower tables), and the handles themselves.
fn excluded_actor_ids(
    lake: &super::Lake,
    posts: &DataFrame,
    c: &Campaign,
    pseudo: &Pseudonymizer,
) -> PolarsResult<Vec<String>> {
    let mut named: Vec<(Option<String>, String)> = Vec::new(); // (platform or any, handle)
    for (p, accts) in &c.own_accounts {
        named.extend(accts.iter().map(|a| (Some(p.clone()), a.clone())));
    }
    named.extend(c.targets.iter().map(|t| (None, t.clone())));
    if named.is_empty() {
        return Ok(Vec::new());
    }
    let handles: Vec<String> = named.iter().map(|(_, h)| h.clone()).collect();
    let known = concat(
        [
            posts.clone().lazy().select([col("platform"), col("account_id"), col("_lc_handle")]),
            lake.accounts.clone().select([
                col("platform"),
                col("account_id"),
                col("account_handle").str().to_lowercase().alias("_lc_handle"),
            ]),
        ],
        UnionArgs::default(),
    )?
    .filter(one_of(col("_lc_handle"), &handles))
    .unique(None, UniqueKeepStrategy::Any)
    .collect()?;
    let mut out: Vec<String> = Vec::new();
    let platforms: Vec<String> = ["twitter", "facebook", "instagram", "flickr"].iter().map(|s| s.to_string()).collect();
    for (p, h) in &named {
        let ps: Vec<String> = p.iter().cloned().chain(if p.is_none() { platforms.clone() } else { vec![] }).collect();
        for platform in &ps {
            out.push(pseudo.id(platform, h));
        }
    }
    let plat = known.column("platform")?.str()?.clone();
    let id = known.column("account_id")?.str()?.clone();
    let handle = known.column("_lc_handle")?.str()?.clone();
    for i in 0..known.height() {
        let (Some(p), Some(idv), Some(h)) = (plat.get(i), id.get(i), handle.get(i)) else { continue };
        if named.iter().any(|(np, nh)| nh == h && np.as_deref().is_none_or(|x| x == p)) {
            out.push(pseudo.id(p, idv));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, Micros, Post};
    use crate::pipeline::Pipeline;

    fn ts(s: &str) -> Option<Micros> {
        crate::ingest::util::parse_iso(s)
    }

    #[test]
    fn membership_own_posts_days_and_rungs() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("lake");
        let p = |id: &str, origin: &'static str, handle: &str, at: &str| Post {
            platform: "twitter".into(),
            post_id: id.into(),
            origin,
            account_id: Some(format!("u-{handle}")),
            account_handle: Some(handle.into()),
            created_at: ts(at),
            content_type: "text",
            ..Default::default()
        };
        let mut tagged = p("1", "collected", "ann", "2008-02-27T22:30:00Z");
        tagged.hashtags = vec!["makethefuture".into()];
        tagged.reactions = Some(3);
        tagged.shares = Some(2);
        let mut mention = p("2", "collected", "bob", "2008-02-28T10:00:00Z");
        mention.mentions = vec!["shell".into()];
        let mut own = p("3", "collected", "amnesty", "2008-02-28T11:00:00Z");
        // A reply to Shell's account id (not its handle) is a campaign post too... but
        // this one is by an own account, so it's also own.
        own.in_reply_to_account = Some("u-shell".into());
        own.in_reply_to_post_id = Some("6".into());
        let outside = p("4", "collected", "cat", "2008-02-28T12:00:00Z");
        let mut late = p("5", "collected", "dan", "2008-04-01T12:00:00Z");
        late.hashtags = vec!["makethefuture".into()];
        let signed = Action {
            platform: "petition".into(),
            actor_id: "x1".into(),
            action: "sign_petition".into(),
            occurred_at: ts("2008-03-01T09:00:00Z"),
            campaign: Some("shell".into()),
            ..Default::default()
        };
        let shell = p("6", "collected", "shell", "2008-01-01T12:00:00Z");
        crate::lake::write_records(&root, "t", &[tagged, mention, own, outside, late, shell], &[signed], &[], &[])
            .unwrap();
        let pipe = Pipeline::parse(
            std::path::Path::new("p.toml"),
            "[output]\ndir='o'\n[[campaigns]]\nid='shell'\nstart=2008-02-28\nend=2008-03-27\ntz='Africa/Nairobi'\nhashtags=['makethefuture']\ntargets=['shell']\nown_accounts={twitter=['Amnesty']}\n",
        )
        .unwrap();
        let lake = crate::metrics::Lake::open(&root).unwrap();
        let key = Pseudonymizer::load_or_create(&Pseudonymizer::key_path(&root)).unwrap();
        let s = Scope::new(&lake, &pipe.campaigns[0], &pipe.ladder, None, &key).unwrap();
        let posts = s.posts.sort(["post_id"], Default::default()).collect().unwrap();
        let b = |c: &str| posts.column(c).unwrap().bool().unwrap().iter().map(|v| v.unwrap()).collect::<Vec<_>>();
        // Post 1 was made 22:30 UTC on the 27th = 01:30 on the 28th in Nairobi (UTC+3): inside.
        // Post 3 replies to u-shell, the id the lake knows for @shell (post 6): a member.
        // Post 6 is Shell's own post, before the window.
        assert_eq!(b("campaign_post"), vec![true, true, true, false, false, false]);
        assert_eq!(b("own"), vec![false, false, true, false, false, false]);
        assert_eq!(b("member"), vec![true, true, true, false, true, false]);
        // Engagements of post 1: 3 reactions + 2 shares = 5; the others have no figures: null.
        let e: Vec<Option<i64>> = posts.column("engagements").unwrap().i64().unwrap().iter().collect();
        assert_eq!(e, vec![Some(5), None, None, None, None, None]);
        let acts = s.actions.sort(["action"], Default::default()).collect().unwrap();
        // Derived: 6 collected posts -> 6 actions (post 3 is a reply: `reply`; the others
        // `post`), plus the signature. Campaign actions: posts 1, 2, 3 and the signature.
        let in_c = acts.column("in_campaign").unwrap().bool().unwrap().iter().filter(|v| *v == Some(true)).count();
        assert_eq!((acts.height(), in_c), (7, 4));
        let rung: Vec<i32> = acts.column("rung").unwrap().i32().unwrap().iter().map(|v| v.unwrap()).collect();
        // Sorted by verb: 5 `post` (rung 2, amplify), 1 `reply` (rung 3, voice), 1 sign_petition (rung 4).
        assert_eq!(rung, vec![2, 2, 2, 2, 2, 3, 4]);
        // Excluded: the own account's reply and the target's own post.
        let ex = acts.column("excluded").unwrap().bool().unwrap().iter().filter(|v| *v == Some(true)).count();
        assert_eq!(ex, 2);
    }
}
