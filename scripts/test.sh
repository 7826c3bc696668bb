#!/usr/bin/env bash
# Installs everything the tests need (pip packages, Debian's Chromium for the browser tests),
# then runs lint and the whole test suite. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests..."
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium poppler-utils >/dev/null
fi
if ! command -v pdftoppm >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq poppler-utils >/dev/null || true
fi

# Lint and tests all run, so one report shows every problem; the exit status is non-zero
# when any of them failed.
status=0
python3 -m ruff check . || status=1
python3 -m ruff format --check . || status=1
python3 -m pytest -n 2 "$@" || status=1
exit $status
