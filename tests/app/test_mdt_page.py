"""AppTest for the MDT meeting page on the demo world (seed 7, as on 1 Nov 2026): the default
view, a chosen practice, another meeting date, no last meeting, the sidebar's practice
filter, and the publishable scope (headline only, with the refusal of the list)."""

from __future__ import annotations

import datetime as dt

from tests.app.conftest import exceptions
from wellpath.scope import PUBLISHABLE, Filters

PAGE = "pages/mdt_meeting.py"
FILTERS = Filters(start_date=dt.date(2025, 11, 2), end_date=dt.date(2026, 11, 1))


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def frame(at, first_column: str):
    """The first table on the page whose first column is `first_column`."""
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column)


def test_default_view(app):
    at = app(PAGE, filters=FILTERS)
    assert not exceptions(at)
    heads = subheaders(at)
    assert heads[0] == "West Road Medical Centre against the whole service"
    assert "People to discuss" in heads
    assert any("Meeting pack" in c.value for c in at.caption)
    assert any(h.startswith("Since the last meeting") for h in heads)
    headline = frame(at, "Measure")
    assert list(headline.columns) == ["Measure", "This practice", "Whole service"]
    people = frame(at, "Pseudonym")
    assert len(people) > 0 and people["Pseudonym"].str.startswith("P-").all()
    # flagged people first: once a row has no flag, no later row has one
    flagged = (people["Flags"].fillna("") != "").tolist()
    assert flagged == sorted(flagged, reverse=True)
    legend = at.table[0].value
    assert len(legend) == 7 and legend["Rule"].str.len().min() > 30
    text = " ".join(c.value for c in at.caption)
    assert "does **not** store free-text notes" in text
    assert [b.label for b in at.get("download_button")]


def test_chosen_practice(app):
    at = app(PAGE, filters=FILTERS)
    at.selectbox(key="mdt_practice").set_value("A86026").run()
    assert not exceptions(at)
    assert subheaders(at)[0] == "Throckley Primary Care Centre against the whole service"


def test_another_meeting_date(app):
    at = app(PAGE, filters=FILTERS)
    at.date_input(key="mdt_meeting_date").set_value(dt.date(2026, 6, 30)).run()
    assert not exceptions(at)
    # the last meeting defaults to four weeks before, the quarter to the financial quarter
    assert "Since the last meeting (2 Jun 2026)" in subheaders(at)
    headline = frame(at, "Measure")
    assert headline["Measure"].iloc[0] == "Referred this quarter (since 1 Apr 2026)"


def test_without_a_last_meeting(app):
    at = app(PAGE, filters=FILTERS)
    meeting = at.date_input(key="mdt_meeting_date").value
    at.date_input(key=f"mdt_last_meeting_{meeting.isoformat()}").set_value(None).run()
    assert not exceptions(at)
    assert any("Enter the last meeting date" in i.value for i in at.info)


def test_practice_filter_limits_the_chooser(app):
    filters = Filters(
        start_date=FILTERS.start_date, end_date=FILTERS.end_date, practice_codes=("A86021",)
    )
    at = app(PAGE, filters=filters)
    assert not exceptions(at)
    assert at.selectbox(key="mdt_practice").options == ["Holmside Medical Group (A86021)"]


def test_publishable_scope_shows_only_the_headline(app):
    at = app(PAGE, scope=PUBLISHABLE, filters=FILTERS)
    assert not exceptions(at)
    assert any("Not available in publishable figures" in i.value for i in at.info)
    assert "People to discuss" not in subheaders(at)
    assert all(d.value.columns[0] != "Pseudonym" for d in at.dataframe)
    headline = frame(at, "Measure")
    # publishable counts are multiples of 5, or "*"
    for value in headline.loc[1:5, "This practice"]:
        assert value == "*" or int(value.replace(",", "")) % 5 == 0
