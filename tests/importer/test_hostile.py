"""The importer under hostile files (issue 14): each attack found by a tester, as a class.

NHS numbers in any spelling and any text column, identifiers a spreadsheet mangled, very wide
files, batches that reject everything, zip bombs, workbooks with formulas, merged cells and
hidden sheets, special files in a folder, stalled and killed imports, and names carrying
terminal escape sequences.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest
from importer_helpers import append_row, raw, rejected, rows
from test_row_rules import line

from wellpath import contract
from wellpath.importer import BatchRefused, import_batch

NHS = "9434765919"  # valid: weights 10..2 give 299; 299 mod 11 = 2; 11 - 2 = 9
FW = "".join(chr(0xFF10 + int(d)) for d in NHS)
# The ten spellings of issue 14, each a valid NHS number once normalised.
TEN_SPELLINGS = [
    "943.476.5919",
    "943/476/5919",
    "943\u00a0476\u00a05919",  # non-breaking spaces
    "943\u2013476\u20135919",  # en dashes
    "'9434765919",  # Excel's text marker
    "9434765919.0",
    "9.434765919E+09",
    FW,  # full-width digits
    "NHS 9434765919",
    "9434765919\u200b",  # trailing zero-width space
]


def _no_nhs_number_stored(db_file: Path) -> None:
    """The number's digits appear nowhere in the file: not in a table, a rejected row's
    value, rule or raw_row, nor the import log."""
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = current_database()"
            ).fetchall()
        ]
        for table in tables:
            for row in con.execute(f'select * from "{table}"').fetchall():  # noqa: S608
                text = " ".join(str(v) for v in row if v is not None)
                digits = "".join(
                    str(int(ch)) if ch.isdigit() else ch for ch in text if ch.isdigit()
                )
                assert "4765919" not in digits, (table, row)
    finally:
        con.close()


@pytest.mark.parametrize("sent", TEN_SPELLINGS)
def test_ten_spellings_of_an_nhs_number_in_patient_id_are_refused(batch, db_file, sent):
    assert contract.is_nhs_number(sent)
    append_row(batch, "patients", line("patients", patient_id=f'"{sent}"'))
    result = import_batch(batch, db_file)
    assert result.rejected["patients"] == 1
    rec = rejected(db_file, "patients")
    assert any("is a valid NHS number" in r["rule"] for r in rec)
    _no_nhs_number_stored(db_file)


_COLUMNS = [
    ("referrals", "referral_id"),
    ("contacts", "contact_id"),
    ("link_workers", "worker_id"),
    ("link_workers", "display_name"),
    ("practices", "practice_name"),
    ("practices", "pcn_name"),
    ("practices", "pcn_code"),
    ("goals", "goal_id"),
    ("assessments", "assessment_id"),
]
_SPELLINGS = [NHS, "943\u2013476\u20135919", "NHS 9434765919", FW, "9.434765919E+09"]


@pytest.mark.parametrize(
    ("table", "column", "sent"),
    [(t, c, _SPELLINGS[i % len(_SPELLINGS)]) for i, (t, c) in enumerate(_COLUMNS)]
    + [("practices", "practice_name", s) for s in _SPELLINGS[1:]],
)
def test_an_nhs_number_in_any_text_column_is_refused_and_stored_nowhere(
    batch, db_file, table, column, sent
):
    append_row(batch, table, line(table, **{column: f'"{sent}"'}))
    result = import_batch(batch, db_file)
    assert result.rejected[table] == 1, rejected(db_file, table)
    recs = [r for r in rejected(db_file, table) if r["column_name"] == column]
    assert any("holds an NHS number" in r["rule"] for r in recs), recs
    assert all(raw(r)[column] == "(NHS number removed)" for r in recs)
    _no_nhs_number_stored(db_file)


def test_an_nhs_number_inside_a_name_is_refused(batch, db_file):
    append_row(batch, "practices", line("practices", practice_name='"Elm Surgery 943 476 5919"'))
    result = import_batch(batch, db_file)
    assert result.rejected["practices"] == 1
    _no_nhs_number_stored(db_file)


@pytest.mark.parametrize("sent", ["P-9434765919", "9434765918", "REF-2025-0001", "W.1"])
def test_identifiers_that_are_not_nhs_numbers_load(batch, db_file, sent):
    """An identifier is an NHS number only whole: a pseudonym with a prefix is not one."""
    append_row(batch, "link_workers", line("link_workers", worker_id=f'"{sent}"'))
    assert import_batch(batch, db_file).rejected["link_workers"] == 0


@pytest.mark.parametrize("sent", ["Elm Surgery, 12 High St", "Unit 9434765918", "0161 234 5678"])
def test_names_that_hold_no_nhs_number_load(batch, db_file, sent):
    append_row(batch, "practices", line("practices", practice_name=f'"{sent}"'))
    assert import_batch(batch, db_file).rejected["practices"] == 0


def test_nhs_number_sql_and_python_agree_on_every_spelling():
    from wellpath.importer.rules import nhs_in_text_sql, nhs_number_sql

    con = duckdb.connect()
    cases = [*TEN_SPELLINGS, "9434765918", "P-9434765919", "A86012 9434765919", "1.23E+05"]
    cases += ["nhs no: 943 476 5919", "9-4-3-4-7-6-5-9-1-9", "94347659190", "", "Elm"]
    for v in cases:
        got = con.execute(f"select {nhs_number_sql('$v')}, {nhs_in_text_sql('$v')}", {"v": v})
        assert got.fetchone() == (contract.is_nhs_number(v), contract.contains_nhs_number(v)), v


# --- identifiers read as text -------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "phrase"),
    [
        ("1.23E+05", "scientific notation"),
        ("1.23e5", "scientific notation"),
        ("12345.0", "decimal point and zeros"),
        ("W\u200b1", "invisible or control character (U+200B)"),
        ("W1\u2060", "invisible or control character (U+2060)"),
        ("W\u00a01", "invisible or control character (U+00A0)"),
    ],
)
def test_identifiers_a_spreadsheet_mangled_are_refused(batch, db_file, sent, phrase):
    append_row(batch, "link_workers", line("link_workers", worker_id=sent))
    result = import_batch(batch, db_file)
    assert result.rejected["link_workers"] == 1
    recs = rejected(db_file, "link_workers")
    assert any(phrase in r["rule"] for r in recs), recs


def test_long_digit_identifiers_are_kept_exactly(batch, db_file):
    append_row(batch, "link_workers", line("link_workers", worker_id="1234567890123456789"))
    import_batch(batch, db_file)
    assert rows(db_file, "select worker_id from link_workers where worker_id like '1234%'") == [
        ("1234567890123456789",)
    ]


def test_two_patients_do_not_collapse_into_one(batch, db_file):
    append_row(batch, "patients", line("patients", patient_id="123000"))
    append_row(batch, "patients", line("patients", patient_id="1.23E+05"))
    result = import_batch(batch, db_file)
    assert result.rejected["patients"] == 1
    assert rows(db_file, "select patient_id from patients where patient_id like '123%'") == [
        ("123000",)
    ]


# --- wide files ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", [300, 1000])
def test_a_wide_file_with_one_bad_row_is_quick_and_clear(batch, db_file, width):
    """Excel's empty trailing columns: ignored; one bad row costs what it does in a narrow
    file (it took 26 s at 300 columns and failed with 'Max expression depth' at 1,000)."""
    path = batch / "contacts.csv"
    lines = path.read_text().strip().split("\n")
    pad = "," * (width - len(lines[0].split(",")))
    lines = [ln + pad for ln in lines]
    lines.append("C3,R1,2025-03-01,phone,999,attended" + pad)
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    result = import_batch(batch, db_file)
    took = time.perf_counter() - start
    assert result.rejected["contacts"] == 1
    assert took < 10, took
    rec = rejected(db_file, "contacts")[0]
    assert "minutes" in rec["rule"]
    assert len(raw(rec)) == 6  # the empty trailing columns are not columns
    assert not result.warnings


def test_a_file_with_a_thousand_named_columns_and_a_bad_row(batch, db_file):
    path = batch / "contacts.csv"
    lines = path.read_text().strip().split("\n")
    lines[0] += "," + ",".join(f"extra_{i}" for i in range(994))
    lines[1:] = [ln + "," * 994 for ln in lines[1:]]
    lines.append("C3,R1,2025-03-01,phone,999,attended" + ",x" * 994)
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    result = import_batch(batch, db_file)
    assert time.perf_counter() - start < 15
    assert result.rejected["contacts"] == 1
    assert raw(rejected(db_file, "contacts")[0])["extra_993"] == "x"


def test_a_value_under_a_nameless_trailing_column_is_kept_in_the_record(batch, db_file):
    path = batch / "contacts.csv"
    lines = path.read_text().strip().split("\n")
    lines = [ln + ",,," for ln in lines]
    lines.append("C3,R1,2025-03-01,phone,999,attended,,note,")
    path.write_text("\n".join(lines) + "\n")
    result = import_batch(batch, db_file)
    assert result.rejected["contacts"] == 1
    sent = raw(rejected(db_file, "contacts")[0])
    assert sent["column_8"] == "note" and "column_7" not in sent


def test_refusal_is_a_batch_refused_not_a_traceback(batch, db_file):
    (batch / "contacts.csv").write_text("contact_id,referral_id\n" + "x" * 10 + "\n")
    with pytest.raises(BatchRefused):
        import_batch(batch, db_file)


# --- rejections ---------------------------------------------------------------------------


def _contacts(batch: Path, n_good: int, n_bad: int) -> None:
    lines = ["contact_id,referral_id,contact_date,mode,minutes,attendance"]
    lines += [f"G{i},R1,2025-03-01,phone,30,attended" for i in range(n_good)]
    lines += [f"B{i},R1,2025-03-01,phone,999,attended" for i in range(n_bad)]
    (batch / "contacts.csv").write_text("\n".join(lines) + "\n")


def test_a_batch_rejecting_more_than_the_cap_is_refused(batch, db_file):
    from wellpath.importer import limits

    _contacts(batch, 100_000, limits.MAX_REJECTED_ROWS + 1)
    with pytest.raises(BatchRefused) as err:
        import_batch(batch, db_file)
    assert "10,001 of its 110,001 rows break" in err.value.rule
    assert "minutes: 10,001 rows" in err.value.rule
    assert "at most 10,000 rows" in err.value.rule
    assert not db_file.exists()


def test_a_file_mostly_rejected_is_refused(batch, db_file):
    _contacts(batch, 90, 150)
    with pytest.raises(BatchRefused) as err:
        import_batch(batch, db_file)
    assert "at most 50% of its rows" in err.value.rule


def test_a_small_file_with_some_rejections_still_loads(batch, db_file):
    _contacts(batch, 1, 3)
    assert import_batch(batch, db_file).rejected["contacts"] == 3


def test_a_batch_sent_again_records_its_rejections_once(batch, db_file):
    append_row(batch, "contacts", "C3,R1,2025-03-01,phone,999,attended")
    first = import_batch(batch, db_file)
    for _ in range(3):
        again = import_batch(batch, db_file)
    assert again.status == "unchanged" and again.rejected["contacts"] == 1
    recs = rejected(db_file, "contacts")
    assert len(recs) == 1 and recs[0]["batch_id"] == again.batch_id != first.batch_id
    # A changed file is another file: its rejections are its own.
    append_row(batch, "contacts", "C4,R1,2025-03-01,phone,998,attended")
    import_batch(batch, db_file)
    assert len(rejected(db_file, "contacts")) == 3


# --- demo data and the service's own data (issue 11) --------------------------------------


def _cli(*args: str):
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [sys.executable, "-m", "wellpath", *args],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_real_files_into_a_demo_database_are_refused_saying_how_to_start_your_own(batch, db_file):
    from importer_helpers import VALID

    from wellpath import db

    import_batch(VALID, db_file, is_demo=True)
    before = db_file.read_bytes()
    with pytest.raises(BatchRefused) as err:
        import_batch(batch, db_file)
    assert "demo world" in err.value.rule
    assert "python -m wellpath init --db" in err.value.rule
    assert "Start your service's own database" in err.value.rule
    assert db_file.read_bytes() == before  # no real row in a demo database
    assert db.file_kind(db_file) == db.DEMO


def test_the_demo_world_is_never_built_into_a_services_database(batch, db_file):
    from wellpath import db

    import_batch(batch, db_file)
    assert db.file_kind(db_file) == db.OWN
    with pytest.raises(BatchRefused, match="service's own data"):
        import_batch(batch, db_file, is_demo=True)


def test_init_creates_an_empty_own_database_and_never_overwrites(tmp_path, batch):
    from wellpath import db

    path = tmp_path / "own.duckdb"
    done = _cli("init", "--db", str(path))
    assert done.returncode == 0, done.stderr
    assert f"WELLPATH_DB={path}" in done.stdout
    assert db.file_kind(path) == db.OWN
    assert rows(path, "select count(*) from referrals") == [(0,)]
    before = path.read_bytes()
    again = _cli("init", "--db", str(path))
    assert again.returncode == 1 and "never overwrites" in again.stderr
    assert path.read_bytes() == before
    assert import_batch(batch, path).status == "loaded"
    # A demo file is not overwritten by init either.
    demo_file = tmp_path / "demo.duckdb"
    import_batch(batch, demo_file, is_demo=True)
    assert _cli("init", "--db", str(demo_file)).returncode == 1
    assert db.file_kind(demo_file) == db.DEMO
