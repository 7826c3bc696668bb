"""The templates in docs/templates/ follow the contract, and the example batch is clean."""

from __future__ import annotations

import zipfile

from wellpath import contract
from wellpath.importer import import_batch
from wellpath.importer import templates as tpl


def test_template_files_have_the_contract_headers():
    for table in contract.TABLES:
        text = (tpl.TEMPLATES_DIR / table.file_name).read_text(encoding="utf-8")
        assert text == ",".join(table.column_names) + "\n"


def test_committed_zips_are_up_to_date():
    assert tpl.TEMPLATES_ZIP.read_bytes() == tpl.templates_zip_bytes()
    assert tpl.EXAMPLE_ZIP.read_bytes() == tpl.example_zip_bytes()
    with zipfile.ZipFile(tpl.TEMPLATES_ZIP) as zf:
        assert sorted(zf.namelist()) == sorted(t.file_name for t in contract.TABLES)


def test_example_batch_loads_without_rejections(tmp_path):
    result = import_batch(tpl.EXAMPLE_ZIP, tmp_path / "w.duckdb")
    assert sum(result.rejected.values()) == 0
    assert set(result.loaded) == set(contract.TABLE_NAMES)
    assert result.loaded["contacts"] == 7 and result.loaded["assessments"] == 6


def test_empty_templates_load_as_an_empty_batch(tmp_path):
    result = import_batch(tpl.TEMPLATES_ZIP, tmp_path / "w.duckdb")
    assert result.loaded == dict.fromkeys(contract.TABLE_NAMES, 0)
    assert result.status == "unchanged"
