"""The Contacts and action plans page's contact counts (contact_totals, contacts_by_mode,
contacts_by_month, contacts_by_worker_month) read the whole months of a period from the
counts built at import (contact_months, through the macro contact_counts), the part months
at either end from the day counts (contact_days), and only a period with a condition chosen
from the contacts themselves. Proved identical to the contact-level
queries they replaced (kept in tests/sql/reference/) on the demo world and the service and
MDT fixtures: periods of whole months, part months at both ends, a single part month, with
practice, condition and link-worker filters (both paths honour every filter). Also
goal_domains_by_condition, which now counts one row per referral and domain instead of
distinct counts over the goals, and the goal queries that now read the goals with their
referral's scope carried (goal_facts, macro scoped_goals: goal_totals, goals_by_domain,
unmet_goals in four layouts), each against its old text."""

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
REWRITTEN = {
    "goal_domains_by_condition": "goal_domains_by_condition_distinct",
    # goals joined to scoped_referrals, before goal_facts carried the referral's scope
    "goal_totals": "goal_totals_join",
    "goals_by_domain": "goals_by_domain_join",
}
#: unmet_goals' layouts, each against its text before goal_facts (the same reference).
UNMET_LAYOUTS = [
    ("domain", "status"),
    ("barrier", "quarter"),
    ("pcn", "all"),
    ("status", "domain"),
]
UNMET_STATUSES = ["not_achieved", "partly_achieved", "withdrawn"]


def _assert_same(con) -> int:
    contacts = 0
    for params in _cases(con):
        for name, reference in {**{q: f"{q}_rows" for q in QUERIES}, **REWRITTEN}.items():
            new = db.run_query(con, name, params)
            old = _run(con, (REFERENCE / f"{reference}.sql").read_text("utf-8"), params)
            pd.testing.assert_frame_equal(new, old, check_dtype=True, check_exact=True)
            if name == "contact_totals":
                contacts += int(new["contact_count"].sum())
        reference = (REFERENCE / "unmet_goals_join.sql").read_text("utf-8")
        for rows_by, columns_by in UNMET_LAYOUTS:
            unmet = {
                **params,
                "statuses": UNMET_STATUSES,
                "rows_by": rows_by,
                "columns_by": columns_by,
            }
            new = db.run_query(con, "unmet_goals", unmet)
            old = _run(con, reference, unmet)
            pd.testing.assert_frame_equal(new, old, check_dtype=True, check_exact=True)
    return contacts


@pytest.mark.parametrize("world", ["service", "mdt", "demo"])
def test_equal_to_contact_level_queries(world, demo_db, tmp_path):
    path = demo_db if world == "demo" else build_fixture_db(FIXTURES / world, tmp_path / "f.duckdb")
    con = db.connect_read_only(Path(path))
    try:
        assert _assert_same(con) > 0
        # the comparison covers rows from the counts built at import
        assert _column(con, "select sum(contact_count) from contact_months")[0] > 0
        # the months are their days added up, and the days every contact of a known referral
        assert _column(con, "select sum(contact_count) from contact_days") == _column(
            con, "select sum(contact_count) from contact_months"
        )
        assert _column(con, "select sum(contact_count) from contact_days") == _column(
            con,
            "select count(*) from contacts where referral_id in (select referral_id from referrals)",
        )
    finally:
        con.close()
