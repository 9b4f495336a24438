#!/usr/bin/env python3
"""Ingest at scale: generate a twarc2 JSONL of SIZE (default 1 GB) in the real samples'
layout, run `rallylens ingest` on it, and report MB/s and peak RSS.

The file is made of the real twarc2 pages in tests/fixtures/real/twitter-v2-jsonl/ (search pages
and stream lines), with every tweet and user id rewritten so that each page holds new
posts: the same shape, field mix and text lengths as a real collection.

    python3 benches/scale_ingest.py --size-gb 1 --bin target/release/rallylens

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-gb", type=float, default=1.0)
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/rallylens/target")), "release", "rallylens"))
    ap.add_argument("--work", default=None, help="folder for the generated file and lake (default: a temp folder)")
    ap.add_argument("--keep", action="store_true")
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
