//! Ingest: one adapter per export format behind the [`Adapter`] trait.
//!
//! Adding a format is one new file in `formats/` and one line in [`REGISTRY`]; helpers
//! several formats share live in `common/`, never in another format's file. A format's own
//! options (`--date-range`, `mapping = …`) are declared in its file too ([`options`]).
//! An adapter reads one input (a file, or a folder/zip for archive formats) and hands
//! canonical records to an [`Out`]; it never touches the lake. The lake writer (`crate::lake`)
//! provides the `Out` that streams records to Parquet; tests use [`Collected`].
//!
//! Line-oriented formats (JSON Lines) implement [`LineAdapter`] too: the driver then reads
//! the file in byte ranges on several threads, each line independently, so memory stays
//! bounded by the batch size whatever the file size.

pub mod common;
pub mod driver;
pub mod formats;
pub mod options;
#[cfg(test)]
mod registry_tests;
pub mod rules;
#[cfg(test)]
mod proptests;
#[cfg(test)]
pub mod testkit;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use common::{csv as csv_stream, encoding, limits, util};
use crate::model::Micros;
use crate::pseudo::Pseudonymizer;
pub use crate::schema::{Out, Reject, Repeat, Warning};
pub use formats::{
    action_network_csv, action_network_json, actions_csv, custom_csv, facebook_graph_json, facebook_insights_csv,
    flickr_json, ga4_bigquery_jsonl, instagram_dyi_json, instagram_graph_json, matomo_csv, meta_business_suite_csv,
    plausible_csv, press_csv, twitter_analytics_csv, twitter_archive, twitter_csv, twitter_v1_json, twitter_v2_jsonl, ua_csv,
};
pub use rules::{collect, CollectOut, Collected};

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
    &crate::ingest::press_csv::ADAPTER,
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

/// What an adapter counts as one input record (the `rows_read` of the manifest, the
/// denominator of the reject rate), so the log can say "43 lines → 972 posts" rather than
/// "records".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordUnit {
    /// A JSON line: in twarc2 output usually an API page of up to 100 tweets.
    Line,
    /// A CSV (or spreadsheet) data row.
    Row,
    /// A JSON object of a document: a status, a post, a photo, a tweet of an archive.
    Object,
}

impl RecordUnit {
    /// "1 line", "43 lines", "1,234 rows".
    pub fn count(self, n: u64) -> String {
        let noun = match self {
            RecordUnit::Line => "line",
            RecordUnit::Row => "row",
            RecordUnit::Object => "object",
        };
        format!("{} {noun}{}", crate::support::thousands(n), if n == 1 { "" } else { "s" })
    }
}

