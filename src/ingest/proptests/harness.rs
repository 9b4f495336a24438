//! One run of an adapter (or of detection) on arbitrary bytes, and the properties every run
//! must keep whatever the bytes: shared by the property tests (`super`) and the fuzz targets
//! (`fuzz/src/lib.rs` compiles this same file by path). It names the library only through
//! `super::`, so that both crates can include it.
//!
//! The properties (a failure message says which one broke, never quoting the input):
//! - nothing panics (the callers catch that);
//! - output stays bounded by the input: at most [`ROWS_PER_UNIT`] rows per line or JSON
//!   object of the input, no row larger in the lake than [`ROW_FACTOR`] times the input
//!   plus a fixed allowance (field names, offsets, pseudonymised ids), at most one warning
//!   per line or object besides a few about the whole file ([`FILE_WARNINGS`]);
//! - every reject is located: a line from 1 to the input's line count, a non-empty field
//!   and message, no raw row for supporter exports, none longer than the reject cut;
//!   rejects never outnumber the rows read (the reject rate is a share);
//! - a file-level error names the file and says what went wrong; a line it gives lies in
//!   the input, a field it gives is not empty.
//!
//! Zip (and OLE) inputs are read entry by entry and inflate: for them the bounds in lines
//! and bytes of the outer file do not hold, so only the other checks apply.

use super::{
    detect, probe_input, Adapter, Array, Collected, Ctx, FileError, Probe, Table, TableBuilder, MAX_RAW_REJECT,
    REGISTRY,
};
use std::path::Path;
use std::sync::OnceLock;

/// Output rows (posts, actions, accounts, traffic) allowed per line or `{` of the input: a
/// collected post also yields its action, an object may carry an account snapshot.
pub const ROWS_PER_UNIT: usize = 4;

/// A row may hold the input a few times over: a post's text, its hashtags, mentions and
/// links, all cut from the same bytes (and UTF-16 text grows when re-encoded as UTF-8).
pub const ROW_FACTOR: usize = 4;
/// Lake bytes a row may take whatever the input: offsets, numbers, ids, the file name.
pub const ROW_ALLOWANCE: usize = 4096;
/// Warnings about the whole file on top of one per line: its encoding, its missing or renamed
/// columns, a truncated last line (600 cases per format under two seeds found no file with more).
pub const FILE_WARNINGS: usize = 3;

/// The extension an input of `format` is written with (some detectors look at it).
pub fn extension(format: &str) -> &'static str {
    if format.ends_with("-jsonl") {
        "jsonl"
    } else if format.ends_with("-csv") {
        "csv"
    } else if format == "twitter-archive" {
        "js"
    } else {
        "json"
    }
}

/// Column mappings for custom-csv, each after a column name its inputs' header holds: the
/// shapes of the hand-made fixtures, else the example mapping (the UCI dataset).
const MAPPINGS: [(&str, &str); 4] = [
    (
        "Message ID",
        r#"separator = ";"
        decimal_comma = true
        date_format = "%d/%m/%Y %H:%M"
        skip_lines = 2
        [columns]
        post_id = "Message ID"
        created_at = "Published"
        text = "Message"
        account_handle = "Profile"
        impressions = "Impressions"
        reactions = "Likes"
        followers = "Audience"
        [constants]
        platform = "instagram"
        origin = "collected""#,
    ),
    (
        "E-Mail",
        r#"table = "actions"
        date_format = "%d.%m.%Y"
        [columns]
        actor = "E-Mail"
        occurred_at = "Datum"
        action = "Aktion"
        [constants]
        platform = "crm"
        [values.action]
        Unterschrift = "sign_petition""#,
    ),
    (
        "Visits",
        r#"table = "traffic"
        [columns]
        date = "Day"
        source = "Source"
        channel = "Source"
        sessions = "Visits"
        [values.channel]
        "t.co" = "twitter""#,
    ),
    ("", include_str!("../../../pipelines/mappings/uci-facebook-metrics.toml")),
];

/// The settings of a run of `adapter` on `bytes`: what the formats that need more than
/// defaults need (a range for exports without dates, an action, a target account, a
/// custom-csv mapping chosen by the header), given as the input's options and parsed by
/// the adapter, as the driver does.
pub fn settings<'b>(adapter: &'b dyn Adapter, bytes: &'b [u8]) -> impl Fn(&mut Ctx) + 'b {
    move |cx| {
        cx.tz = "Europe/Berlin".parse().expect("a known zone");
        cx.campaign = Some("fuzz".into());
        cx.targets = vec!["rally_org".into()];
        let head = &bytes[..bytes.len().min(1024)];
        let has = |k: &str| k.is_empty() || head.windows(k.len()).any(|w| w == k.as_bytes());
        // Parsed once: the fuzz targets run this thousands of times a second.
        static PARSED: OnceLock<Vec<toml::Table>> = OnceLock::new();
        let parsed = PARSED
            .get_or_init(|| MAPPINGS.iter().map(|(_, m)| toml::from_str(m).expect("the mappings parse")).collect());
        let i = MAPPINGS.iter().position(|(k, _)| has(k)).expect("the last mapping fits any input");
        let mut raw = toml::Table::new();
        raw.insert("action".into(), toml::Value::String("petition".into()));
        raw.insert("date_range".into(), toml::Value::String("2024-03-01..2024-03-02".into()));
        raw.insert("mapping".into(), toml::Value::Table(parsed[i].clone()));
        cx.options = adapter.parse_options(&raw).expect("the harness's options parse");
    }
}

