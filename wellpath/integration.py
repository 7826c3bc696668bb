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

The fit never forms the practice and month dummies (6,300 practices would make a dense
design of 1.4 GB per year of months): it is Newton's method on the full likelihood in which
the practice block of the information matrix is diagonal and is eliminated by a Schur
complement, leaving a system of (months + 1) or, for the negative binomial, (months + 2)
unknowns; the covariance of beta is the same block of the inverse of the full information
matrix, so the estimates, Wald intervals and dispersion are those of the dense model
(statsmodels' GLM Poisson and NegativeBinomial(loglike_method="nb2"), tests/unit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

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
    f["month_start"] = pd.to_datetime(f["month_start"], cache=False)  # no uniqueness scan
    f = f.sort_values(["practice_code", "month_start"]).reset_index(drop=True)
    hours = f["engagement_minutes"].astype(float) / 60.0
    # Sorted by practice, the row before is the practice's month before when it has the
    # same practice code (a missing code matches nothing, as groupby leaves it out).
    same = (f["practice_code"] == f["practice_code"].shift(1)).to_numpy()
    month = f["month_start"]
    if (month.dt.day == 1).all() and (month == month.dt.normalize()).all():
        ordinal = (month.dt.year * 12 + month.dt.month).to_numpy()
        consecutive = same & (np.diff(ordinal, prepend=ordinal[:1]) == 1)
    else:
        previous = month.shift(1).where(same)
        consecutive = (previous == month - pd.DateOffset(months=1)).to_numpy()
    f["hours_before"] = hours.shift(1).where(consecutive)
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
    exposure, an exposure the practice and month effects explain entirely, or missing
    outcomes)."""
    f = frame[[outcome, exposure, group, time]]
    if f[outcome].isna().any():
        return None
    f = f[f.groupby(group)[outcome].transform("sum").to_numpy() > 0]
    f = f[f.groupby(time)[outcome].transform("sum").to_numpy() > 0]
    if f[group].nunique() < 2 or f[time].nunique() < 2 or f[exposure].nunique() < 2:
        return None
    panel = _Panel(
        f[outcome].to_numpy(dtype=float),
        f[exposure].to_numpy(dtype=float),
        pd.factorize(f[group])[0],
        pd.factorize(f[time])[0],
    )
    if panel.n_practices + panel.n_months > panel.n:  # more parameters than cells
        return None
    poisson = panel.fit(math.inf)
    if poisson is None:
        return None
    df_resid = panel.n - panel.rank
    chi2 = float(np.sum((panel.y - poisson.mu) ** 2 / poisson.mu))
    dispersion = chi2 / df_resid if df_resid > 0 else None
    beta, se = poisson.beta, poisson.se_beta
    family, alpha = "Poisson", None
    if dispersion is not None and dispersion > OVERDISPERSION_THRESHOLD:
        nb = panel.fit_negative_binomial(poisson)
        if nb is not None and math.isfinite(nb.se_beta):
            beta, se = nb.beta, nb.se_beta
            family, alpha = "negative binomial", nb.alpha
    if not (math.isfinite(beta) and math.isfinite(se)):
        return None
    return RateRatio(
        rate_ratio=math.exp(beta),
        ci_low=math.exp(beta - Z95 * se),
        ci_high=math.exp(beta + Z95 * se),
        family=family,
        dispersion=dispersion,
        alpha=alpha,
        n_cells=panel.n,
        n_practices=panel.n_practices,
        n_months=panel.n_months,
        n_events=int(panel.y.sum()),
    )


@dataclass(frozen=True)
class _Fit:
    a: np.ndarray  # practice effects
    b: np.ndarray  # month effects, b[0] = 0
    beta: float
    mu: np.ndarray  # fitted means, one per cell
    loglik: float  # up to terms constant in the mean parameters
    se_beta: float
    alpha: float | None = None


MAX_NEWTON = 200
NEWTON_TOL = 1e-11  # on the largest change of a parameter
ROUNDING_TOL = 1e-7  # a last step this small that gains nothing: converged to rounding
SINGULAR_TOL = 1e-10  # relative: an exposure the effects explain, a flat direction


class _Panel:
    """The cells of a two-way fixed-effects count model: y_i ~ mean exp(a_p(i) + b_m(i) +
    beta x_i), Poisson (size r = inf) or NB2 with size r = 1/alpha."""

    def __init__(self, y: np.ndarray, x: np.ndarray, p: np.ndarray, m: np.ndarray):
        self.y, self.x, self.p, self.m = y, x, p, m
        self.n = len(y)
        self.n_practices = int(p.max()) + 1
        self.n_months = int(m.max()) + 1
        self.cell = p.astype(np.int64) * self.n_months + m  # into the practice x month grid
        # The dummies' rank: practices + months - (connected pieces of the practice-month
        # graph), plus beta (fit() returns None when the effects explain the exposure).
        graph = coo_matrix(
            (np.ones(self.n), (p, self.n_practices + m)),
            shape=(self.n_practices + self.n_months,) * 2,
        )
        self.pieces = connected_components(graph, directed=False)[0]
        self.rank = self.n_practices + self.n_months - self.pieces + 1
        self.ylogy_free = special.gammaln(y + 1).sum()
        # Counts repeat: functions of (y + r) are worked once per distinct count.
        self.y_distinct, self.y_index = np.unique(y, return_inverse=True)

    def _of_y_plus(self, func, r: float) -> np.ndarray:
        """func(y + r) for every cell, evaluated once per distinct count."""
        return func(self.y_distinct + r)[self.y_index]

    # -- the pieces of Newton's method ------------------------------------------------------

    def _sum_p(self, v: np.ndarray) -> np.ndarray:
        return np.bincount(self.p, v, minlength=self.n_practices)

    def _sum_m(self, v: np.ndarray) -> np.ndarray:
        return np.bincount(self.m, v, minlength=self.n_months)

    def _grid(self, v: np.ndarray) -> np.ndarray:
        """Sums of v over the cells of each practice and month: practices x months."""
        g = np.bincount(self.cell, v, minlength=self.n_practices * self.n_months)
        return g.reshape(self.n_practices, self.n_months)

    def _reduced(self, w: np.ndarray, extra: list[np.ndarray]):
        """The information matrix with the practice block eliminated. w: the (negative)
        second derivative of each cell's log-likelihood in its linear predictor; extra:
        for each further parameter t (after months 1.. and beta), (d2/d eta dt per cell,
        d2/dt2 total), both negated. Returns the practice diagonal A, the practice-by-rest
        block B and the Schur complement S = D - B' A^-1 B (rest = months 1.., beta,
        extra)."""
        wx = w * self.x
        cols = [self._grid(w)[:, 1:], self._sum_p(wx)[:, None]]
        cols += [self._sum_p(c)[:, None] for c, _ in extra]
        big_b = np.hstack(cols)
        a_diag = self._sum_p(w)
        k = big_b.shape[1]
        d = np.zeros((k, k))
        months = self.n_months - 1
        d[np.arange(months), np.arange(months)] = self._sum_m(w)[1:]
        d[:months, months] = d[months, :months] = self._sum_m(wx)[1:]
        d[months, months] = float(np.dot(wx, self.x))
        for j, (c, total) in enumerate(extra):
            t = months + 1 + j
            d[:months, t] = d[t, :months] = self._sum_m(c)[1:]
            d[months, t] = d[t, months] = float(np.dot(c, self.x))
            d[t, t] = total
        s = d - big_b.T @ (big_b / a_diag[:, None])
        return a_diag, big_b, s

    def _predictor(self, a: np.ndarray, b: np.ndarray, beta: float) -> np.ndarray:
        return a[self.p] + b[self.m] + beta * self.x

    def _loglik(self, mu: np.ndarray, r: float) -> float:
        """Log-likelihood in the mean, for size r (inf: Poisson)."""
        y = self.y
        with np.errstate(divide="ignore", invalid="ignore"):
            if math.isinf(r):
                return float(np.sum(special.xlogy(y, mu) - mu))
            return float(np.sum(special.xlogy(y, mu) - (y + r) * np.log(r + mu)))

    def _score_weight(self, mu: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray]:
        """Each cell's d loglik / d eta and - d2 loglik / d eta2 (observed)."""
        if math.isinf(r):
            return self.y - mu, mu
        return (self.y - mu) * r / (r + mu), mu * r * (r + self.y) / (r + mu) ** 2

    def fit(self, r: float, start: _Fit | None = None, *, with_se: bool = True) -> _Fit | None:
        """Maximum likelihood for a given size r (inf: Poisson): Newton with step halving
        (the log-likelihood is concave in the mean parameters for any r)."""
        if start is None:
            # The independence model's fit (exact for a balanced panel and beta = 0).
            by_month = self._sum_m(self.y)
            b = np.log(by_month / by_month[0])
            a = np.log(self._sum_p(self.y) / self._sum_p(np.exp(b[self.m])))
            beta = 0.0
        else:
            a, b, beta = start.a.copy(), start.b.copy(), start.beta
        mu = np.exp(self._predictor(a, b, beta))
        ll = self._loglik(mu, r)
        for _ in range(MAX_NEWTON):
            score, w = self._score_weight(mu, r)
            a_diag, big_b, s = self._reduced(w, [])
            g_a = self._sum_p(score)
            g_rest = np.append(self._sum_m(score)[1:], np.dot(score, self.x))
            rhs = g_rest - big_b.T @ (g_a / a_diag)
            step_rest = np.linalg.lstsq(s, rhs, rcond=None)[0]
            step_a = (g_a - big_b @ step_rest) / a_diag
            size = max(np.abs(step_a).max(), np.abs(step_rest).max())
            t = 1.0
            while True:
                a_new = a + t * step_a
                b_new = b + t * np.append(0.0, step_rest[:-1])
                beta_new = beta + t * step_rest[-1]
                with np.errstate(over="ignore"):
                    mu_new = np.exp(self._predictor(a_new, b_new, beta_new))
                ll_new = self._loglik(mu_new, r)
                if np.isfinite(ll_new) and ll_new >= ll - 1e-12 * abs(ll):
                    break
                t /= 2
                if t < 1e-10:
                    break
            if t < 1e-10:  # no step gains: converged to rounding, or failed
                if size < ROUNDING_TOL:
                    break
                return None
            a, b, beta, mu, ll = a_new, b_new, beta_new, mu_new, ll_new
            if size * t < NEWTON_TOL:
                break  # s is the information at the estimate, to within that last step
        else:
            if size > ROUNDING_TOL:
                return None
        se = math.nan
        if with_se:
            se = self._se_beta(s, beta_index=s.shape[0] - 1)
            if se is None:
                return None
        return _Fit(a, b, float(beta), mu, ll, se)

    def _se_beta(self, s: np.ndarray, beta_index: int) -> float | None:
        """sqrt of beta's element of the inverse information (a generalised inverse when
        the panel falls into separate pieces: beta's variance is the same for any); None
        when the effects explain the exposure (beta is not identified)."""
        rest = [i for i in range(s.shape[0]) if i != beta_index]
        s_rr = s[np.ix_(rest, rest)]
        s_br = s[beta_index, rest]
        partial = s[beta_index, beta_index] - s_br @ np.linalg.pinv(s_rr, rcond=1e-12) @ s_br
        if not partial > SINGULAR_TOL * s[beta_index, beta_index]:
            return None
        return math.sqrt(1.0 / partial)

    # -- the negative binomial (NB2) ----------------------------------------------------------

    def _nb_loglik(self, mu: np.ndarray, r: float) -> float:
        """The full NB2 log-likelihood (statsmodels' _ll_nbin with Q=0)."""
        y = self.y
        return float(
            np.sum(self._of_y_plus(special.gammaln, r) - special.gammaln(r) + r * np.log(r))
            - self.ylogy_free
            + np.sum(special.xlogy(y, mu) - (y + r) * np.log(r + mu))
        )

    def _nb_theta_terms(self, mu: np.ndarray, r: float):
        """For theta = log(alpha) = -log(r): d loglik / d theta (total), and the negated
        second derivatives: - d2/(d eta d theta) per cell, - d2/d theta2 (total)."""
        y = self.y
        d_r = self._of_y_plus(special.digamma, r) - special.digamma(r) + np.log(r) + 1
        d_r = d_r - np.log(r + mu) - (y + r) / (r + mu)
        trigamma = self._of_y_plus(lambda v: special.polygamma(1, v), r)
        d2_r = trigamma - special.polygamma(1, r) + 1 / r
        d2_r = d2_r - 1 / (r + mu) - (mu - y) / (r + mu) ** 2
        score_theta = float(-r * d_r.sum())
        d2_theta = float(r * r * d2_r.sum() + r * d_r.sum())
        d2_eta_theta = -r * mu * (y - mu) / (r + mu) ** 2
        return score_theta, -d2_eta_theta, -d2_theta

    def fit_negative_binomial(self, poisson: _Fit) -> _Fit | None:
        """NB2 with alpha by maximum likelihood: Newton in theta = log(alpha) on the profile
        log-likelihood (the mean parameters refitted for each alpha), then beta's standard
        error from the inverse of the full observed information in (effects, beta, alpha),
        as statsmodels' NegativeBinomial reports it."""
        y, mu0 = self.y, poisson.mu
        moment = float(np.sum((y - mu0) ** 2 - y) / np.sum(mu0**2))
        theta = math.log(max(moment, 1e-3))
        inner = self.fit(math.exp(-theta), poisson, with_se=False)
        if inner is None:
            return None
        profile = self._nb_loglik(inner.mu, math.exp(-theta))
        for _ in range(MAX_NEWTON):
            r = math.exp(-theta)
            score_theta, cross, info_theta = self._nb_theta_terms(inner.mu, r)
            _, w = self._score_weight(inner.mu, r)
            s = self._reduced(w, [(cross, info_theta)])[2]
            # The profile's curvature in theta: theta's Schur complement in S.
            k = s.shape[0] - 1
            curvature = s[k, k] - s[k, :k] @ np.linalg.pinv(s[:k, :k], rcond=1e-12) @ s[:k, k]
            step = score_theta / curvature if curvature > 0 else math.copysign(1.0, score_theta)
            step = max(-2.0, min(2.0, step))
            t = 1.0
            while True:
                candidate = self.fit(math.exp(-(theta + t * step)), inner, with_se=False)
                if candidate is not None:
                    value = self._nb_loglik(candidate.mu, math.exp(-(theta + t * step)))
                    if np.isfinite(value) and value >= profile - 1e-12 * abs(profile):
                        break
                t /= 2
                if t < 1e-10:
                    break
            if t < 1e-10:  # no step gains: converged to rounding, or failed
                if abs(step) < ROUNDING_TOL:
                    break
                return None
            theta, inner, profile = theta + t * step, candidate, value
            if abs(t * step) < NEWTON_TOL:
                break
            if theta < -30:  # alpha -> 0: no overdispersion after all
                return None
        else:
            if abs(step) > ROUNDING_TOL:
                return None
        r = math.exp(-theta)
        _, cross, info_theta = self._nb_theta_terms(inner.mu, r)
        _, w = self._score_weight(inner.mu, r)
        a_diag, _, s = self._reduced(w, [(cross, info_theta)])
        # statsmodels reports no standard errors unless the observed information is
        # positive definite: the practice block is (a_diag > 0), so S must be.
        if not (np.all(a_diag > 0) and np.linalg.eigvalsh(s).min() > 0):
            return None
        se = self._se_beta(s, beta_index=self.n_months - 1)
        if se is None:
            return None
        return _Fit(inner.a, inner.b, inner.beta, inner.mu, profile, se, alpha=math.exp(theta))
