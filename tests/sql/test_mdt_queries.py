"""The MDT queries and flag rules on a hand-built fixture (tests/fixtures/mdt/), loaded
through the real importer. Meeting on Tue 30 Jun 2026, last meeting 2 Jun 2026.

The fixture, practice A86012 (West Road), one person per flag:
  P-A01  on the caseload since 16 Mar 2026, seen 22 Jun, PSEQ 22 -> 30 on 8 Jun: no flag
  P-A02  accepted, referred 20 May, first contact 6 Jul (after the meeting): waiting 41 days
  P-A03  on the caseload, last attended 11 May (50 days; a DNA on 15 Jun is not contact)
  P-A04  on the caseload, last complete form 23 Mar (99 days): review due
  P-A05  on the caseload since 16 Sep 2024: 652 days = 21.4 months (discharged 1 Aug 2026,
         after the meeting, so still open then)
  P-A06  PSEQ 30 -> 18 (-12) on 15 Jun: reliable deterioration
  P-A07  discharged 10 Jun to clinical care (20 days before): returned to clinical care
  P-A08  referred 5 Jun, not eligible on 12 Jun, 48 months of symptoms
  P-A09  discharged to clinical care on 1 Apr 2026 (90 days before): not in the list
  P-A10  referred 22 Jun, awaiting triage (8 days): no flag
  P-A11  referred 10 Jul, after the meeting: not there at all
Practice A86017 (Cruddas Park): P-B01 on the caseload (PSEQ 28 -> 33), P-B02 waiting since
1 Jun, P-B03 discharged 15 May (goals met).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from wellpath import access, data, db, formats, mdt
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters

MEETING = dt.date(2026, 6, 30)
LAST_MEETING = dt.date(2026, 6, 2)
BOTH = ["A86012", "A86017"]


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    return build_fixture_db(FIXTURES / "mdt", tmp_path_factory.mktemp("mdt") / "mdt.duckdb")


@pytest.fixture(scope="module")
def con(db_path) -> duckdb.DuckDBPyConnection:
    connection = db.connect_read_only(Path(db_path))
    yield connection
    connection.close()


def run(con, name: str, practice_codes=BOTH, **extra) -> pd.DataFrame:
    params = {"practice_codes": practice_codes, "conditions": None, "worker_ids": None}
    params.update(extra)
    return db.run_query(con, name, params)


def people(con, meeting=MEETING, last=LAST_MEETING, practice_codes=BOTH, **extra):
    return run(
        con,
        "mdt_people",
        practice_codes=practice_codes,
        practice_code="A86012",
        meeting_date=meeting,
        since_date=mdt.since_date(meeting, last),
        **extra,
    ).set_index("patient_id")


def test_people_selection_and_status(con):
    rows = people(con)
    # since_date = min(2 Jun, 30 Jun - 31 days = 30 May) = 30 May: P-A09 (closed 1 Apr) and
    # P-A11 (referred after the meeting) are out; B practice never appears.
    assert sorted(rows.index) == [f"P-A{i:02d}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 10)]
    assert rows["status"].to_dict() == {
        "P-A05": "caseload",  # discharge on 1 Aug 2026 is after the meeting
        "P-A07": "discharged",
        "P-A04": "caseload",
        "P-A03": "caseload",
        "P-A06": "caseload",
        "P-A01": "caseload",
        "P-A02": "waiting",  # first contact on 6 Jul is after the meeting
        "P-A08": "not_taken_on",
        "P-A10": "awaiting_triage",
    }


def test_people_facts_as_at_meeting(con):
    rows = people(con)
    a01, a03, a04, a05 = (rows.loc[p] for p in ("P-A01", "P-A03", "P-A04", "P-A05"))
    # caseload_days: 16 Mar -> 30 Jun = 15 + 30 + 31 + 30 = 106
    assert a01["caseload_days"] == 106
    assert a01["last_contact_date"] == pd.Timestamp("2026-06-22")
    assert (a01["goals_open_count"], a01["goals_achieved_count"]) == (1, 1)
    # P-A03: last attended 11 May; the DNA on 15 Jun counts as missed, not as contact
    assert a03["last_contact_date"] == pd.Timestamp("2026-05-11")
    assert a03["dna_count"] == 1
    # its incomplete PSEQ of 20 Jun is not a complete questionnaire
    assert a03["last_questionnaire_date"] == pd.Timestamp("2026-05-11")
    # P-A04: 2 goals agreed; one achieved 20 Apr, one achieved 20 Jul (after: still open)
    assert (a04["goals_open_count"], a04["goals_achieved_count"]) == (1, 1)
    assert a04["wait_days"] == 17  # 28 Nov -> 15 Dec
    # P-A05: 16 Sep 2024 -> 30 Jun 2026 = 365 + 273 + 14 = 652 days; the contact and goal of
    # 14 Jul 2026 are after the meeting and ignored
    assert a05["caseload_days"] == 652
    assert a05["attended_contact_count"] == 4
    assert a05["goals_agreed_count"] == 2
    assert rows.loc["P-A02", "days_waiting"] == 41  # 20 May -> 30 Jun
    assert rows.loc["P-A10", "days_waiting"] == 8


def test_scores_baseline_latest_and_last_meeting(con):
    scores = run(
        con,
        "mdt_scores",
        practice_code="A86012",
        meeting_date=MEETING,
        last_meeting_date=LAST_MEETING,
    ).set_index(["patient_id", "instrument"])
    a05 = scores.loc[("P-A05", "PSEQ")]
    # 18 (2024) -> 19 -> 20 (18 May 2026); the 35 of 14 Jul 2026 is after the meeting
    assert (a05["baseline_score"], a05["latest_score"], a05["previous_score"]) == (18, 20, 19)
    assert a05["scored_form_count"] == 3
    a06 = scores.loc[("P-A06", "PSEQ")]
    assert (a06["score_at_last_meeting"], a06["latest_score"]) == (30, 18)
    # SWEMWBS raw 17 -> 20 is metric 16.88 -> 18.59 (Warwick conversion table)
    a01 = scores.loc[("P-A01", "SWEMWBS")]
    assert (a01["baseline_score"], a01["latest_score"]) == pytest.approx((16.88, 18.59))


def test_headline_practice_against_service(con):
    head = run(
        con,
        "mdt_headline",
        practice_code="A86012",
        meeting_date=MEETING,
        quarter_start_date=mdt.financial_quarter_start(MEETING),
        wait_from_date=mdt.year_before(MEETING),
    ).set_index("area")
    practice, service = head.loc["practice"], head.loc["service"]
    # Quarter from 1 Apr 2026: A02, A08, A10 (+ B02 for the service)
    assert (practice["referred_quarter_count"], service["referred_quarter_count"]) == (3, 4)
    assert (practice["referred_total_count"], service["referred_total_count"]) == (10, 13)
    assert (practice["awaiting_triage_count"], service["awaiting_triage_count"]) == (1, 1)
    assert (practice["waiting_count"], service["waiting_count"]) == (1, 2)
    assert (practice["caseload_count"], service["caseload_count"]) == (5, 6)
    assert (practice["discharged_count"], service["discharged_count"]) == (2, 3)
    # First seen from 30 Jun 2025: waits A07 10, A01 14, A04 17, A03 21, A06 28, A09 35
    # -> median (17 + 21) / 2 = 19; with B01 14 and B03 14: median (14 + 17) / 2 = 15.5
    assert (practice["first_contact_count"], service["first_contact_count"]) == (6, 8)
    assert (practice["median_wait_days"], service["median_wait_days"]) == (19.0, 15.5)
    # PSEQ pairs: +8, +2, +3, +2, -12, -2 = 1 over 6; with B01's +5: 6 over 7
    assert practice["pseq_pair_count"] == 6
    assert practice["pseq_mean_change_points"] == pytest.approx(1 / 6)
    assert practice["pseq_mean_baseline_points"] == pytest.approx(140 / 6)
    assert service["pseq_pair_count"] == 7
    assert service["pseq_mean_change_points"] == pytest.approx(6 / 7)


def test_headline_counts_agree_with_the_list(con):
    """The headline's practice counts are the statuses of the list's rows."""
    head = run(
        con,
        "mdt_headline",
        practice_code="A86012",
        meeting_date=MEETING,
        quarter_start_date=mdt.financial_quarter_start(MEETING),
        wait_from_date=mdt.year_before(MEETING),
    ).set_index("area")
    status = people(con)["status"].value_counts()
    assert head.loc["practice", "caseload_count"] == status["caseload"]
    assert head.loc["practice", "waiting_count"] == status["waiting"]
    assert head.loc["practice", "awaiting_triage_count"] == status["awaiting_triage"]


def test_referrals_by_month(con):
    months = run(
        con,
        "mdt_referrals_by_month",
        practice_code="A86012",
        meeting_date=MEETING,
        from_date=mdt.chart_from_date(MEETING),
    )
    assert len(months) == 12 and str(months["month_start_date"].iloc[0])[:10] == "2025-07-01"
    got = dict(
        zip(months["month_start_date"].astype(str).str[:7], months["referral_count"], strict=True)
    )
    assert got["2025-08"] == 1 and got["2026-01"] == 2 and got["2026-06"] == 2
    assert got["2025-07"] == 0 and sum(got.values()) == 9  # A09, A07, A04, A03, A06 ... A10
    # June: A08 not eligible, A10 awaiting triage: none accepted yet
    assert months["accepted_count"].iloc[-1] == 0


def test_flags_one_person_per_flag(con):
    rows = people(con).reset_index()
    scores = run(
        con,
        "mdt_scores",
        practice_code="A86012",
        meeting_date=MEETING,
        last_meeting_date=LAST_MEETING,
    )
    bases = mdt.reliable_change_bases(scores)
    # Paired PSEQ baselines of West Road: 22, 24, 20, 18, 30, 26 (mean 23.33, squares sum
    # 93.33, SD = sqrt(93.33 / 5) = 4.3205); 1.96 * sqrt(2) * 4.3205 * sqrt(1 - 0.86) =
    # 4.481 points: -12 is reliable, +3 is not
    assert bases["PSEQ"].sd_baseline == pytest.approx((93.3333 / 5) ** 0.5, abs=1e-4)
    assert bases["PSEQ"].threshold_points == pytest.approx(4.481, abs=0.001)
    changes = mdt.score_changes(scores, bases, LAST_MEETING)
    flagged = mdt.flag_people(rows, changes, MEETING).set_index("patient_id")
    assert flagged["flags"].to_dict() == {
        "P-A06": ("reliable_deterioration",),
        "P-A07": ("returned_to_clinical_care",),
        "P-A03": ("no_recent_contact",),
        "P-A02": ("waiting_over_4_weeks",),
        "P-A04": ("review_due",),
        "P-A05": ("long_on_caseload",),
        "P-A08": ("declined_or_not_eligible",),
        "P-A01": (),
        "P-A10": (),
    }
    # sorted by the most serious flag (waiting over 4 weeks before no contact for 6 weeks,
    # as issue 10 orders them), then by how long, the unflagged last
    assert list(flagged.index) == [
        "P-A06", "P-A07", "P-A02", "P-A03", "P-A04", "P-A05", "P-A08", "P-A01", "P-A10",
    ]  # fmt: skip
    # next review: 12 weeks after the latest complete form (P-A04: 23 Mar + 84 = 15 Jun)
    assert flagged.loc["P-A04", "next_review_date"] == dt.date(2026, 6, 15)
    table = mdt.list_table(flagged.reset_index()).set_index("Pseudonym")
    assert table.loc["P-A08", "Flags"] == (
        # one wording per flag: the legend's label, then the reason
        "Declined or not eligible: Not eligible: symptoms for 48 months (the service takes 3 to 36)"
    )
    assert table.loc["P-A06", "PSEQ reliable?"] == "Reliably worse"
    assert table.loc["P-A01", "PSEQ reliable?"] == "Reliably better"  # +8 > 4.48
    assert table.loc["P-A05", "Weeks on caseload"] == 93  # 652 // 7


def test_since_last_meeting(con):
    rows = people(con).reset_index()
    assert list(mdt.new_referrals(rows, LAST_MEETING, MEETING)["Pseudonym"]) == [
        "P-A08",
        "P-A10",
    ]
    closed = mdt.closures(rows, LAST_MEETING, MEETING)
    assert closed.to_dict("list") == {
        "Pseudonym": ["P-A07", "P-A08"],
        "Date": [dt.date(2026, 6, 10), dt.date(2026, 6, 12)],
        "What happened": ["Discharged", "Not eligible"],
        "Reason": [
            "Returned to clinical care",
            "Not eligible: symptoms for 48 months (the service takes 3 to 36)",
        ],
    }
    scores = run(
        con,
        "mdt_scores",
        practice_code="A86012",
        meeting_date=MEETING,
        last_meeting_date=LAST_MEETING,
    )
    bases = mdt.reliable_change_bases(scores)
    moves = mdt.score_movements(mdt.score_changes(scores, bases, LAST_MEETING))
    # New forms after 2 Jun: P-A01 (8 Jun) and P-A06 (15 Jun), PSEQ and SWEMWBS each;
    # SWEMWBS has no published reliability in the registry, so it is "not assessed".
    assert list(
        zip(moves["Pseudonym"], moves["Questionnaire"], moves["Reliable?"], strict=True)
    ) == [
        ("P-A06", "PSEQ", "Reliably worse"),
        ("P-A01", "PSEQ", "Reliably better"),
        ("P-A01", "SWEMWBS", "Not assessed"),
        ("P-A06", "SWEMWBS", "Not assessed"),
    ]


def test_an_earlier_meeting_date_shows_the_list_as_it_stood(con):
    """On 1 Mar 2026 (last meeting 1 Feb), P-A01 was not yet referred, P-A06 was on the
    caseload (first contact 16 Feb) and P-A07 and P-A09 were still open."""
    meeting, last = dt.date(2026, 3, 1), dt.date(2026, 2, 1)
    rows = people(con, meeting=meeting, last=last)
    assert "P-A01" not in rows.index
    assert rows.loc["P-A06", "status"] == "caseload"
    assert rows.loc["P-A07", "status"] == "caseload"
    assert rows.loc["P-A09", "status"] == "caseload"
    # P-A09: first contact 15 Sep 2025, only contact: 167 days without contact by 1 Mar
    flagged = mdt.flag_people(
        rows.reset_index(),
        mdt.score_changes(pd.DataFrame(columns=SCORE_COLUMNS), {}, last),
        meeting,
    ).set_index("patient_id")
    assert "no_recent_contact" in flagged.loc["P-A09", "flags"]


SCORE_COLUMNS = [
    "referral_id", "patient_id", "instrument", "scored_form_count", "baseline_date",
    "baseline_score", "latest_date", "latest_score", "previous_date", "previous_score",
    "score_at_last_meeting_date", "score_at_last_meeting",
]  # fmt: skip


def test_scope_is_enforced_in_sql(con):
    """A practice outside $practice_codes returns nothing, even when asked for by name."""
    rows = people(con, practice_codes=["A86017"])
    assert rows.empty


def test_identifiable_queries_refused_for_publishable_scope(con):
    filters = Filters(start_date=dt.date(2025, 7, 1), end_date=MEETING)
    practices = db.run_query(con, "practice_list")
    extra = {"practice_code": "A86012", "meeting_date": MEETING, "since_date": LAST_MEETING}
    with pytest.raises(access.ScopeError):
        access.read(con, "mdt_people", PUBLISHABLE, filters, practices, extra)
    with pytest.raises(access.ScopeError):
        access.read(con, "mdt_scores", PUBLISHABLE, filters, practices, extra)
    assert len(access.read(con, "mdt_people", FULL_ACCESS, filters, practices, extra)) == 9


def test_headline_publishable_is_rounded(con):
    filters = Filters(start_date=dt.date(2025, 7, 1), end_date=MEETING)
    practices = db.run_query(con, "practice_list")
    extra = {
        "practice_code": "A86012",
        "meeting_date": MEETING,
        "quarter_start_date": mdt.financial_quarter_start(MEETING),
        "wait_from_date": mdt.year_before(MEETING),
    }
    head = access.read(con, "mdt_headline", PUBLISHABLE, filters, practices, extra)
    practice = head.set_index("area").loc["practice"]
    # 10 referrals -> 10; 5 on the caseload -> suppressed; the median wait of 6 people and
    # the PSEQ change of 6 pairs describe 7 or fewer people -> suppressed
    assert practice["referred_total_count"] == 10
    assert pd.isna(practice["caseload_count"])
    assert pd.isna(practice["median_wait_days"])
    assert pd.isna(practice["pseq_mean_change_points"])


@pytest.mark.parametrize("conditions", [(), ("chronic_pain_msk",)])
def test_mdt_and_outcomes_class_the_same_people_the_same_way(db_path, monkeypatch, conditions):
    """One definition of reliable change (issue 10): for West Road as on 30 Jun 2026, the
    MDT list and the Outcomes page (that practice, every follow-up up to 30 Jun 2026, latest
    follow-up) pair the same people and judge each one's PSEQ change against the same
    threshold. All conditions: baselines 22, 24, 20, 18, 30, 26 (SD 4.32, threshold 4.48):
    +8 better, -12 worse. Chronic pain only: 22, 20, 26 (SD 3.06, threshold 3.17): A01's +8
    better, A04's +3 and A07's -2 not reliable."""
    import streamlit as st

    from wellpath import outcomes
    from wellpath.views import mdt as mdt_views
    from wellpath.views import outcomes as outcome_views

    monkeypatch.setenv("WELLPATH_DB", str(db_path))
    st.cache_data.clear()
    filters = Filters(
        start_date=dt.date(2020, 1, 1),
        end_date=MEETING,
        practice_codes=("A86012",),
        conditions=conditions,
    )
    meeting = mdt_views.meeting.uncached(
        FULL_ACCESS, filters, practice_code="A86012", meeting_date=MEETING
    )
    listed = meeting.download[meeting.download["PSEQ change"].notna()]
    mdt_classes = sorted(zip(listed["PSEQ change"], listed["PSEQ reliable?"], strict=True))
    # The same pairs on both pages: the Outcomes page's pairs, classed by its summary.
    pairs = data.query(
        "paired_scores", FULL_ACCESS, filters, time_point_months=None, window_days=None
    )
    pseq = pairs[pairs["measure"] == "PSEQ"]
    assert sorted(pseq["change_points"]) == sorted(c for c, _ in mdt_classes)
    summary = outcomes.paired_summary(pseq).set_index("measure").loc["PSEQ"]
    better = sum(label == "Reliably better" for _, label in mdt_classes)
    worse = sum(label == "Reliably worse" for _, label in mdt_classes)
    assert (better, worse) == (
        summary["reliable_improved_count"],
        summary["reliable_deteriorated_count"],
    )
    expected = {
        (): [(-12, "Reliably worse"), (8, "Reliably better")],
        ("chronic_pain_msk",): [(8, "Reliably better")],
    }
    assert [(c, label) for c, label in mdt_classes if label.startswith("Reliably")] == expected[
        conditions
    ]
    # and the figure the Outcomes page shows is that count over the same pairs
    table = outcome_views.paired_change.uncached(FULL_ACCESS, filters).table.set_index(
        "Questionnaire"
    )
    row = table.loc[table.index.str.startswith("PSEQ:")].iloc[0]
    assert row["People paired"] == str(len(mdt_classes))
    assert row["Reliable improvement"] == formats.fmt_pct(100 * better / len(mdt_classes))
    st.cache_data.clear()


def test_meeting_pack_from_the_views_the_page_shows(db_path, monkeypatch):
    """The pack holds the page's headline and full list (not the flagged-only screen list),
    and there is no pack in a rounded scope."""
    import streamlit as st

    from wellpath.views import mdt as mdt_views

    monkeypatch.setenv("WELLPATH_DB", str(db_path))
    st.cache_data.clear()
    filters = Filters(start_date=dt.date(2025, 7, 1), end_date=MEETING)
    choices = dict(practice_code="A86012", meeting_date=MEETING, last_meeting=LAST_MEETING)
    head = mdt_views.headline.uncached(FULL_ACCESS, filters, "A86012", MEETING)
    view = mdt_views.meeting.uncached(FULL_ACCESS, filters, **choices, flagged_only=True)
    assert len(view.table) == 7 and len(view.download) == 9  # A01 and A10 have no flag
    made = mdt_views.meeting_pack(head, view, practice_name="West Road", **choices)
    assert made.content.people is view.download and made.content.headline is head.table
    assert made.html_name == "mdt-pack-A86012-2026-06-30.html"
    html = made.html().decode("utf-8")
    assert "MDT meeting pack: West Road (A86012)" in html and "P-A10" in html
    assert view.since_heading == "Since the last meeting (2 Jun 2026)"
    refused = mdt_views.meeting.uncached(PUBLISHABLE, filters, **choices)
    assert refused.refused and refused.download.empty
    assert mdt_views.meeting_pack(head, refused, practice_name="West Road", **choices) is None
    st.cache_data.clear()


def test_part_month_marked_and_list_fits(con):
    """A meeting before the month's end makes its month a part month (paler bar, no point
    on the line); the list's screen columns fit the ~980 px of page at 1440 px."""
    from wellpath.charts import mdt as mdt_charts
    from wellpath.views import mdt as mdt_views

    meeting = dt.date(2026, 6, 29)
    months = run(
        con,
        "mdt_referrals_by_month",
        practice_code="A86012",
        meeting_date=meeting,
        from_date=mdt.chart_from_date(meeting),
    )
    assert months["is_whole_month"].tolist() == [True] * 11 + [False]
    fig = mdt_charts.referrals_by_month(months, "West Road", "#005EB8", "Jul 2025 to Jun 2026")
    bars, line = fig.data[0], fig.data[1]
    assert list(bars.marker.opacity) == [1.0] * 11 + [0.4]
    assert len(line.x) == 11 and "paler bar" in fig.layout.title.text
    whole = run(con, "mdt_referrals_by_month", practice_code="A86012", meeting_date=MEETING,
                from_date=mdt.chart_from_date(MEETING))  # fmt: skip
    assert whole["is_whole_month"].all()  # 30 Jun is the month's last day
    assert set(mdt_views.LIST_WIDTHS) == set(mdt_views.SCREEN_COLUMNS)
    assert sum(mdt_views.LIST_WIDTHS.values()) <= 980
    assert all(mdt_views.LIST_HELP[c] for c in mdt_views.SCREEN_COLUMNS)
