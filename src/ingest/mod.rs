//! Ingest: one adapter per export format behind the [`Adapter`] trait.
//!
//! Adding a format is one new file in this folder and one line in [`REGISTRY`].
//! An adapter reads one input (a file, or a folder/zip for archive formats) and hands
//! canonical records to an [`Out`]; it never touches the lake. The lake writer (`crate::lake`)
//! provides the `Out` that streams records to Parquet; tests use [`Collected`].
//!
//! Line-oriented formats (JSON Lines) implement [`LineAdapter`] too: the driver then reads
//! the file in byte ranges on several threads, each line independently, so memory stays
//! bounded by the batch size whatever the file size.

pub mod action_network_csv;
pub mod action_network_json;
pub mod actions_csv;
pub mod csv_stream;
pub mod custom_csv;
pub mod driver;
pub mod facebook_graph_json;
pub mod facebook_insights_csv;
pub mod flickr_json;
pub mod ga4_bigquery_jsonl;
pub mod instagram_dyi_json;
pub mod instagram_graph_json;
pub mod matomo_csv;
pub mod meta_business_suite_csv;
pub mod plausible_csv;
#[cfg(test)] mod proptests;
#[cfg(test)]
pub mod testkit;
pub mod traffic_util;
pub mod twitter_analytics_csv;
pub mod twitter_archive;
pub mod twitter_csv;
pub mod twitter_v1_json;
pub mod twitter_v2_jsonl;
pub mod ua_csv;
pub mod util;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::model::{AccountSnap, Action, Micros, Post, Traffic};
use crate::pseudo::Pseudonymizer;

/// Every export format, in detection order (earlier wins a tie).
pub static REGISTRY: &[&dyn Adapter] = &[
    &crate::ingest::twitter_v2_jsonl::ADAPTER,
    &crate::ingest::twitter_csv::ADAPTER,
    &crate::ingest::twitter_v1_json::ADAPTER,
    &crate::ingest::twitter_archive::ADAPTER,
    &crate::ingest::twitter_analytics_csv::ADAPTER,
    &crate::ingest::facebook_insights_csv::ADAPTER,
    &crate::ingest::meta_business_suite_csv::ADAPTER,
    &crate::ingest::facebook_graph_json::ADAPTER,
    &crate::ingest::instagram_graph_json::ADAPTER,
    &crate::ingest::instagram_dyi_json::ADAPTER,
    &crate::ingest::flickr_json::ADAPTER,
    &crate::ingest::ga4_bigquery_jsonl::ADAPTER,
    &crate::ingest::ua_csv::ADAPTER,
    &crate::ingest::plausible_csv::ADAPTER,
    &crate::ingest::matomo_csv::ADAPTER,
    &crate::ingest::action_network_csv::ADAPTER,
    &crate::ingest::action_network_json::ADAPTER,
    &crate::ingest::actions_csv::ADAPTER,
    &crate::ingest::custom_csv::ADAPTER,
];

/// Looks a format up by its `--format` name.
pub fn by_name(name: &str) -> Option<&'static dyn Adapter> {
    REGISTRY.iter().copied().find(|a| a.name() == name)
}

/// The names of all formats, for error messages and `--help`.
pub fn names() -> Vec<&'static str> {
    REGISTRY.iter().map(|a| a.name()).collect()
}

/// What the lake table an adapter mainly writes is, for the formats table in `--help`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writes {
    Posts,
    Traffic,
    Actions,
}

