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

# The same SQL tests and a representative set of importer tests on the DuckLake backend, with
# its catalog in a throwaway PostgreSQL (Debian's, installed when missing) started here and
# stopped at the end. Skipped when the caller chose tests (arguments), or WELLPATH_SKIP_LAKE=1.
if [ "$#" -eq 0 ] && [ "${WELLPATH_SKIP_LAKE:-0}" != "1" ]; then
  if pg_env="$(bash scripts/pg_throwaway.sh start)"; then
    eval "$pg_env"
    trap 'bash scripts/pg_throwaway.sh stop "$WELLPATH_TEST_PG_DIR"' EXIT
    WELLPATH_TEST_BACKEND=lake python3 -m pytest -n 2 -p no:cacheprovider \
      tests/sql tests/importer/test_batches.py tests/lake || status=1
  else
    echo "Could not start PostgreSQL for the DuckLake tests" >&2
    status=1
  fi
fi
exit $status
