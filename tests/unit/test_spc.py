"""XmR charts against published results.

Sources (see ../shared/fixtures/README.md):
- NHSRplotthedots 0.2.2 test suite and vignette (nhs-r-community @ 050b07d, MIT);
- nhspy-plotthedots test suite (nhs-pycom @ bfdefe4, MIT);
- PowerBI-SPC's I chart test (AUS-DOH-Safety-and-Quality @ 478773a, GPL-3; limits only);
- NHSRplotthedots' integration snapshot on nine real NHS England A&E series (PR #99).
Each case is its own test id.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wellpath import spc

SPC = Path(__file__).resolve().parents[1] / "fixtures" / "published" / "spc"
CASES = json.loads((SPC / "expected_cases.json").read_text())
AE = pd.read_csv(SPC / "ae_integration_expected.csv", parse_dates=["period"])


def _close(actual: float, expected: float, *, rel: float = 1e-6, abs_: float = 0.0) -> bool:
    return actual == pytest.approx(expected, rel=rel, abs=abs_)


# --- NHSRplotthedots: set.seed(123); rnorm(20) ------------------------------------------

RNORM = CASES["rnorm20_seed123"]
RNORM_Y = RNORM["y"]
RNORM_X = pd.to_datetime(RNORM["x"])
RNORM_BY_ID = {case["id"]: case for case in RNORM["expected"]}


def _r2_values() -> list[float]:
    return RNORM_BY_ID["r2"]["y"]


@pytest.mark.parametrize(
    ("case_id", "values", "screen"),
    [
        ("r1", RNORM_Y, True),
        ("r2", _r2_values(), True),
        ("r3", _r2_values(), False),
    ],
    ids=["r1_screened", "r2_outlier_screened", "r3_outlier_unscreened"],
)
def test_rnorm_limits(case_id, values, screen):
    expected = RNORM_BY_ID[case_id]
    result = spc.xmr(values, screen_outliers=screen, periods=RNORM_X)
    # Printed to 7 significant digits by pillar::glimpse.
    assert _close(result["mean"].iloc[0], expected["mean"])
    assert _close(result["lpl"].iloc[0], expected["lpl"])
    assert _close(result["upl"].iloc[0], expected["upl"])
    assert result["mean"].nunique() == 1


def test_rnorm_r1_all_common_cause_and_sides_of_mean():
    expected = RNORM_BY_ID["r1"]
    result = spc.xmr(RNORM_Y, periods=RNORM_X)
    assert (result["point_type"] == "common_cause").sum() == expected["common_cause"]
    assert result["relative_to_mean"].iloc[:15].tolist() == expected["relative_to_mean_first15"]
    assert not result["trial_limits"].any()  # 20 points


def test_rnorm_r2_sides_of_mean_and_outlier():
    expected = RNORM_BY_ID["r2"]
    result = spc.xmr(_r2_values(), periods=RNORM_X)
    assert result["relative_to_mean"].iloc[:14].tolist() == expected["relative_to_mean_first14"]
    # The 10 at position 15 is far above the upper limit of 3.72: improvement by default.
    assert result["point_type"].iloc[14] == "special_cause_improvement"
    assert result["special_cause_rule"].iloc[14] == "outside_limits"


@pytest.mark.parametrize("group", RNORM_BY_ID["facet"]["groups"], ids=lambda g: f"facet_{g['f']}")
def test_rnorm_facets(group):
    frame = pd.DataFrame({"f": [0] * 10 + [1] * 10, "x": RNORM_X, "y": RNORM_Y})
    result = spc.xmr_many(frame, "f", "y", period_col="x")
    part = result[result["f"] == group["f"]]
    assert len(part) == group["n"]
    # Printed to 3 significant digits by tibble.
    assert _close(part["mean"].iloc[0], group["mean"], rel=5e-3)
    assert _close(part["lpl"].iloc[0], group["lpl"], rel=5e-3)
    assert _close(part["upl"].iloc[0], group["upl"], rel=5e-3)
    assert (part["point_type"] == "common_cause").sum() == group["common_cause"]
    assert part["trial_limits"].all()  # 10 points per facet


def test_rnorm_target_leaves_limits_alone():
    expected = RNORM_BY_ID["target_0.5"]
    result = spc.xmr(RNORM_Y, target=0.5, improvement="increase")
    assert _close(result["mean"].iloc[0], expected["mean"], rel=5e-3)
    assert _close(result["lpl"].iloc[0], expected["lpl"], rel=5e-3)
    assert _close(result["upl"].iloc[0], expected["upl"], rel=5e-3)
    assert (result["target"] == 0.5).all()
    # The target 0.5 lies inside -3.01..3.29.
    assert spc.assurance(result, 0.5, "increase") == "inconsistent"
    assert result.attrs["assurance"] == "inconsistent"


def test_rnorm_fix_after_12_changes_limits():
    unfixed = spc.xmr(RNORM_Y)
    fixed = spc.xmr(RNORM_Y, fix_after_n=12)
    assert fixed["lpl"].iloc[0] != pytest.approx(unfixed["lpl"].iloc[0])
    assert fixed["upl"].iloc[0] != pytest.approx(unfixed["upl"].iloc[0])
    # Worked: the mean of the first 12 values only.
    assert fixed["mean"].iloc[-1] == pytest.approx(np.mean(RNORM_Y[:12]))
    assert fixed["lpl"].nunique() == 1


# --- The deviations vignette (also the worked example in measures.md) -----------------

VIGNETTE = CASES["deviations_vignette"]


@pytest.mark.parametrize(
    "expected", VIGNETTE["expected"], ids=lambda e: f"screen_{e['options']['screen_outliers']}"
)
def test_deviations_vignette(expected):
    result = spc.xmr(VIGNETTE["y"], screen_outliers=expected["options"]["screen_outliers"])
    # Published to 2 decimal places in the figure captions.
    assert result["mean"].iloc[0] == pytest.approx(expected["mean"], abs=0.005)
    assert result["lpl"].iloc[0] == pytest.approx(expected["lpl"], abs=0.005)
    assert result["upl"].iloc[0] == pytest.approx(expected["upl"], abs=0.005)
    special = {str(i + 1): t for i, t in enumerate(result["point_type"]) if t != "common_cause"}
    assert special == expected["special_cause_points_1based"]


def test_measures_worked_example_by_hand():
    # 1,2,1,2,10,1,2,1,2,1,2,1,2,1,2,1,2,1: sum 35 over 18 points -> mean 1.9444.
    # Moving ranges: 1,1,1,8,9,1,1,... 17 of them: fifteen 1s, an 8 and a 9, sum 32,
    # AMR = 32/17 = 1.88235. Unscreened limits 1.9444 -/+ 2.66 * 1.88235 = -3.0627 / 6.9516.
    # Screening drops moving ranges >= 3.267 * 1.88235 = 6.1497: the 8 and the 9; AMR = 15/15
    # = 1, limits 1.9444 -/+ 2.66 = -0.7156 / 4.6044.
    y = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    screened = spc.xmr(y)
    assert screened["mean"].iloc[0] == pytest.approx(35 / 18)
    assert screened["amr"].iloc[0] == pytest.approx(1.0)
    assert screened["lpl"].iloc[0] == pytest.approx(35 / 18 - 2.66)
    assert screened["upl"].iloc[0] == pytest.approx(35 / 18 + 2.66)
    assert round(screened["lpl"].iloc[0], 2) == -0.72
    assert round(screened["upl"].iloc[0], 2) == 4.60
    unscreened = spc.xmr(y, screen_outliers=False)
    assert unscreened["amr"].iloc[0] == pytest.approx(32 / 17)
    assert round(unscreened["lpl"].iloc[0], 2) == -3.06
    assert round(unscreened["upl"].iloc[0], 2) == 6.95


def test_two_in_three_on_opposite_sides_is_not_special():
    case = CASES["two_in_three_opposite_sides"]
    result = spc.xmr(case["y"])
    assert result["point_type"].iloc[-2:].tolist() == case["expected_last_two_point_type"]


# --- Assurance ---------------------------------------------------------------------------

ASSURANCE = CASES["assurance"]
ASSURANCE_CASES = [
    (group, direction, ASSURANCE["expected"][direction][i])
    for i, group in enumerate(ASSURANCE["groups"])
    for direction in ("increase", "decrease", "neutral")
]


@pytest.mark.parametrize(
    ("group", "direction", "expected"),
    ASSURANCE_CASES,
    ids=[f"{g['f']}_{d}" for g, d, _ in ASSURANCE_CASES],
)
def test_assurance(group, direction, expected):
    limits = pd.DataFrame([{"lpl": group["lpl"], "mean": group["mean"], "upl": group["upl"]}])
    assert spc.assurance(limits, ASSURANCE["target"], direction) == expected


def test_assurance_uses_the_last_rebased_limits():
    # Segment 1 (positions 0-11) sits around 10, segment 2 around 50; a target of 30 is below
    # the second segment's limits: an increasing measure consistently passes.
    y = [10, 11] * 6 + [50, 51] * 6
    result = spc.xmr(y, rebase_at=[12], target=30)
    assert result["rebase_group"].tolist() == [0] * 12 + [1] * 12
    assert spc.assurance(result, 30, "increase") == "consistent_pass"
    assert spc.assurance(result.iloc[:12], 30, "increase") == "consistent_fail"


# --- Rule functions (NHSRplotthedots test-ptd_calculate_point_type.R) -------------------

RULES = CASES["rule_functions"]


def r_part_of_seven(v: list[int]) -> list[int]:
    """NHSRplotthedots' ptd_part_of_seven_trend, transcribed for composing its fixtures:
    a point is part of a run when it or one of the next six points ends one."""
    padded = list(v) + [0] * 6
    return [int(any(abs(x) == 1 for x in padded[i : i + 7])) for i in range(len(v))]


@pytest.mark.parametrize("case", RULES["part_of_seven_trend"], ids=lambda c: str(c["in"]))
def test_r_part_of_seven_transcription(case):
    assert r_part_of_seven(case["in"]) == case["out"]


@pytest.mark.parametrize("case", RULES["seven_point_one_side_mean"], ids=lambda c: str(c["in"]))
def test_shift_rule(case):
    rtm = np.array(case["in"], dtype=np.int8)
    flags = spc._shift_points(rtm, np.zeros(rtm.size, dtype=np.int64))
    assert flags.astype(int).tolist() == r_part_of_seven(case["out"])


@pytest.mark.parametrize("case", RULES["seven_point_trend"], ids=lambda c: str(c["in"]))
def test_trend_rule(case):
    y = np.array(case["in"], dtype=float)
    flags, direction = spc._trend_points(y, np.zeros(y.size, dtype=np.int64))
    assert flags.astype(int).tolist() == r_part_of_seven(case["out"])
    ends = [v for v in case["out"] if v != 0]
    if ends:
        assert set(direction[flags].tolist()) == {ends[0]}


@pytest.mark.parametrize(
    "case",
    RULES["two_in_three"] + RULES["part_of_two_in_three"],
    ids=lambda c: f"close{c['close']}_rtm{c['rtm']}",
)
def test_two_of_three_rule(case):
    close = np.array(case["close"], dtype=bool)
    rtm = np.array(case["rtm"], dtype=np.int8)
    flags = spc._two_of_three_points(close, rtm, np.zeros(close.size, dtype=np.int64))
    # two_in_three gives window membership; the points flagged are those also close.
    expected = [int(o and c) for o, c in zip(case["out"], case["close"], strict=True)]
    assert flags.astype(int).tolist() == expected


def test_rules_stop_at_a_rebase():
    # Twelve rising points are one trend; rebased after six, each segment has only six
    # rising points, too few for a trend, because rules never look across a rebase.
    y = list(range(1, 13))
    assert spc.xmr(y)["trend"].all()
    split = spc.xmr(y, rebase_at=[6])
    assert split["rebase_group"].tolist() == [0] * 6 + [1] * 6
    assert not split["trend"].any()
    assert split["trial_limits"].all()


def test_trend_crossing_the_mean_takes_the_trend_direction():
    # NHSRplotthedots 0.2.2 (issue #171): a rising trend is an improvement for an increasing
    # measure even where its points lie below the mean. Values: 5 five times, then 1..7, then
    # 5 five times. Mean = (25 + 28 + 25) / 17 = 4.588; AMR screened: moving ranges
    # 0,0,0,0,4,1,1,1,1,1,1,2,0,0,0,0 (sum 12, 16 of them, AMR 0.75); 4 >= 3.267 * 0.75 =
    # 2.45 is screened, leaving AMR 8/15 = 0.5333; limits 4.588 -/+ 1.419 = 3.17 / 6.01.
    # Positions 5-7 (1, 2, 3) are below 3.17: outside the limits, concern (outside wins).
    # Position 11 (7) is above 6.01: outside, improvement. Positions 8-10 (4, 5, 6) are the
    # rest of the 7-point trend: 4 lies below the mean, yet is an improvement like 5 and 6.
    y = [5] * 5 + [1, 2, 3, 4, 5, 6, 7] + [5] * 5
    result = spc.xmr(y, improvement="increase")
    assert result["amr"].iloc[0] == pytest.approx(8 / 15)
    assert result["lpl"].iloc[0] == pytest.approx(78 / 17 - 2.66 * 8 / 15)
    assert result["upl"].iloc[0] == pytest.approx(78 / 17 + 2.66 * 8 / 15)
    assert result["special_cause_rule"].iloc[5:12].tolist() == (
        ["outside_limits"] * 3 + ["trend"] * 3 + ["outside_limits"]
    )
    assert result["trend"].iloc[5:12].all() and not result["trend"].iloc[12:].any()
    assert result["point_type"].iloc[5:8].tolist() == ["special_cause_concern"] * 3
    assert result["relative_to_mean"].iloc[8:11].tolist() == [-1, 1, 1]
    assert result["point_type"].iloc[8:12].tolist() == ["special_cause_improvement"] * 4
    assert (result["point_type"].iloc[:5] == "common_cause").all()
    decreasing = spc.xmr(y, improvement="decrease")
    assert decreasing["point_type"].iloc[8:12].tolist() == ["special_cause_concern"] * 4
    neutral = spc.xmr(y, improvement="neutral")
    assert neutral["point_type"].iloc[8:12].tolist() == ["special_cause_neutral_high"] * 4
    assert neutral["point_type"].iloc[5] == "special_cause_neutral_low"


# --- nhspy-plotthedots -------------------------------------------------------------------

NHSPY = CASES["nhspy_plotthedots"]


@pytest.mark.parametrize("case", NHSPY["limits_cases"], ids=lambda c: str(c["values"]))
def test_nhspy_limits(case):
    mean, lpl, upl, nlpl, nupl = case["expected"]
    result = spc.xmr(case["values"]).iloc[0]
    assert _close(result["mean"], mean, rel=1e-9, abs_=1e-12)
    assert _close(result["lpl"], lpl, rel=1e-9, abs_=1e-12)
    assert _close(result["upl"], upl, rel=1e-9, abs_=1e-12)
    assert _close(result["near_lpl"], nlpl, rel=1e-9, abs_=1e-12)
    assert _close(result["near_upl"], nupl, rel=1e-9, abs_=1e-12)


@pytest.mark.parametrize(
    "case",
    NHSPY["x_calc_cases"],
    ids=lambda c: f"{c['values']}_fix{c['fix_after_n_points']}",
)
def test_nhspy_x_calc(case):
    values = [np.nan if v is None else v for v in case["values"]]
    result = spc.xmr(values, fix_after_n=case["fix_after_n_points"])
    for column in ("mean", "lpl", "upl"):
        expected = case[column]
        if expected is None:
            assert result[column].isna().all()
        else:
            assert result[column].to_numpy() == pytest.approx(expected, rel=1e-9)
    assert result["outside_limits"].tolist() == case["outside_limits"]
    assert result["close_to_limits"].tolist() == case["close_to_limits"]
    assert result["special_cause_flag"].tolist() == case["special_cause_flag"]
    if "relative_to_mean" in case:
        assert result["relative_to_mean"].tolist() == case["relative_to_mean"]


# --- PowerBI-SPC I chart (limits only) ---------------------------------------------------

POWERBI = CASES["powerbi_spc_i_chart"]


def test_powerbi_i_chart_limits():
    ratio = np.array(POWERBI["numerators"]) / np.array(POWERBI["denominators"])
    result = spc.xmr(ratio).iloc[0]
    expected = POWERBI["expected"]
    # The source checks toBeCloseTo(x, 4): within 5e-5.
    assert result["upl"] == pytest.approx(expected["ul99"], abs=5e-5)
    assert result["near_upl"] == pytest.approx(expected["ul95"], abs=5e-5)
    assert result["near_lpl"] == pytest.approx(expected["ll95"], abs=5e-5)
    assert result["lpl"] == pytest.approx(expected["ll99"], abs=5e-5)


# --- The nine real A&E series -------------------------------------------------------------


def _ae_options(r_call: str) -> dict:
    options: dict = {}
    if "fix_after_n_points = 12" in r_call:
        options["fix_after_n"] = 12
    if "rebase = " in r_call:
        options["rebase_at"] = [pd.Timestamp(r_call.split('as.Date("')[1].split('"')[0])]
    return options


AE_SERIES = list(AE.groupby(["case", "f", "rebase_group"], sort=False).groups)
AE_CHARTS = list(AE.groupby(["case", "f"], sort=False).groups)


@pytest.mark.parametrize(("case", "facet"), AE_CHARTS, ids=[f"{c}-{f}" for c, f in AE_CHARTS])
def test_ae_integration(case, facet):
    expected = AE[(AE["case"] == case) & (AE["f"] == facet)]
    options = _ae_options(expected["r_call"].iloc[0])
    result = spc.xmr(expected["y"], periods=expected["period"], **options)
    np.testing.assert_allclose(result["mean"], expected["mean_col"], rtol=1e-6)
    np.testing.assert_allclose(result["lpl"], expected["lpl"], rtol=1e-6)
    np.testing.assert_allclose(result["upl"], expected["upl"], rtol=1e-6)
    assert result["rebase_group"].tolist() == expected["rebase_group"].tolist()
    assert result["outside_limits"].tolist() == expected["outside_limits"].tolist()
    assert result["relative_to_mean"].tolist() == expected["relative_to_mean"].tolist()
    assert result["close_to_limits"].tolist() == expected["close_to_limits"].tolist()
    # The snapshot's special_cause_flag predates the 0.2.x same-side fix for two-of-three
    # (it differs in two rows); the flag follows the corrected point type instead.
    assert result["special_cause_flag"].tolist() == (
        (expected["point_type_expected_v0_2_2"] != "common_cause").tolist()
    )
    assert result["point_type"].tolist() == expected["point_type_expected_v0_2_2"].tolist()
    assert result["trial_limits"].tolist() == expected["short_group_warning"].tolist()


def test_ae_facets_in_one_vectorised_call():
    # The by-type series are NHSRplotthedots facets: one xmr_many call must match too.
    for measure in ("attendances", "performance"):
        expected = AE[AE["case"] == f"ae_rl4_by_type_{measure}"]
        result = spc.xmr_many(expected, "f", "y", period_col="period")
        expected = expected.sort_values(["f", "period"], kind="stable")
        np.testing.assert_allclose(result["upl"], expected["upl"], rtol=1e-6)
        assert result["point_type"].tolist() == expected["point_type_expected_v0_2_2"].tolist()


def test_ae_fixture_has_nine_series():
    # Nine series: six charts, two of them faceted by type into two, one rebased into two.
    assert len(AE_SERIES) == 9
