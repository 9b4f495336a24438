//! `plausible-csv`: Plausible Analytics' CSV export: the zip (read in place), its unpacked
//! folder, or a single `imported_sources*.csv`. Traffic comes from `imported_sources` only.
//!
//! Readings to keep:
//! - `imported_visitors` (daily totals) is never read: it would count sessions twice.
//! - `date` and `visits` required; `referrer`, `utm_source`, `pageviews` null when absent.
//! - `source` = Plausible's source name, else `utm_source`; medium/campaign from `utm_*`.
//! - `sessions` = visits, `users` = visitors; `site` = the domain in the zip's/folder's name.
//! - Rows differing only in utm_content/utm_term/(named) utm_source are summed, with a warning.
//! - Other tables skipped with one warning; a lone other table as input is a warning, not an error.
//!
//! User docs: docs/formats.md#plausible-csv.

use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;

use crate::ingest::common::channel::channel;
use crate::ingest::common::columns::{self, Want};
use crate::ingest::common::traffic::{check_date, raw_line, row_counts, Rollup};
use crate::ingest::common::util::walk_rel;
use crate::ingest::{Adapter, Ctx, FileError, Input, Out, Probe, Reject, Writes};
use crate::model::Traffic;

pub struct PlausibleCsv;

pub static ADAPTER: PlausibleCsv = PlausibleCsv;

impl Adapter for PlausibleCsv {
    fn name(&self) -> &'static str {
        "plausible-csv"
    }

    fn about(&self) -> &'static str {
        "Plausible export zip <domain>_<YYYYMMDD>.zip (or its imported_sources_*.csv): visits per day and source"
    }

    fn writes(&self) -> Writes {
        Writes::Traffic
    }

    fn detect(&self, probe: &Probe) -> u8 {
        if !probe.entries.is_empty() {
            // Only a zip or folder that is a Plausible export (nothing but its tables): a folder
            // of mixed exports must be read file by file, not swallowed whole.
            let names: Vec<String> =
                probe.entries.iter().filter(|e| !is_clutter(e)).map(|e| base_name(e).to_lowercase()).collect();
            return if !names.iter().all(|n| is_table(n, "imported_")) {
                0
            } else if names.iter().any(|n| is_table(n, "imported_sources")) {
                95
            } else {
                50
            };
        }
        let cols: Vec<String> =
            probe.first_line().split(',').map(|c| c.trim().trim_matches('"').to_ascii_lowercase()).collect();
        let has = |n: &str| cols.iter().any(|c| c == n);
        if has("date") && has("visits") && has("visit_duration") && has("bounces") && has("utm_medium") {
            90
        } else if cols.first().is_some_and(|c| c == "date")
            && has("visitors")
            && probe.file_name().starts_with("imported_")
        {
            50
        } else {
            0
        }
    }

    fn read(&self, input: &Input, cx: &Ctx, out: &mut dyn Out) -> Result<(), FileError> {
        let mut rollup = Rollup::default();
        let mut skipped = Vec::new();
        if input.path.is_dir() {
            let site = site_of(&input.path);
            let mut entries = Vec::new();
            walk_rel(&input.path, &input.path, &mut entries, 1);
            entries.sort();
            let sources = split_tables(&entries, &mut skipped);
            if sources.is_empty() {
                return Err(no_sources(cx, "folder", &entries));
            }
            for e in sources {
                let path = input.path.join(&e);
                let bytes = std::fs::read(&path).map_err(|err| cx.err(format!("{e}: cannot read: {err}")))?;
                read_sources(&bytes, Some(&e), site.as_deref(), cx, out, &mut rollup)?;
            }
        } else if is_zip(input)? {
            let site = site_of(&input.path);
            let mut zip =
                zip::ZipArchive::new(input.open()?).map_err(|e| cx.err(format!("not a readable zip archive: {e}")))?;
            let mut entries: Vec<String> = zip.file_names().map(str::to_string).collect();
            entries.sort();
            let sources = split_tables(&entries, &mut skipped);
            if sources.is_empty() {
                return Err(no_sources(cx, "zip", &entries));
            }
            for e in sources {
                let bytes = crate::ingest::common::limits::read_zip_member(&mut zip, &e, &cx.source_file)?;
                read_sources(&bytes, Some(&e), site.as_deref(), cx, out, &mut rollup)?;
            }
        } else {
            let name = input.path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
            if name.starts_with("imported_") && !name.starts_with("imported_sources") {
                out.warn(format!(
                    "{}: skipped: only imported_sources holds traffic by source (docs/formats.md#plausible-csv); this \
                     table would count the same visits again",
                    cx.source_file
                ));
                return Ok(());
            }
            read_sources(&input.read_all()?, None, None, cx, out, &mut rollup)?;
        }
        if !skipped.is_empty() {
            out.warn(format!(
                "{}: skipped {} other table(s) ({}): traffic comes from imported_sources only \
                 (docs/formats.md#plausible-csv)",
                cx.source_file,
                skipped.len(),
                skipped.join(", ")
            ));
        }
        rollup.emit(cx, out);
        Ok(())
    }
}

