"""Shared page furniture: the viewer's scope and filters, headers, definitions, downloads.

Pages call these so every page states its period and population the same way, shows the
demo-data banner, defines its figures one click away and offers its tables as CSV.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from wellpath import data, formats, shell
from wellpath.scope import FULL_ACCESS, Filters, Scope

SUPPRESSED = formats.SUPPRESSED


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
            "a real service. To use your service's own data, start its own database (see "
            "the Import data page).",
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
        formats.csv_bytes(frame),
        file_name=filename,
        mime="text/csv",
        key=f"download-{filename}",
        icon=":material/download:",
    )


# The formatters live in wellpath.formats (one way to write a value everywhere); these
# names stay for the pages that still call them.
fmt_count = formats.fmt_count
fmt_number = functools.partial(formats.fmt_number, missing=formats.SUPPRESSED)
fmt_date = formats.uk_date


def no_data(message: str = "No records match these filters for this period.") -> None:
    st.info(message, icon=":material/info:")
