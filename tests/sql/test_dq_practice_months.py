"""dq_field_completeness and dq_data_freshness read the monthly tables from their
per-practice counts (healthcare_practice_months, built at import by
queries/derive_healthcare_practice_months.sql) when no condition or link worker is chosen,
and dq_field_completeness reads contacts and questionnaires from their counts per practice
and month (contact_months, questionnaire_months) for the whole months of a period.
These tests prove both answers identical to the row-level queries they replaced (kept in
tests/sql/reference/) on the demo world and on the outcomes fixture, with and without
such filters."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from wellpath import db

REFERENCE = Path(__file__).parent / "reference"
PARAM = re.compile(r"\$([a-z_]+)")


def _reference(con, name: str, params: dict) -> pd.DataFrame:
    sql = (REFERENCE / f"{name}_rows.sql").read_text(encoding="utf-8")
    used = set(PARAM.findall("\n".join(line.split("--", 1)[0] for line in sql.splitlines())))
    cur = con.cursor()
    try:
        db.use_attached(cur, con)
        return cur.execute(sql, {k: params[k] for k in used}).df()
    finally:
        cur.close()


def _column(con, sql: str) -> list:
    cur = con.cursor()
    try:
        db.use_attached(cur, con)
        return [row[0] for row in cur.execute(sql).fetchall()]
    finally:
        cur.close()


def _cases(con) -> list[dict]:
    practices = _column(con, "select practice_code from practices order by 1")
    conditions = _column(con, "select condition from referrals group by 1 order by count(*) desc")
    workers = _column(
        con,
        "select worker_id from referrals where worker_id is not null"
        " group by 1 order by count(*) desc, 1",
    )
    last = _column(con, "select max(month) from healthcare_use")[0]
    base = {
        "practice_codes": practices,
        "conditions": None,
        "worker_ids": None,
        "start_date": dt.date(last.year - 1, 4, 1),
        "end_date": dt.date(last.year, 3, 31),
        "today": last + dt.timedelta(days=40),
    }
    return [
        base,
        {**base, "start_date": dt.date(2000, 1, 1), "end_date": dt.date(2100, 1, 1)},
        {**base, "practice_codes": practices[:1], "today": last - dt.timedelta(days=100)},
        {**base, "practice_codes": practices[1::2]},
        {**base, "conditions": conditions[:1]},
        {**base, "worker_ids": workers[:1]},
        {**base, "conditions": conditions[:2], "worker_ids": workers[:3]},
        # part months at both ends (contacts and questionnaires: counts and rows together)
        {**base, "start_date": dt.date(last.year - 1, 4, 9), "end_date": dt.date(last.year, 2, 17)},
        # one part month, and a period inside one month with a link worker chosen
        {**base, "start_date": dt.date(last.year, 1, 3), "end_date": dt.date(last.year, 1, 30)},
        {
            **base,
            "start_date": dt.date(last.year, 1, 1),
            "end_date": dt.date(last.year, 1, 30),
            "worker_ids": workers[:2],
        },
        # a whole month and a part month, for one practice
        {
            **base,
            "practice_codes": practices[:1],
            "start_date": dt.date(last.year - 1, 12, 1),
            "end_date": dt.date(last.year, 1, 12),
        },
    ]


def _assert_same(con) -> None:
    for params in _cases(con):
        for name in ("dq_field_completeness", "dq_data_freshness"):
            new = db.run_query(con, name, params)
            old = _reference(con, name, params)
            pd.testing.assert_frame_equal(new, old, check_dtype=True)


@pytest.fixture(scope="module")
def fixture_con(tmp_path_factory):
    path = build_fixture_db(FIXTURES / "outcomes", tmp_path_factory.mktemp("dqpm") / "o.duckdb")
    connection = db.connect_read_only(Path(path))
    yield connection
    connection.close()


def test_equal_to_row_queries_on_fixture(fixture_con):
    _assert_same(fixture_con)


def test_equal_to_row_queries_on_demo(demo_db):
    connection = db.connect_read_only(demo_db)
    try:
        _assert_same(connection)
        # the monthly tables are in the comparison, with rows to count
        counts = _column(connection, "select sum(row_count) from healthcare_practice_months")
        assert counts[0] > 0
        forms = _column(connection, "select sum(form_count) from questionnaire_months")
        assert forms[0] > 0
        days = _column(connection, "select sum(form_count) from questionnaire_days")
        assert days == forms
    finally:
        connection.close()