pub trait Adapter: Sync {
    /// The `--format` name, as in docs/formats.md.
    fn name(&self) -> &'static str;
    /// One line for `--help` and the README.
    fn about(&self) -> &'static str;
    fn writes(&self) -> Writes;
    /// What one counted record of this format is. By default read off the name's suffix,
    /// which the format names keep honest: `-jsonl` counts lines, `-csv` rows (an XLSX sheet's
    /// too), anything else (`-json`, an archive) the objects it holds.
    fn record_unit(&self) -> RecordUnit {
        let name = self.name();
        if name.ends_with("-jsonl") {
            RecordUnit::Line
        } else if name.ends_with("-csv") {
            RecordUnit::Row
        } else {
            RecordUnit::Object
        }
    }
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
    /// The per-format option keys this adapter reads ([`options`]); none by default.
    fn options(&self) -> &'static [&'static options::OptionKey] {
        &[]
    }
    /// Parses this adapter's keys of an input's options into its own options struct
    /// (with [`options::parse`]); what [`Ctx::options`] gives back while reading.
    fn parse_options(&self, raw: &options::RawOptions) -> Result<options::Parsed, String> {
        let _ = raw;
        Ok(std::sync::Arc::new(()))
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
        // A backstop: whatever an adapter put in its message, no e-mail, phone or key shape
        // is printed (crate::privacy).
        write!(f, ": {}", crate::privacy::redact(&self.msg))
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
    /// The whole file as CSV text: as [`Self::read_text`], else Windows-1252 (with a warning
    /// to `out`); line ends made `\n` so that the `csv` crate counts lines right (see
    /// [`encoding`]).
    pub fn read_csv_text(&self, out: &mut dyn Out) -> Result<String, FileError> {
        let bytes = self.read_all()?;
        encoding::csv_text(&bytes, &self.display, out).map_err(|e| FileError {
            file: self.display.clone(),
            line: e.line,
            field: None,
            msg: e.msg,
        })
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
    /// Time zone of exports whose times carry none (Page Insights, Meta Business Suite).
    pub tz: chrono_tz::Tz,
    /// Target accounts (lower-case handles, no `@`): a collected post mentioning one
    /// yields a `mention_target` action.
    pub targets: Vec<String>,
    /// This input's per-format options, as its adapter's `parse_options` made them: read
    /// them with [`Ctx::options`].
    pub options: options::Parsed,
    /// The site the input says it is from ([`site_name`] form): `traffic.site` of the rows
    /// whose export names none.
    pub site: Option<String>,
    pub ingested_at: Micros,
    pub pseudo: &'a Pseudonymizer,
    /// The longest record read, in bytes (`--max-record-mib`; see [`limits`]).
    pub max_record: u64,
}

impl<'a> Ctx<'a> {
    pub fn new(source_file: impl Into<String>, pseudo: &'a Pseudonymizer) -> Self {
        Ctx {
            source_file: source_file.into(),
            campaign: None,
            tz: chrono_tz::UTC,
            targets: Vec::new(),
            options: std::sync::Arc::new(()),
            site: None,
            ingested_at: Micros(chrono::Utc::now().timestamp_micros()),
            pseudo,
            max_record: limits::MAX_RECORD_DEFAULT,
        }
    }
    /// This adapter's options (`T` is its options struct); the defaults (nothing set) when
    /// none were parsed for it (a test's `Ctx::new`).
    pub fn options<T: Default + Clone + 'static>(&self) -> std::borrow::Cow<'_, T> {
        match self.options.downcast_ref::<T>() {
            Some(t) => std::borrow::Cow::Borrowed(t),
            None => std::borrow::Cow::Owned(T::default()),
        }
    }
    pub fn err(&self, msg: impl Into<String>) -> FileError {
        FileError::new(&self.source_file, msg)
    }
    pub fn err_at(&self, line: u64, field: impl Into<String>, msg: impl Into<String>) -> FileError {
        FileError::at(&self.source_file, line, field, msg)
    }
}

/// The form of `traffic.site` in the lake and of a pipeline's `site`: trimmed and
/// lower-cased (host names and property ids are not case-sensitive), so that
/// `www.Amnesty.org` in a pipeline finds the rows of `www.amnesty.org`.
pub fn site_name(s: &str) -> String {
    s.trim().to_lowercase()
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
    use std::io::{BufReader, Seek, SeekFrom};
    let mut r = BufReader::with_capacity(1 << 20, file);
    let mut pos = start;
    if start > 0 {
        // The range starts mid-line unless the previous byte is a newline: skip to the next
        // line (without keeping it: it may be a record of hundreds of megabytes).
        r.seek(SeekFrom::Start(start - 1)).map_err(|e| FileError::io(&cx.source_file, &e))?;
        let n = limits::skip_line(&mut r).map_err(|e| FileError::io(&cx.source_file, &e))?;
        pos = start - 1 + n;
    }
    let mut buf = Vec::with_capacity(1 << 16);
    let mut lineno = 0u64;
    while pos < end {
        let got = limits::next_line(&mut r, &mut buf, cx.max_record).map_err(|e| FileError::io(&cx.source_file, &e))?;
        if got.consumed == 0 {
            break;
        }
        let first = pos == 0;
        pos += got.consumed;
        lineno += 1;
        if got.too_long {
            out.rows(1);
            out.reject(Reject {
                line: lineno,
                field: "(record)".into(),
                error: limits::long_line_error(got.consumed, cx.max_record),
                raw: None,
            });
            continue;
        }
        let terminated = buf.last() == Some(&b'\n');
        let mut line = &buf[..];
        if first {
            // A UTF-8 byte-order mark (a Windows editor's save) is not part of the first record.
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
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
                out.warning(Warning::at(
                    &cx.source_file,
                    lineno,
                    "the last line is truncated (an interrupted collection?); skipped",
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
