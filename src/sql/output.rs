//! How `rallylens sql` prints a result: an aligned text table, CSV, JSON Lines or Parquet.
//!
//! Every format is deterministic: the same result gives the same bytes. The text forms of
//! values are shared by the table and CSV (JSON keeps numbers, booleans and lists native):
//! - a null is an empty CSV field, `null` in JSON and in the table;
//! - a day is `2012-10-01`; an instant is RFC 3339 in its zone (`2012-10-01T09:30:00Z`
//!   for the lake's UTC, with fractional seconds only when they are not zero); a time
//!   without zone has no suffix;
//! - a float is Rust's shortest form that reads back to the same value (`2.0`, `0.1`,
//!   `1e-7`, `NaN`, `inf`); JSON writes a NaN or infinity as null;
//! - a list is a JSON array (`["makethefuture","shell"]`), in CSV too;
//! - any other type (a struct, a decimal, a duration) is polars' own text of the value.
//!
//! The table is for reading: numbers right-aligned, text left, a cell cut at
//! [`MAX_CELL`] characters with `…`, newlines shown as `\n`, and a last line `(N rows)`.
//! It prints every row; the prompt ([`super::repl`]) shows the first [`super::repl::SHOWN`].
//! JSON is JSON Lines (one object per row, keys in column order): it streams, and DuckDB,
//! polars and `jq` read it as it is.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;

/// The longest cell of the text table, in characters.
pub const MAX_CELL: usize = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for reading (every row; long cells cut).
    Table,
    /// RFC 4180 CSV with a header row.
    Csv,
    /// JSON Lines: one object per row.
    Json,
    /// A Parquet file (zstd), needs --output.
    Parquet,
}

/// Writes `df` to `path` (atomically) or to stdout.
pub fn write(df: &DataFrame, format: Format, path: Option<&Path>) -> Result<()> {
    if format == Format::Parquet {
        let path = path.expect("cmd checks that parquet has --output");
        return crate::metrics::write_table(&mut df.clone(), path);
    }
    match path {
        Some(p) => crate::support::write_atomic_with(p, |w| render(df, format, None, w))
            .map(drop)
            .with_context(|| format!("writing {}", p.display())),
        None => {
            let mut out = std::io::stdout().lock();
            render(df, format, None, &mut out)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// `df` in a text format, as a string (tests, the prompt).
pub fn to_string(df: &DataFrame, format: Format) -> Result<String> {
    let mut buf = Vec::new();
    render(df, format, None, &mut buf)?;
    Ok(String::from_utf8(buf).expect("every format is UTF-8"))
}

/// Renders a text format; `limit` caps the rows of the table (the prompt's view).
pub fn render(df: &DataFrame, format: Format, limit: Option<usize>, w: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Table => table(df, limit, w),
        Format::Csv => csv(df, w),
        Format::Json => json_lines(df, w),
        Format::Parquet => {
            let mut df = df.clone();
            ParquetWriter::new(w)
                .with_compression(ParquetCompression::Zstd(None))
                .finish(&mut df)
                .map(drop)
                .map_err(std::io::Error::other)
        }
    }
}

/// A spinner on stderr while a query runs (terminal only, never with `--quiet`).
pub fn spinner(quiet: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let s = indicatif::ProgressBar::new_spinner();
    s.set_style(indicatif::ProgressStyle::with_template("{spinner} sql: running {elapsed}").expect("valid template"));
    s.enable_steady_tick(std::time::Duration::from_millis(200));
    Some(s)
}

fn value<'a>(df: &'a DataFrame, col: usize, row: usize) -> AnyValue<'a> {
    df.columns()[col].get(row).unwrap_or(AnyValue::Null)
}

/// The text of a value (CSV and table); `None` for null.
pub fn text(v: &AnyValue) -> Option<String> {
    Some(match v {
        AnyValue::Null => return None,
        AnyValue::Boolean(b) => b.to_string(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(f) => float(*f),
        AnyValue::Float32(f) => float(*f as f64),
        AnyValue::Date(d) => date(*d),
        AnyValue::Datetime(v, unit, tz) => instant(*v, *unit, tz.map(|z| z.as_str())),
        AnyValue::DatetimeOwned(v, unit, tz) => instant(*v, *unit, tz.as_deref().map(|z| z.as_str())),
        AnyValue::List(_) => json(v).to_string(),
        AnyValue::Binary(b) => hex::encode(b),
        AnyValue::BinaryOwned(b) => hex::encode(b),
        other => other.to_string(),
    })
}

/// The JSON value of a value (JSON Lines; lists in CSV and the table).
pub fn json(v: &AnyValue) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        AnyValue::Null => J::Null,
        AnyValue::Boolean(b) => J::Bool(*b),
        AnyValue::Int8(i) => J::from(*i),
        AnyValue::Int16(i) => J::from(*i),
        AnyValue::Int32(i) => J::from(*i),
        AnyValue::Int64(i) => J::from(*i),
        AnyValue::UInt8(i) => J::from(*i),
        AnyValue::UInt16(i) => J::from(*i),
        AnyValue::UInt32(i) => J::from(*i),
        AnyValue::UInt64(i) => J::from(*i),
        AnyValue::Float64(f) => serde_json::Number::from_f64(*f).map(J::Number).unwrap_or(J::Null),
        AnyValue::Float32(f) => serde_json::Number::from_f64(*f as f64).map(J::Number).unwrap_or(J::Null),
        AnyValue::List(s) => J::Array(s.iter().map(|x| json(&x)).collect()),
        other => text(other).map(J::String).unwrap_or(J::Null),
    }
}

