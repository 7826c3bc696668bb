"""The Data quality page's consistency checks read per-referral facts built at import
(referral_facts with its record dates, queries/derive_referral_facts.sql, through the macro
referral_check_flags) instead of every contact, goal and questionnaire on each
view. These tests prove dq_consistency_checks and dq_consistency_referrals identical to the
queries they replaced (the consistency_checks macro over the contract tables, kept in
tests/sql/reference/) on the demo world and on the service and MDT fixtures, with practice,
condition and link-worker filters, and with report dates that cut referrals' contacts short
(the path that counts those referrals' contacts row by row)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from wellpath import contract, db

REFERENCE = Path(__file__).parent / "reference"
PARAM = re.compile(r"\$([a-z_]+)")
QUERIES = ("dq_consistency_checks", "dq_consistency_referrals")


def _run(con, sql: str, params: dict) -> pd.DataFrame:
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
    first, last = _column(con, "select [min(contact_date), max(contact_date)] from contacts")[0]
    middle = first + (last - first) / 2
    base = {
        "practice_codes": practices,
        "conditions": None,
        "worker_ids": None,
        "start_date": last - dt.timedelta(days=365),
        "end_date": last,
        "report_date": last,
        **contract.eligibility_params(),
    }
    return [
        base,
        {
            **base,
            "start_date": dt.date(2000, 1, 1),
            "end_date": dt.date(2100, 1, 1),
            "report_date": dt.date(2100, 1, 1),
        },
        # report dates inside the record: many referrals have contacts after them
        {
            **base,
            "start_date": middle - dt.timedelta(days=180),
            "end_date": middle,
            "report_date": middle,
        },
        {
            **base,
            "start_date": first,
            "end_date": first + dt.timedelta(days=90),
            "report_date": first + dt.timedelta(days=90),
        },
        {**base, "practice_codes": practices[:1]},
        {**base, "practice_codes": practices[1::2], "report_date": middle, "end_date": middle},
        {**base, "practice_codes": []},
        {**base, "conditions": conditions[:1]},
        {**base, "worker_ids": workers[:1], "report_date": middle, "end_date": middle},
        {**base, "conditions": conditions[:2], "worker_ids": workers[:3]},
        {**base, "min_age": 40, "min_symptom_months": 6, "max_symptom_months": 12},
    ]


def _assert_same(con) -> int:
    flagged = 0
    for params in _cases(con):
        for name in QUERIES:
            new = db.run_query(con, name, params)
            old = _run(con, (REFERENCE / f"{name}_rows.sql").read_text("utf-8"), params)
            pd.testing.assert_frame_equal(new, old, check_dtype=True)
            if name == "dq_consistency_referrals":
                flagged += len(new)
    return flagged


@pytest.fixture(scope="module", params=["service", "mdt"])
def fixture_con(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dqa")
    path = build_fixture_db(FIXTURES / request.param, folder / "f.duckdb")
    connection = db.connect_read_only(Path(path))
    yield connection
    connection.close()


def test_equal_to_contact_level_checks_on_fixture(fixture_con):
    assert _assert_same(fixture_con) > 0


def test_equal_to_contact_level_checks_on_demo(demo_db):
    connection = db.connect_read_only(demo_db)
    try:
        assert _assert_same(connection) > 0
        # the report dates inside the record do take the row-by-row path for some referrals
        late = _column(
            connection,
            "select count(*) from referral_facts"
            " where latest_contact_date > (select min(contact_date) + 90 from contacts)",
        )
        assert late[0] > 0
    finally:
        connection.close()


def _coverage_cases(con) -> list[dict]:
    """baseline_followup_coverage's parameters: periods around the questionnaires on file."""
    practices = _column(con, "select practice_code from practices order by 1")
    conditions = _column(con, "select condition from referrals group by 1 order by count(*) desc")
    workers = _column(
        con,
        "select worker_id from referrals where worker_id is not null"
        " group by 1 order by count(*) desc, 1",
    )
    first, last = _column(
        con, "select [min(assessment_date), max(assessment_date)] from measure_scores"
    )[0]
    middle = first + (last - first) / 2
    base = {
        "practice_codes": practices,
        "conditions": None,
        "worker_ids": None,
        "start_date": last - dt.timedelta(days=365),
        "end_date": last,
        "report_date": last,
    }
    return [
        base,
        {
            **base,
            "start_date": dt.date(2000, 1, 1),
            "end_date": dt.date(2100, 1, 1),
            "report_date": dt.date(2100, 1, 1),
        },
        # a report date before many follow-ups
        {**base, "start_date": first, "end_date": middle, "report_date": middle},
        {**base, "start_date": first, "end_date": middle, "report_date": last},
        {**base, "practice_codes": practices[:1]},
        {**base, "practice_codes": []},
        {**base, "conditions": conditions[:1], "report_date": middle},
        {**base, "worker_ids": workers[:2]},
    ]


def _equal_to_reference(world, demo_db, tmp_path, name: str, reference: str) -> pd.DataFrame:
    """Query `name` equal to tests/sql/reference/`reference` for every coverage case, on the
    outcomes fixture or the demo world: every case's rows, concatenated."""
    path = (
        demo_db
        if world == "demo"
        else build_fixture_db(FIXTURES / "outcomes", tmp_path / "o.duckdb")
    )
    con = db.connect_read_only(Path(path))
    try:
        sql = (REFERENCE / reference).read_text("utf-8")
        found = []
        for params in _coverage_cases(con):
            new = db.run_query(con, name, params)
            old = _run(con, sql, params)
            pd.testing.assert_frame_equal(new, old, check_dtype=True, rtol=1e-12)
            found.append(new)
        return pd.concat(found, ignore_index=True)
    finally:
        con.close()


@pytest.mark.parametrize("world", ["outcomes", "demo"])
def test_followup_coverage_equal_to_the_pairs(world, demo_db, tmp_path):
    """baseline_followup_coverage (read by Outcomes and Data quality) asks whether each
    baseline's first candidate follow-up (outcome_baselines, built at import) is dated by the
    report date instead of pairing every baseline (baseline_followup_pairs): the same rows,
    on the outcomes fixture and the demo world."""
    rows = _equal_to_reference(
        world,
        demo_db,
        tmp_path,
        "baseline_followup_coverage",
        "baseline_followup_coverage_pairs.sql",
    )
    assert int((rows["follow_up_status"] == "followed_up").sum()) > 0


@pytest.mark.parametrize("world", ["outcomes", "demo"])
def test_monthly_baselines_equal_to_the_forms(world, demo_db, tmp_path):
    """monthly_baseline_scores (Outcomes' SPC chart of baselines) reads outcome_baselines,
    built at import, instead of joining assessment_scores to the scope's referrals: the same
    rows for every measure with a total score, on the outcomes fixture and the demo world."""
    rows = _equal_to_reference(
        world, demo_db, tmp_path, "monthly_baseline_scores", "monthly_baseline_scores_forms.sql"
    )
    assert len(rows) > 0
