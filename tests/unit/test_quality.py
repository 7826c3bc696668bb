"""Pure helpers of the Data quality and Methods pages: labels, reshaping, markdown sections."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from wellpath import docs, quality


def test_every_check_in_the_sql_has_a_description() -> None:
    from wellpath import db

    sql = (db.QUERIES_DIR / "derive_macros_quality.sql").read_text(encoding="utf-8")
    ids = {c for c in quality.CHECKS if f"'{c}'" in sql}
    assert ids == set(quality.CHECKS)


def test_completeness_view_marks_required_fields_and_notes() -> None:
    frame = pd.DataFrame(
        {
            "table_name": ["referrals", "referrals", "assessments"],
            "column_name": ["referral_date", "discharge_date", "items"],
            "row_count": [10, 10, 4],
            "filled_count": [10, 3, 3],
            "filled_pct": [100.0, 30.0, 75.0],
        }
    )
    view = quality.completeness_view(frame)
    assert view["Table"].tolist() == ["Referrals", "Referrals", "Questionnaires"]
    assert view["Field"].tolist() == ["Referral date", "Discharge date", "Items (complete forms)"]
    assert view["Required"].tolist() == [True, False, False]
    assert view.loc[1, "Note"] == "empty while still on the caseload"
    optional = quality.optional_fields(frame, "referrals")
    assert optional["column_name"].tolist() == ["discharge_date"]


def test_freshness_view_and_stale_sources() -> None:
    frame = pd.DataFrame(
        {
            "practice_code": ["A86012", "A86012", "A86013", "A86013"],
            "practice_role": ["pilot", "pilot", "comparison", "comparison"],
            "table_name": ["referrals", "healthcare_use", "referrals", "healthcare_use"],
            "latest_date": pd.to_datetime(["2026-11-23", "2026-10-01", None, "2026-10-01"]),
            "days_since_latest": pd.array([1, 54, None, 54], dtype="Int64"),
        }
    )
    view = quality.freshness_view(
        frame, {"A86012": "West Road", "A86013": "Elswick"}, dt.date(2026, 11, 24)
    )
    assert view.columns.tolist() == ["Practice", "Referrals", "Healthcare use"]
    assert view["Practice"].tolist() == ["West Road (A86012)", "Elswick (A86013), comparison"]
    assert view["Referrals"].tolist() == ["23 Nov 2026 (yesterday)", "none"]
    assert view["Healthcare use"].tolist() == ["1 Oct 2026 (54 days)"] * 2
    today = quality.freshness_view(frame.assign(days_since_latest=0), {}, dt.date(2026, 11, 23))
    assert today["Referrals"].iloc[0] == "23 Nov 2026 (today)"  # not "(0 days ago)"
    # the newer contract tables have plain-English names too
    assert quality.TABLES["practice_engagement"] == "Practice engagement"
    # A comparison practice sends no referrals: not stale. Healthcare use lags by design.
    assert quality.stale_sources(frame, 30).empty
    late = frame.assign(days_since_latest=pd.array([45, 54, None, 54], dtype="Int64"))
    assert quality.stale_sources(late, 30)["practice_code"].tolist() == ["A86012"]


def test_split_sections_and_anchors() -> None:
    text = (
        "# Methods\n\nIntro line.\n\n## Small numbers (disclosure)\nCounts of 1-7.\n\n"
        "```\n## not a heading\n```\n\n## Pairs\nBaseline.\n\n## Pairs\nAgain.\n"
    )
    intro, sections = docs.split_sections(text)
    assert intro == "Intro line."
    assert [s.title for s in sections] == ["Small numbers (disclosure)", "Pairs", "Pairs"]
    assert [s.anchor for s in sections] == ["small-numbers-disclosure", "pairs", "pairs-2"]
    assert "## not a heading" in sections[0].body
    assert docs.split_sections("") == ("", [])


def test_read_doc_missing_is_none(tmp_path) -> None:
    assert docs.read_doc("methods.md", tmp_path) is None
    (tmp_path / "methods.md").write_text("# M\n", encoding="utf-8")
    assert docs.read_doc("methods.md", tmp_path) == "# M\n"
