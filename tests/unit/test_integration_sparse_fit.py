"""wellpath.integration.fit_rate_ratio never forms the practice and month dummies: it must
give the dense model's answers (statsmodels' GLM Poisson and NegativeBinomial nb2 on the
dummy matrix, the way the function used to fit it), keep the model's invariances, and stay
small at national size (6,300 practices)."""

from __future__ import annotations

import math
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from wellpath.integration import OVERDISPERSION_THRESHOLD, Z95, fit_rate_ratio

COLUMNS = ["practice_code", "month_start", "hours_before", "referral_count"]


def simulated(
    n_practices: int,
    n_months: int,
    seed: int,
    *,
    overdispersed: bool = False,
    missing_share: float = 0.0,
    zero_practice: bool = False,
    integer_hours: bool = False,
) -> pd.DataFrame:
    """Counts with practice and month effects and a rate ratio of 1.04 per hour; gamma
    frailty for overdispersion; cells left out at random (an unbalanced panel); one practice
    with no referrals at all; whole hours (many ties in the exposure)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(np.log(5), 0.5, n_practices)
    b = 0.3 * np.sin(np.arange(n_months) / 2)
    rows = []
    for p in range(n_practices):
        for m in range(n_months):
            if rng.random() < missing_share:
                continue
            x = float(rng.integers(0, 6)) if integer_hours else float(rng.uniform(0, 10))
            mu = math.exp(a[p] + b[m] + math.log(1.04) * x)
            if overdispersed:
                mu *= rng.gamma(1.5, 1 / 1.5)
            y = 0 if (zero_practice and p == 0) else int(rng.poisson(mu))
            rows.append((f"P{p:03d}", f"2026-{m + 1:02d}", x, y))
    return pd.DataFrame(rows, columns=COLUMNS)


def dense_design(f: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """The old way: drop practices and months without referrals, then dummies."""
    f = f[f.groupby("practice_code")["referral_count"].transform("sum") > 0]
    f = f[f.groupby("month_start")["referral_count"].transform("sum") > 0]
    x = pd.get_dummies(
        f[["practice_code", "month_start"]].astype(str), drop_first=True, dtype=float
    ).reset_index(drop=True)
    x.insert(0, "const", 1.0)
    x["hours_before"] = f["hours_before"].to_numpy(dtype=float)
    return f["referral_count"].to_numpy(dtype=float), x


def dense_poisson(f: pd.DataFrame):
    y, x = dense_design(f)
    return sm.GLM(y, x, family=sm.families.Poisson()).fit(tol=1e-12)


def dense_negative_binomial(f: pd.DataFrame, poisson):
    """statsmodels' NB2 maximum likelihood, by Newton to a tight tolerance (the app's old
    bfgs call stopped short of the maximum, by up to 2.5e-5 relative at 200 practices)."""
    y, x = dense_design(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.NegativeBinomial(y, x, loglike_method="nb2").fit(
            start_params=np.append(poisson.params.to_numpy(), 0.5),
            method="newton",
            maxiter=100,
            tol=1e-12,
            disp=0,
        )


def interval(params, bse) -> tuple[float, float, float]:
    beta, se = params["hours_before"], bse["hours_before"]
    return math.exp(beta), math.exp(beta - Z95 * se), math.exp(beta + Z95 * se)


POISSON_CASES = {
    "balanced": dict(n_practices=25, n_months=10, seed=11),
    "unbalanced, a practice with none, whole hours": dict(
        n_practices=30, n_months=9, seed=12, missing_share=0.3, zero_practice=True,
        integer_hours=True,
    ),
    "few cells a practice": dict(n_practices=40, n_months=4, seed=13, missing_share=0.2),
}  # fmt: skip
NB_CASES = {
    "balanced": dict(n_practices=25, n_months=10, seed=21, overdispersed=True),
    "unbalanced, a practice with none, whole hours": dict(
        n_practices=30, n_months=8, seed=22, overdispersed=True, missing_share=0.3,
        zero_practice=True, integer_hours=True,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", POISSON_CASES)
def test_poisson_equals_the_dense_glm(case):
    f = simulated(**POISSON_CASES[case])
    rr, dense = fit_rate_ratio(f), dense_poisson(f)
    dispersion = dense.pearson_chi2 / dense.df_resid
    assert dispersion <= OVERDISPERSION_THRESHOLD and rr.family == "Poisson"
    expected = interval(dense.params, dense.bse)
    assert (rr.rate_ratio, rr.ci_low, rr.ci_high) == pytest.approx(expected, rel=1e-6)
    assert rr.dispersion == pytest.approx(dispersion, rel=1e-6)
    y, x = dense_design(f)
    assert (rr.n_cells, rr.n_events) == (len(y), int(y.sum()))
    assert rr.n_practices + rr.n_months == x.shape[1]  # const + (P-1) + (M-1) + beta


@pytest.mark.parametrize("case", NB_CASES)
def test_negative_binomial_equals_the_dense_nb2_maximum_likelihood(case):
    f = simulated(**NB_CASES[case])
    rr, poisson = fit_rate_ratio(f), dense_poisson(f)
    dispersion = poisson.pearson_chi2 / poisson.df_resid
    assert dispersion > OVERDISPERSION_THRESHOLD and rr.family == "negative binomial"
    assert rr.dispersion == pytest.approx(dispersion, rel=1e-6)  # of the Poisson fit
    nb = dense_negative_binomial(f, poisson)
    assert nb.mle_retvals["converged"]
    expected = interval(nb.params, nb.bse)
    assert (rr.rate_ratio, rr.ci_low, rr.ci_high) == pytest.approx(expected, rel=1e-6)
    assert rr.alpha == pytest.approx(nb.params["alpha"], rel=1e-6)


def test_a_panel_in_two_unconnected_pieces_counts_the_dummies_rank_as_statsmodels_does():
    # Practices P000-P009 seen in months 1-5 only, P010-P019 in months 6-10 only: the
    # dummies lose one rank (a level shift between the pieces), beta stays identified.
    f = simulated(20, 10, seed=31)
    first = f["practice_code"] < "P010"
    early = f["month_start"] <= "2026-05"
    f = f[first == early].reset_index(drop=True)
    rr, dense = fit_rate_ratio(f), dense_poisson(f)
    assert dense.df_resid == len(f) - (20 + 10 - 1)
    assert rr.dispersion == pytest.approx(dense.pearson_chi2 / dense.df_resid, rel=1e-6)
    expected = interval(dense.params, dense.bse)
    assert (rr.rate_ratio, rr.ci_low, rr.ci_high) == pytest.approx(expected, rel=1e-6)


def test_an_exposure_the_practice_effects_explain_gives_none():
    f = simulated(10, 6, seed=41)
    f["hours_before"] = f["practice_code"].str[1:].astype(float)  # constant per practice
    assert fit_rate_ratio(f) is None


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    shift=st.floats(-5, 5),
    scale=st.floats(0.25, 4),
    overdispersed=st.booleans(),
)
def test_invariances_of_the_two_way_model(seed, shift, scale, overdispersed):
    """A constant added to a practice's exposure (or a month's) moves only that practice's
    (month's) effect; rescaling the exposure rescales beta; the order of the rows and the
    labels of practices do not matter."""
    f = simulated(12, 6, seed, overdispersed=overdispersed)
    base = fit_rate_ratio(f)
    beta = math.log(base.rate_ratio)
    shifted = f.assign(hours_before=f["hours_before"] + shift * (f["practice_code"] == "P003"))
    shifted.loc[shifted["month_start"] == "2026-02", "hours_before"] += shift
    again = fit_rate_ratio(shifted)
    assert again.family == base.family
    assert math.log(again.rate_ratio) == pytest.approx(beta, rel=1e-7, abs=1e-10)
    assert again.dispersion == pytest.approx(base.dispersion, rel=1e-7)
    rescaled = fit_rate_ratio(f.assign(hours_before=f["hours_before"] * scale))
    assert math.log(rescaled.rate_ratio) == pytest.approx(beta / scale, rel=1e-7, abs=1e-10)
    assert math.log(rescaled.ci_high / rescaled.rate_ratio) == pytest.approx(
        math.log(base.ci_high / base.rate_ratio) / scale, rel=1e-7
    )
    shuffled = f.sample(frac=1.0, random_state=seed).assign(
        practice_code=lambda d: "X" + d["practice_code"].str[::-1]
    )
    other = fit_rate_ratio(shuffled)
    assert (other.rate_ratio, other.ci_low, other.ci_high, other.dispersion) == pytest.approx(
        (base.rate_ratio, base.ci_low, base.ci_high, base.dispersion), rel=1e-9
    )


def test_national_size_allocates_no_cells_by_parameters_matrix():
    """6,300 practices x 36 months: the dense design would be 226,800 x 6,336 floats
    (11.5 GB); the fit's peak allocation stays under 200 MB."""
    rng = np.random.default_rng(5)
    n_practices, n_months = 6_300, 36
    p = np.repeat(np.arange(n_practices), n_months)
    m = np.tile(np.arange(n_months), n_practices)
    x = rng.uniform(0, 10, p.size)
    a = rng.normal(np.log(8), 0.5, n_practices)
    f = pd.DataFrame(
        {
            "practice_code": np.array([f"P{i:04d}" for i in range(n_practices)])[p],
            "month_start": m,
            "hours_before": x,
            "referral_count": rng.poisson(np.exp(a[p] + math.log(1.04) * x)),
        }
    )
    tracemalloc.start()
    try:
        rr = fit_rate_ratio(f)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200e6
    assert rr.family == "Poisson" and rr.n_practices == n_practices and rr.n_months == n_months
    assert rr.ci_low < 1.04 < rr.ci_high
