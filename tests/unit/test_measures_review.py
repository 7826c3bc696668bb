"""Adversarial review of the measures library against published methods and hand-worked cases.

Each test names its source. Where a defect was found, the test that would have caught it
says so in its docstring ("Defect: ...").
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from wellpath import funnel

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
SCORING = FIXTURES / "scoring"


# --- funnel limits ----------------------------------------------------------------------------


def _interpolated_quantile_by_hand(p: float, mean: float) -> float:
    """Spiegelhalter (2005, appendix A.1.1) written out with a plain loop over counts: y is
    the smallest count with P(Y <= y) >= p, a = (P(Y <= y) - p) / P(Y = y), limit = y - a."""
    y, cdf = 0, math.exp(-mean)
    pmf = cdf
    while cdf < p:
        y += 1
        pmf = pmf * mean / y
        cdf += pmf
    return max(y - (cdf - p) / pmf, 0.0)


@pytest.mark.parametrize("expected", [0.3, 1.0, 2.5, 7.2, 20.0, 64.0, 250.0, 700.0])
@pytest.mark.parametrize("p", [0.001, 0.025, 0.975, 0.999])
def test_funnel_limit_count_equals_the_interpolation_worked_by_hand(expected, p):
    got = funnel.poisson_limit_count(p, np.array([expected]))[0]
    assert got == pytest.approx(_interpolated_quantile_by_hand(p, expected), abs=1e-9)


def test_funnel_limits_lie_within_one_count_below_scipys_poisson_quantile():
    # The interpolated limit is y - a with y = scipy.stats.poisson.ppf(p, E) and 0 <= a < 1;
    # at large E it approaches the normal limits E +/- z * sqrt(E) (Spiegelhalter 2005, s. 3).
    for expected in (0.7, 4.0, 33.0, 150.0, 1000.0, 5000.0):
        for p in (0.001, 0.025, 0.975, 0.999):
            limit = funnel.poisson_limit_count(p, np.array([expected]))[0]
            y = sps.poisson.ppf(p, expected)
            assert max(y - 1, 0) <= limit <= y
            if expected >= 1000:
                normal = expected + sps.norm.ppf(p) * math.sqrt(expected)
                assert abs(limit - normal) < 0.05 * math.sqrt(expected) + 1


def test_funnel_limits_per_1000_and_overall_rate_line():
    # Overall 4 per 1,000; list size 2,500 -> expected 10 referrals. The 95% limits are the
    # interpolated 2.5% and 97.5% quantiles of Poisson(10), times 1000 / 2500.
    frame = funnel.funnel_limits([2500], 4.0)
    assert frame["rate"].iloc[0] == 4.0
    assert frame["expected_count"].iloc[0] == pytest.approx(10.0)
    assert frame["upper_95"].iloc[0] == pytest.approx(
        _interpolated_quantile_by_hand(0.975, 10.0) * 1000 / 2500
    )
    assert frame["lower_95"].iloc[0] == pytest.approx(
        _interpolated_quantile_by_hand(0.025, 10.0) * 1000 / 2500
    )
    rates = funnel.overall_rate([3, 7, 10], [1000, 2000, 2000])
    assert rates == pytest.approx(20 / 5000 * 1000)


def test_no_events_everywhere_is_not_higher_than_expected():
    """Defect: with an overall rate of 0 (e.g. a condition with no referrals in the period)
    every practice was placed 'above 99.8%' (z = inf), because the interpolated distribution
    puts a count of 0 in its upper tail when nothing is expected."""
    positions = funnel.funnel_positions([0, 0, 0], [10_000, 5_000, 100], 0.0)
    assert list(positions["band"]) == ["within 95%"] * 3
    assert list(positions["z"]) == [0.0, 0.0, 0.0]
    # one event where none was expected is far above
    assert funnel.funnel_position(1, 100, 0.0).band == "above 99.8%"


@pytest.mark.parametrize("expected", [0.0002, 0.001, 0.02, 0.5])
def test_zero_events_is_never_above_the_funnel(expected):
    """Defect: a practice with no events and a tiny expected count (< 0.025) was 'above 95%'."""
    position = funnel.funnel_position(0, 1000, expected)  # per 1,000: expected = rate
    assert position.band == "within 95%"
    assert position.z <= 0


def test_funnel_band_agrees_with_the_drawn_limits():
    # A count is outside the drawn (floored) 95% funnel exactly when its band says so.
    rng = np.random.default_rng(5)
    for _ in range(400):
        denominator = float(rng.integers(50, 20_000))
        rate = float(rng.choice([0.05, 0.5, 2.0, 8.0, 30.0]))
        expected = denominator * rate / 1000
        observed = float(rng.poisson(expected * float(rng.choice([0.3, 1.0, 1.8]))))
        limits = funnel.funnel_limits([denominator], rate).iloc[0]
        band = funnel.funnel_position(observed, denominator, rate).band
        observed_rate = observed / denominator * 1000
        above = observed_rate > limits["upper_95"] + 1e-12
        below = observed_rate < limits["lower_95"] - 1e-12
        assert (band in ("above 95%", "above 99.8%")) == above, (observed, expected)
        assert (band in ("below 95%", "below 99.8%")) == below, (observed, expected)
