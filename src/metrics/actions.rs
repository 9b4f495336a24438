//! The lake's actions in memory, compact: one code per string, read once from Parquet and
//! shared by every campaign's scope and the ladder's history.
//!
//! Decisions to keep:
//! - `platform`, `action`, `campaign`, `country`: UInt16 codes (more than 65,534 values is an error).
//! - `actor_id`: dense code in first-seen order (files by name, rows in order), told apart
//!   by a 128-bit [`actor_hash`]; the hash→code map serves own/target exclusion.
//! - `post_id` / `post:<id>` keys: code of the asked-for post, else [`NONE`], matched by
//!   [`join_key`] (bare Facebook post id ≡ `<page>_<post>`, docs/lake.md#post-ids).
//! - `occurred_at`: µs since the epoch (UTC), [`NO_TIME`] for null.
//! - [`super::Scope`] builds each campaign's polars frame from it.
//!
//! User docs: docs/metrics.md#vocabulary.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use arrow::array::{Array, AsArray, RecordBatch, StringArray};
use arrow::datatypes::{DataType as ArrowType, TimeUnit as ArrowUnit, TimestampMicrosecondType};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use polars::prelude::*;
use rayon::prelude::*;

use crate::model::join_key;

/// "No value": a null actor, or a post the lake does not have.
pub const NONE: u32 = u32::MAX;
/// A null platform, verb or tag.
pub const NO_CODE: u16 = u16::MAX;
/// A null `occurred_at`.
pub const NO_TIME: i64 = i64::MIN;

/// The columns read, in this order.
const COLUMNS: [&str; 8] =
    ["platform", "actor_id", "action", "occurred_at", "post_id", "campaign", "country", "action_key"];

/// The lake's actions as codes (see the module docs). Every vector has one entry per action.
/// Analyze reads [`Campaigns`] instead (never the whole table); this whole-table reader is
/// what its tests check it against, and a table an analyst may read whole.
#[derive(Debug, Default)]
pub struct ActionTable {
    /// Codes into `platforms` ([`NO_CODE`] for null); likewise `verb`, `tag`.
    pub platform: Vec<u16>,
    pub platforms: Vec<String>,
    pub verb: Vec<u16>,
    pub verbs: Vec<String>,
    pub tag: Vec<u16>,
    pub tags: Vec<String>,
    /// ISO alpha-2 codes; [`NO_CODE`] for null (and for a lake written before the column).
    pub country: Vec<u16>,
    pub countries: Vec<String>,
    pub actor: Vec<u32>,
    /// [`actor_hash`] of a pseudonym → its code ([`ActionTable::actor_code`]).
    pub actor_codes: PlHashMap<u128, u32>,
    pub at: Vec<i64>,
    /// The post named by `post_id`, and by an `action_key` `post:<id>` (codes of
    /// [`ActionTable::post_key`]).
    pub post: Vec<u32>,
    pub key_post: Vec<u32>,
    /// Per row of the posts frame the table was read against: the code of its
    /// `(platform, post_id)` (the first row with that key; [`NONE`] for a null key).
    pub post_key: Vec<u32>,
}

impl ActionTable {
    pub fn len(&self) -> usize {
        self.verb.len()
    }
    pub fn is_empty(&self) -> bool {
        self.verb.is_empty()
    }
    /// The code of actor `id` (a pseudonym), if any action has it.
    pub fn actor_code(&self, id: &str) -> Option<u32> {
        self.actor_codes.get(&actor_hash(id)).copied()
    }
    /// The code of `value` in `values`, if any action has it.
    pub fn code_of(values: &[String], value: &str) -> Option<u16> {
        values.iter().position(|v| v == value).map(|i| i as u16)
    }

    /// Reads `files` (the actions table's visible parts), resolving references to the posts
    /// of rows `wanted` of `posts` (the lake's posts, `platform` and `post_id` columns): the
    /// campaigns' posts, a fraction of the lake's, so the index probed per action is small;
    /// references to other posts are [`NONE`].
    ///
    /// The row groups are split into one run of consecutive row groups per thread; each run
    /// is decoded straight into its slice of the output columns with codes of its own, then
    /// the runs' codes are mapped to global ones in order (so codes are in first-seen order
    /// over the whole table, whatever the threads) and rewritten in place: no per-row
    /// intermediate is ever held for the whole table.
    pub fn read(files: &[PathBuf], posts: &DataFrame, wanted: &[bool]) -> Result<ActionTable> {
        let clock = crate::timing::Clock::new("    action table: ");
        let (post_key, index) = post_index(posts, wanted)?;
        clock.mark("post index");
        let units = units_of(files)?;
        let n: usize = units.iter().map(|u| u.rows).sum();
        let UnitBuf { platform, verb, tag, country, actor, at, post, key_post } = UnitBuf::new(n);
        let mut t =
            ActionTable { platform, verb, tag, country, actor, at, post, key_post, post_key, ..Default::default() };
        let runs = runs_of(&units);
        let sizes: Vec<usize> = runs.iter().map(|r| r.iter().map(|u| u.rows).sum()).collect();
        let dicts: Vec<RunDicts> = t
            .columns()
            .split(&sizes)
            .into_par_iter()
            .zip(runs)
            .map(|(cols, run)| read_run(run, cols, &index))
            .collect::<Result<_>>()?;
        clock.mark("row groups read");
        t.recode(dicts, &sizes)?;
        clock.mark("codes merged");
        Ok(t)
    }

