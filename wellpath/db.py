"""The DuckDB file: where it is, its schema, named queries, and safe writes.

Readers open the file read-only. Writers (the importer, the demo builder) never write the
live file in place: they copy it, write the copy in one transaction, checkpoint it and swap it
in with an atomic rename, under an exclusive lock file. So an import never blocks or breaks
people reading the dashboard (their open connection keeps reading the old file until they
reopen), a refused or crashed import leaves the live file exactly as it was, and readers see
the new data as soon as they notice the file changed (see `file_identity`).

With `WELLPATH_CATALOG` and `WELLPATH_DATA_PATH` set (or a lake descriptor file given as the
path), the database is a DuckLake instead (wellpath.lake): the functions here take either a
file's path or a `Lake` ("a target"), and a write is one DuckLake transaction, not a copy.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from wellpath import lake as lake_backend
from wellpath.lake import Lake

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
SCHEMA_FILE = Path(__file__).resolve().parent / "schema.sql"
DEFAULT_DB = PROJECT_ROOT / "data" / "wellpath.duckdb"

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_HEADER = re.compile(r"^--\s*([a-z_]+):\s*(.*?)\s*$")


LAKE_NOMINAL_NAME = "wellpath.lake"


def default_db_path() -> Path:
    """The DuckDB file the dashboard reads: `WELLPATH_DB`, else data/wellpath.duckdb.

    With a lake configured (WELLPATH_CATALOG), a nominal path in its data path: `target_for`
    turns it into the lake, and the files kept beside a database (users, settings) go there."""
    lake = lake_backend.from_env()
    if lake is not None:
        return Path(lake.data_path).expanduser().resolve() / LAKE_NOMINAL_NAME
    env = os.environ.get("WELLPATH_DB")
    return Path(env).expanduser().resolve() if env else DEFAULT_DB


Target = Path | Lake


def target_for(where: Path | str | Lake) -> Target:
    """A DuckDB file's path, or the lake a path stands for (a lake descriptor file, or the
    nominal path of the configured lake)."""
    if isinstance(where, Lake):
        return where
    path = Path(where)
    found = lake_backend.read_descriptor(path)
    if found is not None:
        return found
    env = lake_backend.from_env()
    nominal = env is not None and path.name == LAKE_NOMINAL_NAME
    if nominal and path.expanduser().resolve() == default_db_path():
        return env
    return path


def default_target() -> Target:
    return target_for(default_db_path())


def exists(where: Path | str | Lake) -> bool:
    target = target_for(where)
    if isinstance(target, Lake):
        return lake_backend.exists(target)
    return target.exists()


def identity(where: Path | str | Lake) -> tuple[int, int, int] | None:
    """Changes whenever a writer commits: the file's identity, or (-1, snapshot id, 0) for a
    lake; None when there is nothing there yet."""
    target = target_for(where)
    if isinstance(target, Lake):
        snapshot = lake_backend.latest_snapshot(target)
        return None if snapshot is None or snapshot <= 0 else (-1, snapshot, 0)
    return file_identity(target)


def file_identity(path: Path) -> tuple[int, int, int] | None:
    """Changes whenever a writer swaps in a new file; None when there is no file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the contract tables, bookkeeping tables and macros when missing."""
    con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))


def ensure_lake_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The same, in a lake: without primary keys, which DuckLake cannot hold."""
    con.execute(lake_backend.schema_sql(SCHEMA_FILE.read_text(encoding="utf-8")))


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default database is a DuckLake."""
    row = con.execute(
        "select type from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return bool(row) and row[0] == "ducklake"


@lru_cache(maxsize=512)
def load_query(name: str) -> str:
    """The SQL text of queries/<name>.sql."""
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"not a query name: {name!r}")
    path = QUERIES_DIR / f"{name}.sql"
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=512)
def query_parameters(name: str) -> frozenset[str]:
    """The `$name` parameters a query uses (comments ignored)."""
    sql = "\n".join(line.split("--", 1)[0] for line in load_query(name).splitlines())
    return frozenset(_PARAM.findall(sql))


@lru_cache(maxsize=512)
def query_header(name: str) -> dict[str, str]:
    """`-- key: value` lines at the top of a query file (level, statistics, percentages...)."""
    header: dict[str, str] = {}
    for line in load_query(name).splitlines():
        if not line.startswith("--"):
            break
        m = _HEADER.match(line)
        if m:
            header[m.group(1)] = m.group(2)
    return header


def bind(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Only the parameters the query uses (DuckDB refuses extra ones); all must be given."""
    wanted = query_parameters(name)
    missing = wanted - params.keys()
    if missing:
        raise KeyError(f"query {name} needs parameters {sorted(missing)}")
    return {k: params[k] for k in wanted}


