#!/usr/bin/env bash
# Idempotent install of everything the project needs on a Debian machine with Java 17 and Maven:
# the apt packages in environment/apt-packages.txt (only the missing ones; 'apt-get update' runs once, and only
# when something is missing). Safe to run any number of times.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

missing=()
while read -r pkg; do
  pkg="${pkg%%#*}"; pkg="$(echo "$pkg" | xargs)"
  [ -n "$pkg" ] || continue
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done < "$here/apt-packages.txt"

if [ ${#missing[@]} -gt 0 ]; then
  echo "[install] installing Debian packages: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "[install] need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "[install] Debian packages: all present" >&2
fi

# Optional extra steps (e.g. the Jupyter kernel) live in environment/install.d/*.sh and run in name order.
if [ -d "$here/install.d" ]; then
  for step in "$here"/install.d/*.sh; do
    [ -f "$step" ] || continue
    echo "[install] running $(basename "$step")" >&2
    bash "$step"
  done
fi
