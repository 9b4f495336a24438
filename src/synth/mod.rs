//! `rallylens synth`: a deterministic generator of realistic exports for the two demo
//! campaigns ([`kenya`], [`shell`]), in the real formats of docs/formats.md, so that
//! `pipelines/kenya_vs_shell.toml` has data for every metric.
//!
//! Decisions to keep:
//! - Every file is one entry of [`EXPORTS`] (path, expected format, writer).
//! - Each file has its own random stream seeded from `--seed` and its path: no order
//!   dependence between files.
//! - Shared people and posts are pure functions of seed and index: bounded memory at any
//!   `--scale`.
//! - No wall clock, no hash-map iteration: same arguments, same bytes (`data/` is checked).
//!
//! User docs: README.md#demo-data-rallylens-synth.

pub mod action_network_csv;
pub mod actions_csv;
pub mod facebook_graph;
pub mod flickr;
pub mod instagram_graph;
pub mod kenya;
pub mod people;
pub mod press;
pub mod shell;
pub mod twarc2;
pub mod ua_csv;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The seed `--seed` defaults to (the Kenya campaign's launch day).
pub const DEFAULT_SEED: u64 = 20080227;

/// Generation settings shared by every writer.
#[derive(Clone, Copy, Debug)]
pub struct Gen {
    pub seed: u64,
    /// Supporters, posts and actions grow linearly with it; own posts and traffic do not.
    pub scale: u32,
}

impl Gen {
    /// A random stream of its own for `name` (a file path or a purpose).
    pub fn rng(&self, name: &str) -> StdRng {
        StdRng::seed_from_u64(self.seed ^ fnv(name))
    }
    /// A random stream for item `i` of `name` (a supporter, a post): the same item gets the
    /// same values in every file that asks.
    pub fn rng_at(&self, name: &str, i: u64) -> StdRng {
        StdRng::seed_from_u64(self.seed ^ fnv(name) ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
    /// `n` × scale.
    pub fn scaled(&self, n: u64) -> u64 {
        n * self.scale as u64
    }
}

/// FNV-1a: a stable hash of a name (std's hasher may change between Rust versions).
pub fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// One export file: where it goes, what it is, who writes it.
pub struct Export {
    /// Path under the output folder.
    pub path: &'static str,
    /// The format `rallylens ingest` should detect (`rallylens formats`).
    pub format: &'static str,
    /// What the file is, for data/README.md.
    pub about: &'static str,
    pub write: fn(&Gen, &mut dyn Write) -> io::Result<()>,
}

/// Every file synth writes, in the order it writes them.
pub const EXPORTS: &[Export] = &[
    kenya::FACEBOOK_FEED,
    kenya::FACEBOOK_INSIGHTS,
    kenya::FLICKR,
    kenya::WEB_TRAFFIC,
    kenya::EVENTS,
    kenya::CRM_HISTORY,
    press::KENYA,
    shell::TWITTER,
    shell::TWITTER_LIKES,
    shell::TWITTER_LIKERS,
    shell::FACEBOOK_POSTS,
    shell::FACEBOOK_INSIGHTS,
    shell::INSTAGRAM_MEDIA,
    shell::INSTAGRAM_ACCOUNT,
    shell::WEB_TRAFFIC,
    shell::PETITION,
    shell::CRM_HISTORY,
    press::SHELL,
];

/// `rallylens synth --out DIR [--scale N] [--seed S]`.
#[derive(clap::Args, Debug)]
pub struct SynthArgs {
    /// The folder to write the exports into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Grow supporters, posts and actions linearly (1 writes the few MB of data/).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub scale: u32,
    /// Random seed: same arguments, same bytes.
    #[arg(long, default_value_t = DEFAULT_SEED, value_name = "S")]
    pub seed: u64,
}

/// Runs the subcommand: writes the files and lists them (on stderr: a log, not data).
pub fn cmd(a: &SynthArgs, quiet: bool) -> Result<()> {
    let g = Gen { seed: a.seed, scale: a.scale };
    let files = run(&a.out, &g)?;
    if !quiet {
        let total: u64 = files.iter().map(|f| f.1).sum();
        for ((path, size), e) in files.iter().zip(EXPORTS) {
            eprintln!("{:>14} bytes  {:<22} {}", crate::support::thousands(*size), e.format, path.display());
        }
        eprintln!("{:>14} bytes in {} files", crate::support::thousands(total), files.len());
    }
    Ok(())
}

/// Writes every export under `out`; returns (path, bytes) per file.
pub fn run(out: &Path, g: &Gen) -> Result<Vec<(PathBuf, u64)>> {
    anyhow::ensure!(g.scale >= 1, "--scale must be at least 1");
    let mut written = Vec::new();
    for e in EXPORTS {
        let path = out.join(e.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("writing {}", path.display()))?;
        }
        let size = crate::support::write_atomic_with(&path, |w| (e.write)(g, w))
            .with_context(|| format!("writing {}", path.display()))?;
        written.push((path, size));
    }
    Ok(written)
}

// ---------------------------------------------------------------- shared helpers

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Days from `a` to `b` inclusive.
pub fn days(a: NaiveDate, b: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    a.iter_days().take_while(move |d| *d <= b)
}

/// Local midnight of `d` at a fixed UTC offset (hours), as UTC.
pub fn midnight(d: NaiveDate, utc_offset_h: i64) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")) - Duration::hours(utc_offset_h)
}

/// When people post in a day, by local hour: quiet at night, a lunch bump, an evening peak.
const HOUR_WEIGHTS: [u32; 24] = [2, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 11, 13, 12, 11, 10, 10, 11, 13, 15, 15, 12, 8, 4];

/// A time in local day `d` following [`HOUR_WEIGHTS`], as UTC (second precision).
pub fn time_in_day(rng: &mut StdRng, d: NaiveDate, utc_offset_h: i64) -> DateTime<Utc> {
    let total: u32 = HOUR_WEIGHTS.iter().sum();
    let mut x = rng.gen_range(0..total);
    let mut h = 0;
    while x >= HOUR_WEIGHTS[h] {
        x -= HOUR_WEIGHTS[h];
        h += 1;
    }
    midnight(d, utc_offset_h) + Duration::seconds(h as i64 * 3600 + rng.gen_range(0..3600))
}

/// Weekly rhythm of activity (Mon..Sun): weekdays busier than weekends.
pub fn weekday_factor(d: NaiveDate) -> f64 {
    use chrono::Datelike;
    [1.05, 1.1, 1.1, 1.05, 1.0, 0.75, 0.7][d.weekday().num_days_from_monday() as usize]
}

/// A standard normal draw (Box-Muller).
pub fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// A log-normal draw with this median: the heavy tail of engagement per post.
pub fn lognormal(rng: &mut StdRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// A Poisson-like count with this mean (exact below 30, normal approximation above).
pub fn count(rng: &mut StdRng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    if mean < 30.0 {
        let l = (-mean).exp();
        let (mut k, mut p) = (0u64, 1.0f64);
        loop {
            p *= rng.gen::<f64>();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }
    (mean + mean.sqrt() * normal(rng)).round().max(0.0) as u64
}

/// An index in `0..n` skewed to small indices: a few very active supporters and a long
/// tail of occasional ones (the same low indices recur across days and files).
pub fn skewed(rng: &mut StdRng, n: u64, skew: f64) -> u64 {
    let u: f64 = rng.gen();
    ((u.powf(skew) * n as f64) as u64).min(n.saturating_sub(1))
}

/// Picks from weighted choices.
pub fn pick<'a, T>(rng: &mut StdRng, choices: &'a [(T, u32)]) -> &'a T {
    let total: u32 = choices.iter().map(|c| c.1).sum();
    let mut x = rng.gen_range(0..total);
    for (v, w) in choices {
        if x < *w {
            return v;
        }
        x -= w;
    }
    &choices[choices.len() - 1].0
}

/// Launch spike and decay: 1 before `start`, then `1 + peak·e^(−days/tau)` in the window.
pub fn launch_curve(d: NaiveDate, start: NaiveDate, peak: f64, tau_days: f64) -> f64 {
    let k = (d - start).num_days();
    if k < 0 {
        1.0
    } else {
        1.0 + peak * (-(k as f64) / tau_days).exp()
    }
}

/// CSV cell quoting (RFC 4180): quote when the cell holds a comma, quote or line break.
pub fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Writes one CSV row.
pub fn csv_row(w: &mut dyn Write, cells: &[&str]) -> io::Result<()> {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(csv_cell(c).as_bytes())?;
    }
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_stable_and_distinct() {
        let g = Gen { seed: 1, scale: 1 };
        let a: u64 = g.rng("a").gen();
        assert_eq!(a, g.rng("a").gen::<u64>());
        assert_ne!(a, g.rng("b").gen::<u64>());
        assert_ne!(g.rng_at("x", 1).gen::<u64>(), g.rng_at("x", 2).gen::<u64>());
        // FNV-1a of "a": the published test vector.
        assert_eq!(fnv("a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn counts_have_their_mean() {
        let mut rng = StdRng::seed_from_u64(7);
        for mean in [3.0, 80.0] {
            let n = 4000;
            let s: u64 = (0..n).map(|_| count(&mut rng, mean)).sum();
            let m = s as f64 / n as f64;
            assert!((m - mean).abs() < mean * 0.05, "mean {m} for {mean}");
        }
    }

    #[test]
    fn csv_cells_are_quoted_only_when_needed() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("say \"hi\"\nthere"), "\"say \"\"hi\"\"\nthere\"");
    }

    #[test]
    fn times_fall_in_their_local_day() {
        let mut rng = StdRng::seed_from_u64(3);
        let d = day(2008, 2, 27);
        for _ in 0..200 {
            let t = time_in_day(&mut rng, d, 3);
            assert!(t >= midnight(d, 3) && t < midnight(d.succ_opt().unwrap(), 3));
        }
    }
}
