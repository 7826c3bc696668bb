"""Referrals: how many people are referred, from which practices, by whom and for what, how
triage goes, and who is (and is not) reaching the service."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wellpath import data, funnel, labels, service, spc, theme, ui
from wellpath.charts import service as charts
from wellpath.charts.funnel import funnel_chart
from wellpath.charts.spc import spc_chart

scope, filters = ui.page_header(
    "Referrals",
    "referrals received in the period from the practices, conditions and link workers chosen "
    "in the sidebar",
)
period = filters.period_label
rounded = scope.rounded
all_practices = data.service_query("practice_list")
colours = theme.practice_colours(all_practices["practice_code"])

by_practice = data.query("referrals_by_practice_month", scope, filters)
by_month = data.query("referrals_by_month", scope, filters)
rates = data.query("referral_rates_by_practice", scope, filters)
by_referrer = data.query("referrals_by_referrer_quarter", scope, filters)
by_condition = data.query("referrals_by_condition_quarter", scope, filters)
mix = data.query("referrals_by_referrer_and_condition", scope, filters)
funnel_rows = service.triage_table(data.query("triage_funnel", scope, filters))
equity = data.query("referrals_by_equity_group", scope, filters)

stage = funnel_rows.set_index("stage")
total = stage.loc["referred", "referral_count"] if len(stage) else 0

# Headline figures.
cols = st.columns(4)
cols[0].metric(
    "Referrals received",
    ui.fmt_count(total),
    help="Referrals with a referral date in the period.",
)
cols[1].metric(
    "Accepted at triage",
    ui.fmt_number(stage.loc["accepted", "conversion_pct"], 0, "%") if len(stage) else "*",
    help="Accepted by the report date, as a share of the referrals received.",
)
self_rows = mix[(mix["dimension"] == "referrer_role") & (mix["category"] == "self")]
cols[2].metric(
    "Self-referrals",
    ui.fmt_number(self_rows["share_pct"].iloc[0], 0, "%")
    if len(self_rows)
    else ("0%" if len(mix) else "*"),
    help="People who referred themselves, as a share of all referrals.",
)
cols[3].metric(
    "Still awaiting triage",
    ui.fmt_count(stage.loc["awaiting_triage", "referral_count"]) if len(stage) else "*",
    help="Referrals received in the period with no triage outcome by the report date.",
)
if rounded:
    st.caption(
        "Publishable figures: counts of 1-7 are shown as *, other counts rounded to the "
        "nearest 5; percentages are worked out from the rounded counts."
    )

# A suppressed cell ("*", 1-7 referrals) is not an empty one: stop only when there are none.
if not by_practice["referral_count"].fillna(1).astype(float).any():
    ui.no_data()
    st.stop()

# 1. Volumes per practice per month.
st.header("Referrals each month")
st.plotly_chart(charts.referrals_by_practice_month(by_practice, colours, period), width="stretch")
ui.definition(
    "Referrals counted by the month of their referral date and the practice the person was "
    "registered with at referral. Each practice keeps the same colour on every page. The first "
    "and last months may be part months when the period does not start or end on a month "
    "boundary.",
    queries=["referrals_by_practice_month", "derive_referral_facts"],
)
table = by_practice.assign(month=by_practice["month_start"].map(ui.fmt_date))
ui.download(
    table[["month", "practice_code", "practice_name", "referral_count", "is_whole_month"]],
    "referrals_by_practice_month.csv",
)

# 2. The service total as an SPC chart.
st.subheader("Is the number of referrals changing? (SPC chart)")
whole = service.whole_months(by_month)
if whole["referral_count"].notna().sum() >= 2:
    result = spc.xmr(
        whole["referral_count"].astype("Float64").astype(float),
        improvement="neutral",
        periods=pd.to_datetime(whole["month_start"]),
    )
    st.plotly_chart(
        spc_chart(
            result,
            title="Referrals to the service each month",
            period_label=period,
            y_title="Referrals per month (number)",
            improvement="neutral",
            value_format=",.0f",
        ),
        width="stretch",
    )
else:
    ui.no_data("Too few whole months in this period for an SPC chart (at least two needed).")
ui.definition(
    "A Making Data Count XmR chart of the monthly referral total for the practices shown "
    "(whole calendar months only: a part month would look like a fall). The centre line is "
    "the mean; the process limits are the mean plus or minus 2.66 times the average moving "
    "range. Special causes (a point outside the limits, a run of 7 rising or falling, 7 on "
    "one side of the mean, two of three near a limit) are shown in purple because the "
    "improvement direction is **neutral**: more referrals are neither better nor worse in "
    "themselves; a change calls for a look at capacity and at the referral routes. With fewer "
    "than 12 months the limits are trial limits. Publishable view: the chart uses the "
    "rounded monthly totals.",
    queries=["referrals_by_month"],
)

# 3. Rates per 1,000 registered patients on a funnel plot.
st.header("Referrals per 1,000 registered patients")
practice_rates = service.referral_rates(rates)
shown_rates = practice_rates[practice_rates["rate_per_1000"].notna()]
if len(shown_rates):
    overall = float(practice_rates["overall_rate_per_1000"].iloc[0])
    limits = funnel.funnel_curve(
        overall,
        float(practice_rates["list_size"].max()) * 1.15,
        min_denominator=float(practice_rates["list_size"].min()) * 0.5,
    )
    st.plotly_chart(
        funnel_chart(
            practice_rates,
            limits,
            title="Referrals per 1,000 registered patients, by practice",
            period_label=period,
            colours=colours,
            rate_col="rate_per_1000",
            value_format=",.2f",
        ),
        width="stretch",
    )
rate_table = pd.DataFrame(
    {
        "Practice": practice_rates["practice_name"],
        "Registered patients": practice_rates["list_size"],
        "Referrals": practice_rates["referral_count"].map(ui.fmt_count),
        "Referrals per 1,000 patients": practice_rates["rate_per_1000"].map(
            lambda v: ui.fmt_number(v, 2)
        ),
        "Against the overall rate": [
            "*" if b is None else funnel.BAND_LABELS.get(b, b) for b in practice_rates["band"]
        ],
    }
)
st.dataframe(rate_table, hide_index=True, width="stretch")
if len(practice_rates):
    st.caption(
        f"Overall rate for the practices shown: "
        f"{ui.fmt_number(practice_rates['overall_rate_per_1000'].iloc[0], 2)} referrals per "
        "1,000 registered patients in the period."
    )
ui.definition(
    "Each practice's referrals in the period divided by its registered patients (list size "
    "from the practices file), per 1,000. Practices are compared on a funnel plot rather than "
    "ranked: the limits around the overall rate (95% and 99.8%, exact Poisson with "
    "Spiegelhalter's interpolation; Spiegelhalter 2005, Stat Med 24:1185) are wider for "
    "smaller practices, because their rates vary more by chance. A practice outside the 99.8% "
    "limits differs from the others by more than chance would explain; inside the 95% limits, "
    "it does not, wherever it would rank. Comparison practices are left out.",
    queries=["referral_rates_by_practice"],
)
ui.download(practice_rates, "referral_rates_by_practice.csv")

# 4. Who refers, and for what.
st.header("Who refers, and for what")
mixes = (
    (by_referrer, "referrer_role", labels.REFERRER_ROLES, "referrer", "referrals_by_referrer"),
    (by_condition, "condition", labels.CONDITIONS, "condition", "referrals_by_condition"),
)
for col, (_, code_col, names, what, _) in zip(st.columns(2), mixes, strict=True):
    with col:
        # Whole-period counts of each category, counted directly (not added up from the
        # quarterly cells, which would drop every suppressed quarter), with shares of all
        # referrals received (from rounded parts in the publishable view).
        totals = mix[mix["dimension"] == code_col].rename(columns={"category": code_col})
        totals = service.label_codes(totals, code_col, names, "label")
        totals = totals.sort_values("referral_count", ascending=False, na_position="last")
        totals["text"] = [
            "*" if pd.isna(n) else f"{int(n):,} ({ui.fmt_number(p, 0, '%')})"
            for n, p in zip(totals["referral_count"], totals["share_pct"], strict=True)
        ]
        st.plotly_chart(
            charts.horizontal_bars(
                totals,
                "label",
                "referral_count",
                title=f"Referrals by {what}",
                period=period,
                x_title="Referrals (number)",
                text_col="text",
            ),
            width="stretch",
        )
ui.download(mix.drop(columns="total_referral_count"), "referrals_by_referrer_and_condition.csv")
for frame, code_col, names, what, filename in mixes:
    st.plotly_chart(
        charts.mix_over_time(
            frame,
            code_col,
            names,
            title=f"Referrals by {what}, quarter by quarter",
            period=period,
            legend_title=what.capitalize(),
        ),
        width="stretch",
    )
    ui.download(frame, f"{filename}_quarter.csv")
ui.definition(
    "Referrer roles and conditions as recorded on the referral. Self-referrals are people who "
    "referred themselves. The quarter-by-quarter charts show each group's share of the "
    "quarter's referrals, so a change in the mix shows even when volumes change; the first and "
    "last quarters may be part quarters. The bars above them count the whole period, with "
    "each group's share of all referrals received.",
    queries=[
        "referrals_by_referrer_and_condition",
        "referrals_by_referrer_quarter",
        "referrals_by_condition_quarter",
    ],
)

# 5. Triage funnel.
st.header("From referral to discharge")
st.plotly_chart(charts.triage_funnel(funnel_rows, period), width="stretch")
ui.definition(
    "Referrals received in the period, followed to the report date (the end of the period). "
    "Grey bars are triage outcomes, as a share of all referrals: they add up to the referrals "
    "received. Blue bars follow the accepted referrals: first contact (as a share of those "
    "accepted), an agreed action plan (as a share of those with a first contact) and discharge "
    "(as a share of those accepted; the rest are still on the caseload). An event dated after "
    "the report date has not happened yet in this view.",
    queries=["triage_funnel"],
)
ui.download(
    funnel_rows[["stage_label", "referral_count", "base_label", "conversion_pct"]].rename(
        columns={
            "stage_label": "stage",
            "base_label": "share_of",
            "conversion_pct": "share_pct",
        }
    ),
    "triage_funnel.csv",
)

# 6. Equity.
st.header("Who is being referred")
st.info(
    "**No population comparison is possible yet.** The data contract carries each practice's "
    "total list size only, not its patients by age, sex, ethnic group or deprivation, so "
    "these charts show who is referred and how triage treats each group, but not whether a "
    "group is under-referred compared with the practices' populations.",
    icon=":material/info:",
)
tabs = st.tabs(list(service.EQUITY_DIMENSIONS.values()))
for tab, (dimension, dimension_label) in zip(tabs, service.EQUITY_DIMENSIONS.items(), strict=True):
    with tab:
        rows = service.equity_rows(equity, dimension)
        st.plotly_chart(charts.equity_chart(rows, dimension_label, period), width="stretch")
        shown = pd.DataFrame(
            {
                dimension_label: rows["group"],
                "Referrals": rows["referral_count"].map(ui.fmt_count),
                "Share of referrals": rows["share_pct"].map(lambda v: ui.fmt_number(v, 1, "%")),
                "Accepted": rows["accepted_count"].map(ui.fmt_count),
                "Accepted (% of referred)": rows["accepted_pct"].map(
                    lambda v: ui.fmt_number(v, 0, "%")
                ),
                "Engaged": rows["engaged_count"].map(ui.fmt_count),
                "Engaged (% of accepted)": rows["engaged_pct"].map(
                    lambda v: ui.fmt_number(v, 0, "%")
                ),
            }
        )
        st.dataframe(shown, hide_index=True, width="stretch")
        ui.download(rows, f"referrals_by_{dimension}.csv")
ui.definition(
    "Age is worked out from the birth year at the referral date (whole years). Deprivation is "
    "the Index of Multiple Deprivation decile of the person's home area, grouped in fifths "
    "(quintile 1 = the most deprived fifth of areas in England). Engaged means accepted with "
    "at least one attended contact by the report date. Groups with no referrals are shown as "
    "0 so that an absent group is visible.",
    queries=["referrals_by_equity_group", "derive_referral_facts"],
)
