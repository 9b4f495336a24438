//! One campaign's view of the lake: the columns every metric needs, added once.
//!
//! - posts: `day` (calendar day in the campaign's time zone), `engagements` (docs/metrics.md#engagements-of-a-post),
//!   `own` (docs/metrics.md#vocabulary), `member` (tagged, uses a campaign hashtag, links to a campaign URL, or
//!   mentions/replies to a target), `in_window`, `campaign_post` (= member and in window).
//! - actions: the campaign's actions only (docs/metrics.md#vocabulary: tagged, answers a campaign post, or derived
//!   from a collected campaign post; `in_campaign` is kept, always true), with `_platform`,
//!   `_action` and `_country` (4-byte codes of the history's `platforms`, `verbs` and
//!   `countries`; [`super::actions::NO_CODE32`] for null: [`Scope::verb_is`],
//!   [`Scope::platform_name`] decode them), `_actor` (a dense code per pseudonym, shared by
//!   all scopes), `day`, `excluded` (the actor is an own account or a target). Every metric
//!   but the ladder reads only these; the ladder's history (the first time of every actor
//!   on every rung, over all of the lake's actions) is `history.firsts`
//!   ([`super::actions::Campaigns`]).
//! - traffic: the pipeline's site only, when it names one (docs/metrics.md#sites).
//! - press: the posts of platform `press` (clippings, docs/formats.md#press-csv), with the
//!   same columns as `posts`, which holds every other platform. Clippings are not social
//!   media: no reach, engagement, hashtag, target or comparison figure counts them; only
//!   `media_pickup` and `press_daily` read them (docs/metrics.md#the-press).
//!
//! Own accounts and targets are named by handle in the pipeline; actions carry keyed
//! pseudonyms of platform user ids, so the exclusion set is the pseudonyms of every id the
//! lake knows for those handles (and of the handles themselves).

use std::sync::{Arc, Mutex};

use polars::prelude::*;

use super::actions::{Campaigns, Chunk, Wanted, NONE, NO_TIME};
use crate::model::join_key;
use crate::schema::{Campaign, Ladder};
use crate::pseudo::Pseudonymizer;

/// Everything the metrics read for one campaign.
#[derive(Clone)]
pub struct Scope<'a> {
    pub campaign: &'a Campaign,
    pub ladder: &'a Ladder,
    /// The posts of every platform but `press`.
    pub posts: LazyFrame,
    /// The press clippings (platform `press`), with the same columns as `posts`.
    pub press: LazyFrame,
    pub actions: LazyFrame,
    /// `actions`, in memory (what [`super::distinct`] reads row by row).
    pub actions_df: DataFrame,
    /// [`super::distinct::AllCounts`] of `actions`, computed on first use (shared by the clones).
    pub(crate) distinct: Arc<std::sync::OnceLock<Result<Arc<super::distinct::AllCounts>, String>>>,
    /// [`super::top_voices::Voices`], computed on first use.
    pub(crate) voices: Arc<std::sync::OnceLock<Result<Arc<super::top_voices::Voices>, String>>>,
    /// [`super::key_accounts::window_posts`], computed on first use (the key accounts and
    /// the voices read the same posts).
    pub(crate) window_posts: Arc<std::sync::OnceLock<Result<Arc<Vec<super::key_accounts::WindowPost>>, String>>>,
    pub traffic: LazyFrame,
    pub accounts: LazyFrame,
    /// What the lake's actions share across campaigns: the ladder's history (first times of
    /// every actor on every rung), the actor codes, and the dictionaries of the `_platform`,
    /// `_action` and `_country` codes of `actions` (its `actions` are moved to the scopes).
    pub(crate) history: Arc<Campaigns>,
    /// What a reply's `in_reply_to_account` (lower-cased) is compared with to make it a
    /// campaign post: the targets' handles and every account id the lake knows for them,
    /// lower-cased (also sent to a Spark engine, spark::steps).
    pub reply_targets: Vec<String>,
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

/// A quarter of an hour in µs.
const QUARTER_US: i64 = 900_000_000;

