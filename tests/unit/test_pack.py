"""The MDT meeting pack: self-contained HTML that names the practice, the date and carries
the footer, and a PDF made by Chromium."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pandas as pd
import pytest

from wellpath import pack
from wellpath.charts import mdt as mdt_charts

MEETING = dt.date(2026, 6, 30)


def content(**overrides) -> pack.PackContent:
    months = pd.DataFrame(
        {
            "month_start_date": pd.date_range("2025-07-01", periods=12, freq="MS"),
            "referral_count": [0, 1, 0, 1, 1, 0, 2, 0, 1, 0, 1, 2],
            "accepted_count": [0, 1, 0, 1, 1, 0, 2, 0, 1, 0, 1, 0],
        }
    )
    changes = pd.DataFrame(
        {
            "patient_id": ["P-A06", "P-A01"],
            "baseline_score": [30.0, 22.0],
            "latest_score": [18.0, 30.0],
            "change_points": [-12.0, 8.0],
            "reliable": ["deteriorated", "improved"],
        }
    )
    people = pd.DataFrame(
        [
            {
                "Pseudonym": "P-A06",
                "Flags": "Reliably worse",
                "Status": "On the caseload",
                "Condition": "Chronic fatigue",
                "Referred by": "GP",
                "Referred": dt.date(2026, 1, 19),
                "Weeks waiting": None,
                "Weeks on caseload": 19,
                "Link worker": "Asha Khan",
                "Last contact": dt.date(2026, 6, 24),
                "Next review due": dt.date(2026, 9, 7),
                "Goals open": 1,
                "Goals achieved": 0,
                "PSEQ latest": 18.0,
                "PSEQ change": -12.0,
                "PSEQ reliable?": "Reliably worse",
                "Wellbeing measure": "SWEMWBS",
                "Wellbeing latest": 19.25,
                "Wellbeing change": 0.0,
                "Wellbeing reliable?": "Not assessed",
                "Missed contacts": 0,
            }
        ]
    )
    values = {
        "practice_name": "West Road Medical Centre",
        "practice_code": "A86012",
        "meeting_date": MEETING,
        "last_meeting_date": dt.date(2026, 6, 2),
        "period_label": "referrals up to 30 Jun 2026",
        "headline": pd.DataFrame(
            {"Measure": ["On the caseload"], "This practice": ["5"], "Whole service": ["6"]}
        ),
        "people": people,
        "figures": [
            mdt_charts.referrals_by_month(months, "West Road", "#005EB8", "Jul 2025 to Jun 2026"),
            mdt_charts.pseq_change(changes, "People on the list", 4.48),
        ],
        "generated_at": dt.datetime(2026, 6, 30, 9, 0),
    }
    values.update(overrides)
    return pack.PackContent(**values)


def test_html_names_practice_date_and_carries_the_footer():
    html = pack.build_html(content())
    assert "West Road Medical Centre" in html and "A86012" in html
    assert "Meeting date: 30 Jun 2026" in html
    assert "last meeting 2 Jun 2026" in html
    assert pack.FOOTER_TEXT in html
    assert "@bottom-left" in html  # the footer on every printed page
    assert "size: A4 landscape" in html
    assert "P-A06" in html and "Reliably worse" in html
    assert "does not store free-text notes" in html


def test_html_needs_no_network():
    html = pack.build_html(content())
    # no external scripts, stylesheets, images or fonts
    assert not re.search(r"<script[^>]+src=", html, re.IGNORECASE)
    assert not re.search(r"<link[^>]+href=[\"']?https?://", html, re.IGNORECASE)
    assert not re.search(r"<img[^>]+src=[\"']?https?://", html, re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*[\"']?https?://", html, re.IGNORECASE)
    # plotly.js is inlined exactly once, for both charts
    assert html.count('class="plotly-graph-div"') == 2
    assert html.count("plotly.js v") == 1 and len(html) > 1_000_000


def test_compact_list_folds_scores_and_weeks():
    table = pack.compact_list(content().people)
    row = table.iloc[0]
    assert row["Status"] == "On the caseload, 19 weeks"
    assert row["PSEQ latest (change)"] == "18 (\u221212, reliably worse)"  # true minus (formats)
    assert row["Wellbeing latest (change)"] == "SWEMWBS 19.3 (0.0)"  # 19.25 half-up; no sign on 0
    assert row["Goals open / achieved"] == "1 / 0"


def test_table_cells_use_uk_dates_and_one_format_per_column():
    frame = pd.DataFrame({"Date": [dt.date(2026, 4, 3)], "Score": [6.333], "Count": [3]})
    html = pack.table_html(frame)
    assert "3 Apr 2026" in html and "6.3" in html and ">3<" in html
    assert "None." in pack.table_html(pd.DataFrame())


def test_missing_chromium_is_a_clear_message():
    with pytest.raises(pack.PackUnavailable, match="Chromium was not found"):
        pack.html_to_pdf("<html></html>", executable_path="/nonexistent/chromium")


@pytest.mark.browser
@pytest.mark.skipif(not pack.chromium_available(), reason="needs /usr/bin/chromium")
def test_pdf_prints_with_chromium(tmp_path):
    document = pack.build_html(content())
    pdf = pack.html_to_pdf(document, figure_count=2)
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages > 0
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
        assert "Pages:" in info
        # landscape A4: 842 x 595 points
        assert re.search(r"Page size:\s+841\.\d+ x 59[45]\.\d+", info), info


def test_pack_cells_round_half_up_like_the_screen() -> None:
    # Python's format rounds half to even (22.5 -> 22, 2.25 -> 2.2); the pack uses
    # wellpath.formats (half-up), as the page does.
    assert pack._cell(22.5, 0) == ("23", True)
    assert pack._cell(2.25, 1) == ("2.3", True)
    assert pack._cell(1234.5, 0) == ("1,235", True)
