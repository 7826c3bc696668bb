"""Contacts and action plans: how much support people get (contacts, modes, minutes, missed
appointments, each link worker's contacts) and what their action plans contain and achieve."""

from __future__ import annotations

import streamlit as st

from wellpath import ui
from wellpath.views import activity as view

scope, filters = ui.page_header(
    "Contacts and action plans",
    "contacts and action-plan goals of people referred from the practices, with the "
    "conditions and link workers chosen in the sidebar",
)


def definition(key: str) -> None:
    text, queries = view.DEFINITIONS[key]
    ui.definition(text, queries=queries)


def metrics(items) -> None:
    for col, metric in zip(st.columns(len(items)), items, strict=True):
        col.metric(metric.label, metric.value, help=metric.help)


metrics(view.headline(scope, filters))

# 1. Contacts by mode.
modes = view.modes(scope, filters)
st.header("Contacts")
left, right = st.columns(2)
left.plotly_chart(modes.counts, width="stretch")
right.plotly_chart(modes.hours, width="stretch")
st.dataframe(
    modes.table.frame, hide_index=True, width="stretch", column_config=modes.table.column_config
)
ui.download(modes.table.download, modes.table.filename)
definition("modes")

monthly = view.monthly(scope, filters)
st.subheader("Missed appointments (SPC chart)")
if monthly.dna is not None:
    st.plotly_chart(monthly.dna, width="stretch")
else:
    ui.no_data("Too few whole months with contacts for an SPC chart.")
ui.download(monthly.dna_download, "contacts_by_month.csv")
definition("dna")

st.subheader("Contacts each month by link worker")
if monthly.by_worker is None:
    ui.no_data("No contacts by link workers for these filters in this period.")
else:
    st.plotly_chart(monthly.by_worker, width="stretch")
    ui.download(monthly.worker_download, "contacts_by_worker_month.csv")
definition("workers")

st.subheader("Contacts per person over a whole episode")
per_person = view.per_person(scope, filters)
st.plotly_chart(per_person.figure, width="stretch")
ui.download(per_person.download, "contacts_per_person.csv")
definition("per_person")

# 2. Action plans.
st.header("Action plans")
goals = view.goals(scope, filters)
if not goals.has_data:
    ui.no_data("No action-plan goals were agreed in this period for these filters.")
else:
    metrics(goals.metrics)
    st.plotly_chart(goals.figure, width="stretch")
    st.dataframe(
        goals.table.frame, hide_index=True, width="stretch", column_config=goals.table.column_config
    )
    ui.download(goals.table.download, goals.table.filename)
definition("goals")

st.subheader("Which domains people's goals are in, by condition")
domains = view.domains(scope, filters)
if domains.figure is None:
    ui.no_data("No action plans in this period for these filters.")
else:
    st.plotly_chart(domains.figure, width="stretch")
    ui.download(domains.download, "goal_domains_by_condition.csv")
definition("domains")
