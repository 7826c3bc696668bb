"""Queries that read the per-referral facts built at import (referral_facts and its record
dates) instead of every contact: caseload_safety_by_worker (Safe
caseloads) and dq_followup_coverage (Data quality: engaged referrals take their first
attended contact from referral_facts). Proved identical to the contact-level queries they
replaced (kept in tests/sql/reference/) on the demo world and the service and MDT fixtures, with practice,
condition and link-worker filters, and report dates that cut referrals' contacts short (the
path that reads those referrals' contacts row by row)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from tests.sql.test_dq_aggregates import REFERENCE, _column, _run
from wellpath import db

CASES = {
    "caseload_safety_by_worker": "caseload_safety_by_worker_contacts",
    "dq_followup_coverage": "dq_followup_coverage_contacts",
}


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
        "days_without_contact": 28,
    }
    return [
        base,
        {**base, "report_date": dt.date(2100, 1, 1), "end_date": dt.date(2100, 1, 1)},
        {**base, "report_date": middle, "end_date": middle},
        {**base, "report_date": first + dt.timedelta(days=60), "days_without_contact": 7},
        {**base, "practice_codes": practices[:1], "report_date": middle},
        {**base, "practice_codes": []},
        {**base, "conditions": conditions[:1], "report_date": middle},
        {**base, "worker_ids": workers[:3]},
        {**base, "start_date": dt.date(2000, 1, 1), "end_date": middle, "report_date": middle},
    ]


def _assert_same(con) -> int:
    rows = 0
    for params in _cases(con):
        for name, reference in CASES.items():
            new = db.run_query(con, name, params)
            old = _run(con, (REFERENCE / f"{reference}.sql").read_text("utf-8"), params)
            pd.testing.assert_frame_equal(new, old, check_dtype=True)
            rows += len(new)
    return rows


@pytest.mark.parametrize("world", ["service", "mdt", "demo"])
def test_equal_to_contact_level_queries(world, demo_db, tmp_path):
    path = demo_db if world == "demo" else build_fixture_db(FIXTURES / world, tmp_path / "f.duckdb")
    con = db.connect_read_only(Path(path))
    try:
        assert _assert_same(con) > 0
    finally:
        con.close()


def test_forms_cut_short_by_the_report_date_are_among_the_cases(demo_db):
    """The cases reach the path of dq_followup_coverage that counts a referral's incomplete
    forms from its list of dates (some dated by the report date and some after it), and
    baselines whose first later form comes after the report date."""
    con = db.connect_read_only(Path(demo_db))
    try:
        partial = later = 0
        for params in _cases(con):
            found = con.execute(
                "select count_if(list_min(incomplete_dates) <= $report_date"
                " and last_incomplete_date > $report_date),"
                " count_if(baseline_date <= $report_date and first_later_date > $report_date)"
                " from referral_instrument_forms",
                {"report_date": params["report_date"]},
            ).fetchone()
            partial, later = partial + found[0], later + found[1]
        assert partial > 0
        assert later > 0
    finally:
        con.close()
