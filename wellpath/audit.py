"""The users and audit store beside the DuckDB file, and the audit trail kept in it.

The DuckDB file is replaced atomically by every import (a private copy swapped in with
os.replace) and the dashboard opens it read-only, so accounts and audit events written by the
server cannot live in it: they would be lost at the next import, and the server could not
write them. They live in a small SQLite file beside it, `<db>.users.sqlite` (e.g.
data/wellpath.duckdb.users.sqlite), in WAL mode so that the dashboard's sessions, the CLI and
the importer can write to it at once. Back it up with the DuckDB file.

`record(event, ...)` is the one way to add to the trail. Events name who did what, where and
when: a username, a page, practice codes, a file name, a row count. Never a patient's
identifier or pseudonym: `detail` keeps only the keys in DETAIL_KEYS, as short plain text.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from wellpath import db

EVENTS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "locked_out": "Locked out after repeated failures",
    "sign_out": "Signed out",
    "session_expired": "Session expired",
    "sso_refused": "Single sign-on refused",
    "page_view": "Viewed a patient-level page",
    "export": "Downloaded a file",
    "report": "Made a report",
    "user_added": "User added",
    "user_changed": "User changed",
    "user_disabled": "User disabled",
    "import": "Data imported",
}
# What an event's detail may say: nothing else is stored, so no identifier can slip in.
DETAIL_KEYS = (
    "page",
    "practices",
    "filename",
    "rows",
    "role",
    "reason",
    "method",
    "batch_id",
    "status",
    "changes",
    "period",
)
MAX_DETAIL_CHARS = 200

SCHEMA = """
create table if not exists users (
    username text primary key,
    role text not null,
    practices text not null default '',
    email text unique,
    password_hash text,
    disabled integer not null default 0,
    created_at text not null,
    updated_at text not null
);
create table if not exists audit_events (
    id integer primary key autoincrement,
    at text not null,
    event text not null,
    username text,
    detail text not null default '{}'
);
create index if not exists audit_events_by_user on audit_events (username, event, at);
"""


def store_path(db_path: Path | None = None) -> Path:
    """The users and audit file for a DuckDB file: `<db>.users.sqlite` beside it."""
    path = Path(db_path or db.default_db_path())
    return path.with_name(path.name + ".users.sqlite")


@contextmanager
def connect(db_path: Path | None = None) -> Iterator[sqlite3.Connection]:
    """A connection to the store (created on first use), committed on success."""
    path = store_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    try:
        con.execute("pragma journal_mode=wal")
        con.execute("pragma busy_timeout=10000")
        con.executescript(SCHEMA)
        with con:
            yield con
    finally:
        con.close()


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _clean_detail(detail: Mapping[str, object] | None) -> str:
    kept: dict[str, str | int] = {}
    for key in DETAIL_KEYS:
        value = (detail or {}).get(key)
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            value = ",".join(sorted(str(v) for v in value))
        if isinstance(value, bool) or not isinstance(value, int):
            value = str(value).replace("\n", " ")[:MAX_DETAIL_CHARS]
        kept[key] = value
    return json.dumps(kept, sort_keys=True)


def record(
    event: str,
    username: str | None = None,
    detail: Mapping[str, object] | None = None,
    *,
    db_path: Path | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Add one event to the audit trail, e.g. record("import", "cli:jo", {"batch_id": ...}).

    The importer calls this after a batch (event "import", detail batch_id, status, rows)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    when = (at or now_utc()).isoformat(timespec="seconds")
    with connect(db_path) as con:
        con.execute(
            "insert into audit_events (at, event, username, detail) values (?, ?, ?, ?)",
            (when, event, username, _clean_detail(detail)),
        )


def events(
    db_path: Path | None = None,
    *,
    limit: int = 1000,
    event: str | None = None,
    username: str | None = None,
) -> list[dict[str, object]]:
    """The latest events, newest first, as dicts (at, event, username, detail dict)."""
    sql = "select at, event, username, detail from audit_events where 1 = 1"
    params: list[object] = []
    if event:
        sql += " and event = ?"
        params.append(event)
    if username:
        sql += " and username = ?"
        params.append(username)
    sql += " order by id desc limit ?"
    params.append(int(limit))
    with connect(db_path) as con:
        rows = con.execute(sql, params).fetchall()
    return [
        {"at": dt.datetime.fromisoformat(a), "event": e, "username": u, "detail": json.loads(d)}
        for a, e, u, d in rows
    ]


def record_import(
    db_path: Path,
    username: str | None,
    *,
    batch_id: object = None,
    status: str,
    rows: int | None = None,
) -> None:
    """An import in the trail: who ran it, the batch and how it ended (loaded, unchanged,
    refused...), and how many rows were accepted. Never a file's contents or a reason text
    (a refusal's message may quote a cell)."""
    record(
        "import",
        username,
        {"batch_id": batch_id, "status": status, "rows": rows},
        db_path=db_path,
    )
