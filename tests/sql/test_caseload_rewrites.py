"""active_caseload_by_month and worker_caseload_by_month count each month's people from the
runs of months their episodes are open in (one pass over the referrals) instead of joining
every episode to every month (a nested loop: 31 s and 99 s at national scale);
long_stay_people reads the contacts of the long stays only (not all 26M contacts), and
completed_episode_lengths joins the bands to distinct lengths (not to every episode). These
tests prove the answers identical to the queries they replaced (kept in tests/sql/reference/) on the
service and outcomes fixtures and the demo world: whole and part months, report dates before
the end of the period and on a month's last day, and practice, condition and link worker
filters."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from tests.conftest import test_backend as _backend
from wellpath import db

REFERENCE = Path(__file__).parent / "reference"
PARAM = re.compile(r"\$([a-z_]+)")
QUERIES = (
    "active_caseload_by_month",
    "worker_caseload_by_month",
    "long_stay_people",
    "completed_episode_lengths",
)


def _cursor(con):
    cur = con.cursor()
    db.use_attached(cur, con)
    return cur


def _reference(con, name: str, params: dict) -> pd.DataFrame:
    sql = (REFERENCE / f"{name}_rows.sql").read_text(encoding="utf-8")
    used = set(PARAM.findall("\n".join(line.split("--", 1)[0] for line in sql.splitlines())))
    cur = _cursor(con)
    try:
        return cur.execute(sql, {k: params[k] for k in used}).df()
    finally:
        cur.close()


def _column(con, sql: str) -> list:
    cur = _cursor(con)
    try:
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
    last = _column(con, "select max(coalesce(discharge_date, referral_date)) from referrals")[0]
    end = dt.date(last.year, last.month, 1) - dt.timedelta(days=1)  # a month's last day
    base = {
        "practice_codes": practices,
        "conditions": None,
        "worker_ids": None,
        "start_date": dt.date(end.year - 1, end.month, 1) + dt.timedelta(days=14),
        "end_date": end,
        "report_date": end,
    }
    return [
        base,
        {**base, "report_date": end - dt.timedelta(days=45)},  # mid-month, months cut short
        {**base, "report_date": end - dt.timedelta(days=400)},  # before the period
        {**base, "start_date": dt.date(2000, 1, 1), "end_date": last, "report_date": last},
        {**base, "start_date": end - dt.timedelta(days=20)},  # one part month
        {**base, "practice_codes": practices[:1]},
        {**base, "practice_codes": practices[1::2]},
        {**base, "practice_codes": []},
        {**base, "conditions": conditions[:1]},
        {**base, "worker_ids": workers[:1]},
        {**base, "conditions": conditions[:2], "worker_ids": workers[:3]},
    ]


def _assert_same(con) -> int:
    compared = 0
    for params in _cases(con):
        for name in QUERIES:
            new = db.run_query(con, name, params)
            old = _reference(con, name, params)
            pd.testing.assert_frame_equal(new, old, check_dtype=True)
            compared += int(new.filter(like="_count").fillna(0).to_numpy().sum())
    return compared


@pytest.fixture(scope="module", params=["service", "outcomes"])
def fixture_con(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("caseload_rewrites")
    path = build_fixture_db(FIXTURES / request.param, folder / "f.duckdb")
    connection = db.connect_read_only(Path(path))
    yield connection
    connection.close()


def test_equal_to_the_join_on_fixtures(fixture_con):
    assert _assert_same(fixture_con) > 0


def test_equal_to_the_join_on_demo(demo_db):
    connection = db.connect_read_only(demo_db)
    try:
        assert _assert_same(connection) > 0
    finally:
        connection.close()


def test_repeat_people_are_those_with_several_accepted_referrals(fixture_con):
    """derive_referral_repeat_people.sql: exactly the people with two or more accepted
    referrals (a superset of those with overlapping episodes in any view)."""
    listed = set(_column(fixture_con, "select patient_id from repeat_caseload_people"))
    expected = set(
        _column(
            fixture_con,
            "select patient_id from referrals where triage_outcome = 'accepted'"
            " group by patient_id having count(*) >= 2",
        )
    )
    assert listed == expected


def test_person_with_overlapping_episodes_counted_once(fixture_con):
    """The merge of a person's runs: every month's count is at most the number of people."""
    params = _cases(fixture_con)[3]
    rows = db.run_query(fixture_con, "active_caseload_by_month", params)
    people = _column(fixture_con, "select count(distinct patient_id) from referrals")[0]
    assert rows["active_count"].max() <= people


def test_kaplan_meier_from_counted_durations_is_that_of_one_row_per_episode(demo_db):
    """caseload_duration_counts counts the episodes per group, length and ending: the
    estimates (overall, by practice and by condition, curves included, full and rounded) are
    those of the same rows repeated once per episode, in any order."""
    from wellpath import service

    connection = db.connect_read_only(demo_db)
    try:
        base = {**_cases(connection)[3], "cohort_from_date": None}
        counted = {
            g: db.run_query(connection, "caseload_duration_counts", {**base, "group_by": g})
            for g in ("all", "practice", "condition")
        }
    finally:
        connection.close()
    assert int(counted["all"]["episodes"].sum()) > 100
    assert (counted["all"]["episodes"] > 1).any()  # the counting is exercised
    for group_by, by in (("all", None), ("practice", "group_key"), ("condition", "group_key")):
        rows = counted[group_by]
        one_each = (
            rows.loc[rows.index.repeat(rows["episodes"])]
            .drop(columns="episodes")
            .sample(frac=1.0, random_state=3)
            .reset_index(drop=True)
        )
        for rounded in (False, True):
            new_summary, new_curves = service.km_summary(rows, by, rounded=rounded)
            old_summary, old_curves = service.km_summary(one_each, by, rounded=rounded)
            pd.testing.assert_frame_equal(new_summary, old_summary)
            assert new_curves.keys() == old_curves.keys()
            for name, curve in new_curves.items():
                pd.testing.assert_frame_equal(curve, old_curves[name])


@pytest.mark.skipif(_backend() != "file", reason="edits a DuckDB file in place")
def test_equal_to_the_join_with_people_on_the_caseload_twice(tmp_path):
    """Neither the fixtures nor the demo have a person accepted twice: give some people of the
    service fixture a second episode (overlapping the first, just after it, or a year later,
    with the same or another link worker) and compare again, so the merge is compared too."""
    import duckdb

    path = build_fixture_db(FIXTURES / "service", tmp_path / "s.duckdb")
    con = duckdb.connect(str(path))
    try:
        for suffix, shift, worker in (("-b", 20, "same"), ("-c", 400, "same"), ("-d", 5, "other")):
            con.execute(
                f"""
                insert into referral_facts
                select * replace (
                    referral_id || '{suffix}' as referral_id,
                    first_contact_date + {shift} as first_contact_date,
                    discharge_date + {shift} as discharge_date,
                    -- no contacts of its own, as in the contacts table
                    null::date as last_attended_contact_date,
                    case when '{worker}' = 'other'
                        then (select max(worker_id) from referral_facts) else worker_id
                    end as worker_id
                )
                from referral_facts
                where triage_outcome = 'accepted' and first_contact_date is not null
                """
            )
        con.execute((db.QUERIES_DIR / "derive_referral_repeat_people.sql").read_text())
        assert con.execute("select count(*) from repeat_caseload_people").fetchone()[0] > 0
    finally:
        con.close()
    connection = db.connect_read_only(Path(path))
    try:
        assert _assert_same(connection) > 0
    finally:
        connection.close()
