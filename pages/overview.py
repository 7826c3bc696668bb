"""Overview: the service's headline figures for the period, each defined one click away.

Every figure comes from the same query or view as the page that goes into it in detail
(Referrals, Caseload and waits, Outcomes), so the numbers agree across pages.
"""

from __future__ import annotations

import streamlit as st

from wellpath import ui
from wellpath.views import overview as views

scope, filters = ui.page_header(
    "Overview", "referrals from the practices, conditions and link workers chosen"
)


def show(metrics) -> None:  # noqa: ANN001
    for col, m in zip(st.columns(len(metrics)), metrics, strict=True):
        col.metric(m.label, m.value, help=m.help)
        if m.caption:
            col.caption(m.caption)


service = views.service(scope, filters)
st.subheader("Referrals and the caseload")
show(service.metrics)

st.subheader("Pain self-efficacy (PSEQ)")
pseq = views.pseq(scope, filters)
if pseq is None:
    ui.no_data("No one has a PSEQ at the start and a later PSEQ dated in this period.")
else:
    show(pseq.metrics)
    st.caption(
        "Before and after for the same people, with no comparison group: part of any change "
        "may be regression to the mean. See the Outcomes page for every questionnaire, "
        "follow-up coverage and breakdowns."
    )

# One chart a row: side by side, the practice legend squeezed the bars and turned the month
# labels on their side at 1440 px.
if service.referrals_chart is not None:
    st.plotly_chart(service.referrals_chart, width="stretch")
if service.caseload_chart is not None:
    st.plotly_chart(service.caseload_chart, width="stretch")

ui.definition(
    """
| Figure | How it is worked out |
|---|---|
| Referrals received | Referrals whose referral date falls in the period. |
| Accepted | Of those, the ones triage accepted; the share is of all referrals received. |
| On the caseload | People accepted, with a first contact on or before the date and not discharged before it. |
| Waiting | People referred and not yet seen on the report date: awaiting triage, or accepted and awaiting a first contact. |
| Median wait | Days from referral to first contact, for referrals in the period seen by the report date; half waited less. |
| PSEQ change | The Outcomes page's PSEQ row: each person's first complete PSEQ against their latest later one on or before the end of the period (dated in the period); the mean of the differences, with a 95% confidence interval. |

With **Publishable figures** on, counts of 1 to 7 show as \\*, other counts are rounded to the
nearest 5, shares of fewer than 20 are not shown, and statistics about 7 or fewer people are
not shown.
""",
    queries=[
        "triage_funnel",
        "active_caseload_by_month",
        "people_waiting_by_band",
        "wait_summary",
        "outcome_score_pairs",
        "referrals_by_practice_month",
    ],
)

st.divider()
st.markdown("**Go deeper**")
links = st.columns(4)
links[0].page_link("pages/referrals.py", label="Referrals", icon=":material/input:")
links[1].page_link("pages/caseload.py", label="Caseload and waits", icon=":material/groups:")
links[2].page_link("pages/outcomes.py", label="Outcomes", icon=":material/trending_up:")
links[3].page_link("pages/mdt_meeting.py", label="MDT meeting", icon=":material/diversity_3:")
