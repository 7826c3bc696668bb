"""The contract's templates: empty CSVs with the right headers, zipped, and an example batch.

`python -m wellpath.importer.templates` rewrites docs/templates/ from `wellpath.contract`:
one `<table>.csv` per table (header row only), `wellpath_templates.zip` of them, and
`wellpath_example_batch.zip` of the example batch kept in docs/templates/example/. The
Import data page offers both zips for download.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from wellpath import contract
from wellpath.db import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "docs" / "templates"
EXAMPLE_DIR = TEMPLATES_DIR / "example"
TEMPLATES_ZIP = TEMPLATES_DIR / "wellpath_templates.zip"
EXAMPLE_ZIP = TEMPLATES_DIR / "wellpath_example_batch.zip"

# A fixed timestamp keeps the zips byte-identical when nothing changed (clean git diffs).
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def header_line(table: contract.Table) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(table.column_names)
    return buf.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    return buf.getvalue()


def templates_zip_bytes() -> bytes:
    return _zip({t.file_name: header_line(t).encode("utf-8") for t in contract.TABLES})


def example_zip_bytes(example_dir: Path = EXAMPLE_DIR) -> bytes:
    return _zip(
        {
            t.file_name: (example_dir / t.file_name).read_bytes()
            for t in contract.TABLES
            if (example_dir / t.file_name).exists()
        }
    )


def write_templates(folder: Path = TEMPLATES_DIR) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for table in contract.TABLES:
        (folder / table.file_name).write_text(header_line(table), encoding="utf-8")
    (folder / TEMPLATES_ZIP.name).write_bytes(templates_zip_bytes())
    (folder / EXAMPLE_ZIP.name).write_bytes(example_zip_bytes(folder / "example"))


if __name__ == "__main__":
    write_templates()
    print(f"Templates written to {TEMPLATES_DIR}")
