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


# --- zip bombs and the worker -------------------------------------------------------------


def _bomb(path: Path, inflated: int) -> Path:
    import zipfile

    header = b"contact_id,referral_id,contact_date,mode,minutes,attendance\n"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("contacts.csv", "w", force_zip64=True) as fh,
    ):
        fh.write(header)
        chunk = b"," * (8 * 1024 * 1024)
        for _ in range(inflated // len(chunk)):
            fh.write(chunk)
    return path


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path, db_file):
    source = _bomb(tmp_path / "bomb.zip", 64 * 1024 * 1024)
    assert source.stat().st_size < 200_000
    start = time.perf_counter()
    with pytest.raises(BatchRefused) as err:
        import_batch(source, db_file)
    assert time.perf_counter() - start < 5
    assert "zip bomb" in err.value.rule and "inflates" in err.value.rule
    assert not db_file.exists()


def test_a_zip_that_lies_about_its_size_stops_at_what_it_declared(tmp_path, db_file, batch):
    import zipfile

    from wellpath.importer import sources

    source = tmp_path / "liar.zip"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(batch.glob("*.csv")):
            zf.write(p, p.name)
    zf = zipfile.ZipFile(source)
    info = zf.getinfo("contacts.csv")
    info.file_size = 10  # the central directory says 10 bytes
    with pytest.raises((BatchRefused, zipfile.BadZipFile)):
        sources._copy_member(zf, info, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").stat().st_size <= 10


def test_too_many_zip_members_and_too_large_uploads_are_refused(tmp_path, db_file):
    import zipfile

    from wellpath.importer import import_uploads, limits

    source = tmp_path / "many.zip"
    with zipfile.ZipFile(source, "w") as zf:
        for i in range(limits.MAX_ZIP_MEMBERS + 1):
            zf.writestr(f"f{i}.txt", "")
    with pytest.raises(BatchRefused, match="at most 1,000"):
        import_batch(source, db_file)
    big = [("referrals.csv", b"x" * (limits.MAX_UPLOAD_BYTES + 1))]
    with pytest.raises(BatchRefused, match="an upload may be at most 200 MB"):
        import_uploads(big, db_file)


def test_the_page_imports_in_a_worker_and_reports_a_structured_result(tmp_path):
    from importer_helpers import VALID

    from wellpath.importer import worker

    files = [(p.name, p.read_bytes()) for p in sorted(VALID.glob("*.csv"))]
    done = worker.run_upload(files, tmp_path / "w.duckdb", "tests")
    assert done.error is None and done.refused is None
    assert done.result.status == "loaded" and done.result.loaded["referrals"] == 2
    refused = worker.run_upload([("practices.csv", b"name\nElm\n")], tmp_path / "w.duckdb", None)
    assert refused.refused is not None and "header row" in refused.refused.rule


def test_running_out_of_memory_in_the_worker_is_a_plain_message(tmp_path):
    from importer_helpers import VALID

    from wellpath.importer import worker

    files = [(p.name, p.read_bytes()) for p in sorted(VALID.glob("*.csv"))]
    done = worker.run_upload(files, tmp_path / "w.duckdb", None, memory_bytes=300 * 1024 * 1024)
    assert done.result is None and done.refused is None
    assert "ran out of memory" in done.error
    assert "Traceback" not in done.error
    assert not (tmp_path / "w.duckdb").exists()


def test_a_worker_bomb_upload_is_refused_without_touching_the_server(tmp_path):
    from wellpath.importer import worker

    source = _bomb(tmp_path / "bomb.zip", 64 * 1024 * 1024)
    done = worker.run_upload([("bomb.zip", source.read_bytes())], tmp_path / "w.duckdb", None)
    assert done.refused is not None and "zip bomb" in done.refused.rule


# --- true messages ------------------------------------------------------------------------


def test_a_3_mb_cell_is_called_what_it_is(batch, db_file):
    append_row(batch, "practices", 'A86099,"' + "x" * 3_000_000 + '",,,,')
    with pytest.raises(BatchRefused) as err:
        import_batch(batch, db_file)
    assert "3,000,0" in err.value.rule and "bytes long" in err.value.rule
    assert "line break" not in err.value.rule


def test_a_memory_error_while_reading_is_not_called_bad_csv(batch, db_file, monkeypatch):
    import duckdb as ddb

    from wellpath.importer import load

    real = load._stage

    def oom(con, f):
        raise ddb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    monkeypatch.setattr(load, "_stage", oom)
    with pytest.raises(ddb.OutOfMemoryException):
        import_batch(batch, db_file)
    assert load.is_memory_error(ddb.OutOfMemoryException("x"))
    del real


# --- folders, locks and leftovers ---------------------------------------------------------


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom"])
def test_a_link_to_a_device_in_a_folder_is_never_read(batch, db_file, target):
    import os

    os.symlink(target, batch / "notes.csv")
    os.remove(batch / "prescriptions.csv")
    os.symlink(target, batch / "prescriptions.csv")
    start = time.perf_counter()
    with pytest.raises(BatchRefused) as err:
        import_batch(batch, db_file)
    assert time.perf_counter() - start < 5
    assert err.value.file == "prescriptions.csv" and "a device" in err.value.rule
    (batch / "prescriptions.csv").unlink()
    result = import_batch(batch, db_file)  # an unrelated name: skipped with a message
    assert any("notes.csv" in w and "a device" in w for w in result.warnings)


def test_a_named_pipe_in_a_folder_is_never_opened(batch, db_file):
    import os

    os.mkfifo(batch / "goals.csv.tmp")
    os.remove(batch / "goals.csv")
    os.mkfifo(batch / "goals.csv")
    start = time.perf_counter()
    with pytest.raises(BatchRefused, match="a named pipe"):
        import_batch(batch, db_file)
    assert time.perf_counter() - start < 5


def test_a_waiting_import_says_who_holds_the_lock_and_gives_up(batch, db_file):
    import fcntl
    import json
    import os
    import socket

    from wellpath import db

    import_batch(batch, db_file)
    lock = db_file.with_name(db_file.name + ".lock")
    held = open(lock, "a+")  # noqa: SIM115
    fcntl.flock(held, fcntl.LOCK_EX)
    held.seek(0)
    held.truncate()
    held.write(
        json.dumps(
            {"pid": os.getpid(), "host": socket.gethostname(), "since": "2026-03-04T09:15:00"}
        )
    )
    held.flush()
    said: list[str] = []
    try:
        with pytest.raises(db.ImportLocked) as err:
            import_batch(batch, db_file, wait=0.5, on_wait=said.append)
    finally:
        fcntl.flock(held, fcntl.LOCK_UN)
        held.close()
    message = str(err.value)
    assert f"process {os.getpid()} on {socket.gethostname()}" in message
    assert "since 09:15:00 on 4 Mar 2026" in message
    assert said and "waiting for" in said[0]


def test_a_stale_lock_of_a_dead_process_is_broken(batch, db_file):
    import fcntl
    import json
    import socket
    import subprocess
    import sys

    from wellpath import db

    import_batch(batch, db_file)
    lock = db_file.with_name(db_file.name + ".lock")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    # The lock stays held (an inherited descriptor) while its recorded holder is gone.
    held = open(lock, "a+")  # noqa: SIM115
    fcntl.flock(held, fcntl.LOCK_EX)
    held.seek(0)
    held.truncate()
    held.write(
        json.dumps({"pid": dead_pid, "host": socket.gethostname(), "since": "2026-03-04T09:15:00"})
    )
    held.flush()
    said: list[str] = []
    try:
        result = import_batch(batch, db_file, wait=5, on_wait=said.append)
    finally:
        held.close()
    assert result.status == "unchanged"
    assert any("broke a stale lock" in s for s in said)
    assert db.lock_holder(db_file) in (None, {})


def test_a_killed_imports_copy_is_removed_by_the_next_one(batch, db_file):
    import shutil

    from wellpath import db

    import_batch(batch, db_file)
    leftover = db_file.with_name(db_file.name + ".tmp-99999")
    shutil.copy(db_file, leftover)
    leftover.with_name(leftover.name + ".wal").write_bytes(b"x")
    spill = db_file.with_name(db_file.name + ".tmp-99999.tmp")
    spill.mkdir()
    assert len(db.leftover_copies(db_file)) == 3
    import_batch(batch, db_file)
    assert db.leftover_copies(db_file) == []
    # ...and at start-up, when no import is running.
    shutil.copy(db_file, leftover)
    assert db.clean_leftovers_now(db_file) == [leftover]
    assert not leftover.exists()


def test_a_killed_import_process_leaves_nothing_after_the_next(batch, db_file):
    import os
    import signal
    import subprocess
    import sys

    from wellpath import db

    import_batch(batch, db_file)
    repo = Path(__file__).resolve().parents[2]
    code = (
        "import time; from wellpath import db; "
        f"cm = db.writable_copy(db.Path({str(db_file)!r})); con = cm.__enter__(); "
        "print('in', flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=repo,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    assert proc.stdout.readline().strip() == "in"
    assert db.leftover_copies(db_file)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    import_batch(batch, db_file)
    assert db.leftover_copies(db_file) == []


# --- escape sequences and personal data in names ------------------------------------------


def test_escape_sequences_in_zip_member_and_column_names_are_printed_escaped(tmp_path, batch):
    import zipfile

    source = tmp_path / "export.zip"
    evil = "\x1b[2J\x1b[1;1HImport OK\u202e.csv"
    with zipfile.ZipFile(source, "w") as zf:
        for p in sorted(batch.glob("*.csv")):
            text = p.read_text()
            if p.name == "contacts.csv":
                lines = text.strip().split("\n")
                lines[0] += ",\x1b]0;pwned\x07" + "John Smith born 03/04/1961 at 12 High Street"
                lines[1:] = [ln + "," for ln in lines[1:]]
                text = "\n".join(lines) + "\n"
            zf.writestr(p.name, text)
        zf.writestr(evil, "x")
    done = _cli("import", str(source), "--db", str(tmp_path / "w.duckdb"))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stderr and "\u202e" not in done.stderr and "\x07" not in done.stderr
    assert "\\x1b[2J" in done.stderr
    assert "12 High Street" not in done.stderr  # a column name cut short
    assert "…" in done.stderr
