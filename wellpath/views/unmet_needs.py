"""Unmet needs: goals not achieved, partly achieved or withdrawn, by the barrier that stood
in the way, the goal's domain and the PCN, quarter by quarter; the gaps in community
provision, as tables and a chart a PCN clinical director or a funder can be sent.

Every count is under disclosure control in a rounded scope: the cells come rounded from
wellpath.data (1-7 as *, others to the nearest 5, 0 as 0); row, column and grand totals are
sums of the published cells (so no hidden cell can be worked out from a total), and shares
are worked from those rounded totals.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from wellpath import contract, data, disclosure, formats, labels
from wellpath.charts import integration as charts
from wellpath.scope import Filters, Scope
from wellpath.service import quarter_label

NOT_RECORDED = "not_recorded"
BARRIER_LABELS = {
    "no_local_activity": "No suitable local activity",
    "cost": "Cost",
    "transport": "Transport",
    "waiting_list": "Waiting list",
    "health": "Health got in the way",
    "confidence": "Confidence",
    "other": "Other",
    NOT_RECORDED: "Not recorded",
}
#: The barrier-by-group table on screen: shorter headers for its widest columns (the full
#: name on hover and in the CSV), so that eight barriers, the total and the share fit at
#: 1440 px.
CROSSTAB_SHORT_HEADERS = {
    "No suitable local activity": "No local activity",
    "Health got in the way": "Health",
    "Share of all": "Share",
}
STATUS_LABELS = {
    "not_achieved": "Not achieved",
    "partly_achieved": "Partly achieved",
    "withdrawn": "Withdrawn",
}
BY_CHOICES = {"domain": "Goal domain", "pcn": "Primary care network"}
TOTAL = "Total"


@dataclass(frozen=True)
class CrossTab:
    table: pd.DataFrame  # display-ready strings, with a Total column and a Total row
    figure: go.Figure | None
    total_goals: str  # the published grand total ("*" never: a sum of published cells)
    note: str


def _statuses(statuses: tuple[str, ...] | None) -> list[str]:
    chosen = [s for s in (statuses or contract.UNMET_STATUSES) if s in contract.UNMET_STATUSES]
    return chosen or list(contract.UNMET_STATUSES)


def _cells(scope: Scope, filters: Filters, rows_by: str, columns_by: str, statuses):
    cells = data.query(
        "unmet_goals",
        scope,
        filters,
        rows_by=rows_by,
        columns_by=columns_by,
        statuses=_statuses(statuses),
    )
    for col, by in (("row_key", rows_by), ("column_key", columns_by)):
        if by == "barrier":
            cells[col] = cells[col].fillna(NOT_RECORDED)
    return cells


def published_total(values: pd.Series) -> int | None:
    """The sum of the published cells; None ("*") when cells were suppressed and none of the
    others is above 0 (a total of 0 beside hidden cells would say there were none)."""
    total = disclosure.published_total(values)
    if total == 0 and pd.isna(pd.Series(values, dtype="Float64")).any():
        return None
    return total


def _total(values: pd.Series, rounded: bool) -> int | None:
    if rounded:
        return published_total(values)
    return int(values.sum())


def crosstab(
    cells: pd.DataFrame,
    row_order: list[str],
    row_labels: dict[str, str],
    column_order: list[str],
    column_labels: dict[str, str],
    rounded: bool,
    row_title: str,
) -> tuple[pd.DataFrame, int | None]:
    """The display table of goal counts: cells as published, totals from the published cells,
    each row's share of the grand total from the rounded totals. Returns it and the total."""
    grid = (
        cells.pivot_table(
            index="row_key", columns="column_key", values="goal_count", aggfunc="first"
        )
        if len(cells)
        else pd.DataFrame()
    )
    grid = grid.reindex(index=row_order, columns=column_order)
    present = set(zip(cells["row_key"], cells["column_key"], strict=True))
    for r in row_order:  # a cell with no goals is a true 0; a suppressed one stays NA
        for c in column_order:
            if (r, c) not in present:
                grid.loc[r, c] = 0
    row_totals = {r: _total(grid.loc[r], rounded) for r in row_order}
    column_totals = {c: _total(grid[c], rounded) for c in column_order}
    visible = [t for t in row_totals.values() if t is not None]
    grand = sum(visible) if (visible or not rounded) else None
    rows = []
    for r in row_order:
        share = None if row_totals[r] is None or not grand else 100.0 * row_totals[r] / grand
        rows.append(
            {
                row_title: row_labels.get(r, formats.plain_text(r)),
                **{
                    column_labels.get(c, c): formats.fmt_count(grid.loc[r, c]) for c in column_order
                },
                TOTAL: formats.fmt_count(row_totals[r]),
                "Share of all": formats.fmt_pct(
                    share, missing=formats.SUPPRESSED if row_totals[r] is None else formats.NO_DATA
                ),
            }
        )
    rows.append(
        {
            row_title: TOTAL,
            **{column_labels.get(c, c): formats.fmt_count(column_totals[c]) for c in column_order},
            TOTAL: formats.fmt_count(grand),
            "Share of all": formats.fmt_pct(100.0 if grand else None),
        }
    )
    return pd.DataFrame(rows), grand


