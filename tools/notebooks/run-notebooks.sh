#!/usr/bin/env bash
# Executes Jupyter notebooks headless with the 'mixquant-java' kernel and fails if any of them errs.
#
#   tools/notebooks/run-notebooks.sh [--inplace] [--timeout SECONDS] [--out DIR] [NOTEBOOK.ipynb ...]
#   tools/notebooks/run-notebooks.sh --show-timeout     (prints the per-cell timeout it would use now, and why)
#
# Without arguments, runs every notebooks/*.ipynb in name order. Each notebook is executed by Debian's
# '/usr/bin/jupyter nbconvert --execute' in its own directory (so '%jars ../target/mixquant.jar' finds the toolkit
# that 'mvn package' built) into DIR (default target/notebooks/), leaving the committed notebooks untouched.
# With --inplace, a notebook that ran cleanly is then copied over its source, its outputs cleaned of terminal colour
# codes and machine paths (clean_outputs.py): that is how the committed outputs are refreshed (a notebook that
# failed is never written back).
#
# A notebook fails when nbconvert fails (kernel did not start or died, a cell ran past the per-cell timeout), when a
# cell has an output of type "error" (the kernel reports compile errors, exceptions and bad magics that way), or when
# a cell wrote a Java stack trace to stderr (an exception printed by printStackTrace() or thrown in another thread,
# which the kernel does not report as an error). A cell tagged "raises-exception" is exempt from both checks.
#
# The kernelspec is installed first (environment/install.d/20-jupyter-kernel.sh) when it is missing or older than that
# script, and a kernel that does not start within 30 s is started again, twice at most (see the start-up race in that
# script).
#
# Per-cell timeout: --timeout, else MIXQUANT_NB_TIMEOUT, else measured before each notebook from how much CPU one
# thread gets right now: a 0.3 s pure-Python loop's wall time over its CPU time is the slowdown (1 on an idle core,
# about 2 when other builds keep the cores busy), and the timeout is max(600, 900 x slowdown) seconds, at most 3600.
# Environment: MIXQUANT_NB_TIMEOUT (a fixed per-cell timeout in seconds; --timeout wins).
# Exit status: 0 if every notebook passed, 1 if any failed, 2 on a usage or setup error.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# libtorch's OpenMP threads sleep instead of spinning between operations (as ./mixquant and the unit tests do): on
# shared cores, spinning threads halved the CNN measured tables' speed. The kernels inherit this environment.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
JUPYTER=/usr/bin/jupyter
PYTHON=/usr/bin/python3           # Debian's Python, the one that has nbformat (not the python3 first on PATH)
KERNEL=mixquant-java

inplace=0
show_timeout=0
timeout="${MIXQUANT_NB_TIMEOUT:-}"
out_dir="$root/target/notebooks"
notebooks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --inplace) inplace=1 ;;
    --show-timeout) show_timeout=1 ;;
    --timeout) timeout="${2:?--timeout needs seconds}"; shift ;;
    --timeout=*) timeout="${1#*=}" ;;
    --out) out_dir="${2:?--out needs a directory}"; shift ;;
    --out=*) out_dir="${1#*=}" ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) notebooks+=("$1") ;;
  esac
  shift
done
[ -z "$timeout" ] || [[ "$timeout" =~ ^[0-9]+$ ]] \
  || { echo "--timeout / MIXQUANT_NB_TIMEOUT must be a whole number of seconds, got '$timeout'" >&2; exit 2; }
