"""AppTest for the Referrals, Caseload and waits, and Contacts and action plans pages: default
filters, each filter that changes the query path (practice, PCN, condition, link worker),
and the publishable scope, on the demo world (seed 7, as on 1 Nov 2026)."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import apply_sidebar
from wellpath.scope import PUBLISHABLE, Filters

PAGES = {
    "pages/referrals.py": ["Referrals each month", "Referrals per 1,000 registered patients"],
    "pages/caseload.py": ["How many people are on the caseload", "How long people stay"],
    "pages/activity.py": ["Contacts", "Action plans"],
}

PERIOD = {"start_date": dt.date(2025, 11, 2), "end_date": dt.date(2026, 11, 1)}

FILTER_CASES = {
    "default": {},
    "practice": {"practice_codes": ("A86026",)},
    "pcn": {"pcn_codes": ("U44695",)},
    "condition": {"conditions": ("ibs",)},
    "worker": {"worker_ids": ("LW03",)},
    # before the service began: every query comes back empty
    "nothing matches": {"start_date": dt.date(2016, 1, 1), "end_date": dt.date(2016, 12, 31)},
}


COUNT_METRICS = (
    "Referrals received",
    "Still awaiting triage",
    "On the caseload on",
    "Waiting on",
    "People seen",
    "Attended contacts",
    "Goals agreed",
    "Goals closed",
)


@pytest.fixture
def app(demo_db, monkeypatch):
    """Points the dashboard at the demo world; `_open` starts a session per view."""
    monkeypatch.setenv("WELLPATH_DB", str(demo_db))


def _open(_app: None, page: str, scope=None, **filters) -> AppTest:
    """A new session whose sidebar is set as a user would set it, then `page`."""
    at = AppTest.from_file("../../dashboard.py", default_timeout=120)
    apply_sidebar(at, scope, Filters(**{**PERIOD, **filters}))
    at.run()  # the router turns the sidebar's values into the scope and filters
    assert not at.exception
    at.switch_page(page)
    at.run()
    return at


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("case", list(FILTER_CASES))
def test_page_runs_with_filters(app, page, case):
    at = _open(app, page, **FILTER_CASES[case])
    assert not at.exception, [e.message for e in at.exception]
    if case != "nothing matches":
        headers = [h.value for h in at.header]
        for expected in PAGES[page]:
            assert expected in headers
        # the period and population are stated
        assert any("Period:" in c.value for c in at.caption)
        # every figure is defined one click away
        assert len(at.expander) >= 3


@pytest.mark.parametrize("page", list(PAGES))
def test_publishable_scope_hides_small_numbers(app, page):
    at = _open(app, page, scope=PUBLISHABLE, practice_codes=("A86026",))
    assert not at.exception, [e.message for e in at.exception]
    counts = [m for m in at.metric if m.label.startswith(COUNT_METRICS)]
    assert counts
    for metric in counts:
        value = metric.value.replace(",", "")
        # a published count is "*", 0 or a multiple of 5 of 10 or more; never 1-7
        assert value == "*" or int(value) == 0 or (int(value) % 5 == 0 and int(value) >= 10)
    # no pseudonyms in a publishable view
    for frame in at.dataframe:
        assert "Pseudonym" not in frame.value.columns


def test_caseload_lists_pseudonyms_only_unrounded(app):
    at = _open(app, "pages/caseload.py")
    toggles = {t.key: t for t in at.toggle}
    listing = ("caseload_list_waiting", "caseload_list_long_stays")
    assert all(key in toggles and "pseudonyms" in toggles[key].label for key in listing)
    # the lists are read only when asked for: no pseudonym on the page until then
    assert not any("Pseudonym" in frame.value.columns for frame in at.dataframe)
    for key in listing:
        toggles[key].set_value(True)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    listed = [frame.value for frame in at.dataframe if "Pseudonym" in frame.value.columns]
    assert len(listed) == 2 and all(len(frame) > 0 for frame in listed)
    # the waiting toggle's count is the waiting list's own length (at most 1,000 are shown)
    waiting_label = toggles["caseload_list_waiting"].label
    count = int(waiting_label.split("(")[1].split(" rows")[0].replace(",", ""))
    assert len(listed[0]) == min(count, 1_000)
    at = _open(app, "pages/caseload.py", scope=PUBLISHABLE)
    assert not any("pseudonyms" in t.label for t in at.toggle)
    assert not any("pseudonyms" in e.label for e in at.expander)


def test_caseload_compares_by_condition_first_and_by_practice_on_a_click(app):
    at = _open(app, "pages/caseload.py")
    assert at.radio(key="caseload_km_by").value == "Condition"
    tables = [d.value for d in at.dataframe if "Group" in d.value.columns]
    assert len(tables) == 1
    groups = tables[0]["Group"].tolist()
    assert "All episodes" in groups and "Fibromyalgia" in groups
    at.radio(key="caseload_km_by").set_value("Practice").run()
    assert not at.exception, [e.message for e in at.exception]
    tables = [d.value for d in at.dataframe if "Group" in d.value.columns]
    assert len(tables) == 1
    by_practice = tables[0]["Group"].tolist()
    assert by_practice[0] == "All episodes" and "Fibromyalgia" not in by_practice
    assert len(by_practice) > 2  # the service, then more than one practice
