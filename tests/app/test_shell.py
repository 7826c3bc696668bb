"""The app shell under AppTest: the router and its sidebar, every page of the router running
cleanly with the demo banner, the Data quality and Methods pages in each scope, the banner
absent on real data, and the first start building the demo world."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from wellpath import auth, shell
from wellpath.scope import PUBLISHABLE

# Not imported from conftest: when several test folders are given, "conftest" may be another
# folder's module by the time this file is imported.
REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "dashboard.py"
PAGES = [entry[0] for entry in shell.PAGES]


def exceptions(at: AppTest) -> list[str]:
    return [f"{e.message}\n{''.join(e.stack_trace)}" for e in at.exception]


def _banner(at) -> bool:
    return any("Demo data" in w.value for w in at.warning)


def _texts(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [h.value for h in at.header] + [h.value for h in at.subheader]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    return "\n".join(parts)


def test_router_lists_every_page_file() -> None:
    assert "pages/data_quality.py" in PAGES and "pages/methods.py" in PAGES
    for page in PAGES:
        assert (REPO / page).is_file(), page
    assert len(set(PAGES)) == len(PAGES)


def test_router_default_page_and_sidebar(app) -> None:
    at = app()
    assert not exceptions(at), exceptions(at)
    assert at.selectbox(key="filter_period").value == "Last 12 complete months"
    assert at.multiselect(key="filter_practices").options  # the demo's practices
    assert at.multiselect(key="filter_workers").options
    assert at.toggle(key="filter_publishable").value is False
    assert at.title, "the default page drew no title"
    assert at.session_state[auth.SCOPE_KEY].rounded is False


def test_sidebar_choices_reach_the_pages(app) -> None:
    # AppTest reruns only the current page after the first run, so the sidebar's widgets are
    # set through their keys before the router's first run.
    at = AppTest.from_file(str(DASHBOARD), default_timeout=180)
    # Publishable: one practice / condition or all, through the one-or-all pickers.
    at.session_state["filter_practices_one"] = "A86012"
    at.session_state["filter_conditions_one"] = "ibs"
    at.session_state["filter_publishable"] = True
    at.session_state["filter_period"] = "Last 3 complete months"
    at.run()
    assert not exceptions(at), exceptions(at)
    filters = at.session_state["wellpath_filters"]
    assert filters.practice_codes == ("A86012",)
    assert filters.conditions == ("ibs",)
    assert filters.start_date.day == 1 and (filters.end_date + dt.timedelta(days=1)).day == 1
    months = (filters.end_date.year * 12 + filters.end_date.month) - (
        filters.start_date.year * 12 + filters.start_date.month
    )
    assert months == 2  # three whole months
    assert at.session_state[auth.SCOPE_KEY].rounded is True


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_with_the_demo_banner(app, page: str) -> None:
    at = app(page)
    assert not exceptions(at), exceptions(at)
    assert at.title, f"{page} drew no title"
    assert _banner(at), f"{page} does not show the demo-data banner"


def test_data_quality_full_access(app) -> None:
    at = app("pages/data_quality.py")
    assert not exceptions(at), exceptions(at)
    headers = [h.value for h in at.header]
    assert headers == [
        "Follow-up questionnaires",
        "Records to check",
        "How complete is each field",
        "How up to date the data is",
        "Imports and rejected rows",
    ]
    metrics = {m.label: m.value for m in at.metric}
    assert re.fullmatch(r"\d+%", metrics["PSEQ follow-up coverage"])
    # The demo world loads with a few rejected rows (its deliberate flaws).
    assert int(metrics["Rows rejected at the last import"].replace(",", "")) > 0
    # The referrals behind the checks are listed when asked for, as many as the checks flag.
    listing = next(t for t in at.toggle if t.label.startswith("List the referrals to check"))
    assert not listing.value
    listed_rows = int(re.search(r"\(([\d,]+) rows", listing.label).group(1).replace(",", ""))
    tables_before, downloads_before = len(at.dataframe), len(at.get("download_button"))
    listing.set_value(True).run()
    assert not exceptions(at), exceptions(at)
    assert len(at.dataframe) == tables_before + 1
    assert len(at.get("download_button")) == downloads_before + 1
    listed = next(d.value for d in at.dataframe if "Patient (pseudonym)" in d.value.columns)
    assert len(listed) == listed_rows > 0
    checks = next(t.value.reset_index() for t in at.table if t.value.index.name == "Check")
    assert listed_rows == sum(int(v.replace(",", "")) for v in checks["Flagged"])
    downloads = {d.proto.label for d in at.get("download_button")}
    assert "Download the rejected rows with their reasons (CSV)" in downloads
    assert len(at.dataframe) >= 6
    # Every figure is defined one click away.
    assert sum(e.label == "How is this worked out?" for e in at.expander) == 5


def test_data_quality_publishable(app) -> None:
    at = app("pages/data_quality.py", scope=PUBLISHABLE)
    assert not exceptions(at), exceptions(at)
    assert not any(t.label.startswith("List the referrals to check") for t in at.toggle)
    downloads = {d.proto.label for d in at.get("download_button")}
    assert "Download the rejected rows with their reasons (CSV)" not in downloads
    assert "listed only in unrounded views" in _texts(at)
    # Counts in the checks table are published: "*" or a multiple of 5.
    checks = next(t.value.reset_index() for t in at.table if t.value.index.name == "Check")
    for cell in list(checks["Flagged"]) + list(checks["Out of"]):
        assert cell == "*" or int(cell.replace(",", "")) % 5 == 0, cell


def test_data_quality_one_practice(app) -> None:
    router = app()
    filters = router.session_state["wellpath_filters"]
    one = dataclasses.replace(filters, practice_codes=("A86012",))
    at = app("pages/data_quality.py", filters=one)
    assert not exceptions(at), exceptions(at)
    freshness = next(d.value for d in at.dataframe if d.value.columns[0] == "Practice")
    assert len(freshness) == 1
    # Filtered to one practice, the raw rejected rows are not offered (not tied to practices).
    downloads = {d.proto.label for d in at.get("download_button")}
    assert "Download the rejected rows with their reasons (CSV)" not in downloads


def test_methods_without_docs(app, monkeypatch, tmp_path: Path) -> None:
    from wellpath import docs

    monkeypatch.setattr(docs, "DOCS_DIR", tmp_path)
    at = app("pages/methods.py")
    assert not exceptions(at), exceptions(at)
    assert [t.value for t in at.title] == ["Methods and sources"]
    assert _banner(at)
    infos = " ".join(i.value for i in at.info)
    assert "docs/methods.md" in infos and "has not been written yet" in infos
    assert "Licences and notices" in [h.value for h in at.header]
    assert "NHS Health Scotland, University of Warwick" in _texts(at)


def test_methods_with_docs(app, monkeypatch, tmp_path: Path) -> None:
    from wellpath import docs

    (tmp_path / "methods.md").write_text(
        "# Methods\n\nHow the figures are made.\n\n## Small numbers\nCounts of 1-7 are *.\n\n"
        "## Paired change\nBaseline against follow-up.\n",
        encoding="utf-8",
    )
    (tmp_path / "data-contract.md").write_text("# Contract\n\nNine tables.\n", encoding="utf-8")
    monkeypatch.setattr(docs, "DOCS_DIR", tmp_path)
    at = app("pages/methods.py")
    assert not exceptions(at), exceptions(at)
    headers = [h.value for h in at.header]
    assert headers[:2] == ["Small numbers", "Paired change"]
    text = _texts(at)
    assert "[Small numbers](#small-numbers)" in text
    assert "[Paired change](#paired-change)" in text
    assert "How the figures are made." in text
    assert not at.info


def test_no_banner_on_real_data(use_db, run_app, tmp_path: Path) -> None:
    from wellpath.importer import import_batch
    from wellpath.scope import FULL_ACCESS

    path = tmp_path / "service.duckdb"
    import_batch(REPO / "tests" / "fixtures" / "service", path, run_by="tests")
    use_db(path)
    for page in ("pages/data_quality.py", "pages/methods.py"):
        at = run_app(page, scope=FULL_ACCESS)
        assert not exceptions(at), exceptions(at)
        assert not _banner(at), page


@pytest.mark.slow
def test_first_start_builds_the_demo(use_db, run_app, tmp_path: Path) -> None:
    path = tmp_path / "first" / "wellpath.duckdb"
    use_db(path)
    at = run_app()
    assert not exceptions(at), exceptions(at)
    assert path.is_file(), "the first start did not build the demo world"
    # The rerun after the build shows the app itself, not the set-up screen.
    assert "Setting up Wellpath" not in [t.value for t in at.title]
    at.switch_page("pages/data_quality.py").run()
    assert not exceptions(at), exceptions(at)
    assert _banner(at)


def test_a_file_from_another_version_is_upgraded_on_start(demo_db, tmp_path, use_db, run_app):
    # An older Wellpath wrote this file: the router brings its derived tables up to date
    # before any page reads them, and the pages then run on it.
    import shutil

    import duckdb

    from wellpath import db

    path = tmp_path / "older.duckdb"
    shutil.copy(demo_db, path)
    con = duckdb.connect(str(path))
    con.execute("update wellpath_meta set value = 'older' where key = 'code_version'")
    con.execute("drop table referral_facts")
    con.close()
    assert not db.is_current(path)
    use_db(path)

    at = run_app()

    assert not at.exception, [e.message for e in at.exception]
    assert db.is_current(path)
    assert any(m.label == "Referrals received" for m in at.metric)
