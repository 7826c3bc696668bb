"""Statistics for outcomes, waits and healthcare use: pure, deterministic, typed.

- `paired_change`: change in the same people between baseline and follow-up, with a t
  interval, effect sizes, a Wilcoxon signed-rank p-value and the share reaching the
  meaningful change (Wilson interval);
- `reliable_change` / `reliable_change_index` / `reliable_change_threshold`: Jacobson & Truax
  (1991) reliable change for each person;
- `mean_ci`, `wilson_interval`: intervals for a mean and for a proportion;
- `kaplan_meier`: time to an event (e.g. discharge) with open cases censored, with Greenwood
  log-log intervals and the median with its 95% interval (Brookmeyer & Crowley);
- `difference_in_differences`: change in the referred group minus change in a comparison
  group, with a Welch t interval;
- `funnel_limits`: re-exported from wellpath.funnel (control limits for rates by practice).

Degenerate inputs (no people, one person, no variation) give NaN or None in the affected
fields instead of raising, so a page with few records still draws. Methods and choices are
explained for commissioners in docs/methods.md.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wellpath.funnel import funnel_limits  # noqa: F401  (re-exported: the public API)

#: Jacobson & Truax's critical value for a reliable change (two-sided 5%), as published.
RELIABLE_CHANGE_Z = 1.96

NAN = float("nan")

# S_KM exactly 0.5 is tested with this tolerance (as R's survival package does with
# sqrt(machine epsilon)), so products like (9/10)(8/9)...(5/6) = 0.5 count as a half.
_HALF_TOLERANCE = 1.5e-8


def _as_array(values: Iterable[float] | np.ndarray | pd.Series) -> np.ndarray:
    """Floats, with None / NaN / pandas NA as NaN."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiub":
        return values.astype(float)  # a copy, as below; no Python loop over the values
    if isinstance(values, pd.Series) and values.dtype.kind in "fiub":
        return values.to_numpy(dtype=float, copy=True)
    return np.array([NAN if v is None or v is pd.NA else float(v) for v in values], dtype=float)


def _finite(values: Iterable[float]) -> np.ndarray:
    arr = _as_array(values)
    return arr[~np.isnan(arr)]


def _sd(arr: np.ndarray) -> float:
    """Sample standard deviation (n - 1); NaN for fewer than two values."""
    return float(np.std(arr, ddof=1)) if arr.size >= 2 else NAN


def _ratio(num: float, den: float) -> float:
    if math.isnan(num) or math.isnan(den) or den == 0:
        return NAN
    return num / den


def _sps():  # noqa: ANN202  (scipy.stats, imported when first needed: 2 s to import)
    from scipy import stats as sps

    return sps


def _special():  # noqa: ANN202
    # The functions scipy.stats's t and normal distributions call underneath (t.ppf is
    # special.stdtrit, t.sf special.stdtr at -x, norm.cdf special.ndtr): the same numbers
    # without the distribution objects' argument checking, which cost 50-90 us a call, and
    # pages summarise thousands of groups.
    from scipy import special

    return special


def _t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom (scipy's 2 * t.sf(|t|))."""
    return float(2 * _special().stdtr(df, -abs(t)))


#: scipy.stats.norm.ppf(0.975), to the last digit (tested): the 95% level's z without
#: importing scipy.
_Z_95 = 1.959963984540054


def _z(level: float) -> float:
    """The standard normal quantile for a two-sided `level` interval."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if level == 0.95:
        return _Z_95
    return float(_special().ndtri(0.5 + level / 2))


@functools.lru_cache(maxsize=8192)
def _t_quantile(level: float, df: float) -> float:
    # Cached: scipy's t.ppf costs about a millisecond a call in argument checking, and a page
    # asks for the same few (level, df) pairs for every group it summarises.
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    return float(_special().stdtrit(df, 0.5 + level / 2))


# --- means and proportions ------------------------------------------------------------------


@dataclass(frozen=True)
class MeanInterval:
    """A mean with its t interval; `n` counts the values that were not missing."""

    n: int
    mean: float
    sd: float
    ci_low: float
    ci_high: float
    level: float


def mean_ci(values: Iterable[float], level: float = 0.95) -> MeanInterval:
    """Mean and t interval: mean +/- t(1 - alpha/2, n - 1) * sd / sqrt(n). Missing values are
    left out. n = 0: all NaN; n = 1: the mean with a NaN interval; sd 0: a zero-width interval.
    """
    arr = _finite(values)
    n = int(arr.size)
    if n == 0:
        return MeanInterval(0, NAN, NAN, NAN, NAN, level)
    return mean_ci_from_summary(n, float(arr.mean()), _sd(arr), level)


def mean_ci_from_summary(n: int, mean: float, sd: float, level: float = 0.95) -> MeanInterval:
    """The t interval of `mean_ci` from a group's count, mean and SD (as SQL aggregates
    them), so a page need not fetch one row per person. n < 2 or a missing SD: no interval."""
    n = int(n)
    if n == 0:
        return MeanInterval(0, NAN, NAN, NAN, NAN, level)
    if n < 2 or sd is None or math.isnan(sd):
        return MeanInterval(n, mean, NAN if sd is None else sd, NAN, NAN, level)
    half = _t_quantile(level, n - 1) * sd / math.sqrt(n)
    return MeanInterval(n, mean, sd, mean - half, mean + half, level)


def mean_ci_from_summaries(
    n: Iterable[int], mean: Iterable[float], sd: Iterable[float], level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """`mean_ci_from_summary` for many groups at once (one t quantile call for all): the
    (ci_low, ci_high) arrays, NaN where a group has fewer than two values or no SD."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    counts = np.asarray(n, dtype=float)
    means, sds = _as_array(mean), _as_array(sd)
    low = np.full(counts.shape, NAN)
    high = np.full(counts.shape, NAN)
    ok = (counts >= 2) & ~np.isnan(sds)
    if ok.any():
        t = _special().stdtrit(counts[ok] - 1, 0.5 + level / 2)
        half = t * sds[ok] / np.sqrt(counts[ok])
        low[ok], high[ok] = means[ok] - half, means[ok] + half
    return low, high


