"""What the Healthcare use and cost page shows, computed and protected.

One function per page section. The page reads `healthcare_use_summary` (the sums over
healthcare_use_before_after's people, and their changes counted), never one row per person. In a rounded (publishable) scope every count is rounded (1-7
"*"), every mean, interval and difference in differences is about more than 7 people in each
group or suppressed, and to one decimal (pounds to whole pounds); a total is the published
mean times the published number of people, so total / mean cannot give the true n; and a
selection whose complement within its parent group is 1-7 people is suppressed whole
(secondary suppression, as on Outcomes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wellpath import costs, data, disclosure, formats, stats
from wellpath.charts import healthcare as charts
from wellpath.scope import Filters, Scope
from wellpath.views.outcomes import _parents

MEASURE_LABELS: Mapping[str, str] = {key: label for key, label, _ in costs.USE_MEASURES}
UNITS: Mapping[str, str] = {key: unit for key, _, unit in costs.USE_MEASURES}
SUPPRESSED_TEXT = "(7 or fewer people, or a group that would give a small one away)"

WINDOWS_DEFINITION = (
    "**Windows.** The index month is the calendar month of a person's first accepted "
    "referral. *Before* is the 12 calendar months before it; *after* is months 1-12 (or "
    "13-24) after it; the referral month itself is in neither, as it mixes before and after. "
    "A person counts only when the healthcare data cover both windows in full (from the "
    "first to the last month in the file; prescriptions likewise from their own file), and "
    "belongs to the period when the last month of their after-window ends in it. Months with "
    "no record count as no use. Means per person with 95% t intervals; change = after "
    "minus before."
)
COMPARISON_DEFINITION = (
    "**Comparison cohort**: people at the selected practices marked `comparison` (not "
    "referred). Each is given an index month from the referred people's index months: "
    "comparison people, in a fixed pseudo-random order (md5 of the pseudonym), take evenly "
    "spaced positions of the referred months sorted in time, so both groups cover the same "
    "calendar months. Their windows and rules are the same. Not filtered by condition or "
    "link worker (they were not referred). **Difference in differences** = mean change of "
    "referred minus mean change of comparison, with a Welch 95% interval."
)
FREQUENT_DEFINITION = (
    f"Referred people with {costs.FREQUENT_ATTENDER_GP_APPOINTMENTS} or more GP appointments "
    "in the 12 months before their index month, and their use in the after-window."
)
COST_DEFINITION = (
    "Each person's NHS cost before and after is the sum of their counts times the unit "
    "costs (items without a cost are left out). The change per person (after minus before) "
    "has a 95% t interval; the total is that mean and interval times the number of people "
    "(publishable figures: the mean in whole pounds times the rounded number of people). Service cost per "
    "person = annual service cost / people taken on (accepted) in the 12 months to the end "
    "of the period; net cost per person = service cost per person + change in NHS cost, "
    "with the same interval (the service cost is taken as known). This is a before/after "
    "change, not the effect of the service: see the comparison group above."
)


# --- sums over the people (healthcare_use_summary) -----------------------------------------
# The page reads healthcare_use_before_after's people summed in SQL: per cohort, after-window
# and frequent-attender flag, the number of people and whole-number sums of each measure, its
# square and the products of changes. Means, SDs, t intervals, differences in differences and
# costs are worked out from them exactly (fractions of whole numbers, then one rounding), the
# same figures as from the person rows to the last digit shown (tests/sql/
# test_healthcare_summary.py holds them equal to wellpath.costs over the person rows).
_MEASURES = tuple(key for key, _, _ in costs.USE_MEASURES)


@dataclass(frozen=True)
class _Sums:
    """Sums over one group of people (whole numbers)."""

    person_n: int
    values: Mapping[str, int]  # column of healthcare_use_summary -> sum over the group

    def n(self, measure: str) -> int:
        return int(self.values.get(f"{measure}_n", 0))

    def get(self, column: str) -> int:
        return int(self.values.get(column, 0))


def _summary_rows(scope: Scope, filters: Filters) -> pd.DataFrame:
    return data.query(
        "healthcare_use_summary",
        scope,
        filters,
        frequent_at=costs.FREQUENT_ATTENDER_GP_APPOINTMENTS,
    )


def _sums(scope: Scope, filters: Filters, window: int, cohort: str, frequent_only: bool) -> _Sums:
    return _pick_sums(_summary_rows(scope, filters), window, cohort, frequent_only)


def _pick_sums(rows: pd.DataFrame, window: int, cohort: str, frequent_only: bool) -> _Sums:
    """The sums of one cohort and after-window (its frequent attenders only, if asked) from
    healthcare_use_summary rows."""
    keep = (rows["after_window"] == window) & (rows["cohort"] == cohort)
    if frequent_only:
        keep &= rows["frequent"].fillna(False).astype(bool)
    picked = rows[keep]
    columns = [
        c
        for c in rows.columns
        if c not in ("cohort", "after_window", "index_month", "frequent")
        and not c.endswith("_changes")
    ]
    values = {c: sum(int(v) for v in picked[c] if not formats.is_missing(v)) for c in columns}
    return _Sums(values.pop("person_n", 0), values)


def _change_counts(rows: pd.DataFrame, window: int, measure: str) -> pd.DataFrame:
    """Referred people by (pooled) change in `measure`: columns change, person_n."""
    picked = rows[(rows["after_window"] == window) & (rows["cohort"] == "referred")]
    totals: dict[int, int] = {}
    for counted in picked[f"{measure}_changes"]:
        if isinstance(counted, Mapping) or hasattr(counted, "items"):
            items = counted.items()
        elif isinstance(counted, (list, tuple)):
            items = counted
        else:  # no one known in this group
            continue
        for change, n in items:
            totals[int(change)] = totals.get(int(change), 0) + int(n)
    return pd.DataFrame(
        {"change": list(totals), "person_n": list(totals.values())}, dtype="int64"
    ).sort_values("change")


def _moments(n: int, total: int, squares: int) -> tuple[float, float]:
    """Mean and SD (n - 1) of n whole numbers from their sum and sum of squares (exact)."""
    if n == 0:
        return math.nan, math.nan
    mean = Fraction(total, n)
    if n < 2:
        return float(mean), math.nan
    variance = (Fraction(squares) - Fraction(total) * total / n) / (n - 1)
    return float(mean), math.sqrt(variance) if variance > 0 else 0.0


def _mean_ci(n: int, total: int, squares: int) -> tuple[float, float, float]:
    """costs._mean_ci from sums: the mean with its 95% t interval."""
    if n == 0:
        return (math.nan, math.nan, math.nan)
    mean, sd = _moments(n, total, squares)
    result = stats.mean_ci_from_summary(n, mean, sd)
    return (float(result.mean), float(result.ci_low), float(result.ci_high))


def _change_moments(sums: _Sums, measure: str) -> tuple[int, float, float]:
    n = sums.n(measure)
    total = sums.get(f"{measure}_after_sum") - sums.get(f"{measure}_before_sum")
    mean, sd = _moments(n, total, sums.get(f"{measure}_change_sq"))
    return n, mean, sd


def _use_summary(groups: list[tuple[str, int, _Sums]]) -> pd.DataFrame:
    """costs.use_summary from sums: one row per cohort, after-window and measure."""
    out = []
    for cohort, window, sums in groups:
        for key, label, unit in costs.USE_MEASURES:
            n = sums.n(key)
            before, after = sums.get(f"{key}_before_sum"), sums.get(f"{key}_after_sum")
            mean_before, before_low, before_high = _mean_ci(n, before, sums.get(f"{key}_before_sq"))
            mean_after, after_low, after_high = _mean_ci(n, after, sums.get(f"{key}_after_sq"))
            mean_change, change_low, change_high = _mean_ci(
                n, after - before, sums.get(f"{key}_change_sq")
            )
            out.append(
                {
                    "cohort": cohort,
                    "after_window": int(window),
                    "measure": key,
                    "measure_label": label,
                    "unit": unit,
                    "person_count": n,
                    "mean_before": mean_before,
                    "before_ci_low": before_low,
                    "before_ci_high": before_high,
                    "mean_after": mean_after,
                    "after_ci_low": after_low,
                    "after_ci_high": after_high,
                    "mean_change": mean_change,
                    "change_ci_low": change_low,
                    "change_ci_high": change_high,
                }
            )
    return pd.DataFrame(out)


def _welch(
    a: tuple[int, float, float], b: tuple[int, float, float]
) -> stats.DifferenceInDifferences:
    """stats.welch_difference from each group's n, mean and SD (the same formulas)."""
    (na, mean_a, sd_a), (nb, mean_b, sd_b) = a, b
    mean_a = mean_a if na else math.nan
    mean_b = mean_b if nb else math.nan
    diff = mean_a - mean_b
    nan = math.nan
    if na < 2 or nb < 2:
        return stats.DifferenceInDifferences(
            na, nb, mean_a, mean_b, diff, nan, nan, nan, nan, None, 0.95
        )
    va, vb = sd_a**2 / na, sd_b**2 / nb
    se = math.sqrt(va + vb)
    if se == 0:
        return stats.DifferenceInDifferences(
            na, nb, mean_a, mean_b, diff, 0.0, nan, diff, diff, None, 0.95
        )
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    low, high = stats.welch_interval_from_summary(na, mean_a, sd_a, nb, mean_b, sd_b)[1:]
    return stats.DifferenceInDifferences(
        na, nb, mean_a, mean_b, diff, se, df, low, high, None, 0.95
    )


