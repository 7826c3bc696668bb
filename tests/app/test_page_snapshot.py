"""Figures unchanged for full access: every page's metrics and tables against the snapshot taken
on the code before the view layer (issue 9, "Done means").

tests/fixtures/page_snapshot_before.json was made by scripts/page_snapshot.py on the code
before the view layer (commit fe4f848), on the demo world of that code (seed 7, as on
1 Nov 2026), period 1 Nov 2025 to 31 Oct 2026, full access. The demo generator has changed
since (demo world version 2, commit 399d4cf: practice engagement drives referrals), so the
same seed now makes another world; this test rebuilds the fixture's world from the demo
generator as it was at fe4f848 (read from git history, imported through today's importer)
and runs today's pages on it. Any difference must be in INTENDED_CHANGES below, each citing
the issue item that changed it on purpose.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from tests.app.conftest import REPO
from tests.app.demo_v1 import build_v1_world

FIXTURE = REPO / "tests" / "fixtures" / "page_snapshot_before.json"

# Metric labels renamed on purpose: (page, old label) -> new label.
RENAMED = {
    # issue 10 "Figures with the same name disagree": one name, "PSEQ follow-up coverage",
    # for the one notion on Outcomes, Data quality and the report.
    ("pages/data_quality.py", "PSEQ baselines followed up"): "PSEQ follow-up coverage",
    # issue 10 "Intervals leak suppressed counts" / views: the metric shows the mean change,
    # its interval moved to the caption (so it can be suppressed with the figure).
    ("pages/overview.py", "Mean change (95% CI)"): "Mean change",
}
# Values changed on purpose: (page, label) -> (before, after, why).
INTENDED_CHANGES = {
    ("pages/data_quality.py", "PSEQ follow-up coverage"): (
        "40%",
        "42%",
        # issue 10 "Figures with the same name disagree": coverage is the Outcomes definition
        # everywhere (people with a baseline in the period who have a later follow-up by the
        # report date), no longer engaged referrals of the period (183 of 439 before).
        "one definition of follow-up coverage",
    ),
    ("pages/overview.py", "Mean change"): (
        "9.3 points",
        "+9.3 points",
        # issue 10 / PAGES_COMMON item 2: changes are shown signed (formats.fmt_signed).
        "signed change",
    ),
}
# Metrics that did not exist before: (page, label) -> why.
NEW_METRICS = {
    # Unmet needs page (v2 pages, issue "new pages"): its headline count.
    ("pages/unmet_needs.py", "Goals not met in the period"): "new headline",
}
# Table row counts changed on purpose: (page, table index) -> (before, after, why).
INTENDED_ROWS = {
    # issue 10 "A data-quality check is missing": an attended contact before the recorded
    # first contact, and other contradictions between tables, are new checks.
    ("pages/data_quality.py", 1): (8, 11, "three new consistency checks"),
}
# Tables a page gained on purpose, by their position on the page now: left out of the
# comparison (the tables that were there before must still match).
NEW_TABLES = {
    # issue 13: "The MDT page shows the practice's engagement this quarter" (one row, under
    # the headline) and "a person's Star at start and now" (the eight areas, at the end).
    "pages/mdt_meeting.py": {1: "engagement this quarter", 4: "one person's Well-being Star"},
}

# Tables now drawn as static tables (st.table, whose text wraps) instead of data grids: the
# before table's position -> the first column of the static table that has its rows now.
MOVED_TO_STATIC = {
    # issue 12 review of the pages at 1440 px: the checks' "Why it matters" was cut off in a
    # grid column; in a static table it wraps.
    ("pages/data_quality.py", 1): "Check",
}


@pytest.fixture(scope="module")
def before_world(tmp_path_factory) -> Path:
    return build_v1_world(tmp_path_factory.mktemp("demo_v1"), dt.date(2026, 11, 1))


# Values that are the wall clock of the test world's own build, not a figure of the data:
# (page, label) -> read from the rebuilt world (see `_built_on`).
BUILT_ON = {("pages/data_quality.py", "Last import")}


def _built_on(world: Path) -> str:
    """The date the rebuilt world was imported, as the Data quality page shows it."""
    import duckdb

    from wellpath import formats

    with duckdb.connect(str(world), read_only=True) as con:
        (imported_at,) = con.execute("select max(imported_at) from import_batches").fetchone()
    return formats.uk_date(imported_at)


def _differences(before: dict, after: dict, built_on: str | None = None) -> list[str]:
    found: list[str] = []
    for page, old in before.items():
        new = after.get(page)
        if new is None:
            found.append(f"{page}: page missing now")
            continue
        if new["exception"]:
            found.append(f"{page}: exception {new['exception']}")
        now_metrics = dict(new["metrics"])
        for label, value in old["metrics"].items():
            label_now = RENAMED.get((page, label), label)
            shown = now_metrics.pop(label_now, None)
            expected = value
            if (page, label_now) in BUILT_ON and built_on is not None:
                expected = built_on
            elif (page, label_now) in INTENDED_CHANGES:
                was, expected, _ = INTENDED_CHANGES[(page, label_now)]
                assert was == value, f"{page} {label}: the fixture says {value}, not {was}"
            if shown != expected:
                found.append(f"{page}: metric {label!r} was {value!r}, now {shown!r}")
        for label in now_metrics:
            if (page, label) not in NEW_METRICS:
                found.append(f"{page}: new metric {label!r} = {now_metrics[label]!r}")
        old_rows = [t["rows"] for t in old["tables"].values()]
        added = NEW_TABLES.get(page, {})
        new_rows = [t["rows"] for i, t in enumerate(new["tables"].values()) if i not in added]
        for (p, index), (was, now, _) in INTENDED_ROWS.items():
            if p == page and index < len(old_rows) and old_rows[index] == was:
                old_rows[index] = now
        moved = sorted((i for p, i in MOVED_TO_STATIC if p == page), reverse=True)
        for index in moved:
            first_column = MOVED_TO_STATIC[(page, index)]
            static = [
                t["rows"]
                for t in new.get("static_tables", {}).values()
                if t["columns"][:1] == [first_column]
            ]
            if static != [old_rows[index]]:
                found.append(f"{page}: table {index} had {old_rows[index]} rows, now {static}")
            del old_rows[index]
        if old_rows != new_rows:
            found.append(f"{page}: table rows were {old_rows}, now {new_rows}")
    return found


def test_every_page_shows_the_same_figures_for_full_access(before_world):
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import page_snapshot
    finally:
        sys.path.remove(str(REPO / "scripts"))
    before = json.loads(FIXTURE.read_text(encoding="utf-8"))
    after = page_snapshot.snapshot(before_world)
    problems = _differences(before, after, _built_on(before_world))
    assert not problems, "\n".join(problems)


def test_the_comparison_catches_a_changed_figure():
    before = {"p.py": {"metrics": {"Waiting": "40"}, "tables": {"t": {"rows": 3}}}}
    same = {"p.py": {"metrics": {"Waiting": "40"}, "tables": {"t": {"rows": 3}}, "exception": []}}
    assert _differences(before, same) == []
    changed = {
        "p.py": {"metrics": {"Waiting": "41"}, "tables": {"t": {"rows": 4}}, "exception": []}
    }
    assert len(_differences(before, changed)) == 2
