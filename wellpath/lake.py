"""The DuckLake backend: the same tables, macros and queries, past one machine.

Selected by configuration instead of `WELLPATH_DB`:

- `WELLPATH_CATALOG`: the PostgreSQL database holding DuckLake's catalog, as a libpq URI
  (`postgresql://user@host:5432/wellpath`) or `postgres:` followed by a libpq DSN
  (`postgres:dbname=wellpath host=db1`). Passwords belong in ~/.pgpass or PGPASSWORD, not here.
- `WELLPATH_DATA_PATH`: the folder (local disk or shared storage) holding the Parquet files.
- `WELLPATH_CATALOG_SCHEMA` (optional): the PostgreSQL schema of the catalog tables, so one
  PostgreSQL database can hold several lakes (the tests use one per fixture).

A lake can also be named by a small descriptor file (JSON: catalog, data_path, schema) passed
wherever a database path goes (`--db lake.json`); the tests use that.

Readers attach the lake read-only at one snapshot (the newest when they connect) as the default
database, so a page's queries all read one committed state; DuckLake stores the scalar and
table macros of schema.sql and queries/derive_*.sql like tables, so they are there too. A writer
(an import, an upgrade) is one DuckLake transaction under a PostgreSQL advisory lock: DuckLake's
own conflict detection between concurrent writers has open bugs with a PostgreSQL catalog, so
Wellpath never lets two of its writers commit at once. What DuckLake cannot hold, and what is
done instead: primary keys and unique constraints (the importer already checks keys itself, and
upserts by deleting then inserting the changed keys inside the transaction; `insert or replace`
needs a key, so the bookkeeping tables are written the same way).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

DUCKDB_VERSION = "v1.5.5"
ALIAS = "wellpath"
DESCRIPTOR_KIND = "wellpath-ducklake"


@dataclass(frozen=True)
class Lake:
    """Where a lake is: its catalog (a PostgreSQL DSN), its data path, its catalog schema."""

    catalog: str
    data_path: str
    schema: str | None = None

    @property
    def dsn(self) -> str:
        """The libpq connection string or URI (without a `postgres:` prefix)."""
        c = self.catalog.strip()
        if c.startswith("postgres:") and not c.startswith("postgres://"):
            return c[len("postgres:") :]
        return c

    def __str__(self) -> str:  # what messages show: never a password
        safe = re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", self.dsn)
        safe = re.sub(r"password=\S+", "password=***", safe)
        return f"DuckLake (catalog {safe}, data {self.data_path})"


class LakeMissing(Exception):
    """The catalog holds no lake yet (nothing was imported into it)."""


def from_env() -> Lake | None:
    catalog = os.environ.get("WELLPATH_CATALOG")
    if not catalog:
        return None
    data_path = os.environ.get("WELLPATH_DATA_PATH")
    if not data_path:
        raise ValueError("WELLPATH_CATALOG is set but WELLPATH_DATA_PATH is not: set both")
    return Lake(
        catalog, str(Path(data_path).expanduser()), os.environ.get("WELLPATH_CATALOG_SCHEMA")
    )


def write_descriptor(path: Path, lake: Lake) -> Path:
    payload = {
        "kind": DESCRIPTOR_KIND,
        **{k: getattr(lake, k) for k in ("catalog", "data_path", "schema")},
    }
    Path(path).write_text(json.dumps(payload), encoding="utf-8")
    return Path(path)


def read_descriptor(path: Path) -> Lake | None:
    """The lake a descriptor file names, or None when `path` is not one (a DuckDB file...)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if not head.lstrip().startswith(b"{"):
        return None
    try:
        payload = json.loads(head)
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("kind") != DESCRIPTOR_KIND:
        return None
    return Lake(payload["catalog"], payload["data_path"], payload.get("schema"))


# --- extensions and connections --------------------------------------------------------------


def extension_file(name: str) -> Path:
    """The extension binary shipped by the pip package duckdb-extension-<name> (offline)."""
    import importlib

    module = importlib.import_module(f"duckdb_extension_{name}")
    path = Path(module.__file__).parent / "extensions" / DUCKDB_VERSION / f"{name}.duckdb_extension"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: install duckdb-extension-{name} at DuckDB's version "
            "(pip install -r requirements.txt)"
        )
    return path


