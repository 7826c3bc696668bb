"""The SPC and funnel chart builders: pure figures with the NHS colours, icons, labels."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from wellpath import funnel, spc
from wellpath.charts.funnel import funnel_chart
from wellpath.charts.spc import CONCERN, IMPROVEMENT, TARGET, spc_chart

MONTHS = pd.date_range("2025-04-01", periods=13, freq="MS")
# Alternating 1, 2 then 30: the last point is far above the limits (mean 3.77, AMR 1 after
# screening the jump of 28, upper limit 6.43): special cause, improvement when higher is better.
VALUES = [1, 2] * 6 + [30]


def _chart(improvement="increase", target=None, values=VALUES, periods=MONTHS):
    result = spc.xmr(values, periods=periods, improvement=improvement, target=target)
    return spc_chart(
        result,
        title="Referrals per month",
        period_label="1 Apr 2025 to 30 Apr 2026",
        y_title="Referrals (people)",
        improvement=improvement,
        target=target,
        value_format=",.0f",
    )


def _annotations_text(fig: go.Figure) -> str:
    return " ".join(a.text or "" for a in fig.layout.annotations)


def test_titles_axes_and_template():
    fig = _chart()
    assert "Referrals per month" in fig.layout.title.text
    assert "1 Apr 2025 to 30 Apr 2026" in fig.layout.title.text
    assert fig.layout.yaxis.title.text == "Referrals (people)"
    assert fig.layout.xaxis.title.text == "Month"
    assert fig.layout.xaxis.tickformat == "%b %Y"
    assert fig.layout.template.layout.font.family.startswith("Arial")


def test_special_cause_point_coloured_and_hover_in_plain_english():
    fig = _chart()
    improvement = [t for t in fig.data if t.name == "Special cause: improvement"]
    assert len(improvement) == 1
    assert improvement[0].marker.color == IMPROVEMENT
    assert list(improvement[0].y) == [30]
    custom = improvement[0].customdata[0]
    assert custom[0] == "Apr 2026"
    assert custom[1] == "Special cause: improvement"
    assert custom[2] == "Outside the process limits"
    concern = _chart(improvement="decrease")
    assert [t.marker.color for t in concern.data if t.name == "Special cause: concern"] == [CONCERN]


def test_variation_icon_and_caption():
    fig = _chart()
    shapes = [s for s in fig.layout.shapes if s.name == "variation icon"]
    assert len(shapes) == 1 and shapes[0].fillcolor == IMPROVEMENT
    assert "H" in _annotations_text(fig)
    assert "improvement (higher is better)" in _annotations_text(fig)
    low = _chart(improvement="decrease")
    assert "concern (the figure is high)" in _annotations_text(low)


def test_target_line_and_assurance_icon():
    # Target 50 is above the upper limit of 6.43: an increasing measure will consistently
    # fail it.
    fig = _chart(target=50)
    targets = [t for t in fig.data if t.name == "Target"]
    assert targets[0].line.color == TARGET and targets[0].line.dash == "dash"
    assert any(s.name == "assurance icon" for s in fig.layout.shapes)
    assert "consistently miss the target" in _annotations_text(fig)


def test_trial_limits_and_zero_variation_notes():
    short = _chart(values=[4, 5, 6, 5, 4], periods=MONTHS[:5])
    assert "Trial limits" in _annotations_text(short)
    flat = _chart(values=[3] * 13)
    assert "No point-to-point variation" in _annotations_text(flat)
    assert "Trial limits" not in _annotations_text(flat)


def test_rebased_limits_break_between_groups():
    result = spc.xmr(VALUES, periods=MONTHS, rebase_at=[6])
    fig = spc_chart(
        result,
        title="t",
        period_label="p",
        y_title="y",
        improvement="increase",
    )
    mean = next(t for t in fig.data if t.name == "Mean")
    assert list(mean.y).count(None) == 2  # one break after each of the two groups
    assert "Limits recalculated" in _annotations_text(fig)


def test_daily_periods_use_uk_dates():
    days = pd.date_range("2025-04-03", periods=13, freq="D")
    fig = _chart(periods=days)
    common = next(t for t in fig.data if t.name == "Common cause variation")
    assert common.customdata[0][0] == "3 Apr 2025"
    assert fig.layout.xaxis.title.text == "Date"


def test_empty_chart_does_not_crash():
    fig = _chart(values=[], periods=pd.DatetimeIndex([]))
    assert isinstance(fig, go.Figure)


def test_funnel_chart():
    units = pd.DataFrame(
        {
            "practice_code": ["A86012", "A86017", "A86026"],
            "practice_name": ["West Road", "Cruddas Park", "Throckley"],
            "referral_count": [120, 75, 30],
            "list_size": [10_700, 10_800, 6_900],
        }
    )
    rate = funnel.overall_rate(units["referral_count"], units["list_size"])
    positions = funnel.funnel_positions(units["referral_count"], units["list_size"], rate)
    units = pd.concat([units, positions[["rate", "z", "band"]]], axis=1)
    limits = funnel.funnel_curve(rate, 12_000, min_denominator=1_000)
    colours = {"A86012": "#005EB8", "A86017": "#E69F00", "A86026": "#009E73"}
    fig = funnel_chart(
        units,
        limits,
        title="Referrals per 1,000 registered patients",
        period_label="1 Apr 2025 to 31 Mar 2026",
        colours=colours,
    )
    assert fig.layout.xaxis.title.text == "Registered patients (list size)"
    assert fig.layout.yaxis.title.text == "Referrals per 1,000 registered patients"
    assert "1 Apr 2025 to 31 Mar 2026" in fig.layout.title.text
    names = [t.name for t in fig.data]
    assert "Overall rate" in names and "95% limits" in names and "99.8% limits" in names
    points = [t for t in fig.data if t.name in units["practice_name"].tolist()]
    assert {p.marker.color for p in points} == set(colours.values())
    west_road = next(p for p in points if p.name == "West Road")
    # 225 referrals over 28,400 patients: 7.92 per 1,000; West Road 120 / 10,700 = 11.21.
    assert west_road.y[0] == pytest.approx(120 / 10_700 * 1000)
    assert west_road.text[0] == "West Road"
    # Expected 10,700 * 7.923 / 1,000 = 84.8; 120 is far above (z about 3.6): "much higher".
    assert west_road.customdata[0][1].startswith("Much higher than expected")
    assert "Referrals: 120" in west_road.customdata[0][0]