    fn columns(&mut self) -> Columns<'_> {
        Columns {
            platform: &mut self.platform,
            verb: &mut self.verb,
            tag: &mut self.tag,
            country: &mut self.country,
            actor: &mut self.actor,
            at: &mut self.at,
            post: &mut self.post,
            key_post: &mut self.key_post,
        }
    }

    /// Maps each run's codes to global ones ([`merge_dicts`]) and rewrites the runs' slices in place.
    fn recode(&mut self, dicts: Vec<RunDicts>, sizes: &[usize]) -> Result<()> {
        let Merged { small, actor_codes, remaps } = merge_dicts(dicts)?;
        self.columns().split(sizes).into_par_iter().zip(remaps).for_each(|(cols, r)| {
            let Some(r) = r else { return };
            for (k, codes) in [cols.platform, cols.verb, cols.tag, cols.country].into_iter().enumerate() {
                for c in codes.iter_mut().filter(|c| **c != NO_CODE) {
                    *c = r.small[k][*c as usize];
                }
            }
            for c in cols.actor.iter_mut().filter(|c| **c != NONE) {
                *c = r.actor[*c as usize];
            }
        });
        let [platforms, verbs, tags, countries] = small;
        (self.platforms, self.verbs, self.tags, self.countries) = (platforms, verbs, tags, countries);
        self.actor_codes = actor_codes;
        Ok(())
    }
}

/// The runs' dictionaries merged: the global values and actor codes, and each run's map to them.
struct Merged {
    small: [Vec<String>; 4],
    actor_codes: PlHashMap<u128, u32>,
    /// Per run; None for run 0, whose codes are the global ones.
    remaps: Vec<Option<Remap>>,
}

/// Maps each run's codes to global ones: first-seen order, run 0's, then the values run 1
/// adds, … (so codes are in first-seen order over the whole table, whatever the threads).
fn merge_dicts(dicts: Vec<RunDicts>) -> Result<Merged> {
    let mut dicts = dicts.into_iter();
    let Some(first) = dicts.next() else {
        return Ok(Merged { small: Default::default(), actor_codes: Default::default(), remaps: Vec::new() });
    };
    let mut small = first.small;
    let mut actor_codes = first.actor_codes;
    let mut remaps: Vec<Option<Remap>> = vec![None];
    for d in dicts {
        let mut r = Remap::default();
        for (k, values) in d.small.iter().enumerate() {
            r.small[k] = values
                .iter()
                .map(|v| match small[k].iter().position(|g| g == v) {
                    Some(c) => Ok(c as u16),
                    None => {
                        small[k].push(v.clone());
                        small_code(small[k].len() - 1, k)
                    }
                })
                .collect::<Result<_>>()?;
        }
        r.actor = d
            .actor_order
            .iter()
            .map(|h| {
                let next = actor_codes.len() as u32;
                *actor_codes.entry(*h).or_insert(next)
            })
            .collect();
        remaps.push(Some(r));
    }
    Ok(Merged { small, actor_codes, remaps })
}

/// The row groups of `files`, in order.
fn units_of(files: &[PathBuf]) -> Result<Vec<Unit<'_>>> {
    let mut units = Vec::new();
    for path in files {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let meta = ArrowReaderMetadata::load(&file, Default::default())
            .with_context(|| format!("reading the Parquet footer of {}", path.display()))?;
        for rg in 0..meta.metadata().num_row_groups() {
            let rows = meta.metadata().row_group(rg).num_rows() as usize;
            units.push(Unit { path: path.as_path(), meta: meta.clone(), rg, rows });
        }
    }
    Ok(units)
}

/// Runs of consecutive row groups, about (all rows) / threads rows each: one per thread.
fn runs_of<'u, 'a>(units: &'u [Unit<'a>]) -> Vec<&'u [Unit<'a>]> {
    let n: usize = units.iter().map(|u| u.rows).sum();
    let per = n.div_ceil(rayon::current_num_threads().max(1)).max(1);
    let mut runs = Vec::new();
    let (mut from, mut rows) = (0, 0);
    for (i, u) in units.iter().enumerate() {
        rows += u.rows;
        if rows >= per || i + 1 == units.len() {
            runs.push(&units[from..=i]);
            (from, rows) = (i + 1, 0);
        }
    }
    runs
}

/// A (actor, rung) pair no action has ([`FirstTimes`]).
pub const NOT_SEEN: i64 = i64::MAX;
/// A pair whose actions all lack a time.
pub const NO_TIME_SEEN: i64 = i64::MAX - 1;

/// The first time of each (actor, rung) over all of the lake's actions, dense: one row of
/// K+1 entries per actor code (rung 0 = verbs on no rung), each the earliest `occurred_at`
/// (µs), [`NO_TIME_SEEN`] when the pair's actions have no time, [`NOT_SEEN`] when it has none.
/// Actions of a null actor are left out (they are never covered). The ladder's history.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FirstTimes {
    pub n_actors: usize,
    pub n_rungs: usize,
    pub first: Vec<i64>,
}

impl FirstTimes {
    pub fn row(&self, actor: usize) -> &[i64] {
        &self.first[actor * self.n_rungs..(actor + 1) * self.n_rungs]
    }

    /// Folds one action in.
    #[inline]
    fn add(first: &mut [i64], n_rungs: usize, actor: u32, rung: usize, at: i64) {
        let i = actor as usize * n_rungs + rung;
        first[i] = if at == NO_TIME { first[i].min(NO_TIME_SEEN) } else { first[i].min(at) };
    }

