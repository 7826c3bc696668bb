"""Audit of the publishable view: every page, every element a commissioner can see or download.

As a signed-in commissioner (the rounded role), every page the commissioner may open
(shell.PAGES filtered by access.may_open) is run (AppTest) for (a) all practices, (b) one
small practice (A86026, Throckley, ~6,900 patients) and (c) one condition (IBS), on the demo
world; so is the commissioner report (wellpath.report, as HTML) for all practices and for a
commissioner of that one practice. Every element is read: metrics (and their help), text,
tables, chart traces (values, text labels, hover data) and the CSV of every download button.
It fails (saying page, element and text) on:
- a count of people or events that is not "*", 0 or a multiple of 5 of at least 10; a
  pseudonym or person-level table;
- an interval shown beside or under a suppressed `*` figure (a metric "*" with "95% CI 27% to
  81%" in its help or the caption under it; a table or CSV row whose share, mean or change
  is suppressed but whose interval columns are not) (issue 10, "Intervals leak");
- an exact p-value: a p written as a number ("p = 0.0546875", "0.0547" in a p-value column)
  rather than a band ("p < 0.001", "p < 0.01", "p < 0.05", "p ≥ 0.05").

Numbers are only judged where they are known to be counts, so that years, dates, scores,
percentages, thresholds ("40 or more", "within 6 weeks") and durations ("18 months") are not
mistaken for them:
- text: a number directly followed by a noun counting people or events ("30 people",
  "**50** people moved", "7 rejected", "(n=5)", "10 of 25 closed goals"), not followed by
  "or more"/"or fewer";
- metrics whose label names a count (COUNT_METRIC_WORDS) and whose value is a bare integer;
- table columns whose header names a count (COUNT_HEADER_WORDS) without a share, mean,
  median, interval or unit in it;
- chart traces on a "(number)" or "People" axis, hover data a template calls people,
  referrals or goals, and heatmap cell labels of people;
- CSV downloads: columns ending in `_count` (except model output such as expected_count)
  and the few count columns named otherwise.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, UnknownElement

from tests.app.conftest import DASHBOARD, apply_sidebar, as_role, dashboard_pages
from wellpath import access, shell
from wellpath.scope import Filters

COMMISSIONER = as_role("commissioner")
# Whole months, as the sidebar offers them (a rounded scope is served whole months only).
PERIOD = {"start_date": dt.date(2025, 11, 1), "end_date": dt.date(2026, 10, 31)}
CASES = {
    "all practices": {},
    "small practice": {"practice_codes": ("A86026",)},
    "one condition": {"conditions": ("ibs",)},
}

COUNT_NOUNS = (
    r"people|persons?|referrals?|referred|episodes?|contacts?|goals?|pairs?|rows?|rejected|"
    r"records?|flags?|forms?|baselines?|follow-ups?|discharges?|plans?|patients|"
    r"are still|were discharged|have a|had a|moved|stayed"
)
# a number, optionally bold, followed by a count noun (up to two words between, e.g.
# "30 (38%) have", "40 are still", "10 were discharged") and not by a threshold phrase
TEXT_COUNT = re.compile(
    r"(?<![\w.,£+\-−/:])(?<!to )\**(\d[\d,]*)\**(?![\d.,%:])(?!\s*(?:or more|or fewer|or less|\+|"
    r"-\d|to \d|days?|weeks?|months?|years?|hours?|h\b|min|points?|%|GBP|FTE|"
    r"contacts? is typical|baseline months?))"
    r"\s+(?:(?:\([^)]*\)\s+)?(?:of the\s+)?(?:" + COUNT_NOUNS + r"))\b"
)
N_EQUALS = re.compile(r"\bn\s*=\s*(\d[\d,]*)")
# An interval written out: "95% CI 27% to 81%", "(95% interval 3.1 to 7.4)", "CI: 2 to 5".
INTERVAL = re.compile(
    r"(?:\bCI\b|\binterval\b)[^0-9\n]{0,12}[-\u2212+]?\d[\d.,]*\s*%?\s*(?:to|-|\u2013|,)\s*"
    r"[-\u2212+]?\d"
)
# A suppressed figure with an interval beside it in one text: "* (95% CI 27% to 81%)".
STAR_THEN_INTERVAL = re.compile(
    r"(?<![*\w])\*(?!\*)[^*\n]{0,40}?(?:\bCI\b|\binterval\b)[^0-9\n]{0,12}\d"
)
# A p-value: only the bands may be published.
P_VALUE = re.compile(r"\bp\s*(?:-value)?\s*(=|<|>|\u2264|\u2265|<=|>=)\s*(\d*\.?\d+)", re.I)
P_BANDS = {("<", "0.001"), ("<", "0.01"), ("<", "0.05"), ("\u2265", "0.05"), (">=", "0.05")}
INTERVAL_HEADER = re.compile(
    r"interval|\bci\b|ci_|_ci|\blow\b|\bhigh\b|_low|_high|lower|upper", re.I
)
FIGURE_HEADER = re.compile(r"%|share|pct|mean|median|change|rate|achieved|improved", re.I)
P_HEADER = re.compile(r"^p\b|p[_ -]?value|wilcoxon|significance", re.I)
SUPPRESSED_CELL = {"*", "\\*"}
N_PEOPLE = re.compile(r"\((\d[\d,]*) (?:people|pairs|episodes)\)")

COUNT_METRIC_WORDS = (
    "Referrals received",
    "Accepted",
    "On the caseload",
    "Waiting",
    "People",
    "Still awaiting",
    "Attended contacts",
    "Goals",
    "Records to check",
    "Rows rejected",
    "Episodes",
)
NOT_A_COUNT = ("median", "mean", "%", "rate", "share", "hours", "wait", "per ")

COUNT_HEADER_WORDS = (
    "people",
    "referrals",
    "referred",
    "seen",
    "still waiting",
    "episodes",
    "discharged",
    "contacts",
    "attended",
    "did not attend",
    "cancelled",
    "agreed",
    "closed",
    "achieved",
    "flagged",
    "out of",
    "rows",
    "engaged",
    "accepted",
    "with a baseline",
    "with a follow-up",
    "incomplete forms",
    "on the caseload",
    "more than 18 months",
    "this practice",
    "whole service",
)
NOT_A_COUNT_HEADER = (
    "%",
    "share",
    "mean",
    "median",
    "interval",
    "per ",
    "registered",
    "safe range",
    "fte",
    "minutes",
    "days",
    "months)",
    "rate",
    "pct",
    "gbp",
    "ci_",
    "_days",
    "_months",
    "points",
    "score",
)
#: Reference lines on count charts (SPC mean and limits, safe ranges): not counts.
REFERENCE_TRACES = ("Process limits", "Mean", "Target", "Safe range", "Near-limit")
CSV_COUNT_COLUMNS = {"episodes", "discharged", "rows_loaded", "rows_rejected"}
CSV_NOT_COUNTS = {"expected_count"}
PERSON_COLUMNS = ("pseudonym", "patient_id", "nhs_number", "patient")


def publishable(value: float) -> bool:
    """0, or a multiple of 5 of at least 10 (1-7 are never shown; 8-9 round to 10)."""
    return value == 0 or (value >= 10 and value % 5 == 0)


def number(text: str) -> float:
    return float(text.replace(",", ""))


# --- Reading a page --------------------------------------------------------------------------
def _decode(values: object) -> list:
    """Plotly's JSON arrays, plain or typed (base64 'bdata'), as a flat list."""
    if isinstance(values, dict) and "bdata" in values:
        arr = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
        return arr.tolist()
    if isinstance(values, list):
        out: list = []
        for v in values:
            out.extend(_decode(v) if isinstance(v, list | dict) else [v])
        return out
    return [] if values is None else [values]