fn is_zip(input: &Input) -> Result<bool, FileError> {
    let mut magic = [0u8; 4];
    let n = input.open()?.read(&mut magic).map_err(|e| FileError::io(&input.display, &e))?;
    Ok(n == 4 && &magic == b"PK\x03\x04")
}

/// Zip folder entries and what macOS adds when it re-zips (`__MACOSX/`, `.DS_Store`).
fn is_clutter(entry: &str) -> bool {
    entry.ends_with('/') || entry.starts_with("__MACOSX/") || base_name(entry).starts_with('.')
}

fn base_name(entry: &str) -> &str {
    entry.rsplit('/').next().unwrap_or(entry)
}

/// `imported_sources_20240101_20240131.csv`, `imported_sources.csv` (no range) for `prefix`
/// `imported_sources`.
fn is_table(name: &str, prefix: &str) -> bool {
    name.starts_with(prefix) && name.ends_with(".csv")
}

/// The `imported_sources` entries; the names of the other tables go to `skipped`.
fn split_tables(entries: &[String], skipped: &mut Vec<String>) -> Vec<String> {
    let mut sources = Vec::new();
    for e in entries {
        let n = base_name(e).to_lowercase();
        if is_table(&n, "imported_sources") {
            sources.push(e.clone());
        } else if is_table(&n, "imported_") {
            let table = n.trim_end_matches(".csv").trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
            skipped.push(table.to_string());
        }
    }
    sources
}

fn no_sources(cx: &Ctx, what: &str, entries: &[String]) -> FileError {
    cx.err(format!(
        "no imported_sources_*.csv in this {what} (a Plausible export holds one); its entries are: {}",
        entries.join(", ")
    ))
}

/// The site's domain from `plausible_io_20241231.zip` (Plausible writes the domain's dots as
/// underscores) or a folder of that name; `None` for other names.
fn site_of(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    let stem = name.strip_suffix(".zip").unwrap_or(&name);
    let (domain, date) = stem.rsplit_once('_')?;
    (date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) && !domain.is_empty())
        .then(|| domain.replace('_', "."))
}

