#!/usr/bin/env python3
"""Two or more builds (or settings) of `sluice bench` on one model, alternated.

The test machines' memory bandwidth switches between states within minutes, so speed
changes are compared round by round: each round first reads the bandwidth, then runs
every variant once, in an order that rotates from round to round. Compare variants
within a round; the medians at the end mix states.

  bench/alternate.py [--rounds 6] [--args "-p 0 -n 64 -r 3"] MODEL.gguf \\
                     LABEL=BUILD_DIR[:NAME=VALUE] ...

A variant is a label, a build directory (with bin/sluice) and optionally one
environment variable to set for its runs.
"""
import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys


def parse_variant(text):
    label, sep, rest = text.partition("=")
    if not sep or not rest:
        raise argparse.ArgumentTypeError(f"expected LABEL=BUILD_DIR[:NAME=VALUE], got {text!r}")
    build, _, setting = rest.partition(":")
    env = {}
    if setting:
        name, sep, value = setting.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"expected NAME=VALUE after ':', got {setting!r}")
        env[name] = value
    return label, build, env


def bandwidth(build):
    out = subprocess.run(
        [f"{build}/bin/bench_read_bandwidth", "--threads", "2", "--mib", "512", "--runs", "3",
         "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)["median_gb_per_s"]


def bench(build, env, model, args):
    out = subprocess.run([f"{build}/bin/sluice", "bench", "-m", model] + args, check=True,
                         capture_output=True, text=True, env={**os.environ, **env}).stdout
    rows = re.findall(r"\| (?:pp|tg)\d+ \| +([\d.]+) ± ([\d.]+)", out)
    if not rows:
        sys.exit(f"no result row in:\n{out}")
    mean, sd = rows[-1]  # the last row: tg when both are run
    return float(mean), float(sd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--args", default="-p 0 -n 64 -r 3", help="sluice bench arguments")
    ap.add_argument("model")
    ap.add_argument("variants", nargs="+", type=parse_variant)
    opts = ap.parse_args()
    args = shlex.split(opts.args)
    results = {label: [] for label, _, _ in opts.variants}
    for r in range(opts.rounds):
        k = r % len(opts.variants)
        order = opts.variants[k:] + opts.variants[:k]
        cells = [f"bw {bandwidth(order[0][1]):5.1f} GB/s"]
        for label, build, env in order:
            mean, sd = bench(build, env, opts.model, args)
            results[label].append(mean)
            cells.append(f"{label} {mean:8.2f} ± {sd:5.2f}")
        print("  ".join(cells), flush=True)
    for label, values in results.items():
        print(f"{label}: median {statistics.median(values):.2f} tokens/s of {len(values)} rounds")


if __name__ == "__main__":
    main()
