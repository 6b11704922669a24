#!/usr/bin/env python3
"""The cluster's two speed bounds (issue 16), measured on one machine, with public tools only.

1. One node with 2 slots (`tally node --join`, a fixed coordinator) against a local count with
   2 workers, on the same files: `count --word Aardvark --top 3`. Bound: at most 1.2x the time.
2. Two nodes pinned to a core each (`taskset -c 0`, `-c 1`, `--slots 1`) against one node on core
   0, each a standing cluster with a Redis server of its own, `--reduce-on-nodes 2 -o DIR/`.
   Bound: at least 1.8x the throughput (the inverse of the wall-time ratio).
3. Not a bound: the machine's own ceiling for bound 2's split, with no cluster. Two local counts
   (`--workers 1`) on a core each, half the files each, started together, against one local
   count of all the files on one core.

Every run is a whole process, timed from outside (start to exit); the two commands of a bound
alternate, A B A B ..., and the ratio is taken pair by pair, so a drift in the machine's speed
touches both sides alike. The report gives medians and the pairs' range, and checks that the two
sides agree: the printed totals for bound 1, the parts byte for byte for bound 2. After bound 2's
pairs, one more job a side runs with --verbose, untimed by the pairs, and the report shows where
its time went: the first task's start, the map and its tail, each source's time, the reduce, the end.

    bench/cluster.py                       # six files of 52 M rows (1.6 GB), 5 pairs each
    TALLY_BENCH_ROWS=200000 TALLY_BENCH_BASE_WORDS=10000 TALLY_BENCH_RUNS=2 bench/cluster.py   # quick

Settings (environment): TALLY_BENCH_ROWS [52000000] rows per file, TALLY_BENCH_BASE_WORDS
[480000], TALLY_BENCH_SEED [7], TALLY_BENCH_LETTERS [abcdef] (one file each), TALLY_BENCH_RUNS [5]
pairs per bound after one warm-up pair, TALLY_BENCH_TALLY_BIN (an untrimmed tally to use instead
of publishing one into bench/.bin/tally-cluster/). Needs redis-server and taskset on PATH, and
ISA-L (libisal2), which tally inflates gzip with.
Writes bench/results/cluster-latest.md.
"""

import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from cluster_common import BASE_WORDS, BENCH, LETTERS, ROWS, SEED, Services, bench_data, check_tools, free_port, tally_binary, wait_for_line

RUNS = int(os.environ.get("TALLY_BENCH_RUNS", "5"))


def timed(command):
    """Wall time from start to exit of one command, or of several started together (a list of commands) until the last exits."""
    commands = command if isinstance(command[0], list) else [command]
    start = time.monotonic()
    running = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    outputs = [p.communicate() for p in running]
    wall = time.monotonic() - start
    for c, p, (_, err) in zip(commands, running, outputs):
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(c)} ended with {p.returncode}:\n{err}")
    return wall, "".join(out for out, _ in outputs)


def pairs(a, b, check):
    """Runs a and b in turn (one warm-up pair, then RUNS pairs): medians, per-pair ratios a/b, and every pair's walls."""
    walls_a, walls_b, ratios = [], [], []
    for i in range(RUNS + 1):
        wa, out_a = timed(a)
        wb, out_b = timed(b)
        check(out_a, out_b)
        if i > 0:
            walls_a.append(wa)
            walls_b.append(wb)
            ratios.append(wa / wb)
    return statistics.median(walls_a), statistics.median(walls_b), statistics.median(ratios), min(ratios), max(ratios), list(zip(walls_a, walls_b))


