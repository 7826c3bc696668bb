"""Chart builders for the Referrals, Caseload and Activity pages: pure functions from the
rows of their queries (and wellpath.service's tables) to plotly figures, template "wellpath",
titled with the period as subtitle and with units on the axes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from wellpath import disclosure, formats, labels, theme
from wellpath.service import WAITING_FOR, quarter_label, share_text

SUPPRESSED_NOTE = "Bars left out where the number is suppressed (*)."
WAITING_COLOURS = {"triage": theme.NHS_WARM_YELLOW, "first_contact": theme.NHS_BLUE}


def _layout(fig: go.Figure, title: str, period: str, x_title: str, y_title: str, **extra) -> None:
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=theme.title_with_period(title, period),
        xaxis_title=x_title,
        yaxis_title=y_title,
        **extra,
    )


def _text(value: object) -> str:
    """A value from the data as plain text in a plotly label (plotly renders <b>, <a>)."""
    return (
        ""
        if formats.is_missing(value)
        else str(value).replace("<", "\u2039").replace(">", "\u203a")
    )


def _months_axis(fig: go.Figure, months: Sequence[object] = ()) -> None:
    """Month ticks, one label per month (up to 18 months; every 3rd or 6th beyond), so a short
    period does not repeat "Nov 2025" at half-month ticks."""
    n = len(set(pd.to_datetime(pd.Series(list(months)), errors="coerce").dropna()))
    step = 1 if n <= 18 else (3 if n <= 48 else 6)
    extra = {"dtick": f"M{step}", "tick0": "2000-01-01"} if n else {}
    fig.update_xaxes(tickformat="%b %Y", hoverformat="%b %Y", **extra)


def _floats(values: Sequence[object]) -> list[float]:
    """None/NA (suppressed or no data) as NaN, so plotly leaves the bar out."""
    return [math.nan if formats.is_missing(v) else float(v) for v in values]  # type: ignore[arg-type]


def _share_hover(values: Sequence[object], what: str) -> list[str]:
    return [
        disclosure.SMALL_DENOMINATOR_REASON
        if v is None
        else (formats.NO_DATA_HELP if formats.is_missing(v) else f"{share_text(v)} {what}")
        for v in values
    ]


def referrals_by_practice_month(
    months: pd.DataFrame,
    colours: Mapping[str, str],
    period: str,
) -> go.Figure:
    """Stacked bars: referrals per month, one colour per practice (theme.practice_colours);
    a view passes the top practices and one "Other practices" row when there are many."""
    fig = go.Figure()
    for code, part in months.groupby("practice_code", sort=True):
        name = _text(part["practice_name"].iloc[0])
        fig.add_bar(
            x=pd.to_datetime(part["month_start"]),
            y=_floats(part["referral_count"]),
            name=name,
            marker_color=colours.get(code, theme.NHS_BLUE),
            # part months at either end of the period are paler: fewer days, not fewer people
            marker_opacity=[1.0 if whole else 0.4 for whole in part["is_whole_month"]],
            hovertemplate=f"{name}<br>%{{x|%b %Y}}: %{{y}} referrals<extra></extra>",
        )
    part_months = not months["is_whole_month"].astype(bool).all()
    _layout(
        fig,
        "Referrals each month, by practice",
        period + (" · paler bars: part months" if part_months else ""),
        "Month of referral",
        "Referrals (number)",
        barmode="stack",
        height=420,
    )
    _months_axis(fig, months["month_start"])
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return fig


def horizontal_bars(
    frame: pd.DataFrame,
    label_col: str,
    value_col: str,
    *,
    title: str,
    period: str,
    x_title: str,
    y_title: str = "",
    text_col: str | None = None,
    colour: str = theme.NHS_BLUE,
) -> go.Figure:
    """Horizontal bars, first row at the top; `text_col` is printed beside each bar."""
    rows = frame.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=_floats(rows[value_col]),
            y=[_text(v) for v in rows[label_col]],
            orientation="h",
            marker_color=colour,
            text=rows[text_col] if text_col else None,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    _layout(
        fig,
        title,
        period,
        x_title,
        y_title,
        height=max(260, 60 + 34 * len(frame)),
        margin={"l": 10, "r": 90, "t": 80, "b": 50},
    )
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(rangemode="tozero")
    return fig


def mix_over_time(
    frame: pd.DataFrame,
    category_col: str,
    names: Mapping,
    *,
    title: str,
    period: str,
    legend_title: str,
    rounded: bool = False,
) -> go.Figure:
    """100% stacked bars by quarter: each category's share of the quarter's referrals (for a
    rounded scope from the rounded cells, and left out in a quarter of under
    disclosure.MIN_SHARE_DENOMINATOR referrals after rounding)."""
    data = frame.copy()
    data["count"] = pd.to_numeric(data["referral_count"], errors="coerce")
    totals = data.groupby("quarter_start")["count"].transform("sum")
    floor = disclosure.MIN_SHARE_DENOMINATOR if rounded else 1
    data["share_pct"] = 100 * data["count"] / totals.where(totals >= floor)
    data["quarter"] = [quarter_label(q) for q in data["quarter_start"]]
    order = list(dict.fromkeys(data.sort_values("quarter_start")["quarter"]))
    fig = go.Figure()
    for i, (code, part) in enumerate(data.groupby(category_col, dropna=False, sort=True)):
        name = _text(labels.label(names, code) if not pd.isna(code) else "Not recorded")
        fig.add_bar(
            x=part["quarter"],
            y=part["share_pct"],
            name=name,
            marker_color=theme.CATEGORICAL[i % len(theme.CATEGORICAL)],
            customdata=part["count"],
            hovertemplate=f"{name}<br>%{{x}}: %{{y:.0f}}% (%{{customdata}} referrals)<extra></extra>",
        )
    _layout(
        fig,
        title,
        period,
        "Quarter of referral",
        "Share of the quarter's referrals (%)",
        barmode="stack",
        height=420,
        legend={
            "title": {"text": legend_title},
            "orientation": "v",
            "x": 1.02,
            "y": 1,
            "yanchor": "top",
            "traceorder": "reversed",
        },
        margin={"l": 60, "r": 20, "t": 80, "b": 60},
    )
    fig.update_xaxes(categoryorder="array", categoryarray=order, type="category")
    fig.update_yaxes(range=[0, 100], ticksuffix="%")
    return fig


def triage_funnel(stages: pd.DataFrame, period: str) -> go.Figure:
    """The pathway as horizontal bars, each labelled with its count and its conversion."""
    rows = stages.copy()
    outcome_stages = {"awaiting_triage", "not_eligible", "declined", "no_contact", "redirected"}
    colours = [
        theme.NHS_SECONDARY_TEXT if s in outcome_stages else theme.NHS_BLUE for s in rows["stage"]
    ]
    text = []
    for _, r in rows.iterrows():
        count = formats.fmt_count(r["referral_count"])
        if r["stage"] == "referred":
            text.append(count)
        else:
            text.append(f"{count} ({share_text(r['conversion_pct'])} of {r['base_label']})")
    fig = go.Figure(
        go.Bar(
            x=_floats(rows["referral_count"])[::-1],
            y=rows["stage_label"][::-1],
            orientation="h",
            marker_color=colours[::-1],
            text=text[::-1],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,} referrals<extra></extra>",
        )
    )
    _layout(
        fig,
        "From referral to discharge: referrals received in the period",
        period,
        "Referrals (number)",
        "",
        height=460,
        margin={"l": 10, "r": 190, "t": 80, "b": 50},
    )
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(rangemode="tozero")
    return fig


def equity_chart(rows: pd.DataFrame, dimension_label: str, period: str) -> go.Figure:
    """Two panels: share of referrals in each group, and the share accepted and engaged."""
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=("Share of referrals (%)", "Accepted, and engaged once accepted (%)"),
    )
    data = rows.iloc[::-1]
    groups = [_text(g) for g in data["group"]]
    fig.add_bar(
        x=_floats(data["share_pct"]),
        y=groups,
        orientation="h",
        marker_color=theme.NHS_BLUE,
        name="Share of referrals",
        hovertext=_share_hover(data["share_pct"], "of referrals"),
        hovertemplate="%{y}: %{hovertext}<extra></extra>",
        row=1,
        col=1,
    )
    fig.add_bar(
        x=_floats(data["accepted_pct"]),
        y=groups,
        orientation="h",
        marker_color=theme.CATEGORICAL[2],
        name="Accepted at triage",
        hovertext=_share_hover(data["accepted_pct"], "accepted"),
        hovertemplate="%{y}: %{hovertext}<extra></extra>",
        row=1,
        col=2,
    )
    fig.add_bar(
        x=_floats(data["engaged_pct"]),
        y=groups,
        orientation="h",
        marker_color=theme.CATEGORICAL[1],
        name="Engaged (of those accepted)",
        hovertext=_share_hover(data["engaged_pct"], "engaged"),
        hovertemplate="%{y}: %{hovertext}<extra></extra>",
        row=1,
        col=2,
    )
    _layout(
        fig,
        f"Referrals by {dimension_label.lower()}",
        period,
        "",
        "",
        barmode="group",
        height=max(370, 180 + 46 * len(rows)),
        margin={"l": 10, "r": 20, "t": 110, "b": 100},
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
    )
    fig.update_xaxes(title_text="Share of referrals (%)", ticksuffix="%", row=1, col=1)
    fig.update_xaxes(
        title_text="Per cent of the group", ticksuffix="%", range=[0, 100], row=1, col=2
    )
    fig.update_yaxes(automargin=True)
    return fig


def active_caseload(months: pd.DataFrame, period: str) -> go.Figure:
    """A line: people on the active caseload at each month end."""
    fig = go.Figure(
        go.Scatter(
            x=pd.to_datetime(months["on_date"]),
            y=months["active_count"],
            mode="lines+markers",
            line={"color": theme.NHS_BLUE, "width": 3},
            name="Active caseload",
            hovertemplate="%{x|%-d %b %Y}: %{y:,} people<extra></extra>",
        )
    )
    _layout(
        fig,
        "People on the active caseload at each month end",
        period,
        "Month end",
        "People on the caseload (number)",
        height=380,
        showlegend=False,
    )
    fig.update_xaxes(tickformat="%b %Y")
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return fig


# Where a worker's people supported in 12 months stand against their safe range: one colour
# each (blue below, pale within, yellow above: not red/green alone), one heatmap cell per
# worker and month.
SAFE_RANGE_STATES = (
    ("Below the safe range", theme.NHS_BLUE),
    ("Within the safe range", theme.NHS_GREY_4),
    ("Above the safe range", theme.NHS_WARM_YELLOW),
)


def _safe_state(supported: object, low: object, high: object) -> float:
    if any(formats.is_missing(v) for v in (supported, low, high)):
        return math.nan
    value = float(supported)  # type: ignore[arg-type]
    if value < float(low):  # type: ignore[arg-type]
        return 0.0
    return 1.0 if value <= float(high) else 2.0  # type: ignore[arg-type]


def _hover_count(value: object) -> str:
    return formats.fmt_count(value)


def worker_caseloads(workers: pd.DataFrame, period: str) -> go.Figure:
    """One heatmap (one trace, however many workers): a row per worker in the order given
    (the view passes the top workers), a column per month end, coloured by where the people
    they supported in the 12 months to that month end stand against the safe range for their
    FTE; the hover gives the people supported, the range and the caseload on the day."""
    names = list(dict.fromkeys(workers["display_name"]))
    months = sorted(pd.to_datetime(workers["on_date"]).unique())
    fte = workers.drop_duplicates("display_name").set_index("display_name")["fte"]
    labels_y = [f"{_text(n)} ({fte[n]:g} FTE)" for n in names]
    index = {
        (n, pd.Timestamp(d)): r
        for n, d, r in zip(
            workers["display_name"],
            pd.to_datetime(workers["on_date"]),
            workers.itertuples(),
            strict=True,
        )
    }
    z: list[list[float]] = []
    hover: list[list[str]] = []
    for n in names:
        z_row, hover_row = [], []
        for m in months:
            r = index.get((n, pd.Timestamp(m)))
            if r is None:
                z_row.append(math.nan)
                hover_row.append("Not in post")
                continue
            z_row.append(
                _safe_state(
                    r.supported_12m_count, r.safe_caseload_low_people, r.safe_caseload_high_people
                )
            )
            hover_row.append(
                f"{_hover_count(r.supported_12m_count)} people supported in the previous 12 "
                f"months; safe range {formats.fmt_number(r.safe_caseload_low_people, 0)}-"
                f"{formats.fmt_number(r.safe_caseload_high_people, 0)}; "
                f"{_hover_count(r.active_count)} on the caseload at the month end"
            )
        z.append(z_row)
        hover.append(hover_row)
    n_states = len(SAFE_RANGE_STATES)
    scale = []
    for i, (_, colour) in enumerate(SAFE_RANGE_STATES):
        scale += [[i / n_states, colour], [(i + 1) / n_states, colour]]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=months,
            y=labels_y,
            customdata=hover,
            zmin=-0.5,
            zmax=n_states - 0.5,
            colorscale=scale,
            xgap=1,
            ygap=1,
            colorbar={
                "tickvals": list(range(n_states)),
                "ticktext": [label for label, _ in SAFE_RANGE_STATES],
                "title": {"text": "Against the range"},
            },
            hovertemplate="%{y}<br>%{x|%b %Y}: %{customdata}<extra></extra>",
        )
    )
    _layout(
        fig,
        "Each link worker's people supported in 12 months against the safe range "
        "(200-250 people a year per FTE)",
        period,
        "Month end",
        "",
        height=160 + 28 * len(names),
        margin={"l": 20, "r": 20, "t": 100, "b": 60},
    )
    fig.update_yaxes(autorange="reversed", gridcolor="rgba(0,0,0,0)", automargin=True)
    fig.update_xaxes(tickformat="%b %Y", gridcolor="rgba(0,0,0,0)")
    return fig


def km_curves(
    curves: Mapping[str, pd.DataFrame],
    period: str,
    colours: Mapping[str, str] | None = None,
    title: str = "Time on the caseload: share still on it",
) -> go.Figure:
    """Kaplan-Meier step curves (share still on the caseload against months since it began);
    a single curve also shows its 95% interval; the 50% line marks the median."""
    fig = go.Figure()
    single = len(curves) == 1
    for i, (name, curve) in enumerate(curves.items()):
        colour = (colours or {}).get(name, theme.CATEGORICAL[i % len(theme.CATEGORICAL)])
        if single:
            fig.add_scatter(
                x=curve["time_months"],
                y=100 * curve["ci_high"],
                mode="lines",
                line={"width": 0, "shape": "hv"},
                showlegend=False,
                hoverinfo="skip",
            )
            fig.add_scatter(
                x=curve["time_months"],
                y=100 * curve["ci_low"],
                mode="lines",
                line={"width": 0, "shape": "hv"},
                fill="tonexty",
                fillcolor="rgba(0, 94, 184, 0.15)",
                name="95% confidence interval",
                hoverinfo="skip",
            )
        fig.add_scatter(
            x=curve["time_months"],
            y=100 * curve["survival"],
            mode="lines",
            line={"color": colour, "width": 3, "shape": "hv"},
            name=name,
            hovertemplate=f"{name}<br>%{{x:.1f}} months: %{{y:.0f}}% still on the caseload<extra></extra>",
        )
    fig.add_hline(
        y=50,
        line={"color": theme.NHS_SECONDARY_TEXT, "dash": "dash", "width": 1},
        annotation_text="Half have left (median)",
        annotation_position="top right",
    )
    _layout(
        fig,
        title,
        period,
        "Months since the caseload began (first contact)",
        "Still on the caseload (%)",
        height=420,
    )
    fig.update_yaxes(range=[0, 102], ticksuffix="%")
    fig.update_xaxes(rangemode="tozero")
    return fig


def vertical_bars(
    frame: pd.DataFrame,
    label_col: str,
    value_col: str,
    *,
    title: str,
    period: str,
    x_title: str,
    y_title: str,
    colour: str = theme.NHS_BLUE,
) -> go.Figure:
    """Bars in the frame's order (e.g. length or wait bands)."""
    fig = go.Figure(
        go.Bar(
            x=frame[label_col],
            y=frame[value_col],
            marker_color=colour,
            hovertemplate="%{x}: %{y:,}<extra></extra>",
        )
    )
    _layout(fig, title, period, x_title, y_title, height=380, showlegend=False)
    fig.update_xaxes(type="category")
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return fig


