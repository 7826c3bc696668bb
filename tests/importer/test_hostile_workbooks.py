"""Workbooks that would load wrong values (issue 14): formulas without saved values, merged
cells, hidden and very hidden sheets, a billion-laughs workbook, long numbers as identifiers."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from importer_helpers import VALID, rows

from wellpath.importer import BatchRefused, import_batch


def _book(path: Path, edit=None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for csv_path in sorted(VALID.glob("*.csv")):
        ws = wb.create_sheet(csv_path.stem)
        for line in csv_path.read_text().strip().split("\n"):
            ws.append(line.split(","))
    if edit:
        edit(wb)
    wb.save(path)
    return path


def test_a_formula_without_a_saved_value_is_refused_saying_where(tmp_path, db_file):
    def edit(wb):
        wb["practices"]["E2"] = "=12000+382"  # openpyxl saves no value, as many tools do

    with pytest.raises(BatchRefused) as err:
        import_batch(_book(tmp_path / "b.xlsx", edit), db_file)
    assert "sheet practices" in err.value.file
    assert "cell E2 holds a formula without a saved value" in err.value.rule


def test_merged_cells_are_refused_saying_where(tmp_path, db_file):
    def edit(wb):
        wb["practices"].merge_cells("D2:D3")

    with pytest.raises(BatchRefused) as err:
        import_batch(_book(tmp_path / "b.xlsx", edit), db_file)
    assert "cells D2:D3 are merged" in err.value.rule


@pytest.mark.parametrize(("state", "word"), [("hidden", "hidden"), ("veryHidden", "very hidden")])
def test_a_hidden_sheet_is_refused(tmp_path, db_file, state, word):
    def edit(wb):
        wb["link_workers"].sheet_state = state

    with pytest.raises(BatchRefused) as err:
        import_batch(_book(tmp_path / "b.xlsx", edit), db_file)
    assert "sheet link_workers" in err.value.file
    assert f"the sheet is {word}" in err.value.rule


def test_a_billion_laughs_workbook_is_refused_plainly(tmp_path, db_file):
    good = _book(tmp_path / "good.xlsx")
    bad = tmp_path / "laughs.xlsx"
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = laughs + body
            dst.writestr(info, data)
    with pytest.raises(BatchRefused) as err:
        import_batch(bad, db_file)
    assert "billion laughs" in err.value.rule
    assert "Traceback" not in str(err.value)


def test_a_long_number_in_an_identifier_cell_is_refused_not_rounded(tmp_path, db_file):
    def edit(wb):
        wb["link_workers"].append([1234567890123456789.0, "Jo", "link_worker", 1, "2024-01-01"])
        wb["link_workers"].append([17, "Al", "link_worker", 1, "2024-01-01"])

    result = import_batch(_book(tmp_path / "b.xlsx", edit), db_file)
    assert result.rejected["link_workers"] == 1
    assert rows(db_file, "select worker_id from link_workers order by 1") == [("17",), ("W1",)]
