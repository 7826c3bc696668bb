"""Healthcare use before and after referral, and what it costs the NHS.

Turns the person-level rows of queries/healthcare_use_before_after.sql (one row per person
and after-window: counts in the 12 months before the index month and in months 1-12 or 13-24
after it) into the figures of the Healthcare use and cost page: means per person with 95%
CIs, the distribution of per-person change, the difference in differences against the
comparison cohort, the frequent attenders, and the cost summary.

Unit costs live in `UNIT_COSTS` with their source and price year (measures.md). Users may
change them on the page; every costing function takes the costs as an argument, so a page
never costs silently with anything but what it shows. Uncertainty is carried through: the
cost change is computed per person (so the CI reflects how the items vary together), its CI
is scaled by the number of people for totals, and the service cost is treated as known.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from wellpath import disclosure, stats


@dataclass(frozen=True)
class UnitCost:
    """What one contact costs, and where that figure comes from."""

    measure: str  # column stem in the query: gp_appointments, ae_attendances...
    label: str
    cost_gbp: float | None  # None: not set, so not costed
    price_year: str
    source: str
    note: str = ""


UNIT_COSTS: Mapping[str, UnitCost] = MappingProxyType(
    {
        "gp_appointments": UnitCost(
            "gp_appointments",
            "GP appointment (10 minutes)",
            42.0,
            "2022/23",
            "PSSRU/CHE Unit Costs of Health and Social Care 2023, table 9.4.2",
            "GBP 49 including qualification costs",
        ),
        "ae_attendances": UnitCost(
            "ae_attendances",
            "A&E attendance (type 1)",
            282.0,
            "2022/23",
            "NHS England National Cost Collection 2022/23",
            "to be verified locally",
        ),
        "outpatient_attendances": UnitCost(
            "outpatient_attendances",
            "Outpatient attendance",
            None,
            "",
            "National Cost Collection: to be set by the service",
            "not costed until set",
        ),
        "nonelective_admissions": UnitCost(
            "nonelective_admissions",
            "Non-elective admission",
            None,
            "",
            "National Cost Collection: to be set by the service",
            "not costed until set",
        ),
    }
)

#: Everything the page counts, in display order: (column stem, label, unit).
USE_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("gp_appointments", "GP appointments", "appointments"),
    ("ae_attendances", "A&E attendances", "attendances"),
    ("outpatient_attendances", "Outpatient attendances", "attendances"),
    ("nonelective_admissions", "Non-elective admissions", "admissions"),
    ("opioid_items", "Opioid prescription items", "items"),
    ("gabapentinoid_items", "Gabapentinoid prescription items", "items"),
)

AFTER_WINDOWS: Mapping[int, str] = MappingProxyType({1: "months 1-12", 2: "months 13-24"})

#: GP appointments in the 12 months before referral that make a person a frequent attender.
FREQUENT_ATTENDER_GP_APPOINTMENTS = 10


def default_costs() -> dict[str, float | None]:
    """The unit costs of measures.md, keyed by measure (None: not set)."""
    return {key: unit.cost_gbp for key, unit in UNIT_COSTS.items()}


def changed_costs(costs: Mapping[str, float | None]) -> list[str]:
    """Measures whose cost differs from the published default, so the page can say so."""
    defaults = default_costs()
    changed = []
    for key, default in defaults.items():
        value = costs.get(key)
        same = (value is None and default is None) or (
            value is not None and default is not None and math.isclose(value, default)
        )
        if not same:
            changed.append(key)
    return changed


def uncosted(costs: Mapping[str, float | None]) -> list[str]:
    """Measures left out of the cost because no unit cost is set."""
    return [key for key in UNIT_COSTS if costs.get(key) is None]


def person_costs(rows: pd.DataFrame, costs: Mapping[str, float | None], side: str) -> pd.Series:
    """NHS cost per person for one side ('before' or 'after'): sum of count x unit cost."""
    if side not in ("before", "after"):
        raise ValueError("side must be 'before' or 'after'")
    total = pd.Series(0.0, index=rows.index)
    for key in UNIT_COSTS:
        unit = costs.get(key)
        if unit is not None:
            total = total + rows[f"{key}_{side}"].astype(float).fillna(0.0) * float(unit)
    return total


def person_cost_change(rows: pd.DataFrame, costs: Mapping[str, float | None]) -> pd.Series:
    """Per person: cost after minus cost before (negative = less NHS cost)."""
    return person_costs(rows, costs, "after") - person_costs(rows, costs, "before")


def _mean_ci(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean with its 95% t interval (NaN limits for fewer than two values)."""
    arr = np.asarray(values, dtype=float)
    if len(arr) == 0:
        return (math.nan, math.nan, math.nan)
    result = stats.mean_ci(arr)
    return (float(result.mean), float(result.ci_low), float(result.ci_high))


def use_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Means per person before and after, and the mean change with its 95% CI, per measure,
    cohort and after-window. Prescription measures use only rows where they are known."""
    out = []
    for (cohort, window), group in rows.groupby(["cohort", "after_window"], sort=False):
        for key, label, unit in USE_MEASURES:
            known = group.dropna(subset=[f"{key}_before", f"{key}_after"])
            before = known[f"{key}_before"].astype(float)
            after = known[f"{key}_after"].astype(float)
            mean_before, before_low, before_high = _mean_ci(before)
            mean_after, after_low, after_high = _mean_ci(after)
            mean_change, change_low, change_high = _mean_ci(after - before)
            out.append(
                {
                    "cohort": cohort,
                    "after_window": int(window),
                    "measure": key,
                    "measure_label": label,
                    "unit": unit,
                    "person_count": len(known),
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


USE_SUMMARY_STATISTICS = (
    "mean_before",
    "before_ci_low",
    "before_ci_high",
    "mean_after",
    "after_ci_low",
    "after_ci_high",
    "mean_change",
    "change_ci_low",
    "change_ci_high",
)


def protect_use_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Disclosure control of `use_summary` for publishable figures."""
    return disclosure.protect_frame(
        summary,
        count_columns=["person_count"],
        statistic_columns={col: "person_count" for col in USE_SUMMARY_STATISTICS},
    )