/// `tz`'s UTC offset at `at` (µs since the epoch, UTC), in µs; None out of chrono's range.
fn utc_offset_us(tz: &chrono_tz::Tz, at: i64) -> Option<i64> {
    use chrono::{Offset, TimeZone as _};
    let utc = chrono::DateTime::from_timestamp_micros(at)?.naive_utc();
    Some(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc() as i64 * 1_000_000)
}

/// [`local_day`] of many timestamps (µs, UTC; None for null) as days since 1970-01-01,
/// without a time-zone lookup per value: the UTC offset is tabulated per quarter hour over
/// the values' range, and looked up exactly for a value in a quarter hour whose two ends
/// have different offsets (a transition inside it). Ranges of more than ~11 years look
/// every value up.
pub fn local_days(at: &[Option<i64>], tz: &chrono_tz::Tz) -> Vec<Option<i32>> {
    local_days_by(at.iter().copied(), tz)
}

/// [`local_days`] of µs timestamps with [`NO_TIME`] for null.
pub fn local_days_raw(at: &[i64], tz: &chrono_tz::Tz) -> Vec<Option<i32>> {
    local_days_by(at.iter().map(|&t| (t != NO_TIME).then_some(t)), tz)
}

fn local_days_by<I: Iterator<Item = Option<i64>> + Clone>(at: I, tz: &chrono_tz::Tz) -> Vec<Option<i32>> {
    let (lo, hi) = at.clone().flatten().fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let first = lo.div_euclid(QUARTER_US);
    let quarters = if lo > hi { 0 } else { hi.div_euclid(QUARTER_US) - first + 1 };
    let table: Vec<Option<i64>> = if quarters <= 400_000 {
        (first..first + quarters)
            .map(|q| {
                let (a, b) = (utc_offset_us(tz, q * QUARTER_US), utc_offset_us(tz, q * QUARTER_US + QUARTER_US - 1));
                if a == b {
                    a
                } else {
                    None
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    at.map(|t| {
            let t = t?;
            let q = (t.div_euclid(QUARTER_US) - first) as usize;
            let offset = table.get(q).copied().flatten().or_else(|| utc_offset_us(tz, t))?;
            Some((t + offset).div_euclid(86_400_000_000) as i32)
        })
        .collect()
}

/// docs/metrics.md#engagements-of-a-post: reactions + comments + shares + quotes + saves over the non-null fields;
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
        let mut all = Self::new_all(lake, std::slice::from_ref(campaign), ladder, site, pseudo)?;
        Ok(all.pop().expect("one campaign, one scope"))
    }

    /// [`Scope::new`] for each campaign: the lake's actions are read once
    /// ([`Campaigns::read`]), keeping each campaign's own and the ladder's history.
    pub fn new_all(
        lake: &super::Lake,
        campaigns: &'a [Campaign],
        ladder: &'a Ladder,
        site: Option<&str>,
        pseudo: &Pseudonymizer,
    ) -> PolarsResult<Vec<Scope<'a>>> {
        let posts: Vec<(DataFrame, Vec<String>)> =
            campaigns.iter().map(|c| campaign_posts(lake, c)).collect::<PolarsResult<_>>()?;
        let wanted: Vec<Wanted> = campaigns
            .iter()
            .zip(&posts)
            .map(|(c, (p, _))| Ok(Wanted { tag: &c.id, posts: campaign_post_rows(p)? }))
            .collect::<PolarsResult<_>>()?;
        let lake_posts = lake_posts(lake)?;
        let mut read = Campaigns::read(&lake.action_files, &lake_posts, &wanted, ladder)
            .map_err(|e| PolarsError::ComputeError(format!("reading the actions table: {e:#}").into()))?;
        drop(wanted);
        let mut actions = std::mem::take(&mut read.actions);
        // Each campaign's excluded actors (own accounts, targets) by code; then the map of the
        // actors' codes is freed: nothing after the scopes looks an actor up by id (140 MB at
        // 2.85 M actors).
        let mut excluded: Vec<Vec<bool>> = Vec::with_capacity(campaigns.len());
        for c in campaigns {
            let mut is_excluded = vec![false; read.n_actors()];
            for e in excluded_actor_ids(lake, &lake_posts, c, pseudo)? {
                if let Some(code) = read.actor_code(&e) {
                    is_excluded[code as usize] = true;
                }
            }
            excluded.push(is_excluded);
        }
        read.actor_codes = Default::default();
        let history = Arc::new(read);
        campaigns
            .iter()
            .zip(posts)
            .zip(actions.iter_mut())
            .zip(excluded)
            .map(|(((c, p), a), x)| Self::finish(lake, c, ladder, site, p, std::mem::take(a), &x, history.clone()))
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        lake: &super::Lake,
        c: &'a Campaign,
        ladder: &'a Ladder,
        site: Option<&str>,
        (posts, reply_targets): (DataFrame, Vec<String>),
        actions: Vec<Chunk>,
        is_excluded: &[bool],
        history: Arc<Campaigns>,
    ) -> PolarsResult<Scope<'a>> {
        let clock = crate::timing::Clock::new(format!("  scope {}: ", c.id));
        // Campaign actions (docs/metrics.md#vocabulary), as read for the campaign.
        let actions_df = campaign_actions(actions, c, is_excluded)?;
        clock.mark("actions");
        let traffic = match site {
            Some(s) => lake.traffic.clone().filter(col("site").eq(lit(s))),
            None => lake.traffic.clone(),
        };
        let is_press = col("platform").eq(lit(PRESS)).fill_null(lit(false));
        let posts = posts.lazy();
        Ok(Scope {
            campaign: c,
            ladder,
            press: posts.clone().filter(is_press.clone()),
            posts: posts.filter(is_press.not()),
            actions: actions_df.clone().lazy(),
            actions_df,
            distinct: Default::default(),
            voices: Default::default(),
            window_posts: Default::default(),
            traffic,
            accounts: lake.accounts.clone(),
            history,
            reply_targets,
        })
    }

    /// The distinct actors of the counted actions, every grouping ([`super::distinct`]), computed once.
    pub fn distinct_counts(&self) -> PolarsResult<Arc<super::distinct::AllCounts>> {
        self.distinct
            .get_or_init(|| super::distinct::all_counts(self).map(Arc::new).map_err(|e| e.to_string()))
            .clone()
            .map_err(|e| PolarsError::ComputeError(e.into()))
    }

    /// `actions`' rows whose verb is `verb` (`_action` holds codes; false for a verb no action has).
    pub fn verb_is(&self, verb: &str) -> Expr {
        match self.history.verbs.iter().position(|v| v == verb) {
            Some(code) => col("_action").eq(lit(code as u32)),
            None => lit(false),
        }
    }

    /// The platform names of a `_platform` code column (null for a null platform).
    pub fn platform_name(&self, e: Expr) -> Expr {
        decode(e, self.history.clone(), |h| &h.platforms)
    }
}

