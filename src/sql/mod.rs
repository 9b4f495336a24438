//! `rallylens sql`: ask the lake (and the metric tables) a question in SQL, in-process.
//!
//! polars' SQL front end (`polars::sql::SQLContext`) runs the query over lazy scans: the
//! lake's four tables exactly as [`crate::metrics::Lake::open`] scans them (the visible part
//! files its manifest lists; `platform`, the partition, is a column of every file), and,
//! with `--metrics`, every `*.parquet` of a metrics folder under its file name
//! (`campaign_kpis`, `ladder_summary`, …). No server, nothing written into the lake.
//! docs/sql.md is the user's page; its list of queries is checked against DuckDB by
//! `tests/it/sql.rs`.
//!
//! Readings taken (the issue leaves them open):
//! - **Pseudonyms.** The lake holds `actor_id` pseudonyms, which no report or log of
//!   rallylens ever shows. The lake is the analyst's own public interface (docs/lake.md:
//!   DuckDB reads it as it is), so a query that selects `actor_id` is the analyst reading
//!   their own lake, like DuckDB would: `sql` prints what it is asked for. Its help and
//!   docs/sql.md say that results are for the analyst and belong in no report. Errors
//!   quote polars' message, which may quote values (a failed cast): it is redacted like
//!   every rallylens message (`Catalog::explain`).
//! - **The lake key** (`LAKE.key`, beside the lake) is never readable: only the manifest's
//!   part files and the metrics folder's `*.parquet` are tables, and polars' table
//!   functions that open any path (`read_parquet('…')`, `read_csv`, `read_ipc`,
//!   `read_json`) are refused before the query runs ([`refuse_file_functions`]).
//! - **Exit codes.** A query polars cannot run (syntax, unknown table or column,
//!   unsupported SQL) is a usage error, 2, like a bad flag value; a lake that cannot be
//!   read is 1.
//! - **One query per call.** The query comes from the argument, or, without one, from
//!   standard input when it is not a terminal (one statement; a trailing `;` is allowed),
//!   or from the prompt on a terminal ([`repl`]).

pub mod output;
pub mod repl;

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;
use polars::prelude::*;
use polars::sql::SQLContext;

use crate::cli::Usage;
pub use output::Format;

/// The lake's tables, in the order `.tables` lists them.
pub const LAKE_TABLES: [&str; 4] = ["posts", "actions", "traffic", "accounts"];

/// polars' table functions that read a file named in the query.
const FILE_FUNCTIONS: [&str; 4] = ["read_csv", "read_parquet", "read_ipc", "read_json"];

#[derive(Args, Debug)]
pub struct SqlArgs {
    /// The query, e.g. "SELECT platform, count(*) AS posts FROM posts GROUP BY platform"
    /// (or `.tables`, `.schema T`). Without it: a prompt on a terminal, else the query is
    /// read from standard input.
    #[arg(value_name = "QUERY", allow_hyphen_values = true)]
    pub query: Option<String>,
    /// The lake folder, or s3://BUCKET/PREFIX (docs/object-storage.md): its tables posts, actions, traffic and accounts.
    #[arg(long, value_name = "DIR|URL", display_order = 10)]
    pub lake: Option<PathBuf>,
    /// A run's metrics folder (OUT/metrics, or OUT itself): every metric table by its name.
    #[arg(long, value_name = "DIR", display_order = 11)]
    pub metrics: Option<PathBuf>,
    /// How to print the result (parquet needs --output).
    #[arg(long, value_enum, default_value_t = Format::Table, display_order = 12)]
    pub format: Format,
    /// Write the result to this file instead of stdout.
    #[arg(long, value_name = "FILE", display_order = 13)]
    pub output: Option<PathBuf>,
}

/// Where a table comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    Lake,
    Metrics(PathBuf),
}

/// The tables a query can name, registered in one polars SQL context.
pub struct Catalog {
    ctx: SQLContext,
    /// Every table, lake tables first, then metric tables by name.
    pub tables: Vec<(String, Source)>,
    has_lake: bool,
    has_metrics: bool,
}

/// A query polars could not plan or run: its message and a hint (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{message}\nhint: {hint}")]
pub struct QueryError {
    pub message: String,
    pub hint: String,
}

