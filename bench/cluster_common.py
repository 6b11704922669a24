"""What bench/cluster.py and bench/cluster_failures.py share: the tally they run, the generated
files, and the nodes and Redis servers they start on 127.0.0.1 and always stop."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
ROWS = int(os.environ.get("TALLY_BENCH_ROWS", "52000000"))
BASE_WORDS = int(os.environ.get("TALLY_BENCH_BASE_WORDS", "480000"))
SEED = int(os.environ.get("TALLY_BENCH_SEED", "7"))
LETTERS = os.environ.get("TALLY_BENCH_LETTERS", "abcdef")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, limit=30):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing answered on 127.0.0.1:{port} within {limit} s")


def check_tools(*tools):
    for tool in tools:
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not on PATH (Debian: apt-get install redis-server util-linux)")
    if not any("libisal.so.2" in line for line in subprocess.run(["ldconfig", "-p"], stdout=subprocess.PIPE, text=True).stdout.splitlines()):
        # Without it every node inflates with zlib-ng, and the figures are not the tool's.
        raise SystemExit("libisal.so.2 is missing, so the nodes would inflate with zlib-ng (Debian: apt-get install libisal2)")


def tally_binary():
    if os.environ.get("TALLY_BENCH_TALLY_BIN"):
        return os.environ["TALLY_BENCH_TALLY_BIN"]
    out = BENCH / ".bin" / "tally-cluster"
    # The cluster needs the untrimmed build (Orleans does not survive trimming); otherwise the
    # build a user ships: self-contained, one ReadyToRun composite image.
    print(f"publishing tally (untrimmed, ReadyToRun) into {out}", file=sys.stderr)
    subprocess.run(["dotnet", "publish", str(REPO / "src" / "Tally.Cli"), "-p:PublishProfile=release",
                    "-p:PublishTrimmed=false", "-o", str(out), "-nologo", "-v", "quiet"], check=True)
    return str(out / "tally")


def bench_data(tally):
    """The generated files (TALLY_BENCH_LETTERS, _ROWS, _BASE_WORDS, _SEED), made once into bench/data/."""
    data = BENCH / "data" / f"cluster-{LETTERS}-{ROWS}-{BASE_WORDS}-{SEED}"
    if not data.is_dir():
        print(f"generating {len(LETTERS)} files of {ROWS:,} rows into {data}", file=sys.stderr)
        subprocess.run([tally, "gen", str(data), "--letters", LETTERS, "--rows", str(ROWS),
                        "--base-words", str(BASE_WORDS), "--seed", str(SEED)], check=True)
    return data


class Services:
    """Nodes and Redis servers of this run, all on 127.0.0.1, stopped at the end whatever happens."""

    def __init__(self, log_dir):
        self.procs = []
        self.log_dir = log_dir

    def start(self, name, command):
        log = open(self.log_dir / f"{name}.log", "w")
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append((proc, log))
        return proc

    def redis(self, name):
        port = free_port()
        self.start(name, ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", str(self.log_dir)])
        wait_for_port(port)
        return port

    def stop(self):
        for proc, _ in reversed(self.procs):
            if proc.poll() is None:
                # A node stopped with SIGSTOP would never see the SIGTERM.
                proc.send_signal(signal.SIGCONT)
                proc.terminate()
        for proc, log in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


def wait_for_line(path, pattern, limit=60):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if re.search(pattern, path.read_text()):
            return
        time.sleep(0.2)
    raise SystemExit(f"{path}: no '{pattern}' within {limit} s:\n{path.read_text()}")
