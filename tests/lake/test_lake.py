"""The DuckLake backend (wellpath.lake): transactions, snapshots, the writers' lock, macros.

Needs a PostgreSQL for the catalog: WELLPATH_TEST_CATALOG (scripts/test.sh starts a throwaway
cluster and runs these with WELLPATH_TEST_BACKEND=lake); skipped without one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from wellpath import db, lake
from wellpath.importer import BatchRefused, import_batch

REPO = Path(__file__).resolve().parents[2]
VALID = REPO / "tests" / "importer" / "fixtures" / "valid_batch"
CATALOG = os.environ.get("WELLPATH_TEST_CATALOG")

pytestmark = pytest.mark.skipif(
    not CATALOG, reason="needs WELLPATH_TEST_CATALOG (a PostgreSQL for the DuckLake catalog)"
)


@pytest.fixture
def the_lake(tmp_path) -> lake.Lake:
    return lake.Lake(CATALOG, str(tmp_path / "parquet"), f"t_{uuid.uuid4().hex[:12]}")


def _rows(target, sql: str) -> list[tuple]:
    con = db.connect_read_only(target)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _snapshots(the_lake: lake.Lake) -> list[tuple]:
    return _rows(
        the_lake,
        f"select snapshot_id, commit_message from ducklake_snapshots('{_alias(the_lake)}') "
        "order by snapshot_id",
    )


def _alias(the_lake: lake.Lake) -> str:
    con = db.connect_read_only(the_lake)
    try:
        return con.execute("select current_database()").fetchone()[0]
    finally:
        con.close()


def _changed_batch(tmp_path: Path, minutes: str) -> Path:
    import shutil

    folder = tmp_path / f"batch-{minutes}"
    shutil.copytree(VALID, folder)
    contacts = folder / "contacts.csv"
    lines = contacts.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    col = header.index("minutes")
    cells = lines[1].split(",")
    cells[col] = minutes
    lines[1] = ",".join(cells)
    contacts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_configuration_selects_the_lake(monkeypatch, tmp_path, the_lake):
    monkeypatch.setenv("WELLPATH_CATALOG", "postgres:" + CATALOG)
    monkeypatch.setenv("WELLPATH_DATA_PATH", the_lake.data_path)
    monkeypatch.setenv("WELLPATH_CATALOG_SCHEMA", the_lake.schema)
    target = db.default_target()
    assert isinstance(target, lake.Lake) and target.dsn == CATALOG
    assert db.identity(db.default_db_path()) is None  # nothing committed yet
    import_batch(VALID, db.default_db_path(), run_by="t")
    assert db.identity(db.default_db_path()) == (-1, 1, 0)
    # The files kept beside a database (users, settings) go into the data path.
    assert db.default_db_path().parent == Path(the_lake.data_path).resolve()
    monkeypatch.setenv("WELLPATH_CATALOG", CATALOG)
    monkeypatch.delenv("WELLPATH_DATA_PATH")
    with pytest.raises(ValueError, match="WELLPATH_DATA_PATH"):
        lake.from_env()


def test_an_import_is_one_snapshot_named_in_the_import_log(the_lake, tmp_path):
    first = import_batch(VALID, the_lake, run_by="t")
    second = import_batch(_changed_batch(tmp_path, "45"), the_lake, run_by="t")
    snaps = _snapshots(the_lake)
    # Snapshot 0 is DuckLake's creation of the empty lake; then one per import, each named by
    # its batch id, and import_batches says which.
    assert snaps == [(0, None), (1, first.batch_id), (2, second.batch_id)]
    assert _rows(the_lake, "select batch_id, snapshot_id from import_batches order by 2") == [
        (first.batch_id, 1),
        (second.batch_id, 2),
    ]
    # Upsert by key without primary keys: the changed contact replaced, not added.
    assert second.changed["contacts"] == 1
    assert _rows(the_lake, "select count(*), count(distinct contact_id) from contacts") == [(2, 2)]
    assert (45,) in _rows(the_lake, "select minutes from contacts")


def test_readers_keep_their_snapshot_and_new_readers_see_the_commit(the_lake, tmp_path):
    import_batch(VALID, the_lake)
    old = db.connect_read_only(the_lake)
    import_batch(_changed_batch(tmp_path, "45"), the_lake)
    new = db.connect_read_only(the_lake)
    try:
        assert (45,) not in old.execute("select minutes from contacts").fetchall()
        assert (45,) in new.execute("select minutes from contacts").fetchall()
        assert old.execute("select count(*) from import_batches").fetchone() == (1,)
        assert new.execute("select count(*) from import_batches").fetchone() == (2,)
    finally:
        old.close()
        new.close()


def test_macros_of_schema_and_derive_files_are_in_the_lake(the_lake):
    """DuckLake stores macros: a reader on another process finds the scalar and table macros."""
    import_batch(VALID, the_lake)
    con = db.connect_read_only(the_lake)
    try:
        import datetime as dt

        assert con.execute(
            "select wait_days(date '2025-01-01', date '2025-01-15'), days_to_months(30.4375)"
        ).fetchone() == (14, 1.0)
        practices = [r[0] for r in con.execute("select practice_code from practices").fetchall()]
        n = con.execute(
            "select count(*) from scoped_referrals($p, null, null)", {"p": practices}
        ).fetchone()[0]
        assert n == con.execute("select count(*) from referrals").fetchone()[0] == 2
        months = con.execute(
            "select count(*) from month_spine($s, $e, $e)",
            {"s": dt.date(2025, 1, 15), "e": dt.date(2025, 3, 2)},
        ).fetchone()
        assert months == (3,)
        assert db.is_current(the_lake)
        # No primary keys in a lake (DuckLake has none): the importer checks keys itself.
        assert con.execute(
            "select count(*) from duckdb_constraints() where database_name = current_database() "
            "and constraint_type = 'PRIMARY KEY'"
        ).fetchone() == (0,)
    finally:
        con.close()


def test_a_refused_batch_commits_nothing(the_lake, tmp_path):
    import_batch(VALID, the_lake)
    before = _snapshots(the_lake)
    contents = _rows(the_lake, "select * from contacts order by all")
    # Refused inside the transaction: far too many rows break a rule (the checks run after
    # the earlier tables were already loaded into the transaction).
    bad = _changed_batch(tmp_path, "45")
    contacts = bad / "contacts.csv"
    lines = contacts.read_text(encoding="utf-8").splitlines()
    lines += [f"X{i},R1,2025-01-20,face_to_face,60,not-a-value" for i in range(250)]
    contacts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(BatchRefused):
        import_batch(bad, the_lake)
    assert _snapshots(the_lake) == before
    assert _rows(the_lake, "select * from contacts order by all") == contents


_SLOW_IMPORT = """
import sys, time
from pathlib import Path
from wellpath import db, lake
from wellpath.importer import import_batch
the_lake = lake.Lake(*sys.argv[1:4])
marker = Path(sys.argv[4])
real = db.apply_derived
def slow(con, *args, **kwargs):
    real(con, *args, **kwargs)
    marker.write_text("in the transaction")
    time.sleep(float(sys.argv[6]))
