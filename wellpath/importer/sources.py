"""Turning what a service sends (a folder, a .zip, an .xlsx) into UTF-8 CSV files per table.

Everything here is file-level: which file is which table, its encoding, its checksum and its
header. A file-level problem refuses the whole batch (`BatchRefused`) before anything is
written. Row-level rules are checked later, in DuckDB (see `rules.py`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from wellpath import contract
from wellpath.importer import limits

CHUNK_BYTES = 8 * 1024 * 1024
BOM = b"\xef\xbb\xbf"
# A well-formed UTF-8 multi-byte sequence. In real Windows-1252 text these byte pairs are
# mojibake ("Ã©", "Â£", "ï»¿"), so finding one in a file that is not UTF-8 means a mix.
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


class BatchRefused(Exception):
    """A file-level rule refused the whole batch; nothing was changed.

    `file`, `column` and `rule` say where and why; str() says all three in a sentence.
    """

    def __init__(self, file: str, rule: str, column: str | None = None) -> None:
        file, column = shown_name(file), (shown_name(column, COLUMN_CHARS) if column else None)
        self.file = file
        self.column = column
        self.rule = rule
        where = f"{file}, column {column}" if column else file
        super().__init__(f"{where}: {rule}")


@dataclass
class SourceFile:
    """One contract table's file, ready for DuckDB to read as UTF-8."""

    table: str
    sent_name: str  # the name as sent (path inside a zip, sheet of a workbook)
    path: Path  # a UTF-8 CSV (the original file when it already was one)
    encoding: str  # utf-8, utf-8-sig, cp1252 or xlsx
    header: list[str] = field(default_factory=list)  # as normalised: trimmed, lower-case
    sent_header: list[str] = field(default_factory=list)  # as sent, trimmed
    width: int = 0  # fields in the header row as sent, Excel's empty trailing ones included
    checksum_name: str = ""  # its key in the batch's checksums (a workbook's: the workbook)
    checksum: str = ""


@dataclass
class PreparedBatch:
    source_name: str
    files: dict[str, SourceFile]  # contract table name -> file, in contract order
    checksums: dict[str, str]  # name as sent -> sha256
    warnings: list[str]


