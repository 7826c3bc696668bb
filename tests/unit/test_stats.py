"""wellpath.stats against hand-worked cases, scipy, published data and properties."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from wellpath.stats import (
    difference_in_differences,
    kaplan_meier,
    kaplan_meier_groups,
    mean_ci,
    paired_change,
    reliable_change,
    reliable_change_index,
    reliable_change_summary,
    reliable_change_threshold,
    welch_difference,
    wilson_interval,
)

SCORING = Path(__file__).resolve().parents[1] / "fixtures" / "published" / "scoring"

# --- Wilson ------------------------------------------------------------------------------------


def test_wilson_hand_worked():
    # 8/10, z = 1.959964: z^2/n = 0.384146; centre = (0.8 + 0.192073) / 1.384146 = 0.716742;
    # half = 1.959964 / 1.384146 * sqrt(0.016 + 0.009604) = 0.226578 -> 0.4902, 0.9433
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=5e-5)
    assert high == pytest.approx(0.9433, abs=5e-5)


def test_wilson_edges():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    # 0/10: upper = z^2/n / (1 + z^2/n) = 0.384146 / 1.384146 = 0.27753
    assert wilson_interval(0, 10)[1] == pytest.approx(0.27753, abs=5e-5)
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_properties(case):
    k, n = case
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    # a wider level gives a wider interval
    low99, high99 = wilson_interval(k, n, level=0.99)
    assert low99 <= low + 1e-12 and high99 >= high - 1e-12


# --- mean_ci -----------------------------------------------------------------------------------


def test_mean_ci_matches_scipy():
    values = [3.0, 7.5, 4.0, 9.0, 6.5, 2.0]
    ci = mean_ci(values)
    low, high = sps.t.interval(0.95, 5, loc=np.mean(values), scale=sps.sem(values))
    assert ci.n == 6 and ci.mean == pytest.approx(np.mean(values))
    assert (ci.ci_low, ci.ci_high) == (pytest.approx(low), pytest.approx(high))


def test_mean_ci_degenerate():
    assert mean_ci([]).n == 0 and math.isnan(mean_ci([]).mean)
    one = mean_ci([4.0, None, float("nan")])
    assert one.n == 1 and one.mean == 4.0 and math.isnan(one.ci_low)
    flat = mean_ci([2.0, 2.0, 2.0])
    assert (flat.ci_low, flat.ci_high) == (2.0, 2.0)


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(
    st.lists(st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False), min_size=2, max_size=60)
)
def test_mean_ci_contains_the_mean(values):
    ci = mean_ci(values)
    assert ci.ci_low <= ci.mean + 1e-9 and ci.mean - 1e-9 <= ci.ci_high


# --- paired change -----------------------------------------------------------------------------


def test_paired_change_hand_worked():
    # d = follow-up - baseline = 5, 0, 6, 2; mean 3.25
    # sd(d): squares of deviations 3.0625 + 10.5625 + 7.5625 + 1.5625 = 22.75; /3 -> sd 2.753785
    # CI: 3.25 +/- t(0.975, 3) 3.1824463 * 2.7537853 / 2 = 3.25 +/- 4.3818869
    # sd(baseline 10, 12, 14, 20) = sqrt(56/3) = 4.320494; d = 3.25 / 4.320494 = 0.752229
    # SRM = 3.25 / 2.753785 = 1.180194
    # MCID 5: changes 5 and 6 reach it -> 2/4; Wilson(2, 4) = 0.150039, 0.849961
    # Wilcoxon: non-zero d 5, 6, 2 all positive, W- = 0; exact P(W <= 0) = 1/8, two-sided 0.25
    r = paired_change([10, 12, 14, 20], [15, 12, 20, 22], mcid=5)
    assert r.n == 4
    assert (r.mean_baseline, r.mean_follow_up, r.mean_change) == (14.0, 17.25, 3.25)
    assert r.sd_change == pytest.approx(2.753785, abs=1e-6)
    assert r.ci_low == pytest.approx(3.25 - 4.3818869, abs=1e-6)
    assert r.ci_high == pytest.approx(3.25 + 4.3818869, abs=1e-6)
    assert r.sd_baseline == pytest.approx(4.320494, abs=1e-6)
    assert r.effect_size == pytest.approx(0.752229, abs=1e-6)
    assert r.srm == pytest.approx(1.180194, abs=1e-6)
    assert r.p_wilcoxon == pytest.approx(0.25)
    assert (r.improved_count, r.unchanged_count, r.worse_count) == (3, 1, 0)
    assert (r.mcid_count, r.share_mcid) == (2, 0.5)
    assert r.share_mcid_ci_low == pytest.approx(0.150039, abs=1e-6)
    assert r.share_mcid_ci_high == pytest.approx(0.849961, abs=1e-6)


def test_paired_change_lower_is_better():
    r = paired_change([10, 12, 14, 20], [15, 12, 20, 22], mcid=5, higher_is_better=False)
    assert r.mean_change == 3.25 and r.mean_improvement == -3.25
    assert (r.improved_count, r.worse_count, r.mcid_count) == (0, 3, 0)
    r = paired_change([20, 18, 25], [14, 17, 19], mcid=5, higher_is_better=False)
    # changes -6, -1, -6: two reach the MCID of 5 points downwards
    assert r.mcid_count == 2 and r.improved_count == 3


def test_paired_change_mcid_boundary_is_inclusive():
    # SWEMWBS metric 18.54 -> 21.54 is exactly 3 points; floating point must not lose it
    r = paired_change([18.54, 19.25], [21.54, 22.25], mcid=3)
    assert r.mcid_count == 2


def test_paired_change_matches_scipy_on_jacobson_1989():
    # Jacobson & Truax textbook data (R package clinicalsignificance, GPL-3): DAS pre/post
    data = pd.read_csv(SCORING / "clinicalsignificance_jacobson_1989.csv")
    wide = data.pivot(index="subject", columns="time", values="das").dropna()
    r = paired_change(wide["pre"], wide["post"])
    t = sps.ttest_rel(wide["post"], wide["pre"])
    ci = t.confidence_interval(0.95)
    assert r.n == len(wide) == 30
    assert (r.ci_low, r.ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert r.p_t == pytest.approx(t.pvalue)
    assert r.p_wilcoxon == pytest.approx(sps.wilcoxon(wide["post"] - wide["pre"]).pvalue)


def test_paired_change_drops_incomplete_pairs():
    r = paired_change([10, None, 14, float("nan")], [12, 11, None, 3])
    assert r.n == 1 and r.mean_change == 2.0


def test_paired_change_degenerate_cases_do_not_raise():
    empty = paired_change([], [], mcid=3)
    assert empty.n == 0 and math.isnan(empty.mean_change) and empty.share_mcid is None
    assert empty.p_wilcoxon is None and empty.p_t is None
    one = paired_change([4], [9], mcid=3)
    assert one.n == 1 and one.mean_change == 5 and math.isnan(one.ci_low)
    assert one.share_mcid == 1.0 and one.p_wilcoxon is None
    same = paired_change([1, 2, 3], [1, 2, 3])
    assert same.p_wilcoxon is None and same.p_t is None and math.isnan(same.srm)
    assert (same.ci_low, same.ci_high) == (0.0, 0.0)
    flat_baseline = paired_change([5, 5, 5], [6, 7, 8])
    assert math.isnan(flat_baseline.effect_size)
    with pytest.raises(ValueError):
        paired_change([1, 2], [1])


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 60)),
        min_size=2,
        max_size=80,
    )
)
def test_paired_change_properties(pairs):
    b = [p[0] for p in pairs]
    f = [p[1] for p in pairs]
    r = paired_change(b, f, mcid=5.5)
    assert r.n == len(pairs)
    assert r.improved_count + r.unchanged_count + r.worse_count == r.n
    assert 0 <= r.share_mcid <= 1
    assert r.share_mcid_ci_low <= r.share_mcid <= r.share_mcid_ci_high
    assert r.mcid_count <= r.improved_count
    if not math.isnan(r.ci_low):
        assert r.ci_low - 1e-9 <= r.mean_change <= r.ci_high + 1e-9
    if r.p_wilcoxon is not None:
        assert 0 <= r.p_wilcoxon <= 1


# --- reliable change ---------------------------------------------------------------------------


def test_reliable_change_hand_worked():
    # baseline 10, 20, 30: SD 10; r = 0.8: SE = 10 * sqrt(0.2) = 4.472136,
    # S_diff = sqrt(2) * SE = 6.324555, threshold 1.96 * S_diff = 12.396128 points.
    # changes +15 (RC 2.3717: improved), 0, -13 (RC -2.0555: deteriorated)
    b, f = [10, 20, 30], [25, 20, 17]
    assert reliable_change_index(b, f, reliability=0.8) == [
        pytest.approx(2.371708, abs=1e-6),
        0.0,
        pytest.approx(-2.055480, abs=1e-6),
    ]
    assert reliable_change(b, f, reliability=0.8) == ["improved", "unchanged", "deteriorated"]
    assert reliable_change(b, f, reliability=0.8, higher_is_better=False) == [
        "deteriorated",
        "unchanged",
        "improved",
    ]
    assert reliable_change_threshold(reliability=0.8, baseline=b) == pytest.approx(12.396128)
    assert reliable_change_threshold(reliability=0.8, sd=10) == pytest.approx(12.396128)
    s = reliable_change_summary(b, f, reliability=0.8)
    assert (s.improved_count, s.unchanged_count, s.deteriorated_count) == (1, 1, 1)
    assert s.sd_used == 10 and s.threshold_points == pytest.approx(12.396128)
    # a given SD (e.g. a published norm) replaces the sample's: SD 5 halves the threshold
    assert reliable_change(b, [16.3, 20, 23.7], reliability=0.8, sd=5) == [
        "improved",
        "unchanged",
        "deteriorated",
    ]


def test_reliable_change_claus_2020_hamd_published_result():
    # Published result (R package clinicalsignificance, benediktclaus, GPL-3; data of Claus et
    # al. 2020): HAMD, time 1 against time 4, reliability 0.80, Jacobson-Truax, lower is
    # better: 29 improved, 10 unchanged, 1 deteriorated. SD: the baselines of the 40 pairs.
    data = pd.read_csv(SCORING / "clinicalsignificance_claus_2020.csv")
    wide = data.pivot(index="id", columns="time", values="hamd").dropna(subset=[1, 4])
    assert len(wide) == 40
    classes = reliable_change(wide[1], wide[4], reliability=0.80, higher_is_better=False)
    assert classes.count("improved") == 29
    assert classes.count("unchanged") == 10
    assert classes.count("deteriorated") == 1


def test_reliable_change_degenerate():
    assert reliable_change([5], [20], reliability=0.8) == ["unchanged"]  # no SD from one person
    assert reliable_change([5, 5], [20, 5], reliability=0.8) == ["unchanged", "unchanged"]
    assert reliable_change([], [], reliability=0.8) == []
    # an incomplete pair is left out (complete cases only, as R's clinicalsignificance does)
    assert reliable_change([1, 2], [1, None], reliability=0.8) == ["unchanged"]
    with pytest.raises(ValueError):
        reliable_change([1, 2], [1, 2], reliability=1.0)


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=2, max_size=50),
    st.floats(0.0, 0.95),
)
def test_reliable_change_agrees_with_threshold(pairs, r):
    b = [p[0] for p in pairs]
    f = [p[1] for p in pairs]
    assume(np.std(b) > 0)
    threshold = reliable_change_threshold(reliability=r, baseline=b)
    for (before, after), cls in zip(pairs, reliable_change(b, f, reliability=r), strict=True):
        change = after - before
        if abs(change) > threshold * (1 + 1e-9):
            assert cls == ("improved" if change > 0 else "deteriorated")
        elif abs(change) < threshold * (1 - 1e-9):
            assert cls == "unchanged"


# --- Kaplan-Meier ------------------------------------------------------------------------------


def test_kaplan_meier_hand_worked():
    # durations 2, 3, 3+, 5, 6+, 8 (+ = still open, censored)
    # t=2: 6 at risk, 1 ends: S = 5/6 = 0.833333; Greenwood sum 1/(6*5) = 0.033333
    # t=3: 5 at risk (the censored 3 still counts), 1 ends: S = 5/6 * 4/5 = 0.666667;
    #      sum += 1/(5*4) -> 0.083333
    # t=5: 3 at risk, 1 ends: S = 0.666667 * 2/3 = 0.444444; sum += 1/(3*2) -> 0.25;
    #      SE = 0.444444 * sqrt(0.25) = 0.222222
    # t=6: censored; t=8: 1 at risk, ends: S = 0
    # log-log at t=2: se = sqrt(0.033333) / |log 0.833333| = 0.182574 / 0.182322 = 1.001383;
    #      exp(1.959964 * 1.001383) = 7.1166; lower 0.833333^7.1166 = 0.27312,
    #      upper 0.833333^(1/7.1166) = 0.97471
    # median: first S <= 0.5 is t=5. Interval: the lower curve is <= 0.5 from t=2; the upper
    # curve from t=8 (where S reaches 0).
    km = kaplan_meier([2, 3, 3, 5, 6, 8], [True, True, False, True, False, True])
    c = km.curve
    assert c["time"].tolist() == [2, 3, 5, 6, 8]
    assert c["at_risk"].tolist() == [6, 5, 3, 2, 1]
    assert c["events"].tolist() == [1, 1, 1, 0, 1]
    assert c["censored"].tolist() == [0, 1, 0, 1, 0]
    assert c["survival"].tolist() == pytest.approx([5 / 6, 4 / 6, 4 / 9, 4 / 9, 0.0])
    assert c["std_err"].iloc[2] == pytest.approx(0.222222, abs=1e-6)
    assert c["ci_low"].iloc[0] == pytest.approx(0.27312, abs=5e-5)
    assert c["ci_high"].iloc[0] == pytest.approx(0.97471, abs=5e-5)
    assert (km.n, km.events) == (6, 4)
    assert (km.median, km.median_ci_low, km.median_ci_high) == (5.0, 2.0, 8.0)


def test_kaplan_meier_gehan_6mp_published():
    # Freireich et al. 1963 / Gehan 1965, 6-MP arm (weeks in remission; + = censored):
    # 6,6,6,6+,7,9+,10,10+,11+,13,16,17+,19+,20+,22,23,25+,32+,32+,34+,35+.
    # Published KM (e.g. Kleinbaum & Klein, Survival Analysis, ch. 2; R survfit output):
    # S = 0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448 at 6, 7, 10, 13, 16, 22, 23;
    # Greenwood SE 0.0764, 0.0869, 0.0963, 0.1068, 0.1141, 0.1282, 0.1346; median 23 weeks;
    # log-log 95% CI at 6 weeks 0.620 to 0.952.
    t = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    ended = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    km = kaplan_meier(t, [bool(x) for x in ended])
    at_events = km.curve[km.curve["events"] > 0]
    assert at_events["time"].tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert at_events["survival"].round(3).tolist() == [
        0.857,
        0.807,
        0.753,
        0.690,
        0.627,
        0.538,
        0.448,
    ]
    assert at_events["std_err"].round(4).tolist() == [
        0.0764,
        0.0869,
        0.0963,
        0.1068,
        0.1141,
        0.1282,
        0.1346,
    ]
    first = km.curve.iloc[0]
    assert (round(first["ci_low"], 3), round(first["ci_high"], 3)) == (0.620, 0.952)
    assert km.median == 23
    # the upper curve stays above 0.5 (0.680 at the end): upper limit not reached
    assert math.isnan(km.median_ci_high)
    # the lower curve first falls to 0.5 or below at 13 weeks (0.432; 0.503 at 10 weeks)
    assert km.median_ci_low == 13


def test_kaplan_meier_degenerate():
    empty = kaplan_meier([], [])
    assert empty.n == 0 and math.isnan(empty.median) and empty.curve.empty
    all_open = kaplan_meier([3, 5, 9], [False, False, False])
    assert all_open.curve["survival"].tolist() == [1.0, 1.0, 1.0]
    assert math.isnan(all_open.median)
    with pytest.raises(ValueError):
        kaplan_meier([1, -2], [True, True])
    with pytest.raises(ValueError):
        kaplan_meier([1, 2], [True])


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(st.lists(st.integers(0, 400), min_size=1, max_size=60))
def test_kaplan_meier_without_censoring_is_the_empirical_median(durations):
    km = kaplan_meier(durations, [True] * len(durations))
    assert km.median == pytest.approx(float(np.median(durations)))
    # and the curve is one minus the empirical distribution function
    for time, s in zip(km.curve["time"], km.curve["survival"], strict=True):
        assert s == pytest.approx(np.mean(np.asarray(durations) > time), abs=1e-12)


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(
    st.lists(st.tuples(st.integers(1, 200), st.booleans()), min_size=1, max_size=60),
)
def test_kaplan_meier_properties(cases):
    km = kaplan_meier([c[0] for c in cases], [c[1] for c in cases])
    s = km.curve["survival"].to_numpy()
    assert np.all(np.diff(s) <= 1e-12) and np.all((s >= 0) & (s <= 1))
    inside = km.curve.dropna(subset=["ci_low"])
    assert np.all(inside["ci_low"] <= inside["survival"] + 1e-12)
    assert np.all(inside["survival"] <= inside["ci_high"] + 1e-12)
    if not math.isnan(km.median):
        if not math.isnan(km.median_ci_low):
            assert km.median_ci_low <= km.median
        if not math.isnan(km.median_ci_high):
            assert km.median <= km.median_ci_high


def _kaplan_meier_loop(durations, ended, z=1.959963984540054):
    """The scalar Kaplan-Meier loop Wellpath used before the grouped one (one pass over the
    rows per distinct time, as in a textbook), kept here as the reference the vectorised
    estimate must reproduce: (times, at_risk, events, censored, survival, ci_low, ci_high)."""
    t, e = np.asarray(durations, float), np.asarray(ended, bool)
    rows, at_risk, survival, greenwood = [], t.size, 1.0, 0.0
    for time in np.unique(t):
        at_time = t == time
        d, c = int((at_time & e).sum()), int((at_time & ~e).sum())
        if d:
            survival *= 1.0 - d / at_risk
            greenwood = greenwood + d / (at_risk * (at_risk - d)) if at_risk > d else math.inf
        if survival <= 0:
            low = high = math.nan
        elif survival >= 1:
            low = high = 1.0
        else:
            se = math.sqrt(greenwood) / abs(math.log(survival))
            low, high = survival ** math.exp(z * se), survival ** math.exp(-z * se)
        rows.append((float(time), at_risk, d, c, survival, low, high))
        at_risk -= d + c
    return rows


def _median_loop(times, surv, tol=1.5e-8):
    for i, s in enumerate(surv):
        if math.isnan(s):
            continue
        if abs(s - 0.5) <= tol:
            later = [j for j in range(i + 1, len(surv)) if surv[j] < surv[i] - tol]
            return (times[i] + times[later[0]]) / 2 if later else float(times[i])
        if s < 0.5:
            return float(times[i])
    return math.nan


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@settings(deadline=None, max_examples=150)  # a shared 2-core machine: time varies
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 30), st.booleans()), min_size=0, max_size=80
    )
)
def test_kaplan_meier_groups_reproduces_the_scalar_loop_per_group(cases):
    # Ties, censoring at event times, groups ending at S = 0 and groups never below 0.5: each
    # group's estimate is the loop's, survival and at-risk exactly, interval ends to 1e-12.
    groups = np.array([c[0] for c in cases], dtype=np.int64)
    times = np.array([c[1] for c in cases], dtype=float)
    ended = np.array([c[2] for c in cases], dtype=bool)
    fits = kaplan_meier_groups(times, ended, groups)
    assert len(fits) == (int(groups.max()) + 1 if len(cases) else 0)
    for code, km in enumerate(fits):
        mine = groups == code
        ref = _kaplan_meier_loop(times[mine], ended[mine])
        assert (km.n, km.events) == (int(mine.sum()), int(ended[mine].sum()))
        if not ref:
            assert km.curve.empty and math.isnan(km.median)
            continue
        c = km.curve
        assert c["time"].tolist() == [r[0] for r in ref]
        assert c["at_risk"].tolist() == [r[1] for r in ref]
        assert c["events"].tolist() == [r[2] for r in ref]
        assert c["censored"].tolist() == [r[3] for r in ref]
        assert c["survival"].tolist() == [r[4] for r in ref]  # exactly: same products
        for col, k in (("ci_low", 5), ("ci_high", 6)):
            assert c[col].to_numpy() == pytest.approx([r[k] for r in ref], rel=1e-12, nan_ok=True)
        tt = [r[0] for r in ref]
        surv = [r[4] for r in ref]
        assert _same(km.median, _median_loop(tt, surv))
        gone = [s <= 0 for s in surv]
        low = [0.0 if g else r[5] for g, r in zip(gone, ref, strict=True)]
        high = [0.0 if g else r[6] for g, r in zip(gone, ref, strict=True)]
        assert _same(km.median_ci_low, _median_loop(tt, low))
        assert _same(km.median_ci_high, _median_loop(tt, high))
        # and the one-group function gives the same fit
        one = kaplan_meier(times[mine], ended[mine])
        pd.testing.assert_frame_equal(one.curve, c)
        assert _same(one.median, km.median)


def _counted_cases(cases):
    """(group, time, ended, count) tuples as the four arrays kaplan_meier_groups takes."""
    groups = np.array([c[0] for c in cases], dtype=np.int64)
    times = np.array([c[1] for c in cases], dtype=float)
    ended = np.array([c[2] for c in cases], dtype=bool)
    counts = np.array([c[3] for c in cases], dtype=np.int64)
    return groups, times, ended, counts


@settings(deadline=None, max_examples=150)  # a shared 2-core machine: time varies
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 30), st.booleans(), st.integers(0, 4)),
        min_size=0,
        max_size=60,
    )
)
def test_kaplan_meier_counts_are_the_rows_repeated(cases):
    # Durations counted (as caseload_duration_counts returns them: repeated keys allowed,
    # rows of no episodes allowed) give the fit of the rows one per episode, exactly: the
    # same times, numbers at risk, products and medians.
    groups, times, ended, counts = _counted_cases(cases)
    counted = kaplan_meier_groups(times, ended, groups, counts=counts)
    rows = kaplan_meier_groups(
        np.repeat(times, counts), np.repeat(ended, counts), np.repeat(groups, counts)
    )
    # a group whose rows all count 0 is still a group (empty), as a code with no rows is
    assert len(counted) == (int(groups.max()) + 1 if len(cases) else 0)
    for code, km in enumerate(counted):
        ref = rows[code] if code < len(rows) else None
        if ref is None or ref.n == 0:
            assert km.n == 0 and km.curve.empty
            continue
        assert (km.n, km.events) == (ref.n, ref.events)
        pd.testing.assert_frame_equal(km.curve, ref.curve)
        for field in ("median", "median_ci_low", "median_ci_high"):
            assert _same(getattr(km, field), getattr(ref, field))


@settings(deadline=None, max_examples=100)  # a shared 2-core machine: time varies
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 40), st.booleans(), st.integers(1, 3)),
        min_size=1,
        max_size=80,
    ),
    st.integers(1, 12),
)
def test_kaplan_meier_groups_in_order_and_in_small_blocks(cases, block_cells):
    # Rows already in (group, time) order skip the sort, and groups of very different
    # lengths are accumulated in several padded blocks: the fit is the same numbers as the
    # shuffled rows' in one block (products and sums in each group's own order).
    import wellpath.stats as stats_module

    groups, times, ended, counts = _counted_cases(cases)
    whole = stats_module.kaplan_meier_arrays(times, ended, groups, counts=counts)
    order = np.lexsort((times, groups))
    original = stats_module._SEGMENT_BLOCK_CELLS
    stats_module._SEGMENT_BLOCK_CELLS = block_cells
    try:
        assert stats_module._is_sorted_by_group_and_time(groups[order], times[order])
        blocked = stats_module.kaplan_meier_arrays(
            times[order], ended[order], groups[order], counts=counts[order]
        )
    finally:
        stats_module._SEGMENT_BLOCK_CELLS = original
    assert len(blocked) == len(whole)
    for a, b in zip(whole, blocked, strict=True):
        assert (a.n, a.events) == (b.n, b.events)
        for field in ("time", "at_risk", "event_count", "censored", "survival", "std_err"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
        for field in ("ci_low", "ci_high"):
            np.testing.assert_allclose(getattr(a, field), getattr(b, field), rtol=1e-12)
        for field in ("median", "median_ci_low", "median_ci_high"):
            assert _same(getattr(a, field), getattr(b, field))


def test_kaplan_meier_counts_hand_worked_and_refused():
    # 3 episodes ended at 10 days, 1 censored at 10, 2 ended at 20 (as 3 rows of counts):
    # S(10) = 1 - 3/6 = 0.5, S(20) = 0.5 * (1 - 2/2) = 0; the median is where S first
    # reaches 0.5 and stays there until 20: (10 + 20) / 2 = 15 days.
    (km,) = kaplan_meier_groups([10, 10, 20], [True, False, True], counts=[3, 1, 2])
    assert (km.n, km.events) == (6, 5)
    assert km.curve["at_risk"].tolist() == [6, 2]
    assert km.curve["survival"].tolist() == [0.5, 0.0]
    assert km.median == 15
    with pytest.raises(ValueError, match="counts"):
        kaplan_meier_groups([1.0, 2.0], [True, True], counts=[1])
    with pytest.raises(ValueError, match="counts"):
        kaplan_meier_groups([1.0], [True], counts=[-1])
    with pytest.raises(ValueError, match="counts"):
        kaplan_meier_groups([1.0], [True], counts=[1.5])


def test_kaplan_meier_groups_empty_code_and_bad_codes():
    fits = kaplan_meier_groups([5.0, 7.0], [True, False], [0, 2])
    assert [f.n for f in fits] == [1, 0, 1] and fits[1].curve.empty
    with pytest.raises(ValueError):
        kaplan_meier_groups([1.0], [True], [-1])
    with pytest.raises(ValueError):
        kaplan_meier_groups([1.0, 2.0], [True, True], [0])


def test_z_for_95_percent_is_scipys_without_importing_scipy():
    from wellpath import stats

    assert stats._z(0.95) == float(sps.norm.ppf(0.975))
    assert stats._z(0.9) == float(sps.norm.ppf(0.95))


# --- difference in differences -----------------------------------------------------------------


def test_difference_in_differences_hand_worked():
    # referred changes -3, -2, -3: mean -2.666667, var 1/3 -> var/n 0.111111
    # comparison changes 0, -1, 1, 0: mean 0, var 2/3 -> var/n 0.166667
    # SE = sqrt(0.277778) = 0.527046; Welch df = 0.277778^2 / (0.111111^2/2 + 0.166667^2/3) = 5
    # CI: -2.666667 +/- t(0.975, 5) 2.570582 * 0.527046 = -2.666667 +/- 1.354815
    r = difference_in_differences([10, 8, 12], [7, 6, 9], [9, 11, 10, 10], [9, 10, 11, 10])
    assert (r.n_referred, r.n_comparison) == (3, 4)
    assert r.change_referred == pytest.approx(-8 / 3)
    assert r.change_comparison == 0.0
    assert r.difference == pytest.approx(-8 / 3)
    assert r.std_err == pytest.approx(0.527046, abs=1e-6)
    assert r.df == pytest.approx(5.0)
    assert r.ci_low == pytest.approx(-8 / 3 - 1.354815, abs=1e-5)
    assert r.ci_high == pytest.approx(-8 / 3 + 1.354815, abs=1e-5)
    # scipy's Welch test gives the same interval and p-value
    welch = sps.ttest_ind([-3, -2, -3], [0, -1, 1, 0], equal_var=False)
    ci = welch.confidence_interval(0.95)
    assert (r.ci_low, r.ci_high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert r.p_value == pytest.approx(welch.pvalue)


def test_difference_in_differences_degenerate():
    r = welch_difference([1.0], [2.0, 3.0])
    assert r.difference == pytest.approx(-1.5) and math.isnan(r.ci_low) and r.p_value is None
    flat = welch_difference([2, 2], [1, 1])
    assert (flat.ci_low, flat.ci_high, flat.std_err) == (1.0, 1.0, 0.0)


@settings(deadline=None)  # a shared 2-core machine: time varies
@given(
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=2, max_size=40),
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=2, max_size=40),
)
def test_welch_matches_scipy(a, b):
    assume(np.std(a) > 1e-6 and np.std(b) > 1e-6)
    r = welch_difference(a, b)
    ci = sps.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert r.ci_low == pytest.approx(ci.low, rel=1e-6, abs=1e-9)
    assert r.ci_high == pytest.approx(ci.high, rel=1e-6, abs=1e-9)
    assert r.ci_low <= r.difference <= r.ci_high


def test_funnel_limits_is_re_exported():
    from wellpath import funnel, stats

    assert stats.funnel_limits is funnel.funnel_limits


def test_mean_ci_from_summary_equals_mean_ci_on_the_same_values():
    # What SQL aggregates (count, mean, SD) gives the same t interval as the values do.
    import numpy as np

    from wellpath.stats import mean_ci, mean_ci_from_summary

    values = np.array([12.0, 18.0, 30.0, 35.0, 24.0, 15.0])
    direct = mean_ci(values)
    summary = mean_ci_from_summary(len(values), float(values.mean()), float(values.std(ddof=1)))
    assert (summary.ci_low, summary.ci_high) == pytest.approx((direct.ci_low, direct.ci_high))
    one = mean_ci_from_summary(1, 15.0, float("nan"))
    assert one.mean == 15.0 and np.isnan(one.ci_low)
    assert mean_ci_from_summary(0, float("nan"), float("nan")).n == 0
