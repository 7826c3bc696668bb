"""Domain logic for the Referrals, Caseload and Activity pages: pure functions over the rows
of their queries (referral rates on a funnel, time on caseload by Kaplan-Meier, shares with
Wilson intervals, labels and orderings), with disclosure control where a figure is computed
in Python rather than in SQL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from wellpath import disclosure, formats, funnel, labels, stats
from wellpath.contract import DAYS_PER_MONTH

#: NHS Long Term Plan (as cited by London's social prescribing programme): people a full-time
#: link worker can support in a year.
SAFE_PEOPLE_PER_YEAR = (200, 250)

AGE_BANDS = ["18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+"]
IMD_QUINTILES = {
    "1": "1 (most deprived)",
    "2": "2",
    "3": "3",
    "4": "4",
    "5": "5 (least deprived)",
}
EQUITY_DIMENSIONS = {
    "age_band": "Age at referral",
    "sex": "Sex",
    "ethnic_group": "Ethnic group",
    "imd_quintile": "Deprivation (IMD quintile of home area)",
}

TRIAGE_STAGES = {
    "referred": "Referred",
    "awaiting_triage": "Awaiting triage",
    "accepted": "Accepted",
    "not_eligible": "Not eligible",
    "declined": "Declined",
    "no_contact": "Could not be contacted",
    "redirected": "Redirected to long-term conditions service",
    "first_contact": "Had a first contact",
    "action_plan": "Agreed an action plan",
    "discharged": "Discharged",
}

WAITING_FOR = {
    "triage": "Waiting for triage",
    "first_contact": "Accepted, waiting for first contact",
}

NOT_RECORDED = "Not recorded"


def quarter_label(start: object) -> str:
    """'Jan-Mar 2026' for the quarter starting on `start`."""
    day = pd.Timestamp(start)
    end = day + pd.DateOffset(months=2)
    return f"{day:%b}-{end:%b %Y}"


def whole_months(frame: pd.DataFrame) -> pd.DataFrame:
    """Only the months wholly inside the period: part months would look like falls."""
    return frame[frame["is_whole_month"].astype(bool)].reset_index(drop=True)


def settled_wait_months(waits: pd.DataFrame, max_still_waiting: float = 0.1) -> pd.DataFrame:
    """Whole months of waits_by_referral_month with a median, leaving out months where more
    than `max_still_waiting` of the people seen or still waiting have not been seen yet:
    their median covers only the quicker ones and would look like an improvement."""
    rows = whole_months(waits)
    seen = pd.to_numeric(rows["seen_count"], errors="coerce").fillna(0).astype(float)
    waiting = pd.to_numeric(rows["still_waiting_count"], errors="coerce").fillna(0).astype(float)
    base = (seen + waiting).where(lambda b: b > 0)
    settled = (waiting / base).fillna(1.0) <= max_still_waiting
    keep = settled & rows["median_wait_days"].notna()
    return rows[keep].reset_index(drop=True)


def referral_rates(rates: pd.DataFrame, per: float = 1000) -> pd.DataFrame:
    """Referrals per 1,000 registered patients by practice, and where each practice falls on
    the funnel around the overall rate of the practices shown.

    `rates`: rows of referral_rates_by_practice (practice_code, practice_name, list_size,
    referral_count; counts may be NA where suppressed). Practices without a list size are
    dropped (no rate exists); a suppressed count has no rate and no band. The overall rate
    is over the practices with a known count, as published.
    """
    frame = rates.copy()
    frame = frame[pd.to_numeric(frame["list_size"], errors="coerce").fillna(0) > 0]
    counts = pd.to_numeric(frame["referral_count"], errors="coerce").astype(float)
    known = counts.notna()
    list_size = frame["list_size"].astype(float)
    frame["rate_per_1000"] = counts / list_size * per
    frame["band"] = None
    frame["expected_count"] = np.nan
    if known.any() and list_size[known].sum() > 0:
        overall = funnel.overall_rate(counts[known], list_size[known], per=per)
        positions = funnel.funnel_positions(counts[known], list_size[known], overall, per=per)
        frame.loc[known, "band"] = positions["band"].to_numpy()
        frame.loc[known, "expected_count"] = positions["expected_count"].to_numpy()
        frame["overall_rate_per_1000"] = overall
    else:
        frame["overall_rate_per_1000"] = np.nan
    return frame.reset_index(drop=True)


def add_shares(frame: pd.DataFrame, count_col: str, share_col: str = "share_pct") -> pd.DataFrame:
    """Each row's share of the column total (of the published cells when counts are rounded:
    a suppressed cell has no share and adds nothing to the total)."""
    out = frame.copy()
    counts = pd.to_numeric(out[count_col], errors="coerce").astype(float)
    total = counts.sum(min_count=1)
    out[share_col] = 100.0 * counts / total if total and total > 0 else np.nan
    return out


def published_sum(values: pd.Series, rounded: bool, strict: bool = False) -> int | None:
    """A column total: the plain sum, or for a rounded scope the sum of the published cells
    (wellpath.disclosure.published_total). None ("*") when every non-zero cell is suppressed
    (a total of 0 would then be false), and with `strict` when any cell is: a rate worked
    out from partial totals would be biased, so it is not shown at all."""
    if rounded:
        total = disclosure.published_total(values.tolist())
        hidden = any(_missing(v) or disclosure.round_count(v) is None for v in values)
        return None if hidden and (strict or not total) else total
    clean = pd.to_numeric(values, errors="coerce").dropna()
    return int(clean.sum())


def label_codes(frame: pd.DataFrame, column: str, mapping: Mapping, new: str) -> pd.DataFrame:
    """Adds `new`: the plain-English label of each code in `column`."""
    out = frame.copy()
    out[new] = [
        NOT_RECORDED if _missing(c) and None not in mapping else labels.label(mapping, c)
        for c in out[column]
    ]
    return out


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def equity_rows(groups: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """One dimension of referrals_by_equity_group, every category present (zero-filled), in a
    natural order, with labels and each category's share of the referrals."""
    rows = groups[groups["dimension"] == dimension].copy()
    order: list[object]
    names: dict[object, str]
    if dimension == "age_band":
        order, names = list(AGE_BANDS), {b: b for b in AGE_BANDS}
    elif dimension == "imd_quintile":
        order, names = list(IMD_QUINTILES), dict(IMD_QUINTILES)
    elif dimension == "sex":
        order, names = list(labels.SEXES), dict(labels.SEXES)
    else:
        order, names = list(labels.ETHNIC_GROUPS), dict(labels.ETHNIC_GROUPS)
    rows["category"] = rows["category"].astype(object).where(rows["category"].notna(), None)
    present = set(rows["category"])
    missing = [c for c in order if c not in present]
    if missing:
        filler = pd.DataFrame(
            {
                "dimension": dimension,
                "category": missing,
                "referral_count": 0,
                "accepted_count": 0,
                "engaged_count": 0,
                "accepted_pct": np.nan,
                "engaged_pct": np.nan,
            }
        )
        rows = pd.concat([rows, filler], ignore_index=True) if len(rows) else filler
    rank = {c: i for i, c in enumerate(order)}
    rows["sort_key"] = [rank.get(c, len(order)) for c in rows["category"]]
    rows["group"] = [NOT_RECORDED if c is None else names.get(c, str(c)) for c in rows["category"]]
    rows = rows.sort_values("sort_key", kind="stable").drop(columns="sort_key")
    return add_shares(rows.reset_index(drop=True), "referral_count")


