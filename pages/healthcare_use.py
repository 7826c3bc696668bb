"""Healthcare use and cost: what happens to people's use of the NHS after referral.

Per person, the 12 months before the referral month against months 1-12 (or 13-24) after
it; the comparison cohort over the same calendar months and the difference in differences;
the frequent attenders; and the cost, with editable unit costs and service cost.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wellpath import costs, data, disclosure, formats, ui
from wellpath.charts import healthcare as charts

scope, filters = ui.page_header(
    "Healthcare use and cost",
    "people taken on by the service whose after-window ended in the period, and the "
    "comparison cohort over the same calendar months",
)
period = filters.period_label
rounded = scope.rounded

window = st.radio(
    "Compare the 12 months before referral with",
    list(costs.AFTER_WINDOWS),
    format_func=lambda w: f"the {costs.AFTER_WINDOWS[w]} after",
    horizontal=True,
    key="healthcare_window",
)
window_text = costs.AFTER_WINDOWS[window]

rows = data.query("healthcare_use_before_after", scope, filters)
rows = rows[rows["after_window"] == window]
referred = rows[rows["cohort"] == "referred"]
comparison = rows[rows["cohort"] == "comparison"]

if referred.empty:
    ui.no_data(
        f"No one taken on by the service has a complete 12 months before and {window_text} "
        "after referral ending in this period, within the months the healthcare data cover. "
        "Try a longer period ('Since the start')."
    )
    st.stop()

# --- use before and after --------------------------------------------------------------------
summary = costs.use_summary(rows)
shown = costs.protect_use_summary(summary) if rounded else summary
referred_summary = shown[shown["cohort"] == "referred"]

n_referred = ui.fmt_count(disclosure.round_count(len(referred)) if rounded else len(referred))
st.subheader("Use of the NHS per person, before and after referral")
st.plotly_chart(
    charts.before_after_chart(
        referred_summary,
        title=f"Mean use per person: 12 months before against {window_text} after referral",
        y_title="Mean per person in 12 months (count)",
        period=f"{period} · {n_referred} people",
    ),
    width="stretch",
)


def _ci(row: pd.Series, low: str, high: str) -> str:
    if pd.isna(row[low]) or pd.isna(row[high]):
        return ui.SUPPRESSED
    return f"{row[low]:+.2f} to {row[high]:+.2f}"


def use_table(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Measure": frame["measure_label"],
            "People": frame["person_count"].map(ui.fmt_count),
            "Before (mean per person)": frame["mean_before"].map(lambda v: ui.fmt_number(v, 2)),
            "After (mean per person)": frame["mean_after"].map(lambda v: ui.fmt_number(v, 2)),
            "Change per person": frame["mean_change"].map(lambda v: ui.fmt_number(v, 2)),
            "95% CI of change": frame.apply(
                _ci, axis=1, low="change_ci_low", high="change_ci_high"
            ),
        }
    )


st.dataframe(use_table(referred_summary), hide_index=True, width="stretch")
ui.download(
    shown.assign(period=period, after=window_text),
    f"healthcare_use_{window_text.replace(' ', '_')}.csv",
)
ui.definition(
    "**Windows.** The index month is the calendar month of a person's first accepted "
    "referral. *Before* is the 12 calendar months before it; *after* is months 1-12 (or "
    "13-24) after it; the referral month itself is in neither, as it mixes before and after. "
    "A person counts only when the healthcare data cover both windows in full (from the "
    "first to the last month in the file; prescriptions likewise from their own file), and "
    "belongs to the period when the last month of their after-window ends in it. Months with "
    "no record count as no use. Means per person with 95% t intervals; change = after "
    "minus before.",
    queries=["healthcare_use_before_after"],
)

# --- distribution -----------------------------------------------------------------------------
st.subheader("Most people change little; a few change a lot")
measure_labels = {key: label for key, label, _ in costs.USE_MEASURES}
units = {key: unit for key, _, unit in costs.USE_MEASURES}
chosen = st.selectbox(
    "Measure",
    list(measure_labels),
    format_func=lambda k: measure_labels[k],
    key="healthcare_measure",
)
known = referred.dropna(subset=[f"{chosen}_before", f"{chosen}_after"])
change = known[f"{chosen}_after"] - known[f"{chosen}_before"]
distribution = costs.change_distribution(change)
if rounded:
    distribution = disclosure.protect_frame(distribution, count_columns=["person_count"])
if known.empty:
    ui.no_data("No prescription data cover these windows.")
else:
    st.plotly_chart(
        charts.change_distribution_chart(
            distribution, measure_label=measure_labels[chosen], unit=units[chosen], period=period
        ),
        width="stretch",
    )
    ui.download(distribution.assign(period=period), f"change_distribution_{chosen}.csv")
ui.definition(
    "Each person's count after minus before, in whole numbers; changes of 10 or more either "
    "way are pooled at the ends. Blue: less use after; orange (hatched): more."
    + (" Bars of 1-7 people show '*'; others are rounded to 5." if rounded else ""),
    queries=["healthcare_use_before_after"],
)

# --- comparison cohort ----------------------------------------------------------------------
st.subheader("Against a comparison group")
if comparison.empty:
    st.info(
        "No comparison cohort is loaded for these practices and windows, so only the "
        "before/after change of referred people can be shown. A fall after referral is not on "
        "its own evidence that the service caused it: use tends to fall anyway after a "
        "peak (regression to the mean).",
        icon=":material/info:",
    )
else:
    k_ref = referred.dropna(subset=[f"{chosen}_before", f"{chosen}_after"])
    k_cmp = comparison.dropna(subset=[f"{chosen}_before", f"{chosen}_after"])
    did = costs.difference_in_differences(
        (k_ref[f"{chosen}_after"] - k_ref[f"{chosen}_before"]).to_numpy(),
        (k_cmp[f"{chosen}_after"] - k_cmp[f"{chosen}_before"]).to_numpy(),
    )
    comp_summary = shown[(shown["cohort"] == "comparison") & (shown["measure"] == chosen)]
    ref_summary = shown[(shown["cohort"] == "referred") & (shown["measure"] == chosen)]
    publishable = disclosure.is_publishable_n(did.n_referred) and disclosure.is_publishable_n(
        did.n_comparison
    )
    show = publishable or not rounded
    st.plotly_chart(
        charts.did_chart(
            ref_summary["mean_change"].iloc[0] if len(ref_summary) else None,
            (
                ref_summary["change_ci_low"].iloc[0] if len(ref_summary) else None,
                ref_summary["change_ci_high"].iloc[0] if len(ref_summary) else None,
            ),
            comp_summary["mean_change"].iloc[0] if len(comp_summary) else None,
            (
                comp_summary["change_ci_low"].iloc[0] if len(comp_summary) else None,
                comp_summary["change_ci_high"].iloc[0] if len(comp_summary) else None,
            ),
            did.difference if show else None,
            (did.ci_low, did.ci_high) if show else (None, None),
            measure_label=measure_labels[chosen],
            unit=units[chosen],
            period=period,
        ),
        width="stretch",
    )
    if show:
        st.markdown(
            f"**Difference in differences: {did.difference:+.2f} {units[chosen]} per person** "
            f"(95% CI {did.ci_low:+.2f} to {did.ci_high:+.2f}). Referred people changed by "
            f"{did.change_referred:+.2f} and the comparison group by {did.change_comparison:+.2f} "
            "over the same calendar months. This is a between-group comparison of changes, not "
            "a before/after fall (Ways to Wellness's 27% lower secondary-care cost was also a "
            "between-group difference). The groups were not randomised: they may differ in "
            "ways that matter."
        )
    else:
        st.markdown(f"Difference in differences: {ui.SUPPRESSED} (a group has 7 or fewer people).")
    did_table = pd.DataFrame(
        [
            {
                "measure": chosen,
                "after_window": window_text,
                "referred_count": did.n_referred,
                "comparison_count": did.n_comparison,
                "referred_change": did.change_referred,
                "comparison_change": did.change_comparison,
                "difference_in_differences": did.difference,
                "ci_low": did.ci_low,
                "ci_high": did.ci_high,
            }
        ]
    )
    if rounded:
        did_table = disclosure.protect_frame(
            did_table.assign(n=min(did.n_referred, did.n_comparison)),
            count_columns=["referred_count", "comparison_count"],
            statistic_columns={
                c: "n"
                for c in (
                    "referred_change",
                    "comparison_change",
                    "difference_in_differences",
                    "ci_low",
                    "ci_high",
                )
            },
        ).drop(columns=["n"])
    ui.download(did_table.assign(period=period), f"difference_in_differences_{chosen}.csv")
ui.definition(
    "**Comparison cohort**: people at the selected practices marked `comparison` (not "
    "referred). Each is given an index month from the referred people's index months: "
    "comparison people, in a fixed pseudo-random order (md5 of the pseudonym), take evenly "
    "spaced positions of the referred months sorted in time, so both groups cover the same "
    "calendar months. Their windows and rules are the same. Not filtered by condition or "
    "link worker (they were not referred). **Difference in differences** = mean change of "
    "referred minus mean change of comparison, with a Welch 95% interval.",
    queries=["healthcare_use_before_after"],
)

# --- frequent attenders --------------------------------------------------------------------
st.subheader("Frequent attenders")
frequent = costs.frequent_attenders(referred)
frequent_summary = costs.use_summary(frequent) if len(frequent) else pd.DataFrame()
if frequent_summary.empty:
    ui.no_data(
        f"No one had {costs.FREQUENT_ATTENDER_GP_APPOINTMENTS} or more GP appointments in the "
        "year before referral."
    )
else:
    gp = frequent_summary[frequent_summary["measure"] == "gp_appointments"]
    if rounded:
        gp = costs.protect_use_summary(gp)
    row = gp.iloc[0]
    st.markdown(
        f"**{ui.fmt_count(row['person_count'])}** people had "
        f"{costs.FREQUENT_ATTENDER_GP_APPOINTMENTS} or more GP appointments in the 12 months "
        f"before referral: a mean of **{ui.fmt_number(row['mean_before'])}** before and "
        f"**{ui.fmt_number(row['mean_after'])}** in the {window_text} after (change "
        f"{ui.fmt_number(row['mean_change'])}, 95% CI {_ci(row, 'change_ci_low', 'change_ci_high')}). "
        "People chosen because their use was high will tend to use less later anyway "
        "(regression to the mean), so part of this fall would have happened without the service."
    )
    frequent_cmp = costs.frequent_attenders(comparison)
    if len(frequent_cmp):
        cmp_gp = costs.use_summary(frequent_cmp)
        cmp_gp = cmp_gp[cmp_gp["measure"] == "gp_appointments"]
        cmp_gp = costs.protect_use_summary(cmp_gp) if rounded else cmp_gp
        c = cmp_gp.iloc[0]
        st.markdown(
            f"In the comparison group, **{ui.fmt_count(c['person_count'])}** people were "
            f"frequent attenders by the same rule: a mean of {ui.fmt_number(c['mean_before'])} "
            f"GP appointments before and {ui.fmt_number(c['mean_after'])} after (change "
            f"{ui.fmt_number(c['mean_change'])}, 95% CI "
            f"{_ci(c, 'change_ci_low', 'change_ci_high')}): their use fell too, without the "
            "service."
        )
    table = use_table(costs.protect_use_summary(frequent_summary) if rounded else frequent_summary)
    st.dataframe(table, hide_index=True, width="stretch")
    ui.download(
        (costs.protect_use_summary(frequent_summary) if rounded else frequent_summary).assign(
            period=period
        ),
        "frequent_attenders.csv",
    )
ui.definition(
    f"Referred people with {costs.FREQUENT_ATTENDER_GP_APPOINTMENTS} or more GP appointments "
    "in the 12 months before their index month, and their use in the after-window.",
    queries=["healthcare_use_before_after"],
)

# --- costs ---------------------------------------------------------------------------------
st.subheader("What it costs")
if "healthcare_unit_costs" not in st.session_state:
    st.session_state["healthcare_unit_costs"] = costs.default_costs()
if "healthcare_service_cost" not in st.session_state:
    st.session_state["healthcare_service_cost"] = 0.0
unit_costs: dict[str, float | None] = dict(st.session_state["healthcare_unit_costs"])

with st.expander("Unit costs and service cost (editable for your session)", expanded=False):
    editor = pd.DataFrame(
        [
            {
                "Item": u.label,
                "Cost (GBP)": unit_costs.get(key),
                "Price year": u.price_year,
                "Source": u.source,
                "Note": u.note,
            }
            for key, u in costs.UNIT_COSTS.items()
        ]
    )
    edited = st.data_editor(
        editor,
        hide_index=True,
        width="stretch",
        disabled=["Item", "Price year", "Source", "Note"],
        column_config={
            "Cost (GBP)": st.column_config.NumberColumn(min_value=0.0, step=1.0, format="£%.2f")
        },
        key="healthcare_cost_editor",
    )
    for key, value in zip(costs.UNIT_COSTS, edited["Cost (GBP)"], strict=True):
        unit_costs[key] = None if pd.isna(value) else float(value)
    st.session_state["healthcare_unit_costs"] = unit_costs
    service_cost = st.number_input(
        "Annual cost of the service (GBP)",
        min_value=0.0,
        step=1000.0,
        value=float(st.session_state["healthcare_service_cost"]),
        key="healthcare_service_cost_input",
        help="Staff, overheads and commissioning for a year. 0 = not set.",
    )
    st.session_state["healthcare_service_cost"] = service_cost
    if st.button("Restore the published unit costs", key="healthcare_cost_reset"):
        st.session_state["healthcare_unit_costs"] = costs.default_costs()
        st.session_state.pop("healthcare_cost_editor", None)
        st.rerun()

changed = costs.changed_costs(unit_costs)
if changed:
    st.warning(
        "Costed with unit costs that differ from the published defaults for: "
        + ", ".join(costs.UNIT_COSTS[k].label for k in changed)
        + ".",
        icon=":material/edit:",
    )
missing = costs.uncosted(unit_costs)
if missing:
    st.caption(
        "Not costed (no unit cost set): "
        + ", ".join(costs.UNIT_COSTS[k].label.lower() for k in missing)
        + ". Prescriptions are counted but not costed."
    )

cost_did = costs.cost_difference_in_differences(referred, comparison, unit_costs)
if cost_did is not None:
    did_ok = not rounded or (
        disclosure.is_publishable_n(cost_did.n_referred)
        and disclosure.is_publishable_n(cost_did.n_comparison)
    )
    n_cmp = disclosure.round_count(cost_did.n_comparison) if rounded else cost_did.n_comparison
    n_ref = disclosure.round_count(cost_did.n_referred) if rounded else cost_did.n_referred
    st.markdown(
        "**Against the comparison group** (the figure to lead with): change in NHS cost per "
        "person, referred minus comparison over the same calendar months, "
        + (
            f"**{formats.fmt_gbp(cost_did.difference)}** a year (95% CI "
            f"{formats.fmt_gbp(cost_did.ci_low)} to {formats.fmt_gbp(cost_did.ci_high)}); "
            f"referred {formats.fmt_gbp(cost_did.change_referred)}, comparison "
            f"{formats.fmt_gbp(cost_did.change_comparison)}"
            if did_ok
            else f"{ui.SUPPRESSED} (a group has 7 or fewer people)"
        )
        + f". {ui.fmt_count(n_ref)} referred people, {ui.fmt_count(n_cmp)} in the comparison "
        "group. The groups were not randomised."
    )
st.caption(
    "The figures below are before/after for referred people only, not the effect of the "
    "service: use tends to fall after a peak anyway (regression to the mean)."
    + (" Lead with the comparison above." if cost_did is not None else "")
)
cost_change = costs.person_cost_change(referred, unit_costs)
people_year = data.query("accepted_referrals_last_year", scope, filters)
# Publishable: already rounded by the query header, and NA ("*") when 7 or fewer.
accepted_count = people_year["accepted_referral_count"].iloc[0] if len(people_year) else 0
people_per_year = 0 if pd.isna(accepted_count) else int(accepted_count)
summary_cost = costs.cost_summary(
    cost_change.to_numpy(),
    people_per_year=people_per_year or None,
    annual_service_cost_gbp=service_cost or None,
    # the total is the mean times the number of people SHOWN, so it cannot unround it
    total_people=disclosure.round_count(len(cost_change)) if rounded else None,
)
if rounded and not disclosure.is_publishable_n(summary_cost.person_count):
    st.markdown(f"Cost change per person: {ui.SUPPRESSED} (7 or fewer people).")
else:
    st.plotly_chart(
        charts.cost_chart(
            summary_cost.service_cost_per_person_gbp,
            summary_cost.mean_change_gbp,
            (summary_cost.ci_low_gbp, summary_cost.ci_high_gbp),
            summary_cost.net_cost_per_person_gbp,
            (summary_cost.net_ci_low_gbp, summary_cost.net_ci_high_gbp),
            period=f"{period} · {window_text} after against the 12 months before",
        ),
        width="stretch",
    )

    def gbp(v: float | None) -> str:
        if v is None or pd.isna(v):
            return "not set"
        return f"-£{abs(v):,.0f}" if v < 0 else f"£{v:,.0f}"

    n_people = (
        disclosure.round_count(summary_cost.person_count) if rounded else summary_cost.person_count
    )
    lines = [
        f"Change in NHS cost per person: **{gbp(summary_cost.mean_change_gbp)}** a year "
        f"(95% CI {gbp(summary_cost.ci_low_gbp)} to {gbp(summary_cost.ci_high_gbp)}); "
        "negative means less NHS cost.",
        f"In total for the {ui.fmt_count(n_people)} people in this period: "
        f"**{gbp(summary_cost.total_change_gbp)}** "
        f"(95% CI {gbp(summary_cost.total_ci_low_gbp)} to {gbp(summary_cost.total_ci_high_gbp)}).",
    ]
    if summary_cost.service_cost_per_person_gbp is not None:
        accepted = disclosure.round_count(people_per_year) if rounded else people_per_year
        lines.append(
            f"Service cost per person: **{gbp(summary_cost.service_cost_per_person_gbp)}** "
            f"({gbp(service_cost)} a year over {ui.fmt_count(accepted)} people taken on in the "
            f"12 months to {ui.fmt_date(filters.end_date)}). Net cost per person: "
            f"**{gbp(summary_cost.net_cost_per_person_gbp)}** (95% CI "
            f"{gbp(summary_cost.net_ci_low_gbp)} to {gbp(summary_cost.net_ci_high_gbp)})."
        )
    else:
        lines.append("Set the annual cost of the service above to see the net cost per person.")
    for line in lines:
        st.markdown(f"- {line}")
    cost_table = pd.DataFrame([summary_cost.__dict__]).assign(
        period=period, after=window_text, **{f"unit_cost_{k}_gbp": v for k, v in unit_costs.items()}
    )
    if rounded:
        cost_table["person_count"] = disclosure.round_count(summary_cost.person_count)
        cost_table["people_per_year"] = disclosure.round_count(people_per_year)
    ui.download(cost_table, "cost_summary.csv")
ui.definition(
    "Each person's NHS cost before and after is the sum of their counts times the unit "
    "costs (items without a cost are left out). The change per person (after minus before) "
    "has a 95% t interval; the total is that mean and interval times the number of people. "
    "Service cost per person = annual service cost / people taken on (accepted) in the 12 "
    "months to the end of the period; net cost per person = service cost per person + change "
    "in NHS cost, with the same interval (the service cost is taken as known). This is a "
    "before/after change, not the effect of the service: see the comparison group above.",
    queries=["healthcare_use_before_after", "accepted_referrals_last_year"],
)
