"""The Import data page's logic: run an import in a worker, and turn its outcome, the import
log and the rejected rows into display-ready frames and plain sentences.

Every value that comes from a file (names, rules quoting cells, warnings) is returned as
plain text for `st.text` or a dataframe, never for markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wellpath import audit, contract, data, db, disclosure
from wellpath.importer import worker
from wellpath.importer.load import own_database_steps

STATUS_LABELS = {
    "loaded": "Loaded",
    "loaded_with_rejections": "Loaded; some rows were rejected",
    "unchanged": "No changes: everything sent was already loaded",
}


@dataclass(frozen=True)
class Outcome:
    ok: bool  # loaded (with or without rejected rows)
    headline: str  # a sentence of ours
    detail: str  # plain text: the refusal or error, as the worker said it
    batch_id: str | None
    per_table: pd.DataFrame | None
    warnings: tuple[str, ...]
    rejected_total: int
    demo_refusal: bool  # refused because the database holds the demo world


def run_import(files: list[tuple[str, bytes]], run_by: str) -> Outcome:
    """Import the uploaded files in a worker process (see wellpath.importer.worker)."""
    path = data.db_path()
    db.clean_leftovers_now(path)
    done = worker.run_upload(files, path, run_by)
    audit.record_import(
        path,
        run_by,
        batch_id=None if done.result is None else done.result.batch_id,
        status=("refused" if done.refused is not None else "failed")
        if done.result is None
        else done.result.status,
        rows=None if done.result is None else sum(done.result.loaded.values()),
    )
    if done.result is None:
        refused = done.refused
        detail = (
            f"{refused.file}"
            + (f", column {refused.column}" if refused.column else "")
            + f": {refused.rule}."
            if refused is not None
            else f"{done.error}."
        )
        return Outcome(
            False,
            "The batch was refused and nothing was changed."
            if refused is not None
            else "The import did not run and nothing was changed.",
            detail,
            None,
            None,
            (),
            0,
            refused is not None and "demo world" in refused.rule,
        )
    result = done.result
    rejected_total = sum(result.rejected.values())
    label = STATUS_LABELS.get(result.status, result.status)
    if result.status == "unchanged" and rejected_total:
        label = "No changes to what was already loaded; some rows were rejected"
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
    return Outcome(
        True,
        f"{label} (batch {result.batch_id}).",
        "",
        result.batch_id,
        per_table,
        tuple(result.warnings),
        rejected_total,
        False,
    )


def has_database() -> bool:
    return data.db_identity() is not None


def is_demo_database() -> bool:
    return db.file_kind(data.db_path()) == db.DEMO


def own_database_hint() -> str:
    return own_database_steps(data.db_path())


def start_own_database() -> tuple[Path | None, str]:
    """Create the service's own, empty database beside the demo file. Returns its path and a
    plain sentence; the running dashboard keeps reading WELLPATH_DB (see the README)."""
    new = db.own_database_suggestion(data.db_path())
    try:
        db.init_own(new)
    except FileExistsError:
        return None, f"{new} exists already; nothing was created."
    return new, (
        f"Created an empty database for your service's own data: {new}\n"
        f"Load your files:    python -m wellpath import FOLDER --db {new}\n"
        f"Run the dashboard:  WELLPATH_DB={new} streamlit run dashboard.py\n"
        "Set up sign-in for your users before you load real data."
    )


ROUNDED_REJECTIONS_NOTICE = (
    "Rejected rows show patient-level data, so they are not shown in the publishable view."
)


def rejected_rows(batch_id: str, scope, filters) -> pd.DataFrame | None:
    """The batch's rejected rows as the viewer may see them; None in a rounded scope (they
    are patient-level: ROUNDED_REJECTIONS_NOTICE says so)."""
    if scope.rounded:
        return None
    rejected = data.query("import_rejected_rows", scope, filters, batch_id=batch_id)
    return rejected.assign(
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


def history(scope, fmt_date, fmt_count) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(display frame, download frame) of the import log; its row counts are published
    (rounded) in a rounded scope, as text, so the page formats nothing."""
    publishable = scope.rounded
    log = data.service_query("import_history")
    if log.empty:
        return log, log
    if publishable:  # rows of patient data are counts like any other
        log = log.assign(
            rows_accepted=log["rows_accepted"].map(disclosure.round_count),
            rows_rejected=log["rows_rejected"].map(disclosure.round_count),
        )
    counts = fmt_count if publishable else (lambda n: n)
    shown = pd.DataFrame(
        {
            "When": [f"{fmt_date(ts)} {pd.Timestamp(ts):%H:%M}" for ts in log["imported_at"]],
            "From": log["source_name"],
            "By": log["run_by"].fillna(""),
            "Result": log["status"].map(STATUS_LABELS).fillna(log["status"]),
            "Rows accepted": log["rows_accepted"].map(counts),
            "Rows rejected": log["rows_rejected"].map(counts),
            "Demo data": log["is_demo"].map({True: "yes", False: "no"}),
        }
    )
    return shown, log


def contract_files() -> pd.DataFrame:
    return pd.DataFrame(
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