def welch_interval_from_summary(
    n1: int, mean1: float, sd1: float, n2: int, mean2: float, sd2: float, level: float = 0.95
) -> tuple[float, float, float]:
    """mean1 - mean2 with a Welch interval, from each group's n, mean and SD (n >= 2 each)."""
    v1, v2 = sd1**2 / n1, sd2**2 / n2
    diff = mean1 - mean2
    se = math.sqrt(v1 + v2)
    if se == 0:
        return (diff, diff, diff)
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    half = _t_quantile(level, df) * se
    return (diff, diff - half, diff + half)


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (Wilson 1927; Newcombe 1998, Stat Med 17:857).

    Stays within [0, 1] and behaves at 0 and n successes, unlike the normal approximation.
    n = 0 gives (NaN, NaN).
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return (NAN, NAN)
    z = _z(level)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # at 0 or n successes the bound is exactly 0 or 1; rounding must not push it past p
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


# --- paired change ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PairedChange:
    """Change from baseline to follow-up in the same people (change = follow-up - baseline).

    `mean_change` keeps its sign; `mean_improvement` is the same number signed so that a
    positive value is better whichever way the scale runs.
    """

    n: int
    higher_is_better: bool
    mean_baseline: float
    mean_follow_up: float
    mean_change: float
    mean_improvement: float
    ci_low: float
    ci_high: float
    level: float
    sd_change: float
    sd_baseline: float
    sd_follow_up: float
    effect_size: float  # mean change / SD at baseline (Cohen's d for paired data, Kazis 1989)
    srm: float  # standardised response mean: mean change / SD of change
    p_t: float | None  # paired t-test, two-sided
    p_wilcoxon: float | None  # Wilcoxon signed-rank, two-sided, zero differences dropped
    improved_count: int
    unchanged_count: int
    worse_count: int
    share_improved: float
    mcid: float | None
    mcid_count: int | None  # improved by at least the meaningful change
    share_mcid: float | None
    share_mcid_ci_low: float | None
    share_mcid_ci_high: float | None


def _pairs(baseline: Iterable[float], follow_up: Iterable[float]) -> tuple[np.ndarray, np.ndarray]:
    b, f = _as_array(baseline), _as_array(follow_up)
    if b.shape != f.shape:
        raise ValueError(f"baseline has {b.size} values but follow-up has {f.size}")
    keep = ~(np.isnan(b) | np.isnan(f))
    return b[keep], f[keep]


#: Differences are compared at this many decimal places: scores are whole numbers, means of
#: up to five whole numbers (PSFS) or two-decimal metric scores (SWEMWBS), so rounding only
#: removes floating-point noise (13/3 - 10/3 = 0.9999999999999996 is a change of 1).
_CHANGE_DECIMALS = 9


def _exact_changes(diffs: np.ndarray) -> np.ndarray:
    """Changes with floating-point noise removed, so equal changes tie and no change is 0."""
    return np.round(diffs, _CHANGE_DECIMALS)


def _wilcoxon_p(diffs: np.ndarray) -> float | None:
    # Without rounding, 13/3 - 10/3 and 7/3 - 4/3 are different numbers, so tied ranks are
    # split and scipy takes the exact (no-ties) distribution: p 0.25 instead of 0.3125.
    diffs = _exact_changes(diffs)
    nonzero = diffs[diffs != 0]
    if nonzero.size == 0 or diffs.size < 2:
        return None
    # zero_method "wilcox" drops zero differences, as R's wilcox.test does; scipy chooses the
    # exact distribution for small samples without ties and the normal one otherwise
    result = _sps().wilcoxon(diffs, zero_method="wilcox", alternative="two-sided")
    p = float(result.pvalue)
    return None if math.isnan(p) else p


