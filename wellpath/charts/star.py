"""The Well-being Star chart Star users know: a radar of the areas at the start and now,
with the Journey of Change stages on the radial axis. Pure: frames to a plotly figure."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from wellpath import theme
from wellpath.scoring import WBSTAR_STAGES


def _safe(text: str) -> str:
    return str(text).replace("<", "\u2039").replace(">", "\u203a")


#: Radial ticks at the middle of each two-point stage: "1-2 not thinking about it"...
STAGE_TICKS = [(s.low + s.high) / 2 for s in WBSTAR_STAGES]
STAGE_LABELS = [f"{int(s.low)}-{int(s.high)} {s.label}" for s in WBSTAR_STAGES]


def star_radar(
    areas: Sequence[str],
    start: Sequence[float | None],
    latest: Sequence[float | None],
    *,
    title: str,
    period: str,
    scale: tuple[float, float] = (1, 10),
    stages: bool = True,
    start_name: str = "At the start",
    latest_name: str = "Latest",
) -> go.Figure:
    """Two closed outlines: the start (grey, dashed, square markers) and the latest (NHS
    Blue, solid, round markers), told apart by line style and marker shape as well as
    colour. A suppressed area (None) leaves a gap in the outline."""
    labels = [_safe(a) for a in areas]
    fig = go.Figure()
    for values, name, colour, dash, symbol in (
        (start, start_name, theme.NHS_SECONDARY_TEXT, "dash", "square"),
        (latest, latest_name, theme.NHS_BLUE, "solid", "circle"),
    ):
        r = list(values) + [values[0]] if values else []
        fig.add_scatterpolar(
            r=r,
            theta=labels + labels[:1],
            name=name,
            mode="lines+markers",
            line={"color": colour, "dash": dash, "width": 3},
            marker={"symbol": symbol, "size": 9, "color": colour},
            connectgaps=False,
            hovertemplate="%{theta}: %{r:.1f}<extra>" + name + "</extra>",
        )
    radial: dict = {"range": [0, scale[1]], "angle": 90, "tickangle": 90}
    if stages:
        radial.update(tickvals=STAGE_TICKS, ticktext=STAGE_LABELS, tickfont={"size": 11})
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(_safe(title), _safe(period)),
        polar={"radialaxis": radial, "angularaxis": {"direction": "clockwise"}},
        height=560,
        legend={"y": -0.08},
        margin={"l": 80, "r": 80, "t": 90, "b": 60},
    )
    return fig
