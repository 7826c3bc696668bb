"""Outcome questionnaires: from query rows to the paired summaries of the Outcomes page.

Inputs are the person-level rows of queries/paired_scores.sql (one row per pair: a
referral's baseline against one follow-up, per measure), score_trajectories.sql and
baseline_followup_coverage.sql; the pages use the `*_counted` / `*_from_groups` versions,
which give the same answers from SQL's aggregates (outcome_score_pairs: one row per distinct
score pair with its count; outcome_change_by_group: n, mean and SD of change per group). Every statistic comes from wellpath.stats; instrument facts
(direction, meaningful change, reliability, bands, licence) from wellpath.scoring. A
"measure" is an instrument's score, except ONS4, whose four items are four measures (the
anxiety item is better when LOWER).

The `protect_*` functions apply disclosure control (wellpath.disclosure) for publishable
figures: counts rounded, statistics about 7 or fewer people suppressed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from wellpath import disclosure, formats, scoring, stats

#: Follow-up time points (months after baseline) and the window either side, in days:
#: +/- 6 weeks at 3 months, +/- 2 months (61 days) from 6 months on.
TIME_POINTS: Mapping[int, int] = MappingProxyType({3: 42, 6: 61, 12: 61, 18: 61})
#: Trajectory points: baseline (0) and the follow-up time points.
TRAJECTORY_POINTS: tuple[int, ...] = (0, *TIME_POINTS)
DAYS_PER_MONTH = 30.4375

#: Where the PSEQ's "managing well" line is drawn by services (a score of 40 or more).
PSEQ_MANAGING_WELL = 40

BREAKDOWNS: Mapping[str, str] = MappingProxyType(
    {
        "practice_code": "Practice",
        "condition": "Condition",
        "imd_quintile": "Deprivation (IMD quintile)",
        "sex": "Sex",
        "age_band": "Age band at referral",
    }
)

FOLLOW_UP_STATUSES: Mapping[str, str] = MappingProxyType(
    {
        "followed_up": "Has a follow-up",
        "open_no_follow_up": "No follow-up yet, still on the caseload",
        "discharged_no_follow_up": "Discharged without a follow-up",
    }
)

ONS4_ITEMS: tuple[tuple[str, str, bool], ...] = (
    ("satisfaction", "Life satisfaction", True),
    ("worthwhile", "Things done are worthwhile", True),
    ("happy", "Happiness yesterday", True),
    ("anxious", "Anxiety yesterday (lower is better)", False),
)


@dataclass(frozen=True)
class Measure:
    """One score that is paired: an instrument's total, or one ONS4 item."""

    code: str  # as in the queries' `measure` column
    instrument: str
    label: str
    short_label: str
    higher_is_better: bool
    score_min: float
    score_max: float
    meaningful_change: float | None
    meaningful_change_source: str | None
    reliability: float | None
    reliability_source: str | None


def _build_measures() -> dict[str, Measure]:
    out: dict[str, Measure] = {}
    for code in ("PSEQ", "PSEQ2", "SWEMWBS", "WEMWBS", "ONS4", "PSFS", "WBSTAR"):
        inst = scoring.INSTRUMENTS[code]
        if code == "ONS4":
            for key, label, better_high in ONS4_ITEMS:
                out[f"ONS4_{key}"] = Measure(
                    code=f"ONS4_{key}",
                    instrument="ONS4",
                    label=f"ONS4: {label}",
                    short_label=f"ONS4 {key}",
                    higher_is_better=better_high,
                    score_min=inst.score_min,
                    score_max=inst.score_max,
                    meaningful_change=None,
                    meaningful_change_source=None,
                    reliability=None,
                    reliability_source=None,
                )
            continue
        label = inst.name + (" (metric score)" if code == "SWEMWBS" else "")
        out[code] = Measure(
            code=code,
            instrument=code,
            label=f"{code}: {label}",
            short_label=code,
            higher_is_better=inst.higher_is_better,
            score_min=inst.score_min,
            score_max=inst.score_max,
            meaningful_change=inst.meaningful_change,
            meaningful_change_source=inst.meaningful_change_source,
            reliability=inst.reliability,
            reliability_source=inst.reliability_source,
        )
    return out


#: Every measure, in the order the page shows them (PSEQ first).
MEASURES: Mapping[str, Measure] = MappingProxyType(_build_measures())