def change_distribution(changes: Sequence[float], *, cap: int = 10) -> pd.DataFrame:
    """How many people changed by each whole amount; changes beyond +/-cap are pooled at
    the ends, so a few large changes neither hide the rest nor identify anyone."""
    arr = np.clip(np.round(np.asarray(changes, dtype=float)), -cap, cap).astype(int)
    values, counts = np.unique(arr, return_counts=True)
    frame = pd.DataFrame({"change": np.arange(-cap, cap + 1)})
    frame["person_count"] = frame["change"].map(dict(zip(values, counts, strict=True))).fillna(0)
    frame["person_count"] = frame["person_count"].astype(int)
    frame["change_label"] = frame["change"].map(
        lambda v: (
            f"{v:+d} or fewer"
            if v == -cap
            else (f"+{v} or more" if v == cap else (f"{v:+d}" if v else "0"))
        )
    )
    return frame


def difference_in_differences(
    referred_changes: Sequence[float], comparison_changes: Sequence[float]
) -> stats.DifferenceInDifferences:
    """Mean per-person change (after - before) of the referred minus that of the comparison
    cohort over the same calendar months, with a Welch 95% CI."""
    return stats.welch_difference(
        np.asarray(referred_changes, dtype=float), np.asarray(comparison_changes, dtype=float)
    )


def frequent_attenders(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of people with 10 or more GP appointments in the 12 months before."""
    return rows[rows["gp_appointments_before"] >= FREQUENT_ATTENDER_GP_APPOINTMENTS]


@dataclass(frozen=True)
class CostSummary:
    """The change in NHS cost and the service cost, with the uncertainty carried through.

    A negative change is a saving. Net cost per person = service cost per person + change in
    NHS cost per person: the CI is the change's CI shifted, as the service cost is known.
    """

    person_count: int
    mean_change_gbp: float
    ci_low_gbp: float
    ci_high_gbp: float
    total_change_gbp: float
    total_ci_low_gbp: float
    total_ci_high_gbp: float
    people_per_year: int | None
    annual_service_cost_gbp: float | None
    service_cost_per_person_gbp: float | None
    net_cost_per_person_gbp: float | None
    net_ci_low_gbp: float | None
    net_ci_high_gbp: float | None


def cost_summary(
    cost_changes: Sequence[float],
    *,
    people_per_year: int | None = None,
    annual_service_cost_gbp: float | None = None,
    total_people: int | None = None,
) -> CostSummary:
    """Summarise per-person cost changes against a year's service cost.

    Total change = mean change x the people it describes (CI likewise): `total_people`, or
    the number of changes when not given. Publishable figures pass the ROUNDED number of
    people, because total / mean would otherwise give the unrounded number away. The service
    cost per person is the annual service cost over the people taken on in a year.
    """
    known = np.asarray(cost_changes, dtype=float)
    known = known[~np.isnan(known)]
    # the people the mean describes: a missing change is no one's (it must not scale a total)
    n = int(known.size)
    mean, low, high = _mean_ci(known)
    times = n if total_people is None else total_people
    return cost_summary_of_interval(
        n, mean, low, high, times=times, people_per_year=people_per_year,
        annual_service_cost_gbp=annual_service_cost_gbp,
    )  # fmt: skip


def cost_summary_of_interval(
    n: int,
    mean: float,
    low: float,
    high: float,
    *,
    times: int,
    people_per_year: int | None = None,
    annual_service_cost_gbp: float | None = None,
) -> CostSummary:
    """The CostSummary of a mean cost change and its interval over `n` people: totals are the
    mean (and limits) x `times` people, the net cost per person the service's cost per person
    plus the change. One assembly for cost_summary (person rows) and the Healthcare use page
    (SQL's moments)."""
    per_person = None
    if annual_service_cost_gbp is not None and people_per_year:
        per_person = float(annual_service_cost_gbp) / people_per_year
    return CostSummary(
        person_count=n,
        mean_change_gbp=mean,
        ci_low_gbp=low,
        ci_high_gbp=high,
        total_change_gbp=mean * times,
        total_ci_low_gbp=low * times,
        total_ci_high_gbp=high * times,
        people_per_year=people_per_year,
        annual_service_cost_gbp=annual_service_cost_gbp,
        service_cost_per_person_gbp=per_person,
        net_cost_per_person_gbp=None if per_person is None else per_person + mean,
        net_ci_low_gbp=None if per_person is None else per_person + low,
        net_ci_high_gbp=None if per_person is None else per_person + high,
    )


def cost_difference_in_differences(
    referred: pd.DataFrame, comparison: pd.DataFrame, costs: Mapping[str, float | None]
) -> stats.DifferenceInDifferences | None:
    """Change in NHS cost per person of the referred minus that of the comparison cohort over
    the same calendar months (Welch 95% CI): the cost figure to lead with when a comparison
    cohort is loaded. None without comparison rows."""
    if comparison.empty or referred.empty:
        return None
    return difference_in_differences(
        person_cost_change(referred, costs).to_numpy(),
        person_cost_change(comparison, costs).to_numpy(),
    )
