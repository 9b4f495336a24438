//! Ingest throughput (criterion, Throughput::Bytes): a twarc2 collection built from the
//! real sample pages (fresh ids per copy), and an actions-csv export of likes, each
//! ingested into a new lake each iteration.
//!
//!     cargo bench --bench ingest
//!
//! For the 1 GB figure and peak RSS use `benches/scale_ingest.py` (README).

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rallylens::ingest::driver::{ingest, InputOptions, InputSpec, RunOptions};

fn samples() -> PathBuf {
    std::env::var_os("RALLYLENS_SAMPLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real"))
}

/// ~`target` bytes of twarc2 pages: the search page and the stream lines, ids suffixed per copy.
fn collection(dir: &Path, target: usize) -> PathBuf {
    let mut pages = Vec::new();
    for f in ["twitter-v2-jsonl/brexit.jsonl", "twitter-v2-jsonl/mentions_tweet.jsonl", "twitter-v2-jsonl/media_tweet.jsonl"] {
        let text = std::fs::read_to_string(samples().join(f)).expect("sample");
        pages.extend(text.lines().filter(|l| !l.trim().is_empty()).map(String::from));
    }
    let mut out = String::with_capacity(target + (1 << 20));
    let mut copy = 0u32;
    while out.len() < target {
        for p in &pages {
            // Every 19-digit id gets the copy number appended: new posts, same shape.
            let mut line = String::with_capacity(p.len() + 512);
            let mut rest = p.as_str();
            while let Some(i) = rest.find("\": \"") {
                let (head, tail) = rest.split_at(i + 4);
                line.push_str(head);
                let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
                if digits >= 15 && tail.as_bytes().get(digits) == Some(&b'"') {
                    line.push_str(&tail[..digits]);
                    line.push_str(&format!("{copy:05}"));
                    rest = &tail[digits..];
                } else {
                    rest = tail;
                }
            }
            line.push_str(rest);
            out.push_str(&line);
            out.push('\n');
        }
        copy += 1;
    }
    let path = dir.join("collection.jsonl");
    std::fs::write(&path, out).unwrap();
    path
}

/// ~`target` bytes of actions-csv likes in the layout `rallylens synth` writes (a user id
/// actor, a tweet id; the campaign cell sometimes quoted with a comma, as spreadsheets do).
fn likes_csv(dir: &Path, target: usize) -> PathBuf {
    let mut out = String::with_capacity(target + 256);
    out.push_str("actor,action,occurred_at,platform,post_id,campaign,source,full_name\n");
    let mut i = 0u64;
    while out.len() < target {
        let campaign = if i % 7 == 0 { "\"shell, 2012\"" } else { "" };
        out.push_str(&format!(
            "{},favorite,2012-09-{:02}T{:02}:{:02}:{:02}Z,twitter,2426023280608{:05},{campaign},,Name {}\n",
            2_000_000_000 + i * 7919 % 1_000_000_007,
            1 + i % 28,
            i % 24,
            i % 60,
            (i * 7) % 60,
            i % 100_000,
            i % 1000
        ));
        i += 1;
    }
    let path = dir.join("likes.csv");
    std::fs::write(&path, out).unwrap();
    path
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let src = collection(dir.path(), 32 << 20);
    let bytes = std::fs::metadata(&src).unwrap().len();
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    bench_file(&mut g, "twitter-v2-jsonl", &src, dir.path());
    let likes = likes_csv(dir.path(), 32 << 20);
    g.throughput(Throughput::Bytes(std::fs::metadata(&likes).unwrap().len()));
    bench_file(&mut g, "actions-csv", &likes, dir.path());
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

/// Ingests `src` into a new lake under `dir` per iteration (8 MiB chunks, so both cores work).
fn bench_file(g: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>, name: &str, src: &Path, dir: &Path) {
    g.bench_function(name, |b| {
        b.iter_batched(
            || {
                let lake = dir.join("lake");
                let _ = std::fs::remove_dir_all(&lake);
                lake
            },
            |lake| {
                let spec = InputSpec { path: src.to_path_buf(), options: InputOptions::default() };
                let mut run = RunOptions::new(&lake);
                run.chunk_bytes = 8 << 20;
                let r = ingest(&[spec], &run).unwrap();
                assert_eq!(r.failed(), 0);
            },
            BatchSize::PerIteration,
        )
    });
}
