"""What the Outcomes page shows (and the PSEQ figures of Overview), computed and protected.

One function per page section. In a rounded (publishable) scope nothing person-level leaves
this module: counts rounded, statistics about 7 or fewer people suppressed, shares and their
Wilson intervals from the rounded parts (suppressed under a rounded denominator of 20), no
exact p-value, no SD of change, no SRM, means to one decimal, and SECONDARY suppression where
the people the filters leave out of a parent group number 1-7 (so "practice P, all
conditions" minus "practice P, all but C" cannot give group C: docs/methods.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from wellpath import data, disclosure, formats, labels, outcomes, scoring, spc, theme
from wellpath.charts import outcomes as charts
from wellpath.charts.spc import spc_chart
from wellpath.scope import Filters, Scope

LATEST = "Latest follow-up"
TIME_CHOICES: dict[str, int | None] = {LATEST: None} | {
    f"{m} months": m for m in outcomes.TIME_POINTS
}


#: The breakdown chart by practice shows this many practices (those with the most pairs);
#: every practice is in the download.
TOP_PRACTICES = 20


def _time_params(time_point: int | None) -> dict[str, int | None]:
    window = None if time_point is None else outcomes.TIME_POINTS[time_point]
    return {"time_point_months": time_point, "window_days": window}


def _score_pairs(scope: Scope, filters: Filters, time_point: int | None) -> pd.DataFrame:
    """The pairs of paired_scores counted by (measure, baseline score, follow-up score)."""
    return data.query("outcome_score_pairs", scope, filters, **_time_params(time_point))


def _groups(
    scope: Scope, filters: Filters, time_point: int | None, *, measure: str, grouping: str
) -> pd.DataFrame:
    """n, mean and SD of change of one measure per group of one grouping (a breakdown, or
    the month of baseline)."""
    return data.query(
        "outcome_change_by_group",
        scope,
        filters,
        measure=measure,
        grouping=grouping,
        **_time_params(time_point),
    )


def _parents(filters: Filters) -> list[Filters]:
    """The parent groups of a filtered selection: the same selection with one restricted
    dimension opened up (conditions, link workers, practices and PCNs)."""
    out = []
    if filters.conditions:
        out.append(dataclasses.replace(filters, conditions=()))
    if filters.worker_ids:
        out.append(dataclasses.replace(filters, worker_ids=()))
    if filters.practice_codes or filters.pcn_codes:
        out.append(dataclasses.replace(filters, practice_codes=(), pcn_codes=()))
    return out


def complement_too_small(
    scope: Scope, filters: Filters, time_point: int | None, counts: pd.Series
) -> set[str]:
    """Measures whose selection leaves 1-7 pairs out of one of its parents (secondary
    suppression): their figures would give the left-out group away by differencing."""
    hidden: set[str] = set()
    for parent in _parents(filters):
        parent_counts = outcomes.pair_counts(_score_pairs(scope, parent, time_point))
        for measure, n in counts.items():
            rest = int(parent_counts.get(measure, 0)) - int(n)
            if 0 < rest <= disclosure.SUPPRESS_AT_OR_BELOW:
                hidden.add(str(measure))
    return hidden


def _publish(summary: pd.DataFrame, hidden: set[str]) -> pd.DataFrame:
    """`paired_summary` as published: counts rounded, statistics 1 dp and suppressed about
    <= 7 people (or for a measure in `hidden`), shares and intervals from rounded parts, no
    SRM, no exact p-value (band only)."""
    out = outcomes.protect_paired_summary(summary)
    shares = {
        "improved_pct": "improved_count",
        "mcid_pct": "mcid_count",
        "reliable_improved_pct": "reliable_improved_count",
        "reliable_deteriorated_pct": "reliable_deteriorated_count",
    }
    for i, raw in summary.iterrows():
        n = raw["pair_count"]
        for pct, count in shares.items():
            out.loc[i, pct] = disclosure.published_share(raw[count], n)
        interval = disclosure.published_share_interval(raw["mcid_count"], n)
        out.loc[i, "mcid_ci_low_pct"] = None if interval is None else interval[0]
        out.loc[i, "mcid_ci_high_pct"] = None if interval is None else interval[1]
        for col in ("mean_baseline", "mean_follow_up", "mean_change", "ci_low", "ci_high"):
            out.loc[i, col] = disclosure.published_statistic(raw[col], n)
        out.loc[i, "p_band"] = disclosure.p_value_band(raw["p_wilcoxon"])
        if raw["measure"] in hidden:
            keep = {"measure", "measure_label", "mcid_points", "reliability_r"}
            for col in out.columns:
                if col not in keep:
                    out.loc[i, col] = None
    return out.drop(columns=["srm", "p_wilcoxon"])


@dataclass(frozen=True)
class PseqHeadline:
    """The PSEQ row as text: the same strings on Overview and on the Outcomes table."""

    pairs: str
    start_to_latest: str
    mean_change: str
    ci: str
    mcid_label: str
    mcid_share: str
    mcid_ci: str


@dataclass(frozen=True)
class PairedChange:
    present: tuple[str, ...]
    table: pd.DataFrame
    download: pd.DataFrame
    reading: tuple[str, ...]
    caption: str
    pseq: PseqHeadline | None


def _ci_text(low: object, high: object, digits: int = 1) -> str:
    if formats.is_missing(low) or formats.is_missing(high):
        return formats.NO_DATA
    return f"{formats.fmt_signed(low, digits)} to {formats.fmt_signed(high, digits)}"


def _cell(raw: object, shown: object, fmt=formats.fmt_number) -> str:  # noqa: ANN001
    return formats.display_value(raw, shown, fmt)


def _change_table(
    scope: Scope,
    filters: Filters,
    time_point: int | None,
    pseq_mcid: float,
    reliability: tuple[tuple[str, float | None], ...],
) -> tuple[tuple[str, ...], pd.DataFrame, pd.DataFrame, pd.DataFrame] | None:
    """(measures present, summary, summary as published, the table's text), or None."""
    pairs = _score_pairs(scope, filters, time_point)
    present = tuple(outcomes.measures_present(pairs["measure"].unique())) if len(pairs) else ()
    if not present:
        return None
    summary = outcomes.paired_summary_counted(
        pairs, mcid={"PSEQ": float(pseq_mcid)}, reliability=dict(reliability) or None
    )
    if scope.rounded:
        hidden = complement_too_small(
            scope, filters, time_point, summary.set_index("measure")["pair_count"]
        )
        shown = _publish(summary, hidden)
    else:
        shown = summary.assign(p_band=summary["p_wilcoxon"].map(disclosure.p_value_band))

    def col(name: str, fmt=formats.fmt_number) -> list[str]:  # noqa: ANN001
        return [_cell(r, s, fmt) for r, s in zip(summary[name], shown[name], strict=True)]

    def ci_col(low: str, high: str) -> list[str]:
        return [
            formats.SUPPRESSED
            if formats.is_missing(sl) and not formats.is_missing(rl)
            else _ci_text(sl, sh)
            for rl, sl, sh in zip(summary[low], shown[low], shown[high], strict=True)
        ]

    reliable_na = summary["reliability_r"].isna()
    table = pd.DataFrame(
        {
            "Questionnaire": shown["measure_label"],
            "People paired": shown["pair_count"].map(formats.fmt_count),
            "Mean change (points)": col("mean_change", lambda v: formats.fmt_signed(v, 1)),
            "95% CI of change": ci_col("ci_low", "ci_high"),
            "Mean at start": col("mean_baseline"),
            "Mean at follow-up": col("mean_follow_up"),
            "Meaningful change (points)": shown["mcid_points"].map(
                lambda v: "none published" if formats.is_missing(v) else f"{v:g}"
            ),
            "Reached it": col("mcid_pct", formats.fmt_pct),
            "Reliable improvement": col("reliable_improved_pct", formats.fmt_pct),
            "Reliable deterioration": col("reliable_deteriorated_pct", formats.fmt_pct),
        }
    )
    table.loc[reliable_na.to_numpy(), ["Reliable improvement", "Reliable deterioration"]] = (
        "not available"
    )
    return present, summary, shown, table


def _pseq_row(
    summary: pd.DataFrame, shown: pd.DataFrame, table: pd.DataFrame, rounded: bool
) -> PseqHeadline | None:
    if "PSEQ" not in set(summary["measure"]):
        return None
    i = int(summary.index[summary["measure"] == "PSEQ"][0])
    r, s = summary.loc[i], shown.loc[i]
    start = _cell(r["mean_baseline"], s["mean_baseline"])
    end = _cell(r["mean_follow_up"], s["mean_follow_up"])
    return PseqHeadline(
        pairs=table.loc[i, "People paired"],
        start_to_latest=f"{start} → {end}",
        mean_change=table.loc[i, "Mean change (points)"],
        ci=table.loc[i, "95% CI of change"],
        mcid_label=f"Improved by {float(r['mcid_points']):g}+ points",
        mcid_share=table.loc[i, "Reached it"],
        mcid_ci=_ci_text(s["mcid_ci_low_pct"], s["mcid_ci_high_pct"], 0).replace("+", "") + "%"
        if not formats.is_missing(s["mcid_ci_low_pct"])
        else (formats.SUPPRESSED if rounded else formats.NO_DATA),
    )


@data.cached_view
def paired_change(
    scope: Scope,
    filters: Filters,
    *,
    time_point: int | None = None,
    pseq_mcid: float = 5.5,
    reliability: tuple[tuple[str, float | None], ...] = (),
) -> PairedChange:
    """The paired change table, its download, the plain-English reading and the PSEQ row."""
    made = _change_table(scope, filters, time_point, pseq_mcid, reliability)
    if made is None:
        return PairedChange((), pd.DataFrame(), pd.DataFrame(), (), "", None)
    present, summary, shown, table = made
    time_label = "their latest follow-up" if time_point is None else f"about {time_point} months"
    headers = {
        "measure_label": "Questionnaire",
        "pair_count": "People paired (follow-up dated in the period)",
        "mean_baseline": "Mean at start (points)",
        "mean_follow_up": "Mean at follow-up (points)",
        "mean_change": "Mean change (points)",
        "ci_low": "95% CI of change, low (points)",
        "ci_high": "95% CI of change, high (points)",
        "p_band": "Wilcoxon signed-rank p (band)",
        "mcid_points": "Meaningful change threshold (points)",
        "mcid_pct": "Reached meaningful change (%)",
        "mcid_ci_low_pct": "Reached meaningful change, 95% CI low (%)",
        "mcid_ci_high_pct": "Reached meaningful change, 95% CI high (%)",
        "improved_pct": "Improved at all (%)",
        "reliable_improved_pct": "Reliable improvement (%)",
        "reliable_deteriorated_pct": "Reliable deterioration (%)",
        "reliability_r": "Test-retest reliability used (r)",
    }
    one_dp = lambda v: formats.fmt_number(v, 1, missing="")  # noqa: E731
    fmt = {k: one_dp for k in headers if k not in ("measure_label", "pair_count", "p_band")}
    fmt["pair_count"] = formats.fmt_count
    fmt["reliability_r"] = lambda v: "" if formats.is_missing(v) else f"{v:g}"
    fmt["measure_label"] = str
    if not scope.rounded:
        headers |= {"effect_size": "Effect size (d)", "sd_baseline": "SD of baselines (points)"}
        fmt |= {
            "effect_size": lambda v: formats.fmt_number(v, 2, missing=""),
            "sd_baseline": one_dp,
        }
    download = formats.readable_frame(shown, headers, fmt).assign(
        **{"Period": filters.period_label, "Follow-up compared": time_label}
    )

    lead = present[0]
    lead_row = shown[shown["measure"] == lead].iloc[0].to_dict()
    cov = coverage(scope, filters, measure=outcomes.MEASURES[lead].instrument)
    reading = outcomes.reading(
        lead_row,
        outcomes.MEASURES[lead],
        period_label=filters.period_label,
        coverage_text=cov.sentence if cov.sentence else None,
        time_point_label=time_label,
    )
    caption = (
        "People paired: baseline and a later questionnaire, the follow-up dated in the period. "
        "Change = follow-up minus start. For ONS4 anxiety a fall is an improvement. "
        + (
            "Publishable figures: counts rounded to the nearest 5, * = suppressed (7 or fewer "
            "people, a share of fewer than 20, or a group whose complement is 1-7). "
            if scope.rounded
            else ""
        )
        + f"Follow-ups compared: {time_label}."
    )
    pseq = _pseq_row(summary, shown, table, scope.rounded)
    return PairedChange(present, table, download, tuple(reading), caption, pseq)


@data.cached_view
def pseq_headline(scope: Scope, filters: Filters) -> PseqHeadline | None:
    """Overview's PSEQ figures: the PSEQ row of the Outcomes table at its defaults (the same
    rows as `paired_change(scope, filters).pseq`, without its reading, coverage or download)."""
    made = _change_table(scope, filters, None, 5.5, ())
    return None if made is None else _pseq_row(*made[1:], scope.rounded)


# --- PSEQ bands -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Bands:
    transitions_chart: go.Figure | None
    share_chart: go.Figure | None
    movement: str
    download: pd.DataFrame


@data.cached_view
def pseq_bands(scope: Scope, filters: Filters, *, time_point: int | None = None) -> Bands:
    pairs = _score_pairs(scope, filters, time_point)
    if not len(pairs) or "PSEQ" not in set(pairs["measure"]):
        return Bands(None, None, "", pd.DataFrame())
    transitions = outcomes.band_transitions_counted(pairs)
    movement = outcomes.band_movement(transitions)
    share = outcomes.share_at_or_above_counted(pairs)
    if scope.rounded:
        n = int(outcomes.pair_counts(pairs)["PSEQ"])
        transitions = disclosure.protect_frame(transitions, count_columns=["pair_count"])
        raw = share.copy()
        share = outcomes.protect_share(share)
        for i, row in raw.iterrows():
            share.loc[i, "at_or_above_pct"] = disclosure.published_share(
                row["at_or_above_count"], n
            )
            interval = disclosure.published_share_interval(row["at_or_above_count"], n)
            share.loc[i, "ci_low_pct"] = None if interval is None else interval[0]
            share.loc[i, "ci_high_pct"] = None if interval is None else interval[1]
        movement = {k: disclosure.round_count(v) for k, v in movement.items()}
    moved = {
        k: "\\*" if (t := formats.fmt_count(v)) == formats.SUPPRESSED else f"**{t}**"
        for k, v in movement.items()
    }
    text = (
        f"{moved['better_band_count']} moved to a better band, "
        f"{moved['same_band_count']} stayed in the same band and "
        f"{moved['worse_band_count']} moved to a worse one. Bands (ePPOC, Nicholas 2019): "
        "0-19 severe, 20-30 moderate, 31-40 mild, 41-60 minimal. Services count a score of 40 "
        "or more as managing well despite the pain."
    )
    order = [band.label for band in scoring.PSEQ_BANDS]
    period = filters.period_label
    download = formats.readable_frame(
        transitions,
        {
            "baseline_band": "Band at start",
            "follow_up_band": "Band at follow-up",
            "pair_count": "People",
        },
        {"pair_count": formats.fmt_count},
    ).assign(Period=period)
    return Bands(
        charts.band_transitions_chart(transitions, band_order=order, period=period),
        charts.share_managing_well_chart(
            share, threshold=outcomes.PSEQ_MANAGING_WELL, period=period
        ),
        text,
        download,
    )


# --- trajectory ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Trajectory:
    figure: go.Figure | None
    download: pd.DataFrame
    horizon: int


@data.cached_view
def trajectory(scope: Scope, filters: Filters, *, measure: str, horizon: int = 12) -> Trajectory:
    rows = data.query(
        "outcome_trajectory_means",
        scope,
        filters,
        horizon_months=horizon,
        time_points_months=list(outcomes.TRAJECTORY_POINTS),
        windows_days=[0, *outcomes.TIME_POINTS.values()],
        measures=[measure],
    )
    summary = outcomes.trajectory_summary_from_means(rows[rows["measure"] == measure])
    if scope.rounded:
        raw = summary.copy()
        summary = outcomes.protect_group_means(
            summary, "person_count", ["mean_score", "ci_low", "ci_high"]
        )
        for col in ("mean_score", "ci_low", "ci_high"):
            summary[col] = [
                disclosure.published_statistic(v, n)
                for v, n in zip(raw[col], raw["person_count"], strict=True)
            ]
    if summary.empty or summary["mean_score"].isna().all():
        return Trajectory(None, pd.DataFrame(), horizon)
    m = outcomes.MEASURES[measure]
    fig = charts.trajectory_chart(
        summary,
        measure_label=m.short_label,
        y_title=f"{m.short_label} score (points)",
        period=f"{filters.period_label} · cohort measured at 0 and {horizon} months",
    )
    download = formats.readable_frame(
        summary,
        {
            "time_point_months": "Months after baseline",
            "person_count": "People",
            "mean_score": "Mean score (points)",
            "ci_low": "95% CI low (points)",
            "ci_high": "95% CI high (points)",
        },
        {
            "person_count": formats.fmt_count,
            "mean_score": lambda v: formats.fmt_number(v, 1, missing=""),
            "ci_low": lambda v: formats.fmt_number(v, 1, missing=""),
            "ci_high": lambda v: formats.fmt_number(v, 1, missing=""),
        },
    ).assign(Period=filters.period_label)
    return Trajectory(fig, download, horizon)


# --- breakdown -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Breakdown:
    figure: go.Figure
    download: pd.DataFrame


@data.cached_view
def breakdown(
    scope: Scope, filters: Filters, *, measure: str, by: str, time_point: int | None = None
) -> Breakdown:
    groups = outcomes.breakdown_from_groups(
        _groups(scope, filters, time_point, measure=measure, grouping=by), measure, by
    )
    if scope.rounded:
        raw = groups.copy()
        cells = dict(zip(raw["group"].astype(str), raw["pair_count"], strict=True))
        kept = disclosure.secondary_suppress(cells, int(raw["pair_count"].sum()))
        groups = outcomes.protect_group_means(
            groups, "pair_count", ["mean_change", "ci_low", "ci_high"]
        )
        for i, row in raw.iterrows():
            hidden = kept[str(row["group"])] is None
            groups.loc[i, "pair_count"] = kept[str(row["group"])]
            for col in ("mean_change", "ci_low", "ci_high"):
                groups.loc[i, col] = (
                    None if hidden else disclosure.published_statistic(row[col], row["pair_count"])
                )
    practices = data.service_query("practice_list")
    names = dict(zip(practices["practice_code"], practices["practice_name"], strict=True))
    mapping: dict[object, str] = {
        "practice_code": names,
        "condition": dict(labels.CONDITIONS),
        "sex": dict(labels.SEXES),
        "imd_quintile": {1: "1 (most deprived)", 5: "5 (least deprived)"},
        "age_band": {},
    }[by]
    group_labels = {
        g: formats.plain_text(mapping.get(g, g)).replace("\\", "") for g in groups["group"]
    }
    m = outcomes.MEASURES[measure]
    charted, period = groups, filters.period_label
    if by == "practice_code" and len(groups) > TOP_PRACTICES:
        # The practices with the most pairs (as published: rounded counts, suppressed last),
        # so the chart stays readable at thousands of practices.
        size = pd.to_numeric(groups["pair_count"], errors="coerce").fillna(-1)
        order = sorted(
            range(len(groups)),
            key=lambda i: (-float(size.iloc[i]), group_labels[groups["group"].iloc[i]]),
        )
        charted = groups.iloc[sorted(order[:TOP_PRACTICES])]
        period += (
            f" · the {TOP_PRACTICES} of {len(groups):,} practices with the most pairs "
            "(all in the download)"
        )
    fig = charts.change_forest(
        charted,
        title=f"{m.short_label}: mean change by {outcomes.BREAKDOWNS[by].lower()}",
        period=period,
        x_title="Mean change (points, 95% CI)",
        labels=group_labels,
        colours=theme.practice_colours(practices["practice_code"])
        if by == "practice_code"
        else None,
    )
    download = formats.readable_frame(
        groups.assign(label=groups["group"].map(group_labels)),
        {
            "label": outcomes.BREAKDOWNS[by],
            "pair_count": "People paired",
            "mean_change": "Mean change (points)",
            "ci_low": "95% CI low (points)",
            "ci_high": "95% CI high (points)",
        },
        {
            "pair_count": formats.fmt_count,
            "mean_change": lambda v: formats.fmt_number(v, 1, missing=""),
            "ci_low": lambda v: formats.fmt_number(v, 1, missing=""),
            "ci_high": lambda v: formats.fmt_number(v, 1, missing=""),
        },
    ).assign(Period=filters.period_label)
    return Breakdown(fig, download)


# --- follow-up coverage ---------------------------------------------------------------------
@dataclass(frozen=True)
class Coverage:
    figure: go.Figure | None
    sentence: str
    headline: str
    download: pd.DataFrame


@data.cached_view
def coverage(scope: Scope, filters: Filters, *, measure: str) -> Coverage:
    """Follow-up coverage of baselines dated in the period (baseline_followup_coverage)."""
    rows = data.query("baseline_followup_coverage", scope, filters)
    rows = rows[rows["measure"] == measure]
    name = "life satisfaction (ONS4)" if measure == "ONS4" else measure
    if rows.empty:
        return Coverage(None, "", f"No {name} baselines dated in this period.", pd.DataFrame())
    summary = outcomes.coverage_summary(rows)
    if scope.rounded:
        summary = outcomes.protect_group_means(
            summary, "baseline_count", ["mean_baseline", "ci_low", "ci_high", "sd_baseline"]
        )
        summary["baseline_count"] = summary["baseline_count"]  # already rounded by the query
    sentence = outcomes.coverage_sentence(summary, measure, name)
    pct = rows["follow_up_coverage_pct"].iloc[0]
    followed = rows["measure_followed_up_count"].iloc[0]
    total = rows["measure_baseline_count"].iloc[0]
    shown_pct = disclosure.published_share(followed, total) if scope.rounded else pct
    headline = (
        f"{name} follow-up coverage: {formats.fmt_pct(shown_pct, missing=formats.SUPPRESSED)} "
        f"({formats.fmt_count(followed)} of {formats.fmt_count(total)} baselines dated in the "
        f"period have a follow-up by {formats.uk_date(filters.report_date)})"
    )
    y_title = (
        "Life satisfaction at baseline (0-10)"
        if measure == "ONS4"
        else f"{measure} at baseline (points)"
    )
    fig = charts.coverage_chart(
        summary,
        status_labels=outcomes.FOLLOW_UP_STATUSES,
        y_title=y_title,
        period=f"Baselines dated {filters.period_label}",
    )
    download = formats.readable_frame(
        summary.assign(status=summary["follow_up_status"].map(outcomes.FOLLOW_UP_STATUSES)),
        {
            "status": "Follow-up status",
            "baseline_count": "Baselines",
            "mean_baseline": "Mean baseline (points)",
            "ci_low": "95% CI low (points)",
            "ci_high": "95% CI high (points)",
        },
        {
            "baseline_count": formats.fmt_count,
            "mean_baseline": lambda v: formats.fmt_number(v, 1, missing=""),
            "ci_low": lambda v: formats.fmt_number(v, 1, missing=""),
            "ci_high": lambda v: formats.fmt_number(v, 1, missing=""),
        },
    ).assign(Period=filters.period_label)
    return Coverage(fig, sentence, headline, download)


# --- SPC trends ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Trends:
    baseline_chart: go.Figure | None
    baseline_note: str
    change_chart: go.Figure | None
    change_note: str

    @property
    def panels(self) -> tuple[tuple[go.Figure | None, str], ...]:
        return ((self.baseline_chart, self.baseline_note), (self.change_chart, self.change_note))


@data.cached_view
def trends(scope: Scope, filters: Filters, *, measure: str) -> Trends:
    m = outcomes.MEASURES[measure]
    monthly = data.query("monthly_baseline_scores", scope, filters)
    monthly = monthly[(monthly["measure"] == m.instrument) & monthly["mean_baseline_score"].notna()]
    spine = pd.date_range(
        pd.Timestamp(filters.start_date).to_period("M").to_timestamp(),
        pd.Timestamp(filters.end_date),
        freq="MS",
    )
    whole = {
        month
        for month in spine
        if month >= pd.Timestamp(filters.start_date)
        and month + pd.offsets.MonthEnd(0) <= pd.Timestamp(filters.end_date)
    }
    monthly = monthly[pd.to_datetime(monthly["baseline_month"]).isin(whole)]
    baseline_chart, baseline_note = None, "Too few whole months of baselines to draw a chart."
    if len(monthly) >= 2:
        frame = spc.xmr(
            monthly["mean_baseline_score"].astype(float),
            improvement="neutral",
            periods=pd.to_datetime(monthly["baseline_month"]),
        )
        baseline_chart = spc_chart(
            frame,
            title=f"{m.short_label}: mean score at the start, by month",
            period_label=f"Baselines dated {filters.period_label} (whole months)",
            y_title=f"Mean baseline ({m.short_label} points)",
            improvement="neutral",
        )
        baseline_note = ""
    point = outcomes.TREND_TIME_POINT
    series = outcomes.monthly_change_from_groups(
        _groups(scope, filters, point, measure=measure, grouping="baseline_month"),
        measure,
        start_date=filters.start_date,
        report_date=filters.report_date,
    )
    improvement = "increase" if m.higher_is_better else "decrease"
    change_chart = None
    if len(series) >= outcomes.MIN_MONTHS_FOR_CHART:
        frame = spc.xmr(
            series["mean_change_points"].astype(float),
            improvement=improvement,
            periods=pd.to_datetime(series["baseline_month"]),
        )
        change_chart = spc_chart(
            frame,
            title=f"{m.short_label}: mean change at about {point} months, by month of baseline",
            period_label=f"Baseline months whose {point}-month window lies in {filters.period_label}",
            y_title="Mean change (points)",
            improvement=improvement,
        )
        change_note = (
            f"Each point: people whose baseline is dated in that month, compared with their "
            f"score at about {point} months (months with fewer than "
            f"{outcomes.MIN_PAIRS_PER_MONTH} pairs are left out)."
        )
    else:
        change_note = (
            f"No chart of change by month: it needs at least {outcomes.MIN_MONTHS_FOR_CHART} "
            f"months of baselines whose whole {point}-month follow-up window lies in the "
            f"period, each month with {outcomes.MIN_PAIRS_PER_MONTH} or more pairs; this "
            f"period has {len(series)}. Change is charted at a fixed time point because change by month "
            "of follow-up mixes people seen 3 and 11 months after they started, and that mix "
            "moves as a service matures. Try a longer period."
        )
    return Trends(baseline_chart, baseline_note, change_chart, change_note)


#: How the change table is drawn at 1440 px: {column: (short header, width in px, what it
#: is)}. The frame keeps the full names (tests, Overview); the page shows the short ones.
TABLE_COLUMNS: dict[str, tuple[str, int, str]] = {
    "Questionnaire": ("Questionnaire", 240, "The questionnaire and what it measures"),
    "People paired": ("People", 62, "People paired: a baseline and a follow-up in the period"),
    "Mean change (points)": ("Change", 66, "Mean change, follow-up minus start (points)"),
    "95% CI of change": ("95% CI", 100, "95% confidence interval of the mean change (points)"),
    "Mean at start": ("Start", 52, "Mean score at the start (points)"),
    "Mean at follow-up": ("Follow-up", 76, "Mean score at follow-up (points)"),
    "Meaningful change (points)": (
        "Meaningful",
        102,
        "The smallest change people notice as meaningful (points)",
    ),
    "Reached it": ("Reached it", 78, "Share of people whose change reached the meaningful one"),
    "Reliable improvement": (
        "Reliably better",
        102,
        "Share reliably improved (change beyond measurement error, Jacobson & Truax)",
    ),
    "Reliable deterioration": (
        "Reliably worse",
        98,
        "Share reliably worse (change beyond measurement error, Jacobson & Truax)",
    ),
}

PAIRS_DEFINITION = (
    "**Pairs.** For each referral and questionnaire, the first complete (scored) form is the "
    "baseline. It is compared with the latest later scored form on or before the end of the "
    "period, or with the one nearest the chosen time point (3 months: within 6 weeks either "
    "side; 6, 12 and 18 months: within 2 months either side); ties go to the later date, "
    "then to the later-numbered form on one date. A pair belongs to the period when its "
    "follow-up is dated in it. Everyone is compared with themselves.\n\n"
    "**Mean change** with a 95% t interval: mean(d) ± t(0.975, n-1) × SD(d)/√n. "
    "**Meaningful change**: the share improving by at least the threshold (PSEQ 5.5 points, "
    "Chiarotto 2016, or 11, Maughan & Lewis 2010; SWEMWBS and WEMWBS 3; PSFS 2), with a "
    "Wilson 95% interval in the download. **Reliable change** (Jacobson & Truax 1991): "
    "SE = SD × √(1 - r), S_diff = √2 × SE, a change beyond 1.96 × S_diff is reliable; SD = "
    "SD of the baselines of the people paired (the MDT page uses the same). r for PSEQ 0.86 "
    "(Dube 2021); WEMWBS 0.83 (Tennant 2007); others unpublished, so not shown unless set "
    "above.\n\n**Publishable figures** (docs/methods.md): counts to the nearest 5 (1-7 as *), "
    "statistics about 7 or fewer people suppressed, means to 1 decimal, shares and their "
    "intervals from the rounded counts and not shown under a rounded 20, p-values as a band, "
    "no SD of change, effect size or SRM, and a selection whose complement within its parent "
    "(e.g. all conditions but one) is 1-7 pairs is suppressed."
)

COVERAGE_DEFINITION = (
    "**Follow-up coverage**: baselines dated in the period that have a follow-up (a later "
    "scored questionnaire) by the end of the period, as a share of all baselines dated in the "
    "period; the Data quality page shows the same figure. Those without one are split by "
    "whether the person is still on the caseload (one may yet come) or was discharged without "
    "one (lost to follow-up). This counts people who STARTED in the period, so it differs from "
    "'People paired' above, which counts follow-ups dated in the period (mostly people who "
    "started earlier). The baselines of the followed-up and the lost are compared with a "
    "Welch 95% interval of the difference, on the questionnaire's own scale. (ONS4: life "
    "satisfaction.)"
)

#: The queries behind the trend charts (named under "How is this worked out?").
SPC_QUERIES = ("monthly_baseline_scores", "outcome_change_by_group")

SPC_DEFINITION = (
    "XmR charts (NHS England, Making Data Count): the monthly mean, its average and process "
    "limits (mean ± 2.66 × average moving range, large moving ranges screened out). Coloured "
    "points are special causes. Whole months only. A rising mean baseline means the service "
    "is taking on people who start better off. Change is charted at about 6 months after the "
    "baseline, by month of baseline, so a maturing service (longer gaps between baseline and "
    "latest follow-up) does not show as an improving process. Fewer than 12 months: trial "
    "limits."
)
