"""Funnel plots: comparing practices' rates per 1,000 registered patients fairly.

A funnel plot draws each practice's rate against its list size, with control limits around
the overall rate that narrow as the list size grows (Spiegelhalter DJ. Funnel plots for
comparing institutional performance. Stat Med 2005;24:1185-1202). A practice outside the
limits differs from the overall rate by more than chance would explain; inside, it does not,
however it would rank in a league table.

The counts are taken as Poisson with mean = overall rate x list size. Limits are exact
Poisson quantiles, smoothed by Spiegelhalter's interpolation (2005, appendix A.1.1), as in
the PHE/OHID funnel plot tools: with y the p-quantile, the limit is y - a where
a = (P(Y <= y) - p) / P(Y = y). This makes the limit a continuous, increasing function of p
(and of list size) instead of a staircase, and a practice with a count of exactly O lies
beyond the upper limit at level p exactly when P(Y <= O) > p. The `z` reported for a
practice is the normal quantile of that same probability, so |z| > 1.96 exactly when it is
outside the 95% funnel as drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


def _special():  # noqa: ANN202
    """scipy.special, imported when a funnel is first drawn."""
    from scipy import special

    return special


# scipy.stats's Poisson and normal functions, computed as scipy.stats computes them (from
# scipy.special, with rv_discrete's handling of the support and of invalid means) without
# importing scipy.stats: 0.5 s in a new server process, most of the Referrals page's first
# funnel. tests/unit/test_funnel.py holds them equal to scipy.stats, element for element.


def _poisson_cdf(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    k, mu = np.broadcast_arrays(np.floor(np.asarray(k, dtype=float)), np.asarray(mu, float))
    out = np.where(k >= 0, _special().pdtr(np.maximum(k, 0), mu), 0.0)
    return np.where((mu >= 0) & ~np.isnan(k), out, np.nan)


def _poisson_sf(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    k, mu = np.broadcast_arrays(np.floor(np.asarray(k, dtype=float)), np.asarray(mu, float))
    out = np.where(k >= 0, _special().pdtrc(np.maximum(k, 0), mu), 1.0)
    return np.where((mu >= 0) & ~np.isnan(k), out, np.nan)


def _poisson_pmf(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    special = _special()
    k, mu = np.broadcast_arrays(np.asarray(k, dtype=float), np.asarray(mu, dtype=float))
    whole = (k == np.floor(k)) & (k >= 0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        value = np.exp(special.xlogy(k, mu) - special.gammaln(k + 1) - mu)
    return np.where((mu >= 0) & ~np.isnan(k), np.where(whole, value, 0.0), np.nan)


def _poisson_ppf(q: float, mu: np.ndarray) -> np.ndarray:
    special = _special()
    mu = np.asarray(mu, dtype=float)
    with np.errstate(invalid="ignore"):
        vals = np.ceil(special.pdtrik(q, mu))
        below = np.maximum(vals - 1, 0)
        found = np.where(special.pdtr(below, mu) >= q, below, vals)
    if q == 0:  # below the support, whatever the mean (as scipy.stats says)
        return np.full_like(mu, -1.0)
    if q == 1:
        found = np.full_like(mu, np.inf)
    elif not 0 < q < 1:
        found = np.full_like(mu, np.nan)
    return np.where(mu >= 0, found, np.nan)


def _norm_ppf(q: np.ndarray) -> np.ndarray:
    return _special().ndtri(q)


def _norm_isf(q: np.ndarray) -> np.ndarray:
    return -_special().ndtri(q)


DEFAULT_LEVELS = (0.95, 0.998)

BANDS = ("below 99.8%", "below 95%", "within 95%", "above 95%", "above 99.8%")

BAND_LABELS = {
    "below 99.8%": "Much lower than expected (below the 99.8% limit)",
    "below 95%": "Lower than expected (below the 95% limit)",
    "within 95%": "In line with the overall rate (within the 95% limits)",
    "above 95%": "Higher than expected (above the 95% limit)",
    "above 99.8%": "Much higher than expected (above the 99.8% limit)",
}


def level_suffix(level: float) -> str:
    """Column suffix for a limit level: 0.95 -> '95', 0.998 -> '998'."""
    return f"{level * 100:g}".replace(".", "")


def overall_rate(
    events: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    per: float = 1000,
) -> float:
    """The pooled rate: all events over all denominators, per `per`."""
    total = float(np.sum(denominators))
    if total <= 0:
        raise ValueError("the denominators must add up to more than zero")
    return float(np.sum(events)) / total * per


def poisson_limit_count(p: float, expected: np.ndarray) -> np.ndarray:
    """Spiegelhalter's interpolated Poisson p-quantile of the count, floored at 0."""
    expected = np.asarray(expected, dtype=float)
    quantile = _poisson_ppf(p, expected)
    at = _poisson_cdf(quantile, expected)
    below = _poisson_cdf(quantile - 1, expected)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = (at - p) / (at - below)
    return np.maximum(quantile - alpha, 0.0)


