"""Chart builders for the MDT meeting page and its printed pack: pure functions from the
rows of the mdt_* queries (and wellpath.mdt's tables) to plotly figures."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from wellpath import theme
from wellpath.mdt import DETERIORATED, IMPROVED, RELIABLE_LABELS

RELIABLE_COLOURS = {
    IMPROVED: theme.NHS_BLUE,
    DETERIORATED: theme.NHS_RED,
    "unchanged": theme.NHS_SECONDARY_TEXT,
    None: theme.NHS_SECONDARY_TEXT,
}


def referrals_by_month(
    months: pd.DataFrame, practice_name: str, colour: str, period: str
) -> go.Figure:
    """Bars: the practice's referrals per month; a line: how many of them were accepted."""
    x = pd.to_datetime(months["month_start_date"])
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=months["referral_count"],
        name="Referred",
        marker_color=colour,
        hovertemplate="%{x|%b %Y}: %{y} referred<extra></extra>",
    )
    fig.add_scatter(
        x=x,
        y=months["accepted_count"],
        name="Accepted at triage (so far)",
        mode="lines+markers",
        line={"color": theme.NHS_TEXT, "width": 2},
        hovertemplate="%{x|%b %Y}: %{y} accepted<extra></extra>",
    )
    top = max(float(months["referral_count"].max() or 0), 1.0)
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(f"Referrals from {practice_name} each month", period),
        xaxis={"title": {"text": "Month of referral"}, "tickformat": "%b %Y", "dtick": "M2"},
        yaxis={
            "title": {"text": "Referrals (people)"},
            "rangemode": "tozero",
            "range": [0, math.ceil(top * 1.15)],
            "tickformat": "d",
        },
        height=360,
        bargap=0.25,
    )
    return fig


def pseq_change(changes: pd.DataFrame, period: str) -> go.Figure:
    """One line per person from baseline PSEQ to the latest, coloured by reliable change.

    `changes`: rows of wellpath.mdt.score_changes for PSEQ with a follow-up (change_points
    not missing), with patient_id, baseline_score, latest_score, change_points, reliable."""
    rows = changes[changes["change_points"].notna()].sort_values("change_points")
    fig = go.Figure()
    for category in (DETERIORATED, "unchanged", IMPROVED, None):
        part = rows[rows["reliable"].map(lambda c, cat=category: c == cat)]
        if part.empty:
            continue
        xs: list[float | None] = []
        ys: list[str | None] = []
        for r in part.itertuples(index=False):
            xs += [r.baseline_score, r.latest_score, None]
            ys += [r.patient_id, r.patient_id, None]
        colour = RELIABLE_COLOURS[category]
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": colour, "width": 3},
            showlegend=False,
            hoverinfo="skip",
        )
        fig.add_scatter(
            x=part["latest_score"],
            y=part["patient_id"],
            mode="markers",
            marker={"color": colour, "size": 11, "symbol": "diamond"},
            name=f"Latest: {RELIABLE_LABELS[category].lower()}",
            customdata=part[["baseline_score", "change_points"]],
            hovertemplate=(
                "%{y}: baseline %{customdata[0]:.0f}, latest %{x:.0f} "
                "(%{customdata[1]:+.0f} points)<extra></extra>"
            ),
        )
    if not rows.empty:
        fig.add_scatter(
            x=rows["baseline_score"],
            y=rows["patient_id"],
            mode="markers",
            marker={"color": "#FFFFFF", "size": 9, "line": {"color": theme.NHS_TEXT, "width": 2}},
            name="Baseline",
            hovertemplate="%{y}: baseline %{x:.0f}<extra></extra>",
        )
    fig.add_vline(x=40, line={"color": theme.NHS_GREY_4, "dash": "dot"})
    fig.add_annotation(
        x=40,
        y=1.0,
        yref="paper",
        text="40: managing well",
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
        font={"size": 12, "color": theme.NHS_SECONDARY_TEXT},
    )
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period("Pain self-efficacy (PSEQ): baseline to latest", period),
        xaxis={"title": {"text": "PSEQ score (0-60, higher is better)"}, "range": [0, 60]},
        yaxis={"title": {"text": "Person (pseudonym)"}, "type": "category"},
        height=max(320, 130 + 26 * len(rows)),
        legend={"y": -0.12 if len(rows) > 8 else -0.25},
    )
    return fig
