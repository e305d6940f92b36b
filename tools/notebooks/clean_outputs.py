#!/usr/bin/python3
"""Makes executed notebooks fit to commit: removes terminal colour codes from every output and rewrites absolute
paths under the repository root as paths relative to the notebook's folder (e.g. the kernel's
"Add /abs/repo/notebooks/../target/mixquant.jar to classpath" becomes "Add ../target/mixquant.jar to classpath").

    tools/notebooks/clean_outputs.py NOTEBOOK.ipynb [...]      (rewrites the files in place)
"""
import json
import pathlib
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# "<any absolute folder>/notebooks/../" as the %jars magic prints it, wherever the notebook ran
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


def main(paths):
    for p in paths:
        path = pathlib.Path(p).resolve()
        nb = json.loads(path.read_text())
        for cell in nb.get("cells", []):
            if "outputs" in cell:
                # the outputs were produced in the repository's notebooks/ folder wherever this file is now
                cell["outputs"] = clean(cell["outputs"], ROOT / "notebooks")
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
