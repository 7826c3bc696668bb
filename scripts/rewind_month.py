"""Put a copy of a full database back to how it stood before one calendar month.

The bench's monthly batch (`wellpath.bench.time_monthly`) sends the last whole month's rows
into a copy of the national file that already holds them, so the importer finds nothing
changed and rebuilds no derived table: it measures a batch sent twice, not a new month. This
script makes the copy a month earlier first, so that the same batch is new to it. It
removes or clears exactly what that batch (`bench.MONTHLY_SQL`) sends back, so that the
import restores the file: the month's contacts, questionnaires, healthcare use and
prescriptions, the goals agreed in it and the referrals received in it are deleted, and the
goal and referral fields dated in it are cleared. A later row of a deleted referral (a
contact in the next month) is kept: the batch does not send it, and the import gives it its
referral back. Only for benchmark copies: it changes the file in place and does not rebuild
the derived tables (the import that follows rebuilds them).

    python scripts/rewind_month.py COPY.duckdb 2026-11
"""

# SQL is built from this file's own table and column names; the month is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import time

import duckdb

IN_MONTH = "strftime({column}, '%Y-%m') = $month"
STATEMENTS = [
    "delete from contacts where " + IN_MONTH.format(column="contact_date"),
    "delete from assessments where " + IN_MONTH.format(column="assessment_date"),
    "delete from goals where " + IN_MONTH.format(column="agreed_date"),
    "update goals set closed_date = null, status = 'open', barrier = null where "
    + IN_MONTH.format(column="closed_date"),
    "delete from healthcare_use where " + IN_MONTH.format(column="month"),
    "delete from prescriptions where " + IN_MONTH.format(column="month"),
    "delete from referrals where " + IN_MONTH.format(column="referral_date"),
    "update referrals set discharge_date = null, discharge_reason = null where "
    + IN_MONTH.format(column="discharge_date"),
    "update referrals set first_contact_date = null, action_plan_date = null where "
    + IN_MONTH.format(column="first_contact_date"),
    "update referrals set triage_date = null, triage_outcome = null, worker_id = null where "
    + IN_MONTH.format(column="triage_date"),
]


def rewind(path: str, month: str) -> int:
    """Rewind the file at `path` to before `month` (YYYY-MM); returns the referrals left."""
    con = duckdb.connect(path)
    try:
        con.execute("begin")
        for sql in STATEMENTS:
            con.execute(sql, {"month": month})
        con.execute("commit")
        con.execute("checkpoint")
        return con.execute("select count(*) from referrals").fetchone()[0]
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="a benchmark copy of a database (changed in place)")
    parser.add_argument("month", help="the month to take out, YYYY-MM")
    args = parser.parse_args()
    started = time.perf_counter()
    left = rewind(args.db, args.month)
    print(
        f"rewound to before {args.month} in {time.perf_counter() - started:.1f} s; {left:,} referrals left"
    )


if __name__ == "__main__":
    main()
