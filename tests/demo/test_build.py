"""The demo world through the real importer: only the planted rows are rejected, for their rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import duckdb
import pytest

from tests.conftest import DEMO_SEED, DEMO_TODAY, REPO
from wellpath import demo

KEYS = {
    "patients": "patient_id",
    "referrals": "referral_id",
    "contacts": "contact_id",
    "goals": "goal_id",
    "assessments": "assessment_id",
}


@pytest.fixture(scope="module")
def rejected(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        rows = con.execute(
            "select table_name, column_name, rule, raw_row from rejected_rows"
        ).fetchall()
        batches = con.execute("select is_demo, run_by, status from import_batches").fetchall()
    finally:
        con.close()
    return rows, batches


def test_only_the_planted_rows_are_rejected(rejected):
    rows, batches = rejected
    flaws = demo.planted_flaws(seed=DEMO_SEED, today=DEMO_TODAY)
    expected: dict[tuple[str, str], str] = {}
    for f in flaws:
        expected[(f.table, f.key)] = f.column
        for table, keys in f.cascade.items():
            for key in keys:
                expected[(table, key)] = "referral_id"  # rejected because its parent was
    got: dict[tuple[str, str], set[str]] = {}
    for table, column, _rule, raw in rows:
        key = json.loads(raw).get(KEYS[table])
        got.setdefault((table, key), set()).add(column)
    # The NHS number is not kept in rejected_rows (the importer blanks it): match it by table.
    nhs = [f for f in flaws if f.table == "patients"]
    assert len(nhs) == 1
    patient_rows = [k for k in got if k[0] == "patients"]
    assert len(patient_rows) == 1 and got.pop(patient_rows[0]) == {"patient_id"}
    expected.pop(("patients", nhs[0].key))
    assert {k: {v} for k, v in expected.items()} == got
    assert batches == [(True, "demo", "loaded_with_rejections")]


def test_rules_name_what_is_wrong(rejected):
    rows, _ = rejected
    rules = {(t, c): rule for t, c, rule, _ in rows}
    assert "not a real date" in rules[("referrals", "referral_date")]
    assert "NHS number" in rules[("patients", "patient_id")]
    assert "before the referral_date" in rules[("contacts", "contact_date")]
    assert "discharge_reason is empty" in rules[("referrals", "discharge_reason")]
    assert "0 to 6" in rules[("assessments", "item_03")]
    assert "closed_date is empty" in rules[("goals", "closed_date")]


def test_the_demo_command_exits_0_quickly(tmp_path):
    db = tmp_path / "wellpath.duckdb"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "wellpath", "demo", "--db", str(db), "--today", "2026-11-01"]
        + ["--seed", "7"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "referrals" in done.stdout and db.exists()
    assert elapsed < 60  # about 10 s on a quiet machine; generous for a busy shared one
    con = duckdb.connect(str(db), read_only=True)
    try:
        n = con.execute("select count(*) from referrals").fetchone()[0]
    finally:
        con.close()
    assert 1200 <= n <= 2000
