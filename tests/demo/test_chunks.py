"""The chunked path the national scale takes: a world generated and written a chunk of
practices at a time must read as one world (ids running on, pseudonyms unique, every child
row's parent present), be deterministic, and import through the real importer cleanly.

A small synthetic scale stands in for national: 24 practices in chunks of 6 (four chunks).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib

import duckdb
import pandas as pd
import pytest

from wellpath.demo.world import Scale, chunk_count, generate, generate_chunks
from wellpath.demo.write import fixed_widths, write_chunks, write_tables

TODAY = dt.date(2026, 11, 1)
TINY = Scale(
    "tiny",
    24,
    comparison_patients_per_practice=5,
    rate_multiplier=0.2,
    months_before=3,
    plant_flaws=False,
    chunk_practices=6,
    id_digits=7,
)


def _write(folder, seed=3):
    chunks = generate_chunks(TINY, seed=seed, today=TODAY)
    write_chunks(chunks, folder, fixed_widths(TINY.id_digits))
    return {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in folder.glob("*.csv")}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    return folder, _write(folder)


def test_four_chunks_read_as_one_world(tiny):
    _, t = tiny
    assert chunk_count(TINY) == 4
    assert len(t["practices"]) == 24
    for table, key, prefix in [
        ("referrals", "referral_id", "R"),
        ("contacts", "contact_id", "C"),
        ("goals", "goal_id", "G"),
        ("assessments", "assessment_id", "A"),
    ]:
        ids = t[table][key]
        # Numbered on across chunks: 1..n with no gap or repeat, seven digits.
        assert ids.str.fullmatch(prefix + r"\d{7}").all()
        assert ids.str[1:].astype(int).tolist() == list(range(1, len(ids) + 1)), table
    refs = set(t["referrals"].referral_id)
    for table in ("contacts", "goals", "assessments"):
        assert set(t[table].referral_id) <= refs
    patients = t["patients"].patient_id
    assert patients.is_unique and patients.str.fullmatch(r"P-[0-9A-F]{6}").all()
    assert set(t["referrals"].patient_id) <= set(patients)
    assert set(t["healthcare_use"].patient_id) <= set(patients)
    # Every chunk has referrals (its practices are spread over the scale's practices).
    codes = t["practices"].practice_code.tolist()
    chunk_of = {c: i // 6 for i, c in enumerate(codes)}
    assert set(t["referrals"].practice_code.map(chunk_of)) == {0, 1, 2, 3}


def test_chunked_world_is_deterministic(tiny, tmp_path):
    folder, _ = tiny
    _write(tmp_path / "again")
    for p in folder.glob("*.csv"):
        assert (
            hashlib.sha256(p.read_bytes()).digest()
            == hashlib.sha256((tmp_path / "again" / p.name).read_bytes()).digest()
        ), p.name


def test_appending_chunks_gives_the_bytes_of_one_write(tmp_path):
    # One unchunked world written whole, and again split row-wise into three chunks.
    tables = generate("demo", seed=5, today=TODAY).tables
    widths = {"R": 6, "C": 6, "G": 6, "A": 6}
    write_tables(tables, tmp_path / "whole")
    parts = []
    for k in range(3):
        part = {}
        for name, frame in tables.items():
            n = len(frame)
            part[name] = frame.iloc[k * n // 3 : (k + 1) * n // 3]
        parts.append(part)
    write_chunks(parts, tmp_path / "parts", widths)
    for p in (tmp_path / "whole").glob("*.csv"):
        assert p.read_bytes() == (tmp_path / "parts" / p.name).read_bytes(), p.name


def test_text_with_a_comma_is_quoted(tmp_path):
    practices = pd.DataFrame(
        {
            "practice_code": ["A99001"],
            "practice_name": ['Smith, Jones & "Partners"'],
            "pcn_code": ["U99999"],
            "pcn_name": ["Test PCN"],
            "list_size": [9000],
            "role": ["pilot"],
        }
    )
    write_chunks([{"practices": practices}], tmp_path, fixed_widths(6))
    with open(tmp_path / "practices.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1] == ["A99001", 'Smith, Jones & "Partners"', "U99999", "Test PCN", "9000", "pilot"]


def test_chunked_batch_imports_without_rejections(tiny, tmp_path):
    from wellpath.importer import import_batch

    folder, t = tiny
    db_path = tmp_path / "tiny.duckdb"
    result = import_batch(folder, db_path, run_by="test", is_demo=True)
    assert result.status == "loaded", result.rejected
    assert not any(result.rejected.values())
    assert result.loaded["referrals"] == len(t["referrals"])
    assert result.loaded["contacts"] == len(t["contacts"])
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        n = con.execute("select count(distinct patient_id) from patients").fetchone()[0]
    finally:
        con.close()
    assert n == len(t["patients"])
