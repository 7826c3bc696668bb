"""The DuckDB file: where it is, its schema, named queries, and safe writes.

Readers open the file read-only. Writers (the importer, the demo builder) never write the
live file in place: they copy it, write the copy in one transaction, checkpoint it and swap it
in with an atomic rename, under an exclusive lock file. So an import never blocks or breaks
people reading the dashboard (their open connection keeps reading the old file until they
reopen), a refused or crashed import leaves the live file exactly as it was, and readers see
the new data as soon as they notice the file changed (see `file_identity`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

PROJECT_ROOT = Path(__file__).resolve().parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
SCHEMA_FILE = Path(__file__).resolve().parent / "schema.sql"
DEFAULT_DB = PROJECT_ROOT / "data" / "wellpath.duckdb"

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_HEADER = re.compile(r"^--\s*([a-z_]+):\s*(.*?)\s*$")


def default_db_path() -> Path:
    """The DuckDB file the dashboard reads: `WELLPATH_DB`, else data/wellpath.duckdb."""
    env = os.environ.get("WELLPATH_DB")
    return Path(env).expanduser().resolve() if env else DEFAULT_DB


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
        use_attached(cur)
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
        use_attached(cur)
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


def apply_derived(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the derived tables: run every queries/derive_*.sql in name order, and record
    which version of Wellpath built them.

    Each file rebuilds one table with `create or replace table ...`; called by the importer
    inside its write, after loading, so the derived tables always match the contract tables.
    """
    for path in _derive_files():
        con.execute(path.read_text(encoding="utf-8"))
    con.execute(
        "insert or replace into wellpath_meta values ('code_version', $version)",
        {"version": code_version()},
    )


def is_current(path: Path) -> bool:
    """Whether the file was last written by this version of Wellpath."""
    con = connect_read_only(path)
    try:
        return stored_version(con) == code_version()
    finally:
        con.close()


def upgrade(path: Path) -> None:
    """Bring a file written by another version up to date: schema, macros, derived tables.
    The contract tables are not touched; like an import, it is one atomic swap."""
    with writable_copy(path) as con:
        apply_derived(con)


READ_ALIAS = "wellpath"


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the file as it is now.

    `duckdb.connect(path)` hands back the database instance already open on that path in
    this process (DuckDB's instance cache), which after a writer swapped in a new file still
    reads the old, unlinked one. So the file is attached to a fresh in-memory instance and
    made the default; cursors must `use_attached` (run_query does).
    """
    con = duckdb.connect(":memory:")
    quoted = "'" + str(path).replace("'", "''") + "'"
    con.execute(f"attach {quoted} as {READ_ALIAS} (read_only)")
    con.execute(f"use {READ_ALIAS}")
    return con


def use_attached(cur: duckdb.DuckDBPyConnection) -> None:
    """Make a cursor of a `connect_read_only` connection read the attached file by default."""
    found = cur.execute(
        "select count(*) from duckdb_databases() where database_name = $alias",
        {"alias": READ_ALIAS},
    ).fetchone()
    if found and found[0]:
        cur.execute(f"use {READ_ALIAS}")


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def writable_copy(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to a private copy of `path`, swapped in atomically on success.

    Raise inside the block to abandon every change: the live file is then untouched. Writers
    queue on a lock file, so two imports never interleave.
    """
    path = Path(path)
    with _exclusive_lock(path):
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
            stale.unlink(missing_ok=True)
        if path.exists():
            shutil.copy2(path, tmp)
            wal = path.with_name(path.name + ".wal")
            if wal.exists():
                shutil.copy2(wal, tmp.with_name(tmp.name + ".wal"))
        con = duckdb.connect(str(tmp))
        try:
            ensure_schema(con)
            yield con
            con.execute("checkpoint")
            con.close()
        except BaseException:
            con.close()
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
            raise
        os.replace(tmp, path)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
