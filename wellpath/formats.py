"""How every value is written for people: on pages, in charts, packs, reports and CSVs.

One module, so that a figure reads the same everywhere:

- `SUPPRESSED` ("*") means hidden by disclosure control, and nothing else;
- `NO_DATA` (an en dash) means there is nothing to show (a 0/0 share, the SD of one pair, a
  median with nobody seen); `NO_DATA_HELP` says so for a tooltip;
- numbers are rounded half-up (5/8 is 62.5%, shown as 63%; 22.5 minutes as 23), as people
  and Excel expect, not half-to-even as Python's `round` and f-strings do;
- dates are UK style without a leading zero (3 Apr 2025), months as "Apr 2025";
- text from the data is shown as text: `plain_text` escapes Markdown, `csv_safe` neutralises
  spreadsheet formulas in downloads.

`display_value` turns a raw value and its protected twin into the text shown: the raw value
says whether there was anything (dash if not), the protected one whether it may be shown
(`*` if not).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import weakref
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import numpy as np
import pandas as pd

SUPPRESSED = "*"
SUPPRESSED_HELP = (
    "Hidden by disclosure control: it counts or describes 7 or fewer people, or would let "
    "such a number be worked out."
)
NO_DATA = "\u2013"
NO_DATA_HELP = "No data: nothing to count or average for these filters and this period."


def is_missing(value: object) -> bool:
    """None, NaN, pandas NA/NaT: the one test for "there is no value"."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value)) if not isinstance(value, str | bytes) else False
    except (TypeError, ValueError):
        return False


def round_half_up(value: float, digits: int = 0) -> float:
    """`value` rounded to `digits` decimals, halves away from zero (2.5 -> 3, -2.5 -> -3).

    Goes through the shortest decimal repr of the float, so 0.625 (exact in binary) and
    62.5 round up as written, and 2.675 (stored as 2.67499...) rounds as people read it."""
    try:
        exact = Decimal(repr(float(value)))
    except (InvalidOperation, ValueError):
        return float(value)
    quantum = Decimal(1).scaleb(-digits)
    return float(exact.quantize(quantum, rounding=ROUND_HALF_UP))


def fmt_number(value: object, digits: int = 1, suffix: str = "", missing: str = NO_DATA) -> str:
    """A number with thousands separators, rounded half-up; `missing` when there is none."""
    if is_missing(value):
        return missing
    rounded = round_half_up(float(value), digits)  # type: ignore[arg-type]
    if rounded == 0:
        rounded = 0.0  # no "-0.0"
    return f"{rounded:,.{digits}f}{suffix}"


def fmt_count(value: object, missing: str = SUPPRESSED) -> str:
    """A count of people or events. A protected count that is missing was suppressed."""
    if is_missing(value):
        return missing
    return f"{int(round_half_up(float(value), 0)):,}"  # type: ignore[arg-type]


def fmt_pct(value: object, digits: int = 0, missing: str = NO_DATA) -> str:
    """A percentage already on the 0-100 scale: 62.5 -> '63%'."""
    return fmt_number(value, digits, "%", missing=missing)


def fmt_signed(value: object, digits: int = 1, suffix: str = "", missing: str = NO_DATA) -> str:
    """A change with its sign: +9.4, -1.5 (with a true minus sign), 0.0."""
    if is_missing(value):
        return missing
    text = fmt_number(value, digits, suffix)
    if text.startswith("-"):
        return "\u2212" + text[1:]
    return text if round_half_up(float(value), digits) == 0 else "+" + text  # type: ignore[arg-type]


def fmt_gbp(value: object, digits: int = 0, missing: str = NO_DATA) -> str:
    """Pounds: £1,234 and -£108 (sign before the pound sign)."""
    if is_missing(value):
        return missing
    text = fmt_number(abs(float(value)), digits)  # type: ignore[arg-type]
    sign = "\u2212" if round_half_up(float(value), digits) < 0 else ""  # type: ignore[arg-type]
    return f"{sign}£{text}"


def to_date(value: object) -> dt.date | None:
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    raise TypeError(f"not a date: {value!r}")


def uk_date(value: object, missing: str = "") -> str:
    """3 Apr 2025 (no leading zero), the house style for dates."""
    d = to_date(value)
    if d is None:
        return missing
    return f"{d.day} {d:%b %Y}"


def uk_month(value: object, missing: str = "") -> str:
    """Apr 2025: a month, never written as the date of its first day."""
    d = to_date(value)
    if d is None:
        return missing
    return f"{d:%b %Y}"


def period_label(start: dt.date, end: dt.date) -> str:
    return f"{uk_date(start)} to {uk_date(end)}"


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 person', '2 people', '1 was discharged' and the like: correct English for n = 1."""
    word = one if n == 1 else (many or f"{one}s")
    return f"{n:,} {word}"


