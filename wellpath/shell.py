"""The app shell shared by every page: first-run demo build and the shared sidebar filters.

dashboard.py (the router) calls these on every run. A page opened before the router has ever
run on a fresh server (Streamlit's old pages/ mode) calls them too, through
`ensure_shell()`, so the page still gets the filters and the demo world.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from wellpath import data, labels
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters, uk_date


def build_demo_if_missing() -> None:
    """First start: build the demo world, with visible progress, when there is no file."""
    if data.db_identity() is not None:
        return
    from wellpath import demo

    st.title("Setting up Wellpath")
    st.write(
        f"No database was found at `{data.db_path()}`, so Wellpath is building its demo "
        "world: an invented service with the four Newcastle pilot practices. This takes "
        "a minute the first time only."
    )
    bar = st.progress(0.0, text="Starting")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    demo.build(data.db_path(), scale="demo", progress=progress)
    bar.progress(1.0, text="Done")
    st.rerun()


def upgrade_if_stale() -> None:
    """A file written by another version of Wellpath gets this version's schema and derived
    tables before anything reads it (the contract tables, the data sent in, are unchanged)."""
    if data.db_identity() is None or data.database_is_current():
        return
    from wellpath import db

    with st.spinner("Updating the database for this version of Wellpath..."):
        db.upgrade(data.db_path())
    st.rerun()


PERIODS = ["Last 12 months", "Last 3 months", "This financial year", "Since the start", "Custom"]


def period_dates(choice: str, today: dt.date, first: dt.date) -> tuple[dt.date, dt.date]:
    if choice == "Last 3 months":
        return today - dt.timedelta(days=91), today
    if choice == "This financial year":
        year = today.year if today.month >= 4 else today.year - 1
        return dt.date(year, 4, 1), today
    if choice == "Since the start":
        return first, today
    return today.replace(year=today.year - 1) + dt.timedelta(days=1), today


def sidebar_filters() -> None:
    """The shared filters every page honours, kept in session state for the pages."""
    practices = data.service_query("practice_list")
    workers = data.service_query("worker_list")
    span = data.service_query("referral_date_span")
    today = dt.date.today()
    first = span["first_referral_date"].iloc[0] if len(span) else None
    first = (
        first.date() if hasattr(first, "date") else (first or today.replace(year=today.year - 1))
    )

    with st.sidebar:
        st.header("Filters")
        choice = st.selectbox("Period", PERIODS, key="filter_period")
        start, end = period_dates(choice, today, first)
        if choice == "Custom":
            picked = st.date_input(
                "From and to", value=(start, end), format="DD/MM/YYYY", key="filter_dates"
            )
            if isinstance(picked, tuple) and len(picked) == 2:
                start, end = picked
        st.caption(f"{uk_date(start)} to {uk_date(end)}")

        names = dict(zip(practices["practice_code"], practices["practice_name"], strict=True))
        chosen_practices = st.multiselect(
            "Practice",
            list(names),
            format_func=lambda c: f"{names[c]} ({c})",
            placeholder="All practices",
            key="filter_practices",
        )
        pcns = (
            practices.dropna(subset=["pcn_code"])
            .drop_duplicates("pcn_code")
            .set_index("pcn_code")["pcn_name"]
            .to_dict()
        )
        chosen_pcns = st.multiselect(
            "Primary care network",
            list(pcns),
            format_func=lambda c: str(pcns[c]),
            placeholder="All PCNs",
            key="filter_pcns",
        )
        chosen_conditions = st.multiselect(
            "Condition",
            list(labels.CONDITIONS),
            format_func=lambda c: labels.CONDITIONS[c],
            placeholder="All conditions",
            key="filter_conditions",
        )
        worker_names = dict(zip(workers["worker_id"], workers["display_name"], strict=True))
        chosen_workers = st.multiselect(
            "Link worker",
            list(worker_names),
            format_func=lambda w: str(worker_names[w]),
            placeholder="All link workers",
            key="filter_workers",
        )
        publishable = st.toggle(
            "Publishable figures",
            key="filter_publishable",
            help=(
                "Applies statistical disclosure control, as for anything that leaves a "
                "practice: counts of 1-7 shown as *, other counts rounded to the nearest 5, "
                "statistics about 7 or fewer people suppressed."
            ),
        )

    st.session_state["wellpath_filters"] = Filters(
        start_date=start,
        end_date=end,
        practice_codes=tuple(chosen_practices),
        pcn_codes=tuple(chosen_pcns),
        conditions=tuple(chosen_conditions),
        worker_ids=tuple(chosen_workers),
    )
    st.session_state["wellpath_scope"] = PUBLISHABLE if publishable else FULL_ACCESS


def ensure_shell() -> None:
    """Run the shell when the page was started without the router.

    While a folder called pages/ sits beside the main script, Streamlit starts a fresh server
    in its old multipage mode until some session has run st.navigation: a first visitor who
    opens a page's own URL gets the page alone. Leave that mode for every later run, and draw
    the shell now so this run is complete too.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        # Only for a session the router has never served: later runs keep its filters.
        if "wellpath_filters" not in st.session_state:
            build_demo_if_missing()
            upgrade_if_stale()
            sidebar_filters()