def funnel_limits(
    denominators: Sequence[float] | np.ndarray,
    overall_rate: float,
    *,
    levels: Sequence[float] = DEFAULT_LEVELS,
    per: float = 1000,
) -> pd.DataFrame:
    """Control limits for a rate per `per` at each denominator (e.g. list size).

    Columns: denominator, rate (the overall rate), expected_count, and for each level
    lower_<level>/upper_<level> as rates per `per` (lower_95, upper_95, lower_998, ...).
    A denominator of 0 has no limits (NaN).
    """
    if overall_rate < 0:
        raise ValueError("the overall rate cannot be negative")
    denominator = np.asarray(denominators, dtype=float)
    if (denominator < 0).any():
        raise ValueError("denominators cannot be negative")
    expected = denominator * overall_rate / per
    frame = pd.DataFrame(
        {
            "denominator": denominator,
            "rate": np.full(denominator.shape, float(overall_rate)),
            "expected_count": expected,
        }
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(denominator > 0, per / denominator, np.nan)
    for level in levels:
        if not 0 < level < 1:
            raise ValueError(f"a limit level must lie between 0 and 1, not {level}")
        tail = (1 - level) / 2
        suffix = level_suffix(level)
        frame[f"lower_{suffix}"] = poisson_limit_count(tail, expected) * scale
        frame[f"upper_{suffix}"] = poisson_limit_count(1 - tail, expected) * scale
    return frame


def funnel_curve(
    overall_rate: float,
    max_denominator: float,
    *,
    min_denominator: float = 1.0,
    points: int = 300,
    levels: Sequence[float] = DEFAULT_LEVELS,
    per: float = 1000,
) -> pd.DataFrame:
    """Limits on a grid of denominators, spaced evenly on a log scale, for drawing."""
    grid = np.geomspace(max(min_denominator, 1.0), max(max_denominator, 2.0), points)
    return funnel_limits(grid, overall_rate, levels=levels, per=per)


def _cumulative_position(observed: np.ndarray, expected: np.ndarray) -> tuple:
    """P(Y <= O) under the interpolated distribution, with its upper tail kept accurate:
    (lower-tail probability, upper-tail probability)."""
    k = np.ceil(observed)
    fraction = observed - (k - 1)  # 1 for a whole count
    lower = _poisson_cdf(k - 1, expected) + fraction * _poisson_pmf(k, expected)
    upper = _poisson_sf(k, expected) + (1 - fraction) * _poisson_pmf(k, expected)
    return lower, upper


def funnel_positions(
    observed: Sequence[float] | np.ndarray,
    denominators: Sequence[float] | np.ndarray,
    overall_rate: float,
    *,
    per: float = 1000,
) -> pd.DataFrame:
    """Where each unit falls on the funnel: columns observed, denominator, rate,
    expected_count, z, band (one of BANDS; None where the denominator is 0)."""
    observed_arr = np.asarray(observed, dtype=float)
    denominator = np.asarray(denominators, dtype=float)
    if (observed_arr < 0).any() or (denominator < 0).any():
        raise ValueError("counts and denominators cannot be negative")
    expected = denominator * overall_rate / per
    lower, upper = _cumulative_position(observed_arr, expected)
    # The interpolated distribution reaches below 0 (its limits are floored at 0 when drawn),
    # so with a tiny expected count (or an overall rate of 0) a count of 0 would sit in its
    # upper tail. No events can never be more than expected: at worst it is as expected.
    none_seen = observed_arr == 0
    upper = np.where(none_seen, np.maximum(upper, 0.5), upper)
    lower = np.where(none_seen, np.minimum(lower, 0.5), lower)
    z = np.where(lower < 0.5, _norm_ppf(lower), _norm_isf(upper))
    band = np.select(
        [upper < 0.001, upper < 0.025, lower < 0.001, lower < 0.025],
        ["above 99.8%", "above 95%", "below 99.8%", "below 95%"],
        default="within 95%",
    ).astype(object)
    undefined = ~(denominator > 0)
    band[undefined] = None
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(denominator > 0, observed_arr / denominator * per, np.nan)
    return pd.DataFrame(
        {
            "observed": observed_arr,
            "denominator": denominator,
            "rate": rate,
            "expected_count": expected,
            "z": np.where(undefined, np.nan, z),
            "band": band,
        }
    )


@dataclass(frozen=True)
class FunnelPosition:
    band: str | None
    z: float


def funnel_position(
    observed: float, denominator: float, overall_rate: float, *, per: float = 1000
) -> FunnelPosition:
    """Which band one unit falls in (e.g. "within 95%", "above 99.8%") and its z-score."""
    row = funnel_positions([observed], [denominator], overall_rate, per=per).iloc[0]
    return FunnelPosition(band=row["band"], z=float(row["z"]))