def _cost_moments(sums: _Sums, prices: Mapping[str, float | None]) -> tuple[int, float, float]:
    """n, mean and SD of each person's change in NHS cost (sum of change x unit cost over
    the costed measures), from the sums of changes and of their products (exact)."""
    costed = [(k, Fraction(float(v))) for k in costs.UNIT_COSTS if (v := prices.get(k)) is not None]
    n = sums.person_n
    if n == 0:
        return 0, math.nan, math.nan
    change = {k: sums.get(f"{k}_after_sum") - sums.get(f"{k}_before_sum") for k in costs.UNIT_COSTS}
    total = sum((p * change[k] for k, p in costed), Fraction(0))
    mean = total / n
    if n < 2:
        return n, float(mean), math.nan
    keys = list(costs.UNIT_COSTS)
    squares = Fraction(0)
    for i, (a, pa) in enumerate(costed):
        for b, pb in costed[i:]:
            if a == b:
                product = sums.get(f"{a}_change_sq")
            else:
                first, second = sorted((a, b), key=keys.index)
                product = sums.get(f"{first}_x_{second}_change")
            squares += (1 if a == b else 2) * pa * pb * product
    variance = (squares - total * total / n) / (n - 1)
    return n, float(mean), math.sqrt(variance) if variance > 0 else 0.0


