"""The Import data page runs, lists the import log, and loads an upload end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from importer_helpers import VALID
from streamlit.testing.v1 import AppTest

from wellpath.importer import import_batch

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "import_data.py")


@pytest.fixture
def live_db(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    import_batch(VALID, path, run_by="tests")
    monkeypatch.setenv("WELLPATH_DB", str(path))
    return path


def _page() -> AppTest:
    """The Import data page on its own, as a signed-in programme lead (the page is theirs;
    a service database without users would otherwise show the first-user screen)."""
    from wellpath import auth
    from wellpath.scope import Scope

    auth.enable_test_hooks()
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[auth.TEST_SCOPE_KEY] = Scope()
    return at


def test_page_shows_the_import_log(live_db):
    at = _page().run()
    assert not at.exception
    assert at.title[0].value == "Import data"
    history = at.dataframe[-1].value
    assert list(history["From"]) == ["valid_batch"]
    assert list(history["Rows accepted"]) == [14]


def test_page_without_a_database(tmp_path, monkeypatch):
    monkeypatch.setenv("WELLPATH_DB", str(tmp_path / "none.duckdb"))
    at = _page().run()
    assert not at.exception
    assert "no data" in at.info[0].value


def _upload(at, files):
    """AppTest has no file uploader: call the page's import as its button would."""
    from wellpath.views import import_data as view

    at.session_state["import_outcome"] = view.run_import(files, "tests")
    return at.run()


def test_an_upload_into_a_demo_database_is_refused_with_the_button(tmp_path, monkeypatch):
    from wellpath import db

    path = tmp_path / "demo.duckdb"
    import_batch(VALID, path, run_by="demo", is_demo=True)
    monkeypatch.setenv("WELLPATH_DB", str(path))
    before = path.read_bytes()
    at = _page().run()
    files = [(p.name, p.read_bytes()) for p in sorted(VALID.glob("*.csv"))]
    at = _upload(at, files)
    assert not at.exception
    assert "refused" in at.error[0].value
    assert any("python -m wellpath init --db" in t.value for t in at.text)
    button = next(b for b in at.button if b.label == "Start your service's own database")
    at = button.click().run()
    own = tmp_path / "wellpath-own.duckdb"
    assert db.file_kind(own) == db.OWN
    assert path.read_bytes() == before
    assert any(f"WELLPATH_DB={own}" in c.value for c in at.code)


def test_file_values_on_the_page_are_plain_text_and_no_traceback(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("WELLPATH_DB", str(path))
    at = _page().run()
    header = "contact_id,referral_id,contact_date,mode,minutes,attendance,**[x](http://e.vil)**"
    at = _upload(
        at, [("contacts.csv", (header + "\nC1,R1,2025-01-01,phone,1,attended,\n").encode())]
    )
    assert not at.exception
    shown = " ".join(t.value for t in at.text)
    assert "**[x](http://e.vil)**" in shown  # as text, not rendered markdown
    assert all("Traceback" not in e.value for e in at.error)
    assert not at.markdown or all("e.vil" not in m.value for m in at.markdown)