/// The values of a code column (`_platform`, `_action`, `_country` of a scope's actions), by
/// `values` of the history; null for [`super::actions::NO_CODE32`] or a null.
fn decode(e: Expr, h: Arc<Campaigns>, values: fn(&Campaigns) -> &Vec<String>) -> Expr {
    e.map(
        move |c| {
            let v = values(&h);
            let out: StringChunked =
                c.u32()?.iter().map(|x| x.and_then(|x| v.get(x as usize)).map(String::as_str)).collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    )
}

impl Scope<'_> {
    /// The traffic's daily rows (`date_start` = `date_end`) inside the campaign's window,
    /// tagged with the campaign or untagged: what sign-ups' conversions and `by_country`'s
    /// sessions sum.
    pub fn window_daily_traffic(&self) -> LazyFrame {
        let c = self.campaign;
        let d = col("date_start");
        let in_window = d.clone().gt_eq(lit(c.start)).and(d.lt_eq(lit(c.end))).fill_null(lit(false));
        self.traffic.clone().filter(
            col("date_start")
                .eq(col("date_end"))
                .fill_null(lit(false))
                .and(in_window)
                .and(col("campaign").is_null().or(col("campaign").eq(lit(c.id.as_str())))),
        )
    }
}
/// The platform of press clippings (docs/lake.md#posts).
pub const PRESS: &str = "press";

/// Whether each row of a scope's posts is a campaign post.
fn campaign_post_rows(posts: &DataFrame) -> PolarsResult<Vec<bool>> {
    Ok(posts.column("campaign_post")?.bool()?.iter().map(|v| v == Some(true)).collect())
}