def _referred_n(scope: Scope, filters: Filters, window: int) -> int:
    return _sums(scope, filters, window, "referred", False).person_n


def _complement_too_small(scope: Scope, filters: Filters, window: int) -> bool:
    """Whether the selection leaves 1-7 referred people out of a parent group: its figures
    would then give the left-out group away by differencing (secondary suppression)."""
    if not scope.rounded:
        return False
    n = _referred_n(scope, filters, window)
    for parent in _parents(filters):
        rest = _referred_n(scope, parent, window) - n
        if 0 < rest <= disclosure.SUPPRESS_AT_OR_BELOW:
            return True
    return False


def _count(n: int, rounded: bool) -> int | None:
    return disclosure.round_count(n) if rounded else n


def _stat(value: object, n: int, rounded: bool, decimals: int = 1) -> float | None:
    if rounded:
        return disclosure.published_statistic(value, n, decimals)
    return None if formats.is_missing(value) else float(value)  # type: ignore[arg-type]


def _publish_summary(summary: pd.DataFrame, rounded: bool, hidden: bool) -> pd.DataFrame:
    """`costs.use_summary` as published: counts rounded, statistics 1 dp and suppressed
    about 7 or fewer people (all of it when `hidden`)."""
    if not rounded:
        return summary
    out = costs.protect_use_summary(summary)
    for col in costs.USE_SUMMARY_STATISTICS:
        out[col] = [
            None if hidden else disclosure.published_statistic(v, n)
            for v, n in zip(summary[col], summary["person_count"], strict=True)
        ]
    if hidden:
        out["person_count"] = pd.array([None] * len(out), dtype="Int64")
    return out


def _digits(rounded: bool) -> int:
    return 1 if rounded else 2


def _ci(low: object, high: object, raw: object, digits: int) -> str:
    if formats.is_missing(raw):
        return formats.NO_DATA
    if formats.is_missing(low) or formats.is_missing(high):
        return formats.SUPPRESSED
    return f"{formats.fmt_signed(low, digits)} to {formats.fmt_signed(high, digits)}"


