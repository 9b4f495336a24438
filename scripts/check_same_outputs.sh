#!/usr/bin/env bash
# Usage: scripts/check_same_outputs.sh BEFORE_BIN AFTER_BIN [WORK]
# Checks that a change meant to keep behaviour (a re-cut, a refactor) keeps every output byte:
# CLI texts, synth vs data/, lake dumps of data/ (whole and in 1 MiB chunks) and of every real
# sample and fixture (format forced and detected; logs and exit codes too), the demo run's
# report and charts, and the metric tables computed from one shared lake. Exit 0: all equal.
#   BEFORE_BIN: rallylens built before the change (cp $CARGO_TARGET_DIR/debug/rallylens /tmp/rl-before)
#   AFTER_BIN:  rallylens built after it
# Run from the repository root (data/, pipelines/, tests/fixtures/ are read from here); needs
# python3 with duckdb. Takes a few minutes on 2 cores.
set -euo pipefail
B=$1; A=$2; W=${3:-/tmp/houseplan}; rm -rf "$W"; mkdir -p "$W"
# Both binaries run as "rallylens" (a symlink): clap prints argv[0] in `analyze --help`'s usage line.
mkdir -p "$W/bin-before" "$W/bin-after"
ln -s "$(realpath "$B")" "$W/bin-before/rallylens"; ln -s "$(realpath "$A")" "$W/bin-after/rallylens"
B=$W/bin-before/rallylens; A=$W/bin-after/rallylens
export SOURCE_DATE_EPOCH=0 RALLYLENS_PARQUET_COMPRESSION=none
KEY=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

norm() { sed -E "s#$W/(before|after|shared-before|shared-after)#ROOT#g; s/ in [0-9]+\.[0-9]+ s/ in X s/g"; }
runlog() { local tag=$1; shift; { "$@" >"$tag.out" 2>"$tag.err"; echo $? >"$tag.rc"; } || true
           norm <"$tag.out" >"$tag.out.n"; norm <"$tag.err" >"$tag.err.n"; }

dump_lake() {   # $1 lake  $2 output file
python3 - "$1" >"$2" <<'PY'
import duckdb, json, os, sys, glob
lake = sys.argv[1]
for t in ["posts", "actions", "traffic", "accounts"]:
    files = glob.glob(f"{lake}/{t}/*/*.parquet")
    print(f"## {t} ({len(files)} files)")
    if files:
        src = f"read_parquet({files!r}, hive_partitioning=true, union_by_name=true)"
        cols = [r[0] for r in duckdb.sql(f"describe select * from {src}").fetchall() if r[0] != "ingested_at"]
        q = "select " + ", ".join(f'"{c}"' for c in cols) + f" from {src} order by all"
        for r in duckdb.sql(q).fetchall(): print(r)
for f in sorted(glob.glob(f"{lake}/_rejects/*.parquet")):
    print("## rejects", os.path.basename(f))
    for r in duckdb.sql(f"select * from read_parquet('{f}') order by all").fetchall(): print(r)
m = json.load(open(f"{lake}/_manifest.json"))
for f in m.get("files", []):
    for k in ("ingested_at", "mtime", "abs_path"): f.pop(k, None)
print(json.dumps(m, indent=1, sort_keys=True))
PY
}

for side in before after; do
  BIN=$B; [ $side = after ] && BIN=$A
  S=$W/$side; mkdir -p $S/help
  # 1. CLI texts
  for c in "" run ingest lake analyze validate formats synth; do runlog $S/help/${c:-top} $BIN $c --help; done
  runlog $S/formats $BIN formats
  for p in pipelines/*.toml; do runlog $S/validate-$(basename $p .toml) $BIN validate $p; done
  # 2. synth
  runlog $S/synth $BIN synth --out $S/synth-data
  diff -r -x README.md $S/synth-data data >$S/synth-vs-data.diff || true
  # 3. ingest: data/ whole, then data/ cut in 1 MiB chunks, each into its own lake with a fixed key
  printf '%s\n' $KEY >$S/k.key
  runlog $S/ingest-data  $BIN ingest data --lake $S/lake-data --key $S/k.key
  runlog $S/ingest-chunk $BIN ingest data --lake $S/lake-chunk --key $S/k.key --chunk-mib 1
  runlog $S/ingest-again $BIN ingest data --lake $S/lake-data --key $S/k.key      # all "unchanged" (H1)
  dump_lake $S/lake-data  $S/lake-data.dump
  dump_lake $S/lake-chunk $S/lake-chunk.dump
  # 4. every real sample and hand fixture, forced to its folder's format, one lake per file
  while IFS= read -r f; do                                          # names hold spaces (real FB Insights sample)
    fmt=$(echo "$f" | sed -E 's#tests/fixtures/(real/)?([^/]+)/.*#\2#')
    id=$(echo "$f" | tr '/ ' '__')
    runlog $S/fx-$id $BIN ingest "$f" --format $fmt --lake $S/fx/$id --key $S/k.key
    [ -f $S/fx/$id/_manifest.json ] && dump_lake $S/fx/$id $S/fx-$id.dump
    runlog $S/fxd-$id $BIN ingest "$f" --lake $S/fxd/$id --key $S/k.key        # detected format
  done < <(find tests/fixtures -mindepth 2 -maxdepth 3 \( -type f -o -type d -name dump -o -type d -name export \) \
             ! -name '*.md' ! -name '*.py' ! -path '*/licenses/*' ! -path '*/ga4-source-categories/*' | sort)
  # 5. the demo through its pipeline (pipeline option path, H2): ingest + analyze + render
  mkdir -p $S/proj/out/kenya_vs_shell && cp -r data pipelines $S/proj/
  printf '%s\n' $KEY >$S/proj/out/kenya_vs_shell/lake.key          # Pseudonymizer::key_path(lake) = <lake>.key
  ( cd $S/proj && runlog $S/run-demo $BIN run pipelines/kenya_vs_shell.toml )
  dump_lake $S/proj/out/kenya_vs_shell/lake $S/run-demo-lake.dump
  # the report's Inputs table shows each file's ingest time: the only time left once SOURCE_DATE_EPOCH=0
  for r in report.html report.md; do
    sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|\+00:00)/TIME/g' \
      $S/proj/out/kenya_vs_shell/$r >$S/run-demo-$r.n
  done
  ( cd $S/proj/out/kenya_vs_shell && sha256sum charts/* ) >$S/run-demo-charts.n
done

# 6. analyze from ONE lake (before's copy) with both binaries: metric bytes must be equal as files
for side in before after; do
  BIN=$B; [ $side = after ] && BIN=$A
  P=$W/shared-$side; cp -a $W/before/proj $P
  ( cd $P && runlog $W/$side/analyze-shared $BIN analyze pipelines/kenya_vs_shell.toml --out $P/analyzed )
done

# 7. compare
fail=0
while read -r f; do
  cmp -s "$W/before/$f" "$W/after/$f" || { echo "DIFF $f"; diff "$W/before/$f" "$W/after/$f" | head -20; fail=1; }
done < <(cd $W/before && find . \( -name '*.n' -o -name '*.rc' -o -name '*.dump' -o -name '*.diff' \) | sort)
while read -r f; do
  cmp "$W/shared-before/analyzed/$f" "$W/shared-after/analyzed/$f" || fail=1
done < <(cd $W/shared-before/analyzed && find . -type f | sort)
[ -s $W/before/synth-vs-data.diff ] && { echo "synth != data/ (before)"; fail=1; }
[ -s $W/after/synth-vs-data.diff ]  && { echo "synth != data/ (after)";  fail=1; }
exit $fail
