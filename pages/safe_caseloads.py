"""Safe caseloads: each link worker's caseload against an FTE-adjusted capacity.

For programme leads. Counts, capacities and statuses come from
wellpath/views/safe_caseloads.py; people not contacted are a count, never a list.
"""

from __future__ import annotations

import streamlit as st

from wellpath import ui
from wellpath.views import safe_caseloads as view

scope, filters = ui.page_header(
    "Safe caseloads",
    "link workers' active caseloads and the waiting list on the report date",
)

measured = view.episode_length(scope, filters)
col1, col2, col3 = st.columns(3)
annual = col1.number_input(
    "People a year per full-time link worker",
    min_value=1.0, max_value=1000.0, value=view.ANNUAL_PEOPLE_PER_FTE, step=10.0,
    help=view.ANNUAL_SOURCE, key="safe_annual",
)  # fmt: skip
months = col2.number_input(
    "Months a person stays on the caseload",
    min_value=0.5, max_value=36.0, value=measured.months or 3.0, step=0.5,
    help="Default: the service's own mean (below). Used to turn the yearly figure into a "
    "caseload at a time.", key="safe_months",
)  # fmt: skip
days = col3.number_input(
    "No contact for more than (days)",
    min_value=7, max_value=365, value=view.DAYS_WITHOUT_CONTACT, step=7, key="safe_days",
    help="Six weeks by default: a choice, not a published standard.",
)  # fmt: skip
st.caption(f"Source of the yearly figure: {view.ANNUAL_SOURCE} {measured.sentence}")

result = view.caseloads(
    scope, filters, annual_people_per_fte=float(annual), months_on_caseload=float(months),
    days_without_contact=int(days),
)  # fmt: skip
st.markdown(result.sentences[0])
if result.figure is not None:
    st.plotly_chart(result.figure, width="stretch")
    st.dataframe(
        result.table,
        hide_index=True,
        width="stretch",
        column_config={
            "FTE": st.column_config.TextColumn(width=45),
            "Capacity (people at a time)": st.column_config.TextColumn(
                "Capacity at a time", width=120
            ),
            "% of capacity": st.column_config.TextColumn(width=95),
            "Status": st.column_config.TextColumn(width=150),
        },
    )
    ui.download(result.table, "safe-caseloads.csv")
else:
    ui.no_data("No link worker was in post on the report date.")
st.caption(
    "Status: \u25b2 Over capacity (over 110%, red) · \u25c6 At the limit (over 100% to 110%, "
    "amber) · \u25cf At capacity (95% to 100%, green) · \u25bc Spare capacity (under 95%, blue)."
)

st.subheader("Referrals waiting for a first contact")
st.markdown(result.sentences[1])
st.dataframe(result.waiting, hide_index=True, width="content")
ui.download(result.waiting, "waiting-for-first-contact.csv", "Download the waiting list (CSV)")

ui.definition(
    "**On caseload:** distinct people with an accepted referral, first contact on or before "
    "the report date and no discharge before it (the data contract's active caseload). "
    "**Capacity:** the yearly figure is people taken on in a year; by Little's law the "
    "people on a caseload at one time are that many times the time each stays (months / "
    "12), pro rata the worker's FTE. **No contact:** people on the caseload whose last "
    "attended contact (or first contact, when none is recorded) was more than that many "
    "days before the report date. **Waiting:** referred on or before the report date, "
    "awaiting triage or accepted, no first contact yet and not closed; by how long since "
    "referral, and whether a worker is named on the referral.",
    queries=["caseload_safety_by_worker", "waiting_for_worker_by_band", "caseload_episode_length"],
)
