"""An import lowers its own CPU priority (limits.lower_import_priority), so page views on the
same machine come first; a real child process shows the niceness rising by IMPORT_NICE."""

from __future__ import annotations

import subprocess
import sys

from wellpath.importer import limits


def test_an_import_process_lowers_its_priority_by_the_set_amount():
    code = (
        "import os; from wellpath.importer import limits; before = os.nice(0); "
        "after = limits.lower_import_priority(); print(before, after)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    before, after = int(out[0]), int(out[1])
    assert after == min(19, before + limits.IMPORT_NICE)


def test_a_platform_without_nice_is_left_as_it_is(monkeypatch):
    import os

    monkeypatch.delattr(os, "nice")
    assert limits.lower_import_priority() == 0
