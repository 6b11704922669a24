#!/usr/bin/env bash
# Worker processes vs threads (docs/benchmarks.md, "Worker processes vs threads").
# Generates the data set once, times `tally count` with each executor (/usr/bin/time, median of
# $RUNS interleaved runs), then kills one worker process mid-job and checks the totals are exact.
# Usage: bench/workers-vs-threads.sh [DATA_DIR]   (default /tmp/tally-bench; RUNS=11 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-/tmp/tally-bench}
runs=${RUNS:-11}
workers=${WORKERS:-$(nproc)}

dotnet build src/Tally.Cli -c Release -v q --nologo >/dev/null
tally=$PWD/src/Tally.Cli/bin/Release/net10.0/tally
[ -d "$data/gz" ] || "$tally" gen --out "$data/gz" --rows 3000000 --base-words 30000 >/dev/null
[ -d "$data/plain" ] || "$tally" gen --out "$data/plain" --rows 3000000 --base-words 30000 --plain >/dev/null

mkdir -p "$data/tiny" && printf 'Aardvark\t2000\t1\t1\n' > "$data/tiny/one-row"

echo "$(nproc) cores, $(uname -sr), $(dotnet --version) SDK; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for set in tiny gz plain; do
  echo "== $set: $(du -sb "$data/$set" | cut -f1) bytes in $(ls "$data/$set" | wc -l) files, $workers workers, $runs runs each"
  # Interleaved, threads then processes in every round, so a change in the machine's load
  # (it is shared) falls on both executors alike; one untimed round first warms the file cache.
  times=$(mktemp)
  for round in $(seq 0 "$runs"); do
    for executor in threads processes; do
      /usr/bin/time -f "$round $executor %e %U %S" -a -o "$times" \
        "$tally" count "$data/$set" -w Aardvark --quiet --workers "$workers" --executor "$executor" >/dev/null
    done
  done
  python3 - "$times" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.split() and line.split()[0] != "0"]
for executor in ("threads", "processes"):
    wall = [float(r[2]) for r in rows if r[1] == executor]
    cpu = [float(r[3]) + float(r[4]) for r in rows if r[1] == executor]
    print(f"{executor:10} wall median {statistics.median(wall):.3f} s (min {min(wall):.3f}, max {max(wall):.3f})"
          f"  cpu (user+sys, children included) median {statistics.median(cpu):.3f} s")
PY
  rm -f "$times"
done

echo "== one worker process killed mid-job ($data/gz)"
expected=$("$tally" count "$data/gz" -o "$data/threads.tsv" --quiet && sha256sum < "$data/threads.tsv")
"$tally" count "$data/gz" -o "$data/processes.tsv" -w Aardvark --executor processes --workers "$workers" --verbose &
parent=$!
victim=""
for _ in $(seq 200); do
  victim=$(pgrep -P "$parent" | head -n 1 || true)
  [ -n "$victim" ] && break
  sleep 0.01
done
sleep 0.2
echo "killing worker process $victim (kill -9) of tally $parent"
kill -9 "$victim"
wait "$parent"
actual=$(sha256sum < "$data/processes.tsv")
if [ "$expected" = "$actual" ]; then echo "totals identical to threads ($(wc -l < "$data/processes.tsv") ngrams)"; else echo "TOTALS DIFFER"; exit 1; fi