def measures_present(codes: Sequence[str]) -> list[str]:
    """The measures found in `codes`, in the page's order."""
    present = set(codes)
    return [code for code in MEASURES if code in present]


def licence_notices(measure_codes: Sequence[str]) -> list[str]:
    """The licence notices of the instruments behind these measures (each once)."""
    seen: list[str] = []
    for code in measure_codes:
        notice = scoring.INSTRUMENTS[MEASURES[code].instrument].licence_notice
        if notice and notice not in seen:
            seen.append(notice)
    return seen


def reliable_change_sd(baseline_scores: Sequence[float] | np.ndarray | pd.Series) -> float:
    """The SD that reliable change uses (docs/methods.md, "Reliable change"): the sample SD of
    the baselines of the people paired, the same people whose change is judged. The Outcomes
    page and the MDT page both call this, so a person is reliably improved on both or on
    neither. NaN for fewer than two baselines."""
    arr = np.asarray(baseline_scores, dtype=float)
    arr = arr[~np.isnan(arr)]
    return float(np.std(arr, ddof=1)) if arr.size >= 2 else math.nan


def summarise_measure(
    pairs: pd.DataFrame,
    measure: Measure,
    *,
    mcid: float | None = None,
    reliability: float | None = None,
) -> dict[str, object]:
    """Paired change of one measure: n, means, mean change with CI, effect sizes, share
    reaching `mcid` (Wilson CI), reliable improvement and deterioration (when `reliability`
    is known: r and the SD of these baselines are returned so the page can state them)."""
    baseline = pairs["baseline_score"].astype(float).to_numpy()
    follow_up = pairs["follow_up_score"].astype(float).to_numpy()
    change = stats.paired_change(
        baseline, follow_up, mcid=mcid, higher_is_better=measure.higher_is_better
    )
    rc = None
    if reliability is not None and change.n >= 2 and change.sd_baseline > 0:
        rc = stats.reliable_change_summary(
            baseline,
            follow_up,
            reliability=reliability,
            sd=reliable_change_sd(baseline),
            higher_is_better=measure.higher_is_better,
        )
    return _summary_row(measure, change, mcid, reliability, rc)


def summarise_measure_counted(
    rows: pd.DataFrame,
    measure: Measure,
    *,
    mcid: float | None = None,
    reliability: float | None = None,
) -> dict[str, object]:
    """`summarise_measure` from counted pairs (outcome_score_pairs rows of one measure:
    baseline_score, follow_up_score, pair_weight): the same row, from a few thousand rows."""
    baseline = rows["baseline_score"].astype(float).to_numpy()
    follow_up = rows["follow_up_score"].astype(float).to_numpy()
    weights = rows["pair_weight"].astype(float).to_numpy()
    change = stats.paired_change_counted(
        baseline, follow_up, weights, mcid=mcid, higher_is_better=measure.higher_is_better
    )
    rc = None
    if reliability is not None and change.n >= 2 and change.sd_baseline > 0:
        # the SD of the paired baselines, as reliable_change_sd: change.sd_baseline
        rc = stats.reliable_change_summary_counted(
            baseline,
            follow_up,
            weights,
            reliability=reliability,
            sd=change.sd_baseline,
            higher_is_better=measure.higher_is_better,
        )
    return _summary_row(measure, change, mcid, reliability, rc)


def _summary_row(
    measure: Measure,
    change: stats.PairedChange,
    mcid: float | None,
    reliability: float | None,
    rc: stats.ReliableChangeSummary | None,
) -> dict[str, object]:
    row: dict[str, object] = {
        "measure": measure.code,
        "measure_label": measure.label,
        "pair_count": change.n,
        "mean_baseline": change.mean_baseline,
        "mean_follow_up": change.mean_follow_up,
        "mean_change": change.mean_change,
        "ci_low": change.ci_low,
        "ci_high": change.ci_high,
        "effect_size": change.effect_size,
        "srm": change.srm,
        "p_wilcoxon": change.p_wilcoxon,
        "improved_count": change.improved_count,
        "improved_pct": 100.0 * change.share_improved if change.n else math.nan,
        "mcid_points": mcid,
        "mcid_count": change.mcid_count,
        "mcid_pct": None if change.share_mcid is None else 100.0 * change.share_mcid,
        "mcid_ci_low_pct": None
        if change.share_mcid_ci_low is None
        else 100.0 * change.share_mcid_ci_low,
        "mcid_ci_high_pct": None
        if change.share_mcid_ci_high is None
        else 100.0 * change.share_mcid_ci_high,
        "reliability_r": reliability,
        "sd_baseline": change.sd_baseline,
        "reliable_threshold_points": None,
        "reliable_improved_count": None,
        "reliable_improved_pct": None,
        "reliable_deteriorated_count": None,
        "reliable_deteriorated_pct": None,
    }
    if rc is not None:
        row.update(
            reliable_threshold_points=rc.threshold_points,
            reliable_improved_count=rc.improved_count,
            reliable_improved_pct=100.0 * rc.improved_count / rc.n,
            reliable_deteriorated_count=rc.deteriorated_count,
            reliable_deteriorated_pct=100.0 * rc.deteriorated_count / rc.n,
        )
    return row


