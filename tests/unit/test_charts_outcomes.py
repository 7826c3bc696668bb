"""Chart builders for the Outcomes and Healthcare use pages: titled, period in the subtitle,
units on the axes, the house template, and suppressed values drawn as '*', not as numbers."""

from __future__ import annotations

import pandas as pd

from wellpath import scoring, theme
from wellpath.charts import healthcare, outcomes

PERIOD = "1 Apr 2025 to 31 Mar 2026"


def _check(fig, axis: str = "y") -> None:
    assert fig.layout.template.layout.font.family  # the wellpath template is applied
    assert PERIOD in fig.layout.title.text
    title = getattr(fig.layout, f"{axis}axis").title.text
    assert title


def test_change_forest_labels_n_and_suppressed_groups():
    frame = pd.DataFrame(
        {
            "group": ["A86012", "A86017"],
            "pair_count": [20, pd.NA],
            "mean_change": [5.0, pd.NA],
            "ci_low": [3.0, pd.NA],
            "ci_high": [7.0, pd.NA],
        }
    )
    fig = outcomes.change_forest(
        frame,
        title="PSEQ: mean change",
        period=PERIOD,
        x_title="Mean change (points)",
        labels={"A86012": "West Road"},
        colours=theme.practice_colours(["A86012", "A86017"]),
    )
    _check(fig, "x")
    # one trace for the groups with a mean (a colour array), one for the suppressed
    assert len(fig.data) == 2
    assert list(fig.data[0].y) == ["West Road (n=20)"]
    assert list(fig.data[1].y) == ["A86017 (n=*)"]
    assert fig.data[0].error_x.array[0] == 2.0
    assert fig.data[0].error_x.arrayminus[0] == 2.0
    assert fig.data[0].marker.color[0] == theme.practice_colours(["A86012", "A86017"])["A86012"]
    assert fig.data[0].hovertext[0] == "West Road (n=20): +5.0 (95% CI +3.0 to +7.0)"
    assert fig.data[1].hovertext[0] == "A86017 (n=*): * (too few to show)"
    assert list(fig.layout.yaxis.categoryarray) == ["A86017 (n=*)", "West Road (n=20)"]


def test_change_forest_is_two_traces_however_many_groups():
    n = 6300
    frame = pd.DataFrame(
        {
            "group": [f"P{i:05d}" for i in range(n)],
            "pair_count": [10] * n,
            "mean_change": [1.0] * n,
            "ci_low": [0.0] * n,
            "ci_high": [2.0] * n,
        }
    )
    frame.loc[5, ["pair_count", "mean_change", "ci_low", "ci_high"]] = pd.NA
    fig = outcomes.change_forest(frame, title="t", period=PERIOD, x_title="Mean change (points)")
    assert len(fig.data) == 2
    assert len(fig.data[0].x) == n - 1 and len(fig.data[1].y) == 1


def test_band_transitions_chart_shows_counts_and_stars():
    labels = [b.label for b in scoring.PSEQ_BANDS]
    rows = [(b, f, 0) for b in labels for f in labels]
    frame = pd.DataFrame(rows, columns=["baseline_band", "follow_up_band", "pair_count"])
    frame.loc[1, "pair_count"] = 12
    frame["pair_count"] = frame["pair_count"].astype("Int64")
    frame.loc[2, "pair_count"] = pd.NA
    fig = outcomes.band_transitions_chart(frame, band_order=labels, period=PERIOD)
    _check(fig, "x")
    assert fig.data[0].text[0][1] == "12"
    assert fig.data[0].text[0][2] == "*"


def test_trajectory_chart_months_axis():
    summary = pd.DataFrame(
        {
            "measure": "PSEQ",
            "time_point_months": [0, 3, 6],
            "person_count": [40, 30, 40],
            "mean_score": [24.0, 28.0, 31.0],
            "ci_low": [22.0, 26.0, 29.0],
            "ci_high": [26.0, 30.0, 33.0],
        }
    )
    fig = outcomes.trajectory_chart(
        summary, measure_label="PSEQ", y_title="PSEQ (points)", period=PERIOD
    )
    _check(fig)
    assert "Months" in fig.layout.xaxis.title.text
    assert list(fig.data[0].y) == [24.0, 28.0, 31.0]


def test_before_after_chart_and_distribution():
    summary = pd.DataFrame(
        {
            "measure_label": ["GP appointments"],
            "mean_before": [8.0],
            "before_ci_low": [7.0],
            "before_ci_high": [9.0],
            "mean_after": [pd.NA],
            "after_ci_low": [pd.NA],
            "after_ci_high": [pd.NA],
        }
    )
    fig = healthcare.before_after_chart(
        summary, title="Use", y_title="Mean per person", period=PERIOD
    )
    _check(fig)
    assert [t.customdata[0] for t in fig.data] == ["8.00", "*"]
    # one trace per side, whatever the number of measures (was one per measure and side)
    six = pd.concat([summary] * 6, ignore_index=True)
    six["measure_label"] = [f"Measure {i}" for i in range(6)]
    assert len(healthcare.before_after_chart(six, title="U", y_title="M", period=PERIOD).data) == 2
    dist = pd.DataFrame(
        {"change": [-1, 0, 1], "person_count": [10, pd.NA, 0], "change_label": ["-1", "0", "+1"]}
    )
    fig = healthcare.change_distribution_chart(
        dist, measure_label="GP appointments", unit="appointments", period=PERIOD
    )
    _check(fig, "x")
    assert list(fig.data[0].text) == ["10", "*", "0"]
    # colour-blind safe: never the NHS red and green pair
    assert not {theme.NHS_RED, theme.NHS_GREEN} & set(fig.data[0].marker.color)


def test_cost_chart_leaves_out_bars_that_are_not_set():
    # No service cost: only the change in NHS cost is drawn (two empty "not set" bars read
    # as zero); the page's text asks for the service cost.
    fig = healthcare.cost_chart(None, -100.0, (-150.0, -50.0), None, (None, None), period=PERIOD)
    _check(fig)
    assert len(fig.data) == 1
    assert fig.data[0].customdata[0] == "\u2212£100"
    assert fig.data[0].text is None  # no label at the bar's end, where the error bar runs
    assert fig.data[0].error_y.arrayminus[0] == 50.0
    assert "negative = less NHS cost" in fig.layout.yaxis.title.text
    assert (
        len(
            healthcare.cost_chart(
                80.0, -100.0, (-150.0, -50.0), -20.0, (-70.0, 30.0), period=PERIOD
            ).data
        )
        == 3
    )