/// One `imported_sources` CSV; `entry` names it inside a zip or folder (for messages).
fn read_sources(
    bytes: &[u8],
    entry: Option<&str>,
    site: Option<&str>,
    cx: &Ctx,
    out: &mut dyn Out,
    rollup: &mut Rollup,
) -> Result<(), FileError> {
    let within = |msg: String| match entry {
        Some(e) => format!("{e}: {msg}"),
        None => msg,
    };
    let name = match entry {
        Some(e) => format!("{}/{e}", cx.source_file),
        None => cx.source_file.clone(),
    };
    let text = crate::ingest::common::encoding::csv_text(bytes, &name, out)
        .map_err(|e| crate::ingest::FileError { line: e.line, ..cx.err(within(e.msg)) })?;
    let lines: Vec<&str> = text.lines().collect();
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| cx.err_at(1, "(header)", within(format!("unreadable CSV header: {e}"))))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |n: &str| header.iter().position(|h| h == n);
    let required = |n: &str| {
        col(n).ok_or_else(|| {
            cx.err_at(1, n, within(format!("missing column '{n}'; {}", crate::privacy::plain_header(&header))))
        })
    };
    let (date_col, visits_col) = (required("date")?, required("visits")?);
    let (source_col, referrer_col, utm_source_col) = (col("source"), col("referrer"), col("utm_source"));
    let (medium_col, campaign_col) = (col("utm_medium"), col("utm_campaign"));
    let (visitors_col, pageviews_col) = (col("visitors"), col("pageviews"));
    // Older exports lack referrer, utm_source and pageviews: only a near-miss is warned about.
    let (always, maybe) = (Want::always, Want::maybe);
    let wants = [
        always(&["source"], source_col),
        always(&["utm_medium"], medium_col),
        always(&["utm_campaign"], campaign_col),
        always(&["visitors"], visitors_col),
        maybe(&["referrer"], referrer_col),
        maybe(&["utm_source"], utm_source_col),
        maybe(&["pageviews"], pageviews_col),
    ];
    let shown = match entry {
        Some(e) => format!("{}: {e}", cx.source_file),
        None => cx.source_file.clone(),
    };
    if let Some(w) = columns::check(&shown, 1, "plausible-csv", &header, &wants, &[date_col, visits_col]) {
        out.warning(w);
    }
    for rec in rdr.records() {
        let rec = rec.map_err(|e| cx.err(within(format!("unreadable CSV: {e}"))))?;
        let line = rec.position().map_or(0, |p| p.line());
        out.rows(1);
        let cell = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::trim).filter(|s| !s.is_empty());
        let reject = |out: &mut dyn Out, field: &str, error: String| {
            out.reject(Reject { line, field: field.to_string(), error: within(error), raw: raw_line(&lines, line) })
        };
        let date = cell(Some(date_col)).unwrap_or("");
        let day = match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            Ok(d) => check_date(d),
            Err(_) => Err(format!("expected a date like 2024-03-01, found '{date}'")),
        };
        let day = match day {
            Ok(d) => d,
            Err(e) => {
                reject(out, "date", e);
                continue;
            }
        };
        let [sessions, users, pageviews] =
            match row_counts(|c| cell(Some(c)), [Some(visits_col), visitors_col, pageviews_col], &[]) {
                Ok(counts) => counts,
                Err((c, e)) => {
                    reject(out, &header[c], e);
                    continue;
                }
            };
        let source = cell(source_col).or(cell(utm_source_col)).map(str::to_string);
        let medium = cell(medium_col).map(str::to_string);
        let referrer = cell(referrer_col).map(str::to_string);
        if let Err(e) = rollup.add(Traffic {
            platform: "web".into(),
            date_start: Some(day),
            date_end: Some(day),
            site: site.map(str::to_string),
            channel: channel(source.as_deref(), medium.as_deref(), referrer.as_deref()),
            source,
            medium,
            referrer,
            campaign_tag: cell(campaign_col).map(str::to_string),
            sessions,
            users,
            pageviews,
            ..Default::default()
        }) {
            reject(out, &header[visits_col], e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::ingest::testkit::{collect_path, score, FIXTURES, SAMPLES};
    use crate::ingest::Collected;
    use crate::model::Day;

    fn run(path: &Path) -> Result<Collected, FileError> {
        collect_path(&ADAPTER, path)
    }

    fn day(s: &str) -> Option<Day> {
        Some(Day::from_naive(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()))
    }

    const TABLES: [&str; 3] = [
        "imported_sources_20240301_20240302.csv",
        "imported_visitors_20240301_20240302.csv",
        "imported_pages_20240301_20240302.csv",
    ];

    /// A Plausible export zip of the three fixture tables, named like Plausible names it.
    fn export_zip(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("example_org_20240303.zip");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        // A folder entry, as zip tools that archive a folder write it.
        z.add_directory("example_org_20240303/", zip::write::SimpleFileOptions::default()).unwrap();
        for t in TABLES {
            z.start_file(format!("example_org_20240303/{t}"), zip::write::SimpleFileOptions::default()).unwrap();
            z.write_all(&std::fs::read(format!("{FIXTURES}plausible-csv/{t}")).unwrap()).unwrap();
        }
        z.finish().unwrap();
        path
    }

    /// The rows of tests/fixtures/plausible-csv/imported_sources_20240301_20240302.csv, whichever
    /// way they came in.
    fn check_sources(got: &Collected, site: Option<&str>) {
        // 12 data rows: 2 rejected (line 11: visits "many"; line 12: date 2024-13-01), and the
        // spring_appeal rows of lines 4 and 5 differ only in utm_content: 9 traffic rows.
        assert_eq!(got.rows, 12);
        let rj: Vec<(u64, &str)> = got.rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
        assert_eq!(rj, vec![(11, "visits"), (12, "date")]);
        assert!(got.rejects[0].error.contains("'many'"), "{}", got.rejects[0].error);
        assert_eq!(got.traffic.len(), 9);
        assert!(got.traffic.iter().all(|t| t.site.as_deref() == site && t.platform == "web"));
        let of = |ch: &str| got.traffic.iter().filter(|t| t.channel == ch).collect::<Vec<_>>();
        // Direct: both days' empty-source rows, 26 + 24 visits, 25 + 22 visitors.
        let direct = of("direct");
        assert_eq!(direct.len(), 2);
        assert_eq!(
            direct.iter().map(|t| (t.sessions.unwrap(), t.users.unwrap())).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)),
            (50, 47)
        );
        assert!(direct.iter().all(|t| t.source.is_none() && t.referrer.is_none()));
        // Facebook on 2024-03-01: the l.facebook.com referral (10 visits) and the tagged
        // spring_appeal posts, 4 + 2 visits, 5 + 3 pageviews, 4 + 2 visitors, summed.
        let fb = of("facebook");
        assert_eq!(fb.len(), 2);
        let tagged = fb.iter().find(|t| t.campaign_tag.is_some()).unwrap();
        assert_eq!(
            (tagged.campaign_tag.as_deref(), tagged.medium.as_deref(), tagged.sessions, tagged.pageviews, tagged.users),
            (Some("spring_appeal"), Some("social"), Some(6), Some(8), Some(6))
        );
        assert!(got.warnings.iter().any(|w| w.contains("1 row(s) repeated")), "{:?}", got.warnings);
        let referral = fb.iter().find(|t| t.campaign_tag.is_none()).unwrap();
        assert_eq!(
            (referral.referrer.as_deref(), referral.sessions, referral.date_start),
            (Some("https://l.facebook.com/"), Some(10), day("2024-03-01"))
        );
        // Twitter via t.co, 6 visits on 2024-03-02; the newsletter is e-mail (utm_medium email).
        assert_eq!(
            of("twitter").iter().map(|t| (t.sessions, t.date_end)).collect::<Vec<_>>(),
            vec![(Some(6), day("2024-03-02"))]
        );
        assert_eq!(of("email")[0].sessions, Some(7));
        assert_eq!(of("search").iter().map(|t| t.sessions.unwrap()).sum::<i64>(), 22);
        assert_eq!(of("other_social")[0].source.as_deref(), Some("Hacker News"));
        assert_eq!(of("referral")[0].source.as_deref(), Some("example.net"));
        // 26+10+6+22 (03-01) + 6+7+3+4+24 (03-02) = 108 visits in the 9 rows.
        assert_eq!(got.traffic.iter().map(|t| t.sessions.unwrap()).sum::<i64>(), 108);
    }

    #[test]
    fn single_imported_sources_csv() {
        let got = run(Path::new(&format!("{FIXTURES}plausible-csv/imported_sources_20240301_20240302.csv"))).unwrap();
        check_sources(&got, None);
    }

    #[test]
    fn export_zip_read_directly() {
        let dir = tempfile::tempdir().unwrap();
        let zip = export_zip(dir.path());
        let got = run(&zip).unwrap();
        check_sources(&got, Some("example.org"));
        assert!(
            got.warnings.iter().any(|w| w.contains("skipped 2 other table(s) (imported_pages, imported_visitors)")),
            "{:?}",
            got.warnings
        );
        // Rejects in a zip name the entry.
        assert!(got.rejects[0].error.starts_with("example_org_20240303/imported_sources_20240301_20240302.csv: "));
        assert_eq!(score(&ADAPTER, &zip), 95);
    }

    #[test]
    fn unpacked_export_folder() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("example_org_20240303");
        std::fs::create_dir(&folder).unwrap();
        for t in TABLES {
            std::fs::copy(format!("{FIXTURES}plausible-csv/{t}"), folder.join(t)).unwrap();
        }
        let got = run(&folder).unwrap();
        check_sources(&got, Some("example.org"));
        assert_eq!(score(&ADAPTER, &folder), 95);
        // A folder that also holds another export is not one Plausible input: the driver
        // then reads its files one by one.
        std::fs::copy(format!("{SAMPLES}ua-csv/google-metrics-all.csv"), folder.join("google-metrics-all.csv")).unwrap();
        assert_eq!(score(&ADAPTER, &folder), 0);
    }

    #[test]
    fn older_layout_without_referrer_and_pageviews() {
        // The column set of Plausible's importer tests (no referrer, utm_source, pageviews):
        // 3 rows, pageviews null, Google / organic is search.
        let got = run(Path::new(&format!("{FIXTURES}plausible-csv/imported_sources_old_layout.csv"))).unwrap();
        assert_eq!((got.rows, got.traffic.len()), (3, 3));
        assert!(got.traffic.iter().all(|t| t.pageviews.is_none() && t.referrer.is_none()));
        let google = got.traffic.iter().find(|t| t.source.as_deref() == Some("Google")).unwrap();
        assert_eq!((google.channel, google.sessions, google.users), ("search", Some(22), Some(20)));
        assert_eq!(got.traffic.iter().find(|t| t.source.is_none()).unwrap().channel, "direct");
    }

    #[test]
    fn other_tables_alone_are_skipped_and_missing_visits_is_an_error() {
        let got = run(Path::new(&format!("{FIXTURES}plausible-csv/imported_visitors_20240301_20240302.csv"))).unwrap();
        assert!(got.traffic.is_empty() && got.rows == 0);
        assert!(got.warnings[0].contains("only imported_sources"), "{:?}", got.warnings);
        assert_eq!(score(&ADAPTER, format!("{FIXTURES}plausible-csv/imported_visitors_20240301_20240302.csv")), 50);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("imported_sources_20240301_20240301.csv");
        std::fs::write(&p, "\"date\",\"source\",\"visitors\"\n\"2024-03-01\",\"Google\",3\n").unwrap();
        let e = run(&p).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("visits"));
        assert!(e.msg.contains("missing column 'visits'; the file's columns are: date, source, visitors"), "{e}");
    }

    #[test]
    fn detection() {
        assert_eq!(score(&ADAPTER, format!("{FIXTURES}plausible-csv/imported_sources_20240301_20240302.csv")), 90);
        assert_eq!(site_of(Path::new("/x/plausible_io_20241231.zip")).as_deref(), Some("plausible.io"));
        assert_eq!(site_of(Path::new("export.zip")), None);
    }
}
