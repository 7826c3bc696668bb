"""Shared test fixtures: the demo world (built once per test process) and fixture databases."""

from __future__ import annotations

import datetime as dt
import os
import uuid
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

    path = new_database(tmp_path_factory.mktemp("demo") / "wellpath.duckdb")
    demo.build(path, scale="demo", seed=DEMO_SEED, today=DEMO_TODAY)
    return path


def build_fixture_db(csv_folder: Path, db_path: Path) -> Path:
    """Load a folder of contract CSVs into a new DuckDB file through the real importer."""
    from wellpath.importer import import_batch

    db_path = new_database(db_path)
    import_batch(csv_folder, db_path, run_by="tests")
    return db_path


def test_backend() -> str:
    """'file' (a DuckDB file, the default) or 'lake' (WELLPATH_TEST_BACKEND=lake: a DuckLake
    with its catalog in the PostgreSQL named by WELLPATH_TEST_CATALOG; scripts/test.sh starts
    a throwaway one)."""
    return os.environ.get("WELLPATH_TEST_BACKEND", "file")


def new_database(path: Path) -> Path:
    """Where a test database goes: the DuckDB file at `path`, or with the lake backend a new,
    empty lake (a catalog schema of its own, Parquet beside `path`) named by a descriptor file
    written at `path`, which every Wellpath function taking a database path accepts."""
    if test_backend() != "lake":
        return path
    from wellpath import lake

    catalog = os.environ.get("WELLPATH_TEST_CATALOG")
    if not catalog:
        raise RuntimeError(
            "WELLPATH_TEST_BACKEND=lake needs WELLPATH_TEST_CATALOG (a PostgreSQL DSN)"
        )
    schema = f"t_{uuid.uuid4().hex[:12]}"
    data_path = path.with_name(path.name + ".parquet")
    return lake.write_descriptor(path, lake.Lake(catalog, str(data_path), schema))
