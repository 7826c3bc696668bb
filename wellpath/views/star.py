"""The Well-being Star and PSFS page: paired change area by area, and one person's Star.

Pairs: each referral's first form against its latest later complete form on or before the
report date, dated in the period, item by item, counted (queries/instrument_item_score_pairs.sql).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from wellpath import data, disclosure, formats, scoring, stats
from wellpath.charts import star as star_charts
from wellpath.scope import Filters, Scope

INSTRUMENTS = {"WBSTAR": "Well-being Star", "PSFS": "Patient-Specific Functional Scale"}

AREA_NOTE = (
    "The eight areas are shown as Area 1 to Area 8, in the order of the form's items: "
    "neither the data contract nor measures.md names them, so Wellpath does not guess."
)
PSFS_NOTE = (
    "Each person chooses their own PSFS activities, so Activity 1 is not the same activity "
    "for everyone: read these as the first, second... activity named, not as one task. "
    "The PSFS score is the mean of a person's activities."
)


def item_label(instrument: str, number: int) -> str:
    return f"Area {number}" if instrument == "WBSTAR" else f"Activity {number}"


def licence_notice(instrument: str) -> str | None:
    return scoring.INSTRUMENTS[instrument].licence_notice


@dataclass(frozen=True)
class AreaChange:
    table: pd.DataFrame  # display text
    download: pd.DataFrame
    figure: go.Figure | None
    sentence: str
    notes: list[str]


def area_summary(pairs: pd.DataFrame, instrument: str) -> pd.DataFrame:
    """Per item: people paired, mean at the start and latest, mean change with its t 95%
    interval, and how many improved (stats.paired_change_counted), from the counted pairs of
    queries/instrument_item_score_pairs.sql: item_number, baseline_item_score,
    latest_item_score, pair_weight."""
    out = []
    for number, group in pairs.groupby("item_number", sort=True):
        pc = stats.paired_change_counted(
            group["baseline_item_score"], group["latest_item_score"], group["pair_weight"]
        )
        out.append(
            {
                "item_number": int(number),
                "area": item_label(instrument, int(number)),
                "pair_count": pc.n,
                "improved_count": pc.improved_count,
                "mean_start": pc.mean_baseline,
                "mean_latest": pc.mean_follow_up,
                "mean_change": pc.mean_change,
                "ci_low": pc.ci_low,
                "ci_high": pc.ci_high,
            }
        )
    return pd.DataFrame(out)


STATISTICS = ("mean_start", "mean_latest", "mean_change", "ci_low", "ci_high")


@data.cached_view
def area_change(scope: Scope, filters: Filters, *, instrument: str = "WBSTAR") -> AreaChange:
    """Paired change for each area (WBSTAR) or activity (PSFS), with the radar chart."""
    pairs = data.query("instrument_item_score_pairs", scope, filters, instrument=instrument)
    notes = [AREA_NOTE if instrument == "WBSTAR" else PSFS_NOTE]
    notice = licence_notice(instrument)
    if notice:
        notes.append(notice)
    if pairs.empty:
        return AreaChange(pd.DataFrame(), pd.DataFrame(), None, "No pairs in this period.", notes)
    raw = area_summary(pairs, instrument)
    shown = raw.copy()
    if scope.rounded:
        shown = disclosure.protect_frame(
            raw, count_columns=["pair_count", "improved_count"],
            statistic_columns={c: "pair_count" for c in STATISTICS},
        )  # fmt: skip
        for col in STATISTICS:
            shown[col] = [
                disclosure.published_statistic(v, n) for v, n in zip(shown[col], raw["pair_count"], strict=True)
            ]  # fmt: skip
    people = int(pairs["people_n"].iloc[0])
    table = pd.DataFrame(
        {
            "Area": raw["area"],
            "People paired": [formats.fmt_count(v) for v in shown["pair_count"]],
            "Mean at start": formats.display_column(raw["mean_start"], shown["mean_start"]),
            "Mean latest": formats.display_column(raw["mean_latest"], shown["mean_latest"]),
            "Mean change (points)": formats.display_column(
                raw["mean_change"], shown["mean_change"], formats.fmt_signed
            ),
            "95% CI": [
                formats.NO_DATA
                if formats.is_missing(r)
                else formats.SUPPRESSED
                if formats.is_missing(lo) or formats.is_missing(hi)
                else f"{formats.fmt_signed(lo)} to {formats.fmt_signed(hi)}"
                for r, lo, hi in zip(raw["ci_low"], shown["ci_low"], shown["ci_high"], strict=True)
            ],  # fmt: skip
            "Improved": [formats.fmt_count(v) for v in shown["improved_count"]],
        }
    )
    total_people = int(pairs["total_people_n"].iloc[0])
    if scope.rounded:
        people, total_people = disclosure.round_count(people), disclosure.round_count(total_people)
    noun = "areas" if instrument == "WBSTAR" else "activities"
    # Outcomes' "People paired" counts the total; a form with a total but no item scores
    # is paired there and not here, so both counts are named (one definition each).
    sentence = (
        f"{formats.fmt_count(people)} people with {noun} scored on their first and latest forms, "
        f"of {formats.fmt_count(total_people)} paired on the total (as on Outcomes)."
    )
    changes = [
        (formats.round_half_up(float(v), 1), a)
        for v, a in zip(shown["mean_change"], raw["area"], strict=True)
        if not formats.is_missing(v)
    ]
    if changes:
        top = max(v for v, _ in changes)
        tied = [a for v, a in changes if v == top]
        sentence += f" The largest mean change is in {' and '.join(tied)} ({formats.fmt_signed(top)} points)."
    name = INSTRUMENTS[instrument]
    fig = star_charts.star_radar(
        list(raw["area"]),
        [None if formats.is_missing(v) else float(v) for v in shown["mean_start"]],
        [None if formats.is_missing(v) else float(v) for v in shown["mean_latest"]],
        title=f"{name}: mean at the start and latest, by {'area' if instrument == 'WBSTAR' else 'activity'}",
        period=f"Latest form dated {filters.period_label}",
        scale=(1, 10) if instrument == "WBSTAR" else (0, 10),
        stages=instrument == "WBSTAR",
    )
    download = table.copy()
    return AreaChange(table, download, fig, sentence, notes)


@dataclass(frozen=True)
class PersonStar:
    allowed: bool
    message: str
    table: pd.DataFrame
    figure: go.Figure | None


REFUSAL = (
    "One person's Star is shown only to the practice team and the programme lead "
    "(unrounded views), not with publishable figures."
)


@data.cached_view
def _person_star(
    scope: Scope, filters: Filters, *, referral_id: str, instrument: str = "WBSTAR"
) -> PersonStar:
    if scope.rounded:
        return PersonStar(False, REFUSAL, pd.DataFrame(), None)
    rows = data.query(
        "person_instrument_items", scope, filters, referral_id=referral_id, instrument=instrument
    )
    if rows.empty:
        return PersonStar(True, "No complete Star form is recorded.", pd.DataFrame(), None)
    wide = rows.pivot_table(index="item_number", columns="which", values="item_score")
    dates = rows.groupby("which")["assessment_date"].first()
    areas = [item_label(instrument, int(i)) for i in wide.index]
    start = [None if pd.isna(v) else float(v) for v in wide.get("start", pd.Series(dtype=float))]
    latest = [None if pd.isna(v) else float(v) for v in wide.get("latest", pd.Series(dtype=float))]
    start_name = f"Start, {formats.uk_date(dates.get('start'))}"
    latest_name = f"Now, {formats.uk_date(dates.get('latest'), missing='not yet')}"
    table = pd.DataFrame(
        {
            "Area": areas,
            start_name: [formats.fmt_number(v, 0) for v in start] or [formats.NO_DATA] * len(areas),
            latest_name: [formats.fmt_number(v, 0) for v in latest] or [formats.NO_DATA] * len(areas),
        }
    )  # fmt: skip
    fig = star_charts.star_radar(
        areas, start or [None] * len(areas), latest or [None] * len(areas),
        title="Well-being Star at the start and now", period=f"as at {formats.uk_date(filters.report_date)}",
        start_name=start_name, latest_name=latest_name,
    )  # fmt: skip
    return PersonStar(True, "", table, fig)


def person_star(
    scope: Scope, referral_id: str, *, report_date: dt.date | None = None
) -> PersonStar:
    """One person's Well-being Star at the start and now (latest form on or before the
    report date): for the MDT page. Refused in a rounded scope."""
    on = report_date or dt.date.today()
    filters = Filters(start_date=dt.date(1900, 1, 1), end_date=on)
    return _person_star(scope, filters, referral_id=str(referral_id))
