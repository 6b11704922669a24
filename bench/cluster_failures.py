#!/usr/bin/env python3
"""How the cluster meets failures (issue 16), measured on loopback with public tools only.

Three nodes of two slots each, unpinned, on this machine; every job counts four of the six
generated files of bench/cluster.py, so that a node's lost tasks find free slots at once and the
time to their rerun is the cluster's own, not a wait for another file to end. For each failure the report gives how long the cluster took to notice it and
to act, and checks that the job still gave exactly what a local count gives:

- a node SIGKILLed mid-task, with a fixed coordinator and with Redis membership: from the signal
  to the coordinator's "lost" line (membership declared the node dead), and to the lost source
  starting on another node;
- a node SIGSTOPped (hung) mid-task: the same; the node is resumed once its task is rerun, and must
  rejoin on its own;
- a node SIGKILLed while it runs a reducer (`--reduce-on-nodes 4 -o DIR/`): to "lost reducer" and
  to the reducer starting again; the parts, concatenated, must equal a local `-o` byte for byte;
- the coordinator SIGKILLed with `--checkpoint` after some sources are done: the same command run
  again must count only the sources not saved, and print the local totals;
- every node killed: from the signal to the job's exit 3 (the nodes-gone grace, 15 s, included);
- a path outside the nodes' `--allow` folders: exit 3 naming the node and the path;
- a truncated gzip file and a malformed row: exit 1 and the same error line as a local count.

    bench/cluster_failures.py                         # 3 rounds of each timed failure
    TALLY_BENCH_RUNS=1 bench/cluster_failures.py      # one round

Settings (environment): TALLY_BENCH_RUNS [3] rounds per timed failure, the data settings of
bench/cluster.py (TALLY_BENCH_ROWS, _BASE_WORDS, _SEED, _LETTERS; the files must take long enough
that a task is still running half a second after it starts), TALLY_BENCH_TALLY_BIN (an untrimmed
tally to use instead of publishing one). Needs redis-server and ISA-L (libisal2).
Writes bench/results/cluster-failures-latest.md.
"""

import gzip
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from cluster_common import BENCH, SEED, Services, bench_data, check_tools, free_port, tally_binary, wait_for_line

RUNS = int(os.environ.get("TALLY_BENCH_RUNS", "3"))
NODES = 3
SLOTS = 2


