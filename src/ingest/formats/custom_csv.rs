//! `custom-csv`: any other CSV (Sprinklr, Hootsuite, a spreadsheet, a research dataset) read
//! through a TOML column mapping given with the input ([`MAPPING`], checked by
//! [`load_mapping`]); every key is explained in `pipelines/mappings/uci-facebook-metrics.toml`.
//!
//! Readings to keep:
//! - Separator, decimal comma, date format, zone, `id_prefix`, `skip_lines` configurable; unmapped columns ignored.
//! - A mapping naming a missing column is an error listing the file's columns.
//! - A column both mapped and constant, or an unknown key anywhere, is a mapping error.
//! - posts: `platform`, `post_id`, `origin` required; `content_type` must be a lake type, unmapped = `other`.
//! - posts: unmapped hashtags/mentions come from `text` by `#(\w+)`/`@(\w+)`; `id_prefix` applies to `post_id` only.
//! - posts: a row with followers, time and author also gives an `accounts` snapshot of that day.
//! - actions: `actor`, `action` required, as `actions-csv` (pseudonyms, platform default `crm`, same `action_key`).
//! - actions: rejects keep no row and quote no cell; missing-column errors name only known/mapped columns.
//! - actions: free-text values screened by `crate::privacy`; a personal-shaped `platform`/`action` rejects the row.
//! - actions and traffic: a `country` target read as an ISO alpha-2 code (codes, alpha-3,
//!   English names; `[values.country]` can map others first); unknown values null, one
//!   warning per file.
//! - traffic: `date` (or start/end) and `channel` required, `channel` a lake channel; platform default `web`.
//! - Blank, `-` and `n/a` are null, never 0; file column `row` = 1-based data row number, always.
//! - Never auto-detected: chosen with `--format custom-csv` or by giving a mapping.
//!
//! User docs: docs/formats.md#custom-csv.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use csv::StringRecord;
use serde::Deserialize;

use crate::ingest::common::actions::{self as shared, NOT_SHOWN};
use crate::ingest::common::country::Countries;
use crate::ingest::common::csv::{self as csv_stream, Columns};
use crate::ingest::common::util;
use crate::ingest::options::{self, OptionKey, Parsed, RawOptions};
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes, MAX_RAW_REJECT};
use crate::model::{AccountSnap, Action, Day, Micros, Post, Traffic};
use crate::privacy::CellScreen;

pub struct CustomCsv;
pub static ADAPTER: CustomCsv = CustomCsv;

/// The table a mapping fills.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TableKind {
    #[default]
    Posts,
    Actions,
    Traffic,
}

/// A column mapping, as written in TOML (see the module doc).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    pub table: TableKind,
    pub separator: Option<String>,
    #[serde(default)]
    pub decimal_comma: bool,
    pub date_format: Option<String>,
    pub timezone: Option<String>,
    pub id_prefix: Option<String>,
    #[serde(default)]
    pub skip_lines: usize,
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub constants: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

const POST_COLS: &[&str] = &[
    "platform",
    "post_id",
    "origin",
    "account_id",
    "account_handle",
    "created_at",
    "content_type",
    "text",
    "lang",
    "hashtags",
    "mentions",
    "urls",
    "is_repost",
    "in_reply_to_account",
    "quoted_post_id",
    "in_reply_to_post_id",
    "reposted_post_id",
    "followers",
    "impressions",
    "reach",
    "reactions",
    "comments",
    "shares",
    "quotes",
    "saves",
    "clicks",
    "link_clicks",
    "video_views",
    "permalink",
    "campaign",
];
const ACTION_COLS: &[&str] =
    &["platform", "actor", "action", "occurred_at", "post_id", "campaign", "source", "medium", "country", "action_key"];
const TRAFFIC_COLS: &[&str] = &[
    "platform",
    "date",
    "date_start",
    "date_end",
    "site",
    "source",
    "medium",
    "referrer",
    "channel",
    "landing_page",
    "country",
    "campaign_tag",
    "sessions",
    "users",
    "pageviews",
    "conversions",
    "campaign",
];
const CONTENT_TYPES: &[&str] = &["photo", "video", "link", "text", "album", "event", "other"];
use crate::schema::channels::CHANNELS;

/// Reads a mapping file and checks it, for the CLI and the pipeline loader to call so that
/// a bad mapping fails before any input is read (the adapter checks it again anyway).
pub fn load_mapping(path: impl AsRef<Path>) -> anyhow::Result<toml::Table> {
    let path = path.as_ref();
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read mapping {}: {e}", path.display()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| anyhow::anyhow!("mapping {}: {e}", path.display()))?;
    Mapping::from_table(&table).map_err(|e| anyhow::anyhow!("mapping {}: {e}", path.display()))?;
    Ok(table)
}

impl Mapping {
    /// Parses and checks a mapping table; the error says what is wrong.
    pub fn from_table(t: &toml::Table) -> Result<Mapping, String> {
        let m: Mapping =
            toml::Value::Table(t.clone()).try_into().map_err(|e: toml::de::Error| e.message().to_string())?;
        m.check()?;
        Ok(m)
    }

