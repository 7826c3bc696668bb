"""The engagement-referrals model (wellpath.integration) against hand-worked cases and
statsmodels itself."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from wellpath.integration import OVERDISPERSION_THRESHOLD, fit_rate_ratio, model_frame


def frame(rows):
    return pd.DataFrame(
        rows, columns=["practice_code", "month_start", "hours_before", "referral_count"]
    )


def test_saturated_two_by_two_gives_the_hand_worked_rate_ratio_and_woolf_interval():
    # Practices A, B; months 1, 2; engagement only at (A, 2). Four cells, four parameters:
    # the fit is exact, beta = log((30/10) / (40/20)) = log 1.5, and its variance is
    # 1/10 + 1/30 + 1/20 + 1/40 = 0.208333 (the log-ratio-of-ratios' Woolf variance), so
    # the CI is 1.5 * exp(+-1.959964 * 0.456435) = 1.5 / 2.44635 to 1.5 * 2.44635 = 0.6132 to 3.6695.
    f = frame([("A", "m1", 0, 10), ("A", "m2", 1, 30), ("B", "m1", 0, 20), ("B", "m2", 0, 40)])
    rr = fit_rate_ratio(f)
    assert rr.rate_ratio == pytest.approx(1.5, rel=1e-6)
    se = math.sqrt(1 / 10 + 1 / 30 + 1 / 20 + 1 / 40)
    assert rr.ci_low == pytest.approx(1.5 * math.exp(-1.959964 * se), rel=1e-5)
    assert rr.ci_high == pytest.approx(1.5 * math.exp(1.959964 * se), rel=1e-5)
    assert (rr.ci_low, rr.ci_high) == pytest.approx((0.6132, 3.6695), abs=1e-4)
    assert rr.family == "Poisson" and rr.dispersion is None  # no residual df to judge
    assert (rr.n_cells, rr.n_practices, rr.n_months, rr.n_events) == (4, 2, 2, 100)


def test_agrees_with_statsmodels_formula_glm_on_a_tiny_frame():
    f = frame(
        [
            ("A", "m1", 2.0, 5), ("A", "m2", 4.0, 9), ("A", "m3", 1.0, 4),
            ("B", "m1", 0.0, 3), ("B", "m2", 3.0, 6), ("B", "m3", 5.0, 8),
            ("C", "m1", 1.0, 7), ("C", "m2", 0.0, 5), ("C", "m3", 2.0, 9),
        ]
    )  # fmt: skip
    direct = smf.glm(
        "referral_count ~ hours_before + C(practice_code) + C(month_start)",
        f,
        family=sm.families.Poisson(),
    ).fit()
    rr = fit_rate_ratio(f)
    assert rr.family == "Poisson"  # dispersion well under 1.5 here
    assert rr.rate_ratio == pytest.approx(math.exp(direct.params["hours_before"]), rel=1e-8)
    low, high = np.exp(direct.conf_int().loc["hours_before"])
    assert (rr.ci_low, rr.ci_high) == pytest.approx((low, high), rel=1e-6)
    assert rr.dispersion == pytest.approx(direct.pearson_chi2 / direct.df_resid)


def _simulated(rr_true, n_practices=40, n_months=24, seed=1, overdispersed=False):
    rng = np.random.default_rng(seed)
    a = rng.normal(np.log(8), 0.4, n_practices)
    b = 0.3 * np.sin(np.arange(n_months) / 3)
    rows = []
    for p in range(n_practices):
        for m in range(n_months):
            x = rng.uniform(0, 15)
            mu = math.exp(a[p] + b[m]) * rr_true**x
            if overdispersed:
                mu *= rng.gamma(2.0, 0.5)  # variance mu + mu^2 / 2
            rows.append((f"P{p}", f"m{m:02d}", x, rng.poisson(mu)))
    return frame(rows)


def test_recovers_a_known_rate_ratio_from_simulated_practices():
    rr = fit_rate_ratio(_simulated(1.05))
    assert rr.family == "Poisson"
    assert rr.ci_low < 1.05 < rr.ci_high
    assert rr.rate_ratio == pytest.approx(1.05, abs=0.01)


def test_overdispersed_counts_switch_to_a_negative_binomial_with_a_wider_interval():
    f = _simulated(1.05, overdispersed=True, seed=2)
    rr = fit_rate_ratio(f)
    assert rr.dispersion > OVERDISPERSION_THRESHOLD
    assert rr.family == "negative binomial" and rr.alpha == pytest.approx(0.5, abs=0.2)
    assert rr.ci_low < 1.05 < rr.ci_high
    poisson = smf.glm(
        "referral_count ~ hours_before + C(practice_code) + C(month_start)",
        f,
        family=sm.families.Poisson(),
    ).fit()
    p_low, p_high = np.exp(poisson.conf_int().loc["hours_before"])
    assert rr.ci_high - rr.ci_low > p_high - p_low


def test_practices_with_no_referrals_add_nothing_and_too_little_data_gives_none():
    f = frame([("A", "m1", 0, 10), ("A", "m2", 1, 30), ("B", "m1", 0, 20), ("B", "m2", 0, 40)])
    with_empty = pd.concat([f, frame([("C", "m1", 3, 0), ("C", "m2", 0, 0)])])
    assert fit_rate_ratio(with_empty).rate_ratio == pytest.approx(1.5, rel=1e-6)
    assert fit_rate_ratio(f[f.practice_code == "A"]) is None  # one practice
    assert fit_rate_ratio(f.assign(hours_before=2.0)) is None  # no variation
    assert fit_rate_ratio(f.assign(referral_count=[10, None, 20, 40])) is None  # suppressed


def test_model_frame_lags_engagement_by_one_month_within_a_practice():
    by_month = pd.DataFrame(
        {
            "practice_code": ["A", "A", "A", "B", "B"],
            "month_start": pd.to_datetime(
                ["2026-01-01", "2026-02-01", "2026-03-01", "2026-01-01", "2026-03-01"]
            ),
            "engagement_minutes": [60, 90, 0, 30, 120],
            "referral_count": [1, 2, 3, 4, 5],
        }
    )
    f = model_frame(by_month)
    # A: Feb gets Jan's 1 h, Mar gets Feb's 1.5 h; B has no Feb, so Mar has no month before.
    assert f[["practice_code", "referral_count", "hours_before"]].values.tolist() == [
        ["A", 2, 1.0],
        ["A", 3, 1.5],
    ]
