"""Shared page furniture: the viewer's scope and filters, headers, definitions, downloads.

Pages call these so every page states its period and population the same way, shows the
demo-data banner, defines its figures one click away and offers its tables as CSV.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
import streamlit as st

from wellpath import access, auth, data, formats, shell
from wellpath.scope import Filters, Scope

SUPPRESSED = formats.SUPPRESSED


def current_scope() -> Scope:
    """The viewer's scope (wellpath.auth mints it; publishable when nothing has set it)."""
    return auth.current_scope()


def current_filters() -> Filters:
    filters = st.session_state.get("wellpath_filters")
    if filters is None:
        today = dt.date.today()
        filters = Filters(start_date=today.replace(year=today.year - 1), end_date=today)
    # A rounded scope is served whole months only, whatever the session holds (issue 14,
    # time slicing); the views and the data layer hold the same rule.
    return filters.for_scope(current_scope())


def is_demo_data() -> bool:
    return shell.is_demo_data()


def demo_banner() -> None:
    """The "demo data" banner, shown on every page while the file holds the demo world,
    saying which role the demo is being viewed as."""
    shell.ensure_shell()
    if is_demo_data():
        viewer = auth.current_viewer()
        role = (
            f" You are viewing as **{viewer.username}** ({current_scope().label}); change "
            'it under "View as" in the sidebar.'
            if viewer is not None and viewer.method == "demo"
            else ""
        )
        st.warning(
            "**Demo data.** These figures come from Wellpath's invented demo world, not from "
            "a real service. To use your service's own data, start its own database (see "
            f"the Import data page).{role}",
            icon=":material/science:",
        )


def calling_page() -> str | None:
    """The stem of the pages/<stem>.py file whose code called this (None if none did)."""
    import sys

    pages_dir = (shell.REPO / "pages").resolve()
    frame = sys._getframe(1)
    while frame is not None:
        path = Path(frame.f_code.co_filename).resolve()
        if path.suffix == ".py" and path.parent == pages_dir:
            return path.stem
        frame = frame.f_back
    return None


def guard(page: str | None, scope: Scope, filters: Filters) -> None:
    """Refuse to draw a page this viewer's role may not open (by URL, or a page missing from
    the navigation), and put a view of a patient-level page in the audit trail."""
    stem = page or ""
    if not access.may_open(stem, scope):
        st.title("Not available")
        st.error(
            "This page is not available to your role "
            f"({scope.label}). Use the pages listed in the sidebar.",
            icon=":material/block:",
        )
        st.stop()
    if stem in access.PATIENT_LEVEL_PAGES and scope.people_level:
        viewer = auth.current_viewer()
        practices = filters.practice_codes or scope.practice_codes or ("all",)
        seen = st.session_state.setdefault("_wellpath_views_audited", set())
        key = (stem, practices, filters.start_date, filters.end_date)
        if key not in seen and viewer is not None and viewer.method != "demo":
            from wellpath import audit

            audit.record(
                "page_view",
                viewer.username,
                {"page": stem, "practices": practices, "period": filters.period_label},
                db_path=data.db_path(),
            )
            seen.add(key)


def page_header(title: str, population: str, period: str | None = None) -> tuple[Scope, Filters]:
    """Title, the period and population shown, the demo banner; returns scope and filters.

    Refuses (and stops) when the viewer's role may not open the calling page.
    `period`: what the page measures when it is not the sidebar's period (e.g. the MDT
    page, measured on a meeting date)."""
    shell.ensure_shell()
    scope, filters = current_scope(), current_filters()
    guard(calling_page(), scope, filters)
    st.title(title)
    demo_banner()
    st.caption(
        f"**Period:** {period or filters.period_label} · **Showing:** {population} · "
        f"**Viewing as:** {scope.label}"
    )
    return scope, filters


def definition(text: str, queries: Iterable[str] = ()) -> None:
    """How a figure is worked out, one click away, naming the SQL files behind it."""
    with st.expander("How is this worked out?"):
        st.markdown(text)
        names = list(queries)
        if names:
            st.caption("Computed by " + ", ".join(f"`queries/{q}.sql`" for q in names))


def _export_recorder(
    filename: str, rows: int | None, page: str | None, event: str
) -> Callable[[], None]:
    """A call that puts this export by the signed-in viewer in the audit trail, with the
    viewer, scope and database read now (so it may run later, outside the script run)."""
    viewer = auth.current_viewer()
    if viewer is None or viewer.method == "demo":
        return _nothing
    from wellpath import audit

    scope = current_scope()
    detail = {
        "filename": filename,
        "rows": rows,
        "page": page,
        "practices": scope.practice_codes or ("all",),
    }
    return functools.partial(audit.record, event, viewer.username, detail, db_path=data.db_path())


def _nothing() -> None:
    return None


def record_export(
    filename: str, rows: int | None = None, page: str | None = None, event: str = "export"
) -> None:
    """Put a download or report made by the signed-in viewer in the audit trail."""
    _export_recorder(filename, rows, page, event)()


def _deliver_csv(frame: pd.DataFrame, export: Callable[[], None]) -> bytes:
    """The CSV of a table, called by Streamlit when its button is pressed: the export goes in
    the audit trail as the file is handed over, then the (once-built) bytes."""
    export()
    return formats.csv_bytes_once(frame)


def download(frame: pd.DataFrame, filename: str, label: str = "Download this table (CSV)") -> None:
    # Who, where and what are read now, in the script run: the callable runs on press,
    # outside it, where the session's viewer and scope cannot be read.
    export = _export_recorder(filename, len(frame), calling_page(), "export")
    st.download_button(
        label,
        # Written when the button is pressed, not on every run: a first load of a page drew
        # up to a dozen CSVs nobody had asked for (a quarter of a practice manager's page
        # time at ICB scale), and Streamlit held each one in memory for the session.
        functools.partial(_deliver_csv, frame, export),
        file_name=filename,
        mime="text/csv",
        key=f"download-{filename}",
        icon=":material/download:",
        # No rerun on press: a rerun gives every deferred button a new file id, so a second
        # press before it finished (another table's button, or the same one) got no file.
        on_click="ignore",
    )


# The formatters live in wellpath.formats (one way to write a value everywhere); these
# names stay for the pages that still call them.
fmt_count = formats.fmt_count
fmt_number = functools.partial(formats.fmt_number, missing=formats.SUPPRESSED)
fmt_date = formats.uk_date


def no_data(message: str = "No records match these filters for this period.") -> None:
    st.info(message, icon=":material/info:")
