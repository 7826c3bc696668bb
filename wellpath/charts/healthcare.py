"""Chart builders for the Healthcare use and cost page: pure functions from the summaries of
wellpath.costs to titled plotly figures (template "wellpath", units on the axes, the period
in the subtitle). Suppressed values (NA) are drawn as nothing and labelled "*"."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from wellpath import formats, theme

SUPPRESSED = "*"


def _num(value: object) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _gbp(value: float) -> str:
    return formats.fmt_gbp(value)


def _error(mean: float | None, low: object, high: object, colour: str) -> dict | None:
    lo, hi = _num(low), _num(high)
    if mean is None or lo is None or hi is None:
        return None
    return {
        "type": "data",
        "symmetric": False,
        "array": [hi - mean],
        "arrayminus": [mean - lo],
        "color": colour,
    }


def before_after_chart(
    summary: pd.DataFrame, *, title: str, y_title: str, period: str, digits: int = 2
) -> go.Figure:
    """Grouped bars: mean per person in the 12 months before and in the after-window, with
    95% CIs, one pair of bars per measure (rows of costs.use_summary for one cohort); hover
    values to `digits` decimals (publishable figures: 1)."""
    fig = go.Figure()
    # One trace per side (two in all), not one per measure and side: 12 thin traces made the
    # legend and the hover read badly (issue 10).
    x = [str(v).replace(" ", "<br>", 1) for v in summary["measure_label"]]
    for side, colour, name in (
        ("before", theme.NHS_GREY_4, "12 months before"),
        ("after", theme.NHS_BLUE, "After (same length)"),
    ):
        means = [_num(v) for v in summary[f"mean_{side}"]]
        lows = [_num(v) for v in summary[f"{side}_ci_low"]]
        highs = [_num(v) for v in summary[f"{side}_ci_high"]]
        fig.add_bar(
            x=x,
            y=[0 if m is None else m for m in means],
            name=name,
            marker_color=colour,
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [
                    0 if m is None or h is None else h - m
                    for m, h in zip(means, highs, strict=True)
                ],
                "arrayminus": [
                    0 if m is None or lo is None else m - lo
                    for m, lo in zip(means, lows, strict=True)
                ],
                "color": theme.NHS_TEXT,
                "thickness": 1.2,
            },
            customdata=[SUPPRESSED if m is None else f"{m:.{digits}f}" for m in means],
            hovertemplate=f"{name}, %{{x}}: %{{customdata}} per person<extra></extra>",
        )
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(title, period),
        barmode="group",
        yaxis_title=y_title,
        xaxis={"title": "", "tickangle": 0},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        height=440,
    )
    return fig


def change_distribution_chart(
    distribution: pd.DataFrame, *, measure_label: str, unit: str, period: str
) -> go.Figure:
    """Bars: how many people changed by each amount (after minus before); "*" = 1-7 people."""
    counts = [_num(v) for v in distribution["person_count"]]
    fig = go.Figure(
        go.Bar(
            x=distribution["change_label"],
            y=[0 if c is None else c for c in counts],
            text=[SUPPRESSED if c is None else f"{int(c):,}" for c in counts],
            textposition="outside",
            # Blue for less use, orange (hatched) for more: colour-blind safe, not red/green.
            marker_color=[
                theme.NHS_BLUE
                if v < 0
                else (theme.NHS_SECONDARY_TEXT if v == 0 else theme.CATEGORICAL[1])
                for v in distribution["change"]
            ],
            marker_pattern_shape=["" if v <= 0 else "/" for v in distribution["change"]],
            hovertemplate="Change %{x}: %{text} people<extra></extra>",
        )
    )
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(
            f"Change per person in {measure_label} (after minus before)", period
        ),
        xaxis={"title": f"Change in {unit} per person", "type": "category"},
        yaxis_title="People",
        height=380,
    )
    return fig


def did_chart(
    referred_change: float | None,
    referred_ci: tuple[float | None, float | None],
    comparison_change: float | None,
    comparison_ci: tuple[float | None, float | None],
    difference: float | None,
    difference_ci: tuple[float | None, float | None],
    *,
    measure_label: str,
    unit: str,
    period: str,
    digits: int = 2,
) -> go.Figure:
    """Dots with 95% CIs: change in the referred group, in the comparison group, and the
    difference in differences (referred minus comparison); hover to `digits` decimals."""
    rows = [
        ("Referred people: change", referred_change, referred_ci, theme.NHS_BLUE),
        ("Comparison group: change", comparison_change, comparison_ci, theme.NHS_SECONDARY_TEXT),
        ("Difference (referred − comparison)", difference, difference_ci, theme.NHS_DARK_BLUE),
    ]
    fig = go.Figure()
    for name, value, (low, high), colour in rows:
        mean = _num(value)
        if mean is None:
            fig.add_scatter(
                x=[0],
                y=[name],
                mode="markers",
                marker={"symbol": "x-thin-open", "color": theme.NHS_SECONDARY_TEXT, "size": 10},
                hovertemplate=f"{name}: {SUPPRESSED}<extra></extra>",
                showlegend=False,
            )
            continue
        err = _error(mean, low, high, colour)
        fig.add_scatter(
            x=[mean],
            y=[name],
            mode="markers",
            marker={"color": colour, "size": 12},
            error_x=None if err is None else {**err},
            hovertemplate=f"{name}: {mean:+.{digits}f}<extra></extra>",
            showlegend=False,
        )
    fig.add_vline(x=0, line={"color": theme.NHS_SECONDARY_TEXT, "dash": "dot"})
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(
            f"{measure_label}: change per person, referred against comparison", period
        ),
        xaxis_title=f"Change in {unit} per person a year (after minus before)",
        yaxis={
            "title": "",
            "categoryorder": "array",
            "categoryarray": [r[0] for r in reversed(rows)],
        },
        height=300,
    )
    return fig


def cost_chart(
    service_cost_per_person: float | None,
    nhs_change: float | None,
    nhs_ci: tuple[float | None, float | None],
    net: float | None,
    net_ci: tuple[float | None, float | None],
    *,
    period: str,
) -> go.Figure:
    """Bars per person: the service's cost, the change in NHS cost (negative = saving) and
    the net cost, with the 95% CI carried through."""
    fig = go.Figure()
    items = [
        ("Service cost per person", _num(service_cost_per_person), (None, None), theme.NHS_GREY_4),
        ("Change in NHS cost per person", _num(nhs_change), nhs_ci, theme.NHS_BLUE),
        ("Net cost per person", _num(net), net_ci, theme.NHS_DARK_BLUE),
    ]
    for name, value, (low, high), colour in items:
        if value is None:
            continue  # the service cost is not set: no empty "not set" bars (the text says so)
        label = _gbp(value)
        # The value goes under the bar's name on the axis, not at the bar's end, where the
        # error bar ran through it (issue 10).
        fig.add_bar(
            x=[f"{name}<br><b>{label}</b>"],
            y=[0 if value is None else value],
            marker_color=colour,
            width=0.5,  # one bar alone must not fill the plot
            error_y=_error(value, low, high, theme.NHS_TEXT),
            customdata=[label],
            showlegend=False,
            hovertemplate=f"{name}: %{{customdata}}<extra></extra>",
        )
    fig.add_hline(y=0, line={"color": theme.NHS_SECONDARY_TEXT})
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period("Cost per person: service against NHS use", period),
        yaxis_title="£ per person a year (negative = less NHS cost)",
        xaxis_title="",
        height=400,
    )
    return fig