pub trait Adapter: Sync {
    /// The `--format` name, as in FORMATS.md.
    fn name(&self) -> &'static str;
    /// One line for `--help` and the README.
    fn about(&self) -> &'static str;
    fn writes(&self) -> Writes;
    /// How sure this adapter is that the probed input is its format: 0 (not at all) to 100.
    fn detect(&self, probe: &Probe) -> u8;
    /// True when the input holds personal data of supporters (e-mails, names): rejects
    /// then keep only the location and the error, never the raw row.
    fn personal_data(&self) -> bool {
        false
    }
    /// Line-oriented formats return themselves so the driver may split large files.
    fn lines(&self) -> Option<&dyn LineAdapter> {
        None
    }
    /// CSV formats with independent rows return themselves so the driver may split large
    /// files (at record boundaries: see [`csv_stream`]).
    fn csv(&self) -> Option<&dyn csv_stream::CsvAdapter> {
        None
    }
    /// Reads the whole input. Line adapters get a default via [`read_lines`].
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError>;
}

/// A format whose lines are independent records (JSON Lines).
pub trait LineAdapter: Sync {
    /// Parses one line (without its newline). `Err` rejects the line; the driver records
    /// it with its line number (or, for a truncated last line, as a warning).
    fn line(&self, line: &[u8], lineno: u64, cx: &Ctx, out: &mut dyn Out) -> Result<(), LineError>;
}

/// Why one line or row could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct LineError {
    pub field: String,
    pub error: String,
    /// The input ended inside this record (a truncated JSON line).
    pub eof: bool,
}

impl LineError {
    pub fn new(field: impl Into<String>, error: impl Into<String>) -> Self {
        LineError { field: field.into(), error: error.into(), eof: false }
    }
    pub fn json(e: &serde_json::Error) -> Self {
        let eof = e.is_eof();
        LineError { field: "(json)".into(), error: format!("invalid JSON: {e}"), eof }
    }
}

/// A row that could not be read (written to the lake's `_rejects/`).
#[derive(Clone, Debug, PartialEq)]
pub struct Reject {
    /// 1-based line (JSONL, JSON) or row (CSV, counting the header lines) of the input.
    pub line: u64,
    pub field: String,
    pub error: String,
    /// The raw row, for social posts only; `None` for supporter exports.
    pub raw: Option<String>,
}

/// A failure that stops a whole input: it names the file and, when known, where and what.
#[derive(Debug, Clone, PartialEq)]
pub struct FileError {
    pub file: String,
    pub line: Option<u64>,
    pub field: Option<String>,
    pub msg: String,
}

impl FileError {
    pub fn new(file: &str, msg: impl Into<String>) -> Self {
        FileError { file: file.to_string(), line: None, field: None, msg: msg.into() }
    }
    pub fn at(file: &str, line: u64, field: impl Into<String>, msg: impl Into<String>) -> Self {
        FileError { file: file.to_string(), line: Some(line), field: Some(field.into()), msg: msg.into() }
    }
    pub fn io(file: &str, e: &std::io::Error) -> Self {
        FileError::new(file, format!("cannot read: {e}"))
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ", line {l}")?;
        }
        if let Some(fld) = &self.field {
            write!(f, ", field '{fld}'")?;
        }
        write!(f, ": {}", self.msg)
    }
}

impl std::error::Error for FileError {}

/// One input as given on the command line or in a pipeline: a file, or a folder/zip that
/// an archive format reads as a whole.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    /// The path as the user gave it (relative where possible): `source_file` in the lake.
    pub display: String,
}

impl Input {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let display = path.to_string_lossy().into_owned();
        Input { path, display }
    }
    pub fn open(&self) -> Result<std::fs::File, FileError> {
        std::fs::File::open(&self.path).map_err(|e| FileError::io(&self.display, &e))
    }
    pub fn read_all(&self) -> Result<Vec<u8>, FileError> {
        std::fs::read(&self.path).map_err(|e| FileError::io(&self.display, &e))
    }
    /// The whole file as UTF-8 text: a UTF-8 BOM is dropped, UTF-16 (with a BOM) decoded.
    pub fn read_text(&self) -> Result<String, FileError> {
        let bytes = self.read_all()?;
        util::decode_text(&bytes).map_err(|m| FileError::new(&self.display, m))
    }
}

