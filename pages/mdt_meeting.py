"""MDT meeting: one practice's people, what is happening with each, and what to discuss today,
with a printable meeting pack (HTML and PDF)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from wellpath import formats, mdt, pack, ui
from wellpath.views import mdt as views

MEETING_KEY = "mdt_meeting_date"
today = dt.date.today()
meeting_date: dt.date = st.session_state.get(MEETING_KEY) or today

scope, filters = ui.page_header(
    "MDT meeting",
    "one practice's referrals, as known on the meeting date",
    period=f"as on the meeting date, {formats.uk_date(meeting_date)} (the sidebar period is "
    "not used here)",
)
found = views.practices(scope, filters)
if not found.codes:
    ui.no_data("No practice in your view takes part in the service: check the practice filters.")
    st.stop()

left, middle, right = st.columns([2, 1, 1])
practice_code = left.selectbox(
    "Practice",
    found.codes,
    format_func=lambda c: f"{found.names[c]} ({c})",
    key="mdt_practice",
    help="One practice at a time: its own team's meeting. Only practices in your view "
    "(and in the sidebar's practice filters) are offered.",
)
meeting_date = middle.date_input("Meeting date", value=today, format="DD/MM/YYYY", key=MEETING_KEY)
last_meeting = right.date_input(
    "Last meeting date (optional)",
    value=mdt.default_last_meeting(meeting_date),
    max_value=meeting_date - dt.timedelta(days=1),
    format="DD/MM/YYYY",
    key=f"mdt_last_meeting_{meeting_date.isoformat()}",
    help="For the 'since the last meeting' section. Clear it to leave that section out.",
)
pack_box = st.container()
practice_name = found.names[practice_code]
text = st.column_config.TextColumn

if head_note := mdt.narrowed_note(filters.conditions, filters.worker_ids):
    st.info(head_note, icon=":material/filter_alt:")
st.subheader(f"{practice_name} against the whole service")
head = views.headline(scope, filters, practice_code=practice_code, meeting_date=meeting_date)
st.dataframe(
    head.table,
    hide_index=True,
    width="stretch",
    column_config={
        "Measure": text(width="large"),
        "This practice": text(width="medium"),
        "Whole service": text(width="medium"),
    },
)
ui.download(head.table, f"mdt-headline-{practice_code}-{meeting_date:%Y-%m-%d}.csv")
ui.definition(head.definition, queries=["mdt_headline"])

choices = dict(practice_code=practice_code, meeting_date=meeting_date, last_meeting=last_meeting)
view = views.meeting(scope, filters, **choices)
if view.refused:
    st.info(view.refused, icon=":material/lock:")
    st.stop()
with st.expander("Reliable change: the reliability and spread used"):
    st.markdown(mdt.RELIABLE_CHANGE_TEXT)
    overrides = {}
    for code in view.unpublished:
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
    flagged_only = st.session_state.get("mdt_flagged_only", False)
    view = views.meeting(
        scope,
        filters,
        **choices,
        overrides=tuple(sorted(overrides.items())),
        flagged_only=flagged_only,
    )
    st.dataframe(view.bases, hide_index=True)

for column, figure in zip(st.columns(2), view.figures, strict=False):
    column.plotly_chart(figure, width="stretch")
if len(view.figures) < 2:
    ui.no_data("No one on today's list has a follow-up PSEQ yet.")

st.subheader("People to discuss")
if view.stale:
    st.warning(view.stale, icon=":material/update:")
st.markdown(view.summary)
st.toggle("Only people with a flag", key="mdt_flagged_only")
with st.expander("What the flags mean", expanded=True):
    st.table(view.legend.set_index("Flag"))
widths = {"Pseudonym": "small", "Flags": "large", "Status": "medium", "Link worker": "small"}
config = {
    c: st.column_config.Column(help=mdt.LIST_COLUMNS[c], width=widths.get(c, "small"))
    for c in view.table.columns
}
for name in ("Last contact", "Next review due"):
    config[name] = st.column_config.DateColumn(help=mdt.LIST_COLUMNS[name], format="D MMM YYYY")
if view.table.empty:
    ui.no_data("No one from this practice is waiting or on the caseload on this date.")
else:
    st.dataframe(view.table, hide_index=True, width="stretch", column_config=config)
    ui.download(view.download, f"mdt-list-{practice_code}-{meeting_date:%Y-%m-%d}.csv")
st.caption(mdt.NO_NOTES_CAPTION)
ui.definition(mdt.LIST_DEFINITION, queries=["mdt_people", "mdt_scores", "mdt_referrals_by_month"])

st.subheader(
    "Since the last meeting" + (f" ({formats.uk_date(last_meeting)})" if last_meeting else "")
)
if last_meeting is None:
    ui.no_data("Enter the last meeting date to see what changed since then.")
for heading, frame, stem in (
    ("New referrals", view.new_referrals, "new-referrals"),
    ("Discharges (with reasons) and referrals not taken on", view.closures, "closures"),
    (
        "Questionnaires completed since the last meeting (reliable moves first)",
        view.movements,
        "score-changes",
    ),
):
    if last_meeting is None:
        break
    st.markdown(f"**{heading}**")
    if frame.empty:
        st.caption("None.")
        continue
    st.dataframe(frame, hide_index=True, width="stretch")
    ui.download(frame, f"mdt-{stem}-{practice_code}-{meeting_date:%Y-%m-%d}.csv")

# ---------------------------------------------------------------- the pack
content = pack.PackContent(
    practice_name=practice_name,
    practice_code=practice_code,
    meeting_date=meeting_date,
    last_meeting_date=last_meeting,
    period_label=f"referrals up to {formats.uk_date(meeting_date)}; this quarter from "
    f"{formats.uk_date(head.quarter_start)}",
    headline=head.table,
    people=view.download,
    figures=list(view.figures),
    new_referrals=view.new_referrals,
    closures=view.closures,
    movements=view.movements,
    notes=[n for n in (head.note, view.stale) if n],
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
