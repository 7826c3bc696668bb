"""wellpath.outcomes on small hand-worked frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wellpath import outcomes


def pairs(measure: str, baseline: list[float], follow_up: list[float], **cols) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"measure": measure, "baseline_score": baseline, "follow_up_score": follow_up}
    )
    frame["change_points"] = frame["follow_up_score"] - frame["baseline_score"]
    for key, values in cols.items():
        frame[key] = values
    return frame


def test_measures_order_pseq_first_and_ons4_items():
    codes = list(outcomes.MEASURES)
    assert codes[0] == "PSEQ"
    assert codes.index("SWEMWBS") < codes.index("WEMWBS") < codes.index("ONS4_satisfaction")
    assert outcomes.MEASURES["ONS4_anxious"].higher_is_better is False
    assert outcomes.MEASURES["ONS4_happy"].higher_is_better is True
    assert outcomes.measures_present(["WBSTAR", "PSEQ", "ONS4_anxious"]) == [
        "PSEQ",
        "ONS4_anxious",
        "WBSTAR",
    ]


def test_paired_summary_hand_worked():
    # Changes 26, 11, 10, -2: mean 11.25; SD: deviations 14.75, -0.25, -1.25, -13.25,
    # squares 217.5625 + 0.0625 + 1.5625 + 175.5625 = 394.75, / 3 = 131.583, SD 11.4710.
    # t(0.975, 3) = 3.182446: half-width 3.182446 * 11.4710 / 2 = 18.2529.
    # MCID 5.5: 3 of 4; MCID 11: 2 of 4 (11 counts as reaching it).
    frame = pairs("PSEQ", [18, 30, 12, 35], [44, 41, 22, 33])
    row = outcomes.paired_summary(frame).iloc[0]
    assert row["pair_count"] == 4
    assert row["mean_change"] == pytest.approx(11.25)
    assert row["ci_low"] == pytest.approx(11.25 - 18.2529, abs=1e-3)
    assert row["ci_high"] == pytest.approx(11.25 + 18.2529, abs=1e-3)
    assert row["mcid_points"] == 5.5
    assert row["mcid_pct"] == pytest.approx(75.0)
    strict = outcomes.paired_summary(frame, mcid={"PSEQ": 11}).iloc[0]
    assert strict["mcid_pct"] == pytest.approx(50.0)


def test_reliable_change_uses_registry_r_and_baseline_sd():
    # Baselines 18, 30, 12, 35: mean 23.75, SD sqrt(((-5.75)^2 + 6.25^2 + (-11.75)^2 +
    # 11.25^2) / 3) = sqrt(336.75 / 3) = 10.5948. r = 0.86 (Dube 2021): S_diff = sqrt(2) *
    # 10.5948 * sqrt(0.14) = 5.6062; threshold 1.96 * 5.6062 = 10.988 points.
    # Changes 26 and 11 exceed it (improved); 10 and -2 do not.
    row = outcomes.paired_summary(pairs("PSEQ", [18, 30, 12, 35], [44, 41, 22, 33])).iloc[0]
    assert row["reliability_r"] == 0.86
    assert row["sd_baseline"] == pytest.approx(10.5948, abs=1e-4)
    assert row["reliable_threshold_points"] == pytest.approx(10.988, abs=1e-3)
    assert row["reliable_improved_count"] == 2
    assert row["reliable_deteriorated_count"] == 0


def test_no_published_reliability_means_not_available_unless_set():
    frame = pairs("PSFS", [2, 3, 4, 5], [6, 3, 5, 9])
    row = outcomes.paired_summary(frame).iloc[0]
    assert row["reliability_r"] is None or pd.isna(row["reliability_r"])
    assert row["reliable_improved_count"] is None or pd.isna(row["reliable_improved_count"])
    row = outcomes.paired_summary(frame, reliability={"PSFS": 0.8}).iloc[0]
    assert row["reliability_r"] == 0.8
    assert not pd.isna(row["reliable_improved_count"])


def test_anxiety_improves_when_it_falls():
    # ONS4 anxiety 7 -> 3, 6 -> 2, 5 -> 6: changes -4, -4, +1 (mean -7/3); two improve
    # (fall), one worsens.
    row = outcomes.paired_summary(pairs("ONS4_anxious", [7, 6, 5], [3, 2, 6])).iloc[0]
    assert row["improved_count"] == 2
    assert row["mean_change"] == pytest.approx(-7 / 3)


def test_protect_paired_summary_suppresses_small_groups():
    small = outcomes.paired_summary(pairs("PSEQ", [10] * 5, [20] * 5))
    protected = outcomes.protect_paired_summary(small).iloc[0]
    assert pd.isna(protected["pair_count"])
    assert pd.isna(protected["mean_change"])
    assert pd.isna(protected["mcid_pct"])
    # 12 people: n rounded to 10, mean kept; share from rounded parts (12 of 12 -> 10 / 10).
    big = outcomes.paired_summary(pairs("PSEQ", [10] * 12, [20] * 12))
    protected = outcomes.protect_paired_summary(big).iloc[0]
    assert protected["pair_count"] == 10
    assert protected["mean_change"] == pytest.approx(10.0)
    assert protected["mcid_pct"] == pytest.approx(100.0)


def test_breakdown_groups_and_not_recorded():
    # Group A changes 2, 4 (mean 3); group B 10; missing group -> "Not recorded" change 0.
    frame = pairs("PSEQ", [10, 10, 10, 10], [12, 14, 20, 10], sex=["a", "a", "b", None])
    out = outcomes.breakdown(frame, "PSEQ", "sex").set_index("group")
    assert out.loc["a", "mean_change"] == 3
    assert out.loc["a", "pair_count"] == 2
    assert out.loc["b", "pair_count"] == 1 and math.isnan(out.loc["b", "ci_low"])
    assert out.loc["Not recorded", "mean_change"] == 0


def test_band_transitions_and_boundaries():
    # 19 severe, 20 moderate, 30 moderate, 31 mild, 40 mild, 41 minimal.
    frame = pairs("PSEQ", [19, 30, 40], [20, 31, 41])
    t = outcomes.band_transitions(frame).set_index(["baseline_band", "follow_up_band"])
    assert t.loc[("severe", "moderate"), "pair_count"] == 1
    assert t.loc[("moderate", "mild"), "pair_count"] == 1
    assert t.loc[("mild", "minimal"), "pair_count"] == 1
    assert len(t) == 16
    # 40 or more: 1 of 3 at baseline (40), 1 of 3 at follow-up (41).
    share = outcomes.share_at_or_above(frame).set_index("when")
    assert share["at_or_above_count"].tolist() == [1, 1]


def test_coverage_sentence_compares_baselines():
    coverage = pd.DataFrame(
        {
            "measure": ["PSEQ"] * 3,
            "follow_up_status": ["followed_up", "open_no_follow_up", "discharged_no_follow_up"],
            "baseline_count": [60, 20, 20],
            "mean_baseline": [26.0, 24.0, 21.0],
            "ci_low": [25.0, 22.0, 19.0],
            "ci_high": [27.0, 26.0, 23.0],
            "sd_baseline": [8.0, 8.0, 8.0],
        }
    )
    text = outcomes.coverage_sentence(coverage, "PSEQ", "PSEQ")
    assert "Of 100 people" in text and "60 (60%)" in text
    # judged by the Welch interval of the difference: +5.0, SE sqrt(64/60 + 64/20) = 2.07
    assert "was higher than" in text and "+5.0 points, 95% CI +0.8 to +9.2" in text


def test_monthly_change_groups_by_follow_up_month():
    frame = pairs("PSEQ", [10, 10, 10], [12, 16, 30])
    frame["follow_up_date"] = pd.to_datetime(["2025-01-03", "2025-01-30", "2025-02-01"])
    out = outcomes.monthly_change(frame, "PSEQ")
    assert out["pair_count"].tolist() == [2, 1]
    assert out["mean_change_points"].tolist() == [4, 20]


def test_reading_mentions_caveats_and_suppression():
    row = outcomes.paired_summary(pairs("PSEQ", [18, 30, 12, 35], [44, 41, 22, 33])).iloc[0]
    lines = outcomes.reading(row.to_dict(), outcomes.MEASURES["PSEQ"], period_label="2025")
    text = " ".join(lines)
    assert "regression to the mean" in text
    assert "+11.2 points" in text
    assert "could be chance" in text  # CI -7.0 to +29.5 includes 0
    assert "only 4 pairs" in text
    suppressed = outcomes.reading(
        {"pair_count": None}, outcomes.MEASURES["PSEQ"], period_label="2025"
    )
    assert "too few to publish" in suppressed[0]


def test_licence_notices():
    notices = outcomes.licence_notices(["PSEQ", "SWEMWBS", "WEMWBS", "WBSTAR"])
    assert any("NHS Health Scotland" in n for n in notices)
    assert any("Triangle" in n for n in notices)
    assert outcomes.licence_notices(["PSEQ"]) == []


def test_pseq_bands_is_pseq_band_for_every_score():
    # every score 0-60 in steps of 0.01 (form totals like 19.5 fall in the lower band), and
    # missing values, give the scalar function's label; out of range raises as it does
    from wellpath import scoring

    scores = [round(0.01 * i, 2) for i in range(6001)] + [None, float("nan")]
    assert list(scoring.pseq_bands(scores)) == [scoring.pseq_band(v) for v in scores]
    assert list(scoring.pseq_bands(np.array([19.5, 20.0, 40.99, 41.0]))) == [
        "severe",
        "moderate",
        "mild",
        "minimal",
    ]
    with pytest.raises(ValueError):
        scoring.pseq_bands([30.0, 61.0])