def elements(node: object) -> Iterator[object]:
    if isinstance(node, Block) or (hasattr(node, "children") and node.type != "dataframe"):
        for child in getattr(node, "children", {}).values():
            yield from elements(child)
        return
    yield node


class Page:
    """Everything a page shows, gathered for the checks."""

    def __init__(self, at: AppTest, downloads: list[tuple[str, bytes]]) -> None:
        self.texts: list[str] = []
        self.metrics: list[tuple[str, str]] = []
        self.tables: list[pd.DataFrame] = []
        self.charts: list[dict] = []
        self.downloads = downloads
        # (metric label, its help, the text drawn right after it): where its interval would be
        self.metric_context: list[tuple[str, str, str, str]] = []
        last_metric: list[str] | None = None
        for el in elements(at._tree):
            kind = getattr(el, "type", "")
            text = None
            if kind == "dataframe":
                self.tables.append(el.value)
            elif kind == "metric":
                self.metrics.append((el.label, str(el.value)))
                self.texts.append(f"{el.label}: {el.value}")
                helptext = str(getattr(el.proto, "help", "") or "")
                if helptext:
                    self.texts.append(helptext)
                last_metric = [el.label, str(el.value), helptext, ""]
                self.metric_context.append(last_metric)  # type: ignore[arg-type]
                continue
            elif kind == "plotly_chart":
                self.charts.append(json.loads(el.proto.spec))
            elif isinstance(el, UnknownElement):
                continue
            elif isinstance(getattr(el, "value", None), str):
                text = el.value
                self.texts.append(text)
            if last_metric is not None and text is not None and not last_metric[3]:
                last_metric[3] = text
            last_metric = None if text is None else last_metric

    def problems(self) -> list[str]:
        found: list[str] = []
        found += self._text_problems()
        found += self._metric_problems()
        found += self._interval_beside_star()
        found += [
            p for i, t in enumerate(self.tables) for p in self._table_problems(t, f"table {i + 1}")
        ]
        found += [p for c in self.charts for p in self._chart_problems(c)]
        for name, payload in self.downloads:
            if not str(name).endswith(".csv"):
                continue
            frame = pd.read_csv(io.BytesIO(payload), dtype=str, keep_default_na=False)
            found += self._csv_problems(frame, name)
        return found

    def _interval_beside_star(self) -> list[str]:
        out = []
        for label, value, helptext, after in getattr(self, "metric_context", []):
            if value.strip() not in SUPPRESSED_CELL:
                continue
            for where, text in (("help", helptext), ("caption under it", after)):
                if INTERVAL.search(text.replace("\\*", "*")):
                    out.append(
                        f"metric {label!r} is * but its {where} gives an interval: {text[:120]!r}"
                    )
        for text in self.texts:
            flat = text.replace("\\*", "*")
            for m in STAR_THEN_INTERVAL.finditer(flat):
                out.append(
                    f"text: interval beside a suppressed figure {m.group(0)!r} in {flat[:160]!r}"
                )
            out += [f"text: {problem} in {flat[:160]!r}" for problem in p_value_problems(flat)]
        return out

    def _text_problems(self) -> list[str]:
        out = []
        for text in self.texts:
            flat = text.replace("\\*", "*")
            for pattern in (TEXT_COUNT, N_EQUALS, N_PEOPLE):
                for m in pattern.finditer(flat):
                    if not publishable(number(m.group(1))):
                        out.append(f"text: {m.group(0)!r} in {flat[:160]!r}")
        return out

    def _metric_problems(self) -> list[str]:
        out = []
        for label, value in self.metrics:
            lowered = label.lower()
            if not label.startswith(COUNT_METRIC_WORDS) or any(w in lowered for w in NOT_A_COUNT):
                continue
            if re.fullmatch(r"\d[\d,]*", value) and not publishable(number(value)):
                out.append(f"metric {label!r} = {value}")
        return out

    def _table_problems(self, frame: pd.DataFrame, where: str) -> list[str]:
        out = []
        for col in frame.columns:
            if str(col).lower() in PERSON_COLUMNS:
                out.append(f"{where}: person-level column {col!r}")
        for col in frame.columns:
            header = str(col).lower()
            if not any(w in header for w in COUNT_HEADER_WORDS):
                continue
            if any(w in header for w in NOT_A_COUNT_HEADER):
                continue
            for cell in frame[col]:
                text = "" if cell is None else str(cell)
                if re.fullmatch(r"\d[\d,]*(\.0)?", text) and not publishable(number(text)):
                    out.append(f"{where}: column {col!r} shows {text}")
                for m in N_PEOPLE.finditer(text):
                    if not publishable(number(m.group(1))):
                        out.append(f"{where}: column {col!r} shows {text!r}")
        for col in frame.columns:
            if frame[col].dtype == object:
                for cell in frame[col].dropna().astype(str):
                    for m in TEXT_COUNT.finditer(cell):
                        if not publishable(number(m.group(1))):
                            out.append(f"{where}: {col!r} cell {cell[:80]!r}")
                    out += [
                        f"{where}: {col!r} cell {problem}" for problem in p_value_problems(cell)
                    ]
        out += interval_row_problems(frame, where)
        for col in frame.columns:
            if P_HEADER.search(str(col)):
                for cell in frame[col].astype(str):
                    if re.fullmatch(r"\s*\d*\.\d+(e-?\d+)?\s*", cell):
                        out.append(f"{where}: column {col!r} gives an exact p-value {cell}")
        return out

    def _chart_problems(self, spec: dict) -> list[str]:
        out = []
        layout = spec.get("layout", {})
        title = str(layout.get("title", {}).get("text", "")).split("<br>")[0]
        axis_title = {
            ax: str(layout.get(f"{ax}axis", {}).get("title", {}).get("text") or "")
            for ax in ("x", "y")
        }
        for trace in spec.get("data", []):
            horizontal = trace.get("orientation") == "h"
            value_axis = "x" if horizontal else "y"
            label = axis_title[value_axis]
            if trace.get("type") in ("bar", "scatter") and (
                "(number)" in label or label.startswith(("People", "Episodes"))
            ):
                name = str(trace.get("name") or "")
                unlabelled_line = not trace.get("hovertemplate") and trace.get("mode") == "lines"
                if name.startswith(REFERENCE_TRACES) or unlabelled_line:
                    continue
                for v in _decode(trace.get(value_axis)):
                    if v is None or (isinstance(v, float) and math.isnan(v)):
                        continue
                    if not publishable(float(v)):
                        out.append(f"chart {title!r} trace {trace.get('name')!r}: value {v}")
            template = str(trace.get("hovertemplate") or "")
            if re.search(
                r"%\{customdata(\[\d\])?\}\s*(people|referrals|of|closed)|n=%\{custom", template
            ):
                for v in _decode(trace.get("customdata")):
                    if isinstance(v, str) and re.fullmatch(r"\d[\d,]*", v):
                        v = number(v)
                    if isinstance(v, int | float) and not math.isnan(v) and not publishable(v):
                        out.append(f"chart {title!r}: hover count {v}")
            texts = _decode(trace.get("text"))
            people_cells = trace.get("type") == "heatmap" and "people" in template
            for cell in texts:
                cell = str(cell)
                whole = re.fullmatch(r"\d[\d,]*", cell)
                if people_cells and whole and not publishable(number(cell)):
                    out.append(f"chart {title!r}: cell {cell}")
                for m in list(TEXT_COUNT.finditer(cell)) + list(N_EQUALS.finditer(cell)):
                    if not publishable(number(m.group(1))):
                        out.append(f"chart {title!r}: label {cell!r}")
                m = re.fullmatch(r"(\d[\d,]*) \(\d+%\)", cell)
                if m and not publishable(number(m.group(1))):
                    out.append(f"chart {title!r}: label {cell!r}")
            for text in _decode(trace.get("hovertext")) + [template]:
                for m in TEXT_COUNT.finditer(str(text)):
                    if not publishable(number(m.group(1))):
                        out.append(f"chart {title!r}: hover {text!r}")
        for ann in layout.get("annotations", []) or []:
            for m in TEXT_COUNT.finditer(str(ann.get("text", ""))):
                if not publishable(number(m.group(1))):
                    out.append(f"chart {title!r}: note {ann.get('text')!r}")
        return out

    def _csv_problems(self, frame: pd.DataFrame, name: str) -> list[str]:
        out = self._table_problems(frame, f"download {name}")
        for col in frame.columns:
            is_count = (col.endswith("_count") and col not in CSV_NOT_COUNTS) or (
                col in CSV_COUNT_COLUMNS
            )
            if not is_count:
                continue
            for v in pd.to_numeric(frame[col], errors="coerce").dropna():
                if not publishable(float(v)):
                    out.append(f"download {name}: {col} = {v}")
        return out


