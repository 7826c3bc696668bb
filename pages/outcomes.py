"""Outcomes page (widgets and layout only): every figure comes from wellpath.views.outcomes."""

from __future__ import annotations

import streamlit as st

from wellpath import outcomes, ui
from wellpath.views import outcomes as views

scope, filters = ui.page_header(
    "Outcomes",
    "people with a questionnaire at the start and a later one (paired), by the date of the "
    "follow-up",
)

left, middle = st.columns([2, 1])
with left:
    time_choice = st.radio(
        "Compare the baseline with",
        list(views.TIME_CHOICES),
        horizontal=True,
        key="outcomes_time_point",
        help="Latest: the most recent form on or before the end of the period. A time "
        "point: the form nearest it (3 months ± 6 weeks; from 6 months ± 2 months).",
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
time_point = views.TIME_CHOICES[time_choice]

with st.expander("Reliability used for reliable change (Jacobson & Truax)"):
    st.caption("Test-retest reliability r (0 = not available); SD: the paired baselines.")
    reliability, cols = {}, st.columns(3)
    for i, (code, m) in enumerate(outcomes.MEASURES.items()):
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

change = views.paired_change(
    scope,
    filters,
    time_point=time_point,
    pseq_mcid=float(pseq_mcid),
    reliability=tuple(sorted(reliability.items())),
)
if not change.present:
    ui.no_data(
        "No one has a questionnaire at the start and a later one dated in this period with "
        "these filters. Try a longer period or 'Latest follow-up'."
    )
    st.stop()

st.subheader("What the numbers say")
for line in change.reading:
    st.markdown(f"- {line}")

st.subheader("Change in each questionnaire")
st.dataframe(
    change.table,
    hide_index=True,
    width="stretch",
    column_config={
        name: st.column_config.TextColumn(label, width=px, help=note)
        for name, (label, px, note) in views.TABLE_COLUMNS.items()
    },
)
st.caption(change.caption)
ui.download(change.download, "outcomes_paired_change.csv")
ui.definition(views.PAIRS_DEFINITION, queries=["outcome_score_pairs"])

if "PSEQ" in change.present:
    st.subheader("PSEQ bands: where people started and where they got to")
    bands = views.pseq_bands(scope, filters, time_point=time_point)
    c1, c2 = st.columns([3, 2])
    c1.plotly_chart(bands.transitions_chart, width="stretch")
    c2.plotly_chart(bands.share_chart, width="stretch")
    st.markdown(bands.movement)
    ui.download(bands.download, "pseq_band_transitions.csv")

st.subheader("One questionnaire in detail")
detail = st.selectbox(
    "Questionnaire",
    change.present,
    format_func=lambda c: outcomes.MEASURES[c].label,
    key="outcomes_detail_measure",
)
horizon = time_point or 12
st.markdown(
    f"**Trajectory over {horizon} months** (people measured at the start and at {horizon} months)"
)
path = views.trajectory(scope, filters, measure=detail, horizon=horizon)
if path.figure is None:
    ui.no_data(
        f"No one has a score at the start and at about {horizon} months dated in this period."
    )
else:
    st.plotly_chart(path.figure, width="stretch")
    ui.download(path.download, f"trajectory_{detail}.csv")

st.markdown("**Who improves: change by group**")
by = st.radio(
    "Break down by",
    list(outcomes.BREAKDOWNS),
    format_func=lambda k: outcomes.BREAKDOWNS[k],
    horizontal=True,
    key="outcomes_breakdown_by",
)
groups = views.breakdown(scope, filters, measure=detail, by=by, time_point=time_point)
st.plotly_chart(groups.figure, width="stretch")
ui.download(groups.download, f"change_by_{by}_{detail}.csv")

st.markdown("**Follow-up coverage: who is missing**")
cov = views.coverage(scope, filters, measure=outcomes.MEASURES[detail].instrument)
if cov.figure is None:
    ui.no_data(cov.headline)
else:
    st.markdown(cov.headline)
    st.plotly_chart(cov.figure, width="stretch")
    st.info(cov.sentence, icon=":material/info:")
    ui.download(cov.download, f"follow_up_coverage_{detail}.csv")
ui.definition(views.COVERAGE_DEFINITION, queries=["baseline_followup_coverage"])

st.markdown("**Trends: is anything changing month by month?**")
trend = views.trends(scope, filters, measure=detail)
for column, (chart, note) in zip(st.columns(2), trend.panels, strict=True):
    with column:
        if chart is None:
            st.info(note, icon=":material/info:")
        else:
            st.plotly_chart(chart, width="stretch")
            st.caption(note)
ui.definition(views.SPC_DEFINITION, queries=views.SPC_QUERIES)

if notices := outcomes.licence_notices(change.present):
    st.caption("  \n".join(notices))
