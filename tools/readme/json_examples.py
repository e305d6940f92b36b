#!/usr/bin/env python3
"""Prints README.md's JSON examples: runs each command with --format json and shortens the document (the first item
of each array, the first and last entries of long objects, long text cut) so the README shows real output, not
hand-written JSON. Run from the repository root after `mvn -o package -DskipTests`; it runs one command at a time.

    python3 tools/readme/json_examples.py > /tmp/json-examples.md
"""
import json
import subprocess
import sys

COMMANDS = [
    ("layers", ["layers", "minilm"]),
    ("qe", ["qe", "minilm", "--bits", "2,4,8"]),
    ("search", ["search", "minilm", "--avg-bits", "3.5"]),
    ("evaluate", ["evaluate", "minilm", "--bits", "4", "--corpus-size", "128"]),
    ("frontier", ["frontier", "resnet20-fashion", "--cost", "qe,measured", "--budgets", "3",
                  "--images", "1000", "--calibration", "64"]),
    ("bench", ["bench", "--repeats", "5", "--warmup", "2", "--threads", "2"]),
    ("bench adaround", ["bench", "adaround", "--iterations", "50", "--rounds", "1"]),
]


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


def main():
    for name, args in COMMANDS:
        out = subprocess.run(["./mixquant", *args, "--format", "json", "-q"], check=True, capture_output=True,
                             text=True).stdout
        doc = shorten(json.loads(out))
        print(f"`{' '.join(args)} --format json`:")
        print("```json")
        print(render(doc))
        print("```")
        print()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
