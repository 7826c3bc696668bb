"""Helpers for importer tests (imported by name; conftest.py only holds the fixtures): a small valid batch, and ways to bend it one rule at a time.

The valid batch (fixtures/valid_batch) has 2 practices, 1 link worker, 2 patients, 2
referrals, 2 contacts, 1 goal, 2 assessments, 1 healthcare_use month, 1 prescriptions month,
all passing every rule, so a test that appends one bad row knows exactly what must happen.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from wellpath import db

VALID = Path(__file__).resolve().parent / "fixtures" / "valid_batch"

BASE_ROWS = {
    "practices": 2,
    "link_workers": 1,
    "patients": 2,
    "referrals": 2,
    "contacts": 2,
    "goals": 1,
    "assessments": 2,
    "healthcare_use": 1,
    "prescriptions": 1,
}


def copy_valid(folder: Path) -> Path:
    shutil.copytree(VALID, folder)
    return folder


def append_row(folder: Path, table: str, row: str) -> None:
    path = folder / f"{table}.csv"
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + row + "\n", encoding="utf-8")


def rejected(db_path: Path, table: str | None = None) -> list[dict]:
    con = db.connect_read_only(db_path)
    try:
        sql = "select * from rejected_rows"
        params: list = []
        if table:
            sql += " where table_name = ?"
            params.append(table)
        cur = con.execute(sql + " order by table_name, row_number, column_name", params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def rows(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = db.connect_read_only(db_path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def raw(rec: dict) -> dict:
    return json.loads(rec["raw_row"])