def display_value(
    raw: object,
    protected: object,
    formatter: Callable[[object], str] = fmt_number,
) -> str:
    """The text for one cell: dash when there was no value, `*` when disclosure control hid
    it, else the formatted protected value."""
    if is_missing(raw):
        return NO_DATA
    if is_missing(protected):
        return SUPPRESSED
    return formatter(protected)


def display_column(
    raw: pd.Series, protected: pd.Series, formatter: Callable[[object], str] = fmt_number
) -> pd.Series:
    """`display_value` down a column (raw and protected aligned on the index)."""
    return pd.Series(
        [
            display_value(r, p, formatter)
            for r, p in zip(raw, protected.reindex(raw.index), strict=True)
        ],
        index=raw.index,
        dtype=object,
    )


def stat_text(value: object, n: object, formatter: Callable[[object], str] = fmt_number) -> str:
    """A statistic about `n` people as read from a protected query: `*` when the count
    itself was suppressed (so the statistic was too), a dash when there was nobody or no
    value, else the formatted value."""
    if is_missing(n):
        return SUPPRESSED
    if float(n) == 0 or is_missing(value):  # type: ignore[arg-type]
        return NO_DATA
    return formatter(value)


# --- text from the data -------------------------------------------------------------------
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def plain_text(value: object) -> str:
    """A value from the data made safe to place inside Markdown: every Markdown and HTML
    character escaped, so a practice called `![x](http://...)` shows as those characters and
    fetches nothing."""
    if is_missing(value):
        return ""
    text = str(value).replace("\r", " ").replace("\n", " ")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe (the
    OWASP rule): `=HYPERLINK(...)`, `+cmd|...`, `-2+3`, `@SUM(...)`, tab or carriage return.
    Numbers are left alone (a negative change stays a number)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell (and header) neutralised by `csv_safe_cell`."""
    out = frame.copy()
    out.columns = [csv_safe_cell(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(csv_safe_cell)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A download: formulas neutralised, UTF-8 with a byte-order mark so Excel reads the
    pound sign and the dash."""
    return csv_safe(frame).to_csv(index=False).encode("utf-8-sig")


def _one_text_per_key(values: pd.Series) -> bool:
    """Whether values that pd.factorize counts as one always print as one: dates, whole
    numbers, text, and floats other than zero (0.0 and -0.0 are one key)."""
    kind = values.dtype.kind
    if kind in "Miu":
        return True
    if kind == "f":
        return not bool((values == 0).any())
    if kind == "O":
        return pd.api.types.infer_dtype(values, skipna=True) == "string"
    return False


def format_each(values: pd.Series, fmt: Callable[[object], str]) -> pd.Series:
    """values.map(fmt), with fmt called once per distinct value for dates and whole numbers:
    a national list of 62,000 people has a few hundred distinct dates, and formatting every
    cell took about a second of a page. Text (codes to label) and floats with no zero are
    formatted once per distinct value too. Other kinds (floats with a zero, where 0.0 and
    -0.0 are one key but may print differently; mixed objects) are mapped cell by cell."""
    if len(values) < 2 or not _one_text_per_key(values):
        return values.map(fmt)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    texts = [fmt(v) for v in distinct]
    if (codes < 0).any():
        texts.append(fmt(values[codes < 0].iloc[0]))  # the missing value, as given
    return pd.Series(np.asarray(texts, dtype=object)[codes], index=values.index, dtype=object)


def readable_frame(
    frame: pd.DataFrame,
    headers: Mapping[str, str],
    formatters: Mapping[str, Callable[[object], str]] | None = None,
) -> pd.DataFrame:
    """The columns named in `headers`, in that order, renamed to plain English, each cell
    formatted by `formatters` where given (a table or CSV as people read it)."""
    formatters = formatters or {}
    out = pd.DataFrame(index=frame.index)
    for col, header in headers.items():
        values = frame[col]
        fmt = formatters.get(col)
        out[header] = format_each(values, fmt) if fmt is not None else values
    return out.reset_index(drop=True)


# The bytes of each download frame, built once: a view's result is cached (data.cached_view)
# and every session gets the very same frame objects back, so a second press of a download
# (by this user or another; ui.download writes the CSV only when the button is pressed) of a
# national list (a 62,000-row waiting list, 27,000 worker-months) need not write it again.
# Keyed by the frame object, and dropped when it is.
_CSV_ONCE: dict[int, bytes] = {}
_CSV_ONCE_LOCK = threading.Lock()


def csv_bytes_once(frame: pd.DataFrame) -> bytes:
    """csv_bytes(frame), computed on the first call for this frame object only."""
    key = id(frame)
    with _CSV_ONCE_LOCK:
        found = _CSV_ONCE.get(key)
    if found is not None:
        return found
    data = csv_bytes(frame)
    with _CSV_ONCE_LOCK:
        if key not in _CSV_ONCE:
            # the id is free again once the frame is gone: forget its bytes then
            weakref.finalize(frame, _CSV_ONCE.pop, key, None)
            _CSV_ONCE[key] = data
        return _CSV_ONCE[key]
