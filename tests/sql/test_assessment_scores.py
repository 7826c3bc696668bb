"""queries/derive_assessment_scores.sql gives the same score as wellpath.scoring for every form,
and sequences baselines and follow-ups among scored assessments only."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import duckdb
import pytest

from wellpath import db, scoring
from wellpath.scoring import INSTRUMENTS

DERIVE = db.QUERIES_DIR / "derive_assessment_scores.sql"
SWEMWBS_CSV = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "published"
    / "scoring"
    / "swemwbs_raw_to_metric.csv"
)
ITEM_COLUMNS = [f"item_{i:02d}" for i in range(1, 15)]
INSERT = (
    "insert into assessments (assessment_id, referral_id, instrument, assessment_date, "
    + ", ".join(ITEM_COLUMNS)
    + ", total) values ("
    + ", ".join(["?"] * 19)
    + ")"
)


def _derive(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    db.ensure_schema(con)
    if rows:
        con.executemany(INSERT, rows)
    con.execute(DERIVE.read_text(encoding="utf-8"))
    return con


def _row(aid, rid, code, date, items, total=None) -> tuple:
    padded = list(items) + [None] * (14 - len(items))
    return (aid, rid, code, date, *padded, total)


def _random_form(rng: random.Random, code: str) -> tuple[list[int | None], float | None]:
    """A valid form of one of five kinds: complete; complete with its total; incomplete;
    total only; some items and a total."""
    inst = INSTRUMENTS[code]
    n = rng.randint(inst.items_needed, inst.item_count)
    items: list[int | None] = [rng.randint(inst.item_min, inst.item_max) for _ in range(n)]
    kind = rng.choice(["complete", "complete_total", "incomplete", "total_only", "partial_total"])
    if not inst.has_total:
        if kind in ("incomplete", "total_only", "partial_total"):
            items[rng.randrange(len(items))] = None
        return items, None
    given = [v for v in items if v is not None]
    form_total = round(sum(given) / len(given), 1) if code == "PSFS" else float(sum(given))
    if kind == "complete":
        return items, None
    if kind == "complete_total":
        return items, form_total
    if code == "PSFS":  # any non-empty set of activities is complete; blank them all
        items = [None] * len(items)
    else:
        items[rng.randrange(len(items))] = None
    if kind == "incomplete":
        return items, None
    if kind == "total_only":
        return [None] * len(items), form_total
    return items, form_total


def test_sql_score_equals_python_score_for_random_forms():
    rng = random.Random(20261124)
    rows, expected = [], {}
    start = dt.date(2025, 1, 1)
    for k in range(3000):
        code = rng.choice(list(INSTRUMENTS))
        items, total = _random_form(rng, code)
        aid = f"a{k:05d}"
        # mixed case codes are matched case-insensitively, as in the data contract
        sent_code = code.lower() if k % 7 == 0 else code
        rows.append(_row(aid, f"r{k // 3}", sent_code, start + dt.timedelta(days=k), items, total))
        expected[aid] = (
            scoring.score(code, items, total),
            len([v for v in items if v is not None]),
        )
    con = _derive(rows)
    got = con.execute(
        "select assessment_id, score, item_count_given, is_complete, instrument "
        "from assessment_scores"
    ).fetchall()
    assert len(got) == len(rows)
    kinds = {"scored": 0, "unscored": 0}
    for aid, sql_score, given, complete, instrument in got:
        py_score, py_given = expected[aid]
        assert instrument in INSTRUMENTS
        assert given == py_given, aid
        if py_score is None:
            assert sql_score is None, aid
            kinds["unscored"] += 1
        else:
            # the same number, not merely close: both sum integers and divide once
            assert sql_score == py_score, (aid, sql_score, py_score)
            assert complete
            kinds["scored"] += 1
        if instrument != "ONS4":
            assert complete == (py_score is not None)
    # the random forms exercised both outcomes
    assert kinds["scored"] > 1000 and kinds["unscored"] > 300


def test_all_29_swemwbs_rows_through_sql():
    with SWEMWBS_CSV.open(encoding="utf-8") as fh:
        table = [(int(r["raw"]), float(r["metric"])) for r in csv.DictReader(fh)]
    assert len(table) == 29
    rows = []
    for raw, _ in table:
        # items summing to `raw`: as many 5s as fit, the rest 1s and one filler
        items, left = [], raw
        for slot in range(7):
            remaining_slots = 6 - slot
            value = min(5, left - remaining_slots)
            items.append(value)
            left -= value
        assert sum(items) == raw and all(1 <= v <= 5 for v in items)
        rows.append(_row(f"i{raw}", f"r{raw}", "SWEMWBS", dt.date(2025, 1, 1), items))
        rows.append(_row(f"t{raw}", f"r{raw}", "SWEMWBS", dt.date(2025, 2, 1), [], float(raw)))
    con = _derive(rows)
    scores = dict(con.execute("select assessment_id, score from assessment_scores").fetchall())
    for raw, metric in table:
        assert scores[f"i{raw}"] == pytest.approx(metric, abs=1e-9)
        assert scores[f"t{raw}"] == pytest.approx(metric, abs=1e-9)
    ref = con.execute(
        "select raw_score, metric_score from ref_swemwbs_metric order by 1"
    ).fetchall()
    assert ref == [(raw, pytest.approx(metric, abs=1e-9)) for raw, metric in table]


def test_sequence_counts_scored_assessments_only():
    d = dt.date
    full = [3] * 10
    rows = [
        # r1 PSEQ: an incomplete form first (not the baseline), then two scored on the same
        # day (assessment_id breaks the tie), then a later one sent before them in the file
        _row("p4", "r1", "PSEQ", d(2025, 6, 1), full),
        _row("p1", "r1", "PSEQ", d(2025, 1, 1), [3] * 9),
        _row("p3", "r1", "PSEQ", d(2025, 2, 1), full),
        _row("p2", "r1", "PSEQ", d(2025, 2, 1), full),
        # r1 SWEMWBS is sequenced separately from PSEQ
        _row("s1", "r1", "SWEMWBS", d(2025, 3, 1), [3] * 7),
        # r2 ONS4: complete forms count, an incomplete one does not
        _row("o1", "r2", "ONS4", d(2025, 1, 1), [7, 9, 4, 6]),
        _row("o2", "r2", "ONS4", d(2025, 2, 1), [7, None, 4, 6]),
        _row("o3", "r2", "ONS4", d(2025, 3, 1), [8, 9, 5, 2]),
    ]
    con = _derive(rows)
    result = {
        r[0]: r[1:]
        for r in con.execute(
            "select assessment_id, assessment_number, is_latest, is_complete, score, "
            "ons4_satisfaction, ons4_anxious from assessment_scores"
        ).fetchall()
    }
    # p1 incomplete: no number; p2 (same date as p3, smaller id) is the baseline
    assert result["p1"][:4] == (None, False, False, None)
    assert result["p2"][:2] == (1, False)
    assert result["p3"][:2] == (2, False)
    assert result["p4"][:2] == (3, True)
    assert result["p4"][3] == 30.0
    assert result["s1"][:2] == (1, True)
    assert result["s1"][3] == pytest.approx(19.25)  # raw 21
    assert result["o1"] == (1, False, True, None, 7, 6)
    assert result["o2"][:3] == (None, False, False)
    assert result["o3"] == (2, True, True, None, 8, 2)


def test_rerunning_rebuilds_the_same_table():
    con = _derive([_row("x", "r", "PSEQ2", dt.date(2025, 1, 1), [2, 5])])
    con.execute(DERIVE.read_text(encoding="utf-8"))
    assert con.execute("select count(*), sum(score) from assessment_scores").fetchone() == (1, 7.0)
