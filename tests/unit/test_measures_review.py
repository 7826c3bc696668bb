"""Adversarial review of the measures library against published methods and hand-worked cases.

Each test names its source. Where a defect was found, the test that would have caught it
says so in its docstring ("Defect: ...").
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from wellpath import costs, disclosure, funnel, outcomes, scoring, spc, stats

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "published"
SCORING = FIXTURES / "scoring"


# --- funnel limits ----------------------------------------------------------------------------


def _interpolated_quantile_by_hand(p: float, mean: float) -> float:
    """Spiegelhalter (2005, appendix A.1.1) written out with a plain loop over counts: y is
    the smallest count with P(Y <= y) >= p, a = (P(Y <= y) - p) / P(Y = y), limit = y - a."""
    y, cdf = 0, math.exp(-mean)
    pmf = cdf
    while cdf < p:
        y += 1
        pmf = pmf * mean / y
        cdf += pmf
    return max(y - (cdf - p) / pmf, 0.0)


@pytest.mark.parametrize("expected", [0.3, 1.0, 2.5, 7.2, 20.0, 64.0, 250.0, 700.0])
@pytest.mark.parametrize("p", [0.001, 0.025, 0.975, 0.999])
def test_funnel_limit_count_equals_the_interpolation_worked_by_hand(expected, p):
    got = funnel.poisson_limit_count(p, np.array([expected]))[0]
    assert got == pytest.approx(_interpolated_quantile_by_hand(p, expected), abs=1e-9)


def test_funnel_limits_lie_within_one_count_below_scipys_poisson_quantile():
    # The interpolated limit is y - a with y = scipy.stats.poisson.ppf(p, E) and 0 <= a < 1;
    # at large E it approaches the normal limits E +/- z * sqrt(E) (Spiegelhalter 2005, s. 3).
    for expected in (0.7, 4.0, 33.0, 150.0, 1000.0, 5000.0):
        for p in (0.001, 0.025, 0.975, 0.999):
            limit = funnel.poisson_limit_count(p, np.array([expected]))[0]
            y = sps.poisson.ppf(p, expected)
            assert max(y - 1, 0) <= limit <= y
            if expected >= 1000:
                normal = expected + sps.norm.ppf(p) * math.sqrt(expected)
                assert abs(limit - normal) < 0.05 * math.sqrt(expected) + 1


def test_funnel_limits_per_1000_and_overall_rate_line():
    # Overall 4 per 1,000; list size 2,500 -> expected 10 referrals. The 95% limits are the
    # interpolated 2.5% and 97.5% quantiles of Poisson(10), times 1000 / 2500.
    frame = funnel.funnel_limits([2500], 4.0)
    assert frame["rate"].iloc[0] == 4.0
    assert frame["expected_count"].iloc[0] == pytest.approx(10.0)
    assert frame["upper_95"].iloc[0] == pytest.approx(
        _interpolated_quantile_by_hand(0.975, 10.0) * 1000 / 2500
    )
    assert frame["lower_95"].iloc[0] == pytest.approx(
        _interpolated_quantile_by_hand(0.025, 10.0) * 1000 / 2500
    )
    rates = funnel.overall_rate([3, 7, 10], [1000, 2000, 2000])
    assert rates == pytest.approx(20 / 5000 * 1000)


def test_no_events_everywhere_is_not_higher_than_expected():
    """Defect: with an overall rate of 0 (e.g. a condition with no referrals in the period)
    every practice was placed 'above 99.8%' (z = inf), because the interpolated distribution
    puts a count of 0 in its upper tail when nothing is expected."""
    positions = funnel.funnel_positions([0, 0, 0], [10_000, 5_000, 100], 0.0)
    assert list(positions["band"]) == ["within 95%"] * 3
    assert list(positions["z"]) == [0.0, 0.0, 0.0]
    # one event where none was expected is far above
    assert funnel.funnel_position(1, 100, 0.0).band == "above 99.8%"


@pytest.mark.parametrize("expected", [0.0002, 0.001, 0.02, 0.5])
def test_zero_events_is_never_above_the_funnel(expected):
    """Defect: a practice with no events and a tiny expected count (< 0.025) was 'above 95%'."""
    position = funnel.funnel_position(0, 1000, expected)  # per 1,000: expected = rate
    assert position.band == "within 95%"
    assert position.z <= 0


def test_funnel_band_agrees_with_the_drawn_limits():
    # A count is outside the drawn (floored) 95% funnel exactly when its band says so.
    rng = np.random.default_rng(5)
    for _ in range(400):
        denominator = float(rng.integers(50, 20_000))
        rate = float(rng.choice([0.05, 0.5, 2.0, 8.0, 30.0]))
        expected = denominator * rate / 1000
        observed = float(rng.poisson(expected * float(rng.choice([0.3, 1.0, 1.8]))))
        limits = funnel.funnel_limits([denominator], rate).iloc[0]
        band = funnel.funnel_position(observed, denominator, rate).band
        observed_rate = observed / denominator * 1000
        above = observed_rate > limits["upper_95"] + 1e-12
        below = observed_rate < limits["lower_95"] - 1e-12
        assert (band in ("above 95%", "above 99.8%")) == above, (observed, expected)
        assert (band in ("below 95%", "below 99.8%")) == below, (observed, expected)


# --- paired change ----------------------------------------------------------------------------


def test_paired_change_ci_matches_scipy_ttest_rel_on_random_data():
    rng = np.random.default_rng(11)
    for n in (2, 3, 8, 40, 300):
        baseline = rng.normal(25, 9, n).round()
        follow_up = (baseline + rng.normal(4, 6, n)).round()
        result = stats.paired_change(baseline, follow_up)
        ci = sps.ttest_rel(follow_up, baseline).confidence_interval(0.95)
        assert result.ci_low == pytest.approx(ci.low, rel=1e-9, abs=1e-12)
        assert result.ci_high == pytest.approx(ci.high, rel=1e-9, abs=1e-12)
        change = follow_up - baseline
        # d = mean change / SD at baseline (n - 1); SRM = mean change / SD of change
        assert result.effect_size == pytest.approx(change.mean() / baseline.std(ddof=1))
        assert result.srm == pytest.approx(change.mean() / change.std(ddof=1))
        assert result.ci_low <= result.mean_change <= result.ci_high


def test_paired_change_wilcoxon_matches_scipy_with_zero_differences_dropped():
    rng = np.random.default_rng(3)
    for n in (5, 12, 30, 80):
        baseline = rng.integers(10, 40, n).astype(float)
        follow_up = baseline + rng.integers(-3, 6, n)  # ties and zeros on purpose
        result = stats.paired_change(baseline, follow_up)
        expected = sps.wilcoxon(follow_up - baseline, zero_method="wilcox").pvalue
        assert result.p_wilcoxon == pytest.approx(expected, rel=1e-12)


def test_wilcoxon_ties_are_not_split_by_floating_point_noise():
    """Defect: PSFS means (thirds) gave changes 0.9999999999999996 and 1.0000000000000002,
    which scipy ranked as different numbers and tested with the exact no-ties distribution:
    p 0.25 where the changes 1, 1, 1, -1, 2 give 0.3125."""
    baseline = [4 / 3, 10 / 3, 2.0, 5.0, 1.0]
    follow_up = [7 / 3, 13 / 3, 3.0, 4.0, 3.0]
    result = stats.paired_change(baseline, follow_up)
    expected = sps.wilcoxon([1.0, 1.0, 1.0, -1.0, 2.0], zero_method="wilcox").pvalue
    assert result.p_wilcoxon == pytest.approx(expected)
    # SWEMWBS metric scores: 0.1 + 0.2 against 0.3 is no change, not an improvement
    same = stats.paired_change([0.3, 5.0], [0.1 + 0.2, 6.0])
    assert (same.improved_count, same.unchanged_count) == (1, 1)


def test_share_reaching_mcid_is_at_least_the_mcid_in_the_better_direction():
    # higher is better, MCID 5.5: changes 5.5 (reaches), 5.4 (no), 11 (yes), -6 (no)
    up = stats.paired_change([10, 10, 10, 20], [15.5, 15.4, 21, 14], mcid=5.5)
    assert up.mcid_count == 2 and up.share_mcid == 0.5
    # lower is better: a fall of 3 or more reaches an MCID of 3
    down = stats.paired_change([20, 20, 20, 20], [17, 18, 23, 10], mcid=3, higher_is_better=False)
    assert down.mcid_count == 2
    assert down.mean_improvement == pytest.approx(-down.mean_change)
    # SWEMWBS metric 18.54 -> 21.54 is exactly 3 points despite floating point
    metric = stats.paired_change([18.54], [21.54], mcid=3)
    assert metric.mcid_count == 1


def test_wilson_interval_hand_values():
    # z = 1.959964, z^2 = 3.841459.
    # 0/10: centre = (0 + 0.192073) / 1.384146 = 0.138767; half = 1.959964 / 1.384146 *
    #   sqrt(3.841459 / 400) = 0.138767 -> (0, 0.277533). 10/10 is its mirror image.
    # 1/2: z^2/n = 1.920729; centre = (0.5 + 0.960365) / 2.920729 = 0.5; half = 1.959964 /
    #   2.920729 * sqrt(0.125 + 0.240091) = 0.671053 * 0.604228 = 0.405469 -> (0.094531, 0.905469).
    assert stats.wilson_interval(0, 10) == pytest.approx((0.0, 0.277533), abs=1e-6)
    assert stats.wilson_interval(10, 10) == pytest.approx((0.722467, 1.0), abs=1e-6)
    assert stats.wilson_interval(1, 2) == pytest.approx((0.094531, 0.905469), abs=1e-6)
    assert all(math.isnan(v) for v in stats.wilson_interval(0, 0))


def test_paired_change_degenerate_inputs():
    empty = stats.paired_change([], [], mcid=1)
    assert empty.n == 0 and math.isnan(empty.mean_change) and empty.share_mcid is None
    one = stats.paired_change([3.0], [5.0], mcid=1)
    assert one.n == 1 and one.mean_change == 2 and math.isnan(one.ci_low)
    assert one.p_wilcoxon is None and math.isnan(one.effect_size)
    two = stats.paired_change([3.0, 4.0], [5.0, 7.0])
    # changes 2, 3: mean 2.5, sd 0.7071, t(0.975, 1) = 12.7062 -> 2.5 +/- 6.3531
    assert two.ci_low == pytest.approx(2.5 - 12.706205 * 0.707107 / math.sqrt(2), rel=1e-5)
    assert two.p_wilcoxon == pytest.approx(0.5)  # exact: both ranks positive, 2 of 4 outcomes
    flat = stats.paired_change([3.0, 4.0, 5.0], [4.0, 5.0, 6.0])
    # every change is 1: a zero-width interval, SRM undefined, d = 1 / sd(3, 4, 5) = 1
    assert (flat.ci_low, flat.ci_high) == (1.0, 1.0)
    assert math.isnan(flat.srm) and flat.effect_size == pytest.approx(1.0)
    missing = stats.paired_change([3.0, None, 5.0, float("nan")], [4.0, 6.0, None, 7.0])
    assert missing.n == 1


# --- reliable change (Jacobson & Truax 1991) ------------------------------------------------------


def _claus_wide(outcome: str) -> pd.DataFrame:
    data = pd.read_csv(SCORING / "clinicalsignificance_claus_2020.csv")
    return data[data["time"].isin([1, 4])].pivot(index="id", columns="time", values=outcome)


def test_reliable_change_claus_2020_bdi_published_result():
    # R package clinicalsignificance (benediktclaus, GPL-3), vignette
    # articles/distribution-based-approach.md: claus_2020 BDI-II, time 1 against 4,
    # reliability 0.801, JT: N (original) 43, N (used) 40; improved 18, unchanged 22,
    # deteriorated 0. README.md (cs_combined, same data): clinical M 35.48, SD 8.16 = the
    # baselines of the 40 complete pairs. Lower BDI is better. The 3 incomplete pairs are
    # passed in and must be left out.
    wide = _claus_wide("bdi")
    assert len(wide) == 43
    summary = stats.reliable_change_summary(
        wide[1], wide[4], reliability=0.801, higher_is_better=False
    )
    assert summary.n == 40
    assert (summary.improved_count, summary.unchanged_count, summary.deteriorated_count) == (
        18,
        22,
        0,
    )
    assert summary.sd_used == pytest.approx(8.16, abs=0.005)
    complete = wide.dropna()
    assert complete[1].mean() == pytest.approx(35.48, abs=0.005)


def test_reliable_change_claus_2020_hamd_with_incomplete_pairs_passed_in():
    # clinicalsignificance tests/testthat/_snaps/cs_distribution.md: claus_2020 HAMD, time 1
    # against 4, reliability 0.80, JT: 29 improved, 10 unchanged, 1 deteriorated (of 40 used).
    wide = _claus_wide("hamd")
    classes = stats.reliable_change(wide[1], wide[4], reliability=0.80, higher_is_better=False)
    assert len(classes) == 40
    assert [classes.count(c) for c in ("improved", "unchanged", "deteriorated")] == [29, 10, 1]


def test_reliable_change_hechler_2014_uses_complete_pairs_only():
    """Defect: a missing post value raised ValueError (and so would the Outcomes summary),
    where paired_change leaves incomplete pairs out."""
    data = pd.read_csv(SCORING / "clinicalsignificance_hechler_2014.csv")
    wide = data.pivot(index="patient", columns="measurement", values="disability")
    assert wide[2].isna().sum() > 0
    complete = wide.dropna()
    got = stats.reliable_change(wide[1], wide[2], reliability=0.8, higher_is_better=False)
    expected = stats.reliable_change(
        complete[1], complete[2], reliability=0.8, higher_is_better=False
    )
    assert got == expected and len(got) == len(complete)
    # worked independently: SD of the complete baselines, S_diff = sqrt(2) * SD * sqrt(0.2)
    s_diff = math.sqrt(2) * complete[1].std(ddof=1) * math.sqrt(0.2)
    rc = (complete[2] - complete[1]) / s_diff
    by_hand = np.where(rc < -1.96, "improved", np.where(rc > 1.96, "deteriorated", "unchanged"))
    assert got == list(by_hand)
    summary = stats.reliable_change_summary(wide[1], wide[2], reliability=0.8)
    assert summary.n == len(complete)
    assert summary.sd_used == pytest.approx(complete[1].std(ddof=1))
    change = stats.paired_change(wide[1], wide[2])
    assert change.n == summary.n


def test_outcomes_summary_with_a_missing_follow_up_does_not_fail():
    pairs = pd.DataFrame(
        {
            "measure": ["PSEQ"] * 10,
            "baseline_score": [20, 25, 30, 18, 22, 35, 28, 15, 40, 26],
            "follow_up_score": [30, 27, 31, 30, 21, 45, 29, 35, 41, np.nan],
        }
    )
    row = outcomes.paired_summary(pairs).iloc[0]
    assert row["pair_count"] == 9
    assert row["reliable_improved_count"] is not None


# --- scoring ---------------------------------------------------------------------------------

# measures.md, "Outcome instruments": code -> (items, item min, item max, score min, score max,
# higher is better, meaningful change)
MEASURES_TABLE = {
    "PSEQ": (10, 0, 6, 0, 60, True, 5.5),
    "PSEQ2": (2, 0, 6, 0, 12, True, 1.5),
    "SWEMWBS": (7, 1, 5, 7, 35, True, 3),
    "WEMWBS": (14, 1, 5, 14, 70, True, 3),
    "ONS4": (4, 0, 10, 0, 10, True, None),
    "PSFS": (5, 0, 10, 0, 10, True, 2),
    "WBSTAR": (8, 1, 10, 8, 80, True, None),
}


@pytest.mark.parametrize("code", sorted(MEASURES_TABLE))
def test_registry_matches_measures_md(code):
    items, lo, hi, score_lo, score_hi, better_high, mcid = MEASURES_TABLE[code]
    inst = scoring.INSTRUMENTS[code]
    assert (inst.item_count, inst.item_min, inst.item_max) == (items, lo, hi)
    assert (inst.score_min, inst.score_max) == (score_lo, score_hi)
    assert inst.higher_is_better is better_high
    assert inst.meaningful_change == mcid
    if code in ("ONS4",):
        return
    # the lowest and highest forms score the ends of the range (SWEMWBS: metric 7 and 35)
    needed = inst.items_needed if code != "PSFS" else 3
    assert scoring.score(code, [lo] * needed) == score_lo
    assert scoring.score(code, [hi] * needed) == score_hi
    # an item one past either end is refused, naming the item
    for bad in (lo - 1, hi + 1):
        form = [lo] * needed
        form[needed - 1] = bad
        with pytest.raises(ValueError, match=f"item_{needed:02d}"):
            scoring.score(code, form)


def test_ons4_has_no_total_and_anxiety_is_better_low():
    inst = scoring.INSTRUMENTS["ONS4"]
    assert dict(inst.item_higher_is_better) == {1: True, 2: True, 3: True, 4: False}
    assert scoring.score("ONS4", [5, 5, 5, 5]) is None
    with pytest.raises(ValueError):
        scoring.score("ONS4", [5, 5, 5, 5], total=20)
    assert outcomes.MEASURES["ONS4_anxious"].higher_is_better is False


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "low"),
        (4, "low"),
        (5, "medium"),
        (6, "medium"),
        (7, "high"),
        (8, "high"),
        (9, "very high"),
        (10, "very high"),
    ],
)
def test_ons4_bands_items_1_to_3_at_every_boundary(value, band):
    bands = scoring.ons4_bands([value, value, value, None])
    assert bands == {"satisfaction": band, "worthwhile": band, "happy": band, "anxious": None}


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "very low"),
        (1, "very low"),
        (2, "low"),
        (3, "low"),
        (4, "medium"),
        (5, "medium"),
        (6, "high"),
        (10, "high"),
    ],
)
def test_ons4_anxiety_bands_at_every_boundary(value, band):
    assert scoring.ons4_bands([None, None, None, value])["anxious"] == band


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "severe"),
        (19, "severe"),
        (20, "moderate"),
        (30, "moderate"),
        (31, "mild"),
        (40, "mild"),
        (41, "minimal"),
        (60, "minimal"),
    ],
)
def test_pseq_bands_at_every_boundary(score, band):
    # ePPOC (Nicholas 2019): 0-19 severe, 20-30 moderate, 31-40 mild, 41-60 minimal
    assert scoring.pseq_band(score) == band
    assert scoring.INSTRUMENTS["PSEQ"].band(score) == band


def test_swemwbs_all_29_raw_values_from_items_and_from_a_total():
    table = pd.read_csv(SCORING / "swemwbs_raw_to_metric.csv")
    assert list(table["raw"]) == list(range(7, 36))
    for raw, metric in zip(table["raw"], table["metric"], strict=True):
        # a form adding up to `raw`: as many 5s as fit, the rest 1s and one filler item
        items, left = [1] * 7, raw - 7
        for i in range(7):
            step = min(4, left)
            items[i] += step
            left -= step
        assert sum(items) == raw
        assert scoring.score("SWEMWBS", items) == pytest.approx(metric)
        assert scoring.score("SWEMWBS", total=raw) == pytest.approx(metric)
        assert scoring.score("SWEMWBS", items, total=raw) == pytest.approx(metric)
        assert scoring.swemwbs_metric(raw) == pytest.approx(metric)
    for bad in (6, 36, 0, 20.5):
        with pytest.raises(ValueError, match="7 and 35"):
            scoring.score("SWEMWBS", total=bad)


def test_psfs_is_the_mean_of_one_to_five_activities():
    assert scoring.score("PSFS", [7]) == 7
    assert scoring.score("PSFS", [4, 5]) == 4.5
    assert scoring.score("PSFS", [3, 4, 6]) == pytest.approx(13 / 3)
    assert scoring.score("PSFS", [1, 2, 3, 4, 10]) == 4
    assert scoring.score("PSFS", [None, 8, None, 2]) == 5  # blanks between activities
    with pytest.raises(ValueError, match="item_06"):
        scoring.score("PSFS", [1, 2, 3, 4, 5, 6])
    assert scoring.score("PSFS", [None] * 5) is None
    # the total written as the mean to one decimal place matches the items
    assert scoring.score("PSFS", [3, 4, 6], total=4.3) == pytest.approx(13 / 3)


def test_pseq2_is_items_5_and_9_of_the_pseq():
    # Nicholas et al. 2015 (J Pain 16:153): PSEQ-2 = item 5 (some form of work) + item 9
    # (a normal lifestyle). A PSEQ2 form carries just those two, as item_01 and item_02.
    pseq = [0, 1, 2, 3, 4, 5, 6, 0, 1, 2]
    assert scoring.pseq2_from_pseq(pseq) == 4 + 1
    assert scoring.pseq2_from_pseq({"item_05": 6, "item_09": 6}) == 12
    assert scoring.pseq2_from_pseq([6, 6, 6, 6, None, 6, 6, 6, 6, 6]) is None
    assert scoring.score("PSEQ2", [4, 1]) == 5
    assert scoring.INSTRUMENTS["PSEQ2"].item_labels == (
        scoring.INSTRUMENTS["PSEQ"].item_labels[4],
        scoring.INSTRUMENTS["PSEQ"].item_labels[8],
    )
    # a full PSEQ entered as PSEQ2 is refused, not silently summed, and the message says how
    with pytest.raises(ValueError, match="pseq2_from_pseq"):
        scoring.score("PSEQ2", pseq)


def test_incomplete_forms_score_none_and_a_total_alone_is_taken_as_given():
    assert scoring.score("PSEQ", [3] * 9 + [None]) is None
    assert scoring.score("PSEQ", [3] * 9 + [None], total=33) == 33
    assert scoring.score("PSEQ", total=41.5) == 41.5
    assert scoring.score("WEMWBS", total=50) == 50
    assert scoring.score("WBSTAR", total=44) == 44
    with pytest.raises(ValueError, match="does not match"):
        scoring.score("PSEQ", [3] * 10, total=31)
    with pytest.raises(ValueError, match="total"):
        scoring.score("PSEQ", total=61)


def test_blank_cells_of_any_kind_are_missing_not_errors():
    """Defect: a numpy float32 NaN item raised 'cannot convert float NaN to integer', and an
    empty string (a blank CSV cell) raised 'is not a number'."""
    blanks = [None, float("nan"), np.float32("nan"), np.float64("nan"), pd.NA, "", "  "]
    for blank in blanks:
        assert scoring.score("PSEQ", [3] * 9 + [blank]) is None
        assert scoring.score("PSEQ", [blank] * 10, total=blank) is None
        assert scoring.score("PSEQ", [blank] * 10, total=27) == 27
    assert scoring.score("PSEQ", [np.int64(3)] * 10) == 30
    assert scoring.score("PSEQ", ["3"] * 10) == 30


# --- SPC edge cases ---------------------------------------------------------------------------

# Twelve points alternating 10, 11: mean 10.5, every moving range 1, so AMR 1 and the process
# limits are 10.5 -/+ 2.66 = 7.84 / 13.16 (near-limit band 10.5 -/+ 1.7733). Limits fixed
# after these 12; a 13th point far above or below is the last point.
STEADY = [10.0, 11.0] * 6


@pytest.mark.parametrize(
    ("last", "improvement", "icon"),
    [
        (30.0, "increase", "improvement_high"),
        (30.0, "decrease", "concern_high"),
        (30.0, "neutral", "neutral_high"),
        (0.0, "increase", "concern_low"),
        (0.0, "decrease", "improvement_low"),
        (0.0, "neutral", "neutral_low"),
        (11.0, "increase", "common_cause"),
    ],
)
def test_variation_icon_on_obvious_series(last, improvement, icon):
    chart = spc.xmr(STEADY + [last], improvement=improvement, fix_after_n=12)
    assert chart["mean"].iloc[-1] == pytest.approx(10.5)
    assert (chart["lpl"].iloc[-1], chart["upl"].iloc[-1]) == pytest.approx((7.84, 13.16))
    assert chart.attrs["variation_icon"] == icon
    assert not chart["trial_limits"].any()


@pytest.mark.parametrize(
    ("target", "improvement", "expected"),
    [
        (5.0, "increase", "consistent_pass"),  # target below the lower limit
        (5.0, "decrease", "consistent_fail"),
        (20.0, "increase", "consistent_fail"),  # target above the upper limit
        (20.0, "decrease", "consistent_pass"),
        (10.0, "increase", "inconsistent"),
        (10.0, "neutral", None),
    ],
)
def test_assurance_icon_on_obvious_series(target, improvement, expected):
    chart = spc.xmr(STEADY, improvement=improvement, target=target)
    assert chart.attrs["assurance"] == expected
    assert spc.assurance(chart, target, improvement) == expected


def test_a_missing_latest_month_does_not_hide_the_latest_point():
    """Defect: the variation icon was read from the last row even when its value was
    missing, so a chart whose latest real point is far above the limits said 'common cause'."""
    chart = spc.xmr(STEADY + [30.0, np.nan], fix_after_n=12)
    assert chart["point_type"].iloc[-1] == "common_cause"  # a missing value is not flagged
    assert chart.attrs["variation_icon"] == "improvement_high"
    frame = pd.DataFrame(
        {
            "practice": ["A"] * 14 + ["B"] * 13 + ["C"] * 2,
            "month": list(range(14)) + list(range(13)) + [0, 1],
            "value": STEADY + [30.0, np.nan] + STEADY + [0.0] + [np.nan, np.nan],
        }
    )
    many = spc.xmr_many(frame, "practice", "value", period_col="month", fix_after_n=12)
    latest = spc.latest_by_group(many, "practice", "increase").set_index("practice")
    assert latest.loc["A", "variation_icon"] == "improvement_high"
    assert latest.loc["A", "value"] == 30.0
    assert latest.loc["B", "variation_icon"] == "concern_low"
    assert latest.loc["C", "variation_icon"] == "common_cause"  # nothing observed at all
    assert list(latest.index) == ["A", "B", "C"]


def test_spc_short_series_and_trial_limits():
    one = spc.xmr([5.0])
    assert one["mean"].iloc[0] == 5.0 and math.isnan(one["upl"].iloc[0])
    assert one["trial_limits"].all() and one.attrs["variation_icon"] == "common_cause"
    two = spc.xmr([5.0, 6.0])
    # mean 5.5, AMR 1 -> limits 2.84 / 8.16
    assert (two["lpl"].iloc[0], two["upl"].iloc[0]) == pytest.approx((2.84, 8.16))
    assert spc.xmr(list(range(11)))["trial_limits"].all()
    assert not spc.xmr(list(range(12)))["trial_limits"].any()
    assert spc.xmr([])["value"].size == 0


def test_spc_all_equal_values_are_common_cause_on_collapsed_limits():
    chart = spc.xmr([3.0] * 15, target=2.0)
    assert (chart["point_type"] == "common_cause").all()
    assert (chart["lpl"] == 3.0).all() and (chart["upl"] == 3.0).all()
    assert chart["zero_variation"].all()
    assert chart.attrs["assurance"] == "consistent_pass"  # target below a process stuck at 3


def test_spc_missing_values_take_no_part():
    with_gap = spc.xmr([1.0, 2.0, np.nan, 3.0, 4.0])
    without = spc.xmr([1.0, 2.0, 3.0, 4.0])
    # mean of 1..4 = 2.5; moving ranges only between neighbours that both exist: |2-1|, |4-3|
    assert with_gap["mean"].iloc[0] == pytest.approx(without["mean"].iloc[0])
    assert with_gap["amr"].iloc[0] == pytest.approx(1.0)
    assert with_gap["point_type"].iloc[2] == "common_cause"


def test_spc_rebasing_at_the_last_point_and_fixing_beyond_the_series():
    values = [float(v) for v in range(20)]
    rebased = spc.xmr(values, rebase_at=[19])
    first_part = spc.xmr(values[:19])
    assert rebased["mean"].iloc[0] == pytest.approx(first_part["mean"].iloc[0])
    assert rebased["upl"].iloc[0] == pytest.approx(first_part["upl"].iloc[0])
    last = rebased.iloc[-1]
    assert last["mean"] == 19.0 and math.isnan(last["upl"]) and last["trial_limits"]
    assert last["rebase_group"] == 1
    # fixing after more points than there are is the same as not fixing
    fixed = spc.xmr(values, fix_after_n=30)
    free = spc.xmr(values)
    pd.testing.assert_series_equal(fixed["upl"], free["upl"])
    assert list(fixed["point_type"]) == list(free["point_type"])


# --- Kaplan-Meier -----------------------------------------------------------------------------

# R survival's `aml` (Miller 1981, Survival Analysis, p. 49; 23 patients, weeks in remission,
# status 1 = relapse): maintained, then not maintained.
AML_TIME = [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161, 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45]
AML_EVENT = [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1]


def test_kaplan_meier_aml_against_r_survfit():
    # Published R output for survfit(Surv(time, status) ~ 1) on these data (T. Therneau,
    # s-news list, Nov 2000, "survfit" reply, biostat.wustl.edu archive msg00179):
    #   time n.risk n.event survival std.err lower 95% CI upper 95% CI   (conf.type "log")
    #      5     23       2   0.9130  0.0588       0.8049        1.000
    #      8     21       2   0.8261  0.0790       0.6848        0.996
    #      9     19       1   0.7826  0.0860       0.6310        0.971
    km = stats.kaplan_meier(AML_TIME, [bool(e) for e in AML_EVENT], conf_type="log")
    curve = km.curve.set_index("time")
    for time, at_risk, events, surv, se, low, high in [
        (5, 23, 2, 0.9130, 0.0588, 0.8049, 1.000),
        (8, 21, 2, 0.8261, 0.0790, 0.6848, 0.996),
        (9, 19, 1, 0.7826, 0.0860, 0.6310, 0.971),
    ]:
        row = curve.loc[float(time)]
        assert (row["at_risk"], row["events"]) == (at_risk, events)
        assert row["survival"] == pytest.approx(surv, abs=5e-5)
        assert row["std_err"] == pytest.approx(se, abs=5e-5)
        assert row["ci_low"] == pytest.approx(low, abs=5e-5)
        assert row["ci_high"] == pytest.approx(high, abs=5e-4)
    # R prints median 27, 0.95LCL 18, 0.95UCL 45. By hand: S(23) = 0.5466, S(27) = 0.4969:
    # the median is 27. Log band: lower curve first <= 0.5 at 18 (0.6460 * exp(-1.96 *
    # 0.1565) = 0.4753); upper curve first <= 0.5 at 45 (0.1656 * exp(1.96 * 0.5196) = 0.458).
    assert (km.median, km.median_ci_low, km.median_ci_high) == (27.0, 18.0, 45.0)
    # the default log-log band is narrower at the top and gives its own interval
    default = stats.kaplan_meier(AML_TIME, [bool(e) for e in AML_EVENT])
    assert default.median == 27.0
    assert default.curve["survival"].tolist() == km.curve["survival"].tolist()
    assert default.median_ci_low <= 27.0 <= default.median_ci_high


def test_kaplan_meier_6mp_greenwood_standard_errors():
    # Freireich et al. 1963, 6-MP arm (21 children, weeks in remission; + = censored):
    # 6,6,6,6+,7,9+,10,10+,11+,13,16,17+,19+,20+,22,23,25+,32+,32+,34+,35+.
    # Worked by hand (the textbook table, e.g. Kleinbaum & Klein, Survival Analysis, ch. 2):
    #   t   n  d  S                       Greenwood sum d/(n(n-d))     SE = S*sqrt(sum)
    #   6  21  3  18/21 = 0.8571          3/(21*18) = 0.007937         0.0764
    #   7  17  1  0.8571*16/17 = 0.8067   + 1/(17*16) = 0.011613       0.0869
    #  10  15  1  0.8067*14/15 = 0.7529   + 1/(15*14) = 0.016375       0.0963
    #  13  12  1  0.7529*11/12 = 0.6902   + 1/(12*11) = 0.023950       0.1068
    #  16  11  1  0.6902*10/11 = 0.6275   + 1/(11*10) = 0.033041       0.1141
    #  22   7  1  0.6275*6/7   = 0.5378   + 1/(7*6)   = 0.056851       0.1282
    #  23   6  1  0.5378*5/6   = 0.4482   + 1/(6*5)   = 0.090184       0.1346
    times = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    event = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    km = stats.kaplan_meier(times, [bool(e) for e in event])
    events = km.curve[km.curve["events"] > 0].set_index("time")
    expected = {
        6: (0.8571, 0.0764),
        7: (0.8067, 0.0869),
        10: (0.7529, 0.0963),
        13: (0.6902, 0.1068),
        16: (0.6275, 0.1141),
        22: (0.5378, 0.1282),
        23: (0.4482, 0.1346),
    }
    assert list(events.index) == [float(t) for t in expected]
    for time, (surv, se) in expected.items():
        assert events.loc[float(time), "survival"] == pytest.approx(surv, abs=1e-4)
        assert events.loc[float(time), "std_err"] == pytest.approx(se, abs=1e-4)
    assert km.median == 23.0  # first time S <= 0.5
    # at 6 one person is censored with the three events: counted at risk (21), then removed
    assert km.curve.set_index("time").loc[7.0, "at_risk"] == 17


def test_kaplan_meier_ties_median_exactly_half_and_not_reached():
    # events and a censoring at t = 2: the censored person is at risk at 2 -> S = 0.8 * 2/4
    km = stats.kaplan_meier([1, 2, 2, 2, 3], [True, True, False, True, False])
    curve = km.curve.set_index("time")
    assert curve.loc[2.0, "at_risk"] == 4 and curve.loc[2.0, "survival"] == pytest.approx(0.4)
    assert km.median == 2.0
    # no censoring, S = 0.5 exactly on [2, 3): the midpoint 2.5, the ordinary median
    assert stats.kaplan_meier([1, 2, 3, 4], [True] * 4).median == 2.5
    # fewer than half have the event: no median
    open_cases = stats.kaplan_meier([1, 2, 3, 4], [True, False, False, False])
    assert math.isnan(open_cases.median) and math.isnan(open_cases.median_ci_high)
    with pytest.raises(ValueError):
        stats.kaplan_meier([1, 2], [True, True], conf_type="plain")


# --- difference in differences and costs -----------------------------------------------------


def test_difference_in_differences_hand_worked():
    # Referred: before 10, 8, 6; after 6, 6, 3 -> changes -4, -2, -3: mean -3, variance 1.
    # Comparison: before 5, 7, 9, 4; after 5, 8, 8, 5 -> changes 0, 1, -1, 1: mean 0.25,
    # variance 2.75 / 3 = 0.916667. Difference -3.25; SE = sqrt(1/3 + 0.916667/4) = 0.75;
    # Welch df = 0.5625^2 / ((1/3)^2 / 2 + 0.229167^2 / 3) = 4.3307.
    result = stats.difference_in_differences([10, 8, 6], [6, 6, 3], [5, 7, 9, 4], [5, 8, 8, 5])
    assert (result.n_referred, result.n_comparison) == (3, 4)
    assert result.change_referred == pytest.approx(-3.0)
    assert result.change_comparison == pytest.approx(0.25)
    assert result.difference == pytest.approx(-3.25)
    assert result.std_err == pytest.approx(0.75)
    assert result.df == pytest.approx(4.3307, abs=1e-4)
    welch = sps.ttest_ind([-4, -2, -3], [0, 1, -1, 1], equal_var=False)
    ci = welch.confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((ci.low, ci.high))
    assert result.p_value == pytest.approx(welch.pvalue)
    # the costs module gives the same from per-person changes
    same = costs.difference_in_differences([-4, -2, -3], [0, 1, -1, 1])
    assert same.difference == pytest.approx(-3.25)


def test_cost_summary_carries_the_ci_through_totals_with_the_published_n():
    # Four people's change in cost (GP 42, A&E 282): -42, 0, +282, -324. Mean -21, SD
    # sqrt(((-21)^2 + 21^2 + 303^2 + (-303)^2) / 3) = 248.07; t(0.975, 3) = 3.182446;
    # half-width 3.182446 * 248.07 / 2 = 394.73.
    changes = [-42.0, 0.0, 282.0, -324.0]
    summary = costs.cost_summary(changes, people_per_year=100, annual_service_cost_gbp=30_000)
    assert summary.person_count == 4
    assert summary.mean_change_gbp == pytest.approx(-21.0)
    half = sps.t.ppf(0.975, 3) * np.std(changes, ddof=1) / 2
    assert (summary.ci_low_gbp, summary.ci_high_gbp) == pytest.approx((-21 - half, -21 + half))
    assert summary.total_change_gbp == pytest.approx(-84.0)
    assert summary.total_ci_low_gbp == pytest.approx(4 * (-21 - half))
    # service cost per person 300; net = 300 - 21 with the change's interval shifted
    assert summary.net_cost_per_person_gbp == pytest.approx(279.0)
    assert summary.net_ci_high_gbp == pytest.approx(300 - 21 + half)
    # publishable: totals are the mean times the ROUNDED people (12 -> 10), CI alike, so
    # total / mean gives the published count, never the true one
    twelve = changes * 3
    published = costs.cost_summary(twelve, total_people=disclosure.round_count(len(twelve)))
    assert published.total_change_gbp / published.mean_change_gbp == pytest.approx(10)
    assert published.total_ci_high_gbp == pytest.approx(10 * published.ci_high_gbp)


def test_cost_summary_counts_only_people_with_a_change():
    """Defect: a missing change counted in person_count and multiplied the total (the mean
    left it out), so a total described one person too many."""
    summary = costs.cost_summary([10.0, 20.0, float("nan")])
    assert summary.person_count == 2
    assert summary.mean_change_gbp == pytest.approx(15.0)
    assert summary.total_change_gbp == pytest.approx(30.0)


# --- disclosure control -----------------------------------------------------------------------


def test_round_count_zero_to_twenty():
    # 0 stays 0; 1-7 suppressed; others to the nearest 5 (8, 9, 10, 11, 12 -> 10; 13-17 -> 15)
    expected = [0] + [None] * 7 + [10] * 5 + [15] * 5 + [20] * 3
    assert [disclosure.round_count(k) for k in range(21)] == expected
    # no published count is ever 1-7, and rounding moves a count by at most 2
    for k in range(8, 2000):
        published = disclosure.round_count(k)
        assert published % 5 == 0 and published >= 10 and abs(published - k) <= 2


def test_protect_frame_with_missing_inputs_and_the_unrounded_n():
    frame = pd.DataFrame(
        {
            "group": ["a", "b", "c", "d", "e"],
            "improved_count": pd.array([3, 9, None, 0, 13], dtype="Int64"),
            "pair_count": [7.0, 12.0, 20.0, np.nan, 14.0],
            "mean_change": [1.5, 2.5, np.nan, 4.0, 5.0],
            "improved_pct": [42.9, 75.0, np.nan, 0.0, 92.9],
        }
    )
    out = disclosure.protect_frame(
        frame,
        count_columns=["improved_count", "pair_count"],
        statistic_columns={"mean_change": "pair_count"},
        percentage_columns={"improved_pct": ("improved_count", "pair_count")},
    )
    assert out["pair_count"].tolist() == [pd.NA, 10, 20, pd.NA, 15]
    assert out["improved_count"].tolist() == [pd.NA, 10, pd.NA, 0, 15]
    # 7 people: suppressed though rounding would show 5 or 10; 12 people: shown although the
    # published n is 10 (the statistic is judged on the true n)
    assert out["mean_change"].isna().tolist() == [True, False, True, True, False]
    # percentages from the rounded parts: 10 / 10 = 100%; 15 / 15 = 100%; a missing part: NA
    assert out["improved_pct"].tolist()[1] == 100.0
    assert out["improved_pct"].tolist()[4] == 100.0
    assert out["improved_pct"].isna().tolist() == [True, False, True, True, False]
    assert frame["pair_count"].tolist()[:3] == [7.0, 12.0, 20.0]  # the input is untouched


def test_rounded_percentage_and_published_total():
    # 12 of 37: 10 / 35 = 28.57%, not 32.4%
    assert disclosure.rounded_percentage(12, 37) == pytest.approx(100 * 10 / 35)
    assert disclosure.rounded_percentage(5, 37) is None
    assert disclosure.rounded_percentage(0, 37) == 0.0
    # cells 3, 8, 12, 0: published *, 10, 10, 0 -> total 20 (never 23, which would reveal 3)
    assert disclosure.published_total([3, 8, 12, 0]) == 20
    assert disclosure.published_total([2, 5]) is None
    assert disclosure.published_total([]) == 0


def test_protect_stat_uses_the_unrounded_n():
    assert disclosure.protect_stat(4.2, 7) is None
    assert disclosure.protect_stat(4.2, 8) == 4.2
    assert disclosure.protect_stat(4.2, None) is None
    assert disclosure.protect_stat(float("nan"), 100) is None


def test_reading_of_no_change_does_not_say_the_score_fell():
    """Defect: a mean change of exactly 0 was read as 'the mean score fell from 20.0 to
    20.0'."""
    row = {
        "pair_count": 12,
        "mean_baseline": 20.0,
        "mean_follow_up": 20.0,
        "mean_change": 0.0,
        "ci_low": -1.5,
        "ci_high": 1.5,
        "mcid_points": 5.5,
        "mcid_pct": 25.0,
    }
    text = outcomes.reading(row, outcomes.MEASURES["PSEQ"], period_label="in 2026")[0]
    assert "fell" not in text and "rose" not in text
    assert "was the same at the start and at follow-up (20.0)" in text
    assert "could be chance" in text
    rose = outcomes.reading(
        {**row, "mean_follow_up": 24.0, "mean_change": 4.0, "ci_low": 2.0, "ci_high": 6.0},
        outcomes.MEASURES["PSEQ"],
        period_label="in 2026",
    )[0]
    assert "rose from 20.0 to 24.0, a change of +4.0 points (95% CI +2.0 to +6.0)" in rose


def test_funnel_worked_example_in_docs_methods():
    # docs/methods.md, Funnel plots: 10 per 1,000 and a list of 10,000 expect 100 referrals;
    # the 95% limits are 80.4 and 119.6 referrals, 8.04 and 11.96 per 1,000.
    row = funnel.funnel_limits([10_000], 10.0).iloc[0]
    assert row["expected_count"] == pytest.approx(100.0)
    assert (row["lower_95"], row["upper_95"]) == pytest.approx((8.04, 11.96), abs=0.005)
