"""The demo generator as it was before the view layer (commit fe4f848), rebuilt from git history.

The demo world changed since (version 2, commit 399d4cf: practice engagement drives
referrals), so the same seed now makes another world. Tests that compare with figures taken
on the old world (tests/fixtures/page_snapshot_before.json, the report helper's April 2026
coverage case) rebuild it: the old generator's files are read with `git show` into a
temporary package and run with today's importer.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BEFORE_COMMIT = "fe4f848"  # the last commit before the view layer (cd4f533)
DEMO_FILES = ("__init__.py", "reference.py", "world.py", "write.py")


def build_v1_world(where: Path, today: dt.date, seed: int = 7) -> Path:
    """The v1 demo world as on `today` in where/wellpath.duckdb (skips without git history)."""
    package = where / "wellpath_demo_v1"
    package.mkdir(exist_ok=True)
    try:
        for name in DEMO_FILES:
            source = subprocess.run(
                ["git", "-C", str(REPO), "show", f"{BEFORE_COMMIT}:wellpath/demo/{name}"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            (package / name).write_text(source.replace("wellpath.demo.", "wellpath_demo_v1."))
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"needs the git history ({BEFORE_COMMIT}) to rebuild the old world: {exc}")
    sys.path.insert(0, str(where))
    try:
        for loaded in [m for m in sys.modules if m.startswith("wellpath_demo_v1")]:
            del sys.modules[loaded]
        demo_v1 = __import__("wellpath_demo_v1")
        path = where / "wellpath.duckdb"
        demo_v1.build(path, scale="demo", seed=seed, today=today)
    finally:
        sys.path.remove(str(where))
    return path
