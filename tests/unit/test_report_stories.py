"""The commissioner report's "In their own words": publishable stories only, as text.

On the hand-built integration fixture (tests/fixtures/integration/stories.csv): S1 (West
Road, publishable, 20 May 2026), S2 (West Road, practice only, 2 Jun 2026, with Markdown and
HTML in its text), S3 (Throckley, publishable, 20 Jun 2026), S4 (West Road, practice only,
25 Feb 2026)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import streamlit as st

from tests.conftest import FIXTURES, build_fixture_db
from wellpath import report, report_html
from wellpath.scope import FULL_ACCESS, PUBLISHABLE, Filters

PERIOD = Filters(dt.date(2026, 1, 1), dt.date(2026, 6, 30))


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    return build_fixture_db(FIXTURES / "integration", tmp_path_factory.mktemp("r") / "r.duckdb")


@pytest.fixture(autouse=True)
def point_at(fixture_db, monkeypatch):
    monkeypatch.setenv("WELLPATH_DB", str(fixture_db))
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def _stories_html(section: report.Section) -> str:
    return report_html._section(section, 1, {})


def test_only_publishable_stories_are_in_the_report():
    section = report._stories(PUBLISHABLE, PERIOD)
    stories = [b for b in section.blocks if isinstance(b, report.Story)]
    assert [(s.title, s.meta) for s in stories] == [
        ("Cooking again", "20 Jun 2026 · Throckley Primary Care Centre"),
        ("Back at the walking group", "20 May 2026 · West Road Medical Centre"),
    ]
    document = _stories_html(section)
    assert "Sorting out the forms" not in document and "Before the period" not in document
    assert "I cook most evenings now." in document


def test_a_practice_only_story_never_reaches_the_whole_report():
    made = report.build(PERIOD, viewer=FULL_ACCESS, made_by="Jo Lead")
    document = report.to_html(made)
    assert "In their own words" in document
    assert "Back at the walking group" in document
    text = re.sub(r"<script.*?</script>", "", document, flags=re.S)  # plotly.js left out
    assert "Back at the walking group" in text and "Cooking again" in text
    for practice_only in ("Sorting out the forms", "She helped me with the forms", "claims"):
        assert practice_only not in text
    assert "Before the period" not in text


def test_story_text_is_escaped_in_the_report():
    section = report.Section(
        "stories", "In their own words", "",
        (report.Story("A <b>title</b>", "2 Jun 2026 · West Road", "**x** <script>y</script>"),),
    )  # fmt: skip
    document = _stories_html(section)
    assert "<script>" not in document and "<b>title" not in document
    assert "A &lt;b&gt;title&lt;/b&gt;" in document
    assert "**x** &lt;script&gt;y&lt;/script&gt;" in document  # as typed, not bold


def test_no_story_in_the_period_says_so():
    empty = report._stories(PUBLISHABLE, Filters(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    assert [b.text for b in empty.blocks] == ["No publishable stories are dated in this period."]
