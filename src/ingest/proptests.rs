//! Property tests: format detection and every adapter of [`REGISTRY`] on arbitrary bytes and
//! on the fixtures (`tests/fixtures/<format>/`, `tests/fixtures/real/<format>/`) mutated:
//! bytes flipped, the file cut short, quotes, newlines, a BOM, NUL, huge numbers inserted,
//! lines doubled or dropped. What must hold is in [`harness`] (shared with the fuzz targets
//! in `fuzz/`): no panic, output bounded by the input, every reject located.
//!
//! Each test runs [`DEFAULT_CASES`] cases from a fixed seed, so `cargo test` is quick and
//! repeatable; `PROPTEST_CASES=5000` runs longer, `PROPTEST_RNG_SEED=<n>` draws other
//! inputs. A failure is shrunk and reported; nothing is persisted to disk.

mod harness;

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};

// What the harness names through `super::` (the fuzz crate imports the same names).
use super::{by_name, detect, probe_input, Adapter, Collected, Ctx, FileError, Probe, MAX_RAW_REJECT, REGISTRY};
use crate::model::{Table, TableBuilder};
use arrow::array::Array;

use super::testkit::{collect_bytes, FIXTURES, SAMPLES};

/// Cases per test unless `PROPTEST_CASES` says otherwise.
pub const DEFAULT_CASES: u32 = 48;
/// Fixtures up to this size are used whole (a JSON document cut short is only an error).
const WHOLE_BYTES: usize = 64 << 10;
/// Larger ones are cut to about this many bytes.
const SEED_BYTES: usize = 16 << 10;

/// A runner whose inputs depend only on `name` (and `PROPTEST_RNG_SEED` when set).
fn runner(name: &str) -> TestRunner {
    let base = Config::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { base.cases } else { DEFAULT_CASES };
    let seed = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let rng_seed = if std::env::var_os("PROPTEST_RNG_SEED").is_some() { base.rng_seed } else { RngSeed::Fixed(seed) };
    TestRunner::new(Config { cases, rng_seed, failure_persistence: None, max_shrink_iters: 2048, ..base })
}

/// The fixtures of `format`. One larger than [`WHOLE_BYTES`] is cut at a line end near
/// [`SEED_BYTES`] (after its first line at least): those are line-oriented (JSON Lines,
/// CSV, a stream dump), and small inputs keep the cases fast.
fn seeds(format: &str) -> Vec<Vec<u8>> {
    fn walk(dir: &Path, out: &mut Vec<Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut paths: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() {
                walk(&p, out);
            } else if !matches!(p.extension().and_then(|e| e.to_str()), Some("py" | "md")) {
                let mut b = std::fs::read(&p).expect("read a fixture");
                if b.len() > WHOLE_BYTES {
                    let first = b.iter().position(|&c| c == b'\n').map_or(b.len(), |i| i + 1);
                    let near = b[..SEED_BYTES].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
                    b.truncate(first.max(near));
                }
                out.push(b);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(FIXTURES).join(format), &mut out);
    walk(&Path::new(SAMPLES).join(format), &mut out);
    out
}

/// Bytes that break parsers: quotes, line ends, a BOM, NUL, numbers past i64 and f64,
/// separators, brackets, a UTF-16 BOM, a cut UTF-8 character.
const PIECES: [&[u8]; 24] = [
    b"\"",
    b"\"\"",
    b"\"\n\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xEF\xBB\xBF",
    b"\0",
    b"99999999999999999999999999",
    b"-9223372036854775809",
    b"1e999",
    b"-0.5",
    b",",
    b";",
    b"\t",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\\",
    b"\xFF\xFE",
    b"\xC3",
    b"NaN",
    b"9999-12-31T23:59:59Z",
];

/// A change to an input. Positions are fractions of the input's length (`u64::MAX` is
/// the end), so a mutation means the same wherever earlier ones left the input.
/// Numbers to put in place of one: past i64, past f64, negative, a decimal comma, blank.
const NUMBERS: [&[u8]; 10] = [
    b"99999999999999999999999999",
    b"-9223372036854775809",
    b"9223372036854775807",
    b"1e999",
    b"-1",
    b"0",
    b"1.5",
    b"1,5",
    b"",
    b"NaN",
];

/// Text to put inside a quoted string: empty, escapes of NUL and of a lone surrogate, an
/// emoji, an impossible time, `null`, an escaped quote.
const TEXTS: [&[u8]; 7] =
    [b"", b"\\u0000", b"\\ud800", "\u{1F600}".as_bytes(), b"2024-02-30T25:61:00Z", b"null", b"a\\\"b"];

#[derive(Clone, Debug)]
enum Mutation {
    /// XOR a byte with the mask.
    Flip(u64, u8),
    Truncate(u64),
    /// Insert `PIECES[i]` before the byte.
    Insert(u64, usize),
    DuplicateLine(u64),
    DropLine(u64),
    /// Replace a run of digits with `NUMBERS[i]` (the syntax around it stays intact).
    Number(u64, usize),
    /// Replace the inside of a `"..."` with `TEXTS[i]`.
    Text(u64, usize),
    /// Repeat the byte [`STRETCH`] times (a cell or line longer than any cut).
    Stretch(u64),
}

/// How many copies of a byte [`Mutation::Stretch`] makes: past the reject cut.
const STRETCH: usize = MAX_RAW_REJECT + 64;

/// The position `at` (a fraction of `u64::MAX + 1`) among `len` places (`len > 0`).
fn place(at: u64, len: usize) -> usize {
    ((u128::from(at) * len as u128) >> 64) as usize
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<u64>(), 1..=255u8).prop_map(|(i, m)| Mutation::Flip(i, m)),
        1 => any::<u64>().prop_map(Mutation::Truncate),
        4 => (any::<u64>(), 0..PIECES.len()).prop_map(|(i, p)| Mutation::Insert(i, p)),
        2 => any::<u64>().prop_map(Mutation::DuplicateLine),
        1 => any::<u64>().prop_map(Mutation::DropLine),
        4 => (any::<u64>(), 0..NUMBERS.len()).prop_map(|(i, p)| Mutation::Number(i, p)),
        4 => (any::<u64>(), 0..TEXTS.len()).prop_map(|(i, p)| Mutation::Text(i, p)),
        1 => any::<u64>().prop_map(Mutation::Stretch),
    ]
}

