"""Outcome and healthcare-use queries on a hand-built fixture (tests/fixtures/outcomes/),
loaded through the real importer, with the answers worked out by hand below.

The fixture: practices A86012, A86017 (pilot), Y00001 (comparison). Six referred people, all
accepted; PSEQ forms (total only unless said):
  R01 (P01, A86012, chronic pain, born 1970, IMD decile 1): 20 Jan 2025 18 (baseline),
      22 Apr 2025 25 (92 days), 25 Jul 2025 30 (186 days), 20 Jan 2026 44 (365 days, items)
  R02 (P02, A86012, fibromyalgia, 1985, decile 4): 10 Feb 2025 INCOMPLETE (items 1-5 only:
      not scored, not the baseline), 20 Feb 2025 30 (baseline), 1 May 2025 28 (70 days),
      10 Sep 2025 41 (202 days)
  R03 (P03, A86017, IBS, 1950, decile 9): 20 Jan 2025 12, 1 Jun 2025 20 (132 days),
      1 Aug 2025 22 (193 days)
  R04 (P04, A86017, chronic pain, 1990, decile 6): 5 Mar 2025 35, 1 Sep 2025 33 (180 days)
  R05 (P05): 5 Apr 2025 15 only, discharged 1 Jun 2025 (lost to follow-up)
  R06 (P06): 5 May 2025 24 only, still open
  R01 also SWEMWBS raw 14 -> 21 (metric 15.32 -> 19.25); R02 ONS4 (5,6,4,7) -> (7,8,6,3).
Time-point windows: 3 months = 91.3125 days +/- 42 (49.3..133.3); 6 months = 182.625 +/- 61
(121.6..243.6).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from wellpath import access, costs, db, outcomes
from wellpath.scope import PUBLISHABLE, Filters

ALL = ["A86012", "A86017", "Y00001"]
PERIOD = {"start_date": dt.date(2025, 4, 1), "end_date": dt.date(2026, 3, 31)}


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    path = build_fixture_db(
        FIXTURES / "outcomes", tmp_path_factory.mktemp("outcomes") / "outcomes.duckdb"
    )
    connection = db.connect_read_only(Path(path))
    yield connection
    connection.close()


def run(con, name: str, practice_codes=ALL, conditions=None, **extra) -> pd.DataFrame:
    params = {
        "practice_codes": practice_codes,
        "conditions": conditions,
        "worker_ids": None,
        **PERIOD,
        "report_date": PERIOD["end_date"],
    }
    params.update(extra)
    return db.run_query(con, name, params)


def pseq_pairs(con, time_point=None, **extra) -> pd.DataFrame:
    window = None if time_point is None else outcomes.TIME_POINTS[time_point]
    rows = run(con, "paired_scores", time_point_months=time_point, window_days=window, **extra)
    return rows[rows["measure"] == "PSEQ"].sort_values("baseline_date").reset_index(drop=True)


def test_latest_follow_up_pairs(con):
    # Baseline = first SCORED form (R02's incomplete 10 Feb form is skipped: baseline 30).
    # Latest follow-ups, all dated 1 Apr 2025 - 31 Mar 2026:
    #   R01 18 -> 44 (+26), R02 30 -> 41 (+11), R03 12 -> 22 (+10), R04 35 -> 33 (-2).
    # R05 and R06 have no follow-up: no pair. Mean change 45 / 4 = 11.25.
    pairs = pseq_pairs(con)
    got = sorted(zip(pairs["baseline_score"], pairs["follow_up_score"], strict=True))
    assert got == [(12, 22), (18, 44), (30, 41), (35, 33)]
    assert pairs["change_points"].mean() == pytest.approx(11.25)
    assert pairs["baseline_score"].mean() == pytest.approx(23.75)


def test_three_month_time_point_picks_nearest_in_window(con):
    # R01: 92 days (in) -> 18 -> 25. R02: 70 days (in) -> 30 -> 28. R03: 132 days is inside
    # 49.3..133.3 (193 days is not) -> 12 -> 20. R04: 180 days is outside: no pair.
    # Mean change (7 - 2 + 8) / 3 = 4.333.
    pairs = pseq_pairs(con, time_point=3)
    assert sorted(zip(pairs["baseline_score"], pairs["follow_up_score"], strict=True)) == [
        (12, 20),
        (18, 25),
        (30, 28),
    ]
    assert pairs["change_points"].mean() == pytest.approx(13 / 3)


def test_six_month_time_point_prefers_the_nearer_form(con):
    # R03 has two forms in the 6-month window: 132 days (|132 - 182.6| = 50.6) and 193 days
    # (10.4): the nearer, 22, is chosen. R01 186 days -> 30; R02 202 -> 41; R04 180 -> 33.
    # Changes 12, 11, 10, -2: mean 31 / 4 = 7.75.
    pairs = pseq_pairs(con, time_point=6)
    assert dict(zip(pairs["baseline_score"], pairs["follow_up_score"], strict=True)) == {
        18: 30,
        30: 41,
        12: 22,
        35: 33,
    }
    assert pairs["change_points"].mean() == pytest.approx(7.75)


def test_period_uses_the_follow_up_date(con):
    # Period 1 Jan - 31 Aug 2025: latest follow-ups dated in it are R03 (1 Aug 2025) only;
    # R01 (20 Jan 2026), R02 (10 Sep 2025), R04 (1 Sep 2025) fall outside.
    pairs = pseq_pairs(con, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 8, 31))
    assert pairs[["baseline_score", "follow_up_score"]].values.tolist() == [[12, 22]]


def test_filters_practice_and_condition(con):
    # A86017 only: R03 and R04. Chronic pain only: R01 and R04.
    assert sorted(pseq_pairs(con, practice_codes=["A86017"])["baseline_score"]) == [12, 35]
    assert sorted(pseq_pairs(con, conditions=["chronic_pain_msk"])["baseline_score"]) == [18, 35]


def test_breakdown_columns(con):
    # IMD quintile = ceil(decile / 2): R01 1 -> 1, R02 4 -> 2, R03 9 -> 5, R04 6 -> 3.
    # Age at referral (2025 - birth year): 55 -> 50-64, 40 -> 35-49, 75 -> 65+, 35 -> 35-49.
    pairs = pseq_pairs(con).sort_values("baseline_score")  # 12, 18, 30, 35
    assert pairs["imd_quintile"].tolist() == [5, 1, 2, 3]
    assert pairs["age_band"].tolist() == ["65 and over", "50-64", "35-49", "35-49"]


def test_swemwbs_and_ons4_items_pair(con):
    rows = run(con, "paired_scores", time_point_months=None, window_days=None)
    by = rows.set_index("measure")
    # SWEMWBS raw 14 -> 15.32, raw 21 -> 19.25 (conversion table).
    assert by.loc["SWEMWBS", "change_points"] == pytest.approx(19.25 - 15.32)
    # ONS4 item by item: anxiety 7 -> 3 is a fall (an improvement for this item).
    assert by.loc["ONS4_anxious", "change_points"] == -4
    assert by.loc["ONS4_satisfaction", ["baseline_score", "follow_up_score"]].tolist() == [5, 7]


def test_band_transitions_from_pairs(con):
    # R01 18 severe -> 44 minimal; R02 30 moderate -> 41 minimal; R03 12 severe -> 22
    # moderate; R04 35 mild -> 33 mild. At 40 or more: 0 of 4 at baseline, 2 of 4 after.
    t = outcomes.band_transitions(pseq_pairs(con)).set_index(["baseline_band", "follow_up_band"])
    assert t.loc[("severe", "minimal"), "pair_count"] == 1
    assert t.loc[("moderate", "minimal"), "pair_count"] == 1
    assert t.loc[("severe", "moderate"), "pair_count"] == 1
    assert t.loc[("mild", "mild"), "pair_count"] == 1
    assert t["pair_count"].sum() == 4
    assert outcomes.band_movement(t.reset_index()) == {
        "better_band_count": 3,
        "same_band_count": 1,
        "worse_band_count": 0,
    }
    share = outcomes.share_at_or_above(pseq_pairs(con)).set_index("when")
    assert share["at_or_above_count"].tolist() == [0, 2]


def test_coverage_splits_baselines_by_follow_up(con):
    # Baselines dated in 2025, report date 31 Dec 2025: R01-R04 followed up (18, 30, 12, 35);
    # R05 (15) discharged 1 Jun without one; R06 (24) still open. SWEMWBS: R01's follow-up is
    # dated 20 Jan 2026, after the report date, and R01 was discharged 15 Dec 2025.
    rows = run(
        con,
        "baseline_followup_coverage",
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2025, 12, 31),
        report_date=dt.date(2025, 12, 31),
    )
    # Followed up: 12, 18, 30, 35 -> mean 95 / 4 = 23.75; deviations -11.75, -5.75, 6.25,
    # 11.25 -> squares 138.0625 + 33.0625 + 39.0625 + 126.5625 = 336.75 -> SD sqrt(336.75 / 3)
    # = 10.595. One discharged without (15), one still open (24): SD undefined for one.
    pseq = rows[rows["measure"] == "PSEQ"].set_index("follow_up_status")
    assert pseq["baseline_count"].to_dict() == {
        "discharged_no_follow_up": 1,
        "followed_up": 4,
        "open_no_follow_up": 1,
    }
    assert pseq.loc["followed_up", "mean_baseline"] == pytest.approx(23.75)
    assert pseq.loc["followed_up", "sd_baseline"] == pytest.approx((336.75 / 3) ** 0.5)
    assert pseq.loc["discharged_no_follow_up", "mean_baseline"] == 15
    assert pd.isna(pseq.loc["open_no_follow_up", "sd_baseline"])
    swemwbs = rows[rows["measure"] == "SWEMWBS"]
    assert swemwbs["follow_up_status"].tolist() == ["discharged_no_follow_up"]
    # The page's summary: the t interval from count, mean and SD, every status listed.
    summary = outcomes.coverage_summary(rows).set_index(["measure", "follow_up_status"])
    half = 3.182446305284263 * (336.75 / 3) ** 0.5 / 2  # t(0.975, 3) * SD / sqrt(4)
    assert summary.loc[("PSEQ", "followed_up"), "ci_low"] == pytest.approx(23.75 - half)
    assert summary.loc[("SWEMWBS", "followed_up"), "baseline_count"] == 0


def test_trajectory_is_a_fixed_cohort(con):
    # Horizon 6 months, 6-month score dated in the period: R01-R04 all qualify.
    # 0 months: 18, 30, 12, 35 (mean 23.75); 3 months: R01 25, R02 28, R03 20 (R04 has no
    # form near 3 months): mean 73 / 3; 6 months: 30, 41, 22, 33: mean 31.5.
    rows = run(
        con,
        "score_trajectories",
        horizon_months=6,
        time_points_months=list(outcomes.TRAJECTORY_POINTS),
        windows_days=[0, *outcomes.TIME_POINTS.values()],
    )
    summary = outcomes.trajectory_summary(rows[rows["measure"] == "PSEQ"]).set_index(
        "time_point_months"
    )
    assert summary["person_count"].to_dict() == {0: 4, 3: 3, 6: 4}
    assert summary.loc[0, "mean_score"] == pytest.approx(23.75)
    assert summary.loc[3, "mean_score"] == pytest.approx(73 / 3)
    assert summary.loc[6, "mean_score"] == pytest.approx(31.5)


def test_monthly_baseline_scores(con):
    # Baselines in 2025: Jan R01 18 + R03 12 (mean 15), Feb 30, Mar 35, Apr 15, May 24.
    rows = run(con, "monthly_baseline_scores", start_date=dt.date(2025, 1, 1))
    pseq = rows[rows["measure"] == "PSEQ"]
    assert pseq["baseline_count"].tolist() == [2, 1, 1, 1, 1]
    assert pseq["mean_baseline_score"].tolist() == [15, 30, 35, 15, 24]


# --- healthcare use -----------------------------------------------------------------------------
# Healthcare data cover Dec 2023 (P01's first row) to Jun 2026 (C02's row); prescriptions
# Jan 2024 to Feb 2026. Index month = referral month; before = 12 months before it;
# after = months 1-12 after. Period 1 Apr 2025 - 31 Mar 2026 (after-window ends in it):
#   P01 index Jan 2025: before Jan-Dec 2024 = 1 + 3 + 2 = 6 GP, 1 A&E (Dec 2023 and the Jan
#       2025 index month excluded); after Feb 2025-Jan 2026 = 1 + 2 = 3 GP. Opioids 2 -> 1,
#       gabapentinoids 0 -> 1.
#   P02 index Feb 2025: before Feb 2024-Jan 2025 = 10 GP, 1 outpatient; after Mar 2025-Feb
#       2026 = 4 GP, 1 non-elective admission (its Jan 2024 opioid item is outside).
#   P03 index Jan 2025: 2 -> 0 GP (its Feb 2026 row is in months 13-24).
#   P04 index Mar 2025: 8 -> 5 GP; after ends Mar 2026, beyond prescriptions' Feb 2026:
#       prescription columns NULL.
#   P05, P06 (index Apr, May 2025): after-windows end Apr, May 2026, after the period.
# Comparison index months: referred months sorted [Jan, Jan, Feb, Mar, Apr, May 2025];
# comparison people in md5 order C01 (06b1...), C03 (1eeb...), C02 (e0a6...) take positions
# floor((rank - 0.5) * 6 / 3) = 1, 3, 5: Jan, Mar, May 2025.
#   C01 Jan 2025: 4 -> 5 GP (+1); C03 Mar 2025: 3 -> 3 + 2 = 5 (+2); C02 May: after the period.


def use_rows(con, **extra) -> pd.DataFrame:
    rows = run(con, "healthcare_use_before_after", **extra)
    return rows[rows["after_window"] == 1]


def test_before_after_windows_per_person(con):
    rows = use_rows(con)
    referred = rows[rows["cohort"] == "referred"].set_index("index_month")
    got = sorted(
        zip(referred["gp_appointments_before"], referred["gp_appointments_after"], strict=True)
    )
    assert got == [(2, 0), (6, 3), (8, 5), (10, 4)]
    p01 = rows[(rows["cohort"] == "referred") & (rows["gp_appointments_before"] == 6)].iloc[0]
    assert (p01["ae_attendances_before"], p01["ae_attendances_after"]) == (1, 0)
    assert (p01["opioid_items_before"], p01["opioid_items_after"]) == (2, 1)
    assert (p01["gabapentinoid_items_before"], p01["gabapentinoid_items_after"]) == (0, 1)
    p02 = rows[rows["gp_appointments_before"] == 10].iloc[0]
    assert (p02["outpatient_attendances_before"], p02["nonelective_admissions_after"]) == (1, 1)
    assert p02["opioid_items_before"] == 0
    p04 = rows[rows["gp_appointments_before"] == 8].iloc[0]
    assert pd.isna(p04["opioid_items_before"])


def test_comparison_cohort_index_months(con):
    rows = use_rows(con)
    comparison = rows[rows["cohort"] == "comparison"].sort_values("index_month")
    assert comparison["index_month"].astype(str).tolist() == ["2025-01-01", "2025-03-01"]
    assert comparison["gp_appointments_before"].tolist() == [4, 3]
    assert comparison["gp_appointments_after"].tolist() == [5, 5]


def test_difference_in_differences_on_fixture(con):
    # Referred changes -3, -6, -2, -3 (mean -3.5, variance 3); comparison +1, +2 (mean 1.5,
    # variance 0.5). DiD = -5. SE = sqrt(3/4 + 0.5/2) = 1; Welch df = 1 / (0.75^2/3 +
    # 0.25^2/1) = 4; t(0.975, 4) = 2.776445: CI -7.776 to -2.224.
    rows = use_rows(con)
    change = rows["gp_appointments_after"] - rows["gp_appointments_before"]
    did = costs.difference_in_differences(
        change[rows["cohort"] == "referred"].to_numpy(),
        change[rows["cohort"] == "comparison"].to_numpy(),
    )
    assert did.difference == pytest.approx(-5.0)
    assert did.ci_low == pytest.approx(-7.776445, abs=1e-5)
    assert did.ci_high == pytest.approx(-2.223555, abs=1e-5)


def test_cost_change_on_fixture(con):
    # GP GBP 42, A&E GBP 282, others not costed. P01: -3 x 42 - 1 x 282 = -408;
    # P02: -6 x 42 = -252; P03: -84; P04: -126. Mean -870 / 4 = -217.5.
    referred = use_rows(con).query("cohort == 'referred'")
    change = costs.person_cost_change(referred, costs.default_costs())
    assert sorted(change.tolist()) == [-408, -252, -126, -84]
    summary = costs.cost_summary(change.to_numpy())
    assert summary.mean_change_gbp == pytest.approx(-217.5)
    assert summary.total_change_gbp == pytest.approx(-870)


def test_practice_filter_drops_the_comparison_cohort(con):
    rows = use_rows(con, practice_codes=["A86012"])
    assert set(rows["cohort"]) == {"referred"}
    assert sorted(rows["gp_appointments_before"]) == [6, 10]


def test_accepted_referrals_last_year(con):
    # Accepted referrals dated 1 Apr 2025 (exclusive of 31 Mar) to 31 Mar 2026: R05 (1 Apr)
    # and R06 (1 May) only.
    rows = run(con, "accepted_referrals_last_year")
    assert rows["accepted_referral_count"].iloc[0] == 2


def test_publishable_scope_rounds_aggregate_queries(con):
    # monthly_baseline_scores through access.read: every month has 1-2 baselines, so counts
    # and means are suppressed.
    practices = db.run_query(con, "practice_list")
    filters = Filters(start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31))
    rows = access.read(con, "monthly_baseline_scores", PUBLISHABLE, filters, practices)
    assert rows["baseline_count"].isna().all()
    assert rows["mean_baseline_score"].isna().all()


def test_latest_follow_up_stops_at_the_report_date(con):
    # Period 1 Apr - 31 Dec 2025 (report date 31 Dec 2025). R01's latest form over all time is
    # 20 Jan 2026 (44), after the report date: the old query chose it and then dropped the pair
    # for falling outside the period, losing R01. Chosen among forms on or before 31 Dec 2025,
    # R01's latest follow-up is 25 Jul 2025 (30): pair 18 -> 30 (+12), in the period.
    # R02 30 -> 41, R03 12 -> 22, R04 35 -> 33 as before. Mean (12 + 11 + 10 - 2) / 4 = 7.75.
    end = dt.date(2025, 12, 31)
    pairs = pseq_pairs(con, end_date=end, report_date=end)
    got = sorted(zip(pairs["baseline_score"], pairs["follow_up_score"], strict=True))
    assert got == [(12, 22), (18, 30), (30, 41), (35, 33)]
    assert pairs["change_points"].mean() == pytest.approx(7.75)


def test_two_follow_ups_on_one_date_take_the_later_numbered_form():
    # The tie rule of baseline_followup_pairs, on the macro itself: two follow-ups on 1 Jul
    # 2025 (forms 2 and 3); the later-numbered form (3, score 35) is the follow-up, whatever
    # order the rows are stored in; a form after the report date (form 4) is never chosen.
    from tests.sql.test_outcome_pairs_aggregates import bare_pairs_connection

    con = bare_pairs_connection(["r1"])
    for order in ("asc", "desc"):
        con.execute("delete from measure_scores")
        con.execute(
            "insert into measure_scores select * from (values "
            "('r1', 'PSEQ', date '2025-01-01', 20.0, 1), ('r1', 'PSEQ', date '2025-07-01', 30.0, 2),"
            "('r1', 'PSEQ', date '2025-07-01', 35.0, 3), ('r1', 'PSEQ', date '2026-01-01', 50.0, 4)"
            f") as t(a, b, c, d, e) order by e {order}"
        )
        con.execute((db.QUERIES_DIR / "derive_outcome_pairs.sql").read_text(encoding="utf-8"))
        latest = con.execute(
            "select follow_up_score from baseline_followup_pairs("
            "['P1'], null, null, date '2025-12-31', [null], [null])"
        ).fetchall()
        six = con.execute(
            "select follow_up_score from baseline_followup_pairs("
            "['P1'], null, null, date '2025-12-31', [6], [61])"
        ).fetchall()
        assert latest == [(35.0,)] and six == [(35.0,)]