def run_query(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Run queries/<name>.sql on its own cursor with bound parameters; return a DataFrame."""
    cur = con.cursor()
    try:
        use_attached(cur, con)
        return cur.execute(load_query(name), bind(name, params or {})).df()
    finally:
        cur.close()


def _derive_files() -> list[Path]:
    return sorted(QUERIES_DIR.glob("derive_*.sql"))


def code_version() -> str:
    """A fingerprint of what this version of Wellpath builds into a file: the schema and the
    derived tables. A file built by another version is brought up to date on opening."""
    digest = hashlib.sha256()
    for path in [SCHEMA_FILE, *_derive_files()]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def stored_version(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint recorded in the file by the last write, or None (older files)."""
    cur = con.cursor()
    try:
        use_attached(cur, con)
        found = cur.execute(
            "select count(*) from duckdb_tables() where table_name = 'wellpath_meta'"
            " and database_name = current_database()"
        ).fetchone()
        if not found or not found[0]:
            return None
        row = cur.execute("select value from wellpath_meta where key = 'code_version'").fetchone()
        return row[0] if row else None
    finally:
        cur.close()


def apply_derived(
    con: duckdb.DuckDBPyConnection,
    changed: Iterable[str] | None = None,
    by_referral: str | None = None,
) -> None:
    """Rebuild the derived tables: run every queries/derive_*.sql in name order, and record
    which version of Wellpath built them.

    Each file rebuilds one table with `create or replace table ...`; called by the importer
    inside its write, after loading, so the derived tables always match the contract tables.
    `changed` names the tables the batch changed: a file that says what it reads (a
    `-- reads: a, b` line) is then run only when one of those, or a table a file run before it
    rebuilt, is among them (files without the line, such as the macros, always run). All
    files run when `changed` is None or the file was built by another version of Wellpath.

    `by_referral` names a table of the referral_ids whose rows the batch changed (or whose
    patient it changed), when the importer knows all of them: a file built from each
    referral's own rows (marked /*by referral*/) then rebuilds those referrals only, which
    gives the same table as rebuilding it whole (tests/importer/test_incremental_derived.py).
    """
    full = changed is None or _stored_version_here(con) != code_version()
    dirty = set(changed or ())
    for path in _derive_files():
        text = path.read_text(encoding="utf-8")
        reads = derive_reads(text)
        if not full and reads is not None and not reads & dirty:
            continue
        if not full and by_referral and BY_REFERRAL in text:
            _rebuild_referrals(con, text, by_referral)
        else:
            con.execute(text)
        dirty |= set(DERIVED_TABLE.findall(text))
    set_meta(con, "code_version", code_version())


# Where a derive file built from each referral's own rows narrows its sources to some
# referrals (see `apply_derived`): a comment, so the file alone rebuilds everything.
BY_REFERRAL = "/*by referral*/"


def _rebuild_referrals(con: duckdb.DuckDBPyConnection, text: str, referrals: str) -> None:
    """Run a derive file for the referrals listed in the table `referrals` only: each
    `create or replace table T as SELECT` holding the mark becomes a delete of those
    referrals' rows from T and an insert of SELECT with its marked sources narrowed to them.
    Other statements run as they are."""
    if not referrals.replace("_", "").isalnum():
        raise ValueError(referrals)
    narrowed = f"where referral_id in (select referral_id from {referrals})"  # noqa: S608
    for statement in con.extract_statements(text):
        sql = statement.query
        found = CREATE_AS.search(sql)
        if not found or BY_REFERRAL not in sql[found.end() :]:
            con.execute(sql)
            continue
        table = found.group(1)
        con.execute(f"delete from {table} {narrowed}")  # noqa: S608 (names from our files)
        con.execute(f"insert into {table} " + sql[found.end() :].replace(BY_REFERRAL, narrowed))


CREATE_AS = re.compile(r"\bcreate\s+or\s+replace\s+table\s+(\w+)\s+as\s", re.I)
DERIVED_TABLE = re.compile(r"^\s*create\s+or\s+replace\s+table\s+(\w+)", re.I | re.M)
READS = re.compile(r"^--\s*reads:\s*(.*)$", re.M)


def derive_reads(text: str) -> set[str] | None:
    """The tables a derive file says it reads (`-- reads: a, b`), or None if it does not say."""
    found = READS.search(text)
    if not found:
        return None
    return {name.strip() for name in found.group(1).split(",") if name.strip()}


def _stored_version_here(con: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint in the writer's own database (its default one)."""
    row = con.execute("select value from wellpath_meta where key = 'code_version'").fetchone()
    return row[0] if row else None


def import_settings(con: duckdb.DuckDBPyConnection) -> None:
    """An import's write connection: no insertion order kept (the importer numbers a file's
    rows itself while it stages the file, the one step that needs the order; see
    importer.load._stage), which lets DuckDB load and spill in parallel without holding rows
    back. Its memory limit and temporary folder are set when it is opened (`writable_copy`)."""
    con.execute("set preserve_insertion_order = false")


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """One wellpath_meta row (delete and insert: a lake has no keys for `insert or replace`)."""
    con.execute("delete from wellpath_meta where key = $key", {"key": key})
    con.execute("insert into wellpath_meta values ($key, $value)", {"key": key, "value": value})


def is_current(path: Path | Lake) -> bool:
    """Whether the file was last written by this version of Wellpath."""
    con = connect_read_only(path)
    try:
        return stored_version(con) == code_version()
    finally:
        con.close()


def upgrade(
    path: Path | Lake,
    *,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> None:
    """Bring a file written by another version up to date: schema, macros, derived tables.
    The contract tables are not touched; like an import, it is one atomic swap (one
    transaction in a lake). `wait` and `on_wait` as for an import's lock (`writer`)."""
    from wellpath.importer import limits

    if is_current(path):
        return
    # Rebuilding every derived table is an import's heaviest step: the same memory limit
    # (unlimited, DuckDB took 7.6 GB rebuilding a national file).
    try:
        with writer(
            path, wait=wait, on_wait=on_wait, memory_limit=limits.IMPORT_DUCKDB_MEMORY
        ) as con:
            # Every session that opens a stale file asks for the upgrade; writers queue on the
            # lock, so all but the first find it done and leave it alone (without this, twenty
            # sessions rebuilt the derived tables twenty times, one after the other).
            if _stored_version_here(con) == code_version():
                raise _AlreadyCurrent
            apply_derived(con)
    except _AlreadyCurrent:
        pass


class _AlreadyCurrent(Exception):
    """Raised inside an upgrade's write to abandon it: another writer upgraded the file."""


READ_ALIAS = "wellpath"


def connect_read_only(path: Path | Lake, snapshot: int | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file as it is now (a lake: at its newest snapshot, or at
    `snapshot`).

    `duckdb.connect(path)` hands back the database instance already open on that path in
    this process (DuckDB's instance cache), which after a writer swapped in a new file still
    reads the old, unlinked one. So the file is attached to a fresh in-memory instance and
    made the default; cursors must `use_attached` (run_query does).
    """
    target = target_for(path)
    if isinstance(target, Lake):
        con = lake_backend.connect(target, read_only=True, snapshot=snapshot)
        (name,) = con.execute("select current_database()").fetchone()  # type: ignore[misc]
        return _remember_default(con, name)
    con = duckdb.connect(":memory:", config=reader_config())
    con.execute("set enable_progress_bar = false")  # a server's log is not a terminal
    quoted = "'" + str(path).replace("'", "''") + "'"
    con.execute(f"attach {quoted} as {READ_ALIAS} (read_only)")
    con.execute(f"use {READ_ALIAS}")
    return _remember_default(con, READ_ALIAS)


# A reader (a dashboard process) keeps at most this much in DuckDB's buffers and spills the
# rest to a temporary folder of its own, so that the whole server process stays near 1.5 GB at
# national scale: without a limit DuckDB may take 80% of the machine's memory (page processes
# peaked at 1.1-3.0 GB on the national file). WELLPATH_READ_MEMORY sets another limit.
READ_MEMORY_LIMIT = "1GB"
# And spills at most this much: a query that would need more fails with DuckDB's own message
# instead of filling the disk (a bad join plan once spilled 26 GB before it was stopped).
# WELLPATH_READ_SPILL sets another limit.
READ_SPILL_LIMIT = "8GB"
READ_SPILL_PREFIX = "wellpath-read-"


def reader_config() -> dict[str, str]:
    """DuckDB settings of every read connection: the memory limit, where it spills, and how
    much it may spill."""
    import tempfile

    config = {
        "memory_limit": os.environ.get("WELLPATH_READ_MEMORY", READ_MEMORY_LIMIT),
        "temp_directory": str(Path(tempfile.gettempdir()) / f"{READ_SPILL_PREFIX}{os.getpid()}"),
        "max_temp_directory_size": os.environ.get("WELLPATH_READ_SPILL", READ_SPILL_LIMIT),
    }
    return config | _threads_setting("WELLPATH_READ_THREADS")


def _process_is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: running
        return True
    return True


def clean_reader_spills(folder: Path | None = None) -> list[Path]:
    """Remove the spill folders (`wellpath-read-<pid>`) of read connections whose process has
    ended: a killed dashboard process leaves its folder behind, up to READ_SPILL_LIMIT each.
    A running process's folder is left alone. Returns what was removed."""
    import tempfile

    folder = folder or Path(tempfile.gettempdir())
    removed = []
    for spill in folder.glob(f"{READ_SPILL_PREFIX}*"):
        pid = spill.name.removeprefix(READ_SPILL_PREFIX)
        if not spill.is_dir() or not pid.isdigit() or _process_is_running(int(pid)):
            continue
        shutil.rmtree(spill, ignore_errors=True)
        removed.append(spill)
    return removed


def _threads_setting(variable: str) -> dict[str, str]:
    """DuckDB's `threads` from an environment variable when it is set (a positive whole
    number); else DuckDB's own default, one per core."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return {}
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{variable} must be a whole number of threads, 1 or more: {value!r}")
    return {"threads": value}


# The database a read connection reads by default, noted when it is made: the dashboard
# shares one connection between sessions (threads), and asking the shared connection itself
# ("select current_database()") from two threads at once mixes up their results (a reader
# during an import got None back).
_DEFAULT_DATABASE: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, str] = (
    weakref.WeakKeyDictionary()
)
_DEFAULT_DATABASE_LOCK = threading.Lock()


def _remember_default(con: duckdb.DuckDBPyConnection, name: str) -> duckdb.DuckDBPyConnection:
    # Keyed on the connection itself (weakly), never its id(): a freed connection's id is
    # reused by the next one, which may be a writer reading another database.
    with _DEFAULT_DATABASE_LOCK:
        _DEFAULT_DATABASE[con] = name
    return con


def use_attached(
    cur: duckdb.DuckDBPyConnection, parent: duckdb.DuckDBPyConnection | None = None
) -> None:
    """Make a cursor read what its connection reads by default: the attached file of a
    `connect_read_only` connection, or the lake (or lake snapshot) a lake connection uses."""
    if parent is not None:
        with _DEFAULT_DATABASE_LOCK:
            current = _DEFAULT_DATABASE.get(parent)
            if current is None:
                (current,) = parent.execute("select current_database()").fetchone()
        if current not in ("memory", "temp"):
            cur.execute(f'use "{current}"')
            return
    found = cur.execute(
        "select count(*) from duckdb_databases() where database_name = $alias",
        {"alias": READ_ALIAS},
    ).fetchone()
    if found and found[0]:
        cur.execute(f"use {READ_ALIAS}")


# --- demo or the service's own data ------------------------------------------------------

DEMO = "demo"
OWN = "own"
KIND_KEY = "database_kind"


def database_kind(con: duckdb.DuckDBPyConnection) -> str | None:
    """'demo' (Wellpath's invented world), 'own' (a service's real data), or None (a file
    with nothing in it yet). Files written before the kind was recorded are read from their
    import log."""
    cur = con.cursor()
    try:
        use_attached(cur, con)
        have = {
            r[0]
            for r in cur.execute(
                "select table_name from duckdb_tables() where database_name = current_database()"
                " and table_name in ('wellpath_meta', 'import_batches')"
            ).fetchall()
        }
        if "wellpath_meta" in have:
            row = cur.execute(
                "select value from wellpath_meta where key = $key", {"key": KIND_KEY}
            ).fetchone()
            if row:
                return row[0]
        if "import_batches" in have:
            kinds = {
                r[0] for r in cur.execute("select distinct is_demo from import_batches").fetchall()
            }
            if kinds == {True}:
                return DEMO
            if kinds:
                return OWN
        return None
    finally:
        cur.close()


def set_database_kind(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    set_meta(con, KIND_KEY, kind)


def file_kind(path: Path | Lake) -> str | None:
    """The kind of the file at `path` (None when there is no file or nothing in it)."""
    if not exists(path):
        return None
    con = connect_read_only(path)
    try:
        return database_kind(con)
    finally:
        con.close()


def init_own(path: Path | Lake) -> None:
    """Create an empty database for a service's own data at `path`; never overwrites.

    Raises FileExistsError when there is a file there already (demo or not)."""
    target = target_for(path)
    if isinstance(target, Lake):
        with writer(target) as con:
            if database_kind(con) is not None:
                raise FileExistsError(str(target))
            set_database_kind(con, OWN)
            apply_derived(con)
        return
    path = Path(path)
    if path.exists():
        raise FileExistsError(str(path))
    with writable_copy(path) as con:
        if path.exists():  # made by someone else while we waited for the lock
            raise FileExistsError(str(path))
        set_database_kind(con, OWN)
        apply_derived(con)


def own_database_suggestion(demo_path: Path) -> Path:
    """Where to start the service's own database beside a demo file: wellpath-own.duckdb,
    or wellpath-own-2.duckdb... when that is taken."""
    folder = Path(demo_path).parent
    candidate = folder / "wellpath-own.duckdb"
    n = 2
    while candidate.exists():
        candidate = folder / f"wellpath-own-{n}.duckdb"
        n += 1
    return candidate


# --- the writers' lock and their temporary copies ------------------------------------------


class ImportLocked(Exception):
    """Another import holds the lock and did not finish in time; nothing was changed."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_holder(path: Path) -> dict | None:
    """Who holds (or last held) the writers' lock of `path`: pid, host, since (ISO time)."""
    lock_path = Path(path).with_name(Path(path).name + ".lock")
    try:
        info = json.loads(lock_path.read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def describe_holder(info: dict | None) -> str:
    if not info:
        return "another import (its process did not say who it is)"
    since = info.get("since", "?")
    try:
        when = dt.datetime.fromisoformat(since)
        since = f"{when:%H:%M:%S} on {when.day} {when:%b %Y}"
    except (TypeError, ValueError):
        pass
    return (
        f"an import by process {info.get('pid', '?')} on {info.get('host', '?')}, "
        f"running since {since}"
    )


def _is_stale(info: dict | None) -> bool:
    """The recorded holder is a process on this machine that no longer exists."""
    if not info or info.get("host") != socket.gethostname():
        return False
    pid = info.get("pid")
    return isinstance(pid, int) and not _pid_alive(pid)


@contextmanager
def _exclusive_lock(
    path: Path, wait: float | None = None, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """The writers' lock: an flock on `<file>.lock`, which records who holds it.

    A writer that finds it held says who holds it (`on_wait`) and waits, at most `wait`
    seconds (None: as long as it takes), then raises ImportLocked. A lock held although its
    recorded holder is a dead process on this machine (a child that inherited the open file
    kept it) is stale: it is broken by replacing the lock file, which the dead holder can no
    longer use.
    """
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = None if wait is None else time.monotonic() + wait
    told = False
    while True:
        fh = open(lock_path, "a+")  # noqa: SIM115 - closed below or on release
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            info = lock_holder(path)
            fh.close()
            if _is_stale(info):
                # Break it: a fresh lock file under the same name (rename is atomic).
                fresh = lock_path.with_name(f"{lock_path.name}.{os.getpid()}")
                fresh.write_text("", encoding="utf-8")
                os.replace(fresh, lock_path)
                if on_wait:
                    on_wait(
                        f"broke a stale lock left by {describe_holder(info)} (no longer running)"
                    )
                continue
            if deadline is not None and time.monotonic() >= deadline:
                raise ImportLocked(
                    f"{describe_holder(info)} is still writing this database; nothing was "
                    "changed. Try again when it has finished"
                ) from None
            if on_wait and not told:
                on_wait(f"waiting for {describe_holder(info)} to finish")
                told = True
            time.sleep(0.2)
            continue
        if os.path.exists(lock_path) and os.fstat(fh.fileno()).st_ino != os.stat(lock_path).st_ino:
            fh.close()  # the file was replaced (a stale lock broken) while we took it
            continue
        break
    try:
        fh.seek(0)
        fh.truncate()
        fh.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "since": dt.datetime.now().replace(microsecond=0).isoformat(),
                }
            )
        )
        fh.flush()
        yield
    finally:
        fh.seek(0)
        fh.truncate()
        fh.flush()
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def leftover_copies(path: Path) -> list[Path]:
    """Temporary copies (and their WAL and spill folders) that a killed writer left behind."""
    path = Path(path)
    if not path.parent.exists():
        return []
    return sorted(path.parent.glob(f"{glob.escape(path.name)}.tmp-*"))


def clean_leftovers(path: Path) -> list[Path]:
    """Remove what killed writers left beside `path`; only call while holding the lock (a
    writer holding it is the only one with a temporary copy). Returns what was removed."""
    removed = []
    for stale in leftover_copies(path):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
        removed.append(stale)
    return removed


def clean_leftovers_now(path: Path | Lake) -> list[Path]:
    """At start-up: remove killed writers' copies unless an import is running right now.
    (A lake has none: a killed writer never committed; see docs/deployment.md for its
    orphaned Parquet files.)"""
    if isinstance(target_for(path), Lake):
        return []
    path = Path(path)
    if not leftover_copies(path):
        return []
    try:
        with _exclusive_lock(path, wait=0):
            return clean_leftovers(path)
    except ImportLocked:
        return []


# Linux's FICLONE ioctl: the new file shares the old one's blocks until either is written.
_FICLONE = 0x40049409


def private_copy(source: Path, target: Path) -> str:
    """Copy `source` to `target` for a writer: a copy-on-write clone where the filesystem can
    make one (XFS, btrfs, ZFS 2.2+: instant, and only the blocks the import changes are ever
    written), else a whole copy. Returns "clone" or "copy"."""
    try:
        with open(source, "rb") as src, open(target, "wb") as dst:
            fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
        shutil.copystat(source, target)
        return "clone"
    except OSError:  # ext4, tmpfs, NFS...: no clones there
        shutil.copy2(source, target)
        return "copy"


@contextmanager
def writable_copy(
    path: Path,
    *,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    memory_limit: str | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a private copy of `path`, swapped in atomically on success.

    Raise inside the block to abandon every change: the live file is then untouched. Writers
    queue on a lock file, so two imports never interleave (see `_exclusive_lock` for `wait`
    and `on_wait`); the copies killed writers left behind are removed first.
    """
    path = Path(path)
    with _exclusive_lock(path, wait=wait, on_wait=on_wait):
        clean_leftovers(path)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        if path.exists():
            private_copy(path, tmp)
            wal = path.with_name(path.name + ".wal")
            if wal.exists():
                private_copy(wal, tmp.with_name(tmp.name + ".wal"))
        # What does not fit in memory_limit spills beside the copy (named like it, so a killed
        # writer's spill is removed with its copy by clean_leftovers).
        spill = tmp.with_name(tmp.name + ".spill")
        config = {"temp_directory": str(spill)} | _threads_setting("WELLPATH_IMPORT_THREADS")
        if memory_limit:
            config["memory_limit"] = memory_limit
        con = duckdb.connect(str(tmp), config=config)
        con.execute("set enable_progress_bar = false")  # nor is an import's log
        try:
            ensure_schema(con)
            yield con
            con.execute("checkpoint")
            con.close()
        except BaseException:
            con.close()
            clean_leftovers(path)
            raise
        shutil.rmtree(spill, ignore_errors=True)
        os.replace(tmp, path)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextmanager
def writer(
    path: Path | Lake,
    *,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    memory_limit: str | None = None,
    commit_message: str | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection whose changes all land at the end of the block, or none do:
    `writable_copy` for a file, one DuckLake transaction under an advisory lock for a lake."""
    target = target_for(path)
    if isinstance(target, Lake):
        try:
            with lake_backend.transaction(
                target,
                ensure_lake_schema,
                wait=wait,
                on_wait=on_wait,
                memory_limit=memory_limit,
                commit_message=commit_message,
            ) as con:
                yield con
        except lake_backend.LakeLocked as locked:
            raise ImportLocked(str(locked)) from None
        return
    with writable_copy(target, wait=wait, on_wait=on_wait, memory_limit=memory_limit) as con:
        yield con
