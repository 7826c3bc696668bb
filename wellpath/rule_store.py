"""Saved payment rule sets: a small SQLite file beside the analytics database.

Why not the DuckDB file: the server opens it read-only and an import replaces it whole with
an atomic rename, so a rule set written into it would be lost at the next import (and a
write would need the import lock). The settings file `<db>.settings.sqlite` is the service's
own configuration, not data sent in: it survives imports, takes concurrent readers while one
page saves (WAL journal), and holds nothing about patients.

Every save is kept with its timestamp (a rule set is named AND dated); a listing shows the
latest version of each name.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from wellpath.payments import RuleSet

_SCHEMA = """
create table if not exists payment_rule_sets (
    name text not null,
    saved_at text not null,
    rules_json text not null,
    primary key (name, saved_at)
)
"""


def settings_path(db_path: Path) -> Path:
    """The settings file for an analytics file: `wellpath.duckdb` -> `wellpath.duckdb.settings.sqlite`."""
    return db_path.with_name(db_path.name + ".settings.sqlite")


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=10)
    con.execute("pragma journal_mode=wal")
    con.execute(_SCHEMA)
    return con


def save(path: Path, rules: RuleSet, *, now: dt.datetime | None = None) -> None:
    """Store a version of `rules` (its name and the time of saving are its key)."""
    stamp = (now or dt.datetime.now()).isoformat(timespec="microseconds")
    with closing(_connect(path)) as con, con:
        con.execute(
            "insert into payment_rule_sets (name, saved_at, rules_json) values (?, ?, ?)",
            (rules.name, stamp, rules.to_json()),
        )


def latest(path: Path) -> list[tuple[str, RuleSet]]:
    """(saved at, rule set) for the latest version of each saved name, by name. A missing
    file has none (it is created on the first save)."""
    if not path.exists():
        return []
    with closing(_connect(path)) as con:
        rows = con.execute(
            """
            select saved_at, rules_json from payment_rule_sets as r
            where saved_at = (select max(saved_at) from payment_rule_sets where name = r.name)
            order by name
            """
        ).fetchall()
    return [(saved_at, RuleSet.from_json(text)) for saved_at, text in rows]


def history(path: Path, name: str) -> list[tuple[str, RuleSet]]:
    """Every saved version of one rule set, newest first."""
    if not path.exists():
        return []
    with closing(_connect(path)) as con:
        rows = con.execute(
            "select saved_at, rules_json from payment_rule_sets where name = ? "
            "order by saved_at desc",
            (name,),
        ).fetchall()
    return [(saved_at, RuleSet.from_json(text)) for saved_at, text in rows]