def normalise_header(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def _table_for(file_name: str, suffix: str = ".csv") -> str | None:
    path = PurePosixPath(file_name.replace("\\", "/"))
    if path.suffix.lower() != suffix:
        return None
    stem = path.stem.strip().lower()
    return stem if stem in contract.TABLES_BY_NAME else None


def _regular_file_problem(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    what = (
        "a named pipe"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    return (
        f"it is {what} (or a link to one), not a file; only regular files are read, so it "
        "was not opened"
    )


def open_regular(path: Path, sent_name: str):
    """Open a file for reading only if it is a regular file: a link to /dev/zero or a named
    pipe would be read forever (or block), so it is refused without reading a byte."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise BatchRefused(sent_name, f"the file cannot be opened ({exc.strerror})") from exc
    problem = _regular_file_problem(os.fstat(fd).st_mode)
    if problem:
        os.close(fd)
        raise BatchRefused(sent_name, problem)
    return os.fdopen(fd, "rb")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path, path.name) as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _is_utf8(path: Path, sent_name: str, digest=None) -> tuple[bool, bool]:
    """(decodes as UTF-8, starts with a BOM), streaming so a 2 GB file costs no memory.
    `digest` (a hashlib object) is fed every byte, so the checksum costs no second read."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid = True
    with open_regular(path, sent_name) if digest is not None else open(path, "rb") as fh:
        first = True
        has_bom = False
        while chunk := fh.read(CHUNK_BYTES):
            if digest is not None:
                digest.update(chunk)
            if not valid:
                continue  # only the checksum still needs the rest
            if first:
                has_bom = chunk.startswith(BOM)
                first = False
            if b"\x00" in chunk:
                # NUL bytes: UTF-16 (Excel's "Unicode text") or not text at all.
                raise BatchRefused(
                    sent_name,
                    "the file is not plain text in UTF-8 or Windows-1252 (it looks like "
                    "UTF-16 or a binary file); save it from Excel as 'CSV UTF-8' and send it again",
                )
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                valid = False
        if valid:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                valid = False
    return valid, has_bom


def checksum_and_encoding(path: Path, sent_name: str) -> tuple[str, tuple[bool, bool]]:
    """The file's sha256 and `_is_utf8`'s answer, from one read of the file."""
    digest = hashlib.sha256()
    utf8 = _is_utf8(path, sent_name, digest)
    return digest.hexdigest(), utf8


def _transcode_cp1252(path: Path, out: Path, sent_name: str) -> None:
    """Windows-1252 (what Excel saves as plain 'CSV' in the UK) to UTF-8, or refuse.

    A file that is not UTF-8 but holds UTF-8 sequences (é as the two bytes C3 A9, a UTF-8
    BOM) mixes the two encodings, e.g. two exports pasted together: read as Windows-1252 its
    UTF-8 parts would become "Ã©", so it is refused instead.
    """
    decoder = codecs.getincrementaldecoder("cp1252")()
    tail = b""
    try:
        with open(path, "rb") as src, open(out, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(CHUNK_BYTES):
                # The last 3 bytes of the previous chunk go along, so a sequence split
                # between chunks is still seen.
                if UTF8_SEQUENCE.search(tail + chunk):
                    raise BatchRefused(
                        sent_name,
                        "the file mixes UTF-8 and Windows-1252 text (for example two exports "
                        "pasted together), so it cannot be read without garbling letters such "
                        "as é or £; save it from Excel as 'CSV UTF-8' and send it again",
                    )
                tail = chunk[-3:]
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise BatchRefused(
            sent_name,
            f"the file is neither UTF-8 nor Windows-1252 text (byte {exc.object[exc.start]:#04x} "
            "cannot be read); save it from Excel as 'CSV UTF-8' and send it again",
        ) from exc


def _read_header(source: SourceFile) -> None:
    with open(source.path, encoding="utf-8-sig", newline="") as fh:
        try:
            header = next(csv.reader(fh))
        except StopIteration:
            header = []
        except csv.Error as exc:
            raise BatchRefused(source.sent_name, f"the header row cannot be read: {exc}") from exc
    if not any(h.strip() for h in header):
        raise BatchRefused(source.sent_name, "the file is empty: a header row is required")
    source.width = len(header)
    # Excel's empty trailing columns are not columns: cut after the last named one (a value
    # under them is a field beyond the header, as in a row with too many fields).
    while header and not normalise_header(header[-1]):
        header = header[:-1]
    source.sent_header = [h.replace("\ufeff", "").strip() for h in header]
    source.header = [normalise_header(h) for h in header]


NAME_CHARS = 80  # file, member and sheet names in messages
COLUMN_CHARS = 40  # column names (a data row sent as the header could be personal data)


def shown_name(name: str, limit: int = NAME_CHARS) -> str:
    """A name from a file (a zip member, a sheet, a column) fit to print on a terminal or a
    page: control characters and escape sequences written as \\x1b, \\u202e..., never
    acted on; an NHS number masked; cut to `limit` characters."""
    if contract.contains_nhs_number(name):
        return "(an NHS number)"
    text = escape_controls(name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape_controls(text: str) -> str:
    """Control and invisible characters written out (\\x1b, \\u202e), so that printing
    the text cannot clear a screen, move the cursor or reverse what follows."""
    out = []
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _shown(name: str) -> str:
    """A header name fit to repeat in a message: escaped, cut short, never an NHS number."""
    return shown_name(name, COLUMN_CHARS)


def _check_header(source: SourceFile, warnings: list[str]) -> None:
    table = contract.table(source.table)
    if len(source.header) == 1:
        for sep, what in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if sep in source.header[0]:
                raise BatchRefused(
                    source.sent_name,
                    f"the columns are separated by {what}, not commas; save it from Excel as "
                    "'CSV UTF-8 (comma delimited)' and send it again",
                )
    if not set(source.header) & set(table.column_names):
        # Nothing in the first row is a column name: it is data (no header row), or the file
        # is separated by something other than commas. Its cells are not repeated here.
        raise BatchRefused(
            source.sent_name,
            "the first row is not a header row: none of its cells is a column name of "
            f"{source.table} (expected names such as {', '.join(table.required_columns)}); add "
            "the header row (see the templates) and send it again",
        )
    seen: set[str] = set()
    for name in source.header:
        if not name:
            continue
        if name in seen:
            if name in table.column_names:
                # Which of the two holds the value? Neither can be chosen safely.
                raise BatchRefused(
                    source.sent_name, "the column appears twice in the header row", column=name
                )
            continue  # an unknown column twice: both ignored, warned about once
        seen.add(name)
        if name not in table.column_names:
            warnings.append(
                f"{shown_name(source.sent_name)}: column '{_shown(name)}' is not in the contract for "
                f"{source.table}; it was ignored"
            )
    for name in table.required_columns:
        if name not in seen:
            raise BatchRefused(
                source.sent_name,
                f"required column is missing from the header row (the file for {source.table} "
                f"must have: {', '.join(table.required_columns)})",
                column=name,
            )


def _decode(
    path: Path, sent_name: str, table: str, workdir: Path, utf8: tuple[bool, bool] | None = None
) -> SourceFile:
    ok, has_bom = utf8 if utf8 is not None else _is_utf8(path, sent_name)
    if ok:
        return SourceFile(table, sent_name, path, "utf-8-sig" if has_bom else "utf-8")
    out = workdir / f"{table}.utf8.csv"
    _transcode_cp1252(path, out, sent_name)
    return SourceFile(table, sent_name, out, "cp1252")


def _add(
    files: dict[str, SourceFile],
    table: str,
    path: Path,
    sent_name: str,
    workdir: Path,
    utf8: tuple[bool, bool] | None = None,
) -> None:
    if table in files:
        raise BatchRefused(
            sent_name, f"the batch holds two files for {table} ({files[table].sent_name} too)"
        )
    files[table] = _decode(path, sent_name, table, workdir, utf8)


# Files that operating systems leave beside the real ones: ignored without a word.
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini"}


def _ignored_file(name: str, warnings: list[str], inside_zip: bool) -> None:
    """Say why a file that is not a CSV was ignored (system files silently)."""
    base = PurePosixPath(name).name
    if base.lower() in SYSTEM_FILES or base.startswith(".") or name.startswith("__MACOSX/"):
        return
    if base.lower().endswith((".zip", ".xlsx", ".xlsm")) and inside_zip:
        warnings.append(
            f"{shown_name(name)}: archives and workbooks inside the zip are not opened; its contents "
            "were not imported (send it on its own)"
        )
    elif base.lower().endswith((".zip", ".xlsx", ".xlsm")):
        warnings.append(
            f"{shown_name(name)}: archives and workbooks inside a folder are not opened; "
            "its contents were not imported (send it on its own)"
        )
    else:
        warnings.append(f"{shown_name(name)}: not a CSV file; it was ignored")


def _from_folder(folder: Path, workdir: Path, checksums: dict, warnings: list[str]) -> dict:
    files: dict[str, SourceFile] = {}
    for path in sorted(folder.iterdir()):
        try:
            mode = os.stat(path).st_mode  # follows links: what would be read
        except OSError:
            warnings.append(f"{shown_name(path.name)}: a link to nothing; it was ignored")
            continue
        if not stat.S_ISDIR(mode) and not stat.S_ISREG(mode):
            problem = _regular_file_problem(mode) or ""
            if _table_for(path.name):
                raise BatchRefused(path.name, problem)
            warnings.append(f"{shown_name(path.name)}: {problem}")
            continue
        if stat.S_ISDIR(mode):
            if not path.name.startswith("."):
                warnings.append(
                    f"{shown_name(path.name)}/: folders inside the batch folder are not read"
                )
            continue
        if path.suffix.lower() != ".csv":
            _ignored_file(path.name, warnings, inside_zip=False)
            continue
        table = _table_for(path.name)
        if table is None:
            warnings.append(
                f"{shown_name(path.name)}: not a contract table name; the file was ignored"
            )
            continue
        checksums[path.name], utf8 = checksum_and_encoding(path, path.name)
        _add(files, table, path, path.name, workdir, utf8)
    return files


def _zip_limits(archive: Path, zf: zipfile.ZipFile, max_inflated: int) -> None:
    """Refuse a zip bomb before inflating anything, from what the zip says of its members
    (the copy below also stops at those sizes, should the zip lie)."""
    infos = zf.infolist()
    if len(infos) > limits.MAX_ZIP_MEMBERS:
        raise BatchRefused(
            archive.name,
            f"the zip holds {len(infos):,} files; a batch may hold at most "
            f"{limits.MAX_ZIP_MEMBERS:,} (one per table is enough)",
        )
    total = 0
    for info in infos:
        if info.is_dir() or not info.filename.lower().endswith(".csv"):
            continue  # never opened
        name = shown_name(info.filename)
        if info.file_size > limits.MAX_MEMBER_BYTES:
            raise BatchRefused(
                name,
                f"the file inflates to {limits.size(info.file_size)}; one file may be at most "
                f"{limits.size(limits.MAX_MEMBER_BYTES)} (send larger batches in parts)",
            )
        if info.file_size > limits.RATIO_FROM_BYTES and info.file_size > limits.MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise BatchRefused(
                name,
                f"the file inflates {info.file_size // max(info.compress_size, 1):,} times "
                f"(from {limits.size(info.compress_size)} to {limits.size(info.file_size)}); "
                f"real CSV files compress at most about {limits.MAX_RATIO} times, so this zip "
                "is refused as a zip bomb",
            )
        total += info.file_size
    if total > max_inflated:
        raise BatchRefused(
            archive.name,
            f"the zip's files inflate to {limits.size(total)} in all; a batch sent this way may "
            f"be at most {limits.size(max_inflated)} (larger batches: use the command line, "
            "python -m wellpath import)",
        )


def _copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path) -> None:
    """Inflate one member, stopping at the size it declared (a lying header cannot make it
    write more)."""
    written = 0
    with zf.open(info) as src, open(out, "wb") as dst:
        while chunk := src.read(CHUNK_BYTES):
            written += len(chunk)
            if written > info.file_size or written > limits.MAX_MEMBER_BYTES:
                raise BatchRefused(
                    shown_name(info.filename),
                    "the file inflates to more than the zip says it holds; the zip is damaged "
                    "or built to do harm, and was refused",
                )
            dst.write(chunk)


def _from_zip(
    archive: Path,
    workdir: Path,
    checksums: dict,
    warnings: list[str],
    max_inflated: int = limits.MAX_INFLATED_BYTES,
) -> dict:
    files: dict[str, SourceFile] = {}
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BatchRefused(archive.name, "the file is not a readable .zip archive") from exc
    with zf:
        _zip_limits(archive, zf, max_inflated)
        for info in zf.infolist():
            name = info.filename
            base = PurePosixPath(name).name
            if info.is_dir() or name.startswith("__MACOSX/") or base.startswith("._"):
                continue
            if not base.lower().endswith(".csv"):
                _ignored_file(name, warnings, inside_zip=True)
                continue
            table = _table_for(base)
            if table is None:
                warnings.append(
                    f"{shown_name(name)}: not a contract table name; the file was ignored"
                )
                continue
            out = workdir / f"{table}.zip.csv"
            if table in files:
                raise BatchRefused(
                    name, f"the batch holds two files for {table} ({files[table].sent_name} too)"
                )
            try:
                _copy_member(zf, info, out)
            except (
                RuntimeError,
                NotImplementedError,
                zipfile.BadZipFile,
                OSError,
                EOFError,
            ) as exc:
                # A password-protected or damaged member, or an unsupported compression.
                raise BatchRefused(
                    name,
                    f"the file cannot be taken out of the zip ({exc}); send a zip without a "
                    "password, made by the computer's own 'compress' or 'send to zip'",
                ) from exc
            checksums[name] = sha256_file(out)
            _add(files, table, out, name, workdir)
    return files


def _cell(value: object, is_month: bool, is_id: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() != dt.time(0):
        # A date cell with a time of day: sent in full, so the date rule rejects it as a CSV
        # cell "2025-04-03 14:30:00" would be (never silently cut to its date).
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, dt.datetime | dt.date):
        # A month cell on the 1st is its month; any other day is sent as the date it is.
        return f"{value:%Y-%m}" if is_month and value.day == 1 else f"{value:%Y-%m-%d}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and is_id and abs(value) >= 2**53:
        # An identifier Excel stored as a floating-point number past 15-16 digits has lost
        # digits: sent in scientific notation, which the identifier rule refuses.
        return f"{value:.15E}"
    if isinstance(value, float) and value.is_integer():
        # Excel keeps every number as a float: 3.0 is the whole number 3.
        return str(int(value))
    return str(value)


XLSX_FIX = "; open the workbook in Excel, check it and save it again, or send CSV files"
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")


def _merged_ranges(book: Path, sheet_path: str) -> list[str]:
    """The merged ranges of one sheet, read from its XML (openpyxl's streaming reader does not
    report them), a chunk at a time."""
    with zipfile.ZipFile(book) as zf:
        try:
            member = zf.open(sheet_path.lstrip("/"))
        except KeyError:
            return []
        found: list[str] = []
        tail = b""
        with member:
            while chunk := member.read(CHUNK_BYTES):
                text = tail + chunk
                found += [m.group(1).decode() for m in _MERGE.finditer(text)]
                tail = text[-200:]
        return sorted(set(found))


def _from_xlsx(book: Path, workdir: Path, checksums: dict, warnings: list[str]) -> dict:
    try:
        return _read_xlsx(book, workdir, checksums, warnings)
    except BatchRefused:
        raise
    except Exception as exc:  # openpyxl and defusedxml raise many types for a bad workbook
        chain, seen = [], exc
        while seen is not None and len(chain) < 10:  # openpyxl wraps defusedxml's refusal
            chain.append(type(seen).__name__)
            seen = seen.__cause__ or seen.__context__
        if any("Forbidden" in n or "Entities" in n or "DTD" in n for n in chain):
            raise BatchRefused(
                book.name,
                "the workbook declares XML entities (the 'billion laughs' pattern), which "
                "spreadsheet programs never write; it was refused unread" + XLSX_FIX,
            ) from exc
        if isinstance(exc, MemoryError):
            raise
        raise BatchRefused(
            book.name, f"the workbook cannot be read ({escape_controls(str(exc))[:200]})"
        ) from exc


def _read_xlsx(book: Path, workdir: Path, checksums: dict, warnings: list[str]) -> dict:
    import openpyxl
    from openpyxl.utils import get_column_letter

    checksums[book.name] = sha256_file(book)
    values = openpyxl.load_workbook(book, read_only=True, data_only=True)
    formulas = openpyxl.load_workbook(book, read_only=True, data_only=False)
    files: dict[str, SourceFile] = {}
    try:
        for sheet in values.worksheets:
            table = sheet.title.strip().lower()
            sent_name = f"{book.name} sheet {sheet.title}"
            if table not in contract.TABLES_BY_NAME:
                warnings.append(
                    f"{shown_name(sent_name)}: not a contract table name; the sheet was ignored"
                )
                continue
            if sheet.sheet_state != "visible":
                what = (
                    "very hidden (seen only in the VBA editor)"
                    if sheet.sheet_state == "veryHidden"
                    else "hidden"
                )
                raise BatchRefused(
                    sent_name,
                    f"the sheet is {what}; a hidden sheet is never imported: unhide it if it "
                    "belongs to the batch, or delete it" + XLSX_FIX,
                )
            if table in files:
                raise BatchRefused(sent_name, f"the workbook holds two sheets for {table}")
            merged = _merged_ranges(book, getattr(sheet, "_worksheet_path", ""))
            if merged:
                shown = ", ".join(merged[:5]) + (" and more" if len(merged) > 5 else "")
                raise BatchRefused(
                    sent_name,
                    f"cells {shown} are merged; a merged cell leaves the rows under it "
                    "empty (which would wipe stored values): unmerge them and fill each row"
                    + XLSX_FIX,
                )
            kinds = {c.name: c.kind for c in contract.table(table).columns}
            out = workdir / f"{table}.xlsx.csv"
            with open(out, "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                month_cols: set[int] = set()
                id_cols: set[int] = set()
                rows = zip(
                    sheet.iter_rows(values_only=True),
                    formulas[sheet.title].iter_rows(),
                    strict=False,
                )
                for i, (row, cells) in enumerate(rows):
                    if i == 0:
                        names = [normalise_header(str(v or "")) for v in row]
                        month_cols = {j for j, n in enumerate(names) if n == "month"}
                        id_cols = {j for j, n in enumerate(names) if kinds.get(n) == "id"}
                    for j, cell in enumerate(cells):
                        if getattr(cell, "data_type", None) == "f" and (
                            j >= len(row) or row[j] is None
                        ):
                            raise BatchRefused(
                                sent_name,
                                f"cell {get_column_letter(j + 1)}{i + 1} holds a formula "
                                "without a saved value (the workbook was written by a program "
                                "that does not calculate formulas), so its value is unknown "
                                "and would load as empty" + XLSX_FIX,
                            )
                    if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                        continue  # Excel's trailing blank rows
                    writer.writerow(
                        [_cell(v, j in month_cols, j in id_cols) for j, v in enumerate(row)]
                    )
            files[table] = SourceFile(table, sent_name, out, "xlsx", checksum_name=book.name)
    finally:
        values.close()
        formulas.close()
    return files


def prepare(
    source: Path, workdir: Path, max_inflated: int = limits.MAX_INFLATED_BYTES
) -> PreparedBatch:
    """Find the contract files in `source`, decode them and check their headers.

    Raises BatchRefused for anything that must refuse the batch (before any write).
    """
    source = Path(source)
    warnings: list[str] = []
    checksums: dict[str, str] = {}
    if not source.exists():
        raise BatchRefused(str(source), "there is no such file or folder")
    if not source.is_dir():
        problem = _regular_file_problem(os.stat(source).st_mode)
        if problem:
            raise BatchRefused(source.name, problem)
    if source.is_dir():
        files = _from_folder(source, workdir, checksums, warnings)
    elif source.suffix.lower() == ".zip":
        files = _from_zip(source, workdir, checksums, warnings, max_inflated)
    elif source.suffix.lower() in (".xlsx", ".xlsm"):
        files = _from_xlsx(source, workdir, checksums, warnings)
    elif source.suffix.lower() == ".csv" and _table_for(source.name):
        checksums[source.name] = sha256_file(source)
        files = {}
        _add(files, _table_for(source.name) or "", source, source.name, workdir)
    else:
        raise BatchRefused(
            source.name,
            "send a folder of CSV files, a .zip of them, or an .xlsx workbook (one sheet per "
            "table); a single CSV must be named after its table, e.g. referrals.csv",
        )
    if not files:
        raise BatchRefused(
            source.name,
            "no contract files found: name each file after its table, e.g. practices.csv, "
            "referrals.csv (or each sheet, in a workbook)",
        )
    ordered = {t: files[t] for t in contract.TABLE_NAMES if t in files}
    for f in ordered.values():
        f.checksum_name = f.checksum_name or f.sent_name
        f.checksum = checksums.get(f.checksum_name, "")
        _read_header(f)
        _check_header(f, warnings)
    return PreparedBatch(source.name, ordered, checksums, warnings)
