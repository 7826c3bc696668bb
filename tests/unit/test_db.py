"""wellpath.db.writable_copy: the only way anything writes the DuckDB file.

Properties checked: a successful block is swapped in whole; an exception leaves the live file
byte-for-byte as it was and no temporary files behind; readers holding the old file keep
reading it; two writers never interleave (the second waits on the lock)."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import duckdb
import pytest

from wellpath import db


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _practice_names(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return [
            r[0] for r in con.execute("select practice_name from practices order by 1").fetchall()
        ]
    finally:
        con.close()


def _add_practice(con: duckdb.DuckDBPyConnection, code: str, name: str) -> None:
    con.execute("insert into practices (practice_code, practice_name) values (?, ?)", [code, name])


@pytest.fixture
def live(tmp_path: Path) -> Path:
    path = tmp_path / "wellpath.duckdb"
    with db.writable_copy(path) as con:
        _add_practice(con, "A86012", "West Road Medical Centre")
    return path


def _leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if ".tmp-" in p.name)


def test_first_write_creates_the_file_with_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.duckdb"
    assert db.file_identity(path) is None
    with db.writable_copy(path) as con:
        _add_practice(con, "A86017", "Cruddas Park Surgery")
    assert db.file_identity(path) is not None
    con = duckdb.connect(str(path), read_only=True)
    tables = {
        r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
    }
    con.close()
    assert {"practices", "referrals", "rejected_rows", "import_batches"} <= tables
    assert _practice_names(path) == ["Cruddas Park Surgery"]


def test_successful_write_is_swapped_in(live: Path) -> None:
    before = db.file_identity(live)
    with db.writable_copy(live) as con:
        _add_practice(con, "A86021", "Holmside Medical Group")
    assert _practice_names(live) == ["Holmside Medical Group", "West Road Medical Centre"]
    # The dashboard notices a new file by its identity: it must change on every swap.
    assert db.file_identity(live) != before
    assert _leftovers(live) == []


def test_exception_rolls_back_everything(live: Path) -> None:
    before_sha, before_id = _sha(live), db.file_identity(live)
    with pytest.raises(RuntimeError, match="crash"), db.writable_copy(live) as con:
        _add_practice(con, "A86026", "Throckley Primary Care Centre")
        con.execute("delete from practices where practice_code = 'A86012'")
        raise RuntimeError("crash part-way through an import")
    assert _sha(live) == before_sha
    assert db.file_identity(live) == before_id
    assert _practice_names(live) == ["West Road Medical Centre"]
    assert _leftovers(live) == []


def test_keyboard_interrupt_also_rolls_back(live: Path) -> None:
    before_sha = _sha(live)
    with pytest.raises(KeyboardInterrupt), db.writable_copy(live) as con:
        _add_practice(con, "A86026", "Throckley Primary Care Centre")
        raise KeyboardInterrupt
    assert _sha(live) == before_sha
    assert _leftovers(live) == []


def test_exception_on_a_missing_file_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "never.duckdb"
    with pytest.raises(ValueError), db.writable_copy(path) as con:
        _add_practice(con, "A86012", "West Road Medical Centre")
        raise ValueError("refused batch")
    assert not path.exists()
    assert _leftovers(path) == []


def test_reader_keeps_reading_the_old_file_during_and_after_a_write(live: Path) -> None:
    reader = db.connect_read_only(live)
    try:
        with db.writable_copy(live) as con:
            _add_practice(con, "A86021", "Holmside Medical Group")
            # Mid-write, the live file is untouched.
            assert reader.execute("select count(*) from practices").fetchone() == (1,)
        # After the swap the open reader still answers (from the file it opened) ...
        assert reader.execute("select count(*) from practices").fetchone() == (1,)
    finally:
        reader.close()
    # ... and a reader that reopens sees the new data.
    assert len(_practice_names(live)) == 2


def test_stale_temporary_file_from_a_killed_writer_is_ignored(live: Path) -> None:
    # A writer killed with SIGKILL leaves its copy behind; a later writer with the same pid
    # must not pick up its half-written contents.
    import os

    stale = live.with_name(f"{live.name}.tmp-{os.getpid()}")
    stale.write_bytes(b"half-written garbage")
    with db.writable_copy(live) as con:
        _add_practice(con, "A86017", "Cruddas Park Surgery")
    assert _practice_names(live) == ["Cruddas Park Surgery", "West Road Medical Centre"]
    assert not stale.exists()


def test_writers_queue_on_the_lock(live: Path) -> None:
    # flock locks belong to an open file description, so two threads of one process that
    # each open the lock file exclude each other just as two processes would.
    first_inside = threading.Event()
    release_first = threading.Event()
    second_inside = threading.Event()
    order: list[str] = []

    def first() -> None:
        with db.writable_copy(live) as con:
            _add_practice(con, "A86021", "Holmside Medical Group")
            order.append("first in")
            first_inside.set()
            release_first.wait(10)
            order.append("first out")

    def second() -> None:
        first_inside.wait(10)
        with db.writable_copy(live) as con:
            order.append("second in")
            second_inside.set()
            _add_practice(con, "A86026", "Throckley Primary Care Centre")

    t1, t2 = threading.Thread(target=first), threading.Thread(target=second)
    t1.start()
    t2.start()
    assert first_inside.wait(10)
    time.sleep(0.5)
    assert not second_inside.is_set(), "second writer entered while the first held the lock"
    release_first.set()
    t1.join(10)
    t2.join(10)
    assert order == ["first in", "first out", "second in"]
    # The second writer copied the file after the first swapped in, so both changes survive.
    assert _practice_names(live) == [
        "Holmside Medical Group",
        "Throckley Primary Care Centre",
        "West Road Medical Centre",
    ]


def test_query_parameters_and_header_of_a_real_query() -> None:
    assert db.query_header("practice_list")["scope"] == "none"
    assert db.query_parameters("practice_list") == frozenset()


def test_default_db_path_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WELLPATH_DB", str(tmp_path / "x.duckdb"))
    assert db.default_db_path() == (tmp_path / "x.duckdb").resolve()
    monkeypatch.delenv("WELLPATH_DB")
    assert db.default_db_path() == db.DEFAULT_DB


def test_a_file_from_another_version_is_upgraded_without_touching_its_data(tmp_path):
    # A file written before wellpath_meta existed (or by another version) is not current;
    # upgrade() rebuilds the derived tables, records this version, and keeps the contract
    # tables exactly as they were.
    import duckdb

    from wellpath import db

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    db.ensure_schema(con)
    con.execute(
        "insert into practices values ('A86012', 'West Road', 'U44695', 'West End', 10700, 'pilot')"
    )
    con.execute("insert or replace into wellpath_meta values ('code_version', 'older')")
    con.close()
    assert not db.is_current(path)

    db.upgrade(path)

    assert db.is_current(path)
    check = db.connect_read_only(path)
    try:
        cur = check.cursor()
        db.use_attached(cur)
        assert cur.execute("select practice_code, list_size from practices").fetchall() == [
            ("A86012", 10700)
        ]
        tables = {r[0] for r in cur.execute("select table_name from duckdb_tables()").fetchall()}
        assert {"referral_facts", "assessment_scores"} <= tables
    finally:
        check.close()


def test_an_upgrade_another_writer_already_made_is_not_made_again(tmp_path, monkeypatch):
    # Twenty sessions opening a stale file all ask for the upgrade and queue on the lock:
    # only the first may rebuild the derived tables; the others find the file current (here
    # the check before the lock is fooled, as when two sessions look at the same moment).
    import duckdb

    from wellpath import db

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    db.ensure_schema(con)
    con.execute("insert or replace into wellpath_meta values ('code_version', 'older')")
    con.close()
    db.upgrade(path)
    inode, mtime = path.stat().st_ino, path.stat().st_mtime_ns
    rebuilt = []
    monkeypatch.setattr(db, "is_current", lambda p: False)
    monkeypatch.setattr(db, "apply_derived", lambda con, *a, **k: rebuilt.append(1))

    db.upgrade(path)

    assert rebuilt == []
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (inode, mtime)  # not swapped
    assert not list(tmp_path.glob("old.duckdb.tmp-*"))  # its copy removed


def test_an_import_records_the_version_that_built_the_file(tmp_path):
    from wellpath import db

    path = tmp_path / "new.duckdb"
    with db.writable_copy(path) as con:
        db.apply_derived(con)
    assert db.is_current(path)
    assert len(db.code_version()) == 16


def test_one_read_connection_serves_many_threads_at_once(tmp_path) -> None:
    """The dashboard shares one read connection between sessions; queries from several
    threads at once must each read the attached file (a reader during an import once got
    None from the shared connection's own 'select current_database()')."""
    import threading

    from tests.conftest import FIXTURES, build_fixture_db
    from wellpath import db as _db

    path = build_fixture_db(FIXTURES / "service", tmp_path / "s.duckdb")
    con = _db.connect_read_only(path)
    errors: list[BaseException] = []
    counts: list[int] = []

    def reader() -> None:
        try:
            for _ in range(40):
                frame = _db.run_query(con, "practice_list")
                counts.append(len(frame))
        except BaseException as exc:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(counts)) == 1 and len(counts) == 240


