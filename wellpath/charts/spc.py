"""SPC chart builder: an XmR chart from `wellpath.spc.xmr`, drawn the NHS Making Data Count
way (colours, dashed process limits, the variation and assurance icons)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wellpath import spc, theme
from wellpath.scope import uk_date

COMMON_CAUSE = "#a6a6a6"
IMPROVEMENT = "#00b0f0"
CONCERN = "#e46c0a"
NEUTRAL = "#490092"
TARGET = "#de1b1b"
LINE_GREY = "#7b7d7d"

POINT_COLOURS = {
    "common_cause": COMMON_CAUSE,
    "special_cause_improvement": IMPROVEMENT,
    "special_cause_concern": CONCERN,
    "special_cause_neutral_high": NEUTRAL,
    "special_cause_neutral_low": NEUTRAL,
}

# The icon's colour and the letter or symbol inside it, after the Making Data Count icons.
VARIATION_ICON_STYLE = {
    "common_cause": (COMMON_CAUSE, "~"),
    "improvement_high": (IMPROVEMENT, "H"),
    "improvement_low": (IMPROVEMENT, "L"),
    "concern_high": (CONCERN, "H"),
    "concern_low": (CONCERN, "L"),
    "neutral_high": (NEUTRAL, "H"),
    "neutral_low": (NEUTRAL, "L"),
}
ASSURANCE_ICON_STYLE = {
    "consistent_pass": (IMPROVEMENT, "P"),
    "consistent_fail": (CONCERN, "F"),
    "inconsistent": (COMMON_CAUSE, "?"),
}

ICON_PX = 38


def _period_text(periods: pd.Series, date_format: str | None) -> tuple[list[str], str]:
    """Hover text for each period and the axis tick format: months as "Apr 2025" when every
    period is the first of a month, otherwise UK dates ("3 Apr 2025")."""
    stamps = pd.to_datetime(periods)
    monthly = bool(len(stamps)) and bool((stamps.dt.day == 1).all())
    if date_format is None:
        date_format = "%b %Y" if monthly else "%-d %b %Y"
    if monthly and date_format == "%b %Y":
        text = [f"{d:%b %Y}" for d in stamps]
    else:
        text = [uk_date(d.date()) if isinstance(d, pd.Timestamp) else "" for d in stamps]
    return text, date_format


def _segment_line(x: pd.Series, values: pd.Series, groups: pd.Series) -> tuple[list, list]:
    """A step line that breaks between rebased groups (None gaps), for mean and limits."""
    xs: list = []
    ys: list = []
    for _, idx in groups.groupby(groups, sort=False).groups.items():
        xs += list(x.loc[idx]) + [None]
        ys += list(values.loc[idx]) + [None]
    return xs, ys


def _icon(fig: go.Figure, slot: int, colour: str, symbol: str, name: str) -> None:
    """A coloured disc with a letter, in the top-right corner; slot 0 is the rightmost."""
    right = -slot * (ICON_PX + 10)
    fig.add_shape(
        type="circle",
        xref="paper",
        yref="paper",
        xsizemode="pixel",
        ysizemode="pixel",
        xanchor=1,
        yanchor=1,
        x0=right - ICON_PX,
        x1=right,
        y0=12,
        y1=12 + ICON_PX,
        fillcolor=colour,
        line={"color": "#ffffff", "width": 2},
        name=name,
    )
    fig.add_annotation(
        xref="paper",
        yref="paper",
        x=1,
        y=1,
        xanchor="center",
        yanchor="middle",
        xshift=right - ICON_PX / 2,
        yshift=12 + ICON_PX / 2,
        text=f"<b>{symbol}</b>",
        showarrow=False,
        font={"color": "#ffffff", "size": 18},
        name=name,
    )


def spc_chart(
    df: pd.DataFrame,
    *,
    title: str,
    period_label: str,
    y_title: str,
    improvement: spc.Improvement,
    target: float | None = None,
    date_format: str | None = None,
    value_format: str = ",.1f",
) -> go.Figure:
    """An XmR chart: values (grey; special causes coloured), mean, process limits, target,
    and the variation (and assurance) icon for the latest point with a plain caption.

    `df` is `wellpath.spc.xmr`'s result (with `periods`, for a date axis).
    """
    has_period = "period" in df.columns
    x = pd.to_datetime(df["period"]) if has_period else pd.Series(np.arange(1, len(df) + 1))
    x = x.reset_index(drop=True)
    data = df.reset_index(drop=True)
    if has_period:
        period_text, tick_format = _period_text(data["period"], date_format)
    else:
        period_text, tick_format = [f"Point {i}" for i in x], None

    point_labels = [spc.POINT_TYPE_LABELS[t] for t in data["point_type"]]
    rule_labels = [spc.RULE_LABELS[r] for r in data["special_cause_rule"]]
    custom = np.column_stack([period_text, point_labels, rule_labels])
    hover = (
        "%{customdata[0]}<br>" + y_title + ": %{y:" + value_format + "}<br>"
        "%{customdata[1]}<br><span style='font-size:12px'>%{customdata[2]}</span>"
        "<extra></extra>"
    )

    fig = go.Figure()
    groups = data["rebase_group"]
    for column, name, dash, width in (
        ("upl", "Process limits", "dash", 1.5),
        ("lpl", "Process limits", "dash", 1.5),
        ("mean", "Mean", "solid", 2),
    ):
        xs, ys = _segment_line(x, data[column], groups)
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            name=name,
            legendgroup=name,
            showlegend=column != "lpl",
            line={
                "color": LINE_GREY if column != "mean" else theme.NHS_TEXT,
                "dash": dash,
                "width": width,
            },
            hoverinfo="skip",
        )
    if target is not None:
        fig.add_scatter(
            x=[x.iloc[0], x.iloc[-1]] if len(x) else [],
            y=[target, target] if len(x) else [],
            mode="lines",
            name="Target",
            line={"color": TARGET, "dash": "dash", "width": 2},
            hovertemplate=f"Target: {target:{value_format}}<extra></extra>",
        )
    fig.add_scatter(
        x=x,
        y=data["value"],
        mode="lines+markers",
        name=spc.POINT_TYPE_LABELS["common_cause"],
        line={"color": COMMON_CAUSE, "width": 2},
        marker={"color": COMMON_CAUSE, "size": 8},
        customdata=custom,
        hovertemplate=hover,
    )
    for point_type in spc.POINT_TYPES[1:]:
        mask = (data["point_type"] == point_type).to_numpy()
        if not mask.any():
            continue
        fig.add_scatter(
            x=x[mask],
            y=data["value"][mask],
            mode="markers",
            name=spc.POINT_TYPE_LABELS[point_type],
            marker={
                "color": POINT_COLOURS[point_type],
                "size": 10,
                "line": {"color": "#ffffff", "width": 1},
            },
            customdata=custom[mask],
            hovertemplate=hover,
        )

    captions = []
    if len(data):
        icon = spc.variation_icon(data, improvement)
        colour, symbol = VARIATION_ICON_STYLE[icon]
        slot = 0
        if target is not None and (level := spc.assurance(data, target, improvement)):
            a_colour, a_symbol = ASSURANCE_ICON_STYLE[level]
            _icon(fig, 0, a_colour, a_symbol, "assurance icon")
            captions.append(
                f"<span style='color:{a_colour}'>&#9679;</span> <b>{a_symbol}</b> "
                f"Assurance: {spc.ASSURANCE_LABELS[level]}"
            )
            slot = 1
        _icon(fig, slot, colour, symbol, "variation icon")
        captions.insert(
            0,
            f"<span style='color:{colour}'>&#9679;</span> <b>{symbol}</b> "
            f"Latest point: {spc.VARIATION_ICON_LABELS[icon]}",
        )

    notes = []
    if len(data) and bool(data["trial_limits"].iloc[-1]):
        notes.append(
            "<b>Trial limits</b>: fewer than 12 points, so the limits may move as data arrives"
        )
    if len(data) and bool(data["zero_variation"].iloc[-1]):
        notes.append("No point-to-point variation: the limits sit on the mean, read with care")
    if len(data) and data["rebase_group"].iloc[-1] > 0:
        notes.append("Limits recalculated where the mean line breaks")
    footer = "<br>".join(captions + notes)
    n_lines = footer.count("<br>") + 1 if footer else 0
    if footer:
        # Below the tick labels and the axis title, above the legend.
        fig.add_annotation(
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-66,
            xanchor="left",
            yanchor="top",
            align="left",
            showarrow=False,
            text=footer,
            font={"size": 13, "color": theme.NHS_TEXT},
        )

    xaxis: dict = {"title": {"text": "Point"}}
    if tick_format:
        xaxis = {
            "title": {"text": "Month" if tick_format == "%b %Y" else "Date"},
            "tickformat": tick_format,
        }
    footer_px = 20 * n_lines
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(title, period_label),
        xaxis=xaxis,
        yaxis={"title": {"text": y_title}, "tickformat": value_format},
        height=420 + footer_px + 60,
        margin={"t": 90, "r": 30, "b": 80 + footer_px + 60},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        hovermode="closest",
    )
    return fig
