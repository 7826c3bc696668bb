"""Whole batches: file-level refusals, encodings, input forms, idempotency, updates, safety."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from importer_helpers import BASE_ROWS, VALID, rejected, rows

from wellpath import contract, db, lake
from wellpath.importer import BatchRefused, import_batch, import_uploads

PRACTICES_HEADER = "practice_code,practice_name,pcn_code,pcn_name,list_size,role"


def digest(path: Path) -> str:
    """The file's bytes; for a lake (WELLPATH_TEST_BACKEND=lake), its newest committed
    snapshot: any commit makes a new one, so an unchanged id means nothing was written."""
    found = lake.read_descriptor(path)
    if found is not None:
        return f"snapshot {lake.latest_snapshot(found)}"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def table_contents(db_file: Path) -> dict[str, list[tuple]]:
    return {t.name: rows(db_file, f"select * from {t.name} order by all") for t in contract.TABLES}


# --- file-level rules: the batch is refused and nothing changes -----------------------------


def test_missing_required_column_refuses_and_changes_nothing(batch, db_file, tmp_path):
    import_batch(VALID, db_file)
    before = digest(db_file)
    text = (batch / "referrals.csv").read_text()
    (batch / "referrals.csv").write_text(text.replace("referral_date,", "referal_date,", 1))
    with pytest.raises(BatchRefused) as info:
        import_batch(batch, db_file)
    err = info.value
    assert err.file == "referrals.csv"
    assert err.column == "referral_date"
    assert "required column is missing" in err.rule
    assert "referrals.csv" in str(err) and "referral_date" in str(err)
    assert digest(db_file) == before


def test_refused_batch_on_a_new_database_creates_nothing(batch, db_file):
    (batch / "practices.csv").write_text("practice_name\nElm\n")
    with pytest.raises(BatchRefused):
        import_batch(batch, db_file)
    assert not db.exists(db_file)


def test_optional_columns_may_be_left_out(tmp_path, db_file):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "practices.csv").write_text("practice_code,practice_name\nA86012,Elm\n")
    result = import_batch(folder, db_file)
    assert result.loaded == {"practices": 1}
    assert rows(db_file, "select role, list_size from practices") == [("pilot", None)]


def test_headers_are_case_insensitive_and_unknown_columns_warn(tmp_path, db_file):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "Practices.CSV").write_text(
        " Practice_Code ,PRACTICE_NAME,Colour\nA86012,Elm,green\n"
    )
    result = import_batch(folder, db_file)
    assert result.loaded == {"practices": 1}
    assert any("'colour'" in w and "ignored" in w for w in result.warnings)


def test_unknown_file_warns(batch, db_file):
    (batch / "notes.csv").write_text("a\n1\n")
    result = import_batch(batch, db_file)
    assert any(w.startswith("notes.csv") for w in result.warnings)


def test_duplicate_header_refuses(tmp_path, db_file):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "practices.csv").write_text("practice_code,practice_name,Practice_Name\nA86012,E,F\n")
    with pytest.raises(BatchRefused, match="appears twice"):
        import_batch(folder, db_file)


def test_row_with_too_many_fields_is_rejected_and_one_far_too_long_refuses(tmp_path, db_file):
    folder = tmp_path / "b"
    folder.mkdir()
    # An unquoted "5,000" gives the row one field more than the header: that row is rejected.
    (folder / "practices.csv").write_text(PRACTICES_HEADER + "\nA86012,Elm,,,5,000,pilot\n")
    result = import_batch(folder, db_file)
    assert result.rejected == {"practices": 1} and result.loaded == {"practices": 0}
    # A line with more spare fields than the reader keeps refuses the file.
    (folder / "practices.csv").write_text(PRACTICES_HEADER + "\nA86012" + ",x" * 30 + "\n")
    with pytest.raises(BatchRefused, match="cannot be read as CSV") as info:
        import_batch(folder, db_file)
    assert info.value.file == "practices.csv"
    assert "line 2 of the file" in info.value.rule


def test_empty_file_and_no_contract_files_refuse(tmp_path, db_file):
    folder = tmp_path / "b"
    folder.mkdir()
    with pytest.raises(BatchRefused, match="no contract files"):
        import_batch(folder, db_file)
    (folder / "practices.csv").write_text("")
    with pytest.raises(BatchRefused, match="empty"):
        import_batch(folder, db_file)


# --- encodings ----------------------------------------------------------------------------


def test_windows_1252_is_decoded(tmp_path, db_file):
    folder = tmp_path / "b"
    folder.mkdir()
    name = "Café £5 Surgery’s"
    (folder / "practices.csv").write_bytes(
        (PRACTICES_HEADER + f"\r\nA86012,{name},,,100,\r\n").encode("cp1252")
    )
    import_batch(folder, db_file)
    assert rows(db_file, "select practice_name from practices") == [(name,)]


def test_utf8_with_bom_is_read(tmp_path, db_file):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "practices.csv").write_bytes(
        b"\xef\xbb\xbf" + (PRACTICES_HEADER + "\nA86012,Crème,,,1,\n").encode("utf-8")
    )
    result = import_batch(folder, db_file)
    assert result.loaded == {"practices": 1}
    assert rows(db_file, "select practice_name from practices") == [("Crème",)]


def test_undecodable_bytes_refuse(tmp_path, db_file):
    folder = tmp_path / "b"
    folder.mkdir()
    # 0x81 is not valid UTF-8 here and has no character in Windows-1252.
    (folder / "practices.csv").write_bytes(PRACTICES_HEADER.encode() + b"\nA86012,X\x81,,,1,\n")
    with pytest.raises(BatchRefused, match="neither UTF-8 nor Windows-1252"):
        import_batch(folder, db_file)


def test_utf16_refuses(tmp_path, db_file):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "practices.csv").write_bytes(
        (PRACTICES_HEADER + "\nA86012,X,,,1,\n").encode("utf-16")
    )
    with pytest.raises(BatchRefused, match="UTF-16"):
        import_batch(folder, db_file)


# --- input forms --------------------------------------------------------------------------


def test_zip_with_subfolder(tmp_path, db_file):
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in VALID.glob("*.csv"):
            zf.write(f, f"export-2025/{f.name}")
        zf.writestr("__MACOSX/export-2025/._practices.csv", "junk")
    result = import_batch(archive, db_file)
    assert result.loaded == BASE_ROWS
    assert set(json.loads(rows(db_file, "select file_checksums from import_batches")[0][0])) == {
        f"export-2025/{f.name}" for f in VALID.glob("*.csv")
    }


def test_xlsx_with_date_cells(tmp_path, db_file):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet("practices")
    ws.append(["practice_code", "practice_name", "list_size"])
    ws.append(["A86012", "Elm", 9000])
    ws = wb.create_sheet("Patients")
    ws.append(["patient_id", "practice_code", "birth_year"])
    ws.append(["P1", "A86012", 1970])
    ws = wb.create_sheet("referrals")
    ws.append(["referral_id", "patient_id", "practice_code", "referral_date", "symptom_months"])
    ws.append(["R1", "P1", "A86012", dt.datetime(2025, 4, 3), 12.0])
    ws.append(["R2", "P1", "A86012", "03/04/2025", 6])
    ws = wb.create_sheet("healthcare_use")
    ws.append(["patient_id", "month", "gp_appointments"])
    ws.append(["P1", dt.datetime(2024, 12, 1), 2])
    ws = wb.create_sheet("Notes")
    ws.append(["anything"])
    path = tmp_path / "batch.xlsx"
    wb.save(path)

    result = import_batch(path, db_file)
    assert result.rejected == dict.fromkeys(result.loaded, 0)
    assert result.loaded == {"practices": 1, "patients": 1, "referrals": 2, "healthcare_use": 1}
    assert any("Notes" in w for w in result.warnings)
    assert rows(
        db_file, "select referral_id, referral_date, symptom_months from referrals order by 1"
    ) == [
        ("R1", dt.date(2025, 4, 3), 12),
        ("R2", dt.date(2025, 4, 3), 6),
    ]
    assert rows(db_file, "select month from healthcare_use") == [(dt.date(2024, 12, 1),)]


def test_uploads_of_csvs_and_of_a_zip(tmp_path, db_file):
    files = [(f.name, f.read_bytes()) for f in sorted(VALID.glob("*.csv"))]
    result = import_uploads(files, db_file, run_by="tester")
    assert result.loaded == BASE_ROWS
    assert rows(db_file, "select run_by, status from import_batches") == [("tester", "loaded")]

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in files:
            zf.writestr(name, content)
    again = import_uploads([("batch.zip", buf.getvalue())], db_file)
    assert again.status == "unchanged"

    with pytest.raises(BatchRefused, match="not both"):
        import_uploads([("batch.zip", buf.getvalue()), files[0]], db_file)


# --- idempotency, updates -----------------------------------------------------------------


def test_same_batch_twice_changes_nothing(db_file):
    first = import_batch(VALID, db_file)
    contents = table_contents(db_file)
    second = import_batch(VALID, db_file)
    assert first.status == "loaded" and second.status == "unchanged"
    assert second.loaded == first.loaded and sum(second.changed.values()) == 0
    assert table_contents(db_file) == contents
    assert rows(db_file, "select status from import_batches order by imported_at, status") == [
        ("loaded",),
        ("unchanged",),
    ]


def test_later_batch_updates_by_key_and_keeps_the_rest(tmp_path, db_file):
    import_batch(VALID, db_file)
    later = tmp_path / "later"
    later.mkdir()
    header = ",".join(contract.table("referrals").column_names)
    # R1 is now discharged; R3 is new; R2 is not mentioned and must be kept.
    (later / "referrals.csv").write_text(
        header + "\nR1,P1,A86012,2025-01-10,gp,fibromyalgia,12,accepted,2025-01-12,W1,2025-01-20,"
        "2025-02-01,2025-06-30,goals_met" + "\nR3,P2,A86012,2025-05-01,nurse,ibs,4,,,,,,,\n"
    )
    result = import_batch(later, db_file)
    assert result.status == "loaded"
    assert result.loaded == {"referrals": 2} and result.changed == {"referrals": 2}
    assert rows(
        db_file, "select referral_id, discharge_date, discharge_reason from referrals order by 1"
    ) == [
        ("R1", dt.date(2025, 6, 30), "goals_met"),
        ("R2", None, None),
        ("R3", None, None),
    ]
    assert rows(db_file, "select count(*) from contacts") == [(2,)]


def test_import_batches_row(db_file):
    import_batch(VALID, db_file, run_by="alice", is_demo=True)
    ((source, checksums, loaded, rejected_json, lt, rt, status, run_by, is_demo),) = rows(
        db_file,
        "select source_name, file_checksums, rows_loaded, rows_rejected, rows_loaded_total, "
        "rows_rejected_total, status, run_by, is_demo from import_batches",
    )
    assert source == "valid_batch"
    assert json.loads(checksums)["practices.csv"] == digest(VALID / "practices.csv")
    assert json.loads(loaded) == BASE_ROWS and lt == sum(BASE_ROWS.values()) == 14
    assert json.loads(rejected_json) == dict.fromkeys(BASE_ROWS, 0) and rt == 0
    assert (status, run_by, is_demo) == ("loaded", "alice", True)


# --- safety -------------------------------------------------------------------------------


def test_exception_mid_import_changes_nothing(batch, db_file, monkeypatch, tmp_path):
    import_batch(VALID, db_file)
    before = digest(db_file)

    def boom(con, *changed):
        raise RuntimeError("derived tables failed")

    (batch / "contacts.csv").write_text((batch / "contacts.csv").read_text().replace("60", "61"))
    monkeypatch.setattr(db, "apply_derived", boom)
    with pytest.raises(RuntimeError):
        import_batch(batch, db_file)
    assert digest(db_file) == before
    assert not list(db_file.parent.glob("*.tmp-*"))


def test_apply_derived_runs_derive_queries_in_order(tmp_path, monkeypatch):
    import duckdb

    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "derive_b.sql").write_text("create or replace table b as select count(*) n from a")
    (queries / "derive_a.sql").write_text("create or replace table a as select 1 as x")
    (queries / "other.sql").write_text("select 1/0")
    monkeypatch.setattr(db, "QUERIES_DIR", queries)
    con = duckdb.connect()
    db.ensure_schema(con)
    db.apply_derived(con)
    assert con.execute("select n from b").fetchall() == [(1,)]


def test_rejected_rows_are_kept_per_batch(batch, db_file):
    """A file sent again unchanged records its rejections once, under the latest batch (issue
    14: 7 rejected rows became 77 after 10 identical imports); another file's are its own."""
    (batch / "contacts.csv").write_text(
        (batch / "contacts.csv").read_text() + "C9,R9,2025-01-20,phone,5,attended\n"
    )
    first = import_batch(batch, db_file)
    second = import_batch(batch, db_file)
    recs = rejected(db_file, "contacts")
    assert {r["batch_id"] for r in recs} == {second.batch_id} != {first.batch_id}
    assert len(recs) == 1
    assert second.status == "unchanged"
