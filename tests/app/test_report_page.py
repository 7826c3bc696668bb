"""The Commissioner report page under AppTest: one click makes the report for the sidebar's
period; a practice role is refused; a programme lead is told the report is publishable."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP_TIMEOUT_SECONDS, REPO, as_role, exceptions, sidebar_state
from wellpath.scope import FULL_ACCESS, Filters, Scope

PAGE = str(REPO / "pages" / "report.py")
PERIOD = Filters(dt.date(2025, 4, 1), dt.date(2026, 3, 31))


def _page(scope: Scope) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=APP_TIMEOUT_SECONDS)
    for key, value in sidebar_state(scope, PERIOD).items():
        at.session_state[key] = value
    return at


def test_one_click_makes_the_report(app):  # noqa: ARG001 (points WELLPATH_DB at the demo)
    at = _page(FULL_ACCESS)
    at.run()
    assert not exceptions(at)
    assert "publishable" in " ".join(m.value for m in at.markdown).lower()
    at.button[0].click()
    at.run()
    assert not exceptions(at)
    files = at.session_state["report_files"]
    assert files["html"].startswith(b"<!DOCTYPE html>")
    assert b"Made by programme lead on" in files["html"]
    assert files["pdf"] is None or files["pdf"].startswith(b"%PDF")


def test_a_practice_is_refused(app):  # noqa: ARG001
    at = _page(as_role("practice", ("A86012",)))
    at.run()
    assert not exceptions(at)
    assert at.error and "not available to your role" in at.error[0].value
    assert not at.button