if [ ${#notebooks[@]} -eq 0 ]; then
  shopt -s nullglob
  notebooks=("$root"/notebooks/*.ipynb)
  shopt -u nullglob
  [ ${#notebooks[@]} -gt 0 ] || { echo "no notebooks in $root/notebooks" >&2; exit 2; }
fi

# The per-cell timeout for the next notebook: the fixed one, or scaled by the slowdown measured now (see the top).
cell_timeout() {
  if [ -n "$timeout" ]; then echo "$timeout fixed"; return; fi
  "$PYTHON" - <<'PY'
import time
wall0, cpu0 = time.perf_counter(), time.process_time()
s = 0
for i in range(3_000_000):
    s += i
wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
slowdown = max(1.0, wall / max(cpu, 1e-3))
print(min(3600, max(600, round(900 * slowdown))), f"slowdown {slowdown:.2f}")
PY
}

if [ $show_timeout -eq 1 ]; then
  read -r cell_secs cell_why < <(cell_timeout)
  echo "$cell_secs ($cell_why)"
  exit 0
fi

# --- setup checks ---------------------------------------------------------------------------------------------------
[ -x "$JUPYTER" ] || { echo "$JUPYTER not found: run environment/install.sh (Debian's jupyter-nbconvert)" >&2; exit 2; }
if [ ! -f "$root/target/mixquant.jar" ] || [ ! -d "$root/target/lib" ]; then
  echo "target/mixquant.jar or target/lib missing: run 'mvn -DskipTests package' first" >&2
  exit 2
fi
data_dir="$("$JUPYTER" --data-dir 2>/dev/null | tail -n1)"
kernel_json="$data_dir/kernels/$KERNEL/kernel.json"
install_script="$root/environment/install.d/20-jupyter-kernel.sh"
if [ ! -f "$kernel_json" ] || [ "$install_script" -nt "$kernel_json" ]; then
  # missing, or written by an older install script (e.g. before the kernel got --add-modules jdk.incubator.vector)
  echo "[notebooks] kernelspec $KERNEL missing or older than its install script: installing it" >&2
  bash "$install_script" || { echo "kernel install failed" >&2; exit 2; }
fi
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"

# Checks an executed notebook; prints one line per problem and exits 1 if there is any.
check_outputs() {
  "$PYTHON" - "$1" <<'PY'
import re, sys
import nbformat

ansi = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# A stack frame line, or an exception line as Java prints it ("Exception in thread ...", "java.lang.Foo: msg",
# "Caused by: ...").
trace = re.compile(r"^\s+at [\w$.<>/]+\(.*\)\s*$|^Exception in thread |^Caused by: |"
                   r"^(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error)(?::|\s*$)", re.M)

def text(x):
    return ansi.sub("", "".join(x) if isinstance(x, list) else (x or ""))

nb = nbformat.read(sys.argv[1], as_version=4)
problems = []
for i, cell in enumerate(nb.cells, 1):
    if cell.cell_type != "code" or "raises-exception" in cell.get("metadata", {}).get("tags", []):
        continue
    head = text(cell.source).strip().splitlines()
    where = f"cell {i} ({head[0][:60] if head else 'empty'})"
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            lines = "\n".join(ansi.sub("", t) for t in out.get("traceback", [])).splitlines()
            tb = "\n      ".join(l for l in lines[:25] if l.strip())
            problems.append(f"{where}: {out.get('ename')}: {text(out.get('evalue'))}\n      {tb}")
        elif out.get("output_type") == "stream" and out.get("name") == "stderr":
            s = text(out.get("text"))
            if trace.search(s):
                problems.append(f"{where}: Java stack trace on stderr:\n      "
                                + "\n      ".join(s.strip().splitlines()[:25]))
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY
}

passed=0
failed=0
failed_names=()
for nb in "${notebooks[@]}"; do
  if [ ! -f "$nb" ]; then
    echo "FAIL $nb: no such file"
    failed=$((failed + 1)); failed_names+=("$nb"); continue
  fi
  nb="$(cd "$(dirname "$nb")" && pwd)/$(basename "$nb")"
  name="$(basename "$nb" .ipynb)"
  out="$out_dir/$name.ipynb"
  log="$out_dir/$name.log"
  rm -f "$out" "$log".attempt*
  read -r cell_secs cell_why < <(cell_timeout)
  echo "     $name: per-cell timeout ${cell_secs} s (${cell_why})"
  start=$(date +%s%N)
  attempt=1
  while :; do
    # --allow-errors: run every cell and keep the output notebook, then judge it with check_outputs.
    # record_timing=False: no per-cell timestamps in the outputs (they would change on every refresh).
    "$JUPYTER" nbconvert --to notebook --execute --allow-errors \
        --ExecutePreprocessor.kernel_name="$KERNEL" \
        --ExecutePreprocessor.timeout="$cell_secs" \
        --ExecutePreprocessor.startup_timeout=30 \
        --ExecutePreprocessor.record_timing=False \
        --output-dir "$out_dir" --output "$name.ipynb" "$nb" >"$log" 2>&1
    rc=$?
    # rapaio-jupyter-kernel 3.0.1 has start-up races (a channel thread that ends at once, a request that comes
    # before the message handlers exist); the kernelspec works around both, and this retry is the second line.
    if [ $rc -ne 0 ] && [ $attempt -lt 3 ] && grep -q 'Error occurred while starting new kernel client' "$log"; then
      echo "     $name: the kernel did not start (attempt $attempt), retrying"
      cp "$log" "$log.attempt$attempt"
      attempt=$((attempt + 1))
      continue
    fi
    break
  done
  secs="$(awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN { printf "%.1f", ns / 1e9 }')"
  if [ $rc -ne 0 ] || [ ! -f "$out" ]; then
    # Show nbconvert's final exception; the kernel's INFO log lines and Python's stack frames stay in the log.
    problems="  nbconvert exited with status $rc:
$(grep -v -E '^\[[0-9-]+ [0-9:]+\] \[INFO|^  "[a-z_]+": |^\}? ?$|^0\.00s - ' "$log" \
    | awk '/^[A-Za-z_][A-Za-z0-9_.]*(Error|Exception)(:|$)/ { n = NR } { line[NR] = $0 }
           END { from = n ? n : (NR > 15 ? NR - 14 : 1)
                 for (i = from; i <= NR && i < from + 15; i++) print line[i] }' \
    | sed 's/^/    /')"
    ok=0
  else
    problems="$(check_outputs "$out" 2>&1)" && ok=1 || ok=0
  fi
  if [ $ok -eq 1 ]; then
    passed=$((passed + 1))
    echo "ok   $name (${secs}s) -> $out"
    if [ $inplace -eq 1 ]; then
      cp "$out" "$nb"
      # no terminal colour codes or machine paths in committed outputs
      "$PYTHON" "$root/tools/notebooks/clean_outputs.py" "$nb"
      echo "     outputs written back to $nb"
    fi
  else
    failed=$((failed + 1)); failed_names+=("$name")
    if [ -f "$out" ]; then echo "FAIL $name (${secs}s); executed notebook: $out, log: $log"
    else echo "FAIL $name (${secs}s); log: $log"; fi
    printf '%s\n' "$problems"
  fi
done

if [ $failed -gt 0 ]; then
  echo "failed notebooks: ${failed_names[*]}"
fi
echo "notebooks: $passed passed, $failed failed"
[ $failed -eq 0 ]
