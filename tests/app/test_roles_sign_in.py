"""A database with the service's own data under AppTest: never open without a login, the
first-user help, the real sign-in form (success, failure, sign out), and the audit trail
that the programme lead reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from wellpath import audit, auth

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "dashboard.py"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def service_db(tmp_path, use_db) -> Path:
    from wellpath.importer import import_batch

    path = tmp_path / "service.duckdb"
    import_batch(REPO / "tests" / "fixtures" / "service", path, run_by="tests")
    use_db(path)
    return path


def _text(at: AppTest) -> str:
    parts = [t.value for t in at.title] + [m.value for m in at.markdown]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [c.value for c in at.code] + [c.value for c in at.caption]
    return "\n".join(parts)


def _sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    return at.run()


def test_no_users_shows_how_to_add_the_first(service_db) -> None:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=120).run()
    assert not at.exception
    assert "add the first user" in _text(at)
    assert "python -m wellpath user add" in _text(at) and "--role programme_lead" in _text(at)
    assert not at.dataframe and not at.metric
    at.switch_page("pages/mdt_meeting.py").run()  # a page's URL, straight away
    assert not at.dataframe and not at.metric


def test_sign_in_form_and_refusals(service_db) -> None:
    auth.add_user(service_db, "pm", "practice", ("A86012",), PASSWORD)
    at = AppTest.from_file(str(DASHBOARD), default_timeout=120).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in to Wellpath"]
    assert {t.label for t in at.text_input} == {"Username", "Password"}
    assert not at.metric and not at.sidebar.get("page_link")
    # A page opened by URL without signing in draws the form, no data.
    at.switch_page("pages/referrals.py").run()
    assert not at.metric and not at.dataframe

    at = AppTest.from_file(str(DASHBOARD), default_timeout=120).run()
    _sign_in(at, "pm", "wrong password here")
    assert "do not match" in _text(at)
    _sign_in(at, "pm", PASSWORD)
    assert not at.exception, [e.message for e in at.exception]
    assert "Signed in as **pm**" in _text(at)
    assert at.session_state[auth.SCOPE_KEY].practice_codes == ("A86012",)
    links = {link.proto.label for link in at.sidebar.get("page_link")}
    assert "MDT meeting" in links and "Import data" not in links
    # The Import page, by URL: refused for a practice.
    at.switch_page("pages/import_data.py").run()
    assert "not available to your role" in _text(at)
    kinds = [e["event"] for e in audit.events(service_db)]
    assert "sign_in" in kinds and "sign_in_failed" in kinds


def test_sign_out(service_db) -> None:
    auth.add_user(service_db, "lead", "programme_lead", password=PASSWORD)
    at = AppTest.from_file(str(DASHBOARD), default_timeout=120).run()
    _sign_in(at, "lead", PASSWORD)
    assert at.button(key="sign_out")
    at.button(key="sign_out").click().run()
    assert [t.value for t in at.title] == ["Sign in to Wellpath"]
    assert auth.SCOPE_KEY not in at.session_state
    assert audit.events(service_db, event="sign_out")


def test_audit_trail_page_for_the_lead(service_db) -> None:
    auth.add_user(service_db, "lead", "programme_lead", password=PASSWORD)
    at = AppTest.from_file(str(DASHBOARD), default_timeout=120).run()
    _sign_in(at, "lead", PASSWORD)
    at.switch_page("pages/mdt_meeting.py").run()  # a patient-level page: audited
    assert not at.exception, [e.message for e in at.exception]
    at.switch_page("pages/audit_trail.py").run()
    assert not at.exception, [e.message for e in at.exception]
    table = at.dataframe[0].value
    assert {"Signed in", "Viewed a patient-level page", "User added"} <= set(table["What"])
    viewed = table[table["What"] == "Viewed a patient-level page"].iloc[0]
    assert viewed["Who"] == "lead" and viewed["Page"] == "mdt meeting"
    # No patient identifier anywhere in the trail.
    from wellpath import db as wdb

    con = wdb.connect_read_only(service_db)
    ids = [r[0] for r in con.execute("select patient_id from patients").fetchall()]
    con.close()
    dump = table.to_csv()
    assert not any(f",{i}," in dump or f" {i} " in dump for i in ids)


def test_a_download_is_in_the_audit_trail_when_pressed_not_when_drawn(service_db) -> None:
    import streamlit as st

    auth.add_user(service_db, "pm", "practice", ("A86012",), PASSWORD)
    pressed: dict[str, object] = {}
    original = st.download_button

    def recording(label, data, *args, **kwargs):
        pressed[kwargs["file_name"]] = data  # kept to be called later, as a press would
        assert kwargs.get("on_click") == "ignore", "a press must not rerun the page"
        return original(label, data, *args, **kwargs)

    st.download_button = recording
    try:
        at = AppTest.from_file(str(DASHBOARD), default_timeout=120).run()
        _sign_in(at, "pm", PASSWORD)
        at.switch_page("pages/caseload.py").run()
        assert not at.exception, [e.message for e in at.exception]
    finally:
        st.download_button = original
    exports = [e for e in audit.events(service_db) if e["event"] == "export"]
    assert exports == [], "drawing a button is not an export"
    deliver = pressed["active_caseload_by_month.csv"]
    assert callable(deliver)
    body = deliver()  # outside the script run, where Streamlit calls it
    assert body.startswith(b"\xef\xbb\xbf") and b"People (number)" in body
    deliver()
    exports = [e for e in audit.events(service_db) if e["event"] == "export"]
    assert len(exports) == 2 and {e["username"] for e in exports} == {"pm"}
    detail = exports[0]["detail"]
    assert detail["filename"] == "active_caseload_by_month.csv"
    assert detail["page"] == "caseload" and "A86012" in str(detail["practices"])
    assert detail["rows"] == body.decode("utf-8-sig").count("\n") - 1