def p_value_problems(text: str) -> list[str]:
    """Exact p-values in a text: any p written other than as one of the bands."""
    out = []
    for m in P_VALUE.finditer(text):
        sign, value = m.group(1), m.group(2)
        if (sign, value) not in P_BANDS:
            out.append(f"exact p-value {m.group(0)!r}")
    return out


def _blank(cell: object) -> bool:
    text = "" if cell is None else str(cell).strip()
    return text in ("", "nan", "None", "<NA>", "\u2013", "-")


def interval_row_problems(frame: pd.DataFrame, where: str) -> list[str]:
    """Rows whose share, mean or change is suppressed (or, in a CSV, left out) while the
    interval beside it is filled in. An interval column belongs to the nearest figure column
    before it (tables put "95% interval" after its share, CSVs ci_low/ci_high after theirs)."""
    columns = list(frame.columns)
    owner: dict[object, object] = {}
    figure = None
    for col in columns:
        if INTERVAL_HEADER.search(str(col)):
            if figure is not None:
                owner[col] = figure
        elif FIGURE_HEADER.search(str(col)):
            figure = col
    if not owner:
        return []
    csv = where.startswith("download")
    out = []
    for _, row in frame.iterrows():
        for interval, fig in owner.items():
            value = str(row[fig]).strip()
            hidden = value in SUPPRESSED_CELL or (csv and _blank(row[fig]))
            shown = not _blank(row[interval]) and str(row[interval]).strip() not in SUPPRESSED_CELL
            if hidden and shown:
                out.append(
                    f"{where}: row {str(row.iloc[0])[:40]!r} has {fig!r} suppressed but "
                    f"{interval!r} = {str(row[interval])[:40]!r}"
                )
    return out


