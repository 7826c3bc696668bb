"""wellpath.service: referral rates on the funnel, Kaplan-Meier summaries, shares, totals and
disclosure control of figures computed in Python."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from wellpath import service, stats


def test_referral_rates_funnel_bands():
    # Same numbers as the SQL fixture: overall 11 / 15,400; A86026 2 of 400 -> above 95%.
    rates = pd.DataFrame(
        {
            "practice_code": ["A86012", "A86017", "A86026", "NOLIST"],
            "practice_name": ["a", "b", "c", "d"],
            "list_size": [10000, 5000, 400, None],
            "referral_count": [5, 4, 2, 3],
        }
    )
    out = service.referral_rates(rates).set_index("practice_code")
    assert "NOLIST" not in out.index  # no list size, no rate
    assert out.loc["A86026", "rate_per_1000"] == pytest.approx(5.0)
    assert out.loc["A86026", "band"] == "above 95%"
    assert out["overall_rate_per_1000"].iloc[0] == pytest.approx(1000 * 11 / 15400)


def test_referral_rates_with_a_suppressed_count():
    rates = pd.DataFrame(
        {
            "practice_code": ["A", "B"],
            "practice_name": ["a", "b"],
            "list_size": [10000, 5000],
            "referral_count": pd.array([50, pd.NA], dtype="Int64"),
        }
    )
    out = service.referral_rates(rates).set_index("practice_code")
    assert math.isnan(out.loc["B", "rate_per_1000"]) and out.loc["B", "band"] is None
    assert out.loc["A", "overall_rate_per_1000"] == pytest.approx(5.0)


def test_km_summary_median_and_suppression():
    # 5c, 35e, 55c, 117c, 120e, 147c: median 120 days (the SQL test works it by hand).
    durations = pd.DataFrame(
        {
            "practice_code": ["A"] * 6,
            "caseload_days": [5, 35, 55, 117, 120, 147],
            "is_ended": [False, True, False, False, True, False],
        }
    )
    summary, curves = service.km_summary(durations, None)
    assert summary["median_months"].iloc[0] == pytest.approx(120 / 30.4375)
    assert bool(summary["median_reached"].iloc[0])
    assert curves["All episodes"]["survival"].iloc[0] == 1.0
    # Publishable: 6 episodes are too few: no curve, no median, count suppressed.
    summary, curves = service.km_summary(
        durations, "practice_code", {"A": "Practice A"}, rounded=True
    )
    assert curves == {}
    row = summary.iloc[0]
    assert row["group"] == "Practice A" and row["median_months"] is None and row["episodes"] is None
    assert service.median_text(row["median_months"], row["median_reached"]) == "*"


def test_km_summary_curves_top_keeps_the_biggest_groups_in_group_order():
    # groups of 3, 1, 5 and 2 episodes; the top 2 by episodes are C (5) and A (3), drawn in
    # group order A, C; the summary still has all four
    sizes = {"A": 3, "B": 1, "C": 5, "D": 2}
    durations = pd.DataFrame(
        {
            "practice_code": [k for k, n in sizes.items() for _ in range(n)],
            "caseload_days": [10.0 * (i + 1) for i in range(11)],
            "is_ended": [i % 2 == 0 for i in range(11)],
        }
    )
    summary, curves = service.km_summary(durations, "practice_code", curves_top=2)
    assert list(curves) == ["A", "C"]
    assert summary["group"].tolist() == ["A", "B", "C", "D"]
    _, every = service.km_summary(durations, "practice_code")
    pd.testing.assert_frame_equal(curves["C"], every["C"])
    # a missing group key is "Not recorded", last, as groupby(dropna=False) orders it
    with_missing = durations.assign(practice_code=[None] + list(durations["practice_code"][1:]))
    summary, _ = service.km_summary(with_missing, "practice_code")
    assert summary["group"].tolist() == ["A", "B", "C", "D", service.NOT_RECORDED]
    assert summary["episodes"].tolist() == [2, 1, 5, 2, 1]


def test_km_not_reached():
    durations = pd.DataFrame({"caseload_days": [10, 20, 30], "is_ended": [True, False, False]})
    summary, _ = service.km_summary(durations, None)
    assert service.median_text(
        summary["median_months"].iloc[0], summary["median_reached"].iloc[0]
    ) == ("Not reached")


def test_published_sum():
    cells = pd.Series(pd.array([10, pd.NA, 0], dtype="Int64"))
    assert service.published_sum(cells, rounded=True) == 10
    assert service.published_sum(cells, rounded=True, strict=True) is None
    # every non-zero cell hidden: "*", not a false 0
    assert (
        service.published_sum(pd.Series(pd.array([pd.NA, 0], dtype="Int64")), rounded=True) is None
    )
    assert service.published_sum(pd.Series([3, 4]), rounded=False) == 7


def test_goals_total_and_wilson():
    totals = pd.DataFrame({"goal_count": [4], "closed_count": [3], "achieved_count": [2]})
    total = service.goals_total_row(totals)
    assert total["achieved_pct"] == pytest.approx(100 * 2 / 3)
    # Wilson 95% for 2 of 3: 20.8% to 93.9%
    assert total["achieved_ci_low_pct"] == pytest.approx(20.77, abs=0.01)
    assert total["achieved_ci_high_pct"] == pytest.approx(93.85, abs=0.01)


def test_goals_total_publishable():
    # Rounded totals (as goal_totals gives a rounded scope): 30 achieved of 75 closed = 40%,
    # the interval from those counts; a suppressed count ("*") gives no share at all.
    rounded = pd.DataFrame(
        {
            "goal_count": pd.array([140], "Int64"),
            "closed_count": pd.array([75], "Int64"),
            "achieved_count": pd.array([30], "Int64"),
        }
    )
    total = service.goals_total_row(rounded)
    assert total["achieved_pct"] == pytest.approx(40.0)
    low, high = stats.wilson_interval(30, 75)
    assert total["achieved_ci_low_pct"] == pytest.approx(100 * low)
    hidden = rounded.assign(achieved_count=pd.array([pd.NA], "Int64"))
    assert math.isnan(service.goals_total_row(hidden)["achieved_pct"])
    assert service.goals_total_row(hidden)["achieved_count"] is None


def test_dna_rate_and_equity_rows():
    totals = pd.DataFrame({"dna_count": [4], "booked_count": [16], "dna_pct": [25.0]})
    assert service.dna_rate(totals) == pytest.approx(25.0)  # 4 / 16
    # suppressed (NA) rate, or no row: not shown
    assert math.isnan(service.dna_rate(totals.assign(dna_pct=pd.array([pd.NA], "Float64"))))
    assert math.isnan(service.dna_rate(totals.iloc[0:0]))
    groups = pd.DataFrame(
        {
            "dimension": ["imd_quintile", "imd_quintile"],
            "category": ["1", None],
            "referral_count": [4, 1],
            "accepted_count": [3, 0],
            "engaged_count": [2, 0],
            "accepted_pct": [75.0, 0.0],
            "engaged_pct": [66.7, None],
        }
    )
    rows = service.equity_rows(groups, "imd_quintile")
    assert rows["group"].tolist() == [
        "1 (most deprived)",
        "2",
        "3",
        "4",
        "5 (least deprived)",
        "Not recorded",
    ]
    assert rows["referral_count"].tolist() == [4, 0, 0, 0, 0, 1]
    assert rows["share_pct"].iloc[0] == pytest.approx(80.0)


def test_settled_wait_months_and_quarter_label():
    waits = pd.DataFrame(
        {
            "is_whole_month": [True, True, True, False],
            "seen_count": [10, 9, 2, 1],
            "still_waiting_count": [0, 1, 8, 0],
            "median_wait_days": [20.0, 21.0, 10.0, 5.0],
        }
    )
    kept = service.settled_wait_months(waits)
    assert kept["median_wait_days"].tolist() == [20.0, 21.0]  # 1 of 10 waiting is settled
    assert service.quarter_label(pd.Timestamp("2026-10-01")) == "Oct-Dec 2026"


def test_monthly_steps_reads_the_curve_at_whole_months():
    # Steps at day 0 (1.0), day 20 (0.8) and day 70 (0.5); months end at 0, 30.44 and
    # 60.88 days: at month 0 the value is 1.0, at month 1 (30.4 days) 0.8, at month 2
    # (60.9 days) still 0.8; day 70 is before month 3 (91.3 days), so the curve (last time
    # 70 days = 2.3 months) is read at months 0, 1 and 2 only.
    from wellpath.service import monthly_steps

    curve = pd.DataFrame(
        {
            "time": [0.0, 20.0, 70.0],
            "survival": [1.0, 0.8, 0.5],
            "ci_low": [1.0, 0.6, 0.3],
            "ci_high": [1.0, 0.95, 0.7],
        }
    )
    out = monthly_steps(curve)
    assert out["time_months"].tolist() == [0, 1, 2]
    assert out["survival"].tolist() == [1.0, 0.8, 0.8]
    assert out["ci_low"].tolist() == [1.0, 0.6, 0.6]