/// The lake's posts (in the lake's row order) with the campaign's columns (see the module
/// docs), and the campaign's reply targets ([`Scope::reply_targets`]).
fn campaign_posts(lake: &super::Lake, c: &Campaign) -> PolarsResult<(DataFrame, Vec<String>)> {
    let tz = &c.tz;
    let clock = crate::timing::Clock::new(format!("  scope {}: ", c.id));
    let tm = |w: &str| clock.mark(w);

    // Own posts: an owned export, or the author is one of the campaign's own accounts.
    let mut own = col("origin").eq(lit("owned"));
    for (platform, accts) in &c.own_accounts {
        let by_author = one_of(col("_lc_handle"), accts).or(one_of(col("_lc_id"), accts));
        own = own.or(col("platform").eq(lit(platform.as_str())).and(by_author));
    }

    // Membership through list columns: a post is marked when any element matches; the mark
    // then holds for every row of the same (platform, post_id) (one row per post in a
    // lake, as the lake de-duplicates them, docs/lake.md#duplicates-across-inputs; null keys are never marked). Ids are compared by their
    // join key, like actions' references: a Facebook post stored bare by an export that
    // did not tell its page is the same post as its `<page>_<post>` row.
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
            .filter_map(|((p, id), m)| if *m { Some((p?, join_key(p?, id?))) } else { None })
            .collect();
        let marked: Vec<bool> = if keys.is_empty() {
            vec![false; posts_df.height()]
        } else {
            platform
                .iter()
                .zip(post_id.iter())
                .map(|(p, id)| p.zip(id).is_some_and(|(p, id)| keys.contains(&(p, join_key(p, id)))))
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
    // Only the new columns are computed; the lake's are shared with its frame, never copied
    // (a collect over the whole frame held a second copy of the posts per campaign).
    let added = posts
        .select([
            local_day("created_at", tz).alias("day"),
            engagements().alias("engagements"),
            own.fill_null(lit(false)).alias("own"),
            member.alias("member"),
        ])
        .with_column(in_window.alias("in_window"))
        .with_column(col("member").and(col("in_window")).alias("campaign_post"))
        .collect()?;
    let mut posts = posts_df.drop_many(["_m_tag", "_m_target", "_m_url", "_lc_handle", "_lc_id", "_lc_reply"]);
    posts.hstack_mut(added.columns())?;
    tm("posts");
    Ok((posts, reply_targets))
}

/// What the campaigns' scopes share, computed on first use.
#[derive(Default)]
pub(crate) struct LakeCache {
    /// The posts, in memory, with `_lc_handle`, `_lc_id`, `_lc_reply`: `account_handle`,
    /// `account_id` and `in_reply_to_account` lower-cased (helper columns of [`Scope::new`]).
    posts: Option<DataFrame>,
}

/// The shared cache of a [`super::Lake`].
pub(crate) type SharedLakeCache = Arc<Mutex<LakeCache>>;

/// The campaign's actions (docs/metrics.md#vocabulary: tagged with the campaign, or answering or derived from
/// one of its posts, on the same platform: by `post_id` or an `action_key` `post:<id>`,
/// a Facebook id in either form, see [`ActionTable`]),
/// gathered from the lake's action table into a frame: `platform`, `action`,
/// `occurred_at`, `_actor`, `rung`, `excluded` (the actor is an own account or a target),
/// `in_campaign` (true), `day` (in the campaign's time zone) and `country`.
fn campaign_actions(chunks: Vec<Chunk>, c: &Campaign, is_excluded: &[bool]) -> PolarsResult<DataFrame> {
    let n: usize = chunks.iter().map(Chunk::len).sum();
    // One polars chunk per run: the code vectors are taken as they are.
    let (mut platform, mut verb, mut country): (Option<UInt32Chunked>, Option<UInt32Chunked>, Option<UInt32Chunked>) =
        (None, None, None);
    let (mut actor, mut excluded, mut day): (Option<UInt32Chunked>, Option<BooleanChunked>, Option<Int32Chunked>) =
        (None, None, None);
    macro_rules! push {
        ($to:expr, $ca:expr) => {
            match &mut $to {
                Some(x) => x.append_owned($ca)?,
                None => $to = Some($ca),
            }
        };
    }
    for ch in chunks {
        let Chunk { platform: p, verb: v, country: k, actor: a, at } = ch;
        push!(day, Int32Chunked::from_iter_options("day".into(), local_days_raw(&at, &c.tz).into_iter()));
        drop(at);
        push!(excluded, a.iter().map(|&x| x != NONE && is_excluded[x as usize]).collect::<BooleanChunked>());
        push!(actor, UInt32Chunked::from_iter_options("_actor".into(), a.iter().map(|&x| (x != NONE).then_some(x))));
        drop(a);
        push!(platform, UInt32Chunked::from_vec("_platform".into(), p));
        push!(verb, UInt32Chunked::from_vec("_action".into(), v));
        push!(country, UInt32Chunked::from_vec("_country".into(), k));
    }
    let or_empty = |x: Option<UInt32Chunked>, name: &str| x.unwrap_or_else(|| UInt32Chunked::from_vec(name.into(), vec![]));
    let df = DataFrame::new(
        n,
        vec![
            or_empty(platform, "_platform").with_name("_platform".into()).into_column(),
            or_empty(verb, "_action").with_name("_action".into()).into_column(),
            or_empty(actor, "_actor").with_name("_actor".into()).into_column(),
            excluded.unwrap_or_default().with_name("excluded".into()).into_column(),
            Column::new_scalar("in_campaign".into(), Scalar::from(true), n),
            day.unwrap_or_else(|| Int32Chunked::from_vec("day".into(), vec![])).with_name("day".into()).into_date().into_column(),
            or_empty(country, "_country").with_name("_country".into()).into_column(),
        ],
    )?;
    Ok(df)
}

/// The lake's posts in memory with the lower-cased helper columns (see [`LakeCache::posts`]),
/// computed once for all campaigns.
fn lake_posts(lake: &super::Lake) -> PolarsResult<DataFrame> {
    let mut cache = lake.cache.lock().expect("lake cache");
    if cache.posts.is_none() {
        let mut posts = lake.posts.clone().collect()?;
        for (c, name) in
            [("account_handle", "_lc_handle"), ("account_id", "_lc_id"), ("in_reply_to_account", "_lc_reply")]
        {
            let lower = lowercase(posts.column(c)?.str()?).with_name(name.into());
            posts.with_column(lower.into_column())?;
        }
        cache.posts = Some(posts);
    }
    Ok(cache.posts.clone().expect("just set"))
}

/// `e.str().to_lowercase()`, through [`lowercase`]: polars' version converts only whole
/// 16-byte words as ASCII and the rest of each value char by char, so a 13-character handle
/// takes the slow path (a tenth of analyze's CPU on the synth lake); same results.
pub fn lower(e: Expr) -> Expr {
    e.map(|c| Ok(lowercase(c.str()?).with_name(c.name().clone()).into_column()), |_, f| Ok(f.clone()))
}

/// `str::to_lowercase` of every value, without copying what is lower case already (most
/// handles and ids) and byte-wise for ASCII.
pub(crate) fn lowercase(ca: &StringChunked) -> StringChunked {
    ca.iter()
        .map(|v| {
            v.map(|s| -> std::borrow::Cow<str> {
                if !s.is_ascii() {
                    s.to_lowercase().into()
                } else if s.bytes().any(|b| b.is_ascii_uppercase()) {
                    s.to_ascii_lowercase().into()
                } else {
                    s.into()
                }
            })
        })
        .collect()
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
            lake.accounts.clone().select([col("account_id"), lower(col("account_handle")).alias("_lc_handle")]),
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
                lower(col("account_handle")).alias("_lc_handle"),
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

    #[test]
    fn lowercase_matches_str_to_lowercase() {
        let v = [Some("amnesty"), Some("Amnesty_UK"), None, Some("ÉCOLE Ünïcode"), Some("İstanbul"), Some("")];
        let got: Vec<Option<String>> =
            lowercase(&StringChunked::from_iter(v.iter().copied())).iter().map(|x| x.map(String::from)).collect();
        let want: Vec<Option<String>> = v.iter().map(|x| x.map(str::to_lowercase)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn local_days_agree_with_polars_across_transitions() {
        // Every 7 minutes from 2023-01-01 through 2024-12-30 UTC (DST changes on both
        // hemispheres, half- and quarter-hour zones), plus nulls: the tabulated offsets give
        // the same calendar day as polars' conversion, value by value.
        let start = 1_672_531_200_000_000i64;
        let at: Vec<Option<i64>> =
            (0..150_000i64).map(|k| (k % 997 != 0).then_some(start + k * 420_000_000 + k % 13)).collect();
        for tz in ["Europe/London", "Africa/Nairobi", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns"] {
            let tz: chrono_tz::Tz = tz.parse().unwrap();
            let t = Int64Chunked::from_iter_options("t".into(), at.iter().copied())
                .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
                .into_column();
            let want = DataFrame::new(at.len(), vec![t]).unwrap().lazy().select([local_day("t", &tz).alias("d")]);
            let want = want.collect().unwrap();
            let want: Vec<Option<i32>> = want.column("d").unwrap().date().unwrap().physical().iter().collect();
            assert_eq!(local_days(&at, &tz), want, "{tz}");
        }
        // A range too long to tabulate looks each value up: 1970-01-01 05:45 in Kathmandu,
        // and 7,300 days later + 1 h (+05:45) is still day 7,300.
        let far = [Some(0), None, Some(7300 * 86_400_000_000 + 3_600_000_000)];
        assert_eq!(local_days(&far, &chrono_tz::Asia::Kathmandu), vec![Some(0), None, Some(7300)]);
    }

    use crate::model::{Action, Micros, Post};
    use crate::pipeline::Pipeline;

    fn ts(s: &str) -> Option<Micros> {
        crate::model::Micros::parse_iso(s)
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
        crate::testkit::write_records(&root, "t", &[tagged, mention, own, outside, late, shell], &[signed], &[], &[])
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
        // Derived: 6 collected posts -> 6 actions (post 3 is a reply: `reply`; the others
        // `post`), plus the signature: 7 in the lake (the ladder's history)...
        let h = &s.history;
        let f = &h.firsts;
        let mut all: Vec<usize> = (0..f.n_actors)
            .flat_map(|a| f.row(a).iter().enumerate().filter(|(_, t)| **t != crate::metrics::actions::NOT_SEEN).map(|(r, _)| r))
            .collect();
        all.sort();
        // 7 actors, one action each: 5 `post` (rung 2, amplify), 1 `reply` (rung 3, voice), 1 sign_petition (rung 4).
        assert_eq!((h.rows, all), (7, vec![2, 2, 2, 2, 2, 3, 4]));
        // ... of which the campaign's: posts 1, 2, 3 and the signature.
        let acts = s.actions.clone().collect().unwrap();
        let in_c = acts.column("in_campaign").unwrap().bool().unwrap().iter().filter(|v| *v == Some(true)).count();
        assert_eq!((acts.height(), in_c), (4, 4));
        let mut verbs: Vec<&str> =
            acts.column("_action").unwrap().u32().unwrap().iter().map(|v| h.verbs[v.unwrap() as usize].as_str()).collect();
        verbs.sort();
        let rung: Vec<i32> = verbs.iter().map(|v| crate::metrics::actions::rung_of(v, &pipe.ladder)).collect();
        assert_eq!((verbs, rung), (vec!["post", "post", "reply", "sign_petition"], vec![2, 2, 3, 4]));
        // Excluded: the own account's reply (post 3); the target's own post (6) is excluded
        // too, by its account id, but is no campaign action.
        let ex = acts.column("excluded").unwrap().bool().unwrap().iter().filter(|v| *v == Some(true)).count();
        assert_eq!(ex, 1);
        let posts_df = lake_posts(&lake).unwrap();
        let excluded = excluded_actor_ids(&lake, &posts_df, &pipe.campaigns[0], &key).unwrap();
        assert!(excluded.contains(&key.id("twitter", "u-shell")));
        // An actor of the lake (the scopes free the map of actor codes: the whole-table reader's).
        let table = crate::metrics::actions::ActionTable::read(&lake.action_files, &posts_df, &vec![false; posts_df.height()]).unwrap();
        assert!(table.actor_code(&key.id("twitter", "u-shell")).is_some());
        assert!(h.actor_codes.is_empty() && h.n_actors() == table.actor_codes.len());
    }
}