def paired_summary(
    pairs: pd.DataFrame,
    *,
    mcid: Mapping[str, float | None] | None = None,
    reliability: Mapping[str, float | None] | None = None,
) -> pd.DataFrame:
    """One row per measure present in `pairs` (see `summarise_measure`). `mcid` and
    `reliability` override the registry's values per measure (None: not available)."""
    return _per_measure(pairs, summarise_measure, mcid, reliability)


def _per_measure(
    frame: pd.DataFrame,
    summarise: Callable[..., dict],
    mcid: Mapping[str, float | None] | None,
    reliability: Mapping[str, float | None] | None,
) -> pd.DataFrame:
    """`summarise` each measure's rows of `frame`, in the registry's order, with the
    registry's MCID and reliability unless overridden."""
    mcid = dict(mcid or {})
    reliability = dict(reliability or {})
    rows = []
    for code in measures_present(frame["measure"].unique()):
        m = MEASURES[code]
        rows.append(
            summarise(
                frame[frame["measure"] == code],
                m,
                mcid=mcid.get(code, m.meaningful_change),
                reliability=reliability.get(code, m.reliability),
            )
        )
    return pd.DataFrame(rows)


def paired_summary_counted(
    rows: pd.DataFrame,
    *,
    mcid: Mapping[str, float | None] | None = None,
    reliability: Mapping[str, float | None] | None = None,
) -> pd.DataFrame:
    """`paired_summary` from counted pairs (queries/outcome_score_pairs.sql: measure,
    baseline_score, follow_up_score, pair_weight): the same frame (tested)."""
    return _per_measure(rows, summarise_measure_counted, mcid, reliability)


def pair_counts(rows: pd.DataFrame) -> pd.Series:
    """Pairs per measure, from counted pairs (outcome_score_pairs rows)."""
    if not len(rows):
        return pd.Series(dtype=int)
    return rows.groupby("measure")["pair_weight"].sum().astype(int)


_PAIRED_STATISTICS = (
    "mean_baseline",
    "mean_follow_up",
    "mean_change",
    "ci_low",
    "ci_high",
    "effect_size",
    "srm",
    "p_wilcoxon",
    "mcid_ci_low_pct",
    "mcid_ci_high_pct",
    "sd_baseline",
    "reliable_threshold_points",
)