    fn lake_columns(&self) -> &'static [&'static str] {
        match self.table {
            TableKind::Posts => POST_COLS,
            TableKind::Actions => ACTION_COLS,
            TableKind::Traffic => TRAFFIC_COLS,
        }
    }

    fn table_name(&self) -> &'static str {
        match self.table {
            TableKind::Posts => "posts",
            TableKind::Actions => "actions",
            TableKind::Traffic => "traffic",
        }
    }

    fn check(&self) -> Result<(), String> {
        let known = self.lake_columns();
        let t = self.table_name();
        for (section, keys) in [
            ("columns", self.columns.keys().collect::<Vec<_>>()),
            ("constants", self.constants.keys().collect()),
            ("values", self.values.keys().collect()),
        ] {
            if let Some(k) = keys.iter().find(|k| !known.contains(&k.as_str())) {
                return Err(format!(
                    "[{section}] names '{k}', not a column of table {t}; its columns are: {}",
                    known.join(", ")
                ));
            }
        }
        if let Some(k) = self.columns.keys().find(|k| self.constants.contains_key(*k)) {
            return Err(format!("'{k}' is both in [columns] and in [constants]; keep one"));
        }
        for (k, v) in &self.constants {
            if !matches!(v, toml::Value::String(_) | toml::Value::Integer(_) | toml::Value::Boolean(_)) {
                return Err(format!("[constants] {k}: expected a string, a whole number or a boolean"));
            }
        }
        let given = |c: &str| self.columns.contains_key(c) || self.constants.contains_key(c);
        let required: &[&str] = match self.table {
            TableKind::Posts => &["platform", "post_id", "origin"],
            TableKind::Actions => &["actor", "action"],
            TableKind::Traffic => &["channel"],
        };
        if let Some(c) = required.iter().find(|c| !given(c)) {
            return Err(format!("table {t} needs '{c}' in [columns] or [constants]"));
        }
        if self.table == TableKind::Traffic && !given("date") && !given("date_start") {
            return Err("table traffic needs 'date' (or 'date_start') in [columns]".into());
        }
        if self.table == TableKind::Traffic && given("date") && (given("date_start") || given("date_end")) {
            return Err("give either 'date' or 'date_start'/'date_end', not both".into());
        }
        self.separator()?;
        self.tz(chrono_tz::UTC)?;
        if let Some(f) = &self.date_format {
            use chrono::format::{Item, StrftimeItems};
            if StrftimeItems::new(f).any(|i| matches!(i, Item::Error)) {
                return Err(format!("date_format '{f}' is not a valid chrono format"));
            }
        }
        Ok(())
    }

    fn separator(&self) -> Result<u8, String> {
        match self.separator.as_deref() {
            None => Ok(b','),
            Some("\t" | "\\t" | "tab") => Ok(b'\t'),
            Some(s) if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
            Some(s) => Err(format!("separator must be one ASCII character (or \"tab\"), found '{s}'")),
        }
    }

    fn tz(&self, default: chrono_tz::Tz) -> Result<chrono_tz::Tz, String> {
        match &self.timezone {
            None => Ok(default),
            Some(z) => {
                z.parse().map_err(|_| format!("timezone '{z}' is not an IANA time zone name (e.g. Europe/Lisbon)"))
            }
        }
    }
}

/// Where a lake column's value comes from.
enum Src {
    Col(usize),
    Row,
    Const(String),
}

/// One mapped input, resolved against the file's header.
struct Plan<'m> {
    m: &'m Mapping,
    src: BTreeMap<&'static str, (Src, String)>,
    tz: chrono_tz::Tz,
    sep: u8,
    personal: bool,
}

/// A cell or constant value, and the field name to report it under.
struct Got {
    v: String,
    field: String,
}

impl Plan<'_> {
    fn get(&self, lake: &str, rec: &StringRecord, row: u64) -> Option<Got> {
        let (src, field) = self.src.get(lake)?;
        let raw = match src {
            Src::Col(i) => rec.get(*i).unwrap_or("").trim().to_string(),
            Src::Row => row.to_string(),
            Src::Const(c) => c.clone(),
        };
        if raw.is_empty() {
            return None;
        }
        let v = match self.m.values.get(lake) {
            Some(map) => map
                .get(&raw)
                .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(&raw)).map(|(_, v)| v))
                .cloned()
                .unwrap_or(raw),
            None => raw,
        };
        Some(Got { v, field: field.clone() })
    }

    /// The value for an error message: quoted for posts and traffic, never for actions.
    fn shown(&self, g: &Got) -> String {
        if self.personal {
            NOT_SHOWN.to_string()
        } else {
            format!("found '{}'", util::cut(&g.v, 200))
        }
    }

    fn count(&self, g: &Got) -> Result<Option<i64>, String> {
        let parsed = if self.m.decimal_comma { comma_count(&g.v) } else { util::parse_count(&g.v) };
        parsed.map_err(|e| {
            let what = if e.starts_with(util::COUNT_EXPECTED) { "a count ≥ 0" } else { "a whole number" };
            format!("expected {what}{}, {}", if self.m.decimal_comma { " (decimal comma)" } else { "" }, self.shown(g))
        })
    }

    fn time(&self, g: &Got) -> Result<Micros, String> {
        let s = g.v.as_str();
        let parsed = match &self.m.date_format {
            Some(f) if f.contains("%z") || f.contains("%:z") || f.contains("%#z") => {
                DateTime::parse_from_str(s, f).ok().and_then(|t| util::in_window(Micros::from_datetime(&t)))
            }
            Some(f) => match NaiveDateTime::parse_from_str(s, f) {
                Ok(n) => util::local_to_utc(n, self.tz),
                Err(_) => NaiveDate::parse_from_str(s, f)
                    .ok()
                    .and_then(|d| util::local_to_utc(d.and_time(chrono::NaiveTime::MIN), self.tz)),
            },
            None => shared::parse_time(s, self.tz, false).ok().flatten(),
        };
        parsed.ok_or_else(|| match &self.m.date_format {
            Some(f) => format!("expected a time in the format '{f}' {}, {}", util::TIME_WINDOW, self.shown(g)),
            None => format!("{} (or set date_format in the mapping), {}", shared::time_layouts(false), self.shown(g)),
        })
    }

    fn day(&self, g: &Got) -> Result<Day, String> {
        let s = g.v.as_str();
        let parsed = match &self.m.date_format {
            Some(f) => NaiveDate::parse_from_str(s, f)
                .or_else(|_| NaiveDateTime::parse_from_str(s, f).map(|n| n.date()))
                .ok()
                .filter(|d| {
                    util::in_window(Micros(d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_micros())).is_some()
                })
                .map(Day::from_naive),
            None => util::parse_date(s),
        };
        parsed.ok_or_else(|| match &self.m.date_format {
            Some(f) => format!("expected a date in the format '{f}' {}, {}", util::TIME_WINDOW, self.shown(g)),
            None => format!("expected a date like 2024-03-01 (or set date_format), {}", self.shown(g)),
        })
    }
}

