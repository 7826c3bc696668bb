"""Message back to the GP: a one-page discharge summary per person (PRSB social prescribing
standard), one by one or as a batch for an MDT meeting, as HTML or PDF.

Person-level: wellpath/views/message_back.py refuses a rounded scope.
"""

from __future__ import annotations

import streamlit as st

from wellpath import pack, ui
from wellpath.views import message_back as view

scope, filters = ui.page_header("Message back to the GP", "people discharged in the period")

found = view.discharges(scope, filters)  # counts per practice: no person's row yet
if not found.allowed:
    st.warning(found.message, icon=":material/lock:")
    st.stop()
if not found.total:
    ui.no_data(found.message)
    st.stop()

st.markdown(f"{found.total:,} people discharged in the period.")
practice = None
if found.one_practice_at_a_time:
    practice = st.selectbox(
        "Practice", list(found.practices), format_func=found.practices.get, key="mb_practice"
    )
listed = view.people(scope, filters, practice_code=practice)
labels = dict(zip(listed["referral_id"], listed["label"], strict=True))
everyone = st.checkbox(
    "All of them (a batch for the MDT meeting)" if practice is None
    else "All of them at this practice (a batch for the MDT meeting)",
    value=False, key="mb_all",
)  # fmt: skip
chosen = list(labels) if everyone else st.multiselect(
    "People", list(labels), format_func=labels.get, max_selections=200, key="mb_people",
    default=list(labels)[:1],
)  # fmt: skip
if not chosen:
    st.info("Choose one or more people.", icon=":material/info:")
    st.stop()

document = view.document(scope, filters, referral_ids=tuple(chosen))
st.download_button(
    "Download as HTML", document.encode("utf-8"), file_name="message-back-to-gp.html",
    mime="text/html", icon=":material/download:",
)  # fmt: skip
if st.button("Make the PDF", icon=":material/picture_as_pdf:"):
    try:
        with st.spinner("Printing with Chromium..."):
            st.session_state["mb_pdf"] = view.pdf(document)
    except pack.PackUnavailable as exc:
        st.error(str(exc))
if st.session_state.get("mb_pdf"):
    st.download_button(
        "Download the PDF", st.session_state["mb_pdf"], file_name="message-back-to-gp.pdf",
        mime="application/pdf", icon=":material/download:",
    )  # fmt: skip

with st.expander("Preview", expanded=True):
    st.html(document)

ui.definition(
    "One page per person discharged in the period: pseudonym, practice, the dates of "
    "referral, first contact and discharge, contacts by attendance, each goal and how it "
    "ended, and each questionnaire's first score against the latest later one on or before "
    "discharge. **Reliable change** (Jacobson & Truax 1991): change beyond 1.96 \u00d7 "
    "\u221a2 \u00d7 SD \u00d7 \u221a(1 \u2212 r), with SD the spread of the paired "
    "baselines of the service's pairs for these filters and period, and r the instrument's "
    "published test-retest reliability (not assessed where none is published). The data "
    "contract has no field for what was suggested next, so it reads \u201cnot recorded\u201d.",
    queries=["discharged_people", "discharged_goals", "discharged_scores", "outcome_score_pairs"],
)