    /// The first times of every action of a whole table (the reference [`Campaigns`] is checked against).
    #[cfg(test)]
    pub fn of_table(t: &ActionTable, ladder: &crate::schema::Ladder) -> FirstTimes {
        let rungs = verb_rungs(t, ladder);
        let (n_actors, n_rungs) = (t.actor_codes.len(), ladder.rungs.len() + 1);
        let mut first = vec![NOT_SEEN; n_actors * n_rungs];
        for ((&a, &v), &at) in t.actor.iter().zip(&t.verb).zip(&t.at) {
            if a != NONE {
                let r = if v == NO_CODE { 0 } else { rungs[v as usize] as usize };
                Self::add(&mut first, n_rungs, a, r, at);
            }
        }
        FirstTimes { n_actors, n_rungs, first }
    }
}

/// What [`Campaigns::read`] is asked for, per campaign: which actions are its own
/// (docs/metrics.md#vocabulary).
pub struct Wanted<'a> {
    /// The campaign's id: an action tagged with it is the campaign's.
    pub tag: &'a str,
    /// Per row of the posts frame: the row is one of the campaign's posts (an action that
    /// answers it, by `post_id` or an `action_key` `post:<id>`, is the campaign's).
    pub posts: Vec<bool>,
}

/// A [`NO_CODE`] in a [`Chunk`]'s 32-bit code columns.
pub const NO_CODE32: u32 = NO_CODE as u32;

/// Some of one campaign's actions, in the lake's order: codes into [`Campaigns`]'
/// dictionaries ([`NO_CODE32`] for null), actor codes ([`NONE`] for null), µs ([`NO_TIME`]).
/// 32-bit codes: polars takes the vectors as they are.
#[derive(Debug, Default)]
pub struct Chunk {
    pub platform: Vec<u32>,
    pub verb: Vec<u32>,
    pub country: Vec<u32>,
    pub actor: Vec<u32>,
    pub at: Vec<i64>,
}

impl Chunk {
    fn with_capacity(n: usize) -> Chunk {
        Chunk {
            platform: Vec::with_capacity(n),
            verb: Vec::with_capacity(n),
            country: Vec::with_capacity(n),
            actor: Vec::with_capacity(n),
            at: Vec::with_capacity(n),
        }
    }
    pub fn len(&self) -> usize {
        self.verb.len()
    }
    pub fn is_empty(&self) -> bool {
        self.verb.is_empty()
    }
}

/// The lake's actions read for some campaigns: each campaign's own actions, the ladder's
/// history of every action ([`FirstTimes`]) and the actor codes; never the whole table.
/// Memory follows the campaigns' actions and the lake's actors, not the lake's actions.
#[derive(Debug, Default)]
pub struct Campaigns {
    pub platforms: Vec<String>,
    pub verbs: Vec<String>,
    pub countries: Vec<String>,
    /// [`actor_hash`] of a pseudonym → its code (first-seen order over the whole table,
    /// as [`ActionTable`]'s). Emptied by [`super::Scope::new_all`] once it has found the
    /// excluded actors; [`Campaigns::n_actors`] still counts them.
    pub actor_codes: PlHashMap<u128, u32>,
    /// Actions read (the whole table).
    pub rows: usize,
    pub firsts: FirstTimes,
    /// Per campaign asked for, its actions: one chunk per run of row groups, in order.
    pub actions: Vec<Vec<Chunk>>,
}

impl Campaigns {
    /// The code of actor `id` (a pseudonym), if any action has it.
    pub fn actor_code(&self, id: &str) -> Option<u32> {
        self.actor_codes.get(&actor_hash(id)).copied()
    }

    /// How many distinct actors the lake's actions have (actor codes run 0..this).
    pub fn n_actors(&self) -> usize {
        self.firsts.n_actors
    }

