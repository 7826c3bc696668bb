"""Import data: send the service's files, see what loaded and what was rejected, and why.

Imports run in a worker process (wellpath.importer.worker), never in the dashboard's own;
every value from a file is shown as plain text (st.text, dataframes), never as markdown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wellpath import ui
from wellpath.importer import templates as tpl
from wellpath.views import import_data as view

if not view.has_database():
    st.title("Import data")
    st.info("There is no data in the dashboard yet. Send your first batch below.")
    scope = filters = None
else:
    scope, filters = ui.page_header("Import data", "every file loaded into this dashboard")

st.markdown(
    "Send your service's data as **one CSV file per table** (e.g. `referrals.csv`), as a "
    "**.zip** of those files, or as one **Excel workbook** with a sheet per table. Dates as "
    "`2025-04-03` or `03/04/2025`; months as `2025-04`. Send only what changed if you like: "
    "a row whose identifier is already loaded replaces it, and rows you do not send are kept. "
    "Sending the same files twice changes nothing. The full rules and limits are in "
    "`docs/data-contract.md`."
)

left, right = st.columns(2)
for column, label, path in (
    (left, "Empty templates (.zip)", tpl.TEMPLATES_ZIP),
    (right, "Example batch (.zip)", tpl.EXAMPLE_ZIP),
):
    with column:
        st.download_button(
            label,
            path.read_bytes(),
            file_name=path.name,
            mime="application/zip",
            icon=":material/download:",
        )

with st.expander("Which files, and which columns must each have?"):
    st.dataframe(view.contract_files(), hide_index=True, width="stretch")
    st.caption(
        "A file without one of its required columns refuses the whole batch (nothing "
        "changes). A row that breaks a rule is not loaded; it is listed below with the rule "
        "so you can fix it and send it again. Patient identifiers must be pseudonyms: an "
        "NHS number is refused, in any column."
    )


def own_database_box() -> None:
    st.info(
        "This dashboard shows Wellpath's invented demo world. Your service's own data goes "
        "into a database of its own, never mixed with the demo.",
        icon=":material/science:",
    )
    st.text(view.own_database_hint())
    if st.button("Start your service's own database", icon=":material/database:"):
        created, message = view.start_own_database()
        st.session_state["own_database_message"] = message
    if st.session_state.get("own_database_message"):
        st.code(st.session_state["own_database_message"], language=None)


demo_db = view.has_database() and view.is_demo_database()
if demo_db:
    own_database_box()

st.subheader("Send files")
uploads = st.file_uploader(
    "Choose CSV files, one .zip, or one .xlsx workbook (at most 200 MB)",
    type=["csv", "zip", "xlsx"],
    accept_multiple_files=True,
)
if st.button("Import", type="primary", disabled=not uploads, icon=":material/upload:"):
    with st.spinner("Checking and loading the files..."):
        outcome = view.run_import([(f.name, f.getvalue()) for f in uploads or []], "dashboard")
    st.session_state["import_outcome"] = outcome
    st.rerun()

outcome = st.session_state.get("import_outcome")
if outcome is not None and not outcome.ok:
    st.error(outcome.headline, icon=":material/block:")
    st.text(outcome.detail)
    if outcome.demo_refusal and not demo_db:
        own_database_box()
elif outcome is not None:
    st.subheader("This import")
    notice = st.warning if outcome.rejected_total else st.success
    notice(
        outcome.headline,
        icon=":material/warning:" if outcome.rejected_total else ":material/check_circle:",
    )
    st.dataframe(outcome.per_table, hide_index=True, width="stretch")
    ui.download(outcome.per_table, f"import_{outcome.batch_id}_summary.csv")
    for warning in outcome.warnings:
        st.text(f"Note: {warning}")

    if outcome.rejected_total and scope is None:
        scope, filters = ui.current_scope(), ui.current_filters()
    if outcome.rejected_total and scope is not None and filters is not None:
        st.markdown("**Rejected rows and why.** Fix these rows and send them again.")
        rejected = view.rejected_rows(outcome.batch_id, scope, filters)
        if rejected is None:
            ui.no_data(view.ROUNDED_REJECTIONS_NOTICE)
        else:
            st.dataframe(rejected, hide_index=True, width="stretch")
            ui.download(rejected, f"import_{outcome.batch_id}_rejected_rows.csv")
            ui.definition(
                "Each row that broke a rule is listed once per rule. *Row in file* counts "
                "data rows from the first row under the header (= 1). A row is shown to you "
                "when its practice is one you can see; rows that cannot be tied to a "
                "practice are shown only to people who can see every practice.",
                queries=["import_rejected_rows"],
            )

if view.has_database():
    st.subheader("Imports so far")
    shown, log = view.history(ui.current_scope(), ui.fmt_date, ui.fmt_count)
    if shown.empty:
        ui.no_data("Nothing has been imported yet.")
    else:
        numbers = {
            c: st.column_config.NumberColumn(format="localized")
            for c in ("Rows accepted", "Rows rejected")
            if pd.api.types.is_numeric_dtype(shown[c])
        }
        st.dataframe(shown, hide_index=True, width="stretch", column_config=numbers)
        ui.download(log, "import_history.csv")
        ui.definition(
            "One row per import that loaded (a refused batch changes nothing and is not "
            "listed). *Rows accepted* includes rows identical to what was already loaded.",
            queries=["import_history"],
        )
