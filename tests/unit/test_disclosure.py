"""Disclosure control (measures.md, "Small numbers"): hand-worked cases and properties."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellpath.disclosure import (
    is_publishable_n,
    protect_frame,
    protect_record,
    protect_stat,
    published_total,
    round_count,
    rounded_percentage,
)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, 0),
        (1, None),
        (5, None),
        (7, None),
        (8, 10),  # 8 is 2 below 10, 3 above 5
        (10, 10),
        (12, 10),  # remainder 2 rounds down
        (13, 15),  # remainder 3 rounds up
        (17, 15),
        (18, 20),
        (22, 20),
        (23, 25),
        (1002, 1000),
        (1003, 1005),
        (12.0, 10),  # integral floats (DuckDB sums) are counts
        (None, None),
        (float("nan"), None),
        (pd.NA, None),
    ],
)
def test_round_count_hand_worked(n, expected):
    assert round_count(n) == expected


@pytest.mark.parametrize("bad", [12.5, -1, 0.5])
def test_round_count_refuses_non_counts(bad):
    with pytest.raises(ValueError):
        round_count(bad)


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(st.integers(min_value=0, max_value=10**9))
def test_rounding_never_reveals_one_to_seven(n):
    published = round_count(n)
    if 1 <= n <= 7:
        assert published is None
    else:
        assert published is not None
        # published counts are multiples of 5 or 0, within 2 of the truth
        assert published % 5 == 0
        assert abs(published - n) <= 2
        # a true non-zero count never publishes as 0 (0 would be a false statement)
        assert (published == 0) == (n == 0)


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_rounding_is_monotone(a, b):
    ra, rb = round_count(a), round_count(b)
    if ra is not None and rb is not None and a <= b:
        assert ra <= rb


def test_protect_stat_uses_unrounded_n():
    assert protect_stat(3.2, 7) is None  # 7 rounds to "*" anyway
    assert protect_stat(3.2, 8) == 3.2
    assert protect_stat(3.2, None) is None
    assert protect_stat(None, 100) is None
    assert protect_stat(float("nan"), 100) is None
    assert not is_publishable_n(0)


def test_rounded_percentage_hand_worked():
    # 13 of 48: rounded 15 / 50 = 30%, not the true 27.08%
    assert rounded_percentage(13, 48) == pytest.approx(30.0)
    assert rounded_percentage(3, 48) is None  # numerator suppressed
    assert rounded_percentage(0, 48) == 0.0
    assert rounded_percentage(0, 0) is None
    assert rounded_percentage(5, 6) is None


def test_published_total_from_rounded_cells():
    # cells 13, 12, 3: true total 28 would round to 30; published cells 15 + 10 + * = 25
    assert published_total([13, 12, 3]) == 25
    assert published_total([3, 4]) is None
    assert published_total([0, 0]) == 0
    assert published_total([]) == 0
    # already-rounded cells give the same answer
    assert published_total([15, 10, None]) == 25


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(st.lists(st.integers(0, 1000), min_size=1, max_size=12))
def test_total_minus_visible_cells_reveals_nothing(cells):
    total = published_total(cells)
    visible = [round_count(c) for c in cells if round_count(c) is not None]
    if total is not None:
        assert total == sum(visible)
        assert total % 5 == 0


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "practice": ["A", "B", "C", "D"],
            "referral_count": [48, 6, 8, 0],
            "accepted_count": [13, 3, 8, 0],
            "pair_count": [12, 5, 7, 0],
            "mean_change_points": [4.25, 1.5, 2.0, float("nan")],
            "accepted_pct": [27.08, 50.0, 100.0, float("nan")],
            "label": ["x", "y", "z", "w"],
        }
    )


def test_protect_frame_hand_worked():
    frame = _frame()
    out = protect_frame(
        frame,
        count_columns=["referral_count", "accepted_count", "pair_count"],
        statistic_columns={"mean_change_points": "pair_count", "label": "pair_count"},
        percentage_columns={"accepted_pct": ("accepted_count", "referral_count")},
    )
    assert out["referral_count"].dtype == "Int64"
    assert out["referral_count"].tolist() == [50, pd.NA, 10, 0]
    assert out["accepted_count"].tolist() == [15, pd.NA, 10, 0]
    # pair_count 12 -> 10; 5 and 7 suppressed
    assert out["pair_count"].tolist() == [10, pd.NA, pd.NA, 0]
    # the mean about 12 people is kept; those about 5, 7 and 0 people are suppressed
    assert out["mean_change_points"].tolist()[0] == pytest.approx(4.25)
    assert out["mean_change_points"].isna().tolist() == [False, True, True, True]
    # 15/50 = 30%; B: both parts suppressed; C: 10/10 = 100%; D: 0/0 undefined
    pct = out["accepted_pct"]
    assert pct.iloc[0] == pytest.approx(30.0)
    assert pct.iloc[2] == pytest.approx(100.0)
    assert pct.isna().tolist() == [False, True, False, True]
    # a non-numeric statistic is suppressed too
    assert out["label"].tolist() == ["x", None, None, None]
    # the input is untouched
    assert frame["referral_count"].tolist() == [48, 6, 8, 0]


def test_statistic_judged_on_unrounded_n():
    # 7 people: suppressed even though a naive rule on a rounded "10" would let it through
    frame = pd.DataFrame({"n_count": [7, 8], "mean_x": [1.0, 2.0]})
    out = protect_frame(frame, count_columns=["n_count"], statistic_columns={"mean_x": "n_count"})
    assert out["mean_x"].isna().tolist() == [True, False]


def test_percentage_parts_need_not_be_count_columns():
    frame = pd.DataFrame({"yes": [13], "total": [48], "yes_pct": [27.08]})
    out = protect_frame(frame, percentage_columns={"yes_pct": ("yes", "total")})
    assert out["yes_pct"].iloc[0] == pytest.approx(30.0)


def test_missing_column_refused():
    with pytest.raises(KeyError):
        protect_frame(_frame(), count_columns=["nope_count"])


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(
    st.lists(
        st.tuples(st.integers(0, 500), st.integers(0, 500)),
        min_size=1,
        max_size=20,
    )
)
def test_protect_frame_properties(pairs):
    nums = [min(a, b) for a, b in pairs]
    dens = [max(a, b) for a, b in pairs]
    frame = pd.DataFrame(
        {
            "num_count": nums,
            "den_count": dens,
            "pct": [100 * n / d if d else float("nan") for n, d in zip(nums, dens, strict=True)],
            "mean_v": [1.0] * len(nums),
        }
    )
    out = protect_frame(
        frame,
        count_columns=["num_count", "den_count"],
        statistic_columns={"mean_v": "den_count"},
        percentage_columns={"pct": ("num_count", "den_count")},
    )
    for i, (n, d) in enumerate(zip(nums, dens, strict=True)):
        for raw, pub in ((n, out["num_count"].iloc[i]), (d, out["den_count"].iloc[i])):
            if 1 <= raw <= 7:
                assert pub is pd.NA
            else:
                assert pub % 5 == 0
        pct = out["pct"].iloc[i]
        rn, rd = round_count(n), round_count(d)
        if rn is None or rd is None or rd == 0:
            assert pct is pd.NA
        else:
            assert math.isclose(pct, 100 * rn / rd)
            assert 0 <= pct <= 100
        assert (out["mean_v"].iloc[i] is pd.NA) == (d <= 7)


def test_protect_record():
    record = {"n": 12, "mean_change": 3.5, "share_mcid": 0.4, "instrument": "PSEQ"}
    assert protect_record(record, n=12, count_fields=["n"]) == {
        "n": 10,
        "mean_change": 3.5,
        "share_mcid": 0.4,
        "instrument": "PSEQ",
    }
    small = {**record, "n": 6}
    assert protect_record(small, n=6, count_fields=["n"]) == {
        "n": None,
        "mean_change": None,
        "share_mcid": None,
        "instrument": "PSEQ",
    }


# --- published shares, intervals, p-values and secondary suppression -----------------------
from wellpath import disclosure as dc  # noqa: E402


def test_share_suppressed_under_a_small_rounded_denominator() -> None:
    # 80+ age group: 9 of 11 accepted (82%) would read 10 of 10 = 100%
    assert dc.published_share(9, 11) is None
    assert dc.published_share(18, 22) == 100.0 * 20 / 20  # 22 -> 20: published, stated rule
    assert dc.published_share(41, 50) == pytest.approx(80.0)  # 41 -> 40 of 50
    assert dc.published_share(5, 50) is None  # numerator 1-7: suppressed


def test_share_interval_comes_from_the_rounded_parts() -> None:
    from wellpath.stats import wilson_interval

    low, high = dc.published_share_interval(41, 52)
    exp_low, exp_high = wilson_interval(40, 50)
    assert (low, high) == pytest.approx((100 * exp_low, 100 * exp_high))
    assert dc.published_share_interval(5, 9) is None  # the Wilson(5, 9) leak


def test_p_value_bands() -> None:
    assert dc.p_value_band(0.0546875) == "p \u2265 0.05"
    assert dc.p_value_band(0.049) == "p < 0.05"
    assert dc.p_value_band(0.009) == "p < 0.01"
    assert dc.p_value_band(1e-9) == "p < 0.001"
    assert dc.p_value_band(None) is None


def test_published_statistic_rounds_to_one_decimal_half_up() -> None:
    assert dc.published_statistic(9.35, 481) == 9.4
    assert dc.published_statistic(9.35, 7) is None


def test_secondary_suppression_protects_the_complement() -> None:
    # parent 60: A 55 leaves 5 for the rest -> A is hidden as well as B (5)
    out = dc.secondary_suppress({"A": 55, "B": 5}, 60)
    assert out == {"A": None, "B": None}
    # one hidden cell (C = 3) among visible ones: the next smallest visible is hidden too
    out = dc.secondary_suppress({"A": 40, "B": 12, "C": 3}, 55)
    assert out["C"] is None and out["B"] is None and out["A"] == 40
    # nothing small: plain rounding
    assert dc.secondary_suppress({"A": 40, "B": 22}, 62) == {"A": 40, "B": 20}
