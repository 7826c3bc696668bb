"""Fixtures for importer tests; the helpers themselves are in importer_helpers.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from importer_helpers import copy_valid

from tests.conftest import new_database


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    return copy_valid(tmp_path / "batch")


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    """A new database: a DuckDB file not yet there, or (WELLPATH_TEST_BACKEND=lake) an empty
    lake named by a descriptor file."""
    return new_database(tmp_path / "wellpath.duckdb")
