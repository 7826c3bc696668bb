"""Chart builders for the Data quality page: pure functions from aggregated rows to figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellpath import formats, theme
from wellpath.quality import field_name

INSTRUMENT_NAMES = {
    "PSEQ": "PSEQ",
    "PSEQ2": "PSEQ-2",
    "SWEMWBS": "SWEMWBS",
    "WEMWBS": "WEMWBS",
    "ONS4": "ONS4",
    "PSFS": "PSFS",
    "WBSTAR": "Well-being Star",
}


def followup_coverage(coverage: pd.DataFrame, period: str) -> go.Figure:
    """Per instrument: % of engaged referrals with a baseline, % of those with a follow-up."""
    names = [INSTRUMENT_NAMES.get(i, i) for i in coverage["instrument"]]
    fig = go.Figure()
    fig.add_bar(
        x=names,
        y=coverage["baseline_pct"],
        name="Engaged people with a baseline form",
        marker_color=theme.NHS_BLUE,
        hovertemplate="%{x}: %{y:.1f}% had a baseline<extra></extra>",
    )
    fig.add_bar(
        x=names,
        y=coverage["followup_pct"],
        name="Of those, with a follow-up form",
        marker_color=theme.CATEGORICAL[1],
        hovertemplate="%{x}: %{y:.1f}% of baselines followed up<extra></extra>",
    )
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(
            "Questionnaire coverage: baselines and follow-ups",
            f"Engaged referrals made {period}",
        ),
        barmode="group",
        yaxis={"title": {"text": "Share of people (%)"}, "range": [0, 100]},
        xaxis={"title": {"text": ""}},
        legend={"y": -0.12},
        height=400,
    )
    return fig


def field_completeness(fields: pd.DataFrame, table_label: str, period: str) -> go.Figure:
    """Horizontal bars: % of rows with each optional field filled in (lowest at the top)."""
    labels = [field_name(c) for c in fields["column_name"]]
    fig = go.Figure(
        go.Bar(
            x=fields["filled_pct"],
            y=labels,
            orientation="h",
            marker_color=theme.NHS_BLUE,
            text=[formats.fmt_pct(v, missing=formats.SUPPRESSED) for v in fields["filled_pct"]],
            textposition="outside",
            hovertemplate="%{y}: %{x:.1f}% filled in<extra></extra>",
        )
    )
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(f"{table_label}: optional fields filled in", period),
        xaxis={"title": {"text": "Rows with the field filled in (%)"}, "range": [0, 110]},
        yaxis={"title": {"text": ""}, "autorange": "reversed"},
        height=max(260, 60 + 34 * len(labels)),
        showlegend=False,
    )
    return fig
