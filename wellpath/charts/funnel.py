"""Funnel plot builder: each practice's rate against its list size, inside control limits
around the overall rate (from `wellpath.funnel`). Used instead of ranked league tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from wellpath import funnel, theme

LIMIT_COLOUR = theme.NHS_SECONDARY_TEXT


def funnel_chart(
    units_df: pd.DataFrame,
    limits_df: pd.DataFrame,
    *,
    title: str,
    period_label: str,
    x_title: str = "Registered patients (list size)",
    y_title: str = "Referrals per 1,000 registered patients",
    colours: dict[str, str],
    code_col: str = "practice_code",
    name_col: str = "practice_name",
    denominator_col: str = "list_size",
    rate_col: str = "rate",
    count_col: str | None = "referral_count",
    band_col: str | None = "band",
    count_label: str = "Referrals",
    value_format: str = ",.1f",
    label_points: str = "auto",
) -> go.Figure:
    """A funnel plot. `units_df`: one row per unit with its code, name, denominator, rate
    (per 1,000) and optionally the count and `wellpath.funnel` band; `limits_df`:
    `funnel_limits`/`funnel_curve` output. Units whose rate is suppressed (NaN) are left off.
    `colours` maps unit codes to colours (`theme.practice_colours` over all practices).
    `label_points`: "all", "outside" (units outside the 95% limits), or "auto" (all when
    there are 8 or fewer units, otherwise only those outside); every unit has hover text."""
    fig = go.Figure()
    limits = limits_df.sort_values("denominator")
    x = limits["denominator"]
    overall = float(limits["rate"].iloc[0]) if len(limits) else np.nan
    for level, dash, width in (("998", "dot", 1.5), ("95", "dash", 1.5)):
        label = f"{'99.8' if level == '998' else '95'}% limits"
        for side in ("upper", "lower"):
            column = f"{side}_{level}"
            if column not in limits:
                continue
            fig.add_scatter(
                x=x,
                y=limits[column],
                mode="lines",
                name=label,
                legendgroup=label,
                showlegend=side == "upper",
                line={"color": LIMIT_COLOUR, "dash": dash, "width": width},
                hovertemplate=(
                    f"{label}, {side}: %{{y:{value_format}}} per 1,000 "
                    f"at %{{x:,.0f}} patients<extra></extra>"
                ),
            )
    if len(limits):
        fig.add_scatter(
            x=[x.iloc[0], x.iloc[-1]],
            y=[overall, overall],
            mode="lines",
            name="Overall rate",
            line={"color": theme.NHS_TEXT, "width": 2},
            hovertemplate=f"Overall rate: {overall:{value_format}} per 1,000<extra></extra>",
        )

    shown = units_df[units_df[rate_col].notna()]
    if len(shown) > MAX_UNIT_TRACES:
        _one_trace(
            fig,
            shown,
            colours=colours,
            columns=(code_col, name_col, denominator_col, rate_col, count_col, band_col),
            count_label=count_label,
            titles=(x_title, y_title),
            value_format=value_format,
        )
        return _finish(fig, title, period_label, x_title, y_title)
    label_all = label_points == "all" or (label_points == "auto" and len(shown) <= 8)
    # Labels go away from the overall rate (above the dots above it, below the dots below
    # it), and neighbours on the same side alternate left and right so they collide less.
    shown = shown.sort_values(denominator_col)
    largest = shown[denominator_col].max() if len(shown) else None
    side_count = {"top": 0, "bottom": 0}
    for _, row in shown.iterrows():
        band = row[band_col] if band_col and band_col in row and pd.notna(row[band_col]) else None
        labelled = label_all or (band is not None and band != "within 95%")
        side = "top" if not row[rate_col] < overall else "bottom"
        # The largest practice sits at the right edge: its label goes left, inside the plot.
        across = (
            "left" if row[denominator_col] == largest else ("left", "right")[side_count[side] % 2]
        )
        position = f"{side} {across}"
        side_count[side] += labelled
        band_text = funnel.BAND_LABELS.get(band, "") if band else ""
        count_text = (
            f"{count_label}: {row[count_col]:,.0f}<br>"
            if count_col and count_col in row and pd.notna(row[count_col])
            else ""
        )
        fig.add_scatter(
            x=[row[denominator_col]],
            y=[row[rate_col]],
            mode="markers+text" if labelled else "markers",
            name=str(row[name_col]),
            text=[str(row[name_col])] if labelled else None,
            textposition=position,
            cliponaxis=False,
            textfont={"size": 12, "color": theme.NHS_TEXT},
            marker={
                "color": colours.get(row[code_col], theme.NHS_BLUE),
                "size": 12,
                "line": {"color": "#ffffff", "width": 1},
            },
            customdata=[[count_text, band_text]],
            hovertemplate=(
                f"<b>{row[name_col]}</b><br>{x_title}: %{{x:,.0f}}<br>"
                f"%{{customdata[0]}}{y_title}: %{{y:{value_format}}}<br>"
                "%{customdata[1]}<extra></extra>"
            ),
            showlegend=False,
        )

    return _finish(fig, title, period_label, x_title, y_title)


#: Above this many units the dots are one trace with a colour array (a trace per practice
#: would make thousands of traces at national scale), labelled only beyond the 99.8% limits.
MAX_UNIT_TRACES = 30


def _label(value: object) -> str:
    return "" if pd.isna(value) else str(value).replace("<", "\u2039").replace(">", "\u203a")


def _one_trace(
    fig: go.Figure,
    shown: pd.DataFrame,
    *,
    colours: dict[str, str],
    columns: tuple,
    count_label: str,
    titles: tuple[str, str],
    value_format: str,
) -> None:
    code_col, name_col, denominator_col, rate_col, count_col, band_col = columns
    x_title, y_title = titles
    # By column, not row by row: 6,300 practices at national scale (iterrows took 0.5 s).
    bands = (
        [b if pd.notna(b) else None for b in shown[band_col]]
        if band_col and band_col in shown
        else [None] * len(shown)
    )
    names = [_label(n) for n in shown[name_col]]
    outside = [b in ("below 99.8%", "above 99.8%") for b in bands]
    counts = [
        f"{count_label}: {c:,.0f}<br>" if count_col and pd.notna(c) else ""
        for c in (shown[count_col] if count_col and count_col in shown else [None] * len(shown))
    ]
    fig.add_scatter(
        x=shown[denominator_col],
        y=shown[rate_col],
        mode="markers+text",
        name="Practices",
        text=[n if o else "" for n, o in zip(names, outside, strict=True)],
        textposition="top center",
        cliponaxis=False,
        textfont={"size": 11, "color": theme.NHS_TEXT},
        marker={
            "color": [colours.get(c, theme.NHS_BLUE) for c in shown[code_col]],
            "size": 8,
            "line": {"color": "#ffffff", "width": 0.5},
        },
        # one array, not a list of lists, which plotly validates cell by cell
        customdata=np.array(
            [
                [n, c, funnel.BAND_LABELS.get(b, "") if b else ""]
                for n, c, b in zip(names, counts, bands, strict=True)
            ],
            dtype=object,
        ).reshape(-1, 3),
        hovertemplate=(
            f"<b>%{{customdata[0]}}</b><br>{x_title}: %{{x:,.0f}}<br>"
            f"%{{customdata[1]}}{y_title}: %{{y:{value_format}}}<br>"
            "%{customdata[2]}<extra></extra>"
        ),
        showlegend=False,
    )


def _finish(fig: go.Figure, title: str, period_label: str, x_title: str, y_title: str) -> go.Figure:
    fig.add_annotation(
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-62,
        xanchor="left",
        yanchor="top",
        align="left",
        showarrow=False,
        text=(
            "Each dot is a practice. Dots between the dashed lines differ from the overall "
            "rate by no more than chance would explain;<br>dots beyond the dotted lines (99.8%) "
            "almost certainly differ. Hover over a dot for its figures."
        ),
        font={"size": 13, "color": theme.NHS_TEXT},
    )
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(title, period_label),
        xaxis={"title": {"text": x_title}, "tickformat": ",.0f", "rangemode": "tozero"},
        yaxis={"title": {"text": y_title}, "rangemode": "tozero"},
        height=560,
        margin={"t": 90, "b": 150},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        hovermode="closest",
    )
    return fig