/// What detection sees of an input.
pub struct Probe<'a> {
    pub path: &'a Path,
    pub is_dir: bool,
    /// The first bytes of the file (up to 64 KiB) decoded to text where possible (UTF-16
    /// with a BOM is decoded, a UTF-8 BOM dropped); empty for a folder.
    pub head: &'a str,
    /// Entry names when the input is a zip or a folder (relative, `/`-separated).
    pub entries: &'a [String],
}

impl Probe<'_> {
    pub fn file_name(&self) -> String {
        self.path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default()
    }
    pub fn extension(&self) -> String {
        self.path.extension().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default()
    }
    /// The first line of the head (the CSV header), without a trailing `\r`.
    pub fn first_line(&self) -> &str {
        self.head.lines().next().unwrap_or("").trim_end_matches('\r')
    }
}

/// Per-input settings from the command line or the pipeline file.
pub struct Ctx<'a> {
    /// `source_file` of every row.
    pub source_file: String,
    pub campaign: Option<String>,
    /// Forces the platform where a format serves several (meta-business-suite-csv).
    pub platform: Option<String>,
    /// Time zone of exports whose times carry none (Page Insights, Meta Business Suite).
    pub tz: chrono_tz::Tz,
    /// The action of exports whose rows don't say (an Action Network petition export).
    pub action: Option<String>,
    /// Target accounts (lower-case handles, no `@`): a collected post mentioning one
    /// yields a `mention_target` action.
    pub targets: Vec<String>,
    /// The range a report without a date column covers (UA range exports).
    pub date_range: Option<(NaiveDate, NaiveDate)>,
    /// The column mapping of `custom-csv`, as TOML.
    pub mapping: Option<toml::Table>,
    pub ingested_at: Micros,
    pub pseudo: &'a Pseudonymizer,
}

impl<'a> Ctx<'a> {
    pub fn new(source_file: impl Into<String>, pseudo: &'a Pseudonymizer) -> Self {
        Ctx {
            source_file: source_file.into(),
            campaign: None,
            platform: None,
            tz: chrono_tz::UTC,
            action: None,
            targets: Vec::new(),
            date_range: None,
            mapping: None,
            ingested_at: Micros(chrono::Utc::now().timestamp_micros()),
            pseudo,
        }
    }
    pub fn err(&self, msg: impl Into<String>) -> FileError {
        FileError::new(&self.source_file, msg)
    }
    pub fn err_at(&self, line: u64, field: impl Into<String>, msg: impl Into<String>) -> FileError {
        FileError::at(&self.source_file, line, field, msg)
    }
}

/// Where adapters put what they read.
pub trait Out {
    fn post(&mut self, p: Post);
    fn action(&mut self, a: Action);
    fn account(&mut self, a: AccountSnap);
    fn traffic(&mut self, t: Traffic);
    /// Counts input records (lines, rows, objects) read, good or bad: the denominator of
    /// the reject rate. Line adapters are counted by the driver.
    fn rows(&mut self, n: u64);
    fn reject(&mut self, r: Reject);
    fn warn(&mut self, msg: String);
}

/// Fills the columns every row of an input shares, and derives the action of a collected
/// post (LAKE.md; METRICS.md §10.2). Every `Out` calls this before storing a post.
pub fn derive_post_action(p: &Post, cx: &Ctx) -> Option<Action> {
    if p.origin != "collected" {
        return None;
    }
    let author = p.account_id.as_deref().or(p.account_handle.as_deref())?;
    let is_target = |h: &str| cx.targets.iter().any(|t| t == h);
    let verb = if p.is_repost == Some(true) {
        "retweet"
    } else if p.mentions.iter().any(|m| is_target(m))
        || p.in_reply_to_account.as_deref().is_some_and(|a| is_target(&a.to_lowercase()))
    {
        "mention_target"
    } else if p.in_reply_to_post_id.is_some() {
        "reply"
    } else if p.quoted_post_id.is_some() {
        "quote"
    } else {
        "post"
    };
    let answered = match verb {
        "retweet" => p.reposted_post_id.clone(),
        "reply" => p.in_reply_to_post_id.clone(),
        "quote" => p.quoted_post_id.clone(),
        _ => None,
    };
    Some(Action {
        platform: p.platform.clone(),
        actor_id: cx.pseudo.id(&p.platform, author),
        action: if verb == "retweet" && p.platform != "twitter" { "share".into() } else { verb.into() },
        occurred_at: p.created_at,
        post_id: answered.or_else(|| Some(p.post_id.clone())),
        campaign: p.campaign.clone(),
        source: None,
        medium: None,
        action_key: Some(format!("post:{}", p.post_id)),
        source_file: p.source_file.clone(),
        ingested_at: p.ingested_at,
    })
}

