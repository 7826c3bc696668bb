"""The Contacts and action plans page's contact counts (contact_totals, contacts_by_mode,
contacts_by_month, contacts_by_worker_month) read the whole months of a period from the
counts built at import (contact_months, through the macro contact_counts) and only the part
months at either end from the contacts themselves. Proved identical to the contact-level
queries they replaced (kept in tests/sql/reference/) on the demo world and the service and
MDT fixtures: periods of whole months, part months at both ends, a single part month, with
practice, condition and link-worker filters (both paths honour every filter). Also
goal_domains_by_condition, which now counts one row per referral and domain instead of
distinct counts over the goals, against its old text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from tests.sql.test_dq_aggregates import REFERENCE, _column, _run
from wellpath import db

QUERIES = ("contact_totals", "contacts_by_mode", "contacts_by_month", "contacts_by_worker_month")


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
    month = middle.replace(day=1)
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
        {**base, "start_date": dt.date(2000, 1, 1), "end_date": dt.date(2100, 1, 1)},
        # whole months only
        {**base, "start_date": first.replace(day=1), "end_date": month - dt.timedelta(days=1)},
        # one part month
        {
            **base,
            "start_date": month + dt.timedelta(days=3),
            "end_date": month + dt.timedelta(days=20),
        },
        {**base, "start_date": first + dt.timedelta(days=5), "end_date": middle},
        {**base, "practice_codes": practices[:1]},
        {**base, "practice_codes": practices[1::2], "start_date": first, "end_date": middle},
        {**base, "practice_codes": []},
        {**base, "conditions": conditions[:1]},
        {**base, "worker_ids": workers[:1], "start_date": first, "end_date": middle},
        {**base, "conditions": conditions[:2], "worker_ids": workers[:3]},
    ]


#: Other Activity queries made faster without a table built at import: their old text.
REWRITTEN = {"goal_domains_by_condition": "goal_domains_by_condition_distinct"}


def _assert_same(con) -> int:
    contacts = 0
    for params in _cases(con):
        for name, reference in {**{q: f"{q}_rows" for q in QUERIES}, **REWRITTEN}.items():
            new = db.run_query(con, name, params)
            old = _run(con, (REFERENCE / f"{reference}.sql").read_text("utf-8"), params)
            pd.testing.assert_frame_equal(new, old, check_dtype=True, check_exact=True)
            if name == "contact_totals":
                contacts += int(new["contact_count"].sum())
    return contacts


@pytest.mark.parametrize("world", ["service", "mdt", "demo"])
def test_equal_to_contact_level_queries(world, demo_db, tmp_path):
    path = demo_db if world == "demo" else build_fixture_db(FIXTURES / world, tmp_path / "f.duckdb")
    con = db.connect_read_only(Path(path))
    try:
        assert _assert_same(con) > 0
        # the comparison covers rows from the counts built at import
        assert _column(con, "select sum(contact_count) from contact_months")[0] > 0
    finally:
        con.close()
