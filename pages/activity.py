"""Contacts and action plans: how much support people get (contacts, modes, minutes, missed
appointments, each link worker's contacts) and what their action plans contain and achieve."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wellpath import data, labels, service, spc, ui
from wellpath.charts import service as charts
from wellpath.charts.spc import spc_chart

scope, filters = ui.page_header(
    "Contacts and action plans",
    "contacts and action-plan goals of people referred from the practices, with the "
    "conditions and link workers chosen in the sidebar",
)
period = filters.period_label
rounded = scope.rounded

modes = data.query("contacts_by_mode", scope, filters)
months = data.query("contacts_by_month", scope, filters)
contact_totals = data.query("contact_totals", scope, filters)
by_worker = data.query("contacts_by_worker_month", scope, filters)
per_person = data.query("contacts_per_person", scope, filters)
goals = data.query("goals_by_domain", scope, filters)
goal_totals = data.query("goal_totals", scope, filters)
domains = data.query("goal_domains_by_condition", scope, filters)

attended = service.published_sum(modes["attended_count"], rounded)
minutes = pd.to_numeric(modes["attended_minutes_total"], errors="coerce")
minutes_total = None if minutes.isna().any() else int(minutes.sum())

# Headline figures.
cols = st.columns(4)
cols[0].metric(
    "Attended contacts",
    ui.fmt_count(attended),
    help="Contacts dated in the period that took place.",
)
cols[1].metric(
    "Hours of support",
    ui.fmt_number(minutes_total / 60 if minutes_total is not None else None, 0),
    help="Minutes of attended contacts, in hours.",
)
cols[2].metric(
    "Did not attend (DNA) rate",
    ui.fmt_number(service.dna_rate(contact_totals), 1, "%"),
    help="Contacts the person did not attend, out of attended plus not attended "
    "(cancelled contacts left out).",
)
cols[3].metric(
    "Median contacts per episode",
    ui.fmt_number(per_person["median_attended_contacts"].iloc[0], 0) if len(per_person) else "*",
    help="For episodes discharged in the period. 6-12 contacts is typical of social "
    "prescribing (NHS England); Ways to Wellness averaged about 18.",
)

# 1. Contacts by mode.
st.header("Contacts")
left, right = st.columns(2)
labelled = service.label_codes(modes, "mode", labels.CONTACT_MODES, "mode_label")
labelled = service.add_shares(labelled, "attended_count")
labelled["text"] = [
    "*" if pd.isna(n) else f"{int(n):,} ({p:.0f}%)"
    for n, p in zip(labelled["attended_count"], labelled["share_pct"], strict=True)
]
with left:
    st.plotly_chart(
        charts.horizontal_bars(
            labelled,
            "mode_label",
            "attended_count",
            title="Attended contacts by mode",
            period=period,
            x_title="Attended contacts (number)",
            text_col="text",
        ),
        width="stretch",
    )
with right:
    minutes_rows = labelled.assign(
        hours=pd.to_numeric(labelled["attended_minutes_total"], errors="coerce") / 60
    )
    minutes_rows["text"] = [
        "*" if pd.isna(h) else f"{h:,.0f} h, {m:.0f} min each"
        for h, m in zip(
            minutes_rows["hours"], minutes_rows["mean_minutes_per_attended"], strict=True
        )
    ]
    st.plotly_chart(
        charts.horizontal_bars(
            minutes_rows,
            "mode_label",
            "hours",
            title="Hours of attended contact by mode",
            period=period,
            x_title="Hours of attended contact",
            text_col="text",
        ),
        width="stretch",
    )
st.dataframe(
    pd.DataFrame(
        {
            "Mode": labelled["mode_label"],
            "Contacts": labelled["contact_count"].map(ui.fmt_count),
            "Attended": labelled["attended_count"].map(ui.fmt_count),
            "Did not attend": labelled["dna_count"].map(ui.fmt_count),
            "Cancelled": labelled["cancelled_count"].map(ui.fmt_count),
            "Minutes attended": labelled["attended_minutes_total"].map(
                lambda v: ui.fmt_number(v, 0)
            ),
            "Mean minutes per attended contact": labelled["mean_minutes_per_attended"].map(
                lambda v: ui.fmt_number(v, 0)
            ),
        }
    ),
    hide_index=True,
    width="stretch",
)
ui.download(modes, "contacts_by_mode.csv")
ui.definition(
    "Contacts dated in the period, for referrals from the practices, conditions and link "
    "workers chosen. Minutes are those recorded for attended contacts. Publishable view: "
    "minutes are not shown for modes with 7 or fewer attended contacts.",
    queries=["contacts_by_mode"],
)

st.subheader("Missed appointments (SPC chart)")
whole = service.whole_months(months)
points = whole[whole["dna_pct"].notna()]
if len(points) >= 2:
    result = spc.xmr(
        points["dna_pct"].astype(float),
        improvement="decrease",
        periods=pd.to_datetime(points["month_start"]),
    )
    st.plotly_chart(
        spc_chart(
            result,
            title="Did-not-attend rate each month",
            period_label=period,
            y_title="Contacts not attended (% of booked)",
            improvement="decrease",
            value_format=",.1f",
        ),
        width="stretch",
    )
else:
    ui.no_data("Too few whole months with contacts for an SPC chart.")
ui.download(months, "contacts_by_month.csv")
ui.definition(
    "Each whole month's did-not-attend (DNA) rate: contacts the person did not attend, as a "
    "share of attended plus not-attended contacts (cancelled ones left out), as NHS "
    "appointment statistics do. A Making Data Count XmR chart; the improvement direction is "
    "**decrease** (fewer missed appointments is better). Part months at the ends of the "
    "period are left out. The rate at the top of the page is for the whole period, from the "
    "period's own DNA and booked totals (rounded on their own in the publishable view).",
    queries=["contacts_by_month", "contact_totals"],
)

st.subheader("Contacts each month by link worker")
if by_worker.empty:
    ui.no_data("No contacts by link workers for these filters in this period.")
else:
    st.plotly_chart(
        charts.lines_by_group(
            by_worker,
            "display_name",
            "attended_count",
            title="Attended contacts each month, by link worker",
            period=period,
            y_title="Attended contacts per month (number)",
        ),
        width="stretch",
    )
    ui.download(by_worker, "contacts_by_worker_month.csv")
ui.definition(
    "Attended contacts per calendar month for the referrals each worker holds. Compare "
    "workers with their FTE in mind (see the Caseload and waits page); the first and last "
    "months may be part months.",
    queries=["contacts_by_worker_month"],
)

st.subheader("Contacts per person over a whole episode")
st.plotly_chart(
    charts.vertical_bars(
        per_person,
        "contacts_band",
        "person_count",
        title="Attended contacts per episode, for episodes that ended in the period",
        period=period,
        x_title="Attended contacts in the episode (number)",
        y_title="Episodes (number)",
    ),
    width="stretch",
)
ui.download(per_person, "contacts_per_person.csv")
ui.definition(
    "Episodes discharged in the period (so the count of contacts is complete), by the number "
    "of contacts attended over the whole episode. 6-12 contacts is typical of social "
    "prescribing (NHS England, as cited by London's programme).",
    queries=["contacts_per_person", "derive_referral_facts"],
)

# 2. Action plans.
st.header("Action plans")
if goals.empty:
    ui.no_data("No action-plan goals were agreed in this period for these filters.")
else:
    goal_rows = service.label_codes(goals, "domain", labels.GOAL_DOMAINS, "domain_label")
    goal_rows = service.with_wilson(goal_rows, "achieved_count", "closed_count")
    total = service.goals_total_row(goal_totals)
    cols = st.columns(3)
    cols[0].metric("Goals agreed", ui.fmt_count(total["goal_count"]))
    cols[1].metric(
        "Closed goals achieved",
        ui.fmt_number(total["achieved_pct"], 0, "%"),
        help=(
            f"95% interval {ui.fmt_number(total['achieved_ci_low_pct'], 0, '%')} to "
            f"{ui.fmt_number(total['achieved_ci_high_pct'], 0, '%')} (Wilson)."
        ),
    )
    cols[2].metric("Goals closed", ui.fmt_count(total["closed_count"]))
    st.plotly_chart(charts.goals_achieved(goal_rows, period), width="stretch")
    st.dataframe(
        pd.DataFrame(
            {
                "Domain": goal_rows["domain_label"],
                "Agreed": goal_rows["goal_count"].map(ui.fmt_count),
                "Closed": goal_rows["closed_count"].map(ui.fmt_count),
                "Achieved": goal_rows["achieved_count"].map(ui.fmt_count),
                "Partly achieved": goal_rows["partly_achieved_count"].map(ui.fmt_count),
                "Achieved (% of closed)": goal_rows["achieved_pct"].map(
                    lambda v: ui.fmt_number(v, 0, "%")
                ),
                "95% interval": [
                    f"{ui.fmt_number(lo, 0, '%')} to {ui.fmt_number(hi, 0, '%')}"
                    for lo, hi in zip(
                        goal_rows["achieved_ci_low_pct"],
                        goal_rows["achieved_ci_high_pct"],
                        strict=True,
                    )
                ],
                "Median days to achieve": goal_rows["median_days_to_achieve"].map(
                    lambda v: ui.fmt_number(v, 0)
                ),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    ui.download(goal_rows, "goals_by_domain.csv")
ui.definition(
    "Goals agreed in the period, in the six domains of the service model plus work and "
    "volunteering, and other. A goal is closed when it has any status but open by the report "
    "date (achieved, partly achieved, not achieved or withdrawn); the share achieved is of the "
    "closed goals, with a Wilson 95% interval, so goals still open are neither successes nor "
    "failures. Time to achieve is the median number of days from agreeing to achieving, for "
    "the goals achieved. Publishable view: counts rounded, shares from the rounded counts, "
    "medians of 7 or fewer goals suppressed. The totals above the chart are counted for all "
    "domains at once (rounded on their own in the publishable view), not added up from the "
    "rows, so one suppressed domain does not hide the overall share.",
    queries=["goals_by_domain", "goal_totals"],
)

st.subheader("Which domains people choose, by condition")
if domains.empty:
    ui.no_data("No action plans in this period for these filters.")
else:
    chosen = service.label_codes(domains, "domain", labels.GOAL_DOMAINS, "domain_label")
    chosen = service.label_codes(chosen, "condition", labels.CONDITIONS, "condition_label")
    st.plotly_chart(
        charts.domains_by_condition(
            chosen,
            [labels.CONDITIONS[c] for c in labels.CONDITIONS] + [service.NOT_RECORDED],
            list(labels.GOAL_DOMAINS.values()),
            period,
        ),
        width="stretch",
    )
    ui.download(domains, "goal_domains_by_condition.csv")
ui.definition(
    "For people with a goal agreed in the period, the share of each condition's action plans "
    "with at least one goal in each domain (a plan usually has goals in several domains, so a "
    "row adds up to more than 100%).",
    queries=["goal_domains_by_condition"],
)
