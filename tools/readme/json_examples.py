#!/usr/bin/env python3
"""Prints README.md's JSON examples: runs each command with --format json and shortens the document (the first item
of each array, the first and last entries of long objects, long text cut) so the README shows real output, not
hand-written JSON. Run from the repository root after `mvn -o package -DskipTests`; it runs one command at a time.
Names given as arguments (e.g. `report compare`) print only those examples.

    python3 tools/readme/json_examples.py > /tmp/json-examples.md
    python3 tools/readme/json_examples.py "evaluate cnn" compare report

`report` prints no JSON: it writes results.json files into a temporary folder, and those are shown (MiniLM's, then
each CNN's).
"""
import json
import pathlib
import subprocess
import sys
import tempfile

COMMANDS = [
    ("layers", ["layers", "minilm"]),
    ("qe", ["qe", "minilm", "--bits", "2,4,8"]),
    ("search", ["search", "minilm", "--avg-bits", "3.5"]),
    ("evaluate", ["evaluate", "minilm", "--bits", "4", "--corpus-size", "128"]),
    ("evaluate cnn", ["evaluate", "resnet20-fashion", "--bits", "4", "--images", "1000"]),
    ("compare", ["compare", "resnet20-fashion", "--methods", "nearest,adaround", "--bits", "3", "--iterations", "50",
                 "--calibration", "64", "--images", "300"]),
    ("frontier", ["frontier", "resnet20-fashion", "--cost", "qe,measured", "--budgets", "3",
                  "--images", "1000", "--calibration", "64"]),
    ("bench", ["bench", "--repeats", "5", "--warmup", "2"]),
    ("bench adaround", ["bench", "adaround", "--iterations", "50", "--rounds", "1"]),
    ("bench stream", ["bench", "stream", "--synthetic-params", "1e7", "--runs", "3", "--threads", "2"]),
]

# report writes files: its options, and the results.json files shown, relative to its output folder
REPORT = (["report", "--corpus-size", "32", "--uniform", "4,3", "--qem", "300", "--max-rel-error", "0.02",
           "--avg-bits", "4,3", "--cnn", "resnet20-fashion", "--cnn-uniform", "4,3", "--images", "300"],
          ["results.json", "resnet20-fashion/results.json"])


def shorten(v, depth=0):
    if isinstance(v, list):
        if len(v) <= 8 and all(isinstance(x, (int, float)) for x in v):
            return [shorten(x, depth + 1) for x in v]
        return [shorten(v[0], depth + 1), "..."] if len(v) > 1 else [shorten(x, depth + 1) for x in v]
    if isinstance(v, dict):
        items = list(v.items())
        if len(items) > 4 and all(isinstance(x, (int, float)) or x is None for _, x in items):
            items = items[:2] + [("...", "...")] + items[-1:]
        return {k: shorten(x, depth + 1) for k, x in items}
    if isinstance(v, float):
        return float(f"{v:.4g}")
    if isinstance(v, str) and len(v) > 60:
        return v[:57] + "..."
    return v


def render(v, indent=0, width=110):
    """JSON with a value on one line when it fits in `width`, else one field or item per line."""
    flat = json.dumps(v, ensure_ascii=False)
    if len(flat) + indent <= width or not isinstance(v, (dict, list)) or not v:
        return flat
    pad = " " * (indent + 1)
    if isinstance(v, dict):
        body = (",\n").join(pad + json.dumps(k, ensure_ascii=False) + ": " + render(x, indent + 1, width).lstrip()
                            for k, x in v.items())
        return "{\n" + body + "\n" + " " * indent + "}"
    body = (",\n").join(pad + render(x, indent + 1, width) for x in v)
    return "[\n" + body + "\n" + " " * indent + "]"


def show(title, doc):
    print(f"{title}:")
    print("```json")
    print(render(shorten(doc)))
    print("```")
    print()


def main():
    wanted = set(sys.argv[1:])
    for name, args in COMMANDS:
        if wanted and name not in wanted:
            continue
        out = subprocess.run(["./mixquant", *args, "--format", "json", "-q"], check=True, capture_output=True,
                             text=True).stdout
        show(f"`{' '.join(args)} --format json`", json.loads(out))
    if not wanted or "report" in wanted:
        args, files = REPORT
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["./mixquant", *args, "-o", tmp, "-q"], check=True, capture_output=True, text=True)
            for f in files:
                show(f"`{' '.join(args)} -o OUT`, `OUT/{f}`", json.loads((pathlib.Path(tmp) / f).read_text()))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
