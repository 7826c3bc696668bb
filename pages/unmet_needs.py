"""Unmet needs: goals not achieved, partly achieved or withdrawn, by what stood in the way,
by goal domain and by PCN, quarter by quarter: the gaps in community provision, to send to
the PCN's clinical director and to funders (use publishable figures for that)."""

from __future__ import annotations

import streamlit as st

from wellpath import ui
from wellpath.views import unmet_needs as view

scope, filters = ui.page_header(
    "Unmet needs",
    "action-plan goals that closed in the period without being fully achieved, at the "
    "practices, conditions and link workers chosen in the sidebar",
)

statuses = st.multiselect(
    "Goals that ended",
    list(view.STATUS_LABELS),
    default=list(view.STATUS_LABELS),
    format_func=view.STATUS_LABELS.get,
    key="unmet-statuses",
)
chosen = tuple(statuses)

over_time = view.barriers_over_time(scope, filters, statuses=chosen)
st.metric("Goals not met in the period", over_time.total_goals)
st.caption(over_time.note)
if over_time.figure is None:
    ui.no_data("No goals closed unmet in this period for these filters.")
    st.stop()

st.subheader("What stood in the way, quarter by quarter")
st.plotly_chart(over_time.figure, width="stretch")
st.dataframe(over_time.table, hide_index=True, width="stretch")
ui.download(over_time.table, "unmet_goals_by_barrier_quarter.csv")

st.subheader("By goal domain and by primary care network")
by = st.radio(
    "Rows",
    list(view.BY_CHOICES),
    format_func=view.BY_CHOICES.get,
    horizontal=True,
    key="unmet-rows-by",
)
crosstab = view.barriers_by(scope, filters, rows_by=by, statuses=chosen)
st.dataframe(
    crosstab.table,
    hide_index=True,
    width="stretch",
    column_config={
        name: st.column_config.Column(short, help=name)
        for name, short in view.CROSSTAB_SHORT_HEADERS.items()
    },
)
ui.download(crosstab.table, f"unmet_goals_by_{by}_barrier.csv")

st.subheader("How the goals ended")
ended = view.by_status(scope, filters, statuses=chosen)
st.dataframe(ended.table, hide_index=True, width="stretch")
ui.download(ended.table, "unmet_goals_by_status_quarter.csv")

ui.definition(
    "A goal is counted in the quarter it closed, when it closed **not achieved**, **partly "
    "achieved** or **withdrawn** in the period. Its **barrier** is what the link worker "
    "recorded as standing in the way (`goals.csv`, column `barrier`, from version 2 of the "
    "data contract); *Not recorded* where none was given. In publishable figures every "
    "count of 1 to 7 is shown as *, others are rounded to the nearest 5, totals add up the "
    "figures shown (so a hidden figure cannot be worked out from a total) and shares are "
    "worked from those totals.",
    ["unmet_goals"],
)