    /// Reads `files` (the actions table's visible parts) once, keeping for each of `wanted`
    /// the actions that are its campaign's (in the lake's order) and folding every action into
    /// the ladder's first times. The same codes as [`ActionTable::read`] of the same files,
    /// and the same rows as filtering its table (tested below), without holding it: each row
    /// group is decoded into a buffer of its size and what is kept copied out. A run's kept
    /// rows go to vectors reserved for the whole run, so they are never moved while growing
    /// (what is reserved and not written is address space, not memory).
    pub fn read(
        files: &[PathBuf],
        posts: &DataFrame,
        wanted: &[Wanted],
        ladder: &crate::schema::Ladder,
    ) -> Result<Campaigns> {
        let clock = crate::timing::Clock::new("    actions: ");
        let n_posts = posts.height();
        let any: Vec<bool> = (0..n_posts).map(|r| wanted.iter().any(|w| w.posts.get(r) == Some(&true))).collect();
        let (post_key, index) = post_index(posts, &any)?;
        // Per campaign, by post code (the first row of the key): one of its posts (a mark on
        // any row of a post holds for the post).
        let member: Vec<Vec<bool>> = wanted
            .iter()
            .map(|w| {
                let mut m = vec![false; n_posts];
                for (r, &code) in post_key.iter().enumerate() {
                    if code != NONE && w.posts.get(r) == Some(&true) {
                        m[code as usize] = true;
                    }
                }
                m
            })
            .collect();
        clock.mark("post index");
        let units = units_of(files)?;
        let runs = runs_of(&units);
        let tags: Vec<&str> = wanted.iter().map(|w| w.tag).collect();
        let outs: Vec<RunOut> = runs
            .into_par_iter()
            .map(|run| read_run_kept(run, &index, &member, &tags, ladder))
            .collect::<Result<_>>()?;
        clock.mark("row groups read");
        let rows = units.iter().map(|u| u.rows).sum();
        let (dicts, rest): (Vec<RunDicts>, Vec<(Vec<Chunk>, Vec<i64>)>) =
            outs.into_iter().map(|o| (o.dicts, (o.kept, o.firsts))).unzip();
        let Merged { small, actor_codes, remaps } = merge_dicts(dicts)?;
        let [platforms, verbs, _tags, countries] = small;
        let n_rungs = ladder.rungs.len() + 1;
        let n_actors = actor_codes.len();
        // Each run's kept rows to global codes, in place.
        let rest: Vec<(Vec<Chunk>, Vec<i64>)> = rest
            .into_par_iter()
            .zip(remaps.par_iter())
            .map(|((mut kept, firsts), r)| {
                if let Some(r) = r {
                    let small = |v: &mut Vec<u32>, map: &[u16]| {
                        v.iter_mut().filter(|c| **c != NO_CODE32).for_each(|c| *c = map[*c as usize] as u32)
                    };
                    for ch in &mut kept {
                        small(&mut ch.platform, &r.small[0]);
                        small(&mut ch.verb, &r.small[1]);
                        small(&mut ch.country, &r.small[3]);
                        ch.actor.iter_mut().filter(|c| **c != NONE).for_each(|c| *c = r.actor[*c as usize]);
                    }
                }
                (kept, firsts)
            })
            .collect();
        // First times: run 0's are global; later runs' fold in through their actor maps.
        let mut first: Vec<i64> = Vec::new();
        let mut actions: Vec<Vec<Chunk>> = (0..wanted.len()).map(|_| Vec::new()).collect();
        for ((kept, firsts), r) in rest.into_iter().zip(&remaps) {
            match r {
                None => {
                    first = firsts;
                    first.resize(n_actors * n_rungs, NOT_SEEN);
                }
                Some(r) => {
                    for (local, &global) in r.actor.iter().enumerate() {
                        let (from, to) = (local * n_rungs, global as usize * n_rungs);
                        for k in 0..n_rungs {
                            first[to + k] = first[to + k].min(firsts[from + k]);
                        }
                    }
                }
            }
            for (k, ch) in kept.into_iter().enumerate() {
                actions[k].push(ch);
            }
        }
        clock.mark("codes merged");
        Ok(Campaigns {
            platforms,
            verbs,
            countries,
            actor_codes,
            rows,
            firsts: FirstTimes { n_actors, n_rungs, first },
            actions,
        })
    }
}

/// What one run of [`Campaigns::read`] gives: its own codes, each campaign's kept rows
/// (in them), and the first times of its actors (local codes × rungs).
struct RunOut {
    dicts: RunDicts,
    kept: Vec<Chunk>,
    firsts: Vec<i64>,
}

fn read_run_kept(
    run: &[Unit],
    posts: &PlHashMap<u128, u32>,
    member: &[Vec<bool>],
    tags: &[&str],
    ladder: &crate::schema::Ladder,
) -> Result<RunOut> {
    let rows: usize = run.iter().map(|u| u.rows).sum();
    let widest = run.iter().map(|u| u.rows).max().unwrap_or(0);
    let n_rungs = ladder.rungs.len() + 1;
    let mut d = RunDicts::default();
    let mut kept: Vec<Chunk> = member.iter().map(|_| Chunk::with_capacity(rows)).collect();
    let mut firsts: Vec<i64> = Vec::new();
    // Rung of each of the run's verb codes; each campaign's tag code.
    let mut rungs: Vec<usize> = Vec::new();
    let mut tag_codes: Vec<u16> = vec![NO_CODE; tags.len()];
    let mut buf = UnitBuf::new(widest);
    for u in run {
        let cols = buf.reset(u.rows);
        read_unit(u, cols, &mut d, posts)
            .with_context(|| format!("reading row group {} of {}", u.rg, u.path.display()))?;
        rungs.extend(d.small[1][rungs.len()..].iter().map(|v| rung_of(v, ladder) as usize));
        for (k, t) in tags.iter().enumerate() {
            if tag_codes[k] == NO_CODE {
                tag_codes[k] = d.small[2].iter().position(|v| v == t).map_or(NO_CODE, |c| c as u16);
            }
        }
        firsts.resize(d.actor_order.len() * n_rungs, NOT_SEEN);
        let b = &buf;
        for i in 0..u.rows {
            let (a, v, at) = (b.actor[i], b.verb[i], b.at[i]);
            if a != NONE {
                FirstTimes::add(&mut firsts, n_rungs, a, if v == NO_CODE { 0 } else { rungs[v as usize] }, at);
            }
            let (tag, p, kp) = (b.tag[i], b.post[i], b.key_post[i]);
            for (k, out) in kept.iter_mut().enumerate() {
                let m = &member[k];
                let mine = (tag != NO_CODE && tag == tag_codes[k])
                    || (p != NONE && m[p as usize])
                    || (kp != NONE && m[kp as usize]);
                if mine {
                    out.platform.push(b.platform[i] as u32);
                    out.verb.push(v as u32);
                    out.country.push(b.country[i] as u32);
                    out.actor.push(a);
                    out.at.push(at);
                }
            }
        }
    }
    Ok(RunOut { dicts: d, kept, firsts })
}

/// One row group's decoded columns, reused from row group to row group.
struct UnitBuf {
    platform: Vec<u16>,
    verb: Vec<u16>,
    tag: Vec<u16>,
    country: Vec<u16>,
    actor: Vec<u32>,
    at: Vec<i64>,
    post: Vec<u32>,
    key_post: Vec<u32>,
}

