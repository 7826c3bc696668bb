"""The Data quality view's protections, without a database: the data layer is replaced by
hand-made frames, so each expected value is worked out below."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from wellpath import data, formats
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters
from wellpath.views import data_quality as views

FILTERS = Filters(start_date=dt.date(2025, 4, 1), end_date=dt.date(2026, 3, 31))


def test_a_total_of_hidden_parts_is_never_zero() -> None:
    # The audit's case: two checks flag 7 and 4 referrals (hidden), the others 0.
    flagged = pd.Series([0, 0, pd.NA, pd.NA, 0], dtype="Int64")
    metric = views._records_to_check(flagged, PUBLISHABLE)
    assert metric.value == formats.SUPPRESSED
    assert "2 checks flag 1 to 7 records" in metric.help
    # Visible parts 10 and 15 with one hidden: a lower bound, said so.
    some = pd.Series([10, 15, pd.NA], dtype="Int64")
    assert views._records_to_check(some, PUBLISHABLE).value == "25 or more"
    # Nothing hidden: the rounded total; full access: the exact total.
    assert views._records_to_check(pd.Series([10, 0]), PUBLISHABLE).value == "10"
    assert views._records_to_check(pd.Series([7, 4, 0]), FULL_ACCESS).value == "11"


def test_shares_are_suppressed_under_a_small_rounded_denominator() -> None:
    # 9 of 11 is 82%, but publishable parts read 10 of 10: suppressed (rounded den < 20).
    assert views._pct_text(9, 11, FULL_ACCESS) == "82%"
    assert views._pct_text(9, 11, PUBLISHABLE) == formats.SUPPRESSED
    assert views._pct_text(46, 103, PUBLISHABLE) == "43%"  # 45 / 105
    assert views._pct_text(0, 0, PUBLISHABLE) == formats.NO_DATA


@pytest.fixture
def hostile_log(monkeypatch: pytest.MonkeyPatch) -> None:
    log = pd.DataFrame(
        {
            "batch_id": ["B1"],
            "imported_at": [pd.Timestamp("2026-03-30 14:05")],
            "source_name": ["![x](http://evil.example/p.png)"],
            "run_by": ["**boss** [click](http://evil.example)"],
            "status": ["loaded"],
            "is_demo": [False],
            "rows_accepted": [210_123],
            "rows_rejected": [3],
        }
    )
    monkeypatch.setattr(data, "service_query", lambda name: log.copy())

    def query(name, scope, filters, **extra):
        return pd.DataFrame(
            {
                "table_name": [],
                "rows_loaded": [],
                "rows_rejected": [],
                "column_name": [],
                "rule": [],
            }
        )

    monkeypatch.setattr(data, "query", query)


def test_import_log_values_are_shown_as_text(hostile_log) -> None:
    batch = views.batch.uncached(FULL_ACCESS, FILTERS, batch_id="B1")
    # No markdown image, link or bold survives from the data.
    assert "![x](" not in batch.sentence and "[click](" not in batch.sentence
    assert "\\*\\*boss\\*\\*" in batch.sentence
    assert "210,123 rows loaded" in batch.sentence
    publishable = views.batch.uncached(PUBLISHABLE, FILTERS, batch_id="B1")
    assert "210,125 rows loaded, * rejected" in publishable.sentence
