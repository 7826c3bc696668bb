"""lines_by_group with many groups draws only the largest (Activity's attended contacts by
link worker at 2,100 workers): which groups, how many traces, and the subtitle that says so."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from wellpath.charts import service as charts


def _frame(groups: int) -> pd.DataFrame:
    months = [dt.date(2025, m, 1) for m in (1, 2, 3)]
    rows = []
    for g in range(groups):
        for m in months:
            # group g has 3 * g attended contacts in all; groups 28 and 29 tie with 27 on name
            rows.append({"month_start": m, "name": f"W{g:02d}", "attended": min(g, 27)})
    return pd.DataFrame(rows)


def test_only_the_largest_groups_are_drawn():
    fig = charts.lines_by_group(
        _frame(30),
        "name",
        "attended",
        title="t",
        period="p",
        y_title="y",
        x_col="month_start",
        max_lines=12,
        line_noun="link workers",
    )
    names = [trace.name for trace in fig.data]
    # 27, 28 and 29 tie on the total (81): by name first; then 26 down to 18
    assert names == sorted(["W27", "W28", "W29", *[f"W{g}" for g in range(18, 27)]])
    assert len(fig.data) == 12
    assert "the 12 of 30 link workers with the most" in fig.layout.title.text


def test_few_groups_all_drawn_without_a_note():
    fig = charts.lines_by_group(
        _frame(5), "name", "attended", title="t", period="p", y_title="y", max_lines=12
    )
    assert len(fig.data) == 5
    assert "with the most" not in fig.layout.title.text