impl Catalog {
    /// Registers the lake's tables (when `lake` is given) and the metric tables (when
    /// `metrics` is given). At least one of the two is needed.
    pub fn open(lake: Option<&Path>, metrics: Option<&Path>) -> Result<Catalog> {
        if lake.is_none() && metrics.is_none() {
            return Err(Usage("sql needs --lake DIR, --metrics DIR, or both: there is no table to query".into()).into());
        }
        let ctx = SQLContext::new();
        let mut tables = Vec::new();
        if let Some(dir) = lake {
            // (A lake whose first commit was interrupted has only staging: Lake::open
            // finishes that commit.)
            if !dir.is_dir() || !crate::lake::exists(dir) && !dir.join(crate::lake::commit::STAGING).is_dir() {
                return Err(Usage(format!(
                    "--lake {}: not a rallylens lake (no _manifest.json); make one with `rallylens ingest FILES --lake {}`",
                    dir.display(),
                    dir.display()
                ))
                .into());
            }
            let l = crate::metrics::Lake::open(dir)?;
            for (name, lf) in LAKE_TABLES.into_iter().zip([l.posts, l.actions, l.traffic, l.accounts]) {
                ctx.register(name, lf);
                tables.push((name.to_string(), Source::Lake));
            }
        }
        if let Some(dir) = metrics {
            for (name, path) in metric_files(dir)? {
                if LAKE_TABLES.contains(&name.as_str()) && lake.is_some() {
                    if crate::say::level() >= 0 {
                        eprintln!("warning: {}: not registered, the lake's table of that name is", path.display());
                    }
                    continue;
                }
                let scan = LazyFrame::scan_parquet_files(
                    vec![PlRefPath::new(path.to_string_lossy().as_ref())].into(),
                    ScanArgsParquet::default(),
                )
                .map_err(|e| anyhow::anyhow!("scanning {}: {e}", path.display()))?;
                ctx.register(&name, scan);
                tables.push((name, Source::Metrics(path)));
            }
        }
        Ok(Catalog { ctx, tables, has_lake: lake.is_some(), has_metrics: metrics.is_some() })
    }

    /// The names of the tables, as `.tables` lists them (those made at the prompt last).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.tables.iter().map(|(n, _)| n.clone()).collect();
        for t in self.ctx.get_tables() {
            if !names.contains(&t) {
                names.push(t);
            }
        }
        names
    }

    /// Plans and runs one query (or a dot command, [`repl::Input`]) into a DataFrame.
    pub fn query(&mut self, sql: &str) -> Result<DataFrame> {
        match repl::parse_dot(sql.trim()) {
            Some(repl::Input::Tables) => return Ok(self.tables_frame()),
            Some(repl::Input::Schema(t)) => return self.schema_frame(&t),
            Some(repl::Input::Invalid(msg)) => return Err(Usage(msg).into()),
            Some(_) => return Err(Usage(format!("{sql}: only .tables and .schema T work outside the prompt")).into()),
            None => {}
        }
        let sql = sql.trim().trim_end_matches(';');
        if sql.trim().is_empty() {
            return Err(Usage("the query is empty".into()).into());
        }
        refuse_file_functions(sql).map_err(|e| self.explain(e))?;
        let lf = self.ctx.execute(sql).map_err(|e| self.explain(e))?;
        let mut df = lf.collect().map_err(|e| self.explain(e))?;
        df.rechunk_mut_par();
        Ok(df)
    }

    /// `.tables`: name and where each table comes from (`session`: made by a
    /// `CREATE TABLE` at the prompt).
    pub fn tables_frame(&self) -> DataFrame {
        let names = self.names();
        let from: Vec<String> = names
            .iter()
            .map(|n| match self.tables.iter().find(|(t, _)| t == n).map(|(_, s)| s) {
                Some(Source::Lake) => "lake".to_string(),
                Some(Source::Metrics(p)) => p.display().to_string(),
                None => "session".to_string(),
            })
            .collect();
        DataFrame::new_infer_height(vec![Column::new("table".into(), names), Column::new("source".into(), from)])
            .expect("two columns of one length")
    }

    /// `.schema T`: every column of table `T` and its type.
    pub fn schema_frame(&mut self, table: &str) -> Result<DataFrame> {
        if !self.ctx.get_tables().iter().any(|t| t == table) {
            return Err(Usage(format!("no table '{table}'; {}", self.tables_hint())).into());
        }
        let quoted = format!("SELECT * FROM \"{}\"", table.replace('"', "\"\""));
        let schema = self.ctx.execute(&quoted).and_then(|mut lf| lf.collect_schema()).map_err(|e| self.explain(e))?;
        let names: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
        let types: Vec<String> = schema.iter_fields().map(|f| f.dtype().to_string()).collect();
        Ok(DataFrame::new_infer_height(vec![Column::new("column".into(), names), Column::new("type".into(), types)])
            .expect("two columns of one length"))
    }

    /// "the tables are: …", and which flag brings the others.
    fn tables_hint(&self) -> String {
        let mut s = if self.tables.is_empty() {
            "there are no tables".to_string()
        } else {
            format!("the tables are: {}", self.names().join(", "))
        };
        if !self.has_lake {
            s.push_str(" (--lake DIR adds posts, actions, traffic, accounts)");
        } else if !self.has_metrics {
            s.push_str(" (--metrics DIR adds the metric tables)");
        }
        s
    }

    /// polars' message (its first line: the failed plan or the parsed statement follow
    /// with -v) and a hint.
    ///
    /// The message goes through [`crate::privacy::redact`] like every rallylens message: a
    /// cast error quotes the values it could not convert, and a pseudonym (32 hex digits)
    /// or an e-mail shape among them becomes `<hex>` / `<e-mail>`.
    fn explain(&self, e: PolarsError) -> anyhow::Error {
        let full = crate::privacy::redact(&e.to_string()).into_owned();
        let mut lines = full.lines();
        let mut first = lines.next().unwrap_or_default().trim_end().to_string();
        // "statement type is not supported:\nInsert(Insert { …": name the statement.
        if first.ends_with(':') {
            let kind: String = lines.next().unwrap_or_default().chars().take_while(|c| c.is_alphanumeric()).collect();
            first = format!("{} {kind}", first.trim_end_matches(':')).trim_end().to_string();
        }
        let message = if crate::say::verbose() || first.len() == full.trim_end().len() {
            full.trim_end().to_string()
        } else {
            format!("{first} (-v shows polars' whole message)")
        };
        let hint = hint_for(&full, &self.tables_hint());
        anyhow::Error::new(QueryError { message, hint }).context(Usage("the query failed".into()))
    }
}

