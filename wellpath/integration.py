"""Integration with practices: the association between a link worker's engagement with a
practice in a month and the practice's referrals in the month after (docs/methods.md).

The model: referrals of practice p in month m ~ Poisson(exp(a_p + b_m + beta * x_{p,m-1})),
x = engagement hours in the month before; a_p (practice effects) absorb list size and
everything else constant about a practice, b_m (month effects) everything the practices
share in a month (seasons, the service's growth, publicity). exp(beta) is the rate ratio
per hour of engagement, with its Wald 95% CI. When the Pearson dispersion (chi-squared over
residual degrees of freedom) exceeds 1.5, the counts vary more than Poisson allows and the
model is refitted as a negative binomial (NB2, alpha estimated by maximum likelihood), whose
CI is wider. Practices (or months) with no referrals at all carry no information about beta
under practice (month) effects and are left out. It is an association, not an effect.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

OVERDISPERSION_THRESHOLD = 1.5
Z95 = 1.959963984540054
CAVEAT = (
    "This is an association, not proof that engagement causes referrals: practices that "
    "welcome the link worker may refer more for other reasons, and a practice that refers "
    "more may draw the worker in more."
)


@dataclass(frozen=True)
class RateRatio:
    rate_ratio: float
    ci_low: float
    ci_high: float
    family: str  # "Poisson" or "negative binomial"
    dispersion: float | None  # Pearson chi-squared / residual df of the Poisson fit
    alpha: float | None  # negative binomial: the estimated overdispersion
    n_cells: int  # practice-months in the model
    n_practices: int
    n_months: int
    n_events: int


def model_frame(by_month: pd.DataFrame) -> pd.DataFrame:
    """Practice-months with the engagement hours of the month before (`hours_before`).

    by_month: one row per practice and month (practice_code, month_start,
    engagement_minutes, referral_count), every month of the period present. A practice's
    first month has no month before in the data and is left out.
    """
    f = by_month[["practice_code", "month_start", "engagement_minutes", "referral_count"]].copy()
    f["month_start"] = pd.to_datetime(f["month_start"])
    f = f.sort_values(["practice_code", "month_start"]).reset_index(drop=True)
    hours = f["engagement_minutes"].astype(float) / 60.0
    previous = f.groupby("practice_code")["month_start"].shift(1)
    consecutive = previous == f["month_start"] - pd.DateOffset(months=1)
    f["hours_before"] = hours.groupby(f["practice_code"]).shift(1).where(consecutive)
    return f[f["hours_before"].notna()].reset_index(drop=True)


def fit_rate_ratio(
    frame: pd.DataFrame,
    *,
    outcome: str = "referral_count",
    exposure: str = "hours_before",
    group: str = "practice_code",
    time: str = "month_start",
) -> RateRatio | None:
    """The rate ratio per unit of `exposure`, with practice and month effects; None when the
    data cannot say (fewer than two practices or months with referrals, no variation in the
    exposure, or missing outcomes)."""
    import statsmodels.api as sm

    f = frame[[outcome, exposure, group, time]].copy()
    if f[outcome].isna().any():
        return None
    f[outcome] = f[outcome].astype(float)
    f = f[f.groupby(group)[outcome].transform("sum") > 0]
    f = f[f.groupby(time)[outcome].transform("sum") > 0]
    if f[group].nunique() < 2 or f[time].nunique() < 2 or f[exposure].nunique() < 2:
        return None
    design = pd.get_dummies(f[[group, time]].astype(str), drop_first=True, dtype=float).reset_index(
        drop=True
    )
    design.insert(0, "const", 1.0)
    design[exposure] = f[exposure].astype(float).to_numpy()
    y = f[outcome].to_numpy()
    if design.shape[1] > len(y):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poisson = sm.GLM(y, design, family=sm.families.Poisson()).fit()
    df_resid = poisson.df_resid
    dispersion = float(poisson.pearson_chi2 / df_resid) if df_resid > 0 else None
    beta, se = float(poisson.params[exposure]), float(poisson.bse[exposure])
    family, alpha = "Poisson", None
    if dispersion is not None and dispersion > OVERDISPERSION_THRESHOLD:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = sm.NegativeBinomial(y, design, loglike_method="nb2").fit(
                start_params=np.append(poisson.params.to_numpy(), 0.1), disp=0, maxiter=200
            )
        if np.isfinite(nb.bse[exposure]):
            beta, se = float(nb.params[exposure]), float(nb.bse[exposure])
            family, alpha = "negative binomial", float(nb.params["alpha"])
    if not (math.isfinite(beta) and math.isfinite(se)):
        return None
    return RateRatio(
        rate_ratio=math.exp(beta),
        ci_low=math.exp(beta - Z95 * se),
        ci_high=math.exp(beta + Z95 * se),
        family=family,
        dispersion=dispersion,
        alpha=alpha,
        n_cells=len(y),
        n_practices=int(f[group].nunique()),
        n_months=int(f[time].nunique()),
        n_events=int(y.sum()),
    )