def paired_change(
    baseline: Iterable[float],
    follow_up: Iterable[float],
    *,
    mcid: float | None = None,
    higher_is_better: bool = True,
    level: float = 0.95,
) -> PairedChange:
    """Paired change statistics. Pairs with either value missing are left out.

    "Reaching the meaningful change" means improving by at least `mcid` points in the better
    direction (change >= mcid when higher is better, change <= -mcid when lower is better).
    """
    if mcid is not None and mcid < 0:
        raise ValueError("mcid is a size of change and must not be negative")
    b, f = _pairs(baseline, follow_up)
    d = f - b
    n = int(d.size)
    sign = 1.0 if higher_is_better else -1.0
    better = sign * _exact_changes(d)  # positive = improvement
    mean_change = float(d.mean()) if n else NAN
    ci = mean_ci(d, level)
    sd_change, sd_baseline = _sd(d), _sd(b)
    p_t: float | None = None
    if n >= 2 and sd_change > 0:
        p_t = float(_sps().ttest_rel(f, b).pvalue)
    improved = int((better > 0).sum())
    worse = int((better < 0).sum())
    mcid_count = share_mcid = mcid_low = mcid_high = None
    if mcid is not None:
        # a tiny allowance so that 3.0 - 0.0 == 3 is not lost to floating point (e.g. 21.54 -
        # 18.54 on the SWEMWBS metric scale)
        mcid_count = int((better >= mcid - 1e-9).sum())
        if n:
            share_mcid = mcid_count / n
            mcid_low, mcid_high = wilson_interval(mcid_count, n, level)
    return PairedChange(
        n=n,
        higher_is_better=higher_is_better,
        mean_baseline=float(b.mean()) if n else NAN,
        mean_follow_up=float(f.mean()) if n else NAN,
        mean_change=mean_change,
        mean_improvement=sign * mean_change,
        ci_low=ci.ci_low,
        ci_high=ci.ci_high,
        level=level,
        sd_change=sd_change,
        sd_baseline=sd_baseline,
        sd_follow_up=_sd(f),
        effect_size=_ratio(mean_change, sd_baseline),
        srm=_ratio(mean_change, sd_change),
        p_t=p_t,
        p_wilcoxon=_wilcoxon_p(d),
        improved_count=improved,
        unchanged_count=n - improved - worse,
        worse_count=worse,
        share_improved=improved / n if n else NAN,
        mcid=mcid,
        mcid_count=mcid_count,
        share_mcid=share_mcid,
        share_mcid_ci_low=mcid_low,
        share_mcid_ci_high=mcid_high,
    )


# --- reliable change (Jacobson & Truax 1991) ---------------------------------------------------


def _check_reliability(reliability: float) -> None:
    if reliability is None or not 0 <= reliability < 1:
        raise ValueError(f"reliability must be in [0, 1), got {reliability}")


def reliable_change_s_diff(*, reliability: float, sd: float) -> float:
    """S_diff = sqrt(2) * SE, SE = SD * sqrt(1 - r): the standard error of a difference."""
    _check_reliability(reliability)
    return math.sqrt(2.0) * sd * math.sqrt(1.0 - reliability)


def reliable_change_threshold(
    *,
    reliability: float,
    sd: float | None = None,
    baseline: Iterable[float] | None = None,
) -> float:
    """The change in points that counts as reliable: 1.96 * S_diff (strictly more than this).

    SD: `sd` when given, else the SD of `baseline` (missing values left out).
    """
    if sd is None:
        if baseline is None:
            raise ValueError("give sd or baseline")
        sd = _sd(_finite(baseline))
    return RELIABLE_CHANGE_Z * reliable_change_s_diff(reliability=reliability, sd=sd)


def _rci(
    baseline: Iterable[float],
    follow_up: Iterable[float],
    reliability: float,
    sd: float | None,
) -> tuple[np.ndarray, float]:
    # Complete pairs only, as paired_change and R's clinicalsignificance (na.omit) do; the SD
    # is then that of the baselines of the people classified.
    b, f = _pairs(baseline, follow_up)
    sd_used = _sd(b) if sd is None else float(sd)
    s_diff = reliable_change_s_diff(reliability=reliability, sd=sd_used)
    with np.errstate(divide="ignore", invalid="ignore"):
        rc = (f - b) / s_diff if s_diff > 0 else np.full(b.shape, NAN)
    return rc, sd_used


def reliable_change_index(
    baseline: Iterable[float],
    follow_up: Iterable[float],
    *,
    reliability: float,
    sd: float | None = None,
) -> list[float]:
    """RC = (follow-up - baseline) / S_diff for each complete pair (signed as the raw change).

    Pairs with either value missing are left out, so the list follows the complete pairs in
    order. SD: `sd` when given (e.g. a published norm), else the SD of the baselines of the
    complete pairs. NaN for all when the SD is 0 or cannot be computed (fewer than two).
    """
    rc, _ = _rci(baseline, follow_up, reliability, sd)
    return [float(v) for v in rc]


def reliable_change(
    baseline: Iterable[float],
    follow_up: Iterable[float],
    *,
    reliability: float,
    sd: float | None = None,
    higher_is_better: bool = True,
) -> list[str]:
    """ "improved", "unchanged" or "deteriorated" for each person (Jacobson & Truax 1991):
    |RC| > 1.96 is a reliable change, its sign (with the better direction) says which.
    Pairs with either value missing are left out (one entry per complete pair, in order;
    the SD is that of their baselines). When RC cannot be computed (SD 0 or one person)
    everyone is "unchanged"."""
    rc, _ = _rci(baseline, follow_up, reliability, sd)
    sign = 1.0 if higher_is_better else -1.0
    out = []
    for value in rc:
        if math.isnan(value) or abs(value) <= RELIABLE_CHANGE_Z:
            out.append("unchanged")
        else:
            out.append("improved" if sign * value > 0 else "deteriorated")
    return out


