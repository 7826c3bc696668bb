"""The commissioner's report as PDF, printed by Debian's Chromium (as the MDT pack is), and
its HTML opened in Chromium with every request watched: nothing is fetched from anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wellpath import __main__ as cli

pytestmark = pytest.mark.browser

PERIOD = "2025-04-01:2026-03-31"


def test_cli_writes_an_a4_portrait_pdf(chromium_path, demo_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WELLPATH_DB", str(demo_db))
    out = tmp_path / "report.pdf"
    assert cli.main(["report", "--period", PERIOD, "--out", str(out), "--db", str(demo_db)]) == 0
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert len(boxes) >= 8  # pages
    width, height = (float(v) for v in boxes[0])
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points


def test_the_html_report_fetches_nothing(browser, demo_db, tmp_path, monkeypatch):
    # The session's browser (tests/browser/conftest.py): a second sync_playwright in the same
    # process would find the first one's event loop running.
    monkeypatch.setenv("WELLPATH_DB", str(demo_db))
    out = tmp_path / "report.html"
    assert cli.main(["report", "--period", PERIOD, "--out", str(out), "--db", str(demo_db)]) == 0
    requested: list[str] = []
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.on("request", lambda r: requested.append(r.url))
        page.goto(Path(out).as_uri(), wait_until="load")
        charts = page.locator(".plotly-graph-div").count()
        page.wait_for_function(
            "document.querySelectorAll('.js-plotly-plot').length >= "
            "document.querySelectorAll('.plotly-graph-div').length",
            timeout=60_000,
        )
        drawn = page.locator(".js-plotly-plot").count()
    finally:
        page.close()
    assert charts >= 8 and drawn == charts  # every chart drawn by the plotly.js in the file
    assert [u for u in requested if not u.startswith(("file:", "data:", "about:"))] == []
