#!/usr/bin/env python3
"""Ingest at scale: generate a twarc2 JSONL of SIZE (default 1 GB) in the real samples'
layout, run `rallylens ingest` on it, and report MB/s and peak RSS.

The file is made of the real twarc2 pages in tests/fixtures/real/twitter-v2-jsonl/ (search pages
and stream lines), with every tweet and user id rewritten so that each page holds new
posts: the same shape, field mix and text lengths as a real collection.

    python3 benches/scale_ingest.py --size-gb 1 --bin target/release/rallylens
    python3 benches/scale_ingest.py --size-gb 1 --duckdb --runs 3   # and DuckDB's narrow job

`--duckdb` also runs, in the same run and on the same file, DuckDB (python package) doing
the narrow job: a hand-written schema of the tweet fields the posts table needs (no
auto-detection), each page's `data` (an array in search pages, one object in stream
lines) unnested to one row per tweet, written as one zstd Parquet file. That is less
than rallylens does (no users, no actions, no de-duplication, no manifest), so it is the
bar to compare against, not an equal job.

Measured figures go in the README. Peak RSS comes from /usr/bin/time when present,
else from getrusage of the child.
"""
import argparse, json, os, re, resource, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.environ.get("RALLYLENS_SAMPLES", os.path.join(HERE, "..", "tests", "fixtures", "real"))
PAGES = ["twitter-v2-jsonl/brexit.jsonl", "twitter-v2-jsonl/mentions_tweet.jsonl", "twitter-v2-jsonl/media_tweet.jsonl",
         "twitter-v2-jsonl/many_urls.jsonl", "twitter-v2-jsonl/geo_tweets.jsonl", "twitter-v2-jsonl/streaming_output_with_error.jsonl"]
ID = re.compile(r'"(id|author_id|in_reply_to_user_id|conversation_id)": "(\d+)"')


