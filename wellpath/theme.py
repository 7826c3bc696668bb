"""The look of an NHS product: colours, the plotly template, one colour per practice.

Colours: NHS Blue for the service's own series; a colour-blind-safe categorical palette
(Okabe-Ito, led by NHS Blue) for practices and groups; all text colours meet WCAG AA on white.
"""

from __future__ import annotations

from collections.abc import Iterable

import plotly.graph_objects as go
import plotly.io as pio

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_TEXT = "#212B32"
NHS_SECONDARY_TEXT = "#4C6272"
NHS_GREY_5 = "#F0F4F5"
NHS_GREY_4 = "#D8DDE0"
NHS_WARM_YELLOW = "#FFB81C"
NHS_RED = "#D5281B"
NHS_GREEN = "#007F3B"

# Okabe-Ito, reordered to start with NHS Blue and to keep the low-contrast yellow last.
CATEGORICAL = [
    NHS_BLUE,
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#000000",
    "#8C6D31",
    "#999999",
    "#F0E442",
]

TEMPLATE_NAME = "wellpath"


def _register_template() -> None:
    template = go.layout.Template()
    template.layout = go.Layout(
        font={"family": "Arial, Helvetica, sans-serif", "size": 14, "color": NHS_TEXT},
        title={"font": {"size": 18, "color": NHS_TEXT}, "x": 0, "xanchor": "left"},
        colorway=CATEGORICAL,
        plot_bgcolor="#FFFFFF",
        paper_bgcolor="#FFFFFF",
        xaxis={"gridcolor": NHS_GREY_4, "linecolor": NHS_SECONDARY_TEXT, "ticks": "outside"},
        yaxis={"gridcolor": NHS_GREY_4, "linecolor": NHS_SECONDARY_TEXT, "zeroline": False},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        margin={"l": 60, "r": 20, "t": 70, "b": 60},
        hoverlabel={"font": {"size": 13}},
    )
    pio.templates[TEMPLATE_NAME] = template


_register_template()


def practice_colours(all_practice_codes: Iterable[str]) -> dict[str, str]:
    """A fixed colour per practice: by its position among every practice in the file, so a
    practice keeps its colour on every page whatever the filters."""
    codes = sorted(set(all_practice_codes))
    return {code: CATEGORICAL[i % len(CATEGORICAL)] for i, code in enumerate(codes)}


def title_with_period(title: str, period: str) -> dict:
    """A plotly title with the period covered as its subtitle line."""
    return {
        "text": f"{title}<br><span style='font-size:13px;color:{NHS_SECONDARY_TEXT}'>{period}</span>"
    }
