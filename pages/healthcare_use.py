"""Healthcare use and cost: what happens to people's use of the NHS after referral.
Widgets and layout only: every figure comes protected from wellpath.views.healthcare."""

from __future__ import annotations

import streamlit as st

from wellpath import costs, ui
from wellpath.views import healthcare as views

scope, filters = ui.page_header(
    "Healthcare use and cost",
    "people taken on by the service whose after-window ended in the period, and the "
    "comparison cohort over the same calendar months",
)

window = st.radio(
    "Compare the 12 months before referral with",
    list(costs.AFTER_WINDOWS),
    format_func=lambda w: f"the {costs.AFTER_WINDOWS[w]} after",
    horizontal=True,
    key="healthcare_window",
)
window_text = costs.AFTER_WINDOWS[window].replace(" ", "_")

use = views.use_before_after(scope, filters, window=window)
if use.empty:
    ui.no_data(
        "No one taken on by the service has a complete 12 months before and "
        f"{costs.AFTER_WINDOWS[window]} after referral ending in this period, within the "
        "months the healthcare data cover. Try a longer period ('Since the start')."
    )
    st.stop()

st.subheader("Use of the NHS per person, before and after referral")
st.plotly_chart(use.figure, width="stretch")
st.dataframe(use.table, hide_index=True, width="stretch")
ui.download(use.download, f"healthcare_use_{window_text}.csv")
ui.definition(views.WINDOWS_DEFINITION, queries=["healthcare_use_before_after"])

st.subheader("Most people change little; a few change a lot")
measure = st.selectbox(
    "Measure",
    list(views.MEASURE_LABELS),
    format_func=lambda k: views.MEASURE_LABELS[k],
    key="healthcare_measure",
)
spread = views.change_distribution(scope, filters, window=window, measure=measure)
if spread.figure is None:
    ui.no_data("No prescription data cover these windows.")
else:
    st.plotly_chart(spread.figure, width="stretch")
    ui.download(spread.download, f"change_distribution_{measure}.csv")
ui.definition(spread.note, queries=["healthcare_use_before_after"])

st.subheader("Against a comparison group")
versus = views.comparison(scope, filters, window=window, measure=measure)
if not versus.present:
    st.info(
        "No comparison cohort is loaded for these practices and windows, so only the "
        "before/after change of referred people can be shown. A fall after referral is not on "
        "its own evidence that the service caused it: use tends to fall anyway after a "
        "peak (regression to the mean).",
        icon=":material/info:",
    )
else:
    st.plotly_chart(versus.figure, width="stretch")
    st.markdown(versus.sentence)
    ui.download(versus.download, f"difference_in_differences_{measure}.csv")
ui.definition(views.COMPARISON_DEFINITION, queries=["healthcare_use_before_after"])

st.subheader("Frequent attenders")
frequent = views.frequent_attenders(scope, filters, window=window)
if frequent.empty:
    ui.no_data(
        f"No one had {costs.FREQUENT_ATTENDER_GP_APPOINTMENTS} or more GP appointments in the "
        "year before referral."
    )
else:
    for sentence in frequent.sentences:
        st.markdown(sentence)
    st.dataframe(frequent.table, hide_index=True, width="stretch")
    ui.download(frequent.download, "frequent_attenders.csv")
ui.definition(views.FREQUENT_DEFINITION, queries=["healthcare_use_before_after"])

st.subheader("What it costs")
st.session_state.setdefault("healthcare_unit_costs", costs.default_costs())
st.session_state.setdefault("healthcare_service_cost", 0.0)
with st.expander("Unit costs and service cost (editable for your session)", expanded=False):
    edited = st.data_editor(
        views.unit_cost_editor(st.session_state["healthcare_unit_costs"]),
        hide_index=True,
        width="stretch",
        disabled=["Item", "Price year", "Source", "Note"],
        column_config={
            "Cost (GBP)": st.column_config.NumberColumn(min_value=0.0, step=1.0, format="£%.2f")
        },
        key="healthcare_cost_editor",
    )
    st.session_state["healthcare_unit_costs"] = views.edited_unit_costs(edited)
    st.session_state["healthcare_service_cost"] = st.number_input(
        "Annual cost of the service (GBP)",
        min_value=0.0,
        step=1000.0,
        value=float(st.session_state["healthcare_service_cost"]),
        key="healthcare_service_cost_input",
        help="Staff, overheads and commissioning for a year. 0 = not set.",
    )
    if st.button("Restore the published unit costs", key="healthcare_cost_reset"):
        st.session_state["healthcare_unit_costs"] = costs.default_costs()
        st.session_state.pop("healthcare_cost_editor", None)
        st.rerun()

money = views.cost(
    scope,
    filters,
    window=window,
    unit_costs=tuple(sorted(st.session_state["healthcare_unit_costs"].items())),
    service_cost=float(st.session_state["healthcare_service_cost"]),
)
if money.warning:
    st.warning(money.warning, icon=":material/edit:")
if money.uncosted:
    st.caption(money.uncosted)
if money.against_comparison:
    st.markdown(money.against_comparison)
st.caption(money.caveat)
if money.figure is not None:
    st.plotly_chart(money.figure, width="stretch")
for line in money.lines:
    st.markdown(f"- {line}" if money.figure is not None else line)
if not money.download.empty:
    ui.download(money.download, "cost_summary.csv")
ui.definition(
    views.COST_DEFINITION, queries=["healthcare_use_before_after", "accepted_referrals_last_year"]
)
