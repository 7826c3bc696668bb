"""Outcomes-based contract tracker: what a payment rule set earns, quarter by quarter.

For commissioners and programme leads. The payments, their ranges and the disclosure control
are worked out in wellpath/views/contract_tracker.py (method: docs/methods.md).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from wellpath import ui
from wellpath.views import contract_tracker as view

scope, filters = ui.page_header(
    "Outcomes-based contract tracker",
    "what a payment rule set earns, per quarter of its contract period, to the report date",
)

choices = view.rule_set_choices()
label = st.selectbox("Payment rule set", list(choices), key="contract_rule_set")
rules_json = choices[label]
for sentence in view.describe_rules(rules_json):
    st.markdown(sentence)

result = view.tracker(scope, filters, rules_json=rules_json)
for sentence in result.headline:
    st.markdown(sentence)
if result.figure is not None:
    st.plotly_chart(result.figure, width="stretch")
# a static table: its headers and cells wrap, so every column fits at 1440 px
shown = [c for c in view.TABLE_COLUMNS if c in result.table.columns]
st.table(result.table[shown].set_index("Quarter"))
for note in result.notes:
    st.caption(note)
ui.download(result.download, "contract-tracker.csv")

ui.definition(
    "**Well-being (per person):** a person counts once, in the quarter of the first review "
    "at which their gain on the instrument (latest form against their first) reaches the "
    "threshold. *People measured* are those with a review in the quarter who had not "
    "already earned a payment. The range is the payment rate times the people measured "
    "times the Wilson 95% interval of the share who met the threshold.\n\n"
    "**Well-being (per point):** the mean gain at the first review of the people first "
    "reviewed in the quarter, with its t 95% interval, times the people and the rate.\n\n"
    "**Secondary-care cost:** for people whose 12 months after referral end in the quarter, "
    "the change in A&E, outpatient and non-elective admission cost (12 months before against "
    "12 months after) against the comparison cohort over the same months (difference in "
    "differences, Welch 95% interval). The saving per person times the people times the "
    "rate; nothing is paid for a cost above the comparison group.\n\n"
    "**Caps** are applied quarter by quarter to each end of the range. **Projected** "
    "quarters are the average of the complete quarters. **Publishable figures:** counts are "
    "rounded first and every payment is worked out from the rounded counts; a payment whose "
    "count or statistic is suppressed is suppressed (*), and so is any total that includes it.",
    queries=["instrument_follow_ups", "healthcare_use_before_after"],
)

with st.expander("Define and save a rule set"):
    with st.form("contract_rule_form"):
        name = st.text_input("Name", value="My service's contract", max_chars=120)
        col1, col2 = st.columns(2)
        start = col1.date_input("Period starts", value=dt.date(2025, 4, 1), format="DD/MM/YYYY")
        end = col2.date_input("Period ends", value=dt.date(2028, 3, 31), format="DD/MM/YYYY")
        basis = st.radio(
            "Well-being Star payment",
            ["per_person", "per_point"],
            format_func=lambda b: {
                "per_person": "per person whose gain meets a threshold",
                "per_point": "per point of mean gain, per person",
            }[b],
            horizontal=True,
        )
        col1, col2, col3 = st.columns(3)
        threshold = col1.number_input("Gain threshold (points)", 0.0, 72.0, 1.5, 0.5)
        rate = col2.number_input("Payment (GBP per person or per point)", 0.0, 1e6, 250.0, 10.0)
        target_gain = col3.number_input("Target mean gain (points)", 0.0, 72.0, 1.5, 0.5)
        col1, col2, col3 = st.columns(3)
        per_gbp = col1.number_input("GBP paid per GBP of cost saved", 0.0, 10.0, 0.5, 0.05)
        w_cap = col2.number_input("Well-being cap (GBP, 0 = none)", 0.0, 1e9, 0.0, 1000.0)
        c_cap = col3.number_input("Cost cap (GBP, 0 = none)", 0.0, 1e9, 0.0, 1000.0)
        target = st.number_input("Target per quarter (GBP, 0 = none)", 0.0, 1e9, 0.0, 1000.0)
        if st.form_submit_button("Save rule set", icon=":material/save:"):
            new_json, problems = view.rule_set_from_form(
                name=name,
                period_start=start,
                period_end=end,
                basis=basis,
                gain_threshold_points=threshold,
                payment_gbp=rate,
                target_mean_gain_points=target_gain or None,
                wellbeing_cap_gbp=w_cap or None,
                payment_per_gbp=per_gbp,
                cost_cap_gbp=c_cap or None,
                target_gbp_per_quarter=target or None,
            )
            if new_json is None:
                st.error("Not saved: " + "; ".join(problems) + ".")
            else:
                saved = view.save_rule_set(new_json)
                (st.success if saved.ok else st.error)(saved.message)
    st.caption(
        "Rule sets are kept in a settings file beside the database (it survives imports); "
        "every save is kept with its date, and the list shows the latest of each name."
    )
