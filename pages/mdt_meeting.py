"""MDT meeting: one practice's people, what is happening with each, and what to discuss today,
with a printable meeting pack (HTML and PDF)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from wellpath import access, data, mdt, pack, theme, ui
from wellpath.charts import mdt as mdt_charts
from wellpath.scope import uk_date
from wellpath.scoring import INSTRUMENTS

MEETING_KEY = "mdt_meeting_date"
today = dt.date.today()
meeting_date: dt.date = st.session_state.get(MEETING_KEY) or today

scope, filters = ui.page_header(
    "MDT meeting",
    "one practice's referrals, as known on the meeting date",
    period=f"as on the meeting date, {uk_date(meeting_date)} (the sidebar period is not used here)",
)

practices = data.service_query("practice_list")
names = dict(zip(practices["practice_code"], practices["practice_name"], strict=True))
colours = theme.practice_colours(practices["practice_code"])
pilot = practices[practices["role"] != "comparison"]
choices = access.effective_practices(pilot, scope, filters)
if not choices:
    ui.no_data("No practice in your view takes part in the service: check the practice filters.")
    st.stop()

left, middle, right = st.columns([2, 1, 1])
with left:
    practice_code = st.selectbox(
        "Practice",
        choices,
        format_func=lambda c: f"{names[c]} ({c})",
        key="mdt_practice",
        help="One practice at a time: its own team's meeting. Only practices in your view "
        "(and in the sidebar's practice filters) are offered.",
    )
with middle:
    meeting_date = st.date_input("Meeting date", value=today, format="DD/MM/YYYY", key=MEETING_KEY)
with right:
    last_meeting = st.date_input(
        "Last meeting date (optional)",
        value=mdt.default_last_meeting(meeting_date),
        max_value=meeting_date - dt.timedelta(days=1),
        format="DD/MM/YYYY",
        # a new meeting date resets the default to four weeks before it
        key=f"mdt_last_meeting_{meeting_date.isoformat()}",
        help="For the 'since the last meeting' section. Clear it to leave that section out.",
    )

pack_box = st.container()
practice_name = names[practice_code]
quarter_start = mdt.financial_quarter_start(meeting_date)
wait_from = mdt.year_before(meeting_date)
service_filters = dataclasses.replace(filters, practice_codes=(), pcn_codes=())
narrowed = [
    text
    for text, active in (
        ("conditions", filters.conditions),
        ("link workers", filters.worker_ids),
    )
    if active
]
if narrowed:
    st.info(
        f"The sidebar limits this page to some {' and '.join(narrowed)}: people outside them "
        "are not listed and not counted, for the practice or the service.",
        icon=":material/filter_alt:",
    )

# ---------------------------------------------------------------- headline
st.subheader(f"{practice_name} against the whole service")
headline = data.query(
    "mdt_headline",
    scope,
    service_filters,
    practice_code=practice_code,
    meeting_date=meeting_date,
    quarter_start_date=quarter_start,
    wait_from_date=wait_from,
)
headline_display = mdt.headline_table(headline, quarter_start)
st.dataframe(
    headline_display,
    hide_index=True,
    width="stretch",
    column_config={
        "Measure": st.column_config.TextColumn(width="large"),
        "This practice": st.column_config.TextColumn(help=f"{practice_name} ({practice_code})"),
        "Whole service": st.column_config.TextColumn(
            help="Every practice in your view, from the same query and rules."
        ),
    },
)
ui.download(headline_display, f"mdt-headline-{practice_code}-{meeting_date:%Y-%m-%d}.csv")
ui.definition(
    f"Everything is as known on the meeting date ({uk_date(meeting_date)}): later events "
    "are treated as not yet happened, so a past date shows the figures as they stood. "
    f"**This quarter** is the NHS financial-year quarter holding the meeting date (from "
    f"{uk_date(quarter_start)}). **Waiting** counts people accepted at triage and not yet "
    "seen; **awaiting triage** those not yet triaged. **On the caseload**: accepted, first "
    "contact on or before the date and not discharged before it. **Median wait**: referral "
    f"to first contact, for people first seen from {uk_date(wait_from)}. **PSEQ change**: "
    "for each person with a baseline and a later PSEQ, the latest minus the baseline, "
    "averaged (the same people at both ends). The whole service is every practice in your "
    "view, computed by the same query, so its figures agree with the other pages.",
    queries=["mdt_headline"],
)

if scope.rounded:
    st.info(
        "**The person-level list is for practice teams only.** With publishable figures on, "
        "this page shows the headline above, with small numbers suppressed (*) and other "
        "counts rounded to the nearest 5. Turn off *Publishable figures* in the sidebar if "
        "you are part of this practice's MDT.",
        icon=":material/lock:",
    )
    st.stop()

# ---------------------------------------------------------------- the people
people = data.query(
    "mdt_people",
    scope,
    filters,
    practice_code=practice_code,
    meeting_date=meeting_date,
    since_date=mdt.since_date(meeting_date, last_meeting),
)
scores = data.query(
    "mdt_scores",
    scope,
    filters,
    practice_code=practice_code,
    meeting_date=meeting_date,
    last_meeting_date=last_meeting or meeting_date,
)
spread = data.query("mdt_baseline_spread", scope, service_filters, meeting_date=meeting_date)

unpublished = [
    code
    for code in spread["instrument"]
    if code in INSTRUMENTS and INSTRUMENTS[code].reliability is None
]
overrides: dict[str, float] = {}
reliability_box = st.expander("Reliable change: the reliability and spread used")
with reliability_box:
    st.markdown(
        "A change is *reliable* when it is larger than measurement error allows "
        "(Jacobson & Truax 1991): more than 1.96 x sqrt(2) x SD x sqrt(1 - r) points, where "
        "r is the questionnaire's test-retest reliability and SD the spread of baseline "
        "scores across the whole service."
    )
    for code in unpublished:
        value = st.number_input(
            f"Test-retest reliability for {code} (none published in Wellpath's registry)",
            min_value=0.0,
            max_value=0.99,
            value=None,
            step=0.01,
            key=f"mdt_reliability_{code}",
            help="Leave empty to show its changes as 'not assessed'.",
        )
        if value is not None:
            overrides[code] = float(value)
bases = mdt.reliable_change_bases(spread, overrides)
changes = mdt.score_changes(scores, bases, last_meeting)
flagged = mdt.flag_people(people, changes, meeting_date)
table = mdt.list_table(flagged)

basis_rows = pd.DataFrame(
    [
        {
            "Questionnaire": b.instrument,
            "Reliability r": b.reliability,
            "SD of baselines (points)": b.sd_baseline,
            "Reliable change beyond (points)": b.threshold_points,
        }
        for b in bases.values()
    ]
)
with reliability_box:
    if basis_rows.empty:
        st.caption("No baseline scores yet, so no reliable change can be judged.")
    else:
        st.dataframe(
            basis_rows,
            hide_index=True,
            column_config={
                c: st.column_config.NumberColumn(format="%.2f")
                for c in basis_rows.columns
                if c != "Questionnaire"
            },
        )
        st.caption("Empty reliability: no published test-retest value; changes not assessed.")

month_rows = data.query(
    "mdt_referrals_by_month",
    scope,
    filters,
    practice_code=practice_code,
    meeting_date=meeting_date,
    from_date=mdt.chart_from_date(meeting_date),
)
chart_from = mdt.chart_from_date(meeting_date)
referrals_fig = mdt_charts.referrals_by_month(
    month_rows,
    practice_name,
    colours.get(practice_code, theme.NHS_BLUE),
    f"{chart_from:%b %Y} to {meeting_date:%b %Y}, as known on {uk_date(meeting_date)}",
)
listed = set(flagged["referral_id"])
pseq_rows = changes[(changes["instrument"] == "PSEQ") & changes["referral_id"].isin(listed)]
pseq_fig = mdt_charts.pseq_change(
    pseq_rows,
    f"People on today's list with a follow-up form, up to {uk_date(meeting_date)}",
    bases["PSEQ"].threshold_points if "PSEQ" in bases else None,
)

chart_left, chart_right = st.columns(2)
with chart_left:
    st.plotly_chart(referrals_fig, width="stretch")
with chart_right:
    if pseq_rows["change_points"].notna().any():
        st.plotly_chart(pseq_fig, width="stretch")
    else:
        ui.no_data("No one on today's list has a follow-up PSEQ yet.")

st.subheader("People to discuss")
stale = mdt.stale_data_warning(people, meeting_date)
if stale:
    st.warning(stale, icon=":material/update:")
flag_counts = {f.code: int(sum(f.code in flags for flags in flagged["flags"])) for f in mdt.FLAGS}
st.markdown(
    f"**{len(table)}** people waiting, on the caseload or with a flag; "
    f"**{int((flagged['flag_count'] > 0).sum())}** with at least one flag, listed first."
)
legend = pd.DataFrame(
    [{"Flag": f.label, "People": flag_counts[f.code], "Rule": f.rule} for f in mdt.FLAGS]
)
with st.expander("What the flags mean", expanded=True):
    st.table(legend.set_index("Flag"))

flag_help = "Reasons to discuss this person. " + " ".join(f"{f.label}: {f.rule}" for f in mdt.FLAGS)
date_format = "D MMM YYYY"
column_config: dict[str, object] = {
    name: st.column_config.Column(help=text) for name, text in mdt.LIST_COLUMNS.items()
}
column_config["Flags"] = st.column_config.TextColumn(help=flag_help, width="large")
for name in ("Referred", "Last contact", "Next review due"):
    column_config[name] = st.column_config.DateColumn(
        help=mdt.LIST_COLUMNS[name], format=date_format
    )
for name in ("PSEQ latest", "PSEQ change", "Wellbeing latest", "Wellbeing change"):
    column_config[name] = st.column_config.NumberColumn(help=mdt.LIST_COLUMNS[name], format="%.1f")
if table.empty:
    ui.no_data("No one from this practice is waiting or on the caseload on this date.")
else:
    st.dataframe(table, hide_index=True, width="stretch", column_config=column_config)
    ui.download(table, f"mdt-list-{practice_code}-{meeting_date:%Y-%m-%d}.csv")
st.caption(
    "Wellpath does **not** store free-text notes about any person (there are no clinical "
    "notes in this file). Record the meeting's discussion in the clinical record."
)
ui.definition(
    "The list holds everyone from this practice awaiting triage, waiting for a first "
    "contact or on the caseload on the meeting date, and anyone discharged to clinical care "
    f"or turned down at triage in the {mdt.RECENT_DAYS} days before it. Weeks are whole "
    "weeks. **Last contact** is the latest attended contact (missed ones are counted "
    "separately). **Next review due** is "
    f"{mdt.REVIEW_INTERVAL_DAYS // 7} weeks after the latest complete questionnaire, or "
    "after the start on the caseload when there is none. Scores: the latest against the "
    "first (baseline) form of each questionnaire; wellbeing is SWEMWBS (metric score), or "
    "WEMWBS or the Well-being Star when that is what the person completed. Reliable "
    "change: see the box *Reliable change* above.",
    queries=["mdt_people", "mdt_scores", "mdt_baseline_spread", "mdt_referrals_by_month"],
)

# ---------------------------------------------------------------- since the last meeting
if last_meeting is None:
    new_rows = closed_rows = moved_rows = pd.DataFrame()
    st.subheader("Since the last meeting")
    ui.no_data("Enter the last meeting date to see what changed since then.")
else:
    st.subheader(f"Since the last meeting ({uk_date(last_meeting)})")
    new_rows = mdt.new_referrals(people, last_meeting, meeting_date)
    closed_rows = mdt.closures(people, last_meeting, meeting_date)
    moved_rows = mdt.score_movements(changes)
    dates = {
        name: st.column_config.DateColumn(format=date_format)
        for name in ("Referred", "Date", "Latest form")
    }
    for heading, frame, empty, stem in (
        ("New referrals", new_rows, "No new referrals.", "new-referrals"),
        (
            "Discharges (with reasons) and referrals not taken on",
            closed_rows,
            "No discharges or triage refusals.",
            "closures",
        ),
        (
            "Questionnaires completed since the last meeting (reliable moves first)",
            moved_rows,
            "No new questionnaires.",
            "score-changes",
        ),
    ):
        st.markdown(f"**{heading}**")
        if frame.empty:
            st.caption(empty)
            continue
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={k: v for k, v in dates.items() if k in frame.columns},
        )
        ui.download(frame, f"mdt-{stem}-{practice_code}-{meeting_date:%Y-%m-%d}.csv")

# ---------------------------------------------------------------- the pack
content = pack.PackContent(
    practice_name=practice_name,
    practice_code=practice_code,
    meeting_date=meeting_date,
    last_meeting_date=last_meeting,
    period_label=f"referrals up to {uk_date(meeting_date)}; this quarter from "
    f"{uk_date(quarter_start)}",
    headline=headline_display,
    people=table,
    figures=[referrals_fig, pseq_fig]
    if pseq_rows["change_points"].notna().any()
    else [referrals_fig],
    new_referrals=new_rows,
    closures=closed_rows,
    movements=moved_rows,
    notes=[
        *([f"Limited by the sidebar to some {' and '.join(narrowed)}."] if narrowed else []),
        *([stale] if stale else []),
    ],
)
with pack_box:
    st.caption(
        "**Meeting pack** for this practice and date: it prints on landscape A4 and opens "
        "without a network connection. Every page "
        "carries a footer: pseudonymised patient-level data, for the practice team only."
    )
    html_col, pdf_col = st.columns(2)
    with html_col:
        st.download_button(
            "Download the meeting pack (HTML)",
            data=lambda: pack.build_html(content).encode("utf-8"),
            file_name=pack.pack_filename(practice_code, meeting_date, "html"),
            mime="text/html",
            icon=":material/description:",
            key="mdt_pack_html",
            on_click="ignore",
        )
    with pdf_col:
        pdf_key = f"mdt_pdf_{practice_code}_{meeting_date.isoformat()}_{last_meeting}"
        if not pack.chromium_available():
            st.info(
                "The PDF needs Chromium, which is not installed here. Download the HTML pack "
                "and print it from any browser (landscape A4).",
                icon=":material/print_disabled:",
            )
        elif st.button("Make the PDF pack", icon=":material/picture_as_pdf:", key="mdt_make_pdf"):
            with st.spinner("Printing the pack with Chromium..."):
                try:
                    st.session_state[pdf_key] = pack.html_to_pdf(
                        pack.build_html(content), figure_count=len(content.figures)
                    )
                except pack.PackUnavailable as problem:
                    st.error(str(problem), icon=":material/error:")
        if st.session_state.get(pdf_key):
            st.download_button(
                "Download the meeting pack (PDF)",
                data=st.session_state[pdf_key],
                file_name=pack.pack_filename(practice_code, meeting_date, "pdf"),
                mime="application/pdf",
                icon=":material/download:",
                key="mdt_pack_pdf",
                on_click="ignore",
            )