def protect_paired_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Disclosure control of `paired_summary` for publishable figures."""
    frame = summary.copy()
    for col in ("mcid_count", "reliable_improved_count", "reliable_deteriorated_count"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return disclosure.protect_frame(
        frame,
        count_columns=[
            "pair_count",
            "improved_count",
            "mcid_count",
            "reliable_improved_count",
            "reliable_deteriorated_count",
        ],
        statistic_columns={col: "pair_count" for col in _PAIRED_STATISTICS},
        percentage_columns={
            "improved_pct": ("improved_count", "pair_count"),
            "mcid_pct": ("mcid_count", "pair_count"),
            "reliable_improved_pct": ("reliable_improved_count", "pair_count"),
            "reliable_deteriorated_pct": ("reliable_deteriorated_count", "pair_count"),
        },
    )


def _mean_row(values: Sequence[float] | np.ndarray) -> dict[str, float | int]:
    ci = stats.mean_ci(np.asarray(values, dtype=float))
    return {"mean": ci.mean, "ci_low": ci.ci_low, "ci_high": ci.ci_high, "n": ci.n}


def breakdown(pairs: pd.DataFrame, measure_code: str, by: str) -> pd.DataFrame:
    """Mean change with its 95% CI per group of `by` (a BREAKDOWNS key), for one measure.
    A group that is not recorded is shown as "Not recorded"."""
    if by not in BREAKDOWNS:
        raise ValueError(f"cannot break down by {by!r}")
    subset = pairs[pairs["measure"] == measure_code]
    groups = subset[by].astype(object).where(subset[by].notna(), "Not recorded")
    rows = []
    for value, group in subset.groupby(groups, sort=True):
        ci = _mean_row(group["change_points"])
        rows.append(
            {
                "group": value,
                "pair_count": ci["n"],
                "mean_change": ci["mean"],
                "ci_low": ci["ci_low"],
                "ci_high": ci["ci_high"],
            }
        )
    return pd.DataFrame(rows, columns=["group", "pair_count", "mean_change", "ci_low", "ci_high"])


def breakdown_from_groups(groups: pd.DataFrame, measure_code: str, by: str) -> pd.DataFrame:
    """`breakdown` from SQL's groups (queries/outcome_change_by_group.sql: grouping,
    measure, the group columns, pair_n, mean_change_points, sd_change_points): the same
    frame, in the same order (tested), with the t interval from each group's n, mean and SD."""
    if by not in BREAKDOWNS:
        raise ValueError(f"cannot break down by {by!r}")
    subset = groups[(groups["grouping"] == by) & (groups["measure"] == measure_code)]
    values = subset[by].astype(object).where(subset[by].notna(), "Not recorded")
    # the order pandas' groupby gives the person-level rows (breakdown)
    order = pd.Series(range(len(subset)), index=subset.index).groupby(values, sort=True).first()
    picked = subset.iloc[order.to_numpy(dtype=int)]
    low, high = stats.mean_ci_from_summaries(
        picked["pair_n"], picked["mean_change_points"], picked["sd_change_points"]
    )
    return pd.DataFrame(
        {
            "group": list(order.index),
            "pair_count": picked["pair_n"].astype(int).tolist(),
            "mean_change": picked["mean_change_points"].astype(float).tolist(),
            "ci_low": low.tolist(),
            "ci_high": high.tolist(),
        },
        columns=["group", "pair_count", "mean_change", "ci_low", "ci_high"],
    )


def protect_group_means(frame: pd.DataFrame, n_col: str, stat_cols: Sequence[str]) -> pd.DataFrame:
    """Round `n_col` and suppress `stat_cols` where it is 7 or fewer people."""
    return disclosure.protect_frame(
        frame, count_columns=[n_col], statistic_columns={c: n_col for c in stat_cols}
    )


def band_transitions(pairs: pd.DataFrame) -> pd.DataFrame:
    """PSEQ band at baseline against band at follow-up: every combination, with its count."""
    labels = [band.label for band in scoring.PSEQ_BANDS]
    pseq = pairs[pairs["measure"] == "PSEQ"]
    base = pd.Series(
        scoring.pseq_bands(pseq["baseline_score"].to_numpy(float)),
        index=pseq.index,
        name="baseline_score",
    )
    follow = pd.Series(
        scoring.pseq_bands(pseq["follow_up_score"].to_numpy(float)),
        index=pseq.index,
        name="follow_up_score",
    )
    counts = pd.crosstab(base, follow).reindex(index=labels, columns=labels, fill_value=0)
    out = counts.stack().rename("pair_count").reset_index()
    out.columns = ["baseline_band", "follow_up_band", "pair_count"]
    out["pair_count"] = out["pair_count"].astype(int)
    return out


def band_transitions_counted(rows: pd.DataFrame) -> pd.DataFrame:
    """`band_transitions` from counted pairs (outcome_score_pairs rows)."""
    labels = [band.label for band in scoring.PSEQ_BANDS]
    pseq = rows[rows["measure"] == "PSEQ"]
    frame = pd.DataFrame(
        {
            "baseline_band": scoring.pseq_bands(pseq["baseline_score"].to_numpy(float)),
            "follow_up_band": scoring.pseq_bands(pseq["follow_up_score"].to_numpy(float)),
            "pair_count": pseq["pair_weight"].to_numpy(int),
        }
    )
    counts = frame.groupby(["baseline_band", "follow_up_band"])["pair_count"].sum()
    grid = [(b, f, int(counts.get((b, f), 0))) for b in labels for f in labels]
    out = pd.DataFrame(grid, columns=["baseline_band", "follow_up_band", "pair_count"])
    out["pair_count"] = out["pair_count"].astype(int)
    return out