def open_page(page: str, filters: dict) -> Page:
    downloads: list[tuple[str, bytes]] = []
    original = st.download_button

    def recording(label, data, *args, **kwargs):
        data = data() if callable(data) else data  # the bytes a click would download
        payload = data if isinstance(data, bytes) else str(data).encode("utf-8")
        downloads.append((kwargs.get("file_name", ""), payload))
        return original(label, data, *args, **kwargs)

    st.download_button = recording
    try:
        at = AppTest.from_file(str(DASHBOARD), default_timeout=180)
        apply_sidebar(at, COMMISSIONER, Filters(**{**PERIOD, **filters}))
        at.run()
        assert not at.exception, "\n".join("\n".join(e.stack_trace) for e in at.exception)
        at.switch_page(page)
        at.run()
        assert not at.exception, "\n".join("\n".join(e.stack_trace) for e in at.exception)
        return Page(at, downloads)
    finally:
        st.download_button = original


@pytest.fixture
def demo_app(demo_db: Path, use_db) -> None:
    use_db(demo_db)


# --- The checks themselves, on made-up text (so that the scanner is known to work) -----------
@pytest.mark.parametrize(
    "text, leak",
    [
        ("**314** people moved to a better band", True),
        ("**315** people moved to a better band", False),
        ("Of 80 people with a baseline, 30 (38%) have a follow-up, 40 are still", False),
        ("Of 80 people with a baseline, 30 (38%) have a follow-up, 7 are still", True),
        ("203,518 rows loaded, 7 rejected.", True),
        ("In total for the 95 people in this period", False),
        ("Throckley (n=6): +9.0", True),
        ("Services count a score of 40 or more as managing well", False),
        ("On the caseload for more than 18 months", False),
        ("6-12 contacts is typical of social prescribing", False),
        ("people with 10 or more GP appointments", False),
        ("**\\*** moved to a worse one and **12** people stayed", True),
        ("20.0 days (140 people)", False),
        ("20.0 days (6 people)", True),
        ("* : 1 to 7 referrals, hidden.", False),
        ("it needs at least 6 baseline months with 10 or more pairs", False),
        # intervals beside a suppressed figure, and exact p-values (issue 10)
        ("Improved by 5.5+ points: \\* (95% CI 27% to 81%)", True),
        ("Improved by 5.5+ points: 66% (95% CI 61% to 70%)", False),
        ("Wilcoxon signed-rank test: p = 0.0546875", True),
        ("change 9.3 points, p = 0.0547", True),
        ("change 9.3 points (p < 0.001)", False),
        ("no clear change (p \u2265 0.05)", False),
        ("p < 0.0547", True),
    ],
)
def test_scanner_finds_counts_in_text(text, leak):
    page = Page.__new__(Page)
    page.texts, page.metrics, page.tables, page.charts, page.downloads = [text], [], [], [], []
    assert bool(page.problems()) is leak, page.problems()


