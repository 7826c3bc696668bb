"""Integration with practices: the link workers' time with each practice (MDT meetings,
surgery sessions, training, case discussions) against the practice's referrals, the
service-wide association between the two, and the practices whose engagement has lapsed."""

from __future__ import annotations

import streamlit as st

from wellpath import ui
from wellpath.views import integration as view

scope, filters = ui.page_header(
    "Integration with practices",
    "pilot practices chosen in the sidebar, their link workers' engagement and their referrals",
)

practices = view.practice_months(scope, filters).practices
if not practices:
    ui.no_data("No pilot practices match these filters.")
    st.stop()

st.subheader("Engagement and referrals, month by month")
names = dict(practices)
chosen = st.selectbox(
    "Practice",
    list(names),
    format_func=lambda code: f"{names[code]} ({code})",
    key="integration-practice",
)
timeline = view.engagement_timeline(scope, filters, practice_code=chosen)
if timeline.figure is not None:
    st.plotly_chart(timeline.figure, width="stretch")
with st.expander("The months as a table"):
    st.dataframe(timeline.table, hide_index=True, width="stretch")
    ui.download(timeline.table, f"engagement_{chosen}_by_month.csv")

st.markdown("**Every practice in the period**")
st.dataframe(
    timeline.summary,
    hide_index=True,
    width="stretch",
    column_config={
        name: st.column_config.Column(label, width=px, help=name)
        for name, (label, px) in view.SUMMARY_SCREEN.items()
    },
)
ui.download(timeline.summary, "engagement_by_practice.csv")

st.subheader("Does engagement go with more referrals?")
association = view.engagement_association(scope, filters)
if association.shown:
    st.metric("Rate ratio of referrals next month, per hour of engagement", association.headline)
st.markdown(association.sentence)
st.info(association.caveat, icon=":material/info:")
if association.method:
    st.caption(association.method)

st.subheader("Practices whose engagement has lapsed")
weeks = st.slider(
    "No engagement recorded for at least (weeks)",
    min_value=2,
    max_value=26,
    value=view.DEFAULT_LAPSE_WEEKS,
    key="integration-lapse-weeks",
)
lapsed = view.lapsed_practices(scope, filters, weeks=weeks)
st.markdown(lapsed.sentence)
if len(lapsed.table):
    st.dataframe(lapsed.table, hide_index=True, width="stretch")
    ui.download(lapsed.table, "lapsed_practices.csv")

ui.definition(
    "**Engagement** is each occasion a link worker spent with a practice, as the service "
    "records it in `practice_engagement.csv`: MDT meetings attended, sessions working from "
    "the surgery, training, case discussions with a GP, and other; hours are the minutes "
    "recorded. **Referrals per 1,000 patients** are the practice's referrals in the month "
    "over its registered list size. **The association** is a Poisson regression (a "
    "negative binomial when the counts vary more than Poisson allows) of each practice's "
    "referrals in a month on its engagement hours in the month before, with an effect for "
    "each practice (its size and habits) and each month (what all practices shared), "
    "reported as a rate ratio per hour with its 95% confidence interval (docs/methods.md). "
    "**Lapsed**: no engagement recorded in the chosen number of weeks up to the end of the "
    "period.",
    ["practice_engagement_by_month", "practice_engagement_summary"],
)
