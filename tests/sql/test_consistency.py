"""Same number everywhere: figures shown on several pages agree for the same filters.

On the demo world (seed 7, as on 1 Nov 2026), with the sidebar's default "last 12 months"
(2 Nov 2025 to 1 Nov 2026), every query behind a figure that appears on more than one page
is read through `wellpath.access.read`, as the pages read them:

| figure | pages (query) |
|---|---|
| referrals received | Overview, Referrals (triage_funnel); Referrals charts (referrals_by_month, referrals_by_practice_month, referrals_by_referrer_and_condition, referrals_by_equity_group) |
| accepted | Overview, Referrals (triage_funnel); Data quality (dq_consistency_checks) |
| on the caseload | Overview, Caseload (active_caseload_by_month); MDT (mdt_headline); Data quality; long stays |
| waiting | Overview, Caseload (people_waiting_by_band); MDT (mdt_headline); Data quality |
| median wait | Overview, Caseload (wait_summary); Caseload by month (waits_by_referral_month) |
| paired PSEQ change | Overview, Outcomes (outcome_score_pairs, counted; equal to paired_scores' pairs); MDT (mdt_headline) |

The MDT page is "as on the meeting date" and counts "since the start": with the meeting on
the report date and the period set to start at the first referral, it must agree with the
other pages exactly. Its median wait (people first seen in the 12 months to the meeting) and
the two follow-up coverage figures (Outcomes: baselines dated in the period; Data quality:
engaged referrals made in the period) are different cohorts on purpose, and each page says
which it uses; the last test checks that the two coverage figures are each right for their
cohort, from the same rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from wellpath import access, contract, db, disclosure, mdt, outcomes
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters, Scope

REPORT_DATE = dt.date(2026, 11, 1)
DEFAULT = Filters(start_date=dt.date(2025, 11, 2), end_date=REPORT_DATE)


@pytest.fixture(scope="module")
def con(demo_db: Path) -> duckdb.DuckDBPyConnection:
    connection = db.connect_read_only(demo_db)
    yield connection
    connection.close()


def read(con, name: str, filters: Filters = DEFAULT, scope: Scope = FULL_ACCESS, **extra):
    practices = db.run_query(con, "practice_list")
    return access.read(con, name, scope, filters, practices, extra)


def since_start(con) -> Filters:
    first = db.run_query(con, "referral_date_span")["first_referral_date"].iloc[0]
    return Filters(start_date=pd.Timestamp(first).date(), end_date=REPORT_DATE)


def mdt_service(con, scope: Scope = FULL_ACCESS) -> pd.Series:
    """The MDT headline's "whole service" column, the meeting held on the report date."""
    headline = read(
        con,
        "mdt_headline",
        scope=scope,
        practice_code="A86012",
        meeting_date=REPORT_DATE,
        quarter_start_date=mdt.financial_quarter_start(REPORT_DATE),
        wait_from_date=mdt.year_before(REPORT_DATE),
    )
    return headline.set_index("area").loc["service"]


def check_population(con, check_id: str) -> int:
    checks = read(con, "dq_consistency_checks", **contract.eligibility_params())
    checks = checks.set_index("check_id")
    return int(checks.loc[check_id, "population_count"])


def test_referrals_received_agree(con):
    funnel = read(con, "triage_funnel").set_index("stage")["referral_count"]
    received = int(funnel["referred"])
    assert received > 100  # the demo world has hundreds in a year: not a vacuous check
    assert read(con, "referrals_by_month")["referral_count"].sum() == received
    assert read(con, "referrals_by_practice_month")["referral_count"].sum() == received
    mix = read(con, "referrals_by_referrer_and_condition")
    for dimension in ("referrer_role", "condition"):
        assert mix.loc[mix["dimension"] == dimension, "referral_count"].sum() == received
    assert (mix["total_referral_count"] == received).all()
    equity = read(con, "referrals_by_equity_group")
    for _, group in equity.groupby("dimension"):
        assert group["referral_count"].sum() == received
        assert group["accepted_count"].sum() == int(funnel["accepted"])
    # the MDT page's "referred since the start", with the period starting at the start
    start = read(con, "triage_funnel", since_start(con)).set_index("stage")["referral_count"]
    service = mdt_service(con)
    assert service["referred_total_count"] == start["referred"]
    assert service["discharged_count"] == start["discharged"]


def test_accepted_agree(con):
    funnel = read(con, "triage_funnel").set_index("stage")["referral_count"]
    # Data quality's "accepted with no link worker" looks at the accepted referrals
    assert check_population(con, "accepted_no_worker") == funnel["accepted"]


def test_active_caseload_agrees(con):
    caseload = read(con, "active_caseload_by_month")
    on_report_date = caseload.iloc[-1]
    assert pd.Timestamp(on_report_date["on_date"]).date() == REPORT_DATE
    active = int(on_report_date["active_count"])
    assert active > 100
    assert mdt_service(con)["caseload_count"] == active
    assert check_population(con, "open_no_contact_90_days") == active
    assert read(con, "long_stays_by_practice")["active_count"].sum() == active