impl UnitBuf {
    fn new(n: usize) -> UnitBuf {
        UnitBuf {
            platform: vec![NO_CODE; n],
            verb: vec![NO_CODE; n],
            tag: vec![NO_CODE; n],
            country: vec![NO_CODE; n],
            actor: vec![NONE; n],
            at: vec![NO_TIME; n],
            post: vec![NONE; n],
            key_post: vec![NONE; n],
        }
    }
    /// The first `n` rows, every value null again, as a unit's output columns.
    fn reset(&mut self, n: usize) -> Columns<'_> {
        for v in [&mut self.platform, &mut self.verb, &mut self.tag, &mut self.country] {
            v[..n].fill(NO_CODE);
        }
        for v in [&mut self.actor, &mut self.post, &mut self.key_post] {
            v[..n].fill(NONE);
        }
        self.at[..n].fill(NO_TIME);
        Columns {
            platform: &mut self.platform[..n],
            verb: &mut self.verb[..n],
            tag: &mut self.tag[..n],
            country: &mut self.country[..n],
            actor: &mut self.actor[..n],
            at: &mut self.at[..n],
            post: &mut self.post[..n],
            key_post: &mut self.key_post[..n],
        }
    }
}

/// Which coded column `k` is, for messages.
const SMALL: [&str; 4] = ["platform", "action", "campaign", "country"];

/// Code number `i` of small column `k`, if it fits.
fn small_code(i: usize, k: usize) -> Result<u16> {
    u16::try_from(i)
        .ok()
        .filter(|&c| c != NO_CODE)
        .ok_or_else(|| anyhow::anyhow!("the actions table has more than {} distinct values of `{}`", NO_CODE, SMALL[k]))
}

/// The 128-bit hash standing for a post key `(platform, key)` while resolving references
/// (`key` = the id's [`join_key`]): the key hashed with a seed of the platform (chance
/// collisions as for [`actor_hash`]).
fn post_hash(platform: &str, key: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128_with_seed(key.as_bytes(), xxhash_rust::xxh3::xxh3_64(platform.as_bytes()))
}

/// Codes of the `(platform, join_key(post_id))` keys of the posts' rows `wanted` ([`NONE`]
/// for the others): per row, and the map from key (hash) to code.
fn post_index(posts: &DataFrame, wanted: &[bool]) -> Result<(Vec<u32>, PlHashMap<u128, u32>)> {
    let platform = posts.column("platform")?.str()?;
    let id = posts.column("post_id")?.str()?;
    let mut index: PlHashMap<u128, u32> = PlHashMap::default();
    let keys = platform
        .iter()
        .zip(id.iter())
        .zip(wanted)
        .enumerate()
        .map(|(row, (k, w))| match k {
            (Some(p), Some(i)) if *w => *index.entry(post_hash(p, join_key(p, i))).or_insert(row as u32),
            _ => NONE,
        })
        .collect();
    Ok((keys, index))
}

/// One row group of one file.
struct Unit<'a> {
    path: &'a Path,
    meta: ArrowReaderMetadata,
    rg: usize,
    rows: usize,
}

/// The output columns' slices a run writes.
struct Columns<'a> {
    platform: &'a mut [u16],
    verb: &'a mut [u16],
    tag: &'a mut [u16],
    country: &'a mut [u16],
    actor: &'a mut [u32],
    at: &'a mut [i64],
    post: &'a mut [u32],
    key_post: &'a mut [u32],
}

impl<'a> Columns<'a> {
    fn split_at(self, k: usize) -> (Columns<'a>, Columns<'a>) {
        let (p0, p1) = self.platform.split_at_mut(k);
        let (v0, v1) = self.verb.split_at_mut(k);
        let (t0, t1) = self.tag.split_at_mut(k);
        let (c0, c1) = self.country.split_at_mut(k);
        let (a0, a1) = self.actor.split_at_mut(k);
        let (o0, o1) = self.at.split_at_mut(k);
        let (q0, q1) = self.post.split_at_mut(k);
        let (k0, k1) = self.key_post.split_at_mut(k);
        (
            Columns { platform: p0, verb: v0, tag: t0, country: c0, actor: a0, at: o0, post: q0, key_post: k0 },
            Columns { platform: p1, verb: v1, tag: t1, country: c1, actor: a1, at: o1, post: q1, key_post: k1 },
        )
    }
    /// Consecutive slices of these lengths.
    fn split(self, sizes: &[usize]) -> Vec<Columns<'a>> {
        let mut out = Vec::with_capacity(sizes.len());
        let mut rest = self;
        for &k in sizes {
            let (head, tail) = rest.split_at(k);
            out.push(head);
            rest = tail;
        }
        out
    }
}

/// A run's own codes: the small columns' values and the actors' hashes, in first-seen order.
#[derive(Default)]
struct RunDicts {
    small: [Vec<String>; 4],
    actor_codes: PlHashMap<u128, u32>,
    actor_order: Vec<u128>,
}

/// A run's codes → global codes.
#[derive(Default)]
struct Remap {
    small: [Vec<u16>; 4],
    actor: Vec<u32>,
}

/// The 128-bit hash standing for a pseudonym while coding actors: distinct pseudonyms
/// (keyed SHA-256 digests, not chosen by anyone who could aim for a collision) collide with
/// probability ~n²/2¹²⁹, about 10⁻²⁵ for 10⁸ actors.
pub fn actor_hash(id: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_bytes())
}

fn read_run(run: &[Unit], mut cols: Columns, posts: &PlHashMap<u128, u32>) -> Result<RunDicts> {
    let mut d = RunDicts::default();
    for u in run {
        let (mine, rest) = cols.split_at(u.rows);
        read_unit(u, mine, &mut d, posts)
            .with_context(|| format!("reading row group {} of {}", u.rg, u.path.display()))?;
        cols = rest;
    }
    Ok(d)
}

