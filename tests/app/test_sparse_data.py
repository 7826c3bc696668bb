"""Every page on thin real-world data: a service's first, small batch (the documented example),
a file holding practices only, and referrals with no outcomes or healthcare use at all.

Real services start small and send some tables late; no page may fail or show an error box
because a table is empty or a measure has no data yet.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from tests.app.conftest import dashboard_pages, make_app
from wellpath.importer import import_batch
from wellpath.scope import Filters

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "templates" / "example"
TEMPLATES = EXAMPLE.parent


def _batch(tmp_path: Path, name: str, tables_from_example: set[str]) -> Path:
    """The example batch with only some tables filled (the rest header-only templates)."""
    folder = tmp_path / name
    folder.mkdir()
    for template in TEMPLATES.glob("*.csv"):
        source = EXAMPLE / template.name if template.stem in tables_from_example else template
        shutil.copy(source, folder / template.name)
    return folder


ALL_TABLES = {
    "practices",
    "link_workers",
    "patients",
    "referrals",
    "contacts",
    "goals",
    "assessments",
    "healthcare_use",
    "prescriptions",
}

WORLDS = {
    "example batch": ALL_TABLES,
    "practices only": {"practices"},
    "referrals without outcomes or use": {"practices", "link_workers", "patients", "referrals"},
}


@pytest.fixture(scope="module", params=list(WORLDS))
def sparse_db(request, tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("sparse")
    db_path = tmp / "wellpath.duckdb"
    import_batch(_batch(tmp, "batch", WORLDS[request.param]), db_path, run_by="tests")
    return db_path


# The default period (the last 12 months) and one covering the example's dates (2025).
PERIODS = {"default": None, "2025": Filters(dt.date(2024, 12, 1), dt.date(2025, 12, 31))}


@pytest.mark.parametrize("period", list(PERIODS))
@pytest.mark.parametrize("page", dashboard_pages())
def test_every_page_runs_on_thin_data(sparse_db, use_db, page, period):
    use_db(sparse_db)
    at = make_app(page, filters=PERIODS[period])
    assert not at.exception, [e.message for e in at.exception]
    assert not any("Traceback" in m.value for m in at.markdown)