def _use_table(raw: pd.DataFrame, shown: pd.DataFrame, digits: int) -> pd.DataFrame:
    def col(name: str) -> list[str]:
        return [
            formats.display_value(r, s, lambda v: formats.fmt_number(v, digits))
            for r, s in zip(raw[name], shown[name], strict=True)
        ]

    return pd.DataFrame(
        {
            "Measure": shown["measure_label"].tolist(),
            "People": shown["person_count"].map(formats.fmt_count).tolist(),
            "Before (mean per person)": col("mean_before"),
            "After (mean per person)": col("mean_after"),
            "Change per person": [
                formats.display_value(r, s, lambda v: formats.fmt_signed(v, digits))
                for r, s in zip(raw["mean_change"], shown["mean_change"], strict=True)
            ],
            "95% CI of change": [
                _ci(lo, hi, r, digits)
                for lo, hi, r in zip(
                    shown["change_ci_low"], shown["change_ci_high"], raw["mean_change"], strict=True
                )
            ],
        }
    )


_SUMMARY_HEADERS = {
    "cohort": "Group",
    "measure_label": "Measure",
    "person_count": "People",
    "mean_before": "Mean per person, 12 months before",
    "before_ci_low": "Before, 95% CI low",
    "before_ci_high": "Before, 95% CI high",
    "mean_after": "Mean per person, after",
    "after_ci_low": "After, 95% CI low",
    "after_ci_high": "After, 95% CI high",
    "mean_change": "Change per person (after minus before)",
    "change_ci_low": "Change, 95% CI low",
    "change_ci_high": "Change, 95% CI high",
}


def _summary_download(shown: pd.DataFrame, digits: int, **extra: str) -> pd.DataFrame:
    number = lambda v: formats.fmt_number(v, digits, missing="")  # noqa: E731
    fmt = {k: number for k in _SUMMARY_HEADERS if k not in ("cohort", "measure_label")}
    fmt["person_count"] = formats.fmt_count
    fmt["cohort"] = lambda v: {"referred": "Referred", "comparison": "Comparison group"}.get(
        str(v), str(v)
    )
    fmt["measure_label"] = str
    return formats.readable_frame(shown, _SUMMARY_HEADERS, fmt).assign(**extra)


# --- use before and after ---------------------------------------------------------------------
@dataclass(frozen=True)
class UseBeforeAfter:
    """Mean use per person before and after referral (referred people)."""

    empty: bool
    figure: go.Figure | None
    table: pd.DataFrame
    download: pd.DataFrame
    people: str = ""  # the referred people of the window, as published ("*" when hidden)


@data.cached_view
def use_before_after(scope: Scope, filters: Filters, *, window: int = 1) -> UseBeforeAfter:
    referred = _sums(scope, filters, window, "referred", False)
    if not referred.person_n:
        return UseBeforeAfter(True, None, pd.DataFrame(), pd.DataFrame())
    compared = _sums(scope, filters, window, "comparison", False)
    rounded = scope.rounded
    hidden = _complement_too_small(scope, filters, window)
    groups = [("referred", window, referred)]
    if compared.person_n:
        groups.append(("comparison", window, compared))
    summary = _use_summary(groups)
    shown = _publish_summary(summary, rounded, hidden)
    mine = (summary["cohort"] == "referred").to_numpy()
    window_text = costs.AFTER_WINDOWS[window]
    n = formats.fmt_count(None if hidden else _count(referred.person_n, rounded))
    figure = charts.before_after_chart(
        shown[mine],
        title=f"Mean use per person: 12 months before against {window_text} after referral",
        y_title="Mean per person in 12 months (count)",
        period=f"{filters.period_label} · {n} people",
        digits=_digits(rounded),
    )
    table = _use_table(summary[mine], shown[mine], _digits(rounded))
    download = _summary_download(
        shown, _digits(rounded), Period=filters.period_label, **{"After-window": window_text}
    )
    return UseBeforeAfter(False, figure, table, download, n)


# --- distribution of change -------------------------------------------------------------------
@dataclass(frozen=True)
class ChangeDistribution:
    figure: go.Figure | None
    download: pd.DataFrame
    note: str