def timeline(command):
    """One job with --verbose, its lines stamped as they arrive: where its wall time went.

    Returns the first task's start, the map (first task to last source), the tail (the first node
    done with its sources to the last), the splitters (last source to first reducer), the reduce
    (first reducer to last part), the end (last part to exit), the wall, and every source's own
    time as the job reports it.
    """
    start = time.monotonic()
    proc = subprocess.Popen([*command, "--verbose"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = [(time.monotonic() - start, line.rstrip("\n")) for line in proc.stderr]
    proc.wait()
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} --verbose ended with {proc.returncode}:\n" + "\n".join(line for _, line in lines))

    def stamps(pattern):
        return [(t, m) for t, line in lines if (m := re.search(pattern, line))]

    started = [t for t, _ in stamps(r"node \S+: started ")]
    last_finished = {}
    for t, m in stamps(r"node (\S+): finished "):
        last_finished[m.group(1)] = t
    reducing = [t for t, _ in stamps(r"node \S+: reducing part-")]
    wrote = [t for t, _ in stamps(r"node \S+: wrote part-")]
    files = [float(m.group(1)) for _, m in stamps(r"^tally: done .* in ([0-9.]+) s \(")]
    if not (started and last_finished and reducing and wrote and files):
        raise SystemExit("the --verbose job printed no timeline to read:\n" + "\n".join(line for _, line in lines))
    map_end = max(last_finished.values())
    return {
        "first task": min(started),
        "map": map_end - min(started),
        "tail": map_end - min(last_finished.values()),
        "splitters": min(reducing) - map_end,
        "reduce": max(wrote) - min(reducing),
        "end": wall - max(wrote),
        "wall": wall,
        "files": (min(files), statistics.median(files), max(files)),
    }


def main():
    check_tools("redis-server", "taskset")
    tally = tally_binary()
    data = bench_data(tally)
    size = sum(f.stat().st_size for f in data.iterdir())
    work = Path(tempfile.mkdtemp(prefix="tally-cluster-bench-"))
    # The coordinators' and nodes' start-up profiles (README, "Many machines") go to this run's own
    # cache, not the home folder's: the warm-up pair records them, so every run measured plays one
    # recorded by this build, whatever the machine's cache holds.
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")
    services = Services(work)
    try:
        # Bound 1: one node, a fixed coordinator at a port of its own.
        port = free_port()
        services.start("node-slots2", [tally, "node", "--join", f"127.0.0.1:{port}", "--allow", str(data), "--slots", "2"])
        query = ["--word", "Aardvark", "--top", "3", str(data)]

        def same_totals(a, b):
            if a != b:
                raise SystemExit(f"the cluster printed\n{a}\nand the local count\n{b}")

        one = pairs([tally, "count", "--cluster", f"127.0.0.1:{port}", *query], [tally, "count", "--workers", "2", *query], same_totals)

        # Bound 2: standing clusters, one Redis each; the parts are written under this run's work
        # folder, which every node may write (--allow).
        redis_one, redis_two = services.redis("redis-one"), services.redis("redis-two")
        services.start("one-node", ["taskset", "-c", "0", tally, "node", "--membership", f"redis://127.0.0.1:{redis_one}", "--allow", str(work), "--allow", str(data), "--slots", "1"])
        services.start("two-nodes-0", ["taskset", "-c", "0", tally, "node", "--membership", f"redis://127.0.0.1:{redis_two}", "--allow", str(work), "--allow", str(data), "--slots", "1"])
        services.start("two-nodes-1", ["taskset", "-c", "1", tally, "node", "--membership", f"redis://127.0.0.1:{redis_two}", "--allow", str(work), "--allow", str(data), "--slots", "1"])
        for name in ("one-node", "two-nodes-0", "two-nodes-1"):
            wait_for_line(work / f"{name}.log", r" joined redis://")
        out_one, out_two = work / "parts-one", work / "parts-two"

        def same_parts(_a, _b):
            names = sorted(p.name for p in out_one.iterdir())
            if names != sorted(p.name for p in out_two.iterdir()) or any((out_one / n).read_bytes() != (out_two / n).read_bytes() for n in names):
                raise SystemExit(f"the parts of {out_one} and {out_two} differ")

        reduce = ["--reduce-on-nodes", "2", str(data)]
        two_nodes = [tally, "count", "--cluster", f"redis://127.0.0.1:{redis_two}", "--nodes", "2", "-o", f"{out_two}/", *reduce]
        one_node = [tally, "count", "--cluster", f"redis://127.0.0.1:{redis_one}", "--nodes", "1", "-o", f"{out_one}/", *reduce]
        two = pairs(two_nodes, one_node, same_parts)
        # Not timed with the pairs: one more job a side, --verbose, so that a run whose ratio moved
        # says where the time went (the start, a slow file, the map's tail, the reduce, the end).
        timelines = {"2 nodes": timeline(two_nodes), "1 node": timeline(one_node)}
    finally:
        services.stop()

    # What the machine itself gives bound 2's split, with no cluster: two local counts on a core
    # each, half the files each, started together, against one local count of all the files on one
    # core. The nodes above are stopped first, so nothing else runs.
    files = sorted(str(f) for f in data.iterdir())
    local = ["count", "--workers", "1", "--word", "Aardvark"]
    halves = [["taskset", "-c", str(core), tally, *local, *files[core::2]] for core in (0, 1)]
    ceiling = pairs(halves, ["taskset", "-c", "0", tally, *local, *files], lambda _a, _b: None)

    machine = f"{os.cpu_count()} cores, {os.uname().release}"
    version = subprocess.run([tally, "--version"], stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    report = [
        f"# Cluster bounds ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"Data: {len(LETTERS)} files of {ROWS:,} rows ({size / 1e9:.2f} GB gzip), base words {BASE_WORDS:,}, seed {SEED}. Machine: {machine}. Build: {version}. {RUNS} pairs each, after one warm-up pair; whole-process wall time, medians.",
        "",
        "| bound | A | B | A wall | B wall | A/B (pairs' range) | result |",
        "|---|---|---|---:|---:|---:|---|",
        f"| at most 1.2x the time | 1 node `--slots 2` | local `--workers 2` | {one[0]:.2f} s | {one[1]:.2f} s | {one[2]:.3f}x ({one[3]:.3f}-{one[4]:.3f}) | {'met' if one[2] <= 1.2 else 'missed'} |",
        f"| at least 1.8x the throughput | 2 nodes on a core each | 1 node on one core | {two[0]:.2f} s | {two[1]:.2f} s | {two[2]:.3f}x: throughput {1 / two[2]:.3f}x ({1 / two[4]:.2f}-{1 / two[3]:.2f}x) | {'met' if 1 / two[2] >= 1.8 else 'missed'} |",
        f"| the machine's own ceiling for bound 2 (no bound) | 2 local counts on a core each, half the files each | 1 local count on one core | {ceiling[0]:.2f} s | {ceiling[1]:.2f} s | {ceiling[2]:.3f}x: throughput {1 / ceiling[2]:.3f}x ({1 / ceiling[4]:.2f}-{1 / ceiling[3]:.2f}x) | |",
        "",
        "Both sides agreed in every pair: the same printed totals (bound 1), the same parts byte for byte (bound 2).",
        "",
        # Every pair, in the order run: a median that moved shows whether one side drifted, a few
        # jobs stalled, or the machine slowed for both.
        "Every pair, A / B in seconds, in the order run:",
        "",
        *(f"- {name}: " + ", ".join(f"{wa:.2f} / {wb:.2f}" for wa, wb in result[5]) for name, result in
          (("bound 1", one), ("bound 2", two), ("the ceiling", ceiling))),
        "",
        "Where the time of bound 2's jobs went: one more job a side after the pairs, `--verbose`, lines stamped as they arrived (seconds):",
        "",
        "| job | first task | map | of it, the tail | a source (min / median / max) | splitters | reduce | end | wall |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(f"| {name} | {t['first task']:.2f} | {t['map']:.2f} | {t['tail']:.2f} | {t['files'][0]:.2f} / {t['files'][1]:.2f} / {t['files'][2]:.2f} | {t['splitters']:.2f} | {t['reduce']:.2f} | {t['end']:.2f} | {t['wall']:.2f} |"
          for name, t in timelines.items()),
        "",
    ]
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "cluster-latest.md").write_text("\n".join(report))
    print("\n".join(report))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
