"""instrument_follow_ups (the contract tracker's follow-ups) reads Outcomes' pair candidates
instead of joining measure_scores to itself: the same rows as its old text (kept as
tests/sql/reference/instrument_follow_ups_self_join.sql) on the outcomes fixture and the demo
world, for every instrument, several report dates and practice, condition and link-worker
filters, with two follow-ups of one person on one date in form order."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from tests.sql.test_caseload_rewrites import _cases
from tests.sql.test_dq_aggregates import REFERENCE, _run
from wellpath import db

INSTRUMENTS = ("PSEQ", "SWEMWBS", "WEMWBS", "PSFS", "WBSTAR", "ONS4_happy")
KEY = ["person_number", "follow_up_date", "follow_up_score"]


def _assert_same(con) -> int:
    reference = (REFERENCE / "instrument_follow_ups_self_join.sql").read_text("utf-8")
    compared = 0
    for case in _cases(con):
        for instrument in INSTRUMENTS:
            params = {**case, "instrument": instrument}
            new = db.run_query(con, "instrument_follow_ups", params)
            old = _run(con, reference, params)
            # the old text left two forms on one date in no set order: compare as sets
            pd.testing.assert_frame_equal(
                new.sort_values(KEY, kind="stable").reset_index(drop=True),
                old.sort_values(KEY, kind="stable").reset_index(drop=True),
                check_dtype=False,
            )
            # in person order, and by date within a person
            assert new["person_number"].is_monotonic_increasing
            assert (
                new.groupby("person_number")["follow_up_date"].diff().dropna() >= pd.Timedelta(0)
            ).all()
            compared += len(new)
    return compared


def test_the_same_follow_ups_on_the_outcomes_fixture(tmp_path):
    path = build_fixture_db(FIXTURES / "outcomes", tmp_path / "o.duckdb")
    con = db.connect_read_only(path)
    try:
        assert _assert_same(con) > 0
    finally:
        con.close()


@pytest.mark.slow
def test_the_same_follow_ups_on_demo(demo_db):
    con = db.connect_read_only(demo_db)
    try:
        assert _assert_same(con) > 1000
    finally:
        con.close()
