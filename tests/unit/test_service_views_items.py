"""Issue 9/10 items on the Referrals, Caseload and Activity pages, each checked on small
hand-made inputs (every assertion fails on the code before the change)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from wellpath import contract, disclosure, service
from wellpath.charts import service as charts
from wellpath.views.referrals import top_practices

REPO = Path(__file__).resolve().parents[2]
PERIOD = "1 Apr 2025 to 31 Mar 2026"


def test_share_withheld_under_small_rounded_denominator():
    # 80+ accepted: 9 of 11 (82%) read 10 of 10 = 100% after rounding
    assert service.share(9, 11, rounded=False) == pytest.approx(81.818, abs=0.01)
    assert service.share(10, 10, rounded=True) is None
    assert service.share(20, 25, rounded=True) == pytest.approx(80.0)
    assert service.share(0, 0, rounded=True) != service.share(0, 0, rounded=True)  # NaN: no data


def test_share_text_star_dash_and_under_one_percent():
    assert service.share_text(None) == "*"
    assert service.share_text(float("nan")) == "\u2013"
    assert service.share_text(100 / 600) == "under 1%"  # was "Died 1 (0%)"
    assert service.share_text(62.5) == "63%"  # half-up
    assert service.count_with_share(1, 100 / 600) == "1 (under 1%)"


def test_triage_bases_read_as_english():
    rows = service.triage_table(
        pd.DataFrame({"stage": ["action_plan"], "base_stage": ["first_contact"]})
    )
    assert rows["base_label"].iloc[0] == "those with a first contact"


def test_days_per_month_is_one_constant():
    assert service.DAYS_PER_MONTH is contract.DAYS_PER_MONTH
    con = duckdb.connect()
    con.execute((REPO / "wellpath/schema.sql").read_text(encoding="utf-8"))
    (value,) = con.execute("select days_to_months(1.0)").fetchone()
    assert value == pytest.approx(1 / contract.DAYS_PER_MONTH, rel=1e-12)
    assert not hasattr(service, "safe_caseload_note")


def test_goal_status_on_macro():
    con = duckdb.connect()
    con.execute((REPO / "queries/derive_macros_goals.sql").read_text(encoding="utf-8"))
    rows = con.execute(
        """select goal_status_on(s, c, date '2026-03-31') from (values
            ('achieved', date '2026-03-01'), ('achieved', date '2026-04-02'),
            ('withdrawn', null), ('open', null)) t(s, c)"""
    ).fetchall()
    assert [r[0] for r in rows] == ["achieved", "open", "withdrawn", "open"]


def test_band_histogram_draws_true_widths():
    bands = pd.DataFrame(
        {
            "length_band": ["0-3 months", "3-6 months", "12-18 months", "24 months or more"],
            "from_months": [0.0, 3.0, 12.0, 24.0],
            "to_months": [3.0, 6.0, 18.0, 1e9],
            "episode_count": [30, 30, 30, 12],
        }
    )
    fig = charts.band_histogram(
        bands,
        from_col="from_months",
        to_col="to_months",
        count_col="episode_count",
        label_col="length_band",
        title="t",
        period=PERIOD,
        x_title="months",
        unit="month",
    )
    bar = fig.data[0]
    assert list(bar.width) == [3.0, 3.0, 6.0, 6.0]
    # same count, twice the width: half the height (area = count)
    assert list(bar.y) == pytest.approx([10.0, 10.0, 5.0, 2.0])
    assert list(bar.text) == ["30", "30", "30", "12"]


def test_month_ticks_one_per_month_for_short_periods():
    months = pd.DataFrame(
        {
            "month_start": pd.to_datetime(["2025-09-01", "2025-10-01", "2025-11-01"]),
            "practice_code": "A1",
            "practice_name": "<b>A</b>",
            "referral_count": [5, 6, 7],
            "is_whole_month": [False, True, True],
        }
    )
    fig = charts.referrals_by_practice_month(months, {}, PERIOD)
    assert fig.layout.xaxis.dtick == "M1"
    assert "<b>" not in fig.data[0].name


def test_contacts_by_worker_leaves_out_part_months():
    frame = pd.DataFrame(
        {
            "month_start": pd.to_datetime(["2025-10-01", "2025-11-01", "2025-12-01"]),
            "is_whole_month": [True, True, False],
            "display_name": "Ann",
            "attended_count": [40, 42, 1],
        }
    )
    fig = charts.lines_by_group(
        frame, "display_name", "attended_count", title="t", period=PERIOD, y_title="y"
    )
    assert list(fig.data[0].y) == [40, 42]


def test_goal_heatmap_rows_add_up_and_scale_to_largest_cell():
    frame = pd.DataFrame(
        {
            "condition_label": ["IBS", "IBS", "Pain"],
            "domain_label": ["Getting active", "Other", "Getting active"],
            "share": pd.Series([49.0, 51.0, None], dtype=object),  # as service.shares gives
        }
    )
    fig = charts.domains_by_condition(frame, ["IBS", "Pain"], ["Getting active", "Other"], PERIOD)
    heat = fig.data[0]
    assert heat.zmax == pytest.approx(51.0)
    assert heat.text[1][0] == "*"  # suppressed
    assert heat.text[1][1] == "\u2013"  # no goals there: no data


def test_top_practices_groups_the_rest():
    months = pd.DataFrame(
        {
            "month_start": ["2025-10-01"] * 14,
            "practice_code": [f"P{i:02d}" for i in range(14)],
            "practice_name": [f"Practice {i}" for i in range(14)],
            "referral_count": [100 - i for i in range(14)],
            "is_whole_month": True,
        }
    )
    shown = top_practices(months, top=10)
    assert len(shown) == 11
    other = shown[shown["practice_code"] == "_other"].iloc[0]
    assert other["referral_count"] == 90 + 89 + 88 + 87
    assert other["practice_name"] == "Other practices (4)"
    # published: the sum of the rounded cells (90 + 90 + 90 + 85)
    assert top_practices(months, top=10, rounded=True)["referral_count"].iloc[-1] == 355


def test_publishable_km_curves_are_read_at_whole_months():
    durations = pd.DataFrame(
        {"caseload_days": [10, 45, 70, 100, 130, 160, 200, 240, 300, 365], "is_ended": True}
    )
    _, curves = service.km_summary(durations, None, rounded=True)
    times = curves["All episodes"]["time_months"]
    assert (times == times.round()).all()
    assert disclosure.MIN_SHARE_DENOMINATOR == 20


def test_funnel_at_national_scale_is_one_trace():
    import numpy as np

    from wellpath import funnel
    from wellpath.charts.funnel import funnel_chart

    n = 2000
    rng = np.random.default_rng(1)
    units = pd.DataFrame(
        {
            "practice_code": [f"P{i}" for i in range(n)],
            "practice_name": [f"<a href='x'>Practice {i}</a>" for i in range(n)],
            "list_size": rng.integers(2000, 20000, n),
        }
    )
    units["referral_count"] = rng.poisson(units["list_size"] * 0.015)
    rate = funnel.overall_rate(units["referral_count"], units["list_size"])
    positions = funnel.funnel_positions(units["referral_count"], units["list_size"], rate)
    units = pd.concat([units, positions[["rate", "band"]]], axis=1)
    limits = funnel.funnel_curve(rate, 23000, min_denominator=1000)
    fig = funnel_chart(units, limits, title="t", period_label=PERIOD, colours={})
    assert len(fig.data) <= 6  # limits, overall rate, one trace of dots (was 2,005 traces)
    dots = fig.data[-1]
    assert len(dots.x) == n
    assert not any("<a" in t for t in dots.text)