/// Stamps the columns that come from the input rather than the export.
pub fn stamp_post(p: &mut Post, cx: &Ctx) {
    p.source_file.clone_from(&cx.source_file);
    p.ingested_at = Some(cx.ingested_at);
    if cx.campaign.is_some() {
        p.campaign.clone_from(&cx.campaign);
    }
}

pub fn stamp_action(a: &mut Action, cx: &Ctx) {
    a.source_file.clone_from(&cx.source_file);
    a.ingested_at = Some(cx.ingested_at);
    if cx.campaign.is_some() {
        a.campaign.clone_from(&cx.campaign);
    }
}

pub fn stamp_traffic(t: &mut Traffic, cx: &Ctx) {
    t.source_file.clone_from(&cx.source_file);
    t.ingested_at = Some(cx.ingested_at);
    if cx.campaign.is_some() {
        t.campaign.clone_from(&cx.campaign);
    }
}

/// Everything an adapter produced, in memory: for tests and small inputs.
#[derive(Default, Debug)]
pub struct Collected {
    pub posts: Vec<Post>,
    pub actions: Vec<Action>,
    pub accounts: Vec<AccountSnap>,
    pub traffic: Vec<Traffic>,
    pub rows: u64,
    pub rejects: Vec<Reject>,
    pub warnings: Vec<String>,
}

/// An [`Out`] that keeps everything in memory, stamping rows like the lake writer does.
pub struct CollectOut<'c, 'a> {
    pub cx: &'c Ctx<'a>,
    pub got: Collected,
}

impl Out for CollectOut<'_, '_> {
    fn post(&mut self, mut p: Post) {
        stamp_post(&mut p, self.cx);
        if let Some(a) = derive_post_action(&p, self.cx) {
            self.got.actions.push(a);
        }
        self.got.posts.push(p);
    }
    fn action(&mut self, mut a: Action) {
        stamp_action(&mut a, self.cx);
        self.got.actions.push(a);
    }
    fn account(&mut self, a: AccountSnap) {
        self.got.accounts.push(a);
    }
    fn traffic(&mut self, mut t: Traffic) {
        stamp_traffic(&mut t, self.cx);
        self.got.traffic.push(t);
    }
    fn rows(&mut self, n: u64) {
        self.got.rows += n;
    }
    fn reject(&mut self, r: Reject) {
        self.got.rejects.push(r);
    }
    fn warn(&mut self, msg: String) {
        self.got.warnings.push(msg);
    }
}

/// Reads one input into memory with the given adapter (whole file, one thread).
pub fn collect(adapter: &dyn Adapter, input: &Input, cx: &Ctx) -> Result<Collected, FileError> {
    let mut out = CollectOut { cx, got: Collected::default() };
    adapter.read(input, cx, &mut out)?;
    Ok(out.got)
}

/// The longest raw row kept in `_rejects/` (bytes); longer rows are cut.
pub const MAX_RAW_REJECT: usize = 4096;