def band_movement(transitions: pd.DataFrame) -> dict[str, int]:
    """People whose PSEQ band improved, stayed the same or worsened (unrounded counts)."""
    order = {band.label: i for i, band in enumerate(scoring.PSEQ_BANDS)}
    step = transitions["follow_up_band"].map(order) - transitions["baseline_band"].map(order)
    return {
        "better_band_count": int(transitions.loc[step > 0, "pair_count"].sum()),
        "same_band_count": int(transitions.loc[step == 0, "pair_count"].sum()),
        "worse_band_count": int(transitions.loc[step < 0, "pair_count"].sum()),
    }


def share_at_or_above(pairs: pd.DataFrame, threshold: float = PSEQ_MANAGING_WELL) -> pd.DataFrame:
    """PSEQ pairs with a score of `threshold` or more at baseline and at follow-up (the same
    people both times), with Wilson 95% intervals."""
    pseq = pairs[pairs["measure"] == "PSEQ"]
    n = len(pseq)
    rows = []
    for when, col in (("Baseline", "baseline_score"), ("Follow-up", "follow_up_score")):
        k = int((pseq[col] >= threshold).sum())
        low, high = stats.wilson_interval(k, n) if n else (math.nan, math.nan)
        rows.append(
            {
                "when": when,
                "at_or_above_count": k,
                "pair_count": n,
                "at_or_above_pct": 100.0 * k / n if n else math.nan,
                "ci_low_pct": 100.0 * low,
                "ci_high_pct": 100.0 * high,
            }
        )
    return pd.DataFrame(rows)


def share_at_or_above_counted(
    rows: pd.DataFrame, threshold: float = PSEQ_MANAGING_WELL
) -> pd.DataFrame:
    """`share_at_or_above` from counted pairs (outcome_score_pairs rows)."""
    pseq = rows[rows["measure"] == "PSEQ"]
    weights = pseq["pair_weight"].to_numpy(int)
    n = int(weights.sum())
    out = []
    for when, col in (("Baseline", "baseline_score"), ("Follow-up", "follow_up_score")):
        k = int(weights[(pseq[col] >= threshold).to_numpy()].sum())
        low, high = stats.wilson_interval(k, n) if n else (math.nan, math.nan)
        out.append(
            {
                "when": when,
                "at_or_above_count": k,
                "pair_count": n,
                "at_or_above_pct": 100.0 * k / n if n else math.nan,
                "ci_low_pct": 100.0 * low,
                "ci_high_pct": 100.0 * high,
            }
        )
    return pd.DataFrame(out)


def protect_share(frame: pd.DataFrame) -> pd.DataFrame:
    return disclosure.protect_frame(
        frame,
        count_columns=["at_or_above_count", "pair_count"],
        statistic_columns={"ci_low_pct": "pair_count", "ci_high_pct": "pair_count"},
        percentage_columns={"at_or_above_pct": ("at_or_above_count", "pair_count")},
    )


