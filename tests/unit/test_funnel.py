"""Funnel plot limits (Spiegelhalter 2005, Stat Med 24:1185): hand-worked cases, scipy
cross-checks and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from wellpath import funnel


def poisson_cdf_by_hand(k: int, mean: float) -> float:
    """P(Y <= k) for Y ~ Poisson(mean), summed term by term (independent of scipy)."""
    return sum(math.exp(i * math.log(mean) - mean - math.lgamma(i + 1)) for i in range(k + 1))


def test_rate_10_per_1000_list_10000_by_hand():
    # Overall rate 10 per 1,000, list size 10,000: expected 100 referrals, Y ~ Poisson(100).
    # Upper 95% (p = 0.975): P(Y <= 119) = 0.971770, P(Y <= 120) = 0.977331, so the quantile
    # is 120; a = (0.977331 - 0.975) / (0.977331 - 0.971770) = 0.002331 / 0.005561 = 0.4191;
    # limit 120 - 0.4191 = 119.581 referrals = 11.958 per 1,000.
    # Lower 95% (p = 0.025): P(Y <= 80) = 0.022649, P(Y <= 81) = 0.029066: quantile 81;
    # a = (0.029066 - 0.025) / 0.006417 = 0.6337; limit 80.366 = 8.037 per 1,000.
    # (Normal approximation for comparison: 100 -/+ 1.96 * 10 = 80.4 / 119.6.)
    assert poisson_cdf_by_hand(119, 100) == pytest.approx(0.971770, abs=1e-6)
    assert poisson_cdf_by_hand(120, 100) == pytest.approx(0.977331, abs=1e-6)
    assert stats.poisson.ppf(0.975, 100) == 120
    assert stats.poisson.ppf(0.025, 100) == 81
    limits = funnel.funnel_limits([10_000], 10.0).iloc[0]
    assert limits["expected_count"] == pytest.approx(100)
    assert limits["upper_95"] == pytest.approx(11.958, abs=5e-4)
    assert limits["lower_95"] == pytest.approx(8.037, abs=5e-4)
    upper_by_hand = 120 - (poisson_cdf_by_hand(120, 100) - 0.975) / (
        poisson_cdf_by_hand(120, 100) - poisson_cdf_by_hand(119, 100)
    )
    assert limits["upper_95"] == pytest.approx(upper_by_hand / 10, rel=1e-9)
    # 99.8%: P(Y <= 131) = 0.998732, P(Y <= 132) = 0.999065; a = 0.000065 / 0.000333 = 0.195
    # -> 131.805 = 13.180 per 1,000.
    assert limits["upper_998"] == pytest.approx(13.180, abs=5e-4)
    assert limits["lower_998"] == pytest.approx(7.007, abs=5e-4)


def test_small_expected_count_floors_at_zero():
    # Expected 2: P(Y = 0) = e^-2 = 0.135 > 0.025, so the lower limit would be negative: 0.
    limits = funnel.funnel_limits([200], 10.0).iloc[0]
    assert limits["expected_count"] == pytest.approx(2)
    assert limits["lower_95"] == 0
    # Upper: P(Y <= 4) = 0.947347, P(Y <= 5) = 0.983436; a = 0.008436 / 0.036089 = 0.2338;
    # 4.7662 referrals per 200 patients = 23.83 per 1,000.
    assert limits["upper_95"] == pytest.approx(4.766236 / 200 * 1000, rel=1e-6)


def test_column_names_follow_levels():
    frame = funnel.funnel_limits([1000, 5000], 5.0, levels=(0.8, 0.95, 0.998))
    assert list(frame.columns) == [
        "denominator",
        "rate",
        "expected_count",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
        "lower_998",
        "upper_998",
    ]


def test_zero_denominator_has_no_limits():
    frame = funnel.funnel_limits([0, 100], 10.0)
    assert frame[["lower_95", "upper_95"]].iloc[0].isna().all()
    assert funnel.funnel_position(0, 0, 10.0).band is None


@settings(deadline=None)  # scipy/pandas calls are slow on a busy machine
@given(st.floats(0.5, 200), st.lists(st.floats(50, 200_000), min_size=2, max_size=20))
def test_limits_contain_the_rate_and_narrow(rate, sizes):
    # Below an expected count of 0.026 the interpolated 97.5% quantile is under the mean
    # (P(Y = 0) alone exceeds 0.975), so containment is a property of real list sizes only.
    sizes = sorted({s for s in sizes if s * rate / 1000 >= 0.03})
    frame = funnel.funnel_limits(sizes, rate)
    assert (frame["lower_998"] <= frame["lower_95"] + 1e-12).all()
    assert (frame["lower_95"] <= rate + 1e-9).all()
    assert (frame["upper_95"] >= rate - 1e-9).all()
    assert (frame["upper_998"] >= frame["upper_95"] - 1e-12).all()
    width = (frame["upper_95"] - frame["lower_95"]).to_numpy()
    # The interpolated limits are smooth but not perfectly monotone between integer steps;
    # over a doubling of list size they always narrow.
    for i, j in [(i, j) for i in range(len(sizes)) for j in range(len(sizes))]:
        if sizes[j] >= 2 * sizes[i] and sizes[i] * rate / 1000 >= 5:
            assert width[j] < width[i]


def test_positions_by_hand():
    # Expected 100 (rate 10 per 1,000, list 10,000). 120 referrals: P(Y <= 120) = 0.97733 >
    # 0.975, beyond the upper 95% limit (119.58) but inside the 99.8% (131.80): "above 95%",
    # z = Phi^-1(0.97733) = 2.002. 119: P = 0.97177, within, z = 1.909. 135: above 99.8%.
    # 75: P(Y <= 75) = 0.00686: below 95% (80.37) but above 70.07: "below 95%".
    assert funnel.funnel_position(120, 10_000, 10.0).band == "above 95%"
    assert funnel.funnel_position(120, 10_000, 10.0).z == pytest.approx(
        stats.norm.ppf(poisson_cdf_by_hand(120, 100)), rel=1e-6
    )
    assert funnel.funnel_position(119, 10_000, 10.0).band == "within 95%"
    assert funnel.funnel_position(135, 10_000, 10.0).band == "above 99.8%"
    assert funnel.funnel_position(75, 10_000, 10.0).band == "below 95%"
    assert funnel.funnel_position(60, 10_000, 10.0).band == "below 99.8%"
    assert funnel.funnel_position(100, 10_000, 10.0).band == "within 95%"


@settings(deadline=None)  # scipy/pandas calls are slow on a busy machine
@given(st.integers(0, 400), st.floats(100, 50_000), st.floats(1, 40))
def test_band_agrees_with_the_drawn_limits(observed, size, rate):
    position = funnel.funnel_position(observed, size, rate)
    limits = funnel.funnel_limits([size], rate).iloc[0]
    observed_rate = observed / size * 1000
    tolerance = 1e-9 * max(1.0, observed_rate)
    if position.band == "within 95%":
        assert limits["lower_95"] - tolerance <= observed_rate <= limits["upper_95"] + tolerance
        assert abs(position.z) <= stats.norm.ppf(0.975) + 1e-9
    elif position.band == "above 95%":
        assert limits["upper_95"] - tolerance < observed_rate <= limits["upper_998"] + tolerance
    elif position.band == "above 99.8%":
        assert observed_rate > limits["upper_998"] - tolerance
    elif position.band == "below 95%":
        assert limits["lower_998"] - tolerance <= observed_rate < limits["lower_95"] + tolerance
    else:
        assert observed_rate < limits["lower_998"] + tolerance


def test_overall_rate():
    # 30 referrals over 4,000 + 6,000 patients = 3 per 1,000.
    assert funnel.overall_rate([10, 20], [4000, 6000]) == pytest.approx(3.0)
    with pytest.raises(ValueError):
        funnel.overall_rate([1], [0])


def test_funnel_curve_spans_the_range():
    curve = funnel.funnel_curve(10.0, 12_000, min_denominator=500, points=50)
    assert curve["denominator"].iloc[0] == pytest.approx(500)
    assert curve["denominator"].iloc[-1] == pytest.approx(12_000)
    assert np.all(np.diff(curve["denominator"]) > 0)


def test_poisson_and_normal_functions_equal_scipy_stats_element_for_element():
    # wellpath.funnel computes scipy.stats's Poisson cdf, sf, pmf and ppf and the normal ppf
    # and isf from scipy.special (scipy.stats costs 0.5 s to import): the same numbers,
    # bit for bit, with the same edges (below the support, fractional counts, a mean of 0,
    # invalid means, q of 0 and 1).
    rng = np.random.default_rng(12)
    n = 3_000
    means = np.concatenate(
        [[0.0, 1e-9, 0.3, 1.0, 2.5, 10.0, 1e3, 1e5, 3e6, np.nan, -1.0], rng.gamma(1.0, 200, n)]
    )
    counts = np.concatenate(
        [
            [-2.0, -1.0, 0.0, 0.5, 1.0, 3.0, 7.5, 1e3, 1e5, 3e6, np.nan],
            np.floor(rng.gamma(1.0, 200, n)) - rng.integers(0, 2, n) + rng.choice([0, 0.5], n),
        ]
    )
    with np.errstate(all="ignore"):
        pairs = [
            (funnel._poisson_cdf(counts, means), stats.poisson.cdf(counts, means)),
            (funnel._poisson_sf(counts, means), stats.poisson.sf(counts, means)),
            (funnel._poisson_pmf(counts, means), stats.poisson.pmf(counts, means)),
        ]
        for q in (0.0, 1e-9, 0.001, 0.025, 0.5, 0.975, 0.999, 1.0, 1.5):
            pairs.append((funnel._poisson_ppf(q, means), stats.poisson.ppf(q, means)))
        shares = np.concatenate([[0.0, 1.0, 1e-300, np.nan], rng.random(n)])
        pairs.append((funnel._norm_ppf(shares), stats.norm.ppf(shares)))
        pairs.append((funnel._norm_isf(shares), stats.norm.isf(shares)))
    for ours, theirs in pairs:
        np.testing.assert_array_equal(ours, theirs)
