"""A real Wellpath server on a free port, reading the demo world, and one headless Chromium
(Debian's, never a downloaded browser) shared by every browser test.

The server is `python -m streamlit run dashboard.py` with WELLPATH_DB set, started once per
test session and stopped in teardown; its log is printed when it fails to start. Screenshots
go to a temporary folder, or to WELLPATH_SCREENSHOTS when that is set.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_SECONDS = 120
SETTLE_TIMEOUT_MS = 120_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except OSError:
        return False


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's Chromium is not installed at /usr/bin/chromium "
            "(bash scripts/test.sh installs it)"
        )
    return CHROMIUM


@contextmanager
def running_server(db_path: Path, log_path: Path) -> Iterator[str]:
    """A fresh `python -m streamlit run dashboard.py` on a free port; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "WELLPATH_DB": str(db_path), "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard.py",
        "--server.port", str(port), "--server.headless", "true",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not _healthy(base_url):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Streamlit server did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def start_server(chromium_path: Path):
    """running_server, for a test that needs a server of its own (e.g. a fresh one)."""
    return running_server


@pytest.fixture(scope="session")
def server(demo_db: Path, chromium_path: Path, tmp_path_factory) -> Iterator[str]:
    """Base URL of a running Wellpath server on the demo world (one for the session)."""
    log_path = tmp_path_factory.mktemp("server") / "streamlit.log"
    with running_server(demo_db, log_path) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser(chromium_path: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("WELLPATH_SCREENSHOTS")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


def wait_until_settled(page) -> None:
    """Wait for the app to connect, draw, and finish its script run (status widget gone)."""
    page.wait_for_selector('[data-testid="stMain"]', timeout=SETTLE_TIMEOUT_MS)
    page.wait_for_selector(
        'h1, [data-testid="stException"]', state="attached", timeout=SETTLE_TIMEOUT_MS
    )
    # Settled: no "Running..." indicator for a whole second.
    quiet_since = None
    for _ in range(SETTLE_TIMEOUT_MS // 250):
        running = page.locator('[data-testid="stStatusWidget"]').is_visible()
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = 0
        else:
            quiet_since += 250
            if quiet_since >= 1000:
                return
        page.wait_for_timeout(250)
    raise TimeoutError("the page was still running")
