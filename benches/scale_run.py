#!/usr/bin/env python3
"""`rallylens run` at scale: synth exports of the Kenya vs Shell demo at --scale N, then
the demo pipeline run cold (ingest + analyze + render), then run again unchanged (what a
nightly cron job does when nothing new arrived). Reports seconds, peak RSS, sizes and
lake rows.

    cargo build --release
    python3 benches/scale_run.py --scale 400 --bin ~/.cache/rallylens/target/release/rallylens

The work folder (default: a temp folder, removed after) gets data/ (the synth exports),
pipelines/ (a copy of the repo's, whose relative paths then point into
the work folder) and out/.
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(cmd, cwd):
    """Runs cmd in a child python so that its peak RSS is its own."""
    code = (
        "import json,resource,subprocess,sys,time\n"
        "t=time.perf_counter();p=subprocess.run(sys.argv[1:],capture_output=True,text=True)\n"
        "print(json.dumps({'secs':time.perf_counter()-t,'rss':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024,"
        "'code':p.returncode,'out':p.stdout,'err':p.stderr}))\n"
    )
    r = subprocess.run([sys.executable, "-c", code, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
    v = json.loads(r.stdout)
    if v["code"] != 0:
        sys.exit(f"{' '.join(cmd)} failed ({v['code']}):\n{v['out']}\n{v['err']}")
    return v


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(d, f))
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=400)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--bin", default=os.path.expanduser("~/.cache/rallylens/target/release/rallylens"))
    ap.add_argument("--work", default=None, help="keep everything in this folder")
    ap.add_argument("--reruns", type=int, default=3, help="unchanged reruns to time")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="rallylens-run-")
    os.makedirs(work, exist_ok=True)
    try:
        data = os.path.join(work, "data")
        if not os.path.exists(os.path.join(data, ".synth-done")):
            shutil.rmtree(data, ignore_errors=True)
            cmd = [a.bin, "synth", "--out", data, "--scale", str(a.scale)] + (["--seed", str(a.seed)] if a.seed is not None else [])
            v = measure(cmd, work)
            open(os.path.join(data, ".synth-done"), "w").close()
            print(f"synth --scale {a.scale}: {v['secs']:.1f} s, peak RSS {v['rss']:.0f} MB, {du(data) / 1e9:.2f} GB written")
        os.makedirs(os.path.join(work, "pipelines"), exist_ok=True)
        # The whole folder: the pipeline names other files of it (key accounts lists).
        shutil.copytree(os.path.join(ROOT, "pipelines"), os.path.join(work, "pipelines"), dirs_exist_ok=True)
        shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
        pipeline = os.path.join("pipelines", "kenya_vs_shell.toml")

        v = measure([a.bin, "run", pipeline], work)
        print(f"run, cold: {v['secs']:.1f} s, peak RSS {v['rss']:.0f} MB")
        for line in v["err"].splitlines():
            if re.match(r"(ingest|analyze|render):", line):
                print("   ", line)
        lake = os.path.join(work, "out", "kenya_vs_shell", "lake")
        s = json.loads(subprocess.run([a.bin, "lake", lake, "--json"], capture_output=True, text=True, check=True).stdout)
        rows = {}
        for p in s["partitions"]:
            rows[p["table"]] = rows.get(p["table"], 0) + p["rows"]
        print("lake rows: " + ", ".join(f"{t} {n:,}" for t, n in sorted(rows.items())) + f"; lake {du(lake) / 1e9:.2f} GB")

        secs = []
        for _ in range(a.reruns):
            v = measure([a.bin, "run", pipeline], work)
            render = re.search(r"render: \d+ charts in ([0-9.]+) s", v["err"])
            ingest = re.search(r"ingest: .* in ([0-9.]+) s", v["err"])
            assert "metrics reused" in v["err"], v["err"]
            secs.append((v["secs"], float(render.group(1)), float(ingest.group(1)), v["rss"]))
        secs.sort()
        total, render, ingest, rss = secs[len(secs) // 2]
        print(f"run, unchanged (median of {a.reruns}): {total:.2f} s in all, of which ingest check {ingest:.2f} s, "
              f"render {render:.2f} s; without render {total - render:.2f} s; peak RSS {rss:.0f} MB")
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
