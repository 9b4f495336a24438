//! Test helpers shared by the adapters' unit tests: run an adapter on a file in memory,
//! score its detector on a file.

use std::path::Path;

use crate::ingest::{collect, Adapter, Collected, Ctx, FileError, Input, Probe};
use crate::pseudo::Pseudonymizer;

/// The real samples (`tests/fixtures/real/`) and this repo's fixtures.
pub const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/");
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");

/// Runs `adapter` on `path` with default settings, after `set` adjusts the context.
pub fn collect_with(
    adapter: &dyn Adapter,
    path: impl AsRef<Path>,
    set: impl FnOnce(&mut Ctx),
) -> Result<Collected, FileError> {
    let path = path.as_ref();
    let key = Pseudonymizer::from_key(b"0123456789abcdef");
    let mut cx = Ctx::new(path.to_string_lossy(), &key);
    set(&mut cx);
    collect(adapter, &Input::new(path), &cx)
}

/// Runs `adapter` on `bytes`, written to a temporary file `input.<ext>`, after `set`
/// adjusts the context.
pub fn collect_bytes(
    adapter: &dyn Adapter,
    bytes: &[u8],
    ext: &str,
    set: impl FnOnce(&mut Ctx),
) -> Result<Collected, FileError> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join(format!("input.{ext}"));
    std::fs::write(&path, bytes).expect("write the input");
    collect_with(adapter, &path, set)
}

/// Runs `adapter` on `path` with default settings.
pub fn collect_path(adapter: &dyn Adapter, path: impl AsRef<Path>) -> Result<Collected, FileError> {
    collect_with(adapter, path, |_| {})
}

/// The detector's score for the file or folder at `path`.
pub fn score(adapter: &dyn Adapter, path: impl AsRef<Path>) -> u8 {
    let p = path.as_ref();
    let (is_dir, head, entries) = super::probe_input(p).expect("probe");
    adapter.detect(&Probe { path: p, is_dir, head: &head, entries: &entries })
}

/// Helpers of the supporter-export adapters' tests (actions CSV, Action Network, custom CSV).
pub mod actions {
    use crate::ingest::{collect, Adapter, Collected, Ctx, FileError, Input, Probe};
    use crate::pseudo::Pseudonymizer;

    pub(crate) fn fixture(rel: &str) -> Input {
        Input::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/").to_string() + rel)
    }
    pub(crate) fn sample(rel: &str) -> std::path::PathBuf {
        std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/real/").to_string() + rel)
    }
    pub(crate) fn key() -> Pseudonymizer {
        Pseudonymizer::from_key(b"rallylens-test-key-0123456789")
    }
    /// Runs the detector of `a` on a file.
    pub(crate) fn detect_file(a: &dyn Adapter, path: &std::path::Path) -> u8 {
        let (is_dir, head, entries) = crate::ingest::probe_input(path).unwrap();
        a.detect(&Probe { path, is_dir, head: &head, entries: &entries })
    }
    /// Samples of formats that are not supporter actions.
    pub(crate) const OTHER_SAMPLES: &[&str] = &[
        "twitter-csv/brexit.csv",
        "twitter-csv/small_sample_2021.csv",
        "twitter-csv/users.csv",
        "twitter-v2-jsonl/two_tweets.jsonl",
        "twitter-v1-json/get_search.json",
        "twitter-analytics-csv/tweet_activity_metrics_TCORSStgOrg_20170401_20170408_en.csv",
        "facebook-insights-csv/Facebook Insights Data Export (Post Level) - USC Clinical Trials - 2017-01-19.csv",
        "facebook-graph-json/v2_6-post-with-reactions.json",
        "instagram-graph-json/instagram-media-image.json",
        "ua-csv/google-metrics-all.csv",
        "ga4-source-categories/ga4_source_categories.csv",
        "custom-csv/dataset_Facebook.csv",
    ];
    /// Everything an adapter produced, as text, to search for personal data. The ingest
    /// time is left out: a clock reading's digits can contain a needle (a zip code) by chance.
    pub(crate) fn debug_all(got: &Collected) -> String {
        let mut actions = got.actions.clone();
        actions.iter_mut().for_each(|a| a.ingested_at = None);
        let mut posts = got.posts.clone();
        posts.iter_mut().for_each(|p| p.ingested_at = None);
        format!("{:?}\n{:?}\n{:?}\n{:?}\n{:?}", actions, posts, got.accounts, got.rejects, got.warnings)
    }

