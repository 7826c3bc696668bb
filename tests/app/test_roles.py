"""Who sees what, under AppTest, trying to break it: every page as each role of the demo's
role switcher (the real gate, no test hook), a practice that must never see another
practice's code, name or pseudonym (on screen, in a chart or a download), a commissioner who
is refused patient-level pages, and forged widget values and query parameters that must not
widen a scope."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from wellpath import access, auth, shell

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "dashboard.py"
PAGES = [entry[0] for entry in shell.PAGES if (REPO / entry[0]).is_file()]
PRACTICE = "A86012"  # the demo's "one practice" view: its first pilot practice
VIEWS = {
    "programme lead": "Programme lead",
    "practice": f"Practice: West Road Medical Centre ({PRACTICE})",
    "commissioner": "Commissioner",
}
REFUSED = "This page is not available to your role"


def _walk(node) -> list[str]:
    """The text of every element drawn (protos include charts' specs and table data)."""
    out = []
    proto = getattr(node, "proto", None)
    if proto is not None:
        out.append(str(proto))
    for child in getattr(node, "children", {}).values():
        out.extend(_walk(child))
    return out


def _dataframe_text(at: AppTest) -> str:
    return "\n".join(d.value.to_csv() for d in at.dataframe)


class Recorder:
    """Every download the page offered, by patching st.download_button for the run."""

    def __init__(self) -> None:
        self.files: list[tuple[str, bytes]] = []

    def __enter__(self):
        self.original = st.download_button

        def recording(label, data, *args, **kwargs):
            payload = data if isinstance(data, bytes) else str(data).encode("utf-8")
            self.files.append((kwargs.get("file_name", ""), payload))
            return self.original(label, data, *args, **kwargs)

        st.download_button = recording
        return self

    def __exit__(self, *exc) -> None:
        st.download_button = self.original


def open_as(view: str, page: str | None = None, **state) -> tuple[AppTest, Recorder]:
    """The router as the demo's role switcher sets it (the real gate), then `page`."""
    with Recorder() as downloads:
        at = AppTest.from_file(str(DASHBOARD), default_timeout=180)
        at.session_state["demo_view_as"] = VIEWS[view]
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        if page is not None:
            at.switch_page(page).run()
    return at, downloads


@pytest.fixture(scope="module")
def others(demo_db: Path) -> dict[str, list[str]]:
    """What a practice user must never see: the other practices' codes, names and people."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        practices = con.execute(
            "select practice_code, practice_name from practices where practice_code <> ?",
            [PRACTICE],
        ).fetchall()
        people = con.execute(
            "select patient_id from patients where practice_code <> ? and patient_id in "
            "(select patient_id from referrals) order by patient_id limit 400",
            [PRACTICE],
        ).fetchall()
    finally:
        con.close()
    return {
        "codes": [c for c, _ in practices],
        "names": [n for _, n in practices],
        "people": [p for (p,) in people],
    }


@pytest.mark.parametrize("page", PAGES)
def test_practice_sees_no_other_practice(app, others, page: str) -> None:
    app()  # points WELLPATH_DB at the demo world
    at, downloads = open_as("practice", page)
    assert not at.exception, [e.message for e in at.exception]
    stem = Path(page).stem
    if not access.may_open(stem, auth.scope_for("practice", (PRACTICE,))):
        assert REFUSED in " ".join(e.value for e in at.error)
        assert not at.dataframe and not downloads.files
        return
    text = "\n".join(_walk(at.main) + _walk(at.sidebar)) + _dataframe_text(at)
    text += "\n".join(p.decode("utf-8", "replace") for _, p in downloads.files)
    for code in others["codes"]:
        assert not re.search(rf"\b{code}\b", text), f"{page} shows practice {code}"
    for name in others["names"]:
        assert name not in text, f"{page} shows practice {name}"
    for person in others["people"]:
        assert not re.search(rf"\b{re.escape(person)}\b", text), f"{page} shows {person}"


@pytest.mark.parametrize("page", PAGES)
def test_commissioner_pages(app, page: str) -> None:
    app()
    at, downloads = open_as("commissioner", page)
    assert not at.exception, [e.message for e in at.exception]
    stem = Path(page).stem
    refused = REFUSED in " ".join(e.value for e in at.error)
    # The commissioner is refused exactly the pages access.PAGE_ROLES keeps from them.
    assert refused == (not access.may_open(stem, auth.scope_for("commissioner"))), page
    if refused:
        assert not at.dataframe and not at.metric and not downloads.files
        return
    # Publishable everywhere: the toggle is on and cannot be turned off.
    assert at.session_state[auth.SCOPE_KEY].rounded
    # No list of people: no pseudonym column in any table or download.
    for frame in at.dataframe:
        assert not any("pseudonym" in str(c).lower() for c in frame.value.columns), page
    for name, payload in downloads.files:
        if name.endswith(".csv"):
            header = payload.decode("utf-8", "replace").splitlines()[:1]
            assert not any(
                c.strip('"').lower() in ("patient_id", "pseudonym", "person")
                for c in ",".join(header).split(",")
            ), name
    # Counts on metric cards are published counts: "*", or not 1-7.
    for metric in at.metric:
        value = str(metric.value).replace(",", "")
        statistic = re.search(r"median|mean|average|per |rate|%", metric.label.lower())
        if value.isdigit() and not statistic:
            assert not 1 <= int(value) <= 7, (page, metric.label, metric.value)


def test_the_menu_lists_only_the_roles_pages(app) -> None:
    app()
    for view, hidden in {
        "programme lead": set(),
        "practice": {"Import data", "Audit trail"},
        "commissioner": {"MDT meeting", "Import data", "Audit trail"},
    }.items():
        at, _ = open_as(view)
        assert not at.exception, [e.message for e in at.exception]
        links = {link.proto.label for link in at.sidebar.get("page_link")}
        assert "Overview" in links
        assert not links & hidden, (view, links & hidden)
        if view == "programme lead":
            assert {"MDT meeting", "Import data", "Audit trail"} <= links


def test_demo_banner_names_the_role(app) -> None:
    app()
    at, _ = open_as("practice", "pages/referrals.py")
    banner = " ".join(w.value for w in at.warning)
    assert "Demo data" in banner and "You are viewing as" in banner and PRACTICE in banner


def test_forged_widget_values_do_not_widen(app, others) -> None:
    app()
    # A practice user sends another practice in the practice filter, and turns the
    # publishable toggle off: the filter drops it and the scope keeps its practices.
    at, _ = open_as(
        "practice",
        "pages/referrals.py",
        filter_practices=[others["codes"][0], PRACTICE],
        filter_pcns=["U00000"],
    )
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["wellpath_filters"].practice_codes == (PRACTICE,)
    assert at.session_state[auth.SCOPE_KEY].practice_codes == (PRACTICE,)
    # A commissioner turns the toggle off: still rounded.
    at, _ = open_as("commissioner", "pages/overview.py", filter_publishable=False)
    assert at.session_state[auth.SCOPE_KEY].rounded


def test_query_parameters_do_not_widen(app) -> None:
    app()
    at = AppTest.from_file(str(DASHBOARD), default_timeout=180)
    at.session_state["demo_view_as"] = VIEWS["commissioner"]
    at.query_params["role"] = "programme_lead"
    at.query_params["scope"] = "full"
    at.query_params["page"] = "mdt_meeting"
    at.run()
    at.switch_page("pages/mdt_meeting.py").run()
    assert REFUSED in " ".join(e.value for e in at.error)
    assert at.session_state[auth.SCOPE_KEY].rounded


def test_nothing_set_means_publishable() -> None:
    # No session has held a scope: the mint fails closed.
    at = AppTest.from_string(
        "import streamlit as st\nfrom wellpath import auth\n"
        "s = auth.current_scope()\nst.write(f'{s.role} {s.rounded} {s.practice_codes}')\n"
        "st.session_state['filter_publishable'] = False\n"
    ).run()
    assert at.markdown[0].value == "commissioner True None"
