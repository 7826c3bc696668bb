"""baseline_followup_pairs(..., from_date := start) (queries/derive_macros_pairs.sql), which
paired_scores, outcome_score_pairs and outcome_change_by_group call with their period's
start: for the latest follow-up it chooses among the forms dated from the start only. These
tests prove its pairs, once the period's filter is applied, identical to the pairs chosen
among every form (the macro called without from_date, as before), on the outcomes fixture
and the demo world, for the latest follow-up and every time point, over several periods."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.sql.test_healthcare_windows import demo_con, fixture_con  # noqa: F401
from wellpath import db, outcomes

POINTS = [(None, None), *outcomes.TIME_POINTS.items()]


def _pairs(con, report: dt.date, start: dt.date, point, window, from_date: bool) -> list:  # noqa: ANN001
    extra = ", from_date := $start" if from_date else ""
    sql = (
        "select referral_id, measure, time_point_months, baseline_date, baseline_score,"
        " follow_up_date, follow_up_score, days_since_baseline"
        f" from baseline_followup_pairs($report, [$point], [$window]{extra})"
        " where follow_up_date between $start and $report order by all"
    )
    cur = con.cursor()
    try:
        db.use_attached(cur, con)
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
            new = _pairs(con, report, start, point, window, from_date=True)
            assert new == _pairs(con, report, start, point, window, from_date=False)
            found += len(new)
    assert found > 0
