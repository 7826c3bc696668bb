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


def columns(widths: Mapping[str, str], helps: Mapping[str, str] | None = None) -> dict:
    """column_config dicts: {column: {"width": "small"|"medium"|"large", "help": ...}}."""
    helps = helps or {}
    return {
        c: {"width": w, **({"help": helps[c]} if c in helps else {})} for c, w in widths.items()
    }


def text(value: object) -> str:
    """A value from the data as plain text for a plotly title or label (no tags)."""
    if formats.is_missing(value):
        return ""
    return str(value).replace("<", "\u2039").replace(">", "\u203a")