/// A count written with a decimal comma: `1.234` and `1.234,0` are 1234; `1.234,5` is an error.
fn comma_count(s: &str) -> Result<Option<i64>, String> {
    let t = s.trim();
    let cleaned: String = t.chars().filter(|c| !matches!(c, '.' | ' ' | '\u{a0}' | '\u{202f}')).collect();
    util::parse_count(&cleaned.replace(',', "."))
}

fn bool_of(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// A list cell: items separated by spaces, commas, semicolons or `|`, without `#`/`@`, lower-cased.
fn tag_list(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in s.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '|')) {
        let t = t.trim_start_matches(['#', '@']).to_lowercase();
        if !t.is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// A canonical value from a fixed list, as `&'static str`.
fn canonical(list: &'static [&'static str], v: &str) -> Option<&'static str> {
    let l = v.trim().to_lowercase();
    list.iter().copied().find(|c| *c == l)
}

/// This format's options: the column mapping (a TOML table, checked when read).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct CustomCsvOptions {
    pub mapping: Option<toml::Table>,
}

/// `mapping`: a mapping file (`--mapping FILE`, or a file name in the pipeline, read and
/// checked on entry) or an inline table (pipeline); giving one chooses custom-csv.
pub static MAPPING: OptionKey = OptionKey {
    name: "mapping",
    value_name: "FILE",
    help: "Column mapping of a custom-csv input (a TOML file; see pipelines/mappings/)",
    order: 80,
    from_cli: options::cli_text,
    resolve: |v, base| match v {
        toml::Value::String(p) => load_mapping(base.join(p)).map(toml::Value::Table).map_err(|e| format!("{e:#}")),
        t @ toml::Value::Table(_) => Ok(t),
        other => Err(format!("invalid type: {}, expected a mapping file name or a table", other.type_str())),
    },
    describe: |_| Some("column mapping".into()),
    legacy: Some(options::Legacy::Mapping),
    selects_format: true,
    names_a_file: true,
};

impl Adapter for CustomCsv {
    fn options(&self) -> &'static [&'static OptionKey] {
        static KEYS: &[&OptionKey] = &[&MAPPING];
        KEYS
    }
    fn parse_options(&self, raw: &RawOptions) -> Result<Parsed, String> {
        options::parse::<CustomCsvOptions>(raw, self.options())
    }
    fn name(&self) -> &'static str {
        "custom-csv"
    }
    fn about(&self) -> &'static str {
        "Any CSV with a column mapping (posts, actions or traffic); never auto-detected"
    }
    fn writes(&self) -> Writes {
        Writes::Posts
    }
    fn detect(&self, _probe: &Probe) -> u8 {
        0
    }
    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let o = cx.options::<CustomCsvOptions>();
        let Some(table) = &o.mapping else {
            return Err(cx.err(
                "custom-csv needs a column mapping (--mapping FILE, or `mapping` on the pipeline input); \
                 see pipelines/mappings/uci-facebook-metrics.toml",
            ));
        };
        let m = Mapping::from_table(table).map_err(|e| cx.err(format!("column mapping: {e}")))?;
        let text = input.read_csv_text(out)?;
        let mut body = text.as_str();
        for _ in 0..m.skip_lines {
            body = match body.find('\n') {
                Some(i) => &body[i + 1..],
                None => return Err(cx.err(format!("the file has fewer than skip_lines = {} lines", m.skip_lines))),
            };
        }
        let skip = m.skip_lines as u64;
        let sep = m.separator().map_err(|e| cx.err(e))?;
        let mut r = csv_stream::reader(body, sep);
        let h: Columns = csv_stream::header(&mut r, cx).map_err(|e| FileError { line: Some(skip + 1), ..e })?;
        let mut src = BTreeMap::new();
        let mut missing = Vec::new();
        for &lake in m.lake_columns() {
            if let Some(col) = m.columns.get(lake) {
                let s = if col == "row" {
                    Src::Row
                } else if let Some(i) = h.names.iter().position(|n| n == col.trim()).or_else(|| h.find(&[col.trim()])) {
                    Src::Col(i)
                } else {
                    missing.push(format!("'{col}' (for {lake})"));
                    continue;
                };
                src.insert(lake, (s, col.clone()));
            } else if let Some(c) = m.constants.get(lake) {
                let v = match c {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                src.insert(lake, (Src::Const(v), lake.to_string()));
            }
        }
        if !missing.is_empty() {
            let field = missing.iter().map(|s| s.split('\'').nth(1).unwrap_or("")).collect::<Vec<_>>().join(", ");
            let hint = if h.names.len() == 1 { " (one column only: is the separator right?)" } else { "" };
            let columns = if m.table == TableKind::Actions {
                let mapped: Vec<&str> = m.columns.values().map(String::as_str).collect();
                h.supporter(&mapped)
            } else {
                h.plain()
            };
            return Err(cx.err_at(
                skip + 1,
                field,
                format!(
                    "the mapping names column{} {} that the file lacks; {columns}{hint}",
                    if missing.len() > 1 { "s" } else { "" },
                    missing.join(", "),
                ),
            ));
        }
        let tz = m.tz(cx.tz).map_err(|e| cx.err(e))?;
        let plan = Plan { m: &m, src, tz, sep, personal: m.table == TableKind::Actions };
        let file_name = input.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut rec = StringRecord::new();
        let mut screen = CellScreen::default();
        let mut countries = Countries::default();
        let (mut row, mut last_line) = (0u64, skip + 1);
        loop {
            match r.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = skip + e.position().map(|p| p.line()).unwrap_or(last_line + 1 - skip);
                    out.rows(1);
                    row += 1;
                    out.reject(csv_stream::unreadable_row(line, &e));
                    continue;
                }
            }
            row += 1;
            let line = skip + csv_stream::line_of(&rec, last_line + 1 - skip);
            last_line = line;
            out.rows(1);
            let res = match m.table {
                TableKind::Posts => post_row(&plan, &rec, row, &file_name, out),
                TableKind::Actions => action_row(&plan, &rec, row, line, cx, (&mut screen, &mut countries), out),
                TableKind::Traffic => traffic_row(&plan, &rec, row, line, &mut countries, out),
            };
            if let Err((field, error)) = res {
                let raw = (!plan.personal).then(|| util::cut(&raw_row(&rec, plan.sep), MAX_RAW_REJECT));
                out.reject(Reject { line, field, error, raw });
            }
        }
        for w in screen.warnings(&cx.source_file).into_iter().chain(countries.warnings(&cx.source_file)) {
            out.warning(w);
        }
        Ok(())
    }
}

