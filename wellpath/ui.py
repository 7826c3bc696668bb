"""Shared page furniture: the viewer's scope and filters, headers, definitions, downloads.

Pages call these so every page states its period and population the same way, shows the
demo-data banner, defines its figures one click away and offers its tables as CSV.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from wellpath import data, db, shell
from wellpath.scope import FULL_ACCESS, Filters, Scope, uk_date

SUPPRESSED = "*"


def current_scope() -> Scope:
    return st.session_state.get("wellpath_scope", FULL_ACCESS)


def current_filters() -> Filters:
    filters = st.session_state.get("wellpath_filters")
    if filters is None:
        today = dt.date.today()
        filters = Filters(start_date=today.replace(year=today.year - 1), end_date=today)
    return filters


def is_demo_data() -> bool:
    provenance = data.service_query("data_provenance")
    return bool(len(provenance)) and bool(provenance["is_demo"].iloc[0])


def demo_banner() -> None:
    """The "demo data" banner, shown on every page while the file holds the demo world."""
    shell.ensure_shell()
    if is_demo_data():
        st.warning(
            "**Demo data.** These figures come from Wellpath's invented demo world, not from "
            "a real service. Load your own data on the Import data page.",
            icon=":material/science:",
        )


def page_header(title: str, population: str, period: str | None = None) -> tuple[Scope, Filters]:
    """Title, the period and population shown, the demo banner; returns scope and filters.

    `period`: what the page measures when it is not the sidebar's period (e.g. the MDT
    page, measured on a meeting date)."""
    shell.ensure_shell()
    scope, filters = current_scope(), current_filters()
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


def download(frame: pd.DataFrame, filename: str, label: str = "Download this table (CSV)") -> None:
    st.download_button(
        label,
        frame.to_csv(index=False).encode("utf-8"),
        file_name=filename,
        mime="text/csv",
        key=f"download-{filename}",
        icon=":material/download:",
    )


def fmt_count(value: object) -> str:
    """A count for display: '*' where disclosure control suppressed it."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return SUPPRESSED
    return f"{int(value):,}"


def fmt_number(value: object, digits: int = 1, suffix: str = "") -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return SUPPRESSED
    return f"{float(value):,.{digits}f}{suffix}"


def fmt_date(value: object) -> str:
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return uk_date(value)  # type: ignore[arg-type]


def no_data(message: str = "No records match these filters for this period.") -> None:
    st.info(message, icon=":material/info:")


def query_file_link(name: str) -> str:
    return f"`queries/{name}.sql`" if (db.QUERIES_DIR / f"{name}.sql").exists() else name
