"""A download button in a real browser: the CSV is written when the button is pressed
(wellpath.ui.download hands Streamlit a callable), so this checks that pressing it still
delivers the right file, twice in a row and then another table's straight after (a press
does not rerun the page, so no button's file is swapped under the next press), with the
table's header and a row per month."""

from __future__ import annotations

import csv
import io

import pytest

from tests.browser.conftest import wait_until_settled

pytestmark = pytest.mark.browser

TIMEOUT_MS = 120_000


def test_caseload_download_delivers_the_active_caseload_csv(server, browser, tmp_path) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{server}/caseload", timeout=TIMEOUT_MS)
        page.locator("h1", has_text="Caseload and waits").wait_for(timeout=TIMEOUT_MS)
        # Pressed only once the run has finished: a button drawn by a run still going is
        # replaced by the next, and its file with it. Found by its key, not its place.
        wait_until_settled(page)
        button = page.locator('[class*="st-key-download-active_caseload_by_month"]')
        button.wait_for(timeout=TIMEOUT_MS)
        bodies = []
        for attempt in range(2):
            with page.expect_download(timeout=TIMEOUT_MS) as pressed:
                button.locator("button").click()
            download = pressed.value
            assert download.suggested_filename == "active_caseload_by_month.csv"
            target = tmp_path / f"download-{attempt}.csv"
            download.save_as(target)
            bodies.append(target.read_bytes())
        assert bodies[0] == bodies[1], "a second press gave another file"
        other = page.locator('[class*="st-key-download-completed_episode_lengths"]')
        with page.expect_download(timeout=TIMEOUT_MS) as pressed:
            other.locator("button").click()
        assert pressed.value.suggested_filename == "completed_episode_lengths.csv"
        assert bodies[0].startswith(b"\xef\xbb\xbf"), "no byte-order mark for Excel"
        rows = list(csv.reader(io.StringIO(bodies[0].decode("utf-8-sig"))))
        assert rows[0] == ["Month", "Counted on", "People (number)"]
        months = rows[1:]
        assert len(months) >= 12, months
        # one row per month, each counted on a UK date, with a whole number of people
        assert len({m[0] for m in months}) == len(months)
        for _month, counted_on, people in months:
            assert len(counted_on.split()) == 3, counted_on
            assert people.replace(",", "").isdigit(), people
    finally:
        context.close()
