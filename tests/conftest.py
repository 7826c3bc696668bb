"""Shared test fixtures: the demo world (built once per test process) and fixture databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Published reference values (copied from the project's shared/fixtures, with their
# provenance in tests/fixtures/published/README.md), so a clone alone runs the tests.
SHARED_FIXTURES = FIXTURES / "published"

# Fixed so that tests are reproducible: the demo world as it would look on this date.
DEMO_TODAY = dt.date(2026, 11, 1)
DEMO_SEED = 7


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A DuckDB file holding the demo world (seed 7, as on 1 Nov 2026)."""
    from wellpath import demo

    path = tmp_path_factory.mktemp("demo") / "wellpath.duckdb"
    demo.build(path, scale="demo", seed=DEMO_SEED, today=DEMO_TODAY)
    return path


def build_fixture_db(csv_folder: Path, db_path: Path) -> Path:
    """Load a folder of contract CSVs into a new DuckDB file through the real importer."""
    from wellpath.importer import import_batch

    import_batch(csv_folder, db_path, run_by="tests")
    return db_path