def trajectory_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean score with its 95% CI at each time point, per measure (score_trajectories rows)."""
    out = []
    for (code, point), group in rows.groupby(["measure", "time_point_months"], sort=True):
        ci = _mean_row(group["score"])
        out.append(
            {
                "measure": code,
                "time_point_months": int(point),
                "person_count": ci["n"],
                "mean_score": ci["mean"],
                "ci_low": ci["ci_low"],
                "ci_high": ci["ci_high"],
            }
        )
    return pd.DataFrame(
        out,
        columns=["measure", "time_point_months", "person_count", "mean_score", "ci_low", "ci_high"],
    )


def trajectory_summary_from_means(rows: pd.DataFrame) -> pd.DataFrame:
    """`trajectory_summary` from SQL's means (queries/outcome_trajectory_means.sql: measure,
    time_point_months, person_n, mean_score, sd_score): the same frame (tested)."""
    rows = rows.sort_values(["measure", "time_point_months"]).reset_index(drop=True)
    low, high = stats.mean_ci_from_summaries(rows["person_n"], rows["mean_score"], rows["sd_score"])
    return pd.DataFrame(
        {
            "measure": rows["measure"].tolist(),
            "time_point_months": rows["time_point_months"].astype(int).tolist(),
            "person_count": rows["person_n"].astype(int).tolist(),
            "mean_score": rows["mean_score"].astype(float).tolist(),
            "ci_low": low.tolist(),
            "ci_high": high.tolist(),
        },
        columns=["measure", "time_point_months", "person_count", "mean_score", "ci_low", "ci_high"],
    )


def coverage_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per measure and follow-up status: baselines, and their mean with a 95% t interval.

    `rows`: baseline_followup_coverage (measure, follow_up_status, baseline_count,
    mean_baseline, sd_baseline). Statuses with no baselines are listed with a count of 0.
    For publishable figures the count arrives rounded and the mean suppressed for 7 or fewer
    people; the interval then uses the published count."""
    out = []
    for code in measures_present(rows["measure"].unique()) + (
        ["ONS4"] if "ONS4" in set(rows["measure"]) else []
    ):
        subset = rows[rows["measure"] == code].set_index("follow_up_status")
        for status in FOLLOW_UP_STATUSES:
            if status in subset.index:
                row = subset.loc[status]
                n = row["baseline_count"]
                ci = (
                    stats.mean_ci_from_summary(
                        int(n), float(row["mean_baseline"]), float(row["sd_baseline"])
                    )
                    if not pd.isna(n) and not pd.isna(row["mean_baseline"])
                    else None
                )
            else:
                n, ci = 0, None
            out.append(
                {
                    "measure": code,
                    "follow_up_status": status,
                    "baseline_count": n,
                    "mean_baseline": ci.mean if ci else math.nan,
                    "ci_low": ci.ci_low if ci else math.nan,
                    "ci_high": ci.ci_high if ci else math.nan,
                    "sd_baseline": float(row["sd_baseline"])
                    if ci and not pd.isna(row["sd_baseline"])
                    else math.nan,
                }
            )
    return pd.DataFrame(
        out,
        columns=[
            "measure",
            "follow_up_status",
            "baseline_count",
            "mean_baseline",
            "ci_low",
            "ci_high",
            "sd_baseline",
        ],
    )


def coverage_sentence(coverage: pd.DataFrame, measure_code: str, score_name: str) -> str:
    """What the coverage figures mean, in one or two sentences (counts as given: rounded
    for publishable figures)."""
    subset = coverage[coverage["measure"] == measure_code].set_index("follow_up_status")
    if subset.empty:
        return f"No {score_name} baselines were recorded in this period."

    def count(status: str) -> object:
        return subset.loc[status, "baseline_count"] if status in subset.index else 0

    def mean(status: str) -> float | None:
        value = subset.loc[status, "mean_baseline"] if status in subset.index else None
        return None if value is None or pd.isna(value) else float(value)

    counts = [count(s) for s in FOLLOW_UP_STATUSES]
    if any(c is None or pd.isna(c) for c in counts):
        total_text = "Some groups are too small to publish"
    else:
        total = int(sum(int(c) for c in counts))
        followed = int(counts[0])
        if total == 0:
            return f"No {score_name} baselines were recorded in this period."
        share = formats.fmt_pct(100 * followed / total)
        still = int(counts[1])
        gone = int(counts[2])
        total_text = (
            f"Of {formats.plural(total, 'person', 'people')} whose {score_name} baseline is "
            f"dated in this period, {followed:,} ({share}) "
            f"{'has' if followed == 1 else 'have'} a follow-up so far, "
            f"{still:,} {'is' if still == 1 else 'are'} still on the caseload and may yet have "
            f"one, and {gone:,} {'was' if gone == 1 else 'were'} discharged without one"
        )
    with_fu, lost = mean("followed_up"), mean("discharged_no_follow_up")
    diff = baseline_difference(subset)
    if with_fu is None or lost is None or diff is None:
        return (
            total_text + ". There are too few people in one of the groups to compare their "
            "baselines."
        )
    estimate, low, high = diff
    interval = f"{estimate:+.1f} points, 95% CI {low:+.1f} to {high:+.1f}"
    if low <= 0 <= high:
        meaning = (
            "their mean baseline was not clearly different from that of people discharged "
            f"without one ({interval}), so the data do not show the people followed up to be "
            "untypical at the start"
        )
    else:
        direction = "higher" if estimate > 0 else "lower"
        meaning = (
            f"their mean baseline was {direction} than that of people discharged without one "
            f"({interval}), so the people followed up were not typical at the start and the "
            "paired change may not hold for everyone"
        )
    return f"{total_text}; {meaning}."


