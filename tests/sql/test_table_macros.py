"""The shared SQL building blocks (queries/derive_table_macros.sql) on the tiny service
fixture: scoped_referrals filters exactly as the old inline idiom did, and month_spine has
one row per calendar month touching the period, with part months marked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from wellpath import db


@pytest.fixture(scope="module")
def con(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    path = build_fixture_db(FIXTURES / "service", tmp_path_factory.mktemp("m") / "s.duckdb")
    connection = db.connect_read_only(Path(path))
    yield connection
    connection.close()


def test_scoped_referrals_matches_the_inline_filter(con: duckdb.DuckDBPyConnection) -> None:
    practices = ["A86012", "A86017"]
    for conditions in (None, ["ibs"], ["chronic_pain_msk", "fibromyalgia"]):
        for workers in (None, ["W1"]):
            params = {"p": practices, "c": conditions, "w": workers}
            macro = con.execute(
                "select referral_id from scoped_referrals($p, $c, $w) order by 1", params
            ).fetchall()
            inline = con.execute(
                """select referral_id from referral_facts
                   where practice_code in (select unnest($p))
                     and ($c is null or list_contains($c, condition))
                     and ($w is null or list_contains($w, worker_id)) order by 1""",
                params,
            ).fetchall()
            assert macro == inline
    none = con.execute("select count(*) from scoped_referrals([]::varchar[], null, null)")
    assert none.fetchone()[0] == 0  # no practices in scope: nothing, never everything


def test_month_spine_marks_part_months(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select month_start, month_end, on_date, is_whole_month from month_spine($s, $e, $r)",
        {"s": dt.date(2025, 11, 2), "e": dt.date(2026, 2, 1), "r": dt.date(2026, 2, 1)},
    ).fetchall()
    assert [r[0] for r in rows] == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
    assert [r[3] for r in rows] == [False, True, True, False]  # 2 Nov start, 1 Feb end
    assert rows[1][1] == dt.date(2025, 12, 31)
    assert rows[-1][2] == dt.date(2026, 2, 1)  # the last month measured to the report date