def _quote(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def load_extensions(con: duckdb.DuckDBPyConnection) -> None:
    """INSTALL from the pip packages' files (never from the internet), then LOAD."""
    for name in ("ducklake", "postgres"):
        con.execute(f"install {_quote(str(extension_file(name)))}")
    con.execute("load ducklake")
    con.execute("load postgres")


def attach(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    *,
    read_only: bool,
    snapshot: int | None = None,
    alias: str = ALIAS,
) -> None:
    """Attach the lake as `alias`."""
    data_path = str(lake.data_path).rstrip("/") + "/"
    options = [f"data_path {_quote(data_path)}"]
    if lake.schema:
        options.append(f"metadata_schema {_quote(lake.schema)}")
    if read_only:
        options.append("read_only")
    if snapshot is not None:
        options.append(f"snapshot_version {int(snapshot)}")
    target = _quote("ducklake:postgres:" + lake.dsn)
    try:
        con.execute(f"attach {target} as {alias} ({', '.join(options)})")
    except duckdb.InvalidInputException as exc:
        if "does not exist" in str(exc):
            raise LakeMissing(f"no Wellpath data in {lake} yet: import a batch first") from None
        raise


_SHARED: duckdb.DuckDBPyConnection | None = None
_SHARED_LOCK = threading.Lock()
_ATTACHED: dict[str, list[str]] = {}  # lake key -> read-only aliases attached, oldest first
KEEP_READ_SNAPSHOTS = 3
_serial = itertools.count(1)


def _shared() -> duckdb.DuckDBPyConnection:
    """One DuckDB instance per process for every lake connection: loading the two extensions
    takes 1-3 s per instance, so each connection is a cursor of this one, with the lake
    attached under an alias of its own (a snapshot's, or a writer's)."""
    global _SHARED
    if _SHARED is None:
        from wellpath.db import reader_config  # db imports this module

        con = duckdb.connect(":memory:", config=reader_config())
        con.execute("set enable_progress_bar = false")
        load_extensions(con)
        _SHARED = con
    return _SHARED


def _lake_key(lake: Lake) -> str:
    return hashlib.sha256(repr(lake).encode()).hexdigest()[:10]


def connect(
    lake: Lake,
    *,
    read_only: bool = True,
    snapshot: int | None = None,
    memory_limit: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection with the lake attached as the default database (read-only: at one snapshot,
    the newest by default, so every query on it reads the same committed state)."""
    with _SHARED_LOCK:
        base = _shared()
        if memory_limit:
            base.execute(f"set memory_limit = {_quote(memory_limit)}")
        if read_only:
            if snapshot is None:
                snapshot = latest_snapshot(lake)
                if snapshot is None or snapshot <= 0:
                    raise LakeMissing(f"no Wellpath data in {lake} yet: import a batch first")
            key = _lake_key(lake)
            alias = f"{ALIAS}_{key}_s{int(snapshot)}"
            seen = _ATTACHED.setdefault(key, [])
            if alias not in seen:
                attach(base, lake, read_only=True, snapshot=snapshot, alias=alias)
                seen.append(alias)
                while len(seen) > KEEP_READ_SNAPSHOTS:
                    base.execute(f"detach database if exists {seen.pop(0)}")
        else:
            alias = f"{ALIAS}_w{next(_serial)}"
            attach(base, lake, read_only=False, alias=alias)
        con = base.cursor()
    con.execute(f"use {alias}")
    return con


def detach(con: duckdb.DuckDBPyConnection) -> None:
    """Detach a writer's alias (readers' snapshots stay attached for the next reader)."""
    (alias,) = con.execute("select current_database()").fetchone()
    con.execute("use memory")
    with _SHARED_LOCK:
        _shared().execute(f"detach database if exists {alias}")


# --- the catalog in PostgreSQL: snapshots and the writers' lock -------------------------------


def _pg(lake: Lake):
    import psycopg

    return psycopg.connect(lake.dsn, autocommit=True, connect_timeout=10)


def _catalog_table(lake: Lake, name: str) -> str:
    from psycopg import sql

    return sql.Identifier(lake.schema or "public", name)


def latest_snapshot(lake: Lake) -> int | None:
    """The newest committed snapshot id, or None when the catalog holds no lake yet."""
    from psycopg import errors, sql

    with _pg(lake) as pg:
        try:
            row = pg.execute(
                sql.SQL("select max(snapshot_id) from {}").format(
                    _catalog_table(lake, "ducklake_snapshot")
                )
            ).fetchone()
        except (errors.UndefinedTable, errors.InvalidSchemaName):
            return None
    return None if row is None or row[0] is None else int(row[0])


def exists(lake: Lake) -> bool:
    """Whether anything was ever committed (snapshot 0 is DuckLake's own creation of an empty
    lake, which a refused first import may leave: it holds no Wellpath table)."""
    latest = latest_snapshot(lake)
    return latest is not None and latest > 0


def lock_key(lake: Lake) -> int:
    """The advisory lock of one lake (its schema and data path), as a signed 64-bit number."""
    digest = hashlib.sha256(f"wellpath|{lake.schema}|{lake.data_path}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class LakeLocked(Exception):
    """Another writer holds the lake's lock and did not finish in time."""


@contextmanager
def writers_lock(
    lake: Lake, wait: float | None = None, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """pg_advisory_lock on the catalog's PostgreSQL, held by a session of its own for the whole
    write. PostgreSQL releases it if the writer dies (its session ends), so a killed import never
    leaves a stale lock."""
    pg = _pg(lake)
    try:
        key = lock_key(lake)
        deadline = None if wait is None else time.monotonic() + wait
        told = False
        while not pg.execute("select pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            if deadline is not None and time.monotonic() >= deadline:
                raise LakeLocked(
                    "another import is still writing this lake; nothing was changed. Try "
                    "again when it has finished"
                )
            if on_wait and not told:
                on_wait("waiting for another import into this lake to finish")
                told = True
            time.sleep(0.2)
        try:
            yield
        finally:
            pg.execute("select pg_advisory_unlock(%s)", (key,))
    finally:
        pg.close()


def schema_sql(text: str) -> str:
    """schema.sql as DuckLake takes it: without primary keys (DuckLake has no key constraints;
    the importer checks keys itself)."""
    text = re.sub(r",\s*primary key\s*\([^)]*\)", "", text, flags=re.IGNORECASE)
    return re.sub(r"\s+primary key\b", "", text, flags=re.IGNORECASE)


@contextmanager
def transaction(
    lake: Lake,
    ensure_schema: Callable[[duckdb.DuckDBPyConnection], None],
    *,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
    memory_limit: str | None = None,
    commit_message: str | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """One DuckLake transaction under the writers' lock: committed when the block ends, rolled
    back when it raises (a refused batch changes nothing; a killed writer never committed, so
    its snapshot never existed; Parquet files it had written are orphans that
    `ducklake_delete_orphaned_files` removes, see docs/deployment.md)."""
    Path(lake.data_path).mkdir(parents=True, exist_ok=True)
    with writers_lock(lake, wait=wait, on_wait=on_wait):
        con = connect(lake, read_only=False, memory_limit=memory_limit)
        try:
            con.execute("begin")
            ensure_schema(con)
            yield con
            if commit_message:
                (alias,) = con.execute("select current_database()").fetchone()
                con.execute(
                    f"call {alias}.set_commit_message('wellpath', $m)", {"m": commit_message}
                )
            con.execute("commit")
        except BaseException:
            with suppress(duckdb.Error):
                con.execute("rollback")
            raise
        finally:
            detach(con)
            con.close()


def snapshot_in_transaction(con: duckdb.DuckDBPyConnection) -> int:
    """The snapshot this transaction will commit: the one it started from, plus one (writers
    are serialised by the lock, so no other Wellpath writer commits in between)."""
    (current,) = con.execute("select id from current_snapshot()").fetchone()
    return int(current) + 1