db.apply_derived = slow
result = import_batch(sys.argv[5], the_lake, run_by=marker.name)
print("done", result.batch_id, flush=True)
"""


def _start(the_lake, marker: Path, batch: Path, sleep: float) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own script
        [
            sys.executable,
            "-c",
            _SLOW_IMPORT,
            the_lake.catalog,
            the_lake.data_path,
            the_lake.schema,
            str(marker),
            str(batch),
            str(sleep),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the import never reached its transaction"
        time.sleep(0.1)


def test_a_killed_import_leaves_nothing_and_no_lock(the_lake, tmp_path):
    import_batch(VALID, the_lake)
    before = _snapshots(the_lake)
    marker = tmp_path / "in-transaction"
    proc = _start(the_lake, marker, _changed_batch(tmp_path, "45"), 600)
    _wait_for(marker, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert _snapshots(the_lake) == before
    assert (45,) not in _rows(the_lake, "select minutes from contacts")
    # PostgreSQL released the dead session's advisory lock: the next import does not wait.
    result = import_batch(_changed_batch(tmp_path, "50"), the_lake, wait=20)
    assert result.changed["contacts"] == 1
    assert _rows(the_lake, "select count(*) from contacts") == [(2,)]


def test_two_importers_started_together_both_succeed_one_after_the_other(the_lake, tmp_path):
    import_batch(VALID, the_lake)
    a_marker, b_marker = tmp_path / "a", tmp_path / "b"
    a = _start(the_lake, a_marker, _changed_batch(tmp_path, "45"), 2)
    b = _start(the_lake, b_marker, _changed_batch(tmp_path, "50"), 2)
    outs = [p.communicate(timeout=300) for p in (a, b)]
    assert [p.returncode for p in (a, b)] == [0, 0], [o[1][-2000:] for o in outs]
    log = _rows(the_lake, "select run_by, snapshot_id from import_batches order by snapshot_id")
    assert [r[1] for r in log] == [1, 2, 3]
    assert sorted(r[0] for r in log[1:]) == ["a", "b"]
    # Serialised: the last to commit holds the data, and every table is whole (no lost
    # deletes, no doubled rows).
    last = log[-1][0]
    assert _rows(the_lake, "select count(*), count(distinct contact_id) from contacts") == [(2, 2)]
    assert (45 if last == "a" else 50,) in _rows(the_lake, "select minutes from contacts")
    facts = _rows(the_lake, "select count(*) from referral_facts")
    assert facts == _rows(the_lake, "select count(*) from referrals") == [(2,)]


def test_an_unchanged_import_rewrites_no_contract_table(the_lake):
    """No copy of the whole database per import: a batch sent again unchanged adds a snapshot
    (its import log row, the derived tables) but no data file of any contract table."""
    import_batch(VALID, the_lake)

    def files() -> dict[str, list]:
        alias = _alias(the_lake)
        return {
            t: _rows(the_lake, f"select data_file from ducklake_list_files('{alias}', '{t}')")
            for t in ("practices", "patients", "referrals", "contacts", "assessments")
        }

    before = files()
    result = import_batch(VALID, the_lake)
    assert result.status == "unchanged"
    assert files() == before