/// The hint after polars' message: which tables exist, where to look, what to try.
fn hint_for(message: &str, tables: &str) -> String {
    let m = message.to_ascii_lowercase();
    if m.contains("was not found") && m.contains("relation") {
        tables.to_string()
    } else if m.contains("file function") {
        "name a table instead; to read other files, open them in DuckDB or polars directly".into()
    } else if m.contains("unable to find column") || m.contains("not found") {
        "`.schema TABLE` lists a table's columns (rallylens sql '.schema posts' --lake DIR)".into()
    } else if m.contains("not supported")
        || m.contains("not currently supported")
        || m.contains("unsupported")
        || m.contains("not yet implemented")
        || m.contains("not implemented")
    {
        "polars SQL does not support this; docs/sql.md lists what it lacks and how to write it \
         another way (or open the lake in DuckDB, docs/lake.md)"
            .into()
    } else if m.contains("sql parser error") || m.contains("expected") {
        "check the syntax: strings in 'single quotes', names in \"double quotes\", one statement per query".into()
    } else {
        format!("docs/sql.md shows queries that work; {tables}")
    }
}

/// Refuses polars' table functions that open a file named in the query (`read_parquet(…)`
/// and the like): `sql` reads the lake's and the metrics folder's tables only, so no query
/// can reach the lake key or any other file.
pub fn refuse_file_functions(sql: &str) -> PolarsResult<()> {
    // A query polars cannot parse fails in `execute` with polars' own message.
    let Ok(names) = polars::sql::extract_table_identifiers(sql, false, true) else { return Ok(()) };
    if let Some(f) = names.iter().find(|n| FILE_FUNCTIONS.contains(&n.to_ascii_lowercase().as_str())) {
        polars_bail!(SQLInterface: "{f}: rallylens sql does not read files named in a query (file functions are off)");
    }
    Ok(())
}

/// The metric tables of `dir`: `dir/metrics/*.parquet` when that folder exists (a run's
/// output folder), else `dir/*.parquet`; sorted by name.
pub fn metric_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    if !dir.is_dir() {
        return Err(Usage(format!("--metrics {}: no such folder", dir.display())).into());
    }
    let base = if dir.join("metrics").is_dir() { dir.join("metrics") } else { dir.to_path_buf() };
    let mut out = Vec::new();
    for e in std::fs::read_dir(&base).with_context(|| format!("reading {}", base.display()))? {
        let p = e?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(stem) = name.strip_suffix(".parquet") {
            if p.is_file() && !stem.is_empty() && !stem.starts_with('.') {
                out.push((stem.to_string(), p.clone()));
            }
        }
    }
    if out.is_empty() {
        return Err(Usage(format!(
            "--metrics {}: no metric tables (*.parquet) in {}; `rallylens analyze` or `run` writes them",
            dir.display(),
            base.display()
        ))
        .into());
    }
    out.sort();
    Ok(out)
}

