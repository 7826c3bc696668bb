"""Wellpath's entry point and router: page config, the shared sidebar filters, navigation.

Run with `streamlit run dashboard.py`. On first start, when the DuckDB file (WELLPATH_DB,
default data/wellpath.duckdb) does not exist, the demo world is built into it.
"""

from __future__ import annotations

import streamlit as st

from wellpath import shell

st.set_page_config(
    page_title="Wellpath",
    page_icon=":material/monitoring:",
    layout="wide",
    initial_sidebar_state="expanded",
)

PAGES = {
    "Service": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/referrals.py", title="Referrals", icon=":material/input:"),
        st.Page("pages/caseload.py", title="Caseload and waits", icon=":material/groups:"),
        st.Page("pages/activity.py", title="Contacts and action plans", icon=":material/event:"),
    ],
    "Impact": [
        st.Page("pages/outcomes.py", title="Outcomes", icon=":material/trending_up:"),
        st.Page(
            "pages/healthcare_use.py",
            title="Healthcare use and cost",
            icon=":material/local_hospital:",
        ),
    ],
    "Practice": [
        st.Page("pages/mdt_meeting.py", title="MDT meeting", icon=":material/diversity_3:"),
    ],
    "Data": [
        st.Page("pages/data_quality.py", title="Data quality", icon=":material/fact_check:"),
        st.Page("pages/import_data.py", title="Import data", icon=":material/upload_file:"),
        st.Page("pages/methods.py", title="Methods and sources", icon=":material/menu_book:"),
    ],
}


shell.build_demo_if_missing()
shell.upgrade_if_stale()
shell.sidebar_filters()
st.navigation(PAGES).run()