/// The byte ranges of the runs of digits in `b`.
fn digit_runs(b: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((s, i));
        } else {
            i += 1;
        }
    }
    runs
}

/// The byte ranges inside pairs of quotes in `b` (an escaped quote ends a pair too: this
/// is a mutation, not a parser).
fn quoted(b: &[u8]) -> Vec<(usize, usize)> {
    let q: Vec<usize> = b.iter().enumerate().filter(|(_, &c)| c == b'"').map(|(i, _)| i).collect();
    q.chunks_exact(2).map(|p| (p[0] + 1, p[1])).collect()
}

/// The byte ranges of the lines of `b` (each with its `\n`).
fn line_spans(b: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, _) in b.iter().enumerate().filter(|(_, &c)| c == b'\n') {
        spans.push((start, i + 1));
        start = i + 1;
    }
    if start < b.len() {
        spans.push((start, b.len()));
    }
    spans
}

fn apply(mut b: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        match m {
            Mutation::Flip(i, x) if !b.is_empty() => {
                let i = place(*i, b.len());
                b[i] ^= x;
            }
            Mutation::Truncate(i) => b.truncate(place(*i, b.len() + 1)),
            Mutation::Insert(i, p) => {
                let at = place(*i, b.len() + 1);
                b.splice(at..at, PIECES[*p].iter().copied());
            }
            Mutation::Number(i, p) | Mutation::Text(i, p) => {
                let (spans, piece) = match m {
                    Mutation::Number(..) => (digit_runs(&b), NUMBERS[*p]),
                    _ => (quoted(&b), TEXTS[*p]),
                };
                if !spans.is_empty() {
                    let (s, e) = spans[place(*i, spans.len())];
                    b.splice(s..e, piece.iter().copied());
                }
            }
            Mutation::DuplicateLine(i) | Mutation::DropLine(i) => {
                let spans = line_spans(&b);
                if spans.is_empty() {
                    continue;
                }
                let (s, e) = spans[place(*i, spans.len())];
                if matches!(m, Mutation::DuplicateLine(_)) {
                    let line = b[s..e].to_vec();
                    b.splice(e..e, line);
                } else {
                    b.drain(s..e);
                }
            }
            Mutation::Stretch(i) if !b.is_empty() => {
                let at = place(*i, b.len());
                b.splice(at..at, std::iter::repeat_n(b[at], STRETCH));
            }
            Mutation::Flip(..) | Mutation::Stretch(_) => {}
        }
    }
    b
}

