#!/usr/bin/env bash
# End-to-end comparison of `tally count` with what a user could pick instead, on the same data in
# the same run: the origin's Python design, mawk, DuckDB, naive C# (Dictionary, PLINQ), and two
# floors (inflate only with System.IO.Compression and with ISA-L's igzip, newline count only), and
# tally pinned to zlib-ng (tally-zlib) to show what ISA-L gives. Writes bench/results/latest.md.
#
#   bench/run.sh                                   standard set: 3 files x 13M rows, gz and plain
#   TALLY_BENCH_ROWS=200000 TALLY_BENCH_BASE_WORDS=10000 TALLY_BENCH_RUNS=3 bench/run.sh    quick
#
# Environment (defaults in brackets):
#   TALLY_BENCH_ROWS [13000000]  TALLY_BENCH_BASE_WORDS [120000]  TALLY_BENCH_SEED [42]
#   TALLY_BENCH_LETTERS [abc]    one generated file per letter
#   TALLY_BENCH_RUNS [5]         timed runs per command, after one warm-up run
#   TALLY_BENCH_SLOW_RUNS [2]    timed runs, no warm-up, for TALLY_BENCH_SLOW_PEERS
#   TALLY_BENCH_SLOW_PEERS [python naive-plinq]   peers that take minutes on the standard set
#   TALLY_BENCH_SLOW_RSS [0]     1: also measure peak RSS of slow peers (one more run each)
#   TALLY_BENCH_PEERS [all]      subset, e.g. "tally mawk duckdb"
#   TALLY_BENCH_INPUTS [gz plain]
#   TALLY_BENCH_TALLY_BIN        use this tally executable instead of publishing src/Tally.Cli
#   TALLY_BENCH_GEN              command run as `$TALLY_BENCH_GEN gen --out DIR ...` [the tally binary]
#   TALLY_BENCH_SKIP_INSTALL [0] 1: never call apt-get or npm
#
# Data is generated once per size into bench/data/ (the standard set) or bench/data/<size>/, and
# read from a warm page cache: every command gets a warm-up run or follows one that read the same
# files, so the numbers measure CPU work, not the disk.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

rows="${TALLY_BENCH_ROWS:-13000000}"
base_words="${TALLY_BENCH_BASE_WORDS:-120000}"
seed="${TALLY_BENCH_SEED:-42}"
letters="${TALLY_BENCH_LETTERS:-abc}"
runs="${TALLY_BENCH_RUNS:-5}"
slow_runs="${TALLY_BENCH_SLOW_RUNS:-2}"
slow_peers=" ${TALLY_BENCH_SLOW_PEERS:-python naive-plinq} "
slow_rss="${TALLY_BENCH_SLOW_RSS:-0}"
all_peers="tally tally-zlib python mawk duckdb naive-dict naive-plinq floor-inflate floor-igzip floor-newlines"
peers=" ${TALLY_BENCH_PEERS:-$all_peers} "
inputs="${TALLY_BENCH_INPUTS:-gz plain}"

bin_dir="$root/bench/.bin"
results_dir="$root/bench/results"
raw_dir="$results_dir/raw"
python=/usr/bin/python3

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }
wants() { [[ "$peers" == *" $1 "* ]]; }
is_slow() { [[ "$slow_peers" == *" $1 "* ]]; }

[[ "$rows" =~ ^[0-9]+$ && "$base_words" =~ ^[0-9]+$ && "$runs" =~ ^[1-9][0-9]*$ && "$slow_runs" =~ ^[1-9][0-9]*$ ]] \
  || die "TALLY_BENCH_ROWS, _BASE_WORDS, _RUNS and _SLOW_RUNS must be positive integers"
for input in $inputs; do
  [[ "$input" == gz || "$input" == plain ]] || die "TALLY_BENCH_INPUTS holds '$input'; use gz and/or plain"
done
for peer in $peers; do
  [[ " $all_peers " == *" $peer "* ]] || die "unknown peer '$peer' in TALLY_BENCH_PEERS (known: $all_peers)"
