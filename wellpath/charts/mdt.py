"""Chart builders for the MDT meeting page and its printed pack: pure functions from the
rows of the mdt_* queries (and wellpath.mdt's tables) to plotly figures."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from wellpath import formats, theme
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
    """Bars: the practice's referrals per month; a line: how many of them were accepted.
    The meeting's own month, when cut short, is a paler bar and left out of the line, as on
    the Referrals page (fewer days, not fewer people)."""
    x = pd.to_datetime(months["month_start_date"])
    whole = months.get("is_whole_month", pd.Series(True, index=months.index)).astype(bool)
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=months["referral_count"],
        name="Referred",
        marker_color=colour,
        marker_opacity=[1.0 if w else 0.4 for w in whole],
        hovertemplate="%{x|%b %Y}: %{y} referred<extra></extra>",
    )
    if not whole.all():
        period += " · paler bar: this month so far"
    fig.add_scatter(
        x=x[whole.to_numpy()],
        y=months["accepted_count"][whole],
        name="Accepted at triage (so far)",
        mode="lines+markers",
        line={"color": theme.NHS_TEXT, "width": 2},
        hovertemplate="%{x|%b %Y}: %{y} accepted<extra></extra>",
    )
    top = max(float(months["referral_count"].max() or 0), 1.0)
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(f"Referrals from {_plain(practice_name)} each month", period),
        xaxis={"title": {"text": "Month of referral"}, "tickformat": "%b %Y", "dtick": "M2"},
        yaxis={
            "title": {"text": "Referrals (people)"},
            "rangemode": "tozero",
            "range": [0, math.ceil(top * 1.15)],
            "tickformat": "d",
        },
        height=400,
        bargap=0.25,
        legend={"y": -0.25, "yanchor": "top"},
        margin={"b": 110},
    )
    return fig


#: The PSEQ scatter's axes: the 0-60 scale with room for a whole marker at each end.
AXIS_RANGE = (-2.0, 62.0)


def _plain(value: object) -> str:
    """A value from the data as plotly text: plotly renders <a>, <b> and <br> tags."""
    return str(value).replace("<", "‹").replace(">", "›")


def pseq_change(changes: pd.DataFrame, period: str, threshold_points: float | None) -> go.Figure:
    """Each person's latest PSEQ against their baseline: above the diagonal is better. The
    dotted lines mark reliable change (baseline +/- the threshold); the people reliably worse
    are labelled with their pseudonym, everyone else on hover. Compact for any list length.

    `changes`: rows of wellpath.mdt.score_changes for PSEQ (patient_id, baseline_score,
    latest_score, change_points, reliable); rows without a follow-up are left out."""
    rows = changes[changes["change_points"].notna()]
    fig = go.Figure()
    fig.add_scatter(
        x=[0, 60],
        y=[0, 60],
        mode="lines",
        line={"color": theme.NHS_SECONDARY_TEXT, "width": 1},
        name="No change",
        hoverinfo="skip",
    )
    if threshold_points is not None:
        for sign in (1, -1):
            fig.add_scatter(
                x=[0, 60],
                y=[sign * threshold_points, 60 + sign * threshold_points],
                mode="lines",
                line={"color": theme.NHS_SECONDARY_TEXT, "width": 1, "dash": "dot"},
                name=f"Reliable change: more than {formats.fmt_number(threshold_points, 1)} points",
                showlegend=sign == 1,
                hoverinfo="skip",
            )
    for category in (IMPROVED, "unchanged", DETERIORATED, None):
        part = rows[rows["reliable"].map(lambda c, cat=category: c == cat)]
        if part.empty:
            continue
        worse = category == DETERIORATED
        fig.add_scatter(
            x=part["baseline_score"],
            y=part["latest_score"],
            mode="markers+text" if worse else "markers",
            text=part["patient_id"].map(_plain) if worse else None,
            textposition="middle right",
            textfont={"color": RELIABLE_COLOURS[category], "size": 12},
            marker={
                "color": RELIABLE_COLOURS[category],
                "size": 10 if worse else 8,
                "symbol": "diamond" if worse else "circle",
                "opacity": 0.85,
            },
            name=f"{RELIABLE_LABELS[category]} ({len(part)})",
            customdata=list(
                zip(part["patient_id"].map(_plain), part["change_points"], strict=True)
            ),
            hovertemplate=(
                "%{customdata[0]}: baseline %{x:.0f}, latest %{y:.0f} "
                "(%{customdata[1]:+.0f} points)<extra></extra>"
            ),
        )
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(
            f"Pain self-efficacy (PSEQ): latest against baseline, {len(rows)} people", period
        ),
        xaxis={
            "title": {"text": "PSEQ at baseline (points, 0-60; higher is better)"},
            # a little beyond 0-60, so markers at the ends of the scale are drawn whole
            "range": list(AXIS_RANGE),
            "tickvals": list(range(0, 61, 10)),
        },
        yaxis={
            "title": {"text": "Latest PSEQ (points, 0-60)"},
            "range": list(AXIS_RANGE),
            "tickvals": list(range(0, 61, 10)),
        },
        height=460,
        legend={"y": -0.2, "yanchor": "top"},
        margin={"b": 150},
    )
    return fig
