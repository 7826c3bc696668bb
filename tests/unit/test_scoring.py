"""Questionnaire scoring and the instrument registry (measures.md, "Outcome instruments")."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wellpath import scoring
from wellpath.scoring import INSTRUMENTS, ons4_bands, pseq_band, score, swemwbs_metric

SHARED_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "published"
SWEMWBS_CSV = SHARED_FIXTURES / "scoring" / "swemwbs_raw_to_metric.csv"


def _swemwbs_reference() -> list[tuple[int, float]]:
    # Stewart-Brown et al. 2009, HQLO 7:15 (29 rows, raw 7-35)
    with SWEMWBS_CSV.open(encoding="utf-8") as fh:
        return [(int(r["raw"]), float(r["metric"])) for r in csv.DictReader(fh)]


def test_swemwbs_reference_has_29_rows():
    rows = _swemwbs_reference()
    assert len(rows) == 29
    assert [raw for raw, _ in rows] == list(range(7, 36))


@pytest.mark.parametrize(("raw", "metric"), _swemwbs_reference())
def test_swemwbs_metric_matches_published_table(raw, metric):
    assert swemwbs_metric(raw) == pytest.approx(metric, abs=1e-9)
    # the total route (raw sum written on the form) gives the same number
    assert score("SWEMWBS", total=raw) == pytest.approx(metric, abs=1e-9)


def test_swemwbs_from_items():
    # items 3,4,2,5,3,4,3: raw 24 -> metric 21.54
    assert score("SWEMWBS", [3, 4, 2, 5, 3, 4, 3]) == pytest.approx(21.54)
    # 29 is 26.02, not the 25.99 of a circulating copy
    assert score("SWEMWBS", [5, 5, 5, 5, 3, 3, 3]) == pytest.approx(26.02)


@pytest.mark.parametrize("raw", [6, 36, 20.5])
def test_swemwbs_metric_refuses_impossible_raw(raw):
    with pytest.raises(ValueError):
        swemwbs_metric(raw)


def test_pseq_sum_and_bands():
    # 10 items: 2+3+1+4+0+6+2+3+2+3 = 26 -> moderate (20-30)
    items = [2, 3, 1, 4, 0, 6, 2, 3, 2, 3]
    assert score("PSEQ", items) == 26.0
    assert pseq_band(26) == "moderate"
    assert INSTRUMENTS["PSEQ"].band(26) == "moderate"
    # edges: 0-19 severe, 20-30 moderate, 31-40 mild, 41-60 minimal
    assert [pseq_band(v) for v in (0, 19, 20, 30, 31, 40, 41, 60)] == [
        "severe",
        "severe",
        "moderate",
        "moderate",
        "mild",
        "mild",
        "minimal",
        "minimal",
    ]
    assert pseq_band(19.5) == "severe"  # a fractional total sits in the band below
    assert pseq_band(None) is None
    with pytest.raises(ValueError):
        pseq_band(61)


def test_pseq2_and_from_full_pseq():
    assert score("PSEQ2", [4, 5]) == 9.0
    items = [2, 3, 1, 4, 0, 6, 2, 3, 2, 3]
    assert scoring.pseq2_from_pseq(items) == 0 + 2  # items 5 and 9


def test_wemwbs_and_wbstar_sums():
    assert score("WEMWBS", [3] * 14) == 42.0
    assert score("WBSTAR", [1, 2, 3, 4, 5, 6, 7, 8]) == 36.0


def test_psfs_mean_of_activities_given():
    assert score("PSFS", [4, 5, 6]) == pytest.approx(5.0)
    assert score("PSFS", [3, 4, 6]) == pytest.approx(13 / 3)
    assert score("PSFS", [7]) == 7.0
    assert score("PSFS", [1, 2, 3, 4, 5]) == 3.0
    # a total written to one decimal place is accepted: 13/3 = 4.333 written 4.3
    assert score("PSFS", [3, 4, 6], total=4.3) == pytest.approx(13 / 3)
    assert score("PSFS", total=4.3) == pytest.approx(4.3)
    with pytest.raises(ValueError, match="does not match"):
        score("PSFS", [3, 4, 6], total=5)
    assert score("PSFS", [None] * 14) is None


def test_incomplete_form_scores_none():
    assert score("PSEQ", [2, 3, 1, None, 0, 6, 2, 3, 2, 3]) is None
    assert score("PSEQ", [2, 3]) is None
    assert score("PSEQ", [float("nan")] * 10) is None
    assert score("PSEQ") is None


def test_total_without_items_is_the_score():
    assert score("PSEQ", total=33) == 33.0
    assert score("WEMWBS", items=[None] * 14, total=50) == 50.0
    # some items and a total: the form's total stands
    assert score("PSEQ", [2, 3, None, None, None, None, None, None, None, None], total=40) == 40.0


def test_total_must_match_complete_items():
    assert score("WBSTAR", [5] * 8, total=40) == 40.0
    with pytest.raises(ValueError, match="does not match"):
        score("WBSTAR", [5] * 8, total=41)
    # SWEMWBS: the total is the raw sum, checked against the raw items, then converted
    assert score("SWEMWBS", [3] * 7, total=21) == pytest.approx(19.25)


def test_out_of_range_item_raises_naming_it():
    with pytest.raises(ValueError, match="item_04"):
        score("PSEQ", [2, 3, 1, 7, 0, 6, 2, 3, 2, 3])
    with pytest.raises(ValueError, match="item_01"):
        score("SWEMWBS", [0, 3, 3, 3, 3, 3, 3])
    with pytest.raises(ValueError, match="item_03"):
        score("WBSTAR", [5, 5, 2.5, 5, 5, 5, 5, 5])
    with pytest.raises(ValueError, match="item_11"):
        score("PSEQ", [2] * 11)
    with pytest.raises(ValueError, match="total"):
        score("PSEQ", total=61)


def test_items_as_mapping_and_case_insensitive_code():
    assert score("pseq2", {"item_01": 3, "item_02": 4}) == 7.0
    # the documented keyword names
    assert score(instrument="PSEQ", items=None, total=33) == 33.0
    assert pseq_band(score=26) == "moderate"


def test_unknown_instrument():
    with pytest.raises(ValueError, match="unknown instrument"):
        score("PHQ9", [1])


def test_ons4_has_no_total_and_bands():
    assert score("ONS4", [7, 8, 6, 3]) is None
    with pytest.raises(ValueError):
        score("ONS4", total=10)
    assert ons4_bands([7, 9, 4, 6]) == {
        "satisfaction": "high",
        "worthwhile": "very high",
        "happy": "low",
        "anxious": "high",
    }
    # band edges: items 1-3 0-4 low, 5-6 medium, 7-8 high, 9-10 very high;
    # anxiety 0-1 very low, 2-3 low, 4-5 medium, 6-10 high
    assert [ons4_bands([v, 0, 0, 0])["satisfaction"] for v in (0, 4, 5, 6, 7, 8, 9, 10)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
        "very high",
        "very high",
    ]
    assert [ons4_bands([0, 0, 0, v])["anxious"] for v in (0, 1, 2, 3, 4, 5, 6, 10)] == [
        "very low",
        "very low",
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    assert ons4_bands([5, None, 5, None])["worthwhile"] is None
    with pytest.raises(ValueError, match="item_02"):
        ons4_bands([5, 11, 5, 5])


def test_registry_facts():
    pseq = INSTRUMENTS["PSEQ"]
    assert (pseq.meaningful_change, pseq.stricter_meaningful_change) == (5.5, 11)
    assert pseq.reliability == 0.86 and "Dube" in pseq.reliability_source
    assert INSTRUMENTS["PSEQ2"].meaningful_change == 1.5
    sw = INSTRUMENTS["SWEMWBS"]
    assert (sw.meaningful_change, sw.smallest_noteworthy_change) == (3, 1)
    assert "NHS Health Scotland" in sw.licence_notice
    assert INSTRUMENTS["WEMWBS"].meaningful_change == 3
    assert INSTRUMENTS["PSFS"].meaningful_change == 2
    assert INSTRUMENTS["ONS4"].meaningful_change is None
    assert INSTRUMENTS["WBSTAR"].meaningful_change is None
    assert "Triangle" in INSTRUMENTS["WBSTAR"].licence_notice
    assert INSTRUMENTS["ONS4"].item_higher_is_better[4] is False
    for code, inst in INSTRUMENTS.items():
        assert inst.code == code
        assert inst.higher_is_better  # every total is better higher (ONS4 anxiety is an item)
        if inst.meaningful_change is not None:
            assert inst.meaningful_change_source
        if inst.reliability is not None:
            assert 0 < inst.reliability < 1 and inst.reliability_source
        if inst.item_labels:
            assert len(inst.item_labels) == inst.item_count


@st.composite
def forms(draw):
    code = draw(st.sampled_from([c for c, i in INSTRUMENTS.items() if i.has_total]))
    inst = INSTRUMENTS[code]
    n = draw(st.integers(inst.items_needed, inst.item_count))
    items = draw(st.lists(st.integers(inst.item_min, inst.item_max), min_size=n, max_size=n))
    return code, items


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(forms())
def test_scores_stay_in_range(form):
    code, items = form
    inst = INSTRUMENTS[code]
    value = score(code, items)
    assert value is not None and not math.isnan(value)
    assert inst.score_min <= value <= inst.score_max