def baseline_difference(subset: pd.DataFrame) -> tuple[float, float, float] | None:
    """Mean baseline of the people followed up minus that of the people discharged without a
    follow-up, with a Welch 95% interval, from coverage rows indexed by follow_up_status
    (needs baseline_count, mean_baseline and sd_baseline). None when either group has fewer
    than two people or a suppressed value."""
    need = ("followed_up", "discharged_no_follow_up")
    if any(s not in subset.index for s in need) or "sd_baseline" not in subset.columns:
        return None
    parts = []
    for status in need:
        n, m, sd = (
            subset.loc[status, c] for c in ("baseline_count", "mean_baseline", "sd_baseline")
        )
        if any(v is None or pd.isna(v) for v in (n, m, sd)) or int(n) < 2:
            return None
        parts.append((int(n), float(m), float(sd)))
    (n1, m1, s1), (n2, m2, s2) = parts
    return stats.welch_interval_from_summary(n1, m1, s1, n2, m2, s2)


def monthly_change(pairs: pd.DataFrame, measure_code: str) -> pd.DataFrame:
    """Mean change by calendar month of the follow-up. Deprecated for the SPC chart: the
    Outcomes page charts `monthly_change_at_time_point` (change by month of follow-up mixes
    people seen at very different times after their baseline)."""
    subset = pairs[pairs["measure"] == measure_code]
    months = pd.to_datetime(subset["follow_up_date"]).dt.to_period("M").dt.to_timestamp()
    grouped = subset.groupby(months)["change_points"].agg(["count", "mean"]).reset_index()
    grouped.columns = ["follow_up_month", "pair_count", "mean_change_points"]
    return grouped


#: Months with fewer pairs than this are left out of the change-by-month chart.
MIN_PAIRS_PER_MONTH = 10
#: Months needed before a change-by-month chart is drawn at all.
MIN_MONTHS_FOR_CHART = 6
#: The time point the change-by-month chart uses (months after baseline).
TREND_TIME_POINT = 6


def monthly_change_at_time_point(
    pairs: pd.DataFrame,
    measure_code: str,
    *,
    start_date: object,
    report_date: object,
    time_point: int = TREND_TIME_POINT,
    min_pairs: int = MIN_PAIRS_PER_MONTH,
) -> pd.DataFrame:
    """Mean change at a fixed time point by calendar month of the BASELINE (the SPC series).

    `pairs`: paired_scores rows for `time_point` (follow-ups dated in the period). A baseline
    month is kept only when its whole follow-up window (time point +/- window, for every day
    of the month) lies between `start_date` and `report_date`, so every month is measured in
    full and no month is short of its later follow-ups; and only when it has `min_pairs` pairs
    or more. Change by month of follow-up, with the latest follow-up, would mix people seen 3
    and 11 months after their baseline, and the mix shifts as a service matures."""
    window = TIME_POINTS[time_point]
    target = time_point * DAYS_PER_MONTH
    subset = pairs[pairs["measure"] == measure_code]
    months = pd.to_datetime(subset["baseline_date"]).dt.to_period("M")
    grouped = (
        subset.groupby(months.dt.to_timestamp())["change_points"]
        .agg(["count", "mean"])
        .reset_index()
    )
    grouped.columns = ["baseline_month", "pair_count", "mean_change_points"]
    first = pd.Timestamp(start_date)
    last = pd.Timestamp(report_date)
    month_end = grouped["baseline_month"] + pd.offsets.MonthEnd(0)
    whole = (grouped["baseline_month"] + pd.Timedelta(days=target - window) >= first) & (
        month_end + pd.Timedelta(days=target + window) <= last
    )
    return grouped[whole & (grouped["pair_count"] >= min_pairs)].reset_index(drop=True)


