"""Overview: the service's headline figures for the period, each defined one click away.

Every figure comes from the same query as the page that goes into it in detail (Referrals,
Caseload and waits, Outcomes), so the numbers agree across pages.
"""

from __future__ import annotations

import streamlit as st

from wellpath import data, outcomes, theme, ui
from wellpath.charts import service as charts
from wellpath.scope import uk_date

scope, filters = ui.page_header(
    "Overview", "referrals from the practices, conditions and link workers chosen"
)
rounded = scope.rounded
period = filters.period_label

funnel = data.query("triage_funnel", scope, filters)
waits = data.query("wait_summary", scope, filters)
caseload = data.query("active_caseload_by_month", scope, filters)
waiting = data.query("people_waiting_by_band", scope, filters)
pairs = data.query("paired_scores", scope, filters, time_point_months=None, window_days=None)
by_practice = data.query("referrals_by_practice_month", scope, filters)


def stage(name: str, column: str = "referral_count") -> object:
    rows = funnel.loc[funnel["stage"] == name, column]
    return rows.iloc[0] if len(rows) else 0


# --- Referrals and waits --------------------------------------------------------------------
st.subheader("Referrals and the caseload")
cols = st.columns(5)
cols[0].metric(
    "Referrals received",
    ui.fmt_count(stage("referred")),
    help="Referrals dated in the period (queries/triage_funnel.sql).",
)
accepted_pct = stage("accepted", "conversion_pct")
cols[1].metric(
    "Accepted",
    ui.fmt_count(stage("accepted")),
    help="Referrals in the period that triage accepted (queries/triage_funnel.sql).",
)
cols[1].caption(f"{ui.fmt_number(accepted_pct, 0, '%')} of referrals received")
on_caseload = caseload["active_count"].iloc[-1] if len(caseload) else 0
cols[2].metric(
    "On the caseload",
    ui.fmt_count(on_caseload),
    help=(
        "People accepted, first seen on or before the date and not discharged before it "
        "(queries/active_caseload_by_month.sql)."
    ),
)
cols[2].caption(f"on {uk_date(filters.report_date)}")
waiting_total = waiting["waiting_total_count"].iloc[0] if len(waiting) else 0
cols[3].metric(
    "Waiting",
    ui.fmt_count(waiting_total),
    help=(
        "People referred and not yet seen on the report date: awaiting triage, or accepted "
        "and awaiting a first contact (queries/people_waiting_by_band.sql)."
    ),
)
median_wait = waits["median_wait_days"].iloc[0] if len(waits) else None
p90_wait = waits["p90_wait_days"].iloc[0] if len(waits) else None
cols[4].metric(
    "Median wait",
    ui.fmt_number(median_wait, 0, " days"),
    help=(
        "Referral date to first contact, for referrals in the period seen by the report date "
        "(queries/wait_summary.sql)."
    ),
)
cols[4].caption(f"to first contact; 9 in 10 seen within {ui.fmt_number(p90_wait, 0, ' days')}")

# --- Outcomes -------------------------------------------------------------------------------
st.subheader("Pain self-efficacy (PSEQ)")
pseq_pairs = pairs[pairs["measure"] == "PSEQ"] if len(pairs) else pairs
if len(pseq_pairs):
    summary = outcomes.paired_summary(pseq_pairs)
    shown = outcomes.protect_paired_summary(summary) if rounded else summary
    row = shown.iloc[0]
    mcid = row["mcid_points"]
    cols = st.columns(4)
    cols[0].metric(
        "People paired",
        ui.fmt_count(row["pair_count"]),
        help="Pairs whose latest follow-up is dated in the period (queries/paired_scores.sql).",
    )
    cols[0].caption("with a PSEQ at the start and a later one")
    cols[1].metric(
        "Mean PSEQ, start → latest",
        f"{ui.fmt_number(row['mean_baseline'])} → {ui.fmt_number(row['mean_follow_up'])}",
        help="PSEQ scores run from 0 to 60; higher means more confident despite the pain.",
    )
    cols[2].metric(
        "Mean change (95% CI)",
        ui.fmt_number(row["mean_change"], 1, " points"),
        help="Follow-up minus baseline for the same people, with a t-based 95% interval.",
    )
    cols[2].caption(
        f"95% CI {ui.fmt_number(row['ci_low'])} to {ui.fmt_number(row['ci_high'])} points"
    )
    cols[3].metric(
        f"Improved by {mcid:g}+ points",
        ui.fmt_number(row["mcid_pct"], 0, "%"),
        help="The meaningful change for the PSEQ (Chiarotto et al. 2016).",
    )
    cols[3].caption(
        f"95% CI {ui.fmt_number(row['mcid_ci_low_pct'], 0, '%')} to "
        f"{ui.fmt_number(row['mcid_ci_high_pct'], 0, '%')}"
    )
    st.caption(
        "Before and after for the same people, with no comparison group: part of any change "
        "may be regression to the mean. See the Outcomes page for every questionnaire, "
        "follow-up coverage and breakdowns."
    )
else:
    ui.no_data("No one has a PSEQ at the start and a later PSEQ dated in this period.")

# --- Charts ---------------------------------------------------------------------------------
practices = data.service_query("practice_list")
colours = theme.practice_colours(practices["practice_code"])
left, right = st.columns(2)
with left:
    if len(by_practice):
        st.plotly_chart(
            charts.referrals_by_practice_month(by_practice, colours, period), width="stretch"
        )
with right:
    if len(caseload):
        st.plotly_chart(charts.active_caseload(caseload, period), width="stretch")

ui.definition(
    """
| Figure | How it is worked out |
|---|---|
| Referrals received | Referrals whose referral date falls in the period. |
| Accepted | Of those, the ones triage accepted; the share is of all referrals received. |
| On the caseload | People accepted, with a first contact on or before the date and not discharged before it. |
| Waiting | People referred and not yet seen on the report date: awaiting triage, or accepted and awaiting a first contact. |
| Median wait | Days from referral to first contact, for referrals in the period seen by the report date; half waited less. |
| PSEQ change | For each person, the first complete PSEQ against their latest later one (dated in the period); the mean of the differences, with a 95% confidence interval. Only people measured at both ends count. |

With **Publishable figures** on, counts of 1 to 7 show as \\*, other counts are rounded to the
nearest 5, and statistics about 7 or fewer people are not shown.
""",
    queries=[
        "triage_funnel",
        "active_caseload_by_month",
        "people_waiting_by_band",
        "wait_summary",
        "paired_scores",
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