fn float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{f:?}")
    }
}

fn date(days: i32) -> String {
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(days as i64)))
        .map(|d| d.to_string())
        .unwrap_or_else(|| format!("{days} days"))
}

fn instant(v: i64, unit: TimeUnit, tz: Option<&str>) -> String {
    let micros_to = |m: i64| chrono::DateTime::from_timestamp_micros(m);
    let t = match unit {
        TimeUnit::Nanoseconds => Some(chrono::DateTime::from_timestamp_nanos(v)),
        TimeUnit::Microseconds => micros_to(v),
        TimeUnit::Milliseconds => chrono::DateTime::from_timestamp_millis(v),
    };
    let Some(t) = t else { return v.to_string() };
    let frac = if t.timestamp_subsec_nanos() == 0 { "" } else { "%.f" };
    match tz {
        None => t.naive_utc().format(&format!("%Y-%m-%dT%H:%M:%S{frac}")).to_string(),
        Some("UTC") => t.format(&format!("%Y-%m-%dT%H:%M:%S{frac}Z")).to_string(),
        Some(z) => match z.parse::<chrono_tz::Tz>() {
            Ok(zone) => t.with_timezone(&zone).format(&format!("%Y-%m-%dT%H:%M:%S{frac}%:z")).to_string(),
            Err(_) => t.format(&format!("%Y-%m-%dT%H:%M:%S{frac}Z")).to_string(),
        },
    }
}

fn csv(df: &DataFrame, w: &mut dyn Write) -> std::io::Result<()> {
    // The csv crate's own conversion to io::Error loses the kind: a closed pipe
    // (`| head`) must stay BrokenPipe, which main.rs treats as success.
    let io = |e: ::csv::Error| match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    };
    let mut c = ::csv::Writer::from_writer(w);
    c.write_record(df.get_column_names().iter().map(|n| n.as_str())).map_err(io)?;
    let mut row: Vec<String> = Vec::with_capacity(df.width());
    for r in 0..df.height() {
        row.clear();
        row.extend((0..df.width()).map(|k| text(&value(df, k, r)).unwrap_or_default()));
        c.write_record(&row).map_err(io)?;
    }
    c.flush()
}