done

# --- (a) tools ---------------------------------------------------------------------------------
install_missing() {
  local missing=()
  command -v mawk >/dev/null || missing+=(mawk)
  command -v pigz >/dev/null || missing+=(pigz)
  command -v hyperfine >/dev/null || missing+=(hyperfine)
  # ISA-L: tally inflates with it when installed; igzip gives its floor.
  [[ -e /usr/lib/x86_64-linux-gnu/libisal.so.2 ]] || missing+=(libisal2)
  command -v igzip >/dev/null || missing+=(isal)
  [[ -x /usr/bin/time ]] || missing+=(time)
  [[ -x "$python" ]] || missing+=(python3)
  "$python" -c 'import aiofiles' 2>/dev/null || missing+=(python3-aiofiles)
  "$python" -c 'import tqdm' 2>/dev/null || missing+=(python3-tqdm)
  if wants duckdb && ! command -v npm >/dev/null; then missing+=(nodejs npm); fi
  if ((${#missing[@]} > 0)); then
    [[ "${TALLY_BENCH_SKIP_INSTALL:-0}" == 1 ]] && die "missing: ${missing[*]} (and TALLY_BENCH_SKIP_INSTALL=1)"
    local sudo=()
    ((EUID == 0)) || sudo=(sudo)
    say "installing ${missing[*]} with apt-get"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  command -v dotnet >/dev/null || die "dotnet is not on PATH; install the .NET 10 SDK"
  if wants duckdb && [[ ! -d bench/peers/duckdb/node_modules/@duckdb/node-api ]]; then
    [[ "${TALLY_BENCH_SKIP_INSTALL:-0}" == 1 ]] && die "bench/peers/duckdb has no node_modules (and TALLY_BENCH_SKIP_INSTALL=1)"
    say "installing @duckdb/node-api (npm ci)"
    (cd bench/peers/duckdb && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
install_missing

# --- (c) build: tally first, so it can also generate the data -------------------------------------
# Every .NET program here is published the same way tally ships (its `release` publish profile):
# self-contained, trimmed, and precompiled as one ReadyToRun composite image with the .NET
# libraries (compiled with the runtime pack's profile: Directory.Build.targets), so startup JIT
# (about 0.1 CPU-s of a sub-second run) is not what gets compared.
# About half a minute each.
publish() {
  local project="$1" out="$2"
  say "publishing $project"
  rm -rf "$out"
  dotnet publish "$project" -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -p:PublishTrimmed=true \
    -o "$out" -nologo -v quiet >"$raw_dir/publish-$(basename "$out").log" 2>&1 \
    || { cat "$raw_dir/publish-$(basename "$out").log" >&2; die "could not publish $project"; }
}
mkdir -p "$raw_dir"
if [[ -n "${TALLY_BENCH_TALLY_BIN:-}" ]]; then
  tally="$TALLY_BENCH_TALLY_BIN"
  [[ -x "$tally" ]] || die "TALLY_BENCH_TALLY_BIN=$tally is not an executable"
else
  publish src/Tally.Cli "$bin_dir/tally"
  tally="$bin_dir/tally/tally"
fi
if wants naive-dict || wants naive-plinq; then publish bench/peers/NaiveCount "$bin_dir/naivecount"; fi
if wants floor-inflate || wants floor-newlines; then publish bench/peers/Floors "$bin_dir/floors"; fi

# --- (b) data ------------------------------------------------------------------------------------
params="rows=$rows base_words=$base_words seed=$seed letters=$letters"
if [[ "$params" == "rows=13000000 base_words=120000 seed=42 letters=abc" ]]; then
  data_dir="$root/bench/data"
else
  data_dir="$root/bench/data/r$rows-w$base_words-s$seed-$letters"
fi
generator="${TALLY_BENCH_GEN:-$tally}"
for kind in gz plain; do
  dir="$data_dir/$kind"
  if [[ -f "$dir/.params" && "$(cat "$dir/.params")" == "$params" ]]; then continue; fi
  say "generating the $kind set ($params) into $dir"
  rm -rf "$dir"
  flags=()
  [[ "$kind" == plain ]] && flags+=(--plain)
  # shellcheck disable=SC2086  # TALLY_BENCH_GEN may be a command with arguments
  $generator gen --out "$dir" --letters "$letters" --rows "$rows" --base-words "$base_words" --seed "$seed" "${flags[@]}" >&2 \
    || die "generating data failed; is 'tally gen' implemented? (TALLY_BENCH_GEN=... selects another generator)"
  echo "$params" >"$dir/.params"
done
shopt -s nullglob
gz_files=("$data_dir"/gz/googlebooks-*.gz)
plain_files=("$data_dir"/plain/googlebooks-*)
shopt -u nullglob
((${#gz_files[@]} > 0 && ${#plain_files[@]} > 0)) || die "no generated files in $data_dir"
if [[ ! -f "$data_dir/plain/.rows" ]]; then
  cat "${plain_files[@]}" | wc -l >"$data_dir/plain/.rows"
fi
total_rows="$(tr -d ' ' <"$data_dir/plain/.rows")"
plain_bytes="$(cat "${plain_files[@]}" | wc -c)"
gz_bytes="$(cat "${gz_files[@]}" | wc -c)"

# --- (d, e) measure and verify ---------------------------------------------------------------------
# Prints the shell command that runs PEER on INPUT's files (FILES: already quoted, space-ended).
peer_command() {
  local peer="$1" input="$2" files="$3" out="$4"
  case "$peer" in
    tally) echo "$(printf %q "$tally") count $files-o $(printf %q "$out") --quiet" ;;
    tally-zlib) [[ "$input" == gz ]] && echo "env TALLY_INFLATE=zlib $(printf %q "$tally") count $files-o $(printf %q "$out") --quiet" ;;
    python) echo "$python bench/peers/origin_asyncio.py $files--out $(printf %q "$out")" ;;
    mawk) echo "bench/peers/mawk_count.sh $files> $(printf %q "$out")" ;;
    duckdb) echo "node bench/peers/duckdb/count.mjs $files--out $(printf %q "$out")" ;;
    naive-dict) echo "$bin_dir/naivecount/NaiveCount dict $files--out $(printf %q "$out")" ;;
    naive-plinq) echo "$bin_dir/naivecount/NaiveCount plinq $files--out $(printf %q "$out")" ;;
    floor-inflate) [[ "$input" == gz ]] && echo "$bin_dir/floors/Floors inflate $files" ;;
    floor-igzip) [[ "$input" == gz ]] && echo "bench/peers/igzip_floor.sh $files" ;;
    floor-newlines) [[ "$input" == plain ]] && echo "$bin_dir/floors/Floors newlines $files" ;;
  esac
}

