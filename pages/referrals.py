"""Referrals: how many people are referred, from which practices, by whom and for what, how
triage goes, and who is (and is not) reaching the service."""

from __future__ import annotations

import streamlit as st

from wellpath import ui
from wellpath.views import referrals as view

scope, filters = ui.page_header(
    "Referrals",
    "referrals received in the period from the practices, conditions and link workers chosen "
    "in the sidebar",
)


def definition(key: str) -> None:
    text, queries = view.DEFINITIONS[key]
    ui.definition(text, queries=queries)


def table(t) -> None:
    st.dataframe(t.frame, hide_index=True, width="stretch", column_config=t.column_config)
    if t.download is not None:
        ui.download(t.download, t.filename)


head = view.headline(scope, filters)
for col, metric in zip(st.columns(len(head.metrics)), head.metrics, strict=True):
    col.metric(metric.label, metric.value, help=metric.help)
if head.note:
    st.caption(head.note)
if not head.has_referrals:
    ui.no_data()
    st.stop()

# 1. Volumes per practice per month, and the service total as an SPC chart.
monthly = view.monthly(scope, filters)
st.header("Referrals each month")
st.plotly_chart(monthly.by_practice, width="stretch")
definition("monthly")
ui.download(monthly.download, "referrals_by_practice_month.csv")
st.subheader("Is the number of referrals changing? (SPC chart)")
if monthly.spc is not None:
    st.plotly_chart(monthly.spc, width="stretch")
else:
    ui.no_data(monthly.spc_message)
definition("spc")

# 2. Rates per 1,000 registered patients on a funnel plot.
rates = view.rates(scope, filters)
st.header("Referrals per 1,000 registered patients")
if rates.figure is not None:
    st.plotly_chart(rates.figure, width="stretch")
table(rates.table)
if rates.caption:
    st.caption(rates.caption)
definition("rates")

# 3. Who refers, and for what.
mix = view.mix(scope, filters)
st.header("Who refers, and for what")
for col, figure in zip(st.columns(2), mix.bars, strict=True):
    col.plotly_chart(figure, width="stretch")
ui.download(mix.download, "referrals_by_referrer_and_condition.csv")
for figure, frame, name in zip(
    mix.quarterly, mix.quarterly_downloads, ("referrer", "condition"), strict=True
):
    st.plotly_chart(figure, width="stretch")
    ui.download(frame, f"referrals_by_{name}_quarter.csv")
definition("mix")

# 4. Triage funnel.
pathway = view.pathway(scope, filters)
st.header("From referral to discharge")
st.plotly_chart(pathway.figure, width="stretch")
definition("pathway")
ui.download(pathway.download, "triage_funnel.csv")

# 5. Equity.
st.header("Who is being referred")
st.info(
    "**No population comparison is possible yet.** The data contract carries each practice's "
    "total list size only, not its patients by age, sex, ethnic group or deprivation, so "
    "these charts show who is referred and how triage treats each group, but not whether a "
    "group is under-referred compared with the practices' populations.",
    icon=":material/info:",
)
tabs = view.equity(scope, filters)
for tab, section in zip(st.tabs([t.title for t in tabs]), tabs, strict=True):
    with tab:
        st.plotly_chart(section.figure, width="stretch")
        table(section.table)
definition("equity")
