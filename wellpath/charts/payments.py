"""Chart of the Outcomes-based contract tracker: payments by quarter with their 95% range
and the target. Pure: from wellpath.payments.Payment values to a titled plotly figure."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from wellpath import formats, theme
from wellpath.payments import Payment


def _safe(text: str) -> str:
    return text.replace("<", "\u2039").replace(">", "\u203a")


def payments_by_quarter(
    labels: Sequence[str],
    values: Sequence[Payment],
    kinds: Sequence[str],
    *,
    target_gbp: float | None,
    title: str,
    period: str,
) -> go.Figure:
    """Bars: earned quarters in NHS Blue, projected ones pale and hatched (so they are not
    read as earned, with or without colour), each with its 95% range; target as a dashed line.
    A suppressed quarter has no bar and is labelled "*"."""
    fig = go.Figure()
    for kind, colour, name, pattern in (
        ("earned", theme.NHS_BLUE, "Earned", ""),
        ("projected", theme.NHS_GREY_4, "Projected (average of complete quarters)", "/"),
    ):
        idx = [i for i, k in enumerate(kinds) if k == kind]
        if not idx:
            continue
        ys = [values[i].central_gbp for i in idx]
        plus = [
            (values[i].high_gbp - values[i].central_gbp)
            if values[i].high_gbp is not None and values[i].central_gbp is not None
            else 0
            for i in idx
        ]
        minus = [
            (values[i].central_gbp - values[i].low_gbp)
            if values[i].low_gbp is not None and values[i].central_gbp is not None
            else 0
            for i in idx
        ]
        fig.add_bar(
            x=[labels[i] for i in idx],
            y=[0 if y is None else y for y in ys],
            name=name,
            marker={
                "color": colour,
                "pattern": {"shape": pattern},
                "line": {"color": theme.NHS_BLUE},
            },
            error_y={
                "type": "data",
                "symmetric": False,
                "array": plus,
                "arrayminus": minus,
                "color": theme.NHS_TEXT,
            },
            text=[formats.SUPPRESSED if y is None else formats.fmt_gbp(y) for y in ys],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{text}<extra>" + name + "</extra>",
        )
    if target_gbp is not None:
        fig.add_hline(
            y=target_gbp,
            line={"dash": "dash", "color": theme.NHS_TEXT},
            annotation_text=f"Target {formats.fmt_gbp(target_gbp)} a quarter",
            annotation_position="top left",
        )
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(_safe(title), _safe(period)),
        yaxis_title="Payment (GBP per quarter)",
        xaxis_title="Contract quarter",
        barmode="overlay",
        height=460,
        legend={"y": -0.3},
    )
    return fig
