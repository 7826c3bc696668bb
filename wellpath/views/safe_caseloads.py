"""The Safe caseloads page: each link worker's active caseload against an FTE-adjusted
capacity, people not contacted for a while (a count, never a list) and referrals waiting.

Capacity: measures.md gives 200-250 people per full-time link worker per YEAR (NHS Long Term
Plan, as cited by London's programme). The caseload on a day is a point-in-time figure, so
the annual figure is turned into one with Little's law: people on the caseload at a time =
people taken on a year x the average time each stays (in years). By default the time is the
mean length of this service's caseload episodes that ended in the 12 months to the report
date; the page lets the user set both numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from wellpath import data, disclosure, formats
from wellpath.charts import caseloads as caseload_charts
from wellpath.scope import Filters, Scope

ANNUAL_PEOPLE_PER_FTE = 250.0
ANNUAL_SOURCE = (
    "measures.md: \u201c200-250 people per full-time link worker per year\u201d (NHS Long Term "
    "Plan, as cited by London's programme); the default is the top of that range."
)
DAYS_WITHOUT_CONTACT = 42  # six weeks: a choice, editable on the page


@dataclass(frozen=True)
class Status:
    code: str
    label: str
    icon: str
    colour: str


# colour-blind safe: each status also has its own word and shape
STATUSES = {
    "over": Status("over", "Over capacity", "\u25b2", "#D5281B"),
    "limit": Status("limit", "At the limit", "\u25c6", "#ED8B00"),
    "at": Status("at", "At capacity", "\u25cf", "#007F3B"),
    "spare": Status("spare", "Spare capacity", "\u25bc", "#005EB8"),
}


def capacity_status(pct_of_capacity: float | None) -> Status | None:
    """Over 110% over capacity (red); over 100% to 110% at the limit (amber); 95% to 100% at
    capacity (green); under 95% spare capacity (blue). None when there is no figure."""
    if pct_of_capacity is None or formats.is_missing(pct_of_capacity):
        return None
    if pct_of_capacity > 110:
        return STATUSES["over"]
    if pct_of_capacity > 100:
        return STATUSES["limit"]
    if pct_of_capacity >= 95:
        return STATUSES["at"]
    return STATUSES["spare"]


def point_in_time_capacity(fte: float, annual_people_per_fte: float, months: float) -> float:
    """Little's law: FTE x people a year per full-time worker x months on the caseload / 12."""
    return float(fte) * annual_people_per_fte * months / 12.0


@dataclass(frozen=True)
class EpisodeLength:
    months: float | None
    sentence: str


@data.cached_view
def episode_length(scope: Scope, filters: Filters) -> EpisodeLength:
    """The measured mean months on the caseload (the default for the capacity)."""
    row = data.query("caseload_episode_length", scope, filters).iloc[0]
    months = row["mean_episode_months"]
    if formats.is_missing(months):
        return EpisodeLength(None, "No caseload episode ended in the 12 months to the report date.")
    months = formats.round_half_up(float(months), 1)
    return EpisodeLength(
        months,
        f"Caseload episodes that ended in the 12 months to {formats.uk_date(filters.report_date)} "
        f"lasted {formats.fmt_number(months)} months on average "
        f"({formats.fmt_count(row['episode_count'])} episodes).",
    )


@dataclass(frozen=True)
class Caseloads:
    table: pd.DataFrame
    figure: go.Figure | None
    waiting: pd.DataFrame
    sentences: list[str]


@data.cached_view
def caseloads(
    scope: Scope,
    filters: Filters,
    *,
    annual_people_per_fte: float = ANNUAL_PEOPLE_PER_FTE,
    months_on_caseload: float = 3.0,
    days_without_contact: int = DAYS_WITHOUT_CONTACT,
) -> Caseloads:
    """Per link worker on the report date: caseload, capacity, status, people not contacted
    for more than `days_without_contact` days, referrals waiting for them; and the waiting
    list by how long people have waited."""
    rows = data.query(
        "caseload_safety_by_worker", scope, filters, days_without_contact=int(days_without_contact)
    )
    records, bars = [], []
    for r in rows.itertuples(index=False):
        capacity = point_in_time_capacity(r.fte or 0, annual_people_per_fte, months_on_caseload)
        active = None if formats.is_missing(r.active_count) else int(r.active_count)
        pct = None if active is None or capacity <= 0 else 100.0 * active / capacity
        status = capacity_status(pct)
        records.append(
            {
                "Link worker": r.display_name,
                "FTE": formats.fmt_number(r.fte, 1),
                "On caseload (people)": formats.fmt_count(active),
                "Capacity (people at a time)": formats.fmt_number(capacity, 0),
                "% of capacity": formats.fmt_pct(pct, missing=formats.SUPPRESSED),
                "Status": formats.SUPPRESSED if status is None else f"{status.icon} {status.label}",
                f"No contact for over {days_without_contact} days": formats.fmt_count(
                    r.not_contacted_count
                ),
                "Waiting for first contact": formats.fmt_count(r.waiting_count),
            }
        )
        bars.append((str(r.display_name), pct, status))
    table = pd.DataFrame(records)
    fig = None
    if bars:
        fig = caseload_charts.capacity_bars(
            bars, title="Caseload as a share of capacity, by link worker",
            period=f"on {formats.uk_date(filters.report_date)}",
        )  # fmt: skip
    waits = data.query("waiting_for_worker_by_band", scope, filters)
    wide = (
        waits.pivot(index=["band_order", "wait_band"], columns="allocation", values="person_count")
        .reset_index()
        .sort_values("band_order")
    )
    waiting = pd.DataFrame(
        {
            "Waiting since referral": wide["wait_band"],
            "Worker named": [formats.fmt_count(v) for v in wide.get("named", [])],
            "No worker named yet": [formats.fmt_count(v) for v in wide.get("not_named", [])],
        }
    )
    total = waits["person_count"]
    shown_total = disclosure.published_total(total) if scope.rounded else int(total.sum())
    sentences = [
        f"Capacity per full-time worker: {formats.fmt_number(annual_people_per_fte, 0)} people "
        f"a year \u00d7 {formats.fmt_number(months_on_caseload)} months on the caseload / 12 = "
        f"{formats.fmt_number(point_in_time_capacity(1, annual_people_per_fte, months_on_caseload), 0)}"
        " people at a time, pro rata FTE.",
        f"Waiting for a first contact on {formats.uk_date(filters.report_date)}: "
        f"{formats.fmt_count(shown_total)} people"
        + (" (the bands shown; suppressed bands are not added in)." if scope.rounded else "."),
    ]
    return Caseloads(table, fig, waiting, sentences)
