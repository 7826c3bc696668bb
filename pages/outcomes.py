"""Outcomes: do people get better, by how much, for whom, and how sure are we.

Paired change (each person's baseline against their own follow-up) for every questionnaire
in the data, PSEQ bands, trajectories of a fixed cohort, breakdowns, follow-up coverage,
SPC trends and a plain-English reading with its caveats.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wellpath import data, disclosure, labels, outcomes, scoring, spc, theme, ui
from wellpath.charts import outcomes as charts
from wellpath.charts.spc import spc_chart

scope, filters = ui.page_header(
    "Outcomes",
    "people with a questionnaire at the start and a later one (paired), by the date of the "
    "follow-up",
)
period = filters.period_label
rounded = scope.rounded

# --- choices ------------------------------------------------------------------------------
TIME_CHOICES = {"Latest follow-up": None} | {f"{m} months": m for m in outcomes.TIME_POINTS}
left, middle = st.columns([2, 1])
with left:
    time_choice = st.radio(
        "Compare the baseline with",
        list(TIME_CHOICES),
        horizontal=True,
        key="outcomes_time_point",
        help=(
            "Latest follow-up: each person's most recent questionnaire after the baseline. "
            "A time point: the questionnaire nearest that many months after the baseline, "
            "within 6 weeks either side at 3 months and 2 months either side from 6 months on."
        ),
    )
with middle:
    pseq_mcid = st.radio(
        "PSEQ meaningful change",
        [5.5, 11.0],
        format_func=lambda v: f"{v:g} points" + (" (stricter)" if v == 11 else ""),
        horizontal=True,
        key="outcomes_pseq_mcid",
        help="5.5 points: Chiarotto et al. 2016. 11 points: Maughan & Lewis 2010 (stricter).",
    )
time_point = TIME_CHOICES[time_choice]
window_days = None if time_point is None else outcomes.TIME_POINTS[time_point]
time_point_label = "their latest follow-up" if time_point is None else f"about {time_point} months"

pairs = data.query(
    "paired_scores", scope, filters, time_point_months=time_point, window_days=window_days
)
practices = data.service_query("practice_list")
practice_names = dict(zip(practices["practice_code"], practices["practice_name"], strict=True))
colours = theme.practice_colours(practices["practice_code"])

present = outcomes.measures_present(pairs["measure"].unique()) if len(pairs) else []

# Reliability for reliable change: the registry's published value, or what the user sets.
with st.expander("Reliability used for reliable change (Jacobson & Truax)"):
    st.caption(
        "Reliable change needs the questionnaire's test-retest reliability (r). Where none is "
        "published it is not shown unless you set one here (0 = not available). The SD used "
        "is that of the baselines of the people paired."
    )
    reliability: dict[str, float | None] = {}
    cols = st.columns(3)
    for i, code in enumerate(present or list(outcomes.MEASURES)[:1]):
        m = outcomes.MEASURES[code]
        with cols[i % 3]:
            value = st.number_input(
                m.short_label,
                min_value=0.0,
                max_value=0.99,
                value=float(m.reliability or 0.0),
                step=0.01,
                key=f"outcomes_reliability_{code}",
                help=m.reliability_source or "No published test-retest reliability.",
            )
        reliability[code] = value if value > 0 else None

if not present:
    ui.no_data(
        "No one has a questionnaire at the start and a later one dated in this period with "
        "these filters. Try a longer period or 'Latest follow-up'."
    )
    st.stop()

summary = outcomes.paired_summary(pairs, mcid={"PSEQ": float(pseq_mcid)}, reliability=reliability)
shown = outcomes.protect_paired_summary(summary) if rounded else summary

# --- headline reading -----------------------------------------------------------------------
coverage_rows = data.query("baseline_followup_coverage", scope, filters)
coverage = outcomes.coverage_summary(coverage_rows) if len(coverage_rows) else None
if coverage is not None and rounded:
    coverage = outcomes.protect_group_means(
        coverage, "baseline_count", ["mean_baseline", "ci_low", "ci_high"]
    )

lead = present[0]
lead_measure = outcomes.MEASURES[lead]
lead_coverage = (
    outcomes.coverage_sentence(coverage, lead_measure.instrument, lead_measure.short_label)
    if coverage is not None
    else None
)
st.subheader("What the numbers say")
for line in outcomes.reading(
    shown[shown["measure"] == lead].iloc[0].to_dict(),
    lead_measure,
    period_label=period,
    coverage_text=lead_coverage,
    time_point_label=time_point_label,
):
    st.markdown(f"- {line}")

# --- the paired change table ----------------------------------------------------------------
st.subheader("Change in each questionnaire")


def _ci(row: pd.Series, low: str, high: str, digits: int = 1) -> str:
    if pd.isna(row[low]) or pd.isna(row[high]):
        return ui.SUPPRESSED if rounded else "n/a"
    return f"{row[low]:+.{digits}f} to {row[high]:+.{digits}f}"


def _pct(value: object) -> str:
    return ui.fmt_number(value, 0, "%")


table = pd.DataFrame(
    {
        "Questionnaire": shown["measure_label"],
        "People (pairs)": shown["pair_count"].map(ui.fmt_count),
        "Mean at start": shown["mean_baseline"].map(ui.fmt_number),
        "Mean at follow-up": shown["mean_follow_up"].map(ui.fmt_number),
        "Mean change (points)": shown["mean_change"].map(lambda v: ui.fmt_number(v, 1)),
        "95% CI of change": shown.apply(_ci, axis=1, low="ci_low", high="ci_high"),
        "Effect size (d)": shown["effect_size"].map(lambda v: ui.fmt_number(v, 2)),
        "Meaningful change (points)": shown["mcid_points"].map(
            lambda v: "none published" if pd.isna(v) else f"{v:g}"
        ),
        "Reached it": shown["mcid_pct"].map(_pct),
        "Improved at all": shown["improved_pct"].map(_pct),
        "Reliable improvement": shown["reliable_improved_pct"].map(_pct),
        "Reliable deterioration": shown["reliable_deteriorated_pct"].map(_pct),
        "r used": shown["reliability_r"].map(lambda v: "not available" if pd.isna(v) else f"{v:g}"),
        "SD used": shown["sd_baseline"].map(lambda v: ui.fmt_number(v, 1)),
    }
)
no_reliability = summary["reliability_r"].isna()
table.loc[no_reliability, ["Reliable improvement", "Reliable deterioration"]] = "not available"
st.dataframe(table, hide_index=True, width="stretch")
st.caption(
    "Change = follow-up minus start. For ONS4 anxiety a fall is an improvement. "
    + ("'*': 7 or fewer people, not shown. Counts rounded to the nearest 5. " if rounded else "")
    + f"Follow-ups compared: {time_point_label}."
)
ui.download(
    shown.drop(columns=["measure_label"]).assign(
        period=period, follow_up=time_choice, measure_label=shown["measure_label"]
    ),
    "outcomes_paired_change.csv",
)
ui.definition(
    "**Pairs.** For each referral and questionnaire, the first complete (scored) form is the "
    "baseline. It is compared with the latest later scored form, or with the one nearest the "
    "chosen time point (3 months: within 6 weeks either side; 6, 12 and 18 months: within 2 "
    "months either side; ties go to the later form). A pair belongs to the period when its "
    "follow-up is dated in it. Everyone is compared with themselves: the mean of all baselines "
    "is never set against the mean of all follow-ups of different people.\n\n"
    "**Mean change** with a 95% t interval: mean(d) ± t(0.975, n-1) × SD(d)/√n. **Effect "
    "size** d = mean change / SD at baseline. **Meaningful change**: the share improving by "
    "at least the threshold (PSEQ 5.5 points, Chiarotto 2016, or 11, Maughan & Lewis 2010; "
    "SWEMWBS and WEMWBS 3; PSFS 2), with a Wilson 95% interval in the download. **Reliable "
    "change** (Jacobson & Truax 1991): SE = SD × √(1 - r), S_diff = √2 × SE, a change beyond "
    "1.96 × S_diff is reliable. r for PSEQ 0.86 (Dube 2021); WEMWBS 0.83 (Tennant 2007); "
    "others unpublished, so not shown unless set above. SD = SD of these baselines.",
    queries=["paired_scores"],
)

# --- PSEQ bands -----------------------------------------------------------------------------
if "PSEQ" in present:
    st.subheader("PSEQ bands: where people started and where they got to")
    transitions = outcomes.band_transitions(pairs)
    movement = outcomes.band_movement(transitions)
    share = outcomes.share_at_or_above(pairs)
    if rounded:
        transitions = disclosure.protect_frame(transitions, count_columns=["pair_count"])
        share = outcomes.protect_share(share)
    band_order = [band.label for band in scoring.PSEQ_BANDS]
    c1, c2 = st.columns([3, 2])
    with c1:
        st.plotly_chart(
            charts.band_transitions_chart(transitions, band_order=band_order, period=period),
            width="stretch",
        )
    with c2:
        st.plotly_chart(
            charts.share_managing_well_chart(
                share, threshold=outcomes.PSEQ_MANAGING_WELL, period=period
            ),
            width="stretch",
        )
    # "**" + "*" + "**" would render as stray asterisks: a suppressed count is an escaped "*"
    moved = {
        k: "\\*"
        if (text := ui.fmt_count(disclosure.round_count(v) if rounded else v)) == "*"
        else f"**{text}**"
        for k, v in movement.items()
    }
    st.markdown(
        f"{moved['better_band_count']} people moved to a better band, "
        f"{moved['same_band_count']} stayed in the same band and "
        f"{moved['worse_band_count']} moved to a worse one. Bands (ePPOC, Nicholas 2019): "
        "0-19 severe, 20-30 moderate, 31-40 mild, 41-60 minimal. Services count a score of 40 "
        "or more as managing well despite the pain."
    )
    ui.download(transitions.assign(period=period), "pseq_band_transitions.csv")
    ui.definition(
        "Each PSEQ pair's baseline and follow-up scores placed in the ePPOC bands (Nicholas "
        "et al. 2019). The share at 40 or more is of the same people at both times, with "
        "Wilson 95% intervals.",
        queries=["paired_scores"],
    )

# --- one questionnaire in detail ----------------------------------------------------------------
st.subheader("One questionnaire in detail")
detail = st.selectbox(
    "Questionnaire",
    present,
    format_func=lambda c: outcomes.MEASURES[c].label,
    key="outcomes_detail_measure",
)
detail_measure = outcomes.MEASURES[detail]
score_axis = f"{detail_measure.short_label} score (points)"

# Trajectories
horizon = time_point or 12
st.markdown(
    f"**Trajectory over {horizon} months** (people measured at the start and at {horizon} months)"
)
trajectory_rows = data.query(
    "score_trajectories",
    scope,
    filters,
    horizon_months=horizon,
    time_points_months=list(outcomes.TRAJECTORY_POINTS),
    windows_days=[0, *outcomes.TIME_POINTS.values()],
)
trajectory = outcomes.trajectory_summary(trajectory_rows[trajectory_rows["measure"] == detail])
if rounded:
    trajectory = outcomes.protect_group_means(
        trajectory, "person_count", ["mean_score", "ci_low", "ci_high"]
    )
if trajectory.empty or trajectory["mean_score"].isna().all():
    ui.no_data(
        f"No one has a {detail_measure.short_label} score at the start and at about {horizon} "
        "months, with that later score dated in this period."
    )
else:
    st.plotly_chart(
        charts.trajectory_chart(
            trajectory,
            measure_label=detail_measure.short_label,
            y_title=score_axis,
            period=f"{period} · cohort measured at 0 and {horizon} months",
        ),
        width="stretch",
    )
    ui.download(trajectory.assign(period=period), f"trajectory_{detail}.csv")
ui.definition(
    f"A fixed cohort: people with a baseline and a score near {horizon} months (that score "
    "dated in the period), so the two ends of the curve are the same people. Middle points "
    "use the cohort members measured near them (n in the hover). Windows as for pairs. Mean "
    "with a 95% t interval.",
    queries=["score_trajectories"],
)

# Breakdowns
st.markdown("**Who improves: change by group**")
by = st.radio(
    "Break down by",
    list(outcomes.BREAKDOWNS),
    format_func=lambda k: outcomes.BREAKDOWNS[k],
    horizontal=True,
    key="outcomes_breakdown_by",
)
groups = outcomes.breakdown(pairs, detail, by)
if rounded:
    groups = outcomes.protect_group_means(
        groups, "pair_count", ["mean_change", "ci_low", "ci_high"]
    )
group_labels: dict[object, str] = {
    "practice_code": practice_names,
    "condition": labels.CONDITIONS,
    "sex": labels.SEXES,
    "imd_quintile": {1: "1 (most deprived)", 5: "5 (least deprived)"},
    "age_band": {},
}[by]
group_labels = {**{g: str(g) for g in groups["group"]}, **group_labels}
st.plotly_chart(
    charts.change_forest(
        groups,
        title=f"{detail_measure.short_label}: mean change by {outcomes.BREAKDOWNS[by].lower()}",
        period=period,
        x_title="Mean change (points, 95% CI)",
        labels=group_labels,
        colours=colours if by == "practice_code" else None,
    ),
    width="stretch",
)
ui.download(groups.assign(period=period, breakdown=by), f"change_by_{by}_{detail}.csv")
ui.definition(
    "Mean change with a 95% t interval within each group, using the same pairs as the table "
    "above. Intervals are wide for small groups; overlapping intervals mean the data cannot "
    "tell the groups apart. IMD quintile from the person's IMD decile (1 = most deprived); "
    "age at referral from year of birth.",
    queries=["paired_scores"],
)

# Coverage and attrition
st.markdown("**Follow-up coverage: who is missing**")
if coverage is None or coverage[coverage["measure"] == detail_measure.instrument].empty:
    ui.no_data(f"No {detail_measure.short_label} baselines dated in this period.")
else:
    detail_coverage = coverage[coverage["measure"] == detail_measure.instrument]
    st.plotly_chart(
        charts.coverage_chart(
            detail_coverage,
            status_labels=outcomes.FOLLOW_UP_STATUSES,
            y_title=(
                "Life satisfaction at baseline (0-10)"
                if detail_measure.instrument == "ONS4"
                else f"{detail_measure.short_label} at baseline (points)"
            ),
            period=f"Baselines dated {period}",
        ),
        width="stretch",
    )
    st.info(
        outcomes.coverage_sentence(coverage, detail_measure.instrument, detail_measure.short_label),
        icon=":material/info:",
    )
    ui.download(
        detail_coverage.assign(
            status=detail_coverage["follow_up_status"].map(outcomes.FOLLOW_UP_STATUSES),
            period=period,
        ),
        f"follow_up_coverage_{detail}.csv",
    )
ui.definition(
    "Baselines dated in the period, split by whether a later scored questionnaire exists by "
    "the end of the period; those without one are split by whether the person is still on "
    "the caseload (one may yet come) or was discharged without one (lost to follow-up). "
    "If people who were followed up started from different scores than those lost, the "
    "paired change describes them and may not hold for everyone. (ONS4: life satisfaction.) "
    "The Data quality page's follow-up figure counts a different group on purpose: engaged "
    "referrals *made* in the period, whenever their baseline was dated, to check recording; "
    "so the two shares can differ by a few points.",
    queries=["baseline_followup_coverage"],
)

# SPC trends
st.markdown("**Trends: is anything changing month by month?**")
monthly_baseline = data.query("monthly_baseline_scores", scope, filters)
monthly_baseline = monthly_baseline[
    (monthly_baseline["measure"] == detail_measure.instrument)
    & monthly_baseline["mean_baseline_score"].notna()
]
monthly = outcomes.monthly_change(pairs, detail)
if rounded:
    monthly = outcomes.protect_group_means(monthly, "pair_count", ["mean_change_points"])
monthly = monthly[monthly["mean_change_points"].notna()]
improvement = "increase" if detail_measure.higher_is_better else "decrease"
s1, s2 = st.columns(2)
with s1:
    if len(monthly_baseline) >= 2:
        frame = spc.xmr(
            monthly_baseline["mean_baseline_score"].astype(float),
            improvement="neutral",
            periods=pd.to_datetime(monthly_baseline["baseline_month"]),
        )
        st.plotly_chart(
            spc_chart(
                frame,
                title=f"{detail_measure.short_label}: mean score at the start, by month",
                period_label=f"Baselines dated {period}",
                y_title=f"Mean baseline ({detail_measure.short_label} points)",
                improvement="neutral",
            ),
            width="stretch",
        )
    else:
        ui.no_data("Too few months of baselines to draw a chart.")
with s2:
    if len(monthly) >= 2:
        frame = spc.xmr(
            monthly["mean_change_points"].astype(float),
            improvement=improvement,
            periods=pd.to_datetime(monthly["follow_up_month"]),
        )
        st.plotly_chart(
            spc_chart(
                frame,
                title=f"{detail_measure.short_label}: mean change, by month of follow-up",
                period_label=f"Follow-ups dated {period}",
                y_title="Mean change (points)",
                improvement=improvement,
            ),
            width="stretch",
        )
    else:
        ui.no_data("Too few months of follow-ups to draw a chart.")
ui.definition(
    "XmR charts (NHS England, Making Data Count): the monthly mean, its average and process "
    "limits (mean ± 2.66 × average moving range, large moving ranges screened out). Coloured "
    "points are special causes (outside the limits, a run of 7, a trend of 7, two of three "
    "near a limit). A rising mean baseline means the service is taking on people who start "
    "better off. Fewer than 12 months: trial limits."
    + (" Months with 7 or fewer people are left out." if rounded else ""),
    queries=["monthly_baseline_scores", "paired_scores"],
)

# --- licences ---------------------------------------------------------------------------------
notices = outcomes.licence_notices(present)
if notices:
    st.caption("  \n".join(notices))
