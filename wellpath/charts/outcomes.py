"""Chart builders for the Outcomes page: pure functions from the summaries of
wellpath.outcomes to titled plotly figures (template "wellpath", units on the axes, the
period in the subtitle). Suppressed values (NA) are left out of the marks and named in the
hover text as "*"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from wellpath import theme

SUPPRESSED = "*"


def _num(value: object) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def _layout(fig: go.Figure, title: str, period: str, **kwargs: object) -> go.Figure:
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(title, period),
        **kwargs,
    )
    return fig


def change_forest(
    frame: pd.DataFrame,
    *,
    title: str,
    period: str,
    x_title: str,
    labels: Mapping[object, str] | None = None,
    colours: Mapping[object, str] | None = None,
    reference: float = 0.0,
) -> go.Figure:
    """Forest plot: mean change (dot) and its 95% CI (whiskers) per group, n in the label.

    `frame` has group, pair_count, mean_change, ci_low, ci_high (possibly NA when suppressed).
    """
    labels = labels or {}
    colours = colours or {}
    fig = go.Figure()
    names: list[str] = []
    # One trace for the groups with a mean (a colour array), one for the suppressed: a chart
    # of many groups stays one or two traces, not one per group.
    shown: dict[str, list] = {"x": [], "y": [], "plus": [], "minus": [], "colour": [], "hover": []}
    hidden: dict[str, list] = {"y": [], "hover": []}
    for group, n, mean_raw, low_raw, high_raw in zip(
        frame["group"],
        frame["pair_count"],
        frame["mean_change"],
        frame["ci_low"],
        frame["ci_high"],
        strict=True,
    ):
        n_text = SUPPRESSED if pd.isna(n) else f"{int(n):,}"
        name = f"{labels.get(group, group)} (n={n_text})"
        names.append(name)
        mean, low, high = _num(mean_raw), _num(low_raw), _num(high_raw)
        if mean is None:
            hidden["y"].append(name)
            hidden["hover"].append(f"{name}: {SUPPRESSED} (too few to show)")
            continue
        has_ci = low is not None and high is not None
        ci_text = f" (95% CI {low:+.1f} to {high:+.1f})" if has_ci else ""
        shown["x"].append(mean)
        shown["y"].append(name)
        shown["plus"].append(high - mean if has_ci else None)
        shown["minus"].append(mean - low if has_ci else None)
        shown["colour"].append(colours.get(group, theme.NHS_BLUE))
        shown["hover"].append(f"{name}: {mean:+.1f}{ci_text}")
    if shown["x"]:
        fig.add_scatter(
            x=shown["x"],
            y=shown["y"],
            mode="markers",
            marker={"color": shown["colour"], "size": 11},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": shown["plus"],
                "arrayminus": shown["minus"],
                "color": theme.NHS_SECONDARY_TEXT,
                "thickness": 2,
            },
            hovertext=shown["hover"],
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    if hidden["y"]:
        fig.add_scatter(
            x=[reference] * len(hidden["y"]),
            y=hidden["y"],
            mode="markers",
            marker={"symbol": "x-thin-open", "color": theme.NHS_SECONDARY_TEXT, "size": 10},
            hovertext=hidden["hover"],
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=False,
        )
    fig.add_vline(x=reference, line={"color": theme.NHS_SECONDARY_TEXT, "dash": "dot"})
    _layout(
        fig,
        title,
        period,
        xaxis_title=x_title,
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(names)), "title": ""},
        height=max(260, 70 + 42 * len(names)),
    )
    return fig


def band_transitions_chart(
    transitions: pd.DataFrame, *, band_order: Sequence[str], period: str
) -> go.Figure:
    """Heat map: PSEQ band at baseline (rows) against band at follow-up (columns), counts in
    the cells ("*" where suppressed)."""
    grid = transitions.pivot(index="baseline_band", columns="follow_up_band", values="pair_count")
    grid = grid.reindex(index=list(band_order), columns=list(band_order))
    z = [[_num(v) for v in row] for row in grid.to_numpy()]
    text = [[SUPPRESSED if v is None else f"{int(v):,}" for v in row] for row in z]
    fig = go.Figure(
        go.Heatmap(
            z=[[0.0 if v is None else v for v in row] for row in z],
            x=[f"{b} at follow-up" for b in band_order],
            y=[f"{b} at start" for b in band_order],
            text=text,
            texttemplate="%{text}",
            textfont={"size": 16},
            colorscale=[[0, "#FFFFFF"], [1, theme.NHS_BLUE]],
            showscale=False,
            hovertemplate="%{y} → %{x}: %{text} people<extra></extra>",
        )
    )
    _layout(
        fig,
        "PSEQ band at the start and at follow-up (people)",
        period,
        xaxis={"title": "Band at follow-up", "side": "bottom"},
        yaxis={"title": "Band at the start", "autorange": "reversed"},
        height=380,
    )
    return fig


def share_managing_well_chart(share: pd.DataFrame, *, threshold: float, period: str) -> go.Figure:
    """Bars: share of the same people at or above the threshold at the start and follow-up."""
    fig = go.Figure()
    for _, row in share.iterrows():
        pct, low, high = (
            _num(row["at_or_above_pct"]),
            _num(row["ci_low_pct"]),
            _num(row["ci_high_pct"]),
        )
        error = None
        if pct is not None and low is not None and high is not None:
            error = {
                "type": "data",
                "symmetric": False,
                "array": [high - pct],
                "arrayminus": [pct - low],
                "color": theme.NHS_TEXT,
            }
        fig.add_bar(
            x=[row["when"]],
            y=[pct if pct is not None else 0],
            error_y=error,
            marker_color=theme.NHS_BLUE if row["when"] == "Follow-up" else theme.NHS_GREY_4,
            text=[SUPPRESSED if pct is None else f"{pct:.0f}%"],
            textposition="inside",
            insidetextanchor="start",
            showlegend=False,
            hovertemplate=f"{row['when']}: %{{text}}<extra></extra>",
        )
    _layout(
        fig,
        f"People with a PSEQ of {threshold:g} or more",
        period,
        yaxis={"title": "Share of people with both scores (%)", "range": [0, 105]},
        xaxis_title="",
        height=360,
    )
    return fig


def trajectory_chart(
    summary: pd.DataFrame, *, measure_label: str, y_title: str, period: str
) -> go.Figure:
    """Mean score (with 95% CI) by months since baseline for a fixed cohort."""
    rows = summary.dropna(subset=["mean_score"])
    low = rows["mean_score"] - rows["ci_low"]
    high = rows["ci_high"] - rows["mean_score"]
    n_text = [
        SUPPRESSED if pd.isna(n) else f"{int(n):,}" for n in summary.loc[rows.index, "person_count"]
    ]
    fig = go.Figure(
        go.Scatter(
            x=rows["time_point_months"],
            y=rows["mean_score"],
            mode="lines+markers",
            line={"color": theme.NHS_BLUE, "width": 3},
            marker={"size": 10},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": high.fillna(0),
                "arrayminus": low.fillna(0),
                "color": theme.NHS_BLUE,
            },
            customdata=n_text,
            hovertemplate="%{x} months: mean %{y:.1f} (n=%{customdata})<extra></extra>",
            name=measure_label,
        )
    )
    _layout(
        fig,
        f"{measure_label}: mean score by months since the baseline",
        period,
        xaxis={
            "title": "Months since the baseline questionnaire",
            "tickvals": list(rows["time_point_months"]),
        },
        yaxis_title=y_title,
        height=380,
    )
    return fig


def coverage_chart(
    coverage: pd.DataFrame, *, status_labels: Mapping[str, str], y_title: str, period: str
) -> go.Figure:
    """Mean baseline (95% CI) of people with a follow-up and without one, side by side."""
    fig = go.Figure()
    colours = {
        "followed_up": theme.NHS_BLUE,
        "open_no_follow_up": theme.NHS_GREY_4,
        "discharged_no_follow_up": theme.NHS_WARM_YELLOW,
    }
    for _, row in coverage.iterrows():
        mean, low, high = _num(row["mean_baseline"]), _num(row["ci_low"]), _num(row["ci_high"])
        n = row["baseline_count"]
        label = f"{status_labels.get(row['follow_up_status'], row['follow_up_status'])}<br>(n={SUPPRESSED if pd.isna(n) else f'{int(n):,}'})"
        error = None
        if mean is not None and low is not None and high is not None:
            error = {
                "type": "data",
                "symmetric": False,
                "array": [high - mean],
                "arrayminus": [mean - low],
                "color": theme.NHS_TEXT,
            }
        fig.add_bar(
            x=[label],
            y=[mean if mean is not None else 0],
            error_y=error,
            marker_color=colours.get(row["follow_up_status"], theme.NHS_BLUE),
            text=[SUPPRESSED if mean is None else f"{mean:.1f}"],
            textposition="inside",
            insidetextanchor="start",
            showlegend=False,
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    _layout(
        fig,
        "Mean baseline score, with and without a follow-up",
        period,
        yaxis_title=y_title,
        xaxis_title="",
        height=380,
    )
    return fig
