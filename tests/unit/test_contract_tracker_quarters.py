"""The contract tracker's quarter of each person's after-window end is found for the whole
column at once; it must be the quarter the one-day-at-a-time rule gives, for every day."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from wellpath.views.contract_tracker import Quarter, _quarter_of, _quarters_of

QUARTERS = [
    Quarter(1, dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
    Quarter(2, dt.date(2025, 7, 1), dt.date(2025, 9, 30)),
    Quarter(3, dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
    Quarter(4, dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
]


def test_column_at_once_equals_day_by_day():
    index_months = pd.Series(pd.date_range("2023-11-01", "2025-06-01", freq="MS"))
    ends = index_months + pd.offsets.MonthEnd(13)
    ends = pd.concat([ends, pd.Series([pd.NaT])], ignore_index=True)
    expected = [_quarter_of(d, QUARTERS) for d in ends]
    assert _quarters_of(ends, QUARTERS).tolist() == expected
    assert set(expected) == {None, 1, 2, 3, 4}  # days before, in every quarter, after


def test_edges_of_a_quarter():
    days = pd.Series(pd.to_datetime(["2025-03-31", "2025-04-01", "2025-06-30", "2025-07-01"]))
    assert _quarters_of(days, QUARTERS).tolist() == [None, 1, 1, 2]