/// Streams a line-oriented file through a [`LineAdapter`] on the current thread: the
/// default `read` of line adapters. A truncated last line is a warning, not a reject.
pub fn read_lines(
    la: &dyn LineAdapter,
    personal: bool,
    input: &Input,
    cx: &Ctx,
    out: &mut dyn Out,
) -> Result<(), FileError> {
    let file = input.open()?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    read_line_range(la, personal, file, 0, len, len, cx, out).map(|_| ())
}

/// Reads the lines that start in `[start, end)` of a file of `file_len` bytes. Line numbers
/// passed to the adapter and in rejects are relative to `start` (1 = the first line that
/// starts in the range); the caller adds the lines before `start`. Returns the number of
/// lines read.
#[allow(clippy::too_many_arguments)]
pub fn read_line_range(
    la: &dyn LineAdapter,
    personal: bool,
    file: std::fs::File,
    start: u64,
    end: u64,
    file_len: u64,
    cx: &Ctx,
    out: &mut dyn Out,
) -> Result<u64, FileError> {
    use std::io::{BufRead, BufReader, Seek, SeekFrom};
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut pos = start;
    if start > 0 {
        // The range starts mid-line unless the previous byte is a newline: skip to the next line.
        r.seek(SeekFrom::Start(start - 1)).map_err(|e| FileError::io(&cx.source_file, &e))?;
        let mut skip = Vec::new();
        let n = r.read_until(b'\n', &mut skip).map_err(|e| FileError::io(&cx.source_file, &e))?;
        pos = start - 1 + n as u64;
    }
    let mut buf = Vec::with_capacity(1 << 16);
    let mut lineno = 0u64;
    while pos < end {
        buf.clear();
        let n = r.read_until(b'\n', &mut buf).map_err(|e| FileError::io(&cx.source_file, &e))?;
        if n == 0 {
            break;
        }
        pos += n as u64;
        lineno += 1;
        let terminated = buf.last() == Some(&b'\n');
        let mut line = &buf[..];
        while let [rest @ .., b'\n' | b'\r'] = line {
            line = rest;
        }
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        if let Err(e) = la.line(line, lineno, cx, out) {
            let last = !terminated && pos >= file_len;
            if last && e.eof {
                // Not counted as a row either: the collection was interrupted, the file is fine.
                out.warn(format!(
                    "{}, line {}: the last line is truncated (an interrupted collection?); skipped",
                    cx.source_file, lineno
                ));
                continue;
            }
            out.rows(1);
            out.reject(Reject {
                line: lineno,
                field: e.field,
                error: e.error,
                raw: (!personal).then(|| util::cut(&String::from_utf8_lossy(line), MAX_RAW_REJECT)),
            });
        } else {
            out.rows(1);
        }
    }
    Ok(lineno)
}

/// Finds the adapter for an input: the forced one, else the most confident.
pub fn detect(probe: &Probe) -> Option<(&'static dyn Adapter, u8)> {
    let mut best: Option<(&'static dyn Adapter, u8)> = None;
    for a in REGISTRY.iter().copied() {
        let s = a.detect(probe);
        if s > 0 && best.is_none_or(|(_, b)| s > b) {
            best = Some((a, s));
        }
    }
    best
}

/// Reads the head of an input for detection.
pub fn probe_input(path: &Path) -> std::io::Result<(bool, String, Vec<String>)> {
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        let mut entries = Vec::new();
        util::walk_rel(path, path, &mut entries, 4);
        entries.sort();
        return Ok((true, String::new(), entries));
    }
    let mut f = std::fs::File::open(path)?;
    let mut head = vec![0u8; 64 * 1024];
    let mut n = 0;
    while n < head.len() {
        let k = f.read(&mut head[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    head.truncate(n);
    let mut entries = Vec::new();
    if head.starts_with(b"PK\x03\x04") {
        if let Ok(z) = zip::ZipArchive::new(std::fs::File::open(path)?) {
            entries = z.file_names().map(str::to_string).collect();
            entries.sort();
        }
    }
    Ok((false, util::decode_head(&head), entries))
}