@data.cached_view
def change_distribution(
    scope: Scope, filters: Filters, *, window: int = 1, measure: str = "gp_appointments"
) -> ChangeDistribution:
    counts = _change_counts(_summary_rows(scope, filters), window, measure)
    note = (
        "Each person's count after minus before, in whole numbers; changes of 10 or more "
        "either way are pooled at the ends. Blue: less use after; orange (hatched): more."
        + (" Bars of 1-7 people show '*'; others are rounded to 5." if scope.rounded else "")
    )
    if not int(counts["person_n"].sum()):
        return ChangeDistribution(None, pd.DataFrame(), note)
    # each person's (pooled) change once, as costs.change_distribution counts them
    changes = np.repeat(counts["change"].to_numpy(), counts["person_n"].astype(int).to_numpy())
    distribution = costs.change_distribution(changes)
    if scope.rounded:
        distribution = disclosure.protect_frame(distribution, count_columns=["person_count"])
        if _complement_too_small(scope, filters, window):
            distribution["person_count"] = pd.array([None] * len(distribution), dtype="Int64")
    figure = charts.change_distribution_chart(
        distribution,
        measure_label=MEASURE_LABELS[measure],
        unit=UNITS[measure],
        period=filters.period_label,
    )
    download = formats.readable_frame(
        distribution,
        {"change_label": f"Change in {UNITS[measure]} per person", "person_count": "People"},
        {"change_label": str, "person_count": formats.fmt_count},
    ).assign(Period=filters.period_label)
    return ChangeDistribution(figure, download, note)


# --- against the comparison group ---------------------------------------------------------------
@dataclass(frozen=True)
class ComparisonFigures:
    """One measure's changes as published (None: suppressed), per person."""

    referred_change: float | None
    comparison_change: float | None  # the comparison group's mean change, with its interval
    comparison_ci: tuple[float | None, float | None]
    difference: float | None  # difference in differences, with its Welch interval
    difference_ci: tuple[float | None, float | None]


@dataclass(frozen=True)
class Comparison:
    present: bool
    figure: go.Figure | None
    sentence: str
    download: pd.DataFrame
    figures: ComparisonFigures | None = None


def _did(referred: _Sums, comparison: _Sums, measure: str) -> stats.DifferenceInDifferences:
    """costs.difference_in_differences of the people whose before and after are known."""
    return _welch(_change_moments(referred, measure), _change_moments(comparison, measure))


def _did_ok(did, scope: Scope, hidden: bool) -> bool:  # noqa: ANN001
    if not scope.rounded:
        return True
    return (
        not hidden
        and disclosure.is_publishable_n(did.n_referred)
        and disclosure.is_publishable_n(did.n_comparison)
    )


@data.cached_view
def comparison(
    scope: Scope, filters: Filters, *, window: int = 1, measure: str = "gp_appointments"
) -> Comparison:
    referred = _sums(scope, filters, window, "referred", False)
    compared = _sums(scope, filters, window, "comparison", False)
    if not compared.person_n or not referred.person_n:
        return Comparison(False, None, "", pd.DataFrame())
    rounded = scope.rounded
    hidden = _complement_too_small(scope, filters, window)
    did = _did(referred, compared, measure)
    ok = _did_ok(did, scope, hidden)
    summary = _use_summary([("referred", window, referred), ("comparison", window, compared)])
    shown = _publish_summary(summary, rounded, hidden)
    digits = _digits(rounded)

    def side(cohort: str) -> tuple[float | None, tuple[float | None, float | None]]:
        row = shown[(shown["cohort"] == cohort) & (shown["measure"] == measure)]
        if not len(row):
            return None, (None, None)
        r = row.iloc[0]
        return r["mean_change"], (r["change_ci_low"], r["change_ci_high"])

    n_min = min(did.n_referred, did.n_comparison)
    diff = _stat(did.difference, n_min, rounded) if ok else None
    low = _stat(did.ci_low, n_min, rounded) if ok else None
    high = _stat(did.ci_high, n_min, rounded) if ok else None
    ref_change = _stat(did.change_referred, did.n_referred, rounded) if ok else None
    cmp_change = _stat(did.change_comparison, did.n_comparison, rounded) if ok else None
    unit = UNITS[measure]
    figure = charts.did_chart(
        *side("referred"),
        *side("comparison"),
        diff,
        (low, high),
        measure_label=MEASURE_LABELS[measure],
        unit=unit,
        period=filters.period_label,
        digits=digits,
    )
    if ok:
        s = lambda v: formats.fmt_signed(v, digits)  # noqa: E731
        sentence = (
            f"**Difference in differences: {s(diff)} {unit} per person** "
            f"(95% CI {s(low)} to {s(high)}): the change of referred people minus that of "
            "similar people who were not referred. Referred people changed by "
            f"{s(ref_change)} and the comparison group by {s(cmp_change)} "
            "over the same calendar months. This is a between-group comparison of changes, not "
            "a before/after fall (Ways to Wellness's 27% lower secondary-care cost was also a "
            "between-group difference). The groups were not randomised: they may differ in "
            "ways that matter."
        )
    else:
        sentence = f"Difference in differences: {formats.SUPPRESSED} {SUPPRESSED_TEXT}."
    number = lambda v: formats.fmt_number(v, digits, missing="")  # noqa: E731
    download = pd.DataFrame(
        [
            {
                "Measure": MEASURE_LABELS[measure],
                "After-window": costs.AFTER_WINDOWS[window],
                "Referred people": formats.fmt_count(
                    None if hidden else _count(did.n_referred, rounded)
                ),
                "Comparison group people": formats.fmt_count(
                    None if hidden else _count(did.n_comparison, rounded)
                ),
                f"Referred change ({unit} per person)": number(ref_change),
                f"Comparison group change ({unit} per person)": number(cmp_change),
                f"Difference in differences ({unit} per person)": number(diff),
                "95% CI low": number(low),
                "95% CI high": number(high),
                "Period": filters.period_label,
            }
        ]
    )
    cmp_mean, cmp_ci = side("comparison")
    figures = ComparisonFigures(ref_change, cmp_mean, cmp_ci, diff, (low, high))
    return Comparison(True, figure, sentence, download, figures)