fn read_unit(u: &Unit, cols: Columns, d: &mut RunDicts, posts: &PlHashMap<u128, u32>) -> Result<()> {
    let schema = u.meta.schema().clone();
    // Columns absent from a file read as nulls (older lakes, other writers).
    let present: Vec<usize> = COLUMNS.iter().filter_map(|c| schema.index_of(c).ok()).collect();
    let mask = ProjectionMask::roots(u.meta.parquet_schema(), present);
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(File::open(u.path)?, u.meta.clone())
        .with_row_groups(vec![u.rg])
        .with_projection(mask)
        .with_batch_size(u.rows.max(1))
        .build()?;
    let mut batches = Vec::new();
    for b in reader {
        batches.push(b?);
    }
    // One batch (its size is the row group's), unless the reader splits it.
    let batch = match batches.len() {
        0 => RecordBatch::new_empty(schema),
        1 => batches.pop().expect("one"),
        _ => arrow::compute::concat_batches(&batches[0].schema(), &batches)?,
    };
    anyhow::ensure!(
        batch.num_rows() == u.rows,
        "the row group has {} rows, its footer says {}",
        batch.num_rows(),
        u.rows
    );
    let text = |name: &str| -> Result<Option<StringArray>> {
        let Some(a) = batch.column_by_name(name) else { return Ok(None) };
        let a = if a.data_type() == &ArrowType::Utf8 {
            a.clone()
        } else {
            arrow::compute::cast(a, &ArrowType::Utf8)
                .with_context(|| format!("{name}: expected text, found {}", a.data_type()))?
        };
        Ok(Some(a.as_string::<i32>().clone()))
    };
    if let Some(a) = batch.column_by_name("occurred_at") {
        let a = arrow::compute::cast(a, &ArrowType::Timestamp(ArrowUnit::Microsecond, None))
            .with_context(|| format!("occurred_at: expected a timestamp, found {}", a.data_type()))?;
        let a = a.as_primitive::<TimestampMicrosecondType>();
        for (i, out) in cols.at.iter_mut().enumerate() {
            if a.is_valid(i) {
                *out = a.value(i);
            }
        }
    }
    let platform = text("platform")?;
    for (k, (name, out)) in
        [("platform", cols.platform), ("action", cols.verb), ("campaign", cols.tag), ("country", cols.country)]
            .into_iter()
            .enumerate()
    {
        let array = if k == 0 { platform.clone() } else { text(name)? };
        if let Some(array) = array {
            small_codes(&array, out, &mut d.small[k], k)?;
        }
    }
    if let Some(a) = text("actor_id")? {
        for (i, out) in cols.actor.iter_mut().enumerate() {
            if a.is_valid(i) {
                let h = actor_hash(a.value(i));
                let next = d.actor_codes.len() as u32;
                *out = *d.actor_codes.entry(h).or_insert_with(|| {
                    d.actor_order.push(h);
                    next
                });
            }
        }
    }
    let resolve = |ids: Option<StringArray>, strip: Option<&str>, out: &mut [u32]| {
        let (Some(ids), Some(platform)) = (ids, platform.as_ref()) else { return };
        // Actions of one post often come together (a post's likers): the last key's code.
        let mut last: Option<(&str, &str, u32)> = None;
        for (i, out) in out.iter_mut().enumerate() {
            if ids.is_null(i) || platform.is_null(i) {
                continue;
            }
            let id = ids.value(i);
            let id = match strip {
                Some(prefix) => match id.strip_prefix(prefix) {
                    Some(rest) => rest,
                    None => continue,
                },
                None => id,
            };
            let p = platform.value(i);
            let id = join_key(p, id);
            *out = match last {
                Some((lp, lid, code)) if lid == id && lp == p => code,
                _ => {
                    let code = posts.get(&post_hash(p, id)).copied().unwrap_or(NONE);
                    last = Some((p, id, code));
                    code
                }
            };
        }
    };
    resolve(text("post_id")?, None, cols.post);
    resolve(text("action_key")?, Some("post:"), cols.key_post);
    Ok(())
}

/// Codes of a low-cardinality column into `out`, extending `values` (first-seen order).
fn small_codes(array: &StringArray, out: &mut [u16], values: &mut Vec<String>, k: usize) -> Result<()> {
    // A handful of distinct values: the previous row's, else a linear search.
    let mut last: Option<(&str, u16)> = None;
    for (i, out) in out.iter_mut().enumerate() {
        if array.is_null(i) {
            continue;
        }
        let v = array.value(i);
        if let Some((lv, lc)) = last {
            if lv == v {
                *out = lc;
                continue;
            }
        }
        let c = match values.iter().position(|s| s == v) {
            Some(c) => c as u16,
            None => {
                values.push(v.to_string());
                small_code(values.len() - 1, k)?
            }
        };
        last = Some((v, c));
        *out = c;
    }
    Ok(())
}

/// Rung of each verb code: the first rung (1…K) that lists the verb; 0 for verbs on none.
pub fn verb_rungs(table: &ActionTable, ladder: &crate::schema::Ladder) -> Vec<i32> {
    table.verbs.iter().map(|v| rung_of(v, ladder)).collect()
}