def test_scanner_reads_tables_charts_and_downloads():
    page = Page.__new__(Page)
    page.texts, page.metrics = [], [("Referrals received", "13")]
    page.tables = [pd.DataFrame({"Referrals": ["10", "*", "6"], "Share (%)": ["3", "4", "5"]})]
    page.charts = [
        {
            "layout": {"yaxis": {"title": {"text": "Referrals (number)"}}},
            "data": [{"type": "bar", "y": [10.0, None, 4.0]}],
        }
    ]
    page.downloads = [("x.csv", b"month,referral_count,expected_count\n1,3,2.5\n")]
    found = page.problems()
    assert any("metric" in p for p in found)
    assert any("column 'Referrals' shows 6" in p for p in found)
    assert not any("Share" in p for p in found)
    assert any("value 4.0" in p for p in found)
    assert any("referral_count = 3" in p for p in found)
    assert not any("expected_count" in p for p in found)


def test_scanner_finds_intervals_under_a_star_and_exact_p_values():
    page = Page.__new__(Page)
    page.texts, page.metrics, page.charts = [], [("Improved by 5.5+ points", "*")], []
    page.metric_context = [("Improved by 5.5+ points", "*", "", "95% CI 27% to 81%")]
    page.tables = [
        pd.DataFrame(
            {
                "Domain": ["Mind", "Body"],
                "Achieved (% of closed)": ["*", "40%"],
                "95% interval": ["27% to 81%", "30% to 50%"],
                "Wilcoxon p": ["p < 0.05", "0.0546875"],
            }
        )
    ]
    page.downloads = [
        ("x.csv", b"domain,achieved_pct,ci_low_pct,ci_high_pct\nMind,,26.665,81.122\nBody,,,\n")
    ]
    found = page.problems()
    assert any("metric 'Improved by 5.5+ points' is *" in p for p in found), found
    assert any("row 'Mind'" in p and "95% interval" in p for p in found), found
    assert not any("row 'Body'" in p for p in found), found
    assert any("exact p-value 0.0546875" in p for p in found), found
    assert any("download x.csv: row 'Mind'" in p and "ci_low_pct" in p for p in found), found


