"""MDT meeting: one practice's people, what is happening with each, and what to discuss today,
with the link workers' time with the practice, consented stories, one person's Star and a
printable meeting pack (HTML and PDF)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from wellpath import auth, formats, ui
from wellpath.views import mdt as views

MEETING_KEY, FLAGGED = "mdt_meeting_date", "mdt_flagged_only"
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
    "Practice", found.codes, format_func=lambda c: f"{found.names[c]} ({c})",
    key="mdt_practice", help=views.PRACTICE_HELP,
)  # fmt: skip
meeting_date = middle.date_input("Meeting date", value=today, format="DD/MM/YYYY", key=MEETING_KEY)
last_meeting = right.date_input(
    "Last meeting date (optional)", value=views.default_last_meeting(meeting_date),
    max_value=meeting_date - dt.timedelta(days=1), format="DD/MM/YYYY",
    key=f"mdt_last_meeting_{meeting_date.isoformat()}", help=views.LAST_MEETING_HELP,
)  # fmt: skip
pack_box = st.container()
practice_name = found.names[practice_code]
stamp = f"{practice_code}-{meeting_date:%Y-%m-%d}"
on_date = dict(practice_code=practice_code, meeting_date=meeting_date)

head = views.headline(scope, filters, **on_date)
if head.note:
    st.info(head.note, icon=":material/filter_alt:")
st.subheader(f"{practice_name} against the whole service")
widths = {c: st.column_config.TextColumn(width=w) for c, w in views.HEADLINE_WIDTHS.items()}
st.dataframe(head.table, hide_index=True, width="stretch", column_config=widths)
ui.download(head.table, f"mdt-headline-{stamp}.csv")
ui.definition(head.definition, queries=["mdt_headline"])
eng = views.engagement(scope, filters, **on_date)
st.markdown(f"**{eng.heading}**")
st.dataframe(eng.table, hide_index=True, width="stretch")
st.caption(eng.caption)

choices = dict(**on_date, last_meeting=last_meeting)
view = views.meeting(scope, filters, **choices)
if view.refused:
    st.info(view.refused, icon=":material/lock:")
    st.stop()
with st.expander("Reliable change: the reliability and spread used"):
    st.markdown(views.RELIABLE_CHANGE_TEXT)
    entered = {
        code: st.number_input(views.reliability_label(code), key=f"mdt_reliability_{code}",
                              **views.RELIABILITY_INPUT)
        for code in view.unpublished
    }  # fmt: skip
    shown = dict(overrides=views.overrides(entered), flagged_only=st.session_state.get(FLAGGED))
    view = views.meeting(scope, filters, **choices, **shown)
    st.dataframe(view.bases, hide_index=True)

for column, figure in zip(st.columns(2), view.figures, strict=False):
    column.plotly_chart(figure, width="stretch")
if len(view.figures) < 2:
    ui.no_data("No one on today's list has a follow-up PSEQ yet.")

st.subheader("People to discuss")
if view.stale:
    st.warning(view.stale, icon=":material/update:")
st.markdown(view.summary)
st.toggle("Only people with a flag", key=FLAGGED)
with st.expander("What the flags mean", expanded=True):
    st.table(view.legend.set_index("Flag"))
config = {
    c: st.column_config.Column(help=views.LIST_HELP[c], width=w, pinned=c in views.LIST_PINNED)
    for c, w in views.LIST_WIDTHS.items()
}
if view.table.empty:
    ui.no_data("No one from this practice is waiting or on the caseload on this date.")
else:
    st.dataframe(view.table, hide_index=True, column_config=config, placeholder=formats.NO_DATA)
    ui.download(view.download, f"mdt-list-{stamp}.csv")
st.caption(views.NO_NOTES_CAPTION)
ui.definition(views.LIST_DEFINITION, queries=list(views.LIST_QUERIES))

st.subheader("A person's Well-being Star: at the start and now")
chart, table = st.columns([3, 2])
starred = dict(view.star_people)
picked = table.selectbox(
    "Person (pseudonym)", list(starred), format_func=starred.get, key="mdt_star"
)
star = views.person_star(scope, filters, **choices, referral_id=picked)
if star.figure is None:
    chart.info(star.message, icon=":material/info:")
else:
    chart.plotly_chart(star.figure, width="stretch")
    table.dataframe(star.table, hide_index=True, width="stretch")

st.subheader(view.since_heading)
if last_meeting is None:
    ui.no_data("Enter the last meeting date to see what changed since then.")
for heading, frame, name in view.since_sections() if last_meeting else ():
    st.markdown(f"**{heading}**")
    if frame.empty:
        st.caption("None.")
        continue
    st.dataframe(frame, hide_index=True, width="stretch")
    ui.download(frame, f"mdt-{name}-{stamp}.csv")

told = views.stories(scope, filters, **on_date)
st.subheader(told.heading)
st.caption(told.note)
story_columns = st.columns(3) if told.stories else []
for i, story in enumerate(told.stories):  # title and text come escaped: shown as text
    with story_columns[i % 3].container(border=True):
        st.markdown(f"**{story.title}**  \n{story.date} · {story.consent}")
        st.markdown(story.text)

meeting_pack = views.meeting_pack(
    head, view, practice_name=practice_name, **choices, engagement=eng, stories=told,
    made_by=auth.current_viewer(),  # named with the time in the footer of every page
)  # fmt: skip
with pack_box:
    st.caption(views.PACK_CAPTION)
    html_col, pdf_col = st.columns(2)
    html, html_name = meeting_pack.html, meeting_pack.html_name
    html_col.download_button(data=html, **views.HTML_BUTTON, file_name=html_name)
    if not meeting_pack.can_print:
        pdf_col.info(views.NO_CHROMIUM, icon=":material/print_disabled:")
    elif pdf_col.button("Make the PDF pack", icon=":material/picture_as_pdf:", key="mdt_make_pdf"):
        with pdf_col, st.spinner("Printing the pack with Chromium..."):
            st.session_state[meeting_pack.pdf_key], problem = meeting_pack.pdf()
        if problem:
            pdf_col.error(problem, icon=":material/error:")
    if st.session_state.get(meeting_pack.pdf_key):
        pdf = st.session_state[meeting_pack.pdf_key]
        pdf_col.download_button(data=pdf, **views.PDF_BUTTON, file_name=meeting_pack.pdf_name)
