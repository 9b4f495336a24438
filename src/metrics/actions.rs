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
        let n: usize = units.iter().map(|u| u.rows).sum();
        let mut t = ActionTable {
            platform: vec![NO_CODE; n],
            verb: vec![NO_CODE; n],
            tag: vec![NO_CODE; n],
            country: vec![NO_CODE; n],
            actor: vec![NONE; n],
            at: vec![NO_TIME; n],
            post: vec![NONE; n],
            key_post: vec![NONE; n],
            post_key,
            ..Default::default()
        };
        // Runs of consecutive row groups, about n / threads rows each.
        let per = n.div_ceil(rayon::current_num_threads().max(1)).max(1);
        let mut runs: Vec<&[Unit]> = Vec::new();
        let (mut from, mut rows) = (0, 0);
        for (i, u) in units.iter().enumerate() {
            rows += u.rows;
            if rows >= per || i + 1 == units.len() {
                runs.push(&units[from..=i]);
                (from, rows) = (i + 1, 0);
            }
        }
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

    /// Maps each run's codes to global ones (first-seen order: run 0's, then the values run
    /// 1 adds, …) and rewrites the runs' slices in place.
    fn recode(&mut self, dicts: Vec<RunDicts>, sizes: &[usize]) -> Result<()> {
        let mut dicts = dicts.into_iter();
        let Some(first) = dicts.next() else { return Ok(()) };
        // Run 0's codes are the global ones.
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
    table
        .verbs
        .iter()
        .map(|v| ladder.rungs.iter().position(|r| r.actions.iter().any(|a| a == v)).map_or(0, |i| i as i32 + 1))
        .collect()
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

    #[test]
    fn codes_posts_and_nulls_across_row_groups_files_and_runs() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a.parquet"), d.path().join("b.parquet"));
        // a: 5 rows in row groups of 2 (3 groups); b: 3 rows (2 groups), no action_key column.
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
        // Posts: (twitter, 1) row 0, (twitter, 2) row 1, (facebook, 1) row 2, and a second
        // row of (twitter, 1): its key is row 0's.
        let posts = df!(
            "platform" => ["twitter", "twitter", "facebook", "twitter"],
            "post_id" => ["1", "2", "1", "1"],
        )
        .unwrap();
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