def test_waiting_agrees(con):
    bands = read(con, "people_waiting_by_band")
    waiting = bands.groupby("waiting_for")["person_count"].sum()
    service = mdt_service(con)
    assert service["awaiting_triage_count"] == waiting["triage"]
    assert service["waiting_count"] == waiting["first_contact"]
    # the headline (Overview, Caseload) is counted directly: the same people
    assert (bands["waiting_total_count"] == waiting.sum()).all()
    published = read(con, "people_waiting_by_band", scope=PUBLISHABLE)
    # ...and rounded on its own when publishable, like the MDT page's two waiting counts
    service_published = mdt_service(con, PUBLISHABLE)
    assert published["waiting_total_count"].iloc[0] == disclosure.round_count(waiting.sum())
    assert service_published["waiting_count"] == disclosure.round_count(waiting["first_contact"])
    assert check_population(con, "awaiting_triage_over_14_days") == waiting["triage"]
    assert check_population(con, "waiting_first_contact_over_42_days") == waiting["first_contact"]
    # the people_waiting list (Caseload page) holds the same people
    assert len(read(con, "people_waiting")) == waiting.sum()


def test_median_wait_agrees(con):
    summary = read(con, "wait_summary").iloc[0]
    months = read(con, "waits_by_referral_month")
    # the monthly table covers the same people seen as the headline median
    assert months["seen_count"].sum() == summary["seen_count"]
    assert summary["median_wait_days"] == pytest.approx(21.0)


def test_paired_pseq_change_agrees(con):
    def pseq(filters: Filters) -> pd.Series:
        pairs = read(con, "paired_scores", filters, time_point_months=None, window_days=None)
        return outcomes.paired_summary(pairs[pairs["measure"] == "PSEQ"]).iloc[0]

    # Overview and Outcomes read the pairs counted (outcome_score_pairs): the same figures as
    # the pairs one per person
    period = pseq(DEFAULT)
    assert period["pair_count"] > 100
    counted = read(con, "outcome_score_pairs", DEFAULT, time_point_months=None, window_days=None)
    shown = outcomes.paired_summary_counted(counted[counted["measure"] == "PSEQ"]).iloc[0]
    assert shown["pair_count"] == period["pair_count"]
    for figure in ("mean_baseline", "mean_follow_up", "mean_change", "ci_low", "ci_high"):
        assert shown[figure] == pytest.approx(period[figure], rel=1e-12), figure
    # MDT: "so far" = every pair up to the meeting; equal to Outcomes since the start
    so_far = pseq(since_start(con))
    service = mdt_service(con)
    assert service["pseq_pair_count"] == so_far["pair_count"]
    assert service["pseq_mean_change_points"] == pytest.approx(so_far["mean_change"])
    assert service["pseq_mean_baseline_points"] == pytest.approx(so_far["mean_baseline"])
    assert service["pseq_mean_latest_points"] == pytest.approx(so_far["mean_follow_up"])


def test_publishable_figures_agree_too(con):
    # Rounding is a function of the count alone, so equal counts publish equal figures.
    funnel = read(con, "triage_funnel", scope=PUBLISHABLE).set_index("stage")["referral_count"]
    caseload = read(con, "active_caseload_by_month", scope=PUBLISHABLE).iloc[-1]["active_count"]
    service = mdt_service(con, PUBLISHABLE)
    assert service["caseload_count"] == caseload
    mix = read(con, "referrals_by_referrer_and_condition", scope=PUBLISHABLE)
    assert (mix["total_referral_count"] == funnel["referred"]).all()


def test_follow_up_coverage_each_right_for_its_cohort(con):
    # Outcomes: PSEQ baselines DATED in the period, followed up by the report date.
    rows = read(con, "baseline_followup_coverage")
    pseq = rows[rows["measure"] == "PSEQ"].set_index("follow_up_status")
    summary = outcomes.coverage_summary(rows).set_index(["measure", "follow_up_status"])
    assert (
        summary.loc[("PSEQ", "followed_up"), "baseline_count"]
        == pseq.loc["followed_up", "baseline_count"]
    )
    # Data quality: engaged referrals MADE in the period (whatever the baseline's date). Its
    # baselines are a subset of every PSEQ baseline of those referrals, so they cannot
    # outnumber the engaged referrals, and its follow-ups cannot outnumber its baselines.
    dq = read(con, "dq_followup_coverage").set_index("instrument").loc["PSEQ"]
    assert dq["followup_count"] <= dq["baseline_count"] <= dq["engaged_count"]
    assert dq["engaged_count"] == check_population(con, "attended_but_no_first_contact_date")
    # (the query gives the share to one decimal place)
    share = 100 * dq["followup_count"] / dq["baseline_count"]
    assert dq["followup_pct"] == pytest.approx(share, abs=0.05)


def test_whole_selection_totals_match_their_cells(con):
    # goal_totals and contact_totals repeat the rules of goals_by_domain and contacts_by_month
    # (so that a publishable rate needs no sum of suppressed cells): unrounded, they must be
    # exactly the sums of those cells.
    goals = read(con, "goals_by_domain")
    totals = read(con, "goal_totals").iloc[0]
    for col in ("goal_count", "closed_count", "achieved_count", "partly_achieved_count"):
        assert totals[col] == goals[col].sum() > 0
    months = read(con, "contacts_by_month")
    contacts = read(con, "contact_totals").iloc[0]
    for col in ("contact_count", "attended_count", "dna_count", "cancelled_count", "booked_count"):
        assert contacts[col] == months[col].sum() > 0