#: What each funnel conversion is a share of, as it reads after "96% of ...".
TRIAGE_BASES = {
    "referred": "referrals",
    "accepted": "those accepted",
    "first_contact": "those with a first contact",
}


def triage_table(funnel_rows: pd.DataFrame) -> pd.DataFrame:
    """The triage funnel with plain-English stage names and 'x% of <base>' ("96% of those
    with a first contact", not "96% of had a first contact")."""
    out = funnel_rows.copy()
    out["stage_label"] = [TRIAGE_STAGES.get(s, s) for s in out["stage"]]
    out["base_label"] = [
        TRIAGE_BASES.get(s, TRIAGE_STAGES.get(s, s).lower()) for s in out["base_stage"]
    ]
    return out


def km_summary(
    durations: pd.DataFrame,
    by: str | None,
    names: Mapping[object, str] | None = None,
    rounded: bool = False,
    curves_top: int | None = None,
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Kaplan-Meier time on caseload, overall or by a column (practice_code, condition).

    `durations`: rows of caseload_duration_counts (caseload_days, is_ended, episodes: how
    many episodes the row stands for, one each when there is no such column; and the column
    `by`). Returns a summary
    (group, episodes, discharged, median_months, median_ci_low_months, median_ci_high_months,
    median_reached: False when fewer than half have left, None when suppressed) and the curves by group (time_months,
    survival, ci_low, ci_high, starting at 100% on day 0).

    For a rounded scope a group of 7 or fewer episodes shows neither curve nor median, and
    episode counts are rounded. `curves_top`: curves for that many groups only, those with
    the most episodes (as shown: rounded for a rounded scope; ties in group order), in group
    order; the summary has every group. All groups are estimated in one pass
    (stats.kaplan_meier_arrays).
    """
    if by is None:
        names_in_order = ["All episodes"]
        codes = np.zeros(len(durations), dtype=np.int64)
    else:
        # the groups of durations.groupby(by, dropna=False, sort=True), in that order
        grouper = durations.groupby(by, dropna=False, sort=True)
        codes = grouper.ngroup().to_numpy(np.int64)
        keys = list(grouper.size().index)
        names_in_order = [
            (names or {}).get(key, str(key)) if not _missing(key) else NOT_RECORDED for key in keys
        ]
    fits = stats.kaplan_meier_arrays(
        durations["caseload_days"].to_numpy(float),
        durations["is_ended"].to_numpy(bool),
        codes if by is not None else None,
        counts=durations["episodes"].to_numpy(np.int64) if "episodes" in durations else None,
    )
    rows, drawable = [], []
    for name, km in zip(names_in_order, fits, strict=True):
        row = {
            "group": name,
            "episodes": km.n,
            "discharged": km.events,
            "median_months": _months(km.median),
            "median_ci_low_months": _months(km.median_ci_low),
            "median_ci_high_months": _months(km.median_ci_high),
            # False: fewer than half have left, so there is no median yet (not "unknown")
            "median_reached": bool(km.n) and not math.isnan(km.median),
        }
        if rounded:
            row = disclosure.protect_record(row, n=km.n, count_fields=("episodes", "discharged"))
            if not disclosure.is_publishable_n(km.n):
                row["median_reached"] = None
                rows.append(row)
                continue
        rows.append(row)
        if km.n:
            drawable.append((len(drawable), name, km, row["episodes"]))
    if curves_top is not None and len(drawable) > curves_top:
        biggest = sorted(drawable, key=lambda d: (-float(d[3]), d[0]))[:curves_top]
        drawable = sorted(biggest, key=lambda d: d[0])
    curves = {name: _curve_frame(km, rounded) for _, name, km, _ in drawable}
    return pd.DataFrame(rows), curves


def _curve_frame(km: stats.KaplanMeierArrays, rounded: bool) -> pd.DataFrame:
    """A group's curve from 100% on day 0 (time, survival, ci_low, ci_high, time_months)."""
    time = np.concatenate(([0.0], km.time))
    survival = np.concatenate(([1.0], km.survival))
    low = np.concatenate(([1.0], km.ci_low))
    high = np.concatenate(([1.0], km.ci_high))
    if rounded:
        # Exact step times and sizes would give away each discharge and the numbers at
        # risk: a publishable curve is read at whole months only.
        return _monthly_steps(time, survival, low, high)
    return pd.DataFrame(
        {
            "time": time,
            "survival": survival,
            "ci_low": low,
            "ci_high": high,
            "time_months": time / DAYS_PER_MONTH,
        }
    )


def monthly_steps(curve: pd.DataFrame) -> pd.DataFrame:
    """A Kaplan-Meier step curve (time in days, survival, ci_low, ci_high) read at whole
    months 0, 1, 2, ... up to its last time: the value in force at each month's end."""
    if curve.empty:
        return curve.assign(time_months=pd.Series(dtype=float))
    ordered = curve.sort_values("time", kind="stable")
    return _monthly_steps(
        *(ordered[c].to_numpy(float) for c in ("time", "survival", "ci_low", "ci_high"))
    )


def _monthly_steps(
    time: np.ndarray, survival: np.ndarray, low: np.ndarray, high: np.ndarray
) -> pd.DataFrame:
    """`monthly_steps` on a curve's arrays, `time` ascending."""
    months = np.arange(int(time.max() // DAYS_PER_MONTH) + 1)
    at = months * DAYS_PER_MONTH
    # the last step at or before each month end (merge_asof's "backward")
    idx = np.searchsorted(time, at, side="right") - 1
    found = idx >= 0
    safe = np.maximum(idx, 0)

    def read(values: np.ndarray) -> np.ndarray:
        return np.where(found, values[safe], np.nan)

    return pd.DataFrame(
        {
            "time": at.astype(float),
            "survival": read(survival),
            "ci_low": read(low),
            "ci_high": read(high),
            "time_months": months,
        }
    )


def is_false(flag: object) -> bool:
    return isinstance(flag, bool | np.bool_) and not flag


def median_text(median: object, reached: object, unit: str = "") -> str:
    """A KM median for display: 'Not reached' when fewer than half have left."""
    if is_false(reached):
        return "Not reached"
    if _missing(median) or reached is None:
        return "*"
    return f"{float(median):.1f}{unit}"  # type: ignore[arg-type]


def interval_text(low: object, high: object, reached: object) -> str:
    """'4.1 to 7.9', with 'not reached' for an open end; '*' where suppressed."""
    if reached is None or (_missing(low) and _missing(high) and not is_false(reached)):
        return "*"
    if _missing(low):
        return "not reached"
    low_text = f"{float(low):.1f}"  # type: ignore[arg-type]
    high_text = "not reached" if _missing(high) else f"{float(high):.1f}"  # type: ignore[arg-type]
    return f"{low_text} to {high_text}"


def _months(days: float | None) -> float:
    if days is None or (isinstance(days, float) and math.isnan(days)):
        return math.nan
    return days / DAYS_PER_MONTH


def with_wilson(
    frame: pd.DataFrame, successes: str, trials: str, prefix: str = "achieved"
) -> pd.DataFrame:
    """Adds <prefix>_ci_low_pct and <prefix>_ci_high_pct: Wilson 95% intervals from the
    counts shown (rounded counts for a rounded scope; none where a count is suppressed)."""
    out = frame.copy()
    lows, highs = [], []
    for k, n in zip(out[successes], out[trials], strict=True):
        if _missing(k) or _missing(n) or int(n) == 0 or int(k) > int(n):
            lows.append(np.nan)
            highs.append(np.nan)
            continue
        low, high = stats.wilson_interval(int(k), int(n))
        lows.append(100 * low)
        highs.append(100 * high)
    out[f"{prefix}_ci_low_pct"] = lows
    out[f"{prefix}_ci_high_pct"] = highs
    return out


def goals_total_row(totals: pd.DataFrame) -> dict[str, object]:
    """All domains together, from the one row of goal_totals: goals agreed, closed, achieved,
    the share achieved with its Wilson interval.

    The totals are counted directly in SQL (and, for a rounded scope, rounded on their own by
    the query header), not added up from the per-domain cells: one suppressed domain then no
    longer hides the whole service's share (docs/methods.md, Disclosure). The interval is
    worked out from the counts shown, so a rounded scope gets it from rounded counts."""
    row = totals.iloc[0] if len(totals) else pd.Series(dtype=object)

    def count(name: str) -> int | None:
        value = row.get(name)
        return None if _missing(value) else int(value)

    agreed, closed, achieved = count("goal_count"), count("closed_count"), count("achieved_count")
    share = low = high = math.nan
    if closed and achieved is not None and achieved <= closed:
        share = 100 * achieved / closed
        lo, hi = stats.wilson_interval(achieved, closed)
        low, high = 100 * lo, 100 * hi
    return {
        "goal_count": agreed,
        "closed_count": closed,
        "achieved_count": achieved,
        "achieved_pct": share,
        "achieved_ci_low_pct": low,
        "achieved_ci_high_pct": high,
    }


def dna_rate(totals: pd.DataFrame) -> float:
    """DNAs over booked contacts (attended + DNA) for the whole selection, in %, from the one
    row of contact_totals (for a rounded scope, recomputed there from the rounded DNA and
    booked counts, and NaN when either is suppressed)."""
    if not len(totals) or _missing(totals["dna_pct"].iloc[0]):
        return math.nan
    return float(totals["dna_pct"].iloc[0])


def share(numerator: object, denominator: object, rounded: bool) -> float | None:
    """A percentage (0-100) of `numerator` over `denominator` as shown to this scope: NaN when
    there is nothing to take a share of (no data, shown as a dash), None when disclosure
    control withholds it (shown as *: a part suppressed, or for a rounded scope a rounded
    denominator under disclosure.MIN_SHARE_DENOMINATOR, SMALL_DENOMINATOR_REASON)."""
    if _missing(denominator):
        return None
    if float(denominator) == 0:  # type: ignore[arg-type]
        return math.nan
    if _missing(numerator):
        return None
    if rounded:
        return disclosure.published_share(numerator, denominator)
    return 100.0 * float(numerator) / float(denominator)  # type: ignore[arg-type]


def shares(numerators: pd.Series, denominators: pd.Series | object, rounded: bool) -> pd.Series:
    """`share` down a column (object dtype: None = suppressed, NaN = no data)."""
    dens = (
        denominators
        if isinstance(denominators, pd.Series)
        else pd.Series([denominators] * len(numerators), index=numerators.index)
    )
    return pd.Series(
        [share(n, d, rounded) for n, d in zip(numerators, dens, strict=True)],
        index=numerators.index,
        dtype=object,
    )


def share_text(value: object, digits: int = 0) -> str:
    """A share for display: * when suppressed (None), a dash when there is none (NaN), and
    "under 1%" rather than a "0%" that hides a real person ("Died 1 (0%)")."""
    if value is None:
        return formats.SUPPRESSED
    if _missing(value):
        return formats.NO_DATA
    v = float(value)  # type: ignore[arg-type]
    step = 10.0**-digits
    if 0 < v < step / 2:
        return f"under {formats.fmt_number(step, digits)}%"
    return formats.fmt_pct(v, digits)


def count_with_share(count: object, value: object, digits: int = 0) -> str:
    """'1,234 (56%)', '* ' for a suppressed count, '40 (*)' for a withheld share."""
    if _missing(count):
        return formats.SUPPRESSED
    return f"{formats.fmt_count(count)} ({share_text(value, digits)})"


def column_total(values: pd.Series, rounded: bool) -> int | None:
    """The total of a column of counts as shown: for a rounded scope the sum of the published
    cells, None when every non-zero cell is suppressed (never a false 0)."""
    return published_sum(values, rounded)
