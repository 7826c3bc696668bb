"""AppTest harness: run dashboard.py (the router) against a chosen DuckDB file, in-process.

`app(page)` returns an AppTest of the router that has been run once (first-run build,
sidebar filters into session state) and then switched to `page` (a path from dashboard.py's
PAGES, e.g. "pages/data_quality.py"), with WELLPATH_DB set to the demo world. AppTest's
switch_page runs the page file itself, not the router, so the sidebar is not redrawn: pass
`scope=` or `filters=` to stand for who is signed in and what the sidebar would have set:
they go through the test-only hooks of wellpath.auth (switched on for this process only),
which put that scope and those filters on the server for the session, exactly as given.
`scope=None` leaves the real gate in charge (demo role switcher, or the sign-in form). Caches
are cleared around each test so one test's file never serves another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from wellpath import auth
from wellpath.scope import Filters, Scope

# Test-only: lets a test put a viewer's scope and filters on the server (in this process).
auth.enable_test_hooks()

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "dashboard.py"
APP_TIMEOUT_SECONDS = 180


def dashboard_pages() -> list[str]:
    """Every page file the router may list (wellpath.shell.PAGES)."""
    from wellpath import shell

    return [entry[0] for entry in shell.PAGES if (REPO / entry[0]).is_file()]


def sidebar_state(scope: Scope | None = None, filters: Filters | None = None) -> dict[str, object]:
    """Session state that makes the router serve this viewer's scope and these filters.

    The scope and filters are held for the session through the test-only hooks (the filters
    exactly as given, day ranges included); the sidebar toggle follows the scope."""
    state: dict[str, object] = {}
    if scope is not None:
        state[auth.TEST_SCOPE_KEY] = scope
        state["filter_publishable"] = scope.rounded
    if filters is not None:
        state[auth.TEST_FILTERS_KEY] = filters
    return state


def as_role(role: str, practices: tuple[str, ...] = (), rounded: bool = False) -> Scope:
    """The scope a signed-in user of this role gets (optionally narrowed to publishable)."""
    return auth.scope_for(role, practices).narrowed(rounded)


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