/// An input, shown as an escaped byte string when a case fails (a list of numbers is
/// unreadable).
#[derive(Clone)]
struct Bytes(Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

/// Inputs for one format: its fixtures mutated (mostly), arbitrary bytes, and a fixture's
/// first line followed by arbitrary bytes (past header detection, into the rows).
fn inputs(seeds: Vec<Vec<u8>>) -> BoxedStrategy<Bytes> {
    let arbitrary = prop::collection::vec(any::<u8>(), 0..512);
    if seeds.is_empty() {
        return arbitrary.prop_map(Bytes).boxed();
    }
    let heads: Vec<Vec<u8>> = seeds.iter().map(|s| s[..line_spans(s).first().map_or(0, |l| l.1)].to_vec()).collect();
    prop_oneof![
        6 => (prop::sample::select(seeds), prop::collection::vec(mutation(), 1..6))
            .prop_map(|(s, m)| apply(s, &m)),
        1 => arbitrary,
        1 => (prop::sample::select(heads), prop::collection::vec(any::<u8>(), 0..512))
            .prop_map(|(mut h, tail)| {
                h.extend(tail);
                h
            }),
    ]
    .prop_map(Bytes)
    .boxed()
}

/// Runs the adapter of `format` on its generated inputs and checks the harness properties.
fn adapter_holds(format: &str) {
    let adapter = by_name(format).expect("a registered format");
    let ext = harness::extension(format);
    let result = runner(format).run(&inputs(seeds(format)), |Bytes(bytes)| {
        let got = collect_bytes(adapter, &bytes, ext, harness::settings(adapter, &bytes));
        harness::check(adapter, &bytes, &got).map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{format}: {e}");
    }
}

macro_rules! adapter_props {
    ($($test:ident => $format:literal,)*) => {
        const TESTED: &[&str] = &[$($format),*];
        $(
            #[test]
            fn $test() {
                adapter_holds($format);
            }
        )*
    };
}

adapter_props! {
    twitter_v2_jsonl => "twitter-v2-jsonl",
    twitter_csv => "twitter-csv",
    twitter_v1_json => "twitter-v1-json",
    twitter_archive => "twitter-archive",
    twitter_analytics_csv => "twitter-analytics-csv",
    facebook_insights_csv => "facebook-insights-csv",
    meta_business_suite_csv => "meta-business-suite-csv",
    facebook_graph_json => "facebook-graph-json",
    instagram_graph_json => "instagram-graph-json",
    instagram_dyi_json => "instagram-dyi-json",
    flickr_json => "flickr-json",
    ga4_bigquery_jsonl => "ga4-bigquery-jsonl",
    ua_csv => "ua-csv",
    plausible_csv => "plausible-csv",
    matomo_csv => "matomo-csv",
    action_network_csv => "action-network-csv",
    action_network_json => "action-network-json",
    actions_csv => "actions-csv",
    press_csv => "press-csv",
    custom_csv => "custom-csv",
}

/// A format added to the registry gets its property test here.
#[test]
fn every_adapter_is_tested() {
    let mut registered: Vec<&str> = REGISTRY.iter().map(|a| a.name()).collect();
    let mut tested = TESTED.to_vec();
    registered.sort_unstable();
    tested.sort_unstable();
    assert_eq!(registered, tested);
}

/// Detection over every format's inputs, under several extensions, then a read with the
/// adapter detected (what `rallylens ingest` does without `--format`).
#[test]
fn detection_holds() {
    let all: Vec<Vec<u8>> = REGISTRY.iter().flat_map(|a| seeds(a.name())).collect();
    let exts = prop::sample::select(vec!["csv", "json", "jsonl", "js", "txt", "xlsx"]);
    let result = runner("detect").run(&(exts, inputs(all)), |(ext, Bytes(bytes))| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join(format!("input.{ext}"));
        std::fs::write(&path, &bytes).expect("write the input");
        harness::check_detect(&path, &bytes, |a| super::testkit::collect_with(a, &path, harness::settings(a, &bytes)))
            .map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("detection: {e}");
    }
}

#[test]
fn line_count_counts_every_line_end() {
    // "a\r\nb\rc\nd": ends at \r\n, \r, \n -> 3 ends + the last line = 4.
    assert_eq!(harness::line_count(b"a\r\nb\rc\nd"), 4);
    // A trailing lone \r ends line 1; line 2 is empty.
    assert_eq!(harness::line_count(b"a\r"), 2);
    assert_eq!(harness::line_count(b""), 1);
}

#[test]
fn mutations_do_what_they_say() {
    let b = b"h\na\nb\n".to_vec();
    // Half way through 3 lines is line 1 ("a\n"): doubled, or dropped.
    let half = 1 << 63;
    assert_eq!(apply(b.clone(), &[Mutation::DuplicateLine(half)]), b"h\na\na\nb\n");
    assert_eq!(apply(b.clone(), &[Mutation::DropLine(half)]), b"h\nb\n");
    // Insert the NUL piece (index 7) at the very start; flip the first byte's low bit.
    assert_eq!(apply(b.clone(), &[Mutation::Insert(0, 7)]), b"\0h\na\nb\n");
    assert_eq!(apply(b.clone(), &[Mutation::Flip(0, 1)]), b"i\na\nb\n");
    // The first byte, repeated: STRETCH + 1 'h's in all.
    assert_eq!(apply(b, &[Mutation::Stretch(0)]).iter().filter(|&&c| c == b'h').count(), STRETCH + 1);
    // Two digit runs, 12 and 3; half way is the second: "1e999" (NUMBERS[3]) replaces it.
    assert_eq!(apply(b"a12,3".to_vec(), &[Mutation::Number(half, 3)]), b"a12,1e999");
    // Two quoted strings; the first ("x") emptied (TEXTS[0]).
    assert_eq!(apply(br#""x","yz""#.to_vec(), &[Mutation::Text(0, 0)]), br#""","yz""#);
}

/// Inputs the property tests and the fuzzers found to break an adapter, now rejected as
/// located rows: sums past the largest count (each panicked in a debug build and wrapped
/// to a negative count in a release build), and rejects keeping a raw row past the cut.
mod found {
    use super::*;

    const MAX: i64 = i64::MAX;

    /// `format` on `text`: the harness properties hold; (line, field) of each reject, and
    /// the rows written.
    fn run(format: &str, text: &str) -> (Vec<(u64, String)>, usize) {
        let adapter = by_name(format).expect("a registered format");
        let bytes = text.as_bytes();
        let got = collect_bytes(adapter, bytes, "csv", harness::settings(adapter, bytes));
        harness::check(adapter, bytes, &got).unwrap_or_else(|e| panic!("{format}: {e}"));
        let got = got.unwrap_or_else(|e| panic!("{format}: {e}"));
        (got.rejects.iter().map(|r| (r.line, r.field.clone())).collect(), got.posts.len() + got.traffic.len())
    }

    /// Organic plus paid video views of one post.
    #[test]
    fn facebook_insights_video_views_past_the_largest_count() {
        let text = format!(
            "Post ID,Posted,Lifetime Post Total Reach,Lifetime Organic Video Views,Lifetime Paid Video Views\n\
             1_2,02/03/2017 05:30:00 PM,5,{MAX},1\n\
             1_3,02/03/2017 05:30:00 PM,5,2,3\n"
        );
        // Line 2: MAX + 1 views, rejected; line 3: 2 + 3 views, a post.
        assert_eq!(run("facebook-insights-csv", &text), (vec![(2, "Lifetime Organic Video Views".into())], 1));
    }

    /// Two rows of the same day and source, summed by the roll-up.
    #[test]
    fn plausible_rows_summed_past_the_largest_count() {
        let text = format!(
            "\"date\",\"source\",\"visits\"\n\"2024-03-01\",\"Facebook\",{MAX}\n\
             \"2024-03-01\",\"Facebook\",1\n\"2024-03-01\",\"Twitter\",1\n"
        );
        // Line 3 would make Facebook's MAX visits MAX + 1: rejected; Facebook and Twitter stay.
        assert_eq!(run("plausible-csv", &text), (vec![(3, "visits".into())], 2));
    }

    /// The same source twice in one Matomo period, and per-goal conversions of one row.
    #[test]
    fn matomo_sums_past_the_largest_count() {
        let text = format!("label,nb_visits\nFacebook,{MAX}\nFacebook,1\nTwitter,1\n");
        assert_eq!(run("matomo-csv", &text), (vec![(3, "nb_visits".into())], 2));
        let goals = "label,nb_visits,goals_idgoal=1_nb_conversions,goals_idgoal=2_nb_conversions";
        let text = format!("{goals}\nFacebook,1,{MAX},1\nTwitter,1,1,1\n");
        // Line 2: goal 1 MAX + goal 2 1, rejected at the column that overflowed.
        assert_eq!(run("matomo-csv", &text), (vec![(2, "goals_idgoal=2_nb_conversions".into())], 1));
    }

    /// UA: two rows of the same source / medium (the roll-up), as the Plausible case.
    #[test]
    fn ua_rows_summed_past_the_largest_count() {
        let text = format!("Source / Medium,Sessions\nt.co / referral,{MAX}\nt.co / referral,1\ngoogle / organic,2\n");
        assert_eq!(run("ua-csv", &text), (vec![(3, "Sessions".into())], 2));
    }

    /// A rejected row longer than the reject cut (the fuzzer's: a Matomo export in UTF-16
    /// with a long garbled line): its raw row is cut, in the three adapters sharing the
    /// traffic helpers. `run` checks the cut (the harness).
    #[test]
    fn traffic_rejects_keep_at_most_the_cut() {
        let long = "x".repeat(MAX_RAW_REJECT + 100);
        let cases = [
            ("matomo-csv", format!("label,nb_visits\nFacebook,{long}\n"), "nb_visits"),
            ("plausible-csv", format!("date,source,visits\n2024-03-01,Facebook,{long}\n"), "visits"),
            ("ua-csv", format!("Source / Medium,Sessions\nt.co / referral,{long}\n"), "Sessions"),
        ];
        for (format, text, field) in cases {
            assert_eq!(run(format, &text), (vec![(2, field.into())], 0), "{format}");
        }
    }
}