# --- Every page the commissioner may open, three views ---------------------------------------
def commissioner_pages() -> list[str]:
    return [p for p in dashboard_pages() if access.may_open(shell.page_stem(p), COMMISSIONER)]


def test_the_walk_covers_the_commissioners_pages():
    pages = commissioner_pages()
    assert "pages/overview.py" in pages and "pages/report.py" in pages
    assert "pages/mdt_meeting.py" not in pages and "pages/import_data.py" not in pages


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("page", commissioner_pages())
def test_no_small_counts_in_publishable_view(demo_app, page, case):
    shown = open_page(page, CASES[case])
    if page == "pages/methods.py":
        # static documentation (docs/methods.md): its numbers are rules and worked examples
        # ("7 people", "29 rows" of a conversion table), not figures from the data
        shown.texts = []
    problems = shown.problems()
    assert not problems, f"{page} ({case}):\n" + "\n".join(problems)


def html_page(document: str) -> Page:
    """The report's HTML read as a page: each paragraph, heading and list item a text, each
    table a frame (cells as shown)."""
    import html as html_lib

    page = Page.__new__(Page)
    page.metrics, page.charts, page.downloads, page.metric_context = [], [], [], []
    page.tables = []
    for table in re.findall(r"<table.*?</table>", document, flags=re.S):
        rows = [
            [
                html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)
            ]
            for tr in re.findall(r"<tr.*?</tr>", table, flags=re.S)
        ]
        if len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows):
            page.tables.append(pd.DataFrame(rows[1:], columns=rows[0]))
    # Scripts (plotly.js, the charts' data) are not text a reader sees; the charts are
    # checked where the report page draws them.
    body = re.sub(
        r"<table.*?</table>|<style.*?</style>|<script.*?</script>", "", document, flags=re.S
    )
    blocks = re.split(r"</?(?:p|li|h\d|div|figcaption|caption|dt|dd)[^>]*>", body)
    page.texts = [
        t for t in (html_lib.unescape(re.sub(r"<[^>]+>", " ", b)).strip() for b in blocks) if t
    ]
    return page


