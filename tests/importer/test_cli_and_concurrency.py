"""The command line's exit codes, and importing while the dashboard keeps reading."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
from importer_helpers import BASE_ROWS, VALID

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "wellpath", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_exit_0_prints_loaded_and_rejected(tmp_path):
    db_file = tmp_path / "w.duckdb"
    done = cli("import", str(VALID), "--db", str(db_file), "--run-by", "cli-test")
    assert done.returncode == 0, done.stderr
    assert ": loaded" in done.stdout
    lines = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()[2:]}
    assert lines["referrals"] == ["2", "0"]
    assert lines["contacts"] == [str(BASE_ROWS["contacts"]), "0"]


def test_cli_exit_1_names_file_column_rule(tmp_path):
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "practices.csv").write_text("practice_code,name\nA86012,Elm\n")
    db_file = tmp_path / "w.duckdb"
    done = cli("import", str(folder), "--db", str(db_file))
    assert done.returncode == 1
    assert "practices.csv" in done.stderr
    assert "practice_name" in done.stderr
    assert "required column is missing" in done.stderr
    assert not db_file.exists()


def test_cli_exit_2_for_usage_errors(tmp_path):
    assert (
        cli("import", str(tmp_path / "nowhere"), "--db", str(tmp_path / "w.duckdb")).returncode == 2
    )
    assert cli("import").returncode == 2
    assert cli("frobnicate").returncode == 2


def test_import_from_another_process_while_a_reader_keeps_querying(tmp_path):
    db_file = tmp_path / "w.duckdb"
    first = tmp_path / "first"
    first.mkdir()
    (first / "practices.csv").write_text("practice_code,practice_name\nA86012,Elm\n")
    assert cli("import", str(first), "--db", str(db_file)).returncode == 0

    reader = duckdb.connect(str(db_file), read_only=True)
    errors: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()

    def keep_reading() -> None:
        try:
            while not stop.is_set():
                counts.append(
                    reader.cursor().execute("select count(*) from practices").fetchone()[0]
                )
                time.sleep(0.01)
        except BaseException as exc:  # the test fails on any error, so keep it
            errors.append(exc)

    thread = threading.Thread(target=keep_reading)
    thread.start()
    try:
        done = cli("import", str(VALID), "--db", str(db_file))
    finally:
        time.sleep(0.2)
        stop.set()
        thread.join()
    assert done.returncode == 0, done.stderr
    assert not errors
    assert counts and set(counts) == {1}  # the open connection keeps reading the old file
    reader.close()

    again = duckdb.connect(str(db_file), read_only=True)
    assert again.execute("select count(*) from practices").fetchone()[0] == 2
    again.close()


def test_reader_in_the_same_process_sees_the_new_file(tmp_path):
    """DuckDB hands back an instance already open on a path; the dashboard's reader must not
    keep reading the old file after an import swapped the new one in."""
    from wellpath import db
    from wellpath.importer import import_batch

    db_file = tmp_path / "w.duckdb"
    first = tmp_path / "first"
    first.mkdir()
    (first / "practices.csv").write_text("practice_code,practice_name\nA86012,Elm\n")
    import_batch(first, db_file)
    old = db.connect_read_only(db_file)  # stays open, as the dashboard's cached connection does
    assert db.run_query(old, "practice_list").shape[0] == 1
    import_batch(VALID, db_file)
    new = db.connect_read_only(db_file)
    assert db.run_query(new, "practice_list").shape[0] == 2
    assert db.run_query(old, "practice_list").shape[0] == 1
    old.close()
    new.close()


def test_cli_upgrade_brings_a_stale_file_up_to_date_once(tmp_path):
    from wellpath import db

    db_file = tmp_path / "w.duckdb"
    assert cli("import", str(VALID), "--db", str(db_file)).returncode == 0
    with db.writer(db_file) as con:  # as a file written by another version of Wellpath
        db.set_meta(con, "code_version", "an older version")
        con.execute("drop table referral_facts")
    assert not db.is_current(db_file)
    done = cli("upgrade", "--db", str(db_file))
    assert done.returncode == 0, done.stderr
    assert "Upgraded" in done.stdout
    assert db.is_current(db_file)
    con = db.connect_read_only(db_file)
    try:  # the derived tables are rebuilt from the data sent in, which is unchanged
        facts = con.execute("select count(*) from referral_facts").fetchone()[0]
        referrals = con.execute("select count(*) from referrals").fetchone()[0]
    finally:
        con.close()
    assert facts == referrals == 2
    again = cli("upgrade", "--db", str(db_file))
    assert again.returncode == 0 and "Already up to date" in again.stdout
    missing = cli("upgrade", "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 2 and "no Wellpath database" in missing.stderr