def test_a_read_connection_has_a_memory_limit_and_no_progress_bar(tmp_path, monkeypatch):
    # A dashboard process must stay near 1.5 GB at national scale: its DuckDB may hold no more
    # than the read limit (spilling the rest), and WELLPATH_READ_MEMORY changes the limit.
    from wellpath import db

    path = tmp_path / "r.duckdb"
    with db.writable_copy(path) as con:
        db.apply_derived(con)

    def settings() -> tuple[int, bool, str]:
        con = db.connect_read_only(path)
        try:
            limit, bar, spill = con.execute(
                "select current_setting('max_memory'), current_setting('enable_progress_bar'),"
                " current_setting('temp_directory')"
            ).fetchone()
        finally:
            con.close()
        number, unit = limit.split()
        scale = {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30}[unit]
        return round(float(number) * scale / 1e6), bar, spill

    mb, bar, spill = settings()
    assert 950 <= mb <= 1_050 and bar is False
    assert f"wellpath-read-{os.getpid()}" in spill
    monkeypatch.setenv("WELLPATH_READ_MEMORY", "500MB")
    assert 490 <= settings()[0] <= 510


def test_a_reader_spills_a_bounded_amount_and_ended_readers_folders_are_removed(tmp_path):
    import subprocess

    from wellpath import db

    con = duckdb.connect(config=db.reader_config())
    try:
        (spill_limit,) = con.execute("select current_setting('max_temp_directory_size')").fetchone()
    finally:
        con.close()
    assert spill_limit.split()[1] in {"GiB", "GB"} and 7 <= float(spill_limit.split()[0]) <= 8
    finished = subprocess.Popen(["true"])  # noqa: S607
    finished.wait()
    dead = tmp_path / f"wellpath-read-{finished.pid}"
    alive = tmp_path / f"wellpath-read-{os.getpid()}"
    other = tmp_path / "wellpath-read-notes"
    for folder in (dead, alive, other):
        folder.mkdir()
        (folder / "duckdb_temp_storage-0.tmp").write_bytes(b"x")
    assert db.clean_reader_spills(tmp_path) == [dead]
    assert not dead.exists() and alive.exists() and other.exists()


def test_a_writer_s_private_copy_is_the_same_bytes_whether_cloned_or_copied(tmp_path, monkeypatch):
    # Where the filesystem can clone (XFS, btrfs) the import's copy costs nothing; elsewhere it
    # falls back to a whole copy. Either way the private copy starts as the live file's bytes.
    from wellpath import db

    source = tmp_path / "live.duckdb"
    source.write_bytes(os.urandom(300_000))
    how = db.private_copy(source, tmp_path / "a")
    assert how in {"clone", "copy"}
    assert (tmp_path / "a").read_bytes() == source.read_bytes()

    def no_clones(*args):
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(db.fcntl, "ioctl", no_clones)
    assert db.private_copy(source, tmp_path / "b") == "copy"
    assert (tmp_path / "b").read_bytes() == source.read_bytes()
