"""Chart builders of the service pages: titled with the period, units on the axes, the traces
each chart promises, one colour per practice."""

from __future__ import annotations

import pandas as pd
import pytest

from wellpath import labels, service, theme
from wellpath.charts import service as charts

PERIOD = "1 Jan 2026 to 30 Jun 2026"


def _title(fig) -> str:
    return fig.layout.title.text


def _months(n: int = 3) -> pd.Series:
    return pd.Series(pd.date_range("2026-01-01", periods=n, freq="MS"))


def test_referrals_by_practice_month_one_colour_per_practice():
    months = _months(2)
    frame = pd.DataFrame(
        {
            "month_start": list(months) * 2,
            "practice_code": ["A86012", "A86012", "A86017", "A86017"],
            "practice_name": ["West Road", "West Road", "Cruddas Park", "Cruddas Park"],
            "referral_count": [3, 4, 1, 0],
            "is_whole_month": [False, True, False, True],
        }
    )
    colours = theme.practice_colours(["A86012", "A86017", "A86026"])
    fig = charts.referrals_by_practice_month(frame, colours, PERIOD)
    assert "Referrals each month" in _title(fig) and PERIOD in _title(fig)
    assert "part months" in _title(fig)
    assert [t.name for t in fig.data] == ["West Road", "Cruddas Park"]
    assert fig.data[0].marker.color == colours["A86012"]
    assert fig.data[1].marker.color == colours["A86017"]
    assert list(fig.data[0].marker.opacity) == [0.4, 1.0]
    assert "(number)" in fig.layout.yaxis.title.text
    assert fig.layout.barmode == "stack"
    assert fig.layout.template.layout.font.family.startswith("Arial")


def test_horizontal_bars_keep_order_top_down():
    frame = pd.DataFrame({"label": ["GP", "Nurse"], "n": [10, 2], "text": ["10", "2"]})
    fig = charts.horizontal_bars(
        frame,
        "label",
        "n",
        title="By referrer",
        period=PERIOD,
        x_title="Referrals (number)",
        text_col="text",
    )
    # plotly draws the first y category at the bottom, so the frame is reversed
    assert list(fig.data[0].y) == ["Nurse", "GP"]
    assert fig.layout.xaxis.title.text == "Referrals (number)"
    assert PERIOD in _title(fig)


def test_mix_over_time_shares_add_to_100():
    frame = pd.DataFrame(
        {
            "quarter_start": pd.to_datetime(["2026-01-01", "2026-01-01", "2026-04-01"]),
            "referrer_role": ["gp", "self", "gp"],
            "referral_count": [3, 1, 5],
        }
    )
    fig = charts.mix_over_time(
        frame,
        "referrer_role",
        labels.REFERRER_ROLES,
        title="Mix",
        period=PERIOD,
        legend_title="Referrer",
    )
    names = [t.name for t in fig.data]
    assert names == ["GP", "Self-referral"]
    gp = fig.data[0]
    assert list(gp.x) == ["Jan-Mar 2026", "Apr-Jun 2026"]
    assert list(gp.y) == pytest.approx([75.0, 100.0])
    assert "(%)" in fig.layout.yaxis.title.text


def test_triage_funnel_labels_conversions():
    rows = service.triage_table(
        pd.DataFrame(
            {
                "stage_order": [1, 3, 8, 9, 10],
                "stage": ["referred", "accepted", "first_contact", "action_plan", "discharged"],
                "referral_count": [1000, 600, 400, 380, 1],
                "base_stage": ["referred", "referred", "accepted", "first_contact", "accepted"],
                "base_count": [1000, 1000, 600, 400, 600],
                "conversion_pct": [100.0, 60.0, 66.7, 95.0, 100 / 600],
            }
        )
    )
    fig = charts.triage_funnel(rows, PERIOD)
    # plain English after "of" (was "96% of had a first contact"); a real person is never 0%
    assert list(fig.data[0].text)[::-1] == [
        "1,000",
        "600 (60% of referrals)",
        "400 (67% of those accepted)",
        "380 (95% of those with a first contact)",
        "1 (under 1% of those accepted)",
    ]
    assert fig.layout.xaxis.title.text == "Referrals (number)"
    assert PERIOD in _title(fig)


def test_km_curves_single_with_interval_and_median_line():
    curve = pd.DataFrame(
        {
            "time_months": [0.0, 1.0, 4.0],
            "survival": [1.0, 0.8, 0.4],
            "ci_low": [1.0, 0.5, 0.1],
            "ci_high": [1.0, 0.95, 0.8],
        }
    )
    fig = charts.km_curves({"All episodes": curve}, PERIOD)
    assert [t.name for t in fig.data if t.showlegend is not False] == [
        "95% confidence interval",
        "All episodes",
    ]
    assert list(fig.data[-1].y) == pytest.approx([100, 80, 40])
    assert fig.data[-1].line.shape == "hv"  # steps, as a survival curve is
    assert "(%)" in fig.layout.yaxis.title.text and "Months" in fig.layout.xaxis.title.text
    assert any(shape.y0 == 50 for shape in fig.layout.shapes)
    two = charts.km_curves({"A": curve, "B": curve}, PERIOD, colours={"A": "#111111"})
    assert len(two.data) == 2 and two.data[0].line.color == "#111111"


