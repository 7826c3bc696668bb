"""Import data: send the service's files, see what loaded and what was rejected, and why."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from wellpath import contract, data, disclosure, ui
from wellpath.importer import BatchRefused, import_uploads
from wellpath.importer import templates as tpl

STATUS_LABELS = {
    "loaded": "Loaded",
    "loaded_with_rejections": "Loaded; some rows were rejected",
    "unchanged": "No changes: everything sent was already loaded",
}

if data.db_identity() is None:
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
    "Sending the same files twice changes nothing. The full rules are in "
    "`docs/data-contract.md`."
)

left, right = st.columns(2)
with left:
    st.download_button(
        "Empty templates (.zip)",
        tpl.TEMPLATES_ZIP.read_bytes(),
        file_name=tpl.TEMPLATES_ZIP.name,
        mime="application/zip",
        icon=":material/download:",
    )
with right:
    st.download_button(
        "Example batch (.zip)",
        tpl.EXAMPLE_ZIP.read_bytes(),
        file_name=tpl.EXAMPLE_ZIP.name,
        mime="application/zip",
        icon=":material/download:",
    )

with st.expander("Which files, and which columns must each have?"):
    files = pd.DataFrame(
        [
            {
                "File": t.file_name,
                "What it holds": t.description,
                "Columns that must be there": ", ".join(t.required_columns),
                "Other columns": ", ".join(
                    c for c in t.column_names if c not in t.required_columns
                ),
            }
            for t in contract.TABLES
        ]
    )
    st.dataframe(files, hide_index=True, width="stretch")
    st.caption(
        "A file without one of its required columns refuses the whole batch (nothing "
        "changes). A row that breaks a rule is not loaded; it is listed below with the rule "
        "so you can fix it and send it again. Patient identifiers must be pseudonyms: an "
        "NHS number is refused."
    )

st.subheader("Send files")
uploads = st.file_uploader(
    "Choose CSV files, one .zip, or one .xlsx workbook",
    type=["csv", "zip", "xlsx"],
    accept_multiple_files=True,
)
if st.button("Import", type="primary", disabled=not uploads, icon=":material/upload:"):
    with st.spinner("Checking and loading the files..."):
        try:
            result = import_uploads(
                [(f.name, f.getvalue()) for f in uploads or []], data.db_path(), run_by="dashboard"
            )
        except BatchRefused as refused:
            st.session_state["import_result"] = None
            st.session_state["import_refused"] = refused
        else:
            st.session_state["import_result"] = result
            st.session_state["import_refused"] = None
    st.rerun()

refused = st.session_state.get("import_refused")
result = st.session_state.get("import_result")
if refused is not None:
    where = f"**{refused.file}**" + (f", column **{refused.column}**" if refused.column else "")
    st.error(
        f"The batch was refused and nothing was changed. {where}: {refused.rule}.",
        icon=":material/block:",
    )

if result is not None:
    st.subheader("This import")
    label = STATUS_LABELS.get(result.status, result.status)
    if result.status == "unchanged" and sum(result.rejected.values()):
        label = "No changes to what was already loaded; some rows were rejected"
    message = f"{label} (batch `{result.batch_id}`)."
    if sum(result.rejected.values()):
        st.warning(message, icon=":material/warning:")
    else:
        st.success(message, icon=":material/check_circle:")
    per_table = pd.DataFrame(
        [
            {
                "Table": contract.table(name).title,
                "Rows accepted": result.loaded[name],
                "New or changed": result.changed.get(name, 0),
                "Rows rejected": result.rejected.get(name, 0),
            }
            for name in result.loaded
        ]
    )
    st.dataframe(per_table, hide_index=True, width="stretch")
    ui.download(per_table, f"import_{result.batch_id}_summary.csv")
    for warning in result.warnings:
        st.info(warning, icon=":material/info:")

    if sum(result.rejected.values()) and scope is None:
        scope, filters = ui.current_scope(), ui.current_filters()
    if sum(result.rejected.values()) and scope is not None and filters is not None:
        st.markdown("**Rejected rows and why.** Fix these rows and send them again.")
        if scope.rounded:
            ui.no_data(
                "Rejected rows show patient-level data, so they are not shown in the "
                "publishable view."
            )
        else:
            rejected = data.query("import_rejected_rows", scope, filters, batch_id=result.batch_id)
            shown = rejected.assign(
                table_name=rejected["table_name"].map(lambda t: contract.table(t).title)
            )[["table_name", "row_number", "rule", "column_name", "value", "raw_row"]].rename(
                columns={
                    "table_name": "Table",
                    "row_number": "Row in file",
                    "column_name": "Column",
                    "value": "Value sent",
                    "rule": "Why it was rejected",
                    "raw_row": "Row as sent",
                }
            )
            st.dataframe(shown, hide_index=True, width="stretch")
            ui.download(rejected, f"import_{result.batch_id}_rejected_rows.csv")
            ui.definition(
                "Each row that broke a rule is listed once per rule. *Row in file* counts "
                "data rows from the first row under the header (= 1). A row is shown to you "
                "when its practice is one you can see; rows that cannot be tied to a "
                "practice are shown only to people who can see every practice.",
                queries=["import_rejected_rows"],
            )

if data.db_identity() is not None:
    st.subheader("Imports so far")
    history = data.service_query("import_history")
    if history.empty:
        ui.no_data("Nothing has been imported yet.")
    else:
        publishable = ui.current_scope().rounded
        if publishable:
            # Publishable figures: rows of patient data are counts like any other.
            history = history.assign(
                rows_accepted=history["rows_accepted"].map(disclosure.round_count),
                rows_rejected=history["rows_rejected"].map(disclosure.round_count),
            )
        row_counts = ui.fmt_count if publishable else (lambda n: n)
        shown = pd.DataFrame(
            {
                "When": [
                    f"{ui.fmt_date(ts)} {pd.Timestamp(ts):%H:%M}" for ts in history["imported_at"]
                ],
                "From": history["source_name"],
                "By": history["run_by"].fillna(""),
                "Result": history["status"].map(STATUS_LABELS).fillna(history["status"]),
                "Rows accepted": history["rows_accepted"].map(row_counts),
                "Rows rejected": history["rows_rejected"].map(row_counts),
                "Demo data": history["is_demo"].map({True: "yes", False: "no"}),
            }
        )
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            column_config={
                "Rows accepted": st.column_config.NumberColumn(format="localized"),
                "Rows rejected": st.column_config.NumberColumn(format="localized"),
            }
            if not publishable
            else None,
        )
        ui.download(history, "import_history.csv")
        ui.definition(
            "One row per import that loaded (a refused batch changes nothing and is not "
            "listed). *Rows accepted* includes rows identical to what was already loaded.",
            queries=["import_history"],
        )
