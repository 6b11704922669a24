"""Turns bench/run.sh's ledger and hyperfine JSON files into the Markdown report (stdlib only)."""

import argparse
import datetime
import json
import statistics


def load_times(path):
    with open(path, encoding="utf-8") as f:
        result = json.load(f)["results"][0]
    return result["times"]


def seconds(value):
    return f"{value:.2f}" if value >= 1 else f"{value:.3f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("ledger", "rows", "files", "plain-bytes", "gz-bytes", "params", "machine", "versions", "runs", "slow-runs", "out"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    rows = int(args.rows)

    with open(args.ledger, encoding="utf-8") as f:
        header, *lines = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    entries = [dict(zip(header, line)) for line in lines]

    medians = {}
    for entry in entries:
        if entry["status"] == "ok":
            times = load_times(entry["json"])
            entry["times"] = times
            medians[(entry["peer"], entry["input"])] = statistics.median(times)

    out = [
        "# Tally end-to-end benchmark",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- machine: {args.machine}",
        f"- tools: {args.versions}",
        f"- data: {args.files} generated Ngram v2 files ({args.params}), {rows:,} rows, "
        f"{int(args.plain_bytes) / 1e6:,.0f} MB plain, {int(args.gz_bytes) / 1e6:,.0f} MB gzip",
        f"- method: hyperfine, 1 warm-up + {args.runs} runs ({args.slow_runs} run(s), no warm-up, for slow peers); "
        "files in the page cache; wall-clock median",
        "",
        "| peer | input | median s | min-max s | rows/s | x tally | peak RSS MB | agrees with reference |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for entry in entries:
        peer, kind = entry["peer"], entry["input"]
        if entry["status"] != "ok":
            out.append(f"| {peer} | {kind} | failed | | | | | {entry['check']} |")
            continue
        times = entry["times"]
        median = medians[(peer, kind)]
        tally = medians.get(("tally", kind))
        ratio = f"{median / tally:.2f}" if tally else "n/a"
        rss = f"{int(entry['rss']) / 1024:,.0f}" if entry["rss"] else "-"
        out.append(
            f"| {peer} | {kind} | {seconds(median)} | {seconds(min(times))}-{seconds(max(times))} | "
            f"{rows / median / 1e6:,.1f} M | {ratio} | {rss} | {entry['check']} |"
        )
    out += [
        "",
        "Reference: tally's full table (and its `--word Aardvark` answer) when tally ran, else naive-dict's. "
        "`x tally` is the peer's median over tally's on the same input (above 1: tally is faster). "
        "Floors do not count; they are checked against the data's line and byte counts. "
        "mawk sums in doubles (exact to 2^53). Peak RSS is of the largest single process "
        "(GNU time), one extra run; '-' where not measured.",
        "",
    ]
    text = "\n".join(out)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
