"""healthcare_use_before_after reads healthcare_use_windows (built at import by
queries/derive_healthcare_use_windows.sql) instead of range-joining the monthly tables on
every view. These tests prove its answers identical, row for row and type for type, to the
range-join query it replaced (kept as tests/sql/reference/healthcare_use_before_after_rangejoin.sql)
on the hand-built outcomes fixture and on the demo world, under every kind of filter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from wellpath import db

REFERENCE = Path(__file__).parent / "reference" / "healthcare_use_before_after_rangejoin.sql"


@pytest.fixture(scope="module")
def fixture_con(tmp_path_factory):
    path = build_fixture_db(
        FIXTURES / "outcomes", tmp_path_factory.mktemp("hcw") / "outcomes.duckdb"
    )
    connection = db.connect_read_only(Path(path))
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def demo_con(demo_db: Path):
    connection = db.connect_read_only(demo_db)
    yield connection
    connection.close()


def _reference(con: duckdb.DuckDBPyConnection, params: dict) -> pd.DataFrame:
    cur = con.cursor()
    try:
        db.use_attached(cur, con)
        return cur.execute(REFERENCE.read_text(encoding="utf-8"), params).df()
    finally:
        cur.close()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), na_position="first").reset_index(drop=True)


def _assert_same(con: duckdb.DuckDBPyConnection, params: dict) -> int:
    new = db.run_query(con, "healthcare_use_before_after", params)
    old = _reference(con, params)
    pd.testing.assert_frame_equal(_sorted(new), _sorted(old))
    return len(new)


def _column(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    cur = con.cursor()
    try:
        db.use_attached(cur, con)
        return [row[0] for row in cur.execute(sql).fetchall()]
    finally:
        cur.close()


def _cases(con: duckdb.DuckDBPyConnection) -> list[dict]:
    practices = _column(con, "select practice_code from practices order by 1")
    conditions = _column(
        con, "select condition from referrals group by 1 order by count(*) desc, 1"
    )
    workers = _column(
        con,
        "select worker_id from referrals where worker_id is not null"
        " group by 1 order by count(*) desc, 1",
    )
    last = _column(con, "select max(month) from healthcare_use")[0]
    years = [(dt.date(y, 4, 1), dt.date(y + 1, 3, 31)) for y in range(last.year - 3, last.year + 1)]
    base = {"practice_codes": practices, "conditions": None, "worker_ids": None}
    cases = [{**base, "start_date": s, "end_date": e} for s, e in years]
    wide = {"start_date": dt.date(2000, 1, 1), "end_date": dt.date(2100, 1, 1)}
    cases += [
        {**base, **wide},
        {**base, **wide, "practice_codes": practices[:1]},
        {**base, **wide, "practice_codes": practices[1::2]},
        {**base, **wide, "conditions": conditions[:1]},
        {**base, **wide, "conditions": conditions[1:3], "worker_ids": workers[:2]},
        {**base, **wide, "worker_ids": workers[:1]},
    ]
    return cases


def test_equal_to_range_join_on_fixture(fixture_con):
    rows = [_assert_same(fixture_con, params) for params in _cases(fixture_con)]
    assert max(rows) > 0  # the fixture has people with complete windows


def test_equal_to_range_join_on_demo(demo_con):
    rows = [_assert_same(demo_con, params) for params in _cases(demo_con)]
    assert max(rows) > 100


def test_derived_table_holds_only_complete_windows(demo_con):
    # The 12 months before and the whole after-window inside healthcare_use's span.
    bad = _column(
        demo_con,
        "select count(*) from healthcare_use_windows w,"
        " (select min(month) f, max(month) l from healthcare_use) s"
        " where w.index_month - interval 12 month < s.f"
        " or w.index_month + to_months(12 * w.after_window) > s.l",
    )[0]
    assert bad == 0
    keys = _column(
        demo_con,
        "select count(*) - count(distinct (patient_id, index_month, after_window))"
        " from healthcare_use_windows",
    )[0]
    assert keys == 0
