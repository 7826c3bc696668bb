"""Writes the demo world's tables as the data contract's CSV files, fast, a chunk at a time.

Each column becomes an Arrow array in the form the contract wants (ISO dates as date32,
YYYY-MM months and codes as dictionaries, ids and pseudonyms as fixed-width text built in
numpy, empty cells as nulls) and pyarrow's CSV writer appends it to the table's file, so
no value becomes a Python string and memory is bounded by the chunk, not the scale.
Planted flaws are applied as string patches to the formatted rows of the few tables they
touch (the demo scale only, which is written as one chunk).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from wellpath.demo.world import COLUMNS, TABLE_ORDER

Progress = Callable[[float, str], None]
HEX = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
# Values are never quoted (as DuckDB's writer did not quote these); a value that would
# need quotes switches its table to quoting every text value, which is still valid CSV.
PLAIN = pacsv.WriteOptions(include_header=False, quoting_style="none")
QUOTED = pacsv.WriteOptions(include_header=False, quoting_style="needed")


@dataclass
class Patches:
    """String edits to formatted rows (row = 0-based position) and whole extra rows."""

    cells: dict[str, list[tuple[int, str, str | None]]] = field(default_factory=dict)
    extra_rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def tables(self) -> set[str]:
        return set(self.cells) | set(self.extra_rows)


def id_widths(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Zero-padding of each id prefix: enough digits for the table, at least six."""
    sizes = {
        "R": len(tables["referrals"]),
        "C": len(tables["contacts"]),
        "G": len(tables["goals"]),
        "A": len(tables["assessments"]),
        "E": len(tables.get("practice_engagement", ())),
        "S": len(tables.get("stories", ())),
    }
    return {k: max(6, len(str(v))) for k, v in sizes.items()}


def fixed_widths(digits: int) -> dict[str, int]:
    """The same width for every id prefix (a chunked world, whose totals are not known)."""
    return dict.fromkeys("RCGAES", digits)


def format_id(prefix: str, number: int, widths: dict[str, int]) -> str:
    """The written form of row number `number`'s id (as `_ids` writes it)."""
    return f"{prefix}{number:0{widths[prefix]}d}"


def _fixed_text(chars: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """An Arrow string array whose row i is the bytes of chars[i] (an n x width uint8 array)."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    bitmap, nulls = None, 0
    if valid is not None and not valid.all():
        bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
        nulls = int(n - valid.sum())
    data = pa.py_buffer(np.ascontiguousarray(chars).reshape(-1))
    return pa.Array.from_buffers(
        pa.large_string(), n, [bitmap, pa.py_buffer(offsets), data], null_count=nulls
    )


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """R000123: the prefix and the number zero-padded to `width` digits."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if len(numbers) and numbers.max() >= 10**width:
        raise ValueError(f"{prefix} ids need more than {width} digits")
    chars = np.empty((len(numbers), width + 1), dtype=np.uint8)
    chars[:, 0] = ord(prefix)
    rest = numbers.copy()
    for k in range(width, 0, -1):
        chars[:, k] = DIGITS[rest % 10]
        rest //= 10
    return _fixed_text(chars)


def _pseudonyms(codes: np.ndarray) -> pa.Array:
    """P-7F3A9C: six upper-case hex digits of the pseudonym code."""
    codes = np.asarray(codes, dtype=np.int64)
    chars = np.empty((len(codes), 8), dtype=np.uint8)
    chars[:, 0], chars[:, 1] = ord("P"), ord("-")
    for k in range(6):
        chars[:, 7 - k] = HEX[(codes >> (4 * k)) & 15]
    return _fixed_text(chars)


def _months(months: np.ndarray) -> pa.Array:
    """YYYY-MM of months since 1970-01, as a dictionary over the months present."""
    months = np.asarray(months, dtype=np.int64)
    if len(months) == 0:
        return pa.array([], pa.string())
    lo, hi = int(months.min()), int(months.max())
    names = [f"{1970 + m // 12:04d}-{m % 12 + 1:02d}" for m in range(lo, hi + 1)]
    return pa.DictionaryArray.from_arrays(pa.array(months - lo, pa.int32()), pa.array(names))


def _dates(values: pd.Series) -> pa.Array:
    """YYYY-MM-DD (date32); NaT is an empty cell."""
    days = values.to_numpy().astype("datetime64[D]")
    missing = np.isnat(days)
    return pa.array(days.astype(np.int64).astype(np.int32), pa.int32(), mask=missing).view(
        pa.date32()
    )


def _text(values: pd.Series) -> pa.Array:
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        names = pa.array(values.cat.categories.to_numpy().astype(str).tolist(), pa.string())
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), names)
    return pa.array([None if pd.isna(v) else str(v) for v in values], pa.string())


