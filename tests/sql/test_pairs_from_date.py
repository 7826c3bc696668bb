"""baseline_followup_pairs (queries/derive_table_macros_pairs.sql) finds the latest follow-up by a
filter on next_follow_up_date (built at import) instead of an aggregate over every candidate,
and with from_date := start (as paired_scores, outcome_score_pairs and outcome_change_by_group
call it) among the forms dated from the start only. These tests prove its pairs, with and
without from_date, once the period's filter is applied, identical to those of the aggregate
it replaced (tests/sql/reference/baseline_followup_pairs_aggregate.sql), on the outcomes
fixture and the demo world, for the latest follow-up and every time point, over several
periods and report dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.sql.test_healthcare_windows import demo_con, fixture_con  # noqa: F401
from tests.sql.test_outcome_pairs_aggregates import EVERY_REFERRAL
from wellpath import db, outcomes

REFERENCE = Path(__file__).parent / "reference" / "baseline_followup_pairs_aggregate.sql"
POINTS = [(None, None), *outcomes.TIME_POINTS.items()]


def _pairs(con, report: dt.date, start: dt.date, point, window, how: str) -> list:  # noqa: ANN001
    macro = "baseline_followup_pairs_reference" if how == "reference" else "baseline_followup_pairs"
    extra = ", from_date := $start" if how == "from_date" else ""
    # The macro takes a viewer's scope first: every referral of the file here.
    scope = "" if how == "reference" else f"{EVERY_REFERRAL}, "
    sql = (
        "select referral_id, measure, time_point_months, baseline_date, baseline_score,"
        " follow_up_date, follow_up_score, days_since_baseline"
        f" from {macro}({scope}$report, [$point], [$window]{extra})"
        " where follow_up_date between $start and $report order by all"
    )
    cur = con.cursor()
    try:
        db.use_attached(cur, con)
        if how == "reference":
            cur.execute(REFERENCE.read_text(encoding="utf-8"))
        return cur.execute(
            sql, {"report": report, "start": start, "point": point, "window": window}
        ).fetchall()
    finally:
        cur.close()


@pytest.mark.parametrize("which", ["fixture", "demo"])
def test_from_date_gives_the_same_pairs_in_the_period(which, fixture_con, demo_con):  # noqa: F811
    con = fixture_con if which == "fixture" else demo_con
    cur = con.cursor()
    try:
        db.use_attached(cur, con)
        first, last = cur.execute(
            "select min(follow_up_date), max(follow_up_date) from outcome_pair_candidates"
        ).fetchone()
    finally:
        cur.close()
    periods = [(first, last), (dt.date(last.year - 1, last.month, 1), last)]
    middle = first + (last - first) / 2
    periods += [(middle - dt.timedelta(days=90), middle), (middle, middle + dt.timedelta(days=40))]
    found = 0
    for start, report in periods:
        for point, window in POINTS:
            old = _pairs(con, report, start, point, window, "reference")
            assert _pairs(con, report, start, point, window, "from_date") == old
            assert _pairs(con, report, start, point, window, "plain") == old
            found += len(old)
    assert found > 0
