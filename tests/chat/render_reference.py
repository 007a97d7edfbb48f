#!/usr/bin/env python3
"""Renders chat templates with Python's jinja2, set up as Hugging Face transformers sets it up.

The reference the C++ chat-template engine is compared with, byte for byte.

  render_reference.py TEMPLATE CONTEXT_JSON FIXED_TIME
      Renders the template file with the context (a JSON object) and writes the result,
      UTF-8, to stdout. Exit 0 on success; 3 when the template raised (the exception on
      stderr).
  render_reference.py --batch CASES_JSON FIXED_TIME
      CASES_JSON holds [{"template": ..., "context": {...}}, ...]; writes a JSON array of
      {"ok": true, "output": ...} or {"ok": false, "error": ...} to stdout.

FIXED_TIME (seconds since the epoch) is what strftime_now() sees as now, local time.
Exit 2 with "SKIPPED: ..." when jinja2 is not installed.
"""
import json
import sys
from datetime import datetime

try:
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:
    print("SKIPPED: python3 jinja2 is not installed", file=sys.stderr)
    sys.exit(2)


def make_environment(fixed_time):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return datetime.fromtimestamp(fixed_time).strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(env, source, context):
    return env.from_string(source).render(**context)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 1
    env = make_environment(int(sys.argv[3]))
    if sys.argv[1] == "--batch":
        with open(sys.argv[2], encoding="utf-8") as f:
            cases = json.load(f)
        results = []
        for case in cases:
            try:
                results.append({"ok": True, "output": render(env, case["template"], case["context"])})
            except Exception as e:  # the template's own failure, which the engine must share
                results.append({"ok": False, "error": f"{type(e).__name__}: {e}"})
        sys.stdout.write(json.dumps(results, ensure_ascii=False))
        return 0
    with open(sys.argv[1], encoding="utf-8", newline="") as f:
        source = f.read()
    with open(sys.argv[2], encoding="utf-8") as f:
        context = json.load(f)
    try:
        output = render(env, source, context)
    except Exception as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 3
    sys.stdout.buffer.write(output.encode("utf-8", "surrogateescape"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
