#!/usr/bin/env python3
"""`sluice run --temp 0` on every prompt of a greedy fixture must print exactly the
fixture's text and, with --json, its prompt and generated token ids.
Usage: run_matches_fixture.py SLUICE MODEL FIXTURE"""
import json
import subprocess
import sys

sluice, model, fixture = sys.argv[1:4]
failures = 0
for raw in open(fixture, "rb"):
    # The generated text may hold bytes that are not UTF-8: keep them as they are.
    case = json.loads(raw.decode("utf-8", "surrogateescape"))
    expected_text = case["text"].encode("utf-8", "surrogateescape")
    n = str(len(case["steps"]))
    base = [sluice, "run", "-m", model, "-p", case["prompt"], "-n", n, "--temp", "0", "-t", "2"]
    out = subprocess.run(base, capture_output=True, check=True).stdout
    if out != expected_text + b"\n":
        print(f"FAILED text for {case['prompt']!r}:\n  ours {out!r}\n  ref  {expected_text!r}")
        failures += 1
    data = json.loads(subprocess.run(base + ["--json"], capture_output=True, check=True).stdout)
    if data["prompt_tokens"] != case["prompt_tokens"] or data["tokens"] != [s["token"] for s in case["steps"]]:
        print(f"FAILED token ids for {case['prompt']!r}")
        failures += 1
    timings = data["timings"]
    if not (timings["eval_tokens"] == len(case["steps"]) and len(timings["token_ms"]) == len(case["steps"])):
        print(f"FAILED timings for {case['prompt']!r}: {timings}")
        failures += 1
print(f"run: fixture {fixture}: {failures} failures")
sys.exit(1 if failures else 0)
