"""wellpath.formats: one way to write every value (half-up rounding, UK dates, * vs dash,
text from the data shown as text, spreadsheet formulas neutralised)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from wellpath import formats as f


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (62.5, 0, "63"),  # 5/8 as a percentage: half-to-even would give 62
        (22.5, 0, "23"),  # 22.5 minutes: half-to-even would give 22
        (0.125, 2, "0.13"),
        (2.675, 2, "2.68"),  # stored as 2.67499..., read by people as 2.675
        (-2.5, 0, "-3"),  # halves away from zero
        (1234567.0, 0, "1,234,567"),
        (-0.04, 1, "0.0"),  # no negative zero
    ],
)
def test_fmt_number_rounds_half_up(value: float, digits: int, expected: str) -> None:
    assert f.fmt_number(value, digits) == expected


def test_fmt_pct_and_count() -> None:
    assert f.fmt_pct(100 * 5 / 8) == "63%"
    assert f.fmt_count(12345) == "12,345"
    assert f.fmt_count(None) == f.SUPPRESSED  # a protected count that is missing was hidden
    assert f.fmt_pct(None) == f.NO_DATA  # a share with nothing to divide is no data
    assert f.fmt_number(float("nan")) == f.NO_DATA


def test_signed_and_pounds_use_a_true_minus() -> None:
    assert f.fmt_signed(9.44) == "+9.4"
    assert f.fmt_signed(-1.52) == "\u22121.5"
    assert f.fmt_signed(0.04) == "0.0"
    assert f.fmt_gbp(-108.4) == "\u2212£108"
    assert f.fmt_gbp(42606) == "£42,606"


def test_suppressed_and_no_data_are_different_marks() -> None:
    assert f.SUPPRESSED == "*"
    assert f.NO_DATA != f.SUPPRESSED
    assert f.display_value(None, None) == f.NO_DATA  # nothing there to begin with
    assert f.display_value(12.3, None) == f.SUPPRESSED  # there, but hidden
    assert f.display_value(12.34, 12.34) == "12.3"
    raw = pd.Series([1.0, math.nan, 3.0])
    shown = pd.Series([math.nan, math.nan, 3.0])
    assert f.display_column(raw, shown).tolist() == [f.SUPPRESSED, f.NO_DATA, "3.0"]


def test_uk_dates_and_months() -> None:
    assert f.uk_date(dt.date(2025, 4, 3)) == "3 Apr 2025"
    assert f.uk_date(pd.Timestamp("2025-12-01")) == "1 Dec 2025"
    assert f.uk_month(dt.date(2025, 12, 1)) == "Dec 2025"
    assert f.uk_date(None) == ""
    assert f.plural(1, "person", "people") == "1 person"
    assert f.plural(2, "person", "people") == "2 people"


def test_plain_text_escapes_markdown_and_html() -> None:
    shown = f.plain_text("![x](http://evil.example/a.png) <script>alert(1)</script> *bold*")
    assert "![" not in shown and "](" not in shown
    assert "<script>" not in shown
    assert "\\*bold\\*" in shown


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tx", "\rx"]
)
def test_csv_safe_neutralises_formulas(cell: str) -> None:
    out = f.csv_safe(pd.DataFrame({"name": [cell], "change": [-1.5]}))
    assert out["name"].iloc[0] == "'" + cell
    assert out["change"].iloc[0] == -1.5  # numbers untouched
    text = f.csv_bytes(pd.DataFrame({"name": [cell]})).decode("utf-8-sig")
    assert "\n'" in text.replace("\r\n", "\n") or "\"'" in text


def test_readable_frame_renames_orders_and_formats() -> None:
    frame = pd.DataFrame({"b_count": [10], "a_pct": [62.5], "extra": [1]})
    out = f.readable_frame(
        frame, {"a_pct": "Accepted (%)", "b_count": "Referrals"}, {"a_pct": f.fmt_pct}
    )
    assert list(out.columns) == ["Accepted (%)", "Referrals"]
    assert out.iloc[0].tolist() == ["63%", 10]


def test_stat_text_tells_suppressed_from_no_data() -> None:
    assert f.stat_text(20.0, None) == f.SUPPRESSED  # its count was hidden, so is it
    assert f.stat_text(None, 0) == f.NO_DATA  # nobody seen: nothing to take a median of
    assert f.stat_text(20.0, 15) == "20.0"


def test_csv_bytes_once_are_csv_bytes_built_once_per_frame():
    # A warm run gets the cached view's very frame back: its download is not written again.
    import gc

    import pandas as pd

    from wellpath import formats

    frame = pd.DataFrame({"practice": ["A86012", "=cmd"], "people": [12, 7]})
    first = formats.csv_bytes_once(frame)
    assert first == formats.csv_bytes(frame)  # the same bytes, formula-safe
    assert formats.csv_bytes_once(frame) is first  # not built again
    other = pd.DataFrame({"practice": ["B"], "people": [1]})
    assert formats.csv_bytes_once(other) == formats.csv_bytes(other)
    key = id(frame)
    del frame
    gc.collect()
    assert key not in formats._CSV_ONCE  # forgotten with its frame


def test_format_each_is_map_with_one_call_per_distinct_date_or_whole_number():
    calls: list[object] = []

    def counted(value: object) -> str:
        calls.append(value)
        return f.uk_date(value, missing="none")

    dates = pd.Series(pd.to_datetime(["2025-04-03", None, "2025-04-03", "2026-01-31", None]))
    assert (
        f.format_each(dates, counted).tolist()
        == dates.map(lambda v: f.uk_date(v, missing="none")).tolist()
        == ["3 Apr 2025", "none", "3 Apr 2025", "31 Jan 2026", "none"]
    )
    assert len(calls) == 3  # two dates and the missing value, once each
    whole = pd.Series([1200, 5, 1200, None], dtype="Int64")
    assert f.format_each(whole, f.fmt_count).tolist() == whole.map(f.fmt_count).tolist()
    # floats with a zero go cell by cell (0.0 and -0.0 are one key but may print differently)
    signed = pd.Series([0.0, -0.0, 1.25])
    assert f.format_each(signed, f.fmt_signed).tolist() == signed.map(f.fmt_signed).tolist()
    # floats with no zero, and text, once per distinct value (a missing one as given)
    calls.clear()

    def one_decimal(value: object) -> str:
        calls.append(value)
        return f.fmt_number(value, 1)

    months = pd.Series([18.25, float("nan"), 18.25, 2.675, -3.05])
    assert f.format_each(months, one_decimal).tolist() == ["18.3", "\u2013", "18.3", "2.7", "-3.1"]
    assert len(calls) == 4
    codes = pd.Series(["ibs", None, "ibs", "chronic_pain"], dtype=object)
    assert f.format_each(codes, lambda c: f"<{c}>").tolist() == [
        "<ibs>",
        "<None>",
        "<ibs>",
        "<chronic_pain>",
    ]
    mixed = pd.Series(["1", 1, None], dtype=object)  # not all text: cell by cell
    assert f.format_each(mixed, repr).tolist() == ["'1'", "1", "None"]
    index = pd.Series(pd.to_datetime(["2025-01-01", "2025-01-02"]), index=[7, 3])
    assert f.format_each(index, f.uk_date).index.tolist() == [7, 3]
