"""Caseload and waits: how many people each link worker holds against a safe caseload, how long
people stay, how long they wait for a first contact, who is waiting now, and how episodes end."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wellpath import data, labels, service, spc, theme, ui
from wellpath.charts import service as charts
from wellpath.charts.spc import spc_chart
from wellpath.scope import uk_date

scope, filters = ui.page_header(
    "Caseload and waits",
    "people referred from the practices, with the conditions and link workers chosen in the "
    "sidebar",
)
period = filters.period_label
report_date = uk_date(filters.report_date)
rounded = scope.rounded
all_practices = data.service_query("practice_list")
colours = theme.practice_colours(all_practices["practice_code"])
practice_names = dict(
    zip(all_practices["practice_code"], all_practices["practice_name"], strict=True)
)

active = data.query("active_caseload_by_month", scope, filters)
workers = data.query("worker_caseload_by_month", scope, filters)
KM_COHORTS = {
    "since_start": "every caseload begun up to the end of the period",
    "in_period": "caseloads begun in the period only",
}
km_cohort = st.session_state.get("caseload_km_cohort", "since_start")
durations = data.query(
    "caseload_durations",
    scope,
    filters,
    cohort_from_date=None if km_cohort == "since_start" else filters.start_date,
)
lengths = data.query("completed_episode_lengths", scope, filters)
waits = data.query("waits_by_referral_month", scope, filters)
wait_summary = data.query("wait_summary", scope, filters)
waiting = data.query("people_waiting_by_band", scope, filters)
discharges = data.query("discharges_by_reason", scope, filters)
long_stays = data.query("long_stays_by_practice", scope, filters)

overall_km, overall_curves = service.km_summary(durations, None, rounded=rounded)
summary = wait_summary.iloc[0] if len(wait_summary) else pd.Series(dtype=object)
waiting_now = waiting["waiting_total_count"].iloc[0] if len(waiting) else 0

# Headline figures.
cols = st.columns(4)
cols[0].metric(
    f"On the caseload on {report_date}",
    ui.fmt_count(active["active_count"].iloc[-1]) if len(active) else "*",
    help="Accepted, first contact on or before the date, not discharged before it.",
)
overall_row = overall_km.iloc[0]
cols[1].metric(
    "Median time on the caseload",
    service.median_text(overall_row["median_months"], overall_row["median_reached"], " months"),
    help=f"Kaplan-Meier estimate for {KM_COHORTS[km_cohort]}, with people still on "
    "the caseload counted for as long as they have been on it so far.",
)
cols[2].metric(
    "Median wait for a first contact",
    ui.fmt_number(summary.get("median_wait_days"), 0, " days"),
    help="From referral to first contact, for referrals in the period seen by the report date.",
)
cols[3].metric(
    f"Waiting on {report_date}",
    ui.fmt_count(waiting_now),
    help="Referred and not yet triaged, or accepted and not yet seen.",
)

# 1. Active caseload over time, in total and per link worker.
st.header("How many people are on the caseload")
st.plotly_chart(charts.active_caseload(active, period), width="stretch")
ui.download(active, "active_caseload_by_month.csv")
ui.definition(
    "People on the active caseload at the end of each month (the report date for the last, "
    "part month): accepted at triage, with a first contact on or before that day and not "
    "discharged before it (the data contract's definition). A person with two open episodes "
    "is counted once.",
    queries=["active_caseload_by_month"],
)

st.subheader("Each link worker against a safe caseload")
if workers.empty:
    ui.no_data("No link workers hold referrals matching these filters in this period.")
else:
    st.plotly_chart(charts.worker_caseloads(workers, period), width="stretch")
    latest = workers.sort_values("month_start").groupby("worker_id").tail(1)
    st.dataframe(
        pd.DataFrame(
            {
                "Link worker": latest["display_name"],
                "FTE": latest["fte"],
                f"On the caseload on {report_date}": latest["active_count"].map(ui.fmt_count),
                "People supported in the 12 months to then": latest["supported_12m_count"].map(
                    ui.fmt_count
                ),
                "Safe range for those 12 months (people)": [
                    f"{lo:.0f}-{hi:.0f}"
                    for lo, hi in zip(
                        latest["safe_caseload_low_people"],
                        latest["safe_caseload_high_people"],
                        strict=True,
                    )
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    ui.download(workers, "worker_caseload_by_month.csv")
ui.definition(
    "The NHS Long Term Plan sets a safe caseload for a full-time social prescribing link "
    "worker at **200-250 people a year** (as cited by London's social prescribing programme; "
    "see Methods and sources). That is a number of people supported over a year, not a number "
    "on the books on one day, so the blue line counts the same thing: the people each worker "
    "supported at any time in the 12 months up to each month end (first contact on or before "
    "the month end, not discharged before the 12 months began). The green band is 200-250 "
    "people pro rata the worker's FTE, and pro rata the part of those 12 months they were in "
    "post. The dotted line is the caseload on the day, for reference: with people staying many "
    "months, it is well below the people supported in a year. When the sidebar selects some "
    "practices only, a worker's other practices are left out of the lines but not the band.",
    queries=["worker_caseload_by_month"],
)

# 2. Time on caseload.
st.header("How long people stay")
st.radio(
    "Caseloads included",
    list(KM_COHORTS),
    format_func=lambda k: KM_COHORTS[k].capitalize(),
    horizontal=True,
    key="caseload_km_cohort",
    help="Since the start gives a median sooner: a year's new caseloads have rarely ended yet.",
)
if durations.empty:
    ui.no_data("No caseloads began in this period for these filters.")
else:
    st.plotly_chart(
        charts.km_curves(overall_curves, period, title="Time on the caseload: share still on it"),
        width="stretch",
    )
    if service.is_false(overall_row["median_reached"]):
        st.caption(
            "Fewer than half of these caseloads have ended, so the median is not reached yet. "
            "Include every caseload begun since the start, or choose a longer period, to see it."
        )
    by = st.radio(
        "Compare by",
        ["Practice", "Condition"],
        horizontal=True,
        key="caseload_km_by",
    )
    if by == "Practice":
        group_summary, group_curves = service.km_summary(
            durations, "practice_code", practice_names, rounded=rounded
        )
        group_colours = {practice_names[c]: colours[c] for c in colours if c in practice_names}
    else:
        group_summary, group_curves = service.km_summary(
            durations, "condition", labels.CONDITIONS, rounded=rounded
        )
        group_colours = None
    if group_curves:
        st.plotly_chart(
            charts.km_curves(
                group_curves,
                period,
                colours=group_colours,
                title=f"Time on the caseload by {by.lower()}",
            ),
            width="stretch",
        )
    table = pd.concat([overall_km.astype(object), group_summary.astype(object)], ignore_index=True)
    st.dataframe(
        pd.DataFrame(
            {
                "Group": table["group"],
                "Episodes": table["episodes"].map(ui.fmt_count),
                "Discharged": table["discharged"].map(ui.fmt_count),
                "Median (months)": [
                    service.median_text(m, reached)
                    for m, reached in zip(
                        table["median_months"], table["median_reached"], strict=True
                    )
                ],
                "95% interval (months)": [
                    service.interval_text(lo, hi, reached)
                    for lo, hi, reached in zip(
                        table["median_ci_low_months"],
                        table["median_ci_high_months"],
                        table["median_reached"],
                        strict=True,
                    )
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    ui.download(table, "time_on_caseload_summary.csv")
ui.definition(
    "Kaplan-Meier estimate of time on the caseload for the caseloads chosen above (by default "
    "every caseload begun up to the end of the period; a caseload begins at first contact, or "
    "at triage when there was none), followed to the report date. People "
    "still on the caseload are *censored*: they count for the time they have been on it so "
    "far, so the estimate does not pretend that only the finished episodes exist. The median "
    "is the time by which half have left, with a 95% interval (Greenwood variance, log-log "
    "interval; Brookmeyer-Crowley for the median). 'Not reached' means fewer than half "
    "have left: choose a longer period to see it. Publishable view: groups of 7 or fewer "
    "episodes are not shown.",
    queries=["caseload_durations"],
)

st.subheader("Length of the episodes that ended in the period")
st.plotly_chart(
    charts.vertical_bars(
        lengths,
        "length_band",
        "episode_count",
        title="Length of episodes discharged in the period",
        period=period,
        x_title="Time on the caseload (months)",
        y_title="Episodes discharged (number)",
    ),
    width="stretch",
)
st.caption(
    "Finished episodes only. On their own they understate how long people stay, because the "
    "people who stay longest are more often still on the caseload: quote the Kaplan-Meier "
    "median above, not an average of these."
)
ui.download(lengths, "completed_episode_lengths.csv")
ui.definition(
    "Episodes with a discharge date in the period, by time from the start of the caseload "
    "(first contact, or triage when there was none) to discharge, in months of 30.44 days.",
    queries=["completed_episode_lengths"],
)

# 3. Waits.
st.header("Wait from referral to first contact")
cols = st.columns(3)
cols[0].metric("People seen", ui.fmt_count(summary.get("seen_count")))
cols[1].metric("Median wait", ui.fmt_number(summary.get("median_wait_days"), 0, " days"))
cols[2].metric(
    "90th percentile wait",
    ui.fmt_number(summary.get("p90_wait_days"), 0, " days"),
    help="Nine in ten people seen had waited no longer than this.",
)
points = service.settled_wait_months(waits)
if len(points) >= 2:
    result = spc.xmr(
        points["median_wait_days"].astype(float),
        improvement="decrease",
        periods=pd.to_datetime(points["month_start"]),
    )
    st.plotly_chart(
        spc_chart(
            result,
            title="Median wait for a first contact, by month of referral",
            period_label=period,
            y_title="Median wait (days)",
            improvement="decrease",
            value_format=",.0f",
        ),
        width="stretch",
    )
else:
    ui.no_data("Too few months with people seen for an SPC chart of waits.")
wait_table = waits.assign(month=waits["month_start"].map(ui.fmt_date))
st.dataframe(
    pd.DataFrame(
        {
            "Month of referral": wait_table["month"],
            "Referred": wait_table["referral_count"].map(ui.fmt_count),
            "Seen": wait_table["seen_count"].map(ui.fmt_count),
            "Median wait (days)": wait_table["median_wait_days"].map(lambda v: ui.fmt_number(v, 0)),
            "90th percentile (days)": wait_table["p90_wait_days"].map(
                lambda v: ui.fmt_number(v, 0)
            ),
            "Still waiting": wait_table["still_waiting_count"].map(ui.fmt_count),
        }
    ),
    hide_index=True,
    width="stretch",
)
ui.download(waits, "waits_by_referral_month.csv")
ui.definition(
    "Days from the referral date to the first contact date, for referrals received in the "
    "period that had a first contact by the report date. Median and 90th percentile by linear "
    "interpolation (R's default). The SPC chart plots each whole month's median by month of "
    "referral; the improvement direction is **decrease** (shorter waits are better). Read the "
    "latest months with the 'Still waiting' column: until those people are seen, a month's "
    "median only covers the quicker ones, so the chart leaves out months where more than 1 in "
    "10 of the people seen or waiting are still waiting, and part months.",
    queries=["waits_by_referral_month", "wait_summary"],
)

st.subheader(f"Who is waiting on {report_date}")
st.plotly_chart(charts.waiting_list(waiting, report_date), width="stretch")
ui.download(waiting, "people_waiting_by_band.csv")
if not rounded:
    with st.expander("The waiting list, person by person (pseudonyms)"):
        people = data.query("people_waiting", scope, filters)
        shown = pd.DataFrame(
            {
                "Pseudonym": people["patient_id"],
                "Practice": people["practice_code"].map(practice_names),
                "Referred": people["referral_date"].map(ui.fmt_date),
                "Condition": people["condition"].map(lambda c: labels.label(labels.CONDITIONS, c)),
                "Waiting for": people["waiting_for"].map(service.WAITING_FOR),
                "Days waiting": people["days_waiting"],
                "Link worker": people["worker_name"].fillna("not assigned"),
            }
        )
        st.dataframe(shown, hide_index=True, width="stretch")
        ui.download(shown, "people_waiting.csv")
else:
    st.caption("Publishable view: the person-level waiting list is not shown.")
ui.definition(
    "Everyone referred on or before the report date who, on that date, had not been triaged, "
    "or had been accepted and not yet seen, and had not been discharged; by time since "
    "referral. This is the waiting list as it stood at the end of the period, whenever the "
    "people were referred.",
    queries=["people_waiting_by_band", "people_waiting"],
)

# 4. How episodes end, and long stays.
st.header("How episodes end")
left, right = st.columns(2)
with left:
    reasons = service.label_codes(
        discharges, "discharge_reason", labels.DISCHARGE_REASONS, "reason"
    )
    reasons = service.add_shares(reasons, "discharge_count")
    reasons["text"] = [
        "*" if pd.isna(n) else f"{int(n):,} ({p:.0f}%)"
        for n, p in zip(reasons["discharge_count"], reasons["share_pct"], strict=True)
    ]
    if reasons.empty:
        ui.no_data("No discharges in this period for these filters.")
    else:
        st.plotly_chart(
            charts.horizontal_bars(
                reasons,
                "reason",
                "discharge_count",
                title="Discharges by reason",
                period=period,
                x_title="Episodes discharged (number)",
                text_col="text",
            ),
            width="stretch",
        )
    ui.download(discharges, "discharges_by_reason.csv")
    ui.definition(
        "Episodes with a discharge date in the period, by the reason recorded.",
        queries=["discharges_by_reason"],
    )
with right:
    st.subheader("On the caseload for more than 18 months")
    long_table = pd.DataFrame(
        {
            "Practice": long_stays["practice_name"],
            f"On the caseload on {report_date}": long_stays["active_count"].map(ui.fmt_count),
            "More than 18 months": long_stays["over_18_months_count"].map(ui.fmt_count),
            "Share": long_stays["over_18_months_pct"].map(lambda v: ui.fmt_number(v, 0, "%")),
        }
    )
    st.dataframe(long_table, hide_index=True, width="stretch")
    ui.download(long_stays, "long_stays_by_practice.csv")
    if not rounded:
        with st.expander("Who has been on the caseload for more than 18 months (pseudonyms)"):
            long_people = data.query("long_stay_people", scope, filters)
            shown = pd.DataFrame(
                {
                    "Pseudonym": long_people["patient_id"],
                    "Practice": long_people["practice_code"].map(practice_names),
                    "Condition": long_people["condition"].map(
                        lambda c: labels.label(labels.CONDITIONS, c)
                    ),
                    "Link worker": long_people["worker_name"].fillna("not assigned"),
                    "On the caseload since": long_people["caseload_start"].map(ui.fmt_date),
                    "Months": long_people["caseload_months"],
                    "Last attended contact": long_people["last_attended_contact_date"].map(
                        ui.fmt_date
                    ),
                }
            )
            st.dataframe(shown, hide_index=True, width="stretch")
            ui.download(shown, "long_stay_people.csv")
    ui.definition(
        "People on the active caseload on the report date whose caseload began more than 18 "
        "months (548 days) before it. Ways to Wellness clients stayed 18-21 months on average, "
        "so long stays are expected in a long-term conditions service; the list helps an MDT "
        "review whether each still needs the service.",
        queries=["long_stays_by_practice", "long_stay_people"],
    )