def _totals(values: pd.Series) -> pa.Array:
    """Whole totals as 24, PSFS means as 4.33; NaN is an empty cell."""
    x = np.round(values.to_numpy(dtype=np.float64), 2)
    return pa.array(x, pa.float64(), mask=np.isnan(x))


def _decimal(values: pd.Series) -> pa.Array:
    """Decimals as Python writes them (1.0, 0.8), empty when missing."""
    return pa.array([None if pd.isna(v) else str(float(v)) for v in values], pa.string())


def _column(values: pd.Series, kind: str, widths: dict[str, int]) -> pa.Array:
    if kind == "date":
        return _dates(values)
    if kind == "month":
        return _months(values.to_numpy())
    if kind == "pid":
        return _pseudonyms(values.to_numpy())
    if kind.startswith("id:"):
        # Prefixes added since a caller chose its widths (E, S: version 2) get the minimum.
        return _ids(kind[3:], values.to_numpy(), widths.get(kind[3:], 6))
    if kind == "total":
        return _totals(values)
    if kind == "decimal":
        return _decimal(values)
    if kind == "text":
        return _text(values)
    return pa.array(values)  # int (nullable ints keep their missing cells)


def arrow_table(name: str, frame: pd.DataFrame, widths: dict[str, int]) -> pa.Table:
    """The contract table `name` as Arrow columns ready for the CSV writer."""
    return pa.table({col: _column(frame[col], kind, widths) for col, kind in COLUMNS[name]})


def _patched(name: str, table: pa.Table, patches: Patches) -> pa.Table:
    """The table as text with the planted cells and rows in place."""
    columns = {col: table[col].cast(pa.string()).to_pylist() for col in table.column_names}
    for row, column, value in patches.cells.get(name, []):
        columns[column][row] = value
    for extra in patches.extra_rows.get(name, []):
        for col in columns:
            columns[col].append(extra.get(col))
    return pa.table({col: pa.array(v, pa.string()) for col, v in columns.items()})


def _needs_quotes(table: pa.Table) -> bool:
    """Whether any text value holds a comma, quote or line break (ids and pseudonyms can't)."""
    for column in table.columns:
        for values in column.chunks:
            if pa.types.is_dictionary(values.type):
                values = values.dictionary
            text = pa.types.is_string(values.type) and len(values) > 0
            if text and pc.any(pc.match_substring_regex(values, '[,"\r\n]')).as_py():
                return True
    return False


def _append(handle, table: pa.Table) -> None:
    pacsv.write_csv(table, handle, QUOTED if _needs_quotes(table) else PLAIN)


def write_chunks(
    chunks: Iterable[dict[str, pd.DataFrame]],
    folder: Path,
    widths: dict[str, int] | None = None,
    patches: Patches | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """One <table>.csv per contract table in `folder`, appending chunk after chunk.

    widths: id widths; None works them out from the first chunk (right when it is the only
    one). Returns the paths written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    patches = patches or Patches()
    say = progress or (lambda f, m: None)
    paths = {name: folder / f"{name}.csv" for name in TABLE_ORDER}
    handles = {name: open(path, "wb") for name, path in paths.items()}  # noqa: SIM115
    try:
        for name, handle in handles.items():
            handle.write((",".join(col for col, _ in COLUMNS[name]) + "\n").encode())
        for k, tables in enumerate(chunks):
            say(0.0, f"writing chunk {k + 1}")
            if widths is None:
                widths = id_widths(tables)
            for name, frame in tables.items():
                table = arrow_table(name, frame, widths)
                if name in patches.tables():
                    table = _patched(name, table, patches)
                _append(handles[name], table)
            say(1.0, f"written chunk {k + 1}")
    finally:
        for handle in handles.values():
            handle.close()
    return list(paths.values())


def write_tables(
    tables: dict[str, pd.DataFrame], folder: Path, patches: Patches | None = None
) -> list[Path]:
    """One <table>.csv per contract table in `folder`; returns the paths written."""
    return write_chunks([tables], folder, id_widths(tables), patches)
