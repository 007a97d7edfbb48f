#!/usr/bin/env python3
"""CPU backend speed against issue 4's llama.cpp table.

For each model: `sluice bench` (pp and tg tokens/s, median of the repetitions), the
generation roofline (weight bytes one decoded token reads / measured read bandwidth,
so 100% means tg runs as fast as memory can stream the weights; each tg repetition is
bracketed by bandwidth readings, and the median of the repetitions' rooflines is
quoted), and the peak RSS of `sluice run` (with the anonymous part, i.e. RSS beyond
the mapped weights).

  bench/cpu_speed.py [--build build/perf] [--threads 2] [-p 128] [-n 64] [-r 3]
                     [--json OUT.json] MODEL.gguf...

Models are named by file (stories260K.gguf, 1b-q4_k_m.gguf, ...) to find their
reference row; bench/make_models.sh writes the 1b and 135m files.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

# llama.cpp, CPU, 2 threads, pp128 / tg64 (stories260K: tg128), from the issue.
REFERENCE = {
    ("1b", "f16"): (96.7, 13.7),
    ("1b", "q8_0"): (111.5, 21.8),
    ("1b", "q4_k_m"): (133.6, 39.0),
    ("135m", "f16"): (430.0, 84.3),
    ("135m", "q8_0"): (804.0, 121.9),
    ("135m", "q4_k_m"): (706.0, 127.2),
    ("stories260K", "f32"): (11387.0, 5054.0),
}


def reference_for(path):
    base = os.path.basename(path).removesuffix(".gguf")
    if base == "stories260K":
        return REFERENCE[("stories260K", "f32")]
    m = re.match(r"(1b|135m)-(f16|q8_0|q4_k_m)$", base)
    return REFERENCE.get((m.group(1), m.group(2))) if m else None


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def read_bandwidth(build, threads):
    j = run_json([f"{build}/bin/bench_read_bandwidth", "--threads", str(threads), "--json"])
    return j["median_gb_per_s"] * 1e9


def bytes_per_token(build, model):
    """Weight bytes one decode step reads: every tensor except the token embedding, of
    which it reads one row, unless the output is tied to it (then all of it)."""
    info = run_json([f"{build}/bin/sluice", "inspect", "--json", model])
    tied = info["hyperparameters"]["tied_output"]
    total = 0
    for t in info["tensors"]:
        if t["name"] == "token_embd.weight" and not tied:
            total += t["bytes"] // t["shape"][1]
        else:
            total += t["bytes"]
    return total


def peak_rss(build, model, threads, n_predict):
    """Peak RSS (VmHWM) and peak anonymous RSS (RssAnon: not the mapped file) of a
    `sluice run`, sampled from /proc every 2 ms."""
    cmd = [f"{build}/bin/sluice", "run", "-m", model, "-p", "Once upon a time",
           "-n", str(n_predict), "-t", str(threads)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hwm = anon = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm = max(hwm, int(line.split()[1]) * 1024)
                    elif line.startswith("RssAnon:"):
                        anon = max(anon, int(line.split()[1]) * 1024)
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.002)
    proc.wait()
    return hwm, anon


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--build", default="build/perf")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-p", type=int, default=128)
    ap.add_argument("-n", type=int, default=64)
    ap.add_argument("-r", type=int, default=3)
    ap.add_argument("--rss-tokens", type=int, default=16, help="tokens `sluice run` generates for the RSS figure")
    ap.add_argument("--no-rss", action="store_true")
    ap.add_argument("--json", help="write the results here too")
    args = ap.parse_args()

    # The bandwidth other tenants leave this machine moves by up to 2x within minutes,
    # even between the repetitions of one model. So the generation figure is measured
    # repetition by repetition, each one bracketed by bandwidth readings: its roofline
    # divides by the higher of the two (the conservative choice), and the table quotes
    # the medians of the repetitions' tokens/s and rooflines.
    rows = []
    for model in args.models:
        n_gen = 128 if os.path.basename(model) == "stories260K.gguf" else args.n
        per_token = bytes_per_token(args.build, model)
        b = run_json([f"{args.build}/bin/sluice", "bench", "-m", model, "-p", str(args.p),
                      "-n", "0", "-r", str(args.r), "-t", str(args.threads), "--json"])
        pp = statistics.median(b["pp"]["runs"]) if "pp" in b else 0.0
        tg_runs, rooflines, bandwidths = [], [], []
        before = read_bandwidth(args.build, args.threads)
        for _ in range(args.r):
            g = run_json([f"{args.build}/bin/sluice", "bench", "-m", model, "-p", "0",
                          "-n", str(n_gen), "-r", "1", "-t", str(args.threads), "--json"])
            after = read_bandwidth(args.build, args.threads)
            tg_run = g["tg"]["runs"][0]
            tg_runs.append(tg_run)
            bandwidths.append(max(before, after))
            rooflines.append(tg_run * per_token / max(before, after))
            before = after
        tg = statistics.median(tg_runs)
        roofline = statistics.median(rooflines)
        model_bandwidth = statistics.median(bandwidths)
        print(f"{os.path.basename(model)}: tg {[round(x, 1) for x in tg_runs]}, bandwidth "
              f"{[round(x / 1e9, 1) for x in bandwidths]} GB/s, roofline "
              f"{[round(100 * x) for x in rooflines]}%", flush=True)
        hwm, anon = (0, 0) if args.no_rss else peak_rss(args.build, model, args.threads, args.rss_tokens)
        ref = reference_for(model)
        row = {"model": os.path.basename(model), "pp": pp, "tg": tg, "n_prompt": args.p, "n_gen": n_gen,
               "pp_runs": b.get("pp", {}).get("runs", []), "tg_runs": tg_runs, "rooflines": rooflines,
               "bytes_per_token": per_token, "bandwidth": model_bandwidth, "roofline": roofline,
               "peak_rss": hwm, "peak_rss_anon": anon,
               "reference": ref}
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)

    print(f"\n| model | pp{args.p} t/s | llama.cpp | ratio | tg t/s | llama.cpp | ratio "
          f"| MiB/token | GB/s | tg roofline | peak RSS MiB | anon RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ref = r["reference"] or (float("nan"), float("nan"))
        print(f"| {r['model']} | {r['pp']:.1f} | {ref[0]:g} | {r['pp'] / ref[0]:.2f}x "
              f"| {r['tg']:.1f} | {ref[1]:g} | {r['tg'] / ref[1]:.2f}x "
              f"| {r['bytes_per_token'] / 2**20:.1f} | {r['bandwidth'] / 1e9:.1f} | {100 * r['roofline']:.0f}% "
              f"| {r['peak_rss'] / 2**20:.0f} | {r['peak_rss_anon'] / 2**20:.0f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": args.threads, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
