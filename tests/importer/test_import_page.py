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


def test_page_shows_the_import_log(live_db):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Import data"
    history = at.dataframe[-1].value
    assert list(history["From"]) == ["valid_batch"]
    assert list(history["Rows accepted"]) == [14]


def test_page_without_a_database(tmp_path, monkeypatch):
    monkeypatch.setenv("WELLPATH_DB", str(tmp_path / "none.duckdb"))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert "no data" in at.info[0].value