/// The first rung (1…K) that lists `verb`; 0 when none does.
pub fn rung_of(verb: &str, ladder: &crate::schema::Ladder) -> i32 {
    ladder.rungs.iter().position(|r| r.actions.iter().any(|a| a == verb)).map_or(0, |i| i as i32 + 1)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, TimestampMicrosecondArray};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;

    use super::*;

    /// (platform, actor_id, action, occurred_at, post_id, campaign)
    type Row<'a> = (&'a str, Option<&'a str>, &'a str, Option<i64>, Option<&'a str>, Option<&'a str>);

    /// An actions file with row groups of two rows; `key` adds an `action_key` column.
    fn write(path: &Path, rows: &[Row], key: Option<&[Option<&str>]>) {
        let text = |f: for<'r> fn(&'r Row<'r>) -> Option<&'r str>| -> ArrayRef {
            Arc::new(rows.iter().map(f).collect::<StringArray>())
        };
        let mut cols: Vec<(&str, ArrayRef)> = vec![
            ("platform", text(|r| Some(r.0))),
            ("actor_id", text(|r| r.1)),
            ("action", text(|r| Some(r.2))),
            (
                "occurred_at",
                Arc::new(rows.iter().map(|r| r.3).collect::<TimestampMicrosecondArray>().with_timezone("UTC")),
            ),
            ("post_id", text(|r| r.4)),
            ("campaign", text(|r| r.5)),
        ];
        if let Some(k) = key {
            cols.push(("action_key", Arc::new(k.iter().copied().collect::<StringArray>())));
        }
        let batch = RecordBatch::try_from_iter(cols).unwrap();
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(2)).build();
        let mut w = ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    /// Two action files (a: 5 rows in row groups of 2, 3 groups; b: 3 rows in 2 groups, no
    /// action_key column) and the posts they answer: (twitter, 1) row 0, (twitter, 2) row 1,
    /// (facebook, 1) row 2, and a second row of (twitter, 1), whose key is row 0's.
    fn two_files(d: &Path) -> ([PathBuf; 2], DataFrame) {
        let (a, b) = (d.join("a.parquet"), d.join("b.parquet"));
        write(
            &a,
            &[
                ("twitter", Some("bob"), "like", Some(10), Some("1"), None),
                ("twitter", Some("ann"), "retweet", Some(20), None, Some("kenya")),
                ("facebook", Some("bob"), "like", None, Some("1"), None),
                ("facebook", None, "comment", Some(40), Some("9"), None),
                ("twitter", Some("cat"), "reply", Some(50), None, None),
            ],
            Some(&[None, Some("post:2"), None, Some("post:1"), Some("like:x")]),
        );
        write(
            &b,
            &[
                ("crm", Some("ann"), "sign_petition", Some(60), None, Some("shell")),
                ("twitter", Some("dan"), "like", Some(70), Some("2"), Some("kenya")),
                ("twitter", Some("bob"), "like", Some(80), Some("3"), None),
            ],
            None,
        );
        let posts = df!(
            "platform" => ["twitter", "twitter", "facebook", "twitter"],
            "post_id" => ["1", "2", "1", "1"],
        )
        .unwrap();
        ([a, b], posts)
    }

    #[test]
    fn codes_posts_and_nulls_across_row_groups_files_and_runs() {
        let d = tempfile::tempdir().unwrap();
        let ([a, b], posts) = two_files(d.path());
        // Whatever the threads, codes are first-seen over a's rows then b's.
        let t = ActionTable::read(&[a, b], &posts, &[true; 4]).unwrap();
        assert_eq!(t.len(), 8);
        assert_eq!(t.post_key, vec![0, 1, 2, 0]);
        assert_eq!(
            (t.platforms.clone(), t.platform.clone()),
            (vec!["twitter".to_string(), "facebook".into(), "crm".into()], vec![0, 0, 1, 1, 0, 2, 0, 0],)
        );
        assert_eq!(t.verbs, vec!["like", "retweet", "comment", "reply", "sign_petition"]);
        assert_eq!(t.verb, vec![0, 1, 0, 2, 3, 4, 0, 0]);
        assert_eq!(t.tags, vec!["kenya", "shell"]);
        assert_eq!(t.tag, vec![NO_CODE, 0, NO_CODE, NO_CODE, NO_CODE, 1, 0, NO_CODE]);
        // bob 0, ann 1, cat 2, dan 3; a null actor has none.
        assert_eq!(t.actor, vec![0, 1, 0, NONE, 2, 1, 3, 0]);
        assert_eq!((t.actor_code("dan"), t.actor_code("eve")), (Some(3), None));
        assert_eq!(t.at, vec![10, 20, NO_TIME, 40, 50, 60, 70, 80]);
        // post_id on the action's own platform: (twitter,1) → 0, (facebook,1) → 2,
        // (facebook,9) and (twitter,3) are not in the lake.
        assert_eq!(t.post, vec![0, NONE, 2, NONE, NONE, NONE, 1, NONE]);
        // action_key `post:<id>`: (twitter,2) → 1, (facebook,1) → 2; `like:x` names no post.
        assert_eq!(t.key_post, vec![NONE, 1, NONE, 2, NONE, NONE, NONE, NONE]);
        // Resolving only rows 0 and 2 (say, the campaigns' posts): (twitter, 2) is no longer
        // found, by post_id or action_key.
        let t = ActionTable::read(
            &[d.path().join("a.parquet"), d.path().join("b.parquet")],
            &posts,
            &[true, false, true, false],
        )
        .unwrap();
        assert_eq!(t.post_key, vec![0, NONE, 2, NONE]);
        assert_eq!(t.post, vec![0, NONE, 2, NONE, NONE, NONE, NONE, NONE]);
        assert_eq!(t.key_post, vec![NONE, NONE, NONE, 2, NONE, NONE, NONE, NONE]);
    }

    /// [`Campaigns::read`] keeps, per campaign, exactly the rows of the whole table that are
    /// its own (tagged, or answering one of its posts by `post_id` or `action_key`), in
    /// order and with the same codes, and its first times are the whole table's; with one
    /// thread or two (one run or two).
    #[test]
    fn campaigns_read_is_the_whole_table_filtered() {
        let d = tempfile::tempdir().unwrap();
        let (files, posts) = two_files(d.path());
        let ladder = crate::schema::Ladder::default();
        // kenya: tag kenya, and (twitter, 1) through its second row; shell: tag shell and (facebook, 1).
        let kenya = vec![false, false, false, true];
        let shell = vec![false, false, true, false];
        let whole = ActionTable::read(&files, &posts, &[true, false, true, true]).unwrap();
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let got = pool
                .install(|| {
                    Campaigns::read(
                        &files,
                        &posts,
                        &[Wanted { tag: "kenya", posts: kenya.clone() }, Wanted { tag: "shell", posts: shell.clone() }],
                        &ladder,
                    )
                })
                .unwrap();
            assert_eq!((got.rows, got.actor_codes.len()), (8, 4));
            assert_eq!((&got.platforms, &got.verbs, &got.countries), (&whole.platforms, &whole.verbs, &whole.countries));
            assert_eq!(got.firsts, FirstTimes::of_table(&whole, &ladder));
            // bob's first `like` (rung 1) at 10 µs (one like has no time: 10 is still the
            // first); no action of his on rung 2; ann's sign_petition (rung 4) at 60.
            assert_eq!((got.firsts.row(0)[1], got.firsts.row(0)[2], got.firsts.row(1)[4]), (10, NOT_SEEN, 60));
            let rows_of = |k: usize| -> Vec<usize> {
                let (tag, member) = if k == 0 { ("kenya", &kenya) } else { ("shell", &shell) };
                let tag = ActionTable::code_of(&whole.tags, tag);
                let answers = |p: u32| p != NONE && member.iter().enumerate().any(|(r, m)| *m && whole.post_key[r] == p);
                (0..whole.len())
                    .filter(|&i| Some(whole.tag[i]) == tag || answers(whole.post[i]) || answers(whole.key_post[i]))
                    .collect()
            };
            // kenya: row 0 (answers twitter post 1), rows 1 and 6 (tagged).
            assert_eq!(rows_of(0), vec![0, 1, 6]);
            // shell: row 2 (facebook post 1), row 3 (action_key post:1 on facebook), row 5 (tag).
            assert_eq!(rows_of(1), vec![2, 3, 5]);
            for k in 0..2 {
                let rows = rows_of(k);
                let chunks = &got.actions[k];
                let cat = |f: fn(&Chunk) -> Vec<i64>| chunks.iter().flat_map(f).collect::<Vec<i64>>();
                assert_eq!(cat(|c| c.actor.iter().map(|&x| x as i64).collect()), rows.iter().map(|&i| whole.actor[i] as i64).collect::<Vec<_>>());
                assert_eq!(cat(|c| c.verb.iter().map(|&x| x as i64).collect()), rows.iter().map(|&i| whole.verb[i] as i64).collect::<Vec<_>>());
                assert_eq!(cat(|c| c.platform.iter().map(|&x| x as i64).collect()), rows.iter().map(|&i| whole.platform[i] as i64).collect::<Vec<_>>());
                assert_eq!(cat(|c| c.country.iter().map(|&x| x as i64).collect()), rows.iter().map(|&i| whole.country[i] as i64).collect::<Vec<_>>());
                assert_eq!(cat(|c| c.at.clone()), rows.iter().map(|&i| whole.at[i]).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn facebook_ids_meet_on_their_post_part() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a.parquet");
        // Posts: row 0 the canonical `<page>_<post>` 10_100; row 1 a post stored bare (an
        // export without its page), 200; row 2 a twitter post whose id holds a `_`.
        let posts = df!(
            "platform" => ["facebook", "facebook", "twitter"],
            "post_id" => ["10_100", "200", "7_8"],
        )
        .unwrap();
        write(
            &a,
            &[
                ("facebook", Some("ann"), "like", Some(1), Some("100"), None), // bare → row 0
                ("facebook", Some("bob"), "comment", Some(2), Some("10_100"), None), // exact → row 0
                ("facebook", Some("cat"), "share", Some(3), Some("10_200"), None), // page_post → bare row 1
                ("facebook", Some("dan"), "like", Some(4), Some("11_100"), None), // post part 100 → row 0
                ("facebook", Some("eve"), "like", Some(5), Some("300"), None), // no such post
                ("twitter", Some("fay"), "like", Some(6), Some("8"), None),    // twitter ids are whole: none
                ("twitter", Some("gus"), "like", Some(7), Some("7_8"), None),  // exact twitter → row 2
                ("instagram", Some("hal"), "like", Some(8), Some("100"), None), // other platform: none
            ],
            Some(&[Some("post:100"), None, None, None, None, None, None, Some("post:10_100")]),
        );
        let t = ActionTable::read(&[a], &posts, &[true; 3]).unwrap();
        assert_eq!(t.post_key, vec![0, 1, 2]);
        assert_eq!(t.post, vec![0, 0, 1, 0, NONE, NONE, 2, NONE]);
        // `post:<id>` keys resolve the same way, on their own platform only.
        assert_eq!(t.key_post, vec![0, NONE, NONE, NONE, NONE, NONE, NONE, NONE]);
        // Two rows of one post in both forms share one code.
        let posts = df!("platform" => ["facebook", "facebook"], "post_id" => ["10_100", "100"]).unwrap();
        let t = ActionTable::read(&[d.path().join("a.parquet")], &posts, &[true; 2]).unwrap();
        assert_eq!(t.post_key, vec![0, 0]);
    }
}