# --- frequent attenders -------------------------------------------------------------------------
@dataclass(frozen=True)
class FrequentAttenders:
    empty: bool
    sentences: tuple[str, ...]
    table: pd.DataFrame
    download: pd.DataFrame


def _gp_sentence(raw: pd.DataFrame, shown: pd.DataFrame) -> dict[str, str]:
    r = raw[raw["measure"] == "gp_appointments"].iloc[0]
    s = shown[shown["measure"] == "gp_appointments"].iloc[0]
    one = lambda v: formats.display_value(r[v], s[v], lambda x: formats.fmt_number(x, 1))  # noqa: E731
    return {
        "n": formats.fmt_count(s["person_count"]),
        "before": one("mean_before"),
        "after": one("mean_after"),
        "change": formats.display_value(
            r["mean_change"], s["mean_change"], lambda x: formats.fmt_signed(x, 1)
        ),
        # one decimal, like the means beside it in the sentence (the table keeps 2 dp)
        "ci": _ci(s["change_ci_low"], s["change_ci_high"], r["mean_change"], 1),
    }


@data.cached_view
def frequent_attenders(scope: Scope, filters: Filters, *, window: int = 1) -> FrequentAttenders:
    frequent = _sums(scope, filters, window, "referred", True)
    if not frequent.person_n:
        return FrequentAttenders(True, (), pd.DataFrame(), pd.DataFrame())
    rounded = scope.rounded
    hidden = _complement_too_small(scope, filters, window)
    digits = _digits(rounded)
    window_text = costs.AFTER_WINDOWS[window]
    summary = _use_summary([("referred", window, frequent)])
    shown = _publish_summary(summary, rounded, hidden)
    f = _gp_sentence(summary, shown)
    threshold = costs.FREQUENT_ATTENDER_GP_APPOINTMENTS
    sentences = [
        f"**{f['n']}** people had {threshold} or more GP appointments in the 12 months "
        f"before referral: a mean of **{f['before']}** before and **{f['after']}** in the "
        f"{window_text} after (change {f['change']}, 95% CI {f['ci']}). People chosen "
        "because their use was high will tend to use less later anyway (regression to the "
        "mean), so part of this fall would have happened without the service."
    ]
    frequent_cmp = _sums(scope, filters, window, "comparison", True)
    if frequent_cmp.person_n:
        cmp_summary = _use_summary([("comparison", window, frequent_cmp)])
        c = _gp_sentence(cmp_summary, _publish_summary(cmp_summary, rounded, hidden))
        sentences.append(
            f"In the comparison group, **{c['n']}** people were frequent attenders by the same "
            f"rule: a mean of {c['before']} GP appointments before and {c['after']} after "
            f"(change {c['change']}, 95% CI {c['ci']}): their use fell too, without the "
            "service."
        )
    table = _use_table(summary, shown, digits)
    download = _summary_download(shown, digits, Period=filters.period_label)
    return FrequentAttenders(False, tuple(sentences), table, download)