def waiting_list(bands: pd.DataFrame, report_date: str) -> go.Figure:
    """Stacked bars: people waiting on the report date by time waited and what for."""
    fig = go.Figure()
    for status, part in bands.groupby("waiting_for", sort=False):
        part = part.sort_values("band_order")
        fig.add_bar(
            x=part["wait_band"],
            y=part["person_count"],
            name=WAITING_FOR.get(status, status),
            marker_color=WAITING_COLOURS.get(status, theme.NHS_BLUE),
            hovertemplate="%{x}: %{y:,} people<extra></extra>",
        )
    _layout(
        fig,
        "People waiting, by time since referral",
        f"Waiting list on {report_date}",
        "Time waited since referral (weeks)",
        "People waiting (number)",
        barmode="stack",
        height=400,
    )
    order = list(dict.fromkeys(bands.sort_values("band_order")["wait_band"]))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=order)
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return fig


def lines_by_group(
    frame: pd.DataFrame,
    group_col: str,
    value_col: str,
    *,
    title: str,
    period: str,
    y_title: str,
    x_col: str = "month_start",
    x_title: str = "Month",
    colours: Mapping[str, str] | None = None,
    max_lines: int | None = None,
    line_noun: str = "groups",
) -> go.Figure:
    """One line per group over months (e.g. attended contacts per worker). With an
    `is_whole_month` column, part months are left out of the lines (a 1-day last month would
    read as a sudden drop) and said so in the subtitle. With more than `max_lines` groups,
    only the `max_lines` with the largest total (ties by name) are drawn, said so in the
    subtitle, so the chart stays readable (and quick) with thousands of groups."""
    fig = go.Figure()
    if "is_whole_month" in frame.columns and not frame["is_whole_month"].astype(bool).all():
        frame = frame[frame["is_whole_month"].astype(bool)]
        period = period + " · part months at either end left out"
    if max_lines is not None and frame[group_col].nunique() > max_lines:
        totals = (
            frame.assign(_value=pd.to_numeric(frame[value_col], errors="coerce"))
            .groupby(group_col, sort=True)["_value"]
            .sum()
            .reset_index()
            .sort_values(["_value", group_col], ascending=[False, True], kind="stable")
        )
        shown = set(totals[group_col].head(max_lines))
        period = (
            period + f" · the {max_lines} of {len(totals):,} {line_noun} with the most "
            "(all in the download)"
        )
        frame = frame[frame[group_col].isin(shown)]
    for i, (name, part) in enumerate(frame.groupby(group_col, sort=True)):
        colour = (colours or {}).get(name, theme.CATEGORICAL[i % len(theme.CATEGORICAL)])
        label = _text(name)
        fig.add_scatter(
            x=pd.to_datetime(part[x_col]),
            y=_floats(part[value_col]),
            mode="lines+markers",
            name=label,
            line={"color": colour, "width": 2},
            hovertemplate=f"{label}<br>%{{x|%b %Y}}: %{{y:,}}<extra></extra>",
        )
    _layout(
        fig,
        title,
        period,
        x_title,
        y_title,
        height=430,
        # below the axis title, not on it
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0},
        margin={"b": 110},
    )
    _months_axis(fig, frame[x_col])
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return fig