def test_worker_caseloads_one_heatmap_against_the_safe_range():
    months = _months(2)
    frame = pd.DataFrame(
        {
            "month_start": list(months) * 3,
            "on_date": list(months) * 3,
            "worker_id": ["W1", "W1", "W2", "W2", "W3", "W3"],
            "display_name": ["Asha", "Asha", "Ben", "Ben", "Cy", "Cy"],
            "fte": [1.0, 1.0, 0.5, 0.5, 1.0, 1.0],
            "active_count": [3, 3, 0, 1, 200, 240],
            "supported_12m_count": [3, 200, 0, 21, 250, None],
            "safe_caseload_low_people": [200.0, 200.0, 8.5, 16.2, 200.0, 200.0],
            "safe_caseload_high_people": [250.0, 250.0, 10.6, 20.2, 250.0, 250.0],
        }
    )
    fig = charts.worker_caseloads(frame, PERIOD)
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap"  # one trace for any number
    heat = fig.data[0]
    assert list(heat.y) == ["Asha (1 FTE)", "Ben (0.5 FTE)", "Cy (1 FTE)"]  # order given
    # 0 below, 1 within (both ends inclusive), 2 above; a suppressed count is a gap
    z = [[None if v != v else v for v in row] for row in heat.z]
    assert z == [[0.0, 1.0], [0.0, 2.0], [1.0, None]]
    assert "3 people supported" in heat.customdata[0][0]
    assert "safe range 200-250" in heat.customdata[0][0]
    assert "240 on the caseload" in heat.customdata[2][1]
    assert list(heat.colorbar.ticktext) == [
        "Below the safe range",
        "Within the safe range",
        "Above the safe range",
    ]
    assert PERIOD in _title(fig)


def test_waiting_list_and_bars_have_units():
    bands = pd.DataFrame(
        {
            "band_order": [1, 1, 2, 2],
            "wait_band": ["Under 2 weeks", "Under 2 weeks", "2-4 weeks", "2-4 weeks"],
            "waiting_for": ["first_contact", "triage", "first_contact", "triage"],
            "person_count": [1, 0, 0, 2],
        }
    )
    fig = charts.waiting_list(bands, "30 Jun 2026")
    assert {t.name for t in fig.data} == set(service.WAITING_FOR.values())
    assert "weeks" in fig.layout.xaxis.title.text and "(number)" in fig.layout.yaxis.title.text
    assert "30 Jun 2026" in _title(fig)
    lengths = pd.DataFrame({"band": ["0-3 months", "3-6 months"], "n": [1, 2]})
    bars = charts.vertical_bars(
        lengths,
        "band",
        "n",
        title="Lengths",
        period=PERIOD,
        x_title="Months",
        y_title="Episodes (number)",
    )
    assert list(bars.data[0].x) == ["0-3 months", "3-6 months"]


def test_goals_achieved_error_bars_are_wilson():
    goals = service.with_wilson(
        pd.DataFrame(
            {
                "domain_label": ["Getting active"],
                "achieved_count": [1],
                "closed_count": [2],
                "achieved_pct": [50.0],
            }
        ),
        "achieved_count",
        "closed_count",
    )
    fig = charts.goals_achieved(goals, PERIOD)
    # Wilson 95% for 1 of 2: 9.45% to 90.55%
    assert fig.data[0].error_x.array[0] == pytest.approx(40.55, abs=0.01)
    assert fig.data[0].error_x.arrayminus[0] == pytest.approx(40.55, abs=0.01)
    assert "%" in fig.layout.xaxis.title.text


def test_domains_by_condition_heatmap_marks_suppressed():
    frame = pd.DataFrame(
        {
            "condition_label": ["Fibromyalgia", "Fibromyalgia"],
            "domain_label": ["Getting active", "Relationships"],
            # the heatmap now shows each condition's goals by domain (column `share`, None =
            # suppressed, as service.shares gives it), so a row adds up to 100%
            "share": pd.Series([100.0, None], dtype=object),
        }
    )
    fig = charts.domains_by_condition(
        frame, ["Fibromyalgia"], ["Getting active", "Relationships"], PERIOD
    )
    assert fig.data[0].text[0] == ["100%", "*"]
    assert fig.layout.xaxis.title.text == "Action-plan domain"


def test_equity_and_lines_and_active_caseload():
    rows = service.equity_rows(
        pd.DataFrame(
            {
                "dimension": ["sex", "sex"],
                "category": ["female", "male"],
                "referral_count": [6, 4],
                "accepted_count": [4, 2],
                "engaged_count": [3, 1],
                "accepted_pct": [66.7, 50.0],
                "engaged_pct": [75.0, 50.0],
            }
        ),
        "sex",
    )
    fig = charts.equity_chart(rows, "Sex", PERIOD)
    assert len(fig.data) == 3
    active = pd.DataFrame({"on_date": _months(2), "active_count": [3, 4]})
    assert "(number)" in charts.active_caseload(active, PERIOD).layout.yaxis.title.text
    workers = pd.DataFrame(
        {"month_start": list(_months(2)) * 2, "name": ["A", "A", "B", "B"], "n": [1, 2, 3, 4]}
    )
    lines = charts.lines_by_group(
        workers, "name", "n", title="t", period=PERIOD, y_title="Contacts (number)"
    )
    assert [t.name for t in lines.data] == ["A", "B"]
