"""Message back to the GP at scale: past view.LIST_LIMIT people discharged in the period the
page lists one practice's people at a time (a national service discharges hundreds of
thousands a year: one list of them all took 13 GB and 112 s to draw), and the list alone
writes no message and reads no goals or scores."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.app.conftest import exceptions, make_app
from wellpath import data
from wellpath.scope import FULL_ACCESS, Filters
from wellpath.views import message_back as view

FILTERS = Filters(start_date=dt.date(2025, 11, 1), end_date=dt.date(2026, 10, 31))


@pytest.fixture
def demo(demo_db, use_db):
    use_db(demo_db)
    return demo_db


def test_the_list_alone_reads_no_goals_or_scores(demo, monkeypatch):
    asked: list[str] = []
    query = data.query

    def spy(name, *args, **kwargs):
        asked.append(name)
        return query(name, *args, **kwargs)

    monkeypatch.setattr(data, "query", spy)
    listed = view.chosen_messages.uncached(FULL_ACCESS, FILTERS, referral_ids=())
    assert listed.messages == () and len(listed.people) > 0
    assert asked == ["discharged_people"]


def test_past_the_limit_one_practice_is_listed(demo, monkeypatch):
    everyone = view.chosen_messages(FULL_ACCESS, FILTERS, referral_ids=())
    practices = view.practices(everyone)
    assert len(practices) > 1
    first = view.people_at(everyone, practices[0])
    assert 0 < len(first) < len(everyone.people)
    assert set(first["practice"]) == {practices[0]}
    assert view.people_at(everyone, None).equals(everyone.people)

    monkeypatch.setattr(view, "LIST_LIMIT", 5)
    at = make_app("pages/message_back.py", scope=FULL_ACCESS, filters=FILTERS)
    assert not exceptions(at)
    assert [s.label for s in at.selectbox] == ["Practice"]
    assert at.selectbox[0].value == practices[0]
    assert set(at.multiselect[0].options) == set(first["label"])
    # the page's whole-practice batch: the same messages as the whole batch for them
    at.checkbox[0].check().run()
    assert not exceptions(at)
    assert "All of them at this practice" in at.checkbox[0].label
