"""A smoke of the load test (scripts/load_test.py): 3 Chromium sessions for 10 seconds on the
demo world while a small batch is imported in a loop into the same file. The full test (20
sessions for a minute) is `python -m wellpath bench --load`; see docs/performance.md."""

from __future__ import annotations

import json
import socket
import sys

import pytest

from tests.conftest import FIXTURES

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_three_sessions_during_imports_load_pages_without_errors(
    demo_db, chromium_path, tmp_path, monkeypatch
):
    sys.path.insert(0, str(FIXTURES.parents[1] / "scripts"))
    import load_test

    out = tmp_path / "summary.json"
    code = load_test.main(
        ["--db", str(demo_db), "--batch", str(FIXTURES / "service"), "--sessions", "3",
         "--seconds", "10", "--port", str(_free_port()), "--scale", "demo", "--no-doc",
         "--json", str(out)]
    )  # fmt: skip
    summary = json.loads(out.read_text())
    assert summary["errors"] == 0, summary["error_examples"]
    assert code == 0
    assert summary["loads"] >= 3  # every session drew at least one page's first chart
    assert summary["imports"] >= 1 and summary["imports_failed"] == 0
    assert summary["median_s"] <= summary["p95_s"] <= summary["max_s"]