def monthly_change_from_groups(
    groups: pd.DataFrame,
    measure_code: str,
    *,
    start_date: object,
    report_date: object,
    time_point: int = TREND_TIME_POINT,
    min_pairs: int = MIN_PAIRS_PER_MONTH,
) -> pd.DataFrame:
    """`monthly_change_at_time_point` from SQL's groups (outcome_change_by_group rows for
    `time_point`, grouping baseline_month): the same frame (tested)."""
    window = TIME_POINTS[time_point]
    target = time_point * DAYS_PER_MONTH
    subset = groups[(groups["grouping"] == "baseline_month") & (groups["measure"] == measure_code)]
    grouped = pd.DataFrame(
        {
            "baseline_month": pd.to_datetime(subset["baseline_month"]).to_numpy(),
            "pair_count": subset["pair_n"].to_numpy(dtype="int64"),
            "mean_change_points": subset["mean_change_points"].to_numpy(dtype=float),
        }
    )
    grouped = grouped.sort_values("baseline_month").reset_index(drop=True)
    first = pd.Timestamp(start_date)
    last = pd.Timestamp(report_date)
    month_end = grouped["baseline_month"] + pd.offsets.MonthEnd(0)
    whole = (grouped["baseline_month"] + pd.Timedelta(days=target - window) >= first) & (
        month_end + pd.Timedelta(days=target + window) <= last
    )
    return grouped[whole & (grouped["pair_count"] >= min_pairs)].reset_index(drop=True)


def reading(
    row: Mapping[str, object],
    measure: Measure,
    *,
    period_label: str,
    coverage_text: str | None = None,
    time_point_label: str = "their latest follow-up",
) -> list[str]:
    """A plain-English reading of one measure's paired summary, with its caveats.

    `row` is a (possibly protected) row of `paired_summary`: suppressed values are None/NA.
    """
    n = row.get("pair_count")
    if n is None or pd.isna(n):
        return [
            f"Fewer than 8 people have a {measure.short_label} baseline and follow-up dated "
            f"{period_label}: too few to publish."
        ]
    n = int(n)
    mean_change = row.get("mean_change")
    if n == 0:
        return [f"No one has a {measure.short_label} baseline and follow-up in this period."]
    lines: list[str] = []
    if mean_change is None or pd.isna(mean_change):
        lines.append(f"{n:,} people have a {measure.short_label} pair: too few to publish a mean.")
    else:
        up = float(mean_change) > 0
        better = up == measure.higher_is_better
        mean_baseline = float(row["mean_baseline"])  # type: ignore[arg-type]
        mean_follow_up = float(row["mean_follow_up"])  # type: ignore[arg-type]
        if float(mean_change) == 0:
            movement = f"was the same at the start and at follow-up ({mean_baseline:.1f})"
        else:
            movement = (
                f"{'rose' if up else 'fell'} from {mean_baseline:.1f} to {mean_follow_up:.1f}"
            )
        ci_low, ci_high = row.get("ci_low"), row.get("ci_high")
        ci_text = ""
        if ci_low is not None and not pd.isna(ci_low) and ci_high is not None:
            ci_text = f" (95% CI {float(ci_low):+.1f} to {float(ci_high):+.1f})"
            crosses_zero = float(ci_low) <= 0 <= float(ci_high)
        else:
            crosses_zero = True
        lines.append(
            f"For the {n:,} people with a {measure.short_label} score at the start and at "
            f"{time_point_label} (follow-ups dated {period_label}), the mean score {movement}, "
            f"a change of {float(mean_change):+.1f} points{ci_text}. "
            + (
                "The interval includes no change, so this could be chance."
                if crosses_zero
                else (
                    "That is an improvement unlikely to be chance alone."
                    if better
                    else "Scores got worse, beyond what chance alone would explain."
                )
            )
        )
    mcid_pct, mcid_points = row.get("mcid_pct"), row.get("mcid_points")
    if mcid_points is not None and not pd.isna(mcid_points):
        if mcid_pct is None or pd.isna(mcid_pct):
            lines.append("The share reaching the meaningful change is too small a group to show.")
        else:
            lines.append(
                f"{float(mcid_pct):.0f}% improved by at least {float(mcid_points):g} points, the "
                "smallest change people notice as meaningful."
            )
    caveats = [
        "Without a comparison group some of this change may be regression to the mean: people "
        "are often referred when their symptoms are at their worst, and many improve anyway."
    ]
    if n < 30:
        caveats.append(
            f"With only {n} pairs the interval is wide; treat the figures as a rough guide."
        )
    if coverage_text:
        caveats.append(coverage_text)
    return lines + caveats
