"""The MDT flag rules one at a time, at and either side of each threshold, and the dates of
the meeting. Meeting on Tue 30 Jun 2026 throughout."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from wellpath import mdt

MEETING = dt.date(2026, 6, 30)


def days_before(n: int) -> dt.date:
    return MEETING - dt.timedelta(days=n)


def person(**overrides) -> dict:
    """Someone on the caseload with nothing to flag: seen a week ago, form a month ago."""
    base = {
        "referral_id": "R1",
        "patient_id": "P-1",
        "status": "caseload",
        "referral_date": days_before(120),
        "triage_outcome": "accepted",
        "triage_date": days_before(118),
        "first_contact_date": days_before(100),
        "discharge_date": None,
        "discharge_reason": None,
        "last_contact_date": days_before(7),
        "last_questionnaire_date": days_before(30),
        "caseload_days": 100,
        "symptom_months": 12,
        "age_at_referral_years": 50,
        "condition": "ibs",
    }
    base.update(overrides)
    return base


def test_no_flags():
    assert mdt.person_flags(person(), MEETING, ["improved", "unchanged", None]) == ()


def test_reliable_deterioration_on_any_instrument():
    assert mdt.person_flags(person(), MEETING, ["improved", "deteriorated"]) == (
        "reliable_deterioration",
    )


@pytest.mark.parametrize(("days", "flagged"), [(41, False), (42, True), (60, True)])
def test_no_contact_for_six_weeks(days, flagged):
    # "for six weeks": 42 days or more since the last attended contact
    got = mdt.person_flags(person(last_contact_date=days_before(days)), MEETING)
    assert ("no_recent_contact" in got) is flagged


def test_no_contact_only_for_the_caseload():
    waiting = person(status="waiting", last_contact_date=None, referral_date=days_before(10))
    assert mdt.person_flags(waiting, MEETING) == ()


@pytest.mark.parametrize(("days", "flagged"), [(28, False), (29, True)])
@pytest.mark.parametrize("status", ["waiting", "awaiting_triage"])
def test_waiting_more_than_four_weeks(days, flagged, status):
    # "more than four weeks": 29 days or more since referral
    p = person(status=status, referral_date=days_before(days), last_contact_date=None)
    assert mdt.person_flags(p, MEETING) == (("waiting_over_4_weeks",) if flagged else ())


@pytest.mark.parametrize(("days", "flagged"), [(83, False), (84, True)])
def test_review_questionnaire_due(days, flagged):
    got = mdt.person_flags(person(last_questionnaire_date=days_before(days)), MEETING)
    assert got == (("review_due",) if flagged else ())


def test_review_due_counts_from_the_caseload_start_without_any_form():
    # no complete form: 12 weeks from first contact (84 days ago -> due today)
    p = person(last_questionnaire_date=None, first_contact_date=days_before(84))
    assert mdt.person_flags(p, MEETING) == ("review_due",)
    assert mdt.next_review_date("caseload", None, days_before(84), None) == MEETING
    assert mdt.next_review_date("waiting", None, None, None) is None


def test_on_the_caseload_beyond_18_months():
    # 18 months = 18 * 30.4375 = 547.875 days: 547 is not beyond, 548 is
    assert mdt.person_flags(person(caseload_days=547), MEETING) == ()
    assert mdt.person_flags(person(caseload_days=548), MEETING) == ("long_on_caseload",)


@pytest.mark.parametrize(("days", "flagged"), [(0, True), (31, True), (32, False)])
def test_returned_to_clinical_care_recently(days, flagged):
    p = person(
        status="discharged",
        discharge_date=days_before(days),
        discharge_reason="clinical_referral",
        caseload_days=None,
    )
    assert mdt.person_flags(p, MEETING) == (("returned_to_clinical_care",) if flagged else ())


def test_other_discharge_reasons_are_not_flagged():
    p = person(status="discharged", discharge_date=days_before(3), discharge_reason="goals_met")
    assert mdt.person_flags(p, MEETING) == ()


@pytest.mark.parametrize("outcome", ["declined", "not_eligible"])
def test_declined_or_not_eligible_this_month(outcome):
    p = person(status="not_taken_on", triage_outcome=outcome, triage_date=days_before(10))
    assert mdt.person_flags(p, MEETING) == ("declined_or_not_eligible",)
    old = person(status="not_taken_on", triage_outcome=outcome, triage_date=days_before(40))
    assert mdt.person_flags(old, MEETING) == ()
    redirected = person(
        status="not_taken_on", triage_outcome="redirected", triage_date=days_before(10)
    )
    assert mdt.person_flags(redirected, MEETING) == ()


def test_flags_come_most_urgent_first():
    p = person(
        last_contact_date=days_before(50),
        last_questionnaire_date=days_before(100),
        caseload_days=600,
    )
    assert mdt.person_flags(p, MEETING, ["deteriorated"]) == (
        "reliable_deterioration",
        "no_recent_contact",
        "review_due",
        "long_on_caseload",
    )


@pytest.mark.parametrize(
    ("outcome", "months", "age", "condition", "reason"),
    [
        ("declined", 12, 40, "ibs", "Declined the offer of support"),
        (
            "not_eligible",
            2,
            40,
            "ibs",
            "Not eligible: symptoms for 2 months (the service takes 3 to 36)",
        ),
        ("not_eligible", 12, 17, "ibs", "Not eligible: aged 17 (adults only)"),
        ("not_eligible", 12, 40, "other", "Not eligible: condition recorded as 'other'"),
        (
            "not_eligible",
            12,
            40,
            "ibs",
            "Not eligible (no reason in the data: ask the link worker)",
        ),
    ],
)
def test_not_taken_on_reason(outcome, months, age, condition, reason):
    assert mdt.not_taken_on_reason(outcome, months, age, condition) == reason


def test_meeting_dates():
    assert mdt.financial_quarter_start(dt.date(2026, 6, 30)) == dt.date(2026, 4, 1)
    assert mdt.financial_quarter_start(dt.date(2026, 11, 24)) == dt.date(2026, 10, 1)
    assert mdt.financial_quarter_start(dt.date(2027, 2, 1)) == dt.date(2027, 1, 1)
    assert mdt.year_before(dt.date(2028, 2, 29)) == dt.date(2027, 2, 28)
    assert mdt.chart_from_date(dt.date(2026, 6, 30)) == dt.date(2025, 7, 1)
    assert mdt.chart_from_date(dt.date(2026, 1, 5)) == dt.date(2025, 2, 1)
    assert mdt.default_last_meeting(MEETING) == dt.date(2026, 6, 2)
    # the earlier of the last meeting and the 31-day window for recent closures
    assert mdt.since_date(MEETING, dt.date(2026, 6, 2)) == dt.date(2026, 5, 30)
    assert mdt.since_date(MEETING, dt.date(2026, 4, 1)) == dt.date(2026, 4, 1)
    assert mdt.since_date(MEETING, None) == dt.date(2026, 5, 30)


def _scores(instrument: str, baselines: list[float], latest: list[float]) -> pd.DataFrame:
    """mdt_scores rows, each paired (a later form than the baseline)."""
    n = len(baselines)
    return pd.DataFrame(
        {
            "referral_id": [f"{instrument}{i}" for i in range(n)],
            "instrument": [instrument] * n,
            "baseline_date": [pd.Timestamp("2026-01-01")] * n,
            "latest_date": [pd.Timestamp("2026-05-01")] * n,
            "baseline_score": baselines,
            "latest_score": latest,
        }
    )


def test_reliable_change_basis_threshold():
    # PSEQ, r = 0.86, paired baselines 15, 25, 35 (SD 10):
    # 1.96 * sqrt(2) * 10 * sqrt(0.14) = 10.372 points
    scores = pd.concat(
        [
            _scores("PSEQ", [15.0, 25.0, 35.0], [20.0] * 3),
            _scores("SWEMWBS", [17.0, 20.0, 23.0], [20.0] * 3),
        ]
    )
    bases = mdt.reliable_change_bases(scores)
    assert bases["PSEQ"].sd_baseline == pytest.approx(10.0)
    assert bases["PSEQ"].threshold_points == pytest.approx(10.372, abs=0.001)
    assert bases["SWEMWBS"].threshold_points is None  # no published reliability
    assert mdt.reliable_category(-10.3, bases["PSEQ"]) == "unchanged"
    assert mdt.reliable_category(-10.4, bases["PSEQ"]) == "deteriorated"
    assert mdt.reliable_category(10.4, bases["PSEQ"]) == "improved"
    assert mdt.reliable_category(5.0, bases["SWEMWBS"]) is None
    # the user may give a reliability where none is published: r = 0.75, SD 3:
    # 1.96 * sqrt(2) * 3 * sqrt(0.25) = 4.158
    overridden = mdt.reliable_change_bases(scores, {"SWEMWBS": 0.75})
    assert overridden["SWEMWBS"].threshold_points == pytest.approx(4.158, abs=0.001)
    assert mdt.reliable_category(-4.2, overridden["SWEMWBS"]) == "deteriorated"
    # one pair: no SD, so nothing is judged
    one = mdt.reliable_change_bases(_scores("PSEQ", [20.0], [40.0]))["PSEQ"]
    assert one.sd_baseline is None and mdt.reliable_category(20.0, one) is None


def test_stale_data_warning():
    people = pd.DataFrame({"last_contact_date": [days_before(20), days_before(15), None]})
    assert "15 days before the meeting" in mdt.stale_data_warning(people, MEETING)
    fresh = pd.DataFrame({"last_contact_date": [days_before(3)]})
    assert mdt.stale_data_warning(fresh, MEETING) is None


def test_headline_table_shows_suppressed_figures_as_stars():
    row = {
        "referred_quarter_count": 10,
        "referred_total_count": 120,
        "awaiting_triage_count": None,
        "waiting_count": 0,
        "caseload_count": 45,
        "discharged_count": 60,
        "first_contact_count": 40,
        "median_wait_days": 19.5,
        "pseq_pair_count": None,
        "pseq_mean_baseline_points": None,
        "pseq_mean_latest_points": None,
        "pseq_mean_change_points": None,
    }
    table = mdt.headline_table(
        pd.DataFrame([{"area": "practice"} | row, {"area": "service"} | row]),
        dt.date(2026, 4, 1),
    ).set_index("Measure")
    assert table.loc["Referred this quarter (since 1 Apr 2026)", "This practice"] == "10"
    assert table.loc["Awaiting triage", "This practice"] == "*"
    assert table.iloc[-2]["Whole service"] == "19.5 days (40 people)"
    assert table.iloc[-1]["This practice"] == "*"


def test_list_sorted_by_most_serious_flag_then_how_long() -> None:
    """Reliably worse comes first even with one flag; among people waiting, the longest
    wait first; a person with no flag last (issue 10: the one reliably worse person was
    row 44 of 146, below 60 'no contact' rows)."""
    base = {
        "referral_id": None,
        "patient_id": None,
        "status": "caseload",
        "referral_date": dt.date(2026, 1, 1),
        "triage_outcome": "accepted",
        "triage_date": None,
        "first_contact_date": MEETING - dt.timedelta(days=30),
        "discharge_date": None,
        "discharge_reason": None,
        "last_contact_date": MEETING - dt.timedelta(days=60),
        "last_questionnaire_date": MEETING - dt.timedelta(days=10),
        "days_waiting": None,
        "caseload_days": 30,
    }
    rows = [
        base | {"referral_id": "R1", "patient_id": "P-1"},  # no contact for 6 weeks
        base
        | {
            "referral_id": "R2",
            "patient_id": "P-2",  # reliably worse, recent contact
            "last_contact_date": MEETING,
        },
        base
        | {
            "referral_id": "R3",
            "patient_id": "P-3",
            "status": "waiting",
            "first_contact_date": None,
            "days_waiting": 40,
            "caseload_days": None,
            "referral_date": MEETING - dt.timedelta(days=40),
        },
        base
        | {
            "referral_id": "R4",
            "patient_id": "P-4",
            "status": "waiting",
            "first_contact_date": None,
            "days_waiting": 90,
            "caseload_days": None,
            "referral_date": MEETING - dt.timedelta(days=90),
        },
        base | {"referral_id": "R5", "patient_id": "P-5", "last_contact_date": MEETING},
    ]
    people = pd.DataFrame(rows)
    changes = pd.DataFrame(
        {
            "referral_id": ["R2"],
            "instrument": ["PSEQ"],
            "latest_score": [20.0],
            "change_points": [-20.0],
            "reliable": ["deteriorated"],
        }
    )
    out = mdt.flag_people(people, changes, MEETING)
    assert out["referral_id"].tolist() == ["R2", "R4", "R3", "R1", "R5"]


def test_reliable_change_uses_the_sd_of_paired_baselines() -> None:
    """Only people with a later form count towards the SD (Outcomes' definition): the
    unpaired baseline of 5 would widen it."""
    scores = pd.DataFrame(
        {
            "referral_id": ["A", "B", "C", "D"],
            "instrument": ["PSEQ"] * 4,
            "baseline_date": [pd.Timestamp("2026-01-01")] * 4,
            "latest_date": [pd.Timestamp("2026-05-01")] * 3 + [pd.Timestamp("2026-01-01")],
            "baseline_score": [20.0, 30.0, 40.0, 5.0],
            "latest_score": [25.0, 30.0, 45.0, 5.0],
        }
    )
    basis = mdt.reliable_change_bases(scores)["PSEQ"]
    assert basis.sd_baseline == pytest.approx(10.0)  # SD of 20, 30, 40


def test_one_wording_per_flag() -> None:
    person = {
        "triage_outcome": "not_eligible",
        "symptom_months": 50,
        "age_at_referral_years": 40,
        "condition": "ibs",
    }
    text = mdt.flag_text(["declined_or_not_eligible"], person)
    assert text.startswith(mdt.FLAGS_BY_CODE["declined_or_not_eligible"].label + ": ")


def test_pseq_scatter_does_not_clip_markers_at_60() -> None:
    from wellpath.charts import mdt as charts

    rows = pd.DataFrame(
        {
            "patient_id": ["P-<b>1</b>"],
            "baseline_score": [60.0],
            "latest_score": [60.0],
            "change_points": [0.0],
            "reliable": ["deteriorated"],
        }
    )
    fig = charts.pseq_change(rows, "test", 10.0)
    assert fig.layout.yaxis.range[1] > 60 and fig.layout.xaxis.range[1] > 60
    assert fig.layout.yaxis.range[0] < 0
    labels = [t for trace in fig.data for t in (trace.text or ())]
    assert labels and all("<" not in t for t in labels)


def test_meeting_view_refuses_in_a_rounded_scope() -> None:
    from wellpath.scope import PUBLISHABLE, Filters
    from wellpath.views import mdt as views

    got = views.meeting.uncached(
        PUBLISHABLE, Filters(MEETING, MEETING), practice_code="A86012", meeting_date=MEETING
    )
    assert got.refused and "Not available in publishable figures" in got.refused
    assert got.table.empty and got.download.empty and not got.figures


# ---------------------------------------------------------------- engagement and stories
# On the hand-built integration fixture (tests/fixtures/integration): West Road (A86012) has
# E01 MDT 60 min 7 Jan, E02 surgery 180 min 14 Jan, E03 MDT 45 min 4 Feb, E04 case
# discussion 15 min 10 Feb and E08 other 30 min 10 Jun 2026; Cruddas Park (A86017) E05
# training 3 Mar, E06 surgery 20 Mar and E10 surgery 1 Jul 2026.


@pytest.fixture
def integration_db(tmp_path_factory, monkeypatch):
    import streamlit as st

    from tests.conftest import FIXTURES, build_fixture_db

    path = build_fixture_db(FIXTURES / "integration", tmp_path_factory.mktemp("m") / "m.duckdb")
    monkeypatch.setenv("WELLPATH_DB", str(path))
    st.cache_data.clear()
    yield path
    st.cache_data.clear()


def _engagement(scope, code: str, meeting: dt.date) -> dict[str, str]:
    from wellpath.scope import Filters
    from wellpath.views import mdt as views

    got = views.engagement.uncached(
        scope, Filters(dt.date(2026, 1, 1), dt.date(2026, 6, 30)), practice_code=code,
        meeting_date=meeting,
    )  # fmt: skip
    return got.table.iloc[0].to_dict() if len(got.table) else {}


def test_engagement_this_quarter_for_the_meeting_practice(integration_db) -> None:
    from wellpath.scope import FULL_ACCESS

    # Jan-Mar 2026 to 31 Mar: 2 MDT meetings, 1 surgery session, 1 case discussion,
    # 60 + 180 + 45 + 15 = 300 minutes = 5.0 hours; last 10 Feb, within 8 weeks (from 3 Feb)
    q1 = _engagement(FULL_ACCESS, "A86012", dt.date(2026, 3, 31))
    assert q1 == {
        "MDT meetings": "2", "Surgery sessions": "1", "Training sessions": "0",
        "Case discussions": "1", "Other": "0", "Hours of engagement": "5.0",
        "Last engagement": "10 Feb 2026", "Lapsed": "no",
    }  # fmt: skip
    # Cruddas Park at 30 Jun: nothing in Apr-Jun; last 20 Mar, over 8 weeks before (5 May);
    # its 1 Jul session is after the meeting and not counted
    q2 = _engagement(FULL_ACCESS, "A86017", dt.date(2026, 6, 30))
    assert (q2["Surgery sessions"], q2["Hours of engagement"]) == ("0", "0.0")
    assert q2["Last engagement"] == "20 Mar 2026" and q2["Lapsed"].startswith("yes")


def test_engagement_of_another_practice_is_empty_for_a_practice_user(integration_db) -> None:
    from tests.app.conftest import as_role

    own = as_role("practice", ("A86012",))
    assert _engagement(own, "A86012", dt.date(2026, 3, 31))["MDT meetings"] == "2"
    assert _engagement(own, "A86017", dt.date(2026, 6, 30)) == {}  # a forged practice code


def _stories(scope, code: str = "A86012", meeting: dt.date = dt.date(2026, 6, 30)):
    from wellpath.scope import Filters
    from wellpath.views import mdt as views

    return views.stories.uncached(
        scope, Filters(dt.date(2026, 1, 1), dt.date(2026, 3, 31)), practice_code=code,
        meeting_date=meeting,
    )  # fmt: skip


def test_stories_for_the_meeting(integration_db) -> None:
    from tests.app.conftest import as_role
    from wellpath.scope import FULL_ACCESS

    # the year to 30 Jun 2026 at West Road (whatever the sidebar period): S2 (2 Jun,
    # practice only), S1 (20 May, publishable), S4 (25 Feb, practice only); not S3 (Throckley)
    got = _stories(FULL_ACCESS)
    assert [(s.date, s.consent) for s in got.stories] == [
        ("2 Jun 2026", "Practice only"), ("20 May 2026", "Publishable"),
        ("25 Feb 2026", "Practice only"),
    ]  # fmt: skip
    assert {s.practice for s in got.stories} == {"West Road Medical Centre"}
    practice = _stories(as_role("practice", ("A86012",)))
    assert [s.title for s in practice.stories] == [s.title for s in got.stories]
    # a rounded view (Publishable figures on): publishable ones only
    rounded = _stories(as_role("programme_lead", rounded=True))
    assert [s.consent for s in rounded.stories] == ["Publishable"]
    # a meeting before S1 and S2 were told: S4 only; another practice's user: none
    assert len(_stories(FULL_ACCESS, meeting=dt.date(2026, 5, 1)).stories) == 1
    assert _stories(as_role("practice", ("A86017",))).stories == ()


def test_made_by_names_the_signed_in_user() -> None:
    from wellpath import auth
    from wellpath.scope import FULL_ACCESS
    from wellpath.views import mdt as views

    now = dt.datetime(2026, 6, 30, 9, 5)
    signed_in = auth.Viewer("asha.khan", FULL_ACCESS, "password", now, now)
    demo = auth.Viewer("Practice: West Road Medical Centre (A86012)", FULL_ACCESS, "demo", now, now)
    assert views.made_by_name(signed_in) == "asha.khan"
    assert (
        views.made_by_name(demo) == "Practice: West Road Medical Centre (A86012) (demo, no sign-in)"
    )
    assert views.made_by_name(None) is None and views.made_by_name("  ") == "  "
