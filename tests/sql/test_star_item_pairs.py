"""instrument_item_score_pairs counts the Star page's item pairs (one row per item and distinct
pair of item scores) instead of sending one row per person and item (1.3M rows nationally).
These tests prove it the person-level query it replaced, counted (kept as
tests/sql/reference/instrument_item_pairs_rows.sql), on the outcomes fixture and the demo
world, for both instruments, several periods and practice, condition and link-worker
filters, and the page's figures from the counts equal to stats.paired_change over the
person rows."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import FIXTURES, build_fixture_db
from tests.sql.test_caseload_rewrites import _cases, _reference
from wellpath import db, stats
from wellpath.views import star

INSTRUMENTS = ("WBSTAR", "PSFS")


def _counted_reference(rows: pd.DataFrame) -> pd.DataFrame:
    """The person-level rows counted as the new query counts them."""
    if rows.empty:
        return pd.DataFrame(
            columns=["item_number", "baseline_item_score", "latest_item_score", "pair_weight"]
        )
    keys = ["item_number", "baseline_item_score", "latest_item_score"]
    return rows.groupby(keys, sort=True).size().rename("pair_weight").reset_index()


def _assert_same(con) -> int:
    compared = 0
    for case in _cases(con):
        for instrument in INSTRUMENTS:
            params = {**case, "instrument": instrument}
            new = db.run_query(con, "instrument_item_score_pairs", params)
            old = _reference(con, "instrument_item_pairs", params)
            expected = _counted_reference(old)
            got = new[expected.columns.tolist()].reset_index(drop=True)
            assert got.astype(float).values.tolist() == expected.astype(float).values.tolist()
            if old.empty:
                assert new.empty
                continue
            assert set(new["people_n"]) == {old["person_number"].nunique()}
            # total_people_n is Outcomes' "People paired" for this instrument: its pairs
            outcome_pairs = db.run_query(
                con, "paired_scores", {**case, "time_point_months": None, "window_days": None}
            )
            paired_on_total = int((outcome_pairs["measure"] == instrument).sum())
            assert set(new["total_people_n"]) == {paired_on_total}
            assert paired_on_total >= old["person_number"].nunique()
            # the page's figures from the counts are paired_change's over the person rows
            summary = star.area_summary(new, instrument).set_index("item_number")
            for number, group in old.groupby("item_number"):
                pc = stats.paired_change(group["baseline_item_score"], group["latest_item_score"])
                row = summary.loc[int(number)]
                assert row["pair_count"] == pc.n
                assert row["improved_count"] == pc.improved_count
                for column, value in (
                    ("mean_start", pc.mean_baseline),
                    ("mean_latest", pc.mean_follow_up),
                    ("mean_change", pc.mean_change),
                    ("ci_low", pc.ci_low),
                    ("ci_high", pc.ci_high),
                ):
                    assert row[column] == pytest.approx(value, rel=1e-9, abs=1e-12, nan_ok=True)
            compared += len(old)
    return compared


@pytest.fixture(scope="module")
def outcomes_con(tmp_path_factory):
    path = build_fixture_db(FIXTURES / "outcomes", tmp_path_factory.mktemp("star") / "o.duckdb")
    connection = db.connect_read_only(path)
    yield connection
    connection.close()


def test_no_forms_no_pairs_on_the_fixture(outcomes_con):
    # The outcomes fixture has PSEQ, SWEMWBS and ONS4 forms but no Star or PSFS ones: both
    # queries give no rows for every case (the empty path; the demo test has the pairs).
    assert _assert_same(outcomes_con) == 0


def test_counted_pairs_equal_the_person_rows_on_demo(demo_db):
    connection = db.connect_read_only(demo_db)
    try:
        assert _assert_same(connection) > 1000
    finally:
        connection.close()
