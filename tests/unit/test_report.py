"""The commissioner's report (wellpath/report.py): always publishable, every figure the same
number as on its page, nothing person-level, script text in the data shown as text, and the
command line writing it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
import streamlit as st

from wellpath import __main__ as cli
from wellpath import report
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters, Scope
from wellpath.views import data_quality, healthcare, overview, referrals
from wellpath.views import outcomes as outcome_views

PERIOD = Filters(dt.date(2025, 4, 1), dt.date(2026, 3, 31))
MADE_AT = dt.datetime(2026, 4, 2, 9, 30)
SCRIPT_NAME = "<script>alert('x')</script> Surgery"


class _Parsed(HTMLParser):
    """Text of the document outside <script>/<style>, the text of every element whose class
    includes 'count', and each table as rows of cell texts, by the <h3> title before it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.counts: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._skip = 0
        self._count_depth: list[int] = []
        self._depth = 0
        self._buffer: list[str] | None = None
        self._title = ""
        self._in_h3 = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self._depth += 1
        classes = (dict(attrs).get("class") or "").split()
        if tag in ("script", "style"):
            self._skip += 1
        if "count" in classes:
            self._count_depth.append(self._depth)
            self._buffer = []
        if tag == "h3":
            self._in_h3, self._title = True, ""
        if tag == "table":
            self.tables[self._title] = []
        if tag == "tr":
            self._row = []
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in ("script", "style"):
            self._skip -= 1
        if self._count_depth and self._count_depth[-1] == self._depth:
            self._count_depth.pop()
            self.counts.append("".join(self._buffer or []).strip())
            self._buffer = None
        if tag == "h3":
            self._in_h3 = False
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.tables[self._title].append(self._row)
            self._row = None
        self._depth -= 1

    def handle_data(self, data):  # noqa: ANN001
        if self._skip:
            return
        self.text.append(data)
        if self._buffer is not None:
            self._buffer.append(data)
        if self._in_h3:
            self._title += data
        if self._cell is not None:
            self._cell.append(data)


def parse(document: str) -> _Parsed:
    parsed = _Parsed()
    parsed.feed(document)
    return parsed