@dataclass(frozen=True)
class ReliableChangeSummary:
    """Counts of reliable change, with the values used, so a page can state them."""

    n: int
    improved_count: int
    unchanged_count: int
    deteriorated_count: int
    reliability: float
    sd_used: float
    s_diff: float
    threshold_points: float


def reliable_change_summary(
    baseline: Iterable[float],
    follow_up: Iterable[float],
    *,
    reliability: float,
    sd: float | None = None,
    higher_is_better: bool = True,
) -> ReliableChangeSummary:
    """`reliable_change` counted, with r, the SD used, S_diff and the threshold in points."""
    classes = reliable_change(
        baseline, follow_up, reliability=reliability, sd=sd, higher_is_better=higher_is_better
    )
    _, sd_used = _rci(baseline, follow_up, reliability, sd)
    s_diff = reliable_change_s_diff(reliability=reliability, sd=sd_used)
    return ReliableChangeSummary(
        n=len(classes),
        improved_count=classes.count("improved"),
        unchanged_count=classes.count("unchanged"),
        deteriorated_count=classes.count("deteriorated"),
        reliability=reliability,
        sd_used=sd_used,
        s_diff=s_diff,
        threshold_points=RELIABLE_CHANGE_Z * s_diff,
    )


# --- the same, from counted pairs (SQL aggregates) -------------------------------------------
# A page need not fetch one row per person: SQL counts how many pairs have each (baseline,
# follow-up) score pair, and these give the answers of `paired_change` and
# `reliable_change_summary` over the pairs the counts stand for (tested to agree).