def goals_achieved(goals: pd.DataFrame, period: str) -> go.Figure:
    """Share of closed goals achieved by domain, with Wilson 95% intervals as error bars."""
    rows = goals.iloc[::-1]
    err_plus = rows["achieved_ci_high_pct"] - rows["achieved_pct"]
    err_minus = rows["achieved_pct"] - rows["achieved_ci_low_pct"]
    fig = go.Figure(
        go.Bar(
            x=rows["achieved_pct"],
            y=rows["domain_label"],
            orientation="h",
            marker_color=theme.NHS_BLUE,
            error_x={
                "type": "data",
                "symmetric": False,
                "array": err_plus,
                "arrayminus": err_minus,
                "color": theme.NHS_TEXT,
            },
            customdata=rows[["achieved_count", "closed_count"]],
            hovertemplate=(
                "%{y}: %{x:.0f}% achieved (%{customdata[0]} of %{customdata[1]} closed goals)"
                "<extra></extra>"
            ),
        )
    )
    _layout(
        fig,
        "Goals achieved, of the goals closed, by domain",
        period,
        "Closed goals achieved (%, with 95% interval)",
        "",
        height=max(300, 80 + 40 * len(goals)),
        showlegend=False,
    )
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    fig.update_yaxes(automargin=True)
    return fig


