"""The Integration with practices and Unmet needs views on the hand-built fixture
(tests/fixtures/integration; see tests/sql/test_integration_queries.py for its working)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import streamlit as st

from tests.conftest import FIXTURES, build_fixture_db
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters, Scope
from wellpath.views import integration, unmet_needs

PERIOD = Filters(start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 6, 30))


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    return build_fixture_db(FIXTURES / "integration", tmp_path_factory.mktemp("v") / "v.duckdb")


@pytest.fixture(autouse=True)
def point_at(fixture_db, monkeypatch):
    monkeypatch.setenv("WELLPATH_DB", str(fixture_db))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def test_timeline_rows_and_rates_per_1000():
    t = integration.engagement_timeline.uncached(FULL_ACCESS, PERIOD, practice_code="A86012")
    assert t.practice_code == "A86012" and len(t.table) == 6
    jan = t.table.iloc[0]
    # Jan: 240 minutes = 4.0 hours; 2 referrals / 10,000 patients = 0.20 per 1,000.
    assert (jan["Month"], jan["Hours of engagement"], jan["Referrals"]) == ("Jan 2026", "4.0", "2")
    assert jan["Referrals per 1,000 patients"] == "0.20"
    summary = t.summary.set_index("Code")
    # A86012: 5 referrals in the period (R01, R02, R03, R07, R10) over 10,000 = 0.5 per 1,000.
    assert summary.loc["A86012", "Referrals"] == "5"
    assert summary.loc["A86012", "Referrals per 1,000 patients"] == "0.5"
    assert summary.loc["A86017", "Hours of engagement"] == "5.5"  # 330 minutes
    assert t.figure is not None


def test_timeline_in_a_rounded_scope_suppresses_referrals_not_engagement():
    t = integration.engagement_timeline.uncached(PUBLISHABLE, PERIOD, practice_code="A86012")
    assert set(t.table["Referrals"]) <= {"*", "0"}
    assert t.table.iloc[0]["Referrals per 1,000 patients"] == "*"
    assert t.table.iloc[0]["Hours of engagement"] == "4.0"  # staff time, not people
    # Totals from published cells: every month's referrals are suppressed, so no total.
    assert t.summary.set_index("Code").loc["A86012", "Referrals"] == "*"


def test_association_not_shown_when_rounded_and_caveated_always():
    a = integration.engagement_association.uncached(PUBLISHABLE, PERIOD)
    assert not a.shown and "unrounded views only" in a.sentence
    assert "association, not proof" in a.caveat
    full = integration.engagement_association.uncached(FULL_ACCESS, PERIOD)
    assert "association, not proof" in full.caveat


def test_lapsed_practices_and_this_quarter_for_the_mdt_page():
    lapsed = integration.lapsed_practices.uncached(FULL_ACCESS, PERIOD, weeks=8)
    assert lapsed.table["Practice"].tolist() == [
        "Cruddas Park Surgery",
        "Throckley Primary Care Centre",
    ]
    assert lapsed.table["Last engagement"].tolist() == ["20 Mar 2026", "10 Dec 2025"]
    assert lapsed.table["Weeks since"].tolist() == ["15", "29"]  # 102/7 = 14.6; 202/7 = 28.9
    q = integration.practice_engagement_this_quarter.uncached(FULL_ACCESS, PERIOD)
    assert q.quarter == "Apr-Jun 2026" and q.start == dt.date(2026, 4, 1)
    row = q.table.set_index("Practice").loc["West Road Medical Centre"]
    assert (row["Other"], row["Hours of engagement"], row["Lapsed"]) == (1, "0.5", "no")


def test_stories_for_each_purpose_and_scope():
    mdt = integration.stories_for.uncached(FULL_ACCESS, PERIOD, purpose="mdt")
    assert [s.consent for s in mdt.stories] == [
        "Publishable", "Practice only", "Publishable", "Practice only",
    ]  # fmt: skip
    report = integration.stories_for.uncached(FULL_ACCESS, PERIOD, purpose="report")
    assert {s.consent for s in report.stories} == {"Publishable"} and len(report.stories) == 2
    rounded_mdt = integration.stories_for.uncached(PUBLISHABLE, PERIOD, purpose="mdt")
    assert len(rounded_mdt.stories) == 2
    other_role = Scope(role="commissioner")
    assert len(integration.stories_for.uncached(other_role, PERIOD, purpose="mdt").stories) == 2
    with pytest.raises(ValueError):
        integration.stories_for.uncached(FULL_ACCESS, PERIOD, purpose="poster")


def test_story_text_is_plain_text_never_markdown_or_html():
    mdt = integration.stories_for.uncached(FULL_ACCESS, PERIOD, purpose="mdt")
    text = next(s.text for s in mdt.stories if s.title.startswith("Sorting"))
    assert "\\*\\*Bold\\*\\*" in text and "\\<b\\>" in text and "\\[a link\\]" in text
    assert "**" not in text.replace("\\*\\*", "")


def test_unmet_by_barrier_over_time_unrounded():
    v = unmet_needs.barriers_over_time.uncached(FULL_ACCESS, PERIOD)
    t = v.table.set_index("Barrier")
    # Quarters Jan-Mar (G4 waiting list, G7 confidence) and Apr-Jun (G2, G8 transport;
    # G5 cost; G6 none): 6 goals.
    assert list(t.columns) == ["Jan-Mar 2026", "Apr-Jun 2026", "Total", "Share of all"]
    assert t.loc["Transport"].tolist() == ["0", "2", "2", "33%"]
    assert t.loc["Not recorded"].tolist() == ["0", "1", "1", "17%"]
    assert t.loc["Total"].tolist() == ["2", "4", "6", "100%"]
    assert v.total_goals == "6" and v.figure is not None


def test_unmet_tables_in_publishable_mode():
    v = unmet_needs.barriers_over_time.uncached(PUBLISHABLE, PERIOD)
    t = v.table.set_index("Barrier")
    # Every non-zero cell is 1-7: "*"; zeros stay 0; a total of published cells that would
    # be 0 beside hidden ones is "*" too (it would say there were none).
    assert t.loc["Transport"].tolist() == ["0", "*", "*", "*"]
    assert t.loc["Total"].tolist() == ["*", "*", "*", "–"]
    assert "counts of 1 to 7 are shown as *" in v.note
    by_pcn = unmet_needs.barriers_by.uncached(PUBLISHABLE, PERIOD, rows_by="pcn")
    assert set(by_pcn.table.drop(columns="Primary care network").stack()) <= {"*", "0", "–"}


def test_crosstab_totals_come_from_rounded_cells():
    import pandas as pd

    from wellpath import disclosure

    # Raw cells 12, 3, 13 in one row: published 10, *, 15; the row total is 25 (not
    # round(28) = 30), so 25 - 10 - 15 reveals nothing; shares from rounded parts.
    raw = pd.DataFrame(
        {
            "row_key": ["a", "a", "a", "b"],
            "column_key": ["q1", "q2", "q3", "q1"],
            "goal_count": [12, 3, 13, 20],
        }
    )
    published = raw.assign(goal_count=[disclosure.round_count(v) for v in raw.goal_count])
    published["goal_count"] = published["goal_count"].astype("Int64")
    table, grand = unmet_needs.crosstab(
        published, ["a", "b"], {}, ["q1", "q2", "q3"], {}, True, "Row"
    )
    t = table.set_index("Row")
    assert t.loc["a"].tolist() == ["10", "*", "15", "25", "56%"]  # 25 / 45
    assert t.loc["b"].tolist() == ["20", "0", "0", "20", "44%"]
    assert t.loc["Total"].tolist() == ["30", "*", "15", "45", "100%"]  # q2: * and 0
    assert grand == 45
    unrounded, total = unmet_needs.crosstab(
        raw, ["a", "b"], {}, ["q1", "q2", "q3"], {}, False, "Row"
    )
    assert total == 48 and unrounded.set_index("Row").loc["a", "Total"] == "28"


def test_filters_dataclass_replace_still_works():
    f = dataclasses.replace(PERIOD, worker_ids=("W2",))
    v = unmet_needs.barriers_over_time.uncached(FULL_ACCESS, f)
    # W2's referrals: R04 (G8, transport, Apr-Jun) only.
    assert v.total_goals == "1"
