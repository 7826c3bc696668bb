"""AppTest for the MDT meeting page on the demo world (seed 7, as on 1 Nov 2026): the default
view, a chosen practice, another meeting date, no last meeting, the sidebar's practice
filter, and the publishable scope (headline only, with the refusal of the list)."""

from __future__ import annotations

import datetime as dt

import duckdb

from tests.app.conftest import as_role, exceptions
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
    # a programme lead with "Publishable figures" on (a commissioner may not open the page)
    at = app(PAGE, scope=as_role("programme_lead", rounded=True), filters=FILTERS)
    assert not exceptions(at)
    assert any("Not available in publishable figures" in i.value for i in at.info)
    assert "People to discuss" not in subheaders(at)
    assert all(d.value.columns[0] != "Pseudonym" for d in at.dataframe)
    headline = frame(at, "Measure")
    # publishable counts are multiples of 5, or "*"
    for value in headline.loc[1:5, "This practice"]:
        assert value == "*" or int(value.replace(",", "")) % 5 == 0
    # publishable stories only, and no Star (person-level)
    assert all("Practice only" not in m.value for m in at.markdown)
    assert "A person's Well-being Star: at the start and now" not in subheaders(at)


def test_a_commissioner_cannot_open_the_page(app):
    at = app(PAGE, scope=PUBLISHABLE, filters=FILTERS)
    assert any("not available to your role" in e.value for e in at.error)
    assert not at.dataframe


def _cards(at) -> list[str]:
    """The stories' title lines ("**title**  \\ndate · consent")."""
    return [
        m.value for m in at.markdown if " · Practice only" in m.value or " · Publishable" in m.value
    ]


def test_engagement_stories_and_a_persons_star(app):
    at = app(PAGE, filters=FILTERS)
    assert not exceptions(at)
    heads = subheaders(at)
    assert any(m.value.startswith("**Link workers' time with the practice, ") for m in at.markdown)
    engagement = frame(at, "MDT meetings")
    assert list(engagement.columns[:2]) == ["MDT meetings", "Surgery sessions"]
    assert len(engagement) == 1 and engagement["Lapsed"].iloc[0] in ("no", "yes: none in 8 weeks")
    assert "In their own words" in heads
    star = at.selectbox(key="mdt_star")
    assert star.options and all(o.startswith("P-") for o in star.options)
    assert frame(at, "Area")["Area"].iloc[0] == "Area 1"
    assert len(at.get("plotly_chart")) == 3  # referrals, PSEQ change, the Star


def test_a_practice_user_sees_only_their_practice(app, demo_db):
    """West Road's practice manager: its people, its engagement, its stories and nothing of
    another practice, even with a forged practice in the widget's state."""
    con = duckdb.connect(str(demo_db), read_only=True)
    own = {
        r[0]
        for r in con.execute(
            "select patient_id from referrals where practice_code = 'A86012'"
        ).fetchall()
    }
    others = {
        r[0]
        for r in con.execute(
            "select patient_id from referrals where practice_code <> 'A86012'"
        ).fetchall()
    } - own
    story_rows = con.execute(
        "select s.title, f.practice_code = 'A86012' from stories as s "
        "join referrals as f using (referral_id)"
    ).fetchall()
    con.close()
    at = app(PAGE, scope=as_role("practice", ("A86012",)), filters=FILTERS)
    assert not exceptions(at)
    assert at.selectbox(key="mdt_practice").options == ["West Road Medical Centre (A86012)"]
    # the service to compare with is every practice, publishable (was: their practice again)
    service = frame(at, "Measure").loc[0:5, "Whole service"]
    assert all(v == "*" or int(v.replace(",", "")) % 5 == 0 for v in service)
    own_total = int(frame(at, "Measure").loc[1, "This practice"].replace(",", ""))
    assert int(service.loc[1].replace(",", "")) > own_total
    people = set(frame(at, "Pseudonym")["Pseudonym"])
    assert people and people <= own
    stars = {o.split(" ")[0].rstrip(",") for o in at.selectbox(key="mdt_star").options}
    assert stars and stars <= own
    shown = " ".join(m.value for m in at.markdown)
    assert not [p for p in others if p in shown]
    own_titles = {t for t, mine in story_rows if mine}
    only_others = {t for t, mine in story_rows if not mine} - own_titles
    cards = _cards(at)
    assert cards and all(any(t in c for t in own_titles) for c in cards)
    assert any("Practice only" in c for c in cards)  # their own practice-only stories
    assert not [t for t in only_others if t in " ".join(cards)]
    assert frame(at, "MDT meetings")["MDT meetings"].iloc[0].isdigit()
    # a forged practice code (widget values can be forged): the views give nothing of it
    from wellpath.views import mdt as views

    forged = dict(practice_code="A86017", meeting_date=dt.date(2026, 11, 1))
    scope = as_role("practice", ("A86012",))
    meeting = views.meeting(scope, FILTERS, **forged, last_meeting=None)
    assert meeting.table.empty and meeting.download.empty and meeting.star_people == ()
    assert views.stories(scope, FILTERS, **forged).stories == ()
    assert views.engagement(scope, FILTERS, **forged).table.empty