/// One object per row, keys in column order (serde_json's map would sort them).
fn json_lines(df: &DataFrame, w: &mut dyn Write) -> std::io::Result<()> {
    let keys: Vec<String> =
        df.get_column_names().iter().map(|n| serde_json::to_string(n.as_str()).expect("a string")).collect();
    let mut line = String::new();
    for r in 0..df.height() {
        line.clear();
        line.push('{');
        for (k, key) in keys.iter().enumerate() {
            if k > 0 {
                line.push(',');
            }
            line.push_str(key);
            line.push(':');
            line.push_str(&json(&value(df, k, r)).to_string());
        }
        line.push_str("}\n");
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// A table cell: control characters escaped, cut at [`MAX_CELL`] characters.
fn cell(v: &AnyValue) -> String {
    let s = text(v).unwrap_or_else(|| "null".into());
    let s = s.replace('\n', "\\n").replace('\r', "\\r").replace('\t', "\\t");
    if s.chars().count() > MAX_CELL {
        s.chars().take(MAX_CELL - 1).chain(std::iter::once('…')).collect()
    } else {
        s
    }
}

fn table(df: &DataFrame, limit: Option<usize>, w: &mut dyn Write) -> std::io::Result<()> {
    let shown = limit.unwrap_or(usize::MAX).min(df.height());
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    let right: Vec<bool> = df.columns().iter().map(|c| c.dtype().is_primitive_numeric()).collect();
    let cells: Vec<Vec<String>> =
        (0..shown).map(|r| (0..df.width()).map(|k| cell(&value(df, k, r))).collect()).collect();
    let width: Vec<usize> = (0..df.width())
        .map(|k| cells.iter().map(|row| row[k].chars().count()).chain([names[k].chars().count()]).max().unwrap_or(0))
        .collect();
    let line = |row: &[String], w: &mut dyn Write| -> std::io::Result<()> {
        let mut s = String::new();
        for (k, c) in row.iter().enumerate() {
            if k > 0 {
                s.push_str("  ");
            }
            let pad = " ".repeat(width[k] - c.chars().count());
            if right[k] {
                s.push_str(&pad);
                s.push_str(c);
            } else {
                s.push_str(c);
                if k + 1 < row.len() {
                    s.push_str(&pad);
                }
            }
        }
        writeln!(w, "{}", s.trim_end())
    };
    line(&names, w)?;
    let rule: Vec<String> = width.iter().map(|n| "-".repeat(*n)).collect();
    line(&rule, w)?;
    for row in &cells {
        line(row, w)?;
    }
    let n = df.height();
    if shown < n {
        writeln!(w, "({} of {} rows shown)", shown, crate::support::thousands(n as u64))
    } else {
        writeln!(w, "({} {})", crate::support::thousands(n as u64), if n == 1 { "row" } else { "rows" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> DataFrame {
        let day = Column::new("day".into(), [Some(15614i32), None]).cast(&DataType::Date).unwrap();
        // 1349083800000000 µs = 2012-10-01 09:30:00 UTC (15614 days × 86400 s + 9.5 h).
        let at = Column::new("at".into(), [1349083800000000i64, 1349083800500000])
            .cast(&DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)))
            .unwrap();
        let tags = Column::new(
            "tags".into(),
            [Series::new("".into(), ["a", "b"]), Series::new("".into(), Vec::<&str>::new())],
        );
        DataFrame::new_infer_height(vec![
            Column::new("name".into(), ["say \"hi\", twice", "x\ny"]),
            Column::new("n".into(), [Some(1234i64), None]),
            Column::new("rate".into(), [0.1f64, f64::NAN]),
            day,
            at,
            tags,
        ])
        .unwrap()
    }

    #[test]
    fn csv_quotes_and_writes_the_documented_forms() {
        // 15614 days after 1970-01-01 is 2012-10-01; the second instant has 0.5 s.
        assert_eq!(
            to_string(&sample(), Format::Csv).unwrap(),
            "name,n,rate,day,at,tags\n\
             \"say \"\"hi\"\", twice\",1234,0.1,2012-10-01,2012-10-01T09:30:00Z,\"[\"\"a\"\",\"\"b\"\"]\"\n\
             \"x\ny\",,NaN,,2012-10-01T09:30:00.500Z,[]\n"
        );
    }

    #[test]
    fn json_lines_keep_numbers_and_lists_and_null_the_nan() {
        let s = to_string(&sample(), Format::Json).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"name":"say \"hi\", twice","n":1234,"rate":0.1,"day":"2012-10-01","at":"2012-10-01T09:30:00Z","tags":["a","b"]}"#
        );
        assert_eq!(
            lines[1],
            r#"{"name":"x\ny","n":null,"rate":null,"day":null,"at":"2012-10-01T09:30:00.500Z","tags":[]}"#
        );
    }

    #[test]
    fn table_aligns_numbers_right_and_counts_rows() {
        let df = df!("platform" => ["twitter", "fb"], "posts" => [2117i64, 5]).unwrap();
        assert_eq!(
            to_string(&df, Format::Table).unwrap(),
            "platform  posts\n--------  -----\ntwitter    2117\nfb            5\n(2 rows)\n"
        );
        let mut b = Vec::new();
        render(&df, Format::Table, Some(1), &mut b).unwrap();
        assert!(String::from_utf8(b).unwrap().ends_with("twitter    2117\n(1 of 2 rows shown)\n"));
        // A newline is shown escaped, a 70-character cell is cut to 59 + "…".
        let long = df!("t" => ["a\nb", &"x".repeat(70)]).unwrap();
        let s = to_string(&long, Format::Table).unwrap();
        assert!(s.contains("a\\nb\n"), "{s}");
        assert!(s.contains(&format!("{}…\n", "x".repeat(59))), "{s}");
    }

    #[test]
    fn parquet_round_trips() {
        let df = df!("platform" => ["twitter"], "posts" => [2117i64]).unwrap();
        let mut b = Vec::new();
        render(&df, Format::Parquet, None, &mut b).unwrap();
        let back = ParquetReader::new(std::io::Cursor::new(b)).finish().unwrap();
        assert!(back.equals(&df));
    }
}
