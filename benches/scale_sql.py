#!/usr/bin/env python3
"""`rallylens sql` against DuckDB at scale: the benchmark lake of scale_analyze.py (1 M posts,
10 M actions by default), three typical queries, each run through `rallylens sql` and through
python DuckDB over the same Parquet files, in the same run; reports the median seconds of
each and checks that both give the same rows.

Each rallylens run is a new process (reading the manifest, planning, scanning, printing
CSV), so its time includes the start-up; each DuckDB run is a new connection with the same
views (docs/sql.md), timed around the query and fetching its rows.

    cargo build --release
    python3 benches/scale_sql.py --bin ~/.cache/rallylens/target/release/rallylens
"""
import argparse, csv, io, json, os, shutil, subprocess, sys, tempfile, time

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scale_analyze import generate  # noqa: E402

QUERIES = {
    # A full scan of actions: verbs and distinct actors.
    "verbs": "SELECT action, count(*) AS n, count(DISTINCT actor_id) AS actors FROM actions GROUP BY action",
    # A date window: actions per UTC day in March 2024.
    "window": "SELECT CAST(occurred_at AS DATE) AS day, count(*) AS n FROM actions "
              "WHERE CAST(occurred_at AS DATE) BETWEEN DATE '2024-03-01' AND DATE '2024-03-31' GROUP BY day",
    # A join: actions to the posts they answer, per platform and origin.
    "join": "SELECT p.platform, p.origin, count(*) AS actions FROM actions a JOIN posts p ON a.post_id = p.post_id "
            "GROUP BY p.platform, p.origin",
}


def rows_of_csv(text):
    r = list(csv.reader(io.StringIO(text)))
    return sorted(tuple(c for c in row) for row in r[1:])


def text(v):
    return "" if v is None else str(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--actions", type=int, default=10_000_000)
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/rallylens/target")), "release", "rallylens"))
    ap.add_argument("--work", default=None, help="keep the lake here (reused when it exists)")
    ap.add_argument("--runs", type=int, default=5, help="runs per query and engine (the median is reported)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="rallylens-sql-")
    lake = os.path.join(work, "lake")
    if not os.path.exists(os.path.join(lake, "_manifest.json")):
        t = time.time()
        generate(lake, a.posts, a.actions)
        print(f"generated {a.posts} posts, {a.actions} actions in {time.time()-t:.0f} s: {lake}", file=sys.stderr)
        os.sync()
    result = {"posts": a.posts, "actions": a.actions, "cores": os.cpu_count(), "queries": {}}
    for name, q in QUERIES.items():
        ours, theirs, got, want = [], [], None, None
        for _ in range(a.runs):
            t = time.time()
            p = subprocess.run([a.bin, "--quiet", "sql", "--lake", lake, "--format", "csv", q], capture_output=True, text=True)
            ours.append(time.time() - t)
            if p.returncode != 0:
                print(p.stderr, file=sys.stderr)
                sys.exit(p.returncode)
            got = rows_of_csv(p.stdout)
            con = duckdb.connect()
            con.execute("SET TimeZone = 'UTC'")
            for tbl in ["posts", "actions", "traffic", "accounts"]:
                con.execute(f"CREATE VIEW {tbl} AS SELECT * FROM read_parquet('{lake}/{tbl}/*/*.parquet', hive_partitioning = true)")
            t = time.time()
            res = con.sql(q).fetchall()
            theirs.append(time.time() - t)
            want = sorted(tuple(text(c) for c in row) for row in res)
            con.close()
        if got != want:
            print(f"{name}: rallylens and DuckDB differ:\n{got[:5]}\n{want[:5]}", file=sys.stderr)
            sys.exit(1)
        med = lambda xs: round(sorted(xs)[len(xs) // 2], 2)
        result["queries"][name] = {"sql": q, "rows": len(got), "rallylens_seconds": med(ours), "duckdb_seconds": med(theirs)}
    print(json.dumps(result, indent=1))
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
