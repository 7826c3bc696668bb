"""Statistical process control: XmR charts the NHS "Making Data Count" way.

The arithmetic and the special-cause rules follow the R package NHSRplotthedots 0.2.x
(nhs-r-community, MIT), which mimics NHS England's Making Data Count Excel tools, and are
proven against that package's own test results in ``tests/unit/test_spc*.py``.

One vectorised implementation (`_xmr_core`) serves both a single series (`xmr`) and many
series at once (`xmr_many`: thousands of practice series in a few milliseconds). It works on
one flat array of values cut into *segments*: a segment is one series, or one rebased part
of a series; limits are computed and rules evaluated within a segment, never across one.

Choices beyond NHSRplotthedots (documented in docs/methods.md):
- Zero variation: when every moving range is zero, AMR is 0 and the limits collapse onto the
  mean. Points on the mean are common cause; nothing is screened (R would screen every zero
  moving range and leave the limits undefined). When screening leaves only zero moving
  ranges (e.g. 1, 1, 1, 1, 2), AMR is also 0 and every point off the mean is outside the
  limits, as in the reference implementations; the `zero_variation` column says so.
- Missing values are kept as rows but take no part: they are left out of the mean and the
  moving ranges, are never flagged, and break runs (trends, shifts, two-of-three).
- Trial limits: flagged when fewer than 12 points went into the limits (the points of the
  segment, or the first N when limits are fixed after N points).
- A neutral measure's special causes are labelled high or low by the direction of the rule
  that fired (above/below the mean, or the direction of the trend).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

Improvement = Literal["increase", "decrease", "neutral"]

LIMIT_SIGMAS = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two points
NEAR_LIMIT_SIGMAS = 2 * LIMIT_SIGMAS / 3  # the outer third of the process limits
SCREEN_FACTOR = 3.267  # D4 for n = 2: upper limit of the moving-range chart
RUN_LENGTH = 7  # points in a trend or a shift
MIN_POINTS_FOR_LIMITS = 12  # fewer: trial limits

POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)

VARIATION_ICONS = (
    "common_cause",
    "improvement_high",
    "improvement_low",
    "concern_high",
    "concern_low",
    "neutral_high",
    "neutral_low",
)

ASSURANCE_TYPES = ("consistent_pass", "consistent_fail", "inconsistent")

# Which rule made a point special cause, highest priority first.
RULES = ("outside_limits", "trend", "two_of_three", "shift")

POINT_TYPE_LABELS = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: unusually high",
    "special_cause_neutral_low": "Special cause: unusually low",
}

RULE_LABELS = {
    "": "No special cause rule met",
    "outside_limits": "Outside the process limits",
    "trend": "Part of a run of 7 points all going up or all going down",
    "two_of_three": "Two of three points close to a limit on the same side",
    "shift": "Part of a run of 7 points on one side of the mean",
}

VARIATION_ICON_LABELS = {
    "common_cause": "Common cause variation: no significant change",
    "improvement_high": "Special cause variation: improvement (higher is better)",
    "improvement_low": "Special cause variation: improvement (lower is better)",
    "concern_high": "Special cause variation: concern (the figure is high)",
    "concern_low": "Special cause variation: concern (the figure is low)",
    "neutral_high": "Special cause variation: unusually high",
    "neutral_low": "Special cause variation: unusually low",
}

ASSURANCE_LABELS = {
    "consistent_pass": "The process will consistently meet the target",
    "consistent_fail": "The process will consistently miss the target unless something changes",
    "inconsistent": "The process will sometimes meet and sometimes miss the target",
}

_DIRECTIONS = {"increase": 1, "decrease": -1, "neutral": 0}


def _direction(improvement: str) -> int:
    try:
        return _DIRECTIONS[improvement]
    except KeyError:
        raise ValueError(
            f"improvement must be 'increase', 'decrease' or 'neutral', not {improvement!r}"
        ) from None


def _run_lengths(continues: np.ndarray) -> np.ndarray:
    """For each element, the length of the run it belongs to; `continues[i]` says element i
    carries on the run of element i - 1."""
    run_id = np.cumsum(~continues)
    return np.bincount(run_id)[run_id]


def _per_segment_mean(
    seg: np.ndarray, values: np.ndarray, keep: np.ndarray, n_seg: int
) -> np.ndarray:
    """Mean per segment of the kept values; NaN for a segment with none.

    Two passes, as R's mean() does: the second adds the mean residual, so that a constant
    series has exactly its value as mean (otherwise 0.1 x 9 could sit an ulp off its mean
    and read as a run of points below it)."""
    seg_kept, kept = seg[keep], values[keep]
    count = np.bincount(seg_kept, minlength=n_seg)
    first = np.full(n_seg, np.nan)
    np.divide(
        np.bincount(seg_kept, weights=kept, minlength=n_seg), count, out=first, where=count > 0
    )
    residual = np.bincount(seg_kept, weights=kept - first[seg_kept], minlength=n_seg)
    correction = np.zeros(n_seg)
    np.divide(residual, count, out=correction, where=count > 0)
    return first + correction


def _trend_points(y: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points in a trend (7 points each strictly above, or each strictly below, the one
    before; ties and gaps break it), and each point's trend direction (+1 up, -1 down)."""
    n = y.size
    same_seg = seg[1:] == seg[:-1]
    valid = ~np.isnan(y)
    step = np.zeros(n, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        step[1:] = np.where(same_seg & valid[1:] & valid[:-1], np.sign(np.diff(y)), 0)
    step_continues = np.zeros(n, dtype=bool)
    step_continues[1:] = (step[1:] != 0) & (step[1:] == step[:-1])
    ends_trend_step = (step != 0) & (_run_lengths(step_continues) >= RUN_LENGTH - 1)
    trend = ends_trend_step.copy()
    trend[:-1] |= ends_trend_step[1:]  # the first point of a trend starts its first step
    # A point belonging to trends on both sides takes the direction of its right-hand step
    # (NHSRplotthedots 0.2.2, issue #171).
    direction = step.copy()
    if n > 1:
        both = trend[:-1] & trend[1:] & same_seg
        direction[:-1] = np.where(both, step[1:], step[:-1])
    return trend, direction


def _shift_points(rtm: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Points in a run of 7 or more on the same side of the mean (on the mean breaks it)."""
    side_continues = np.zeros(rtm.size, dtype=bool)
    side_continues[1:] = (seg[1:] == seg[:-1]) & (rtm[1:] != 0) & (rtm[1:] == rtm[:-1])
    return (rtm != 0) & (_run_lengths(side_continues) >= RUN_LENGTH)


def _two_of_three_points(close: np.ndarray, rtm: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Points in the outer third that are in a window of three consecutive points, all on one
    side of the mean, at least two of them in the outer third (NHSRplotthedots issue #143)."""
    n = close.size
    if n < 3:
        return np.zeros(n, dtype=bool)
    c = close.astype(np.int8)
    r = rtm.astype(np.int8)
    window = (
        (seg[2:] == seg[:-2])
        & (c[:-2] + c[1:-1] + c[2:] >= 2)
        & (np.abs(r[:-2] + r[1:-1] + r[2:]) == 3)
    )
    in_window = np.zeros(n, dtype=bool)
    in_window[:-2] |= window
    in_window[1:-1] |= window
    in_window[2:] |= window
    return in_window & close.astype(bool)


def _xmr_core(
    y: np.ndarray,
    seg: np.ndarray,
    pos: np.ndarray,
    *,
    direction: int,
    screen_outliers: bool,
    fix_after_n: int | None,
) -> dict[str, np.ndarray]:
    """XmR limits and special-cause rules for a flat array cut into segments.

    `seg` holds segment numbers 0..k-1, non-decreasing (each segment contiguous and in time
    order); `pos` is each point's position within its segment.
    """
    n = y.size
    n_seg = int(seg[-1]) + 1 if n else 0
    valid = ~np.isnan(y)
    same_seg = seg[1:] == seg[:-1]

    in_fix = valid if fix_after_n is None else valid & (pos < fix_after_n)
    mean_seg = _per_segment_mean(seg, y, in_fix, n_seg)
    n_used = np.bincount(seg[in_fix], minlength=n_seg)

    # Moving ranges between neighbours inside the same segment (and inside the fixed window).
    mr = np.abs(np.diff(y))
    mr_ok = same_seg & in_fix[1:] & in_fix[:-1]
    mr_seg = seg[1:]
    amr_seg = _per_segment_mean(mr_seg, mr, mr_ok, n_seg)
    if screen_outliers:
        # A zero AMR has nothing to screen: keeping the zeros avoids undefined limits.
        threshold = SCREEN_FACTOR * amr_seg[mr_seg]
        mr_ok = mr_ok & ((mr < threshold) | (amr_seg[mr_seg] == 0))
        amr_seg = _per_segment_mean(mr_seg, mr, mr_ok, n_seg)

    mean = mean_seg[seg]
    amr = amr_seg[seg]
    lpl = mean - LIMIT_SIGMAS * amr
    upl = mean + LIMIT_SIGMAS * amr
    near_lpl = mean - NEAR_LIMIT_SIGMAS * amr
    near_upl = mean + NEAR_LIMIT_SIGMAS * amr

    with np.errstate(invalid="ignore"):
        outside = (y > upl) | (y < lpl)
        rtm = np.nan_to_num(np.sign(y - mean)).astype(np.int8)
        close = ~outside & ((y < near_lpl) | (y > near_upl))

    trend, trend_direction = _trend_points(y, seg)
    shift = _shift_points(rtm, seg)
    two_of_three = _two_of_three_points(close, rtm, seg)

    rule = np.select(
        [outside, trend, two_of_three, shift],
        [1, 2, 3, 4],
        default=0,
    ).astype(np.int8)
    special = rule > 0
    # The direction of the special cause: the trend's own direction for a trend, otherwise
    # the side of the mean (as NHSRplotthedots 0.2.x labels "Above UCL", "7 Point Trend
    # (Increasing)", "2 in 3 Below CL"...).
    high = np.where(rule == 2, trend_direction == 1, rtm > 0)
    if direction == 0:
        point_code = np.where(special, np.where(high, 3, 4), 0)
    else:
        good = high if direction == 1 else ~high
        point_code = np.where(special, np.where(good, 1, 2), 0)

    return {
        "mean": mean,
        "amr": amr,
        "lpl": lpl,
        "upl": upl,
        "near_lpl": near_lpl,
        "near_upl": near_upl,
        "outside_limits": outside,
        "relative_to_mean": rtm,
        "close_to_limits": close,
        "trend": trend,
        "two_of_three": two_of_three,
        "shift": shift,
        "special_cause_flag": special,
        "rule_code": rule,
        "point_code": point_code.astype(np.int8),
        "n_used": n_used[seg] if n else np.zeros(0, dtype=np.int64),
        "zero_variation": amr == 0,
    }


_RULE_NAMES = np.array(("",) + RULES, dtype=object)
_POINT_TYPE_NAMES = np.array(POINT_TYPES, dtype=object)


def _result_frame(core: dict[str, np.ndarray], y: np.ndarray, rebase_group: np.ndarray) -> dict:
    return {
        "value": y,
        "rebase_group": rebase_group,
        "mean": core["mean"],
        "lpl": core["lpl"],
        "upl": core["upl"],
        "near_lpl": core["near_lpl"],
        "near_upl": core["near_upl"],
        "amr": core["amr"],
        "outside_limits": core["outside_limits"],
        "relative_to_mean": core["relative_to_mean"],
        "close_to_limits": core["close_to_limits"],
        "trend": core["trend"],
        "two_of_three": core["two_of_three"],
        "shift": core["shift"],
        "special_cause_flag": core["special_cause_flag"],
        "special_cause_rule": _RULE_NAMES[core["rule_code"]],
        "point_type": _POINT_TYPE_NAMES[core["point_code"]],
        "trial_limits": core["n_used"] < MIN_POINTS_FOR_LIMITS,
        "zero_variation": core["zero_variation"],
    }


def _check_fix(fix_after_n: int | None) -> None:
    if fix_after_n is not None and (isinstance(fix_after_n, bool) or int(fix_after_n) < 1):
        raise ValueError("fix_after_n must be a positive whole number (12 or more advised)")


def _rebase_positions(rebase_at: Iterable[object], periods: pd.Index | None, n: int) -> list[int]:
    positions = []
    for item in rebase_at:
        if isinstance(item, int | np.integer) and not isinstance(item, bool):
            position = int(item)
        elif periods is not None:
            matches = np.flatnonzero(periods == item)
            if matches.size == 0:
                raise ValueError(f"rebase point {item!r} is not one of the periods")
            position = int(matches[0])
        else:
            raise ValueError("rebase_at needs positions, or periods to look the points up in")
        if not 0 <= position < n:
            raise ValueError(f"rebase position {position} is outside the series")
        positions.append(position)
    return positions


def xmr(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    improvement: Improvement = "increase",
    screen_outliers: bool = True,
    fix_after_n: int | None = None,
    rebase_at: Iterable[object] | None = None,
    target: float | None = None,
    periods: Sequence[object] | pd.Series | pd.Index | None = None,
) -> pd.DataFrame:
    """An XmR chart's numbers: one row per value, in the order given (time order).

    `rebase_at`: where new limits start, as 0-based positions or as periods (when `periods`
    is given). `fix_after_n`: the mean and AMR come from the first N points of each segment
    and are extended over the rest. `target` adds a `target` column; see `assurance`.
    The frame's ``attrs`` carry `variation_icon` and `assurance` for convenience.
    """
    direction = _direction(improvement)
    _check_fix(fix_after_n)
    y = np.asarray(pd.to_numeric(pd.Series(values, dtype="float64")), dtype=float)
    n = y.size
    period_index = None
    if periods is not None:
        period_index = pd.Index(periods)
        if len(period_index) != n:
            raise ValueError("periods and values must be the same length")
        if not period_index.is_monotonic_increasing:
            raise ValueError("values must be in time order (periods increasing)")
    starts = np.zeros(n, dtype=np.int64)
    for position in _rebase_positions(rebase_at or (), period_index, n):
        if position > 0:
            starts[position] = 1
    rebase_group = np.cumsum(starts)
    seg = rebase_group
    first_of_seg = np.zeros(n, dtype=np.int64)
    if n:
        boundaries = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
        first_of_seg = np.repeat(boundaries, np.diff(np.r_[boundaries, n]))
    pos = np.arange(n) - first_of_seg
    core = _xmr_core(
        y,
        seg,
        pos,
        direction=direction,
        screen_outliers=screen_outliers,
        fix_after_n=fix_after_n,
    )
    columns = _result_frame(core, y, rebase_group)
    frame = pd.DataFrame(columns)
    if period_index is not None:
        frame.insert(0, "period", period_index)
    if target is not None:
        frame["target"] = float(target)
    frame.attrs.update(
        improvement=improvement,
        screen_outliers=screen_outliers,
        fix_after_n=fix_after_n,
        target=target,
        variation_icon=variation_icon(frame, improvement) if n else None,
        assurance=assurance(frame, target, improvement) if n else None,
    )
    return frame


def xmr_many(
    frame: pd.DataFrame,
    group_col: str | list[str],
    value_col: str,
    *,
    period_col: str | None = None,
    rebase_col: str | None = None,
    improvement: Improvement = "increase",
    screen_outliers: bool = True,
    fix_after_n: int | None = None,
) -> pd.DataFrame:
    """XmR for many series at once (one per group), vectorised over all of them.

    Rows are put in group then period order. `rebase_col` marks (truthy) the first point of
    each new set of limits within a group, like NHSRplotthedots' `rebase` column. Returns the
    group and period columns followed by the same columns as `xmr`.
    """
    direction = _direction(improvement)
    _check_fix(fix_after_n)
    keys = [group_col] if isinstance(group_col, str) else list(group_col)
    order_cols = keys + ([period_col] if period_col else [])
    data = frame.sort_values(order_cols, kind="stable").reset_index(drop=True)
    n = len(data)
    group = data.groupby(keys, sort=False).ngroup().to_numpy() if n else np.zeros(0, int)
    new_group = np.r_[True, group[1:] != group[:-1]] if n else np.zeros(0, bool)
    rebase = (
        data[rebase_col].fillna(0).astype(bool).to_numpy() & ~new_group
        if rebase_col
        else np.zeros(n, dtype=bool)
    )
    seg = np.cumsum(new_group | rebase) - 1
    group_start = np.flatnonzero(new_group)
    rebase_group = np.cumsum(rebase) - np.repeat(
        np.cumsum(rebase)[group_start] - rebase[group_start],
        np.diff(np.r_[group_start, n]),
    )
    seg_start = np.flatnonzero(new_group | rebase)
    pos = np.arange(n) - np.repeat(seg_start, np.diff(np.r_[seg_start, n]))
    y = pd.to_numeric(data[value_col]).to_numpy(dtype=float)
    core = _xmr_core(
        y,
        seg.astype(np.int64),
        pos,
        direction=direction,
        screen_outliers=screen_outliers,
        fix_after_n=fix_after_n,
    )
    out = pd.DataFrame({col: data[col] for col in order_cols})
    for name, column in _result_frame(core, y, rebase_group).items():
        out[name] = column
    out.attrs.update(
        improvement=improvement, screen_outliers=screen_outliers, fix_after_n=fix_after_n
    )
    return out


def _icons(point_type: np.ndarray, direction: int) -> np.ndarray:
    """Variation icons for last points (one code path for variation_icon and
    latest_by_group)."""
    good, bad = ("high", "low") if direction >= 0 else ("low", "high")
    return np.select(
        [
            point_type == "special_cause_improvement",
            point_type == "special_cause_concern",
            point_type == "special_cause_neutral_high",
            point_type == "special_cause_neutral_low",
        ],
        [f"improvement_{good}", f"concern_{bad}", "neutral_high", "neutral_low"],
        default="common_cause",
    ).astype(object)


def _assurances(lpl: np.ndarray, upl: np.ndarray, target: float, direction: int) -> np.ndarray:
    """Assurance types from the last points' limits (None where the limits are undefined)."""
    above, below = upl < target, lpl > target
    passes, fails = ("consistent_pass", "consistent_fail")[:: 1 if direction == 1 else -1]
    out = np.select([below, above], [passes, fails], default="inconsistent").astype(object)
    out[np.isnan(upl) | np.isnan(lpl)] = None
    return out


def variation_icon(df: pd.DataFrame, improvement: Improvement) -> str:
    """The Making Data Count variation icon for the last point of a chart: the latest
    month with a value (a missing latest month is not a point and says nothing)."""
    direction = _direction(improvement)
    observed = df["point_type"][df["value"].notna()] if "value" in df else df["point_type"]
    point_type = str(observed.iloc[-1]) if len(observed) else "common_cause"
    if direction == 0 and point_type in ("special_cause_improvement", "special_cause_concern"):
        raise ValueError("a neutral measure cannot have improvement or concern points")
    return str(_icons(np.array([point_type], dtype=object), direction)[0])


def assurance(df: pd.DataFrame, target: float | None, improvement: Improvement) -> str | None:
    """Whether the latest limits say the target will be met: from the limits of the last
    point with a value.

    None for a neutral measure, without a target, or when the limits are undefined.
    """
    direction = _direction(improvement)
    if target is None or direction == 0 or not len(df):
        return None
    # The latest month WITH a value, as for the variation icon (latest_by_group does the same).
    with_value = df[df["value"].notna()] if "value" in df.columns else df
    last = with_value.iloc[-1] if len(with_value) else df.iloc[-1]
    lpl = np.array([float(last["lpl"])])
    upl = np.array([float(last["upl"])])
    return _assurances(lpl, upl, float(target), direction)[0]


def latest_by_group(
    result: pd.DataFrame,
    group_col: str | list[str],
    improvement: Improvement,
    target: float | None = None,
) -> pd.DataFrame:
    """One row per group from `xmr_many`'s result: the last point with a value (the last row
    when a group has none), its variation icon and, with a target, the assurance."""
    keys = [group_col] if isinstance(group_col, str) else list(group_col)
    position = np.arange(len(result), dtype=float)
    where = result[keys].copy()
    where["_last"] = position
    where["_last_value"] = np.where(result["value"].notna().to_numpy(), position, np.nan)
    found = where.groupby(keys, sort=False).agg(
        last=("_last", "max"), last_value=("_last_value", "max")
    )
    rows = found["last_value"].fillna(found["last"]).to_numpy(dtype=int)
    last = result.iloc[rows].reset_index(drop=True)
    direction = _direction(improvement)
    last["variation_icon"] = _icons(last["point_type"].to_numpy(dtype=object), direction)
    if target is None or direction == 0:
        last["assurance"] = None
    else:
        last["assurance"] = _assurances(
            last["lpl"].to_numpy(dtype=float),
            last["upl"].to_numpy(dtype=float),
            float(target),
            direction,
        )
    return last