def _weighted(
    baseline: Iterable[float], follow_up: Iterable[float], weights: Iterable[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    b, f, w = _as_array(baseline), _as_array(follow_up), _as_array(weights)
    if not b.shape == f.shape == w.shape:
        raise ValueError("baseline, follow-up and weights must have one value per row")
    keep = ~(np.isnan(b) | np.isnan(f) | np.isnan(w)) & (w > 0)
    if (w[keep] != np.round(w[keep])).any():
        raise ValueError("weights count pairs: they must be whole numbers")
    return b[keep], f[keep], w[keep]


def _weighted_mean(values: np.ndarray, weights: np.ndarray, n: float) -> float:
    return float(np.dot(values, weights) / n) if n else NAN


def _weighted_sd(values: np.ndarray, weights: np.ndarray, n: float) -> float:
    """`_sd` of the values each repeated `weights` times (0 when they are all one value)."""
    if n < 2:
        return NAN
    if np.unique(values).size == 1:
        return 0.0
    mean = np.dot(values, weights) / n
    return float(math.sqrt(np.dot(weights, (values - mean) ** 2) / (n - 1)))


#: Up to this many differences the Wilcoxon p-value is scipy's own on the repeated values
#: (scipy takes an exact or permutation distribution for 50 or fewer); above it, scipy's
#: normal approximation, worked out from the counts.
_WILCOXON_EXPAND_AT_OR_BELOW = 50


def _wilcoxon_p_counted(diffs: np.ndarray, weights: np.ndarray) -> float | None:
    """`_wilcoxon_p` of `diffs` each repeated `weights` times."""
    diffs = _exact_changes(diffs)
    total = int(weights.sum())
    if total <= _WILCOXON_EXPAND_AT_OR_BELOW:
        return _wilcoxon_p(np.repeat(diffs, weights.astype(int)))
    nonzero = diffs != 0
    if not nonzero.any() or total < 2:
        return None
    d, w = diffs[nonzero], weights[nonzero]
    size = np.abs(d)
    # tie groups of |d| (average ranks), as scipy's rankdata
    groups, inverse = np.unique(size, return_inverse=True)
    ties = np.bincount(inverse, weights=w)
    first = np.concatenate(([0.0], np.cumsum(ties)[:-1]))
    rank = first + (ties + 1.0) / 2.0
    r_plus = float(np.dot(w[d > 0], rank[inverse[d > 0]]))
    count = float(w.sum())
    mn = count * (count + 1.0) * 0.25
    se = count * (count + 1.0) * (2.0 * count + 1.0)
    se -= float((ties**3 - ties).sum()) / 2
    se = math.sqrt(se / 24)
    if se == 0:
        return None
    z = (r_plus - mn) / se
    ndtr = _special().ndtr
    p = float(2 * min(ndtr(z), ndtr(-z)))
    return None if math.isnan(p) else p


def paired_change_counted(
    baseline: Iterable[float],
    follow_up: Iterable[float],
    weights: Iterable[float],
    *,
    mcid: float | None = None,
    higher_is_better: bool = True,
    level: float = 0.95,
) -> PairedChange:
    """`paired_change` over the pairs (baseline[i], follow_up[i]), each `weights[i]` times:
    the same answer from SQL's counts of each score pair (one row per distinct pair)."""
    if mcid is not None and mcid < 0:
        raise ValueError("mcid is a size of change and must not be negative")
    b, f, w = _weighted(baseline, follow_up, weights)
    d = f - b
    n = int(w.sum())
    sign = 1.0 if higher_is_better else -1.0
    better = sign * _exact_changes(d)
    mean_change = _weighted_mean(d, w, n)
    sd_change, sd_baseline = _weighted_sd(d, w, n), _weighted_sd(b, w, n)
    ci = mean_ci_from_summary(n, mean_change, sd_change, level)
    p_t: float | None = None
    if n >= 2 and sd_change > 0:
        t = mean_change / (sd_change / math.sqrt(n))
        p_t = _t_two_sided_p(t, n - 1)
    improved = int(w[better > 0].sum())
    worse = int(w[better < 0].sum())
    mcid_count = share_mcid = mcid_low = mcid_high = None
    if mcid is not None:
        mcid_count = int(w[better >= mcid - 1e-9].sum())
        if n:
            share_mcid = mcid_count / n
            mcid_low, mcid_high = wilson_interval(mcid_count, n, level)
    return PairedChange(
        n=n,
        higher_is_better=higher_is_better,
        mean_baseline=_weighted_mean(b, w, n),
        mean_follow_up=_weighted_mean(f, w, n),
        mean_change=mean_change,
        mean_improvement=sign * mean_change,
        ci_low=ci.ci_low,
        ci_high=ci.ci_high,
        level=level,
        sd_change=sd_change,
        sd_baseline=sd_baseline,
        sd_follow_up=_weighted_sd(f, w, n),
        effect_size=_ratio(mean_change, sd_baseline),
        srm=_ratio(mean_change, sd_change),
        p_t=p_t,
        p_wilcoxon=_wilcoxon_p_counted(d, w) if n else None,
        improved_count=improved,
        unchanged_count=n - improved - worse,
        worse_count=worse,
        share_improved=improved / n if n else NAN,
        mcid=mcid,
        mcid_count=mcid_count,
        share_mcid=share_mcid,
        share_mcid_ci_low=mcid_low,
        share_mcid_ci_high=mcid_high,
    )


def reliable_change_summary_counted(
    baseline: Iterable[float],
    follow_up: Iterable[float],
    weights: Iterable[float],
    *,
    reliability: float,
    sd: float | None = None,
    higher_is_better: bool = True,
) -> ReliableChangeSummary:
    """`reliable_change_summary` over the pairs each `weights[i]` times (SQL's counts)."""
    b, f, w = _weighted(baseline, follow_up, weights)
    n = int(w.sum())
    sd_used = _weighted_sd(b, w, n) if sd is None else float(sd)
    s_diff = reliable_change_s_diff(reliability=reliability, sd=sd_used)
    with np.errstate(divide="ignore", invalid="ignore"):
        rc = (f - b) / s_diff if s_diff > 0 else np.full(b.shape, NAN)
    sign = 1.0 if higher_is_better else -1.0
    reliable = ~np.isnan(rc) & (np.abs(rc) > RELIABLE_CHANGE_Z)
    improved = int(w[reliable & (sign * rc > 0)].sum())
    deteriorated = int(w[reliable & (sign * rc <= 0)].sum())
    return ReliableChangeSummary(
        n=n,
        improved_count=improved,
        unchanged_count=n - improved - deteriorated,
        deteriorated_count=deteriorated,
        reliability=reliability,
        sd_used=sd_used,
        s_diff=s_diff,
        threshold_points=RELIABLE_CHANGE_Z * s_diff,
    )


# --- Kaplan-Meier ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan-Meier curve and its median.

    `curve` has one row per distinct time with an event or censoring, after time 0:
    time, at_risk, events, censored, survival, std_err (Greenwood, of survival), ci_low,
    ci_high (log-log). Survival is the share still without the event just after `time`.
    Median: the first time survival is at or below 0.5 (the midpoint to the next event time
    when it is exactly 0.5 there, which makes it the ordinary median without censoring); NaN
    when the curve never gets there. Its interval is where the interval curves cross 0.5.
    """

    n: int
    events: int
    curve: pd.DataFrame
    median: float
    median_ci_low: float
    median_ci_high: float
    level: float


def kaplan_meier(
    durations: Iterable[float],
    ended: Iterable[bool],
    level: float = 0.95,
    *,
    conf_type: str = "log-log",
) -> KaplanMeier:
    """Kaplan-Meier estimate for `durations` (e.g. days on caseload); `ended` False = censored
    (still open on the report date). Events and censorings at the same time: the censored
    people are counted at risk at that time (the usual convention).

    Greenwood variance, log-log interval: S ** exp(+/- z * se), se = sqrt(sum d/(n(n-d))) /
    |log S| (Kalbfleisch & Prentice; the default of Stata and SAS). Median interval after
    Brookmeyer & Crowley (1982): from the first time the lower interval curve is at or below
    0.5 to the first time the upper one is (NaN, "not reached", when it never is).
    `conf_type="log"` gives R survfit's default interval instead: S * exp(+/- z * sqrt(sum
    d/(n(n-d)))), capped at 1.
    """
    t = _as_array(durations)
    e = np.asarray(list(ended), dtype=bool)
    if t.shape != e.shape:
        raise ValueError(f"{t.size} durations but {e.size} ended flags")
    return kaplan_meier_groups(t, e, None, level, conf_type=conf_type)[0]


_KM_COLUMNS = ["time", "at_risk", "events", "censored", "survival", "std_err", "ci_low", "ci_high"]


def _median_from(times: np.ndarray, surv: np.ndarray) -> float:
    """First time the curve is at or below 0.5 (NaN skipped); midpoint rule for exactly 0.5:
    halfway to the next time it falls."""
    below = np.flatnonzero(surv <= 0.5 + _HALF_TOLERANCE)  # NaN compares False
    if below.size == 0:
        return NAN
    i = int(below[0])
    if abs(surv[i] - 0.5) <= _HALF_TOLERANCE:
        later = np.flatnonzero(surv[i + 1 :] < surv[i] - _HALF_TOLERANCE)
        return (times[i] + times[i + 1 + later[0]]) / 2 if later.size else float(times[i])
    return float(times[i])


@dataclass(frozen=True)
class KaplanMeierArrays:
    """One group's Kaplan-Meier fit as arrays (the columns of `KaplanMeier.curve`), for
    callers that need a frame for a few groups only."""

    n: int
    events: int
    time: np.ndarray
    at_risk: np.ndarray
    event_count: np.ndarray
    censored: np.ndarray
    survival: np.ndarray
    std_err: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    median: float
    median_ci_low: float
    median_ci_high: float
    level: float

    def result(self) -> KaplanMeier:
        if not self.n:
            empty = pd.DataFrame(columns=_KM_COLUMNS)
            return KaplanMeier(0, 0, empty, NAN, NAN, NAN, self.level)
        curve = pd.DataFrame(
            {
                "time": self.time,
                "at_risk": self.at_risk,
                "events": self.event_count,
                "censored": self.censored,
                "survival": self.survival,
                "std_err": self.std_err,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
            }
        )
        return KaplanMeier(
            self.n,
            self.events,
            curve,
            self.median,
            self.median_ci_low,
            self.median_ci_high,
            self.level,
        )


def kaplan_meier_groups(
    durations: np.ndarray | pd.Series | Iterable[float],
    ended: np.ndarray | pd.Series | Iterable[bool],
    groups: np.ndarray | pd.Series | Iterable[int] | None = None,
    level: float = 0.95,
    *,
    conf_type: str = "log-log",
    counts: np.ndarray | pd.Series | Iterable[int] | None = None,
) -> list[KaplanMeier]:
    """`kaplan_meier` for every group at once: one sort of (group, time) and array sums, not
    a pass over the rows per distinct time per group (265 practices of 80,000 episodes: tens
    of milliseconds, not seconds).

    `groups`: integer codes 0..G-1, one per duration (None: one group); returns G results,
    by code (a code with no rows gets the empty result). The same estimate as computing each
    group on its own: the products and sums run in the same order, so survival, the numbers
    at risk and the medians are the same numbers; the interval ends may differ from a
    scalar loop in the last binary digit (numpy's exp and log).

    `counts`: how many episodes each row stands for (None: one each), so that durations
    counted in SQL (a few thousand rows for two million episodes) give the same estimate as
    the rows one per episode.
    """
    fits = kaplan_meier_arrays(durations, ended, groups, level, conf_type, counts=counts)
    return [fit.result() for fit in fits]


def kaplan_meier_arrays(
    durations: np.ndarray | pd.Series | Iterable[float],
    ended: np.ndarray | pd.Series | Iterable[bool],
    groups: np.ndarray | pd.Series | Iterable[int] | None = None,
    level: float = 0.95,
    conf_type: str = "log-log",
    *,
    counts: np.ndarray | pd.Series | Iterable[int] | None = None,
) -> list[KaplanMeierArrays]:
    """`kaplan_meier_groups` as arrays, without building a frame per group."""
    if conf_type not in ("log-log", "log"):
        raise ValueError(f"conf_type must be 'log-log' or 'log', not {conf_type!r}")
    t = np.asarray(durations, dtype=float)
    e = np.asarray(ended, dtype=bool)
    if t.shape != e.shape:
        raise ValueError(f"{t.size} durations but {e.size} ended flags")
    if np.isnan(t).any():
        raise ValueError("durations must not be missing")
    if (t < 0).any():
        raise ValueError("durations must not be negative")
    g = np.zeros(t.shape, dtype=np.int64) if groups is None else np.asarray(groups, np.int64)
    if g.shape != t.shape:
        raise ValueError(f"{t.size} durations but {g.size} group codes")
    if g.size and g.min() < 0:
        raise ValueError("group codes must be 0 or more")
    n_groups = 1 if groups is None else (int(g.max()) + 1 if g.size else 0)
    if counts is None:
        k = np.ones(t.shape, dtype=np.int64)
    else:
        k = np.asarray(counts)
        if k.shape != t.shape:
            raise ValueError(f"{t.size} durations but {k.size} counts")
        if k.size and (k.dtype.kind not in "iu" or k.min() < 0):
            raise ValueError("counts must be whole numbers, 0 or more")
        k = k.astype(np.int64)
        if (k == 0).any():
            # a row of no episodes is no time at which anyone left
            t, e, g, k = t[k > 0], e[k > 0], g[k > 0], k[k > 0]
    z = _z(level)
    if _is_sorted_by_group_and_time(g, t):
        # as caseload_duration_counts returns them: sorting 1.6M national rows again took
        # a third of a second
        ts, gs, es, ks = t, g, e, k
    else:
        order = np.lexsort((t, g))
        ts, gs, es, ks = t[order], g[order], e[order], k[order]
    n = ts.size
    # one row per distinct (group, time): events and censorings there
    new = np.ones(n, dtype=bool)
    new[1:] = (gs[1:] != gs[:-1]) | (ts[1:] != ts[:-1])
    starts = np.flatnonzero(new)
    leaving = np.add.reduceat(ks, starts) if n else np.zeros(0, np.int64)
    events = np.add.reduceat(ks * es, starts) if n else np.zeros(0, np.int64)
    censored = leaving - events
    row_group, row_time = gs[starts], ts[starts]
    bounds = np.searchsorted(row_group, np.arange(n_groups + 1))
    size = np.bincount(g, weights=k, minlength=n_groups).astype(np.int64)
    # Every group at once (6,300 practices: one pass of array arithmetic, not 6,300): the
    # numbers at risk are integer sums, exact in any order; the products and sums that run
    # along a group are done per group in its order (_segment_accumulate), so they are the
    # same numbers as a loop over each group's times.
    first = bounds[row_group] if n else np.zeros(0, np.int64)
    before = np.cumsum(leaving) - leaving
    at_risk = size[row_group] - (before - before[first]) if n else np.zeros(0, np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = _segment_accumulate(np.multiply, 1.0 - events / at_risk, row_group, bounds)
        step = np.where(at_risk > events, events / (at_risk * (at_risk - events)), math.inf)
    step[events == 0] = 0.0
    greenwood = _segment_accumulate(np.add, step, row_group, bounds)
    std_err = np.full(survival.shape, NAN)
    low = np.full(survival.shape, NAN)
    high = np.full(survival.shape, NAN)
    full = survival >= 1
    std_err[full], low[full], high[full] = 0.0, 1.0, 1.0
    mid = (survival > 0) & ~full
    s_mid, root = survival[mid], np.sqrt(greenwood[mid])
    std_err[mid] = s_mid * root
    if conf_type == "log":
        low[mid] = s_mid * np.exp(-z * root)
        high[mid] = np.minimum(1.0, s_mid * np.exp(z * root))
    else:
        se_loglog = root / np.abs(np.log(s_mid))
        low[mid] = s_mid ** np.exp(z * se_loglog)
        high[mid] = s_mid ** np.exp(-z * se_loglog)
    # once survival reaches 0 the interval is undefined; the curve is then at 0
    gone = survival <= 0
    medians = _segment_medians(row_time, survival, bounds)
    # the lower curve falls through 0.5 first: the lower end of the interval
    medians_low = _segment_medians(row_time, np.where(gone, 0.0, low), bounds)
    medians_high = _segment_medians(row_time, np.where(gone, 0.0, high), bounds)
    at_risk_int = at_risk.astype(np.int64)
    none = np.zeros(0)
    results = []
    for code in range(n_groups):
        lo, hi = int(bounds[code]), int(bounds[code + 1])
        if lo == hi:
            results.append(
                KaplanMeierArrays(
                    0, 0, none, none, none, none, none, none, none, none, NAN, NAN, NAN, level
                )
            )
            continue
        results.append(
            KaplanMeierArrays(
                n=int(size[code]),
                events=int(events[lo:hi].sum()),
                time=row_time[lo:hi],
                at_risk=at_risk_int[lo:hi],
                event_count=events[lo:hi],
                censored=censored[lo:hi],
                survival=survival[lo:hi],
                std_err=std_err[lo:hi],
                ci_low=low[lo:hi],
                ci_high=high[lo:hi],
                median=medians[code],
                median_ci_low=medians_low[code],
                median_ci_high=medians_high[code],
                level=level,
            )
        )
    return results


def _is_sorted_by_group_and_time(groups: np.ndarray, times: np.ndarray) -> bool:
    """Whether the rows are in (group, time) order already, as np.lexsort((times, groups))
    would put them (ties in any order: their sums do not depend on it)."""
    if groups.size < 2:
        return True
    same = groups[1:] == groups[:-1]
    return bool(np.all((groups[1:] > groups[:-1]) | (same & (times[1:] >= times[:-1]))))


#: Cells of the padded (groups x times) blocks _segment_accumulate works in: about 64 MB.
_SEGMENT_BLOCK_CELLS = 8_000_000


def _segment_accumulate(
    ufunc: np.ufunc, values: np.ndarray, segment: np.ndarray, bounds: np.ndarray
) -> np.ndarray:
    """`ufunc.accumulate` (cumulative product or sum) within each run of `values` that
    `bounds` marks (segment g is values[bounds[g]:bounds[g + 1]]; `segment` gives each
    value's g), restarting at each. The segments are laid side by side as rows of a block
    padded with the ufunc's identity and accumulated along the rows: each row's values are
    combined one after another in their order, as a loop over that segment would (an
    accumulate is sequential), so the results are the same numbers. Segments of similar
    length share a block, so a few long ones do not pad thousands of short ones."""
    out = np.empty(values.shape, dtype=float)
    if not values.size:
        return out
    lengths = np.diff(bounds)
    position = np.arange(values.size) - bounds[segment]
    by_length = np.argsort(-lengths, kind="stable")
    by_length = by_length[lengths[by_length] > 0]
    i = 0
    while i < by_length.size:
        width = int(lengths[by_length[i]])
        rows = max(1, _SEGMENT_BLOCK_CELLS // width)
        chosen = by_length[i : i + rows]
        block = np.full((chosen.size, width), float(ufunc.identity))
        row_of = np.full(bounds.size, -1, dtype=np.int64)
        row_of[chosen] = np.arange(chosen.size)
        take = row_of[segment] >= 0
        block[row_of[segment[take]], position[take]] = values[take]
        ufunc.accumulate(block, axis=1, out=block)
        out[take] = block[row_of[segment[take]], position[take]]
        i += rows
    return out


def _segment_medians(times: np.ndarray, curve: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """`_median_from` for each segment of `curve` (as in _segment_accumulate): the first time
    it is at or below 0.5, found for every segment at once; a segment whose first such value
    is 0.5 itself (the midpoint rule) goes to `_median_from`, so each is its answer."""
    n_segments = bounds.size - 1
    out = np.full(n_segments, NAN)
    if not curve.size:
        return out
    index = np.arange(curve.size)
    below = curve <= 0.5 + _HALF_TOLERANCE  # NaN compares False
    candidate = np.where(below, index, curve.size)
    starts = bounds[:-1]
    filled = starts < bounds[1:]
    first = np.full(n_segments, curve.size)
    first[filled] = np.minimum.reduceat(candidate, starts[filled])
    # reduceat over a segment reads from its start to the next start: the answer is in the
    # segment when it is before the segment's end
    found = first < bounds[1:]
    out[found] = times[first[found]]
    half = found.copy()
    half[found] = np.abs(curve[first[found]] - 0.5) <= _HALF_TOLERANCE
    for code in np.flatnonzero(half):
        lo, hi = int(bounds[code]), int(bounds[code + 1])
        out[code] = _median_from(times[lo:hi], curve[lo:hi])
    return out


# --- difference in differences -----------------------------------------------------------------


@dataclass(frozen=True)
class DifferenceInDifferences:
    """Change in the referred group minus change in the comparison group (after - before),
    with a Welch t interval on the per-person changes of the two independent groups."""

    n_referred: int
    n_comparison: int
    change_referred: float
    change_comparison: float
    difference: float
    std_err: float
    df: float
    ci_low: float
    ci_high: float
    p_value: float | None
    level: float


def welch_difference(
    changes_referred: Iterable[float],
    changes_comparison: Iterable[float],
    *,
    level: float = 0.95,
) -> DifferenceInDifferences:
    """Difference of two independent means with a Welch (unequal variances) t interval.

    Missing values are left out; fewer than two people in a group gives a NaN interval.
    """
    a, b = _finite(changes_referred), _finite(changes_comparison)
    na, nb = int(a.size), int(b.size)
    mean_a = float(a.mean()) if na else NAN
    mean_b = float(b.mean()) if nb else NAN
    diff = mean_a - mean_b
    if na < 2 or nb < 2:
        return DifferenceInDifferences(
            na, nb, mean_a, mean_b, diff, NAN, NAN, NAN, NAN, None, level
        )
    va, vb = _sd(a) ** 2 / na, _sd(b) ** 2 / nb
    se = math.sqrt(va + vb)
    if se == 0:
        return DifferenceInDifferences(
            na, nb, mean_a, mean_b, diff, 0.0, NAN, diff, diff, None, level
        )
    # Welch-Satterthwaite degrees of freedom
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    half = _t_quantile(level, df) * se
    p = _t_two_sided_p(diff / se, df)
    return DifferenceInDifferences(
        na, nb, mean_a, mean_b, diff, se, df, diff - half, diff + half, p, level
    )


def difference_in_differences(
    referred_before: Iterable[float],
    referred_after: Iterable[float],
    comparison_before: Iterable[float],
    comparison_after: Iterable[float],
    *,
    level: float = 0.95,
) -> DifferenceInDifferences:
    """(after - before) in the referred group minus (after - before) in the comparison group.

    Each group's before and after are per person, in the same order (e.g. GP appointments in
    the 12 months before and after referral, and the comparison cohort over the same calendar
    months). People with either value missing are left out.
    """
    rb, ra = _pairs(referred_before, referred_after)
    cb, ca = _pairs(comparison_before, comparison_after)
    return welch_difference(ra - rb, ca - cb, level=level)