class Job:
    """A coordinator run with --verbose, its stderr lines stamped as they arrive (read on a thread of its own, so a wait never blocks the pipe)."""

    def __init__(self, command):
        self.start = time.monotonic()
        self.proc = subprocess.Popen([*command, "--verbose"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.changed = threading.Condition()
        self.stdout = ""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.out_reader = threading.Thread(target=self._read_stdout, daemon=True)
        self.out_reader.start()

    def _read(self):
        for line in self.proc.stderr:
            with self.changed:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self.changed.notify_all()
        with self.changed:
            self.lines.append((time.monotonic(), None))  # the end of stderr
            self.changed.notify_all()

    def _read_stdout(self):
        self.stdout = self.proc.stdout.read()

    def wait_for(self, pattern, after=0, limit=120):
        """The first line from index `after` on that matches: (time, match, index); None if the job ends first."""
        deadline = time.monotonic() + limit
        with self.changed:
            i = after
            while True:
                while i < len(self.lines):
                    t, line = self.lines[i]
                    if line is None:
                        return None
                    if m := re.search(pattern, line):
                        return t, m, i
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SystemExit(f"no line matching '{pattern}' within {limit} s:\n{self.text()}")
                self.changed.wait(left)

    def finish(self, limit=300):
        self.proc.wait(timeout=limit)
        self.reader.join()
        self.out_reader.join()
        return self.proc.returncode, time.monotonic()

    def text(self):
        return "\n".join(line for _, line in self.lines if line is not None)


class Cluster:
    """Three nodes of two slots at a fixed coordinator's address, or on a Redis server; a node killed is replaced before the next job."""

    def __init__(self, services, tally, allow, name, redis=None):
        self.services, self.tally, self.allow, self.name = services, tally, allow, name
        self.address = f"redis://127.0.0.1:{redis}" if redis else f"127.0.0.1:{free_port()}"
        self.nodes = {}  # index -> (process, log path)
        self.started = 0
        for i in range(NODES):
            self.start_node(i)
        if redis:
            for i in range(NODES):
                wait_for_line(self.nodes[i][1], r" joined redis://")

    def start_node(self, i):
        self.started += 1
        log_name = f"{self.name}-node{i}-{self.started}"
        how = ["--membership", self.address] if self.address.startswith("redis://") else ["--join", self.address]
        proc = self.services.start(log_name, [self.tally, "node", *how, *(a for root in self.allow for a in ("--allow", str(root))), "--slots", str(SLOTS)])
        self.nodes[i] = (proc, self.services.log_dir / f"{log_name}.log")

    def node_at(self, endpoint):
        """The node whose latest join names `endpoint` (a node keeps its port across jobs; a rejoin after being declared dead names it again)."""
        for i, (proc, log) in self.nodes.items():
            joins = re.findall(r"node (\S+) joined ", log.read_text())
            if joins and joins[-1] == endpoint:
                return i
        raise SystemExit(f"no node of {self.name} joined as {endpoint}")

    def replace_dead(self):
        for i, (proc, _) in list(self.nodes.items()):
            if proc.poll() is not None:
                self.start_node(i)

    def count(self, *args):
        return [self.tally, "count", "--cluster", self.address, "--nodes", str(NODES), *args]


def spread(values):
    if not values:
        return "-"
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}"


def node_failure(cluster, command, sig, check, reducer=False):
    """One job; the node running the first task (or, with reducer, the first reducer) gets `sig`.

    Returns (seconds to the lost line, seconds to the rerun's start), or None when the work
    finished before the signal landed (a reducer can be that quick); the job's output is checked
    either way.
    """
    job = Job(command)
    what = r"reducing (part-\d+)" if reducer else r"started (.+)$"
    first = job.wait_for(rf"node (\S+): {what}")
    endpoint, work = first[1].group(1), first[1].group(2)
    proc, _ = cluster.nodes[cluster.node_at(endpoint)]
    if not reducer:
        # Mid-task: half a second into the source, well before a file of the bench's size ends.
        time.sleep(max(0.0, first[0] + 0.5 - time.monotonic()))
    signalled = time.monotonic()
    proc.send_signal(sig)
    lost_pattern = rf"node {re.escape(endpoint)}: lost {'reducer ' if reducer else ''}{re.escape(work)}"
    lost = job.wait_for(lost_pattern, after=first[2])
    result = None
    if lost is not None:
        again = rf"node (?!{re.escape(endpoint)}:)\S+: {'reducing ' if reducer else 'started '}{re.escape(work)}"
        rerun = job.wait_for(again, after=lost[2])
        result = (lost[0] - signalled, rerun[0] - signalled if rerun else float("nan"))
    log = cluster.nodes[cluster.node_at(endpoint)][1]
    seen = len(log.read_text())
    if sig == signal.SIGSTOP:
        proc.send_signal(signal.SIGCONT)
    code, _ = job.finish()
    if code != 0:
        raise SystemExit(f"{' '.join(command)} ended with {code}:\n{job.text()}")
    check(job.stdout)
    if sig == signal.SIGSTOP and result is not None:
        # The resumed node must carry on by itself: told it is dead, it leaves and joins with a new
        # silo (or, if the job ended first, it sees the coordinator leave and waits for the next).
        deadline = time.monotonic() + 60
        while not re.search(r"leaving and joining|left; waiting for the next", log.read_text()[seen:]):
            if time.monotonic() > deadline:
                raise SystemExit(f"{log}: the resumed node did not carry on:\n{log.read_text()}")
            time.sleep(0.2)
    cluster.replace_dead()
    return result


def main():
    check_tools("redis-server")
    tally = tally_binary()
    data = bench_data(tally)
    work = Path(tempfile.mkdtemp(prefix="tally-cluster-failures-"))
    outside = Path(tempfile.mkdtemp(prefix="tally-outside-allow-"))
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")
    files = sorted(data.iterdir())
    inputs = [str(f) for f in files[:4]]
    query = ["--word", "Aardvark", "--top", "3"]
    local = subprocess.run([tally, "count", *query, *inputs], stdout=subprocess.PIPE, text=True, check=True).stdout
    reference = work / "local.tsv"
    subprocess.run([tally, "count", "--quiet", "-o", str(reference), *inputs], check=True)

    def same_totals(out):
        if out != local:
            raise SystemExit(f"the cluster printed\n{out}\nand the local count\n{local}")

    rows = []
    services = Services(work)
    try:
        fixed = Cluster(services, tally, [data, work], "fixed")
        timed = {}
        for name, sig in (("a node SIGKILLed mid-task", signal.SIGKILL), ("a node SIGSTOPped (hung) mid-task", signal.SIGSTOP)):
            timed[name] = [node_failure(fixed, fixed.count(*query, *inputs), sig, same_totals) for _ in range(RUNS)]

        parts = work / "parts"

        def same_parts(_out):
            joined = b"".join(p.read_bytes() for p in sorted(parts.iterdir()) if p.name.startswith("part-"))
            if joined != reference.read_bytes():
                raise SystemExit(f"the parts in {parts}, concatenated, differ from a local -o")

        reducer_runs, tries = [], 0
        while len(reducer_runs) < RUNS and tries < 3 * RUNS:
            tries += 1
            shutil.rmtree(parts, ignore_errors=True)
            if (r := node_failure(fixed, fixed.count("--reduce-on-nodes", "4", "-o", f"{parts}/", *inputs), signal.SIGKILL, same_parts, reducer=True)) is not None:
                reducer_runs.append(r)
        timed[f"a node SIGKILLed in a reducer (`--reduce-on-nodes 4`; {tries - len(reducer_runs)} of {tries} reducers ended before the signal)"] = reducer_runs

        redis = Cluster(services, tally, [data, work], "redis", redis=services.redis("redis"))
        timed["a node SIGKILLed mid-task, Redis membership"] = [node_failure(redis, redis.count(*query, *inputs), signal.SIGKILL, same_totals) for _ in range(RUNS)]

        for name, results in timed.items():
            done = [r for r in results if r is not None]
            rows.append(f"| {name} | {len(done)} | {spread([d for d, _ in done])} | {spread([r for _, r in done])} | exact every time |")

        # The coordinator killed once two sources are saved; the same command again resumes. Two
        # small files beside the large ones end first, so the kill finds the large ones running.
        small = work / "small"
        subprocess.run([tally, "gen", str(small), "--letters", "gh", "--rows", "200000", "--base-words", "10000", "--seed", str(SEED)], check=True, stdout=subprocess.DEVNULL)
        both = [*(str(f) for f in sorted(small.iterdir())), *inputs]
        local_both = subprocess.run([tally, "count", *query, *both], stdout=subprocess.PIPE, text=True, check=True).stdout
        resumed = []
        for _ in range(RUNS):
            checkpoint = work / "checkpoint"
            shutil.rmtree(checkpoint, ignore_errors=True)
            command = fixed.count(*query, "--checkpoint", str(checkpoint), *both)
            job = Job(command)
            job.wait_for(r"^tally: done ", after=job.wait_for(r"^tally: done ")[2] + 1)
            job.proc.send_signal(signal.SIGKILL)
            job.finish()
            saved = len(re.findall(r"^tally: done ", job.text(), re.M))
            rerun = Job(command)
            code, ended = rerun.finish()
            if code != 0 or rerun.stdout != local_both:
                raise SystemExit(f"the resumed job ended with {code}, printing\n{rerun.stdout}\nwhere a local count printed\n{local_both}\n{rerun.text()}")
            counted = len(re.findall(r": started ", rerun.text()))
            if counted > len(both) - saved:
                raise SystemExit(f"the resumed job counted {counted} sources, with {saved} of {len(both)} done before:\n{rerun.text()}")
            resumed.append((saved, counted, ended - rerun.start))
            fixed.replace_dead()
        rows.append(f"| the coordinator SIGKILLed with `--checkpoint` after {', '.join(str(s) for s, _, _ in resumed)} sources were done, the command run again | {len(resumed)} | | resumed job {spread([w for _, _, w in resumed])} s, counting {', '.join(str(c) for _, c, _ in resumed)} of {len(both)} sources | exact every time |")

        # Every node killed: the job waits the grace for one to come back, then exits 3.
        job = Job(fixed.count(*query, *inputs))
        job.wait_for(r"node \S+: started ")
        time.sleep(0.5)
        signalled = time.monotonic()
        for proc, _ in fixed.nodes.values():
            proc.kill()
        code, ended = job.finish()
        last = job.text().splitlines()[-1]
        if code != 3:
            raise SystemExit(f"with every node gone the job ended with {code}, not 3:\n{job.text()}")
        learned = max(t for t, line in job.lines if line is not None and re.search(r": lost ", line))
        rows.append(f"| every node SIGKILLed mid-job | 1 | {learned - signalled:.1f} (the last of them) | exit 3 after {ended - signalled:.1f} s, the grace of 15 s included | `{last}` |")
        # Fresh nodes collide at their first join (README, "Many machines"): one small job first,
        # so the next cases time the refusal and the errors, not the joins.
        fixed.replace_dead()
        subprocess.run(fixed.count(*query, str(small)), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        # A path outside every node's --allow folders.
        shutil.copy(files[0], outside / files[0].name)
        job = Job(fixed.count(*query, str(outside / files[0].name)))
        code, ended = job.finish()
        last = job.text().splitlines()[-1]
        if code != 3 or str(outside) not in last:
            raise SystemExit(f"a path outside --allow ended with {code}:\n{job.text()}")
        rows.append(f"| a path outside the nodes' `--allow` folders | 1 | exit 3 after {ended - job.start:.1f} s | | `{last}` |")

        # Bad data: the same error as a local count, exit 1, never retried.
        bad = work / "bad"
        bad.mkdir()
        truncated = bad / "truncated.gz"
        truncated.write_bytes(files[0].read_bytes()[: files[0].stat().st_size // 2])
        malformed = bad / "malformed.gz"
        with gzip.open(files[0], "rt") as f:
            head = [next(f) for _ in range(1000)]
        head[700] = "Aardvark\t1999\tmany\t3\n"
        with gzip.open(malformed, "wt") as f:
            f.writelines(head)
        for name, path in (("a truncated gzip file", truncated), ("a malformed row (line 701)", malformed)):
            here = subprocess.run([tally, "count", *query, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            job = Job(fixed.count(*query, str(path)))
            code, ended = job.finish()
            error = here.stderr.strip().splitlines()[-1]
            if here.returncode != 1 or code != 1 or error not in job.text() or re.search(r": lost ", job.text()):
                raise SystemExit(f"{name}: local exit {here.returncode} ({error}), cluster exit {code}:\n{job.text()}")
            rows.append(f"| {name} | 1 | exit 1 after {ended - job.start:.1f} s, not retried | | the local count's line: `{error}` |")
    finally:
        services.stop()

    version = subprocess.run([tally, "--version"], stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    size = sum(Path(f).stat().st_size for f in inputs)
    report = [
        f"# Cluster failures ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"{NODES} nodes of {SLOTS} slots, unpinned, on {os.cpu_count()} cores ({os.uname().release}), all on 127.0.0.1. Data: {len(inputs)} files ({size / 1e9:.2f} GB gzip) from {data.name}: a node's lost tasks find free slots at once. Build: {version}.",
        "Times in seconds from the signal, min / median / max over the rounds. Every job's output was checked against a local count: the printed totals, or the parts byte for byte.",
        "",
        "| failure | rounds | to the coordinator's \"lost\" line | to the rerun's start | result |",
        "|---|---:|---:|---:|---|",
        *rows,
        "",
    ]
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "cluster-failures-latest.md").write_text("\n".join(report))
    print("\n".join(report))
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(outside, ignore_errors=True)


if __name__ == "__main__":
    main()