/// The row as CSV text again, for the reject file (posts and traffic only).
fn raw_row(rec: &StringRecord, sep: u8) -> String {
    let mut w = csv::WriterBuilder::new().delimiter(sep).from_writer(Vec::new());
    if w.write_record(rec).is_err() {
        return String::new();
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).trim_end().to_string()
}

type RowResult = Result<(), (String, String)>;

fn post_row(p: &Plan, rec: &StringRecord, row: u64, file_name: &str, out: &mut dyn Out) -> RowResult {
    let get = |c: &str| p.get(c, rec, row);
    let text_of = |c: &str| get(c).map(|g| g.v);
    let need = |c: &str| get(c).ok_or_else(|| (p.src[c].1.clone(), format!("blank {c}: every post needs one")));
    let platform = need("platform")?.v.to_lowercase();
    let id = need("post_id")?.v;
    let prefix = match (&p.m.id_prefix, &p.src["post_id"].0) {
        (Some(pre), _) => pre.clone(),
        (None, Src::Row) => format!("{file_name}#"),
        (None, _) => String::new(),
    };
    let o = need("origin")?;
    let origin = match o.v.trim().to_lowercase().as_str() {
        "owned" => "owned",
        "collected" => "collected",
        _ => return Err((o.field.clone(), format!("expected origin 'owned' or 'collected', {}", p.shown(&o)))),
    };
    let content_type = match get("content_type") {
        None => "other",
        Some(g) => canonical(CONTENT_TYPES, &g.v).ok_or_else(|| {
            (
                g.field.clone(),
                format!(
                    "expected a content type ({}; map the file's values with [values.content_type]), {}",
                    CONTENT_TYPES.join(", "),
                    p.shown(&g)
                ),
            )
        })?,
    };
    let created_at = get("created_at").map(|g| p.time(&g).map_err(|e| (g.field.clone(), e))).transpose()?;
    let mut counts = BTreeMap::new();
    for c in [
        "followers",
        "impressions",
        "reach",
        "reactions",
        "comments",
        "shares",
        "quotes",
        "saves",
        "clicks",
        "link_clicks",
        "video_views",
    ] {
        if let Some(g) = get(c) {
            counts.insert(c, p.count(&g).map_err(|e| (g.field.clone(), e))?);
        }
    }
    let n = |c: &str| counts.get(c).copied().flatten();
    let is_repost = match get("is_repost") {
        None => None,
        Some(g) => {
            Some(bool_of(&g.v).ok_or_else(|| (g.field.clone(), format!("expected true or false, {}", p.shown(&g))))?)
        }
    };
    let text = text_of("text");
    let list = |c: &str, from_text: fn(&str) -> Vec<String>| match get(c) {
        Some(g) => tag_list(&g.v),
        None => text.as_deref().map(from_text).unwrap_or_default(),
    };
    let hashtags = list("hashtags", util::hashtags);
    let mentions = list("mentions", util::mentions);
    let urls = get("urls")
        .map(|g| {
            g.v.split(|c: char| c.is_whitespace() || c == '|').filter(|u| !u.is_empty()).map(str::to_string).collect()
        })
        .unwrap_or_default();
    let account_id = text_of("account_id");
    let account_handle = text_of("account_handle").map(|h| util::handle(&h)).filter(|h| !h.is_empty());
    let followers = n("followers");
    if let (Some(f), Some(t), Some(acc)) = (followers, created_at, account_id.clone().or(account_handle.clone())) {
        out.account(AccountSnap {
            platform: platform.clone(),
            account_id: acc,
            account_handle: account_handle.clone(),
            date: Some(t.utc_day()),
            followers: Some(f),
        });
    }
    out.post(Post {
        platform,
        post_id: format!("{prefix}{id}"),
        origin,
        account_id,
        account_handle,
        created_at,
        content_type,
        text,
        lang: text_of("lang"),
        hashtags,
        mentions,
        urls,
        is_repost,
        in_reply_to_account: text_of("in_reply_to_account").map(|h| util::handle(&h)),
        quoted_post_id: text_of("quoted_post_id"),
        in_reply_to_post_id: text_of("in_reply_to_post_id"),
        reposted_post_id: text_of("reposted_post_id"),
        followers,
        impressions: n("impressions"),
        reach: n("reach"),
        reactions: n("reactions"),
        comments: n("comments"),
        shares: n("shares"),
        quotes: n("quotes"),
        saves: n("saves"),
        clicks: n("clicks"),
        link_clicks: n("link_clicks"),
        video_views: n("video_views"),
        permalink: text_of("permalink"),
        campaign: text_of("campaign"),
        ..Default::default()
    });
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn action_row(
    p: &Plan,
    rec: &StringRecord,
    row: u64,
    line: u64,
    cx: &Ctx,
    (sc, countries): (&mut CellScreen, &mut Countries),
    out: &mut dyn Out,
) -> RowResult {
    let get = |c: &str| p.get(c, rec, row);
    let platform = get("platform").map(|g| g.v.to_lowercase()).unwrap_or_else(|| "crm".into());
    let who = get("actor").filter(|g| g.v != "@").ok_or_else(|| {
        (p.src["actor"].1.clone(), "blank actor: expected an e-mail address or a platform user id".to_string())
    })?;
    let verb = get("action").map(|g| g.v.to_lowercase()).ok_or_else(|| {
        (p.src["action"].1.clone(), format!("blank action: expected a verb such as {}", shared::verb_list()))
    })?;
    for (lake, what, v) in [("platform", "a platform name", &platform), ("action", "an action verb", &verb)] {
        if let Some(e) = shared::personal_cell(what, v) {
            return Err((p.src.get(lake).map_or(lake.to_string(), |s| s.1.clone()), e));
        }
    }
    let occurred_at = get("occurred_at").map(|g| p.time(&g).map_err(|e| (g.field.clone(), e))).transpose()?;
    let actor_id = shared::actor_id(cx, &platform, &who.v);
    // Free text screened under the file's column name (or the lake's, for a constant).
    let mut screened = |lake: &str, id: bool| {
        let g = get(lake)?;
        if id {
            sc.id(&g.field, line, Some(g.v))
        } else {
            sc.text(&g.field, line, Some(g.v))
        }
    };
    let post_id = screened("post_id", true);
    let action_key = screened("action_key", true)
        .or_else(|| occurred_at.map(|t| shared::row_key(cx, &actor_id, &verb, t, &platform, post_id.as_deref())));
    let (campaign, source, medium) =
        (screened("campaign", false), screened("source", false), screened("medium", false));
    let country = get("country").and_then(|g| countries.read(&g.field, line, &g.v));
    out.action(Action {
        platform,
        actor_id,
        action: verb,
        occurred_at,
        post_id,
        campaign,
        source,
        medium,
        country,
        action_key,
        ..Default::default()
    });
    Ok(())
}

fn traffic_row(
    p: &Plan,
    rec: &StringRecord,
    row: u64,
    line: u64,
    countries: &mut Countries,
    out: &mut dyn Out,
) -> RowResult {
    let get = |c: &str| p.get(c, rec, row);
    let day = |c: &str| get(c).map(|g| p.day(&g).map_err(|e| (g.field.clone(), e))).transpose();
    let (date_start, date_end) = match day("date")? {
        Some(d) => (Some(d), Some(d)),
        None => {
            let s = day("date_start")?;
            (s, day("date_end")?.or(s))
        }
    };
    if date_start.is_none() {
        let f = p.src.get("date").or(p.src.get("date_start")).map(|s| s.1.clone()).unwrap_or_default();
        return Err((f, "blank date: every traffic row needs its day".into()));
    }
    let ch = get("channel").ok_or_else(|| (p.src["channel"].1.clone(), "blank channel".to_string()))?;
    let channel = canonical(&CHANNELS, &ch.v).ok_or_else(|| {
        (
            ch.field.clone(),
            format!(
                "expected a channel ({}; map the file's values with [values.channel]), {}",
                CHANNELS.join(", "),
                p.shown(&ch)
            ),
        )
    })?;
    let mut counts = BTreeMap::new();
    for c in ["sessions", "users", "pageviews", "conversions"] {
        if let Some(g) = get(c) {
            counts.insert(c, p.count(&g).map_err(|e| (g.field.clone(), e))?);
        }
    }
    let n = |c: &str| counts.get(c).copied().flatten();
    out.traffic(Traffic {
        platform: get("platform").map(|g| g.v.to_lowercase()).unwrap_or_else(|| "web".into()),
        date_start,
        date_end,
        site: get("site").map(|g| g.v),
        source: get("source").map(|g| g.v),
        medium: get("medium").map(|g| g.v),
        referrer: get("referrer").map(|g| g.v),
        channel,
        landing_page: get("landing_page").map(|g| g.v),
        country: get("country").and_then(|g| countries.read(&g.field, line, &g.v)),
        campaign_tag: get("campaign_tag").map(|g| g.v),
        sessions: n("sessions"),
        users: n("users"),
        pageviews: n("pageviews"),
        conversions: n("conversions"),
        campaign: get("campaign").map(|g| g.v),
        ..Default::default()
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::testkit::actions::{debug_all, detect_file, fixture, key, sample, OTHER_SAMPLES};
    use crate::ingest::{collect, Collected};

    const UCI: &str = "custom-csv/dataset_Facebook.csv";

    fn mapping_file() -> std::path::PathBuf {
        std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/pipelines/mappings/uci-facebook-metrics.toml"))
    }

    fn run_with(input: &Input, mapping: &str, tz: &str) -> Result<Collected, FileError> {
        let pseudo = key();
        let mut cx = Ctx::new(input.display.clone(), &pseudo);
        cx.tz = tz.parse().unwrap();
        cx.options = std::sync::Arc::new(CustomCsvOptions { mapping: Some(toml::from_str(mapping).unwrap()) });
        collect(&ADAPTER, input, &cx)
    }

    #[test]
    fn uci_facebook_metrics_with_the_example_mapping() {
        let table = load_mapping(mapping_file()).unwrap();
        let pseudo = key();
        let mut cx = Ctx::new(UCI, &pseudo);
        cx.options = std::sync::Arc::new(CustomCsvOptions { mapping: Some(table) });
        let got = collect(&ADAPTER, &Input::new(sample(UCI)), &cx).unwrap();
        // 501 lines = header + 500 posts, none rejected.
        assert_eq!((got.rows, got.posts.len(), got.rejects.len()), (500, 500, 0));
        // Owned posts: no derived actions; no dates, so no follower snapshots either.
        assert!(got.actions.is_empty() && got.accounts.is_empty());
        let p = &got.posts[0];
        // Line 2: 139441;Photo;2;12;4;3;0;2752;5091;178;109;159;3078;1640;119;4;79;17;100
        assert_eq!(p.post_id, "uci-facebook-metrics:1");
        assert_eq!((p.platform.as_str(), p.origin, p.content_type), ("facebook", "owned", "photo"));
        assert_eq!(p.account_id.as_deref(), Some("uci-cosmetics-brand"));
        assert_eq!((p.followers, p.reach, p.impressions), (Some(139_441), Some(2752), Some(5091)));
        assert_eq!((p.clicks, p.comments, p.reactions, p.shares), (Some(159), Some(4), Some(79), Some(17)));
        // The file has month, weekday and hour but no year or day: no creation time.
        assert!(got.posts.iter().all(|p| p.created_at.is_none()));
        assert_eq!(got.posts[499].post_id, "uci-facebook-metrics:500");
        // python3: csv.DictReader(open(f), delimiter=';'); sum(int(r[c]) for r in rows if r[c])
        //   T_Reach 6951680 over 500 rows; T_Impression 14792974; comment 3741;
        //   like 88795 over 499 (blank at line 113); share 13524 over 496 (blank at lines 113,
        //   122, 126, 166). comment + like + share = 106060 = the sum of T_Interactions.
        let sum = |f: fn(&Post) -> Option<i64>| got.posts.iter().filter_map(f).sum::<i64>();
        let nulls = |f: fn(&Post) -> Option<i64>| got.posts.iter().filter(|p| f(p).is_none()).count();
        assert_eq!((sum(|p| p.reach), nulls(|p| p.reach)), (6_951_680, 0));
        assert_eq!(sum(|p| p.impressions), 14_792_974);
        assert_eq!((sum(|p| p.comments), nulls(|p| p.comments)), (3_741, 0));
        assert_eq!((sum(|p| p.reactions), nulls(|p| p.reactions)), (88_795, 1));
        assert_eq!((sum(|p| p.shares), nulls(|p| p.shares)), (13_524, 4));
        // Blank cells are null, not 0: data rows 112, 121, 125, 165 (lines 113, 122, 126, 166).
        let blank_shares: Vec<&str> =
            got.posts.iter().filter(|p| p.shares.is_none()).map(|p| p.post_id.as_str()).collect();
        assert_eq!(
            blank_shares,
            [
                "uci-facebook-metrics:112",
                "uci-facebook-metrics:121",
                "uci-facebook-metrics:125",
                "uci-facebook-metrics:165"
            ]
        );
        assert_eq!(got.posts[111].reactions, None);
        // Type: Photo 426, Status 45, Link 22, Video 7.
        let count = |t: &str| got.posts.iter().filter(|p| p.content_type == t).count();
        assert_eq!((count("photo"), count("text"), count("link"), count("video")), (426, 45, 22, 7));
    }

    const POSTS_MAPPING: &str = r#"
        separator = ";"
        decimal_comma = true
        date_format = "%d/%m/%Y %H:%M"
        timezone = "Europe/Lisbon"
        skip_lines = 2
        [columns]
        post_id = "Message ID"
        created_at = "Published"
        content_type = "Media"
        text = "Message"
        account_handle = "Profile"
        impressions = "Impressions"
        reactions = "Likes"
        shares = "Shares"
        followers = "Audience"
        [constants]
        platform = "Instagram"
        origin = "owned"
        [values.content_type]
        Image = "photo"
        Carousel = "album"
        Reel = "video"
    "#;

    #[test]
    fn decimal_comma_dates_values_and_rejects() {
        let got = run_with(&fixture("custom-csv/social_report.csv"), POSTS_MAPPING, "UTC").unwrap();
        // Lines 1-2 are the report's title, line 3 the header, lines 4-8 five posts:
        // line 6 has a fractional count, line 7 an unknown media type, line 8 a bad date.
        assert_eq!((got.rows, got.posts.len()), (5, 2));
        let rej: Vec<(u64, &str)> = got.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rej, vec![(6, "Impressions"), (7, "Media"), (8, "Published")]);
        assert!(
            got.rejects[0].error.contains("expected a whole number (decimal comma), found '1.234,5'"),
            "{}",
            got.rejects[0].error
        );
        // Posts: the raw row is kept in the reject.
        assert_eq!(
            got.rejects[1].raw.as_deref(),
            Some("C-3;02/04/2024 09:00;Story;@Clean_Air_PT;Stop the smog;10;1;0;12.345")
        );
        let p = &got.posts[0];
        assert_eq!(p.post_id, "C-1");
        assert_eq!(p.platform, "instagram");
        assert_eq!(p.account_handle.as_deref(), Some("clean_air_pt"));
        // "1.234.567" with a decimal comma is 1234567; "2.345,0" is 2345; blank shares are null.
        assert_eq!((p.impressions, p.reactions, p.shares), (Some(1_234_567), Some(2_345), None));
        // 31/03/2024 09:30 in Lisbon: the clocks went to WEST (UTC+1) at 01:00 UTC that
        // day, so 08:30Z = 1711873800.
        assert_eq!(p.created_at, Some(Micros(1_711_873_800_000_000)));
        assert_eq!(p.content_type, "album");
        assert_eq!(p.hashtags, ["arlimpo", "lisboa"]);
        assert_eq!(p.mentions, ["cm_lisboa"]);
        // A follower snapshot for the day: 12.345 = 12345.
        assert_eq!(got.accounts.len(), 2);
        assert_eq!(got.accounts[0].followers, Some(12_345));
        assert_eq!(got.accounts[0].date, Some(Micros(1_711_873_800_000_000).utc_day()));
        assert_eq!(got.posts[1].content_type, "video");
        assert_eq!(got.posts[1].impressions, Some(900));
    }

    #[test]
    fn a_mapping_naming_a_missing_column_is_a_file_error() {
        let bad = POSTS_MAPPING.replace("shares = \"Shares\"", "shares = \"Reposts\"");
        let e = run_with(&fixture("custom-csv/social_report.csv"), &bad, "UTC").unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(3), Some("Reposts")));
        assert!(e.msg.contains("names column 'Reposts' (for shares) that the file lacks"), "{e}");
        assert!(
            e.msg.contains("the file's columns are: Message ID, Published, Media, Profile, Message, Impressions, Likes, Shares, Audience"),
            "{e}"
        );
    }

    #[test]
    fn bad_mappings() {
        let check = |s: &str| Mapping::from_table(&toml::from_str(s).unwrap()).unwrap_err();
        let e = check("table = \"posts\"\ncolum = 1");
        assert!(e.contains("unknown field `colum`"), "{e}");
        let e = check(
            "[columns]\npost_id = \"id\"\nreach_total = \"r\"\n[constants]\nplatform = \"x\"\norigin = \"owned\"",
        );
        assert!(e.contains("[columns] names 'reach_total', not a column of table posts"), "{e}");
        let e = check("[columns]\npost_id = \"id\"\n[constants]\norigin = \"owned\"");
        assert!(e.contains("table posts needs 'platform'"), "{e}");
        let e = check("table = \"tweets\"");
        assert!(e.contains("unknown variant `tweets`"), "{e}");
        let e = check("timezone = \"Mars/Olympus\"\n[columns]\npost_id = \"id\"\n[constants]\nplatform = \"x\"\norigin = \"owned\"");
        assert!(e.contains("timezone 'Mars/Olympus'"), "{e}");
        // No mapping at all.
        let pseudo = key();
        let cx = Ctx::new("x.csv", &pseudo);
        let e = collect(&ADAPTER, &fixture("custom-csv/social_report.csv"), &cx).unwrap_err();
        assert!(e.msg.contains("needs a column mapping"), "{e}");
    }

    const ACTIONS_MAPPING: &str = r#"
        table = "actions"
        date_format = "%d.%m.%Y"
        [columns]
        actor = "E-Mail"
        occurred_at = "Datum"
        action = "Aktion"
        source = "Quelle"
        [constants]
        platform = "crm"
        [values.action]
        Unterschrift = "sign_petition"
        Spende = "donate"
    "#;

    #[test]
    fn actions_mapping_keeps_nothing_personal() {
        let got = run_with(&fixture("custom-csv/volunteers.csv"), ACTIONS_MAPPING, "Europe/Berlin").unwrap();
        let pseudo = key();
        // 4 rows: line 4 has a bad date, line 5 no action.
        assert_eq!((got.rows, got.actions.len()), (4, 2));
        assert_eq!(got.actions[0].actor_id, pseudo.email("klara.hoffmann@example.de"));
        assert_eq!(got.actions[0].action, "sign_petition");
        // 01.03.2024 00:00 in Berlin (CET, UTC+1) = 2024-02-29T23:00Z = 1709247600.
        assert_eq!(got.actions[0].occurred_at, Some(Micros(1_709_247_600_000_000)));
        assert_eq!(got.actions[0].source.as_deref(), Some("Newsletter"));
        assert_eq!(got.actions[1].action, "donate");
        let rej: Vec<(u64, &str)> = got.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rej, vec![(4, "Datum"), (5, "Aktion")]);
        assert!(got.rejects.iter().all(|r| r.raw.is_none()));
        let all = debug_all(&got).to_lowercase();
        for n in [
            "klara",
            "hoffmann",
            "example.de",
            "jürgen",
            "weißenberg",
            "schillerstraße",
            "0301234567",
            "31.02.2024",
            "lindenweg",
            "anna klein",
            "ben roth",
            "weissenberg",
        ] {
            assert!(!all.contains(n), "'{n}' leaked into {all}");
        }
    }

    #[test]
    fn actions_mapping_screens_free_text_and_hides_a_data_header() {
        let text = "Name,E-Mail,Datum,Aktion,Quelle,Kampagne\n\
                    Jo Doe,jo@example.org,01.03.2024,Unterschrift,jo@example.org,+1 212 555 0147\n\
                    Kim Lee,kim@example.org,02.03.2024,Spende,Newsletter,cleanair\n";
        let mut m: toml::Table = toml::from_str(ACTIONS_MAPPING).unwrap();
        m["columns"].as_table_mut().unwrap().insert("campaign".into(), "Kampagne".into());
        let run = |text: &str| {
            let d = tempfile::tempdir().unwrap();
            let p = d.path().join("v.csv");
            std::fs::write(&p, text).unwrap();
            let pseudo = key();
            let mut cx = Ctx::new("v.csv", &pseudo);
            cx.options = std::sync::Arc::new(CustomCsvOptions { mapping: Some(m.clone()) });
            collect(&ADAPTER, &Input::new(&p), &cx)
        };
        let got = run(text).unwrap();
        let kept: Vec<(Option<&str>, Option<&str>)> =
            got.actions.iter().map(|a| (a.source.as_deref(), a.campaign.as_deref())).collect();
        assert_eq!(kept, vec![(None, None), (Some("Newsletter"), Some("cleanair"))]);
        // Warnings name the file's columns, at line 2.
        assert_eq!(got.warnings.len(), 2, "{:?}", got.warnings);
        assert!(got.warnings[0].starts_with("v.csv, line 2: 1 cell(s) of column 'Kampagne' looked like a phone number"));
        assert!(
            got.warnings[1].starts_with("v.csv, line 2: 1 cell(s) of column 'Quelle' looked like an e-mail address")
        );
        // Without the header row: the mapping's columns are missing, and line 1 is not shown.
        let e = run(&text[text.find('\n').unwrap() + 1..]).unwrap_err().to_string();
        assert!(e.contains("that the file lacks") && e.contains("not a header row"), "{e}");
        for n in ["Jo Doe", "jo@", "555", "Unterschrift"] {
            assert!(!e.contains(n), "{n} in {e}");
        }
    }

    #[test]
    fn traffic_mapping() {
        let mapping = r#"
            table = "traffic"
            [columns]
            date = "Day"
            source = "Source"
            channel = "Source"
            sessions = "Visits"
            [constants]
            site = "example.org"
            [values.channel]
            "facebook.com" = "facebook"
            "t.co" = "twitter"
            "(direct)" = "direct"
        "#;
        let got = run_with(&fixture("custom-csv/visits.csv"), mapping, "UTC").unwrap();
        // 4 rows; line 5's source (news.example.com) has no channel mapping: rejected.
        assert_eq!((got.rows, got.traffic.len()), (4, 3));
        let t = &got.traffic[0];
        assert_eq!((t.channel, t.source.as_deref(), t.sessions), ("facebook", Some("facebook.com"), Some(120)));
        assert_eq!(t.date_start, Some(Day::from_naive(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap())));
        assert_eq!(t.date_start, t.date_end);
        assert_eq!((t.platform.as_str(), t.site.as_deref()), ("web", Some("example.org")));
        assert_eq!(got.traffic[2].sessions, None); // blank Visits
        assert_eq!((got.rejects[0].line, got.rejects[0].field.as_str()), (5, "Source"));
    }

    #[test]
    fn never_detects() {
        assert_eq!(detect_file(&ADAPTER, &sample(UCI)), 0);
        for s in OTHER_SAMPLES {
            assert_eq!(detect_file(&ADAPTER, &sample(s)), 0, "{s}");
        }
        assert_eq!(detect_file(&ADAPTER, &fixture("custom-csv/social_report.csv").path), 0);
    }

    #[test]
    fn load_mapping_checks_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("typo.toml");
        std::fs::write(&p, "table = \"posts\"\n[colums]\npost_id = \"row\"\n").unwrap();
        let e = load_mapping(&p).unwrap_err().to_string();
        assert!(e.contains("typo.toml") && e.contains("unknown field `colums`"), "{e}");
        std::fs::write(&p, "separator = ;").unwrap();
        let e = load_mapping(&p).unwrap_err().to_string();
        assert!(e.starts_with("mapping ") && e.contains("typo.toml"), "{e}");
        let t = load_mapping(mapping_file()).unwrap();
        assert_eq!(t["separator"].as_str(), Some(";"));
    }

    #[test]
    fn comma_counts() {
        assert_eq!(comma_count("1.234"), Ok(Some(1234)));
        assert_eq!(comma_count("1.234,0"), Ok(Some(1234)));
        assert_eq!(comma_count(" 12 345 "), Ok(Some(12345)));
        assert_eq!(comma_count(""), Ok(None));
        assert!(comma_count("1.234,5").is_err());
    }
}
