"""Chart of the Safe caseloads page: each worker's caseload as a share of capacity, coloured
AND labelled by status (word and shape), with the 95%, 100% and 110% lines."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from wellpath import formats, theme


def _safe(text: str) -> str:
    return str(text).replace("<", "\u2039").replace(">", "\u203a")


def capacity_bars(
    bars: Sequence[tuple[str, float | None, object]], *, title: str, period: str
) -> go.Figure:
    """One horizontal bar per worker: (name, % of capacity or None, Status or None). A
    suppressed share has no bar and reads "*"."""
    names = [_safe(n) for n, _, _ in bars]
    values = [0 if p is None else p for _, p, _ in bars]
    colours = [theme.NHS_GREY_4 if s is None else s.colour for _, _, s in bars]
    text = [
        formats.SUPPRESSED if p is None else f"{formats.fmt_pct(p)} {s.icon} {s.label}"
        for _, p, s in bars
    ]
    fig = go.Figure(
        go.Bar(
            x=values, y=names, orientation="h", marker_color=colours, text=text,
            textposition="outside", cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )  # fmt: skip
    for x, label in ((95, "95%"), (100, "100%"), (110, "110%")):
        fig.add_vline(x=x, line={"dash": "dot", "color": theme.NHS_TEXT}, annotation_text=label)
    top = max([110.0, *values]) * 1.35
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(_safe(title), _safe(period)),
        xaxis={"title": "Caseload as % of capacity", "range": [0, top], "ticksuffix": "%"},
        yaxis={"title": "", "autorange": "reversed"},
        height=120 + 60 * max(1, len(bars)),
        showlegend=False,
    )
    return fig