def _clear() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def demo_report(demo_db: Path):
    """The report on the demo world, made by a programme lead (full access), and its HTML."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WELLPATH_DB", str(demo_db))
    _clear()
    made = report.build(PERIOD, viewer=FULL_ACCESS, made_by="Jo Lead", made_at=MADE_AT)
    yield made, report.to_html(made)
    mp.undo()
    _clear()


@pytest.fixture
def on_demo(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WELLPATH_DB", str(demo_db))
    return demo_db


# --------------------------------------------------------------------------- scope
def test_report_scope_is_always_publishable():
    assert report.report_scope(FULL_ACCESS) == PUBLISHABLE
    assert report.report_scope(None) == PUBLISHABLE
    own = Scope(role="commissioner", practice_codes=("A86012", "A86013"), rounded=True)
    assert report.report_scope(own) == own
    widened = report.report_scope(Scope(role="commissioner", rounded=False))
    assert widened.rounded
    with pytest.raises(report.ReportRefused, match="practice"):
        report.report_scope(Scope(role="practice", practice_codes=("A86012",)))


def test_parse_period_reads_and_refuses():
    f = report.parse_period("2025-04-01:2026-03-31")
    assert (f.start_date, f.end_date) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        report.parse_period("April to March")
    with pytest.raises(ValueError, match="ends before it starts"):
        report.parse_period("2026-03-31:2025-04-01")


def test_css_string_cannot_close_the_style_element():
    from wellpath.report_html import css_string

    escaped = css_string('x"; } </style><script>alert(1)</script>')
    assert '"' not in escaped and "<" not in escaped and "}" not in escaped


# --------------------------------------------------------------------------- disclosure
def test_every_count_is_suppressed_zero_or_a_rounded_multiple_of_five(demo_report):
    _, document = demo_report
    counts = parse(document).counts
    assert len(counts) > 100  # headline cards and the count columns of every table
    for text in counts:
        value = text.removesuffix(" or more").replace(",", "")
        assert value in ("*", "0") or (int(value) % 5 == 0 and int(value) >= 10), text


def test_no_pseudonym_no_exact_p_value_no_person_statistics(demo_report, demo_db):
    _, document = demo_report
    text = " ".join(parse(document).text)
    con = duckdb.connect(str(demo_db), read_only=True)
    ids = [r[0] for r in con.execute("select patient_id from patients").fetchall()]
    con.close()
    assert len(ids) > 100
    leaked = [i for i in ids if i in document]
    assert leaked == []
    assert not re.search(r"\bp\s*[=<>≤]\s*0?\.\d", text)
    for banned in ("p-value", "Wilcoxon", "SRM", "standardised response", "SD of change"):
        assert banned not in text
    assert "Pseudonym" not in text


def test_programme_lead_gets_the_same_report_as_a_commissioner(demo_report, on_demo):
    made, document = demo_report
    publishable = report.build(PERIOD, viewer=PUBLISHABLE, made_by="Jo Lead", made_at=MADE_AT)
    assert made.scope_label == PUBLISHABLE.label
    assert parse(report.to_html(publishable)).text == parse(document).text


def test_nothing_is_fetched_from_the_internet(demo_report):
    _, document = demo_report
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)\s*=\s*['\"]?https?:", document)
    assert "cdn.plot.ly/plotly" not in document.split("<body>")[0]
    assert document.count('<script type="text/javascript">/**') <= 1  # plotly.js once


# --------------------------------------------------------------------------- same numbers
def _section(made: report.Report, key: str) -> report.Section:
    return next(s for s in made.sections if s.key == key)


def _figures(section: report.Section) -> dict[str, str]:
    return {b.label: b.value for b in section.blocks if isinstance(b, report.Figure)}


def test_figures_are_the_pages_figures(demo_report, on_demo):
    made, document = demo_report
    parsed = parse(document)
    service = overview.service(PUBLISHABLE, PERIOD)
    headline = _figures(_section(made, "headline"))
    for metric in service.metrics:
        assert headline[metric.label] == metric.value
    pseq = outcome_views.pseq_headline(PUBLISHABLE, PERIOD)
    assert headline["People paired"] == pseq.pairs
    assert headline["Mean change"] == f"{pseq.mean_change} points"
    # the Referrals page's own headline agrees with the Overview's
    ref_head = {m.label: m.value for m in referrals.headline(PUBLISHABLE, PERIOD).metrics}
    assert ref_head["Referrals received"] == headline["Referrals received"]
    assert (
        _figures(_section(made, "referrals"))["Accepted at triage"]
        == (ref_head["Accepted at triage"])
    )
    # the funnel plot's table, cell by cell
    rates = referrals.rates(PUBLISHABLE, PERIOD).table.frame
    shown = parsed.tables["Referral rates by practice"]
    assert shown[0] == [c for c in rates.columns]
    assert shown[1:] == rates.astype(str).values.tolist()
    # the Outcomes table's PSEQ row
    table = outcome_views.paired_change(PUBLISHABLE, PERIOD).table
    pseq_row = table[table["Questionnaire"].str.startswith("PSEQ")].iloc[0]
    outcome_rows = parsed.tables["Change in each questionnaire (start against latest follow-up)"]
    row = next(r for r in outcome_rows if r[0].startswith("PSEQ"))
    header = outcome_rows[0]
    assert row[header.index("Mean change (points)")] == pseq_row["Mean change (points)"]
    assert row[header.index("95% CI of change")] == pseq_row["95% CI of change"]
    assert row[header.index("People paired")] == pseq_row["People paired"]
    # the Data quality page's follow-up coverage
    dq = {m.label: m.value for m in data_quality.headline(PUBLISHABLE, PERIOD).metrics}
    name = data_quality.PSEQ_COVERAGE_NAME
    assert headline[name] == dq[name]
    assert _figures(_section(made, "data_quality"))[name] == dq[name]


def test_healthcare_figures_are_the_healthcare_pages(demo_report, on_demo):
    # The report's healthcare section is the Healthcare use page's figures for the same
    # (publishable) scope: before/after per measure, the comparison group's change and the
    # difference in differences, and the cost lines (the same total, not a second rounding).
    made, document = demo_report
    section = _section(made, "healthcare")
    window = report.HEALTHCARE_WINDOW
    use = healthcare.use_before_after(PUBLISHABLE, PERIOD, window=window)
    table = next(b.frame for b in section.blocks if isinstance(b, report.Table))
    assert len(table) == len(use.table) > 0
    compared = 0
    for shown, page in zip(table.to_dict("records"), use.table.to_dict("records"), strict=True):
        assert shown["People"] == page["People"]
        assert shown["Before"] == page["Before (mean per person)"]
        assert shown["After"] == page["After (mean per person)"]
        assert shown["Change (95% CI)"].startswith(page["Change per person"])
        if page["Change per person"] != "*":
            assert shown["Change (95% CI)"].endswith(f"({page['95% CI of change']})")
        key = next(k for k, label, _ in report.costs.USE_MEASURES if label == page["Measure"])
        figures = healthcare.comparison(PUBLISHABLE, PERIOD, window=window, measure=key).figures
        if figures is None:
            assert shown["Difference (95% CI)"] == report.formats.NO_DATA
            continue
        compared += 1
        download = healthcare.comparison(
            PUBLISHABLE, PERIOD, window=window, measure=key
        ).download.iloc[0]
        difference = next(v for c, v in download.items() if c.startswith("Difference in"))
        if difference:
            # the page's download has the number unsigned; the report signs it
            assert shown["Difference (95% CI)"].split(" ")[0].lstrip("+").replace(
                "\u2212", "-"
            ) == difference.replace("\u2212", "-")
        else:
            assert shown["Difference (95% CI)"] == "*"
    assert compared, "the demo world has a comparison group"
    texts = [b.text for b in section.blocks if isinstance(b, report.Text)]
    cost = healthcare.cost(PUBLISHABLE, PERIOD, window=window)
    assert cost.against_comparison in texts
    assert cost.lines[0] in texts and cost.lines[1] in texts
    assert use.people in section.summary
    assert "healthcare_use_before_after" not in Path(report.__file__).read_text()


def test_pseq_coverage_is_one_number_on_outcomes_and_data_quality(on_demo):
    # Holds on this world; on the demo built for 15 Apr 2026 the Outcomes line reads 39%
    # (185 of the query's rounded 470) and Data quality 40% (185 of the parts' 465).
    dq = {m.label: m.value for m in data_quality.headline(PUBLISHABLE, PERIOD).metrics}
    outcomes_line = outcome_views.coverage(PUBLISHABLE, PERIOD, measure="PSEQ").headline
    assert f"coverage: {dq[data_quality.PSEQ_COVERAGE_NAME]} " in outcomes_line


# --------------------------------------------------------------------------- script text
def test_script_text_in_a_practice_name_is_text(demo_db, tmp_path, monkeypatch):
    path = tmp_path / "named.duckdb"
    shutil.copy(demo_db, path)
    con = duckdb.connect(str(path))
    code = con.execute(
        "select practice_code from practices where practice_code in "
        "(select practice_code from referrals) order by 1 limit 1"
    ).fetchone()[0]
    con.execute(
        "update practices set practice_name = ? where practice_code = ?", [SCRIPT_NAME, code]
    )
    con.close()
    monkeypatch.setenv("WELLPATH_DB", str(path))
    _clear()
    try:
        document = report.to_html(report.build(PERIOD, made_by="<b>x</b>", made_at=MADE_AT))
    finally:
        _clear()
    assert "<script>alert" not in document
    assert "<b>x</b>" not in document
    parsed = parse(document)
    assert any(r[0] == SCRIPT_NAME for r in parsed.tables["Referral rates by practice"][1:])
    assert "Made by <b>x</b>" in " ".join(parsed.text)


# --------------------------------------------------------------------------- command line
def test_cli_writes_html(demo_db, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WELLPATH_DB", str(demo_db))  # main() sets it; restored after
    out = tmp_path / "report.html"
    code = cli.main(
        ["report", "--period", "2025-04-01:2026-03-31", "--out", str(out), "--db", str(demo_db)]
    )
    assert code == 0, capsys.readouterr().err
    document = out.read_text(encoding="utf-8")
    assert document.startswith("<!DOCTYPE html>")
    assert "Made by command line on" in document
    assert "1 Apr 2025 to 31 Mar 2026" in document
    assert "No runtime found" not in capsys.readouterr().err


def test_cli_refuses_bad_input(demo_db, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WELLPATH_DB", str(demo_db))
    args = ["report", "--db", str(demo_db)]
    assert cli.main([*args, "--period", "2025-04-01", "--out", str(tmp_path / "r.html")]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert cli.main([*args, "--period", "2025-04-01:2026-03-31", "--out", "r.docx"]) == 2
    assert ".html or .pdf" in capsys.readouterr().err
    missing = ["report", "--db", str(tmp_path / "none.duckdb"), "--period", "2025-04-01:2026-03-31"]
    assert cli.main([*missing, "--out", str(tmp_path / "r.html")]) == 2