def domains_by_condition(
    frame: pd.DataFrame,
    condition_order: Sequence[str],
    domain_order: Sequence[str],
    period: str,
) -> go.Figure:
    """Heatmap: each condition's goals split by domain (column `share`, 0-100; a row adds up
    to 100%), the colour scale from 0 to the largest cell shown."""
    data = frame.assign(value=_floats(frame["share"]))
    pivot = data.pivot_table(
        index="condition_label",
        columns="domain_label",
        values="value",
        aggfunc="first",
        dropna=False,
    )
    pivot = pivot.reindex(
        index=[c for c in condition_order if c in pivot.index],
        columns=[d for d in domain_order if d in pivot.columns],
    )
    hidden = {
        (c, d)
        for c, d, v in zip(
            frame["condition_label"], frame["domain_label"], frame["share"], strict=True
        )
        if v is None
    }
    text = [
        [
            formats.SUPPRESSED
            if (c, d) in hidden
            else (formats.NO_DATA if pd.isna(v) else share_text(v))
            for d, v in zip(pivot.columns, row, strict=True)
        ]
        for c, row in zip(pivot.index, pivot.to_numpy(), strict=True)
    ]
    top = float(pd.Series(pivot.to_numpy().ravel()).max()) if pivot.size else 0.0
    top = top if top > 0 else 100.0
    fig = go.Figure(
        go.Heatmap(
            z=pivot.to_numpy(),
            x=[_text(c) for c in pivot.columns],
            y=[_text(r) for r in pivot.index],
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, "#FFFFFF"], [1, theme.NHS_BLUE]],
            zmin=0,
            zmax=top,
            colorbar={"title": {"text": "% of the<br>condition's goals"}, "ticksuffix": "%"},
            hovertemplate="%{y}<br>%{x}: %{text} of the condition's goals<extra></extra>",
        )
    )
    _layout(
        fig,
        "Which domains people's goals are in, by condition (each row adds up to 100%)",
        period,
        "Action-plan domain",
        "Condition",
        height=max(320, 140 + 48 * len(pivot.index)),
    )
    fig.update_yaxes(automargin=True, autorange="reversed")
    return fig


