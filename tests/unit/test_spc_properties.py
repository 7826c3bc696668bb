"""Properties of the XmR implementation, and the vectorised path checked equal to the
single-series path on random series (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellpath import spc

values = st.lists(
    st.one_of(st.integers(-50, 50).map(float), st.floats(-1e3, 1e3, allow_nan=False)),
    min_size=1,
    max_size=40,
)
improvements = st.sampled_from(["increase", "decrease", "neutral"])
NUMERIC = ["mean", "lpl", "upl", "near_lpl", "near_upl", "amr"]
FLAGS = [
    "outside_limits",
    "relative_to_mean",
    "close_to_limits",
    "trend",
    "two_of_three",
    "shift",
    "special_cause_flag",
    "special_cause_rule",
    "point_type",
    "trial_limits",
    "zero_variation",
    "rebase_group",
]


@settings(deadline=None)  # scipy/pandas calls are slow on a busy machine
@given(values, st.booleans(), st.sampled_from([None, 3, 12]))
def test_limits_symmetric_and_ordered(ys, screen, fix):
    result = spc.xmr(ys, screen_outliers=screen, fix_after_n=fix)
    upper = result["upl"] - result["mean"]
    lower = result["mean"] - result["lpl"]
    np.testing.assert_allclose(upper, lower, rtol=1e-9, atol=1e-9)
    defined = result["amr"].notna()
    assert defined.all() or len(ys) == 1 or fix == 1  # undefined only without a moving range
    assert (result["lpl"] <= result["near_lpl"] + 1e-9)[defined].all()
    assert (result["near_upl"] <= result["upl"] + 1e-9)[defined].all()
    assert (result["special_cause_flag"] == (result["point_type"] != "common_cause")).all()
    assert (result["special_cause_flag"] == (result["special_cause_rule"] != "")).all()
    assert set(result["point_type"]) <= set(spc.POINT_TYPES)


@settings(deadline=None)  # scipy/pandas calls are slow on a busy machine
@given(st.floats(-1e6, 1e6, allow_nan=False), st.integers(1, 40), improvements, st.booleans())
def test_constant_series_is_all_common_cause(level, n, improvement, screen):
    # Zero variation: AMR 0, the limits sit on the mean, every point is on the mean.
    result = spc.xmr([level] * n, improvement=improvement, screen_outliers=screen)
    assert (result["point_type"] == "common_cause").all()
    assert (result["relative_to_mean"] == 0).all()
    if n > 1:
        assert (result["amr"] == 0).all() and result["zero_variation"].all()
        assert (result["lpl"] == result["mean"]).all() and (result["upl"] == result["mean"]).all()
    assert spc.variation_icon(result, improvement) == "common_cause"


@settings(deadline=None)  # scipy/pandas calls are slow on a busy machine
@given(values, improvements)
def test_negating_mirrors_the_chart(ys, improvement):
    # -y with the opposite improvement direction: limits mirror, every point type the same
    # (neutral high and low swap). Negation is exact in floating point.
    opposite = {"increase": "decrease", "decrease": "increase", "neutral": "neutral"}
    result = spc.xmr(ys, improvement=improvement)
    mirrored = spc.xmr([-y for y in ys], improvement=opposite[improvement])
    np.testing.assert_array_equal(mirrored["upl"], -result["lpl"])
    swap = {"special_cause_neutral_high": "special_cause_neutral_low"}
    swap |= {v: k for k, v in swap.items()}
    assert mirrored["point_type"].tolist() == [swap.get(t, t) for t in result["point_type"]]


@settings(deadline=None)  # scipy/pandas calls are slow on a busy machine
@given(values, improvements, st.sampled_from([0.25, 2.0, 1024.0]))
def test_scaling_by_powers_of_two_changes_nothing_but_the_scale(ys, improvement, factor):
    result = spc.xmr(ys, improvement=improvement)
    scaled = spc.xmr([y * factor for y in ys], improvement=improvement)
    np.testing.assert_allclose(scaled["upl"], result["upl"] * factor, rtol=1e-12)
    assert scaled["point_type"].tolist() == result["point_type"].tolist()


@st.composite
def series_frames(draw):
    n_groups = draw(st.integers(1, 6))
    rows = []
    for g in range(n_groups):
        n = draw(st.integers(1, 30))
        ys = draw(st.lists(st.integers(0, 20).map(float), min_size=n, max_size=n))
        for i in range(n):
            if draw(st.integers(0, 30)) == 0:
                ys[i] = np.nan
        rebase = [i > 0 and draw(st.integers(0, 12)) == 0 for i in range(n)]
        rows += [
            {"practice": f"P{g}", "month": i, "y": ys[i], "rebase": rebase[i]} for i in range(n)
        ]
    frame = pd.DataFrame(rows)
    # Shuffle: xmr_many must order rows itself.
    return frame.sample(frac=1, random_state=draw(st.integers(0, 1000)))


@settings(max_examples=150, deadline=None)
@given(series_frames(), improvements, st.booleans(), st.sampled_from([None, 5, 12]))
def test_vectorised_equals_single_series(frame, improvement, screen, fix):
    many = spc.xmr_many(
        frame,
        "practice",
        "y",
        period_col="month",
        rebase_col="rebase",
        improvement=improvement,
        screen_outliers=screen,
        fix_after_n=fix,
    )
    for practice, part in many.groupby("practice", sort=False):
        source = frame[frame["practice"] == practice].sort_values("month")
        single = spc.xmr(
            source["y"].to_numpy(),
            periods=source["month"].to_numpy(),
            rebase_at=np.flatnonzero(source["rebase"].to_numpy()).tolist(),
            improvement=improvement,
            screen_outliers=screen,
            fix_after_n=fix,
        )
        for column in NUMERIC:
            np.testing.assert_allclose(part[column], single[column], rtol=1e-12)
        for column in FLAGS:
            assert part[column].tolist() == single[column].tolist(), column
    # The vectorised summary agrees with the single-chart icon and assurance functions.
    latest = spc.latest_by_group(many, "practice", improvement, target=10.0)
    for _, row in latest.iterrows():
        part = many[many["practice"] == row["practice"]]
        assert row["variation_icon"] == spc.variation_icon(part, improvement)
        assert row["assurance"] == spc.assurance(part, 10.0, improvement)


def test_missing_values_are_left_out_and_break_runs():
    # Worked: 1, 2, NaN, 3, 5. Mean of 1, 2, 3, 5 = 2.75. Moving ranges only between present
    # neighbours: |2-1| = 1 and |5-3| = 2, AMR 1.5 (none screened: 3.267 * 1.5 = 4.9).
    result = spc.xmr([1, 2, np.nan, 3, 5])
    assert result["mean"].iloc[0] == pytest.approx(2.75)
    assert result["amr"].iloc[0] == pytest.approx(1.5)
    assert result["point_type"].iloc[2] == "common_cause"
    assert result["relative_to_mean"].iloc[2] == 0
    # Seven rising points with a gap in the middle are no trend.
    gappy = spc.xmr([1, 2, 3, np.nan, 4, 5, 6, 7])
    assert not gappy["trend"].any()


def test_degenerate_screening_matches_the_reference():
    # nhspy-plotthedots: 1,1,1,1,2 screens out the only non-zero moving range, AMR 0, and
    # every point off the mean of 1.2 is outside the collapsed limits.
    result = spc.xmr([1, 1, 1, 1, 2])
    assert result["zero_variation"].all()
    assert result["outside_limits"].all()


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="improvement"):
        spc.xmr([1, 2, 3], improvement="up")
    with pytest.raises(ValueError, match="fix_after_n"):
        spc.xmr([1, 2, 3], fix_after_n=0)
    with pytest.raises(ValueError, match="time order"):
        spc.xmr([1, 2], periods=pd.to_datetime(["2025-02-01", "2025-01-01"]))
    with pytest.raises(ValueError, match="not one of the periods"):
        spc.xmr([1, 2], periods=[1, 2], rebase_at=["x"])


def test_empty_series():
    assert spc.xmr([]).empty
    assert spc.xmr_many(pd.DataFrame({"g": [], "y": []}), "g", "y").empty


def test_variation_icons_follow_direction():
    y = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 30]
    assert spc.variation_icon(spc.xmr(y, improvement="increase"), "increase") == (
        "improvement_high"
    )
    assert spc.variation_icon(spc.xmr(y, improvement="decrease"), "decrease") == "concern_high"
    assert spc.variation_icon(spc.xmr(y, improvement="neutral"), "neutral") == "neutral_high"
    low = [-v for v in y]
    assert spc.variation_icon(spc.xmr(low, improvement="increase"), "increase") == "concern_low"
    assert spc.variation_icon(spc.xmr(low, improvement="decrease"), "decrease") == (
        "improvement_low"
    )
    assert spc.xmr(y).attrs["variation_icon"] == "improvement_high"


def test_latest_by_group():
    frame = pd.DataFrame(
        {
            "practice": ["A"] * 13 + ["B"] * 13,
            "month": list(range(13)) * 2,
            "y": [1, 2] * 6 + [30] + [1, 2] * 6 + [1],
        }
    )
    result = spc.xmr_many(frame, "practice", "y", period_col="month")
    latest = spc.latest_by_group(result, "practice", "increase", target=0)
    assert latest["practice"].tolist() == ["A", "B"]
    assert latest["variation_icon"].tolist() == ["improvement_high", "common_cause"]
    # B: mean 1.46, AMR 1, lower limit -1.2: a target of 0 is inside, inconsistent.
    assert latest["assurance"].tolist()[1] == "inconsistent"


def test_assurance_reads_the_last_month_with_a_value():
    # A rebase at the last month, which has no value yet: that segment has no limits, so the
    # assurance comes from the month before (mean 5.5, AMR 1, limits 5.5 +/- 2.66 = 2.84 to
    # 8.16). A target of 10 above the upper limit of a "decrease" measure always passes.
    import numpy as np

    values = [5, 6] * 6 + [np.nan]
    df = spc.xmr(values, improvement="decrease", rebase_at=[12], target=10.0)
    assert spc.assurance(df, 10.0, "decrease") == "consistent_pass"