# --- cost -------------------------------------------------------------------------------------
def unit_cost_editor(unit_costs: Mapping[str, float | None]) -> pd.DataFrame:
    """The editable table of unit costs (the page draws it with st.data_editor)."""
    return pd.DataFrame(
        [
            {
                "Item": u.label,
                "Cost (GBP)": unit_costs.get(key),
                "Price year": u.price_year,
                "Source": u.source,
                "Note": u.note,
            }
            for key, u in costs.UNIT_COSTS.items()
        ]
    )


def edited_unit_costs(edited: pd.DataFrame) -> dict[str, float | None]:
    """The unit costs back from the edited table, keyed by measure (None: not set)."""
    return {
        key: None if pd.isna(value) else float(value)
        for key, value in zip(costs.UNIT_COSTS, edited["Cost (GBP)"], strict=True)
    }


@dataclass(frozen=True)
class Cost:
    warning: str
    uncosted: str
    against_comparison: str
    caveat: str
    figure: go.Figure | None
    lines: tuple[str, ...]
    download: pd.DataFrame


def _gbp(value: object) -> str:
    return "not set" if formats.is_missing(value) else formats.fmt_gbp(value)


def _signed_gbp(value: object) -> str:
    """A change in pounds with its sign: +£20, −£94 (a bare "£20" reads as a cost)."""
    text = formats.fmt_gbp(value)
    return "+" + text if text.startswith("£") and text != "£0" else text


def _cost_summary(
    moments: tuple[int, float, float],
    *,
    people_per_year: int | None,
    annual_service_cost_gbp: float | None,
) -> costs.CostSummary:
    """costs.cost_summary of the people's cost changes, from their n, mean and SD."""
    n, mean_value, sd = moments
    mean, low, high = (math.nan, math.nan, math.nan)
    if n:
        result = stats.mean_ci_from_summary(n, mean_value, sd)
        mean, low, high = float(result.mean), float(result.ci_low), float(result.ci_high)
    return costs.cost_summary_of_interval(
        n, mean, low, high, times=n, people_per_year=people_per_year,
        annual_service_cost_gbp=annual_service_cost_gbp,
    )  # fmt: skip


