"""AppTest harness: run dashboard.py (the router) against a chosen DuckDB file, in-process.

`app(page)` returns an AppTest of the router that has been run once (first-run build,
sidebar filters into session state) and then switched to `page` (a path from dashboard.py's
PAGES, e.g. "pages/data_quality.py"), with WELLPATH_DB set to the demo world. AppTest's
switch_page runs the page file itself, not the router, so the sidebar is not redrawn: pass
`scope=` or `filters=` to stand for what the sidebar would have set. Caches are cleared
around each test so one test's file never serves another.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from wellpath.scope import Filters, Scope

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "dashboard.py"
APP_TIMEOUT_SECONDS = 180


def dashboard_pages() -> list[str]:
    """Every page file the router lists (st.Page("pages/...py", ...) in dashboard.py)."""
    return re.findall(r'st\.Page\(\s*"([^"]+\.py)"', DASHBOARD.read_text(encoding="utf-8"))


def sidebar_state(scope: Scope | None = None, filters: Filters | None = None) -> dict[str, object]:
    """The sidebar widget values (by key) that make the router build this scope and filters."""
    state: dict[str, object] = {}
    if scope is not None:
        if scope.practice_codes is not None:
            raise ValueError("the sidebar cannot restrict a viewer to practices; roles will")
        state["filter_publishable"] = scope.rounded
    if filters is not None:
        state["filter_period"] = "Custom"
        state["filter_dates"] = (filters.start_date, filters.end_date)
        state["filter_practices"] = list(filters.practice_codes)
        state["filter_pcns"] = list(filters.pcn_codes)
        state["filter_conditions"] = list(filters.conditions)
        state["filter_workers"] = list(filters.worker_ids)
    return state


def apply_sidebar(at: AppTest, scope: Scope | None = None, filters: Filters | None = None) -> None:
    for key, value in sidebar_state(scope, filters).items():
        at.session_state[key] = value


def _clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def make_app(
    page: str | None = None,
    *,
    scope: Scope | None = None,
    filters: Filters | None = None,
    timeout: float = APP_TIMEOUT_SECONDS,
) -> AppTest:
    """The router run once, then switched to `page` and run again (when a page is given),
    as the viewer `scope` with the sidebar's `filters` when given."""
    at = AppTest.from_file(str(DASHBOARD), default_timeout=timeout)
    apply_sidebar(at, scope, filters)
    at.run()
    if page is not None and not at.exception:
        at.switch_page(page)
        at.run()
    return at


@pytest.fixture
def use_db(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Point WELLPATH_DB at a file for this test (caches cleared before and after)."""

    def point(path: Path) -> None:
        monkeypatch.setenv("WELLPATH_DB", str(path))
        _clear_caches()

    yield point
    _clear_caches()


@pytest.fixture
def run_app() -> Callable[..., AppTest]:
    """make_app, for tests that point WELLPATH_DB elsewhere first (with use_db)."""
    return make_app


@pytest.fixture
def app(demo_db: Path, use_db) -> Callable[..., AppTest]:
    """An AppTest factory on the demo world: app() for the default page, app(page) for one."""
    use_db(demo_db)
    return make_app


def exceptions(at: AppTest) -> list[str]:
    """The messages of any exception boxes the run drew (empty when the page ran cleanly)."""
    return [f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception]