aardvark_of() { grep -P '^Aardvark\t' "$1" 2>/dev/null | head -1 | cut -f2 || true; }

# Reference per input: tally's table (and its --word answer) when tally runs, else naive-dict's.
reference_peer=naive-dict
wants tally && reference_peer=tally
ledger="$raw_dir/ledger.tsv"
printf 'peer\tinput\tstatus\tjson\trss\tcheck\n' >"$ledger"
failures=0

for input in $inputs; do
  if [[ "$input" == gz ]]; then files="$(printf '%q ' "${gz_files[@]}")"; else files="$(printf '%q ' "${plain_files[@]}")"; fi
  reference_table=""
  reference_aardvark=""
  for peer in $peers; do
    out="$raw_dir/$peer-$input.tsv"
    command="$(peer_command "$peer" "$input" "$files" "$out")" || true
    [[ -z "$command" ]] && continue
    rm -f "$out"
    json="$raw_dir/hyperfine-$peer-$input.json"
    if is_slow "$peer"; then warmup=0 n="$slow_runs"; else warmup=1 n="$runs"; fi
    say "$peer on $input: $warmup warm-up and $n timed run(s)"
    status=ok
    hyperfine --style basic --warmup "$warmup" --runs "$n" --export-json "$json" -n "$peer" "$command" >&2 || status=failed

    rss=""
    if [[ "$status" == ok ]] && { ! is_slow "$peer" || [[ "$slow_rss" == 1 ]]; }; then
      /usr/bin/time -v -o "$raw_dir/time-$peer-$input.txt" bash -c "$command" >"$raw_dir/stdout-$peer-$input.txt" 2>&1 || status=failed
      rss="$(grep -oP 'Maximum resident set size \(kbytes\): \K[0-9]+' "$raw_dir/time-$peer-$input.txt" || true)"
    fi

    check=""
    if [[ "$status" != ok ]]; then
      check="failed"
      failures=$((failures + 1))
    elif [[ "$peer" == floor-* ]]; then
      # A floor is right when it read what the data holds: every line, or every uncompressed byte.
      if [[ ! -f "$raw_dir/stdout-$peer-$input.txt" ]]; then
        check="-"
      elif [[ "$peer" == floor-newlines ]]; then
        grep -q "^newlines: $total_rows lines" "$raw_dir/stdout-$peer-$input.txt" && check="$total_rows lines" || check="WRONG line count"
      else
        grep -q "^inflate: $plain_bytes bytes" "$raw_dir/stdout-$peer-$input.txt" && check="$plain_bytes bytes" || check="WRONG byte count"
      fi
    else
      LC_ALL=C sort -o "$out.sorted" "$out"
      aardvark="$(aardvark_of "$out")"
      if [[ "$peer" == "$reference_peer" ]]; then
        reference_table="$out.sorted"
        reference_aardvark="$aardvark"
        if [[ "$peer" == tally ]]; then
          word_line="$(bash -c "$(printf %q "$tally") count $files--word Aardvark --quiet" 2>/dev/null | grep -P '^Aardvark\t' || true)"
          if [[ -z "$word_line" ]]; then
            echo "note: 'tally count --word Aardvark --quiet' printed no Aardvark line; using tally's table only" >&2
          elif [[ "${word_line#*$'\t'}" != "$aardvark" ]]; then
            check="NO: --word says ${word_line#*$'\t'}, table says $aardvark"
          fi
        fi
        [[ -z "$check" ]] && check="reference (Aardvark $aardvark)"
      elif [[ -z "$reference_table" ]]; then
        check="Aardvark $aardvark (no reference)"
      elif [[ "$aardvark" != "$reference_aardvark" ]]; then
        check="NO: Aardvark $aardvark vs $reference_aardvark"
      elif cmp -s "$out.sorted" "$reference_table"; then
        check="yes (Aardvark $aardvark, full table)"
      else
        check="Aardvark only: tables differ ($(diff "$out.sorted" "$reference_table" | grep -c '^[<>]') lines)"
      fi
      [[ "$check" == NO* || "$check" == *differ* ]] && failures=$((failures + 1))
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$peer" "$input" "$status" "$json" "$rss" "$check" >>"$ledger"
  done
done

# --- (f) report ------------------------------------------------------------------------------------
machine="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB"
versions="dotnet $(dotnet --version), tally's gzip inflate: $("$tally" count --verbose /dev/null 2>&1 | grep -oP 'gzip inflate: \K.*' || echo unknown), $("$python" --version 2>&1), mawk $(mawk -W version 2>&1 | head -1 | awk '{print $2}'), node $(node --version 2>/dev/null || echo -), hyperfine $(hyperfine --version | awk '{print $2}')"
"$python" bench/summarize.py \
  --ledger "$ledger" --rows "$total_rows" --files "${#plain_files[@]}" \
  --plain-bytes "$plain_bytes" --gz-bytes "$gz_bytes" --params "$params" \
  --machine "$machine" --versions "$versions" --runs "$runs" --slow-runs "$slow_runs" \
  --out "$results_dir/latest.md"
cat "$results_dir/latest.md"

if ((failures > 0)); then
  die "$failures peer run(s) failed or disagreed with $reference_peer; see the table above and $raw_dir"
fi