@data.cached_view
def cost(
    scope: Scope,
    filters: Filters,
    *,
    window: int = 1,
    unit_costs: tuple[tuple[str, float | None], ...] = (),
    service_cost: float = 0.0,
) -> Cost:
    prices = dict(unit_costs) if unit_costs else costs.default_costs()
    changed = costs.changed_costs(prices)
    missing = costs.uncosted(prices)
    warning = (
        "Costed with unit costs that differ from the published defaults for: "
        + ", ".join(costs.UNIT_COSTS[k].label for k in changed)
        + "."
        if changed
        else ""
    )
    uncosted = (
        "Not costed (no unit cost set): "
        + ", ".join(costs.UNIT_COSTS[k].label.lower() for k in missing)
        + ". Prescriptions are counted but not costed."
        if missing
        else ""
    )
    referred = _sums(scope, filters, window, "referred", False)
    compared = _sums(scope, filters, window, "comparison", False)
    rounded = scope.rounded
    hidden = _complement_too_small(scope, filters, window)
    window_text = costs.AFTER_WINDOWS[window]

    lead = ""
    # costs.cost_difference_in_differences, from the sums
    referred_cost = _cost_moments(referred, prices)
    cost_did = (
        _welch(referred_cost, _cost_moments(compared, prices))
        if referred.person_n and compared.person_n
        else None
    )
    if cost_did is not None:
        ok = _did_ok(cost_did, scope, hidden)
        n_min = min(cost_did.n_referred, cost_did.n_comparison)
        n_ref = None if hidden else _count(cost_did.n_referred, rounded)
        n_cmp = None if hidden else _count(cost_did.n_comparison, rounded)
        g = lambda v, n=n_min: _signed_gbp(_stat(v, n, rounded, 0))  # noqa: E731
        lead = (
            "**Against the comparison group** (the figure to lead with): "
            + (
                "over the same calendar months, NHS cost per person changed by "
                f"{g(cost_did.change_referred, cost_did.n_referred)} a year for referred "
                f"people and by {g(cost_did.change_comparison, cost_did.n_comparison)} for "
                f"the comparison group: a difference of **{g(cost_did.difference)}** a "
                f"person a year (95% CI {g(cost_did.ci_low)} to {g(cost_did.ci_high)})"
                if ok
                else f"{formats.SUPPRESSED} {SUPPRESSED_TEXT}"
            )
            + f". {formats.fmt_count(n_ref)} referred people, {formats.fmt_count(n_cmp)} in "
            "the comparison group. The groups were not randomised."
        )
    caveat = (
        "The figures below are before/after for referred people only, not the effect of the "
        "service: use tends to fall after a peak anyway (regression to the mean)."
        + (" Lead with the comparison above." if cost_did is not None else "")
    )

    n = referred.person_n
    people_year = data.query("accepted_referrals_last_year", scope, filters)
    # Publishable: rounded by the query header, and NA when 7 or fewer.
    accepted = people_year["accepted_referral_count"].iloc[0] if len(people_year) else 0
    people_per_year = 0 if formats.is_missing(accepted) else int(accepted)
    summary = _cost_summary(
        referred_cost,
        people_per_year=people_per_year or None,
        annual_service_cost_gbp=service_cost or None,
    )
    if not referred.person_n or (rounded and (hidden or not disclosure.is_publishable_n(n))):
        lines = (f"Cost change per person: {formats.SUPPRESSED} (7 or fewer people).",)
        if not referred.person_n:
            lines = ()
        return Cost(warning, uncosted, lead, caveat, None, lines, pd.DataFrame())

    # Publishable: whole pounds, so that the total below is exactly what is shown times n.
    mean = _stat(summary.mean_change_gbp, n, rounded, 0)
    low = _stat(summary.ci_low_gbp, n, rounded, 0)
    high = _stat(summary.ci_high_gbp, n, rounded, 0)
    n_shown = _count(n, rounded)
    # The total is the published mean times the published number of people, so that total /
    # mean gives back only the rounded n (full access: the exact mean times the exact n).
    total = lambda v: None if v is None else v * n_shown  # noqa: E731
    per_person = summary.service_cost_per_person_gbp
    net = lambda v: None if per_person is None or v is None else per_person + v  # noqa: E731
    figure = charts.cost_chart(
        per_person,
        mean,
        (low, high),
        net(mean),
        (net(low), net(high)),
        period=f"{filters.period_label} · {window_text} after against the 12 months before",
    )
    lines = [
        f"Change in NHS cost per person: **{_gbp(mean)}** a year (95% CI {_gbp(low)} to "
        f"{_gbp(high)}); negative means less NHS cost.",
        f"In total for the {formats.fmt_count(n_shown)} people in this period: "
        f"**{_gbp(total(mean))}** (95% CI {_gbp(total(low))} to {_gbp(total(high))}).",
    ]
    if per_person is not None:
        lines.append(
            f"Service cost per person: **{_gbp(per_person)}** ({_gbp(service_cost)} a year "
            f"over {formats.fmt_count(people_per_year)} people taken on in the 12 months to "
            f"{formats.uk_date(filters.end_date)}). Net cost per person: "
            f"**{_gbp(net(mean))}** (95% CI {_gbp(net(low))} to {_gbp(net(high))})."
        )
    else:
        lines.append("Set the annual cost of the service above to see the net cost per person.")
    pounds = lambda v: formats.fmt_number(v, 0 if rounded else 2, missing="")  # noqa: E731
    download = pd.DataFrame(
        [
            {
                "People (referred, costed)": formats.fmt_count(n_shown),
                "Change in NHS cost per person (GBP a year)": pounds(mean),
                "95% CI low (GBP)": pounds(low),
                "95% CI high (GBP)": pounds(high),
                "Total change in NHS cost (GBP)": pounds(total(mean)),
                "Total, 95% CI low (GBP)": pounds(total(low)),
                "Total, 95% CI high (GBP)": pounds(total(high)),
                "People taken on in the 12 months to the end of the period": formats.fmt_count(
                    people_per_year or None, missing=""
                ),
                "Annual service cost (GBP)": pounds(service_cost or None),
                "Service cost per person (GBP)": pounds(per_person),
                "Net cost per person (GBP)": pounds(net(mean)),
                "Period": filters.period_label,
                "After-window": window_text,
            }
            | {
                f"Unit cost: {costs.UNIT_COSTS[k].label} (GBP)": pounds(v)
                for k, v in prices.items()
            }
        ]
    )
    return Cost(warning, uncosted, lead, caveat, figure, tuple(lines), download)
