"""Pieces the Referrals, Caseload and Activity views share: a headline figure and a table as
a page shows it (display-ready frame, column widths and help, and its download)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from wellpath import disclosure, formats

#: Shown on hover for a column whose shares may be withheld under a small denominator.
SHARE_HELP = f"* {disclosure.SMALL_DENOMINATOR_REASON} Or a count behind it is suppressed."


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str | None = None


@dataclass(frozen=True)
class Table:
    """A table as shown (text cells), st.dataframe column_config (widths and help) and the
    download with plain-English headers."""

    frame: pd.DataFrame
    column_config: Mapping[str, dict] = field(default_factory=dict)
    download: pd.DataFrame | None = None
    filename: str = "table.csv"


#: Width of the page's main column at a 1440 px window (sidebar open), and of half of it.
FULL_WIDTH_PX = 960
HALF_WIDTH_PX = 470
_CHAR_PX, _PADDING_PX, _MIN_PX, _MAX_PX = 7.5, 28, 64, 360


def fit_columns(
    frame: pd.DataFrame,
    total_px: int = FULL_WIDTH_PX,
    helps: Mapping[str, str] | None = None,
) -> dict:
    """st.dataframe column_config dicts ({column: {"width": px, "help": ...}}) that fit the
    table in `total_px`: each column as wide as its header or longest cell, shrunk in
    proportion when they would not fit, so no column is cut off past the right edge. Every
    column gets its header as help too, for a header cut short."""
    helps = helps or {}
    wanted = {}
    for col in frame.columns:
        longest = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)])
        wanted[col] = min(_MAX_PX, max(_MIN_PX, _CHAR_PX * longest + _PADDING_PX))
    scale = min(1.0, total_px / sum(wanted.values())) if wanted else 1.0
    return {
        c: {"width": max(_MIN_PX, int(w * scale)), "help": helps.get(c, str(c))}
        for c, w in wanted.items()
    }


def text(value: object) -> str:
    """A value from the data as plain text for a plotly title or label (no tags)."""
    if formats.is_missing(value):
        return ""
    return str(value).replace("<", "\u2039").replace(">", "\u203a")
