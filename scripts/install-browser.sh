#!/usr/bin/env bash
# Install what the browser test (tests/test_browser.py) needs, from Debian's packages:
# chromium (the test drives /usr/bin/chromium through Playwright) and a Japanese font so the
# dashboard's screenshot shows Japanese text rather than empty boxes.
# Idempotent: installs only what is missing. Never downloads a browser build of its own
# (`playwright install` is not used: only the package registries are reachable).
set -euo pipefail

missing=()
if [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi
if ! dpkg-query -W -f='${Status}' fonts-ipafont-gothic 2>/dev/null | grep -q "install ok installed"; then
  missing+=(fonts-ipafont-gothic)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-browser: chromium and a Japanese font are already installed"
else
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-browser: missing ${missing[*]}; installing needs root. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    echo "install-browser: without chromium the browser test is skipped (and fails when CI=true)" >&2
    exit 0
  fi
  echo "install-browser: installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  echo "install-browser: installed ${missing[*]}"
fi

python="${PYTHON:-python3}"
if ! "$python" -c "import playwright" 2>/dev/null; then
  echo "install-browser: the Python package 'playwright' is missing from $python;" \
    "install the dev extras (pip install -e '.[dev]'); never run 'playwright install'" >&2
fi
