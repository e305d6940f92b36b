#!/usr/bin/env bash
# Installs the Java kernel for the notebooks as the Jupyter kernelspec 'mixquant-java':
#   the kernel is io.github.padreati:rapaio-jupyter-kernel (a self-contained jar from Maven Central, fetched with
#   Maven), run by Java 17 or newer. Jupyter itself comes from Debian (environment/apt-packages.txt: jupyter-core,
#   jupyter-client, jupyter-nbconvert, python3-nbclient), and runs on /usr/bin/python3.
#
# Also compiles a one-class fix for a start-up race of the kernel (see "start-up race fix" below).
#
# Idempotent and fast when done (0.1 s): the jar is fetched only when missing or wrong (its SHA-256 is pinned), the
# fix is compiled only once, and kernel.json is rewritten only when its content changes. Installs nothing with apt.
#
# Environment (all optional):
#   MIXQUANT_KERNEL_JAVA  java executable the kernel runs on (default: $JAVA_HOME/bin/java, else 'java' on PATH;
#                         must be Java 17+; the notebooks' code is compiled by this JVM's JShell)
#   JUPYTER_DATA_DIR      where Jupyter looks for kernelspecs (default ~/.local/share/jupyter); the kernelspec goes
#                         to $JUPYTER_DATA_DIR/kernels/mixquant-java
set -euo pipefail

KERNEL_NAME="mixquant-java"
DISPLAY_NAME="Java (MixQuant, rapaio)"
RJK_VERSION="3.0.1"
RJK_ARTIFACT="io.github.padreati:rapaio-jupyter-kernel:${RJK_VERSION}"
RJK_JAR="rapaio-jupyter-kernel-${RJK_VERSION}.jar"
RJK_SHA256="cffac185dafff9a4d62ffdbeb357822b56931c41421c576314a84d3605addd09"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"   # same version the project's pom pins
JUPYTER=/usr/bin/jupyter

log() { echo "[jupyter-kernel] $*" >&2; }

if [ ! -x "$JUPYTER" ]; then
  log "$JUPYTER not found: install Debian's Jupyter first (environment/install.sh, environment/apt-packages.txt)"
  exit 1
fi

# --- the JVM the kernel runs on ---------------------------------------------------------------------------------
java_bin="${MIXQUANT_KERNEL_JAVA:-}"
if [ -z "$java_bin" ]; then
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    java_bin="$JAVA_HOME/bin/java"
  else
    java_bin="$(command -v java || true)"
  fi
fi
[ -n "$java_bin" ] && [ -x "$java_bin" ] || { log "no java found (set MIXQUANT_KERNEL_JAVA or JAVA_HOME)"; exit 1; }
java_bin="$(readlink -f "$java_bin")"
java_major="$("$java_bin" -XshowSettings:properties -version 2>&1 \
  | sed -n 's/^ *java\.specification\.version = //p' | head -n1)"
java_major="${java_major#1.}"
if ! [[ "$java_major" =~ ^[0-9]+$ ]] || [ "$java_major" -lt 17 ]; then
  log "$java_bin is Java '${java_major}', the kernel needs Java 17 or newer"
  exit 1
fi
java_home="$(dirname "$(dirname "$java_bin")")"
javac_bin="$java_home/bin/javac"
[ -x "$javac_bin" ] || { log "$javac_bin not found (a JDK is needed, not a JRE)"; exit 1; }
if [ ! -e "$java_home/jmods/jdk.jshell.jmod" ] \
    && ! "$java_bin" --list-modules 2>/dev/null | grep -q '^jdk\.jshell@'; then
  log "$java_bin has no jdk.jshell module (a JDK is needed, not a JRE)"
  exit 1
fi

# --- the kernelspec directory -----------------------------------------------------------------------------------
data_dir="$("$JUPYTER" --data-dir 2>/dev/null | tail -n1)"
[ -n "$data_dir" ] || { log "could not ask Jupyter for its data dir"; exit 1; }
spec_dir="$data_dir/kernels/$KERNEL_NAME"
mkdir -p "$spec_dir"

# --- the kernel jar (pinned version and checksum) ---------------------------------------------------------------
sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$RJK_SHA256" ]; }
if sha_ok "$spec_dir/$RJK_JAR"; then
  log "kernel jar $RJK_JAR: present"
else
  log "fetching $RJK_ARTIFACT with Maven"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  # Run outside any project (a pom in the current directory would be read by Maven).
  if ! (cd "$tmp" && mvn -B -q "$DEP_PLUGIN:copy" -Dartifact="$RJK_ARTIFACT" -DoutputDirectory="$tmp/out" \
      -Dmdep.overWriteReleases=true >"$tmp/mvn.log" 2>&1); then
    cat "$tmp/mvn.log" >&2
    log "could not fetch $RJK_ARTIFACT from Maven Central"
    exit 1
  fi
  if ! sha_ok "$tmp/out/$RJK_JAR"; then
    log "checksum mismatch for $RJK_JAR (expected sha256 $RJK_SHA256)"
    exit 1
  fi
  mv -f "$tmp/out/$RJK_JAR" "$spec_dir/$RJK_JAR"
fi
# Drop jars of other kernel versions left by an earlier install.
for old in "$spec_dir"/rapaio-jupyter-kernel-*.jar; do
  [ "$old" = "$spec_dir/$RJK_JAR" ] || rm -f "$old"
done