@pytest.mark.parametrize("practices", [(), ("A86026",)], ids=["all practices", "small practice"])
def test_commissioner_report_publishes_no_small_numbers(demo_app, practices):
    from wellpath import report

    viewer = as_role("commissioner", practices)
    built = report.build(Filters(**PERIOD), viewer=viewer, made_by="audit")
    shown = html_page(report.to_html(built))
    assert shown.texts and shown.tables, "the report's HTML was not read"
    problems = shown.problems()
    assert not problems, "commissioner report (HTML):\n" + "\n".join(problems)


# --- ...and still useful: one suppressed cell does not blank a whole-selection figure ---------
def test_publishable_view_keeps_whole_selection_rates(demo_app):
    # One condition (IBS): monthly DNA cells and some goal domains are 1-7, but the whole
    # selection's DNA and booked contacts, and its closed and achieved goals, are well above 7,
    # so the rates are shown (from the rounded totals, docs/methods.md "Disclosure").
    shown = open_page("pages/activity.py", CASES["one condition"])
    metrics = dict(shown.metrics)
    assert re.fullmatch(r"\d+\.\d%", metrics["Did not attend (DNA) rate"])
    assert re.fullmatch(r"\d+%", metrics["Closed goals achieved"])
    assert publishable(number(metrics["Goals closed"]))
    # Referrals for one condition: the page goes on past the headline (its charts are drawn)
    # although every practice-month cell is suppressed.
    referrals = open_page("pages/referrals.py", CASES["one condition"])
    titles = [str(c["layout"]["title"]["text"]).split("<br>")[0] for c in referrals.charts]
    assert "Referrals by referrer" in titles and "Referrals each month, by practice" in titles
    # All practices: the self-referral share is shown although some quarters' self-referral
    # cells are suppressed.
    everyone = dict(open_page("pages/referrals.py", CASES["all practices"]).metrics)
    assert re.fullmatch(r"\d+%", everyone["Self-referrals"])