/// `rallylens sql`.
pub fn cmd(a: SqlArgs, quiet: bool) -> Result<()> {
    if a.format == Format::Parquet && a.output.is_none() {
        return Err(Usage("--format parquet needs --output FILE (Parquet is not for a terminal)".into()).into());
    }
    // A lake at a URL is read from its copy in the local cache (crate::lake::store).
    let opened = a.lake.as_deref().map(|l| crate::cli::open_lake(l, None, false, None, quiet)).transpose()?;
    let mut cat = Catalog::open(opened.as_ref().map(|o| o.dir()), a.metrics.as_deref())?;
    let query = match a.query {
        Some(q) => q,
        None if std::io::stdin().is_terminal() && a.output.is_none() => return repl::run(&mut cat, a.format),
        None if std::io::stdin().is_terminal() => {
            return Err(Usage("--output needs the query (as an argument or on standard input)".into()).into())
        }
        None => {
            let mut q = String::new();
            std::io::stdin().read_to_string(&mut q).context("reading the query from standard input")?;
            q
        }
    };
    let spinner = output::spinner(quiet);
    let t = std::time::Instant::now();
    let df = cat.query(&query);
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    let df = df?;
    output::write(&df, a.format, a.output.as_deref())?;
    if !quiet && (a.output.is_some() || crate::say::verbose()) {
        eprintln!(
            "sql: {} rows, {} columns in {:.2} s{}",
            crate::support::thousands(df.height() as u64),
            df.width(),
            t.elapsed().as_secs_f64(),
            a.output.as_deref().map(|p| format!(" -> {}", p.display())).unwrap_or_default()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_functions_are_refused_whatever_their_case() {
        for q in [
            "SELECT * FROM read_parquet('lake.key')",
            "select * from READ_CSV('/etc/passwd')",
            "SELECT a.* FROM posts p JOIN read_json('x') a ON true",
        ] {
            let e = refuse_file_functions(q).unwrap_err().to_string();
            assert!(e.contains("file functions are off"), "{q}: {e}");
        }
        refuse_file_functions("SELECT * FROM posts WHERE text = 'read_parquet'").unwrap();
    }

    #[test]
    fn messages_never_show_a_pseudonym() {
        let cat = Catalog { ctx: SQLContext::new(), tables: vec![], has_lake: true, has_metrics: true };
        let pseudonym = "0123456789abcdef0123456789abcdef";
        let e = cat.explain(PolarsError::InvalidOperation(
            format!("conversion from `str` to `i32` failed in column 'actor_id' for 1 out of 1 values: [\"{pseudonym}\"]")
                .into(),
        ));
        let msg = format!("{e:#}");
        assert!(msg.contains("column 'actor_id'") && msg.contains("<hex>") && !msg.contains(pseudonym), "{msg}");
    }

    #[test]
    fn hints_name_the_tables_or_the_docs() {
        let t = "the tables are: posts, actions";
        assert_eq!(hint_for("relation 'nosuch' was not found", t), t);
        assert!(hint_for("unable to find column \"nope\"; valid columns: [..]", t).contains(".schema"));
        assert!(hint_for("statement type is not supported: Insert", t).contains("docs/sql.md"));
        assert!(hint_for("expression AtTimeZone { .. } is not currently supported", t).contains("does not support"));
        assert!(hint_for("sql parser error: Expected: end of statement, found: x", t).contains("syntax"));
    }

    #[test]
    fn a_query_runs_over_registered_tables_and_a_missing_table_names_the_others() {
        let ctx = SQLContext::new();
        let df = df!("platform" => ["twitter", "facebook", "twitter"], "reach" => [Some(5i64), None, Some(7)]).unwrap();
        ctx.register("posts", df.lazy());
        let mut cat = Catalog { ctx, tables: vec![("posts".into(), Source::Lake)], has_lake: true, has_metrics: false };
        // twitter: 5 + 7 = 12 over 2 posts; facebook: its only reach is null, so the sum is null.
        let out = cat
            .query(
                "SELECT platform, count(*) AS n, sum(reach) AS reach FROM posts GROUP BY platform ORDER BY platform;",
            )
            .unwrap();
        assert_eq!(output::to_string(&out, Format::Csv).unwrap(), "platform,n,reach\nfacebook,1,\ntwitter,2,12\n");
        let e = cat.query("SELECT * FROM nosuch").unwrap_err();
        let msg = format!("{e:#}");
        assert!(msg.contains("'nosuch' was not found") && msg.contains("the tables are: posts"), "{msg}");
        assert!(msg.contains("--metrics DIR adds"), "{msg}");
        assert!(e.downcast_ref::<Usage>().is_some(), "a bad query is a usage error (exit 2)");
        let schema = cat.query(".schema posts").unwrap();
        assert_eq!(output::to_string(&schema, Format::Csv).unwrap(), "column,type\nplatform,str\nreach,i64\n");
    }
}
