#!/usr/bin/env python3
"""Analyze at scale: a generated lake of POSTS posts and ACTIONS actions (default 1 M and
10 M), two campaigns, all metrics in one `rallylens analyze`; reports seconds and peak RSS.

The lake is written straight in rallylens' layout (docs/lake.md columns and types, a manifest
listing every part) by DuckDB from deterministic hash-based "random" values, so generating
10 M actions takes seconds. Shapes: 2,000 own posts and ~1 M collected posts over 120
days on twitter/facebook/instagram; 300 k actors whose actions (likes, retweets, replies,
sign-ups, donations...) spread over the same days, a tenth tagged with each campaign;
daily traffic per channel; follower counts of the own accounts.

    python3 benches/scale_analyze.py --bin ~/.cache/rallylens/target/release/rallylens
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time

import duckdb

START = "2024-01-01"


def generate(lake, posts, actions):
    shutil.rmtree(lake, ignore_errors=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    files = []

    def part(table, platform, sql, seq):
        d = os.path.join(lake, table, f"platform={platform}")
        os.makedirs(d, exist_ok=True)
        fid = f"f{seq:06}"
        name = "part-0000.parquet"
        path = os.path.join(d, f"{fid}-{name}")
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 131072)")
        n = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()[0]
        files.append({"seq": seq, "id": fid, "path": f"generated/{table}-{platform}", "abs_path": f"/generated/{table}/{platform}",
                      "size": os.path.getsize(path), "sha256": f"generated-{seq}", "format": "generated", "options": "",
                      "campaign": None, "ingested_at": "2024-06-01T00:00:00Z", "rows_read": n, "rejected": 0,
                      "tables": {table: n}, "parts": [{"table": table, "platform": platform, "name": name, "rows": n, "visible_rows": n}]})

    h = lambda expr, salt: f"(hash({expr}, {salt}) % 1000000)::BIGINT"
    seq = 1
    per = posts // 3
    for platform in ["twitter", "facebook", "instagram"]:
        part("posts", platform, f"""
          SELECT '{platform}' AS platform, 'p' || i AS post_id,
                 CASE WHEN i % 500 = 0 THEN 'owned' ELSE 'collected' END AS origin,
                 CASE WHEN i % 500 = 0 THEN 'own' ELSE 'u' || ({h('i', 1)} % 200000) END AS account_id,
                 CASE WHEN i % 500 = 0 THEN 'amnesty' ELSE 'user' || ({h('i', 1)} % 200000) END AS account_handle,
                 TIMESTAMPTZ '{START}' + to_microseconds(({h('i', 2)} * 10368000)::BIGINT) AS created_at,
                 ['photo','video','link','text'][1 + (i % 4)::INT] AS content_type,
                 'text ' || i AS text, 'en' AS lang,
                 CASE WHEN i % 7 = 0 THEN ['makethefuture'] WHEN i % 11 = 0 THEN ['reachoutforkenya'] ELSE ['other'] END AS hashtags,
                 CASE WHEN i % 13 = 0 THEN ['shell'] ELSE []::VARCHAR[] END AS mentions,
                 []::VARCHAR[] AS urls,
                 (i % 3 = 0) AS is_repost, NULL::VARCHAR AS in_reply_to_account, NULL::VARCHAR AS quoted_post_id,
                 NULL::VARCHAR AS in_reply_to_post_id, NULL::VARCHAR AS reposted_post_id,
                 ({h('i', 3)} % 50000)::BIGINT AS followers,
                 ({h('i', 4)} % 5000)::BIGINT AS impressions, ({h('i', 5)} % 3000)::BIGINT AS reach,
                 ({h('i', 6)} % 100)::BIGINT AS reactions, ({h('i', 7)} % 20)::BIGINT AS comments,
                 ({h('i', 8)} % 30)::BIGINT AS shares, NULL::BIGINT AS quotes, NULL::BIGINT AS saves,
                 NULL::BIGINT AS clicks, NULL::BIGINT AS link_clicks, NULL::BIGINT AS video_views,
                 NULL::VARCHAR AS permalink,
                 CASE WHEN i % 1000 = 0 THEN 'kenya' WHEN i % 500 = 0 THEN 'shell'
                      WHEN i % 10 = 1 THEN 'shell' WHEN i % 10 = 2 THEN 'kenya' END AS campaign,
                 'generated' AS source_file, TIMESTAMPTZ '2024-06-01' AS ingested_at
          FROM range({per}) t(i)""", seq)
        seq += 1
    verbs = "['like','reaction','retweet','share','reply','comment','sign_petition','donate','attend_event','follow']"
    per = actions // 2
    for platform in ["twitter", "crm"]:
        part("actions", platform, f"""
          SELECT '{platform}' AS platform, 'a' || ({h('i', 9)} % 300000) AS actor_id,
                 {verbs}[1 + ({h('i', 10)} % 10)::INT] AS action,
                 TIMESTAMPTZ '{START}' + to_microseconds(({h('i', 11)} * 10368000)::BIGINT) AS occurred_at,
                 'p' || ({h('i', 12)} % {posts // 3}) AS post_id,
                 CASE WHEN i % 10 = 1 THEN 'shell' WHEN i % 10 = 2 THEN 'kenya' END AS campaign,
                 NULL::VARCHAR AS source, NULL::VARCHAR AS medium, NULL::VARCHAR AS country, NULL::VARCHAR AS action_key,
                 'generated' AS source_file, TIMESTAMPTZ '2024-06-01' AS ingested_at
          FROM range({per}) t(i)""", seq)
        seq += 1
    part("traffic", "web", f"""
      SELECT 'web' AS platform, d::DATE AS date_start, d::DATE AS date_end, 'site' AS site,
             ch AS source, 'referral' AS medium, NULL::VARCHAR AS referrer, ch AS channel, NULL::VARCHAR AS landing_page,
             NULL::VARCHAR AS country, NULL::VARCHAR AS campaign_tag, (100 + hash(d, ch) % 400)::BIGINT AS sessions, NULL::BIGINT AS users,
             NULL::BIGINT AS pageviews, NULL::BIGINT AS conversions, NULL::VARCHAR AS campaign,
             'generated' AS source_file, TIMESTAMPTZ '2024-06-01' AS ingested_at
      FROM range(DATE '{START}', DATE '{START}' + INTERVAL 120 DAY, INTERVAL 1 DAY) r(d),
           (VALUES ('facebook'), ('twitter'), ('search'), ('direct'), ('email')) c(ch)""", seq)
    seq += 1
    part("accounts", "twitter", f"""
      SELECT 'twitter' AS platform, 'own' AS account_id, 'amnesty' AS account_handle,
             (DATE '{START}' + INTERVAL (i) DAY)::DATE AS date, (100000 + i * 10)::BIGINT AS followers
      FROM range(120) t(i)""", seq)
    seq += 1
    manifest = {"format_version": 1, "next_seq": seq, "files": files}
    with open(os.path.join(lake, "_manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    # analyze refuses a lake with pseudonymised actions and no key beside it: a fresh one
    # (the generated actor ids are not keyed hashes, so no own account or target matches).
    key = lake.rstrip("/") + ".key"
    if not os.path.exists(key):
        with open(key, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
        os.chmod(key, 0o600)


PIPELINE = """
[output]
dir = "{out}"
[[campaigns]]
id = "kenya"
start = 2024-02-15
end = 2024-03-15
hashtags = ["reachoutforkenya"]
own_accounts = {{ twitter = ["amnesty"], facebook = ["amnesty"], instagram = ["amnesty"] }}
[[campaigns]]
id = "shell"
start = 2024-04-01
end = 2024-04-20
baseline = {{ start = 2024-03-16, end = 2024-03-31 }}
hashtags = ["makethefuture"]
targets = ["shell"]
own_accounts = {{ twitter = ["amnesty"] }}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--actions", type=int, default=10_000_000)
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/rallylens/target")), "release", "rallylens"))
    ap.add_argument("--work", default=None, help="keep the lake here (reused when it has the asked-for sizes)")
    ap.add_argument("--runs", type=int, default=5, help="analyze runs to time (the median is reported)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="rallylens-analyze-")
    lake, out = os.path.join(work, "lake"), os.path.join(work, "out")
    stamp = os.path.join(work, "generated.json")
    sizes = {"posts": a.posts, "actions": a.actions}
    if not (a.work and os.path.exists(stamp) and json.load(open(stamp)) == sizes):
        t = time.time()
        generate(lake, a.posts, a.actions)
        json.dump(sizes, open(stamp, "w"))
        print(f"generated {a.posts} posts, {a.actions} actions in {time.time()-t:.0f} s: {lake}", file=sys.stderr)
    pipe = os.path.join(work, "bench.toml")
    with open(pipe, "w") as f:
        f.write(PIPELINE.format(out=out))
    cmd = ["/usr/bin/time", "-v", a.bin, "--quiet", "analyze", pipe, "--lake", lake, "--out", out]
    # The generator's gigabyte of dirty pages would otherwise be written back during the
    # first run and counted as analyze's time.
    os.sync()
    runs = []
    for _ in range(a.runs):
        t = time.time()
        p = subprocess.run(cmd, capture_output=True, text=True)
        secs = time.time() - t
        if p.returncode != 0:
            print(p.stdout, p.stderr, file=sys.stderr)
            sys.exit(p.returncode)
        g = lambda pat: float(re.search(pat, p.stderr).group(1))
        rss = g(r"Maximum resident set size \(kbytes\): (\d+)") / 1024
        cpu = g(r"User time \(seconds\): ([0-9.]+)") + g(r"System time \(seconds\): ([0-9.]+)")
        runs.append((round(secs, 2), round(rss, 1), round(cpu, 2)))
    secs = sorted(r[0] for r in runs)
    cpus = sorted(r[2] for r in runs)
    print(json.dumps({"posts": a.posts, "actions": a.actions, "runs_seconds": [r[0] for r in runs],
                      "median_seconds": secs[len(secs) // 2], "runs_cpu_seconds": [r[2] for r in runs],
                      "median_cpu_seconds": cpus[len(cpus) // 2], "peak_rss_mb": max(r[1] for r in runs),
                      "cores": os.cpu_count()}))
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
