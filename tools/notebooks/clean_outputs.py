#!/usr/bin/python3
"""Makes executed notebooks fit to commit: removes terminal colour codes and the kernel's "Add <jar> to classpath"
echo of the %jars magic from every output, and rewrites any other absolute path under the repository root as a path
relative to the notebook's folder.

    tools/notebooks/clean_outputs.py NOTEBOOK.ipynb [...]      (rewrites the files in place)
"""
import json
import pathlib
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# "<any absolute folder>/notebooks/../" as the %jars magic prints it, wherever the notebook ran
# the kernel's echo of the %jars magic: a file path of the machine that ran the notebook, nothing a reader needs
CLASSPATH_ECHO = re.compile(r"^Add \S+ to classpath\s*$\n?", re.M)
NOTEBOOK_DIR_UP = re.compile(r"(?:/[^\s\"'/]+)+/notebooks/\.\./")
ROOT = pathlib.Path(__file__).resolve().parents[2]


def clean_text(s, nb_dir):
    s = ANSI.sub("", s)
    s = NOTEBOOK_DIR_UP.sub("../", s)
    s = s.replace(str(nb_dir) + "/../", "../").replace(str(nb_dir) + "/", "")
    return s.replace(str(ROOT) + "/", "../")


def clean(value, nb_dir):
    if isinstance(value, str):
        return clean_text(value, nb_dir)
    if isinstance(value, list):
        return [clean(v, nb_dir) for v in value]
    if isinstance(value, dict):
        # Only text: image payloads (base64) contain neither escapes nor paths, and are left byte-identical.
        return {k: (v if k.startswith("image/") else clean(v, nb_dir)) for k, v in value.items()}
    return value


def drop_classpath_echo(out):
    """The output without the kernel's "Add <jar> to classpath" lines; None when nothing else is left."""
    if out.get("output_type") != "stream":
        return out
    text = out.get("text", "")
    joined = "".join(text) if isinstance(text, list) else text
    kept = CLASSPATH_ECHO.sub("", joined)
    if kept == joined:
        return out
    if not kept.strip():
        return None
    out = dict(out)
    out["text"] = kept.splitlines(keepends=True)
    return out


def main(paths):
    for p in paths:
        path = pathlib.Path(p).resolve()
        nb = json.loads(path.read_text())
        for cell in nb.get("cells", []):
            if "outputs" in cell:
                # the outputs were produced in the repository's notebooks/ folder wherever this file is now
                cell["outputs"] = [o for o in (drop_classpath_echo(o) for o in clean(cell["outputs"],
                                                                                      ROOT / "notebooks")) if o]
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
