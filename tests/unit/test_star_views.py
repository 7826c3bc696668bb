"""The Star page's area-by-area paired change on hand-worked pairs."""

from __future__ import annotations

import pandas as pd
import pytest

from wellpath.charts import star as star_charts
from wellpath.views import star


def test_area_summary_paired_change_with_t_interval():
    # area 1: 4->6, 5->5, 3->7 (changes 2, 0, 4: mean 2, SD 2); t(0.975, 2) = 4.302653
    # CI = 2 +/- 4.302653 * 2 / sqrt(3) = 2 +/- 4.968275; area 2: 6->5 for everyone
    # (counted: area 2's three identical pairs are one row of weight 3)
    pairs = pd.DataFrame(
        {
            "item_number": [1, 1, 1, 2],
            "baseline_item_score": [4, 5, 3, 6],
            "latest_item_score": [6, 5, 7, 5],
            "pair_weight": [1, 1, 1, 3],
        }
    )
    out = star.area_summary(pairs, "WBSTAR").set_index("item_number")
    assert out.loc[1, "area"] == "Area 1"
    assert out.loc[1, "pair_count"] == 3 and out.loc[1, "improved_count"] == 2
    assert (out.loc[1, "mean_start"], out.loc[1, "mean_latest"]) == (4.0, 6.0)
    assert out.loc[1, "ci_low"] == pytest.approx(2 - 4.968275, abs=1e-5)
    assert out.loc[1, "ci_high"] == pytest.approx(2 + 4.968275, abs=1e-5)
    # no variation: a zero-width interval at -1
    assert (out.loc[2, "ci_low"], out.loc[2, "ci_high"]) == (-1.0, -1.0)
    assert star.area_summary(pairs, "PSFS")["area"].tolist() == ["Activity 1", "Activity 2"]


def test_radar_has_journey_of_change_stages():
    fig = star_charts.star_radar(["Area 1", "Area 2", "Area 3"], [4, 5, 6], [6, 6, 7],
                                 title="t <b>x</b>", period="p")  # fmt: skip
    axis = fig.layout.polar.radialaxis
    assert list(axis.ticktext) == [
        "1-2 not thinking about it", "3-4 finding out", "5-6 making changes",
        "7-8 getting there", "9-10 as good as it can be",
    ]  # fmt: skip
    assert list(axis.tickvals) == [1.5, 3.5, 5.5, 7.5, 9.5]
    # outlines closed, and told apart by dash and marker as well as colour
    assert list(fig.data[0].r) == [4, 5, 6, 4]
    assert fig.data[0].line.dash != fig.data[1].line.dash
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol
    assert "<b>" not in fig.layout.title.text