def _note(rounded: bool) -> str:
    if rounded:
        return (
            "Publishable figures: counts of 1 to 7 are shown as *, others rounded to the nearest "
            "5; totals add up the figures shown, and shares are worked from them."
        )
    return "Unrounded figures, for the service's own use: not for publication."


@data.cached_view
def barriers_over_time(scope: Scope, filters: Filters, *, statuses: tuple[str, ...] = ()):
    """Goals not met by barrier, quarter by quarter of closing."""
    cells = _cells(scope, filters, "barrier", "quarter", statuses)
    quarters = sorted(set(cells["column_key"].dropna()))
    quarter_names = {q: quarter_label(q) for q in quarters}
    barriers = [b for b in BARRIER_LABELS if b in set(cells["row_key"])]
    table, grand = crosstab(
        cells, barriers, BARRIER_LABELS, quarters, quarter_names, scope.rounded, "Barrier"
    )
    figure = None
    if len(cells):
        long = pd.DataFrame(
            [
                {
                    "quarter": quarter_names[c],
                    "group": BARRIER_LABELS[r],
                    "goals": _cell(cells, r, c),
                }
                for r in barriers
                for c in quarters
            ]
        )
        figure = charts.unmet_goals_over_time(
            long,
            [BARRIER_LABELS[b] for b in barriers],
            filters.period_label,
            "Goals not met, by what stood in the way",
        )
    return CrossTab(
        table, figure, formats.fmt_count(grand, missing=formats.NO_DATA), _note(scope.rounded)
    )


def _cell(cells: pd.DataFrame, row: str, column: str):
    hit = cells[(cells["row_key"] == row) & (cells["column_key"] == column)]["goal_count"]
    return 0 if hit.empty else hit.iloc[0]


@data.cached_view
def barriers_by(
    scope: Scope, filters: Filters, *, rows_by: str = "domain", statuses: tuple[str, ...] = ()
):
    """Goals not met by goal domain or PCN (rows) and barrier (columns)."""
    if rows_by not in BY_CHOICES:
        raise ValueError(f"rows_by must be one of {tuple(BY_CHOICES)}, not {rows_by!r}")
    cells = _cells(scope, filters, rows_by, "barrier", statuses)
    barriers = [b for b in BARRIER_LABELS if b in set(cells["column_key"])]
    if rows_by == "domain":
        row_labels = dict(labels.GOAL_DOMAINS)
        rows = [d for d in labels.GOAL_DOMAINS if d in set(cells["row_key"])]
    else:
        rows = sorted(set(cells["row_key"].dropna()))
        row_labels = {r: formats.plain_text(r) for r in rows}
    table, grand = crosstab(
        cells, rows, row_labels, barriers, BARRIER_LABELS, scope.rounded, BY_CHOICES[rows_by]
    )
    return CrossTab(
        table, None, formats.fmt_count(grand, missing=formats.NO_DATA), _note(scope.rounded)
    )


@data.cached_view
def by_status(scope: Scope, filters: Filters, *, statuses: tuple[str, ...] = ()):
    """How the goals not met ended (not achieved, partly achieved, withdrawn) by quarter."""
    cells = _cells(scope, filters, "status", "quarter", statuses)
    quarters = sorted(set(cells["column_key"].dropna()))
    order = [s for s in STATUS_LABELS if s in set(cells["row_key"])]
    table, grand = crosstab(
        cells,
        order,
        STATUS_LABELS,
        quarters,
        {q: quarter_label(q) for q in quarters},
        scope.rounded,
        "How the goal ended",
    )
    return CrossTab(
        table, None, formats.fmt_count(grand, missing=formats.NO_DATA), _note(scope.rounded)
    )
