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


def _story(title: str, text: str, consent: str = "Practice only"):
    from wellpath import formats
    from wellpath.views.integration import Story

    # as the view holds them: escaped for Markdown by formats.plain_text
    return Story("2 Jun 2026", "West Road Medical Centre", consent,
                 formats.plain_text(title), formats.plain_text(text))  # fmt: skip


def test_stories_are_text_in_the_pack_never_markup():
    typed = "**Bold** <b>claims</b> and [a link](http://example.org) stay as typed: 50% - ok."
    html = pack.build_html(
        content(stories=[_story("Sorting <i>out</i> the forms", typed)], stories_note="Consented.")
    )
    body = html.split("<h2>In their own words</h2>", 1)[1]
    assert "<b>claims" not in body and "<i>out" not in body and "href=" not in body
    assert "**Bold** &lt;b&gt;claims&lt;/b&gt; and [a link](http://example.org)" in body
    assert "stay as typed: 50% - ok." in body  # no Markdown backslashes left in the HTML
    assert "Sorting &lt;i&gt;out&lt;/i&gt; the forms" in body
    assert "2 Jun 2026 · Practice only" in body
    assert "No consented stories" in pack.build_html(content())


def test_engagement_sits_beside_the_headline_on_page_one():
    table = pd.DataFrame({"MDT meetings": ["3"], "Lapsed": ["no"]})
    html = pack.build_html(
        content(engagement=table, engagement_heading="Time with the practice, Apr-Jun 2026")
    )
    page_one = html.split("class='page-break'", 1)[0]
    assert "Time with the practice, Apr-Jun 2026" in page_one and "MDT meetings" in page_one


def test_footer_names_who_made_the_pack_and_when():
    made = dt.datetime(2026, 6, 30, 9, 0)
    html = pack.build_html(content(made_by="asha.khan <admin>"))
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    # on every printed page (a CSS page-margin box), '<' written as a CSS escape
    assert 'Made by asha.khan \\3c admin> on 30 Jun 2026 at 09:00"' in style
    assert "</" not in style
    assert "made by asha.khan &lt;admin&gt; on 30 Jun 2026 at 09:00" in html  # the top line
    assert pack.made_line(made, None) == "Made on 30 Jun 2026 at 09:00"


def test_the_page_passes_the_viewer_to_the_pack(integration_pack):
    made = integration_pack.content
    assert made.made_by == "jo.lead" and "Made by jo.lead on " in integration_pack.html().decode()


@pytest.fixture
def integration_pack(tmp_path_factory, monkeypatch):
    """The pack the MDT views make on the integration fixture, for a signed-in viewer."""
    import streamlit as st

    from tests.conftest import FIXTURES, build_fixture_db
    from wellpath import auth
    from wellpath.scope import FULL_ACCESS, Filters
    from wellpath.views import mdt as views

    path = build_fixture_db(FIXTURES / "integration", tmp_path_factory.mktemp("p") / "p.duckdb")
    monkeypatch.setenv("WELLPATH_DB", str(path))
    st.cache_data.clear()
    filters = Filters(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    on = dict(practice_code="A86012", meeting_date=dt.date(2026, 6, 30))
    now = dt.datetime(2026, 6, 30, 9, 0)
    made = views.meeting_pack(
        views.headline.uncached(FULL_ACCESS, filters, **on),
        views.meeting.uncached(FULL_ACCESS, filters, **on, last_meeting=None),
        practice_name="West Road Medical Centre", **on, last_meeting=None,
        engagement=views.engagement.uncached(FULL_ACCESS, filters, **on),
        stories=views.stories.uncached(FULL_ACCESS, filters, **on),
        made_by=auth.Viewer("jo.lead", FULL_ACCESS, "password", now, now),
    )  # fmt: skip
    yield made
    st.cache_data.clear()


def test_the_pack_holds_the_practices_stories_as_text(integration_pack):
    document = integration_pack.html().decode()
    body = document.split("<body>", 1)[1]
    # S2 (practice only) is for the practice's MDT: in its pack, escaped
    assert "Sorting out the forms" in body and "&lt;b&gt;claims&lt;/b&gt;" in body
    assert "Cooking again" not in body  # S3 is Throckley's
    assert "MDT meetings" in body