# --- start-up race fix ------------------------------------------------------------------------------------------
# In rapaio-jupyter-kernel 3.0.1, LoopThread.start() starts the thread before it sets 'running', so a channel thread
# scheduled first sees running == false and ends at once: the kernel then never answers on that channel (seen in
# about 1 start of 30 on an idle 2-core machine and 1 in 5 under load: "Kernel didn't respond"). The class below is
# the same class with the flag set first. Also, a request that comes before the kernel has registered its message
# handlers throws a NullPointerException that ends the shell thread (seen once in about 50 starts): the class drops
# that message and keeps the thread alive, and the client's next kernel_info_request is answered. The class is
# compiled against the kernel jar and put before it on the class path (the jar itself is not modified). With it, no
# start failed in 100 starts under load. Remove it for a kernel version that fixes both.
patch_dir="$spec_dir/patch"
patch_src="$spec_dir/patch-src/org/rapaio/jupyter/kernel/channels/LoopThread.java"
patch_class="$patch_dir/org/rapaio/jupyter/kernel/channels/LoopThread.class"
patch_java="$(cat <<'JAVA'
package org.rapaio.jupyter.kernel.channels;

/**
 * rapaio-jupyter-kernel 3.0.1's LoopThread (MIT licence, Aurelian Tutuianu), with {@code running} set before the
 * thread starts instead of after (the original lets a thread that runs first see {@code running == false} and end),
 * and a NullPointerException in the loop body (a message handled before the handlers exist) no longer ending it.
 */
public final class LoopThread extends Thread {
    private volatile boolean running = false;
    private final long sleep;
    private final Runnable loopBody;

    public LoopThread(String name, long sleep, Runnable loopBody) {
        super(name);
        this.sleep = sleep;
        this.loopBody = loopBody;
    }

    @Override
    public void run() {
        while (running) {
            try {
                loopBody.run();
            } catch (NullPointerException e) {
                // a request that came before the kernel registered its message handlers: drop it, keep serving
                System.err.println("[" + getName() + "] dropped a message: " + e);
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                running = false;
                return;
            }
        }
    }

    @Override
    public synchronized void start() {
        running = true;
        super.start();
    }

    public void shutdown() {
        running = false;
    }
}
JAVA
)"
patch_stamp="$patch_dir/built-against-$RJK_SHA256"   # recompile for another kernel jar or another source
if [ -f "$patch_class" ] && [ -f "$patch_stamp" ] && [ -f "$patch_src" ] \
    && [ "$(cat "$patch_src")" = "$patch_java" ]; then
  log "LoopThread start-up fix: compiled"
else
  rm -rf "$patch_dir" "$spec_dir/patch-src"
  mkdir -p "$(dirname "$patch_src")" "$patch_dir"
  printf '%s\n' "$patch_java" > "$patch_src"
  "$javac_bin" --release 17 -nowarn -cp "$spec_dir/$RJK_JAR" -d "$patch_dir" "$patch_src" >&2
  touch "$patch_stamp"
  log "LoopThread start-up fix: compiled into $patch_dir"
fi

# --- kernel.json ------------------------------------------------------------------------------------------------
# argv: the kernel jar (the fix above first on the class path) run by a pinned JVM, with headless AWT (images are
# rendered to PNG, no display is needed), UTF-8 as the default charset whatever the locale (as on Java 18+), and the
# Vector API module when this JDK has it (the toolkit's SIMD error sweep; without it the scalar sweep runs). The JVM's
# "Using incubator modules" warning goes to the kernel's stderr (Jupyter's log), not to cell outputs.
# env: the kernel's own options (see the kernel's KERNEL.md): no extra classpath (notebooks load the toolkit with
# their own %jars line), no compiler options, no init script, no kernel-side timeout (nbconvert has a per-cell
# timeout), and the Maven resolver cache for %dependency outside the notebooks' directory.
json_escape() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }
vector_opt=""
if grep -qE '^MODULES=.*[" ]jdk\.incubator\.vector[" ]' "$java_home/release" 2>/dev/null; then
  vector_opt="
    \"--add-modules\",
    \"jdk.incubator.vector\","
fi
new_json="$(cat <<EOF
{
  "argv": [
    "$(json_escape "$java_bin")",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8",${vector_opt}
    "-cp",
    "$(json_escape "$patch_dir:$spec_dir/$RJK_JAR")",
    "org.rapaio.jupyter.kernel.MainApp",
    "{connection_file}"
  ],
  "display_name": "$DISPLAY_NAME",
  "language": "java",
  "interrupt_mode": "message",
  "env": {
    "RJK_CLASSPATH": "",
    "RJK_COMPILER_OPTIONS": "",
    "RJK_INIT_SCRIPT": "",
    "RJK_TIMEOUT_MILLIS": "-1",
    "RJK_MIMA_CACHE": "$(json_escape "$spec_dir/mima_cache")"
  },
  "metadata": {
    "mixquant": {"kernel": "$RJK_ARTIFACT", "java_version": "$java_major"}
  }
}
EOF
)"
if [ -f "$spec_dir/kernel.json" ] && [ "$(cat "$spec_dir/kernel.json")" = "$new_json" ]; then
  log "kernelspec $KERNEL_NAME: up to date ($spec_dir, Java $java_major)"
  touch "$spec_dir/kernel.json"   # checked: tools/notebooks/run-notebooks.sh reinstalls when older than this script
else
  printf '%s\n' "$new_json" > "$spec_dir/kernel.json.tmp"
  mv -f "$spec_dir/kernel.json.tmp" "$spec_dir/kernel.json"
  log "kernelspec $KERNEL_NAME: written to $spec_dir"
  log "  (rapaio-jupyter-kernel $RJK_VERSION on Java $java_major: $java_bin)"
fi