    /// Runs `a` over `text` written to a temporary `name`, with `action` as `--action`.
    pub(crate) fn collect_text(
        a: &dyn Adapter,
        name: &str,
        text: &str,
        action: Option<&str>,
    ) -> Result<Collected, FileError> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(name);
        std::fs::write(&p, text).unwrap();
        let pseudo = key();
        let mut cx = Ctx::new(name, &pseudo);
        // Through the adapter's own options parser, as the driver does.
        let mut raw = crate::ingest::options::RawOptions::new();
        if let Some(v) = action {
            raw.insert("action".into(), v.into());
        }
        cx.options = a.parse_options(&raw).unwrap();
        collect(a, &Input::new(&p), &cx)
    }
}

/// Helpers of the Twitter adapters' tests (v2 JSON Lines, CSV).
pub mod twitter {
    use crate::ingest::common::util;
    use crate::ingest::{collect, probe_input, Adapter, Collected, Ctx, Input, Probe};
    use crate::model::Day;
    use crate::pseudo::Pseudonymizer;

    pub(crate) fn sample(rel: &str) -> String {
        format!("{}/tests/fixtures/real/{rel}", env!("CARGO_MANIFEST_DIR"))
    }

    pub(crate) fn run(adapter: &dyn Adapter, path: &str) -> Collected {
        let pseudo = Pseudonymizer::from_key(b"0123456789abcdef");
        let cx = Ctx::new(path, &pseudo);
        collect(adapter, &Input::new(path), &cx).unwrap_or_else(|e| panic!("{e}"))
    }

    pub(crate) fn day(y: i32, m: u32, d: u32) -> Day {
        Day::from_naive(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    pub(crate) fn detect_file(adapter: &dyn Adapter, path: &str) -> u8 {
        let (is_dir, head, entries) = probe_input(std::path::Path::new(path)).unwrap();
        adapter.detect(&Probe { path: std::path::Path::new(path), is_dir, head: &head, entries: &entries })
    }

    /// Inputs of the other formats: their real samples, and the fixtures of the other
    /// adapters (files, and the folders that are one input, like a Twitter archive).
    pub(crate) fn other_inputs(own: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(sample("")).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() && !own.contains(&name.as_str()) && name != "licenses" {
                let mut files = Vec::new();
                util::walk_rel(&e.path(), &e.path(), &mut files, 4);
                out.extend(files.iter().map(|f| e.path().join(f).to_string_lossy().into_owned()));
            }
        }
        let fixtures = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
        for e in std::fs::read_dir(&fixtures).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if own.contains(&name.as_str()) || name == "real" {
                continue;
            }
            let mut files = Vec::new();
            util::walk_rel(&e.path(), &e.path(), &mut files, 6);
            out.extend(files.iter().map(|f| e.path().join(f).to_string_lossy().into_owned()));
            for d in std::fs::read_dir(e.path()).unwrap().flatten() {
                if d.path().is_dir() {
                    out.push(d.path().to_string_lossy().into_owned());
                }
            }
        }
        out
    }

    /// The format the whole registry picks for an input.
    pub(crate) fn detected(path: &str) -> Option<&'static str> {
        let (is_dir, head, entries) = probe_input(std::path::Path::new(path)).unwrap();
        crate::ingest::detect(&Probe { path: std::path::Path::new(path), is_dir, head: &head, entries: &entries })
            .map(|(a, _)| a.name())
    }
}
