"""Statistical disclosure control for figures that leave the service.

The rules are those of docs/methods.md ("Small numbers"), following NHS Digital's HES/ECDS
rule (September 2018) and OpenSAFELY's release rules:

- a count of 1-7 is suppressed (shown as "*"); 0 stays 0; any other count is rounded to the
  nearest 5 (counts are whole numbers, so a remainder of 0-2 rounds down and 3-4 rounds up:
  8 -> 10, 12 -> 10, 13 -> 15; there is never a half to break);
- a statistic (mean, median, CI limit, percentage...) describing 7 or fewer people is
  suppressed, judged on the UNROUNDED number of people, so rounding 7 up to 10 never lets a
  statistic about 7 people through;
- a percentage is recomputed from the rounded numerator and rounded denominator, and is
  suppressed when either of them is;
- a total is the sum of the published (rounded) cells, so subtracting the visible cells from
  it cannot reveal a hidden one.

`wellpath.access.protect` applies `protect_frame` to every query result shown to a rounded
scope; pages that compute statistics in Python use `protect_stat` and `round_count`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from numbers import Real

import pandas as pd

#: Counts of 1..SUPPRESS_AT_OR_BELOW people are never shown, nor statistics about them.
SUPPRESS_AT_OR_BELOW = 7
#: Published counts are multiples of this.
ROUND_TO = 5


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _whole(n: object) -> int:
    """A count as an int; refuses fractions and negatives rather than guessing."""
    if isinstance(n, Decimal):
        n = float(n)
    if isinstance(n, bool) or not isinstance(n, Real):
        raise TypeError(f"a count must be a number, not {type(n).__name__}")
    if float(n) != math.floor(float(n)):
        raise ValueError(f"a count must be a whole number, got {n}")
    if n < 0:
        raise ValueError(f"a count cannot be negative, got {n}")
    return int(n)


def round_count(n: object) -> int | None:
    """The publishable form of a count: None (shown "*") for 1-7, 0 for 0, else nearest 5.

    Missing input (None/NaN/NA) gives None. Fractions and negatives raise ValueError.
    """
    if _is_missing(n):
        return None
    k = _whole(n)
    if k == 0:
        return 0
    if k <= SUPPRESS_AT_OR_BELOW:
        return None
    # remainder 0-2 down, 3-4 up; integers never sit exactly half way between multiples of 5
    return ROUND_TO * ((k + ROUND_TO // 2) // ROUND_TO)


def is_publishable_n(n: object) -> bool:
    """Whether a statistic about `n` people (unrounded) may be shown."""
    if _is_missing(n):
        return False
    return _whole(n) > SUPPRESS_AT_OR_BELOW


def protect_stat(value: float | None, n: object) -> float | None:
    """`value` when it describes more than 7 people (unrounded `n`), else None ("*")."""
    if not is_publishable_n(n) or _is_missing(value):
        return None
    return value


def rounded_percentage(numerator: object, denominator: object) -> float | None:
    """100 * rounded numerator / rounded denominator; None when either is suppressed or den 0."""
    num, den = round_count(numerator), round_count(denominator)
    if num is None or den is None or den == 0:
        return None
    return 100.0 * num / den


def published_total(cells: Iterable[object]) -> int | None:
    """The total of a row or column as published: the sum of its ROUNDED cells.

    Suppressed cells (1-7, or already None) add nothing: the total then covers the visible
    cells only, so no hidden cell can be recovered as total minus the others. None when every
    cell is suppressed (there is nothing to add up, and "0" would be false). Cells may be raw
    counts or counts already rounded (rounding a multiple of 5 leaves it unchanged).
    """
    published = [round_count(c) for c in cells]
    visible = [c for c in published if c is not None]
    if not visible:
        return None if published else 0
    return sum(visible)


def _round_series(values: pd.Series) -> pd.Series:
    return pd.Series([round_count(v) for v in values], index=values.index, dtype="Int64")


def _publishable_mask(n_values: pd.Series) -> pd.Series:
    return pd.Series([is_publishable_n(v) for v in n_values], index=n_values.index, dtype=bool)


def protect_frame(
    frame: pd.DataFrame,
    *,
    count_columns: Sequence[str] = (),
    statistic_columns: Mapping[str, str] | None = None,
    percentage_columns: Mapping[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """A copy of `frame` with the whole rule set applied; the input is not changed.

    - `count_columns`: rounded with `round_count`, returned as nullable Int64 (<NA> = "*");
    - `statistic_columns`: {statistic column: column holding its number of people}; the
      statistic becomes NA where that number (before rounding) is 7 or fewer or missing;
    - `percentage_columns`: {percentage column: (numerator column, denominator column)};
      recomputed as 0-100 from the rounded parts, NA when either part is suppressed or the
      denominator is 0. A percentage may also be listed as a statistic.

    Every referenced column must exist (a typo in a query header must not silently publish).
    """
    statistic_columns = dict(statistic_columns or {})
    percentage_columns = dict(percentage_columns or {})
    referenced = set(count_columns) | set(statistic_columns) | set(statistic_columns.values())
    for pct, (num, den) in percentage_columns.items():
        referenced |= {pct, num, den}
    missing = sorted(referenced - set(frame.columns))
    if missing:
        raise KeyError(f"disclosure control refers to missing columns: {missing}")

    original = frame
    out = frame.copy()
    # Percentages first, from the original (unrounded) parts rounded here, so that a
    # numerator or denominator that is not itself a `_count` column is still rounded.
    for pct, (num, den) in percentage_columns.items():
        num_r, den_r = _round_series(original[num]), _round_series(original[den])
        ok = num_r.notna() & den_r.notna() & (den_r.fillna(0) != 0)
        values = (100.0 * num_r.astype("Float64") / den_r.astype("Float64")).where(ok, pd.NA)
        out[pct] = values.astype("Float64")
    # Statistics on the UNROUNDED n (the original frame), before counts are rounded.
    for col, n_col in statistic_columns.items():
        keep = _publishable_mask(original[n_col])
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = pd.to_numeric(out[col]).astype("Float64").where(keep, pd.NA)
        else:
            out[col] = out[col].astype(object).where(keep, None)
    for col in count_columns:
        out[col] = _round_series(original[col])
    return out


def protect_record(
    values: Mapping[str, object],
    *,
    n: object,
    count_fields: Iterable[str] = (),
) -> dict[str, object]:
    """Disclosure control for one group's summary computed in Python (e.g. a paired change).

    Every field describes the same `n` people: counts in `count_fields` are rounded, every
    other numeric field is suppressed (None) when `n` is 7 or fewer. Non-numeric fields
    (labels) are kept.
    """
    counts = set(count_fields)
    out: dict[str, object] = {}
    publishable = is_publishable_n(n)
    for key, value in values.items():
        if key in counts:
            out[key] = round_count(value)
        elif isinstance(value, Real) and not isinstance(value, bool):
            out[key] = value if publishable and not _is_missing(value) else None
        else:
            out[key] = value
    return out


# --- Publishing statistics without pinning n (measures.md, "Small numbers") ---------------

#: A share is not published when its ROUNDED denominator is below this: with counts rounded
#: to 5, a share of 10 can be 25 points out (9 of 11 is 82% but reads 10 of 10, 100%).
MIN_SHARE_DENOMINATOR = 20
SMALL_DENOMINATOR_REASON = (
    f"Not shown: fewer than {MIN_SHARE_DENOMINATOR} people (after rounding) to take a share "
    "of, so rounding could move it by a quarter or more."
)
#: Means and other statistics are published to this many decimals, so they do not pin n.
PUBLISHED_DECIMALS = 1


def published_share(numerator: object, denominator: object) -> float | None:
    """A publishable percentage: from the rounded parts, and None ("*") when either part is
    suppressed or the rounded denominator is under MIN_SHARE_DENOMINATOR."""
    den = round_count(denominator)
    if den is None or den < MIN_SHARE_DENOMINATOR:
        return None
    return rounded_percentage(numerator, denominator)


def published_share_interval(
    numerator: object, denominator: object, level: float = 0.95
) -> tuple[float, float] | None:
    """A Wilson interval (as percentages) computed from the ROUNDED parts, so that neither the
    hidden count nor the true n can be recovered from it; None when the share is not
    published."""
    if published_share(numerator, denominator) is None:
        return None
    from wellpath.stats import wilson_interval

    num, den = round_count(numerator), round_count(denominator)
    low, high = wilson_interval(int(num), int(den), level)  # type: ignore[arg-type]
    return 100.0 * low, 100.0 * high


def p_value_band(p: object) -> str | None:
    """An exact p-value gives n away (Wilcoxon's 0.0546875 is n = 9): publish its band only."""
    if _is_missing(p):
        return None
    value = float(p)  # type: ignore[arg-type]
    for cut in (0.001, 0.01, 0.05):
        if value < cut:
            return f"p < {cut:g}"
    return "p \u2265 0.05"


def published_statistic(
    value: object, n: object, decimals: int = PUBLISHED_DECIMALS
) -> float | None:
    """A mean, median or interval limit about `n` people (unrounded) as published: None when
    n is 7 or fewer, else rounded half-up to `decimals` so that n x mean does not pin n."""
    if not is_publishable_n(n) or _is_missing(value):
        return None
    from wellpath.formats import round_half_up

    return round_half_up(float(value), decimals)  # type: ignore[arg-type]


def secondary_suppress(cells: Mapping[str, object], parent_total: object) -> dict[str, int | None]:
    """Publishable cells of one parent (e.g. practices in the service, conditions of a
    practice): each rounded, and also suppressed when the rest of its parent is 1-7 people,
    since then "parent minus the others" gives the cell away. When one cell is suppressed,
    the next smallest visible cell is suppressed too, so a single hidden cell cannot be
    found by subtracting the others from the parent's total."""
    raw = {k: (None if _is_missing(v) else _whole(v)) for k, v in cells.items()}
    total = None if _is_missing(parent_total) else _whole(parent_total)
    out: dict[str, int | None] = {k: round_count(v) for k, v in raw.items()}
    if total is not None:
        for k, v in raw.items():
            if v is not None and 0 < total - v <= SUPPRESS_AT_OR_BELOW:
                out[k] = None
    hidden = [k for k, v in raw.items() if v and out[k] is None]
    if len(hidden) == 1 and total is not None:
        visible = [k for k, v in raw.items() if out[k] not in (None, 0)]
        if visible:
            smallest = min(visible, key=lambda k: raw[k] or 0)
            out[smallest] = None
    return out