def templates():
    out = []
    for rel in PAGES:
        with open(os.path.join(SAMPLES, rel), encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    json.loads(line)
                except ValueError:
                    continue  # the truncated last line of the stream sample
                out.append(line)
    return out


def generate(path, size):
    tpl = templates()
    written, n = 0, 0
    with open(path, "w", encoding="utf-8") as f:
        while written < size:
            for line in tpl:
                # Rewrite ids: each id of the page gets a new unique one (19 digits, like
                # real ids); references inside the page stay consistent.
                fresh = {}

                def sub(m):
                    nonlocal n
                    if m.group(2) not in fresh:
                        n += 1
                        fresh[m.group(2)] = str(1_600_000_000_000_000_000 + n)
                    return '"%s": "%s"' % (m.group(1), fresh[m.group(2)])

                line2 = ID.sub(sub, line)
                f.write(line2)
                f.write("\n")
                written += len(line2) + 1
                if written >= size:
                    break
    return written


# The tweet fields the posts table needs, as a json_transform structure (extra keys ignored).
NARROW = json.dumps({
    "id": "VARCHAR", "author_id": "VARCHAR", "created_at": "TIMESTAMPTZ", "text": "VARCHAR", "lang": "VARCHAR",
    "conversation_id": "VARCHAR", "in_reply_to_user_id": "VARCHAR",
    "public_metrics": {"retweet_count": "BIGINT", "reply_count": "BIGINT", "like_count": "BIGINT",
                       "quote_count": "BIGINT", "impression_count": "BIGINT"},
    "entities": {"hashtags": [{"tag": "VARCHAR"}], "mentions": [{"username": "VARCHAR"}],
                 "urls": [{"expanded_url": "VARCHAR"}]},
    "referenced_tweets": [{"type": "VARCHAR", "id": "VARCHAR"}]})

# DuckDB's narrow job, as SQL ($SRC, $DST, $NARROW filled in).
DUCKDB_SQL = """
COPY (
  WITH pages AS (
    SELECT CASE WHEN json_type(data) = 'ARRAY' THEN json_transform(data, '[$NARROW]')
                ELSE [json_transform(data, '$NARROW')] END AS tweets
    FROM read_json('$SRC', format = 'newline_delimited', columns = {'data': 'JSON'}, ignore_errors = true,
                   maximum_object_size = 104857600)),
  t AS (SELECT unnest(tweets) AS t FROM pages)
  SELECT 'twitter' AS platform, t.id AS post_id, t.author_id AS account_id, t.created_at, t.text, t.lang,
         list_transform(t.entities.hashtags, lambda h: lower(h.tag)) AS hashtags,
         list_transform(t.entities.mentions, lambda m: lower(m.username)) AS mentions,
         list_transform(t.entities.urls, lambda u: u.expanded_url) AS urls,
         list_contains(list_transform(t.referenced_tweets, lambda r: r.type), 'retweeted') AS is_repost,
         t.in_reply_to_user_id, t.public_metrics.impression_count AS impressions,
         t.public_metrics.like_count AS reactions, t.public_metrics.reply_count AS comments,
         t.public_metrics.retweet_count AS shares, t.public_metrics.quote_count AS quotes
  FROM t
) TO '$DST' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 131072)"""

# Runs in a child python (its own peak RSS): argv = sql, output file.
DUCKDB_JOB = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute("SET enable_progress_bar = false")
con.execute(sys.argv[1])
print(con.execute("SELECT count(*) FROM read_parquet(?)", [sys.argv[2]]).fetchone()[0])
"""


def timed(cmd):
    """Runs cmd under /usr/bin/time -v: (seconds, peak RSS MB, CPU seconds, the process)."""
    t = time.time()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    secs = time.time() - t
    if p.returncode != 0:
        print(p.stdout, p.stderr, file=sys.stderr)
        sys.exit(p.returncode)
    g = lambda pat: float(re.search(pat, p.stderr).group(1))
    cpu = g(r"User time \(seconds\): ([0-9.]+)") + g(r"System time \(seconds\): ([0-9.]+)")
    return secs, g(r"Maximum resident set size \(kbytes\): (\d+)") / 1024, cpu, p


def compare(a, src, size, lake):
    """rallylens and DuckDB's narrow job, alternating, a.runs times each; medians."""
    ours, theirs = [], []
    out = os.path.join(os.path.dirname(lake), "duckdb-posts.parquet")
    for _ in range(a.runs):
        shutil.rmtree(lake, ignore_errors=True)
        ours.append(timed([a.bin, "--quiet", "ingest", src, "--lake", lake])[:3])
        if os.path.exists(out):
            os.remove(out)
        sql = DUCKDB_SQL.replace("$NARROW", NARROW).replace("$SRC", src).replace("$DST", out)
        secs, rss, cpu, p = timed([sys.executable, "-c", DUCKDB_JOB, sql, out])
        theirs.append((secs, rss, cpu))
        rows = int(p.stdout.split()[-1])
    med = lambda xs, i: round(sorted(x[i] for x in xs)[len(xs) // 2], 2)
    mb = size / 1e6
    return {"input_mb": round(mb, 1), "runs": a.runs, "cores": os.cpu_count(),
            "rallylens": {"seconds": [round(x[0], 2) for x in ours], "median_seconds": med(ours, 0),
                          "mb_per_s": round(mb / med(ours, 0), 1), "median_cpu_s": med(ours, 2),
                          "peak_rss_mb": round(max(x[1] for x in ours), 1)},
            "duckdb_narrow": {"seconds": [round(x[0], 2) for x in theirs], "median_seconds": med(theirs, 0),
                              "mb_per_s": round(mb / med(theirs, 0), 1), "median_cpu_s": med(theirs, 2),
                              "peak_rss_mb": round(max(x[1] for x in theirs), 1), "tweets": rows},
            "wall_ratio_rallylens_to_duckdb": round(med(ours, 0) / med(theirs, 0), 2)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-gb", type=float, default=1.0)
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/rallylens/target")), "release", "rallylens"))
    ap.add_argument("--work", default=None, help="folder for the generated file and lake (default: a temp folder)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--duckdb", action="store_true", help="also time DuckDB's narrow job on the same file")
    ap.add_argument("--runs", type=int, default=1, help="with --duckdb: runs of each (medians reported)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="rallylens-scale-")
    os.makedirs(work, exist_ok=True)
    src = os.path.join(work, "collection.jsonl")
    size = int(a.size_gb * 1e9)
    if not os.path.exists(src) or os.path.getsize(src) < size:
        t = time.time()
        size = generate(src, size)
        print(f"generated {size/1e6:.0f} MB in {time.time()-t:.0f} s: {src}", file=sys.stderr)
    size = os.path.getsize(src)
    lake = os.path.join(work, "lake")
    if a.duckdb:
        print(json.dumps(compare(a, src, size, lake), indent=1))
        if not a.keep and not a.work:
            shutil.rmtree(work, ignore_errors=True)
        return
    shutil.rmtree(lake, ignore_errors=True)
    cmd = [a.bin, "--quiet", "ingest", src, "--lake", lake]
    timev = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    t = time.time()
    if timev:
        p = subprocess.run([timev, "-v"] + cmd, capture_output=True, text=True)
        secs = time.time() - t
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        rss_mb = int(m.group(1)) / 1024 if m else float("nan")
    else:
        p = subprocess.run(cmd, capture_output=True, text=True)
        secs = time.time() - t
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if p.returncode != 0:
        print(p.stdout, p.stderr, file=sys.stderr)
        sys.exit(p.returncode)
    print(json.dumps({"input_mb": round(size / 1e6, 1), "seconds": round(secs, 2),
                      "mb_per_s": round(size / 1e6 / secs, 1), "peak_rss_mb": round(rss_mb, 1),
                      "cores": os.cpu_count()}))
    if not a.keep and not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
