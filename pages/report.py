"""Commissioner report: the service's impact report for the sidebar's period, in one click,
as HTML and PDF. Always publishable figures, whatever the viewer's own scope."""

from __future__ import annotations

import streamlit as st

from wellpath import report, ui

scope, filters = ui.page_header(
    "Commissioner report",
    "every practice in your reach, with publishable figures (small numbers suppressed)",
)

st.markdown(
    "An impact report for the period in the sidebar: headline figures, referrals and rates "
    "per practice, who is referred, waits, caseload, change in the questionnaires, "
    "healthcare use and cost against the comparison group, trends, data quality, and how "
    "the figures are made. **Every figure is publishable** (counts of 1 to 7 shown as \\*, "
    "others rounded to 5) even when you can see unrounded figures on the other pages, and "
    "each is the same number as on its page with *Publishable figures* on. The sidebar's "
    "practice, condition and link worker choices do not narrow the report."
)

try:
    report.report_scope(scope)
except report.ReportRefused as refused:
    st.error(str(refused), icon=":material/block:")
    st.stop()

if st.button("Make the report", type="primary", icon=":material/summarize:"):
    with st.spinner("Making the report (about half a minute)…"):
        made = report.build(filters, viewer=scope, made_by=report.viewer_name(scope))
        document = report.to_html(made)
        st.session_state["report_files"] = {"html": document.encode("utf-8"), "pdf": None}
        st.session_state["report_period"] = (filters.start_date, filters.end_date)
        try:
            st.session_state["report_files"]["pdf"] = report.to_pdf(made, document)
        except report.ReportUnavailable as exc:
            st.session_state["report_pdf_error"] = str(exc)
        else:
            st.session_state.pop("report_pdf_error", None)
        name = report.filename(filters.start_date, filters.end_date, "html")
        ui.record_export(name, page="report", event="report")

files = st.session_state.get("report_files")
period = st.session_state.get("report_period")
if files and period == (filters.start_date, filters.end_date):
    start, end = period
    left, right = st.columns(2)
    left.download_button(
        "Download the report (HTML)",
        files["html"],
        file_name=report.filename(start, end, "html"),
        mime="text/html",
        icon=":material/download:",
    )
    if files["pdf"] is not None:
        right.download_button(
            "Download the report (PDF, A4)",
            files["pdf"],
            file_name=report.filename(start, end, "pdf"),
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
        )
    else:
        right.warning(st.session_state.get("report_pdf_error", ""), icon=":material/warning:")
    st.caption("The HTML file opens in any browser without a network connection.")
elif files:
    ui.no_data("The period has changed since the report was made: make it again.")

ui.definition(
    "The report is built from the same view functions as the pages, always for a "
    "publishable scope: a commissioner's own scope, or every practice with small numbers "
    "suppressed for a programme lead. Its footer names who made it and when. From the "
    "command line: `python -m wellpath report --period 2025-04-01:2026-03-31 --out "
    "report.pdf` (or `.html`).",
)
