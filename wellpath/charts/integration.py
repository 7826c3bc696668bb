"""Chart builders for the Integration with practices and Unmet needs pages: pure functions
from display-ready frames (already protected) to plotly figures, template "wellpath"."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from wellpath import theme

SUPPRESSED_NOTE = "Bars left out where the number is suppressed (*)."


def engagement_timeline(months: pd.DataFrame, practice_name: str, period: str) -> go.Figure:
    """Bars: hours of engagement each month; line (right axis): referrals per 1,000
    registered patients. months: month_start, engagement_hours, referrals_per_1000 (NaN
    where suppressed: a gap in the line)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    x = pd.to_datetime(months["month_start"])
    fig.add_bar(
        x=x,
        y=months["engagement_hours"],
        name="Hours of engagement (MDT meetings, surgery sessions, training, case discussions)",
        marker_color=theme.NHS_BLUE,
        hovertemplate="%{x|%b %Y}: %{y:.1f} hours of engagement<extra></extra>",
        secondary_y=False,
    )
    fig.add_scatter(
        x=x,
        y=pd.to_numeric(months["referrals_per_1000"], errors="coerce"),
        name="Referrals per 1,000 registered patients",
        mode="lines+markers",
        line={"color": theme.NHS_WARM_YELLOW, "width": 3},
        marker={"symbol": "diamond", "size": 8, "color": theme.NHS_DARK_BLUE},
        connectgaps=False,
        hovertemplate="%{x|%b %Y}: %{y:.2f} referrals per 1,000<extra></extra>",
        secondary_y=True,
    )
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(f"Engagement and referrals: {practice_name}", period),
        height=420,
        bargap=0.25,
    )
    fig.update_xaxes(title_text="Month", tickformat="%b %Y", hoverformat="%b %Y")
    fig.update_yaxes(title_text="Hours of engagement", rangemode="tozero", secondary_y=False)
    fig.update_yaxes(
        title_text="Referrals per 1,000 patients",
        rangemode="tozero",
        showgrid=False,
        tickformat=".1f",
        secondary_y=True,
    )
    return fig


def unmet_goals_over_time(
    long: pd.DataFrame, order: Sequence[str], period: str, title: str
) -> go.Figure:
    """Stacked bars per quarter, one colour per group (barrier, domain...). long: quarter
    (label), group (label), goals (published count; NA where suppressed, left out)."""
    fig = go.Figure()
    quarters = list(dict.fromkeys(long["quarter"]))
    for i, group in enumerate(order):
        part = long[long["group"] == group].set_index("quarter").reindex(quarters)
        y = pd.to_numeric(part["goals"], errors="coerce")
        fig.add_bar(
            x=quarters,
            y=y,
            name=group,
            marker_color=theme.CATEGORICAL[i % len(theme.CATEGORICAL)],
            hovertemplate=f"{group}<br>%{{x}}: %{{y}} goals<extra></extra>",
        )
    suppressed = long["goals"].isna().any()
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(
            title, period + (f" · {SUPPRESSED_NOTE}" if suppressed else "")
        ),
        barmode="stack",
        height=440,
        xaxis_title="Quarter the goal closed",
        yaxis_title="Goals (number)",
    )
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return fig
