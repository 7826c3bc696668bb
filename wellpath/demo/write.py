"""Writes the demo world's tables as the data contract's CSV files, fast, with DuckDB's COPY.

Columns are formatted as the contract says (ISO dates, YYYY-MM months, pseudonyms, empty
cells for unknowns) inside DuckDB, so even the national scale writes in about a minute.
Planted flaws are applied as string patches to the formatted rows of the few tables they touch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from wellpath.demo.world import COLUMNS, TABLE_ORDER


@dataclass
class Patches:
    """String edits to formatted rows (row = 0-based position) and whole extra rows."""

    cells: dict[str, list[tuple[int, str, str | None]]] = field(default_factory=dict)
    extra_rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def tables(self) -> set[str]:
        return set(self.cells) | set(self.extra_rows)


def _expression(column: str, kind: str, widths: dict[str, int]) -> str:
    q = f'"{column}"'
    if kind == "date":
        return f"strftime({q}, '%Y-%m-%d')"
    if kind == "month":
        return f"printf('%04d-%02d', 1970 + {q} // 12, {q} % 12 + 1)"
    if kind == "pid":
        return f"'P-' || upper(lpad(to_hex({q}), 6, '0'))"
    if kind.startswith("id:"):
        prefix = kind[3:]
        return f"'{prefix}' || lpad(cast({q} as varchar), {widths[prefix]}, '0')"
    if kind == "total":
        # Whole totals as 24, PSFS means as 4.33.
        return (
            f"case when {q} is null or isnan({q}) then null "
            f"when {q} = round({q}) then cast(cast({q} as bigint) as varchar) "
            f"else cast(round({q}, 2) as varchar) end"
        )
    return f"cast({q} as varchar)" if kind == "text" else q


def id_widths(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Zero-padding of each id prefix: enough digits for the table, at least six."""
    sizes = {
        "R": len(tables["referrals"]),
        "C": len(tables["contacts"]),
        "G": len(tables["goals"]),
        "A": len(tables["assessments"]),
    }
    return {k: max(6, len(str(v))) for k, v in sizes.items()}


def format_id(prefix: str, number: int, widths: dict[str, int]) -> str:
    """The written form of row number `number`'s id (as the SQL above writes it)."""
    return f"{prefix}{number:0{widths[prefix]}d}"


def write_tables(
    tables: dict[str, pd.DataFrame], folder: Path, patches: Patches | None = None
) -> list[Path]:
    """One <table>.csv per contract table in `folder`; returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    patches = patches or Patches()
    widths = id_widths(tables)
    con = duckdb.connect()
    written = []
    try:
        for name in TABLE_ORDER:
            frame = tables[name]
            con.register("frame", frame)
            select = ", ".join(
                f"{_expression(col, kind, widths)} as {col}" for col, kind in COLUMNS[name]
            )
            sql = f"select {select} from frame"  # noqa: S608 (column names are ours, no input)
            path = folder / f"{name}.csv"
            if name in patches.tables():
                formatted = con.execute(sql).df().astype(object)
                formatted = formatted.where(formatted.notna(), None)
                for row, column, value in patches.cells.get(name, []):
                    formatted.at[row, column] = value
                extra = patches.extra_rows.get(name, [])
                if extra:
                    formatted = pd.concat([formatted, pd.DataFrame(extra)], ignore_index=True)
                formatted = formatted[[c for c, _ in COLUMNS[name]]].astype("string")
                con.unregister("frame")
                con.register("frame", formatted)
                sql = "select * from frame"
            target = path.as_posix().replace("'", "''")
            con.execute(f"copy ({sql}) to '{target}' (header true, delimiter ',')")
            con.unregister("frame")
            written.append(path)
    finally:
        con.close()
    return written