def band_histogram(
    frame: pd.DataFrame,
    *,
    from_col: str,
    to_col: str,
    count_col: str,
    label_col: str,
    title: str,
    period: str,
    x_title: str,
    unit: str,
    colour: str = theme.NHS_BLUE,
) -> go.Figure:
    """A histogram of bands of unequal width drawn at their true widths: each bar's AREA is its
    count, so its height is the count per `unit` of width (a 6-month band is not drawn as
    tall as a 3-month band holding the same number). An open-ended last band is drawn as wide
    as the one before it, hatched, and labelled with its count."""
    rows = frame.reset_index(drop=True)
    lows = rows[from_col].astype(float).tolist()
    highs = rows[to_col].astype(float).tolist()
    open_end = [False] * len(rows)
    if len(rows) > 1 and highs[-1] > 10 * max(highs[:-1]):
        highs[-1] = lows[-1] + (highs[-2] - lows[-2])
        open_end[-1] = True
    widths = [h - lo for lo, h in zip(lows, highs, strict=True)]
    counts = _floats(rows[count_col])
    heights = [c / w if w else math.nan for c, w in zip(counts, widths, strict=True)]
    text = [formats.fmt_count(v) for v in rows[count_col]]
    fig = go.Figure(
        go.Bar(
            x=[lo + w / 2 for lo, w in zip(lows, widths, strict=True)],
            y=heights,
            width=widths,
            marker_color=colour,
            marker_line={"color": "white", "width": 1},
            marker_pattern_shape=["/" if o else "" for o in open_end],
            text=text,
            textposition="outside",
            cliponaxis=False,
            customdata=[[_text(lb), t] for lb, t in zip(rows[label_col], text, strict=True)],
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra></extra>",
        )
    )
    note = (
        " · hatched: open-ended band, drawn at the width of the one before" if any(open_end) else ""
    )
    _layout(
        fig,
        title,
        period + " · bar area = number; labels are numbers" + note,
        x_title,
        f"Number per {unit} of band width",
        height=400,
        showlegend=False,
    )
    edges = sorted(set(lows) | set(h for h, o in zip(highs, open_end, strict=True) if not o))
    fig.update_xaxes(tickvals=edges, range=[min(lows), max(highs)])
    fig.update_yaxes(rangemode="tozero")
    return fig
