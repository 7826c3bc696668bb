"""Message back to the GP at scale: past view.LIST_LIMIT people discharged in the period the
page lists one practice's people at a time (a national service discharges hundreds of
thousands a year: one list of them all took 13 GB and 112 s to draw), and the list alone
writes no message and reads no goals or scores: the page first reads the counts per
practice, then one practice's people alone."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.app.conftest import exceptions, make_app
from wellpath import data
from wellpath.scope import FULL_ACCESS, Filters, Scope
from wellpath.views import message_back as view

FILTERS = Filters(start_date=dt.date(2025, 11, 1), end_date=dt.date(2026, 10, 31))


@pytest.fixture
def demo(demo_db, use_db):
    use_db(demo_db)
    return demo_db


def _spy(monkeypatch) -> list[tuple[str, tuple[str, ...]]]:
    """The queries asked for, each with the practice filter it was asked with."""
    asked: list[tuple[str, tuple[str, ...]]] = []
    query = data.query

    def spy(name, scope, filters, **kwargs):
        asked.append((name, filters.practice_codes))
        return query(name, scope, filters, **kwargs)

    monkeypatch.setattr(data, "query", spy)
    return asked


def test_the_counts_read_no_person_and_agree_with_the_people(demo, monkeypatch):
    asked = _spy(monkeypatch)
    found = view.discharges.uncached(FULL_ACCESS, FILTERS)
    assert asked == [("discharged_by_practice", ())]
    everyone = view.messages.uncached(FULL_ACCESS, FILTERS).people
    assert found.total == len(everyone) > 0
    per_practice = everyone["practice"].value_counts().to_dict()
    assert set(found.practices.values()) == set(per_practice)
    assert list(found.practices) == sorted(found.practices)  # in practice-code order


def test_one_practice_is_read_alone_and_is_that_practice_of_everyone(demo, monkeypatch):
    everyone = view.people.uncached(FULL_ACCESS, FILTERS, practice_code=None)
    found = view.discharges(FULL_ACCESS, FILTERS)
    code = next(iter(found.practices))
    asked = _spy(monkeypatch)
    first = view.people.uncached(FULL_ACCESS, FILTERS, practice_code=code)
    assert asked == [("discharged_people", (code,))]
    assert 0 < len(first) < len(everyone)
    assert set(first["practice"]) == {found.practices[code]}
    expected = everyone[everyone["practice"] == found.practices[code]].reset_index(drop=True)
    pd.testing.assert_frame_equal(first.reset_index(drop=True), expected)
    # a practice outside the viewer's scope lists no one
    own = Scope(role="practice", practice_codes=(code,))
    other = next(c for c in found.practices if c != code)
    assert view.people.uncached(own, FILTERS, practice_code=other).empty


def test_past_the_limit_one_practice_is_listed(demo, monkeypatch):
    found = view.discharges(FULL_ACCESS, FILTERS)
    codes = list(found.practices)
    first = view.people(FULL_ACCESS, FILTERS, practice_code=codes[0])
    monkeypatch.setattr(view, "LIST_LIMIT", 5)
    at = make_app("pages/message_back.py", scope=FULL_ACCESS, filters=FILTERS)
    assert not exceptions(at)
    assert [s.label for s in at.selectbox] == ["Practice"]
    assert at.selectbox[0].value == codes[0]
    assert set(at.multiselect[0].options) == set(first["label"])
    # the page's whole-practice batch: the same messages as the whole batch for them
    at.checkbox[0].check().run()
    assert not exceptions(at)
    assert "All of them at this practice" in at.checkbox[0].label
