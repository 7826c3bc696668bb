"""Caseload and waits: how many people each link worker holds against a safe caseload, how long
people stay, how long they wait for a first contact, who is waiting now, and how episodes end."""

from __future__ import annotations

import streamlit as st

from wellpath import formats, ui
from wellpath.views import caseload as view

scope, filters = ui.page_header(
    "Caseload and waits",
    "people referred from the practices, with the conditions and link workers chosen in the "
    "sidebar",
)
report_date = formats.uk_date(filters.report_date)
cohort = st.session_state.get("caseload_km_cohort", "since_start")


def definition(key: str) -> None:
    text, queries = view.DEFINITIONS[key]
    ui.definition(text, queries=queries)


def table(t) -> None:
    st.dataframe(t.frame, hide_index=True, width="stretch", column_config=t.column_config)
    ui.download(t.download, t.filename)


metrics = view.headline(scope, filters, cohort=cohort)
for col, metric in zip(st.columns(len(metrics)), metrics, strict=True):
    col.metric(metric.label, metric.value, help=metric.help)

# 1. Active caseload over time, in total and per link worker.
active = view.active(scope, filters)
st.header("How many people are on the caseload")
st.plotly_chart(active.figure, width="stretch")
ui.download(active.download, "active_caseload_by_month.csv")
definition("active")
st.subheader("Each link worker against a safe caseload")
workers = view.workers(scope, filters)
if workers.figure is None:
    ui.no_data("No link workers hold referrals matching these filters in this period.")
else:
    if workers.note:
        st.caption(workers.note)
    st.plotly_chart(workers.figure, width="stretch")
    table(workers.table)
definition("workers")

# 2. Time on caseload.
st.header("How long people stay")
st.radio(
    "Caseloads included",
    list(view.KM_COHORTS),
    format_func=lambda k: view.KM_COHORTS[k].capitalize(),
    horizontal=True,
    key="caseload_km_cohort",
    help="Since the start gives a median sooner: a year's new caseloads have rarely ended yet.",
)
by = st.radio("Compare by", view.KM_GROUPS, horizontal=True, key="caseload_km_by")
stay = view.stay(scope, filters, cohort=cohort, by=by)
if not stay.has_data:
    ui.no_data("No caseloads began in this period for these filters.")
else:
    st.plotly_chart(stay.overall, width="stretch")
    if stay.not_reached_note:
        st.caption(stay.not_reached_note)
    if stay.by_group is not None:
        st.plotly_chart(stay.by_group, width="stretch")
    table(stay.table)
definition("km")
st.subheader("Length of the episodes that ended in the period")
lengths = view.lengths(scope, filters)
st.plotly_chart(lengths.figure, width="stretch")
st.caption(
    "Finished episodes only. On their own they understate how long people stay, because the "
    "people who stay longest are more often still on the caseload: quote the Kaplan-Meier "
    "median above, not an average of these."
)
ui.download(lengths.download, "completed_episode_lengths.csv")
definition("lengths")

# 3. Waits.
st.header("Wait from referral to first contact")
waits = view.waits(scope, filters)
for col, metric in zip(st.columns(len(waits.metrics)), waits.metrics, strict=True):
    col.metric(metric.label, metric.value, help=metric.help)
if waits.spc is not None:
    st.plotly_chart(waits.spc, width="stretch")
else:
    ui.no_data("Too few months with people seen for an SPC chart of waits.")
table(waits.table)
definition("waits")
st.subheader(f"Who is waiting on {report_date}")
waiting = view.waiting(scope, filters)
st.plotly_chart(waiting.figure, width="stretch")
ui.download(waiting.download, "people_waiting_by_band.csv")
if waiting.listed_count == 0:
    st.write("No one is waiting.")
elif waiting.listed_count is not None and st.toggle(
    f"List the people waiting ({waiting.listed_count:,} rows, pseudonyms only)",
    key="caseload_list_waiting",
):
    listed = view.waiting_people(scope, filters)
    if listed is not None:
        if listed.note:
            st.caption(listed.note)
        table(listed.table)
if waiting.note:
    st.caption(waiting.note)
definition("waiting")

# 4. How episodes end, and long stays.
st.header("How episodes end")
endings = view.endings(scope, filters)
left, right = st.columns(2)
with left:
    if endings.figure is None:
        ui.no_data("No discharges in this period for these filters.")
    else:
        st.plotly_chart(endings.figure, width="stretch")
    ui.download(endings.download, "discharges_by_reason.csv")
    definition("discharges")
with right:
    st.subheader("On the caseload for more than 18 months")
    table(endings.long_stays)
    list_long_stays = endings.people_listable and st.toggle(
        "List these people (pseudonyms only)", key="caseload_list_long_stays"
    )
    definition("long_stays")
if list_long_stays:  # the whole page's width, so that its seven columns fit
    listed = view.long_stay_people(scope, filters)
    if listed is not None:
        st.subheader("People on the caseload for more than 18 months")
        if listed.note:
            st.caption(listed.note)
        table(listed.table)
