"""A smoke of the load test (scripts/load_test.py): 3 sessions for 10 seconds on the demo world
(no sign-in) on two servers, one session in Chromium and two over the websocket, reading each
page for 1-3 s before the next click in the menu, while a small batch is imported in a loop
into the same file. The full test (20
sessions for a minute) is `python -m wellpath bench --load`; see docs/performance.md."""

from __future__ import annotations

import json
import socket
import subprocess
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
    # In a process of its own: the load test runs its own asyncio loop and Playwright, which
    # cannot start inside a worker that already holds the session's browser.
    repo = FIXTURES.parents[1]
    out = tmp_path / "summary.json"
    done = subprocess.run(
        [sys.executable, str(repo / "scripts" / "load_test.py"),
         "--db", str(demo_db), "--batch", str(FIXTURES / "service"), "--sessions", "3",
         "--seconds", "10", "--port", str(_free_port()), "--scale", "demo", "--no-doc",
         "--think", "1,3", "--ramp", "2", "--browsers", "1", "--json", str(out)],
        cwd=repo, timeout=600, capture_output=True, text=True,
    )  # fmt: skip
    code = done.returncode
    assert out.exists(), done.stderr[-2000:]
    summary = json.loads(out.read_text())
    assert summary["errors"] == 0, summary["error_examples"]
    assert code == 0
    assert summary["loads"] >= 3  # every session drew at least one page
    assert summary["browser_loads"] >= 1 and summary["protocol_loads"] >= 2
    assert summary["imports"] >= 1 and summary["imports_failed"] == 0
    assert summary["median_s"] <= summary["p95_s"] <= summary["max_s"]
    # The model of use and the machine's load are part of the report.
    assert summary["think_s"] == [1.0, 3.0] and summary["ramp_s"] == 2.0
    load = summary["load_average"]
    assert 0 <= load["start"] <= load["max"] and load["end"] >= 0