/// Lines of the input: `\n`, `\r\n` and a lone `\r` each end one (a UTF-16 newline holds
/// the same byte), plus the last line.
pub fn line_count(bytes: &[u8]) -> u64 {
    let lone_cr =
        bytes.windows(2).filter(|w| w[0] == b'\r' && w[1] != b'\n').count() + usize::from(bytes.last() == Some(&b'\r'));
    (bytes.iter().filter(|&&b| b == b'\n').count() + lone_cr) as u64 + 1
}

/// A zip (xlsx) or OLE (xls) container: read by entry, inflated.
pub fn is_container(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0")
}

/// The bytes one row takes in the lake (its Arrow arrays: values and offsets).
pub fn lake_bytes<T: Table>(row: &T) -> usize {
    let mut b = T::Builder::with_capacity(1);
    b.push(row);
    b.finish().columns().iter().map(|c| c.to_data().get_slice_memory_size().unwrap_or(usize::MAX)).sum()
}

/// Checks what `adapter` made of `bytes` (see the module doc).
pub fn check(adapter: &dyn Adapter, bytes: &[u8], res: &Result<Collected, FileError>) -> Result<(), String> {
    let lines = line_count(bytes);
    let container = is_container(bytes);
    let in_file = |l: u64| l >= 1 && (container || l <= lines);
    let got = match res {
        Ok(got) => got,
        Err(e) => {
            if e.file.is_empty() || e.msg.trim().is_empty() {
                return Err(format!("a file error without a file or a message: {e:?}"));
            }
            if let Some(l) = e.line.filter(|&l| !in_file(l)) {
                return Err(format!("a file error at line {l}, outside the input's {lines} lines: {e}"));
            }
            if e.field.as_deref().is_some_and(|f| f.trim().is_empty()) {
                return Err(format!("a file error naming an empty field: {e}"));
            }
            return Ok(());
        }
    };
    for r in &got.rejects {
        if !in_file(r.line) {
            return Err(format!("a reject at line {}, outside the input's {lines} lines: {}", r.line, r.error));
        }
        if r.field.trim().is_empty() || r.error.trim().is_empty() {
            return Err(format!(
                "a reject at line {} without a field or an error: {:?} {:?}",
                r.line, r.field, r.error
            ));
        }
        match &r.raw {
            Some(_) if adapter.personal_data() => {
                return Err(format!("a reject at line {} keeps the raw row of a supporter export", r.line))
            }
            Some(raw) if raw.len() > MAX_RAW_REJECT => {
                return Err(format!("a reject at line {} keeps a raw row of {} bytes", r.line, raw.len()))
            }
            _ => {}
        }
    }
    if got.rejects.len() as u64 > got.rows {
        return Err(format!("{} rejects of {} rows read", got.rejects.len(), got.rows));
    }
    if container {
        return Ok(());
    }
    let units = lines as usize + bytes.iter().filter(|&&b| b == b'{').count();
    let rows = got.posts.len() + got.actions.len() + got.accounts.len() + got.traffic.len();
    if rows > ROWS_PER_UNIT * units {
        return Err(format!("{rows} rows out of {lines} lines and {units} lines and objects"));
    }
    if got.warnings.len() > units + FILE_WARNINGS {
        return Err(format!("{} warnings out of {units} lines and objects", got.warnings.len()));
    }
    let limit = ROW_FACTOR * bytes.len() + ROW_ALLOWANCE;
    let sizes = (got.posts.iter().map(lake_bytes).max())
        .into_iter()
        .chain(got.actions.iter().map(lake_bytes).max())
        .chain(got.accounts.iter().map(lake_bytes).max())
        .chain(got.traffic.iter().map(lake_bytes).max());
    if let Some(big) = sizes.max().filter(|&s| s > limit) {
        return Err(format!("a row of {big} lake bytes out of {} input bytes", bytes.len()));
    }
    Ok(())
}

/// Detection as `rallylens ingest` does it without `--format` (probe the file at `path`,
/// holding `bytes`, pick the most confident adapter), then a read with the adapter chosen,
/// checked like any read. `read` runs an adapter on the file.
pub fn check_detect(
    path: &Path,
    bytes: &[u8],
    read: impl Fn(&dyn Adapter) -> Result<Collected, FileError>,
) -> Result<(), String> {
    let (is_dir, head, entries) = probe_input(path).map_err(|e| format!("cannot probe the input: {e}"))?;
    let probe = Probe { path, is_dir, head: &head, entries: &entries };
    let Some((adapter, score)) = detect(&probe) else { return Ok(()) };
    if score > 100 || !REGISTRY.iter().any(|a| a.name() == adapter.name()) {
        return Err(format!("detection gave {} with a score of {score}", adapter.name()));
    }
    let best = REGISTRY.iter().map(|a| a.detect(&probe)).max().unwrap_or(0);
    if best != score {
        return Err(format!("detection gave {} at {score} but the best score is {best}", adapter.name()));
    }
    check(adapter, bytes, &read(adapter)).map_err(|e| format!("{} (detected): {e}", adapter.name()))
}
